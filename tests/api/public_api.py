"""Walk the public API: every exported name, the public methods of exported classes, the
types their annotations name and the errors their docstrings say they raise.

Run as a script, it prints as JSON every public function, method or class whose
``typing.get_type_hints`` fails, so a test can check that in a fresh interpreter.
"""

from __future__ import annotations

import builtins
import importlib
import inspect
import json
import re
import subprocess
import sys
import typing
from collections.abc import Callable, Iterator
from typing import Any

#: The modules users import from (issue: "public homes for every public type").
PUBLIC_MODULES = (
    "microvm_sdk",
    "microvm_sdk.models",
    "microvm_sdk.errors",
    "microvm_sdk.config",
    "microvm_sdk.waiters",
    "microvm_sdk.paginators",
    "microvm_sdk.local",
    "microvm_sdk.testing",
    "microvm_sdk.hooks",
)
#: Where a public class may say it lives: a public module, or one of the generated client
#: modules (``microvm_sdk.client`` and ``microvm_sdk.async_client``, public too: ``Client``
#: and ``AsyncClient`` are defined there).
HOMES = frozenset({*PUBLIC_MODULES, "microvm_sdk.client", "microvm_sdk.async_client"})
#: Dunder methods that are part of a class's public surface.
PUBLIC_DUNDERS = frozenset(
    {"__init__", "__call__", "__enter__", "__exit__", "__iter__", "__next__", "__getitem__"}
)


def exported() -> dict[str, object]:
    """``{"module.Name": object}`` for every name in a public module's ``__all__``."""
    found: dict[str, object] = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            value = getattr(module, name)
            if not inspect.ismodule(value):
                found[f"{module_name}.{name}"] = value
    return found


def _ours(cls: type) -> bool:
    return cls.__module__.split(".")[0] == "microvm_sdk"


def members(cls: type) -> Iterator[tuple[str, Callable[..., Any]]]:
    """The public functions, methods and property getters a class has or inherits from
    our own base classes."""
    seen: set[str] = set()
    for base in cls.__mro__:
        if not _ours(base):
            continue
        for name, value in vars(base).items():
            if name in seen or (name.startswith("_") and name not in PUBLIC_DUNDERS):
                continue
            seen.add(name)
            function = value
            if isinstance(function, staticmethod | classmethod):
                function = function.__func__
            if isinstance(function, property):
                function = function.fget
            if inspect.isfunction(function):
                yield name, function


def callables() -> Iterator[tuple[str, Callable[..., Any]]]:
    """Every public function and method, with a dotted name to report it by."""
    done: set[int] = set()
    for path, value in exported().items():
        if id(value) in done:
            continue
        done.add(id(value))
        if inspect.isclass(value):
            for name, member in members(value):
                yield f"{path}.{name}", member
        elif inspect.isfunction(value):
            yield path, value


def classes() -> Iterator[tuple[str, type]]:
    """Every exported class (once, under its first public name)."""
    done: set[int] = set()
    for path, value in exported().items():
        if inspect.isclass(value) and id(value) not in done:
            done.add(id(value))
            yield path, value


def hints(obj: object) -> dict[str, Any]:
    """``typing.get_type_hints`` with ``Annotated`` extras, as frameworks call it."""
    return typing.get_type_hints(obj, include_extras=True)


def types_in(hint: object) -> Iterator[type]:
    """The classes a resolved annotation names, through unions, generics and callables."""
    if isinstance(hint, list | tuple):
        for item in hint:
            yield from types_in(item)
        return
    if isinstance(hint, typing.TypeVar):
        if hint.__bound__ is not None:
            yield from types_in(hint.__bound__)
        return
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return
    if origin is not None:
        yield from types_in(origin)
        yield from types_in(typing.get_args(hint))
    elif isinstance(hint, type):
        yield hint


_RAISES = re.compile(r"^(?P<indent>\s*)Raises:\s*$")
_ENTRY = re.compile(r"^(?P<indent>\s+)(?P<name>[A-Za-z_][\w.]*):\s")


def documented_raises(obj: object) -> list[str]:
    """The exception names in the ``Raises:`` section of ``obj``'s docstring."""
    doc = inspect.getdoc(obj) or ""
    names: list[str] = []
    section: int | None = None
    entry: int | None = None
    for line in doc.splitlines():
        start = _RAISES.match(line)
        if start:
            section, entry = len(start.group("indent")), None
            continue
        if section is None or not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        if indent <= section:
            section = None
            continue
        match = _ENTRY.match(line)
        if match and (entry is None or indent == entry):
            entry = indent
            names.append(match.group("name"))
    return names


_SECTION = re.compile(r"^(Args|Raises|Attributes):\s*$")


def entry_first_lines(obj: object) -> list[str]:
    """The first line of each entry of the Args, Raises and Attributes sections of
    ``obj``'s docstring: what an editor shows when hovering over that name."""
    doc = inspect.getdoc(obj) or ""
    lines: list[str] = []
    entry_indent: int | None = None
    in_section = False
    for line in doc.splitlines():
        if _SECTION.match(line):
            in_section, entry_indent = True, None
            continue
        if not in_section or not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        if indent == 0:
            in_section = False
        elif entry_indent is None or indent == entry_indent:
            entry_indent = indent
            lines.append(line.strip())
    return lines


def resolve_error(name: str) -> type | None:
    """The exception class a ``Raises:`` entry names: a builtin or a public export."""
    builtin = getattr(builtins, name, None)
    if isinstance(builtin, type) and issubclass(builtin, BaseException):
        return builtin
    for module_name in PUBLIC_MODULES:
        value = getattr(importlib.import_module(module_name), name, None)
        if isinstance(value, type) and issubclass(value, BaseException):
            return value
    return None


def fresh(code: str) -> list[str]:
    """Run ``code`` in a new interpreter (nothing imported yet); return its output lines."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def unresolvable_hints() -> dict[str, str]:
    """``{"dotted.name": "error"}`` for every public object whose hints do not resolve."""
    failures: dict[str, str] = {}
    targets: list[tuple[str, object]] = [*callables(), *classes()]
    for path, obj in targets:
        try:
            hints(obj)
        except Exception as exc:  # reported, not hidden
            failures[path] = f"{type(exc).__name__}: {exc}"
    return failures


if __name__ == "__main__":
    sys.stdout.write(json.dumps(unresolvable_hints()))
