"""The AWS rest-json protocol: requests from model objects, results from responses.

Generic over a :class:`~microvm_sdk._core.schema.ServiceSchema`; it behaves as botocore's
``RestJSONSerializer`` and ``RestJSONParser`` do (the test suite uses them as an oracle,
and runs botocore's rest-json protocol test suite), for every HTTP binding rest-json has:

- URI labels are percent-encoded with only ``-_.~`` left as they are (``/`` too for greedy
  labels), so image ARNs travel as ``arn%3Aaws%3Alambda%3A...``; a ``requestUri`` may end
  in literal query parameters (``?versions``), which come first in the query string;
- query members are encoded the same way; lists repeat their key (``tagKeys=a&tagKeys=b``);
  a map spreads its entries into the query string (a map of lists repeats each key), and
  a named query member wins over a map entry of the same name;
- header members become one header each (lists comma-joined); a ``headers`` map member
  becomes one header per entry, its name the prefix plus the key;
- the body is JSON of the body members; an operation whose input has body members sends
  ``{}`` when none is set, and no body (and no ``Content-Type``) otherwise. A *payload*
  member is the whole body instead: a structure as JSON (``{}`` when unset), a union or
  document as JSON (nothing when unset), a blob or string as its raw bytes (no
  ``Content-Type``);
- ``hostPrefix`` (``data-{Name}.``) is put before the endpoint's host, host labels filled
  in; ``httpChecksumRequired`` adds ``Content-MD5``;
- responses read header, prefix-header and status-code members next to the JSON body or
  the payload member;
- errors take their code from ``X-Amzn-ErrorType``, else the body's ``code`` or
  ``__type``, dropping a ``:...`` suffix and a ``namespace#`` prefix.

Which of these an operation uses is worked out once per operation (``_RequestPlan``,
``_ResponsePlan``): an operation with plain JSON in and out pays for nothing else.
Value-to-text rules are in :mod:`microvm_sdk._core.text_values`.
"""

from __future__ import annotations

import base64
import datetime
import email.utils
import hashlib
import math
import re
from collections.abc import Mapping
from typing import Any

from microvm_sdk._core import json_codec, text_values
from microvm_sdk._core.converter import WireConverter, member_key
from microvm_sdk._core.errors import (
    DeserializationError,
    SerializationError,
    ServiceError,
    UnknownServiceError,
)
from microvm_sdk._core.http import HttpRequest, HttpResponse
from microvm_sdk._core.schema import Member, Operation, ServiceSchema, Shape

_LABEL = re.compile(r"\{([^}]+)\}")
_EXCERPT = 200
_JSON = "application/json"


def _encode(value: str, safe: str = "-_.~") -> str:
    return text_values.percent_encode(value, safe)


#: A URI label of a request plan: attribute, encoder, safe characters, and its recent
#: values as text with their escaped forms.
_Label = tuple[str, text_values.Encoder, str, dict[str, str]]
#: Values remembered per URI label; the table starts again when it is full.
MAX_REMEMBERED_LABELS = 256


def _path(parts: list[str | _Label], params: Any) -> str:
    """The request path: the template's text and its labels' values, escaped.

    The escaped form of a label's value is remembered (the same image is asked about
    again and again: waiters, get after create).
    """
    pieces: list[str] = []
    for part in parts:
        if isinstance(part, str):
            pieces.append(part)
            continue
        attr, encode, safe, recent = part
        text = encode(getattr(params, attr))
        escaped = recent.get(text)
        if escaped is None:
            escaped = _encode(text, safe)
            if len(recent) >= MAX_REMEMBERED_LABELS:
                recent.clear()
            recent[text] = escaped
        pieces.append(escaped)
    return "".join(pieces)


def _json(value: Any) -> bytes:
    try:
        return json_codec.dumps(value)
    except (TypeError, ValueError) as exc:  # a document holding NaN, a set, ...
        raise SerializationError(f"cannot write the request body as JSON: {exc}") from None


