"""Fault injection: make chosen calls fail, slow down or lose their connection.

Every rule targets one operation (or ``"*"``, every operation) and fires either on
every matching call, on the next ``count`` matching calls, or at random with a given
``probability`` (from a seeded generator, so runs repeat), or both (``count`` then
bounds how often it fires). A rule with a ``rate`` fires only on the calls beyond that
many a second, as a service's request-rate limit does: a token bucket holding ``burst``
calls, refilled at ``rate`` a second; a call that finds a token takes it and passes.
Latency rules add up and never stop a call; of the other rules the first one that fires,
in the order they were added, decides the answer.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal

import attrs

from microvm_sdk.local._errors import EmulatedError

__all__ = ["FaultDecision", "FaultInjector", "FaultRule"]

FaultKind = Literal["error", "latency", "drop"]
_KINDS = ("error", "latency", "drop")


@attrs.define(slots=True)
class FaultRule:
    """One fault-injection rule.

    Attributes:
        id: The rule's id (``fault-1``), used to remove it.
        kind: ``error`` (answer with an error), ``latency`` (delay the answer) or
            ``drop`` (close the connection without answering).
        operation: The operation name it targets, or ``"*"`` for all.
        count: How many more times it may fire; ``None`` for no limit.
        probability: The chance it fires on a matching call; ``None`` for always.
        status: The HTTP status of an ``error`` rule.
        code: The error code (``X-Amzn-ErrorType``) of an ``error`` rule.
        message: The error message of an ``error`` rule.
        retry_after: Seconds sent in a ``Retry-After`` header, if any.
        fields: Extra members of the error body.
        seconds: The delay of a ``latency`` rule.
        rate: Calls a second that pass before the rule fires (``None``: no rate limit).
        burst: Calls that may pass at once before the rate applies (``rate`` by default,
            at least 1).
        fired: How many times the rule has fired.
    """

    id: str
    kind: FaultKind
    operation: str = "*"
    count: int | None = None
    probability: float | None = None
    status: int = 500
    code: str = "InternalServerException"
    message: str = "Internal server error"
    retry_after: float | None = None
    fields: dict[str, Any] = attrs.field(factory=dict)
    seconds: float = 0.0
    rate: float | None = None
    burst: float | None = None
    fired: int = 0
    _tokens: float | None = attrs.field(default=None, init=False, repr=False, eq=False)
    _refilled: float = attrs.field(default=0.0, init=False, repr=False, eq=False)

    def within_rate(self, now: float) -> bool:
        """Whether a call at ``now`` is within the rule's rate (and takes a token if so)."""
        if self.rate is None:
            return False
        capacity = self.burst if self.burst is not None else max(1.0, self.rate)
        if self._tokens is None:
            self._tokens = capacity  # a rate limit starts with a full bucket
        else:
            self._tokens = min(capacity, self._tokens + (now - self._refilled) * self.rate)
        self._refilled = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False

    def to_json(self) -> dict[str, Any]:
        """Return the rule as the admin API shows it."""
        data: dict[str, Any] = {
            "id": self.id,
            "type": self.kind,
            "operation": self.operation,
            "count": self.count,
            "probability": self.probability,
            "fired": self.fired,
        }
        if self.rate is not None:
            data.update(rate=self.rate, burst=self.burst)
        if self.kind == "error":
            data.update(status=self.status, code=self.code, message=self.message)
            if self.retry_after is not None:
                data["retryAfter"] = self.retry_after
            if self.fields:
                data["fields"] = dict(self.fields)
        elif self.kind == "latency":
            data["seconds"] = self.seconds
        return data

    def error(self) -> EmulatedError:
        """Return the error an ``error`` rule answers with."""
        headers: dict[str, str] = {}
        if self.retry_after is not None:
            value = self.retry_after
            headers["Retry-After"] = str(int(value)) if float(value).is_integer() else str(value)
        return EmulatedError(self.code, self.status, self.message, self.fields, headers)


@attrs.frozen(slots=True)
class FaultDecision:
    """What the faults decided for one call: a delay, then maybe an error or a drop."""

    delay: float = 0.0
    error: EmulatedError | None = None
    drop: bool = False


_NO_FAULT = FaultDecision()


