"""Tests of the HTTP transports against real loopback servers started here.

Tests that take the ``transport`` fixture run twice: against the blocking
``HttpClientTransport`` and against the asyncio ``AsyncStreamTransport`` (driven through
a blocking facade on one event loop). Tests about threads take ``blocking_transport``;
the asyncio transport's own concurrency, cancellation and pool bounds are tested in
``test_async_transport.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flavours import FLAVOURS, TransportFacade

from microvm_sdk._core import errors
from microvm_sdk._core.async_transport import AsyncStreamTransport
from microvm_sdk._core.http import HttpRequest
from microvm_sdk._core.transport import HttpClientTransport, Transport, proxies_from_environment

WAIT = 5.0  # upper bound for any wait on a server event; tests normally take milliseconds


# -- a loopback HTTP/1.1 server ------------------------------------------------------------


@dataclass
class Req:
    method: str
    target: str
    version: str
    headers: dict[str, str]  # lower-case names; repeated names joined with ", "
    body: bytes
    conn_no: int  # 1-based connection number as the server accepted them
    index: int  # 0-based request number on its connection


# What a handler may return besides the bytes of a response.
CLOSE = "close"  # close the connection without answering
HANG = "hang"  # never answer (until the server stops)


@dataclass
class Tunnel:
    host: str
    port: int


@dataclass
class ThenClose:
    response: bytes


Handler = Callable[[Req], "bytes | str | Tunnel | ThenClose"]


def response(
    status: int = 200,
    body: bytes = b"{}",
    headers: list[tuple[str, str]] | None = None,
    *,
    version: str = "HTTP/1.1",
    length: bool = True,
) -> bytes:
    lines = [f"{version} {status} Whatever"]
    lines += [f"{k}: {v}" for k, v in headers or []]
    if length:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def ok(req: Req) -> bytes:
    return response(200, b'{"ok":true}', [("Content-Type", "application/json")])


def _recv_request(
    sock: socket.socket, buf: bytearray
) -> tuple[str, str, str, dict[str, str], bytes] | None:
    while b"\r\n\r\n" not in buf:
        data = sock.recv(65536)
        if not data:
            return None
        buf.extend(data)
    end = buf.index(b"\r\n\r\n")
    lines = bytes(buf[:end]).decode("latin-1").split("\r\n")
    del buf[: end + 4]
    method, target, version = lines[0].split(" ")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        key = name.strip().lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    length = int(headers.get("content-length", "0"))
    while len(buf) < length:
        data = sock.recv(65536)
        if not data:
            return None
        buf.extend(data)
    body = bytes(buf[:length])
    del buf[:length]
    return method, target, version, headers, body


class Server:
    """A threaded loopback server; every response goes out in one ``sendall``."""

    def __init__(self, handler: Handler, tls: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.tls = tls
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self.requests: list[Req] = []
        self.connections = 0
        self.closed_by_client = threading.Event()  # a client closed a connection (EOF seen)
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.socks: list[socket.socket] = []
        self.threads: list[threading.Thread] = []
        self.errors: list[BaseException] = []
        self._spawn(self._accept_loop)

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def _spawn(self, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        with self.lock:
            self.threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self.lock:
                self.connections += 1
                conn_no = self.connections
                self.socks.append(sock)
            self._spawn(self._serve, sock, conn_no)

    def _serve(self, sock: socket.socket, conn_no: int) -> None:
        sock.settimeout(WAIT)
        try:
            if self.tls is not None:
                tls_sock = self.tls.wrap_socket(sock, server_side=True)
                with self.lock:
                    self.socks.append(tls_sock)
                sock = tls_sock
            buf = bytearray()
            index = 0
            while not self.stopping.is_set():
                got = _recv_request(sock, buf)
                if got is None:
                    self.closed_by_client.set()
                    return
                req = Req(*got, conn_no=conn_no, index=index)
                index += 1
                with self.lock:
                    self.requests.append(req)
                action = self.handler(req)
                if action == CLOSE:
                    return
                if action == HANG:
                    self.stopping.wait(WAIT)
                    return
                if isinstance(action, Tunnel):
                    self._tunnel(sock, action)
                    return
                if isinstance(action, ThenClose):
                    sock.sendall(action.response)
                    return
                assert isinstance(action, bytes)
                sock.sendall(action)
        except (OSError, ValueError) as exc:
            if not self.stopping.is_set():
                self.errors.append(exc)
        finally:
            with contextlib.suppress(OSError):
                sock.close()

    def _tunnel(self, client: socket.socket, where: Tunnel) -> None:
        upstream = socket.create_connection((where.host, where.port), timeout=WAIT)
        with self.lock:
            self.socks.append(upstream)
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")

        def pump(src: socket.socket, dst: socket.socket) -> None:
            with contextlib.suppress(OSError):
                while data := src.recv(65536):
                    dst.sendall(data)
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)

        self._spawn(pump, upstream, client)
        pump(client, upstream)
        self.stopping.wait(WAIT)
        upstream.close()

    def requests_seen(self) -> list[Req]:
        with self.lock:
            return list(self.requests)

    def stop(self) -> None:
        self.stopping.set()
        self.listener.close()
        with self.lock:
            socks = list(self.socks)
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()
        with self.lock:
            threads = list(self.threads)
        for thread in threads:
            thread.join(WAIT)


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def start(handler: Handler = ok, tls: ssl.SSLContext | None = None) -> Server:
        server = Server(handler, tls)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def blocking_transport() -> Iterator[Callable[..., HttpClientTransport]]:
    made: list[HttpClientTransport] = []

    def make(**kwargs: Any) -> HttpClientTransport:
        kwargs.setdefault("proxies", {})
        made.append(HttpClientTransport(**kwargs))
        return made[-1]

    yield make
    for item in made:
        item.close()


@pytest.fixture(params=FLAVOURS)
def transport(
    request: pytest.FixtureRequest,
    blocking_transport: Callable[..., HttpClientTransport],
    runner: asyncio.Runner,
) -> Iterator[Callable[..., Any]]:
    """Make transports of the test's flavour: blocking, or asyncio behind a facade."""
    if request.param == "sync":
        yield blocking_transport
        return
    made: list[TransportFacade] = []

    def make(**kwargs: Any) -> TransportFacade:
        kwargs.setdefault("proxies", {})
        made.append(TransportFacade(runner, AsyncStreamTransport(**kwargs)))
        return made[-1]

    yield make
    for item in made:
        item.close()


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.lower().endswith("_proxy") or name == "REQUEST_METHOD":
            monkeypatch.delenv(name)


