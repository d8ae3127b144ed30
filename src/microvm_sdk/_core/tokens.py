"""Random identifiers: idempotency tokens and invocation ids.

A module of its own, with nothing heavier than ``os`` to import, so that the generated
clients can fill an omitted idempotency token while they build the request object.
"""

from __future__ import annotations

import os

__all__ = ["uuid4"]


def uuid4() -> str:
    """A random (version 4) UUID in its text form, as ``str(uuid.uuid4())`` gives it.

    Built straight from ``os.urandom`` at about a third of the cost of going through a
    ``uuid.UUID`` object; every call makes one or two (invocation id, client token).
    """
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