class _RequestPlan:
    """What serializing one operation needs, worked out once."""

    __slots__ = (
        "body_members",
        "checksum",
        "header_members",
        "host_labels",
        "host_prefix",
        "labels",
        "literal_query",
        "path_parts",
        "payload",
        "payload_kind",
        "prefix_members",
        "query_maps",
        "query_members",
        "template",
        "user_content_type",
    )

    def __init__(self, operation: Operation, schema: ServiceSchema) -> None:
        shape = schema.shapes[operation.input] if operation.input else None
        members = shape.members if shape else ()
        shapes = schema.shapes
        self.template, _, self.literal_query = operation.uri.partition("?")
        self.labels: dict[str, tuple[str, text_values.Encoder]] = {
            m.wire_name: (m.name, self._text(schema, m, "iso8601"))
            for m in members
            if m.location == "uri"
        }
        # The template split once: literal text, and per label its attribute, encoder,
        # safe characters and the label's recent values with their escaped forms.
        self.path_parts: list[str | _Label] = []
        for index, piece in enumerate(_LABEL.split(self.template)):
            if index % 2 == 0:
                if piece:
                    self.path_parts.append(piece)
                continue
            greedy = piece.endswith("+")
            attr, encode = self.labels[piece.rstrip("+")]
            self.path_parts.append((attr, encode, "/-_.~" if greedy else "-_.~", {}))
        self.query_members: list[tuple[str, str, bool, text_values.Encoder]] = []
        self.query_maps: list[tuple[str, bool, text_values.Encoder]] = []
        for m in members:
            if m.location != "querystring":
                continue
            target = shapes[m.target]
            if target.kind == "map":
                assert target.value is not None
                values = shapes[target.value]
                is_list = values.kind == "list"
                item = shapes[values.member or ""] if is_list else values
                encode = text_values.encoder(item, None, "iso8601")
                self.query_maps.append((m.name, is_list, encode))
            elif target.kind == "list":
                assert target.member is not None
                encode = text_values.encoder(shapes[target.member], None, "iso8601")
                self.query_members.append((m.name, _encode(m.wire_name), True, encode))
            else:
                encode = self._text(schema, m, "iso8601")
                self.query_members.append((m.name, _encode(m.wire_name), False, encode))
        self.header_members = [
            (m.name, m.wire_name, text_values.header_encoder(schema, m))
            for m in members
            if m.location == "header"
        ]
        self.prefix_members = [(m.name, m.wire_name) for m in members if m.location == "headers"]
        self.user_content_type = any(
            m.wire_name.lower() == "content-type" for m in members if m.location == "header"
        )
        self.body_members = [m for m in members if m.location == "body"]
        payload = next((m for m in members if shape and m.name == shape.payload), None)
        self.payload = payload
        self.payload_kind = shapes[payload.target].kind if payload else None
        self.host_prefix = operation.host_prefix
        self.host_labels = [("{" + m.model_name + "}", m.name) for m in members if m.host_label]
        self.checksum = operation.checksum_required

    @staticmethod
    def _text(schema: ServiceSchema, member: Member, default: str) -> text_values.Encoder:
        return text_values.encoder(schema.shapes[member.target], member.timestamp_format, default)


