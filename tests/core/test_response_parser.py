"""The sans-I/O response parser both transports feed: same answer however bytes arrive.

``_parse_response`` returns the parsed response when its first buffer holds all of it, or
a generator to feed with what arrives next. These tests feed it directly, with no socket.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microvm_sdk._core.transport import _BadResponseError, _parse_response

Parsed = tuple[int, dict[str, str], bytes, bool]


def feed(chunks: Sequence[bytes], head_only: bool = False) -> Parsed:
    """Parse a response arriving as ``chunks`` (then end of stream)."""
    pending = list(chunks)
    parsed = _parse_response(pending.pop(0), head_only)
    if isinstance(parsed, tuple):
        return parsed
    try:
        want = next(parsed)
        while True:
            chunk = pending.pop(0) if pending else b""
            assert len(chunk) <= want
            want = parsed.send(chunk)
    except StopIteration as done:
        result: Parsed = done.value
        return result


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} - {0})
    pieces, start = [], 0
    for point in points:
        pieces.append(data[start:point])
        start = point
    pieces.append(data[start:])
    return [p for p in pieces if p] or [data]


def bytewise(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


LENGTH = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello"
CHUNKED = (
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n"
)
INTERIM = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n" + LENGTH
TO_CLOSE = b"HTTP/1.0 200 OK\r\n\r\nuntil the end"
RESPONSES = [LENGTH, CHUNKED, INTERIM, TO_CLOSE]


def test_a_whole_response_is_parsed_without_a_generator() -> None:
    assert _parse_response(LENGTH, False) == (
        200,
        {"content-length": "5", "x-a": "1"},
        b"hello",
        True,
    )


@pytest.mark.parametrize("response", RESPONSES)
def test_byte_by_byte_gives_the_same_answer(response: bytes) -> None:
    assert feed(bytewise(response)) == feed([response])


@given(st.sampled_from(RESPONSES), st.lists(st.integers(min_value=0), max_size=12))
def test_any_split_gives_the_same_answer(response: bytes, cuts: list[int]) -> None:
    assert feed(split(response, cuts)) == feed([response])


def test_many_interim_responses_arriving_one_by_one_do_not_nest() -> None:
    chunks = [b"HTTP/1.1 100 Continue\r\n\r\n"] * 5000 + [LENGTH]
    assert feed(chunks)[2] == b"hello"


def test_a_head_that_never_ends_is_refused() -> None:
    trickle = [b"HTTP/1.1 200 OK\r\n"] + [b"X-Pad: " + b"a" * 1000 + b"\r\n"] * 70
    with pytest.raises(_BadResponseError, match="head too long"):
        feed(trickle)


def test_a_large_head_trickled_byte_by_byte_is_parsed() -> None:
    head = b"HTTP/1.1 204 No Content\r\n" + b"X-Pad: " + b"a" * 60_000 + b"\r\n\r\n"
    status, headers, body, keep = feed(bytewise(head))
    assert (status, len(headers["x-pad"]), body, keep) == (204, 60_000, b"", True)


@pytest.mark.parametrize(
    ("chunks", "message"),
    [
        ([b"HTTP/1.1 200 OK\r\nContent-Le"], "inside the response head"),
        ([b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"], "after 3 of 10"),
        ([b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"], "chunked body"),
    ],
)
def test_a_response_cut_short_is_an_error(chunks: list[bytes], message: str) -> None:
    with pytest.raises(_BadResponseError, match=message):
        feed(chunks)


def test_head_only_ignores_the_announced_body() -> None:
    assert feed([b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"], head_only=True) == (
        200,
        {"content-length": "100"},
        b"",
        True,
    )
