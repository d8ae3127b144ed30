"""Load the model files and turn them into the generator's intermediate representation.

The IR is plain frozen data with every naming decision already taken, so renderers only
format it. Model constructs the runtime does not implement stop the generator (see
:mod:`microvm_sdk_codegen.constructs`) rather than producing something subtly wrong.

A model folder holds botocore's files, plain (``service-2.json``) or compressed as
botocore ships them (``service-2.json.gz``), and optionally our ``overrides.json``.
Operations listed under ``exclude_operations`` in the overrides (each with a reason) are
left out, with the shapes only they use.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from microvm_sdk._core import errors as runtime_errors
from microvm_sdk._core.errors import ServiceError, ServiceErrorOptions
from microvm_sdk_codegen import constructs, naming
from microvm_sdk_codegen.docs import python_docs, to_text

MODEL_FILES = (
    "service-2.json",
    "paginators-1.json",
    "endpoint-rule-set-1.json",
    "waiters-2.json",
)
OVERRIDES = "overrides.json"
ERROR_ATTRIBUTES = (
    frozenset(ServiceErrorOptions.__annotations__)
    | {name for name in dir(ServiceError) if not name.startswith("_")}
) - {"message"}
"""Names every error class already has (``code``, ``retry_after``, ``modeled_fields``,
...): an error member that would take one gets a trailing ``_`` (``code_``). ``message``
is the error's message."""
BASE_ERROR_NAMES = frozenset(
    name
    for name, value in vars(runtime_errors).items()
    if isinstance(value, type) and issubclass(value, Exception)
)
"""The runtime's exception classes, which every generated errors module imports."""
JSON_VALUE_SUFFIX = ".jsonvalue"
"""Suffix of the document shape a ``jsonvalue`` member is given (``String.jsonvalue``).

The model marks a header member ``jsonvalue`` on a string shape: its value is any JSON
value, sent as base64 JSON. The IR gives such a member a document target of its own, so
that every later stage sees a document in a header. A shape name never holds a dot, so
the name cannot clash with a model shape. (A ``jsonvalue`` body member stays a string
holding JSON text, as botocore sends it.)
"""


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
    timestamp_format: str | None = None
    host_label: bool = False


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
    payload: str | None = None
    class_name: str = ""
    """The Python name of the shape's class: the model name, with ``_`` after a Python
    keyword (``None_``). Set by the loader."""

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
    host_prefix: str | None = None
    checksum_required: bool = False


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
    package: str = "microvm_sdk"
    excluded: dict[str, str] = field(default_factory=dict)
    excluded_paginators: dict[str, str] = field(default_factory=dict)
    wire_docs: ServiceIR | None = None
    """The same service with the model's own prose (wire names and JSON forms, what the
    command line takes), when ``docs.python_docs`` rewrote the prose for the Python API."""


def _read(path: Path) -> tuple[bytes, Any]:
    """The bytes and parsed JSON of ``path`` or ``path.gz`` (``b"", {}`` when neither exists)."""
    if path.exists():
        data = path.read_bytes()
    elif path.with_name(path.name + ".gz").exists():
        data = gzip.decompress(path.with_name(path.name + ".gz").read_bytes())
    else:
        return b"", {}
    return data, json.loads(data)


def load(
    folder: Path,
    source_label: str,
    *,
    overrides: Path | None = None,
    package: str = "microvm_sdk",
) -> ServiceIR:
    """Read the model folder and build the IR.

    Args:
        folder: The folder with ``service-2.json`` and its companions.
        source_label: How generated files name the folder in their header.
        overrides: Our overrides file; ``folder/overrides.json`` when not given.
        package: The Python package the generated modules will form.

    Raises:
        ModelError: The model is inconsistent, or uses a construct the runtime does not
            implement (every such construct is named).
    """
    digest = hashlib.sha256()
    loaded: dict[str, Any] = {}
    for name in MODEL_FILES:
        raw, parsed = _read(folder / name)
        digest.update(name.encode() + b"\0" + raw + b"\0")
        loaded[name] = parsed
    raw, loaded[OVERRIDES] = _read(overrides or folder / OVERRIDES)
    digest.update(OVERRIDES.encode() + b"\0" + raw + b"\0")
    model = loaded["service-2.json"]
    if not model:
        raise ModelError(f"no service-2.json in {folder}")
    settings = loaded[OVERRIDES]
    service = _build(model, loaded, settings, digest.hexdigest()[:12], source_label)
    if package != service.package:
        service = _with_package(service, package)
    return python_docs(service, settings.get("docs", {}))


def _with_package(service: ServiceIR, package: str) -> ServiceIR:
    return replace(service, package=package)


