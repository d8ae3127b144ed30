"""Responses as the live service sends them, from raw wire bytes.

The bodies below are written for these tests after the quirks recorded from the live
service: explicit ``null`` for every unset optional member, members the model does not
have (``id``, ``buildPhaseOverrides``, ``roleConfiguration``, ``versionStateTimeBucket``,
``terminationReasonCode``), epoch-second timestamps, ``X-Amzn-ErrorType`` error codes and
an nginx 502 page from the gateway.
"""

from __future__ import annotations

import datetime
import email.utils
import logging
import traceback
from typing import Any

import pytest
from schema_strategies import CONVERTER, PROTOCOL, SCHEMA

from microvm_sdk import errors, models
from microvm_sdk._core.http import HttpResponse

UTC = datetime.UTC
ARN = "arn:aws:lambda:us-east-2:111122223333:microvm-image:fc-demo"
BASE = "arn:aws:lambda:us-east-2:aws:microvm-image:al2023-1"


def parse(operation: str, body: bytes, status: int = 200) -> Any:
    op = SCHEMA.operations[operation]
    cls = SCHEMA.shapes[op.output or ""].cls
    return PROTOCOL.parse(op, HttpResponse(status, {}, body), cls)


def error(status: int, body: bytes, **headers: str) -> errors.ServiceError:
    return PROTOCOL.error(HttpResponse(status, {k.lower(): v for k, v in headers.items()}, body))


# -- explicit nulls and members the model does not have ------------------------------------

CREATE_IMAGE_201 = (
    b'{"additionalOsCapabilities":null,"baseImageArn":"' + BASE.encode() + b'",'
    b'"baseImageVersion":"1.0","buildPhaseOverrides":null,'
    b'"buildRoleArn":"arn:aws:iam::111122223333:role/fc-build",'
    b'"codeArtifact":{"uri":"s3://fc-bucket/app.zip"},"cpuConfigurations":null,'
    b'"createdAt":1767225600.25,"description":null,"egressNetworkConnectors":'
    b'["arn:aws:lambda:us-east-2:aws:network-connector:aws-network-connector:INTERNET_EGRESS"],'
    b'"environmentVariables":null,"hooks":null,"id":"5d0c8a52-3f0e-4b8e-9a57-0d1f2e3c4b5a",'
    b'"imageArn":"' + ARN.encode() + b'","imageVersion":"1.0","latestActiveImageVersion":null,'
    b'"latestFailedImageVersion":null,"logging":null,"name":"fc-demo",'
    b'"resources":[{"minimumMemoryInMiB":2048}],'
    b'"roleConfiguration":{"trust":"x","nested":[1,2,{"deep":null}]},'
    b'"state":"CREATING","tags":null,"updatedAt":1767225600}'
)


def test_create_image_response_with_nulls_and_extra_members() -> None:
    out = parse("CreateMicrovmImage", CREATE_IMAGE_201, 201)
    assert isinstance(out, models.CreateMicrovmImageResponse)
    assert out.state is models.MicrovmImageState.CREATING
    assert out.code_artifact == models.CodeArtifactUri(value="s3://fc-bucket/app.zip")
    assert out.resources == (models.Resources(minimum_memory_in_mib=2048),)
    assert out.created_at == datetime.datetime(2026, 1, 1, 0, 0, 0, 250000, tzinfo=UTC)
    assert out.updated_at == datetime.datetime(2026, 1, 1, tzinfo=UTC)
    for member in ("description", "hooks", "logging", "tags", "latest_active_image_version"):
        assert getattr(out, member) is None
    assert not hasattr(out, "id")
    assert not hasattr(out, "build_phase_overrides")


