"""The retry strategies: classification, backoff, retry-after, quota, attempts, and the
adaptive mode's use of the rate limiter."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable

import pytest

from microvm_sdk._core.errors import (
    ConnectionError,
    ConnectTimeoutError,
    DeserializationError,
    MicrovmError,
    ParamValidationError,
    ReadTimeoutError,
    ServiceError,
    TransportError,
    UnknownServiceError,
)
from microvm_sdk._core.rate_limiter import ClientRateLimiter
from microvm_sdk._core.retries import (
    AdaptiveRetryStrategy,
    RetryQuota,
    StandardRetryStrategy,
    classify_error,
    strategy_for,
)

# --- stand-ins for generated error classes -------------------------------------------


class ThrottlingException(ServiceError):
    CODE = "ThrottlingException"
    MODELED_RETRYABLE = True
    MODELED_THROTTLING = True


class InternalServerException(ServiceError):
    CODE = "InternalServerException"
    MODELED_RETRYABLE = True


class ConflictException(ServiceError):
    CODE = "ConflictException"
    MODELED_RETRYABLE = True


class ValidationException(ServiceError):
    CODE = "ValidationException"


class ResourceNotFoundException(ServiceError):
    CODE = "ResourceNotFoundException"


class ModeledTooMany(ServiceError):
    """A modeled 429 that the model does not mark retryable, under a custom code."""

    CODE = "QuotaBusy"


class TooManyRequestsException(ServiceError):
    CODE = "TooManyRequestsException"


def constant(value: float) -> Callable[[], float]:
    return lambda: value


def fixed(value: float) -> StandardRetryStrategy:
    return StandardRetryStrategy(random=lambda: value)


# --- classification ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "retryable", "throttling"),
    [
        (ThrottlingException("slow", http_status=429), True, True),
        (TooManyRequestsException("slow", http_status=429), True, True),
        (UnknownServiceError("x", code="SlowDown", http_status=503), True, True),
        (UnknownServiceError("x", code="Throttling", http_status=400), True, True),
        (UnknownServiceError("", code="Weird", http_status=429), True, True),
        (InternalServerException("boom", http_status=500), True, False),
        (ConflictException("busy", http_status=409), True, False),
        (UnknownServiceError("", code="BadGateway", http_status=502), True, False),
        (UnknownServiceError("", code="Unavailable", http_status=503), True, False),
        (UnknownServiceError("", code="GatewayTimeout", http_status=504), True, False),
        (UnknownServiceError("", code="RequestTimeout", http_status=400), True, False),
        (ServiceError("", code="PriorRequestNotComplete", http_status=400), True, True),
        (ConnectionError("reset"), True, False),
        (ConnectTimeoutError("slow connect"), True, False),
        (ReadTimeoutError("slow read"), True, False),
        (TransportError("other transport failure"), True, False),
        (ValidationException("bad", http_status=400), False, False),
        (ResourceNotFoundException("gone", http_status=404), False, False),
        (UnknownServiceError("", code="PaymentRequired", http_status=402), False, False),
        (UnknownServiceError("", code="InternalFailure", http_status=501), False, False),
        (ModeledTooMany("", http_status=429), False, False),
        (DeserializationError("bad body"), False, False),
        (ParamValidationError(["x: bad"]), False, False),
        (ValueError("not ours"), False, False),
    ],
)
def test_classification(error: BaseException, retryable: bool, throttling: bool) -> None:
    assert (retryable, throttling) == classify_error(error)


def test_next_delay_sets_error_fields() -> None:
    attempts = fixed(0.5).begin()
    error = ConflictException("busy", http_status=409, is_throttling=True)
    assert attempts.next_delay(error) is not None
    assert (error.attempts, error.is_retryable, error.is_throttling) == (1, True, False)
    error2 = UnknownServiceError("", code="Slow", http_status=429)
    assert attempts.next_delay(error2) is not None
    assert (error2.attempts, error2.is_retryable, error2.is_throttling) == (2, True, True)


def test_non_retryable_error_gives_up_at_once_and_costs_nothing() -> None:
    strategy = fixed(0.5)
    attempts = strategy.begin()
    error = ValidationException("bad", http_status=400, is_retryable=True)
    assert attempts.next_delay(error) is None
    assert (error.attempts, error.is_retryable) == (1, False)
    assert strategy.quota.available == 500


def test_non_service_errors_are_not_touched_but_classified() -> None:
    attempts = fixed(0.5).begin()
    assert attempts.next_delay(ReadTimeoutError("slow")) is not None
    assert attempts.next_delay(DeserializationError("bad")) is None


# --- backoff -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attempt", "throttling", "ceiling"),
    [
        (1, False, 0.05),
        (2, False, 0.1),
        (3, False, 0.2),
        (1, True, 1.0),
        (2, True, 2.0),
        (5, True, 16.0),
        (6, True, 20.0),
        (200, True, 20.0),
        (10_000, False, 20.0),
    ],
)
def test_backoff_is_full_jitter_under_a_truncated_exponential(
    attempt: int, throttling: bool, ceiling: float
) -> None:
    top = StandardRetryStrategy(random=lambda: 1.0)
    bottom = StandardRetryStrategy(random=lambda: 0.0)
    middle = StandardRetryStrategy(random=lambda: 0.25)
    assert top.backoff(attempt, throttling=throttling) == pytest.approx(ceiling)
    assert bottom.backoff(attempt, throttling=throttling) == 0.0
    assert middle.backoff(attempt, throttling=throttling) == pytest.approx(ceiling / 4)


def test_backoff_matches_botocore_standard_mode() -> None:
    standard = importlib.import_module("botocore.retries.standard")

    class Context:
        def __init__(self, attempt: int, code: str) -> None:
            self.attempt_number = attempt
            self.http_response = None
            self.code = code

    class Detector:
        def is_throttling_error_from_context(self, context: Context) -> bool:
            return context.code == "ThrottlingException"

    for value in (0.0, 0.3, 0.999):
        theirs = standard.ExponentialBackoff(
            random=constant(value),
            throttling_detector=Detector(),
        )
        ours = StandardRetryStrategy(random=constant(value))
        for attempt in range(1, 12):
            for code, throttling in (("ThrottlingException", True), ("Other", False)):
                expected = theirs.delay_amount(Context(attempt, code))
                assert ours.backoff(attempt, throttling=throttling) == pytest.approx(expected)


def test_delays_grow_per_attempt_of_one_call() -> None:
    strategy = StandardRetryStrategy(5, random=lambda: 1.0)
    attempts = strategy.begin()
    delays = [attempts.next_delay(ThrottlingException(http_status=429)) for _ in range(5)]
    assert delays == [1.0, 2.0, 4.0, 8.0, None]


def test_custom_backoff_settings() -> None:
    strategy = StandardRetryStrategy(
        10, max_backoff=3.0, base=0.5, throttling_base=2.0, random=lambda: 1.0
    )
    assert strategy.backoff(1, throttling=False) == 0.5
    assert strategy.backoff(2, throttling=True) == 3.0


# --- retry-after ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("jitter", "retry_after", "expected"),
    [
        (0.5, 3.0, 3.0),  # longer than the backoff: honoured
        (0.5, 0.1, 0.5),  # shorter than the backoff: the backoff stands
        (0.5, 60.0, 5.5),  # far longer: capped at backoff + 5 s
        (0.0, 60.0, 5.0),
        (0.5, -1.0, 0.5),  # a negative hint is ignored
        (0.5, None, 0.5),
    ],
)
def test_retry_after_raises_the_delay_by_at_most_five_seconds(
    jitter: float, retry_after: float | None, expected: float
) -> None:
    attempts = fixed(jitter).begin()
    error = ThrottlingException("slow", http_status=429, retry_after=retry_after)
    assert attempts.next_delay(error) == pytest.approx(expected)


def test_retry_after_extra_is_configurable() -> None:
    strategy = StandardRetryStrategy(random=lambda: 0.0, max_retry_after_extra=30.0)
    error = InternalServerException(http_status=500, retry_after=25.0)
    assert strategy.begin().next_delay(error) == 25.0


# --- attempts ------------------------------------------------------------------------


def test_default_is_three_attempts() -> None:
    attempts = fixed(0.5).begin()
    error = InternalServerException(http_status=500)
    assert attempts.next_delay(error) is not None
    assert attempts.next_delay(error) is not None
    assert attempts.next_delay(error) is None
    assert error.attempts == 3
    assert error.is_retryable is True


def test_max_attempts_one_never_retries() -> None:
    strategy = StandardRetryStrategy(1, random=lambda: 0.5)
    for error in (
        ThrottlingException(http_status=429),
        InternalServerException(http_status=500),
        ConnectionError("reset"),
    ):
        assert strategy.begin().next_delay(error) is None
    assert strategy.quota.available == 500


def test_max_attempts_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        StandardRetryStrategy(0)
    with pytest.raises(ValueError, match="negative"):
        StandardRetryStrategy(max_backoff=-1)


def test_each_call_counts_its_own_attempts() -> None:
    strategy = fixed(0.5)
    first, second = strategy.begin(), strategy.begin()
    error = InternalServerException(http_status=500)
    assert first.next_delay(error) is not None
    assert first.next_delay(error) is not None
    assert second.next_delay(error) is not None
    assert first.next_delay(error) is None


# --- quota ---------------------------------------------------------------------------


def test_retries_take_tokens_by_kind() -> None:
    strategy = StandardRetryStrategy(10, random=lambda: 0.0)
    attempts = strategy.begin()
    attempts.next_delay(InternalServerException(http_status=500))
    assert strategy.quota.available == 500 - 14
    attempts.next_delay(ThrottlingException(http_status=429))
    assert strategy.quota.available == 500 - 14 - 5
    attempts.next_delay(ConnectTimeoutError("slow"))
    assert strategy.quota.available == 500 - 14 - 5 - 14


def test_empty_quota_stops_retries() -> None:
    quota = RetryQuota(20)
    strategy = StandardRetryStrategy(10, random=lambda: 0.0, quota=quota)
    error = InternalServerException(http_status=500)
    assert strategy.begin().next_delay(error) == 0.0  # 20 -> 6
    assert quota.available == 6
    attempts = strategy.begin()
    assert attempts.next_delay(error) is None  # 14 > 6: no retry
    assert error.is_retryable is True  # the verdict on the error is unchanged
    assert quota.available == 6
    # a throttling retry is cheaper and still fits
    assert strategy.begin().next_delay(ThrottlingException(http_status=429)) == 0.0
    assert quota.available == 1


def test_success_refunds_the_last_retry_cost_or_one_token() -> None:
    quota = RetryQuota()
    strategy = StandardRetryStrategy(10, random=lambda: 0.0, quota=quota)
    attempts = strategy.begin()
    attempts.next_delay(InternalServerException(http_status=500))
    attempts.next_delay(ThrottlingException(http_status=429))
    assert quota.available == 481
    attempts.succeeded()  # gives back the last acquisition (5)
    assert quota.available == 486
    strategy.begin().succeeded()  # no retry: gives back 1
    assert quota.available == 487


def test_refund_never_overfills() -> None:
    quota = RetryQuota(10)
    quota.release(5)
    assert quota.available == 10
    assert quota.capacity == 10
    assert not quota.acquire(11)
    assert quota.acquire(10)
    assert quota.available == 0
    with pytest.raises(ValueError):
        RetryQuota(-1)


def test_quota_is_shared_between_strategies_and_threads() -> None:
    quota = RetryQuota(1000)
    strategies = [StandardRetryStrategy(2, random=lambda: 0.0, quota=quota) for _ in range(2)]
    barrier = threading.Barrier(8)
    granted: list[float | None] = []

    def hammer(strategy: StandardRetryStrategy) -> None:
        barrier.wait()
        for _ in range(25):
            granted.append(strategy.begin().next_delay(InternalServerException(http_status=500)))

    threads = [threading.Thread(target=hammer, args=(strategies[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 200 retryable failures, but 1000 tokens pay for only 71 retries of 14 tokens.
    assert len(granted) == 200
    assert sum(delay is not None for delay in granted) == 71
    assert quota.available == 1000 - 71 * 14


def test_strategy_satisfies_the_protocol() -> None:
    from microvm_sdk._core.retries import RetryAttempts, RetryStrategy

    strategy: RetryStrategy = StandardRetryStrategy()
    attempts: RetryAttempts = strategy.begin()
    error: MicrovmError = ConnectionError("reset")
    assert isinstance(attempts.next_delay(error), float)


# --- adaptive mode: the standard rules plus the shared rate limiter ----------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def adaptive(max_attempts: int = 3) -> tuple[AdaptiveRetryStrategy, Clock]:
    clock = Clock()
    strategy = AdaptiveRetryStrategy(
        max_attempts, rate_limiter=ClientRateLimiter(clock=clock), random=lambda: 0.5
    )
    return strategy, clock


def test_strategy_for_each_mode() -> None:
    assert type(strategy_for("standard", 4)) is StandardRetryStrategy
    chosen = strategy_for("adaptive", 4)
    assert isinstance(chosen, AdaptiveRetryStrategy)
    assert chosen.max_attempts == 4
    with pytest.raises(ValueError, match="legacy"):
        strategy_for("legacy", 3)


def test_standard_mode_never_holds_an_attempt_back() -> None:
    attempts = StandardRetryStrategy().begin()
    for _ in range(3):
        assert attempts.send_delay() == 0.0
        attempts.next_delay(ThrottlingException("slow down"))


def test_adaptive_retries_by_the_standard_rules() -> None:
    strategy, _ = adaptive()
    standard = StandardRetryStrategy(random=lambda: 0.5)
    for error in (
        ThrottlingException("slow down"),
        InternalServerException("oops"),
        ValidationException("no"),
        ConnectionError("reset", url="https://x"),
    ):
        ours, theirs = strategy.begin(), standard.begin()
        assert [ours.next_delay(error) for _ in range(3)] == [
            theirs.next_delay(error) for _ in range(3)
        ]
    assert strategy.quota.available == standard.quota.available


def test_adaptive_records_every_answer_and_limits_after_a_throttle() -> None:
    strategy, clock = adaptive()
    limiter = strategy.rate_limiter
    call = strategy.begin()
    assert call.send_delay() == 0.0  # off before any throttle
    call.next_delay(InternalServerException("oops"))  # an answer, not a throttle
    assert not limiter.enabled
    call.next_delay(ThrottlingException("slow down"))
    assert limiter.enabled
    # Fresh limiter, nothing measured yet: the lowest rate, 0.5 tokens a second.
    assert limiter.fill_rate == 0.5
    assert call.send_delay() == pytest.approx(2.0)
    clock.now += 2.0
    assert call.send_delay() == 0.0  # the token is taken
    assert call.send_delay() == pytest.approx(2.0)  # the next one is 2 s away
    rate = limiter.fill_rate
    clock.now += 5.0
    call.succeeded()  # a success moves the rate along the cubic curve
    assert limiter.fill_rate != rate


def test_adaptive_limiter_is_shared_by_every_call_of_a_client() -> None:
    strategy, _ = adaptive()
    strategy.begin().next_delay(ThrottlingException("slow down"))
    other_call = strategy.begin()
    assert other_call.send_delay() == pytest.approx(2.0)


def test_transport_errors_are_answers_but_not_throttles() -> None:
    strategy, _ = adaptive()
    call = strategy.begin()
    call.next_delay(ReadTimeoutError("timed out", url="https://x"))
    assert not strategy.rate_limiter.enabled
    assert strategy.rate_limiter.measured_rate == 0.0  # counted within the first bucket
