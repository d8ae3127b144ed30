"""Hooks: functions a client calls at fixed points of every attempt of every call.

``client.hooks`` is a :class:`Hooks` (``Client``) or an :class:`AsyncHooks`
(``AsyncClient``, whose hooks may also be coroutine functions). Four points:

* ``before_sign``: the request is built and about to be signed; a hook may add or
  change headers, and they are signed with the rest (:class:`BeforeSignEvent`);
* ``after_sign``: the request is signed and about to be sent, exactly as it will be
  sent (:class:`AfterSignEvent`);
* ``after_response``: the attempt ended, with a response or a transport error, after
  ``elapsed`` seconds (:class:`AfterResponseEvent`);
* ``on_retry``: the attempt failed and another follows after ``delay`` seconds
  (:class:`RetryEvent`).

The pipeline (``microvm_sdk._core.pipeline``) asks for hooks to run as a step
(:class:`Notify`) of its sans-I/O loop, only when some are registered; the blocking driver
calls them, the asyncio driver calls them and awaits what they return. A hook that raises
fails the call with its exception.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from microvm_sdk._core import forks
from microvm_sdk._core.errors import MicrovmError, ServiceError
from microvm_sdk._core.http import HttpRequest, HttpResponse
from microvm_sdk._core.metadata import request_id_of
from microvm_sdk._core.public import public_home

__all__ = [
    "AfterResponseEvent",
    "AfterSignEvent",
    "AsyncHooks",
    "BeforeSignEvent",
    "Hooks",
    "Notify",
    "RetryEvent",
]

_HOME = "microvm_sdk.hooks"
_set = object.__setattr__
_NO_HEADERS: Mapping[str, str] = MappingProxyType({})


class _Event:
    """Read-only attributes, a ``repr`` naming them."""

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only (cannot set {name!r})")

    def __repr__(self) -> str:
        names: tuple[str, ...] = self.__slots__
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{type(self).__name__}({shown})"


@public_home(_HOME)
class BeforeSignEvent(_Event):
    """An attempt's request, built and about to be signed.

    Add or change headers of ``request`` here: they are signed with the others. Each
    attempt starts from the request as serialized, so a header added here is added
    again (by this hook) on every attempt.
    """

    __slots__ = ("attempt", "operation_name", "request")

    operation_name: str
    """The operation's model name (``"GetMicrovmImage"``)."""
    attempt: int
    """The attempt's number, 1 for the first."""
    request: HttpRequest
    """The request to sign; its ``headers`` may be changed."""

    def __init__(self, operation_name: str, attempt: int, request: HttpRequest) -> None:
        _set(self, "operation_name", operation_name)
        _set(self, "attempt", attempt)
        _set(self, "request", request)


@public_home(_HOME)
class AfterSignEvent(_Event):
    """An attempt's request, signed and about to be sent as it is.

    Changing a signed part of ``request`` here (its URL, body or a signed header) makes
    the service refuse the signature.
    """

    __slots__ = ("attempt", "operation_name", "request")

    operation_name: str
    """The operation's model name (``"GetMicrovmImage"``)."""
    attempt: int
    """The attempt's number, 1 for the first."""
    request: HttpRequest
    """The signed request (its ``repr`` hides the signature)."""

    def __init__(self, operation_name: str, attempt: int, request: HttpRequest) -> None:
        _set(self, "operation_name", operation_name)
        _set(self, "attempt", attempt)
        _set(self, "request", request)


@public_home(_HOME)
class AfterResponseEvent(_Event):
    """An attempt ended: with a response (any status), or a transport error.

    For a response with an error status, ``error`` is the service error it was read as;
    whether the call retries it is told by a following :class:`RetryEvent`.
    """

    __slots__ = ("attempt", "elapsed", "error", "operation_name", "request", "response")

    operation_name: str
    """The operation's model name (``"GetMicrovmImage"``)."""
    attempt: int
    """The attempt's number, 1 for the first."""
    request: HttpRequest
    """The request that was sent."""
    response: HttpResponse | None
    """The response, or ``None`` when the transport got none (``error`` says why)."""
    error: MicrovmError | None
    """The transport error, or the service error of an error response; else ``None``."""
    elapsed: float
    """Seconds from sending the request to having the whole response (or the error)."""

    def __init__(
        self,
        operation_name: str,
        attempt: int,
        request: HttpRequest,
        *,
        response: HttpResponse | None,
        error: MicrovmError | None,
        elapsed: float,
    ) -> None:
        _set(self, "operation_name", operation_name)
        _set(self, "attempt", attempt)
        _set(self, "request", request)
        _set(self, "response", response)
        _set(self, "error", error)
        _set(self, "elapsed", elapsed)

    @property
    def http_status(self) -> int | None:
        """The response's status code, or ``None`` without a response."""
        response = self.response
        return None if response is None else response.status

    @property
    def http_headers(self) -> Mapping[str, str]:
        """The response's headers (names in lower case); empty without a response."""
        response = self.response
        return _NO_HEADERS if response is None else MappingProxyType(dict(response.headers))

    @property
    def request_id(self) -> str | None:
        """The response's request id (``x-amzn-RequestId``), if any."""
        response = self.response
        return None if response is None else request_id_of(response.headers)


