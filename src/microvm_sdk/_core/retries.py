"""The AWS retry modes: "standard", and "adaptive" (standard plus a client-side rate limiter).

This follows botocore's ``standard`` mode (the default of the botocore release that ships
this service) rule for rule:

* **What is retried.** A :class:`~microvm_sdk._core.errors.ServiceError` whose code is a
  known throttling code or transient code, whose HTTP status is 500/502/503/504, whose
  status is 429 and whose code the model does not name, or whose class the model marks
  retryable; and every :class:`~microvm_sdk._core.errors.TransportError` (connection
  failures and timeouts). Nothing else (validation, deserialization, 4xx) is retried.
* **How long to wait.** Truncated binary exponential backoff with full jitter::

      delay = random() * min(scale * 2 ** (attempt - 1), max_backoff)

  where ``attempt`` is the 1-based number of the attempt that just failed and ``scale`` is
  1 s for throttling errors and 50 ms for every other retryable error. When the service
  said how long to wait (``error.retry_after``), the delay is raised to that value but by
  at most 5 s: ``max(delay, min(retry_after, delay + 5))``. A hint cannot shorten the
  backoff, and a very large (or hostile) hint cannot stall the caller.
* **When to stop.** After ``max_attempts`` attempts in all (3 by default; 1 never
  retries), or when the shared :class:`RetryQuota` is empty. The quota is a token bucket
  of 500: a retry takes 5 tokens after a throttling error and 14 after any other error;
  a call that succeeds gives back what its last retry took, or 1 token if it needed no
  retry. A client whose endpoint keeps failing thus stops retrying after about 35
  retries, instead of multiplying its load on a struggling service.

The ``adaptive`` mode (:class:`AdaptiveRetryStrategy`) retries by the same rules and
adds botocore's client-side rate limiter
(:class:`~microvm_sdk._core.rate_limiter.ClientRateLimiter`): once the service has
throttled the client, every attempt, first ones included, waits for a send token, and the
rate tokens come at follows the answers (cut on each throttle, grown back along a cubic
curve after it). The wait is not a sleep here: :meth:`RetryAttempts.send_delay` says how
long, and the call pipeline yields it as a step for its driver to sleep.

A strategy is shared by every call of a client and is thread-safe; :meth:`begin` hands
out a per-call :class:`StandardRetryAttempts`, which is not.
"""

from __future__ import annotations

import random as _random
import threading
from collections.abc import Callable
from typing import Any, Final, Protocol

from microvm_sdk._core.errors import MicrovmError, ServiceError, TransportError
from microvm_sdk._core.rate_limiter import ClientRateLimiter

__all__ = [
    "THROTTLING_ERROR_CODES",
    "TRANSIENT_ERROR_CODES",
    "TRANSIENT_STATUS_CODES",
    "AdaptiveRetryAttempts",
    "AdaptiveRetryStrategy",
    "RetryAttempts",
    "RetryQuota",
    "RetryStrategy",
    "StandardRetryAttempts",
    "StandardRetryStrategy",
    "classify_error",
    "strategy_for",
]

#: Error codes that mean "slow down", whatever the service (botocore's list).
THROTTLING_ERROR_CODES: Final[frozenset[str]] = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
#: Error codes of transient failures (botocore's list).
TRANSIENT_ERROR_CODES: Final[frozenset[str]] = frozenset(
    {"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"}
)
#: HTTP statuses of transient failures, retried whatever the error code.
TRANSIENT_STATUS_CODES: Final[frozenset[int]] = frozenset({500, 502, 503, 504})
#: The status that means throttling when the model does not name the error.
_THROTTLING_STATUS: Final = 429


def classify_error(error: BaseException) -> tuple[bool, bool]:
    """Say whether the standard retry policy retries ``error``, and whether it is throttling.

    Args:
        error: An exception raised by one attempt of a call.

    Returns:
        ``(is_retryable, is_throttling)``. Throttling errors are always retryable.
    """
    if isinstance(error, TransportError):
        return True, False
    if not isinstance(error, ServiceError):
        return False, False
    # A generated error class names its code; the base class and UnknownServiceError
    # do not, which is how "the model does not name this error" is recognised.
    modeled = bool(type(error).CODE)
    throttling = error.code in THROTTLING_ERROR_CODES
    if not throttling and modeled and type(error).MODELED_RETRYABLE:
        throttling = type(error).MODELED_THROTTLING
    if not throttling and not modeled and error.http_status == _THROTTLING_STATUS:
        throttling = True
    retryable = (
        throttling
        or error.code in TRANSIENT_ERROR_CODES
        or error.http_status in TRANSIENT_STATUS_CODES
        or (modeled and type(error).MODELED_RETRYABLE)
    )
    return retryable, throttling


