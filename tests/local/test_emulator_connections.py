"""Connections are bounded, idle and slow clients time out, and the server keeps serving.

Idle and half-open connections cost no thread; one connection beyond the limit is
answered 503 at once; a client that stops half-way through a request gets 408; when no
thread can be started the request gets 503 and the server keeps accepting; running out
of file descriptors pauses accepting, never ends it; and ``running`` and the CLI say
when the server has stopped serving.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from microvm_sdk import Client, Config
from microvm_sdk.local import LocalServer
from microvm_sdk.local import _http as http_module

HEALTH = b"GET /_microvm_local/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def connect(server: LocalServer) -> socket.socket:
    return socket.create_connection((server.host, server.port), timeout=10)


def status_of(sock: socket.socket, request: bytes = HEALTH) -> int:
    sock.sendall(request)
    head = sock.recv(65536)
    return int(head.split(b" ", 2)[1]) if head else 0


def healthy(server: LocalServer) -> bool:
    with connect(server) as sock:
        return status_of(sock) == 200


def wait_for(condition: Any, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_idle_connections_cost_no_thread_and_block_no_one(isolated_aws: None) -> None:
    with LocalServer() as server:
        threads_before = threading.active_count()
        idle = [connect(server) for _ in range(150)]
        half_open = [connect(server) for _ in range(50)]
        for sock in half_open:
            sock.sendall(b"POST /2025-09-09/microvm-images HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        try:
            assert wait_for(
                lambda: server._http is not None and server._http.connection_count >= 200
            )
            with Client(**server.client_kwargs, config=Config(max_attempts=1)) as client:
                for _ in range(20):
                    client.list_microvms()
            # No thread per connection: a handful of workers at most.
            assert threading.active_count() - threads_before < 40
        finally:
            for sock in idle + half_open:
                sock.close()


def test_one_connection_beyond_the_limit_is_answered_503(isolated_aws: None) -> None:
    with LocalServer(max_connections=20) as server:
        held = [connect(server) for _ in range(20)]
        try:
            assert wait_for(
                lambda: server._http is not None and server._http.connection_count == 20
            )
            with connect(server) as extra:
                answer = extra.recv(65536)
            assert answer.startswith(b"HTTP/1.1 503 ")
            assert b"Too many connections" in answer
        finally:
            for sock in held[:5]:
                sock.close()
        try:
            # Room again: served as usual.
            assert wait_for(lambda: healthy(server))
        finally:
            for sock in held[5:]:
                sock.close()


def test_idle_connections_are_closed_after_the_idle_timeout(isolated_aws: None) -> None:
    with LocalServer(idle_timeout=0.5) as server, connect(server) as sock:
        assert status_of(sock) == 200
        sock.settimeout(10)
        started = time.monotonic()
        assert sock.recv(1) == b""  # the server closed it
        assert time.monotonic() - started < 8


def test_a_client_that_stalls_mid_request_gets_408(isolated_aws: None) -> None:
    with LocalServer(request_timeout=0.5) as server:
        with connect(server) as sock:
            sock.sendall(b"GET /_microvm_local/health HTTP/1.1\r\nHost: 12")
            assert sock.recv(65536).startswith(b"HTTP/1.1 408 ")
        with connect(server) as sock:
            # A body that never comes, and a byte-at-a-time head slower than the limit.
            sock.sendall(
                b"POST /_microvm_local/reset HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: 10\r\n\r\n{"
            )
            assert sock.recv(65536).startswith(b"HTTP/1.1 408 ")
        with connect(server) as sock:
            answer = b""
            for byte in HEALTH:
                try:
                    sock.sendall(bytes([byte]))
                except OSError:
                    break
                time.sleep(0.1)
            sock.settimeout(5)
            answer = sock.recv(65536)
            assert answer.startswith(b"HTTP/1.1 408 ")
        assert healthy(server)


def test_a_chunked_body_that_stalls_gets_408(isolated_aws: None) -> None:
    with LocalServer(request_timeout=0.5) as server, connect(server) as sock:
        sock.sendall(
            b"POST /_microvm_local/clock/advance HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"
        )
        assert sock.recv(65536).startswith(b"HTTP/1.1 408 ")


class _Unstartable(threading.Thread):
    def start(self) -> None:
        raise RuntimeError("can't start new thread")


def test_when_no_thread_can_start_requests_get_503_and_the_server_lives_on(
    isolated_aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The reported failure: a thread that cannot be started killed the accept loop, while
    # `running` stayed true, and every later connection timed out.
    with LocalServer() as server:
        monkeypatch.setattr(http_module.threading, "Thread", _Unstartable)
        for _ in range(5):
            with connect(server) as sock:
                assert status_of(sock) == 503
        assert server.running
        monkeypatch.undo()
        assert healthy(server)
        with Client(**server.client_kwargs, config=Config(max_attempts=1)) as client:
            assert client.list_microvms().items == ()


def test_with_some_workers_a_failed_start_only_queues(
    isolated_aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with LocalServer() as server:
        assert healthy(server)  # one worker exists now
        results: list[int] = []

        def call() -> None:
            with connect(server) as sock:
                results.append(status_of(sock))

        callers = [threading.Thread(target=call) for _ in range(10)]  # made before the patch
        monkeypatch.setattr(http_module.threading, "Thread", _Unstartable)
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join(30)
        assert results == [200] * 10


class _FlakyListener:
    """Wraps the listening socket; ``accept`` fails like a process out of descriptors."""

    def __init__(self, real: socket.socket, failures: int) -> None:
        self._real = real
        self.failures = failures

    def accept(self) -> tuple[socket.socket, Any]:
        if self.failures > 0:
            self.failures -= 1
            raise OSError(24, "Too many open files")
        return self._real.accept()

    def fileno(self) -> int:
        return self._real.fileno()

    def close(self) -> None:
        self._real.close()


def test_accept_errors_pause_accepting_and_never_end_it(isolated_aws: None) -> None:
    with LocalServer() as server:
        http = server._http
        assert http is not None
        flaky = _FlakyListener(http._listener, failures=3)
        http._listener = flaky  # type: ignore[assignment]
        for _ in range(3):
            with connect(server) as sock:
                assert status_of(sock) == 200
        assert flaky.failures == 0
        assert server.running


_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    from microvm_sdk.local import LocalServer

    server = LocalServer(max_connections=1000).start()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))
    print(json.dumps({"port": server.port}), flush=True)
    for line in sys.stdin:
        print(json.dumps({"running": server.running}), flush=True)
    """
)


