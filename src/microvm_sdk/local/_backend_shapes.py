"""How each response body is laid out on the wire: which unset members are sent as null.

The live service does not treat unset members alike. Most optional members are sent as
an explicit ``null`` (``"description": null``), a few are left out altogether
(``kmsKeyIdentifier`` on images and MicroVMs, ``supportedCpuConfigurations`` on managed
base image versions), and some bodies carry members the model does not define (``id``,
``versionStateTimeBucket``, ``terminationReasonCode``, ...). :data:`RESPONSES` writes
that down once, member by member, for every operation's output and list items; each
entry says whether it comes from a recorded response or is inferred from a sibling
shape that was recorded.

Handlers build their bodies with ``None`` for whatever is unset; :func:`render` lays
them out in one of two shapes:

- ``live`` (the default): as the live service sends them, following the table, with
  members in the order recorded responses show them (alphabetical);
- ``model``: only what the model defines, with every unset member left out. It shows
  whether client code relies on anything beyond the model's contract.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Literal

import attrs

__all__ = [
    "RESPONSES",
    "Basis",
    "BodyShape",
    "Member",
    "ResponseShape",
    "Unset",
    "render",
]

ResponseShape = Literal["live", "model"]


class Unset(enum.Enum):
    """What the live service sends for a member that has no value."""

    NULL = "null"
    """An explicit JSON ``null``."""
    OMIT = "omit"
    """Nothing: the member is left out."""


class Basis(enum.Enum):
    """Where an entry of the table comes from."""

    RECORDED = "recorded"
    """A response recorded from the live service shows the member unset."""
    INFERRED = "inferred"
    """No recording shows it; the entry follows a recorded sibling shape."""
    ALWAYS_SET = "always set"
    """The emulator always gives the member a value, so the choice never shows."""


@attrs.frozen
class Member:
    """One member of a response body and how it is sent when unset.

    Attributes:
        unset: Sent as ``null`` or left out when it has no value.
        basis: Where that knowledge comes from.
        modeled: ``False`` for members the live service sends that the model does not
            define (left out of the ``model`` shape).
    """

    unset: Unset
    basis: Basis
    modeled: bool = True


@attrs.frozen
class BodyShape:
    """The optional and unmodeled members of one body (required members are never unset).

    Attributes:
        members: Each optional or unmodeled member by wire name.
        items: The shape of each element of ``items`` (List operations).
    """

    members: Mapping[str, Member]
    items: BodyShape | None = None


def _members(unset: Unset, basis: Basis, *names: str, modeled: bool = True) -> dict[str, Member]:
    return {name: Member(unset, basis, modeled) for name in names}


_NULL, _OMIT = Unset.NULL, Unset.OMIT
_REC, _INF, _SET = Basis.RECORDED, Basis.INFERRED, Basis.ALWAYS_SET


def _build_configuration(basis: Basis) -> dict[str, Member]:
    """The build configuration an image or version body echoes (recorded on both)."""
    return {
        **_members(
            _NULL,
            basis,
            "description",
            "logging",
            "cpuConfigurations",
            "additionalOsCapabilities",
            "hooks",
            "environmentVariables",
        ),
        # Defaults are applied when a member is omitted, so these always have a value.
        **_members(_NULL, _SET, "baseImageVersion", "egressNetworkConnectors", "resources"),
        # Recorded bodies without a key leave the member out instead of sending null.
        **_members(_OMIT, basis, "kmsKeyIdentifier"),
    }


def _image_write(basis: Basis) -> dict[str, Member]:
    """CreateMicrovmImage and UpdateMicrovmImage answers."""
    return {
        **_build_configuration(basis),
        **_members(_NULL, basis, "latestActiveImageVersion", "latestFailedImageVersion"),
        **_members(_NULL, _SET, "id", modeled=False),
        **_members(_NULL, basis, "buildPhaseOverrides", "roleConfiguration", modeled=False),
    }


def _version(basis: Basis) -> dict[str, Member]:
    """An image version (get, list item, PATCH answer)."""
    return {
        **_build_configuration(basis),
        **_members(_NULL, basis, "stateReason", "tags"),
        **_members(_NULL, _SET, "updatedAt"),
        **_members(_NULL, _SET, "versionStateTimeBucket", modeled=False),
    }


def _microvm() -> dict[str, Member]:
    """RunMicrovm and GetMicrovm answers (recorded: the same shape)."""
    return {
        **_members(_NULL, _REC, "executionRoleArn", "idlePolicy", "terminatedAt", "stateReason"),
        **_members(_NULL, _SET, "ingressNetworkConnectors", "egressNetworkConnectors"),
        **_members(_OMIT, _REC, "kmsKeyIdentifier"),
        **_members(_NULL, _REC, "terminationReasonCode", modeled=False),
    }


def _build() -> dict[str, Member]:
    """A build summary (recorded in ListMicrovmImageBuilds and GetMicrovmImageBuild)."""
    return {
        **_members(_NULL, _REC, "stateReason"),
        **_members(_NULL, _REC, "terminationReasonCode", modeled=False),
    }


def _page(items: dict[str, Member]) -> BodyShape:
    """A List answer: ``nextToken`` is recorded as an explicit null on the last page."""
    return BodyShape(_members(_NULL, _REC, "nextToken"), items=BodyShape(items))


_NO_MEMBERS = BodyShape({})

RESPONSES: Mapping[str, BodyShape] = {
    # Images, versions, builds.
    "CreateMicrovmImage": BodyShape(
        {
            **_image_write(_REC),
            **_members(_NULL, _REC, "tags"),
            **_members(_NULL, _SET, "updatedAt"),
        }
    ),
    # Recorded as "the create shape" (state, versions); the model has no tags here.
    "UpdateMicrovmImage": BodyShape(_image_write(_INF)),
    "GetMicrovmImage": BodyShape(
        {
            **_members(_NULL, _REC, "latestActiveImageVersion", "latestFailedImageVersion"),
            **_members(_NULL, _SET, "tags", "updatedAt"),
            **_members(_NULL, _SET, "id", modeled=False),
        }
    ),
    "ListMicrovmImages": _page(
        {
            **_members(_NULL, _REC, "latestActiveImageVersion", "latestFailedImageVersion"),
            **_members(_NULL, _SET, "id", modeled=False),
        }
    ),
    "DeleteMicrovmImage": _NO_MEMBERS,
    "GetMicrovmImageVersion": BodyShape(_version(_REC)),
    "ListMicrovmImageVersions": _page(_version(_INF)),
    # Recorded as returning the same shape as GetMicrovmImageVersion.
    "UpdateMicrovmImageVersion": BodyShape(_version(_INF)),
    "DeleteMicrovmImageVersion": _NO_MEMBERS,
    "GetMicrovmImageBuild": BodyShape(
        # A build that has not succeeded has no snapshot; only successful ones are recorded.
        {**_build(), **_members(_NULL, _INF, "snapshotBuild")}
    ),
    "ListMicrovmImageBuilds": _page(_build()),
    # The managed catalog.
    "ListManagedMicrovmImages": _page(_members(_NULL, _SET, "updatedAt")),
    "ListManagedMicrovmImageVersions": _page(
        {
            **_members(_NULL, _SET, "status", "updatedAt"),
            **_members(_OMIT, _REC, "supportedCpuConfigurations"),
        }
    ),
    # MicroVMs.
    "RunMicrovm": BodyShape(_microvm()),
    "GetMicrovm": BodyShape(_microvm()),
    "ListMicrovms": _page({}),
    "SuspendMicrovm": _NO_MEMBERS,
    "ResumeMicrovm": _NO_MEMBERS,
    "TerminateMicrovm": _NO_MEMBERS,
    "CreateMicrovmAuthToken": _NO_MEMBERS,
    "CreateMicrovmShellAuthToken": _NO_MEMBERS,
    # Tags (TagResource and UntagResource answer 204 without a body).
    "TagResource": _NO_MEMBERS,
    "UntagResource": _NO_MEMBERS,
    "ListTags": BodyShape(_members(_NULL, _SET, "Tags")),
}
"""Every operation's answer: its optional and unmodeled members, and how each is sent."""


