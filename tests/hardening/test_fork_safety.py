"""A process forked while other threads use a client can use that client, and new ones.

``fork`` copies a process with only the thread that called it. Before, a child forked
while another thread resolved credentials waited forever for the credential lock, and
one forked while another thread imported the call machinery waited forever for the
half-done import. Each test here forks at such a moment, in both flavours, and requires
that the child completes calls (a deadline turns a deadlock into a failure):

- during credential resolution (a ``credential_process`` that takes a second);
- during calls, repeatedly, while the parent keeps calling;
- while another thread holds every lock reachable from the client;
- during the first import of each part of the call machinery, in a fresh interpreter;
- and, for the mechanism itself, during a loading section.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from forking import in_child

import microvm_sdk
from microvm_sdk._core import forks
from microvm_sdk.local import LocalServer

HERE = Path(__file__).parent
LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))


@pytest.fixture(autouse=True)
def no_log_records() -> Iterator[None]:
    """Keep log records away from file handlers while these tests fork.

    A buffered file object keeps the lock of its buffer across ``fork``: a child forked
    while another thread writes a record to a file handler waits for that lock forever,
    in any program (CPython does not reset it). When the test run logs at DEBUG to a
    file, the clients' debug lines in the parent's threads would make these tests fail
    on that, not on the SDK's own locks.
    """
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as local:
        yield local


@pytest.fixture
def credentials_file(tmp_path: Path, server: LocalServer, isolated_aws_env: None) -> Path:
    """Credentials in the shared credentials file: botocore's chain finds them."""
    keys = server.credentials
    path = Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"])
    path.write_text(
        "[default]\n"
        f"aws_access_key_id = {keys['aws_access_key_id']}\n"
        f"aws_secret_access_key = {keys['aws_secret_access_key']}\n"
    )
    return path


@pytest.fixture
def new_client(server: LocalServer) -> Iterator[Callable[[str], Any]]:
    """Make clients of either flavour for the emulator; close the blocking ones after."""
    made: list[Any] = []

    def make(flavour: str) -> Any:
        kind = microvm_sdk.Client if flavour == "sync" else microvm_sdk.AsyncClient
        made.append(kind(region_name="us-east-1", endpoint_url=server.endpoint_url))
        return made[-1]

    yield make
    for client in made:
        if isinstance(client, microvm_sdk.Client):
            client.close()


async def call_async(client: microvm_sdk.AsyncClient) -> int:
    """``list_microvms``, then close the connections (they belong to this event loop)."""
    try:
        return len((await client.list_microvms()).items)
    finally:
        await client.close()


def call(client: Any) -> int:
    """``list_microvms`` through either flavour (a new event loop for ``AsyncClient``)."""
    if isinstance(client, microvm_sdk.AsyncClient):
        return asyncio.run(call_async(client))
    return len(client.list_microvms().items)


def calls(client: Any, count: int = 3) -> Callable[[], str]:
    def work() -> str:
        for _ in range(count):
            call(client)
        return f"{count} calls"

    return work


# -- the mechanism --------------------------------------------------------------------


def test_fork_waits_for_a_loading_section_in_another_thread() -> None:
    entered, left = threading.Event(), threading.Event()

    def load() -> None:
        with forks.loading():
            entered.set()
            time.sleep(0.5)
            left.set()

    thread = threading.Thread(target=load)
    thread.start()
    assert entered.wait(10)
    outcome = in_child(lambda: "after" if left.is_set() else "during")
    thread.join()
    assert outcome == "ok: after"


def test_a_thread_inside_a_loading_section_can_fork() -> None:
    with forks.loading(), forks.loading():  # nested, as loading code nests
        assert in_child(lambda: "forked") == "ok: forked"
    with forks.loading():  # the child's exit left the parent's state alone
        pass


def test_loading_sections_in_a_forked_child_work() -> None:
    def work() -> str:
        with forks.loading():
            return in_child(lambda: "grandchild")

    assert in_child(work) == "ok: ok: grandchild"


# -- credentials ------------------------------------------------------------------------


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_fork_during_credential_resolution(
    flavour: str,
    server: LocalServer,
    new_client: Callable[[str], Any],
    tmp_path: Path,
    isolated_aws_env: None,
) -> None:
    keys = server.credentials
    started = tmp_path / "started"
    helper = tmp_path / "slow_credentials.py"
    helper.write_text(
        textwrap.dedent(
            f"""
            import json, pathlib, time
            pathlib.Path({str(started)!r}).touch()
            time.sleep(1.5)
            print(json.dumps({{"Version": 1, "AccessKeyId": {keys["aws_access_key_id"]!r},
                              "SecretAccessKey": {keys["aws_secret_access_key"]!r}}}))
            """
        )
    )
    Path(os.environ["AWS_CONFIG_FILE"]).write_text(
        f"[default]\ncredential_process = {sys.executable} {helper}\n"
    )
    client = new_client(flavour)
    results: list[object] = []
    thread = threading.Thread(target=lambda: results.append(call(client)))
    thread.start()
    deadline = time.monotonic() + 30
    while not started.exists():  # the other thread is now inside credential resolution
        assert time.monotonic() < deadline, "credential_process never ran"
        time.sleep(0.01)
    outcome = in_child(calls(client, 2))
    thread.join()
    assert outcome == "ok: 2 calls"
    assert results == [0]


