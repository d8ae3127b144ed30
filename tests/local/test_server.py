"""The emulator's server core: HTTP, routing, parsing, validation, errors, auth, admin."""

from __future__ import annotations

import datetime
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore_clock import set_botocore_clock

from microvm_sdk.local import EmulatedError, LocalServer

RawCall = Any
RecordingBackend = Any
Factory = Any

IMAGE_ARN = "arn:aws:lambda:us-east-1:000000000000:microvm-image:my-image"
ENCODED_ARN = IMAGE_ARN.replace(":", "%3A")
BASE_ARN = "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1"
ROLE_ARN = "arn:aws:iam::000000000000:role/build"
TAG_PATTERN = r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)"
NO_RETRIES = Config(
    retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=20
)


def client_for(server: LocalServer, **overrides: Any) -> BaseClient:
    options: dict[str, Any] = {**server.client_kwargs, "config": NO_RETRIES, **overrides}
    return boto3.client("lambda-microvms", **options)


def body_of(response: tuple[int, dict[str, str], bytes]) -> Any:
    return json.loads(response[2])


# -- routing ------------------------------------------------------------------------------

VALID_IMAGE = {
    "name": "my-image",
    "baseImageArn": BASE_ARN,
    "buildRoleArn": ROLE_ARN,
    "codeArtifact": {"uri": "s3://bucket/code.zip"},
}

# (boto3 method, kwargs, operation, params the backend must receive)
ROUTES: list[tuple[str, dict[str, Any], str, dict[str, Any]]] = [
    (
        "create_microvm_auth_token",
        {
            "microvmIdentifier": "microvm-1",
            "expirationInMinutes": 5,
            "allowedPorts": [{"allPorts": {}}],
        },
        "CreateMicrovmAuthToken",
        {
            "microvmIdentifier": "microvm-1",
            "expirationInMinutes": 5,
            "allowedPorts": [{"allPorts": {}}],
        },
    ),
    (
        "create_microvm_image",
        {**VALID_IMAGE, "clientToken": "t1", "tags": {"k": "v"}},
        "CreateMicrovmImage",
        {**VALID_IMAGE, "clientToken": "t1", "tags": {"k": "v"}},
    ),
    (
        "create_microvm_shell_auth_token",
        {"microvmIdentifier": "microvm-1", "expirationInMinutes": 5},
        "CreateMicrovmShellAuthToken",
        {"microvmIdentifier": "microvm-1", "expirationInMinutes": 5},
    ),
    (
        "delete_microvm_image",
        {"imageIdentifier": IMAGE_ARN},
        "DeleteMicrovmImage",
        {"imageIdentifier": IMAGE_ARN},
    ),
    (
        "delete_microvm_image_version",
        {"imageIdentifier": IMAGE_ARN, "imageVersion": "1.0"},
        "DeleteMicrovmImageVersion",
        {"imageIdentifier": IMAGE_ARN, "imageVersion": "1.0"},
    ),
    (
        "get_microvm",
        {"microvmIdentifier": "microvm-1"},
        "GetMicrovm",
        {"microvmIdentifier": "microvm-1"},
    ),
    (
        "get_microvm_image",
        {"imageIdentifier": IMAGE_ARN},
        "GetMicrovmImage",
        {"imageIdentifier": IMAGE_ARN},
    ),
    (
        "get_microvm_image_build",
        {"imageIdentifier": IMAGE_ARN, "imageVersion": "2.0", "buildId": "b-1"},
        "GetMicrovmImageBuild",
        {"imageIdentifier": IMAGE_ARN, "imageVersion": "2.0", "buildId": "b-1"},
    ),
    (
        "get_microvm_image_version",
        {"imageIdentifier": IMAGE_ARN, "imageVersion": "1.0"},
        "GetMicrovmImageVersion",
        {"imageIdentifier": IMAGE_ARN, "imageVersion": "1.0"},
    ),
    (
        "list_managed_microvm_image_versions",
        {"imageIdentifier": BASE_ARN, "maxResults": 7, "nextToken": "a+b/c="},
        "ListManagedMicrovmImageVersions",
        {"imageIdentifier": BASE_ARN, "maxResults": 7, "nextToken": "a+b/c="},
    ),
    (
        "list_managed_microvm_images",
        {"maxResults": 50},
        "ListManagedMicrovmImages",
        {"maxResults": 50},
    ),
    (
        "list_microvm_image_builds",
        {
            "imageIdentifier": IMAGE_ARN,
            "imageVersion": "1.0",
            "architecture": "ARM_64",
            "chipset": "GRAVITON",
            "chipsetGeneration": "4",
        },
        "ListMicrovmImageBuilds",
        {
            "imageIdentifier": IMAGE_ARN,
            "imageVersion": "1.0",
            "architecture": "ARM_64",
            "chipset": "GRAVITON",
            "chipsetGeneration": "4",
        },
    ),
    (
        "list_microvm_image_versions",
        {"imageIdentifier": IMAGE_ARN, "maxResults": 1},
        "ListMicrovmImageVersions",
        {"imageIdentifier": IMAGE_ARN, "maxResults": 1},
    ),
    (
        "list_microvm_images",
        {"nameFilter": "my", "maxResults": 2},
        "ListMicrovmImages",
        {"nameFilter": "my", "maxResults": 2},
    ),
    (
        "list_microvms",
        {"imageIdentifier": IMAGE_ARN, "imageVersion": "1.0"},
        "ListMicrovms",
        {"imageIdentifier": IMAGE_ARN, "imageVersion": "1.0"},
    ),
    ("list_tags", {"Resource": IMAGE_ARN}, "ListTags", {"Resource": IMAGE_ARN}),
    (
        "resume_microvm",
        {"microvmIdentifier": "microvm-1"},
        "ResumeMicrovm",
        {"microvmIdentifier": "microvm-1"},
    ),
    (
        "run_microvm",
        {
            "imageIdentifier": IMAGE_ARN,
            "idlePolicy": {
                "maxIdleDurationSeconds": 900,
                "suspendedDurationSeconds": 0,
                "autoResumeEnabled": False,
            },
            "maximumDurationInSeconds": 28800,
            "clientToken": "tok",
        },
        "RunMicrovm",
        {
            "imageIdentifier": IMAGE_ARN,
            "idlePolicy": {
                "maxIdleDurationSeconds": 900,
                "suspendedDurationSeconds": 0,
                "autoResumeEnabled": False,
            },
            "maximumDurationInSeconds": 28800,
            "clientToken": "tok",
        },
    ),
    (
        "suspend_microvm",
        {"microvmIdentifier": "microvm-1"},
        "SuspendMicrovm",
        {"microvmIdentifier": "microvm-1"},
    ),
    (
        "tag_resource",
        {"Resource": IMAGE_ARN, "Tags": {"café": "東京", "a b": ""}},
        "TagResource",
        {"Resource": IMAGE_ARN, "Tags": {"café": "東京", "a b": ""}},
    ),
    (
        "terminate_microvm",
        {"microvmIdentifier": "microvm-1"},
        "TerminateMicrovm",
        {"microvmIdentifier": "microvm-1"},
    ),
    (
        "untag_resource",
        {"Resource": IMAGE_ARN, "TagKeys": ["café", "a b", "x"]},
        "UntagResource",
        {"Resource": IMAGE_ARN, "TagKeys": ["café", "a b", "x"]},
    ),
    (
        "update_microvm_image",
        {
            "imageIdentifier": IMAGE_ARN,
            "baseImageArn": BASE_ARN,
            "buildRoleArn": ROLE_ARN,
            "codeArtifact": {"uri": "s3://b/c.zip"},
            "environmentVariables": {"A": "1"},
            "clientToken": "u1",
        },
        "UpdateMicrovmImage",
        {
            "imageIdentifier": IMAGE_ARN,
            "baseImageArn": BASE_ARN,
            "buildRoleArn": ROLE_ARN,
            "codeArtifact": {"uri": "s3://b/c.zip"},
            "environmentVariables": {"A": "1"},
            "clientToken": "u1",
        },
    ),
    (
        "update_microvm_image_version",
        {"imageIdentifier": IMAGE_ARN, "imageVersion": "1.0", "status": "INACTIVE"},
        "UpdateMicrovmImageVersion",
        {"imageIdentifier": IMAGE_ARN, "imageVersion": "1.0", "status": "INACTIVE"},
    ),
]


