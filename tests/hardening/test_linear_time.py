"""Every function that reads response bytes runs in linear time, whatever their shape.

A server (or anything between it and the client) chooses the bytes; none of them may
make the client spend more than linear time: not the error excerpt (which used a
backtracking pattern: a 160 KB page of ``<`` cost 27 s of CPU), not the header parser
(a field repeated ten thousand times was copied ten thousand times), not JSON, error
codes, ``Retry-After`` or chunked bodies. Each check builds an input of adversarial
shape at two sizes, ten times apart, and asserts the cost grows about ten times (see
``scaling.py``); Hypothesis then looks for shapes nobody thought of.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scaling import assert_linear

from microvm_sdk import errors, models
from microvm_sdk._core.http import HttpResponse
from microvm_sdk._core.pipeline import codec_for
from microvm_sdk._core.protocol import _excerpt
from microvm_sdk._core.transport import _BadResponseError, _parse_response
from microvm_sdk._schema import SCHEMA

_, _, PROTOCOL = codec_for(SCHEMA)
GET = SCHEMA.operations["GetMicrovm"]
LIST = SCHEMA.operations["ListMicrovms"]

# -- the error path: status, headers and body of a failed call ------------------------


def error_of(status: int, headers: dict[str, str], body: bytes) -> errors.ServiceError:
    """The error a failed response becomes (what every retry of a call computes again)."""
    return PROTOCOL.error(HttpResponse(status, headers, body))


ERROR_BODIES: dict[str, Callable[[int], bytes]] = {
    # The probe's finding: a proxy's page of "<" cost 27 s for 160 KB.
    "open angle brackets": lambda n: b"<" * n,
    "tags that never close": lambda n: b"<a " * n,
    "nested brackets": lambda n: b"<<>" * n,
    "whitespace runs": lambda n: b" \t\r\n" * n,
    "html page": lambda n: b"<html><body>" + b"<p>Bad Gateway</p>\n" * n + b"</body></html>",
    "unterminated JSON string": lambda n: b'{"message": "' + b"<" * n,
    "deep JSON arrays": lambda n: b"[" * n,
    "deep JSON in the code": lambda n: b'{"code": ' + b"[" * n + b"]" * n + b"}",
    "long JSON message": lambda n: b'{"message": "' + b"x<y>" * n + b'"}',
    "many JSON members": lambda n: b"{" + b'"a": 1, ' * n + b'"code": "Throttling"}',
    "escapes": lambda n: b'{"message": "' + b"\\u00e9\\n" * n + b'"}',
    "invalid UTF-8": lambda n: b"\xff\xfe<" * n,
}


@pytest.mark.parametrize("shape", list(ERROR_BODIES))
@pytest.mark.parametrize("status", [400, 502])
def test_error_bodies_cost_linear_time(shape: str, status: int) -> None:
    make = ERROR_BODIES[shape]
    assert_linear(lambda body: error_of(status, {}, body), make, 4_000)


ERROR_HEADERS: dict[str, Callable[[int], dict[str, str]]] = {
    "error type full of separators": lambda n: {"x-amzn-errortype": ":#" * n},
    "error type of namespaces": lambda n: {"x-amzn-errortype": "a#" * n + "Throttling"},
    "retry-after digits": lambda n: {"x-amz-retry-after": "9" * n},
    "retry-after words": lambda n: {"retry-after": "Sun, 06 Nov 1994 08:49:37 " * n},
    "retry-after blanks": lambda n: {"retry-after": " 1" * n},
    "request id": lambda n: {"x-amzn-requestid": "r" * n},
}


@pytest.mark.parametrize("shape", list(ERROR_HEADERS))
def test_error_headers_cost_linear_time(shape: str) -> None:
    make = ERROR_HEADERS[shape]
    assert_linear(lambda headers: error_of(429, headers, b"{}"), make, 4_000)


# -- the success path: a 2xx body read into the typed output --------------------------


def parse(operation: Any, output: type[Any], body: bytes) -> object:
    try:
        return PROTOCOL.parse(operation, HttpResponse(200, {}, body), output)
    except errors.DeserializationError as exc:
        return exc


SUCCESS_BODIES: dict[str, Callable[[int], bytes]] = {
    "blank": lambda n: b" " * n,
    "JSON array": lambda n: b"[" + b"1," * n + b"1]",
    "JSON string": lambda n: b'"' + b"<" * n + b'"',
    "not JSON": lambda n: b"<" * n,
    "deep JSON": lambda n: b'{"a": ' + b"[" * n + b"]" * n + b"}",
    "long unknown member": lambda n: b'{"unknown": "' + b"x" * n + b'"}',
    "many unknown members": lambda n: b"{" + b", ".join(b'"k%d": 1' % i for i in range(n)) + b"}",
}


@pytest.mark.parametrize("shape", list(SUCCESS_BODIES))
def test_success_bodies_cost_linear_time(shape: str) -> None:
    make = SUCCESS_BODIES[shape]
    assert_linear(lambda body: parse(GET, models.GetMicrovmResponse, body), make, 4_000)


def test_a_long_page_of_items_costs_linear_time() -> None:
    item = (
        b'{"microvmId": "microvm-1", "state": "RUNNING", "imageArn": "arn:aws:lambda:'
        b'us-east-1:123456789012:microvm-image:demo", "imageVersion": "1.0", '
        b'"startedAt": 1780000000}'
    )

    def page(n: int) -> bytes:
        return b'{"items": [' + b", ".join([item] * n) + b"]}"

    assert_linear(lambda body: parse(LIST, models.ListMicrovmsResponse, body), page, 100)


# -- the transport's response parser (both transports feed it) ------------------------


def feed(raw: bytes, piece: int) -> object:
    """Parse ``raw`` arriving ``piece`` bytes at a time; the parsed response or error."""
    try:
        parsed = _parse_response(raw[:piece], False)
        if isinstance(parsed, tuple):
            return parsed
        position = piece
        want = next(parsed)
        while True:
            chunk = raw[position : position + min(want, piece)]
            position += len(chunk)
            want = parsed.send(chunk)
    except StopIteration as done:
        return done.value
    except _BadResponseError as exc:
        return exc


OK = b"HTTP/1.1 200 OK\r\n"
RESPONSES: dict[str, Callable[[int], bytes]] = {
    "a repeated header": lambda n: OK + b"X-A: v\r\n" * n + b"Content-Length: 0\r\n\r\n",
    "folded lines": lambda n: OK + b"X-A: v\r\n" + b" more\r\n" * n + b"Content-Length: 0\r\n\r\n",
    "repeated and folded": lambda n: OK + b"X-A: v\r\n\t w\r\n" * n + b"\r\n",
    "many headers": lambda n: OK + b"".join(b"X-%d: v\r\n" % i for i in range(n)) + b"\r\n",
    "interim responses": lambda n: b"HTTP/1.1 100 Continue\r\n\r\n" * n + OK + b"\r\n",
    "a long header value": lambda n: OK + b"X-A: " + b"<" * n + b"\r\n\r\n",
    "repeated Content-Length": lambda n: OK + b"Content-Length: 0\r\n" * n + b"\r\n",
    "Content-Length list": lambda n: OK + b"Content-Length: " + b"0," * n + b"0\r\n\r\n",
    "many small chunks": lambda n: (
        OK + b"Transfer-Encoding: chunked\r\n\r\n" + b"1\r\na\r\n" * n + b"0\r\n\r\n"
    ),
    "chunk extensions": lambda n: (
        OK + b"Transfer-Encoding: chunked\r\n\r\n1;" + b"x" * n + b"\r\na\r\n0\r\n\r\n"
    ),
    "many trailers": lambda n: (
        OK + b"Transfer-Encoding: chunked\r\n\r\n0\r\n" + b"T: t\r\n" * n + b"\r\n"
    ),
}


@pytest.mark.parametrize("shape", list(RESPONSES))
def test_responses_in_one_piece_cost_linear_time(shape: str) -> None:
    make = RESPONSES[shape]
    assert_linear(lambda raw: feed(raw, len(raw)), make, 2_000)


@pytest.mark.parametrize(
    "shape", ["interim responses", "many small chunks", "chunk extensions", "many trailers"]
)
def test_responses_trickling_in_cost_linear_time(shape: str) -> None:
    make = RESPONSES[shape]
    assert_linear(lambda raw: feed(raw, 7), make, 1_000)


def test_a_chunk_size_line_arriving_byte_by_byte_costs_linear_time() -> None:
    def response(n: int) -> bytes:
        return OK + b"Transfer-Encoding: chunked\r\n\r\n" + b"0" * n + b"1\r\na\r\n0\r\n\r\n"

    assert_linear(lambda raw: feed(raw, 1), response, 4_000)


# -- shapes nobody listed --------------------------------------------------------------

MARKUP = ["<", ">", "</", "<a", "<!--", "-->", "&lt;"]
JSON = ["{", "}", "[", "]", '"', "\\", "\\u", ":", ",", "a", "0", "9", ".", "e", "-"]
TEXT = [" ", "\t", "\r\n", "\n", "#", ";", "=", "\u00e9", "\xff"]
HTTP = ["HTTP/1.1 100 Continue\r\n\r\n", "X-A: v\r\n", " w\r\n"]
PIECES = st.sampled_from([*MARKUP, *JSON, *TEXT, *HTTP])
UNITS = st.lists(PIECES, min_size=1, max_size=8).map("".join)


def repeated(unit: str, size: int) -> Callable[[int], bytes]:
    data = unit.encode("utf-8", "surrogatepass")
    count = max(1, size // len(data))
    return lambda factor: data * (count * factor)


@settings(max_examples=10)
@given(unit=UNITS, status=st.sampled_from([200, 400, 502]))
def test_any_repeated_shape_costs_linear_time_as_a_body(unit: str, status: int) -> None:
    def call(body: bytes) -> object:
        try:
            return PROTOCOL.parse(GET, HttpResponse(status, {}, body), models.GetMicrovmResponse)
        except (errors.DeserializationError, errors.ServiceError) as exc:
            return exc

    assert_linear(call, repeated(unit, 1_000), 1)


@settings(max_examples=10)
@given(unit=UNITS, piece=st.sampled_from([13, 1 << 20]))
def test_any_repeated_shape_costs_linear_time_in_a_response_head(unit: str, piece: int) -> None:
    body = repeated(unit, 500)

    def response(factor: int) -> bytes:
        return OK + b"X-Unit: " + body(factor).replace(b"\r\n\r\n", b"\r\n") + b"\r\n\r\n"

    assert_linear(lambda raw: feed(raw, piece), response, 1)


@given(body=st.binary(max_size=3000) | UNITS.map(lambda u: (u * 200).encode("utf-8", "replace")))
def test_an_excerpt_is_one_short_line(body: bytes) -> None:
    text = _excerpt(body)
    assert len(text) <= 203
    assert "\n" not in text and "  " not in text
    assert text == text.strip()
