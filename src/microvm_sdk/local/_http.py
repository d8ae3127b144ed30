"""The emulator's HTTP/1.1 server: bounded connections, timeouts, a small worker pool.

One I/O thread owns the listening socket and every idle or half-read connection: it
accepts, reads without blocking, and frames requests (head, then a ``Content-Length``
body). A complete request goes to a worker thread, which calls the handler, writes the
response with one ``sendall`` on a ``TCP_NODELAY`` socket, answers any further request
already buffered (pipelining), and gives the connection back. So:

- an idle keep-alive connection, or a client sending a request byte by byte, costs a
  file descriptor, never a thread;
- at most ``max_connections`` connections are open; one more is answered ``503`` and
  closed at once;
- a connection idle for ``idle_timeout`` is closed; a request not complete within
  ``request_timeout`` of its first byte gets ``408`` and the connection is closed; a
  response the client does not read within ``send_timeout`` is abandoned;
- the worker pool grows on demand up to ``workers`` threads. When no thread can be
  started at all, the request is answered ``503``; the server keeps accepting;
- an error while accepting (out of file descriptors) pauses accepting briefly; an error
  on one connection closes that connection. The I/O thread survives every error, and
  :attr:`HttpServer.alive` says whether it is still running.

Chunked request bodies (no SDK sends them) are read by the worker, within what is left
of ``request_timeout``.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import queue
import selectors
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from email.utils import formatdate
from http import HTTPStatus

import attrs

__all__ = ["HttpLimits", "HttpServer", "Request", "Response", "json_bytes"]

logger = logging.getLogger("microvm_sdk.local")

_JSON = "application/json"
_RECV = 65536
_ACCEPTS_PER_WAKE = 64
_ACCEPT_PAUSE = 0.25
_TICK = 0.25
_LINGER = 2.0  # seconds to read and discard what a refused client still sends
_REASONS = {status.value: status.phrase for status in HTTPStatus}
_REASONS[402] = "Payment Required"


@attrs.frozen(kw_only=True)
class HttpLimits:
    """Bounds on what clients may cost the server.

    Attributes:
        max_connections: Open connections at most; one more is answered 503.
        workers: Worker threads at most (requests being handled at once).
        idle_timeout: Seconds a keep-alive connection may wait for its next request.
        request_timeout: Seconds from a request's first byte to its last.
        send_timeout: Seconds a response may take to be written to the client.
        max_head: Bytes of request line and headers at most (more: 431).
        max_body: Bytes of body at most (more: 413).
    """

    max_connections: int = 256
    workers: int = 32
    idle_timeout: float = 60.0
    request_timeout: float = 30.0
    send_timeout: float = 30.0
    max_head: int = 64 * 1024
    max_body: int = 16 * 1024 * 1024


@attrs.frozen(slots=True)
class Request:
    """One parsed request."""

    method: str
    path: str
    query: str
    version: str
    headers: tuple[tuple[str, str], ...]
    header_map: Mapping[str, str]
    body: bytes


@attrs.frozen(slots=True)
class Response:
    """One response; ``drop`` closes the connection without answering."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    drop: bool = False


def json_bytes(data: object) -> bytes:
    """Encode a JSON response body."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: escaped, the JSON is still valid
        return json.dumps(data, separators=(",", ":"), allow_nan=False).encode("ascii")


class _DateCache:
    """The ``Date`` header value, formatted at most once a second."""

    def __init__(self) -> None:
        self._second = -1
        self._value = ""

    def get(self) -> str:
        now = int(time.time())
        if now != self._second:
            self._value = formatdate(now, usegmt=True)
            self._second = now
        return self._value


_DATE = _DateCache()


def encode_response(response: Response, keep_alive: bool) -> bytes:
    """The bytes of a response: status line, headers and body."""
    reason = _REASONS.get(response.status, "Unknown")
    lines = [f"HTTP/1.1 {response.status} {reason}"]
    lines.extend(f"{name}: {value}" for name, value in response.headers)
    lines.append(f"Content-Length: {len(response.body)}")
    lines.append(f"Date: {_DATE.get()}")
    lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
    head = "\r\n".join(lines) + "\r\n\r\n"
    return head.encode("latin-1", "replace") + response.body


def plain_error(status: int, message: str) -> bytes:
    """A complete ``Connection: close`` error response with a JSON ``message``."""
    headers = (("Content-Type", _JSON), ("x-amzn-RequestId", str(uuid.uuid4())))
    return encode_response(Response(status, headers, json_bytes({"message": message})), False)


class BadRequest(Exception):
    """The bytes received are not a request this server accepts."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


