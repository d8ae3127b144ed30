"""SigV4 signing: the same signature as botocore, fresh on every attempt."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import SigV4Auth  # type: ignore[import-untyped]
from botocore.awsrequest import AWSRequest  # type: ignore[import-untyped]
from botocore.credentials import (  # type: ignore[import-untyped]
    ReadOnlyCredentials,
    RefreshableCredentials,
)
from botocore_clock import set_botocore_clock
from hypothesis import given, settings
from hypothesis import strategies as st

from microvm_sdk._core.aws_config import CredentialSource, FrozenCredentials
from microvm_sdk._core.errors import ConfigurationError
from microvm_sdk._core.http import HttpRequest
from microvm_sdk._core.signing import SigV4Signer

T1 = dt.datetime(2026, 3, 14, 15, 9, 26)
T2 = dt.datetime(2026, 3, 14, 15, 9, 27)
T3 = dt.datetime(2026, 3, 15, 0, 0, 1)  # the next day: a new signing key
CREDS = FrozenCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
TEMP = FrozenCredentials("ASIAEXAMPLE", "temp/secret", "FwoGZXIvYXdzEXAMPLETOKEN")
URL = "https://lambda.us-east-1.amazonaws.com/2025-09-09/microvm-images"
SIGNER_HEADERS = ("Authorization", "X-Amz-Date", "X-Amz-Security-Token")


class Clock:
    """Sets the time botocore's signer (and so ours) reads."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = T1
        set_botocore_clock(monkeypatch, lambda: self.now)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def quiet_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    yield


def reference(
    request: HttpRequest, creds: Any, region: str = "us-east-1", name: str = "lambda"
) -> dict[str, str]:
    """botocore's plain SigV4Auth on the same request: the headers it ends with."""
    aws = AWSRequest(
        method=request.method, url=request.url, headers=dict(request.headers), data=request.body
    )
    SigV4Auth(
        ReadOnlyCredentials(creds.access_key, creds.secret_key, creds.token), name, region
    ).add_auth(aws)
    return dict(aws.headers.items())


# Against a real botocore client --------------------------------------------------------


class _Sent(Exception):
    def __init__(self, request: Any) -> None:
        super().__init__("sent")
        self.request = request


def boto_request(creds: FrozenCredentials, call: str, **params: Any) -> Any:
    import botocore.session  # type: ignore[import-untyped]

    client = botocore.session.Session().create_client(
        "lambda-microvms",
        region_name="us-east-1",
        aws_access_key_id=creds.access_key,
        aws_secret_access_key=creds.secret_key,
        aws_session_token=creds.token,
    )

    def capture(request: Any, **_: Any) -> None:
        raise _Sent(request)

    client.meta.events.register("before-send", capture)
    try:
        getattr(client, call)(**params)
    except _Sent as sent:
        return sent.request
    raise AssertionError("nothing sent")


CALLS = [
    ("list_microvm_images", {}),
    (
        "get_microvm_image",
        {"imageIdentifier": "arn:aws:lambda:us-east-1:123456789012:microvm-image:a b"},
    ),
    (
        "create_microvm_image",
        {
            "baseImageArn": "arn:aws:lambda:us-east-1:123456789012:microvm-image:base",
            "buildRoleArn": "arn:aws:iam::123456789012:role/build",
            "codeArtifact": {"uri": "s3://bucket/key.zip"},
            "name": "img",
            "clientToken": "token-1",
        },
    ),
]


@pytest.mark.parametrize(("call", "params"), CALLS, ids=[c[0] for c in CALLS])
@pytest.mark.parametrize("creds", [CREDS, TEMP], ids=["long-term", "session-token"])
def test_signature_equals_what_boto3_sends(
    quiet_env: None, clock: Clock, call: str, params: dict[str, Any], creds: FrozenCredentials
) -> None:
    sent = boto_request(creds, call, **params)
    sent_headers = {
        k: v.decode() if isinstance(v, bytes) else str(v) for k, v in sent.headers.items()
    }
    # What boto3 had before signing: everything except the signer's headers and the
    # ones it adds after signing (retry bookkeeping, Content-Length from preparation).
    after_signing = {*SIGNER_HEADERS, "amz-sdk-invocation-id", "amz-sdk-request", "Content-Length"}
    request = HttpRequest(
        method=sent.method,
        url=sent.url,
        headers={k: v for k, v in sent_headers.items() if k not in after_signing},
        body=sent.body or b"",
    )
    SigV4Signer("lambda").sign(request, region="us-east-1", credentials=creds)
    for name in SIGNER_HEADERS:
        assert request.headers.get(name) == sent_headers.get(name), name
    assert request.headers["X-Amz-Date"] == "20260314T150926Z"
    # boto3 sends no payload-hash header for this service; neither do we.
    assert "X-Amz-Content-SHA256" not in sent_headers
    assert not any(k.lower() == "x-amz-content-sha256" for k in request.headers)
    assert ("X-Amz-Security-Token" in request.headers) is (creds.token is not None)


