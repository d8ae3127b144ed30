"""The waiter engine (matchers, timing, errors) and our waiters-2.json.

Every test that runs a waiter runs it through both drivers of the one engine: the
blocking :func:`wait` and the asyncio :func:`async_wait` (the ``driver`` fixture).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest

from microvm_sdk._core.errors import (
    ConnectionError,
    ReadTimeoutError,
    ServiceError,
    UnknownServiceError,
    WaiterFailureError,
    WaiterTimeoutError,
)
from microvm_sdk._core.waiter import (
    Acceptor,
    FailureLookup,
    FailureReason,
    Lookup,
    Poll,
    Sleep,
    WaiterSpec,
    WaitProgress,
    drive_wait_async,
    load_waiters,
    wait,
    wait_steps,
)

MODEL_DIR = Path(__file__).resolve().parents[2] / "service-model" / "lambda-microvms" / "2025-09-09"

# --- stand-ins for generated error classes -------------------------------------------


class ResourceNotFoundException(ServiceError):
    CODE = "ResourceNotFoundException"


class ValidationException(ServiceError):
    CODE = "ValidationException"


class AccessDeniedException(ServiceError):
    CODE = "AccessDeniedException"


class ThrottlingException(ServiceError):
    CODE = "ThrottlingException"
    MODELED_RETRYABLE = True
    MODELED_THROTTLING = True


class InternalServerException(ServiceError):
    CODE = "InternalServerException"
    MODELED_RETRYABLE = True


def not_found() -> ResourceNotFoundException:
    return ResourceNotFoundException("MicroVMImage not found", http_status=404)


# --- a fake world ---------------------------------------------------------------------


@attrs.frozen
class Out:
    """A typed output standing in for a generated output class."""

    wire: Mapping[str, Any]


class World:
    """A fake clock, sleep and service answering a script of responses.

    Each script entry is a wire dict (HTTP 200), a ``(wire, status)`` pair, or an
    exception to raise. Each poll takes ``latency`` seconds of fake time. ``answers``
    maps the operations of failure lookups to a wire output or an exception; the calls
    made are recorded in ``lookups``. ``driver`` chooses the blocking driver (through
    :func:`wait`) or :func:`drive_wait_async` (set for every test by the ``driver``
    fixture).
    """

    driver = "sync"

    def __init__(
        self,
        script: list[Any],
        latency: float = 0.0,
        answers: dict[str, Any] | None = None,
    ) -> None:
        self.now = 1000.0
        self.script = list(script)
        self.latency = latency
        self.answers = dict(answers or {})
        self.lookups: list[tuple[str, Mapping[str, Any]]] = []
        self.sleeps: list[float] = []
        self.poll_times: list[float] = []
        self.progress: list[WaitProgress[Out]] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds

    def poll(self) -> tuple[Out, Mapping[str, Any], int]:
        self.poll_times.append(self.now - 1000.0)
        self.now += self.latency
        entry = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(entry, BaseException):
            raise entry
        wire, status = entry if isinstance(entry, tuple) else (entry, 200)
        return Out(wire), wire, status

    def lookup(self, operation: str, params: Mapping[str, Any]) -> Mapping[str, Any]:
        self.lookups.append((operation, dict(params)))
        answer = self.answers[operation]
        if isinstance(answer, BaseException):
            raise answer
        result: Mapping[str, Any] = answer
        return result

    def run(self, spec: WaiterSpec, **options: Any) -> Out | None:
        options.setdefault("random", lambda: 0.0)
        if self.answers:
            options.setdefault("lookup", self.lookup)
        if self.driver == "sync":
            return wait(
                spec,
                self.poll,
                clock=self.clock,
                sleep=self.sleep,
                callback=self.progress.append,
                **options,
            )

        async def poll() -> tuple[Out, Mapping[str, Any], int]:
            return self.poll()

        async def sleep(seconds: float) -> None:
            self.sleep(seconds)

        async def lookup(operation: str, params: Mapping[str, Any]) -> Mapping[str, Any]:
            return self.lookup(operation, params)

        has_lookup = options.pop("lookup", None) is not None
        steps = wait_steps(
            spec, clock=self.clock, callback=self.progress.append, lookups=has_lookup, **options
        )
        return asyncio.run(
            drive_wait_async(steps, poll, lookup=lookup if has_lookup else None, sleep=sleep)
        )


@pytest.fixture(autouse=True, params=["sync", "async"])
def driver(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test's waiters with the blocking driver, then with the asyncio one."""
    monkeypatch.setattr(World, "driver", request.param)
    return str(request.param)


def spec(*acceptors: Acceptor, **fields: Any) -> WaiterSpec:
    values: dict[str, Any] = {
        "name": "ThingReady",
        "operation": "GetThing",
        "delay": 5,
        "max_attempts": 10,
        "min_delay": 5,
        "max_delay": 30,
        "max_wait_time": 600,
    }
    values.update(fields)
    return WaiterSpec(acceptors=acceptors, **values)


READY = spec(
    Acceptor("success", "path", "READY", "state"),
    Acceptor("failure", "path", "BROKEN", "state"),
)


# --- matchers -------------------------------------------------------------------------


def test_path_success_returns_the_typed_output_of_the_final_poll() -> None:
    world = World([{"state": "PENDING"}, {"state": "PENDING"}, {"state": "READY", "n": 3}])
    result = world.run(READY)
    assert result == Out({"state": "READY", "n": 3})
    assert len(world.poll_times) == 3


def test_path_failure_raises_with_the_output() -> None:
    world = World([{"state": "PENDING"}, {"state": "BROKEN"}])
    with pytest.raises(WaiterFailureError) as info:
        world.run(READY)
    assert info.value.last_response == Out({"state": "BROKEN"})
    assert info.value.waiter_name == "ThingReady"
    assert "state = 'BROKEN'" in info.value.reason
    assert world.sleeps == [5.0]


