"""Every model construct the runtime implements, and the check that refuses all others.

A botocore model is JSON whose keys are traits. This module lists, for each place a key
can appear (service metadata, an operation, a shape, a member, ...), every key the
generator and ``microvm_sdk._core`` handle, with what they do with it. A key that is not
listed, or a listed key with a value the runtime does not implement, stops generation:
a regenerated SDK is either right or not generated. :func:`check` returns one message per
problem, each naming the operation, shape or member and the construct.

The tables are data so that docs/codegen.md can show them and a test can hold the two
together (``tests/codegen/test_constructs.py``).
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping
from typing import Any

from microvm_sdk._core.schema import Location, ShapeKind, TimestampFormat

IMPLEMENTED = "implemented"

#: Keys of the model file itself.
TOP_LEVEL: Mapping[str, str] = {
    "version": "ignored: the format version (2.0)",
    "metadata": IMPLEMENTED,
    "operations": IMPLEMENTED,
    "shapes": IMPLEMENTED,
    "documentation": "documentation",
    "deprecated": "documentation",
    "deprecatedMessage": "documentation",
}

#: Keys of ``metadata``.
METADATA: Mapping[str, str] = {
    "apiVersion": IMPLEMENTED,
    "endpointPrefix": IMPLEMENTED,
    "protocol": "implemented for rest-json only",
    "protocols": "implemented when rest-json comes first",
    "serviceFullName": "documentation",
    "serviceId": IMPLEMENTED,
    "signatureVersion": "implemented for v4 only",
    "signingName": IMPLEMENTED,
    "auth": "implemented when aws.auth#sigv4 comes first",
    "uid": "documentation",
    "jsonVersion": "ignored: rest-json does not use it",
    "targetPrefix": "ignored: rest-json does not use it",
    "serviceAbbreviation": "documentation",
    "ripServiceName": "documentation",
    "globalEndpoint": "ignored: the endpoint rule set decides the endpoint",
    "protocolSettings": "ignored for h2 optional and for h2 on event streams (refused anyway)",
}

#: Keys of an operation.
OPERATION: Mapping[str, str] = {
    "name": IMPLEMENTED,
    "http": IMPLEMENTED,
    "input": IMPLEMENTED,
    "output": IMPLEMENTED,
    "errors": IMPLEMENTED,
    "documentation": "documentation",
    "documentationUrl": "documentation",
    "deprecated": "documentation",
    "deprecatedMessage": "documentation",
    "deprecatedSince": "documentation",
    "idempotent": "ignored: retries treat every operation alike",
    "readonly": "ignored: informational",
    "endpoint": "implemented: hostPrefix, with host labels",
    "httpChecksumRequired": "implemented: Content-MD5",
    "requestcompression": "ignored: compressing requests is optional",
    "authtype": "implemented for v4 only",
    "auth": "implemented when aws.auth#sigv4 comes first",
}

#: Keys of an operation's ``http``.
HTTP: Mapping[str, str] = {
    "method": IMPLEMENTED,
    "requestUri": "implemented: labels, greedy labels, literal query strings",
    "responseCode": IMPLEMENTED,
}

#: Keys of a shape.
SHAPE: Mapping[str, str] = {
    "type": "implemented for the types in SHAPE_TYPES",
    "documentation": "documentation",
    "members": IMPLEMENTED,
    "required": IMPLEMENTED,
    "member": IMPLEMENTED,
    "key": IMPLEMENTED,
    "value": IMPLEMENTED,
    "min": "implemented: client-side validation",
    "max": "implemented: client-side validation",
    "pattern": "implemented: client-side validation",
    "enum": "implemented: enums that accept unknown values",
    "sensitive": "implemented: redacted in repr and messages",
    "exception": "implemented: one exception class",
    "error": "implemented: code, httpStatusCode, senderFault",
    "fault": IMPLEMENTED,
    "retryable": "implemented: retryable and throttling errors",
    "union": "implemented: one class per member plus Unknown",
    "document": "implemented: any JSON value",
    "timestampFormat": "implemented: unixTimestamp, iso8601, rfc822 in every location",
    "payload": "implemented: structure, union, document, blob, string payloads",
    "box": "ignored: every optional member is already None when unset",
    "deprecated": "documentation",
    "deprecatedMessage": "documentation",
    "deprecatedSince": "documentation",
    "synthetic": "ignored: marks error shapes botocore renamed",
}

#: Values of a shape's ``type``: the runtime's shape kinds, less the two the model marks
#: with a trait on a structure (``union``, ``document``).
SHAPE_TYPES = frozenset(typing.get_args(ShapeKind)) - {"union", "document"}

#: Keys of a structure member.
MEMBER: Mapping[str, str] = {
    "shape": IMPLEMENTED,
    "documentation": "documentation",
    "location": "implemented: uri, querystring, header, headers, statusCode",
    "locationName": "implemented: the wire name in every location, JSON bodies included",
    "jsonName": "implemented: the JSON name when there is no locationName",
    "jsonvalue": "implemented: in a header, base64 JSON typed as a document; in a body, "
    "a string holding JSON text, sent as it is",
    "hostLabel": "implemented: validated, put into the host prefix",
    "timestampFormat": "implemented: wins over the target shape's",
    "idempotencyToken": "implemented: a UUID when omitted",
    "enum": "ignored: enum values are not checked on input, as for enum shapes",
    "box": "ignored: every optional member is already None when unset",
    "deprecated": "documentation",
    "deprecatedMessage": "documentation",
    "deprecatedSince": "documentation",
}

#: Keys of a shape reference that is not a structure member (list member, map key and
#: value, operation input, output and errors).
REFERENCE: Mapping[str, str] = {
    "shape": IMPLEMENTED,
    "documentation": "documentation",
}

#: What each refused construct is, for messages (constructs not listed are "unknown").
REFUSED: Mapping[str, str] = {
    "streaming": "streaming payloads are not implemented",
    "requiresLength": "streaming payloads are not implemented",
    "eventstream": "event streams are not implemented",
    "event": "event streams are not implemented",
    "eventpayload": "event streams are not implemented",
    "eventheader": "event streams are not implemented",
    "sparse": "sparse lists and maps (null items kept) are not implemented",
    "contextParam": "endpoint context parameters are not implemented",
    "staticContextParams": "endpoint context parameters are not implemented",
    "operationContextParams": "endpoint context parameters are not implemented",
    "httpChecksum": "flexible checksums are not implemented",
    "unsignedPayload": "unsigned payloads are not implemented",
    "endpointdiscovery": "endpoint discovery is not implemented",
    "endpointoperation": "endpoint discovery is not implemented",
    "awsQueryCompatible": "query-compatible errors are not implemented",
    "checksumFormat": "service-specific checksums are not implemented",
}

LOCATIONS = frozenset(typing.get_args(Location)) - {"body"}
TIMESTAMP_FORMATS = frozenset(typing.get_args(TimestampFormat))
SCALARS = SHAPE_TYPES - {"structure", "list", "map"}
BUILT_IN_PARAMETERS = frozenset(
    {"AWS::Region", "AWS::UseFIPS", "AWS::UseDualStack", "SDK::Endpoint"}
)
PAYLOAD_KINDS = frozenset({"structure", "union", "document", "blob", "string"})


def _unknown(keys: Iterable[str], allowed: Mapping[str, str], where: str) -> list[str]:
    problems = []
    for key in keys:
        if key in allowed:
            continue
        what = REFUSED.get(key, "not a construct this generator knows")
        problems.append(f"{where}: {key!r}: {what}")
    return problems


def _kind(shapes: Mapping[str, Any], name: str) -> str:
    raw = shapes[name]
    if raw.get("document"):
        return "document"
    if raw.get("union"):
        return "union"
    return str(raw.get("type"))


class _Checker:
    def __init__(self, model: Mapping[str, Any], operations: Iterable[str]) -> None:
        self.model = model
        self.shapes: Mapping[str, Any] = model.get("shapes", {})
        self.operations = list(operations)
        self.problems: list[tuple[str | None, str]] = []
        self.current: str | None = None  # the shape being checked, if any
        # shape name -> the top-level roles it has (input/output/error) and whether it
        # is also held by another shape
        self.top_level: set[str] = set()
        self.nested: dict[str, str] = {}

    def _add(self, message: str) -> None:
        self.problems.append((self.current, message))

    def _extend(self, messages: Iterable[str]) -> None:
        for message in messages:
            self._add(message)

    def run(
        self, ruleset: Mapping[str, Any], shape_names: Iterable[str]
    ) -> list[tuple[str | None, str]]:
        self._extend(_unknown(self.model, TOP_LEVEL, "the model file"))
        self.metadata(self.model.get("metadata", {}))
        for name in self.operations:
            self.operation(name, self.model["operations"][name])
        names = list(shape_names)
        for name in names:
            self.current = name
            self.shape(name, self.shapes[name])
        for name in names:
            self.current = name
            self.bindings(name, self.shapes[name])
        self.current = None
        self.ruleset(ruleset)
        return self.problems

    # -- service ------------------------------------------------------------------------

    def metadata(self, metadata: Mapping[str, Any]) -> None:
        add = self._add
        self._extend(_unknown(metadata, METADATA, "metadata"))
        for key in ("apiVersion", "endpointPrefix", "serviceId"):
            if not metadata.get(key):
                add(f"metadata: {key} is missing")
        if metadata.get("protocol") != "rest-json":
            add(f"metadata: protocol {metadata.get('protocol')!r}: only rest-json is implemented")
        protocols = metadata.get("protocols")
        if protocols is not None and (not protocols or protocols[0] != "rest-json"):
            add(f"metadata: protocols {protocols!r}: rest-json must come first")
        if metadata.get("signatureVersion", "v4") != "v4":
            version = metadata["signatureVersion"]
            add(f"metadata: signatureVersion {version!r}: only v4 is implemented")
        auth = metadata.get("auth")
        if auth is not None and (not auth or auth[0] != "aws.auth#sigv4"):
            add(f"metadata: auth {auth!r}: only aws.auth#sigv4 is implemented")
        settings = metadata.get("protocolSettings")
        if settings is not None and settings not in ({"h2": "eventstream"}, {"h2": "optional"}):
            add(f"metadata: protocolSettings {settings!r}: not implemented")

    def ruleset(self, ruleset: Mapping[str, Any]) -> None:
        for name, spec in ruleset.get("parameters", {}).items():
            built_in = spec.get("builtIn")
            if built_in is not None and built_in not in BUILT_IN_PARAMETERS:
                self._add(
                    f"endpoint rule set: parameter {name} (built-in {built_in}): "
                    "only AWS::Region, AWS::UseFIPS, AWS::UseDualStack and SDK::Endpoint "
                    "are implemented"
                )
            elif built_in is None and spec.get("required") and "default" not in spec:
                self._add(
                    f"endpoint rule set: required parameter {name} has no value: endpoint "
                    "context parameters are not implemented"
                )

    # -- operations ---------------------------------------------------------------------

    def operation(self, name: str, op: Mapping[str, Any]) -> None:
        where = f"operation {name}"
        add = self._add
        self._extend(_unknown(op, OPERATION, where))
        self._extend(_unknown(op.get("http", {}), HTTP, f"{where} http"))
        for role in ("input", "output"):
            if role in op:
                self._extend(_unknown(op[role], REFERENCE, f"{where} {role}"))
                self.top_level.add(op[role]["shape"])
        for error in op.get("errors", ()):
            self._extend(_unknown(error, REFERENCE, f"{where} errors"))
            self.top_level.add(error["shape"])
        authtype = op.get("authtype")
        if authtype is not None and authtype != "v4":
            add(f"{where}: authtype {authtype!r}: only v4 is implemented")
        auth = op.get("auth")
        if auth is not None and (not auth or auth[0] != "aws.auth#sigv4"):
            add(f"{where}: auth {auth!r}: only aws.auth#sigv4 is implemented")
        endpoint = op.get("endpoint")
        if endpoint is not None:
            extra = set(endpoint) - {"hostPrefix"}
            if extra:
                add(f"{where}: endpoint {sorted(extra)}: only hostPrefix is implemented")
        self._labels(name, op)
        self._host_labels(name, op)
        self._payload_roles(name, op)

    def _labels(self, name: str, op: Mapping[str, Any]) -> None:
        uri = op.get("http", {}).get("requestUri", "")
        path, _, query = uri.partition("?")
        if "{" in query:
            self._add(f"operation {name}: requestUri {uri!r}: labels in the query")
        labels = []
        for part in path.split("/"):
            if part.startswith("{") and part.endswith("}"):
                labels.append(part[1:-1])
            elif "{" in part or "}" in part:
                self._add(f"operation {name}: requestUri {uri!r}: a label must be a whole segment")
        greedy = [label for label in labels if label.endswith("+")]
        if len(greedy) > 1:
            self._add(f"operation {name}: requestUri {uri!r}: more than one greedy label")
        bound: set[str] = set()
        if "input" in op:
            members = self.shapes[op["input"]["shape"]].get("members", {})
            bound = {
                spec.get("locationName", member)
                for member, spec in members.items()
                if spec.get("location") == "uri"
            }
        names = {label.rstrip("+") for label in labels}
        if names != bound:
            self._add(
                f"operation {name}: uri labels {sorted(names)} != uri members {sorted(bound)}"
            )

    def _host_labels(self, name: str, op: Mapping[str, Any]) -> None:
        prefix = op.get("endpoint", {}).get("hostPrefix")
        members = self.shapes[op["input"]["shape"]].get("members", {}) if "input" in op else {}
        labelled = {m for m, spec in members.items() if spec.get("hostLabel")}
        placeholders = set()
        if prefix is not None:
            rest = prefix
            while "{" in rest:
                start = rest.index("{")
                end = rest.find("}", start)
                if end < 0:
                    self._add(f"operation {name}: hostPrefix {prefix!r} is malformed")
                    return
                placeholders.add(rest[start + 1 : end])
                rest = rest[end + 1 :]
        if placeholders != labelled:
            self._add(
                f"operation {name}: hostPrefix labels {sorted(placeholders)} != hostLabel "
                f"members {sorted(labelled)}"
            )
        for member in labelled:
            if _kind(self.shapes, members[member]["shape"]) != "string":
                self._add(f"{op['input']['shape']}.{member}: hostLabel on a non-string member")

    def _payload_roles(self, name: str, op: Mapping[str, Any]) -> None:
        # uri and querystring members of an output are not part of a response: they are
        # ignored, as botocore does. A status code cannot be sent.
        if "input" in op:
            members = self.shapes[op["input"]["shape"]].get("members", {})
            for member, spec in members.items():
                if spec.get("location") == "statusCode":
                    self._add(f"{op['input']['shape']}.{member}: location 'statusCode' in an input")

    # -- shapes -------------------------------------------------------------------------

    def shape(self, name: str, raw: Mapping[str, Any]) -> None:
        where = f"shape {name}"
        add = self._add
        self._extend(_unknown(raw, SHAPE, where))
        kind = raw.get("type")
        if kind not in SHAPE_TYPES:
            add(f"{where}: type {kind!r}: not implemented")
        if raw.get("document") and kind != "structure":
            add(f"{where}: document on a {kind}")
        fmt = raw.get("timestampFormat")
        if fmt is not None and fmt not in TIMESTAMP_FORMATS:
            add(f"{where}: timestampFormat {fmt!r}: not implemented")
        for role in ("member", "key", "value"):
            if role in raw:
                self._extend(_unknown(raw[role], REFERENCE, f"{where} {role}"))
                self.nested.setdefault(raw[role]["shape"], name)
        if kind == "map" and _kind(self.shapes, raw["key"]["shape"]) != "string":
            add(f"{where}: map keys must be strings")
        for member, spec in raw.get("members", {}).items():
            self.member(name, member, spec)
            self.nested.setdefault(spec["shape"], name)

    def member(self, shape: str, member: str, spec: Mapping[str, Any]) -> None:
        where = f"{shape}.{member}"
        add = self._add
        self._extend(_unknown(spec, MEMBER, where))
        location = spec.get("location")
        if location is not None and location not in LOCATIONS:
            add(f"{where}: location {location!r}: not implemented")
        fmt = spec.get("timestampFormat")
        if fmt is not None and fmt not in TIMESTAMP_FORMATS:
            add(f"{where}: timestampFormat {fmt!r}: not implemented")
        json_name, location_name = spec.get("jsonName"), spec.get("locationName")
        if json_name is not None and location_name is not None and json_name != location_name:
            add(f"{where}: jsonName and locationName differ")
        target = _kind(self.shapes, spec["shape"])
        if spec.get("jsonvalue") and (location not in (None, "header") or target != "string"):
            add(f"{where}: jsonvalue is implemented for string headers and body members only")

    def bindings(self, name: str, raw: Mapping[str, Any]) -> None:
        """Where members travel: rules that need the whole model."""
        members: Mapping[str, Any] = raw.get("members", {})
        located = [m for m, spec in members.items() if "location" in spec]
        if located and name in self.nested and not raw.get("exception"):
            self._add(
                f"shape {name}: binds {located[0]} to location "
                f"{members[located[0]]['location']!r} but is also used inside "
                f"{self.nested[name]}, where that binding cannot apply"
            )
        for member, spec in members.items():
            self._binding(f"{name}.{member}", spec)
        payload = raw.get("payload")
        if payload is not None:
            self._payload(name, payload, members)

    def _binding(self, where: str, spec: Mapping[str, Any]) -> None:
        location = spec.get("location")
        target_name = spec["shape"]
        target = _kind(self.shapes, target_name)
        add = self._add
        if location in ("uri", "querystring", "header") and target in SCALARS:
            return
        if location == "header" and target == "list":
            item = _kind(self.shapes, self.shapes[target_name]["member"]["shape"])
            if item not in SCALARS or item == "blob":
                add(f"{where}: a header list of {item} is not implemented")
        elif location == "querystring" and target == "list":
            item = _kind(self.shapes, self.shapes[target_name]["member"]["shape"])
            if item not in SCALARS:
                add(f"{where}: a query list of {item} is not implemented")
        elif location == "querystring" and target == "map":
            value_name = self.shapes[target_name]["value"]["shape"]
            value = _kind(self.shapes, value_name)
            if value == "list":
                value = _kind(self.shapes, self.shapes[value_name]["member"]["shape"])
            if value != "string":
                add(f"{where}: a query map of {value} values is not implemented")
        elif location == "headers":
            value = (
                _kind(self.shapes, self.shapes[target_name]["value"]["shape"])
                if target == "map"
                else target
            )
            if target != "map" or value != "string":
                add(f"{where}: prefix headers must be a map of strings")
        elif location == "statusCode":
            if target not in ("integer", "long"):
                add(f"{where}: statusCode on a {target}")
        elif location is not None:
            add(f"{where}: a {target} bound to {location!r} is not implemented")

    def _payload(self, name: str, payload: str, members: Mapping[str, Any]) -> None:
        add = self._add
        if payload not in members:
            add(f"shape {name}: payload {payload!r} is not a member")
            return
        kind = _kind(self.shapes, members[payload]["shape"])
        if kind not in PAYLOAD_KINDS:
            add(f"shape {name}: payload {payload!r} is a {kind}: not implemented")
        others = [m for m, spec in members.items() if m != payload and "location" not in spec]
        if others:
            add(f"shape {name}: payload {payload!r} next to body members {others}")
        if "location" in members[payload]:
            add(f"shape {name}: payload {payload!r} also bound to a location")


def check(
    model: Mapping[str, Any],
    operations: Iterable[str],
    shapes: Iterable[str],
    ruleset: Mapping[str, Any],
) -> list[tuple[str | None, str]]:
    """Return one message per construct of the model the runtime does not implement.

    Each message comes with the shape it is about (``None`` for service and operation
    messages), so that the caller can say which operations use it.

    Args:
        model: The parsed ``service-2.json``.
        operations: The operations to generate (the excluded ones left out).
        shapes: The shapes those operations reach.
        ruleset: The parsed endpoint rule set.
    """
    return _Checker(model, operations).run(ruleset, shapes)
