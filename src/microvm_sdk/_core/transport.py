"""Keep-alive HTTP/1.1 transport over the standard library.

:class:`HttpClientTransport` lets :mod:`http.client` open connections (TCP, proxy ``CONNECT``
tunnel, TLS handshake) and then speaks HTTP/1.1 on the socket itself: the request head and a
small body go out in one ``sendall`` on a socket with ``TCP_NODELAY``, and the response is
parsed straight from ``recv`` buffers. That keeps the per-call cost below a bare
``http.client`` loop, which builds an ``email`` message for every response.

Connections are pooled per ``(scheme, host, port)``. A pooled connection is checked before
reuse (an idle connection that became readable was closed or spoke out of turn and is
dropped), and a request that fails on a *reused* connection before any response byte arrived
is sent once more on a fresh connection. Nothing else is retried here; retries belong to the
retry layer.

Nothing imports this module when ``microvm_sdk`` is imported: the client loads it lazily.
"""

from __future__ import annotations

import base64
import contextlib
import encodings.idna  # noqa: F401 - the codec of host names: loaded now, not on a connect
import http.client
import logging
import os
import re
import select
import socket
import ssl
import threading
from collections.abc import Generator, Mapping
from importlib.util import find_spec
from typing import TYPE_CHECKING, Final, Generic, TypeVar
from urllib.parse import unquote, urlsplit

from . import errors as _errors
from . import forks
from .http import HttpRequest, HttpResponse, Transport
from .redaction import redact_url

if TYPE_CHECKING:
    import asyncio

__all__ = ["HttpClientTransport", "Transport", "proxies_from_environment"]

logger = logging.getLogger(__name__)

PoolT = TypeVar("PoolT")
#: A parsed response: ``(status, headers, body, keep_alive)``.
_Parsed = tuple[int, dict[str, str], bytes, bool]
#: A response parser: yields the most bytes it wants next, is sent them (``b""`` at EOF).
_Parser = Generator[int, bytes, _Parsed]

_DEBUG: Final = logging.DEBUG
_RECV_SIZE: Final = 65536
#: Bodies up to this size are appended to the head and sent in the same ``sendall``.
_COALESCE_LIMIT: Final = 65536
_MAX_HEAD: Final = 65536
_MAX_CACHED_ROUTES: Final = 64
_MAX_CACHED_NAMES: Final = 512
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_BODY_METHODS: Final = frozenset({"POST", "PUT", "PATCH"})
_NO_BODY_STATUSES: Final = frozenset({204, 304})
_NOT_TOKEN: Final = re.compile(r"[^!#$%&'*+\-.^_`|~0-9A-Za-z]").search
_NOT_TARGET: Final = re.compile(r"[^\x21-\x7e]").search
_ACCEPT_ENCODING_LINE: Final = "Accept-Encoding: identity\r\n"

# What a request header name is, for the head builder (cached per name).
_PLAIN: Final = 0
_HOST: Final = 1
_USER_AGENT: Final = 2
_ACCEPT_ENCODING: Final = 4
_CONTENT_LENGTH: Final = 8
_SPECIAL_NAMES: Final = {
    "host": _HOST,
    "user-agent": _USER_AGENT,
    "accept-encoding": _ACCEPT_ENCODING,
    "content-length": _CONTENT_LENGTH,
}
_name_kinds: dict[str, int] = {}

# Failures that mean "the peer is gone" when they happen before any response byte.
_GONE: Final = (
    BrokenPipeError,
    ConnectionResetError,
    ConnectionAbortedError,
    ssl.SSLEOFError,
    ssl.SSLZeroReturnError,
)


class _NoResponseError(Exception):
    """The connection failed before any byte of the response arrived."""


class _BadResponseError(Exception):
    """The bytes received are not a valid HTTP/1.x response."""


class _Connection:
    """One open socket and the pool generation it belongs to."""

    __slots__ = ("_poller", "generation", "sock")

    def __init__(self, sock: socket.socket, generation: int) -> None:
        self.sock = sock
        self.generation = generation
        self._poller: select.poll | None = None
        if hasattr(select, "poll"):
            self._poller = select.poll()
            self._poller.register(sock, select.POLLIN)

    def is_dropped(self) -> bool:
        """Return whether an idle connection can no longer carry a request.

        An idle HTTP/1.1 connection has nothing to read. If it is readable the server closed
        it (EOF or reset) or sent something unsolicited (say a 408): either way it is unusable.
        """
        try:
            if self._poller is not None:
                return bool(self._poller.poll(0))
            return bool(select.select([self.sock], [], [], 0)[0])
        except (OSError, ValueError):
            return True

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


