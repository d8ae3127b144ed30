"""Fixtures for the client tests: a capture/replay server and client factories.

Every test in this folder runs in an isolated AWS environment (see ``aws_env``): no
AWS_* or proxy variables from the machine, no instance metadata, and shared config and
credentials files under the test's temporary directory.

Every test that builds a client through these fixtures runs twice (the ``flavour``
fixture): with ``Client``, and with ``AsyncClient`` behind a blocking facade that runs
each coroutine on one event loop per test (see ``tests/flavours.py``). The tests are
written once, in blocking style. Tests about threads take ``sync_client``; what only
asyncio has (tasks, cancellation, the event loop) is in ``test_async_client.py``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flavours import FLAVOURS, ClientFacade, without_sleeps
from replay_server import ClientFactory, ReplayServer, SleepRecorder

import microvm_sdk


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No AWS_* or proxy variables, no instance metadata, config files under tmp_path."""
    for name in list(os.environ):
        upper = name.upper()
        if upper.startswith("AWS_") or upper in (
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "NO_PROXY",
            "REQUESTS_CA_BUNDLE",
        ):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    return tmp_path


@pytest.fixture(autouse=True)
def _isolated_aws(aws_env: Path) -> None:
    """Every test here builds clients; none may read the machine's AWS setup."""


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    srv = ReplayServer()
    yield srv
    srv.stop()


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture(params=FLAVOURS)
def flavour(request: pytest.FixtureRequest) -> str:
    """``"sync"`` (``Client``) or ``"async"`` (``AsyncClient`` behind a facade)."""
    return str(request.param)


@pytest.fixture
def new_client(flavour: str, runner: asyncio.Runner) -> Iterator[ClientFactory]:
    """Construct clients of the test's flavour from exactly the given arguments."""
    made: list[Any] = []

    def new(**kwargs: Any) -> Any:
        if flavour == "sync":
            client: Any = microvm_sdk.Client(**kwargs)
        else:
            client = ClientFacade(runner, microvm_sdk.AsyncClient(**kwargs))
        made.append(client)
        return client

    yield new
    for client in made:
        client.close()


@pytest.fixture
def bare_client(new_client: ClientFactory, sleeps: SleepRecorder) -> ClientFactory:
    """A client with nothing but what the arguments and the environment give it."""

    def make(**kwargs: Any) -> Any:
        return without_sleeps(new_client(**kwargs), sleeps)

    return make


@pytest.fixture
def make_client(server: ReplayServer, bare_client: ClientFactory) -> ClientFactory:
    """Build clients for ``server`` (static credentials AK/SK, us-east-1, no real sleeps)."""

    def make(**kwargs: Any) -> Any:
        options: dict[str, Any] = {
            "region_name": "us-east-1",
            "endpoint_url": server.url,
            "aws_access_key_id": "AK",
            "aws_secret_access_key": "SK",
        }
        options.update(kwargs)
        return bare_client(**options)

    return make


@pytest.fixture
def client(make_client: ClientFactory) -> Any:
    return make_client()


@pytest.fixture
def sync_client(server: ReplayServer, sleeps: SleepRecorder) -> Iterator[microvm_sdk.Client]:
    """A blocking ``Client`` for ``server``, for tests about threads."""
    client = microvm_sdk.Client(
        region_name="us-east-1",
        endpoint_url=server.url,
        aws_access_key_id="AK",
        aws_secret_access_key="SK",
    )
    client._runtime._sleep = sleeps
    yield client
    client.close()


@pytest.fixture
def make_boto3_client(server: ReplayServer) -> Iterator[Callable[..., Any]]:
    """Build boto3 ``lambda-microvms`` clients for ``server``."""
    import boto3  # type: ignore[import-untyped]

    made: list[Any] = []

    def make(**kwargs: Any) -> Any:
        options: dict[str, Any] = {
            "region_name": "us-east-1",
            "endpoint_url": server.url,
            "aws_access_key_id": "AK",
            "aws_secret_access_key": "SK",
        }
        options.update(kwargs)
        made.append(boto3.client("lambda-microvms", **options))
        return made[-1]

    yield make
    for c in made:
        c.close()
