"""Generate typed client packages at test time, as the public generator interface does.

:func:`generate_package` runs the generator (``microvm_sdk_codegen``) on a model folder,
the way ``python -m microvm_sdk_codegen --model DIR --package NAME --out DIR`` does, and
imports the result, with the runtime built for its schema and strategies for its shapes.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
from schema_values import SchemaValues

from microvm_sdk._core.converter import WireConverter
from microvm_sdk._core.pipeline import codec_for
from microvm_sdk._core.protocol import RestJsonProtocol
from microvm_sdk._core.schema import ServiceSchema
from microvm_sdk._core.validation import Validator
from microvm_sdk_codegen.__main__ import generate


@attrs.frozen
class Package:
    """A generated package, imported, with the runtime built for its schema."""

    name: str
    module: ModuleType
    schema: ServiceSchema
    converter: WireConverter
    validator: Validator
    protocol: RestJsonProtocol
    values: SchemaValues

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
    return Package(name, module, schema, converter, validator, protocol, SchemaValues(schema))
