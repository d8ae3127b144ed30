"""Hostile or odd input from the wire and from callers ends in a MicrovmError, never in a
raw Python exception, and never in a wrong or secret-revealing message."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flavours import without_sleeps
from replay_server import ClientFactory, SleepRecorder
from scripted import ScriptedTransport

import microvm_sdk
from microvm_sdk import errors
from microvm_sdk._core.http import HttpResponse
from microvm_sdk._core.waiter import wait
from microvm_sdk._waiters import WAITERS

IMAGE_ARN = "arn:aws:lambda:us-east-1:123456789012:microvm-image:demo"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    for name in ("AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))


@pytest.fixture
def make_client(
    new_client: ClientFactory, sleeps: SleepRecorder
) -> Callable[..., tuple[Any, ScriptedTransport]]:
    """A client of the test's flavour answered by a :class:`ScriptedTransport`."""

    def make(responses: list[HttpResponse], **kwargs: Any) -> tuple[Any, ScriptedTransport]:
        transport = ScriptedTransport(responses)
        client = new_client(
            region_name="us-east-1",
            aws_access_key_id="AK",
            aws_secret_access_key="SK",
            transport=transport,
            **kwargs,
        )
        return without_sleeps(client, sleeps), transport

    return make


@pytest.mark.parametrize(
    "headers",
    [
        {"retry-after": "Sun Nov  6 08:49:37 1994"},  # asctime: an HTTP-date with no zone
        {"retry-after": "Wed, 21 Oct 2015 07:28:00 -0000"},
        {"retry-after": "inf"},
        {"retry-after": "\u00b2"},  # str.isdigit() says yes, int() says no
        {"x-amz-retry-after": "9" * 400},
    ],
)
def test_malformed_retry_headers_still_give_the_modeled_error(
    headers: dict[str, str], make_client: Callable[..., tuple[Any, ScriptedTransport]]
) -> None:
    reply = HttpResponse(429, {"x-amzn-errortype": "ThrottlingException", **headers}, b"{}")
    client, transport = make_client([reply] * 3)
    with pytest.raises(errors.ThrottlingException) as info:
        client.get_microvm(microvm_identifier="microvm-1")
    assert len(transport.requests) == 3  # retried as throttling, not crashed
    assert info.value.retry_after is None or info.value.retry_after >= 0


@pytest.mark.parametrize(
    "started_at",
    [1.7e12, "1e400", "9999-12-31T23:59:59-01:00"],
)
def test_out_of_range_timestamps_are_a_deserialization_error(
    started_at: Any, make_client: Callable[..., tuple[Any, ScriptedTransport]]
) -> None:
    raw = '{"microvmId": "microvm-1", "startedAt": %s}' % (
        started_at
        if not isinstance(started_at, str) or started_at == "1e400"
        else json.dumps(started_at)
    )
    client, _ = make_client([HttpResponse(200, {}, raw.encode())])
    with pytest.raises(errors.DeserializationError):
        client.get_microvm(microvm_identifier="microvm-1")


def test_deeply_nested_error_body_is_an_unknown_service_error(
    make_client: Callable[..., tuple[Any, ScriptedTransport]],
) -> None:
    client, _ = make_client([HttpResponse(400, {}, b"[" * 200_000)])
    with pytest.raises(errors.UnknownServiceError):
        client.get_microvm(microvm_identifier="microvm-1")


def test_waiter_with_min_delay_zero_still_backs_off() -> None:
    now = [0.0]
    sleeps: list[float] = []

    def poll() -> tuple[object, dict[str, str], int]:
        return object(), {"state": "CREATING"}, 200

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    with pytest.raises(errors.WaiterTimeoutError):
        wait(
            WAITERS["MicrovmImageCreated"],
            poll,
            min_delay=0,
            max_delay=30,
            timeout=600,
            clock=lambda: now[0],
            sleep=sleep,
            random=lambda: 1.0,
        )
    assert max(sleeps) == 30
    assert len(sleeps) < 40  # about 20 GETs a second before the fix


def test_waiter_rejects_inconsistent_delays_as_parameter_errors(
    make_client: Callable[..., tuple[Any, ScriptedTransport]],
) -> None:
    client, _ = make_client([])
    with pytest.raises(errors.ParamValidationError, match="max_delay"):
        client.wait_until_created(image_identifier=IMAGE_ARN, min_delay=10, max_delay=1)


def test_paginator_rejects_a_malformed_resume_token_as_a_parameter_error(
    make_client: Callable[..., tuple[Any, ScriptedTransport]],
) -> None:
    client, transport = make_client([])
    with pytest.raises(errors.ParamValidationError, match="starting_token"):
        list(client.paginate_list_microvms(starting_token="pgv1:!!"))
    with pytest.raises(errors.ParamValidationError, match="max_items"):
        client.paginate_list_microvms(max_items=-1)
    assert transport.requests == []


def test_endpoint_url_with_user_information_is_refused(new_client: ClientFactory) -> None:
    with pytest.raises(errors.ConfigurationError, match="user information") as info:
        new_client(region_name="us-east-1", endpoint_url="http://admin:hunter2@127.0.0.1:9")
    assert "hunter2" not in str(info.value)


@pytest.mark.parametrize("field", ["connect_timeout", "read_timeout"])
def test_infinite_timeouts_are_refused(field: str) -> None:
    with pytest.raises(errors.ConfigurationError, match=field):
        microvm_sdk.Config(**{field: float("inf")})


def _image(state: str, failed: str | None) -> bytes:
    return json.dumps(
        {
            "imageArn": IMAGE_ARN,
            "name": "demo",
            "state": state,
            "baseImageArn": "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1",
            "buildRoleArn": "arn:aws:iam::123456789012:role/build",
            "codeArtifact": {"uri": "s3://bucket/app.zip"},
            "imageVersion": "2.0",
            "latestFailedImageVersion": failed,
            "createdAt": 1780000000,
        }
    ).encode()


def test_a_waiter_stopped_by_deleting_does_not_blame_an_old_failed_build(
    make_client: Callable[..., tuple[Any, ScriptedTransport]],
) -> None:
    client, transport = make_client([HttpResponse(200, {}, _image("DELETING", "1.0"))])
    with pytest.raises(errors.WaiterFailureError) as info:
        client.wait_until_updated(image_identifier=IMAGE_ARN)
    assert "DELETING" in str(info.value)
    assert "build failed" not in str(info.value)
    assert len(transport.requests) == 1  # no look-up of version 1.0's builds