def test_failure_reason_includes_describe_failure() -> None:
    world = World([{"state": "CREATE_FAILED", "imageArn": "arn:x"}])
    created = spec(
        Acceptor("success", "path", "CREATED", "state"),
        Acceptor("failure", "path", "CREATE_FAILED", "state"),
        name="MicrovmImageCreated",
    )
    seen: list[Out] = []

    def describe(output: Out) -> str:
        seen.append(output)
        return "image build failed: The container image build failed. (build 4/GRAVITON)"

    with pytest.raises(WaiterFailureError) as info:
        world.run(created, describe_failure=describe, waiter_name="wait_until_created")
    assert seen == [Out({"state": "CREATE_FAILED", "imageArn": "arn:x"})]
    assert str(info.value) == (
        "wait_until_created: reached a failure state (state = 'CREATE_FAILED'): "
        "image build failed: The container image build failed. (build 4/GRAVITON)"
    )


def test_describe_failure_returning_none_or_raising_still_fails_cleanly() -> None:
    with pytest.raises(WaiterFailureError) as info:
        World([{"state": "BROKEN"}]).run(READY, describe_failure=lambda out: None)
    assert info.value.reason == "reached a failure state (state = 'BROKEN')"

    def explode(out: Out) -> str:
        raise AccessDeniedException("no ListMicrovmImageBuilds", http_status=403)

    with pytest.raises(WaiterFailureError) as info:
        World([{"state": "BROKEN"}]).run(READY, describe_failure=explode)
    assert "failure details unavailable: AccessDeniedException" in info.value.reason


# --- failure reasons as data (the failureReason extension) ----------------------------

BUILD_FAILED = "The container image build failed."


def _image_waiter(name: str = "MicrovmImageCreated") -> WaiterSpec:
    return load_waiters(_our_waiters())[name]


def _failed_image(version: str | None = "4.0", state: str = "CREATE_FAILED") -> dict[str, Any]:
    return {"state": state, "imageArn": "arn:x", "latestFailedImageVersion": version}


def _build(generation: str, state: str, reason: str | None = None) -> dict[str, Any]:
    build = {"chipset": "GRAVITON", "chipsetGeneration": generation, "buildState": state}
    if reason is not None:
        build["stateReason"] = reason
    return build


def test_failure_reason_comes_from_the_builds_of_the_failed_version() -> None:
    builds = {"items": [_build("4", "FAILED", BUILD_FAILED), _build("3", "SUCCESSFUL")]}
    world = World([_failed_image()], answers={"ListMicrovmImageBuilds": builds})
    with pytest.raises(WaiterFailureError) as info:
        world.run(_image_waiter(), waiter_name="wait_until_created")
    assert str(info.value) == (
        "wait_until_created: reached a failure state (state = 'CREATE_FAILED'): "
        "image build failed: The container image build failed. (build 4/GRAVITON)"
    )
    assert world.lookups == [
        ("ListMicrovmImageBuilds", {"imageIdentifier": "arn:x", "imageVersion": "4.0"})
    ]
    assert info.value.last_response == Out(_failed_image())


def test_failure_reason_joins_distinct_build_reasons() -> None:
    builds = {
        "items": [
            _build("4", "FAILED", "S3_NO_SUCH_KEY"),
            _build("3", "FAILED", "S3_NO_SUCH_KEY"),
            _build("3", "FAILED", "S3_NO_SUCH_KEY"),  # the same text twice is said once
        ]
    }
    world = World([_failed_image()], answers={"ListMicrovmImageBuilds": builds})
    with pytest.raises(WaiterFailureError) as info:
        world.run(_image_waiter())
    assert info.value.reason.endswith(
        ": image build failed: S3_NO_SUCH_KEY (build 4/GRAVITON); S3_NO_SUCH_KEY (build 3/GRAVITON)"
    )


def test_failure_reason_falls_back_to_the_version_reason() -> None:
    version = {"imageArn": "arn:x", "imageVersion": "2.0", "stateReason": "Base image recalled"}
    world = World(
        [_failed_image("2.0", "UPDATE_FAILED")],
        answers={
            "ListMicrovmImageBuilds": {"items": [_build("4", "FAILED")]},  # no reason
            "GetMicrovmImageVersion": version,
        },
    )
    with pytest.raises(WaiterFailureError) as info:
        world.run(_image_waiter("MicrovmImageUpdated"))
    assert info.value.reason == (
        "reached a failure state (state = 'UPDATE_FAILED'): "
        "image build failed: Base image recalled (version 2.0)"
    )
    assert [operation for operation, _ in world.lookups] == [
        "ListMicrovmImageBuilds",
        "GetMicrovmImageVersion",
    ]


def test_failure_reason_of_a_version_waiter_uses_its_own_version() -> None:
    failed = {"state": "FAILED", "imageArn": "arn:x", "imageVersion": "3.0"}
    builds = {"items": [_build("4", "FAILED", BUILD_FAILED)]}
    world = World([failed], answers={"ListMicrovmImageBuilds": builds})
    with pytest.raises(WaiterFailureError, match=r"\(build 4/GRAVITON\)$"):
        world.run(_image_waiter("MicrovmImageVersionBuilt"))
    assert world.lookups[0][1] == {"imageIdentifier": "arn:x", "imageVersion": "3.0"}


@pytest.mark.parametrize(
    "failed",
    [
        _failed_image("1.0", "DELETING"),  # stopped by a deletion: an old build is unrelated
        _failed_image(None),  # no failed version to ask about
        _failed_image(""),
    ],
    ids=["other-failure-state", "no-version", "empty-version"],
)
def test_failure_reason_is_not_looked_up_when_it_cannot_apply(failed: dict[str, Any]) -> None:
    world = World([failed], answers={"ListMicrovmImageBuilds": {"items": []}})
    with pytest.raises(WaiterFailureError) as info:
        world.run(_image_waiter())
    assert world.lookups == []
    assert "image build failed" not in info.value.reason


