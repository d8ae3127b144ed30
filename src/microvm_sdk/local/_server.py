"""The emulator's HTTP server: connections, the request pipeline and ``LocalServer``.

One thread accepts connections and one thread serves each connection (HTTP/1.1,
keep-alive). Every response is written with a single ``sendall`` (status line, headers
and body together) on a socket with ``TCP_NODELAY`` set, so a client never waits on a
delayed ACK.

A request passes, in order: the admin API (``/_microvm_local/...``, unsigned), the
SigV4 check, routing, fault injection, parsing and validation, and finally the backend,
which is called under one lock so its state is never seen half-changed.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import os
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from email.utils import formatdate
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, TypedDict

import attrs

from microvm_sdk.local._errors import EmulatedError, RequestContext
from microvm_sdk.local._faults import FaultInjector
from microvm_sdk.local._routing import Router
from microvm_sdk.local._sigv4 import SigV4Verifier, VerifiedRequest
from microvm_sdk.local._validation import RequestParser, Validator, validation_error

if TYPE_CHECKING:
    from microvm_sdk._core.schema import Operation, ServiceSchema

__all__ = ["ADMIN_PREFIX", "BackendProtocol", "LocalServer"]

logger = logging.getLogger("microvm_sdk.local")

ADMIN_PREFIX = "/_microvm_local"
_MAX_HEAD = 64 * 1024
_MAX_BODY = 16 * 1024 * 1024
_IDLE_TIMEOUT = 300.0
_SAVE_DELAY = 0.2
_PROFILES = ("fast", "realistic", "manual")


class Credentials(TypedDict):
    """What :attr:`LocalServer.credentials` holds: keys and region, as boto3 takes them."""

    aws_access_key_id: str
    aws_secret_access_key: str
    region_name: str


class ClientKwargs(Credentials):
    """What :attr:`LocalServer.client_kwargs` holds: ``Client(**server.client_kwargs)``."""

    endpoint_url: str


_JSON = "application/json"
# The member of a create's response naming the new resource, for the not-found window.
_CREATED_ID = {"CreateMicrovmImage": "imageArn", "RunMicrovm": "microvmId"}
_NOT_FOUND_MESSAGES = {
    "imageIdentifier": "MicroVMImage not found for MicroVMImageID: {}",
    "microvmIdentifier": "MicroVM not found: {}",
}


class BackendProtocol(Protocol):
    """What the server needs from a backend (the service behaviour)."""

    def handle(
        self, operation: str, params: dict[str, Any], ctx: RequestContext
    ) -> dict[str, Any] | None:
        """Run one operation; return the response body or raise :class:`EmulatedError`."""
        ...

    def to_json(self) -> dict[str, Any]:
        """Return the backend's state as JSON-ready data."""
        ...


# --------------------------------------------------------------------------- HTTP values


@attrs.frozen(slots=True)
class _Request:
    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    header_map: Mapping[str, str]
    body: bytes


@attrs.frozen(slots=True)
class _Response:
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    drop: bool = False


_DROP = _Response(status=0, drop=True)
_REASONS = {status.value: status.phrase for status in HTTPStatus}
_REASONS[402] = "Payment Required"


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


def _encode_response(response: _Response, keep_alive: bool) -> bytes:
    reason = _REASONS.get(response.status, "Unknown")
    lines = [f"HTTP/1.1 {response.status} {reason}"]
    lines.extend(f"{name}: {value}" for name, value in response.headers)
    lines.append(f"Content-Length: {len(response.body)}")
    lines.append(f"Date: {_DATE.get()}")
    lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
    head = "\r\n".join(lines) + "\r\n\r\n"
    return head.encode("latin-1", "replace") + response.body


def _json_bytes(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )


