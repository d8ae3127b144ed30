"""Conformance: every error class on the wire, and the recorded error answers.

Every test runs twice, through boto3 and through raw signed HTTP (the ``api`` fixture).
The service's own errors are triggered as a user would trigger them; the error classes
it answers only under load or failure (throttling, internal errors, capacity) are
injected with the emulator's faults, to check their wire form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conformance_clients import MODEL, Api, HttpApi
from recorded_answers import MESSAGE_ONLY, NOT_FOUND_BODY
from scenario_support import BASE_ARN, ROLE_ARN, built_image, create_image, image_arn

from microvm_sdk.local import LocalServer

ERRORS = {name: shape for name, shape in MODEL["shapes"].items() if shape.get("exception")}
MISSING_IMAGE = image_arn("conf-does-not-exist")

# One call per operation family, enough to reach every error class the model declares.
CALLS: dict[str, dict[str, Any]] = {
    "GetMicrovmImage": {"imageIdentifier": MISSING_IMAGE},
    "ListTags": {"Resource": MISSING_IMAGE},
    "UntagResource": {"Resource": MISSING_IMAGE, "TagKeys": ["team"]},
    "RunMicrovm": {"imageIdentifier": MISSING_IMAGE},
}


def _call_declaring(code: str) -> tuple[str, dict[str, Any]]:
    for operation, params in CALLS.items():
        declared = {error["shape"] for error in MODEL["operations"][operation].get("errors", [])}
        if code in declared:
            return operation, params
    raise AssertionError(f"no call in CALLS declares {code}")


@pytest.mark.parametrize("code", sorted(ERRORS))
def test_every_error_class_on_the_wire(server: LocalServer, api: Api, code: str) -> None:
    shape = ERRORS[code]
    status = shape["error"]["httpStatusCode"]
    operation, params = _call_declaring(code)
    header_members = {
        name: member["locationName"]
        for name, member in shape["members"].items()
        if member.get("location") == "header"
    }
    retry_after = 3 if header_members else None
    server.faults.error(code, status, f"injected {code}", operation, retry_after=retry_after)
    reply = api.call(operation, **params)
    assert (reply.status, reply.error, reply.message) == (status, code, f"injected {code}")
    assert reply.headers["x-amzn-errortype"] == code
    assert reply.headers["x-amzn-requestid"]
    body = reply.body
    assert isinstance(body, dict) and "__type" not in body  # recorded: no __type
    assert body["message"] == f"injected {code}"
    for name in header_members:
        assert name not in body  # sent as a header, not in the body
    for header in header_members.values():
        assert reply.headers[header.lower()] == "3"
    body_members = set(shape["members"]) - set(header_members) - {"message"}
    assert set(body) - {"message"} == body_members
    assert all(body[name] is None for name in body_members)


def test_not_found_answers(server: LocalServer, api: Api) -> None:
    cases: list[tuple[str, dict[str, Any], str]] = [
        (
            "GetMicrovmImage",
            {"imageIdentifier": MISSING_IMAGE},
            f"MicroVMImage not found for MicroVMImageID: {MISSING_IMAGE}",
        ),
        (
            "GetMicrovmImageVersion",
            {"imageIdentifier": MISSING_IMAGE, "imageVersion": "1.0"},
            f"MicroVMImage not found for MicroVMImage: {MISSING_IMAGE}, Version: 1.0",
        ),
        (
            "RunMicrovm",
            {"imageIdentifier": MISSING_IMAGE},
            f"No active version found for MicroVM image {MISSING_IMAGE}",
        ),
        (
            "GetMicrovm",
            {"microvmIdentifier": "microvm-00000000-0000-4000-8000-000000000000"},
            "MicroVM not found: microvm-00000000-0000-4000-8000-000000000000",
        ),
    ]
    for operation, params, message in cases:
        reply = api.call(operation, **params)
        assert (reply.status, reply.error, reply.message) == (
            404,
            "ResourceNotFoundException",
            message,
        ), operation
        NOT_FOUND_BODY.check(reply.body, operation)
    # The version half missing gets the same answer as the image half.
    arn = built_image(server, api, "conf-versionless")
    reply = api.call("GetMicrovmImageVersion", imageIdentifier=arn, imageVersion="9.0")
    assert (reply.status, reply.message) == (
        404,
        f"MicroVMImage not found for MicroVMImage: {arn}, Version: 9.0",
    )


def test_validation_answers(api: Api) -> None:
    bad_name = create_image(api, "bad name!")
    assert (bad_name.status, bad_name.error, bad_name.message) == (
        400,
        "ValidationException",
        "1 validation error detected: Value 'bad name!' at 'name' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+",
    )
    MESSAGE_ONLY.check(bad_name.body, "ValidationException")

    missing = api.call("CreateMicrovmImage", name="conf-missing")
    assert (missing.status, missing.error, missing.message) == (
        400,
        "ValidationException",
        "3 validation errors detected: "
        "Value null at 'baseImageArn' failed to satisfy constraint: Member must not be null; "
        "Value null at 'codeArtifact' failed to satisfy constraint: Member must not be null; "
        "Value null at 'buildRoleArn' failed to satisfy constraint: Member must not be null",
    )

    bare = api.call("GetMicrovmImage", imageIdentifier="conf-bare-name")
    assert (bare.status, bare.error, bare.message) == (
        400,
        "ValidationException",
        "Invalid ARN format: conf-bare-name",
    )


def test_a_client_token_reused_with_other_parameters(api: Api) -> None:
    first = create_image(api, "conf-token", clientToken="conf-token-1")
    assert first.status == 201
    replayed = create_image(api, "conf-token", clientToken="conf-token-1")
    assert (replayed.status, replayed.body["imageArn"]) == (201, first.body["imageArn"])
    conflict = create_image(api, "conf-token", clientToken="conf-token-1", description="other")
    assert (conflict.status, conflict.error) == (409, "ConflictException")


def test_all_ports_must_be_an_empty_object(server: LocalServer, api: Api, client_kind: str) -> None:
    """Recorded: ``"allPorts": true`` answers 400 ``{"Message": "Expected null"}``."""
    if client_kind == "boto3":
        pytest.skip("boto3 cannot send a boolean where the model has a structure")
    assert isinstance(api, HttpApi)
    arn = built_image(server, api, "conf-ports")
    microvm_id = api.call("RunMicrovm", imageIdentifier=arn).body["microvmId"]
    reply = api.send(
        "POST",
        f"/2025-09-09/microvms/{microvm_id}/auth-token",
        body={"expirationInMinutes": 5, "allowedPorts": [{"allPorts": True}]},
    )
    assert (reply.status, reply.body) == (400, {"Message": "Expected null"})


@pytest.mark.parametrize(
    ("credentials", "expected"),
    [
        ({"secret_key": "not-the-secret"}, "InvalidSignatureException"),
        ({"access_key": "AKIDNOTKNOWN"}, "UnrecognizedClientException"),
    ],
)
def test_requests_signed_with_other_credentials(
    server: LocalServer,
    connect: Callable[..., Api],
    credentials: dict[str, str],
    expected: str,
) -> None:
    reply = connect(server, **credentials).call("ListMicrovmImages")
    assert (reply.status, reply.error) == (403, expected)


def test_update_needs_the_base_image_and_role(api: Api) -> None:
    """Required members of the full-replace PUT are checked before the image is looked up."""
    reply = api.call(
        "UpdateMicrovmImage",
        imageIdentifier=MISSING_IMAGE,
        baseImageArn=BASE_ARN,
        buildRoleArn=ROLE_ARN,
    )
    assert (reply.status, reply.error) == (400, "ValidationException")
    assert "Value null at 'codeArtifact'" in (reply.message or "")