def test_failure_reason_without_any_reason_adds_nothing() -> None:
    world = World(
        [_failed_image()],
        answers={
            "ListMicrovmImageBuilds": {"items": [_build("4", "FAILED")]},
            "GetMicrovmImageVersion": {"imageArn": "arn:x", "imageVersion": "4.0"},
        },
    )
    with pytest.raises(WaiterFailureError) as info:
        world.run(_image_waiter())
    assert info.value.reason == "reached a failure state (state = 'CREATE_FAILED')"
    assert len(world.lookups) == 2


def test_a_failed_lookup_still_raises_the_waiter_failure() -> None:
    denied = AccessDeniedException("not allowed to list builds", http_status=403)
    world = World([_failed_image()], answers={"ListMicrovmImageBuilds": denied})
    with pytest.raises(WaiterFailureError) as info:
        world.run(_image_waiter())
    assert info.value.reason == (
        f"reached a failure state (state = 'CREATE_FAILED') (failure details unavailable: {denied})"
    )
    assert info.value.last_response == Out(_failed_image())


def test_without_a_lookup_function_the_failure_has_no_details() -> None:
    world = World([_failed_image()])
    with pytest.raises(WaiterFailureError) as info:
        world.run(_image_waiter())
    assert info.value.reason == "reached a failure state (state = 'CREATE_FAILED')"


def test_describe_failure_replaces_the_failure_reason_lookups() -> None:
    world = World([_failed_image()], answers={"ListMicrovmImageBuilds": {"items": []}})
    with pytest.raises(WaiterFailureError) as info:
        world.run(_image_waiter(), describe_failure=lambda out: "told by the caller")
    assert info.value.reason.endswith(": told by the caller")
    assert world.lookups == []


def test_a_missing_message_field_reads_as_a_question_mark() -> None:
    reason = FailureReason(
        when="state",
        lookups=(FailureLookup("ListThings", (("id", "id"),), "items", "{why} ({where})"),),
    )
    waiter = spec(Acceptor("success", "path", "OK", "state"), Acceptor("failure", "path",
        "BAD", "state"), failure_reason=reason)  # fmt: skip
    world = World(
        [{"state": "BAD", "id": "t-1"}], answers={"ListThings": {"items": [{"why": "broke"}]}}
    )
    with pytest.raises(WaiterFailureError, match=r": broke \(\?\)$"):
        world.run(waiter)


# --- the engine is steps, free of I/O ----------------------------------------------


def test_the_engine_yields_polls_and_sleeps_and_returns_the_output() -> None:
    steps = wait_steps(READY, clock=lambda: 0.0, random=lambda: 1.0)
    assert next(steps) == Poll()
    assert steps.send((Out({"state": "PENDING"}), {"state": "PENDING"}, 200)) == Sleep(5.0)
    assert steps.send(None) == Poll()
    assert steps.throw(ThrottlingException("slow down", http_status=429)) == Sleep(10.0)
    assert steps.send(None) == Poll()
    with pytest.raises(StopIteration) as done:
        steps.send((Out({"state": "READY"}), {"state": "READY"}, 200))
    assert done.value.value == Out({"state": "READY"})


def test_the_engine_asks_for_lookups_with_wire_parameters() -> None:
    steps = wait_steps(_image_waiter(), clock=lambda: 0.0)
    assert next(steps) == Poll()
    failed = _failed_image()
    assert steps.send((Out(failed), failed, 200)) == Lookup(
        "ListMicrovmImageBuilds", {"imageIdentifier": "arn:x", "imageVersion": "4.0"}
    )
    with pytest.raises(WaiterFailureError, match=r"build failed: x \(build 4/GRAVITON\)"):
        steps.send((None, {"items": [_build("4", "FAILED", "x")]}, 200))


def test_the_engine_without_lookups_never_asks_for_one() -> None:
    steps = wait_steps(_image_waiter(), clock=lambda: 0.0, lookups=False)
    assert next(steps) == Poll()
    failed = _failed_image()
    with pytest.raises(WaiterFailureError):
        steps.send((Out(failed), failed, 200))


def test_path_can_reach_into_nested_members() -> None:
    nested = spec(Acceptor("success", "path", 2, "length(items[?state=='OK'])"))
    world = World([{"items": [{"state": "OK"}]}, {"items": [{"state": "OK"}, {"state": "OK"}]}])
    assert world.run(nested) is not None
    assert len(world.poll_times) == 2


@pytest.mark.parametrize(
    ("wire", "matches"),
    [
        ({"items": [{"s": "OK"}, {"s": "OK"}]}, True),
        ({"items": [{"s": "OK"}, {"s": "NO"}]}, False),
        ({"items": []}, False),  # an empty list never matches
        ({"items": None}, False),
        ({"items": {"s": "OK"}}, False),  # not a list
        ({}, False),
    ],
)
def test_path_all(wire: dict[str, Any], matches: bool) -> None:
    all_ok = spec(
        Acceptor("success", "pathAll", "OK", "items[].s"),
        Acceptor("failure", "error", True),
        max_attempts=1,
    )
    if matches:
        assert World([wire]).run(all_ok, max_attempts=1) == Out(wire)
    else:
        with pytest.raises(WaiterTimeoutError):
            World([wire]).run(all_ok, max_attempts=1)


@pytest.mark.parametrize(
    ("wire", "matches"),
    [
        ({"items": [{"s": "NO"}, {"s": "OK"}]}, True),
        ({"items": [{"s": "NO"}]}, False),
        ({"items": []}, False),
        ({"items": "OK"}, False),  # a string is not a list
        ({}, False),
    ],
)
def test_path_any(wire: dict[str, Any], matches: bool) -> None:
    any_ok = spec(Acceptor("success", "pathAny", "OK", "items[].s"))
    if matches:
        assert World([wire]).run(any_ok, max_attempts=1) == Out(wire)
    else:
        with pytest.raises(WaiterTimeoutError):
            World([wire]).run(any_ok, max_attempts=1)


