"""The base of generated enums: string enums that survive values the service adds later."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any

from microvm_sdk._core.public import public_home


@public_home("microvm_sdk.models")
class ModelEnum(enum.StrEnum):
    """A string enum that accepts values it does not list.

    ``MicrovmState("HIBERNATING")`` on a version of the SDK that does not know
    ``HIBERNATING`` returns a pseudo-member: it compares equal to the string, its
    ``value`` is the string and ``is_unknown`` is true. Responses with new values parse;
    inputs with new values are sent as given (the service may know them).

    Compare with members (``state == MicrovmState.RUNNING``): a misspelt member is an
    error for every type checker. Compare ``state.value`` (a ``str``) with a value this
    SDK does not list yet. Never end a ``match`` over an enum with ``assert_never``:
    type checkers believe the listed members are all there is, but the service can send
    a new one.
    """

    if TYPE_CHECKING:
        # Type checkers otherwise give ``value`` the union of the listed values as
        # literals, and flag ``state.value == "HIBERNATING"`` as always false. A value
        # added later is a ``str`` like any other (at run time nothing changes).
        @property
        def value(self) -> str:
            """The value as the service sends it (``"RUNNING"``)."""
            ...

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