def get(url: str, **headers: str) -> HttpRequest:
    return HttpRequest("GET", url, dict(headers))


def post(url: str, body: bytes = b'{"name":"img"}', **headers: str) -> HttpRequest:
    return HttpRequest("POST", url, {"Content-Type": "application/json", **headers}, body)


def idle_sockets(t: Any) -> list[Any]:
    """The sockets of the idle connections (asyncio's are ``TransportSocket`` wrappers)."""
    if isinstance(t, TransportFacade):
        return [
            conn.writer.get_extra_info("socket") for pool in t._pools.values() for conn in pool.idle
        ]
    return [conn.sock for conns in t._pools.values() for conn in conns]


def idle_over_tls(t: Any) -> list[bool]:
    """Whether each idle connection speaks TLS."""
    if isinstance(t, TransportFacade):
        return [
            conn.writer.get_extra_info("ssl_object") is not None
            for pool in t._pools.values()
            for conn in pool.idle
        ]
    return [isinstance(sock, ssl.SSLSocket) for sock in idle_sockets(t)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- keep-alive, request format -----------------------------------------------------------


def test_is_a_transport() -> None:
    def takes(t: Transport) -> Transport:
        return t

    with HttpClientTransport(proxies={}) as t:
        assert takes(t) is t


def test_sequential_calls_reuse_one_connection(serve, transport) -> None:
    server = serve()
    t = transport()
    for i in range(20):
        resp = t.send(get(f"{server.url}/items/{i}?page={i}"))
        assert resp.status == 200
        assert resp.body == b'{"ok":true}'
        assert resp.headers["content-type"] == "application/json"
    assert server.connections == 1
    assert [r.target for r in server.requests_seen()] == [f"/items/{i}?page={i}" for i in range(20)]
    assert t._idle_count() == 1


def test_tcp_nodelay_is_set_on_client_sockets(serve, transport) -> None:
    server = serve()
    t = transport()
    t.send(get(server.url + "/"))
    (sock,) = idle_sockets(t)
    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_posts_do_not_stall_on_delayed_ack(serve, transport) -> None:
    # Headers and body written separately without TCP_NODELAY stall ~40 ms per POST here.
    server = serve()
    t = transport()
    t.send(post(server.url + "/warm"))
    body = b'{"name":"' + b"x" * 1500 + b'"}'
    start = time.perf_counter()
    for _ in range(10):
        assert t.send(post(server.url + "/2025-09-09/microvm-images", body)).status == 200
    elapsed = time.perf_counter() - start
    assert elapsed < 0.2, f"10 POSTs took {elapsed * 1000:.0f} ms"
    assert server.connections == 1


def test_request_head_carries_host_length_and_defaults(serve, transport) -> None:
    server = serve()
    t = transport(user_agent="microvm-sdk/test")
    t.send(post(server.url + "/p?a=1&b=%2F", b"12345", **{"X-Amz-Date": "20260101T000000Z"}))
    t.send(HttpRequest("GET", server.url + "/g", {"User-Agent": "mine", "Host": "example.test"}))
    t.send(HttpRequest("PUT", server.url + "/empty", {"content-length": "99"}, b""))
    first, second, third = server.requests_seen()
    assert (first.method, first.target, first.version) == ("POST", "/p?a=1&b=%2F", "HTTP/1.1")
    assert first.headers["host"] == f"127.0.0.1:{server.port}"
    assert first.headers["content-length"] == "5"
    assert first.headers["user-agent"] == "microvm-sdk/test"
    assert first.headers["accept-encoding"] == "identity"
    assert first.headers["x-amz-date"] == "20260101T000000Z"
    assert first.body == b"12345"
    assert second.headers["user-agent"] == "mine"
    assert second.headers["host"] == "example.test"
    assert "content-length" not in second.headers
    assert third.headers["content-length"] == "0"  # the caller's wrong value is not sent


@pytest.mark.parametrize(
    ("url", "host_line"),
    [
        ("https://lambda.us-east-1.amazonaws.com/x", "Host: lambda.us-east-1.amazonaws.com\r\n"),
        ("https://Example.TEST:443/x", "Host: example.test\r\n"),
        ("http://example.test:80/x", "Host: example.test\r\n"),
        ("https://example.test:8443/x", "Host: example.test:8443\r\n"),
        ("http://[::1]:8080/x", "Host: [::1]:8080\r\n"),
    ],
)
def test_host_header_leaves_out_default_ports(transport, url, host_line) -> None:
    route, target = transport()._resolve(url)
    assert (route.host_line, target) == (host_line, "/x")


@pytest.mark.parametrize(
    ("url", "headers", "match"),
    [
        ("/x", {"X-Bad": "a\r\nX-Evil: 1"}, "line break"),
        ("/x", {"X-Bad": "a\nb"}, "line break"),
        ("/x", {"Bad Name": "v"}, "header name"),
        ("/x", {"X-Snow": "\u2603"}, "ISO-8859-1"),
        ("/a b", {}, "request line"),
        ("/caf\u00e9", {}, "request line"),
    ],
)
def test_unsendable_requests_are_refused_before_connecting(
    serve, transport, url, headers, match
) -> None:
    server = serve()
    t = transport()
    with pytest.raises(errors.SerializationError, match=match):
        t.send(HttpRequest("GET", server.url + url, headers))
    assert server.connections == 0


def test_large_request_and_response_bodies(serve, transport) -> None:
    big = os.urandom(1 << 20)
    server = serve(lambda req: response(200, big + req.body[:16]))
    t = transport()
    payload = os.urandom(200_000)  # above the size that is coalesced with the head
    resp = t.send(post(server.url + "/big", payload))
    assert resp.body == big + payload[:16]
    assert server.requests_seen()[0].body == payload
    assert t.send(get(server.url + "/again")).status == 200
    assert server.connections == 1


# -- response parsing ---------------------------------------------------------------------


def test_chunked_body_with_extension_and_trailer(serve, transport) -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n"
    )
    server = serve(lambda req: chunked if req.index == 0 else ok(req))
    t = transport()
    resp = t.send(get(server.url + "/chunked"))
    assert resp.body == b"hello 0123456789"
    assert resp.headers["transfer-encoding"] == "chunked"
    assert t.send(get(server.url + "/next")).body == b'{"ok":true}'
    assert server.connections == 1  # the trailer was consumed: the connection stayed usable


