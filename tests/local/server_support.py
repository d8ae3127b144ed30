"""Helpers for tests that run the emulator as a separate process."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path


def start_foreground(
    state: Path, env: dict[str, str], *options: str
) -> tuple[subprocess.Popen[str], str]:
    """Start ``python -m microvm_sdk.local`` on a free port; return it and its URL."""
    command = [sys.executable, "-m", "microvm_sdk.local", "--port", "0", *options]
    process = subprocess.Popen(
        [*command, "--state", str(state)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    watchdog = threading.Timer(60, process.kill)  # a start that hangs cannot hang the test
    watchdog.start()
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
    finally:
        watchdog.cancel()
    assert "listening on http://127.0.0.1:" in line, line
    return process, line.split("listening on ", 1)[1].split(" ", 1)[0]