# Against botocore's plain SigV4Auth, on many requests ----------------------------------

HEADER_NAMES = st.sampled_from(
    [
        "Content-Type",
        "content-type",
        "X-Custom",
        "x-amz-meta-a",
        "User-Agent",
        "Expect",
        "Host",
        "Date",
        "date",
        "X-Amz-Content-SHA256",
    ]
)
HEADER_VALUES = st.text(alphabet="abc 123-_/;=", min_size=0, max_size=12)
PATHS = st.lists(st.text(alphabet="ab%3A20/._~-", max_size=8), max_size=4).map(
    lambda p: "/" + "/".join(p)
)
QUERIES = st.lists(
    st.tuples(
        st.text(alphabet="abkz", min_size=1, max_size=3), st.text(alphabet="xy%20=", max_size=4)
    ),
    max_size=3,
).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs))
SIGNER = SigV4Signer("lambda")


@settings(max_examples=150, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
    host=st.sampled_from(
        [
            "https://lambda.eu-west-1.amazonaws.com",
            "http://127.0.0.1:8080",
            "https://h.example:443",
            "http://h.example:80",
            "https://H.Example.COM:8443",
            "http://[::1]:8080",
            "https://[fe80::1]",
            "https://user:pw@h.example",
        ]
    ),
    path=PATHS,
    query=QUERIES,
    headers=st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=5),
    body=st.binary(max_size=64),
    creds=st.sampled_from([CREDS, TEMP, FrozenCredentials("AKID2", "other-secret", "")]),
    region=st.sampled_from(["us-east-1", "eu-west-1", "cn-north-1"]),
    when=st.sampled_from([T1, T2, T3]),
)
def test_signature_equals_botocore_sigv4auth(
    method: str,
    host: str,
    path: str,
    query: str,
    headers: dict[str, str],
    body: bytes,
    creds: FrozenCredentials,
    region: str,
    when: dt.datetime,
) -> None:
    url = host + path + ("?" + query if query else "")
    signer = SIGNER  # shared: its signing-key cache sees many keys, dates and regions
    with pytest.MonkeyPatch.context() as patch:
        set_botocore_clock(patch, lambda: when)
        expected = reference(HttpRequest(method, url, dict(headers), body), creds, region)
        request = HttpRequest(method, url, dict(headers), body)
        signer.sign(request, region=region, credentials=creds)
    assert request.headers == expected


# Behaviour -----------------------------------------------------------------------------


def test_security_token_only_with_session_credentials(clock: Clock) -> None:
    signer = SigV4Signer("lambda")
    request = HttpRequest("GET", URL)
    signer.sign(request, region="us-east-1", credentials=TEMP)
    assert request.headers["X-Amz-Security-Token"] == TEMP.token
    assert "x-amz-security-token" in request.headers["Authorization"]
    # Re-signed with long-term credentials, the stale token must go.
    signer.sign(request, region="us-east-1", credentials=CREDS)
    assert "X-Amz-Security-Token" not in request.headers
    assert request.headers == reference(HttpRequest("GET", URL), CREDS)


def test_each_attempt_is_signed_afresh(clock: Clock) -> None:
    signer = SigV4Signer("lambda")
    request = HttpRequest("POST", URL, {"Content-Type": "application/json"}, b'{"name":"x"}')
    signer.sign(request, region="us-east-1", credentials=CREDS)
    first = dict(request.headers)
    clock.now = T2
    signer.sign(request, region="us-east-1", credentials=CREDS)
    assert request.headers["X-Amz-Date"] == "20260314T150927Z" != first["X-Amz-Date"]
    assert request.headers["Authorization"] != first["Authorization"]
    # One Authorization header, and the result equals a first signature at T2.
    assert sum(k.lower() == "authorization" for k in request.headers) == 1
    fresh = HttpRequest("POST", URL, {"Content-Type": "application/json"}, b'{"name":"x"}')
    SigV4Signer("lambda").sign(fresh, region="us-east-1", credentials=CREDS)
    assert request.headers == fresh.headers


