"""pytest fixtures serving the local emulator (registered through the ``pytest11`` entry point).

``microvm_local`` starts a fresh :class:`~microvm_sdk.local.LocalServer` for one test
(fast profile) and stops it afterwards; ``microvm_local_session`` shares one server
across the session; ``microvm_local_env`` is ``microvm_local`` with the environment
pointing at it (``AWS_ENDPOINT_URL_LAMBDA_MICROVMS``, test credentials, region), so
that code which makes its own clients talks to the emulator unchanged. Mark a test
``@pytest.mark.microvm_local(profile="manual", ...)`` to pass other
:class:`~microvm_sdk.local.LocalServer` arguments to ``microvm_local`` (and
``microvm_local_env``).

The plugin is loaded in every pytest run where this package is installed, so it
imports the emulator only when a fixture is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from microvm_sdk.local._server import LocalServer

__all__ = ["microvm_local", "microvm_local_env", "microvm_local_session"]


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``microvm_local`` marker."""
    config.addinivalue_line(
        "markers",
        "microvm_local(**kwargs): LocalServer arguments for the microvm_local fixture",
    )


@pytest.fixture
def microvm_local(request: pytest.FixtureRequest) -> Iterator[LocalServer]:
    """A running emulator for one test (fast profile), stopped afterwards."""
    from microvm_sdk.local._server import LocalServer

    options: dict[str, Any] = {"profile": "fast"}
    marker = request.node.get_closest_marker("microvm_local")
    if marker is not None:
        options.update(marker.kwargs)
    with LocalServer(**options) as server:
        yield server


@pytest.fixture
def microvm_local_env(microvm_local: LocalServer, monkeypatch: pytest.MonkeyPatch) -> LocalServer:
    """``microvm_local``, with the environment pointing AWS SDKs at it for the test.

    Sets what ``microvm_sdk.testing.environment_for`` lists (the service's endpoint
    variable, the server's test credentials and region, no profile or shared config
    files, no instance metadata, the server's host in ``NO_PROXY`` when a proxy is set)
    and restores the environment after the test. ``Client()``, ``AsyncClient()`` and
    ``boto3.client("lambda-microvms")`` made by the code under test then use the
    emulator.
    """
    from microvm_sdk.testing import environment_for

    for name, value in environment_for(microvm_local).items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return microvm_local


@pytest.fixture(scope="session")
def microvm_local_session() -> Iterator[LocalServer]:
    """A running emulator shared by the whole session (fast profile)."""
    from microvm_sdk.local._server import LocalServer

    with LocalServer(profile="fast") as server:
        yield server
