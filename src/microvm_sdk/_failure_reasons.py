"""Why an image build failed, for waiter failure messages (Lambda MicroVMs specific).

``GetMicrovmImage`` carries no reason, only ``latest_failed_image_version``. The useful
text is on the version's builds (``state_reason`` per build; the version's own reason is
often empty), so a failed image waiter fetches the failed version and its builds and
puts their reasons into the message::

    image build failed: The container image build failed. (build 4/GRAVITON)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from microvm_sdk.errors import MicrovmError

if TYPE_CHECKING:
    from microvm_sdk._base_client import BaseClient

logger = logging.getLogger("microvm_sdk")


def _build_reasons(client: BaseClient, image_identifier: str, version: str) -> str | None:
    from microvm_sdk import models

    parts: list[str] = []
    try:
        builds = client._invoke(
            "ListMicrovmImageBuilds",
            models.ListMicrovmImageBuildsInput(
                image_identifier=image_identifier, image_version=version
            ),
            models.ListMicrovmImageBuildsOutput,
        )
        for build in builds.items:
            if build.state_reason:
                where = f"build {build.chipset_generation}/{build.chipset}"
                parts.append(f"{build.state_reason} ({where})")
        if not parts:
            version_out = client._invoke(
                "GetMicrovmImageVersion",
                models.GetMicrovmImageVersionInput(
                    image_identifier=image_identifier, image_version=version
                ),
                models.GetMicrovmImageVersionOutput,
            )
            if version_out.state_reason:
                parts.append(f"{version_out.state_reason} (version {version})")
    except MicrovmError as exc:
        logger.debug("could not fetch the build failure reason: %s", exc)
        return None
    if not parts:
        return None
    return "image build failed: " + "; ".join(dict.fromkeys(parts))


def describer_for(waiter_name: str, client: BaseClient) -> Callable[[Any], str | None] | None:
    """Return the function that explains a failure of ``waiter_name``, if there is one."""
    if waiter_name in ("MicrovmImageCreated", "MicrovmImageUpdated"):

        def describe_image(output: Any) -> str | None:
            # Only a failed build explains CREATE_FAILED/UPDATE_FAILED; when the waiter
            # stops for another state (DELETING), an older failed version is unrelated.
            version = output.latest_failed_image_version
            if not version or output.state not in ("CREATE_FAILED", "UPDATE_FAILED"):
                return None
            return _build_reasons(client, output.image_arn, version)

        return describe_image
    if waiter_name == "MicrovmImageVersionBuilt":

        def describe_version(output: Any) -> str | None:
            if output.state != "FAILED":
                return None
            return _build_reasons(client, output.image_arn, output.image_version)

        return describe_version
    return None
