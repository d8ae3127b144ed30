"""Type checks of the public API: ``mypy --strict`` checks this file; it is never run.

``assert_type`` fails the check when an inferred type differs from the one written here.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping, Sequence
from typing import assert_never, assert_type

from microvm_sdk import Client, errors, models


def create_and_wait(client: Client) -> None:
    image = client.create_microvm_image(
        name="demo",
        base_image_arn="arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1",
        build_role_arn="arn:aws:iam::123456789012:role/build",
        code_artifact=models.CodeArtifactUri(value="s3://bucket/app.zip"),
        logging=models.LoggingDisabledMember(),
        environment_variables={"MODE": "prod"},
        resources=[models.Resources(minimum_memory_in_mib=2048)],
    )
    assert_type(image, models.CreateMicrovmImageResponse)
    assert_type(image.state, models.MicrovmImageState)
    assert_type(image.created_at, datetime.datetime)
    assert_type(image.updated_at, datetime.datetime | None)
    assert_type(image.code_artifact, models.CodeArtifact)
    assert_type(image.resources, Sequence[models.Resources] | None)
    assert_type(image.environment_variables, Mapping[str, str] | None)
    assert_type(image.state.is_unknown, bool)

    done = client.wait_until_created(image_identifier=image.image_arn, timeout=60.0)
    assert_type(done, models.GetMicrovmImageOutput)
    gone = client.wait_until_deleted(image_identifier=image.image_arn)
    assert_type(gone, models.GetMicrovmImageOutput | None)
    assert_type(
        client.tag_resource(resource=image.image_arn, tags={"team": "a"}), models.EmptyOutput
    )


def describe(artifact: models.CodeArtifact) -> str:
    match artifact:
        case models.CodeArtifactUri(value=uri):
            assert_type(uri, str)
            return uri
        case models.CodeArtifactUnknown(tag=tag):
            assert_type(tag, str)
            return tag
        case _:
            assert_never(artifact)


def describe_logging(logging: models.Logging) -> str:
    if isinstance(logging, models.LoggingCloudWatch):
        assert_type(logging.value, models.CloudWatchLogging)
        return logging.value.log_group or ""
    if isinstance(logging, models.LoggingDisabledMember):
        assert_type(logging.value, models.LoggingDisabled)
        return "disabled"
    assert_type(logging, models.LoggingUnknown)
    return logging.tag


def pages(client: Client) -> None:
    paginator = client.paginate_list_microvm_images(page_size=10)
    assert_type(paginator.items(), Iterator[models.MicrovmImageSummary])
    for page in paginator:
        assert_type(page, models.ListMicrovmImagesResponse)
        assert_type(page.next_token, str | None)
    for vm in client.paginate_list_microvms().items():
        assert_type(vm, models.MicrovmItem)


def run(client: Client) -> None:
    vm = client.run_microvm(
        image_identifier="arn:aws:lambda:us-east-1:123456789012:microvm-image:demo",
        idle_policy=models.IdlePolicy(
            max_idle_duration_seconds=900, suspended_duration_seconds=60, auto_resume_enabled=True
        ),
    )
    assert_type(vm.state, models.MicrovmState)
    assert_type(vm.idle_policy, models.IdlePolicy | None)
    ports: list[models.PortSpecification] = [
        models.PortSpecificationPort(value=8080),
        models.PortSpecificationRange(value=models.PortRange(start_port=1, end_port=2)),
        models.PortSpecificationAllPorts(),
    ]
    token = client.create_microvm_auth_token(
        microvm_identifier=vm.microvm_id, expiration_in_minutes=5, allowed_ports=ports
    )
    assert_type(token.auth_token, Mapping[str, str])


def errors_are_typed(client: Client) -> None:
    try:
        client.get_microvm(microvm_identifier="microvm-1")
    except errors.ThrottlingException as exc:
        assert_type(exc.retry_after_seconds, int | None)
        assert_type(exc.retry_after, float | None)
    except errors.ServiceError as exc:
        assert_type(exc.code, str)


def enums() -> None:
    state = models.MicrovmState("HIBERNATING")
    assert_type(state, models.MicrovmState)
    running: models.MicrovmState = models.MicrovmState.RUNNING
    assert_type(running.is_unknown, bool)
    text: str = state  # an enum value is a str
    assert text