class _Route(Generic[PoolT]):
    """How to reach one origin (``scheme://host:port``), computed once per origin.

    ``pool`` is the transport's connection pool for the origin (its type is the
    flavour's: a list of idle sockets, or an asyncio pool with its slots).
    """

    __slots__ = (
        "connect_host",
        "connect_port",
        "host",
        "host_line",
        "pool",
        "port",
        "proxy_line",
        "target_prefix",
        "tls",
        "tunnel_headers",
    )

    def __init__(
        self,
        *,
        tls: bool,
        host: str,
        port: int,
        host_header: str,
        proxy: _Proxy | None,
        pool: PoolT,
    ) -> None:
        self.tls = tls
        self.host = host
        self.port = port
        self.host_line = f"Host: {host_header}\r\n"
        self.pool = pool
        self.proxy_line = ""
        self.target_prefix = ""
        self.tunnel_headers: dict[str, str] | None = None
        self.connect_host = host
        self.connect_port = port
        if proxy is not None:
            self.connect_host = proxy.host
            self.connect_port = proxy.port
            if tls:
                # HTTPS through a proxy: CONNECT tunnel, then TLS end to end with the origin.
                authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
                self.tunnel_headers = {"Host": authority}
                if proxy.authorization:
                    self.tunnel_headers["Proxy-Authorization"] = proxy.authorization
            else:
                # HTTP through a proxy: absolute-form request target, credentials per request.
                self.target_prefix = f"http://{host_header}"
                if proxy.authorization:
                    self.proxy_line = f"Proxy-Authorization: {proxy.authorization}\r\n"


class _Proxy:
    __slots__ = ("authorization", "host", "port")

    def __init__(self, url: str) -> None:
        text = url if "://" in url else f"http://{url}"
        try:
            parts = urlsplit(text)
            port = parts.port
        except ValueError as exc:
            raise _errors.ConfigurationError(f"invalid proxy URL {redact_url(url)!r}") from exc
        if parts.scheme.lower() != "http":
            raise _errors.ConfigurationError(
                f"unsupported proxy URL {redact_url(url)!r}: only http:// proxies are supported"
                " (HTTPS requests go through them in a CONNECT tunnel)"
            )
        if not parts.hostname:
            raise _errors.ConfigurationError(f"invalid proxy URL {redact_url(url)!r}: no host")
        self.host = parts.hostname
        self.port = port or 80
        self.authorization = ""
        if parts.username is not None:
            user = unquote(parts.username)
            password = unquote(parts.password or "")
            token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
            self.authorization = f"Basic {token}"


#: Methods safe to send again after a reused connection died before any response byte.
_RESENDABLE = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


def _public_url(url: str) -> str:
    """Return ``url`` without query string or user info (either may carry secrets)."""
    url = url.split("?", 1)[0].split("#", 1)[0]
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest.split("/", 1)[0]:
        host, slash, path = rest.partition("/")
        url = f"{scheme}://{host.rpartition('@')[2]}{slash}{path}"
    return url


def proxies_from_environment(url: str) -> dict[str, str]:
    """Return the proxies the environment configures for ``url``.

    Reads ``http_proxy``/``https_proxy`` and ``no_proxy`` in lower or upper case (lower case
    wins), the way :func:`urllib.request.getproxies_environment` and
    :func:`urllib.request.proxy_bypass_environment` do, including their rules for ``no_proxy``
    (``*``, host and domain suffixes, optional ports) and for CGI, where upper-case
    ``HTTP_PROXY`` is ignored.

    Args:
        url: The absolute URL about to be requested.

    Returns:
        ``{"http": proxy_url, "https": proxy_url}`` restricted to the schemes that have a
        proxy; empty when none is set or ``no_proxy`` excludes the URL's host.
    """
    if not any(name[-6:].lower() == "_proxy" for name in os.environ):
        return {}
    with forks.loading():  # only when a proxy variable is set: the import costs ~20 ms
        import urllib.request

    proxies = urllib.request.getproxies_environment()
    found = {scheme: proxies[scheme] for scheme in ("http", "https") if proxies.get(scheme)}
    if not found:
        return {}
    netloc = urlsplit(url).netloc.rpartition("@")[2]
    if netloc and urllib.request.proxy_bypass(netloc):
        return {}
    return found


