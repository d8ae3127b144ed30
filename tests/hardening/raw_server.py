"""A server on 127.0.0.1 that answers every request with the same scripted bytes.

The bytes need not be HTTP: they are sent as they are, after the request has been
read, and the connection is then closed (so that a response cut short ends in an EOF
rather than a read timeout). What to send is ``RawServer.script``; change it between
examples.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType


class RawServer:
    """Answers each request with :attr:`script`, then closes the connection."""

    def __init__(self) -> None:
        self.script = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
        self.requests = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.settimeout(10)
            if not _read_request(conn):
                return
            self.requests += 1
            conn.sendall(self.script)
            conn.shutdown(socket.SHUT_WR)
            while conn.recv(65536):  # let the client close first: no reset
                pass

    def stop(self) -> None:
        self._stopped.set()
        self._listener.close()
        self._thread.join(5)

    def __enter__(self) -> RawServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _read_request(conn: socket.socket) -> bool:
    """Read one request (head and ``Content-Length`` body); whether one came."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return False
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return False
        body += chunk
    return True
