"""The ``User-Agent`` header in the AWS SDK format, compared with what boto3 sends.

``ua/2.1``, ``os/``, ``md/arch#``, ``lang/python#``, ``md/pyimpl#``, ``exec-env/``,
``cfg/retry-mode#``, ``md/Botocore#`` and ``app/`` read exactly as in botocore's header
for the same settings; the application id comes from ``Config(user_agent_appid=...)``,
``AWS_SDK_UA_APP_ID`` or the profile's ``sdk_ua_app_id``, in botocore's order.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
from client_cases import IMAGE_ARN
from replay_server import ClientFactory, ReplayServer

import microvm_sdk
from microvm_sdk import errors
from microvm_sdk._core.user_agent import UserAgent, sanitize
from microvm_sdk._version import __version__

# botocore's own tokens that ours leaves out on purpose: its feature ids (``m/``) and the
# legacy ``Botocore/<version>`` it appends for boto3. The ``ua/`` version is compared
# apart: botocore before 1.34 (CI's oldest-dependencies job) still wrote ``ua/2.0``.
NOT_OURS = re.compile(r"^(m/|Boto3/|Botocore/|ua/)")


def our_agent(client: microvm_sdk.Client, server: ReplayServer) -> str:
    client.list_tags(resource=IMAGE_ARN)
    return server.requests[-1].headers["user-agent"]


def boto3_agent(server: ReplayServer, **config: Any) -> str:
    import boto3  # type: ignore[import-untyped]
    import botocore.config  # type: ignore[import-untyped]

    # A session of its own: boto3's default session keeps the config file it read first.
    boto = boto3.session.Session().client(
        "lambda-microvms",
        region_name="us-east-1",
        endpoint_url=server.url,
        aws_access_key_id="AK",
        aws_secret_access_key="SK",
        config=botocore.config.Config(retries={"mode": "standard"}, **config),
    )
    try:
        boto.list_tags(Resource=IMAGE_ARN)
    finally:
        boto.close()
    return server.requests[-1].headers["user-agent"]


@pytest.mark.parametrize(
    ("app_id", "sent"),
    [("billing-service", "billing-service"), ("my app/1.0#x", "my-app-1.0#x"), (None, None)],
)
def test_the_header_reads_as_botocores_for_the_same_settings(
    app_id: str | None,
    sent: str | None,
    make_client: ClientFactory,
    server: ReplayServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_EXECUTION_ENV", "AWS_ECS_FARGATE")
    ours = our_agent(make_client(config=microvm_sdk.Config(user_agent_appid=app_id)), server)
    theirs = boto3_agent(server, user_agent_appid=app_id)

    our_tokens = ours.split(" ")
    assert our_tokens[0] == f"microvm-sdk/{__version__}"

    def comparable(tokens: list[str]) -> list[str]:
        kept = [t for t in tokens if not NOT_OURS.match(t)]
        if "ua/2.0" in theirs:  # that botocore also turned "#" in an app id into "-"
            kept = [t.replace("#", "-") if t.startswith("app/") else t for t in kept]
        return kept

    assert comparable(our_tokens[1:]) == comparable(theirs.split(" "))
    assert our_tokens[2] == "ua/2.1"
    assert our_tokens.index("ua/2.1") == theirs.split(" ").index(
        next(t for t in theirs.split(" ") if t.startswith("ua/"))
    )
    assert any(t.startswith("lang/python#") for t in our_tokens)
    assert "exec-env/AWS_ECS_FARGATE" in our_tokens
    assert "cfg/retry-mode#standard" in our_tokens
    assert any(t.startswith("md/Botocore#") for t in our_tokens)
    assert (f"app/{sent}" in our_tokens) == (sent is not None)
    assert not any(t.startswith("app/") for t in our_tokens) or sent is not None


def test_extra_text_comes_last_as_it_is(make_client: ClientFactory, server: ReplayServer) -> None:
    client = make_client(
        config=microvm_sdk.Config(user_agent_appid="svc", user_agent_extra="my-tool/2.0 (beta)")
    )
    ours = our_agent(client, server)
    assert ours.endswith(" app/svc my-tool/2.0 (beta)")
    theirs = boto3_agent(server, user_agent_appid="svc", user_agent_extra="my-tool/2.0 (beta)")
    assert theirs.endswith(" my-tool/2.0 (beta)")


@pytest.mark.parametrize(
    ("config_value", "env_value", "profile_value", "expected"),
    [
        ("from-config", "from-env", "from-profile", "from-config"),
        (None, "from-env", "from-profile", "from-env"),
        (None, None, "from-profile", "from-profile"),
        (None, None, None, None),
    ],
)
def test_the_app_id_comes_from_config_then_environment_then_profile(
    config_value: str | None,
    env_value: str | None,
    profile_value: str | None,
    expected: str | None,
    make_client: ClientFactory,
    server: ReplayServer,
    aws_env: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if env_value is not None:
        monkeypatch.setenv("AWS_SDK_UA_APP_ID", env_value)
    if profile_value is not None:
        (aws_env / "aws-config").write_text(f"[default]\nsdk_ua_app_id = {profile_value}\n")
    ours = our_agent(make_client(config=microvm_sdk.Config(user_agent_appid=config_value)), server)
    # botocore resolves the same settings to the same app/ token.
    theirs = boto3_agent(server, user_agent_appid=config_value)
    for agent in (ours, theirs):
        apps = [t for t in agent.split(" ") if t.startswith("app/")]
        assert apps == ([] if expected is None else [f"app/{expected}"])


def test_the_app_id_of_a_botocore_session(new_client: ClientFactory, server: ReplayServer) -> None:
    import botocore.session  # type: ignore[import-untyped]

    session = botocore.session.Session()
    session.set_config_variable("user_agent_appid", "from-session")
    session.set_credentials("AK", "SK")
    client = new_client(region_name="us-east-1", endpoint_url=server.url, botocore_session=session)
    assert "app/from-session" in our_agent(client, server).split(" ")


@pytest.mark.parametrize("value", ["", "x" * 51, "a\r\nInjected: 1", 42])
def test_a_bad_app_id_is_refused_naming_the_field(value: Any) -> None:
    with pytest.raises(errors.ConfigurationError, match="user_agent_appid must be"):
        microvm_sdk.Config(user_agent_appid=value)


def test_a_long_app_id_from_the_environment_is_sent_with_a_warning(
    make_client: ClientFactory,
    server: ReplayServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("AWS_SDK_UA_APP_ID", "y" * 60)
    with caplog.at_level(logging.WARNING, logger="microvm_sdk"):
        client = make_client()
    assert "AWS_SDK_UA_APP_ID is longer than 50 characters" in caplog.text
    assert f"app/{'y' * 60}" in our_agent(client, server).split(" ")


def test_unknown_platforms_and_sanitizing(monkeypatch: pytest.MonkeyPatch) -> None:
    import platform

    monkeypatch.setattr(platform, "system", lambda: "Plan 9")
    monkeypatch.setattr(platform, "release", lambda: "4e")
    monkeypatch.setattr(platform, "machine", lambda: "")
    header = UserAgent(sdk_name="microvm-sdk", sdk_version="1.0", retry_mode=None).header("1.2")
    assert header.split(" ")[:5] == [
        "microvm-sdk/1.0",
        "md/Botocore#1.2",
        "ua/2.1",
        "os/other",
        "md/Plan-9#4e",
    ]
    assert not any(t.startswith("md/arch") for t in header.split(" "))
    assert sanitize("a b/c#d(é)", allow_hash=False) == "a-b-c-d---"
    assert sanitize("a#b", allow_hash=True) == "a#b"
