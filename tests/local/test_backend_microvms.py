"""MicroVMs of the emulated service: run, lifecycle, timers, tokens and quotas, driven
through ``Backend.handle`` on a manual clock."""

from __future__ import annotations

import json
import re
from typing import Any

import attrs
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

from microvm_sdk.local._backend import Backend, decode_auth_token
from microvm_sdk.local._backend_config import BehaviourConfig
from microvm_sdk.local._backend_microvms import TRANSITIONS
from microvm_sdk.local._clock import VirtualClock
from microvm_sdk.local._errors import EmulatedError, RequestContext

CONNECTOR = f"arn:aws:lambda:{REGION}:aws:network-connector:aws-network-connector:"
POLICY = {"maxIdleDurationSeconds": 60, "suspendedDurationSeconds": 120, "autoResumeEnabled": False}


def make(**kwargs: Any) -> tuple[Backend, VirtualClock]:
    kwargs.setdefault("random_seed", 11)
    return new_backend(**kwargs)


def image(backend: Backend, clock: VirtualClock, name: str = "img", **extra: Any) -> str:
    params = {
        "name": name,
        "baseImageArn": BASE,
        "buildRoleArn": ROLE,
        "codeArtifact": {"uri": "s3://b/code.zip"},
    }
    params.update(extra)
    arn: str = call(backend, "CreateMicrovmImage", **params)["imageArn"]
    clock.advance(BUILT)
    return arn


def state(backend: Backend, vm: str) -> str:
    result: str = call(backend, "GetMicrovm", microvmIdentifier=vm)["state"]
    return result


def running(backend: Backend, clock: VirtualClock, arn: str, **extra: Any) -> str:
    vm: str = call(backend, "RunMicrovm", imageIdentifier=arn, **extra)["microvmId"]
    clock.advance(3)
    assert state(backend, vm) == "RUNNING"
    return vm


# --------------------------------------------------------------------------- run


def test_run_answers_pending_with_the_recorded_defaults() -> None:
    backend, clock = make(live_fidelity=True)
    arn = image(backend, clock)
    body = call(backend, "RunMicrovm", imageIdentifier=arn)
    match = re.fullmatch(r"microvm-([0-9a-f-]{36})", body["microvmId"])
    assert match is not None
    assert body["endpoint"] == f"{match.group(1)}.lambda-microvm.{REGION}.on.aws"
    assert body["state"] == "PENDING"
    assert body["imageArn"] == arn and body["imageVersion"] == "1.0"
    assert body["ingressNetworkConnectors"] == [CONNECTOR + "HTTP_INGRESS"]
    assert body["egressNetworkConnectors"] == [CONNECTOR + "INTERNET_EGRESS"]
    assert body["maximumDurationInSeconds"] == 28800
    assert body["startedAt"] == T0 + BUILT
    for member in (
        "idlePolicy",
        "executionRoleArn",
        "stateReason",
        "terminatedAt",
        "terminationReasonCode",
    ):
        assert body[member] is None
    assert "kmsKeyIdentifier" not in body


def test_pending_becomes_running() -> None:
    backend, clock = make()
    arn = image(backend, clock)
    vm = call(backend, "RunMicrovm", imageIdentifier=arn)["microvmId"]
    clock.advance(2.9)
    assert state(backend, vm) == "PENDING"
    clock.advance(0.1)
    assert state(backend, vm) == "RUNNING"


