"""Render ``microvm_sdk/models.py``: enums, structures and unions as typed classes."""

from __future__ import annotations

import hashlib

from microvm_sdk_codegen.docs import docstring, enum_value_docs
from microvm_sdk_codegen.ir import ServiceIR, ShapeIR
from microvm_sdk_codegen.naming import enum_member_name
from microvm_sdk_codegen.order import definition_order
from microvm_sdk_codegen.types import is_enum, py_type, sensitivity

REPR_HELPERS = {"value": "redact", "map_values": "redact_map_values", "items": "redact_items"}
# The generated classes carry their own __repr__, __eq__ and __hash__ (the ones attrs
# would build, written out here): attrs compiling them for every class at import time
# was a third of the cost of importing the models.
# Not slotted (decision 0034): a frozen dict class's __init__ fills the instance dict
# directly instead of calling object.__setattr__ per attribute, and attrs builds the
# class once; attrs' pickling functions are kept, so only the fields are pickled.
DECORATOR = (
    "@attrs.frozen(kw_only=True, repr=False, eq=False, slots=False, getstate_setstate=True)\n"
)


def _methods(class_name: str, fields: list[tuple[str, str | None]]) -> str:
    """``__repr__``, ``__eq__`` and ``__hash__`` as attrs builds them for a frozen class.

    ``fields`` are (name, repr helper or ``None`` for ``repr()``), in definition order.
    """
    shown = [
        f"{name}={{{helper}(self.{name})}}" if helper else f"{name}={{self.{name}!r}}"
        for name, helper in fields
    ]
    head = """{self.__class__.__qualname__.rsplit('>.', 1)[-1]}("""
    if shown:
        pieces = [f'f"{head}"'] + [
            f'f"{piece}, "' if i < len(shown) - 1 else f'f"{piece})"'
            for i, piece in enumerate(shown)
        ]
        text = "\n                ".join(pieces)
        rendered = f"(\n                {text}\n            )"
    else:
        rendered = f'f"{head})"'
    lines = [
        "\n    def __repr__(self) -> str:\n",
        "        with repr_once(self) as again:\n",
        '            if again:\n                return "..."\n',
        f"            return {rendered}\n",
        "\n    def __eq__(self, other: object) -> bool:\n",
        f"        if not isinstance(other, {class_name})"
        " or other.__class__ is not self.__class__:\n",
        "            return NotImplemented\n",
    ]
    if fields:
        compared = "\n            and ".join(f"self.{n} == other.{n}" for n, _ in fields)
        lines.append(f"        return (\n            {compared}\n        )\n")
    else:
        lines.append("        return True\n")
    salt = int.from_bytes(hashlib.sha256(class_name.encode()).digest()[:7], "big")
    hashed = "".join(f", self.{n}" for n, _ in fields)
    lines.append("\n    def __hash__(self) -> int:\n")
    lines.append(f"        return hash(({salt:#x}{hashed}))\n")
    return "".join(lines)


def render(service: ServiceIR) -> str:
    body: list[str] = []
    for shape in service.shapes.values():
        if is_enum(shape):
            body.append(_enum(shape))
    roles = _operation_roles(service)
    outputs = {op.output for op in service.operations.values() if op.output}
    for shape in definition_order(service):
        if shape.kind == "union":
            body.append(_union(service, shape))
        elif shape.is_class:
            body.append(
                _structure(service, shape, roles.get(shape.name), output=shape.name in outputs)
            )
    text = "".join(body)
    # The base classes of the enums and outputs, the result of operations without an
    # output, response metadata and the JSON value type are public here too.
    names: list[str] = ["Document", "EmptyOutput", "ModelEnum", "ModelOutput", "ResponseMetadata"]
    for shape in service.shapes.values():
        if is_enum(shape) or shape.is_class:
            names.append(shape.class_name)
        if shape.kind == "union":
            names.extend(m.variant_class or "" for m in shape.members)
            names.append(shape.unknown_class or "")
    if any(shape.kind == "document" for shape in service.shapes.values()):
        names.append("Document")  # annotations of other modules name models.Document
    helpers = ["repr_once"]
    helpers += [h for h in ("redact", "redact_items", "redact_map_values") if f"repr={h})" in text]
    title = service.metadata.get("serviceFullName") or service.metadata["serviceId"]
    head = [
        f'"""Typed models of the {title} API: structures, unions and enums.\n\n'
        "Structures are frozen, keyword-only attrs classes. A union is a type alias over one\n"
        "class per member plus an ``...Unknown`` class for members this SDK does not know.\n"
        "Enums accept values added to the service later (``is_unknown`` is then true).\n"
        '"""\n\n',
        "from __future__ import annotations\n\n",
        "import datetime\n" if "datetime." in text else "",
        "from collections.abc import Mapping, Sequence\n",
        "from typing import TypeAlias, Union\n\n",
        "import attrs\n\n",
        "from microvm_sdk._core.document import Document\n",
        "from microvm_sdk._core.enums import ModelEnum\n",
        "from microvm_sdk._core.metadata import EmptyOutput, ModelOutput, ResponseMetadata\n",
        f"from microvm_sdk._core.redaction import {', '.join(helpers)}\n" if helpers else "",
        "\n__all__ = [\n",
        *(f'    "{name}",\n' for name in sorted(names)),
        "]\n",
    ]
    return "".join(head) + text