def test_stale_signer_headers_in_any_case_are_replaced(clock: Clock) -> None:
    request = HttpRequest("GET", URL, {"authorization": "old", "x-amz-date": "19700101T000000Z"})
    SigV4Signer("lambda").sign(request, region="us-east-1", credentials=CREDS)
    assert request.headers == reference(HttpRequest("GET", URL), CREDS)


def test_unsigned_mode_changes_nothing() -> None:
    request = HttpRequest("GET", URL, {"User-Agent": "x"})
    signer = SigV4Signer("lambda", unsigned=True)
    signer.sign(request, region="us-east-1", credentials=None)
    assert request.headers == {"User-Agent": "x"}
    assert (signer.unsigned, signer.signing_name) == (True, "lambda")


def test_signing_without_credentials_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="no credentials"):
        SigV4Signer("lambda").sign(HttpRequest("GET", URL), region="us-east-1", credentials=None)


def test_signing_name_and_region_are_in_the_scope(clock: Clock) -> None:
    request = HttpRequest("GET", URL)
    SigV4Signer("othername").sign(request, region="eu-west-3", credentials=CREDS)
    assert (
        "Credential=AKIDEXAMPLE/20260314/eu-west-3/othername/aws4_request"
        in request.headers["Authorization"]
    )


def test_expired_refreshable_credentials_are_refreshed_before_signing(clock: Clock) -> None:
    issued: list[str] = []

    def refresh() -> dict[str, str]:
        issued.append(f"ASIANEW{len(issued)}")
        return {
            "access_key": issued[-1],
            "secret_key": "new-secret",
            "token": "new-token",
            "expiry_time": (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat(),
        }

    expired = RefreshableCredentials(
        "ASIAOLD",
        "old-secret",
        "old-token",
        dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1),
        refresh,
        "test",
    )
    signer = SigV4Signer("lambda")

    # Passed directly (a botocore credentials object is a provider) ...
    request = HttpRequest("GET", URL)
    signer.sign(request, region="us-east-1", credentials=expired)
    assert issued == ["ASIANEW0"]
    assert request.headers == reference(
        HttpRequest("GET", URL), FrozenCredentials("ASIANEW0", "new-secret", "new-token")
    )

    # ... or through a CredentialSource over a botocore session.
    expired2 = RefreshableCredentials(
        "ASIAOLD",
        "old-secret",
        "old-token",
        dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1),
        refresh,
        "test",
    )

    class Session:
        def get_credentials(self) -> Any:
            return expired2

    source = CredentialSource(botocore_session=Session())
    request = HttpRequest("GET", URL)
    signer.sign(request, region="us-east-1", credentials=source)
    assert issued == ["ASIANEW0", "ASIANEW1"]
    assert "Credential=ASIANEW1/" in request.headers["Authorization"]
    assert request.headers["X-Amz-Security-Token"] == "new-token"


def test_signing_is_thread_safe(clock: Clock) -> None:
    signer = SigV4Signer("lambda")
    jobs = [
        (
            f"{URL}/n{i}",
            FrozenCredentials(f"AKID{i % 3}", f"secret{i % 3}"),
            ["us-east-1", "eu-west-1"][i % 2],
        )
        for i in range(24)
    ]
    expected = [reference(HttpRequest("GET", url), creds, region) for url, creds, region in jobs]
    results: list[dict[str, str]] = [{} for _ in jobs]
    barrier = threading.Barrier(len(jobs))

    def work(index: int) -> None:
        url, creds, region = jobs[index]
        barrier.wait()
        for _ in range(20):
            request = HttpRequest("GET", url)
            signer.sign(request, region=region, credentials=creds)
            if results[index] and results[index] != request.headers:
                results[index] = {"mismatch": "yes"}
                return
            results[index] = request.headers

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == expected


