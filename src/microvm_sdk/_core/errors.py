"""The exceptions microvm-sdk raises, all under one root.

::

    MicrovmError
    ├── ConfigurationError          region, credentials or endpoint cannot be resolved
    ├── ParamValidationError        input breaks a model constraint; nothing was sent
    ├── SerializationError          a value cannot be put on the wire
    ├── DeserializationError        a response cannot be read
    ├── TransportError              the request did not get an HTTP answer
    │   ├── ConnectionError
    │   ├── ConnectTimeoutError
    │   └── ReadTimeoutError
    ├── PaginationError             the service repeated a pagination token
    ├── WaiterError                 a waiter did not reach its success state
    │   ├── WaiterFailureError
    │   └── WaiterTimeoutError
    └── ServiceError                the service answered with an error
        ├── <one class per modeled error>   (microvm_sdk.errors)
        └── UnknownServiceError     a code the model does not name
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict


class MicrovmError(Exception):
    """Root of every exception microvm-sdk raises."""


class ConfigurationError(MicrovmError):
    """The client cannot be configured (region, credentials, endpoint, options)."""


class ParamValidationError(MicrovmError, ValueError):
    """Input does not satisfy the service model; no request was sent.

    ``errors`` holds one ``"path: message"`` line per violation, for example
    ``"hooks.microvm_hooks.run_timeout_in_seconds: 90 > max 60"``.
    """

    def __init__(self, errors: Sequence[str], *, operation: str | None = None) -> None:
        self.errors: tuple[str, ...] = tuple(errors)
        self.operation = operation
        where = f" for {operation}" if operation else ""
        count = len(self.errors)
        head = f"{count} invalid parameter{'s' if count != 1 else ''}{where}:"
        super().__init__("\n  ".join([head, *self.errors]))


class SerializationError(MicrovmError):
    """A value cannot be serialized for the wire."""


class DeserializationError(MicrovmError):
    """A response body cannot be read into the modeled output."""


class TransportError(MicrovmError):
    """The request did not get an HTTP response (connection, TLS, timeout)."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        self.url = url
        super().__init__(message)


class ConnectionError(TransportError):
    """The connection could not be made or broke during the exchange."""


class ConnectTimeoutError(TransportError):
    """Connecting took longer than the connect timeout."""


class ReadTimeoutError(TransportError):
    """The response took longer than the read timeout."""


class PaginationError(MicrovmError):
    """Pagination cannot continue (for example the service repeated a token)."""


class ServiceError(MicrovmError):
    """The service answered with an error.

    Attributes:
        code: The error code (``ThrottlingException``), without namespace or suffix.
        message: The service's message.
        http_status: The HTTP status code.
        request_id: The ``x-amzn-RequestId`` of the response, if any.
        retry_after: Seconds the service asked the caller to wait, if it said.
        is_retryable: Whether the retry policy treats this error as retryable.
        is_throttling: Whether the error is a throttling error.
        attempts: How many attempts were made before this error surfaced.
    """

    #: The code of the modeled error a subclass stands for (``""`` on the base).
    CODE: str = ""
    #: Whether the model marks the error retryable, and throttling.
    MODELED_RETRYABLE: bool = False
    MODELED_THROTTLING: bool = False

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
        super().__init__(message)

    def __str__(self) -> str:
        text = f"{self.code}: {self.message}" if self.message else self.code
        if self.http_status:
            text += f" (HTTP {self.http_status}"
            text += f", request id {self.request_id})" if self.request_id else ")"
        return text

    def modeled_fields(self) -> dict[str, Any]:
        """Return the modeled members of this error beyond ``message`` (empty here)."""
        return {}


class UnknownServiceError(ServiceError):
    """An error whose code the service model does not name (or a non-JSON error body)."""


class WaiterError(MicrovmError):
    """A waiter stopped without reaching its success state.

    Attributes:
        waiter_name: The waiter's name (``wait_until_created``).
        reason: Why it stopped, in words.
        last_response: The typed output of the last poll, when there was one.
    """

    def __init__(self, waiter_name: str, reason: str, last_response: object = None) -> None:
        self.waiter_name = waiter_name
        self.reason = reason
        self.last_response = last_response
        super().__init__(f"{waiter_name}: {reason}")


class WaiterFailureError(WaiterError):
    """The resource reached a state from which the wanted state cannot follow."""


class WaiterTimeoutError(WaiterError):
    """The wanted state was not reached within the timeout or attempt budget.

    Attributes:
        elapsed: Seconds spent waiting.
        attempts: Polls made.
        last_state: The last state seen, as a string, when the output has one.
    """

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
