"""What a command's help says, as data: built from the service model and its prose.

:func:`command_doc` turns one command into a :class:`CommandDoc` (description, synopsis,
every option with its description, constraints, possible values, nested members,
shorthand and JSON syntax, examples, and the output's shape). Two renderers read it:
the terminal help (:mod:`microvm_sdk.cli._help`) and the documentation site's command
reference (:mod:`microvm_sdk.cli._reference`). The global options, which every command
accepts, are described once in :data:`GLOBAL_OPTIONS`.
"""

from __future__ import annotations

import attrs

from microvm_sdk._core.schema import Shape
from microvm_sdk.cli._model import COMPLEX_KINDS, CommandModel, ServiceModel

__all__ = [
    "GLOBAL_OPTIONS",
    "CommandDoc",
    "FieldDoc",
    "OptionDoc",
    "command_doc",
    "first_sentence",
    "json_syntax",
    "plain",
    "shorthand_syntax",
]

_MAX_DEPTH = 8


@attrs.frozen
class FieldDoc:
    """An option, or a member inside one, as the help describes it.

    Attributes:
        name: ``--code-artifact`` for an option, ``uri`` for a member, ``""`` for the
            element of a list, ``key``/``value`` for a map's parts.
        type_label: ``string``, ``integer``, ``structure``, ``tagged union structure``,
            ``list``, ``map`` ...
        required: The model requires it.
        paragraphs: Its description, one paragraph per item.
        union_keys: For a tagged union, the keys of which exactly one may be set.
        constraints: ``min: 1``, ``max: 2048``, ``pattern: [a-z]+`` ...
        values: The possible values of an enum.
        sensitive: Its values are secret (never logged or echoed).
        children: Members, the list element, or a map's key and value.
        shorthand: The shorthand template (top-level options only; ``""`` if none).
        json: The JSON template (top-level structured options only; ``""`` if none).
        list_syntax: For a list of scalars, the word syntax (``"string" "string" ...``).
    """

    name: str
    type_label: str
    required: bool = False
    paragraphs: tuple[str, ...] = ()
    union_keys: tuple[str, ...] = ()
    constraints: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    sensitive: bool = False
    children: tuple[FieldDoc, ...] = ()
    shorthand: str = ""
    json: str = ""
    list_syntax: str = ""


@attrs.frozen
class OptionDoc:
    """An option that is not a request member (global, paging, input, waiting)."""

    name: str
    type_label: str
    description: str
    values: tuple[str, ...] = ()
    metavar: str = "<value>"


@attrs.frozen
class Example:
    """A titled example command line."""

    title: str
    command: str


@attrs.frozen
class CommandDoc:
    """Everything the help of one command says."""

    name: str
    operation: str
    paragraphs: tuple[str, ...]
    synopsis: tuple[str, ...]
    options: tuple[FieldDoc, ...]
    extra_options: tuple[OptionDoc, ...]
    examples: tuple[Example, ...]
    output: tuple[FieldDoc, ...]


_FLAG = ""  # the metavar of an option that takes no value

