"""Every numeric ``Config`` option is checked where it is given, against a stated range.

A value out of range (or not a number) raises ``ConfigurationError`` at construction,
naming the option and the range; every value inside the range works on a real call, so
the check is neither too tight nor too loose. ``AWS_MAX_ATTEMPTS`` gets the same range.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from microvm_sdk import Client, Config, errors
from microvm_sdk._core.limits import MAX_ATTEMPTS, MAX_POOL_CONNECTIONS, MAX_TIMEOUT
from microvm_sdk.local import LocalServer

TIMEOUTS = ("connect_timeout", "read_timeout")
COUNTS = {"max_attempts": MAX_ATTEMPTS, "max_pool_connections": MAX_POOL_CONNECTIONS}
RANGE_TEXT = {
    "connect_timeout": f"> 0 and <= {MAX_TIMEOUT}",
    "read_timeout": f"> 0 and <= {MAX_TIMEOUT}",
    "max_attempts": f">= 1 and <= {MAX_ATTEMPTS}",
    "max_pool_connections": f">= 1 and <= {MAX_POOL_CONNECTIONS}",
}

NOT_NUMBERS = st.one_of(
    st.booleans(),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
    st.just(b"60"),
)
BAD_TIMEOUTS = st.one_of(
    NOT_NUMBERS,
    st.none(),
    st.floats(max_value=0.0),
    st.floats(min_value=MAX_TIMEOUT, exclude_min=True),
    st.integers(max_value=0),
    st.integers(min_value=MAX_TIMEOUT + 1),
    st.sampled_from([math.nan, -math.nan, math.inf, -math.inf, 1e12, 10**400, -(10**5000)]),
)
GOOD_TIMEOUTS = st.one_of(
    st.floats(min_value=0.0, max_value=MAX_TIMEOUT, exclude_min=True),
    st.integers(min_value=1, max_value=MAX_TIMEOUT),
)


def bad_counts(maximum: int) -> st.SearchStrategy[Any]:
    return st.one_of(
        NOT_NUMBERS,
        st.integers(max_value=0),
        st.integers(min_value=maximum + 1),
        st.floats(allow_nan=True),
        st.sampled_from([10**5000, -(10**5000), 2.0, math.nan]),
    )


def assert_names_option_and_range(caught: pytest.ExceptionInfo[Any], option: str) -> None:
    message = str(caught.value)
    assert message.startswith(option + " must be"), message
    assert RANGE_TEXT[option] in message, message
    assert len(message) < 200, message  # a huge value is cut, not printed whole


@pytest.mark.parametrize("option", TIMEOUTS)
@given(value=BAD_TIMEOUTS)
def test_timeouts_out_of_range_are_refused_naming_the_range(option: str, value: Any) -> None:
    with pytest.raises(errors.ConfigurationError) as caught:
        Config(**{option: value})
    assert_names_option_and_range(caught, option)


@pytest.mark.parametrize("option", TIMEOUTS)
@given(value=GOOD_TIMEOUTS)
def test_timeouts_in_range_are_accepted(option: str, value: Any) -> None:
    assert getattr(Config(**{option: value}), option) == value


@pytest.mark.parametrize("option", sorted(COUNTS))
@given(data=st.data())
def test_counts_out_of_range_are_refused_naming_the_range(option: str, data: Any) -> None:
    value = data.draw(bad_counts(COUNTS[option]))
    with pytest.raises(errors.ConfigurationError) as caught:
        Config(**{option: value})
    assert_names_option_and_range(caught, option)


@pytest.mark.parametrize("option", sorted(COUNTS))
@given(data=st.data())
def test_counts_in_range_are_accepted(option: str, data: Any) -> None:
    value = data.draw(st.integers(min_value=1, max_value=COUNTS[option]))
    assert getattr(Config(**{option: value}), option) == value


def test_evolve_is_checked_too() -> None:
    with pytest.raises(errors.ConfigurationError, match=r"read_timeout must be"):
        attrs.evolve(Config(), read_timeout=1e12)


# -- the limits are usable: the largest value of each range works on a real call -----------


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


@pytest.fixture
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.upper().startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))


@pytest.mark.usefixtures("_clean_env")
@pytest.mark.parametrize(
    "options",
    [
        {"read_timeout": 1e12},
        {"connect_timeout": 1e10},
        {"read_timeout": float("inf")},
    ],
)
def test_the_reported_overflows_are_refused_at_construction(
    server: LocalServer, options: dict[str, Any]
) -> None:
    # Before the check, these raised a raw OverflowError on every call instead.
    with pytest.raises(errors.ConfigurationError):
        Client(**server.client_kwargs, config=Config(**options))


@pytest.mark.usefixtures("_clean_env")
def test_the_largest_values_of_every_range_work_on_a_call(server: LocalServer) -> None:
    config = Config(
        connect_timeout=MAX_TIMEOUT,
        read_timeout=MAX_TIMEOUT,
        max_attempts=MAX_ATTEMPTS,
        max_pool_connections=MAX_POOL_CONNECTIONS,
    )
    with Client(**server.client_kwargs, config=config) as client:
        assert client.list_microvms().items == ()


@pytest.mark.usefixtures("_clean_env")
@pytest.mark.parametrize("text", ["0", "-3", "10001", "1e3", "9" * 5000, "three"])
def test_max_attempts_from_the_environment_has_the_same_range(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", text)
    with pytest.raises(errors.ConfigurationError) as caught:
        Client(**server.client_kwargs)
    message = str(caught.value)
    assert re.search(rf"max_attempts must be an integer {RANGE_TEXT['max_attempts']}", message)
    assert "AWS_MAX_ATTEMPTS" in message
    assert len(message) < 200
