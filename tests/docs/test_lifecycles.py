"""The lifecycle diagrams of the documentation site are right: their states are the
model's enums, the waiters' success and failure states are on them and reachable, and
the local emulator, stepped through each lifecycle on a manual clock, moves only along
their transitions."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from microvm_sdk import Client
from microvm_sdk._schema import SCHEMA
from microvm_sdk._waiters import WAITERS
from microvm_sdk.errors import ResourceNotFoundException
from microvm_sdk.local import LocalServer
from microvm_sdk.models import CodeArtifactUri

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from docs_pages import LIFECYCLES, Lifecycle, lifecycle_page

BY_ENUM = {lifecycle.enum: lifecycle for lifecycle in LIFECYCLES}
GONE = "[*]"


def edges(lifecycle: Lifecycle) -> set[tuple[str, str]]:
    return {(source, target) for source, target, _ in lifecycle.transitions}


def reachable(lifecycle: Lifecycle, start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        state = todo.pop()
        for source, target in edges(lifecycle):
            if source == state and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


@pytest.mark.parametrize("lifecycle", LIFECYCLES, ids=lambda lc: lc.enum)
def test_states_are_the_model_enum(lifecycle: Lifecycle) -> None:
    drawn = {state for edge in edges(lifecycle) for state in edge} - {GONE}
    assert drawn == set(SCHEMA.shapes[lifecycle.enum].enum)
    assert reachable(lifecycle, GONE) >= drawn  # every state can happen


def test_every_waiter_state_is_drawn_and_success_is_reachable() -> None:
    polled = {lifecycle.operation: lifecycle for lifecycle in LIFECYCLES}
    for name, spec in WAITERS.items():
        lifecycle = polled[spec.operation]
        states = set(SCHEMA.shapes[lifecycle.enum].enum)
        for acceptor in spec.acceptors:
            if acceptor.matcher == "path":
                assert acceptor.expected in states, (name, acceptor.expected)
            if acceptor.state == "success" and acceptor.matcher == "path":
                assert acceptor.expected in reachable(lifecycle, GONE), name


def test_page_draws_three_diagrams_coloured_by_the_waiters() -> None:
    page = lifecycle_page()
    assert page.count("stateDiagram-v2") == 3
    assert "class CREATED success" in page and "class CREATE_FAILED failure" in page
    assert "class RUNNING success" in page and "class TERMINATED success" in page
    assert "`wait_until_created` (success)" in page


# -- the emulator moves along the drawn transitions ---------------------------------------


@pytest.fixture
def manual() -> Iterator[tuple[LocalServer, Client]]:
    with LocalServer(profile="manual") as server, Client(**server.client_kwargs) as client:
        yield server, client


class Recorder:
    """Advances the manual clock in small steps and records each state seen."""

    def __init__(self, server: LocalServer, read: Callable[[], str]) -> None:
        self.server, self.read = server, read
        self.seen: list[str] = [GONE]

    def look(self) -> str:
        try:
            state = self.read()
        except ResourceNotFoundException:
            state = GONE
        if state != self.seen[-1]:
            self.seen.append(state)
        return state

    def until(self, *states: str, limit: float = 600) -> None:
        waited = 0.0
        while self.look() not in states:
            assert waited < limit, f"still {self.seen[-1]} after {limit} s"
            self.server.clock.advance(0.25)
            waited += 0.25

    def check(self, lifecycle: Lifecycle) -> None:
        pairs = set(zip(self.seen, self.seen[1:], strict=False))
        assert pairs <= edges(lifecycle), (self.seen, pairs - edges(lifecycle))


def create(client: Client, name: str, uri: str = "s3://bucket/app.zip") -> str:
    return client.create_microvm_image(
        name=name,
        base_image_arn="arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1",
        build_role_arn="arn:aws:iam::123456789012:role/microvm-build",
        code_artifact=CodeArtifactUri(value=uri),
    ).image_arn


def update(client: Client, arn: str, uri: str) -> None:
    client.update_microvm_image(
        image_identifier=arn,
        base_image_arn="arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1",
        build_role_arn="arn:aws:iam::123456789012:role/microvm-build",
        code_artifact=CodeArtifactUri(value=uri),
    )


def test_image_and_version_lifecycles(manual: tuple[LocalServer, Client]) -> None:
    server, client = manual
    for name, first, second in (
        ("good", "s3://bucket/app.zip", "s3://bucket/fail-S3_NO_SUCH_KEY.zip"),
        ("bad", "s3://bucket/fail-S3_NO_SUCH_KEY.zip", "s3://bucket/app.zip"),
    ):
        arn = create(client, name, first)
        image = Recorder(
            server, lambda a=arn: str(client.get_microvm_image(image_identifier=a).state)
        )
        version = Recorder(
            server,
            lambda a=arn: str(
                client.get_microvm_image_version(image_identifier=a, image_version="1.0").state
            ),
        )
        image.look()
        version.look()
        while image.look() in ("CREATING",):
            version.look()
            server.clock.advance(0.25)
        version.until("SUCCESSFUL", "FAILED")
        update(client, arn, second)
        image.until("UPDATED", "UPDATE_FAILED")
        client.delete_microvm_image_version(image_identifier=arn, image_version="1.0")
        version.until(GONE)
        client.delete_microvm_image(image_identifier=arn)
        image.until(GONE)
        image.check(BY_ENUM["MicrovmImageState"])
        version.check(BY_ENUM["MicrovmImageVersionState"])
        assert "DELETING" in image.seen and "IN_PROGRESS" in version.seen


def test_microvm_lifecycle(manual: tuple[LocalServer, Client]) -> None:
    server, client = manual
    arn = create(client, "vm-image")
    Recorder(server, lambda: str(client.get_microvm_image(image_identifier=arn).state)).until(
        "CREATED"
    )
    vm_id = client.run_microvm(image_identifier=arn).microvm_id
    vm = Recorder(server, lambda: str(client.get_microvm(microvm_identifier=vm_id).state))
    vm.until("RUNNING")
    client.suspend_microvm(microvm_identifier=vm_id)
    vm.until("SUSPENDED")
    client.resume_microvm(microvm_identifier=vm_id)
    vm.until("RUNNING")
    client.terminate_microvm(microvm_identifier=vm_id)
    vm.until("TERMINATED")
    vm.check(BY_ENUM["MicrovmState"])
    assert vm.seen == [
        GONE, "PENDING", "RUNNING", "SUSPENDING", "SUSPENDED", "RUNNING", "TERMINATING",
        "TERMINATED",
    ]  # fmt: skip
