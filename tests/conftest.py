"""Suite-wide settings: Hypothesis profiles, the ``slow`` marker, folders not to collect.

Hypothesis profiles (choose with ``HYPOTHESIS_PROFILE``; ``ci`` is the default when the
``CI`` environment variable is set):

- ``default``: 60 examples per property, derandomized, so a run is reproducible;
- ``ci``: 100 examples per property, derandomized;
- ``explore``: 1000 random examples per property, for hunting bugs locally.

``tests/typing`` holds files that ``mypy --strict`` checks and that are never run.

``MICROVM_SDK_TEST_WITHOUT_SPEEDUPS=1`` hides orjson (the ``speedups`` extra) from the
SDK for the whole run, so the suite's JSON tests run on the standard library even where
orjson is installed (CI runs them both ways).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

collect_ignore = ["typing"]

if os.environ.get("MICROVM_SDK_TEST_WITHOUT_SPEEDUPS") == "1":
    # "import orjson" now raises ImportError, as where it is not installed.
    sys.modules["orjson"] = None  # type: ignore[assignment]

_COMMON = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
settings.register_profile("default", max_examples=60, derandomize=True, **_COMMON)
settings.register_profile("ci", max_examples=100, derandomize=True, **_COMMON)
settings.register_profile("explore", max_examples=1000, **_COMMON)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default")
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: builds a wheel and a virtualenv (about a minute; needs PyPI)"
    )


@pytest.fixture
def isolated_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the machine's AWS settings (variables, config files, instance metadata) away."""
    for name in list(os.environ):
        if name.upper().startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))


@pytest.fixture
def runner() -> Iterator[asyncio.Runner]:
    """One event loop for the test, for async code driven from blocking test code."""
    with asyncio.Runner() as loop_runner:
        yield loop_runner
