"""``typing.get_type_hints`` resolves on every public function, method and class, at run
time and without the models being imported first; ``import microvm_sdk`` stays lazy."""

from __future__ import annotations

import json
import subprocess
import sys
import typing
from pathlib import Path

import public_api
import pytest
from public_api import fresh

from microvm_sdk import Client, errors, models
from microvm_sdk._core.lazy import LazyModule
from microvm_sdk.paginators import Paginator
from microvm_sdk.waiters import WaitProgress

WALKER = Path(public_api.__file__)


def test_every_public_hint_resolves_in_a_fresh_interpreter() -> None:
    result = subprocess.run(
        [sys.executable, str(WALKER)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {}
    # ... and the walk covers the client, the models' constructors and the emulator
    paths = {path for path, _ in public_api.callables()}
    assert "microvm_sdk.Client.create_microvm_image" in paths
    assert "microvm_sdk.Client.__init__" in paths
    assert "microvm_sdk.models.CreateMicrovmImageRequest.__init__" in paths
    assert "microvm_sdk.local.LocalServer.client_kwargs" in paths
    assert len(paths) > 200


def test_the_walker_reports_a_hint_that_does_not_resolve() -> None:
    def broken(x: NotDefinedAnywhere) -> None:  # type: ignore[name-defined]  # noqa: F821
        """Annotated with a name nothing defines."""

    assert broken.__annotations__["x"] == "NotDefinedAnywhere"
    with pytest.raises(NameError, match="NotDefinedAnywhere"):
        public_api.hints(broken)


def test_client_hints_are_the_real_classes() -> None:
    create = typing.get_type_hints(Client.create_microvm_image)
    assert create["return"] is models.CreateMicrovmImageResponse
    assert create["code_artifact"] == models.CodeArtifact
    assert create["logging"] == models.Logging | None
    paginate = typing.get_type_hints(Client.paginate_list_microvm_images)
    assert (
        paginate["return"]
        == Paginator[models.ListMicrovmImagesResponse, models.MicrovmImageSummary]
    )
    wait = typing.get_type_hints(Client.wait_until_created)
    callback = typing.get_args(wait["callback"])[0]
    assert typing.get_args(callback)[0] == [WaitProgress[models.GetMicrovmImageOutput]]
    assert typing.get_type_hints(errors.ThrottlingException.__init__)["retry_after_seconds"] == (
        int | None
    )


def test_import_stays_lazy_and_hints_import_what_they_name() -> None:
    out = fresh(
        "import sys, typing, microvm_sdk\n"
        "def loaded(): return sorted(m for m in sys.modules if m.startswith('microvm_sdk'))\n"
        "before = loaded()\n"
        "heavy = [m for m in ('cattrs', 'botocore', 'http.client', 'ssl', 'jmespath')"
        " if m in sys.modules]\n"
        "hints = typing.get_type_hints(microvm_sdk.Client.paginate_list_microvm_images)\n"
        "print(before); print(heavy); print(loaded()); print(hints['return'])\n"
    )
    before, heavy, after, hint = out
    for lazy in ("models", "paginators", "waiters", "local", "_schema", "_core.paginator"):
        assert f"'microvm_sdk.{lazy}'" not in before
    assert heavy == "[]"
    assert "'microvm_sdk.models'" in after
    assert "'microvm_sdk.paginators'" in after
    assert hint == (
        "microvm_sdk.paginators.Paginator[microvm_sdk.models.ListMicrovmImagesResponse, "
        "microvm_sdk.models.MicrovmImageSummary]"
    )


def test_lazy_module_imports_on_the_first_attribute_only() -> None:
    out = fresh(
        "import sys\n"
        "from microvm_sdk._core.lazy import LazyModule\n"
        "proxy = LazyModule('json')\n"
        "sys.modules.pop('json', None)\n"
        "print(repr(proxy), hasattr(proxy, '__wrapped__'), 'json' in sys.modules)\n"
        "print(proxy.dumps([1]), 'json' in sys.modules)\n"
    )
    assert out == ["<lazy module 'json'> False False", "[1] True"]
    assert LazyModule("microvm_sdk.models").MicrovmState is models.MicrovmState
