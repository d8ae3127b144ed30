"""Conformance: run, suspend, resume, terminate and auth tokens, as recorded live.

Every test runs twice, through boto3 and through raw signed HTTP (the ``api`` fixture).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from conformance_clients import Api
from recorded_answers import (
    LAST_PAGE,
    MAXIMUM_DURATION,
    MESSAGE_ONLY,
    MICROVM_ITEM,
    MICROVM_LAUNCH_ORDER,
    MICROVM_RESUME_ORDER,
    MICROVM_STARTED,
    MICROVM_SUSPEND_ORDER,
    MICROVM_TERMINATE_ORDER,
    MICROVM_TERMINATED,
    MICROVM_WITH_POLICY,
    QUOTA_BODY,
    SUCCESS_REASON,
    trace,
    without,
)
from scenario_support import (
    CONNECTOR,
    REGION,
    built_image,
    create_image,
    expect_ok,
    microvm_state,
    running_microvm,
)

from microvm_sdk.local import BehaviourConfig, LocalServer

POLICY = {
    "maxIdleDurationSeconds": 900,
    "suspendedDurationSeconds": 1800,
    "autoResumeEnabled": False,
}


def test_run_suspend_resume_terminate(server: LocalServer, api: Api) -> None:
    arn = built_image(server, api, "conf-vm")
    run = api.call("RunMicrovm", imageIdentifier=arn)
    body = expect_ok(run, 200)  # 200, not 201
    MICROVM_STARTED.check(body, "RunMicrovm")
    microvm_id = body["microvmId"]
    found = re.fullmatch(r"microvm-([0-9a-f-]{36})", microvm_id)
    assert found is not None
    assert body["endpoint"] == f"{found[1]}.lambda-microvm.{REGION}.on.aws"
    assert (body["state"], body["imageArn"], body["imageVersion"]) == ("PENDING", arn, "1.0")
    assert body["ingressNetworkConnectors"] == [CONNECTOR + "HTTP_INGRESS"]
    assert body["egressNetworkConnectors"] == [CONNECTOR + "INTERNET_EGRESS"]
    assert body["maximumDurationInSeconds"] == MAXIMUM_DURATION

    def state() -> str:
        return microvm_state(api, microvm_id)

    assert trace(server, state, lambda s: s == "RUNNING") == list(MICROVM_LAUNCH_ORDER)
    MICROVM_STARTED.check(
        expect_ok(api.call("GetMicrovm", microvmIdentifier=microvm_id)), "GetMicrovm"
    )
    listed = expect_ok(api.call("ListMicrovms"))
    LAST_PAGE.check(listed, "ListMicrovms")
    MICROVM_ITEM.check(listed["items"][0], "ListMicrovms item")

    assert expect_ok(api.call("SuspendMicrovm", microvmIdentifier=microvm_id)) == {}
    seen = ["RUNNING", *trace(server, state, lambda s: s == "SUSPENDED")]
    assert seen == list(MICROVM_SUSPEND_ORDER)

    # A suspended MicroVM still hands out auth tokens.
    token = expect_ok(
        api.call(
            "CreateMicrovmAuthToken",
            microvmIdentifier=microvm_id,
            expirationInMinutes=60,
            allowedPorts=[{"allPorts": {}}],
        )
    )
    assert list(token) == ["authToken"] and list(token["authToken"]) == ["X-aws-proxy-auth"]
    assert len(token["authToken"]["X-aws-proxy-auth"].split(".")) == 5  # compact JWE

    assert expect_ok(api.call("ResumeMicrovm", microvmIdentifier=microvm_id)) == {}
    seen = ["SUSPENDED", *trace(server, state, lambda s: s == "RUNNING")]
    assert seen == list(MICROVM_RESUME_ORDER)  # never PENDING on the way

    assert expect_ok(api.call("TerminateMicrovm", microvmIdentifier=microvm_id)) == {}
    seen = ["RUNNING", *trace(server, state, lambda s: s == "TERMINATED")]
    assert without(seen) == MICROVM_TERMINATE_ORDER
    terminated = expect_ok(api.call("GetMicrovm", microvmIdentifier=microvm_id))
    MICROVM_TERMINATED.check(terminated, "GetMicrovm after terminate")
    assert terminated["stateReason"] == SUCCESS_REASON
    assert terminated["terminatedAt"] >= terminated["startedAt"]

    # Terminated MicroVMs stay: a second terminate is 200, Get and List still show it.
    assert expect_ok(api.call("TerminateMicrovm", microvmIdentifier=microvm_id)) == {}
    server.clock.advance(3600)
    assert state() == "TERMINATED"
    assert [item["microvmId"] for item in expect_ok(api.call("ListMicrovms"))["items"]] == [
        microvm_id
    ]
    refused = api.call("SuspendMicrovm", microvmIdentifier=microvm_id)
    assert (refused.status, refused.error, refused.message) == (
        400,
        "ValidationException",
        f"The MicroVM {microvm_id} has been terminated and its state cannot be changed.",
    )
    MESSAGE_ONLY.check(refused.body, "ValidationException")


def test_run_with_an_idle_policy(server: LocalServer, api: Api) -> None:
    arn = built_image(server, api, "conf-policy")
    body = expect_ok(api.call("RunMicrovm", imageIdentifier=arn, idlePolicy=POLICY))
    MICROVM_WITH_POLICY.check(body, "RunMicrovm with idlePolicy")
    assert body["idlePolicy"] == POLICY
    partial = {k: v for k, v in POLICY.items() if k != "autoResumeEnabled"}
    refused = api.call("RunMicrovm", imageIdentifier=arn, idlePolicy=partial)
    assert (refused.status, refused.error) == (400, "ValidationException")


def test_shell_tokens_need_a_shell_ingress_connector(server: LocalServer, api: Api) -> None:
    arn = built_image(server, api, "conf-shell")
    plain = running_microvm(server, api, arn)
    refused = api.call(
        "CreateMicrovmShellAuthToken", microvmIdentifier=plain, expirationInMinutes=5
    )
    assert (refused.status, refused.error, refused.message) == (
        400,
        "ValidationException",
        "Shell access requires SHELL_INGRESS network connector to be configured on the MicroVM.",
    )
    shell = running_microvm(
        server,
        api,
        arn,
        ingressNetworkConnectors=[CONNECTOR + "HTTP_INGRESS", CONNECTOR + "SHELL_INGRESS"],
    )
    token = expect_ok(
        api.call("CreateMicrovmShellAuthToken", microvmIdentifier=shell, expirationInMinutes=5)
    )
    assert isinstance(token["authToken"]["X-aws-proxy-auth"], str)


def test_a_run_hook_payload_needs_a_run_hook(server: LocalServer, api: Api) -> None:
    arn = built_image(server, api, "conf-hookless")
    refused = api.call("RunMicrovm", imageIdentifier=arn, runHookPayload="{}")
    assert (refused.status, refused.error, refused.message) == (
        400,
        "ValidationException",
        "The run hook must be enabled in the MicroVM image to pass the run hook payload",
    )


def test_the_memory_quota(serve: Callable[..., LocalServer], connect: Callable[..., Api]) -> None:
    server = serve(BehaviourConfig(memory_quota_mib=4096))
    api = connect(server)
    arn = built_image(server, api, "conf-quota")
    for _ in range(2):
        expect_ok(api.call("RunMicrovm", imageIdentifier=arn))
    refused = api.call("RunMicrovm", imageIdentifier=arn)
    assert (refused.status, refused.error, refused.message) == (
        402,
        "ServiceQuotaExceededException",
        "The base maximum allocated memory limit has been reached for this account.",
    )
    QUOTA_BODY.check(refused.body, "ServiceQuotaExceededException")


def test_the_concurrent_build_quota(
    serve: Callable[..., LocalServer], connect: Callable[..., Api]
) -> None:
    server = serve(BehaviourConfig(max_concurrent_builds=1))
    api = connect(server)
    expect_ok(create_image(api, "conf-first"), 201)
    refused = create_image(api, "conf-second")
    assert (refused.status, refused.error, refused.message) == (
        402,
        "ServiceQuotaExceededException",
        f"Account {server.account_id} has reached the maximum number of concurrent builds allowed.",
    )
