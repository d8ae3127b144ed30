"""Fuzzing the emulator: malformed HTTP, hostile JSON, huge headers and bodies.

Invariants, for every input:

- every answer is a client error or a success (never a 5xx);
- the listener survives and the server stays usable: after each example a fresh
  connection gets a healthy answer, and at the end an SDK client works;
- a malformed or over-deep JSON body is a 400 ``SerializationException``.

The budget is bounded (the suite's Hypothesis profile: 60 examples per property, 100
in CI; the huge inputs fewer), so the whole module runs in seconds.
"""

from __future__ import annotations

import functools
import json
import re
import socket
import string
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microvm_sdk import Client, Config, models
from microvm_sdk._core.patterns import compile_pattern
from microvm_sdk._schema import SCHEMA
from microvm_sdk.local import LocalServer

STATUS = re.compile(rb"HTTP/1\.[01] (\d{3}) ")
OPERATIONS = sorted(SCHEMA.operations.values(), key=lambda op: op.name)
WITH_BODY = [
    op
    for op in OPERATIONS
    if op.input and any(m.location in (None, "body") for m in SCHEMA.shapes[op.input].members)
]
IMAGE_ARN = "arn:aws:lambda:us-east-1:000000000000:microvm-image:fuzz"
BASE_ARN = "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1"
ROLE_ARN = "arn:aws:iam::000000000000:role/fuzz"
FEW = settings(max_examples=8, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    # Short timeouts so that an input the server waits on cannot stall the suite.
    with LocalServer(request_timeout=3.0, idle_timeout=5.0) as running:
        yield running


@pytest.fixture(scope="module")
def unsigned_server() -> Iterator[LocalServer]:
    with LocalServer(verify_signatures=False, request_timeout=3.0) as running:
        yield running


@pytest.fixture(scope="module")
def labels(unsigned_server: LocalServer) -> dict[str, str]:
    """URI labels naming resources that exist: an image (built) and a MicroVM."""
    config = Config(max_attempts=1, read_timeout=30)
    with Client(**unsigned_server.client_kwargs, config=config) as client:
        created = client.create_microvm_image(
            name="fuzz",
            base_image_arn=BASE_ARN,
            build_role_arn=ROLE_ARN,
            code_artifact=models.CodeArtifactUri(value="s3://bucket/fuzz.zip"),
        )
        client.wait_until_created(
            image_identifier=created.image_arn, min_delay=0.01, max_delay=0.05, timeout=30
        )
        microvm = client.run_microvm(image_identifier=created.image_arn)
    assert created.image_arn == IMAGE_ARN
    return {
        "imageIdentifier": IMAGE_ARN,
        "microvmIdentifier": microvm.microvm_id,
        "imageVersion": created.image_version or "1.0",
        "Resource": IMAGE_ARN,
        "resource": IMAGE_ARN,
    }


def exchange(server: LocalServer, data: bytes, *, timeout: float = 15.0) -> bytes:
    """Send ``data``, half-close, and read until the server closes."""
    with socket.create_connection((server.host, server.port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server refused early (413, 431) and stopped reading: read its answer
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def statuses(answer: bytes) -> list[int]:
    return [int(code) for code in STATUS.findall(answer)]


def assert_healthy(server: LocalServer) -> None:
    assert server.running
    answer = exchange(
        server,
        b"GET /_microvm_local/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    )
    assert statuses(answer) == [200], answer[:200]


def assert_client_errors_only(server: LocalServer, answer: bytes) -> list[int]:
    codes = statuses(answer)
    assert all(code < 500 for code in codes), answer[:500]
    assert_healthy(server)
    return codes


# -- malformed HTTP ---------------------------------------------------------------------

TOKEN_TEXT = st.text(alphabet=string.printable + "é€\x00\x7f", max_size=40)
METHODS = st.one_of(
    st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "get"]),
    st.text(alphabet=string.ascii_letters + " \t:", max_size=12),
)
TARGETS = st.one_of(
    st.sampled_from(
        [
            "/_microvm_local/health",
            "/_microvm_local/reset",
            "/_microvm_local/faults",
            "/2025-09-09/microvm-images",
            "/2025-09-09/microvms",
            f"/2025-09-09/microvm-images/{IMAGE_ARN}",
            "*",
            "http://127.0.0.1/x",
            "/%zz%%/..%2f..",
            "/" + "a" * 5000,
        ]
    ),
    TOKEN_TEXT,
)
VERSIONS = st.sampled_from(["HTTP/1.1", "HTTP/1.0", "HTTP/2", "HTTP/1.1 extra", "", "http/1.1"])
HEADER_NAMES = st.one_of(
    st.sampled_from(
        [
            "Host",
            "Content-Length",
            "Transfer-Encoding",
            "Content-Type",
            "Expect",
            "Connection",
            "Origin",
            "Authorization",
            "X-Amz-Date",
        ]
    ),
    TOKEN_TEXT,
)
HEADER_VALUES = st.one_of(
    st.sampled_from(
        [
            "127.0.0.1",
            "-1",
            "0",
            "5",
            "99999999999999999999999",
            "1, 2",
            "chunked",
            "gzip, chunked",
            "100-continue",
            "close",
            "application/json",
            "AWS4-HMAC-SHA256 Credential=test/20200101/us-east-1/lambda/aws4_request, "
            "SignedHeaders=host, Signature=00",
            "AWS4-HMAC-SHA256 garbage",
        ]
    ),
    TOKEN_TEXT,
)
CHUNKED_BODIES = st.one_of(
    st.sampled_from(
        [
            b"5\r\nhello\r\n0\r\n\r\n",
            b"zz\r\nhello\r\n0\r\n\r\n",
            b"5\r\nhel",
            b"ffffffffffffffffffff\r\n",
            b"5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\n",
            b"5\r\nhelloXX0\r\n\r\n",
        ]
    ),
    st.binary(max_size=200),
)


@st.composite
def malformed_requests(draw: st.DrawFn) -> bytes:
    line = f"{draw(METHODS)} {draw(TARGETS)} {draw(VERSIONS)}"
    headers = draw(st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=8))
    if draw(st.booleans()):
        headers.insert(0, ("Host", "127.0.0.1"))
    separator = draw(st.sampled_from([": ", ":", " : ", "", ":\r\n "]))
    head = "\r\n".join([line, *(f"{name}{separator}{value}" for name, value in headers)])
    body = draw(st.one_of(st.binary(max_size=300), CHUNKED_BODIES))
    ending = draw(st.sampled_from(["\r\n\r\n", "\n\n", "\r\n", ""]))
    return (head + ending).encode("utf-8", "surrogatepass") + body


@given(data=st.binary(max_size=2000))
def test_random_bytes(server: LocalServer, data: bytes) -> None:
    assert_client_errors_only(server, exchange(server, data))


@given(request=malformed_requests())
def test_malformed_requests(server: LocalServer, request: bytes) -> None:
    assert_client_errors_only(server, exchange(server, request))


@given(requests=st.lists(malformed_requests(), min_size=2, max_size=4))
def test_pipelined_malformed_requests(server: LocalServer, requests: list[bytes]) -> None:
    assert_client_errors_only(server, exchange(server, b"".join(requests)))


# -- huge headers and bodies ----------------------------------------------------------------


@FEW
@given(size=st.sampled_from([64 * 1024 - 200, 64 * 1024 + 1, 256 * 1024, 2 * 1024 * 1024]))
def test_huge_header(server: LocalServer, size: int) -> None:
    request = (
        b"GET /_microvm_local/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "
        + b"a" * size
        + b"\r\n\r\n"
    )
    codes = assert_client_errors_only(server, exchange(server, request))
    assert codes == ([200] if size < 64 * 1024 - 100 else [431])


@FEW
@given(count=st.sampled_from([1000, 5000, 20000]))
def test_many_headers(server: LocalServer, count: int) -> None:
    headers = b"".join(b"X-%d: v\r\n" % i for i in range(count))
    request = b"GET /_microvm_local/health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + b"\r\n"
    assert_client_errors_only(server, exchange(server, request))


def test_body_over_the_limit_is_refused_before_it_is_read(server: LocalServer) -> None:
    request = (
        b"POST /2025-09-09/microvm-images HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Length: 16777217\r\n\r\n"
    )
    assert assert_client_errors_only(server, exchange(server, request)) == [413]


@FEW
@given(
    body=st.sampled_from(
        [
            b"{" * 1_000_000,
            b"[" * 100_000,
            b'{"name": "' + b"x" * 3_000_000 + b'"}',
            b"\x00" * 1_000_000,
            b'{"tags": {' + b",".join(b'"k%d": "v"' % i for i in range(50_000)) + b"}}",
        ]
    )
)
def test_huge_bodies(unsigned_server: LocalServer, body: bytes) -> None:
    head = (
        "POST /2025-09-09/microvm-images HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    codes = assert_client_errors_only(
        unsigned_server, exchange(unsigned_server, head.encode() + body)
    )
    assert codes and codes[0] == 400


# -- hostile JSON ---------------------------------------------------------------------------

HOSTILE_STRINGS = st.one_of(
    st.text(max_size=30),
    st.text(st.sampled_from('\ud800\udfff\x00\u2028\ufeffé€\U0001f680"\\'), max_size=8),
    st.sampled_from(
        [
            "",
            "\ud800",
            "\x00",
            "a" * 10_000,
            IMAGE_ARN,
            "arn:aws:iam::000000000000:role/x",
            "s3://b/k",
            "NaN",
            "Infinity",
            "1e999",
            "2025-01-01T00:00:00Z",
        ]
    ),
)
HOSTILE_NUMBERS = st.one_of(
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([10**400, -(10**30), 2**63, -(2**63) - 1, 0.1, -0.0]),
)
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), HOSTILE_NUMBERS, HOSTILE_STRINGS),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(HOSTILE_STRINGS, children, max_size=4),
    ),
    max_leaves=12,
)


