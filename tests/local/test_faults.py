"""Fault injection: the Python API, the admin HTTP API and what clients see."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from microvm_sdk.local import FaultInjector, FaultRule, LocalServer

NO_RETRIES = Config(
    retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=20
)
IMAGE = {
    "name": "img",
    "baseImageArn": "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1",
    "buildRoleArn": "arn:aws:iam::000000000000:role/build",
    "codeArtifact": {"uri": "s3://bucket/code.zip"},
}


def client_for(server: LocalServer) -> BaseClient:
    return boto3.client("lambda-microvms", config=NO_RETRIES, **server.client_kwargs)


def error_of(call: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    response: dict[str, Any] = info.value.response
    return response


# -- the injector on its own ------------------------------------------------------------------


def test_count_rules_fire_on_the_next_n_matching_calls() -> None:
    faults = FaultInjector()
    rule = faults.server_error("GetMicrovm", count=2)
    assert faults.decide("ListMicrovms").error is None
    assert [faults.decide("GetMicrovm").error is not None for _ in range(4)] == [
        True,
        True,
        False,
        False,
    ]
    assert rule.fired == 2
    assert faults.rules == []  # spent rules go away


def test_probability_rules_are_seeded_and_repeatable() -> None:
    def run(seed: int) -> list[bool]:
        faults = FaultInjector(seed=seed)
        faults.throttle(probability=0.3)
        return [faults.decide("ListMicrovms").error is not None for _ in range(1000)]

    first = run(7)
    assert first == run(7)
    assert first != run(8)
    assert 220 < sum(first) < 380


def test_probability_and_count_together() -> None:
    faults = FaultInjector(seed=1)
    faults.drop(probability=0.5, count=3)
    fired = sum(faults.decide("X").drop for _ in range(100))
    assert fired == 3


def test_latency_adds_up_and_the_first_terminal_rule_wins() -> None:
    faults = FaultInjector()
    faults.latency(0.25)
    faults.latency(0.5, "GetMicrovm")
    faults.throttle("GetMicrovm", retry_after=4)
    faults.server_error()
    decision = faults.decide("GetMicrovm")
    assert decision.delay == 0.75
    assert decision.error is not None
    assert (decision.error.code, decision.error.status) == ("ThrottlingException", 429)
    assert decision.error.headers == {"Retry-After": "4"}
    other = faults.decide("ListMicrovms")
    assert other.delay == 0.25
    assert other.error is not None
    assert other.error.code == "InternalServerException"


def test_rules_can_be_removed_and_cleared() -> None:
    faults = FaultInjector()
    first = faults.drop()
    faults.unavailable()
    assert faults.remove(first.id)
    assert not faults.remove(first.id)
    assert [r.kind for r in faults.rules] == ["error"]
    faults.set_not_found_window(3, "GetMicrovm")
    assert faults.not_found_window("GetMicrovm") == 3
    assert faults.not_found_window("GetMicrovmImage") == 0
    faults.clear()
    assert faults.rules == []
    assert faults.not_found_window("GetMicrovm") == 0


class StepClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_rate_rules_throttle_only_calls_beyond_the_rate() -> None:
    clock = StepClock()
    faults = FaultInjector(clock=clock)
    rule = faults.throttle("RunMicrovm", rate=2, burst=3)

    def throttled() -> bool:
        return faults.decide("RunMicrovm").error is not None

    # A full bucket of 3 first, then 2 calls a second.
    assert [throttled() for _ in range(5)] == [False, False, False, True, True]
    clock.now += 0.5  # one token back
    assert [throttled() for _ in range(2)] == [False, True]
    clock.now += 10  # refilled to the burst, not beyond it
    assert [throttled() for _ in range(4)] == [False, False, False, True]
    assert rule.fired == 4  # only the throttled calls count as firing
    assert faults.decide("ListMicrovms").error is None
    error = faults.decide("RunMicrovm").error
    assert error is not None
    assert (error.code, error.status, error.headers["Retry-After"]) == (
        "ThrottlingException",
        429,
        "1",
    )
    assert rule.to_json()["rate"] == 2
    assert rule.to_json()["burst"] == 3


def test_rate_rules_hold_a_steady_rate_over_time() -> None:
    clock = StepClock()
    faults = FaultInjector(clock=clock)
    faults.throttle("RunMicrovm", rate=5)  # burst defaults to the rate
    passed = 0
    for _ in range(1000):  # 100 calls a second for 10 s
        clock.now += 0.01
        passed += faults.decide("RunMicrovm").error is None
    assert 5 * 10 <= passed <= 5 * 10 + 5


def test_rate_rule_arguments_are_checked() -> None:
    faults = FaultInjector()
    for kwargs in ({"rate": 0}, {"rate": -1}, {"burst": 2}, {"rate": 1, "burst": 0.5}):
        with pytest.raises(ValueError):
            faults.throttle("RunMicrovm", **kwargs)
    rule = faults.add_json({"type": "throttle", "operation": "RunMicrovm", "rate": 1.5})
    assert rule is not None
    assert (rule.rate, rule.burst) == (1.5, None)
    with pytest.raises(ValueError, match="rate must be a number"):
        faults.add_json({"type": "throttle", "rate": "fast"})


def test_add_json_validates() -> None:
    faults = FaultInjector()
    rule = faults.add_json(
        {"type": "error", "code": "InsufficientCapacityException", "status": 500, "count": 1}
    )
    assert isinstance(rule, FaultRule)
    assert rule.to_json()["code"] == "InsufficientCapacityException"
    for bad in (
        {"type": "explode"},
        {"type": "throttle", "probability": 2},
        {"type": "latency", "seconds": "slow"},
        {"type": "drop", "count": -1},
        {"type": "error", "fields": []},
    ):
        with pytest.raises(ValueError):
            faults.add_json(bad)


# -- through the server ------------------------------------------------------------------------


@pytest.fixture
def server() -> Any:
    with LocalServer() as running:
        yield running


def test_throttle_with_retry_after(server: LocalServer) -> None:
    server.faults.throttle("ListMicrovms", retry_after=2)
    client = client_for(server)
    response = error_of(client.list_microvms)
    assert response["Error"]["Code"] == "ThrottlingException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 429
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["retry-after"] == "2"
    assert headers["x-amzn-requestid"]
    client.list_microvm_images()  # other operations are untouched


def test_server_errors(server: LocalServer) -> None:
    client = client_for(server)
    server.faults.server_error(count=1)
    response = error_of(client.list_microvms)
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == (
        "InternalServerException",
        500,
    )
    server.faults.unavailable(count=1)
    response = error_of(client.list_microvms)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 503
    server.faults.error(
        "ServiceQuotaExceededException", 402, "The base maximum allocated memory limit", count=1
    )
    response = error_of(client.list_microvms)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 402
    assert response["Error"]["Code"] == "ServiceQuotaExceededException"
    client.list_microvms()


def test_count_fault_lets_a_retrying_client_succeed(server: LocalServer) -> None:
    server.faults.server_error("ListMicrovms", count=2)
    client = boto3.client(
        "lambda-microvms",
        config=Config(retries={"total_max_attempts": 3, "mode": "standard"}),
        **server.client_kwargs,
    )
    response = client.list_microvms()
    assert response["ResponseMetadata"]["RetryAttempts"] == 2


def test_dropped_connection(server: LocalServer) -> None:
    server.faults.drop("ListMicrovms", count=1)
    with pytest.raises(ConnectionClosedError):
        client_for(server).list_microvms()
    client_for(server).list_microvms()


def test_dropped_connection_sends_no_bytes() -> None:
    with LocalServer(verify_signatures=False) as server:
        server.faults.drop(count=1)
        request = b"GET /2025-09-09/microvms HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        with socket.create_connection((server.host, server.port), timeout=5) as sock:
            sock.sendall(request)
            assert sock.recv(100) == b""
        with socket.create_connection((server.host, server.port), timeout=5) as sock:
            sock.sendall(request)
            assert sock.recv(100).startswith(b"HTTP/1.1 200 OK")


def test_latency(server: LocalServer) -> None:
    client = client_for(server)
    client.list_microvms()
    server.faults.latency(0.3, "ListMicrovms", count=1)
    started = time.monotonic()
    client.list_microvms()
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    client.list_microvms()
    assert time.monotonic() - started < 0.3


def test_probability_through_the_server(server: LocalServer) -> None:
    server.faults.seed(3)
    server.faults.server_error("ListMicrovms", probability=0.5)
    client = client_for(server)
    outcomes = []
    for _ in range(40):
        try:
            client.list_microvms()
            outcomes.append(True)
        except ClientError:
            outcomes.append(False)
    assert 8 < outcomes.count(False) < 32
    server.faults.clear()
    server.faults.seed(3)
    server.faults.server_error("ListMicrovms", probability=0.5)
    again = []
    for _ in range(40):
        try:
            client.list_microvms()
            again.append(True)
        except ClientError:
            again.append(False)
    assert again == outcomes


def test_not_found_window_after_create(raw: Any) -> None:
    with LocalServer(profile="manual") as server:
        server.faults.set_not_found_window(10, "GetMicrovmImage")
        client = client_for(server)
        arn = client.create_microvm_image(**IMAGE)["imageArn"]
        response = error_of(client.get_microvm_image, imageIdentifier=arn)
        assert response["Error"]["Code"] == "ResourceNotFoundException"
        assert response["Error"]["Message"] == f"MicroVMImage not found for MicroVMImageID: {arn}"
        client.list_microvm_images()  # only the targeted operation is affected
        status, _, _ = raw(
            server, "POST", "/_microvm_local/clock/advance", body={"seconds": 11}, sign=False
        )
        assert status == 200
        assert client.get_microvm_image(imageIdentifier=arn)["name"] == "img"


def test_admin_http_api(server: LocalServer, raw: Any) -> None:
    status, _, payload = raw(
        server,
        "POST",
        "/_microvm_local/faults",
        body={"type": "throttle", "operation": "ListMicrovms", "count": 1, "retryAfter": 5},
        sign=False,
    )
    assert status == 201
    rule = json.loads(payload)["faults"][0]
    assert (rule["type"], rule["code"], rule["count"]) == ("error", "ThrottlingException", 1)
    response = error_of(client_for(server).list_microvms)
    assert response["ResponseMetadata"]["HTTPHeaders"]["retry-after"] == "5"

    status, _, payload = raw(
        server,
        "POST",
        "/_microvm_local/faults",
        body={
            "faults": [
                {"type": "latency", "seconds": 0.01},
                {"type": "not_found_window", "seconds": 2},
                {"type": "server_error", "operation": "GetMicrovm", "probability": 1},
            ]
        },
        sign=False,
    )
    assert status == 201
    assert len(json.loads(payload)["faults"]) == 2
    listed = json.loads(raw(server, "GET", "/_microvm_local/faults", sign=False)[2])
    assert [f["type"] for f in listed["faults"]] == ["latency", "error"]
    assert listed["notFoundWindows"] == {"*": 2.0}
    latency_id = listed["faults"][0]["id"]
    assert raw(server, "DELETE", f"/_microvm_local/faults/{latency_id}", sign=False)[0] == 200
    assert raw(server, "DELETE", f"/_microvm_local/faults/{latency_id}", sign=False)[0] == 404
    assert raw(server, "POST", "/_microvm_local/faults", body={"seed": 9}, sign=False)[0] == 200
    status, _, payload = raw(
        server, "POST", "/_microvm_local/faults", body={"type": "nope"}, sign=False
    )
    assert status == 400
    assert "unknown fault type" in json.loads(payload)["message"]
    assert raw(server, "DELETE", "/_microvm_local/faults", sign=False)[0] == 200
    assert server.faults.rules == []
    client_for(server).list_microvms()


def test_drop_over_http_admin(server: LocalServer, raw: Any) -> None:
    assert (
        raw(
            server, "POST", "/_microvm_local/faults", body={"type": "drop", "count": 1}, sign=False
        )[0]
        == 201
    )
    with pytest.raises(ConnectionClosedError):
        client_for(server).list_microvms()