# -- calls ------------------------------------------------------------------------------


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_fork_during_calls_while_the_parent_keeps_calling(
    flavour: str, new_client: Callable[[str], Any], credentials_file: Path
) -> None:
    client = new_client(flavour)
    stop = threading.Event()
    failures: list[str] = []
    done = [0]

    def sync_caller() -> None:
        while not stop.is_set():
            try:
                call(client)
                done[0] += 1
            except Exception as exc:
                failures.append(repr(exc))

    async def task() -> None:
        while not stop.is_set():
            try:
                await client.list_microvms()
                done[0] += 1
            except Exception as exc:
                failures.append(repr(exc))

    async def tasks() -> None:
        try:
            await asyncio.gather(*(task() for _ in range(8)))
        finally:
            await client.close()

    def async_caller() -> None:
        asyncio.run(tasks())

    caller = sync_caller if flavour == "sync" else async_caller
    threads = [threading.Thread(target=caller) for _ in range(3 if flavour == "sync" else 1)]
    for thread in threads:
        thread.start()
    outcomes = []
    try:
        for _ in range(4):
            time.sleep(random.uniform(0.05, 0.2))
            outcomes.append(in_child(calls(client)))
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert outcomes == ["ok: 3 calls"] * 4
    assert failures == []  # the children left the parent's connections alone
    assert done[0] > 0


def reachable_locks(root: object) -> list[Any]:
    """Every lock in the SDK's objects reachable from ``root``."""
    found: list[Any] = []
    seen: set[int] = set()

    def walk(value: object, depth: int) -> None:
        if id(value) in seen or depth > 8:
            return
        seen.add(id(value))
        if isinstance(value, LOCK_TYPES):
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item, depth + 1)
        elif isinstance(value, list | tuple | set | frozenset):
            for item in value:
                walk(item, depth + 1)
        elif type(value).__module__.startswith("microvm_sdk"):
            names = set(getattr(value, "__dict__", {}))
            for cls in type(value).__mro__:
                slots = cls.__dict__.get("__slots__", ())
                names.update([slots] if isinstance(slots, str) else slots)
            for name in names:
                walk(getattr(value, name, None), depth + 1)

    walk(root, 0)
    return found


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_fork_while_another_thread_holds_every_lock_of_the_client(
    flavour: str, new_client: Callable[[str], Any], credentials_file: Path
) -> None:
    client = new_client(flavour)
    call(client)  # everything built: runtime, credentials, retry quota, transport
    assert client.hooks is client.hooks  # and the hooks registry (built on first use)
    locks = reachable_locks(client)
    assert len(locks) >= 5, locks  # client, runtime, retry quota, transport, hooks at least
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        for lock in locks:
            lock.acquire()
        holding.set()
        release.wait(120)
        for lock in reversed(locks):
            lock.release()

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(10)
    try:
        outcome = in_child(calls(client))
        seen: list[str] = []

        def add_and_remove_hooks() -> str:
            hook = client.hooks.after_response(lambda event: seen.append(event.operation_name))
            call(client)
            client.hooks.remove(hook)
            client.hooks.clear()
            return f"hook saw {seen}"

        hooked = in_child(add_and_remove_hooks)
    finally:
        release.set()
        thread.join()
    assert outcome == "ok: 3 calls"
    assert hooked == "ok: hook saw ['ListMicrovms']"


# -- the first import of the call machinery ---------------------------------------------

FIRST_IMPORTS = [
    ("microvm_sdk.models", "sync", "call"),
    ("microvm_sdk._core.pipeline", "sync", "call"),
    ("microvm_sdk._schema", "sync", "call"),
    ("microvm_sdk._core.converter", "sync", "call"),
    ("microvm_sdk._core.transport", "sync", "call"),
    ("botocore.auth", "sync", "call"),
    ("botocore.session", "sync", "call"),
    ("microvm_sdk._core.paginator", "sync", "paginate"),
    ("jmespath", "sync", "wait"),
    ("microvm_sdk._core.async_pipeline", "async", "call"),
    ("microvm_sdk._core.async_transport", "async", "call"),
    ("microvm_sdk._core.shape_functions", "sync", "call"),
    ("cattrs", "async", "call"),
    ("jmespath", "async", "wait"),
]


@pytest.mark.parametrize(("module", "flavour", "action"), FIRST_IMPORTS)
def test_fork_during_the_first_import_of_the_call_machinery(
    module: str, flavour: str, action: str, server: LocalServer, credentials_file: Path
) -> None:
    script = HERE / "fork_during_import.py"
    run = subprocess.run(
        [sys.executable, str(script), module, flavour, action, server.endpoint_url],
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
        env=dict(os.environ),
    )
    assert run.stdout.splitlines() == ["child: ok", "parent: ok"], run.stdout + run.stderr
    assert run.returncode == 0


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_every_module_imported_on_first_use_is_imported_inside_a_loading_section(
    flavour: str, server: LocalServer, credentials_file: Path
) -> None:
    """The class-wide check behind the test above: no first-use import is unguarded."""
    run = subprocess.run(
        [sys.executable, str(HERE / "first_use_imports.py"), flavour, server.endpoint_url],
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
        env=dict(os.environ),
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == []


def test_the_script_imports_nothing_of_the_call_machinery_before_the_call() -> None:
    probe = (
        "import sys, microvm_sdk\n"
        "print(json.dumps(sorted(m for m, *_ in FIRST if m in sys.modules)))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", f"import json\nFIRST = {FIRST_IMPORTS!r}\n{probe}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(run.stdout) == []
