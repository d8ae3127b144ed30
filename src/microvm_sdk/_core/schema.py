"""The shape of the data the generator writes: a service model, ready for the runtime.

The generated module ``microvm_sdk._schema`` builds one :class:`ServiceSchema` out of
these classes. The runtime (converter, validation, protocol, emulator) reads it; it
never reads the model JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import attrs

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


@attrs.frozen(slots=True)
class Member:
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

    name: str
    model_name: str
    wire_name: str
    target: str
    location: Location = "body"
    required: bool = False
    idempotency_token: bool = False
    variant: type[Any] | None = None
    timestamp_format: TimestampFormat | None = None
    host_label: bool = False


@attrs.frozen(slots=True)
class ErrorInfo:
    """What the model says about an error shape."""

    code: str
    http_status: int
    fault: Literal["client", "server"]
    retryable: bool = False
    throttling: bool = False


@attrs.frozen(slots=True)
class Shape:
    """One shape of the model.

    ``cls`` is the Python class for structures (and errors) and enums; ``unknown_cls``
    the class a union uses for a member this SDK does not know. Constraints
    (``min``, ``max``, ``pattern``, ``enum``) are the model's, unchanged. ``payload``
    names (by Python name) the member that is the whole HTTP body, when the model binds
    one. A ``document`` shape holds any JSON value.
    """

    name: str
    kind: ShapeKind
    members: tuple[Member, ...] = ()
    member: str | None = None
    key: str | None = None
    value: str | None = None
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    enum: tuple[str, ...] = ()
    sensitive: bool = False
    timestamp_format: TimestampFormat | None = None
    error: ErrorInfo | None = None
    cls: type[Any] | None = None
    unknown_cls: type[Any] | None = None
    payload: str | None = None

    def member_by_wire_name(self, wire_name: str) -> Member | None:
        """Return the member with this wire name, or ``None``."""
        for member in self.members:
            if member.wire_name == wire_name:
                return member
        return None


@attrs.frozen(slots=True)
class Operation:
    """One operation: its HTTP binding and shapes.

    ``uri`` is the model's ``requestUri``: a path with ``{label}`` / ``{label+}``
    placeholders, optionally followed by ``?`` and literal query parameters.
    ``host_prefix`` (``"data-{Name}."``) is put before the endpoint's host, with the
    input's host-label members filled in. ``checksum_required`` asks for a
    ``Content-MD5`` header on the request.
    """

    name: str
    python_name: str
    method: str
    uri: str
    success_code: int
    input: str | None
    output: str | None
    errors: tuple[str, ...] = ()
    documentation: str = ""
    host_prefix: str | None = None
    checksum_required: bool = False


@attrs.frozen(slots=True)
class Paginator:
    """A paginated operation (botocore ``paginators-1.json`` semantics, one token)."""

    operation: str
    input_token: str
    output_token: str
    limit_key: str | None
    result_key: str


@attrs.frozen(slots=True)
class ServiceSchema:
    """The whole service, as the runtime sees it."""

    service_id: str
    service_name: str
    api_version: str
    protocol: str
    signing_name: str
    endpoint_prefix: str
    env_name: str
    shapes: Mapping[str, Shape]
    operations: Mapping[str, Operation]
    paginators: Mapping[str, Paginator] = attrs.field(factory=dict)
    endpoint_ruleset: Mapping[str, Any] = attrs.field(factory=dict)

    def shape(self, name: str) -> Shape:
        """Return the shape named ``name``."""
        return self.shapes[name]
