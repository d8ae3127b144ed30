"""The call pipeline's retry loop as steps, stepped by hand: no transport, no sleeps.

``RuntimeCore.attempts`` yields each signed request and each backoff; both clients'
drivers only send and sleep what it says, so what is tested here holds for both.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from microvm_sdk._core.errors import ConnectionError, ServiceError
from microvm_sdk._core.http import HttpRequest, HttpResponse
from microvm_sdk._core.pipeline import AttemptSteps, ClientRuntime, Sleep, uuid4
from microvm_sdk.models import GetMicrovmImageInput

ARN = "arn:aws:lambda:us-east-1:123456789012:microvm-image:demo"
OK = HttpResponse(200, {"content-type": "application/json"}, b"{}")
BUSY = HttpResponse(503, {"x-amzn-errortype": "ServiceUnavailable"}, b"{}")


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> ClientRuntime:
    from microvm_sdk import Client

    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_MAX_ATTEMPTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    client = Client(region_name="us-east-1", aws_access_key_id="AK", aws_secret_access_key="SK")
    return client._runtime


def steps(runtime: ClientRuntime) -> tuple[AttemptSteps, HttpRequest]:
    operation, request, _ = runtime.request_for(
        "GetMicrovmImage", GetMicrovmImageInput(image_identifier=ARN)
    )
    return runtime.attempts(operation, request, runtime._credentials), request


def test_a_successful_call_is_one_signed_request(runtime: ClientRuntime) -> None:
    attempts, request = steps(runtime)
    sent = next(attempts)
    assert sent is request
    assert sent.headers["amz-sdk-request"] == "attempt=1; max=3"
    assert sent.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AK/")
    with pytest.raises(StopIteration) as done:
        attempts.send(OK)
    assert done.value.value == (OK, 1)


def test_failures_back_off_then_the_next_attempt_is_signed_afresh(runtime: ClientRuntime) -> None:
    attempts, _ = steps(runtime)
    first = next(attempts)
    invocation = first.headers["amz-sdk-invocation-id"]
    backoff = attempts.throw(ConnectionError("reset", url="https://x"))
    assert isinstance(backoff, Sleep)
    assert 0 <= backoff.seconds <= 0.05  # the standard mode's first backoff
    second = attempts.send(None)
    assert isinstance(second, HttpRequest)
    assert second.headers["amz-sdk-request"] == "attempt=2; max=3"
    assert second.headers["amz-sdk-invocation-id"] == invocation
    backoff = attempts.send(BUSY)
    assert isinstance(backoff, Sleep)
    assert 0 <= backoff.seconds <= 0.1
    third = attempts.send(None)
    assert isinstance(third, HttpRequest)
    with pytest.raises(StopIteration):
        attempts.send(OK)


def test_the_last_error_is_raised_with_a_note(runtime: ClientRuntime) -> None:
    attempts, _ = steps(runtime)
    next(attempts)
    for _ in range(2):
        assert isinstance(attempts.send(BUSY), Sleep)
        assert isinstance(attempts.send(None), HttpRequest)
    with pytest.raises(ServiceError) as info:
        attempts.send(BUSY)
    assert info.value.http_status == 503
    assert info.value.attempts == 3
    assert info.value.__notes__ == ["GetMicrovmImage failed after 3 attempts"]


def test_uuid4_is_a_random_version_4_uuid() -> None:
    made = [uuid4() for _ in range(200)]
    assert len(set(made)) == 200
    for text in made:
        parsed = uuid.UUID(text)
        assert str(parsed) == text  # the canonical text form
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
