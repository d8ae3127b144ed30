"""Documentation written for the Python API: Args entries whose first line stands alone,
documentation overrides, and wire JSON replaced by typed forms (``docs.py``)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from microvm_sdk_codegen import ir
from microvm_sdk_codegen.docs import DocsError, entry, enum_value_docs, sentences

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "service-model" / "lambda-microvms" / "2025-09-09"


def test_sentences_split_at_sentence_ends_only() -> None:
    text = "Use tags (e.g. ``team``) here. Tags are free-form.\n  Each is a ``key.value`` pair."
    assert sentences(text) == [
        "Use tags (e.g. ``team``) here.",
        "Tags are free-form.",
        "Each is a ``key.value`` pair.",
    ]
    assert sentences("One (see ``x``.) Two.") == ["One (see ``x``.)", "Two."]


def test_an_entry_keeps_whole_sentences_on_its_first_line() -> None:
    text = (
        "tags: A set of key-value pairs that you can attach to the resource. Use tags to "
        "categorize resources for cost allocation, access control (ABAC), and organization."
    )
    assert entry(text, "    ").splitlines() == [
        "    tags: A set of key-value pairs that you can attach to the resource.",
        "        Use tags to categorize resources for cost allocation, access control (ABAC), and",
        "        organization.",
    ]


def test_a_long_first_sentence_stays_on_one_line() -> None:
    first = "kms_key_identifier: The key that encrypts " + "the contents " * 8 + "of the image."
    lines = entry(first + " You must have permission to use it.", "    ").splitlines()
    assert lines == ["    " + first, "        You must have permission to use it."]
    assert len(lines[0]) > 88


def test_short_entries_stay_on_one_line() -> None:
    assert entry("name: The name. Must be unique.", "    ") == "    name: The name. Must be unique."


def load_with(
    tmp_path: Path,
    change_overrides: Callable[[dict[str, Any]], None] | None = None,
    change_model: Callable[[dict[str, Any]], None] | None = None,
) -> ir.ServiceIR:
    """Load the repo's model from a copy, after changing its overrides or model."""
    folder = tmp_path / "model"
    shutil.copytree(MODEL_DIR, folder)
    for name, change in (("overrides.json", change_overrides), ("service-2.json", change_model)):
        if change:
            data = json.loads((folder / name).read_text())
            change(data)
            (folder / name).write_text(json.dumps(data))
    return ir.load(folder, "copy")


def test_the_repo_model_loads_with_its_overrides(tmp_path: Path) -> None:
    service = load_with(tmp_path)
    request = service.shapes["CreateMicrovmImageRequest"]
    hooks = next(m for m in request.members if m.name == "hooks")
    # an undocumented member says what its shape is
    assert hooks.doc == "Lifecycle hook configuration for MicroVMs and MicroVM images."
    logging = next(m for m in request.members if m.name == "logging")
    assert "``LoggingDisabledMember()``" in logging.doc
    overrides = json.loads((MODEL_DIR / "overrides.json").read_text())["docs"]["shapes"]
    for name, override in overrides.items():
        if "values" in override:
            read_back = enum_value_docs(service.shapes[name])
            assert {v: " ".join(d.split()) for v, d in read_back.items()} == override["values"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda o: o["docs"]["shapes"].update(Nope={"doc": "x"}), r"no shapes \['Nope'\]"),
        (
            lambda o: o["docs"]["shapes"]["MicrovmState"]["values"].update(HIBERNATING="x"),
            r"MicrovmState has no values \['HIBERNATING'\]",
        ),
        (
            lambda o: o["docs"]["shapes"].update(Hooks={"members": {"prot": "x"}}),
            r"Hooks has no members \['prot'\]",
        ),
        (
            lambda o: o["docs"]["python_forms"].update({'{"gone": 1}': "``Gone()``"}),
            r"never used: \['\{\"gone\": 1\}'\]",
        ),
        (
            lambda o: o["docs"]["python_forms"].pop('{"disabled": {}}'),
            r"CreateMicrovmImageRequest.logging: the documentation shows wire JSON "
            r"\('\{\"disabled\": \{\}\}",
        ),
    ],
)
def test_stale_overrides_and_uncovered_wire_json_stop_the_generator(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    with pytest.raises(DocsError, match=message):
        load_with(tmp_path, change_overrides=change)


def test_wire_json_new_in_the_model_stops_the_generator(tmp_path: Path) -> None:
    def add_json(model: dict[str, Any]) -> None:
        member = model["shapes"]["RunMicrovmRequest"]["members"]["idlePolicy"]
        member["documentation"] = '<p>For example {"maxIdleDurationSeconds": 900}.</p>'

    with pytest.raises(DocsError, match=r"RunMicrovmRequest.idlePolicy: .*wire JSON"):
        load_with(tmp_path, change_model=add_json)


def test_an_override_documents_a_member_and_a_structure(tmp_path: Path) -> None:
    def document(overrides: dict[str, Any]) -> None:
        overrides["docs"]["shapes"]["Hooks"] = {
            "doc": "Hooks of a MicroVM.\n\nSecond paragraph.",
            "members": {"port": "The port the hooks listen on."},
        }

    hooks = load_with(tmp_path, change_overrides=document).shapes["Hooks"]
    assert hooks.doc == "Hooks of a MicroVM.\n\nSecond paragraph."
    assert next(m for m in hooks.members if m.name == "port").doc == "The port the hooks listen on."
