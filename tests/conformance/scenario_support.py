"""Names and steps the conformance scenarios share (the account, ARNs, a built image)."""

from __future__ import annotations

from typing import Any

from conformance_clients import Api, Reply
from recorded_answers import trace

from microvm_sdk.local import LocalServer

REGION = "us-east-1"
ACCOUNT = "000000000000"
BASE_ARN = f"arn:aws:lambda:{REGION}:aws:microvm-image:al2023-1"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/build"
CONNECTOR = f"arn:aws:lambda:{REGION}:aws:network-connector:aws-network-connector:"
CODE = {"uri": "s3://conformance-bucket/code.zip"}


def image_arn(name: str) -> str:
    """The ARN the emulator gives the image ``name``."""
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:microvm-image:{name}"


def create_image(api: Api, name: str, **extra: Any) -> Reply:
    """CreateMicrovmImage with only the required members (plus ``extra``)."""
    params: dict[str, Any] = {
        "name": name,
        "baseImageArn": BASE_ARN,
        "buildRoleArn": ROLE_ARN,
        "codeArtifact": CODE,
    }
    params.update(extra)
    return api.call("CreateMicrovmImage", **params)


def update_image(api: Api, arn: str, **extra: Any) -> Reply:
    """UpdateMicrovmImage with the members a full replace requires (plus ``extra``)."""
    params: dict[str, Any] = {
        "imageIdentifier": arn,
        "baseImageArn": BASE_ARN,
        "buildRoleArn": ROLE_ARN,
        "codeArtifact": {"uri": "s3://conformance-bucket/code-v2.zip"},
    }
    params.update(extra)
    return api.call("UpdateMicrovmImage", **params)


def expect_ok(reply: Reply, status: int = 200) -> Any:
    """Assert a success with ``status``; return the body."""
    assert reply.ok, f"{reply.status} {reply.error}: {reply.message}"
    assert reply.status == status
    return reply.body


def image_state(api: Api, arn: str) -> str:
    """GetMicrovmImage's state."""
    state: str = expect_ok(api.call("GetMicrovmImage", imageIdentifier=arn))["state"]
    return state


def microvm_state(api: Api, microvm_id: str) -> str:
    """GetMicrovm's state."""
    state: str = expect_ok(api.call("GetMicrovm", microvmIdentifier=microvm_id))["state"]
    return state


def built_image(server: LocalServer, api: Api, name: str, **extra: Any) -> str:
    """Create an image and step the clock until it is CREATED; return its ARN."""
    arn: str = expect_ok(create_image(api, name, **extra), 201)["imageArn"]
    trace(server, lambda: image_state(api, arn), lambda state: state == "CREATED", step=1.0)
    return arn


def running_microvm(server: LocalServer, api: Api, arn: str, **extra: Any) -> str:
    """Run a MicroVM and step the clock until it is RUNNING; return its id."""
    microvm_id: str = expect_ok(api.call("RunMicrovm", imageIdentifier=arn, **extra))["microvmId"]
    trace(server, lambda: microvm_state(api, microvm_id), lambda state: state == "RUNNING")
    return microvm_id
