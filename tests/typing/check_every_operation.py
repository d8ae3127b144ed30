"""Every operation, paginator and waiter of the client, called with typed arguments.

``mypy --strict`` checks this file (it is never run): each call must type-check and
return exactly the model class written here, so no ``Any`` leaks out of the client.
"""

from __future__ import annotations

from typing import assert_type

from microvm_sdk import Client, models
from microvm_sdk._core.paginator import Paginator

IMAGE = "arn:aws:lambda:us-east-1:123456789012:microvm-image:demo"
BASE = "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1"
ROLE = "arn:aws:iam::123456789012:role/build"
VM = "microvm-0f7c8e8e-2b1f-4c55-9d7a-0a0b0c0d0e0f"


def images(client: Client) -> None:
    artifact = models.CodeArtifactUri(value="s3://bucket/app.zip")
    assert_type(
        client.create_microvm_image(
            name="demo", base_image_arn=BASE, build_role_arn=ROLE, code_artifact=artifact
        ),
        models.CreateMicrovmImageResponse,
    )
    assert_type(client.get_microvm_image(image_identifier=IMAGE), models.GetMicrovmImageOutput)
    assert_type(client.list_microvm_images(max_results=10), models.ListMicrovmImagesResponse)
    assert_type(
        client.update_microvm_image(
            image_identifier=IMAGE, base_image_arn=BASE, build_role_arn=ROLE, code_artifact=artifact
        ),
        models.UpdateMicrovmImageResponse,
    )
    assert_type(
        client.delete_microvm_image(image_identifier=IMAGE), models.DeleteMicrovmImageOutput
    )


def versions_and_builds(client: Client) -> None:
    assert_type(
        client.get_microvm_image_version(image_identifier=IMAGE, image_version="1.0"),
        models.GetMicrovmImageVersionOutput,
    )
    assert_type(
        client.list_microvm_image_versions(image_identifier=IMAGE),
        models.ListMicrovmImageVersionsOutput,
    )
    assert_type(
        client.update_microvm_image_version(
            image_identifier=IMAGE,
            image_version="1.0",
            status=models.MicrovmImageVersionStatus.INACTIVE,
        ),
        models.UpdateMicrovmImageVersionResponse,
    )
    assert_type(
        client.delete_microvm_image_version(image_identifier=IMAGE, image_version="1.0"),
        models.DeleteMicrovmImageVersionOutput,
    )
    assert_type(
        client.list_microvm_image_builds(
            image_identifier=IMAGE, image_version="1.0", architecture=models.Architecture.ARM_64
        ),
        models.ListMicrovmImageBuildsOutput,
    )
    assert_type(
        client.get_microvm_image_build(image_identifier=IMAGE, image_version="1.0", build_id="b"),
        models.GetMicrovmImageBuildOutput,
    )


def managed_images(client: Client) -> None:
    assert_type(client.list_managed_microvm_images(), models.ListManagedMicrovmImagesOutput)
    assert_type(
        client.list_managed_microvm_image_versions(image_identifier=BASE),
        models.ListManagedMicrovmImageVersionsOutput,
    )


def microvms(client: Client) -> None:
    assert_type(client.run_microvm(image_identifier=IMAGE), models.RunMicrovmResponse)
    assert_type(client.get_microvm(microvm_identifier=VM), models.GetMicrovmResponse)
    assert_type(client.list_microvms(image_identifier=IMAGE), models.ListMicrovmsResponse)
    assert_type(client.suspend_microvm(microvm_identifier=VM), models.SuspendMicrovmResponse)
    assert_type(client.resume_microvm(microvm_identifier=VM), models.ResumeMicrovmResponse)
    assert_type(client.terminate_microvm(microvm_identifier=VM), models.TerminateMicrovmResponse)
    assert_type(
        client.create_microvm_auth_token(
            microvm_identifier=VM,
            expiration_in_minutes=15,
            allowed_ports=[
                models.PortSpecificationPort(value=8080),
                models.PortSpecificationAllPorts(),
            ],
        ),
        models.CreateMicrovmAuthTokenResponse,
    )
    assert_type(
        client.create_microvm_shell_auth_token(microvm_identifier=VM, expiration_in_minutes=5),
        models.CreateMicrovmShellAuthTokenResponse,
    )


def tags(client: Client) -> None:
    assert_type(client.tag_resource(resource=IMAGE, tags={"team": "sdk"}), models.EmptyOutput)
    assert_type(client.untag_resource(resource=IMAGE, tag_keys=["team"]), models.EmptyOutput)
    assert_type(client.list_tags(resource=IMAGE), models.ListTagsResponse)


def paginators(client: Client) -> None:
    assert_type(
        client.paginate_list_microvm_images(page_size=10),
        Paginator[models.ListMicrovmImagesResponse, models.MicrovmImageSummary],
    )
    assert_type(
        client.paginate_list_microvm_image_versions(image_identifier=IMAGE),
        Paginator[models.ListMicrovmImageVersionsOutput, models.MicrovmImageVersionSummary],
    )
    assert_type(
        client.paginate_list_microvm_image_builds(image_identifier=IMAGE, image_version="1.0"),
        Paginator[models.ListMicrovmImageBuildsOutput, models.MicrovmImageBuildSummary],
    )
    assert_type(
        client.paginate_list_managed_microvm_images(),
        Paginator[models.ListManagedMicrovmImagesOutput, models.ManagedMicrovmImageSummary],
    )
    assert_type(
        client.paginate_list_managed_microvm_image_versions(image_identifier=BASE),
        Paginator[
            models.ListManagedMicrovmImageVersionsOutput,
            models.ManagedMicrovmImageVersion,
        ],
    )
    assert_type(
        client.paginate_list_microvms(), Paginator[models.ListMicrovmsResponse, models.MicrovmItem]
    )


def waiters(client: Client) -> None:
    assert_type(client.wait_until_created(image_identifier=IMAGE), models.GetMicrovmImageOutput)
    assert_type(client.wait_until_updated(image_identifier=IMAGE), models.GetMicrovmImageOutput)
    assert_type(
        client.wait_until_deleted(image_identifier=IMAGE), models.GetMicrovmImageOutput | None
    )
    assert_type(
        client.wait_until_image_version_built(image_identifier=IMAGE, image_version="1.0"),
        models.GetMicrovmImageVersionOutput,
    )
    assert_type(client.wait_until_microvm_running(microvm_identifier=VM), models.GetMicrovmResponse)
    assert_type(
        client.wait_until_microvm_suspended(microvm_identifier=VM), models.GetMicrovmResponse
    )
    assert_type(
        client.wait_until_microvm_terminated(microvm_identifier=VM), models.GetMicrovmResponse
    )
