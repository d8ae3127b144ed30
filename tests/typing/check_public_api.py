"""Type checks of the public modules: ``mypy --strict`` and ``pyright`` (strict) check this
file; it is never run.

Covers the submodules as package attributes, the public homes of the types in the
client's signatures, the errors' declared attributes, enum comparisons that survive
values added later, and the typed forms the generated docs show.
"""

from __future__ import annotations

import typing
from typing import assert_type

import microvm_sdk
from microvm_sdk import Client, errors, models
from microvm_sdk.config import Config, HttpRequest, HttpResponse, Transport
from microvm_sdk.local import ClientKwargs, LocalServer
from microvm_sdk.models import Document, ModelEnum
from microvm_sdk.paginators import Paginator
from microvm_sdk.waiters import WaitProgress

IMAGE = "arn:aws:lambda:us-east-1:123456789012:microvm-image:demo"


def submodules_are_attributes() -> None:
    # ``import microvm_sdk`` alone reaches every documented submodule
    assert_type(
        microvm_sdk.models.MicrovmState.RUNNING, typing.Literal[models.MicrovmState.RUNNING]
    )
    assert_type(microvm_sdk.errors.ThrottlingException, type[errors.ThrottlingException])
    assert_type(microvm_sdk.config.Config(), Config)
    paginator: type[Paginator[typing.Any, typing.Any]] = microvm_sdk.paginators.Paginator
    progress: type[WaitProgress[typing.Any]] = microvm_sdk.waiters.WaitProgress
    assert paginator and progress
    assert_type(microvm_sdk.local.LocalServer, type[LocalServer])


def public_homes(client: Client) -> None:
    pages = client.paginate_list_microvms()
    assert_type(pages, Paginator[models.ListMicrovmsResponse, models.MicrovmItem])
    assert_type(pages.resume_token, str | None)

    def report(progress: WaitProgress[models.GetMicrovmImageOutput]) -> None:
        assert_type(progress.state, str | None)
        assert_type(progress.output, models.GetMicrovmImageOutput | None)
        assert_type(progress.error, errors.MicrovmError | None)

    client.wait_until_created(image_identifier=IMAGE, callback=report)

    unknown: Document = {"added": [1, "two", None]}
    member = models.CodeArtifactUnknown(tag="futureMember", value=unknown)
    assert_type(member.value, Document)
    every_enum_is_a_model_enum: ModelEnum = models.MicrovmState.RUNNING
    assert every_enum_is_a_model_enum.is_unknown is False


def emulator_client(server: LocalServer) -> Client:
    kwargs = server.client_kwargs
    assert_type(kwargs, ClientKwargs)
    assert_type(kwargs["endpoint_url"], str)
    return Client(**kwargs)


class RecordingTransport:
    """A transport of one's own: what ``Client(transport=...)`` accepts."""

    def __init__(self) -> None:
        self.sent: list[HttpRequest] = []

    def send(self, request: HttpRequest) -> HttpResponse:
        self.sent.append(request)
        return HttpResponse(status=200, headers={}, body=b"{}")

    def close(self) -> None:
        self.sent.clear()


def custom_transport() -> Client:
    transport: Transport = RecordingTransport()
    return Client(region_name="us-east-1", transport=transport)


def error_attributes(client: Client) -> None:
    try:
        client.get_microvm(microvm_identifier="microvm-1")
    except errors.ThrottlingException as exc:
        assert_type(exc.code, str)
        assert_type(exc.is_retryable, bool)
        assert_type(exc.is_throttling, bool)
        assert_type(exc.retry_after_seconds, int | None)
        assert_type(exc.request_id, str | None)
        assert_type(exc.body, bytes)
    except errors.ServiceError as exc:
        assert_type(exc.http_status, int)
    # the class constants are plain str and bool, the same in every class
    assert_type(errors.ThrottlingException.CODE, str)
    assert_type(errors.ServiceError.CODE, str)
    assert_type(errors.ThrottlingException.MODELED_THROTTLING, bool)
    assert_type(Client.SERVICE_ENV_NAME, str)


def enum_comparisons(client: Client) -> str:
    vm = client.get_microvm(microvm_identifier="microvm-1")
    state = vm.state
    # compare with members: a misspelt member is an error for both checkers
    if state == models.MicrovmState.RUNNING:
        return "running"
    if state in (models.MicrovmState.SUSPENDING, models.MicrovmState.SUSPENDED):
        return "suspended"
    # a value this SDK does not list yet: compare the value, a str
    assert_type(state.value, str)
    if state.value == "HIBERNATING":
        return "hibernating"
    assert_type(state.is_unknown, bool)
    match state:
        case models.MicrovmState.PENDING:
            return "starting"
        case _:  # not assert_never(state): the service may send a value added later
            return state.value


def typed_forms_the_docs_show() -> None:
    # what the logging argument's documentation shows, instead of the wire JSON
    to_group = models.LoggingCloudWatch(value=models.CloudWatchLogging(log_group="my-group"))
    disabled = models.LoggingDisabledMember()
    logging: list[models.Logging] = [to_group, disabled]
    assert logging


def hints_at_run_time() -> None:
    hints = typing.get_type_hints(Client.create_microvm_image)
    assert_type(hints, dict[str, typing.Any])
