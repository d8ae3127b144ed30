"""Per-shape read and write functions, built from the schema on first use, without cattrs.

For each structure class the first call needs, this module builds one function that
reads its wire dict and one that writes it, from the schema and ``attrs.fields`` alone:
closures over per-member tuples, no code generation, no cattrs. They follow the rules of
:mod:`microvm_sdk._core.cattrs_converter` (the reference) and share its value rules
(:mod:`microvm_sdk._core.wire_values`), but only for the plain case: a value they are not
sure of (a ``null`` where a value is required, a ``null`` in a list or map, a missing
required member, a JSON type that is wrong) makes them raise, and the converter then
asks the reference, which also does error correction. So a result from here is always
the reference's result; tests compare the two over every shape of the model.

A class these functions cannot describe (an attribute that is not a member of its
shape, a default other than ``None``) gets no function (``None``): the reference
handles it.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

import attrs

from microvm_sdk._core.schema import Member, ServiceSchema, Shape
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

__all__ = ["Read", "ShapeFunctions", "Write"]

#: Reads one wire value (the second argument is ignored, as cattrs hooks take a type).
Read = Callable[[Any, Any], Any]
#: Writes one model value as its wire form.
Write = Callable[[Any], Any]

_SCALAR_READERS: dict[str, Read] = {
    "string": strict_str,
    "integer": strict_int,
    "long": strict_int,
    "float": strict_float,
    "double": strict_float,
    "boolean": strict_bool,
    "timestamp": structure_timestamp,
    "blob": structure_blob,
    "document": structure_document,
}
# The class of a wire value each scalar reader returns as it is.
_AS_IS: dict[Read, type[Any]] = {
    strict_str: str,
    strict_int: int,
    strict_float: float,
    strict_bool: bool,
}
# ``None``: the value is its own wire form.
_SCALAR_WRITERS: dict[str, Write | None] = {
    "string": None,
    "integer": None,
    "long": None,
    "boolean": None,
    "float": unstructure_float,
    "double": unstructure_float,
    "blob": unstructure_blob,
    "document": unstructure_document,
}


def _optional(annotation: Any) -> bool:
    """Whether an attribute's annotation is ``X | None`` (a string, or resolved)."""
    if isinstance(annotation, str):
        return annotation.replace(" ", "").endswith("|None")
    return type(None) in typing.get_args(annotation)


class _Cell:
    """Where a class's function will be, so that recursive shapes can refer to it."""

    __slots__ = ("done", "function")

    def __init__(self) -> None:
        self.function: Any = None
        #: Whether building has ended (``function`` may then still be ``None``: none).
        self.done = False


