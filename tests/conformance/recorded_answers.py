"""What the live service is recorded to answer, written down as expectations.

Each :class:`Shape` lists the members a recorded body carries with a value and those
it carries as an explicit ``null``; any other member must be absent. ``unknown`` names
members no recording settles either way, which are not checked. These sets come from
public recordings of the live service (normalised response bodies with their status
and error type), not from the emulator's own tables, so the suite can disagree with
the emulator.

The recorded state sequences are here too, with :func:`trace`, which steps a manual
clock and notes each state a reader sees.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from microvm_sdk.local import LocalServer


@dataclass(frozen=True)
class Shape:
    """The members of one recorded body: with a value, null, or not settled."""

    values: frozenset[str]
    nulls: frozenset[str] = frozenset()
    unknown: frozenset[str] = frozenset()

    def check(self, body: Any, what: str) -> None:
        """Assert that ``body`` has exactly these members, valued and null as recorded."""
        assert isinstance(body, dict), f"{what}: not a JSON object: {body!r}"
        keys = set(body) - self.unknown
        missing = sorted((self.values | self.nulls) - set(body))
        unexpected = sorted(keys - self.values - self.nulls)
        assert not missing, f"{what}: members missing: {missing}"
        assert not unexpected, f"{what}: members the live service does not send: {unexpected}"
        null_values = sorted(name for name in self.values if body[name] is None)
        not_null = sorted(name for name in self.nulls if body[name] is not None)
        assert not null_values, f"{what}: null where the live service sends a value: {null_values}"
        assert not not_null, f"{what}: a value where the live service sends null: {not_null}"


def shape(values: str, nulls: str = "", unknown: str = "") -> Shape:
    """Build a :class:`Shape` from space-separated member names."""
    return Shape(frozenset(values.split()), frozenset(nulls.split()), frozenset(unknown.split()))


# ---------------------------------------------------------------- images

CREATE_IMAGE = shape(
    "baseImageArn baseImageVersion buildRoleArn codeArtifact createdAt egressNetworkConnectors"
    " id imageArn imageVersion name resources state updatedAt",
    "additionalOsCapabilities buildPhaseOverrides cpuConfigurations description"
    " environmentVariables hooks latestActiveImageVersion latestFailedImageVersion logging"
    " roleConfiguration tags",
)
"""CreateMicrovmImage, 201, with only the required members given."""

UPDATE_IMAGE = shape(
    "baseImageArn baseImageVersion buildRoleArn codeArtifact createdAt description"
    " egressNetworkConnectors id imageArn imageVersion latestActiveImageVersion name resources"
    " state updatedAt",
    "additionalOsCapabilities buildPhaseOverrides cpuConfigurations environmentVariables hooks"
    " latestFailedImageVersion logging roleConfiguration",
    # Recorded as "the create shape"; whether it repeats create's tags is not.
    unknown="tags",
)
"""UpdateMicrovmImage, 200, after a successful first build, with a new description."""

IMAGE_BUILT = shape(
    "createdAt id imageArn latestActiveImageVersion name state tags updatedAt",
    "latestFailedImageVersion",
)
"""GetMicrovmImage once the first build succeeded."""

IMAGE_ITEM_BUILT = shape(
    "createdAt id imageArn latestActiveImageVersion name state", "latestFailedImageVersion"
)
"""One item of ListMicrovmImages once the first build succeeded."""

VERSION_BUILT = shape(
    "baseImageArn baseImageVersion buildRoleArn codeArtifact createdAt egressNetworkConnectors"
    " imageArn imageVersion resources state status updatedAt versionStateTimeBucket",
    "additionalOsCapabilities cpuConfigurations description environmentVariables hooks logging"
    " stateReason tags",
)
"""GetMicrovmImageVersion (and the PATCH's answer) for a built version."""

BUILD_ITEM = shape(
    "architecture buildId buildState chipset chipsetGeneration createdAt imageArn imageVersion",
    "stateReason terminationReasonCode",
)
"""One item of ListMicrovmImageBuilds for a successful build."""

BUILD_DONE = shape(
    "architecture buildId buildState chipset chipsetGeneration createdAt imageArn imageVersion"
    " snapshotBuild",
    "stateReason terminationReasonCode",
)
"""GetMicrovmImageBuild for a successful build."""

SNAPSHOT = shape("codeInstallSizeInBytes diskSnapshotSizeInBytes memorySnapshotSizeInBytes")

DELETE_IMAGE = shape("imageIdentifier state")
DELETE_VERSION = shape("imageIdentifier imageVersion state")

MANAGED_IMAGE_ITEM = shape("createdAt imageArn updatedAt")
MANAGED_VERSION_ITEM = shape("createdAt imageArn imageVersion status updatedAt")
"""ListManagedMicrovmImageVersions leaves ``supportedCpuConfigurations`` out."""

LAST_PAGE = shape("items", "nextToken")
"""A List answer's last page: ``"nextToken": null``."""

# -------------------------------------------------------------- MicroVMs

MICROVM_STARTED = shape(
    "egressNetworkConnectors endpoint imageArn imageVersion ingressNetworkConnectors"
    " maximumDurationInSeconds microvmId startedAt state",
    "executionRoleArn idlePolicy stateReason terminatedAt terminationReasonCode",
)
"""RunMicrovm's answer (and GetMicrovm's) without an idle policy or execution role."""

MICROVM_WITH_POLICY = shape(
    "egressNetworkConnectors endpoint idlePolicy imageArn imageVersion ingressNetworkConnectors"
    " maximumDurationInSeconds microvmId startedAt state",
    "executionRoleArn stateReason terminatedAt terminationReasonCode",
)
"""RunMicrovm's answer with an idle policy."""

MICROVM_TERMINATED = shape(
    "egressNetworkConnectors endpoint imageArn imageVersion ingressNetworkConnectors"
    " maximumDurationInSeconds microvmId startedAt state stateReason terminatedAt",
    "executionRoleArn idlePolicy",
    # Only the reason and the time are recorded for a terminated MicroVM.
    unknown="terminationReasonCode",
)
"""GetMicrovm after a terminate: ``stateReason`` "Success." and ``terminatedAt``."""

MICROVM_ITEM = shape("imageArn imageVersion microvmId startedAt state")

NOT_FOUND_BODY = shape("message", "resourceId resourceType")
"""ResourceNotFoundException: the detail members are sent, as null."""

QUOTA_BODY = shape("message", "quotaCode resourceId resourceType serviceCode")
"""ServiceQuotaExceededException on RunMicrovm."""

MESSAGE_ONLY = shape("message")
"""ValidationException."""

# ----------------------------------------------------------- state orders

VERSION_BUILD_ORDER = ("PENDING", "IN_PROGRESS", "SUCCESSFUL")
IMAGE_CREATE_ORDER = ("CREATING", "CREATED")
IMAGE_UPDATE_ORDER = ("UPDATING", "UPDATED")
MICROVM_LAUNCH_ORDER = ("PENDING", "RUNNING")
MICROVM_SUSPEND_ORDER = ("RUNNING", "SUSPENDING", "SUSPENDED")
MICROVM_RESUME_ORDER = ("SUSPENDED", "RUNNING")
# Recorded polls every 5 s saw RUNNING then TERMINATED; TERMINATING is the model's
# state in between, too brief to be sampled.
MICROVM_TERMINATE_ORDER = ("RUNNING", "TERMINATED")
TRANSIENT = frozenset({"TERMINATING"})

# ------------------------------------------------------------ recorded text

BUILD_FAILED_REASON = "The container image build failed."
SUCCESS_REASON = "Success."
BASE_VERSIONS = ("1", "0")
DEFAULT_MEMORY = [{"minimumMemoryInMiB": 2048}]
MAXIMUM_DURATION = 28800


def trace(
    server: LocalServer,
    read: Callable[[], Any],
    done: Callable[[Any], bool],
    *,
    step: float = 0.25,
    limit: float = 600.0,
) -> list[Any]:
    """Return every distinct value ``read`` gives, stepping the manual clock until ``done``.

    A value that comes back after another is noted again, so the result is the
    sequence a tight poll would see.
    """
    seen = [read()]
    waited = 0.0
    while not done(seen[-1]):
        assert waited < limit, f"still {seen[-1]!r} after {limit} virtual seconds: {seen}"
        server.clock.advance(step)
        waited += step
        value = read()
        if value != seen[-1]:
            seen.append(value)
    return seen


def without(states: Iterable[str], transient: frozenset[str] = TRANSIENT) -> tuple[str, ...]:
    """``states`` without the ones a 5 s poll is not recorded to have seen."""
    return tuple(state for state in states if state not in transient)


def values_of(items: Iterable[Mapping[str, Any]], key: str) -> list[Any]:
    """The ``key`` of each item, in order."""
    return [item[key] for item in items]
