"""pytest fixtures serving the local emulator (registered through the ``pytest11`` entry point).

``microvm_local`` starts a fresh :class:`~microvm_sdk.local.LocalServer` for one test
(fast profile) and stops it afterwards; ``microvm_local_session`` shares one server
across the session. Mark a test ``@pytest.mark.microvm_local(profile="manual", ...)``
to pass other :class:`~microvm_sdk.local.LocalServer` arguments to ``microvm_local``.

The plugin is loaded in every pytest run where this package is installed, so it
imports the emulator only when a fixture is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from microvm_sdk.local._server import LocalServer

__all__ = ["microvm_local", "microvm_local_session"]


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


@pytest.fixture(scope="session")
def microvm_local_session() -> Iterator[LocalServer]:
    """A running emulator shared by the whole session (fast profile)."""
    from microvm_sdk.local._server import LocalServer

    with LocalServer(profile="fast") as server:
        yield server
