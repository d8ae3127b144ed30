"""Timestamps on the wire: written in each model format, read in any of them."""

from __future__ import annotations

import datetime

import pytest
from botocore.utils import parse_timestamp
from hypothesis import given
from hypothesis import strategies as st

from microvm_sdk._core import timestamps

UTC = datetime.UTC
WHEN = datetime.datetime(2019, 12, 16, 23, 48, 18, tzinfo=UTC)
WHEN_MICRO = WHEN.replace(microsecond=520000)


@pytest.mark.parametrize(
    ("value", "fmt", "text"),
    [
        (WHEN, "iso8601", "2019-12-16T23:48:18Z"),
        (WHEN_MICRO, "iso8601", "2019-12-16T23:48:18.520000Z"),
        (WHEN, "rfc822", "Mon, 16 Dec 2019 23:48:18 GMT"),
        (WHEN_MICRO, "rfc822", "Mon, 16 Dec 2019 23:48:18 GMT"),
        (WHEN, "unixTimestamp", "1576540098"),
        (WHEN_MICRO, "unixTimestamp", "1576540098.52"),
    ],
)
def test_each_format_is_written_as_botocore_writes_it(
    value: datetime.datetime, fmt: timestamps.Format, text: str
) -> None:
    assert timestamps.to_text(value, fmt) == text


def test_json_bodies_get_numbers_for_epoch_seconds_and_text_otherwise() -> None:
    assert timestamps.to_json(WHEN, None) == 1576540098
    assert timestamps.to_json(WHEN_MICRO, "unixTimestamp") == 1576540098.52
    assert timestamps.to_json(WHEN, "iso8601") == "2019-12-16T23:48:18Z"
    other_zone = WHEN.astimezone(datetime.timezone(datetime.timedelta(hours=-5)))
    assert timestamps.to_json(other_zone, "rfc822") == "Mon, 16 Dec 2019 23:48:18 GMT"


def test_a_naive_datetime_is_refused_with_a_hint() -> None:
    with pytest.raises(ValueError, match="has no time zone; pass an aware datetime"):
        timestamps.to_text(WHEN.replace(tzinfo=None), "iso8601")


@pytest.mark.parametrize(
    "text",
    [
        1576540098,
        1576540098.0,
        "1576540098",
        "2019-12-16T23:48:18Z",
        "2019-12-16T23:48:18z",
        "2019-12-16T22:48:18-01:00",
        "2019-12-17T00:48:18+01:00",
        "2019-12-16T23:48:18",
        "Mon, 16 Dec 2019 23:48:18 GMT",
        "Monday, 16-Dec-19 23:48:18 GMT",
        "Mon Dec 16 23:48:18 2019",
        WHEN,
    ],
)
def test_any_format_is_read_anywhere(text: object) -> None:
    assert timestamps.parse(text) == WHEN
    assert timestamps.parse(text).tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    ["", "yesterday", "2019-13-45T99:00:00Z", "1e400", "nan", True, None, [1], "9" * 65, -1e20],
)
def test_what_is_not_a_timestamp_raises_value_error_only(text: object) -> None:
    with pytest.raises(ValueError):
        timestamps.parse(text)


@given(st.text(max_size=80) | st.floats() | st.integers())
def test_reading_any_value_gives_aware_utc_or_value_error(value: object) -> None:
    try:
        result = timestamps.parse(value)
    except ValueError:
        return
    assert result.tzinfo is UTC


YEARS = st.datetimes(
    datetime.datetime(1900, 1, 1), datetime.datetime(2200, 1, 1), timezones=st.just(UTC)
)


@given(YEARS, st.sampled_from(["iso8601", "rfc822", "unixTimestamp"]))
def test_what_is_written_reads_back_and_botocore_reads_it_alike(
    value: datetime.datetime, fmt: timestamps.Format
) -> None:
    text = timestamps.to_text(value, fmt)
    read = timestamps.parse(text)
    if fmt == "rfc822":
        assert read == value.replace(microsecond=0)
    elif fmt == "unixTimestamp":  # a float of seconds holds microseconds to within one
        assert abs(read - value) <= datetime.timedelta(microseconds=1)
    else:
        assert read == value
    assert parse_timestamp(text) == read


def test_iso8601_years_have_four_digits() -> None:
    assert timestamps.iso8601(datetime.datetime(999, 1, 2, tzinfo=UTC)) == "0999-01-02T00:00:00Z"


def _epoch_rule(seconds: int) -> datetime.datetime | str:
    """What whole epoch seconds read as by the general rule: the epoch plus a delta."""
    try:
        return datetime.datetime(1970, 1, 1, tzinfo=UTC) + datetime.timedelta(seconds=seconds)
    except OverflowError:
        return "out of range"


@given(
    st.one_of(
        st.integers(min_value=-62135596800, max_value=253402300799),  # year 1 to 9999
        st.integers(),  # anything, mostly out of range
        st.sampled_from([0, -1, 1, -62135596801, 253402300800, 2**31, -(2**31), 2**63, 10**20]),
    )
)
def test_whole_epoch_seconds_read_by_the_wire_rule_as_by_the_general_rule(seconds: int) -> None:
    """The converters' fast path for ``int`` epoch seconds gives the general rule's result."""
    from microvm_sdk._core.wire_values import InvalidValue, structure_timestamp

    expected = _epoch_rule(seconds)
    if isinstance(expected, str):
        with pytest.raises(InvalidValue, match="timestamp out of range"):
            structure_timestamp(seconds, None)
        return
    read = structure_timestamp(seconds, None)
    assert read == expected
    assert read.tzinfo is UTC
    assert read == timestamps.parse(seconds)
