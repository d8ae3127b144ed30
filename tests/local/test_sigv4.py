"""The emulator's own SigV4 verifier: AWS test-suite vectors and botocore-signed requests."""

from __future__ import annotations

import calendar
import datetime
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore_clock import set_botocore_clock

from microvm_sdk.local import EmulatedError
from microvm_sdk.local._sigv4 import (
    SigV4Verifier,
    canonical_query,
    canonical_request,
    canonical_uri,
    parse_authorization,
)

VECTORS = Path(__file__).parent / "sigv4_vectors"
SUITE_KEY = "AKIDEXAMPLE"
SUITE_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SUITE_NOW = float(calendar.timegm((2015, 8, 30, 12, 36, 0)))


def load_vectors() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(VECTORS.glob("*.json"))]


def suite_verifier(now: float = SUITE_NOW) -> SigV4Verifier:
    return SigV4Verifier({SUITE_KEY: SUITE_SECRET}, service="service", now=lambda: now)


def verify(vector: dict[str, Any], verifier: SigV4Verifier | None = None) -> Any:
    return (verifier or suite_verifier()).verify(
        vector["method"],
        vector["path"],
        vector["query"],
        [tuple(h) for h in vector["headers"]],
        vector["body"].encode("utf-8"),
    )


def test_the_suite_has_the_required_cases() -> None:
    names = {v["name"] for v in load_vectors()}
    assert len(names) >= 10
    for required in (
        "get-vanilla",
        "get-vanilla-query-order-key-case",
        "post-x-www-form-urlencoded",
        "get-utf8",
        "normalize-path-get-space",
        "post-vanilla-query",
        "get-header-value-trim",
        "normalize-path-get-relative-relative",
        "normalize-path-get-slashes",
    ):
        assert required in names


@pytest.mark.parametrize("vector", load_vectors(), ids=lambda v: v["name"])
def test_suite_vector_verifies(vector: dict[str, Any]) -> None:
    result = verify(vector)
    assert result.access_key == SUITE_KEY
    assert result.region == "us-east-1"


