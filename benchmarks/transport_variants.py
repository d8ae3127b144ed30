"""Per-call cost of HTTP transport variants for one CreateMicrovmImage POST.

Run: ``python benchmarks/transport_variants.py [calls] [rounds]``

A keep-alive server on 127.0.0.1 answers every request with a 201 JSON body in one write.
Every variant runs in this process, interleaved round by round; the table shows the median
per-call time over the rounds, its ratio to boto3 (ratios are what to compare: absolute
times depend on the machine) and the CPU the calling thread used per call (user and system
time, the server's threads not counted). Nothing is sent to AWS; the credentials are dummies.
"""

from __future__ import annotations

import http.client
import json
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import boto3
import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.httpsession import URLLib3Session

from microvm_sdk._core.http import HttpRequest
from microvm_sdk._core.transport import HttpClientTransport

REGION = "us-east-1"
PATH = "/2025-09-09/microvm-images"
PARAMS = {
    "name": "bench-image",
    "baseImageArn": "arn:aws:lambda:us-east-1:123456789012:microvm-image:base-al2023",
    "buildRoleArn": "arn:aws:iam::123456789012:role/microvm-build",
    "codeArtifact": {"uri": "s3://bench-bucket/app.zip"},
    "clientToken": "9f1c2d3e-4b5a-6789-abcd-ef0123456789",
}
BODY = json.dumps(PARAMS, separators=(",", ":")).encode()
RESPONSE_BODY = json.dumps(
    {
        "imageArn": "arn:aws:lambda:us-east-1:123456789012:microvm-image:bench-image",
        "name": "bench-image",
        "state": "CREATING",
        "createdAt": 1767225600.0,
        "baseImageArn": PARAMS["baseImageArn"],
        "buildRoleArn": PARAMS["buildRoleArn"],
        "codeArtifact": PARAMS["codeArtifact"],
        "imageVersion": "1",
    }
).encode()
RESPONSE = (
    b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
    b"x-amzn-RequestId: 00000000-0000-0000-0000-000000000000\r\n"
    b"Content-Length: %d\r\n\r\n%s" % (len(RESPONSE_BODY), RESPONSE_BODY)
)
CREDENTIALS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")


def start_server() -> int:
    """Start a keep-alive server that answers each request with RESPONSE in one write."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve(conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b""
        with conn:
            while True:
                while (end := buf.find(b"\r\n\r\n")) < 0:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buf += data
                length = 0
                for line in buf[:end].split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(buf) < end + 4 + length:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buf += data
                buf = buf[end + 4 + length :]
                conn.sendall(RESPONSE)

    def accept() -> None:
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return int(listener.getsockname()[1])


def signed(url: str) -> AWSRequest:
    request = AWSRequest("POST", url, data=BODY, headers={"Content-Type": "application/json"})
    SigV4Auth(CREDENTIALS, "lambda", REGION).add_auth(request)
    return request


def variants(port: int) -> dict[str, Callable[[], None]]:
    base = f"http://127.0.0.1:{port}"
    url = base + PATH

    client = boto3.client(
        "lambda-microvms",
        endpoint_url=base,
        region_name=REGION,
        aws_access_key_id=CREDENTIALS.access_key,
        aws_secret_access_key=CREDENTIALS.secret_key,
    )

    def boto3_call() -> None:
        client.create_microvm_image(**PARAMS)

    session = URLLib3Session(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])

    def urllib3_session() -> None:
        assert session.send(signed(url).prepare()).status_code == 201

    pool = urllib3.HTTPConnectionPool("127.0.0.1", port, maxsize=1)

    def urllib3_pool() -> None:
        request = signed(url)
        assert pool.urlopen("POST", PATH, body=BODY, headers=dict(request.headers)).status == 201

    transport = HttpClientTransport(proxies={})

    def ours_signed() -> None:
        request = signed(url)
        sent = HttpRequest("POST", url, dict(request.headers.items()), BODY)
        assert transport.send(sent).status == 201

    def ours_unsigned() -> None:
        sent = HttpRequest("POST", url, {"Content-Type": "application/json"}, BODY)
        assert transport.send(sent).status == 201

    conn = http.client.HTTPConnection("127.0.0.1", port)

    def bare() -> None:
        conn.request("POST", PATH, BODY, {"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        assert response.status == 201

    return {
        "boto3 create_microvm_image": boto3_call,
        "botocore URLLib3Session (TCP_NODELAY) + SigV4": urllib3_session,
        "urllib3 HTTPConnectionPool.urlopen + SigV4": urllib3_pool,
        "HttpClientTransport + SigV4 (botocore SigV4Auth)": ours_signed,
        "HttpClientTransport, unsigned": ours_unsigned,
        "bare http.client keep-alive, unsigned": bare,
    }


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    port = start_server()
    runs = variants(port)
    for run in runs.values():  # warm-up: connections, caches, lazy imports
        for _ in range(20):
            run()
    times: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    ratios: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        this_round: dict[str, float] = {}
        for name, run in runs.items():
            start, start_cpu = time.perf_counter(), time.thread_time()
            for _ in range(calls):
                run()
            # The calling thread's CPU only: the server's threads are not counted.
            cpu[name].append((time.thread_time() - start_cpu) / calls * 1e6)
            this_round[name] = (time.perf_counter() - start) / calls * 1e6
            times[name].append(this_round[name])
        reference = this_round["boto3 create_microvm_image"]
        for name, value in this_round.items():
            ratios[name].append(value / reference)
    print(f"{calls} calls x {rounds} rounds, median per call; ratio = variant / boto3, per round")
    print()
    print("| variant | per call | x boto3 | caller's CPU per call |")
    print("|---|---:|---:|---:|")
    for name in runs:
        median = statistics.median(times[name])
        ratio, used = statistics.median(ratios[name]), statistics.median(cpu[name])
        print(f"| {name} | {median:.0f} us | {ratio:.2f} | {used:.0f} us |")


if __name__ == "__main__":
    main()
