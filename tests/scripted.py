"""A transport that answers with scripted responses, for clients of both flavours.

Shared by the client and hardening tests (``tests/`` is on ``sys.path``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from microvm_sdk._core.http import HttpRequest, HttpResponse


class ScriptedTransport:
    """Answers with the scripted responses, in order; a transport of both flavours."""

    def __init__(self, responses: list[HttpResponse]) -> None:
        self.responses = list(responses)
        self.requests: list[HttpRequest] = []

    def send(self, request: HttpRequest) -> HttpResponse:
        self.requests.append(request)
        return self.responses.pop(0)

    def close(self) -> None:
        pass

    async def send_async(self, request: HttpRequest) -> HttpResponse:
        return self.send(request)

    async def aclose(self) -> None:
        pass


ScriptedClient = Callable[..., tuple[Any, ScriptedTransport]]
