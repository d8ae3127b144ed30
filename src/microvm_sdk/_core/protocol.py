"""The AWS rest-json protocol: requests from model objects, results from responses.

Generic over a :class:`~microvm_sdk._core.schema.ServiceSchema`; it behaves as botocore's
``RestJSONSerializer`` and ``RestJSONParser`` do (the test suite uses them as an oracle):

- URI labels are percent-encoded with only ``-_.~`` left as they are (``/`` too for greedy
  labels), so image ARNs travel as ``arn%3Aaws%3Alambda%3A...``;
- query members are encoded the same way; lists repeat their key (``tagKeys=a&tagKeys=b``);
- the body is JSON of the body members; an operation whose input has body members sends
  ``{}`` when none is set, and no body (and no ``Content-Type``) otherwise;
- errors take their code from ``X-Amzn-ErrorType``, else the body's ``code`` or
  ``__type``, dropping a ``:...`` suffix and a ``namespace#`` prefix.
"""

from __future__ import annotations

import datetime
import email.utils
import json
import math
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from microvm_sdk._core.converter import WireConverter
from microvm_sdk._core.errors import DeserializationError, ServiceError, UnknownServiceError
from microvm_sdk._core.http import HttpRequest, HttpResponse
from microvm_sdk._core.schema import Member, Operation, ServiceSchema, Shape

_LABEL = re.compile(r"\{([^}]+)\}")
_EXCERPT = 200


def _encode(value: str, safe: str = "-_.~") -> str:
    return quote(value, safe=safe)