def test_every_operation_is_routed() -> None:
    from microvm_sdk._schema import SCHEMA

    assert {op for _, _, op, _ in ROUTES} == set(SCHEMA.operations)
    assert len(ROUTES) == 24


@pytest.mark.parametrize(
    ("method", "kwargs", "operation", "params"), ROUTES, ids=[r[2] for r in ROUTES]
)
def test_route_reaches_the_backend_with_parsed_params(
    stub_server: tuple[LocalServer, RecordingBackend],
    method: str,
    kwargs: dict[str, Any],
    operation: str,
    params: dict[str, Any],
) -> None:
    server, backend = stub_server
    response = getattr(client_for(server), method)(**kwargs)
    assert backend.operations == [operation]
    _, received, ctx = backend.calls[0]
    assert received == params
    assert ctx.region == "us-east-1"
    assert ctx.account_id == "000000000000"
    assert ctx.access_key == "test"
    meta = response["ResponseMetadata"]
    assert meta["RequestId"] == ctx.request_id
    from microvm_sdk._schema import SCHEMA

    assert meta["HTTPStatusCode"] == SCHEMA.operations[operation].success_code
    assert meta["HTTPHeaders"]["content-type"] == "application/json"


def test_labels_accept_raw_colons_and_encoded_slashes(
    stub_server: tuple[LocalServer, RecordingBackend], raw: RawCall
) -> None:
    server, backend = stub_server
    status, _, _ = raw(server, "GET", f"/2025-09-09/microvm-images/{IMAGE_ARN}/versions/1.0")
    assert status == 200
    status, _, _ = raw(server, "GET", "/2017-03-31/tags/a%2Fb%3Ac")
    assert status == 400  # reached validation: not a taggable ARN
    assert backend.calls[0][1] == {"imageIdentifier": IMAGE_ARN, "imageVersion": "1.0"}


