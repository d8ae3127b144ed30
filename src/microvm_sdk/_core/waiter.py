"""The waiter engine: poll an operation until an acceptor says success or failure.

Waiters are data (:class:`WaiterSpec`, read from a botocore ``waiters-2.json`` file by
:func:`load_waiters`) plus the one engine, :func:`wait_steps`. The engine does no I/O: it
is a generator that yields steps (:class:`Poll` the operation, :class:`Sleep`, or
:class:`Lookup` a follow-up operation that explains a failure) and is resumed with their
results. :func:`drive_wait` runs them with blocking calls (:func:`wait` is the engine and
that driver in one call) and :func:`drive_wait_async` with asyncio.

Matching follows botocore exactly. Acceptors are checked in order and the first that
matches decides:

* ``path``: the JMESPath expression ``argument``, applied to the response's wire dict
  (wire names, as on the JSON wire), equals ``expected``.
* ``pathAll`` / ``pathAny``: the expression gives a non-empty list whose elements all /
  any equal ``expected``. Anything else, an empty list included, does not match.
* ``status``: the HTTP status of the response, or of the error response, is ``expected``.
* ``error``: the call failed with the service error code ``expected``; ``true`` matches
  any service error and ``false`` any successful response.

Path matchers never match an error. When no acceptor matches, the waiter polls again,
unless the poll failed: an error that no acceptor matched is tolerated when it is
retryable (throttling, 5xx, connection trouble; see
:func:`~microvm_sdk._core.retries.classify_error`) or when it is a not-found error
within ``not_found_grace`` seconds of the start (reads can lag behind a create); any
other error is raised as it is.

Timing follows the Smithy waiter specification: after poll number ``n`` the waiter
sleeps a random time between ``min_delay`` and ``min(max_delay, min_delay * 2**(n-1))``
seconds, within an overall ``timeout``. It never sleeps past the deadline: when the
next delay would leave ``min_delay`` or less before it, the waiter sleeps until the
deadline and polls one last time.

When a failure acceptor matches and the waiter has a :class:`FailureReason` (the
``failureReason`` extension), the engine asks for its follow-up operations, in order, and
adds what the first one that explains anything says to the reason, for example::

    reached a failure state (state = 'CREATE_FAILED'): image build failed: The container
    image build failed. (build 4/GRAVITON)

JMESPath is imported on first use, so importing this module stays cheap.
"""

from __future__ import annotations

import functools
import importlib
import logging
import math
import random as _random
import re
import time
from collections.abc import (
    Awaitable,
    Callable,
    Collection,
    Generator,
    Iterable,
    Mapping,
    Sequence,
)
from typing import Any, Generic, Literal, TypeAlias, TypeVar, cast

import attrs

from microvm_sdk._core.errors import (
    MicrovmError,
    ParamValidationError,
    ServiceError,
    TransportError,
    WaiterFailureError,
    WaiterTimeoutError,
)
from microvm_sdk._core.limits import waiter_problems
from microvm_sdk._core.public import public_home
from microvm_sdk._core.retries import classify_error
from microvm_sdk._core.steps import Sleep

__all__ = [
    "DEFAULT_NOT_FOUND_CODES",
    "Acceptor",
    "AcceptorState",
    "FailureLookup",
    "FailureReason",
    "Lookup",
    "MatcherKind",
    "Poll",
    "Polled",
    "Sleep",
    "WaitProgress",
    "WaitStep",
    "WaitSteps",
    "WaiterSpec",
    "compile_expressions",
    "drive_wait",
    "drive_wait_async",
    "load_waiters",
    "wait",
    "wait_steps",
]

logger = logging.getLogger("microvm_sdk")

OutT = TypeVar("OutT")

AcceptorState = Literal["success", "failure", "retry"]
MatcherKind = Literal["path", "pathAll", "pathAny", "status", "error"]

_STATES: frozenset[str] = frozenset({"success", "failure", "retry"})
_PATH_MATCHERS: frozenset[str] = frozenset({"path", "pathAll", "pathAny"})
_MATCHERS: frozenset[str] = _PATH_MATCHERS | {"status", "error"}

#: Error codes that mean "the resource does not exist (yet)".
DEFAULT_NOT_FOUND_CODES: frozenset[str] = frozenset({"ResourceNotFoundException", "NotFound"})
_NOT_FOUND_STATUS = 404