class ShapeFunctions:
    """The read and write functions of one schema's structure classes, built on first use.

    Thread-safe: building only assigns to dicts. A thread that asks for a class's
    function while another thread is still building it gets ``None`` (or, for a nested
    class, a function that raises until the build ends), and the converter answers that
    call with the reference: slower once, never different.
    """

    def __init__(self, schema: ServiceSchema) -> None:
        self.schema = schema
        self._shape_by_class: dict[type[Any], Shape] = {
            shape.cls: shape
            for shape in schema.shapes.values()
            if shape.kind == "structure" and shape.cls is not None and shape.error is None
        }
        self._inputs = frozenset(op.input for op in schema.operations.values() if op.input)
        self._readers: dict[type[Any], _Cell] = {}
        self._writers: dict[type[Any], _Cell] = {}
        self._value_readers: dict[str, Read | None] = {}
        self._value_writers: dict[tuple[str, str | None], tuple[bool, Write | None]] = {}

    # -- what the converter asks for --------------------------------------------------

    def reader(self, cls: type[Any]) -> Read | None:
        """The function that reads a wire dict into ``cls``, or ``None``."""
        cell = self._readers.get(cls)
        if cell is None:
            cell = self._class_cell(cls, self._readers, self._build_reader)
        return cell.function  # type: ignore[no-any-return]

    def writer(self, cls: type[Any]) -> Write | None:
        """The function that writes a ``cls`` object as its wire dict, or ``None``."""
        cell = self._writers.get(cls)
        if cell is None:
            cell = self._class_cell(cls, self._writers, self._build_writer)
        return cell.function  # type: ignore[no-any-return]

    def value_reader(self, target: str) -> Read | None:
        """The function that reads a wire value of the shape ``target``, or ``None``."""
        if target in self._value_readers:
            return self._value_readers[target]
        read = self._value_readers[target] = self._build_value_reader(target)
        return read

    def value_writer(
        self, target: str, timestamp_format: str | None = None
    ) -> tuple[bool, Write | None]:
        """Whether values of ``target`` can be written here, and the function that does.

        The function is ``None`` when a value is its own wire form.
        """
        key = (target, timestamp_format)
        found = self._value_writers.get(key)
        if found is None:
            found = self._value_writers[key] = self._build_value_writer(target, timestamp_format)
        return found

    # -- classes ----------------------------------------------------------------------

    def _class_cell(
        self,
        cls: type[Any],
        cells: dict[type[Any], _Cell],
        build: Callable[[type[Any], Shape], Any],
    ) -> _Cell:
        cell = cells[cls] = _Cell()  # first, so that a recursive member finds it
        shape = self._shape_by_class.get(cls)
        if shape is not None:
            cell.function = build(cls, shape)
        cell.done = True
        return cell

    def _members(self, cls: type[Any], shape: Shape) -> list[tuple[Member, bool]] | None:
        """Each attribute's member and whether it is required, or ``None`` if unclear."""
        by_name = {member.name: member for member in shape.members}
        found: list[tuple[Member, bool]] = []
        for field in attrs.fields(cls):
            member = by_name.get(field.name)
            if member is None or not field.init:
                return None
            if field.default is attrs.NOTHING:
                found.append((member, True))
            elif field.default is None and _optional(field.type):
                found.append((member, False))
            else:
                return None
        return found

    def _build_reader(self, cls: type[Any], shape: Shape) -> Read | None:
        members = self._members(cls, shape)
        if members is None:
            return None
        # Per member: attribute, wire key, reader, and the class a value needs no reading
        # for (a string for a plain string member, say): the common case costs no call.
        required: list[tuple[str, str, Read, type[Any] | None]] = []
        optional: list[tuple[str, str, Read, type[Any] | None]] = []
        for member, is_required in members:
            read = self.value_reader(member.target)
            if read is None:
                return None
            entry = (member.name, member_key(member), read, _AS_IS.get(read))
            (required if is_required else optional).append(entry)
        name = cls.__name__

        def read_structure(data: Any, _: Any = None) -> Any:
            if data.__class__ is not dict:
                raise InvalidValue(f"expected an object for {name}")
            values: dict[str, Any] = {}
            for attribute, key, read, as_is in required:
                value = data[key]
                if value is None:
                    raise InvalidValue(f"{name}.{attribute} is null")
                values[attribute] = value if value.__class__ is as_is else read(value, None)
            for attribute, key, read, as_is in optional:
                value = data.get(key)
                if value is not None:
                    values[attribute] = value if value.__class__ is as_is else read(value, None)
            return cls(**values)

        return read_structure

    def _build_writer(self, cls: type[Any], shape: Shape) -> Write | None:
        members = self._members(cls, shape)
        if members is None:
            return None
        is_input = shape.name in self._inputs
        # The reference writes required members first, then the others that are set.
        required: list[tuple[str, str, Write | None]] = []
        optional: list[tuple[str, str, Write | None]] = []
        for member, is_required in members:
            if member.location == "body":
                key = member.wire_name
            elif is_input:
                continue  # bound to the URI, query or headers, not the body
            else:
                key = member.model_name
            can, write = self.value_writer(member.target, member.timestamp_format)
            if not can:
                return None
            entry = (member.name, key, write)
            (required if is_required else optional).append(entry)

        def write_structure(obj: Any) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for attribute, key, write in required:
                value = getattr(obj, attribute)
                out[key] = value if write is None else write(value)
            for attribute, key, write in optional:
                value = getattr(obj, attribute)
                if value is not None:
                    out[key] = value if write is None else write(value)
            return out

        return write_structure

    # -- values -----------------------------------------------------------------------

    def _build_value_reader(self, target: str) -> Read | None:
        shape = self.schema.shapes[target]
        kind = shape.kind
        if kind == "string" and shape.enum and shape.cls is not None:
            return _enum_reader(shape.cls)
        if kind in _SCALAR_READERS:
            return _SCALAR_READERS[kind]
        if kind == "structure":
            if shape.cls is None or shape.cls not in self._shape_by_class:
                return None
            cell = self._readers.get(shape.cls)
            if cell is None:
                cell = self._class_cell(shape.cls, self._readers, self._build_reader)
            if cell.done and cell.function is None:
                return None
            return _through(cell)
        if kind == "list" and shape.member is not None:
            item = self.value_reader(shape.member)
            return None if item is None else _list_reader(item)
        if kind == "map" and shape.key is not None and shape.value is not None:
            key, value = self.value_reader(shape.key), self.value_reader(shape.value)
            return None if key is None or value is None else _map_reader(key, value)
        if kind == "union" and shape.unknown_cls is not None:
            return self._union_reader(shape)
        return None

    def _union_reader(self, shape: Shape) -> Read | None:
        variants: dict[str, tuple[type[Any], Read, type[Any] | None]] = {}
        for member in shape.members:
            read = self.value_reader(member.target)
            if read is None or member.variant is None:
                return None
            variants[member.wire_name] = (member.variant, read, _AS_IS.get(read))
        unknown, name = shape.unknown_cls, shape.name

        def read_union(data: Any, _: Any = None) -> Any:
            if data.__class__ is not dict:
                raise InvalidValue(f"expected an object for union {name}")
            present: tuple[str, Any] | None = None
            for key, item in data.items():
                if item is not None and key != "__type":
                    if present is not None:
                        raise InvalidValue(f"union {name} needs exactly one member")
                    present = (key, item)
            if present is None:
                raise InvalidValue(f"union {name} needs exactly one member")
            tag, value = present
            variant = variants.get(tag)
            if variant is None:
                return unknown(tag=tag, value=value)  # type: ignore[misc]
            cls, read, as_is = variant
            return cls(value=value if value.__class__ is as_is else read(value, None))

        return read_union

    def _build_value_writer(
        self, target: str, timestamp_format: str | None
    ) -> tuple[bool, Write | None]:
        shape = self.schema.shapes[target]
        kind = shape.kind
        if kind == "string" and shape.enum and shape.cls is not None:
            return True, unstructure_enum
        if kind in _SCALAR_WRITERS:
            return True, _SCALAR_WRITERS[kind]
        if kind == "timestamp":
            fmt = timestamp_format or shape.timestamp_format
            if fmt in ("iso8601", "rfc822"):
                return True, timestamp_unstructurer(fmt)  # type: ignore[arg-type]
            return True, unstructure_timestamp
        if kind == "structure":
            if shape.cls is None or shape.cls not in self._shape_by_class:
                return False, None
            cell = self._writers.get(shape.cls)
            if cell is None:
                cell = self._class_cell(shape.cls, self._writers, self._build_writer)
            if cell.done and cell.function is None:
                return False, None
            return True, _write_through(cell)
        if kind == "list" and shape.member is not None:
            can, item = self.value_writer(shape.member, None)
            return can, _list_writer(item)
        if kind == "map" and shape.key is not None and shape.value is not None:
            can_key, key = self.value_writer(shape.key, None)
            can_value, value = self.value_writer(shape.value, None)
            return can_key and can_value, _map_writer(key, value)
        if kind == "union" and shape.unknown_cls is not None:
            return self._union_writer(shape)
        return False, None

    def _union_writer(self, shape: Shape) -> tuple[bool, Write | None]:
        # By the object's class, as the reference does: tag and value writer per variant.
        variants: dict[type[Any], tuple[str, Write | None]] = {}
        for member in shape.members:
            can, write = self.value_writer(member.target, member.timestamp_format)
            if not can or member.variant is None:
                return False, None
            variants[member.variant] = (member.wire_name, write)
        unknown = shape.unknown_cls

        def write_union(obj: Any) -> dict[str, Any]:
            variant = variants.get(obj.__class__)
            if variant is None:
                if obj.__class__ is unknown:
                    return {obj.tag: obj.value}
                raise TypeError(f"not a member of this union: {obj.__class__.__name__}")
            tag, write = variant
            value = obj.value
            return {tag: value if write is None else write(value)}

        return True, write_union


