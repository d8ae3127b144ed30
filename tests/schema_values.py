"""Hypothesis strategies built from any service schema, and botocore's dict form of values.

Everything here is derived from a :class:`~microvm_sdk._core.schema.ServiceSchema`:
nothing names a shape of a service, so the same code draws values for this SDK's model
(``tests/model/schema_strategies.py`` binds it to ``microvm_sdk._schema.SCHEMA``) and for
the packages the generator writes at test time for other services.

- :meth:`SchemaValues.objects` draws valid model objects (the Python side): constraints
  honoured (lengths, ranges, patterns, list and map sizes), enums with known and unknown
  values, every variant of every union, aware UTC datetimes, any float (``NaN`` and the
  infinities too), bytes, JSON documents. Lists are tuples, as the converter reads them.
- :meth:`SchemaValues.wire` draws valid JSON values per the model (the wire side): wire
  names, timestamps in the shape's format, base64 blobs, ``"NaN"``-style floats, explicit
  ``null`` for optional members as the live service sends, and members the model does
  not have.
- :meth:`SchemaValues.to_model_dict` turns objects into botocore's dict form (model
  member names), for botocore's serializer input and for comparing with its parser.
"""

from __future__ import annotations

import base64
import datetime
import functools
import json
import math
import string
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from hypothesis import strategies as st

from microvm_sdk._core import timestamps
from microvm_sdk._core.enums import ModelEnum
from microvm_sdk._core.patterns import compile_pattern
from microvm_sdk._core.schema import ServiceSchema, Shape

UTC = datetime.UTC
# Valid UTF-8 only: the wire is UTF-8 JSON, so lone surrogates cannot travel. Half the
# characters are printable ASCII, so the reserved ones (``:/?#&=+%`` and space) that URI
# and query encoding must handle turn up often.
CHARS = st.sampled_from(string.printable) | st.characters(codec="utf-8")
MAX_TEXT = 24  # longest unconstrained string drawn (plus the shape's minimum)
MAX_ITEMS = 3  # most list items / map entries drawn (raised to the shape's minimum)
MIN_TIME = datetime.datetime(1970, 1, 1)
MAX_TIME = datetime.datetime(2100, 1, 1)
EPOCH_MAX = int((MAX_TIME - MIN_TIME).total_seconds())
SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}

_INT_BOUNDS = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}


def _bounded(lo: float | None, hi: float | None, default_span: int) -> tuple[int, int]:
    low = int(lo or 0)
    high = low + default_span if hi is None else min(int(hi), low + default_span)
    return low, high


def _length_ok(s: Shape) -> Callable[[str], bool]:
    low = int(s.min or 0)
    high = None if s.max is None else int(s.max)
    return lambda v: len(v) >= low and (high is None or len(v) <= high)


def strings(s: Shape, alphabet: st.SearchStrategy[str] = CHARS) -> st.SearchStrategy[str]:
    """Strings that satisfy the length and pattern constraints of ``s``."""
    if s.pattern:
        return st.from_regex(compile_pattern(s.pattern), fullmatch=True, alphabet=alphabet).filter(
            _length_ok(s)
        )
    low, high = _bounded(s.min, s.max, MAX_TEXT)
    return st.text(alphabet, min_size=low, max_size=high)


def secrets(s: Shape) -> st.SearchStrategy[str]:
    """Distinctive values for sensitive strings, so a leak in a repr cannot hide."""
    assert s.max is None or s.max >= 24
    return st.integers(0, 10**9).map(lambda n: f"S3CRET-{n:09d}-VALUE")


def integers(s: Shape) -> st.SearchStrategy[int]:
    low, high = _INT_BOUNDS[s.kind]
    return st.integers(low if s.min is None else int(s.min), high if s.max is None else int(s.max))


def floats(s: Shape) -> st.SearchStrategy[float]:
    """Any float within the shape's range; NaN and the infinities when it has none."""
    if s.min is None and s.max is None:
        return st.floats()
    return st.floats(s.min, s.max, allow_nan=False)


