"""Region, profile, endpoint settings, credentials, and Config validation."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microvm_sdk._core.aws_config import AwsSettings, CredentialSource, FrozenCredentials
from microvm_sdk._core.endpoints import EndpointResolver
from microvm_sdk._core.errors import ConfigurationError
from microvm_sdk.config import Config

ROOT = Path(__file__).resolve().parents[2]
RULESET = json.loads(
    (ROOT / "service-model/lambda-microvms/2025-09-09/endpoint-rule-set-1.json").read_text()
)
SERVICE = "LAMBDA_MICROVMS"


class Files:
    """Paths of the shared config and credentials files one test uses."""

    def __init__(self, root: Path) -> None:
        self.config = root / "config"
        self.credentials = root / "credentials"

    def write_config(self, text: str) -> None:
        self.config.write_text(textwrap.dedent(text))

    def write_credentials(self, text: str) -> None:
        self.credentials.write_text(textwrap.dedent(text))


@pytest.fixture
def files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Files]:
    """A clean environment: no AWS_* variables, no IMDS, config files in tmp_path."""
    for name in list(os.environ):
        if name.startswith("AWS_") or name == "REQUESTS_CA_BUNDLE":
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    yield Files(tmp_path)


def resolve(**kwargs: Any) -> AwsSettings:
    return AwsSettings.resolve(service_env_name=SERVICE, **kwargs)


# Region ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("explicit", "env", "expected"),
    [
        (
            "ap-south-1",
            {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-west-2"},
            "ap-south-1",
        ),
        (None, {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-west-2"}, "eu-west-1"),
        (None, {"AWS_DEFAULT_REGION": "us-west-2"}, "us-west-2"),
        (None, {"AWS_REGION": "", "AWS_DEFAULT_REGION": "us-west-2"}, "us-west-2"),
        (None, {}, "ca-central-1"),
    ],
)
def test_region_precedence(
    files: Files,
    monkeypatch: pytest.MonkeyPatch,
    explicit: str | None,
    env: dict[str, str],
    expected: str,
) -> None:
    files.write_config("[default]\nregion = ca-central-1\n")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert resolve(region_name=explicit).region == expected


def test_no_region_names_every_way_to_set_it(files: Files, monkeypatch: pytest.MonkeyPatch) -> None:
    files.write_config("[profile dev]\noutput = json\n")
    monkeypatch.setenv("AWS_PROFILE", "dev")
    with pytest.raises(ConfigurationError) as caught:
        resolve()
    message = str(caught.value)
    for needle in (
        "region_name=",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "[profile dev]",
        str(files.config),
        "--region",
    ):
        assert needle in message, needle
    assert message.startswith("no AWS region configured")


def test_invalid_region_is_refused(files: Files) -> None:
    with pytest.raises(
        ConfigurationError, match=r"region 'us east/1' \(from argument region_name\)"
    ):
        resolve(region_name="us east/1")


# Profile -----------------------------------------------------------------------------


def test_profile_from_aws_profile(files: Files, monkeypatch: pytest.MonkeyPatch) -> None:
    files.write_config(
        """\
        [default]
        region = us-east-1
        [profile dev]
        region = eu-central-1
        max_attempts = 7
        [profile other]
        region = sa-east-1
        """
    )
    monkeypatch.setenv("AWS_PROFILE", "dev")
    monkeypatch.setenv("AWS_DEFAULT_PROFILE", "other")
    settings = resolve()
    assert (settings.profile, settings.region, settings.max_attempts) == ("dev", "eu-central-1", 7)
    assert resolve(profile_name="other").region == "sa-east-1"
    monkeypatch.delenv("AWS_PROFILE")
    assert resolve().profile == "other"
    monkeypatch.delenv("AWS_DEFAULT_PROFILE")
    assert (resolve().profile, resolve().region) == (None, "us-east-1")


def test_missing_named_profile_is_an_error(files: Files, monkeypatch: pytest.MonkeyPatch) -> None:
    files.write_config("[default]\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_PROFILE", "nope")
    with pytest.raises(
        ConfigurationError, match=r"profile 'nope' \(from AWS_PROFILE\) was not found"
    ):
        resolve()


def test_credentials_file_profiles_count_like_botocore(
    files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A profile only in the credentials file exists, and its values are the profile's."""
    import botocore.session  # type: ignore[import-untyped]

    files.write_config("[profile dev]\nregion = us-west-1\n")
    files.write_credentials("[dev]\nregion = us-west-2\n[creds-only]\nregion = eu-north-1\n")
    for profile in ("dev", "creds-only"):
        monkeypatch.setenv("AWS_PROFILE", profile)
        expected = botocore.session.Session().get_config_variable("region")
        assert resolve().region == expected
    assert resolve().region == "eu-north-1"