def test_path_all_failure_with_any_state() -> None:
    builds = spec(
        Acceptor("success", "pathAll", "SUCCESSFUL", "items[].buildState"),
        Acceptor("failure", "pathAny", "FAILED", "items[].buildState"),
    )
    world = World(
        [
            {"items": [{"buildState": "IN_PROGRESS"}, {"buildState": "IN_PROGRESS"}]},
            {"items": [{"buildState": "SUCCESSFUL"}, {"buildState": "FAILED"}]},
        ]
    )
    with pytest.raises(WaiterFailureError, match=r"some items\[\]\.buildState = 'FAILED'"):
        world.run(builds)
    assert world.progress[0].state == "IN_PROGRESS, IN_PROGRESS"


def test_status_matcher_on_success_and_on_error() -> None:
    created = spec(Acceptor("success", "status", 201), Acceptor("retry", "status", 404))
    world = World([not_found(), ({"x": 1}, 200), ({"x": 2}, 201)])
    assert world.run(created) == Out({"x": 2})
    assert len(world.poll_times) == 3
    assert created.succeeds_on_error is False


def test_status_matcher_ignores_transport_errors() -> None:
    gone = spec(Acceptor("success", "status", 404))
    world = World([ConnectionError("reset"), not_found()])
    assert world.run(gone) is None
    assert len(world.poll_times) == 2


def test_error_matcher_with_a_code() -> None:
    deleted = spec(
        Acceptor("success", "error", "ResourceNotFoundException"),
        Acceptor("failure", "path", "DELETE_FAILED", "state"),
    )
    world = World([{"state": "DELETING"}, {"state": "DELETING"}, not_found()])
    assert world.run(deleted) is None  # success through an error: no output
    assert deleted.succeeds_on_error is True
    last = world.progress[-1]
    assert isinstance(last.error, ResourceNotFoundException)
    assert (last.output, last.state, last.next_delay) == (None, None, None)


def test_error_matcher_true_matches_any_service_error_only() -> None:
    any_error = spec(Acceptor("success", "error", True))
    world = World([ReadTimeoutError("slow"), {"state": "X"}, ValidationException("bad")])
    assert world.run(any_error) is None
    assert len(world.poll_times) == 3


def test_error_matcher_false_matches_a_successful_response() -> None:
    exists = spec(
        Acceptor("success", "error", False),
        Acceptor("retry", "error", "ResourceNotFoundException"),
    )
    world = World([not_found(), not_found(), {"state": "NEW"}])
    assert world.run(exists) == Out({"state": "NEW"})
    assert exists.succeeds_on_error is False


def test_path_matchers_never_match_an_error() -> None:
    # jmespath "!state" is true on an empty dict; an error must not be searched at all
    tricky = spec(
        Acceptor("success", "path", True, "!state"),
        Acceptor("retry", "error", "ResourceNotFoundException"),
    )
    world = World([not_found(), {"other": 1}])
    assert world.run(tricky) == Out({"other": 1})
    assert len(world.poll_times) == 2


def test_first_matching_acceptor_wins() -> None:
    ordered = spec(
        Acceptor("failure", "path", "READY", "state"),
        Acceptor("success", "path", "READY", "state"),
    )
    with pytest.raises(WaiterFailureError):
        World([{"state": "READY"}]).run(ordered)


def test_a_retry_acceptor_keeps_polling_even_on_errors() -> None:
    retrying = spec(
        Acceptor("success", "path", "READY", "state"),
        Acceptor("retry", "error", "ValidationException"),
    )
    world = World([ValidationException("not yet"), {"state": "READY"}])
    assert world.run(retrying) == Out({"state": "READY"})


# --- errors no acceptor matched --------------------------------------------------------


def test_non_retryable_error_propagates_at_once() -> None:
    error = AccessDeniedException("denied", http_status=403)
    world = World([{"state": "PENDING"}, error, {"state": "READY"}])
    with pytest.raises(AccessDeniedException) as info:
        world.run(READY)
    assert info.value is error
    assert len(world.poll_times) == 2
    assert world.sleeps == [5.0]
    assert world.progress[-1].error is error
    assert world.progress[-1].next_delay is None


@pytest.mark.parametrize(
    "error",
    [
        ThrottlingException("slow down", http_status=429),
        InternalServerException("oops", http_status=500),
        UnknownServiceError("<html>502</html>", code="BadGateway", http_status=502),
        UnknownServiceError("", code="Unavailable", http_status=503),
        ConnectionError("reset"),
        ReadTimeoutError("slow"),
    ],
)
def test_transient_errors_keep_polling(error: Exception) -> None:
    world = World([{"state": "PENDING"}, error, error, {"state": "READY"}])
    assert world.run(READY) == Out({"state": "READY"})
    assert len(world.poll_times) == 4
    assert [p.error for p in world.progress] == [None, error, error, None]


def test_not_found_is_tolerated_within_the_grace_window() -> None:
    world = World([not_found(), not_found(), not_found(), {"state": "READY"}])
    assert world.run(READY, not_found_grace=30, min_delay=5, max_delay=5) == Out({"state": "READY"})
    assert world.poll_times == [0, 5, 10, 15]


def test_not_found_after_the_grace_window_is_raised() -> None:
    world = World([not_found()])
    with pytest.raises(ResourceNotFoundException):
        world.run(READY, not_found_grace=12, min_delay=5, max_delay=5)
    # polls sent at 0, 5 and 10 s are inside the window; the one at 15 s is not
    assert world.poll_times == [0, 5, 10, 15]


def test_not_found_without_grace_is_raised_at_once() -> None:
    world = World([not_found()])
    with pytest.raises(ResourceNotFoundException):
        world.run(READY)
    assert world.poll_times == [0]


