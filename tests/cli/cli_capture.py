"""A capture server on 127.0.0.1 that both CLIs talk to, and canned service responses.

The server records each request (method, decoded path, query pairs, JSON body) and
answers with a plausible response for the operation the path and method name, shaped
like the live service's answers: epoch-second timestamps, explicit ``null`` members and
members the model does not know.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from microvm_sdk._schema import SCHEMA

REPO = Path(__file__).resolve().parents[2]
MODEL_DIR = REPO / "service-model" / "lambda-microvms" / "2025-09-09"

ACCOUNT = "123456789012"
REGION = "us-east-1"
IMAGE_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:microvm-image:my-app"
BASE_ARN = f"arn:aws:lambda:{REGION}:aws:microvm-image:al2023-python"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/build-role"
CREATED_AT = 1767225600.123
UPDATED_AT = 1767229200.5


@dataclass
class Result:
    """What a CLI run produced."""

    code: int
    stdout: str
    stderr: str


@dataclass
class Captured:
    """One request as the server saw it."""

    operation: str
    method: str
    path: str
    query: list[tuple[str, str]]
    body: Any
    headers: dict[str, str]


@dataclass
class CaptureServer:
    """Records requests; answers through ``responder`` (canned responses by default)."""

    requests: list[Captured] = field(default_factory=list)
    responder: Callable[[Captured], tuple[int, Any]] | None = None
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> CaptureServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                path = unquote(split.path)
                body: Any = None
                if raw:
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        body = raw.decode("utf-8", "replace")
                captured = Captured(
                    operation=route(self.command, path),
                    method=self.command,
                    path=path,
                    query=sorted(parse_qsl(split.query, keep_blank_values=True)),
                    body=body,
                    headers={k.lower(): v for k, v in self.headers.items()},
                )
                owner.requests.append(captured)
                responder = owner.responder or canned_response
                status, payload = responder(captured)
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("x-amzn-RequestId", "11111111-2222-3333-4444-555555555555")
                if status >= 400 and isinstance(payload, dict) and "__type" in payload:
                    self.send_header("x-amzn-ErrorType", str(payload["__type"]))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def take(self) -> list[Captured]:
        taken = list(self.requests)
        self.requests.clear()
        return taken


def _route_table() -> list[tuple[str, re.Pattern[str], str]]:
    table = []
    for op in SCHEMA.operations.values():
        pattern = re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(op.uri.split("?")[0]))
        table.append((op.method, re.compile(f"^{pattern}$"), op.name))
    # Longer templates first, so ".../versions/{v}" wins over ".../{id}".
    table.sort(key=lambda item: -len(item[1].pattern))
    return table


_ROUTES = _route_table()


def route(method: str, path: str) -> str:
    """The operation a request is for (``Unknown`` if none matches)."""
    for op_method, pattern, name in _ROUTES:
        if op_method == method and pattern.match(path):
            return name
    return "Unknown"


def image(state: str = "CREATING", **extra: Any) -> dict[str, Any]:
    """A recorded-style CreateMicrovmImage answer: nulls and unmodeled members included."""
    body: dict[str, Any] = {
        "id": "0b7e6a4c-5f52-4b8e-9d43-5a3c2f1e9a10",
        "state": state,
        "imageArn": IMAGE_ARN,
        "name": "my-app",
        "latestActiveImageVersion": None,
        "latestFailedImageVersion": None,
        "createdAt": CREATED_AT,
        "baseImageArn": BASE_ARN,
        "baseImageVersion": None,
        "buildRoleArn": ROLE_ARN,
        "description": "Shop front ☕ — café",
        "codeArtifact": {"uri": "s3://my-bucket/app.zip"},
        "logging": {"cloudWatch": {"logGroup": "/aws/lambda/microvms/my-app", "logStream": None}},
        "cpuConfigurations": [{"architecture": "ARM_64"}],
        "resources": [{"minimumMemoryInMiB": 2048}],
        "additionalOsCapabilities": [],
        "hooks": {"port": 8080, "microvmHooks": {"run": "ENABLED", "runTimeoutInSeconds": 30}},
        "environmentVariables": {"STAGE": "prod", "GREETING": "grüß dich"},
        "tags": {"team": "web", "名前": "値"},
        "buildPhaseOverrides": None,
        "roleConfiguration": {"mode": "default"},
        "updatedAt": UPDATED_AT,
        "imageVersion": "1.0",
    }
    body.update(extra)
    return body


def image_summary(name: str, index: int) -> dict[str, Any]:
    return {
        "imageArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:microvm-image:{name}",
        "name": name,
        "state": "CREATED" if index % 2 == 0 else "CREATE_FAILED",
        "latestActiveImageVersion": "1.0" if index % 2 == 0 else None,
        "latestFailedImageVersion": None if index % 2 == 0 else "1.0",
        "createdAt": CREATED_AT + index,
        "id": f"id-{index}",
    }


def microvm(state: str = "PENDING") -> dict[str, Any]:
    return {
        "microvmId": "microvm-3f0c2b9e-8a51-4d7f-b6a2-0e4c1d9f7b35",
        "state": state,
        "endpoint": "https://microvm-3f0c2b9e.lambda-microvm.us-east-1.on.aws",
        "imageArn": IMAGE_ARN,
        "imageVersion": "1.0",
        "executionRoleArn": None,
        "idlePolicy": {
            "maxIdleDurationSeconds": 300,
            "suspendedDurationSeconds": 3600,
            "autoResumeEnabled": True,
        },
        "maximumDurationInSeconds": 28800,
        "startedAt": CREATED_AT,
        "terminatedAt": None,
        "stateReason": None,
        "terminationReasonCode": None,
        "ingressNetworkConnectors": [],
        "egressNetworkConnectors": ["arn:aws:lambda:us-east-1:123456789012:network-connector:nc1"],
    }


def version(state: str = "SUCCESSFUL") -> dict[str, Any]:
    body = image()
    for key in ("name", "state", "latestActiveImageVersion", "latestFailedImageVersion", "id"):
        body.pop(key)
    body.update(
        {
            "state": state,
            "status": "ACTIVE",
            "stateReason": None,
            "versionStateTimeBucket": "SUCCESSFUL#26073006",
        }
    )
    return body


def build(build_id: str, generation: str, state: str = "SUCCESSFUL") -> dict[str, Any]:
    return {
        "imageArn": IMAGE_ARN,
        "imageVersion": "1.0",
        "buildId": build_id,
        "buildState": state,
        "architecture": "ARM_64",
        "chipset": "GRAVITON",
        "chipsetGeneration": generation,
        "stateReason": None if state == "SUCCESSFUL" else "The container image build failed.",
        "terminationReasonCode": None,
        "createdAt": CREATED_AT + 60,
    }


LIST_PAGES = {
    None: ([image_summary("alpha", 0), image_summary("beta", 1)], "tok-2"),
    "tok-2": ([image_summary("gamma", 2), image_summary("delta", 3)], "tok-3"),
    "tok-3": ([image_summary("epsilon", 4)], None),
}


def canned_response(request: Captured) -> tuple[int, Any]:
    """A plausible answer for ``request``'s operation."""
    op = request.operation
    query = dict(request.query)
    if op == "CreateMicrovmImage":
        return 201, image()
    if op == "UpdateMicrovmImage":
        return 200, image("UPDATING", imageVersion="2.0", latestActiveImageVersion="1.0")
    if op == "GetMicrovmImage":
        return 200, {
            key: image("CREATED")[key]
            for key in (
                "imageArn",
                "name",
                "state",
                "latestActiveImageVersion",
                "latestFailedImageVersion",
                "createdAt",
                "tags",
                "updatedAt",
                "id",
            )
        }
    if op == "DeleteMicrovmImage":
        return 200, {"imageIdentifier": IMAGE_ARN, "state": "DELETING"}
    if op == "DeleteMicrovmImageVersion":
        return 200, {"imageIdentifier": IMAGE_ARN, "imageVersion": "1.0", "state": "DELETING"}
    if op in ("GetMicrovmImageVersion", "UpdateMicrovmImageVersion"):
        return 200, version()
    if op == "GetMicrovmImageBuild":
        return 200, {
            **build("b-1", "4"),
            "snapshotBuild": {
                "memorySnapshotSizeInBytes": 609087488,
                "codeInstallSizeInBytes": 186400768,
                "diskSnapshotSizeInBytes": 25600000,
            },
        }
    if op == "ListMicrovmImageBuilds":
        return 200, {"items": [build("b-2", "4"), build("b-1", "3")], "nextToken": None}
    if op == "ListMicrovmImageVersions":
        return 200, {"items": [version(), version("FAILED")], "nextToken": None}
    if op == "ListMicrovmImages":
        items, token = LIST_PAGES.get(query.get("nextToken"), ([], None))
        limit = query.get("maxResults")
        if limit is not None:
            items = items[: int(limit)]
        return 200, {"items": items, "nextToken": token}
    if op == "ListManagedMicrovmImages":
        return 200, {
            "items": [
                {
                    "imageArn": BASE_ARN,
                    "name": "al2023-python",
                    "description": "Amazon Linux 2023 with Python",
                    "createdAt": CREATED_AT,
                }
            ]
        }
    if op == "ListManagedMicrovmImageVersions":
        return 200, {
            "items": [
                {
                    "imageArn": BASE_ARN,
                    "imageVersion": "2026.1",
                    "status": "AVAILABLE",
                    "supportedCpuConfigurations": [{"architecture": "ARM_64"}],
                    "createdAt": CREATED_AT,
                    "updatedAt": None,
                }
            ],
            "nextToken": None,
        }
    if op in ("RunMicrovm", "GetMicrovm"):
        return 200, microvm("PENDING" if op == "RunMicrovm" else "RUNNING")
    if op == "ListMicrovms":
        vm = microvm("RUNNING")
        return 200, {
            "items": [
                {
                    key: vm[key]
                    for key in ("microvmId", "state", "imageArn", "imageVersion", "startedAt")
                }
            ],
            "nextToken": None,
        }
    if op in ("SuspendMicrovm", "ResumeMicrovm", "TerminateMicrovm"):
        return 200, {}
    if op in ("CreateMicrovmAuthToken", "CreateMicrovmShellAuthToken"):
        return 200, {"authToken": {"token": "secret-token-value", "expiresAt": "1767229200"}}
    if op == "ListTags":
        return 200, {"Tags": {"team": "web", "env": "prod"}}
    if op in ("TagResource", "UntagResource"):
        return 204, None
    return 404, {"__type": "UnknownOperationException", "message": f"no route for {request.path}"}
