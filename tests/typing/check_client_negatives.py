"""Required type errors: each ``# type: ignore[code]`` must be needed.

``mypy --strict --warn-unused-ignores`` fails on an ignore that suppresses nothing, so every
line below proves that mypy rejects the call. Never run.
"""

from __future__ import annotations

from microvm_sdk import Client, models

ARN = "arn:aws:lambda:us-east-1:123456789012:microvm-image:demo"
ROLE = "arn:aws:iam::123456789012:role/build"
URI = models.CodeArtifactUri(value="s3://bucket/app.zip")


def negatives(client: Client) -> None:
    # a required argument is missing
    client.create_microvm_image(  # type: ignore[call-arg]
        base_image_arn=ARN, build_role_arn=ROLE, code_artifact=URI
    )
    # code_artifact is a union of classes, not a str or a list
    client.create_microvm_image(
        name="n",
        base_image_arn=ARN,
        build_role_arn=ROLE,
        code_artifact="s3://bucket/app.zip",  # type: ignore[arg-type]
    )
    client.create_microvm_image(
        name="n",
        base_image_arn=ARN,
        build_role_arn=ROLE,
        code_artifact=[URI],  # type: ignore[arg-type]
    )
    # a misspelt keyword
    client.get_microvm_image(image_identifer=ARN)  # type: ignore[call-arg]
    # positional arguments are not accepted by operations
    client.get_microvm_image(ARN)  # type: ignore[call-arg]
    # a union member holds one value, by keyword
    models.CodeArtifactUri("s3://bucket/app.zip")  # type: ignore[call-arg]
    models.CodeArtifactUri(value="s3://a", uri="s3://b")  # type: ignore[call-arg]
    # ... and so is matched by keyword: kw_only classes have no positional sub-patterns
    match URI:
        case models.CodeArtifactUri(uri):  # type: ignore[misc]
            assert uri
    # structures are frozen
    URI.value = "s3://other"  # type: ignore[misc]
    # an output member is not optional when the model requires it
    image = client.get_microvm_image(image_identifier=ARN)
    image.created_at = None  # type: ignore[misc,assignment]
    # an enum member is not just any string
    state: models.MicrovmState = "RUNNING"  # type: ignore[assignment]
    assert state