def test_repeated_headers_are_joined_and_names_lowered(serve, transport) -> None:
    server = serve(
        lambda req: response(
            200, b"", [("X-Multi", "a"), ("X-Amzn-RequestId", "r1"), ("x-multi", "b")]
        )
    )
    resp = transport().send(get(server.url + "/"))
    assert resp.headers["x-multi"] == "a, b"
    assert resp.headers["x-amzn-requestid"] == "r1"
    assert all(name == name.lower() for name in resp.headers)


def test_interim_100_continue_is_skipped(serve, transport) -> None:
    server = serve(lambda req: b"HTTP/1.1 100 Continue\r\n\r\n" + response(201, b"done"))
    t = transport()
    resp = t.send(post(server.url + "/"))
    assert (resp.status, resp.body) == (201, b"done")
    assert t.send(post(server.url + "/")).status == 201
    assert server.connections == 1


def test_head_response_has_no_body_and_keeps_connection(serve, transport) -> None:
    server = serve(lambda req: response(200, b"", [("Content-Length", "100")], length=False))
    t = transport()
    for _ in range(2):
        resp = t.send(HttpRequest("HEAD", server.url + "/"))
        assert (resp.status, resp.body, resp.headers["content-length"]) == (200, b"", "100")
    assert server.connections == 1


