"""The per-shape functions give the cattrs reference's results, for every shape.

``WireConverter`` answers calls with the functions of ``_core/shape_functions.py`` and
hands what they decline to ``CattrsConverter`` (the rules). These tests hold the two
together over every structure of the model:

- every structure class has a reader and a writer (an ordinary call never needs cattrs);
- writing any valid object gives the reference's dict: the same keys in the same order,
  the same container and value types;
- reading any valid wire dict (explicit nulls, unknown members, unknown enum values and
  union members) gives the reference's object, and the functions do not decline it;
- reading damaged wire data through ``WireConverter`` (nulls and wrong types anywhere,
  required members missing) gives exactly what the reference gives, error correction
  and errors included.
"""

from __future__ import annotations

import datetime
import enum
import json
import math
import subprocess
import sys
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from schema_strategies import SCHEMA, VALUES

from microvm_sdk._core.cattrs_converter import CattrsConverter
from microvm_sdk._core.converter import WireConverter
from microvm_sdk._core.shape_functions import ShapeFunctions
from microvm_sdk.local import LocalServer

REFERENCE = CattrsConverter(SCHEMA)
STRUCTURES = sorted(
    name
    for name, shape in SCHEMA.shapes.items()
    if shape.kind == "structure" and shape.cls is not None and shape.error is None
)


def exact(value: Any) -> Any:
    """A form that equality compares strictly: types, key order, NaN, time zones."""
    if attrs.has(type(value)):
        fields = attrs.fields(type(value))
        return (type(value), [(f.name, exact(getattr(value, f.name))) for f in fields])
    if isinstance(value, dict):
        return (type(value), [(exact(k), exact(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value), [exact(v) for v in value])
    if isinstance(value, float) and math.isnan(value):
        return (float, "NaN")
    if isinstance(value, datetime.datetime):
        return (datetime.datetime, value.isoformat(), value.tzinfo)
    if isinstance(value, enum.Enum):
        return (type(value), value.value)
    return (type(value), value)


def test_there_are_structures_to_compare() -> None:
    assert len(STRUCTURES) > 50


@pytest.mark.parametrize("name", STRUCTURES)
def test_every_structure_has_a_reader_and_a_writer(name: str) -> None:
    functions = ShapeFunctions(SCHEMA)
    cls = SCHEMA.shapes[name].cls
    assert cls is not None
    assert functions.reader(cls) is not None
    assert functions.writer(cls) is not None


@pytest.mark.parametrize("name", STRUCTURES)
@given(data=st.data())
def test_writing_gives_the_reference_dict(name: str, data: st.DataObject) -> None:
    obj = data.draw(VALUES.objects(name, unknown_variants=True), label="object")
    cls = type(obj)
    write = ShapeFunctions(SCHEMA).writer(cls)
    assert write is not None

    assert exact(write(obj)) == exact(REFERENCE.to_wire(obj))


@pytest.mark.parametrize("name", STRUCTURES)
@given(data=st.data())
def test_reading_gives_the_reference_object(name: str, data: st.DataObject) -> None:
    wire = data.draw(VALUES.wire(name), label="wire")
    cls = SCHEMA.shapes[name].cls
    assert cls is not None
    expected = exact(REFERENCE.from_wire(wire, cls))
    assert exact(WireConverter(SCHEMA).from_wire(wire, cls)) == expected
    if all(member.location == "body" for member in SCHEMA.shapes[name].members):
        # Valid data is read by the functions, never declined to the reference (the
        # drawn data has no members from headers or the URI: those are corrected).
        read = ShapeFunctions(SCHEMA).reader(cls)
        assert read is not None
        assert exact(read(wire, None)) == expected


def damaged(value: Any, draw: st.DrawFn) -> Any:
    """``value`` with some of its members, items or entries nulled, dropped or retyped."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            choice = draw(st.integers(0, 9))
            if choice == 0:
                continue  # dropped (a required member goes missing)
            if choice == 1:
                out[key] = None
            elif choice == 2:
                out[key] = draw(st.sampled_from([7, "x", [], {}, [None], True, 1.5]))
            else:
                out[key] = damaged(item, draw)
        return out
    if isinstance(value, list):
        return [None if draw(st.integers(0, 9)) == 0 else damaged(v, draw) for v in value]
    return value


@pytest.mark.parametrize("name", STRUCTURES)
@given(data=st.data())
def test_damaged_data_reads_as_the_reference_reads_it(name: str, data: st.DataObject) -> None:
    wire = data.draw(VALUES.wire(name), label="wire")
    broken = damaged(wire, data.draw)
    cls = SCHEMA.shapes[name].cls
    assert cls is not None

    def outcome(read: Any) -> Any:
        try:
            return exact(read(broken, cls))
        except Exception as exc:  # compared by type and message
            return (type(exc), str(exc))

    assert outcome(WireConverter(SCHEMA).from_wire) == outcome(REFERENCE.from_wire)


@pytest.mark.parametrize(
    "target",
    sorted(name for name, shape in SCHEMA.shapes.items() if shape.kind not in ("structure",)),
)
@given(data=st.data())
def test_single_values_read_and_write_as_the_reference(target: str, data: st.DataObject) -> None:
    converter = WireConverter(SCHEMA)
    wire = data.draw(VALUES.wire(target), label="wire")
    assert exact(converter.value_from_wire(wire, target)) == exact(
        REFERENCE.value_from_wire(wire, target)
    )
    obj = data.draw(VALUES.objects(target, unknown_variants=True), label="object")
    assert exact(converter.value_to_wire(obj, target)) == exact(
        REFERENCE.value_to_wire(obj, target)
    )


CALLS = """
import json, sys
import microvm_sdk
from microvm_sdk import models

keys = json.loads(sys.argv[2])
client = microvm_sdk.Client(endpoint_url=sys.argv[1], **keys)
created = client.create_microvm_image(
    name="no-cattrs",
    base_image_arn="arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1",
    build_role_arn="arn:aws:iam::123456789012:role/build",
    code_artifact=models.CodeArtifactUri(value="s3://bucket/app.zip"),
)
client.get_microvm_image(image_identifier=created.image_arn)
list(client.paginate_list_microvm_images().items())
heavy = ("cattrs", "microvm_sdk._core.cattrs_converter")
print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


def test_ordinary_calls_do_not_import_cattrs() -> None:
    with LocalServer() as server:
        run = subprocess.run(
            [sys.executable, "-c", CALLS, server.endpoint_url, json.dumps(server.credentials)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == []
