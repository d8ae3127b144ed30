"""What every response says besides its modeled output: request id, status, headers, attempts.

:class:`ResponseMetadata` is what users read (``result.response_metadata``,
``error.response_metadata``). :class:`ModelOutput` is the base class of every generated
output class: it adds the ``response_metadata`` property without adding an attrs field,
so the metadata is not part of ``==``, ``hash``, ``repr``, ``attrs.fields``,
``attrs.evolve`` or the wire form. :class:`EmptyOutput` is what an operation without a
modeled output returns.

The pipeline hangs the raw parts on a result (one ``object.__setattr__`` of a tuple,
written out in ``RuntimeCore.finish`` for speed; :func:`attach` does the same for other
producers of results); the :class:`ResponseMetadata` object is built the first time
someone asks for it, so a caller that never reads it does not pay for building it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NoReturn

from microvm_sdk._core.public import public_home

__all__ = [
    "REQUEST_ID_HEADERS",
    "EmptyOutput",
    "ModelOutput",
    "ReadOnlyDict",
    "ResponseMetadata",
    "attach",
    "copy_metadata",
    "request_id_of",
]

_MODELS = "microvm_sdk.models"
_set = object.__setattr__
_EMPTY_HEADERS: Mapping[str, str] = MappingProxyType({})

#: Response headers that carry the request id, in the order they are looked at
#: (lower-case, as the transports give header names).
REQUEST_ID_HEADERS = ("x-amzn-requestid", "x-amzn-request-id", "x-amz-request-id")


def request_id_of(headers: Mapping[str, str]) -> str | None:
    """The request id a response's (lower-case) headers carry, or ``None``."""
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    return None


@public_home(_MODELS)
class ResponseMetadata:
    """What the service's response said besides the modeled output.

    Read it from any result (``result.response_metadata``) or service error
    (``error.response_metadata``). It is never part of a result's equality or ``repr``.
    A result built by hand (in a test, say) has empty metadata: no request id, status 0,
    no headers, 0 attempts.

    Args:
        request_id: The request id (``x-amzn-RequestId``).
        http_status: The HTTP status code.
        http_headers: The response headers, names in lower case.
        attempts: Attempts the call took, the first one included.
    """

    __slots__ = ("attempts", "http_headers", "http_status", "request_id")

    request_id: str | None
    """The request id the service gave the call (``x-amzn-RequestId``), if any.

    Quote it when asking AWS Support about a call."""
    http_status: int
    """The HTTP status code of the response (0 when there was none)."""
    http_headers: Mapping[str, str]
    """The response headers, names in lower case; read-only."""
    attempts: int
    """How many attempts the call took, the first one included (1 without retries)."""

    def __init__(
        self,
        *,
        request_id: str | None = None,
        http_status: int = 0,
        http_headers: Mapping[str, str] | None = None,
        attempts: int = 0,
    ) -> None:
        _set(self, "request_id", request_id)
        _set(self, "http_status", http_status)
        headers = _EMPTY_HEADERS if not http_headers else MappingProxyType(dict(http_headers))
        _set(self, "http_headers", headers)
        _set(self, "attempts", attempts)

    @classmethod
    def _of(cls, status: int, headers: Mapping[str, str], attempts: int) -> ResponseMetadata:
        """Build from a response's parts, keeping ``headers`` (not copied) behind a proxy."""
        self = object.__new__(cls)
        _set(self, "request_id", request_id_of(headers))
        _set(self, "http_status", status)
        _set(self, "http_headers", MappingProxyType(headers) if headers else _EMPTY_HEADERS)
        _set(self, "attempts", attempts)
        return self

    def to_boto3(self) -> dict[str, Any]:
        """The metadata as boto3 shows it: the ``ResponseMetadata`` of a boto3 response.

        ``{"RequestId": ..., "HTTPStatusCode": ..., "HTTPHeaders": {...},
        "RetryAttempts": ...}``, where ``RetryAttempts`` counts retries (attempts - 1)
        and ``RequestId`` is left out when the response had none. A new dict each call.
        """
        out: dict[str, Any] = {}
        if self.request_id is not None:
            out["RequestId"] = self.request_id
        out["HTTPStatusCode"] = self.http_status
        out["HTTPHeaders"] = dict(self.http_headers)
        out["RetryAttempts"] = max(0, self.attempts - 1)
        return out

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"ResponseMetadata is read-only (cannot set {name!r})")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"ResponseMetadata is read-only (cannot delete {name!r})")

    def __eq__(self, other: object) -> bool:
        if type(other) is not ResponseMetadata:
            return NotImplemented
        return (
            self.request_id == other.request_id
            and self.http_status == other.http_status
            and self.attempts == other.attempts
            and dict(self.http_headers) == dict(other.http_headers)
        )

    def __hash__(self) -> int:
        return hash((self.request_id, self.http_status, self.attempts))

    def __repr__(self) -> str:
        # Headers are left out: they are long, and the request id is the useful part.
        return (
            f"ResponseMetadata(request_id={self.request_id!r}, http_status={self.http_status!r}, "
            f"attempts={self.attempts!r}, http_headers=<{len(self.http_headers)} headers>)"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild,
            (self.request_id, self.http_status, dict(self.http_headers), self.attempts),
        )