def test_unparsable_config_file(files: Files) -> None:
    files.config.write_text("[default\nregion = x\n")
    with pytest.raises(ConfigurationError, match="cannot parse"):
        resolve(region_name="us-east-1")


def test_config_file_is_reread_when_it_changes(files: Files) -> None:
    files.write_config("[default]\nregion = us-east-1\n")
    assert resolve().region == "us-east-1"
    files.write_config("[default]\nregion = eu-west-3\nmax_attempts = 2\n")
    assert resolve().region == "eu-west-3"


# Endpoint URL: the same answer as a botocore client ----------------------------------

GLOBAL_SECTION = """\
[default]
endpoint_url = http://profile-global.example
services = svc
[services svc]
lambda_microvms =
  endpoint_url = http://config-service.example
"""

ENDPOINT_CASES: list[tuple[str, str | None, dict[str, str], str]] = [
    ("nothing", None, {}, "[default]\n"),
    ("explicit only", "http://explicit.example", {}, "[default]\n"),
    (
        "explicit beats all",
        "http://explicit.example",
        {
            "AWS_ENDPOINT_URL_LAMBDA_MICROVMS": "http://env-service.example",
            "AWS_ENDPOINT_URL": "http://env-global.example",
        },
        GLOBAL_SECTION,
    ),
    (
        "env service",
        None,
        {
            "AWS_ENDPOINT_URL_LAMBDA_MICROVMS": "http://env-service.example",
            "AWS_ENDPOINT_URL": "http://env-global.example",
        },
        GLOBAL_SECTION,
    ),
    (
        "env global beats config",
        None,
        {"AWS_ENDPOINT_URL": "http://env-global.example"},
        GLOBAL_SECTION,
    ),
    ("config service", None, {}, GLOBAL_SECTION),
    ("config global", None, {}, "[default]\nendpoint_url = http://profile-global.example\n"),
    (
        "services section for another service",
        None,
        {},
        "[default]\nendpoint_url = http://profile-global.example\nservices = svc\n"
        "[services svc]\ns3 =\n  endpoint_url = http://s3.example\n",
    ),
    ("empty env var is skipped", None, {"AWS_ENDPOINT_URL_LAMBDA_MICROVMS": ""}, GLOBAL_SECTION),
    (
        "ignore (env) keeps defaults",
        None,
        {
            "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
            "AWS_ENDPOINT_URL": "http://env-global.example",
        },
        GLOBAL_SECTION,
    ),
    (
        "ignore (env) keeps explicit",
        "http://explicit.example",
        {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "TRUE"},
        GLOBAL_SECTION,
    ),
    ("ignore false", None, {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false"}, GLOBAL_SECTION),
    (
        "ignore (config file)",
        None,
        {},
        GLOBAL_SECTION.replace(
            "services = svc", "services = svc\nignore_configured_endpoint_urls = true"
        ),
    ),
    (
        "profile from AWS_PROFILE",
        None,
        {"AWS_PROFILE": "dev"},
        GLOBAL_SECTION + "[profile dev]\nendpoint_url = http://dev.example\n",
    ),
    (
        "custom endpoint turns FIPS and dual-stack off",
        None,
        {"AWS_USE_FIPS_ENDPOINT": "true", "AWS_USE_DUALSTACK_ENDPOINT": "true"},
        GLOBAL_SECTION,
    ),
    (
        "FIPS and dual-stack from the config file",
        None,
        {},
        "[default]\nuse_fips_endpoint = true\nuse_dualstack_endpoint = True\n",
    ),
    ("FIPS from env", None, {"AWS_USE_FIPS_ENDPOINT": "true"}, "[default]\n"),
    ("not-true is false", None, {"AWS_USE_FIPS_ENDPOINT": "yes"}, "[default]\n"),
    (
        "base path kept",
        None,
        {"AWS_ENDPOINT_URL": "https://proxy.example:8443/base"},
        "[default]\n",
    ),
]


def botocore_client(endpoint_url: str | None) -> Any:
    import botocore.session

    return botocore.session.Session().create_client(
        "lambda-microvms",
        region_name="us-east-1",
        endpoint_url=endpoint_url,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
    )


class _Sent(Exception):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def sent_url(client: Any) -> str:
    """The endpoint a botocore client actually sends to (request URL minus the route)."""

    def capture(request: Any, **_: Any) -> None:
        raise _Sent(request.url)

    client.meta.events.register("before-send", capture)
    try:
        client.list_microvm_images()
    except _Sent as sent:
        return sent.url.split("/2025-09-09/")[0]
    raise AssertionError("no request was sent")


@pytest.mark.parametrize(
    ("explicit", "env", "config"),
    [c[1:] for c in ENDPOINT_CASES],
    ids=[c[0] for c in ENDPOINT_CASES],
)
def test_endpoint_url_matches_a_botocore_client(
    files: Files,
    monkeypatch: pytest.MonkeyPatch,
    explicit: str | None,
    env: dict[str, str],
    config: str,
) -> None:
    files.write_config(config)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    client = botocore_client(explicit)
    settings = resolve(region_name="us-east-1", endpoint_url=explicit)
    endpoint = settings.resolve_endpoint(EndpointResolver(RULESET))
    if settings.endpoint_url is not None:
        assert settings.endpoint_url == client.meta.endpoint_url
    assert endpoint.url.rstrip("/") == sent_url(client)


def test_endpoint_url_sources_are_named(files: Files, monkeypatch: pytest.MonkeyPatch) -> None:
    files.write_config(GLOBAL_SECTION)
    assert resolve(region_name="us-east-1").endpoint_url_source == (
        "endpoint_url for lambda_microvms in services section 'svc'"
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA_MICROVMS", "http://env-service.example")
    assert (
        resolve(region_name="us-east-1").endpoint_url_source == "AWS_ENDPOINT_URL_LAMBDA_MICROVMS"
    )
    settings = resolve(region_name="us-east-1", endpoint_url="http://127.0.0.1:9000")
    assert (settings.endpoint_url, settings.endpoint_url_source) == (
        "http://127.0.0.1:9000",
        "argument endpoint_url",
    )


def test_missing_services_section_is_an_error(files: Files) -> None:
    files.write_config("[default]\nservices = absent\n")
    with pytest.raises(ConfigurationError, match="services section 'absent', which does not exist"):
        resolve(region_name="us-east-1")


@pytest.mark.parametrize("url", ["not a url", "ftp://x.example", "http://", "https://h:notaport"])
def test_invalid_endpoint_url(files: Files, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    with pytest.raises(ConfigurationError, match=r"\(from AWS_ENDPOINT_URL\) is not a valid"):
        resolve(region_name="us-east-1")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            " http://h.example",
            r"' http://h.example' \(from argument endpoint_url\) must not contain blanks",
        ),
        ("http://local host:8080", "must not contain blanks"),
        ("http://my_service:4566", "invalid host name"),
        (
            "http://h.example#frag",
            r"'http://h.example'... \(from argument endpoint_url\) must not have a query",
        ),
        ("http://h.example/?token=s3cr3t", "must not have a query"),
        ("http://[::g]:80", "is not a valid"),
    ],
)
def test_endpoint_urls_a_request_could_not_use_are_refused_at_construction(
    files: Files, url: str, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message) as info:
        resolve(region_name="us-east-1", endpoint_url=url)
    assert "s3cr3t" not in str(info.value)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"endpoint_url": 5}, "endpoint_url must be a string, got int"),
        ({"profile_name": ["dev"]}, "profile_name must be a string, got list"),
        (
            {"aws_access_key_id": 1234567, "aws_secret_access_key": "s3cr3t"},
            "aws_access_key_id must be a string, got int",
        ),
        (
            {"aws_access_key_id": "AK", "aws_secret_access_key": b"s3cr3t"},
            "aws_secret_access_key must be a string, got bytes",
        ),
        ({"verify": 5}, "verify must be True, False or the path of a CA bundle, got int"),
        ({"verify": ""}, "verify must be True, False or the path of a CA bundle, got ''"),
    ],
)
def test_client_arguments_of_the_wrong_type_are_refused_by_name(
    files: Files, arguments: dict[str, Any], message: str
) -> None:
    # Before, endpoint_url=5 raised TypeError from re, and verify=5 or a key that is an
    # int were accepted (the key failing later, deep in signing).
    with pytest.raises(ConfigurationError) as info:
        resolve(region_name="us-east-1", **arguments)
    assert str(info.value) == message
    assert "s3cr3t" not in str(info.value) and "1234567" not in str(info.value)


