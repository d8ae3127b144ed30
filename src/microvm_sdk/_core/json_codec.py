"""JSON for request and response bodies: orjson when installed, else the standard library.

``pip install microvm-sdk[speedups]`` installs `orjson <https://pypi.org/project/orjson/>`_,
which writes and reads bodies several times faster than :mod:`json`. Without it the
standard library does the work. Either way the values are the same; this module
makes sure of it:

* :func:`dumps` gives what ``json.dumps(value, allow_nan=False)`` gives, as UTF-8: the
  same values, key order, floats (shortest round-trip form) and text. orjson writes no
  spaces and leaves non-ASCII characters unescaped, so the *bytes* may differ; the JSON
  value does not. Whatever orjson refuses or would write differently goes to the
  standard library, which then answers (or raises ``TypeError``/``ValueError``) as it
  always did: integers beyond 64 bits, keys that are not strings, lone surrogates,
  non-finite floats (orjson writes ``null`` for them, so output holding ``null`` is
  written again by :mod:`json`, which refuses NaN), dates and dataclasses.
* :func:`loads` gives what ``json.loads(data)`` gives. orjson reads integers beyond 64
  bits as floats, so a body holding a run of 19 or more digits is read by :mod:`json`;
  so is anything orjson refuses (``NaN`` and ``Infinity`` literals, numbers too large
  for a float, lone surrogates, UTF-16 or UTF-32 text, a byte-order mark), and
  :mod:`json` then reads it or raises as it always did.

Both run in time linear in the size of their input.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["SPEEDUPS", "dumps", "loads", "orjson_dumps", "orjson_loads"]

# orjson reads integers of up to 18 digits exactly (more only within 64 bits). Runs of
# digits are found by mapping every digit to "0" and anything else to " " (one C pass,
# faster than a regular expression by an order of magnitude), then looking for 19 zeros.
_DIGITS_AS_ZEROS = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_RUN = b"0" * 19


def _stdlib_dumps(value: Any) -> bytes:
    return json.dumps(value, allow_nan=False).encode("utf-8")


def _load_orjson() -> tuple[Callable[[Any], bytes], Callable[[bytes], Any]] | None:
    try:
        import orjson
    except ImportError:
        return None
    encode, decode = orjson.dumps, orjson.loads
    # Left to the standard library (which refuses them), like any other non-JSON type.
    options = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS

    def orjson_dumps(value: Any) -> bytes:
        try:
            out: bytes = encode(value, option=options)
        except TypeError:  # orjson.JSONEncodeError: big ints, non-str keys, surrogates ...
            return _stdlib_dumps(value)
        return out if b"null" not in out else _stdlib_dumps(value)

    def orjson_loads(data: bytes) -> Any:
        # Only bytes are checked for long digit runs; anything else (a bytearray or str
        # from a custom transport) is read by the standard library.
        if type(data) is bytes and _LONG_RUN not in data.translate(_DIGITS_AS_ZEROS):
            try:
                return decode(data)
            except ValueError:  # orjson.JSONDecodeError
                pass
        return json.loads(data)

    return orjson_dumps, orjson_loads


_ORJSON = _load_orjson()

#: Whether orjson (the ``speedups`` extra) is in use.
SPEEDUPS = _ORJSON is not None
#: The orjson-backed functions, or ``None`` without orjson (for tests and benchmarks).
orjson_dumps: Callable[[Any], bytes] | None = None if _ORJSON is None else _ORJSON[0]
orjson_loads: Callable[[bytes], Any] | None = None if _ORJSON is None else _ORJSON[1]


def dumps(value: Any) -> bytes:
    """``value`` as JSON text in UTF-8, as ``json.dumps(value, allow_nan=False)``.

    Raises:
        TypeError: ``value`` holds something JSON cannot carry.
        ValueError: ``value`` holds a non-finite float or a circular reference.
    """
    if orjson_dumps is not None:
        return orjson_dumps(value)
    return _stdlib_dumps(value)


def loads(data: bytes) -> Any:
    """The JSON value ``data`` holds, as ``json.loads(data)``.

    Raises:
        ValueError: ``data`` is not JSON (``UnicodeDecodeError`` when it is not text).
        RecursionError: ``data`` nests deeper than the standard library reads.
    """
    if orjson_loads is not None:
        return orjson_loads(data)
    return json.loads(data)