def test_body_delimited_by_close(serve, transport) -> None:
    server = serve(
        lambda req: ThenClose(response(200, b"until close", version="HTTP/1.0", length=False))
    )
    t = transport()
    assert t.send(get(server.url + "/")).body == b"until close"
    assert t._idle_count() == 0


@pytest.mark.parametrize(
    "raw",
    [
        b"garbage\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\nx",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
    ],
)
def test_malformed_or_truncated_response_is_a_connection_error(serve, transport, raw) -> None:
    server = serve(lambda req: ThenClose(raw))
    t = transport()
    with pytest.raises(errors.ConnectionError) as info:
        t.send(get(server.url + "/bad?secret=1"))
    assert info.value.url == server.url + "/bad"
    assert t._idle_count() == 0
    assert server.connections == 1


# -- connection reuse rules ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "headers", "pooled"),
    [
        ("HTTP/1.1", [("Connection", "close")], False),
        ("HTTP/1.1", [("Connection", "Keep-Alive, Close")], False),
        ("HTTP/1.0", [], False),
        ("HTTP/1.0", [("Connection", "keep-alive")], True),
        ("HTTP/1.1", [], True),
    ],
)
def test_connection_close_and_http10_are_not_pooled(
    serve, transport, version, headers, pooled
) -> None:
    # The server keeps serving the connection whatever it said: only the client decides.
    server = serve(lambda req: response(200, b"x", headers, version=version))
    t = transport()
    for _ in range(3):
        assert t.send(get(server.url + "/")).body == b"x"
    assert server.connections == (1 if pooled else 3)
    assert t._idle_count() == (1 if pooled else 0)


def test_idle_connection_closed_by_server_is_replaced(serve, transport) -> None:
    server = serve(lambda req: ThenClose(ok(req)))  # says keep-alive, then closes
    t = transport()
    assert t.send(get(server.url + "/1")).status == 200
    (sock,) = idle_sockets(t)
    assert select.select([sock], [], [], WAIT)[0]  # the server's FIN has arrived
    assert t.send(get(server.url + "/2")).status == 200
    assert server.connections == 2
    assert [r.target for r in server.requests_seen()] == ["/1", "/2"]


def test_unsolicited_response_on_idle_connection_is_not_read_as_the_answer(
    serve, transport
) -> None:
    server = serve()
    t = transport()
    assert t.send(get(server.url + "/1")).status == 200
    (sock,) = idle_sockets(t)
    with server.lock:
        server_side = server.socks[0]
    server_side.sendall(response(408, b"", [("Connection", "close")]))  # a stray 408
    assert select.select([sock], [], [], WAIT)[0]
    resp = t.send(get(server.url + "/2"))
    assert (resp.status, resp.body) == (200, b'{"ok":true}')
    assert server.connections == 2


def test_reused_connection_dropped_at_request_time_is_retried_once(serve, transport) -> None:
    # Answer the first request of each connection; close without answering on the next.
    server = serve(lambda req: ok(req) if req.index == 0 else CLOSE)
    t = transport()
    assert t.send(get(server.url + "/1")).status == 200
    assert t.send(get(server.url + "/2")).status == 200
    seen = server.requests_seen()
    assert [(r.conn_no, r.index, r.target) for r in seen] == [
        (1, 0, "/1"),
        (1, 1, "/2"),
        (2, 0, "/2"),
    ]


def test_a_post_on_a_dropped_reused_connection_is_not_sent_again(serve, transport) -> None:
    # The server may have acted on the POST before the connection died: the transport
    # reports it, and only the retry layer (which counts attempts) may send it again.
    server = serve(lambda req: ok(req) if req.index == 0 else CLOSE)
    t = transport()
    assert t.send(post(server.url + "/1")).status == 200
    with pytest.raises(errors.ConnectionError, match="closed before a response"):
        t.send(post(server.url + "/2"))
    assert [(r.conn_no, r.index, r.target) for r in server.requests_seen()] == [
        (1, 0, "/1"),
        (1, 1, "/2"),
    ]


def test_fresh_connection_failure_is_not_retried(serve, transport) -> None:
    server = serve(lambda req: CLOSE)
    t = transport()
    with pytest.raises(errors.ConnectionError, match="closed before a response"):
        t.send(post(server.url + "/x"))
    assert server.connections == 1
    assert len(server.requests_seen()) == 1


def test_retry_after_stale_connection_happens_only_once(serve, transport) -> None:
    server = serve(lambda req: ok(req) if (req.conn_no, req.index) == (1, 0) else CLOSE)
    t = transport()
    assert t.send(get(server.url + "/1")).status == 200
    with pytest.raises(errors.ConnectionError):
        t.send(get(server.url + "/2"))
    assert server.connections == 2
    assert len(server.requests_seen()) == 3


def test_read_timeout_on_reused_connection_is_not_retried(serve, transport) -> None:
    server = serve(lambda req: ok(req) if req.index == 0 else HANG)
    t = transport(read_timeout=0.2)
    assert t.send(get(server.url + "/1")).status == 200
    with pytest.raises(errors.ReadTimeoutError):
        t.send(get(server.url + "/2"))
    assert server.connections == 1


# -- failures -----------------------------------------------------------------------------


def test_connection_refused(transport) -> None:
    url = f"http://127.0.0.1:{free_port()}/x?token=secret"
    with pytest.raises(errors.ConnectionError) as info:
        transport().send(get(url))
    assert isinstance(info.value.__cause__, ConnectionRefusedError)
    assert info.value.url == url.split("?", maxsplit=1)[0]
    assert url.split("?", maxsplit=1)[0] in str(info.value)
    assert "secret" not in str(info.value)


def test_read_timeout(serve, transport) -> None:
    server = serve(lambda req: HANG)
    t = transport(read_timeout=0.2)
    start = time.monotonic()
    with pytest.raises(errors.ReadTimeoutError) as info:
        t.send(get(server.url + "/slow?q=1"))
    assert 0.15 < time.monotonic() - start < 2.0
    assert isinstance(info.value.__cause__, TimeoutError)
    assert info.value.url == server.url + "/slow"
    assert t._idle_count() == 0


