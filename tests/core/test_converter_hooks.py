"""The converter's own hooks for ``X | None`` and unions: resolved once per type.

They replace cattrs' optional hook, which looked the inner hook up on every value; a
recursive structure (a shape holding itself, directly or through a list) must still be
read and written.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import pytest

from microvm_sdk._core.converter import WireConverter
from microvm_sdk._core.errors import DeserializationError
from microvm_sdk._core.schema import Member, ServiceSchema, Shape


@attrs.frozen(kw_only=True)
class Node:
    name: str
    child: Node | None = None
    kids: Sequence[Node] | None = None


SCHEMA = ServiceSchema(
    service_id="Tree",
    service_name="tree",
    api_version="2020-01-01",
    protocol="rest-json",
    signing_name="tree",
    endpoint_prefix="tree",
    env_name="TREE",
    shapes={
        "Node": Shape(
            name="Node",
            kind="structure",
            cls=Node,
            members=(
                Member(
                    name="name", model_name="name", wire_name="name", target="String", required=True
                ),
                Member(name="child", model_name="child", wire_name="child", target="Node"),
                Member(name="kids", model_name="kids", wire_name="kids", target="Nodes"),
            ),
        ),
        "Nodes": Shape(name="Nodes", kind="list", member="Node"),
        "String": Shape(name="String", kind="string"),
    },
    operations={},
)


def test_a_recursive_structure_is_read_and_written() -> None:
    converter = WireConverter(SCHEMA)
    wire = {
        "name": "a",
        "child": {"name": "b", "child": {"name": "c", "child": None}},
        "kids": [{"name": "d", "kids": []}, {"name": "e", "child": {"name": "f"}}],
    }
    tree = converter.from_wire(wire, Node)
    assert tree.child is not None and tree.child.child is not None
    assert tree.child.child.name == "c" and tree.child.child.child is None
    assert tree.kids is not None and [kid.name for kid in tree.kids] == ["d", "e"]
    assert tree.kids[1].child == Node(name="f")
    assert converter.to_wire(tree) == {
        "name": "a",
        "child": {"name": "b", "child": {"name": "c"}},
        "kids": [{"name": "d", "kids": []}, {"name": "e", "child": {"name": "f"}}],
    }


def test_inside_an_optional_member_errors_and_corrections_are_as_before() -> None:
    """A value inside ``X | None`` goes through X's own hook: a wrong JSON type is an
    error naming the class, and a required member sent as null gets its zero value."""
    converter = WireConverter(SCHEMA)
    with pytest.raises(DeserializationError, match="as Node: expected a string, got int"):
        converter.from_wire({"name": "a", "child": {"name": 7}}, Node)
    tree = converter.from_wire({"name": "a", "child": {"name": None, "kids": None}}, Node)
    assert tree.child == Node(name="")
