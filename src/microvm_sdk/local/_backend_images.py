"""Images, versions, builds and the managed catalog of the emulated service.

Timeline of a build (durations from :class:`~._timing.Timing`): the version and its two
builds start PENDING; after ``build_queue`` all are IN_PROGRESS; after ``build_run`` the
builds end SUCCESSFUL (with snapshot sizes) or FAILED (with ``stateReason``); after
``version_settle`` the version follows; after ``image_settle`` the image does (CREATED /
UPDATED, or CREATE_FAILED / UPDATE_FAILED). The image settles last.

Settling visits only the images with a transition due: each partition has a
:class:`DueQueue` of images by the time their next transition is due, filled by the
operations that schedule one. Settled images (CREATED, a finished build, ...) are never
visited again, so settling costs the same with ten images or ten thousand.
"""

from __future__ import annotations

import copy
import hashlib
import heapq
import json
import weakref
from collections.abc import Callable, Mapping
from typing import Any

from ._backend_common import (
    Env,
    Handler,
    conflict,
    coral_message,
    find_image,
    image_arn,
    image_not_found,
    not_found,
    paginate,
    quota_exceeded,
    remember,
    replay,
    require_arn,
    ts,
    validation,
    version_bucket,
    version_not_found,
)
from ._backend_config import decide_build
from ._backend_state import Build, Image, Partition, Version
from ._catalog import (
    is_resolved_form,
    managed_image_arn,
    managed_image_summary,
    managed_versions,
    network_connector_arn,
    resolve_base_version,
)

__all__ = ["HANDLERS", "DueQueue", "PartitionQueues", "settle_images", "snapshot_sizes"]

_BUSY_IMAGE_STATES = ("CREATING", "UPDATING", "DELETING")
_BUILDING_VERSION_STATES = ("PENDING", "IN_PROGRESS")
_CONFIG_MEMBERS = (
    "baseImageArn",
    "baseImageVersion",
    "buildRoleArn",
    "description",
    "codeArtifact",
    "logging",
    "egressNetworkConnectors",
    "cpuConfigurations",
    "resources",
    "additionalOsCapabilities",
    "hooks",
    "environmentVariables",
    "kmsKeyIdentifier",
)
_GENERATIONS = ("4", "3")
_DEFAULT_MEMORY_MIB = 2048
_PAGE = 4096


# ------------------------------------------------------------------------- settling


class DueQueue:
    """The keys of one partition's resources that have a transition to come, by due time.

    Each key is queued for one time at most: :meth:`push` replaces the time a key was
    queued for (the caller computes it from the resource's whole state), and an entry
    left behind by a replaced time is skipped when it comes up. A resource may come up
    early (its next transition moved later without a new push): settling it then
    changes nothing. It must never come up late, so whatever schedules a transition
    pushes its resource again. Resources with nothing to come (settled, terminated)
    are not queued.
    """

    __slots__ = ("_due", "_heap")

    def __init__(self) -> None:
        self._heap: list[tuple[float, str]] = []
        self._due: dict[str, float] = {}

    def push(self, due: float | None, key: str) -> None:
        """Queue ``key`` for ``due``, replacing the time it was queued for (``None``: unqueue)."""
        if due is None:
            self._due.pop(key, None)
        elif self._due.get(key) != due:
            self._due[key] = due
            heapq.heappush(self._heap, (due, key))

    def pop_due(self, now: float) -> list[str]:
        """Unqueue and return the keys due by ``now``, soonest first."""
        heap = self._heap
        keys: list[str] = []
        while heap and heap[0][0] <= now:
            due, key = heapq.heappop(heap)
            if self._due.get(key) == due:
                del self._due[key]
                keys.append(key)
        return keys

    def __len__(self) -> int:
        """The number of keys queued."""
        return len(self._due)