def test_grace_defaults_to_the_spec_and_counts_any_404() -> None:
    graceful = attrs.evolve(READY, not_found_grace=7.0)
    gone = UnknownServiceError("", code="NoSuchThing", http_status=404)
    world = World([gone, gone, {"state": "READY"}])
    assert world.run(graceful, min_delay=5, max_delay=5) is not None
    world = World([gone])
    with pytest.raises(UnknownServiceError):
        world.run(graceful, min_delay=5, max_delay=5)
    assert world.poll_times == [0, 5, 10]


def test_not_found_codes_are_configurable() -> None:
    world = World([UnknownServiceError("", code="NoSuchKey", http_status=400), {"state": "READY"}])
    assert world.run(READY, not_found_grace=10, not_found_codes={"NoSuchKey"}) is not None


def test_other_exceptions_are_not_caught() -> None:
    world = World([KeyError("bug in poll")])
    with pytest.raises(KeyError):
        world.run(READY)
    assert world.progress == []


# --- timing ------------------------------------------------------------------------


def test_delays_double_from_min_to_max_with_full_jitter_at_the_top() -> None:
    world = World([{"state": "PENDING"}] * 8 + [{"state": "READY"}])
    world.run(READY, random=lambda: 1.0, timeout=10_000)
    assert world.sleeps == [5, 10, 20, 30, 30, 30, 30, 30]


def test_delays_stay_at_min_delay_with_no_jitter() -> None:
    world = World([{"state": "PENDING"}] * 5 + [{"state": "READY"}])
    world.run(READY, random=lambda: 0.0)
    assert world.sleeps == [5, 5, 5, 5, 5]


@pytest.mark.parametrize("r", [0.0, 0.1, 0.37, 0.5, 0.9, 0.999999])
def test_jitter_is_uniform_between_min_delay_and_the_attempt_cap(r: float) -> None:
    world = World([{"state": "PENDING"}] * 12 + [{"state": "READY"}])
    world.run(READY, random=lambda: r, timeout=10_000)
    for attempt, delay in enumerate(world.sleeps, start=1):
        cap = min(30.0, 5.0 * 2 ** (attempt - 1))
        assert delay == pytest.approx(5.0 + r * (cap - 5.0))
        assert 5.0 <= delay <= cap


def test_fixed_delay_when_the_spec_only_has_botocore_fields() -> None:
    plain = WaiterSpec(
        name="Plain",
        operation="GetThing",
        delay=15,
        max_attempts=4,
        acceptors=(Acceptor("success", "path", "READY", "state"),),
    )
    assert (plain.default_min_delay, plain.default_max_delay, plain.default_timeout) == (
        15,
        15,
        60,
    )
    world = World([{"state": "PENDING"}])
    with pytest.raises(WaiterTimeoutError):
        world.run(plain, random=lambda: 0.7)
    # at 30 s a 15 s delay would leave 15 <= min_delay before the deadline, so (Smithy)
    # the waiter sleeps the whole 30 s and polls a last time at the deadline
    assert world.sleeps == [15, 15, 30]
    assert world.poll_times == [0, 15, 30, 60]


def test_timeout_makes_a_final_poll_at_the_deadline_and_never_sleeps_past_it() -> None:
    world = World([{"state": "CREATING"}])
    with pytest.raises(WaiterTimeoutError) as info:
        world.run(READY, timeout=60, random=lambda: 1.0)
    # 5, 10, 20 leave 25 s; a 30 s delay would overshoot, so sleep 25 s and poll at 60
    assert world.sleeps == [5, 10, 20, 25]
    assert world.poll_times == [0, 5, 15, 35, 60]
    error = info.value
    assert (error.attempts, error.elapsed, error.last_state) == (5, 60.0, "CREATING")
    assert error.last_response == Out({"state": "CREATING"})
    assert "timeout reached after 5 polls in 60.0 s; last state CREATING" in error.reason


def test_a_short_remainder_is_merged_into_the_last_sleep() -> None:
    # Smithy: when the delay would leave <= min_delay before the deadline, sleep to it.
    world = World([{"state": "CREATING"}])
    with pytest.raises(WaiterTimeoutError):
        world.run(READY, timeout=14, random=lambda: 0.0)
    # after 5 s: 9 s left, a 5 s delay would leave 4 <= 5, so sleep the 9 s at once
    assert world.sleeps == [5, 9]
    assert world.poll_times == [0, 5, 14]


def test_timeout_counts_poll_latency() -> None:
    world = World([{"state": "CREATING"}], latency=2.0)
    with pytest.raises(WaiterTimeoutError) as info:
        world.run(READY, timeout=30, random=lambda: 0.0)
    assert world.now - 1000 - 30 <= 2.0  # at most one poll's latency past the deadline
    assert all(t <= 30 for t in world.poll_times)
    assert world.poll_times[-1] == 30
    assert info.value.elapsed == 32.0


def test_a_slow_first_poll_past_the_deadline_times_out_without_sleeping() -> None:
    world = World([{"state": "CREATING"}], latency=100.0)
    with pytest.raises(WaiterTimeoutError):
        world.run(READY, timeout=60)
    assert world.sleeps == []


def test_timeout_defaults_to_the_spec() -> None:
    world = World([{"state": "CREATING"}])
    with pytest.raises(WaiterTimeoutError):
        world.run(READY, random=lambda: 1.0)
    assert sum(world.sleeps) == 600
    assert world.poll_times[-1] == 600


def test_max_attempts_limits_the_polls() -> None:
    world = World([{"state": "CREATING"}])
    with pytest.raises(WaiterTimeoutError) as info:
        world.run(READY, max_attempts=3)
    assert len(world.poll_times) == 3
    assert len(world.sleeps) == 2
    assert info.value.attempts == 3
    assert "attempt limit reached after 3 polls" in info.value.reason


