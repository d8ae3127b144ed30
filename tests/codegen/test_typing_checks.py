"""``tests/typing`` under ``mypy --strict --warn-unused-ignores``: from the repo, and the way
users check it (an installed wheel in a fresh virtualenv)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parents[2]
TYPING = ROOT / "tests" / "typing"
CONFIG = ROOT / "pyproject.toml"
STRICT = ["--strict", "--warn-unused-ignores", "--no-color-output", "--no-error-summary"]
IGNORE = re.compile(r"\s*# type: ignore\[([a-z,-]+)\]\s*$")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mypy-cache")


def mypy(cache_dir: Path, *paths: Path) -> tuple[int, list[str]]:
    out, err, status = api.run(
        ["--config-file", str(CONFIG), "--cache-dir", str(cache_dir), *STRICT, *map(str, paths)]
    )
    return status, [line for line in (out + err).splitlines() if line.strip()]


def test_typing_files_pass_strict_mypy(cache_dir: Path) -> None:
    status, lines = mypy(cache_dir, TYPING)
    assert status == 0, "\n".join(lines)
    assert sorted(p.name for p in TYPING.glob("*.py")) == [
        "check_async_client_negatives.py",
        "check_async_client_types.py",
        "check_async_every_operation.py",
        "check_client_negatives.py",
        "check_client_types.py",
        "check_every_operation.py",
    ]


@pytest.mark.parametrize(
    ("negatives", "at_least"),
    [("check_client_negatives.py", 10), ("check_async_client_negatives.py", 8)],
)
def test_every_negative_is_a_real_error(
    cache_dir: Path, tmp_path: Path, negatives: str, at_least: int
) -> None:
    """Without its ignore comments a negatives file has exactly the ignored errors."""
    source = (TYPING / negatives).read_text().splitlines()
    expected: set[tuple[int, str]] = set()
    stripped = []
    for number, line in enumerate(source, start=1):
        match = IGNORE.search(line)
        if match:
            expected |= {(number, code) for code in match.group(1).split(",")}
        stripped.append(line[: match.start()] if match else line)
    copy = tmp_path / "negatives_without_ignores.py"
    copy.write_text("\n".join(stripped) + "\n")

    status, lines = mypy(cache_dir, copy)

    found = set()
    for line in lines:
        match = re.match(r".*?:(\d+): error: .*\[([a-z-]+)\]$", line)
        if match:
            found.add((int(match.group(1)), match.group(2)))
    assert status == 1
    assert len(expected) >= at_least
    assert found == expected, "\n".join(lines)


@pytest.mark.parametrize(
    ("checks", "right", "wrong"),
    [
        (
            "check_client_types.py",
            "assert_type(image, models.CreateMicrovmImageResponse)",
            "assert_type(image, models.GetMicrovmImageOutput)",
        ),
        (
            "check_async_client_types.py",
            "assert_type(vm, models.MicrovmItem)",
            "assert_type(vm, models.MicrovmImageSummary)",
        ),
    ],
)
def test_a_wrong_assert_type_fails(
    cache_dir: Path, tmp_path: Path, checks: str, right: str, wrong: str
) -> None:
    source = (TYPING / checks).read_text()
    wrong = source.replace(right, wrong)
    assert wrong != source
    copy = tmp_path / "wrong_types.py"
    copy.write_text(wrong)
    status, lines = mypy(cache_dir, copy)
    assert status == 1
    assert any("[assert-type]" in line for line in lines), lines


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float) -> str:
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_installed_wheel_passes_strict_mypy(tmp_path: Path) -> None:
    """Build the wheel, install it with mypy into a new virtualenv (no access to the source
    tree), and check the typing files from a folder outside the repo."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    wheels = tmp_path / "wheels"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        tmp_path,
        env,
        150,
    )
    (wheel,) = wheels.glob("microvm_sdk-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "microvm_sdk/py.typed" in names
    assert not any(n.startswith("microvm_sdk_codegen/") for n in names)

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path, env, 120)
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    constraints = ["-c", str(ROOT / "constraints-dev.txt")]
    _run(
        [str(python), "-m", "pip", "install", "--quiet", *constraints, str(wheel), "mypy"],
        tmp_path,
        env,
        180,
    )
    where = _run(
        [str(python), "-c", "import microvm_sdk; print(microvm_sdk.__file__)"], tmp_path, env, 60
    )
    assert Path(where.strip()).is_relative_to(venv)

    check = tmp_path / "check"
    check.mkdir()
    for path in TYPING.glob("*.py"):
        shutil.copy(path, check / path.name)
    output = _run(
        [str(python), "-m", "mypy", *STRICT, "--python-version", "3.11", "."], check, env, 180
    )
    assert "error" not in output
