"""Hiding sensitive values.

``repr`` helpers for attrs fields and the generated models' ``__repr__``, URLs with
their credentials hidden, and which shapes may hold sensitive data.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from microvm_sdk._core.schema import Shape

REDACTED = "***"


def holds_sensitive(shape: Shape, lookup: Callable[[str], Shape]) -> bool:
    """Whether a value of ``shape`` may contain a sensitive member anywhere inside it."""
    seen: set[str] = set()
    pending = [shape]
    while pending:
        current = pending.pop()
        if current.sensitive:
            return True
        if current.name in seen:
            continue
        seen.add(current.name)
        children = [current.member, current.key, current.value]
        children.extend(member.target for member in current.members)
        pending.extend(lookup(name) for name in children if name)
    return False


_REPRING = threading.local()


class repr_once:
    """Guard a ``__repr__`` against an object that holds itself, as attrs' repr does.

    ``with repr_once(self) as again:`` gives ``again`` true when ``self`` is already
    being shown further up the same thread's stack; the ``__repr__`` then returns
    ``"..."`` instead of recursing.
    """

    __slots__ = ("_key", "_seen")

    def __init__(self, obj: object) -> None:
        self._key = id(obj)
        self._seen: set[int] | None = None

    def __enter__(self) -> bool:
        seen: set[int] | None = getattr(_REPRING, "seen", None)
        if seen is None:
            seen = _REPRING.seen = set()
        if self._key in seen:
            return True
        seen.add(self._key)
        self._seen = seen
        return False

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._seen is not None:
            self._seen.discard(self._key)


def redact(value: object) -> str:
    """Hide a sensitive scalar; show only whether it is set."""
    return "None" if value is None else REDACTED


def redact_map_values(value: Mapping[Any, object] | None) -> str:
    """Show the keys of a map whose values are sensitive, not the values."""
    if value is None:
        return "None"
    return "{" + ", ".join(f"{key!r}: {REDACTED}" for key in value) + "}"


def redact_items(value: Sequence[object] | None) -> str:
    """Show how many items a list of sensitive values holds, not the items."""
    if value is None:
        return "None"
    return "[" + ", ".join(REDACTED for _ in value) + "]"


def redact_url(url: str) -> str:
    """Hide the user information of a URL (``http://user:pass@host`` -> ``http://***@host``).

    A scheme-less ``user:pass@host:port`` is handled too. The whole user information is
    hidden, the user name included, because proxies often take a token as the user name.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    end = len(rest)
    for delimiter in "/?#":
        position = rest.find(delimiter)
        if 0 <= position < end:
            end = position
    authority = rest[:end]
    if "@" not in authority:
        return url
    return f"{scheme}{sep}{REDACTED}@{authority.rpartition('@')[2]}{rest[end:]}"


def redact_url_map(value: Mapping[object, object] | None) -> str:
    """Show a mapping of URLs (``Config.proxies``) with their user information hidden."""
    if value is None:
        return "None"
    shown = (
        f"{key!r}: {redact_url(url)!r}" if isinstance(url, str) else f"{key!r}: {REDACTED}"
        for key, url in value.items()
    )
    return "{" + ", ".join(shown) + "}"
