"""Pages of the documentation site generated from the model (used by ``docs_hooks.py``).

- ``reference/cli/*.md``: the command reference, one page per command, from the same
  description the terminal help is rendered from (``microvm_sdk.cli._helpdoc``);
- ``lifecycles.md``: the lifecycle of an image, an image version and a MicroVM as
  Mermaid state diagrams. States are the model's enums; each state is coloured by what
  the waiters (``waiters-2.json``) do there; the transitions are the table below, which
  a test checks against the enums, the waiters and the local emulator;
- ``decisions/index.md``: the list of decision records, so a new record needs no nav
  change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "LIFECYCLES",
    "Lifecycle",
    "cli_pages",
    "decisions_index",
    "lifecycle_page",
    "waiter_roles",
]


@dataclass(frozen=True)
class Lifecycle:
    """One resource's states and how it moves between them.

    Attributes:
        title: The resource, in words.
        enum: The model's state enum.
        operation: The operation whose output holds the state (the waiters poll it).
        transitions: ``(from, to, why)``; ``[*]`` is the start (or the end: gone).
    """

    title: str
    enum: str
    operation: str
    transitions: tuple[tuple[str, str, str], ...]


_IMAGE_STABLE = ("CREATED", "CREATE_FAILED", "UPDATED", "UPDATE_FAILED")

LIFECYCLES: tuple[Lifecycle, ...] = (
    Lifecycle(
        title="MicroVM image",
        enum="MicrovmImageState",
        operation="GetMicrovmImage",
        transitions=(
            ("[*]", "CREATING", "CreateMicrovmImage"),
            ("CREATING", "CREATED", "build succeeded"),
            ("CREATING", "CREATE_FAILED", "build failed"),
            *((state, "UPDATING", "UpdateMicrovmImage") for state in _IMAGE_STABLE),
            ("UPDATING", "UPDATED", "build succeeded"),
            ("UPDATING", "UPDATE_FAILED", "build failed"),
            *((state, "DELETING", "DeleteMicrovmImage") for state in _IMAGE_STABLE),
            ("DELETING", "DELETED", "deleted"),
            ("DELETING", "[*]", "gone: ResourceNotFoundException"),
            ("DELETING", "DELETE_FAILED", "delete failed"),
            ("DELETE_FAILED", "DELETING", "DeleteMicrovmImage"),
            ("DELETED", "[*]", "gone"),
        ),
    ),
    Lifecycle(
        title="MicroVM image version",
        enum="MicrovmImageVersionState",
        operation="GetMicrovmImageVersion",
        transitions=(
            ("[*]", "PENDING", "CreateMicrovmImage / UpdateMicrovmImage"),
            ("PENDING", "IN_PROGRESS", "builds start"),
            ("IN_PROGRESS", "SUCCESSFUL", "every build succeeded"),
            ("IN_PROGRESS", "FAILED", "a build failed"),
            ("SUCCESSFUL", "DELETING", "DeleteMicrovmImageVersion"),
            ("FAILED", "DELETING", "DeleteMicrovmImageVersion"),
            ("DELETING", "DELETED", "deleted"),
            ("DELETING", "[*]", "gone: ResourceNotFoundException"),
            ("DELETING", "DELETE_FAILED", "delete failed"),
            ("DELETE_FAILED", "DELETING", "DeleteMicrovmImageVersion"),
            ("DELETED", "[*]", "gone"),
        ),
    ),
    Lifecycle(
        title="MicroVM",
        enum="MicrovmState",
        operation="GetMicrovm",
        transitions=(
            ("[*]", "PENDING", "RunMicrovm"),
            ("PENDING", "RUNNING", "started"),
            ("RUNNING", "SUSPENDING", "SuspendMicrovm / idle policy"),
            ("SUSPENDING", "SUSPENDED", "suspended"),
            ("SUSPENDED", "RUNNING", "ResumeMicrovm / a request (auto-resume)"),
            *(
                (state, "TERMINATING", "TerminateMicrovm / maximum duration")
                for state in ("PENDING", "RUNNING", "SUSPENDING", "SUSPENDED")
            ),
            ("TERMINATING", "TERMINATED", "terminated"),
            ("TERMINATED", "[*]", ""),
        ),
    ),
)


def waiter_roles(lifecycle: Lifecycle) -> dict[str, dict[str, str]]:
    """For each state: waiter name to ``"success"`` or ``"failure"`` (path acceptors)."""
    from microvm_sdk._waiters import WAITERS

    roles: dict[str, dict[str, str]] = {}
    for name, spec in WAITERS.items():
        if spec.operation != lifecycle.operation:
            continue
        for acceptor in spec.acceptors:
            if acceptor.matcher == "path" and acceptor.argument == "state":
                roles.setdefault(str(acceptor.expected), {})[name] = acceptor.state
    return roles


def _method(waiter: str) -> str:
    from microvm_sdk.cli._commands import WAITERS

    for info in WAITERS.values():
        if info.spec == waiter:
            return info.method
    return waiter


def lifecycle_page() -> str:
    """``lifecycles.md``: a state diagram and a legend per resource."""
    from microvm_sdk._schema import SCHEMA

    out = [
        "# Lifecycles",
        "",
        "How an image, an image version and a MicroVM move between states. The states are",
        "the service model's enums. Green states are where a waiter succeeds, red ones",
        "where a waiter gives up (a failure acceptor in `waiters-2.json`); the others are",
        "states a waiter keeps polling through. The transitions are checked by a test",
        "against the model's enums, the waiters and the local emulator. This page is",
        "generated when the site is built.",
        "",
    ]
    for lifecycle in LIFECYCLES:
        states = SCHEMA.shapes[lifecycle.enum].enum
        roles = waiter_roles(lifecycle)
        out += [f"## {lifecycle.title}", "", "```mermaid", "stateDiagram-v2", "    direction LR"]
        for source, target, why in lifecycle.transitions:
            label = f" : {why}" if why else ""
            out.append(f"    {source} --> {target}{label}")
        out.append("    classDef success fill:#d7f5dd,stroke:#1a7f37,color:#0b3d1a")
        out.append("    classDef failure fill:#fde2e1,stroke:#cf222e,color:#4a0a0a")
        for state in states:
            outcomes = set(roles.get(state, {}).values())
            if "success" in outcomes:
                out.append(f"    class {state} success")
            elif "failure" in outcomes:
                out.append(f"    class {state} failure")
        out += ["```", ""]
        out += [
            f"`{lifecycle.enum}`, as `{lifecycle.operation}` reports it:",
            "",
            "| State | Waiters that stop here |",
            "| --- | --- |",
        ]
        for state in states:
            here = roles.get(state, {})
            text = ", ".join(
                f"`{_method(waiter)}` ({outcome})" for waiter, outcome in sorted(here.items())
            )
            out.append(f"| `{state}` | {text or 'none: waiters keep polling'} |")
        out.append("")
    return "\n".join(out)


# -- the command reference ----------------------------------------------------------------


def _md(text: str) -> str:
    """Model prose as Markdown: its ``code`` markers become backticks."""
    return re.sub(r"``(.+?)``", r"`\1`", text).replace("<", "&lt;")


def _field_lines(field: object, depth: int) -> list[str]:
    name = getattr(field, "name", "")
    type_label = getattr(field, "type_label", "")
    pad = "    " * depth
    head = f"`{name}` ({type_label})" if name else f"({type_label})"
    if getattr(field, "required", False):
        head += " **required**"
    details = [_md(p) for p in getattr(field, "paragraphs", ())]
    if getattr(field, "union_keys", ()):
        keys = ", ".join(f"`{k}`" for k in field.union_keys)  # type: ignore[attr-defined]
        details.append(f"A tagged union: set exactly one of {keys}.")
    if getattr(field, "constraints", ()):
        details.append(
            "Constraints: " + "; ".join(f"`{c}`" for c in field.constraints)  # type: ignore[attr-defined]
        )
    if getattr(field, "values", ()):
        details.append(
            "Possible values: " + ", ".join(f"`{v}`" for v in field.values)  # type: ignore[attr-defined]
        )
    lines = [f"{pad}- {head}" + (": " + " ".join(details) if details else "")]
    for child in getattr(field, "children", ()):
        lines += _field_lines(child, depth + 1)
    return lines


def command_page(name: str) -> str:
    """One command's reference page."""
    from microvm_sdk.cli._helpdoc import GLOBAL_OPTIONS, command_doc
    from microvm_sdk.cli._model import load_service_model

    model = load_service_model()
    doc = command_doc(model.commands[name], model)
    out = [f"# {doc.name}", ""]
    out += [_md(p) + "\n" for p in doc.paragraphs]
    out += [f"Operation: `{doc.operation}`. In the terminal: `microvm {doc.name} help`.", ""]
    out += ["## Synopsis", "", "```text", f"microvm {doc.name}"]
    out += [f"    {line}" for line in doc.synopsis]
    out += ["```", "", "## Options", ""]
    for option in doc.options:
        out.append(f"### `{option.name}`")
        out.append("")
        out += _field_lines(option, 0)
        out.append("")
        if option.shorthand:
            out += ["Shorthand syntax:", "", "```text", option.shorthand, "```", ""]
        if option.json:
            out += ["JSON syntax:", "", "```text", option.json, "```", ""]
        if option.list_syntax:
            out += ["Syntax:", "", "```text", option.list_syntax, "```", ""]
    for extra in doc.extra_options:
        out += [f"### `{extra.name}`", "", _md(extra.description)]
        if extra.values:
            out.append("Possible values: " + ", ".join(f"`{v}`" for v in extra.values))
        out.append("")
    out += [
        "## Global options",
        "",
        ", ".join(f"`{o.name}`" for o in GLOBAL_OPTIONS)
        + ": see [the command reference](index.md#global-options).",
        "",
    ]
    if doc.examples:
        out += ["## Examples", ""]
        for example in doc.examples:
            out += [example.title + ":", "", "```sh", example.command, "```", ""]
    out += ["## Output", ""]
    if doc.output:
        for field in doc.output:
            out += _field_lines(field, 0)
    else:
        out.append("None.")
    return "\n".join(out) + "\n"


