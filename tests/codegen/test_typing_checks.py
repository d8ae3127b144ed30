"""``tests/typing`` under ``mypy --strict --warn-unused-ignores`` and pyright (strict, see
``tests/typing/pyrightconfig.json``): from the repo, and the way users check it (an
installed wheel in a fresh virtualenv); and ``pyright --verifytypes`` at 100%."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parents[2]
TYPING = ROOT / "tests" / "typing"
CONFIG = ROOT / "pyproject.toml"
STRICT = ["--strict", "--warn-unused-ignores", "--no-color-output", "--no-error-summary"]
# A line's required errors: "# type: ignore[codes]" for mypy, "# pyright: ignore[rules]"
# for pyright, either or both at the end of the line (not in the docstring's prose).
MYPY_IGNORE = re.compile(r"# type: ignore\[([a-z,-]+)\](?=\s*(#.*)?$)")
PYRIGHT_IGNORE = re.compile(r"# pyright: ignore\[([A-Za-z, ]+)\](?=\s*(#.*)?$)")
TYPING_FILES = [
    "check_async_client_negatives.py",
    "check_async_client_types.py",
    "check_async_every_operation.py",
    "check_client_negatives.py",
    "check_client_types.py",
    "check_every_operation.py",
    "check_observability.py",
    "check_public_api.py",
    "check_stubber.py",
]


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
    assert sorted(p.name for p in TYPING.glob("*.py")) == TYPING_FILES


def required_errors(path: Path) -> tuple[str, set[tuple[int, str]], set[tuple[int, str]]]:
    """The file without its ignore comments, and the (line, code) pairs each checker's
    comments say must be errors there."""
    stripped = []
    mypy_expected: set[tuple[int, str]] = set()
    pyright_expected: set[tuple[int, str]] = set()
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        cut = len(line)
        for pattern, expected in ((MYPY_IGNORE, mypy_expected), (PYRIGHT_IGNORE, pyright_expected)):
            match = pattern.search(line)
            if match:
                cut = min(cut, match.start())
                expected |= {(number, code.strip()) for code in match.group(1).split(",")}
        stripped.append(line[:cut].rstrip())
    return "\n".join(stripped) + "\n", mypy_expected, pyright_expected


NEGATIVES = pytest.mark.parametrize(
    ("negatives", "at_least"),
    [
        ("check_client_negatives.py", 15),
        ("check_async_client_negatives.py", 8),
        ("check_stubber.py", 8),
    ],
)


@NEGATIVES
def test_every_negative_is_a_real_error(
    cache_dir: Path, tmp_path: Path, negatives: str, at_least: int
) -> None:
    """Without its ignore comments a negatives file has exactly the ignored errors."""
    text, expected, _ = required_errors(TYPING / negatives)
    copy = tmp_path / "negatives_without_ignores.py"
    copy.write_text(text)

    status, lines = mypy(cache_dir, copy)

    found = set()
    for line in lines:
        match = re.match(r".*?:(\d+): error: .*\[([a-z-]+)\]$", line)
        if match:
            found.add((int(match.group(1)), match.group(2)))
    assert status == 1
    assert len(expected) >= at_least
    assert found == expected, "\n".join(lines)


def test_a_wrong_assert_type_fails(cache_dir: Path, tmp_path: Path) -> None:
    source = (TYPING / "check_client_types.py").read_text()
    wrong = source.replace(
        "assert_type(image, models.CreateMicrovmImageResponse)",
        "assert_type(image, models.GetMicrovmImageOutput)",
    )
    assert wrong != source
    copy = tmp_path / "wrong_types.py"
    copy.write_text(wrong)
    status, lines = mypy(cache_dir, copy)
    assert status == 1
    assert any("[assert-type]" in line for line in lines), lines


def pyright(folder: Path, *args: str) -> dict[str, Any]:
    """Run pyright with this interpreter's environment and return its JSON report."""
    env = {**os.environ, "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"}
    # pyright finds the environment to import from through the ``python`` on PATH
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    result = subprocess.run(
        [sys.executable, "-m", "pyright", "--outputjson", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.stdout.startswith("{"), result.stdout + result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def pyright_errors(report: dict[str, Any]) -> set[tuple[str, int, str]]:
    """``(file name, line, rule)`` of each error in a pyright report."""
    return {
        (Path(d["file"]).name, d["range"]["start"]["line"] + 1, d.get("rule", ""))
        for d in report["generalDiagnostics"]
        if d["severity"] == "error"
    }


def test_typing_files_pass_strict_pyright() -> None:
    report = pyright(TYPING, "-p", str(TYPING / "pyrightconfig.json"))
    assert pyright_errors(report) == set(), report["generalDiagnostics"]
    assert report["summary"]["filesAnalyzed"] == len(TYPING_FILES)
    config = json.loads((TYPING / "pyrightconfig.json").read_text())
    assert config["typeCheckingMode"] == "strict"
    # "# type: ignore" must not silence pyright, or the negatives would prove nothing
    assert config["enableTypeIgnoreComments"] is False
    assert config["reportUnnecessaryTypeIgnoreComment"] == "error"


@NEGATIVES
def test_every_pyright_negative_is_a_real_error(
    tmp_path: Path, negatives: str, at_least: int
) -> None:
    """Without its ignore comments a negatives file has exactly the errors its
    ``# pyright: ignore`` comments name, on their lines."""
    text, _, expected = required_errors(TYPING / negatives)
    (tmp_path / "negatives.py").write_text(text)
    shutil.copy(TYPING / "pyrightconfig.json", tmp_path)

    report = pyright(tmp_path, "-p", str(tmp_path / "pyrightconfig.json"))

    found = {(line, rule) for _, line, rule in pyright_errors(report)}
    assert len(expected) >= at_least
    assert found == expected, report["generalDiagnostics"]


def test_a_wrong_assert_type_fails_pyright(tmp_path: Path) -> None:
    source = (TYPING / "check_public_api.py").read_text()
    wrong = source.replace("assert_type(exc.code, str)", "assert_type(exc.code, bytes)")
    assert wrong != source
    (tmp_path / "wrong.py").write_text(wrong)
    shutil.copy(TYPING / "pyrightconfig.json", tmp_path)
    report = pyright(tmp_path, "-p", str(tmp_path / "pyrightconfig.json"))
    assert {rule for _, _, rule in pyright_errors(report)} == {"reportAssertTypeFailure"}


def test_verifytypes_is_complete() -> None:
    """``pyright --verifytypes``: every symbol of the public interface has a known type."""
    report = pyright(ROOT, "--verifytypes", "microvm_sdk", "--ignoreexternal")
    completeness = report["typeCompleteness"]
    problems = [
        (symbol["name"], d["message"])
        for symbol in completeness["symbols"]
        for d in symbol["diagnostics"]
        if d["severity"] == "error"
    ]
    assert problems == []
    assert completeness["completenessScore"] == 1
    assert completeness["exportedSymbolCounts"]["withKnownType"] > 1000
    assert completeness["exportedSymbolCounts"]["withAmbiguousType"] == 0
    assert completeness["exportedSymbolCounts"]["withUnknownType"] == 0


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
        [
            *(str(python), "-m", "pip", "install", "--quiet", *constraints),
            *(str(wheel), "mypy", "pyright[nodejs]"),
        ],
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
    for path in [*TYPING.glob("*.py"), TYPING / "pyrightconfig.json"]:
        shutil.copy(path, check / path.name)
    output = _run(
        [str(python), "-m", "mypy", *STRICT, "--python-version", "3.11", "."], check, env, 180
    )
    assert "error" not in output
    # pyright as an editor runs it: the environment's python is the first on PATH
    env = {**env, "PATH": os.pathsep.join([str(python.parent), env.get("PATH", "")])}
    env["PYRIGHT_PYTHON_IGNORE_WARNINGS"] = "1"
    output = _run([str(python), "-m", "pyright", "-p", "."], check, env, 180)
    assert "0 errors" in output