def _default_ca_bundle() -> str | None:
    """Return the CA bundle boto3 would use by default: certifi's, else botocore's."""
    for package, filename in (("certifi", "cacert.pem"), ("botocore", "cacert.pem")):
        try:
            spec = find_spec(package)
        except (ImportError, ValueError):  # pragma: no cover - broken installs
            spec = None
        if spec is None or not spec.submodule_search_locations:
            continue
        for folder in spec.submodule_search_locations:
            path = os.path.join(folder, filename)
            if os.path.isfile(path):
                return path
    return None


def _make_ssl_context(
    verify: bool | str, client_cert: str | tuple[str, str] | None
) -> ssl.SSLContext:
    try:
        if verify is False:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        elif isinstance(verify, str):
            if not os.path.exists(verify):
                raise _errors.ConfigurationError(f"CA bundle {verify!r} does not exist")
            if os.path.isdir(verify):
                context = ssl.create_default_context(capath=verify)
            else:
                context = ssl.create_default_context(cafile=verify)
        else:
            context = ssl.create_default_context(cafile=_default_ca_bundle())
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        if isinstance(client_cert, str):
            context.load_cert_chain(client_cert)
        elif client_cert is not None:
            context.load_cert_chain(client_cert[0], client_cert[1])
    except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
        raise _errors.ConfigurationError(f"cannot set up TLS: {exc}") from exc
    return context


