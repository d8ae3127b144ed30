"""Fixtures for the client tests: a capture/replay server and client factories.

Every test in this folder runs in an isolated AWS environment (see ``aws_env``): no
AWS_* or proxy variables from the machine, no instance metadata, and shared config and
credentials files under the test's temporary directory.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
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


@pytest.fixture
def make_client(server: ReplayServer, sleeps: SleepRecorder) -> Iterator[ClientFactory]:
    """Build clients for ``server`` (static credentials AK/SK, us-east-1, no real sleeps)."""
    made: list[microvm_sdk.Client] = []

    def make(**kwargs: Any) -> microvm_sdk.Client:
        options: dict[str, Any] = {
            "region_name": "us-east-1",
            "endpoint_url": server.url,
            "aws_access_key_id": "AK",
            "aws_secret_access_key": "SK",
        }
        options.update(kwargs)
        client = microvm_sdk.Client(**options)
        client._runtime._sleep = sleeps
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: ClientFactory) -> microvm_sdk.Client:
    return make_client()


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
