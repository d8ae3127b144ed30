"""Soak test: both clients under load against the emulator with faults, for minutes.

16 threads share one ``Client`` and 100 asyncio tasks share one ``AsyncClient``; each
worker loops over create / get / tag / list-tags / list (paginated) / delete of its own
images until time is up. The emulator runs in another process with faults injected at
random: 500, 503 and 429 answers, added latency, connections closed before an answer,
and, through a small proxy in front of it, responses lost after the emulator acted and
HTML 502 pages from a "gateway". The clients retry as configured.

At the end it prints: calls made, errors by type, duplicate images (images that share a
name: every create uses a new name, so a retried create that made two images shows up
here; it must be 0), and the RSS and open file descriptors of this process at the start
and at the end (they must not grow with the run time).

    python benchmarks/soak.py                 # 10 minutes
    python benchmarks/soak.py --minutes 0.5   # a short run

Not run in CI. Exit status 1 when there are duplicate images, when an error is not a
``microvm_sdk.errors`` type, or when no call succeeded.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import http.client
import multiprocessing
import os
import random
import resource
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from microvm_sdk import Client

BASE_ARN = "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1"
ROLE_ARN = "arn:aws:iam::000000000000:role/build"
GATEWAY_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    b"</h1></center><hr><center>soak-proxy</center></body></html>\n"
)


# -- the emulator process: LocalServer, its faults, and a lossy proxy in front ---------


class LossyProxy(BaseHTTPRequestHandler):
    """Forwards to the emulator; now and then loses the answer or plays a bad gateway."""

    protocol_version = "HTTP/1.1"
    upstream: tuple[str, int] = ("127.0.0.1", 0)
    lose = 0.01
    gateway = 0.01
    rng = random.Random(7)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.rng.random() < self.gateway:
            self.send_response(502)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(GATEWAY_PAGE)))
            self.end_headers()
            self.wfile.write(GATEWAY_PAGE)
            return
        connection = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
            connection.request(self.command, self.path, body, headers)
            answer = connection.getresponse()
            payload = answer.read()
        except (OSError, http.client.HTTPException):
            self.close_connection = True  # the emulator dropped it: drop ours too
            return
        finally:
            connection.close()
        if self.command != "GET" and self.rng.random() < self.lose:
            self.close_connection = True  # acted upon, answer lost
            return
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("connection", "content-length", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward


def serve(pipe: Any, faults: bool) -> None:
    """The emulator process: start everything, send the endpoints, then obey ``pipe``.

    It sends ``(proxy endpoint, emulator endpoint)``; ``"quiet"`` clears the faults (for
    the final count), ``"stop"`` ends it.
    """
    from microvm_sdk.local import LocalServer

    with LocalServer(profile="fast", max_connections=1024) as server:
        if faults:
            server.faults.server_error(probability=0.02)
            server.faults.unavailable(probability=0.02)
            server.faults.throttle(probability=0.02, retry_after=0.2)
            server.faults.latency(0.05, probability=0.05)
            server.faults.drop(probability=0.01)
        else:
            LossyProxy.lose = LossyProxy.gateway = 0.0
        LossyProxy.upstream = (server.host, server.port)
        proxy = ThreadingHTTPServer(("127.0.0.1", 0), LossyProxy)
        proxy.daemon_threads = True
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        pipe.send((f"http://127.0.0.1:{proxy.server_address[1]}", server.endpoint_url))
        while (command := pipe.recv()) != "stop":
            if command == "quiet":
                server.faults.clear()
                pipe.send("quiet")
        proxy.shutdown()


# -- the workload ----------------------------------------------------------------------


class Tally:
    """Calls and errors by type, from every thread (under a lock)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls = 0
        self.errors: collections.Counter[str] = collections.Counter()
        self.foreign: collections.Counter[str] = collections.Counter()
        #: The image each answered create returned, by name.
        self.created: dict[str, str] = {}

    @contextlib.contextmanager
    def counting(self) -> Iterator[None]:
        """Count the call made inside; record its error (and swallow it), if any."""
        try:
            yield
        except Exception as exc:
            self.record(exc)
        else:
            self.record()

    def record(self, error: BaseException | None = None, created: Any = None) -> None:
        """Count one call: its error, or the image it created."""
        import microvm_sdk.errors

        with self.lock:
            self.calls += 1
            if created is not None:
                self.created[created.name] = created.image_arn
            if error is None:
                return
            name = type(error).__name__
            if isinstance(error, microvm_sdk.errors.MicrovmError):
                self.errors[name] += 1
            else:
                self.foreign[f"{type(error).__module__}.{name}: {error}"[:200]] += 1


def names(prefix: str) -> Callable[[], str]:
    counter = iter(range(10**9))
    return lambda: f"{prefix}-{next(counter)}"


def create(client: Any, name: str) -> Any:
    """Create an image (a coroutine for ``AsyncClient``)."""
    from microvm_sdk import models

    return client.create_microvm_image(
        name=name,
        base_image_arn=BASE_ARN,
        build_role_arn=ROLE_ARN,
        code_artifact=models.CodeArtifactUri(value="s3://soak/app.zip"),
    )


async def collect(items: Any) -> list[Any]:
    return [item async for item in items]


def then(client: Any, arn: str) -> list[Callable[[], Any]]:
    """The calls made on an image once created (each may return a coroutine)."""
    items = client.paginate_list_microvm_images(max_items=20).items
    return [
        lambda: client.get_microvm_image(image_identifier=arn),
        lambda: client.tag_resource(resource=arn, tags={"soak": "yes"}),
        lambda: client.list_tags(resource=arn),
        lambda: list(items()) if isinstance(client, Client) else collect(items()),
        lambda: client.delete_microvm_image(image_identifier=arn),
    ]


