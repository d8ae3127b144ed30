"""The rules for single wire values: scalars, enums, timestamps, blobs, documents.

Both ways of converting whole shapes use these functions: the per-shape functions of
:mod:`microvm_sdk._core.shape_functions` and the cattrs rules of
:mod:`microvm_sdk._core.cattrs_converter`. Reading is strict about JSON types: a value of
the wrong type raises :class:`InvalidValue` (the converter then runs error correction).
The reading functions take a second, ignored argument: cattrs hands every hook the type
it structures.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import math
from collections.abc import Callable
from typing import Any

from microvm_sdk._core import timestamps
from microvm_sdk._core.document import plain
from microvm_sdk._core.enums import ModelEnum
from microvm_sdk._core.errors import SerializationError
from microvm_sdk._core.schema import Member

__all__ = [
    "SPECIAL_FLOATS",
    "InvalidValue",
    "member_key",
    "strict_bool",
    "strict_float",
    "strict_int",
    "strict_str",
    "structure_blob",
    "structure_document",
    "structure_enum",
    "structure_timestamp",
    "timestamp_unstructurer",
    "unstructure_blob",
    "unstructure_document",
    "unstructure_enum",
    "unstructure_float",
    "unstructure_timestamp",
]

Unstructure = Callable[[Any], Any]
SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_from_timestamp = datetime.datetime.fromtimestamp
_UTC = datetime.UTC


def member_key(member: Member) -> str:
    """The key a member's value has in the dict a converter reads a response from.

    Body members use their JSON name. Members bound elsewhere (headers, the status code)
    get a key that no JSON name of the shape can clash with, so that a body member the
    service sends can never be taken for one of them.
    """
    if member.location == "body":
        return member.wire_name
    return f"@{member.location}:{member.wire_name}"


class InvalidValue(ValueError):
    """A wire value of the wrong JSON type (caught, then error correction runs)."""


def strict_str(value: Any, _: Any) -> str:
    if type(value) is str:
        return value
    raise InvalidValue(f"expected a string, got {type(value).__name__}")


def strict_int(value: Any, _: Any) -> int:
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    raise InvalidValue(f"expected an integer, got {type(value).__name__}")


def strict_float(value: Any, _: Any) -> float:
    if type(value) in (int, float):
        return float(value)
    if type(value) is str and value in SPECIAL_FLOATS:
        return SPECIAL_FLOATS[value]
    raise InvalidValue(f"expected a number, got {type(value).__name__}")


def unstructure_float(value: float) -> float | str:
    if math.isfinite(value):
        return value
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def strict_bool(value: Any, _: Any) -> bool:
    if type(value) is bool:
        return value
    raise InvalidValue(f"expected a boolean, got {type(value).__name__}")


def structure_enum(value: Any, tp: type[ModelEnum]) -> ModelEnum:
    if type(value) is str:
        return tp(value)
    raise InvalidValue(f"expected a string for {tp.__name__}, got {type(value).__name__}")


def unstructure_enum(value: ModelEnum) -> str:
    return str.__str__(value)


def structure_timestamp(value: Any, _: Any) -> datetime.datetime:
    if value.__class__ is int:
        # Whole epoch seconds, what JSON bodies carry: the C conversion gives the same
        # datetime as the general rule at a quarter of its cost. A value beyond what the
        # platform converts is left to the general rule, which decides.
        try:
            return _from_timestamp(value, _UTC)
        except (OverflowError, OSError, ValueError):
            pass
    try:
        return timestamps.parse(value)
    except ValueError as exc:
        raise InvalidValue(str(exc)) from None


def unstructure_timestamp(value: datetime.datetime) -> float | int:
    try:
        return timestamps.epoch_seconds(value)
    except ValueError as exc:
        raise SerializationError(str(exc)) from None


def timestamp_unstructurer(fmt: timestamps.Format) -> Unstructure:
    def hook(value: datetime.datetime) -> int | float | str:
        try:
            return timestamps.to_json(value, fmt)
        except ValueError as exc:
            raise SerializationError(str(exc)) from None

    return hook


def structure_document(value: Any, _: Any) -> Any:
    return value


def unstructure_document(value: Any) -> Any:
    return plain(value)


def structure_blob(value: Any, _: Any) -> bytes:
    if type(value) is bytes:  # an HTTP payload, read as it is
        return value
    if not isinstance(value, str):
        raise InvalidValue(f"expected base64 text, got {type(value).__name__}")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise InvalidValue("expected base64 text") from None


def unstructure_blob(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")
