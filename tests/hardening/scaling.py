"""A scaling check: does ten times the input cost about ten times the CPU time?

Linear code answers about 10x (a little more when the larger input no longer fits in a
cache); quadratic code about 100x. The check measures CPU time of the calling thread
(``time.thread_time``), not wall time, so other processes on a loaded machine do not
count; it takes the best of several runs, repeats a call that is too quick to measure,
and allows ``BOUND`` (30x), far above linear and far below quadratic.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

FACTOR = 10
BOUND = 30.0
#: The shortest measurement trusted: shorter calls are repeated in a loop.
_MIN_SECONDS = 0.004
_RUNS = 5


def cpu_seconds(call: Callable[[], object], loops: int = 1) -> float:
    """The least CPU time ``loops`` calls of ``call`` took over a few runs."""
    best = float("inf")
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(_RUNS):
            start = time.thread_time()
            for _ in range(loops):
                call()
            best = min(best, time.thread_time() - start)
    finally:
        if enabled:
            gc.enable()
    return best


def growth(func: Callable[[T], object], make: Callable[[int], T], size: int) -> float:
    """How much more ``func(make(FACTOR * size))`` costs than ``func(make(size))``."""
    small, large = make(size), make(FACTOR * size)
    loops = 1
    while cpu_seconds(lambda: func(small), loops) < _MIN_SECONDS and loops < 1 << 16:
        loops *= 4
    base = cpu_seconds(lambda: func(small), loops)
    return cpu_seconds(lambda: func(large), loops) / base


def assert_linear(func: Callable[[T], object], make: Callable[[int], T], size: int) -> None:
    """Fail unless ``func`` costs about ``FACTOR`` times more on a ``FACTOR`` times larger input.

    A ratio above the bound is measured once more before the check fails, so that one
    unlucky run (a page fault storm, a frequency change) does not decide.
    """
    ratio = growth(func, make, size)
    if ratio > BOUND:
        ratio = min(ratio, growth(func, make, size))
    assert ratio <= BOUND, f"{FACTOR}x the input cost {ratio:.0f}x the time (linear: ~{FACTOR}x)"
