"""Fixtures for the hardening tests: clients of both flavours answered by a script.

``scripted_client`` builds a ``Client`` or (behind the blocking facade of
``tests/flavours.py``) an ``AsyncClient`` whose transport answers with the given
responses, in order, and records the requests; retries do not sleep.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from flavours import FLAVOURS, ClientFacade, without_sleeps
from scripted import ScriptedClient, ScriptedTransport

import microvm_sdk
from microvm_sdk._core.http import HttpResponse


@pytest.fixture(params=FLAVOURS)
def flavour(request: pytest.FixtureRequest) -> str:
    """``"sync"`` (``Client``) or ``"async"`` (``AsyncClient`` behind a facade)."""
    return str(request.param)


@pytest.fixture
def scripted_client(
    flavour: str, runner: asyncio.Runner, isolated_aws_env: None
) -> Iterator[ScriptedClient]:
    """Build a client of the test's flavour whose transport answers with a script."""
    made: list[Any] = []

    def make(responses: list[HttpResponse], **kwargs: Any) -> tuple[Any, ScriptedTransport]:
        transport = ScriptedTransport(responses)
        options: dict[str, Any] = {
            "region_name": "us-east-1",
            "aws_access_key_id": "AK",
            "aws_secret_access_key": "SK",
            "transport": transport,
        }
        options.update(kwargs)
        client: Any
        if flavour == "sync":
            client = microvm_sdk.Client(**options)
        else:
            client = ClientFacade(runner, microvm_sdk.AsyncClient(**options))
        made.append(client)
        return without_sleeps(client, lambda seconds: None), transport

    yield make
    for client in made:
        client.close()
