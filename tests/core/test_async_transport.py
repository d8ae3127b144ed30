"""What only the asyncio transport has: a bounded pool shared by tasks, cancellation,
and event loops that come and go. Everything both transports do is tested, for both,
in ``test_transport.py`` (whose loopback server these tests use)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from test_transport import WAIT, Req, Server, get, ok, response

from microvm_sdk._core import errors
from microvm_sdk._core.async_transport import AsyncStreamTransport, AsyncTransport
from microvm_sdk._core.http import HttpRequest, HttpResponse


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def start(handler: Callable[[Req], Any] = ok) -> Server:
        servers.append(Server(handler))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


class Gate:
    """Holds the server's answers to ``/held...`` until released; says when one arrived."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.release = threading.Event()

    def __call__(self, req: Req) -> bytes:
        if req.target.startswith("/held"):
            self.arrived.set()
            self.release.wait(WAIT)
        return ok(req)

    async def wait_arrived(self) -> None:
        assert await asyncio.to_thread(self.arrived.wait, WAIT)


def transport(**kwargs: Any) -> AsyncStreamTransport:
    return AsyncStreamTransport(proxies={}, **kwargs)


def test_is_an_async_transport() -> None:
    def takes(t: AsyncTransport) -> AsyncTransport:
        return t

    t = transport()
    assert takes(t) is t


def test_many_tasks_share_a_bounded_pool_without_cross_talk(serve: Callable[..., Server]) -> None:
    server = serve(lambda req: response(200, req.headers["x-seq"].encode()))
    limit = 3

    async def main() -> list[HttpResponse]:
        async with transport(max_pool_connections=limit) as t:

            async def one(n: int) -> HttpResponse:
                return await t.send_async(get(f"{server.url}/w/{n}", **{"X-Seq": str(n)}))

            results = await asyncio.gather(*(one(n) for n in range(200)))
            assert 1 <= t._idle_count() <= limit
            return results

    results = asyncio.run(main())
    assert [(r.status, r.body) for r in results] == [(200, str(n).encode()) for n in range(200)]
    assert len(server.requests_seen()) == 200
    assert server.connections <= limit  # never more connections than the pool allows


def test_a_call_cancelled_mid_request_closes_its_connection_and_frees_its_slot(
    serve: Callable[..., Server],
) -> None:
    gate = Gate()
    server = serve(gate)

    async def main() -> None:
        t = transport(max_pool_connections=1)
        assert (await t.send_async(get(server.url + "/warm"))).status == 200
        task = asyncio.create_task(t.send_async(get(server.url + "/held")))
        await gate.wait_arrived()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert t._idle_count() == 0  # the interrupted connection was not pooled
        gate.release.set()
        # The only slot is free again, and the next request gets a new connection.
        again = await asyncio.wait_for(t.send_async(get(server.url + "/after")), WAIT)
        assert again.status == 200
        await t.aclose()

    asyncio.run(main())
    assert server.closed_by_client.wait(WAIT)  # the server saw the cancelled one end
    assert [(r.conn_no, r.target) for r in server.requests_seen()] == [
        (1, "/warm"),
        (1, "/held"),
        (2, "/after"),
    ]


def test_a_task_cancelled_while_waiting_for_a_slot_takes_none(
    serve: Callable[..., Server],
) -> None:
    gate = Gate()
    server = serve(gate)

    async def main() -> None:
        t = transport(max_pool_connections=1)
        holder = asyncio.create_task(t.send_async(get(server.url + "/held")))
        await gate.wait_arrived()
        waiter = asyncio.create_task(t.send_async(get(server.url + "/queued")))
        await asyncio.sleep(0.01)
        assert not waiter.done()  # no free slot: it waits
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        gate.release.set()
        assert (await holder).status == 200
        assert (await asyncio.wait_for(t.send_async(get(server.url + "/next")), WAIT)).status == 200
        await t.aclose()

    asyncio.run(main())
    assert [r.target for r in server.requests_seen()] == ["/held", "/next"]
    assert server.connections == 1


