"""Persistence across restarts, concurrent load, and the cost of settling.

- A server restarted on its state file has every image, version, tag and MicroVM, and
  builds caught mid-way finish afterwards (in-process and in the foreground process).
- Eight threads of mixed calls through this SDK and boto3 leave a consistent state.
- Settling visits only the resources with a transition due, and gives exactly the
  states a visit of every resource gives.
"""

from __future__ import annotations

import copy
import json
import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st
from server_support import start_foreground

from microvm_sdk import Client, Config, errors, models
from microvm_sdk.local import Backend, LocalServer, Timing, VirtualClock
from microvm_sdk.local import _backend_images as images_module
from microvm_sdk.local import _backend_microvms as microvms_module
from microvm_sdk.local._backend_common import Env
from microvm_sdk.local._errors import EmulatedError, RequestContext

ACCOUNT = "000000000000"
REGION = "us-east-1"
BASE_ARN = f"arn:aws:lambda:{REGION}:aws:microvm-image:al2023-1"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/build"
CODE = models.CodeArtifactUri(value="s3://bucket/code.zip")
QUICK: dict[str, Any] = {"min_delay": 0.005, "max_delay": 0.02, "timeout": 5.0}
CTX = RequestContext(region=REGION, account_id=ACCOUNT, request_id="req", access_key="test")


def image_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:microvm-image:{name}"


@pytest.fixture(autouse=True)
def _isolated_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.upper().startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))


def sdk_client(server: LocalServer) -> Client:
    options: dict[str, Any] = dict(server.client_kwargs)  # endpoint URL, keys and region
    return Client(**options, config=Config(max_attempts=1, read_timeout=30))


def create(client: Client, name: str, uri: str = "s3://bucket/code.zip", **extra: Any) -> str:
    return client.create_microvm_image(
        name=name,
        base_image_arn=BASE_ARN,
        build_role_arn=ROLE_ARN,
        code_artifact=models.CodeArtifactUri(value=uri),
        **extra,
    ).image_arn


# -- persistence ------------------------------------------------------------------------


def snapshot(client: Client) -> dict[str, Any]:
    """Everything a caller can read, keyed by image name and MicroVM id."""
    images: dict[str, Any] = {}
    for item in client.paginate_list_microvm_images(page_size=2).items():
        arn = item.image_arn
        versions = list(client.paginate_list_microvm_image_versions(image_identifier=arn).items())
        images[item.name] = {
            "image": client.get_microvm_image(image_identifier=arn),
            "versions": versions,
            "builds": {
                v.image_version: client.list_microvm_image_builds(
                    image_identifier=arn, image_version=v.image_version
                ).items
                for v in versions
            },
            "tags": client.list_tags(resource=arn).tags,
        }
    microvms = {
        vm.microvm_id: client.get_microvm(microvm_identifier=vm.microvm_id)
        for vm in client.paginate_list_microvms().items()
    }
    return {"images": images, "microvms": microvms}