class RetryQuota:
    """A thread-safe token bucket that limits retries across all calls of a client.

    Args:
        capacity: Tokens in a full bucket.
    """

    #: Tokens in a full bucket (botocore's figure).
    DEFAULT_CAPACITY: Final = 500

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 0:
            raise ValueError(f"capacity must be >= 0, got {capacity}")
        self._capacity = capacity
        self._available = capacity
        self._lock = threading.Lock()

    @property
    def capacity(self) -> int:
        """Tokens in a full bucket."""
        return self._capacity

    @property
    def available(self) -> int:
        """Tokens left now."""
        return self._available

    def acquire(self, amount: int) -> bool:
        """Take ``amount`` tokens if that many are left.

        Args:
            amount: Tokens to take.

        Returns:
            Whether the tokens were taken; nothing is taken when too few are left.
        """
        with self._lock:
            if amount > self._available:
                return False
            self._available -= amount
            return True

    def release(self, amount: int) -> None:
        """Give back up to ``amount`` tokens, never filling the bucket past its capacity.

        Args:
            amount: Tokens to give back.
        """
        if amount >= 0 and self._available >= self._capacity:
            # Full (the usual state): nothing to give back, and no lock to take. Read
            # without the lock, but as if the release happened at that read.
            return
        with self._lock:
            self._available = min(self._capacity, self._available + amount)


class RetryAttempts(Protocol):
    """The retry state of one call, handed out by :meth:`RetryStrategy.begin`.

    The pipeline calls :meth:`send_delay` before every attempt (and again after
    sleeping what it said, until it says ``0``), :meth:`next_delay` after every failed
    attempt and :meth:`succeeded` once the call has succeeded. An instance MUST NOT be
    shared between calls or threads.
    """

    def send_delay(self) -> float:
        """Return the seconds to wait before sending the next attempt (``0.0``: send now)."""
        ...

    def next_delay(self, error: MicrovmError) -> float | None:
        """Return the seconds to sleep before the next attempt, or ``None`` to give up."""
        ...

    def succeeded(self) -> None:
        """Record that the call succeeded."""
        ...


class RetryStrategy(Protocol):
    """Decides, for every call of a client, whether and when to retry.

    Implementations MUST be safe to share between threads.
    """

    def begin(self) -> RetryAttempts:
        """Start the retry state of a new call."""
        ...


class StandardRetryStrategy:
    """The AWS standard retry mode (see the module documentation for the rules).

    Args:
        max_attempts: Attempts per call, the first one included; 1 never retries.
        max_backoff: Upper bound in seconds of the jittered backoff.
        base: Backoff scale in seconds for retryable errors that are not throttling.
        throttling_base: Backoff scale in seconds for throttling errors.
        random: Returns a float in ``[0, 1)``; inject a fixed one in tests.
        quota: The retry quota; a new one per strategy when omitted. Share one between
            strategies to make them back off together.
        retry_cost: Quota tokens a retry takes after a non-throttling error.
        throttling_retry_cost: Quota tokens a retry takes after a throttling error.
        no_retry_increment: Quota tokens a call that needed no retry gives back.
        max_retry_after_extra: How many seconds a ``retry_after`` hint may add to the
            jittered backoff.
    """

    def __init__(
        self,
        max_attempts: int = 3,
        *,
        max_backoff: float = 20.0,
        base: float = 0.05,
        throttling_base: float = 1.0,
        random: Callable[[], float] = _random.random,
        quota: RetryQuota | None = None,
        retry_cost: int = 14,
        throttling_retry_cost: int = 5,
        no_retry_increment: int = 1,
        max_retry_after_extra: float = 5.0,
    ) -> None:
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {max_attempts}")
        if max_backoff < 0 or base < 0 or throttling_base < 0 or max_retry_after_extra < 0:
            raise ValueError("backoff settings must not be negative")
        self.max_attempts = max_attempts
        self.max_backoff = max_backoff
        self.base = base
        self.throttling_base = throttling_base
        self.quota = RetryQuota() if quota is None else quota
        self.retry_cost = retry_cost
        self.throttling_retry_cost = throttling_retry_cost
        self.no_retry_increment = no_retry_increment
        self.max_retry_after_extra = max_retry_after_extra
        self._random = random

    def begin(self) -> StandardRetryAttempts:
        """Start the retry state of a new call."""
        return StandardRetryAttempts(self)

    def backoff(self, attempt: int, *, throttling: bool) -> float:
        """Return the jittered backoff after the failed attempt number ``attempt`` (1-based).

        Args:
            attempt: The number of the attempt that failed, starting at 1.
            throttling: Whether it failed with a throttling error.
        """
        scale = self.throttling_base if throttling else self.base
        # Cap the exponent: 2**64 seconds is past any max_backoff and avoids overflow.
        ceiling = min(scale * 2.0 ** min(attempt - 1, 64), self.max_backoff)
        return self._random() * ceiling

    def delay_for(self, attempt: int, *, throttling: bool, retry_after: float | None) -> float:
        """Return the delay before the next attempt, honouring a ``retry_after`` hint.

        Args:
            attempt: The number of the attempt that failed, starting at 1.
            throttling: Whether it failed with a throttling error.
            retry_after: Seconds the service asked to wait, if it said.
        """
        delay = self.backoff(attempt, throttling=throttling)
        if retry_after is not None and retry_after >= 0:
            delay = max(delay, min(retry_after, delay + self.max_retry_after_extra))
        return delay


