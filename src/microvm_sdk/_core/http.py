"""Plain HTTP request and response values passed between protocol, signer and transport."""

from __future__ import annotations

from collections.abc import Mapping

import attrs


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


@attrs.frozen(slots=True)
class HttpResponse:
    """An HTTP response as the transport read it.

    ``headers`` keys are lower-case.
    """

    status: int
    headers: Mapping[str, str]
    body: bytes
