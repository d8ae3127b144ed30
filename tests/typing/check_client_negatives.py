"""Required type errors: each ignore comment must be needed, under both checkers.

``mypy --strict --warn-unused-ignores`` fails on a ``# type: ignore[code]`` that suppresses
nothing, and pyright (``reportUnnecessaryTypeIgnoreComment``, with ``# type: ignore``
comments disabled for it) on a ``# pyright: ignore[rule]`` that does, so every line below
proves that the checkers named on it reject it. A line with one checker's comment only is
accepted by the other. Never run.
"""

from __future__ import annotations

import microvm_sdk
from microvm_sdk import Client, models
from microvm_sdk.local import LocalServer
from microvm_sdk.waiters import WaitProgress

ARN = "arn:aws:lambda:us-east-1:123456789012:microvm-image:demo"
ROLE = "arn:aws:iam::123456789012:role/build"
URI = models.CodeArtifactUri(value="s3://bucket/app.zip")


def negatives(client: Client) -> None:
    # a required argument is missing
    client.create_microvm_image(  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
        base_image_arn=ARN, build_role_arn=ROLE, code_artifact=URI
    )
    # code_artifact is a union of classes, not a str or a list
    client.create_microvm_image(
        name="n",
        base_image_arn=ARN,
        build_role_arn=ROLE,
        code_artifact="s3://bucket/app.zip",  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    )
    client.create_microvm_image(
        name="n",
        base_image_arn=ARN,
        build_role_arn=ROLE,
        code_artifact=[URI],  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    )
    # a misspelt keyword
    client.get_microvm_image(image_identifer=ARN)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    # positional arguments are not accepted by operations
    client.get_microvm_image(ARN)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    # a union member holds one value, by keyword
    models.CodeArtifactUri("s3://bucket/app.zip")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    models.CodeArtifactUri(value="s3://a", uri="s3://b")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    # ... and so is matched by keyword: kw_only classes have no positional sub-patterns
    # (pyright then also finds the match not exhaustive)
    match URI:  # pyright: ignore[reportMatchNotExhaustive]
        case models.CodeArtifactUri(uri):  # type: ignore[misc]  # pyright: ignore[reportGeneralTypeIssues, reportUnknownVariableType]
            assert uri
    # structures are frozen
    URI.value = "s3://other"  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue]
    # an output member is not optional when the model requires it
    image = client.get_microvm_image(image_identifier=ARN)
    image.created_at = None  # type: ignore[misc,assignment]  # pyright: ignore[reportAttributeAccessIssue]
    # an enum member is not just any string
    state: models.MicrovmState = "RUNNING"  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
    assert state


def submodules(client: Client, server: LocalServer) -> None:
    # the lazily imported submodules are attributes, but no other name is
    assert microvm_sdk.modles  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
    # the emulator's client arguments are a TypedDict with known keys
    server.client_kwargs["endpoint"]  # type: ignore[typeddict-item]  # pyright: ignore[reportGeneralTypeIssues]

    # a waiter's callback gets the progress of the operation it polls
    def on_vm(progress: WaitProgress[models.GetMicrovmResponse]) -> None:
        assert progress.output

    client.wait_until_created(image_identifier=ARN, callback=on_vm)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    # a transport is something with send() and close()
    Client(region_name="us-east-1", transport=object())  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


def enum_comparisons(vm: models.GetMicrovmResponse) -> None:
    # a misspelt member is an error for both checkers: compare with members
    if vm.state == models.MicrovmState.RUNING:  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
        return
    # a raw string literal: pyright reports one it does not list, even a value the
    # service adds later, while mypy lets any string through (a misspelling too)
    if vm.state == "HIBERNATING":  # pyright: ignore[reportUnnecessaryComparison]
        return
    if vm.state == "RUNING":  # pyright: ignore[reportUnnecessaryComparison]
        return
    # state.value is a str for both checkers: a value added later compares cleanly
    if vm.state.value == "HIBERNATING":
        return
