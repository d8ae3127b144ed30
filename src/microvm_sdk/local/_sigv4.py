"""Verification of AWS Signature Version 4 (header form), written from the specification.

The emulator checks signatures itself instead of borrowing a signer: a verifier built
from the same code as the signer would agree with any mistake the signer makes.

The canonical request follows the rules for every service but S3: the request path is
normalized (dot segments removed, repeated slashes collapsed) and URI-encoded once more
as it arrived on the wire, so a label the client sent as ``%3A`` is signed as ``%253A``.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from email.utils import parsedate_tz
from urllib.parse import quote, unquote

import attrs

from microvm_sdk.local._errors import EmulatedError

__all__ = [
    "ALGORITHM",
    "Authorization",
    "SigV4Verifier",
    "VerifiedRequest",
    "canonical_query",
    "canonical_request",
    "canonical_uri",
    "parse_authorization",
    "signature",
    "signing_key",
    "string_to_sign",
]

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_UNRESERVED = "-_.~"
_SPACES = re.compile(r"\s+")
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_AMZ_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z")

MISSING_TOKEN = "Missing Authentication Token"
INVALID_TOKEN = "The security token included in the request is invalid."
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)


@attrs.frozen(slots=True)
class Authorization:
    """The parts of an ``Authorization: AWS4-HMAC-SHA256 ...`` header."""

    access_key: str
    date: str
    region: str
    service: str
    terminator: str
    signed_headers: tuple[str, ...]
    signature: str

    @property
    def scope(self) -> str:
        """The credential scope, ``date/region/service/aws4_request``."""
        return f"{self.date}/{self.region}/{self.service}/{self.terminator}"


@attrs.frozen(slots=True)
class VerifiedRequest:
    """What a verified (or, with verification off, merely read) signature tells."""

    access_key: str
    region: str


def _forbidden(code: str, message: str, status: int = 403) -> EmulatedError:
    return EmulatedError(code, status, message)


def parse_authorization(value: str) -> Authorization:
    """Parse an ``AWS4-HMAC-SHA256`` ``Authorization`` header value.

    Args:
        value: The header value.

    Returns:
        The parsed parts.

    Raises:
        EmulatedError: ``IncompleteSignatureException`` when the header is malformed.
    """
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise _forbidden(
            "IncompleteSignatureException",
            f"Unsupported AWS 'algorithm': '{algorithm}'. Authorization={value}",
            400,
        )
    parts: dict[str, str] = {}
    for item in rest.split(","):
        key, sep, val = item.strip().partition("=")
        if sep:
            parts[key.strip()] = val.strip()
    missing = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if not parts.get(name)
    ]
    if missing:
        raise _forbidden(
            "IncompleteSignatureException", " ".join([*missing, f"Authorization={value}"])
        )
    scope = parts["Credential"].split("/")
    if len(scope) != 5:
        raise _forbidden(
            "IncompleteSignatureException",
            f"Credential should be scoped to a valid region, not '{parts['Credential']}'. ",
        )
    access_key, date, region, service, terminator = scope
    return Authorization(
        access_key=access_key,
        date=date,
        region=region,
        service=service,
        terminator=terminator,
        signed_headers=tuple(h.strip().lower() for h in parts["SignedHeaders"].split(";")),
        signature=parts["Signature"],
    )


def _uri_encode(text: str, *, keep_slash: bool) -> str:
    return quote(text, safe=_UNRESERVED + ("/" if keep_slash else ""))


def _normalize_path(path: str) -> str:
    """Remove dot segments (RFC 3986 5.2.4) and collapse repeated slashes."""
    if not path:
        return "/"
    segments: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    trailing = path.endswith(("/", "/.", "/..")) and bool(segments)
    return "/" + "/".join(segments) + ("/" if trailing else "")


def canonical_uri(raw_path: str) -> str:
    """Return the canonical URI of a request path as it arrived (non-S3 rules)."""
    return _uri_encode(_normalize_path(raw_path), keep_slash=True)


def canonical_query(raw_query: str) -> str:
    """Return the canonical query string of a raw (still encoded) query string."""
    if not raw_query:
        return ""
    pairs: list[tuple[str, str]] = []
    for item in raw_query.split("&"):
        if not item:
            continue
        key, _, val = item.partition("=")
        pairs.append(
            (
                _uri_encode(unquote(key), keep_slash=False),
                _uri_encode(unquote(val), keep_slash=False),
            )
        )
    pairs.sort()
    return "&".join(f"{k}={v}" for k, v in pairs)


def _header_values(headers: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for name, value in headers:
        values.setdefault(name.lower(), []).append(value)
    return values


def canonical_request(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Iterable[tuple[str, str]],
    *,
    signed_headers: Sequence[str],
    payload_hash: str,
) -> str:
    """Build the canonical request.

    Args:
        method: The HTTP method.
        raw_path: The request path as it arrived (percent-encoded as the client sent it).
        raw_query: The query string as it arrived, without ``?``.
        headers: Every request header as ``(name, value)``, repeated names allowed.
        signed_headers: The lower-case names the client signed, in its order.
        payload_hash: The hex SHA-256 of the payload (or the client's declared value).

    Returns:
        The canonical request text.
    """
    values = _header_values(headers)
    names = sorted(signed_headers)
    lines = [
        f"{name}:{','.join(_SPACES.sub(' ', v.strip()) for v in values.get(name, []))}"
        for name in names
    ]
    return "\n".join(
        [
            method.upper(),
            canonical_uri(raw_path),
            canonical_query(raw_query),
            *lines,
            "",
            ";".join(names),
            payload_hash,
        ]
    )


def string_to_sign(amz_date: str, scope: str, creq: str) -> str:
    """Build the string to sign from the request time, scope and canonical request."""
    digest = hashlib.sha256(creq.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    """Derive the SigV4 signing key (``kSigning``)."""
    key = _hmac(("AWS4" + secret_key).encode("utf-8"), date)
    key = _hmac(key, region)
    key = _hmac(key, service)
    return _hmac(key, "aws4_request")


def signature(key: bytes, sts: str) -> str:
    """Return the hex signature of a string to sign."""
    return hmac.new(key, sts.encode("utf-8"), hashlib.sha256).hexdigest()


def _parse_time(amz_date: str | None, http_date: str | None) -> tuple[str, float] | None:
    """Return ``(YYYYMMDDTHHMMSSZ, epoch)`` from X-Amz-Date or Date, or ``None``."""
    if amz_date:
        match = _AMZ_DATE.fullmatch(amz_date.strip())
        if not match:
            return None
        y, mo, d, h, mi, s = (int(g) for g in match.groups())
        try:
            epoch = float(calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0)))
        except (ValueError, OverflowError):
            return None
        return amz_date.strip(), epoch
    if http_date:
        parsed = parsedate_tz(http_date)
        if parsed is None:
            return None
        epoch = float(calendar.timegm(parsed[:9]) - (parsed[9] or 0))
        return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(epoch)), epoch
    return None


def _fmt(epoch: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(epoch))


class SigV4Verifier:
    """Check the SigV4 ``Authorization`` header of requests against known credentials.

    Args:
        credentials: Secret keys by access key id.
        service: The signing name the credential scope must carry.
        max_skew: Seconds the request time may differ from the server's clock.
        now: The server's clock (epoch seconds).
    """

    def __init__(
        self,
        credentials: Mapping[str, str],
        *,
        service: str = "lambda",
        max_skew: float = 300.0,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.credentials = dict(credentials)
        self.service = service
        self.max_skew = max_skew
        self.now = now
        self._keys: dict[tuple[str, str, str, str], bytes] = {}

    def _key(self, secret: str, date: str, region: str) -> bytes:
        cache_key = (secret, date, region, self.service)
        key = self._keys.get(cache_key)
        if key is None:
            if len(self._keys) > 256:
                self._keys.clear()
            key = self._keys[cache_key] = signing_key(secret, date, region, self.service)
        return key

    def read(self, headers: Mapping[str, str], default_region: str) -> VerifiedRequest:
        """Read the access key and region without verifying anything.

        Args:
            headers: Request headers with lower-case names.
            default_region: The region to use when the request is not signed.

        Returns:
            The access key (``""`` when absent) and region.
        """
        value = headers.get("authorization")
        if not value:
            return VerifiedRequest(access_key="", region=default_region)
        try:
            auth = parse_authorization(value)
        except EmulatedError:
            return VerifiedRequest(access_key="", region=default_region)
        return VerifiedRequest(access_key=auth.access_key, region=auth.region or default_region)

    def verify(
        self,
        method: str,
        raw_path: str,
        raw_query: str,
        header_list: Sequence[tuple[str, str]],
        body: bytes,
    ) -> VerifiedRequest:
        """Verify the signature of one request.

        Args:
            method: The HTTP method.
            raw_path: The request path as received.
            raw_query: The raw query string (without ``?``).
            header_list: All headers as received, ``(name, value)``.
            body: The request body.

        Returns:
            The access key and the region of the credential scope.

        Raises:
            EmulatedError: ``MissingAuthenticationTokenException``,
                ``IncompleteSignatureException``, ``UnrecognizedClientException`` or
                ``InvalidSignatureException``, as AWS answers them.
        """
        headers = {name.lower(): value for name, value in header_list}
        value = headers.get("authorization")
        if not value:
            raise _forbidden("MissingAuthenticationTokenException", MISSING_TOKEN)
        auth = parse_authorization(value)
        when = _parse_time(headers.get("x-amz-date"), headers.get("date"))
        if when is None:
            raise _forbidden(
                "IncompleteSignatureException",
                "Authorization header requires existence of either a 'X-Amz-Date' or a "
                f"'Date' header. Authorization={value}",
            )
        amz_date, request_time = when
        secret = self.credentials.get(auth.access_key)
        if secret is None:
            raise _forbidden("UnrecognizedClientException", INVALID_TOKEN)
        if auth.terminator != "aws4_request":
            raise _forbidden(
                "InvalidSignatureException",
                "Credential should be scoped with a valid terminator: 'aws4_request', "
                f"not '{auth.terminator}'. ",
            )
        if auth.service != self.service:
            raise _forbidden(
                "InvalidSignatureException",
                f"Credential should be scoped to correct service: '{self.service}'. ",
            )
        if auth.date != amz_date[:8]:
            raise _forbidden(
                "InvalidSignatureException",
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                f"date from HTTP: '{auth.date}' != '{amz_date[:8]}', from '{amz_date}'.",
            )
        if "host" not in auth.signed_headers:
            raise _forbidden(
                "InvalidSignatureException",
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
            )
        now = self.now()
        if request_time < now - self.max_skew:
            raise _forbidden(
                "InvalidSignatureException",
                f"Signature expired: {amz_date} is now earlier than "
                f"{_fmt(now - self.max_skew)} ({_fmt(now)} - 5 min.)",
            )
        if request_time > now + self.max_skew:
            raise _forbidden(
                "InvalidSignatureException",
                f"Signature not yet current: {amz_date} is still later than "
                f"{_fmt(now + self.max_skew)} ({_fmt(now)} + 5 min.)",
            )
        actual_hash = hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256
        declared = headers.get("x-amz-content-sha256")
        payload_hash = declared.strip() if declared else actual_hash
        if _HEX64.fullmatch(payload_hash) and payload_hash.lower() != actual_hash:
            raise _forbidden("InvalidSignatureException", SIGNATURE_MISMATCH)
        creq = canonical_request(
            method,
            raw_path,
            raw_query,
            header_list,
            signed_headers=auth.signed_headers,
            payload_hash=payload_hash,
        )
        sts = string_to_sign(amz_date, auth.scope, creq)
        expected = signature(self._key(secret, auth.date, auth.region), sts)
        if not hmac.compare_digest(expected, auth.signature):
            raise _forbidden("InvalidSignatureException", SIGNATURE_MISMATCH)
        return VerifiedRequest(access_key=auth.access_key, region=auth.region)
