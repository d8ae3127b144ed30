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
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from microvm_sdk._core.errors import ParamValidationError
from microvm_sdk._core.patterns import Matcher, matcher
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


#: What checks a value: (value, path, problems, under a sensitive member?) -> None.
Check = Callable[[Any, str, list[str], bool], None]


class Validator:
    """Check model objects against the constraints of a schema.

    Each shape's check is compiled once, on first use, into a function that has looked
    up everything the shape needs (members, targets, bounds, compiled patterns), so a
    call only reads the object.
    """

    def __init__(self, schema: ServiceSchema) -> None:
        self.schema = schema
        self._checks: dict[str, Check] = {}

    def validate(self, obj: Any, shape_name: str, *, operation: str | None = None) -> None:
        """Raise ``ParamValidationError`` listing every constraint ``obj`` breaks."""
        problems: list[str] = []
        self._check(shape_name)(obj, "", problems, False)
        if problems:
            raise ParamValidationError(problems, operation=operation)

    def problems(self, obj: Any, shape_name: str) -> list[str]:
        """Return the violations of ``obj`` (empty when it is valid)."""
        problems: list[str] = []
        self._check(shape_name)(obj, "", problems, False)
        return problems

    # -- compiled checks --------------------------------------------------------------

    def _check(self, name: str) -> Check:
        check = self._checks.get(name)
        if check is None:
            check = self._checks[name] = self._compile(self.schema.shapes[name])
        return check

    def _later(self, name: str) -> Check:
        """The check of ``name``, looked up when first run (shapes may be recursive)."""
        found: list[Check] = []

        def check(value: Any, path: str, out: list[str], sensitive: bool) -> None:
            if not found:
                found.append(self._check(name))
            found[0](value, path, out, sensitive)

        return check

    def _compile(self, shape: Shape) -> Check:
        kind = shape.kind
        if kind == "structure":
            return self._structure(shape)
        if kind == "union":
            return self._union(shape)
        if kind == "list":
            return self._list(shape)
        if kind == "map":
            return self._map(shape)
        if kind == "document":
            return _document_check(shape.sensitive)
        return _scalar_check(shape)

    def _structure(self, shape: Shape) -> Check:
        cls = shape.cls
        top_name = shape.name
        own = shape.sensitive
        # The members' checks, looked up on the first run rather than now (shapes may
        # be recursive) and kept, so that a run calls them directly.
        members: list[tuple[str, bool, Check, Member | None, Shape, _Bounds | None]] | None = None

        def check(obj: Any, path: str, out: list[str], sensitive: bool) -> None:
            nonlocal members
            if cls is not None and not isinstance(obj, cls):
                out.append(f"{path or top_name}: expected {cls.__name__}, got {type(obj).__name__}")
                return
            sensitive = sensitive or own
            found = members
            if found is None:
                found = members = [
                    (
                        member.name,
                        member.required,
                        self._check(member.target),
                        member if member.location != "body" or member.host_label else None,
                        self.schema.shapes[member.target],
                        _string_bounds(self.schema.shapes[member.target]),
                    )
                    for member in shape.members
                ]
            for name, required, inner, bound, target, plain in found:
                value = getattr(obj, name, None)
                if value is None:
                    if required:
                        where = f"{path}.{name}" if path else name
                        out.append(f"{where}: missing required member")
                    continue
                if plain is not None and bound is None and value.__class__ is str:
                    # The string check's fast test, without calling it: most are fine. A
                    # member bound to the URI, a header or the host has rules of its own.
                    shortest, longest, matches = plain
                    if shortest <= len(value) <= longest and (matches is None or matches(value)):
                        continue
                where = f"{path}.{name}" if path else name
                inner(value, where, out, sensitive)
                if bound is not None:
                    _binding(bound, value, target, where, out)

        return check

    def _union(self, shape: Shape) -> Check:
        members = [m for m in shape.members if m.variant is not None]
        unknown = shape.unknown_cls
        names = ", ".join(m.variant.__name__ for m in members if m.variant is not None)
        own = shape.sensitive
        # As for structures: the variants' checks are looked up on the first run.
        variants: list[tuple[type, str, Check]] | None = None

        def check(value: Any, path: str, out: list[str], sensitive: bool) -> None:
            nonlocal variants
            sensitive = sensitive or own
            found = variants
            if found is None:
                found = variants = [
                    (m.variant, m.name, self._check(m.target))
                    for m in members
                    if m.variant is not None
                ]
            for variant, name, inner in found:
                if isinstance(value, variant):
                    content = getattr(value, "value", None)
                    if content is None:
                        out.append(f"{path}: {type(value).__name__}.value is required")
                        return
                    inner(content, f"{path}.{name}", out, sensitive)
                    return
            if unknown is not None and isinstance(value, unknown):
                out.append(
                    f"{path}: {type(value).__name__} (member {value.tag!r}) was received "
                    f"from the service and cannot be sent; use one of {names}"
                )
                return
            out.append(f"{path}: expected one of {names}, got {type(value).__name__}")

        return check

    def _list(self, shape: Shape) -> Check:
        assert shape.member is not None
        item = self._later(shape.member)
        size = _size_check(shape, "items")
        own = shape.sensitive

        def check(value: Any, path: str, out: list[str], sensitive: bool) -> None:
            if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
                out.append(f"{path}: expected a list, got {type(value).__name__}")
                return
            sensitive = sensitive or own
            if size is not None:
                size(len(value), path, out)
            for index, element in enumerate(value):
                if element is None:
                    out.append(f"{path}[{index}]: None is not allowed in a list")
                else:
                    item(element, f"{path}[{index}]", out, sensitive)

        return check

    def _map(self, shape: Shape) -> Check:
        assert shape.key is not None and shape.value is not None
        key_check, value_check = self._later(shape.key), self._later(shape.value)
        size = _size_check(shape, "entries")
        own = shape.sensitive

        def check(value: Any, path: str, out: list[str], sensitive: bool) -> None:
            if not isinstance(value, Mapping):
                out.append(f"{path}: expected a mapping, got {type(value).__name__}")
                return
            sensitive = sensitive or own
            if size is not None:
                size(len(value), path, out)
            for key, element in value.items():
                key_check(key, f"{path} key {key!r}", out, sensitive)
                if element is None:
                    out.append(f"{path}[{key!r}]: None is not allowed as a map value")
                else:
                    value_check(element, f"{path}[{key!r}]", out, sensitive)

        return check