def test_create_answers_201_and_tag_operations_204_with_an_empty_body(
    stub_server: tuple[LocalServer, RecordingBackend], raw: RawCall
) -> None:
    server, _ = stub_server
    status, headers, payload = raw(server, "POST", "/2025-09-09/microvm-images", body=VALID_IMAGE)
    assert status == 201
    assert json.loads(payload)["state"] == "CREATING"
    assert headers["content-type"] == "application/json"
    status, headers, payload = raw(
        server, "POST", f"/2017-03-31/tags/{ENCODED_ARN}", body={"Tags": {"a": "b"}}
    )
    assert (status, payload, headers["content-length"]) == (204, b"", "0")
    status, _, payload = raw(server, "POST", "/2025-09-09/microvms/microvm-1/suspend")
    assert (status, payload) == (200, b"{}")


def test_unknown_route_is_404_unknown_operation(
    stub_server: tuple[LocalServer, RecordingBackend], raw: RawCall
) -> None:
    server, backend = stub_server
    for method, path in [
        ("GET", "/2025-09-09/nothing"),
        ("PATCH", "/2025-09-09/microvms/microvm-1"),
        ("GET", "/2025-09-09/microvms/microvm-1/suspend"),
        ("GET", "/2025-09-09/microvm-images/"),
    ]:
        status, headers, payload = raw(server, method, path)
        assert status == 404
        assert headers["x-amzn-errortype"] == "UnknownOperationException"
        assert headers["x-amzn-requestid"]
        assert "message" in json.loads(payload)
    assert backend.calls == []


# -- validation -----------------------------------------------------------------------------


def validation_message(response: tuple[int, dict[str, str], bytes]) -> str:
    status, headers, payload = response
    assert status == 400
    assert headers["x-amzn-errortype"] == "ValidationException"
    body = json.loads(payload)
    assert set(body) == {"message"}
    message: str = body["message"]
    return message


def test_pattern_violation_has_the_recorded_message(
    stub_server: tuple[LocalServer, RecordingBackend], raw: RawCall
) -> None:
    server, backend = stub_server
    response = raw(
        server, "POST", "/2025-09-09/microvm-images", body={**VALID_IMAGE, "name": "bad name!"}
    )
    assert validation_message(response) == (
        "1 validation error detected: Value 'bad name!' at 'name' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+"
    )
    assert backend.calls == []


def test_missing_required_members_in_the_recorded_order(
    stub_server: tuple[LocalServer, RecordingBackend], raw: RawCall
) -> None:
    server, _ = stub_server
    response = raw(server, "POST", "/2025-09-09/microvm-images", body={"name": "ok"})
    assert validation_message(response) == (
        "3 validation errors detected: "
        "Value null at 'baseImageArn' failed to satisfy constraint: Member must not be null; "
        "Value null at 'codeArtifact' failed to satisfy constraint: Member must not be null; "
        "Value null at 'buildRoleArn' failed to satisfy constraint: Member must not be null"
    )
    response = raw(server, "POST", "/2025-09-09/microvm-images", body={})
    assert validation_message(response).startswith("4 validation errors detected: ")


def test_length_range_and_enum_violations_reported_together(
    stub_server: tuple[LocalServer, RecordingBackend], raw: RawCall
) -> None:
    server, _ = stub_server
    body = {
        **VALID_IMAGE,
        "name": "a" * 65,
        "buildRoleArn": "arn:aws:iam::1:role/x",
        "egressNetworkConnectors": ["a", "b"],
        "cpuConfigurations": [{"architecture": "SPARC"}],
        "hooks": {"port": 0, "microvmHooks": {"run": "ENABLED", "runTimeoutInSeconds": 61}},
    }
    message = validation_message(raw(server, "POST", "/2025-09-09/microvm-images", body=body))
    parts = message.split(": ", 1)[1].split("; ")
    assert message.startswith(f"{len(parts)} validation errors detected: ")
    assert set(parts) == {
        "Value 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' at 'name' "
        "failed to satisfy constraint: Member must have length less than or equal to 64",
        "Value 'arn:aws:iam::1:role/x' at 'buildRoleArn' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: "
        "arn:aws[a-z\\-]*:iam::[0-9]{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
        "Value '[a, b]' at 'egressNetworkConnectors' failed to satisfy constraint: "
        "Member must have length less than or equal to 1",
        "Value 'SPARC' at 'cpuConfigurations.1.member.architecture' failed to satisfy "
        "constraint: Member must satisfy enum value set: [ARM_64, X86_64]",
        "Value '0' at 'hooks.port' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1",
        "Value '61' at 'hooks.microvmHooks.runTimeoutInSeconds' failed to satisfy constraint: "
        "Member must have value less than or equal to 60",
    }


def test_querystring_range_and_enum(
    stub_server: tuple[LocalServer, RecordingBackend], raw: RawCall
) -> None:
    server, _ = stub_server
    assert validation_message(
        raw(server, "GET", "/2025-09-09/microvms", query="maxResults=51")
    ) == (
        "1 validation error detected: Value '51' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 50"
    )
    message = validation_message(
        raw(
            server,
            "GET",
            f"/2025-09-09/microvm-images/{ENCODED_ARN}/versions/1.0/builds",
            query="architecture=MIPS&maxResults=0",
        )
    )
    assert message.startswith("2 validation errors detected: ")
    assert "Value 'MIPS' at 'architecture' failed to satisfy constraint: Member must satisfy " in (
        message
    )
    assert "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value " in (
        message
    )


