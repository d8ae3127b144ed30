"""Client options: timeouts, retries, endpoint variants, TLS, proxies, signing.

``Config`` holds the options that are not about *who* calls or *where* (region,
profile, credentials and the endpoint URL are client arguments). Every field is
optional; a field left at ``None`` is resolved from the environment and the shared
config file the way boto3 resolves it. Derive a changed copy with ``attrs.evolve``::

    config = Config(read_timeout=10, max_attempts=5)
    quick = attrs.evolve(config, read_timeout=2)

Code moving from boto3 may pass its ``botocore.config.Config`` to a client as it is: it
is translated (``retries``, timeouts, pool size, proxies, endpoint variants, unsigned
requests ...), and a ``ConfigurationError`` names each option that cannot be. Or call
``Config.from_botocore(...)`` to see the translation.

A client sends its requests through a ``Transport``: pass your own (anything with
``send(HttpRequest) -> HttpResponse`` and ``close()``) as ``Client(transport=...)``, or
an ``AsyncTransport`` (``async send_async(...)`` and ``async aclose()``) as
``AsyncClient(transport=...)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import attrs

from microvm_sdk._core.errors import ConfigurationError
from microvm_sdk._core.http import AsyncTransport, HttpRequest, HttpResponse, Transport
from microvm_sdk._core.limits import (
    APP_ID_MAX_LENGTH,
    MAX_ATTEMPTS,
    MAX_POOL_CONNECTIONS,
    count_problem,
    retry_mode_error,
    seconds_problem,
    shown,
)
from microvm_sdk._core.redaction import redact_url_map

__all__ = ["AsyncTransport", "Config", "HttpRequest", "HttpResponse", "Transport"]


@attrs.frozen(kw_only=True)
class Config:
    """Options for a client.

    Raises:
        ConfigurationError: A value is out of range or of the wrong type.
            The message names the field.
    """

    connect_timeout: float = 60
    """Seconds to wait for a connection to open (> 0 and <= 31536000, 365 days)."""

    read_timeout: float = 60
    """Seconds to wait for each read of the response (> 0 and <= 31536000, 365 days)."""

    max_pool_connections: int = 10
    """Connections kept open per host for reuse (>= 1 and <= 10000).

    For ``AsyncClient`` also the most connections open to a host at once: further calls
    wait for a free one.
    """

    max_attempts: int | None = None
    """Total attempts per call, the first one included (>= 1 and <= 10000).

    ``None`` reads ``AWS_MAX_ATTEMPTS``, then ``max_attempts`` in the profile of the
    shared config file, then uses 3.
    """

    retry_mode: Literal["standard", "adaptive"] | None = None
    """How failed attempts are retried, as in boto3.

    ``"standard"``: retries throttling errors, transient errors and 5xx answers with
    exponential backoff and jitter, within a retry quota per client. ``"adaptive"``: the
    same, plus a client-side rate limiter (botocore's algorithm) that, once the service
    has throttled the client, spaces out every attempt and adapts the rate to the
    answers. ``"legacy"`` is refused. ``None`` reads ``AWS_RETRY_MODE``, then
    ``retry_mode`` in the profile of the shared config file, then uses ``"standard"``.
    """

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

    proxies: Mapping[str, str] | None = attrs.field(default=None, repr=redact_url_map)
    """Proxy URL by scheme, e.g. ``{"https": "http://proxy:3128"}``.

    ``None`` uses the ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY`` environment variables.
    Credentials in a URL (``http://user:password@proxy:3128``) are sent to the proxy
    and never shown: ``repr`` and error messages print ``http://***@proxy:3128``.
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
    """Text appended to the ``User-Agent`` header as it is."""

    user_agent_appid: str | None = None
    """Your application's id, sent in the ``User-Agent`` header as ``app/<id>`` so that
    AWS can attribute the traffic (at most 50 characters; characters other than
    ``A-Za-z0-9!#$%&'*+-.^_`|~,`` are sent as ``-``).

    ``None`` reads ``AWS_SDK_UA_APP_ID``, then ``sdk_ua_app_id`` in the profile of the
    shared config file, as boto3 does.
    """

    tracing: bool = True
    """Record OpenTelemetry spans for calls, attempts, waiters and paginators.

    Spans are recorded only when the application uses OpenTelemetry (has imported
    ``opentelemetry.trace``, as configuring a tracer provider does); ``False`` turns them
    off for this client. See ``docs/production.md``.
    """

    signature_version: Literal["v4"] | None = None
    """The signing algorithm; only ``"v4"`` (SigV4, the default) exists."""

    unsigned: bool = False
    """Send requests without signing them and without looking up credentials."""

    def __attrs_post_init__(self) -> None:
        _timeout("connect_timeout", self.connect_timeout)
        _timeout("read_timeout", self.read_timeout)
        _count("max_pool_connections", self.max_pool_connections, MAX_POOL_CONNECTIONS)
        if self.max_attempts is not None:
            _count("max_attempts", self.max_attempts, MAX_ATTEMPTS)
        if self.retry_mode is not None:
            problem = retry_mode_error(self.retry_mode, "Config")
            if problem is not None:
                raise ConfigurationError(problem)
        _optional_bool("use_fips_endpoint", self.use_fips_endpoint)
        _optional_bool("use_dualstack_endpoint", self.use_dualstack_endpoint)
        _check_proxies(self.proxies)
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
        if self.user_agent_appid is not None:
            _check_app_id(self.user_agent_appid)
        if not isinstance(self.tracing, bool):
            raise ConfigurationError(f"tracing must be True or False, got {self.tracing!r}")
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

    @classmethod
    def from_botocore(cls, config: Any) -> Config:
        """Translate a ``botocore.config.Config`` into a ``Config``.

        Options set to something other than botocore's default are translated:
        ``retries`` (``mode``; ``total_max_attempts``, or ``max_attempts`` + 1, since
        botocore counts retries there), ``signature_version`` (``botocore.UNSIGNED``
        becomes ``unsigned=True``) and the options with the same name here (timeouts,
        ``max_pool_connections``, ``proxies``, ``client_cert``, ``user_agent_extra``,
        the FIPS and dual-stack flags). Options about S3, endpoint discovery, flexible
        checksums and request compression change nothing for this service and are
        ignored, as botocore ignores them. Passing a botocore ``Config`` to a client as
        ``config=`` does the same (and takes ``region_name`` from it).

        Args:
            config: A ``botocore.config.Config``.

        Returns:
            The equivalent ``Config``.

        Raises:
            ConfigurationError: ``config`` cannot be translated (each reason is named).
                It is not a botocore ``Config``, sets options that have no equivalent
                here (each with what to do instead), or names a region (a client
                argument here).
        """
        from microvm_sdk._botocore_config import from_botocore

        return from_botocore(config)


def _timeout(field: str, value: object) -> None:
    problem = seconds_problem(value, zero=False)
    if problem is not None:
        raise ConfigurationError(f"{field} {problem}")


def _check_proxies(proxies: object) -> None:
    # Messages name the scheme and the type, never the URL: it may hold a password.
    if proxies is None:
        return
    if not isinstance(proxies, Mapping):
        raise ConfigurationError(
            f"proxies must be a mapping of scheme to proxy URL, got {type(proxies).__name__}"
        )
    for scheme, url in proxies.items():
        if not isinstance(scheme, str):
            raise ConfigurationError(
                f"proxies keys must be URL schemes ('http', 'https'), got {type(scheme).__name__}"
            )
        if not isinstance(url, str):
            raise ConfigurationError(
                f"proxies[{scheme!r}] must be a proxy URL string, got {type(url).__name__}"
            )


def _count(field: str, value: object, maximum: int) -> None:
    problem = count_problem(value, 1, maximum)
    if problem is not None:
        raise ConfigurationError(f"{field} {problem}")


def _optional_bool(field: str, value: object) -> None:
    if value is not None and not isinstance(value, bool):
        raise ConfigurationError(f"{field} must be True, False or None, got {value!r}")


def _check_app_id(value: object) -> None:
    if (
        not isinstance(value, str)
        or not value
        or "\r" in value
        or "\n" in value
        or len(value) > APP_ID_MAX_LENGTH
    ):
        raise ConfigurationError(
            "user_agent_appid must be a non-empty string of at most "
            f"{APP_ID_MAX_LENGTH} characters without line breaks, got {shown(value)}"
        )


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