# ------------------------------------------------------------------------ the HTTP server


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _HttpServer:
    """A small threaded HTTP/1.1 server handing parsed requests to ``handler``."""

    def __init__(self, host: str, port: int, handler: Callable[[_Request], _Response]) -> None:
        self._handler = handler
        self._listener = socket.create_server((host, port), backlog=128)
        self.address: tuple[str, int] = self._listener.getsockname()[:2]
        self._stopping = threading.Event()
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._lock = threading.Lock()
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"microvm-local-{self.address[1]}", daemon=True
        )

    def start(self) -> None:
        self._accept_thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        # Wake the accept() with a connection of our own, then close the listener.
        try:
            with socket.create_connection(self.address, timeout=1.0):
                pass
        except OSError:
            pass
        self._accept_thread.join(timeout)
        self._listener.close()
        with self._lock:
            connections = list(self._connections.items())
        for sock, _ in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for _, thread in connections:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except OSError:
                if self._stopping.is_set():
                    return
                time.sleep(0.01)
                continue
            if self._stopping.is_set():
                sock.close()
                return
            thread = threading.Thread(
                target=self._serve, args=(sock,), name="microvm-local-conn", daemon=True
            )
            with self._lock:
                self._connections[sock] = thread
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(_IDLE_TIMEOUT)
            self._serve_requests(sock)
        except (OSError, ValueError):
            pass
        finally:
            with self._lock:
                self._connections.pop(sock, None)
            with contextlib.suppress(OSError):
                sock.close()

    def _serve_requests(self, sock: socket.socket) -> None:
        buffer = bytearray()
        while not self._stopping.is_set():
            # Skip blank lines between requests (RFC 9112 2.2), then read the head.
            while buffer[:2] == b"\r\n":
                del buffer[:2]
            end = buffer.find(b"\r\n\r\n")
            while end < 0:
                if len(buffer) > _MAX_HEAD:
                    self._send_plain(sock, 431, "Request header fields too large")
                    return
                chunk = sock.recv(65536)
                if not chunk:
                    return
                buffer += chunk
                while buffer[:2] == b"\r\n":
                    del buffer[:2]
                end = buffer.find(b"\r\n\r\n")
            head = bytes(buffer[:end]).decode("latin-1")
            del buffer[: end + 4]
            try:
                method, target, version, headers = self._parse_head(head)
                header_map = self._header_map(headers)
                keep_alive = self._keep_alive(version, header_map)
                body = self._read_body(sock, buffer, header_map)
            except _BadRequest as exc:
                self._send_plain(sock, exc.status, str(exc))
                return
            path, _, query = target.partition("?")
            request = _Request(method, path, query, tuple(headers), header_map, body)
            try:
                response = self._handler(request)
            except Exception:
                logger.exception("unhandled error serving %s %s", method, path)
                response = _Response(
                    500,
                    (
                        ("Content-Type", _JSON),
                        ("X-Amzn-ErrorType", "InternalServerException"),
                        ("x-amzn-RequestId", str(uuid.uuid4())),
                    ),
                    _json_bytes({"message": "Internal server error"}),
                )
            if response.drop:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                return
            sock.sendall(_encode_response(response, keep_alive))
            if not keep_alive:
                return

    @staticmethod
    def _parse_head(head: str) -> tuple[str, str, str, list[tuple[str, str]]]:
        lines = head.split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise _BadRequest(400, "Malformed request line")
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
                raise _BadRequest(400, "Malformed header line")
            headers.append((name, value.strip(" \t")))
        return method.upper(), target, version, headers

    @staticmethod
    def _header_map(headers: Sequence[tuple[str, str]]) -> dict[str, str]:
        result: dict[str, str] = {}
        for name, value in headers:
            key = name.lower()
            result[key] = f"{result[key]},{value}" if key in result else value
        return result

    @staticmethod
    def _keep_alive(version: str, headers: Mapping[str, str]) -> bool:
        tokens = {t.strip().lower() for t in headers.get("connection", "").split(",")}
        if version == "HTTP/1.0":
            return "keep-alive" in tokens
        return "close" not in tokens

    def _read_body(
        self, sock: socket.socket, buffer: bytearray, headers: Mapping[str, str]
    ) -> bytes:
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        length_text = headers.get("content-length")
        if not chunked and not length_text:
            return b""
        if headers.get("expect", "").lower() == "100-continue" and not buffer:
            sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        if chunked:
            return self._read_chunked(sock, buffer)
        try:
            length = int(length_text or "0")
        except ValueError:
            raise _BadRequest(400, "Invalid Content-Length") from None
        if length < 0:
            raise _BadRequest(400, "Invalid Content-Length")
        if length > _MAX_BODY:
            raise _BadRequest(413, "Request entity too large")
        self._fill(sock, buffer, length)
        body = bytes(buffer[:length])
        del buffer[:length]
        return body

    @staticmethod
    def _fill(sock: socket.socket, buffer: bytearray, size: int) -> None:
        while len(buffer) < size:
            chunk = sock.recv(max(65536, size - len(buffer)))
            if not chunk:
                raise ConnectionError("client closed the connection mid-request")
            buffer += chunk

    def _read_line(self, sock: socket.socket, buffer: bytearray) -> bytes:
        while True:
            end = buffer.find(b"\r\n")
            if end >= 0:
                line = bytes(buffer[:end])
                del buffer[: end + 2]
                return line
            if len(buffer) > _MAX_HEAD:
                raise _BadRequest(400, "Malformed chunked body")
            self._fill(sock, buffer, len(buffer) + 1)

    def _read_chunked(self, sock: socket.socket, buffer: bytearray) -> bytes:
        body = bytearray()
        while True:
            size_line = self._read_line(sock, buffer).split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise _BadRequest(400, "Malformed chunked body") from None
            if size == 0:
                while self._read_line(sock, buffer):
                    pass  # trailers
                return bytes(body)
            if len(body) + size > _MAX_BODY:
                raise _BadRequest(413, "Request entity too large")
            self._fill(sock, buffer, size + 2)
            body += buffer[:size]
            del buffer[: size + 2]

    @staticmethod
    def _send_plain(sock: socket.socket, status: int, message: str) -> None:
        headers = (("Content-Type", _JSON), ("x-amzn-RequestId", str(uuid.uuid4())))
        response = _Response(status, headers, _json_bytes({"message": message}))
        with contextlib.suppress(OSError):
            sock.sendall(_encode_response(response, keep_alive=False))


