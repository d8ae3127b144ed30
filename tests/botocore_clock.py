"""Set the clock botocore's SigV4 signers read, on every botocore the SDK supports.

botocore 1.40.2 and later read ``botocore.auth.get_current_datetime()``; earlier releases
call ``datetime.datetime.utcnow()`` inside ``botocore.auth``. The SDK's signer reads
``get_current_datetime`` when botocore has it and the real UTC clock otherwise, so
setting both stops every signer (botocore's and ours) at the same time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import botocore.auth
import pytest

__all__ = ["set_botocore_clock"]


class _DatetimeModule:
    """``botocore.auth``'s view of the ``datetime`` module, with a stopped ``utcnow``."""

    def __init__(self, now: Callable[[], dt.datetime]) -> None:
        read = now

        class _Stopped(dt.datetime):
            @classmethod
            def utcnow(cls) -> Any:
                value = read()
                if value.tzinfo is not None:
                    value = value.astimezone(dt.UTC).replace(tzinfo=None)
                return value

        self.datetime = _Stopped

    def __getattr__(self, name: str) -> Any:
        return getattr(dt, name)


def set_botocore_clock(monkeypatch: pytest.MonkeyPatch, now: Callable[[], dt.datetime]) -> None:
    """Make botocore's signers and the SDK's read ``now()`` as the current time."""
    if not hasattr(botocore.auth, "get_current_datetime"):
        monkeypatch.setattr(botocore.auth, "datetime", _DatetimeModule(now))
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: now(), raising=False)