def test_enum_in_body(stub_server: tuple[LocalServer, RecordingBackend], raw: RawCall) -> None:
    server, _ = stub_server
    response = raw(
        server,
        "PATCH",
        f"/2025-09-09/microvm-images/{ENCODED_ARN}/versions/1.0",
        body={"status": "BOGUS"},
    )
    assert validation_message(response) == (
        "1 validation error detected: Value 'BOGUS' at 'status' failed to satisfy constraint: "
        "Member must satisfy enum value set: [ACTIVE, INACTIVE]"
    )


def test_unions_need_exactly_one_member(
    stub_server: tuple[LocalServer, RecordingBackend], raw: RawCall
) -> None:
    server, backend = stub_server
    body = {
        **VALID_IMAGE,
        "codeArtifact": {},
        "logging": {"disabled": {}, "cloudWatch": {"logGroup": "g"}},
    }
    message = validation_message(raw(server, "POST", "/2025-09-09/microvm-images", body=body))
    assert message.startswith("2 validation errors detected: ")
    assert (
        "Value '{}' at 'codeArtifact' failed to satisfy constraint: "
        "Member must have exactly one member set"
    ) in message
    assert (
        "Value '{disabled={}, cloudWatch={logGroup=g}}' at 'logging' failed to satisfy "
        "constraint: Member must have exactly one member set"
    ) in message
    ports = {"expirationInMinutes": 5, "allowedPorts": [{"port": 80, "allPorts": {}}]}
    message = validation_message(
        raw(server, "POST", "/2025-09-09/microvms/m/auth-token", body=ports)
    )
    assert "at 'allowedPorts.1.member' failed to satisfy constraint: Member must have exactly" in (
        message
    )
    assert backend.calls == []


def test_nested_required_and_list_member_paths(
    stub_server: tuple[LocalServer, RecordingBackend], raw: RawCall
) -> None:
    server, _ = stub_server
    body = {"imageIdentifier": IMAGE_ARN, "idlePolicy": {"maxIdleDurationSeconds": 59}}
    message = validation_message(raw(server, "POST", "/2025-09-09/microvms", body=body))
    assert message.startswith("3 validation errors detected: ")
    assert "Value null at 'idlePolicy.autoResumeEnabled' failed to satisfy constraint: " in message
    assert "Value null at 'idlePolicy.suspendedDurationSeconds' failed" in message
    assert "Value '59' at 'idlePolicy.maxIdleDurationSeconds' failed to satisfy constraint: " in (
        message
    )
    ports = {"expirationInMinutes": 0, "allowedPorts": [{"range": {"startPort": 70000}}]}
    message = validation_message(
        raw(server, "POST", "/2025-09-09/microvms/m/auth-token", body=ports)
    )
    assert "Value '0' at 'expirationInMinutes' failed" in message
    assert "Value '70000' at 'allowedPorts.1.member.range.startPort' failed" in message
    assert "Value null at 'allowedPorts.1.member.range.endPort' failed" in message
    empty = {"expirationInMinutes": 1, "allowedPorts": []}
    assert validation_message(
        raw(server, "POST", "/2025-09-09/microvms/m/auth-token", body=empty)
    ) == (
        "1 validation error detected: Value '[]' at 'allowedPorts' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1"
    )


def test_unicode_tags_are_accepted(
    stub_server: tuple[LocalServer, RecordingBackend], raw: RawCall
) -> None:
    server, backend = stub_server
    tags = {"café": "東京", "Ünïcödé key 1": "värde ١٢٣", "k_.:/=+-@": ""}
    status, _, _ = raw(server, "POST", f"/2017-03-31/tags/{ENCODED_ARN}", body={"Tags": tags})
    assert status == 204
    assert backend.calls[0][1] == {"Resource": IMAGE_ARN, "Tags": tags}
    status, _, _ = raw(
        server,
        "DELETE",
        f"/2017-03-31/tags/{ENCODED_ARN}",
        query="tagKeys=caf%C3%A9&tagKeys=%E6%9D%B1",
    )
    assert status == 204
    assert backend.calls[1][1]["TagKeys"] == ["café", "東"]


def test_bad_tags_list_and_map_constraints(
    stub_server: tuple[LocalServer, RecordingBackend], raw: RawCall
) -> None:
    server, _ = stub_server
    message = validation_message(
        raw(server, "DELETE", f"/2017-03-31/tags/{ENCODED_ARN}", query="tagKeys=ok&tagKeys=bad%21")
    )
    assert message == (
        "1 validation error detected: Value '[ok, bad!]' at 'tagKeys' failed to satisfy "
        "constraint: Member must satisfy constraint: [Member must have length less than or "
        "equal to 128, Member must have length greater than or equal to 1, Member must satisfy "
        f"regular expression pattern: {TAG_PATTERN}, Member must not be null]"
    )
    message = validation_message(
        raw(server, "POST", f"/2017-03-31/tags/{ENCODED_ARN}", body={"Tags": {"a": "x" * 257}})
    )
    assert message == (
        f"1 validation error detected: Value '{{a={'x' * 257}}}' at 'tags' failed to satisfy "
        "constraint: Map value must satisfy constraint: [Member must have length less than or "
        "equal to 256, Member must have length greater than or equal to 0, Member must satisfy "
        f"regular expression pattern: {TAG_PATTERN}, Member must not be null]"
    )
    message = validation_message(
        raw(server, "POST", f"/2017-03-31/tags/{ENCODED_ARN}", body={"Tags": {"a\tb": "x"}})
    )
    assert "Map keys must satisfy constraint: [Member must have length less than or equal to" in (
        message
    )
    message = validation_message(raw(server, "GET", "/2017-03-31/tags/not-an-arn"))
    assert message.startswith("1 validation error detected: Value 'not-an-arn' at 'resource' ")