def cli_pages() -> dict[str, str]:
    """``reference/cli/index.md`` and one page per command, by path under docs/."""
    from microvm_sdk import _documentation
    from microvm_sdk.cli._commands import WAITERS
    from microvm_sdk.cli._helpdoc import GLOBAL_OPTIONS, first_sentence
    from microvm_sdk.cli._model import load_service_model

    model = load_service_model()
    index = [
        "# Command reference",
        "",
        "Every command of `microvm`, generated from the service model: the same text as",
        "`microvm <command> help`. The [command line guide](../../cli.md) explains values,",
        "output, waiting and exit codes.",
        "",
        "| Command | What it does |",
        "| --- | --- |",
    ]
    pages: dict[str, str] = {}
    for name, command in model.commands.items():
        summary = first_sentence(_documentation.OPERATIONS.get(command.operation.name, ()))
        index.append(f"| [`{name}`]({name}.md) | {_md(summary)} |")
        pages[f"reference/cli/{name}.md"] = command_page(name)
    index += ["", "## Waiters", "", "| Command | Waits until |", "| --- | --- |"]
    for info in WAITERS.values():
        index.append(f"| `microvm wait {info.name}` | the {info.subject} is {info.success} |")
    index += ["", "## Global options", ""]
    for option in GLOBAL_OPTIONS:
        values = ""
        if option.values:
            values = " Possible values: " + ", ".join(f"`{v}`" for v in option.values) + "."
        index.append(f"- `{option.name}` ({option.type_label}): {option.description}{values}")
    pages["reference/cli/index.md"] = "\n".join(index) + "\n"
    return pages


def decisions_index(docs: Path) -> str:
    """``decisions/index.md``: every decision record, by number."""
    out = [
        "# Decisions",
        "",
        "Each record says what was decided, why, and what else was considered.",
        "",
    ]
    for path in sorted((docs / "decisions").glob("[0-9][0-9][0-9][0-9]-*.md")):
        first = path.read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
        out.append(f"- [{first}]({path.name})")
    return "\n".join(out) + "\n"
