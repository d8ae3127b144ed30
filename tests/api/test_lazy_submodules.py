"""``import microvm_sdk; microvm_sdk.models.X``: the documented submodules are attributes
of the package, imported on first use."""

from __future__ import annotations

import pytest
from public_api import fresh

import microvm_sdk

LAZY = ("hooks", "local", "models", "paginators", "testing", "waiters")


def test_submodules_are_attributes_imported_on_first_use() -> None:
    lines = fresh(
        "import sys, microvm_sdk\n"
        "print('microvm_sdk.models' in sys.modules)\n"
        "print(microvm_sdk.models.MicrovmState.RUNNING.value)\n"
        "print(microvm_sdk.models is sys.modules['microvm_sdk.models'])\n"
        "print(microvm_sdk.paginators.Paginator.__name__,"
        " microvm_sdk.waiters.WaitProgress.__name__)\n"
        "print(microvm_sdk.local.LocalServer.__name__, 'microvm_sdk.local' in sys.modules)\n"
    )
    assert lines == ["False", "RUNNING", "True", "Paginator WaitProgress", "LocalServer True"]


def test_every_submodule_is_listed_and_star_import_brings_it() -> None:
    assert set(LAZY) <= set(microvm_sdk.__all__)
    assert {"config", "errors", "Client", "Config"} <= set(microvm_sdk.__all__)
    assert set(LAZY) <= set(dir(microvm_sdk))
    lines = fresh(
        "from microvm_sdk import *\n"
        "print(models.__name__, paginators.__name__, waiters.__name__, local.__name__)\n"
        "print(errors.__name__, config.__name__, Client.__name__, testing.__name__)\n"
    )
    assert lines == [
        "microvm_sdk.models microvm_sdk.paginators microvm_sdk.waiters microvm_sdk.local",
        "microvm_sdk.errors microvm_sdk.config Client microvm_sdk.testing",
    ]


def test_other_names_are_still_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="module 'microvm_sdk' has no attribute 'modles'"):
        microvm_sdk.modles  # type: ignore[attr-defined]  # noqa: B018
    # the table is closed: a private module is not imported through it
    lines = fresh(
        "import sys, microvm_sdk\n"
        "print(hasattr(microvm_sdk, '_schema'), 'microvm_sdk._schema' in sys.modules)\n"
    )
    assert lines == ["False False"]


def test_first_use_from_many_threads_gives_one_module() -> None:
    lines = fresh(
        "import threading, microvm_sdk\n"
        "seen = []\n"
        "def use(): seen.append(microvm_sdk.models.MicrovmState)\n"
        "threads = [threading.Thread(target=use) for _ in range(8)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print(len(seen), len({id(s) for s in seen}))\n"
    )
    assert lines == ["8 1"]