def test_a_read_timeout_frees_the_slot(serve: Callable[..., Server]) -> None:
    gate = Gate()
    server = serve(gate)

    async def main() -> None:
        t = transport(max_pool_connections=1, read_timeout=0.2)
        with pytest.raises(errors.ReadTimeoutError):
            await t.send_async(get(server.url + "/held"))
        gate.release.set()
        assert (await asyncio.wait_for(t.send_async(get(server.url + "/x")), WAIT)).status == 200
        await t.aclose()

    asyncio.run(main())
    assert server.connections == 2


def test_a_connection_in_use_during_aclose_is_not_pooled_afterwards(
    serve: Callable[..., Server],
) -> None:
    gate = Gate()
    server = serve(gate)

    async def main() -> None:
        t = transport()
        task = asyncio.create_task(t.send_async(get(server.url + "/held")))
        await gate.wait_arrived()
        await t.aclose()
        gate.release.set()
        assert (await task).status == 200
        assert t._idle_count() == 0

    asyncio.run(main())


def test_aclose_closes_idle_connections_and_the_transport_stays_usable(
    serve: Callable[..., Server],
) -> None:
    server = serve()

    async def main() -> None:
        t = transport()
        await t.send_async(get(server.url + "/1"))
        await t.aclose()
        assert t._idle_count() == 0
        assert await asyncio.to_thread(server.closed_by_client.wait, WAIT)
        assert (await t.send_async(get(server.url + "/2"))).status == 200
        await t.aclose()

    asyncio.run(main())
    assert server.connections == 2


def test_a_transport_used_from_a_second_event_loop_starts_afresh(
    serve: Callable[..., Server],
) -> None:
    server = serve()
    t = transport()
    for _ in range(2):  # two asyncio.run calls: two event loops
        with asyncio.Runner() as runner:
            assert runner.run(t.send_async(get(server.url + "/"))).status == 200
            assert runner.run(t.send_async(get(server.url + "/"))).status == 200
            runner.run(t.aclose())
    assert server.connections == 2  # one per loop; the first loop's was not reused


def test_one_double_can_serve_both_transport_protocols() -> None:
    """The protocols' method names differ, so one test double implements both."""
    from microvm_sdk._core.transport import Transport

    class Double:
        def send(self, request: HttpRequest) -> HttpResponse:
            return HttpResponse(200, {}, b"sync")

        def close(self) -> None:
            pass

        async def send_async(self, request: HttpRequest) -> HttpResponse:
            return HttpResponse(200, {}, b"async")

        async def aclose(self) -> None:
            pass

    double = Double()
    sync: Transport = double
    flavoured: AsyncTransport = double
    assert sync.send(get("http://x/")).body == b"sync"
    assert asyncio.run(flavoured.send_async(get("http://x/"))).body == b"async"


def test_exchanges_in_flight_time_out_each_on_their_own(serve: Callable[..., Server]) -> None:
    gate = Gate()
    server = serve(gate)

    async def main() -> list[BaseException | HttpResponse]:
        t = transport(read_timeout=0.2)
        results = await asyncio.gather(
            *(t.send_async(get(f"{server.url}/held/{n}")) for n in range(3)),
            return_exceptions=True,
        )
        await t.aclose()
        return results

    results = asyncio.run(main())
    gate.release.set()
    assert [type(r) for r in results] == [errors.ReadTimeoutError] * 3


def test_bytes_arriving_in_time_keep_a_slow_response_going() -> None:
    """The read timeout bounds each wait for bytes, not the whole response."""
    body = b"x" * 50

    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
        for n in range(5):
            await asyncio.sleep(0.3)  # 1.5 s in all, each gap well under the 1 s timeout
            writer.write(body[n * 10 : n * 10 + 10])
            await writer.drain()
        writer.close()

    async def main() -> HttpResponse:
        server = await asyncio.start_server(trickle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        t = transport(read_timeout=1.0)
        try:
            return await t.send_async(get(f"http://127.0.0.1:{port}/slow"))
        finally:
            await t.aclose()
            server.close()
            await server.wait_closed()

    assert asyncio.run(main()).body == body