def test_state_file_keeps_everything_and_builds_finish_after_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state" / "emulator.json"
    with LocalServer(profile="manual", state_file=state) as server, sdk_client(server) as client:
        clock = server.clock
        done = create(client, "done", tags={"team": "sdk"})
        failed = create(client, "failed", uri="s3://bucket/fail-S3_NO_SUCH_KEY.zip")
        clock.advance(16)  # both builds over
        client.update_microvm_image(
            image_identifier=done,
            base_image_arn=BASE_ARN,
            build_role_arn=ROLE_ARN,
            code_artifact=models.CodeArtifactUri(value="s3://bucket/v2.zip"),
        )
        clock.advance(16)
        client.update_microvm_image_version(
            image_identifier=done,
            image_version="1.0",
            status=models.MicrovmImageVersionStatus.INACTIVE,
        )
        client.tag_resource(resource=done, tags={"stage": "test"})
        running = client.run_microvm(image_identifier=done).microvm_id
        gone = client.run_microvm(image_identifier=done).microvm_id
        clock.advance(2)
        client.terminate_microvm(microvm_identifier=gone)
        clock.advance(2)
        # Caught mid-build: one queued (PENDING), one building (IN_PROGRESS).
        queued = create(client, "queued")
        clock.advance(3)
        building = create(client, "building")
        clock.advance(2.5)
        assert (
            client.get_microvm_image_version(image_identifier=queued, image_version="1.0").state
            is models.MicrovmImageVersionState.IN_PROGRESS
        )
        assert (
            client.get_microvm_image_version(image_identifier=building, image_version="1.0").state
            is models.MicrovmImageVersionState.IN_PROGRESS
        )
        before = snapshot(client)
        saved_now = clock.now()
    assert state.exists()
    assert json.loads(state.read_text())["format"] == "microvm-sdk-local-backend"

    with LocalServer(profile="manual", state_file=state) as server, sdk_client(server) as client:
        assert server.clock.mode == "manual"
        assert server.clock.now() == saved_now
        assert snapshot(client) == before
        image = before["images"]
        assert image["done"]["image"].state is models.MicrovmImageState.UPDATED
        assert image["done"]["image"].latest_active_image_version == "2.0"
        assert image["done"]["tags"] == {"team": "sdk", "stage": "test"}
        assert [v.status for v in image["done"]["versions"]] == ["INACTIVE", "ACTIVE"]
        assert image["failed"]["image"].state is models.MicrovmImageState.CREATE_FAILED
        assert before["microvms"][running].state is models.MicrovmState.RUNNING
        assert before["microvms"][gone].state is models.MicrovmState.TERMINATED
        # The builds caught mid-way go on from where they were.
        server.clock.advance(16)
        for arn in (queued, building):
            assert client.get_microvm_image(image_identifier=arn).state is (
                models.MicrovmImageState.CREATED
            )
        assert client.run_microvm(image_identifier=building).image_version == "1.0"
        client.delete_microvm_image(image_identifier=failed)
        server.clock.advance(5)
        with pytest.raises(errors.ResourceNotFoundException):
            client.get_microvm_image(image_identifier=failed)
    # The third start sees the changes made after the second.
    with LocalServer(profile="manual", state_file=state) as server, sdk_client(server) as client:
        names = [item.name for item in client.paginate_list_microvm_images().items()]
        assert names == ["done", "queued", "building"]
        assert len(list(client.paginate_list_microvms().items())) == 3


def test_a_restored_manual_server_keeps_its_manual_clock(tmp_path: Path) -> None:
    state = tmp_path / "manual.json"
    with LocalServer(profile="manual", state_file=state) as server, sdk_client(server) as client:
        create(client, "img")
        server.clock.advance(5)
        saved_now = server.clock.now()
    with LocalServer(profile="manual", state_file=state) as server:
        assert server.clock.mode == "manual"
        assert server.clock.now() == saved_now


def test_a_real_time_server_finishes_builds_it_was_stopped_in(tmp_path: Path) -> None:
    state = tmp_path / "fast.json"
    with LocalServer(profile="fast", state_file=state) as server, sdk_client(server) as client:
        arns = [create(client, f"quick-{i}") for i in range(5)]
        # Stopped at once: most of these builds are still going.
    with LocalServer(profile="fast", state_file=state) as server, sdk_client(server) as client:
        for arn in arns:
            assert client.wait_until_created(image_identifier=arn, **QUICK).state is (
                models.MicrovmImageState.CREATED
            )


def interrupt(process: subprocess.Popen[str]) -> str:
    """SIGINT, then the exit status must be 0; returns what it printed after the start."""
    process.send_signal(signal.SIGINT)
    try:
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    return out


