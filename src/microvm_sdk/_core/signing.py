"""AWS Signature Version 4 through botocore's signer.

botocore (``botocore.auth``) is imported on the first signature, not with this module.
The signature is computed by a subclass of botocore's ``SigV4Auth`` through its public
methods (``canonical_headers``, ``signed_headers``, ``payload``, ``string_to_sign``,
``scope``, ``canonical_query_string``), with botocore's credential objects, and is the
one ``SigV4Auth.add_auth`` computes. What this module adds is memory of the work that
``add_auth`` would otherwise redo for every request, none of which changes the result:

* the canonical path, canonical query string and ``Host`` value of a URL, kept per URL
  (a bounded table: an endpoint or path seen before costs a dictionary look-up);
* the ``X-Amz-Date`` text, formatted once per second of the clock botocore reads (the
  clock is read on every signature, so a test that freezes or moves it is obeyed);
* one ``SigV4Auth`` per set of credentials and region, holding its signing key (which
  depends only on the secret key, the date, the region and the service) for the day, as
  an HMAC already keyed with it that each signature copies;
* the signed-headers list and canonical headers that ``signed_headers`` and
  ``canonical_headers`` made of one exact set of headers and host (a bounded table per
  ``SigV4Auth``: the calls of one second send the same headers);
* a light request stand-in instead of an ``AWSRequest`` with its ``email.message``
  headers, and the set of headers to sign worked out once per signature, not twice.

Headers, as boto3 sends them for a JSON service: ``X-Amz-Date``, ``Authorization`` and,
with temporary credentials, ``X-Amz-Security-Token``. The payload hash is part of the
signature but is not sent as an ``X-Amz-Content-SHA256`` header. Every header present
when :meth:`SigV4Signer.sign` runs is signed except the ones botocore never signs
(``User-Agent``, ``Expect``, ``Connection``, ``X-Amzn-Trace-Id`` ...). boto3 adds
``Content-Length``, ``amz-sdk-invocation-id`` and ``amz-sdk-request`` after signing, so
they are not signed; add them after :meth:`SigV4Signer.sign` to send the same signed
header set. Nothing is logged: botocore's own ``add_auth`` writes the canonical request
(with any session token) to its DEBUG log, and no secret may reach a log.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any, Protocol, cast

from microvm_sdk._core.errors import ConfigurationError
from microvm_sdk._core.http import HttpRequest

__all__ = ["CredentialProvider", "SigV4Signer", "SigningCredentials"]

# Headers the signer writes; stale copies from an earlier attempt are dropped first.
_SIGNER_HEADERS = frozenset({"authorization", "x-amz-date", "x-amz-security-token"})
# The names that send a request down the slow path: the signer's own, and Date.
_SIGNER_OR_DATE = _SIGNER_HEADERS | {"date"}
#: URLs whose canonical parts are remembered; the table starts again when it is full.
MAX_REMEMBERED_URLS = 256
#: Header sets whose canonical form is remembered (per credentials and region); a new
#: ``X-Amz-Date`` every second makes new ones, so the table starts again when it is full.
MAX_REMEMBERED_HEADER_SETS = 64
_DEFAULT_PORTS = {"http": 80, "https": 443}


class SigningCredentials(Protocol):
    """Frozen credentials: botocore's ``ReadOnlyCredentials`` or ``FrozenCredentials``."""

    @property
    def access_key(self) -> str:
        """The access key id."""

    @property
    def secret_key(self) -> str:
        """The secret access key."""

    @property
    def token(self) -> str | None:
        """The session token of temporary credentials, else ``None``."""


class CredentialProvider(Protocol):
    """Something that hands out frozen credentials on demand.

    botocore's ``Credentials`` objects and ``CredentialSource`` are providers.
    Implementations MUST return a consistent set (key, secret and token from the same
    issue) and SHOULD refresh credentials before they expire.
    """

    def get_frozen_credentials(self) -> SigningCredentials:
        """Return the credentials to sign with now."""


def _drop_signer_headers(headers: dict[str, str]) -> bool:
    """Drop the signer's headers of an earlier attempt; return whether a ``Date`` is left."""
    kept = [(k, v) for k, v in headers.items() if k.lower() not in _SIGNER_HEADERS]
    if len(kept) < len(headers):
        headers.clear()
        headers.update(kept)
    return any(k.lower() == "date" for k in headers)


