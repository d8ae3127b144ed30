"""Retries through the whole client: what is retried, how often, with which delays, and
what each attempt carries on the wire.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from client_cases import BASE_ARN, CASES_BY_NAME, IMAGE_ARN, ROLE_ARN
from replay_server import ClientFactory, Recorded, ReplayServer, Reply, SleepRecorder

import microvm_sdk
from microvm_sdk import errors, models
from microvm_sdk._schema import SCHEMA

CREATE = CASES_BY_NAME["CreateMicrovmImage"]
CREATED = Reply.json(201, CREATE.body)
GOT = Reply.json(200, CASES_BY_NAME["GetMicrovmImage"].body)
ATTEMPT_HEADER = re.compile(r"^attempt=(\d+); max=(\d+)$")


def create(client: microvm_sdk.Client, **kwargs: Any) -> models.CreateMicrovmImageResponse:
    return client.create_microvm_image(
        name="demo-image",
        base_image_arn=BASE_ARN,
        build_role_arn=ROLE_ARN,
        code_artifact=models.CodeArtifactUri(value="s3://demo-bucket/app/code.zip"),
        **kwargs,
    )


def attempt_numbers(requests: list[Recorded]) -> list[tuple[int, int]]:
    found = []
    for request in requests:
        match = ATTEMPT_HEADER.match(request.headers["amz-sdk-request"])
        assert match, request.headers["amz-sdk-request"]
        found.append((int(match[1]), int(match[2])))
    return found


def verify_signature(request: Recorded, secrets: dict[str, str]) -> str:
    """Check the request's SigV4 signature; return the access key that made it."""
    from microvm_sdk.local._sigv4 import SigV4Verifier

    path, _, query = request.target.partition("?")
    verified = SigV4Verifier(secrets).verify(
        request.method, path, query, list(request.headers.items()), request.body
    )
    return verified.access_key


TRANSIENT = [
    pytest.param(Reply.error(500, "InternalFailure"), id="500"),
    pytest.param(
        Reply(
            502,
            b"<html><body><h1>502 Bad Gateway</h1></body></html>",
            {"Content-Type": "text/html"},
        ),
        id="502-html",
    ),
    pytest.param(Reply(503, b"", {}), id="503-empty"),
    pytest.param(Reply.error(504, "GatewayTimeout"), id="504"),
    pytest.param(Reply.error(429, "SlowDownPlease"), id="429-unmodeled"),
    pytest.param(Reply.error(429, "ThrottlingException"), id="ThrottlingException"),
    pytest.param(Reply.error(500, "InternalServerException"), id="InternalServerException"),
    pytest.param(Reply.error(409, "ConflictException"), id="ConflictException"),
]


@pytest.mark.parametrize("failure", TRANSIENT)
def test_retryable_failure_then_success_keeps_the_client_token(
    failure: Reply, client: microvm_sdk.Client, server: ReplayServer, sleeps: SleepRecorder
) -> None:
    server.script(failure, failure, CREATED)
    image = create(client)
    assert image.image_arn == IMAGE_ARN
    assert len(server.requests) == 3
    tokens = {r.json()["clientToken"] for r in server.requests}
    assert len(tokens) == 1  # one logical call, one token, on every attempt
    assert attempt_numbers(server.requests) == [(1, 3), (2, 3), (3, 3)]
    assert len({r.headers["amz-sdk-invocation-id"] for r in server.requests}) == 1
    for request in server.requests:  # each attempt is signed afresh, and validly
        assert request.headers["x-amz-date"]
        assert verify_signature(request, {"AK": "SK"}) == "AK"
    assert len(sleeps.delays) == 2


@pytest.mark.parametrize("failure", TRANSIENT)
def test_retryable_failure_surfaces_after_three_attempts(
    failure: Reply, client: microvm_sdk.Client, server: ReplayServer, sleeps: SleepRecorder
) -> None:
    server.default = failure
    with pytest.raises(errors.ServiceError) as caught:
        create(client)
    error = caught.value
    assert len(server.requests) == 3
    assert error.attempts == 3
    assert error.is_retryable is True
    assert error.http_status == failure.status
    assert any("after 3 attempts" in note for note in getattr(error, "__notes__", []))
    assert len(sleeps.delays) == 2


def test_final_error_is_the_modeled_class(client: microvm_sdk.Client, server: ReplayServer) -> None:
    server.default = Reply.error(
        429, "ThrottlingException", {"message": "Rate exceeded", "quotaCode": "L-1"}
    )
    with pytest.raises(errors.ThrottlingException) as caught:
        client.get_microvm_image(image_identifier=IMAGE_ARN)
    error = caught.value
    assert type(error) is errors.ThrottlingException
    assert error.attempts == 3
    assert error.is_retryable is True
    assert error.is_throttling is True
    assert error.quota_code == "L-1"
    assert error.__notes__ == ["GetMicrovmImage failed after 3 attempts"]