class PartitionQueues:
    """One :class:`DueQueue` per live :class:`Partition`, kept beside it.

    Partitions are saved and restored as plain data, so the queue lives here, keyed by
    the partition's identity and dropped with it. A partition seen for the first time
    (new, or restored from a state file) gets a queue built by ``build``.

    Args:
        build: Returns the queue of a partition from its records.
    """

    def __init__(self, build: Callable[[Partition], DueQueue]) -> None:
        self._build = build
        self._queues: dict[int, tuple[weakref.ref[Partition], DueQueue]] = {}

    def get(self, part: Partition) -> DueQueue:
        """Return ``part``'s queue, building it on first use."""
        key = id(part)
        entry = self._queues.get(key)
        if entry is not None and entry[0]() is part:
            return entry[1]
        queue = self._build(part)

        def forget(ref: weakref.ref[Partition]) -> None:
            current = self._queues.get(key)
            if current is not None and current[0] is ref:
                self._queues.pop(key, None)

        self._queues[key] = (weakref.ref(part, forget), queue)
        return queue


def _image_due(image: Image) -> float | None:
    """Return when ``image``'s next transition is due, or ``None`` if none is to come.

    Mirrors the conditions of :func:`_settle_version` and :func:`_settle_image`.
    """
    times: list[float] = []
    for version in image.versions.values():
        if version.state == "PENDING":
            times.append(version.in_progress_at)
        elif version.state == "IN_PROGRESS":
            if version.builds_done_at is not None and any(
                build.state == "IN_PROGRESS" for build in version.builds
            ):
                times.append(version.builds_done_at)
            if version.done_at is not None:
                times.append(version.done_at)
        elif (
            version.state == "DELETING"
            and version.delete_at is not None
            and image.state != "DELETING"
        ):
            times.append(version.delete_at)
    if image.state in ("CREATING", "UPDATING"):
        pending = image.versions.get(image.pending_version or "")
        if pending is not None and pending.image_settle_at is not None:
            times.append(pending.image_settle_at)
    elif image.state == "DELETING" and image.delete_at is not None:
        times.append(image.delete_at)
    return min(times, default=None)


def _queue_all(part: Partition) -> DueQueue:
    queue = DueQueue()
    for image in part.images.values():
        queue.push(_image_due(image), image.name)
    return queue


_QUEUES = PartitionQueues(_queue_all)


def _track(env: Env, image: Image) -> None:
    """Queue ``image`` after an operation scheduled a transition on it."""
    _QUEUES.get(env.part).push(_image_due(image), image.name)


def settle_images(env: Env) -> None:
    """Apply every image, version and build transition due by ``env.now``.

    Only images with a transition due are visited, in creation order.
    """
    queue = _QUEUES.get(env.part)
    names = queue.pop_due(env.now)
    if not names:
        return
    images = env.part.images
    due = sorted(
        (image for name in names if (image := images.get(name)) is not None),
        key=lambda image: image.seq,
    )
    for image in due:
        for version in list(image.versions.values()):
            _settle_version(version, env.now, env.config.version_failure_reason)
        _settle_image(env, image)
        if images.get(image.name) is image:
            queue.push(_image_due(image), image.name)


def _settle_version(version: Version, now: float, failed_reason: str | None) -> None:
    if version.state == "PENDING" and now >= version.in_progress_at:
        version.state = "IN_PROGRESS"
        version.updated_at = version.state_entered_at = version.in_progress_at
        for build in version.builds:
            build.state = "IN_PROGRESS"
    if version.state != "IN_PROGRESS":
        return
    if version.builds_done_at is not None and now >= version.builds_done_at:
        for build in version.builds:
            if build.state == "IN_PROGRESS":
                if version.outcome == "fail":
                    build.state = "FAILED"
                    build.state_reason = version.failure_reason
                else:
                    build.state = "SUCCESSFUL"
    if version.done_at is not None and now >= version.done_at:
        failed = version.outcome == "fail"
        version.state = "FAILED" if failed else "SUCCESSFUL"
        version.state_reason = failed_reason if failed else None
        version.updated_at = version.state_entered_at = version.done_at