def _rebuild(
    request_id: str | None, http_status: int, http_headers: dict[str, str], attempts: int
) -> ResponseMetadata:
    return ResponseMetadata(
        request_id=request_id, http_status=http_status, http_headers=http_headers, attempts=attempts
    )


_NO_METADATA = ResponseMetadata()


@public_home(_MODELS)
class ModelOutput:
    """The base class of every operation's output: gives it ``response_metadata``.

    The metadata is not an attrs field, so it is not part of ``==``, ``hash`` or
    ``repr``, nor of ``attrs.fields``, ``attrs.asdict`` and ``attrs.evolve`` (a copy made
    with ``attrs.evolve`` has empty metadata), and it is not pickled.
    """

    __slots__ = ("_response_metadata",)

    # Set by the pipeline or :func:`attach`: the raw parts first, the built object later.
    _response_metadata: ResponseMetadata | tuple[int, Mapping[str, str], int]

    @property
    def response_metadata(self) -> ResponseMetadata:
        """Request id, HTTP status, headers and attempts of the response this came from.

        Empty (``request_id=None``, ``http_status=0``) for an object built by hand.
        """
        try:
            found = self._response_metadata
        except AttributeError:
            return _NO_METADATA
        if isinstance(found, tuple):
            found = ResponseMetadata._of(*found)
            _set(self, "_response_metadata", found)
        return found


@public_home(_MODELS)
class EmptyOutput(ModelOutput):
    """What an operation without a modeled output returns: only its response metadata.

    For example ``client.tag_resource(...).response_metadata.request_id``. All
    ``EmptyOutput`` objects are equal to each other.
    """

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return type(other) is EmptyOutput or NotImplemented

    def __hash__(self) -> int:
        return hash(EmptyOutput)

    def __repr__(self) -> str:
        return "EmptyOutput()"


def attach(result: Any, status: int, headers: Mapping[str, str], attempts: int) -> Any:
    """Hang a response's metadata on ``result`` (a :class:`ModelOutput`) and return it.

    Anything else (``None``, a dict) is returned unchanged.
    """
    if isinstance(result, ModelOutput):
        _set(result, "_response_metadata", (status, headers, attempts))
    return result


def copy_metadata(source: object, target: Any) -> Any:
    """Give ``target`` the response metadata of ``source`` (both :class:`ModelOutput`)."""
    if isinstance(source, ModelOutput) and isinstance(target, ModelOutput):
        try:
            raw = source._response_metadata
        except AttributeError:
            return target
        _set(target, "_response_metadata", raw)
    return target


class ReadOnlyDict(dict[str, Any]):
    """A ``dict`` that refuses changes: what ``ServiceError.response`` is made of.

    A ``dict`` subclass rather than a ``MappingProxyType``, so that what boto3 users do
    with ``ClientError.response`` keeps working (``json.dumps``, ``dict(...)``,
    ``copy.deepcopy``, ``==`` with a dict), while ``response["Error"]["Code"] = ...``
    raises ``TypeError``.
    """

    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("this mapping is read-only (copy it with dict(...) to change it)")

    __setitem__ = _refuse
    __delitem__ = _refuse
    __ior__ = _refuse
    clear = _refuse
    pop = _refuse
    popitem = _refuse
    setdefault = _refuse
    update = _refuse

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        import copy

        return {key: copy.deepcopy(value, memo) for key, value in self.items()}

    def __reduce__(self) -> tuple[Any, ...]:
        return (ReadOnlyDict, (dict(self),))
