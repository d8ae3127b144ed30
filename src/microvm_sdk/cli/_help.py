"""Help text for a terminal: the command list, each command's page, the waiters.

A command's page is laid out like the AWS CLI's (description, synopsis, options with
their descriptions, constraints, possible values, nested members, shorthand and JSON
syntax, global options, examples, output), from :func:`microvm_sdk.cli._helpdoc.command_doc`.
"""

from __future__ import annotations

import textwrap

from microvm_sdk.cli._helpdoc import (
    GLOBAL_OPTIONS,
    CommandDoc,
    FieldDoc,
    OptionDoc,
    command_doc,
    first_sentence,
    plain,
    shorthand_syntax,
)
from microvm_sdk.cli._model import CommandModel, ServiceModel

__all__ = [
    "command_help",
    "shorthand_syntax",
    "top_help",
    "waiter_help",
    "wait_help",
]

WIDTH = 80
_MORE_COMMANDS = (
    ("wait <waiter>", "Wait until a resource reaches a state ('microvm wait help')."),
    ("local serve", "Run the local emulator of the service ('microvm local serve --help')."),
    ("demo", "Build an image on an in-process emulator and watch it ('microvm demo help')."),
    ("completion <shell>", "Print a completion script for bash, zsh or fish."),
)


def _wrap(text: str, indent: int) -> list[str]:
    pad = " " * indent
    return textwrap.wrap(
        plain(text),
        WIDTH,
        initial_indent=pad,
        subsequent_indent=pad,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [pad.rstrip()]


def _options_text(options: tuple[OptionDoc, ...]) -> list[str]:
    lines: list[str] = []
    for option in options:
        lines.append(f"{option.name} ({option.type_label})")
        lines += _wrap(option.description, 4)
        if option.values:
            lines += _wrap("Possible values: " + ", ".join(option.values), 4)
        lines.append("")
    return lines


def top_help() -> str:
    """``microvm help``: the commands, each with the first sentence of its description."""
    from microvm_sdk import _documentation
    from microvm_sdk.cli._model import load_service_model

    model = load_service_model()
    lines = [
        "usage: microvm [options] <command> [parameters]",
        "",
        *_wrap(" ".join(_documentation.SERVICE), 0),
        "",
        *_wrap(
            "Every command takes the options of 'aws lambda-microvms <command>'. Run "
            "'microvm <command> help' for a command's options, values and examples.",
            0,
        ),
        "",
        "Commands:",
    ]
    width = max(len(name) for name in model.commands) + 2
    for name, command in model.commands.items():
        summary = first_sentence(_documentation.OPERATIONS.get(command.operation.name, ()))
        wrapped = textwrap.wrap(summary, WIDTH - width - 2) or [""]
        lines.append(f"  {name:<{width}}{wrapped[0]}")
        lines += [f"  {'':<{width}}{more}" for more in wrapped[1:]]
    lines += ["", "More commands:"]
    for name, summary in _MORE_COMMANDS:
        lines.append(f"  {name:<{width}}{summary}")
    lines += ["", "Global options:", ""]
    lines += [f"  {line}" if line else "" for line in _options_text(GLOBAL_OPTIONS)]
    return "\n".join(lines).rstrip("\n") + "\n"


def wait_help(model: ServiceModel) -> str:
    """``microvm wait help``: the waiters and what each waits for."""
    from microvm_sdk.cli._commands import WAITERS

    lines = [
        "usage: microvm wait <waiter> [options] [--wait-timeout <seconds>] "
        "[--wait-delay <seconds>]",
        "",
        *_wrap(
            "Poll until a resource reaches a state, then exit 0 without output. Exit code "
            "255 with the reason when it reaches a failure state or the time runs out. "
            "Run 'microvm wait <waiter> help' for a waiter's options.",
            0,
        ),
        "",
        "Waiters:",
    ]
    for info in WAITERS.values():
        command = model.command_for_operation(info.operation)
        options = " ".join(f"{a.option} <value>" for a in command.arguments if a.required)
        lines.append(f"  {info.name:<22}{options}")
        lines += _wrap(f"Waits until the {info.subject} is {info.success}.", 24)
    return "\n".join(lines) + "\n"


def waiter_help(model: ServiceModel, name: str) -> str:
    """``microvm wait <waiter> help``: one waiter's description, options and timing."""
    from microvm_sdk import _documentation
    from microvm_sdk._waiters import WAITERS as SPECS
    from microvm_sdk.cli._commands import WAITERS

    info = WAITERS[name]
    spec = SPECS[info.spec]
    command = model.command_for_operation(info.operation)
    input_name = command.input_shape.name if command.input_shape else ""
    documented = _documentation.MEMBERS.get(input_name, {})
    lines = [f"microvm wait {name}", "", "Description", ""]
    lines += _wrap(spec.description or f"Waits until the {info.subject} is {info.success}.", 2)
    lines += [""]
    failure = _states(spec, "failure")
    stops = f"It fails (exit code 255) when {failure}." if failure else "It has no failure state."
    lines += _wrap(
        f"Polls {info.operation} until {_states(spec, 'success')}. {stops} The first poll "
        f"is immediate; then the delay grows from {spec.min_delay:g} s to "
        f"{spec.max_delay:g} s, and it gives up after {spec.max_wait_time:g} s.",
        2,
    )
    lines += ["", "Synopsis", "", f"  microvm wait {name}"]
    for argument in command.arguments:
        lines.append(f"    {argument.option} <value>")
    lines += ["    [--wait-timeout <seconds>]", "    [--wait-delay <seconds>]", "", "Options", ""]
    for argument in command.arguments:
        lines.append(f"{argument.option} ({argument.shape.kind}) [required]")
        lines += _wrap(" ".join(documented.get(argument.member.model_name, ())), 4)
        lines.append("")
    lines += [
        "--wait-timeout (seconds)",
        *_wrap(f"Give up after this many seconds (default {spec.max_wait_time:g}).", 4),
        "",
        "--wait-delay (seconds)",
        *_wrap("Poll at this fixed interval instead of the backoff.", 4),
        "",
    ]
    return "\n".join(lines) + "\n"


def _states(spec: object, outcome: str) -> str:
    """``its state is CREATE_FAILED, DELETING or DELETED`` / ``it answers X``."""
    values: list[str] = []
    errors: list[str] = []
    for acceptor in getattr(spec, "acceptors", ()):
        if acceptor.state != outcome:
            continue
        if acceptor.matcher == "error":
            errors.append(str(acceptor.expected))
        else:
            values.append(str(acceptor.expected))
    parts = []
    if values:
        parts.append("its state is " + _either(values))
    if errors:
        parts.append("it answers " + _either(errors))
    return " or ".join(parts)


def _either(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def command_help(command: CommandModel, model: ServiceModel) -> str:
    """The help page of one command."""
    return render_command(command_doc(command, model))


def render_command(doc: CommandDoc) -> str:
    """Lay out a :class:`CommandDoc` for a terminal."""
    out: list[str] = [doc.name, "", "Description", ""]
    for paragraph in doc.paragraphs:
        out += [*_wrap(paragraph, 2), ""]
    out += ["Synopsis", "", f"  microvm {doc.name}"]
    out += [f"    {line}" for line in doc.synopsis]
    out += ["", "Options", ""]
    for option in doc.options:
        out += _field(option, 0)
        if option.shorthand:
            out += ["    Shorthand syntax:", "", f"      {option.shorthand}", ""]
        if option.json:
            out += ["    JSON syntax:", ""]
            out += [f"      {line}" for line in option.json.splitlines()]
            out.append("")
        if option.list_syntax:
            out += ["    Syntax:", "", f"      {option.list_syntax}", ""]
    out += _options_text(doc.extra_options)
    out += ["Global options", ""]
    out += _options_text(GLOBAL_OPTIONS)
    if doc.examples:
        out += ["Examples", ""]
        for example in doc.examples:
            out += _wrap(example.title + ":", 2)
            out += ["", *[f"    {line}" for line in example.command.splitlines()], ""]
    out += ["Output", ""]
    if doc.output:
        for field in doc.output:
            out += _field(field, 0, arrow=True)
    else:
        out += ["  None", ""]
    return "\n".join(line.rstrip() for line in out).rstrip("\n") + "\n"


def _field(field: FieldDoc, depth: int, *, arrow: bool = False) -> list[str]:
    pad = "    " * depth
    text_pad = len(pad) + 4
    required = " [required]" if field.required else ""
    if field.name and (arrow or depth):
        title = f"{pad}{field.name} -> ({field.type_label}){required}"
    elif field.name:
        title = f"{pad}{field.name} ({field.type_label}){required}"
    else:
        title = f"{pad}({field.type_label})"
    lines = [title]
    for paragraph in field.paragraphs:
        lines += _wrap(paragraph, text_pad)
    if field.sensitive:
        lines += _wrap("This value is secret: it is never repeated in messages or logs.", text_pad)
    if field.union_keys:
        lines += _wrap(
            "This is a tagged union: set exactly one of these keys: "
            + ", ".join(field.union_keys)
            + ".",
            text_pad,
        )
    if field.constraints:
        lines += _wrap("Constraints: " + "; ".join(field.constraints), text_pad)
    if field.values:
        lines += _wrap("Possible values: " + ", ".join(field.values), text_pad)
    lines.append("")
    for child in field.children:
        lines += _field(child, depth + 1, arrow=True)
    return lines
