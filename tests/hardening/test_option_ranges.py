"""Every numeric option given outside ``Config`` is checked where it is given.

Waiter options (``timeout``, ``min_delay``, ``max_delay``, ``max_attempts``) and paginator
options (``page_size``, ``max_items``) that are not numbers in their range raise
``ParamValidationError`` (a ``ValueError``) naming the option and the range, before
anything is sent, in both flavours. Before, ``timeout=nan`` polled forever,
``min_delay=nan`` raised a bare ``ValueError`` from ``random``, ``max_items=1.5`` a
``TypeError`` from ``range`` and ``max_items=nan`` silently returned nothing. Every value
inside the ranges works.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scripted import ScriptedClient

from microvm_sdk import errors
from microvm_sdk._core.http import HttpResponse
from microvm_sdk._core.limits import MAX_TIMEOUT, MAX_WAITER_ATTEMPTS
from microvm_sdk._core.waiter import wait_steps
from microvm_sdk._waiters import WAITERS

IMAGE_ARN = "arn:aws:lambda:us-east-1:123456789012:microvm-image:demo"
GONE = HttpResponse(404, {"x-amzn-errortype": "ResourceNotFoundException"}, b"{}")
EMPTY_PAGE = HttpResponse(200, {}, b'{"items": []}')
SECONDS = ("timeout", "min_delay", "max_delay")
RANGES = {
    "timeout": f"must be a number of seconds >= 0 and <= {MAX_TIMEOUT} (365 days)",
    "min_delay": f"must be a number of seconds >= 0 and <= {MAX_TIMEOUT} (365 days)",
    "max_delay": f"must be a number of seconds >= 0 and <= {MAX_TIMEOUT} (365 days)",
    "max_attempts": f"must be an integer >= 1 and <= {MAX_WAITER_ATTEMPTS}",
    "page_size": "must be an integer >= 1",  # "and <= 50" once the model is loaded
    "max_items": "must be an integer >= 0",
}

# The client factory fixture makes a new client for every example.
examples = settings(
    max_examples=25,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

NOT_NUMBERS = st.one_of(
    st.booleans(), st.text(max_size=3), st.just(b"1"), st.lists(st.integers(), max_size=1)
)
BAD_SECONDS = st.one_of(
    NOT_NUMBERS,
    st.floats(max_value=0.0, exclude_max=True),
    st.floats(min_value=MAX_TIMEOUT, exclude_min=True),
    st.integers(max_value=-1),
    st.integers(min_value=MAX_TIMEOUT + 1),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e300, 10**400]),
)
GOOD_SECONDS = st.one_of(
    st.floats(min_value=0.0, max_value=MAX_TIMEOUT), st.integers(0, MAX_TIMEOUT)
)


def bad_counts(minimum: int, maximum: int | None) -> st.SearchStrategy[Any]:
    above = [] if maximum is None else [st.integers(min_value=maximum + 1)]
    return st.one_of(
        NOT_NUMBERS,
        st.integers(max_value=minimum - 1),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([math.nan, 2.0, -(10**400)]),
        *above,
    )


def assert_refused(caught: pytest.ExceptionInfo[errors.ParamValidationError], option: str) -> None:
    error = caught.value
    assert isinstance(error, ValueError)
    line = next(line for line in error.errors if line.startswith(f"{option}: "))
    assert RANGES[option] in line, line
    assert len(line) < 160, line  # a huge value is cut, not printed whole


# -- waiters ------------------------------------------------------------------------------


@pytest.mark.parametrize("option", SECONDS)
@examples
@given(value=BAD_SECONDS)
def test_waiter_seconds_out_of_range_are_refused_before_any_poll(
    scripted_client: ScriptedClient, option: str, value: Any
) -> None:
    client, transport = scripted_client([])
    with pytest.raises(errors.ParamValidationError) as caught:
        client.wait_until_deleted(image_identifier=IMAGE_ARN, **{option: value})
    assert_refused(caught, option)
    assert transport.requests == []


@examples
@given(value=bad_counts(1, MAX_WAITER_ATTEMPTS))
def test_waiter_attempts_out_of_range_are_refused_before_any_poll(
    scripted_client: ScriptedClient, value: Any
) -> None:
    client, transport = scripted_client([])
    with pytest.raises(errors.ParamValidationError) as caught:
        client.wait_until_deleted(image_identifier=IMAGE_ARN, max_attempts=value)
    assert_refused(caught, "max_attempts")
    assert transport.requests == []


@examples
@given(
    timeout=GOOD_SECONDS,
    delays=st.tuples(GOOD_SECONDS, GOOD_SECONDS).map(sorted),
    attempts=st.integers(1, MAX_WAITER_ATTEMPTS),
)
def test_waiter_options_in_range_work(
    scripted_client: ScriptedClient, timeout: Any, delays: list[Any], attempts: int
) -> None:
    client, transport = scripted_client([GONE])
    client.wait_until_deleted(
        image_identifier=IMAGE_ARN,
        timeout=timeout,
        min_delay=delays[0],
        max_delay=delays[1],
        max_attempts=attempts,
    )
    assert len(transport.requests) == 1


def test_every_bad_option_is_named_at_once(scripted_client: ScriptedClient) -> None:
    client, _ = scripted_client([])
    with pytest.raises(errors.ParamValidationError) as caught:
        client.wait_until_created(
            image_identifier=IMAGE_ARN,
            timeout=math.nan,
            min_delay=-1,
            max_delay=math.inf,
            max_attempts=0,
        )
    assert [line.split(":")[0] for line in caught.value.errors] == [
        "timeout",
        "min_delay",
        "max_delay",
        "max_attempts",
    ]


def test_a_nan_timeout_no_longer_polls_forever(scripted_client: ScriptedClient) -> None:
    still_creating = HttpResponse(200, {}, b'{"imageArn": "x", "state": "CREATING"}')
    client, transport = scripted_client([still_creating] * 50)
    with pytest.raises(errors.ParamValidationError, match="timeout"):
        client.wait_until_created(image_identifier=IMAGE_ARN, timeout=math.nan, max_delay=0)
    assert transport.requests == []


def test_the_engine_checks_its_options_when_called_not_when_iterated() -> None:
    with pytest.raises(errors.ParamValidationError, match="min_delay"):
        wait_steps(WAITERS["MicrovmImageCreated"], min_delay=math.nan)
    with pytest.raises(errors.ParamValidationError, match="max_delay: 1 must be >= min_delay 5"):
        wait_steps(WAITERS["MicrovmImageCreated"], min_delay=5, max_delay=1)


# -- paginators ---------------------------------------------------------------------------


@examples
@given(value=bad_counts(1, 50))
def test_page_sizes_out_of_the_operations_range_are_refused(
    scripted_client: ScriptedClient, flavour: str, value: Any
) -> None:
    client, transport = scripted_client([])
    with pytest.raises(errors.ParamValidationError) as caught:
        # The blocking client refuses at the call; the asyncio one loads the model off
        # the event loop, so it may refuse a size above the model's maximum only when
        # iteration starts. Either way before any request.
        list(client.paginate_list_microvms(page_size=value).items())
    assert_refused(caught, "page_size")
    assert transport.requests == []


@pytest.mark.parametrize("value", [0, -1, math.nan, 1.5, True, "10"])
def test_page_sizes_that_are_no_count_are_refused_at_the_call(
    scripted_client: ScriptedClient, value: Any
) -> None:
    client, _ = scripted_client([])
    with pytest.raises(errors.ParamValidationError, match="page_size: must be an integer >= 1"):
        client.paginate_list_microvms(page_size=value)


def test_a_page_size_above_the_models_maximum_is_refused_before_any_request(
    scripted_client: ScriptedClient, flavour: str
) -> None:
    client, transport = scripted_client([])
    message = "page_size: must be an integer >= 1 and <= 50, got 51"
    if flavour == "sync":  # at the call
        with pytest.raises(errors.ParamValidationError, match=message):
            client.paginate_list_microvms(page_size=51)
    else:  # when iteration starts: the model is loaded off the event loop
        paginator = client.paginate_list_microvms(page_size=51)
        with pytest.raises(errors.ParamValidationError, match=message):
            list(paginator.items())
    assert transport.requests == []


@examples
@given(value=bad_counts(0, None))
def test_max_items_that_are_no_count_are_refused_at_the_call(
    scripted_client: ScriptedClient, value: Any
) -> None:
    client, transport = scripted_client([])
    with pytest.raises(errors.ParamValidationError) as caught:
        client.paginate_list_microvms(max_items=value)
    assert_refused(caught, "max_items")
    assert transport.requests == []


@examples
@given(page_size=st.integers(1, 50), max_items=st.integers(0, 10**30) | st.just(10**400))
def test_paginator_options_in_range_work(
    scripted_client: ScriptedClient, page_size: int, max_items: int
) -> None:
    client, transport = scripted_client([EMPTY_PAGE])
    items = list(client.paginate_list_microvms(page_size=page_size, max_items=max_items).items())
    assert items == []
    assert len(transport.requests) == (1 if max_items else 0)
    if max_items:
        assert f"maxResults={page_size}" in transport.requests[0].url


@pytest.mark.parametrize("value", [5, b"token", ["token"], ""])
def test_a_starting_token_that_is_no_token_is_refused_at_the_call(
    scripted_client: ScriptedClient, value: Any
) -> None:
    # Before, 5 raised AttributeError from inside the paginator, and "" was sent to the
    # service (which answered ValidationException).
    client, transport = scripted_client([EMPTY_PAGE])
    with pytest.raises(errors.ParamValidationError) as caught:
        list(client.paginate_list_microvms(starting_token=value).items())
    got = "''" if value == "" else type(value).__name__
    assert caught.value.errors == (
        "starting_token: must be a non-empty string (a resume_token, or the service's next "
        f"token), got {got}",
    )
    assert transport.requests == []


@pytest.mark.parametrize(
    ("method", "options"),
    [
        ("wait_until_deleted", {"image_identifier": IMAGE_ARN, "timeout": -1}),
        ("wait_until_created", {"image_identifier": IMAGE_ARN, "min_delay": 5, "max_delay": 1}),
        ("paginate_list_microvms", {"max_items": -1}),
        ("paginate_list_microvms", {"starting_token": 3}),
        ("paginate_list_microvms", {"page_size": 0}),
    ],
)
def test_option_errors_name_the_method_as_operation_errors_do(
    scripted_client: ScriptedClient, method: str, options: dict[str, Any]
) -> None:
    client, transport = scripted_client([])
    with pytest.raises(errors.ParamValidationError) as caught:
        getattr(client, method)(**options)  # both flavours raise at the call
    assert caught.value.operation == method
    assert str(caught.value).startswith(f"1 invalid parameter for {method}:")
    assert transport.requests == []
