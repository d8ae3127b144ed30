"""Where credentials, region and endpoint come from, seen from the server's side."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from client_cases import IMAGE_ARN
from replay_server import ClientFactory, Recorded, ReplayServer, Reply, SleepRecorder

import microvm_sdk
from microvm_sdk import errors

GOT = {"imageArn": IMAGE_ARN, "name": "demo-image", "state": "CREATED", "createdAt": 0}


def one_call(client: microvm_sdk.Client, server: ReplayServer) -> Recorded:
    server.script(Reply.json(200, GOT))
    client.get_microvm_image(image_identifier=IMAGE_ARN)
    return server.requests[-1]


def verify(request: Recorded, secrets: dict[str, str]) -> tuple[str, str]:
    """Verify the SigV4 signature; return (access key, region of the credential scope)."""
    from microvm_sdk.local._sigv4 import SigV4Verifier

    path, _, query = request.target.partition("?")
    verified = SigV4Verifier(secrets).verify(
        request.method, path, query, list(request.headers.items()), request.body
    )
    return verified.access_key, verified.region


# -- credentials ------------------------------------------------------------------------


def test_credentials_from_explicit_arguments(
    make_client: ClientFactory, server: ReplayServer
) -> None:
    client = make_client(
        aws_access_key_id="AKEXPLICIT", aws_secret_access_key="secret-x", aws_session_token="tok-x"
    )
    request = one_call(client, server)
    assert request.access_key == "AKEXPLICIT"
    assert request.headers["x-amz-security-token"] == "tok-x"
    assert verify(request, {"AKEXPLICIT": "secret-x"}) == ("AKEXPLICIT", "us-east-1")


def test_no_session_token_header_without_a_token(
    client: microvm_sdk.Client, server: ReplayServer
) -> None:
    request = one_call(client, server)
    assert "x-amz-security-token" not in request.headers
    assert verify(request, {"AK": "SK"}) == ("AK", "us-east-1")


def test_credentials_from_environment(
    server: ReplayServer,
    sleeps: SleepRecorder,
    monkeypatch: pytest.MonkeyPatch,
    bare_client: ClientFactory,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-env")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "token-env")
    with bare_client(region_name="us-east-1", endpoint_url=server.url) as client:
        request = one_call(client, server)
    assert request.access_key == "AKENV"
    assert request.headers["x-amz-security-token"] == "token-env"
    assert verify(request, {"AKENV": "secret-env"}) == ("AKENV", "us-east-1")


def _write_credentials(aws_env: Path) -> None:
    (aws_env / "aws-credentials").write_text(
        "[default]\naws_access_key_id = AKDEFAULT\naws_secret_access_key = secret-default\n"
        "[dev]\naws_access_key_id = AKDEV\naws_secret_access_key = secret-dev\n"
        "aws_session_token = token-dev\n"
        "[ops]\naws_access_key_id = AKOPS\naws_secret_access_key = secret-ops\n"
    )
    (aws_env / "aws-config").write_text(
        "[default]\nregion = us-west-2\n[profile dev]\nregion = eu-west-1\n"
    )


def test_credentials_from_default_profile(
    server: ReplayServer, sleeps: SleepRecorder, aws_env: Path, bare_client: ClientFactory
) -> None:
    _write_credentials(aws_env)
    with bare_client(endpoint_url=server.url) as client:
        assert client.region == "us-west-2"
        request = one_call(client, server)
    assert verify(request, {"AKDEFAULT": "secret-default"}) == ("AKDEFAULT", "us-west-2")


def test_credentials_from_aws_profile(
    server: ReplayServer,
    sleeps: SleepRecorder,
    aws_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    bare_client: ClientFactory,
) -> None:
    _write_credentials(aws_env)
    monkeypatch.setenv("AWS_PROFILE", "dev")
    with bare_client(endpoint_url=server.url) as client:
        assert client.region == "eu-west-1"
        request = one_call(client, server)
    assert request.headers["x-amz-security-token"] == "token-dev"
    assert verify(request, {"AKDEV": "secret-dev"}) == ("AKDEV", "eu-west-1")


def test_profile_name_argument_wins_over_aws_profile(
    server: ReplayServer,
    sleeps: SleepRecorder,
    aws_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    bare_client: ClientFactory,
) -> None:
    _write_credentials(aws_env)
    monkeypatch.setenv("AWS_PROFILE", "dev")
    with bare_client(
        profile_name="ops", region_name="us-east-2", endpoint_url=server.url
    ) as client:
        request = one_call(client, server)
    assert "x-amz-security-token" not in request.headers
    assert verify(request, {"AKOPS": "secret-ops"}) == ("AKOPS", "us-east-2")


def test_explicit_arguments_win_over_environment(
    make_client: ClientFactory, server: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-env")
    request = one_call(make_client(), server)
    assert request.access_key == "AK"


def test_credentials_from_botocore_session(
    server: ReplayServer, sleeps: SleepRecorder, bare_client: ClientFactory
) -> None:
    import botocore.session  # type: ignore[import-untyped]

    session = botocore.session.Session()
    session.set_credentials("AKSESSION", "secret-session", "token-session")
    session.set_config_variable("region", "ap-northeast-1")
    with bare_client(botocore_session=session, endpoint_url=server.url) as client:
        assert client.region == "ap-northeast-1"
        request = one_call(client, server)
    assert request.headers["x-amz-security-token"] == "token-session"
    assert verify(request, {"AKSESSION": "secret-session"}) == ("AKSESSION", "ap-northeast-1")


def test_missing_credentials_is_a_configuration_error(
    server: ReplayServer, sleeps: SleepRecorder, bare_client: ClientFactory
) -> None:
    client = bare_client(region_name="us-east-1", endpoint_url=server.url)
    with client, pytest.raises(errors.ConfigurationError) as caught:
        client.get_microvm_image(image_identifier=IMAGE_ARN)
    assert "AWS_ACCESS_KEY_ID" in str(caught.value)
    assert server.requests == []


def test_unsigned_requests(make_client: ClientFactory, server: ReplayServer) -> None:
    client = make_client(config=microvm_sdk.Config(unsigned=True))
    request = one_call(client, server)
    assert "authorization" not in request.headers
    assert "x-amz-date" not in request.headers


# -- region -------------------------------------------------------------------------------


def test_region_from_aws_region(
    server: ReplayServer,
    sleeps: SleepRecorder,
    monkeypatch: pytest.MonkeyPatch,
    bare_client: ClientFactory,
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-1")
    with bare_client(
        endpoint_url=server.url, aws_access_key_id="AK", aws_secret_access_key="SK"
    ) as client:
        assert client.region == "eu-central-1"
        request = one_call(client, server)
    assert "/eu-central-1/lambda/aws4_request" in request.headers["authorization"]


def test_region_from_aws_default_region(
    server: ReplayServer,
    sleeps: SleepRecorder,
    monkeypatch: pytest.MonkeyPatch,
    bare_client: ClientFactory,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-1")
    client = bare_client(aws_access_key_id="AK", aws_secret_access_key="SK")
    assert client.region == "us-west-1"
    assert client.endpoint_url == "https://lambda.us-west-1.amazonaws.com"


def test_no_region_is_a_clear_configuration_error(aws_env: Path, new_client: ClientFactory) -> None:
    with pytest.raises(errors.ConfigurationError) as caught:
        new_client(aws_access_key_id="AK", aws_secret_access_key="SK")
    message = str(caught.value)
    assert "region" in message
    assert "AWS_REGION" in message
    assert "AWS_DEFAULT_REGION" in message
    assert "region_name" in message
    assert str(aws_env / "aws-config") in message
    assert isinstance(caught.value, errors.MicrovmError)


# -- endpoint -------------------------------------------------------------------------------

ENDPOINT_CASES = [
    pytest.param({"region_name": "us-east-1"}, {}, id="us-east-1"),
    pytest.param({"region_name": "us-east-1"}, {"use_fips_endpoint": True}, id="fips"),
    pytest.param({"region_name": "us-west-2"}, {"use_dualstack_endpoint": True}, id="dualstack"),
    pytest.param(
        {"region_name": "us-east-1"},
        {"use_fips_endpoint": True, "use_dualstack_endpoint": True},
        id="fips-dualstack",
    ),
    pytest.param({"region_name": "cn-north-1"}, {}, id="cn-north-1"),
    pytest.param({"region_name": "us-gov-west-1"}, {}, id="us-gov-west-1"),
    pytest.param({"region_name": "us-gov-west-1"}, {"use_fips_endpoint": True}, id="gov-fips"),
    pytest.param(
        {"region_name": "eu-west-1", "endpoint_url": "http://localhost:4566"}, {}, id="override"
    ),
    pytest.param(
        {"region_name": "eu-west-1", "endpoint_url": "https://proxy.example.com/base"},
        {},
        id="override-with-path",
    ),
]


@pytest.mark.parametrize(("args", "options"), ENDPOINT_CASES)
def test_endpoint_url_matches_boto3(
    args: dict[str, Any], options: dict[str, Any], new_client: ClientFactory
) -> None:
    import boto3  # type: ignore[import-untyped]
    import botocore.config  # type: ignore[import-untyped]

    creds = {"aws_access_key_id": "AK", "aws_secret_access_key": "SK"}
    ours = new_client(
        region_name=args["region_name"],
        endpoint_url=args.get("endpoint_url"),
        aws_access_key_id="AK",
        aws_secret_access_key="SK",
        config=microvm_sdk.Config(**options),
    )
    theirs = boto3.client(
        "lambda-microvms", **args, **creds, config=botocore.config.Config(**options)
    )
    assert ours.endpoint_url == theirs.meta.endpoint_url
    assert ours.region == theirs.meta.region_name
    theirs.close()
    ours.close()


def test_endpoint_url_from_service_environment_variable(
    server: ReplayServer,
    sleeps: SleepRecorder,
    monkeypatch: pytest.MonkeyPatch,
    bare_client: ClientFactory,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # the service variable wins
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA_MICROVMS", server.url)
    with bare_client(
        region_name="us-east-1", aws_access_key_id="AK", aws_secret_access_key="SK"
    ) as client:
        assert client.endpoint_url == server.url
        one_call(client, server)
    assert len(server.requests) == 1


def test_endpoint_url_from_profile_services_section(
    server: ReplayServer, sleeps: SleepRecorder, aws_env: Path, bare_client: ClientFactory
) -> None:
    (aws_env / "aws-config").write_text(
        "[default]\nregion = us-east-1\nservices = local\n"
        f"[services local]\nlambda_microvms =\n  endpoint_url = {server.url}\n"
    )
    with bare_client(aws_access_key_id="AK", aws_secret_access_key="SK") as client:
        assert client.endpoint_url == server.url
        one_call(client, server)
    assert len(server.requests) == 1


def test_endpoint_override_with_base_path_keeps_the_path(
    make_client: ClientFactory, server: ReplayServer
) -> None:
    client = make_client(endpoint_url=server.url + "/base")
    one_call(client, server)
    assert server.requests[-1].path.startswith("/base/2025-09-09/microvm-images/")


def test_invalid_endpoint_url_is_a_configuration_error(new_client: ClientFactory) -> None:
    with pytest.raises(errors.ConfigurationError) as caught:
        new_client(region_name="us-east-1", endpoint_url="localhost:4566")
    assert "localhost:4566" in str(caught.value)


def test_construction_sends_nothing_and_resolves_no_credentials(
    server: ReplayServer, sleeps: SleepRecorder, bare_client: ClientFactory, flavour: str
) -> None:
    # No credentials anywhere: construction still succeeds; only a call needs them.
    client = bare_client(region_name="us-east-1", endpoint_url=server.url)
    assert client.region == "us-east-1"
    name = "Client" if flavour == "sync" else "AsyncClient"
    assert repr(client) == f"{name}(region_name='us-east-1')"
    assert server.connections_opened == 0