def enums(s: Shape, *, unknown: bool = True) -> st.SearchStrategy[ModelEnum]:
    cls = s.cls
    assert cls is not None
    known = st.sampled_from([cls(v) for v in s.enum])
    if not unknown:
        return known
    new = st.from_regex(r"[A-Z][A-Z_0-9]{0,11}", fullmatch=True).filter(lambda v: v not in s.enum)
    return known | new.map(cls)


def datetimes() -> st.SearchStrategy[datetime.datetime]:
    """Aware UTC datetimes with microseconds."""
    return st.datetimes(MIN_TIME, MAX_TIME, timezones=st.just(UTC))


def documents() -> st.SearchStrategy[Any]:
    """Non-null JSON values (what a document or an unknown union member may carry)."""
    scalars = st.booleans() | st.integers(-(2**53), 2**53) | st.text(CHARS, max_size=8)
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(st.text(CHARS, max_size=6), inner, max_size=3)
        ),
        max_leaves=6,
    )


def epoch_seconds() -> st.SearchStrategy[int | float]:
    """Timestamps as services send them: epoch seconds, whole or with milliseconds."""
    return st.integers(0, EPOCH_MAX) | st.integers(0, EPOCH_MAX * 1000).map(lambda ms: ms / 1000)


def timestamp_texts(fmt: str | None) -> st.SearchStrategy[Any]:
    """Wire timestamps in ``fmt``: epoch numbers, ISO 8601 (``Z`` or an offset) or http-date."""
    if fmt == "iso8601":
        offsets = st.sampled_from(["Z", "+00:00", "+01:00", "-05:30"])
        return st.builds(
            lambda when, offset: (
                when.strftime("%Y-%m-%dT%H:%M:%S")
                + (when.strftime(".%f") if when.microsecond else "")
                + offset
            ),
            st.datetimes(datetime.datetime(1971, 1, 1), datetime.datetime(2099, 1, 1)),
            offsets,
        )
    if fmt == "rfc822":
        return datetimes().map(timestamps.http_date)
    return epoch_seconds()


