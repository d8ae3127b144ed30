"""Plain HTTP values and the transport protocols (``Client(transport=...)``, ``AsyncClient``).

Requests and responses pass between protocol, signer and transport as these values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import attrs

from microvm_sdk._core.public import public_home

_CONFIG = "microvm_sdk.config"


@public_home(_CONFIG)
@attrs.define(slots=True)
class HttpRequest:
    """An HTTP request ready to sign and send.

    ``url`` is absolute and already carries the encoded path and query string.
    ``headers`` is mutable so the signer can add its headers in place.
    """

    method: str
    url: str
    headers: dict[str, str] = attrs.field(factory=dict)
    body: bytes = b""


@public_home(_CONFIG)
@attrs.frozen(slots=True)
class HttpResponse:
    """An HTTP response as the transport read it.

    ``headers`` keys are lower-case.
    """

    status: int
    headers: Mapping[str, str]
    body: bytes


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
