"""The emulated service's records: images, versions, builds, MicroVMs, client tokens.

Records keep wire-form data (camelCase dicts) for what callers configured, and absolute
virtual times for every scheduled transition, so a saved state restored later continues
exactly where it was.
"""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["Build", "Image", "Microvm", "Partition", "TokenRecord", "Version"]


@attrs.define
class Build:
    """One build of a version (one per chipset generation)."""

    build_id: str
    architecture: str
    chipset: str
    generation: str
    created_at: float
    snapshot: dict[str, int]
    state: str = "PENDING"
    state_reason: str | None = None


@attrs.define
class Version:
    """One version of an image, with its build configuration and schedule.

    ``builds_done_at``, ``done_at`` and ``image_settle_at`` are ``None`` for a build
    that never finishes.
    """

    version: str
    number: int
    config: dict[str, Any]
    created_at: float
    updated_at: float
    state_entered_at: float
    in_progress_at: float
    builds_done_at: float | None
    done_at: float | None
    image_settle_at: float | None
    outcome: str
    failure_reason: str | None
    builds: list[Build]
    state: str = "PENDING"
    status: str = "ACTIVE"
    state_reason: str | None = None
    delete_at: float | None = None


@attrs.define
class Image:
    """A MicroVM image and its versions.

    ``resting_state`` is the state a version delete interrupted: the image is UPDATING
    while the version drains, then goes back to it.
    """

    name: str
    arn: str
    image_id: str
    seq: int
    created_at: float
    updated_at: float
    visible_at: float
    state: str
    versions: dict[str, Version] = attrs.field(factory=dict)
    next_version: int = 1
    tags: dict[str, str] = attrs.field(factory=dict)
    tags_given: bool = False
    listed_tags: dict[str, str] = attrs.field(factory=dict)
    tags_changed_at: float = 0.0
    pending_version: str | None = None
    latest_active: str | None = None
    latest_failed: str | None = None
    delete_at: float | None = None
    deleted_versions: list[str] = attrs.field(factory=list)
    resting_state: str | None = None


@attrs.define
class Microvm:
    """A MicroVM and its lifecycle timers.

    ``state_until`` is when a transient state (PENDING, SUSPENDING, TERMINATING) ends;
    ``active_since`` is when the idle timer last restarted.
    """

    microvm_id: str
    seq: int
    endpoint: str
    image_arn: str
    image_version: str
    memory_mib: int
    config: dict[str, Any]
    started_at: float
    visible_at: float
    state: str
    state_since: float
    state_until: float | None
    active_since: float
    state_reason: str | None = None
    terminated_at: float | None = None


@attrs.define
class TokenRecord:
    """A remembered ``clientToken``: the request it came with and the answer."""

    fingerprint: str
    created_at: float
    response: dict[str, Any]


@attrs.define
class Partition:
    """Everything one account owns in one region."""

    account_id: str
    region: str
    images: dict[str, Image] = attrs.field(factory=dict)
    tombstones: dict[str, float] = attrs.field(factory=dict)
    microvms: dict[str, Microvm] = attrs.field(factory=dict)
    tokens: dict[str, TokenRecord] = attrs.field(factory=dict)
    next_seq: int = 0

    def take_seq(self) -> int:
        """Return the next sequence number (list order is creation order)."""
        self.next_seq += 1
        return self.next_seq


def partition_to_json(partition: Partition) -> dict[str, Any]:
    """Return a partition as JSON-ready data."""
    data: dict[str, Any] = attrs.asdict(partition, recurse=True)
    return data


def partition_from_json(data: dict[str, Any]) -> Partition:
    """Rebuild a partition from :func:`partition_to_json` output."""
    import cattrs

    converter = cattrs.Converter()
    return converter.structure(data, Partition)
