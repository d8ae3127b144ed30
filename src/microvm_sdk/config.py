"""Client options: timeouts, retries, endpoint variants, TLS, proxies, signing.

``Config`` holds the options that are not about *who* calls or *where* (region,
profile, credentials and the endpoint URL are client arguments). Every field is
optional; a field left at ``None`` is resolved from the environment and the shared
config file the way boto3 resolves it. Derive a changed copy with ``attrs.evolve``::

    config = Config(read_timeout=10, max_attempts=5)
    quick = attrs.evolve(config, read_timeout=2)

A client sends its requests through a ``Transport``: pass your own (anything with
``send(HttpRequest) -> HttpResponse`` and ``close()``) as ``Client(transport=...)``, or
an ``AsyncTransport`` (``async send_async(...)`` and ``async aclose()``) as
``AsyncClient(transport=...)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

import attrs

from microvm_sdk._core.errors import ConfigurationError
from microvm_sdk._core.http import AsyncTransport, HttpRequest, HttpResponse, Transport

__all__ = ["AsyncTransport", "Config", "HttpRequest", "HttpResponse", "Transport"]


@attrs.frozen(kw_only=True)
class Config:
    """Options for a client.

    Raises:
        ConfigurationError: A value is out of range or of the wrong type.
            The message names the field.
    """

    connect_timeout: float = 60
    """Seconds to wait for a connection to open (> 0)."""

    read_timeout: float = 60
    """Seconds to wait for the response to a request (> 0)."""

    max_pool_connections: int = 10
    """Connections kept open per host for reuse (>= 1).

    For ``AsyncClient`` also the most connections open to a host at once: further calls
    wait for a free one.
    """

    max_attempts: int | None = None
    """Total attempts per call, the first one included (>= 1).

    ``None`` reads ``AWS_MAX_ATTEMPTS``, then ``max_attempts`` in the profile of the
    shared config file, then uses 3.
    """

    retry_mode: Literal["standard"] = "standard"
    """The retry strategy; only ``"standard"`` (exponential backoff with jitter and a
    retry quota, as in boto3) exists."""

    use_fips_endpoint: bool | None = None
    """Send requests to the FIPS endpoint.

    ``None`` reads ``AWS_USE_FIPS_ENDPOINT``, then ``use_fips_endpoint`` in the shared
    config file, then uses ``False``. Ignored when an endpoint URL is set.
    """

    use_dualstack_endpoint: bool | None = None
    """Send requests to the dual-stack (IPv4 and IPv6) endpoint.

    ``None`` reads ``AWS_USE_DUALSTACK_ENDPOINT``, then ``use_dualstack_endpoint`` in
    the shared config file, then uses ``False``. Ignored when an endpoint URL is set.
    """

    proxies: Mapping[str, str] | None = None
    """Proxy URL by scheme, e.g. ``{"https": "http://proxy:3128"}``.

    ``None`` uses the ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY`` environment variables.
    """

    ca_bundle: str | None = None
    """Path of a PEM file of CA certificates to verify TLS with.

    ``None`` reads ``AWS_CA_BUNDLE``, then ``ca_bundle`` in the shared config file, then
    uses the system's trust store.
    """

    client_cert: str | tuple[str, str] | None = None
    """A client certificate for mutual TLS: one PEM file holding certificate and key,
    or a ``(certificate_file, key_file)`` pair."""

    user_agent_extra: str | None = None
    """Text appended to the ``User-Agent`` header."""

    signature_version: Literal["v4"] | None = None
    """The signing algorithm; only ``"v4"`` (SigV4, the default) exists."""

    unsigned: bool = False
    """Send requests without signing them and without looking up credentials."""

    def __attrs_post_init__(self) -> None:
        _positive_number("connect_timeout", self.connect_timeout)
        _positive_number("read_timeout", self.read_timeout)
        _integer_at_least("max_pool_connections", self.max_pool_connections, 1)
        if self.max_attempts is not None:
            _integer_at_least("max_attempts", self.max_attempts, 1)
        if self.retry_mode != "standard":
            raise ConfigurationError(
                f"retry_mode must be 'standard' (the only retry mode), got {self.retry_mode!r}"
            )
        _optional_bool("use_fips_endpoint", self.use_fips_endpoint)
        _optional_bool("use_dualstack_endpoint", self.use_dualstack_endpoint)
        if self.proxies is not None:
            if not isinstance(self.proxies, Mapping):
                raise ConfigurationError(
                    "proxies must be a mapping of scheme to proxy URL, "
                    f"got {type(self.proxies).__name__}"
                )
            for scheme, url in self.proxies.items():
                if not isinstance(scheme, str) or not isinstance(url, str):
                    raise ConfigurationError(
                        f"proxies must map strings to strings, got {scheme!r}: {url!r}"
                    )
        if self.ca_bundle is not None and (
            not isinstance(self.ca_bundle, str) or not self.ca_bundle
        ):
            raise ConfigurationError(
                f"ca_bundle must be a non-empty file path, got {self.ca_bundle!r}"
            )
        _check_client_cert(self.client_cert)
        if self.user_agent_extra is not None and (
            not isinstance(self.user_agent_extra, str)
            or "\r" in self.user_agent_extra
            or "\n" in self.user_agent_extra
        ):
            raise ConfigurationError(
                "user_agent_extra must be a string without line breaks, "
                f"got {self.user_agent_extra!r}"
            )
        if self.signature_version not in (None, "v4"):
            raise ConfigurationError(
                "signature_version must be 'v4' or None (use unsigned=True to send "
                f"unsigned requests), got {self.signature_version!r}"
            )
        if not isinstance(self.unsigned, bool):
            raise ConfigurationError(f"unsigned must be a bool, got {self.unsigned!r}")
        if self.unsigned and self.signature_version is not None:
            raise ConfigurationError(
                "signature_version='v4' contradicts unsigned=True; set only one of them"
            )


def _positive_number(field: str, value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not value > 0
        or not math.isfinite(value)
    ):
        raise ConfigurationError(f"{field} must be a number of seconds > 0, got {value!r}")


def _integer_at_least(field: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigurationError(f"{field} must be an integer >= {minimum}, got {value!r}")


def _optional_bool(field: str, value: object) -> None:
    if value is not None and not isinstance(value, bool):
        raise ConfigurationError(f"{field} must be True, False or None, got {value!r}")


def _check_client_cert(value: object) -> None:
    if value is None or (isinstance(value, str) and value):
        return
    if (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(part, str) and part for part in value)
    ):
        return
    raise ConfigurationError(
        f"client_cert must be a file path or a (certificate_file, key_file) pair, got {value!r}"
    )
