"""The values client options may take.

Shared by every place they are read: arguments, ``Config``, environment variables and
the shared config file.
"""

from __future__ import annotations

__all__ = [
    "APP_ID_MAX_LENGTH",
    "MAX_ATTEMPTS",
    "MAX_POOL_CONNECTIONS",
    "MAX_TIMEOUT",
    "RETRY_MODES",
    "retry_mode_error",
]

#: The longest timeout accepted, in seconds: 365 days (what ``0`` means on the AWS CLI's
#: command line). Longer values overflow the platform's socket and thread timeouts.
MAX_TIMEOUT = 365 * 24 * 3600

#: The most attempts per call accepted from any source. The retry quota ends a call long
#: before 10,000 attempts, so a larger value could only mean a mistake.
MAX_ATTEMPTS = 10_000

#: The most idle connections kept per host; more would exceed the usual open-file limit.
MAX_POOL_CONNECTIONS = 10_000

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
    shown = repr(value) if isinstance(value, str) and len(value) <= 40 else type(value).__name__
    return f"retry_mode must be 'standard' or 'adaptive', got {shown} (from {source})"
