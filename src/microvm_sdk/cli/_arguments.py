"""Command-line options to request parameters, the way the AWS CLI does it.

Each top-level input member is an option. Its value is read as follows:

* ``file://`` and ``fileb://`` values are replaced by the file's contents first;
* a structure, union or map takes JSON (text starting with ``{``) or shorthand
  (``uri=s3://bucket/key``, ``KeyName1=string,KeyName2=string``);
* a list takes one or more words: JSON (one word starting with ``[``), shorthand per
  word for lists of structures (``architecture=ARM_64 architecture=X86_64``), JSON per
  word (``'{"architecture": "ARM_64"}'``), or the plain values for lists of scalars;
* integers, floats and booleans are read from their text.

The result is a dict keyed by model member names, exactly what the AWS CLI would pass to
botocore.
"""

from __future__ import annotations

import argparse
import base64
import json
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from microvm_sdk._core.limits import seconds_problem
from microvm_sdk._core.redaction import holds_sensitive
from microvm_sdk._core.schema import Shape
from microvm_sdk.cli._errors import UsageError
from microvm_sdk.cli._input_errors import json_error, mask
from microvm_sdk.cli._model import COMPLEX_KINDS, Argument, CommandModel, ServiceModel
from microvm_sdk.cli._paramfile import ParamFileError, load_paramfile
from microvm_sdk.cli._shorthand import ShorthandError, ShorthandParser, coerce

__all__ = [
    "PAGING_OPTIONS",
    "ArgumentParser",
    "build_command_parser",
    "merge_input_document",
    "param_error",
    "unpack_arguments",
    "unpack_value",
]

PAGING_OPTIONS = ("starting-token", "page-size", "max-items")


class ArgumentParser(argparse.ArgumentParser):
    """An argparse parser that raises :class:`UsageError` instead of exiting."""

    def error(self, message: str) -> NoReturn:
        """Raise a usage error (exit code 252) with argparse's message."""
        raise UsageError(message, show_usage=True)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        """Never exit the process from inside the parser."""
        raise UsageError(message or f"argument parsing stopped ({status})")


def param_error(option: str, message: str) -> UsageError:
    """Return the usage error for a value of ``option`` that cannot be read."""
    return UsageError(f"Error parsing parameter '{option}': {message}")


def _is_shorthand_capable(shape: Shape, model: ServiceModel) -> bool:
    if shape.kind in ("structure", "union", "map"):
        return True
    if shape.kind == "list":
        return model.list_member(shape).kind in COMPLEX_KINDS
    return False


def build_command_parser(
    command: CommandModel, *, relax_required: bool, extra: Callable[[ArgumentParser], None]
) -> ArgumentParser:
    """Build the parser of one command's options.

    Args:
        command: The command.
        relax_required: Do not enforce required options (``--cli-input-json``,
            ``--cli-input-yaml`` or an input skeleton is being used).
        extra: Adds the command-independent options (``--cli-input-json`` ...).
    """
    parser = ArgumentParser(prog=f"microvm {command.name}", add_help=False, allow_abbrev=False)
    for argument in command.arguments:
        required = argument.required and not relax_required
        if argument.shape.kind == "boolean":
            group = parser.add_mutually_exclusive_group(required=required)
            group.add_argument(
                argument.option, dest=argument.dest, action="store_true", default=None
            )
            group.add_argument(
                "--no-" + argument.name, dest=argument.dest, action="store_false", default=None
            )
        elif argument.shape.kind == "list":
            parser.add_argument(argument.option, dest=argument.dest, nargs="*", required=required)
        else:
            parser.add_argument(argument.option, dest=argument.dest, required=required)
    if command.paginator is not None:
        parser.add_argument("--starting-token", dest="paging_starting_token")
        parser.add_argument("--page-size", dest="paging_page_size", type=_paging_int("--page-size"))
        parser.add_argument("--max-items", dest="paging_max_items", type=_paging_int("--max-items"))
    extra(parser)
    return parser