def test_sensitive_values_are_not_echoed(
    stub_server: tuple[LocalServer, RecordingBackend], raw: RawCall
) -> None:
    server, _ = stub_server
    body = {**VALID_IMAGE, "environmentVariables": {"SECRET": "s" * 4097}}
    message = validation_message(raw(server, "POST", "/2025-09-09/microvm-images", body=body))
    assert message.startswith(
        "1 validation error detected: Value at 'environmentVariables' failed to satisfy "
        "constraint: Map value must satisfy constraint: [Member must have length less than or "
        "equal to 4096"
    )
    assert "sss" not in message


def test_wrong_json_types_are_serialization_errors(
    stub_server: tuple[LocalServer, RecordingBackend], raw: RawCall
) -> None:
    server, backend = stub_server
    status, headers, payload = raw(
        server,
        "POST",
        "/2025-09-09/microvms/m/auth-token",
        body={"expirationInMinutes": 5, "allowedPorts": [{"allPorts": True}]},
    )
    assert (status, headers["x-amzn-errortype"]) == (400, "SerializationException")
    assert json.loads(payload) == {"Message": "Expected null"}
    for bad in (b"{not json", b"[1, 2]", json.dumps({**VALID_IMAGE, "name": 5}).encode()):
        status, headers, _ = raw(server, "POST", "/2025-09-09/microvm-images", body=bad)
        assert (status, headers["x-amzn-errortype"]) == (400, "SerializationException")
    status, headers, _ = raw(server, "GET", "/2025-09-09/microvms", query="maxResults=ten")
    assert (status, headers["x-amzn-errortype"]) == (400, "SerializationException")
    assert backend.calls == []


# -- errors from the backend ------------------------------------------------------------------


def test_backend_errors_are_rendered_with_modeled_members(
    stub_server: tuple[LocalServer, RecordingBackend], raw: RawCall
) -> None:
    server, backend = stub_server
    backend.raise_next = EmulatedError(
        "ResourceNotFoundException", 404, f"MicroVMImage not found for MicroVMImageID: {IMAGE_ARN}"
    )
    status, headers, payload = raw(server, "GET", f"/2025-09-09/microvm-images/{ENCODED_ARN}")
    assert status == 404
    assert headers["x-amzn-errortype"] == "ResourceNotFoundException"
    assert headers["x-amzn-requestid"] == backend.calls[0][2].request_id
    assert json.loads(payload) == {
        "message": f"MicroVMImage not found for MicroVMImageID: {IMAGE_ARN}",
        "resourceType": None,
        "resourceId": None,
    }
    assert b"__type" not in payload
    backend.raise_next = EmulatedError(
        "ThrottlingException", 429, "Rate exceeded", {"retryAfterSeconds": 3}
    )
    status, headers, payload = raw(server, "GET", "/2025-09-09/microvms")
    assert (status, headers["retry-after"]) == (429, "3")
    assert json.loads(payload) == {
        "message": "Rate exceeded",
        "serviceCode": None,
        "quotaCode": None,
    }


def test_boto3_sees_modeled_errors(stub_server: tuple[LocalServer, RecordingBackend]) -> None:
    server, backend = stub_server
    backend.raise_next = EmulatedError(
        "ConflictException", 409, "MicroVM Image is already in state: UPDATING"
    )
    with pytest.raises(ClientError) as info:
        client_for(server).update_microvm_image_version(
            imageIdentifier=IMAGE_ARN, imageVersion="1.0", status="ACTIVE"
        )
    error = info.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "ConflictException",
        "MicroVM Image is already in state: UPDATING",
    )


def test_unexpected_backend_failure_is_500(
    stub_server: tuple[LocalServer, RecordingBackend], raw: RawCall
) -> None:
    server, backend = stub_server
    with mock.patch.object(backend, "handle", side_effect=RuntimeError("boom")):
        status, headers, payload = raw(server, "GET", "/2025-09-09/microvms")
    assert (status, headers["x-amzn-errortype"]) == (500, "InternalServerException")
    assert b"boom" not in payload


# -- authentication --------------------------------------------------------------------------


def test_auth_good_wrong_secret_unknown_key(
    stub_server: tuple[LocalServer, RecordingBackend],
) -> None:
    server, backend = stub_server
    client_for(server).list_microvms()
    with pytest.raises(ClientError) as info:
        client_for(server, aws_secret_access_key="nope").list_microvms()
    assert info.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(ClientError) as info:
        client_for(server, aws_access_key_id="AKIAOTHER").list_microvms()
    assert info.value.response["Error"]["Code"] == "UnrecognizedClientException"
    assert info.value.response["Error"]["Message"] == (
        "The security token included in the request is invalid."
    )
    assert backend.operations == ["ListMicrovms"]


def test_session_tokens_are_accepted(stub_server: tuple[LocalServer, RecordingBackend]) -> None:
    server, backend = stub_server
    client_for(server, aws_session_token="any-token").list_microvms()
    assert backend.operations == ["ListMicrovms"]