def sync_worker(client: Any, tally: Tally, deadline: float, name: Callable[[], str]) -> None:
    while time.monotonic() < deadline:
        try:
            image = create(client, name())
        except Exception as exc:
            tally.record(exc)
            continue
        tally.record(created=image)
        for call in then(client, image.image_arn):
            with tally.counting():
                call()


async def async_worker(client: Any, tally: Tally, deadline: float, name: Callable[[], str]) -> None:
    while time.monotonic() < deadline:
        try:
            image = await create(client, name())
        except Exception as exc:
            tally.record(exc)
            continue
        tally.record(created=image)
        for call in then(client, image.image_arn):
            with tally.counting():
                await call()


async def async_workers(
    client: Any, tally: Tally, deadline: float, tasks: int, name: Callable[[], str]
) -> None:
    async with client:
        await asyncio.gather(*(async_worker(client, tally, deadline, name) for _ in range(tasks)))


# -- measurements --------------------------------------------------------------------


def rss_mib() -> float:
    """The resident set size of this process now (Linux), else its peak."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def record_mib(created: dict[str, str]) -> float:
    """What the record of created images (kept to find duplicates) occupies, in MiB."""
    size = sys.getsizeof(created) + sum(
        sys.getsizeof(name) + sys.getsizeof(arn) for name, arn in created.items()
    )
    return size / 2**20


def open_fds() -> int:
    for folder in ("/proc/self/fd", "/dev/fd"):
        try:
            return len(os.listdir(folder))
        except OSError:
            continue
    return -1


def duplicates(client: Any, created: dict[str, str]) -> tuple[int, int]:
    """``(images left, duplicates among them)`` in the emulator now.

    Workers delete the image each create returned, so what is left is images whose
    delete failed, images of creates whose answer never arrived, and duplicates: a
    second image of one name, or an image of an answered create that is not the one
    the create returned (a retried create that made another image).
    """
    left = list(client.paginate_list_microvm_images(page_size=50).items())
    by_name = collections.Counter(item.name for item in left)
    extra = sum(count - 1 for count in by_name.values() if count > 1)
    strays = sum(
        1
        for item in left
        if item.name in created and created[item.name] != item.image_arn and by_name[item.name] == 1
    )
    return len(left), extra + strays


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long (default 10)")
    parser.add_argument("--threads", type=int, default=16, help="Client threads (default 16)")
    parser.add_argument("--tasks", type=int, default=100, help="AsyncClient tasks (default 100)")
    parser.add_argument("--no-faults", action="store_true", help="inject no faults")
    args = parser.parse_args(argv)

    context = multiprocessing.get_context("spawn")
    pipe, child_pipe = context.Pipe()
    emulator = context.Process(target=serve, args=(child_pipe, not args.no_faults))
    emulator.start()
    endpoint, direct = pipe.recv()

    import microvm_sdk

    options: dict[str, Any] = {
        "region_name": "us-east-1",
        "aws_access_key_id": "test",
        "aws_secret_access_key": "test",
    }
    config = microvm_sdk.Config(max_pool_connections=32, connect_timeout=10, read_timeout=30)
    client = microvm_sdk.Client(endpoint_url=endpoint, config=config, **options)
    async_client = microvm_sdk.AsyncClient(endpoint_url=endpoint, config=config, **options)
    client.list_microvm_images()  # imports and first-use work happen before the baseline
    rss_start, fds_start = rss_mib(), open_fds()
    started = time.monotonic()
    deadline = started + args.minutes * 60
    tally = Tally()
    workers = [
        threading.Thread(target=sync_worker, args=(client, tally, deadline, names(f"sync{i}")))
        for i in range(args.threads)
    ]
    run_tasks = async_workers(async_client, tally, deadline, args.tasks, names("async"))
    workers.append(threading.Thread(target=asyncio.run, args=(run_tasks,)))
    for worker in workers:
        worker.start()
    while time.monotonic() < deadline:
        time.sleep(min(10.0, max(0.0, deadline - time.monotonic())))
        elapsed = time.monotonic() - started
        print(
            f"  {elapsed:6.0f} s  calls {tally.calls:8d}  errors {sum(tally.errors.values()):6d}"
            f"  RSS {rss_mib():6.1f} MiB  fds {open_fds():4d}",
            flush=True,
        )
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    client.close()
    rss_end, fds_end = rss_mib(), open_fds()

    pipe.send("quiet")  # count with the faults off, straight at the emulator
    pipe.recv()
    with microvm_sdk.Client(endpoint_url=direct, **options) as counter:
        total, duplicate = duplicates(counter, tally.created)
    pipe.send("stop")
    emulator.join(30)

    print()
    print(f"ran {elapsed:.0f} s: {args.threads} threads (Client), {args.tasks} tasks (AsyncClient)")
    print(f"calls: {tally.calls} ({tally.calls / elapsed:.0f}/s)")
    print(f"creates answered: {len(tally.created)}; images held by the emulator: {total}")
    print(f"errors: {sum(tally.errors.values())}")
    for name, count in sorted(tally.errors.items(), key=lambda item: -item[1]):
        print(f"  {name}: {count}")
    for name, count in tally.foreign.items():
        print(f"  NOT A microvm_sdk ERROR {name}: {count}")
    print(f"duplicate images: {duplicate}")
    record = record_mib(tally.created)
    print(
        f"RSS: {rss_start:.1f} MiB at start, {rss_end:.1f} MiB at end; this script's record "
        f"of the {len(tally.created)} images created takes {record:.1f} MiB of it"
    )
    print(f"open file descriptors: {fds_start} at start, {fds_end} at end")
    failed = duplicate != 0 or bool(tally.foreign) or tally.calls == sum(tally.errors.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
