"""Render ``microvm_sdk/_waiters.py``: the waiter specs of ``waiters-2.json`` as data."""

from __future__ import annotations

from microvm_sdk._core.waiter import load_waiters
from microvm_sdk_codegen.ir import ModelError, ServiceIR


def render(service: ServiceIR) -> str:
    try:
        specs = load_waiters(service.waiters) if service.waiters else {}
    except ValueError as exc:
        raise ModelError(f"waiters-2.json: {exc}") from exc
    out = [
        '"""Waiter specifications from ``waiters-2.json``, as data for the waiter engine."""\n\n',
        "from __future__ import annotations\n\n",
        "from microvm_sdk._core.waiter import Acceptor, WaiterSpec\n\n",
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
            f"not_found_grace={spec.not_found_grace!r}, description={spec.description!r}),\n"
        )
    out.append("}\n")
    return "".join(out)
