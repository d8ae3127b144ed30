"""Who may talk to the emulator, and what it shows them.

Every request passes :meth:`AccessPolicy.refusal` first:

- **Host.** The ``Host`` header must name this server: an IP address, ``localhost``,
  the name the server was told to listen on, the machine's host name when it listens
  beyond loopback, or a name allowed explicitly (``allowed_hosts``; ``"*"`` allows
  any). A web page that rebinds its own DNS name to 127.0.0.1 sends its own name, and
  is refused. The port is not checked (port forwarding changes it).
- **Origin.** A browser sends ``Origin`` with cross-origin and state-changing
  requests; one that does not name an allowed host (``null`` included) is refused,
  and so is ``Sec-Fetch-Site: cross-site``. SDKs and the AWS CLI send neither.

Admin requests (``/_microvm_local/...``) then pass :meth:`AccessPolicy.admin_refusal`:
a request that changes something must say ``Content-Type: application/json`` (a form
or ``text/plain`` post, which needs no CORS preflight, is refused), and when the token
is required (the server listens beyond loopback, or a token was given) every admin
request must carry ``Authorization: Bearer <token>``.

:func:`redact_state` hides sensitive values (environment variable values, hook
payloads, auth tokens) from the state the admin API serves to a caller without the
token.
"""

from __future__ import annotations

import hmac
import ipaddress
import socket
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from microvm_sdk._core.redaction import REDACTED, holds_sensitive

if TYPE_CHECKING:
    from microvm_sdk._core.schema import ServiceSchema

__all__ = ["AccessPolicy", "is_loopback", "redact_state", "sensitive_wire_names"]

_WILDCARDS = frozenset({"", "0.0.0.0", "::"})


def is_loopback(address: str) -> bool:
    """Whether ``address`` (an IP address or a host name) is on the loopback interface."""
    host = address.strip("[]")
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    if host.lower() == "localhost":
        return True
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(
        ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]).is_loopback for info in infos
    )


def _host_name(value: str) -> str | None:
    """The host part of a ``Host`` header or URL authority, lower case, or ``None``."""
    value = value.strip()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        rest = value[end + 1 :]
        if rest and not (rest.startswith(":") and rest[1:].isdigit()):
            return None
        return value[1:end].lower()
    host, sep, port = value.rpartition(":")
    if sep and port.isdigit():
        value = host
    elif sep:
        return None
    if not value or any(c in value for c in "/@ \t\\"):
        return None
    return value.lower().rstrip(".")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _origin_host(origin: str) -> str | None:
    scheme, sep, rest = origin.strip().partition("://")
    if not sep or scheme.lower() not in ("http", "https") or "/" in rest:
        return None
    return _host_name(rest)


class AccessPolicy:
    """The Host, Origin, content-type and token rules of one server.

    Args:
        bind_host: The host the server was asked to listen on (``127.0.0.1``,
            ``0.0.0.0``, ``localhost``, a name).
        loopback: Whether the server listens only on the loopback interface.
        allowed_hosts: More host names clients may use (``"*"``: any).
        admin_token: The admin token.
        token_required: Whether admin requests must carry the token.
    """

    def __init__(
        self,
        *,
        bind_host: str,
        loopback: bool,
        allowed_hosts: Iterable[str],
        admin_token: str,
        token_required: bool,
    ) -> None:
        names = {"localhost"}
        bound = _host_name(bind_host) or ""
        if bound and bound not in _WILDCARDS and not _is_ip(bound):
            names.add(bound)
        if not loopback:
            names.add(socket.gethostname().lower().rstrip("."))
        extra = {name.strip().lower().rstrip(".") for name in allowed_hosts}
        self._any_host = "*" in extra
        self._names = frozenset(names | (extra - {"*"}))
        self._token = admin_token
        self.token_required = token_required

    @property
    def host_names(self) -> frozenset[str]:
        """The host names accepted besides IP addresses."""
        return self._names

    def allows_host(self, host: str | None) -> bool:
        """Whether a ``Host`` (or Origin) host name names this server."""
        if host is None:
            return False
        return self._any_host or _is_ip(host) or host in self._names

    def refusal(self, version: str, headers: Mapping[str, str]) -> str | None:
        """Why a request must be refused (403), or ``None`` when it may proceed."""
        host_header = headers.get("host")
        if host_header is None:
            if version == "HTTP/1.0":
                return None
            return "The request has no Host header"
        host = _host_name(host_header)
        if not self.allows_host(host):
            return (
                f"Host {host_header[:100]!r} does not name this emulator. Use localhost or "
                "its IP address, or start it with --allow-host NAME "
                "(LocalServer(allowed_hosts=[...])) to accept another name"
            )
        origin = headers.get("origin")
        if origin is not None and not self.allows_host(_origin_host(origin)):
            return f"Requests from the web origin {origin[:100]!r} are not accepted"
        if headers.get("sec-fetch-site", "").strip().lower() == "cross-site":
            return "Cross-site requests from a web browser are not accepted"
        return None

    def has_token(self, headers: Mapping[str, str]) -> bool:
        """Whether the request carries the admin token (``Authorization: Bearer ...``)."""
        scheme, _, given = headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(given.strip().encode(), self._token.encode())

    def admin_refusal(self, method: str, headers: Mapping[str, str]) -> tuple[int, str] | None:
        """Why an admin request must be refused (status, message), or ``None``."""
        if self.token_required and not self.has_token(headers):
            return 401, (
                "The admin API needs the admin token: send 'Authorization: Bearer <token>' "
                "(the token is printed when the emulator starts, and is "
                "LocalServer.admin_token)"
            )
        if method not in ("GET", "HEAD"):
            media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if media_type != "application/json":
                return 415, (
                    "Admin requests that change something must send "
                    "'Content-Type: application/json'"
                )
        return None


def sensitive_wire_names(schema: ServiceSchema) -> frozenset[str]:
    """The wire names of members that may hold sensitive values, in any shape."""
    shapes = schema.shapes
    names: set[str] = set()
    for shape in shapes.values():
        for member in shape.members:
            if holds_sensitive(shapes[member.target], shapes.__getitem__):
                names.add(member.wire_name)
    return frozenset(names)


def redact_state(data: Any, sensitive: frozenset[str]) -> Any:
    """Return saved state with every value under a sensitive member name hidden.

    A mapping under such a name keeps its keys (``{"API_KEY": "***"}``), as the SDK's
    ``repr`` does; anything else becomes ``"***"``.
    """
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            if key in sensitive and value is not None:
                out[key] = {k: REDACTED for k in value} if isinstance(value, dict) else REDACTED
            else:
                out[key] = redact_state(value, sensitive)
        return out
    if isinstance(data, list):
        return [redact_state(item, sensitive) for item in data]
    return data