def reachable(shapes: Mapping[str, Any], roots: Iterable[str]) -> list[str]:
    """Every shape reachable from ``roots`` (roots included), sorted."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        raw = shapes[name]
        todo.extend(spec["shape"] for spec in raw.get("members", {}).values())
        todo.extend(raw[role]["shape"] for role in ("member", "key", "value") if role in raw)
    return sorted(seen)


def _operation_roots(operations: Mapping[str, Any], names: Iterable[str]) -> list[str]:
    roots: list[str] = []
    for name in names:
        op = operations[name]
        roots.extend(op[role]["shape"] for role in ("input", "output") if role in op)
        roots.extend(error["shape"] for error in op.get("errors", ()))
    return roots


def _exclusions(
    overrides: Mapping[str, Any], operations: Mapping[str, Any], key: str = "exclude_operations"
) -> dict[str, str]:
    excluded: dict[str, str] = {}
    for name, spec in overrides.get(key, {}).items():
        if name not in operations:
            raise ModelError(f"overrides.json {key} names unknown operation {name!r}")
        reason = spec.get("reason") if isinstance(spec, Mapping) else None
        if not reason:
            raise ModelError(f"overrides.json {key}: {name} has no reason")
        excluded[name] = str(reason)
    return excluded


PAGINATOR_ARGUMENTS = frozenset({"page_size", "max_items", "starting_token"})
"""The arguments every ``paginate_*`` method has besides the operation's input."""


def _paginators(
    data: Mapping[str, Any],
    operations: Mapping[str, OperationIR],
    shapes: Mapping[str, ShapeIR],
    skipped: Mapping[str, str],
) -> dict[str, PaginatorIR]:
    """The paginators the paginator engine can run; any other stops generation, unless
    ``exclude_paginators`` lists it (with a reason)."""
    paginators = {}
    hint = "; exclude_paginators in overrides.json leaves it out"
    for op_name, spec in sorted(data.get("pagination", {}).items()):
        if op_name not in operations or op_name in skipped:
            continue  # the operation is excluded, or the paginator is
        for key in ("input_token", "output_token", "result_key"):
            if not isinstance(spec.get(key), str):
                raise ModelError(f"paginator {op_name}: only single {key} is supported{hint}")
        if spec.get("more_results") or spec.get("non_aggregate_keys"):
            raise ModelError(
                f"paginator {op_name}: more_results/non_aggregate_keys unsupported{hint}"
            )
        op = operations[op_name]
        output = shapes[op.output or ""] if op.output else None
        result = (
            next((m for m in output.members if m.model_name == spec["result_key"]), None)
            if output
            else None
        )
        if result is None or shapes[result.target].kind != "list":
            raise ModelError(
                f"paginator {op_name}: result_key {spec['result_key']!r} is not a list "
                f"member of the output{hint}"
            )
        kept = {
            m.name
            for m in (shapes[op.input].members if op.input else ())
            if m.model_name not in (spec["input_token"], spec.get("limit_key"))
        }
        clash = sorted(kept & PAGINATOR_ARGUMENTS)
        if clash:
            raise ModelError(
                f"paginator {op_name}: input member {clash[0]!r} has the name of a paginator "
                f"argument; add a python_names override{hint}"
            )
        paginators[op_name] = PaginatorIR(
            op_name,
            spec["input_token"],
            spec["output_token"],
            spec.get("limit_key"),
            spec["result_key"],
        )
    return paginators


def _build(
    model: dict[str, Any],
    loaded: dict[str, Any],
    overrides: dict[str, Any],
    source_hash: str,
    source_label: str,
) -> ServiceIR:
    metadata = model["metadata"]
    name_overrides = {k: v["name"] for k, v in overrides.get("python_names", {}).items()}
    shape_patches: dict[str, Any] = overrides.get("shapes", {})
    raw_shapes: dict[str, Any] = model["shapes"]
    for patched in shape_patches:
        if patched not in raw_shapes:
            raise ModelError(f"overrides.json patches unknown shape {patched!r}")
    excluded = _exclusions(overrides, model["operations"])
    included = sorted(set(model["operations"]) - set(excluded))
    used = reachable(raw_shapes, _operation_roots(model["operations"], included))
    ruleset = loaded["endpoint-rule-set-1.json"]
    problems = constructs.check(model, included, used, ruleset)
    if problems:
        raise ModelError(_refusal(problems, raw_shapes, model["operations"], included))
    taken = set(raw_shapes)
    shapes: dict[str, ShapeIR] = {}
    for shape_name in used:
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
    _add_json_value_shapes(shapes)
    operations = {}
    for op_name in included:
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
            host_prefix=op.get("endpoint", {}).get("hostPrefix"),
            checksum_required=bool(op.get("httpChecksumRequired")),
        )
        for role in (operations[op_name].input, operations[op_name].output):
            if role and shapes[role].class_name != role:
                raise ModelError(f"operation {op_name}: shape {role} is a Python keyword")
    skipped = _exclusions(overrides, model["operations"], key="exclude_paginators")
    paginators = _paginators(loaded["paginators-1.json"], operations, shapes, skipped)
    return ServiceIR(
        metadata=metadata,
        doc=to_text(model.get("documentation")),
        shapes=shapes,
        operations=operations,
        paginators=paginators,
        waiters=loaded["waiters-2.json"],
        ruleset=ruleset,
        source_hash=source_hash,
        source_dir=source_label,
        waiter_methods=_waiter_methods(loaded["waiters-2.json"], overrides, operations),
        excluded=excluded,
        excluded_paginators=skipped,
    )


