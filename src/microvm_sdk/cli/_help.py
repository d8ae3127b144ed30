"""Help text: the command list, and each command's options with syntax and constraints."""

from __future__ import annotations

import html
import re
import textwrap

from microvm_sdk._core.schema import Shape
from microvm_sdk.cli._model import COMPLEX_KINDS, CommandModel, ServiceModel

__all__ = ["command_help", "shorthand_syntax", "top_help", "wait_help"]

_GLOBAL_OPTIONS = """\
Global options:
  --debug                       Turn on debug logging (stderr; secrets are not logged).
  --endpoint-url <value>        Override the endpoint URL.
  --no-verify-ssl               Do not verify TLS certificates.
  --no-paginate                 Make one call only (first page) for list commands.
  --output <value>              json | text | table | yaml | yaml-stream | off
  --query <value>               A JMESPath query applied to the response.
  --profile <value>             The profile of the shared config files.
  --region <value>              The region to use.
  --version                     Show the version.
  --color <value>               on | off | auto
  --no-sign-request             Do not sign requests (no credentials needed).
  --ca-bundle <value>           CA certificates to verify TLS with.
  --cli-read-timeout <value>    Socket read timeout in seconds (0: none). Default 60.
  --cli-connect-timeout <value> Socket connect timeout in seconds (0: none). Default 60.
  --cli-binary-format <value>   base64 | raw-in-base64-out
  --no-cli-pager                Do not page the output.
  --cli-auto-prompt             Prompt for missing required options (terminal only).
  --no-cli-auto-prompt          Do not prompt.
  --cli-error-format <value>    legacy | json | yaml | text | table | enhanced
"""


def top_help() -> str:
    """The list of commands."""
    from microvm_sdk.cli._commands import WAITERS
    from microvm_sdk.cli._model import load_service_model

    model = load_service_model()
    lines = [
        "usage: microvm [options] <command> [parameters]",
        "",
        "Lambda MicroVMs from the command line, with the options of",
        "'aws lambda-microvms'. Run 'microvm <command> help' for a command's options.",
        "",
        "Commands:",
    ]
    lines += [f"  {name}" for name in model.commands]
    lines += [
        "",
        "More commands:",
        "  wait <waiter>                 Wait for a state: " + ", ".join(WAITERS),
        "  local serve                   Run the local emulator.",
        "  demo                          Create an image on an in-process emulator and wait.",
        "",
    ]
    return "\n".join(lines) + "\n" + _GLOBAL_OPTIONS


def wait_help(model: ServiceModel) -> str:
    """Help for ``microvm wait``."""
    from microvm_sdk.cli._commands import WAITERS

    lines = ["usage: microvm wait <waiter> [options] [--wait-timeout <seconds>]", "", "Waiters:"]
    for info in WAITERS.values():
        command = model.command_for_operation(info.operation)
        options = " ".join(f"{a.option} <value>" for a in command.arguments if a.required)
        lines.append(f"  {info.name:<22} {options}")
        lines.append(f"  {'':<22} waits until the {info.subject} is {info.success}")
    return "\n".join(lines) + "\n"


def _plain(documentation: str) -> str:
    text = re.sub(r"<[^>]+>", "", documentation)
    return html.unescape(" ".join(text.split()))


def command_help(command: CommandModel, model: ServiceModel) -> str:
    """Help for one command: synopsis, then every option with its syntax."""
    out: list[str] = [command.name, ""]
    if command.operation.documentation:
        out += [*textwrap.wrap(_plain(command.operation.documentation), 88), ""]
    out.append("Synopsis:")
    out.append(f"  microvm {command.name}")
    for argument in command.arguments:
        usage = f"{argument.option} <value>"
        out.append(f"    {usage}" if argument.required else f"    [{usage}]")
    if command.paginator is not None:
        out += [
            "    [--starting-token <value>]",
            "    [--page-size <value>]",
            "    [--max-items <value>]",
        ]
    out += [
        "    [--cli-input-json <value> | --cli-input-yaml <value>]",
        "    [--generate-cli-skeleton <value>]",
    ]
    from microvm_sdk.cli._commands import WAIT_AFTER

    if command.name in WAIT_AFTER:
        out.append("    [--wait [--wait-timeout <seconds>]]")
    out += ["", "Options:"]
    for argument in command.arguments:
        required = " [required]" if argument.required else ""
        out.append(f"  {argument.option} ({_type_name(argument.shape)}){required}")
        out += [f"      {line}" for line in _constraints(argument.shape)]
        syntax = shorthand_syntax(argument.shape, model)
        if syntax:
            out += ["      Shorthand syntax:", f"        {syntax}"]
        elif argument.shape.kind == "list":
            out += ["      Syntax:", '        "string" "string" ...']
        out.append("")
    return "\n".join(out) + "\n" + _GLOBAL_OPTIONS


def _type_name(shape: Shape) -> str:
    if shape.kind == "union":
        return "tagged union structure"
    return shape.kind


def _constraints(shape: Shape) -> list[str]:
    lines = []
    if shape.min is not None:
        lines.append(f"min: {int(shape.min) if float(shape.min).is_integer() else shape.min}")
    if shape.max is not None:
        lines.append(f"max: {int(shape.max) if float(shape.max).is_integer() else shape.max}")
    if shape.pattern is not None:
        lines.append(f"pattern: {shape.pattern}")
    if shape.enum:
        lines.append("possible values: " + ", ".join(shape.enum))
    return lines


class _TooComplex(Exception):
    pass


def shorthand_syntax(shape: Shape, model: ServiceModel) -> str:
    """The shorthand template of an option (``uri=string``), or ``""`` if it has none."""
    if shape.kind not in COMPLEX_KINDS:
        return ""
    if shape.kind == "list" and model.list_member(shape).kind not in COMPLEX_KINDS:
        return ""
    try:
        if shape.kind == "list":
            return _doc(model.list_member(shape), model, []) + " ..."
        return _doc(shape, model, [])
    except _TooComplex:
        return ""


def _doc(shape: Shape, model: ServiceModel, stack: list[str]) -> str:
    if len(stack) > 3:
        raise _TooComplex
    if shape.kind in ("structure", "union"):
        parts = []
        for member in shape.members:
            target = model.target(member)
            if stack.count(target.name):
                parts.append(f"{member.model_name}=( ... recursive ... )")
                continue
            stack.append(target.name)
            try:
                parts.append(f"{member.model_name}={_doc(target, model, stack)}")
            finally:
                stack.pop()
        inner = ",".join(parts)
        return "{" + inner + "}" if stack else inner
    if shape.kind == "list":
        element = model.list_member(shape)
        stack.append(element.name)
        try:
            item = _doc(element, model, stack)
        finally:
            stack.pop()
        if element.kind in COMPLEX_KINDS or len(stack) > 1:
            return f"[{item},{item}]"
        return f"{item},{item}"
    if shape.kind == "map":
        value = model.map_value(shape)
        stack.append(value.name)
        try:
            value_doc = _doc(value, model, stack)
        finally:
            stack.pop()
        text = f"KeyName1={value_doc},KeyName2={value_doc}"
        return "{" + text + "}" if stack else text
    return shape.kind
