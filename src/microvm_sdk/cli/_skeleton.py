"""``--generate-cli-skeleton``: sample input (JSON or YAML) and sample output.

The samples follow the AWS CLI's placeholders: ``""`` for strings (the member's name in
output samples), ``0`` / ``0.0`` for numbers, ``true`` for booleans, 1970-01-01 for
timestamps, one element per list and one ``KeyName`` entry per map. Where the AWS CLI
picks a random value of an enum, the first value is used, so the output is stable.
"""

from __future__ import annotations

import datetime
import json
from typing import IO, Any

from microvm_sdk._core.schema import Shape
from microvm_sdk.cli._model import CommandModel, ServiceModel

__all__ = ["sample", "write_input_skeleton", "write_yaml_input_skeleton"]

_EPOCH = datetime.datetime(1970, 1, 1, 0, 0, 0)


def sample(model: ServiceModel, shape: Shape, *, use_member_names: bool) -> Any:
    """Return a placeholder value of ``shape``.

    Args:
        model: The service model.
        shape: The shape to sample.
        use_member_names: Use member names as string values (output samples).
    """
    return _sample(model, shape, [], "", use_member_names)


def _sample(model: ServiceModel, shape: Shape, stack: list[str], name: str, names: bool) -> Any:
    stack.append(shape.name)
    try:
        kind = shape.kind
        if kind in ("structure", "union"):
            if stack.count(shape.name) > 1:
                return {}
            return {
                member.model_name: _sample(
                    model, model.target(member), stack, member.model_name, names
                )
                for member in shape.members
            }
        if kind == "list":
            element = model.list_member(shape)
            return [_sample(model, element, stack, element.name if names else "", names)]
        if kind == "map":
            return {"KeyName": _sample(model, model.map_value(shape), stack, "", names)}
        if kind == "string":
            if names:
                return name
            return shape.enum[0] if shape.enum else ""
        if kind in ("integer", "long"):
            return 0
        if kind in ("float", "double"):
            return 0.0
        if kind == "boolean":
            return True
        if kind == "timestamp":
            return _EPOCH
        return None
    finally:
        stack.pop()


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    raise TypeError(f"cannot render {type(value).__name__}")


def write_input_skeleton(command: CommandModel, model: ServiceModel, stream: IO[str]) -> None:
    """Write the JSON sample input for ``--cli-input-json``."""
    skeleton: Any = {}
    if command.input_shape is not None:
        skeleton = sample(model, command.input_shape, use_member_names=False)
    stream.write(json.dumps(skeleton, indent=4, default=_json_default) + "\n")


def write_yaml_input_skeleton(command: CommandModel, model: ServiceModel, stream: IO[str]) -> None:
    """Write the YAML sample input for ``--cli-input-yaml``, with a comment per member.

    The comment marks required members and lists the valid values of enums.
    """
    lines: list[str] = []
    if command.input_shape is None or not command.input_shape.members:
        stream.write("{}\n")
        return
    _yaml_structure(
        model, command.input_shape, [command.input_shape.name], indent=0, lines=lines, lead=""
    )
    stream.write("\n".join(lines) + "\n")


def _yaml_scalar(value: Any) -> str:
    if value is True:
        return "true"
    if value is None:
        return "null"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "''" if text == "" else text


def _comment(member_required: bool, shape: Shape) -> str:
    parts = []
    if member_required:
        parts.append("[REQUIRED]")
    if shape.enum:
        parts.append(f"Valid values are: {', '.join(shape.enum)}.")
    return ("  # " + " ".join(parts)) if parts else ""


def _yaml_structure(
    model: ServiceModel, shape: Shape, stack: list[str], *, indent: int, lines: list[str], lead: str
) -> None:
    """Emit the members of a structure; ``lead`` prefixes the first line (``- ``)."""
    pad = " " * indent
    first = True
    for member in shape.members:
        target = model.target(member)
        prefix = (lead if first else " " * len(lead)) if lead else ""
        first = False
        key = f"{pad}{prefix}{member.model_name}:"
        required = member.required and not member.idempotency_token and shape.kind == "structure"
        comment = _comment(required, target)
        _yaml_value(
            model, target, stack, indent=indent + len(prefix), lines=lines, key=key, comment=comment
        )


def _yaml_value(
    model: ServiceModel,
    shape: Shape,
    stack: list[str],
    *,
    indent: int,
    lines: list[str],
    key: str,
    comment: str,
) -> None:
    kind = shape.kind
    if kind in ("structure", "union"):
        if stack.count(shape.name) >= 1 or not shape.members:
            lines.append(f"{key} {{}}{comment}")
            return
        lines.append(f"{key}{comment}")
        stack.append(shape.name)
        _yaml_structure(model, shape, stack, indent=indent + 2, lines=lines, lead="")
        stack.pop()
        return
    if kind == "list":
        element = model.list_member(shape)
        lines.append(f"{key}{comment}")
        pad = " " * indent
        if element.kind in ("structure", "union") and element.members and element.name not in stack:
            stack.append(element.name)
            _yaml_structure(model, element, stack, indent=indent, lines=lines, lead="- ")
            stack.pop()
        else:
            value = sample(model, element, use_member_names=False)
            lines.append(f"{pad}- {_inline(value)}")
        return
    if kind == "map":
        lines.append(f"{key}{comment}")
        value = sample(model, model.map_value(shape), use_member_names=False)
        lines.append(f"{' ' * (indent + 2)}KeyName: {_inline(value)}")
        return
    lines.append(f"{key} {_yaml_scalar(sample(model, shape, use_member_names=False))}{comment}")


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return json.dumps(value, default=_json_default) if value else "{}"
    if isinstance(value, list):
        return json.dumps(value, default=_json_default)
    return _yaml_scalar(value)
