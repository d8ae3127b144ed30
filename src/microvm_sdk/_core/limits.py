"""The ranges numeric client options must fall in, shared by every place they are read."""

from __future__ import annotations

__all__ = ["APP_ID_MAX_LENGTH", "MAX_ATTEMPTS", "MAX_POOL_CONNECTIONS", "MAX_TIMEOUT"]

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