def test_timeout_reports_the_last_transient_error() -> None:
    world = World([{"state": "CREATING"}, ConnectionError("reset")])
    with pytest.raises(WaiterTimeoutError) as info:
        world.run(READY, max_attempts=2)
    assert info.value.last_state == "CREATING"  # from the last successful poll
    assert isinstance(info.value.__cause__, ConnectionError)
    assert "last poll failed: reset" in info.value.reason


def test_delay_options_are_checked() -> None:
    with pytest.raises(ValueError, match="max_delay"):
        World([{}]).run(READY, min_delay=10, max_delay=5)
    with pytest.raises(ValueError, match="min_delay"):
        World([{}]).run(READY, min_delay=-1)
    with pytest.raises(ValueError, match="max_attempts"):
        World([{}]).run(READY, max_attempts=0)


def test_a_larger_min_delay_lifts_the_spec_max_delay() -> None:
    world = World([{"state": "CREATING"}] * 3 + [{"state": "READY"}])
    world.run(READY, min_delay=60, random=lambda: 1.0, timeout=10_000)
    assert world.sleeps == [60, 60, 60]


# --- callback ------------------------------------------------------------------------


def test_callback_after_every_poll_in_order() -> None:
    world = World(
        [{"state": "PENDING"}, ThrottlingException(http_status=429), {"state": "READY"}],
        latency=1.0,
    )
    world.run(READY, random=lambda: 1.0)
    throttled = world.progress[1].error
    assert isinstance(throttled, ThrottlingException)
    assert world.progress == [
        WaitProgress(1, 1.0, "PENDING", Out({"state": "PENDING"}), 5.0, None),
        WaitProgress(2, 7.0, None, None, 10.0, throttled),
        WaitProgress(3, 18.0, "READY", Out({"state": "READY"}), None, None),
    ]


def test_callback_sees_the_final_poll_before_a_failure_or_timeout() -> None:
    world = World([{"state": "BROKEN"}])
    with pytest.raises(WaiterFailureError):
        world.run(READY)
    assert [(p.attempt, p.state, p.next_delay) for p in world.progress] == [(1, "BROKEN", None)]

    world = World([{"state": "PENDING"}])
    with pytest.raises(WaiterTimeoutError):
        world.run(READY, max_attempts=2)
    assert [(p.attempt, p.next_delay) for p in world.progress] == [(1, 5.0), (2, None)]


def test_state_comes_from_the_failure_path_when_success_has_none() -> None:
    deleted = spec(
        Acceptor("success", "error", "ResourceNotFoundException"),
        Acceptor("failure", "path", "DELETE_FAILED", "state"),
    )
    assert deleted.state_path == "state"
    world = World([{"state": "DELETING"}, not_found()])
    world.run(deleted)
    assert world.progress[0].state == "DELETING"
    assert spec(Acceptor("success", "status", 200)).state_path is None


def test_non_string_states_are_reported_as_strings() -> None:
    counting = spec(Acceptor("success", "path", 3, "count"))
    world = World([{"count": 1}, {"count": 3}])
    world.run(counting)
    assert [p.state for p in world.progress] == ["1", "3"]


# --- load_waiters ------------------------------------------------------------------


def test_load_waiters_reads_botocore_fields_and_extensions() -> None:
    specs = load_waiters(
        {
            "version": 2,
            "waiters": {
                "ThingReady": {
                    "description": "Wait for it.",
                    "operation": "GetThing",
                    "delay": 15,
                    "maxAttempts": 40,
                    "minDelay": 2,
                    "maxDelay": 20.5,
                    "maxWaitTime": 900,
                    "notFoundGrace": 30,
                    "acceptors": [
                        {"state": "success", "matcher": "path", "argument": "a.b", "expected": 1},
                        {
                            "state": "failure",
                            "matcher": "pathAll",
                            "argument": "c[]",
                            "expected": "X",
                        },
                        {
                            "state": "failure",
                            "matcher": "pathAny",
                            "argument": "c[]",
                            "expected": "Y",
                        },
                        {"state": "retry", "matcher": "status", "expected": 404},
                        {"state": "retry", "matcher": "error", "expected": "Nope"},
                        {"state": "failure", "matcher": "error", "expected": True},
                    ],
                },
                "Plain": {
                    "operation": "GetThing",
                    "delay": 5,
                    "maxAttempts": 2,
                    "acceptors": [{"state": "success", "matcher": "error", "expected": False}],
                },
            },
        }
    )
    assert list(specs) == ["ThingReady", "Plain"]
    assert specs["ThingReady"] == WaiterSpec(
        name="ThingReady",
        operation="GetThing",
        delay=15,
        max_attempts=40,
        acceptors=(
            Acceptor("success", "path", 1, "a.b"),
            Acceptor("failure", "pathAll", "X", "c[]"),
            Acceptor("failure", "pathAny", "Y", "c[]"),
            Acceptor("retry", "status", 404),
            Acceptor("retry", "error", "Nope"),
            Acceptor("failure", "error", True),
        ),
        min_delay=2,
        max_delay=20.5,
        max_wait_time=900,
        not_found_grace=30,
        description="Wait for it.",
    )
    plain = specs["Plain"]
    assert (plain.min_delay, plain.max_delay, plain.max_wait_time) == (None, None, None)
    assert (plain.not_found_grace, plain.description) == (0.0, "")


