"""Give a class defined in a private module the public module users import it from.

Tracebacks, ``repr``, ``help()``, pickling and documentation tools name a class by its
``__module__``. A class written in ``microvm_sdk._core`` but imported by users from
``microvm_sdk.errors`` should read ``microvm_sdk.errors.ParamValidationError`` there,
not the private path. The decorator sets it where the class is defined, so it holds
however the class was reached.

``typing.get_type_hints(cls)`` evaluates a class's string annotations in the module
named by ``__module__``, which does not hold the names the defining module imported.
The decorator therefore turns each string annotation of the class into a
``typing.ForwardRef`` bound to the defining module (what ``typing.TypedDict`` does for
its own), so the hints still resolve. Put it above ``attrs`` decorators: attrs builds
``__init__`` with the defining module's names when it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ForwardRef, TypeVar

__all__ = ["public_home"]

_T = TypeVar("_T", bound=type)


def public_home(module: str) -> Callable[[_T], _T]:
    """Return a class decorator that sets ``__module__`` to ``module``.

    Args:
        module: The public module that re-exports the class (``"microvm_sdk.errors"``).
            A test checks that the class is importable from it.
    """

    def decorate(cls: _T) -> _T:
        defined_in = cls.__module__
        # The class's own dict, updated in place (inspect.get_annotations returns a copy).
        annotations = cls.__dict__.get("__annotations__", {})  # noqa: RUF063
        for name, value in annotations.items():
            if isinstance(value, str):
                annotations[name] = ForwardRef(value, module=defined_in, is_class=True)
        cls.__module__ = module
        return cls

    return decorate
