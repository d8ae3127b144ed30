"""Required type errors for asyncio callers: each ``# type: ignore[code]`` must be needed.

``mypy --strict --warn-unused-ignores`` fails on an ignore that suppresses nothing, so every
line below proves that mypy rejects it. Never run.
"""

from __future__ import annotations

from microvm_sdk import AsyncClient, models

ARN = "arn:aws:lambda:us-east-1:123456789012:microvm-image:demo"


async def negatives(client: AsyncClient) -> None:
    # a missing await: the coroutine is not the output
    image: models.GetMicrovmImageOutput = client.get_microvm_image(  # type: ignore[assignment]
        image_identifier=ARN
    )
    assert image
    state = client.get_microvm_image(image_identifier=ARN).state  # type: ignore[attr-defined]
    assert state
    # a sync for over an async paginator
    for page in client.paginate_list_microvm_images():  # type: ignore[attr-defined]
        assert page
    for item in client.paginate_list_microvm_images().items():  # type: ignore[attr-defined]
        assert item
    # a paginator is not awaited
    await client.paginate_list_microvm_images()  # type: ignore[misc]
    # a misspelt keyword
    await client.get_microvm_image(image_identifer=ARN)  # type: ignore[call-arg]
    await client.wait_until_created(image_identifier=ARN, time_out=5)  # type: ignore[call-arg]
    # a blocking with instead of async with
    with client:  # type: ignore[attr-defined]
        pass
    # the dict-level entry point is a coroutine too
    wire: dict[str, object] = client.call_wire("ListTags", {})  # type: ignore[assignment]
    assert wire