# ------------------------------------------------------------------------------ framing


@attrs.define
class _Head:
    method: str
    path: str
    query: str
    version: str
    headers: list[tuple[str, str]]
    header_map: dict[str, str]
    length: int | None  # None: chunked


def _parse_head(head: str, limits: HttpLimits) -> _Head:
    lines = head.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1.") or not parts[0] or not parts[1]:
        raise BadRequest(400, "Malformed request line")
    method, target, version = parts
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and headers:
            # Obsolete line folding: continue the previous header's value.
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise BadRequest(400, "Malformed header line")
        headers.append((name, value.strip(" \t")))
    header_map: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        header_map[key] = f"{header_map[key]},{value}" if key in header_map else value
    path, _, query = target.partition("?")
    length = _length(header_map, limits)
    return _Head(method.upper(), path, query, version, headers, header_map, length)


def _length(headers: Mapping[str, str], limits: HttpLimits) -> int | None:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return None
    text = headers.get("content-length")
    if not text:
        return 0
    if not text.isascii() or not text.strip().isdigit() or len(text) > 20:
        raise BadRequest(400, "Invalid Content-Length")
    length = int(text)
    if length > limits.max_body:
        raise BadRequest(413, "Request entity too large")
    return length


@attrs.define(eq=False)
class _Connection:
    sock: socket.socket
    buffer: bytearray = attrs.field(factory=bytearray)
    scanned: int = 0  # bytes of buffer already searched for the end of the head
    head: _Head | None = None
    body_start: int = 0
    started: float | None = None  # when the current request's first byte arrived
    last_active: float = 0.0
    continue_sent: bool = False
    draining_until: float | None = None  # answered and half-closed: discard the rest

    def reset(self, now: float) -> None:
        self.head = None
        self.scanned = 0
        self.body_start = 0
        self.continue_sent = False
        self.started = now if self.buffer else None
        self.last_active = now


def _frame(conn: _Connection, limits: HttpLimits) -> Request | _Head | None:
    """Frame the next request from the buffer.

    Returns a complete :class:`Request`, the parsed head of a chunked request (its body
    must be read by the caller), or ``None`` when more bytes are needed.
    """
    buffer = conn.buffer
    if conn.head is None:
        # Skip blank lines between requests (RFC 9112 2.2).
        skip = 0
        while buffer[skip : skip + 2] == b"\r\n":
            skip += 2
        if skip:
            del buffer[:skip]
            conn.scanned = 0
        end = buffer.find(b"\r\n\r\n", max(0, conn.scanned - 3))
        if end < 0:
            conn.scanned = len(buffer)
            if len(buffer) > limits.max_head:
                raise BadRequest(431, "Request header fields too large")
            return None
        if end > limits.max_head:
            raise BadRequest(431, "Request header fields too large")
        conn.head = _parse_head(bytes(buffer[:end]).decode("latin-1"), limits)
        conn.body_start = end + 4
    head = conn.head
    if head.length is None:
        return head
    end = conn.body_start + head.length
    if len(buffer) < end:
        return None
    body = bytes(buffer[conn.body_start : end])
    del buffer[:end]
    conn.head = None
    conn.scanned = 0
    return _request(head, body)


def _request(head: _Head, body: bytes) -> Request:
    return Request(
        head.method, head.path, head.query, head.version, tuple(head.headers), head.header_map, body
    )


def _wants_continue(conn: _Connection) -> bool:
    head = conn.head
    return (
        head is not None
        and not conn.continue_sent
        and head.header_map.get("expect", "").lower() == "100-continue"
        and len(conn.buffer) == conn.body_start
    )


# ------------------------------------------------------------------------------ workers


class _WorkerUnavailable(Exception):
    """No worker thread exists and none can be started."""


