"""The type of an untyped JSON value."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias, Union

Document: TypeAlias = Union[  # noqa: UP007 - a recursive alias needs the string forms
    Mapping[str, "Document"], Sequence["Document"], str, int, float, bool, None
]
"""Any JSON value: what an unknown union member carries."""


def plain(value: Document) -> Document:
    """``value`` as plain JSON types: any mapping becomes a dict, any sequence a list."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    return [plain(item) for item in value]
