"""Tracing in fresh interpreters: the global tracer provider, and no OpenTelemetry at all.

Each test runs a small program against a ``LocalServer`` in a new interpreter, so what
it imports and which tracer provider is installed are its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PRELUDE = """
import json, os, sys
os.environ.update(AWS_ACCESS_KEY_ID="AK", AWS_SECRET_ACCESS_KEY="SK", AWS_REGION="us-east-1",
                  AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
                  AWS_EC2_METADATA_DISABLED="true")
from microvm_sdk import Client, AsyncClient
from microvm_sdk.local import LocalServer
BASE = "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1"
"""


def run(code: str) -> dict[str, object]:
    """Run PRELUDE + ``code``; the program prints one JSON object last."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PRELUDE) + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found: dict[str, object] = json.loads(result.stdout.splitlines()[-1])
    return found


def test_a_provider_installed_after_the_client_was_made_gets_the_spans() -> None:
    pytest.importorskip("opentelemetry.sdk.trace")
    found = run(
        """
        import asyncio
        with LocalServer() as server:
            client = Client(**server.client_kwargs)
            client.list_microvm_images()  # before any provider: nothing to record
            from opentelemetry import trace
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import SimpleSpanProcessor
            from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
                InMemorySpanExporter,
            )
            exporter = InMemorySpanExporter()
            provider = TracerProvider()
            provider.add_span_processor(SimpleSpanProcessor(exporter))
            trace.set_tracer_provider(provider)
            client.list_microvm_images()

            async def main():
                async with AsyncClient(**server.client_kwargs) as aclient:
                    await aclient.list_microvm_images()

            asyncio.run(main())
        spans = exporter.get_finished_spans()
        print(json.dumps({
            "names": [s.name for s in spans],
            "kinds": [s.kind.name for s in spans],
            "scope": [s.instrumentation_scope.name for s in spans],
        }))
        """
    )
    assert found == {
        "names": ["Lambda Microvms.ListMicrovmImages"] * 2,
        "kinds": ["CLIENT", "CLIENT"],
        "scope": ["microvm_sdk", "microvm_sdk"],
    }


def test_without_opentelemetry_nothing_tries_to_import_it() -> None:
    found = run(
        """
        import importlib.abc, asyncio
        from microvm_sdk.models import CodeArtifactUri

        tried = []

        class Refuse(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "opentelemetry":
                    tried.append(name)
                    raise ModuleNotFoundError(f"No module named {name!r}", name=name)
                return None

        sys.meta_path.insert(0, Refuse())
        with LocalServer() as server:
            client = Client(**server.client_kwargs)
            image = client.create_microvm_image(
                name="traced", base_image_arn=BASE,
                build_role_arn="arn:aws:iam::123456789012:role/build",
                code_artifact=CodeArtifactUri(value="s3://bucket/app.zip"),
            )
            client.wait_until_created(image_identifier=image.image_arn, min_delay=0.01,
                                      max_delay=0.05, timeout=60)
            pages = len(list(client.paginate_list_microvm_images().pages()))

            async def main():
                async with AsyncClient(**server.client_kwargs) as aclient:
                    await aclient.get_microvm_image(image_identifier=image.image_arn)

            asyncio.run(main())
        print(json.dumps({"tried": tried, "pages": pages,
                          "loaded": sorted(m for m in sys.modules if "opentelemetry" in m)}))
        """
    )
    assert found == {"tried": [], "pages": 1, "loaded": []}


def test_an_application_that_has_not_imported_opentelemetry_does_not_load_it() -> None:
    pytest.importorskip("opentelemetry")
    found = run(
        """
        with LocalServer() as server:
            Client(**server.client_kwargs).list_microvm_images()
        print(json.dumps({"loaded": sorted(m for m in sys.modules if "opentelemetry" in m)}))
        """
    )
    assert found == {"loaded": []}


def test_the_tracing_example_of_the_production_guide_runs() -> None:
    # The guide's block installs the process-wide tracer provider, so the documentation
    # test (which runs blocks in its own process) leaves it to this fresh interpreter.
    pytest.importorskip("opentelemetry.sdk.trace")
    guide = (Path(__file__).resolve().parents[2] / "docs" / "production.md").read_text()
    marker = guide.index("tests/client/test_tracing_process.py runs this block")
    start = guide.index("```python\n", marker) + len("```python\n")
    block = guide[start : guide.index("```\n", start)]
    found = run(
        """
        import contextlib, io
        with LocalServer() as server:
            os.environ["AWS_ENDPOINT_URL_LAMBDA_MICROVMS"] = server.endpoint_url
            os.environ["AWS_ACCESS_KEY_ID"] = server.access_key
            os.environ["AWS_SECRET_ACCESS_KEY"] = server.secret_key
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(BLOCK, "production.md", "exec"), {"__name__": "__docs__"})
        print(json.dumps({"lines": out.getvalue().splitlines()}))
        """.replace("BLOCK", repr(block))
    )
    lines = found["lines"]
    assert isinstance(lines, list)
    assert lines[-3:-1] == [
        "Lambda Microvms.ListMicrovmImages CLIENT " + lines[-3].rsplit(" ", 1)[-1],
        "Lambda Microvms.paginate_list_microvm_images INTERNAL None",
    ]
    assert len(lines[-3].rsplit(" ", 1)[-1]) >= 8  # the request id
    assert lines[-1] == "nightly-cleanup INTERNAL None"