def _text(value: Any, shape: Shape, location: str) -> str:
    """A scalar as text for a URI label, query value or header."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        fmt = shape.timestamp_format or ("rfc822" if location == "header" else "iso8601")
        utc = value.astimezone(datetime.UTC)
        if fmt == "iso8601":
            return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
        if fmt == "rfc822":
            return email.utils.format_datetime(utc, usegmt=True)
        return str(int(utc.timestamp()))
    if isinstance(value, float):
        return repr(value)
    return str(value)


class _OperationPlan:
    """What serializing one operation needs, worked out once."""

    __slots__ = ("body_members", "header_members", "labels", "query_members", "template")

    def __init__(self, operation: Operation, schema: ServiceSchema) -> None:
        shape = schema.shapes[operation.input] if operation.input else None
        members = shape.members if shape else ()
        self.template = operation.uri
        self.labels = {m.wire_name: m for m in members if m.location == "uri"}
        self.query_members = [m for m in members if m.location == "querystring"]
        self.header_members = [m for m in members if m.location == "header"]
        self.body_members = [m for m in members if m.location == "body"]


class RestJsonProtocol:
    """Serialize requests and parse responses for a rest-json service."""

    def __init__(self, schema: ServiceSchema, converter: WireConverter) -> None:
        self.schema = schema
        self.converter = converter
        self._plans: dict[str, _OperationPlan] = {}
        self._errors = {
            shape.error.code: shape for shape in schema.shapes.values() if shape.error is not None
        }

    def _plan(self, operation: Operation) -> _OperationPlan:
        plan = self._plans.get(operation.name)
        if plan is None:
            plan = self._plans[operation.name] = _OperationPlan(operation, self.schema)
        return plan

    # -- requests ---------------------------------------------------------------------

    def serialize(self, operation: Operation, params: Any, endpoint: str) -> HttpRequest:
        """Build the HTTP request of ``operation`` for the input object ``params``."""
        plan = self._plan(operation)
        shapes = self.schema.shapes

        def label(match: re.Match[str]) -> str:
            name = match.group(1)
            greedy = name.endswith("+")
            member = plan.labels[name.rstrip("+")]
            text = _text(getattr(params, member.name), shapes[member.target], "uri")
            return _encode(text, "/-_.~" if greedy else "-_.~")

        path = _LABEL.sub(label, plan.template)
        query = self._query(plan.query_members, params)
        url = endpoint.rstrip("/") + path + ("?" + query if query else "")
        headers: dict[str, str] = {}
        for member in plan.header_members:
            value = getattr(params, member.name)
            if value is not None:
                headers[member.wire_name] = _text(value, shapes[member.target], "header")
        body = b""
        if plan.body_members:
            wire = self.converter.to_wire(params)
            body = json.dumps(wire).encode("utf-8")
            headers["Content-Type"] = "application/json"
        return HttpRequest(operation.method, url, headers, body)

    def _query(self, members: list[Member], params: Any) -> str:
        pairs: list[str] = []
        shapes = self.schema.shapes
        for member in members:
            value = getattr(params, member.name)
            if value is None:
                continue
            key = _encode(member.wire_name)
            target = shapes[member.target]
            if target.kind == "list":
                assert target.member is not None
                item_shape = shapes[target.member]
                pairs.extend(f"{key}={_encode(_text(v, item_shape, 'query'))}" for v in value)
            elif target.kind == "map":
                value_shape = shapes[target.value or ""]
                for map_key, map_value in value.items():
                    pairs.append(
                        f"{_encode(map_key)}={_encode(_text(map_value, value_shape, 'query'))}"
                    )
            else:
                pairs.append(f"{key}={_encode(_text(value, target, 'query'))}")
        return "&".join(pairs)

    # -- responses --------------------------------------------------------------------

    def parse(
        self, operation: Operation, response: HttpResponse, output_cls: type[Any] | None
    ) -> Any:
        """Return the typed output, or raise the service's error.

        Raises:
            ServiceError: The response is an error (a modeled subclass when the code is known).
            DeserializationError: A success response cannot be read.
        """
        if response.status >= 300:
            raise self.error(response)
        if output_cls is None:
            return None
        data = _json_body(response.body)
        if data is None:
            raise DeserializationError(
                f"{operation.name}: HTTP {response.status} response is not JSON: "
                f"{_excerpt(response.body)!r}"
            )
        return self.converter.from_wire(data, output_cls)

    def parse_wire(self, response: HttpResponse) -> dict[str, Any]:
        """Return the JSON body of a success response as a dict (raises on errors)."""
        if response.status >= 300:
            raise self.error(response)
        data = _json_body(response.body)
        if data is None:
            raise DeserializationError(
                f"HTTP {response.status} response is not JSON: {_excerpt(response.body)!r}"
            )
        return data

    def error(self, response: HttpResponse) -> ServiceError:
        """Build the exception for an error response (never raises while doing so)."""
        headers = response.headers
        body = _json_body(response.body)
        code = headers.get("x-amzn-errortype", "")
        if not code and body is not None:
            code = str(body.get("code") or body.get("__type") or body.get("Code") or "")
        code = code.split(":", 1)[0].rsplit("#", 1)[-1]
        message = ""
        if body is not None:
            raw_message = body.get("message") or body.get("Message") or body.get("errorMessage")
            message = "" if raw_message is None else str(raw_message)
        options: dict[str, Any] = {
            "code": code or f"HTTP{response.status}",
            "http_status": response.status,
            "request_id": headers.get("x-amzn-requestid") or headers.get("x-amz-request-id"),
            "retry_after": _retry_after(headers),
            "body": response.body,
        }
        shape = self._errors.get(code)
        if body is None:
            message = message or (
                f"HTTP {response.status} with a non-JSON body: {_excerpt(response.body)!r}"
            )
            if shape is None or shape.cls is None:
                return UnknownServiceError(message, **options)
            # The header names a modeled error: raise its class (members from headers).
            body = {}
        if shape is None or shape.cls is None:
            return UnknownServiceError(message or f"HTTP {response.status}", **options)
        fields = self._error_fields(shape, body, headers)
        try:
            error: ServiceError = shape.cls(message, **fields, **options)
        except TypeError:  # pragma: no cover - generated classes take every member
            error = UnknownServiceError(message, **options)
        return error

    def _error_fields(
        self, shape: Shape, body: Mapping[str, Any], headers: Mapping[str, str]
    ) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for member in shape.members:
            if member.name == "message":
                continue
            if member.location == "header":
                raw: Any = headers.get(member.wire_name.lower())
                target = self.schema.shapes[member.target]
                if raw is not None and target.kind in ("integer", "long"):
                    digits = raw.strip().lstrip("-")
                    raw = int(raw) if digits.isascii() and digits.isdigit() else None
            else:
                raw = body.get(member.wire_name)
            if raw is None:
                continue
            try:
                fields[member.name] = self.converter.value_from_wire(raw, member.target)
            except Exception:
                continue
        return fields


def _json_body(body: bytes) -> dict[str, Any] | None:
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _excerpt(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()
    return text[:_EXCERPT] + ("..." if len(text) > _EXCERPT else "")


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the service asked to wait: ``x-amz-retry-after`` (ms) or ``Retry-After``.

    Malformed values are ignored rather than allowed to break error handling.
    """
    millis = headers.get("x-amz-retry-after")
    if millis is not None:
        try:
            return max(0.0, int(millis) / 1000.0)
        except (ValueError, OverflowError):
            pass
    seconds = headers.get("retry-after")
    if seconds is None:
        return None
    try:
        value = float(seconds)
    except ValueError:
        pass
    else:
        return max(0.0, value) if math.isfinite(value) else None
    try:
        when = email.utils.parsedate_to_datetime(seconds)
    except (TypeError, ValueError, OverflowError):
        return None
    if when.tzinfo is None:  # asctime and "-0000" dates carry no zone: they are UTC
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, (when - datetime.datetime.now(datetime.UTC)).total_seconds())
