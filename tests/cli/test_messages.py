"""Errors speak the command line's language: options and environment variables, never
SDK arguments, and every service error names the operation that failed."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator

import pytest

from microvm_sdk.cli._app import run
from microvm_sdk.local import LocalServer


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer(profile="fast") as running:
        yield running


@pytest.fixture
def bare_env(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def microvm(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    code = run(list(args), stdout=io.StringIO(), stderr=err)
    return code, err.getvalue()


SDK_WORDS = ("region_name=", "aws_access_key_id=", "Config(", "botocore_session=", "client;")


@pytest.mark.usefixtures("bare_env")
def test_missing_region_names_the_option_and_variables(server: LocalServer) -> None:
    code, err = microvm("list-microvms", "--endpoint-url", server.endpoint_url)
    assert code == 253
    assert "--region" in err and "AWS_REGION" in err
    assert not any(word in err for word in SDK_WORDS), err


@pytest.mark.usefixtures("bare_env")
def test_missing_credentials_give_cli_advice_that_works_with_the_emulator(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("list-microvms", "--endpoint-url", server.endpoint_url, "--region", "us-east-1")
    code, err = microvm(*args)
    assert code == 253
    assert "AWS_ACCESS_KEY_ID" in err and "--profile" in err
    assert not any(word in err for word in SDK_WORDS), err
    # The advice for the emulator works: its keys are accepted ...
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", server.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", server.secret_key)
    assert f"AWS_ACCESS_KEY_ID={server.access_key}" in err
    assert microvm(*args)[0] == 0
    # ... and --no-sign-request is offered only with the flag that makes it work.
    assert "--no-sign-request works only with an emulator started with" in err
    refused = microvm(*args, "--no-sign-request")
    assert refused[0] == 254


@pytest.mark.usefixtures("bare_env")
def test_a_waiter_service_error_names_the_polled_operation(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "not-the-emulators-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    code, err = microvm(
        "wait",
        "created",
        "--image-identifier",
        "my-app",
        "--endpoint-url",
        server.endpoint_url,
        "--region",
        "us-east-1",
    )
    assert code == 254
    assert "when calling the GetMicrovmImage operation" in err
    assert "unknown" not in err
