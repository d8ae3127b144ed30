"""MicroVMs of the emulated service: run, lifecycle, timers and auth tokens.

States: PENDING -> RUNNING (after ``microvm_start``); RUNNING -> SUSPENDING -> SUSPENDED
(after ``microvm_suspend``); SUSPENDED -> RUNNING directly on resume; any live state ->
TERMINATING -> TERMINATED (after ``microvm_terminate``), with ``stateReason`` "Success.".
Timers (``idlePolicy``, ``maximumDurationInSeconds``) run in virtual time, scaled by
``Timing.policy_time_scale``. TERMINATED MicroVMs stay gettable and listed.

Settling visits only the MicroVMs with a transition or timer due (a
:class:`~._backend_images.DueQueue` per partition); TERMINATED ones are never visited
again.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from ._backend_common import (
    Env,
    Handler,
    conflict,
    coral_message,
    find_image,
    not_found,
    paginate,
    quota_exceeded,
    remember,
    replay,
    ts,
    validation,
    version_not_found,
)
from ._backend_images import DueQueue, PartitionQueues
from ._backend_state import Image, Microvm, Partition, Version
from ._catalog import network_connector_arn
from ._timing import Timing

__all__ = ["HANDLERS", "TRANSITIONS", "decode_auth_token", "record_traffic", "settle_microvms"]

DEFAULT_MAXIMUM_DURATION = 28_800
MALFORMED_ARN_MESSAGE = "Malformed ARN - doesn't start with 'arn:'"
SUCCESS_REASON = "Success."
_LIVE_MEMORY_STATES = ("PENDING", "RUNNING", "SUSPENDING", "SUSPENDED", "TERMINATING")
_DEFAULT_MEMORY_MIB = 2048
_IDLE_MEMBERS = ("maxIdleDurationSeconds", "suspendedDurationSeconds", "autoResumeEnabled")


# ------------------------------------------------------------------------- settling


def settle_microvms(env: Env) -> None:
    """Apply every MicroVM transition and timer due by ``env.now``.

    Only MicroVMs with something due are visited.
    """
    queue = _QUEUES.get(env.part)
    for microvm_id in queue.pop_due(env.now):
        vm = env.part.microvms.get(microvm_id)
        if vm is not None:
            settle_microvm(vm, env.now, env.timing)
            queue.push(_vm_due(vm, env.now, env.timing), microvm_id)


def _next_event(vm: Microvm, timing: Timing) -> tuple[float, str] | None:
    """Return ``vm``'s next transition or timer as ``(when, event)``; ``None`` if terminated."""
    if vm.state == "TERMINATED":
        return None
    scale = timing.policy_time_scale
    policy = vm.config.get("idlePolicy")
    events: list[tuple[float, str]] = []
    if vm.state in ("PENDING", "SUSPENDING", "TERMINATING") and vm.state_until is not None:
        events.append((vm.state_until, "phase"))
    if vm.state != "TERMINATING":
        max_deadline = vm.started_at + vm.config["maximumDurationInSeconds"] * scale
        events.append((max_deadline, "expire"))
    if policy is not None and vm.state == "RUNNING":
        events.append((vm.active_since + policy["maxIdleDurationSeconds"] * scale, "idle"))
    if policy is not None and vm.state == "SUSPENDED":
        events.append((vm.state_since + policy["suspendedDurationSeconds"] * scale, "expire"))
    return min(events, key=lambda e: e[0])


def _vm_due(vm: Microvm, now: float, timing: Timing) -> float | None:
    """Return the queue time of ``vm``: no later than anything that can next happen to it.

    :func:`record_traffic` may resume a SUSPENDED MicroVM with ``autoResumeEnabled``
    without passing by the queue; the idle timer it starts cannot fire before
    ``now + maxIdleDurationSeconds``, so such a MicroVM is queued no later than that.
    """
    event = _next_event(vm, timing)
    due = None if event is None else event[0]
    policy = vm.config.get("idlePolicy")
    if vm.state == "SUSPENDED" and policy is not None and policy.get("autoResumeEnabled"):
        bound = now + policy["maxIdleDurationSeconds"] * timing.policy_time_scale
        due = bound if due is None else min(due, bound)
    return due