def test_connect_timeout(transport) -> None:
    # A listener whose accept queue is full drops new SYNs, so connecting hangs (Linux).
    listener = socket.socket()
    held: list[socket.socket] = []
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        for _ in range(8):
            probe = socket.socket()
            probe.settimeout(0.2)
            try:
                probe.connect(("127.0.0.1", port))
            except TimeoutError:
                probe.close()
                break
            held.append(probe)
        else:
            pytest.skip("this platform never leaves a loopback connect pending")
        t = transport(connect_timeout=0.2)
        start = time.monotonic()
        with pytest.raises(errors.ConnectTimeoutError) as info:
            t.send(get(f"http://127.0.0.1:{port}/x"))
        assert time.monotonic() - start < 2.0
        assert info.value.url == f"http://127.0.0.1:{port}/x"
    finally:
        for sock in held:
            sock.close()
        listener.close()


def test_invalid_options_and_urls(transport) -> None:
    with pytest.raises(errors.ConfigurationError):
        HttpClientTransport(max_pool_connections=0)
    with pytest.raises(errors.ConfigurationError):
        HttpClientTransport(read_timeout=0)
    with pytest.raises(errors.ConfigurationError, match="only http:// proxies"):
        HttpClientTransport(proxies={"https": "https://user:pw@proxy.test:3128"})
    with pytest.raises(errors.ConfigurationError) as info:
        HttpClientTransport(proxies={"https": "socks5://user:pw@proxy.test:1080"})
    assert "pw" not in str(info.value)
    with pytest.raises(errors.ConfigurationError, match="unknown scheme"):
        HttpClientTransport(proxies={"ftp": "http://proxy.test"})
    t = transport()
    with pytest.raises(errors.ConfigurationError):
        t.send(get("ftp://127.0.0.1/x"))
    with pytest.raises(errors.ConfigurationError):
        t.send(get("/relative"))


# -- close and threads --------------------------------------------------------------------


def test_close_closes_pooled_connections_and_transport_stays_usable(serve, transport) -> None:
    server = serve()
    t = transport()
    t.send(get(server.url + "/1"))
    assert t._idle_count() == 1
    t.close()
    assert t._idle_count() == 0
    assert server.closed_by_client.wait(WAIT)  # the server saw the connection end
    assert t.send(get(server.url + "/2")).status == 200
    assert server.connections == 2


def test_connection_in_use_during_close_is_not_pooled_afterwards(serve, blocking_transport) -> None:
    arrived, release = threading.Event(), threading.Event()

    def handler(req: Req) -> bytes:
        if req.target == "/slow":
            arrived.set()
            release.wait(WAIT)
        return ok(req)

    server = serve(handler)
    t = blocking_transport()
    result: list[int] = []
    worker = threading.Thread(
        target=lambda: result.append(t.send(get(server.url + "/slow")).status)
    )
    worker.start()
    assert arrived.wait(WAIT)
    t.close()
    release.set()
    worker.join(WAIT)
    assert result == [200]
    assert t._idle_count() == 0


