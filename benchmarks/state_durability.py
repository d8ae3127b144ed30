"""What the emulator's durable state file costs per write.

Every change is in the state file before its response is sent (a temporary file renamed
over the old one; fsync at most a second apart). This script measures one write call
(TagResource through this SDK) against a LocalServer:

- ``memory``: no state file;
- ``state``: a state file, as shipped;
- ``state+fsync``: a state file flushed to the disk on every write (what the promise
  would cost if it also had to survive a power loss);

for a small state (10 images) and a larger one (300 images), with one client thread and
with 8 threads (whose writes share one file write). Prints the median per-call time and
the ratio to ``memory``. Absolute times depend on the machine and the disk.

    python benchmarks/state_durability.py [--calls 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from microvm_sdk import Client, Config, models
from microvm_sdk.local import LocalServer, _persistence

BASE_ARN = "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1"
ROLE_ARN = "arn:aws:iam::000000000000:role/bench"


def isolate(directory: Path) -> None:
    for name in list(os.environ):
        if name.upper().startswith("AWS_"):
            del os.environ[name]
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    os.environ["AWS_CONFIG_FILE"] = str(directory / "config")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(directory / "credentials")


def populate(client: Client, images: int) -> list[str]:
    arns = []
    for index in range(images):
        arns.append(
            client.create_microvm_image(
                name=f"bench-{index}",
                base_image_arn=BASE_ARN,
                build_role_arn=ROLE_ARN,
                code_artifact=models.CodeArtifactUri(value="s3://bucket/code.zip"),
                environment_variables={f"K{i}": "v" * 40 for i in range(10)},
            ).image_arn
        )
    return arns


def per_call(server: LocalServer, arns: list[str], calls: int, threads: int) -> float:
    """Median seconds per TagResource call, per thread, over 3 rounds."""

    def work(times: list[float], offset: int) -> None:
        with Client(**server.client_kwargs, config=Config(max_attempts=1)) as client:
            client.tag_resource(resource=arns[offset % len(arns)], tags={"warm": "up"})
            started = time.perf_counter()
            for index in range(calls):
                arn = arns[(offset + index) % len(arns)]
                client.tag_resource(resource=arn, tags={"n": str(index)})
            times.append((time.perf_counter() - started) / calls)

    rounds = []
    for _ in range(3):
        times: list[float] = []
        workers = [threading.Thread(target=work, args=(times, i)) for i in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        rounds.append(statistics.median(times))
    return statistics.median(rounds)


def measure(mode: str, images: int, calls: int, threads: int, directory: Path) -> float:
    options: dict[str, Any] = {"profile": "manual"}
    if mode != "memory":
        options["state_file"] = directory / f"{mode}-{images}-{threads}.json"
    defaults = _persistence.Committer.__init__.__kwdefaults__
    assert defaults is not None
    saved = dict(defaults)
    if mode == "state+fsync":
        defaults["sync_interval"] = 0.0
    try:
        with LocalServer(**options) as server:
            with Client(**server.client_kwargs, config=Config(max_attempts=1)) as client:
                arns = populate(client, images)
            return per_call(server, arns, calls, threads)
    finally:
        defaults.update(saved)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200, help="calls per thread per round")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        isolate(directory)
        print(f"{'images':>6} {'threads':>7} {'mode':<12} {'per call':>10} {'x memory':>9}")
        for images in (10, 300):
            for threads in (1, 8):
                base = measure("memory", images, args.calls, threads, directory)
                for mode in ("memory", "state", "state+fsync"):
                    value = (
                        base
                        if mode == "memory"
                        else measure(mode, images, args.calls, threads, directory)
                    )
                    print(
                        f"{images:>6} {threads:>7} {mode:<12} {value * 1e6:>8.0f}us "
                        f"{value / base:>8.1f}x",
                        flush=True,
                    )
        size = (directory / "state-300-1.json").stat().st_size
        print(f"state file with 300 images: {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
