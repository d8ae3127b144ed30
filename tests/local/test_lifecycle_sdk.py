"""The whole service lifecycle through this SDK's typed client against a real LocalServer.

Typed models and enums, waiters and paginators, typed exceptions for the recorded
errors, and build failures and hung builds surfacing through the waiters. Every test runs
with ``Client`` and with ``AsyncClient`` (behind a blocking facade, see
``tests/flavours.py``); the ``microvm_local`` fixture serves both unchanged.
"""

from __future__ import annotations

import asyncio
import datetime
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flavours import FLAVOURS, ClientFacade

from microvm_sdk import AsyncClient, Client, Config, errors, models
from microvm_sdk._core.validation import Validator
from microvm_sdk.local import LocalServer, decode_auth_token

ACCOUNT = "000000000000"
REGION = "us-east-1"
BASE_ARN = f"arn:aws:lambda:{REGION}:aws:microvm-image:al2023-1"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/build"
CODE = models.CodeArtifactUri(value="s3://bucket/code.zip")
# Waiter timing for the fast profile: poll every few milliseconds, give up after seconds.
QUICK: dict[str, Any] = {"min_delay": 0.005, "max_delay": 0.02, "timeout": 5.0}


def image_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:microvm-image:{name}"


@pytest.fixture(autouse=True)
def _isolated_aws(isolated_aws_env: None) -> None:
    """Keep the machine's AWS settings out of every test here."""


@pytest.fixture(params=FLAVOURS)
def client(
    request: pytest.FixtureRequest, microvm_local: LocalServer, runner: asyncio.Runner
) -> Iterator[Client]:
    config = Config(max_attempts=1, connect_timeout=5, read_timeout=10)
    # client_kwargs is a dict[str, str]: endpoint URL, keys and region.
    options: dict[str, Any] = dict(microvm_local.client_kwargs)
    made: Any = (
        Client(**options, config=config)
        if request.param == "sync"
        else ClientFacade(runner, AsyncClient(**options, config=config))
    )
    with made:
        yield made


def create(client: Client, name: str, **extra: Any) -> models.CreateMicrovmImageResponse:
    options: dict[str, Any] = {
        "base_image_arn": BASE_ARN,
        "build_role_arn": ROLE_ARN,
        "code_artifact": CODE,
        **extra,
    }
    return client.create_microvm_image(name=name, **options)


