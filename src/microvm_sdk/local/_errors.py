"""The seam between the emulator's server core and its service behaviour.

The server turns an :class:`EmulatedError` into an HTTP error response (status,
``X-Amzn-ErrorType`` header, JSON body); the backend raises it. :class:`RequestContext`
is what the server knows about a request that the backend may need.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["EmulatedError", "RequestContext"]


class EmulatedError(Exception):
    """An error the emulator answers with, as the service would.

    Attributes:
        code: The error code sent as ``X-Amzn-ErrorType`` (``ResourceNotFoundException``).
        status: The HTTP status code.
        message: The message, sent as the body's ``message`` member.
        fields: Further modeled members of the error body (``{"resourceId": None}``);
            ``None`` values are sent as explicit JSON nulls.
        headers: Extra response headers (``{"Retry-After": "1"}``).
    """

    def __init__(
        self,
        code: str,
        status: int,
        message: str,
        fields: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.code = code
        self.status = status
        self.message = message
        self.fields: dict[str, Any] = dict(fields or {})
        self.headers: dict[str, str] = dict(headers or {})
        super().__init__(f"{code}: {message}")

    @property
    def body(self) -> dict[str, Any]:
        """The JSON body of the error response.

        A ``Message`` field (capitalised, as request deserialization errors carry it)
        replaces the lower-case ``message``.
        """
        if "Message" in self.fields:
            return dict(self.fields)
        return {"message": self.message, **self.fields}

    def __repr__(self) -> str:
        return f"EmulatedError({self.code!r}, {self.status!r}, {self.message!r})"


@attrs.frozen(slots=True)
class RequestContext:
    """What the server knows about one request.

    Attributes:
        region: The region of the request (the signature's credential scope).
        account_id: The emulated account id.
        request_id: The ``x-amzn-RequestId`` the response will carry.
        access_key: The access key id that signed the request (``""`` when unsigned).
    """

    region: str
    account_id: str
    request_id: str
    access_key: str
