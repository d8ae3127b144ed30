"""Sharing one client between threads, connection reuse, and closing."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote

from client_cases import ACCOUNT, IMAGE_ARN, T0
from replay_server import ClientFactory, Recorded, ReplayServer, Reply

import microvm_sdk

THREADS = 8
CALLS = 50


def echo_image(request: Recorded) -> Reply:
    """Answer GetMicrovmImage with the image named in the path, to catch cross-talk."""
    arn = unquote(request.path.rsplit("/", 1)[1])
    return Reply.json(
        200, {"imageArn": arn, "name": arn.rsplit(":", 1)[1], "state": "CREATED", "createdAt": T0}
    )


def test_one_client_shared_by_threads(
    sync_client: microvm_sdk.Client, server: ReplayServer
) -> None:
    client = sync_client
    server.handler = echo_image
    start = threading.Barrier(THREADS)

    def work(worker: int) -> list[tuple[str, str]]:
        start.wait(5)
        seen = []
        for call in range(CALLS):
            name = f"img-{worker}-{call}"
            out = client.get_microvm_image(
                image_identifier=f"arn:aws:lambda:us-east-1:{ACCOUNT}:microvm-image:{name}"
            )
            seen.append((name, out.name))
        return seen

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(work, range(THREADS)))

    for seen in results:
        assert len(seen) == CALLS
        assert all(sent == got for sent, got in seen)
    assert len(server.requests) == THREADS * CALLS
    assert len({r.headers["amz-sdk-invocation-id"] for r in server.requests}) == THREADS * CALLS
    # Keep-alive: never more connections than threads sending at once.
    assert 1 <= server.connections_opened <= THREADS


def test_threads_creating_get_distinct_client_tokens(
    sync_client: microvm_sdk.Client, server: ReplayServer
) -> None:
    client = sync_client
    from client_cases import CASES_BY_NAME

    case = CASES_BY_NAME["RunMicrovm"]
    server.handler = lambda request: Reply.json(200, case.body)

    def run(_: int) -> None:
        client.run_microvm(image_identifier=IMAGE_ARN)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(run, range(40)))
    tokens = [r.json()["clientToken"] for r in server.requests]
    assert len(tokens) == len(set(tokens)) == 40


def test_connection_is_kept_alive(client: microvm_sdk.Client, server: ReplayServer) -> None:
    server.handler = echo_image
    for _ in range(5):
        client.get_microvm_image(image_identifier=IMAGE_ARN)
    assert server.connections_opened == 1
    assert {r.connection for r in server.requests} == {1}


def test_context_manager_closes_the_pool(make_client: ClientFactory, server: ReplayServer) -> None:
    server.handler = echo_image
    with make_client() as client:
        client.get_microvm_image(image_identifier=IMAGE_ARN)
        client.get_microvm_image(image_identifier=IMAGE_ARN)
        assert server.connections_opened == 1
        assert server.connections_closed == 0
    assert server.wait_for(lambda: server.connections_closed == 1, timeout=5)


def test_close_then_use_again_reconnects(make_client: ClientFactory, server: ReplayServer) -> None:
    server.handler = echo_image
    client = make_client()
    client.get_microvm_image(image_identifier=IMAGE_ARN)
    client.close()
    assert server.wait_for(lambda: server.connections_closed == 1, timeout=5)
    client.get_microvm_image(image_identifier=IMAGE_ARN)
    assert server.connections_opened == 2
    assert [r.connection for r in server.requests] == [1, 2]


def test_context_manager_closes_on_error(make_client: ClientFactory, server: ReplayServer) -> None:
    server.script(Reply.error(400, "ValidationException"))
    try:
        with make_client() as client:
            client.get_microvm_image(image_identifier=IMAGE_ARN)
    except microvm_sdk.errors.ValidationException:
        pass
    assert server.wait_for(lambda: server.connections_closed == 1, timeout=5)


def test_close_before_any_call(make_client: ClientFactory, server: ReplayServer) -> None:
    with make_client():
        pass
    assert server.connections_opened == 0


def test_stale_keep_alive_connection_under_a_post_is_retried_with_the_same_token(
    client: microvm_sdk.Client, server: ReplayServer
) -> None:
    """The server drops a kept-alive connection under a POST: the transport does not send
    it again by itself (the server may have acted on it); the retry layer does, as a
    counted attempt, with the same client token, on a new connection."""
    from client_cases import CASES_BY_NAME

    case = CASES_BY_NAME["RunMicrovm"]
    server.script(Reply.json(200, case.body), Reply.drop(), Reply.json(200, case.body))
    client.run_microvm(image_identifier=IMAGE_ARN)
    client.run_microvm(image_identifier=IMAGE_ARN)
    first, dropped, resent = server.requests
    assert dropped.connection == first.connection
    assert resent.connection != dropped.connection
    assert dropped.json()["clientToken"] == resent.json()["clientToken"]
    assert dropped.headers["amz-sdk-request"] == "attempt=1; max=3"
    assert resent.headers["amz-sdk-request"] == "attempt=2; max=3"
