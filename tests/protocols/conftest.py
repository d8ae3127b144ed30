"""Totals of botocore's protocol test suite, printed at the end of the run."""

from __future__ import annotations

from collections import Counter

import pytest
from botocore_suite import VERSION

_OUTCOMES: Counter[str] = Counter()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "botocore_skips: a protocol case botocore's own runner leaves out"
    )


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "test_botocore_protocol_suite.py" not in report.nodeid:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        recorded = dict(report.user_properties).get("outcome")
        if report.failed:
            _OUTCOMES["failed"] += 1
        elif report.skipped and not hasattr(report, "wasxfail"):
            _OUTCOMES["not run"] += 1
        else:
            _OUTCOMES[str(recorded or report.outcome)] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _OUTCOMES:
        return
    total = sum(_OUTCOMES.values())
    order = (
        "passed",
        "botocore skips, we pass",
        "botocore skips, we differ",
        "refused",
        "failed",
        "not run",
    )
    parts = [f"{_OUTCOMES[name]} {name}" for name in order if _OUTCOMES[name]]
    terminalreporter.write_line(
        f"botocore {VERSION} rest-json protocol suite: {total} cases: {', '.join(parts)}"
    )