class _Workers:
    """Worker threads started on demand, up to ``size``; jobs wait in a queue."""

    def __init__(self, size: int, run: Callable[[_Connection, Request | _Head], None]) -> None:
        self._size = size
        self._run = run
        self._jobs: queue.SimpleQueue[tuple[_Connection, Request | _Head] | None] = (
            queue.SimpleQueue()
        )
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._waiting = 0
        self._queued = 0
        self._start_failed_logged = False

    def submit(self, conn: _Connection, work: Request | _Head) -> None:
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            if self._queued >= self._waiting and len(self._threads) < self._size:
                thread = threading.Thread(
                    target=self._loop, name="microvm-local-worker", daemon=True
                )
                try:
                    thread.start()
                except RuntimeError as exc:  # "can't start new thread"
                    if not self._threads:
                        raise _WorkerUnavailable(str(exc)) from exc
                    if not self._start_failed_logged:
                        logger.warning("cannot start another worker thread: %s", exc)
                        self._start_failed_logged = True
                else:
                    self._threads.append(thread)
                    self._start_failed_logged = False
            self._queued += 1
        self._jobs.put((conn, work))

    def _loop(self) -> None:
        while True:
            with self._lock:
                self._waiting += 1
            job = self._jobs.get()
            with self._lock:
                self._waiting -= 1
                if job is not None:
                    self._queued -= 1
            if job is None:
                return
            try:
                self._run(*job)
            except BaseException:  # never let one job end the worker
                logger.exception("worker failed")

    def stop(self, timeout: float) -> None:
        with self._lock:
            threads = list(self._threads)
        for _ in threads:
            self._jobs.put(None)
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))


# ------------------------------------------------------------------------------- server