def _queue_all(part: Partition) -> DueQueue:
    # Due times depend on the backend's timing, which a partition does not know: every
    # live MicroVM is visited on the first settle and queued properly from there.
    queue = DueQueue()
    for vm in part.microvms.values():
        if vm.state != "TERMINATED":
            queue.push(float("-inf"), vm.microvm_id)
    return queue


_QUEUES = PartitionQueues(_queue_all)


def _track(env: Env, vm: Microvm) -> None:
    """Queue ``vm`` after an operation changed its state or timers."""
    _QUEUES.get(env.part).push(_vm_due(vm, env.now, env.timing), vm.microvm_id)


def settle_microvm(vm: Microvm, now: float, timing: Timing) -> None:
    """Apply ``vm``'s due transitions in time order."""
    while (found := _next_event(vm, timing)) is not None:
        when, event = found
        if when > now:
            return
        if event == "phase":
            _finish_phase(vm, when, timing)
        elif event == "idle":
            _enter(vm, "SUSPENDING", when, when + timing.microvm_suspend)
        else:
            _enter(vm, "TERMINATING", when, when + timing.microvm_terminate)


def _finish_phase(vm: Microvm, when: float, timing: Timing) -> None:
    if vm.state == "PENDING":
        _enter(vm, "RUNNING", when, None)
        vm.active_since = when
    elif vm.state == "SUSPENDING":
        _enter(vm, "SUSPENDED", when, None)
    else:
        _enter(vm, "TERMINATED", when, None)
        vm.terminated_at = when
        vm.state_reason = SUCCESS_REASON


def _enter(vm: Microvm, state: str, when: float, until: float | None) -> None:
    vm.state = state
    vm.state_since = when
    vm.state_until = until


def record_traffic(vm: Microvm, now: float, timing: Timing) -> str:
    """Note inbound traffic: restart the idle timer, auto-resume if enabled.

    Returns:
        The MicroVM's state afterwards.
    """
    settle_microvm(vm, now, timing)
    policy = vm.config.get("idlePolicy")
    if vm.state == "RUNNING":
        vm.active_since = now
    elif vm.state == "SUSPENDED" and policy is not None and policy.get("autoResumeEnabled"):
        _enter(vm, "RUNNING", now, None)
        vm.active_since = now
    return vm.state


# ------------------------------------------------------------------------- builders


def _microvm_body(vm: Microvm) -> dict[str, Any]:
    config = vm.config
    body: dict[str, Any] = {
        "microvmId": vm.microvm_id,
        "state": vm.state,
        "endpoint": vm.endpoint,
        "imageArn": vm.image_arn,
        "imageVersion": vm.image_version,
        "executionRoleArn": config.get("executionRoleArn"),
        "idlePolicy": dict(config["idlePolicy"]) if config.get("idlePolicy") else None,
        "maximumDurationInSeconds": config["maximumDurationInSeconds"],
        "startedAt": ts(vm.started_at),
        "terminatedAt": ts(vm.terminated_at),
        "stateReason": vm.state_reason,
        "ingressNetworkConnectors": list(config["ingressNetworkConnectors"]),
        "egressNetworkConnectors": list(config["egressNetworkConnectors"]),
        "kmsKeyIdentifier": config.get("kmsKeyIdentifier"),
    }
    return body


def _microvm_item(vm: Microvm) -> dict[str, Any]:
    return {
        "microvmId": vm.microvm_id,
        "state": vm.state,
        "imageArn": vm.image_arn,
        "imageVersion": vm.image_version,
        "startedAt": ts(vm.started_at),
    }


def _lookup(env: Env, identifier: str) -> Microvm:
    microvm_id = identifier.rsplit(":", 1)[-1] if identifier.startswith("arn:") else identifier
    vm = env.part.microvms.get(microvm_id)
    if vm is None:
        raise not_found(f"MicroVM not found: {identifier}")
    return vm


def _terminated(vm: Microvm) -> Exception:
    return validation(
        f"The MicroVM {vm.microvm_id} has been terminated and its state cannot be changed."
    )


