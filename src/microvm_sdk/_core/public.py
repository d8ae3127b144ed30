"""Give a class defined in a private module the public module users import it from.

Tracebacks, ``repr``, ``help()``, pickling and documentation tools name a class by its
``__module__``. A class written in ``microvm_sdk._core`` but imported by users from
``microvm_sdk.errors`` should read ``microvm_sdk.errors.ParamValidationError`` there,
not the private path. The decorator sets it where the class is defined, so it holds
however the class was reached, and after class decorators such as ``attrs.frozen`` have
run (put it above them), so their generated methods still resolve annotations in the
module that defines them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

__all__ = ["public_home"]

_T = TypeVar("_T", bound=type)


def public_home(module: str) -> Callable[[_T], _T]:
    """Return a class decorator that sets ``__module__`` to ``module``.

    Args:
        module: The public module that re-exports the class (``"microvm_sdk.errors"``).
            A test checks that the class is importable from it.
    """

    def decorate(cls: _T) -> _T:
        cls.__module__ = module
        return cls

    return decorate
