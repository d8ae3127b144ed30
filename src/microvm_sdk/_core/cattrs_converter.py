"""The rules of wire <-> object conversion, with cattrs, driven by the service schema.

This is the reference. :class:`~microvm_sdk._core.converter.WireConverter` answers most
calls with the per-shape functions of :mod:`microvm_sdk._core.shape_functions`, which
give the same result as this converter or decline (tests compare the two over every
shape), and hands the rest here: error correction, inputs built from plain dicts, and
values those functions do not cover. It is built on the first such use, which imports
cattrs.

One :class:`CattrsConverter` per schema (building it compiles a structure and an
unstructure function per class, which takes a few milliseconds). It handles what the
live service really sends:

- explicit ``null`` for optional members, and members the model does not have (ignored);
- enum values this SDK does not know (kept as pseudo-members, see ``ModelEnum``);
- union members this SDK does not know (``...Unknown(tag=..., value=...)``);
- a required member that is missing or ``null``: "client error correction" in Smithy's
  sense. The member gets a zero value (``""``, ``0``, ``False``, an empty list or map,
  the epoch, a structure of zero values) and a warning is logged, instead of failing the
  whole call over one member.

AWS unions are externally tagged (``{"uri": "s3://..."}``), so the union hooks are ours;
cattrs' union strategies tag internally.

Per member, the model may ask for more than a per-type hook can give: a timestamp format
other than epoch seconds (on the member or its target shape, also inside lists and maps)
and documents (any JSON value). Such members get their own hooks, built from the schema
once; members that need nothing special cost nothing extra. Non-finite floats travel as
the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"``.

Members bound outside the JSON body (headers, the status code) are left out of request
bodies. When reading, the protocol hands them in under :func:`member_key`, a key no JSON
member of the shape uses.
"""

from __future__ import annotations

import collections.abc
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
from microvm_sdk._core.errors import DeserializationError, ParamValidationError
from microvm_sdk._core.schema import ServiceSchema, Shape
from microvm_sdk._core.wire_values import (
    InvalidValue,
    member_key,
    strict_bool,
    strict_float,
    strict_int,
    strict_str,
    structure_blob,
    structure_document,
    structure_enum,
    structure_timestamp,
    timestamp_unstructurer,
    unstructure_blob,
    unstructure_document,
    unstructure_enum,
    unstructure_float,
    unstructure_timestamp,
)

T = TypeVar("T")
Unstructure = Callable[[Any], Any]
Structure = Callable[[Any, Any], Any]
logger = logging.getLogger("microvm_sdk")
#: What reading a value that does not fit its type raises (the hooks', cattrs' and the
#: classes' own errors).
_UNREADABLE = (InvalidValue, KeyError, TypeError, ValueError, AttributeError, OverflowError)
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
    "document": None,
}


def _union_members(tp: Any) -> frozenset[Any] | None:
    origin = typing.get_origin(tp)
    if origin is typing.Union or isinstance(tp, types.UnionType):
        return frozenset(arg for arg in typing.get_args(tp) if arg is not type(None))
    return None


def _is_sequence(tp: Any) -> bool:
    return typing.get_origin(tp) is collections.abc.Sequence


def _is_optional(tp: Any) -> bool:
    """``X | None`` for one type ``X`` (``A | B | None`` is a union of its own)."""
    origin = typing.get_origin(tp)
    if origin is not typing.Union and not isinstance(tp, types.UnionType):
        return False
    args = typing.get_args(tp)
    return len(args) == 2 and type(None) in args


@attrs.frozen
class _UnionInfo:
    shape: Shape
    variants_by_tag: Mapping[str, tuple[type[Any], Any, Structure | None]]
    unknown_cls: type[Any]