def test_run_needs_a_runnable_version() -> None:
    backend, clock = make()
    arn = call(
        backend,
        "CreateMicrovmImage",
        name="img",
        baseImageArn=BASE,
        buildRoleArn=ROLE,
        codeArtifact={"uri": "s3://b/c"},
    )["imageArn"]
    error = fails(backend, "RunMicrovm", imageIdentifier=arn)
    assert (error.code, error.status) == ("ResourceNotFoundException", 404)
    assert error.message == f"No active version found for MicroVM image {arn}"
    assert error.fields == {"resourceId": None, "resourceType": None}
    missing = arn.replace(":img", ":ghost")
    assert (
        fails(backend, "RunMicrovm", imageIdentifier=missing).message
        == f"No active version found for MicroVM image {missing}"
    )
    bare = fails(backend, "RunMicrovm", imageIdentifier="img")  # observed live
    assert (bare.status, bare.message) == (400, "Malformed ARN - doesn't start with 'arn:'")
    assert (
        fails(backend, "RunMicrovm", imageIdentifier="arn:nope").message
        == "Invalid ARN format: arn:nope"
    )
    error = fails(backend, "RunMicrovm", imageIdentifier=arn, imageVersion="1.0")
    assert (error.status, error.message) == (
        400,
        "Cannot run MicroVM image version in its current state: PENDING",
    )
    error = fails(backend, "RunMicrovm", imageIdentifier=arn, imageVersion="5.0")
    assert error.status == 404
    clock.advance(BUILT)
    assert (
        call(backend, "RunMicrovm", imageIdentifier=arn, imageVersion="1.0")["imageVersion"]
        == "1.0"
    )


def test_idle_policy_needs_all_three_members() -> None:
    backend, clock = make()
    arn = image(backend, clock)
    error = fails(
        backend,
        "RunMicrovm",
        imageIdentifier=arn,
        idlePolicy={"maxIdleDurationSeconds": 900, "suspendedDurationSeconds": 1800},
    )
    assert error.code == "ValidationException"
    assert error.message == (
        "1 validation error detected: Value null at 'idlePolicy.autoResumeEnabled' "
        "failed to satisfy constraint: Member must not be null"
    )


def test_run_hook_payload_needs_an_enabled_run_hook() -> None:
    backend, clock = make()
    plain = image(backend, clock)
    error = fails(backend, "RunMicrovm", imageIdentifier=plain, runHookPayload="{}")
    assert (error.status, error.message) == (
        400,
        "The run hook must be enabled in the MicroVM image to pass the run hook payload",
    )
    hooks = {
        "port": 9000,
        "microvmHooks": {"run": "ENABLED"},
        "microvmImageHooks": {"ready": "ENABLED"},
    }
    hooked = image(backend, clock, "hooked", hooks=hooks)
    assert (
        call(backend, "RunMicrovm", imageIdentifier=hooked, runHookPayload="{}")["state"]
        == "PENDING"
    )


def test_run_client_token_replays_and_conflicts() -> None:
    backend, clock = make()
    arn = image(backend, clock)
    first = call(backend, "RunMicrovm", imageIdentifier=arn, clientToken="run-1")
    clock.advance(10)
    assert call(backend, "RunMicrovm", imageIdentifier=arn, clientToken="run-1") == first
    assert len(call(backend, "ListMicrovms")["items"]) == 1
    error = fails(
        backend, "RunMicrovm", imageIdentifier=arn, clientToken="run-1", maximumDurationInSeconds=60
    )
    assert (error.code, error.status) == ("ConflictException", 409)


def test_memory_quota() -> None:
    backend, clock = make(config=BehaviourConfig(memory_quota_mib=4096))
    arn = image(backend, clock)
    first = call(backend, "RunMicrovm", imageIdentifier=arn)["microvmId"]
    call(backend, "RunMicrovm", imageIdentifier=arn)
    error = fails(backend, "RunMicrovm", imageIdentifier=arn)
    assert (error.code, error.status) == ("ServiceQuotaExceededException", 402)
    assert (
        error.message
        == "The base maximum allocated memory limit has been reached for this account."
    )
    assert error.fields == {
        "quotaCode": None,
        "resourceId": None,
        "resourceType": None,
        "serviceCode": None,
    }
    call(backend, "TerminateMicrovm", microvmIdentifier=first)
    assert (
        fails(backend, "RunMicrovm", imageIdentifier=arn).status == 402
    )  # TERMINATING still holds memory
    clock.advance(2)
    assert call(backend, "RunMicrovm", imageIdentifier=arn)["state"] == "PENDING"


