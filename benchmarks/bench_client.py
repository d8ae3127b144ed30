"""Compare microvm-sdk with boto3 (and a bare http.client loop) on one local server.

Run ``python benchmarks/bench_client.py`` (add ``--profile`` for a cProfile of our
per-call path, ``--quick`` for a smoke run). Everything talks to a keep-alive HTTP
server on 127.0.0.1 that this script starts in a separate process; it answers
``POST`` with a canned CreateMicrovmImage body (201) and ``GET`` with a canned
GetMicrovmImage body (200), each response in one ``sendall`` on a TCP_NODELAY socket.
Nothing is sent anywhere else.

Measured, all in one run so the ratios hold on a noisy machine:

* per call: create_microvm_image and get_microvm_image, median over 3 rounds of
  300 calls (after a warm-up), for microvm-sdk, boto3 and a bare unsigned
  ``http.client`` keep-alive loop; within a round the variants take turns in blocks
  of 50 calls;
* import: ``import microvm_sdk`` vs ``import boto3`` in fresh processes (median of 5),
  timed with ``time.perf_counter`` around the import inside the child;
* cold start: import + construct + first call in a fresh process (median of 5);
* construction: the first construction in a fresh process, after the import (median
  of 5 processes), and the steady state (median of many constructions in this
  process, after a warm-up one);
* peak RSS: the peak resident size (``VmHWM``, else ``ru_maxrss``) of a fresh process
  that imports, constructs and makes
  100 calls (median of 3).

Child processes (and the timed loops here) run with an isolated AWS environment:
explicit static credentials, a small shared config file in a temporary directory,
instance metadata disabled, no proxy or CA-bundle variables; and with a private
bytecode cache (``PYTHONPYCACHEPREFIX``) that an untimed warm-up child fills, so both
SDKs import compiled bytecode.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple, TypeVar

T = TypeVar("T")

ROUNDS = 3
CALLS = 300
WARMUP = 30
BLOCK = 50  # calls per turn when the per-call loops take turns
PROCESS_RUNS = 5
RSS_RUNS = 3
RSS_CALLS = 100
STEADY_CONSTRUCTIONS = {"microvm-sdk": 300, "boto3": 60}

IMAGE_ARN = "arn:aws:lambda:us-east-1:123456789012:microvm-image:bench-image"
BASE_ARN = "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1"
ROLE_ARN = "arn:aws:iam::123456789012:role/bench-build"
CODE_URI = "s3://bench-bucket/code.zip"

# Shaped after the recorded service bodies: explicit nulls, members the model lacks.
CREATE_BODY = json.dumps(
    {
        "additionalOsCapabilities": None,
        "baseImageArn": BASE_ARN,
        "baseImageVersion": "1.0",
        "buildPhaseOverrides": None,
        "buildRoleArn": ROLE_ARN,
        "codeArtifact": {"uri": CODE_URI},
        "cpuConfigurations": None,
        "createdAt": 1767225600,
        "description": None,
        "egressNetworkConnectors": [
            "arn:aws:lambda:us-east-1:aws:network-connector:aws-network-connector:INTERNET_EGRESS"
        ],
        "environmentVariables": None,
        "hooks": None,
        "id": "0f7e2d3c-4b5a-4968-8776-655443322110",
        "imageArn": IMAGE_ARN,
        "imageVersion": "1.0",
        "latestActiveImageVersion": None,
        "latestFailedImageVersion": None,
        "logging": None,
        "name": "bench-image",
        "resources": [{"minimumMemoryInMiB": 2048}],
        "roleConfiguration": None,
        "state": "CREATING",
        "tags": None,
        "updatedAt": 1767225600,
    }
).encode()
GET_BODY = json.dumps(
    {
        "createdAt": 1767225600,
        "id": "0f7e2d3c-4b5a-4968-8776-655443322110",
        "imageArn": IMAGE_ARN,
        "latestActiveImageVersion": "1.0",
        "latestFailedImageVersion": None,
        "name": "bench-image",
        "state": "CREATED",
        "tags": {},
        "updatedAt": 1767225600,
    }
).encode()
CREATE_REQUEST = json.dumps(
    {
        "name": "bench-image",
        "baseImageArn": BASE_ARN,
        "buildRoleArn": ROLE_ARN,
        "codeArtifact": {"uri": CODE_URI},
        "clientToken": "00000000-0000-4000-8000-000000000000",
    }
).encode()

# The targets of performance round 2 (ratios; "import" is the first round's, kept).
TARGETS = {
    "create vs boto3": 0.27,
    "create vs boto3, speedups": 0.25,
    "get vs boto3": 0.23,
    "per call vs bare loop": 1.6,
    "import": 0.35,
    "cold start": 0.75,
    "construction": 0.1,
    "peak RSS": 0.7,
}
#: The SDK measured with the standard library's JSON instead of the speedups extra.
STDLIB = "microvm-sdk/stdlib-json"


# -- the server ------------------------------------------------------------------------


def _response(status: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        f"x-amzn-RequestId: 11111111-2222-4333-8444-555555555555\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


CREATED = _response("201 Created", CREATE_BODY)
OK = _response("200 OK", GET_BODY)


def _serve_connection(conn: socket.socket) -> None:
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = b""
    try:
        while True:
            end = buf.find(b"\r\n\r\n")
            while end < 0:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buf += chunk
                end = buf.find(b"\r\n\r\n")
            head = buf[:end].decode("latin-1")
            buf = buf[end + 4 :]
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            while len(buf) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buf += chunk
            buf = buf[length:]
            conn.sendall(CREATED if head.startswith("POST") else OK)
    except OSError:
        return
    finally:
        conn.close()


def serve() -> None:
    """Run the server (in its own process); print the port, serve until killed."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=64)
    print(listener.getsockname()[1], flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=_serve_connection, args=(conn,), daemon=True).start()