def _enum(shape: ShapeIR) -> str:
    lines = [f"\n\nclass {shape.class_name}(ModelEnum):\n"]
    lines.append(docstring(shape.doc or f"Values of ``{shape.name}``.", "    "))
    lines.append("\n")
    meanings = enum_value_docs(shape)
    for value in shape.enum:
        lines.append(f"    {enum_member_name(value)} = {value!r}\n")
        lines.append(docstring(meanings.get(value, ""), "    "))
    return "".join(lines)


def _field(
    service: ServiceIR,
    annotation: str,
    target: str,
    *,
    required: bool,
    default_factory: str | None = None,
) -> str:
    redaction = sensitivity(service, target)
    args = []
    if default_factory:
        args.append(f"factory={default_factory}")
    elif not required:
        args.append("default=None")
    if redaction:
        args.append(f"repr={REPR_HELPERS[redaction]}")
    if not required and not default_factory:
        annotation = f"{annotation} | None"
    if not args:
        return f": {annotation}\n"
    if args == ["default=None"]:
        return f": {annotation} = None\n"
    return f": {annotation} = attrs.field({', '.join(args)})\n"


def _operation_roles(service: ServiceIR) -> dict[str, str]:
    roles = {}
    for op in service.operations.values():
        first = op.doc.split("\n\n")[0] if op.doc else ""
        if op.input:
            roles[op.input] = f"The input of ``{op.python_name}``.\n\n{first}".strip()
        if op.output:
            roles[op.output] = f"The output of ``{op.python_name}``.\n\n{first}".strip()
    return roles


def _repr_helper(service: ServiceIR, target: str) -> str | None:
    redaction = sensitivity(service, target)
    return REPR_HELPERS[redaction] if redaction else None


def _structure(service: ServiceIR, shape: ShapeIR, role: str | None, *, output: bool) -> str:
    # An operation's output gets ``response_metadata`` from its base class (no attrs field).
    base = "(ModelOutput)" if output else ""
    lines = ["\n\n" + DECORATOR, f"class {shape.class_name}{base}:\n"]
    lines.append(docstring(shape.doc or role or f"The ``{shape.name}`` structure.", "    "))
    fields = [(m.name, _repr_helper(service, m.target)) for m in shape.members]
    for member in shape.members:
        annotation = py_type(service, member.target)
        lines.append(
            "\n    "
            + member.name
            + _field(service, annotation, member.target, required=member.required)
        )
        if member.doc:
            lines.append(docstring(member.doc, "    "))
    lines.append(_methods(shape.class_name, fields))
    return "".join(lines)


def _union(service: ServiceIR, shape: ShapeIR) -> str:
    lines = []
    variants = []
    for member in shape.members:
        assert member.variant_class
        variants.append(member.variant_class)
        target = service.shapes[member.target]
        annotation = py_type(service, member.target)
        unit = target.kind == "structure" and not target.members and target.error is None
        lines.append(f"\n\n{DECORATOR}class {member.variant_class}:\n")
        doc = member.doc or f"The ``{member.model_name}`` member of ``{shape.name}``."
        lines.append(
            docstring(
                f"{doc}\n\nA member of the ``{shape.name}`` union "
                f"(wire name ``{member.wire_name}``).",
                "    ",
            )
        )
        lines.append(
            "\n    value"
            + _field(
                service,
                annotation,
                member.target,
                required=True,
                default_factory=annotation if unit else None,
            )
        )
        lines.append(
            _methods(member.variant_class, [("value", _repr_helper(service, member.target))])
        )
    lines.append(f"\n\n{DECORATOR}class {shape.unknown_class}:\n")
    lines.append(
        docstring(
            f"A member of ``{shape.name}`` that this version of the SDK does not know.\n\n"
            "The service sent a member added after this SDK was generated; update the SDK\n"
            "to read it. ``tag`` is the member's wire name and ``value`` its raw JSON value.\n"
            "It is only ever received: sending it raises an error.",
            "    ",
        )
    )
    lines.append("\n    tag: str\n    value: Document = None\n")
    lines.append(_methods(shape.unknown_class or "", [("tag", None), ("value", None)]))
    lines.append(f"\n\n{shape.class_name}: TypeAlias = Union[\n")
    lines.extend(f"    {name},\n" for name in [*variants, shape.unknown_class])
    lines.append("]\n")
    lines.append(docstring(shape.doc or f"The ``{shape.name}`` union.", ""))
    return "".join(lines)
