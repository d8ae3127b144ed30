"""Random identifiers: idempotency tokens and invocation ids.

A module of its own, with nothing heavier than ``os`` to import, so that the generated
clients can fill an omitted idempotency token while they build the request object.
"""

from __future__ import annotations

import os

__all__ = ["uuid4"]


#: The first hex digit of the variant byte, from the random one: its two high bits set
#: to ``10`` (RFC 4122), the two low bits kept.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def uuid4() -> str:
    """A random (version 4) UUID in its text form, as ``str(uuid.uuid4())`` gives it.

    Built straight from ``os.urandom`` at about a quarter of the cost of going through a
    ``uuid.UUID`` object; every call makes one or two (invocation id, client token). The
    version and variant bits are set in the text: digit 12 is the version (``4``), the
    high bits of digit 16 the variant.
    """
    text = os.urandom(16).hex()
    return f"{text[:8]}-{text[8:12]}-4{text[13:16]}-{_VARIANT[text[16]]}{text[17:20]}-{text[20:]}"
