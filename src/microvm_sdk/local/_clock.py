"""The emulator's virtual clock.

Every time the emulated service records (``createdAt``, the moment a build ends, an idle
deadline) is read from a :class:`VirtualClock`. Resources store when they entered a
phase and when the next phase is due; reading a resource applies every transition whose
time has come. No background thread moves anything, so a clock that stands still
freezes the whole service, and a clock moved by :meth:`VirtualClock.advance` plays the
service forward deterministically.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal

__all__ = ["ClockMode", "VirtualClock"]

ClockMode = Literal["real", "manual"]


class VirtualClock:
    """A clock reading epoch seconds that can run with wall time or stand still.

    In ``"real"`` mode the clock follows the wall clock, scaled by ``speed`` and shifted
    by whatever :meth:`advance` added. In ``"manual"`` mode it only moves when
    :meth:`advance` or :meth:`advance_to` is called, which makes tests deterministic.

    Args:
        mode: ``"real"`` (follows the wall clock) or ``"manual"`` (moves only on request).
        start: The epoch seconds the clock reads at construction; the wall clock's
            reading when omitted.
        speed: In ``"real"`` mode, virtual seconds that pass per wall second.
        time_source: The wall clock (``time.time``); replaceable for tests.

    Raises:
        ValueError: If ``mode`` is unknown or ``speed`` is not positive.
    """

    def __init__(
        self,
        mode: ClockMode = "real",
        *,
        start: float | None = None,
        speed: float = 1.0,
        time_source: Callable[[], float] = time.time,
    ) -> None:
        if mode not in ("real", "manual"):
            raise ValueError(f"unknown clock mode {mode!r}; expected 'real' or 'manual'")
        if not (speed > 0 and math.isfinite(speed)):
            raise ValueError(f"clock speed must be a positive number, got {speed!r}")
        self._mode: ClockMode = mode
        self._speed = float(speed)
        self._time_source = time_source
        self._lock = threading.Lock()
        self._base_wall = float(time_source())
        self._base_virtual = float(self._base_wall if start is None else start)
        self._offset = 0.0

    @classmethod
    def manual(cls, start: float | None = None) -> VirtualClock:
        """Return a clock that moves only when told to.

        Args:
            start: The epoch seconds it reads at first; the wall clock's reading when
                omitted.
        """
        return cls("manual", start=start)

    @property
    def mode(self) -> ClockMode:
        """``"real"`` or ``"manual"``."""
        return self._mode

    @property
    def speed(self) -> float:
        """Virtual seconds per wall second in ``"real"`` mode."""
        return self._speed

    @property
    def offset(self) -> float:
        """The seconds :meth:`advance` has added so far."""
        with self._lock:
            return self._offset

    def now(self) -> float:
        """Return the current virtual time in epoch seconds."""
        with self._lock:
            return self._now_locked()

    def _now_locked(self) -> float:
        if self._mode == "manual":
            return self._base_virtual + self._offset
        elapsed = float(self._time_source()) - self._base_wall
        return self._base_virtual + elapsed * self._speed + self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward.

        Args:
            seconds: How far to move, in seconds (zero or more).

        Returns:
            The new virtual time.

        Raises:
            ValueError: If ``seconds`` is negative or not finite.
        """
        if not (seconds >= 0 and math.isfinite(seconds)):
            raise ValueError(f"can only advance by a finite, non-negative amount, got {seconds!r}")
        with self._lock:
            self._offset += float(seconds)
            return self._now_locked()

    def advance_to(self, when: float) -> float:
        """Move the clock forward to ``when``; a time already passed leaves it unchanged.

        Args:
            when: The target virtual time in epoch seconds.

        Returns:
            The new virtual time.
        """
        if not math.isfinite(when):
            raise ValueError(f"cannot advance to {when!r}")
        with self._lock:
            current = self._now_locked()
            if when > current:
                self._offset += when - current
            return self._now_locked()

    def to_json(self) -> dict[str, Any]:
        """Return the clock's state as JSON-ready data (see :meth:`from_json`)."""
        with self._lock:
            return {
                "mode": self._mode,
                "speed": self._speed,
                "baseWall": self._base_wall,
                "baseVirtual": self._base_virtual,
                "offset": self._offset,
            }

    @classmethod
    def from_json(
        cls, data: Mapping[str, Any], *, time_source: Callable[[], float] = time.time
    ) -> VirtualClock:
        """Rebuild a clock saved by :meth:`to_json`.

        A ``"manual"`` clock reads what it read when saved. A ``"real"`` clock keeps its
        anchors, so the time that passed while it was saved counts, as it would for
        the real service.

        Args:
            data: What :meth:`to_json` returned.
            time_source: The wall clock to follow.
        """
        mode = data.get("mode", "real")
        if mode not in ("real", "manual"):
            raise ValueError(f"unknown clock mode {mode!r}")
        clock = cls(mode, speed=float(data.get("speed", 1.0)), time_source=time_source)
        clock._base_wall = float(data.get("baseWall", clock._base_wall))
        clock._base_virtual = float(data.get("baseVirtual", clock._base_virtual))
        clock._offset = float(data.get("offset", 0.0))
        return clock

    def __repr__(self) -> str:
        return f"VirtualClock(mode={self._mode!r}, now={self.now():.3f})"
