"""The absent-versus-null table: it covers the model exactly, and bodies follow it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from backend_support import BASE, call, new_backend

from microvm_sdk.local._backend import Backend
from microvm_sdk.local._backend_shapes import RESPONSES, Basis, BodyShape, Unset, render

MODEL = json.loads(
    (
        Path(__file__).resolve().parents[2]
        / "service-model/lambda-microvms/2025-09-09/service-2.json"
    ).read_text()
)
SHAPES = MODEL["shapes"]
OPERATIONS = MODEL["operations"]


def _optional(shape_name: str) -> set[str]:
    shape = SHAPES[shape_name]
    return set(shape.get("members", {})) - set(shape.get("required", []))


def _wire_names(shape_name: str) -> set[str]:
    members = SHAPES[shape_name].get("members", {})
    return {member.get("locationName", name) for name, member in members.items()}


def test_every_operation_has_an_entry() -> None:
    assert set(RESPONSES) == set(OPERATIONS) == set(Backend.OPERATIONS)


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_the_table_names_every_optional_member_of_the_model_and_nothing_else(
    operation: str,
) -> None:
    """A member the model adds (or drops) must get a decision here, not a silent default."""
    table = RESPONSES[operation]
    output = OPERATIONS[operation].get("output")
    top = output["shape"] if output else None
    modeled = {name for name, member in table.members.items() if member.modeled}
    unmodeled = {name for name, member in table.members.items() if not member.modeled}
    assert modeled == (_optional(top) - {"items"} if top else set())
    if top:
        assert not unmodeled & _wire_names(top), "an unmodeled member is in the model"
    items = SHAPES[top]["members"].get("items") if top else None
    if items is None:
        assert table.items is None
        return
    item_shape = SHAPES[items["shape"]]["member"]["shape"]
    assert table.items is not None
    item_modeled = {n for n, m in table.items.members.items() if m.modeled}
    assert item_modeled == _optional(item_shape)
    assert not {n for n, m in table.items.members.items() if not m.modeled} & _wire_names(
        item_shape
    )


def test_members_the_live_service_leaves_out() -> None:
    omitted = {
        (operation, name)
        for operation, table in RESPONSES.items()
        for shape in (table, table.items)
        if shape is not None
        for name, member in shape.members.items()
        if member.unset is Unset.OMIT
    }
    assert omitted == {
        (op, "kmsKeyIdentifier")
        for op in (
            "CreateMicrovmImage",
            "UpdateMicrovmImage",
            "GetMicrovmImageVersion",
            "ListMicrovmImageVersions",
            "UpdateMicrovmImageVersion",
            "RunMicrovm",
            "GetMicrovm",
        )
    } | {("ListManagedMicrovmImageVersions", "supportedCpuConfigurations")}


def test_render_follows_the_table() -> None:
    table = RESPONSES["GetMicrovm"]
    assert table.members["stateReason"].unset is Unset.NULL
    body = {"microvmId": "microvm-1", "state": "RUNNING", "kmsKeyIdentifier": None}
    live = render("GetMicrovm", dict(body), "live")
    assert live["stateReason"] is None and live["terminationReasonCode"] is None
    assert "kmsKeyIdentifier" not in live
    assert list(live) == sorted(live)
    model = render("GetMicrovm", dict(body), "model")
    assert model == {"microvmId": "microvm-1", "state": "RUNNING"}
    with_key = render("GetMicrovm", {**body, "kmsKeyIdentifier": "alias/k"}, "live")
    assert with_key["kmsKeyIdentifier"] == "alias/k"


def test_render_leaves_caller_data_alone() -> None:
    tags = {"id": "x", "versionStateTimeBucket": "y", "empty": ""}
    body = {"Tags": dict(tags)}
    assert render("ListTags", body, "model") == {"Tags": tags}
    assert render("ListTags", body, "live") == {"Tags": tags}
    assert render("TagResource", None, "live") is None


def test_every_entry_says_where_it_comes_from() -> None:
    bases = {
        member.basis
        for table in RESPONSES.values()
        for shape in (table, table.items)
        if shape is not None
        for member in shape.members.values()
    }
    assert bases == set(Basis)
    assert isinstance(RESPONSES["ListMicrovms"].items, BodyShape)


# ---------------------------------------------------------- through the backend


def test_managed_versions_leave_out_supported_cpu_configurations() -> None:
    """Issue 16, divergence 2: the live service leaves the member out, never null."""
    backend, _ = new_backend()
    page = call(backend, "ListManagedMicrovmImageVersions", imageIdentifier=BASE)
    assert page["nextToken"] is None
    for item in page["items"]:
        assert "supportedCpuConfigurations" not in item
        assert set(item) == {"createdAt", "imageArn", "imageVersion", "status", "updatedAt"}


def test_the_live_shape_is_the_default_and_the_model_shape_is_an_option() -> None:
    live, _ = new_backend()
    model, _ = new_backend(live_fidelity=False)
    assert live.response_shape == "live" and model.response_shape == "model"
    live_page: Any = call(live, "ListManagedMicrovmImages")
    model_page: Any = call(model, "ListManagedMicrovmImages")
    assert live_page["nextToken"] is None
    assert "nextToken" not in model_page
    assert live_page["items"] == model_page["items"]


def test_the_server_and_its_command_line_default_to_the_live_shape() -> None:
    from microvm_sdk.local import LocalServer
    from microvm_sdk.local.__main__ import _parser

    assert _parser().parse_args([]).live_fidelity is True
    assert _parser().parse_args(["--live-fidelity"]).live_fidelity is True
    assert _parser().parse_args(["--no-live-fidelity"]).live_fidelity is False
    with LocalServer() as server:
        assert server.backend.response_shape == "live"
    with LocalServer(live_fidelity=False) as server:
        assert server.backend.response_shape == "model"
