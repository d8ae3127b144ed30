"""What only AsyncClient has: many tasks on one client, cancellation, first use shared
by concurrent tasks, and credentials refreshed off the event loop.

Everything the two clients share is tested for both in the other files of this folder
(written once, run for each flavour).
"""

from __future__ import annotations

import asyncio
import datetime
import inspect
import threading
import time
from typing import Any
from urllib.parse import unquote

import pytest
from client_cases import ACCOUNT, CASES_BY_NAME, IMAGE_ARN, T0
from replay_server import Recorded, ReplayServer, Reply

import microvm_sdk
from microvm_sdk import AsyncClient, Client, errors, models
from microvm_sdk._base_client import AsyncBaseClient
from microvm_sdk._core.http import HttpRequest, HttpResponse
from microvm_sdk._core.paginator import AsyncPaginator

WAIT = 5.0


def echo_image(request: Recorded) -> Reply:
    """Answer GetMicrovmImage with the image named in the path, to catch cross-talk."""
    arn = unquote(request.path.rsplit("/", 1)[1])
    return Reply.json(
        200, {"imageArn": arn, "name": arn.rsplit(":", 1)[1], "state": "CREATING", "createdAt": T0}
    )


def async_client(server: ReplayServer, **kwargs: Any) -> AsyncClient:
    options: dict[str, Any] = {
        "region_name": "us-east-1",
        "endpoint_url": server.url,
        "aws_access_key_id": "AK",
        "aws_secret_access_key": "SK",
    }
    options.update(kwargs)
    return AsyncClient(**options)


def arn(name: str) -> str:
    return f"arn:aws:lambda:us-east-1:{ACCOUNT}:microvm-image:{name}"


def others(tasks: set[asyncio.Task[Any]]) -> set[asyncio.Task[Any]]:
    """The tasks still alive besides the current one."""
    return {task for task in tasks if task is not asyncio.current_task() and not task.done()}


# -- the surface -------------------------------------------------------------------------


def test_the_constructor_is_the_clients() -> None:
    ours = inspect.signature(AsyncClient.__init__).parameters
    theirs = inspect.signature(Client.__init__).parameters
    assert [(p.name, p.kind, p.default) for p in ours.values()] == [
        (p.name, p.kind, p.default) for p in theirs.values()
    ]


def test_every_method_of_client_is_a_coroutine_method_with_the_same_arguments() -> None:
    public = [name for name in dir(Client) if not name.startswith("_")]
    assert len([n for n in public if not n.startswith(("paginate_", "wait_until_"))]) >= 24
    for name in public:
        sync, flavoured = getattr(Client, name), getattr(AsyncClient, name)
        if isinstance(sync, property) or name in ("SERVICE_ENV_NAME",):
            continue
        if name in ("config",):
            continue
        ours, theirs = inspect.signature(flavoured), inspect.signature(sync)
        if name.startswith("paginate_"):
            assert not inspect.iscoroutinefunction(flavoured), name
            assert ours.return_annotation == theirs.return_annotation.replace(
                "Paginator[", "AsyncPaginator["
            )
        else:
            assert inspect.iscoroutinefunction(flavoured), name
            assert ours.return_annotation == theirs.return_annotation, name
        assert [(p.name, p.kind, p.default, p.annotation) for p in ours.parameters.values()] == [
            (p.name, p.kind, p.default, p.annotation) for p in theirs.parameters.values()
        ], name


def test_a_blocking_transport_is_refused_with_a_clear_error() -> None:
    class Blocking:
        def send(self, request: HttpRequest) -> HttpResponse:
            raise AssertionError("never called")

        def close(self) -> None:
            pass

    with pytest.raises(errors.ConfigurationError, match=r"transport: Blocking .*send_async"):
        AsyncClient(region_name="us-east-1", transport=Blocking())  # type: ignore[arg-type]


def test_paginate_returns_an_async_paginator_without_sending(server: ReplayServer) -> None:
    client = async_client(server)
    paginator = client.paginate_list_microvm_images(page_size=5)
    assert isinstance(paginator, AsyncPaginator)
    assert not hasattr(paginator, "__iter__")
    assert server.requests == []


# -- many tasks on one client --------------------------------------------------------------


