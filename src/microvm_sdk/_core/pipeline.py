"""One call, start to finish: validate, serialize, then retry {sign, send, parse}.

:class:`RuntimeCore` holds what a client's calls share (settings, converter, endpoint,
signer, retry quota) and does every step of a call that needs no I/O. Its retry loop,
:meth:`RuntimeCore.attempts`, is a generator of steps ("send this request", "sleep this
long"); a driver does what each step says. :class:`ClientRuntime` is the blocking driver;
``microvm_sdk._core.async_pipeline.AsyncClientRuntime`` is the asyncio one. Heavy parts are
built on first use, under a lock, so constructing a client stays cheap and ``import``
imports neither botocore nor ``http.client``.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import attrs

from microvm_sdk._core import forks
from microvm_sdk._core.errors import MicrovmError, ParamValidationError, ServiceError
from microvm_sdk._core.hooks import (
    AfterResponseEvent,
    AfterSignEvent,
    BeforeSignEvent,
    Notify,
    RetryEvent,
)
from microvm_sdk._core.http import HttpRequest, HttpResponse
from microvm_sdk._core.metadata import EmptyOutput, request_id_of
from microvm_sdk._core.steps import Sleep
from microvm_sdk._core.tokens import uuid4
from microvm_sdk._core.tracing import OPENTELEMETRY, CallTrace, find_tracer, start_call

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

    from microvm_sdk._core.aws_config import AwsSettings, CredentialSource
    from microvm_sdk._core.converter import WireConverter
    from microvm_sdk._core.hooks import _HookPoints
    from microvm_sdk._core.protocol import RestJsonProtocol
    from microvm_sdk._core.retries import RetryStrategy
    from microvm_sdk._core.schema import Operation, ServiceSchema
    from microvm_sdk._core.signing import CredentialProvider, SigningCredentials, SigV4Signer
    from microvm_sdk._core.transport import Transport
    from microvm_sdk._core.user_agent import UserAgent
    from microvm_sdk._core.validation import Validator

T = TypeVar("T")
logger = logging.getLogger("microvm_sdk")
_set = object.__setattr__

_CONVERTERS: dict[int, tuple[ServiceSchema, WireConverter, Validator, RestJsonProtocol]] = {}
_CONVERTERS_LOCK = threading.Lock()


def codec_for(schema: ServiceSchema) -> tuple[WireConverter, Validator, RestJsonProtocol]:
    """Return the converter, validator and protocol of ``schema``, built once per process."""
    entry = _CONVERTERS.get(id(schema))
    if entry is None or entry[0] is not schema:
        with forks.loading(), _CONVERTERS_LOCK:
            entry = _CONVERTERS.get(id(schema))
            if entry is None or entry[0] is not schema:
                from microvm_sdk._core.converter import WireConverter
                from microvm_sdk._core.protocol import RestJsonProtocol
                from microvm_sdk._core.validation import Validator

                converter = WireConverter(schema)
                entry = (schema, converter, Validator(schema), RestJsonProtocol(schema, converter))
                _CONVERTERS[id(schema)] = entry
    return entry[1], entry[2], entry[3]


@attrs.frozen(kw_only=True)
class TransportOptions:
    """How the default transport connects (from the client's ``Config``)."""

    connect_timeout: float = 60.0
    read_timeout: float = 60.0
    max_pool_connections: int = 10
    proxies: Mapping[str, str] | None = None
    client_cert: str | tuple[str, str] | None = None


#: What :meth:`RuntimeCore.attempts` asks its driver to do: send a request (resume with the
#: response, or throw the transport's ``MicrovmError`` in), sleep, or call hooks (resume
#: with ``None``). An exception the driver meets doing a step is thrown in.
AttemptStep = HttpRequest | Sleep | Notify[Any]
#: The retry loop of one call, as steps; it returns the successful response and the
#: number of attempts it took.
AttemptSteps = Generator[AttemptStep, HttpResponse | None, tuple[HttpResponse, int]]


class _CallPlan:
    """What every call of one operation looks up, looked up once per runtime."""

    __slots__ = ("input", "operation", "protocol", "token_members", "validator")

    def __init__(
        self,
        *,
        operation: Operation,
        protocol: RestJsonProtocol,
        validator: Validator | None,
        token_members: tuple[str, ...],
    ) -> None:
        self.operation = operation
        self.protocol = protocol
        #: The input's validator; ``None`` for an operation without input.
        self.validator = validator
        self.input = operation.input or ""
        #: The input members that are idempotency tokens.
        self.token_members = token_members


def _fill_idempotency_tokens(names: tuple[str, ...], params: Any) -> Any:
    """``params`` with a new token in each of ``names`` that is unset.

    The generated methods fill omitted tokens as they build the input; this is for
    inputs made elsewhere (call_wire, paginators, inputs built by hand).
    """
    missing: dict[str, str] | None = None
    for name in names:
        if getattr(params, name, None) is None:
            if missing is None:
                missing = {}
            missing[name] = uuid4()
    return params if missing is None else attrs.evolve(params, **missing)


class CallStub(Protocol):
    """Answers a client's calls instead of the network (``microvm_sdk.testing.Stubber``).

    A runtime with a stub validates and serializes each call as usual, then asks the stub
    for the response instead of signing, sending and retrying; the response is parsed as
    usual (an error response raises its typed error).
    """

    def _answer(self, operation: Operation, params: Any, request: HttpRequest) -> HttpResponse:
        """Return the response to one call, or raise to fail the call.

        Args:
            operation: The operation called.
            params: Its typed input as the caller built it (idempotency tokens the SDK
                fills in are not in it).
            request: The serialized request.
        """
        ...


class RuntimeCore:
    """What every call of one client shares, whatever the flavour. Thread-safe.

    This is the sans-I/O half of a call: it validates, serializes, signs, decides about
    retries and parses, and leaves sending and sleeping to a driver (:class:`ClientRuntime`
    for blocking code, ``AsyncClientRuntime`` for asyncio), which runs the steps of
    :meth:`attempts`.

    Args:
        schema: The service, or a function returning it (called on first use, so that
            constructing a client does not import the models).
        settings: Region, endpoint and credential settings.
        user_agent: What the ``User-Agent`` header is made of (the header is written on
            first use), or the header's value.
        transport_options: How to build the default transport.
        unsigned: Send requests unsigned.
        tracing: Record OpenTelemetry spans when the application uses OpenTelemetry.
        version: The SDK's version (the instrumentation scope's, for spans).
    """

    def __init__(
        self,
        *,
        schema: ServiceSchema | Callable[[], ServiceSchema],
        settings: AwsSettings,
        user_agent: UserAgent | str,
        transport_options: TransportOptions | None = None,
        unsigned: bool = False,
        tracing: bool = True,
        version: str = "",
    ) -> None:
        self._schema = schema
        self.settings = settings
        self._user_agent = user_agent
        self.user_agent = user_agent if isinstance(user_agent, str) else ""
        self.unsigned = unsigned
        self.tracing = tracing
        self._version = version
        #: The client's hooks, once someone registered any (``client.hooks``).
        self.hooks: _HookPoints | None = None
        self._transport_options = transport_options or TransportOptions()
        self._lock = threading.Lock()
        self._ready = False
        self._endpoint_url = ""
        self._signing_region = settings.region
        self._signer: SigV4Signer | None = None
        self._credentials: CredentialSource | None = None
        self._retry: RetryStrategy | None = None
        self._closed = False
        #: Answers calls instead of the network while a test's Stubber is active.
        self.stub: CallStub | None = None
        self._calls: dict[str, _CallPlan] = {}
        forks.track(self)

    def _after_fork(self) -> None:
        """In a forked child: prepare again on first use.

        Another thread may have held the lock, or been in the middle of resolving
        credentials or taking retry tokens: the child gets a new lock, credential
        source, signer and retry state (the transport drops its own connections).
        """
        self._lock = threading.Lock()
        self._ready = False

    # -- lazily built parts -----------------------------------------------------------

    @property
    def schema(self) -> ServiceSchema:
        """The service schema (loaded on first use)."""
        schema = self._schema
        if callable(schema):
            with forks.loading():  # imports the models
                schema = self._schema = schema()
        return schema

    def _prepare(self) -> None:
        """Build what calls need: endpoint, signer, credentials, retries, transport.

        Once per runtime (again in a forked child). It imports botocore's signer here,
        inside a loading section, rather than on the first signature.
        """
        with forks.loading(), self._lock:
            if self._ready:
                return
            from microvm_sdk._core.endpoints import EndpointResolver
            from microvm_sdk._core.retries import strategy_for
            from microvm_sdk._core.signing import SigV4Signer

            endpoint = self.settings.resolve_endpoint(
                EndpointResolver(self.schema.endpoint_ruleset)
            )
            signing_name, signing_region = self.schema.signing_name, self.settings.region
            for scheme in endpoint.properties.get("authSchemes", ()) or ():
                if isinstance(scheme, Mapping) and scheme.get("name") == "sigv4":
                    signing_name = str(scheme.get("signingName", signing_name))
                    signing_region = str(scheme.get("signingRegion", signing_region))
                    break
            self._endpoint_url = endpoint.url
            self._signing_region = signing_region
            self._signer = SigV4Signer(signing_name, unsigned=self.unsigned)
            self._signer.load()  # here, not on the first signature: see forks.loading()
            self._credentials = None if self.unsigned else self.settings.credential_source()
            self._retry = strategy_for(self.settings.retry_mode, self.settings.max_attempts)
            if not isinstance(self._user_agent, str):
                self.user_agent = self._user_agent.header()
            self._build_transport(self._transport_options)
            self._ready = True

    def _build_transport(self, options: TransportOptions) -> None:
        """Create the default transport if none was given (the flavour's driver knows which)."""
        raise NotImplementedError

    @property
    def endpoint_url(self) -> str:
        """The endpoint requests are sent to (resolved on first use)."""
        if not self._ready:
            self._prepare()
        return self._endpoint_url

    # -- the pure steps of a call -----------------------------------------------------

    def request_for(
        self, operation_name: str, params: Any
    ) -> tuple[Operation, HttpRequest, RestJsonProtocol]:
        """Fill idempotency tokens, validate and serialize: the request of one call.

        Raises:
            ParamValidationError: ``params`` breaks a model constraint (nothing is sent).
        """
        plan = self._calls.get(operation_name)
        if plan is None:
            plan = self._call_plan(operation_name)
        operation, protocol = plan.operation, plan.protocol
        if plan.token_members:
            params = _fill_idempotency_tokens(plan.token_members, params)
        if plan.validator is not None:
            plan.validator.validate(params, plan.input, operation=operation.python_name)
        if not self._ready:
            self._prepare()
        return operation, protocol.serialize(operation, params, self._endpoint_url), protocol

    def _call_plan(self, operation_name: str) -> _CallPlan:
        """What every call of ``operation_name`` looks up, looked up once."""
        schema = self.schema
        operation = schema.operations[operation_name]
        _, validator, protocol = codec_for(schema)
        shape = schema.shapes[operation.input] if operation.input else None
        members = shape.members if shape is not None else ()
        plan = _CallPlan(
            operation=operation,
            protocol=protocol,
            validator=validator if operation.input else None,
            token_members=tuple(m.name for m in members if m.idempotency_token),
        )
        self._calls[operation_name] = plan
        return plan

    def wire_call(self, operation_name: str, params: Mapping[str, Any]) -> tuple[Any, Any]:
        """Read a dict of parameters (model member names) into the typed input.

        Returns:
            ``(typed input, output class)`` to invoke the operation with.

        Raises:
            ParamValidationError: ``operation_name`` is not one of the model's operations,
                ``params`` is not a mapping, or a parameter is unknown or mistyped.
        """
        operation = (
            self.schema.operations.get(operation_name) if isinstance(operation_name, str) else None
        )
        if operation is None:
            raise ParamValidationError(
                [f"operation_name: {_unknown_operation(operation_name, self.schema.operations)}"]
            )
        if not isinstance(params, Mapping):
            raise ParamValidationError(
                [
                    "params: must be a mapping of the model's member names to values, "
                    f"got {type(params).__name__}"
                ],
                operation=operation.python_name,
            )
        converter, _, _ = codec_for(self.schema)
        params_obj: Any = None
        if operation.input:
            shape = self.schema.shapes[operation.input]
            assert shape.cls is not None
            try:
                params_obj = converter.input_from_params(params, shape)
            except ParamValidationError as exc:
                raise ParamValidationError(exc.errors, operation=operation.python_name) from None
        output_cls = self.schema.shapes[operation.output].cls if operation.output else None
        return params_obj, output_cls

    def to_wire(self, result: Any) -> dict[str, Any]:
        """The wire form of a typed output (``{}`` for an operation without output)."""
        if result is None or isinstance(result, EmptyOutput):
            return {}
        converter, _, _ = codec_for(self.schema)
        return converter.to_wire(result)

    @property
    def tracer(self) -> Tracer | None:
        """The tracer for this client's spans, or ``None``.

        ``None`` when tracing is off or OpenTelemetry is not in use (see
        ``microvm_sdk._core.tracing``).
        """
        return find_tracer(self._version) if self.tracing else None

    def trace_call(self, operation_name: str) -> CallTrace | None:
        """Start the span of a call to ``operation_name`` and make it current.

        ``None`` without tracing. The driver ends it with :meth:`CallTrace.close`.
        """
        tracer = find_tracer(self._version) if self.tracing else None
        if tracer is None:
            return None
        trace = start_call(tracer, self.schema.service_id, operation_name, self.settings.region)
        if trace is not None:
            trace.open()
        return trace

    def finish(
        self,
        operation: Operation,
        protocol: RestJsonProtocol,
        response: HttpResponse,
        attempts: int,
        output_cls: type[T] | None,
    ) -> T:
        """The typed output of a call's successful response, carrying its metadata.

        The result's ``response_metadata`` tells status, headers, request id and
        ``attempts``; an operation without a modeled output (``output_cls`` ``None`` or
        ``EmptyOutput``) returns an ``EmptyOutput`` carrying it.

        Raises:
            DeserializationError: The body cannot be read into ``output_cls``.
        """
        result: Any
        if output_cls is None or output_cls is EmptyOutput:
            result = EmptyOutput()
        else:
            result = protocol.parse(operation, response, output_cls)
        # What metadata.attach does, written out: this runs on every call, and a
        # try costs less than a check (or contextlib.suppress) when it succeeds.
        try:  # noqa: SIM105
            _set(result, "_response_metadata", (response.status, response.headers, attempts))
        except AttributeError:  # a class that is not a ModelOutput (a hand-made schema)
            pass
        typed: T = result
        return typed

    def attempts(
        self,
        operation: Operation,
        request: HttpRequest,
        credentials: CredentialProvider | SigningCredentials | None,
        trace: CallTrace | None = None,
    ) -> AttemptSteps:
        """The retry loop of one call: sign, send, classify, back off, as steps.

        Each attempt is signed afresh (after any backoff) and yields the request; the
        driver sends it and resumes the loop with the response, or throws the transport's
        :class:`MicrovmError` in. Between attempts the loop yields a :class:`Sleep`, and
        before an attempt too when the adaptive mode's rate limiter holds it back. It
        returns the first response with a status below 300 (and the number of attempts
        made) and raises the last error when the retry strategy gives up. The client's
        hooks are called through :class:`Notify` steps, only when some are registered;
        with ``trace``, an attempt of a call that retries is recorded as a child span.

        Args:
            operation: The operation called.
            request: Its serialized request (headers are rewritten on every attempt).
            credentials: What to sign with: a provider asked on every attempt (blocking
                drivers) or frozen credentials (asyncio, fetched off the event loop).
            trace: The call's span, or ``None``.
        """
        assert self._retry is not None and self._signer is not None
        signer = self._signer
        attempts = self._retry.begin()
        hooks = self.hooks
        base_headers = dict(request.headers)
        base_headers["User-Agent"] = self.user_agent
        invocation_id = uuid4()
        max_attempts = self.settings.max_attempts
        name = operation.name
        attempt = 0
        debug = logger.isEnabledFor(logging.DEBUG)
        began = 0
        if trace is not None:
            trace.sending(request)
        while True:
            attempt += 1
            # The adaptive mode's client-side rate limit, before signing (so that a
            # signature is never older than the wait): a sleep step, then ask again.
            wait = attempts.send_delay()
            while wait > 0:
                if debug:
                    logger.debug("%s: rate limited, sending in %.3f s", operation.name, wait)
                yield Sleep(wait)
                wait = attempts.send_delay()
            request.headers = dict(base_headers)
            if hooks is not None and hooks._before_sign:
                yield Notify(hooks._before_sign, BeforeSignEvent(name, attempt, request))
            signer.sign(request, region=self._signing_region, credentials=credentials)
            # Added after signing, as botocore does: they change per attempt.
            request.headers["amz-sdk-invocation-id"] = invocation_id
            request.headers["amz-sdk-request"] = f"attempt={attempt}; max={max_attempts}"
            if hooks is not None and hooks._after_sign:
                yield Notify(hooks._after_sign, AfterSignEvent(name, attempt, request))
            if trace is not None:
                began = time.time_ns()
            started = time.perf_counter()
            error: MicrovmError
            try:
                response = yield request
            except MicrovmError as exc:
                error = exc
                response = None
                status: int | str = type(exc).__name__
            else:
                assert response is not None  # a request step is answered with a response
                status = response.status
                if status < 300:
                    attempts.succeeded()
                    if hooks is not None and hooks._after_response:
                        elapsed = time.perf_counter() - started
                        yield Notify(
                            hooks._after_response,
                            AfterResponseEvent(
                                name,
                                attempt,
                                request,
                                response=response,
                                error=None,
                                elapsed=elapsed,
                            ),
                        )
                    if debug:
                        _log_attempt(operation, attempt, status, started)
                    if trace is not None:
                        if attempt > 1:
                            trace.attempt(attempt, began, response, None)
                        trace.succeeded(status, request_id_of(response.headers), attempt)
                    return response, attempt
                error = self._error(response)
            if hooks is not None and hooks._after_response:
                elapsed = time.perf_counter() - started
                yield Notify(
                    hooks._after_response,
                    AfterResponseEvent(
                        name, attempt, request, response=response, error=error, elapsed=elapsed
                    ),
                )
            if debug:
                _log_attempt(operation, attempt, status, started)
            delay = attempts.next_delay(error)
            if trace is not None and (attempt > 1 or delay is not None):
                trace.attempt(attempt, began, response, error)
            if delay is None:
                if attempt > 1:
                    error.add_note(f"{name} failed after {attempt} attempts")
                if attempt >= max_attempts and isinstance(error, ServiceError):
                    error._max_attempts_reached = True  # as botocore says, retryable or not
                raise error
            if debug:
                logger.debug("%s: retrying in %.3f s", name, delay)
            if hooks is not None and hooks._on_retry:
                yield Notify(hooks._on_retry, RetryEvent(name, attempt, error, delay))
            yield Sleep(delay)

    def _error(self, response: HttpResponse) -> ServiceError:
        _, _, protocol = codec_for(self.schema)
        error = protocol.error(response)
        error._http_headers = dict(response.headers)
        return error

    def stubbed(
        self, stub: CallStub, operation: Operation, params: Any, request: HttpRequest
    ) -> HttpResponse:
        """The stub's answer to one call: no signing, sending, retries or rate limiting.

        Raises:
            ServiceError: The stub answered with an error (classified as the retry policy
                would classify it, after one attempt).
        """
        response = stub._answer(operation, params, request)
        if response.status >= 300:
            from microvm_sdk._core.retries import classify_error

            error = self._error(response)
            error.is_retryable, error.is_throttling = classify_error(error)
            raise error
        return response


class ClientRuntime(RuntimeCore):
    """The blocking driver: runs :meth:`RuntimeCore.attempts` on a blocking transport.

    Args:
        schema: The service, or a function returning it (called on first use).
        settings: Region, endpoint and credential settings.
        user_agent: What the ``User-Agent`` header is made of, or its value.
        transport_options: How to build the default transport.
        unsigned: Send requests unsigned.
        tracing: Record OpenTelemetry spans when the application uses OpenTelemetry.
        version: The SDK's version (for spans).
        transport: A transport to use instead of the default one (tests, custom stacks).
        sleep: The function that waits between attempts (tests inject a fake).
    """

    def __init__(
        self,
        *,
        schema: ServiceSchema | Callable[[], ServiceSchema],
        settings: AwsSettings,
        user_agent: UserAgent | str,
        transport_options: TransportOptions | None = None,
        unsigned: bool = False,
        tracing: bool = True,
        version: str = "",
        transport: Transport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(
            schema=schema,
            settings=settings,
            user_agent=user_agent,
            transport_options=transport_options,
            unsigned=unsigned,
            tracing=tracing,
            version=version,
        )
        self._transport = transport
        self._sleep = sleep

    def _build_transport(self, options: TransportOptions) -> None:
        if self._transport is None:
            from microvm_sdk._core.transport import HttpClientTransport

            self._transport = HttpClientTransport(
                connect_timeout=options.connect_timeout,
                read_timeout=options.read_timeout,
                max_pool_connections=options.max_pool_connections,
                verify=self.settings.verify,
                proxies=options.proxies,
                client_cert=options.client_cert,
            )

    def close(self) -> None:
        """Release pooled connections. The runtime reconnects if used again."""
        transport = self._transport
        if transport is not None:
            transport.close()

    # -- calls ------------------------------------------------------------------------

    def invoke(self, operation_name: str, params: Any, output_cls: type[T] | None) -> T:
        """Run one operation with a typed input object; return the typed output.

        Raises:
            ParamValidationError: ``params`` breaks a model constraint (nothing is sent).
            ServiceError: The service answered with an error (after any retries).
            TransportError: No answer after any retries.
        """
        trace = None
        if self.tracing and OPENTELEMETRY in sys.modules:
            trace = self.trace_call(operation_name)  # the call's span, now current
        try:
            operation, request, protocol = self.request_for(operation_name, params)
            stub = self.stub
            if stub is not None:
                response, attempts = self.stubbed(stub, operation, params, request), 1
            else:
                response, attempts = self._drive(
                    self.attempts(operation, request, self._credentials, trace)
                )
            result: T = self.finish(operation, protocol, response, attempts, output_cls)
        except BaseException as error:
            if trace is not None:
                trace.close(error)
            raise
        if trace is not None:
            trace.close(None)
        return result

    def invoke_wire(self, operation_name: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Run one operation with a dict of parameters keyed by model member names.

        This is the entry point for tools that work with dicts (the CLI): the dict is read
        into the typed input, validated like any call, and the typed output is returned in
        its wire form (camelCase keys, timestamps as epoch seconds, no nulls).
        """
        params_obj, output_cls = self.wire_call(operation_name, params)
        return self.to_wire(self.invoke(operation_name, params_obj, output_cls))

    def _drive(self, steps: AttemptSteps) -> tuple[HttpResponse, int]:
        """Run the steps of one call: send with the transport, sleep, call hooks.

        Whatever doing a step raised is thrown back into the steps.
        """
        transport = self._transport
        assert transport is not None
        try:
            step = next(steps)
            while True:
                reply: HttpResponse | None = None
                try:
                    if isinstance(step, HttpRequest):
                        reply = transport.send(step)
                    elif isinstance(step, Sleep):
                        self._sleep(step.seconds)
                    else:
                        assert isinstance(step, Notify)
                        step.run()
                except BaseException as exc:
                    step = steps.throw(exc)
                else:
                    step = steps.send(reply)
        except StopIteration as done:
            final: tuple[HttpResponse, int] = done.value
            return final


def _unknown_operation(name: object, operations: Mapping[str, object]) -> str:
    """Say that ``name`` is no operation, and which one was probably meant."""
    if not isinstance(name, str):
        return f"must be the name of one of the model's operations, got {type(name).__name__}"
    import difflib

    # A method name (list_microvm_images) is the operation ListMicrovmImages.
    by_method = {"".join(c for c in op if c.isalnum()).lower(): op for op in operations}
    folded = "".join(c for c in name if c.isalnum()).lower()
    guess = by_method.get(folded) or next(
        iter(difflib.get_close_matches(name, list(operations), n=1)), None
    )
    hint = f"; did you mean {guess!r}?" if guess else ""
    return f"unknown operation {name[:80]!r} (a name from the model, like 'ListMicrovms'){hint}"


def _log_attempt(operation: Operation, attempt: int, status: int | str, started: float) -> None:
    elapsed = (time.perf_counter() - started) * 1000
    logger.debug(
        "%s attempt %d: %s in %.1f ms",
        operation.name,
        attempt,
        status,
        elapsed,
        extra={"operation": operation.name, "attempt": attempt, "status": status},
    )


__all__ = [
    "AttemptStep",
    "AttemptSteps",
    "CallStub",
    "ClientRuntime",
    "ParamValidationError",
    "RuntimeCore",
    "Sleep",
    "TransportOptions",
    "codec_for",
    "uuid4",
]
