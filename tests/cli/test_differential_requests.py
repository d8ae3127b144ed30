"""Differential test: ``microvm`` sends what ``aws lambda-microvms`` sends.

For each invocation in the table, the AWS CLI and our CLI are pointed at the same
capture server; they must send the same requests (method, path, query, JSON body),
ignoring signatures, dates, user agents and a generated client token.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_capture import BASE_ARN, IMAGE_ARN, ROLE_ARN, Captured, CaptureServer, Result

MICROVM_ID = "microvm-3f0c2b9e-8a51-4d7f-b6a2-0e4c1d9f7b35"
REQUIRED = [
    "--name",
    "my-app",
    "--base-image-arn",
    BASE_ARN,
    "--build-role-arn",
    ROLE_ARN,
]
ARTIFACT = ["--code-artifact", "uri=s3://my-bucket/app.zip"]

HOOKS_SHORTHAND = (
    "port=8080,microvmHooks={run=ENABLED,runTimeoutInSeconds=30,resume=DISABLED,"
    "resumeTimeoutInSeconds=5,suspend=ENABLED,suspendTimeoutInSeconds=10,terminate=ENABLED,"
    "terminateTimeoutInSeconds=60},microvmImageHooks={ready=ENABLED,readyTimeoutInSeconds=3600,"
    "validate=DISABLED,validateTimeoutInSeconds=1}"
)
HOOKS_JSON = json.dumps(
    {
        "port": 8080,
        "microvmHooks": {
            "run": "ENABLED",
            "runTimeoutInSeconds": 30,
            "resume": "DISABLED",
            "resumeTimeoutInSeconds": 5,
            "suspend": "ENABLED",
            "suspendTimeoutInSeconds": 10,
            "terminate": "ENABLED",
            "terminateTimeoutInSeconds": 60,
        },
        "microvmImageHooks": {
            "ready": "ENABLED",
            "readyTimeoutInSeconds": 3600,
            "validate": "DISABLED",
            "validateTimeoutInSeconds": 1,
        },
    }
)
FIFTY_ENV = ",".join(f"VAR_{i}=value-{i}" for i in range(50))
FIFTY_ENV_JSON = json.dumps({f"VAR_{i}": f"value {i} ✓" for i in range(50)})

CREATE_CASES: dict[str, list[str]] = {
    "minimal-shorthand": [*REQUIRED, *ARTIFACT],
    "code-artifact-json": [*REQUIRED, "--code-artifact", '{"uri": "s3://my-bucket/app.zip"}'],
    "every-option-shorthand": [
        *REQUIRED,
        *ARTIFACT,
        "--base-image-version",
        "2026.1",
        "--description",
        "Shop front, with a café ☕",
        "--logging",
        "cloudWatch={logGroup=/aws/lambda/microvms/my-app,logStream=build}",
        "--egress-network-connectors",
        "nc-egress-1",
        "--cpu-configurations",
        "architecture=ARM_64",
        "architecture=X86_64",
        "--resources",
        "minimumMemoryInMiB=2048",
        "--additional-os-capabilities",
        "ALL",
        "--hooks",
        HOOKS_SHORTHAND,
        "--environment-variables",
        "STAGE=prod,DEBUG=false,EMPTY=",
        "--kms-key-identifier",
        "alias/my-key",
        "--tags",
        "team=web,env=prod",
        "--client-token",
        "token-123",
    ],
    "every-option-json": [
        *REQUIRED,
        "--code-artifact",
        '{"uri": "s3://my-bucket/app.zip"}',
        "--logging",
        '{"cloudWatch": {"logGroup": "/aws/lambda/microvms/my-app", "logStream": "build"}}',
        "--egress-network-connectors",
        '["nc-egress-1"]',
        "--cpu-configurations",
        '[{"architecture": "ARM_64"}, {"architecture": "X86_64"}]',
        "--resources",
        '[{"minimumMemoryInMiB": 4096}]',
        "--additional-os-capabilities",
        '["ALL"]',
        "--hooks",
        HOOKS_JSON,
        "--environment-variables",
        '{"STAGE": "prod", "QUOTE": "say \\"hi\\""}',
        "--tags",
        '{"team": "web"}',
        "--client-token",
        "token-456",
    ],
    "logging-disabled-shorthand": [*REQUIRED, *ARTIFACT, "--logging", "disabled={}"],
    "logging-disabled-json": [*REQUIRED, *ARTIFACT, "--logging", '{"disabled": {}}'],
    "cpu-configurations-json-per-word": [
        *REQUIRED,
        *ARTIFACT,
        "--cpu-configurations",
        '{"architecture": "ARM_64"}',
        '{"architecture": "X86_64"}',
    ],
    "hooks-partial": [*REQUIRED, *ARTIFACT, "--hooks", "microvmHooks={run=ENABLED}"],
    "hooks-from-file": [*REQUIRED, *ARTIFACT, "--hooks", "file://{tmp}/hooks.json"],
    "description-from-file": [*REQUIRED, *ARTIFACT, "--description", "file://{tmp}/desc.txt"],
    "env-value-from-file": [
        *REQUIRED,
        *ARTIFACT,
        "--environment-variables",
        "CERT@=file://{tmp}/cert.pem,OTHER=x",
    ],
    "env-escaped-and-quoted": [
        *REQUIRED,
        *ARTIFACT,
        "--environment-variables",
        "A=x\\,y,B='p,q',C=\"r s\",D=a=b",
    ],
    "unicode-tags": [
        *REQUIRED,
        *ARTIFACT,
        "--tags",
        '{"名前": "値", "café": "crème brûlée", "Größe": "groß ½"}',
    ],
    "fifty-env-shorthand": [*REQUIRED, *ARTIFACT, "--environment-variables", FIFTY_ENV],
    "fifty-env-json": [*REQUIRED, *ARTIFACT, "--environment-variables", FIFTY_ENV_JSON],
    "cli-input-json-with-overrides": [
        "--cli-input-json",
        json.dumps(
            {
                "name": "from-json",
                "baseImageArn": BASE_ARN,
                "buildRoleArn": ROLE_ARN,
                "codeArtifact": {"uri": "s3://json-bucket/app.zip"},
                "tags": {"source": "json"},
                "resources": [{"minimumMemoryInMiB": 1024}],
            }
        ),
        "--name",
        "from-cli",
        "--tags",
        "source=cli",
    ],
    "cli-input-json-file": ["--cli-input-json", "file://{tmp}/input.json"],
}

OTHER_CASES: dict[str, list[str]] = {
    "get-microvm-image": ["get-microvm-image", "--image-identifier", IMAGE_ARN],
    "update-microvm-image": [
        "update-microvm-image",
        "--image-identifier",
        IMAGE_ARN,
        "--base-image-arn",
        BASE_ARN,
        "--build-role-arn",
        ROLE_ARN,
        *ARTIFACT,
        "--environment-variables",
        "STAGE=staging",
    ],
    "delete-microvm-image": ["delete-microvm-image", "--image-identifier", IMAGE_ARN],
    "update-microvm-image-version": [
        "update-microvm-image-version",
        "--image-identifier",
        IMAGE_ARN,
        "--image-version",
        "1.0",
        "--status",
        "INACTIVE",
    ],
    "delete-microvm-image-version": [
        "delete-microvm-image-version",
        "--image-identifier",
        IMAGE_ARN,
        "--image-version",
        "2.0",
    ],
    "get-microvm-image-build": [
        "get-microvm-image-build",
        "--image-identifier",
        IMAGE_ARN,
        "--image-version",
        "1.0",
        "--build-id",
        "b-1",
    ],
    "list-images-all-pages": ["list-microvm-images"],
    "list-images-name-filter": ["list-microvm-images", "--name-filter", "my-app/ä&x=1"],
    "list-images-no-paginate": ["list-microvm-images", "--no-paginate"],
    "list-images-max-items": ["list-microvm-images", "--max-items", "3"],
    "list-images-page-size": ["list-microvm-images", "--page-size", "1"],
    "list-images-manual-token": ["list-microvm-images", "--next-token", "tok-3"],
    "list-image-builds-filters": [
        "list-microvm-image-builds",
        "--image-identifier",
        IMAGE_ARN,
        "--image-version",
        "1.0",
        "--architecture",
        "ARM_64",
        "--chipset",
        "GRAVITON",
        "--chipset-generation",
        "4",
    ],
    "list-image-versions": ["list-microvm-image-versions", "--image-identifier", IMAGE_ARN],
    "list-managed-images": ["list-managed-microvm-images", "--max-results", "10"],
    "list-managed-image-versions": [
        "list-managed-microvm-image-versions",
        "--image-identifier",
        BASE_ARN,
    ],
    "list-microvms-filters": [
        "list-microvms",
        "--image-identifier",
        IMAGE_ARN,
        "--image-version",
        "1.0",
    ],
    "run-microvm": [
        "run-microvm",
        "--image-identifier",
        IMAGE_ARN,
        "--image-version",
        "1.0",
        "--idle-policy",
        "maxIdleDurationSeconds=300,suspendedDurationSeconds=0,autoResumeEnabled=false",
        "--logging",
        "disabled={}",
        "--ingress-network-connectors",
        "nc-in-1",
        "nc-in-2",
        "--maximum-duration-in-seconds",
        "3600",
        "--run-hook-payload",
        '{"job": 42}',
        "--client-token",
        "run-token",
    ],
    "get-microvm": ["get-microvm", "--microvm-identifier", MICROVM_ID],
    "suspend-microvm": ["suspend-microvm", "--microvm-identifier", MICROVM_ID],
    "resume-microvm": ["resume-microvm", "--microvm-identifier", MICROVM_ID],
    "terminate-microvm": ["terminate-microvm", "--microvm-identifier", MICROVM_ID],
    "auth-token-union-list": [
        "create-microvm-auth-token",
        "--microvm-identifier",
        MICROVM_ID,
        "--expiration-in-minutes",
        "15",
        "--allowed-ports",
        "port=8080",
        "range={startPort=9000,endPort=9010}",
        "allPorts={}",
    ],
    "shell-auth-token": [
        "create-microvm-shell-auth-token",
        "--microvm-identifier",
        MICROVM_ID,
        "--expiration-in-minutes",
        "5",
    ],
    "tag-resource": ["tag-resource", "--resource", IMAGE_ARN, "--tags", "team=web,cost=42"],
    "untag-resource-repeated-keys": [
        "untag-resource",
        "--resource",
        IMAGE_ARN,
        "--tag-keys",
        "team",
        "team",
        "env",
    ],
    "list-tags": ["list-tags", "--resource", IMAGE_ARN],
}

CASES = {
    **{f"create-{name}": ["create-microvm-image", *args] for name, args in CREATE_CASES.items()},
    **OTHER_CASES,
}


def _files(tmp: Path) -> None:
    (tmp / "hooks.json").write_text(HOOKS_JSON, encoding="utf-8")
    (tmp / "desc.txt").write_text("Übersicht: line one\nline two ✓\n", encoding="utf-8")
    (tmp / "cert.pem").write_text("-----BEGIN CERT-----\nabc\n", encoding="utf-8")
    (tmp / "input.json").write_text(
        json.dumps(
            {
                "name": "from-file",
                "baseImageArn": BASE_ARN,
                "buildRoleArn": ROLE_ARN,
                "codeArtifact": {"uri": "s3://file-bucket/app.zip"},
                "hooks": json.loads(HOOKS_JSON),
                "environmentVariables": {"FROM": "file"},
            }
        ),
        encoding="utf-8",
    )


def _normalise(requests: list[Captured], keep_token: bool) -> list[dict[str, Any]]:
    out = []
    for request in requests:
        body = request.body
        if isinstance(body, dict) and not keep_token:
            body = {key: value for key, value in body.items() if key != "clientToken"}
        if body == {} and request.method in ("GET", "DELETE"):
            body = None
        out.append(
            {
                "operation": request.operation,
                "method": request.method,
                "path": request.path,
                "query": request.query,
                "body": body,
            }
        )
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_requests_as_the_aws_cli(
    case: str,
    tmp_path: Path,
    capture: CaptureServer,
    aws: Callable[..., Result],
    microvm: Callable[..., Result],
) -> None:
    _files(tmp_path)
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in CASES[case]]
    common = ["--endpoint-url", capture.url, "--region", "us-east-1", "--output", "json"]

    theirs = aws(*args, *common)
    assert theirs.code == 0, theirs.stderr
    their_requests = capture.take()

    ours = microvm(*args, *common)
    assert ours.code == 0, ours.stderr
    our_requests = capture.take()

    keep_token = "--client-token" in args
    assert _normalise(our_requests, keep_token) == _normalise(their_requests, keep_token)
    assert their_requests, "the AWS CLI sent nothing"
    # The rendered output is the same too (same canned answers).
    assert ours.stdout == theirs.stdout


def test_generated_client_token_is_sent(
    capture: CaptureServer, microvm: Callable[..., Result]
) -> None:
    result = microvm("create-microvm-image", *REQUIRED, *ARTIFACT, "--endpoint-url", capture.url)
    assert result.code == 0, result.stderr
    (request,) = capture.take()
    token = request.body["clientToken"]
    assert isinstance(token, str) and 1 <= len(token) <= 128
