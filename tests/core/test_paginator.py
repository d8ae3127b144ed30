"""The paginator engine: laziness, tokens, max_items, resume tokens.

Every test runs twice: against :class:`Paginator`, and against :class:`AsyncPaginator`
iterated through a blocking facade (the ``flavour`` fixture swaps the name
``Paginator`` used below).
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import attrs
import pytest
from flavours import FLAVOURS, PaginatorFacade

from microvm_sdk._core.errors import PaginationError
from microvm_sdk._core.paginator import (
    AsyncPaginator,
    Paginator,
    decode_resume_token,
    encode_resume_token,
)


@attrs.frozen
class Page:
    items: tuple[str, ...]
    next_token: str | None = None


class FakeService:
    """Serves ``count`` items ``i0, i1, ...`` in pages of ``page_size`` (default 3).

    Tokens are ``t<offset>``; every request is recorded.
    """

    def __init__(self, count: int, default_page_size: int = 3) -> None:
        self.data = [f"i{n}" for n in range(count)]
        self.default = default_page_size
        self.calls: list[tuple[str | None, int | None]] = []

    def fetch(self, token: str | None, page_size: int | None) -> Page:
        self.calls.append((token, page_size))
        offset = 0 if token is None else int(token[1:])
        size = page_size or self.default
        chunk = tuple(self.data[offset : offset + size])
        end = offset + size
        return Page(chunk, f"t{end}" if end < len(self.data) else None)


@pytest.fixture(autouse=True, params=FLAVOURS)
def flavour(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run the test with ``Paginator``, then with ``AsyncPaginator`` behind a facade."""
    if request.param == "async":
        with asyncio.Runner() as runner:

            def make(fetch: Callable[[str | None, int | None], Any], **options: Any) -> Any:
                async def fetch_async(token: str | None, size: int | None) -> Any:
                    return fetch(token, size)

                return PaginatorFacade(runner, AsyncPaginator(fetch_async, **options))

            monkeypatch.setitem(globals(), "Paginator", make)
            yield "async"
    else:
        yield "sync"


def paginator(service: FakeService, **options: object) -> Paginator[Page, str]:
    return Paginator(
        service.fetch,
        get_token=lambda page: page.next_token,
        get_items=lambda page: page.items,
        set_items=lambda page, items: attrs.evolve(page, items=tuple(items)),
        **options,  # type: ignore[arg-type]
    )


def test_nothing_is_fetched_until_iteration_starts() -> None:
    service = FakeService(7)
    pages = paginator(service)
    iterator = pages.pages()
    items = pages.items()
    assert service.calls == []
    next(iterator)
    assert service.calls == [(None, None)]
    del items


def test_pages_are_fetched_one_at_a_time() -> None:
    service = FakeService(7)
    iterator = iter(paginator(service))
    assert next(iterator).items == ("i0", "i1", "i2")
    assert len(service.calls) == 1
    assert next(iterator).items == ("i3", "i4", "i5")
    assert len(service.calls) == 2


def test_iterating_the_paginator_yields_every_page_then_stops() -> None:
    service = FakeService(7)
    pages = list(paginator(service))
    assert [p.items for p in pages] == [("i0", "i1", "i2"), ("i3", "i4", "i5"), ("i6",)]
    assert service.calls == [(None, None), ("t3", None), ("t6", None)]


def test_items_flattens_pages() -> None:
    service = FakeService(7)
    assert list(paginator(service).items()) == [f"i{n}" for n in range(7)]


def test_page_size_is_passed_to_every_fetch() -> None:
    service = FakeService(5)
    assert len(list(paginator(service, page_size=2))) == 3
    assert service.calls == [(None, 2), ("t2", 2), ("t4", 2)]


@pytest.mark.parametrize("last_token", [None, ""])
def test_missing_or_empty_token_ends_the_iteration(last_token: str | None) -> None:
    pages = {None: Page(("a",), "x"), "x": Page(("b",), last_token)}
    calls: list[str | None] = []

    def fetch(token: str | None, size: int | None) -> Page:
        calls.append(token)
        return pages[token]

    result = Paginator(fetch, get_token=lambda p: p.next_token, get_items=lambda p: p.items)
    assert list(result.items()) == ["a", "b"]
    assert calls == [None, "x"]
    assert result.resume_token is None


def test_empty_pages_in_the_middle_are_followed() -> None:
    pages = {None: Page((), "x"), "x": Page(("b",), None)}
    result = Paginator(
        lambda token, size: pages[token],
        get_token=lambda p: p.next_token,
        get_items=lambda p: p.items,
    )
    assert [p.items for p in result.pages()] == [(), ("b",)]
    assert list(result.items()) == ["b"]