@attrs.frozen(slots=True)
class Acceptor:
    """One rule of a waiter: when ``matcher`` matches, the waiter enters ``state``.

    Attributes:
        state: ``"success"``, ``"failure"`` or ``"retry"``.
        matcher: ``"path"``, ``"pathAll"``, ``"pathAny"``, ``"status"`` or ``"error"``.
        expected: The value the matcher compares with: any JSON value for path
            matchers, an ``int`` for ``status``, an error code or a ``bool`` for ``error``.
        argument: The JMESPath expression of a path matcher (wire names), else ``None``.
    """

    state: AcceptorState
    matcher: MatcherKind
    expected: Any
    argument: str | None = None

    def explain(self) -> str:
        """Describe in words what this acceptor matched."""
        if self.matcher == "path":
            return f"{self.argument} = {self.expected!r}"
        if self.matcher == "pathAll":
            return f"every {self.argument} = {self.expected!r}"
        if self.matcher == "pathAny":
            return f"some {self.argument} = {self.expected!r}"
        if self.matcher == "status":
            return f"HTTP status {self.expected}"
        if self.expected is True:
            return "an error"
        if self.expected is False:
            return "no error"
        return f"error {self.expected}"


@attrs.frozen(slots=True)
class FailureLookup:
    """A follow-up call that may explain why a waiter failed.

    Attributes:
        operation: The operation to call (``ListMicrovmImageBuilds``).
        params: ``(input member, expression)`` pairs: each input member (model name, as
            in ``call_wire``) gets the value of the JMESPath expression on the failed
            poll's wire output. When any value is missing, nothing is looked up.
        reasons: JMESPath expression on the call's wire output giving the list of
            entries that explain the failure (``items[?stateReason]``).
        message: The text for each entry; ``{member}`` is replaced by the entry's member
            of that wire name (``?`` when it has none).
    """

    operation: str
    params: tuple[tuple[str, str], ...]
    reasons: str
    message: str


@attrs.frozen(slots=True)
class FailureReason:
    """How a waiter explains a failure: follow-up calls whose answers go into the reason.

    Attributes:
        when: JMESPath expression on the failed poll's wire output; the lookups run only
            when it is truthy (for example only for a failed build, not for a deletion).
        lookups: Tried in order; the first that yields any entry gives the details.
        prefix: Put before the entries' messages, which are joined with ``"; "``.
    """

    when: str
    lookups: tuple[FailureLookup, ...]
    prefix: str = ""


@attrs.frozen(slots=True)
class WaiterSpec:
    """A waiter: which operation to poll, how often, and what its results mean.

    Attributes:
        name: The waiter's name in ``waiters-2.json`` (``MicrovmImageCreated``).
        operation: The operation polled (``GetMicrovmImage``).
        delay: botocore's fixed delay in seconds; the default ``min_delay`` and
            ``max_delay`` when those are not given.
        max_attempts: botocore's attempt budget; with ``delay`` it gives the default
            timeout when ``max_wait_time`` is not given.
        acceptors: The rules, checked in order.
        min_delay: Smallest delay between polls in seconds (extension ``minDelay``).
        max_delay: Largest delay between polls in seconds (extension ``maxDelay``).
        max_wait_time: Default timeout in seconds (extension ``maxWaitTime``).
        not_found_grace: Default seconds, from the start, during which a not-found
            error no acceptor matches is polled through (extension ``notFoundGrace``).
        description: What the waiter waits for.
        failure_reason: How to explain a failure (extension ``failureReason``), if at all.
    """

    name: str
    operation: str
    delay: float
    max_attempts: int
    acceptors: tuple[Acceptor, ...]
    min_delay: float | None = None
    max_delay: float | None = None
    max_wait_time: float | None = None
    not_found_grace: float = 0.0
    description: str = ""
    failure_reason: FailureReason | None = None

    @property
    def default_min_delay(self) -> float:
        """The smallest delay between polls when the caller does not choose one."""
        return self.delay if self.min_delay is None else self.min_delay

    @property
    def default_max_delay(self) -> float:
        """The largest delay between polls when the caller does not choose one."""
        return self.delay if self.max_delay is None else self.max_delay

    @property
    def default_timeout(self) -> float:
        """The timeout in seconds when the caller does not choose one."""
        if self.max_wait_time is not None:
            return self.max_wait_time
        return self.delay * self.max_attempts

    @property
    def succeeds_on_error(self) -> bool:
        """Whether success can be reached through an error (then :func:`wait` may return None)."""
        return any(
            acceptor.state == "success"
            and (
                (acceptor.matcher == "error" and acceptor.expected is not False)
                or (acceptor.matcher == "status" and acceptor.expected >= 300)
            )
            for acceptor in self.acceptors
        )

    @property
    def state_path(self) -> str | None:
        """The expression whose value is reported as the resource's state, if any.

        It is the argument of the first path-matcher success acceptor, else of the first
        path-matcher acceptor.
        """
        paths = [a for a in self.acceptors if a.matcher in _PATH_MATCHERS]
        for acceptor in paths:
            if acceptor.state == "success":
                return acceptor.argument
        return paths[0].argument if paths else None


