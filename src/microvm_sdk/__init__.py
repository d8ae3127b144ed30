"""microvm-sdk: a typed, fast Python SDK for AWS Lambda MicroVMs.

::

    from microvm_sdk import Client
    from microvm_sdk.models import CodeArtifactUri

    with Client(region_name="us-east-1") as client:
        image = client.create_microvm_image(
            name="my-app",
            base_image_arn="arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1",
            build_role_arn="arn:aws:iam::123456789012:role/build",
            code_artifact=CodeArtifactUri(value="s3://my-bucket/app.zip"),
        )
        done = client.wait_until_created(image_identifier=image.image_arn)

For asyncio applications, :class:`AsyncClient` has the same methods as coroutines::

    async with AsyncClient(region_name="us-east-1") as client:
        image = await client.get_microvm_image(image_identifier=arn)

Typed inputs and outputs are in :mod:`microvm_sdk.models`, exceptions in
:mod:`microvm_sdk.errors`, the local emulator in :mod:`microvm_sdk.local`.
"""

from microvm_sdk import errors
from microvm_sdk._version import __version__
from microvm_sdk.async_client import AsyncClient
from microvm_sdk.client import Client
from microvm_sdk.config import Config

__all__ = ["AsyncClient", "Client", "Config", "__version__", "errors"]
