"""The adaptive mode's rate limiter against botocore's own classes, as the oracle.

botocore's ``retries.adaptive.ClientRateLimiter`` (with its ``TokenBucket``,
``CubicCalculator`` and ``RateClocker``) and ours are driven through the same event
sequences on the same fake clock: time passes, an attempt asks for a send token, an
answer arrives (throttling or not). After every event the two must agree on every
number: fill rate, capacity, tokens, measured rate, the CUBIC parameters, whether the
limiter is on, and whether a send may go now or how long it must wait.

botocore's bucket waits on a condition variable when it has no token; it is asked with
``block=False`` here instead, which takes a token or raises ``CapacityNotAvailableError``.
"When ours says wait ``w``" is then checked as "botocore has no token now, nor just
before ``w`` has passed, and has one once it has".
"""

from __future__ import annotations

import math
import os
import signal
import threading
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microvm_sdk._core.rate_limiter import (
    ClientRateLimiter,
    CubicCalculator,
    RateClocker,
    TokenBucket,
)

bucket_mod = pytest.importorskip("botocore.retries.bucket")
throttling_mod = pytest.importorskip("botocore.retries.throttling")
adaptive_mod = pytest.importorskip("botocore.retries.adaptive")
from botocore.exceptions import CapacityNotAvailableError  # type: ignore[import-untyped]  # noqa: E402


class FakeClock:
    """A clock both implementations read; botocore's ``Clock`` interface too."""

    def __init__(self, now: float = 1_000.25) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def current_time(self) -> float:
        return self.now

    def sleep(self, amount: float) -> None:  # pragma: no cover - never blocking here
        raise AssertionError("botocore's bucket must not be asked to block in these tests")


class Detector:
    """Stands in for botocore's throttling detector: says what the test says."""

    def __init__(self) -> None:
        self.throttled = False

    def is_throttling_error(self, **kwargs: Any) -> bool:
        return self.throttled


