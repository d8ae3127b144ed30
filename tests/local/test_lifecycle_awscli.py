"""The whole service lifecycle through the AWS CLI (v1), run as a subprocess.

Each command runs ``aws lambda-microvms ... --endpoint-url URL --region REGION --output
json`` with the server's keys in the environment and nothing else of the machine's AWS
setup. A CLI start costs a good part of a second, so independent commands (error cases,
page creation) run a few at a time.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import attrs
import boto3
import pytest
from botocore.config import Config

from microvm_sdk.local import LocalServer, decode_auth_token

ACCOUNT = "000000000000"
REGION = "us-east-1"
BASE_ARN = f"arn:aws:lambda:{REGION}:aws:microvm-image:al2023-1"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/build"
ERROR_LINE = re.compile(
    r"An error occurred \((?P<code>\w+)\) when calling the (?P<operation>\w+) operation: "
    r"(?P<message>.*)"
)


NO_RETRIES = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=10)


def image_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:microvm-image:{name}"


def cli_command() -> list[str]:
    """The ``aws`` program installed beside this interpreter, else ``python -m awscli``."""
    script = Path(sys.executable).with_name("aws")
    if script.exists():
        return [sys.executable, str(script)]
    return [sys.executable, "-m", "awscli"]


@attrs.frozen
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        assert self.returncode == 0, self.stderr
        return json.loads(self.stdout) if self.stdout.strip() else None

    @property
    def error(self) -> tuple[str, str]:
        """(code, message) of a failed command."""
        assert self.returncode != 0, self.stdout
        found = ERROR_LINE.search(self.stderr)
        assert found is not None, self.stderr
        return found["code"], found["message"]


class Aws:
    """Runs ``aws lambda-microvms`` commands against one server."""

    def __init__(self, server: LocalServer, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.endpoint_url = server.endpoint_url
        self.env = {
            "AWS_ACCESS_KEY_ID": server.access_key,
            "AWS_SECRET_ACCESS_KEY": server.secret_key,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": str(home / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
            # One attempt: a 409 must surface at once, not after standard-mode retries.
            "AWS_MAX_ATTEMPTS": "1",
            "HOME": str(home),
            "PATH": os.defpath,
        }
        self.calls = 0

    def __call__(self, command: str, *args: str) -> Result:
        self.calls += 1
        completed = subprocess.run(
            [
                *cli_command(),
                "lambda-microvms",
                command,
                *args,
                "--endpoint-url",
                self.endpoint_url,
                "--region",
                REGION,
                "--output",
                "json",
            ],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return Result(completed.returncode, completed.stdout, completed.stderr)

    def many(self, commands: Sequence[Sequence[str]]) -> list[Result]:
        """Run independent commands a few at a time; results in the order given."""
        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(lambda c: self(c[0], *c[1:]), commands))

    def poll(self, read: Sequence[str], done: Callable[[Any], bool], timeout: float = 20) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = self(read[0], *read[1:]).json
            if done(value):
                return value
            assert time.monotonic() < deadline, f"still not there: {value!r}"
            time.sleep(0.05)


@pytest.fixture
def aws(microvm_local: LocalServer, tmp_path: Path) -> Iterator[Aws]:
    yield Aws(microvm_local, tmp_path / "home")


def create_args(name: str, *extra: str, uri: str = "s3://bucket/code.zip") -> list[str]:
    return [
        "create-microvm-image",
        "--name",
        name,
        "--base-image-arn",
        BASE_ARN,
        "--build-role-arn",
        ROLE_ARN,
        "--code-artifact",
        f"uri={uri}",
        *extra,
    ]


def test_full_lifecycle(aws: Aws) -> None:
    arn = image_arn("life")
    version_args = ["--image-identifier", arn, "--image-version", "1.0"]
    managed, created = aws.many(
        [
            ["list-managed-microvm-images"],
            create_args("life", "--tags", "team=sdk", "--client-token", "life-1"),
        ]
    )
    assert [item["imageArn"] for item in managed.json["items"]] == [BASE_ARN]
    body = created.json
    assert (body["imageArn"], body["state"], body["imageVersion"]) == (arn, "CREATING", "1.0")
    assert body["tags"] == {"team": "sdk"}
    image = aws.poll(
        ["get-microvm-image", "--image-identifier", arn], lambda i: i["state"] == "CREATED"
    )
    assert image["latestActiveImageVersion"] == "1.0"

    # More images for the pages (created concurrently, so their order among themselves
    # is open), and version 1.0 with its builds.
    pages = [f"page-{i}" for i in range(4)]
    *made, version, builds = aws.many(
        [
            *(create_args(n) for n in pages),
            ["get-microvm-image-version", *version_args],
            ["list-microvm-image-builds", *version_args],
        ]
    )
    assert all(r.returncode == 0 for r in made)
    assert (version.json["state"], version.json["status"]) == ("SUCCESSFUL", "ACTIVE")
    items = builds.json["items"]
    assert [b["chipsetGeneration"] for b in items] == ["4", "3"]

    # Pagination: the CLI pages with maxResults=2 and merges; --max-items stops part-way.
    whole, head, build = aws.many(
        [
            ["list-microvm-images", "--page-size", "2"],
            ["list-microvm-images", "--page-size", "2", "--max-items", "3"],
            ["get-microvm-image-build", *version_args, "--build-id", items[0]["buildId"]],
        ]
    )
    names = [item["name"] for item in whole.json["items"]]
    assert names[0] == "life"
    assert sorted(names[1:]) == pages
    assert "NextToken" not in whole.json
    assert [item["name"] for item in head.json["items"]] == names[:3]
    assert build.json["buildState"] == "SUCCESSFUL"
    assert build.json["snapshotBuild"]["diskSnapshotSizeInBytes"] > 0

    # The rest of the pages, and an update to 2.0.
    tail, updated = aws.many(
        [
            ["list-microvm-images", "--page-size", "2", "--starting-token", head.json["NextToken"]],
            [
                "update-microvm-image",
                "--image-identifier",
                arn,
                "--base-image-arn",
                BASE_ARN,
                "--build-role-arn",
                ROLE_ARN,
                "--code-artifact",
                "uri=s3://bucket/code-v2.zip",
            ],
        ]
    )
    assert [item["name"] for item in tail.json["items"]] == names[3:]
    assert (updated.json["state"], updated.json["imageVersion"]) == ("UPDATING", "2.0")
    image = aws.poll(
        ["get-microvm-image", "--image-identifier", arn], lambda i: i["state"] == "UPDATED"
    )
    assert image["latestActiveImageVersion"] == "2.0"

    # Version status, tags (tag/untag answer 204: no output), and a MicroVM.
    patched, tagged, run = aws.many(
        [
            ["update-microvm-image-version", *version_args, "--status", "INACTIVE"],
            ["tag-resource", "--resource", arn, "--tags", "stage=test,team=core"],
            ["run-microvm", "--image-identifier", arn],
        ]
    )
    assert patched.json["status"] == "INACTIVE"
    assert tagged.json is None
    microvm_id = run.json["microvmId"]
    assert (run.json["state"], run.json["imageVersion"]) == ("PENDING", "2.0")
    get_vm = ["get-microvm", "--microvm-identifier", microvm_id]
    assert aws("untag-resource", "--resource", arn, "--tag-keys", "team", "absent").json is None
    tags, _ = aws.many([["list-tags", "--resource", arn], get_vm])
    assert tags.json == {"Tags": {"stage": "test"}}

    # Suspend, resume and terminate answer 200 {}: the CLI prints nothing for them.
    aws.poll(get_vm, lambda v: v["state"] == "RUNNING")
    assert aws("suspend-microvm", "--microvm-identifier", microvm_id).json is None
    aws.poll(get_vm, lambda v: v["state"] == "SUSPENDED")
    assert aws("resume-microvm", "--microvm-identifier", microvm_id).json is None
    token_result, listed = aws.many(
        [
            [
                "create-microvm-auth-token",
                "--microvm-identifier",
                microvm_id,
                "--expiration-in-minutes",
                "30",
                "--allowed-ports",
                '[{"allPorts": {}}]',
            ],
            ["list-microvms", "--image-identifier", arn],
        ]
    )
    claims = decode_auth_token(token_result.json["authToken"]["X-aws-proxy-auth"])
    assert claims is not None
    assert (claims["microvmId"], claims["ports"]) == (microvm_id, [{"allPorts": {}}])
    assert [(vm["microvmId"], vm["state"]) for vm in listed.json["items"]] == [
        (microvm_id, "RUNNING")
    ]
    assert aws("terminate-microvm", "--microvm-identifier", microvm_id).json is None
    vm = aws.poll(get_vm, lambda v: v["state"] == "TERMINATED")
    assert vm["stateReason"] == "Success."

    # Delete.
    deleted = aws("delete-microvm-image", "--image-identifier", arn).json
    assert deleted == {"imageIdentifier": arn, "state": "DELETING"}
    deadline = time.monotonic() + 20
    while (gone := aws("get-microvm-image", "--image-identifier", arn)).returncode == 0:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert gone.error == (
        "ResourceNotFoundException",
        f"MicroVMImage not found for MicroVMImageID: {arn}",
    )


def test_recorded_errors(aws: Aws, microvm_local: LocalServer) -> None:
    missing = image_arn("never-created")
    # What the error cases need is set up in-process; only the cases go through the CLI.
    client = boto3.client("lambda-microvms", **microvm_local.client_kwargs, config=NO_RETRIES)
    create = {"baseImageArn": BASE_ARN, "buildRoleArn": ROLE_ARN}
    client.create_microvm_image(
        name="tokened", codeArtifact={"uri": "s3://b/c.zip"}, clientToken="tok-1", **create
    )
    client.create_microvm_image(name="busy", codeArtifact={"uri": "s3://b/hang.zip"}, **create)
    deadline = time.monotonic() + 5
    while client.get_microvm_image(imageIdentifier=image_arn("tokened"))["state"] != "CREATED":
        assert time.monotonic() < deadline
        time.sleep(0.005)
    microvm_id = client.run_microvm(imageIdentifier=image_arn("tokened"))["microvmId"]
    client.terminate_microvm(microvmIdentifier=microvm_id)
    while client.get_microvm(microvmIdentifier=microvm_id)["state"] != "TERMINATED":
        assert time.monotonic() < deadline
        time.sleep(0.005)
    client.close()
    terminated = f"The MicroVM {microvm_id} has been terminated and its state cannot be changed."

    cases: list[tuple[list[str], tuple[str, str]]] = [
        (
            ["get-microvm-image", "--image-identifier", missing],
            (
                "ResourceNotFoundException",
                f"MicroVMImage not found for MicroVMImageID: {missing}",
            ),
        ),
        (
            ["get-microvm-image-version", "--image-identifier", missing, "--image-version", "1.0"],
            (
                "ResourceNotFoundException",
                f"MicroVMImage not found for MicroVMImage: {missing}, Version: 1.0",
            ),
        ),
        (
            ["get-microvm", "--microvm-identifier", "microvm-nope"],
            ("ResourceNotFoundException", "MicroVM not found: microvm-nope"),
        ),
        (
            create_args("bad name!"),
            (
                "ValidationException",
                "1 validation error detected: Value 'bad name!' at 'name' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+",
            ),
        ),
        (
            create_args("tokened", "--client-token", "tok-1", "--description", "changed"),
            (
                "ConflictException",
                "The client token tok-1 has already been used with different request parameters.",
            ),
        ),
        (
            ["delete-microvm-image", "--image-identifier", image_arn("busy")],
            (
                "ValidationException",
                f"Cannot delete MicroVM image in its current state: {image_arn('busy')}",
            ),
        ),
        (
            ["suspend-microvm", "--microvm-identifier", microvm_id],
            ("ValidationException", terminated),
        ),
        (
            ["resume-microvm", "--microvm-identifier", microvm_id],
            ("ValidationException", terminated),
        ),
    ]
    results = aws.many([command for command, _ in cases])
    for (command, expected), result in zip(cases, results, strict=True):
        assert result.error == expected, command
    # The CLI's exit status for a service error.
    assert {result.returncode for result in results} == {255}
