"""Who may reach the emulator: Host and Origin checks, the admin API's rules, the token.

A web page must not be able to drive the emulator: not with a cross-origin request that
needs no CORS preflight (a ``text/plain`` or form POST, a foreign ``Origin``), and not
through DNS rebinding (its own host name resolving to 127.0.0.1). Sensitive values are
never served in plain text on a path without authentication. Listening beyond loopback
needs the admin token. Every admin endpoint is checked against every hostile variant,
and nothing may have changed afterwards.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from microvm_sdk import Client, Config, models
from microvm_sdk.local import LocalServer

BASE_ARN = "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1"
ROLE_ARN = "arn:aws:iam::000000000000:role/build"
SECRET = "sk-live-QXZJVK-do-not-leak"

# (method, path, body) of every admin endpoint
ADMIN = [
    ("GET", "/_microvm_local/health", None),
    ("GET", "/_microvm_local/faults", None),
    ("POST", "/_microvm_local/faults", {"type": "throttle", "operations": ["ListMicrovms"]}),
    ("POST", "/_microvm_local/faults", {"seed": 3}),
    ("DELETE", "/_microvm_local/faults", None),
    ("DELETE", "/_microvm_local/faults/some-id", None),
    ("GET", "/_microvm_local/clock", None),
    ("POST", "/_microvm_local/clock/advance", {"seconds": 3600}),
    ("POST", "/_microvm_local/reset", None),
    ("GET", "/_microvm_local/state", None),
    ("POST", "/_microvm_local/state/save", None),
]
CHANGES = [entry for entry in ADMIN if entry[0] != "GET"]

# Cross-origin variants a web page can send without a CORS preflight, or through DNS
# rebinding (its own name in Host).
HOSTILE: dict[str, dict[str, str]] = {
    "rebound-host": {"Host": "attacker.example:7878"},
    "rebound-host-no-port": {"Host": "attacker.example"},
    "foreign-origin": {"Origin": "https://attacker.example"},
    "null-origin": {"Origin": "null"},
    "cross-site-fetch": {"Sec-Fetch-Site": "cross-site"},
    "text-plain": {"Content-Type": "text/plain"},
    "form": {"Content-Type": "application/x-www-form-urlencoded"},
    "multipart": {"Content-Type": "multipart/form-data; boundary=x"},
    "no-content-type": {"Content-Type": ""},
}


def raw_request(
    server: LocalServer, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    """One request with exactly these headers (no Content-Type or Host added)."""
    lines = [f"{method} {path} HTTP/1.1"]
    if "Host" not in headers:
        lines.append(f"Host: 127.0.0.1:{server.port}")
    lines += [f"{name}: {value}" for name, value in headers.items() if value != ""]
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall("\r\n".join(lines).encode() + body)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, payload = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    header_lines = head.decode("latin-1").split("\r\n")[1:]
    parsed = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in header_lines)}
    return status, parsed, payload


def client_for(server: LocalServer) -> Client:
    return Client(**server.client_kwargs, config=Config(max_attempts=1))


def create_image(server: LocalServer, name: str = "app") -> str:
    with client_for(server) as client:
        return client.create_microvm_image(
            name=name,
            base_image_arn=BASE_ARN,
            build_role_arn=ROLE_ARN,
            code_artifact=models.CodeArtifactUri(value="s3://bucket/code.zip"),
            environment_variables={"API_KEY": SECRET},
        ).image_arn


def observable(server: LocalServer) -> Any:
    """Everything an admin request could change."""
    return (
        json.dumps(server.backend.to_json(), sort_keys=True),
        [rule.to_json() for rule in server.faults.rules],
        server.clock.now(),
    )


@pytest.fixture
def server(isolated_aws: None, tmp_path: Path) -> Iterator[LocalServer]:
    with LocalServer(profile="manual", state_file=tmp_path / "state.json") as running:
        create_image(running)
        yield running


# -- the class: every admin endpoint x every hostile variant --------------------------------


@pytest.mark.parametrize("variant", sorted(HOSTILE))
@pytest.mark.parametrize(
    ("method", "path", "body"), CHANGES, ids=[f"{m} {p}" for m, p, _ in CHANGES]
)
def test_no_hostile_variant_changes_anything(
    server: LocalServer,
    tmp_path: Path,
    variant: str,
    method: str,
    path: str,
    body: Any,
) -> None:
    state_file = tmp_path / "state.json"
    server.save_state()
    before, file_before = observable(server), state_file.read_bytes()
    headers = {"Content-Type": "application/json", **HOSTILE[variant]}
    payload = b"" if body is None else json.dumps(body).encode()
    status, _, answer = raw_request(server, method, path, headers, payload)
    assert status in (403, 415), (status, answer)
    assert observable(server) == before
    assert state_file.read_bytes() == file_before


@pytest.mark.parametrize("variant", ["rebound-host", "rebound-host-no-port", "foreign-origin"])
@pytest.mark.parametrize("path", ["/_microvm_local/state", "/_microvm_local/health"])
def test_rebinding_or_foreign_pages_read_nothing(
    server: LocalServer, variant: str, path: str
) -> None:
    status, headers, answer = raw_request(server, "GET", path, HOSTILE[variant])
    assert status == 403
    assert headers["x-amzn-errortype"] == "AccessDeniedException"
    assert SECRET.encode() not in answer
    assert b"accountId" not in answer


def test_the_service_api_also_checks_host_and_origin(server: LocalServer, raw: Any) -> None:
    # A page that rebinds its name could sign requests with the well-known test keys.
    for variant in ("rebound-host", "foreign-origin"):
        status, headers, _ = raw(
            server, "GET", "/2025-09-09/microvm-images", headers=HOSTILE[variant]
        )
        assert status == 403
        assert headers["x-amzn-errortype"] == "AccessDeniedException"


# -- what is still allowed -------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.0.0.1:{port}", "localhost", "localhost:{port}", "LOCALHOST.:{port}"],
)
def test_local_names_and_any_port_are_accepted(server: LocalServer, host: str) -> None:
    status, _, _ = raw_request(
        server, "GET", "/_microvm_local/health", {"Host": host.format(port=server.port)}
    )
    assert status == 200


def test_same_machine_origins_are_accepted(server: LocalServer) -> None:
    for origin in ("http://localhost:3000", "http://127.0.0.1:8080", "http://[::1]:5173"):
        status, _, _ = raw_request(server, "GET", "/_microvm_local/health", {"Origin": origin})
        assert status == 200, origin


def test_json_admin_requests_work_unchanged(server: LocalServer) -> None:
    status, _, answer = raw_request(
        server,
        "POST",
        "/_microvm_local/clock/advance",
        {"Content-Type": "application/json; charset=utf-8"},
        b'{"seconds": 5}',
    )
    assert status == 200, answer


def test_http10_without_host_is_served_and_http11_without_host_is_refused(
    server: LocalServer,
) -> None:
    for version, expected in ((b"HTTP/1.0", b" 200 "), (b"HTTP/1.1", b" 403 ")):
        with socket.create_connection((server.host, server.port), timeout=10) as sock:
            sock.sendall(b"GET /_microvm_local/health " + version + b"\r\n\r\n")
            assert expected in sock.recv(65536).split(b"\r\n", 1)[0]


def test_allowed_hosts(isolated_aws: None) -> None:
    with LocalServer(allowed_hosts=["emulator"]) as named:
        assert raw_request(named, "GET", "/_microvm_local/health", {"Host": "emulator:1"})[0] == 200
        assert raw_request(named, "GET", "/_microvm_local/health", {"Host": "other"})[0] == 403
    with LocalServer(allowed_hosts=["*"]) as anything:
        assert raw_request(anything, "GET", "/_microvm_local/health", {"Host": "other"})[0] == 200


# -- sensitive values ----------------------------------------------------------------------


def test_state_without_the_token_hides_sensitive_values(server: LocalServer) -> None:
    status, _, answer = raw_request(server, "GET", "/_microvm_local/state", {})
    assert status == 200
    assert SECRET.encode() not in answer
    state = json.loads(answer)
    assert '"API_KEY": "***"' in json.dumps(state)  # keys stay, values are hidden
    status, _, answer = raw_request(
        server,
        "GET",
        "/_microvm_local/state",
        {"Authorization": f"Bearer {server.admin_token}"},
    )
    assert status == 200
    assert SECRET.encode() in answer
    wrong = {"Authorization": "Bearer not-the-token"}
    assert SECRET.encode() not in raw_request(server, "GET", "/_microvm_local/state", wrong)[2]


def test_the_state_file_is_private(server: LocalServer, tmp_path: Path) -> None:
    server.save_state()
    assert (tmp_path / "state.json").stat().st_mode & 0o077 == 0


# -- beyond loopback: say so, and require the token ------------------------------------------


def test_listening_beyond_loopback_warns_and_requires_the_token(
    isolated_aws: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="microvm_sdk.local")
    with LocalServer(host="0.0.0.0") as exposed:
        assert not exposed.loopback_only
        assert exposed.admin_token_required
        assert any("beyond this machine's loopback" in r.getMessage() for r in caplog.records)
        assert exposed.admin_token not in caplog.text
        health = "/_microvm_local/health"
        assert raw_request(exposed, "GET", health, {"Host": "127.0.0.1"})[0] == 401
        token = {"Host": "127.0.0.1", "Authorization": f"Bearer {exposed.admin_token}"}
        assert raw_request(exposed, "GET", health, token)[0] == 200
        reset = {**token, "Content-Type": "application/json"}
        assert raw_request(exposed, "POST", "/_microvm_local/reset", reset)[0] == 200
        # The service API needs no token, only a signature.
        with Client(
            endpoint_url=f"http://127.0.0.1:{exposed.port}",
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(max_attempts=1),
        ) as client:
            assert client.list_microvms().items == ()


def test_a_given_token_is_required_on_loopback_too(isolated_aws: None) -> None:
    with LocalServer(admin_token="s3cret-token") as guarded:
        assert guarded.admin_token_required
        assert raw_request(guarded, "GET", "/_microvm_local/health", {})[0] == 401
        auth = {"Authorization": "Bearer s3cret-token"}
        assert raw_request(guarded, "GET", "/_microvm_local/health", auth)[0] == 200


def test_loopback_needs_no_extra_step(isolated_aws: None) -> None:
    with LocalServer() as local:
        assert local.loopback_only
        assert not local.admin_token_required
        assert raw_request(local, "GET", "/_microvm_local/health", {})[0] == 200


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("max_connections", 0),
        ("max_connections", 10**6),
        ("idle_timeout", float("nan")),
        ("request_timeout", -1),
        ("idle_timeout", 1e12),
        ("allowed_hosts", "localhost"),
        ("admin_token", ""),
        ("port", 70000),
        ("port", -1),
    ],
)
def test_bad_server_options_name_the_option(option: str, value: Any) -> None:
    with pytest.raises(ValueError, match=option):
        LocalServer(**{option: value})


@pytest.mark.parametrize(
    "args",
    [["--port", "70000"], ["--idle-timeout", "nan"], ["--max-connections", "0"]],
)
def test_serve_names_the_bad_option(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from microvm_sdk.local import serve_main

    with pytest.raises(SystemExit) as caught:
        serve_main(args)
    assert caught.value.code == 2
    assert f"error: {args[0]} must be" in capsys.readouterr().err


def test_serve_beyond_loopback_prints_a_warning_and_the_token(tmp_path: Path) -> None:
    env = {
        "PATH": os.defpath,
        "HOME": str(tmp_path),
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "microvm_sdk.local", "--host", "0.0.0.0", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        assert "listening on http://0.0.0.0:" in process.stdout.readline()
        warning = [process.stderr.readline() for _ in range(3)]
    finally:
        process.terminate()
        process.communicate(timeout=20)
    assert warning[0].startswith("WARNING: the emulator listens on 0.0.0.0, beyond this")
    assert "requires this token" in warning[1]
    assert warning[2].strip().startswith("Authorization: Bearer ")
    assert process.returncode == 0