def test_not_found_window_after_run() -> None:
    backend, clock = make(config=BehaviourConfig(not_found_window=2))
    arn = image(backend, clock)
    vm = call(backend, "RunMicrovm", imageIdentifier=arn)["microvmId"]
    error = fails(backend, "GetMicrovm", microvmIdentifier=vm)
    assert (error.status, error.message) == (404, f"MicroVM not found: {vm}")
    clock.advance(2)
    assert state(backend, vm) == "PENDING"


def test_unknown_microvm() -> None:
    backend, _ = make()
    error = fails(backend, "GetMicrovm", microvmIdentifier="microvm-nope")
    assert (error.code, error.status, error.message) == (
        "ResourceNotFoundException",
        404,
        "MicroVM not found: microvm-nope",
    )
    for operation in ("SuspendMicrovm", "ResumeMicrovm", "TerminateMicrovm"):
        assert fails(backend, operation, microvmIdentifier="microvm-nope").status == 404


# --------------------------------------------------------------------- lifecycle


def test_suspend_resume_terminate() -> None:
    backend, clock = make(live_fidelity=True)
    arn = image(backend, clock)
    vm = running(backend, clock, arn)
    assert call(backend, "SuspendMicrovm", microvmIdentifier=vm) == {}
    assert state(backend, vm) == "SUSPENDING"
    clock.advance(2)
    assert state(backend, vm) == "SUSPENDED"
    assert call(backend, "SuspendMicrovm", microvmIdentifier=vm) == {}  # no-op by default
    assert call(backend, "ResumeMicrovm", microvmIdentifier=vm) == {}
    assert state(backend, vm) == "RUNNING"  # straight back, no PENDING
    assert call(backend, "TerminateMicrovm", microvmIdentifier=vm) == {}
    assert state(backend, vm) == "TERMINATING"
    clock.advance(2)
    body = call(backend, "GetMicrovm", microvmIdentifier=vm)
    assert body["state"] == "TERMINATED"
    assert body["stateReason"] == "Success."
    assert body["terminatedAt"] == clock.now()
    assert call(backend, "TerminateMicrovm", microvmIdentifier=vm) == {}
    for operation in ("SuspendMicrovm", "ResumeMicrovm"):
        error = fails(backend, operation, microvmIdentifier=vm)
        assert (error.code, error.status) == ("ValidationException", 400)
        assert (
            error.message
            == f"The MicroVM {vm} has been terminated and its state cannot be changed."
        )
    clock.advance(30 * 24 * 3600)
    assert state(backend, vm) == "TERMINATED"
    assert [i["state"] for i in call(backend, "ListMicrovms")["items"]] == ["TERMINATED"]


def test_invalid_transitions_conflict() -> None:
    backend, clock = make()
    arn = image(backend, clock)
    vm = call(backend, "RunMicrovm", imageIdentifier=arn)["microvmId"]
    error = fails(backend, "SuspendMicrovm", microvmIdentifier=vm)
    assert (error.code, error.status, error.message) == (
        "ConflictException",
        409,
        "Cannot suspend MicroVM in its current state: PENDING",
    )
    assert fails(backend, "ResumeMicrovm", microvmIdentifier=vm).status == 409
    clock.advance(3)
    assert (
        fails(backend, "ResumeMicrovm", microvmIdentifier=vm).message
        == "Cannot resume MicroVM in its current state: RUNNING"
    )
    call(backend, "SuspendMicrovm", microvmIdentifier=vm)
    assert fails(backend, "SuspendMicrovm", microvmIdentifier=vm).status == 409  # SUSPENDING
    assert fails(backend, "ResumeMicrovm", microvmIdentifier=vm).status == 409
    call(backend, "TerminateMicrovm", microvmIdentifier=vm)