@public_home(_HOME)
class RetryEvent(_Event):
    """An attempt failed and the call will try again after ``delay`` seconds."""

    __slots__ = ("attempt", "delay", "error", "operation_name")

    operation_name: str
    """The operation's model name (``"GetMicrovmImage"``)."""
    attempt: int
    """The number of the attempt that failed (the next one is ``attempt + 1``)."""
    error: MicrovmError
    """Why it failed: a ``ServiceError`` (throttling, 5xx ...) or a ``TransportError``."""
    delay: float
    """Seconds the call waits before the next attempt."""

    def __init__(
        self, operation_name: str, attempt: int, error: MicrovmError, delay: float
    ) -> None:
        _set(self, "operation_name", operation_name)
        _set(self, "attempt", attempt)
        _set(self, "error", error)
        _set(self, "delay", delay)

    @property
    def reason(self) -> str:
        """The failure in one word: an error code, or an exception class.

        The service error's code (``"ThrottlingException"``) or, for a transport failure,
        the exception's class (``"ReadTimeoutError"``).
        """
        error = self.error
        return error.code if isinstance(error, ServiceError) else type(error).__name__


EventT = TypeVar("EventT")


class Notify(Generic[EventT]):
    """A pipeline step: call each of ``hooks`` with ``event``, then resume with ``None``.

    The asyncio driver awaits what a hook returns when it is awaitable.
    """

    __slots__ = ("event", "hooks")

    def __init__(self, hooks: tuple[Callable[[EventT], Any], ...], event: EventT) -> None:
        self.hooks = hooks
        self.event = event

    def run(self) -> None:
        """Call the hooks (blocking driver)."""
        event = self.event
        for hook in self.hooks:
            hook(event)

    async def run_async(self) -> None:
        """Call the hooks, awaiting what they return when it is awaitable (asyncio driver)."""
        event = self.event
        for hook in self.hooks:
            result = hook(event)
            if inspect.isawaitable(result):
                await result


class _HookPoints:
    """The registered hooks of one client, by point; what the pipeline reads.

    Each point is a tuple, replaced whole when a hook is added or removed, so a call
    reads it without a lock; each attempt calls the hooks registered when it reaches
    the point.
    """

    _before_sign: tuple[Callable[[BeforeSignEvent], Any], ...]
    _after_sign: tuple[Callable[[AfterSignEvent], Any], ...]
    _after_response: tuple[Callable[[AfterResponseEvent], Any], ...]
    _on_retry: tuple[Callable[[RetryEvent], Any], ...]

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._before_sign = ()
        self._after_sign = ()
        self._after_response = ()
        self._on_retry = ()
        forks.track(self)

    def _after_fork(self) -> None:
        """In a forked child: a new lock (another thread may have held this one)."""
        self._lock = threading.Lock()

    def _check(self, hook: object, point: str) -> None:
        if not callable(hook):
            raise TypeError(f"hooks.{point}: a hook must be callable, got {type(hook).__name__}")

    def _add(self, point: str, hook: Any) -> None:
        self._check(hook, point)
        with self._lock:
            if point == "before_sign":
                self._before_sign = (*self._before_sign, hook)
            elif point == "after_sign":
                self._after_sign = (*self._after_sign, hook)
            elif point == "after_response":
                self._after_response = (*self._after_response, hook)
            else:
                self._on_retry = (*self._on_retry, hook)

    def remove(self, hook: Callable[..., Any]) -> None:
        """Unregister ``hook`` from every point it was registered at.

        Raises:
            ValueError: ``hook`` is not registered.
        """

        def without(registered: tuple[Any, ...]) -> tuple[Any, ...]:
            return tuple(h for h in registered if h is not hook and h != hook)

        with self._lock:
            before = self._count()
            self._before_sign = without(self._before_sign)
            self._after_sign = without(self._after_sign)
            self._after_response = without(self._after_response)
            self._on_retry = without(self._on_retry)
            found = self._count() != before
        if not found:
            raise ValueError(f"hooks.remove: {hook!r} is not registered")

    def _count(self) -> int:
        return (
            len(self._before_sign)
            + len(self._after_sign)
            + len(self._after_response)
            + len(self._on_retry)
        )

    def clear(self) -> None:
        """Unregister every hook."""
        with self._lock:
            self._before_sign = self._after_sign = ()
            self._after_response = self._on_retry = ()

    def __repr__(self) -> str:
        counts = (
            f"before_sign={len(self._before_sign)}, after_sign={len(self._after_sign)}, "
            f"after_response={len(self._after_response)}, on_retry={len(self._on_retry)}"
        )
        return f"{type(self).__name__}({counts})"