class _TransportBase(Generic[PoolT]):
    """What the blocking and the asyncio transports share: options, routes, request heads.

    Subclasses own the I/O: how a pool per origin looks (:meth:`_new_pool`), how to connect
    and how to exchange bytes.
    """

    __slots__ = (
        "__weakref__",
        "_connect_timeout",
        "_generation",
        "_lock",
        "_loop",
        "_max_idle",
        "_pools",
        "_proxies",
        "_read_timeout",
        "_routes",
        "_ssl_context",
        "_ua_line",
        "_verify_and_cert",
    )

    def __init__(
        self,
        *,
        connect_timeout: float = 60.0,
        read_timeout: float = 60.0,
        max_pool_connections: int = 10,
        verify: bool | str = True,
        proxies: Mapping[str, str] | None = None,
        client_cert: str | tuple[str, str] | None = None,
        user_agent: str | None = None,
    ) -> None:
        if not connect_timeout > 0 or not read_timeout > 0:
            raise _errors.ConfigurationError("connect_timeout and read_timeout must be > 0")
        if max_pool_connections < 1:
            raise _errors.ConfigurationError("max_pool_connections must be at least 1")
        if user_agent is not None and ("\r" in user_agent or "\n" in user_agent):
            raise _errors.ConfigurationError("user_agent must not contain line breaks")
        self._connect_timeout = float(connect_timeout)
        self._read_timeout = float(read_timeout)
        self._max_idle = max_pool_connections
        self._ua_line = f"User-Agent: {user_agent}\r\n" if user_agent else ""
        self._proxies: dict[str, _Proxy] | None = None
        if proxies is not None:
            self._proxies = {}
            for scheme, url in proxies.items():
                if scheme not in _DEFAULT_PORTS:
                    raise _errors.ConfigurationError(
                        f"proxies: unknown scheme {scheme!r} (expected 'http' or 'https')"
                    )
                if url:
                    self._proxies[scheme] = _Proxy(url)
        self._verify_and_cert = (verify, client_cert)
        # Made by the first HTTPS connection: reading a CA bundle costs 10-20 ms, and a
        # transport that only ever speaks plain HTTP (a local endpoint) never needs it.
        self._ssl_context: ssl.SSLContext | None = None
        self._lock = threading.Lock()
        self._pools: dict[tuple[str, str, int], PoolT] = {}
        self._routes: dict[str, _Route[PoolT]] = {}
        #: Bumped by ``close`` (and after ``fork``); older connections are not pooled.
        self._generation = 0
        #: The event loop the pools' connections belong to (the asyncio flavour's).
        self._loop: asyncio.AbstractEventLoop | None = None
        forks.track(self)

    def _new_pool(self) -> PoolT:
        """A new, empty pool for one origin."""
        raise NotImplementedError

    def _after_fork(self) -> None:
        """Make a forked child's copy of the transport start with no connections."""
        raise NotImplementedError

    def _route(self, url: str) -> tuple[_Route[PoolT], str]:
        """The route (cached per origin) and request target of ``url``."""
        slash = url.find("/", 8)  # the first "/" after "http://h" or "https://"
        route = self._routes.get(url[:slash]) if slash > 0 else None
        if route is not None:
            return route, url[slash:]
        return self._resolve(url)

    def _resolve(self, url: str) -> tuple[_Route[PoolT], str]:
        """Parse ``url`` into its route (cached per origin) and request target."""
        try:
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            host = parts.hostname
            port = parts.port
        except ValueError as exc:
            raise _errors.ConfigurationError(f"invalid URL {_public_url(url)!r}") from exc
        if scheme not in _DEFAULT_PORTS or not host:
            raise _errors.ConfigurationError(
                f"cannot send to {_public_url(url)!r}: an absolute http(s) URL is required"
            )
        default_port = _DEFAULT_PORTS[scheme]
        port = port or default_port
        target = parts.path or "/"
        if parts.query:
            target = f"{target}?{parts.query}"
        origin = f"{parts.scheme}://{parts.netloc}"
        cached = self._routes.get(origin)
        if cached is not None:
            return cached, target
        host_header = f"[{host}]" if ":" in host else host
        if port != default_port:
            host_header = f"{host_header}:{port}"
        if self._proxies is not None:
            proxy = self._proxies.get(scheme)
        else:
            env_url = proxies_from_environment(url).get(scheme)
            proxy = _Proxy(env_url) if env_url else None
        key = (scheme, host, port)
        with self._lock:
            pool = self._pools.get(key)
            if pool is None:
                pool = self._pools[key] = self._new_pool()
        route = _Route(
            tls=scheme == "https", host=host, port=port, host_header=host_header,
            proxy=proxy, pool=pool,
        )  # fmt: skip
        slash = url.find("/", 8)
        if slash > 0 and url[:slash] == origin and len(self._routes) < _MAX_CACHED_ROUTES:
            self._routes[origin] = route
        return route, target

    def _serialize(
        self, request: HttpRequest, route: _Route[PoolT], target: str
    ) -> tuple[bytes, bytes]:
        """Return the bytes to send: head (with a small body appended) and the rest."""
        method = request.method
        body = request.body
        lines = [f"{method} {route.target_prefix}{target} HTTP/1.1\r\n"]
        append = lines.append
        seen = 0
        kinds = _name_kinds
        for name, value in request.headers.items():
            kind = kinds.get(name)
            if kind is None:
                kind = _classify_header_name(name)
            if kind:
                seen |= kind
                if kind == _CONTENT_LENGTH:
                    continue  # always written from the body below
            append(f"{name}: {value}\r\n")
        if not seen & _HOST:
            append(route.host_line)
        if body or method in _BODY_METHODS:
            append(f"Content-Length: {len(body)}\r\n")
        if self._ua_line and not seen & _USER_AGENT:
            append(self._ua_line)
        if not seen & _ACCEPT_ENCODING:
            append(_ACCEPT_ENCODING_LINE)
        if route.proxy_line:
            append(route.proxy_line)
        append("\r\n")
        head = "".join(lines)
        # Every line above ends in exactly one CRLF; any other CR or LF came from a value.
        count = len(lines)
        if head.count("\n") != count or head.count("\r") != count:
            raise _errors.SerializationError("an HTTP header value contains a line break")
        if _NOT_TARGET(target) or _NOT_TOKEN(method):
            raise _errors.SerializationError(
                f"cannot write {method!r} {_public_url(target)!r} as an HTTP request line"
            )
        try:
            raw = head.encode("latin-1")
        except UnicodeEncodeError as exc:
            raise _errors.SerializationError(
                "an HTTP header holds a character outside ISO-8859-1"
            ) from exc
        if len(body) <= _COALESCE_LIMIT:
            return raw + body, b""
        return raw, body

    def _get_ssl_context(self) -> ssl.SSLContext:
        """The TLS context, made on first use (it reads the CA bundle: blocking I/O)."""
        context = self._ssl_context
        if context is None:
            context = _make_ssl_context(*self._verify_and_cert)
            with self._lock:
                if self._ssl_context is None:
                    self._ssl_context = context
                context = self._ssl_context
        return context


