"""Values as text in URIs, query strings and headers: written as botocore does, read safely."""

from __future__ import annotations

import contextlib
import datetime
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microvm_sdk._core import text_values
from microvm_sdk._core.errors import SerializationError
from microvm_sdk._core.schema import Member, ServiceSchema, Shape

UTC = datetime.UTC
SHAPES = {
    "String": Shape(name="String", kind="string"),
    "Integer": Shape(name="Integer", kind="integer"),
    "Double": Shape(name="Double", kind="double"),
    "Boolean": Shape(name="Boolean", kind="boolean"),
    "Stamp": Shape(name="Stamp", kind="timestamp"),
    "EpochStamp": Shape(name="EpochStamp", kind="timestamp", timestamp_format="unixTimestamp"),
    "Bytes": Shape(name="Bytes", kind="blob"),
    "Json": Shape(name="Json", kind="document"),
    "Strings": Shape(name="Strings", kind="list", member="String"),
    "Integers": Shape(name="Integers", kind="list", member="Integer"),
    "Stamps": Shape(name="Stamps", kind="list", member="Stamp"),
    "EpochStamps": Shape(name="EpochStamps", kind="list", member="EpochStamp"),
}
SCHEMA = ServiceSchema(
    service_id="Demo",
    service_name="demo",
    api_version="2020-01-01",
    protocol="rest-json",
    signing_name="demo",
    endpoint_prefix="demo",
    env_name="DEMO",
    shapes=SHAPES,
    operations={},
)
WHEN = datetime.datetime(2019, 12, 16, 23, 48, 18, 520000, tzinfo=UTC)


def header(target: str) -> Member:
    return Member(name="x", model_name="X", wire_name="X-Value", target=target, location="header")


@pytest.mark.parametrize(
    ("target", "value", "text"),
    [
        ("String", 'a, "b"', 'a, "b"'),
        ("Integer", 7, "7"),
        ("Double", math.inf, "Infinity"),
        ("Double", -math.inf, "-Infinity"),
        ("Double", math.nan, "NaN"),
        ("Double", 1.5, "1.5"),
        ("Boolean", False, "false"),
        ("Stamp", WHEN, "Mon, 16 Dec 2019 23:48:18 GMT"),
        ("EpochStamp", WHEN, "1576540098"),  # whole seconds in headers, as botocore
        ("Bytes", b"\x00\xff", "AP8="),
        ("Json", {"a": [1, None]}, "eyJhIjpbMSxudWxsXX0="),
        ("Strings", ["a", "b,c", 'say "hi"', ""], 'a,"b,c","say \\"hi\\"",'),
        ("Integers", [1, 2], "1,2"),
        ("Stamps", [WHEN, WHEN], "Mon, 16 Dec 2019 23:48:18 GMT,Mon, 16 Dec 2019 23:48:18 GMT"),
    ],
)
def test_header_values_are_written_and_read_back(target: str, value: object, text: str) -> None:
    member = header(target)
    assert text_values.header_encoder(SCHEMA, member)(value) == text
    read = text_values.header_decoder(SCHEMA, member)(text)
    if target in ("Stamp", "EpochStamp"):
        assert read == WHEN.replace(microsecond=0)
    elif target == "Stamps":
        assert read == [WHEN.replace(microsecond=0)] * 2
    elif target == "Double" and math.isnan(value):  # type: ignore[arg-type]
        assert math.isnan(read)
    else:
        assert read == value


def test_uri_and_query_timestamps_keep_microseconds() -> None:
    encode = text_values.encoder(SHAPES["Stamp"], None, "iso8601")
    assert encode(WHEN) == "2019-12-16T23:48:18.520000Z"
    assert text_values.encoder(SHAPES["Stamp"], "unixTimestamp", "iso8601")(WHEN) == (
        "1576540098.52"
    )


