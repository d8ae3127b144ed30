"""Fixtures for the ``microvm`` CLI tests: an isolated AWS environment, both CLIs.

``aws`` runs the AWS CLI (v1, a dev dependency) in a separate, long-lived process
(``aws_worker.py``) against the same service model as ours (through ``AWS_DATA_PATH``),
with ``random.choice`` pinned to the first element so its skeletons are deterministic.
``microvm`` runs our CLI in-process. Both get the same environment: test credentials, a
temporary config file, no instance metadata lookups, nothing from the developer's
``~/.aws``.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cli_capture import MODEL_DIR, CaptureServer, Result


@dataclass
class CliEnv:
    """The shared environment of both CLIs."""

    env: dict[str, str]
    home: Path
    config: Path

    def write_config(self, **settings: str) -> None:
        lines = ["[default]", "region = us-east-1"]
        lines += [f"{key} = {value}" for key, value in settings.items()]
        self.config.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliEnv:
    home = tmp_path / "home"
    home.mkdir()
    data = tmp_path / "data" / "lambda-microvms" / "2025-09-09"
    data.mkdir(parents=True)
    for name in ("service-2.json", "paginators-1.json"):
        shutil.copy(MODEL_DIR / name, data / name)
    config = home / "config"
    credentials = home / "credentials"
    credentials.write_text("", encoding="utf-8")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        "AWS_DATA_PATH": str(tmp_path / "data"),
        "PYTHONUTF8": "1",
    }
    if "TZ" in os.environ:
        env["TZ"] = os.environ["TZ"]
    result = CliEnv(env=env, home=home, config=config)
    result.write_config(cli_timestamp_format="iso8601")
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        if key.startswith("AWS_") or key == "HOME":
            monkeypatch.setenv(key, value)
    return result


class AwsWorker:
    """Runs AWS CLI invocations in one long-lived subprocess (see ``aws_worker.py``)."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None

    def _start(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                [sys.executable, str(Path(__file__).with_name("aws_worker.py"))],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                env={**os.environ, "PYTHONUTF8": "1"},
            )
        return self._process

    def run(self, args: list[str], env: dict[str, str], stdin: str | None) -> Result:
        process = self._start()
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps({"args": args, "env": env, "stdin": stdin}) + "\n")
        process.stdin.flush()
        line = process.stdout.readline()
        if not line:
            self.close()
            raise RuntimeError("the AWS CLI worker died")
        answer = json.loads(line)
        return Result(answer["code"], answer["stdout"], answer["stderr"])

    def close(self) -> None:
        if self._process is not None:
            if self._process.stdin is not None:
                self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None


@pytest.fixture(scope="session")
def aws_worker() -> Iterator[AwsWorker]:
    pytest.importorskip("awscli")
    worker = AwsWorker()
    try:
        yield worker
    finally:
        worker.close()


@pytest.fixture
def aws(cli_env: CliEnv, aws_worker: AwsWorker) -> Callable[..., Result]:
    """Run ``aws lambda-microvms <args>`` (the AWS CLI, in its own process)."""

    def run(*args: str, stdin: str | None = None) -> Result:
        return aws_worker.run(["lambda-microvms", *args], cli_env.env, stdin)

    return run


@pytest.fixture
def microvm(cli_env: CliEnv) -> Callable[..., Result]:
    from microvm_sdk.cli._app import run

    def invoke(*args: str, stdin: str = "") -> Result:
        out, err = io.StringIO(), io.StringIO()
        code = run(
            list(args),
            stdin=io.StringIO(stdin),
            stdout=out,
            stderr=err,
            environ=dict(os.environ),
        )
        return Result(code, out.getvalue(), err.getvalue())

    return invoke


@pytest.fixture
def capture() -> Iterator[CaptureServer]:
    server = CaptureServer().start()
    try:
        yield server
    finally:
        server.stop()
