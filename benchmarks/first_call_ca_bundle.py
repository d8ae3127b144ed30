"""A new client's first call to a plain-HTTP endpoint, with and without ``AWS_CA_BUNDLE``.

Run ``python benchmarks/first_call_ca_bundle.py``. It starts the canned keep-alive
server of ``bench_client.py`` on 127.0.0.1, imports and warms both SDKs with one client
each, then times the first ``get_microvm_image`` of each of ``--clients`` new clients
(median), for microvm-sdk and boto3, once with ``AWS_CA_BUNDLE`` naming the CA bundle
boto3 uses by default and once without it. An ``http://`` endpoint needs no TLS, so the
bundle should cost nothing (the figure behind the CA-bundle note of
``docs/performance.md``). Dummy credentials; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGE_ARN = "arn:aws:lambda:us-east-1:123456789012:microvm-image:bench-image"
KEYS = {"aws_access_key_id": "AK", "aws_secret_access_key": "SK"}


def default_bundle() -> str:
    """The CA bundle boto3 verifies with by default: certifi's, else botocore's."""
    try:
        import certifi

        return str(certifi.where())
    except ImportError:
        import botocore

        return os.path.join(os.path.dirname(botocore.__file__), "cacert.pem")


def first_calls(make: Callable[[], Any], call: Callable[[Any], object], clients: int) -> float:
    """Median seconds of the first call of ``clients`` new clients."""
    times = []
    for _ in range(clients):
        client = make()
        started = time.perf_counter()
        call(client)
        times.append(time.perf_counter() - started)
        close = getattr(client, "close", None)
        if close is not None:
            close()
    return statistics.median(times)


def measure(url: str, clients: int) -> dict[str, float]:
    import boto3

    import microvm_sdk

    def ours() -> Any:
        return microvm_sdk.Client(region_name="us-east-1", endpoint_url=url, **KEYS)

    def theirs() -> Any:
        return boto3.client("lambda-microvms", region_name="us-east-1", endpoint_url=url, **KEYS)

    def our_call(client: Any) -> object:
        return client.get_microvm_image(image_identifier=IMAGE_ARN)

    def their_call(client: Any) -> object:
        return client.get_microvm_image(imageIdentifier=IMAGE_ARN)

    figures: dict[str, float] = {}
    for bundle in (None, default_bundle()):
        os.environ.pop("AWS_CA_BUNDLE", None)
        if bundle is not None:
            os.environ["AWS_CA_BUNDLE"] = bundle
        label = "with AWS_CA_BUNDLE" if bundle else "without"
        for sdk, make, call in (("microvm-sdk", ours, our_call), ("boto3", theirs, their_call)):
            first_calls(make, call, 1)  # imports and first-use work, untimed
            figures[f"{sdk} {label}"] = first_calls(make, call, clients)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20, help="new clients per variant")
    args = parser.parse_args()
    for name in ("AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY"):
        os.environ.pop(name, None)
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    server = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "bench_client.py"), "--serve"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{int(server.stdout.readline())}"
        figures = measure(url, args.clients)
    finally:
        server.kill()
        server.wait()
    print(f"# first call of a new client to {url} (median of {args.clients} clients)")
    print("| variant | first call |")
    print("| --- | ---: |")
    for variant, seconds in figures.items():
        print(f"| {variant} | {seconds * 1e3:.2f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
