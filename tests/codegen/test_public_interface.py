"""``python -m microvm_sdk_codegen --model DIR --package NAME --out DIR``, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import botocore
import pytest

ROOT = Path(__file__).resolve().parents[2]
DATAEXCHANGE = Path(botocore.__file__).parent / "data" / "dataexchange" / "2017-07-25"
LAMBDA = Path(botocore.__file__).parent / "data" / "lambda" / "2015-03-31"


def run(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "microvm_sdk_codegen", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_package_is_written_checked_and_importable(tmp_path: Path) -> None:
    result = run("--model", DATAEXCHANGE, "--package", "dx_client", "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"wrote 8 of 8 generated modules in {tmp_path / 'dx_client'}"
    files = {p.name for p in (tmp_path / "dx_client").iterdir()}
    assert files == {
        "__init__.py",
        "client.py",
        "async_client.py",
        "models.py",
        "errors.py",
        "_schema.py",
        "_endpoint_rules.py",
        "py.typed",  # and no _waiters.py: the folder has no waiters-2.json
    }

    check = run("--model", DATAEXCHANGE, "--package", "dx_client", "--out", tmp_path, "--check")
    assert check.returncode == 0, check.stderr

    client = tmp_path / "dx_client" / "client.py"
    client.write_text(client.read_text() + "# a hand edit\n")
    stale = run("--model", DATAEXCHANGE, "--package", "dx_client", "--out", tmp_path, "--check")
    assert stale.returncode == 1
    assert "stale generated modules: client.py in" in stale.stderr
    assert client.read_text().endswith("# a hand edit\n")  # --check writes nothing

    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import dx_client, dx_client.models, dx_client.errors\n"
            "c = dx_client.Client(region_name='eu-west-1')\n"
            "a = dx_client.AsyncClient(region_name='eu-west-1')\n"
            "print(type(c).__name__, c.region, dx_client.Client._PACKAGE)\n"
            "print(type(a).__name__, a.region, dx_client.AsyncClient._PACKAGE)",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert probe.stdout.split() == [
        *("Client", "eu-west-1", "dx_client"),
        *("AsyncClient", "eu-west-1", "dx_client"),
    ], probe.stderr


def test_a_refused_model_names_the_way_out_and_writes_nothing(tmp_path: Path) -> None:
    result = run("--model", LAMBDA, "--package", "lambda_client", "--out", tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(
        "error: the model uses constructs the runtime does not implement:\n"
    )
    assert (
        "'eventstream': event streams are not implemented (used by InvokeWithResponseStream)"
        in result.stderr
    )
    assert "exclude_operations in overrides.json, with a reason" in result.stderr
    assert not (tmp_path / "lambda_client").exists()

    overrides = tmp_path / "lambda-overrides.json"
    reasons = {
        "InvokeAsync": "streaming request payloads are not implemented",
        "InvokeWithResponseStream": "event streams are not implemented",
    }
    exclusions = {name: {"reason": reason} for name, reason in reasons.items()}
    overrides.write_text(json.dumps({"exclude_operations": exclusions}))
    result = run(
        "--model", LAMBDA, "--package", "lambda_client", "--out", tmp_path,
        "--overrides", overrides,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    init = (tmp_path / "lambda_client" / "__init__.py").read_text()
    assert "- ``InvokeWithResponseStream``: event streams are not implemented" in init
    waiters = (tmp_path / "lambda_client" / "_waiters.py").read_text()
    assert "'FunctionActiveV2': WaiterSpec(" in waiters.replace('"', "'")
    client = (tmp_path / "lambda_client" / "client.py").read_text()
    assert "    def wait_until_function_active_v2(\n" in client


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "x"], "--model, --package and --out go together"),
        (["--package", "p", "--out", "o"], "--model, --package and --out go together"),
        (["--model", "nowhere", "--package", "p", "--out", "o"], "no service-2.json"),
        (["--model", "m", "--package", "microvm_sdk", "--out", "o"], "not a valid package name"),
        (["--model", "m", "--package", "1abc", "--out", "o"], "not a valid package name"),
    ],
)
def test_wrong_arguments_are_usage_errors(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr
