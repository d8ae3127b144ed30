"""``repr`` helpers that hide sensitive values (attrs ``field(repr=...)``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

REDACTED = "***"


def redact(value: object) -> str:
    """Hide a sensitive scalar; show only whether it is set."""
    return "None" if value is None else REDACTED


def redact_map_values(value: Mapping[object, object] | None) -> str:
    """Show the keys of a map whose values are sensitive, not the values."""
    if value is None:
        return "None"
    return "{" + ", ".join(f"{key!r}: {REDACTED}" for key in value) + "}"


def redact_items(value: Sequence[object] | None) -> str:
    """Show how many items a list of sensitive values holds, not the items."""
    if value is None:
        return "None"
    return "[" + ", ".join(REDACTED for _ in value) + "]"
