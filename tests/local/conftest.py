"""Helpers for the emulator's server tests: raw signed requests and a recording backend."""

from __future__ import annotations

import http.client
import json
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from microvm_sdk.local import EmulatedError, LocalServer, RequestContext

RawResponse = tuple[int, dict[str, str], bytes]
RawCall = Callable[..., RawResponse]


class StubClock:
    """A clock the admin API can advance."""

    def __init__(self) -> None:
        self.value = 1_700_000_000.0

    def now(self) -> float:
        return self.value

    def advance(self, seconds: float) -> float:
        self.value += seconds
        return self.value


class RecordingBackend:
    """Records every call; answers with a small canned body or a queued error."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any], RequestContext]] = []
        self.clock = StubClock()
        self.raise_next: EmulatedError | None = None
        self.state: dict[str, Any] = {"calls": 0}
        self.lock = threading.Lock()

    def handle(
        self, operation: str, params: dict[str, Any], ctx: RequestContext
    ) -> dict[str, Any] | None:
        with self.lock:
            self.calls.append((operation, params, ctx))
            self.state["calls"] += 1
            error, self.raise_next = self.raise_next, None
        if error is not None:
            raise error
        if operation in ("TagResource", "UntagResource"):
            return None
        if operation == "CreateMicrovmImage":
            return {
                "imageArn": f"arn:aws:lambda:{ctx.region}:{ctx.account_id}:microvm-image:"
                + params["name"],
                "name": params["name"],
                "state": "CREATING",
                "createdAt": 1_700_000_000,
                "imageVersion": "1.0",
            }
        if operation == "ListTags":
            return {"Tags": {}}
        if operation.startswith("List"):
            return {"items": []}
        return {}

    def to_json(self) -> dict[str, Any]:
        return dict(self.state)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RecordingBackend:
        backend = cls()
        backend.state = dict(data)
        return backend

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()

    @property
    def operations(self) -> list[str]:
        return [op for op, _, _ in self.calls]


def send_raw(
    server: LocalServer,
    method: str,
    path: str,
    *,
    query: str = "",
    body: Any = None,
    headers: dict[str, str] | None = None,
    sign: bool = True,
    secret_key: str | None = None,
    access_key: str | None = None,
    region: str | None = None,
    timeout: float = 10.0,
) -> RawResponse:
    """Send one request (signed with botocore's SigV4 signer unless ``sign`` is off)."""
    if body is None:
        data = b""
    elif isinstance(body, bytes):
        data = body
    else:
        data = json.dumps(body).encode()
    url = server.endpoint_url + path + (f"?{query}" if query else "")
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    if sign:
        request = AWSRequest(method=method, url=url, data=data, headers=all_headers)
        credentials = Credentials(access_key or server.access_key, secret_key or server.secret_key)
        SigV4Auth(credentials, "lambda", region or server.region).add_auth(request)
        all_headers = dict(request.headers.items())
    connection = http.client.HTTPConnection(server.host, server.port, timeout=timeout)
    try:
        target = path + (f"?{query}" if query else "")
        connection.request(method, target, body=data, headers=all_headers)
        response = connection.getresponse()
        payload = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, payload
    finally:
        connection.close()


@pytest.fixture
def raw() -> RawCall:
    """Send one raw (botocore-signed) request to a server: ``raw(server, method, path)``."""
    return send_raw


@pytest.fixture
def backend_factory() -> type[RecordingBackend]:
    """The :class:`RecordingBackend` class, for tests that build their own servers."""
    return RecordingBackend


@pytest.fixture
def stub_server() -> Iterator[tuple[LocalServer, RecordingBackend]]:
    """A running server over a :class:`RecordingBackend`."""
    backend = RecordingBackend()
    with LocalServer(backend=backend) as server:
        yield server, backend


@pytest.fixture
def isolated_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No AWS settings from the environment or the developer's files reach the test."""
    for name in list(os.environ):
        if name.upper().startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