def test_skewed_client_clock_is_rejected(
    stub_server: tuple[LocalServer, RecordingBackend],
) -> None:
    server, backend = stub_server
    past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=10)
    client = client_for(server)
    with pytest.MonkeyPatch.context() as patch, pytest.raises(ClientError) as info:
        set_botocore_clock(patch, lambda: past)
        client.list_microvms()
    error = info.value.response["Error"]
    assert error["Code"] == "InvalidSignatureException"
    assert error["Message"].startswith("Signature expired: ")
    assert backend.calls == []


def test_missing_authentication(
    stub_server: tuple[LocalServer, RecordingBackend], raw: RawCall
) -> None:
    server, backend = stub_server
    status, headers, payload = raw(server, "GET", "/2025-09-09/microvms", sign=False)
    assert (status, headers["x-amzn-errortype"]) == (403, "MissingAuthenticationTokenException")
    assert json.loads(payload) == {"message": "Missing Authentication Token"}
    assert headers["x-amzn-requestid"]
    assert backend.calls == []


def test_region_is_the_signature_region(stub_server: tuple[LocalServer, RecordingBackend]) -> None:
    server, backend = stub_server
    client_for(server, region_name="ap-northeast-1").list_microvms()
    assert backend.calls[0][2].region == "ap-northeast-1"


def test_verification_off_accepts_anything_but_reads_the_region(
    raw: RawCall, backend_factory: Factory
) -> None:
    backend = backend_factory()
    with LocalServer(backend=backend, verify_signatures=False) as server:
        client_for(server, aws_secret_access_key="wrong", region_name="eu-west-1").list_microvms()
        assert raw(server, "GET", "/2025-09-09/microvms", sign=False)[0] == 200
    assert [ctx.region for _, _, ctx in backend.calls] == ["eu-west-1", "us-east-1"]


def test_aws_cli_works_against_the_server(
    stub_server: tuple[LocalServer, RecordingBackend], tmp_path: Path
) -> None:
    server, backend = stub_server
    env = {
        "AWS_ACCESS_KEY_ID": server.access_key,
        "AWS_SECRET_ACCESS_KEY": server.secret_key,
        "AWS_DEFAULT_REGION": server.region,
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "HOME": str(tmp_path),
        "PATH": "",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "awscli",
            "lambda-microvms",
            "list-tags",
            "--resource",
            IMAGE_ARN,
            "--endpoint-url",
            server.endpoint_url,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"Tags": {}}
    assert backend.calls[0][1] == {"Resource": IMAGE_ARN}


# -- HTTP ---------------------------------------------------------------------------------------


def recv_all(sock: socket.socket) -> bytes:
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def health_request(extra: str = "") -> bytes:
    return f"GET /_microvm_local/health HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode()