class HttpClientTransport(_TransportBase[list[_Connection]]):
    """A thread-safe keep-alive HTTP/1.1 transport over :mod:`http.client` sockets.

    Args:
        connect_timeout: Seconds allowed to open a connection, including the proxy tunnel
            and the TLS handshake.
        read_timeout: Seconds allowed for each socket operation once connected (each wait
            for response bytes, not the whole response).
        max_pool_connections: Idle connections kept per ``(scheme, host, port)``. More may
            be open at once while threads send in parallel; the extra ones are closed after
            use instead of being kept.
        verify: ``True`` verifies TLS certificates against the bundle boto3 uses by default
            (certifi's when installed, else botocore's); a string is a CA bundle file or a
            directory of hashed certificates to use instead; ``False`` turns verification off.
        proxies: Proxy URL per request scheme (``"http"``, ``"https"``). Only ``http://``
            proxy URLs are supported; HTTPS requests go through a ``CONNECT`` tunnel; user
            and password in the URL are sent as ``Proxy-Authorization: Basic``. ``None``
            reads the proxy environment variables (see :func:`proxies_from_environment`)
            when an origin is first used; ``{}`` turns proxies off.
        client_cert: A client certificate for TLS: one PEM file holding certificate and key,
            or ``(certificate_file, key_file)``.
        user_agent: ``User-Agent`` sent when the request has none.

    Raises:
        microvm_sdk._core.errors.ConfigurationError: An option is invalid or a proxy URL
            is unsupported. The CA bundle and the client certificate are read when the
            first HTTPS connection opens (never for plain HTTP): a file that is missing
            or cannot be read is a ``ConfigurationError`` from that request, raised
            before anything is sent.

    :meth:`close` closes the pooled connections; connections in use at that moment are closed
    when their exchange ends. The transport stays usable after :meth:`close`: the next request
    opens a new connection.
    """

    __slots__ = ()

    def _new_pool(self) -> list[_Connection]:
        return []

    # -- public API ---------------------------------------------------------------------

    def send(self, request: HttpRequest) -> HttpResponse:
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
                be written as HTTP/1.1 (line breaks, non-ASCII target, ...).
            microvm_sdk._core.errors.ConfigurationError: The URL's scheme is not http(s) or
                a proxy from the environment is unsupported.
        """
        url = request.url
        route, target = self._route(url)
        method = request.method
        head_only = method == "HEAD"
        data, tail = self._serialize(request, route, target)

        conn: _Connection | None = None
        idle = route.pool
        while idle:
            with self._lock:
                conn = idle.pop() if idle else None
            if conn is None or not conn.is_dropped():
                break
            conn.close()
            conn = None
        reused = conn is not None
        if conn is None:
            conn = self._connect(route, url)
        while True:
            try:
                status, headers, body, keep = _exchange(conn.sock, data, tail, head_only)
                break
            except BaseException as exc:
                conn.close()
                if not _resend_on_new_connection(exc, reused, method, url, self._read_timeout):
                    raise
                conn = self._connect(route, url)
                reused = False
        if keep:
            with self._lock:
                if conn.generation == self._generation and len(idle) < self._max_idle:
                    idle.append(conn)
                    conn = None
        if conn is not None:
            conn.close()
        return HttpResponse(status, headers, body)

    def close(self) -> None:
        """Close every pooled connection.

        Connections in use by other threads are closed when their exchange ends. The
        transport remains usable: later requests open new connections.
        """
        with self._lock:
            self._generation += 1
            idle = [conn for conns in self._pools.values() for conn in conns]
            for conns in self._pools.values():
                conns.clear()
        for conn in idle:
            conn.close()

    def __enter__(self) -> HttpClientTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals ----------------------------------------------------------------------

    def _idle_count(self) -> int:
        """Return how many idle connections the pool holds (for tests and diagnostics)."""
        with self._lock:
            return sum(len(conns) for conns in self._pools.values())

    def _connect(self, route: _Route[list[_Connection]], url: str) -> _Connection:
        """Open a new connection for ``route`` (through its proxy, with TLS if https)."""
        generation = self._generation
        conn: http.client.HTTPConnection
        if route.tls:
            conn = http.client.HTTPSConnection(
                route.connect_host,
                route.connect_port,
                timeout=self._connect_timeout,
                context=self._get_ssl_context(),
            )
            if route.tunnel_headers is not None:
                conn.set_tunnel(route.host, route.port, headers=route.tunnel_headers)
        else:
            conn = http.client.HTTPConnection(
                route.connect_host, route.connect_port, timeout=self._connect_timeout
            )
        try:
            conn.connect()
            sock = conn.sock
            if sock is None:  # pragma: no cover - connect() either sets it or raises
                raise OSError("no socket after connect")
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(self._read_timeout)
        except BaseException as exc:
            conn.close()
            error = _connect_error(exc, url, self._connect_timeout)
            if error is None:
                raise
            raise error from exc
        conn.sock = None  # the socket is ours now
        _log_new_connection(route, url)
        return _Connection(sock, generation)

    def _after_fork(self) -> None:
        """Drop the parent's connections in a forked child (they share the sockets)."""
        self._lock = threading.Lock()
        self._generation += 1
        for conns in self._pools.values():
            for conn in conns:
                conn.close()
            conns.clear()


