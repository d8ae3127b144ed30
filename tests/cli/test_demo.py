"""``microvm demo`` reports CREATED about a second after the emulated build ends: it polls
its in-process emulator at a delay chosen from the emulator's timing profile."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from cli_capture import Result

import microvm_sdk.cli._commands as commands
from microvm_sdk.cli._demo import build_seconds, poll_delay
from microvm_sdk.local._timing import PROFILES


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_poll_delay_fits_the_profile(profile: str) -> None:
    delay = poll_delay(profile)
    assert 0 < delay <= 1.0
    if build_seconds(profile) > 0.6:
        assert delay <= build_seconds(profile) / 20


def test_demo_polls_at_the_profile_delay(
    microvm: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Any] = []
    real = commands.wait_for

    def recording(*args: Any, **kwargs: Any) -> int:
        seen.append(kwargs["delay"])
        return real(*args, **kwargs)

    monkeypatch.setattr(commands, "wait_for", recording)
    result = microvm("demo", "--timing", "fast")
    assert result.code == 0, result.stderr
    assert seen == [poll_delay("fast")]
    assert "a build takes about 35 ms" in result.stderr


def test_realistic_demo_reports_created_about_a_second_after_the_build(
    microvm: Callable[..., Result],
) -> None:
    """The build's length is the image's own timestamps; the wait's is the demo's report.
    The live service's delays (a 5 s first wait, backoff to 30 s) took 31 s for this
    16 s build."""
    result = microvm("demo")
    assert result.code == 0, result.stderr
    image = json.loads(result.stdout)
    built = (
        dt.datetime.fromisoformat(image["updatedAt"])
        - dt.datetime.fromisoformat(image["createdAt"])
    ).total_seconds()
    assert built == pytest.approx(build_seconds("realistic"), abs=0.5)
    reported = re.search(r"CREATED after (\d+)s", result.stderr)
    assert reported, result.stderr
    # Whole seconds, measured from just after the create call: at most a poll delay
    # (0.53 s) and a slow poll or two later than the build's end.
    assert int(reported.group(1)) <= built + 2.5
