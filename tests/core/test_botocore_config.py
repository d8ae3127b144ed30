"""A ``botocore.config.Config`` passed to a client: translated, or refused option by option.

botocore is the oracle for what the retry options mean: a botocore client built with
the same ``Config`` (and the same environment) must end up with the same number of
attempts and the same retry mode as ours.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import microvm_sdk
from microvm_sdk import Config
from microvm_sdk.errors import ConfigurationError

botocore_config = pytest.importorskip("botocore.config")
BotocoreConfig = botocore_config.Config


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    yield tmp_path


def client(config: Any, **kwargs: Any) -> microvm_sdk.Client:
    options: dict[str, Any] = {"region_name": "us-east-1"}
    options.update(kwargs)
    return microvm_sdk.Client(config=config, **options)


def botocore_retries(config: Any) -> dict[str, Any]:
    import botocore.session  # type: ignore[import-untyped]

    made = botocore.session.Session().create_client(
        "lambda-microvms",
        region_name="us-east-1",
        aws_access_key_id="AK",
        aws_secret_access_key="SK",
        config=config,
    )
    retries: dict[str, Any] = made.meta.config.retries
    made.close()
    return retries


RETRIES = [
    None,
    {"max_attempts": 0},
    {"max_attempts": 4},
    {"total_max_attempts": 2},
    {"total_max_attempts": 6, "max_attempts": 1},
    {"mode": "adaptive"},
    {"mode": "standard", "max_attempts": 2},
    {"mode": "adaptive", "total_max_attempts": 7},
]


@pytest.mark.parametrize("retries", RETRIES, ids=str)
@pytest.mark.parametrize(
    "environment", [{}, {"AWS_MAX_ATTEMPTS": "5", "AWS_RETRY_MODE": "adaptive"}]
)
def test_retries_mean_what_they_mean_to_botocore(
    retries: dict[str, Any] | None,
    environment: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    # botocore rewrites the dict it is given: each side gets its own.
    expected = botocore_retries(BotocoreConfig(retries=dict(retries) if retries else None))
    settings = client(BotocoreConfig(retries=dict(retries) if retries else None))._settings
    mode = expected["mode"]
    if mode == "legacy" and not environment and not (retries or {}).get("mode"):
        mode = "standard"  # botocore before 1.44 defaulted to "legacy"; this SDK has none
    assert settings.retry_mode == mode
    assert settings.max_attempts == expected.get("total_max_attempts", 3)


def test_every_translated_option() -> None:
    import botocore

    translated = client(
        BotocoreConfig(
            connect_timeout=5,
            read_timeout=7.5,
            max_pool_connections=3,
            proxies={"https": "http://user:secret@proxy:3128"},
            client_cert=("/cert.pem", "/key.pem"),
            user_agent_extra="app/1.0",
            use_fips_endpoint=True,
            use_dualstack_endpoint=True,
            retries={"mode": "adaptive", "total_max_attempts": 4},
            signature_version=botocore.UNSIGNED,
            region_name="eu-west-1",
        ),
        region_name=None,
    )
    assert translated.config == Config(
        connect_timeout=5,
        read_timeout=7.5,
        max_pool_connections=3,
        proxies={"https": "http://user:secret@proxy:3128"},
        client_cert=("/cert.pem", "/key.pem"),
        user_agent_extra="app/1.0",
        use_fips_endpoint=True,
        use_dualstack_endpoint=True,
        retry_mode="adaptive",
        max_attempts=4,
        unsigned=True,
    )
    assert translated.region == "eu-west-1"  # the Config's region, as botocore takes it
    assert "app/1.0" in translated._runtime_args()["user_agent"].header()
    assert client(BotocoreConfig(region_name="eu-west-1"), region_name="ap-south-1").region == (
        "ap-south-1"  # the argument wins, as in botocore
    )
    assert client(BotocoreConfig(signature_version="v4")).config.signature_version == "v4"


def test_defaults_translate_to_defaults() -> None:
    assert client(BotocoreConfig()).config == Config()
    # Options set to what botocore does anyway are not options at all.
    same = BotocoreConfig(
        connect_timeout=60,
        read_timeout=60,
        max_pool_connections=10,
        parameter_validation=True,
        inject_host_prefix=True,
        tcp_keepalive=False,
        defaults_mode="legacy",
    )
    assert client(same).config == Config()


def test_options_without_effect_here_are_accepted() -> None:
    options = {
        "s3": {"addressing_style": "path"},
        "endpoint_discovery_enabled": True,
        "request_checksum_calculation": "when_required",
        "response_checksum_validation": "when_required",
        "request_min_compression_size_bytes": 100,
        "disable_request_compression": True,
        "account_id_endpoint_mode": "disabled",
    }
    # Only those the installed botocore has (the oldest supported one lacks a few).
    known = {k: v for k, v in options.items() if k in BotocoreConfig.OPTION_DEFAULTS}
    assert client(BotocoreConfig(**known)).config == Config()


def test_unsupported_options_are_each_named_with_what_to_do_instead() -> None:
    config = BotocoreConfig(
        parameter_validation=False,
        user_agent="my-agent",
        tcp_keepalive=True,
        defaults_mode="standard",
        proxies_config={"proxy_ca_bundle": "/secret/path.pem"},
        read_timeout=5,
    )
    with pytest.raises(ConfigurationError) as caught:
        client(config)
    message = str(caught.value)
    for expected in (
        "parameter_validation=False (parameters are always validated",
        "user_agent='my-agent' (use user_agent_extra",
        "tcp_keepalive=True (",
        "defaults_mode='standard' (set connect_timeout, read_timeout and retries yourself)",
        "proxies_config=<dict> (",
        "pass a microvm_sdk.Config instead",
    ):
        assert expected in message
    assert "read_timeout=" not in message  # translated, not refused
    assert "/secret/path.pem" not in message  # values that may hold secrets are not shown


def test_legacy_retry_mode_in_a_botocore_config_is_refused() -> None:
    with pytest.raises(
        ConfigurationError,
        match=r"retry_mode 'legacy' \(from retries\['mode'\] in the botocore Config\) is not",
    ):
        client(BotocoreConfig(retries={"mode": "legacy"}))


def test_other_signature_versions_are_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"signature_version='s3v4' is not supported"):
        client(BotocoreConfig(signature_version="s3v4"))


def test_invalid_values_are_reported_as_ours() -> None:
    with pytest.raises(
        ConfigurationError, match=r"in the botocore Config: connect_timeout must be a number"
    ):
        client(BotocoreConfig(connect_timeout=-1))


def test_a_retries_dict_changed_after_botocore_checked_it() -> None:
    config = BotocoreConfig()
    config.retries = {"max_retries": 3}  # botocore checks only at construction
    with pytest.raises(ConfigurationError, match=r"retries\['max_retries'\] is not a retry option"):
        client(config)


def test_other_config_objects_are_refused_clearly() -> None:
    with pytest.raises(ConfigurationError, match=r"config must be a microvm_sdk.Config .*got dict"):
        client({"read_timeout": 5})


def test_from_botocore() -> None:
    assert Config.from_botocore(BotocoreConfig(read_timeout=3)) == Config(read_timeout=3)
    with pytest.raises(ConfigurationError, match=r"pass region_name= to the client"):
        Config.from_botocore(BotocoreConfig(region_name="us-west-2"))
    with pytest.raises(ConfigurationError, match=r"expected a botocore\.config\.Config"):
        Config.from_botocore(Config())


def test_both_clients_take_a_botocore_config() -> None:
    import asyncio

    async def build() -> microvm_sdk.AsyncClient:
        return microvm_sdk.AsyncClient(
            region_name="us-east-1", config=BotocoreConfig(retries={"mode": "adaptive"})
        )

    made = asyncio.run(build())
    assert made._settings.retry_mode == "adaptive"
    asyncio.run(made.close())