# -- child processes ---------------------------------------------------------------------

_CHILD_PRELUDE = """
import json, resource, sys, time
URL = sys.argv[1]
IMAGE_ARN = {image_arn!r}


def peak_rss_mib():
    # VmHWM: this process's own peak. ru_maxrss would start from the parent's peak on
    # Linux (execve keeps it), and the benchmark process grows as it runs.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
"""

_OURS = (
    "import microvm_sdk",
    "c = microvm_sdk.Client(region_name='us-east-1', endpoint_url=URL, "
    "aws_access_key_id='AK', aws_secret_access_key='SK')",
    "c.get_microvm_image(image_identifier=IMAGE_ARN)",
)
_CONSTRUCT = {
    "microvm-sdk": _OURS,
    "boto3": (
        "import boto3",
        "c = boto3.client('lambda-microvms', region_name='us-east-1', endpoint_url=URL, "
        "aws_access_key_id='AK', aws_secret_access_key='SK')",
        "c.get_microvm_image(imageIdentifier=IMAGE_ARN)",
    ),
    STDLIB: _OURS,
}
# Before anything is timed: "import orjson" then fails, as where the extra is not installed.
_HIDE_ORJSON = "sys.modules['orjson'] = None\n"


def _child_script(sdk: str, what: str) -> str:
    imp, construct, call = _CONSTRUCT[sdk]
    body = {
        "import": f"t0 = time.perf_counter()\n{imp}\nt1 = time.perf_counter()\nout = t1 - t0",
        "cold": (
            f"t0 = time.perf_counter()\n{imp}\n{construct}\n{call}\n"
            + "out = time.perf_counter() - t0"
        ),
        "construct": (
            f"{imp}\nt0 = time.perf_counter()\n{construct}\n" + "out = time.perf_counter() - t0"
        ),
        "rss": (
            f"{imp}\n{construct}\nfor _ in range({RSS_CALLS}):\n    {call}\nout = peak_rss_mib()"
        ),
    }[what]
    prelude = textwrap.dedent(_CHILD_PRELUDE.format(image_arn=IMAGE_ARN))
    if sdk == STDLIB:
        prelude += _HIDE_ORJSON
    return prelude + body + "\nprint(json.dumps(out))\n"