def _connect_error(exc: BaseException, url: str, timeout: float) -> _errors.TransportError | None:
    """What a failure to connect to ``url`` is raised as (``None``: ``exc`` as it is)."""
    where = _public_url(url)
    if isinstance(exc, TimeoutError):
        return _errors.ConnectTimeoutError(
            f"connecting to {where} took longer than {timeout:g} s", url=where
        )
    if isinstance(exc, OSError | http.client.HTTPException | UnicodeError | _BadResponseError):
        return _errors.ConnectionError(f"cannot connect to {where}: {exc}", url=where)
    return None


def _resend_on_new_connection(
    exc: BaseException, reused: bool, method: str, url: str, read_timeout: float
) -> bool:
    """Decide what a failed exchange means (its connection is already closed).

    Returns ``True`` when the request is to be sent once more on a new connection (a
    kept-alive connection the server had closed, under a request that is safe to send
    again); otherwise raises the error the caller gets, or returns ``False`` to let
    ``exc`` (not one of ours: a cancellation, a ``KeyboardInterrupt``) propagate.
    """
    where = _public_url(url)
    if isinstance(exc, _NoResponseError):
        if not reused or method not in _RESENDABLE:
            # A POST may have been processed before the connection died: leave the
            # decision to the retry layer, which counts the attempt.
            raise _errors.ConnectionError(
                f"connection to {where} closed before a response: {exc}", url=where
            ) from (exc.__cause__ or exc)
        if logger.isEnabledFor(_DEBUG):
            logger.debug("reused connection lost (%s); resending on a new one", exc)
        return True
    if isinstance(exc, TimeoutError):
        raise _errors.ReadTimeoutError(
            f"no response from {where} within {read_timeout:g} s", url=where
        ) from exc
    if isinstance(exc, OSError | _BadResponseError):
        raise _errors.ConnectionError(f"connection to {where} failed: {exc}", url=where) from exc
    return False


def _log_new_connection(route: _Route[PoolT], url: str) -> None:
    if logger.isEnabledFor(_DEBUG):
        logger.debug(
            "new connection to %s:%d for %s",
            route.connect_host,
            route.connect_port,
            _public_url(url),
        )


def _classify_header_name(name: str) -> int:
    if not name or _NOT_TOKEN(name):
        raise _errors.SerializationError(f"invalid HTTP header name {name!r}")
    kind = _SPECIAL_NAMES.get(name.lower(), _PLAIN)
    if len(_name_kinds) < _MAX_CACHED_NAMES:
        _name_kinds[name] = kind
    return kind


