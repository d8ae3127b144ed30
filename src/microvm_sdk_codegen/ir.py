"""Load the model files and turn them into the generator's intermediate representation.

The IR is plain frozen data with every naming decision already taken, so renderers only
format it. Unsupported model features stop the generator with an error rather than
producing something subtly wrong.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from microvm_sdk_codegen import naming
from microvm_sdk_codegen.docs import python_docs, to_text

SUPPORTED_KINDS = {
    "structure",
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
}
SUPPORTED_LOCATIONS = {None, "uri", "querystring", "header"}
MODEL_FILES = (
    "service-2.json",
    "paginators-1.json",
    "endpoint-rule-set-1.json",
    "waiters-2.json",
    "overrides.json",
)


class ModelError(Exception):
    """The model uses something the generator does not support, or is inconsistent."""


@dataclass(frozen=True)
class MemberIR:
    model_name: str
    name: str
    wire_name: str
    target: str
    location: str
    required: bool
    idempotency_token: bool
    doc: str
    variant_class: str | None = None


@dataclass(frozen=True)
class ErrorIR:
    code: str
    http_status: int
    fault: str
    retryable: bool
    throttling: bool


@dataclass(frozen=True)
class ShapeIR:
    name: str
    kind: str
    doc: str = ""
    members: tuple[MemberIR, ...] = ()
    member: str | None = None
    key: str | None = None
    value: str | None = None
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    enum: tuple[str, ...] = ()
    sensitive: bool = False
    timestamp_format: str | None = None
    error: ErrorIR | None = None
    unknown_class: str | None = None

    @property
    def is_class(self) -> bool:
        return self.kind in {"structure", "union"} and self.error is None


@dataclass(frozen=True)
class OperationIR:
    name: str
    python_name: str
    method: str
    uri: str
    success_code: int
    input: str | None
    output: str | None
    errors: tuple[str, ...]
    doc: str


@dataclass(frozen=True)
class PaginatorIR:
    operation: str
    input_token: str
    output_token: str
    limit_key: str | None
    result_key: str


@dataclass(frozen=True)
class ServiceIR:
    metadata: dict[str, Any]
    doc: str
    shapes: dict[str, ShapeIR]
    operations: dict[str, OperationIR]
    paginators: dict[str, PaginatorIR]
    waiters: dict[str, Any]
    ruleset: dict[str, Any]
    source_hash: str
    source_dir: str
    waiter_methods: dict[str, str] = field(default_factory=dict)


def _read(folder: Path, name: str) -> tuple[bytes, Any]:
    path = folder / name
    if not path.exists():
        return b"", {}
    data = path.read_bytes()
    return data, json.loads(data)


def load(folder: Path, source_label: str) -> ServiceIR:
    """Read the model folder and build the IR."""
    digest = hashlib.sha256()
    loaded: dict[str, Any] = {}
    for name in MODEL_FILES:
        raw, parsed = _read(folder, name)
        digest.update(name.encode() + b"\0" + raw + b"\0")
        loaded[name] = parsed
    model = loaded["service-2.json"]
    if not model:
        raise ModelError(f"no service-2.json in {folder}")
    overrides = loaded["overrides.json"]
    service = _build(model, loaded, overrides, digest.hexdigest()[:12], source_label)
    return python_docs(service, overrides.get("docs", {}))


def _build(
    model: dict[str, Any],
    loaded: dict[str, Any],
    overrides: dict[str, Any],
    source_hash: str,
    source_label: str,
) -> ServiceIR:
    metadata = model["metadata"]
    if metadata.get("protocol") != "rest-json":
        raise ModelError(f"unsupported protocol {metadata.get('protocol')!r}")
    name_overrides = {k: v["name"] for k, v in overrides.get("python_names", {}).items()}
    shape_patches: dict[str, Any] = overrides.get("shapes", {})
    raw_shapes: dict[str, Any] = model["shapes"]
    for patched in shape_patches:
        if patched not in raw_shapes:
            raise ModelError(f"overrides.json patches unknown shape {patched!r}")
    taken = set(raw_shapes)
    shapes: dict[str, ShapeIR] = {}
    for shape_name in sorted(raw_shapes):
        try:
            shapes[shape_name] = _shape(
                shape_name,
                raw_shapes[shape_name],
                shape_patches.get(shape_name, {}),
                name_overrides,
                taken,
            )
        except ValueError as exc:  # a naming rule could not produce a free name
            raise ModelError(str(exc)) from exc
        if shapes[shape_name].unknown_class:
            taken.add(shapes[shape_name].unknown_class or "")
        for member in shapes[shape_name].members:
            if member.variant_class:
                taken.add(member.variant_class)
    operations = {}
    for op_name in sorted(model["operations"]):
        op = model["operations"][op_name]
        http = op["http"]
        operations[op_name] = OperationIR(
            name=op_name,
            python_name=naming.snake(op_name, name_overrides),
            method=http["method"],
            uri=http["requestUri"],
            success_code=int(http.get("responseCode", 200)),
            input=op.get("input", {}).get("shape"),
            output=op.get("output", {}).get("shape"),
            errors=tuple(e["shape"] for e in op.get("errors", [])),
            doc=to_text(op.get("documentation")),
        )
        _check_uri(operations[op_name], shapes)
    paginators = {}
    for op_name, spec in sorted(loaded["paginators-1.json"].get("pagination", {}).items()):
        for key in ("input_token", "output_token", "result_key"):
            if not isinstance(spec.get(key), str):
                raise ModelError(f"paginator {op_name}: only single {key} is supported")
        if spec.get("more_results") or spec.get("non_aggregate_keys"):
            raise ModelError(f"paginator {op_name}: more_results/non_aggregate_keys unsupported")
        paginators[op_name] = PaginatorIR(
            op_name,
            spec["input_token"],
            spec["output_token"],
            spec.get("limit_key"),
            spec["result_key"],
        )
    return ServiceIR(
        metadata=metadata,
        doc=to_text(model.get("documentation")),
        shapes=shapes,
        operations=operations,
        paginators=paginators,
        waiters=loaded["waiters-2.json"],
        ruleset=loaded["endpoint-rule-set-1.json"],
        source_hash=source_hash,
        source_dir=source_label,
        waiter_methods=_waiter_methods(loaded["waiters-2.json"], overrides, operations),
    )


def _waiter_methods(
    waiters: dict[str, Any], overrides: dict[str, Any], operations: dict[str, OperationIR]
) -> dict[str, str]:
    names: dict[str, str] = dict(overrides.get("waiter_methods", {}).get("names", {}))
    for name, spec in waiters.get("waiters", {}).items():
        if spec["operation"] not in operations:
            raise ModelError(f"waiter {name} polls unknown operation {spec['operation']!r}")
        names.setdefault(name, "wait_until_" + naming.snake(name, {}))
    unknown = set(names) - set(waiters.get("waiters", {}))
    if unknown:
        raise ModelError(f"overrides.json names unknown waiters: {sorted(unknown)}")
    return {name: names[name] for name in waiters.get("waiters", {})}


def _shape(
    name: str,
    raw: dict[str, Any],
    patch: dict[str, Any],
    name_overrides: dict[str, str],
    taken: set[str],
) -> ShapeIR:
    kind = raw["type"]
    if kind not in SUPPORTED_KINDS:
        raise ModelError(f"shape {name}: unsupported type {kind!r}")
    for unsupported in ("document", "eventstream", "streaming", "event", "xmlNamespace"):
        if raw.get(unsupported):
            raise ModelError(f"shape {name}: unsupported trait {unsupported!r}")
    required = set(raw.get("required", []))
    required |= set(patch.get("required_add", []))
    required -= set(patch.get("required_remove", []))
    is_union = bool(raw.get("union"))
    members = []
    for model_name, spec in raw.get("members", {}).items():
        location = spec.get("location")
        if location not in SUPPORTED_LOCATIONS:
            raise ModelError(f"{name}.{model_name}: unsupported location {location!r}")
        if spec.get("jsonvalue") or spec.get("hostLabel") or spec.get("eventpayload"):
            raise ModelError(f"{name}.{model_name}: unsupported member trait")
        if "payload" in raw:
            raise ModelError(f"{name}: explicit payload members are unsupported")
        members.append(
            MemberIR(
                model_name=model_name,
                name=naming.snake(model_name, name_overrides),
                wire_name=spec.get("locationName", model_name)
                if location
                else spec.get("jsonName", model_name),
                target=spec["shape"],
                location=location or "body",
                required=model_name in required and not is_union,
                idempotency_token=bool(spec.get("idempotencyToken")),
                doc=to_text(spec.get("documentation")),
                variant_class=naming.variant_class_name(name, model_name, taken)
                if is_union
                else None,
            )
        )
    seen: dict[str, str] = {}
    for member in members:
        if member.name in seen:
            raise ModelError(
                f"{name}: members {seen[member.name]} and {member.model_name} "
                f"both become {member.name!r}; add a python_names override"
            )
        seen[member.name] = member.model_name
    if raw.get("enum"):
        by_name: dict[str, str] = {}
        for value in raw["enum"]:
            python_name = naming.enum_member_name(value)
            if python_name in by_name:
                raise ModelError(
                    f"enum {name}: values {by_name[python_name]!r} and {value!r} "
                    f"both become {python_name}"
                )
            by_name[python_name] = value
    error = None
    if raw.get("exception"):
        err = raw.get("error", {})
        retryable = raw.get("retryable")
        error = ErrorIR(
            code=err.get("code", name),
            http_status=int(err.get("httpStatusCode", 500 if raw.get("fault") else 400)),
            fault="server" if raw.get("fault") else "client",
            retryable=retryable is not None,
            throttling=bool(retryable and retryable.get("throttling")),
        )
    return ShapeIR(
        name=name,
        kind="union" if is_union else kind,
        doc=to_text(raw.get("documentation")),
        members=tuple(members),
        member=raw.get("member", {}).get("shape"),
        key=raw.get("key", {}).get("shape"),
        value=raw.get("value", {}).get("shape"),
        min=raw.get("min"),
        max=raw.get("max"),
        pattern=raw.get("pattern"),
        enum=tuple(raw.get("enum", ())),
        sensitive=bool(raw.get("sensitive")),
        timestamp_format=raw.get("timestampFormat"),
        error=error,
        unknown_class=naming.unknown_class_name(name, taken) if is_union else None,
    )


def _check_uri(op: OperationIR, shapes: dict[str, ShapeIR]) -> None:
    labels = set()
    for part in op.uri.split("?")[0].split("/"):
        if part.startswith("{") and part.endswith("}"):
            labels.add(part[1:-1].rstrip("+"))
    if "?" in op.uri:
        raise ModelError(f"{op.name}: literal query strings in requestUri are unsupported")
    bound = set()
    if op.input:
        bound = {m.wire_name for m in shapes[op.input].members if m.location == "uri"}
    if labels != bound:
        raise ModelError(f"{op.name}: uri labels {sorted(labels)} != uri members {sorted(bound)}")
