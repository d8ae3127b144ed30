"""Request and response JSON: the speedups extra (orjson) gives what the standard library gives.

Every test here runs the standard-library path; the orjson path runs where orjson is
installed (CI runs this file with it, and again with it hidden:
``MICROVM_SDK_TEST_WITHOUT_SPEEDUPS=1``). "The same" means the same JSON value: the same
types (an int stays an int), the same floats (``-0.0`` included), the same text, the
same key order, and the same exception type where the standard library raises.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microvm_sdk._core import json_codec

WITHOUT_SPEEDUPS = os.environ.get("MICROVM_SDK_TEST_WITHOUT_SPEEDUPS") == "1"


def stdlib_dumps(value: Any) -> bytes:
    return json.dumps(value, allow_nan=False).encode("utf-8")


def exact(value: Any) -> Any:
    """A view of a JSON value that equality compares exactly: types, float bits, order."""
    if isinstance(value, dict):
        return ("object", [(key, exact(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("array", [exact(item) for item in value])
    if isinstance(value, float):
        return ("float", "nan" if math.isnan(value) else float.hex(value))
    return (type(value).__name__, value)


def outcome(function: Callable[[Any], Any], argument: Any) -> Any:
    try:
        return ("ok", exact(function(argument)))
    except RecursionError:
        return ("raises", "RecursionError")
    except (TypeError, ValueError) as exc:
        kind = "ValueError" if isinstance(exc, ValueError) else "TypeError"
        return ("raises", kind)


def backends() -> list[Any]:
    found: list[Any] = ["stdlib"]
    if json_codec.orjson_dumps is not None:
        found.append("orjson")
    return found


@pytest.fixture(params=backends())
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test once per JSON backend the environment has."""
    if request.param == "stdlib":
        monkeypatch.setattr(json_codec, "orjson_dumps", None)
        monkeypatch.setattr(json_codec, "orjson_loads", None)
    return str(request.param)


# -- which backend is in use -------------------------------------------------------------


def test_speedups_are_used_exactly_when_orjson_can_be_imported() -> None:
    try:
        import orjson  # noqa: F401
    except ImportError:
        available = False
    else:
        available = True
    assert json_codec.SPEEDUPS is available
    assert (json_codec.orjson_dumps is not None) is available
    if WITHOUT_SPEEDUPS:  # the CI step that hides orjson really hid it
        assert not available


# -- writing ------------------------------------------------------------------------------