def _settle_image(env: Env, image: Image) -> None:
    pending = image.versions.get(image.pending_version or "")
    if (
        image.state in ("CREATING", "UPDATING")
        and pending is not None
        and pending.image_settle_at is not None
        and env.now >= pending.image_settle_at
    ):
        succeeded = pending.state == "SUCCESSFUL"
        if image.state == "CREATING":
            image.state = "CREATED" if succeeded else "CREATE_FAILED"
        else:
            image.state = "UPDATED" if succeeded else "UPDATE_FAILED"
        if succeeded:
            image.latest_active = pending.version
        else:
            image.latest_failed = pending.version
        image.updated_at = pending.image_settle_at
        image.pending_version = None
    for version in list(image.versions.values()):
        if (
            version.state == "DELETING"
            and version.delete_at is not None
            and env.now >= version.delete_at
            and image.state != "DELETING"
        ):
            del image.versions[version.version]
            image.deleted_versions.append(version.version)
            _repoint_latest(image)
            _end_version_drain(image, version.delete_at)
    if image.state == "DELETING" and image.delete_at is not None and env.now >= image.delete_at:
        _remove_image(env, image, image.delete_at)


def _end_version_drain(image: Image, when: float) -> None:
    """Return the image to the state it had before a version delete made it UPDATING."""
    if (
        image.resting_state is not None
        and image.state == "UPDATING"
        and image.pending_version is None
        and not any(v.state == "DELETING" for v in image.versions.values())
    ):
        image.state = image.resting_state
        image.resting_state = None
        image.updated_at = when


def _repoint_latest(image: Image) -> None:
    def newest(state: str) -> str | None:
        found = [v for v in image.versions.values() if v.state == state]
        return max(found, key=lambda v: v.number).version if found else None

    if image.latest_active is not None and image.latest_active not in image.versions:
        image.latest_active = newest("SUCCESSFUL")
    if image.latest_failed is not None and image.latest_failed not in image.versions:
        image.latest_failed = newest("FAILED")


def _remove_image(env: Env, image: Image, when: float) -> None:
    del env.part.images[image.name]
    env.part.tombstones[image.arn] = when


# ------------------------------------------------------------------------- builders


