"""Type checks of response metadata, ``error.response`` and hooks, for both clients.

Checked by mypy and pyright (strict); never run. The lines marked with ignore comments
must be errors: the ignores would be reported as unused otherwise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, assert_type

from microvm_sdk import AsyncClient, Client, Config, errors, models
from microvm_sdk.hooks import (
    AfterResponseEvent,
    AfterSignEvent,
    AsyncHooks,
    BeforeSignEvent,
    Hooks,
    RetryEvent,
)

ARN = "arn:aws:lambda:us-east-1:123456789012:microvm-image:demo"


def metadata(client: Client) -> None:
    image = client.get_microvm_image(image_identifier=ARN)
    meta = image.response_metadata
    assert_type(meta, models.ResponseMetadata)
    assert_type(meta.request_id, str | None)
    assert_type(meta.http_status, int)
    assert_type(meta.http_headers, Mapping[str, str])
    assert_type(meta.attempts, int)
    assert_type(meta.to_boto3(), dict[str, Any])
    done = client.untag_resource(resource=ARN, tag_keys=["team"])
    assert_type(done.response_metadata.request_id, str | None)
    output: models.ModelOutput = image  # every output is a ModelOutput
    assert_type(output.response_metadata, models.ResponseMetadata)
    try:
        client.get_microvm_image(image_identifier=ARN)
    except errors.ServiceError as exc:
        assert_type(exc.response, Mapping[str, Any])
        assert_type(exc.response_metadata, models.ResponseMetadata)
        assert_type(exc.http_headers, Mapping[str, str])
    Config(user_agent_appid="billing", tracing=False)


def sync_hooks(client: Client) -> None:
    assert_type(client.hooks, Hooks)

    @client.hooks.before_sign
    def sign(event: BeforeSignEvent) -> None:
        event.request.headers["X-Tenant"] = "a"

    @client.hooks.after_response
    def timing(event: AfterResponseEvent) -> None:
        assert_type(event.elapsed, float)
        assert_type(event.http_status, int | None)
        assert_type(event.error, errors.MicrovmError | None)

    def retry(event: RetryEvent) -> None:
        assert_type(event.delay, float)
        assert_type(event.reason, str)

    client.hooks.on_retry(retry)
    client.hooks.remove(retry)

    async def later(event: AfterSignEvent) -> None:
        pass

    # A Client never awaits a hook: an async one is a type error.
    client.hooks.after_sign(later)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    # A hook of another point's event.
    client.hooks.on_retry(timing)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


def async_hooks(client: AsyncClient) -> None:
    assert_type(client.hooks, AsyncHooks)

    async def record(event: AfterResponseEvent) -> None:
        pass

    def plain(event: AfterResponseEvent) -> None:
        pass

    registered = client.hooks.after_response(record)
    assert_type(registered, Callable[[AfterResponseEvent], Awaitable[None] | None])
    client.hooks.after_response(plain)
