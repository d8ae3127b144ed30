"""The client-side rate limiter of the "adaptive" retry mode, as botocore implements it.

Three parts, each the same arithmetic as botocore's class of the same name (its
``retries.bucket``, ``retries.throttling`` and ``retries.adaptive`` modules), held by one
:class:`ClientRateLimiter` per client:

* :class:`TokenBucket`: every attempt takes one token before it is sent. Tokens refill at
  the *fill rate* (never below 0.5 per second) up to a capacity of ``max(1, fill rate)``;
  the bucket starts empty. A send that finds less than one token must wait
  ``(1 - tokens) / fill rate`` seconds.
* :class:`RateClocker`: the rate at which answers arrive, counted in half-second
  buckets and smoothed (``0.8 * this bucket's rate + 0.2 * the previous estimate``).
* :class:`CubicCalculator`: the send rate to aim for, after TCP CUBIC. On a throttling
  answer the rate drops to ``0.7 *`` the rate it happened at (``w_max``); after it, the
  rate grows back along ``0.4 * (t - k) ** 3 + w_max``, where ``t`` is the time since the
  throttle and ``k = cbrt(w_max * 0.3 / 0.4)``: fast at first, flat near ``w_max``
  (where the service throttled last), then faster again to probe for more.

The limiter stays off (sends never wait) until the first throttling answer. After every
answer (success, error or transport failure) the bucket's fill rate becomes
``min(CUBIC's rate, 2 * measured rate)``.

Nothing here sleeps or does I/O. :meth:`ClientRateLimiter.acquire` takes a token or says
how long to wait for one; the call pipeline turns that into a ``Sleep`` step, which the
blocking driver spends in ``time.sleep`` and the asyncio driver in ``asyncio.sleep``, and
then asks again (as botocore's bucket, woken from its wait, checks again). The lock only
guards a few lines of arithmetic, is never held while waiting, and is replaced in a
forked child.

Differences from botocore, on purpose: the clock is :func:`time.monotonic` (botocore's
is ``time.time``, which jumps when the system clock is set), and one lock guards all
three parts (botocore has one per part).
"""

from __future__ import annotations

import math
import os
import threading
import time
import weakref
from collections.abc import Callable
from typing import Final, NamedTuple

__all__ = [
    "ClientRateLimiter",
    "CubicCalculator",
    "CubicParams",
    "RateClocker",
    "TokenBucket",
]

Clock = Callable[[], float]


class TokenBucket:
    """Send tokens, refilled at a rate that the limiter adjusts. Not thread-safe alone.

    Args:
        max_rate: The first fill rate, in tokens per second.
        clock: Returns the current time in seconds.
        min_rate: The lowest fill rate.
    """

    #: The lowest fill rate, in tokens per second (botocore's figure).
    MIN_RATE: Final = 0.5

    def __init__(self, max_rate: float, clock: Clock, min_rate: float = MIN_RATE) -> None:
        self._clock = clock
        self._min_rate = min_rate
        self._fill_rate = min_rate
        self._max_capacity = 1.0
        self._current_capacity = 0.0
        self._last_timestamp: float | None = None
        self.set_max_rate(max_rate)

    @property
    def max_rate(self) -> float:
        """The fill rate, in tokens per second."""
        return self._fill_rate

    @property
    def max_capacity(self) -> float:
        """The most tokens the bucket holds: ``max(1, rate set)``."""
        return self._max_capacity

    @property
    def available_capacity(self) -> float:
        """Tokens in the bucket at the last refill."""
        return self._current_capacity

    def set_max_rate(self, value: float) -> None:
        """Change the fill rate (tokens earned so far are added at the old rate first).

        Args:
            value: The new rate; the bucket fills at no less than its minimum rate.
        """
        self._refill()
        self._fill_rate = max(value, self._min_rate)
        self._max_capacity = value if value >= 1 else 1.0
        self._current_capacity = min(self._current_capacity, self._max_capacity)

    def acquire(self, amount: float = 1.0) -> float:
        """Take ``amount`` tokens, or say how long until there will be enough.

        Args:
            amount: Tokens to take.

        Returns:
            ``0.0`` when the tokens were taken; otherwise the seconds until the bucket
            will hold ``amount`` at the current rate (nothing is taken: ask again then).
        """
        self._refill()
        if amount <= self._current_capacity:
            self._current_capacity -= amount
            return 0.0
        return (amount - self._current_capacity) / self._fill_rate

    def _refill(self) -> None:
        timestamp = self._clock()
        if self._last_timestamp is None:
            self._last_timestamp = timestamp
            return
        fill_amount = (timestamp - self._last_timestamp) * self._fill_rate
        self._current_capacity = min(self._max_capacity, self._current_capacity + fill_amount)
        self._last_timestamp = timestamp


