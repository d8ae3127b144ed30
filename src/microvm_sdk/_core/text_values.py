"""Model values as text, for URI labels, query strings and HTTP headers, and back.

The rules are rest-json's (Smithy's HTTP binding traits), as botocore applies them:

- booleans are ``true``/``false``; numbers are decimal; non-finite floats are ``NaN``,
  ``Infinity`` and ``-Infinity``;
- timestamps use the member's or shape's ``timestampFormat``, else ISO 8601 in URIs and
  query strings and http-date in headers (see :mod:`microvm_sdk._core.timestamps`);
- blobs are base64; a document (a ``jsonvalue`` header) is its compact JSON, base64;
- a list in a header is its items joined by ``,``; a string item holding ``,`` or ``"``
  is quoted. Reading splits on commas outside quotes, and an http-date list (whose dates
  hold a comma of their own) is split after every second comma.

Every function here is chosen once per member (see :func:`encoder` and
:func:`header_decoder`), so a call does no model lookups. Decoders raise only
:class:`ValueError`.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from microvm_sdk._core import timestamps
from microvm_sdk._core.document import plain
from microvm_sdk._core.errors import SerializationError
from microvm_sdk._core.schema import Member, ServiceSchema, Shape

Encoder = Callable[[Any], str]
Decoder = Callable[[str], Any]

_INTEGER = re.compile(r"[+-]?[0-9]+")
_MAX_INTEGER_TEXT = 32  # far beyond a long; int() of long digit runs is quadratic
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


#: Characters ``quote`` never encodes (RFC 3986 unreserved).
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
_ESCAPES = {chr(c): f"%{c:02X}" for c in range(128) if chr(c) not in _UNRESERVED}
_NEEDS_ESCAPE = {
    "-_.~": re.compile(r"[^A-Za-z0-9_.~-]").findall,
    "/-_.~": re.compile(r"[^A-Za-z0-9_.~/-]").findall,
}


def percent_encode(value: str, safe: str = "-_.~") -> str:
    """``urllib.parse.quote(value, safe=safe)``, for ``safe`` ``"-_.~"`` or ``"/-_.~"``.

    The same text, in a fraction of the time for what URIs mostly hold (names, ids and
    ARNs, whose only characters to escape are a few ``:``): each distinct ASCII
    character to escape is replaced in one pass; other text goes to ``quote``.
    """
    found = _NEEDS_ESCAPE[safe](value)
    if not found:
        return value
    if not value.isascii():
        from urllib.parse import quote

        return quote(value, safe=safe)
    chars = set(found)
    if "%" in chars:  # first, so that the escapes written below are left alone
        value = value.replace("%", "%25")
        chars.discard("%")
    for char in chars:
        value = value.replace(char, _ESCAPES[char])
    return value


def format_float(value: float) -> str:
    """``1.5``, ``NaN``, ``Infinity``, ``-Infinity`` (ints pass as ints)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return str(value)


def _boolean(value: Any) -> str:
    return "true" if value else "false"


def _string(value: Any) -> str:
    return str.__str__(value) if isinstance(value, str) else str(value)


def _blob(value: Any) -> str:
    return base64.b64encode(value).decode("ascii")


def _document(value: Any) -> str:
    text = json.dumps(plain(value), separators=(",", ":"), allow_nan=False)
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def encoder(shape: Shape, timestamp_format: str | None, default_format: str) -> Encoder:
    """The function that writes one scalar of ``shape`` as text.

    Args:
        shape: The value's shape (a scalar, an enum or a document).
        timestamp_format: The member's own ``timestampFormat``, if any.
        default_format: The timestamp format of the location (``iso8601`` for URIs and
            query strings, ``rfc822`` for headers). Timestamps in headers have whole
            seconds in every format, as botocore writes them.
    """
    kind = shape.kind
    if kind == "boolean":
        return _boolean
    if kind in ("float", "double"):
        return format_float
    if kind == "timestamp":
        fmt: Any = timestamp_format or shape.timestamp_format or default_format
        whole_seconds = default_format == "rfc822"

        def timestamp(value: Any) -> str:
            try:
                return timestamps.to_text(
                    value.replace(microsecond=0) if whole_seconds else value, fmt
                )
            except ValueError as exc:  # a naive datetime
                raise SerializationError(str(exc)) from None

        return timestamp
    if kind == "blob":
        return _blob
    if kind == "document":
        return _document
    return _string


