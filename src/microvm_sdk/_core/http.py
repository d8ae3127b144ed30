"""Plain HTTP values and the transport protocols (``Client(transport=...)``, ``AsyncClient``).

Requests and responses pass between protocol, signer and transport as these values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import attrs

from microvm_sdk._core.public import public_home
from microvm_sdk._core.redaction import REDACTED

_CONFIG = "microvm_sdk.config"
#: Headers whose values are credentials (a signature, a session token, proxy credentials).
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "x-amz-security-token"})


def _headers_repr(headers: Mapping[str, str]) -> str:
    shown = (
        f"{name!r}: {REDACTED if name.lower() in _SECRET_HEADERS else repr(value)}"
        for name, value in headers.items()
    )
    return "{" + ", ".join(shown) + "}"


def _body_repr(body: bytes) -> str:
    # A body may carry sensitive members (environment variables, auth tokens): its size only.
    return f"<{len(body)} bytes>"


@public_home(_CONFIG)
@attrs.define(slots=True, repr=False)
class HttpRequest:
    """An HTTP request ready to sign and send.

    ``url`` is absolute and already carries the encoded path and query string.
    ``headers`` is mutable so the signer can add its headers in place. The ``repr`` hides
    credential headers and shows only the body's size.
    """

    method: str
    url: str
    headers: dict[str, str] = attrs.field(factory=dict)
    body: bytes = b""

    def __repr__(self) -> str:
        return (
            f"HttpRequest(method={self.method!r}, url={self.url!r}, "
            f"headers={_headers_repr(self.headers)}, body={_body_repr(self.body)})"
        )


@public_home(_CONFIG)
@attrs.frozen(slots=True, repr=False)
class HttpResponse:
    """An HTTP response as the transport read it.

    ``headers`` keys are lower-case. The ``repr`` shows only the body's size.
    """

    status: int
    headers: Mapping[str, str]
    body: bytes

    def __repr__(self) -> str:
        return (
            f"HttpResponse(status={self.status!r}, headers={_headers_repr(self.headers)}, "
            f"body={_body_repr(self.body)})"
        )


@public_home(_CONFIG)
class Transport(Protocol):
    """What the client needs from an HTTP transport (``Client(transport=...)``)."""

    def send(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` and return the complete response.

        Raises:
            TransportError: No HTTP response was received.
        """
        ...

    def close(self) -> None:
        """Release the transport's connections."""
        ...


@public_home(_CONFIG)
class AsyncTransport(Protocol):
    """What ``AsyncClient(transport=...)`` needs from an HTTP transport.

    The method names differ from the blocking ``Transport`` protocol's (``send`` and
    ``close``), so one object can implement both (a test double, say).
    """

    async def send_async(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` and return the complete response.

        Raises:
            TransportError: No HTTP response was received.
        """
        ...

    async def aclose(self) -> None:
        """Release the transport's connections."""
        ...