@pytest.mark.parametrize(
    "tokens",
    [
        ["a", "a"],  # repeated at once
        ["a", "b", "a"],  # a loop
        ["start"],  # the token just sent comes back
    ],
)
def test_a_repeated_token_raises(tokens: list[str]) -> None:
    answers = iter(tokens)

    def fetch(token: str | None, size: int | None) -> Page:
        return Page(("x",), next(answers))

    result = Paginator(
        fetch,
        get_token=lambda p: p.next_token,
        get_items=lambda p: p.items,
        starting_token="start",
    )
    with pytest.raises(PaginationError, match="twice"):
        list(result.items())


def test_each_iteration_starts_afresh() -> None:
    service = FakeService(4)
    result = paginator(service)
    assert list(result.items()) == list(result.items())


# --- max_items and resume tokens ------------------------------------------------------


def test_max_items_caps_items_and_stops_fetching() -> None:
    service = FakeService(10)
    result = paginator(service, max_items=4)
    assert list(result.items()) == ["i0", "i1", "i2", "i3"]
    assert service.calls == [(None, None), ("t3", None)]


def test_max_items_on_a_page_boundary_fetches_no_extra_page() -> None:
    service = FakeService(10)
    result = paginator(service, max_items=3)
    assert list(result.items()) == ["i0", "i1", "i2"]
    assert service.calls == [(None, None)]
    assert result.resume_token is not None
    assert decode_resume_token(result.resume_token) == ("t3", 0)


def test_max_items_truncates_the_last_page_with_set_items() -> None:
    service = FakeService(10)
    pages = list(paginator(service, max_items=4).pages())
    assert [p.items for p in pages] == [("i0", "i1", "i2"), ("i3",)]
    assert pages[1].next_token == "t6"  # the rest of the page is unchanged


def test_pages_with_max_items_needs_set_items() -> None:
    service = FakeService(10)
    result = Paginator(
        service.fetch,
        get_token=lambda p: p.next_token,
        get_items=lambda p: p.items,
        max_items=2,
    )
    with pytest.raises(ValueError, match="set_items"):
        result.pages()
    assert list(result.items()) == ["i0", "i1"]  # items() does not need it


def test_max_items_zero_fetches_nothing() -> None:
    service = FakeService(10)
    assert list(paginator(service, max_items=0).items()) == []
    assert service.calls == []


def test_max_items_larger_than_the_results() -> None:
    service = FakeService(5)
    result = paginator(service, max_items=50)
    assert len(list(result.items())) == 5
    assert result.resume_token is None


def test_negative_max_items_is_rejected() -> None:
    with pytest.raises(ValueError):
        paginator(FakeService(1), max_items=-1)


