r"""A one-line progress display for waits: state, elapsed time, time to the next poll.

On a terminal the line is redrawn in place (``\r``) every half second until the wait
ends, then replaced by a final line. When the stream is not a terminal nothing is
written, so pipes and log files stay clean.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import IO, Any

__all__ = ["Progress", "format_duration"]

_FRAMES = "|/-\\"


def format_duration(seconds: float) -> str:
    """``75.2`` -> ``"1m15s"``; ``9.4`` -> ``"9s"``."""
    whole = int(seconds)
    minutes, secs = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


class Progress:
    """Shows what a waiter is doing on a terminal.

    Use it as a context manager and pass :meth:`update` as the waiter's callback.

    Args:
        stream: Where to draw (stderr).
        label: What is being waited for (``image my-app``).
        enabled: Draw at all; by default only when ``stream`` is a terminal.
        lines: When not drawing a live line, write one line per poll instead of nothing.
        clock: Monotonic clock, for tests.
    """

    def __init__(
        self,
        stream: IO[str],
        label: str,
        *,
        enabled: bool | None = None,
        lines: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._label = label
        if enabled is None:
            enabled = False
            with contextlib.suppress(AttributeError, OSError, ValueError):
                enabled = stream.isatty()
        self.enabled = enabled
        self.lines = lines and not enabled
        self._clock = clock
        self._start = clock()
        self._state = "starting"
        self._next_poll_at: float | None = None
        self._attempt = 0
        self._frame = 0
        self._width = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Progress:
        if self.enabled:
            self._draw()
            self._thread = threading.Thread(target=self._tick, name="microvm-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self.enabled:
            with self._lock:
                self._stream.write("\r" + " " * self._width + "\r")
                self._stream.flush()

    def update(self, progress: Any) -> None:
        """Record one poll (a ``WaitProgress``: ``attempt``, ``state``, ``next_delay``)."""
        with self._lock:
            self._attempt = int(getattr(progress, "attempt", self._attempt + 1))
            state = getattr(progress, "state", None)
            error = getattr(progress, "error", None)
            if state is not None:
                self._state = str(state)
            elif error is not None:
                self._state = f"poll failed ({getattr(error, 'code', type(error).__name__)})"
            delay = getattr(progress, "next_delay", None)
            self._next_poll_at = None if delay is None else self._clock() + float(delay)
        if self.enabled:
            self._draw()
        elif self.lines:
            self._stream.write("  " + self.line()[2:] + "\n")
            self._stream.flush()

    def line(self) -> str:
        """The progress line as it would be drawn now."""
        now = self._clock()
        elapsed = format_duration(now - self._start)
        spinner = _FRAMES[self._frame % len(_FRAMES)]
        text = f"{spinner} {self._label}: {self._state}  elapsed {elapsed}"
        if self._next_poll_at is not None:
            text += f"  next poll in {_wait_text(max(0.0, self._next_poll_at - now))}"
        return text

    def _draw(self) -> None:
        with self._lock:
            text = self.line()
            pad = max(0, self._width - len(text))
            self._width = len(text)
            self._stream.write("\r" + text + " " * pad)
            self._stream.flush()

    def _tick(self) -> None:
        while not self._stop.wait(0.5):
            self._frame += 1
            with contextlib.suppress(OSError, ValueError):
                self._draw()


def _wait_text(seconds: float) -> str:
    """Seconds until the next poll: whole seconds, or tenths below ten.

    A demo's delays are fractions of a second, and "1s" for 0.5 s misleads.
    """
    return f"{seconds:.1f}s" if seconds < 10 else f"{round(seconds)}s"