def test_version_with_state_time_bucket() -> None:
    body = (
        b'{"baseImageArn":"' + BASE.encode() + b'","baseImageVersion":"1.0",'
        b'"buildRoleArn":"arn:aws:iam::111122223333:role/fc-build",'
        b'"codeArtifact":{"uri":"s3://fc-bucket/app.zip"},"createdAt":1767225600,'
        b'"imageArn":"' + ARN.encode() + b'","imageVersion":"1.0","logging":null,'
        b'"state":"SUCCESSFUL","stateReason":null,"status":"ACTIVE","tags":null,'
        b'"updatedAt":1767229200,"versionStateTimeBucket":"SUCCESSFUL#29453820"}'
    )
    out = parse("GetMicrovmImageVersion", body)
    assert out.state is models.MicrovmImageVersionState.SUCCESSFUL
    assert out.status is models.MicrovmImageVersionStatus.ACTIVE
    assert out.state_reason is None


def test_builds_and_microvms_with_termination_reason_code() -> None:
    builds = parse(
        "ListMicrovmImageBuilds",
        b'{"items":[{"architecture":"ARM_64","buildId":"b-1","buildState":"SUCCESSFUL",'
        b'"chipset":"GRAVITON","chipsetGeneration":"4","createdAt":1767225600,'
        b'"imageArn":"' + ARN.encode() + b'","imageVersion":"1.0","stateReason":null,'
        b'"terminationReasonCode":null}],"nextToken":null}',
    )
    assert builds.items[0].chipset is models.Chipset.GRAVITON
    assert builds.next_token is None
    vm = parse(
        "RunMicrovm",
        b'{"egressNetworkConnectors":[],"endpoint":"abc.lambda-microvm.us-east-2.on.aws",'
        b'"executionRoleArn":null,"idlePolicy":{"autoResumeEnabled":false,'
        b'"maxIdleDurationSeconds":900,"suspendedDurationSeconds":1800},'
        b'"imageArn":"' + ARN.encode() + b'","imageVersion":"1.0","ingressNetworkConnectors":null,'
        b'"maximumDurationInSeconds":28800,"microvmId":"microvm-1","startedAt":1767225600.5,'
        b'"state":"PENDING","stateReason":null,"terminatedAt":null,'
        b'"terminationReasonCode":"USER_INITIATED"}',
    )
    assert vm.idle_policy == models.IdlePolicy(
        max_idle_duration_seconds=900, suspended_duration_seconds=1800, auto_resume_enabled=False
    )
    assert vm.egress_network_connectors == ()
    assert vm.terminated_at is None


def test_null_items_in_lists_are_dropped() -> None:
    out = parse(
        "ListMicrovmImages",
        b'{"items":[null,{"createdAt":1,"imageArn":"a","name":"n","state":"CREATED","id":"u"}],'
        b'"nextToken":"t"}',
    )
    assert [i.name for i in out.items] == ["n"]


def test_iso_8601_timestamps_are_read_too() -> None:
    out = parse(
        "GetMicrovmImage",
        b'{"createdAt":"2026-01-01T00:00:00.123Z","imageArn":"a","name":"n","state":"CREATED"}',
    )
    assert out.created_at == datetime.datetime(2026, 1, 1, 0, 0, 0, 123000, tzinfo=UTC)


# -- values newer than this SDK -------------------------------------------------------------


def test_unknown_enum_value_is_kept() -> None:
    out = parse(
        "GetMicrovmImage",
        b'{"createdAt":1,"imageArn":"a","name":"n","state":"HIBERNATING","latestActiveImageVersion":null}',
    )
    assert isinstance(out.state, models.MicrovmImageState)
    assert out.state.is_unknown
    assert out.state == "HIBERNATING"
    assert out.state.value == "HIBERNATING"
    assert not models.MicrovmImageState.CREATED.is_unknown
    assert CONVERTER.to_wire(out)["state"] == "HIBERNATING"


def test_unknown_enum_value_inside_a_list() -> None:
    caps = CONVERTER.value_from_wire(["ALL", "NET_ADMIN"], "CapabilityList")
    assert caps[0] is models.Capability.ALL
    assert caps[1] == "NET_ADMIN" and caps[1].is_unknown


def version_body(code_artifact: bytes, logging_value: bytes = b"null") -> bytes:
    return (
        b'{"baseImageArn":"b","buildRoleArn":"r","codeArtifact":' + code_artifact + b","
        b'"createdAt":1,"imageArn":"a","imageVersion":"1.0","state":"SUCCESSFUL",'
        b'"status":"ACTIVE","logging":' + logging_value + b"}"
    )


