"""Images, versions, builds, the managed catalog, pagination and persistence of the
emulated service, driven through ``Backend.handle`` on a manual clock."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from backend_support import (
    ACCOUNT,
    BASE,
    BUILT,
    REGION,
    ROLE,
    T0,
    TIMING,
    call,
    fails,
    new_backend,
)

from microvm_sdk.local import _backend as backend_module
from microvm_sdk.local._backend import Backend
from microvm_sdk.local._backend_config import BehaviourConfig, BuildRule
from microvm_sdk.local._clock import VirtualClock
from microvm_sdk.local._errors import RequestContext

EGRESS = f"arn:aws:lambda:{REGION}:aws:network-connector:aws-network-connector:INTERNET_EGRESS"
MODEL = (
    Path(__file__).resolve().parents[2] / "service-model/lambda-microvms/2025-09-09/service-2.json"
)


def make(**kwargs: Any) -> tuple[Backend, VirtualClock]:
    kwargs.setdefault("random_seed", 7)
    return new_backend(**kwargs)


def create(
    backend: Backend, name: str = "img", uri: str = "s3://bucket/code.zip", **extra: Any
) -> Any:
    params = {
        "name": name,
        "baseImageArn": BASE,
        "buildRoleArn": ROLE,
        "codeArtifact": {"uri": uri},
    }
    params.update(extra)
    return call(backend, "CreateMicrovmImage", **params)


def update(backend: Backend, arn: str, uri: str = "s3://bucket/code-v2.zip", **extra: Any) -> Any:
    params = {
        "imageIdentifier": arn,
        "baseImageArn": BASE,
        "buildRoleArn": ROLE,
        "codeArtifact": {"uri": uri},
    }
    params.update(extra)
    return call(backend, "UpdateMicrovmImage", **params)


def arn_of(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:microvm-image:{name}"


def snapshot(backend: Backend, arn: str, version: str = "1.0") -> tuple[str, str, tuple[str, ...]]:
    image = call(backend, "GetMicrovmImage", imageIdentifier=arn)["state"]
    ver = call(backend, "GetMicrovmImageVersion", imageIdentifier=arn, imageVersion=version)[
        "state"
    ]
    builds = call(backend, "ListMicrovmImageBuilds", imageIdentifier=arn, imageVersion=version)
    return image, ver, tuple(b["buildState"] for b in builds["items"])


def observe(
    backend: Backend, clock: VirtualClock, arn: str, seconds: int, version: str = "1.0"
) -> list[Any]:
    seen = [snapshot(backend, arn, version)]
    for _ in range(seconds):
        clock.advance(1)
        state = snapshot(backend, arn, version)
        if state != seen[-1]:
            seen.append(state)
    return seen


# ------------------------------------------------------------------------ lifecycle


def test_create_answers_creating_with_the_recorded_defaults() -> None:
    backend, _ = make()
    body = create(backend)
    assert body["state"] == "CREATING"
    assert body["imageArn"] == arn_of("img")
    assert body["name"] == "img"
    assert body["imageVersion"] == "1.0"
    assert body["baseImageVersion"] == "1.0"
    assert body["egressNetworkConnectors"] == [EGRESS]
    assert body["resources"] == [{"minimumMemoryInMiB": 2048}]
    assert body["createdAt"] == body["updatedAt"] == T0
    # The live shape (the default): nulls and unmodeled members as the service sends them.
    assert body["latestActiveImageVersion"] is None
    assert body["latestFailedImageVersion"] is None
    assert body["tags"] is None
    assert body["buildPhaseOverrides"] is None and body["roleConfiguration"] is None
    assert re.fullmatch(r"[0-9a-f-]{36}", body["id"])
    assert "kmsKeyIdentifier" not in body  # the live service omits it when unset
    assert list(body) == sorted(body)  # in the order recorded bodies show


def test_create_in_the_model_shape_leaves_out_nulls_and_unmodeled_members() -> None:
    backend, _ = make(live_fidelity=False)
    body = create(backend)
    assert body["state"] == "CREATING" and body["baseImageVersion"] == "1.0"
    assert "latestActiveImageVersion" not in body
    assert "id" not in body and "tags" not in body and "buildPhaseOverrides" not in body
    assert None not in body.values()


def test_full_lifecycle_shows_each_transition_in_order() -> None:
    backend, clock = make()
    arn = create(backend)["imageArn"]
    seen = observe(backend, clock, arn, 130)
    assert seen == [
        ("CREATING", "PENDING", ("PENDING", "PENDING")),
        ("CREATING", "IN_PROGRESS", ("IN_PROGRESS", "IN_PROGRESS")),
        ("CREATING", "IN_PROGRESS", ("SUCCESSFUL", "SUCCESSFUL")),
        ("CREATING", "SUCCESSFUL", ("SUCCESSFUL", "SUCCESSFUL")),
        ("CREATED", "SUCCESSFUL", ("SUCCESSFUL", "SUCCESSFUL")),
    ]
    image = call(backend, "GetMicrovmImage", imageIdentifier=arn)
    assert image["latestActiveImageVersion"] == "1.0"
    assert image["updatedAt"] == T0 + BUILT
    assert image["tags"] == {}
    version = call(backend, "GetMicrovmImageVersion", imageIdentifier=arn, imageVersion="1.0")
    assert version["status"] == "ACTIVE"
    assert version["updatedAt"] == T0 + 115


def test_each_version_has_two_graviton_builds_newest_generation_first() -> None:
    backend, clock = make(live_fidelity=True)
    arn = create(backend)["imageArn"]
    clock.advance(BUILT)
    builds = call(backend, "ListMicrovmImageBuilds", imageIdentifier=arn, imageVersion="1.0")
    assert builds["nextToken"] is None
    items = builds["items"]
    assert [(b["architecture"], b["chipset"], b["chipsetGeneration"]) for b in items] == [
        ("ARM_64", "GRAVITON", "4"),
        ("ARM_64", "GRAVITON", "3"),
    ]
    assert all(b["stateReason"] is None and b["terminationReasonCode"] is None for b in items)
    build = call(
        backend,
        "GetMicrovmImageBuild",
        imageIdentifier=arn,
        imageVersion="1.0",
        buildId=items[0]["buildId"],
    )
    sizes = build["snapshotBuild"]
    assert set(sizes) == {
        "memorySnapshotSizeInBytes",
        "codeInstallSizeInBytes",
        "diskSnapshotSizeInBytes",
    }
    assert all(isinstance(v, int) and v > 0 and v % 4096 == 0 for v in sizes.values())
    assert build["terminationReasonCode"] is None  # live member, as in the build list


def _sizes(backend: Backend, arn: str, version: str = "1.0") -> list[dict[str, int]]:
    builds = call(backend, "ListMicrovmImageBuilds", imageIdentifier=arn, imageVersion=version)
    return [
        call(
            backend,
            "GetMicrovmImageBuild",
            imageIdentifier=arn,
            imageVersion=version,
            buildId=build["buildId"],
        )["snapshotBuild"]
        for build in builds["items"]
    ]


def test_snapshot_sizes_follow_from_the_build_input() -> None:
    """Issue 16, divergence 4: the same input gives the same sizes, run after run."""
    first, clock1 = make(random_seed=1)
    second, clock2 = make(random_seed=2)
    a = create(first, "a", uri="s3://bucket/app.zip")["imageArn"]
    b = create(second, "b", uri="s3://bucket/app.zip")["imageArn"]
    other = create(second, "other", uri="s3://bucket/other.zip")["imageArn"]
    big = create(
        second, "big", uri="s3://bucket/app.zip", resources=[{"minimumMemoryInMiB": 8192}]
    )["imageArn"]
    clock1.advance(BUILT)
    clock2.advance(BUILT)
    same = _sizes(first, a)
    assert _sizes(second, b) == same  # another seed, another name: the same build output
    gen4, gen3 = same
    assert gen4["codeInstallSizeInBytes"] == gen3["codeInstallSizeInBytes"]  # the same code
    assert gen4 != gen3  # each chipset generation has its own snapshot
    assert _sizes(second, other) != same
    big4 = _sizes(second, big)[0]
    assert big4["codeInstallSizeInBytes"] == gen4["codeInstallSizeInBytes"]
    assert big4["memorySnapshotSizeInBytes"] > 3 * gen4["memorySnapshotSizeInBytes"]
    mib = 1024 * 1024
    for sizes, memory in ((gen4, 2048), (gen3, 2048), (big4, 8192)):
        assert memory // 4 <= sizes["memorySnapshotSizeInBytes"] / mib <= memory * 0.3
        assert 78 <= sizes["codeInstallSizeInBytes"] / mib <= 235
        assert 19 <= sizes["diskSnapshotSizeInBytes"] / mib <= 32
        assert all(value % 4096 == 0 for value in sizes.values())
    # An update with the same artifact builds the same sizes again.
    update(first, a, uri="s3://bucket/app.zip")
    clock1.advance(BUILT)
    assert _sizes(first, a, "2.0") == same


def test_snapshot_appears_only_after_success() -> None:
    backend, clock = make(live_fidelity=True)
    arn = create(backend)["imageArn"]
    build_id = call(backend, "ListMicrovmImageBuilds", imageIdentifier=arn, imageVersion="1.0")[
        "items"
    ][0]["buildId"]
    clock.advance(50)
    build = call(
        backend, "GetMicrovmImageBuild", imageIdentifier=arn, imageVersion="1.0", buildId=build_id
    )
    assert build["buildState"] == "IN_PROGRESS" and build["snapshotBuild"] is None


def test_build_filters_and_unknown_build() -> None:
    backend, _ = make()
    arn = create(backend)["imageArn"]
    by_gen = call(
        backend,
        "ListMicrovmImageBuilds",
        imageIdentifier=arn,
        imageVersion="1.0",
        chipsetGeneration="3",
    )
    assert [b["chipsetGeneration"] for b in by_gen["items"]] == ["3"]
    x86 = call(
        backend,
        "ListMicrovmImageBuilds",
        imageIdentifier=arn,
        imageVersion="1.0",
        architecture="X86_64",
    )
    assert x86["items"] == []
    graviton = call(
        backend,
        "ListMicrovmImageBuilds",
        imageIdentifier=arn,
        imageVersion="1.0",
        chipset="GRAVITON",
    )
    assert len(graviton["items"]) == 2
    error = fails(
        backend, "GetMicrovmImageBuild", imageIdentifier=arn, imageVersion="1.0", buildId="nope"
    )
    assert (error.code, error.status) == ("ResourceNotFoundException", 404)
    page = call(
        backend, "ListMicrovmImageBuilds", imageIdentifier=arn, imageVersion="1.0", maxResults=1
    )
    assert page["items"][0]["chipsetGeneration"] == "4"
    rest = call(
        backend,
        "ListMicrovmImageBuilds",
        imageIdentifier=arn,
        imageVersion="1.0",
        maxResults=1,
        nextToken=page["nextToken"],
    )
    assert rest["items"][0]["chipsetGeneration"] == "3" and rest["nextToken"] is None


# ------------------------------------------------------------------- build outcomes


def test_failing_build_reports_reason_on_builds_and_fails_the_image() -> None:
    backend, clock = make(live_fidelity=True)
    arn = create(backend, uri="s3://bucket/fail.zip")["imageArn"]
    seen = observe(backend, clock, arn, 130)
    assert seen[-1] == ("CREATE_FAILED", "FAILED", ("FAILED", "FAILED"))
    assert [s[0] for s in seen].index("CREATE_FAILED") == len(seen) - 1  # image settles last
    builds = call(backend, "ListMicrovmImageBuilds", imageIdentifier=arn, imageVersion="1.0")[
        "items"
    ]
    assert {b["stateReason"] for b in builds} == {"The container image build failed."}
    version = call(backend, "GetMicrovmImageVersion", imageIdentifier=arn, imageVersion="1.0")
    assert version["state"] == "FAILED" and version["stateReason"] is None
    assert version["versionStateTimeBucket"].startswith("FAILED#")
    image = call(backend, "GetMicrovmImage", imageIdentifier=arn)
    assert image["latestFailedImageVersion"] == "1.0"
    assert image["latestActiveImageVersion"] is None
    build = call(
        backend,
        "GetMicrovmImageBuild",
        imageIdentifier=arn,
        imageVersion="1.0",
        buildId=builds[0]["buildId"],
    )
    assert build["snapshotBuild"] is None


def test_reason_code_can_be_chosen_in_the_uri() -> None:
    backend, clock = make()
    arn = create(backend, uri="s3://bucket/fail-S3_NO_SUCH_KEY.zip")["imageArn"]
    clock.advance(BUILT)
    builds = call(backend, "ListMicrovmImageBuilds", imageIdentifier=arn, imageVersion="1.0")[
        "items"
    ]
    assert [b["stateReason"] for b in builds] == ["S3_NO_SUCH_KEY", "S3_NO_SUCH_KEY"]


def test_custom_rules_and_version_reason() -> None:
    config = BehaviourConfig(
        build_rules=(BuildRule(r"/broken/", "fail", "ARCHIVE_INVALID"),),
        version_failure_reason="One or more builds failed.",
    )
    backend, clock = make(config=config)
    bad = create(backend, "bad", uri="s3://bucket/broken/code.zip")["imageArn"]
    ok = create(backend, "ok", uri="s3://bucket/fail.zip")["imageArn"]  # default rules replaced
    clock.advance(BUILT)
    assert call(backend, "GetMicrovmImage", imageIdentifier=bad)["state"] == "CREATE_FAILED"
    assert call(backend, "GetMicrovmImage", imageIdentifier=ok)["state"] == "CREATED"
    builds = call(backend, "ListMicrovmImageBuilds", imageIdentifier=bad, imageVersion="1.0")[
        "items"
    ]
    assert builds[0]["stateReason"] == "ARCHIVE_INVALID"
    version = call(backend, "GetMicrovmImageVersion", imageIdentifier=bad, imageVersion="1.0")
    assert version["stateReason"] == "One or more builds failed."


def test_hang_rule_keeps_the_build_in_progress_forever() -> None:
    backend, clock = make()
    arn = create(backend, uri="s3://bucket/hang.zip")["imageArn"]
    clock.advance(30 * 24 * 3600)
    assert snapshot(backend, arn) == ("CREATING", "IN_PROGRESS", ("IN_PROGRESS", "IN_PROGRESS"))
    error = fails(backend, "DeleteMicrovmImage", imageIdentifier=arn)
    assert (error.status, error.message) == (
        400,
        f"Cannot delete MicroVM image in its current state: {arn}",
    )


def test_build_rule_validation_and_round_trip() -> None:
    with pytest.raises(ValueError):
        BuildRule("x", "explode")  # type: ignore[arg-type]
    config = BehaviourConfig(max_concurrent_builds=3, memory_tiers=None)
    assert BehaviourConfig.from_json(json.loads(json.dumps(config.to_json()))) == config


# ----------------------------------------------------------------- create & errors


def test_identifiers_must_be_arns() -> None:
    backend, _ = make()
    create(backend)
    for operation in ("GetMicrovmImage", "DeleteMicrovmImage", "ListMicrovmImageVersions"):
        error = fails(backend, operation, imageIdentifier="img")
        assert (error.code, error.status, error.message) == (
            "ValidationException",
            400,
            "Invalid ARN format: img",
        )
        assert error.fields == {}


def test_unknown_image_is_not_found_with_null_detail_members() -> None:
    backend, _ = make()
    missing = arn_of("nope")
    error = fails(backend, "GetMicrovmImage", imageIdentifier=missing)
    assert (error.code, error.status) == ("ResourceNotFoundException", 404)
    assert error.message == f"MicroVMImage not found for MicroVMImageID: {missing}"
    assert error.fields == {"resourceId": None, "resourceType": None}
    other_region = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:microvm-image:img"
    create(backend)
    assert fails(backend, "GetMicrovmImage", imageIdentifier=other_region).status == 404
    error = fails(
        backend, "GetMicrovmImageVersion", imageIdentifier=arn_of("img"), imageVersion="9.0"
    )
    assert (
        error.message == f"MicroVMImage not found for MicroVMImage: {arn_of('img')}, Version: 9.0"
    )


def test_optional_id_identifier() -> None:
    backend, _ = make(config=BehaviourConfig(accept_image_id=True), live_fidelity=True)
    body = create(backend)
    got = call(backend, "GetMicrovmImage", imageIdentifier=body["id"])
    assert got["imageArn"] == body["imageArn"]


def test_duplicate_name_is_rejected() -> None:
    backend, _ = make()
    create(backend)
    error = fails(
        backend,
        "CreateMicrovmImage",
        name="img",
        baseImageArn=BASE,
        buildRoleArn=ROLE,
        codeArtifact={"uri": "s3://b/c.zip"},
    )
    assert error.status == 400 and "already exists" in error.message


def test_base_image_and_memory_and_hooks_are_checked() -> None:
    backend, _ = make()
    other = f"arn:aws:lambda:{REGION}:aws:microvm-image:ubuntu"
    assert (
        fails(
            backend,
            "CreateMicrovmImage",
            name="a",
            baseImageArn=other,
            buildRoleArn=ROLE,
            codeArtifact={"uri": "s3://b/c"},
        ).status
        == 400
    )
    assert create(backend, "v0", baseImageVersion="0")["baseImageVersion"] == "0.0"
    assert (
        fails(
            backend,
            "CreateMicrovmImage",
            name="v7",
            baseImageArn=BASE,
            buildRoleArn=ROLE,
            codeArtifact={"uri": "s3://b/c"},
            baseImageVersion="7",
        ).status
        == 400
    )
    error = fails(
        backend,
        "CreateMicrovmImage",
        name="m",
        baseImageArn=BASE,
        buildRoleArn=ROLE,
        codeArtifact={"uri": "s3://b/c"},
        resources=[{"minimumMemoryInMiB": 3000}],
    )
    assert error.message.startswith(
        "1 validation error detected: Value '3000' at 'resources.1.member.minimumMemoryInMiB'"
    )
    assert create(backend, "big", resources=[{"minimumMemoryInMiB": 8192}])["resources"] == [
        {"minimumMemoryInMiB": 8192}
    ]
    hooks = {"microvmHooks": {"run": "ENABLED"}}
    error = fails(
        backend,
        "CreateMicrovmImage",
        name="h",
        baseImageArn=BASE,
        buildRoleArn=ROLE,
        codeArtifact={"uri": "s3://b/c"},
        hooks=hooks,
    )
    assert error.message.startswith("2 validation errors detected: ")
    good = {
        "port": 8080,
        "microvmHooks": {"run": "ENABLED"},
        "microvmImageHooks": {"ready": "ENABLED"},
    }
    assert create(backend, "h", hooks=good)["hooks"] == good


def test_concurrent_build_quota() -> None:
    backend, clock = make(config=BehaviourConfig(max_concurrent_builds=2))
    create(backend, "a")
    create(backend, "b")
    error = fails(
        backend,
        "CreateMicrovmImage",
        name="c",
        baseImageArn=BASE,
        buildRoleArn=ROLE,
        codeArtifact={"uri": "s3://b/c"},
    )
    assert (error.code, error.status) == ("ServiceQuotaExceededException", 402)
    assert (
        error.message
        == f"Account {ACCOUNT} has reached the maximum number of concurrent builds allowed."
    )
    assert error.fields == {
        "quotaCode": None,
        "resourceId": None,
        "resourceType": None,
        "serviceCode": None,
    }
    clock.advance(BUILT)
    create(backend, "c")


def test_not_found_window_after_create() -> None:
    backend, clock = make(config=BehaviourConfig(not_found_window=5))
    arn = create(backend)["imageArn"]
    assert fails(backend, "GetMicrovmImage", imageIdentifier=arn).status == 404
    clock.advance(5)
    assert call(backend, "GetMicrovmImage", imageIdentifier=arn)["state"] == "CREATING"


# -------------------------------------------------------------------- idempotency


def test_client_token_replays_the_original_response() -> None:
    backend, clock = make()
    first = create(backend, clientToken="tok-1")
    clock.advance(BUILT)
    again = create(backend, clientToken="tok-1")
    assert again == first  # the original answer, state CREATING and all
    assert len(call(backend, "ListMicrovmImages")["items"]) == 1


def test_client_token_with_other_parameters_conflicts() -> None:
    backend, _ = make()
    create(backend, clientToken="tok-1")
    error = fails(
        backend,
        "CreateMicrovmImage",
        name="img",
        baseImageArn=BASE,
        buildRoleArn=ROLE,
        codeArtifact={"uri": "s3://b/other.zip"},
        clientToken="tok-1",
    )
    assert (error.code, error.status) == ("ConflictException", 409)
    assert error.fields == {"resourceId": None, "resourceType": None}


def test_client_token_expires() -> None:
    backend, clock = make(config=BehaviourConfig(client_token_ttl=60))
    create(backend, clientToken="tok-1")
    clock.advance(61)
    error = fails(
        backend,
        "CreateMicrovmImage",
        name="img",
        baseImageArn=BASE,
        buildRoleArn=ROLE,
        codeArtifact={"uri": "s3://bucket/code.zip"},
        clientToken="tok-1",
    )
    assert error.status == 400 and "already exists" in error.message


def test_update_client_token_replays() -> None:
    backend, clock = make()
    arn = create(backend)["imageArn"]
    clock.advance(BUILT)
    first = update(backend, arn, clientToken="u-1")
    assert update(backend, arn, clientToken="u-1") == first
    versions = call(backend, "ListMicrovmImageVersions", imageIdentifier=arn)["items"]
    assert [v["imageVersion"] for v in versions] == ["1.0", "2.0"]


# ----------------------------------------------------------------------- deletion


def test_delete_drains_keeps_the_name_then_is_gone() -> None:
    backend, clock = make()
    arn = create(backend)["imageArn"]
    clock.advance(BUILT)
    assert call(backend, "DeleteMicrovmImage", imageIdentifier=arn) == {
        "imageIdentifier": arn,
        "state": "DELETING",
    }
    assert call(backend, "GetMicrovmImage", imageIdentifier=arn)["state"] == "DELETING"
    assert [i["state"] for i in call(backend, "ListMicrovmImages")["items"]] == ["DELETING"]
    version = call(backend, "GetMicrovmImageVersion", imageIdentifier=arn, imageVersion="1.0")
    assert version["state"] == "DELETING"
    error = fails(
        backend,
        "CreateMicrovmImage",
        name="img",
        baseImageArn=BASE,
        buildRoleArn=ROLE,
        codeArtifact={"uri": "s3://b/c"},
    )
    assert error.status == 400 and "already exists" in error.message
    assert call(backend, "DeleteMicrovmImage", imageIdentifier=arn)["state"] == "DELETING"
    clock.advance(20)
    assert fails(backend, "GetMicrovmImage", imageIdentifier=arn).status == 404
    assert call(backend, "ListMicrovmImages")["items"] == []
    assert call(backend, "DeleteMicrovmImage", imageIdentifier=arn) == {
        "imageIdentifier": arn,
        "state": "DELETED",
    }
    assert create(backend)["state"] == "CREATING"  # the name is free again


def test_name_can_be_freed_at_once_when_configured() -> None:
    backend, clock = make(config=BehaviourConfig(reserve_name_while_deleting=False))
    arn = create(backend)["imageArn"]
    clock.advance(BUILT)
    call(backend, "DeleteMicrovmImage", imageIdentifier=arn)
    assert create(backend)["state"] == "CREATING"


def test_delete_of_never_existing_image() -> None:
    backend, _ = make()
    assert fails(backend, "DeleteMicrovmImage", imageIdentifier=arn_of("ghost")).status == 404
    lenient, _ = make(config=BehaviourConfig(delete_unknown_image="ok"))
    assert (
        call(lenient, "DeleteMicrovmImage", imageIdentifier=arn_of("ghost"))["state"] == "DELETED"
    )


def test_delete_refused_during_build_and_with_live_microvms() -> None:
    backend, clock = make()
    arn = create(backend)["imageArn"]
    clock.advance(50)
    error = fails(backend, "DeleteMicrovmImage", imageIdentifier=arn)
    assert error.code == "ValidationException"
    assert error.message == f"Cannot delete MicroVM image in its current state: {arn}"
    clock.advance(BUILT)
    vm = call(backend, "RunMicrovm", imageIdentifier=arn)["microvmId"]
    error = fails(backend, "DeleteMicrovmImage", imageIdentifier=arn)
    assert (error.status, error.message) == (
        400,
        "Cannot delete microvm image with running microvms.",
    )
    call(backend, "TerminateMicrovm", microvmIdentifier=vm)
    assert fails(backend, "DeleteMicrovmImage", imageIdentifier=arn).status == 400  # TERMINATING
    clock.advance(2)
    assert call(backend, "DeleteMicrovmImage", imageIdentifier=arn)["state"] == "DELETING"


def test_deletes_that_overlap_a_version_delete() -> None:
    """The image is UPDATING while a version drains (observed live): a cleanup that deletes
    the extra versions and then the image meets the recorded refusal until the drain ends.
    """
    backend, clock = make()
    arn = create(backend)["imageArn"]
    clock.advance(BUILT)
    update(backend, arn)
    clock.advance(BUILT)
    update(backend, arn, uri="s3://bucket/code-v3.zip")
    clock.advance(BUILT)
    assert call(backend, "GetMicrovmImage", imageIdentifier=arn)["state"] == "UPDATED"
    answer = call(backend, "DeleteMicrovmImageVersion", imageIdentifier=arn, imageVersion="1.0")
    assert answer == {"imageIdentifier": arn, "imageVersion": "1.0", "state": "DELETING"}
    image = call(backend, "GetMicrovmImage", imageIdentifier=arn)
    assert (image["state"], image["updatedAt"]) == ("UPDATING", T0 + 3 * BUILT)
    # Deleting the image now: the recorded 400, naming the image.
    error = fails(backend, "DeleteMicrovmImage", imageIdentifier=arn)
    assert (error.code, error.status, error.message) == (
        "ValidationException",
        400,
        f"Cannot delete MicroVM image in its current state: {arn}",
    )
    # Other changes meet the busy image: 409, as recorded for the PATCH.
    busy = ("ConflictException", 409, "MicroVM Image is already in state: UPDATING")
    for operation, params in (
        ("DeleteMicrovmImageVersion", {"imageVersion": "2.0"}),
        ("UpdateMicrovmImageVersion", {"imageVersion": "2.0", "status": "INACTIVE"}),
        (
            "UpdateMicrovmImage",
            {"baseImageArn": BASE, "buildRoleArn": ROLE, "codeArtifact": {"uri": "s3://b/c"}},
        ),
    ):
        error = fails(backend, operation, imageIdentifier=arn, **params)
        assert (error.code, error.status, error.message) == busy, operation
    # The same version again: 200 DELETING (idempotent). MicroVMs still run meanwhile.
    again = call(backend, "DeleteMicrovmImageVersion", imageIdentifier=arn, imageVersion="1.0")
    assert again["state"] == "DELETING"
    vm = call(backend, "RunMicrovm", imageIdentifier=arn)
    assert vm["imageVersion"] == "3.0"
    call(backend, "TerminateMicrovm", microvmIdentifier=vm["microvmId"])
    # After the drain the image is back where it was, and the cleanup can go on.
    clock.advance(10)
    image = call(backend, "GetMicrovmImage", imageIdentifier=arn)
    assert (image["state"], image["updatedAt"]) == ("UPDATED", T0 + 3 * BUILT + 10)
    assert image["latestActiveImageVersion"] == "3.0"
    call(backend, "DeleteMicrovmImageVersion", imageIdentifier=arn, imageVersion="2.0")
    clock.advance(10)
    assert call(backend, "DeleteMicrovmImage", imageIdentifier=arn)["state"] == "DELETING"
    # A version of an image that is being deleted is DELETING already: 200 again.
    assert (
        call(backend, "DeleteMicrovmImageVersion", imageIdentifier=arn, imageVersion="3.0")["state"]
        == "DELETING"
    )
    clock.advance(20)
    assert fails(backend, "GetMicrovmImage", imageIdentifier=arn).status == 404


def test_a_version_delete_on_a_failed_image_returns_it_to_its_failed_state() -> None:
    backend, clock = make(config=BehaviourConfig(refuse_last_version_delete=False))
    arn = create(backend, uri="s3://bucket/fail.zip")["imageArn"]
    clock.advance(BUILT)
    call(backend, "DeleteMicrovmImageVersion", imageIdentifier=arn, imageVersion="1.0")
    assert call(backend, "GetMicrovmImage", imageIdentifier=arn)["state"] == "UPDATING"
    clock.advance(10)
    image = call(backend, "GetMicrovmImage", imageIdentifier=arn)
    assert (image["state"], image["latestFailedImageVersion"]) == ("CREATE_FAILED", None)


# ------------------------------------------------------------------------- update


def test_update_flow_mints_the_next_version() -> None:
    backend, clock = make(live_fidelity=True)
    arn = create(backend, description="one")["imageArn"]
    clock.advance(BUILT)
    body = update(backend, arn, description="two")
    assert body["state"] == "UPDATING"
    assert body["imageVersion"] == "2.0"
    assert body["latestActiveImageVersion"] == "1.0"
    assert body["description"] == "two"
    assert body["updatedAt"] == T0 + BUILT
    assert "tags" not in body
    error = fails(
        backend,
        "UpdateMicrovmImage",
        imageIdentifier=arn,
        baseImageArn=BASE,
        buildRoleArn=ROLE,
        codeArtifact={"uri": "s3://b/c"},
    )
    assert (error.code, error.status, error.message) == (
        "ConflictException",
        409,
        "MicroVM Image is already in state: UPDATING",
    )
    error = fails(
        backend,
        "UpdateMicrovmImageVersion",
        imageIdentifier=arn,
        imageVersion="1.0",
        status="INACTIVE",
    )
    assert (error.status, error.message) == (409, "MicroVM Image is already in state: UPDATING")
    seen = observe(backend, clock, arn, 130, version="2.0")
    assert seen[0] == ("UPDATING", "PENDING", ("PENDING", "PENDING"))
    assert seen[-1] == ("UPDATED", "SUCCESSFUL", ("SUCCESSFUL", "SUCCESSFUL"))
    image = call(backend, "GetMicrovmImage", imageIdentifier=arn)
    assert image["latestActiveImageVersion"] == "2.0"
    old = call(backend, "GetMicrovmImageVersion", imageIdentifier=arn, imageVersion="1.0")
    assert old["description"] == "one" and old["state"] == "SUCCESSFUL"


def test_update_failure_keeps_the_last_good_version_active() -> None:
    backend, clock = make(live_fidelity=True)
    arn = create(backend)["imageArn"]
    clock.advance(BUILT)
    update(backend, arn)
    clock.advance(BUILT)
    update(backend, arn, uri="s3://bucket/fail-CONTAINER_BUILD_FAILED.zip")
    clock.advance(BUILT)
    image = call(backend, "GetMicrovmImage", imageIdentifier=arn)
    assert image["state"] == "UPDATE_FAILED"
    assert image["latestActiveImageVersion"] == "2.0"
    assert image["latestFailedImageVersion"] == "3.0"
    assert call(backend, "RunMicrovm", imageIdentifier=arn)["imageVersion"] == "2.0"
    # a failed image can be updated again, and success leaves latestFailed alone
    update(backend, arn)
    clock.advance(BUILT)
    image = call(backend, "GetMicrovmImage", imageIdentifier=arn)
    assert (
        image["state"],
        image["latestActiveImageVersion"],
        image["latestFailedImageVersion"],
    ) == ("UPDATED", "4.0", "3.0")


def test_update_of_a_create_failed_image_and_while_creating() -> None:
    backend, clock = make()
    arn = create(backend, uri="s3://b/fail.zip")["imageArn"]
    error = fails(
        backend,
        "UpdateMicrovmImage",
        imageIdentifier=arn,
        baseImageArn=BASE,
        buildRoleArn=ROLE,
        codeArtifact={"uri": "s3://b/c"},
    )
    assert (error.status, error.message) == (409, "MicroVM Image is already in state: CREATING")
    clock.advance(BUILT)
    assert update(backend, arn)["state"] == "UPDATING"
    clock.advance(BUILT)
    assert call(backend, "GetMicrovmImage", imageIdentifier=arn)["state"] == "UPDATED"


def test_update_rejects_resolved_base_version_and_resolves_majors() -> None:
    backend, clock = make()
    arn = create(backend)["imageArn"]
    clock.advance(BUILT)
    error = fails(
        backend,
        "UpdateMicrovmImage",
        imageIdentifier=arn,
        baseImageArn=BASE,
        buildRoleArn=ROLE,
        codeArtifact={"uri": "s3://b/c"},
        baseImageVersion="0.0",
    )
    assert error.code == "ValidationException" and "'0.0' at 'baseImageVersion'" in error.message
    assert update(backend, arn, baseImageVersion="0")["baseImageVersion"] == "0.0"
    assert (
        fails(
            backend,
            "UpdateMicrovmImage",
            imageIdentifier="img",
            baseImageArn=BASE,
            buildRoleArn=ROLE,
            codeArtifact={"uri": "s3://b/c"},
        ).message
        == "Invalid ARN format: img"
    )


# ----------------------------------------------------------------------- versions


def test_version_status_controls_which_version_runs() -> None:
    backend, clock = make()
    arn = create(backend)["imageArn"]
    clock.advance(BUILT)
    update(backend, arn)
    clock.advance(BUILT)
    body = call(
        backend,
        "UpdateMicrovmImageVersion",
        imageIdentifier=arn,
        imageVersion="2.0",
        status="INACTIVE",
    )
    assert (
        body["status"] == "INACTIVE"
        and body["imageVersion"] == "2.0"
        and body["updatedAt"] == T0 + 2 * BUILT
    )
    assert call(backend, "RunMicrovm", imageIdentifier=arn)["imageVersion"] == "1.0"
    call(
        backend,
        "UpdateMicrovmImageVersion",
        imageIdentifier=arn,
        imageVersion="1.0",
        status="INACTIVE",
    )
    error = fails(backend, "RunMicrovm", imageIdentifier=arn)
    assert (error.status, error.message) == (
        404,
        f"No active version found for MicroVM image {arn}",
    )
    call(
        backend,
        "UpdateMicrovmImageVersion",
        imageIdentifier=arn,
        imageVersion="2.0",
        status="ACTIVE",
    )
    assert call(backend, "RunMicrovm", imageIdentifier=arn)["imageVersion"] == "2.0"


def test_inactive_on_unsuccessful_version_is_configurable() -> None:
    backend, clock = make(config=BehaviourConfig(inactive_requires_successful=True))
    arn = create(backend, uri="s3://b/fail.zip")["imageArn"]
    clock.advance(BUILT)
    assert (
        fails(
            backend,
            "UpdateMicrovmImageVersion",
            imageIdentifier=arn,
            imageVersion="1.0",
            status="INACTIVE",
        ).status
        == 400
    )
    lenient, clock2 = make()
    arn = create(lenient, uri="s3://b/fail.zip")["imageArn"]
    clock2.advance(BUILT)
    assert (
        call(
            lenient,
            "UpdateMicrovmImageVersion",
            imageIdentifier=arn,
            imageVersion="1.0",
            status="INACTIVE",
        )["status"]
        == "INACTIVE"
    )


def test_delete_version_lifecycle_and_refusals() -> None:
    backend, clock = make()
    arn = create(backend)["imageArn"]
    # The only version, still building: the last-version refusal comes first (observed).
    error = fails(backend, "DeleteMicrovmImageVersion", imageIdentifier=arn, imageVersion="1.0")
    assert (error.code, error.status, error.message) == (
        "ValidationException",
        400,
        "This is the last version. Please delete the entire image",
    )
    clock.advance(BUILT)
    error = fails(backend, "DeleteMicrovmImageVersion", imageIdentifier=arn, imageVersion="1.0")
    assert error.message == "This is the last version. Please delete the entire image"
    update(backend, arn)
    # An older version while the update builds: the image is busy.
    error = fails(backend, "DeleteMicrovmImageVersion", imageIdentifier=arn, imageVersion="1.0")
    assert (error.status, error.message) == (409, "MicroVM Image is already in state: UPDATING")
    clock.advance(BUILT)
    vm = call(backend, "RunMicrovm", imageIdentifier=arn, imageVersion="1.0")["microvmId"]
    error = fails(backend, "DeleteMicrovmImageVersion", imageIdentifier=arn, imageVersion="1.0")
    assert error.message == "Cannot delete microvm image version with running microvms."
    call(backend, "TerminateMicrovm", microvmIdentifier=vm)
    clock.advance(2)
    answer = call(backend, "DeleteMicrovmImageVersion", imageIdentifier=arn, imageVersion="1.0")
    assert answer == {"imageIdentifier": arn, "imageVersion": "1.0", "state": "DELETING"}
    assert (
        call(backend, "GetMicrovmImageVersion", imageIdentifier=arn, imageVersion="1.0")["state"]
        == "DELETING"
    )
    clock.advance(10)
    assert (
        fails(backend, "GetMicrovmImageVersion", imageIdentifier=arn, imageVersion="1.0").status
        == 404
    )
    assert (
        call(backend, "DeleteMicrovmImageVersion", imageIdentifier=arn, imageVersion="1.0")["state"]
        == "DELETED"
    )
    assert (
        fails(backend, "DeleteMicrovmImageVersion", imageIdentifier=arn, imageVersion="8.0").status
        == 404
    )
    assert [
        v["imageVersion"]
        for v in call(backend, "ListMicrovmImageVersions", imageIdentifier=arn)["items"]
    ] == ["2.0"]


def test_deleting_the_active_version_repoints_latest_active() -> None:
    backend, clock = make(config=BehaviourConfig(refuse_last_version_delete=False))
    arn = create(backend)["imageArn"]
    clock.advance(BUILT)
    call(backend, "DeleteMicrovmImageVersion", imageIdentifier=arn, imageVersion="1.0")
    clock.advance(10)
    image = call(backend, "GetMicrovmImage", imageIdentifier=arn)
    assert image["latestActiveImageVersion"] is None
    assert update(backend, arn)["imageVersion"] == "2.0"  # numbers are never reused


# --------------------------------------------------------------- managed catalog


def test_managed_catalog_is_static_per_region() -> None:
    backend, _ = make(live_fidelity=True)
    images = call(backend, "ListManagedMicrovmImages")
    assert [i["imageArn"] for i in images["items"]] == [BASE]
    assert images["nextToken"] is None
    versions = call(backend, "ListManagedMicrovmImageVersions", imageIdentifier=BASE)["items"]
    assert [(v["imageVersion"], v["status"]) for v in versions] == [
        ("1", "AVAILABLE"),
        ("0", "AVAILABLE"),
    ]
    assert all(isinstance(v["createdAt"], float) for v in versions)
    eu = RequestContext(region="eu-west-1", account_id=ACCOUNT, request_id="r", access_key="a")
    eu_images = backend.handle("ListManagedMicrovmImages", {}, eu)
    assert eu_images is not None
    assert (
        eu_images["items"][0]["imageArn"] == "arn:aws:lambda:eu-west-1:aws:microvm-image:al2023-1"
    )
    assert (
        fails(backend, "ListManagedMicrovmImageVersions", imageIdentifier=BASE + "x").status == 404
    )
    assert (
        fails(backend, "ListManagedMicrovmImageVersions", imageIdentifier="al2023-1").status == 400
    )


# --------------------------------------------------------------------- pagination


def test_pagination_through_120_images() -> None:
    backend, _ = make()
    names = [f"img-{i:03d}" for i in range(120)]
    for name in names:
        create(backend, name)
    seen: list[str] = []
    token = None
    pages = []
    while True:
        params: dict[str, Any] = {"maxResults": 50}
        if token is not None:
            params["nextToken"] = token
        page = call(backend, "ListMicrovmImages", **params)
        pages.append(len(page["items"]))
        seen.extend(item["name"] for item in page["items"])
        token = page.get("nextToken")
        if token is None:
            break
    assert pages == [50, 50, 20]
    assert seen == names
    assert len(call(backend, "ListMicrovmImages")["items"]) == 50  # default page size


def test_pages_stay_stable_when_images_come_and_go() -> None:
    backend, _ = make()
    for i in range(5):
        create(backend, f"img-{i}")
    first = call(backend, "ListMicrovmImages", maxResults=2)
    create(backend, "img-new")
    second = call(backend, "ListMicrovmImages", maxResults=2, nextToken=first["nextToken"])
    assert [i["name"] for i in second["items"]] == ["img-2", "img-3"]


def test_name_filter_and_last_page_token_in_live_fidelity() -> None:
    backend, _ = make(live_fidelity=True)
    for name in ("alpha", "beta", "alphabet"):
        create(backend, name)
    page = call(backend, "ListMicrovmImages", nameFilter="alpha")
    assert [i["name"] for i in page["items"]] == ["alpha", "alphabet"]
    assert page["nextToken"] is None
    assert all(re.fullmatch(r"[0-9a-f-]{36}", i["id"]) for i in page["items"])


def test_bad_tokens_are_rejected() -> None:
    backend, _ = make()
    for i in range(3):
        create(backend, f"img-{i}")
    token = call(backend, "ListMicrovmImages", maxResults=1)["nextToken"]
    for bad in ("garbage", token[:-1] + ("0" if token[-1] != "0" else "1"), "e30.0000000000000000"):
        error = fails(backend, "ListMicrovmImages", nextToken=bad)
        assert (error.code, error.status) == ("ValidationException", 400)
    # a token only works for the listing it came from
    assert fails(backend, "ListMicrovmImages", nextToken=token, nameFilter="img").status == 400
    assert fails(backend, "ListMicrovms", nextToken=token).status == 400


# -------------------------------------------------------------------- persistence


def test_round_trip_mid_build_then_the_build_completes() -> None:
    backend, clock = make()
    arn = create(backend, tags={"team": "a"})["imageArn"]
    clock.advance(50)
    assert snapshot(backend, arn) == ("CREATING", "IN_PROGRESS", ("IN_PROGRESS", "IN_PROGRESS"))
    saved = json.loads(json.dumps(backend.to_json()))
    restored = Backend.from_json(saved)
    assert restored.clock.mode == "manual"
    assert restored.clock.now() == clock.now()
    assert restored.timing == TIMING
    assert snapshot(restored, arn) == ("CREATING", "IN_PROGRESS", ("IN_PROGRESS", "IN_PROGRESS"))
    assert call(restored, "GetMicrovmImage", imageIdentifier=arn)["tags"] == {"team": "a"}
    restored.clock.advance(BUILT - 50)
    assert snapshot(restored, arn) == ("CREATED", "SUCCESSFUL", ("SUCCESSFUL", "SUCCESSFUL"))
    # the original is untouched by the copy's progress
    assert call(backend, "GetMicrovmImage", imageIdentifier=arn)["state"] == "CREATING"
    # ids continue from the saved random state, so the two copies agree
    assert create(backend, "next")["imageArn"] == create(restored, "next")["imageArn"]


def test_from_json_options_override_and_unknown_options_are_ignored() -> None:
    backend, _ = make(config=BehaviourConfig(max_concurrent_builds=1))
    create(backend)
    saved = backend.to_json()
    other = VirtualClock.manual(start=T0 + 1000)
    restored = Backend.from_json(
        saved, clock=other, live_fidelity=True, faults=object(), region="x"
    )
    assert restored.clock is other and restored.live_fidelity
    assert restored.config.max_concurrent_builds == 1
    assert call(restored, "GetMicrovmImage", imageIdentifier=arn_of("img"))["state"] == "CREATED"
    manual = Backend.from_json(Backend(profile="fast").to_json(), profile="manual")
    assert manual.clock.mode == "manual"
    with pytest.raises(ValueError):
        Backend.from_json({"format": "something else"})


def test_manual_profile_uses_a_manual_clock() -> None:
    backend = Backend(profile="manual")
    assert backend.clock.mode == "manual"
    assert backend.timing.build_run > 1


# -------------------------------------------------------------------- concurrency


def test_thread_safety_smoke(monkeypatch: pytest.MonkeyPatch) -> None:
    backend, _ = make(profile="instant")
    inside = [0]
    overlaps: list[int] = []
    real_env = Backend._env
    real_render = getattr(backend_module, "render")  # noqa: B009

    def env(self: Backend, account_id: str, region: str) -> Any:
        inside[0] += 1
        if inside[0] != 1:
            overlaps.append(inside[0])
        return real_env(self, account_id, region)

    def render(operation: str, body: Any, shape: str) -> Any:
        inside[0] -= 1
        return real_render(operation, body, shape)

    monkeypatch.setattr(Backend, "_env", env)
    monkeypatch.setattr(backend_module, "render", render)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(25):
                arn = create(backend, f"t{n}-{i}")["imageArn"]
                call(backend, "GetMicrovmImage", imageIdentifier=arn)
                call(backend, "ListMicrovmImages", maxResults=5)
                call(backend, "TagResource", Resource=arn, Tags={"n": str(n)})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert overlaps == []
    assert inside[0] == 0
    token = None
    names: list[str] = []
    while True:
        page = call(backend, "ListMicrovmImages", **({"nextToken": token} if token else {}))
        names.extend(i["name"] for i in page["items"])
        token = page.get("nextToken")
        if token is None:
            break
    assert sorted(names) == sorted(f"t{n}-{i}" for n in range(8) for i in range(25))


# ------------------------------------------------------------- model conformance


def _check(
    shapes: dict[str, Any], shape_name: str, value: Any, live: bool, path: str, top: bool
) -> None:
    shape = shapes[shape_name]
    kind = shape["type"]
    if kind == "structure":
        assert isinstance(value, dict), path
        members = shape.get("members", {})
        extras = {
            "id",
            "buildPhaseOverrides",
            "roleConfiguration",
            "versionStateTimeBucket",
            "terminationReasonCode",
        }
        for key, item in value.items():
            if key not in members:
                assert live and top and key in extras, f"{path}.{key} is not modeled"
                continue
            if item is None:
                assert live and key not in shape.get("required", []), f"{path}.{key} is null"
                continue
            _check(shapes, members[key]["shape"], item, live, f"{path}.{key}", False)
        for key in shape.get("required", []):
            assert value.get(key) is not None, f"{path}.{key} is required"
    elif kind == "list":
        assert isinstance(value, list), path
        for index, item in enumerate(value):
            is_item = path.endswith(".items")
            _check(shapes, shape["member"]["shape"], item, live, f"{path}[{index}]", is_item)
    elif kind == "map":
        assert isinstance(value, dict) and all(isinstance(v, str) for v in value.values()), path
    elif kind == "string":
        assert isinstance(value, str), path
        if "enum" in shape:
            assert value in shape["enum"], path
    elif kind in ("integer", "long"):
        assert isinstance(value, int) and not isinstance(value, bool), path
    elif kind == "timestamp":
        assert isinstance(value, int | float) and value > 1e9, path
    elif kind == "boolean":
        assert isinstance(value, bool), path


@pytest.mark.parametrize("live", [False, True])
def test_every_response_matches_the_model(live: bool) -> None:
    model = json.loads(MODEL.read_text())
    shapes, operations = model["shapes"], model["operations"]
    backend, clock = make(live_fidelity=live)
    answers: dict[str, Any] = {}

    def run(operation: str, **params: Any) -> Any:
        body = call(backend, operation, **params)
        answers[operation] = body
        output = operations[operation].get("output")
        if output is None:
            assert body is None
        else:
            _check(shapes, output["shape"], body, live, operation, True)
        return body

    arn = run(
        "CreateMicrovmImage",
        name="img",
        baseImageArn=BASE,
        buildRoleArn=ROLE,
        codeArtifact={"uri": "s3://b/c"},
        tags={"a": "b"},
        kmsKeyIdentifier="alias/key",
    )["imageArn"]
    clock.advance(BUILT)
    run("GetMicrovmImage", imageIdentifier=arn)
    run("ListMicrovmImages")
    run(
        "UpdateMicrovmImage",
        imageIdentifier=arn,
        baseImageArn=BASE,
        buildRoleArn=ROLE,
        codeArtifact={"uri": "s3://b/c2"},
    )
    run("GetMicrovmImageVersion", imageIdentifier=arn, imageVersion="2.0")
    clock.advance(BUILT)
    run("ListMicrovmImageVersions", imageIdentifier=arn)
    run("UpdateMicrovmImageVersion", imageIdentifier=arn, imageVersion="1.0", status="ACTIVE")
    build_id = run("ListMicrovmImageBuilds", imageIdentifier=arn, imageVersion="1.0")["items"][0][
        "buildId"
    ]
    run("GetMicrovmImageBuild", imageIdentifier=arn, imageVersion="1.0", buildId=build_id)
    run("ListManagedMicrovmImages")
    run("ListManagedMicrovmImageVersions", imageIdentifier=BASE)
    vm = run(
        "RunMicrovm",
        imageIdentifier=arn,
        idlePolicy={
            "maxIdleDurationSeconds": 60,
            "suspendedDurationSeconds": 60,
            "autoResumeEnabled": True,
        },
        ingressNetworkConnectors=[
            "arn:aws:lambda:us-east-1:aws:network-connector:aws-network-connector:SHELL_INGRESS"
        ],
    )["microvmId"]
    clock.advance(5)
    run("GetMicrovm", microvmIdentifier=vm)
    run("ListMicrovms")
    run(
        "CreateMicrovmAuthToken",
        microvmIdentifier=vm,
        expirationInMinutes=5,
        allowedPorts=[{"allPorts": {}}],
    )
    run("CreateMicrovmShellAuthToken", microvmIdentifier=vm, expirationInMinutes=5)
    run("SuspendMicrovm", microvmIdentifier=vm)
    clock.advance(5)
    run("ResumeMicrovm", microvmIdentifier=vm)
    run("TerminateMicrovm", microvmIdentifier=vm)
    clock.advance(5)
    run("GetMicrovm", microvmIdentifier=vm)
    run("TagResource", Resource=arn, Tags={"c": "d"})
    run("UntagResource", Resource=arn, TagKeys=["a"])
    run("ListTags", Resource=arn)
    run("DeleteMicrovmImageVersion", imageIdentifier=arn, imageVersion="1.0")
    clock.advance(20)
    run("DeleteMicrovmImage", imageIdentifier=arn)
    assert set(answers) == set(operations) == set(Backend.OPERATIONS)