class CubicParams(NamedTuple):
    """The state of a :class:`CubicCalculator` (for logs and tests)."""

    w_max: float
    """The send rate at the last throttle."""
    k: float
    """Seconds after the last throttle at which the curve is back at ``w_max``."""
    last_fail: float
    """When the last throttle happened (the clock's time)."""


class CubicCalculator:
    """The CUBIC send-rate curve. Not thread-safe alone.

    Args:
        starting_max_rate: The first ``w_max``.
        start_time: The clock's time now (the first "last throttle").
        scale_constant: ``C`` of the curve.
        beta: The factor the rate is cut by on a throttle.
    """

    SCALE_CONSTANT: Final = 0.4
    BETA: Final = 0.7

    def __init__(
        self,
        starting_max_rate: float,
        start_time: float,
        scale_constant: float = SCALE_CONSTANT,
        beta: float = BETA,
    ) -> None:
        self._w_max = starting_max_rate
        self._scale_constant = scale_constant
        self._beta = beta
        self._k = self._zero_point()
        self._last_fail = start_time

    def _zero_point(self) -> float:
        scaled_value = (self._w_max * (1 - self._beta)) / self._scale_constant
        return float(scaled_value ** (1 / 3.0))

    def success_received(self, timestamp: float) -> float:
        """Return the rate to send at ``timestamp``, after a non-throttling answer."""
        dt = timestamp - self._last_fail
        return self._scale_constant * (dt - self._k) ** 3 + self._w_max

    def error_received(self, current_rate: float, timestamp: float) -> float:
        """Record a throttle at ``current_rate``; return the reduced rate."""
        self._w_max = current_rate
        self._k = self._zero_point()
        self._last_fail = timestamp
        return current_rate * self._beta

    def params(self) -> CubicParams:
        """The curve's current parameters."""
        return CubicParams(w_max=self._w_max, k=self._k, last_fail=self._last_fail)


class RateClocker:
    """The measured rate of answers: counts per half-second bucket, smoothed. Not thread-safe.

    Args:
        clock: Returns the current time in seconds.
        smoothing: The weight of the newest bucket's rate.
        time_bucket_range: The width of a bucket, in seconds.
    """

    SMOOTHING: Final = 0.8
    TIME_BUCKET_RANGE: Final = 0.5

    def __init__(
        self,
        clock: Clock,
        smoothing: float = SMOOTHING,
        time_bucket_range: float = TIME_BUCKET_RANGE,
    ) -> None:
        self._clock = clock
        self._measured_rate = 0.0
        self._smoothing = smoothing
        # botocore starts at the whole second, and buckets by TIME_BUCKET_RANGE (its
        # bucket-range argument is stored but not used): the same here.
        self._last_bucket = float(math.floor(clock()))
        self._time_bucket_scale = 1 / self.TIME_BUCKET_RANGE
        self._count = 0

    @property
    def measured_rate(self) -> float:
        """The smoothed rate, in answers per second."""
        return self._measured_rate

    def record(self, amount: int = 1) -> float:
        """Count ``amount`` answers now; return the smoothed rate."""
        t = self._clock()
        bucket = math.floor(t * self._time_bucket_scale) / self._time_bucket_scale
        self._count += amount
        if bucket > self._last_bucket:
            current_rate = self._count / float(bucket - self._last_bucket)
            self._measured_rate = (current_rate * self._smoothing) + (
                self._measured_rate * (1 - self._smoothing)
            )
            self._count = 0
            self._last_bucket = bucket
        return self._measured_rate