# ----------------------------------------------------------------------------- LocalServer


def _load_schema() -> ServiceSchema:
    from microvm_sdk._schema import SCHEMA

    return SCHEMA


class LocalServer:
    """A local emulator of AWS Lambda MicroVMs, serving HTTP on a loopback port.

    boto3, the AWS CLI and this SDK work against it unchanged: point them at
    :attr:`endpoint_url` with :attr:`credentials`. Requests must be signed with SigV4
    using these credentials (unless ``verify_signatures`` is off); the region of a
    request is the region of its signature.

    Example:
        >>> with LocalServer() as server:  # doctest: +SKIP
        ...     client = boto3.client(
        ...         "lambda-microvms", endpoint_url=server.endpoint_url, **server.credentials
        ...     )

    Args:
        host: The address to listen on.
        port: The port; ``0`` picks a free one.
        region: The region of unsigned requests, and of :attr:`credentials`.
        access_key: The access key id clients sign with.
        secret_key: The secret key clients sign with.
        verify_signatures: Check SigV4 signatures; when off, the region is still read
            from the signature, if any.
        profile: The timing profile of the service behaviour: ``"fast"`` (settles in
            milliseconds), ``"realistic"`` (seconds to minutes) or ``"manual"`` (the
            clock moves only when advanced).
        state_file: A JSON file holding the emulator's state: loaded on start when it
            exists, written shortly after every change and on stop.
        account_id: The emulated account id.
        live_fidelity: Answer in the live service's shape (the default): its explicit
            nulls, the members it leaves out and those the model does not define.
            ``False`` answers in the model's shape (modeled members only, unset ones
            left out).
        backend: The service behaviour; the built-in one when omitted.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        region: str = "us-east-1",
        access_key: str = "test",
        secret_key: str = "test",
        verify_signatures: bool = True,
        profile: str = "fast",
        state_file: str | os.PathLike[str] | None = None,
        account_id: str = "000000000000",
        live_fidelity: bool = True,
        backend: BackendProtocol | None = None,
    ) -> None:
        if profile not in _PROFILES:
            raise ValueError(f"unknown profile {profile!r}; expected one of {_PROFILES}")
        self._host = host
        self._port = port
        self._region = region
        self._access_key = access_key
        self._secret_key = secret_key
        self._verify_signatures = verify_signatures
        self._profile = profile
        self._state_file = Path(state_file) if state_file is not None else None
        self._account_id = account_id
        self._live_fidelity = live_fidelity
        self._custom_backend = backend is not None
        self._backend: BackendProtocol | None = backend
        self._faults = FaultInjector()
        self._verifier = SigV4Verifier({access_key: secret_key}, service="lambda")
        self._backend_lock = threading.RLock()
        self._http: _HttpServer | None = None
        self._schema: ServiceSchema | None = None
        self._router: Router | None = None
        self._parser: RequestParser | None = None
        self._validator: Validator | None = None
        self._dirty = threading.Event()
        self._saver: threading.Thread | None = None
        self._saver_stop = threading.Event()
        self._started_at = 0.0
        self._created: dict[str, float] = {}

    # -- properties ---------------------------------------------------------------

    @property
    def endpoint_url(self) -> str:
        """The URL clients use as their endpoint (``http://127.0.0.1:PORT``)."""
        host, port = self._address()
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port}"

    @property
    def host(self) -> str:
        """The address the server listens on."""
        return self._address()[0]

    @property
    def port(self) -> int:
        """The port the server listens on (the chosen one once started)."""
        return self._address()[1]

    @property
    def region(self) -> str:
        """The default region."""
        return self._region

    @property
    def access_key(self) -> str:
        """The access key id clients sign with."""
        return self._access_key

    @property
    def secret_key(self) -> str:
        """The secret key clients sign with."""
        return self._secret_key

    @property
    def account_id(self) -> str:
        """The emulated account id."""
        return self._account_id

    @property
    def profile(self) -> str:
        """The timing profile."""
        return self._profile

    @property
    def credentials(self) -> Credentials:
        """Keyword arguments for ``boto3.client`` / ``boto3.Session``: keys and region."""
        return {
            "aws_access_key_id": self._access_key,
            "aws_secret_access_key": self._secret_key,
            "region_name": self._region,
        }

    @property
    def client_kwargs(self) -> ClientKwargs:
        """:attr:`credentials` plus ``endpoint_url``: everything ``boto3.client`` needs."""
        credentials = self.credentials
        return {
            "endpoint_url": self.endpoint_url,
            "aws_access_key_id": credentials["aws_access_key_id"],
            "aws_secret_access_key": credentials["aws_secret_access_key"],
            "region_name": credentials["region_name"],
        }

    @property
    def faults(self) -> FaultInjector:
        """The fault-injection rules (see :class:`~microvm_sdk.local.FaultInjector`)."""
        return self._faults

    @property
    def backend(self) -> Any:
        """The service behaviour serving the requests."""
        return self._get_backend()

    @property
    def clock(self) -> Any:
        """The backend's virtual clock."""
        return self.backend.clock

    @property
    def running(self) -> bool:
        """Whether the server is serving."""
        return self._http is not None

    def _address(self) -> tuple[str, int]:
        if self._http is not None:
            return self._http.address
        return self._host, self._port

    # -- life cycle ---------------------------------------------------------------

    def start(self) -> LocalServer:
        """Start serving in background threads (loading the state file if it exists).

        Returns:
            The server itself.
        """
        if self._http is not None:
            return self
        self._schema = _load_schema()
        self._router = Router(self._schema)
        self._parser = RequestParser(self._schema)
        self._validator = Validator(self._schema)
        if self._state_file is not None and self._state_file.exists():
            data = json.loads(self._state_file.read_text(encoding="utf-8"))
            self._backend = self._new_backend(data)
        elif self._backend is None:
            self._backend = self._new_backend(None)
        self._http = _HttpServer(self._host, self._port, self._handle)
        self._http.start()
        self._started_at = time.time()
        if self._state_file is not None:
            self._saver_stop.clear()
            self._saver = threading.Thread(
                target=self._save_loop, name="microvm-local-saver", daemon=True
            )
            self._saver.start()
        return self

    def stop(self) -> None:
        """Stop serving: close every socket, join the threads, write the state file."""
        http, self._http = self._http, None
        if http is None:
            return
        http.stop()
        if self._saver is not None:
            self._saver_stop.set()
            self._dirty.set()  # wakes the saver
            self._saver.join(5.0)
            self._saver = None
        if self._state_file is not None:
            self.save_state()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"LocalServer({self.endpoint_url}, {state}, profile={self._profile!r})"

    # -- backend and state ----------------------------------------------------------

    def _backend_options(self, factory: Callable[..., Any]) -> dict[str, Any]:
        wanted: dict[str, Any] = {
            "profile": self._profile,
            "account_id": self._account_id,
            "live_fidelity": self._live_fidelity,
        }
        try:
            parameters = inspect.signature(factory).parameters
        except (TypeError, ValueError):
            return {}
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
            return wanted
        return {k: v for k, v in wanted.items() if k in parameters}

    def _new_backend(self, data: dict[str, Any] | None) -> BackendProtocol:
        if self._custom_backend and self._backend is not None:
            cls: Any = type(self._backend)
            if data is not None and hasattr(cls, "from_json"):
                restored: BackendProtocol = cls.from_json(data)
                return restored
            return self._backend
        from microvm_sdk.local._backend import Backend

        if data is not None:
            options = self._backend_options(Backend)
            # A saved clock keeps its reading; only a new server gets a new clock.
            options.pop("clock", None)
            return Backend.from_json(data, **options)
        return Backend(**self._backend_options(Backend))

    def _get_backend(self) -> BackendProtocol:
        if self._backend is None:
            self._backend = self._new_backend(None)
        return self._backend

    def reset(self) -> None:
        """Forget every resource and fault rule (a fresh backend, same settings)."""
        with self._backend_lock:
            reset = getattr(self._backend, "reset", None)
            if callable(reset):
                reset()
            elif not self._custom_backend:
                self._backend = self._new_backend(None)
            self._faults.clear()
            self._created.clear()
        self._dirty.set()

    def save_state(self) -> None:
        """Write the state file now (atomically: a temporary file renamed over it)."""
        if self._state_file is None:
            return
        with self._backend_lock:
            data = self._get_backend().to_json()
            self._dirty.clear()
        target = self._state_file
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, separators=(",", ":"))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def _save_loop(self) -> None:
        while not self._saver_stop.is_set():
            if self._dirty.wait(0.5) and not self._saver_stop.is_set():
                self._saver_stop.wait(_SAVE_DELAY)
                try:
                    self.save_state()
                except Exception:
                    logger.exception("could not write the state file %s", self._state_file)

    # -- the request pipeline -------------------------------------------------------

    def _error(self, error: EmulatedError, request_id: str) -> _Response:
        body = error.body
        headers = [
            ("Content-Type", _JSON),
            ("X-Amzn-ErrorType", error.code),
            ("x-amzn-RequestId", request_id),
        ]
        shape = self._schema.shapes.get(error.code) if self._schema is not None else None
        if shape is not None and shape.error is not None:
            for member in shape.members:
                # The service sends every modeled body member, null when it has no value.
                if member.location == "body" and "Message" not in body:
                    body.setdefault(member.wire_name, None)
                elif member.location == "header":
                    value = body.pop(member.wire_name, None)
                    value = body.pop(member.model_name, value)
                    if value is not None and member.wire_name not in error.headers:
                        headers.append((member.wire_name, str(value)))
        headers.extend(error.headers.items())
        return _Response(error.status, tuple(headers), _json_bytes(body))

    def _handle(self, request: _Request) -> _Response:
        request_id = str(uuid.uuid4())
        if request.path == ADMIN_PREFIX or request.path.startswith(ADMIN_PREFIX + "/"):
            return self._admin(request, request_id)
        try:
            verified = self._authenticate(request)
        except EmulatedError as error:
            return self._error(error, request_id)
        assert self._router is not None
        match = self._router.match(request.method, request.path)
        if match is None:
            return self._error(
                EmulatedError(
                    "UnknownOperationException",
                    404,
                    f"No operation matches {request.method} {request.path}",
                ),
                request_id,
            )
        operation, labels = match
        decision = self._faults.decide(operation.name)
        if decision.delay:
            time.sleep(decision.delay)
        if decision.drop:
            return _DROP
        if decision.error is not None:
            return self._error(decision.error, request_id)
        try:
            result = self._call(operation, labels, request, verified, request_id)
        except EmulatedError as error:
            return self._error(error, request_id)
        except Exception:
            logger.exception("backend failed on %s", operation.name)
            return self._error(
                EmulatedError("InternalServerException", 500, "Internal server error"),
                request_id,
            )
        headers = (("Content-Type", _JSON), ("x-amzn-RequestId", request_id))
        if operation.output is None or operation.success_code == 204:
            body = b""
        else:
            body = _json_bytes(result or {})
        return _Response(operation.success_code, headers, body)

    def _authenticate(self, request: _Request) -> VerifiedRequest:
        if not self._verify_signatures:
            return self._verifier.read(request.header_map, self._region)
        return self._verifier.verify(
            request.method, request.path, request.query, request.headers, request.body
        )

    def _call(
        self,
        operation: Operation,
        labels: Mapping[str, str],
        request: _Request,
        verified: VerifiedRequest,
        request_id: str,
    ) -> dict[str, Any] | None:
        assert self._parser is not None and self._validator is not None
        params = self._parser.parse(
            operation, labels, request.query, request.header_map, request.body
        )
        messages = self._validator.validate(operation.input, params)
        if messages:
            raise validation_error(messages)
        ctx = RequestContext(
            region=verified.region,
            account_id=self._account_id,
            request_id=request_id,
            access_key=verified.access_key,
        )
        backend = self._get_backend()
        self._check_not_found_window(operation.name, params)
        with self._backend_lock:
            result = backend.handle(operation.name, params, ctx)
        if operation.name in _CREATED_ID and result and self._faults.has_not_found_windows:
            created = result.get(_CREATED_ID[operation.name])
            if isinstance(created, str):
                self._created[created] = self._now()
        if self._state_file is not None and operation.method != "GET":
            self._dirty.set()
        return result

    def _now(self) -> float:
        clock = getattr(self._backend, "clock", None)
        now = getattr(clock, "now", None)
        return float(now()) if callable(now) else time.time()

    def _check_not_found_window(self, operation: str, params: Mapping[str, Any]) -> None:
        """Answer 404 for a resource created less than the fault's window ago."""
        window = self._faults.not_found_window(operation)
        if not window or not self._created:
            return
        for member, message in _NOT_FOUND_MESSAGES.items():
            identifier = params.get(member)
            if not isinstance(identifier, str):
                continue
            created = self._created.get(identifier)
            if created is not None and self._now() < created + window:
                raise EmulatedError(
                    "ResourceNotFoundException",
                    404,
                    message.format(identifier),
                    {"resourceId": None, "resourceType": None},
                )

    # -- the admin API --------------------------------------------------------------

    def _admin(self, request: _Request, request_id: str) -> _Response:
        route = request.path[len(ADMIN_PREFIX) :].rstrip("/") or "/"
        method = request.method
        try:
            data = self._admin_body(request)
            status, result = self._admin_route(method, route, data)
        except _AdminError as exc:
            status, result = exc.status, {"message": str(exc)}
        except ValueError as exc:
            status, result = 400, {"message": str(exc)}
        headers = (("Content-Type", _JSON), ("x-amzn-RequestId", request_id))
        return _Response(status, headers, _json_bytes(result))

    @staticmethod
    def _admin_body(request: _Request) -> dict[str, Any]:
        if not request.body.strip():
            return {}
        try:
            data = json.loads(request.body)
        except ValueError:
            raise _AdminError(400, "The body is not valid JSON") from None
        if not isinstance(data, dict):
            raise _AdminError(400, "The body must be a JSON object")
        return data

    def _admin_route(
        self, method: str, route: str, data: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        if route == "/health" and method == "GET":
            return 200, {
                "status": "ok",
                "service": "lambda-microvms",
                "region": self._region,
                "accountId": self._account_id,
                "profile": self._profile,
                "verifySignatures": self._verify_signatures,
                "liveFidelity": self._live_fidelity,
                "uptimeSeconds": round(time.time() - self._started_at, 3),
            }
        if route == "/faults":
            if method == "GET":
                return 200, self._faults.to_json()
            if method == "POST":
                if "seed" in data and "type" not in data and "faults" not in data:
                    seed = data["seed"]
                    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
                        raise ValueError("seed must be an integer or null")
                    self._faults.seed(seed)
                    return 200, self._faults.to_json()
                specs = data.get("faults", [data])
                if not isinstance(specs, list) or not all(isinstance(s, dict) for s in specs):
                    raise ValueError("faults must be a list of objects")
                if "seed" in data:
                    self._faults.seed(data["seed"])
                added = [self._faults.add_json(spec) for spec in specs]
                return 201, {"faults": [rule.to_json() for rule in added if rule is not None]}
            if method == "DELETE":
                self._faults.clear()
                return 200, self._faults.to_json()
        if route.startswith("/faults/") and method == "DELETE":
            if self._faults.remove(route[len("/faults/") :]):
                return 200, self._faults.to_json()
            raise _AdminError(404, "No such fault rule")
        if route == "/clock" and method == "GET":
            return 200, {"now": self.clock.now()}
        if route == "/clock/advance" and method == "POST":
            seconds = data.get("seconds")
            if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
                raise ValueError("seconds must be a number >= 0")
            with self._backend_lock:
                now = self.clock.advance(float(seconds))
            self._dirty.set()
            return 200, {"now": now}
        if route == "/reset" and method == "POST":
            self.reset()
            return 200, {"status": "reset"}
        if route == "/state" and method == "GET":
            with self._backend_lock:
                return 200, self.backend.to_json()
        if route == "/state/save" and method == "POST":
            if self._state_file is None:
                raise _AdminError(409, "The server has no state file")
            self.save_state()
            return 200, {"stateFile": str(self._state_file)}
        raise _AdminError(404, f"No admin endpoint {method} {ADMIN_PREFIX}{route}")


class _AdminError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
