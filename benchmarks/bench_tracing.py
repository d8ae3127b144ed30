"""What tracing costs: import and per-call time without OpenTelemetry, with its API
imported but no SDK configured, with ``Config(tracing=False)``, and with an SDK recording.

Run ``python benchmarks/bench_tracing.py`` (``--quick`` for a smoke run). Add
``--baseline DIR`` (a checkout of an earlier version: its ``src`` is put first on the
children's ``sys.path``) to measure that version too, as "before", without
OpenTelemetry: the "absent" row against it is the regression check.

Every figure comes from fresh processes (the variants differ in what is imported), which
take turns: per variant, the median over processes of each process's fastest round of
calls. The calls go to an in-process transport that answers every request with a canned
GetMicrovmImage response (no socket), so a figure is the SDK's own time per call:
validation, serialization, signing, parsing, and whatever tracing adds. Variants:

* ``absent``: ``opentelemetry`` cannot be imported (a finder refuses it), as when the
  ``otel`` extra is not installed;
* ``unconfigured``: the application imported ``opentelemetry.trace`` but configured no
  SDK: OpenTelemetry's non-recording spans;
* ``tracing off``: as ``unconfigured``, with ``Config(tracing=False)``;
* ``recording``: an SDK ``TracerProvider`` records every span (its processor drops them:
  the figure is the span work, not an exporter's).

Import time is ``import microvm_sdk`` in a fresh process (bytecode cached), ``absent``
and ``installed`` (OpenTelemetry importable, which the SDK never imports itself).
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

CHILD = r"""
import asyncio, json, os, sys, time
mode, flavour, calls, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
if mode in ("absent", "before"):
    import importlib.abc

    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "opentelemetry":
                raise ModuleNotFoundError(name, name=name)
            return None

    sys.meta_path.insert(0, Refuse())
t0 = time.perf_counter()
import microvm_sdk
import_s = time.perf_counter() - t0
if mode in ("unconfigured", "off", "recording"):
    import opentelemetry.trace
if mode == "recording":
    from opentelemetry import trace
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

    provider = TracerProvider()
    provider.add_span_processor(SpanProcessor())  # records, keeps nothing
    trace.set_tracer_provider(provider)

from microvm_sdk.config import HttpResponse

ARN = "arn:aws:lambda:us-east-1:123456789012:microvm-image:bench-image"
BODY = json.dumps({
    "createdAt": 1767225600, "id": "0f7e2d3c-4b5a-4968-8776-655443322110", "imageArn": ARN,
    "latestActiveImageVersion": "1.0", "latestFailedImageVersion": None,
    "name": "bench-image", "state": "CREATED", "tags": {}, "updatedAt": 1767225600,
}).encode()
HEADERS = {"content-type": "application/json", "content-length": str(len(BODY)),
           "x-amzn-requestid": "11111111-2222-4333-8444-555555555555"}
ANSWER = HttpResponse(200, HEADERS, BODY)


class Canned:
    def send(self, request):
        return ANSWER

    async def send_async(self, request):
        return ANSWER

    def close(self):
        pass

    async def aclose(self):
        pass


options = dict(region_name="us-east-1", aws_access_key_id="AK", aws_secret_access_key="SK",
               transport=Canned())
try:
    config = microvm_sdk.Config(tracing=mode != "off")
except TypeError:  # a version without the option (a baseline)
    config = microvm_sdk.Config()
best = []
if flavour == "sync":
    client = microvm_sdk.Client(config=config, **options)
    get = client.get_microvm_image
    for _ in range(200):
        get(image_identifier=ARN)
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(calls):
            get(image_identifier=ARN)
        best.append((time.perf_counter() - t0) / calls)
else:
    async def main():
        async with microvm_sdk.AsyncClient(config=config, **options) as client:
            get = client.get_microvm_image
            for _ in range(200):
                await get(image_identifier=ARN)
            for _ in range(rounds):
                t0 = time.perf_counter()
                for _ in range(calls):
                    await get(image_identifier=ARN)
                best.append((time.perf_counter() - t0) / calls)

    asyncio.run(main())