def test_full_lifecycle(client: Client) -> None:
    # Managed catalog, through a paginator.
    managed = list(client.paginate_list_managed_microvm_images().items())
    assert [item.image_arn for item in managed] == [BASE_ARN]
    managed_versions = client.list_managed_microvm_image_versions(image_identifier=BASE_ARN)
    assert [v.image_version for v in managed_versions.items] == ["1", "0"]
    assert {v.status for v in managed_versions.items} == {
        models.ManagedMicrovmImageVersionStatus.AVAILABLE
    }

    # Create, then wait for CREATED.
    arn = image_arn("life")
    created = create(client, "life", tags={"team": "sdk"})
    assert isinstance(created, models.CreateMicrovmImageResponse)
    assert created.image_arn == arn
    assert created.state is models.MicrovmImageState.CREATING
    assert created.image_version == "1.0"
    assert created.base_image_version == "1.0"
    assert created.latest_active_image_version is None
    assert list(created.resources or ()) == [models.Resources(minimum_memory_in_mib=2048)]
    assert created.code_artifact == CODE
    assert isinstance(created.created_at, datetime.datetime)
    seen: list[str | None] = []
    image = client.wait_until_created(
        image_identifier=arn, callback=lambda p: seen.append(p.state), **QUICK
    )
    assert image.state is models.MicrovmImageState.CREATED
    assert image.latest_active_image_version == "1.0"
    assert image.tags == {"team": "sdk"}
    assert seen[-1] == "CREATED"

    # Pagination: 7 images, 3 per page; items and pages agree, each image exactly once.
    names = ["life"] + [f"page-{i}" for i in range(6)]
    for name in names[1:]:
        create(client, name)
    paginator = client.paginate_list_microvm_images(page_size=3)
    pages = [[item.name for item in page.items] for page in paginator]
    assert pages == [names[0:3], names[3:6], names[6:7]]
    assert [i.name for i in client.paginate_list_microvm_images(page_size=2).items()] == names
    # Stop part-way and resume where it stopped.
    first = client.paginate_list_microvm_images(page_size=2)
    head = [item.name for _, item in zip(range(3), first.items(), strict=False)]
    rest = client.paginate_list_microvm_images(page_size=2, starting_token=first.resume_token)
    assert head + [item.name for item in rest.items()] == names
    capped = client.paginate_list_microvm_images(page_size=2, max_items=5)
    assert [item.name for item in capped.items()] == names[:5]
    filtered = client.paginate_list_microvm_images(name_filter="page-", page_size=50)
    assert [item.name for item in filtered.items()] == names[1:]

    # Version and builds.
    version = client.get_microvm_image_version(image_identifier=arn, image_version="1.0")
    assert version.state is models.MicrovmImageVersionState.SUCCESSFUL
    assert version.status is models.MicrovmImageVersionStatus.ACTIVE
    assert version.code_artifact == CODE
    builds = list(
        client.paginate_list_microvm_image_builds(image_identifier=arn, image_version="1.0").items()
    )
    assert [(b.architecture, b.chipset, b.chipset_generation) for b in builds] == [
        (models.Architecture.ARM_64, models.Chipset.GRAVITON, "4"),
        (models.Architecture.ARM_64, models.Chipset.GRAVITON, "3"),
    ]
    build = client.get_microvm_image_build(
        image_identifier=arn, image_version="1.0", build_id=builds[1].build_id
    )
    assert build.build_state is models.BuildState.SUCCESSFUL
    assert build.snapshot_build is not None
    assert (build.snapshot_build.memory_snapshot_size_in_bytes or 0) > 0

    # Update, then wait for UPDATED.
    updated = client.update_microvm_image(
        image_identifier=arn,
        base_image_arn=BASE_ARN,
        build_role_arn=ROLE_ARN,
        code_artifact=models.CodeArtifactUri(value="s3://bucket/code-v2.zip"),
        description="second",
    )
    assert updated.state is models.MicrovmImageState.UPDATING
    assert (updated.image_version, updated.latest_active_image_version) == ("2.0", "1.0")
    image = client.wait_until_updated(image_identifier=arn, **QUICK)
    assert image.latest_active_image_version == "2.0"
    built = client.wait_until_image_version_built(
        image_identifier=arn, image_version="2.0", **QUICK
    )
    assert built.description == "second"
    versions = client.paginate_list_microvm_image_versions(image_identifier=arn).items()
    assert [v.image_version for v in versions] == ["1.0", "2.0"]

    # Version status.
    patched = client.update_microvm_image_version(
        image_identifier=arn,
        image_version="1.0",
        status=models.MicrovmImageVersionStatus.INACTIVE,
    )
    assert patched.status is models.MicrovmImageVersionStatus.INACTIVE

    # Tags.
    client.tag_resource(resource=arn, tags={"stage": "test", "team": "core"})
    assert client.list_tags(resource=arn).tags == {"team": "core", "stage": "test"}
    client.untag_resource(resource=arn, tag_keys=["team", "absent"])
    assert client.list_tags(resource=arn).tags == {"stage": "test"}
    assert client.get_microvm_image(image_identifier=arn).tags == {"stage": "test"}

    # A MicroVM.
    run = client.run_microvm(image_identifier=arn)
    assert run.state is models.MicrovmState.PENDING
    assert run.image_version == "2.0"
    assert run.maximum_duration_in_seconds == 28800
    running = client.wait_until_microvm_running(microvm_identifier=run.microvm_id, **QUICK)
    assert running.state is models.MicrovmState.RUNNING
    client.suspend_microvm(microvm_identifier=run.microvm_id)
    suspended = client.wait_until_microvm_suspended(microvm_identifier=run.microvm_id, **QUICK)
    assert suspended.state is models.MicrovmState.SUSPENDED
    client.resume_microvm(microvm_identifier=run.microvm_id)
    assert (
        client.get_microvm(microvm_identifier=run.microvm_id).state is models.MicrovmState.RUNNING
    )
    token = client.create_microvm_auth_token(
        microvm_identifier=run.microvm_id,
        expiration_in_minutes=10,
        allowed_ports=[
            models.PortSpecificationAllPorts(),
            models.PortSpecificationRange(value=models.PortRange(start_port=80, end_port=90)),
        ],
    )
    claims = decode_auth_token(token.auth_token["X-aws-proxy-auth"])
    assert claims is not None
    assert claims["microvmId"] == run.microvm_id
    assert claims["ports"] == [{"allPorts": {}}, {"range": {"startPort": 80, "endPort": 90}}]
    listed = list(client.paginate_list_microvms(image_identifier=arn).items())
    assert [(vm.microvm_id, vm.image_version) for vm in listed] == [(run.microvm_id, "2.0")]
    client.terminate_microvm(microvm_identifier=run.microvm_id)
    terminated = client.wait_until_microvm_terminated(microvm_identifier=run.microvm_id, **QUICK)
    assert terminated.state is models.MicrovmState.TERMINATED
    assert terminated.state_reason == "Success."
    assert terminated.terminated_at is not None
    assert terminated.terminated_at >= terminated.started_at

    # Delete, wait until gone: then a typed 404 with the recorded message.
    deleted = client.delete_microvm_image(image_identifier=arn)
    assert deleted.state is models.MicrovmImageState.DELETING
    assert client.wait_until_deleted(image_identifier=arn, **QUICK) is None
    with pytest.raises(errors.ResourceNotFoundException) as info:
        client.get_microvm_image(image_identifier=arn)
    assert info.value.message == f"MicroVMImage not found for MicroVMImageID: {arn}"
    assert info.value.http_status == 404
    assert info.value.request_id


