"""A capture/replay HTTP server on 127.0.0.1 for the client tests.

:class:`ReplayServer` speaks just enough HTTP/1.1 (keep-alive, ``Content-Length``
bodies) to stand in for the service: it records every request it reads and answers
each with the next scripted :class:`Reply` (or with its ``handler``, or a default
``200 {}``). A reply is written with one ``sendall`` so no Nagle/delayed-ACK stall
can hide in the measurements. A reply can also drop the connection without answering
or stall until the server stops, to provoke transport errors.
"""

from __future__ import annotations

import contextlib
import http
import json
import queue
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import microvm_sdk

STALL_LIMIT = 5.0  # the longest a stalled reply holds its connection (seconds)


@dataclass
class Reply:
    """One scripted answer.

    ``action`` is ``"respond"`` (send status, headers, body), ``"drop"`` (close the
    connection without answering) or ``"stall"`` (answer nothing until the test ends).
    ``body`` may be bytes or a JSON-ready object.
    """

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    action: Literal["respond", "drop", "stall"] = "respond"

    @classmethod
    def json(cls, status: int, body: Any, headers: dict[str, str] | None = None) -> Reply:
        return cls(status, body, dict(headers or {}))

    @classmethod
    def error(
        cls,
        status: int,
        code: str,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """An AWS error the way the service sends it: ``X-Amzn-ErrorType`` and a JSON body."""
        return cls(
            status,
            {"message": f"{code} happened"} if body is None else body,
            {"X-Amzn-ErrorType": code, **(headers or {})},
        )

    @classmethod
    def drop(cls) -> Reply:
        return cls(action="drop")

    @classmethod
    def stall(cls) -> Reply:
        return cls(action="stall")

    def encode(self, request_id: str) -> bytes:
        if isinstance(self.body, bytes | bytearray):
            payload = bytes(self.body)
        elif self.body is None:
            payload = b""
        else:
            payload = json.dumps(self.body).encode()
        headers = {k.lower(): (k, v) for k, v in self.headers.items()}
        if payload and "content-type" not in headers:
            headers["content-type"] = ("Content-Type", "application/json")
        headers.setdefault("x-amzn-requestid", ("x-amzn-RequestId", request_id))
        headers["content-length"] = ("Content-Length", str(len(payload)))
        try:
            reason = http.HTTPStatus(self.status).phrase
        except ValueError:
            reason = "Unknown"
        lines = [f"HTTP/1.1 {self.status} {reason}"]
        lines.extend(f"{name}: {value}" for name, value in headers.values())
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload


@dataclass
class Recorded:
    """A request as the server read it."""

    method: str
    target: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    connection: int  # which accepted connection carried it (1-based)
    received_at: float

    @property
    def path(self) -> str:
        """The raw (still percent-encoded) path."""
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        """The query string as a multimap (decoded)."""
        return parse_qs(urlsplit(self.target).query, keep_blank_values=True)

    def json(self) -> Any:
        """The body parsed as JSON; ``None`` for an empty body."""
        return json.loads(self.body) if self.body else None

    @property
    def access_key(self) -> str | None:
        """The access key id from ``Authorization: ... Credential=<key>/...``."""
        auth = self.headers.get("authorization", "")
        marker = "Credential="
        if marker not in auth:
            return None
        return auth.split(marker, 1)[1].split("/", 1)[0]


class ReplayServer:
    """A threaded capture/replay HTTP/1.1 server on 127.0.0.1 (see the module docstring)."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.requests: list[Recorded] = []
        self.replies: queue.SimpleQueue[Reply] = queue.SimpleQueue()
        self.handler: Callable[[Recorded], Reply] | None = None
        self.default = Reply.json(200, {})
        self.connections_opened = 0
        self.connections_closed = 0  # closed by the client (EOF seen)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._accepter = threading.Thread(target=self._accept_loop, daemon=True)
        self._accepter.start()

    # -- scripting --------------------------------------------------------------------

    def script(self, *replies: Reply) -> None:
        """Queue replies; each request takes the next one."""
        for reply in replies:
            self.replies.put(reply)

    def _next_reply(self, request: Recorded) -> Reply:
        try:
            return self.replies.get_nowait()
        except queue.Empty:
            pass
        if self.handler is not None:
            return self.handler(request)
        return self.default

    # -- observing --------------------------------------------------------------------

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Wait until ``predicate()`` (evaluated under the server's lock) holds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()

    # -- serving ----------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._changed:
                self.connections_opened += 1
                number = self.connections_opened
                self._sockets.append(conn)
                self._changed.notify_all()
            thread = threading.Thread(target=self._serve, args=(conn, number), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket, number: int) -> None:
        reader = conn.makefile("rb")
        try:
            while not self._stop.is_set():
                try:
                    request = self._read_request(reader, number)
                except (OSError, ValueError):
                    request = None
                if request is None:
                    with self._changed:
                        self.connections_closed += 1
                        self._changed.notify_all()
                    return
                reply = self._next_reply(request)
                with self._changed:
                    self.requests.append(request)
                    self._changed.notify_all()
                if reply.action == "drop":
                    return
                if reply.action == "stall":
                    self._stop.wait(STALL_LIMIT)
                    return
                conn.sendall(reply.encode(f"req-{number}-{len(self.requests)}"))
                if request.headers.get("connection", "").lower() == "close":
                    return
        except OSError:
            return
        finally:
            reader.close()
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    @staticmethod
    def _read_request(reader: Any, number: int) -> Recorded | None:
        line = reader.readline(65536)
        if not line:
            return None
        method, target, _ = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
        headers: dict[str, str] = {}
        while True:
            raw = reader.readline(65536)
            if raw in (b"\r\n", b"\n", b""):
                break
            name, _, value = raw.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0") or 0)
        body = reader.read(length) if length else b""
        return Recorded(method, target, headers, body, number, time.monotonic())

    def stop(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self._listener.close()
        self._accepter.join(2)
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(2)


class SleepRecorder:
    """Stands in for ``time.sleep`` between attempts: records the delays, waits not."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self._lock = threading.Lock()

    def __call__(self, seconds: float) -> None:
        with self._lock:
            self.delays.append(seconds)


def async_client_for(server: ReplayServer) -> microvm_sdk.AsyncClient:
    """An ``AsyncClient`` for ``server`` (static credentials AK/SK, us-east-1), for tests
    that run their own event loop."""
    return microvm_sdk.AsyncClient(
        region_name="us-east-1",
        endpoint_url=server.url,
        aws_access_key_id="AK",
        aws_secret_access_key="SK",
    )


#: Builds a client for the test server (the ``make_client`` fixture).
ClientFactory = Callable[..., microvm_sdk.Client]
