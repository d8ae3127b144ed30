"""Compare microvm-sdk's AsyncClient with aiobotocore (and with our own Client) on one server.

Run ``python benchmarks/bench_async.py`` (``--quick`` for a smoke run). It starts the
canned keep-alive server of ``bench_client.py`` in a separate process (``POST`` answers
a CreateMicrovmImage body, ``GET`` a GetMicrovmImage body) and measures, in one run so
the ratios hold on a noisy machine:

* per call, one call at a time: create_microvm_image and get_microvm_image with
  ``AsyncClient``, with aiobotocore, and with the blocking ``Client``;
* 100 concurrent creates: the time until all of them have finished
  (``asyncio.gather``), with ``AsyncClient`` and with aiobotocore, both with their
  default pool of 10 connections.

aiobotocore pins a botocore range older than the one this project tests with, so it runs
in its own virtual environment, made on the first run under ``benchmarks/.venv-aiobotocore``
(ignored by git; it needs PyPI once). It is given this repository's model through
``AWS_DATA_PATH`` (a temporary folder laid out as
``lambda-microvms/2025-09-09/service-2.json``), so both SDKs speak the same model. Each
measure is the median of several rounds; within a round the SDKs take turns.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench_client import (
    BASE_ARN,
    CODE_URI,
    IMAGE_ARN,
    ROLE_ARN,
    Row,
    _child_env,
    print_rows,
    speedups_installed,
    without_speedups,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODEL = ROOT / "service-model" / "lambda-microvms" / "2025-09-09"
VENV = HERE / ".venv-aiobotocore"
AIOBOTOCORE = "aiobotocore==3.10.0"

ROUNDS = 5
CALLS = 300
WARMUP = 30
CONCURRENT = 100
TARGETS = {"per call vs aiobotocore": 0.3, "100 concurrent vs aiobotocore": 0.5}

# The aiobotocore side, run in its own virtual environment. It prints one JSON object.
AIOBOTOCORE_CHILD = """
import asyncio, json, statistics, sys, time
import aiobotocore, botocore
from aiobotocore.session import get_session

URL, CALLS, WARMUP, CONCURRENT = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
IMAGE_ARN, BASE_ARN, ROLE_ARN, CODE_URI = sys.argv[5:9]


async def main():
    session = get_session()
    async with session.create_client(
        "lambda-microvms", region_name="us-east-1", endpoint_url=URL,
        aws_access_key_id="AK", aws_secret_access_key="SK",
    ) as client:
        def create():
            return client.create_microvm_image(
                name="bench-image", baseImageArn=BASE_ARN, buildRoleArn=ROLE_ARN,
                codeArtifact={"uri": CODE_URI})

        def get():
            return client.get_microvm_image(imageIdentifier=IMAGE_ARN)

        out = {"versions": [aiobotocore.__version__, botocore.__version__]}
        for name, call in (("create", create), ("get", get)):
            for _ in range(WARMUP):
                await call()
            started = time.perf_counter()
            for _ in range(CALLS):
                await call()
            out[name] = (time.perf_counter() - started) / CALLS
        await asyncio.gather(*(create() for _ in range(CONCURRENT)))  # warm the pool
        started = time.perf_counter()
        await asyncio.gather(*(create() for _ in range(CONCURRENT)))
        out["concurrent"] = time.perf_counter() - started
    print(json.dumps(out))


asyncio.run(main())
"""


def venv_python() -> Path:
    """The aiobotocore environment's interpreter, made (once) if missing."""
    python = VENV / ("Scripts" if os.name == "nt" else "bin") / "python"
    if python.exists():
        return python
    print(f"# making {VENV.relative_to(ROOT)} with {AIOBOTOCORE} (once)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            AIOBOTOCORE,
        ],
        check=True,
    )
    return python


def data_path(folder: str) -> str:
    """A botocore data folder holding this repository's model of the service."""
    target = Path(folder) / "lambda-microvms" / "2025-09-09"
    target.mkdir(parents=True)
    for name in ("service-2.json", "paginators-1.json", "endpoint-rule-set-1.json"):
        shutil.copy(MODEL / name, target / name)
    return folder


def run_aiobotocore(
    python: Path, url: str, env: dict[str, str], calls: int, warmup: int
) -> dict[str, Any]:
    done = subprocess.run(
        [
            str(python),
            "-c",
            AIOBOTOCORE_CHILD,
            url,
            str(calls),
            str(warmup),
            str(CONCURRENT),
            IMAGE_ARN,
            BASE_ARN,
            ROLE_ARN,
            CODE_URI,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the aiobotocore child failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


async def per_call(call: Callable[[], Awaitable[Any]], calls: int, warmup: int) -> float:
    for _ in range(warmup):
        await call()
    started = time.perf_counter()
    for _ in range(calls):
        await call()
    return (time.perf_counter() - started) / calls


async def ours_async(url: str, calls: int, warmup: int) -> dict[str, float]:
    from microvm_sdk import AsyncClient
    from microvm_sdk.models import CodeArtifactUri

    artifact = CodeArtifactUri(value=CODE_URI)
    async with AsyncClient(
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="AK",
        aws_secret_access_key="SK",
    ) as client:

        def create() -> Awaitable[Any]:
            return client.create_microvm_image(
                name="bench-image",
                base_image_arn=BASE_ARN,
                build_role_arn=ROLE_ARN,
                code_artifact=artifact,
            )

        def get() -> Awaitable[Any]:
            return client.get_microvm_image(image_identifier=IMAGE_ARN)

        out = {
            "create": await per_call(create, calls, warmup),
            "get": await per_call(get, calls, warmup),
        }
        await asyncio.gather(*(create() for _ in range(CONCURRENT)))  # warm the pool
        started = time.perf_counter()
        await asyncio.gather(*(create() for _ in range(CONCURRENT)))
        out["concurrent"] = time.perf_counter() - started
    return out


def ours_sync(url: str, calls: int, warmup: int) -> dict[str, float]:
    from microvm_sdk import Client
    from microvm_sdk.models import CodeArtifactUri

    artifact = CodeArtifactUri(value=CODE_URI)
    out: dict[str, float] = {}
    with Client(
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="AK",
        aws_secret_access_key="SK",
    ) as client:
        calls_by_name: dict[str, Callable[[], Any]] = {
            "create": lambda: client.create_microvm_image(
                name="bench-image",
                base_image_arn=BASE_ARN,
                build_role_arn=ROLE_ARN,
                code_artifact=artifact,
            ),
            "get": lambda: client.get_microvm_image(image_identifier=IMAGE_ARN),
        }
        for name, call in calls_by_name.items():
            for _ in range(warmup):
                call()
            started = time.perf_counter()
            for _ in range(calls):
                call()
            out[name] = (time.perf_counter() - started) / calls
    return out


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f} us"


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f} ms"