@public_home("microvm_sdk.waiters")
@attrs.frozen(slots=True)
class WaitProgress(Generic[OutT]):
    """What a waiter saw on one poll, passed to the ``callback`` of :func:`wait`.

    Attributes:
        attempt: The number of the poll, starting at 1.
        elapsed: Seconds since the waiter started, when the poll returned.
        state: The resource's state as a string, or ``None``.
            It is the value at :attr:`WaiterSpec.state_path`; ``None`` when the poll
            failed or the output has none.
        output: The typed output of the poll, or ``None`` when it failed.
        error: The error the poll failed with, or ``None``.
        next_delay: Seconds the waiter sleeps before the next poll (``None`` after the last).
    """

    attempt: int
    elapsed: float
    state: str | None
    output: OutT | None
    next_delay: float | None
    error: MicrovmError | None = None


@attrs.frozen(slots=True)
class Poll:
    """Step: call the waiter's operation once; resume with its :data:`Polled` result."""


@attrs.frozen(slots=True)
class Lookup:
    """Step: call ``operation`` with ``params`` (model member names) to explain a failure.

    Resume with ``(None, wire output, HTTP status)``, or throw the call's error in.
    """

    operation: str
    params: Mapping[str, Any]


#: A poll's result: ``(typed output, wire dict, HTTP status)``; a lookup's has no typed output.
Polled: TypeAlias = tuple[OutT | None, Mapping[str, Any], int]
#: What :func:`wait_steps` asks its driver to do.
WaitStep: TypeAlias = Poll | Sleep | Lookup
#: A waiter as steps: it returns the final output (``None`` when success came by an error).
WaitSteps: TypeAlias = Generator[WaitStep, Polled[OutT] | None, OutT | None]

_POLL = Poll()


def wait_steps(
    spec: WaiterSpec,
    *,
    timeout: float | None = None,
    min_delay: float | None = None,
    max_delay: float | None = None,
    max_attempts: int | None = None,
    callback: Callable[[WaitProgress[OutT]], None] | None = None,
    describe_failure: Callable[[OutT], str | None] | None = None,
    not_found_grace: float | None = None,
    not_found_codes: Collection[str] = DEFAULT_NOT_FOUND_CODES,
    waiter_name: str | None = None,
    lookups: bool = True,
    clock: Callable[[], float] = time.monotonic,
    random: Callable[[], float] = _random.random,
) -> WaitSteps[OutT]:
    """The waiter engine: poll until an acceptor says success or failure, as steps.

    It yields :class:`Poll` (resume with the poll's :data:`Polled` result, or throw its
    ``MicrovmError`` in), :class:`Sleep` (resume with ``None``) and, to explain a
    failure, :class:`Lookup` (resume with ``(None, wire output, status)``, or throw the
    error in). Arguments, return value and errors are those of :func:`wait`; the
    options are checked at once, not when the steps start.

    Args:
        spec: The waiter.
        timeout: Seconds to wait in all; ``spec.default_timeout`` when ``None``.
        min_delay: Smallest delay between polls; ``spec.default_min_delay`` when ``None``.
        max_delay: Largest delay between polls; ``spec.default_max_delay`` when ``None``.
        max_attempts: Most polls to make; no limit but the timeout when ``None``.
        callback: Called after every poll, before the waiter sleeps, returns or raises.
        describe_failure: Explains a failure instead of ``spec.failure_reason``.
        not_found_grace: Seconds during which a not-found error is polled through.
        not_found_codes: Error codes that mean not-found (HTTP 404 always does).
        waiter_name: The name errors report; ``spec.name`` when ``None``.
        lookups: Whether the driver runs :class:`Lookup` steps; without them a failure
            is reported without ``spec.failure_reason``'s details.
        clock: Monotonic clock in seconds.
        random: Returns a float in ``[0, 1)``, for the jitter.
    """
    problems = waiter_problems(
        timeout=timeout, min_delay=min_delay, max_delay=max_delay, max_attempts=max_attempts
    )
    lo = spec.default_min_delay if min_delay is None else min_delay
    hi = spec.default_max_delay if max_delay is None else max_delay
    if hi < lo and not problems:
        if max_delay is not None:
            problems.append(f"max_delay: {hi} must be >= min_delay {lo}")
        hi = lo
    if problems:
        raise ParamValidationError(problems)
    return _wait_steps(
        spec,
        spec.name if waiter_name is None else waiter_name,
        budget=spec.default_timeout if timeout is None else timeout,
        lo=lo,
        hi=hi,
        max_attempts=max_attempts,
        callback=callback,
        describe_failure=describe_failure,
        grace=spec.not_found_grace if not_found_grace is None else not_found_grace,
        not_found_codes=not_found_codes,
        explain=spec.failure_reason if lookups else None,
        clock=clock,
        random=random,
    )


