"""A ``botocore.config.Config`` given where a ``microvm_sdk.Config`` is expected: translated.

Code moving from boto3 often passes the ``botocore.config.Config`` it already has. Every
option it sets (a value other than botocore's default) falls in one of three groups:

* **Translated**: ``retries`` (``mode``; ``total_max_attempts``, or ``max_attempts`` + 1,
  botocore's meaning of the two), ``signature_version`` (``botocore.UNSIGNED`` means
  ``unsigned=True``; ``"v4"`` is kept), ``region_name`` (a client argument here, used when
  the client is given no ``region_name``), and every option with the same name and meaning
  as a field of :class:`~microvm_sdk.config.Config` (``connect_timeout``, ``read_timeout``,
  ``max_pool_connections``, ``proxies``, ``client_cert``, ``user_agent_extra``,
  ``use_fips_endpoint``, ``use_dualstack_endpoint`` ...), checked by ``Config`` as if
  given to it.
* **No effect here**, accepted and ignored, as botocore ignores them for a service like
  this one: options about S3, endpoint discovery, flexible checksums, request
  compression, account-id endpoints, SigV4a and auth-scheme preferences, and client
  context parameters. The generator refuses models that use any of these constructs,
  so no client of this runtime has them.
* **Not supported**: everything else (``parameter_validation=False``, ``user_agent``,
  ``tcp_keepalive``, ``proxies_config``, a ``defaults_mode`` other than ``legacy``,
  ``inject_host_prefix=False``, ``ignore_configured_endpoint_urls``, the ``legacy`` retry
  mode, a signature version other than v4, and options newer than this module). They
  would change what a call does, so one ``ConfigurationError`` names each of them and says
  what to do instead; nothing is silently dropped.

Only botocore's own options (its ``Config.OPTION_DEFAULTS``) are read. Options a subclass
adds, such as aiobotocore's ``AioConfig`` (``connector_args``, ``http_session_cls``), are
about that library's HTTP stack and mean nothing to this SDK's transports.

botocore is not imported here: a botocore ``Config`` can only exist once it has been.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import attrs

from microvm_sdk._core.errors import ConfigurationError
from microvm_sdk._core.limits import retry_mode_error
from microvm_sdk.config import Config

__all__ = ["client_config", "from_botocore", "is_botocore_config"]

#: Options that change nothing for a client of this runtime (see the module docstring).
_NO_EFFECT = frozenset(
    {
        "s3",
        "s3_disable_express_session_auth",
        "endpoint_discovery_enabled",
        "request_checksum_calculation",
        "response_checksum_validation",
        "request_min_compression_size_bytes",
        "disable_request_compression",
        "account_id_endpoint_mode",
        "sigv4a_signing_region_set",
        "auth_scheme_preference",
        "client_context_params",
    }
)
#: Options translated by hand, not by name.
_SPECIAL = frozenset({"retries", "signature_version", "region_name"})
#: What to do instead of an unsupported option.
_INSTEAD: Mapping[str, str] = {
    "parameter_validation": "parameters are always validated before anything is sent",
    "user_agent": "use user_agent_extra to add to the User-Agent header",
    "tcp_keepalive": "not available; idle pooled connections are checked before reuse",
    "proxies_config": "only proxies (with credentials in the URL) is available",
    "defaults_mode": "set connect_timeout, read_timeout and retries yourself",
    "inject_host_prefix": "host prefixes the model defines are always added",
    "ignore_configured_endpoint_urls": (
        "set AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true, or pass endpoint_url= to the client"
    ),
}
#: Values of options that are the same as leaving them unset.
_SAME_AS_UNSET: Mapping[str, object] = {
    "defaults_mode": "legacy",
    "tcp_keepalive": False,
    "inject_host_prefix": True,  # what botocore reads when it was not set
}


def is_botocore_config(value: object) -> bool:
    """Whether ``value`` is a ``botocore.config.Config`` (or a subclass, as aiobotocore's)."""
    module = sys.modules.get("botocore.config")
    config_class = getattr(module, "Config", None)
    return isinstance(config_class, type) and isinstance(value, config_class)


def client_config(value: object) -> tuple[Config, str | None]:
    """The ``Config`` a client was given, and the region a botocore ``Config`` names.

    Args:
        value: What was passed as ``config=``: ``None``, a ``Config`` or a botocore one.

    Raises:
        ConfigurationError: ``value`` is something else, or a botocore ``Config`` sets
            options that cannot be translated (each is named).
    """
    if value is None:
        return Config(), None
    if isinstance(value, Config):
        return value, None
    if is_botocore_config(value):
        return _translate(value)
    raise ConfigurationError(
        "config must be a microvm_sdk.Config (or a botocore.config.Config, which is "
        f"translated), got {_type_name(value)}"
    )


def from_botocore(value: Any) -> Config:
    """Translate a botocore ``Config`` that names no region (see ``Config.from_botocore``)."""
    if not is_botocore_config(value):
        raise ConfigurationError(f"expected a botocore.config.Config, got {_type_name(value)}")
    config, region = _translate(value)
    if region is not None:
        raise ConfigurationError(
            f"region_name={region!r} in a botocore Config has no place in "
            "microvm_sdk.Config: pass region_name= to the client (or pass the botocore "
            "Config to the client as config=, which takes the region from it)"
        )
    return config


def _translate(value: Any) -> tuple[Config, str | None]:
    fields = attrs.fields_dict(Config)
    defaults: Mapping[str, object] = getattr(type(value), "OPTION_DEFAULTS", {})
    kwargs: dict[str, Any] = {}
    refused: list[str] = []
    region: str | None = None
    for name, default in defaults.items():
        current = getattr(value, name, default)
        if current is None or current == default or _SAME_AS_UNSET.get(name) == current:
            continue
        if name == "region_name":
            region = str(current)
        elif name == "retries":
            refused.extend(_retries(current, kwargs))
        elif name == "signature_version":
            refused.extend(_signature_version(current, kwargs))
        elif name in _NO_EFFECT:
            continue
        elif name in fields and name not in _SPECIAL:
            kwargs[name] = current
        else:
            refused.append(_unsupported(name, current))
    if refused:
        raise ConfigurationError(
            "this botocore Config sets options microvm_sdk cannot honour: "
            + "; ".join(refused)
            + ". Leave them out, or pass a microvm_sdk.Config instead"
        )
    try:
        return Config(**kwargs), region
    except ConfigurationError as exc:
        raise ConfigurationError(f"in the botocore Config: {exc}") from None


def _retries(retries: object, kwargs: dict[str, Any]) -> list[str]:
    if not isinstance(retries, Mapping):
        return [f"retries must be a dict, got {type(retries).__name__}"]
    problems = [
        f"retries[{key!r}] is not a retry option (expected 'mode', 'max_attempts' or "
        "'total_max_attempts')"
        for key in retries
        if key not in ("mode", "max_attempts", "total_max_attempts")
    ]
    mode = retries.get("mode")
    if mode is not None:
        problem = retry_mode_error(mode, "retries['mode'] in the botocore Config")
        if problem is not None:
            problems.append(problem)
        else:
            kwargs["retry_mode"] = mode
    total = retries.get("total_max_attempts")
    retries_only = retries.get("max_attempts")
    if total is not None:
        kwargs["max_attempts"] = total
    elif retries_only is not None:
        # botocore's max_attempts here counts retries, not attempts: one more attempt.
        is_count = isinstance(retries_only, int) and not isinstance(retries_only, bool)
        kwargs["max_attempts"] = retries_only + 1 if is_count else retries_only
    return problems


def _signature_version(value: object, kwargs: dict[str, Any]) -> list[str]:
    if value is getattr(sys.modules.get("botocore"), "UNSIGNED", object()):
        kwargs["unsigned"] = True
        return []
    if value == "v4":
        kwargs["signature_version"] = "v4"
        return []
    return [
        f"signature_version={_shown(value)} is not supported (SigV4 is; "
        "botocore.UNSIGNED sends unsigned requests)"
    ]


def _unsupported(name: str, value: object) -> str:
    instead = _INSTEAD.get(name, "this option is not supported")
    return f"{name}={_shown(value)} ({instead})"


def _shown(value: object) -> str:
    """A value for a message: simple values in full, others by type (they may hold secrets)."""
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:37] + "...")
    return f"<{type(value).__name__}>"


def _type_name(value: object) -> str:
    kind = type(value)
    return (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )
