"""Every type in a public signature, return value or raised error is importable from a
public module and names that module as its ``__module__``."""

from __future__ import annotations

import decimal
import pickle
import sys
import traceback
import types
import typing
from collections.abc import Iterable

import public_api
import pytest

import microvm_sdk
from microvm_sdk import errors, models
from microvm_sdk._core.public import public_home


def homeless(types: Iterable[type]) -> set[str]:
    """The classes of ours among ``types`` that do not live where they say they live."""
    found = set()
    for cls in types:
        if not public_api._ours(cls):
            continue
        module = sys.modules.get(cls.__module__)
        if (
            cls.__module__ not in public_api.HOMES
            or getattr(module, cls.__qualname__, None) is not cls
        ):
            found.add(f"{cls.__module__}.{cls.__qualname__}")
    return found


def test_every_exported_class_names_its_public_module() -> None:
    assert homeless(cls for _, cls in public_api.classes()) == set()
    # the walk covers the whole API, not a corner of it
    names = {path.rsplit(".", 1)[1] for path, _ in public_api.classes()}
    assert {"Client", "Config", "Paginator", "WaitProgress", "ServiceError"} <= names
    assert {"AsyncClient", "AsyncPaginator", "AsyncTransport"} <= names
    assert {"LocalServer", "ClientKwargs", "MicrovmState", "ModelEnum", "Transport"} <= names


def test_every_type_in_a_public_signature_has_a_public_home() -> None:
    referenced: dict[type, str] = {}
    for path, obj in [*public_api.callables(), *public_api.classes()]:
        for hint in public_api.hints(obj).values():
            for cls in public_api.types_in(hint):
                referenced.setdefault(cls, path)
    # A type variable in a signature (the clients' ``transport``) is bound by the type
    # arguments of a generic base class: those are in the public signature too.
    for path, exported in public_api.classes():
        for klass in exported.__mro__:
            for base in getattr(klass, "__orig_bases__", ()):
                for cls in public_api.types_in(typing.get_args(base)):
                    referenced.setdefault(cls, path)
    assert homeless(referenced) == set(), {
        name: path for cls, path in referenced.items() for name in homeless([cls])
    }
    assert models.CreateMicrovmImageResponse in referenced
    assert microvm_sdk.paginators.Paginator in referenced
    assert microvm_sdk.waiters.WaitProgress in referenced
    assert microvm_sdk.config.Transport in referenced
    assert microvm_sdk.paginators.AsyncPaginator in referenced
    assert microvm_sdk.local.ClientKwargs in referenced


def test_every_documented_error_is_a_public_exception() -> None:
    documented: dict[str, str] = {}
    for path, obj in [*public_api.callables(), *public_api.classes()]:
        for name in public_api.documented_raises(obj):
            documented.setdefault(name, path)
    unknown = {
        name: path for name, path in documented.items() if public_api.resolve_error(name) is None
    }
    assert unknown == {}
    resolved = [public_api.resolve_error(name) for name in documented]
    assert homeless(cls for cls in resolved if cls is not None) == set()
    assert {"ParamValidationError", "ThrottlingException", "WaiterTimeoutError"} <= set(documented)


def test_the_check_finds_a_class_with_a_private_home() -> None:
    class Private:
        pass

    Private.__module__ = "microvm_sdk._core.somewhere"
    assert homeless([Private, int]) == {
        "microvm_sdk._core.somewhere.test_the_check_finds_a_class_with_a_private_home.<locals>.Private"
    }
    assert homeless([errors.ParamValidationError]) == set()


def test_the_raises_parser_reads_entries_and_skips_their_continuations() -> None:
    def documented() -> None:
        """Do it.

        Raises:
            ParamValidationError: One thing: a continuation line
                Looks: like an entry but is indented further.
            errors.ServiceError: Another.

        Returns:
            Nothing: not an error.
        """

    assert public_api.documented_raises(documented) == [
        "ParamValidationError",
        "errors.ServiceError",
    ]
    assert public_api.resolve_error("ValueError") is ValueError
    assert public_api.resolve_error("WaiterTimeoutError") is errors.WaiterTimeoutError
    assert public_api.resolve_error("NoSuchError") is None


def test_a_traceback_names_the_public_module() -> None:
    client = microvm_sdk.Client(
        region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret"
    )
    with pytest.raises(errors.ParamValidationError) as caught:
        client.get_microvm_image(image_identifier="")
    line = traceback.format_exception_only(caught.value)[-1]
    assert line.startswith("microvm_sdk.errors.ParamValidationError: ")


@pytest.mark.parametrize(
    "error",
    [
        errors.ParamValidationError(["name: required"], operation="CreateMicrovmImage"),
        errors.ThrottlingException("slow down", retry_after_seconds=3, http_status=429),
        errors.WaiterTimeoutError("wait_until_created", "timed out", elapsed=1.5, attempts=2),
    ],
)
def test_public_errors_survive_pickling(error: errors.MicrovmError) -> None:
    """Pickle finds a class by ``__module__``: the public module must hold it."""
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert vars(copy) == vars(error)
    assert str(copy) == str(error)


def test_public_home_keeps_class_hints_resolvable() -> None:
    """A class's hints resolve in the module ``__module__`` names; the decorator binds
    them to the module that defined the class instead."""
    module = types.ModuleType("_priced")
    source = "from decimal import Decimal\nclass Priced:\n    price: Decimal\n"
    exec(
        "from __future__ import annotations\n" + source + source.replace("Priced", "Other"),
        vars(module),
    )
    sys.modules["_priced"] = module
    try:
        priced = public_home("microvm_sdk.errors")(module.Priced)
        assert priced.__module__ == "microvm_sdk.errors"
        assert typing.get_type_hints(priced) == {"price": decimal.Decimal}
        other = module.Other
        other.__module__ = "microvm_sdk.errors"  # what setting __module__ alone does
        with pytest.raises(NameError):
            typing.get_type_hints(other)
    finally:
        del sys.modules["_priced"]
