"""The base classes of the exception tree.

Users import them from :mod:`microvm_sdk.errors`, which draws the whole tree and adds
one class per modeled error; ``public_home`` makes each class say so in tracebacks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, TypedDict

from microvm_sdk._core.lazy import LazyModule
from microvm_sdk._core.public import public_home

if TYPE_CHECKING:
    from microvm_sdk._core import metadata
else:
    # ResponseMetadata and ReadOnlyDict, imported when first used (an error's
    # ``response_metadata`` read): ``import microvm_sdk`` does not pay for them.
    metadata = LazyModule("microvm_sdk._core.metadata")

_ERRORS = "microvm_sdk.errors"


@public_home(_ERRORS)
class MicrovmError(Exception):
    """Root of every exception microvm-sdk raises."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle (multiprocessing, concurrent.futures) re-creates an exception by calling
        # its class with ``self.args``, which is not what most of our ``__init__``
        # methods take. Re-create it without ``__init__`` and restore its attributes.
        return (_recreate, (type(self), self.args), self.__dict__)


def _recreate(cls: type[MicrovmError], args: tuple[Any, ...]) -> MicrovmError:
    """Make an exception of ``cls`` holding ``args``, without calling its ``__init__``."""
    return cls.__new__(cls, *args)


@public_home(_ERRORS)
class ConfigurationError(MicrovmError):
    """The client cannot be configured (region, credentials, endpoint, options)."""


@public_home(_ERRORS)
class ParamValidationError(MicrovmError, ValueError):
    """Input does not satisfy the service model; no request was sent.

    ``errors`` holds one ``"path: message"`` line per violation, for example
    ``"hooks.microvm_hooks.run_timeout_in_seconds: 90 > max 60"``.
    """

    errors: tuple[str, ...]
    """One ``"path: message"`` line per violation."""
    operation: str | None
    """The operation the input was for, when known."""

    def __init__(self, errors: Sequence[str], *, operation: str | None = None) -> None:
        self.errors = tuple(errors)
        self.operation = operation
        where = f" for {operation}" if operation else ""
        count = len(self.errors)
        head = f"{count} invalid parameter{'s' if count != 1 else ''}{where}:"
        super().__init__("\n  ".join([head, *self.errors]))


@public_home(_ERRORS)
class SerializationError(MicrovmError):
    """A value cannot be serialized for the wire."""


@public_home(_ERRORS)
class DeserializationError(MicrovmError):
    """A success response cannot be read into the modeled output.

    Raised for a body that is not JSON, a body that is JSON but not an object, a missing
    body when the output has required members, and values of the wrong type. The call
    may have taken effect on the service: ``request_id`` identifies it.
    """

    http_status: int | None
    """The HTTP status code of the response, when the error came from one."""
    request_id: str | None
    """The ``x-amzn-RequestId`` of the response, if any."""

    def __init__(
        self, message: str, *, http_status: int | None = None, request_id: str | None = None
    ) -> None:
        self.http_status = http_status
        self.request_id = request_id
        super().__init__(message)

    def __str__(self) -> str:
        text = super().__str__()
        if self.http_status is not None:
            text += f" (HTTP {self.http_status}"
            text += f", request id {self.request_id})" if self.request_id else ")"
        return text


