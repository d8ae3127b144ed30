"""The ranges numeric client options must fall in, and the checks every place applies.

Options given to ``Config``, to a waiter or to a paginator are checked where they are
given, with exact comparisons (no conversion to ``float`` that could overflow, and
``NaN`` is never in a range), and a value out of range is reported with the option's
name and the range.
"""

from __future__ import annotations

__all__ = [
    "MAX_ATTEMPTS",
    "MAX_POOL_CONNECTIONS",
    "MAX_TIMEOUT",
    "MAX_WAITER_ATTEMPTS",
    "count_problem",
    "seconds_problem",
    "shown",
    "waiter_problems",
]

#: The longest timeout accepted, in seconds: 365 days (what ``0`` means on the AWS CLI's
#: command line). Longer values overflow the platform's socket and thread timeouts.
MAX_TIMEOUT = 365 * 24 * 3600

#: The most attempts per call accepted from any source. The retry quota ends a call long
#: before 10,000 attempts, so a larger value could only mean a mistake.
MAX_ATTEMPTS = 10_000

#: The most idle connections kept per host; more would exceed the usual open-file limit.
MAX_POOL_CONNECTIONS = 10_000

#: The most polls one waiter may be told to make. With the shortest backoff that is
#: years of polling, so a larger value could only mean a mistake.
MAX_WAITER_ATTEMPTS = 1_000_000


def shown(value: object) -> str:
    """A short ``repr`` for messages (a huge value is cut, not printed whole)."""
    try:
        text = repr(value)
    except ValueError:  # an int too long to print
        return f"an integer of {value.bit_length()} bits" if isinstance(value, int) else "?"
    return text if len(text) <= 40 else f"{text[:37]}..."


def seconds_problem(value: object, *, zero: bool) -> str | None:
    """What is wrong with ``value`` as a number of seconds, or ``None`` when nothing is.

    Args:
        value: The option's value: an ``int`` or a ``float`` (not a ``bool``).
        zero: Whether ``0`` is allowed (a delay may be zero; a timeout of a socket not).
    """
    if not isinstance(value, bool) and isinstance(value, int | float):
        low_ok = value >= 0 if zero else value > 0  # false for NaN
        if low_ok and value <= MAX_TIMEOUT:
            return None
    low = ">= 0" if zero else "> 0"
    return f"must be a number of seconds {low} and <= {MAX_TIMEOUT} (365 days), got {shown(value)}"


def count_problem(value: object, minimum: int, maximum: int | None) -> str | None:
    """What is wrong with ``value`` as a count in ``[minimum, maximum]``, or ``None``.

    ``maximum`` ``None`` means no upper bound. A count is an ``int`` (not a ``bool``).
    """
    if (
        not isinstance(value, bool)
        and isinstance(value, int)
        and value >= minimum
        and (maximum is None or value <= maximum)
    ):
        return None
    top = "" if maximum is None else f" and <= {maximum}"
    return f"must be an integer >= {minimum}{top}, got {shown(value)}"


def waiter_problems(
    *, timeout: object, min_delay: object, max_delay: object, max_attempts: object
) -> list[str]:
    """What is wrong with a waiter's options, one ``"name: problem"`` line each.

    ``None`` means the waiter's default and is always right. Whether ``max_delay`` is at
    least ``min_delay`` depends on the waiter's defaults: the waiter checks it.
    """
    problems = []
    for name, value in (("timeout", timeout), ("min_delay", min_delay), ("max_delay", max_delay)):
        problem = None if value is None else seconds_problem(value, zero=True)
        if problem is not None:
            problems.append(f"{name}: {problem}")
    if max_attempts is not None:
        problem = count_problem(max_attempts, 1, MAX_WAITER_ATTEMPTS)
        if problem is not None:
            problems.append(f"max_attempts: {problem}")
    return problems