class CattrsConverter:
    """The rules: model objects to wire dicts and back with cattrs, for one service schema."""

    def __init__(self, schema: ServiceSchema) -> None:
        self.schema = schema
        self._converter = cattrs.Converter(detailed_validation=False, forbid_extra_keys=False)
        self._unions: dict[frozenset[Any], _UnionInfo] = {}
        self._shape_by_class: dict[type[Any], Shape] = {}
        self._structure_fns: dict[type[Any], Callable[[Any, Any], Any]] = {}
        self._hooks: dict[tuple[str, str | None], tuple[Unstructure | None, Structure | None]] = {}
        self._configure()

    # -- public API -------------------------------------------------------------------

    def to_wire(self, obj: Any) -> dict[str, Any]:
        """Return the wire dict (JSON-ready) of a model object's body members.

        Members of an input bound outside the body (URI, query, headers) are left out;
        those of an output (headers, status code) are included under their model names.
        """
        result: dict[str, Any] = self._converter.unstructure(obj)
        return result

    def value_to_wire(self, value: Any, target: str | None = None) -> Any:
        """Return the wire form of any model value (object, enum, list, timestamp, ...).

        ``target`` names the value's shape, for values that need it (a timestamp with a
        format of its own, a document).
        """
        if target is not None:
            unstructure, _ = self.hooks(target)
            if unstructure is not None:
                return unstructure(value)
        return self._converter.unstructure(value)

    def from_wire(self, data: Any, cls: type[T]) -> T:
        """Read a wire dict into ``cls``, correcting what the service got wrong.

        Raises:
            DeserializationError: The data cannot be read even after error correction.
        """
        structure = self._structure_fns.get(cls)
        if structure is None:
            structure = self._structure_fns[cls] = self._hook_of(cls)
        try:
            result: T = structure(data, cls)
            return result
        except _UNREADABLE:
            pass
        shape = self._shape_by_class.get(cls)
        if shape is None or not isinstance(data, Mapping):
            raise DeserializationError(f"cannot read {type(data).__name__} as {cls.__name__}")
        repaired = self._repair(data, shape, cls.__name__)
        try:
            return self._converter.structure(repaired, cls)
        except _UNREADABLE as exc:
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
            except _UNREADABLE as exc:
                detail = f"missing member {exc}" if isinstance(exc, KeyError) else str(exc)
                problems.append(f"{member.name}: {detail}")
        if problems:
            raise ParamValidationError(problems)
        return shape.cls(**kwargs)

    def value_from_wire(self, data: Any, target: str) -> Any:
        """Read a wire value of the shape named ``target`` (scalars, lists, maps, classes)."""
        _, structure = self.hooks(target)
        if structure is not None:
            return structure(data, None)
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
            "document": Any,
        }[shape.kind]

    def hooks(
        self, target: str, timestamp_format: str | None = None
    ) -> tuple[Unstructure | None, Structure | None]:
        """The hooks values of shape ``target`` need beyond the per-type ones, if any.

        ``(None, None)`` for almost every shape. A timestamp whose format is not epoch
        seconds gets an unstructure hook, a document both, and so do lists and maps that
        hold either. ``timestamp_format`` is a member's own format.
        """
        key = (target, timestamp_format)
        found = self._hooks.get(key)
        if found is None:
            found = self._hooks[key] = self._build_hooks(target, timestamp_format)
        return found

    # -- construction -----------------------------------------------------------------

    def _hook_of(self, tp: Any) -> Structure:
        """The structure function of ``tp``, found once.

        cattrs 24.1 and later hand it out (``get_structure_hook``); with older releases
        every call goes through ``structure``, which finds it again.
        """
        converter = self._converter
        get_hook = getattr(converter, "get_structure_hook", None)
        if get_hook is not None:
            hook: Structure = get_hook(tp)
            return hook
        return converter.structure

    def _make_optional(self, tp: Any) -> Structure:
        """``X | None``: ``None`` as is, anything else by ``X``'s hook, found once.

        cattrs' own optional hook looks ``X``'s hook up again on every value.
        """
        inner_type = next(arg for arg in typing.get_args(tp) if arg is not type(None))
        inner = self._hook_of(inner_type)

        def structure_optional(value: Any, _: Any) -> Any:
            return None if value is None else inner(value, inner_type)

        return structure_optional

    def _configure(self) -> None:
        conv = self._converter
        conv.register_structure_hook(str, strict_str)
        conv.register_structure_hook(int, strict_int)
        conv.register_structure_hook(float, strict_float)
        conv.register_unstructure_hook(float, unstructure_float)
        conv.register_structure_hook(bool, strict_bool)
        conv.register_unstructure_hook(ModelEnum, unstructure_enum)
        conv.register_structure_hook(datetime.datetime, structure_timestamp)
        conv.register_unstructure_hook(datetime.datetime, unstructure_timestamp)
        conv.register_structure_hook(bytes, structure_blob)
        conv.register_unstructure_hook(bytes, unstructure_blob)
        for shape in self.schema.shapes.values():
            if shape.kind == "union":
                self._configure_union(shape)
            elif shape.enum and shape.cls is not None:
                # Per class: the str hook would otherwise win through singledispatch.
                conv.register_structure_hook(shape.cls, structure_enum)
            elif shape.kind == "structure" and shape.cls is not None and shape.error is None:
                self._shape_by_class[shape.cls] = shape
        conv.register_structure_hook_factory(_is_optional, self._make_optional)
        conv.register_structure_hook_factory(
            lambda tp: _union_members(tp) in self._unions, self._make_union
        )
        # Lists become tuples, as cattrs 24.1 and newer structure ``Sequence[T]`` on their
        # own; older releases give lists, and responses are immutable all the way down.
        conv.register_structure_hook_factory(_is_sequence, self._make_sequence)
        self._input_shapes = {op.input for op in self.schema.operations.values() if op.input}
        # Factories, not eager registration: a class's hook is compiled when first needed,
        # after the hooks of the classes it holds can be found.
        known = self._shape_by_class.__contains__
        conv.register_structure_hook_factory(known, self._make_structure)
        conv.register_unstructure_hook_factory(known, self._make_unstructure)

    def _build_hooks(
        self, target: str, timestamp_format: str | None
    ) -> tuple[Unstructure | None, Structure | None]:
        shape = self.schema.shapes[target]
        if shape.kind == "timestamp":
            fmt = timestamp_format or shape.timestamp_format
            if fmt in ("iso8601", "rfc822"):
                return timestamp_unstructurer(fmt), None  # type: ignore[arg-type]
            return None, None
        if shape.kind == "document":
            return unstructure_document, structure_document
        if shape.kind == "list":
            assert shape.member is not None
            return self._list_hooks(shape.member)
        if shape.kind == "map":
            assert shape.key is not None and shape.value is not None
            return self._map_hooks(shape.key, shape.value)
        return None, None

    def _list_hooks(self, item: str) -> tuple[Unstructure | None, Structure | None]:
        item_unstructure, item_structure = self.hooks(item)
        if item_unstructure is None and item_structure is None:
            return None, None
        item_type = self.python_type(item)
        out = item_unstructure or self._converter.unstructure
        structure = self._converter.structure

        def unstructure_list(value: Any) -> list[Any]:
            return [out(element) for element in value]

        def structure_list(value: Any, _: Any) -> tuple[Any, ...]:
            if not isinstance(value, list):
                raise InvalidValue(f"expected a list, got {type(value).__name__}")
            if item_structure is not None:
                return tuple(item_structure(v, None) for v in value if v is not None)
            return tuple(structure(v, item_type) for v in value if v is not None)

        return unstructure_list, structure_list

    def _map_hooks(self, key: str, value: str) -> tuple[Unstructure | None, Structure | None]:
        value_unstructure, value_structure = self.hooks(value)
        if value_unstructure is None and value_structure is None:
            return None, None
        key_type, value_type = self.python_type(key), self.python_type(value)
        out = value_unstructure or self._converter.unstructure
        unstructure, structure = self._converter.unstructure, self._converter.structure

        def unstructure_map(data: Any) -> dict[Any, Any]:
            return {unstructure(k): out(v) for k, v in data.items()}

        def structure_map(data: Any, _: Any) -> dict[Any, Any]:
            if not isinstance(data, Mapping):
                raise InvalidValue(f"expected an object, got {type(data).__name__}")
            if value_structure is not None:
                return {
                    structure(k, key_type): value_structure(v, None)
                    for k, v in data.items()
                    if v is not None
                }
            return {
                structure(k, key_type): structure(v, value_type)
                for k, v in data.items()
                if v is not None
            }

        return unstructure_map, structure_map

    def _overrides(self, cls: type[Any], *, reading: bool) -> dict[str, Any]:
        shape = self._shape_by_class[cls]
        attrs.resolve_types(cls)
        is_input = shape.name in self._input_shapes
        renames = {}
        for member in shape.members:
            unstructure, structure = self.hooks(member.target, member.timestamp_format)
            if reading:
                renames[member.name] = override(rename=member_key(member), struct_hook=structure)
            elif member.location == "body":
                renames[member.name] = override(rename=member.wire_name, unstruct_hook=unstructure)
            elif is_input:
                renames[member.name] = override(omit=True)
            else:
                renames[member.name] = override(rename=member.model_name, unstruct_hook=unstructure)
        return renames

    def _make_structure(self, cls: type[Any]) -> Callable[[Any, Any], Any]:
        return make_dict_structure_fn(cls, self._converter, **self._overrides(cls, reading=True))

    def _make_unstructure(self, cls: type[Any]) -> Callable[[Any], Any]:
        return make_dict_unstructure_fn(
            cls,
            self._converter,
            _cattrs_omit_if_default=True,
            **self._overrides(cls, reading=False),
        )

    def _configure_union(self, shape: Shape) -> None:
        assert shape.unknown_cls is not None
        variants: dict[str, tuple[type[Any], Any, Structure | None]] = {}
        for member in shape.members:
            assert member.variant is not None
            attrs.resolve_types(member.variant)
            value_type = attrs.fields(member.variant).value.type
            unstructure, structure = self.hooks(member.target, member.timestamp_format)
            variants[member.wire_name] = (member.variant, value_type, structure)
            self._converter.register_unstructure_hook(
                member.variant,
                self._variant_unstructurer(member.wire_name, value_type, unstructure),
            )
        self._converter.register_unstructure_hook(shape.unknown_cls, _unstructure_unknown)
        key = frozenset([*(v[0] for v in variants.values()), shape.unknown_cls])
        self._unions[key] = _UnionInfo(shape, variants, shape.unknown_cls)

    def _variant_unstructurer(
        self, tag: str, value_type: Any, custom: Unstructure | None
    ) -> Callable[[Any], Any]:
        unstructure = self._converter.unstructure
        if custom is not None:
            return lambda obj: {tag: custom(obj.value)}

        def hook(obj: Any) -> dict[str, Any]:
            return {tag: unstructure(obj.value, value_type)}

        return hook

    def _make_sequence(self, tp: Any) -> Structure:
        """``Sequence[X]``: a tuple, each item by ``X``'s hook, found once."""
        (item_type,) = typing.get_args(tp)
        item = self._hook_of(item_type)

        def structure_sequence(value: Any, _: Any) -> tuple[Any, ...]:
            if not isinstance(value, list | tuple):
                raise InvalidValue(f"expected a list, got {type(value).__name__}")
            return tuple(item(element, item_type) for element in value)

        return structure_sequence

    def _make_union(self, tp: Any) -> Structure:
        """The structure hook of one union type (its members looked up once)."""
        info = self._unions[_union_members(tp)]  # type: ignore[index]

        def structure_union(data: Any, _: Any) -> Any:
            return self._structure_union(data, info)

        return structure_union

    def _structure_union(self, data: Any, info: _UnionInfo) -> Any:
        if data is None:
            return None
        if not isinstance(data, Mapping):
            raise InvalidValue(
                f"expected an object for union {info.shape.name}, got {type(data).__name__}"
            )
        present = [(k, v) for k, v in data.items() if v is not None and k != "__type"]
        if len(present) != 1:
            raise InvalidValue(
                f"union {info.shape.name} needs exactly one member, got {len(present)}"
            )
        tag, value = present[0]
        variant = info.variants_by_tag.get(tag)
        if variant is None:
            return info.unknown_cls(tag=tag, value=value)
        cls, value_type, custom = variant
        if custom is not None:
            return cls(value=custom(value, None))
        return cls(value=self._converter.structure(value, value_type))

    # -- error correction -------------------------------------------------------------

    def _repair(self, data: Mapping[str, Any], shape: Shape, path: str) -> dict[str, Any]:
        fixed = dict(data)
        for member in shape.members:
            key = member_key(member)
            target = self.schema.shapes[member.target]
            value = fixed.get(key)
            where = f"{path}.{member.name}"
            if value is None:
                if member.required:
                    logger.warning(
                        "response is missing required member %s; using a zero value", where
                    )
                    value = self._zero(target)
                    fixed[key] = value
                else:
                    continue
            if member.location == "body":
                fixed[key] = self._repair_value(value, target, where)
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
