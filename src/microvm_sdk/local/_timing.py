"""How long the emulated service takes to move a resource from one phase to the next.

A :class:`Timing` holds one duration per asynchronous step. Three profiles ship:
``"fast"`` (milliseconds: tests against a real-time clock settle almost at once),
``"realistic"`` (seconds: a demo shows builds progressing) and ``"instant"`` (zero:
the next read after a call sees the settled state). The real service takes minutes
to build an image and 1-10 seconds to start a MicroVM; no profile copies that.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["PROFILES", "Timing", "timing_profile"]


def _non_negative(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
        raise ValueError(f"{attribute.name} must be a finite number >= 0, got {value!r}")


def _positive(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise ValueError(f"{attribute.name} must be a finite number > 0, got {value!r}")


@attrs.frozen(kw_only=True)
class Timing:
    """Durations, in virtual seconds, of the service's asynchronous steps.

    Attributes:
        build_queue: A new version (and its builds) waits PENDING this long before
            IN_PROGRESS.
        build_run: The builds run IN_PROGRESS this long before SUCCESSFUL or FAILED.
        version_settle: The version turns SUCCESSFUL or FAILED this long after its builds.
        image_settle: The image turns CREATED/UPDATED (or *_FAILED) this long after the
            version; the image settles last.
        image_delete_drain: A deleted image stays DELETING this long, then is gone.
        version_delete_drain: A deleted version stays DELETING this long, then is gone.
        microvm_start: A MicroVM stays PENDING this long before RUNNING.
        microvm_suspend: A MicroVM stays SUSPENDING this long before SUSPENDED.
        microvm_terminate: A MicroVM stays TERMINATING this long before TERMINATED.
        policy_time_scale: Multiplies the durations callers set (``idlePolicy`` timers,
            ``maximumDurationInSeconds``); below 1 makes them pass sooner.
    """

    build_queue: float = attrs.field(validator=_non_negative)
    build_run: float = attrs.field(validator=_non_negative)
    version_settle: float = attrs.field(validator=_non_negative)
    image_settle: float = attrs.field(validator=_non_negative)
    image_delete_drain: float = attrs.field(validator=_non_negative)
    version_delete_drain: float = attrs.field(validator=_non_negative)
    microvm_start: float = attrs.field(validator=_non_negative)
    microvm_suspend: float = attrs.field(validator=_non_negative)
    microvm_terminate: float = attrs.field(validator=_non_negative)
    policy_time_scale: float = attrs.field(default=1.0, validator=_positive)

    def to_json(self) -> dict[str, Any]:
        """Return the durations as a JSON-ready mapping of attribute names."""
        return attrs.asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Timing:
        """Rebuild a :class:`Timing` from :meth:`to_json` output."""
        names = {field.name for field in attrs.fields(cls)}
        return cls(**{key: float(value) for key, value in data.items() if key in names})


PROFILES: Mapping[str, Timing] = {
    "fast": Timing(
        build_queue=0.005,
        build_run=0.02,
        version_settle=0.005,
        image_settle=0.005,
        image_delete_drain=0.01,
        version_delete_drain=0.01,
        microvm_start=0.01,
        microvm_suspend=0.01,
        microvm_terminate=0.01,
    ),
    "realistic": Timing(
        build_queue=2.0,
        build_run=12.0,
        version_settle=1.0,
        image_settle=1.0,
        image_delete_drain=4.0,
        version_delete_drain=3.0,
        microvm_start=2.0,
        microvm_suspend=1.5,
        microvm_terminate=1.5,
    ),
    "instant": Timing(
        build_queue=0.0,
        build_run=0.0,
        version_settle=0.0,
        image_settle=0.0,
        image_delete_drain=0.0,
        version_delete_drain=0.0,
        microvm_start=0.0,
        microvm_suspend=0.0,
        microvm_terminate=0.0,
    ),
}


def timing_profile(profile: str | Timing) -> Timing:
    """Return the :class:`Timing` for a profile name, or ``profile`` itself.

    Args:
        profile: ``"fast"``, ``"realistic"``, ``"instant"`` or a :class:`Timing`.

    Raises:
        ValueError: If the name is not a known profile.
    """
    if isinstance(profile, Timing):
        return profile
    try:
        return PROFILES[profile]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise ValueError(f"unknown timing profile {profile!r}; expected one of {known}") from None