def test_fips_with_custom_endpoint_in_the_resolver_is_the_rules_error(files: Files) -> None:
    with pytest.raises(ConfigurationError, match="FIPS and custom endpoint are not supported"):
        EndpointResolver(RULESET).resolve(
            region="us-east-1", use_fips=True, endpoint="http://x.example"
        )


# FIPS / dual-stack / max attempts / CA bundle ----------------------------------------


def test_flag_precedence(files: Files, monkeypatch: pytest.MonkeyPatch) -> None:
    files.write_config("[default]\nuse_fips_endpoint = true\nuse_dualstack_endpoint = true\n")
    settings = resolve(region_name="us-east-1")
    assert (settings.use_fips_endpoint, settings.use_dualstack_endpoint) == (True, True)
    monkeypatch.setenv("AWS_USE_FIPS_ENDPOINT", "false")
    assert resolve(region_name="us-east-1").use_fips_endpoint is False
    assert resolve(region_name="us-east-1", use_fips_endpoint=True).use_fips_endpoint is True
    assert (
        resolve(region_name="us-east-1", use_dualstack_endpoint=False).use_dualstack_endpoint
        is False
    )


def test_max_attempts_precedence_and_errors(files: Files, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve(region_name="us-east-1").max_attempts == 3
    files.write_config("[default]\nmax_attempts = 5\n")
    assert resolve(region_name="us-east-1").max_attempts == 5
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    assert resolve(region_name="us-east-1").max_attempts == 2
    assert resolve(region_name="us-east-1", max_attempts=9).max_attempts == 9
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "zero")
    with pytest.raises(
        ConfigurationError,
        match="max_attempts must be an integer >= 1 and <= 10000, got 'zero' from AWS_MAX_ATTEMPTS",
    ):
        resolve(region_name="us-east-1")
    monkeypatch.delenv("AWS_MAX_ATTEMPTS")
    files.write_config("[default]\nmax_attempts = 0\n")
    with pytest.raises(ConfigurationError, match=r"got '0' from max_attempts in profile 'default'"):
        resolve(region_name="us-east-1")