def _limits(shape: Any, low: int, high: int) -> tuple[int, int]:
    lo = int(shape.min) if shape.min is not None else low
    hi = int(shape.max) if shape.max is not None else high
    return lo, max(lo, min(hi, lo + 40))


@functools.cache
def valid_values(name: str) -> st.SearchStrategy[Any]:
    """Wire values of a shape that satisfy its constraints (required members included)."""
    shape = SCHEMA.shapes[name]
    kind = shape.kind
    if kind == "string":
        lo, hi = _limits(shape, 0, 64)
        if shape.enum:
            return st.sampled_from(list(shape.enum))
        if shape.pattern:
            return st.from_regex(compile_pattern(shape.pattern), fullmatch=True).filter(
                lambda text: lo <= len(text) <= hi
            )
        return st.text(min_size=lo, max_size=hi)
    if kind in ("integer", "long"):
        return st.integers(*_limits(shape, -(2**31), 2**31 - 1))
    if kind in ("float", "double"):
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return st.integers(0, 4_000_000_000)
    if kind == "blob":
        return st.text(alphabet=string.ascii_letters + "+/=", max_size=20)
    if kind == "list":
        lo, hi = _limits(shape, 0, 3)
        return st.lists(valid_values(shape.member or "String"), min_size=lo, max_size=min(hi, 3))
    if kind == "map":
        lo, hi = _limits(shape, 0, 3)
        return st.dictionaries(
            valid_values(shape.key or "String"),
            valid_values(shape.value or "String"),
            min_size=lo,
            max_size=min(hi, 3),
        )
    members = [m for m in shape.members if m.location in (None, "body")]
    known: dict[str, st.SearchStrategy[Any] | None] = {}
    if any(op.input == name for op in WITH_BODY):
        # Values the backend knows, so that requests get past "not found".
        members = [m for m in members if KNOWN.get(m.wire_name, True) is not None]
        known = {m.wire_name: KNOWN[m.wire_name] for m in members if m.wire_name in KNOWN}
    if kind == "union":
        return st.one_of(
            [st.fixed_dictionaries({m.wire_name: valid_values(m.target)}) for m in members]
        )
    values = {m.wire_name: known.get(m.wire_name, valid_values(m.target)) for m in members}
    return st.fixed_dictionaries(
        {m.wire_name: values[m.wire_name] for m in members if m.required},
        optional={m.wire_name: values[m.wire_name] for m in members if not m.required},
    )


def leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``value``, containers included."""
    paths = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            paths += leaf_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            paths += leaf_paths(item, (*path, index))
    return paths


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[head] = replaced(value[head], rest, new)
    return copy


KNOWN: dict[str, st.SearchStrategy[Any] | None] = {
    "baseImageArn": st.just(BASE_ARN),
    "buildRoleArn": st.just(ROLE_ARN),
    "executionRoleArn": st.just(ROLE_ARN),
    "imageIdentifier": st.just(IMAGE_ARN),
    "baseImageVersion": None,  # left out
    "imageVersion": None,
    "kmsKeyIdentifier": None,
}
HOSTILE = HOSTILE_STRINGS | HOSTILE_NUMBERS | st.none() | st.booleans() | JSON_VALUES


def value_at(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


def hostile_like(value: Any) -> st.SearchStrategy[Any]:
    """Mostly a hostile value of the same JSON type (it gets past type checks), or any."""
    if isinstance(value, str):
        same: st.SearchStrategy[Any] = HOSTILE_STRINGS
    elif isinstance(value, bool):
        same = st.booleans()
    elif isinstance(value, int | float):
        same = HOSTILE_NUMBERS
    else:
        same = JSON_VALUES
    return st.one_of(same, same, HOSTILE)


@st.composite
def operation_bodies(draw: st.DrawFn) -> tuple[Any, bytes]:
    """An operation and a body: a valid request with one value made hostile, or worse."""
    operation = draw(st.sampled_from(WITH_BODY))
    choice = draw(st.sampled_from(["one", "one", "one", "two", "random", "truncate", "nest"]))
    if choice == "random":
        document: Any = draw(JSON_VALUES)
    else:
        document = draw(valid_values(operation.input))
        for _ in range(2 if choice == "two" else 1):
            path = draw(st.sampled_from(leaf_paths(document)[1:] or [()]))
            document = replaced(document, path, draw(hostile_like(value_at(document, path))))
    text = json.dumps(document, allow_nan=True)
    if choice == "truncate" and text:
        text = text[: draw(st.integers(0, len(text) - 1))]
    elif choice == "nest":
        depth = draw(st.sampled_from([900, 1100, 100_000]))
        text = "[" * depth + text + "]" * depth
    return operation, text.encode("utf-8", "surrogatepass")


def target(operation: Any, labels: dict[str, str]) -> str:
    uri = operation.uri.split("?", 1)[0]
    return re.sub(r"\{(\w+)\+?\}", lambda m: labels.get(m.group(1), "x"), uri)


@given(
    operation=st.sampled_from(OPERATIONS),
    label=HOSTILE_STRINGS,
    query=st.lists(st.tuples(HOSTILE_STRINGS, HOSTILE_STRINGS), max_size=4),
    raw_query=TOKEN_TEXT,
)
def test_hostile_labels_and_query_strings(
    unsigned_server: LocalServer,
    labels: dict[str, str],
    operation: Any,
    label: str,
    query: list[tuple[str, str]],
    raw_query: str,
) -> None:
    encoded = urllib.parse.quote(label.encode("utf-8", "surrogatepass"), safe="")
    path = target(operation, dict.fromkeys(labels, encoded))
    names = [m.wire_name for m in SCHEMA.shapes[operation.input].members] if operation.input else []
    pairs = [(names[len(k) % len(names)] if names and k else k, v) for k, v in query]
    text = urllib.parse.urlencode(
        [(k.encode("utf-8", "surrogatepass"), v.encode("utf-8", "surrogatepass")) for k, v in pairs]
    )
    text = "&".join(filter(None, [text, urllib.parse.quote(raw_query, safe="=&")]))
    request = (
        f"{operation.method} {path}?{text} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Length: 0\r\nConnection: close\r\n\r\n"
    )
    codes = assert_client_errors_only(unsigned_server, exchange(unsigned_server, request.encode()))
    assert len(codes) == 1


@settings(max_examples=250)
@given(case=operation_bodies())
def test_hostile_json_to_every_operation(
    unsigned_server: LocalServer, labels: dict[str, str], case: tuple[Any, bytes]
) -> None:
    operation, body = case
    head = (
        f"{operation.method} {target(operation, labels)} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    codes = assert_client_errors_only(
        unsigned_server, exchange(unsigned_server, head.encode() + body)
    )
    assert len(codes) == 1


@settings(max_examples=30)
@given(case=operation_bodies())
def test_hostile_json_signed(server: LocalServer, case: tuple[Any, bytes]) -> None:
    operation, body = case
    path = target(operation, {})
    url = server.endpoint_url + path
    request = AWSRequest(
        method=operation.method, url=url, data=body, headers={"Content-Type": "application/json"}
    )
    SigV4Auth(Credentials("test", "test"), "lambda", "us-east-1").add_auth(request)
    lines = [f"{operation.method} {path} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in request.headers.items()]
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    codes = assert_client_errors_only(server, exchange(server, "\r\n".join(lines).encode() + body))
    assert len(codes) == 1


# Hypothesis never draws surrogates in text() unless the alphabet is a plain list, and
# JSON can spell them ("\ud800"): mix such a list into ordinary text.
ODD_TEXT = st.text(st.sampled_from("\ud800\udfff\udc00\x00\u2028\ufeff\U0001f680ab"), max_size=6)
ANY_TEXT = st.builds(
    lambda head, odd, tail: head + odd + tail, st.text(max_size=16), ODD_TEXT, st.text(max_size=16)
)


@given(description=ANY_TEXT, value=ANY_TEXT, token=ANY_TEXT)
def test_any_text_in_members_without_a_pattern(
    unsigned_server: LocalServer, description: str, value: str, token: str
) -> None:
    # Free-text members are stored and sent back: every text must either be accepted
    # and come back intact, or be refused with a 4xx (lone surrogates cannot be UTF-8).
    document = {
        "name": "free-text",
        "baseImageArn": BASE_ARN,
        "buildRoleArn": ROLE_ARN,
        "codeArtifact": {"uri": "s3://bucket/code.zip"},
        "description": description,
        "environmentVariables": {"KEY": value},
        "clientToken": token,
    }
    body = json.dumps(document).encode()
    head = (
        "POST /2025-09-09/microvm-images HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    answer = exchange(unsigned_server, head.encode() + body)
    codes = assert_client_errors_only(unsigned_server, answer)
    if codes == [201]:
        created = json.loads(answer.partition(b"\r\n\r\n")[2])
        assert created.get("description") in (None, description)
    unsigned_server.reset()


def test_malformed_and_over_deep_bodies_are_serialization_errors(
    unsigned_server: LocalServer,
) -> None:
    for body in (b"[" * 100_000, b'{"name":' * 100_000, b"{nope", b"\xff\xfe{}", b"[1, 2"):
        head = (
            "POST /2025-09-09/microvm-images HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        )
        answer = exchange(unsigned_server, head.encode() + body)
        assert statuses(answer) == [400], answer[:300]
        assert b"X-Amzn-ErrorType: SerializationException" in answer


ADMIN_ROUTES = [
    ("POST", "/_microvm_local/faults"),
    ("POST", "/_microvm_local/clock/advance"),
    ("DELETE", "/_microvm_local/faults/x"),
    ("POST", "/_microvm_local/reset"),
    ("POST", "/_microvm_local/state/save"),
]


@given(route=st.sampled_from(ADMIN_ROUTES), document=JSON_VALUES)
def test_hostile_json_to_the_admin_api(
    unsigned_server: LocalServer, route: tuple[str, str], document: Any
) -> None:
    method, path = route
    body = json.dumps(document, allow_nan=True).encode("utf-8", "surrogatepass")
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    try:
        assert_client_errors_only(unsigned_server, exchange(unsigned_server, head.encode() + body))
    finally:
        unsigned_server.faults.clear()


# -- afterwards: still a working service ------------------------------------------------------


def test_still_usable_after_the_fuzzing(server: LocalServer, unsigned_server: LocalServer) -> None:
    for running in (server, unsigned_server):
        assert running.running
        config = Config(max_attempts=1, read_timeout=30)
        with Client(**running.client_kwargs, config=config) as client:
            assert client.list_microvm_images().items is not None
