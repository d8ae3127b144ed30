"""Render ``microvm_sdk/_waiters.py`` (placeholder until the waiter engine lands)."""

from __future__ import annotations

from microvm_sdk_codegen.ir import ServiceIR


def render(service: ServiceIR) -> str:
    return '"""Waiter specifications from ``waiters-2.json``."""\n'
