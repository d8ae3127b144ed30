"""200,000 calls per client, and the memory they leave behind: it must stay flat.

Run ``python benchmarks/memory_soak.py`` (``--calls N`` for another count, ``--client
sync`` or ``--client async`` for one client). Each client talks to the canned keep-alive
server of ``bench_client.py`` (started in its own process): nine ``get_microvm_image``
calls for every ``create_microvm_image``, the images named from 5,000 different ARNs so
that every table the SDK keeps between calls (the signer's URLs, the validator's pattern
results, the endpoint routes) is filled past its bound and must start over rather than
grow. At 20 checkpoints it records the process's resident size (``VmRSS``) and, after a
full garbage collection, the number of objects the collector tracks.

Verdict: after the first 10% of the calls (the warm-up: imports, first-use tables), the
resident size may not grow by more than 2 MiB and the object count by more than 1,000.
The script exits with status 1 when a client misses that. About a minute per client.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_client import BASE_ARN, CODE_URI, ROLE_ARN, _child_env, print_table

HERE = Path(__file__).resolve().parent
CALLS = 200_000
CHECKPOINTS = 20
DISTINCT_IMAGES = 5_000
MAX_RSS_GROWTH_MIB = 2.0
MAX_OBJECT_GROWTH = 1_000


def resident_mib() -> float:
    """The resident size now (``VmRSS``), else the peak (``ru_maxrss``) where /proc is absent."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def image_arn(index: int) -> str:
    return f"arn:aws:lambda:us-east-1:123456789012:microvm-image:soak-{index % DISTINCT_IMAGES}"


class Checkpoints:
    """Calls made, resident MiB and tracked objects, every ``every`` calls."""

    def __init__(self, every: int) -> None:
        self.every = every
        self.rows: list[tuple[int, float, int, float]] = []
        self.started = time.perf_counter()

    def maybe(self, done: int) -> None:
        if done % self.every == 0:
            gc.collect()
            self.rows.append(
                (done, resident_mib(), len(gc.get_objects()), time.perf_counter() - self.started)
            )

    def verdict(self) -> tuple[bool, float, int]:
        """(flat?, RSS growth in MiB, object growth) from the end of the warm-up on."""
        warm = next(r for r in self.rows if r[0] >= self.rows[-1][0] // 10)
        last = self.rows[-1]
        rss_growth, object_growth = last[1] - warm[1], last[2] - warm[2]
        flat = rss_growth <= MAX_RSS_GROWTH_MIB and object_growth <= MAX_OBJECT_GROWTH
        return flat, rss_growth, object_growth


def soak_sync(url: str, calls: int) -> Checkpoints:
    from microvm_sdk import Client
    from microvm_sdk.models import CodeArtifactUri

    artifact = CodeArtifactUri(value=CODE_URI)
    marks = Checkpoints(calls // CHECKPOINTS)
    with Client(
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="AK",
        aws_secret_access_key="SK",
    ) as client:
        marks.maybe(0)
        for done in range(1, calls + 1):
            if done % 10 == 0:
                client.create_microvm_image(
                    name=f"soak-{done % DISTINCT_IMAGES}",
                    base_image_arn=BASE_ARN,
                    build_role_arn=ROLE_ARN,
                    code_artifact=artifact,
                )
            else:
                client.get_microvm_image(image_identifier=image_arn(done))
            marks.maybe(done)
    return marks


async def soak_async(url: str, calls: int) -> Checkpoints:
    from microvm_sdk import AsyncClient
    from microvm_sdk.models import CodeArtifactUri

    artifact = CodeArtifactUri(value=CODE_URI)
    marks = Checkpoints(calls // CHECKPOINTS)
    async with AsyncClient(
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="AK",
        aws_secret_access_key="SK",
    ) as client:
        marks.maybe(0)
        for done in range(1, calls + 1):
            if done % 10 == 0:
                await client.create_microvm_image(
                    name=f"soak-{done % DISTINCT_IMAGES}",
                    base_image_arn=BASE_ARN,
                    build_role_arn=ROLE_ARN,
                    code_artifact=artifact,
                )
            else:
                await client.get_microvm_image(image_identifier=image_arn(done))
            marks.maybe(done)
    return marks


def report(name: str, marks: Checkpoints) -> bool:
    print(f"\n## {name}: {marks.rows[-1][0]:,} calls in {marks.rows[-1][3]:.0f} s")
    rows = [
        (f"{done:,}", f"{rss:.1f}", f"{objects:,}", f"{seconds:.0f}")
        for done, rss, objects, seconds in marks.rows
    ]
    print_table(("calls", "resident MiB", "tracked objects", "seconds"), rows)
    flat, rss_growth, object_growth = marks.verdict()
    print(
        f"# after the warm-up: resident {rss_growth:+.2f} MiB (at most "
        f"+{MAX_RSS_GROWTH_MIB:g}), objects {object_growth:+,} (at most "
        f"+{MAX_OBJECT_GROWTH:,}): " + ("FLAT" if flat else "GROWS")
    )
    return flat


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=CALLS, help=f"calls per client ({CALLS:,})")
    parser.add_argument("--client", choices=("sync", "async", "both"), default="both")
    args = parser.parse_args()
    if args.calls < CHECKPOINTS:
        parser.error(f"--calls must be at least {CHECKPOINTS}")
    server = subprocess.Popen(
        [sys.executable, str(HERE / "bench_client.py"), "--serve"],
        stdout=subprocess.PIPE,
        text=True,
    )
    results = []
    try:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{int(server.stdout.readline())}"
        with tempfile.TemporaryDirectory() as workdir:
            env = _child_env(workdir)
            for name in list(os.environ):  # the same isolated environment as the benchmarks
                if name not in env:
                    del os.environ[name]
            os.environ.update(env)
            import microvm_sdk
            from microvm_sdk._core import json_codec

            print(
                f"# microvm-sdk {microvm_sdk.__version__}, speedups extra "
                + ("installed" if json_codec.SPEEDUPS else "not installed")
                + f"; {args.calls:,} calls per client, {DISTINCT_IMAGES:,} image ARNs"
            )
            if args.client in ("sync", "both"):
                results.append(report("Client", soak_sync(url, args.calls)))
            if args.client in ("async", "both"):
                results.append(report("AsyncClient", asyncio.run(soak_async(url, args.calls))))
    finally:
        server.kill()
        server.wait()
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
