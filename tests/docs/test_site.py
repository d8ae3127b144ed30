"""The documentation site builds without a warning, and its API reference covers every
client method, model, enum, union and error; the command reference covers every command."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

import microvm_sdk
from microvm_sdk import errors, models
from microvm_sdk.cli._model import load_service_model

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert "WARNING" not in done.stderr, done.stderr[-4000:]
    return out


def page(site: Path, path: str) -> str:
    return (site / path / "index.html").read_text(encoding="utf-8")


def test_api_reference_covers_every_client_method(site: Path) -> None:
    html = page(site, "reference/client")
    methods = [
        name
        for name, _ in inspect.getmembers(microvm_sdk.Client, callable)
        if not name.startswith("_")
    ]
    assert len(methods) > 24 + 7
    missing = [m for m in methods if f'id="microvm_sdk.Client.{m}"' not in html]
    assert not missing


def test_api_reference_covers_every_model_enum_union_and_error(site: Path) -> None:
    models_html = page(site, "reference/models")
    assert not [n for n in models.__all__ if f'id="microvm_sdk.models.{n}"' not in models_html]
    errors_html = page(site, "reference/errors")
    assert not [n for n in errors.__all__ if f'id="microvm_sdk.errors.{n}"' not in errors_html]
    assert 'id="microvm_sdk.models.Logging"' in models_html  # a union
    assert 'id="microvm_sdk.models.Architecture"' in models_html  # an enum


def test_command_reference_and_generated_pages(site: Path) -> None:
    for name in load_service_model().commands:
        html = page(site, f"reference/cli/{name}")
        assert f"microvm {name}" in html
    hooks = page(site, "reference/cli/create-microvm-image")
    assert "DISABLED" in hooks and "ARM_64" in hooks and "Shorthand syntax" in hooks
    assert page(site, "lifecycles").count('class="mermaid"') == 3
    decisions = page(site, "decisions")
    for record in (ROOT / "docs" / "decisions").glob("0*.md"):
        assert record.stem in decisions