class _UrlParts:
    """What the canonical request needs of one URL, worked out once."""

    __slots__ = ("host", "path", "query")

    def __init__(self, path: str, query: str, host: str) -> None:
        self.path = path
        self.query = query
        self.host = host


class SigV4Signer:
    """Signs requests with SigV4 for one signing name; thread-safe.

    Args:
        signing_name: The service's signing name (the model's ``signingName``).
        unsigned: Leave requests unsigned (anonymous requests); :meth:`sign` then
            does nothing and needs no credentials.
    """

    def __init__(self, signing_name: str, *, unsigned: bool = False) -> None:
        self._signing_name = signing_name
        self._unsigned = unsigned
        # Each cache is replaced or filled whole, so readers on other threads never see
        # half an entry and no lock is needed.
        self._auth: tuple[tuple[str, str, str | None, str], Any] | None = None
        self._stamp: tuple[tuple[int, ...], str] | None = None
        self._urls: dict[str, _UrlParts] = {}

    @property
    def signing_name(self) -> str:
        """The signing name requests are signed for."""
        return self._signing_name

    @property
    def unsigned(self) -> bool:
        """Whether this signer leaves requests unsigned."""
        return self._unsigned

    def load(self) -> None:
        """Import botocore's signer now, as the first signature would (about 50 ms).

        For callers that must not import on their own thread later (an event loop).
        """
        if not self._unsigned:
            _botocore()

    def sign(
        self,
        request: HttpRequest,
        *,
        region: str,
        credentials: SigningCredentials | CredentialProvider | None,
    ) -> None:
        """Sign ``request`` in place, at the current time.

        Replaces the signature headers of an earlier attempt, so call it before every
        attempt: each attempt then carries a fresh ``X-Amz-Date``.

        Args:
            request: The request; its URL must be final (path and query encoded).
            region: The signing region.
            credentials: Frozen credentials, or a provider (botocore ``Credentials``,
                ``CredentialSource``) asked for frozen credentials now.

        Raises:
            ConfigurationError: No credentials were given to a signing signer, or the
                provider could not supply them.
        """
        if self._unsigned:
            return
        if credentials is None:
            raise ConfigurationError(
                "cannot sign the request: no credentials (use unsigned mode to send "
                "requests without signing them)"
            )
        getter = getattr(credentials, "get_frozen_credentials", None)
        frozen = cast("SigningCredentials", getter() if getter is not None else credentials)
        bc = _botocore()
        auth = self._auth_for(bc, frozen, region)
        now = bc.clock()
        headers = request.headers
        dated = False
        for name in headers:  # one pass, no generator: this runs on every attempt
            if name.lower() in _SIGNER_OR_DATE:
                dated = _drop_signer_headers(headers)
                break
        url = request.url
        parts = self._urls.get(url)
        if parts is None:
            parts = self._url_parts(auth, request)
        auth.add_signature(request, now=now, stamp=self._timestamp(now), parts=parts, dated=dated)

    # -- what is remembered between signatures ----------------------------------------

    def _auth_for(self, bc: _Botocore, frozen: SigningCredentials, region: str) -> Any:
        """The ``SigV4Auth`` of these credentials and region (one per set, kept)."""
        key = (frozen.access_key, frozen.secret_key, frozen.token, region)
        cached = self._auth
        if cached is not None and cached[0] == key:
            return cached[1]
        auth = bc.auth_class(frozen, self._signing_name, region)
        self._auth = (key, auth)
        return auth

    def _timestamp(self, now: datetime.datetime) -> str:
        """``now`` as ``X-Amz-Date`` text, formatted once per second."""
        second = (now.second, now.minute, now.hour, now.day, now.month, now.year)
        cached = self._stamp
        if cached is not None and cached[0] == second:
            return cached[1]
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        self._stamp = (second, stamp)
        return stamp

    def _url_parts(self, auth: Any, request: HttpRequest) -> _UrlParts:
        """Canonical path, canonical query and host of ``request.url``, then remembered."""
        from urllib.parse import quote, urlsplit

        from botocore.utils import (  # type: ignore[import-untyped]
            is_valid_ipv6_endpoint_url,
            normalize_url_path,
        )

        url = request.url
        split = urlsplit(url)
        # botocore's rules: the path normalized (dot segments and empty segments gone)
        # and percent-encoded again; the query pairs sorted as they are.
        path = quote(normalize_url_path(split.path), safe="/~")
        query = auth.canonical_query_string(_Request(request.method, url, b"", {}))
        # The Host value: lower-case, without user information, IPv6 in brackets, the
        # port only when it is not the scheme's default.
        host = split.hostname or ""
        if is_valid_ipv6_endpoint_url(url):
            host = f"[{host}]"
        port = split.port
        if port is not None and port != _DEFAULT_PORTS.get(split.scheme):
            host = f"{host}:{port}"
        parts = _UrlParts(path, query, host)
        urls = self._urls
        if len(urls) >= MAX_REMEMBERED_URLS:
            urls.clear()
        urls[url] = parts
        return parts


