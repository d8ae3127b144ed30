"""The generator on tiny fixture models (``fixtures/*.json``) and on the repo's model."""

from __future__ import annotations

import json
import shutil
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore import xform_name

from microvm_sdk_codegen import (
    ir,
    naming,
    render_client,
    render_errors,
    render_models,
    render_schema,
    render_waiters,
    writer,
)
from microvm_sdk_codegen.docs import docstring, to_text

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
MODEL_DIR = ROOT / "service-model" / "lambda-microvms" / "2025-09-09"
RENDERERS: dict[str, Callable[[ir.ServiceIR], str]] = {
    "models.py": render_models.render,
    "errors.py": render_errors.render,
    "_schema.py": render_schema.render,
    "_endpoint_rules.py": render_schema.render_rules,
    "_waiters.py": render_waiters.render,
    "client.py": render_client.render,
    "async_client.py": render_client.render_async,
}


def fixture_model(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


def load(
    tmp_path: Path,
    name: str,
    mutate: Callable[[dict[str, Any]], None] | None = None,
) -> ir.ServiceIR:
    """Load fixture ``name`` (and ``name.overrides.json``) as a model folder."""
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    model = fixture_model(name)
    if mutate:
        mutate(model)
    (folder / "service-2.json").write_text(json.dumps(model))
    overrides = FIXTURES / f"{name}.overrides.json"
    if overrides.exists():
        shutil.copy(overrides, folder / "overrides.json")
    return ir.load(folder, f"fixtures/{name}")


def run_module(source: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(source, f"{name}.py", "exec"), module.__dict__)
    return module


# -- unions and the collision rule -------------------------------------------------------


def test_union_member_colliding_with_a_shape_gets_member_suffix(tmp_path: Path) -> None:
    service = load(tmp_path, "union_collision")
    logging_ir = service.shapes["Logging"]
    assert logging_ir.kind == "union"
    assert [(m.model_name, m.variant_class) for m in logging_ir.members] == [
        ("disabled", "LoggingDisabledMember"),
        ("cloudWatch", "LoggingCloudWatch"),
    ]
    assert logging_ir.unknown_class == "LoggingUnknown"
    assert not any(m.required for m in logging_ir.members)

    source = render_models.render(service)
    assert (
        "Logging: TypeAlias = Union[\n"
        "    LoggingDisabledMember,\n"
        "    LoggingCloudWatch,\n"
        "    LoggingUnknown,\n"
        "]\n"
    ) in source
    assert "    value: LoggingDisabled = attrs.field(factory=LoggingDisabled)\n" in source

    models = run_module(source, "demo_models")
    assert models.LoggingDisabledMember().value == models.LoggingDisabled()
    assert models.LoggingCloudWatch(value=models.CloudWatch(log_group="g")).value.log_group == "g"
    with pytest.raises(TypeError):
        models.LoggingCloudWatch()
    assert set(models.__all__) >= {"LoggingDisabled", "LoggingDisabledMember", "LoggingUnknown"}


def test_second_collision_is_refused(tmp_path: Path) -> None:
    def add_member_shape(model: dict[str, Any]) -> None:
        model["shapes"]["LoggingDisabledMember"] = {"type": "structure", "members": {}}

    with pytest.raises((ir.ModelError, ValueError), match="Logging"):
        load(tmp_path, "union_collision", add_member_shape)


# -- sensitivity ------------------------------------------------------------------------------


def test_sensitive_values_in_maps_lists_and_scalars(tmp_path: Path) -> None:
    service = load(tmp_path, "sensitive_map")
    source = render_models.render(service)
    assert (
        "secrets: Mapping[str, str] | None = attrs.field(default=None, repr=redact_map_values)"
        in source
    )
    assert (
        "passwords: Sequence[str] | None = attrs.field(default=None, repr=redact_items)" in source
    )
    assert "token: str = attrs.field(repr=redact)" in source
    assert "label: str | None = None" in source

    models = run_module(source, "demo_sensitive")
    obj = models.SetSecretsRequest(
        token="tok-secret", secrets={"db": "map-secret"}, passwords=["list-secret"], label="x"
    )
    text = repr(obj)
    for secret in ("tok-secret", "map-secret", "list-secret"):
        assert secret not in text
    assert "secrets={'db': ***}" in text
    assert "passwords=[***]" in text
    assert "token=***" in text
    assert "label='x'" in text
    schema_source = render_schema.render(service)
    assert '"Secret": Shape(name="Secret", kind="string", max=128, sensitive=True)' in (
        schema_source.replace("'", '"')
    )


# -- bindings ---------------------------------------------------------------------------------


def test_query_list_header_and_uri_members(tmp_path: Path) -> None:
    service = load(tmp_path, "query_list")
    members = {m.model_name: m for m in service.shapes["UntagThingRequest"].members}
    assert (members["TagKeys"].name, members["TagKeys"].wire_name) == ("tag_keys", "tagKeys")
    assert members["TagKeys"].location == "querystring"
    assert (members["TraceId"].location, members["TraceId"].wire_name) == ("header", "X-Demo-Trace")
    assert members["Resource"].location == "uri"
    assert service.operations["UntagThing"].success_code == 204

    schema_source = render_schema.render(service)
    assert (
        "Member(name='tag_keys', model_name='TagKeys', wire_name='tagKeys', "
        "target='TagKeyList', location='querystring', required=True)"
    ) in schema_source
    client_source = render_client.render(service)
    assert "        tag_keys: Sequence[str],\n" in client_source
    assert "        max_items: int | None = None,\n" in client_source
    assert "    def untag_thing(\n" in client_source
    assert "    ) -> models.EmptyOutput:\n" in client_source


# -- what the generator refuses -----------------------------------------------------------------


def test_payload_member_is_bound(tmp_path: Path) -> None:
    service = load(tmp_path, "payload_member")
    assert service.shapes["UploadRequest"].payload == "body"
    assert "payload='body'" in render_schema.render(service)


def test_eventstream_is_refused(tmp_path: Path) -> None:
    with pytest.raises(
        ir.ModelError,
        match="shape Events: 'eventstream': event streams are not implemented \\(used by Watch\\)",
    ):
        load(tmp_path, "eventstream")


def _protocol(model: dict[str, Any]) -> None:
    model["metadata"]["protocol"] = "json"


def _location(model: dict[str, Any]) -> None:
    req = model["shapes"]["UntagThingRequest"]["members"]
    req["TraceId"] = {"shape": "String", "location": "headers", "locationName": "X-Meta-"}


def _jsonvalue(model: dict[str, Any]) -> None:
    model["shapes"]["UntagThingRequest"]["members"]["Resource"]["jsonvalue"] = True


def _label_mismatch(model: dict[str, Any]) -> None:
    model["operations"]["UntagThing"]["http"]["requestUri"] = "/tags/{Thing}"


def _document(model: dict[str, Any]) -> None:
    model["shapes"]["String"] = {"type": "structure", "members": {}, "document": True}


def _unknown_type(model: dict[str, Any]) -> None:
    model["shapes"]["MaxItems"]["type"] = "bigdecimal"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_protocol, "protocol 'json': only rest-json is implemented"),
        (_location, "UntagThingRequest.TraceId: prefix headers must be a map of strings"),
        (_jsonvalue, "UntagThingRequest.Resource: jsonvalue is implemented for string headers"),
        (_label_mismatch, "uri labels"),
        (_document, "UntagThingRequest.Resource: a document bound to 'uri' is not implemented"),
        (_unknown_type, "shape MaxItems: type 'bigdecimal': not implemented"),
    ],
)
def test_unsupported_features_are_refused(
    tmp_path: Path, mutate: Callable[[dict[str, Any]], None], message: str
) -> None:
    with pytest.raises(ir.ModelError, match=message):
        load(tmp_path, "query_list", mutate)


