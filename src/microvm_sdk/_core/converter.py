"""Wire <-> object conversion with cattrs, driven by the service schema.

One :class:`WireConverter` per schema, built on first use (building it compiles a
structure and an unstructure function per class, which takes a few milliseconds). It
handles what the live service really sends:

- explicit ``null`` for optional members, and members the model does not have (ignored);
- enum values this SDK does not know (kept as pseudo-members, see ``ModelEnum``);
- union members this SDK does not know (``...Unknown(tag=..., value=...)``);
- a required member that is missing or ``null``: "client error correction" in Smithy's
  sense. The member gets a zero value (``""``, ``0``, ``False``, an empty list or map,
  the epoch, a structure of zero values) and a warning is logged, instead of failing the
  whole call over one member.

AWS unions are externally tagged (``{"uri": "s3://..."}``), so the union hooks are ours;
cattrs' union strategies tag internally.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import logging
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from microvm_sdk._core.enums import ModelEnum
from microvm_sdk._core.errors import (
    DeserializationError,
    ParamValidationError,
    SerializationError,
)
from microvm_sdk._core.schema import ServiceSchema, Shape

T = TypeVar("T")
logger = logging.getLogger("microvm_sdk")
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_ZERO_BY_KIND: dict[str, Any] = {
    "string": "",
    "integer": 0,
    "long": 0,
    "float": 0.0,
    "double": 0.0,
    "boolean": False,
    "timestamp": 0,
    "blob": "",
    "list": [],
    "map": {},
    "structure": {},
}


class _Invalid(ValueError):
    """A wire value of the wrong JSON type (caught, then error correction runs)."""


def _strict_str(value: Any, _: Any) -> str:
    if type(value) is str:
        return value
    raise _Invalid(f"expected a string, got {type(value).__name__}")


def _strict_int(value: Any, _: Any) -> int:
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    raise _Invalid(f"expected an integer, got {type(value).__name__}")


def _strict_float(value: Any, _: Any) -> float:
    if type(value) in (int, float):
        return float(value)
    raise _Invalid(f"expected a number, got {type(value).__name__}")


def _strict_bool(value: Any, _: Any) -> bool:
    if type(value) is bool:
        return value
    raise _Invalid(f"expected a boolean, got {type(value).__name__}")


def _structure_enum(value: Any, tp: type[ModelEnum]) -> ModelEnum:
    if type(value) is str:
        return tp(value)
    raise _Invalid(f"expected a string for {tp.__name__}, got {type(value).__name__}")


def _unstructure_enum(value: ModelEnum) -> str:
    return str.__str__(value)


def _structure_timestamp(value: Any, _: Any) -> datetime.datetime:
    try:
        if type(value) in (int, float):
            return _EPOCH + datetime.timedelta(seconds=value)
        if isinstance(value, str):
            try:
                parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise _Invalid("expected a timestamp, got a string that is not ISO 8601") from None
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=datetime.UTC)
            return parsed.astimezone(datetime.UTC)
    except (OverflowError, ValueError) as exc:  # out of datetime's range, inf, nan
        if isinstance(exc, _Invalid):
            raise
        raise _Invalid("timestamp out of range") from None
    raise _Invalid(f"expected a timestamp, got {type(value).__name__}")


def _unstructure_timestamp(value: datetime.datetime) -> float | int:
    if value.tzinfo is None:
        raise SerializationError(
            f"naive datetime {value.isoformat()} has no time zone; pass an aware datetime "
            "(for example datetime.now(timezone.utc))"
        )
    seconds = (value - _EPOCH).total_seconds()
    return int(seconds) if seconds.is_integer() else seconds


def _structure_blob(value: Any, _: Any) -> bytes:
    if not isinstance(value, str):
        raise _Invalid(f"expected base64 text, got {type(value).__name__}")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise _Invalid("expected base64 text") from None


def _unstructure_blob(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _union_members(tp: Any) -> frozenset[Any] | None:
    origin = typing.get_origin(tp)
    if origin is typing.Union or isinstance(tp, types.UnionType):
        return frozenset(arg for arg in typing.get_args(tp) if arg is not type(None))
    return None


@attrs.frozen
class _UnionInfo:
    shape: Shape
    variants_by_tag: Mapping[str, tuple[type[Any], Any]]
    unknown_cls: type[Any]


class WireConverter:
    """Convert model objects to wire dicts and back, for one service schema."""

    def __init__(self, schema: ServiceSchema) -> None:
        self.schema = schema
        self._converter = cattrs.Converter(detailed_validation=False, forbid_extra_keys=False)
        self._unions: dict[frozenset[Any], _UnionInfo] = {}
        self._shape_by_class: dict[type[Any], Shape] = {}
        self._structure_fns: dict[type[Any], Callable[[Any, Any], Any]] = {}
        self._configure()

    # -- public API -------------------------------------------------------------------

    def to_wire(self, obj: Any) -> dict[str, Any]:
        """Return the wire dict (JSON-ready) of a model object's body members."""
        result: dict[str, Any] = self._converter.unstructure(obj)
        return result

    def value_to_wire(self, value: Any) -> Any:
        """Return the wire form of any model value (object, enum, list, timestamp, ...)."""
        return self._converter.unstructure(value)

    def from_wire(self, data: Any, cls: type[T]) -> T:
        """Read a wire dict into ``cls``, correcting what the service got wrong.

        Raises:
            DeserializationError: The data cannot be read even after error correction.
        """
        try:
            return self._converter.structure(data, cls)
        except (_Invalid, KeyError, TypeError, ValueError, AttributeError, OverflowError):
            pass
        shape = self._shape_by_class.get(cls)
        if shape is None or not isinstance(data, Mapping):
            raise DeserializationError(f"cannot read {type(data).__name__} as {cls.__name__}")
        repaired = self._repair(data, shape, cls.__name__)
        try:
            return self._converter.structure(repaired, cls)
        except (_Invalid, KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise DeserializationError(
                f"cannot read the response as {cls.__name__}: {exc}"
            ) from exc

    def input_from_params(self, params: Mapping[str, Any], shape: Shape) -> Any:
        """Build the input object of ``shape`` from a dict keyed by model member names.

        Strict (no error correction): a value of the wrong type or an unknown key raises
        ``ParamValidationError``. Missing required members are left ``None`` for the
        validator to report with the others.
        """
        assert shape.cls is not None
        problems: list[str] = []
        known = {m.model_name for m in shape.members}
        problems.extend(
            f"{key}: unknown parameter (expected one of {', '.join(sorted(known))})"
            for key in params
            if key not in known
        )
        kwargs: dict[str, Any] = {}
        for member in shape.members:
            raw = params.get(member.model_name)
            if raw is None:
                kwargs[member.name] = None
                continue
            try:
                kwargs[member.name] = self.value_from_wire(raw, member.target)
            except (
                _Invalid,
                KeyError,
                TypeError,
                ValueError,
                AttributeError,
                OverflowError,
            ) as exc:
                detail = f"missing member {exc}" if isinstance(exc, KeyError) else str(exc)
                problems.append(f"{member.name}: {detail}")
        if problems:
            raise ParamValidationError(problems)
        return shape.cls(**kwargs)

    def value_from_wire(self, data: Any, target: str) -> Any:
        """Read a wire value of the shape named ``target`` (scalars, lists, maps, classes)."""
        return self._converter.structure(data, self.python_type(target))

    def python_type(self, target: str) -> Any:
        """Return the Python type used for values of the shape ``target``."""
        shape = self.schema.shapes[target]
        if shape.cls is not None:
            return shape.cls
        if shape.kind == "union":
            variants = (*(m.variant for m in shape.members), shape.unknown_cls)
            return typing.Union[variants]  # noqa: UP007 - built at run time
        if shape.kind == "list":
            assert shape.member is not None
            return list[self.python_type(shape.member)]  # type: ignore[misc]
        if shape.kind == "map":
            assert shape.key is not None and shape.value is not None
            return dict[self.python_type(shape.key), self.python_type(shape.value)]  # type: ignore[misc]
        return {
            "string": str,
            "integer": int,
            "long": int,
            "float": float,
            "double": float,
            "boolean": bool,
            "timestamp": datetime.datetime,
            "blob": bytes,
        }[shape.kind]

    # -- construction -----------------------------------------------------------------

    def _configure(self) -> None:
        conv = self._converter
        conv.register_structure_hook(str, _strict_str)
        conv.register_structure_hook(int, _strict_int)
        conv.register_structure_hook(float, _strict_float)
        conv.register_structure_hook(bool, _strict_bool)
        conv.register_unstructure_hook(ModelEnum, _unstructure_enum)
        conv.register_structure_hook(datetime.datetime, _structure_timestamp)
        conv.register_unstructure_hook(datetime.datetime, _unstructure_timestamp)
        conv.register_structure_hook(bytes, _structure_blob)
        conv.register_unstructure_hook(bytes, _unstructure_blob)
        for shape in self.schema.shapes.values():
            if shape.kind == "union":
                self._configure_union(shape)
            elif shape.enum and shape.cls is not None:
                # Per class: the str hook would otherwise win through singledispatch.
                conv.register_structure_hook(shape.cls, _structure_enum)
            elif shape.kind == "structure" and shape.cls is not None and shape.error is None:
                self._shape_by_class[shape.cls] = shape
        conv.register_structure_hook_func(
            lambda tp: _union_members(tp) in self._unions, self._structure_union
        )
        self._input_shapes = {op.input for op in self.schema.operations.values() if op.input}
        # Factories, not eager registration: a class's hook is compiled when first needed,
        # after the hooks of the classes it holds can be found.
        known = self._shape_by_class.__contains__
        conv.register_structure_hook_factory(known, self._make_structure)
        conv.register_unstructure_hook_factory(known, self._make_unstructure)

    def _overrides(self, cls: type[Any]) -> dict[str, Any]:
        shape = self._shape_by_class[cls]
        attrs.resolve_types(cls)
        renames = {}
        for member in shape.members:
            if member.location != "body" and shape.name in self._input_shapes:
                renames[member.name] = override(omit=True)
            else:
                renames[member.name] = override(rename=member.wire_name)
        return renames

    def _make_structure(self, cls: type[Any]) -> Callable[[Any, Any], Any]:
        return make_dict_structure_fn(cls, self._converter, **self._overrides(cls))

    def _make_unstructure(self, cls: type[Any]) -> Callable[[Any], Any]:
        return make_dict_unstructure_fn(
            cls, self._converter, _cattrs_omit_if_default=True, **self._overrides(cls)
        )

    def _configure_union(self, shape: Shape) -> None:
        assert shape.unknown_cls is not None
        variants: dict[str, tuple[type[Any], Any]] = {}
        for member in shape.members:
            assert member.variant is not None
            attrs.resolve_types(member.variant)
            value_type = attrs.fields(member.variant).value.type
            variants[member.wire_name] = (member.variant, value_type)
            self._converter.register_unstructure_hook(
                member.variant, self._variant_unstructurer(member.wire_name, value_type)
            )
        self._converter.register_unstructure_hook(shape.unknown_cls, _unstructure_unknown)
        key = frozenset([*(v[0] for v in variants.values()), shape.unknown_cls])
        self._unions[key] = _UnionInfo(shape, variants, shape.unknown_cls)

    def _variant_unstructurer(self, tag: str, value_type: Any) -> Callable[[Any], Any]:
        unstructure = self._converter.unstructure

        def hook(obj: Any) -> dict[str, Any]:
            return {tag: unstructure(obj.value, value_type)}

        return hook

    def _structure_union(self, data: Any, tp: Any) -> Any:
        if data is None:
            return None
        info = self._unions[_union_members(tp)]  # type: ignore[index]
        if not isinstance(data, Mapping):
            raise _Invalid(
                f"expected an object for union {info.shape.name}, got {type(data).__name__}"
            )
        present = [(k, v) for k, v in data.items() if v is not None and k != "__type"]
        if len(present) != 1:
            raise _Invalid(f"union {info.shape.name} needs exactly one member, got {len(present)}")
        tag, value = present[0]
        variant = info.variants_by_tag.get(tag)
        if variant is None:
            return info.unknown_cls(tag=tag, value=value)
        cls, value_type = variant
        return cls(value=self._converter.structure(value, value_type))

    # -- error correction -------------------------------------------------------------

    def _repair(self, data: Mapping[str, Any], shape: Shape, path: str) -> dict[str, Any]:
        fixed = dict(data)
        for member in shape.members:
            if member.location != "body":
                continue
            target = self.schema.shapes[member.target]
            value = fixed.get(member.wire_name)
            where = f"{path}.{member.name}"
            if value is None:
                if member.required:
                    logger.warning(
                        "response is missing required member %s; using a zero value", where
                    )
                    value = self._zero(target)
                    fixed[member.wire_name] = value
                else:
                    continue
            fixed[member.wire_name] = self._repair_value(value, target, where)
        return fixed

    def _repair_value(self, value: Any, shape: Shape, path: str) -> Any:
        if shape.kind == "structure" and isinstance(value, Mapping):
            return self._repair(value, shape, path)
        if shape.kind == "list" and isinstance(value, list) and shape.member:
            item = self.schema.shapes[shape.member]
            return [
                self._repair_value(v, item, f"{path}[{i}]")
                for i, v in enumerate(value)
                if v is not None
            ]
        if shape.kind == "map" and isinstance(value, Mapping) and shape.value:
            item = self.schema.shapes[shape.value]
            return {
                k: self._repair_value(v, item, f"{path}[{k!r}]")
                for k, v in value.items()
                if v is not None
            }
        if shape.kind == "union" and isinstance(value, Mapping):
            present = {k: v for k, v in value.items() if v is not None and k != "__type"}
            if len(present) == 1:
                tag, inner = next(iter(present.items()))
                member = shape.member_by_wire_name(tag)
                if member is not None:
                    target = self.schema.shapes[member.target]
                    return {tag: self._repair_value(inner, target, f"{path}.{member.name}")}
            return present if present else {"": {}}
        return value

    def _zero(self, shape: Shape) -> Any:
        if shape.kind == "structure":
            return self._repair({}, shape, shape.name)
        if shape.kind == "union":
            return {"": {}}
        zero = _ZERO_BY_KIND[shape.kind]
        return zero.copy() if isinstance(zero, (list, dict)) else zero


def _unstructure_unknown(obj: Any) -> dict[str, Any]:
    return {obj.tag: obj.value}
