"""Every operation, end to end over real HTTP: what we send equals what boto3 sends, and
what the server answers comes back as the typed output.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from client_cases import (
    BASE_ARN,
    CASES,
    CASES_BY_NAME,
    IMAGE_ARN,
    ROLE_ARN,
    T0,
    Case,
    typed_kwargs,
)
from replay_server import Recorded, ReplayServer, Reply

import microvm_sdk
from microvm_sdk import models
from microvm_sdk._core.pipeline import codec_for
from microvm_sdk._schema import SCHEMA

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
# Headers whose value differs by design between two SDKs or two calls.
IGNORED_HEADERS = frozenset(
    {
        "authorization",
        "x-amz-date",
        "user-agent",
        "amz-sdk-invocation-id",
        "amz-sdk-request",
        "content-length",
    }
)
TOKEN_OPERATIONS = {"CreateMicrovmImage", "RunMicrovm", "UpdateMicrovmImage"}
IDS = [case.operation for case in CASES]


def test_cases_cover_every_operation() -> None:
    assert sorted(CASES_BY_NAME) == sorted(SCHEMA.operations)
    assert len(CASES) == 24


def _reply(case: Case) -> Reply:
    status = SCHEMA.operations[case.operation].success_code
    return Reply.json(status, case.body)


def call_typed(client: microvm_sdk.Client, case: Case) -> Any:
    method = getattr(client, SCHEMA.operations[case.operation].python_name)
    return method(**typed_kwargs(case))


def call_boto3(boto_client: Any, case: Case) -> dict[str, Any]:
    from botocore import xform_name  # type: ignore[import-untyped]

    method = getattr(boto_client, xform_name(case.operation))
    result: dict[str, Any] = method(**case.params)
    return result


def normalized_boto3(result: dict[str, Any]) -> dict[str, Any]:
    """boto3's parsed output with timestamps as epoch seconds, for comparison."""

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, datetime.datetime):
            seconds = value.timestamp()
            return int(seconds) if seconds.is_integer() else seconds
        return value

    normalized: dict[str, Any] = walk({k: v for k, v in result.items() if k != "ResponseMetadata"})
    return normalized


def meaningful_headers(request: Recorded) -> dict[str, str]:
    return {k: v for k, v in request.headers.items() if k not in IGNORED_HEADERS}


def signed_headers(request: Recorded) -> str:
    return request.headers["authorization"].split("SignedHeaders=", 1)[1].split(",", 1)[0]


def assert_same_wire(ours: Recorded, theirs: Recorded, operation: str) -> None:
    assert ours.method == theirs.method
    assert ours.path == theirs.path
    assert ours.query == theirs.query
    assert meaningful_headers(ours) == meaningful_headers(theirs)
    for request in (ours, theirs):
        assert request.headers["x-amz-date"]
        assert request.headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AK/")
        assert "/us-east-1/lambda/aws4_request" in request.headers["authorization"]
    assert signed_headers(ours) == signed_headers(theirs)
    our_body, their_body = ours.json(), theirs.json()
    if operation in TOKEN_OPERATIONS:
        our_token = our_body.pop("clientToken")
        their_token = their_body.pop("clientToken")
        assert UUID4.match(our_token), our_token
        assert UUID4.match(their_token), their_token
    assert our_body == their_body


# -- 1. round trip --------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_round_trip_typed_output(
    case: Case, client: microvm_sdk.Client, make_boto3_client: Any, server: ReplayServer
) -> None:
    operation = SCHEMA.operations[case.operation]
    server.script(_reply(case))
    output = call_typed(client, case)

    assert len(server.requests) == 1
    if operation.output is None:
        assert type(output) is models.EmptyOutput
        assert output.response_metadata.http_status == operation.success_code
        assert case.response is None
        return
    assert type(output) is SCHEMA.shapes[operation.output].cls
    converter, _, _ = codec_for(SCHEMA)
    assert converter.to_wire(output) == case.response

    # The case data is what the service model says: boto3 parses the same body to it.
    server.script(_reply(case))
    assert normalized_boto3(call_boto3(make_boto3_client(), case)) == case.response


def test_round_trip_values_are_typed(client: microvm_sdk.Client, server: ReplayServer) -> None:
    case = CASES_BY_NAME["CreateMicrovmImage"]
    server.script(Reply.json(201, case.body))
    image = client.create_microvm_image(
        name="demo-image",
        base_image_arn=BASE_ARN,
        build_role_arn=ROLE_ARN,
        code_artifact=models.CodeArtifactUri(value="s3://demo-bucket/app/code.zip"),
    )
    assert image.image_arn == IMAGE_ARN
    assert image.state is models.MicrovmImageState.CREATING
    assert image.created_at == datetime.datetime.fromtimestamp(T0, datetime.UTC)
    assert image.created_at.tzinfo is datetime.UTC
    assert image.updated_at is not None
    assert image.updated_at.microsecond == 250000
    assert image.code_artifact == models.CodeArtifactUri(value="s3://demo-bucket/app/code.zip")
    assert image.logging == models.LoggingCloudWatch(
        value=models.CloudWatchLogging(log_group="/aws/lambda/demo", log_stream="build")
    )
    assert list(image.cpu_configurations or ()) == [
        models.CpuConfiguration(architecture=models.Architecture.ARM_64)
    ]
    assert image.environment_variables is not None
    assert image.environment_variables["LOG_LEVEL"] == "debug"
    assert image.latest_active_image_version is None  # explicit null on the wire
    assert image.description is None