def render(operation: str, body: dict[str, Any] | None, shape: ResponseShape) -> Any:
    """Return ``body`` laid out as the ``shape`` asks.

    Only the top level and the members of ``items`` are laid out, never caller data
    (tags, environment variables) nested inside.

    Args:
        operation: The operation that answers (its entry in :data:`RESPONSES`).
        body: The handler's body: every member the handler knows, ``None`` when unset.
        shape: ``"live"`` or ``"model"``.

    Raises:
        KeyError: If the operation has no entry in :data:`RESPONSES`.
    """
    table = RESPONSES[operation]
    if body is None:
        return None
    out = _lay_out(body, table, shape)
    items = body.get("items")
    if table.items is not None and isinstance(items, list):
        out["items"] = [
            _lay_out(item, table.items, shape) if isinstance(item, dict) else item for item in items
        ]
    return out


def _lay_out(body: Mapping[str, Any], table: BodyShape, shape: ResponseShape) -> dict[str, Any]:
    members = table.members
    if shape == "model":
        kept = {
            key: value
            for key, value in body.items()
            if value is not None and (key not in members or members[key].modeled)
        }
    else:
        kept = {
            key: value
            for key, value in body.items()
            if value is not None or key not in members or members[key].unset is _NULL
        }
        for name, member in members.items():
            if member.unset is _NULL and name not in kept:
                kept[name] = None
    return {key: kept[key] for key in sorted(kept)}
