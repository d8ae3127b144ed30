"""The shape of the data the generator writes: a service model, ready for the runtime.

The generated module ``microvm_sdk._schema`` builds one :class:`ServiceSchema` out of
these classes. The runtime (converter, validation, protocol, emulator) reads it; it
never reads the model JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from microvm_sdk._core.records import EMPTY_MAPPING, Record, set_once

ShapeKind = Literal[
    "structure",
    "union",
    "list",
    "map",
    "string",
    "integer",
    "long",
    "float",
    "double",
    "boolean",
    "timestamp",
    "blob",
    "document",
]
Location = Literal["body", "uri", "querystring", "header", "headers", "statusCode"]
"""Where a member travels: the JSON body, a URI label, the query string, one header,
every header starting with a prefix (``headers``, a map), or the response status code."""
TimestampFormat = Literal["unixTimestamp", "iso8601", "rfc822"]


class Member(Record):
    """A member of a structure, union or error.

    Attributes:
        name: The Python attribute / keyword name (``base_image_arn``).
        model_name: The member's name in the model (``baseImageArn``, ``TagKeys``); botocore
            and boto3 use it as the parameter name.
        wire_name: The name on the wire: JSON key, query key, header or URI label
            (``tagKeys`` for the ``TagKeys`` query member).
        target: The name of the shape the member targets.
        location: Where the member travels (see :data:`Location`). For ``headers`` the
            wire name is the header prefix.
        required: The model lists the member as required.
        idempotency_token: The member is an idempotency token (filled when omitted).
        variant: For a union member, the class that holds it (``CodeArtifactUri``).
        timestamp_format: The member's own ``timestampFormat``, which wins over the
            target shape's.
        host_label: The member's value is put into the operation's host prefix.
    """

    __slots__ = (
        "host_label",
        "idempotency_token",
        "location",
        "model_name",
        "name",
        "required",
        "target",
        "timestamp_format",
        "variant",
        "wire_name",
    )
    _FIELDS = (
        "name",
        "model_name",
        "wire_name",
        "target",
        "location",
        "required",
        "idempotency_token",
        "variant",
        "timestamp_format",
        "host_label",
    )

    name: str
    model_name: str
    wire_name: str
    target: str
    location: Location
    required: bool
    idempotency_token: bool
    variant: type[Any] | None
    timestamp_format: TimestampFormat | None
    host_label: bool

    def __init__(
        self,
        *,
        name: str,
        model_name: str,
        wire_name: str,
        target: str,
        location: Location = "body",
        required: bool = False,
        idempotency_token: bool = False,
        variant: type[Any] | None = None,
        timestamp_format: TimestampFormat | None = None,
        host_label: bool = False,
    ) -> None:
        set_once(self, "name", name)
        set_once(self, "model_name", model_name)
        set_once(self, "wire_name", wire_name)
        set_once(self, "target", target)
        set_once(self, "location", location)
        set_once(self, "required", required)
        set_once(self, "idempotency_token", idempotency_token)
        set_once(self, "variant", variant)
        set_once(self, "timestamp_format", timestamp_format)
        set_once(self, "host_label", host_label)


class ErrorInfo(Record):
    """What the model says about an error shape."""

    __slots__ = ("code", "fault", "http_status", "retryable", "throttling")
    _FIELDS = ("code", "http_status", "fault", "retryable", "throttling")

    code: str
    http_status: int
    fault: Literal["client", "server"]
    retryable: bool
    throttling: bool

    def __init__(
        self,
        *,
        code: str,
        http_status: int,
        fault: Literal["client", "server"],
        retryable: bool = False,
        throttling: bool = False,
    ) -> None:
        set_once(self, "code", code)
        set_once(self, "http_status", http_status)
        set_once(self, "fault", fault)
        set_once(self, "retryable", retryable)
        set_once(self, "throttling", throttling)


class Shape(Record):
    """One shape of the model.

    ``cls`` is the Python class for structures (and errors) and enums; ``unknown_cls``
    the class a union uses for a member this SDK does not know. Constraints
    (``min``, ``max``, ``pattern``, ``enum``) are the model's, unchanged. ``payload``
    names (by Python name) the member that is the whole HTTP body, when the model binds
    one. A ``document`` shape holds any JSON value.
    """

    __slots__ = (
        "cls",
        "enum",
        "error",
        "key",
        "kind",
        "max",
        "member",
        "members",
        "min",
        "name",
        "pattern",
        "payload",
        "sensitive",
        "timestamp_format",
        "unknown_cls",
        "value",
    )
    _FIELDS = (
        "name",
        "kind",
        "members",
        "member",
        "key",
        "value",
        "min",
        "max",
        "pattern",
        "enum",
        "sensitive",
        "timestamp_format",
        "error",
        "cls",
        "unknown_cls",
        "payload",
    )

    name: str
    kind: ShapeKind
    members: tuple[Member, ...]
    member: str | None
    key: str | None
    value: str | None
    min: float | None
    max: float | None
    pattern: str | None
    enum: tuple[str, ...]
    sensitive: bool
    timestamp_format: TimestampFormat | None
    error: ErrorInfo | None
    cls: type[Any] | None
    unknown_cls: type[Any] | None
    payload: str | None

    def __init__(
        self,
        *,
        name: str,
        kind: ShapeKind,
        members: tuple[Member, ...] = (),
        member: str | None = None,
        key: str | None = None,
        value: str | None = None,
        min: float | None = None,
        max: float | None = None,
        pattern: str | None = None,
        enum: tuple[str, ...] = (),
        sensitive: bool = False,
        timestamp_format: TimestampFormat | None = None,
        error: ErrorInfo | None = None,
        cls: type[Any] | None = None,
        unknown_cls: type[Any] | None = None,
        payload: str | None = None,
    ) -> None:
        set_once(self, "name", name)
        set_once(self, "kind", kind)
        set_once(self, "members", members)
        set_once(self, "member", member)
        set_once(self, "key", key)
        set_once(self, "value", value)
        set_once(self, "min", min)
        set_once(self, "max", max)
        set_once(self, "pattern", pattern)
        set_once(self, "enum", enum)
        set_once(self, "sensitive", sensitive)
        set_once(self, "timestamp_format", timestamp_format)
        set_once(self, "error", error)
        set_once(self, "cls", cls)
        set_once(self, "unknown_cls", unknown_cls)
        set_once(self, "payload", payload)

    def member_by_wire_name(self, wire_name: str) -> Member | None:
        """Return the member with this wire name, or ``None``."""
        for member in self.members:
            if member.wire_name == wire_name:
                return member
        return None


class Operation(Record):
    """One operation: its HTTP binding and shapes.

    ``uri`` is the model's ``requestUri``: a path with ``{label}`` / ``{label+}``
    placeholders, optionally followed by ``?`` and literal query parameters.
    ``host_prefix`` (``"data-{Name}."``) is put before the endpoint's host, with the
    input's host-label members filled in. ``checksum_required`` asks for a
    ``Content-MD5`` header on the request.
    """

    __slots__ = (
        "checksum_required",
        "documentation",
        "errors",
        "host_prefix",
        "input",
        "method",
        "name",
        "output",
        "python_name",
        "success_code",
        "uri",
    )
    _FIELDS = (
        "name",
        "python_name",
        "method",
        "uri",
        "success_code",
        "input",
        "output",
        "errors",
        "documentation",
        "host_prefix",
        "checksum_required",
    )

    name: str
    python_name: str
    method: str
    uri: str
    success_code: int
    input: str | None
    output: str | None
    errors: tuple[str, ...]
    documentation: str
    host_prefix: str | None
    checksum_required: bool

    def __init__(
        self,
        *,
        name: str,
        python_name: str,
        method: str,
        uri: str,
        success_code: int,
        input: str | None,
        output: str | None,
        errors: tuple[str, ...] = (),
        documentation: str = "",
        host_prefix: str | None = None,
        checksum_required: bool = False,
    ) -> None:
        set_once(self, "name", name)
        set_once(self, "python_name", python_name)
        set_once(self, "method", method)
        set_once(self, "uri", uri)
        set_once(self, "success_code", success_code)
        set_once(self, "input", input)
        set_once(self, "output", output)
        set_once(self, "errors", errors)
        set_once(self, "documentation", documentation)
        set_once(self, "host_prefix", host_prefix)
        set_once(self, "checksum_required", checksum_required)


class Paginator(Record):
    """A paginated operation (botocore ``paginators-1.json`` semantics, one token)."""

    __slots__ = ("input_token", "limit_key", "operation", "output_token", "result_key")
    _FIELDS = ("operation", "input_token", "output_token", "limit_key", "result_key")

    operation: str
    input_token: str
    output_token: str
    limit_key: str | None
    result_key: str

    def __init__(
        self,
        *,
        operation: str,
        input_token: str,
        output_token: str,
        limit_key: str | None,
        result_key: str,
    ) -> None:
        set_once(self, "operation", operation)
        set_once(self, "input_token", input_token)
        set_once(self, "output_token", output_token)
        set_once(self, "limit_key", limit_key)
        set_once(self, "result_key", result_key)


class ServiceSchema(Record):
    """The whole service, as the runtime sees it."""

    __slots__ = (
        "api_version",
        "endpoint_prefix",
        "endpoint_ruleset",
        "env_name",
        "operations",
        "paginators",
        "protocol",
        "service_id",
        "service_name",
        "shapes",
        "signing_name",
    )
    _FIELDS = (
        "service_id",
        "service_name",
        "api_version",
        "protocol",
        "signing_name",
        "endpoint_prefix",
        "env_name",
        "shapes",
        "operations",
        "paginators",
        "endpoint_ruleset",
    )

    service_id: str
    service_name: str
    api_version: str
    protocol: str
    signing_name: str
    endpoint_prefix: str
    env_name: str
    shapes: Mapping[str, Shape]
    operations: Mapping[str, Operation]
    paginators: Mapping[str, Paginator]
    endpoint_ruleset: Mapping[str, Any]

    def __init__(
        self,
        *,
        service_id: str,
        service_name: str,
        api_version: str,
        protocol: str,
        signing_name: str,
        endpoint_prefix: str,
        env_name: str,
        shapes: Mapping[str, Shape],
        operations: Mapping[str, Operation],
        paginators: Mapping[str, Paginator] = EMPTY_MAPPING,
        endpoint_ruleset: Mapping[str, Any] = EMPTY_MAPPING,
    ) -> None:
        set_once(self, "service_id", service_id)
        set_once(self, "service_name", service_name)
        set_once(self, "api_version", api_version)
        set_once(self, "protocol", protocol)
        set_once(self, "signing_name", signing_name)
        set_once(self, "endpoint_prefix", endpoint_prefix)
        set_once(self, "env_name", env_name)
        set_once(self, "shapes", shapes)
        set_once(self, "operations", operations)
        set_once(self, "paginators", paginators)
        set_once(self, "endpoint_ruleset", endpoint_ruleset)

    def shape(self, name: str) -> Shape:
        """Return the shape named ``name``."""
        return self.shapes[name]
