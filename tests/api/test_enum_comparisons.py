"""Enum comparisons the docs recommend work at run time, for listed values and for values
the service adds later (docs/decisions/0013-enum-comparisons.md)."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

from microvm_sdk import models

ROOT = Path(__file__).resolve().parents[2]


def test_members_and_values_compare_for_listed_and_new_values() -> None:
    running = models.MicrovmState("RUNNING")
    new = models.MicrovmState("HIBERNATING")
    assert running is models.MicrovmState.RUNNING
    assert running.value == "RUNNING" and not running.is_unknown
    assert new.value == "HIBERNATING" and new.is_unknown
    assert new != models.MicrovmState.RUNNING
    assert new not in (models.MicrovmState.SUSPENDING, models.MicrovmState.SUSPENDED)
    assert new == models.MicrovmState("HIBERNATING")
    assert str(new) == "HIBERNATING"  # still a str, as before


def test_assert_never_over_an_enum_fails_on_a_new_value() -> None:
    """Why the docs warn against it: both checkers accept this function."""

    def label(state: models.MicrovmImageVersionStatus) -> str:
        match state:
            case models.MicrovmImageVersionStatus.ACTIVE:
                return "active"
            case models.MicrovmImageVersionStatus.INACTIVE:
                return "inactive"
            case _:
                typing.assert_never(state)

    assert label(models.MicrovmImageVersionStatus.ACTIVE) == "active"
    with pytest.raises(AssertionError):
        label(models.MicrovmImageVersionStatus("RETIRED"))


def test_the_usage_guide_example_runs() -> None:
    guide = (ROOT / "docs" / "usage.md").read_text()
    (block,) = [b for b in re.findall(r"```python\n(.*?)```", guide, re.S) if "def describe" in b]
    exec(compile(block, "usage.md", "exec"), {})  # its asserts check the answers