def test_every_state_has_an_answer_for_every_transition() -> None:
    states = {"PENDING", "RUNNING", "SUSPENDING", "SUSPENDED", "TERMINATING", "TERMINATED"}
    assert set(TRANSITIONS) == {"SuspendMicrovm", "ResumeMicrovm", "TerminateMicrovm"}
    assert all(set(table) == states for table in TRANSITIONS.values())


def test_calls_that_overlap_a_terminate() -> None:
    """A terminate was accepted: the MicroVM cannot change course, a second terminate is 200."""
    backend, clock = make()
    arn = image(backend, clock)
    vm = running(backend, clock, arn)
    assert call(backend, "TerminateMicrovm", microvmIdentifier=vm) == {}
    assert state(backend, vm) == "TERMINATING"
    message = f"The MicroVM {vm} has been terminated and its state cannot be changed."
    for operation in ("SuspendMicrovm", "ResumeMicrovm"):
        error = fails(backend, operation, microvmIdentifier=vm)
        assert (error.code, error.status, error.message) == ("ValidationException", 400, message)
    assert call(backend, "TerminateMicrovm", microvmIdentifier=vm) == {}
    assert state(backend, vm) == "TERMINATING"  # the second terminate changes nothing
    # The image cannot go while the MicroVM is still TERMINATING (recorded: not TERMINATED).
    error = fails(backend, "DeleteMicrovmImage", imageIdentifier=arn)
    assert error.message == "Cannot delete microvm image with running microvms."
    clock.advance(2)
    assert state(backend, vm) == "TERMINATED"
    assert call(backend, "TerminateMicrovm", microvmIdentifier=vm) == {}
    assert fails(backend, "SuspendMicrovm", microvmIdentifier=vm).message == message
    assert call(backend, "DeleteMicrovmImage", imageIdentifier=arn)["state"] == "DELETING"
    # A suspending MicroVM can be terminated; the suspend does not finish afterwards.
    other = running(backend, clock, image(backend, clock, "other"))
    call(backend, "SuspendMicrovm", microvmIdentifier=other)
    assert state(backend, other) == "SUSPENDING"
    call(backend, "TerminateMicrovm", microvmIdentifier=other)
    clock.advance(10)
    assert state(backend, other) == "TERMINATED"


def test_unknown_transitions_are_configurable() -> None:
    config = BehaviourConfig(suspend_when_suspended="conflict", resume_when_running="ok")
    backend, clock = make(config=config)
    arn = image(backend, clock)
    vm = running(backend, clock, arn)
    assert call(backend, "ResumeMicrovm", microvmIdentifier=vm) == {}
    call(backend, "SuspendMicrovm", microvmIdentifier=vm)
    clock.advance(2)
    error = fails(backend, "SuspendMicrovm", microvmIdentifier=vm)
    assert (error.status, error.message) == (
        409,
        "Cannot suspend MicroVM in its current state: SUSPENDED",
    )


# ------------------------------------------------------------------------ timers


def test_idle_timer_suspends_then_suspended_timer_terminates() -> None:
    backend, clock = make()
    arn = image(backend, clock)
    vm = running(backend, clock, arn, idlePolicy=POLICY)
    clock.advance(59)
    assert state(backend, vm) == "RUNNING"
    clock.advance(1)
    assert state(backend, vm) == "SUSPENDING"
    clock.advance(2)
    assert state(backend, vm) == "SUSPENDED"
    clock.advance(119)
    assert state(backend, vm) == "SUSPENDED"
    clock.advance(1)
    assert state(backend, vm) == "TERMINATING"
    clock.advance(2)
    body = call(backend, "GetMicrovm", microvmIdentifier=vm)
    assert (body["state"], body["stateReason"]) == ("TERMINATED", "Success.")
    assert body["terminatedAt"] == clock.now()


