"""Run a function in a forked child of the test process, with a deadline.

A child that deadlocks (the defect these tests look for) is killed when the deadline
passes, and the test fails with ``"hung"`` instead of hanging the suite.
"""

from __future__ import annotations

import os
import signal
import time
import warnings
from collections.abc import Callable

#: How long a child may take to make a few calls, on a loaded machine.
CHILD_DEADLINE = 60.0


def in_child(work: Callable[[], str], deadline: float = CHILD_DEADLINE) -> str:
    """Fork; run ``work`` in the child; return ``"ok: <its result>"``.

    Otherwise ``"error: <type>: <message>"`` when it raised, or ``"hung"`` when the child
    had not finished by the deadline (it is killed then). The child never returns into
    the test process's code: it leaves with ``os._exit``.
    """
    read, write = os.pipe()
    with warnings.catch_warnings():  # Python 3.12 warns about fork() with threads
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read)
        try:
            text = "ok: " + work()
        except BaseException as exc:
            text = f"error: {type(exc).__name__}: {exc}"
        try:
            os.write(write, text.encode("utf-8", "replace")[:4000])
        finally:
            os._exit(0)
    os.close(write)
    give_up = time.monotonic() + deadline
    try:
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > give_up:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return "hung"
            time.sleep(0.02)
        with os.fdopen(read, "rb", closefd=False) as pipe:
            return pipe.read().decode("utf-8", "replace")
    finally:
        os.close(read)
