"""Every measure of the performance targets, both clients, in one command.

Run ``python benchmarks/bench_all.py`` (``--runs 3`` for three complete runs and a
summary of their ranges, ``--quick`` for a smoke run). It starts the canned keep-alive
server of ``bench_client.py`` in a separate process and measures, against boto3,
aiobotocore and a bare ``http.client`` loop, with the speedups extra (orjson) and again
with the standard library's JSON:

* ``Client``: create_microvm_image and get_microvm_image per call, against boto3 and
  against the bare loop; cold start (import, construct, first call) and first
  construction in fresh processes; peak RSS after 100 calls; import (information);
* ``AsyncClient``: create and get per call and 100 concurrent creates against
  aiobotocore (which runs in its own virtual environment, see ``bench_async.py``).

The figures of one run come from the same minutes on the same machine, so their ratios
hold on a shared machine even when the absolute times do not.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench_async
import bench_client
from bench_client import Row, print_rows, print_table

HERE = Path(__file__).resolve().parent


def run_once(
    url: str, env: dict[str, str], aio_env: dict[str, str], python: Path, quick: bool
) -> list[Row]:
    """One complete run: the blocking client's rows, then the asyncio client's."""
    rounds, calls, runs, rss_runs = _sizes(quick)
    sync = bench_client.measure(url, env, rounds, calls, runs, rss_runs)
    if quick:
        asynchronous = bench_async.measure_async(url, aio_env, python, rounds=1, calls=50)
    else:
        asynchronous = bench_async.measure_async(
            url, aio_env, python, rounds=bench_async.ROUNDS, calls=bench_async.CALLS
        )
    return bench_client.sync_rows(sync) + bench_async.async_rows(asynchronous)


def _sizes(quick: bool) -> tuple[int, int, int, int]:
    """(rounds, calls, process runs, RSS runs) of the blocking client's figures."""
    if quick:
        return 1, 50, 1, 1
    return bench_client.ROUNDS, bench_client.CALLS, bench_client.PROCESS_RUNS, bench_client.RSS_RUNS


def summary(runs: list[list[Row]]) -> list[tuple[str, str, str]]:
    """Per measure and variant: the range of the ratios over the runs, judged by the worst."""
    out = []
    for index, first in enumerate(runs[0]):
        cells_ratio, cells_verdict = [], []
        for variant in range(len(first.ratios)):
            values = [run[index].ratios[variant] for run in runs]
            low, high = min(values), max(values)
            digits = 3 if high < 0.1 else 2
            cells_ratio.append(f"{low:.{digits}f}-{high:.{digits}f}x")
            target = first.targets[variant]
            if not target:
                cells_verdict.append("(info)")
            elif high <= target:
                cells_verdict.append(f"meets <= {target:g}x in every run")
            elif low <= target:
                cells_verdict.append(f"meets <= {target:g}x in some runs")
            else:
                cells_verdict.append(f"MISSES <= {target:g}x in every run")
        out.append((first.label, " / ".join(cells_ratio), " / ".join(cells_verdict)))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1, help="complete runs (default 1)")
    parser.add_argument("--quick", action="store_true", help="few calls and processes")
    args = parser.parse_args()
    python = bench_async.venv_python()
    server = subprocess.Popen(
        [sys.executable, str(HERE / "bench_client.py"), "--serve"],
        stdout=subprocess.PIPE,
        text=True,
    )
    started = time.perf_counter()
    try:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{int(server.stdout.readline())}"
        with tempfile.TemporaryDirectory() as workdir:
            env = bench_client._child_env(workdir)
            aio_env = dict(env)
            aio_env["AWS_DATA_PATH"] = bench_async.data_path(os.path.join(workdir, "models"))
            aio_env.pop("PYTHONPYCACHEPREFIX", None)  # the child imports its installed files
            for name in list(os.environ):  # this process: the children's environment
                if name not in env:
                    del os.environ[name]
            os.environ.update(env)
            runs: list[list[Row]] = []
            for number in range(args.runs):
                rows = run_once(url, env, aio_env, python, args.quick)
                runs.append(rows)
                print(f"\n## run {number + 1} of {args.runs}")
                rounds, calls = (1, 50) if args.quick else (bench_client.ROUNDS, bench_client.CALLS)
                runs_, rss = (
                    (1, 1) if args.quick else (bench_client.PROCESS_RUNS, bench_client.RSS_RUNS)
                )
                print("\n".join(bench_client.describe_run(rounds, calls, runs_, rss)))
                print("# cells: with the speedups extra / with the standard library's JSON\n")
                print_rows(rows)
            if args.runs > 1:
                print(f"\n## the {args.runs} runs: ratio ranges")
                print_table(("measure", "ratio range", "target"), summary(runs))
    finally:
        server.kill()
        server.wait()
    print(f"\n# finished in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
