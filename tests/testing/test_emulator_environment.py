"""The emulator through the environment: code that makes its own clients, unchanged.

``microvm_local_env`` (the pytest fixture) and ``emulator_environment`` (elsewhere) set
``AWS_ENDPOINT_URL_LAMBDA_MICROVMS``, the emulator's test credentials and region, and
keep the machine's AWS setup away, whatever it was.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import boto3  # type: ignore[import-untyped]
import pytest

import microvm_sdk
from microvm_sdk.local import LocalServer
from microvm_sdk.testing import emulator_environment, environment_for

BASE_ARN = "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1"
ROLE_ARN = "arn:aws:iam::000000000000:role/build"


def application_code() -> str:
    """Code under test: it builds its client from the environment, as in production."""
    with microvm_sdk.Client() as client:
        image = client.create_microvm_image(
            name="from-env",
            base_image_arn=BASE_ARN,
            build_role_arn=ROLE_ARN,
            code_artifact=microvm_sdk.models.CodeArtifactUri(value="s3://bucket/code.zip"),
        )
        return image.image_arn


async def async_application_code(arn: str) -> str:
    async with microvm_sdk.AsyncClient() as client:
        image = await client.get_microvm_image(image_identifier=arn)
        return image.name


def boto3_application_code() -> list[str]:
    client = boto3.client("lambda-microvms")
    try:
        return [item["name"] for item in client.list_microvm_images()["items"]]
    finally:
        client.close()


@pytest.fixture
def hostile_machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A developer machine whose AWS setup would send the calls elsewhere, or fail."""
    config = tmp_path / "config"
    config.write_text(
        "[default]\nregion = ap-south-1\nretry_mode = legacy\n"
        "endpoint_url = http://127.0.0.1:9\n"
        "[profile prod]\nregion = eu-west-1\nretry_mode = legacy\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_PROFILE", "prod")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALLOOKING")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-looking-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "real-looking-token")
    monkeypatch.setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)


def test_unmodified_code_talks_to_the_emulator(
    hostile_machine: None, request: pytest.FixtureRequest
) -> None:
    server: LocalServer = request.getfixturevalue("microvm_local_env")
    arn = application_code()
    assert arn.startswith(f"arn:aws:lambda:{server.region}:{server.account_id}:")
    assert asyncio.run(async_application_code(arn)) == "from-env"
    assert boto3_application_code() == ["from-env"]
    # It really went to this emulator: the image is in its state.
    assert "from-env" in str(server.backend.to_json())


@pytest.mark.microvm_local(region="eu-west-1")
def test_the_marker_chooses_the_emulator_and_the_region(microvm_local_env: LocalServer) -> None:
    assert os.environ["AWS_REGION"] == "eu-west-1"
    assert microvm_sdk.Client().region == "eu-west-1"


def test_environment_for_names_every_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with LocalServer() as server:
        env = environment_for(server)
        url = server.endpoint_url
    assert env == {
        "AWS_ENDPOINT_URL_LAMBDA_MICROVMS": url,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_SESSION_TOKEN": None,
        "AWS_SECURITY_TOKEN": None,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_PROFILE": None,
        "AWS_DEFAULT_PROFILE": None,
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": None,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    monkeypatch.setenv("https_proxy", "http://proxy:3128")
    monkeypatch.setenv("no_proxy", "internal.example,127.0.0.1")
    with LocalServer() as server:
        env = environment_for(server)
    assert env["no_proxy"] == env["NO_PROXY"] == "internal.example,127.0.0.1"


def test_emulator_environment_outside_pytest_restores_everything(
    hostile_machine: None,
) -> None:
    before = dict(os.environ)
    with LocalServer() as server, emulator_environment(server) as same:
        assert same is server
        assert os.environ["AWS_ENDPOINT_URL_LAMBDA_MICROVMS"] == server.endpoint_url
        assert "AWS_PROFILE" not in os.environ
        arn = application_code()
        assert asyncio.run(async_application_code(arn)) == "from-env"
    assert dict(os.environ) == before


def test_without_it_the_hostile_machine_would_win(hostile_machine: None) -> None:
    """The check above proves something: the same code fails on that machine's setup."""
    with pytest.raises(microvm_sdk.errors.ConfigurationError, match="'legacy'"):
        application_code()
