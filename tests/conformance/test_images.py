"""Conformance: images, builds, updates, versions and deletes, as recorded live.

Every test runs twice, through boto3 and through raw signed HTTP (the ``api`` fixture).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from conformance_clients import Api
from recorded_answers import (
    BASE_VERSIONS,
    BUILD_DONE,
    BUILD_FAILED_REASON,
    BUILD_ITEM,
    CREATE_IMAGE,
    DEFAULT_MEMORY,
    DELETE_IMAGE,
    DELETE_VERSION,
    IMAGE_BUILT,
    IMAGE_CREATE_ORDER,
    IMAGE_ITEM_BUILT,
    IMAGE_UPDATE_ORDER,
    LAST_PAGE,
    MANAGED_IMAGE_ITEM,
    MANAGED_VERSION_ITEM,
    NOT_FOUND_BODY,
    SNAPSHOT,
    UPDATE_IMAGE,
    VERSION_BUILD_ORDER,
    VERSION_BUILT,
    trace,
    values_of,
)
from scenario_support import (
    BASE_ARN,
    CONNECTOR,
    built_image,
    create_image,
    expect_ok,
    image_arn,
    image_state,
    update_image,
)

from microvm_sdk.local import LocalServer


def _collapse(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if not out or out[-1] != value:
            out.append(value)
    return out


def _progress(api: Api, arn: str, version: str = "1.0") -> tuple[str, str, tuple[str, ...]]:
    image = image_state(api, arn)
    got = expect_ok(api.call("GetMicrovmImageVersion", imageIdentifier=arn, imageVersion=version))
    builds = expect_ok(
        api.call("ListMicrovmImageBuilds", imageIdentifier=arn, imageVersion=version)
    )
    return image, got["state"], tuple(values_of(builds["items"], "buildState"))


def test_create_then_build(server: LocalServer, api: Api) -> None:
    created = create_image(api, "conf-image")
    body = expect_ok(created, 201)
    CREATE_IMAGE.check(body, "CreateMicrovmImage")
    arn = image_arn("conf-image")
    assert (body["imageArn"], body["name"], body["state"]) == (arn, "conf-image", "CREATING")
    assert (body["imageVersion"], body["baseImageVersion"]) == ("1.0", "1.0")
    assert body["egressNetworkConnectors"] == [CONNECTOR + "INTERNET_EGRESS"]
    assert body["resources"] == DEFAULT_MEMORY
    assert isinstance(body["createdAt"], int | float)  # epoch seconds, a JSON number

    steps = trace(server, lambda: _progress(api, arn), lambda seen: seen[0] == "CREATED")
    assert _collapse([image for image, _, _ in steps]) == list(IMAGE_CREATE_ORDER)
    assert _collapse([version for _, version, _ in steps]) == list(VERSION_BUILD_ORDER)
    assert _collapse([builds for _, _, builds in steps])[-1] == ("SUCCESSFUL", "SUCCESSFUL")
    assert steps[0][2] == ("PENDING", "PENDING")
    # The image settles last: its version was SUCCESSFUL while it was still CREATING.
    assert ("CREATING", "SUCCESSFUL", ("SUCCESSFUL", "SUCCESSFUL")) in steps

    image = expect_ok(api.call("GetMicrovmImage", imageIdentifier=arn))
    IMAGE_BUILT.check(image, "GetMicrovmImage")
    assert (image["state"], image["latestActiveImageVersion"], image["tags"]) == (
        "CREATED",
        "1.0",
        {},
    )
    page = expect_ok(api.call("ListMicrovmImages"))
    LAST_PAGE.check(page, "ListMicrovmImages")
    IMAGE_ITEM_BUILT.check(page["items"][0], "ListMicrovmImages item")

    version = expect_ok(api.call("GetMicrovmImageVersion", imageIdentifier=arn, imageVersion="1.0"))
    VERSION_BUILT.check(version, "GetMicrovmImageVersion")
    assert (version["state"], version["status"]) == ("SUCCESSFUL", "ACTIVE")
    assert version["versionStateTimeBucket"].startswith("SUCCESSFUL#")

    builds = expect_ok(api.call("ListMicrovmImageBuilds", imageIdentifier=arn, imageVersion="1.0"))
    LAST_PAGE.check(builds, "ListMicrovmImageBuilds")
    for item in builds["items"]:
        BUILD_ITEM.check(item, "ListMicrovmImageBuilds item")
    assert [(b["architecture"], b["chipset"], b["chipsetGeneration"]) for b in builds["items"]] == [
        ("ARM_64", "GRAVITON", "4"),
        ("ARM_64", "GRAVITON", "3"),
    ]
    build = expect_ok(
        api.call(
            "GetMicrovmImageBuild",
            imageIdentifier=arn,
            imageVersion="1.0",
            buildId=builds["items"][0]["buildId"],
        )
    )
    BUILD_DONE.check(build, "GetMicrovmImageBuild")
    SNAPSHOT.check(build["snapshotBuild"], "snapshotBuild")
    assert all(isinstance(size, int) and size > 0 for size in build["snapshotBuild"].values())


def _snapshots(api: Api, arn: str) -> list[dict[str, int]]:
    builds = expect_ok(api.call("ListMicrovmImageBuilds", imageIdentifier=arn, imageVersion="1.0"))
    return [
        expect_ok(
            api.call(
                "GetMicrovmImageBuild",
                imageIdentifier=arn,
                imageVersion="1.0",
                buildId=item["buildId"],
            )
        )["snapshotBuild"]
        for item in builds["items"]
    ]


def test_build_outputs_repeat_for_the_same_input(
    serve: Callable[..., LocalServer], connect: Callable[..., Api]
) -> None:
    """The same build input gives the same snapshot sizes, on another server too."""
    first_server, second_server = serve(), serve()
    first, second = connect(first_server), connect(second_server)
    sizes = _snapshots(first, built_image(first_server, first, "one"))
    assert _snapshots(second, built_image(second_server, second, "two")) == sizes
    other = built_image(second_server, second, "other", codeArtifact={"uri": "s3://b/other.zip"})
    assert _snapshots(second, other) != sizes
    # Recorded magnitudes for a 2048 MiB image: hundreds of MiB of memory and code.
    mib = 1024 * 1024
    for item in sizes:
        assert 256 * mib < item["memorySnapshotSizeInBytes"] < 2048 * mib
        assert 16 * mib < item["codeInstallSizeInBytes"] < 1024 * mib
        assert mib < item["diskSnapshotSizeInBytes"] < 256 * mib


def test_a_failed_build(server: LocalServer, api: Api) -> None:
    arn = expect_ok(
        create_image(api, "conf-failing", codeArtifact={"uri": "s3://b/fail.zip"}), 201
    )["imageArn"]
    steps = trace(server, lambda: _progress(api, arn), lambda seen: seen[0] == "CREATE_FAILED")
    assert steps[-1] == ("CREATE_FAILED", "FAILED", ("FAILED", "FAILED"))
    builds = expect_ok(api.call("ListMicrovmImageBuilds", imageIdentifier=arn, imageVersion="1.0"))
    assert values_of(builds["items"], "stateReason") == [BUILD_FAILED_REASON] * 2
    version = expect_ok(api.call("GetMicrovmImageVersion", imageIdentifier=arn, imageVersion="1.0"))
    assert (version["state"], version["stateReason"]) == ("FAILED", None)
    image = expect_ok(api.call("GetMicrovmImage", imageIdentifier=arn))
    assert (image["latestFailedImageVersion"], image["latestActiveImageVersion"]) == ("1.0", None)


def test_update_mints_the_next_version(server: LocalServer, api: Api) -> None:
    arn = built_image(server, api, "conf-update")
    body = expect_ok(update_image(api, arn, description="second"))
    UPDATE_IMAGE.check(body, "UpdateMicrovmImage")
    assert (body["state"], body["imageVersion"], body["latestActiveImageVersion"]) == (
        "UPDATING",
        "2.0",
        "1.0",
    )
    states = trace(server, lambda: image_state(api, arn), lambda state: state == "UPDATED")
    assert states == list(IMAGE_UPDATE_ORDER)
    image = expect_ok(api.call("GetMicrovmImage", imageIdentifier=arn))
    assert image["latestActiveImageVersion"] == "2.0"
    versions = expect_ok(api.call("ListMicrovmImageVersions", imageIdentifier=arn))
    LAST_PAGE.check(versions, "ListMicrovmImageVersions")
    assert values_of(versions["items"], "imageVersion") == ["1.0", "2.0"]

    # A full replace: the required members are reported together when missing.
    missing = api.call("UpdateMicrovmImage", imageIdentifier=arn)
    assert (missing.status, missing.error) == (400, "ValidationException")
    assert missing.message is not None
    for member in ("baseImageArn", "codeArtifact", "buildRoleArn"):
        assert f"Value null at '{member}' failed to satisfy constraint" in missing.message
    # The resolved "X.Y" base version the service echoes is refused as input.
    resolved = update_image(api, arn, baseImageVersion="0.0")
    assert (resolved.status, resolved.error) == (400, "ValidationException")


def test_version_status_and_the_busy_image(server: LocalServer, api: Api) -> None:
    arn = built_image(server, api, "conf-versions")
    patched = expect_ok(
        api.call(
            "UpdateMicrovmImageVersion", imageIdentifier=arn, imageVersion="1.0", status="INACTIVE"
        )
    )
    VERSION_BUILT.check(patched, "UpdateMicrovmImageVersion")
    assert patched["status"] == "INACTIVE"
    again = expect_ok(api.call("GetMicrovmImageVersion", imageIdentifier=arn, imageVersion="1.0"))
    assert again["status"] == "INACTIVE"
    expect_ok(update_image(api, arn))
    busy = api.call(
        "UpdateMicrovmImageVersion", imageIdentifier=arn, imageVersion="1.0", status="ACTIVE"
    )
    assert (busy.status, busy.error, busy.message) == (
        409,
        "ConflictException",
        "MicroVM Image is already in state: UPDATING",
    )


def test_delete_an_image(server: LocalServer, api: Api) -> None:
    arn = built_image(server, api, "conf-delete")
    deleted = expect_ok(api.call("DeleteMicrovmImage", imageIdentifier=arn))
    DELETE_IMAGE.check(deleted, "DeleteMicrovmImage")
    assert deleted == {"imageIdentifier": arn, "state": "DELETING"}
    # Still gettable and listed while it drains, and the name stays taken.
    assert image_state(api, arn) == "DELETING"
    listed = expect_ok(api.call("ListMicrovmImages"))["items"]
    assert values_of(listed, "state") == ["DELETING"]
    taken = create_image(api, "conf-delete")
    assert (taken.status, taken.error) == (400, "ValidationException")
    assert "already exists" in (taken.message or "")

    def gone() -> Any:
        reply = api.call("GetMicrovmImage", imageIdentifier=arn)
        return reply.status if reply.ok else (reply.status, reply.error, reply.message)

    seen = trace(server, gone, lambda value: value != 200)
    assert seen[-1] == (
        404,
        "ResourceNotFoundException",
        f"MicroVMImage not found for MicroVMImageID: {arn}",
    )
    missing = api.call("GetMicrovmImage", imageIdentifier=arn)
    NOT_FOUND_BODY.check(missing.body, "ResourceNotFoundException")
    # Deleting what is already deleted succeeds (documented as idempotent).
    assert api.call("DeleteMicrovmImage", imageIdentifier=arn).status == 200


def test_deletes_that_overlap(server: LocalServer, api: Api) -> None:
    """The recorded refusals when deletes overlap a build or a version delete.

    A common cleanup deletes the extra versions, then the image: while a version
    delete drains, the image delete is refused with the recorded 400, and goes
    through once the version is gone.
    """
    arn = expect_ok(
        create_image(api, "conf-overlap", codeArtifact={"uri": "s3://b/code.zip"}), 201
    )["imageArn"]
    mid_build = api.call("DeleteMicrovmImage", imageIdentifier=arn)
    assert (mid_build.status, mid_build.error) == (400, "ValidationException")
    assert (mid_build.message or "").startswith("Cannot delete MicroVM image in its current state")
    trace(server, lambda: image_state(api, arn), lambda state: state == "CREATED")
    expect_ok(update_image(api, arn))
    trace(server, lambda: image_state(api, arn), lambda state: state == "UPDATED")

    version_deleted = expect_ok(
        api.call("DeleteMicrovmImageVersion", imageIdentifier=arn, imageVersion="1.0")
    )
    DELETE_VERSION.check(version_deleted, "DeleteMicrovmImageVersion")
    assert version_deleted == {"imageIdentifier": arn, "imageVersion": "1.0", "state": "DELETING"}
    draining = api.call("DeleteMicrovmImage", imageIdentifier=arn)
    assert (draining.status, draining.error) == (400, "ValidationException")
    assert (draining.message or "").startswith("Cannot delete MicroVM image in its current state")

    def delete_image() -> Any:
        reply = api.call("DeleteMicrovmImage", imageIdentifier=arn)
        return reply.body if reply.ok else reply.status

    answers = trace(server, delete_image, lambda value: value != 400)
    assert answers[-1] == {"imageIdentifier": arn, "state": "DELETING"}


def test_delete_refused_while_microvms_use_the_image(server: LocalServer, api: Api) -> None:
    arn = built_image(server, api, "conf-in-use")
    microvm_id = expect_ok(api.call("RunMicrovm", imageIdentifier=arn))["microvmId"]
    refused = api.call("DeleteMicrovmImage", imageIdentifier=arn)
    assert (refused.status, refused.error, refused.message) == (
        400,
        "ValidationException",
        "Cannot delete microvm image with running microvms.",
    )
    expect_ok(api.call("TerminateMicrovm", microvmIdentifier=microvm_id))
    trace(
        server,
        lambda: expect_ok(api.call("GetMicrovm", microvmIdentifier=microvm_id))["state"],
        lambda state: state == "TERMINATED",
    )
    assert expect_ok(api.call("DeleteMicrovmImage", imageIdentifier=arn))["state"] == "DELETING"


def test_the_managed_catalog(api: Api) -> None:
    images = expect_ok(api.call("ListManagedMicrovmImages"))
    LAST_PAGE.check(images, "ListManagedMicrovmImages")
    assert values_of(images["items"], "imageArn") == [BASE_ARN]
    for item in images["items"]:
        MANAGED_IMAGE_ITEM.check(item, "ListManagedMicrovmImages item")
    versions = expect_ok(api.call("ListManagedMicrovmImageVersions", imageIdentifier=BASE_ARN))
    LAST_PAGE.check(versions, "ListManagedMicrovmImageVersions")
    assert tuple(values_of(versions["items"], "imageVersion")) == BASE_VERSIONS
    for item in versions["items"]:
        MANAGED_VERSION_ITEM.check(item, "ListManagedMicrovmImageVersions item")
        assert item["status"] == "AVAILABLE"
        assert re.fullmatch(r"\d+(\.\d+)?", str(item["createdAt"]))
