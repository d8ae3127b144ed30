"""``client.hooks``: every hook point, in both clients, over real HTTP.

Before signing (a header added there is sent and signed), after signing (the request as
sent), after the response (status, headers, request id, timing, error) and on retry
(reason, delay); the order of the points through a retried call; hooks that raise; async
hooks on ``AsyncClient``; registration rules.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from client_cases import CASES_BY_NAME, IMAGE_ARN
from replay_server import ClientFactory, ReplayServer, Reply, SleepRecorder, async_client_for
from test_client_paginators import three_pages
from test_client_retries import verify_signature

import microvm_sdk
from microvm_sdk import errors
from microvm_sdk.hooks import (
    AfterResponseEvent,
    AfterSignEvent,
    AsyncHooks,
    BeforeSignEvent,
    Hooks,
    RetryEvent,
)

GET = CASES_BY_NAME["GetMicrovmImage"]
REQUEST_ID = "7e1d2c3b-4a59-4687-9a1b-2c3d4e5f6a7b"
OK = Reply.json(200, GET.body, {"x-amzn-RequestId": REQUEST_ID})
QUICK = {"min_delay": 0.001, "max_delay": 0.002, "timeout": 30}


def get(client: microvm_sdk.Client) -> Any:
    return client.get_microvm_image(image_identifier=IMAGE_ARN)


def test_a_header_added_before_signing_is_sent_and_signed(
    client: microvm_sdk.Client, server: ReplayServer
) -> None:
    seen: list[BeforeSignEvent] = []

    @client.hooks.before_sign
    def add_header(event: BeforeSignEvent) -> None:
        seen.append(event)
        assert "Authorization" not in event.request.headers
        event.request.headers["X-Tenant"] = f"tenant-{event.attempt}"

    server.script(OK)
    get(client)
    [request] = server.requests
    assert request.headers["x-tenant"] == "tenant-1"
    signed = request.headers["authorization"].split("SignedHeaders=", 1)[1].split(",", 1)[0]
    assert "x-tenant" in signed.split(";")
    assert verify_signature(request, {"AK": "SK"}) == "AK"
    [event] = seen
    assert (event.operation_name, event.attempt) == ("GetMicrovmImage", 1)


def test_after_signing_the_hook_sees_the_request_as_it_is_sent(
    client: microvm_sdk.Client, server: ReplayServer
) -> None:
    seen: list[dict[str, str]] = []
    client.hooks.after_sign(lambda event: seen.append(dict(event.request.headers)))
    server.script(OK)
    get(client)
    [headers] = seen
    [request] = server.requests
    for name, value in headers.items():
        assert request.headers[name.lower()] == value
    assert headers["amz-sdk-request"] == "attempt=1; max=3"
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256")


def test_after_the_response_the_hook_sees_status_headers_request_id_and_timing(
    client: microvm_sdk.Client, server: ReplayServer
) -> None:
    seen: list[AfterResponseEvent] = []
    client.hooks.after_response(seen.append)
    server.script(OK)
    image = get(client)
    [event] = seen
    assert event.operation_name == "GetMicrovmImage"
    assert event.http_status == 200
    assert event.request_id == REQUEST_ID == image.response_metadata.request_id
    assert event.http_headers["x-amzn-requestid"] == REQUEST_ID
    assert event.response is not None and event.response.status == 200
    assert event.error is None
    assert 0 <= event.elapsed < 60
    assert event.request.url.startswith(server.url)


def test_an_error_response_and_a_transport_error_reach_after_response(
    make_client: ClientFactory, server: ReplayServer
) -> None:
    client = make_client(config=microvm_sdk.Config(max_attempts=1))
    seen: list[AfterResponseEvent] = []
    client.hooks.after_response(seen.append)
    server.script(Reply.error(404, "ResourceNotFoundException", {"message": "gone"}))
    with pytest.raises(errors.ResourceNotFoundException):
        get(client)
    [event] = seen
    assert event.http_status == 404
    assert isinstance(event.error, errors.ResourceNotFoundException)

    import socket

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    down = make_client(
        endpoint_url=f"http://127.0.0.1:{port}", config=microvm_sdk.Config(max_attempts=1)
    )
    down_seen: list[AfterResponseEvent] = []
    down.hooks.after_response(down_seen.append)
    with pytest.raises(errors.ConnectionError):
        get(down)
    [failed] = down_seen
    assert failed.response is None and failed.http_status is None
    assert failed.request_id is None and dict(failed.http_headers) == {}
    assert isinstance(failed.error, errors.ConnectionError)


def test_on_retry_tells_reason_and_delay_and_the_points_come_in_order(
    client: microvm_sdk.Client, server: ReplayServer, sleeps: SleepRecorder
) -> None:
    order: list[tuple[str, int]] = []
    retries: list[RetryEvent] = []
    client.hooks.before_sign(lambda e: order.append(("before_sign", e.attempt)))
    client.hooks.after_sign(lambda e: order.append(("after_sign", e.attempt)))
    client.hooks.after_response(lambda e: order.append(("after_response", e.attempt)))

    @client.hooks.on_retry
    def retried(event: RetryEvent) -> None:
        order.append(("on_retry", event.attempt))
        retries.append(event)

    server.script(Reply.error(429, "ThrottlingException"), Reply.error(503, "Unavailable"), OK)
    get(client)
    points = ["before_sign", "after_sign", "after_response"]
    assert order == [
        *((p, 1) for p in points),
        ("on_retry", 1),
        *((p, 2) for p in points),
        ("on_retry", 2),
        *((p, 3) for p in points),
    ]
    assert [r.reason for r in retries] == ["ThrottlingException", "Unavailable"]
    assert [r.delay for r in retries] == sleeps.delays
    assert isinstance(retries[0].error, errors.ThrottlingException)
    assert "ThrottlingException" in repr(retries[0])


def test_hooks_run_for_waiter_polls_and_paginator_pages(
    client: microvm_sdk.Client, server: ReplayServer
) -> None:
    operations: list[str] = []
    client.hooks.after_response(lambda event: operations.append(event.operation_name))
    server.script(Reply.json(200, {**GET.body, "state": "CREATING"}), OK)
    client.wait_until_created(image_identifier=IMAGE_ARN, **QUICK)
    server.handler = three_pages
    list(client.paginate_list_microvm_images().items())
    assert operations == ["GetMicrovmImage"] * 2 + ["ListMicrovmImages"] * 3


def test_a_hook_that_raises_fails_the_call_with_its_exception(
    client: microvm_sdk.Client, server: ReplayServer
) -> None:
    class Veto(Exception):
        pass

    def veto(event: AfterSignEvent) -> None:
        raise Veto("no")

    client.hooks.after_sign(veto)
    with pytest.raises(Veto):
        get(client)
    assert not server.requests
    client.hooks.remove(veto)
    server.script(OK)
    assert get(client).response_metadata.request_id == REQUEST_ID


def test_hooks_added_after_the_first_call_and_removed_ones(
    client: microvm_sdk.Client, server: ReplayServer
) -> None:
    server.script(OK, OK, OK)
    get(client)
    seen: list[int] = []

    def hook(event: AfterResponseEvent) -> None:
        seen.append(event.attempt)

    client.hooks.after_response(hook)
    get(client)
    assert seen == [1]
    client.hooks.remove(hook)
    get(client)
    assert seen == [1]
    with pytest.raises(ValueError, match="not registered"):
        client.hooks.remove(hook)
    client.hooks.on_retry(print)
    client.hooks.clear()
    assert repr(client.hooks).endswith(
        "(before_sign=0, after_sign=0, after_response=0, on_retry=0)"
    )


def test_registration_rules() -> None:
    hooks = Hooks()
    with pytest.raises(TypeError, match="must be callable"):
        hooks.after_response("not a function")  # type: ignore[arg-type]

    async def later(event: AfterResponseEvent) -> None:
        pass

    with pytest.raises(TypeError, match="use AsyncClient for async hooks"):
        hooks.after_response(later)  # type: ignore[arg-type]
    assert AsyncHooks().after_response(later) is later
    event = BeforeSignEvent("Op", 1, microvm_sdk.config.HttpRequest("GET", "https://x"))
    with pytest.raises(AttributeError, match="read-only"):
        event.attempt = 2  # type: ignore[misc]


def test_client_hooks_have_the_flavours_type() -> None:
    client = microvm_sdk.Client(region_name="us-east-1")
    assert type(client.hooks) is Hooks
    assert client.hooks is client.hooks
    aclient = microvm_sdk.AsyncClient(region_name="us-east-1")
    assert type(aclient.hooks) is AsyncHooks


def test_async_hooks_are_awaited_in_the_calling_task(server: ReplayServer) -> None:
    events: list[str] = []

    async def main() -> None:
        async with async_client_for(server) as client:
            task = asyncio.current_task()

            @client.hooks.before_sign
            async def tag(event: BeforeSignEvent) -> None:
                await asyncio.sleep(0)
                assert asyncio.current_task() is task
                event.request.headers["X-Async"] = "yes"
                events.append("before_sign")

            @client.hooks.after_response
            def plain(event: AfterResponseEvent) -> None:
                events.append(f"after_response {event.http_status}")

            await client.get_microvm_image(image_identifier=IMAGE_ARN)

    server.script(OK)
    asyncio.run(main())
    assert events == ["before_sign", "after_response 200"]
    assert server.requests[0].headers["x-async"] == "yes"
