"""Python type expressions for model shapes."""

from __future__ import annotations

from microvm_sdk_codegen.ir import ServiceIR, ShapeIR

SCALARS = {
    "string": "str",
    "integer": "int",
    "long": "int",
    "float": "float",
    "double": "float",
    "boolean": "bool",
    "timestamp": "datetime.datetime",
    "blob": "bytes",
}


def is_enum(shape: ShapeIR) -> bool:
    return shape.kind == "string" and bool(shape.enum)


def py_type(service: ServiceIR, target: str, prefix: str = "") -> str:
    """The annotation for a member targeting ``target``.

    ``prefix`` qualifies model class names (``models.``) for modules that import the
    models module rather than its names.
    """
    shape = service.shapes[target]
    if is_enum(shape):
        return prefix + shape.class_name
    if shape.kind == "document":
        return prefix + "Document"
    if shape.kind in SCALARS:
        return SCALARS[shape.kind]
    if shape.kind == "list":
        assert shape.member
        return f"Sequence[{py_type(service, shape.member, prefix)}]"
    if shape.kind == "map":
        assert shape.key and shape.value
        return (
            f"Mapping[{py_type(service, shape.key, prefix)}, "
            f"{py_type(service, shape.value, prefix)}]"
        )
    return prefix + shape.class_name


def sensitivity(service: ServiceIR, target: str) -> str | None:
    """How a member's value must be redacted: ``"value"``, ``"map_values"``, ``"items"``."""
    shape = service.shapes[target]
    if shape.sensitive:
        return "value"
    if shape.kind == "map" and shape.value and service.shapes[shape.value].sensitive:
        return "map_values"
    if shape.kind == "list" and shape.member and service.shapes[shape.member].sensitive:
        return "items"
    return None