def test_recorded_errors_are_typed(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = image_arn("never-created")

    # Not found.
    with pytest.raises(errors.ResourceNotFoundException) as not_found:
        client.get_microvm_image(image_identifier=missing)
    assert not_found.value.message == f"MicroVMImage not found for MicroVMImageID: {missing}"
    assert not_found.value.modeled_fields() == {"resource_id": None, "resource_type": None}
    with pytest.raises(errors.ResourceNotFoundException) as no_version:
        client.get_microvm_image_version(image_identifier=missing, image_version="9.0")
    assert no_version.value.message == (
        f"MicroVMImage not found for MicroVMImage: {missing}, Version: 9.0"
    )
    with pytest.raises(errors.ResourceNotFoundException) as no_vm:
        client.get_microvm(microvm_identifier="microvm-nope")
    assert no_vm.value.message == "MicroVM not found: microvm-nope"
    with pytest.raises(errors.ResourceNotFoundException) as no_active:
        client.run_microvm(image_identifier=missing)
    assert no_active.value.message == f"No active version found for MicroVM image {missing}"

    # Validation: the SDK refuses a bad name before sending; the service's Coral message
    # arrives as a typed ValidationException when client-side checks are out of the way.
    with pytest.raises(errors.ParamValidationError, match="name"):
        create(client, "bad name!")
    with monkeypatch.context() as patch:
        patch.setattr(Validator, "validate", lambda *args, **kwargs: None)
        with pytest.raises(errors.ValidationException) as invalid:
            create(client, "bad name!")
    assert invalid.value.http_status == 400
    assert invalid.value.message == (
        "1 validation error detected: Value 'bad name!' at 'name' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+"
    )
    # A check only the service makes: an image identifier that is not an ARN.
    with pytest.raises(errors.ValidationException) as not_arn:
        client.get_microvm_image(image_identifier="just-a-name")
    assert not_arn.value.message == "Invalid ARN format: just-a-name"

    # A client token reused with other parameters.
    create(client, "tokened", client_token="tok-1")
    again = create(client, "tokened", client_token="tok-1")  # same parameters: replayed
    assert again.state is models.MicrovmImageState.CREATING
    with pytest.raises(errors.ConflictException) as conflict:
        create(client, "tokened", client_token="tok-1", description="changed")
    assert conflict.value.http_status == 409

    # Delete while a build runs.
    busy = create(client, "busy", code_artifact=models.CodeArtifactUri(value="s3://b/hang.zip"))
    with pytest.raises(errors.ValidationException) as refused:
        client.delete_microvm_image(image_identifier=busy.image_arn)
    assert refused.value.message == (
        f"Cannot delete MicroVM image in its current state: {busy.image_arn}"
    )
    with pytest.raises(errors.ConflictException, match="already in state: CREATING"):
        client.update_microvm_image_version(
            image_identifier=busy.image_arn,
            image_version="1.0",
            status=models.MicrovmImageVersionStatus.INACTIVE,
        )

    # A terminated MicroVM.
    client.wait_until_created(image_identifier=image_arn("tokened"), **QUICK)
    vm = client.run_microvm(image_identifier=image_arn("tokened"))
    client.terminate_microvm(microvm_identifier=vm.microvm_id)
    client.wait_until_microvm_terminated(microvm_identifier=vm.microvm_id, **QUICK)
    message = f"The MicroVM {vm.microvm_id} has been terminated and its state cannot be changed."
    with pytest.raises(errors.ValidationException) as suspend:
        client.suspend_microvm(microvm_identifier=vm.microvm_id)
    assert suspend.value.message == message
    with pytest.raises(errors.ValidationException) as resume:
        client.resume_microvm(microvm_identifier=vm.microvm_id)
    assert resume.value.message == message
    # Waiting for RUNNING on a TERMINATED MicroVM fails at once.
    with pytest.raises(errors.WaiterFailureError, match="TERMINATED"):
        client.wait_until_microvm_running(microvm_identifier=vm.microvm_id, **QUICK)


def test_build_failure_reason_reaches_the_waiter_error(client: Client) -> None:
    arn = create(
        client,
        "broken",
        code_artifact=models.CodeArtifactUri(value="s3://bucket/fail-S3_NO_SUCH_KEY.zip"),
    ).image_arn
    with pytest.raises(errors.WaiterFailureError) as info:
        client.wait_until_created(image_identifier=arn, **QUICK)
    assert "CREATE_FAILED" in str(info.value)
    assert "S3_NO_SUCH_KEY" in str(info.value)
    last = info.value.last_response
    assert isinstance(last, models.GetMicrovmImageOutput)
    assert last.latest_failed_image_version == "1.0"
    builds = client.list_microvm_image_builds(image_identifier=arn, image_version="1.0").items
    assert {(b.build_state, b.state_reason) for b in builds} == {
        (models.BuildState.FAILED, "S3_NO_SUCH_KEY")
    }

    # The default failure reason, on an update that fails after a good create.
    good = create(client, "fails-later").image_arn
    client.wait_until_created(image_identifier=good, **QUICK)
    client.update_microvm_image(
        image_identifier=good,
        base_image_arn=BASE_ARN,
        build_role_arn=ROLE_ARN,
        code_artifact=models.CodeArtifactUri(value="s3://bucket/fail.zip"),
    )
    with pytest.raises(errors.WaiterFailureError) as update_info:
        client.wait_until_updated(image_identifier=good, **QUICK)
    assert "UPDATE_FAILED" in str(update_info.value)
    assert "The container image build failed." in str(update_info.value)
    image = client.get_microvm_image(image_identifier=good)
    assert (image.latest_active_image_version, image.latest_failed_image_version) == ("1.0", "2.0")
    # The last good version still runs.
    assert client.run_microvm(image_identifier=good).image_version == "1.0"


def test_a_build_that_never_ends_times_the_waiter_out(client: Client) -> None:
    arn = create(
        client, "stuck", code_artifact=models.CodeArtifactUri(value="s3://bucket/hang.zip")
    ).image_arn
    started = time.monotonic()
    with pytest.raises(errors.WaiterTimeoutError) as info:
        client.wait_until_created(image_identifier=arn, timeout=0.5, min_delay=0.02, max_delay=0.1)
    elapsed = time.monotonic() - started
    assert 0.4 <= elapsed < 3
    assert info.value.last_state == "CREATING"
    assert info.value.attempts >= 2
    version = client.get_microvm_image_version(image_identifier=arn, image_version="1.0")
    assert version.state is models.MicrovmImageVersionState.IN_PROGRESS
