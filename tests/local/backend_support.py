"""What the Backend tests share: one account and region, a slow-enough timeline, and
helpers that call ``Backend.handle`` directly on a manual clock."""

from __future__ import annotations

from typing import Any

import pytest

from microvm_sdk.local._backend import Backend
from microvm_sdk.local._clock import VirtualClock
from microvm_sdk.local._errors import EmulatedError, RequestContext
from microvm_sdk.local._timing import Timing

REGION = "us-east-1"
ACCOUNT = "000000000000"
CTX = RequestContext(region=REGION, account_id=ACCOUNT, request_id="req-1", access_key="AKID")
BASE = f"arn:aws:lambda:{REGION}:aws:microvm-image:al2023-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/build"
T0 = 1_790_000_000.0
# Build timeline: PENDING until +10, IN_PROGRESS, builds done at +110, version at +115,
# image at +120.
TIMING = Timing(
    build_queue=10,
    build_run=100,
    version_settle=5,
    image_settle=5,
    image_delete_drain=20,
    version_delete_drain=10,
    microvm_start=3,
    microvm_suspend=2,
    microvm_terminate=2,
)
BUILT = 120.0


def new_backend(**kwargs: Any) -> tuple[Backend, VirtualClock]:
    """A backend on a manual clock at ``T0`` (profile ``TIMING`` unless given)."""
    clock = VirtualClock.manual(start=T0)
    kwargs.setdefault("profile", TIMING)
    return Backend(clock=clock, **kwargs), clock


def call(backend: Backend, operation: str, **params: Any) -> Any:
    return backend.handle(operation, params, CTX)


def fails(backend: Backend, operation: str, **params: Any) -> EmulatedError:
    with pytest.raises(EmulatedError) as info:
        backend.handle(operation, params, CTX)
    return info.value