def _wait_steps(
    spec: WaiterSpec,
    name: str,
    *,
    budget: float,
    lo: float,
    hi: float,
    max_attempts: int | None,
    callback: Callable[[WaitProgress[OutT]], None] | None,
    describe_failure: Callable[[OutT], str | None] | None,
    grace: float,
    not_found_codes: Collection[str],
    explain: FailureReason | None,
    clock: Callable[[], float],
    random: Callable[[], float],
) -> WaitSteps[OutT]:
    """The generator :func:`wait_steps` returns, its options checked and defaulted."""
    state_path = spec.state_path
    start = clock()
    deadline = start + budget
    attempt = 0
    last_output: OutT | None = None
    last_state: str | None = None

    def report(
        output: OutT | None,
        state: str | None,
        error: MicrovmError | None,
        next_delay: float | None,
        elapsed: float,
    ) -> None:
        if callback is not None:
            callback(WaitProgress(attempt, elapsed, state, output, next_delay, error))

    while True:
        attempt += 1
        sent_at = clock() - start
        output: OutT | None = None
        wire: Mapping[str, Any] | None = None
        status: int | None = None
        error: ServiceError | TransportError | None = None
        try:
            polled = yield _POLL
            assert polled is not None  # a poll is answered with its result
            output, wire, status = polled
        except (ServiceError, TransportError) as exc:
            error = exc
            if isinstance(exc, ServiceError) and exc.http_status:
                status = exc.http_status
        now = clock()
        elapsed = now - start
        state: str | None = None
        if wire is not None:
            last_output = output
            state = _state_of(state_path, wire)
            last_state = state

        matched = _match(spec.acceptors, wire, status, error)
        if matched is not None and matched.state == "success":
            report(output, state, error, None, elapsed)
            return output
        if matched is not None and matched.state == "failure":
            report(output, state, error, None, elapsed)
            reason = f"reached a failure state ({matched.explain()})"
            if describe_failure is not None and wire is not None:
                reason += _failure_details(describe_failure, cast("OutT", output))
            elif explain is not None and wire is not None:
                reason += yield from _explain(explain, wire)
            failure = WaiterFailureError(name, reason, output if wire is not None else None)
            raise failure from error
        if (
            matched is None
            and error is not None
            and not _tolerated(error, sent_at, grace, not_found_codes)
        ):
            report(output, state, error, None, elapsed)
            raise error

        remaining = deadline - now
        if remaining <= 0 or (max_attempts is not None and attempt >= max_attempts):
            report(output, state, error, None, elapsed)
            what = "timeout" if remaining <= 0 else "attempt limit"
            reason = f"{what} reached after {attempt} polls in {elapsed:.1f} s"
            if last_state is not None:
                reason += f"; last state {last_state}"
            if error is not None:
                reason += f"; last poll failed: {error}"
            raise WaiterTimeoutError(
                name,
                reason,
                last_output,
                elapsed=elapsed,
                attempts=attempt,
                last_state=last_state,
            ) from error

        delay = _backoff(attempt, lo, hi, random)
        if remaining - delay <= lo:
            # Do not wait needlessly only to pass the deadline: sleep until it and
            # make one last poll there.
            delay = remaining
        report(output, state, error, delay, elapsed)
        yield Sleep(delay)