class _Request:
    """What ``SigV4Auth``'s public methods read of an ``AWSRequest``, and nothing more.

    ``AWSRequest`` keeps headers in an ``email.message`` and prepares a whole request to
    hand out its body; the signer needs neither.
    """

    __slots__ = ("body", "context", "method", "params", "url")

    def __init__(self, method: str, url: str, body: bytes, context: dict[str, Any]) -> None:
        self.method = method
        self.url = url
        self.body = body
        self.context = context
        self.params: dict[str, str] = {}


class _SignedHeaders:
    """Lower-cased header names to their values, as ``HTTPHeaders`` gives them to the signer."""

    __slots__ = ("_values",)

    def __init__(self) -> None:
        self._values: dict[str, list[str]] = {}

    def add(self, name: str, value: str) -> None:
        found = self._values.get(name)
        if found is None:
            self._values[name] = [value]
        else:
            found.append(value)

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def get_all(self, name: str, failobj: Any = None) -> list[str] | Any:
        return self._values.get(name, failobj)


class _Botocore:
    """What the signer takes from botocore, imported on first use."""

    def __init__(self) -> None:
        import hmac

        import botocore.auth as botocore_auth  # type: ignore[import-untyped]

        self.auth_class = _auth_class(botocore_auth, hmac.digest, hmac.new)
        self._module = botocore_auth

    def clock(self) -> datetime.datetime:
        """The signing time, read where botocore's own signer reads it.

        botocore 1.40.2 and later read ``botocore.auth.get_current_datetime()``; earlier
        releases call ``datetime.datetime.utcnow()``. Both give the same UTC wall-clock
        time, so the ``X-Amz-Date`` value (and the signature) is the same either way.
        """
        current = getattr(self._module, "get_current_datetime", None)
        if current is not None:
            now: datetime.datetime = current()
            return now
        return datetime.datetime.now(datetime.UTC)


_BOTOCORE: _Botocore | None = None


def _botocore() -> _Botocore:
    global _BOTOCORE  # noqa: PLW0603 - built once, on the first signature
    found = _BOTOCORE
    if found is None:
        found = _BOTOCORE = _Botocore()
    return found