def _refusal(
    problems: list[tuple[str | None, str]],
    shapes: Mapping[str, Any],
    operations: Mapping[str, Any],
    included: list[str],
) -> str:
    """The message listing every refused construct, with the operations that use it."""
    users: dict[str, list[str]] = {}
    for op in included:
        for used in reachable(shapes, _operation_roots(operations, [op])):
            users.setdefault(used, []).append(op)
    lines = ["the model uses constructs the runtime does not implement:"]
    for subject, message in problems:
        ops = users.get(subject, []) if subject else []
        used_by = f" (used by {', '.join(ops[:5])}{', ...' if len(ops) > 5 else ''})"
        lines.append(f"  - {message}{used_by if ops else ''}")
    lines.append(
        "Implement them in microvm_sdk._core and the generator, or leave the operations "
        "that use them out (exclude_operations in overrides.json, with a reason)."
    )
    return "\n".join(lines)


def _add_json_value_shapes(shapes: dict[str, ShapeIR]) -> None:
    """Add the document twin of each ``jsonvalue`` member's target (see JSON_VALUE_SUFFIX)."""
    twins = {m.target for s in shapes.values() for m in s.members}
    for twin in sorted(t for t in twins if t.endswith(JSON_VALUE_SUFFIX)):
        string = shapes[twin.removesuffix(JSON_VALUE_SUFFIX)]
        shapes[twin] = ShapeIR(
            name=twin, kind="document", sensitive=string.sensitive, class_name=twin
        )


def _waiter_methods(
    waiters: dict[str, Any], overrides: dict[str, Any], operations: dict[str, OperationIR]
) -> dict[str, str]:
    names: dict[str, str] = dict(overrides.get("waiter_methods", {}).get("names", {}))
    for name, spec in waiters.get("waiters", {}).items():
        if spec["operation"] not in operations:
            raise ModelError(
                f"waiter {name} polls unknown or excluded operation {spec['operation']!r}"
            )
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
    kind = "document" if raw.get("document") else raw["type"]
    required = set(raw.get("required", []))
    required |= set(patch.get("required_add", []))
    required -= set(patch.get("required_remove", []))
    is_union = bool(raw.get("union"))
    members = []
    payload = raw.get("payload")
    for model_name, spec in raw.get("members", {}).items():
        location = spec.get("location")
        if location:
            wire_name = spec.get("locationName", model_name)
        else:
            wire_name = spec.get("locationName", spec.get("jsonName", model_name))
        # In a header a jsonvalue is any JSON value; in a body it stays a string of JSON
        # text, as botocore sends it.
        json_value = spec.get("jsonvalue") and location == "header"
        target = spec["shape"] + (JSON_VALUE_SUFFIX if json_value else "")
        python_name = naming.snake(model_name, name_overrides)
        if raw.get("exception") and python_name in ERROR_ATTRIBUTES:
            python_name += "_"  # every error has ``code``, ``retry_after``, ...
        members.append(
            MemberIR(
                model_name=model_name,
                name=python_name,
                wire_name=wire_name,
                target=target,
                location=location or "body",
                required=model_name in required and not is_union,
                idempotency_token=bool(spec.get("idempotencyToken")),
                doc=to_text(spec.get("documentation")),
                variant_class=naming.variant_class_name(name, model_name, taken)
                if is_union
                else None,
                timestamp_format=spec.get("timestampFormat"),
                host_label=bool(spec.get("hostLabel")),
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
        payload=next((m.name for m in members if m.model_name == payload), None),
        class_name=naming.class_name(name, taken, BASE_ERROR_NAMES),
    )