def _enum_reader(cls: type[Any]) -> Read:
    # A listed value is a dictionary look-up; anything else (a value added to the
    # service later, a wrong JSON type) goes through the enum's own rule.
    listed = {member.value: member for member in cls}

    def read_enum(value: Any, _: Any = None) -> Any:
        if value.__class__ is str:
            found = listed.get(value)
            if found is not None:
                return found
        return structure_enum(value, cls)

    return read_enum


def _through(cell: _Cell) -> Read:
    """A class's reader, looked up when called (it may still be being built)."""

    def read_nested(value: Any, _: Any = None) -> Any:
        return cell.function(value, None)

    return read_nested


def _write_through(cell: _Cell) -> Write:
    def write_nested(value: Any) -> Any:
        return cell.function(value)

    return write_nested


def _list_reader(item: Read) -> Read:
    def read_list(value: Any, _: Any = None) -> tuple[Any, ...]:
        if value.__class__ is not list:
            raise InvalidValue("expected a list")
        if None in value:
            raise InvalidValue("a list holds null")
        return tuple([item(element, None) for element in value])

    return read_list


def _map_reader(key: Read, item: Read) -> Read:
    def read_map(value: Any, _: Any = None) -> dict[Any, Any]:
        if value.__class__ is not dict:
            raise InvalidValue("expected an object")
        read: dict[Any, Any] = {}
        for k, v in value.items():
            if v is None:
                raise InvalidValue("a map holds null")
            read[key(k, None)] = item(v, None)
        return read

    return read_map


def _list_writer(item: Write | None) -> Write:
    if item is None:
        return list
    return lambda value: [item(element) for element in value]


def _map_writer(key: Write | None, item: Write | None) -> Write:
    if key is None and item is None:
        return dict
    return lambda value: {
        (k if key is None else key(k)): (v if item is None else item(v)) for k, v in value.items()
    }