def json_bytes(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8")


def normalize(value: Any) -> Any:
    """Compare-ready: datetimes as aware UTC, mappings as dicts, sequences as lists, NaN as
    the string ``"NaN"`` (it equals nothing, itself included)."""
    if isinstance(value, datetime.datetime):
        assert value.tzinfo is not None, f"naive datetime {value!r}"
        return value.astimezone(UTC)
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, Mapping):
        return {k: normalize(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalize(v) for v in value]
    return value


class SchemaValues:
    """Strategies and conversions for the shapes of one schema."""

    def __init__(self, schema: ServiceSchema) -> None:
        self.schema = schema
        self._objects = functools.cache(self._draw_objects)
        self._wire = functools.cache(self._draw_wire)

    # -- schema walks -------------------------------------------------------------------

    def shape(self, name: str) -> Shape:
        return self.schema.shapes[name]

    @staticmethod
    def is_enum(s: Shape) -> bool:
        return s.kind == "string" and bool(s.enum)

    @staticmethod
    def is_unit(s: Shape) -> bool:
        return s.kind == "structure" and not s.members and s.error is None

    def children(self, s: Shape) -> Iterator[str]:
        """Names of the shapes ``s`` refers to directly."""
        for member in s.members:
            yield member.target
        for target in (s.member, s.key, s.value):
            if target:
                yield target

    def reachable(self, *roots: str) -> list[str]:
        """Every shape reachable from ``roots`` (roots included), in a stable order."""
        seen: dict[str, None] = {}
        todo = list(roots)
        while todo:
            name = todo.pop(0)
            if name in seen:
                continue
            seen[name] = None
            todo.extend(self.children(self.shape(name)))
        return list(seen)

    def holds_sensitive(self, name: str) -> bool:
        return any(self.shape(n).sensitive for n in self.reachable(name))

    # -- objects (the Python side) ------------------------------------------------------

    def objects(
        self, name: str, *, sensitive_markers: bool = False, unknown_variants: bool = False
    ) -> st.SearchStrategy[Any]:
        """Valid values of the shape ``name``, as the Python API holds them.

        Args:
            name: The shape.
            sensitive_markers: Draw sensitive strings as distinctive markers (``S3CRET-...``).
            unknown_variants: Also draw ``...Unknown`` union members (received, never sent).
        """
        return self._objects(name, sensitive_markers, unknown_variants)

    def _draw_objects(self, name: str, markers: bool, unknown: bool) -> st.SearchStrategy[Any]:
        s = self.shape(name)

        def sub(target: str) -> st.SearchStrategy[Any]:
            return st.deferred(lambda: self._objects(target, markers, unknown))

        if s.kind == "structure":
            cls = s.cls
            assert cls is not None
            fields = {m.name: (m, self._member_objects(m, sub)) for m in s.members}
            required = {k: v for k, (m, v) in fields.items() if m.required}
            optional = {k: v for k, (m, v) in fields.items() if not m.required}
            return st.fixed_dictionaries(required, optional=optional).map(lambda kw: cls(**kw))
        if s.kind == "union":
            options = [
                st.builds(lambda v, variant=m.variant: variant(value=v), sub(m.target))
                for m in s.members
                if m.variant is not None
            ]
            if unknown:
                assert s.unknown_cls is not None
                tags = {m.wire_name for m in s.members} | {"__type"}
                options.append(
                    st.builds(
                        s.unknown_cls,
                        tag=st.from_regex(r"[a-z][A-Za-z]{0,9}", fullmatch=True).filter(
                            lambda t: t not in tags
                        ),
                        value=documents(),
                    )
                )
            return st.one_of(options)
        if s.kind == "list":
            assert s.member is not None
            low, high = _bounded(s.min, s.max, MAX_ITEMS)
            return st.lists(sub(s.member), min_size=low, max_size=high).map(tuple)
        if s.kind == "map":
            assert s.key is not None and s.value is not None
            low, high = _bounded(s.min, s.max, MAX_ITEMS)
            return st.dictionaries(sub(s.key), sub(s.value), min_size=low, max_size=high)
        if self.is_enum(s):
            return enums(s)
        if s.kind == "string":
            return secrets(s) if (markers and s.sensitive) else strings(s)
        if s.kind in ("integer", "long"):
            return integers(s)
        if s.kind in ("float", "double"):
            return floats(s)
        if s.kind == "boolean":
            return st.booleans()
        if s.kind == "timestamp":
            return datetimes()
        if s.kind == "blob":
            low, high = _bounded(s.min, s.max, MAX_TEXT)
            return st.binary(min_size=low, max_size=high)
        if s.kind == "document":
            return documents()
        raise AssertionError(f"no strategy for shape kind {s.kind!r} ({name})")

    def _member_objects(
        self, member: Any, sub: Callable[[str], st.SearchStrategy[Any]]
    ) -> st.SearchStrategy[Any]:
        if member.host_label:  # a host name part, as botocore's serializer demands
            return strings(self.shape(member.target), st.sampled_from("abcxyz0129-."))
        return sub(member.target)

    # -- wire values (the JSON side) ----------------------------------------------------

    def wire(self, name: str) -> st.SearchStrategy[Any]:
        """Valid JSON values of the shape ``name`` (wire names; optional members absent,
        ``null`` or set; now and then a member the model does not have)."""
        return self._wire(name)

    def _draw_wire(self, name: str) -> st.SearchStrategy[Any]:
        s = self.shape(name)

        def sub(target: str) -> st.SearchStrategy[Any]:
            return st.deferred(lambda: self._wire(target))

        if s.kind == "structure":
            body = [m for m in s.members if m.location == "body"]
            required = {m.wire_name: sub(m.target) for m in body if m.required}
            optional: dict[str, st.SearchStrategy[Any]] = {
                m.wire_name: st.none() | sub(m.target) for m in body if not m.required
            }
            optional["aMemberFromTheFuture"] = st.none() | st.text(CHARS, max_size=5)
            return st.fixed_dictionaries(required, optional=optional)
        if s.kind == "union":
            return st.one_of(
                [sub(m.target).map(lambda v, tag=m.wire_name: {tag: v}) for m in s.members]
            )
        if s.kind == "list":
            assert s.member is not None
            low, high = _bounded(s.min, s.max, MAX_ITEMS)
            return st.lists(sub(s.member), min_size=low, max_size=high)
        if s.kind == "map":
            assert s.key is not None and s.value is not None
            low, high = _bounded(s.min, s.max, MAX_ITEMS)
            return st.dictionaries(self._wire(s.key), sub(s.value), min_size=low, max_size=high)
        if self.is_enum(s):
            new = st.from_regex(r"[A-Z][A-Z_]{0,11}", fullmatch=True)
            return st.sampled_from(s.enum) | new
        if s.kind == "string":
            return strings(s)
        if s.kind in ("integer", "long"):
            return integers(s)
        if s.kind in ("float", "double"):
            finite = floats(s).filter(math.isfinite)
            if s.min is None and s.max is None:
                return finite | st.sampled_from(sorted(SPECIAL_FLOATS))
            return finite
        if s.kind == "boolean":
            return st.booleans()
        if s.kind == "timestamp":
            return timestamp_texts(s.timestamp_format)
        if s.kind == "blob":
            low, high = _bounded(s.min, s.max, MAX_TEXT)
            return st.binary(min_size=low, max_size=high).map(
                lambda b: base64.b64encode(b).decode("ascii")
            )
        if s.kind == "document":
            return documents()
        raise AssertionError(f"no wire strategy for shape kind {s.kind!r} ({name})")

    # -- our objects in botocore's dict form --------------------------------------------

    def to_model_dict(self, value: Any, name: str) -> Any:
        """``value`` (a model object or value of shape ``name``) keyed by model member names,
        ``None`` members left out, lists as lists, enums as plain strings."""
        s = self.shape(name)
        if s.kind == "structure":
            out = {}
            for member in s.members:
                item = getattr(value, member.name)
                if item is not None:
                    out[member.model_name] = self.to_model_dict(item, member.target)
            return out
        if s.kind == "union":
            for member in s.members:
                if member.variant is not None and isinstance(value, member.variant):
                    return {member.model_name: self.to_model_dict(value.value, member.target)}
            raise AssertionError(f"{value!r} is not a known member of union {name}")
        if s.kind == "list":
            assert s.member is not None
            return [self.to_model_dict(v, s.member) for v in value]
        if s.kind == "map":
            assert s.value is not None
            return {k: self.to_model_dict(v, s.value) for k, v in value.items()}
        if isinstance(value, ModelEnum):
            return str.__str__(value)
        return value

    def from_model_dict(self, value: Any, name: str) -> Any:
        """The typed value of shape ``name`` for a value in botocore's dict form.

        Also reads what botocore's protocol tests write: epoch numbers for timestamps,
        text for blobs, ``"NaN"``-style strings for floats.
        """
        if value is None:
            return None
        s = self.shape(name)
        if s.kind == "structure":
            assert s.cls is not None, name
            return s.cls(
                **{
                    m.name: self.from_model_dict(value[m.model_name], m.target)
                    for m in s.members
                    if m.model_name in value
                }
            )
        if s.kind == "union":
            (tag, inner), *rest = value.items()
            assert not rest, f"more than one member for union {name}: {value}"
            member = next(m for m in s.members if m.model_name == tag)
            assert member.variant is not None
            return member.variant(value=self.from_model_dict(inner, member.target))
        if s.kind == "list":
            return tuple(self.from_model_dict(v, s.member or "") for v in value)
        if s.kind == "map":
            return {k: self.from_model_dict(v, s.value or "") for k, v in value.items()}
        if s.kind == "timestamp" and not isinstance(value, datetime.datetime):
            return datetime.datetime.fromtimestamp(value, UTC)
        if s.kind == "blob" and isinstance(value, str):
            return value.encode("utf-8")
        if s.kind in ("float", "double") and isinstance(value, str):
            return SPECIAL_FLOATS[value]
        if self.is_enum(s) and s.cls is not None:
            return s.cls(value)
        return value
