"""Fuzzing both clients: malformed HTTP, hostile JSON, huge headers and bodies.

A scripted server (``raw_server.py``) answers every request with bytes Hypothesis
chooses: status lines, header lines and framings that are wrong in every way HTTP can
be wrong, JSON that is deep, huge, mistyped, invalid UTF-8 or not JSON at all, and
responses cut short anywhere. They go through the real transports of ``Client`` and
``AsyncClient`` and the whole pipeline. Invariants, for every input:

- a call returns its typed output or raises a ``microvm_sdk.errors`` exception, never
  anything else (no ``KeyError``, ``RecursionError``, ``UnicodeError``, ...);
- the client stays usable: the next call, answered properly, succeeds;
- the cost is linear in the size of what is received (checked on the hostile shapes
  at two sizes, with the CPU time of the calling thread: see ``scaling.py``).

The budget is bounded: the suite's Hypothesis profile (60 examples per property, 100
in CI), fewer for the huge inputs.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flavours import FLAVOURS, ClientFacade, without_sleeps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from raw_server import RawServer
from scaling import assert_linear

import microvm_sdk
from microvm_sdk import errors, models

GOOD = json.dumps(
    {
        "microvmId": "microvm-1",
        "state": "RUNNING",
        "endpoint": "https://microvm-1.example",
        "imageArn": "arn:aws:lambda:us-east-1:123456789012:microvm-image:demo",
        "imageVersion": "1.0",
        "maximumDurationInSeconds": 3600,
        "startedAt": 1780000000,
    }
).encode()
GOOD_RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(GOOD), GOOD)
# The client is made once per test and serves every example.
EXAMPLES = settings(
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ]
)
FEW = settings(
    EXAMPLES,
    max_examples=10,
)


@pytest.fixture(scope="module")
def server() -> Iterator[RawServer]:
    with RawServer() as running:
        yield running


@pytest.fixture(params=FLAVOURS)
def client(
    request: pytest.FixtureRequest,
    server: RawServer,
    runner: asyncio.Runner,
    isolated_aws_env: None,
) -> Iterator[Any]:
    """A client of either flavour for the scripted server: 2 attempts, no sleeping."""
    options: dict[str, Any] = {
        "region_name": "us-east-1",
        "endpoint_url": server.url,
        "aws_access_key_id": "AK",
        "aws_secret_access_key": "SK",
        "config": microvm_sdk.Config(max_attempts=2, read_timeout=10, connect_timeout=10),
    }
    made: Any
    if request.param == "sync":
        made = microvm_sdk.Client(**options)
    else:
        made = ClientFacade(runner, microvm_sdk.AsyncClient(**options))
    yield without_sleeps(made, lambda seconds: None)
    made.close()


CALLS: dict[str, Callable[[Any], object]] = {
    "get": lambda client: client.get_microvm(microvm_identifier="microvm-1"),
    "create": lambda client: client.create_microvm_image(
        name="fuzz",
        base_image_arn="arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1",
        build_role_arn="arn:aws:iam::123456789012:role/build",
        code_artifact=models.CodeArtifactUri(value="s3://bucket/app.zip"),
    ),
    "list": lambda client: list(client.paginate_list_microvms(max_items=5).items()),
    "delete": lambda client: client.delete_microvm_image(image_identifier="img-1"),
}


def answer(server: RawServer, client: Any, raw: bytes, call: str) -> object:
    """Call with ``raw`` as the answer: the output, or the SDK error it raised."""
    server.script = raw
    try:
        return CALLS[call](client)
    except errors.MicrovmError as exc:
        return exc


def still_usable(server: RawServer, client: Any) -> None:
    server.script = GOOD_RESPONSE
    assert client.get_microvm(microvm_identifier="microvm-1").microvm_id == "microvm-1"


# -- what the server says ----------------------------------------------------------------

STATUS_LINES = st.one_of(
    st.sampled_from(
        [
            b"HTTP/1.1 200 OK",
            b"HTTP/1.1 201 Created",
            b"HTTP/1.0 200 OK",
            b"HTTP/1.1 204 No Content",
            b"HTTP/1.1 304 Not Modified",
            b"HTTP/1.1 400 Bad Request",
            b"HTTP/1.1 404 Not Found",
            b"HTTP/1.1 429 Too Many Requests",
            b"HTTP/1.1 500 Internal Server Error",
            b"HTTP/1.1 502 Bad Gateway",
            b"HTTP/1.1 999 Beyond",
            b"HTTP/1.1 099 Below",
            b"HTTP/1.1 2000 Wide",
            b"HTTP/1.1 20",
            b"HTTP/1.1 abc",
            b"HTTP/2 200",
            b"ICY 200 OK",
            b"",
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK",
            b"HTTP/1.1 101 Switching Protocols",
        ]
    ),
    st.binary(max_size=30),
)
HEADER_LINES = st.sampled_from(
    [
        b"Content-Type: application/json",
        b"Content-Type: text/html",
        b"Content-Length: 0",
        b"Content-Length: -1",
        b"Content-Length: 99999999999999999999999",
        b"Content-Length: 5, 6",
        b"Content-Length: 2, 2",
        b"Content-Length: \xef\xbc\x95",
        b"Content-Length: abc",
        b"Transfer-Encoding: chunked",
        b"Transfer-Encoding: gzip",
        b"Transfer-Encoding: gzip, chunked",
        b"Connection: close",
        b"Connection: keep-alive",
        b"x-amzn-ErrorType: ThrottlingException",
        b"x-amzn-ErrorType: ResourceNotFoundException:http://internal/",
        b"x-amzn-ErrorType: aws.protocols#ValidationException",
        b"x-amzn-ErrorType: ",
        b"x-amzn-RequestId: req-1",
        b"Retry-After: 1e999",
        b"Retry-After: -3",
        b"Retry-After: Sun, 06 Nov 1994 08:49:37 GMT",
        b"Retry-After: Sun, 06 Nov 99999 08:49:37 GMT",
        b"x-amz-retry-after: 99999999999999999999999999",
        b" folded onto the line before",
        b"\tfolded",
        b"no colon here",
        b": no name",
        b"X-\xff\xfe: \x00\x7f\x80",
    ]
) | st.binary(max_size=30).map(lambda raw: raw.replace(b"\r\n", b""))

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=20,
)
MEMBERS = st.sampled_from(
    [
        "microvmId",
        "state",
        "startedAt",
        "imageArn",
        "items",
        "nextToken",
        "message",
        "code",
        "__type",
        "Message",
        "errorMessage",
        "maximumDurationInSeconds",
        "endpoint",
    ]
)
HOSTILE_JSON = st.one_of(
    st.integers(1, 5000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(1, 5000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    st.integers(1, 3000).map(lambda n: b'{"microvmId": ' + b"[" * n + b"]" * n + b"}"),
    st.integers(1, 3000).map(lambda n: b'{"code": ' + b"[" * n + b"]" * n + b"}"),
    st.integers(4000, 6000).map(lambda n: b'{"maximumDurationInSeconds": ' + b"9" * n + b"}"),
    st.sampled_from(
        [
            b'{"startedAt": NaN}',
            b'{"startedAt": Infinity}',
            b'{"startedAt": -Infinity}',
            b'{"startedAt": 1e999}',
            b'{"startedAt": "9999-99-99"}',
            b'{"microvmId": "a", "microvmId": 7}',
            b'{"microvmId": "\\ud800"}',
            b'{"message": "\\udfff\\ud800"}',
            b'{"items": [null, 1, "x", {}]}',
            b'{"items": {"a": 1}}',
            b'{"state": 17}',
            b'{"nextToken": 5}',
            b"\xef\xbb\xbf{}",
            b"\xff\xfe{\x00}\x00",
            b'{"microvmId": "\xff"}',
            b'"\\u0000"',
            b"{",
            b"",
            b"null",
        ]
    ),
    st.builds(lambda members: json.dumps(members).encode(), st.dictionaries(MEMBERS, JSON_VALUES)),
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=200),
    st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass")),
)


@st.composite
def responses(draw: st.DrawFn) -> bytes:
    """A response of any shape: a head, a body in some framing, cut anywhere or not."""
    status = draw(STATUS_LINES)
    headers = draw(st.lists(HEADER_LINES, max_size=10))
    body = draw(HOSTILE_JSON)
    framing = draw(st.sampled_from(["length", "wrong length", "chunked", "bad chunks", "none"]))
    if framing == "length":
        headers.append(b"Content-Length: %d" % len(body))
    elif framing == "wrong length":
        headers.append(b"Content-Length: %d" % draw(st.integers(0, len(body) + 10)))
    elif framing == "chunked":
        headers.append(b"Transfer-Encoding: chunked")
        body = (b"%x\r\n%s\r\n" % (len(body), body) if body else b"") + b"0\r\n\r\n"
    elif framing == "bad chunks":
        headers.append(b"Transfer-Encoding: chunked")
        size = draw(st.sampled_from([b"zz", b"-1", b"fffffffffffffffffff", b"1;ext", b""]))
        body = size + b"\r\n" + body + draw(st.sampled_from([b"", b"\r\n", b"\r\n0\r\n"]))
    raw = b"\r\n".join([status, *headers]) + b"\r\n\r\n" + body
    if draw(st.booleans()):
        raw = raw[: draw(st.integers(0, len(raw)))]
    return raw


@EXAMPLES
@given(raw=responses(), call=st.sampled_from(sorted(CALLS)))
def test_any_response_gives_an_output_or_an_sdk_error(
    server: RawServer, client: Any, raw: bytes, call: str
) -> None:
    outcome = answer(server, client, raw, call)
    assert isinstance(outcome, errors.MicrovmError | list) or type(outcome).__module__ == (
        "microvm_sdk.models"
    ), repr(outcome)
    still_usable(server, client)


@EXAMPLES
@given(raw=st.binary(max_size=300), call=st.sampled_from(sorted(CALLS)))
def test_bytes_that_are_not_http_give_an_sdk_error(
    server: RawServer, client: Any, raw: bytes, call: str
) -> None:
    outcome = answer(server, client, raw, call)
    assert isinstance(outcome, errors.MicrovmError | list) or type(outcome).__module__ == (
        "microvm_sdk.models"
    ), repr(outcome)
    still_usable(server, client)


@EXAMPLES
@given(body=HOSTILE_JSON, status=st.sampled_from([200, 201, 400, 404, 429, 500, 503]))
def test_hostile_json_in_a_well_framed_response_gives_an_output_or_an_sdk_error(
    server: RawServer, client: Any, body: bytes, status: int
) -> None:
    raw = b"HTTP/1.1 %d X\r\nContent-Length: %d\r\n\r\n%s" % (status, len(body), body)
    outcome = answer(server, client, raw, "get")
    if status >= 300:
        assert isinstance(outcome, errors.ServiceError), repr(outcome)
    else:
        assert isinstance(outcome, models.GetMicrovmResponse | errors.DeserializationError)
    still_usable(server, client)


# -- huge headers and bodies ----------------------------------------------------------------


@FEW
@given(
    size=st.integers(60_000, 300_000),
    shape=st.sampled_from(["one value", "many fields", "one field repeated", "folded"]),
)
def test_huge_heads_give_an_sdk_error_or_are_read(
    server: RawServer, client: Any, size: int, shape: str
) -> None:
    if shape == "one value":
        head = b"X-Big: " + b"a" * size + b"\r\n"
    elif shape == "many fields":
        head = b"".join(b"X-%d: v\r\n" % i for i in range(size // 10))
    elif shape == "one field repeated":
        head = b"X-Same: v\r\n" * (size // 11)
    else:
        head = b"X-Fold: v\r\n" + b" more\r\n" * (size // 7)
    raw = b"HTTP/1.1 200 OK\r\n" + head + b"Content-Length: %d\r\n\r\n%s" % (len(GOOD), GOOD)
    outcome = answer(server, client, raw, "get")
    # Past 64 KiB a head is refused; below it, it is read.
    assert isinstance(outcome, models.GetMicrovmResponse | errors.ConnectionError), repr(outcome)
    still_usable(server, client)


@FEW
@given(
    size=st.integers(1_000_000, 6_000_000),
    shape=st.sampled_from(["items", "string", "angle brackets", "blank", "deep then junk"]),
    status=st.sampled_from([200, 502]),
)
def test_huge_bodies_give_an_output_or_an_sdk_error(
    server: RawServer, client: Any, size: int, shape: str, status: int
) -> None:
    item = b'{"microvmId": "m", "state": "RUNNING", "imageArn": "a", "imageVersion": "1"}'
    body = {
        "items": b'{"items": [' + b",".join([item] * (size // len(item))) + b"]}",
        "string": b'{"microvmId": "' + b"x" * size + b'"}',
        "angle brackets": b"<" * size,
        "blank": b" " * size,
        "deep then junk": b"[" * 100_000 + b"x" * size,
    }[shape]
    raw = b"HTTP/1.1 %d X\r\nContent-Length: %d\r\n\r\n%s" % (status, len(body), body)
    outcome = answer(server, client, raw, "list" if shape == "items" else "get")
    if status == 502:
        assert isinstance(outcome, errors.ServiceError), repr(outcome)
        assert len(str(outcome)) < 600  # an excerpt, not the body
    still_usable(server, client)


# -- linear time through the transports -----------------------------------------------------

WIRE_SHAPES: dict[str, Callable[[int], bytes]] = {
    "a page of '<'": lambda n: b"HTTP/1.1 502 X\r\nContent-Length: %d\r\n\r\n%s" % (n, b"<" * n),
    "tiny chunks": lambda n: (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"1\r\n \r\n" * n
        + b"2\r\n{}\r\n0\r\n\r\n"
    ),
    "a repeated field": lambda n: (
        b"HTTP/1.1 200 OK\r\n" + b"X-A: v\r\n" * (n // 8) + b"Content-Length: 2\r\n\r\n{}"
    ),
}


@pytest.mark.parametrize("shape", list(WIRE_SHAPES))
def test_hostile_responses_cost_linear_time_through_the_transport(
    server: RawServer, client: Any, shape: str
) -> None:
    make = WIRE_SHAPES[shape]

    def call(raw: bytes) -> object:
        return answer(server, client, raw, "list")

    # Heads beyond 64 KiB are refused, so the repeated field grows up to 60 KB.
    assert_linear(call, make, 6_000 if shape == "a repeated field" else 20_000)
