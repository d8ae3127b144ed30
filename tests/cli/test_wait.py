"""``--wait``, ``microvm wait`` and ``microvm demo`` end to end against the local emulator."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cli_capture import Result

from microvm_sdk.cli._progress import Progress, format_duration
from microvm_sdk.local import LocalServer

ROLE = "arn:aws:iam::000000000000:role/build"


@pytest.fixture
def emulator() -> Iterator[LocalServer]:
    with LocalServer(profile="fast") as server:
        yield server


@pytest.fixture
def on_emulator(emulator: LocalServer, microvm: Callable[..., Result]) -> Callable[..., Result]:
    def run(*args: str) -> Result:
        return microvm(*args, "--endpoint-url", emulator.endpoint_url, "--region", emulator.region)

    return run


def _base(run: Callable[..., Result]) -> str:
    result = run("list-managed-microvm-images", "--query", "items[0].imageArn", "--output", "text")
    assert result.code == 0, result.stderr
    return result.stdout.strip()


def _create(run: Callable[..., Result], name: str, uri: str, *extra: str) -> Result:
    return run(
        "create-microvm-image",
        "--name",
        name,
        "--base-image-arn",
        _base(run),
        "--build-role-arn",
        ROLE,
        "--code-artifact",
        f"uri={uri}",
        *extra,
    )


def test_create_and_wait_until_created(on_emulator: Callable[..., Result]) -> None:
    result = _create(on_emulator, "waited", "s3://bucket/app.zip", "--wait", "--wait-delay", "0.2")
    assert result.code == 0, result.stderr
    created = json.loads(result.stdout)
    assert created["state"] == "CREATING"
    assert result.stderr == ""  # not a terminal: no progress line
    after = on_emulator("get-microvm-image", "--image-identifier", created["imageArn"])
    assert json.loads(after.stdout)["state"] == "CREATED"


def test_create_failed_prints_the_reason(on_emulator: Callable[..., Result]) -> None:
    result = _create(
        on_emulator,
        "broken",
        "s3://bucket/fail-S3_NO_SUCH_KEY.zip",
        "--wait",
        "--wait-delay",
        "0.2",
    )
    assert result.code == 255
    assert "CREATE_FAILED" in result.stderr
    assert "S3_NO_SUCH_KEY" in result.stderr
    assert json.loads(result.stdout)["state"] == "CREATING"


def test_wait_command_for_an_existing_image(on_emulator: Callable[..., Result]) -> None:
    created = json.loads(_create(on_emulator, "later", "s3://bucket/app.zip").stdout)
    result = on_emulator(
        "wait", "created", "--image-identifier", created["imageArn"], "--wait-delay", "0.2"
    )
    assert result.code == 0, result.stderr
    assert result.stdout == ""
    version = on_emulator(
        "wait",
        "image-version-built",
        "--image-identifier",
        created["imageArn"],
        "--image-version",
        created["imageVersion"],
        "--wait-delay",
        "0.2",
    )
    assert version.code == 0, version.stderr


def test_wait_timeout(on_emulator: Callable[..., Result]) -> None:
    created = json.loads(_create(on_emulator, "stuck", "s3://bucket/hang.zip").stdout)
    result = on_emulator(
        "wait", "created", "--image-identifier", created["imageArn"], "--wait-timeout", "1"
    )
    assert result.code == 255
    assert "gave up waiting" in result.stderr


def test_microvm_lifecycle_with_wait(on_emulator: Callable[..., Result]) -> None:
    image = _create(on_emulator, "vm-image", "s3://bucket/app.zip", "--wait", "--wait-delay", "0.2")
    arn = json.loads(image.stdout)["imageArn"]
    run = on_emulator("run-microvm", "--image-identifier", arn, "--wait", "--wait-delay", "0.2")
    assert run.code == 0, run.stderr
    vm_id = json.loads(run.stdout)["microvmId"]
    for command, state in (
        ("suspend-microvm", "SUSPENDED"),
        ("resume-microvm", "RUNNING"),
        ("terminate-microvm", "TERMINATED"),
    ):
        result = on_emulator(
            command, "--microvm-identifier", vm_id, "--wait", "--wait-delay", "0.2"
        )
        assert result.code == 0, result.stderr
        got = on_emulator("get-microvm", "--microvm-identifier", vm_id, "--query", "state")
        assert json.loads(got.stdout) == state


def test_delete_and_wait(on_emulator: Callable[..., Result]) -> None:
    image = _create(
        on_emulator, "to-delete", "s3://bucket/app.zip", "--wait", "--wait-delay", "0.2"
    )
    arn = json.loads(image.stdout)["imageArn"]
    result = on_emulator(
        "delete-microvm-image", "--image-identifier", arn, "--wait", "--wait-delay", "0.2"
    )
    assert result.code == 0, result.stderr
    gone = on_emulator("get-microvm-image", "--image-identifier", arn)
    assert gone.code == 254
    assert "ResourceNotFoundException" in gone.stderr


def test_unknown_waiter(microvm: Callable[..., Result]) -> None:
    result = microvm("wait", "built")
    assert result.code == 252
    assert "created" in result.stderr


def test_wait_help_lists_the_waiters(microvm: Callable[..., Result]) -> None:
    result = microvm("wait", "help")
    assert result.code == 0
    for name in ("created", "microvm-terminated", "image-version-built"):
        assert name in result.stdout


def test_demo_builds_an_image(microvm: Callable[..., Result]) -> None:
    result = microvm("demo", "--timing", "fast", "--wait-delay", "0.2")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["state"] == "CREATED"
    assert "Started a local Lambda MicroVMs emulator" in result.stderr
    assert "elapsed" in result.stderr  # one progress line per poll without a terminal


def test_demo_failure_is_reported(microvm: Callable[..., Result]) -> None:
    result = microvm(
        "demo",
        "--timing",
        "fast",
        "--wait-delay",
        "0.2",
        "--code-uri",
        "s3://b/fail-ARCHIVE_INVALID.zip",
    )
    assert result.code == 255
    assert "ARCHIVE_INVALID" in result.stderr


# -- the progress line -------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class _Poll:
    def __init__(self, attempt: int, state: str | None, next_delay: float | None) -> None:
        self.attempt = attempt
        self.state = state
        self.next_delay = next_delay
        self.error: Any = None


def test_progress_line_on_a_terminal() -> None:
    now = [100.0]
    stream = _Terminal()
    progress = Progress(stream, "image my-app", clock=lambda: now[0])
    with progress:
        now[0] = 142.0
        progress.update(_Poll(3, "CREATING", 5.0))
        assert "image my-app: CREATING  elapsed 42s  next poll in 5.0s" in progress.line()
        progress.update(_Poll(4, "CREATING", 0.53))
        assert progress.line().endswith("next poll in 0.5s")
        progress.update(_Poll(5, "CREATING", 30.0))
        assert progress.line().endswith("next poll in 30s")
    text = stream.getvalue()
    assert "\r" in text and "CREATING" in text and "\n" not in text


def test_progress_is_quiet_without_a_terminal() -> None:
    stream = io.StringIO()
    with Progress(stream, "image x") as progress:
        progress.update(_Poll(1, "CREATING", 2.0))
    assert stream.getvalue() == ""


def test_format_duration() -> None:
    assert format_duration(9.4) == "9s"
    assert format_duration(75.2) == "1m15s"
    assert format_duration(3725) == "1h02m05s"


@pytest.mark.parametrize(
    ("option", "value", "problem"),
    [
        ("--wait-timeout", "nan", "got nan"),
        ("--wait-timeout", "inf", "got inf"),
        ("--wait-timeout", "-1", "got -1.0"),
        ("--wait-timeout", "1e400", "got inf"),
        ("--wait-timeout", "soon", "invalid number of seconds: 'soon'"),
        ("--wait-delay", "0", "must be a number of seconds > 0"),
        ("--wait-delay", "inf", "got inf"),
    ],
)
@pytest.mark.parametrize("command", ["wait", "create", "demo"])
def test_wait_options_out_of_range_are_refused_before_any_request(
    on_emulator: Callable[..., Result],
    command: str,
    option: str,
    value: str,
    problem: str,
) -> None:
    if command == "wait":
        result = on_emulator("wait", "created", "--image-identifier", "x", option, value)
    elif command == "create":
        result = _create(on_emulator, "never", "s3://b/k.zip", "--wait", option, value)
    else:
        result = on_emulator("demo", "--timing", "fast", option, value)
    assert result.code == 252, result.stderr
    assert f"argument {option}: " in result.stderr
    assert problem in result.stderr
    images = on_emulator("list-microvm-images", "--query", "length(items)", "--output", "text")
    assert images.stdout.strip() == "0"  # nothing was created