# Proxies, CA bundles (both SDKs read REQUESTS_CA_BUNDLE) and the bytecode switch.
_DROPPED_VARIABLES = frozenset(
    {
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "PYTHONDONTWRITEBYTECODE",
    }
)


def _child_env(workdir: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith("AWS_") and k.upper() not in _DROPPED_VARIABLES
    }
    # Both SDKs import from compiled bytecode, as from an installed wheel: a private
    # bytecode cache, filled by a warm-up child before anything is timed (an editable
    # install run with PYTHONDONTWRITEBYTECODE would otherwise compile our sources in
    # every child while boto3 reads the .pyc files its installer wrote).
    env["PYTHONPYCACHEPREFIX"] = os.path.join(workdir, "pycache")
    config = os.path.join(workdir, "config")
    with open(config, "w") as handle:
        handle.write("[default]\nregion = us-east-1\n")
    env.update(
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=config,
        AWS_SHARED_CREDENTIALS_FILE=os.path.join(workdir, "credentials"),
    )
    return env


def run_child(sdk: str, what: str, url: str, env: dict[str, str]) -> float:
    done = subprocess.run(
        [sys.executable, "-c", _child_script(sdk, what), url],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{sdk} {what} child failed:\n{done.stderr}")
    return float(json.loads(done.stdout.strip().splitlines()[-1]))


def child_medians(
    sdks: tuple[str, ...], what: str, url: str, env: dict[str, str], runs: int
) -> dict[str, float]:
    """Median per SDK of ``runs`` fresh children; the SDKs alternate, so load drift on a
    shared machine hits both alike."""
    samples: dict[str, list[float]] = {sdk: [] for sdk in sdks}
    for run in range(runs):
        for sdk in sdks if run % 2 == 0 else tuple(reversed(sdks)):
            samples[sdk].append(run_child(sdk, what, url, env))
    return {sdk: statistics.median(values) for sdk, values in samples.items()}


# -- in-process per-call loops -----------------------------------------------------------


def make_callers(url: str) -> dict[str, Callable[[], Any]]:
    import http.client
    from urllib.parse import urlsplit

    import boto3  # type: ignore[import-untyped]

    import microvm_sdk
    from microvm_sdk.models import CodeArtifactUri

    ours = microvm_sdk.Client(
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="AK",
        aws_secret_access_key="SK",
    )
    theirs = boto3.client(
        "lambda-microvms",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="AK",
        aws_secret_access_key="SK",
    )
    parts = urlsplit(url)
    bare = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port)
    bare.connect()
    assert bare.sock is not None
    bare.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    get_path = "/2025-09-09/microvm-images/" + IMAGE_ARN.replace(":", "%3A")
    artifact = CodeArtifactUri(value=CODE_URI)

    def bare_create() -> bytes:
        bare.request(
            "POST",
            "/2025-09-09/microvm-images",
            body=CREATE_REQUEST,
            headers={"Content-Type": "application/json"},
        )
        return bare.getresponse().read()

    def bare_get() -> bytes:
        bare.request("GET", get_path)
        return bare.getresponse().read()

    def ours_create() -> Any:
        return ours.create_microvm_image(
            name="bench-image",
            base_image_arn=BASE_ARN,
            build_role_arn=ROLE_ARN,
            code_artifact=artifact,
        )

    def ours_get() -> Any:
        return ours.get_microvm_image(image_identifier=IMAGE_ARN)

    callers: dict[str, Callable[[], Any]] = {
        "microvm-sdk create": ours_create,
        "microvm-sdk get": ours_get,
    }
    if speedups_installed():
        callers[f"{STDLIB} create"] = stdlib_json(ours_create)
        callers[f"{STDLIB} get"] = stdlib_json(ours_get)
    return callers | {
        "boto3 create": lambda: theirs.create_microvm_image(
            name="bench-image",
            baseImageArn=BASE_ARN,
            buildRoleArn=ROLE_ARN,
            codeArtifact={"uri": CODE_URI},
        ),
        "boto3 get": lambda: theirs.get_microvm_image(imageIdentifier=IMAGE_ARN),
        "bare http.client create": bare_create,
        "bare http.client get": bare_get,
    }