def _verdict(ratio: float, target: float) -> str:
    if ratio <= target:
        return f"meets <= {target:g}x"
    return f"MISSES <= {target:g}x by {ratio / target:.2f}x"


#: AsyncClient with the standard library's JSON instead of the speedups extra.
ASYNC_STDLIB = "async/stdlib-json"


def measure_async(
    url: str, env: dict[str, str], python: Path, rounds: int, calls: int
) -> dict[str, Any]:
    """AsyncClient (with and without the speedups extra), aiobotocore and our Client."""
    warmup = min(WARMUP, calls)
    order = ["async", "aiobotocore", "sync"]
    if speedups_installed():
        order.insert(1, ASYNC_STDLIB)
    samples: dict[str, dict[str, list[float]]] = {sdk: {} for sdk in order}
    versions: list[str] = []
    for number in range(rounds):
        shift = number % len(order)
        for sdk in order[shift:] + order[:shift]:  # take turns
            if sdk == "async":
                result = asyncio.run(ours_async(url, calls, warmup))
            elif sdk == ASYNC_STDLIB:
                with without_speedups():
                    result = asyncio.run(ours_async(url, calls, warmup))
            elif sdk == "sync":
                result = ours_sync(url, calls, warmup)
            else:
                child = run_aiobotocore(python, url, env, calls, warmup)
                versions = child.pop("versions")
                result = child
            for key, value in result.items():
                samples[sdk].setdefault(key, []).append(value)
    figures: dict[str, Any] = {
        sdk: {k: statistics.median(v) for k, v in d.items()} for sdk, d in samples.items()
    }
    figures["versions"] = versions
    return figures


def async_rows(figures: dict[str, Any]) -> list[Row]:
    """The rows of :func:`measure_async`'s figures."""
    variants = ["async"] + ([ASYNC_STDLIB] if ASYNC_STDLIB in figures else [])
    rows = []
    for op, label, fmt, target in (
        ("create", "AsyncClient create per call", _us, "per call vs aiobotocore"),
        ("get", "AsyncClient get per call", _us, "per call vs aiobotocore"),
        (
            "concurrent",
            f"AsyncClient {CONCURRENT} concurrent creates",
            _ms,
            "100 concurrent vs aiobotocore",
        ),
    ):
        theirs = figures["aiobotocore"][op]
        ours = [figures[v][op] for v in variants]
        rows.append(
            Row(
                label,
                [fmt(value) for value in ours],
                fmt(theirs) + " aiobotocore",
                [value / theirs for value in ours],
                [TARGETS[target]] * len(ours),
            )
        )
    sync = figures["sync"]
    for op in ("create", "get"):
        ours_value = figures["async"][op]
        rows.append(
            Row(
                f"AsyncClient {op} per call vs our Client",
                [_us(ours_value)],
                _us(sync[op]) + " Client",
                [ours_value / sync[op]],
                [0.0],
            )
        )
    return rows


def report(url: str, env: dict[str, str], python: Path, rounds: int, calls: int) -> None:
    started = time.perf_counter()
    figures = measure_async(url, env, python, rounds, calls)
    versions = figures["versions"]

    import microvm_sdk

    print(
        f"# microvm-sdk {microvm_sdk.__version__} AsyncClient vs aiobotocore {versions[0]} "
        f"(botocore {versions[1]}) and our Client; speedups extra (orjson): "
        + ("installed" if speedups_installed() else "not installed")
    )
    print(
        f"# Python {platform.python_version()}, {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs; server in a separate process on 127.0.0.1; median of "
        f"{rounds} rounds, {calls} calls per round for per-call figures"
    )
    print("# cells: with the speedups extra / with the standard library's JSON\n")
    print_rows(async_rows(figures))
    print(f"\n# finished in {time.perf_counter() - started:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and calls")
    args = parser.parse_args()
    rounds, calls = (1, 50) if args.quick else (ROUNDS, CALLS)
    python = venv_python()
    server = subprocess.Popen(
        [sys.executable, str(HERE / "bench_client.py"), "--serve"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{int(server.stdout.readline())}"
        with tempfile.TemporaryDirectory() as workdir:
            env = _child_env(workdir)
            env["AWS_DATA_PATH"] = data_path(os.path.join(workdir, "models"))
            env.pop("PYTHONPYCACHEPREFIX", None)  # the child imports its own installed files
            for name in list(os.environ):  # this process: the same isolated environment
                if name not in env:
                    del os.environ[name]
            os.environ.update({k: v for k, v in env.items() if k != "AWS_DATA_PATH"})
            report(url, env, python, rounds, calls)
    finally:
        server.kill()
        server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
