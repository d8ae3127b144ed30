"""The emulator's behaviour switches: build outcome rules and the service's unknowns.

Where public records say what the real service does, the emulator does that and there
is no switch. Where they do not (the reference notes mark these as unrecorded or
inferred), :class:`BehaviourConfig` holds the choice, defaulting to the best-supported
answer, so a test can pin either behaviour.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Literal

import attrs

__all__ = [
    "DEFAULT_BUILD_FAILURE_REASON",
    "DEFAULT_BUILD_RULES",
    "BehaviourConfig",
    "BuildOutcome",
    "BuildRule",
]

BuildOutcome = Literal["succeed", "fail", "hang"]

DEFAULT_BUILD_FAILURE_REASON = "The container image build failed."


def _check_pattern(_instance: object, _attribute: attrs.Attribute[str], value: str) -> None:
    re.compile(value)


@attrs.frozen
class BuildRule:
    """Decides a build's outcome from the version's ``codeArtifact.uri``.

    The rule applies when ``pattern`` (a regular expression) is found anywhere in the
    URI. A ``fail`` rule fails both builds of the version with ``reason`` as their
    ``stateReason``; when the pattern has a named group ``reason`` that matched, the
    group's text is the reason instead. A ``hang`` rule keeps the builds IN_PROGRESS
    forever.

    Attributes:
        pattern: The regular expression searched for in the URI.
        outcome: ``"fail"`` or ``"hang"``.
        reason: The builds' ``stateReason`` for a ``fail`` rule.
    """

    pattern: str = attrs.field(validator=_check_pattern)
    outcome: Literal["fail", "hang"] = attrs.field(validator=attrs.validators.in_(("fail", "hang")))
    reason: str = DEFAULT_BUILD_FAILURE_REASON

    def match(self, uri: str) -> tuple[BuildOutcome, str | None] | None:
        """Return ``(outcome, reason)`` if the rule applies to ``uri``, else ``None``."""
        found = re.search(self.pattern, uri)
        if found is None:
            return None
        if self.outcome == "hang":
            return "hang", None
        chosen = found.groupdict().get("reason")
        return "fail", chosen or self.reason

    def to_json(self) -> dict[str, Any]:
        """Return the rule as JSON-ready data."""
        return {"pattern": self.pattern, "outcome": self.outcome, "reason": self.reason}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BuildRule:
        """Rebuild a rule from :meth:`to_json` output."""
        return cls(
            pattern=str(data["pattern"]),
            outcome=data["outcome"],
            reason=str(data.get("reason", DEFAULT_BUILD_FAILURE_REASON)),
        )


DEFAULT_BUILD_RULES: tuple[BuildRule, ...] = (
    BuildRule(r"hang", "hang"),
    BuildRule(r"fail(?:-(?P<reason>[A-Z][A-Z0-9_]*[A-Z0-9]))?", "fail"),
)


def decide_build(rules: tuple[BuildRule, ...], uri: str) -> tuple[BuildOutcome, str | None]:
    """Return the outcome of the first rule that applies to ``uri`` (success if none)."""
    for rule in rules:
        decided = rule.match(uri)
        if decided is not None:
            return decided
    return "succeed", None


def _optional_positive_int(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise ValueError(f"{attribute.name} must be None or an integer >= 0, got {value!r}")


def _non_negative(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
        raise ValueError(f"{attribute.name} must be a finite number >= 0, got {value!r}")


def _to_rules(value: Any) -> tuple[BuildRule, ...]:
    return tuple(value)


def _to_tiers(value: Any) -> tuple[int, ...] | None:
    return None if value is None else tuple(int(item) for item in value)


@attrs.frozen(kw_only=True)
class BehaviourConfig:
    """The emulator's choices where the real service's behaviour is not on record.

    Attributes:
        build_rules: Rules deciding build outcomes from ``codeArtifact.uri``, first
            match wins; no match builds successfully. The defaults: a URI containing
            ``hang`` never finishes; one containing ``fail`` fails with "The container
            image build failed.", or with the code after ``fail-`` (``fail-S3_NO_SUCH_KEY``
            fails with ``S3_NO_SUCH_KEY``).
        version_failure_reason: The failed version's ``stateReason``. Observed: none
            (null), with the reason only on the builds.
        suspend_when_suspended: SuspendMicrovm on a SUSPENDED MicroVM: ``"ok"`` (a no-op
            200, another emulator's choice) or ``"conflict"`` (409). Unrecorded.
        resume_when_running: ResumeMicrovm on a RUNNING MicroVM: ``"conflict"`` (409; the
            documentation requires SUSPENDED) or ``"ok"``. Unrecorded.
        delete_unknown_image: DeleteMicrovmImage for an image that never existed:
            ``"not_found"`` (404, another emulator's choice) or ``"ok"`` (200, the
            documented idempotency read broadly). Deleting an image that did exist
            always answers 200.
        reserve_name_while_deleting: A DELETING image keeps its name (recorded: a create
            with the name answers 400 "... already exists"). ``False`` frees the name
            at once.
        refuse_last_version_delete: DeleteMicrovmImageVersion refuses the image's last
            remaining version with the observed 400 "This is the last version. Please
            delete the entire image". ``False`` lets it go (the image is left without
            versions), for tests that want to see that state.
        inactive_requires_successful: UpdateMicrovmImageVersion to INACTIVE requires a
            SUCCESSFUL version (400 otherwise). Unknown; off by default.
        max_concurrent_builds: Concurrent image builds per account and region before
            Create/Update answer 402 (observed message). ``None``: no quota.
        memory_quota_mib: Memory (MiB, summed over non-TERMINATED MicroVMs) before
            RunMicrovm answers 402 (recorded message). ``None``: no quota.
        not_found_window: Seconds after CreateMicrovmImage / RunMicrovm during which
            GetMicrovmImage / GetMicrovm answer 404 (eventual consistency; not observed
            for images). ``0``: off.
        client_token_ttl: Seconds a ``clientToken`` is remembered. Not documented.
        tag_visibility_lag: Seconds before tag changes show in ListTags (observed to be
            eventually consistent). ``0``: at once.
        validate_base_image: ``baseImageArn`` must be the region's managed image and
            ``baseImageVersion`` a catalog version (400 otherwise; message unknown).
        validate_hooks: Enabled MicroVM hooks require ``hooks.port`` and the ``ready``
            image hook (observed; messages unknown).
        memory_tiers: The allowed ``minimumMemoryInMiB`` values (observed tiers).
            ``None``: any value.
        max_auth_token_minutes: The documented maximum ``expirationInMinutes``.
        accept_image_id: Also accept an image's ``id`` (UUID) where an image ARN is
            expected. Unknown; the service is recorded rejecting bare names.
        default_max_results: Page size when ``maxResults`` is omitted (not documented).
    """

    build_rules: tuple[BuildRule, ...] = attrs.field(
        default=DEFAULT_BUILD_RULES, converter=_to_rules
    )
    version_failure_reason: str | None = None
    suspend_when_suspended: Literal["ok", "conflict"] = attrs.field(
        default="ok", validator=attrs.validators.in_(("ok", "conflict"))
    )
    resume_when_running: Literal["conflict", "ok"] = attrs.field(
        default="conflict", validator=attrs.validators.in_(("ok", "conflict"))
    )
    delete_unknown_image: Literal["not_found", "ok"] = attrs.field(
        default="not_found", validator=attrs.validators.in_(("not_found", "ok"))
    )
    reserve_name_while_deleting: bool = True
    refuse_last_version_delete: bool = True
    inactive_requires_successful: bool = False
    max_concurrent_builds: int | None = attrs.field(default=None, validator=_optional_positive_int)
    memory_quota_mib: int | None = attrs.field(default=None, validator=_optional_positive_int)
    not_found_window: float = attrs.field(default=0.0, validator=_non_negative)
    client_token_ttl: float = attrs.field(default=8 * 3600.0, validator=_non_negative)
    tag_visibility_lag: float = attrs.field(default=0.0, validator=_non_negative)
    validate_base_image: bool = True
    validate_hooks: bool = True
    memory_tiers: tuple[int, ...] | None = attrs.field(
        default=(512, 1024, 2048, 4096, 8192), converter=_to_tiers
    )
    max_auth_token_minutes: int = 60
    accept_image_id: bool = False
    default_max_results: int = attrs.field(
        default=50, validator=[attrs.validators.ge(1), attrs.validators.le(50)]
    )

    def to_json(self) -> dict[str, Any]:
        """Return the configuration as JSON-ready data."""
        data: dict[str, Any] = {}
        for field in attrs.fields(BehaviourConfig):
            value = getattr(self, field.name)
            if field.name == "build_rules":
                value = [rule.to_json() for rule in value]
            elif isinstance(value, tuple):
                value = list(value)
            data[field.name] = value
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BehaviourConfig:
        """Rebuild a configuration from :meth:`to_json` output (unknown keys ignored)."""
        names = {field.name for field in attrs.fields(cls)}
        kwargs = {key: value for key, value in data.items() if key in names}
        if "build_rules" in kwargs:
            kwargs["build_rules"] = tuple(
                BuildRule.from_json(rule) for rule in kwargs["build_rules"]
            )
        return cls(**kwargs)