def _quote(text: str) -> str:
    if '"' in text or "," in text:
        return '"' + text.replace('"', '\\"') + '"'
    return text


def header_encoder(schema: ServiceSchema, member: Member) -> Encoder:
    """The function that writes a header member's value (a list becomes one line)."""
    target = schema.shapes[member.target]
    if target.kind != "list":
        return encoder(target, member.timestamp_format, "rfc822")
    assert target.member is not None
    item_shape = schema.shapes[target.member]
    item = encoder(item_shape, None, "rfc822")
    if item is _string:

        def strings(values: Any) -> str:
            return ",".join(_quote(_string(v)) for v in values if v is not None)

        return strings

    def items(values: Any) -> str:
        return ",".join(item(v) for v in values if v is not None)

    return items


# -- reading headers --------------------------------------------------------------------


def _read_integer(text: str) -> int:
    text = text.strip()
    if len(text) > _MAX_INTEGER_TEXT or not _INTEGER.fullmatch(text):
        raise ValueError(f"expected an integer, got {text[:40]!r}")
    return int(text)


def _read_float(text: str) -> float:
    text = text.strip()
    if text in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text]
    if len(text) > 64 or not _FLOAT.fullmatch(text):
        raise ValueError(f"expected a number, got {text[:40]!r}")
    return float(text)


def _read_boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise ValueError(f"expected true or false, got {text[:40]!r}")


def _read_blob(text: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except binascii.Error:
        raise ValueError("expected base64 text") from None


def _read_document(text: str) -> Any:
    try:
        return json.loads(base64.b64decode(text.strip(), validate=True))
    except (binascii.Error, ValueError, RecursionError):
        raise ValueError("expected base64-encoded JSON") from None


def _read_string(text: str) -> str:
    return text


def scalar_decoder(shape: Shape) -> Decoder:
    """The function that reads one scalar of ``shape`` from header text."""
    return {
        "integer": _read_integer,
        "long": _read_integer,
        "float": _read_float,
        "double": _read_float,
        "boolean": _read_boolean,
        "timestamp": timestamps.parse,
        "blob": _read_blob,
        "document": _read_document,
    }.get(shape.kind, _read_string)


def split_header_list(text: str) -> list[str]:
    """Split a comma-separated header value; quoted items may hold commas and escapes.

    Linear in the length of ``text``. Whitespace around items is dropped.
    """
    items: list[str] = []
    i, n = 0, len(text)
    while i <= n:
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] == '"':
            i += 1
            chars: list[str] = []
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n:
                    i += 1
                chars.append(text[i])
                i += 1
            i += 1  # the closing quote
            items.append("".join(chars))
            while i < n and text[i] != ",":
                i += 1
        else:
            end = text.find(",", i)
            end = n if end < 0 else end
            items.append(text[i:end].strip())
            i = end
        i += 1  # the comma
    return items


def _pair_dates(parts: list[str]) -> list[str]:
    """``Mon, 16 Dec 2019 ..., Tue, 17 Dec ...`` split on every comma, joined in pairs."""
    if len(parts) % 2:
        raise ValueError("expected a list of http-dates")
    return [f"{parts[i]}, {parts[i + 1]}" for i in range(0, len(parts), 2)]


def header_decoder(schema: ServiceSchema, member: Member) -> Decoder:
    """The function that reads a header member's value (a list from one line)."""
    target = schema.shapes[member.target]
    if target.kind != "list":
        return scalar_decoder(target)
    assert target.member is not None
    item_shape = schema.shapes[target.member]
    item = scalar_decoder(item_shape)
    http_dates = item_shape.kind == "timestamp" and (
        item_shape.timestamp_format in (None, "rfc822")
    )

    def items(text: str) -> list[Any]:
        if http_dates:
            parts = _pair_dates([part.strip() for part in text.split(",")])
        else:
            parts = split_header_list(text)
        return [item(part) for part in parts]

    return items


def prefix_headers(headers: Mapping[str, str], prefix: str) -> dict[str, str]:
    """The headers starting with ``prefix`` (any case), keyed by the rest of the name."""
    prefix = prefix.lower()
    cut = len(prefix)
    return {name[cut:]: value for name, value in headers.items() if name.lower().startswith(prefix)}