def test_unknown_union_member_of_code_artifact() -> None:
    out = parse(
        "GetMicrovmImageVersion",
        version_body(b'{"ecrImage":{"repository":"r","digest":"sha256:00"}}'),
    )
    assert out.code_artifact == models.CodeArtifactUnknown(
        tag="ecrImage", value={"repository": "r", "digest": "sha256:00"}
    )


def test_unknown_union_member_of_logging() -> None:
    out = parse(
        "GetMicrovmImageVersion",
        version_body(b'{"uri":"s3://b/k"}', b'{"firehose":{"stream":"s"}}'),
    )
    assert out.logging == models.LoggingUnknown(tag="firehose", value={"stream": "s"})


def test_known_logging_members_including_the_renamed_one() -> None:
    out = parse("GetMicrovmImageVersion", version_body(b'{"uri":"s3://b/k"}', b'{"disabled":{}}'))
    assert out.logging == models.LoggingDisabledMember(value=models.LoggingDisabled())
    out = parse(
        "GetMicrovmImageVersion",
        version_body(b'{"uri":"s3://b/k"}', b'{"cloudWatch":{"logGroup":"g","logStream":null}}'),
    )
    assert out.logging == models.LoggingCloudWatch(
        value=models.CloudWatchLogging(log_group="g", log_stream=None)
    )


def test_unknown_union_member_of_port_specification() -> None:
    assert CONVERTER.value_from_wire({"udpPort": 53}, "PortSpecification") == (
        models.PortSpecificationUnknown(tag="udpPort", value=53)
    )
    assert CONVERTER.value_from_wire({"allPorts": {}}, "PortSpecification") == (
        models.PortSpecificationAllPorts(value=models.Unit())
    )


def test_union_ignores_null_members_and_type_key() -> None:
    out = parse(
        "GetMicrovmImageVersion",
        version_body(b'{"__type":"CodeArtifact","uri":"s3://b/k","s3Object":null}'),
    )
    assert out.code_artifact == models.CodeArtifactUri(value="s3://b/k")


# -- required members the service left out: error correction --------------------------------


def test_missing_and_null_required_members_get_zero_values_and_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = (
        b'{"imageArn":"a","state":null,"createdAt":null,"baseImageArn":"b",'
        b'"buildRoleArn":"r","imageVersion":"1.0","resources":[{"minimumMemoryInMiB":null}]}'
    )
    with caplog.at_level(logging.WARNING, logger="microvm_sdk"):
        out = parse("CreateMicrovmImage", body, 201)
    assert out.name == ""
    assert out.state == "" and out.state.is_unknown
    assert out.created_at == datetime.datetime(1970, 1, 1, tzinfo=UTC)
    assert out.resources == (models.Resources(minimum_memory_in_mib=0),)
    assert out.code_artifact == models.CodeArtifactUnknown(tag="", value={})
    warned = {r.getMessage() for r in caplog.records if r.levelno == logging.WARNING}
    for path in (
        "CreateMicrovmImageResponse.name",
        "CreateMicrovmImageResponse.state",
        "CreateMicrovmImageResponse.created_at",
        "CreateMicrovmImageResponse.code_artifact",
        "CreateMicrovmImageResponse.resources[0].minimum_memory_in_mib",
    ):
        assert any(path in message for message in warned), (path, warned)
    assert len(warned) == 5


def test_missing_required_nested_members(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="microvm_sdk"):
        out = parse(
            "ListMicrovmImageBuilds",
            b'{"items":[{"architecture":"X86_64","buildId":"b","buildState":"FAILED",'
            b'"chipset":"INTEL","createdAt":1,"imageArn":"a","imageVersion":"1"}]}',
        )
        missing_list = parse("ListMicrovmImages", b"{}")
    assert out.items[0].chipset_generation == ""
    assert missing_list.items == ()
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "ListMicrovmImageBuildsOutput.items[0].chipset_generation" in messages
    assert "ListMicrovmImagesResponse.items" in messages


