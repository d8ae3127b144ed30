"""Frozen records: small immutable classes that cost nothing to define.

A frozen attrs class costs about half a millisecond when it is defined, which is when
its module is imported (attrs compiles ``__init__``, ``__repr__``, ``__eq__`` and
``__hash__`` for it). The runtime's internal value classes that a first call imports
(the schema's classes, an endpoint, a sleep step) derive from :class:`Record` instead:
``__slots__``, a written ``__init__`` that sets each attribute with :func:`set_once`, and
equality, hash and repr over the attributes in ``_FIELDS`` order, as attrs would give.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

__all__ = ["EMPTY_MAPPING", "Record", "set_once"]

#: Sets an attribute of a record (in its ``__init__``), past the frozen ``__setattr__``.
set_once = object.__setattr__
#: The default of a mapping attribute: empty, and shared, so it cannot be changed.
EMPTY_MAPPING: Mapping[str, Any] = MappingProxyType({})


class Record:
    """A frozen record: the attributes are ``__slots__``, set once by ``__init__``.

    Equality, hash and repr go by the attributes in ``_FIELDS`` order, as for a frozen
    attrs class.
    """

    __slots__ = ()
    #: The attributes in definition order (``__slots__`` is sorted).
    _FIELDS: ClassVar[tuple[str, ...]] = ()
    #: Attributes left out of ``repr`` (attrs' ``repr=False``).
    _NOT_SHOWN: ClassVar[frozenset[str]] = frozenset()
    #: Attributes left out of ``==`` and ``hash`` (attrs' ``eq=False``).
    _NOT_COMPARED: ClassVar[frozenset[str]] = frozenset()

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._FIELDS)

    def _compared(self) -> tuple[Any, ...]:
        skip = self._NOT_COMPARED
        return tuple(getattr(self, name) for name in self._FIELDS if name not in skip)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record) or other.__class__ is not self.__class__:
            return NotImplemented
        return self._compared() == other._compared()

    def __hash__(self) -> int:
        return hash((self.__class__.__name__, *self._compared()))

    def __repr__(self) -> str:
        skip = self._NOT_SHOWN
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}" for name in self._FIELDS if name not in skip
        )
        return f"{self.__class__.__name__}({shown})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{self.__class__.__name__} is frozen")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{self.__class__.__name__} is frozen")

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (self.__class__, dict(zip(self._FIELDS, self._values(), strict=True)))


def _rebuild(cls: type[Record], values: dict[str, Any]) -> Record:
    """Unpickle a record: through its ``__init__``, as it was built."""
    return cls(**values)
