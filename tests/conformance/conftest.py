"""Fixtures of the conformance suite: a manual-clock emulator and the two clients.

Every scenario takes ``api`` and so runs twice, through boto3 and through raw signed
HTTP. The emulator runs with its defaults (the live response shape) on the
``manual`` profile, so a scenario steps through every state at its own pace.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from conformance_clients import Api, Boto3Api, HttpApi
from scenario_support import REGION

from microvm_sdk.local import Backend, BehaviourConfig, LocalServer

CLIENTS: dict[str, Callable[..., Api]] = {"boto3": Boto3Api, "http": HttpApi}


@pytest.fixture(autouse=True)
def _isolated_aws(isolated_aws_env: None) -> None:
    """Keep the machine's AWS settings out of every test here."""


@pytest.fixture
def serve() -> Iterator[Callable[..., LocalServer]]:
    """Start an emulator on a manual clock; ``config`` sets the behaviour switches."""
    started: list[LocalServer] = []

    def start(config: BehaviourConfig | None = None) -> LocalServer:
        backend = None
        if config is not None:
            backend = Backend(profile="manual", config=config)
        server = LocalServer(profile="manual", region=REGION, backend=backend).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def server(serve: Callable[..., LocalServer]) -> LocalServer:
    """An emulator with its defaults, on a manual clock."""
    return serve()


@pytest.fixture(params=sorted(CLIENTS))
def client_kind(request: pytest.FixtureRequest) -> str:
    """``"boto3"`` or ``"http"``."""
    kind: str = request.param
    return kind


@pytest.fixture
def connect(client_kind: str) -> Iterator[Callable[..., Api]]:
    """Open this test's kind of client on a server (``connect(server)``)."""
    opened: list[Api] = []

    def open_client(target: LocalServer, **options: str) -> Api:
        api = CLIENTS[client_kind](target, **options)
        opened.append(api)
        return api

    yield open_client
    for api in opened:
        close = getattr(api, "close", None)
        if callable(close):
            close()


@pytest.fixture
def api(server: LocalServer, connect: Callable[..., Api]) -> Api:
    """This test's client on the default server."""
    return connect(server)