class HttpServer:
    """A bounded HTTP/1.1 server handing parsed requests to ``handler``.

    Args:
        host: The address to listen on.
        port: The port; ``0`` picks a free one.
        handler: Turns a request into a response; an exception becomes a 500.
        limits: Connection, time and size bounds.
    """

    def __init__(
        self,
        host: str,
        port: int,
        handler: Callable[[Request], Response],
        limits: HttpLimits | None = None,
    ) -> None:
        self._handler = handler
        self.limits = limits or HttpLimits()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._listener = socket.create_server((host, port), family=family, backlog=128)
        self._listener.setblocking(False)
        self.address: tuple[str, int] = self._listener.getsockname()[:2]
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._returned: queue.SimpleQueue[_Connection] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._open: set[_Connection] = set()  # every open connection, idle or busy
        self._idle: set[_Connection] = set()  # those the I/O thread watches
        self._accept_paused_until = 0.0
        self._accept_error_logged = False
        self._next_expiry = 0.0
        self._workers = _Workers(self.limits.workers, self._serve)
        self._thread = threading.Thread(
            target=self._io_loop, name=f"microvm-local-{self.address[1]}", daemon=True
        )

    # -- public ------------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        """Whether the I/O thread is accepting and reading."""
        return self._thread.is_alive() and not self._stopping.is_set()

    @property
    def connection_count(self) -> int:
        """Connections open now (idle ones included)."""
        with self._lock:
            return len(self._open)

    def sockets(self) -> list[socket.socket]:
        """The sockets of the open connections."""
        with self._lock:
            return [conn.sock for conn in self._open]

    def start(self) -> None:
        """Start the I/O thread."""
        self._selector.register(self._listener, selectors.EVENT_READ, "accept")
        self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, close every connection, and join the threads."""
        self._stopping.set()
        self._wake()
        self._thread.join(timeout)
        with self._lock:
            connections = list(self._open)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)
        self._workers.stop(timeout)
        for conn in connections:
            self._close(conn)
        for sock in (self._listener, self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                sock.close()
        with contextlib.suppress(Exception):
            self._selector.close()

    # -- the I/O thread ----------------------------------------------------------------

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_w.send(b"\0")

    def _io_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self._io_step()
            except Exception:
                # Never die: log, breathe, carry on (the alternative is a silent outage).
                logger.exception("error in the emulator's I/O loop")
                time.sleep(0.05)

    def _io_step(self) -> None:
        now = time.monotonic()
        if self._accept_paused_until and now >= self._accept_paused_until:
            self._accept_paused_until = 0.0
            self._selector.register(self._listener, selectors.EVENT_READ, "accept")
        for key, _ in self._selector.select(_TICK):
            if self._stopping.is_set():
                return
            if key.data == "accept":
                self._accept()
            elif key.data == "wake":
                self._drain_wake()
            else:
                self._on_readable(key.data)
        self._take_back()
        now = time.monotonic()
        if now >= self._next_expiry:
            self._next_expiry = now + _TICK
            self._expire(now)

    def _accept(self) -> None:
        for _ in range(_ACCEPTS_PER_WAKE):
            try:
                sock, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in (errno.ECONNABORTED, errno.EPROTO):
                    continue
                # Out of file descriptors or buffers: the listener stays readable, so
                # stop watching it for a moment rather than spin.
                if not self._accept_error_logged:
                    logger.warning("cannot accept connections for now: %s", exc)
                    self._accept_error_logged = True
                self._selector.unregister(self._listener)
                self._accept_paused_until = time.monotonic() + _ACCEPT_PAUSE
                return
            self._accept_error_logged = False
            self._admit(sock)

    def _admit(self, sock: socket.socket) -> None:
        with self._lock:
            full = len(self._open) >= self.limits.max_connections
        if full:
            self._refuse(sock, 503, "Too many connections; try again later")
            return
        try:
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            sock.close()
            return
        conn = _Connection(sock, last_active=time.monotonic())
        with self._lock:
            self._open.add(conn)
        self._watch(conn)

    @staticmethod
    def _refuse(sock: socket.socket, status: int, message: str) -> None:
        # Best effort, never blocking: the answer is small and the socket is fresh.
        with contextlib.suppress(OSError):
            sock.setblocking(False)
            sock.send(plain_error(status, message))
        with contextlib.suppress(OSError):
            sock.close()

    def _watch(self, conn: _Connection) -> None:
        try:
            self._selector.register(conn.sock, selectors.EVENT_READ, conn)
        except (OSError, ValueError, KeyError):
            self._close(conn)
            return
        self._idle.add(conn)

    def _unwatch(self, conn: _Connection) -> None:
        self._idle.discard(conn)
        with contextlib.suppress(OSError, ValueError, KeyError):
            self._selector.unregister(conn.sock)

    def _drain_wake(self) -> None:
        with contextlib.suppress(OSError):
            while self._wake_r.recv(4096):
                pass

    def _take_back(self) -> None:
        while True:
            try:
                conn = self._returned.get_nowait()
            except queue.Empty:
                return
            if self._stopping.is_set():
                self._close(conn)
                continue
            if conn.draining_until is not None:
                self._watch(conn)
                continue
            try:
                work = _frame(conn, self.limits)
            except BadRequest as exc:
                self._fail(conn, exc.status, str(exc))
                continue
            if work is not None:
                self._dispatch(conn, work)
            else:
                self._continue_if_asked(conn)
                self._watch(conn)

    def _on_readable(self, conn: _Connection) -> None:
        try:
            data = conn.sock.recv(_RECV)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if conn.draining_until is not None:
            if not data:
                self._unwatch(conn)
                self._close(conn)
            return
        if not data:
            self._unwatch(conn)
            if conn.buffer.strip(b"\r\n"):
                # The client stopped sending (a half-close) in the middle of a request.
                self._fail(conn, 400, "Incomplete request: the client closed its side")
            else:
                self._close(conn)
            return
        now = time.monotonic()
        conn.last_active = now
        if conn.started is None:
            conn.started = now
        conn.buffer += data
        try:
            work = _frame(conn, self.limits)
        except BadRequest as exc:
            self._unwatch(conn)
            self._fail(conn, exc.status, str(exc))
            return
        if work is None:
            self._continue_if_asked(conn)
            return
        self._unwatch(conn)
        self._dispatch(conn, work)

    @staticmethod
    def _continue_if_asked(conn: _Connection) -> None:
        if _wants_continue(conn):
            conn.continue_sent = True
            with contextlib.suppress(OSError):
                conn.sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")

    def _dispatch(self, conn: _Connection, work: Request | _Head) -> None:
        try:
            self._workers.submit(conn, work)
        except _WorkerUnavailable:
            logger.warning("no worker thread can be started; answering 503")
            self._fail(conn, 503, "The emulator cannot start a worker thread; try again later")

    def _fail(self, conn: _Connection, status: int, message: str) -> None:
        """Answer an error, then discard what the client still sends, briefly, and close.

        Closing at once with unread input would reset the connection, and the client
        could lose the answer (a 413 to a large upload, say) before reading it.
        """
        try:
            conn.sock.send(plain_error(status, message))
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self._close(conn)
            return
        self._linger(conn)
        self._watch(conn)

    @staticmethod
    def _linger(conn: _Connection) -> None:
        conn.buffer.clear()
        conn.draining_until = time.monotonic() + _LINGER

    def _expire(self, now: float) -> None:
        limits = self.limits
        for conn in list(self._idle):
            if conn.draining_until is not None:
                if now > conn.draining_until:
                    self._unwatch(conn)
                    self._close(conn)
            elif conn.started is not None:
                if now - conn.started > limits.request_timeout:
                    self._unwatch(conn)
                    self._fail(conn, 408, "Request timeout: the request did not arrive in time")
            elif now - conn.last_active > limits.idle_timeout:
                self._unwatch(conn)
                self._close(conn)

    def _close(self, conn: _Connection) -> None:
        with self._lock:
            self._open.discard(conn)
        with contextlib.suppress(OSError):
            conn.sock.close()

    # -- workers -----------------------------------------------------------------------

    def _serve(self, conn: _Connection, work: Request | _Head) -> None:
        """Answer ``work`` and any request already buffered after it, then hand back."""
        sock = conn.sock
        try:
            sock.settimeout(self.limits.send_timeout)
            while True:
                request = work if isinstance(work, Request) else self._read_chunked(conn, work)
                keep_alive = self._keep_alive(request)
                response = self._respond(request)
                if response.drop:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                    self._close(conn)
                    return
                sock.sendall(encode_response(response, keep_alive))
                if self._stopping.is_set():
                    self._close(conn)
                    return
                if not keep_alive:
                    sock.shutdown(socket.SHUT_WR)
                    self._linger(conn)
                    break
                conn.reset(time.monotonic())
                framed = _frame(conn, self.limits)
                if framed is None:
                    break
                work = framed
            sock.setblocking(False)
        except BadRequest as exc:
            try:
                sock.sendall(plain_error(exc.status, str(exc)))
                sock.shutdown(socket.SHUT_WR)
                sock.setblocking(False)
            except OSError:
                self._close(conn)
                return
            self._linger(conn)
        except (OSError, ValueError):
            self._close(conn)
            return
        self._returned.put(conn)
        self._wake()

    @staticmethod
    def _keep_alive(request: Request) -> bool:
        tokens = {t.strip().lower() for t in request.header_map.get("connection", "").split(",")}
        if request.version == "HTTP/1.0":
            return "keep-alive" in tokens
        return "close" not in tokens

    def _respond(self, request: Request) -> Response:
        try:
            return self._handler(request)
        except Exception:
            logger.exception("unhandled error serving %s %s", request.method, request.path)
            return Response(
                500,
                (
                    ("Content-Type", _JSON),
                    ("X-Amzn-ErrorType", "InternalServerException"),
                    ("x-amzn-RequestId", str(uuid.uuid4())),
                ),
                json_bytes({"message": "Internal server error"}),
            )

    # -- chunked bodies (read by the worker, within the request deadline) ---------------

    def _read_chunked(self, conn: _Connection, head: _Head) -> Request:
        deadline = (conn.started or time.monotonic()) + self.limits.request_timeout
        if _wants_continue(conn):
            conn.continue_sent = True
            conn.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        buffer = conn.buffer
        del buffer[: conn.body_start]
        body = bytearray()
        while True:
            size_line = self._read_line(conn, deadline).split(b";", 1)[0].strip()
            if not size_line or len(size_line) > 16:
                raise BadRequest(400, "Malformed chunked body")
            try:
                size = int(size_line, 16)
            except ValueError:
                raise BadRequest(400, "Malformed chunked body") from None
            if size == 0:
                while self._read_line(conn, deadline):
                    pass  # trailers
                break
            if len(body) + size > self.limits.max_body:
                raise BadRequest(413, "Request entity too large")
            self._fill(conn, size + 2, deadline)
            if buffer[size : size + 2] != b"\r\n":
                raise BadRequest(400, "Malformed chunked body")
            body += buffer[:size]
            del buffer[: size + 2]
        conn.head = None
        conn.scanned = 0
        conn.body_start = 0
        return _request(head, bytes(body))

    def _read_line(self, conn: _Connection, deadline: float) -> bytes:
        buffer = conn.buffer
        searched = 0
        while True:
            end = buffer.find(b"\r\n", searched)
            if end >= 0:
                line = bytes(buffer[:end])
                del buffer[: end + 2]
                return line
            searched = max(0, len(buffer) - 1)
            if len(buffer) > self.limits.max_head:
                raise BadRequest(400, "Malformed chunked body")
            self._fill(conn, len(buffer) + 1, deadline)

    def _fill(self, conn: _Connection, size: int, deadline: float) -> None:
        while len(conn.buffer) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BadRequest(408, "Request timeout: the request did not arrive in time")
            conn.sock.settimeout(remaining)
            try:
                chunk = conn.sock.recv(max(_RECV, size - len(conn.buffer)))
            except TimeoutError:
                raise BadRequest(
                    408, "Request timeout: the request did not arrive in time"
                ) from None
            if not chunk:
                raise BadRequest(400, "Incomplete request: the client closed its side")
            conn.buffer += chunk
        conn.sock.settimeout(self.limits.send_timeout)
