"""Typed, lazy paginators over token-paginated list operations.

:class:`Paginator` (blocking) and :class:`AsyncPaginator` (asyncio) know nothing about
the operation they page through: the generated client hands them three functions, one
that fetches a page for a token and a page size, and two that read the next token and
the items off a page. Both run the same pure :class:`_Cursor`, which decides what to fetch
next, checks tokens and trims pages; each only adds a loop of a few lines that fetches.

Resume tokens
-------------
After an iteration stops, early or because of ``max_items``, :attr:`Paginator.resume_token`
tells where the next item is, and passing it back as ``starting_token`` continues from
exactly that item. It is an opaque string: ``"pgv1:"`` followed by the URL-safe base64
(without padding) of the compact JSON array ``[service_token, skip]``, where
``service_token`` is the token that fetches the page holding the next item (``null`` for
the first page) and ``skip`` how many items of that page were already consumed. A page is
re-fetched with the same token to resume in its middle, so resume with the same
``page_size`` (as with botocore's resume tokens). A ``starting_token`` without the prefix
is taken to be a service token, used as is.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING, Generic, TypeVar

import attrs

from microvm_sdk._core.errors import PaginationError, ParamValidationError
from microvm_sdk._core.limits import count_problem
from microvm_sdk._core.public import public_home

if TYPE_CHECKING:
    from microvm_sdk._core.tracing import PageTrace

__all__ = ["AsyncPaginator", "Paginator", "decode_resume_token", "encode_resume_token"]

PageT = TypeVar("PageT")
ItemT = TypeVar("ItemT")

_PREFIX = "pgv1:"


def encode_resume_token(service_token: str | None, skip: int) -> str:
    """Encode a position in the results as an opaque resume token.

    Args:
        service_token: The service token that fetches the page holding the next item,
            or ``None`` for the first page.
        skip: How many items of that page were already consumed.

    Returns:
        The resume token (see the module documentation for its format).
    """
    payload = json.dumps([service_token, skip], separators=(",", ":")).encode()
    return _PREFIX + base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_resume_token(token: str) -> tuple[str | None, int]:
    """Decode a resume token into ``(service_token, skip)``.

    A string that is not a resume token is a service token: ``(token, 0)``.

    Args:
        token: A resume token or a service token.

    Raises:
        ValueError: ``token`` has the resume-token prefix but is malformed.
    """
    if not token.startswith(_PREFIX):
        return token, 0
    body = token[len(_PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise ParamValidationError([f"starting_token: malformed resume token {token!r}"]) from exc
    if (
        isinstance(value, list)
        and len(value) == 2
        and (value[0] is None or isinstance(value[0], str))
        and type(value[1]) is int
        and value[1] >= 0
    ):
        return value[0], value[1]
    raise ParamValidationError([f"starting_token: malformed resume token {token!r}"])


@attrs.frozen(slots=True)
class _Slice(Generic[PageT, ItemT]):
    """One fetched page and the part of it this iteration hands out."""

    page: PageT
    token: str | None  # the token the page was fetched with
    next_token: str | None
    items: Sequence[ItemT]
    start: int  # index of the first item handed out
    stop: int  # index past the last item handed out

    @property
    def whole(self) -> bool:
        return self.start == 0 and self.stop == len(self.items)

    def position_after(self, index: int) -> tuple[str | None, int] | None:
        """Where the next item is once items before ``index`` are consumed."""
        if index < len(self.items):
            return self.token, index
        if self.next_token is None:
            return None
        return self.next_token, 0


class _Cursor(Generic[PageT, ItemT]):
    """Where one iteration is: what to fetch next, and what part of a page to hand out."""

    __slots__ = ("_get_items", "_get_token", "_remaining", "_seen", "_skip", "_token", "done")

    def __init__(
        self,
        start: tuple[str | None, int],
        max_items: int | None,
        get_token: Callable[[PageT], str | None],
        get_items: Callable[[PageT], Sequence[ItemT]],
    ) -> None:
        self._token, self._skip = start
        self._remaining = max_items
        self._seen: set[str] = set() if self._token is None else {self._token}
        self._get_token = get_token
        self._get_items = get_items
        self.done = max_items is not None and max_items <= 0

    @property
    def token(self) -> str | None:
        """The token to fetch the next page with (``None`` for the first page)."""
        return self._token

    def accept(self, page: PageT) -> _Slice[PageT, ItemT]:
        """Take the page fetched with :attr:`token`; return the part to hand out.

        Raises:
            PaginationError: The service returned a token it had already returned.
        """
        items = self._get_items(page)
        next_token = self._get_token(page) or None
        if next_token is not None:
            if next_token in self._seen:
                raise PaginationError(
                    f"the service returned the pagination token {next_token!r} twice"
                )
            self._seen.add(next_token)
        remaining = self._remaining
        start = min(self._skip, len(items))
        stop = len(items) if remaining is None else min(len(items), start + remaining)
        piece = _Slice(page, self._token, next_token, items, start, stop)
        if remaining is not None:
            remaining = self._remaining = remaining - (stop - start)
        self._token, self._skip = next_token, 0
        self.done = (
            stop < len(items) or next_token is None or (remaining is not None and remaining <= 0)
        )
        return piece


class _PaginatorBase(Generic[PageT, ItemT]):
    """What both paginators share: arguments, the cursor, the resume token, page trimming."""

    def __init__(
        self,
        *,
        get_token: Callable[[PageT], str | None],
        get_items: Callable[[PageT], Sequence[ItemT]],
        set_items: Callable[[PageT, Sequence[ItemT]], PageT] | None,
        page_size: int | None,
        max_items: int | None,
        starting_token: str | None,
    ) -> None:
        problems = [
            f"{name}: {problem}"
            for name, value, minimum in (("page_size", page_size, 1), ("max_items", max_items, 0))
            if value is not None and (problem := count_problem(value, minimum, None)) is not None
        ]
        if starting_token is not None and (
            not isinstance(starting_token, str) or not starting_token
        ):
            got = "''" if isinstance(starting_token, str) else type(starting_token).__name__
            problems.append(
                "starting_token: must be a non-empty string (a resume_token, or the service's "
                f"next token), got {got}"
            )
        if problems:
            raise ParamValidationError(problems)
        self._get_token = get_token
        self._get_items = get_items
        self._set_items = set_items
        self.page_size = page_size
        self.max_items = max_items
        self._start: tuple[str | None, int] = (
            (None, 0) if starting_token is None else decode_resume_token(starting_token)
        )
        self._position: tuple[str | None, int] | None = self._start
        #: Makes the span of one walk (the client sets it; ``None``: no spans).
        self._trace: Callable[[], PageTrace | None] | None = None

    @property
    def resume_token(self) -> str | None:
        """Where the last iteration stopped, as a ``starting_token`` to continue from.

        ``None`` when the last iteration reached the end of the results (or, before any
        iteration, when the paginator starts at the beginning). It follows the caller:
        after ``break``-ing out of :meth:`items`, it points at the item after the last
        one handed out; out of :meth:`pages`, at the page after the last one.
        """
        if self._position is None or self._position == (None, 0):
            return None
        return encode_resume_token(*self._position)

    def _cursor(self) -> _Cursor[PageT, ItemT]:
        self._position = self._start
        return _Cursor(self._start, self.max_items, self._get_token, self._get_items)

    def _check_pages(self) -> None:
        if self._set_items is None and (self.max_items is not None or self._start[1] > 0):
            raise ValueError("set_items is required to page with max_items or a mid-page token")

    def _page(self, piece: _Slice[PageT, ItemT]) -> PageT:
        """The page to hand out for ``piece`` (a trimmed copy when only part of it is)."""
        page = piece.page
        if not piece.whole:
            assert self._set_items is not None  # checked by _check_pages()
            page = self._set_items(page, piece.items[piece.start : piece.stop])
        self._position = piece.position_after(piece.stop)
        return page

    def _items(self, piece: _Slice[PageT, ItemT]) -> Iterator[ItemT]:
        """The items to hand out for ``piece``, keeping the resume position current."""
        self._position = piece.position_after(piece.start)
        for index in range(piece.start, piece.stop):
            self._position = piece.position_after(index + 1)
            yield piece.items[index]


@public_home("microvm_sdk.paginators")
class Paginator(_PaginatorBase[PageT, ItemT]):
    """Pages through a token-paginated operation, lazily.

    No request is sent until iteration starts, and each page is fetched only when the
    previous one has been consumed. Iterating the paginator itself yields pages.

    Args:
        fetch: Fetches the page for ``(token, page_size)``.
            ``token`` is ``None`` for the first page and ``page_size`` is the
            ``page_size`` given here.
        get_token: Returns a page's next token; ``None`` or ``""`` ends the iteration.
        get_items: Returns the items of a page.
        set_items: Returns a copy of a page holding only the given items.
            For example ``lambda page, items: attrs.evolve(page, items=items)``; used when
            :meth:`pages` hands out part of a page. :meth:`pages` raises ``ValueError``
            without it when ``max_items`` is set or ``starting_token`` points into the
            middle of a page; :meth:`items` never needs it.
        page_size: Items per page to ask the service for; ``None`` lets it choose.
        max_items: The most items an iteration hands out, over all pages.
        starting_token: Where to start: a :attr:`resume_token` or a service token.

    Raises:
        ParamValidationError: An option is outside its range or malformed.
            ``page_size`` must be an integer >= 1, ``max_items`` an integer >= 0, and
            ``starting_token`` a non-empty resume or service token (it is a ``ValueError``).
    """

    def __init__(
        self,
        fetch: Callable[[str | None, int | None], PageT],
        *,
        get_token: Callable[[PageT], str | None],
        get_items: Callable[[PageT], Sequence[ItemT]],
        set_items: Callable[[PageT, Sequence[ItemT]], PageT] | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        starting_token: str | None = None,
    ) -> None:
        super().__init__(
            get_token=get_token,
            get_items=get_items,
            set_items=set_items,
            page_size=page_size,
            max_items=max_items,
            starting_token=starting_token,
        )
        self._fetch = fetch

    def __iter__(self) -> Iterator[PageT]:
        return self.pages()

    def pages(self) -> Iterator[PageT]:
        """Iterate over the pages, fetching each when the previous one is consumed.

        A page of which only part is handed out (``max_items``, or a resume token in the
        middle of a page) is a copy made by ``set_items`` that holds only those items.

        Raises:
            PaginationError: The service returned a token it had already returned.
            ValueError: ``set_items`` is needed and was not given.
                It is needed when ``max_items`` is set or the starting token points into
                the middle of a page.
        """
        self._check_pages()
        return (self._page(piece) for piece in self._walk())

    def items(self) -> Iterator[ItemT]:
        """Iterate over the items of every page, fetching pages as they are needed.

        Raises:
            PaginationError: The service returned a token it had already returned.
        """
        for piece in self._walk():
            yield from self._items(piece)

    def _walk(self) -> Iterator[_Slice[PageT, ItemT]]:
        cursor = self._cursor()
        trace = None if self._trace is None else self._trace()
        if trace is None:
            while not cursor.done:
                yield cursor.accept(self._fetch(cursor.token, self.page_size))
            return
        try:
            while not cursor.done:
                with trace.fetching():
                    page = self._fetch(cursor.token, self.page_size)
                yield cursor.accept(page)
        except BaseException as error:
            trace.end(error)
            raise
        trace.end(None)


@public_home("microvm_sdk.paginators")
class AsyncPaginator(_PaginatorBase[PageT, ItemT]):
    """Pages through a token-paginated operation, lazily, with asyncio.

    :class:`Paginator` for ``async for``: iterating it yields pages, :meth:`items` yields
    items, and resume tokens work the same way. It has no ``__iter__``, so a plain
    ``for`` over it is a type error. No request is sent until iteration starts, and
    leaving an ``async for`` early leaves no request in flight.

    Args:
        fetch: Coroutine function fetching the page for ``(token, page_size)``.
        get_token: Returns a page's next token; ``None`` or ``""`` ends the iteration.
        get_items: Returns the items of a page.
        set_items: Returns a copy of a page holding only the given items.
            See :class:`Paginator`.
        page_size: Items per page to ask the service for; ``None`` lets it choose.
        max_items: The most items an iteration hands out, over all pages.
        starting_token: Where to start: a :attr:`resume_token` or a service token.

    Raises:
        ParamValidationError: An option is outside its range or malformed.
            ``page_size`` must be an integer >= 1, ``max_items`` an integer >= 0, and
            ``starting_token`` a non-empty resume or service token (it is a ``ValueError``).
    """

    def __init__(
        self,
        fetch: Callable[[str | None, int | None], Awaitable[PageT]],
        *,
        get_token: Callable[[PageT], str | None],
        get_items: Callable[[PageT], Sequence[ItemT]],
        set_items: Callable[[PageT, Sequence[ItemT]], PageT] | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        starting_token: str | None = None,
    ) -> None:
        super().__init__(
            get_token=get_token,
            get_items=get_items,
            set_items=set_items,
            page_size=page_size,
            max_items=max_items,
            starting_token=starting_token,
        )
        self._fetch = fetch

    def __aiter__(self) -> AsyncIterator[PageT]:
        return self.pages()

    def pages(self) -> AsyncIterator[PageT]:
        """Iterate over the pages, fetching each when the previous one is consumed.

        Raises:
            PaginationError: The service returned a token it had already returned.
            ValueError: ``set_items`` is needed and was not given.
                It is needed when ``max_items`` is set or the starting token points into
                the middle of a page.
        """
        self._check_pages()
        return self._pages()

    async def _pages(self) -> AsyncIterator[PageT]:
        # Closing this generator (``aclosing``, or leaving ``async for`` and collecting
        # it) closes the walk at once, which ends its span.
        async with aclosing(self._walk()) as walk:
            async for piece in walk:
                yield self._page(piece)

    async def items(self) -> AsyncIterator[ItemT]:
        """Iterate over the items of every page, fetching pages as they are needed.

        Raises:
            PaginationError: The service returned a token it had already returned.
        """
        async with aclosing(self._walk()) as walk:
            async for piece in walk:
                for item in self._items(piece):
                    yield item

    async def _walk(self) -> AsyncGenerator[_Slice[PageT, ItemT], None]:
        cursor = self._cursor()
        trace = None if self._trace is None else self._trace()
        if trace is None:
            while not cursor.done:
                yield cursor.accept(await self._fetch(cursor.token, self.page_size))
            return
        try:
            while not cursor.done:
                with trace.fetching():
                    page = await self._fetch(cursor.token, self.page_size)
                yield cursor.accept(page)
        except BaseException as error:
            trace.end(error)
            raise
        trace.end(None)
