"""Generate typed client packages at test time and move values in and out of them.

:func:`generate_package` runs the generator (``microvm_sdk_codegen``) on a model dict, the
way ``python -m microvm_sdk_codegen --model DIR --package NAME --out DIR`` does, and
imports the result. :func:`build` turns botocore-style parameters (dicts keyed by model
member names, epoch numbers for timestamps, text for blobs) into the package's typed
objects; :func:`unbuild` turns typed values back into botocore's parsed form, so either
side can be compared with botocore or with the suite's expectations.
"""

from __future__ import annotations

import datetime
import importlib
import json
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs

from microvm_sdk._core.converter import WireConverter
from microvm_sdk._core.enums import ModelEnum
from microvm_sdk._core.pipeline import codec_for
from microvm_sdk._core.protocol import RestJsonProtocol
from microvm_sdk._core.schema import ServiceSchema, Shape
from microvm_sdk._core.validation import Validator
from microvm_sdk_codegen.__main__ import generate

UTC = datetime.UTC
SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


@attrs.frozen
class Package:
    """A generated package, imported, with the runtime built for its schema."""

    name: str
    module: ModuleType
    schema: ServiceSchema
    converter: WireConverter
    validator: Validator
    protocol: RestJsonProtocol

    @property
    def models(self) -> ModuleType:
        return importlib.import_module(self.name + ".models")

    @property
    def client_module(self) -> ModuleType:
        return importlib.import_module(self.name + ".client")


def write_model(folder: Path, model: Mapping[str, Any], **extra: Any) -> Path:
    """Write ``model`` (and ``extra`` files: ``{"paginators-1.json": {...}}``) as a folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "service-2.json").write_text(json.dumps(model))
    for name, data in extra.items():
        (folder / name).write_text(json.dumps(data))
    return folder


def generate_package(
    model_dir: Path, out: Path, name: str, *, overrides: Path | None = None
) -> Package:
    """Generate package ``name`` from ``model_dir`` into ``out`` and import it.

    Raises:
        microvm_sdk_codegen.ir.ModelError: The generator refuses the model.
    """
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    sources = generate(model_dir, package=name, out=folder, overrides=overrides, formatted=False)
    for file_name, source in sources.items():
        (folder / file_name).write_text(source)
    if str(out) not in sys.path:
        sys.path.insert(0, str(out))
    importlib.invalidate_caches()
    module = importlib.import_module(name)
    schema: ServiceSchema = importlib.import_module(name + "._schema").SCHEMA
    converter, validator, protocol = codec_for(schema)
    return Package(name, module, schema, converter, validator, protocol)


# -- botocore-style values <-> typed values ----------------------------------------------


def build(schema: ServiceSchema, target: str, value: Any) -> Any:
    """The typed value of shape ``target`` for a botocore-style parameter value."""
    if value is None:
        return None
    shape = schema.shapes[target]
    kind = shape.kind
    if kind == "structure":
        assert shape.cls is not None, target
        kwargs = {
            m.name: build(schema, m.target, value[m.model_name])
            for m in shape.members
            if m.model_name in value
        }
        return shape.cls(**kwargs)
    if kind == "union":
        (tag, inner), *rest = value.items()
        assert not rest, f"more than one member for union {target}: {value}"
        member = next(m for m in shape.members if m.model_name == tag)
        assert member.variant is not None
        return member.variant(value=build(schema, member.target, inner))
    if kind == "list":
        return tuple(build(schema, shape.member or "", v) for v in value)
    if kind == "map":
        return {k: build(schema, shape.value or "", v) for k, v in value.items()}
    if kind == "timestamp":
        if isinstance(value, datetime.datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        return datetime.datetime.fromtimestamp(value, UTC)
    if kind == "blob":
        return value.encode("utf-8") if isinstance(value, str) else bytes(value)
    if kind in ("float", "double") and isinstance(value, str):
        return SPECIAL_FLOATS[value]
    if shape.enum and shape.cls is not None:
        return shape.cls(value)
    return value


def unbuild(schema: ServiceSchema, target: str, value: Any, *, blob_text: bool = True) -> Any:
    """``value`` in botocore's parsed form: model member names, epoch-second timestamps,
    blobs as UTF-8 text (``blob_text``) or bytes, non-finite floats as their names."""
    if value is None:
        return None
    shape = schema.shapes[target]
    kind = shape.kind
    again = {"blob_text": blob_text}
    if kind == "structure":
        out = {}
        for member in shape.members:
            item = getattr(value, member.name)
            if item is None:
                continue
            item = unbuild(schema, member.target, item, **again)
            if member.location == "headers":
                item = {k.lower(): v for k, v in item.items()}
            out[member.model_name] = item
        return out
    if kind == "union":
        for member in shape.members:
            if member.variant is not None and isinstance(value, member.variant):
                return {member.model_name: unbuild(schema, member.target, value.value, **again)}
        return {"SDK_UNKNOWN_MEMBER": {"name": value.tag}}
    if kind == "list":
        return [unbuild(schema, shape.member or "", v, **again) for v in value]
    if kind == "map":
        return {k: unbuild(schema, shape.value or "", v, **again) for k, v in value.items()}
    if kind == "timestamp":
        return value.timestamp()
    if kind == "blob":
        return value.decode("utf-8") if blob_text else bytes(value)
    if kind in ("float", "double") and isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, ModelEnum):
        return str.__str__(value)
    return value


def member_by_model_name(shape: Shape, name: str) -> Any:
    return next(m for m in shape.members if m.model_name == name)