print(json.dumps({"import": import_s, "call": min(best)}))
"""

CALL_VARIANTS = ("absent", "unconfigured", "tracing off", "recording")
MODE = {
    "absent": "absent",
    "unconfigured": "unconfigured",
    "tracing off": "off",
    "recording": "recording",
    "before": "before",
}


def child(
    variant: str, flavour: str, env: dict[str, str], calls: int, rounds: int
) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, MODE[variant], flavour, str(calls), str(rounds)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{variant}/{flavour} failed:\n{out.stderr}")
    result: dict[str, float] = json.loads(out.stdout.splitlines()[-1])
    return result


def environments(baseline: str | None, workdir: str) -> dict[str, dict[str, str]]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith(("AWS_", "OTEL_")) and k != "PYTHONDONTWRITEBYTECODE"
    }
    # Compiled bytecode, as from an installed wheel: a private cache the untimed first
    # child of each variant fills (else every child compiles the sources it imports).
    base["PYTHONPYCACHEPREFIX"] = os.path.join(workdir, "pycache")
    base["AWS_CONFIG_FILE"] = os.devnull
    base["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    base["AWS_EC2_METADATA_DISABLED"] = "true"
    ours = dict(base, PYTHONPATH=os.path.join(ROOT, "src"))
    envs = {variant: ours for variant in CALL_VARIANTS}
    if baseline:
        envs = {"before": dict(base, PYTHONPATH=os.path.join(baseline, "src")), **envs}
    return envs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument("--baseline", help="a checkout of an earlier version, measured too")
    args = parser.parse_args()
    processes, calls, rounds = (2, 300, 3) if args.quick else (7, 2000, 5)
    with tempfile.TemporaryDirectory() as workdir:
        envs = environments(args.baseline, workdir)
        for variant, env in envs.items():  # fill the bytecode caches, untimed
            child(variant, "sync", env, 10, 1)
        results: dict[tuple[str, str], list[dict[str, float]]] = {}
        for _ in range(processes):
            for flavour in ("sync", "async"):
                for variant, env in envs.items():  # variants take turns
                    results.setdefault((variant, flavour), []).append(
                        child(variant, flavour, env, calls, rounds)
                    )

    def median(variant: str, flavour: str, key: str) -> float:
        return statistics.median(r[key] for r in results[(variant, flavour)])

    reference = "before" if args.baseline else "absent"
    print(
        f"# microvm-sdk tracing cost, Python {sys.version.split()[0]}; per call: median over "
        f"{processes} processes of the fastest of {rounds} rounds x {calls} calls "
        "(canned in-process transport)"
    )
    print()
    print("| variant | sync per call | async per call | vs " + reference + " (sync / async) |")
    print("|---|---|---|---|")
    for variant in envs:
        sync, asyn = median(variant, "sync", "call"), median(variant, "async", "call")
        ratio = (
            f"{sync / median(reference, 'sync', 'call'):.3f}x / "
            f"{asyn / median(reference, 'async', 'call'):.3f}x"
        )
        print(f"| {variant} | {sync * 1e6:.1f} us | {asyn * 1e6:.1f} us | {ratio} |")
    print()
    print("| import microvm_sdk | median | fastest |")
    print("|---|---|---|")
    sources = {v: v for v in envs if v in ("before", "absent")}
    sources["installed (not imported by the SDK)"] = "unconfigured"
    for name, variant in sources.items():
        times = [r["import"] for r in results[(variant, "sync")] + results[(variant, "async")]]
        print(f"| {name} | {statistics.median(times) * 1e3:.2f} ms | {min(times) * 1e3:.2f} ms |")
    print()
    print(
        textwrap.dedent(
            """\
            # absent: no OpenTelemetry; unconfigured: API imported, no SDK; tracing off:
            # Config(tracing=False); recording: an SDK provider records every span."""
        )
    )


if __name__ == "__main__":
    main()
