"""Fork while another thread makes a client's first call and is inside one of its imports.

Run by ``test_fork_safety.py`` in a fresh interpreter (so nothing is imported yet):

    python fork_during_import.py MODULE FLAVOUR ACTION ENDPOINT

A finder makes the import of MODULE slow (half a second inside its module code), so the
fork lands while it is half done. A thread makes the first call of a client (``call``:
``list_microvms``; ``paginate``; ``wait``: a waiter that succeeds at once); once it is
inside MODULE's import, the main thread forks. The child makes the same call with that
client and with a new one. Prints ``child: ok``, ``child: <error>`` or ``child: hung``,
then ``parent: ok`` or ``parent: <error>``; exits 0 when the child finished in time.
Credentials come from the shared credentials file in the environment (so that botocore's
credential chain, and ``botocore.session``, are part of the first call).
"""

from __future__ import annotations

import asyncio
import faulthandler
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from types import ModuleType
from typing import Any

MODULE, FLAVOUR, ACTION, ENDPOINT = sys.argv[1:5]
IMAGE_ARN = "arn:aws:lambda:us-east-1:123456789012:microvm-image:gone"
inside = threading.Event()


class SlowImport(importlib.abc.MetaPathFinder):
    """Makes the import of MODULE take half a second longer, inside its module code."""

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name != MODULE:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.loader is not None
        run = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            inside.set()
            time.sleep(0.5)
            run(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


sys.meta_path.insert(0, SlowImport())

import microvm_sdk  # noqa: E402 - after the finder; imports none of the call machinery


def new_client() -> Any:
    options = {"region_name": "us-east-1", "endpoint_url": ENDPOINT}
    if FLAVOUR == "sync":
        return microvm_sdk.Client(**options)
    return microvm_sdk.AsyncClient(**options)


async def act_async(client: Any) -> None:
    if ACTION == "call":
        await client.list_microvms()
    elif ACTION == "paginate":
        [item async for item in client.paginate_list_microvms().items()]
    else:
        await client.wait_until_deleted(image_identifier=IMAGE_ARN)


def act(client: Any) -> None:
    if FLAVOUR == "async":
        asyncio.run(act_async(client))
    elif ACTION == "call":
        client.list_microvms()
    elif ACTION == "paginate":
        list(client.paginate_list_microvms().items())
    else:
        client.wait_until_deleted(image_identifier=IMAGE_ARN)


client = new_client()
outcome: list[str] = []


def first_call() -> None:
    try:
        act(client)
        outcome.append("ok")
    except BaseException as exc:
        outcome.append(f"{type(exc).__name__}: {exc}")


thread = threading.Thread(target=first_call)
thread.start()
if not inside.wait(60):
    print(f"{MODULE} was not imported by the first call")
    sys.exit(3)
time.sleep(0.1)  # well inside the import
read, write = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(read)
    # A child that hangs shows where, on stderr, before the parent gives up on it.
    faulthandler.dump_traceback_later(50, exit=True)
    try:
        act(client)
        act(new_client())
        result = "ok"
    except BaseException:
        result = traceback.format_exc()
    os.write(write, result.encode()[:4000])
    os._exit(0)
os.close(write)
deadline = time.monotonic() + 60
while os.waitpid(pid, os.WNOHANG) == (0, 0):
    if time.monotonic() > deadline:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        print("child: hung")
        sys.exit(1)
    time.sleep(0.02)
with os.fdopen(read, "rb") as pipe:
    print("child:", pipe.read().decode())
thread.join()
print("parent:", outcome[0])
