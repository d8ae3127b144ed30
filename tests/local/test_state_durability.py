"""The state file keeps every acknowledged change, even through ``kill -9``.

The promise: a change is in the state file before its response is sent. The class-wide
test kills the emulator with SIGKILL in a loop while several clients write, restarts it
on the same file, and compares every change that got a success answer. The state file
is locked against a second emulator, temporary files a killed writer left behind are
removed on start, and a file that cannot be read or written is a clear error.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from server_support import start_foreground

from microvm_sdk import Client, Config, errors, models
from microvm_sdk.local import LocalServer, StateFileError
from microvm_sdk.local import _persistence as persistence_module

pytestmark = pytest.mark.usefixtures("isolated_aws")

BASE_ARN = "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1"
ROLE_ARN = "arn:aws:iam::000000000000:role/build"
KEYS: dict[str, Any] = {
    "aws_access_key_id": "test",
    "aws_secret_access_key": "test",
    "region_name": "us-east-1",
}


def create(client: Client, name: str) -> str:
    return client.create_microvm_image(
        name=name,
        base_image_arn=BASE_ARN,
        build_role_arn=ROLE_ARN,
        code_artifact=models.CodeArtifactUri(value="s3://bucket/code.zip"),
    ).image_arn


def images_in_file(path: Path) -> dict[str, dict[str, Any]]:
    data = json.loads(path.read_text())
    return {
        image["name"]: image for part in data["partitions"] for image in part["images"].values()
    }


def names_in_file(path: Path) -> set[str]:
    return set(images_in_file(path))


def test_a_change_is_in_the_file_before_its_response_is_sent(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with (
        LocalServer(state_file=state) as server,
        Client(**server.client_kwargs, config=Config(max_attempts=1)) as client,
    ):
        for index in range(20):
            arn = create(client, f"image-{index}")
            # Read at once, no waiting: the answer promises the file has it.
            assert f"image-{index}" in names_in_file(state)
            client.tag_resource(resource=arn, tags={"n": str(index)})
            assert images_in_file(state)[f"image-{index}"]["tags"] == {"n": str(index)}


def test_admin_changes_are_in_the_file_before_their_response(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with LocalServer(state_file=state, profile="manual") as server:
        with Client(**server.client_kwargs, config=Config(max_attempts=1)) as client:
            create(client, "gone-after-reset")
        server.reset()
        assert names_in_file(state) == set()
        before = json.loads(state.read_text())["clock"]
        server.clock.advance(60)
        server.save_state()
        assert json.loads(state.read_text())["clock"] != before


# -- kill -9 in a loop while clients write -------------------------------------------------


def start(state: Path, tmp_path: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "HOME": str(tmp_path), "PYTHONUNBUFFERED": "1"}  # AWS_* cleared
    return start_foreground(state, env, "--profile", "manual")


class Writer(threading.Thread):
    """Creates and tags images until told to stop; records what was acknowledged."""

    def __init__(self, url: str, prefix: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.prefix = prefix
        self.created: list[str] = []
        self.tagged: dict[str, str] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        config = Config(max_attempts=1, connect_timeout=5, read_timeout=10)
        with Client(endpoint_url=self.url, **KEYS, config=config) as client:
            index = 0
            while not self.stop.is_set():
                name = f"{self.prefix}-{index}"
                index += 1
                try:
                    arn = create(client, name)
                except errors.MicrovmError:
                    return  # the emulator died under us: nothing more is acknowledged
                self.created.append(name)
                try:
                    client.tag_resource(resource=arn, tags={"w": name})
                except errors.MicrovmError:
                    return
                self.tagged[arn] = name


def test_kill_9_in_a_loop_loses_no_acknowledged_change(tmp_path: Path) -> None:
    state = tmp_path / "state" / "emulator.json"
    state.parent.mkdir()
    rng = random.Random(7)
    acknowledged: set[str] = set()
    tags: dict[str, str] = {}
    for round_number in range(5):
        process, url = start(state, tmp_path)
        try:
            leftovers = [p.name for p in state.parent.iterdir() if p.name.endswith(".tmp")]
            assert leftovers == [], leftovers  # a killed writer's temporary files are gone
            writers = [Writer(url, f"r{round_number}w{i}") for i in range(4)]
            for writer in writers:
                writer.start()
            time.sleep(rng.uniform(0.3, 1.2))
            os.kill(process.pid, signal.SIGKILL)
            process.wait(30)
            for writer in writers:
                writer.stop.set()
                writer.join(30)
                acknowledged.update(writer.created)
                tags.update(writer.tagged)
        finally:
            if process.poll() is None:
                process.kill()
            process.communicate()
    assert len(acknowledged) > 20  # the loop really wrote while it was killed
    process, url = start(state, tmp_path)
    try:
        with Client(endpoint_url=url, **KEYS, config=Config(max_attempts=1)) as client:
            images = list(client.paginate_list_microvm_images().items())
            present = {image.name for image in images}
            missing = acknowledged - present
            assert not missing, f"{len(missing)} acknowledged images lost: {sorted(missing)[:5]}"
            for arn, name in tags.items():
                assert client.list_tags(resource=arn).tags == {"w": name}
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    assert process.returncode == 0
    assert sorted(p.name for p in state.parent.iterdir()) == ["emulator.json"]


def test_sigterm_stops_cleanly_and_keeps_everything(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    process, url = start(state, tmp_path)
    with Client(endpoint_url=url, **KEYS, config=Config(max_attempts=1)) as client:
        create(client, "kept")
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert out.strip().endswith("stopped")
    assert names_in_file(state) == {"kept"}


# -- the file itself ---------------------------------------------------------------------------


def test_temporary_files_of_a_killed_writer_are_removed_on_start(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with LocalServer(state_file=state):
        pass
    orphans = [tmp_path / f".state.json.{suffix}.tmp" for suffix in ("a1b2", "zz9_x")]
    for orphan in orphans:
        orphan.write_bytes(b"{" * 1000)
    unrelated = [tmp_path / ".other.json.a1b2.tmp", tmp_path / "notes.txt"]
    for path in unrelated:
        path.write_text("keep me")
    with LocalServer(state_file=state):
        assert not any(orphan.exists() for orphan in orphans)
        assert all(path.exists() for path in unrelated)


def test_a_second_emulator_cannot_share_the_state_file(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with LocalServer(state_file=state):
        second = LocalServer(state_file=state)
        with pytest.raises(StateFileError, match="in use by another running emulator"):
            second.start()
        assert not second.running
    with LocalServer(state_file=state) as third:  # free again once the first stopped
        assert third.running


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"format": "microvm-sdk-local-backend", "partitions": [', "is not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b"[1, 2]", "does not hold a saved state"),
        (b'{"format": "something else"}', "cannot be restored"),
        (b"\xff\xfe\x00", "is not valid JSON"),
    ],
)
def test_a_state_file_that_cannot_be_read_is_a_clear_error(
    tmp_path: Path, content: bytes, message: str
) -> None:
    state = tmp_path / "state.json"
    state.write_bytes(content)
    server = LocalServer(state_file=state)
    with pytest.raises(StateFileError, match=message) as caught:
        server.start()
    assert str(state) in str(caught.value)
    assert not server.running
    assert state.read_bytes() == content  # left as it was
    with LocalServer(state_file=tmp_path / "other.json"):
        pass  # and nothing was left locked or half started


def test_the_command_reports_an_unusable_state_file(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text("{")
    result = subprocess.run(
        [sys.executable, "-m", "microvm_sdk.local", "--port", "0", "--state", str(state)],
        capture_output=True,
        check=False,
        text=True,
        timeout=60,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: the state file {state} is not valid JSON")
    assert "Traceback" not in result.stderr


def test_a_failed_write_is_reported_and_the_next_write_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state.json"
    original = persistence_module.StateFile.write

    def disk_full(self: Any, data: Any, *, sync: bool) -> None:
        raise OSError(28, "No space left on device")

    with (
        LocalServer(state_file=state) as server,
        Client(**server.client_kwargs, config=Config(max_attempts=1)) as client,
    ):
        monkeypatch.setattr(persistence_module.StateFile, "write", disk_full)
        with pytest.raises(errors.InternalServerException) as caught:
            create(client, "unsaved")
        assert "could not be written to the state file" in str(caught.value)
        assert "No space left on device" in str(caught.value)
        monkeypatch.setattr(persistence_module.StateFile, "write", original)
        create(client, "saved")
    assert names_in_file(state) == {"unsaved", "saved"}