class RestJsonProtocol:
    """Serialize requests and parse responses for a rest-json service."""

    def __init__(self, schema: ServiceSchema, converter: WireConverter) -> None:
        self.schema = schema
        self.converter = converter
        self._plans: dict[str, _RequestPlan] = {}
        self._response_plans: dict[str, _ResponsePlan] = {}
        self._errors = {
            shape.error.code: shape for shape in schema.shapes.values() if shape.error is not None
        }
        self._error_decoders: dict[tuple[str, str], text_values.Decoder] = {}

    def _plan(self, operation: Operation) -> _RequestPlan:
        plan = self._plans.get(operation.name)
        if plan is None:
            plan = self._plans[operation.name] = _RequestPlan(operation, self.schema)
        return plan

    # -- requests ---------------------------------------------------------------------

    def serialize(self, operation: Operation, params: Any, endpoint: str) -> HttpRequest:
        """Build the HTTP request of ``operation`` for the input object ``params``.

        Raises:
            SerializationError: A value cannot be written (a naive datetime, a document
                that is not JSON).
        """
        plan = self._plan(operation)
        path = plan.template if not plan.labels else _path(plan.path_parts, params)
        query = self._query(plan, params) if (plan.query_members or plan.query_maps) else ""
        if plan.literal_query:
            query = plan.literal_query + ("&" + query if query else "")
        if plan.host_prefix is not None:
            endpoint = self._host_prefixed(plan, params, endpoint)
        url = endpoint.rstrip("/") + path + ("?" + query if query else "")
        headers: dict[str, str] = {}
        for attr, name, encode in plan.header_members:
            value = getattr(params, attr)
            if value is not None and not (isinstance(value, (list, tuple)) and not value):
                headers[name] = encode(value)
        for attr, prefix in plan.prefix_members:
            entries = getattr(params, attr)
            if entries:
                for key, value in entries.items():
                    if value is not None:
                        headers[prefix + key] = value
        body = b""
        if plan.payload is not None:
            body, is_json = self._payload(plan, params)
        elif plan.body_members:
            body, is_json = _json(self.converter.to_wire(params)), True
        if body and is_json and not plan.user_content_type:
            headers["Content-Type"] = _JSON
        if plan.checksum:
            digest = hashlib.md5(body, usedforsecurity=False).digest()
            headers["Content-MD5"] = base64.b64encode(digest).decode("ascii")
        return HttpRequest(operation.method, url, headers, body)

    def _query(self, plan: _RequestPlan, params: Any) -> str:
        pairs: list[str] = []
        named: set[str] = set()
        for attr, key, is_list, encode in plan.query_members:
            value = getattr(params, attr)
            if value is None:
                continue
            named.add(key)
            if is_list:
                pairs.extend(f"{key}={_encode(encode(v))}" for v in value if v is not None)
            else:
                pairs.append(f"{key}={_encode(encode(value))}")
        for attr, is_list, encode in plan.query_maps:
            entries = getattr(params, attr)
            if not entries:
                continue
            for map_key, map_value in entries.items():
                key = _encode(map_key)
                if key in named or map_value is None:
                    continue
                if is_list:
                    pairs.extend(f"{key}={_encode(encode(v))}" for v in map_value if v is not None)
                else:
                    pairs.append(f"{key}={_encode(encode(map_value))}")
        return "&".join(pairs)

    def _payload(self, plan: _RequestPlan, params: Any) -> tuple[bytes, bool]:
        assert plan.payload is not None
        value = getattr(params, plan.payload.name)
        kind = plan.payload_kind
        if kind == "blob":
            return (b"" if value is None else bytes(value)), False
        if kind == "string":
            return (b"" if value is None else str.__str__(value).encode("utf-8")), False
        if value is None:
            return (b"{}" if kind == "structure" else b""), True
        return _json(self.converter.value_to_wire(value, plan.payload.target)), True

    @staticmethod
    def _host_prefixed(plan: _RequestPlan, params: Any, endpoint: str) -> str:
        prefix = plan.host_prefix or ""
        for placeholder, attr in plan.host_labels:
            prefix = prefix.replace(placeholder, str(getattr(params, attr)))
        scheme, sep, rest = endpoint.partition("://")
        return scheme + sep + prefix + rest if sep else prefix + endpoint

    # -- responses --------------------------------------------------------------------

    def _response_plan(self, operation: Operation) -> _ResponsePlan:
        plan = self._response_plans.get(operation.name)
        if plan is None:
            plan = self._response_plans[operation.name] = _ResponsePlan(operation, self.schema)
        return plan

    def parse(
        self, operation: Operation, response: HttpResponse, output_cls: type[Any] | None
    ) -> Any:
        """Return the typed output, or raise the service's error.

        Raises:
            ServiceError: The response is an error (a modeled subclass when the code is known).
            DeserializationError: A success response cannot be read: its body is not a
                JSON object, or it has none although the output has required members.
        """
        if response.status >= 300:
            raise self.error(response)
        if output_cls is None:
            return None
        plan = self._response_plan(operation)
        if plan.plain:
            data = self._body_object(operation, plan, response)
        else:
            data = self._response_data(operation, plan, response)
        try:
            return self.converter.from_wire(data, output_cls)
        except DeserializationError as exc:
            raise _unreadable(operation, response, str(exc)) from exc

    def _body_object(
        self, operation: Operation, plan: _ResponsePlan, response: HttpResponse
    ) -> dict[str, Any]:
        """The JSON object of a success body (``{}`` for none, if no member requires one)."""
        body = response.body
        if not body.strip():
            if plan.required_body:
                raise _unreadable(
                    operation,
                    response,
                    "the response has no body, but the output requires "
                    + ", ".join(plan.required_body),
                )
            return {}
        value = _json_value(body)
        if isinstance(value, dict):
            return value
        if value is _NOT_JSON:
            raise _unreadable(
                operation, response, f"the response body is not JSON: {_excerpt(body)!r}"
            )
        raise _unreadable(
            operation,
            response,
            f"the response body is JSON {_json_kind(value)}, not an object: {_excerpt(body)!r}",
        )

    def _response_data(
        self, operation: Operation, plan: _ResponsePlan, response: HttpResponse
    ) -> dict[str, Any]:
        """The dict ``from_wire`` reads: body members, payload, headers, status code."""
        data: dict[str, Any]
        if plan.payload is None:
            data = dict(self._body_object(operation, plan, response))
            for key in plan.reserved:  # never read a header member from the body
                data.pop(key, None)
        else:
            data = {}
            value = self._payload_value(operation, plan, response)
            if value is not None:
                data[plan.payload.wire_name] = value
        headers = response.headers
        for member, key, decode in plan.headers:
            raw = headers.get(member.wire_name.lower())
            if raw is None:
                continue
            try:
                data[key] = decode(raw)
            except ValueError as exc:
                raise _unreadable(
                    operation,
                    response,
                    f"cannot read header {member.wire_name} ({member.name}): {exc}",
                ) from None
        for member, key in plan.prefixes:
            data[key] = text_values.prefix_headers(headers, member.wire_name)
        if plan.status is not None:
            data[plan.status] = response.status
        return data

    def _payload_value(
        self, operation: Operation, plan: _ResponsePlan, response: HttpResponse
    ) -> Any:
        """The payload member's wire value; an empty body leaves an optional one unset."""
        body = response.body
        kind = plan.payload_kind
        assert plan.payload is not None
        if kind == "blob":
            return body if body or plan.payload.required else None
        if kind == "string":
            if not body:
                return "" if plan.payload.required else None
            try:
                return body.decode("utf-8")
            except UnicodeDecodeError:
                raise _unreadable(
                    operation, response, "the response body is not UTF-8 text"
                ) from None
        if not body.strip():
            return {} if kind == "structure" else None
        value = _json_value(body)
        if value is _NOT_JSON:
            raise _unreadable(
                operation, response, f"the response body is not JSON: {_excerpt(body)!r}"
            )
        return value

    def parse_wire(self, response: HttpResponse) -> dict[str, Any]:
        """Return the JSON body of a success response as a dict (raises on errors)."""
        if response.status >= 300:
            raise self.error(response)
        data = _json_body(response.body)
        if data is None:
            raise DeserializationError(
                f"the response body is not a JSON object: {_excerpt(response.body)!r}",
                http_status=response.status,
                request_id=_request_id(response.headers),
            )
        return data

    def error(self, response: HttpResponse) -> ServiceError:
        """Build the exception for an error response (never raises while doing so)."""
        headers = response.headers
        body = _json_body(response.body)
        code = headers.get("x-amzn-errortype", "")
        if not code and body is not None:
            code = _text(body.get("code") or body.get("__type") or body.get("Code"))
        code = code.split(":", 1)[0].rsplit("#", 1)[-1]
        message = ""
        if body is not None:
            message = _text(body.get("message") or body.get("Message") or body.get("errorMessage"))
        options: dict[str, Any] = {
            "code": code or f"HTTP{response.status}",
            "http_status": response.status,
            "request_id": _request_id(headers),
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
            raw: Any
            try:
                if member.location == "header":
                    text = headers.get(member.wire_name.lower())
                    raw = None if text is None else self._error_decoder(shape, member)(text)
                elif member.location == "headers":
                    raw = text_values.prefix_headers(headers, member.wire_name)
                elif member.location == "body":
                    raw = body.get(member.wire_name)
                else:
                    continue
            except ValueError:
                continue
            if raw is None:
                continue
            try:
                fields[member.name] = self.converter.value_from_wire(raw, member.target)
            except Exception:
                continue
        return fields

    def _error_decoder(self, shape: Shape, member: Member) -> text_values.Decoder:
        key = (shape.name, member.name)
        decode = self._error_decoders.get(key)
        if decode is None:
            decode = self._error_decoders[key] = text_values.header_decoder(self.schema, member)
        return decode


class _ResponsePlan:
    """What reading one operation's output needs, worked out once."""

    __slots__ = (
        "headers",
        "payload",
        "payload_kind",
        "plain",
        "prefixes",
        "required_body",
        "reserved",
        "status",
    )

    def __init__(self, operation: Operation, schema: ServiceSchema) -> None:
        shape = schema.shapes[operation.output] if operation.output else None
        members = shape.members if shape else ()
        self.headers: list[tuple[Member, str, text_values.Decoder]] = [
            (m, member_key(m), text_values.header_decoder(schema, m))
            for m in members
            if m.location == "header"
        ]
        self.prefixes = [(m, member_key(m)) for m in members if m.location == "headers"]
        status = next((m for m in members if m.location == "statusCode"), None)
        self.status = member_key(status) if status else None
        self.reserved = [member_key(m) for m in members if m.location != "body"]
        payload = next((m for m in members if shape and m.name == shape.payload), None)
        self.payload = payload
        self.payload_kind = schema.shapes[payload.target].kind if payload else None
        self.plain = payload is None and not self.reserved
        #: The required body members (Python names): a body without them is refused.
        self.required_body = [m.name for m in members if m.required and m.location == "body"]


#: What :func:`_json_value` returns for bytes that are not JSON.
_NOT_JSON: Any = object()


def _json_value(body: bytes) -> Any:
    """The JSON value of ``body``, or :data:`_NOT_JSON` (linear time; depth is bounded)."""
    try:
        return json_codec.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _NOT_JSON


def _json_body(body: bytes) -> dict[str, Any] | None:
    """The JSON object of a body (``{}`` for none), or ``None`` when it holds no object."""
    if not body.strip():
        return {}
    data = _json_value(body)
    return data if isinstance(data, dict) else None


def _json_kind(value: Any) -> str:
    """The JSON name of a decoded value's type, for messages."""
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    return "boolean" if isinstance(value, bool) else "number"


def _text(value: object) -> str:
    """A text field of an error body (code, message); ``""`` when it is not a string.

    Never the ``str`` of another JSON value: that of a deeply nested array raises
    ``RecursionError``, and that of a large object costs time for nothing.
    """
    return value if isinstance(value, str) else ""


def _request_id(headers: Mapping[str, str]) -> str | None:
    return headers.get("x-amzn-requestid") or headers.get("x-amz-request-id")


def _unreadable(operation: Operation, response: HttpResponse, what: str) -> DeserializationError:
    """The error for a success response of ``operation`` that cannot be read."""
    return DeserializationError(
        f"{operation.name}: {what}",
        http_status=response.status,
        request_id=_request_id(response.headers),
    )


#: Tags, matched without backtracking: a tag ends at the first ``<`` or ``>`` after it.
_TAG = re.compile(r"<[^<>]*>")
#: The most bytes of a body an excerpt is taken from.
_EXCERPT_SCAN = 16384


def _excerpt(body: bytes) -> str:
    """The start of ``body`` as one line of text, markup dropped, for messages.

    Reads at most the first 16 KiB, each pass in linear time (no pattern here can
    backtrack): a multi-megabyte page of ``<`` costs as much as a short one.
    """
    text = body[:_EXCERPT_SCAN].decode("utf-8", "replace")
    text = " ".join(_TAG.sub(" ", text).split())
    cut = len(text) > _EXCERPT or len(body) > _EXCERPT_SCAN
    return text[:_EXCERPT] + ("..." if cut else "")


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
