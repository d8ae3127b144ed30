"""Render ``microvm_sdk/_waiters.py``: the waiter specs of ``waiters-2.json`` as data."""

from __future__ import annotations

from microvm_sdk._core.waiter import FailureReason, WaiterSpec, load_waiters
from microvm_sdk_codegen.ir import ModelError, ServiceIR


def _check_failure_reason(service: ServiceIR, spec: WaiterSpec) -> None:
    """Refuse follow-up calls the model cannot make: unknown operations or input members."""
    reason = spec.failure_reason
    if reason is None:
        return
    for lookup in reason.lookups:
        where = f"waiters-2.json: {spec.name}.failureReason"
        operation = service.operations.get(lookup.operation)
        if operation is None:
            raise ModelError(f"{where} calls unknown operation {lookup.operation!r}")
        shape = service.shapes[operation.input] if operation.input else None
        members = {m.model_name for m in shape.members} if shape is not None else set()
        for member, _ in lookup.params:
            if member not in members:
                raise ModelError(f"{where}: {lookup.operation} has no input member {member!r}")


def _failure_reason(reason: FailureReason | None) -> str:
    if reason is None:
        return "None"
    lookups = "".join(
        f"FailureLookup(operation={lookup.operation!r}, params={lookup.params!r}, "
        f"reasons={lookup.reasons!r}, message={lookup.message!r}), "
        for lookup in reason.lookups
    )
    return f"FailureReason(when={reason.when!r}, lookups=({lookups}), prefix={reason.prefix!r})"


def render(service: ServiceIR) -> str:
    try:
        specs = load_waiters(service.waiters) if service.waiters else {}
    except ValueError as exc:
        raise ModelError(f"waiters-2.json: {exc}") from exc
    for spec in specs.values():
        _check_failure_reason(service, spec)
    out = [
        '"""Waiter specifications from ``waiters-2.json``, as data for the waiter engine."""\n\n',
        "from __future__ import annotations\n\n",
        "from microvm_sdk._core.waiter import (\n    Acceptor,\n    FailureLookup,\n"
        "    FailureReason,\n    WaiterSpec,\n)\n\n",
        "WAITERS: dict[str, WaiterSpec] = {\n",
    ]
    for name, spec in specs.items():
        acceptors = "".join(
            f"Acceptor(state={a.state!r}, matcher={a.matcher!r}, expected={a.expected!r}, "
            f"argument={a.argument!r}), "
            for a in spec.acceptors
        )
        out.append(
            f"    {name!r}: WaiterSpec(name={name!r}, operation={spec.operation!r}, "
            f"delay={spec.delay!r}, max_attempts={spec.max_attempts!r}, "
            f"acceptors=({acceptors}), min_delay={spec.min_delay!r}, "
            f"max_delay={spec.max_delay!r}, max_wait_time={spec.max_wait_time!r}, "
            f"not_found_grace={spec.not_found_grace!r}, description={spec.description!r}, "
            f"failure_reason={_failure_reason(spec.failure_reason)}),\n"
        )
    out.append("}\n")
    return "".join(out)
