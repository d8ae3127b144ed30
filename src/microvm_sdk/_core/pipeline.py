"""One call, start to finish: validate, serialize, then retry {sign, send, parse}.

:class:`ClientRuntime` holds what a client's calls share (settings, converter, endpoint,
signer, transport, retry quota). Heavy parts are built on first use, under a lock, so
constructing a client stays cheap and ``import`` imports neither botocore nor
``http.client``.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from microvm_sdk._core.errors import MicrovmError, ParamValidationError, ServiceError
from microvm_sdk._core.http import HttpRequest

if TYPE_CHECKING:
    from microvm_sdk._core.aws_config import AwsSettings, CredentialSource
    from microvm_sdk._core.converter import WireConverter
    from microvm_sdk._core.protocol import RestJsonProtocol
    from microvm_sdk._core.retries import RetryStrategy
    from microvm_sdk._core.schema import Operation, ServiceSchema
    from microvm_sdk._core.signing import SigV4Signer
    from microvm_sdk._core.transport import Transport
    from microvm_sdk._core.validation import Validator

T = TypeVar("T")
logger = logging.getLogger("microvm_sdk")

_CONVERTERS: dict[int, tuple[ServiceSchema, WireConverter, Validator, RestJsonProtocol]] = {}
_CONVERTERS_LOCK = threading.Lock()


def codec_for(schema: ServiceSchema) -> tuple[WireConverter, Validator, RestJsonProtocol]:
    """Return the converter, validator and protocol of ``schema``, built once per process."""
    entry = _CONVERTERS.get(id(schema))
    if entry is None or entry[0] is not schema:
        with _CONVERTERS_LOCK:
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


class ClientRuntime:
    """What every call of one client shares. Thread-safe.

    Args:
        schema: The service, or a function returning it (called on first use, so that
            constructing a client does not import the models).
        settings: Region, endpoint and credential settings.
        user_agent: The ``User-Agent`` header value.
        transport_options: How to build the default transport.
        unsigned: Send requests unsigned.
        transport: A transport to use instead of the default one (tests, custom stacks).
        sleep: The function that waits between attempts (tests inject a fake).
    """

    def __init__(
        self,
        *,
        schema: ServiceSchema | Callable[[], ServiceSchema],
        settings: AwsSettings,
        user_agent: str,
        transport_options: TransportOptions | None = None,
        unsigned: bool = False,
        transport: Transport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._schema = schema
        self.settings = settings
        self.user_agent = user_agent
        self.unsigned = unsigned
        self._transport_options = transport_options or TransportOptions()
        self._transport = transport
        self._sleep = sleep
        self._lock = threading.Lock()
        self._ready = False
        self._endpoint_url = ""
        self._signing_region = settings.region
        self._signer: SigV4Signer | None = None
        self._credentials: CredentialSource | None = None
        self._retry: RetryStrategy | None = None
        self._closed = False

    # -- lazily built parts -----------------------------------------------------------

    @property
    def schema(self) -> ServiceSchema:
        """The service schema (loaded on first use)."""
        schema = self._schema
        if callable(schema):
            schema = self._schema = schema()
        return schema

    def _prepare(self) -> None:
        with self._lock:
            if self._ready:
                return
            from microvm_sdk._core.endpoints import EndpointResolver
            from microvm_sdk._core.retries import StandardRetryStrategy
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
            self._credentials = None if self.unsigned else self.settings.credential_source()
            self._retry = StandardRetryStrategy(max_attempts=self.settings.max_attempts)
            if self._transport is None:
                from microvm_sdk._core.transport import HttpClientTransport

                opts = self._transport_options
                self._transport = HttpClientTransport(
                    connect_timeout=opts.connect_timeout,
                    read_timeout=opts.read_timeout,
                    max_pool_connections=opts.max_pool_connections,
                    verify=self.settings.verify,
                    proxies=opts.proxies,
                    client_cert=opts.client_cert,
                )
            self._ready = True

    @property
    def endpoint_url(self) -> str:
        """The endpoint requests go to (resolved on first use)."""
        if not self._ready:
            self._prepare()
        return self._endpoint_url

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
        operation = self.schema.operations[operation_name]
        _, validator, protocol = codec_for(self.schema)
        params = self._fill_idempotency_tokens(operation, params)
        if operation.input:
            validator.validate(params, operation.input, operation=operation.python_name)
        if not self._ready:
            self._prepare()
        request = protocol.serialize(operation, params, self._endpoint_url)
        response = self._send(operation, request)
        result: T = protocol.parse(operation, response, output_cls)
        return result

    def invoke_wire(self, operation_name: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Run one operation with a dict of parameters keyed by model member names.

        This is the entry point for tools that work with dicts (the CLI): the dict is read
        into the typed input, validated like any call, and the typed output is returned in
        its wire form (camelCase keys, timestamps as epoch seconds, no nulls).
        """
        operation = self.schema.operations[operation_name]
        converter, _, _ = codec_for(self.schema)
        params_obj: Any = None
        if operation.input:
            shape = self.schema.shapes[operation.input]
            assert shape.cls is not None
            params_obj = converter.input_from_params(params, shape)
        output_cls = self.schema.shapes[operation.output].cls if operation.output else None
        result = self.invoke(operation_name, params_obj, output_cls)
        return {} if result is None else converter.to_wire(result)

    def _fill_idempotency_tokens(self, operation: Operation, params: Any) -> Any:
        if not operation.input:
            return params
        shape = self.schema.shapes[operation.input]
        missing = {
            m.name: str(uuid.uuid4())
            for m in shape.members
            if m.idempotency_token and getattr(params, m.name, None) is None
        }
        return attrs.evolve(params, **missing) if missing else params

    def _send(self, operation: Operation, request: HttpRequest) -> Any:
        assert self._retry is not None and self._signer is not None and self._transport is not None
        attempts = self._retry.begin()
        base_headers = dict(request.headers)
        base_headers["User-Agent"] = self.user_agent
        invocation_id = str(uuid.uuid4())
        max_attempts = self.settings.max_attempts
        attempt = 0
        debug = logger.isEnabledFor(logging.DEBUG)
        while True:
            attempt += 1
            request.headers = dict(base_headers)
            self._signer.sign(request, region=self._signing_region, credentials=self._credentials)
            # Added after signing, as botocore does: they change per attempt.
            request.headers["amz-sdk-invocation-id"] = invocation_id
            request.headers["amz-sdk-request"] = f"attempt={attempt}; max={max_attempts}"
            started = time.perf_counter()
            error: MicrovmError
            try:
                response = self._transport.send(request)
            except MicrovmError as exc:
                error = exc
                status: int | str = type(exc).__name__
            else:
                status = response.status
                if response.status < 300:
                    attempts.succeeded()
                    if debug:
                        _log_attempt(operation, attempt, status, started)
                    return response
                error = self._error(response)
            if debug:
                _log_attempt(operation, attempt, status, started)
            delay = attempts.next_delay(error)
            if delay is None:
                if attempt > 1:
                    error.add_note(f"{operation.name} failed after {attempt} attempts")
                raise error
            if debug:
                logger.debug("%s: retrying in %.3f s", operation.name, delay)
            self._sleep(delay)

    def _error(self, response: Any) -> ServiceError:
        _, _, protocol = codec_for(self.schema)
        return protocol.error(response)


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


__all__ = ["ClientRuntime", "ParamValidationError", "TransportOptions", "codec_for"]