def seconds(*, zero: bool) -> Callable[[str], float]:
    """An option's type: a finite number of seconds (``> 0``, or ``>= 0`` with ``zero``).

    NaN, infinities, negative and absurdly large values are refused by the parser,
    before any request is sent, with the option's name and the range.
    """

    def convert(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid number of seconds: {text!r}") from None
        problem = seconds_problem(value, zero=zero)
        if problem is not None:
            raise argparse.ArgumentTypeError(problem)
        return value

    return convert


def _paging_int(option: str) -> Callable[[str], int]:
    def convert(text: str) -> int:
        try:
            return int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None

    convert.__name__ = option
    return convert


def unpack_arguments(
    command: CommandModel, namespace: argparse.Namespace, model: ServiceModel
) -> dict[str, Any]:
    """Read every option given on the command line into request parameters.

    Returns:
        The parameters, keyed by model member names, in model order.

    Raises:
        UsageError: A value cannot be read (bad JSON, bad shorthand, unreadable file).
    """
    params: dict[str, Any] = {}
    for argument in command.arguments:
        raw = getattr(namespace, argument.dest, None)
        if raw is None:
            continue
        params[argument.member.model_name] = unpack_value(argument, raw, model)
    return params


def unpack_value(argument: Argument, raw: Any, model: ServiceModel) -> Any:
    """Read the value(s) given for one option (see the module docs).

    Raises:
        UsageError: The value cannot be read.
    """
    option = argument.option
    shape = argument.shape
    if shape.kind == "boolean" and isinstance(raw, bool):
        return raw
    try:
        value = _load_files(raw)
    except ParamFileError as exc:
        raise param_error(option, str(exc)) from None
    if shape.kind in ("structure", "union", "map", "list") and _is_shorthand_capable(shape, model):
        first = value[0] if isinstance(value, list) and value else value
        if not (isinstance(first, str) and first.strip().startswith(("[", "{"))):
            return _parse_shorthand(argument, value, model)
    return _unpack(shape, value, option, model, hide=holds_sensitive(shape, model.shape))


def _load_files(raw: Any) -> Any:
    if isinstance(raw, list):
        if len(raw) == 1:
            loaded = load_paramfile(raw[0])
            return raw if loaded is None else loaded
        return raw
    loaded = load_paramfile(raw)
    return raw if loaded is None else loaded


def _parse_shorthand(argument: Argument, value: Any, model: ServiceModel) -> Any:
    parser = ShorthandParser()
    try:
        if isinstance(value, list):
            parsed: Any = [parser.parse(_text(word)) for word in value]
        else:
            parsed = parser.parse(_text(value))
        if isinstance(parsed, list) or argument.shape.kind != "list":
            return coerce(parsed, argument.shape, model.shape)
        # A single shorthand text for a list (from a file): the AWS CLI leaves it as
        # a mapping, which validation then rejects.
        return coerce(parsed, model.list_member(argument.shape), model.shape)
    except ShorthandError as exc:
        hide = holds_sensitive(argument.shape, model.shape)
        raise param_error(argument.option, exc.describe(hide=hide)) from None
    except ParamFileError as exc:
        raise param_error(argument.option, str(exc)) from None


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _json(text: Any, option: str, *, hide: bool) -> Any:
    try:
        return json.loads(_text(text))
    except json.JSONDecodeError as exc:
        message = json_error(exc, _text(text), hide=hide)
        raise param_error(option, f"Invalid JSON: {message}") from None
    except (ValueError, RecursionError):  # too many digits; nested too deeply
        raise param_error(option, "Invalid JSON: the value cannot be read") from None


def _unpack(shape: Shape, value: Any, option: str, model: ServiceModel, *, hide: bool) -> Any:
    kind = shape.kind
    if kind in ("structure", "union", "map"):
        text = _text(value)
        if text.lstrip().startswith("{"):
            return _json(text, option, hide=hide)
        raise param_error(option, f"Invalid JSON:\n{mask(text) if hide else text}")
    if kind == "list":
        if isinstance(value, str | bytes):
            text = _text(value)
            if text.lstrip().startswith("["):
                return _json(text, option, hide=hide)
            value = [text]
        elif len(value) == 1 and _text(value[0]).strip().startswith("["):
            return _json(value[0], option, hide=hide)
        element = model.list_member(shape)
        return [_unpack(element, item, option, model, hide=hide) for item in value]
    return _unpack_scalar(shape, value, option, hide=hide)


def _unpack_scalar(shape: Shape, value: Any, option: str, *, hide: bool) -> Any:
    kind = shape.kind
    shown = "(sensitive, not shown)" if hide else repr(_text(value))
    if kind in ("integer", "long"):
        try:
            return int(_text(value))
        except ValueError:
            raise param_error(option, f"invalid integer value {shown}") from None
    if kind in ("float", "double"):
        try:
            return float(_text(value))
        except ValueError:
            raise param_error(option, f"invalid number {shown}") from None
    if kind == "boolean":
        if isinstance(value, str) and value.lower() == "false":
            return False
        return bool(value)
    if kind == "blob":
        if isinstance(value, bytes):
            return base64.b64encode(value).decode("ascii")
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


def merge_input_document(
    params: dict[str, Any], document: Mapping[str, Any], command: CommandModel
) -> dict[str, Any]:
    """Add the members of a ``--cli-input-json``/``--cli-input-yaml`` document.

    Options given on the command line win over the document's values.

    Returns:
        The merged parameters: command-line values first, then the document's, in
        model order where the model knows the key.
    """
    merged = dict(params)
    for key, value in document.items():
        if key not in merged:
            merged[key] = value
    order = {argument.member.model_name: i for i, argument in enumerate(command.arguments)}
    return dict(sorted(merged.items(), key=lambda item: order.get(item[0], len(order))))