def test_timers_apply_even_when_nobody_looks() -> None:
    backend, clock = make()
    arn = image(backend, clock)
    vm = call(backend, "RunMicrovm", imageIdentifier=arn, idlePolicy=POLICY)["microvmId"]
    clock.advance(10_000)
    body = call(backend, "GetMicrovm", microvmIdentifier=vm)
    # PENDING 3 s, idle 60 s, SUSPENDING 2 s, SUSPENDED 120 s, TERMINATING 2 s
    assert body["state"] == "TERMINATED"
    assert body["terminatedAt"] == T0 + BUILT + 3 + 60 + 2 + 120 + 2


def test_zero_suspended_duration_terminates_on_suspend() -> None:
    backend, clock = make()
    arn = image(backend, clock)
    policy = {**POLICY, "suspendedDurationSeconds": 0}
    vm = running(backend, clock, arn, idlePolicy=policy)
    call(backend, "SuspendMicrovm", microvmIdentifier=vm)
    clock.advance(2)
    assert state(backend, vm) == "TERMINATING"


def test_maximum_duration_terminates() -> None:
    backend, clock = make()
    arn = image(backend, clock)
    vm = running(backend, clock, arn, maximumDurationInSeconds=100)
    clock.advance(96)
    assert state(backend, vm) == "RUNNING"
    clock.advance(1)
    assert state(backend, vm) == "TERMINATING"
    clock.advance(2)
    assert call(backend, "GetMicrovm", microvmIdentifier=vm)["terminatedAt"] == T0 + BUILT + 102


def test_policy_time_scale_shortens_caller_timers() -> None:
    backend, clock = make(profile=attrs.evolve(TIMING, policy_time_scale=0.1))
    arn = image(backend, clock)
    vm = running(backend, clock, arn, idlePolicy=POLICY)
    clock.advance(6)
    assert state(backend, vm) == "SUSPENDING"


def test_traffic_restarts_the_idle_timer_and_auto_resumes() -> None:
    backend, clock = make()
    arn = image(backend, clock)
    vm = running(backend, clock, arn, idlePolicy={**POLICY, "autoResumeEnabled": True})
    clock.advance(50)
    assert backend.record_traffic(vm) == "RUNNING"
    clock.advance(50)
    assert state(backend, vm) == "RUNNING"
    clock.advance(12)
    assert state(backend, vm) == "SUSPENDED"
    assert backend.record_traffic(vm) == "RUNNING"
    assert state(backend, vm) == "RUNNING"
    assert backend.record_traffic("microvm-unknown") is None
    manual = running(backend, clock, arn, idlePolicy=POLICY)
    call(backend, "SuspendMicrovm", microvmIdentifier=manual)
    clock.advance(2)
    assert backend.record_traffic(manual) == "SUSPENDED"  # autoResumeEnabled false


# ------------------------------------------------------------------------ tokens


def test_auth_token_on_running_and_suspended() -> None:
    backend, clock = make()
    arn = image(backend, clock)
    vm = running(backend, clock, arn)
    ports = [{"port": 8080}, {"range": {"startPort": 9000, "endPort": 9010}}]
    body = call(
        backend,
        "CreateMicrovmAuthToken",
        microvmIdentifier=vm,
        expirationInMinutes=60,
        allowedPorts=ports,
    )
    token = body["authToken"]["X-aws-proxy-auth"]
    assert set(body["authToken"]) == {"X-aws-proxy-auth"}
    assert len(token.split(".")) == 5
    claims = decode_auth_token(token)
    assert claims == {
        "microvmId": vm,
        "exp": round(clock.now() + 3600),
        "ports": ports,
        "shell": False,
    }
    call(backend, "SuspendMicrovm", microvmIdentifier=vm)
    clock.advance(2)
    assert (
        "X-aws-proxy-auth"
        in call(
            backend,
            "CreateMicrovmAuthToken",
            microvmIdentifier=vm,
            expirationInMinutes=1,
            allowedPorts=[{"allPorts": {}}],
        )["authToken"]
    )
    error = fails(
        backend,
        "CreateMicrovmAuthToken",
        microvmIdentifier=vm,
        expirationInMinutes=61,
        allowedPorts=[{"allPorts": {}}],
    )
    assert error.status == 400
    assert error.message == (
        "1 validation error detected: Value '61' at 'expirationInMinutes' failed to satisfy "
        "constraint: Member must have value less than or equal to 60"
    )
    call(backend, "TerminateMicrovm", microvmIdentifier=vm)
    clock.advance(2)
    assert (
        fails(
            backend,
            "CreateMicrovmAuthToken",
            microvmIdentifier=vm,
            expirationInMinutes=5,
            allowedPorts=[{"allPorts": {}}],
        ).status
        == 400
    )
    assert decode_auth_token("not.a.token") is None