class FaultInjector:
    """The fault-injection rules of one server (``LocalServer.faults``).

    Args:
        seed: Seed of the random generator used by ``probability`` rules.
        clock: The clock ``rate`` rules measure calls by (seconds; real time, not the
            backend's virtual clock, since a rate limit is about how fast calls arrive).
    """

    def __init__(self, seed: int | None = 0, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._not_found: dict[str, float] = {}
        self._ids = itertools.count(1)
        self._random = random.Random(seed)

    # -- configuration ------------------------------------------------------------

    def seed(self, seed: int | None) -> None:
        """Reseed the random generator used by ``probability`` rules."""
        with self._lock:
            self._random.seed(seed)

    def add(self, rule: FaultRule) -> FaultRule:
        """Add a rule (after the existing ones) and return it."""
        if rule.kind not in _KINDS:
            raise ValueError(f"unknown fault type {rule.kind!r}")
        if rule.probability is not None and not 0.0 <= rule.probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        if rule.count is not None and rule.count < 0:
            raise ValueError("count must not be negative")
        if rule.rate is not None and not rule.rate > 0:
            raise ValueError("rate must be a number of calls a second > 0")
        if rule.burst is not None and (rule.rate is None or not rule.burst >= 1):
            raise ValueError("burst must be >= 1, and needs a rate")
        with self._lock:
            self._rules.append(rule)
        return rule

    def _new(self, kind: FaultKind, operation: str, **kwargs: Any) -> FaultRule:
        rule_id = f"fault-{next(self._ids)}"
        return self.add(FaultRule(id=rule_id, kind=kind, operation=operation, **kwargs))

    def error(
        self,
        code: str,
        status: int,
        message: str,
        operation: str = "*",
        *,
        count: int | None = None,
        probability: float | None = None,
        retry_after: float | None = None,
        fields: Mapping[str, Any] | None = None,
        rate: float | None = None,
        burst: float | None = None,
    ) -> FaultRule:
        """Answer matching calls with an error of your choosing.

        Args:
            code: The error code (``ServiceQuotaExceededException``).
            status: The HTTP status (``402``).
            message: The message.
            operation: The operation name, or ``"*"``.
            count: Fire on the next ``count`` matching calls only.
            probability: Fire with this probability.
            retry_after: Send a ``Retry-After`` header with these seconds.
            fields: Extra members of the error body.
            rate: Fire only on calls beyond this many a second.
            burst: With ``rate``: calls that may pass at once (``rate`` by default).

        Returns:
            The rule.
        """
        return self._new(
            "error",
            operation,
            count=count,
            probability=probability,
            status=status,
            code=code,
            message=message,
            retry_after=retry_after,
            fields=dict(fields or {}),
            rate=rate,
            burst=burst,
        )

    def throttle(
        self,
        operation: str = "*",
        *,
        count: int | None = None,
        probability: float | None = None,
        retry_after: float = 1,
        message: str = "Rate exceeded",
        rate: float | None = None,
        burst: float | None = None,
    ) -> FaultRule:
        """Answer matching calls with ``429 ThrottlingException`` and ``Retry-After``.

        With ``rate``, only the calls beyond ``rate`` a second are throttled, as the
        service's request-rate quotas do (RunMicrovm: a few calls a second).
        """
        return self.error(
            "ThrottlingException",
            429,
            message,
            operation,
            count=count,
            probability=probability,
            retry_after=retry_after,
            rate=rate,
            burst=burst,
        )

    def server_error(
        self,
        operation: str = "*",
        *,
        count: int | None = None,
        probability: float | None = None,
        message: str = "Internal server error",
        retry_after: float | None = None,
    ) -> FaultRule:
        """Answer matching calls with ``500 InternalServerException``."""
        return self.error(
            "InternalServerException",
            500,
            message,
            operation,
            count=count,
            probability=probability,
            retry_after=retry_after,
        )

    def unavailable(
        self,
        operation: str = "*",
        *,
        count: int | None = None,
        probability: float | None = None,
        message: str = "Service Unavailable",
    ) -> FaultRule:
        """Answer matching calls with ``503 ServiceUnavailableException``."""
        return self.error(
            "ServiceUnavailableException",
            503,
            message,
            operation,
            count=count,
            probability=probability,
        )

    def latency(
        self,
        seconds: float,
        operation: str = "*",
        *,
        count: int | None = None,
        probability: float | None = None,
    ) -> FaultRule:
        """Delay the answer to matching calls by ``seconds``."""
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        return self._new(
            "latency", operation, count=count, probability=probability, seconds=seconds
        )

    def drop(
        self,
        operation: str = "*",
        *,
        count: int | None = None,
        probability: float | None = None,
    ) -> FaultRule:
        """Close the connection of matching calls without answering."""
        return self._new("drop", operation, count=count, probability=probability)

    def set_not_found_window(self, seconds: float, operation: str = "*") -> None:
        """Ask the backend to answer 404 for a resource this long after creating it.

        Args:
            seconds: The window; ``0`` turns it off.
            operation: The read operation it applies to (``GetMicrovm``), or ``"*"``.
        """
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        with self._lock:
            if seconds:
                self._not_found[operation] = float(seconds)
            else:
                self._not_found.pop(operation, None)

    @property
    def has_not_found_windows(self) -> bool:
        """Whether any not-found window is set."""
        return bool(self._not_found)

    def not_found_window(self, operation: str) -> float:
        """Seconds after creation during which ``operation`` should not find a resource.

        The backend consults this hook; ``0.0`` means no window.
        """
        windows = self._not_found
        if not windows:
            return 0.0
        return windows.get(operation, windows.get("*", 0.0))

    def remove(self, rule_id: str) -> bool:
        """Remove a rule by id; tell whether it existed."""
        with self._lock:
            for index, rule in enumerate(self._rules):
                if rule.id == rule_id:
                    del self._rules[index]
                    return True
        return False

    def clear(self) -> None:
        """Remove every rule and not-found window."""
        with self._lock:
            self._rules.clear()
            self._not_found.clear()

    @property
    def rules(self) -> list[FaultRule]:
        """A snapshot of the current rules."""
        with self._lock:
            return list(self._rules)

    def to_json(self) -> dict[str, Any]:
        """Return the rules and windows as the admin API shows them."""
        with self._lock:
            return {
                "faults": [rule.to_json() for rule in self._rules],
                "notFoundWindows": dict(self._not_found),
            }

    def add_json(self, data: Mapping[str, Any]) -> FaultRule | None:
        """Add a rule described as JSON (the admin API's format).

        ``{"type": "throttle" | "error" | "server_error" | "unavailable" | "latency" |
        "drop" | "not_found_window", "operation": "*", "count": n, "probability": p, ...}``
        with ``status``, ``code``, ``message``, ``retryAfter``, ``fields`` for errors,
        ``rate`` and ``burst`` for throttles and errors, and ``seconds`` for latency and
        not-found windows.

        Returns:
            The rule, or ``None`` for a not-found window.

        Raises:
            ValueError: The description is invalid.
        """
        kind = data.get("type")
        operation = str(data.get("operation", "*"))
        count = _optional_int(data, "count")
        probability = _optional_float(data, "probability")
        if kind == "throttle":
            return self.throttle(
                operation,
                count=count,
                probability=probability,
                retry_after=_optional_float(data, "retryAfter") or 1,
                message=str(data.get("message", "Rate exceeded")),
                rate=_optional_float(data, "rate"),
                burst=_optional_float(data, "burst"),
            )
        if kind == "server_error":
            return self.server_error(
                operation,
                count=count,
                probability=probability,
                message=str(data.get("message", "Internal server error")),
                retry_after=_optional_float(data, "retryAfter"),
            )
        if kind == "unavailable":
            return self.unavailable(
                operation,
                count=count,
                probability=probability,
                message=str(data.get("message", "Service Unavailable")),
            )
        if kind == "error":
            fields = data.get("fields", {})
            if not isinstance(fields, dict):
                raise ValueError("fields must be an object")
            return self.error(
                str(data.get("code", "InternalServerException")),
                _optional_int(data, "status") or 500,
                str(data.get("message", "Internal server error")),
                operation,
                count=count,
                probability=probability,
                retry_after=_optional_float(data, "retryAfter"),
                fields=fields,
                rate=_optional_float(data, "rate"),
                burst=_optional_float(data, "burst"),
            )
        if kind == "latency":
            return self.latency(
                _optional_float(data, "seconds") or 0.0,
                operation,
                count=count,
                probability=probability,
            )
        if kind == "drop":
            return self.drop(operation, count=count, probability=probability)
        if kind == "not_found_window":
            self.set_not_found_window(_optional_float(data, "seconds") or 0.0, operation)
            return None
        raise ValueError(f"unknown fault type {kind!r}")

    # -- evaluation ---------------------------------------------------------------

    def decide(self, operation: str) -> FaultDecision:
        """Decide what happens to one call of ``operation`` (and count the firing)."""
        if not self._rules:
            return _NO_FAULT
        delay = 0.0
        with self._lock:
            now: float | None = None
            for rule in list(self._rules):
                if rule.operation not in ("*", operation):
                    continue
                if rule.count is not None and rule.count <= 0:
                    continue
                if rule.probability is not None and self._random.random() >= rule.probability:
                    continue
                if rule.rate is not None:
                    now = self._clock() if now is None else now
                    if rule.within_rate(now):
                        continue
                rule.fired += 1
                if rule.count is not None:
                    rule.count -= 1
                    if rule.count <= 0:
                        self._rules.remove(rule)
                if rule.kind == "latency":
                    delay += rule.seconds
                elif rule.kind == "drop":
                    return FaultDecision(delay=delay, drop=True)
                else:
                    return FaultDecision(delay=delay, error=rule.error())
        return FaultDecision(delay=delay) if delay else _NO_FAULT


def _optional_int(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key} must be a number")
    return int(value)


def _optional_float(data: Mapping[str, Any], key: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key} must be a number")
    return float(value)