KEYS = st.text(max_size=8)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.sampled_from([0.0, -0.0, 1e16, 1e-7, 5e-324, 1.7976931348623157e308, 0.1 + 0.2]),
    st.text(),
    st.text(alphabet='null"\\\u00e9\u2028\ud800\U0001f600\x00\x1f', max_size=12),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(KEYS, inner, max_size=4),
        # Keys that are not strings: the standard library converts them.
        st.dictionaries(st.one_of(st.integers(), st.booleans(), st.none()), inner, max_size=2),
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(value=VALUES)
def test_dumps_writes_the_value_the_standard_library_writes(value: Any) -> None:
    expected = outcome(lambda v: json.loads(stdlib_dumps(v)), value)
    assert outcome(lambda v: json.loads(json_codec.dumps(v)), value) == expected
    if json_codec.orjson_dumps is not None:
        written = outcome(json_codec.orjson_dumps, value)
        if written[0] == "ok":
            assert outcome(lambda v: json.loads(json_codec.orjson_dumps(v)), value) == expected
        else:
            assert written == outcome(stdlib_dumps, value)


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (math.nan, ValueError),
        ({"a": [1, math.inf]}, ValueError),
        ({"a": -math.inf}, ValueError),
        ({"when": __import__("datetime").datetime(2026, 1, 1)}, TypeError),
        ({"items": {1, 2}}, TypeError),
        (object(), TypeError),
    ],
    ids=["nan", "inf-in-list", "minus-inf", "datetime", "set", "object"],
)
def test_dumps_refuses_what_the_standard_library_refuses(
    backend: str, value: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        stdlib_dumps(value)
    with pytest.raises(error):
        json_codec.dumps(value)


def test_dumps_keeps_big_integers_text_and_key_order(backend: str) -> None:
    value = {"z": 2**64, "a": -(2**63) - 1, "é": "\u00e9\U0001f600", "m": [1.5, -0.0, 1e-7]}
    written = json_codec.dumps(value)
    read = json.loads(written)
    assert list(read) == ["z", "a", "é", "m"]
    assert exact(read) == exact(json.loads(stdlib_dumps(value)))
    if backend == "stdlib":
        assert written == stdlib_dumps(value)  # byte for byte: botocore's own bodies


# -- reading ------------------------------------------------------------------------------

NUMBER_TEXTS = st.one_of(
    st.from_regex(r"-?(0|[1-9][0-9]{0,30})(\.[0-9]{1,25})?([eE][+-]?[0-9]{1,4})?", fullmatch=True),
    st.sampled_from(
        [
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "1" * 30,
            "1e400",
            "-1e400",
            "NaN",
            "Infinity",
            "-Infinity",
            "-0",
            "-0.0",
            "4.9e-324",
            "2.4703282292062328e-324",
        ]
    ),
)


def text_forms(value: Any) -> st.SearchStrategy[bytes]:
    options = st.fixed_dictionaries(
        {"ensure_ascii": st.booleans(), "separators": st.sampled_from([None, (",", ":")])}
    )
    # A lone surrogate written unescaped makes bytes that are not UTF-8: input too.
    return options.map(lambda o: json.dumps(value, **o).encode("utf-8", "surrogatepass"))


DOCUMENTS = st.one_of(
    VALUES.filter(lambda v: outcome(stdlib_dumps, v)[0] == "ok").flatmap(text_forms),
    st.lists(NUMBER_TEXTS, max_size=4).map(lambda items: ("[" + ",".join(items) + "]").encode()),
    NUMBER_TEXTS.map(lambda n: ('{"createdAt": ' + n + ', "id": "x"}').encode()),
    st.binary(max_size=40),
    st.sampled_from(
        [
            b"",
            b"   ",
            b'{"a": 1, "a": 2}',
            b'"\\ud800"',
            b'"\\ud83d\\ude00"',
            b"\xef\xbb\xbf{}",
            '{"a": "é"}'.encode("utf-16"),
            '{"a": "é"}'.encode("utf-32-le"),
            b'{"a": "\xff"}',
            b'{"a": "tab\there"}',
            b"[" * 5000 + b"]" * 5000,
            b'{"arn": "arn:aws:lambda:us-east-1:123456789012:x", "n": 1234567890123456789012}',
        ]
    ),
)


@settings(max_examples=400, deadline=None)
@given(data=DOCUMENTS)
def test_loads_reads_what_the_standard_library_reads(data: bytes) -> None:
    expected = outcome(json.loads, data)
    assert outcome(json_codec.loads, data) == expected
    if json_codec.orjson_loads is not None:
        assert outcome(json_codec.orjson_loads, data) == expected


@pytest.mark.parametrize(
    "data",
    [
        bytearray(b'{"n": 12345678901234567890123, "a": [1.5]}'),
        '{"n": 12345678901234567890123, "é": "x"}',
        memoryview(b'{"n": 1}'),
    ],
    ids=["bytearray", "str", "memoryview"],
)
def test_loads_takes_what_json_loads_takes(backend: str, data: Any) -> None:
    """A custom transport may hand over a bytearray or text: read as json.loads reads it."""
    try:
        expected = outcome(json.loads, data)
    except TypeError:  # json.loads refuses a memoryview
        expected = ("raises", "TypeError")
    assert outcome(json_codec.loads, data) == expected


def test_loads_keeps_integers_beyond_64_bits(backend: str) -> None:
    body = (
        b'{"small": 18446744073709551615, "big": 18446744073709551616, "neg": -9223372036854775809}'
    )
    read = json_codec.loads(body)
    assert read == {
        "small": 18446744073709551615,
        "big": 18446744073709551616,
        "neg": -9223372036854775809,
    }
    assert all(type(value) is int for value in read.values())


# -- through the protocol ------------------------------------------------------------------


def test_a_request_and_response_carry_the_same_values_either_way(backend: str) -> None:
    from microvm_sdk._core.http import HttpResponse
    from microvm_sdk._core.pipeline import codec_for
    from microvm_sdk._schema import SCHEMA
    from microvm_sdk.models import CodeArtifactUri, CreateMicrovmImageRequest

    _, _, protocol = codec_for(SCHEMA)
    operation = SCHEMA.operations["CreateMicrovmImage"]
    params = CreateMicrovmImageRequest(
        name="img-\u00e9",
        base_image_arn="arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1",
        build_role_arn="arn:aws:iam::123456789012:role/build",
        code_artifact=CodeArtifactUri(value="s3://bucket/code.zip"),
        environment_variables={"B": "2", "A": "1", "null": "none"},
        client_token="token",
    )
    request = protocol.serialize(operation, params, "https://lambda.us-east-1.amazonaws.com")
    body = json.loads(request.body)
    assert list(body["environmentVariables"]) == ["B", "A", "null"]
    assert body["name"] == "img-\u00e9"
    response = HttpResponse(
        201,
        {},
        b'{"imageArn": "arn:aws:lambda:us-east-1:123456789012:microvm-image:img",'
        b' "name": "img-\\u00e9", "state": "CREATING", "createdAt": 1767225600.5,'
        b' "baseImageArn": "b", "buildRoleArn": "r", "codeArtifact": {"uri": "s3://b/k"},'
        b' "imageVersion": "1", "id": "x", "updatedAt": 1767225600, "description": null}',
    )
    output = protocol.parse(operation, response, operation_output_class())
    assert output.name == "img-\u00e9"
    assert output.created_at.timestamp() == 1767225600.5


def operation_output_class() -> Any:
    from microvm_sdk.models import CreateMicrovmImageResponse

    return CreateMicrovmImageResponse
