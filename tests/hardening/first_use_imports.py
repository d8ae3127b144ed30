"""Print every module a client imports on first use outside a loading section.

Run by ``test_fork_safety.py`` in a fresh interpreter:

    python first_use_imports.py FLAVOUR ENDPOINT

It constructs a client (what construction imports is not counted), then records each
module imported from then on, with whether the importing thread was inside
``forks.loading()``, while the client makes its first call, pages through a list and
runs a waiter. It prints one JSON list: the modules imported outside, which a fork in
another thread could leave half imported. Credentials come from the environment's
shared credentials file, so botocore's credential chain is part of the first call.
"""

from __future__ import annotations

import asyncio
import importlib.abc
import importlib.machinery
import json
import sys
import threading
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import microvm_sdk
from microvm_sdk._core import forks

FLAVOUR, ENDPOINT = sys.argv[1:3]
IMAGE_ARN = "arn:aws:lambda:us-east-1:123456789012:microvm-image:gone"
outside: list[str] = []


class Recorder(importlib.abc.MetaPathFinder):
    """Notes each module about to be imported by a thread outside a loading section."""

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if threading.get_ident() not in forks._state.inside:
            outside.append(name)
        return None  # the other finders find it


options: dict[str, Any] = {"region_name": "us-east-1", "endpoint_url": ENDPOINT}
if FLAVOUR == "sync":
    client = microvm_sdk.Client(**options)
    sys.meta_path.insert(0, Recorder())
    client.list_microvms()
    list(client.paginate_list_microvms().items())
    client.wait_until_deleted(image_identifier=IMAGE_ARN)
else:

    async def main() -> None:
        client = microvm_sdk.AsyncClient(**options)
        sys.meta_path.insert(0, Recorder())
        async with client:
            await client.list_microvms()
            [item async for item in client.paginate_list_microvms().items()]
            await client.wait_until_deleted(image_identifier=IMAGE_ARN)

    asyncio.run(main())
print(json.dumps(sorted(set(outside))))
