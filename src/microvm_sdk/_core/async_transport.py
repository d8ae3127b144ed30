"""Keep-alive HTTP/1.1 over asyncio streams: the transport of ``AsyncClient``.

:class:`AsyncStreamTransport` is the asyncio twin of
:class:`~microvm_sdk._core.transport.HttpClientTransport` and shares everything with it
that does no I/O: options and their checks, routes and proxies, the request head, the
response parser (a sans-I/O generator fed here by ``await reader.read()``), the keep-alive
rules and the mapping of failures to our errors. What differs is the pool: at most
``max_pool_connections`` connections per origin are open at once, and further requests
wait for one (the blocking transport opens extra connections instead).

Nothing here blocks the event loop: names are resolved by the loop's resolver (a worker
thread), the TLS context (which reads the CA bundle) is built in a worker thread, and every
wait is an ``await``. Timeouts keep their blocking meaning: ``connect_timeout`` bounds
opening a connection (proxy tunnel and TLS handshake included) and ``read_timeout`` each
wait for bytes. A request that is cancelled or times out closes its connection instead of
returning it to the pool, and gives its pool slot back.

An instance belongs to the event loop that uses it; used from another loop (a later
``asyncio.run``), it forgets the first loop's connections and starts afresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import socket
import ssl
import threading
from collections.abc import Mapping
from typing import Any, Final

from .http import AsyncTransport, HttpRequest, HttpResponse
from .transport import (
    _GONE,
    _RECV_SIZE,
    _connect_error,
    _log_new_connection,
    _NoResponseError,
    _parse_response,
    _Parsed,
    _Parser,
    _resend_on_new_connection,
    _Route,
    _TransportBase,
)

__all__ = ["AsyncStreamTransport", "AsyncTransport"]

#: How long ``aclose`` waits for closed connections to finish closing.
_CLOSE_WAIT: Final = 1.0


class _Reader(asyncio.StreamReader):
    """A stream reader that knows whether bytes or EOF arrived that nobody read.

    ``unread`` counts the bytes received and not yet taken with :meth:`take`.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(limit=_RECV_SIZE, loop=loop)
        self.unread = 0
        self.ended = False

    def feed_data(self, data: bytes) -> None:  # type: ignore[override]
        self.unread += len(data)
        super().feed_data(data)

    def feed_eof(self) -> None:
        self.ended = True
        super().feed_eof()

    async def take(self, n: int) -> bytes:
        """Read up to ``n`` bytes (``b""`` at EOF), counting them as read."""
        data = await self.read(n)
        self.unread -= len(data)
        return data


class _AsyncConnection:
    """One open stream pair and the pool generation it belongs to."""

    __slots__ = ("_poller", "generation", "reader", "writer")

    def __init__(self, reader: _Reader, writer: asyncio.StreamWriter, generation: int) -> None:
        self.reader = reader
        self.writer = writer
        self.generation = generation
        self._poller: select.poll | None = None
        sock = writer.get_extra_info("socket")
        if sock is not None and hasattr(select, "poll"):
            self._poller = select.poll()
            self._poller.register(sock.fileno(), select.POLLIN)

    def is_dropped(self) -> bool:
        """Return whether an idle connection can no longer carry a request.

        An idle HTTP/1.1 connection has nothing to read: bytes or EOF that arrived (read
        by the loop already, or still in the socket) mean the server closed it or spoke
        out of turn (say a 408), and it is not used again.
        """
        reader = self.reader
        if reader.unread or reader.ended or reader.exception() is not None:
            return True
        if self.writer.is_closing():
            return True
        try:
            return self._poller is not None and bool(self._poller.poll(0))
        except (OSError, ValueError):
            return True

    def close(self) -> None:
        """Close the connection now (the loop finishes closing it; nothing to await)."""
        with contextlib.suppress(RuntimeError, OSError):  # RuntimeError: its loop is closed
            self.writer.close()


