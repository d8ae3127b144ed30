"""Client-side validation of inputs against the model's constraints.

Every violation is collected (not just the first) and reported in one
:class:`~microvm_sdk._core.errors.ParamValidationError`, each line naming the member by its
Python path: ``hooks.microvm_hooks.run_timeout_in_seconds: 90 > max 60``. Nothing is sent
when validation fails. Values of sensitive members never appear in messages.

Enum members are not checked against the listed values: a value newer than this SDK may
be known to the service.

Members bound to the HTTP request have rules of their own: a host label must be a valid
host name part (letters, digits, ``-`` and ``.``), a URI label must not be empty, and a
header value must not hold a line break. Documents must be JSON: dicts with string keys,
lists, strings, finite numbers, booleans and ``None``.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from microvm_sdk._core.errors import ParamValidationError
from microvm_sdk._core.patterns import matches
from microvm_sdk._core.schema import Member, ServiceSchema, Shape

_HOST_LABEL = re.compile(r"[A-Za-z0-9.\-]+")
_MAX_DOCUMENT_DEPTH = 100

_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "boolean": (bool,),
    "timestamp": (datetime.datetime,),
    "blob": (bytes, bytearray),
}


class Validator:
    """Check model objects against the constraints of a schema."""

    def __init__(self, schema: ServiceSchema) -> None:
        self.schema = schema

    def validate(self, obj: Any, shape_name: str, *, operation: str | None = None) -> None:
        """Raise ``ParamValidationError`` listing every constraint ``obj`` breaks."""
        problems: list[str] = []
        self._structure(obj, self.schema.shapes[shape_name], "", problems, False)
        if problems:
            raise ParamValidationError(problems, operation=operation)

    def problems(self, obj: Any, shape_name: str) -> list[str]:
        """Return the violations of ``obj`` (empty when it is valid)."""
        problems: list[str] = []
        self._structure(obj, self.schema.shapes[shape_name], "", problems, False)
        return problems

    # -- walkers ----------------------------------------------------------------------

    def _structure(
        self, obj: Any, shape: Shape, path: str, out: list[str], sensitive: bool
    ) -> None:
        if shape.cls is not None and not isinstance(obj, shape.cls):
            out.append(
                f"{path or shape.name}: expected {shape.cls.__name__}, got {type(obj).__name__}"
            )
            return
        for member in shape.members:
            value = getattr(obj, member.name, None)
            where = f"{path}.{member.name}" if path else member.name
            if value is None:
                if member.required:
                    out.append(f"{where}: missing required member")
                continue
            target = self.schema.shapes[member.target]
            self._value(value, target, where, out, sensitive)
            if member.location != "body" or member.host_label:
                _binding(member, value, target, where, out)

    def _value(self, value: Any, shape: Shape, path: str, out: list[str], sensitive: bool) -> None:
        sensitive = sensitive or shape.sensitive
        kind = shape.kind
        if kind == "structure":
            self._structure(value, shape, path, out, sensitive)
        elif kind == "union":
            self._union(value, shape, path, out, sensitive)
        elif kind == "list":
            self._list(value, shape, path, out, sensitive)
        elif kind == "map":
            self._map(value, shape, path, out, sensitive)
        elif kind == "document":
            _document(value, path, out)
        else:
            self._scalar(value, shape, path, out, sensitive)

    def _union(self, value: Any, shape: Shape, path: str, out: list[str], sensitive: bool) -> None:
        for member in shape.members:
            if member.variant is not None and isinstance(value, member.variant):
                inner = getattr(value, "value", None)
                if inner is None:
                    out.append(f"{path}: {type(value).__name__}.value is required")
                    return
                target = self.schema.shapes[member.target]
                self._value(inner, target, f"{path}.{member.name}", out, sensitive)
                return
        if shape.unknown_cls is not None and isinstance(value, shape.unknown_cls):
            out.append(
                f"{path}: {type(value).__name__} (member {value.tag!r}) was received "
                "from the service and cannot be sent; use one of "
                + ", ".join(m.variant.__name__ for m in shape.members if m.variant)
            )
            return
        names = ", ".join(m.variant.__name__ for m in shape.members if m.variant)
        out.append(f"{path}: expected one of {names}, got {type(value).__name__}")

    def _list(self, value: Any, shape: Shape, path: str, out: list[str], sensitive: bool) -> None:
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            out.append(f"{path}: expected a list, got {type(value).__name__}")
            return
        self._size(len(value), shape, path, out, "items")
        assert shape.member is not None
        item = self.schema.shapes[shape.member]
        for index, element in enumerate(value):
            if element is None:
                out.append(f"{path}[{index}]: None is not allowed in a list")
            else:
                self._value(element, item, f"{path}[{index}]", out, sensitive)

    def _map(self, value: Any, shape: Shape, path: str, out: list[str], sensitive: bool) -> None:
        if not isinstance(value, Mapping):
            out.append(f"{path}: expected a mapping, got {type(value).__name__}")
            return
        self._size(len(value), shape, path, out, "entries")
        assert shape.key is not None and shape.value is not None
        key_shape, value_shape = self.schema.shapes[shape.key], self.schema.shapes[shape.value]
        for key, element in value.items():
            self._value(key, key_shape, f"{path} key {key!r}", out, sensitive)
            if element is None:
                out.append(f"{path}[{key!r}]: None is not allowed as a map value")
            else:
                self._value(element, value_shape, f"{path}[{key!r}]", out, sensitive)

    def _scalar(self, value: Any, shape: Shape, path: str, out: list[str], sensitive: bool) -> None:
        expected = _PYTHON_TYPES[shape.kind]
        if not isinstance(value, expected) or (isinstance(value, bool) and bool not in expected):
            out.append(f"{path}: expected {expected[0].__name__}, got {type(value).__name__}")
            return
        v: Any = value  # narrowed by the check above; mypy sees object
        if shape.kind == "string":
            self._size(len(v), shape, path, out, "characters")
            if shape.pattern and not matches(shape.pattern, v):
                shown = "value" if sensitive else repr(v)
                out.append(f"{path}: {shown} does not match pattern {shape.pattern}")
        elif shape.kind in ("integer", "long", "float", "double"):
            if shape.min is not None and v < shape.min:
                out.append(f"{path}: {v} < min {_number(shape.min)}")
            if shape.max is not None and v > shape.max:
                out.append(f"{path}: {v} > max {_number(shape.max)}")
        elif shape.kind == "timestamp" and v.tzinfo is None:
            out.append(f"{path}: naive datetime; pass an aware datetime (with a time zone)")
        elif shape.kind == "blob":
            self._size(len(v), shape, path, out, "bytes")

    @staticmethod
    def _size(size: int, shape: Shape, path: str, out: list[str], unit: str) -> None:
        if shape.min is not None and size < shape.min:
            out.append(f"{path}: {size} {unit} < min {_number(shape.min)}")
        if shape.max is not None and size > shape.max:
            out.append(f"{path}: {size} {unit} > max {_number(shape.max)}")


def _binding(member: Member, value: Any, target: Shape, path: str, out: list[str]) -> None:
    """The rules of the HTTP binding a member has (host label, URI label, header)."""
    if member.host_label and isinstance(value, str) and not _HOST_LABEL.fullmatch(value):
        out.append(f"{path}: must hold only letters, digits, '-' and '.' (it is a host label)")
    elif member.location == "uri" and value == "":
        out.append(f"{path}: must not be empty (it is a URI path segment)")
    elif member.location in ("header", "headers") and target.kind != "document":
        # A document header is base64 JSON: what it holds never reaches the header line.
        texts: list[Any]
        if isinstance(value, Mapping):
            texts = [*value.keys(), *value.values()]
        elif isinstance(value, (list, tuple)):
            texts = list(value)
        else:
            texts = [value]
        if any(isinstance(t, str) and ("\r" in t or "\n" in t) for t in texts):
            out.append(f"{path}: must not contain a line break (it is sent as a header)")


def _document(value: Any, path: str, out: list[str]) -> None:
    """Check that a document is JSON, without recursion (depth is bounded)."""
    todo: list[tuple[Any, int]] = [(value, 0)]
    while todo:
        item, depth = todo.pop()
        if depth > _MAX_DOCUMENT_DEPTH:
            out.append(f"{path}: document nested deeper than {_MAX_DOCUMENT_DEPTH} levels")
            return
        if item is None or isinstance(item, (str, bool, int)):
            continue
        if isinstance(item, float):
            if not math.isfinite(item):
                out.append(f"{path}: document holds {item}, which JSON cannot carry")
                return
        elif isinstance(item, Mapping):
            if not all(isinstance(key, str) for key in item):
                out.append(f"{path}: document object keys must be strings")
                return
            todo.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, (list, tuple)):
            todo.extend((v, depth + 1) for v in item)
        else:
            out.append(f"{path}: document holds a {type(item).__name__}, which is not JSON")
            return


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
