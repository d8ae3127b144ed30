"""Run tests written once, in blocking style, against the blocking and the asyncio flavour.

The asyncio objects are wrapped in facades that look like their blocking twins: each
coroutine they return is run to completion on one :class:`asyncio.Runner` (one event
loop per test), and each async iterator is iterated step by step on it. A test written
against ``Client`` (or ``Paginator``) then runs unchanged against ``AsyncClient`` (or
``AsyncPaginator``) through the facade.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

FLAVOURS = ("sync", "async")


def run(runner: asyncio.Runner, awaitable: Any) -> Any:
    """Run ``awaitable`` (a coroutine or any awaitable) to completion on ``runner``."""
    if inspect.iscoroutine(awaitable):
        return runner.run(awaitable)

    async def wait() -> Any:
        return await awaitable

    return runner.run(wait())


def iterate(runner: asyncio.Runner, iterator: AsyncIterator[T]) -> Iterator[T]:
    """Iterate an async iterator from blocking code, one ``__anext__`` at a time."""
    while True:
        try:
            item = run(runner, anext(iterator))
        except StopAsyncIteration:
            return
        yield item


class PaginatorFacade:
    """An ``AsyncPaginator`` that iterates like a ``Paginator``."""

    def __init__(self, runner: asyncio.Runner, paginator: Any) -> None:
        self._runner = runner
        self.inner = paginator

    def __iter__(self) -> Iterator[Any]:
        return self.pages()

    def pages(self) -> Iterator[Any]:
        return iterate(self._runner, self.inner.pages())

    def items(self) -> Iterator[Any]:
        return iterate(self._runner, self.inner.items())

    def __getattr__(self, name: str) -> Any:  # resume_token, page_size, max_items
        return getattr(self.inner, name)


class ClientFacade:
    """An ``AsyncClient`` that is called like a ``Client``.

    Coroutine methods are run to completion, ``paginate_*`` methods return a
    :class:`PaginatorFacade`, and ``with`` enters and leaves the async context manager.
    Everything else (``region``, ``config``, ``_runtime`` ...) is the client's own.
    """

    def __init__(self, runner: asyncio.Runner, client: Any) -> None:
        self._runner = runner
        self.inner = client

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.inner, name)
        if name.startswith("paginate_"):
            return lambda *args, **kwargs: PaginatorFacade(self._runner, value(*args, **kwargs))
        if inspect.iscoroutinefunction(value):
            return lambda *args, **kwargs: run(self._runner, value(*args, **kwargs))
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("_runner", "inner"):
            object.__setattr__(self, name, value)
        else:
            setattr(self.inner, name, value)

    def __enter__(self) -> ClientFacade:
        run(self._runner, self.inner.__aenter__())
        return self

    def __exit__(self, *exc_info: Any) -> None:
        run(self._runner, self.inner.__aexit__(*exc_info))

    def __repr__(self) -> str:
        return repr(self.inner)


class TransportFacade:
    """An ``AsyncStreamTransport`` that is called like an ``HttpClientTransport``."""

    def __init__(self, runner: asyncio.Runner, transport: Any) -> None:
        self._runner = runner
        self.inner = transport

    def send(self, request: Any) -> Any:
        return run(self._runner, self.inner.send_async(request))

    def close(self) -> None:
        run(self._runner, self.inner.aclose())

    def __getattr__(self, name: str) -> Any:  # _idle_count, _resolve, _pools ...
        return getattr(self.inner, name)


class AsyncSleepRecorder:
    """Stands in for ``asyncio.sleep`` between attempts: hands delays to a blocking recorder."""

    def __init__(self, record: Callable[[float], None]) -> None:
        self._record = record

    async def __call__(self, seconds: float) -> None:
        self._record(seconds)


def without_sleeps(client: Any, record: Callable[[float], None]) -> Any:
    """Make ``client`` (or its facade) hand its retry delays to ``record`` instead of sleeping."""
    runtime = client._runtime
    runtime._sleep = AsyncSleepRecorder(record) if isinstance(client, ClientFacade) else record
    return client