class ClientRateLimiter:
    """The adaptive mode's rate limiter for one client; thread-safe, fork-safe, no I/O.

    Args:
        clock: Returns the current time in seconds; :func:`time.monotonic` by default
            (tests inject a fake one).
    """

    #: The fill rate is at most this many times the measured rate.
    MAX_RATE_ADJUST_SCALE: Final = 2.0
    #: The shortest wait :meth:`acquire` asks for, in seconds. A bucket a rounding error
    #: short of a token would otherwise ask for waits of femtoseconds, again and again
    #: on a clock that moves in coarse steps (or a test's clock that moves only when
    #: told); a millisecond is below what a sleep costs anyway.
    MIN_WAIT: Final = 0.001

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._cubic = CubicCalculator(starting_max_rate=0, start_time=clock())
        self._bucket = TokenBucket(max_rate=1, clock=clock)
        self._clocker = RateClocker(clock)
        self._enabled = False
        self._lock = threading.Lock()
        _live.add(self)

    @property
    def enabled(self) -> bool:
        """Whether sends are limited (from the first throttling answer on)."""
        return self._enabled

    @property
    def fill_rate(self) -> float:
        """The rate sends are allowed at, in attempts per second."""
        return self._bucket.max_rate

    @property
    def max_capacity(self) -> float:
        """The burst the bucket allows."""
        return self._bucket.max_capacity

    @property
    def available_capacity(self) -> float:
        """Tokens in the bucket at its last refill."""
        return self._bucket.available_capacity

    @property
    def measured_rate(self) -> float:
        """The smoothed rate of answers, per second."""
        return self._clocker.measured_rate

    @property
    def cubic(self) -> CubicParams:
        """The CUBIC curve's parameters."""
        return self._cubic.params()

    def acquire(self) -> float:
        """Take a send token, or say how long to wait before asking again.

        Returns:
            ``0.0`` when the attempt may be sent now (always, before the first throttle);
            otherwise seconds to wait (at least :attr:`MIN_WAIT`), after which the caller
            asks again.
        """
        if not self._enabled:
            return 0.0
        with self._lock:
            wait = self._bucket.acquire()
        return max(wait, self.MIN_WAIT) if wait else 0.0

    def record(self, *, throttled: bool) -> float:
        """Adjust the send rate after an attempt's answer (or its transport failure).

        Args:
            throttled: Whether the answer was a throttling error.

        Returns:
            The new fill rate.
        """
        with self._lock:
            measured_rate = self._clocker.record()
            timestamp = self._clock()
            if not throttled:
                new_rate = self._cubic.success_received(timestamp)
            else:
                rate_to_use = (
                    min(measured_rate, self._bucket.max_rate) if self._enabled else measured_rate
                )
                new_rate = self._cubic.error_received(rate_to_use, timestamp)
                self._enabled = True
            self._bucket.set_max_rate(min(new_rate, self.MAX_RATE_ADJUST_SCALE * measured_rate))
            return self._bucket.max_rate

    def _after_fork(self) -> None:
        # A thread of the parent may have held the lock at the fork; it is gone here.
        self._lock = threading.Lock()


_live: weakref.WeakSet[ClientRateLimiter] = weakref.WeakSet()


def _reset_after_fork() -> None:  # pragma: no cover - runs in forked children
    for limiter in list(_live):
        limiter._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)