def test_the_unmodified_fixture_loads(tmp_path: Path) -> None:
    # The control for the refusals above: each mutation alone makes the fixture fail.
    assert "UntagThing" in load(tmp_path, "query_list").operations


def test_python_names_that_collide_are_refused(tmp_path: Path) -> None:
    def collide(model: dict[str, Any]) -> None:
        members = model["shapes"]["GetVMResourcesResponse"]["members"]
        members["IPV6Address"] = {"shape": "String"}
        members["iPv6Address"] = {"shape": "String"}

    with pytest.raises(ir.ModelError, match="add a python_names override"):
        load(tmp_path, "python_names", collide)


def test_paginators_with_several_tokens_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "pag"
    folder.mkdir()
    (folder / "service-2.json").write_text(json.dumps(fixture_model("query_list")))
    spec = {"input_token": ["A", "B"], "output_token": "N", "result_key": "R"}
    (folder / "paginators-1.json").write_text(json.dumps({"pagination": {"UntagThing": spec}}))
    with pytest.raises(ir.ModelError, match="only single input_token"):
        ir.load(folder, "pag")


def test_enum_member_name_collision_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ir.ModelError):
        render_models.render(load(tmp_path, "enum_collision"))


# -- naming -------------------------------------------------------------------------------------


def test_python_names_override_and_xform_name_quirks(tmp_path: Path) -> None:
    service = load(tmp_path, "python_names")
    names = {m.model_name: m.name for m in service.shapes["GetVMResourcesResponse"].members}
    assert names == {
        "minimumMemoryInMiB": "minimum_memory_in_mib",  # the override
        "maximumMemoryInMiB": "maximum_memory_in_mi_b",  # xform_name, not overridden
        "IPv6Address": "i_pv6_address",  # xform_name's quirk, kept unless overridden
        "from": "from_",  # Python keyword
    }
    assert service.operations["GetVMResources"].python_name == "get_vm_resources"
    source = render_models.render(service)
    assert "    minimum_memory_in_mib: int | None = None\n" in source
    assert "    from_: str | None = None\n" in source
    run_module(source, "demo_names")