# Retry mode and max attempts: botocore's config loader is the oracle -------------------

RETRY_CASES = list(
    itertools.product(
        (None, "standard", "adaptive"),  # AWS_RETRY_MODE
        (None, "2"),  # AWS_MAX_ATTEMPTS
        (None, "adaptive", "standard"),  # retry_mode in the profile (config file)
        (None, "4"),  # max_attempts in the profile (config file)
        (None, "6"),  # max_attempts in the profile (credentials file)
        ("default", "team"),  # the profile, named through AWS_PROFILE for "team"
    )
)


def test_retry_settings_match_botocores_config_loader(
    files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every combination of environment, config file and credentials file."""
    import botocore.session

    for env_mode, env_attempts, file_mode, file_attempts, cred_attempts, profile in RETRY_CASES:
        header = "[default]" if profile == "default" else f"[profile {profile}]"
        lines = [header, "region = us-east-1"]
        lines += [f"retry_mode = {file_mode}"] if file_mode else []
        lines += [f"max_attempts = {file_attempts}"] if file_attempts else []
        files.write_config("\n".join(lines) + "\n")
        files.write_credentials(
            f"[{profile}]\nmax_attempts = {cred_attempts}\n" if cred_attempts else ""
        )
        for name, value in (
            ("AWS_RETRY_MODE", env_mode),
            ("AWS_MAX_ATTEMPTS", env_attempts),
            ("AWS_PROFILE", None if profile == "default" else profile),
        ):
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        session = botocore.session.Session()
        expected_mode = session.get_config_variable("retry_mode")
        if not (env_mode or file_mode):
            # Nothing configured: botocore's own default, "standard" since 1.44 (older
            # releases said "legacy", which this SDK does not have).
            assert expected_mode in ("standard", "legacy")
            expected_mode = "standard"
        expected_attempts = session.get_config_variable("max_attempts") or 3
        settings = resolve()
        case = (env_mode, env_attempts, file_mode, file_attempts, cred_attempts, profile)
        assert (settings.retry_mode, settings.max_attempts) == (
            expected_mode,
            int(expected_attempts),
        ), case


def test_retry_mode_from_a_botocore_session(files: Files, monkeypatch: pytest.MonkeyPatch) -> None:
    import botocore.session

    files.write_config("[profile team]\nregion = us-east-1\nretry_mode = adaptive\n")
    session = botocore.session.Session(profile="team")
    assert resolve(botocore_session=session).retry_mode == "adaptive"
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    assert resolve(botocore_session=session).retry_mode == "standard"
    session.set_config_variable("retry_mode", "adaptive")  # the session's own variable wins
    assert resolve(botocore_session=session).retry_mode == "adaptive"
    assert resolve(botocore_session=session, retry_mode="standard").retry_mode == "standard"


def test_retry_mode_precedence(files: Files, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve(region_name="us-east-1").retry_mode == "standard"
    files.write_config("[default]\nretry_mode = adaptive\n")
    assert resolve(region_name="us-east-1").retry_mode == "adaptive"
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    assert resolve(region_name="us-east-1").retry_mode == "standard"
    assert resolve(region_name="us-east-1", retry_mode="adaptive").retry_mode == "adaptive"
    monkeypatch.setenv("AWS_RETRY_MODE", "")  # empty counts as unset
    assert resolve(region_name="us-east-1").retry_mode == "adaptive"


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("env", r"retry_mode 'legacy' \(from AWS_RETRY_MODE\) is not supported: .* Use 'standard'"),
        ("file", r"retry_mode 'legacy' \(from retry_mode in profile 'default' of .*config\)"),
        ("argument", r"retry_mode 'legacy' \(from argument retry_mode\)"),
    ],
)
def test_legacy_retry_mode_is_refused_wherever_it_comes_from(
    files: Files, monkeypatch: pytest.MonkeyPatch, where: str, message: str
) -> None:
    if where == "env":
        monkeypatch.setenv("AWS_RETRY_MODE", "legacy")
    elif where == "file":
        files.write_config("[default]\nretry_mode = legacy\n")
    kwargs = {"retry_mode": "legacy"} if where == "argument" else {}
    with pytest.raises(ConfigurationError, match=message):
        resolve(region_name="us-east-1", **kwargs)


def test_unknown_retry_mode_is_refused(files: Files, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_RETRY_MODE", "Adaptive")
    with pytest.raises(
        ConfigurationError,
        match=r"must be 'standard' or 'adaptive', got 'Adaptive' \(from AWS_RETRY_MODE\)",
    ):
        resolve(region_name="us-east-1")


def test_ca_bundle_precedence(files: Files, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve(region_name="us-east-1").verify is True
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/requests.pem")
    assert resolve(region_name="us-east-1").verify == "/requests.pem"
    files.write_config("[default]\nca_bundle = /config.pem\n")
    assert resolve(region_name="us-east-1").verify == "/config.pem"
    monkeypatch.setenv("AWS_CA_BUNDLE", "/env.pem")
    assert resolve(region_name="us-east-1").verify == "/env.pem"
    assert resolve(region_name="us-east-1", ca_bundle="/option.pem").verify == "/option.pem"
    assert (
        resolve(region_name="us-east-1", ca_bundle="/option.pem", verify="/arg.pem").verify
        == "/arg.pem"
    )
    assert resolve(region_name="us-east-1", verify=False).verify is False


# Credentials -------------------------------------------------------------------------


def test_explicit_credentials(files: Files, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "envsecret")
    settings = resolve(
        region_name="us-east-1",
        aws_access_key_id="AKIDARG",
        aws_secret_access_key="argsecret",
        aws_session_token="argtoken",
    )
    source = settings.credential_source()
    assert source.get() == FrozenCredentials("AKIDARG", "argsecret", "argtoken")
    assert source.method == "explicit"
    assert "argsecret" not in repr(settings) and "argsecret" not in repr(source.get())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"aws_access_key_id": "AKID"},
        {"aws_secret_access_key": "s"},
        {"aws_session_token": "t"},
        {"aws_access_key_id": "AKID", "aws_secret_access_key": ""},
    ],
)
def test_partial_explicit_credentials(files: Files, kwargs: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError, match="aws_access_key_id and aws_secret_access_key"):
        resolve(region_name="us-east-1", **kwargs)


def test_credentials_from_environment(files: Files, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "envsecret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "envtoken")
    source = resolve(region_name="us-east-1").credential_source()
    assert source.method is None
    assert source.get() == FrozenCredentials("AKIDENV", "envsecret", "envtoken")
    assert source.method == "env"


def test_credentials_from_shared_credentials_profile(
    files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    files.write_config("[profile dev]\nregion = eu-west-1\n")
    files.write_credentials(
        "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = d\n"
        "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = devsecret\n"
    )
    monkeypatch.setenv("AWS_PROFILE", "dev")
    source = resolve().credential_source()
    assert source.get() == FrozenCredentials("AKIDDEV", "devsecret", None)
    assert source.method == "shared-credentials-file"
    assert resolve(profile_name="default", region_name="us-east-1").credential_source().get() == (
        FrozenCredentials("AKIDDEFAULT", "d", None)
    )


def test_credentials_region_and_profile_from_a_botocore_session(
    files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    import botocore.session

    files.write_config("[profile team]\nregion = ap-southeast-2\nmax_attempts = 4\n")
    session = botocore.session.Session(profile="team")
    session.set_credentials("AKIDSESSION", "sessionsecret", "sessiontoken")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "envsecret")
    settings = resolve(botocore_session=session)
    assert (settings.profile, settings.region, settings.max_attempts) == (
        "team",
        "ap-southeast-2",
        4,
    )
    assert settings.credential_source().get() == FrozenCredentials(
        "AKIDSESSION", "sessionsecret", "sessiontoken"
    )
    # AWS_REGION beats the profile's region; the session's own region variable beats both.
    monkeypatch.setenv("AWS_REGION", "us-west-1")
    assert resolve(botocore_session=session).region == "us-west-1"
    session.set_config_variable("region", "eu-south-1")
    assert resolve(botocore_session=session).region == "eu-south-1"
    # Explicit keys still win over the session.
    explicit = resolve(botocore_session=session, aws_access_key_id="A", aws_secret_access_key="B")
    assert explicit.credential_source().get() == FrozenCredentials("A", "B", None)
    with pytest.raises(ConfigurationError, match="conflicts with the botocore session's profile"):
        resolve(botocore_session=session, profile_name="other")


def test_no_credentials_found(files: Files) -> None:
    source = resolve(region_name="us-east-1").credential_source()
    with pytest.raises(ConfigurationError) as caught:
        source.get()
    message = str(caught.value)
    assert message.startswith(
        "no credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    )
    assert str(files.credentials) in message and "Config(unsigned=True)" in message


@pytest.mark.parametrize(
    "process",
    [
        "/nonexistent/helper --x",  # OSError from subprocess
        f"{sys.executable} -c 'import sys; sys.exit(3)'",  # botocore's CredentialRetrievalError
    ],
)
def test_credential_errors_become_configuration_errors(files: Files, process: str) -> None:
    files.write_config(f"[profile broken]\ncredential_process = {process}\n")
    source = CredentialSource(profile="broken")
    with pytest.raises(
        ConfigurationError, match="cannot load credentials for profile 'broken'"
    ) as caught:
        source.get()
    assert caught.value.__cause__ is not None


class _CountingSession:
    """A stand-in botocore session whose credential lookup is slow and counted."""

    def __init__(self) -> None:
        self.calls = 0

    def get_credentials(self) -> Any:
        from botocore.credentials import Credentials  # type: ignore[import-untyped]

        self.calls += 1
        time.sleep(0.05)
        return Credentials("AKIDSLOW", "slowsecret")


def test_credentials_resolve_once_across_threads() -> None:
    session = _CountingSession()
    source = CredentialSource(botocore_session=session)
    results: list[FrozenCredentials] = []

    def work() -> None:
        results.append(source.get())

    threads = [threading.Thread(target=work) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert session.calls == 1
    assert results == [FrozenCredentials("AKIDSLOW", "slowsecret", None)] * 16


def test_refreshable_credentials_are_refreshed(files: Files) -> None:
    from datetime import UTC, datetime, timedelta

    from botocore.credentials import RefreshableCredentials

    issued: list[str] = []

    def refresh() -> dict[str, str]:
        issued.append(f"AKID{len(issued)}")
        return {
            "access_key": issued[-1],
            "secret_key": "s",
            "token": "t",
            "expiry_time": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        }

    expired = RefreshableCredentials(
        "AKIDOLD", "s", "t", datetime.now(UTC) - timedelta(minutes=1), refresh, "custom"
    )

    class Session:
        def get_credentials(self) -> Any:
            return expired

    source = CredentialSource(botocore_session=Session())
    assert source.get().access_key == "AKID0"
    assert source.get().access_key == "AKID0"  # fresh for an hour: no second refresh
    assert issued == ["AKID0"]


# Cheap construction --------------------------------------------------------------------


def test_construction_imports_no_heavy_botocore_module(tmp_path: Path) -> None:
    (tmp_path / "config").write_text("[default]\nregion = us-east-1\n")
    script = textwrap.dedent(
        """
        import sys
        from microvm_sdk._core.aws_config import AwsSettings
        from microvm_sdk._core.endpoints import EndpointResolver
        import microvm_sdk._core.signing, microvm_sdk.config
        settings = AwsSettings.resolve(
            service_env_name="X", aws_access_key_id="a", aws_secret_access_key="b"
        )
        settings.credential_source().get()
        heavy = ("botocore.session", "botocore.auth", "botocore.credentials", "urllib3")
        heavy = [name for name in heavy + ("botocore.utils",) if name in sys.modules]
        print(settings.region, heavy)
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=str(tmp_path / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "c"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "us-east-1 []"


# Config validation ---------------------------------------------------------------------


def test_config_defaults() -> None:
    config = Config()
    assert (config.connect_timeout, config.read_timeout, config.max_pool_connections) == (
        60,
        60,
        10,
    )
    # retry_mode None: read from AWS_RETRY_MODE or the profile, else "standard".
    assert (config.max_attempts, config.retry_mode, config.unsigned) == (None, None, False)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"connect_timeout": 0}, "connect_timeout"),
        ({"read_timeout": -1}, "read_timeout"),
        ({"read_timeout": "5"}, "read_timeout"),
        ({"read_timeout": True}, "read_timeout"),
        ({"max_pool_connections": 0}, "max_pool_connections"),
        ({"max_attempts": 0}, "max_attempts must be an integer >= 1"),
        ({"max_attempts": 2.5}, "max_attempts"),
        ({"retry_mode": "legacy"}, "retry_mode 'legacy' .* is not supported"),
        ({"retry_mode": "Standard"}, "retry_mode must be 'standard' or 'adaptive'"),
        ({"use_fips_endpoint": "true"}, "use_fips_endpoint"),
        ({"use_dualstack_endpoint": 1}, "use_dualstack_endpoint"),
        ({"proxies": ["http://p"]}, "proxies"),
        ({"proxies": {"https": 3}}, "proxies"),
        ({"ca_bundle": ""}, "ca_bundle"),
        ({"client_cert": ("a",)}, "client_cert"),
        ({"user_agent_extra": "x\r\nInjected: 1"}, "user_agent_extra"),
        ({"signature_version": "v2"}, "signature_version"),
        ({"signature_version": "v4", "unsigned": True}, "signature_version"),
        ({"unsigned": "yes"}, "unsigned"),
    ],
)
def test_config_validation_names_the_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigurationError, match=field):
        Config(**kwargs)