def test_running_out_of_file_descriptors_is_survived(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", _CHILD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert process.stdout is not None and process.stdin is not None
    try:
        port = json.loads(process.stdout.readline())["port"]
        flood = []
        for _ in range(120):  # far beyond 64 descriptors; the rest wait in the backlog
            try:
                flood.append(socket.create_connection(("127.0.0.1", port), timeout=2))
            except OSError:
                break
        time.sleep(0.5)
        for sock in flood:
            sock.close()

        def answers() -> bool:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                    return status_of(sock) == 200
            except OSError:
                return False

        assert wait_for(answers, timeout=30)
        process.stdin.write("status\n")
        process.stdin.flush()
        assert json.loads(process.stdout.readline()) == {"running": True}
    finally:
        process.kill()
        process.communicate()


def _io_failure(self: Any) -> None:
    raise SystemExit("the I/O thread is gone")


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_running_tells_the_truth_when_the_io_thread_dies(
    isolated_aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with LocalServer() as server:
        assert server.running
        monkeypatch.setattr(http_module.HttpServer, "_io_step", _io_failure)
        assert wait_for(lambda: not server.running)
        assert "stopped" in repr(server)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_serve_exits_with_an_error_when_the_server_stops_serving(
    isolated_aws: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from microvm_sdk.local.__main__ import serve_main

    original = http_module.HttpServer._io_step
    calls = {"n": 0}

    def dies_after_a_while(self: Any) -> None:
        calls["n"] += 1
        if calls["n"] > 3:
            raise SystemExit("gone")
        original(self)

    monkeypatch.setattr(http_module.HttpServer, "_io_step", dies_after_a_while)
    result: list[int] = []
    runner = threading.Thread(target=lambda: result.append(serve_main(["--port", "0"])))
    runner.start()
    runner.join(30)
    assert result == [1]
    assert "the emulator stopped serving" in capsys.readouterr().err


@pytest.fixture
def pooled_server(isolated_aws: None) -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


def test_pipelined_requests_beyond_one_buffer_are_all_answered(pooled_server: LocalServer) -> None:
    burst = HEALTH * 200
    with connect(pooled_server) as sock:
        sock.sendall(
            burst
            + b"GET /_microvm_local/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.count(b"HTTP/1.1 200 OK") == 201
