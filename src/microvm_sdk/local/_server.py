"""``LocalServer``: the request pipeline, the admin API and the emulator's life cycle.

The HTTP layer (:mod:`._http`) hands each parsed request to :meth:`LocalServer._handle`,
which passes it, in order, through: the access rules (:mod:`._exposure`: the ``Host``
must name this server, no foreign web ``Origin``), the admin API
(``/_microvm_local/...``: JSON only, token when required), the SigV4 check, routing,
fault injection, parsing and validation, and finally the backend, which is called under
one lock so its state is never seen half-changed. A change is written to the state
file, if any, before its response is sent (:mod:`._persistence`).
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, TypedDict

from microvm_sdk.local._errors import EmulatedError, RequestContext
from microvm_sdk.local._exposure import (
    AccessPolicy,
    is_loopback,
    redact_state,
    sensitive_wire_names,
)
from microvm_sdk.local._faults import FaultInjector
from microvm_sdk.local._http import HttpLimits, HttpServer, Request, Response, json_bytes
from microvm_sdk.local._persistence import Committer, StateFile, StateFileError
from microvm_sdk.local._routing import Router
from microvm_sdk.local._sigv4 import SigV4Verifier, VerifiedRequest
from microvm_sdk.local._validation import RequestParser, Validator, validation_error

if TYPE_CHECKING:
    from microvm_sdk._core.schema import Operation, ServiceSchema

__all__ = ["ADMIN_PREFIX", "BackendProtocol", "LocalServer"]

logger = logging.getLogger("microvm_sdk.local")

ADMIN_PREFIX = "/_microvm_local"
_PROFILES = ("fast", "realistic", "manual")
_DEFAULT_SECRET = "test"
_MAX_TIMEOUT = 24 * 3600.0
_MAX_CONNECTIONS = 65536
_MAX_ADVANCE = 100 * 365 * 24 * 3600  # a century of virtual time per step


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


_DROP = Response(status=0, drop=True)


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

    Only clients that name the server in ``Host`` (an IP address, ``localhost``, or a
    name in ``allowed_hosts``) are answered, and web pages from other origins are
    refused, so a browser cannot be used to reach it. Listening beyond loopback
    (``host="0.0.0.0"``) logs a warning and makes the admin API require
    :attr:`admin_token`. See ``docs/security.md``.

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
            exists; every change is written to it before its response is sent, so an
            acknowledged change survives the process being killed. Flushed to the disk
            at most a second apart and on stop.
        account_id: The emulated account id.
        live_fidelity: Answer in the live service's shape (the default): its explicit
            nulls, the members it leaves out and those the model does not define.
            ``False`` answers in the model's shape (modeled members only, unset ones
            left out).
        backend: The service behaviour; the built-in one when omitted.
        allowed_hosts: Host names clients may use besides IP addresses and
            ``localhost`` (say ``["emulator"]`` in a container network); ``["*"]``
            accepts any.
        admin_token: The token the admin API requires (``Authorization: Bearer ...``).
            Required whenever it is given, and always when the server listens beyond
            loopback (a random one is made when none is given).
        max_connections: Connections open at once at most (1 to 65536); one more is
            answered 503.
        idle_timeout: Seconds a kept-alive connection may stay idle (> 0, <= 86400).
        request_timeout: Seconds a client may take to send one request (> 0, <= 86400).

    Raises:
        ValueError: An argument is out of range; the message names it.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        region: str = "us-east-1",
        access_key: str = "test",
        secret_key: str = _DEFAULT_SECRET,
        verify_signatures: bool = True,
        profile: str = "fast",
        state_file: str | os.PathLike[str] | None = None,
        account_id: str = "000000000000",
        live_fidelity: bool = True,
        backend: BackendProtocol | None = None,
        allowed_hosts: Sequence[str] = (),
        admin_token: str | None = None,
        max_connections: int = 256,
        idle_timeout: float = 60.0,
        request_timeout: float = 30.0,
    ) -> None:
        if profile not in _PROFILES:
            raise ValueError(f"unknown profile {profile!r}; expected one of {_PROFILES}")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ValueError(f"port must be an integer from 0 to 65535, got {port!r}")
        _check_count("max_connections", max_connections, _MAX_CONNECTIONS)
        _check_seconds("idle_timeout", idle_timeout)
        _check_seconds("request_timeout", request_timeout)
        if isinstance(allowed_hosts, str) or not all(isinstance(h, str) for h in allowed_hosts):
            raise ValueError("allowed_hosts must be a list of host names")
        if admin_token is not None and (not isinstance(admin_token, str) or not admin_token):
            raise ValueError("admin_token must be a non-empty string")
        self._allowed_hosts = tuple(allowed_hosts)
        self._admin_token = admin_token or secrets.token_urlsafe(24)
        self._token_given = admin_token is not None
        self._limits = HttpLimits(
            max_connections=max_connections,
            idle_timeout=float(idle_timeout),
            request_timeout=float(request_timeout),
        )
        self._policy: AccessPolicy | None = None
        self._sensitive: frozenset[str] = frozenset()
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
        self._http: HttpServer | None = None
        self._schema: ServiceSchema | None = None
        self._router: Router | None = None
        self._parser: RequestParser | None = None
        self._validator: Validator | None = None
        self._store: StateFile | None = None
        self._committer: Committer | None = None
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
    def verify_signatures(self) -> bool:
        """Whether requests must be signed with SigV4."""
        return self._verify_signatures

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
        """Whether the server is serving: started, not stopped, and its I/O thread alive."""
        return self._http is not None and self._http.alive

    @property
    def admin_token(self) -> str:
        """The token that opens the admin API (``Authorization: Bearer <token>``).

        Required for every admin request when :attr:`admin_token_required`; otherwise it
        only unlocks the unredacted ``GET /_microvm_local/state``.
        """
        return self._admin_token

    @property
    def admin_token_required(self) -> bool:
        """Whether admin requests must carry :attr:`admin_token`.

        True when a token was given, or when the server listens beyond loopback.
        """
        if self._policy is not None:
            return self._policy.token_required
        return self._token_given or not is_loopback(self._host)

    @property
    def loopback_only(self) -> bool:
        """Whether the server listens only on the loopback interface."""
        return is_loopback(self._address()[0])

    def _address(self) -> tuple[str, int]:
        if self._http is not None:
            return self._http.address
        return self._host, self._port

    # -- life cycle ---------------------------------------------------------------

    def start(self) -> LocalServer:
        """Start serving in background threads (loading the state file if it exists).

        Returns:
            The server itself.

        Raises:
            StateFileError: The state file is in use by another emulator, or cannot be
                read as a saved state.
            OSError: The address cannot be listened on.
        """
        if self._http is not None:
            return self
        self._schema = _load_schema()
        self._router = Router(self._schema)
        self._parser = RequestParser(self._schema)
        self._validator = Validator(self._schema)
        self._sensitive = sensitive_wire_names(self._schema)
        if self._state_file is not None:
            self._store = StateFile(self._state_file)
            data = self._store.open()
            try:
                if data is not None:
                    self._backend = self._restore(data)
                elif self._backend is None:
                    self._backend = self._new_backend(None)
                self._committer = Committer(self._store, self._snapshot)
                self._committer.start()
                self._http = self._listen()
            except BaseException:
                self._close_store()
                raise
        else:
            if self._backend is None:
                self._backend = self._new_backend(None)
            self._http = self._listen()
        self._started_at = time.time()
        return self

    def _listen(self) -> HttpServer:
        http = HttpServer(self._host, self._port, self._handle, self._limits)
        address = http.address[0]
        loopback = is_loopback(address)
        self._policy = AccessPolicy(
            bind_host=self._host,
            loopback=loopback,
            allowed_hosts=self._allowed_hosts,
            admin_token=self._admin_token,
            token_required=self._token_given or not loopback,
        )
        if not loopback:
            if not self._verify_signatures:
                keys = " (signatures are not checked: no key is needed)"
            elif self._secret_key == _DEFAULT_SECRET:
                keys = " (the default keys, which everyone knows: pass your own)"
            else:
                keys = ""
            logger.warning(
                "the emulator listens on %s, beyond this machine's loopback interface: "
                "anyone who can reach port %d can call it with its access key and secret "
                "key%s; the admin API requires the admin token",
                address,
                http.address[1],
                keys,
            )
        http.start()
        return http

    def _restore(self, data: dict[str, Any]) -> BackendProtocol:
        try:
            return self._new_backend(data)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StateFileError(
                f"the state file {self._state_file} cannot be restored ({exc}); "
                "move it away to start with an empty state"
            ) from exc

    def _close_store(self) -> None:
        if self._committer is not None:
            self._committer.stop()
            self._committer = None
        if self._store is not None:
            self._store.close()
            self._store = None

    def stop(self) -> None:
        """Stop serving: close every socket, join the threads, write the state file."""
        http, self._http = self._http, None
        if http is None:
            return
        http.stop()
        self._close_store()

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
            ticket = self._note_change()
        self._wait_saved(ticket)

    def save_state(self) -> None:
        """Write the state file now (atomically: a temporary file renamed over it).

        Raises:
            StateFileError: The file cannot be written.
        """
        if self._state_file is None:
            return
        if self._committer is not None:
            with self._backend_lock:
                ticket = self._note_change()
            self._wait_saved(ticket)
            return
        with self._backend_lock:
            data = self._get_backend().to_json()
        StateFile(self._state_file).write(data, sync=True)

    def _snapshot(self) -> tuple[int, dict[str, Any]]:
        # The committer's view: the newest change and a state that includes it.
        with self._backend_lock:
            assert self._committer is not None
            return self._committer.changed, self._get_backend().to_json()

    def _note_change(self) -> int:
        """Record a change (call with the backend lock held); 0 without a state file."""
        return self._committer.note_change() if self._committer is not None else 0

    def _wait_saved(self, ticket: int) -> None:
        if ticket and self._committer is not None:
            self._committer.wait(ticket)

    # -- the request pipeline -------------------------------------------------------

    def _error(self, error: EmulatedError, request_id: str) -> Response:
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
        return Response(error.status, tuple(headers), json_bytes(body))

    def _handle(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        assert self._policy is not None
        refusal = self._policy.refusal(request.version, request.header_map)
        if refusal is not None:
            return self._error(EmulatedError("AccessDeniedException", 403, refusal), request_id)
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
        except StateFileError as exc:
            logger.error("%s", exc)
            message = f"The change was made but could not be written to the state file: {exc}"
            return self._error(EmulatedError("InternalServerException", 500, message), request_id)
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
            body = json_bytes(result or {})
        return Response(operation.success_code, headers, body)

    def _authenticate(self, request: Request) -> VerifiedRequest:
        if not self._verify_signatures:
            return self._verifier.read(request.header_map, self._region)
        return self._verifier.verify(
            request.method, request.path, request.query, request.headers, request.body
        )

    def _call(
        self,
        operation: Operation,
        labels: Mapping[str, str],
        request: Request,
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
        changes = operation.method != "GET"
        ticket = 0
        with self._backend_lock:
            try:
                result = backend.handle(operation.name, params, ctx)
            finally:
                if changes:
                    ticket = self._note_change()
        if operation.name in _CREATED_ID and result and self._faults.has_not_found_windows:
            created = result.get(_CREATED_ID[operation.name])
            if isinstance(created, str):
                self._created[created] = self._now()
        self._wait_saved(ticket)  # the change is on disk before it is acknowledged
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

    def _admin(self, request: Request, request_id: str) -> Response:
        route = request.path[len(ADMIN_PREFIX) :].rstrip("/") or "/"
        method = request.method
        assert self._policy is not None
        refusal = self._policy.admin_refusal(method, request.header_map)
        try:
            if refusal is not None:
                raise _AdminError(*refusal)
            data = self._admin_body(request)
            status, result = self._admin_route(method, route, data, request)
        except _AdminError as exc:
            status, result = exc.status, {"message": str(exc)}
        except (ValueError, TypeError) as exc:
            status, result = 400, {"message": str(exc)}
        except StateFileError as exc:
            status, result = 500, {"message": f"The state file could not be written: {exc}"}
        headers = (("Content-Type", _JSON), ("x-amzn-RequestId", request_id))
        return Response(status, headers, json_bytes(result))

    @staticmethod
    def _admin_body(request: Request) -> dict[str, Any]:
        if not request.body.strip():
            return {}
        try:
            data = json.loads(request.body)
        except (ValueError, RecursionError):
            raise _AdminError(400, "The body is not valid JSON") from None
        if not isinstance(data, dict):
            raise _AdminError(400, "The body must be a JSON object")
        return data

    def _admin_route(
        self, method: str, route: str, data: dict[str, Any], request: Request
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
                "connections": self._http.connection_count if self._http is not None else 0,
                "maxConnections": self._limits.max_connections,
                "adminTokenRequired": self.admin_token_required,
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
            if (
                isinstance(seconds, bool)
                or not isinstance(seconds, int | float)
                or not 0 <= seconds <= _MAX_ADVANCE
            ):
                raise ValueError(f"seconds must be a number >= 0 and <= {_MAX_ADVANCE}")
            with self._backend_lock:
                now = self.clock.advance(float(seconds))
                ticket = self._note_change()
            self._wait_saved(ticket)
            return 200, {"now": now}
        if route == "/reset" and method == "POST":
            self.reset()
            return 200, {"status": "reset"}
        if route == "/state" and method == "GET":
            with self._backend_lock:
                state = self.backend.to_json()
            if self._policy is not None and self._policy.has_token(request.header_map):
                return 200, state
            # Unauthenticated: environment variable values and other secrets hidden.
            return 200, redact_state(state, self._sensitive)
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


def _check_count(name: str, value: object, maximum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise ValueError(f"{name} must be an integer >= 1 and <= {maximum}, got {value!r}")


def _check_seconds(name: str, value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 < value <= _MAX_TIMEOUT  # false for NaN
    ):
        raise ValueError(f"{name} must be a number of seconds > 0 and <= {_MAX_TIMEOUT:g}")