@pytest.mark.parametrize(
    "vector", [v for v in load_vectors() if "canonical_request" in v], ids=lambda v: v["name"]
)
def test_suite_canonical_request(vector: dict[str, Any]) -> None:
    auth = parse_authorization(dict((k.lower(), v) for k, v in vector["headers"])["authorization"])
    creq = canonical_request(
        vector["method"],
        vector["path"],
        vector["query"],
        [tuple(h) for h in vector["headers"]],
        signed_headers=auth.signed_headers,
        payload_hash="e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    )
    assert creq == vector["canonical_request"]


@pytest.mark.parametrize("vector", load_vectors()[:6], ids=lambda v: v["name"])
def test_suite_vector_with_a_changed_signature_fails(vector: dict[str, Any]) -> None:
    headers = [list(h) for h in vector["headers"]]
    for header in headers:
        if header[0] == "Authorization":
            last = header[1][-1]
            header[1] = header[1][:-1] + ("0" if last != "0" else "1")
    with pytest.raises(EmulatedError) as info:
        verify({**vector, "headers": headers})
    assert info.value.code == "InvalidSignatureException"
    assert info.value.status == 403


def test_suite_vector_with_a_changed_body_or_header_fails() -> None:
    vector = next(v for v in load_vectors() if v["name"] == "post-x-www-form-urlencoded")
    with pytest.raises(EmulatedError, match="signature we calculated"):
        verify({**vector, "body": "Param1=value2"})
    vector = next(v for v in load_vectors() if v["name"] == "post-header-value-case")
    headers = [[k, "value1" if v == "VALUE1" else v] for k, v in vector["headers"]]
    with pytest.raises(EmulatedError, match="signature we calculated"):
        verify({**vector, "headers": headers})


def test_canonical_pieces() -> None:
    assert canonical_uri("/2025-09-09/microvm-images/arn%3Aaws%3Alambda") == (
        "/2025-09-09/microvm-images/arn%253Aaws%253Alambda"
    )
    assert canonical_uri("/a/./b/../c//d/") == "/a/c/d/"
    assert canonical_uri("") == "/"
    assert canonical_query("b=2&a=%20x&a=1&c") == "a=%20x&a=1&b=2&c="
    assert canonical_query("tagKeys=caf%C3%A9&tagKeys=a+b") == "tagKeys=a%2Bb&tagKeys=caf%C3%A9"


# -- errors ------------------------------------------------------------------------------

VANILLA = next(v for v in load_vectors() if v["name"] == "get-vanilla")


def with_auth(vector: dict[str, Any], authorization: str | None) -> dict[str, Any]:
    headers = [h for h in vector["headers"] if h[0] != "Authorization"]
    if authorization is not None:
        headers.append(["Authorization", authorization])
    return {**vector, "headers": headers}


def auth_of(vector: dict[str, Any]) -> str:
    return next(v for k, v in vector["headers"] if k == "Authorization")


def test_missing_authorization() -> None:
    with pytest.raises(EmulatedError) as info:
        verify(with_auth(VANILLA, None))
    assert (info.value.code, info.value.status, info.value.message) == (
        "MissingAuthenticationTokenException",
        403,
        "Missing Authentication Token",
    )


def test_unknown_access_key() -> None:
    verifier = SigV4Verifier({"OTHER": SUITE_SECRET}, service="service", now=lambda: SUITE_NOW)
    with pytest.raises(EmulatedError) as info:
        verify(VANILLA, verifier)
    assert info.value.code == "UnrecognizedClientException"
    assert info.value.message == "The security token included in the request is invalid."


def test_wrong_secret() -> None:
    verifier = SigV4Verifier({SUITE_KEY: "wrong"}, service="service", now=lambda: SUITE_NOW)
    with pytest.raises(EmulatedError) as info:
        verify(VANILLA, verifier)
    assert info.value.code == "InvalidSignatureException"
    assert info.value.message == (
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. "
        "Consult the service documentation for details."
    )


def test_expired_and_future_signatures() -> None:
    with pytest.raises(EmulatedError) as info:
        verify(VANILLA, suite_verifier(now=SUITE_NOW + 600))
    assert info.value.code == "InvalidSignatureException"
    assert info.value.message == (
        "Signature expired: 20150830T123600Z is now earlier than 20150830T124100Z "
        "(20150830T124600Z - 5 min.)"
    )
    with pytest.raises(EmulatedError) as info:
        verify(VANILLA, suite_verifier(now=SUITE_NOW - 600))
    assert info.value.message == (
        "Signature not yet current: 20150830T123600Z is still later than 20150830T123100Z "
        "(20150830T122600Z + 5 min.)"
    )
    # Within five minutes either way is accepted.
    verify(VANILLA, suite_verifier(now=SUITE_NOW + 299))
    verify(VANILLA, suite_verifier(now=SUITE_NOW - 299))


def test_scope_must_name_the_service_and_the_request_date() -> None:
    verifier = SigV4Verifier({SUITE_KEY: SUITE_SECRET}, service="lambda", now=lambda: SUITE_NOW)
    with pytest.raises(EmulatedError, match="correct service: 'lambda'"):
        verify(VANILLA, verifier)
    bad_date = auth_of(VANILLA).replace("/20150830/", "/20150831/")
    with pytest.raises(EmulatedError, match="Date in Credential scope does not match"):
        verify(with_auth(VANILLA, bad_date))


def test_malformed_authorization() -> None:
    with pytest.raises(EmulatedError) as info:
        verify(with_auth(VANILLA, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/x/y/z"))
    assert info.value.code == "IncompleteSignatureException"
    assert "requires 'Signature' parameter" in info.value.message
    assert "requires 'SignedHeaders' parameter" in info.value.message
    with pytest.raises(EmulatedError) as info:
        verify(with_auth(VANILLA, "AWS3 foo"))
    assert info.value.code == "IncompleteSignatureException"


def test_declared_payload_hash_must_match_the_body() -> None:
    vector = next(v for v in load_vectors() if v["name"] == "post-vanilla")
    headers = [*vector["headers"], ["X-Amz-Content-Sha256", "0" * 64]]
    with pytest.raises(EmulatedError, match="signature we calculated"):
        verify({**vector, "headers": headers})


def test_read_without_verifying_takes_the_scope_region() -> None:
    verifier = SigV4Verifier({}, service="lambda")
    auth = auth_of(VANILLA).replace("us-east-1", "eu-west-1")
    assert verifier.read({"authorization": auth}, "us-east-1").region == "eu-west-1"
    assert verifier.read({}, "us-east-1").region == "us-east-1"


# -- botocore-signed requests ---------------------------------------------------------------


def botocore_signed(
    method: str, url: str, body: bytes = b"", *, region: str = "us-east-1"
) -> tuple[str, str, list[tuple[str, str]], bytes]:
    request = AWSRequest(
        method=method, url=url, data=body, headers={"Content-Type": "application/json"}
    )
    SigV4Auth(Credentials("test", "test"), "lambda", region).add_auth(request)
    parts = urlsplit(request.url)
    headers = [("Host", parts.netloc), *request.headers.items()]
    return parts.path, parts.query, headers, body


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", "http://127.0.0.1:1/2025-09-09/microvms", b""),
        (
            "GET",
            "http://127.0.0.1:1/2025-09-09/microvm-images/"
            "arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Amicrovm-image%3Ax/versions/1.0",
            b"",
        ),
        (
            "DELETE",
            "http://127.0.0.1:1/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A0%3Ax"
            "?tagKeys=caf%C3%A9&tagKeys=a%20b&tagKeys=z",
            b"",
        ),
        ("POST", "http://127.0.0.1:1/2025-09-09/microvm-images", b'{"name": "\xc3\xa9"}'),
        ("GET", "http://127.0.0.1:1/2025-09-09/microvm-images/arn:aws:raw:colons", b""),
        ("GET", "http://127.0.0.1:1/2025-09-09/microvms?maxResults=5&nextToken=a%2Bb%3D", b""),
    ],
)
def test_botocore_signed_requests_verify(method: str, url: str, body: bytes) -> None:
    path, query, headers, data = botocore_signed(method, url, body, region="eu-west-1")
    verifier = SigV4Verifier({"test": "test"}, service="lambda")
    result = verifier.verify(method, path, query, headers, data)
    assert (result.access_key, result.region) == ("test", "eu-west-1")
    tampered = [(k, v) for k, v in headers]
    with pytest.raises(EmulatedError):
        verifier.verify(method, path + "x", query, tampered, data)


def test_botocore_signed_request_ten_minutes_old_is_expired() -> None:
    past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=10)
    with pytest.MonkeyPatch.context() as patch:
        set_botocore_clock(patch, lambda: past)
        path, query, headers, data = botocore_signed(
            "GET", "http://127.0.0.1:1/2025-09-09/microvms"
        )
    verifier = SigV4Verifier({"test": "test"}, service="lambda")
    with pytest.raises(EmulatedError) as info:
        verifier.verify("GET", path, query, headers, data)
    assert info.value.code == "InvalidSignatureException"
    assert info.value.message.startswith("Signature expired: ")
    assert info.value.message.endswith(" - 5 min.)")