@pytest.mark.parametrize("chunk", [1, 2, 3, 4, 5, 7])
@pytest.mark.parametrize("page_size", [2, 3, 4])
def test_resume_token_round_trip_visits_every_item_once(chunk: int, page_size: int) -> None:
    service = FakeService(17)
    seen: list[str] = []
    token: str | None = None
    rounds = 0
    while True:
        result = paginator(service, max_items=chunk, page_size=page_size, starting_token=token)
        got = list(result.items())
        seen += got
        token = result.resume_token
        rounds += 1
        if token is None:
            break
        assert len(got) == chunk
    assert seen == service.data
    assert rounds == -(-17 // chunk)  # no empty last round: the end is known
    assert all(size == page_size for _, size in service.calls)


@pytest.mark.parametrize("chunk", [1, 2, 4])
def test_resume_token_round_trip_with_pages(chunk: int) -> None:
    service = FakeService(10)
    seen: list[str] = []
    token: str | None = None
    while True:
        result = paginator(service, max_items=chunk, starting_token=token)
        for page in result.pages():
            seen += page.items
        token = result.resume_token
        if token is None:
            break
    assert seen == service.data


def test_resume_token_follows_a_break_out_of_items() -> None:
    service = FakeService(10)
    result = paginator(service)
    for item in result.items():
        if item == "i4":
            break
    assert result.resume_token is not None
    assert decode_resume_token(result.resume_token) == ("t3", 2)
    rest = paginator(service, starting_token=result.resume_token)
    assert list(rest.items()) == ["i5", "i6", "i7", "i8", "i9"]


def test_resume_token_after_the_last_item_of_a_page_points_at_the_next_page() -> None:
    service = FakeService(10)
    result = paginator(service)
    for item in result.items():
        if item == "i2":
            break
    assert result.resume_token is not None
    assert decode_resume_token(result.resume_token) == ("t3", 0)
    assert len(service.calls) == 1


def test_resume_token_follows_a_break_out_of_pages() -> None:
    service = FakeService(10)
    result = paginator(service)
    for _ in result.pages():
        break
    assert result.resume_token is not None
    assert decode_resume_token(result.resume_token) == ("t3", 0)


def test_resume_token_in_the_first_page_has_no_service_token() -> None:
    service = FakeService(10)
    result = paginator(service, max_items=2)
    list(result.items())
    assert result.resume_token is not None
    assert decode_resume_token(result.resume_token) == (None, 2)
    resumed = paginator(service, starting_token=result.resume_token, max_items=2)
    assert list(resumed.items()) == ["i2", "i3"]
    assert service.calls[-2:] == [(None, None), ("t3", None)]


def test_a_service_token_is_accepted_as_starting_token() -> None:
    service = FakeService(10)
    result = paginator(service, starting_token="t6")
    assert list(result.items()) == ["i6", "i7", "i8", "i9"]


def test_resume_token_before_iteration() -> None:
    assert paginator(FakeService(3)).resume_token is None
    token = encode_resume_token("t3", 1)
    assert paginator(FakeService(3), starting_token=token).resume_token == token


def test_mid_page_start_needs_set_items_for_pages() -> None:
    service = FakeService(10)
    result = Paginator(
        service.fetch,
        get_token=lambda p: p.next_token,
        get_items=lambda p: p.items,
        starting_token=encode_resume_token("t3", 1),
    )
    with pytest.raises(ValueError, match="set_items"):
        result.pages()
    assert list(result.items())[:2] == ["i4", "i5"]


def test_mid_page_start_yields_a_partial_first_page() -> None:
    service = FakeService(10)
    start = encode_resume_token("t3", 1)
    pages = list(paginator(service, starting_token=start).pages())
    assert [p.items for p in pages] == [("i4", "i5"), ("i6", "i7", "i8"), ("i9",)]


@pytest.mark.parametrize("token", [None, "", "abc", "tok with spaces/+=:", "ünïcode"])
@pytest.mark.parametrize("skip", [0, 1, 49])
def test_resume_token_encoding_round_trips(token: str | None, skip: int) -> None:
    encoded = encode_resume_token(token, skip)
    assert encoded.startswith("pgv1:")
    assert decode_resume_token(encoded) == (token, skip)
    assert "=" not in encoded


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "bad",
    [
        "pgv1:!!!",
        "pgv1:" + "bm90IGpzb24",  # "not json"
        "pgv1:" + b64(b'["t",-1]'),
        "pgv1:" + b64(b'["t",1.5]'),
        "pgv1:" + b64(b'["t",true]'),
        "pgv1:" + b64(b"[1,2]"),
        "pgv1:" + b64(b'["t",1,2]'),
        "pgv1:" + b64(b'{"a":1}'),
    ],
)
def test_malformed_resume_tokens_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="malformed"):
        decode_resume_token(bad)
    with pytest.raises(ValueError):
        paginator(FakeService(1), starting_token=bad)


def test_items_are_typed_sequences() -> None:
    def fetch(token: str | None, size: int | None) -> Sequence[int]:
        return [1, 2, 3]

    result: Paginator[Sequence[int], int] = Paginator(
        fetch, get_token=lambda page: None, get_items=lambda page: page
    )
    assert sum(result.items()) == 6


def test_the_async_paginator_cannot_be_iterated_synchronously(flavour: str) -> None:
    async def fetch(token: str | None, size: int | None) -> Page:
        return Page(("a",))

    paginator = AsyncPaginator(fetch, get_token=lambda p: p.next_token, get_items=lambda p: p.items)
    with pytest.raises(TypeError):
        iter(paginator)  # type: ignore[call-overload]


def test_leaving_an_async_for_early_keeps_the_resume_token(flavour: str) -> None:
    service = FakeService(7)

    async def fetch(token: str | None, size: int | None) -> Page:
        return service.fetch(token, size)

    async def take_four() -> tuple[list[str], str | None]:
        paginator = AsyncPaginator(
            fetch, get_token=lambda p: p.next_token, get_items=lambda p: p.items
        )
        taken: list[str] = []
        async for item in paginator.items():
            taken.append(item)
            if len(taken) == 4:
                break
        return taken, paginator.resume_token

    taken, token = asyncio.run(take_four())
    assert taken == ["i0", "i1", "i2", "i3"]
    assert service.calls == [(None, None), ("t3", None)]  # nothing fetched past the break
    assert token is not None
    assert decode_resume_token(token) == ("t3", 1)