def test_round_trip_unions_and_unknown_enum(
    client: microvm_sdk.Client, server: ReplayServer
) -> None:
    body = {
        **CASES_BY_NAME["GetMicrovmImageVersion"].response,  # type: ignore[dict-item]
        "state": "ARCHIVED",  # a state added after this SDK was generated
        "logging": {"disabled": {}},
        "codeArtifact": {"containerImage": {"uri": "registry/app:1"}},
    }
    server.script(Reply.json(200, body))
    version = client.get_microvm_image_version(image_identifier=IMAGE_ARN, image_version="1.0")
    assert version.state.is_unknown
    assert version.state == "ARCHIVED"
    assert version.logging == models.LoggingDisabledMember()
    assert isinstance(version.code_artifact, models.CodeArtifactUnknown)
    assert version.code_artifact.tag == "containerImage"


# -- 2. the wire request equals boto3's -----------------------------------------------


@pytest.mark.parametrize("entry", ["typed", "call_wire"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_wire_request_matches_boto3(
    case: Case,
    entry: str,
    client: microvm_sdk.Client,
    make_boto3_client: Any,
    server: ReplayServer,
) -> None:
    server.script(_reply(case), _reply(case))
    if entry == "typed":
        call_typed(client, case)
    else:
        client.call_wire(case.operation, case.params)
    call_boto3(make_boto3_client(), case)
    assert len(server.requests) == 2
    ours, theirs = server.requests
    assert_same_wire(ours, theirs, case.operation)


def test_wire_request_from_hand_written_typed_arguments(
    client: microvm_sdk.Client, make_boto3_client: Any, server: ReplayServer
) -> None:
    """Typed arguments written by hand (models, enums, unions) encode like boto3's dicts."""
    server.script(
        Reply.json(200, CASES_BY_NAME["RunMicrovm"].body), _reply(CASES_BY_NAME["RunMicrovm"])
    )
    client.run_microvm(
        image_identifier=IMAGE_ARN,
        idle_policy=models.IdlePolicy(
            max_idle_duration_seconds=900, suspended_duration_seconds=0, auto_resume_enabled=False
        ),
        logging=models.LoggingDisabledMember(),
        maximum_duration_in_seconds=60,
        client_token="my-own-token-1",
    )
    make_boto3_client().run_microvm(
        imageIdentifier=IMAGE_ARN,
        idlePolicy={
            "maxIdleDurationSeconds": 900,
            "suspendedDurationSeconds": 0,
            "autoResumeEnabled": False,
        },
        logging={"disabled": {}},
        maximumDurationInSeconds=60,
        clientToken="my-own-token-1",
    )
    ours, theirs = server.requests
    assert ours.json() == theirs.json()
    assert ours.json()["clientToken"] == "my-own-token-1"
    assert meaningful_headers(ours) == meaningful_headers(theirs)


def test_auth_token_ports_union_on_the_wire(
    client: microvm_sdk.Client, server: ReplayServer
) -> None:
    server.script(_reply(CASES_BY_NAME["CreateMicrovmAuthToken"]))
    client.create_microvm_auth_token(
        microvm_identifier="microvm-1",
        expiration_in_minutes=5,
        allowed_ports=[
            models.PortSpecificationPort(value=22),
            models.PortSpecificationRange(value=models.PortRange(start_port=1, end_port=2)),
            models.PortSpecificationAllPorts(),
        ],
    )
    (request,) = server.requests
    assert request.path == "/2025-09-09/microvms/microvm-1/auth-token"
    assert request.json() == {
        "expirationInMinutes": 5,
        "allowedPorts": [{"port": 22}, {"range": {"startPort": 1, "endPort": 2}}, {"allPorts": {}}],
    }


def test_image_arn_label_is_percent_encoded(
    client: microvm_sdk.Client, server: ReplayServer
) -> None:
    server.script(_reply(CASES_BY_NAME["GetMicrovmImage"]))
    client.get_microvm_image(image_identifier=IMAGE_ARN)
    (request,) = server.requests
    assert request.path == (
        "/2025-09-09/microvm-images/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012"
        "%3Amicrovm-image%3Ademo-image"
    )
    assert request.body == b""
    assert "content-type" not in request.headers


def test_each_create_gets_its_own_client_token(
    client: microvm_sdk.Client, server: ReplayServer
) -> None:
    case = CASES_BY_NAME["CreateMicrovmImage"]
    server.script(_reply(case), _reply(case))
    client.call_wire("CreateMicrovmImage", case.params)
    client.call_wire("CreateMicrovmImage", case.params)
    first, second = (r.json()["clientToken"] for r in server.requests)
    assert UUID4.match(first) and UUID4.match(second)
    assert first != second