@public_home(_HOME)
class Hooks(_HookPoints):
    """The hooks of a ``Client``: register a function per point; each returns it unchanged.

    Use them as decorators or plain calls::

        @client.hooks.after_response
        def record(event: AfterResponseEvent) -> None:
            print(event.operation_name, event.http_status, event.elapsed)

    Hooks run in the thread that makes the call, in the order registered, for every
    attempt of every call of the client (waiter polls and paginator pages included). A
    hook that raises fails the call with its exception. Registering and removing hooks is
    thread-safe; a call already running uses a change from the next point it reaches.
    """

    def _check(self, hook: object, point: str) -> None:
        super()._check(hook, point)
        if inspect.iscoroutinefunction(hook):
            raise TypeError(
                f"hooks.{point}: {getattr(hook, '__name__', hook)!r} is a coroutine function; "
                "a Client calls hooks without awaiting them (use AsyncClient for async hooks)"
            )

    def before_sign(
        self, hook: Callable[[BeforeSignEvent], None]
    ) -> Callable[[BeforeSignEvent], None]:
        """Call ``hook`` before each attempt's request is signed (it may add headers).

        Returns:
            ``hook``, so that this works as a decorator.

        Raises:
            TypeError: ``hook`` is not callable, or is a coroutine function.
        """
        self._add("before_sign", hook)
        return hook

    def after_sign(
        self, hook: Callable[[AfterSignEvent], None]
    ) -> Callable[[AfterSignEvent], None]:
        """Call ``hook`` after each attempt's request is signed, just before it is sent.

        Returns:
            ``hook``, so that this works as a decorator.

        Raises:
            TypeError: ``hook`` is not callable, or is a coroutine function.
        """
        self._add("after_sign", hook)
        return hook

    def after_response(
        self, hook: Callable[[AfterResponseEvent], None]
    ) -> Callable[[AfterResponseEvent], None]:
        """Call ``hook`` when each attempt ends (status, headers, timing, error).

        Returns:
            ``hook``, so that this works as a decorator.

        Raises:
            TypeError: ``hook`` is not callable, or is a coroutine function.
        """
        self._add("after_response", hook)
        return hook

    def on_retry(self, hook: Callable[[RetryEvent], None]) -> Callable[[RetryEvent], None]:
        """Call ``hook`` when an attempt failed and will be retried (reason, delay).

        Returns:
            ``hook``, so that this works as a decorator.

        Raises:
            TypeError: ``hook`` is not callable, or is a coroutine function.
        """
        self._add("on_retry", hook)
        return hook


@public_home(_HOME)
class AsyncHooks(_HookPoints):
    """The hooks of an ``AsyncClient``: plain functions or coroutine functions.

    The client awaits what a hook returns when it is awaitable, so ``async def`` hooks
    work (they run in the calling task, on the event loop: a hook that blocks blocks the
    loop). Otherwise as :class:`Hooks`::

        @client.hooks.after_response
        async def record(event: AfterResponseEvent) -> None:
            await metrics.put(event.operation_name, event.elapsed)
    """

    def before_sign(
        self, hook: Callable[[BeforeSignEvent], Awaitable[None] | None]
    ) -> Callable[[BeforeSignEvent], Awaitable[None] | None]:
        """Call ``hook`` before each attempt's request is signed (it may add headers).

        Returns:
            ``hook``, so that this works as a decorator.

        Raises:
            TypeError: ``hook`` is not callable.
        """
        self._add("before_sign", hook)
        return hook

    def after_sign(
        self, hook: Callable[[AfterSignEvent], Awaitable[None] | None]
    ) -> Callable[[AfterSignEvent], Awaitable[None] | None]:
        """Call ``hook`` after each attempt's request is signed, just before it is sent.

        Returns:
            ``hook``, so that this works as a decorator.

        Raises:
            TypeError: ``hook`` is not callable.
        """
        self._add("after_sign", hook)
        return hook

    def after_response(
        self, hook: Callable[[AfterResponseEvent], Awaitable[None] | None]
    ) -> Callable[[AfterResponseEvent], Awaitable[None] | None]:
        """Call ``hook`` when each attempt ends (status, headers, timing, error).

        Returns:
            ``hook``, so that this works as a decorator.

        Raises:
            TypeError: ``hook`` is not callable.
        """
        self._add("after_response", hook)
        return hook

    def on_retry(
        self, hook: Callable[[RetryEvent], Awaitable[None] | None]
    ) -> Callable[[RetryEvent], Awaitable[None] | None]:
        """Call ``hook`` when an attempt failed and will be retried (reason, delay).

        Returns:
            ``hook``, so that this works as a decorator.

        Raises:
            TypeError: ``hook`` is not callable.
        """
        self._add("on_retry", hook)
        return hook