def wait(
    spec: WaiterSpec,
    poll: Callable[[], tuple[OutT, Mapping[str, Any], int]],
    *,
    timeout: float | None = None,
    min_delay: float | None = None,
    max_delay: float | None = None,
    max_attempts: int | None = None,
    callback: Callable[[WaitProgress[OutT]], None] | None = None,
    describe_failure: Callable[[OutT], str | None] | None = None,
    lookup: Callable[[str, Mapping[str, Any]], Mapping[str, Any]] | None = None,
    not_found_grace: float | None = None,
    not_found_codes: Collection[str] = DEFAULT_NOT_FOUND_CODES,
    waiter_name: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    random: Callable[[], float] = _random.random,
) -> OutT | None:
    """Poll until an acceptor of ``spec`` reports success or failure, or time runs out.

    The blocking driver of :func:`wait_steps`.

    Args:
        spec: The waiter.
        poll: Calls the operation once and returns ``(typed output, wire dict, HTTP
            status)``, or raises a ``ServiceError`` or ``TransportError``.
        timeout: Seconds to wait in all; ``spec.default_timeout`` when ``None``.
        min_delay: Smallest delay between polls; ``spec.default_min_delay`` when ``None``.
        max_delay: Largest delay between polls; ``spec.default_max_delay`` when
            ``None`` (raised to ``min_delay`` if that is larger).
        max_attempts: Most polls to make; no limit but the timeout when ``None``.
        callback: Called after every poll, before the waiter sleeps, returns or raises.
        describe_failure: Given the output that matched a failure acceptor, returns
            details to add to the failure reason (for example why a build failed).
            Errors it raises are reported in the reason instead of the details. It
            replaces ``spec.failure_reason``.
        lookup: Calls an operation with a dict of parameters (model member names) and
            returns its wire output, for ``spec.failure_reason``'s follow-up calls;
            without it a failure is reported without those details. Its errors are
            reported in the reason instead of the details.
        not_found_grace: Seconds from the start during which a not-found error that
            no acceptor matches is polled through; ``spec.not_found_grace`` when ``None``.
        not_found_codes: Error codes that mean not-found (HTTP 404 always does).
        waiter_name: The name errors report; ``spec.name`` when ``None``.
        clock: Monotonic clock in seconds.
        sleep: Sleeps for the given seconds.
        random: Returns a float in ``[0, 1)``, for the jitter.

    Returns:
        The typed output of the final poll, or ``None`` when success was reached
        through an error (for example a "deleted" waiter matching a not-found error).

    Raises:
        WaiterFailureError: A failure acceptor matched.
        WaiterTimeoutError: The timeout or ``max_attempts`` ran out first.
        ServiceError: A poll failed with an error that no acceptor matched and that is
            neither retryable nor a not-found error within the grace period.
        TransportError: Never: transport errors are polled through until time runs out.
        ParamValidationError: An option is not a number in its range (``timeout``,
            ``min_delay`` and ``max_delay`` from 0 to 365 days, ``max_attempts`` from 1
            to 1,000,000), or ``max_delay`` is below ``min_delay``. Nothing was polled.
    """
    steps: WaitSteps[OutT] = wait_steps(
        spec,
        timeout=timeout,
        min_delay=min_delay,
        max_delay=max_delay,
        max_attempts=max_attempts,
        callback=callback,
        describe_failure=describe_failure,
        not_found_grace=not_found_grace,
        not_found_codes=not_found_codes,
        waiter_name=waiter_name,
        lookups=lookup is not None,
        clock=clock,
        random=random,
    )
    return drive_wait(steps, poll, lookup=lookup, sleep=sleep)


