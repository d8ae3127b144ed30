"""OpenTelemetry spans for calls, attempts, waiters and paginators.

Spans follow OpenTelemetry's semantic conventions for AWS SDK client spans: one span per
call named ``<service>.<Operation>`` (``Lambda Microvms.GetMicrovmImage``, the model's
``serviceId`` as botocore's instrumentation names it), kind CLIENT, with ``rpc.system``
``aws-api``, ``rpc.service``, ``rpc.method``, ``cloud.region``, ``server.address`` and
``server.port``, and once answered ``aws.request_id`` and ``http.response.status_code``.
A failed call sets the span's status to ERROR, ``error.type`` (the error code, or the
exception's class) and records the exception as an event. When a call retries, each of
its attempts gets a child span (INTERNAL) with the attempt's own status, request id and
error, and ``http.request.resend_count``; a call answered at the first attempt has none.
A waiter or a paginator is an INTERNAL span whose children are its calls.

No attribute is ever taken from a request's or a response's members: only the operation,
the endpoint, the status, the request id and the error code, so a sensitive member
cannot end up in a span.

**When it costs nothing.** The API is looked up in ``sys.modules``, never imported: an
application that exports traces has imported ``opentelemetry.trace`` (configuring a
tracer provider does), and one that has not imported it cannot have configured one, so
there is nothing to record. Without OpenTelemetry, or with ``Config(tracing=False)``, a
call pays a flag check and one dictionary look-up. With the API imported but no SDK
configured, the call's span is OpenTelemetry's invalid non-recording one, and the call
does no more tracing work than starting it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from microvm_sdk._core.errors import MicrovmError, ServiceError

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer

    from microvm_sdk._core.http import HttpRequest, HttpResponse

__all__ = ["OPENTELEMETRY", "CallTrace", "PageTrace", "find_tracer", "start_call", "traced"]

#: The instrumentation scope's name.
SCOPE = "microvm_sdk"
#: The module whose presence in ``sys.modules`` means the application uses OpenTelemetry.
OPENTELEMETRY = "opentelemetry.trace"

_tracers: dict[str, Tracer] = {}
# ``(host, port)`` of the endpoints seen, by scheme and network location.
_servers: dict[tuple[str, str], tuple[str, int] | None] = {}


def find_tracer(version: str) -> Tracer | None:
    """The tracer to record spans with, or ``None`` when OpenTelemetry is not in use.

    ``None`` unless the application has imported ``opentelemetry.trace``; never imports
    it. The tracer is OpenTelemetry's proxy: a provider configured later is used.
    """
    tracer = _tracers.get(version)
    if tracer is None:
        if OPENTELEMETRY not in sys.modules:
            return None
        from opentelemetry import trace

        tracer = _tracers[version] = trace.get_tracer(SCOPE, version)
    return tracer


class _Api:
    """What the per-call path uses of OpenTelemetry's API, looked up once.

    (An ``import`` statement inside a function costs about a microsecond a call even
    when the module is loaded; these are attribute reads.)
    """

    __slots__ = ("attach", "client", "detach", "in_context")

    def __init__(self) -> None:
        from opentelemetry import context, trace

        self.attach = context.attach
        self.detach = context.detach
        self.in_context = trace.set_span_in_context
        self.client = trace.SpanKind.CLIENT


_apis: list[_Api] = []


def _api() -> _Api:
    if not _apis:
        _apis.append(_Api())
    return _apis[0]


def start_call(tracer: Tracer, service: str, operation: str, region: str) -> CallTrace | None:
    """Start the span of one call, or return ``None`` when nothing would see it.

    With OpenTelemetry's API but no SDK (or a sampler that drops the call and has no
    trace to pass on), the span is an invalid non-recording one: the call then does no
    further tracing work.
    """
    name = f"{service}.{operation}"
    span = tracer.start_span(
        name,
        kind=_api().client,
        attributes={
            "rpc.system": "aws-api",
            "rpc.service": service,
            "rpc.method": operation,
            "cloud.region": region,
        },
    )
    if not span.is_recording() and not span.get_span_context().is_valid:
        return None
    return CallTrace(tracer, name, span)


def _error_type(error: BaseException) -> str:
    if isinstance(error, ServiceError):
        return error.code
    cls = type(error)
    return f"{cls.__module__}.{cls.__qualname__}"


def _fail(span: Span, error: BaseException) -> None:
    """Mark ``span`` failed by ``error`` (an ``Exception``; cancellation only ends it)."""
    from opentelemetry.trace import Status, StatusCode

    if not isinstance(error, Exception) or not span.is_recording():
        return
    span.set_attribute("error.type", _error_type(error))
    if isinstance(error, ServiceError):
        _answered(span, error.http_status, error.request_id)
    span.record_exception(error)
    span.set_status(Status(StatusCode.ERROR, str(error)))


def _answered(span: Span, status: int, request_id: str | None) -> None:
    if status:
        span.set_attribute("http.response.status_code", status)
    if request_id:
        span.set_attribute("aws.request_id", request_id)


def _server(url: str) -> tuple[str, int] | None:
    """``(host, port)`` of ``url``, remembered per endpoint."""
    scheme, _, rest = url.partition("://")
    netloc = rest.split("/", 1)[0]
    key = (scheme, netloc)
    if key not in _servers:
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            _servers[key] = None
        else:
            if port is None:
                port = 443 if parts.scheme == "https" else 80
            _servers[key] = (parts.hostname or "", port)
    return _servers[key]


class CallTrace:
    """The span of one call, current from :meth:`open` to :meth:`close`.

    Made by :func:`start_call`. ``open`` and ``close`` are called in one thread (or one
    task), around the whole call.

    Args:
        tracer: The tracer.
        name: The span's name.
        span: The span, started.
    """

    __slots__ = ("_context", "_name", "_server", "_token", "_tracer", "span")

    def __init__(self, tracer: Tracer, name: str, span: Span) -> None:
        self._tracer = tracer
        self._name = name
        self.span = span
        self._context = _api().in_context(span)
        self._token: object = None
        self._server: str | None = None

    def open(self) -> None:
        """Make the span current."""
        self._token = _api().attach(self._context)

    def close(self, error: BaseException | None) -> None:
        """End the span (failed by ``error``, if given) and restore the current span."""
        try:
            if error is not None:
                _fail(self.span, error)
        finally:
            _api().detach(self._token)  # type: ignore[arg-type]
            self.span.end()

    def sending(self, request: HttpRequest) -> None:
        """Note where the request goes (``server.address``, ``server.port``), once."""
        if self._server is not None:
            return
        server = _server(request.url)
        if server is None:
            return
        self._server = server[0]
        self.span.set_attribute("server.address", server[0])
        self.span.set_attribute("server.port", server[1])

    def attempt(
        self,
        number: int,
        started: int,
        response: HttpResponse | None,
        error: MicrovmError | None,
    ) -> None:
        """Record an attempt of a call that retried, as a child span, after the fact.

        Args:
            number: The attempt's number (1 for the first).
            started: When it started (``time.time_ns()``).
            response: Its response, if any.
            error: Its error, if it failed.
        """
        from opentelemetry import trace

        child = self._tracer.start_span(
            f"{self._name} attempt",
            context=self._context,
            kind=trace.SpanKind.INTERNAL,
            start_time=started,
        )
        if number > 1:
            child.set_attribute("http.request.resend_count", number - 1)
        if self._server is not None:
            child.set_attribute("server.address", self._server)
        if response is not None:
            from microvm_sdk._core.metadata import request_id_of

            _answered(child, response.status, request_id_of(response.headers))
        if error is not None:
            _fail(child, error)
        child.end(time.time_ns())

    def succeeded(self, status: int, request_id: str | None, attempts: int) -> None:
        """Note the answer of a call that succeeded."""
        _answered(self.span, status, request_id)
        if attempts > 1:
            self.span.set_attribute("http.request.resend_count", attempts - 1)


@contextmanager
def traced(
    tracer: Tracer | None, name: str, attributes: dict[str, str | int]
) -> Iterator[Span | None]:
    """An INTERNAL span (a waiter's), current inside the ``with``.

    Nothing is recorded when ``tracer`` is ``None``. An exception that leaves the block
    fails the span.
    """
    if tracer is None:
        yield None
        return
    from opentelemetry import trace

    span = tracer.start_span(name, kind=trace.SpanKind.INTERNAL, attributes=attributes)
    with trace.use_span(
        span, end_on_exit=False, record_exception=False, set_status_on_exception=False
    ):
        try:
            yield span
        except BaseException as error:
            _fail(span, error)
            raise
        finally:
            span.end()


class PageTrace:
    """The span of one walk through a paginator: current only while a page is fetched.

    Between pages the caller's code runs with its own current span, not this one.

    Args:
        tracer: The tracer.
        name: The span's name.
        attributes: Its attributes.
    """

    __slots__ = ("_pages", "_span")

    def __init__(self, tracer: Tracer, name: str, attributes: dict[str, str | int]) -> None:
        from opentelemetry import trace

        self._span = tracer.start_span(name, kind=trace.SpanKind.INTERNAL, attributes=attributes)
        self._pages = 0

    @contextmanager
    def fetching(self) -> Iterator[None]:
        """Make the span current while one page is fetched."""
        from opentelemetry import trace

        self._pages += 1
        with trace.use_span(
            self._span, end_on_exit=False, record_exception=False, set_status_on_exception=False
        ):
            yield

    def end(self, error: BaseException | None) -> None:
        """End the walk (``error``: what stopped it, if it failed; not ``GeneratorExit``)."""
        span = self._span
        span.set_attribute("microvm_sdk.pages", self._pages)
        if error is not None and not isinstance(error, GeneratorExit):
            _fail(span, error)
        span.end()
