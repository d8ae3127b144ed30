"""The typed Stubber: right stubs type-check; wrong ones are errors under both checkers.

Each ignore comment must be needed (see ``check_client_negatives.py``): a stubbed result
of the wrong type, a method that does not exist, expected parameters of another
operation, an error stub for a method that does not exist. Never run.
"""

from __future__ import annotations

import datetime

from microvm_sdk import AsyncClient, Client, models
from microvm_sdk.testing import ANY, InvalidStubError, StubAssertionError, Stubber

ARN = "arn:aws:lambda:us-east-1:123456789012:microvm-image:demo"
IMAGE = models.GetMicrovmImageOutput(
    image_arn=ARN,
    name="demo",
    state=models.MicrovmImageState.CREATED,
    created_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
)


def positives(client: Client, async_client: AsyncClient) -> None:
    with Stubber(client) as stubber:
        stubber.add_response("get_microvm_image", IMAGE)
        stubber.add_response("get_microvm_image", IMAGE, expected_params={"image_identifier": ARN})
        stubber.add_response(
            "get_microvm_image",
            IMAGE,
            expected_params=models.GetMicrovmImageInput(image_identifier=ANY),
        )
        stubber.add_response("tag_resource", None, expected_params={"resource": ARN})
        stubber.add_client_error(
            "get_microvm_image",
            "ResourceNotFoundException",
            "no such image",
            modeled_fields={"resource_id": ARN},
        )
        stubber.assert_no_pending_responses()
    async_stubber = Stubber(async_client)
    async_stubber.activate()
    async_stubber.deactivate()
    error: AssertionError = StubAssertionError("x")
    invalid: ValueError = InvalidStubError("x")
    del error, invalid


def negatives(stubber: Stubber) -> None:
    # the result of another operation
    stubber.add_response("get_microvm_image", models.ListMicrovmImagesResponse(items=[]))  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    # an input where the output belongs
    stubber.add_response("get_microvm_image", models.GetMicrovmImageInput(image_identifier=ARN))  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    # a dict, as boto3's Stubber takes it
    stubber.add_response("get_microvm_image", {"imageArn": ARN})  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    # a result for an operation without output
    stubber.add_response("tag_resource", IMAGE)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    # a method the client does not have
    stubber.add_response("get_image", IMAGE)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    # expected parameters of another operation
    stubber.add_response("get_microvm_image", IMAGE, expected_params=models.ListMicrovmsRequest())  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    # an error for a method the client does not have
    stubber.add_client_error("get_image", "ThrottlingException")  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]


def not_a_client() -> None:
    Stubber("client")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