GLOBAL_OPTIONS: tuple[OptionDoc, ...] = (
    OptionDoc(
        "--debug",
        "boolean",
        "Turn on debug logging to stderr (secret values are not logged).",
        metavar=_FLAG,
    ),
    OptionDoc(
        "--endpoint-url",
        "string",
        "Send requests to this URL instead of the service's endpoint (the local "
        "emulator's URL, say).",
    ),
    OptionDoc("--no-verify-ssl", "boolean", "Do not verify TLS certificates.", metavar=_FLAG),
    OptionDoc(
        "--no-paginate",
        "boolean",
        "Make one call only: the first page of a list command.",
        metavar=_FLAG,
    ),
    OptionDoc(
        "--output",
        "string",
        "The format of the output.",
        ("json", "text", "table", "yaml", "yaml-stream", "off"),
    ),
    OptionDoc("--query", "string", "A JMESPath query applied to the response."),
    OptionDoc("--profile", "string", "A profile of the shared config and credentials files."),
    OptionDoc(
        "--region",
        "string",
        "The region to send requests to; overrides the environment and the profile.",
    ),
    OptionDoc("--version", "boolean", "Show the version and exit.", metavar=_FLAG),
    OptionDoc("--color", "string", "Colour in table output.", ("on", "off", "auto")),
    OptionDoc(
        "--no-sign-request",
        "boolean",
        "Do not sign requests; no credentials are loaded. Only endpoints that accept "
        "anonymous requests answer (the local emulator started with "
        "--no-verify-signatures).",
        metavar=_FLAG,
    ),
    OptionDoc("--ca-bundle", "string", "A CA certificate bundle to verify TLS connections with."),
    OptionDoc(
        "--cli-read-timeout",
        "int",
        "Socket read timeout in seconds (0: wait forever). Default 60.",
    ),
    OptionDoc(
        "--cli-connect-timeout",
        "int",
        "Socket connect timeout in seconds (0: wait forever). Default 60.",
    ),
    OptionDoc(
        "--cli-binary-format",
        "string",
        "How blob values are given: base64 text, or raw bytes.",
        ("base64", "raw-in-base64-out"),
    ),
    OptionDoc(
        "--no-cli-pager", "boolean", "Do not send the output through a pager.", metavar=_FLAG
    ),
    OptionDoc(
        "--cli-auto-prompt",
        "boolean",
        "Ask for missing required options (on a terminal).",
        metavar=_FLAG,
    ),
    OptionDoc("--no-cli-auto-prompt", "boolean", "Do not ask for missing options.", metavar=_FLAG),
    OptionDoc(
        "--cli-error-format",
        "string",
        "The format of error output.",
        ("legacy", "json", "yaml", "text", "table", "enhanced"),
    ),
)

_INPUT_OPTIONS = (
    OptionDoc(
        "--cli-input-json | --cli-input-yaml",
        "string",
        "Read the parameters from a JSON (or YAML) document, in the format "
        "--generate-cli-skeleton prints; file://path reads it from a file. Options given "
        "on the command line override the document's values.",
    ),
    OptionDoc(
        "--generate-cli-skeleton",
        "string",
        "Print a skeleton and send nothing: 'input' (the default) prints a JSON input "
        "document for --cli-input-json, 'yaml-input' one for --cli-input-yaml, and "
        "'output' checks the options and prints a sample response.",
        ("input", "yaml-input", "output"),
    ),
)

_PAGING_OPTIONS = (
    OptionDoc(
        "--starting-token",
        "string",
        "Where to resume: the NextToken a previous command printed (with --max-items).",
    ),
    OptionDoc(
        "--page-size",
        "integer",
        "How many items to ask for per request. Every page is still fetched; this only "
        "changes the number of calls.",
    ),
    OptionDoc(
        "--max-items",
        "integer",
        "Stop after this many items, and print a NextToken to continue with --starting-token.",
    ),
)


def plain(text: str) -> str:
    """Model prose for a terminal: the ``code`` markers of the model's HTML removed."""
    return text.replace("``", "")


def first_sentence(paragraphs: tuple[str, ...]) -> str:
    """The first sentence of a description (for one-line summaries)."""
    if not paragraphs:
        return ""
    text = plain(paragraphs[0])
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _constraints(shape: Shape) -> tuple[str, ...]:
    found = []
    if shape.min is not None:
        found.append(f"min: {_number(shape.min)}")
    if shape.max is not None:
        found.append(f"max: {_number(shape.max)}")
    if shape.pattern is not None:
        found.append(f"pattern: {shape.pattern}")
    return tuple(found)


def _type_label(shape: Shape) -> str:
    return "tagged union structure" if shape.kind == "union" else shape.kind


