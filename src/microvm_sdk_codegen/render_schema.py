"""Render ``microvm_sdk/_schema.py`` (shapes, operations, paginators) and ``_endpoint_rules.py``."""

from __future__ import annotations

import pprint

from microvm_sdk_codegen.ir import MemberIR, OperationIR, ServiceIR, ShapeIR
from microvm_sdk_codegen.types import is_enum


def _num(value: float | None) -> str:
    return "None" if value is None else repr(value)


def _member(member: MemberIR) -> str:
    parts = [
        f"name={member.name!r}",
        f"model_name={member.model_name!r}",
        f"wire_name={member.wire_name!r}",
        f"target={member.target!r}",
    ]
    if member.location != "body":
        parts.append(f"location={member.location!r}")
    if member.required:
        parts.append("required=True")
    if member.idempotency_token:
        parts.append("idempotency_token=True")
    if member.variant_class:
        parts.append(f"variant=models.{member.variant_class}")
    if member.timestamp_format:
        parts.append(f"timestamp_format={member.timestamp_format!r}")
    if member.host_label:
        parts.append("host_label=True")
    return f"Member({', '.join(parts)})"


def _shape(shape: ShapeIR) -> str:
    parts = [f"name={shape.name!r}", f"kind={shape.kind!r}"]
    if shape.members:
        members = "".join(f"{_member(m)}, " for m in shape.members)
        parts.append(f"members=({members})")
    for attr in ("member", "key", "value", "pattern", "timestamp_format"):
        value = getattr(shape, attr)
        if value is not None:
            parts.append(f"{attr}={value!r}")
    if shape.min is not None:
        parts.append(f"min={_num(shape.min)}")
    if shape.max is not None:
        parts.append(f"max={_num(shape.max)}")
    if shape.enum:
        parts.append(f"enum={shape.enum!r}")
    if shape.sensitive:
        parts.append("sensitive=True")
    if shape.error:
        err = shape.error
        parts.append(
            f"error=ErrorInfo(code={err.code!r}, http_status={err.http_status}, "
            f"fault={err.fault!r}, retryable={err.retryable}, throttling={err.throttling})"
        )
        parts.append(f"cls=errors.{shape.class_name}")
    elif (shape.is_class and shape.kind == "structure") or is_enum(shape):
        parts.append(f"cls=models.{shape.class_name}")
    if shape.unknown_class:
        parts.append(f"unknown_cls=models.{shape.unknown_class}")
    if shape.payload:
        parts.append(f"payload={shape.payload!r}")
    return f"Shape({', '.join(parts)})"


def _operation(op: OperationIR) -> str:
    parts = [
        f"name={op.name!r}",
        f"python_name={op.python_name!r}",
        f"method={op.method!r}",
        f"uri={op.uri!r}",
        f"success_code={op.success_code}",
        f"input={op.input!r}",
        f"output={op.output!r}",
        f"errors={op.errors!r}",
    ]
    if op.host_prefix is not None:
        parts.append(f"host_prefix={op.host_prefix!r}")
    if op.checksum_required:
        parts.append("checksum_required=True")
    return f"Operation({', '.join(parts)})"


def render(service: ServiceIR) -> str:
    meta = service.metadata
    env_name = meta["serviceId"].upper().replace(" ", "_").replace("-", "_")
    service_name = meta.get("uid", "").rsplit("-", 3)[0] if meta.get("uid") else meta["serviceId"]
    package = service.package
    out = [
        '"""The service model as data for the runtime: shapes, operations, paginators."""\n\n',
        "from __future__ import annotations\n\n",
        f"from {package} import errors, models\n",
        "from microvm_sdk._core.schema import (\n    ErrorInfo,\n    Member,\n    Operation,\n"
        "    Paginator,\n    ServiceSchema,\n    Shape,\n)\n",
        f"from {package}._endpoint_rules import RULESET\n\n",
        "SHAPES: dict[str, Shape] = {\n",
    ]
    out.extend(f"    {name!r}: {_shape(shape)},\n" for name, shape in service.shapes.items())
    out.append("}\n\nOPERATIONS: dict[str, Operation] = {\n")
    out.extend(f"    {name!r}: {_operation(op)},\n" for name, op in service.operations.items())
    out.append("}\n\nPAGINATORS: dict[str, Paginator] = {\n")
    for name, pag in service.paginators.items():
        out.append(
            f"    {name!r}: Paginator(operation={name!r}, input_token={pag.input_token!r}, "
            f"output_token={pag.output_token!r}, limit_key={pag.limit_key!r}, "
            f"result_key={pag.result_key!r}),\n"
        )
    out.append("}\n\n")
    if service.excluded:
        out.append("EXCLUDED_OPERATIONS: dict[str, str] = {\n")
        out.extend(f"    {n!r}: {r!r},\n" for n, r in sorted(service.excluded.items()))
        out.append('}\n"""Operations of the model left out, with the reason."""\n\n')
    out.append(
        "SCHEMA = ServiceSchema(\n"
        f"    service_id={meta['serviceId']!r},\n"
        f"    service_name={service_name!r},\n"
        f"    api_version={meta['apiVersion']!r},\n"
        f"    protocol={meta['protocol']!r},\n"
        f"    signing_name={meta.get('signingName', meta['endpointPrefix'])!r},\n"
        f"    endpoint_prefix={meta['endpointPrefix']!r},\n"
        f"    env_name={env_name!r},\n"
        "    shapes=SHAPES,\n    operations=OPERATIONS,\n    paginators=PAGINATORS,\n"
        "    endpoint_ruleset=RULESET,\n)\n"
        '"""The whole service, as ``microvm_sdk._core`` reads it."""\n'
    )
    return "".join(out)


def render_rules(service: ServiceIR) -> str:
    body = pprint.pformat(service.ruleset, width=96, sort_dicts=False)
    return (
        '"""The endpoint rule set of the service (``endpoint-rule-set-1.json``) as data."""\n\n'
        "from __future__ import annotations\n\n"
        "from typing import Any\n\n"
        f"RULESET: dict[str, Any] = {body}\n"
    )
