"""Example command lines for each command's help and the CLI reference.

A test parses and validates every example against the model (nothing is sent), so an
example that stops matching the options or the constraints fails the build.
"""

from __future__ import annotations

from microvm_sdk.cli._helpdoc import Example

__all__ = ["EXAMPLES", "examples_for"]

_IMAGE = "arn:aws:lambda:us-east-1:123456789012:microvm-image:my-app"
_BASE = "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1"
_ROLE = "arn:aws:iam::123456789012:role/microvm-build"
_VM = "microvm-0a1b2c3d4e5f67890"

EXAMPLES: dict[str, tuple[Example, ...]] = {
    "create-microvm-image": (
        Example(
            "Build an image from a zip file in S3 and wait until it is CREATED",
            f"microvm create-microvm-image --name my-app \\\n"
            f"    --base-image-arn {_BASE} \\\n"
            f"    --build-role-arn {_ROLE} \\\n"
            "    --code-artifact uri=s3://my-bucket/app.zip --wait",
        ),
        Example(
            "Build for ARM with 2 GiB of memory, hooks, environment variables and tags",
            f"microvm create-microvm-image --name my-app \\\n"
            f"    --base-image-arn {_BASE} \\\n"
            f"    --build-role-arn {_ROLE} \\\n"
            "    --code-artifact uri=s3://my-bucket/app.zip \\\n"
            "    --cpu-configurations architecture=ARM_64 \\\n"
            "    --resources minimumMemoryInMiB=2048 \\\n"
            "    --hooks 'port=8080,microvmHooks={run=ENABLED,runTimeoutInSeconds=30}' \\\n"
            "    --environment-variables LOG_LEVEL=info,STAGE=prod \\\n"
            "    --logging 'cloudWatch={logGroup=/microvm/my-app}' \\\n"
            "    --tags team=web,env=prod",
        ),
    ),
    "update-microvm-image": (
        Example(
            "Build a new version of an image from new code, and wait until it is UPDATED",
            f"microvm update-microvm-image --image-identifier {_IMAGE} \\\n"
            f"    --base-image-arn {_BASE} \\\n"
            f"    --build-role-arn {_ROLE} \\\n"
            "    --code-artifact uri=s3://my-bucket/app-v2.zip --wait",
        ),
    ),
    "delete-microvm-image": (
        Example(
            "Delete an image and wait until it is gone",
            f"microvm delete-microvm-image --image-identifier {_IMAGE} --wait",
        ),
    ),
    "delete-microvm-image-version": (
        Example(
            "Delete one version of an image",
            f"microvm delete-microvm-image-version --image-identifier {_IMAGE} --image-version 1.0",
        ),
    ),
    "get-microvm-image": (
        Example(
            "Show an image's state and latest active version",
            f"microvm get-microvm-image --image-identifier {_IMAGE} \\\n"
            "    --query '[state, latestActiveImageVersion]' --output text",
        ),
    ),
    "get-microvm-image-version": (
        Example(
            "Show one version of an image",
            f"microvm get-microvm-image-version --image-identifier {_IMAGE} --image-version 1.0",
        ),
    ),
    "get-microvm-image-build": (
        Example(
            "Show one build of an image version (why it failed, say)",
            f"microvm get-microvm-image-build --image-identifier {_IMAGE} \\\n"
            "    --image-version 1.0 --build-id 4",
        ),
    ),
    "update-microvm-image-version": (
        Example(
            "Stop new MicroVMs from using a version",
            f"microvm update-microvm-image-version --image-identifier {_IMAGE} \\\n"
            "    --image-version 1.0 --status INACTIVE",
        ),
    ),
    "list-microvm-images": (
        Example(
            "List the names of the images that are ready",
            "microvm list-microvm-images --query \"items[?state=='CREATED'].name\" --output text",
        ),
        Example(
            "List images ten at a time",
            "microvm list-microvm-images --max-items 10",
        ),
    ),
    "list-microvm-image-versions": (
        Example(
            "List the versions of an image as a table",
            f"microvm list-microvm-image-versions --image-identifier {_IMAGE} --output table",
        ),
    ),
    "list-microvm-image-builds": (
        Example(
            "List the ARM builds of an image version",
            f"microvm list-microvm-image-builds --image-identifier {_IMAGE} \\\n"
            "    --image-version 1.0 --architecture ARM_64",
        ),
    ),
    "list-managed-microvm-images": (
        Example(
            "List the base images Lambda manages",
            "microvm list-managed-microvm-images --query 'items[].imageArn' --output text",
        ),
    ),
    "list-managed-microvm-image-versions": (
        Example(
            "List the versions of a base image",
            f"microvm list-managed-microvm-image-versions --image-identifier {_BASE}",
        ),
    ),
    "run-microvm": (
        Example(
            "Run a MicroVM from the latest version of an image and wait until it is RUNNING",
            f"microvm run-microvm --image-identifier {_IMAGE} --wait",
        ),
        Example(
            "Run a MicroVM that suspends after 5 idle minutes, resumes on the next request,"
            " and is terminated after an hour",
            f"microvm run-microvm --image-identifier {_IMAGE} --image-version 1.0 \\\n"
            "    --idle-policy maxIdleDurationSeconds=300,suspendedDurationSeconds=3600,"
            "autoResumeEnabled=true \\\n"
            "    --maximum-duration-in-seconds 3600",
        ),
    ),
    "get-microvm": (
        Example(
            "Show a MicroVM's state and endpoint",
            f"microvm get-microvm --microvm-identifier {_VM} --query '[state, endpoint]'",
        ),
    ),
    "list-microvms": (
        Example(
            "List the MicroVMs started from an image",
            f"microvm list-microvms --image-identifier {_IMAGE} --output table",
        ),
    ),
    "suspend-microvm": (
        Example(
            "Suspend a MicroVM and wait until it is SUSPENDED",
            f"microvm suspend-microvm --microvm-identifier {_VM} --wait",
        ),
    ),
    "resume-microvm": (
        Example(
            "Resume a suspended MicroVM and wait until it is RUNNING",
            f"microvm resume-microvm --microvm-identifier {_VM} --wait",
        ),
    ),
    "terminate-microvm": (
        Example(
            "Terminate a MicroVM and wait until it is TERMINATED",
            f"microvm terminate-microvm --microvm-identifier {_VM} --wait",
        ),
    ),
    "create-microvm-auth-token": (
        Example(
            "Create a token for port 8080 of a MicroVM, valid for 15 minutes",
            f"microvm create-microvm-auth-token --microvm-identifier {_VM} \\\n"
            "    --expiration-in-minutes 15 --allowed-ports port=8080",
        ),
    ),
    "create-microvm-shell-auth-token": (
        Example(
            "Create a token for an interactive shell, valid for 10 minutes",
            f"microvm create-microvm-shell-auth-token --microvm-identifier {_VM} \\\n"
            "    --expiration-in-minutes 10",
        ),
    ),
    "list-tags": (Example("List the tags of an image", f"microvm list-tags --resource {_IMAGE}"),),
    "tag-resource": (
        Example(
            "Tag an image",
            f"microvm tag-resource --resource {_IMAGE} --tags team=web,env=prod",
        ),
    ),
    "untag-resource": (
        Example(
            "Remove two tags from an image",
            f"microvm untag-resource --resource {_IMAGE} --tag-keys team env",
        ),
    ),
}


def examples_for(command: str) -> tuple[Example, ...]:
    """The examples of one command (none for a command this table does not know)."""
    return EXAMPLES.get(command, ())
