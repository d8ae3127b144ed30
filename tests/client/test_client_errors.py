"""Error responses arrive as the exception classes of the model, with their members."""

from __future__ import annotations

from typing import Any

import pytest
from client_cases import IMAGE_ARN, VM_ID
from replay_server import ClientFactory, ReplayServer, Reply

import microvm_sdk
from microvm_sdk import errors, models
from microvm_sdk._schema import SCHEMA

# Per modeled error: body members beyond "message", headers, and the typed members.
MODELED: dict[str, tuple[dict[str, Any], dict[str, str], dict[str, Any]]] = {
    "AccessDeniedException": ({}, {}, {}),
    "ConflictException": (
        {"resourceId": "img-1", "resourceType": "MicrovmImage"},
        {},
        {"resource_id": "img-1", "resource_type": "MicrovmImage"},
    ),
    "InsufficientCapacityException": ({}, {}, {}),
    "InternalServerException": ({}, {"Retry-After": "4"}, {"retry_after_seconds": 4}),
    "InvalidParameterValueException": ({"Type": "User"}, {}, {"type": "User"}),
    "ResourceConflictException": ({"Type": "User"}, {}, {"type": "User"}),
    "ResourceNotFoundException": (
        {"resourceId": None, "resourceType": None},  # explicit nulls, as the service sends
        {},
        {"resource_id": None, "resource_type": None},
    ),
    "ServiceException": ({"Type": "Service"}, {}, {"type": "Service"}),
    "ServiceQuotaExceededException": (
        {
            "quotaCode": "L-CD1C0CC4",
            "serviceCode": "lambda",
            "resourceId": None,
            "resourceType": "Microvm",
        },
        {},
        {
            "quota_code": "L-CD1C0CC4",
            "service_code": "lambda",
            "resource_id": None,
            "resource_type": "Microvm",
        },
    ),
    "ThrottlingException": (
        {"quotaCode": "L-RUN-RATE", "serviceCode": "lambda"},
        {"Retry-After": "7"},
        {"quota_code": "L-RUN-RATE", "service_code": "lambda", "retry_after_seconds": 7},
    ),
    "TooManyRequestsException": ({"Type": "User"}, {}, {"type": "User"}),
    "ValidationException": ({}, {}, {}),
}


def _status(code: str) -> int:
    for shape in SCHEMA.shapes.values():
        if shape.error is not None and shape.error.code == code:
            return shape.error.http_status
    raise KeyError(code)


def test_every_modeled_error_is_covered() -> None:
    modeled = {s.error.code for s in SCHEMA.shapes.values() if s.error is not None}
    assert set(MODELED) == modeled
    assert set(MODELED) == set(errors.MODELED_ERRORS)


@pytest.fixture
def no_retry_client(make_client: ClientFactory) -> microvm_sdk.Client:
    return make_client(config=microvm_sdk.Config(max_attempts=1))


@pytest.mark.parametrize("code", sorted(MODELED))
def test_modeled_error_arrives_as_its_class(
    code: str, no_retry_client: microvm_sdk.Client, server: ReplayServer
) -> None:
    extra_body, headers, expected_fields = MODELED[code]
    status = _status(code)
    server.script(
        Reply.error(
            status,
            code,
            {"message": f"{code}: something about {IMAGE_ARN}", **extra_body},
            {**headers, "x-amzn-RequestId": "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE"},
        )
    )
    with pytest.raises(errors.MicrovmError) as caught:
        no_retry_client.get_microvm_image(image_identifier=IMAGE_ARN)
    error = caught.value
    assert type(error) is getattr(errors, code)
    assert isinstance(error, errors.ServiceError)
    assert error.code == code
    assert error.message == f"{code}: something about {IMAGE_ARN}"
    assert error.http_status == status
    assert error.request_id == "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE"
    assert error.modeled_fields() == expected_fields
    for name, value in expected_fields.items():
        assert getattr(error, name) == value
    assert code in str(error) and str(status) in str(error)
    assert "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE" in str(error)


def test_throttling_retry_after_is_member_and_hint(
    no_retry_client: microvm_sdk.Client, server: ReplayServer
) -> None:
    server.script(Reply.error(429, "ThrottlingException", headers={"Retry-After": "7"}))
    with pytest.raises(errors.ThrottlingException) as caught:
        no_retry_client.run_microvm(image_identifier=IMAGE_ARN)
    assert caught.value.retry_after_seconds == 7
    assert caught.value.retry_after == 7.0
    assert caught.value.is_throttling is True


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({}, {"__type": "com.amazonaws.lambdamicrovms#ConflictException", "message": "busy"}),
        ({}, {"code": "ConflictException", "message": "busy"}),
        (
            {"X-Amzn-ErrorType": "ConflictException:http://internal.amazon.com/coral/"},
            {"message": "busy"},
        ),
    ],
    ids=["__type-with-namespace", "body-code", "header-with-suffix"],
)
def test_error_code_sources(
    headers: dict[str, str],
    body: dict[str, Any],
    no_retry_client: microvm_sdk.Client,
    server: ReplayServer,
) -> None:
    server.script(Reply(409, body, headers))
    with pytest.raises(errors.ConflictException) as caught:
        no_retry_client.update_microvm_image_version(
            image_identifier=IMAGE_ARN,
            image_version="1.0",
            status=models.MicrovmImageVersionStatus.INACTIVE,
        )
    assert caught.value.message == "busy"


