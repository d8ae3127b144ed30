"""Timestamps on the wire: the three model formats, written and read.

A model gives a timestamp one of three formats (``timestampFormat`` on the shape or on
the member), else the default of where it travels:

========================  ==========================================  ================
format                    example                                     default for
========================  ==========================================  ================
``unixTimestamp``         ``1576540098`` (seconds, fraction allowed)  JSON bodies
``iso8601``               ``2019-12-16T23:48:18Z``                    URI labels, query
``rfc822`` (http-date)    ``Mon, 16 Dec 2019 23:48:18 GMT``           headers
========================  ==========================================  ================

Writing follows botocore: ISO 8601 keeps microseconds when there are any, epoch seconds
are a whole number or a float with the fraction, http-date has whole seconds. Reading is
lenient, as botocore's is: any of the three forms is accepted wherever a timestamp is
read, and ISO 8601 may carry an offset (it is converted to UTC). Every value read is an
aware ``datetime`` in UTC; nothing but :class:`ValueError` is raised for bad input.
"""

from __future__ import annotations

import datetime
import email.utils
from typing import Literal

Format = Literal["unixTimestamp", "iso8601", "rfc822"]

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MAX_TEXT = 64  # longer than any valid timestamp text; refused before parsing
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _utc(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None:
        raise ValueError(
            f"naive datetime {value.isoformat()} has no time zone; pass an aware datetime "
            "(for example datetime.now(timezone.utc))"
        )
    return value.astimezone(datetime.UTC)


def epoch_seconds(value: datetime.datetime) -> int | float:
    """Seconds since the epoch: an ``int`` when whole, else a ``float`` (microseconds kept).

    Raises:
        ValueError: ``value`` is naive.
    """
    seconds = (_utc(value) - _EPOCH).total_seconds()
    return int(seconds) if seconds.is_integer() else seconds


def iso8601(value: datetime.datetime) -> str:
    """``2019-12-16T23:48:18Z``, with ``.ffffff`` when there are microseconds."""
    utc = _utc(value)
    text = (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
    )
    return text + (f".{utc.microsecond:06d}Z" if utc.microsecond else "Z")


def http_date(value: datetime.datetime) -> str:
    """``Mon, 16 Dec 2019 23:48:18 GMT`` (IMF-fixdate; the fraction of a second dropped)."""
    utc = _utc(value)
    return (
        f"{_DAYS[utc.weekday()]}, {utc.day:02d} {_MONTHS[utc.month - 1]} {utc.year:04d} "
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d} GMT"
    )


def to_json(value: datetime.datetime, fmt: Format | None) -> int | float | str:
    """The JSON form of ``value`` in a body (epoch seconds unless ``fmt`` says otherwise)."""
    if fmt == "iso8601":
        return iso8601(value)
    if fmt == "rfc822":
        return http_date(value)
    return epoch_seconds(value)


def to_text(value: datetime.datetime, fmt: Format) -> str:
    """The text form of ``value`` in a URI label, query string or header."""
    if fmt == "iso8601":
        return iso8601(value)
    if fmt == "rfc822":
        return http_date(value)
    return str(epoch_seconds(value))


def parse(value: object) -> datetime.datetime:
    """Read a timestamp in any of the three formats (or an aware ``datetime``).

    Raises:
        ValueError: ``value`` is not a timestamp, or is out of ``datetime``'s range.
    """
    kind = type(value)
    if kind is int or kind is float:  # the common case first: epoch seconds in JSON
        return _from_epoch(value)  # type: ignore[arg-type]
    if isinstance(value, datetime.datetime):
        return _utc(value)
    if isinstance(value, bool):
        raise ValueError("expected a timestamp, got bool")
    if isinstance(value, (int, float)):
        return _from_epoch(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a timestamp, got {type(value).__name__}")
    text = value.strip()
    if not text or len(text) > _MAX_TEXT:
        raise ValueError("expected a timestamp, got a string that is not one")
    if text[0].isdigit() or text[0] in "+-.":
        try:
            number = float(text)
        except ValueError:
            return _from_iso(text)
        return _from_epoch(number)
    return _from_http_date(text)


def _from_epoch(seconds: float) -> datetime.datetime:
    try:
        return _EPOCH + datetime.timedelta(seconds=seconds)
    except (OverflowError, ValueError):  # out of range, NaN, infinite
        raise ValueError("timestamp out of range") from None


def _from_iso(text: str) -> datetime.datetime:
    candidate = text[:-1] + "+00:00" if text[-1:] in "Zz" else text
    try:
        parsed = datetime.datetime.fromisoformat(candidate)
    except ValueError:
        raise ValueError("expected a timestamp, got a string that is not ISO 8601") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    try:
        return parsed.astimezone(datetime.UTC)
    except OverflowError:
        raise ValueError("timestamp out of range") from None


def _from_http_date(text: str) -> datetime.datetime:
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        raise ValueError("expected a timestamp, got a string that is not a date") from None
    if parsed.tzinfo is None:  # "-0000" and asctime dates carry no zone: they are UTC
        parsed = parsed.replace(tzinfo=datetime.UTC)
    try:
        return parsed.astimezone(datetime.UTC)
    except OverflowError:
        raise ValueError("timestamp out of range") from None
