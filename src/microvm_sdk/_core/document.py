"""The type of an untyped JSON value."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias, Union

Document: TypeAlias = Union[  # noqa: UP007 - a recursive alias needs the string forms
    Mapping[str, "Document"], Sequence["Document"], str, int, float, bool, None
]
"""Any JSON value: what an unknown union member carries."""