def test_unknown_code_is_unknown_service_error(
    no_retry_client: microvm_sdk.Client, server: ReplayServer
) -> None:
    server.script(Reply.error(418, "BrandNewException", {"message": "new in 2027"}))
    with pytest.raises(errors.UnknownServiceError) as caught:
        no_retry_client.get_microvm(microvm_identifier=VM_ID)
    error = caught.value
    assert error.code == "BrandNewException"
    assert error.message == "new in 2027"
    assert error.http_status == 418
    assert isinstance(error, errors.ServiceError)
    assert isinstance(error, errors.MicrovmError)


def test_html_502_is_unknown_service_error_with_excerpt(
    client: microvm_sdk.Client, server: ReplayServer
) -> None:
    page = (
        b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
        b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
        + b"<!-- padding -->" * 200
        + b"</body>\r\n</html>\r\n"
    )
    server.default = Reply(502, page, {"Content-Type": "text/html"})
    with pytest.raises(errors.UnknownServiceError) as caught:
        client.get_microvm(microvm_identifier="mv-bogus")
    error = caught.value
    assert error.http_status == 502
    assert error.code == "HTTP502"
    assert "502 Bad Gateway" in error.message
    assert "<" not in error.message
    assert len(str(error)) < 400
    assert error.__cause__ is None and error.__context__ is None  # no JSON traceback
    assert error.attempts == 3  # 502 is transient: retried first
    assert error.body == page


def test_modeled_code_in_header_with_a_non_json_body(
    no_retry_client: microvm_sdk.Client, make_boto3_client: Any, server: ReplayServer
) -> None:
    """The header names the error, the body is plain text: still the modeled class (as
    boto3 raises its ResourceNotFoundException), with the text as the message."""
    reply = Reply(
        404,
        b"Not Found",
        {"X-Amzn-ErrorType": "ResourceNotFoundException", "Content-Type": "text/plain"},
    )
    server.script(
        reply,
        Reply(429, b"slow down", {"X-Amzn-ErrorType": "ThrottlingException", "Retry-After": "3"}),
        reply,
    )
    with pytest.raises(errors.ResourceNotFoundException) as caught:
        no_retry_client.get_microvm(microvm_identifier=VM_ID)
    assert caught.value.http_status == 404
    assert "Not Found" in caught.value.message
    with pytest.raises(errors.ThrottlingException) as throttled:
        no_retry_client.get_microvm(microvm_identifier=VM_ID)
    assert throttled.value.retry_after_seconds == 3
    boto_client = make_boto3_client()
    with pytest.raises(boto_client.exceptions.ResourceNotFoundException):
        boto_client.get_microvm(microvmIdentifier=VM_ID)


def test_error_without_body(no_retry_client: microvm_sdk.Client, server: ReplayServer) -> None:
    server.script(Reply(404, b"", {"X-Amzn-ErrorType": "ResourceNotFoundException"}))
    with pytest.raises(errors.ResourceNotFoundException) as caught:
        no_retry_client.get_microvm(microvm_identifier=VM_ID)
    assert caught.value.http_status == 404


def test_everything_is_a_microvm_error(
    no_retry_client: microvm_sdk.Client, server: ReplayServer
) -> None:
    server.script(
        Reply.drop(),  # first, on a fresh connection (a reused one would be resent once)
        Reply.error(400, "ValidationException"),
        Reply.error(499, "Whatever"),
    )
    for _ in range(3):
        with pytest.raises(errors.MicrovmError):
            no_retry_client.get_microvm(microvm_identifier=VM_ID)
    with pytest.raises(errors.MicrovmError):  # caught locally, nothing sent
        no_retry_client.run_microvm(image_identifier=IMAGE_ARN, maximum_duration_in_seconds=0)
    assert len(server.requests) == 3


def test_param_validation_error_sends_nothing(
    client: microvm_sdk.Client, server: ReplayServer
) -> None:
    with pytest.raises(errors.ParamValidationError) as caught:
        client.run_microvm(image_identifier=IMAGE_ARN, maximum_duration_in_seconds=99999)
    assert "maximum_duration_in_seconds" in str(caught.value)
    assert isinstance(caught.value, errors.MicrovmError)
    assert server.requests == []
