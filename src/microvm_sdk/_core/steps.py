"""Steps that the sans-I/O engines ask their drivers to take.

The call pipeline (:meth:`microvm_sdk._core.pipeline.RuntimeCore.attempts`) and the waiter
engine (:func:`microvm_sdk._core.waiter.wait_steps`) are generators: they decide what
happens next and yield it as a step; a blocking or an asyncio driver does the I/O and
resumes them. Steps particular to one engine live with it; this module holds the one
they share.
"""

from __future__ import annotations

from microvm_sdk._core.records import Record, set_once

__all__ = ["Sleep"]


class Sleep(Record):
    """Wait ``seconds``, then resume the engine with ``None``.

    Attributes:
        seconds: How long to wait (``time.sleep`` or ``asyncio.sleep``).
    """

    __slots__ = ("seconds",)
    _FIELDS = ("seconds",)

    seconds: float

    def __init__(self, seconds: float) -> None:
        set_once(self, "seconds", seconds)