def test_a_small_response_arrives_in_one_recv(
    stub_server: tuple[LocalServer, RecordingBackend],
) -> None:
    server, _ = stub_server
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        for _ in range(20):
            sock.sendall(health_request())
            data = sock.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = int(
                next(
                    line.split(b":")[1]
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
            )
            assert head.startswith(b"HTTP/1.1 200 OK")
            assert len(body) == length
            assert json.loads(body)["status"] == "ok"


def test_accepted_sockets_have_tcp_nodelay(
    stub_server: tuple[LocalServer, RecordingBackend],
) -> None:
    server, _ = stub_server
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(health_request())
        sock.recv(65536)
        http = server._http
        assert http is not None
        connections = http.sockets()
        assert connections
        for conn in connections:
            assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_keep_alive_serves_many_requests_on_one_connection(
    stub_server: tuple[LocalServer, RecordingBackend],
) -> None:
    server, backend = stub_server
    client = client_for(server)
    for _ in range(30):
        client.list_microvms()
    http = server._http
    assert http is not None
    assert http.connection_count == 1
    assert len(backend.calls) == 30


def test_pipelined_requests_get_their_responses_in_order(
    stub_server: tuple[LocalServer, RecordingBackend],
) -> None:
    server, _ = stub_server
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(health_request() + b"\r\n" + health_request("Connection: close\r\n"))
        data = recv_all(sock)
    assert data.count(b"HTTP/1.1 200 OK") == 2
    assert b"Connection: close" in data


def test_expect_100_continue(stub_server: tuple[LocalServer, RecordingBackend]) -> None:
    server, _ = stub_server
    body = b'{"seconds": 1}'
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(
            b"POST /_microvm_local/clock/advance HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nExpect: 100-continue\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
        )
        interim = sock.recv(65536)
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(body)
        final = sock.recv(65536)
    assert final.startswith(b"HTTP/1.1 200 OK")


def test_chunked_request_body(stub_server: tuple[LocalServer, RecordingBackend]) -> None:
    server, _ = stub_server
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(
            b"POST /_microvm_local/clock/advance HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            b'5\r\n{"sec\r\n9\r\nonds": 2}\r\n0\r\n\r\n'
        )
        data = recv_all(sock)
    assert data.startswith(b"HTTP/1.1 200 OK")
    assert json.loads(data.partition(b"\r\n\r\n")[2])["now"] == 1_700_000_002.0


def test_http10_and_malformed_requests_close(
    stub_server: tuple[LocalServer, RecordingBackend],
) -> None:
    server, _ = stub_server
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(b"GET /_microvm_local/health HTTP/1.0\r\n\r\n")
        assert recv_all(sock).startswith(b"HTTP/1.1 200 OK")
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(b"NONSENSE\r\n\r\n")
        data = recv_all(sock)
    assert data.startswith(b"HTTP/1.1 400 Bad Request")
    assert b"x-amzn-RequestId" in data


def test_clients_closing_early_do_not_hurt_the_server(
    stub_server: tuple[LocalServer, RecordingBackend],
) -> None:
    server, backend = stub_server
    for payload in (
        b"POST /2025-09-09/microvm-images HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Length: 100\r\n\r\n{",
        b"GET /2025-09-09/micro",
        b"",
    ):
        with socket.create_connection((server.host, server.port), timeout=5) as sock:
            sock.sendall(payload)
    sock = socket.create_connection((server.host, server.port), timeout=5)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    sock.sendall(health_request())
    sock.close()  # reset before reading the answer
    client_for(server).list_microvms()
    assert backend.operations == ["ListMicrovms"]


def test_stop_closes_everything_and_frees_the_port(backend_factory: Factory) -> None:
    server = LocalServer(backend=backend_factory())
    server.start()
    port = server.port
    idle = socket.create_connection((server.host, port), timeout=5)
    client_for(server).list_microvms()
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 3
    assert not server.running
    assert idle.recv(1) == b""
    idle.close()
    with socket.create_server(("127.0.0.1", port)):
        pass
    server.stop()  # a second stop is harmless


# -- LocalServer ---------------------------------------------------------------------------------


def test_local_server_properties(backend_factory: Factory) -> None:
    server = LocalServer(
        access_key="AK", secret_key="SK", region="eu-west-1", backend=backend_factory()
    )
    assert server.port == 0
    with server:
        assert server.port > 0
        assert server.endpoint_url == f"http://127.0.0.1:{server.port}"
        assert server.credentials == {
            "aws_access_key_id": "AK",
            "aws_secret_access_key": "SK",
            "region_name": "eu-west-1",
        }
        assert server.client_kwargs["endpoint_url"] == server.endpoint_url
        assert (server.region, server.access_key, server.secret_key) == ("eu-west-1", "AK", "SK")
        assert server.clock is server.backend.clock
        client = boto3.client("lambda-microvms", **server.client_kwargs)
        client.list_microvms()
    with pytest.raises(ValueError, match="profile"):
        LocalServer(profile="slow")


def test_admin_endpoints(stub_server: tuple[LocalServer, RecordingBackend], raw: RawCall) -> None:
    server, backend = stub_server
    status, _, payload = raw(server, "GET", "/_microvm_local/health", sign=False)
    assert status == 200
    assert json.loads(payload)["status"] == "ok"
    status, _, payload = raw(
        server, "POST", "/_microvm_local/clock/advance", body={"seconds": 90}, sign=False
    )
    assert (status, json.loads(payload)) == (200, {"now": 1_700_000_090.0})
    assert backend.clock.now() == 1_700_000_090.0
    status, _, payload = raw(server, "GET", "/_microvm_local/clock", sign=False)
    assert json.loads(payload) == {"now": 1_700_000_090.0}
    assert raw(server, "POST", "/_microvm_local/clock/advance", body={"seconds": -1})[0] == 400
    client_for(server).list_microvms()
    server.faults.throttle()
    status, _, payload = raw(server, "POST", "/_microvm_local/reset", sign=False)
    assert status == 200
    assert backend.calls == []
    assert server.faults.rules == []
    status, _, payload = raw(server, "GET", "/_microvm_local/state", sign=False)
    assert (status, json.loads(payload)) == (200, {"calls": 1})
    assert raw(server, "GET", "/_microvm_local/nothing", sign=False)[0] == 404
    assert raw(server, "POST", "/_microvm_local/state/save", sign=False)[0] == 409
    assert raw(server, "POST", "/_microvm_local/clock/advance", body=b"[")[0] == 400


def test_state_file_round_trip(tmp_path: Path, backend_factory: Factory) -> None:
    state = tmp_path / "nested" / "state.json"
    backend = backend_factory()
    with LocalServer(backend=backend, state_file=state) as server:
        client_for(server).list_microvms()
        client_for(server).tag_resource(Resource=IMAGE_ARN, Tags={"a": "b"})
        deadline = time.monotonic() + 5
        while not state.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert json.loads(state.read_text()) == {"calls": 2}  # written soon after a change
    assert json.loads(state.read_text()) == {"calls": 2}
    assert [p.name for p in state.parent.iterdir()] == ["state.json"]
    with LocalServer(backend=backend_factory(), state_file=state) as server:
        assert server.backend.state == {"calls": 2}


def test_state_file_with_the_built_in_backend(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with LocalServer(state_file=state) as server:
        client = client_for(server)
        arn = client.create_microvm_image(**VALID_IMAGE)["imageArn"]
        client.tag_resource(Resource=arn, Tags={"team": "a"})
    assert state.exists()
    with LocalServer(state_file=state) as server:
        client = client_for(server)
        image = client.get_microvm_image(imageIdentifier=arn)
        assert image["name"] == "my-image"
        assert client.list_tags(Resource=arn)["Tags"] == {"team": "a"}


def test_manual_profile_clock_moves_only_when_advanced(raw: RawCall) -> None:
    with LocalServer(profile="manual") as server:
        before = server.clock.now()
        time.sleep(0.05)
        assert server.clock.now() == before
        status, _, payload = raw(
            server, "POST", "/_microvm_local/clock/advance", body={"seconds": 30}, sign=False
        )
        assert status == 200
        assert json.loads(payload)["now"] == pytest.approx(before + 30)


def test_serve_main_runs_in_the_foreground(tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    command = [
        sys.executable,
        "-m",
        "microvm_sdk.local",
        "--port",
        "0",
        "--profile",
        "fast",
        "--state",
        str(state),
    ]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert "listening on http://127.0.0.1:" in line
            url = line.split("listening on ", 1)[1].split(" ", 1)[0]
            client = boto3.client(
                "lambda-microvms",
                endpoint_url=url,
                aws_access_key_id="test",
                aws_secret_access_key="test",
                region_name="us-east-1",
                config=NO_RETRIES,
            )
            assert client.list_microvms()["items"] == []
            process.terminate()
            assert process.wait(timeout=20) == 0
            assert state.exists()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


# -- pytest plugin -------------------------------------------------------------------------------


def test_function_fixture(microvm_local: LocalServer) -> None:
    assert microvm_local.running
    assert microvm_local.profile == "fast"
    client = boto3.client("lambda-microvms", **microvm_local.client_kwargs)
    assert client.list_microvm_images()["items"] == []


@pytest.mark.microvm_local(profile="manual", region="eu-west-1")
def test_function_fixture_takes_marker_options(microvm_local: LocalServer) -> None:
    assert (microvm_local.profile, microvm_local.region) == ("manual", "eu-west-1")


def test_session_fixture(microvm_local_session: LocalServer) -> None:
    assert microvm_local_session.running
    client = boto3.client("lambda-microvms", **microvm_local_session.client_kwargs)
    client.list_managed_microvm_images()


# -- concurrency -------------------------------------------------------------------------------


@pytest.fixture
def real_server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


def test_concurrent_clients_with_the_built_in_backend(real_server: LocalServer) -> None:
    threads_count, calls_each = 8, 200
    failures: list[str] = []
    created: dict[int, list[str]] = {}

    def worker(index: int) -> None:
        client = client_for(real_server)
        names: list[str] = []
        try:
            for step in range(calls_each):
                kind = step % 8
                if kind == 0:
                    name = f"img-{index}-{step}"
                    arn = client.create_microvm_image(**{**VALID_IMAGE, "name": name})["imageArn"]
                    names.append(arn)
                elif kind in (1, 5) and names:
                    client.get_microvm_image(imageIdentifier=names[-1])
                elif kind == 2 and names:
                    client.tag_resource(Resource=names[-1], Tags={"worker": str(index)})
                elif kind == 3:
                    client.list_microvm_images(maxResults=50)
                elif kind == 4 and names:
                    tags = client.list_tags(Resource=names[-1])["Tags"]
                    if tags.get("worker") not in (None, str(index)):
                        failures.append(f"foreign tag {tags}")
                elif kind == 6:
                    try:
                        client.get_microvm(microvmIdentifier=f"microvm-missing-{index}")
                    except ClientError as exc:
                        if exc.response["ResponseMetadata"]["HTTPStatusCode"] >= 500:
                            raise
                else:
                    client.list_managed_microvm_images()
        except Exception as exc:
            failures.append(repr(exc))
        created[index] = names

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    expected = {arn for names in created.values() for arn in names}
    assert len(expected) == threads_count * calls_each // 8
    client = client_for(real_server)
    seen: set[str] = set()
    paginator = client.get_paginator("list_microvm_images")
    for page in paginator.paginate(PaginationConfig={"PageSize": 50}):
        seen.update(item["imageArn"] for item in page["items"])
    assert seen == expected
    for index, names in created.items():
        assert client.list_tags(Resource=names[0])["Tags"] == {"worker": str(index)}


def test_concurrent_clients_with_a_stub_backend(backend_factory: Factory) -> None:
    backend = backend_factory()
    errors: list[str] = []
    with LocalServer(backend=backend) as server:

        def worker() -> None:
            client = client_for(server)
            try:
                for step in range(200):
                    if step % 2:
                        client.list_microvms()
                    else:
                        client.tag_resource(Resource=IMAGE_ARN, Tags={"a": "b"})
            except Exception as exc:
                errors.append(repr(exc))

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert errors == []
    assert len(backend.calls) == 1600
    assert len({ctx.request_id for _, _, ctx in backend.calls}) == 1600


def test_live_fidelity_reaches_the_backend(raw: RawCall) -> None:
    for live in (False, True):
        with LocalServer(live_fidelity=live) as server:
            assert server.backend.live_fidelity is live
            arn = client_for(server).create_microvm_image(**VALID_IMAGE)["imageArn"]
            path = "/2025-09-09/microvm-images/" + arn.replace(":", "%3A")
            body = body_of(raw(server, "GET", path))
            assert ("latestFailedImageVersion" in body) is live


def test_reset_forgets_resources_of_the_built_in_backend(raw: RawCall) -> None:
    with LocalServer() as server:
        client = client_for(server)
        client.create_microvm_image(**VALID_IMAGE)
        assert len(client.list_microvm_images()["items"]) == 1
        assert raw(server, "POST", "/_microvm_local/reset", sign=False)[0] == 200
        assert client.list_microvm_images()["items"] == []
