"""Write a typed result or a service error as the HTTP response a rest-json service sends.

The inverse of the client's response parsing
(:class:`~microvm_sdk._core.protocol.RestJsonProtocol`): members bound to headers become
headers, a status-code member the status, a payload member the body, and the other
members the JSON body, each in the form the model gives it (timestamps in their format,
blobs base64, unknown enum values and union members as they came). Every response
carries an ``x-amzn-RequestId``, as the service's do.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from microvm_sdk._core import text_values
from microvm_sdk._core.converter import WireConverter
from microvm_sdk._core.http import HttpResponse
from microvm_sdk._core.pipeline import uuid4
from microvm_sdk._core.schema import Operation, ServiceSchema, Shape

__all__ = ["error_response", "result_response"]

_JSON = "application/json"


def result_response(
    schema: ServiceSchema,
    converter: WireConverter,
    operation: Operation,
    result: Any,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    """The success response that carries ``result``, the typed output of ``operation``.

    Args:
        schema: The service.
        converter: The service's wire converter.
        operation: The operation answered.
        result: Its typed output (``None`` for an operation without one).
        headers: Further response headers (a request id of your choosing ...).

    Raises:
        SerializationError: A value cannot be written (a naive datetime ...).
    """
    out = {"x-amzn-RequestId": uuid4(), **(headers or {})}
    if result is None or operation.output is None:
        return HttpResponse(operation.success_code, _lower(out), b"")
    shape = schema.shapes[operation.output]
    status = operation.success_code
    body = b""
    wire = converter.to_wire(result)
    document: dict[str, Any] = {}
    for member in shape.members:
        value = getattr(result, member.name)
        if value is None:
            continue
        if member.location == "header":
            out[member.wire_name] = text_values.header_encoder(schema, member)(value)
        elif member.location == "headers":
            out.update({member.wire_name + key: text for key, text in value.items()})
        elif member.location == "statusCode":
            status = int(value)
        elif member.name == shape.payload:
            body = _payload(schema, converter, member.target, value)
        elif member.wire_name in wire:
            document[member.wire_name] = wire[member.wire_name]
    if shape.payload is None:
        body = json.dumps(document).encode("utf-8")
        out["Content-Type"] = _JSON
    elif body and schema.shapes[_payload_target(shape)].kind not in ("blob", "string"):
        out["Content-Type"] = _JSON
    return HttpResponse(status, _lower(out), body)


def error_response(
    schema: ServiceSchema,
    converter: WireConverter,
    *,
    code: str,
    status: int,
    message: str,
    fields: Mapping[str, Any],
    extra_body: Mapping[str, Any],
    headers: Mapping[str, str],
) -> HttpResponse:
    """The error response a rest-json service sends: ``X-Amzn-ErrorType`` and a JSON body.

    Args:
        schema: The service.
        converter: The service's wire converter.
        code: The error code.
        status: The HTTP status.
        message: The message (the body's ``message``).
        fields: The error's modeled members by Python name (those bound to headers become
            headers).
        extra_body: Further members of the JSON body, as they are.
        headers: Further response headers.
    """
    out = {"x-amzn-RequestId": uuid4(), **headers}
    if code:
        out["X-Amzn-ErrorType"] = code
    shape = schema.shapes.get(code)
    document: dict[str, Any] = {**extra_body}
    message_key = "message"
    for member in shape.members if shape is not None and shape.error is not None else ():
        if member.name == "message":
            message_key = member.wire_name
            continue
        value = fields.get(member.name)
        if value is None:
            continue
        if member.location == "header":
            out[member.wire_name] = text_values.header_encoder(schema, member)(value)
        elif member.location == "headers":
            out.update({member.wire_name + key: text for key, text in value.items()})
        else:
            document[member.wire_name] = converter.value_to_wire(value, member.target)
    document[message_key] = message
    out["Content-Type"] = _JSON
    return HttpResponse(status, _lower(out), json.dumps(document).encode("utf-8"))


def _payload(schema: ServiceSchema, converter: WireConverter, target: str, value: Any) -> bytes:
    kind = schema.shapes[target].kind
    if kind == "blob":
        return bytes(value)
    if kind == "string":
        return str.__str__(value).encode("utf-8")
    return json.dumps(converter.value_to_wire(value, target)).encode("utf-8")


def _payload_target(shape: Shape) -> str:
    return next(m.target for m in shape.members if m.name == shape.payload)


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    """Header names in lower case, as the transports hand responses to the parser."""
    return {name.lower(): value for name, value in headers.items()}
