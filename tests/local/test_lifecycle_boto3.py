"""The whole service lifecycle through boto3 against a real LocalServer.

Images (create, build, paginate, versions, builds, update, version status, tags,
delete), MicroVMs (run, suspend, resume, auth token, terminate) and the recorded error
cases, each checked against what the service is recorded to answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError

from microvm_sdk.local import LocalServer, decode_auth_token

ACCOUNT = "000000000000"
REGION = "us-east-1"
BASE_ARN = f"arn:aws:lambda:{REGION}:aws:microvm-image:al2023-1"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/build"
CODE = {"uri": "s3://bucket/code.zip"}
NO_RETRIES = Config(
    retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=10
)
T = TypeVar("T")


def image_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:microvm-image:{name}"


@pytest.fixture(autouse=True)
def _isolated_aws(isolated_aws_env: None) -> None:
    """Keep the machine's AWS settings out of every test here."""


@pytest.fixture
def client(microvm_local: LocalServer) -> Iterator[BaseClient]:
    made = boto3.client("lambda-microvms", **microvm_local.client_kwargs, config=NO_RETRIES)
    yield made
    made.close()


def poll(read: Callable[[], T], done: Callable[[T], bool], timeout: float = 5.0) -> T:
    """Call ``read`` until ``done`` holds (fast profile: a few milliseconds)."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still not there after {timeout} s: {value!r}")
        time.sleep(0.005)


def error_of(call: Callable[[], Any]) -> tuple[int, str, str]:
    """The error ``call`` must answer with: (status, code, message)."""
    failure = failure_of(call)
    assert failure is not None, "the call succeeded"
    return failure


def failure_of(call: Callable[[], Any]) -> tuple[int, str, str] | None:
    """The error ``call`` answers with, or ``None`` when it succeeds."""
    try:
        call()
    except ClientError as error:
        response: Any = error.response
        return (
            response["ResponseMetadata"]["HTTPStatusCode"],
            response["Error"]["Code"],
            response["Error"]["Message"],
        )
    return None


def create_image(client: BaseClient, name: str, **extra: Any) -> dict[str, Any]:
    params = {"baseImageArn": BASE_ARN, "buildRoleArn": ROLE_ARN, "codeArtifact": CODE, **extra}
    result: dict[str, Any] = client.create_microvm_image(name=name, **params)
    return result


def image_state(client: BaseClient, arn: str) -> str:
    state: str = client.get_microvm_image(imageIdentifier=arn)["state"]
    return state


def microvm_state(client: BaseClient, microvm_id: str) -> str:
    state: str = client.get_microvm(microvmIdentifier=microvm_id)["state"]
    return state


def test_full_lifecycle(client: BaseClient) -> None:
    # Managed catalog.
    managed = client.list_managed_microvm_images()
    assert [item["imageArn"] for item in managed["items"]] == [BASE_ARN]
    versions = client.list_managed_microvm_image_versions(imageIdentifier=BASE_ARN)
    assert [v["imageVersion"] for v in versions["items"]] == ["1", "0"]

    # Create, then build to CREATED.
    arn = image_arn("life")
    created = create_image(client, "life", tags={"team": "sdk"}, clientToken="life-1")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["imageArn"] == arn
    assert created["state"] == "CREATING"
    assert created["imageVersion"] == "1.0"
    assert created["baseImageVersion"] == "1.0"
    assert created["resources"] == [{"minimumMemoryInMiB": 2048}]
    assert created["tags"] == {"team": "sdk"}
    assert "latestActiveImageVersion" not in created
    image = poll(
        lambda: client.get_microvm_image(imageIdentifier=arn), lambda i: i["state"] == "CREATED"
    )
    assert image["latestActiveImageVersion"] == "1.0"
    assert image["tags"] == {"team": "sdk"}

    # The same client token with the same parameters replays the original answer.
    replayed = create_image(client, "life", tags={"team": "sdk"}, clientToken="life-1")
    assert replayed["state"] == "CREATING"
    assert replayed["imageArn"] == arn

    # Pagination: 6 images in all, 2 per page, every one exactly once, in creation order.
    names = ["life"] + [f"page-{i}" for i in range(5)]
    for name in names[1:]:
        create_image(client, name)
    pages: list[list[str]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"maxResults": 2}
        if token is not None:
            kwargs["nextToken"] = token
        page = client.list_microvm_images(**kwargs)
        pages.append([item["name"] for item in page["items"]])
        token = page.get("nextToken")
        if token is None:
            break
    assert pages == [names[0:2], names[2:4], names[4:6]]
    paginator = client.get_paginator("list_microvm_images")
    listed = [
        item["name"]
        for page in paginator.paginate(PaginationConfig={"PageSize": 4})
        for item in page["items"]
    ]
    assert listed == names
    filtered = client.list_microvm_images(nameFilter="page-", maxResults=50)
    assert [item["name"] for item in filtered["items"]] == names[1:]

    # Version 1.0 and its builds.
    version = client.get_microvm_image_version(imageIdentifier=arn, imageVersion="1.0")
    assert (version["state"], version["status"]) == ("SUCCESSFUL", "ACTIVE")
    assert version["codeArtifact"] == CODE
    builds = client.list_microvm_image_builds(imageIdentifier=arn, imageVersion="1.0")["items"]
    assert [(b["architecture"], b["chipset"], b["chipsetGeneration"]) for b in builds] == [
        ("ARM_64", "GRAVITON", "4"),
        ("ARM_64", "GRAVITON", "3"),
    ]
    assert {b["buildState"] for b in builds} == {"SUCCESSFUL"}
    build = client.get_microvm_image_build(
        imageIdentifier=arn, imageVersion="1.0", buildId=builds[0]["buildId"]
    )
    assert build["buildId"] == builds[0]["buildId"]
    assert build["snapshotBuild"]["memorySnapshotSizeInBytes"] > 0

    # Update: version 2.0 builds, the image goes UPDATED.
    updated = client.update_microvm_image(
        imageIdentifier=arn,
        baseImageArn=BASE_ARN,
        buildRoleArn=ROLE_ARN,
        codeArtifact={"uri": "s3://bucket/code-v2.zip"},
    )
    assert (updated["state"], updated["imageVersion"]) == ("UPDATING", "2.0")
    assert updated["latestActiveImageVersion"] == "1.0"
    image = poll(
        lambda: client.get_microvm_image(imageIdentifier=arn), lambda i: i["state"] == "UPDATED"
    )
    assert image["latestActiveImageVersion"] == "2.0"
    all_versions = client.list_microvm_image_versions(imageIdentifier=arn)["items"]
    assert [v["imageVersion"] for v in all_versions] == ["1.0", "2.0"]

    # Version status.
    patched = client.update_microvm_image_version(
        imageIdentifier=arn, imageVersion="1.0", status="INACTIVE"
    )
    assert (patched["imageVersion"], patched["status"]) == ("1.0", "INACTIVE")
    again = client.get_microvm_image_version(imageIdentifier=arn, imageVersion="1.0")
    assert again["status"] == "INACTIVE"

    # Tags.
    assert (
        client.tag_resource(Resource=arn, Tags={"stage": "test", "team": "core"})[
            "ResponseMetadata"
        ]["HTTPStatusCode"]
        == 204
    )
    assert client.list_tags(Resource=arn)["Tags"] == {"team": "core", "stage": "test"}
    client.untag_resource(Resource=arn, TagKeys=["team", "absent"])
    assert client.list_tags(Resource=arn)["Tags"] == {"stage": "test"}
    assert client.get_microvm_image(imageIdentifier=arn)["tags"] == {"stage": "test"}

    # A MicroVM: run (newest ACTIVE version), RUNNING, suspend, resume, token, terminate.
    run = client.run_microvm(imageIdentifier=arn)
    microvm_id = run["microvmId"]
    assert microvm_id.startswith("microvm-")
    assert run["state"] == "PENDING"
    assert run["imageVersion"] == "2.0"
    assert run["maximumDurationInSeconds"] == 28800
    assert (
        run["endpoint"] == f"{microvm_id.removeprefix('microvm-')}.lambda-microvm.{REGION}.on.aws"
    )
    poll(lambda: microvm_state(client, microvm_id), lambda s: s == "RUNNING")
    assert (
        client.suspend_microvm(microvmIdentifier=microvm_id)["ResponseMetadata"]["HTTPStatusCode"]
        == 200
    )
    poll(lambda: microvm_state(client, microvm_id), lambda s: s == "SUSPENDED")
    client.resume_microvm(microvmIdentifier=microvm_id)
    assert microvm_state(client, microvm_id) == "RUNNING"  # no PENDING on resume
    token = client.create_microvm_auth_token(
        microvmIdentifier=microvm_id, expirationInMinutes=15, allowedPorts=[{"port": 8080}]
    )["authToken"]["X-aws-proxy-auth"]
    claims = decode_auth_token(token)
    assert claims is not None
    assert (claims["microvmId"], claims["ports"], claims["shell"]) == (
        microvm_id,
        [{"port": 8080}],
        False,
    )
    listed_vms = client.list_microvms(imageIdentifier=arn)["items"]
    assert [vm["microvmId"] for vm in listed_vms] == [microvm_id]

    # The image cannot go while the MicroVM lives.
    assert error_of(lambda: client.delete_microvm_image(imageIdentifier=arn)) == (
        400,
        "ValidationException",
        "Cannot delete microvm image with running microvms.",
    )
    client.terminate_microvm(microvmIdentifier=microvm_id)
    vm = poll(
        lambda: client.get_microvm(microvmIdentifier=microvm_id),
        lambda v: v["state"] == "TERMINATED",
    )
    assert vm["stateReason"] == "Success."
    assert vm["terminatedAt"] >= vm["startedAt"]
    client.terminate_microvm(microvmIdentifier=microvm_id)  # idempotent

    # Delete: DELETING, then gone (404 with the recorded message), name free again.
    deleted = client.delete_microvm_image(imageIdentifier=arn)
    assert deleted["imageIdentifier"] == arn
    assert deleted["state"] == "DELETING"
    assert poll(lambda: failure_of(lambda: image_state(client, arn)), bool) == (
        404,
        "ResourceNotFoundException",
        f"MicroVMImage not found for MicroVMImageID: {arn}",
    )
    assert client.delete_microvm_image(imageIdentifier=arn)["state"] == "DELETED"
    assert [item["name"] for item in client.list_microvm_images()["items"]] == names[1:]
    # The terminated MicroVM stays gettable.
    assert microvm_state(client, microvm_id) == "TERMINATED"


def test_recorded_errors(client: BaseClient) -> None:
    missing = image_arn("never-created")

    # Not found, with the recorded messages.
    with pytest.raises(ClientError) as info:
        client.get_microvm_image(imageIdentifier=missing)
    response: Any = info.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert response["Error"] == {
        "Code": "ResourceNotFoundException",
        "Message": f"MicroVMImage not found for MicroVMImageID: {missing}",
    }
    assert error_of(
        lambda: client.get_microvm_image_version(imageIdentifier=missing, imageVersion="1.0")
    ) == (
        404,
        "ResourceNotFoundException",
        f"MicroVMImage not found for MicroVMImage: {missing}, Version: 1.0",
    )
    assert error_of(lambda: client.run_microvm(imageIdentifier=missing)) == (
        404,
        "ResourceNotFoundException",
        f"No active version found for MicroVM image {missing}",
    )
    assert error_of(lambda: client.get_microvm(microvmIdentifier="microvm-nope")) == (
        404,
        "ResourceNotFoundException",
        "MicroVM not found: microvm-nope",
    )
    assert error_of(lambda: client.get_microvm_image(imageIdentifier="just-a-name")) == (
        400,
        "ValidationException",
        "Invalid ARN format: just-a-name",
    )

    # Validation: the Coral message (botocore checks no patterns, so the server does).
    assert error_of(lambda: create_image(client, "bad name!")) == (
        400,
        "ValidationException",
        "1 validation error detected: Value 'bad name!' at 'name' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+",
    )

    # A reused client token with other parameters: 409.
    create_image(client, "tokened", clientToken="tok-1")
    status, code, _ = error_of(
        lambda: create_image(client, "tokened", clientToken="tok-1", description="changed")
    )
    assert (status, code) == (409, "ConflictException")

    # Delete while the build runs (the "hang" rule keeps it running): 400.
    busy = create_image(client, "busy", codeArtifact={"uri": "s3://bucket/hang.zip"})
    poll(
        lambda: client.get_microvm_image_version(
            imageIdentifier=busy["imageArn"], imageVersion="1.0"
        )["state"],
        lambda state: state == "IN_PROGRESS",
    )
    assert error_of(lambda: client.delete_microvm_image(imageIdentifier=busy["imageArn"])) == (
        400,
        "ValidationException",
        f"Cannot delete MicroVM image in its current state: {busy['imageArn']}",
    )
    # ... and an update while it builds: 409.
    assert error_of(
        lambda: client.update_microvm_image(
            imageIdentifier=busy["imageArn"],
            baseImageArn=BASE_ARN,
            buildRoleArn=ROLE_ARN,
            codeArtifact=CODE,
        )
    ) == (409, "ConflictException", "MicroVM Image is already in state: CREATING")

    # A terminated MicroVM's state cannot change: 400.
    poll(lambda: image_state(client, image_arn("tokened")), lambda s: s == "CREATED")
    microvm_id = client.run_microvm(imageIdentifier=image_arn("tokened"))["microvmId"]
    client.terminate_microvm(microvmIdentifier=microvm_id)
    poll(lambda: microvm_state(client, microvm_id), lambda s: s == "TERMINATED")
    terminated = (
        400,
        "ValidationException",
        f"The MicroVM {microvm_id} has been terminated and its state cannot be changed.",
    )
    assert error_of(lambda: client.suspend_microvm(microvmIdentifier=microvm_id)) == terminated
    assert error_of(lambda: client.resume_microvm(microvmIdentifier=microvm_id)) == terminated
    status, code, _ = error_of(
        lambda: client.create_microvm_auth_token(
            microvmIdentifier=microvm_id, expirationInMinutes=5, allowedPorts=[{"allPorts": {}}]
        )
    )
    assert (status, code) == (400, "ValidationException")


@pytest.mark.microvm_local(profile="manual")
def test_every_intermediate_state_on_a_manual_clock(
    microvm_local: LocalServer, client: BaseClient
) -> None:
    """Realistic durations on a clock that moves only when told: each phase is seen."""
    clock = microvm_local.clock
    arn = create_image(client, "stepped")["imageArn"]

    def version() -> dict[str, Any]:
        found: dict[str, Any] = client.get_microvm_image_version(
            imageIdentifier=arn, imageVersion="1.0"
        )
        return found

    def build_states() -> list[str]:
        items = client.list_microvm_image_builds(imageIdentifier=arn, imageVersion="1.0")["items"]
        return [b["buildState"] for b in items]

    assert (image_state(client, arn), version()["state"], build_states()) == (
        "CREATING",
        "PENDING",
        ["PENDING", "PENDING"],
    )
    clock.advance(2)  # build_queue
    assert (version()["state"], build_states()) == ("IN_PROGRESS", ["IN_PROGRESS"] * 2)
    clock.advance(12)  # build_run
    assert (version()["state"], build_states()) == ("IN_PROGRESS", ["SUCCESSFUL"] * 2)
    clock.advance(1)  # version_settle
    assert (image_state(client, arn), version()["state"]) == ("CREATING", "SUCCESSFUL")
    clock.advance(1)  # image_settle: the image settles last
    assert image_state(client, arn) == "CREATED"

    microvm_id = client.run_microvm(imageIdentifier=arn)["microvmId"]
    assert microvm_state(client, microvm_id) == "PENDING"
    clock.advance(2)
    assert microvm_state(client, microvm_id) == "RUNNING"
    client.suspend_microvm(microvmIdentifier=microvm_id)
    assert microvm_state(client, microvm_id) == "SUSPENDING"
    clock.advance(1.5)
    assert microvm_state(client, microvm_id) == "SUSPENDED"
    client.resume_microvm(microvmIdentifier=microvm_id)
    assert microvm_state(client, microvm_id) == "RUNNING"
    client.terminate_microvm(microvmIdentifier=microvm_id)
    assert microvm_state(client, microvm_id) == "TERMINATING"
    clock.advance(1.5)
    assert microvm_state(client, microvm_id) == "TERMINATED"

    assert client.delete_microvm_image(imageIdentifier=arn)["state"] == "DELETING"
    assert image_state(client, arn) == "DELETING"
    assert error_of(lambda: create_image(client, "stepped"))[2] == (
        "MicroVM image with name stepped already exists."
    )
    clock.advance(4)  # image_delete_drain
    assert error_of(lambda: image_state(client, arn))[0] == 404
    assert create_image(client, "stepped")["state"] == "CREATING"  # the name is free again