def test_500_concurrent_calls_on_a_pool_of_10(server: ReplayServer) -> None:
    server.handler = echo_image

    async def main() -> list[tuple[str, str]]:
        config = microvm_sdk.Config(max_pool_connections=10)
        async with async_client(server, config=config) as client:

            async def one(n: int) -> tuple[str, str]:
                name = f"img-{n}"
                image = await client.get_microvm_image(image_identifier=arn(name))
                return name, image.name

            return await asyncio.gather(*(one(n) for n in range(500)))

    results = asyncio.run(main())
    assert len(results) == 500
    assert all(sent == got for sent, got in results)  # no cross-talk
    assert len(server.requests) == 500
    assert len({r.headers["amz-sdk-invocation-id"] for r in server.requests}) == 500
    assert 1 <= server.connections_opened <= 10  # the pool bound held


def test_concurrent_creates_get_one_token_each(server: ReplayServer) -> None:
    case = CASES_BY_NAME["RunMicrovm"]
    server.handler = lambda request: Reply.json(200, case.body)

    async def main() -> None:
        async with async_client(server) as client:
            await asyncio.gather(
                *(client.run_microvm(image_identifier=IMAGE_ARN) for _ in range(60))
            )

    asyncio.run(main())
    tokens = [r.json()["clientToken"] for r in server.requests]
    assert len(tokens) == len(set(tokens)) == 60