def drive_wait(
    steps: WaitSteps[OutT],
    poll: Callable[[], tuple[OutT, Mapping[str, Any], int]],
    *,
    lookup: Callable[[str, Mapping[str, Any]], Mapping[str, Any]] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> OutT | None:
    """Run the steps of :func:`wait_steps` with blocking calls; return its result.

    Args:
        steps: The waiter (made with ``lookups=True`` only when ``lookup`` is given).
        poll: Polls the operation once (see :func:`wait`).
        lookup: Calls a follow-up operation with a dict of parameters; returns its wire
            output.
        sleep: Sleeps for the given seconds.
    """
    try:
        step = next(steps)
        while True:
            if isinstance(step, Sleep):
                sleep(step.seconds)
                step = steps.send(None)
                continue
            reply: Polled[OutT]
            try:
                if isinstance(step, Poll):
                    reply = poll()
                else:
                    assert lookup is not None  # wait_steps(lookups=False) otherwise
                    reply = (None, lookup(step.operation, step.params), 200)
            except MicrovmError as exc:
                step = steps.throw(exc)
            else:
                step = steps.send(reply)
    except StopIteration as done:
        result: OutT | None = done.value
        return result
    finally:
        steps.close()


async def drive_wait_async(
    steps: WaitSteps[OutT],
    poll: Callable[[], Awaitable[tuple[OutT, Mapping[str, Any], int]]],
    *,
    lookup: Callable[[str, Mapping[str, Any]], Awaitable[Mapping[str, Any]]] | None = None,
    sleep: Callable[[float], Awaitable[None]] | None = None,
) -> OutT | None:
    """Run the steps of :func:`wait_steps` with asyncio; return its result.

    :func:`drive_wait` with awaited ``poll``, ``lookup`` and ``sleep`` (by default
    :func:`asyncio.sleep`). The waiter's callback stays a plain function, called on the
    event loop. Cancelling the task that awaits this stops the waiter where it is (in a
    sleep or a poll) and closes the steps; nothing keeps running.
    """
    if sleep is None:
        import asyncio

        sleep = asyncio.sleep
    try:
        step = next(steps)
        while True:
            if isinstance(step, Sleep):
                await sleep(step.seconds)
                step = steps.send(None)
                continue
            reply: Polled[OutT]
            try:
                if isinstance(step, Poll):
                    reply = await poll()
                else:
                    assert lookup is not None  # wait_steps(lookups=False) otherwise
                    reply = (None, await lookup(step.operation, step.params), 200)
            except MicrovmError as exc:
                step = steps.throw(exc)
            else:
                step = steps.send(reply)
    except StopIteration as done:
        result: OutT | None = done.value
        return result
    finally:
        steps.close()


def _backoff(attempt: int, lo: float, hi: float, random: Callable[[], float]) -> float:
    """Smithy's waiter delay after poll number ``attempt``: jittered in ``[lo, cap]``."""
    # With min_delay 0 the doubling would stay at 0 for ever: grow from 1 s (or max_delay
    # if smaller) instead, so "start at once, back off to max_delay" does back off.
    base = lo if lo > 0 else min(hi, 1.0)
    cap = min(hi, base * 2.0 ** min(attempt - 1, 64))
    return lo + random() * max(0.0, cap - lo)


def _tolerated(
    error: ServiceError | TransportError,
    sent_at: float,
    grace: float,
    not_found_codes: Collection[str],
) -> bool:
    """Whether a poll error that no acceptor matched is polled through."""
    retryable, _ = classify_error(error)
    if retryable:
        return True
    if isinstance(error, ServiceError) and (
        error.code in not_found_codes or error.http_status == _NOT_FOUND_STATUS
    ):
        return sent_at < grace
    return False


def _failure_details(describe: Callable[[OutT], str | None], output: OutT) -> str:
    try:
        details = describe(output)
    except Exception as exc:  # details are a courtesy; the failure itself must surface
        return f" (failure details unavailable: {exc})"
    return f": {details}" if details else ""


_FIELD = re.compile(r"\{([A-Za-z0-9_]+)\}")


def _explain(
    reason: FailureReason, failed: Mapping[str, Any]
) -> Generator[Lookup, Polled[Any] | None, str]:
    """Run ``reason``'s lookups for the failed poll ``failed``; return the details text."""
    if not _search(reason.when, failed):
        return ""
    parts: list[str] = []
    try:
        for lookup in reason.lookups:
            params: dict[str, Any] = {}
            for member, expression in lookup.params:
                value = _search(expression, failed)
                if value is None or value == "":
                    return ""
                params[member] = value
            reply = yield Lookup(lookup.operation, params)
            assert reply is not None  # a lookup is answered with its result
            entries = _search(lookup.reasons, reply[1])
            for entry in entries if isinstance(entries, list) else ():
                if isinstance(entry, Mapping):
                    parts.append(_message(lookup.message, entry))
            if parts:
                break
    except MicrovmError as exc:  # details are a courtesy; the failure itself must surface
        logger.debug("could not look up why the waiter failed: %s", exc)
        return f" (failure details unavailable: {exc})"
    if not parts:
        return ""
    return ": " + reason.prefix + "; ".join(dict.fromkeys(parts))


def _message(template: str, entry: Mapping[str, Any]) -> str:
    """``template`` with each ``{member}`` replaced by ``entry``'s value (``?`` if none)."""

    def value(match: re.Match[str]) -> str:
        found = entry.get(match[1])
        return "?" if found is None or found == "" else str(found)

    return _FIELD.sub(value, template)


def _match(
    acceptors: Sequence[Acceptor],
    wire: Mapping[str, Any] | None,
    status: int | None,
    error: ServiceError | TransportError | None,
) -> Acceptor | None:
    for acceptor in acceptors:
        if _matches(acceptor, wire, status, error):
            return acceptor
    return None


def _matches(
    acceptor: Acceptor,
    wire: Mapping[str, Any] | None,
    status: int | None,
    error: ServiceError | TransportError | None,
) -> bool:
    matcher = acceptor.matcher
    expected = acceptor.expected
    if matcher == "status":
        return status is not None and status == expected
    if matcher == "error":
        if expected is True:
            return isinstance(error, ServiceError)
        if expected is False:
            return error is None
        return isinstance(error, ServiceError) and error.code == expected
    if wire is None:  # path matchers look at successful responses only
        return False
    assert acceptor.argument is not None
    result = _search(acceptor.argument, wire)
    if matcher == "path":
        return bool(result == expected)
    # pathAll / pathAny need a non-empty list; anything else does not match.
    if not isinstance(result, list) or not result:
        return False
    if matcher == "pathAll":
        return all(element == expected for element in result)
    return any(element == expected for element in result)


def _state_of(path: str | None, wire: Mapping[str, Any]) -> str | None:
    if path is None:
        return None
    value = _search(path, wire)
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(str(element) for element in value)
    return str(value)


def compile_expressions(specs: Iterable[WaiterSpec]) -> None:
    """Compile every JMESPath expression of ``specs`` now (importing JMESPath).

    Waiters compile their expressions on first use; call this ahead of time where that
    first use must not import or compile (an event loop's thread).
    """
    for spec in specs:
        for acceptor in spec.acceptors:
            if acceptor.argument is not None:
                _compile(acceptor.argument)
        reason = spec.failure_reason
        if reason is not None:
            _compile(reason.when)
            for lookup in reason.lookups:
                _compile(lookup.reasons)
                for _, expression in lookup.params:
                    _compile(expression)


def _search(expression: str, wire: Mapping[str, Any]) -> Any:
    return _compile(expression).search(wire)


@functools.lru_cache(maxsize=256)
def _compile(expression: str) -> Any:
    # Imported here so that importing the SDK does not import JMESPath.
    jmespath = importlib.import_module("jmespath")
    return jmespath.compile(expression)


def load_waiters(config: Mapping[str, Any]) -> dict[str, WaiterSpec]:
    """Read a botocore ``waiters-2.json`` document (version 2) into waiter specs.

    Besides botocore's fields, each waiter may carry the optional extensions
    ``minDelay``, ``maxDelay``, ``maxWaitTime`` and ``notFoundGrace`` (seconds), and
    ``failureReason`` (see :class:`FailureReason`)::

        "failureReason": {
          "when": "state == 'FAILED'",
          "prefix": "build failed: ",
          "lookups": [{"operation": "ListBuilds",
                       "input": {"imageIdentifier": "imageArn"},
                       "reasons": "items[?stateReason]",
                       "message": "{stateReason} (build {buildId})"}]
        }

    Args:
        config: The parsed JSON document.

    Returns:
        The waiters by name, in the document's order.

    Raises:
        ValueError: The document is not a valid version 2 waiter document (unknown
            version, state or matcher, missing field, bad ``expected`` type, a
            JMESPath expression that does not compile, inconsistent delays).
    """
    if config.get("version") != 2:
        raise ValueError(f"unsupported waiter document version: {config.get('version')!r}")
    waiters = config.get("waiters")
    if not isinstance(waiters, Mapping):
        raise ValueError("the waiter document has no 'waiters' object")
    return {name: _load_waiter(name, body) for name, body in waiters.items()}


def _number(value: object, where: str, *, integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where} must be a number, got {value!r}")
    if integer and not isinstance(value, int):
        raise ValueError(f"{where} must be an integer, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{where} must be a finite number >= 0, got {value!r}")
    return float(value)


def _optional_number(body: Mapping[str, Any], key: str, where: str) -> float | None:
    value = body.get(key)
    return None if value is None else _number(value, f"{where}.{key}")


def _load_waiter(name: str, body: Any) -> WaiterSpec:
    if not isinstance(body, Mapping):
        raise ValueError(f"waiter {name} must be an object")
    for key in ("operation", "delay", "maxAttempts", "acceptors"):
        if key not in body:
            raise ValueError(f"waiter {name} has no {key!r}")
    operation = body["operation"]
    if not isinstance(operation, str) or not operation:
        raise ValueError(f"waiter {name}.operation must be a non-empty string")
    delay = _number(body["delay"], f"{name}.delay")
    max_attempts = int(_number(body["maxAttempts"], f"{name}.maxAttempts", integer=True))
    if max_attempts < 1:
        raise ValueError(f"waiter {name}.maxAttempts must be >= 1")
    raw_acceptors = body["acceptors"]
    if not isinstance(raw_acceptors, list) or not raw_acceptors:
        raise ValueError(f"waiter {name}.acceptors must be a non-empty list")
    acceptors = tuple(
        _load_acceptor(f"{name}.acceptors[{i}]", a) for i, a in enumerate(raw_acceptors)
    )
    if not any(a.state == "success" for a in acceptors):
        raise ValueError(f"waiter {name} has no success acceptor")
    min_delay = _optional_number(body, "minDelay", name)
    max_delay = _optional_number(body, "maxDelay", name)
    if min_delay is not None and max_delay is not None and max_delay < min_delay:
        raise ValueError(f"waiter {name}: maxDelay must be >= minDelay")
    description = body.get("description", "")
    if not isinstance(description, str):
        raise ValueError(f"waiter {name}.description must be a string")
    return WaiterSpec(
        name=name,
        operation=operation,
        delay=delay,
        max_attempts=max_attempts,
        acceptors=acceptors,
        min_delay=min_delay,
        max_delay=max_delay,
        max_wait_time=_optional_number(body, "maxWaitTime", name),
        not_found_grace=_optional_number(body, "notFoundGrace", name) or 0.0,
        description=description,
        failure_reason=_load_failure_reason(f"{name}.failureReason", body.get("failureReason")),
    )


def _expression(where: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{where} must be a JMESPath expression")
    try:
        _compile(value)
    except Exception as exc:  # jmespath raises its own ParseError family
        raise ValueError(f"{where}: bad JMESPath expression {value!r}: {exc}") from exc
    return value


def _load_failure_reason(where: str, body: object) -> FailureReason | None:
    if body is None:
        return None
    if not isinstance(body, Mapping):
        raise ValueError(f"{where} must be an object")
    prefix = body.get("prefix", "")
    if not isinstance(prefix, str):
        raise ValueError(f"{where}.prefix must be a string")
    raw = body.get("lookups")
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{where}.lookups must be a non-empty list")
    lookups = []
    for i, item in enumerate(raw):
        at = f"{where}.lookups[{i}]"
        if not isinstance(item, Mapping):
            raise ValueError(f"{at} must be an object")
        operation = item.get("operation")
        if not isinstance(operation, str) or not operation:
            raise ValueError(f"{at}.operation must be a non-empty string")
        params = item.get("input")
        if not isinstance(params, Mapping) or not params:
            raise ValueError(f"{at}.input must be a non-empty object")
        message = item.get("message")
        if not isinstance(message, str) or not message:
            raise ValueError(f"{at}.message must be a non-empty string")
        lookups.append(
            FailureLookup(
                operation=operation,
                params=tuple(
                    (str(member), _expression(f"{at}.input.{member}", expression))
                    for member, expression in params.items()
                ),
                reasons=_expression(f"{at}.reasons", item.get("reasons")),
                message=message,
            )
        )
    return FailureReason(
        when=_expression(f"{where}.when", body.get("when")), lookups=tuple(lookups), prefix=prefix
    )


def _load_acceptor(where: str, body: Any) -> Acceptor:
    if not isinstance(body, Mapping):
        raise ValueError(f"{where} must be an object")
    state = body.get("state")
    matcher = body.get("matcher")
    if state not in _STATES:
        raise ValueError(f"{where}.state must be one of {sorted(_STATES)}, got {state!r}")
    if matcher not in _MATCHERS:
        raise ValueError(f"{where}.matcher must be one of {sorted(_MATCHERS)}, got {matcher!r}")
    if "expected" not in body:
        raise ValueError(f"{where} has no 'expected'")
    expected = body["expected"]
    argument = body.get("argument")
    if matcher in _PATH_MATCHERS:
        if not isinstance(argument, str) or not argument:
            raise ValueError(f"{where}: a {matcher} matcher needs an 'argument' expression")
        try:
            _compile(argument)
        except Exception as exc:  # jmespath raises its own ParseError family
            raise ValueError(f"{where}: bad JMESPath expression {argument!r}: {exc}") from exc
    else:
        argument = None
        if matcher == "status" and (isinstance(expected, bool) or not isinstance(expected, int)):
            raise ValueError(f"{where}: a status matcher expects an integer, got {expected!r}")
        if matcher == "error" and not isinstance(expected, str | bool):
            raise ValueError(f"{where}: an error matcher expects a code or a boolean")
    return Acceptor(
        state=cast("AcceptorState", state),
        matcher=cast("MatcherKind", matcher),
        expected=expected,
        argument=argument,
    )