class _ReadDeadlines:
    """The read timeouts of the exchanges in flight on one event loop, kept by one timer.

    An exchange registers its task with a deadline (``read_timeout`` from now, moved on
    whenever bytes arrive) and removes it when done: a dict entry each, instead of a
    timer per exchange as ``asyncio.timeout`` would arm. Deadlines only ever move later,
    so one timer, set for the earliest, suffices; when it fires it cancels the tasks
    whose deadline has passed (they turn that into ``TimeoutError``) and is set again
    for the earliest left.
    """

    __slots__ = ("_expired", "_loop", "_pending", "_timeout", "_timer")

    def __init__(self, loop: asyncio.AbstractEventLoop, timeout: float) -> None:
        self._loop = loop
        self._timeout = timeout
        self._pending: dict[asyncio.Task[Any], float] = {}
        self._expired: set[asyncio.Task[Any]] = set()
        self._timer: asyncio.TimerHandle | None = None

    def start(self, task: asyncio.Task[Any]) -> None:
        """Give ``task`` ``read_timeout`` seconds from now (again) to get bytes."""
        deadline = self._pending[task] = self._loop.time() + self._timeout
        if self._timer is None:
            self._timer = self._loop.call_at(deadline, self._expire)

    def stop(self, task: asyncio.Task[Any]) -> bool:
        """Forget ``task``; return whether its deadline passed (and it was cancelled)."""
        self._pending.pop(task, None)
        if task in self._expired:
            self._expired.discard(task)
            return True
        return False

    def _expire(self) -> None:
        self._timer = None
        now = self._loop.time()
        for task, deadline in list(self._pending.items()):
            if deadline <= now:
                del self._pending[task]
                self._expired.add(task)
                task.cancel()
        if self._pending:
            self._timer = self._loop.call_at(min(self._pending.values()), self._expire)


class _AsyncPool:
    """The connections of one origin: idle ones (last used first) and the slots of all."""

    __slots__ = ("idle", "slots")

    def __init__(self, size: int) -> None:
        self.idle: list[_AsyncConnection] = []
        self.slots = asyncio.Semaphore(size)


