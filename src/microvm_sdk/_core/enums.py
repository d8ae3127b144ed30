"""The base of generated enums: string enums that survive values the service adds later."""

from __future__ import annotations

import enum
from typing import Any

from microvm_sdk._core.public import public_home


@public_home("microvm_sdk.models")
class ModelEnum(enum.StrEnum):
    """A string enum that accepts values it does not list.

    ``MicrovmState("HIBERNATING")`` on a version of the SDK that does not know
    ``HIBERNATING`` returns a pseudo-member: it compares equal to the string, its
    ``value`` is the string and ``is_unknown`` is true. Responses with new values parse;
    inputs with new values are sent as given (the service may know them).
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        pseudo = str.__new__(cls, value)
        pseudo._name_ = value
        pseudo._value_ = value
        return pseudo

    @property
    def is_unknown(self) -> bool:
        """True when this value is not one the SDK was generated with."""
        return self._name_ not in type(self).__members__ or (
            type(self).__members__[self._name_] is not self
        )
