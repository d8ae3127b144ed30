"""Help that teaches the service: every option's description, values and constraints from
the model, working examples, the waiters, and shell completion.

The expected texts are read from ``service-2.json`` here (HTML stripped with the
standard library), not from the generated documentation module the help is built from.
"""

from __future__ import annotations

import html.parser
import json
import re
import shlex
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_capture import MODEL_DIR, Result

from microvm_sdk.cli._completion import completion_data, render
from microvm_sdk.cli._examples import EXAMPLES
from microvm_sdk.cli._globals import build_global_parser
from microvm_sdk.cli._helpdoc import GLOBAL_OPTIONS
from microvm_sdk.cli._model import load_service_model

MODEL: dict[str, Any] = json.loads((MODEL_DIR / "service-2.json").read_text(encoding="utf-8"))
SHAPES: dict[str, Any] = MODEL["shapes"]


class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self.parts.append(" ")


def text_of(documentation: str) -> str:
    parser = _Text()
    parser.feed(documentation)
    return squash("".join(parser.parts))


def squash(text: str) -> str:
    """Whitespace-insensitive form: wrapping, indentation and list bullets do not matter."""
    return re.sub(r"\s+", " ", text).replace(" - ", " ").strip()


def described(member: dict[str, Any]) -> str:
    """A member's description, or its target shape's when the member has none."""
    return text_of(member.get("documentation") or SHAPES[member["shape"]].get("documentation", ""))


def input_members(operation: str) -> dict[str, Any]:
    shape = MODEL["operations"][operation].get("input", {}).get("shape")
    return SHAPES[shape]["members"] if shape else {}


def test_create_microvm_image_help_teaches_every_option(microvm: Callable[..., Result]) -> None:
    result = microvm("create-microvm-image", "help")
    assert result.code == 0
    page = squash(result.stdout)
    for name, member in input_members("CreateMicrovmImage").items():
        assert described(member) and described(member) in page, name
    # Possible values of enums: the architecture, and every hook state.
    assert "Possible values: ARM_64, X86_64" in page
    assert SHAPES["Architecture"]["enum"] == ["ARM_64", "X86_64"]
    hooks = SHAPES["HookState"]["enum"]
    options = page[: page.index(" Output ")]
    assert options.count("Possible values: " + ", ".join(hooks)) == 6  # run ... validate
    # Constraints, nested member descriptions, shorthand and JSON syntax, output shape.
    assert "Constraints: min: 1; max: 60" in page
    assert text_of(SHAPES["MicrovmHooks"]["members"]["run"]["documentation"]) in page
    assert "port=integer,microvmHooks={run=string" in page
    assert '"run": "DISABLED"|"ENABLED",' in page
    assert "This is a tagged union: set exactly one of these keys: disabled, cloudWatch." in page
    output = page[page.index(" Output ") :]
    for name in SHAPES["CreateMicrovmImageResponse"]["members"]:
        assert f"{name} -> (" in output, name
    assert "Examples" in result.stdout and "--code-artifact uri=s3://" in result.stdout


def test_every_command_describes_every_option(microvm: Callable[..., Result]) -> None:
    model = load_service_model()
    for name, command in model.commands.items():
        page = squash(microvm(name, "help").stdout)
        assert text_of(MODEL["operations"][command.operation.name]["documentation"]) in page
        for member_name, member in input_members(command.operation.name).items():
            assert described(member) in page, (name, member_name)
        target = SHAPES.get(
            MODEL["operations"][command.operation.name].get("output", {}).get("shape", ""), {}
        )
        for member_name in target.get("members", {}):
            assert f"{member_name} -> (" in page, (name, member_name)


def test_top_help_lists_commands_with_one_line_descriptions(
    microvm: Callable[..., Result],
) -> None:
    result = microvm("--help")
    assert result.code == 0
    assert microvm("help").stdout == result.stdout
    lines = result.stdout.splitlines()
    for name, command in load_service_model().commands.items():
        line = next(line for line in lines if line.startswith(f"  {name} "))
        first = text_of(MODEL["operations"][command.operation.name]["documentation"])
        assert line.split(None, 1)[1].strip() and first.startswith(line.split(None, 1)[1].strip())
    for more in ("wait <waiter>", "local serve", "demo", "completion <shell>"):
        assert f"  {more} " in result.stdout


