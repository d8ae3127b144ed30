"""Required type errors for asyncio callers: each ignore comment must be needed.

``mypy --strict --warn-unused-ignores`` fails on a ``# type: ignore`` that suppresses
nothing, and pyright (``reportUnnecessaryTypeIgnoreComment``) on a ``# pyright: ignore``
that does; ``tests/codegen/test_typing_checks.py`` also proves that each line has exactly
the errors named. Never run.
"""

from __future__ import annotations

from microvm_sdk import AsyncClient, models

ARN = "arn:aws:lambda:us-east-1:123456789012:microvm-image:demo"


async def negatives(client: AsyncClient) -> None:
    # a missing await: the coroutine is not the output
    image: models.GetMicrovmImageOutput = client.get_microvm_image(  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
        image_identifier=ARN
    )
    assert image
    state = client.get_microvm_image(image_identifier=ARN).state  # type: ignore[attr-defined]  # pyright: ignore[reportUnknownVariableType, reportUnknownMemberType, reportAttributeAccessIssue]
    assert state
    # a sync for over an async paginator
    for page in client.paginate_list_microvm_images():  # type: ignore[attr-defined]  # pyright: ignore[reportUnknownVariableType, reportGeneralTypeIssues]
        assert page
    for item in client.paginate_list_microvm_images().items():  # type: ignore[attr-defined]  # pyright: ignore[reportUnknownVariableType, reportGeneralTypeIssues]
        assert item
    # a paginator is not awaited
    await client.paginate_list_microvm_images()  # type: ignore[misc]  # pyright: ignore[reportGeneralTypeIssues]
    # a misspelt keyword
    await client.get_microvm_image(image_identifer=ARN)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    await client.wait_until_created(image_identifier=ARN, time_out=5)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    # a blocking with instead of async with
    with client:  # type: ignore[attr-defined]  # pyright: ignore[reportGeneralTypeIssues]
        pass
    # the dict-level entry point is a coroutine too
    wire: dict[str, object] = client.call_wire("ListTags", {})  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
    assert wire
