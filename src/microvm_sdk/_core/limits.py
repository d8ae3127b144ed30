"""The ranges and values client options may take, and the checks every place applies.

Shared by every place options are read: arguments, ``Config``, waiters, paginators,
environment variables and the shared config file. Numbers are checked with exact
comparisons (no conversion to ``float`` that could overflow, and ``NaN`` is never in a
range), and a value out of range is reported with the option's name and the range.
"""

from __future__ import annotations

__all__ = [
    "APP_ID_MAX_LENGTH",
    "MAX_ATTEMPTS",
    "MAX_POOL_CONNECTIONS",
    "MAX_TIMEOUT",
    "MAX_WAITER_ATTEMPTS",
    "RETRY_MODES",
    "count_problem",
    "retry_mode_error",
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


#: The longest user-agent application id botocore takes without a warning.
APP_ID_MAX_LENGTH = 50

#: The retry modes there are: botocore's "standard" and "adaptive".
RETRY_MODES = ("standard", "adaptive")


def retry_mode_error(value: object, source: str) -> str | None:
    """Say why ``value`` is not a retry mode, or return ``None`` when it is one.

    Args:
        value: The value read.
        source: Where it was read, for the message (``"Config.retry_mode"``,
            ``"AWS_RETRY_MODE"`` ...).
    """
    if value in RETRY_MODES:
        return None
    if value == "legacy":
        return (
            f"retry_mode 'legacy' (from {source}) is not supported: it is botocore's "
            "original retry mode (5 attempts, no retry quota), no longer boto3's default. "
            "Use 'standard' (the default, as in boto3 today) or 'adaptive' (standard plus "
            "a client-side rate limiter)."
        )
    text = repr(value) if isinstance(value, str) and len(value) <= 40 else type(value).__name__
    return f"retry_mode must be 'standard' or 'adaptive', got {text} (from {source})"