def _doc(waiter: dict[str, Any]) -> dict[str, Any]:
    base: dict[str, Any] = {
        "operation": "GetThing",
        "delay": 5,
        "maxAttempts": 3,
        "acceptors": [{"state": "success", "matcher": "path", "argument": "s", "expected": "OK"}],
    }
    base.update(waiter)
    return {"version": 2, "waiters": {"W": base}}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"version": 1, "waiters": {}}, "version"),
        ({"version": 2}, "waiters"),
        ({"version": 2, "waiters": {"W": []}}, "object"),
        (_doc({"operation": ""}), "operation"),
        (_doc({"delay": "5"}), "delay"),
        (_doc({"delay": -1}), "delay"),
        (_doc({"maxAttempts": 1.5}), "maxAttempts"),
        (_doc({"maxAttempts": 0}), "maxAttempts"),
        (_doc({"maxAttempts": True}), "maxAttempts"),
        (_doc({"minDelay": 10, "maxDelay": 5}), "maxDelay"),
        (_doc({"maxWaitTime": float("inf")}), "maxWaitTime"),
        (_doc({"acceptors": []}), "acceptors"),
        (_doc({"description": 3}), "description"),
        (_doc({"acceptors": ["x"]}), "object"),
        (
            _doc({"acceptors": [{"state": "retry", "matcher": "status", "expected": 200}]}),
            "no success acceptor",
        ),
        (_doc({"acceptors": [{"state": "done", "matcher": "status", "expected": 1}]}), "state"),
        (_doc({"acceptors": [{"state": "success", "matcher": "input", "expected": 1}]}), "matcher"),
        (_doc({"acceptors": [{"state": "success", "matcher": "status"}]}), "expected"),
        (_doc({"acceptors": [{"state": "success", "matcher": "path", "expected": 1}]}), "argument"),
        (
            _doc(
                {
                    "acceptors": [
                        {"state": "success", "matcher": "pathAll", "argument": "a[", "expected": 1}
                    ]
                }
            ),
            "JMESPath",
        ),
        (
            _doc({"acceptors": [{"state": "success", "matcher": "status", "expected": "200"}]}),
            "integer",
        ),
        (_doc({"acceptors": [{"state": "success", "matcher": "error", "expected": 3}]}), "code"),
    ],
)
def test_load_waiters_rejects_invalid_documents(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_waiters(doc)


def test_load_waiters_drops_an_argument_on_non_path_matchers() -> None:
    specs = load_waiters(
        _doc(
            {
                "acceptors": [
                    {"state": "success", "matcher": "status", "argument": "x", "expected": 200}
                ]
            }
        )
    )
    assert specs["W"].acceptors == (Acceptor("success", "status", 200, None),)


_REASON: dict[str, Any] = {
    "when": "state == 'FAILED'",
    "prefix": "build failed: ",
    "lookups": [
        {
            "operation": "ListBuilds",
            "input": {"thingId": "id", "version": "version"},
            "reasons": "items[?why]",
            "message": "{why} ({where})",
        }
    ],
}


def test_load_waiters_reads_the_failure_reason_extension() -> None:
    (loaded,) = load_waiters(_doc({"failureReason": _REASON})).values()
    assert loaded.failure_reason == FailureReason(
        when="state == 'FAILED'",
        lookups=(
            FailureLookup(
                operation="ListBuilds",
                params=(("thingId", "id"), ("version", "version")),
                reasons="items[?why]",
                message="{why} ({where})",
            ),
        ),
        prefix="build failed: ",
    )
    (plain,) = load_waiters(_doc({})).values()
    assert plain.failure_reason is None


def _reason(**changes: Any) -> dict[str, Any]:
    reason = json.loads(json.dumps(_REASON))
    lookup = dict(reason["lookups"][0])
    for key, value in changes.items():
        if key in reason:
            reason[key] = value
        else:
            lookup[key] = value
    if "lookups" not in changes:
        reason["lookups"] = [lookup]
    return {"failureReason": reason}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (_doc({"failureReason": "why"}), r"failureReason must be an object"),
        (_doc(_reason(when="state ==")), r"failureReason.when: bad JMESPath"),
        (_doc(_reason(when=None)), r"failureReason.when must be a JMESPath"),
        (_doc(_reason(prefix=3)), r"failureReason.prefix must be a string"),
        (_doc(_reason(lookups=[])), r"failureReason.lookups must be a non-empty list"),
        (_doc(_reason(lookups=["x"])), r"lookups\[0\] must be an object"),
        (_doc(_reason(operation="")), r"lookups\[0\].operation must be a non-empty string"),
        (_doc(_reason(input={})), r"lookups\[0\].input must be a non-empty object"),
        (_doc(_reason(input={"a": "b["})), r"lookups\[0\].input.a: bad JMESPath"),
        (_doc(_reason(reasons=None)), r"lookups\[0\].reasons must be a JMESPath"),
        (_doc(_reason(message="")), r"lookups\[0\].message must be a non-empty string"),
    ],
)
def test_load_waiters_rejects_invalid_failure_reasons(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_waiters(doc)


# --- our waiters-2.json ------------------------------------------------------------


def _model() -> dict[str, Any]:
    model: dict[str, Any] = json.loads((MODEL_DIR / "service-2.json").read_text())
    return model


def _our_waiters() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((MODEL_DIR / "waiters-2.json").read_text())
    return doc


def _first_field(expression: str) -> str:
    jmespath = importlib.import_module("jmespath")
    node = jmespath.compile(expression).parsed
    while node["type"] != "field":
        assert node["children"], f"{expression!r} does not start with a member name"
        node = node["children"][0]
    return str(node["value"])


def _target_shape(model: dict[str, Any], expression: str, output: str) -> dict[str, Any] | None:
    """The shape of a simple dotted path, or None when the path is more complex."""
    if not all(part.isidentifier() for part in expression.split(".")):
        return None
    shape: dict[str, Any] = model["shapes"][output]
    for part in expression.split("."):
        shape = model["shapes"][shape["members"][part]["shape"]]
    return shape


EXPECTED_WAITERS = {
    "MicrovmImageCreated": "GetMicrovmImage",
    "MicrovmImageUpdated": "GetMicrovmImage",
    "MicrovmImageDeleted": "GetMicrovmImage",
    "MicrovmImageVersionBuilt": "GetMicrovmImageVersion",
    "MicrovmRunning": "GetMicrovm",
    "MicrovmSuspended": "GetMicrovm",
    "MicrovmTerminated": "GetMicrovm",
}


def test_our_waiters_load_and_name_the_expected_operations() -> None:
    specs = load_waiters(_our_waiters())
    assert {name: s.operation for name, s in specs.items()} == EXPECTED_WAITERS


def test_our_waiter_paths_name_output_members_and_states_exist() -> None:
    model = _model()
    for waiter in load_waiters(_our_waiters()).values():
        operation = model["operations"][waiter.operation]
        output = operation["output"]["shape"]
        members = model["shapes"][output]["members"]
        errors = {ref["shape"] for ref in operation.get("errors", [])}
        for acceptor in waiter.acceptors:
            if acceptor.argument is not None:
                assert _first_field(acceptor.argument) in members, (waiter.name, acceptor)
                shape = _target_shape(model, acceptor.argument, output)
                if shape is not None and "enum" in shape:
                    assert acceptor.expected in shape["enum"], (waiter.name, acceptor)
            if acceptor.matcher == "error" and isinstance(acceptor.expected, str):
                assert acceptor.expected in errors, (waiter.name, acceptor)


def test_our_waiters_transitions() -> None:
    specs = load_waiters(_our_waiters())

    def states(name: str, kind: str) -> set[Any]:
        return {a.expected for a in specs[name].acceptors if a.state == kind}

    assert states("MicrovmImageCreated", "success") == {"CREATED"}
    assert "CREATE_FAILED" in states("MicrovmImageCreated", "failure")
    assert states("MicrovmImageUpdated", "success") == {"UPDATED"}
    assert "UPDATE_FAILED" in states("MicrovmImageUpdated", "failure")
    assert "ResourceNotFoundException" in states("MicrovmImageDeleted", "success")
    assert states("MicrovmImageDeleted", "failure") == {"DELETE_FAILED"}
    assert states("MicrovmImageVersionBuilt", "success") == {"SUCCESSFUL"}
    assert "FAILED" in states("MicrovmImageVersionBuilt", "failure")
    assert states("MicrovmRunning", "success") == {"RUNNING"}
    assert states("MicrovmRunning", "failure") == {"TERMINATED", "TERMINATING"}
    assert states("MicrovmSuspended", "success") == {"SUSPENDED"}
    assert states("MicrovmSuspended", "failure") == {"TERMINATED", "TERMINATING"}
    assert states("MicrovmTerminated", "success") == {"TERMINATED"}
    assert states("MicrovmTerminated", "failure") == set()
    assert [n for n, s in specs.items() if s.succeeds_on_error] == ["MicrovmImageDeleted"]


def test_our_waiter_timings_are_consistent() -> None:
    for waiter in load_waiters(_our_waiters()).values():
        assert waiter.min_delay is not None and waiter.max_delay is not None
        assert 1 <= waiter.min_delay <= waiter.max_delay
        assert waiter.max_wait_time is not None
        # a botocore engine (fixed delay) gets the same budget from delay * maxAttempts
        assert waiter.delay * waiter.max_attempts == waiter.max_wait_time
        assert waiter.min_delay <= waiter.delay <= waiter.max_delay
    specs = load_waiters(_our_waiters())
    for name in ("MicrovmImageCreated", "MicrovmImageUpdated", "MicrovmImageVersionBuilt"):
        assert specs[name].max_wait_time == 45 * 60
        assert (specs[name].min_delay, specs[name].max_delay) == (5, 30)


def test_our_waiters_drive_a_simulated_image_build() -> None:
    created = load_waiters(_our_waiters())["MicrovmImageCreated"]
    # 30 s of not-found (eventual consistency), a 4-minute build, then CREATED
    world = World([not_found()] * 3 + [{"state": "CREATING"}] * 12 + [{"state": "CREATED"}])
    out = world.run(created, random=lambda: 0.5)
    assert out == Out({"state": "CREATED"})
    assert world.poll_times[2] < 30


def test_botocore_accepts_our_waiters_file() -> None:
    waiter_module = importlib.import_module("botocore.waiter")
    model = waiter_module.WaiterModel(_our_waiters())
    assert sorted(model.waiter_names) == sorted(EXPECTED_WAITERS)
    for name in model.waiter_names:
        config = model.get_waiter(name)
        assert [a.matcher for a in config.acceptors]


# --- import cost -------------------------------------------------------------------


def test_importing_the_engines_does_not_import_jmespath() -> None:
    code = (
        "import sys, microvm_sdk._core.waiter, microvm_sdk._core.paginator, "
        "microvm_sdk._core.retries; print('jmespath' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def _unused(callback: Callable[[WaitProgress[Out]], None]) -> None:
    """Type check: a callback typed for the output type is accepted."""
    wait(READY, World([{}]).poll, callback=callback)


@pytest.mark.parametrize(
    ("acceptor", "text"),
    [
        (Acceptor("success", "path", "UP", "state"), "state = 'UP'"),
        (Acceptor("success", "pathAll", "UP", "a[].s"), "every a[].s = 'UP'"),
        (Acceptor("success", "pathAny", "UP", "a[].s"), "some a[].s = 'UP'"),
        (Acceptor("success", "status", 404), "HTTP status 404"),
        (Acceptor("failure", "error", True), "an error"),
        (Acceptor("failure", "error", False), "no error"),
        (Acceptor("failure", "error", "Boom"), "error Boom"),
    ],
)
def test_acceptors_explain_what_they_matched(acceptor: Acceptor, text: str) -> None:
    assert acceptor.explain() == text


@pytest.mark.parametrize("key", ["operation", "delay", "maxAttempts", "acceptors"])
def test_load_waiters_requires_botocore_fields(key: str) -> None:
    doc = _doc({})
    del doc["waiters"]["W"][key]
    with pytest.raises(ValueError, match=f"has no '{key}'"):
        load_waiters(doc)
