"""Type checks of AsyncClient for asyncio callers: ``mypy --strict`` checks this file; it
is never run.

``assert_type`` fails the check when an inferred type differs from the one written here:
awaited results, ``async for`` items, ``async with`` and the dict-level entry point.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Coroutine
from typing import Any, assert_type

from microvm_sdk import AsyncClient, Config, errors, models
from microvm_sdk.waiters import WaitProgress

ARN = "arn:aws:lambda:us-east-1:123456789012:microvm-image:demo"


async def create_and_wait() -> None:
    async with AsyncClient(region_name="us-east-1", config=Config(max_attempts=5)) as client:
        assert_type(client, AsyncClient)
        image = await client.create_microvm_image(
            name="demo",
            base_image_arn="arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1",
            build_role_arn="arn:aws:iam::123456789012:role/build",
            code_artifact=models.CodeArtifactUri(value="s3://bucket/app.zip"),
        )
        assert_type(image, models.CreateMicrovmImageResponse)
        assert_type(image.state, models.MicrovmImageState)

        def show(progress: WaitProgress[models.GetMicrovmImageOutput]) -> None:
            assert_type(progress.output, models.GetMicrovmImageOutput | None)

        done = await client.wait_until_created(image_identifier=image.image_arn, callback=show)
        assert_type(done, models.GetMicrovmImageOutput)
        gone = await client.wait_until_deleted(image_identifier=image.image_arn)
        assert_type(gone, models.GetMicrovmImageOutput | None)
        assert_type(await client.tag_resource(resource=ARN, tags={"team": "a"}), models.EmptyOutput)
        assert_type(await client.call_wire("ListMicrovmImages", {}), dict[str, Any])
    await client.close()


def calls_are_coroutines(client: AsyncClient) -> None:
    # Both checkers accept the coroutine where a Coroutine of the output is declared.
    pending: Coroutine[Any, Any, models.GetMicrovmImageOutput] = client.get_microvm_image(
        image_identifier=ARN
    )
    pending.close()


async def pages(client: AsyncClient) -> None:
    paginator = client.paginate_list_microvm_images(page_size=10)
    assert_type(paginator.items(), AsyncIterator[models.MicrovmImageSummary])
    assert_type(paginator.pages(), AsyncIterator[models.ListMicrovmImagesResponse])
    async for page in paginator:
        assert_type(page, models.ListMicrovmImagesResponse)
        assert_type(page.next_token, str | None)
    async for vm in client.paginate_list_microvms().items():
        assert_type(vm, models.MicrovmItem)
    assert_type(paginator.resume_token, str | None)
    resumed = client.paginate_list_microvm_images(starting_token=paginator.resume_token)
    names = [item.name async for item in resumed.items()]
    assert_type(names, list[str])


async def errors_are_typed(client: AsyncClient) -> None:
    try:
        await client.get_microvm(microvm_identifier="microvm-1")
    except errors.ThrottlingException as exc:
        assert_type(exc.retry_after_seconds, int | None)
    except errors.ServiceError as exc:
        assert_type(exc.code, str)