def test_config_accepts_valid_values() -> None:
    config = Config(
        connect_timeout=1.5,
        read_timeout=2,
        max_pool_connections=1,
        max_attempts=1,
        retry_mode="adaptive",
        use_fips_endpoint=True,
        use_dualstack_endpoint=False,
        proxies={"https": "http://proxy:3128"},
        ca_bundle="/ca.pem",
        client_cert=("/cert.pem", "/key.pem"),
        user_agent_extra="app/1.0",
        signature_version="v4",
    )
    assert config.client_cert == ("/cert.pem", "/key.pem")
    with pytest.raises(TypeError):
        Config(1)  # type: ignore[call-arg]


URLS = st.one_of(
    st.from_regex(
        r"(https?|HTTP|ftp)://([a-zA-Z0-9._-]{0,12}|\[::1\]|\[fe80::1\]|\[::g\]|u:p@h)"
        r"(:[0-9]{0,6}|:x)?([/?#][ -~]{0,10})?",
        fullmatch=True,
    ),
    st.text(max_size=30),
    st.sampled_from(
        [
            "http://localhost:4566",
            "https://lambda.us-east-1.amazonaws.com",
            "http://127.0.0.1:65535/",
            "http://127.0.0.1:65536/",
            "http://h:0",
            "http://./",
            "http://h/pa th",
            "http://h/\t",
            " http://h",
            "http://h?x=@y",
            "http://u@h",
            "http:/h",
            "http://local host:8080",
            "http://-h.example",
            "http://h-.example",
            "http://a..b",
            "http://my_service:4566",
            "http://h.example.",
            "http://" + "a" * 63 + ".example",
            "http://" + "a" * 64 + ".example",
            "http://" + ".".join(["abcdefg"] * 32),
            "http://h#frag",
            "http://h/?x=1",
            "http://h/\x7f",
        ]
    ),
)


@given(url=URLS)
def test_endpoint_urls_are_checked_as_botocore_and_urlsplit_see_them(url: str) -> None:
    """The check (which avoids importing urllib.parse for a plain URL) takes what botocore
    takes as an endpoint URL, less blanks, user information, a query and a fragment."""
    from urllib.parse import urlsplit

    from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

    from microvm_sdk._core.aws_config import _checked_url

    try:
        parts = urlsplit(url)
        _ = parts.port  # a port that is not a number, or out of range, raises
    except ValueError:
        valid = False
    else:
        valid = bool(
            parts.scheme in ("http", "https")
            and parts.hostname
            and "@" not in parts.netloc
            and not any(c in url for c in "?#")
            and not any(c <= " " or c == "\x7f" for c in url)
            and (is_valid_endpoint_url(url) or is_valid_ipv6_endpoint_url(url))
        )
    try:
        _checked_url(url, "test")
    except ConfigurationError:
        accepted = False
    else:
        accepted = True
    assert accepted is valid
