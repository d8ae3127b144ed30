"""Every code block in README.md and docs/ is executed, or marked as not runnable with a
reason, so the documentation cannot drift from the code.

Each block runs against a fresh ``LocalServer`` (the "fast" timing profile) with the
environment a user's shell would have: ``AWS_ENDPOINT_URL_LAMBDA_MICROVMS`` pointing at
the emulator, region us-east-1, the emulator's test credentials, no other AWS settings,
and a temporary working directory. See ``doc_blocks.py`` for the rule.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from doc_blocks import PYTHON, SHELL, Block, all_blocks, documents, markers_without_blocks
from doc_blocks import shell_commands as commands_of

from microvm_sdk import Client
from microvm_sdk.local import LocalServer

BLOCKS = all_blocks()
pytestmark = pytest.mark.timeout(300)


def ids(blocks: list[Block]) -> list[str]:
    return [block.where for block in blocks]


RUNNABLE = [b for b in BLOCKS if b.not_run is None and b.language in PYTHON | SHELL]


@pytest.fixture
def emulated_shell(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[LocalServer]:
    """A fresh emulator and the environment of a user's shell pointed at it."""
    with LocalServer(profile="fast") as server:
        for name in list(os.environ):
            if name.startswith("AWS_"):
                monkeypatch.delenv(name)
        home = tmp_path / "home"
        home.mkdir()
        monkeypatch.setenv("HOME", str(home))
        monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA_MICROVMS", server.endpoint_url)
        monkeypatch.setenv("AWS_REGION", "us-east-1")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", server.access_key)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", server.secret_key)
        monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "config"))
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
        monkeypatch.setenv("AWS_PAGER", "")
        work = tmp_path / "work"
        work.mkdir()
        monkeypatch.chdir(work)
        yield server


@pytest.mark.parametrize("block", RUNNABLE, ids=ids(RUNNABLE))
def test_block_runs(block: Block, emulated_shell: LocalServer) -> None:
    if block.language in PYTHON:
        code = compile(block.source, block.where, "exec")
        namespace: dict[str, object] = {"__name__": "__docs__"}
        try:
            exec(code, namespace)
        finally:
            # A script's module-level clients are closed when its process ends.
            for value in namespace.values():
                if isinstance(value, Client):
                    value.close()
        return
    commands = commands_of(block)
    assert not isinstance(commands, str), (
        f"{block.where}: this shell block {commands}; make it run, or put "
        "'<!-- not-run: <reason> -->' on the line before it"
    )
    from microvm_sdk.cli._app import run

    for command in commands:
        out, err = io.StringIO(), io.StringIO()
        code = run(list(command.words[1:]), stdin=io.StringIO(), stdout=out, stderr=err)
        assert code == 0, f"{block.where}: {' '.join(command.words)}\n{err.getvalue()}"
        if command.redirect:
            Path(command.redirect).write_text(out.getvalue(), encoding="utf-8")


def test_not_run_markers_give_a_reason() -> None:
    for block in BLOCKS:
        if block.not_run is not None:
            assert block.not_run, f"{block.where}: the not-run marker needs a reason"


def test_not_run_markers_sit_right_before_a_block() -> None:
    for path in documents():
        assert not markers_without_blocks(path), f"{path}: a not-run marker with no block"


def test_the_harness_finds_the_documentation() -> None:
    languages = {block.language for block in BLOCKS}
    assert {"python", "console"} <= languages
    assert len([b for b in RUNNABLE if b.language == "python"]) >= 10
    assert any(block.path.name == "README.md" for block in RUNNABLE)