def test_threads_share_the_pool_safely(serve, blocking_transport) -> None:
    server = serve(lambda req: response(200, req.headers["x-seq"].encode()))
    limit = 3
    t = blocking_transport(max_pool_connections=limit)
    failures: list[str] = []
    peak = 0
    done = threading.Event()

    def worker(n: int) -> None:
        for i in range(50):
            seq = f"{n}-{i}"
            try:
                resp = t.send(get(server.url + f"/w/{seq}", **{"X-Seq": seq}))
            except Exception as exc:  # collected and asserted below
                failures.append(repr(exc))
                continue
            if (resp.status, resp.body) != (200, seq.encode()):
                failures.append(f"{seq}: {resp.status} {resp.body!r}")

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, t._idle_count())
            time.sleep(0.0005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    workers = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(30)
    done.set()
    sampler.join(WAIT)
    assert failures == []
    assert len(server.requests_seen()) == 400
    assert peak <= limit
    assert 1 <= t._idle_count() <= limit


# -- proxies ------------------------------------------------------------------------------


def forwarding_proxy(seen: list[Req]) -> Handler:
    """A tiny HTTP proxy: absolute-form requests are forwarded, CONNECT is tunnelled."""

    def handle(req: Req) -> bytes | Tunnel:
        seen.append(req)
        if req.method == "CONNECT":
            host, _, port = req.target.rpartition(":")
            return Tunnel(host, int(port))
        assert req.target.startswith("http://")
        rest = req.target[len("http://") :]
        hostport, _, path = rest.partition("/")
        host, _, port = hostport.partition(":")
        with socket.create_connection((host, int(port or 80)), timeout=WAIT) as upstream:
            headers = {k: v for k, v in req.headers.items() if k != "proxy-authorization"}
            head = f"{req.method} /{path} HTTP/1.1\r\n" + "".join(
                f"{k}: {v}\r\n" for k, v in headers.items()
            )
            upstream.sendall(head.encode("latin-1") + b"\r\n" + req.body)
            buf = bytearray()
            while b"\r\n\r\n" not in buf:
                buf.extend(upstream.recv(65536))
            head_end = buf.index(b"\r\n\r\n") + 4
            length = next(
                int(line.split(b":")[1])
                for line in bytes(buf[:head_end]).split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            while len(buf) < head_end + length:
                buf.extend(upstream.recv(65536))
            return bytes(buf[: head_end + length])

    return handle


def test_http_proxy_gets_absolute_form_and_credentials(serve, transport) -> None:
    origin = serve(lambda req: response(200, f"origin saw {req.target}".encode()))
    seen: list[Req] = []
    proxy = serve(forwarding_proxy(seen))
    t = transport(proxies={"http": f"http://us%40er:p%3Ass@127.0.0.1:{proxy.port}"})
    for _ in range(2):
        resp = t.send(get(origin.url + "/a/b?c=d"))
        assert resp.body == b"origin saw /a/b?c=d"
    assert [r.target for r in seen] == [origin.url + "/a/b?c=d"] * 2
    assert seen[0].headers["host"] == f"127.0.0.1:{origin.port}"
    assert seen[0].headers["proxy-authorization"] == "Basic dXNAZXI6cDpzcw=="  # us@er:p:ss
    assert "proxy-authorization" not in origin.requests_seen()[0].headers
    assert proxy.connections == 1


def test_environment_proxies_are_used_unless_no_proxy(serve, transport, monkeypatch) -> None:
    origin = serve()
    seen: list[Req] = []
    proxy = serve(forwarding_proxy(seen))
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
    assert transport(proxies=None).send(get(origin.url + "/via")).status == 200
    assert [r.target for r in seen] == [origin.url + "/via"]
    monkeypatch.setenv("no_proxy", "localhost,127.0.0.1")
    assert transport(proxies=None).send(get(origin.url + "/direct")).status == 200
    assert len(seen) == 1
    assert [r.target for r in origin.requests_seen()] == ["/via", "/direct"]


def test_proxies_from_environment(monkeypatch) -> None:
    assert proxies_from_environment("https://lambda.us-east-1.amazonaws.com/") == {}
    monkeypatch.setenv("HTTPS_PROXY", "http://upper:1")
    monkeypatch.setenv("https_proxy", "http://lower:2")
    monkeypatch.setenv("HTTP_PROXY", "http://plain:3")
    expected = {"https": "http://lower:2", "http": "http://plain:3"}
    assert proxies_from_environment("https://lambda.us-east-1.amazonaws.com/x") == expected
    monkeypatch.setenv("NO_PROXY", "amazonaws.com, .internal.test,10.1.2.3:8443")
    assert proxies_from_environment("https://lambda.us-east-1.amazonaws.com/x") == {}
    assert proxies_from_environment("http://svc.internal.test/") == {}
    assert proxies_from_environment("https://10.1.2.3:8443/") == {}
    assert proxies_from_environment("https://10.1.2.3:9000/") == expected
    assert proxies_from_environment("https://example.org/") == expected
    monkeypatch.setenv("no_proxy", "*")
    assert proxies_from_environment("https://example.org/") == {}


def test_cgi_environment_ignores_upper_case_http_proxy(monkeypatch) -> None:
    monkeypatch.setenv("REQUEST_METHOD", "GET")
    monkeypatch.setenv("HTTP_PROXY", "http://injected:1")
    assert proxies_from_environment("http://example.org/") == {}


# -- TLS ------------------------------------------------------------------------------------


@dataclass
class Pki:
    cert: Path
    key: Path
    paths: list[Path] = field(default_factory=list)

    def server_context(self, require_client_cert: bool = False) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, self.key)
        if require_client_cert:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(self.cert)
        return ctx


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a self-signed certificate")
    folder = tmp_path_factory.mktemp("pki")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return Pki(cert, key)


def test_https_with_ca_bundle_path(serve, transport, pki) -> None:
    server = serve(tls=pki.server_context())
    t = transport(verify=str(pki.cert))
    for _ in range(3):
        assert t.send(post(server.url + "/tls")).status == 200
    assert server.connections == 1
    (sock,) = idle_sockets(t)
    assert idle_over_tls(t) == [True]
    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_https_default_verification_rejects_self_signed(serve, transport, pki) -> None:
    server = serve(tls=pki.server_context())
    with pytest.raises(errors.ConnectionError) as info:
        transport().send(get(server.url + "/tls"))
    assert isinstance(info.value.__cause__, ssl.SSLCertVerificationError)
    assert len(server.requests_seen()) == 0


def test_https_without_verification(serve, transport, pki) -> None:
    server = serve(tls=pki.server_context())
    assert transport(verify=False).send(get(server.url + "/tls")).status == 200


def test_a_missing_ca_bundle_is_refused_by_the_first_https_request_only(
    serve, transport, pki
) -> None:
    # As with boto3: plain HTTP (the emulator) works with AWS_CA_BUNDLE naming no file.
    t = transport(verify="/nonexistent/ca.pem")
    plain = serve()
    assert t.send(get(plain.url + "/x")).status == 200
    tls = serve(tls=pki.server_context())
    with pytest.raises(
        errors.ConfigurationError, match=r"CA bundle '/nonexistent/ca\.pem' does not exist"
    ):
        t.send(get(tls.url + "/tls"))
    assert tls.connections == 0


@pytest.mark.parametrize("option", ["verify", "client_cert"])
def test_tls_files_are_read_by_the_first_https_connection_only(
    serve, transport, pki, tmp_path, option
) -> None:
    # Not a certificate: reading it fails. Plain HTTP never reads it (a local endpoint
    # pays nothing for AWS_CA_BUNDLE); HTTPS refuses to start before anything is sent.
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    options: dict[str, Any] = {"verify": str(pki.cert), option: str(junk)}
    t = transport(**options)
    plain = serve()
    for _ in range(2):
        assert t.send(get(plain.url + "/x")).status == 200
    tls = serve(tls=pki.server_context())
    for _ in range(2):  # a failed set-up is not kept: the next HTTPS request tries again
        with pytest.raises(errors.ConfigurationError, match="cannot set up TLS"):
            t.send(get(tls.url + "/tls"))
    assert tls.connections == 0
    assert plain.connections == 1


def test_https_hostname_is_checked(serve, transport, pki) -> None:
    server = serve(tls=pki.server_context())
    url = f"https://localhost:{server.port}/tls"  # the certificate names only 127.0.0.1
    with pytest.raises(errors.ConnectionError) as info:
        transport(verify=str(pki.cert)).send(get(url))
    assert isinstance(info.value.__cause__, ssl.SSLCertVerificationError)


def test_https_client_certificate(serve, transport, pki) -> None:
    server = serve(tls=pki.server_context(require_client_cert=True))
    t = transport(verify=str(pki.cert), client_cert=(str(pki.cert), str(pki.key)))
    assert t.send(get(server.url + "/mtls")).status == 200
    with pytest.raises(errors.ConnectionError):
        transport(verify=str(pki.cert)).send(get(server.url + "/mtls"))


def test_https_through_connect_tunnel(serve, transport, pki) -> None:
    origin = serve(tls=pki.server_context())
    seen: list[Req] = []
    proxy = serve(forwarding_proxy(seen))
    t = transport(verify=str(pki.cert), proxies={"https": f"http://u:p@127.0.0.1:{proxy.port}"})
    for _ in range(2):
        assert t.send(post(origin.url + "/tunnelled")).status == 200
    (connect,) = seen
    assert (connect.method, connect.target) == ("CONNECT", f"127.0.0.1:{origin.port}")
    assert connect.headers["proxy-authorization"] == "Basic dTpw"
    assert [r.target for r in origin.requests_seen()] == ["/tunnelled"] * 2
    assert origin.requests_seen()[0].headers["host"] == f"127.0.0.1:{origin.port}"
