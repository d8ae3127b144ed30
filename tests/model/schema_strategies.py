"""Hypothesis strategies built from the service schema, and botocore as an oracle.

Everything here is derived from ``microvm_sdk._schema.SCHEMA``: nothing names a shape of
the service, so the same code covers every operation and every shape the model has.

- :func:`objects` draws valid model objects (the Python side): constraints honoured
  (lengths, ranges, patterns, list and map sizes), enums with known and unknown values,
  every variant of every union, aware UTC datetimes. Lists are tuples, as the converter
  reads them, so drawn objects compare equal to what the converter returns.
- :func:`wire_values` draws valid JSON values per the model (the wire side): wire names,
  epoch-second timestamps, explicit ``null`` for optional members as the live service
  sends, and members the model does not have.
- :func:`to_model_dict` turns our objects into botocore's dict form (model member names),
  for comparing with botocore's serializer input and parser output.
"""

from __future__ import annotations

import datetime
import functools
import json
import string
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from botocore.loaders import Loader
from botocore.model import ServiceModel
from hypothesis import strategies as st

from microvm_sdk._core.enums import ModelEnum
from microvm_sdk._core.patterns import compile_pattern
from microvm_sdk._core.pipeline import codec_for
from microvm_sdk._core.schema import Shape
from microvm_sdk._schema import SCHEMA

ROOT = Path(__file__).resolve().parents[2]
MODEL_ROOT = ROOT / "service-model"
SERVICE = "lambda-microvms"
API_VERSION = "2025-09-09"

CONVERTER, VALIDATOR, PROTOCOL = codec_for(SCHEMA)
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

_INT_BOUNDS = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}


# -- botocore, loaded with the same model files ------------------------------------------


@functools.cache
def service_model() -> ServiceModel:
    """botocore's view of the repo's model (botocore's own data files are not searched)."""
    loader = Loader(extra_search_paths=[str(MODEL_ROOT)], include_default_search_paths=False)
    data = loader.load_service_model(SERVICE, "service-2", api_version=API_VERSION)
    return ServiceModel(data, service_name=SERVICE)


# -- schema walks ---------------------------------------------------------------------


def shape(name: str) -> Shape:
    return SCHEMA.shapes[name]


def is_enum(s: Shape) -> bool:
    return s.kind == "string" and bool(s.enum)


def is_unit(s: Shape) -> bool:
    return s.kind == "structure" and not s.members and s.error is None


def children(s: Shape) -> Iterator[str]:
    """Names of the shapes ``s`` refers to directly."""
    for member in s.members:
        yield member.target
    for target in (s.member, s.key, s.value):
        if target:
            yield target


def reachable(*roots: str) -> list[str]:
    """Every shape reachable from ``roots`` (roots included), in a stable order."""
    seen: dict[str, None] = {}
    todo = list(roots)
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        seen[name] = None
        todo.extend(children(shape(name)))
    return list(seen)


def holds_sensitive(name: str) -> bool:
    return any(shape(n).sensitive for n in reachable(name))


OPERATIONS = sorted(SCHEMA.operations)
OUTPUT_SHAPES = sorted({op.output for op in SCHEMA.operations.values() if op.output})
ERROR_SHAPES = sorted(n for n, s in SCHEMA.shapes.items() if s.error is not None)
OUTPUT_CLASSES = sorted(
    n
    for n in reachable(*OUTPUT_SHAPES)
    if shape(n).kind == "structure" and shape(n).cls is not None
)


# -- objects (the Python side) ----------------------------------------------------------


def _bounded(lo: float | None, hi: float | None, default_span: int) -> tuple[int, int]:
    low = int(lo or 0)
    high = low + default_span if hi is None else min(int(hi), low + default_span)
    return low, high


def _length_ok(s: Shape) -> Callable[[str], bool]:
    low = int(s.min or 0)
    high = None if s.max is None else int(s.max)
    return lambda v: len(v) >= low and (high is None or len(v) <= high)


def strings(s: Shape) -> st.SearchStrategy[str]:
    """Strings that satisfy the length and pattern constraints of ``s``."""
    if s.pattern:
        return st.from_regex(compile_pattern(s.pattern), fullmatch=True, alphabet=CHARS).filter(
            _length_ok(s)
        )
    low, high = _bounded(s.min, s.max, MAX_TEXT)
    return st.text(CHARS, min_size=low, max_size=high)


def secrets(s: Shape) -> st.SearchStrategy[str]:
    """Distinctive values for sensitive strings, so a leak in a repr cannot hide."""
    assert s.max is None or s.max >= 24
    return st.integers(0, 10**9).map(lambda n: f"S3CRET-{n:09d}-VALUE")


def integers(s: Shape) -> st.SearchStrategy[int]:
    low, high = _INT_BOUNDS[s.kind]
    return st.integers(low if s.min is None else int(s.min), high if s.max is None else int(s.max))


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
    """Non-null JSON values (what an unknown union member may carry)."""
    scalars = st.booleans() | st.integers(-(2**53), 2**53) | st.text(CHARS, max_size=8)
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(st.text(CHARS, max_size=6), inner, max_size=3)
        ),
        max_leaves=6,
    )


