"""Drift gates: the committed model equals botocore's, the committed modules equal fresh output."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import microvm_sdk_codegen.__main__ as codegen_main

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )


def test_generated_modules_are_current() -> None:
    result = run("-m", "microvm_sdk_codegen", "--check")
    assert result.returncode == 0, result.stderr


def test_model_files_equal_botocores() -> None:
    result = run("scripts/extract_model.py", "--check")
    assert result.returncode == 0, result.stderr


def test_check_reports_a_stale_module_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh = codegen_main.generate()
    for name, source in fresh.items():  # a copy of the package, so nothing real is at risk
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(source)
    stale = dict(fresh, **{"_waiters.py": fresh["_waiters.py"] + "# a hand edit\n"})
    monkeypatch.setattr(codegen_main, "PACKAGE", tmp_path)
    monkeypatch.setattr(codegen_main, "generate", lambda: fresh)
    assert codegen_main.main(["--check"]) == 0

    monkeypatch.setattr(codegen_main, "generate", lambda: stale)
    assert codegen_main.main(["--check"]) == 1

    err = capsys.readouterr().err
    assert "stale generated modules: _waiters.py" in err
    assert "+# a hand edit" in err
    assert {name: (tmp_path / name).read_text() for name in fresh} == fresh

    assert codegen_main.main([]) == 0  # without --check the stale module is rewritten
    assert (tmp_path / "_waiters.py").read_text().endswith("# a hand edit\n")


def extract_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "extract_model", ROOT / "scripts" / "extract_model.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_extract_check_reports_an_edited_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    extract = extract_module()
    for name in extract.FILES:
        (tmp_path / name).write_bytes((extract.REPO_DIR / name).read_bytes())
    monkeypatch.setattr(extract, "REPO_DIR", tmp_path)
    assert extract.main(["--check"]) == 0

    edited = tmp_path / "paginators-1.json"
    edited.write_bytes(edited.read_bytes().replace(b"maxResults", b"MaxResults"))
    assert extract.main(["--check"]) == 1
    assert "paginators-1.json" in capsys.readouterr().err