def speedups_installed() -> bool:
    """Whether the speedups extra (orjson) is in use in this process."""
    from microvm_sdk._core import json_codec

    return json_codec.SPEEDUPS


@contextlib.contextmanager
def without_speedups() -> Iterator[None]:
    """The SDK uses the standard library's JSON inside the block, as without the extra."""
    from microvm_sdk._core import json_codec

    fast = (json_codec.orjson_dumps, json_codec.orjson_loads)
    json_codec.orjson_dumps = json_codec.orjson_loads = None
    try:
        yield
    finally:
        json_codec.orjson_dumps, json_codec.orjson_loads = fast


def stdlib_json(call: Callable[[], T]) -> Callable[[], T]:
    """``call`` made with the standard library's JSON, as without the speedups extra.

    The SDK's JSON functions are switched for the duration of each call (a few attribute
    writes, well under a microsecond, against calls of 100 us and more).
    """

    def call_with_stdlib_json() -> T:
        with without_speedups():
            return call()

    return call_with_stdlib_json


def per_call(
    callers: dict[str, Callable[[], Any]], rounds: int, calls: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Median over rounds of the mean wall and CPU seconds per call, for every caller.

    Within a round every caller makes ``calls`` calls in blocks of ``BLOCK``, the callers
    taking turns block by block (the order rotating), so that a change of load on a
    shared machine during the round hits every caller alike.
    """
    names = list(callers)
    for call in callers.values():
        for _ in range(WARMUP):
            call()
    samples: dict[str, list[float]] = {name: [] for name in names}
    cpu_samples: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(rounds):
        spent = dict.fromkeys(names, 0.0)
        cpu = dict.fromkeys(names, 0.0)
        done = dict.fromkeys(names, 0)
        block_number = 0
        while any(done[name] < calls for name in names):
            shift = (round_number + block_number) % len(names)
            for name in names[shift:] + names[:shift]:
                count = min(BLOCK, calls - done[name])
                if count <= 0:
                    continue
                call = callers[name]
                cpu_started = time.process_time()
                started = time.perf_counter()
                for _ in range(count):
                    call()
                spent[name] += time.perf_counter() - started
                cpu[name] += time.process_time() - cpu_started
                done[name] += count
            block_number += 1
        for name in names:
            samples[name].append(spent[name] / calls)
            cpu_samples[name].append(cpu[name] / calls)
    return (
        {name: statistics.median(values) for name, values in samples.items()},
        {name: statistics.median(values) for name, values in cpu_samples.items()},
    )


def steady_construction(url: str, sdk: str, count: int) -> float:
    import boto3

    import microvm_sdk

    def ours() -> Any:
        return microvm_sdk.Client(
            region_name="us-east-1",
            endpoint_url=url,
            aws_access_key_id="AK",
            aws_secret_access_key="SK",
        )

    def theirs() -> Any:
        return boto3.client(
            "lambda-microvms",
            region_name="us-east-1",
            endpoint_url=url,
            aws_access_key_id="AK",
            aws_secret_access_key="SK",
        )

    build = ours if sdk == "microvm-sdk" else theirs
    build()  # warm-up: the first construction in this process
    times = []
    for _ in range(count):
        started = time.perf_counter()
        build()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def profile_calls(url: str, calls: int) -> None:
    import cProfile
    import pstats

    callers = make_callers(url)
    for name in ("microvm-sdk create", "microvm-sdk get"):
        call = callers[name]
        for _ in range(WARMUP):
            call()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(calls):
            call()
        profiler.disable()
        print(f"\n== cProfile of {calls} x {name} (sorted by own time) ==")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(18)


# -- report ---------------------------------------------------------------------------


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f} us"


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.2f} ms"


def _verdict(ratio: float, target: float) -> str:
    if ratio <= target:
        return f"meets <= {target:g}x"
    return f"MISSES <= {target:g}x by {ratio / target:.2f}x"


def print_rows(rows: Sequence[Row]) -> None:
    """The rows as the report's table."""
    print_table(
        ("measure", "microvm-sdk", "reference", "ratio", "target"), [r.cells() for r in rows]
    )


def print_table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    """A Markdown table, columns padded to their widest cell."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"
    print(line)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--profile", action="store_true", help="cProfile our per-call path")
    parser.add_argument("--quick", action="store_true", help="fewer calls and processes")
    args = parser.parse_args()
    if args.serve:
        serve()
        return 0

    rounds, calls, runs, rss_runs = ROUNDS, CALLS, PROCESS_RUNS, RSS_RUNS
    if args.quick:
        rounds, calls, runs, rss_runs = 1, 50, 1, 1

    server = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--serve"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{int(server.stdout.readline())}"
        with tempfile.TemporaryDirectory() as workdir:
            env = _child_env(workdir)
            for name in list(os.environ):  # this process: the children's environment
                if name not in env:
                    del os.environ[name]
            os.environ.update(env)
            if args.profile:
                profile_calls(url, calls)
                return 0
            report(url, env, rounds, calls, runs, rss_runs)
    finally:
        server.kill()
        server.wait()
    return 0


def measure(
    url: str, env: dict[str, str], rounds: int, calls: int, runs: int, rss_runs: int
) -> dict[str, Any]:
    """Every figure of the blocking client against boto3 and the bare loop, one run."""
    sdks: tuple[str, ...] = ("microvm-sdk", "boto3")
    if speedups_installed():
        sdks += (STDLIB,)
    for sdk in sdks:  # fill the bytecode cache; also loads the files into the OS cache
        run_child(sdk, "cold", url, env)
    figures: dict[str, Any] = {"sdks": sdks}
    figures["import"] = child_medians(sdks, "import", url, env, runs)
    figures["cold"] = child_medians(sdks, "cold", url, env, runs)
    figures["construct"] = child_medians(sdks, "construct", url, env, runs)
    figures["rss"] = child_medians(sdks, "rss", url, env, rss_runs)
    figures["steady"] = {
        sdk: steady_construction(url, sdk, STEADY_CONSTRUCTIONS[sdk] // (6 if rounds == 1 else 1))
        for sdk in ("microvm-sdk", "boto3")
    }
    figures["wall"], figures["cpu"] = per_call(make_callers(url), rounds, calls)
    return figures


class Row(NamedTuple):
    """One measure: our figure per variant, the reference's, the ratios and their targets.

    ``ours``, ``ratios`` and ``targets`` hold one entry per variant of our SDK (with the
    speedups extra, then with the standard library's JSON); a target of 0 is information
    only.
    """

    label: str
    ours: list[str]
    reference: str
    ratios: list[float]
    targets: list[float]

    def cells(self) -> tuple[str, str, str, str, str]:
        """The row as table cells; several variants are separated by slashes."""
        digits = 3 if any(r < 0.1 for r in self.ratios) else 2
        verdicts = [
            _verdict(r, t) if t else "(info)"
            for r, t in zip(self.ratios, self.targets, strict=True)
        ]
        return (
            self.label,
            " / ".join(self.ours),
            self.reference,
            " / ".join(f"{r:.{digits}f}x" for r in self.ratios),
            " / ".join(dict.fromkeys(verdicts))
            if set(verdicts) == {"(info)"}
            else " / ".join(verdicts),
        )


def sync_rows(figures: dict[str, Any]) -> list[Row]:
    """The rows of :func:`measure`'s figures."""
    wall, sdks = figures["wall"], figures["sdks"]
    variants = ["microvm-sdk"] + ([STDLIB] if STDLIB in sdks else [])

    def row(
        label: str,
        values: dict[str, float],
        reference: float,
        fmt: Callable[[float], str],
        name: str,
        targets: list[float],
    ) -> Row:
        return Row(
            label,
            [fmt(values[v]) for v in variants],
            f"{fmt(reference)} {name}",
            [values[v] / reference for v in variants],
            targets[: len(variants)],
        )

    rows: list[Row] = []
    for op in ("create", "get"):
        ours = {v: wall[f"{v} {op}"] for v in variants}
        if op == "create":
            targets = [TARGETS["create vs boto3, speedups"], TARGETS["create vs boto3"]]
            if STDLIB not in sdks:
                targets = [TARGETS["create vs boto3"]]
        else:
            targets = [TARGETS["get vs boto3"]] * 2
        rows.append(
            row(f"{op}_microvm_image per call", ours, wall[f"boto3 {op}"], _us, "boto3", targets)
        )
        rows.append(
            row(
                f"{op} per call vs bare http.client",
                ours,
                wall[f"bare http.client {op}"],
                _us,
                "bare",
                [TARGETS["per call vs bare loop"]] * 2,
            )
        )
    for label, key, target in (
        ("cold start (import+construct+1st call)", "cold", "cold start"),
        ("construction, first in a fresh process", "construct", "construction"),
        ("import", "import", "import"),
    ):
        values = figures[key]
        rows.append(row(label, values, values["boto3"], _ms, "boto3", [TARGETS[target]] * 2))
    rss = figures["rss"]
    rows.append(
        row(
            f"peak RSS (import+construct+{RSS_CALLS} calls)",
            rss,
            rss["boto3"],
            lambda m: f"{m:.1f} MiB",
            "boto3",
            [TARGETS["peak RSS"]] * 2,
        )
    )
    steady = figures["steady"]
    rows.append(
        Row(
            "construction, steady state",
            [_ms(steady["microvm-sdk"])],
            _ms(steady["boto3"]) + " boto3",
            [steady["microvm-sdk"] / steady["boto3"]],
            [0.0],
        )
    )
    return rows


def cpu_lines(figures: dict[str, Any]) -> list[str]:
    """Client-process CPU per call (less sensitive to scheduling than wall time)."""
    cpu = figures["cpu"]
    lines = []
    for op in ("create", "get"):
        theirs, bare = cpu[f"boto3 {op}"], cpu[f"bare http.client {op}"]
        for variant in ("microvm-sdk", STDLIB):
            if f"{variant} {op}" in cpu:
                ours = cpu[f"{variant} {op}"]
                lines.append(
                    f"#   {op}, {variant}: {_us(ours)} (boto3 {_us(theirs)}, bare {_us(bare)})"
                    f" -> {ours / theirs:.2f}x boto3, {ours / bare:.2f}x bare"
                )
    return lines


def describe_run(rounds: int, calls: int, runs: int, rss_runs: int) -> list[str]:
    import boto3
    import botocore  # type: ignore[import-untyped]

    import microvm_sdk

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return [
        f"# microvm-sdk {microvm_sdk.__version__} vs boto3 {boto3.__version__} "
        f"(botocore {botocore.__version__}); speedups extra (orjson): "
        + ("installed" if speedups_installed() else "not installed"),
        f"# {datetime.date.today().isoformat()}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, load average "
        f"{load:.1f} at the end; server in a separate process on 127.0.0.1",
        f"# per call: median of {rounds} rounds x {calls} calls; processes: median of {runs} "
        f"(RSS: {rss_runs})",
    ]


def report(
    url: str, env: dict[str, str], rounds: int, calls: int, runs: int, rss_runs: int
) -> None:
    started = time.perf_counter()
    figures = measure(url, env, rounds, calls, runs, rss_runs)
    print("\n".join(describe_run(rounds, calls, runs, rss_runs)))
    print("# cells: with the speedups extra / with the standard library's JSON\n")
    print_rows(sync_rows(figures))
    print(
        "\n# client-process CPU per call (time.process_time, includes the kernel's share of "
        "the loopback exchange; less sensitive to scheduling than wall time):"
    )
    print("\n".join(cpu_lines(figures)))
    print(f"\n# finished in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