def test_concurrent_first_calls_share_one_warm_up(
    server: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.handler = echo_image
    threads: list[int] = []
    original = AsyncBaseClient._warm_up

    def counted(self: AsyncBaseClient) -> None:
        threads.append(threading.get_ident())
        time.sleep(0.05)  # long enough for every first call to arrive while it runs
        original(self)

    monkeypatch.setattr(AsyncBaseClient, "_warm_up", counted)

    async def main() -> int:
        async with async_client(server) as client:
            await asyncio.gather(
                *(client.get_microvm_image(image_identifier=arn(f"i{n}")) for n in range(50))
            )
            await client.get_microvm_image(image_identifier=arn("later"))
        return threading.get_ident()

    loop_thread = asyncio.run(main())
    assert len(threads) == 1  # one warm-up for 51 calls
    assert threads[0] != loop_thread  # and not on the event loop's thread
    assert len(server.requests) == 51


def test_a_failed_warm_up_is_tried_again_by_the_next_call(
    server: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.handler = echo_image
    attempts: list[int] = []
    original = AsyncBaseClient._warm_up

    def flaky(self: AsyncBaseClient) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise errors.ConfigurationError("cannot load what the first call needs")
        original(self)

    monkeypatch.setattr(AsyncBaseClient, "_warm_up", flaky)

    async def main() -> None:
        async with async_client(server) as client:
            with pytest.raises(errors.ConfigurationError, match="first call needs"):
                await client.get_microvm_image(image_identifier=arn("x"))
            assert (await client.get_microvm_image(image_identifier=arn("x"))).name == "x"

    asyncio.run(main())
    assert len(attempts) == 2
    assert len(server.requests) == 1


# -- cancellation --------------------------------------------------------------------------


def test_a_call_cancelled_mid_request_leaves_nothing_behind(server: ReplayServer) -> None:
    server.script(Reply.json(200, CASES_BY_NAME["GetMicrovmImage"].body), Reply.stall())
    server.default = Reply.json(200, CASES_BY_NAME["GetMicrovmImage"].body)

    async def main() -> None:
        async with async_client(server) as client:
            await client.get_microvm_image(image_identifier=IMAGE_ARN)  # one pooled connection
            task = asyncio.create_task(client.get_microvm_image(image_identifier=IMAGE_ARN))
            assert await asyncio.to_thread(server.wait_for, lambda: len(server.requests) == 2, WAIT)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert others(asyncio.all_tasks()) == set()
            transport: Any = client._runtime._transport
            assert transport._idle_count() == 0  # the interrupted connection was closed
            await client.get_microvm_image(image_identifier=IMAGE_ARN)

    asyncio.run(main())
    first, stalled, after = server.requests
    assert first.connection == stalled.connection
    assert after.connection != stalled.connection  # not reused
    assert server.connections_opened == 2


def test_a_waiter_cancelled_by_its_task_stops_polling(server: ReplayServer) -> None:
    server.handler = echo_image  # the image stays CREATING

    async def main() -> int:
        async with async_client(server) as client:
            polled = asyncio.Event()
            seen: list[int] = []

            def progress(p: Any) -> None:
                seen.append(p.attempt)
                if p.attempt == 3:
                    polled.set()

            waiter = asyncio.create_task(
                client.wait_until_created(
                    image_identifier=arn("slow"), min_delay=0.01, max_delay=0.01, callback=progress
                )
            )
            await asyncio.wait_for(polled.wait(), WAIT)
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
            assert others(asyncio.all_tasks()) == set()
            count = len(server.requests)
            await asyncio.sleep(0.2)  # twenty delays: a waiter still running would poll
            assert len(server.requests) == count
            return count

    assert asyncio.run(main()) >= 3


def test_a_waiter_cancelled_during_a_poll_closes_that_connection(server: ReplayServer) -> None:
    creating = echo_image

    def handler(request: Recorded) -> Reply:
        return Reply.stall() if len(server.requests) >= 2 else creating(request)

    server.handler = handler

    async def main() -> None:
        async with async_client(server) as client:
            waiter = asyncio.create_task(
                client.wait_until_created(
                    image_identifier=arn("slow"), min_delay=0.01, max_delay=0.01
                )
            )
            assert await asyncio.to_thread(server.wait_for, lambda: len(server.requests) == 3, WAIT)
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
            transport: Any = client._runtime._transport
            assert transport._idle_count() == 0
            assert others(asyncio.all_tasks()) == set()

    asyncio.run(main())


# -- credentials ---------------------------------------------------------------------------


def test_credentials_are_refreshed_off_the_loop_once_for_concurrent_calls(
    server: ReplayServer,
) -> None:
    import botocore.credentials  # type: ignore[import-untyped]
    import botocore.session  # type: ignore[import-untyped]

    server.handler = echo_image
    refreshes: list[int] = []

    def expiring_soon() -> dict[str, str]:
        # Five minutes left: inside botocore's mandatory refresh window, so every
        # get_frozen_credentials() refreshes (behind botocore's blocking lock).
        refreshes.append(threading.get_ident())
        time.sleep(0.05)
        expiry = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=5)
        return {
            "access_key": f"AKREFRESH{len(refreshes)}",
            "secret_key": "secret",
            "token": "token",
            "expiry_time": expiry.isoformat(),
        }

    class Expiring(botocore.credentials.CredentialProvider):  # type: ignore[misc]
        METHOD = "custom-refresh"

        def load(self) -> Any:
            return botocore.credentials.RefreshableCredentials.create_from_metadata(
                expiring_soon(), expiring_soon, self.METHOD
            )

    session = botocore.session.Session()
    session.get_component("credential_provider").insert_before("env", Expiring())

    async def main() -> int:
        client = AsyncClient(
            region_name="us-east-1", endpoint_url=server.url, botocore_session=session
        )
        async with client:
            await asyncio.gather(
                *(client.get_microvm_image(image_identifier=arn(f"i{n}")) for n in range(20))
            )
        return threading.get_ident()

    loop_thread = asyncio.run(main())
    # Found (one fetch) and refreshed (another), never on the event loop's thread, and
    # once for all the calls waiting on it.
    assert len(refreshes) == 2
    assert loop_thread not in refreshes
    assert {r.access_key for r in server.requests} == {"AKREFRESH2"}


def test_static_credentials_never_leave_the_loop(
    server: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.handler = echo_image
    started = 0
    original = asyncio.BaseEventLoop.run_in_executor

    def counting(self: Any, executor: Any, func: Any, *args: Any) -> Any:
        nonlocal started
        started += 1
        return original(self, executor, func, *args)

    monkeypatch.setattr(asyncio.BaseEventLoop, "run_in_executor", counting)

    async def main() -> None:
        async with async_client(server) as client:
            for n in range(5):
                await client.get_microvm_image(image_identifier=arn(f"i{n}"))

    asyncio.run(main())
    assert started == 1  # the warm-up; no credential lookup needed a thread


def test_missing_credentials_raise_the_clients_configuration_error(server: ReplayServer) -> None:
    async def main() -> None:
        async with AsyncClient(region_name="us-east-1", endpoint_url=server.url) as client:
            with pytest.raises(errors.ConfigurationError, match="AWS_ACCESS_KEY_ID"):
                await client.get_microvm_image(image_identifier=IMAGE_ARN)

    asyncio.run(main())
    assert server.requests == []


def test_models_typed_in_async_results(server: ReplayServer) -> None:
    server.script(Reply.json(200, CASES_BY_NAME["GetMicrovmImage"].body))

    async def main() -> models.GetMicrovmImageOutput:
        async with async_client(server) as client:
            return await client.get_microvm_image(image_identifier=IMAGE_ARN)

    image = asyncio.run(main())
    assert image.state is models.MicrovmImageState.CREATED


# -- nothing blocks the event loop -----------------------------------------------------------

# Runs in a fresh interpreter, so that every first import really happens. An audit hook
# records, on the event loop's thread only and only while the client works, every event
# that means blocking I/O; a watchdog task measures how late the loop runs its timers.
LOOP_WATCH = r"""
import asyncio, json, sys, threading

BLOCKING = {"import", "open", "time.sleep", "subprocess.Popen", "os.system",
            "socket.getaddrinfo", "os.listdir", "os.scandir", "shutil.copyfile"}
recorded = []
loop_thread = []

def hook(event, args):
    if loop_thread and event in BLOCKING and threading.get_ident() == loop_thread[0]:
        recorded.append([event, str(args[0])[:200] if args else ""])

sys.addaudithook(hook)
from microvm_sdk import AsyncClient
from microvm_sdk.models import CodeArtifactUri

BASE = "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1"
ROLE = "arn:aws:iam::000000000000:role/build"
QUICK = {"min_delay": 0.01, "max_delay": 0.02, "timeout": 10}


async def watchdog(lags):
    loop = asyncio.get_running_loop()
    while True:
        started = loop.time()
        await asyncio.sleep(0.01)
        lags.append(loop.time() - started - 0.01)


async def main():
    client = AsyncClient(region_name="us-east-1", endpoint_url=sys.argv[1])
    # asyncio imports its default executor's module on first use, as it would for any
    # application's first to_thread() or DNS lookup: not ours to avoid.
    await asyncio.to_thread(lambda: None)
    lags = []
    dog = asyncio.create_task(watchdog(lags))
    loop_thread.append(threading.get_ident())
    async with client:
        async def create(n, uri="s3://bucket/app.zip"):
            return await client.create_microvm_image(
                name=f"img-{n}", base_image_arn=BASE, build_role_arn=ROLE,
                code_artifact=CodeArtifactUri(value=uri))
        pager = client.paginate_list_microvm_images(page_size=3)  # before any call
        images = await asyncio.gather(*(create(n) for n in range(10)))
        await asyncio.gather(*(client.get_microvm_image(image_identifier=i.image_arn)
                               for i in images))
        names = [item.name async for item in pager.items()]
        await client.wait_until_created(image_identifier=images[0].image_arn, **QUICK)
        broken = await create("broken", "s3://bucket/fail.zip")
        try:
            await client.wait_until_created(image_identifier=broken.image_arn, **QUICK)
        except Exception as error:
            failure = str(error)
        await client.call_wire("ListMicrovmImages", {})
    loop_thread.clear()
    dog.cancel()
    print(json.dumps({"events": recorded, "lag": max(lags), "names": len(names),
                      "failure": failure}))


asyncio.run(main())
"""

CREDENTIAL_PROCESS = r"""
import datetime, json, os, time
time.sleep(1.0)  # a slow credential helper: it must not stall the event loop
expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=30)
print(json.dumps({"Version": 1, "AccessKeyId": os.environ["LOCAL_KEY"],
                  "SecretAccessKey": os.environ["LOCAL_SECRET"], "SessionToken": "t",
                  "Expiration": expiry.isoformat()}))
"""


def test_nothing_blocks_the_event_loop_from_a_cold_start(tmp_path: Any) -> None:
    import json
    import os
    import subprocess
    import sys

    from microvm_sdk.local import LocalServer

    helper = tmp_path / "credentials.py"
    helper.write_text(CREDENTIAL_PROCESS)
    config = tmp_path / "config"
    config.write_text(f"[default]\ncredential_process = {sys.executable} {helper}\n")
    with LocalServer() as local:
        env = {k: v for k, v in os.environ.items() if not k.upper().startswith(("AWS_", "HTTP"))}
        env.update(
            AWS_CONFIG_FILE=str(config),
            AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
            AWS_EC2_METADATA_DISABLED="true",
            LOCAL_KEY=local.credentials["aws_access_key_id"],
            LOCAL_SECRET=local.credentials["aws_secret_access_key"],
        )
        done = subprocess.run(
            [sys.executable, "-c", LOOP_WATCH, local.endpoint_url],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    # No import, file, process, sleep or DNS lookup on the loop's thread.
    assert report["events"] == [], report["events"]
    assert report["names"] == 10
    assert "image build failed: The container image build failed." in report["failure"]
    # The credential helper took a second, in a worker thread: the loop kept its timers.
    assert report["lag"] < 0.9, report["lag"]