def _auth_class(botocore_auth: Any, hmac_digest: Any, hmac_new: Any) -> Any:
    """Build the ``SigV4Auth`` subclass (once; it needs botocore imported)."""
    blacklist = botocore_auth.SIGNED_HEADERS_BLACKLIST

    class _Auth(botocore_auth.SigV4Auth):  # type: ignore[misc]
        """``SigV4Auth`` for one set of credentials and one region, fed what it would redo.

        botocore's ``canonical_headers``, ``signed_headers``, ``payload``,
        ``string_to_sign`` and ``scope`` do their part unchanged; the overrides below
        take remembered values where botocore would parse and quote again.
        """

        def __init__(self, credentials: Any, service_name: str, region_name: str) -> None:
            super().__init__(credentials, service_name, region_name)
            # (date, HMAC keyed with the signing key): derived once per day.
            self._key: tuple[str, Any] | None = None
            # (host, *header items) -> what _header_parts made of them.
            self._headers: dict[tuple[Any, ...], tuple[str, str, str | None]] = {}
            # (date, scope, credential scope): what botocore's two scope methods give for
            # a day; they read nothing else that changes (credentials and region are
            # this object's own).
            self._scopes: tuple[str, str, str] | None = None

        def add_signature(
            self,
            request: HttpRequest,
            *,
            now: datetime.datetime,
            stamp: str,
            parts: _UrlParts,
            dated: bool,
        ) -> None:
            """Add the signature headers to ``request`` as ``add_auth`` adds them.

            Its headers hold none of the signer's own; ``stamp`` is ``now`` as
            ``X-Amz-Date`` text, ``parts`` what the canonical request needs of its URL
            and ``dated`` whether it has a ``Date`` header (in any case).
            """
            method, headers = request.method, request.headers
            if dated:
                dates = [k for k in headers if k.lower() == "date"]
                # botocore's rule: a request with a Date header is dated by it, in the
                # RFC 7231 form, instead of by X-Amz-Date.
                import calendar
                from email.utils import formatdate

                for name in dates:
                    del headers[name]
                stamp_time = (now.year, now.month, now.day, now.hour, now.minute, now.second)
                headers["Date"] = formatdate(calendar.timegm(stamp_time))
            else:
                headers["X-Amz-Date"] = stamp
            token = self.credentials.token
            if token:
                headers["X-Amz-Security-Token"] = token
            stand_in = _Request(method, request.url, request.body, {"timestamp": stamp})
            signed, canonical_headers, checksum = self._header_parts(headers, parts.host)
            canonical = "\n".join(
                (
                    method.upper(),
                    parts.path,
                    parts.query,
                    canonical_headers,
                    signed,
                    checksum if checksum is not None else self.payload(stand_in),
                )
            )
            signature = self.signature(self.string_to_sign(stand_in, canonical), stand_in)
            headers["Authorization"] = (
                f"AWS4-HMAC-SHA256 Credential={self.scope(stand_in)}, "
                f"SignedHeaders={signed}, Signature={signature}"
            )

        def _header_parts(self, headers: dict[str, str], host: str) -> tuple[str, str, str | None]:
            """Signed headers, canonical headers and any payload hash header of a request.

            What ``signed_headers`` and ``canonical_headers`` make of exactly these
            headers and host, remembered: the calls of one second send the same ones.
            """
            try:
                key = (host, *headers.items())
                found = self._headers.get(key)
            except TypeError:  # a value that cannot be a key: botocore decides what it is
                key, found = None, None
            if found is not None:
                return found
            to_sign = _SignedHeaders()
            for name, value in headers.items():
                lower = name.lower()
                if lower not in blacklist:
                    to_sign.add(lower, value)
            if "host" not in to_sign:
                to_sign.add("host", host)
            checksum = to_sign.get_all("x-amz-content-sha256")
            found = (
                self.signed_headers(to_sign),
                self.canonical_headers(to_sign) + "\n",
                checksum[0] if checksum else None,
            )
            if key is not None:
                remembered = self._headers
                if len(remembered) >= MAX_REMEMBERED_HEADER_SETS:
                    remembered.clear()
                remembered[key] = found
            return found

        def scope(self, request: Any) -> str:
            return self._scopes_of(request)[1]

        def credential_scope(self, request: Any) -> str:
            return self._scopes_of(request)[2]

        def _scopes_of(self, request: Any) -> tuple[str, str, str]:
            date = request.context["timestamp"][0:8]
            cached = self._scopes
            if cached is None or cached[0] != date:
                cached = self._scopes = (
                    date,
                    super().scope(request),
                    super().credential_scope(request),
                )
            return cached

        def signature(self, string_to_sign: str, request: Any) -> str:
            date = request.context["timestamp"][0:8]
            cached = self._key
            if cached is not None and cached[0] == date:
                keyed = cached[1]
            else:
                # An HMAC already keyed with the day's signing key, copied for each
                # signature: cheaper than keying a new one every time.
                keyed = hmac_new(self._derive_key(date), digestmod="sha256")
                self._key = (date, keyed)
            mac = keyed.copy()
            mac.update(string_to_sign.encode("utf-8"))
            return str(mac.hexdigest())

        def _derive_key(self, date: str) -> bytes:
            # SigV4's key derivation: HMAC-SHA256 chained over date, region, service and
            # the terminator, starting from "AWS4" + the secret key.
            key: bytes = f"AWS4{self.credentials.secret_key}".encode()
            for part in (date, self._region_name, self._service_name, "aws4_request"):
                key = hmac_digest(key, part.encode("utf-8"), "sha256")
            return key

    return _Auth