class StandardRetryAttempts:
    """The retry state of one call under a :class:`StandardRetryStrategy`.

    Attributes:
        attempts: Attempts made so far (each :meth:`next_delay` call records one failed
            attempt).
    """

    def __init__(self, strategy: StandardRetryStrategy) -> None:
        self._strategy = strategy
        self.attempts = 0
        self._last_cost: int | None = None

    def send_delay(self) -> float:
        """Standard mode never holds an attempt back: ``0.0``."""
        return 0.0

    def next_delay(self, error: MicrovmError) -> float | None:
        """Classify the error of the attempt that just failed and decide what comes next.

        On a :class:`~microvm_sdk._core.errors.ServiceError` this sets ``attempts``,
        ``is_retryable`` and ``is_throttling``; ``is_retryable`` states the policy's
        verdict on the error, even when no retry follows because attempts or quota ran
        out.

        Args:
            error: The error the attempt ended with.

        Returns:
            Seconds to sleep before the next attempt, or ``None`` when the error is not
            retryable, the attempts are used up, or the retry quota is empty.
        """
        strategy = self._strategy
        self.attempts += 1
        retryable, throttling = classify_error(error)
        retry_after: float | None = None
        if isinstance(error, ServiceError):
            error.attempts = self.attempts
            error.is_retryable = retryable
            error.is_throttling = throttling
            retry_after = error.retry_after
        if not retryable or self.attempts >= strategy.max_attempts:
            return None
        cost = strategy.throttling_retry_cost if throttling else strategy.retry_cost
        if not strategy.quota.acquire(cost):
            return None
        self._last_cost = cost
        return strategy.delay_for(self.attempts, throttling=throttling, retry_after=retry_after)

    def succeeded(self) -> None:
        """Record that the call succeeded and refund the retry quota."""
        strategy = self._strategy
        if self._last_cost is None:
            strategy.quota.release(strategy.no_retry_increment)
        else:
            strategy.quota.release(self._last_cost)


class AdaptiveRetryStrategy(StandardRetryStrategy):
    """The AWS adaptive retry mode: standard retries plus a client-side rate limiter.

    Args:
        max_attempts: Attempts per call, the first one included; 1 never retries.
        rate_limiter: The limiter every call of the client shares; a new one when omitted.
        **options: The other options of :class:`StandardRetryStrategy`.
    """

    def __init__(
        self,
        max_attempts: int = 3,
        *,
        rate_limiter: ClientRateLimiter | None = None,
        **options: Any,
    ) -> None:
        super().__init__(max_attempts, **options)
        self.rate_limiter = ClientRateLimiter() if rate_limiter is None else rate_limiter

    def begin(self) -> AdaptiveRetryAttempts:
        """Start the retry state of a new call."""
        return AdaptiveRetryAttempts(self)


class AdaptiveRetryAttempts(StandardRetryAttempts):
    """The retry state of one call under an :class:`AdaptiveRetryStrategy`.

    Retries as :class:`StandardRetryAttempts` does; every answer (and every transport
    failure) also adjusts the shared rate limiter, and every attempt asks it for a token.
    """

    def __init__(self, strategy: AdaptiveRetryStrategy) -> None:
        super().__init__(strategy)
        self._limiter = strategy.rate_limiter

    def send_delay(self) -> float:
        """Take a send token, or return the seconds to wait before asking again."""
        return self._limiter.acquire()

    def next_delay(self, error: MicrovmError) -> float | None:
        """Record the failed attempt with the rate limiter, then decide as standard mode."""
        self._limiter.record(throttled=classify_error(error)[1])
        return super().next_delay(error)

    def succeeded(self) -> None:
        """Record the success with the rate limiter and refund the retry quota."""
        self._limiter.record(throttled=False)
        super().succeeded()


def strategy_for(mode: str, max_attempts: int) -> StandardRetryStrategy:
    """Return a new retry strategy for ``mode`` (``"standard"`` or ``"adaptive"``).

    Raises:
        ValueError: ``mode`` is not a retry mode.
    """
    if mode == "standard":
        return StandardRetryStrategy(max_attempts)
    if mode == "adaptive":
        return AdaptiveRetryStrategy(max_attempts)
    raise ValueError(f"unknown retry mode {mode!r}")
