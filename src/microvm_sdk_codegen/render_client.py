"""Render ``microvm_sdk/client.py`` (placeholder)."""

from __future__ import annotations

from microvm_sdk_codegen.ir import ServiceIR


def render(service: ServiceIR) -> str:
    return '"""The Lambda MicroVMs client."""\n'
