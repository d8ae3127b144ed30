"""Check request parameters against the model before anything is sent.

Every constraint of the model is checked: required members, types, string length,
number range, list and map size, patterns (matched in full, as the service does),
enum values, and "exactly one member" for unions. Each problem is reported as one line
that starts with the option it concerns, for example::

    --hooks: microvmHooks.runTimeoutInSeconds: 90 is greater than the maximum 60

Values of sensitive members (environment variable values, hook payloads) are never
repeated in a message.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from microvm_sdk._core.schema import Shape
from microvm_sdk.cli._model import CommandModel, ServiceModel

__all__ = ["compile_pattern", "validate_params"]

_MAX_SHOWN = 60


def validate_params(
    command: CommandModel,
    params: Mapping[str, Any],
    model: ServiceModel,
    *,
    input_option: str | None = None,
) -> list[str]:
    """Return one message per problem with ``params`` (empty when they are valid).

    Args:
        command: The command the parameters are for.
        params: The parameters, keyed by model member names.
        model: The service model.
        input_option: ``--cli-input-json``/``--cli-input-yaml`` when a document was
            given, to name it for keys that are not parameters of the command.
    """
    problems: list[str] = []
    shape = command.input_shape
    known = {argument.member.model_name: argument for argument in command.arguments}
    for key in params:
        if key not in known:
            where = input_option or "input"
            valid = ", ".join(known) or "(none)"
            problems.append(f'{where}: unknown parameter "{key}", must be one of: {valid}')
    if shape is None:
        return problems
    for argument in command.arguments:
        name = argument.member.model_name
        if name not in params or params[name] is None:
            if argument.member.required and not argument.member.idempotency_token:
                problems.append(f"{argument.option}: missing required parameter")
            continue
        checker = _Checker(model, argument.option, problems)
        checker.check(params[name], argument.shape, "")
    return problems


class _Checker:
    def __init__(self, model: ServiceModel, option: str, problems: list[str]) -> None:
        self._model = model
        self._option = option
        self._problems = problems

    def _report(self, path: str, message: str) -> None:
        where = f"{self._option}: {path}: " if path else f"{self._option}: "
        self._problems.append(where + message)

    def check(self, value: Any, shape: Shape, path: str) -> None:
        kind = shape.kind
        if kind in ("structure", "union"):
            self._structure(value, shape, path)
        elif kind == "list":
            self._list(value, shape, path)
        elif kind == "map":
            self._map(value, shape, path)
        elif kind == "string":
            self._string(value, shape, path)
        elif kind in ("integer", "long"):
            self._integer(value, shape, path)
        elif kind in ("float", "double"):
            self._number(value, shape, path)
        elif kind == "boolean":
            if not isinstance(value, bool):
                self._report(path, f"expected a boolean (true or false), got {_show(value, shape)}")
        elif kind == "timestamp":
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                self._report(path, f"expected a timestamp, got {_show(value, shape)}")
        elif kind == "blob" and not isinstance(value, str | bytes):
            self._report(path, f"expected binary data, got {_show(value, shape)}")

    def _structure(self, value: Any, shape: Shape, path: str) -> None:
        if not isinstance(value, Mapping):
            what = "a structure" if shape.kind == "structure" else "a tagged union structure"
            self._report(path, f"expected {what}, got {_show(value, shape)}")
            return
        names = [member.model_name for member in shape.members]
        for key in value:
            if key not in names:
                valid = ", ".join(names) or "(none)"
                self._report(path, f'unknown key "{key}", must be one of: {valid}')
        if shape.kind == "union":
            given = [key for key in names if value.get(key) is not None]
            if len(given) != 1:
                self._report(
                    path,
                    "exactly one of the following keys must be set in this tagged union "
                    f"structure: {', '.join(names)} (got {len(given)}"
                    + (f": {', '.join(given)})" if given else ")"),
                )
        for member in shape.members:
            child = _join(path, member.model_name)
            item = value.get(member.model_name)
            if item is None:
                if member.required and shape.kind == "structure":
                    self._report(path, f'missing required key "{member.model_name}"')
                continue
            self.check(item, self._model.target(member), child)

    def _list(self, value: Any, shape: Shape, path: str) -> None:
        if not isinstance(value, list | tuple):
            self._report(path, f"expected a list, got {_show(value, shape)}")
            return
        self._size(len(value), shape, path, "items")
        element = self._model.list_member(shape)
        for index, item in enumerate(value):
            self.check(item, element, f"{path}[{index}]")

    def _map(self, value: Any, shape: Shape, path: str) -> None:
        if not isinstance(value, Mapping):
            self._report(path, f"expected a map, got {_show(value, shape)}")
            return
        self._size(len(value), shape, path, "entries")
        key_shape = self._model.map_key(shape)
        value_shape = self._model.map_value(shape)
        for key, item in value.items():
            self.check(key, key_shape, f"{path} (key: {key})" if path else f"(key: {key})")
            self.check(item, value_shape, _join(path, str(key)))

    def _size(self, size: int, shape: Shape, path: str, noun: str) -> None:
        if shape.min is not None and size < shape.min:
            self._report(path, f"{size} {noun} is less than the minimum {_num(shape.min)} {noun}")
        if shape.max is not None and size > shape.max:
            self._report(
                path, f"{size} {noun} is greater than the maximum {_num(shape.max)} {noun}"
            )

    def _string(self, value: Any, shape: Shape, path: str) -> None:
        if not isinstance(value, str):
            self._report(path, f"expected a string, got {_show(value, shape)}")
            return
        length = len(value)
        if shape.min is not None and length < shape.min:
            self._report(
                path,
                f"{_show(value, shape)} has length {length}, less than the minimum length "
                f"{_num(shape.min)}",
            )
        if shape.max is not None and length > shape.max:
            self._report(
                path,
                f"{_show(value, shape)} has length {length}, greater than the maximum length "
                f"{_num(shape.max)}",
            )
        if shape.enum and value not in shape.enum:
            self._report(
                path,
                f"{_show(value, shape)} is not one of the valid values: {', '.join(shape.enum)}",
            )
        if shape.pattern is not None and not compile_pattern(shape.pattern).fullmatch(value):
            self._report(path, f"{_show(value, shape)} does not match the pattern {shape.pattern}")

    def _integer(self, value: Any, shape: Shape, path: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            self._report(path, f"expected an integer, got {_show(value, shape)}")
            return
        self._range(value, shape, path)

    def _number(self, value: Any, shape: Shape, path: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self._report(path, f"expected a number, got {_show(value, shape)}")
            return
        self._range(value, shape, path)

    def _range(self, value: float, shape: Shape, path: str) -> None:
        if shape.min is not None and value < shape.min:
            self._report(path, f"{value} is less than the minimum {_num(shape.min)}")
        if shape.max is not None and value > shape.max:
            self._report(path, f"{value} is greater than the maximum {_num(shape.max)}")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _show(value: Any, shape: Shape) -> str:
    if shape.sensitive:
        return "the value (sensitive, not shown)"
    if isinstance(value, str):
        text = value if len(value) <= _MAX_SHOWN else value[:_MAX_SHOWN] + "..."
        return repr(text)
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return repr(value)


# -- patterns ------------------------------------------------------------------------

_PROPERTY = re.compile(r"\\([pP])\{([A-Za-z_]+)\}")
_PLANES_SCANNED = (range(0, 0x40000), range(0xE0000, 0xE1000))


@functools.cache
def _category_ranges(prefix: str) -> str:
    """The code points whose Unicode category starts with ``prefix``, as class ranges."""
    parts: list[str] = []
    for plane in _PLANES_SCANNED:
        start: int | None = None
        previous = -2
        for code in plane:
            if unicodedata.category(chr(code)).startswith(prefix):
                if start is None:
                    start = code
                previous = code
            elif start is not None:
                parts.append(_range_text(start, previous))
                start = None
        if start is not None:
            parts.append(_range_text(start, previous))
    return "".join(parts)


def _range_text(first: int, last: int) -> str:
    if first == last:
        return f"\\U{first:08x}"
    return f"\\U{first:08x}-\\U{last:08x}"


def _translate(pattern: str) -> str:
    r"""Rewrite ``\p{L}``-style classes (not known to :mod:`re`) as explicit ranges."""
    out: list[str] = []
    index = 0
    in_class = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            match = _PROPERTY.match(pattern, index)
            if match is not None:
                negated = match.group(1) == "P"
                ranges = _category_ranges(match.group(2)[0])
                if in_class and not negated:
                    out.append(ranges)
                elif in_class:
                    # A negated property inside a class cannot be expressed as
                    # ranges; accept any character there rather than reject valid input.
                    out.append("\\s\\S")
                else:
                    out.append(f"[{'^' if negated else ''}{ranges}]")
                index = match.end()
                continue
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        index += 1
    return "".join(out)


@functools.cache
def compile_pattern(pattern: str) -> re.Pattern[str]:
    r"""Compile a model pattern for :meth:`re.Pattern.fullmatch`.

    Unicode property classes (``\p{L}``, ``\p{Z}``, ``\p{N}`` ...) are expanded, since
    :mod:`re` does not know them.
    """
    if "\\p{" in pattern or "\\P{" in pattern:
        pattern = _translate(pattern)
    return re.compile(pattern)