def objects(
    name: str, *, sensitive_markers: bool = False, unknown_variants: bool = False
) -> st.SearchStrategy[Any]:
    """Valid values of the shape ``name``, as the Python API holds them.

    Args:
        name: The shape.
        sensitive_markers: Draw sensitive strings as distinctive markers (``S3CRET-...``).
        unknown_variants: Also draw ``...Unknown`` union members (received, never sent).
    """
    return _objects(name, sensitive_markers, unknown_variants)


@functools.cache
def _objects(name: str, markers: bool, unknown_variants: bool) -> st.SearchStrategy[Any]:
    s = shape(name)

    def sub(target: str) -> st.SearchStrategy[Any]:
        return st.deferred(lambda: _objects(target, markers, unknown_variants))

    if s.kind == "structure":
        cls = s.cls
        assert cls is not None
        required = {m.name: sub(m.target) for m in s.members if m.required}
        optional = {m.name: sub(m.target) for m in s.members if not m.required}
        return st.fixed_dictionaries(required, optional=optional).map(lambda kw: cls(**kw))
    if s.kind == "union":
        options = [
            st.builds(lambda v, variant=m.variant: variant(value=v), sub(m.target))
            for m in s.members
            if m.variant is not None
        ]
        if unknown_variants:
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
    if is_enum(s):
        return enums(s)
    if s.kind == "string":
        return secrets(s) if (markers and s.sensitive) else strings(s)
    if s.kind in ("integer", "long"):
        return integers(s)
    if s.kind == "boolean":
        return st.booleans()
    if s.kind == "timestamp":
        return datetimes()
    raise AssertionError(f"no strategy for shape kind {s.kind!r} ({name})")


# -- wire values (the JSON side) --------------------------------------------------------


def epoch_seconds() -> st.SearchStrategy[int | float]:
    """Timestamps as the service sends them: epoch seconds, whole or with milliseconds."""
    return st.integers(0, EPOCH_MAX) | st.integers(0, EPOCH_MAX * 1000).map(lambda ms: ms / 1000)


def wire_values(name: str) -> st.SearchStrategy[Any]:
    """Valid JSON values of the shape ``name`` (wire names; optional members absent,
    ``null`` or set; now and then a member the model does not have)."""
    return _wire(name)


@functools.cache
def _wire(name: str) -> st.SearchStrategy[Any]:
    s = shape(name)

    def sub(target: str) -> st.SearchStrategy[Any]:
        return st.deferred(lambda: _wire(target))

    if s.kind == "structure":
        required = {
            m.wire_name: sub(m.target) for m in s.members if m.location == "body" and m.required
        }
        optional: dict[str, st.SearchStrategy[Any]] = {
            m.wire_name: st.none() | sub(m.target)
            for m in s.members
            if m.location == "body" and not m.required
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
        return st.dictionaries(_wire(s.key), sub(s.value), min_size=low, max_size=high)
    if is_enum(s):
        new = st.from_regex(r"[A-Z][A-Z_]{0,11}", fullmatch=True)
        return st.sampled_from(s.enum) | new
    if s.kind == "string":
        return strings(s)
    if s.kind in ("integer", "long"):
        return integers(s)
    if s.kind == "boolean":
        return st.booleans()
    if s.kind == "timestamp":
        return epoch_seconds()
    raise AssertionError(f"no wire strategy for shape kind {s.kind!r} ({name})")


def json_bytes(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8")


# -- our objects in botocore's dict form ------------------------------------------------


def to_model_dict(value: Any, name: str) -> Any:
    """``value`` (a model object or value of shape ``name``) keyed by model member names,
    ``None`` members left out, lists as lists, enums as plain strings."""
    s = shape(name)
    if s.kind == "structure":
        out = {}
        for member in s.members:
            item = getattr(value, member.name)
            if item is not None:
                out[member.model_name] = to_model_dict(item, member.target)
        return out
    if s.kind == "union":
        for member in s.members:
            if member.variant is not None and isinstance(value, member.variant):
                return {member.model_name: to_model_dict(value.value, member.target)}
        raise AssertionError(f"{value!r} is not a known member of union {name}")
    if s.kind == "list":
        assert s.member is not None
        return [to_model_dict(v, s.member) for v in value]
    if s.kind == "map":
        assert s.value is not None
        return {k: to_model_dict(v, s.value) for k, v in value.items()}
    if isinstance(value, ModelEnum):
        return str.__str__(value)
    return value


def normalize(value: Any) -> Any:
    """Compare-ready: datetimes as aware UTC, mappings as dicts, sequences as lists."""
    if isinstance(value, datetime.datetime):
        assert value.tzinfo is not None, f"naive datetime {value!r}"
        return value.astimezone(UTC)
    if isinstance(value, Mapping):
        return {k: normalize(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalize(v) for v in value]
    return value