def test_foreground_process_keeps_its_state_file(tmp_path: Path) -> None:
    state = tmp_path / "serve.json"
    env = {
        "PATH": os.defpath,
        "HOME": str(tmp_path),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
    }
    keys: dict[str, Any] = {
        "aws_access_key_id": "test",
        "aws_secret_access_key": "test",
        "region_name": REGION,
    }

    process, url = start_foreground(state, env, "--profile", "fast")
    try:
        with Client(endpoint_url=url, **keys, config=Config(max_attempts=1)) as client:
            arn = create(client, "kept", tags={"k": "v"})
            client.wait_until_created(image_identifier=arn, **QUICK)
            microvm_id = client.run_microvm(image_identifier=arn).microvm_id
    finally:
        printed = interrupt(process)
    assert printed.strip().endswith("stopped")
    assert state.exists()

    process, url = start_foreground(state, env, "--profile", "fast")
    try:
        with Client(endpoint_url=url, **keys, config=Config(max_attempts=1)) as client:
            image = client.get_microvm_image(image_identifier=arn)
            assert (image.state, image.tags) == (models.MicrovmImageState.CREATED, {"k": "v"})
            vm = client.wait_until_microvm_running(microvm_identifier=microvm_id, **QUICK)
            assert vm.image_arn == arn
    finally:
        interrupt(process)


# -- load -------------------------------------------------------------------------------

THREADS = 8
CALLS_PER_THREAD = 200


class Worker:
    """One thread's share of the load: its own client, images, tags and MicroVMs."""

    def __init__(self, index: int, server: LocalServer) -> None:
        self.index = index
        self.use_sdk = index % 2 == 0
        self.rng = random.Random(index)
        self.created: list[str] = []
        self.built: list[str] = []
        self.tags: dict[str, dict[str, str]] = {}
        self.microvms: list[str] = []
        self.expected: Counter[str] = Counter()
        self.operations: Counter[str] = Counter()
        self.unexpected: list[str] = []
        self.server_errors: list[str] = []
        self.calls = 0
        if self.use_sdk:
            self.sdk: Client | None = sdk_client(server)
            self.boto: Any = None
        else:
            self.sdk = None
            self.boto = boto3.client(
                "lambda-microvms",
                **server.client_kwargs,
                config=BotoConfig(retries={"total_max_attempts": 1}, read_timeout=30),
            )

    # Each operation in both clients' terms; both answer plain values.

    def create(self, name: str) -> str:
        if self.sdk is not None:
            return create(self.sdk, name)
        arn: str = self.boto.create_microvm_image(
            name=name,
            baseImageArn=BASE_ARN,
            buildRoleArn=ROLE_ARN,
            codeArtifact={"uri": "s3://bucket/code.zip"},
        )["imageArn"]
        return arn

    def image_state(self, arn: str) -> str:
        if self.sdk is not None:
            return str(self.sdk.get_microvm_image(image_identifier=arn).state)
        state: str = self.boto.get_microvm_image(imageIdentifier=arn)["state"]
        return state

    def list_names(self) -> list[str]:
        if self.sdk is not None:
            return [i.name for i in self.sdk.list_microvm_images(max_results=20).items]
        return [i["name"] for i in self.boto.list_microvm_images(maxResults=20)["items"]]

    def tag(self, arn: str, tags: dict[str, str]) -> None:
        if self.sdk is not None:
            self.sdk.tag_resource(resource=arn, tags=tags)
        else:
            self.boto.tag_resource(Resource=arn, Tags=tags)

    def run(self, arn: str) -> str:
        if self.sdk is not None:
            return self.sdk.run_microvm(image_identifier=arn).microvm_id
        microvm_id: str = self.boto.run_microvm(imageIdentifier=arn)["microvmId"]
        return microvm_id

    def microvm_state(self, microvm_id: str) -> str:
        if self.sdk is not None:
            return str(self.sdk.get_microvm(microvm_identifier=microvm_id).state)
        state: str = self.boto.get_microvm(microvmIdentifier=microvm_id)["state"]
        return state

    def one_call(self) -> None:
        roll = self.rng.random()
        if roll < 0.2 or not self.created:
            self.operations["create"] += 1
            name = f"w{self.index}-{len(self.created)}"
            self.created.append(self.create(name))
        elif roll < 0.4:
            self.operations["get"] += 1
            arn = self.rng.choice(self.created)
            if self.image_state(arn) == "CREATED" and arn not in self.built:
                self.built.append(arn)
        elif roll < 0.5:
            self.operations["list"] += 1
            self.list_names()
        elif roll < 0.65:
            self.operations["tag"] += 1
            arn = self.rng.choice(self.created)
            tags = {"owner": f"w{self.index}", "n": str(self.calls)}
            self.tag(arn, tags)
            self.tags[arn] = {**self.tags.get(arn, {}), **tags}
        elif roll < 0.8:
            # The newest image may still be building: "No active version" is expected.
            self.operations["run"] += 1
            arn = self.rng.choice(self.built) if self.built else self.created[-1]
            try:
                self.microvms.append(self.run(arn))
            except (errors.ResourceNotFoundException, ClientError) as error:
                if "No active version found" not in str(error):
                    raise
                self.expected["run-before-built"] += 1
        elif self.microvms:
            self.operations["get-microvm"] += 1
            self.microvm_state(self.rng.choice(self.microvms))
        else:
            self.operations["list"] += 1
            self.list_names()

    def __call__(self) -> None:
        try:
            for _ in range(CALLS_PER_THREAD):
                self.calls += 1
                try:
                    self.one_call()
                except errors.ServiceError as error:
                    target = self.server_errors if error.http_status >= 500 else self.unexpected
                    target.append(repr(error))
                except ClientError as error:
                    status = error.response["ResponseMetadata"]["HTTPStatusCode"]
                    target = self.server_errors if status >= 500 else self.unexpected
                    target.append(repr(error))
        except Exception as error:  # anything else ends the worker, and fails the test
            self.unexpected.append(repr(error))
        finally:
            if self.sdk is not None:
                self.sdk.close()
            else:
                self.boto.close()


