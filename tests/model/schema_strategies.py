"""Hypothesis strategies built from this SDK's schema, and botocore as an oracle.

Everything here is derived from ``microvm_sdk._schema.SCHEMA`` through
``tests/schema_values.py`` (which works for any schema): nothing names a shape of the
service, so the same code covers every operation and every shape the model has.

- :func:`objects` draws valid model objects (the Python side): constraints honoured
  (lengths, ranges, patterns, list and map sizes), enums with known and unknown values,
  every variant of every union, aware UTC datetimes. Lists are tuples, as the converter
  reads them, so drawn objects compare equal to what the converter returns.
- :func:`wire_values` draws valid JSON values per the model (the wire side): wire names,
  epoch-second timestamps, explicit ``null`` for optional members as the live service
  sends, and members the model does not have.
- :func:`to_model_dict` turns our objects into botocore's dict form (model member names),
  for comparing with botocore's serializer input and parser output.
"""

from __future__ import annotations

import functools
from pathlib import Path

from botocore.loaders import Loader
from botocore.model import ServiceModel
from schema_values import (  # noqa: F401 - re-exported for the model tests
    CHARS,
    UTC,
    SchemaValues,
    datetimes,
    documents,
    enums,
    epoch_seconds,
    integers,
    json_bytes,
    normalize,
    secrets,
    strings,
)

from microvm_sdk._core.pipeline import codec_for
from microvm_sdk._schema import SCHEMA

ROOT = Path(__file__).resolve().parents[2]
MODEL_ROOT = ROOT / "service-model"
SERVICE = "lambda-microvms"
API_VERSION = "2025-09-09"

CONVERTER, VALIDATOR, PROTOCOL = codec_for(SCHEMA)
VALUES = SchemaValues(SCHEMA)


# -- botocore, loaded with the same model files ------------------------------------------


@functools.cache
def service_model() -> ServiceModel:
    """botocore's view of the repo's model (botocore's own data files are not searched)."""
    loader = Loader(extra_search_paths=[str(MODEL_ROOT)], include_default_search_paths=False)
    data = loader.load_service_model(SERVICE, "service-2", api_version=API_VERSION)
    return ServiceModel(data, service_name=SERVICE)


# -- schema walks, strategies and conversions, bound to this SDK's schema ---------------

shape = VALUES.shape
is_enum = VALUES.is_enum
is_unit = VALUES.is_unit
children = VALUES.children
reachable = VALUES.reachable
holds_sensitive = VALUES.holds_sensitive
objects = VALUES.objects
wire_values = VALUES.wire
to_model_dict = VALUES.to_model_dict

OPERATIONS = sorted(SCHEMA.operations)
OUTPUT_SHAPES = sorted({op.output for op in SCHEMA.operations.values() if op.output})
ERROR_SHAPES = sorted(n for n, s in SCHEMA.shapes.items() if s.error is not None)
OUTPUT_CLASSES = sorted(
    n
    for n in reachable(*OUTPUT_SHAPES)
    if shape(n).kind == "structure" and shape(n).cls is not None
)