def test_wait_help_for_one_waiter(microvm: Callable[..., Result]) -> None:
    for args in (("wait", "created", "help"), ("wait", "created", "--help")):
        result = microvm(*args)
        assert result.code == 0, result.stderr
        assert result.stdout.startswith("microvm wait created\n")
        assert "--image-identifier (string) [required]" in result.stdout
        assert "Wait until a MicroVM image has been built and is CREATED." in squash(result.stdout)
        assert "when its state is CREATE_FAILED, DELETING, DELETE_FAILED or DELETED" in squash(
            result.stdout
        )
    terminated = squash(microvm("wait", "microvm-terminated", "help").stdout)
    assert "--microvm-identifier" in terminated and "no failure state" in terminated
    deleted = squash(microvm("wait", "deleted", "help").stdout)
    assert "until its state is DELETED or it answers ResourceNotFoundException" in deleted


def test_wait_without_a_waiter_is_a_usage_error(microvm: Callable[..., Result]) -> None:
    result = microvm("wait")
    assert result.code == 252
    assert "required: waiter" in result.stderr and "created" in result.stderr
    assert microvm("wait", "--image-identifier", "x").code == 252
    assert microvm("wait", "help").code == 0


@pytest.mark.parametrize(
    ("command", "index"),
    [(command, index) for command, examples in EXAMPLES.items() for index in range(len(examples))],
)
def test_examples_parse_and_pass_validation(
    microvm: Callable[..., Result], command: str, index: int
) -> None:
    """Each example is read and checked against the model; nothing is sent."""
    example = EXAMPLES[command][index]
    words = shlex.split(example.command.replace("\\\n", " "))
    assert words[:2] == ["microvm", command]
    result = microvm(*words[1:], "--generate-cli-skeleton", "output")
    assert result.code == 0, f"{example.command}\n{result.stderr}"


def test_every_command_has_an_example() -> None:
    assert set(EXAMPLES) == set(load_service_model().commands)


def test_global_options_are_all_documented() -> None:
    parser = build_global_parser()
    options = {
        option
        for action in parser._actions
        for option in action.option_strings
        if option not in ("-h", "--help")
    }
    assert options == {option.name for option in GLOBAL_OPTIONS}


# -- completion ---------------------------------------------------------------------------


def bash_complete(script: Path, *words: str) -> list[str]:
    program = (
        f'source "{script}"\n'
        f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})\n"
        "COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
        "_microvm\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", program],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return [line for line in done.stdout.splitlines() if line]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completion_completes_commands_options_and_values(
    microvm: Callable[..., Result], tmp_path: Path
) -> None:
    result = microvm("completion", "bash")
    assert result.code == 0
    script = tmp_path / "microvm.bash"
    script.write_text(result.stdout)
    assert bash_complete(script, "microvm", "create-microvm-i") == ["create-microvm-image"]
    assert bash_complete(script, "microvm", "create-microvm-image", "--code-a") == [
        "--code-artifact"
    ]
    assert bash_complete(script, "microvm", "list-microvm-image-builds", "--architecture", "") == [
        "ARM_64",
        "X86_64",
    ]
    assert bash_complete(
        script, "microvm", "--region", "us-east-1", "update-microvm-image-version", "--status", ""
    ) == ["ACTIVE", "INACTIVE"]
    assert bash_complete(script, "microvm", "--output", "ya") == ["yaml", "yaml-stream"]
    assert "microvm-running" in bash_complete(script, "microvm", "wait", "")
    assert "--microvm-identifier" in bash_complete(
        script, "microvm", "wait", "microvm-running", "--"
    )
    assert bash_complete(script, "microvm", "completion", "") == ["bash", "zsh", "fish"]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_scripts(microvm: Callable[..., Result], tmp_path: Path, shell: str) -> None:
    result = microvm("completion", shell)
    assert result.code == 0
    data = completion_data(load_service_model())
    for command in data.commands:
        assert command in result.stdout
    for values in data.values.values():
        assert " ".join(values) in result.stdout
    if shutil.which(shell):  # a syntax check where the shell is installed
        script = tmp_path / f"microvm.{shell}"
        script.write_text(result.stdout)
        flag = "-n" if shell == "zsh" else "--no-execute"
        subprocess.run([shell, flag, str(script)], check=True, timeout=30)


def test_completion_data_covers_every_enum_option() -> None:
    model = load_service_model()
    data = completion_data(model)
    for name, command in model.commands.items():
        for argument in command.arguments:
            assert argument.option in data.options[name]
            shape = argument.shape
            if shape.kind == "list":
                shape = model.list_member(shape)
            if shape.enum:
                assert data.values[(name, argument.option)] == tuple(shape.enum)
    assert render("zsh", data).startswith("# microvm completion for zsh")


def test_completion_needs_a_known_shell(microvm: Callable[..., Result]) -> None:
    assert microvm("completion").code == 252
    assert microvm("completion", "tcsh").code == 252
    assert "eval" in microvm("completion", "help").stdout
