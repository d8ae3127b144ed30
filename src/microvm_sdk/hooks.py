"""Hooks: your functions, called at fixed points of every attempt of every call.

``client.hooks`` is a :class:`Hooks` (``Client``) or an :class:`AsyncHooks`
(``AsyncClient``, whose hooks may be coroutine functions). Register a function per point;
each registration returns the function, so they work as decorators::

    from microvm_sdk import Client
    from microvm_sdk.hooks import AfterResponseEvent

    client = Client(region_name="us-east-1")


    @client.hooks.after_response
    def record(event: AfterResponseEvent) -> None:
        print(event.operation_name, event.attempt, event.http_status, f"{event.elapsed:.3f}s")

The points, in the order an attempt meets them:

* ``before_sign(BeforeSignEvent)``: add or change headers; they are signed;
* ``after_sign(AfterSignEvent)``: the request exactly as it will be sent;
* ``after_response(AfterResponseEvent)``: status, headers, request id, timing, error;
* ``on_retry(RetryEvent)``: why the attempt failed and how long until the next.

A hook that raises fails the call with its exception. docs/production.md has a metrics
example.
"""

from microvm_sdk._core.hooks import (
    AfterResponseEvent,
    AfterSignEvent,
    AsyncHooks,
    BeforeSignEvent,
    Hooks,
    RetryEvent,
)

__all__ = [
    "AfterResponseEvent",
    "AfterSignEvent",
    "AsyncHooks",
    "BeforeSignEvent",
    "Hooks",
    "RetryEvent",
]