@pytest.mark.parametrize(
    ("failure", "error_class"),
    [
        (Reply.error(400, "ValidationException"), errors.ValidationException),
        (
            Reply.error(404, "ResourceNotFoundException", {"message": "no such image"}),
            errors.ResourceNotFoundException,
        ),
        (Reply.error(403, "AccessDeniedException"), errors.AccessDeniedException),
        (Reply.error(402, "ServiceQuotaExceededException"), errors.ServiceQuotaExceededException),
        (Reply.error(404, "SomethingUnmodeled"), errors.UnknownServiceError),
    ],
    ids=["400-validation", "404", "403", "402", "404-unmodeled"],
)
def test_client_errors_are_not_retried(
    failure: Reply,
    error_class: type[errors.ServiceError],
    client: microvm_sdk.Client,
    server: ReplayServer,
    sleeps: SleepRecorder,
) -> None:
    server.default = failure
    with pytest.raises(error_class) as caught:
        create(client)
    assert len(server.requests) == 1
    assert caught.value.attempts == 1
    assert caught.value.is_retryable is False
    assert not getattr(caught.value, "__notes__", [])
    assert sleeps.delays == []


def test_max_attempts_one_disables_retries(
    make_client: ClientFactory, server: ReplayServer, sleeps: SleepRecorder
) -> None:
    client = make_client(config=microvm_sdk.Config(max_attempts=1))
    server.default = Reply.error(503, "ServiceUnavailable")
    with pytest.raises(errors.ServiceError) as caught:
        create(client)
    assert len(server.requests) == 1
    assert attempt_numbers(server.requests) == [(1, 1)]
    assert caught.value.attempts == 1
    assert caught.value.is_retryable is True  # the policy's verdict, even with no retry left
    assert sleeps.delays == []


def test_max_attempts_five(make_client: ClientFactory, server: ReplayServer) -> None:
    client = make_client(config=microvm_sdk.Config(max_attempts=5))
    server.script(*[Reply.error(500, "InternalFailure")] * 4, CREATED)
    create(client)
    assert attempt_numbers(server.requests) == [(n, 5) for n in range(1, 6)]


