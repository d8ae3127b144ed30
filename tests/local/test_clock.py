"""The virtual clock and the timing profiles of the emulator."""

from __future__ import annotations

import json

import attrs
import pytest

from microvm_sdk.local._clock import VirtualClock
from microvm_sdk.local._timing import PROFILES, Timing, timing_profile


class FakeWall:
    def __init__(self, start: float) -> None:
        self.value = start

    def __call__(self) -> float:
        return self.value


def test_manual_clock_stands_still_until_advanced() -> None:
    clock = VirtualClock.manual(start=1_000.0)
    assert clock.mode == "manual"
    assert clock.now() == 1_000.0
    assert clock.now() == 1_000.0
    assert clock.advance(2.5) == 1_002.5
    assert clock.now() == 1_002.5
    assert clock.offset == 2.5


def test_manual_clock_defaults_to_wall_time() -> None:
    wall = FakeWall(5_000.0)
    clock = VirtualClock("manual", time_source=wall)
    wall.value = 9_000.0
    assert clock.now() == 5_000.0


def test_advance_to_only_moves_forward() -> None:
    clock = VirtualClock.manual(start=100.0)
    assert clock.advance_to(150.0) == 150.0
    assert clock.advance_to(120.0) == 150.0
    assert clock.now() == 150.0


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
def test_advance_rejects_bad_amounts(bad: float) -> None:
    clock = VirtualClock.manual(start=0.0)
    with pytest.raises(ValueError):
        clock.advance(bad)


def test_real_clock_follows_the_wall_clock_with_speed_and_offset() -> None:
    wall = FakeWall(1_000.0)
    clock = VirtualClock("real", time_source=wall)
    assert clock.now() == 1_000.0
    wall.value = 1_003.0
    assert clock.now() == 1_003.0
    clock.advance(10.0)
    assert clock.now() == 1_013.0

    fast = VirtualClock("real", start=0.0, speed=10.0, time_source=wall)
    wall.value += 2.0
    assert fast.now() == pytest.approx(20.0)


def test_constructor_rejects_unknown_mode_and_bad_speed() -> None:
    with pytest.raises(ValueError):
        VirtualClock("sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        VirtualClock(speed=0.0)


def test_manual_clock_round_trips_through_json() -> None:
    clock = VirtualClock.manual(start=500.0)
    clock.advance(42.0)
    data = json.loads(json.dumps(clock.to_json()))
    restored = VirtualClock.from_json(data)
    assert restored.mode == "manual"
    assert restored.now() == 542.0
    assert restored.offset == 42.0


def test_real_clock_counts_time_that_passed_while_saved() -> None:
    wall = FakeWall(2_000.0)
    clock = VirtualClock("real", time_source=wall)
    clock.advance(5.0)
    saved = json.loads(json.dumps(clock.to_json()))
    wall.value = 2_060.0
    restored = VirtualClock.from_json(saved, time_source=wall)
    assert restored.now() == 2_065.0


def test_profiles_are_named_and_ordered_by_speed() -> None:
    assert set(PROFILES) == {"fast", "realistic", "instant"}
    fast, realistic, instant = (timing_profile(n) for n in ("fast", "realistic", "instant"))
    fast_build = fast.build_queue + fast.build_run + fast.version_settle + fast.image_settle
    real_build = (
        realistic.build_queue
        + realistic.build_run
        + realistic.version_settle
        + realistic.image_settle
    )
    assert fast_build < 0.1
    assert 8.0 <= real_build <= 20.0
    assert 1.0 <= realistic.microvm_start <= 3.0
    assert all(
        value == 0 for key, value in attrs.asdict(instant).items() if key != "policy_time_scale"
    )


def test_timing_profile_passes_timing_through_and_rejects_unknown_names() -> None:
    custom = attrs.evolve(PROFILES["fast"], build_run=7.0)
    assert timing_profile(custom) is custom
    with pytest.raises(ValueError, match="unknown timing profile"):
        timing_profile("glacial")


def test_timing_validates_and_round_trips() -> None:
    with pytest.raises(ValueError):
        attrs.evolve(PROFILES["fast"], build_run=-1.0)
    with pytest.raises(ValueError):
        attrs.evolve(PROFILES["fast"], policy_time_scale=0.0)
    timing = attrs.evolve(PROFILES["realistic"], policy_time_scale=0.5)
    assert Timing.from_json(json.loads(json.dumps(timing.to_json()))) == timing
