"""``--generate-cli-skeleton``: input and output skeletons equal to the AWS CLI's."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from cli_capture import BASE_ARN, IMAGE_ARN, MODEL_DIR, ROLE_ARN, Result

from microvm_sdk.cli._model import load_service_model

COMMANDS = sorted(load_service_model().commands)
MICROVM_ID = "microvm-1"

#: The smallest valid set of options of each command (for ``output``, which validates).
REQUIRED_ARGS: dict[str, list[str]] = {
    "create-microvm-auth-token": [
        "--microvm-identifier",
        MICROVM_ID,
        "--expiration-in-minutes",
        "5",
        "--allowed-ports",
        "port=80",
    ],
    "create-microvm-image": [
        "--name",
        "app",
        "--base-image-arn",
        BASE_ARN,
        "--build-role-arn",
        ROLE_ARN,
        "--code-artifact",
        "uri=s3://b/k",
    ],
    "create-microvm-shell-auth-token": [
        "--microvm-identifier",
        MICROVM_ID,
        "--expiration-in-minutes",
        "5",
    ],
    "delete-microvm-image": ["--image-identifier", IMAGE_ARN],
    "delete-microvm-image-version": ["--image-identifier", IMAGE_ARN, "--image-version", "1.0"],
    "get-microvm": ["--microvm-identifier", MICROVM_ID],
    "get-microvm-image": ["--image-identifier", IMAGE_ARN],
    "get-microvm-image-build": [
        "--image-identifier",
        IMAGE_ARN,
        "--image-version",
        "1.0",
        "--build-id",
        "b",
    ],
    "get-microvm-image-version": ["--image-identifier", IMAGE_ARN, "--image-version", "1.0"],
    "list-managed-microvm-image-versions": ["--image-identifier", BASE_ARN],
    "list-managed-microvm-images": [],
    "list-microvm-image-builds": ["--image-identifier", IMAGE_ARN, "--image-version", "1.0"],
    "list-microvm-image-versions": ["--image-identifier", IMAGE_ARN],
    "list-microvm-images": [],
    "list-microvms": [],
    "list-tags": ["--resource", IMAGE_ARN],
    "resume-microvm": ["--microvm-identifier", MICROVM_ID],
    "run-microvm": ["--image-identifier", IMAGE_ARN],
    "suspend-microvm": ["--microvm-identifier", MICROVM_ID],
    "tag-resource": ["--resource", IMAGE_ARN, "--tags", "a=b"],
    "terminate-microvm": ["--microvm-identifier", MICROVM_ID],
    "untag-resource": ["--resource", IMAGE_ARN, "--tag-keys", "a"],
    "update-microvm-image": [
        "--image-identifier",
        IMAGE_ARN,
        "--base-image-arn",
        BASE_ARN,
        "--build-role-arn",
        ROLE_ARN,
        "--code-artifact",
        "uri=s3://b/k",
    ],
    "update-microvm-image-version": [
        "--image-identifier",
        IMAGE_ARN,
        "--image-version",
        "1.0",
        "--status",
        "ACTIVE",
    ],
}


def test_every_command_has_sample_options() -> None:
    assert sorted(REQUIRED_ARGS) == COMMANDS


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("form", [[], ["input"]])
def test_input_skeleton_equals_the_aws_cli(
    command: str,
    form: list[str],
    aws: Callable[..., Result],
    microvm: Callable[..., Result],
) -> None:
    theirs = aws(command, "--generate-cli-skeleton", *form)
    ours = microvm(command, "--generate-cli-skeleton", *form)
    assert theirs.code == 0, theirs.stderr
    assert ours.code == 0, ours.stderr
    assert ours.stdout == theirs.stdout


def _botocore_output_sample(command: str) -> str:
    """What the AWS CLI prints for ``output`` when its stub accepts the sample."""
    import datetime

    from botocore.model import ServiceModel
    from botocore.utils import ArgumentGenerator

    service = ServiceModel(json.loads((MODEL_DIR / "service-2.json").read_text("utf-8")))
    name = next(
        op
        for op in service.operation_names
        if load_service_model().commands[command].operation.name == op
    )
    shape = service.operation_model(name).output_shape
    if shape is None:
        return ""
    sample = ArgumentGenerator(use_member_names=True).generate_skeleton(shape)
    if sample == {}:
        return ""

    def default(value: Any) -> Any:
        assert isinstance(value, datetime.datetime)
        return value.isoformat()

    return json.dumps(sample, indent=4, default=default, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("output", ["json", "text", "table"])
def test_output_skeleton_equals_the_aws_cli(
    command: str,
    output: str,
    aws: Callable[..., Result],
    microvm: Callable[..., Result],
) -> None:
    args = [command, *REQUIRED_ARGS[command], "--generate-cli-skeleton", "output"]
    args += ["--output", output, "--region", "us-east-1"]
    ours = microvm(*args)
    assert ours.code == 0, ours.stderr
    theirs = aws(*args)
    if theirs.code == 0:
        assert ours.stdout == theirs.stdout
    else:
        # The AWS CLI validates its own sample against the output shape and rejects it
        # when a member name is shorter than the member's minimum length (for example
        # ``buildRoleArn``) or a union sample sets every member; it then prints nothing.
        # We print the sample, exactly as the AWS CLI builds it.
        assert "Parameter validation failed" in theirs.stderr or "Invalid" in theirs.stderr
        if output == "json":
            assert ours.stdout == _botocore_output_sample(command)


def test_output_skeleton_validates_the_options(microvm: Callable[..., Result]) -> None:
    result = microvm("get-microvm-image", "--generate-cli-skeleton", "output")
    assert result.code == 252
    assert "--image-identifier" in result.stderr
    result = microvm(
        "get-microvm-image", "--image-identifier", "", "--generate-cli-skeleton", "output"
    )
    assert result.code == 252
    assert "--image-identifier" in result.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_yaml_input_skeleton_matches_the_json_one(
    command: str, microvm: Callable[..., Result]
) -> None:
    yaml = pytest.importorskip("yaml")
    as_json = microvm(command, "--generate-cli-skeleton")
    as_yaml = microvm(command, "--generate-cli-skeleton", "yaml-input")
    assert as_yaml.code == 0, as_yaml.stderr
    loaded = yaml.safe_load(as_yaml.stdout)
    expected = json.loads(as_json.stdout)
    assert loaded == expected


def test_yaml_input_skeleton_marks_required_members(microvm: Callable[..., Result]) -> None:
    result = microvm("create-microvm-image", "--generate-cli-skeleton", "yaml-input")
    lines = result.stdout.splitlines()
    name_line = next(line for line in lines if line.startswith("name:"))
    assert "[REQUIRED]" in name_line
    description = next(line for line in lines if line.startswith("description:"))
    assert "[REQUIRED]" not in description
    run_line = next(line for line in lines if line.strip().startswith("run:"))
    assert "Valid values are: DISABLED, ENABLED." in run_line


def test_skeleton_round_trips_through_cli_input_json(
    tmp_path: Any, microvm: Callable[..., Result]
) -> None:
    skeleton = json.loads(microvm("get-microvm-image", "--generate-cli-skeleton").stdout)
    skeleton["imageIdentifier"] = IMAGE_ARN
    path = tmp_path / "input.json"
    path.write_text(json.dumps(skeleton), encoding="utf-8")
    result = microvm(
        "get-microvm-image",
        "--cli-input-json",
        f"file://{path}",
        "--generate-cli-skeleton",
        "output",
    )
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["imageArn"] == "imageArn"