def test_repo_model_python_names_are_xform_name_or_overridden() -> None:
    """Every Python name is botocore's ``xform_name`` unless ``overrides.json`` says otherwise,
    and no name has a one-letter word (the sign of a split acronym such as ``mi_b``)."""
    overrides = json.loads((MODEL_DIR / "overrides.json").read_text())["python_names"]
    service = ir.load(MODEL_DIR, "repo")
    names = {(m.model_name, m.name) for s in service.shapes.values() for m in s.members} | {
        (op.name, op.python_name) for op in service.operations.values()
    }
    for model_name, python_name in sorted(names):
        if model_name in overrides:
            assert python_name == overrides[model_name]["name"]
            assert overrides[model_name]["reason"]
        else:
            assert python_name == xform_name(model_name)
        assert all(len(word) > 1 for word in python_name.split("_")), python_name
    assert ("minimumMemoryInMiB", "minimum_memory_in_mib") in names
    # an override for a name the model no longer has would be silently ignored
    assert set(overrides) <= {model_name for model_name, _ in names}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("ARM_64", "ARM_64"), ("in-progress", "IN_PROGRESS"), ("4xl", "V_4XL"), ("a.b", "A_B")],
)
def test_enum_member_names(value: str, expected: str) -> None:
    assert naming.enum_member_name(value) == expected


# -- documentation ------------------------------------------------------------------------------

HTML = (
    "<p>Creates a <code>MicroVM</code> image. See "
    '<a href="https://docs.aws.amazon.com/lambda/">the guide</a>.</p>'
    "<note>Builds are <b>asynchronous</b>.</note>"
    "<ul><li>First &amp; foremost</li><li>Second, with a long enough text to wrap onto "
    "the next line of the docstring</li></ul>"
)
TEXT = (
    "Creates a ``MicroVM`` image. See the guide (https://docs.aws.amazon.com/lambda/).\n"
    "\n"
    "Note: Builds are asynchronous.\n"
    "\n"
    "- First & foremost\n"
    "\n"
    "- Second, with a long enough text to wrap onto the next line of the docstring"
)


def test_html_documentation_becomes_plain_text() -> None:
    assert to_text(HTML) == TEXT
    assert to_text(HTML, width=60).endswith(
        "- Second, with a long enough text to wrap onto the next line\n  of the docstring"
    )
    assert to_text(None) == "" and to_text("") == ""


@pytest.mark.parametrize(
    ("html", "text"),
    [
        (
            "<ul> <li> <p>Key ARN</p> </li> <li> <p>Alias ARN</p> </li> </ul>",
            "- Key ARN\n\n- Alias ARN",
        ),
        ("<note> <p>Builds are asynchronous.</p> </note>", "Note: Builds are asynchronous."),
    ],
)
def test_block_inside_list_item_or_note_keeps_its_prefix(html: str, text: str) -> None:
    assert to_text(html) == text


def test_a_docstring_ending_in_a_quote_stays_valid_python() -> None:
    rendered = docstring('Use UTC notation such as "UTC+8."', "    ")
    assert rendered == '    """Use UTC notation such as "UTC+8.\\""""\n'
    namespace: dict[str, Any] = {}
    exec(compile(f"def f():\n{rendered}", "doc", "exec"), namespace)
    assert namespace["f"].__doc__ == 'Use UTC notation such as "UTC+8."'


def test_long_paragraphs_wrap_and_docstrings_escape() -> None:
    text = to_text("<p>" + "word " * 40 + "</p>", width=40)
    assert max(len(line) for line in text.splitlines()) <= 40
    assert docstring('say """hi""" \\ there', "    ") == (
        '    """say \\"\\"\\"hi\\"\\"\\" \\\\ there"""\n'
    )


def test_operation_documentation_reaches_the_models(tmp_path: Path) -> None:
    source = render_models.render(load(tmp_path, "union_collision"))
    assert "    The input of ``put_logging``.\n\n    Sets the logging.\n" in source
    assert "<p>" not in source


# -- determinism --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["union_collision", "sensitive_map", "query_list", "python_names"])
def test_rendering_is_deterministic(tmp_path: Path, name: str) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = load(tmp_path / "a", name), load(tmp_path / "b", name)
    for render in RENDERERS.values():
        assert render(first) == render(second)
    assert first.source_hash == second.source_hash


def test_repo_rendering_and_formatting_are_deterministic() -> None:
    first, second = ir.load(MODEL_DIR, "m"), ir.load(MODEL_DIR, "m")
    assert first == second
    outputs = [render_models.render(s) for s in (first, second)]
    assert outputs[0] == outputs[1]
    finished = [
        writer.finish(
            out,
            source="m",
            digest=first.source_hash,
            filename=str(ROOT / "src" / "microvm_sdk" / "models.py"),
            config=ROOT / "pyproject.toml",
        )
        for out in outputs
    ]
    assert finished[0] == finished[1]
    assert finished[0].startswith("# Code generated by microvm_sdk_codegen from m\n")


def test_source_hash_follows_the_model(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    plain = load(tmp_path / "plain", "query_list")

    def tweak(model: dict[str, Any]) -> None:
        model["shapes"]["MaxItems"]["max"] = 51

    changed = load(tmp_path, "query_list", tweak)
    assert plain.source_hash != changed.source_hash
    assert len(plain.source_hash) == 12
