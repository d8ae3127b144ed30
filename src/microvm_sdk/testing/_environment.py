"""Point code that makes its own clients at a running emulator, through the environment.

Code under test often builds its clients itself (``Client(region_name=...)``,
``boto3.client("lambda-microvms")``) from the environment, as it does in production.
These variables make every AWS SDK send this service's calls to the emulator, signed
with the emulator's test credentials, whatever the machine's own AWS setup says.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from microvm_sdk._core.lazy import LazyModule
from microvm_sdk.client import Client

if TYPE_CHECKING:
    from microvm_sdk import local
else:
    local = LazyModule("microvm_sdk.local")

__all__ = ["emulator_environment", "environment_for"]

#: The service's endpoint variable (``AWS_ENDPOINT_URL_<service id>``).
_ENDPOINT_VARIABLE = f"AWS_ENDPOINT_URL_{Client.SERVICE_ENV_NAME}"


def environment_for(server: local.LocalServer) -> dict[str, str | None]:
    """The environment variables that point AWS SDKs at ``server``; ``None`` means unset.

    * ``AWS_ENDPOINT_URL_LAMBDA_MICROVMS``: the server's URL (this SDK, boto3, the AWS
      CLI and the other AWS SDKs read it; other services keep their endpoints).
    * ``AWS_ACCESS_KEY_ID`` and ``AWS_SECRET_ACCESS_KEY``: the server's test keys;
      ``AWS_SESSION_TOKEN`` unset.
    * ``AWS_REGION`` and ``AWS_DEFAULT_REGION``: the server's region.
    * ``AWS_PROFILE``, ``AWS_DEFAULT_PROFILE`` and ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS``
      unset, and ``AWS_CONFIG_FILE`` and ``AWS_SHARED_CREDENTIALS_FILE`` pointing at
      nothing: no profile of the machine can change the endpoint, the credentials or the
      retry settings.
    * ``AWS_EC2_METADATA_DISABLED=true``: no instance-metadata lookups.
    * When a proxy is configured (``HTTP_PROXY`` ...), the server's host is added to
      ``NO_PROXY`` and ``no_proxy``, so requests to it do not go through the proxy.

    Args:
        server: A running ``LocalServer``.
    """
    env: dict[str, str | None] = {
        _ENDPOINT_VARIABLE: server.endpoint_url,
        "AWS_ACCESS_KEY_ID": server.access_key,
        "AWS_SECRET_ACCESS_KEY": server.secret_key,
        "AWS_SESSION_TOKEN": None,
        "AWS_SECURITY_TOKEN": None,
        "AWS_REGION": server.region,
        "AWS_DEFAULT_REGION": server.region,
        "AWS_PROFILE": None,
        "AWS_DEFAULT_PROFILE": None,
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": None,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    if any(name.lower().endswith("_proxy") and name.lower() != "no_proxy" for name in os.environ):
        existing = os.environ.get("no_proxy") or os.environ.get("NO_PROXY") or ""
        hosts = [part for part in existing.split(",") if part.strip()]
        host = urlsplit(server.endpoint_url).hostname or server.host  # what clients connect to
        if host not in hosts:
            hosts.append(host)
        env["no_proxy"] = env["NO_PROXY"] = ",".join(hosts)
    return env


@contextmanager
def emulator_environment(server: local.LocalServer) -> Iterator[local.LocalServer]:
    """Set :func:`environment_for` ``server`` in ``os.environ``; restore it on leaving.

    For tests outside pytest (pytest has the ``microvm_local_env`` fixture). The
    environment belongs to the whole process: do not use this while other threads create
    clients.

    Args:
        server: A running ``LocalServer``.

    Yields:
        ``server``.
    """
    changes = environment_for(server)
    saved = {name: os.environ.get(name) for name in changes}
    try:
        for name, value in changes.items():
            _set(name, value)
        yield server
    finally:
        for name, value in saved.items():
            _set(name, value)


def _set(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
