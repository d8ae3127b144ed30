"""Faults between the client and a real emulator: every attempt of one create carries the
same client token, and a create whose response was lost after the service acted on it
does not make a second image.

The client talks to a capture/replay server that forwards to a ``LocalServer``, or
answers with a fault instead: 500, a 503 HTML page, a 429 with ``Retry-After``, and a
connection dropped after the emulator has created the image.
"""

from __future__ import annotations

import http.client
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from replay_server import ClientFactory, Recorded, ReplayServer, Reply, SleepRecorder

import microvm_sdk
from microvm_sdk import models
from microvm_sdk.local import LocalServer

BASE_ARN = "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1"
ROLE_ARN = "arn:aws:iam::000000000000:role/build"
HTML_503 = b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"


@pytest.fixture
def emulator() -> Iterator[LocalServer]:
    # The replay server in front changes the Host the signature covers: not checked here.
    with LocalServer(verify_signatures=False) as local:
        yield local


def forward(local: LocalServer, request: Recorded) -> Reply:
    """Send ``request`` on to the emulator and return its answer as a reply."""
    connection = http.client.HTTPConnection(local.host, local.port, timeout=10)
    try:
        connection.request(request.method, request.target, request.body, request.headers)
        answer = connection.getresponse()
        body = answer.read()
        headers = {k: v for k, v in answer.getheaders() if k.lower() != "content-length"}
        return Reply(answer.status, body, headers)
    finally:
        connection.close()


def faulty(local: LocalServer, faults: list[str]) -> Callable[[Recorded], Reply]:
    """Answer the requests in turn with these faults, then forward them all."""
    queue = list(faults)

    def handle(request: Recorded) -> Reply:
        fault = queue.pop(0) if queue else "forward"
        if fault == "500":
            return Reply.error(500, "InternalServerException")
        if fault == "503-html":
            return Reply(503, HTML_503, {"Content-Type": "text/html"})
        if fault == "429":
            return Reply.error(429, "ThrottlingException", headers={"Retry-After": "1"})
        if fault == "lost":  # the emulator acts, the response never arrives
            forward(local, request)
            return Reply.drop()
        return forward(local, request)

    return handle


def create(client: Any, name: str) -> models.CreateMicrovmImageResponse:
    image: models.CreateMicrovmImageResponse = client.create_microvm_image(
        name=name,
        base_image_arn=BASE_ARN,
        build_role_arn=ROLE_ARN,
        code_artifact=models.CodeArtifactUri(value="s3://bucket/app.zip"),
    )
    return image


def names(client: Any) -> list[str]:
    return [item.name for item in client.paginate_list_microvm_images().items()]


FAULTS = ["500", "503-html", "429", "lost"]


def test_one_token_per_call_through_every_fault_and_no_duplicate_image(
    make_client: ClientFactory,
    server: ReplayServer,
    sleeps: SleepRecorder,
    emulator: LocalServer,
) -> None:
    server.handler = faulty(emulator, FAULTS)
    client = make_client(config=microvm_sdk.Config(max_attempts=len(FAULTS) + 1))
    image = create(client, "survivor")

    attempts = [r for r in server.requests if r.method == "POST"]
    assert len(attempts) == len(FAULTS) + 1
    tokens = {r.json()["clientToken"] for r in attempts}
    assert len(tokens) == 1  # one logical call, one token, on every attempt
    assert len({r.headers["amz-sdk-invocation-id"] for r in attempts}) == 1
    assert [r.headers["amz-sdk-request"] for r in attempts] == [
        f"attempt={n}; max={len(FAULTS) + 1}" for n in range(1, len(FAULTS) + 2)
    ]
    assert len(sleeps.delays) == len(FAULTS)
    assert sleeps.delays[2] >= 1.0  # the 429's Retry-After was honoured
    # The emulator acted on the "lost" attempt and on the last one: the same token made
    # it answer the last with the image it had made, not make a second one.
    assert image.name == "survivor"
    assert names(client) == ["survivor"]

    second = create(client, "second")
    assert second.name == "second"
    last = [r for r in server.requests if r.method == "POST"][-1]
    assert last.json()["clientToken"] not in tokens  # a new call, a new token
    assert names(client) == ["survivor", "second"]


@pytest.mark.parametrize("fault", FAULTS)
def test_each_fault_alone_is_retried_with_the_same_token(
    fault: str,
    make_client: ClientFactory,
    server: ReplayServer,
    emulator: LocalServer,
) -> None:
    server.handler = faulty(emulator, [fault])
    client = make_client()
    create(client, f"image-{fault}")
    first, second = (r for r in server.requests if r.method == "POST")
    assert first.json()["clientToken"] == second.json()["clientToken"]
    assert names(client) == [f"image-{fault}"]