class AsyncStreamTransport(_TransportBase[_AsyncPool]):
    """A keep-alive HTTP/1.1 transport over asyncio streams, safe for many tasks at once.

    Args:
        connect_timeout: Seconds allowed to open a connection, including the proxy tunnel
            and the TLS handshake.
        read_timeout: Seconds allowed for each wait for bytes once connected (not for the
            whole response).
        max_pool_connections: Connections open at once per ``(scheme, host, port)``;
            further requests wait until one is free. Idle ones are kept for reuse.
        verify: ``True`` verifies TLS certificates against the bundle boto3 uses by default
            (certifi's when installed, else botocore's); a string is a CA bundle file or a
            directory of hashed certificates to use instead; ``False`` turns verification off.
        proxies: Proxy URL per request scheme, as for ``HttpClientTransport``: ``http://``
            proxies only, HTTPS through a ``CONNECT`` tunnel; ``None`` reads the proxy
            environment variables; ``{}`` turns proxies off.
        client_cert: A client certificate for TLS: one PEM file holding certificate and key,
            or ``(certificate_file, key_file)``.
        user_agent: ``User-Agent`` sent when the request has none.

    Raises:
        microvm_sdk._core.errors.ConfigurationError: An option is invalid or a proxy URL
            is unsupported. The CA bundle and the client certificate are read when the
            first HTTPS connection opens (never for plain HTTP): a file that is missing
            or cannot be read is a ``ConfigurationError`` from that request, raised
            before anything is sent.
    """

    __slots__ = ("_deadlines",)

    _deadlines: _ReadDeadlines  # set by _bind, before the first request on a loop

    def _new_pool(self) -> _AsyncPool:
        return _AsyncPool(self._max_idle)

    # -- public API ---------------------------------------------------------------------

    async def send_async(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` and return the complete response.

        Args:
            request: The request; ``url`` is absolute with the encoded path and query.

        Returns:
            The response, its body read completely, header names in lower case.

        Raises:
            microvm_sdk._core.errors.ConnectionError: Connecting failed (refused, DNS, TLS,
                proxy) or the connection broke before a complete response arrived.
            microvm_sdk._core.errors.ConnectTimeoutError: Connecting took too long.
            microvm_sdk._core.errors.ReadTimeoutError: The server did not answer in time.
            microvm_sdk._core.errors.SerializationError: The method, URL or a header cannot
                be written as HTTP/1.1.
            microvm_sdk._core.errors.ConfigurationError: The URL's scheme is not http(s) or
                a proxy from the environment is unsupported.
        """
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._bind(loop)
        url = request.url
        route, target = self._route(url)
        method = request.method
        head_only = method == "HEAD"
        data, tail = self._serialize(request, route, target)
        pool = route.pool
        async with pool.slots:
            conn: _AsyncConnection | None = None
            idle = pool.idle
            while idle:
                conn = idle.pop()
                if not conn.is_dropped():
                    break
                conn.close()
                conn = None
            reused = conn is not None
            if conn is None:
                conn = await self._connect(route, url)
            while True:
                try:
                    status, headers, body, keep = await _exchange(
                        conn, data, tail, head_only, self._deadlines
                    )
                    break
                except BaseException as exc:  # cancelled, timed out, broken: never pooled
                    conn.close()
                    if not _resend_on_new_connection(exc, reused, method, url, self._read_timeout):
                        raise
                    conn = await self._connect(route, url)
                    reused = False
            if keep and conn.generation == self._generation and len(idle) < self._max_idle:
                idle.append(conn)
            else:
                conn.close()
        return HttpResponse(status, headers, body)

    async def aclose(self) -> None:
        """Close every pooled connection.

        Connections in use by other tasks are closed when their exchange ends. The
        transport remains usable: later requests open new connections.
        """
        with self._lock:
            self._generation += 1
            idle = [conn for pool in self._pools.values() for conn in pool.idle]
            for pool in self._pools.values():
                pool.idle.clear()
        for conn in idle:
            conn.close()
        if idle and self._loop is asyncio.get_running_loop():
            waits = [conn.writer.wait_closed() for conn in idle]
            with contextlib.suppress(Exception):
                async with asyncio.timeout(_CLOSE_WAIT):
                    await asyncio.gather(*waits, return_exceptions=True)

    async def __aenter__(self) -> AsyncStreamTransport:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- internals ----------------------------------------------------------------------

    def _idle_count(self) -> int:
        """Return how many idle connections the pool holds (for tests and diagnostics)."""
        with self._lock:
            return sum(len(pool.idle) for pool in self._pools.values())

    def _bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start afresh on ``loop``: another loop's connections and slots cannot serve it."""
        with self._lock:
            old = [conn for pool in self._pools.values() for conn in pool.idle]
            self._pools = {}
            self._routes = {}
            self._generation += 1
            self._loop = loop
            self._deadlines = _ReadDeadlines(loop, self._read_timeout)
        for conn in old:
            conn.close()

    async def _connect(self, route: _Route[_AsyncPool], url: str) -> _AsyncConnection:
        """Open a new connection for ``route`` (through its proxy, with TLS if https)."""
        generation = self._generation
        loop = asyncio.get_running_loop()
        writer: asyncio.StreamWriter | None = None
        try:
            context: ssl.SSLContext | None = None
            if route.tls:
                context = self._ssl_context or await asyncio.to_thread(self._get_ssl_context)
            async with asyncio.timeout(self._connect_timeout):
                reader = _Reader(loop)
                protocol = asyncio.StreamReaderProtocol(reader, loop=loop)
                direct = context if route.tunnel_headers is None else None
                transport, _ = await loop.create_connection(
                    lambda: protocol,
                    route.connect_host,
                    route.connect_port,
                    ssl=direct,
                    server_hostname=route.host if direct is not None else None,
                )
                writer = asyncio.StreamWriter(transport, protocol, reader, loop)
                if route.tunnel_headers is not None:
                    assert context is not None  # tunnels are made for https only
                    await _open_tunnel(reader, writer, route.tunnel_headers)
                    await writer.start_tls(context, server_hostname=route.host)
            sock = writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except BaseException as exc:
            if writer is not None:
                writer.close()
            error = _connect_error(exc, url, self._connect_timeout)
            if error is None:
                raise
            raise error from exc
        _log_new_connection(route, url)
        return _AsyncConnection(reader, writer, generation)

    def _after_fork(self) -> None:
        """Forget the parent's connections in a forked child.

        They belong to the parent's event loop, whose selector the child shares: the
        child must not close them through it. It starts with an empty pool.
        """
        self._lock = threading.Lock()
        self._generation += 1
        _orphans.extend(conn for pool in self._pools.values() for conn in pool.idle)
        self._pools = {}
        self._routes = {}
        self._loop = None


async def _exchange(
    conn: _AsyncConnection, data: bytes, tail: bytes, head_only: bool, deadlines: _ReadDeadlines
) -> _Parsed:
    """Send one request and read its response: ``(status, headers, body, keep_alive)``.

    Raises:
        _NoResponseError: The peer went away before any response byte.
        _BadResponseError: The response is not valid HTTP/1.x.
        TimeoutError: No bytes arrived for ``read_timeout`` seconds.
        OSError: Any other socket or TLS failure.
    """
    reader, writer = conn.reader, conn.writer
    task = asyncio.current_task()
    assert task is not None  # called from a coroutine
    deadlines.start(task)
    try:
        try:
            writer.write(data)
            if tail:
                writer.write(tail)
            if writer.transport.get_write_buffer_size():  # else all went out at once
                await writer.drain()
            buf = await reader.take(_RECV_SIZE)
        except _GONE as exc:
            raise _NoResponseError(str(exc) or type(exc).__name__) from exc
        if not buf:
            raise _NoResponseError("the server closed the connection")
        parsed = _parse_response(buf, head_only)
        if isinstance(parsed, tuple):
            return parsed
        try:
            size = next(parsed)
            while True:
                deadlines.start(task)
                size = parsed.send(await reader.take(size))
        except StopIteration as done:
            result: _Parsed = done.value
            return result
    except asyncio.CancelledError:
        # Our own timer's cancellation becomes a timeout, unless someone else cancelled too.
        if deadlines.stop(task) and task.uncancel() == 0:
            raise TimeoutError from None
        raise
    finally:
        deadlines.stop(task)


async def _feed(reader: _Reader, parsed: _Parsed | _Parser) -> _Parsed:
    """Finish parsing a response with what ``reader`` receives."""
    if isinstance(parsed, tuple):
        return parsed
    try:
        size = next(parsed)
        while True:
            size = parsed.send(await reader.take(size))
    except StopIteration as done:
        result: _Parsed = done.value
        return result


async def _open_tunnel(
    reader: _Reader, writer: asyncio.StreamWriter, headers: Mapping[str, str]
) -> None:
    """Ask the proxy for a ``CONNECT`` tunnel to ``headers["Host"]``.

    Raises:
        OSError: The proxy refused or closed the connection.
        _BadResponseError: The proxy's answer is not HTTP.
    """
    lines = [f"CONNECT {headers['Host']} HTTP/1.1\r\n"]
    lines += [f"{name}: {value}\r\n" for name, value in headers.items()]
    writer.write(("".join(lines) + "\r\n").encode("latin-1"))
    first = await reader.take(_RECV_SIZE)
    if not first:
        raise OSError("the proxy closed the connection")
    status = (await _feed(reader, _parse_response(first, head_only=True)))[0]
    if status != 200:
        raise OSError(f"Tunnel connection failed: {status}")


#: Connections a forked child inherited: kept, never touched (see ``_after_fork``).
_orphans: list[_AsyncConnection] = []