def test_a_naive_datetime_in_a_header_is_a_serialization_error() -> None:
    with pytest.raises(SerializationError, match="no time zone"):
        text_values.header_encoder(SCHEMA, header("Stamp"))(datetime.datetime(2020, 1, 1))


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("a, b ,c", ["a", "b", "c"]),
        ('"b,c", "\\"def\\"", a', ["b,c", '"def"', "a"]),
        ("", [""]),
        ("a,", ["a", ""]),
        ('"unterminated, x', ["unterminated, x"]),
        ('"a" junk, b', ["a", "b"]),
    ],
)
def test_header_lists_split_on_commas_outside_quotes(text: str, items: list[str]) -> None:
    assert text_values.split_header_list(text) == items


def test_an_http_date_list_of_odd_parts_is_refused() -> None:
    with pytest.raises(ValueError, match="http-dates"):
        text_values.header_decoder(SCHEMA, header("Stamps"))("Mon, 16 Dec 2019 23:48:18 GMT, x")


@pytest.mark.parametrize(
    ("target", "text"),
    [
        ("Integer", "12a"),
        ("Integer", "1_000"),
        ("Integer", "9" * 40),
        ("Double", "1e5e5"),
        ("Double", "1" * 70),
        ("Boolean", "yes"),
        ("Bytes", "not base64!"),
        ("Json", "bm90IGpzb24="),
        ("Stamp", "soon"),
    ],
)
def test_malformed_header_values_raise_value_error(target: str, text: str) -> None:
    with pytest.raises(ValueError):
        text_values.header_decoder(SCHEMA, header(target))(text)


@given(st.sampled_from(sorted(SHAPES)), st.text(max_size=200))
def test_any_header_text_reads_or_raises_value_error_only(target: str, text: str) -> None:
    with contextlib.suppress(ValueError):
        text_values.header_decoder(SCHEMA, header(target))(text)


def test_a_long_hostile_header_list_is_read() -> None:
    # Quotes, escapes and commas in the worst mix: the split is linear, so this is quick.
    text = '"\\' * 200_000 + "," * 200_000
    assert len(text_values.split_header_list(text)) >= 1
    digits = "1" * 100_000 + "x"
    with pytest.raises(ValueError):
        text_values.header_decoder(SCHEMA, header("Double"))(digits)


def test_prefix_headers_are_matched_in_any_case() -> None:
    headers = {"x-meta-a": "1", "X-Meta-B": "2", "other": "3"}
    assert text_values.prefix_headers(headers, "X-META-") == {"a": "1", "B": "2"}
    assert text_values.prefix_headers(headers, "") == headers


# Percent-encoding for URI labels and query strings -------------------------------------

URI_TEXT = st.one_of(
    st.text(),
    st.text(alphabet="arn:aws-lambda/._~%25 +&=?#é\u00a0\U0001f600", max_size=40),
    st.from_regex(
        r"arn:aws:lambda:[a-z0-9-]+:[0-9]{12}:microvm-image:[A-Za-z0-9_-]+", fullmatch=True
    ),
)


@given(value=URI_TEXT, safe=st.sampled_from(["-_.~", "/-_.~"]))
def test_percent_encode_is_urllib_quote(value: str, safe: str) -> None:
    from urllib.parse import quote

    assert text_values.percent_encode(value, safe) == quote(value, safe=safe)


@pytest.mark.parametrize(
    ("value", "safe", "expected"),
    [
        ("", "-_.~", ""),
        ("plain-Name_1.0~x", "-_.~", "plain-Name_1.0~x"),
        ("arn:aws:lambda:us-east-1:1:x", "-_.~", "arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Ax"),
        ("a/b c", "-_.~", "a%2Fb%20c"),
        ("a/b c", "/-_.~", "a/b%20c"),
        ("100%:x", "-_.~", "100%25%3Ax"),
        ("%3A", "-_.~", "%253A"),
        ("é:", "-_.~", "%C3%A9%3A"),
    ],
)
def test_percent_encode_examples(value: str, safe: str, expected: str) -> None:
    assert text_values.percent_encode(value, safe) == expected