def test_shell_token_requires_shell_ingress() -> None:
    backend, clock = make()
    arn = image(backend, clock)
    plain = running(backend, clock, arn)
    error = fails(
        backend, "CreateMicrovmShellAuthToken", microvmIdentifier=plain, expirationInMinutes=5
    )
    assert (error.code, error.status) == ("ValidationException", 400)
    assert (
        error.message
        == "Shell access requires SHELL_INGRESS network connector to be configured on the MicroVM."
    )
    shell = running(
        backend,
        clock,
        arn,
        ingressNetworkConnectors=[CONNECTOR + "HTTP_INGRESS", CONNECTOR + "SHELL_INGRESS"],
    )
    token = call(
        backend, "CreateMicrovmShellAuthToken", microvmIdentifier=shell, expirationInMinutes=5
    )["authToken"]["X-aws-proxy-auth"]
    claims = decode_auth_token(token)
    assert claims is not None and claims["shell"] is True and claims["microvmId"] == shell


# ------------------------------------------------------------------------ listing


def test_list_filters_and_pagination() -> None:
    backend, clock = make(live_fidelity=True)
    first = image(backend, clock, "one")
    second = image(backend, clock, "two")
    ids = [call(backend, "RunMicrovm", imageIdentifier=first)["microvmId"] for _ in range(3)]
    other = call(backend, "RunMicrovm", imageIdentifier=second)["microvmId"]
    listed = call(backend, "ListMicrovms")
    assert [i["microvmId"] for i in listed["items"]] == [*ids, other]
    assert listed["nextToken"] is None
    assert set(listed["items"][0]) == {
        "microvmId",
        "state",
        "imageArn",
        "imageVersion",
        "startedAt",
    }
    assert [
        i["microvmId"] for i in call(backend, "ListMicrovms", imageIdentifier=second)["items"]
    ] == [other]
    assert call(backend, "ListMicrovms", imageIdentifier=first, imageVersion="9.0")["items"] == []
    page = call(backend, "ListMicrovms", maxResults=2)
    rest = call(backend, "ListMicrovms", maxResults=2, nextToken=page["nextToken"])
    assert [i["microvmId"] for i in page["items"] + rest["items"]] == [*ids, other]
    assert rest["nextToken"] is None
    assert fails(backend, "ListMicrovms", nextToken="nope").status == 400


def test_state_survives_a_round_trip_and_timers_continue() -> None:
    backend, clock = make()
    arn = image(backend, clock)
    vm = running(backend, clock, arn, idlePolicy=POLICY)
    restored = Backend.from_json(json.loads(json.dumps(backend.to_json())))
    restored.clock.advance(60)
    assert call(restored, "GetMicrovm", microvmIdentifier=vm)["state"] == "SUSPENDING"
    assert state(backend, vm) == "RUNNING"


def test_microvms_are_per_region() -> None:
    backend, clock = make()
    arn = image(backend, clock)
    vm = call(backend, "RunMicrovm", imageIdentifier=arn)["microvmId"]
    eu = RequestContext(region="eu-west-1", account_id=ACCOUNT, request_id="r", access_key="a")
    with pytest.raises(EmulatedError) as info:
        backend.handle("GetMicrovm", {"microvmIdentifier": vm}, eu)
    assert info.value.status == 404