def test_eight_threads_of_mixed_calls_leave_a_consistent_state(
    microvm_local: LocalServer,
) -> None:
    workers = [Worker(index, microvm_local) for index in range(THREADS)]
    threads = [
        threading.Thread(target=worker, name=f"load-{i}") for i, worker in enumerate(workers)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    elapsed = time.monotonic() - started
    assert not any(thread.is_alive() for thread in threads)
    assert [w.server_errors for w in workers] == [[]] * THREADS
    assert [w.unexpected for w in workers] == [[]] * THREADS
    assert sum(w.calls for w in workers) == THREADS * CALLS_PER_THREAD
    operations = sum((w.operations for w in workers), Counter[str]())
    assert set(operations) == {"create", "get", "list", "tag", "run", "get-microvm"}
    assert operations["run"] > sum(w.expected["run-before-built"] for w in workers)
    assert elapsed < 60

    with sdk_client(microvm_local) as client:
        listed = [item.image_arn for item in client.paginate_list_microvm_images().items()]
        created = [arn for w in workers for arn in w.created]
        assert len(listed) == len(set(listed))  # every image once ...
        assert sorted(listed) == sorted(created)  # ... and every created one
        for worker in workers:
            for arn, tags in worker.tags.items():
                assert client.list_tags(resource=arn).tags == tags
        microvms = {vm.microvm_id for vm in client.paginate_list_microvms().items()}
        assert microvms == {m for w in workers for m in w.microvms}
        for arn in created:
            client.wait_until_created(image_identifier=arn, **QUICK)


# -- settling cost ----------------------------------------------------------------------

TIMING = Timing(
    build_queue=3,
    build_run=10,
    version_settle=2,
    image_settle=2,
    image_delete_drain=5,
    version_delete_drain=4,
    microvm_start=2,
    microvm_suspend=1,
    microvm_terminate=1,
    policy_time_scale=0.1,
)


def backend_call(backend: Backend, operation: str, **params: Any) -> Any:
    return backend.handle(operation, params, CTX)


def create_params(name: str, uri: str = "s3://bucket/code.zip") -> dict[str, Any]:
    return {
        "name": name,
        "baseImageArn": BASE_ARN,
        "buildRoleArn": ROLE_ARN,
        "codeArtifact": {"uri": uri},
    }


@pytest.fixture
def visits(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts the images and MicroVMs settling looks at."""
    counted: Counter[str] = Counter()
    settle_image = images_module._settle_image
    settle_microvm = microvms_module.settle_microvm

    def image_visit(env: Env, image: Any) -> None:
        counted["images"] += 1
        settle_image(env, image)

    def microvm_visit(vm: Any, now: float, timing: Timing) -> None:
        counted["microvms"] += 1
        settle_microvm(vm, now, timing)

    monkeypatch.setattr(images_module, "_settle_image", image_visit)
    monkeypatch.setattr(microvms_module, "settle_microvm", microvm_visit)
    return counted


def test_settling_visits_only_resources_with_a_transition_due(visits: Counter[str]) -> None:
    clock = VirtualClock.manual(start=1_800_000_000)
    backend = Backend(clock=clock, profile=TIMING, random_seed=3)
    for index in range(300):
        backend_call(backend, "CreateMicrovmImage", **create_params(f"img-{index}"))
    clock.advance(20)
    first = image_arn("img-0")
    for _ in range(50):
        backend_call(backend, "RunMicrovm", imageIdentifier=first)
    clock.advance(5)
    backend_call(backend, "ListManagedMicrovmImages")  # settles everything due
    assert backend_call(backend, "GetMicrovmImage", imageIdentifier=first)["state"] == "CREATED"

    # Everything is settled: a request visits nothing, however many resources there are.
    visits.clear()
    for _ in range(20):
        backend_call(backend, "GetMicrovmImage", imageIdentifier=first)
    assert visits == Counter()

    # One new image: only it is visited, once at each of its 4 transitions, then never.
    backend_call(backend, "CreateMicrovmImage", **create_params("late"))
    timeline = [
        TIMING.build_queue,  # version and builds IN_PROGRESS
        TIMING.build_run,  # builds SUCCESSFUL
        TIMING.version_settle,  # version SUCCESSFUL
        TIMING.image_settle,  # image CREATED
    ]
    for step in timeline:
        clock.advance(step - 0.001)
        backend_call(backend, "GetMicrovmImage", imageIdentifier=first)
        clock.advance(0.001)
        backend_call(backend, "GetMicrovmImage", imageIdentifier=first)
    clock.advance(1000)
    for _ in range(10):
        backend_call(backend, "GetMicrovmImage", imageIdentifier=first)
    late = backend_call(backend, "GetMicrovmImage", imageIdentifier=image_arn("late"))
    assert late["state"] == "CREATED"
    assert visits["images"] == len(timeline)
    assert visits["microvms"] == 0  # the 50 RUNNING MicroVMs have nothing due for hours

    # Terminated MicroVMs are never visited again.
    microvm_ids = [vm["microvmId"] for vm in backend_call(backend, "ListMicrovms")["items"]]
    for microvm_id in microvm_ids:
        backend_call(backend, "TerminateMicrovm", microvmIdentifier=microvm_id)
    clock.advance(TIMING.microvm_terminate)
    backend_call(backend, "ListManagedMicrovmImages")
    visits.clear()
    clock.advance(10 * 28_800)  # past every maximum duration
    backend_call(backend, "ListManagedMicrovmImages")
    assert visits["microvms"] == 0

    # A restored backend looks at its resources once, then only at what is due.
    restored = Backend.from_json(backend.to_json())
    visits.clear()
    backend_call(restored, "ListManagedMicrovmImages")
    backend_call(restored, "ListManagedMicrovmImages")
    assert visits["images"] == 0  # settled images are not even queued on restore
    assert visits["microvms"] == 0


def test_a_microvm_resumed_by_traffic_still_idles_out_on_time() -> None:
    clock = VirtualClock.manual(start=1_800_000_000)
    backend = Backend(clock=clock, profile=TIMING, random_seed=3)
    backend_call(backend, "CreateMicrovmImage", **create_params("img"))
    clock.advance(20)
    policy = {"maxIdleDurationSeconds": 100, "suspendedDurationSeconds": 500}
    microvm_id = backend_call(
        backend,
        "RunMicrovm",
        imageIdentifier=image_arn("img"),
        idlePolicy={**policy, "autoResumeEnabled": True},
    )["microvmId"]

    def state() -> str:
        found: str = backend_call(backend, "GetMicrovm", microvmIdentifier=microvm_id)["state"]
        return found

    idle = 100 * TIMING.policy_time_scale  # 10 s
    clock.advance(TIMING.microvm_start + idle)
    assert state() == "SUSPENDING"  # idled out
    clock.advance(TIMING.microvm_suspend)
    assert state() == "SUSPENDED"
    clock.advance(3)
    assert backend.record_traffic(microvm_id) == "RUNNING"  # resumed, no request in between
    clock.advance(idle - 0.001)
    assert state() == "RUNNING"
    clock.advance(0.001)
    assert state() == "SUSPENDING"  # idled out again, exactly on time


# Reference: settling by visiting every resource on every request (the obvious way).
def settle_every_image(env: Env) -> None:
    for name in list(env.part.images):
        image = env.part.images[name]
        for version in list(image.versions.values()):
            images_module._settle_version(version, env.now, env.config.version_failure_reason)
        images_module._settle_image(env, image)


def settle_every_microvm(env: Env) -> None:
    for vm in env.part.microvms.values():
        microvms_module.settle_microvm(vm, env.now, env.timing)


URIS = ("s3://bucket/ok.zip", "s3://bucket/fail.zip", "s3://bucket/hang.zip")
_names = st.sampled_from(["a", "b", "c"])
_policies = st.none() | st.fixed_dictionaries(
    {
        "maxIdleDurationSeconds": st.integers(60, 200),
        "suspendedDurationSeconds": st.integers(0, 150),
        "autoResumeEnabled": st.booleans(),
    }
)
OPERATIONS = st.one_of(
    st.tuples(st.just("create"), _names, st.sampled_from(URIS)),
    st.tuples(st.just("update"), _names, st.sampled_from(URIS)),
    st.tuples(st.just("delete"), _names),
    st.tuples(st.just("delete_version"), _names, st.integers(1, 3)),
    st.tuples(st.just("status"), _names, st.integers(1, 3), st.booleans()),
    st.tuples(st.just("run"), _names, _policies, st.integers(1, 600)),
    st.tuples(
        st.sampled_from(["suspend", "resume", "terminate", "traffic", "get_vm"]),
        st.integers(0, 5),
    ),
    st.tuples(st.just("advance"), st.sampled_from([0, 0.5, 1, 2, 3, 5, 8, 13, 30, 100])),
    st.tuples(st.just("restore")),
    st.tuples(st.just("list")),
)


# Every example starts with a fixed story that passes through each place a transition
# gets scheduled (create, update, run, suspend, resume, traffic, version and image
# deletes), then goes on at random from there.
_AUTO_RESUME = {"maxIdleDurationSeconds": 60, "suspendedDurationSeconds": 100}
PRELUDE: list[tuple[Any, ...]] = [
    ("create", "a", URIS[0]),
    ("create", "b", URIS[1]),  # fails
    ("create", "c", URIS[2]),  # hangs
    ("create", "d", URIS[0]),
    ("advance", 30),
    ("update", "b", URIS[0]),
    ("run", "a", None, 600),
    ("run", "a", {**_AUTO_RESUME, "autoResumeEnabled": True}, 600),
    ("run", "a", {**_AUTO_RESUME, "autoResumeEnabled": False}, 600),
    ("advance", 3),
    ("suspend", 1),
    ("suspend", 2),
    ("advance", 2),
    ("traffic", 1),  # resumed behind the queue's back: its idle timer must still fire
    ("resume", 2),
    ("advance", 6),  # both idle out now
    ("advance", 12),  # b's update is built
    ("delete_version", "b", 1),
    ("advance", 4),
    ("delete", "d"),
    ("advance", 5),
]


def apply(backend: Backend, operation: tuple[Any, ...], microvm_ids: list[str]) -> Any:
    """Perform one step; returns what a caller sees (answer or error)."""
    kind = operation[0]
    try:
        if kind == "create":
            return backend_call(backend, "CreateMicrovmImage", **create_params(*operation[1:]))
        if kind == "update":
            params = create_params(operation[1], operation[2])
            del params["name"]
            return backend_call(
                backend, "UpdateMicrovmImage", imageIdentifier=image_arn(operation[1]), **params
            )
        if kind == "delete":
            return backend_call(
                backend, "DeleteMicrovmImage", imageIdentifier=image_arn(operation[1])
            )
        if kind == "delete_version":
            return backend_call(
                backend,
                "DeleteMicrovmImageVersion",
                imageIdentifier=image_arn(operation[1]),
                imageVersion=f"{operation[2]}.0",
            )
        if kind == "status":
            return backend_call(
                backend,
                "UpdateMicrovmImageVersion",
                imageIdentifier=image_arn(operation[1]),
                imageVersion=f"{operation[2]}.0",
                status="ACTIVE" if operation[3] else "INACTIVE",
            )
        if kind == "run":
            params = {"imageIdentifier": image_arn(operation[1])}
            if operation[2] is not None:
                params["idlePolicy"] = operation[2]
            answer = backend_call(
                backend, "RunMicrovm", maximumDurationInSeconds=operation[3], **params
            )
            microvm_ids.append(answer["microvmId"])
            return answer
        if kind == "advance":
            return backend.clock.advance(operation[1])
        if kind == "list":
            return [
                backend_call(backend, "ListMicrovmImages"),
                backend_call(backend, "ListMicrovms"),
            ]
        if not microvm_ids:
            return None
        microvm_id = microvm_ids[operation[1] % len(microvm_ids)]
        if kind == "traffic":
            return backend.record_traffic(microvm_id)
        names = {
            "suspend": "SuspendMicrovm",
            "resume": "ResumeMicrovm",
            "terminate": "TerminateMicrovm",
            "get_vm": "GetMicrovm",
        }
        return backend_call(backend, names[kind], microvmIdentifier=microvm_id)
    except EmulatedError as error:
        return (error.code, error.status, error.message)


def partitions(backend: Backend) -> Any:
    return backend.to_json()["partitions"]


@given(
    timing=st.sampled_from([TIMING, "instant"]),
    operations=st.lists(OPERATIONS, min_size=1, max_size=40),
)
def test_settling_only_what_is_due_matches_settling_everything(
    timing: Timing | str, operations: list[tuple[Any, ...]]
) -> None:
    """Both ways of settling give the same answers and states, step by step."""
    fast = Backend(clock=VirtualClock.manual(start=1_800_000_000), profile=timing, random_seed=5)
    slow = Backend(clock=VirtualClock.manual(start=1_800_000_000), profile=timing, random_seed=5)
    fast_ids: list[str] = []
    slow_ids: list[str] = []
    queued = (images_module.settle_images, microvms_module.settle_microvms)
    for step, operation in enumerate(PRELUDE + operations):
        if operation[0] == "restore":
            fast = Backend.from_json(copy.deepcopy(fast.to_json()))
            slow = Backend.from_json(copy.deepcopy(slow.to_json()))
            continue
        # Each step is followed by a read, so every moment the clock stops at is seen.
        seen = [apply(fast, operation, fast_ids), apply(fast, ("list",), fast_ids)]
        try:
            images_module.settle_images = settle_every_image
            microvms_module.settle_microvms = settle_every_microvm
            expected = [apply(slow, operation, slow_ids), apply(slow, ("list",), slow_ids)]
        finally:
            images_module.settle_images, microvms_module.settle_microvms = queued
        assert seen == expected, (step, operation)
        assert partitions(fast) == partitions(slow), (step, operation)
    # And at the very end, long after everything: still the same.
    for backend in (fast, slow):
        backend.clock.advance(100_000)
    apply(fast, ("list",), fast_ids)
    try:
        images_module.settle_images = settle_every_image
        microvms_module.settle_microvms = settle_every_microvm
        apply(slow, ("list",), slow_ids)
    finally:
        images_module.settle_images, microvms_module.settle_microvms = queued
    assert partitions(fast) == partitions(slow)
