"""Map ``METHOD /path`` to an operation of the schema and pull out its URI labels."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import unquote

import attrs

from microvm_sdk._core.schema import Operation, ServiceSchema

__all__ = ["Route", "Router"]

_LABEL = re.compile(r"\{([^}]+)\}")


@attrs.frozen(slots=True)
class Route:
    """One operation's HTTP binding, compiled."""

    operation: Operation
    method: str
    pattern: re.Pattern[str]
    labels: tuple[str, ...]
    literal_segments: int


def _compile(uri: str) -> tuple[re.Pattern[str], tuple[str, ...], int]:
    path = uri.split("?", 1)[0]
    labels: list[str] = []
    parts: list[str] = []
    position = 0
    for match in _LABEL.finditer(path):
        parts.append(re.escape(path[position : match.start()]))
        name = match.group(1)
        if name.endswith("+"):
            labels.append(name[:-1])
            parts.append("(.+)")
        else:
            labels.append(name)
            parts.append("([^/]+)")
        position = match.end()
    parts.append(re.escape(path[position:]))
    literal = sum(1 for s in path.split("/") if s and "{" not in s)
    return re.compile("".join(parts)), tuple(labels), literal


class Router:
    """Find the operation a request is for.

    Labels are matched on the path as it arrived (so an encoded ``%2F`` stays inside
    its segment), then percent-decoded. Raw colons in ARNs are accepted as they are.
    """

    def __init__(self, schema: ServiceSchema) -> None:
        routes: dict[str, list[Route]] = {}
        for operation in schema.operations.values():
            pattern, labels, literal = _compile(operation.uri)
            route = Route(operation, operation.method.upper(), pattern, labels, literal)
            routes.setdefault(route.method, []).append(route)
        for method_routes in routes.values():
            # Prefer the most specific template when two could match the same path.
            method_routes.sort(key=lambda r: (-r.literal_segments, len(r.labels)))
        self._routes = routes

    @property
    def routes(self) -> Mapping[str, list[Route]]:
        """The compiled routes by HTTP method."""
        return self._routes

    def match(self, method: str, raw_path: str) -> tuple[Operation, dict[str, str]] | None:
        """Return the operation and its decoded labels, or ``None`` when nothing matches.

        Args:
            method: The HTTP method.
            raw_path: The path as received, still percent-encoded.

        Returns:
            ``(operation, labels)`` or ``None``.
        """
        for route in self._routes.get(method.upper(), ()):
            found = route.pattern.fullmatch(raw_path)
            if found is not None:
                values = {
                    name: unquote(value)
                    for name, value in zip(route.labels, found.groups(), strict=True)
                }
                return route.operation, values
        return None
