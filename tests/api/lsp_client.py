"""A minimal Language Server Protocol client for pyright's language server (what VS Code's
Pylance is built on), to read hovers the way an editor shows them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import IO, Any


class PyrightHovers:
    """Open one file in ``pyright-langserver --stdio`` and ask for hovers in it.

    Use as a context manager; the server is shut down on exit.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines = path.read_text().splitlines()
        self._next_id = 0
        env = {**os.environ, "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"}
        # the language server finds the environment through the first python on PATH
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        self._process = subprocess.Popen(
            [sys.executable, "-m", "pyright.langserver", "--stdio"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=path.parent,
            env=env,
        )

    def __enter__(self) -> PyrightHovers:
        capabilities = {"textDocument": {"hover": {"contentFormat": ["markdown"]}}}
        self._request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": self.path.parent.as_uri(),
                "capabilities": capabilities,
            },
        )
        self._notify("initialized", {})
        document = {
            "uri": self.path.as_uri(),
            "languageId": "python",
            "version": 1,
            "text": self.path.read_text(),
        }
        self._notify("textDocument/didOpen", {"textDocument": document})
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._request("shutdown", None)
            self._notify("exit", None)
            self._process.wait(timeout=30)
        finally:
            if self._process.poll() is None:
                self._process.kill()
                self._process.wait()
            stdin, stdout = self._pipes()
            stdin.close()
            stdout.close()

    def hover(self, line: int, column: int) -> str:
        """The hover text (markdown) at a 0-based ``line`` and ``column``."""
        result = self._request(
            "textDocument/hover",
            {
                "textDocument": {"uri": self.path.as_uri()},
                "position": {"line": line, "character": column},
            },
        )
        return str(result["contents"]["value"]) if result else ""

    def hover_on(self, needle: str, after: int = 0) -> str:
        """The hover over the first occurrence of ``needle`` on a line from ``after`` on."""
        for number in range(after, len(self.lines)):
            column = self.lines[number].find(needle)
            if column >= 0:
                return self.hover(number, column + 1)
        raise ValueError(f"{needle!r} is not in {self.path}")

    def _pipes(self) -> tuple[IO[bytes], IO[bytes]]:
        assert self._process.stdin and self._process.stdout
        return self._process.stdin, self._process.stdout

    def _send(self, message: dict[str, Any]) -> None:
        stdin, _ = self._pipes()
        body = json.dumps(message).encode()
        stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        stdin.flush()

    def _receive(self) -> dict[str, Any]:
        _, stdout = self._pipes()
        length = 0
        while True:
            line = stdout.readline()
            if not line:
                raise EOFError("the language server stopped")
            if line == b"\r\n":
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        message: dict[str, Any] = json.loads(stdout.read(length))
        return message

    def _notify(self, method: str, params: object) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def _request(self, method: str, params: object) -> Any:
        self._next_id += 1
        ident = self._next_id
        self._send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        while True:
            message = self._receive()
            if "method" in message:
                if "id" in message:  # a request from the server: answer it plainly
                    self._send({"jsonrpc": "2.0", "id": message["id"], "result": None})
                continue
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(message["error"])
                return message.get("result")