class _Builder:
    def __init__(self, model: ServiceModel) -> None:
        from microvm_sdk import _documentation

        self.model = model
        self.shapes = _documentation.SHAPES
        self.members = _documentation.MEMBERS

    def field(
        self,
        name: str,
        shape: Shape,
        *,
        required: bool,
        paragraphs: tuple[str, ...],
        stack: tuple[str, ...] = (),
    ) -> FieldDoc:
        children: list[FieldDoc] = []
        if len(stack) < _MAX_DEPTH and shape.name not in stack:
            inner = (*stack, shape.name)
            if shape.kind in ("structure", "union"):
                documented = self.members.get(shape.name, {})
                for member in shape.members:
                    target = self.model.target(member)
                    children.append(
                        self.field(
                            member.model_name,
                            target,
                            required=member.required,
                            paragraphs=documented.get(member.model_name, ())
                            or self.shapes.get(target.name, ()),
                            stack=inner,
                        )
                    )
            elif shape.kind == "list":
                element = self.model.list_member(shape)
                children.append(
                    self.field(
                        "",
                        element,
                        required=False,
                        paragraphs=self.shapes.get(element.name, ()),
                        stack=inner,
                    )
                )
            elif shape.kind == "map":
                for part, part_shape in (
                    ("key", self.model.map_key(shape)),
                    ("value", self.model.map_value(shape)),
                ):
                    children.append(
                        self.field(part, part_shape, required=False, paragraphs=(), stack=inner)
                    )
        return FieldDoc(
            name=name,
            type_label=_type_label(shape),
            required=required,
            paragraphs=paragraphs,
            union_keys=tuple(m.model_name for m in shape.members) if shape.kind == "union" else (),
            constraints=_constraints(shape),
            values=tuple(shape.enum),
            sensitive=shape.sensitive,
            children=tuple(children),
        )


def command_doc(command: CommandModel, model: ServiceModel) -> CommandDoc:
    """Describe one command from the model."""
    from microvm_sdk import _documentation
    from microvm_sdk.cli._commands import WAIT_AFTER
    from microvm_sdk.cli._examples import examples_for

    builder = _Builder(model)
    input_docs = (
        _documentation.MEMBERS.get(command.input_shape.name, {}) if command.input_shape else {}
    )
    options = []
    for argument in command.arguments:
        base = builder.field(
            argument.option,
            argument.shape,
            required=argument.required,
            paragraphs=input_docs.get(argument.member.model_name, ())
            or _documentation.SHAPES.get(argument.shape.name, ()),
        )
        shorthand = shorthand_syntax(argument.shape, model)
        structured = argument.shape.kind in COMPLEX_KINDS and (
            argument.shape.kind != "list" or model.list_member(argument.shape).kind in COMPLEX_KINDS
        )
        options.append(
            attrs.evolve(
                base,
                shorthand=shorthand,
                json=json_syntax(argument.shape, model) if structured else "",
                list_syntax='"string" "string" ...'
                if argument.shape.kind == "list" and not structured
                else "",
            )
        )
    extra: list[OptionDoc] = []
    if command.paginator is not None:
        extra += _PAGING_OPTIONS
    extra += _INPUT_OPTIONS
    if command.name in WAIT_AFTER:
        extra += _wait_options(WAIT_AFTER[command.name][0])
    output: tuple[FieldDoc, ...] = ()
    if command.output_shape is not None:
        output = builder.field(
            "", command.output_shape, required=False, paragraphs=(), stack=()
        ).children
    return CommandDoc(
        name=command.name,
        operation=command.operation.name,
        paragraphs=_documentation.OPERATIONS.get(command.operation.name, ()),
        synopsis=_synopsis(command, extra),
        options=tuple(options),
        extra_options=tuple(extra),
        examples=examples_for(command.name),
        output=output,
    )