def _runnable_version(env: Env, identifier: str, requested: str | None) -> tuple[Image, Version]:
    image = find_image(env, identifier)
    if requested is not None:
        version = image.versions.get(requested) if image is not None else None
        if image is None or version is None:
            raise version_not_found(identifier, requested)
        if version.state != "SUCCESSFUL":
            raise validation(
                f"Cannot run MicroVM image version in its current state: {version.state}"
            )
        if version.status != "ACTIVE":
            raise validation(
                f"Cannot run MicroVM image version {requested}: the version is INACTIVE."
            )
        return image, version
    candidates = (
        [v for v in image.versions.values() if v.state == "SUCCESSFUL" and v.status == "ACTIVE"]
        if image is not None
        else []
    )
    if image is None or not candidates:
        raise not_found(f"No active version found for MicroVM image {identifier}")
    return image, max(candidates, key=lambda v: v.number)


def _memory_of(version: Version) -> int:
    resources = version.config.get("resources") or []
    if resources and isinstance(resources[0], Mapping):
        value = resources[0].get("minimumMemoryInMiB")
        if isinstance(value, int):
            return value
    return _DEFAULT_MEMORY_MIB


def _run_hook_enabled(version: Version) -> bool:
    hooks = version.config.get("hooks") or {}
    runtime = hooks.get("microvmHooks") or {}
    return bool(runtime.get("run") == "ENABLED")


def _auth_token(env: Env, vm: Microvm, claims: Mapping[str, Any]) -> dict[str, str]:
    """Return an opaque token shaped like a compact JWE (``alg dir``, ``enc A256GCM``).

    Nothing is encrypted: the payload segment carries the claims, readable with
    :func:`decode_auth_token`, so a local proxy can check what a token allows.
    """

    def segment(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    header = segment(json.dumps({"alg": "dir", "enc": "A256GCM"}, separators=(",", ":")).encode())
    payload = segment(json.dumps(dict(claims), separators=(",", ":"), sort_keys=True).encode())
    iv = segment(env.rng.getrandbits(96).to_bytes(12, "big"))
    tag = segment(env.rng.getrandbits(128).to_bytes(16, "big"))
    return {"X-aws-proxy-auth": f"{header}..{iv}.{payload}.{tag}"}


def decode_auth_token(token: str) -> dict[str, Any] | None:
    """Return the claims of a token this emulator issued, or ``None`` if it is not one.

    Claims: ``microvmId``, ``exp`` (epoch seconds), ``ports`` (the ``allowedPorts``
    list; absent for shell tokens) and ``shell`` (bool).
    """
    parts = token.split(".")
    if len(parts) != 5:
        return None
    body = parts[3]
    try:
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        return None
    return claims if isinstance(claims, dict) and "microvmId" in claims else None


# ----------------------------------------------------------------------- operations


def run_microvm(env: Env, params: dict[str, Any]) -> dict[str, Any]:
    """RunMicrovm: 200 with the MicroVM PENDING."""
    identifier = params["imageIdentifier"]
    if not identifier.startswith("arn:") and not env.config.accept_image_id:
        # Observed live for a bare image name in RunMicrovm's body; image paths
        # answer "Invalid ARN format" instead.
        raise validation(MALFORMED_ARN_MESSAGE)
    find_image(env, identifier)  # 400 "Invalid ARN format" before anything else
    replayed = replay(env, "RunMicrovm", params)
    if replayed is not None:
        return replayed
    image, version = _runnable_version(env, identifier, params.get("imageVersion"))
    policy = params.get("idlePolicy")
    if policy is not None:
        missing = [
            (None, f"idlePolicy.{m}", "not be null") for m in _IDLE_MEMBERS if policy.get(m) is None
        ]
        if missing:
            raise validation(coral_message(missing))
    if params.get("runHookPayload") is not None and not _run_hook_enabled(version):
        raise validation(
            "The run hook must be enabled in the MicroVM image to pass the run hook payload"
        )
    memory = _memory_of(version)
    quota = env.config.memory_quota_mib
    if quota is not None:
        used = sum(
            vm.memory_mib for vm in env.part.microvms.values() if vm.state in _LIVE_MEMORY_STATES
        )
        if used + memory > quota:
            raise quota_exceeded(
                "The base maximum allocated memory limit has been reached for this account."
            )
    uid = env.uuid()
    region = env.region
    config: dict[str, Any] = {
        "executionRoleArn": params.get("executionRoleArn"),
        "idlePolicy": dict(policy) if policy is not None else None,
        "maximumDurationInSeconds": params.get("maximumDurationInSeconds")
        or DEFAULT_MAXIMUM_DURATION,
        "logging": params.get("logging"),
        "kmsKeyIdentifier": params.get("kmsKeyIdentifier"),
        "ingressNetworkConnectors": list(
            params.get("ingressNetworkConnectors")
            or [network_connector_arn(region, "HTTP_INGRESS")]
        ),
        "egressNetworkConnectors": list(
            params.get("egressNetworkConnectors")
            or [network_connector_arn(region, "INTERNET_EGRESS")]
        ),
    }
    vm = Microvm(
        microvm_id=f"microvm-{uid}",
        seq=env.part.take_seq(),
        endpoint=f"{uid}.lambda-microvm.{region}.on.aws",
        image_arn=image.arn,
        image_version=version.version,
        memory_mib=memory,
        config=config,
        started_at=env.now,
        visible_at=env.now + env.config.not_found_window,
        state="PENDING",
        state_since=env.now,
        state_until=env.now + env.timing.microvm_start,
        active_since=env.now,
    )
    env.part.microvms[vm.microvm_id] = vm
    _track(env, vm)
    body = _microvm_body(vm)
    remember(env, "RunMicrovm", params, body)
    return body


def get_microvm(env: Env, params: dict[str, Any]) -> dict[str, Any]:
    """GetMicrovm: the MicroVM, TERMINATED ones included."""
    identifier = params["microvmIdentifier"]
    vm = _lookup(env, identifier)
    if env.now < vm.visible_at:
        raise not_found(f"MicroVM not found: {identifier}")
    return _microvm_body(vm)


def list_microvms(env: Env, params: dict[str, Any]) -> dict[str, Any]:
    """ListMicrovms: every MicroVM ever run, oldest first, filtered by image/version."""
    image_filter = params.get("imageIdentifier")
    version_filter = params.get("imageVersion")
    keyed = [
        (vm.seq, _microvm_item(vm))
        for vm in sorted(env.part.microvms.values(), key=lambda v: v.seq)
        if (image_filter is None or vm.image_arn == image_filter)
        and (version_filter is None or vm.image_version == version_filter)
    ]
    scope = {"imageIdentifier": image_filter, "imageVersion": version_filter}
    return paginate(env, "ListMicrovms", keyed, params, scope)


# What Suspend, Resume and Terminate do from each state: enter a new state, answer 200
# without a change ("ok"), refuse with the recorded 400 for a terminated MicroVM
# ("terminated"), refuse with 409 ("conflict"), or follow a BehaviourConfig switch.
# Recorded: Suspend on TERMINATED is the 400, Terminate on TERMINATED is 200, Resume
# goes straight to RUNNING. A MicroVM being terminated (TERMINATING) is treated as
# terminated: its terminate was accepted and it can no longer change course.
_OK, _TERMINATED, _CONFLICT = "ok", "terminated", "conflict"
_SUSPEND_WHEN_SUSPENDED, _RESUME_WHEN_RUNNING = "config:suspend", "config:resume"
TRANSITIONS: Mapping[str, Mapping[str, str]] = {
    "SuspendMicrovm": {
        "PENDING": _CONFLICT,
        "RUNNING": "SUSPENDING",
        "SUSPENDING": _CONFLICT,
        "SUSPENDED": _SUSPEND_WHEN_SUSPENDED,
        "TERMINATING": _TERMINATED,
        "TERMINATED": _TERMINATED,
    },
    "ResumeMicrovm": {
        "PENDING": _CONFLICT,
        "RUNNING": _RESUME_WHEN_RUNNING,
        "SUSPENDING": _CONFLICT,
        "SUSPENDED": "RUNNING",
        "TERMINATING": _TERMINATED,
        "TERMINATED": _TERMINATED,
    },
    "TerminateMicrovm": {
        "PENDING": "TERMINATING",
        "RUNNING": "TERMINATING",
        "SUSPENDING": "TERMINATING",
        "SUSPENDED": "TERMINATING",
        "TERMINATING": _OK,
        "TERMINATED": _OK,
    },
}
"""Per operation, per MicroVM state: the state entered or the answer given."""

_VERBS = {"SuspendMicrovm": "suspend", "ResumeMicrovm": "resume", "TerminateMicrovm": "terminate"}


def _transition(env: Env, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    vm = _lookup(env, params["microvmIdentifier"])
    outcome = TRANSITIONS[operation][vm.state]
    if outcome == _SUSPEND_WHEN_SUSPENDED:
        outcome = _OK if env.config.suspend_when_suspended == "ok" else _CONFLICT
    elif outcome == _RESUME_WHEN_RUNNING:
        outcome = _OK if env.config.resume_when_running == "ok" else _CONFLICT
    if outcome == _OK:
        return {}
    if outcome == _TERMINATED:
        raise _terminated(vm)
    if outcome == _CONFLICT:
        raise conflict(f"Cannot {_VERBS[operation]} MicroVM in its current state: {vm.state}")
    if outcome == "SUSPENDING":
        _enter(vm, "SUSPENDING", env.now, env.now + env.timing.microvm_suspend)
    elif outcome == "TERMINATING":
        _enter(vm, "TERMINATING", env.now, env.now + env.timing.microvm_terminate)
    else:  # RUNNING, straight from SUSPENDED
        _enter(vm, "RUNNING", env.now, None)
        vm.active_since = env.now
    settle_microvm(vm, env.now, env.timing)
    _track(env, vm)
    return {}


def suspend_microvm(env: Env, params: dict[str, Any]) -> dict[str, Any]:
    """SuspendMicrovm: RUNNING -> SUSPENDING -> SUSPENDED (see :data:`TRANSITIONS`)."""
    return _transition(env, "SuspendMicrovm", params)


def resume_microvm(env: Env, params: dict[str, Any]) -> dict[str, Any]:
    """ResumeMicrovm: SUSPENDED -> RUNNING, without PENDING (see :data:`TRANSITIONS`)."""
    return _transition(env, "ResumeMicrovm", params)


def terminate_microvm(env: Env, params: dict[str, Any]) -> dict[str, Any]:
    """TerminateMicrovm: -> TERMINATING -> TERMINATED; idempotent (see :data:`TRANSITIONS`)."""
    return _transition(env, "TerminateMicrovm", params)


def _check_token_request(env: Env, vm: Microvm, minutes: int) -> None:
    limit = env.config.max_auth_token_minutes
    if minutes > limit:
        raise validation(
            coral_message(
                [(minutes, "expirationInMinutes", f"have value less than or equal to {limit}")]
            )
        )
    if vm.state in ("TERMINATING", "TERMINATED"):
        raise _terminated(vm)


def create_microvm_auth_token(env: Env, params: dict[str, Any]) -> dict[str, Any]:
    """CreateMicrovmAuthToken: a proxy token for the allowed ports (not when terminated)."""
    vm = _lookup(env, params["microvmIdentifier"])
    minutes = int(params["expirationInMinutes"])
    _check_token_request(env, vm, minutes)
    claims = {
        "microvmId": vm.microvm_id,
        "exp": round(env.now + minutes * 60),
        "ports": params.get("allowedPorts") or [],
        "shell": False,
    }
    return {"authToken": _auth_token(env, vm, claims)}


def create_microvm_shell_auth_token(env: Env, params: dict[str, Any]) -> dict[str, Any]:
    """CreateMicrovmShellAuthToken: requires a SHELL_INGRESS connector on the MicroVM."""
    vm = _lookup(env, params["microvmIdentifier"])
    minutes = int(params["expirationInMinutes"])
    _check_token_request(env, vm, minutes)
    ingress = vm.config["ingressNetworkConnectors"]
    if not any(str(arn).rsplit(":", 1)[-1] == "SHELL_INGRESS" for arn in ingress):
        raise validation(
            "Shell access requires SHELL_INGRESS network connector to be configured on the MicroVM."
        )
    claims = {"microvmId": vm.microvm_id, "exp": round(env.now + minutes * 60), "shell": True}
    return {"authToken": _auth_token(env, vm, claims)}


HANDLERS: Mapping[str, Handler] = {
    "RunMicrovm": run_microvm,
    "GetMicrovm": get_microvm,
    "ListMicrovms": list_microvms,
    "SuspendMicrovm": suspend_microvm,
    "ResumeMicrovm": resume_microvm,
    "TerminateMicrovm": terminate_microvm,
    "CreateMicrovmAuthToken": create_microvm_auth_token,
    "CreateMicrovmShellAuthToken": create_microvm_shell_auth_token,
}