def _exchange(sock: socket.socket, data: bytes, tail: bytes, head_only: bool) -> _Parsed:
    """Send one request and read its response: ``(status, headers, body, keep_alive)``.

    Raises:
        _NoResponseError: The peer went away before any response byte.
        _BadResponseError: The response is not valid HTTP/1.x.
        TimeoutError: A socket operation timed out.
        OSError: Any other socket or TLS failure.
    """
    recv = sock.recv
    try:
        sock.sendall(data)
        if tail:
            sock.sendall(tail)
        buf = recv(_RECV_SIZE)
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
            size = parsed.send(recv(size))
    except StopIteration as done:
        result: _Parsed = done.value
        return result


def _parse_response(buf: bytes, head_only: bool) -> _Parsed | _Parser:
    """Parse one HTTP/1.x response that starts with ``buf``, in linear time.

    The sans-I/O parser of both transports. When ``buf`` holds the whole response (the
    common case) it returns ``(status, headers, body, keep_alive)``. Otherwise it returns
    a generator that yields the most bytes it wants next, is sent what arrived (``b""``
    when the peer closed), and returns that tuple.

    Raises:
        _BadResponseError: The response is not valid HTTP/1.x or ends too early.
    """
    parsed = _parse_head(buf, head_only)
    if isinstance(parsed, bytes):
        return _more_head(parsed, head_only)
    return parsed


def _parse_head(buf: bytes, head_only: bool) -> _Parsed | _Parser | bytes:
    """:func:`_parse_response`, except that an incomplete head comes back as its bytes.

    Interim (1xx) responses before it are skipped: the bytes returned start after them.
    Linear in the length of ``buf``, however many interim responses it holds.
    """
    start = 0
    while True:
        end = buf.find(b"\r\n\r\n", start)
        if end < 0:
            return buf[start:] if start else buf
        lines = buf[start:end].decode("latin-1").split("\r\n")
        version, _, status_text = lines[0].partition(" ")
        try:
            status = int(status_text[:3])
        except ValueError:
            status = 0
        if not version.startswith("HTTP/1.") or not 100 <= status <= 999:
            raise _BadResponseError(f"invalid status line {lines[0][:80]!r}")
        start = end + 4
        if status >= 200 or status == 101:
            break
        # An interim 1xx response: the real one follows.
    rest = buf[start:]
    headers = _header_fields(lines)

    connection = headers.get("connection")
    if version == "HTTP/1.1":
        keep = connection is None or "close" not in _tokens(connection)
    else:
        keep = connection is not None and "keep-alive" in _tokens(connection)

    if head_only or status in _NO_BODY_STATUSES or status < 200:
        return status, headers, b"", keep and not rest and status != 101
    encoding = headers.get("transfer-encoding")
    if encoding is not None:
        if _tokens(encoding)[-1:] == ["chunked"]:
            return _chunked_response(status, headers, rest, keep)
        return _response_to_close(status, headers, rest)
    length_text = headers.get("content-length")
    if length_text is None:
        return _response_to_close(status, headers, rest)
    length = _content_length(length_text)
    have = len(rest)
    if have >= length:
        return status, headers, rest[:length] if have > length else rest, keep and have == length
    return _rest_of_body(status, headers, rest, length, keep)


def _header_fields(lines: list[str]) -> dict[str, str]:
    """The header fields of a response head (``lines[0]`` is the status line).

    Names are lower-cased; repeated fields are joined with ``", "`` and folded lines
    (obsolete line folding) with ``" "``. Linear time: the pieces of a field that repeats
    are joined once at the end, not copied again for every repetition.
    """
    headers: dict[str, str] = {}
    joined: dict[str, list[str]] | None = None
    name = ""
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and name:  # obsolete line folding
            separator, value = " ", line.strip()
        else:
            raw_name, colon, value = line.partition(":")
            if not colon:
                raise _BadResponseError(f"invalid header line {line[:80]!r}")
            name = raw_name.strip().lower()
            value = value.strip()
            if name not in headers:
                headers[name] = value
                continue
            separator = ", "
        if joined is None:
            joined = {}
        pieces = joined.get(name)
        if pieces is None:
            pieces = joined[name] = [headers[name]]
        pieces += (separator, value)
    if joined:
        for field, pieces in joined.items():
            headers[field] = "".join(pieces)
    return headers


