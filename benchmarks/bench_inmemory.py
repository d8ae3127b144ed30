"""The SDK's own time per call, without a socket: both clients, create and get.

Run ``python benchmarks/bench_inmemory.py`` (``--quick`` for a smoke run). Each figure
comes from fresh processes that call ``create_microvm_image`` and ``get_microvm_image``
through a transport answering at once with a canned response (the bodies of
``bench_client.py``), so it is the SDK's CPU per call: typed input, validation,
serialization, signing, the retry loop, parsing. Per variant, the median over processes
of each process's fastest round of calls.

Variants: ``Client`` and ``AsyncClient``, each with the ``speedups`` extra (orjson) when it
is installed and with the standard library's JSON. Add ``--baseline DIR`` (a checkout of
an earlier version: its ``src`` is put first on the children's ``sys.path``) to measure
that version too; the processes of both versions take turns, so load changes hit them
alike, and the last column gives the difference per call.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

CHILD = textwrap.dedent(
    r"""
    import asyncio, json, sys, time

    flavour, json_kind, calls, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    import microvm_sdk
    from microvm_sdk._core import json_codec
    from microvm_sdk.config import HttpResponse
    from microvm_sdk.models import CodeArtifactUri

    if json_kind == "stdlib":
        json_codec.orjson_dumps = json_codec.orjson_loads = None

    IMAGE = "arn:aws:lambda:us-east-1:123456789012:microvm-image:bench-image"
    BASE = "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1"
    ROLE = "arn:aws:iam::123456789012:role/bench-build"
    URI = "s3://bench-bucket/code.zip"
    sys.path.insert(0, sys.argv[5])
    from bench_client import CREATE_BODY, GET_BODY

    def answer(body):
        headers = {"content-type": "application/json", "content-length": str(len(body)),
                   "x-amzn-requestid": "11111111-2222-4333-8444-555555555555"}
        return HttpResponse(200, headers, body)

    CREATED, GOT = answer(CREATE_BODY), answer(GET_BODY)

    class Canned:
        def send(self, request):
            return CREATED if request.method == "POST" else GOT

        async def send_async(self, request):
            return CREATED if request.method == "POST" else GOT

        def close(self):
            pass

        async def aclose(self):
            pass

    options = dict(region_name="us-east-1", aws_access_key_id="AK",
                   aws_secret_access_key="SK", transport=Canned())
    artifact = CodeArtifactUri(value=URI)
    best = {"create": [], "get": []}

    def timed(what, loop):
        for _ in range(rounds):
            t0 = time.perf_counter()
            loop()
            best[what].append((time.perf_counter() - t0) / calls)

    if flavour == "sync":
        client = microvm_sdk.Client(**options)
        create, get = client.create_microvm_image, client.get_microvm_image

        def creates():
            for _ in range(calls):
                create(name="bench-image", base_image_arn=BASE, build_role_arn=ROLE,
                       code_artifact=artifact)

        def gets():
            for _ in range(calls):
                get(image_identifier=IMAGE)

        creates(); gets()  # warm-up
        for _ in range(2):
            timed("create", creates)
            timed("get", gets)
    else:
        async def main():
            async with microvm_sdk.AsyncClient(**options) as client:
                create, get = client.create_microvm_image, client.get_microvm_image

                async def creates():
                    for _ in range(calls):
                        await create(name="bench-image", base_image_arn=BASE,
                                     build_role_arn=ROLE, code_artifact=artifact)

                async def gets():
                    for _ in range(calls):
                        await get(image_identifier=IMAGE)

                await creates(); await gets()  # warm-up
                for _ in range(2):
                    for what, loop in (("create", creates), ("get", gets)):
                        for _ in range(rounds):
                            t0 = time.perf_counter()
                            await loop()
                            best[what].append((time.perf_counter() - t0) / calls)

        asyncio.run(main())
    print(json.dumps({what: min(times) for what, times in best.items()}))
    """
)


def child(src: str, flavour: str, json_kind: str, calls: int, rounds: int) -> dict[str, float]:
    env = dict(os.environ)
    env["PYTHONPATH"] = src
    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        env.pop(name, None)
    with tempfile.TemporaryDirectory() as home:
        config = os.path.join(home, "config")
        with open(config, "w") as f:
            f.write("[default]\nregion = us-east-1\n")
        env["AWS_CONFIG_FILE"] = config
        env["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(home, "credentials")
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        out = subprocess.run(
            [sys.executable, "-c", CHILD, flavour, json_kind, str(calls), str(rounds), HERE],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if out.returncode != 0:
        raise SystemExit(f"child failed ({src}, {flavour}, {json_kind}):\n{out.stderr}")
    result: dict[str, float] = json.loads(out.stdout)
    return result


def speedups_installed() -> bool:
    try:
        import orjson  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", help="a checkout of an earlier version to compare with")
    parser.add_argument("--processes", type=int, default=5, help="processes per variant")
    parser.add_argument("--calls", type=int, default=2000, help="calls per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per process")
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    args = parser.parse_args()
    processes, calls, rounds = args.processes, args.calls, args.rounds
    if args.quick:
        processes, calls, rounds = 1, 100, 1
    versions = {"now": os.path.join(ROOT, "src")}
    if args.baseline:
        versions = {"before": os.path.join(os.path.abspath(args.baseline), "src")} | versions
    kinds = ("orjson", "stdlib") if speedups_installed() else ("stdlib",)
    variants = [(flavour, kind) for flavour in ("sync", "async") for kind in kinds]
    figures: dict[tuple[str, str, str, str], list[float]] = {}
    for _ in range(processes):
        for flavour, kind in variants:
            for version, src in versions.items():
                for what, seconds in child(src, flavour, kind, calls, rounds).items():
                    figures.setdefault((version, flavour, kind, what), []).append(seconds)
    header = ["client", "JSON", "call", *(f"{v} (us)" for v in versions)]
    if len(versions) == 2:
        header.append("saved (us)")
    print(" | ".join(header))
    for flavour, kind in variants:
        for what in ("create", "get"):
            cells = [
                "Client" if flavour == "sync" else "AsyncClient",
                kind,
                what,
            ]
            medians = [
                statistics.median(figures[(version, flavour, kind, what)]) * 1e6
                for version in versions
            ]
            cells.extend(f"{m:.1f}" for m in medians)
            if len(medians) == 2:
                cells.append(f"{medians[0] - medians[1]:+.1f}")
            print(" | ".join(cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
