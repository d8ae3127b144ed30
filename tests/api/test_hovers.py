"""Hovers that read well: what an editor shows for a parameter is a whole sentence, no
docstring is a placeholder, enums say what each value means, and the docs show the typed
Python form where the model's prose shows wire JSON."""

from __future__ import annotations

import ast
import inspect
import json
import re
from pathlib import Path

import lsp_client
import public_api
import pytest

import microvm_sdk
from microvm_sdk import Client, models
from microvm_sdk._core.enums import ModelEnum
from microvm_sdk_codegen.docs import WIRE_JSON

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ["models.py", "client.py", "errors.py"]
OVERRIDES = ROOT / "service-model" / "lambda-microvms" / "2025-09-09" / "overrides.json"
PLACEHOLDER = re.compile(
    r"Values of ``\w+``|The ``\w+`` (structure|member|union)\.|The service answered ``\w+``\."
)
# A first line that stands alone ends a sentence (possibly inside a parenthesis or a
# code span), or announces what follows.
WHOLE = re.compile(r"([.!?:]|\.\)|\.``)$")


def docstrings(path: Path) -> list[tuple[int, str]]:
    """``(line, text)`` of every docstring in a module, attribute docstrings included."""
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for statement in body:
            if (
                isinstance(statement, ast.Expr)
                and isinstance(statement.value, ast.Constant)
                and isinstance(statement.value.value, str)
            ):
                found.append((statement.lineno, statement.value.value))
    return found


def sdk_objects() -> list[tuple[str, object]]:
    """The public callables and classes of the SDK (the emulator's are not held to this
    yet: see the hand-written entries the test below names)."""
    return [
        (path, obj)
        for path, obj in [*public_api.callables(), *public_api.classes()]
        if not path.startswith("microvm_sdk.local.")
    ]


def test_every_entry_of_an_args_or_raises_section_starts_with_a_whole_sentence() -> None:
    cut = {
        f"{path}: {line}"
        for path, obj in sdk_objects()
        for line in public_api.entry_first_lines(obj)
        if not WHOLE.search(line)
    }
    assert cut == set()
    entries = sum(len(public_api.entry_first_lines(obj)) for _, obj in sdk_objects())
    assert entries > 400


def test_the_entry_check_finds_a_cut_off_first_line() -> None:
    def documented(name: str, size: int) -> None:
        """Do it.

        Args:
            name: A name that goes on and on past the width of the line, so that it
                wraps and a hover shows half of it.
            size: A size. It is whole.

        Raises:
            ValueError: Bad input.
        """

    lines = public_api.entry_first_lines(documented)
    assert lines == [
        "name: A name that goes on and on past the width of the line, so that it",
        "size: A size. It is whole.",
        "ValueError: Bad input.",
    ]
    assert [bool(WHOLE.search(line)) for line in lines] == [False, True, True]


@pytest.mark.parametrize("name", GENERATED)
def test_no_generated_docstring_is_a_placeholder(name: str) -> None:
    found = [(line, text) for line, text in docstrings(ROOT / "src" / "microvm_sdk" / name)]
    assert len(found) > 20
    assert [(line, text) for line, text in found if PLACEHOLDER.search(text)] == []
    assert PLACEHOLDER.search("Values of ``Architecture``.")  # what it looked like


def enums() -> list[type[ModelEnum]]:
    return [
        value
        for value in vars(models).values()
        if isinstance(value, type) and issubclass(value, ModelEnum) and value is not ModelEnum
    ]


def test_enum_docstrings_list_every_value_with_its_meaning() -> None:
    member_docs = {
        (line, text) for line, text in docstrings(ROOT / "src" / "microvm_sdk" / "models.py")
    }
    assert len(enums()) == 10
    for enum in enums():
        doc = enum.__doc__ or ""
        for member in enum:
            assert re.search(rf"^\s*- ``{member.value}``: \S", doc, re.M), (enum, member)
        assert "never ``assert_never``" in doc
        assert "Values of" not in doc
    # each member has its own docstring too (what an editor shows for MicrovmState.RUNNING)
    assert any(text == "Running and reachable through its endpoint." for _, text in member_docs)


@pytest.mark.parametrize("name", GENERATED)
def test_generated_docs_show_no_wire_json(name: str) -> None:
    wire = [
        text
        for _, text in docstrings(ROOT / "src" / "microvm_sdk" / name)
        if WIRE_JSON.search(text)
    ]
    assert wire == []


def test_logging_docs_show_the_typed_form() -> None:
    typed = "``LoggingCloudWatch(value=CloudWatchLogging(log_group=...))``"
    assert typed in " ".join((Client.create_microvm_image.__doc__ or "").split())
    assert typed in " ".join((Client.run_microvm.__doc__ or "").split())
    source = (ROOT / "src" / "microvm_sdk" / "models.py").read_text()
    assert source.count("LoggingCloudWatch(value=CloudWatchLogging(log_group=...))") == 5
    assert '{"cloudWatch"' not in source


def test_python_forms_in_the_overrides_are_valid_python() -> None:
    forms = json.loads(OVERRIDES.read_text())["docs"]["python_forms"]
    assert forms
    for wire, python in forms.items():
        json.loads(wire.replace("...", "x"))  # the key is the wire JSON it replaces
        value = eval(python.strip("`"), vars(models))  # our own override text
        assert isinstance(value, models.LoggingCloudWatch | models.LoggingDisabledMember)


def hover_doc(hover: str) -> str:
    """The documentation part of a hover: what follows the signature's code block."""
    return hover.split("```", 2)[-1].strip().lstrip("-").strip()


def test_editor_hovers_read_well(tmp_path: Path) -> None:
    """Ask pyright's language server (Pylance's engine) for the hover over every keyword
    argument of every client method, and over enums and their members."""
    calls = ["from microvm_sdk import Client, models", "", "client = Client()"]
    parameters = []
    for name, method in inspect.getmembers(Client, inspect.isfunction):
        if name.startswith("_"):
            continue
        keywords = [
            p.name
            for p in inspect.signature(method).parameters.values()
            if p.kind is p.KEYWORD_ONLY
        ]
        if keywords:
            calls.append(f"client.{name}(")
            for keyword in keywords:
                parameters.append((len(calls), keyword))
                calls.append(f"    {keyword}=...,")
            calls.append(")")
    calls += ["state = models.MicrovmImageState.CREATE_FAILED", "arch = models.Architecture"]
    source = tmp_path / "hovers.py"
    source.write_text("\n".join(calls) + "\n")

    with lsp_client.PyrightHovers(source) as editor:
        shown = {(line, keyword): editor.hover(line, 5) for line, keyword in parameters}
        member = editor.hover_on("CREATE_FAILED")
        enum = editor.hover_on("Architecture")

    assert len(shown) > 150
    for (line, keyword), hover in shown.items():
        assert hover.startswith("```python\n(parameter) " + keyword), (line, hover)
        doc = hover_doc(hover)
        assert doc.startswith(f"{keyword}: "), (line, hover)
        assert WHOLE.search(doc), (line, doc)
        assert not PLACEHOLDER.search(doc), (line, doc)
    assert hover_doc(member).startswith("The first version's build failed")
    assert "`ARM_64`: 64-bit Arm" in enum and "`X86_64`: 64-bit x86" in enum


def test_the_package_docstring_names_the_public_modules() -> None:
    doc = microvm_sdk.__doc__ or ""
    for name in public_api.PUBLIC_MODULES[1:]:
        assert f":mod:`{name}`" in doc
