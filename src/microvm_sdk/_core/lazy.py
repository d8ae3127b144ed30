"""A stand-in for a module that is imported only when one of its attributes is read.

The generated client annotates its methods with ``models.CreateMicrovmImageResponse``
and the like, and imports the models only when a method is first called (they are the
bulk of the import cost). ``typing.get_type_hints`` evaluates those annotations in the
client module's namespace, where a name imported under ``TYPE_CHECKING`` does not exist
at run time. Binding the name to a ``LazyModule`` instead lets the annotations resolve,
importing the module at that moment, while ``import microvm_sdk`` stays cheap::

    if TYPE_CHECKING:
        from microvm_sdk import models
    else:
        models = LazyModule("microvm_sdk.models")

Type checkers see the real module; only run-time attribute reads go through here.
"""

from __future__ import annotations

import importlib

__all__ = ["LazyModule"]


class LazyModule:
    """Forwards attribute reads to the module ``name``, importing it on the first read."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> object:
        if attribute.startswith("__"):
            # Introspection (copy, pickle, inspect) asks for dunders: no import for them.
            raise AttributeError(attribute)
        # After the first import this is a dictionary look-up in sys.modules.
        return getattr(importlib.import_module(self._name), attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"