def test_botocore_signer_is_imported_on_first_signature_only() -> None:
    script = textwrap.dedent(
        """
        import sys
        from microvm_sdk._core.aws_config import FrozenCredentials
        from microvm_sdk._core.http import HttpRequest
        from microvm_sdk._core.signing import SigV4Signer
        signer = SigV4Signer("lambda")
        before = "botocore.auth" in sys.modules
        credentials = FrozenCredentials("AKID", "secret")
        request = HttpRequest("GET", "https://h.example/")
        signer.sign(request, region="us-east-1", credentials=credentials)
        print(before, "botocore.auth" in sys.modules)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


# What the signer remembers, and when it must forget it -------------------------------


def test_new_credentials_after_a_refresh_sign_the_next_request(clock: Clock) -> None:
    """One auth object per credential set: a refresh (new key, secret, token) is used."""
    issued: list[str] = []

    def refresh() -> dict[str, str]:
        issued.append(f"ASIAREFRESHED{len(issued)}")
        return {
            "access_key": issued[-1],
            "secret_key": f"secret-{len(issued)}",
            "token": f"token-{len(issued)}",
            "expiry_time": (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat(),
        }

    credentials = RefreshableCredentials(
        "ASIAFIRST",
        "first-secret",
        "first-token",
        dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
        refresh,
        "test",
    )
    signer = SigV4Signer("lambda")
    request = HttpRequest("GET", URL)
    signer.sign(request, region="us-east-1", credentials=credentials)
    assert request.headers == reference(
        HttpRequest("GET", URL), FrozenCredentials("ASIAFIRST", "first-secret", "first-token")
    )
    # The credentials expire: the next signature must use what the refresh issued, with
    # the new secret (a new signing key) and the new token.
    credentials._expiry_time = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    request = HttpRequest("GET", URL)
    signer.sign(request, region="us-east-1", credentials=credentials)
    assert issued == ["ASIAREFRESHED0"]
    assert request.headers == reference(
        HttpRequest("GET", URL), FrozenCredentials("ASIAREFRESHED0", "secret-1", "token-1")
    )


@pytest.mark.parametrize(
    "sequence",
    [
        [CREDS, TEMP, CREDS],
        # Same access key, another secret: the signing key must not be reused.
        [CREDS, FrozenCredentials(CREDS.access_key, "rotated-secret"), CREDS],
        # Same key and secret, a token appears and goes.
        [CREDS, FrozenCredentials(CREDS.access_key, CREDS.secret_key, "tok"), CREDS],
    ],
    ids=["other-set", "same-key-new-secret", "token-added"],
)
def test_every_credential_change_is_signed_with_the_new_set(
    clock: Clock, sequence: list[FrozenCredentials]
) -> None:
    signer = SigV4Signer("lambda")
    for creds in sequence:
        request = HttpRequest("POST", URL, {"Content-Type": "application/json"}, b"{}")
        signer.sign(request, region="us-east-1", credentials=creds)
        expected = reference(
            HttpRequest("POST", URL, {"Content-Type": "application/json"}, b"{}"), creds
        )
        assert request.headers == expected


def test_a_new_region_is_signed_for_that_region(clock: Clock) -> None:
    signer = SigV4Signer("lambda")
    for region in ("us-east-1", "eu-west-1", "us-east-1"):
        request = HttpRequest("GET", URL)
        signer.sign(request, region=region, credentials=CREDS)
        assert request.headers == reference(HttpRequest("GET", URL), CREDS, region)
        assert f"/{region}/lambda/aws4_request" in request.headers["Authorization"]


def test_a_new_endpoint_signs_its_own_host_and_path(clock: Clock) -> None:
    """The URL table is keyed by the whole URL: same path, another host or port."""
    signer = SigV4Signer("lambda")
    path = "/2025-09-09/microvm-images/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Amicrovm-image%3Ax"
    for origin in (
        "https://lambda.us-east-1.amazonaws.com",
        "http://127.0.0.1:8080",
        "http://127.0.0.1:8081",
        "https://lambda.us-east-1.amazonaws.com",
        "https://lambda-fips.us-east-1.amazonaws.com/prefix",
    ):
        request = HttpRequest("GET", origin + path)
        signer.sign(request, region="us-east-1", credentials=CREDS)
        assert request.headers == reference(HttpRequest("GET", origin + path), CREDS)


def test_the_url_table_is_bounded_and_stays_correct(clock: Clock) -> None:
    from microvm_sdk._core.signing import MAX_REMEMBERED_URLS

    signer = SigV4Signer("lambda")
    for index in range(MAX_REMEMBERED_URLS * 2 + 5):
        url = f"{URL}/image-{index}?v={index % 7}"
        request = HttpRequest("GET", url)
        signer.sign(request, region="us-east-1", credentials=CREDS)
        if index % 50 == 0 or index > MAX_REMEMBERED_URLS * 2:
            assert request.headers == reference(HttpRequest("GET", url), CREDS)
        assert len(signer._urls) <= MAX_REMEMBERED_URLS


@pytest.mark.parametrize(
    "headers",
    [
        # Within one second: a value changes, a header comes and goes, the case of a
        # name changes, the same headers come in another order.
        [
            {"Content-Type": "application/json"},
            {"Content-Type": "application/x-amz-json-1.1"},
            {"Content-Type": "application/json", "X-Custom": "a"},
            {"Content-Type": "application/json", "X-Custom": "b"},
            {"X-Custom": "b", "Content-Type": "application/json"},
            {"content-type": "application/json"},
            {"Content-Type": "application/json"},
        ],
        # Headers botocore does not sign, and a payload hash header that replaces the
        # body's hash.
        [
            {"User-Agent": "a"},
            {"User-Agent": "b", "X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"},
            {"User-Agent": "b", "X-Amz-Content-SHA256": "abc"},
            {"User-Agent": "b"},
        ],
        # An explicit Host header, then none (the URL's host again).
        [{"Host": "other.example"}, {}, {"Host": "other.example:8443"}, {}],
    ],
    ids=["values-and-names", "unsigned-and-payload-hash", "host-header"],
)
def test_the_header_table_forgets_what_changed(clock: Clock, headers: list[dict[str, str]]) -> None:
    """Canonical headers are remembered per exact header set: any change signs afresh."""
    signer = SigV4Signer("lambda")
    for _ in range(2):  # the second round is answered from the table
        for sent in headers:
            request = HttpRequest("POST", URL, dict(sent), b"{}")
            signer.sign(request, region="us-east-1", credentials=TEMP)
            assert request.headers == reference(HttpRequest("POST", URL, sent, b"{}"), TEMP)


def test_the_header_table_is_per_host_and_second(clock: Clock) -> None:
    signer = SigV4Signer("lambda")
    other = "https://lambda.eu-west-1.amazonaws.com/2025-09-09/microvm-images"
    for url, when in ((URL, T1), (other, T1), (URL, T1), (URL, T2), (other, T2), (URL, T1)):
        clock.now = when
        request = HttpRequest("GET", url)
        signer.sign(request, region="us-east-1", credentials=CREDS)
        assert request.headers == reference(HttpRequest("GET", url), CREDS)


def test_the_header_table_is_bounded_and_stays_correct(clock: Clock) -> None:
    from microvm_sdk._core.signing import MAX_REMEMBERED_HEADER_SETS, _botocore

    signer = SigV4Signer("lambda")
    for index in range(MAX_REMEMBERED_HEADER_SETS * 2 + 5):
        extra = {"X-Index": str(index)}
        request = HttpRequest("GET", URL, dict(extra))
        signer.sign(request, region="us-east-1", credentials=CREDS)
        assert request.headers == reference(HttpRequest("GET", URL, extra), CREDS)
    auth = signer._auth_for(_botocore(), CREDS, "us-east-1")
    assert 0 < len(auth._headers) <= MAX_REMEMBERED_HEADER_SETS


def test_a_header_value_that_cannot_be_remembered_is_left_to_botocore(clock: Clock) -> None:
    """An unhashable value (a hook's mistake) fails as botocore's own signer fails."""
    headers: Any = {"X-List": ["a", "b"]}
    with pytest.raises(AttributeError):
        reference(HttpRequest("GET", URL, dict(headers)), CREDS)
    with pytest.raises(AttributeError):
        SigV4Signer("lambda").sign(
            HttpRequest("GET", URL, dict(headers)), region="us-east-1", credentials=CREDS
        )


@pytest.mark.parametrize(
    "times",
    [
        # Within one second, then the next second by a microsecond.
        [
            dt.datetime(2026, 3, 14, 15, 9, 26, 0),
            dt.datetime(2026, 3, 14, 15, 9, 26, 999_999),
            dt.datetime(2026, 3, 14, 15, 9, 27, 1),
        ],
        # Backwards, as a test that moves the clock may do.
        [T2, T1, T2],
        # Same second of another minute, hour, day, month, year.
        [
            dt.datetime(2026, 3, 14, 15, 9, 26),
            dt.datetime(2026, 3, 14, 15, 10, 26),
            dt.datetime(2026, 3, 14, 16, 10, 26),
            dt.datetime(2026, 3, 15, 16, 10, 26),
            dt.datetime(2026, 4, 15, 16, 10, 26),
            dt.datetime(2027, 4, 15, 16, 10, 26),
        ],
        # An aware clock, as a test may set one.
        [dt.datetime(2026, 3, 14, 15, 9, 26, tzinfo=dt.UTC), T3],
    ],
    ids=["sub-second", "backwards", "every-field", "aware"],
)
def test_a_moved_clock_gives_the_right_date_and_signature(
    clock: Clock, times: list[dt.datetime]
) -> None:
    signer = SigV4Signer("lambda")
    for when in times:
        clock.now = when
        request = HttpRequest("GET", URL)
        signer.sign(request, region="us-east-1", credentials=CREDS)
        assert request.headers["X-Amz-Date"] == when.strftime("%Y%m%dT%H%M%SZ")
        assert request.headers == reference(HttpRequest("GET", URL), CREDS)


def test_freezegun_frozen_and_ticking_clocks_are_obeyed() -> None:
    """freezegun replaces ``datetime.datetime``: every signature reads the frozen time."""
    freezegun = pytest.importorskip("freezegun")
    signer = SigV4Signer("lambda")
    with freezegun.freeze_time("2026-03-14 23:59:59") as frozen:
        request = HttpRequest("GET", URL)
        signer.sign(request, region="us-east-1", credentials=CREDS)
        assert request.headers["X-Amz-Date"] == "20260314T235959Z"
        assert request.headers == reference(HttpRequest("GET", URL), CREDS)
        frozen.tick(dt.timedelta(seconds=1))  # midnight: a new date and signing key
        request = HttpRequest("GET", URL)
        signer.sign(request, region="us-east-1", credentials=CREDS)
        assert request.headers["X-Amz-Date"] == "20260315T000000Z"
        assert "/20260315/us-east-1/" in request.headers["Authorization"]
        assert request.headers == reference(HttpRequest("GET", URL), CREDS)
    with freezegun.freeze_time("2031-01-02 03:04:05"):
        request = HttpRequest("GET", URL)
        signer.sign(request, region="us-east-1", credentials=CREDS)
        assert request.headers["X-Amz-Date"] == "20310102T030405Z"


def test_botocore_add_auth_is_what_the_signer_computes(clock: Clock) -> None:
    """The subclass's own entry point and botocore's ``add_auth`` agree, header for header."""
    from microvm_sdk._core.signing import _botocore

    request = HttpRequest("PUT", URL + "/a/./b//c?z=1&a=2", {"X-Custom": " a  b "}, b"body")
    SigV4Signer("lambda").sign(request, region="us-east-1", credentials=TEMP)
    aws = AWSRequest(method="PUT", url=request.url, headers={"X-Custom": " a  b "}, data=b"body")
    _botocore().auth_class(
        ReadOnlyCredentials(TEMP.access_key, TEMP.secret_key, TEMP.token), "lambda", "us-east-1"
    ).add_auth(aws)
    assert request.headers == dict(aws.headers.items())
    # The header order is botocore's too: the request's own, then date, token, signature.
    assert list(request.headers) == [
        "X-Custom",
        "X-Amz-Date",
        "X-Amz-Security-Token",
        "Authorization",
    ]


def test_the_scope_strings_are_the_days_they_are_made_for(clock: Clock) -> None:
    """The scope kept per day changes at midnight, and back, with the clock."""
    signer = SigV4Signer("lambda")
    for when in (
        dt.datetime(2026, 3, 14, 23, 59, 59),
        dt.datetime(2026, 3, 15, 0, 0, 0),
        dt.datetime(2026, 3, 15, 0, 0, 1),
        dt.datetime(2026, 3, 14, 12, 0, 0),  # moved back a day by a test
    ):
        clock.now = when
        request = HttpRequest("POST", URL, {"Content-Type": "application/json"}, b"{}")
        signer.sign(request, region="us-east-1", credentials=TEMP)
        day = when.strftime("%Y%m%d")
        assert (
            f"Credential={TEMP.access_key}/{day}/us-east-1/lambda/aws4_request,"
            in (request.headers["Authorization"])
        )
        assert request.headers == reference(
            HttpRequest("POST", URL, {"Content-Type": "application/json"}, b"{}"), TEMP
        )