def _wait_options(waiter: str) -> tuple[OptionDoc, ...]:
    return (
        OptionDoc(
            "--wait",
            "boolean",
            f"After the response is printed, wait until the resource is ready (as 'microvm "
            f"wait {waiter}' does), showing progress on a terminal. Exit code 255 with the "
            "reason if it fails.",
            metavar="",
        ),
        OptionDoc(
            "--wait-timeout",
            "seconds",
            "With --wait: give up after this many seconds (default: the waiter's maximum).",
        ),
        OptionDoc(
            "--wait-delay",
            "seconds",
            "With --wait: poll at this fixed interval instead of the waiter's backoff.",
        ),
    )


def _synopsis(command: CommandModel, extra: list[OptionDoc]) -> tuple[str, ...]:
    lines = []
    for argument in command.arguments:
        usage = f"{argument.option} <value>"
        lines.append(usage if argument.required else f"[{usage}]")
    for option in extra:
        if option.name.startswith("--cli-input-json"):
            lines.append("[--cli-input-json <value> | --cli-input-yaml <value>]")
        elif option.metavar:
            lines.append(f"[{option.name} {option.metavar}]")
        else:
            lines.append(f"[{option.name}]")
    return tuple(lines)


# -- syntax templates -------------------------------------------------------------------


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
            return _shorthand(model.list_member(shape), model, []) + " ..."
        return _shorthand(shape, model, [])
    except _TooComplex:
        return ""


def _shorthand(shape: Shape, model: ServiceModel, stack: list[str]) -> str:
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
                parts.append(f"{member.model_name}={_shorthand(target, model, stack)}")
            finally:
                stack.pop()
        inner = ",".join(parts)
        return "{" + inner + "}" if stack else inner
    if shape.kind == "list":
        element = model.list_member(shape)
        stack.append(element.name)
        try:
            item = _shorthand(element, model, stack)
        finally:
            stack.pop()
        if element.kind in COMPLEX_KINDS or len(stack) > 1:
            return f"[{item},{item}]"
        return f"{item},{item}"
    if shape.kind == "map":
        value = model.map_value(shape)
        stack.append(value.name)
        try:
            value_doc = _shorthand(value, model, stack)
        finally:
            stack.pop()
        text = f"KeyName1={value_doc},KeyName2={value_doc}"
        return "{" + text + "}" if stack else text
    return shape.kind


def json_syntax(shape: Shape, model: ServiceModel) -> str:
    """The JSON template of a value of ``shape``, laid out as the AWS CLI shows it."""
    return "\n".join(_json(shape, model, 0, ()))


def _json_scalar(shape: Shape) -> str:
    if shape.enum:
        return "|".join(f'"{value}"' for value in shape.enum)
    if shape.kind == "string":
        return '"string"'
    if shape.kind == "boolean":
        return "true|false"
    return shape.kind


def _json(shape: Shape, model: ServiceModel, indent: int, stack: tuple[str, ...]) -> list[str]:
    pad = "  " * (indent + 1)
    if shape.name in stack or len(stack) > _MAX_DEPTH:
        return ["{ ... recursive ... }"]
    inner = (*stack, shape.name)
    if shape.kind in ("structure", "union"):
        if not shape.members:
            return ["{", "", "  " * indent + "}"]
        lines = ["{"]
        for index, member in enumerate(shape.members):
            value = _json(model.target(member), model, indent + 1, inner)
            comma = "," if index < len(shape.members) - 1 else ""
            lines.append(f'{pad}"{member.model_name}": {value[0]}')
            lines.extend(value[1:])
            lines[-1] += comma
        lines.append("  " * indent + "}")
        return lines
    if shape.kind == "list":
        value = _json(model.list_member(shape), model, indent + 1, inner)
        return ["[", pad + value[0], *value[1:], pad + "...", "  " * indent + "]"]
    if shape.kind == "map":
        key = _json_scalar(model.map_key(shape))
        value = _json(model.map_value(shape), model, indent + 1, inner)
        return [f"{{{key}: {value[0]}", *value[1:], pad + "...}"]
    return [_json_scalar(shape)]