#: A string's shortest and longest length and its pattern's matcher.
_Bounds = tuple[float, float, Matcher | None]


def _string_bounds(shape: Shape) -> _Bounds | None:
    """A string shape's length bounds and pattern, or ``None`` for another kind of shape.

    They are the fast test of its check (``check_string`` in :func:`_scalar_check`),
    which a structure also runs in place.
    """
    if shape.kind != "string":
        return None
    shortest = 0 if shape.min is None else shape.min
    longest = math.inf if shape.max is None else shape.max
    return shortest, longest, matcher(shape.pattern) if shape.pattern else None


def _size_check(shape: Shape, unit: str) -> Callable[[int, str, list[str]], None] | None:
    """The length bounds of ``shape`` as a check, or ``None`` when it has none."""
    low, high = shape.min, shape.max
    if low is None and high is None:
        return None

    def check(size: int, path: str, out: list[str]) -> None:
        if low is not None and size < low:
            out.append(f"{path}: {size} {unit} < min {_number(low)}")
        if high is not None and size > high:
            out.append(f"{path}: {size} {unit} > max {_number(high)}")

    return check


def _scalar_check(shape: Shape) -> Check:
    kind = shape.kind
    expected = _PYTHON_TYPES[kind]
    bool_ok = bool in expected
    expected_name = expected[0].__name__
    own = shape.sensitive
    low, high = shape.min, shape.max
    size = _size_check(shape, {"string": "characters", "blob": "bytes"}.get(kind, ""))
    pattern_text = shape.pattern if kind == "string" else None
    matches = matcher(pattern_text) if pattern_text else None
    numeric = kind in ("integer", "long", "float", "double")

    def check(value: Any, path: str, out: list[str], sensitive: bool) -> None:
        if not isinstance(value, expected) or (isinstance(value, bool) and not bool_ok):
            out.append(f"{path}: expected {expected_name}, got {type(value).__name__}")
            return
        v: Any = value  # narrowed by the check above; mypy sees object
        if kind == "string":
            if size is not None:
                size(len(v), path, out)
            if matches is not None and not matches(v):
                shown = "value" if sensitive or own else repr(v)
                out.append(f"{path}: {shown} does not match pattern {pattern_text}")
        elif numeric:
            if low is not None and v < low:
                out.append(f"{path}: {v} < min {_number(low)}")
            if high is not None and v > high:
                out.append(f"{path}: {v} > max {_number(high)}")
        elif kind == "timestamp":
            if v.tzinfo is None:
                out.append(f"{path}: naive datetime; pass an aware datetime (with a time zone)")
        elif kind == "blob" and size is not None:
            size(len(v), path, out)

    if kind != "string":
        return check
    # Most strings are fine: say so at the cost of one length and one pattern test, and
    # run the full check (which words the problems) only for the others.
    bounds = _string_bounds(shape)
    assert bounds is not None
    shortest, longest, _ = bounds

    def check_string(value: Any, path: str, out: list[str], sensitive: bool) -> None:
        if (
            value.__class__ is str
            and shortest <= len(value) <= longest
            and (matches is None or matches(value))
        ):
            return
        check(value, path, out, sensitive)

    return check_string


def _document_check(own: bool) -> Check:
    def check(value: Any, path: str, out: list[str], sensitive: bool) -> None:
        _document(value, path, out)

    return check


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