def test_a_complete_response_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="microvm_sdk"):
        parse("CreateMicrovmImage", CREATE_IMAGE_201, 201)
    assert caplog.records == []


# -- errors ---------------------------------------------------------------------------------


def test_modeled_error_from_header_with_explicit_nulls() -> None:
    exc = error(
        404,
        b'{"message":"MicroVMImage not found for MicroVMImageID: ' + ARN.encode() + b'",'
        b'"resourceId":null,"resourceType":null}',
        **{"X-Amzn-ErrorType": "ResourceNotFoundException", "x-amzn-RequestId": "req-1"},
    )
    assert type(exc) is errors.ResourceNotFoundException
    assert exc.message.startswith("MicroVMImage not found")
    assert exc.resource_id is None and exc.resource_type is None
    assert exc.request_id == "req-1"
    assert exc.http_status == 404


def test_unknown_error_code() -> None:
    exc = error(
        400, b'{"message":"slow down differently"}', **{"X-Amzn-ErrorType": "FancyNewException"}
    )
    assert type(exc) is errors.UnknownServiceError
    assert exc.code == "FancyNewException"
    assert exc.message == "slow down differently"
    assert exc.http_status == 400


NGINX_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


def test_gateway_502_html_page() -> None:
    op = SCHEMA.operations["GetMicrovm"]
    response = HttpResponse(502, {"content-type": "text/html"}, NGINX_502)
    with pytest.raises(errors.UnknownServiceError) as info:
        PROTOCOL.parse(op, response, models.GetMicrovmResponse)
    exc = info.value
    assert exc.http_status == 502
    assert exc.code == "HTTP502"
    assert "502 Bad Gateway" in exc.message
    assert "<" not in exc.message
    assert exc.body == NGINX_502
    assert exc.__cause__ is None and exc.__context__ is None
    shown = "".join(traceback.format_exception(exc))
    assert "JSONDecodeError" not in shown and "Expecting value" not in shown


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"X-Amzn-ErrorType": "ValidationException:http://internal.amazon.com/coral/x/"}, b"{}"),
        ({"X-Amzn-ErrorType": "com.amazonaws.lambda#ValidationException"}, b"{}"),
        ({}, b'{"__type":"com.amazonaws.lambda#ValidationException:extra","message":"m"}'),
        ({}, b'{"code":"ValidationException","message":"m"}'),
    ],
)
def test_error_code_suffix_and_namespace_are_stripped(headers: dict[str, str], body: bytes) -> None:
    exc = error(400, body, **headers)
    assert type(exc) is errors.ValidationException
    assert exc.code == "ValidationException"


def test_retry_after_seconds_header() -> None:
    exc = error(
        429,
        b'{"message":"Rate exceeded","serviceCode":"lambda","quotaCode":null}',
        **{"X-Amzn-ErrorType": "ThrottlingException", "Retry-After": "7"},
    )
    assert type(exc) is errors.ThrottlingException
    assert exc.retry_after == 7.0
    assert exc.retry_after_seconds == 7
    assert exc.service_code == "lambda" and exc.quota_code is None
    assert exc.is_throttling and exc.is_retryable


def test_x_amz_retry_after_milliseconds_wins() -> None:
    exc = error(
        500,
        b"{}",
        **{"X-Amzn-ErrorType": "InternalServerException", "Retry-After": "9"},
        **{"x-amz-retry-after": "1500"},
    )
    assert exc.retry_after == 1.5
    assert exc.retry_after_seconds == 9


def test_retry_after_http_date_in_the_past_is_zero() -> None:
    past = email.utils.format_datetime(datetime.datetime(2001, 1, 1, tzinfo=UTC), usegmt=True)
    exc = error(429, b"{}", **{"X-Amzn-ErrorType": "ThrottlingException", "Retry-After": past})
    assert exc.retry_after == 0.0
    assert exc.retry_after_seconds is None


def test_unparseable_retry_after_is_ignored() -> None:
    exc = error(429, b"{}", **{"X-Amzn-ErrorType": "ThrottlingException", "Retry-After": "soon"})
    assert exc.retry_after is None
    assert type(exc) is errors.ThrottlingException
