"""The static catalog of managed base images, and the AWS-owned network connectors.

Every region offers the same catalog: one managed image, ``al2023-1``, with base versions
``"1"`` and ``"0"`` (newest first), both AVAILABLE. Images built on it echo a resolved
``"<major>.0"`` base version.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

__all__ = [
    "MANAGED_IMAGE_NAME",
    "ManagedVersion",
    "is_resolved_form",
    "managed_image_arn",
    "managed_image_summary",
    "managed_versions",
    "network_connector_arn",
    "resolve_base_version",
]

MANAGED_IMAGE_NAME = "al2023-1"
_RELEASED_AT = 1_775_001_600.0  # 2026-04-01T00:00:00Z, version "0"
_GA_AT = 1_782_086_400.0  # 2026-06-22T00:00:00Z, version "1"


@attrs.frozen
class ManagedVersion:
    """One version of the managed base image."""

    version: str
    status: str
    created_at: float
    updated_at: float


_VERSIONS = (
    ManagedVersion("1", "AVAILABLE", _GA_AT, _GA_AT),
    ManagedVersion("0", "AVAILABLE", _RELEASED_AT, _GA_AT),
)

_RESOLVED = re.compile(r"^(\d+)\.(\d+)$")


def managed_image_arn(region: str) -> str:
    """Return the ARN of the managed base image in ``region``."""
    return f"arn:aws:lambda:{region}:aws:microvm-image:{MANAGED_IMAGE_NAME}"


def managed_image_summary(region: str) -> dict[str, Any]:
    """Return the managed image as a ``ManagedMicrovmImageSummary`` wire dict."""
    return {"imageArn": managed_image_arn(region), "createdAt": _RELEASED_AT, "updatedAt": _GA_AT}


def managed_versions() -> tuple[ManagedVersion, ...]:
    """Return the managed base image's versions, newest first."""
    return _VERSIONS


def resolve_base_version(requested: str | None) -> str | None:
    """Resolve a requested base version to the ``"<major>.0"`` form responses echo.

    Args:
        requested: ``None`` (the newest), a major version (``"1"``) or an already
            resolved one (``"1.0"``).

    Returns:
        The resolved version, or ``None`` if the catalog has no such version.
    """
    if requested is None:
        return f"{_VERSIONS[0].version}.0"
    major = requested
    match = _RESOLVED.match(requested)
    if match:
        if match.group(2) != "0":
            return None
        major = match.group(1)
    for version in _VERSIONS:
        if version.version == major:
            return f"{major}.0"
    return None


def is_resolved_form(version: str) -> bool:
    """Return whether ``version`` is in the resolved ``"X.Y"`` form (``"0.0"``)."""
    return _RESOLVED.match(version) is not None


def network_connector_arn(region: str, name: str) -> str:
    """Return the ARN of an AWS-owned network connector (``INTERNET_EGRESS``...)."""
    return f"arn:aws:lambda:{region}:aws:network-connector:aws-network-connector:{name}"
