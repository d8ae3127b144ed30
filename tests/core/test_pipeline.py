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
    # The bits around the version and variant stay random: every variant digit occurs
    # (a miss in 200 has odds of about 1e-25), and so does every digit after them.
    assert {text[19] for text in made} == set("89ab")
    assert {text[15] for text in made} == {text[20] for text in made} == set("0123456789abcdef")


THROTTLED = HttpResponse(429, {"x-amzn-errortype": "ThrottlingException"}, b"{}")


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def adaptive_runtime(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> tuple[ClientRuntime, Clock]:
    from microvm_sdk import Client, Config
    from microvm_sdk._core.rate_limiter import ClientRateLimiter
    from microvm_sdk._core.retries import AdaptiveRetryStrategy

    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    client = Client(
        region_name="us-east-1",
        aws_access_key_id="AK",
        aws_secret_access_key="SK",
        config=Config(retry_mode="adaptive"),
    )
    runtime = client._runtime
    runtime._prepare()
    assert isinstance(runtime._retry, AdaptiveRetryStrategy)
    clock = Clock()
    runtime._retry.rate_limiter = ClientRateLimiter(clock=clock)
    return runtime, clock


def test_adaptive_mode_holds_the_next_attempt_back_after_a_throttle(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    runtime, clock = adaptive_runtime(monkeypatch, tmp_path)
    attempts, _ = steps(runtime)
    assert isinstance(next(attempts), HttpRequest)  # off before the first throttle
    backoff = attempts.send(THROTTLED)
    assert isinstance(backoff, Sleep)  # the standard backoff first
    clock.now += backoff.seconds
    # Then the rate limiter: at 0.5 tokens a second (its lowest rate) the first token
    # comes 2 s after the throttle; the backoff already spent part of that.
    held = attempts.send(None)
    assert isinstance(held, Sleep)
    assert held.seconds == pytest.approx(2.0 - backoff.seconds)
    clock.now += held.seconds
    second = attempts.send(None)
    assert isinstance(second, HttpRequest)
    assert second.headers["amz-sdk-request"] == "attempt=2; max=3"
    with pytest.raises(StopIteration):
        attempts.send(OK)
    # The next call's first attempt waits its turn too.
    attempts, _ = steps(runtime)
    first = next(attempts)
    assert isinstance(first, Sleep)
    assert first.seconds > 0


def test_a_wait_that_falls_short_is_asked_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """A driver that wakes early (or a clock that lags) gets a second Sleep, not a send."""
    runtime, clock = adaptive_runtime(monkeypatch, tmp_path)
    attempts, _ = steps(runtime)
    next(attempts)
    backoff = attempts.send(THROTTLED)
    assert isinstance(backoff, Sleep)
    held = attempts.send(None)  # the clock has not moved: the whole 2 s
    assert isinstance(held, Sleep)
    assert held.seconds == pytest.approx(2.0)
    clock.now += 1.5
    again = attempts.send(None)
    assert isinstance(again, Sleep)
    assert again.seconds == pytest.approx(0.5)
    clock.now += 0.5
    assert isinstance(attempts.send(None), HttpRequest)


def test_a_token_omitted_from_an_input_built_by_hand_is_filled(runtime: ClientRuntime) -> None:
    """The generated methods fill tokens as they build the input; any other input (the
    CLI's dicts, an input made by hand) gets one from the runtime, once per call."""
    import json

    from microvm_sdk.models import CodeArtifactUri, CreateMicrovmImageRequest

    params = CreateMicrovmImageRequest(
        name="img",
        base_image_arn=ARN,
        build_role_arn="arn:aws:iam::123456789012:role/build",
        code_artifact=CodeArtifactUri(value="s3://bucket/code.zip"),
    )
    tokens = set()
    for _ in range(2):
        _, request, _ = runtime.request_for("CreateMicrovmImage", params)
        token = json.loads(request.body)["clientToken"]
        assert uuid.UUID(token).version == 4
        tokens.add(token)
    assert len(tokens) == 2  # a new call, a new token
    assert params.client_token is None  # the caller's object is left alone
    given = CreateMicrovmImageRequest(**{**params.__getstate__(), "client_token": "mine"})
    _, request, _ = runtime.request_for("CreateMicrovmImage", given)
    assert json.loads(request.body)["clientToken"] == "mine"


def test_the_generated_method_fills_the_token_as_it_builds_the_input(
    runtime: ClientRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from microvm_sdk import Client
    from microvm_sdk.models import CodeArtifactUri

    seen: list[Any] = []
    client = Client(region_name="us-east-1", aws_access_key_id="AK", aws_secret_access_key="SK")
    monkeypatch.setattr(client, "_invoke", lambda name, params, cls: seen.append(params))
    for token in (None, "caller-token"):
        client.create_microvm_image(
            name="img",
            base_image_arn=ARN,
            build_role_arn="arn:aws:iam::123456789012:role/build",
            code_artifact=CodeArtifactUri(value="s3://bucket/code.zip"),
            client_token=token,
        )
    assert uuid.UUID(seen[0].client_token).version == 4
    assert seen[1].client_token == "caller-token"