def test_max_attempts_from_environment(
    make_client: ClientFactory, server: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    client = make_client()
    server.default = Reply.error(500, "InternalFailure")
    with pytest.raises(errors.ServiceError):
        client.get_microvm_image(image_identifier=IMAGE_ARN)
    assert attempt_numbers(server.requests) == [(1, 2), (2, 2)]


def test_retry_quota_stops_retries_after_sustained_failures(
    client: microvm_sdk.Client, server: ReplayServer
) -> None:
    """A bucket of 500 tokens, 14 per retry: 35 retries, then every call fails fast."""
    server.default = Reply.error(500, "InternalFailure")
    attempts = []
    for _ in range(30):
        with pytest.raises(errors.ServiceError) as caught:
            client.get_microvm_image(image_identifier=IMAGE_ARN)
        attempts.append(caught.value.attempts)
    # 17 calls x 2 retries = 34 retries (476 tokens); one more retry leaves 10 < 14.
    assert attempts == [3] * 17 + [2] + [1] * 12
    assert len(server.requests) == sum(attempts) == 65
    # The quota refills by one token per call that succeeds without retrying:
    # 4 successes bring it from 10 to 14, enough for exactly one more retry.
    server.default = GOT
    for _ in range(4):
        client.get_microvm_image(image_identifier=IMAGE_ARN)
    server.default = Reply.error(500, "InternalFailure")
    server.clear()
    with pytest.raises(errors.ServiceError) as caught:
        client.get_microvm_image(image_identifier=IMAGE_ARN)
    assert caught.value.attempts == 2
    assert len(server.requests) == 2


def test_retry_quota_is_per_client(make_client: ClientFactory, server: ReplayServer) -> None:
    server.default = Reply.error(500, "InternalFailure")
    exhausted = make_client()
    for _ in range(18):
        with pytest.raises(errors.ServiceError):
            exhausted.get_microvm_image(image_identifier=IMAGE_ARN)
    fresh = make_client()
    with pytest.raises(errors.ServiceError) as caught:
        fresh.get_microvm_image(image_identifier=IMAGE_ARN)
    assert caught.value.attempts == 3


def test_retry_after_header_sets_the_delay(
    client: microvm_sdk.Client, server: ReplayServer, sleeps: SleepRecorder
) -> None:
    # Throttling backoff is at most 1 s then 2 s: a longer hint wins and is waited exactly.
    server.script(
        Reply.error(429, "ThrottlingException", headers={"Retry-After": "2"}),
        Reply.error(429, "ThrottlingException", headers={"Retry-After": "3"}),
        CREATED,
    )
    create(client)
    assert sleeps.delays == [2.0, 3.0]


def test_retry_after_on_internal_server_exception(
    client: microvm_sdk.Client, server: ReplayServer, sleeps: SleepRecorder
) -> None:
    server.script(Reply.error(500, "InternalServerException", headers={"Retry-After": "1"}), GOT)
    client.get_microvm_image(image_identifier=IMAGE_ARN)
    assert sleeps.delays == [1.0]


def test_x_amz_retry_after_milliseconds(
    client: microvm_sdk.Client, server: ReplayServer, sleeps: SleepRecorder
) -> None:
    server.script(
        Reply.error(503, "ServiceUnavailable", headers={"x-amz-retry-after": "1500"}), GOT
    )
    client.get_microvm_image(image_identifier=IMAGE_ARN)
    assert sleeps.delays == [1.5]


def test_huge_retry_after_is_capped(
    client: microvm_sdk.Client, server: ReplayServer, sleeps: SleepRecorder
) -> None:
    server.script(Reply.error(429, "ThrottlingException", headers={"Retry-After": "3600"}), GOT)
    client.get_microvm_image(image_identifier=IMAGE_ARN)
    (delay,) = sleeps.delays
    assert 5.0 <= delay <= 6.0  # jittered backoff (<= 1 s) plus at most 5 s


def test_backoff_without_hint_is_short_and_bounded(
    make_client: ClientFactory, server: ReplayServer, sleeps: SleepRecorder
) -> None:
    client = make_client(config=microvm_sdk.Config(max_attempts=4))
    server.default = Reply.error(500, "InternalFailure")
    with pytest.raises(errors.ServiceError):
        client.get_microvm_image(image_identifier=IMAGE_ARN)
    assert len(sleeps.delays) == 3
    for attempt, delay in enumerate(sleeps.delays, start=1):
        assert 0 <= delay <= 0.05 * 2 ** (attempt - 1)


def test_connection_drop_is_retried(
    client: microvm_sdk.Client, server: ReplayServer, sleeps: SleepRecorder
) -> None:
    server.script(Reply.drop(), Reply.drop(), CREATED)
    image = create(client)
    assert image.image_arn == IMAGE_ARN
    assert len(server.requests) == 3
    assert len({r.json()["clientToken"] for r in server.requests}) == 1
    assert [n for n, _ in attempt_numbers(server.requests)] == [1, 2, 3]
    assert len(sleeps.delays) == 2


def test_connection_drop_surfaces_as_connection_error(
    client: microvm_sdk.Client, server: ReplayServer
) -> None:
    server.default = Reply.drop()
    with pytest.raises(errors.ConnectionError) as caught:
        client.get_microvm_image(image_identifier=IMAGE_ARN)
    assert isinstance(caught.value, errors.TransportError)
    assert isinstance(caught.value, errors.MicrovmError)
    assert len(server.requests) == 3
    assert any("after 3 attempts" in note for note in caught.value.__notes__)


def test_connection_refused_is_a_connection_error(make_client: ClientFactory) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make_client(endpoint_url=f"http://127.0.0.1:{port}")
    with pytest.raises(errors.ConnectionError):
        client.get_microvm_image(image_identifier=IMAGE_ARN)


def test_read_timeout(make_client: ClientFactory, server: ReplayServer) -> None:
    client = make_client(config=microvm_sdk.Config(read_timeout=0.2))
    server.default = Reply.stall()
    started = time.monotonic()
    with pytest.raises(errors.ReadTimeoutError) as caught:
        client.get_microvm_image(image_identifier=IMAGE_ARN)
    elapsed = time.monotonic() - started
    assert isinstance(caught.value, errors.TransportError)
    assert len(server.requests) == 3
    assert 0.5 <= elapsed < 10.0  # three 0.2 s timeouts; generous for a loaded machine
    assert any("after 3 attempts" in note for note in caught.value.__notes__)


def test_read_timeout_then_success(make_client: ClientFactory, server: ReplayServer) -> None:
    client = make_client(config=microvm_sdk.Config(read_timeout=0.2))
    server.script(Reply.stall(), CREATED)
    image = create(client)
    assert image.image_arn == IMAGE_ARN
    first, second = server.requests
    assert first.json()["clientToken"] == second.json()["clientToken"]
    assert second.connection != first.connection  # the timed-out connection is not reused


def test_own_client_token_is_sent_on_every_attempt(
    client: microvm_sdk.Client, server: ReplayServer
) -> None:
    server.script(Reply.error(500, "InternalFailure"), CREATED)
    create(client, client_token="deploy-42-image")
    assert [r.json()["clientToken"] for r in server.requests] == ["deploy-42-image"] * 2


def test_every_modeled_retryable_error_is_known() -> None:
    retryable = {
        shape.error.code
        for shape in SCHEMA.shapes.values()
        if shape.error is not None and shape.error.retryable
    }
    assert retryable == {"ThrottlingException", "InternalServerException", "ConflictException"}


# Adaptive mode: the standard retries plus a client-side rate limiter --------------------


class FakeClock:
    """The rate limiter's clock: moves only when the client sleeps."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.delays: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.now += seconds


def on_fake_clock(client: Any) -> FakeClock:
    """Give the client's rate limiter (if any) a fake clock that its sleeps move."""
    from flavours import without_sleeps

    from microvm_sdk._core.rate_limiter import ClientRateLimiter

    clock = FakeClock()
    runtime = client._runtime
    runtime._prepare()
    if hasattr(runtime._retry, "rate_limiter"):
        runtime._retry.rate_limiter = ClientRateLimiter(clock=clock)
    without_sleeps(client, clock.sleep)
    return clock


THROTTLED = Reply.error(429, "ThrottlingException")


@pytest.mark.parametrize("mode", ["standard", "adaptive"])
def test_after_a_throttle_adaptive_mode_spaces_out_attempts(
    make_client: ClientFactory, server: ReplayServer, mode: str
) -> None:
    client = make_client(config=microvm_sdk.Config(retry_mode=mode))  # type: ignore[arg-type]
    clock = on_fake_clock(client)
    server.script(THROTTLED, GOT, GOT, GOT)
    for _ in range(3):
        client.get_microvm_image(image_identifier=IMAGE_ARN)
    assert len(server.requests) == 4
    backoff = clock.delays[0]
    assert 0 <= backoff <= 1.0  # the standard throttling backoff, in both modes
    if mode == "standard":
        assert clock.delays == [backoff]
        return
    # The throttle turned the limiter on at its lowest rate, 0.5 sends a second: the
    # retry waits until 2 s after the throttle, and each later call waits its turn.
    assert clock.delays[0] + clock.delays[1] == pytest.approx(2.0)
    # (a wait may come in two parts: a refill can fall a rounding error short of a token)
    assert len(clock.delays) >= 4
    assert all(delay > 0 for delay in clock.delays[2:])


def test_adaptive_mode_without_throttling_never_waits(
    make_client: ClientFactory, server: ReplayServer
) -> None:
    client = make_client(config=microvm_sdk.Config(retry_mode="adaptive"))
    clock = on_fake_clock(client)
    server.script(Reply.error(500, "InternalFailure"), GOT, *[GOT] * 20)
    for _ in range(21):
        client.get_microvm_image(image_identifier=IMAGE_ARN)
    assert len(clock.delays) == 1  # the one backoff after the 500; no rate limiting


@pytest.mark.parametrize("source", ["config", "environment", "profile", "botocore-config"])
def test_retry_mode_comes_from_every_source(
    make_client: ClientFactory,
    server: ReplayServer,
    monkeypatch: pytest.MonkeyPatch,
    aws_env: Any,
    source: str,
) -> None:
    from microvm_sdk._core.retries import AdaptiveRetryStrategy

    kwargs: dict[str, Any] = {}
    if source == "config":
        kwargs["config"] = microvm_sdk.Config(retry_mode="adaptive")
    elif source == "environment":
        monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    elif source == "profile":
        (aws_env / "aws-config").write_text("[default]\nretry_mode = adaptive\n")
    else:
        from botocore.config import Config as BotocoreConfig  # type: ignore[import-untyped]

        kwargs["config"] = BotocoreConfig(retries={"mode": "adaptive", "max_attempts": 3})
    client = make_client(**kwargs)
    clock = on_fake_clock(client)
    assert isinstance(client._runtime._retry, AdaptiveRetryStrategy)
    server.script(THROTTLED, GOT)
    client.get_microvm_image(image_identifier=IMAGE_ARN)
    assert sum(clock.delays) == pytest.approx(2.0)
    expected_max = 4 if source == "botocore-config" else 3  # retries=3 means 4 attempts
    assert attempt_numbers(server.requests) == [(1, expected_max), (2, expected_max)]


def test_legacy_retry_mode_is_refused_by_the_client(
    new_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_RETRY_MODE", "legacy")
    with pytest.raises(
        errors.ConfigurationError, match=r"retry_mode 'legacy' \(from AWS_RETRY_MODE\)"
    ):
        new_client(region_name="us-east-1")
