"""Every operation, paginator and waiter of AsyncClient, called with typed arguments.

The asyncio twin of ``check_every_operation.py``: ``mypy --strict`` checks this file (it
is never run); each awaited call must return exactly the model class written here, and
each paginator must be an ``AsyncPaginator`` of the same page and item types.
"""

from __future__ import annotations

from typing import assert_type

from microvm_sdk import AsyncClient, models
from microvm_sdk._core.paginator import AsyncPaginator

IMAGE = "arn:aws:lambda:us-east-1:123456789012:microvm-image:demo"
BASE = "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1"
ROLE = "arn:aws:iam::123456789012:role/build"
VM = "microvm-0f7c8e8e-2b1f-4c55-9d7a-0a0b0c0d0e0f"


async def images(client: AsyncClient) -> None:
    artifact = models.CodeArtifactUri(value="s3://bucket/app.zip")
    assert_type(
        await client.create_microvm_image(
            name="demo", base_image_arn=BASE, build_role_arn=ROLE, code_artifact=artifact
        ),
        models.CreateMicrovmImageResponse,
    )
    assert_type(
        await client.get_microvm_image(image_identifier=IMAGE), models.GetMicrovmImageOutput
    )
    assert_type(await client.list_microvm_images(max_results=10), models.ListMicrovmImagesResponse)
    assert_type(
        await client.update_microvm_image(
            image_identifier=IMAGE, base_image_arn=BASE, build_role_arn=ROLE, code_artifact=artifact
        ),
        models.UpdateMicrovmImageResponse,
    )
    assert_type(
        await client.delete_microvm_image(image_identifier=IMAGE), models.DeleteMicrovmImageOutput
    )


async def versions_and_builds(client: AsyncClient) -> None:
    assert_type(
        await client.get_microvm_image_version(image_identifier=IMAGE, image_version="1.0"),
        models.GetMicrovmImageVersionOutput,
    )
    assert_type(
        await client.list_microvm_image_versions(image_identifier=IMAGE),
        models.ListMicrovmImageVersionsOutput,
    )
    assert_type(
        await client.update_microvm_image_version(
            image_identifier=IMAGE,
            image_version="1.0",
            status=models.MicrovmImageVersionStatus.INACTIVE,
        ),
        models.UpdateMicrovmImageVersionResponse,
    )
    assert_type(
        await client.delete_microvm_image_version(image_identifier=IMAGE, image_version="1.0"),
        models.DeleteMicrovmImageVersionOutput,
    )
    assert_type(
        await client.list_microvm_image_builds(
            image_identifier=IMAGE, image_version="1.0", architecture=models.Architecture.ARM_64
        ),
        models.ListMicrovmImageBuildsOutput,
    )
    assert_type(
        await client.get_microvm_image_build(
            image_identifier=IMAGE, image_version="1.0", build_id="b"
        ),
        models.GetMicrovmImageBuildOutput,
    )


async def managed_images(client: AsyncClient) -> None:
    assert_type(await client.list_managed_microvm_images(), models.ListManagedMicrovmImagesOutput)
    assert_type(
        await client.list_managed_microvm_image_versions(image_identifier=BASE),
        models.ListManagedMicrovmImageVersionsOutput,
    )


async def microvms(client: AsyncClient) -> None:
    assert_type(await client.run_microvm(image_identifier=IMAGE), models.RunMicrovmResponse)
    assert_type(await client.get_microvm(microvm_identifier=VM), models.GetMicrovmResponse)
    assert_type(await client.list_microvms(image_identifier=IMAGE), models.ListMicrovmsResponse)
    assert_type(await client.suspend_microvm(microvm_identifier=VM), models.SuspendMicrovmResponse)
    assert_type(await client.resume_microvm(microvm_identifier=VM), models.ResumeMicrovmResponse)
    assert_type(
        await client.terminate_microvm(microvm_identifier=VM), models.TerminateMicrovmResponse
    )
    assert_type(
        await client.create_microvm_auth_token(
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
        await client.create_microvm_shell_auth_token(
            microvm_identifier=VM, expiration_in_minutes=5
        ),
        models.CreateMicrovmShellAuthTokenResponse,
    )


async def tags(client: AsyncClient) -> None:
    assert_type(await client.tag_resource(resource=IMAGE, tags={"team": "sdk"}), models.EmptyOutput)
    assert_type(await client.untag_resource(resource=IMAGE, tag_keys=["team"]), models.EmptyOutput)
    assert_type(await client.list_tags(resource=IMAGE), models.ListTagsResponse)


async def paginators(client: AsyncClient) -> None:
    assert_type(
        client.paginate_list_microvm_images(page_size=10),
        AsyncPaginator[models.ListMicrovmImagesResponse, models.MicrovmImageSummary],
    )
    assert_type(
        client.paginate_list_microvm_image_versions(image_identifier=IMAGE),
        AsyncPaginator[models.ListMicrovmImageVersionsOutput, models.MicrovmImageVersionSummary],
    )
    assert_type(
        client.paginate_list_microvm_image_builds(image_identifier=IMAGE, image_version="1.0"),
        AsyncPaginator[models.ListMicrovmImageBuildsOutput, models.MicrovmImageBuildSummary],
    )
    assert_type(
        client.paginate_list_managed_microvm_images(),
        AsyncPaginator[models.ListManagedMicrovmImagesOutput, models.ManagedMicrovmImageSummary],
    )
    assert_type(
        client.paginate_list_managed_microvm_image_versions(image_identifier=BASE),
        AsyncPaginator[
            models.ListManagedMicrovmImageVersionsOutput,
            models.ManagedMicrovmImageVersion,
        ],
    )
    assert_type(
        client.paginate_list_microvms(),
        AsyncPaginator[models.ListMicrovmsResponse, models.MicrovmItem],
    )


async def waiters(client: AsyncClient) -> None:
    assert_type(
        await client.wait_until_created(image_identifier=IMAGE), models.GetMicrovmImageOutput
    )
    assert_type(
        await client.wait_until_updated(image_identifier=IMAGE), models.GetMicrovmImageOutput
    )
    assert_type(
        await client.wait_until_deleted(image_identifier=IMAGE), models.GetMicrovmImageOutput | None
    )
    assert_type(
        await client.wait_until_image_version_built(image_identifier=IMAGE, image_version="1.0"),
        models.GetMicrovmImageVersionOutput,
    )
    assert_type(
        await client.wait_until_microvm_running(microvm_identifier=VM), models.GetMicrovmResponse
    )
    assert_type(
        await client.wait_until_microvm_suspended(microvm_identifier=VM), models.GetMicrovmResponse
    )
    assert_type(
        await client.wait_until_microvm_terminated(microvm_identifier=VM), models.GetMicrovmResponse
    )