class Pair:
    """Our limiter and botocore's, built the way botocore's register_retry_handler does."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.ours = ClientRateLimiter(clock=clock)
        self.detector = Detector()
        self.bucket = bucket_mod.TokenBucket(max_rate=1, clock=clock)
        self.cubic = throttling_mod.CubicCalculator(
            starting_max_rate=0, start_time=clock.current_time()
        )
        self.clocker = adaptive_mod.RateClocker(clock)
        self.theirs = adaptive_mod.ClientRateLimiter(
            rate_adjustor=self.cubic,
            rate_clocker=self.clocker,
            token_bucket=self.bucket,
            throttling_detector=self.detector,
            clock=clock,
        )
        self.enabled = False  # botocore's limiter turns on at the first throttle, too

    def answer(self, throttled: bool) -> None:
        self.detector.throttled = throttled
        self.theirs.on_receiving_response()
        self.ours.record(throttled=throttled)
        self.enabled = self.enabled or throttled
        self.check()

    def send(self) -> float:
        """Ask both for a token now; return our wait (0.0 when taken)."""
        wait = self.ours.acquire()
        if not self.enabled:
            assert wait == 0.0  # botocore does not touch its bucket before a throttle
            return wait
        if wait == 0.0:
            self.bucket.acquire(block=False)  # raises if botocore would have to wait
        else:
            with pytest.raises(CapacityNotAvailableError):
                self.bucket.acquire(block=False)
        self.check()
        return wait

    def check(self) -> None:
        ours, bucket = self.ours, self.bucket
        assert ours.enabled == self.enabled
        assert ours.fill_rate == pytest.approx(bucket.max_rate, rel=1e-12)
        assert ours.max_capacity == pytest.approx(bucket.max_capacity, rel=1e-12)
        assert ours.available_capacity == pytest.approx(
            bucket.available_capacity, rel=1e-9, abs=1e-12
        )
        assert ours.measured_rate == pytest.approx(self.clocker.measured_rate, rel=1e-12)
        theirs = self.cubic.get_params_snapshot()
        assert ours.cubic.w_max == pytest.approx(theirs.w_max, rel=1e-12)
        assert ours.cubic.k == pytest.approx(theirs.k, rel=1e-12)
        assert ours.cubic.last_fail == theirs.last_fail


# One event: ("wait", seconds) lets time pass; ("send",) asks for a token and, when told
# to wait, waits exactly that long and asks again; ("ok",) / ("throttle",) is an answer.
EVENTS = st.lists(
    st.one_of(
        st.tuples(st.just("wait"), st.floats(min_value=0.0, max_value=3.0)),
        st.tuples(st.just("send")),
        st.tuples(st.sampled_from(["ok", "throttle"])),
    ),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(events=EVENTS, start=st.floats(min_value=0.0, max_value=1e6))
def test_same_numbers_as_botocore_for_any_event_sequence(
    events: list[tuple[Any, ...]], start: float
) -> None:
    clock = FakeClock(start)
    pair = Pair(clock)
    for event in events:
        kind = event[0]
        if kind == "wait":
            clock.now += event[1]
        elif kind == "send":
            send_when_allowed(pair)
        else:
            pair.answer(kind == "throttle")


def send_when_allowed(pair: Pair) -> float:
    """Send as soon as the limiter allows; return how long that took."""
    waited, wait = 0.0, pair.send()
    for _ in range(3):  # a refill may fall a rounding error short: ask again
        if wait == 0.0:
            return waited
        assert wait > 0
        # A real clock moves on while a driver sleeps; the fake one moves at least 1 ns.
        wait = max(wait, 1e-9)
        pair.clock.now += wait
        waited += wait
        wait = pair.send()
    raise AssertionError(f"still told to wait {wait} s")


def test_a_wait_is_exactly_as_long_as_botocore_would_wait() -> None:
    clock = FakeClock()
    pair = Pair(clock)
    pair.answer(throttled=True)  # on from here
    while (wait := pair.send()) == 0.0:
        pass  # use up the tokens there are
    # Just before the wait has passed botocore has no token; once it has, both have one.
    clock.now += wait * (1 - 1e-6)
    with pytest.raises(CapacityNotAvailableError):
        pair.bucket.acquire(block=False)
    clock.now += wait * 1e-6
    assert send_when_allowed(pair) < 1e-6


def test_a_throttle_storm_then_recovery_matches_botocore() -> None:
    """A scripted run: 10 sends a second, throttled for 3 s, then answered for 20 s."""
    clock = FakeClock(50.0)
    pair = Pair(clock)
    rates = []
    for step in range(230):
        clock.now += 0.1
        send_when_allowed(pair)
        pair.answer(throttled=10 <= step < 40)
        rates.append(pair.ours.fill_rate)
    # What the curve must show: cut on the throttles, then grown back past the rate the
    # throttles started at.
    assert pair.ours.enabled
    at_throttle = rates[10]
    assert min(rates[10:40]) < at_throttle
    assert rates[-1] > min(rates[10:40])


# The parts on their own ------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.floats(min_value=0.0, max_value=5.0),
            st.floats(min_value=0.0, max_value=50.0, allow_subnormal=False),
            st.booleans(),
        ),
        max_size=40,
    )
)
def test_cubic_curve_matches_botocore(steps: list[tuple[float, float, bool]]) -> None:
    now = 10.0
    ours, theirs = CubicCalculator(0, now), throttling_mod.CubicCalculator(0, now)
    for dt, rate, failed in steps:
        now += dt
        if failed:
            assert ours.error_received(rate, now) == pytest.approx(
                theirs.error_received(rate, now), rel=1e-12
            )
        else:
            assert ours.success_received(now) == pytest.approx(
                theirs.success_received(now), rel=1e-12, abs=1e-9
            )
        assert tuple(ours.params()) == pytest.approx(tuple(theirs.get_params_snapshot()))


def test_cubic_published_shape() -> None:
    """botocore's curve: a throttle at rate 10 cuts to 7; back at 10 after k seconds."""
    cubic = CubicCalculator(starting_max_rate=0, start_time=0.0)
    assert cubic.error_received(10.0, 100.0) == pytest.approx(7.0)
    k = (10.0 * 0.3 / 0.4) ** (1 / 3)
    assert cubic.params().k == pytest.approx(k)
    assert cubic.success_received(100.0) == pytest.approx(7.0)
    assert cubic.success_received(100.0 + k) == pytest.approx(10.0)
    assert cubic.success_received(100.0 + k + 1) == pytest.approx(10.4)


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(
        st.tuples(st.floats(min_value=0.0, max_value=2.0), st.integers(1, 5)), max_size=60
    ),
    start=st.floats(min_value=0.0, max_value=1e5),
)
def test_rate_clocker_matches_botocore(steps: list[tuple[float, int]], start: float) -> None:
    clock = FakeClock(start)
    ours, theirs = RateClocker(clock), adaptive_mod.RateClocker(clock)
    for dt, amount in steps:
        clock.now += dt
        assert ours.record(amount) == pytest.approx(theirs.record(amount), rel=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("rate"), st.floats(min_value=0.0, max_value=100.0)),
            st.tuples(st.just("wait"), st.floats(min_value=0.0, max_value=2.0)),
            st.tuples(st.just("take"), st.just(0.0)),
        ),
        max_size=60,
    )
)
def test_token_bucket_matches_botocore(steps: list[tuple[str, float]]) -> None:
    clock = FakeClock()
    ours, theirs = TokenBucket(1, clock), bucket_mod.TokenBucket(1, clock)
    for kind, value in steps:
        if kind == "rate":
            ours.set_max_rate(value)
            theirs.max_rate = value
        elif kind == "wait":
            clock.now += value
        else:
            wait = ours.acquire()
            if wait == 0.0:
                assert theirs.acquire(block=False)
            else:
                with pytest.raises(CapacityNotAvailableError):
                    theirs.acquire(block=False)
                assert wait == pytest.approx(
                    (1 - theirs.available_capacity) / theirs.max_rate, rel=1e-12
                )
        assert ours.max_rate == theirs.max_rate
        assert ours.max_capacity == theirs.max_capacity
        assert ours.available_capacity == pytest.approx(theirs.available_capacity, abs=1e-12)


