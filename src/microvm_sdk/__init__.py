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

The public modules: :mod:`microvm_sdk.models` (typed inputs, outputs, enums and unions),
:mod:`microvm_sdk.errors` (exceptions), :mod:`microvm_sdk.config` (``Config`` and the
transport protocol), :mod:`microvm_sdk.paginators`, :mod:`microvm_sdk.waiters`,
:mod:`microvm_sdk.hooks` (functions called at every attempt of every call),
:mod:`microvm_sdk.local` (the emulator) and :mod:`microvm_sdk.testing` (the ``Stubber``
for unit tests). Each is an attribute of this package
(``microvm_sdk.models.MicrovmState``); the ones not needed to create a client are
imported the first time they are used, so ``import microvm_sdk`` stays cheap.
"""

from typing import TYPE_CHECKING

from microvm_sdk import config, errors
from microvm_sdk._version import __version__
from microvm_sdk.async_client import AsyncClient
from microvm_sdk.client import Client
from microvm_sdk.config import Config

if TYPE_CHECKING:
    # What type checkers see; at run time __getattr__ below imports these on first use.
    from microvm_sdk import hooks, local, models, paginators, testing, waiters

__all__ = [
    "AsyncClient",
    "Client",
    "Config",
    "__version__",
    "config",
    "errors",
    "hooks",
    "local",
    "models",
    "paginators",
    "testing",
    "waiters",
]

# The submodules imported on first attribute access: a closed table, not a fallback for
# any name (see docs/decisions/0012-lazy-submodules-and-runtime-annotations.md).
_LAZY_SUBMODULES = frozenset({"hooks", "local", "models", "paginators", "testing", "waiters"})

if not TYPE_CHECKING:  # type checkers take the imports above, and flag any other name

    def __getattr__(name: str) -> object:
        if name in _LAZY_SUBMODULES:
            import importlib

            from microvm_sdk._core import forks

            # import_module binds the submodule as an attribute of this package, so
            # later look-ups do not come back here. A fork waits for the import.
            with forks.loading():
                return importlib.import_module(f"{__name__}.{name}")
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({*globals(), *_LAZY_SUBMODULES})
