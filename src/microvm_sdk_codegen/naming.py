"""Naming rules: model names to Python names.

- Operations and members: botocore's ``xform_name`` (what boto3 users know), then the
  overrides file's ``python_names`` table for the few names it mangles
  (``minimumMemoryInMiB`` -> ``minimum_memory_in_mi_b``), then a trailing ``_`` for
  Python keywords.
- Shapes keep their model names (PascalCase); a name that is a Python keyword
  (``None``) gets a trailing ``_``.
- Union members become ``{Union}{Member}`` classes; when that name is already a shape's
  name (``Logging.disabled`` -> ``LoggingDisabled``, a structure), the member class gets
  the suffix ``Member`` (``LoggingDisabledMember``). Every union also gets
  ``{Union}Unknown``.
"""

from __future__ import annotations

import keyword
from collections.abc import Collection, Mapping

from botocore import xform_name  # type: ignore[import-untyped]


def snake(name: str, overrides: Mapping[str, str]) -> str:
    """Return the Python name for a model member or operation name."""
    if name in overrides:
        return overrides[name]
    result: str = xform_name(name)
    if keyword.iskeyword(result):
        result += "_"
    return result


#: Names the generated modules import or define besides the shapes' classes.
RESERVED_CLASS_NAMES = frozenset(
    {
        "Any",
        "BaseClient",
        "Callable",
        "ClassVar",
        "Document",
        "EmptyOutput",
        "Mapping",
        "ModelEnum",
        "ModelOutput",
        "Paginator",
        "ResponseMetadata",
        "Sequence",
        "ServiceErrorOptions",
        "TYPE_CHECKING",
        "TypeAlias",
        "Union",
        "Unpack",
        "WaitProgress",
        "MODELED_ERRORS",
    }
)


def class_name(shape: str, taken: Collection[str], reserved: Collection[str] = ()) -> str:
    """Return the Python class name of a shape: its model name, with ``_`` after it when
    it is a Python keyword (``None``) or a name the generated modules already use
    (``Sequence``, the base error classes)."""
    if not (keyword.iskeyword(shape) or shape in RESERVED_CLASS_NAMES or shape in reserved):
        return shape
    candidate = shape + "_"
    if candidate in taken:
        raise ValueError(f"cannot name shape {shape!r}: {candidate} is taken")
    return candidate


def upper_first(name: str) -> str:
    """``cloudWatch`` -> ``CloudWatch``."""
    return name[:1].upper() + name[1:]


def variant_class_name(union: str, member: str, taken: Collection[str]) -> str:
    """Return the class name for one member of a union, avoiding shape names."""
    candidate = f"{union}{upper_first(member)}"
    if candidate in taken:
        candidate += "Member"
    if candidate in taken:
        raise ValueError(f"cannot name member {member!r} of union {union!r}: {candidate} taken")
    return candidate


def unknown_class_name(union: str, taken: Collection[str]) -> str:
    """Return the class name for a union member this SDK does not know."""
    candidate = f"{union}Unknown"
    if candidate in taken:
        raise ValueError(f"cannot name the unknown member of union {union!r}: {candidate} taken")
    return candidate


def enum_member_name(value: str) -> str:
    """Return the Python enum member name for a model enum value."""
    name = "".join(ch if ch.isalnum() else "_" for ch in value).upper()
    if not name or name[0].isdigit():
        name = "V_" + name
    return name