def _config_body(config: Mapping[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(dict(config))


def _image_response(env: Env, image: Image, version: Version, *, create: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "imageArn": image.arn,
        "name": image.name,
        "state": image.state,
        "latestActiveImageVersion": image.latest_active,
        "latestFailedImageVersion": image.latest_failed,
        "createdAt": ts(image.created_at),
        **_config_body(version.config),
    }
    if create:
        body["tags"] = dict(image.tags) if image.tags_given else None
    body["updatedAt"] = ts(image.updated_at)
    body["imageVersion"] = version.version
    body["id"] = image.image_id
    return body


def _image_summary(image: Image) -> dict[str, Any]:
    return {
        "imageArn": image.arn,
        "name": image.name,
        "state": image.state,
        "latestActiveImageVersion": image.latest_active,
        "latestFailedImageVersion": image.latest_failed,
        "createdAt": ts(image.created_at),
        "id": image.image_id,
    }


def _version_body(image: Image, version: Version) -> dict[str, Any]:
    return {
        **_config_body(version.config),
        "imageArn": image.arn,
        "imageVersion": version.version,
        "state": version.state,
        "status": version.status,
        "createdAt": ts(version.created_at),
        "updatedAt": ts(version.updated_at),
        "stateReason": version.state_reason,
        "versionStateTimeBucket": version_bucket(version.state, version.state_entered_at),
    }


def _build_summary(image: Image, version: Version, build: Build) -> dict[str, Any]:
    return {
        "imageArn": image.arn,
        "imageVersion": version.version,
        "buildId": build.build_id,
        "buildState": build.state,
        "architecture": build.architecture,
        "chipset": build.chipset,
        "chipsetGeneration": build.generation,
        "stateReason": build.state_reason,
        "createdAt": ts(build.created_at),
    }


# ---------------------------------------------------------------------- validation


def _memory_of(config: Mapping[str, Any]) -> int:
    resources = config.get("resources") or []
    if resources and isinstance(resources[0], Mapping):
        value = resources[0].get("minimumMemoryInMiB")
        if isinstance(value, int):
            return value
    return _DEFAULT_MEMORY_MIB


def _build_config(env: Env, params: Mapping[str, Any]) -> dict[str, Any]:
    """Return the version configuration for a create or update, defaults applied."""
    config = env.config
    base_arn = params["baseImageArn"]
    requested = params.get("baseImageVersion")
    resolved = resolve_base_version(requested)
    if config.validate_base_image:
        if base_arn != managed_image_arn(env.region):
            raise validation(f"Base image not found: {base_arn}")
        if resolved is None:
            raise validation(f"Base image version not found: {requested} for {base_arn}")
    elif resolved is None:
        resolved = requested

    problems: list[tuple[Any, str, str]] = []
    resources = params.get("resources")
    if resources is None:
        resources = [{"minimumMemoryInMiB": _DEFAULT_MEMORY_MIB}]
    if config.memory_tiers is not None:
        for index, item in enumerate(resources, start=1):
            memory = item.get("minimumMemoryInMiB") if isinstance(item, Mapping) else None
            if memory not in config.memory_tiers:
                tiers = ", ".join(str(tier) for tier in config.memory_tiers)
                problems.append(
                    (
                        memory,
                        f"resources.{index}.member.minimumMemoryInMiB",
                        f"satisfy enum value set: [{tiers}]",
                    )
                )
    if config.validate_hooks:
        problems.extend(_hook_problems(params.get("hooks")))
    if problems:
        raise validation(coral_message(problems))

    egress = params.get("egressNetworkConnectors")
    if egress is None:
        egress = [network_connector_arn(env.region, "INTERNET_EGRESS")]
    built: dict[str, Any] = {}
    for member in _CONFIG_MEMBERS:
        built[member] = copy.deepcopy(params.get(member))
    built["baseImageVersion"] = resolved
    built["egressNetworkConnectors"] = list(egress)
    built["resources"] = copy.deepcopy(list(resources))
    return built


def _hook_problems(hooks: Any) -> list[tuple[Any, str, str]]:
    if not isinstance(hooks, Mapping):
        return []
    runtime = hooks.get("microvmHooks") or {}
    image_hooks = hooks.get("microvmImageHooks") or {}
    runtime_enabled = any(
        runtime.get(h) == "ENABLED" for h in ("run", "resume", "suspend", "terminate")
    )
    image_enabled = any(image_hooks.get(h) == "ENABLED" for h in ("ready", "validate"))
    problems: list[tuple[Any, str, str]] = []
    if (runtime_enabled or image_enabled) and hooks.get("port") is None:
        problems.append((None, "hooks.port", "not be null when a hook is enabled"))
    if runtime_enabled and image_hooks.get("ready") != "ENABLED":
        problems.append(
            (
                image_hooks.get("ready"),
                "hooks.microvmImageHooks.ready",
                "be ENABLED when a MicroVM hook is enabled",
            )
        )
    return problems


def _check_build_quota(env: Env) -> None:
    limit = env.config.max_concurrent_builds
    if limit is None:
        return
    running = sum(
        1
        for image in env.part.images.values()
        for version in image.versions.values()
        if version.state in _BUILDING_VERSION_STATES
    )
    if running >= limit:
        raise quota_exceeded(
            f"Account {env.account_id} has reached the maximum number of concurrent builds allowed."
        )


def snapshot_sizes(config: Mapping[str, Any], generation: str) -> dict[str, int]:
    """Return the snapshot sizes a build of ``config`` reports, derived from its input.

    The same input gives the same sizes on every run, with no seed: the code install
    follows the code artifact URI and base image version; the disk snapshot also
    the chipset generation; the memory snapshot also the memory tier, of which it is a
    quarter to 30 %. Every size is a whole number of 4 KiB pages, in the range of the
    recorded build (about 580 MiB of memory for 2048 MiB, 180 MiB of installed code,
    24 MiB of disk).

    Args:
        config: The version's build configuration (``codeArtifact``, ``resources``...).
        generation: The build's chipset generation (``"4"``).
    """
    uri = str((config.get("codeArtifact") or {}).get("uri", ""))
    base = config.get("baseImageVersion")
    memory_pages = _memory_of(config) * 256

    def pages(low: int, high: int, *inputs: Any) -> int:
        digest = hashlib.sha256(json.dumps(inputs, separators=(",", ":")).encode()).digest()
        return _PAGE * (low + int.from_bytes(digest[:8], "big") % (high - low + 1))

    return {
        "memorySnapshotSizeInBytes": pages(
            memory_pages // 4, memory_pages * 3 // 10, "memory", uri, base, generation, memory_pages
        ),
        "codeInstallSizeInBytes": pages(20_000, 60_000, "code", uri, base),
        "diskSnapshotSizeInBytes": pages(5_000, 8_000, "disk", uri, base, generation),
    }


def _new_version(env: Env, image: Image, config: dict[str, Any]) -> Version:
    timing = env.timing
    number = image.next_version
    image.next_version += 1
    uri = str((config.get("codeArtifact") or {}).get("uri", ""))
    outcome, reason = decide_build(env.config.build_rules, uri)
    now = env.now
    in_progress_at = now + timing.build_queue
    builds_done_at = done_at = settle_at = None
    if outcome != "hang":
        builds_done_at = in_progress_at + timing.build_run
        done_at = builds_done_at + timing.version_settle
        settle_at = done_at + timing.image_settle
    builds = [
        Build(
            build_id=env.uuid(),
            architecture="ARM_64",
            chipset="GRAVITON",
            generation=generation,
            created_at=now,
            snapshot=snapshot_sizes(config, generation),
        )
        for generation in _GENERATIONS
    ]
    version = Version(
        version=f"{number}.0",
        number=number,
        config=config,
        created_at=now,
        updated_at=now,
        state_entered_at=now,
        in_progress_at=in_progress_at,
        builds_done_at=builds_done_at,
        done_at=done_at,
        image_settle_at=settle_at,
        outcome=outcome,
        failure_reason=reason,
        builds=builds,
    )
    image.versions[version.version] = version
    image.pending_version = version.version
    return version


def _lookup_image(env: Env, identifier: str) -> Image:
    image = find_image(env, identifier)
    if image is None:
        raise image_not_found(identifier)
    return image


def _lookup_version(env: Env, identifier: str, version_id: str) -> tuple[Image, Version]:
    image = find_image(env, identifier)
    version = image.versions.get(version_id) if image is not None else None
    if image is None or version is None:
        raise version_not_found(identifier, version_id)
    return image, version


def _live_vms_using(env: Env, arn: str, version: str | None = None) -> bool:
    return any(
        vm.image_arn == arn
        and vm.state != "TERMINATED"
        and (version is None or vm.image_version == version)
        for vm in env.part.microvms.values()
    )


# ----------------------------------------------------------------------- operations


def create_microvm_image(env: Env, params: dict[str, Any]) -> dict[str, Any]:
    """CreateMicrovmImage: 201 with the image CREATING and version "1.0" queued."""
    replayed = replay(env, "CreateMicrovmImage", params)
    if replayed is not None:
        return replayed
    name = params["name"]
    existing = env.part.images.get(name)
    if existing is not None:
        if existing.state == "DELETING" and not env.config.reserve_name_while_deleting:
            _remove_image(env, existing, env.now)
        else:
            raise validation(f"MicroVM image with name {name} already exists.")
    config = _build_config(env, params)
    _check_build_quota(env)
    arn = image_arn(env.region, env.account_id, name)
    tags = params.get("tags")
    image = Image(
        name=name,
        arn=arn,
        image_id=env.uuid(),
        seq=env.part.take_seq(),
        created_at=env.now,
        updated_at=env.now,
        visible_at=env.now + env.config.not_found_window,
        state="CREATING",
        tags=dict(tags or {}),
        tags_given=tags is not None,
        listed_tags=dict(tags or {}),
        tags_changed_at=env.now,
    )
    env.part.tombstones.pop(arn, None)
    env.part.images[name] = image
    version = _new_version(env, image, config)
    _track(env, image)
    body = _image_response(env, image, version, create=True)
    remember(env, "CreateMicrovmImage", params, body)
    return body


def get_microvm_image(env: Env, params: dict[str, Any]) -> dict[str, Any]:
    """GetMicrovmImage: the image summary with its tags (``{}`` when none)."""
    identifier = params["imageIdentifier"]
    image = _lookup_image(env, identifier)
    if env.now < image.visible_at:
        raise image_not_found(identifier)
    body = _image_summary(image)
    body["tags"] = dict(image.tags)
    body["updatedAt"] = ts(image.updated_at)
    return body


def list_microvm_images(env: Env, params: dict[str, Any]) -> dict[str, Any]:
    """ListMicrovmImages: all images (CREATING and DELETING too), oldest first."""
    name_filter = params.get("nameFilter")
    keyed = [
        (image.seq, _image_summary(image))
        for image in sorted(env.part.images.values(), key=lambda i: i.seq)
        if name_filter is None or name_filter in image.name
    ]
    return paginate(env, "ListMicrovmImages", keyed, params, {"nameFilter": name_filter})


def update_microvm_image(env: Env, params: dict[str, Any]) -> dict[str, Any]:
    """UpdateMicrovmImage: full replace; mints the next version and goes UPDATING."""
    identifier = params["imageIdentifier"]
    require_arn(identifier)
    replayed = replay(env, "UpdateMicrovmImage", params)
    if replayed is not None:
        return replayed
    image = _lookup_image(env, identifier)
    if image.state in _BUSY_IMAGE_STATES:
        raise _conflict_state(image.state)
    requested = params.get("baseImageVersion")
    if requested is not None and is_resolved_form(requested):
        raise validation(
            coral_message(
                [(requested, "baseImageVersion", "be a base image major version, such as '1'")]
            )
        )
    config = _build_config(env, params)
    _check_build_quota(env)
    version = _new_version(env, image, config)
    image.state = "UPDATING"
    image.updated_at = env.now
    _track(env, image)
    body = _image_response(env, image, version, create=False)
    remember(env, "UpdateMicrovmImage", params, body)
    return body


def _conflict_state(state: str) -> Exception:
    return conflict(f"MicroVM Image is already in state: {state}")


LAST_VERSION_MESSAGE = "This is the last version. Please delete the entire image"
"""The observed 400 for deleting an image's last remaining version."""


def delete_microvm_image(env: Env, params: dict[str, Any]) -> dict[str, Any]:
    """DeleteMicrovmImage: 200 DELETING, then gone; repeat deletes answer 200.

    When deletes overlap: a delete during the image's own
    drain answers 200 DELETING again; one while a build runs or a version delete drains
    (the image is CREATING or UPDATING) is refused with the recorded 400, as is one
    while a MicroVM that is not TERMINATED uses the image.
    """
    identifier = params["imageIdentifier"]
    image = find_image(env, identifier)
    if image is None:
        if identifier in env.part.tombstones or env.config.delete_unknown_image == "ok":
            return {"imageIdentifier": identifier, "state": "DELETED"}
        raise image_not_found(identifier)
    if image.state == "DELETING":
        return {"imageIdentifier": image.arn, "state": "DELETING"}
    busy = image.state in _BUSY_IMAGE_STATES or any(
        v.state in (*_BUILDING_VERSION_STATES, "DELETING") for v in image.versions.values()
    )
    if busy:
        raise validation(f"Cannot delete MicroVM image in its current state: {image.arn}")
    if _live_vms_using(env, image.arn):
        raise validation("Cannot delete microvm image with running microvms.")
    image.state = "DELETING"
    image.updated_at = env.now
    image.delete_at = env.now + env.timing.image_delete_drain
    for version in image.versions.values():
        version.state = "DELETING"
        version.updated_at = version.state_entered_at = env.now
        version.delete_at = image.delete_at
    _track(env, image)
    return {"imageIdentifier": image.arn, "state": "DELETING"}


def get_microvm_image_version(env: Env, params: dict[str, Any]) -> dict[str, Any]:
    """GetMicrovmImageVersion: the version with its build configuration."""
    image, version = _lookup_version(env, params["imageIdentifier"], params["imageVersion"])
    return _version_body(image, version)


def list_microvm_image_versions(env: Env, params: dict[str, Any]) -> dict[str, Any]:
    """ListMicrovmImageVersions: the image's versions, oldest first."""
    identifier = params["imageIdentifier"]
    image = _lookup_image(env, identifier)
    keyed = [
        (version.number, _version_body(image, version))
        for version in sorted(image.versions.values(), key=lambda v: v.number)
    ]
    return paginate(env, "ListMicrovmImageVersions", keyed, params, {"image": image.arn})


def update_microvm_image_version(env: Env, params: dict[str, Any]) -> dict[str, Any]:
    """UpdateMicrovmImageVersion: set ACTIVE / INACTIVE (409 while the image is busy)."""
    image, version = _lookup_version(env, params["imageIdentifier"], params["imageVersion"])
    if image.state in _BUSY_IMAGE_STATES:
        raise _conflict_state(image.state)
    if version.state == "DELETING":
        raise conflict("MicroVM Image Version is already in state: DELETING")
    status = params["status"]
    if (
        status == "INACTIVE"
        and env.config.inactive_requires_successful
        and version.state != "SUCCESSFUL"
    ):
        raise validation(
            f"Cannot set MicroVM image version {version.version} to INACTIVE "
            f"in its current state: {version.state}"
        )
    if version.status != status:
        version.status = status
        version.updated_at = env.now
    return _version_body(image, version)


def delete_microvm_image_version(env: Env, params: dict[str, Any]) -> dict[str, Any]:
    """DeleteMicrovmImageVersion: 200 DELETING, then gone; repeats answer 200.

    The image is UPDATING while the version drains, then returns to the state it had,
    so overlapping calls meet a busy image. The checks
    come in the order the live service was seen to make them: a version already
    deleting answers 200 again, the last remaining version is refused, then a busy
    image (409), then MicroVMs that use the version (400).
    """
    identifier = params["imageIdentifier"]
    version_id = params["imageVersion"]
    image = find_image(env, identifier)
    if image is None:
        raise version_not_found(identifier, version_id)
    answer = {"imageIdentifier": image.arn, "imageVersion": version_id}
    version = image.versions.get(version_id)
    if version is None:
        if version_id in image.deleted_versions:
            return {**answer, "state": "DELETED"}
        raise version_not_found(identifier, version_id)
    if version.state == "DELETING":
        return {**answer, "state": "DELETING"}
    if env.config.refuse_last_version_delete and not any(
        other.state != "DELETING" for other in image.versions.values() if other is not version
    ):
        raise validation(LAST_VERSION_MESSAGE)
    if image.state in _BUSY_IMAGE_STATES or version.state in _BUILDING_VERSION_STATES:
        raise _conflict_state(image.state)
    if _live_vms_using(env, image.arn, version_id):
        raise validation("Cannot delete microvm image version with running microvms.")
    version.state = "DELETING"
    version.updated_at = version.state_entered_at = env.now
    version.delete_at = env.now + env.timing.version_delete_drain
    image.resting_state = image.state
    image.state = "UPDATING"
    image.updated_at = env.now
    _track(env, image)
    return {**answer, "state": "DELETING"}


def get_microvm_image_build(env: Env, params: dict[str, Any]) -> dict[str, Any]:
    """GetMicrovmImageBuild: a build, with ``snapshotBuild`` once it succeeded."""
    identifier = params["imageIdentifier"]
    version_id = params["imageVersion"]
    image, version = _lookup_version(env, identifier, version_id)
    build_id = params["buildId"]
    for build in version.builds:
        if build.build_id == build_id:
            body = _build_summary(image, version, build)
            body["snapshotBuild"] = dict(build.snapshot) if build.state == "SUCCESSFUL" else None
            return body
    raise not_found(
        f"MicroVMImage build not found for MicroVMImage: {identifier}, "
        f"Version: {version_id}, Build: {build_id}"
    )


def list_microvm_image_builds(env: Env, params: dict[str, Any]) -> dict[str, Any]:
    """ListMicrovmImageBuilds: the version's builds, newest chipset generation first."""
    image, version = _lookup_version(env, params["imageIdentifier"], params["imageVersion"])
    filters = {
        "architecture": params.get("architecture"),
        "chipset": params.get("chipset"),
        "chipsetGeneration": params.get("chipsetGeneration"),
    }
    keyed = [
        (index, _build_summary(image, version, build))
        for index, build in enumerate(version.builds)
        if (filters["architecture"] in (None, build.architecture))
        and (filters["chipset"] in (None, build.chipset))
        and (filters["chipsetGeneration"] in (None, build.generation))
    ]
    scope = {"image": image.arn, "version": version.version, **filters}
    return paginate(env, "ListMicrovmImageBuilds", keyed, params, scope)


def list_managed_microvm_images(env: Env, params: dict[str, Any]) -> dict[str, Any]:
    """ListManagedMicrovmImages: the region's static catalog."""
    return paginate(
        env, "ListManagedMicrovmImages", [(0, managed_image_summary(env.region))], params
    )


def list_managed_microvm_image_versions(env: Env, params: dict[str, Any]) -> dict[str, Any]:
    """ListManagedMicrovmImageVersions: versions "1" and "0", AVAILABLE."""
    identifier = params["imageIdentifier"]
    require_arn(identifier)
    if identifier != managed_image_arn(env.region):
        raise image_not_found(identifier)
    keyed = [
        (
            index,
            {
                "imageArn": identifier,
                "imageVersion": version.version,
                "status": version.status,
                "createdAt": version.created_at,
                "updatedAt": version.updated_at,
            },
        )
        for index, version in enumerate(managed_versions())
    ]
    return paginate(env, "ListManagedMicrovmImageVersions", keyed, params, {"image": identifier})


HANDLERS: Mapping[str, Handler] = {
    "CreateMicrovmImage": create_microvm_image,
    "GetMicrovmImage": get_microvm_image,
    "ListMicrovmImages": list_microvm_images,
    "UpdateMicrovmImage": update_microvm_image,
    "DeleteMicrovmImage": delete_microvm_image,
    "GetMicrovmImageVersion": get_microvm_image_version,
    "ListMicrovmImageVersions": list_microvm_image_versions,
    "UpdateMicrovmImageVersion": update_microvm_image_version,
    "DeleteMicrovmImageVersion": delete_microvm_image_version,
    "GetMicrovmImageBuild": get_microvm_image_build,
    "ListMicrovmImageBuilds": list_microvm_image_builds,
    "ListManagedMicrovmImages": list_managed_microvm_images,
    "ListManagedMicrovmImageVersions": list_managed_microvm_image_versions,
}