@public_home(_ERRORS)
class TransportError(MicrovmError):
    """The request did not get an HTTP response (connection, TLS, timeout)."""

    url: str | None
    """The URL the request was for (query string and credentials removed), when known."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        self.url = url
        super().__init__(message)


@public_home(_ERRORS)
class ConnectionError(TransportError):
    """The connection could not be made or broke during the exchange."""


@public_home(_ERRORS)
class ConnectTimeoutError(TransportError):
    """Connecting took longer than the connect timeout."""


@public_home(_ERRORS)
class ReadTimeoutError(TransportError):
    """The response took longer than the read timeout."""


@public_home(_ERRORS)
class PaginationError(MicrovmError):
    """Pagination cannot continue (for example the service repeated a token)."""


@public_home(_ERRORS)
class ServiceError(MicrovmError):
    """The service answered with an error.

    Catch a modeled error by its class (``errors.ThrottlingException``), or any service
    error with this class and look at ``code``. ``response`` holds what boto3's
    ``ClientError.response`` holds, for code written against boto3.
    """

    CODE: ClassVar[str] = ""
    """The error code of the modeled error a subclass stands for (``""`` here)."""
    MODELED_RETRYABLE: ClassVar[bool] = False
    """Whether the service model marks the error retryable."""
    MODELED_THROTTLING: ClassVar[bool] = False
    """Whether the service model marks the error as throttling."""
    _MODEL_NAMES: ClassVar[Mapping[str, str]] = {}
    # The model's names of the error's members, by Python name (``message`` included when
    # the model has it): the keys boto3 gives them in ``ClientError.response``.

    code: str
    """The error code (``ThrottlingException``), without namespace or suffix."""
    message: str
    """The service's message (``""`` when it sent none)."""
    http_status: int
    """The HTTP status code of the response."""
    request_id: str | None
    """The ``x-amzn-RequestId`` of the response, if any."""
    retry_after: float | None
    """Seconds the service asked the caller to wait before retrying, if it said."""
    is_retryable: bool
    """Whether the retry policy treats this error as retryable."""
    is_throttling: bool
    """Whether the error is a throttling error."""
    attempts: int
    """How many attempts were made before this error surfaced."""
    body: bytes
    """The raw body of the error response."""
    _http_headers: dict[str, str]
    _max_attempts_reached: bool = False
    # Set by the pipeline when the error came from the last attempt allowed.

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        http_status: int = 0,
        request_id: str | None = None,
        retry_after: float | None = None,
        is_retryable: bool | None = None,
        is_throttling: bool | None = None,
        attempts: int = 1,
        body: bytes = b"",
        http_headers: Mapping[str, str] | None = None,
    ) -> None:
        self.code = code or self.CODE or type(self).__name__
        self.message = message
        self.http_status = http_status
        self.request_id = request_id
        self.retry_after = retry_after
        self.is_retryable = self.MODELED_RETRYABLE if is_retryable is None else is_retryable
        self.is_throttling = self.MODELED_THROTTLING if is_throttling is None else is_throttling
        self.attempts = attempts
        self.body = body
        self._http_headers = dict(http_headers) if http_headers else {}
        super().__init__(message)

    @property
    def http_headers(self) -> Mapping[str, str]:
        """The headers of the error response, names in lower case; read-only."""
        return MappingProxyType(self._http_headers)

    @property
    def response_metadata(self) -> metadata.ResponseMetadata:
        """Request id, HTTP status, headers and attempts of the error response.

        The same object every result has as ``result.response_metadata``.
        """
        return metadata.ResponseMetadata(
            request_id=self.request_id,
            http_status=self.http_status,
            http_headers=self.http_headers,
            attempts=self.attempts,
        )

    @property
    def response(self) -> Mapping[str, Any]:
        """The error as boto3's ``ClientError.response`` holds it; read-only.

        ``{"Error": {"Code": ..., "Message": ...}, "ResponseMetadata": {"RequestId",
        "HTTPStatusCode", "HTTPHeaders", "RetryAttempts"}}`` plus the modeled members of
        the error under the model's names (``"resourceType": "MICROVM"``), so code
        written against boto3 (``error.response["Error"]["Code"]``) keeps working.
        ``ResponseMetadata`` also holds ``"MaxAttemptsReached": True`` when the error
        came from the last attempt the call was allowed (as in boto3, whether or not the
        error was retryable). As in boto3, a 5xx answer whose body is empty or an
        HTML page has the status as its code (``"503"``) and the HTTP reason phrase as
        its message; unlike boto3, its ``RequestId`` is kept when the response had one.
        Changing the mapping raises ``TypeError``; ``dict(...)`` makes a copy to change.
        """
        read_only = metadata.ReadOnlyDict
        facts = self.response_metadata.to_boto3()
        facts["HTTPHeaders"] = read_only(facts["HTTPHeaders"])
        if self._max_attempts_reached:
            facts["MaxAttemptsReached"] = True
        body = self.body.strip()
        if self.http_status >= 500 and (not body or body.startswith(b"<html>")):
            import http.client

            status = self.http_status
            error = {"Code": str(status), "Message": http.client.responses.get(status, "")}
        else:
            code = self.code
            if not self.CODE and code == f"HTTP{self.http_status}":
                code = str(self.http_status)  # no code in the response: botocore's stand-in
            error = {"Message": self.message, "Code": code}
        out: dict[str, Any] = {
            "Error": read_only(error),
            "ResponseMetadata": read_only(facts),
        }
        names = self._MODEL_NAMES
        if self.message and "message" in names:
            out[names["message"]] = self.message
        for name, value in self.modeled_fields().items():
            if value is not None:
                out[names.get(name, name)] = _plain(value)
        return read_only(out)

    def __str__(self) -> str:
        text = f"{self.code}: {self.message}" if self.message else self.code
        if self.http_status:
            text += f" (HTTP {self.http_status}"
            text += f", request id {self.request_id})" if self.request_id else ")"
        return text

    def modeled_fields(self) -> dict[str, Any]:
        """Return the modeled members of this error beyond ``message`` (empty here)."""
        return {}


def _plain(value: Any) -> Any:
    """A modeled member's value as boto3 parses it: enums as their text, sequences as lists."""
    if isinstance(value, str):
        return str.__str__(value)  # a ModelEnum member is a str: its value
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


@public_home(_ERRORS)
class UnknownServiceError(ServiceError):
    """An error whose code the service model does not name (or a non-JSON error body)."""


@public_home(_ERRORS)
class WaiterError(MicrovmError):
    """A waiter stopped without reaching its success state."""

    waiter_name: str
    """The waiter's name (``wait_until_created``)."""
    reason: str
    """Why it stopped, in words."""
    last_response: object
    """The typed output of the last poll (``None`` when there was none)."""

    def __init__(self, waiter_name: str, reason: str, last_response: object = None) -> None:
        self.waiter_name = waiter_name
        self.reason = reason
        self.last_response = last_response
        super().__init__(f"{waiter_name}: {reason}")


@public_home(_ERRORS)
class WaiterFailureError(WaiterError):
    """The resource reached a state from which the wanted state cannot follow."""


@public_home(_ERRORS)
class WaiterTimeoutError(WaiterError):
    """The wanted state was not reached within the timeout or attempt budget."""

    elapsed: float
    """Seconds spent waiting."""
    attempts: int
    """Polls made."""
    last_state: str | None
    """The last state seen, as a string, when the output has one."""

    def __init__(
        self,
        waiter_name: str,
        reason: str,
        last_response: object = None,
        *,
        elapsed: float = 0.0,
        attempts: int = 0,
        last_state: str | None = None,
    ) -> None:
        self.elapsed = elapsed
        self.attempts = attempts
        self.last_state = last_state
        super().__init__(waiter_name, reason, last_response)


@public_home(_ERRORS)
class ServiceErrorOptions(TypedDict, total=False):
    """The keyword arguments every ``ServiceError`` takes besides ``message``."""

    code: str | None
    http_status: int
    request_id: str | None
    retry_after: float | None
    is_retryable: bool | None
    is_throttling: bool | None
    attempts: int
    body: bytes
    http_headers: Mapping[str, str] | None
