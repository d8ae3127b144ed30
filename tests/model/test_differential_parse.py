"""Our response and error parsing equals botocore's, for every output and error shape.

Wire bodies are drawn from the schema (valid JSON per the model, with the live service's
explicit ``null`` for unset members and members the model does not have), then parsed by
``RestJsonProtocol`` and by botocore's ``RestJSONParser``. Our typed result, mapped back to
model member names, must equal botocore's dict (timestamps compared as aware UTC).
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.awsrequest import HeadersDict
from botocore.parsers import create_parser
from hypothesis import given
from hypothesis import strategies as st
from schema_strategies import (
    ERROR_SHAPES,
    OUTPUT_SHAPES,
    PROTOCOL,
    SCHEMA,
    integers,
    json_bytes,
    normalize,
    service_model,
    shape,
    to_model_dict,
    wire_values,
)

from microvm_sdk._core.errors import ServiceError
from microvm_sdk._core.http import HttpResponse

PARSER = create_parser("rest-json")
OPERATION_BY_OUTPUT = {op.output: op for op in SCHEMA.operations.values() if op.output}


def botocore_parse(status: int, headers: dict[str, str], body: bytes, shape_name: str | None):
    bc_shape = service_model().shape_for(shape_name) if shape_name else None
    response = {"status_code": status, "headers": HeadersDict(headers), "body": body}
    parsed: dict[str, Any] = PARSER.parse(response, bc_shape)
    parsed.pop("ResponseMetadata", None)
    return parsed


def _botocore_strips_a_decorated_error_type() -> bool:
    """Whether the installed botocore reads ``ns#Code:uri`` in ``x-amzn-errortype`` as
    ``Code``, as the rest-json protocol has it. botocore 1.31 (the oldest release we
    allow) keeps the namespace; its parse is then no oracle for that one case."""
    parsed = botocore_parse(400, {"x-amzn-errortype": "ns#Code:http://example/"}, b"{}", None)
    return bool(parsed["Error"]["Code"] == "Code")


BOTOCORE_STRIPS_A_DECORATED_ERROR_TYPE = _botocore_strips_a_decorated_error_type()


def test_every_output_and_error_shape_is_covered() -> None:
    model = service_model()
    outputs = {
        model.operation_model(name).output_shape.name
        for name in model.operation_names
        if model.operation_model(name).output_shape is not None
    }
    assert set(OUTPUT_SHAPES) == outputs
    assert set(ERROR_SHAPES) == {s.name for s in model.error_shapes}
    assert len(ERROR_SHAPES) == 12


@pytest.mark.parametrize("output", OUTPUT_SHAPES)
@given(data=st.data())
def test_output_equals_botocore(output: str, data: st.DataObject) -> None:
    operation = OPERATION_BY_OUTPUT[output]
    body = json_bytes(data.draw(wire_values(output), label="body"))
    status = operation.success_code
    cls = shape(output).cls
    assert cls is not None

    parsed = PROTOCOL.parse(operation, HttpResponse(status, {}, body), cls)

    assert type(parsed) is cls
    assert normalize(to_model_dict(parsed, output)) == normalize(
        botocore_parse(status, {}, body, output)
    )


CODE_PLACES = ("header", "decorated header", "body code", "body __type")


def error_headers(error: str, place: str) -> st.SearchStrategy[dict[str, str]]:
    """A request id, the error code when it travels in a header, and the error's header
    members (``Retry-After``)."""
    members = [m for m in shape(error).members if m.location == "header"]
    optional = {m.wire_name.lower(): integers(shape(m.target)).map(str) for m in members}
    required = {"x-amzn-requestid": st.uuids().map(str)}
    if place == "header":
        required["x-amzn-errortype"] = st.just(error)
    elif place == "decorated header":
        required["x-amzn-errortype"] = st.just(
            f"com.amazonaws.lambda#{error}:http://internal.amazon.com/coral/com.amazonaws.lambda/"
        )
    return st.fixed_dictionaries(required, optional=optional)


def error_body(error: str, place: str) -> st.SearchStrategy[dict[str, Any]]:
    body = wire_values(error)
    if place == "body code":
        return body.map(lambda b: {**b, "code": error})
    if place == "body __type":
        return body.map(lambda b: {**b, "__type": f"com.amazonaws.lambda#{error}"})
    return body


@pytest.mark.parametrize("error", ERROR_SHAPES)
@given(data=st.data())
def test_error_equals_botocore(error: str, data: st.DataObject) -> None:
    info = shape(error).error
    assert info is not None
    place = data.draw(st.sampled_from(CODE_PLACES), label="code travels in")
    headers = data.draw(error_headers(error, place), label="headers")
    body = json_bytes(data.draw(error_body(error, place), label="body"))

    exc = PROTOCOL.error(HttpResponse(info.http_status, headers, body))

    generic = botocore_parse(info.http_status, headers, body, None)
    modeled = botocore_parse(info.http_status, headers, body, error)
    assert isinstance(exc, ServiceError)
    assert type(exc) is shape(error).cls
    assert exc.code == error
    if place != "decorated header" or BOTOCORE_STRIPS_A_DECORATED_ERROR_TYPE:
        assert generic["Error"]["Code"] == error
    assert exc.message == (generic["Error"]["Message"] or "")
    assert exc.http_status == info.http_status
    assert exc.request_id == headers["x-amzn-requestid"]
    by_model_name = {m.name: m.model_name for m in shape(error).members}
    ours = {by_model_name[k]: v for k, v in exc.modeled_fields().items() if v is not None}
    modeled.pop("message", None)
    assert normalize(ours) == normalize(modeled)
