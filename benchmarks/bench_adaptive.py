"""Adaptive against standard retry mode, against the emulator's rate-limit throttling.

Run ``python benchmarks/bench_adaptive.py`` (``--quick`` for a smoke run). It starts a
``LocalServer``, builds one image, then makes the emulator throttle RunMicrovm beyond a
rate (``faults.throttle("RunMicrovm", rate=R)``: 429 ThrottlingException with
``Retry-After``, the way the service's per-account RunMicrovm rate quota answers), and
has several workers sharing one client launch the same number of MicroVMs in each
retry mode:

* ``Client`` with worker threads, and ``AsyncClient`` with tasks on one event loop;
* boto3 in both modes too, as the reference the modes come from.

For every run it prints the work done (calls that succeeded or failed), the attempts
the server saw, how many of them it throttled, and the wall time. The figure to read is
the throttled attempts of adaptive mode as a fraction of standard mode's, for the same
work. A fresh rule (with a full bucket) and a fresh client are used for every run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

from microvm_sdk import AsyncClient, Client, Config, models
from microvm_sdk.errors import ServiceError
from microvm_sdk.local import LocalServer

BASE_ARN = "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1"
ROLE_ARN = "arn:aws:iam::000000000000:role/build"


def isolate_environment(folder: str) -> None:
    """No AWS settings from this machine: a temporary config file, no profile, no IMDS."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            del os.environ[name]
    os.environ["AWS_CONFIG_FILE"] = os.path.join(folder, "config")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(folder, "credentials")
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


def make_image(server: LocalServer) -> str:
    with Client(**server.client_kwargs) as client:
        image = client.create_microvm_image(
            name="bench-adaptive",
            base_image_arn=BASE_ARN,
            build_role_arn=ROLE_ARN,
            code_artifact=models.CodeArtifactUri(value="s3://bench/code.zip"),
        )
        client.wait_until_created(
            image_identifier=image.image_arn, min_delay=0.01, max_delay=0.05, timeout=30
        )
        return image.image_arn


class Tally:
    def __init__(self) -> None:
        self.ok = 0
        self.failed = 0
        self._lock = threading.Lock()

    def add(self, ok: bool) -> None:
        with self._lock:
            if ok:
                self.ok += 1
            else:
                self.failed += 1


def run_threads(calls: int, workers: int, call: Callable[[], None]) -> Tally:
    tally = Tally()
    shares = [calls // workers + (i < calls % workers) for i in range(workers)]

    def work(share: int) -> None:
        for _ in range(share):
            try:
                call()
            except Exception:  # a call that gave up (attempts or retry quota spent)
                tally.add(False)
            else:
                tally.add(True)

    threads = [threading.Thread(target=work, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


def sdk_sync(server: LocalServer, image: str, mode: str, args: argparse.Namespace) -> Tally:
    config = Config(retry_mode=mode, max_attempts=args.max_attempts)  # type: ignore[arg-type]
    with Client(**server.client_kwargs, config=config) as client:
        return run_threads(
            args.calls, args.workers, lambda: _ignore(client.run_microvm(image_identifier=image))
        )


def sdk_async(server: LocalServer, image: str, mode: str, args: argparse.Namespace) -> Tally:
    config = Config(retry_mode=mode, max_attempts=args.max_attempts)  # type: ignore[arg-type]
    tally = Tally()

    async def main() -> None:
        async with AsyncClient(**server.client_kwargs, config=config) as client:

            async def work(share: int) -> None:
                for _ in range(share):
                    try:
                        await client.run_microvm(image_identifier=image)
                    except ServiceError:
                        tally.add(False)
                    else:
                        tally.add(True)

            shares = [
                args.calls // args.workers + (i < args.calls % args.workers)
                for i in range(args.workers)
            ]
            await asyncio.gather(*(work(share) for share in shares))

    asyncio.run(main())
    return tally


def boto3_sync(server: LocalServer, image: str, mode: str, args: argparse.Namespace) -> Tally:
    import boto3  # type: ignore[import-untyped]
    from botocore.config import Config as BotocoreConfig  # type: ignore[import-untyped]

    client = boto3.client(
        "lambda-microvms",
        config=BotocoreConfig(
            retries={"mode": mode, "total_max_attempts": args.max_attempts},
            max_pool_connections=max(10, args.workers),
        ),
        **server.client_kwargs,
    )
    try:
        return run_threads(
            args.calls, args.workers, lambda: _ignore(client.run_microvm(imageIdentifier=image))
        )
    finally:
        client.close()


def _ignore(_: Any) -> None:
    return None


RUNNERS = {"Client": sdk_sync, "AsyncClient": sdk_async, "boto3": boto3_sync}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=100, help="RunMicrovm calls per run")
    parser.add_argument("--workers", type=int, default=12, help="threads or tasks per client")
    parser.add_argument("--rate", type=float, default=10.0, help="RunMicrovm calls a second")
    parser.add_argument("--retry-after", type=float, default=1.0, help="Retry-After seconds")
    parser.add_argument("--max-attempts", type=int, default=10, help="attempts per call")
    parser.add_argument("--no-boto3", action="store_true", help="leave out the boto3 runs")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 30 calls")
    args = parser.parse_args()
    if args.quick:
        args.calls, args.workers = 30, 6

    with tempfile.TemporaryDirectory() as folder:
        isolate_environment(folder)
        with LocalServer(profile="fast") as server:
            image = make_image(server)
            print(
                f"{args.calls} RunMicrovm calls per run, {args.workers} workers sharing one "
                f"client, the emulator throttling beyond {args.rate:g} calls a second "
                f"(Retry-After: {args.retry_after:g}), at most {args.max_attempts} attempts "
                "a call"
            )
            print()
            header = (
                f"{'client':<12} {'mode':<9} {'ok':>4} {'failed':>6} {'attempts':>8} "
                f"{'throttled':>9} {'wall s':>7}"
            )
            print(header)
            print("-" * len(header))
            throttled: dict[tuple[str, str], int] = {}
            for name, runner in RUNNERS.items():
                if name == "boto3" and args.no_boto3:
                    continue
                for mode in ("standard", "adaptive"):
                    server.faults.clear()
                    rule = server.faults.throttle(
                        "RunMicrovm", rate=args.rate, retry_after=args.retry_after
                    )
                    started = time.perf_counter()
                    tally = runner(server, image, mode, args)
                    elapsed = time.perf_counter() - started
                    throttled[name, mode] = rule.fired
                    attempts = rule.fired + tally.ok
                    print(
                        f"{name:<12} {mode:<9} {tally.ok:>4} {tally.failed:>6} {attempts:>8} "
                        f"{rule.fired:>9} {elapsed:>7.1f}"
                    )
            print()
            for name in RUNNERS:
                if (name, "standard") not in throttled:
                    continue
                standard, adaptive = throttled[name, "standard"], throttled[name, "adaptive"]
                ratio = adaptive / standard if standard else float("nan")
                print(
                    f"{name}: throttled attempts, adaptive / standard = "
                    f"{adaptive} / {standard} = {ratio:.2f}x"
                )


if __name__ == "__main__":
    main()