def _more_head(buf: bytes, head_only: bool) -> _Parser:
    """Read until a response head is complete, then parse as :func:`_parse_response`.

    Only new bytes are searched for the end of the head, so a head that trickles in byte
    by byte still costs linear time.
    """
    data = bytearray(buf)
    while True:
        if len(data) > _MAX_HEAD:
            raise _BadResponseError("response head too long")
        searched = max(0, len(data) - 3)
        more = yield _RECV_SIZE
        if not more:
            raise _BadResponseError("connection closed inside the response head")
        data += more
        if data.find(b"\r\n\r\n", searched) < 0:
            continue
        parsed = _parse_head(bytes(data), head_only)
        if isinstance(parsed, bytes):  # the heads found were interim 1xx responses
            data = bytearray(parsed)
            continue
        if isinstance(parsed, tuple):
            return parsed
        return (yield from parsed)


def _rest_of_body(
    status: int, headers: dict[str, str], rest: bytes, length: int, keep: bool
) -> _Parser:
    parts = [rest]
    have = len(rest)
    while have < length:
        chunk = yield min(length - have, _RECV_SIZE)
        if not chunk:
            raise _BadResponseError(f"connection closed after {have} of {length} body bytes")
        parts.append(chunk)
        have += len(chunk)
    return status, headers, b"".join(parts), keep


def _chunked_response(status: int, headers: dict[str, str], rest: bytes, keep: bool) -> _Parser:
    body, clean = yield from _read_chunked(rest)
    return status, headers, body, keep and clean


def _response_to_close(status: int, headers: dict[str, str], rest: bytes) -> _Parser:
    return status, headers, (yield from _read_to_close(rest)), False


def _tokens(value: str) -> list[str]:
    return [token.strip() for token in value.lower().split(",")]


def _content_length(text: str) -> int:
    if text.isdigit() and text.isascii():
        return int(text)
    values = {item.strip() for item in text.split(",")}
    if len(values) != 1:
        raise _BadResponseError(f"conflicting Content-Length {text!r}")
    value = values.pop()
    if not (value.isdigit() and value.isascii()):
        raise _BadResponseError(f"invalid Content-Length {text!r}")
    return int(value)


def _read_to_close(rest: bytes) -> Generator[int, bytes, bytes]:
    parts = [rest]
    while chunk := (yield _RECV_SIZE):
        parts.append(chunk)
    return b"".join(parts)


def _more() -> Generator[int, bytes, bytes]:
    more = yield _RECV_SIZE
    if not more:
        raise _BadResponseError("connection closed inside a chunked body")
    return more


def _line_end(data: bytearray, pos: int) -> Generator[int, bytes, int]:
    """The index of the CRLF that ends the line at ``pos``, reading more as needed.

    Only the bytes that arrived since the last look are searched, so a line that
    trickles in byte by byte still costs linear time.
    """
    searched = pos
    while (eol := data.find(b"\r\n", searched)) < 0:
        if len(data) - pos > _MAX_HEAD:
            raise _BadResponseError("chunk size or trailer line too long")
        searched = max(pos, len(data) - 1)
        data.extend((yield from _more()))
    return eol


def _read_chunked(rest: bytes) -> Generator[int, bytes, tuple[bytes, bool]]:
    """Decode a chunked body; return it and whether the stream ended exactly after it."""
    data = bytearray(rest)
    pos = 0
    out: list[bytes] = []
    while True:
        eol = yield from _line_end(data, pos)
        size_text = bytes(data[pos:eol]).split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            size = -1
        if size < 0 or not size_text.isalnum():
            raise _BadResponseError(f"invalid chunk size {size_text[:20]!r}")
        pos = eol + 2
        if size == 0:
            break
        while len(data) < pos + size + 2:
            data.extend((yield from _more()))
        if data[pos + size : pos + size + 2] != b"\r\n":
            raise _BadResponseError("chunk not followed by CRLF")
        out.append(bytes(data[pos : pos + size]))
        pos += size + 2
        if pos > _RECV_SIZE:
            del data[:pos]
            pos = 0
    while True:  # trailer fields, ignored, up to the empty line
        eol = yield from _line_end(data, pos)
        empty = eol == pos
        pos = eol + 2
        if empty:
            break
    return b"".join(out), pos == len(data)