def test_bucket_published_bounds() -> None:
    clock = FakeClock()
    bucket = TokenBucket(1, clock)
    bucket.set_max_rate(0.1)  # never below 0.5 tokens a second, capacity at least 1
    assert (bucket.max_rate, bucket.max_capacity) == (0.5, 1.0)
    assert bucket.acquire() == pytest.approx(2.0)  # empty: one token takes 2 s at 0.5/s
    clock.now += 10
    assert bucket.acquire() == 0.0  # refilled to its capacity of one, not five
    assert bucket.acquire() == pytest.approx(2.0)


# What the limiter does for its callers ---------------------------------------------------


def test_off_until_the_first_throttle() -> None:
    clock = FakeClock()
    limiter = ClientRateLimiter(clock=clock)
    for _ in range(100):
        assert limiter.acquire() == 0.0
        limiter.record(throttled=False)
    assert not limiter.enabled
    limiter.record(throttled=True)
    assert limiter.enabled


def test_throttles_slow_sends_down_and_successes_speed_them_up() -> None:
    clock = FakeClock()
    limiter = ClientRateLimiter(clock=clock)

    def run(seconds: float, throttled: bool) -> int:
        """Send as fast as the limiter allows for ``seconds``; return how many went."""
        sent, end = 0, clock.now + seconds
        while clock.now < end:
            wait = limiter.acquire()
            if wait:
                clock.now += max(wait, 1e-9)  # a real clock moves on while a driver sleeps
                continue
            sent += 1
            clock.now += 0.01  # each answer takes 10 ms
            limiter.record(throttled=throttled)
        return sent

    unlimited = run(2.0, throttled=False)
    assert abs(unlimited - 200) <= 1  # off: 100 a second, as fast as answers come
    throttled = run(2.0, throttled=True)
    assert throttled <= 20  # every answer a throttle: the rate collapses to about 1/s
    # Then every answer a success: slow at first, then the cubic curve climbs back to
    # what the answers allow (100 a second).
    per_second = [run(1.0, throttled=False) for _ in range(10)]
    assert per_second[0] <= 5
    assert per_second == sorted(per_second)
    assert per_second[-1] >= 95


def test_concurrent_waiters_never_exceed_the_rate() -> None:
    """Threads sharing a limiter: no more sends than tokens the bucket earned."""
    clock = FakeClock()
    lock = threading.Lock()
    limiter = ClientRateLimiter(clock=clock)
    limiter.record(throttled=True)  # on, at the minimum rate: 0.5 tokens a second
    assert limiter.fill_rate == 0.5
    sent = []

    def worker() -> None:
        for _ in range(200):
            with lock:
                if limiter.acquire() == 0.0:
                    sent.append(clock.now)
                clock.now += 0.01

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = clock.now - 1_000.25
    assert len(sent) <= math.floor(elapsed * 0.5) + 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_does_not_inherit_a_held_lock() -> None:
    """A thread of the parent holds the limiter's lock at the fork; the child goes on."""
    limiter = ClientRateLimiter(clock=FakeClock())
    limiter.record(throttled=True)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with limiter._lock:
            held.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(10)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit status
        signal.alarm(20)  # a deadlocked child dies of SIGALRM instead of hanging the test
        try:
            limiter.acquire()
            limiter.record(throttled=False)
        finally:
            os._exit(0)
    release.set()
    thread.join()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
