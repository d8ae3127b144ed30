"""One call per operation: its arguments (model member names, as boto3 takes them) and a
plausible response (wire form), shaped after the recorded service bodies.

``response`` holds the modeled members the typed output must carry back; ``extras``
holds what the live service adds on top (explicit ``null`` for unset members, members
the model does not name) and is merged into the body the server sends, so every case
also proves that those are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import attrs

from microvm_sdk._core.pipeline import codec_for
from microvm_sdk._schema import SCHEMA

ACCOUNT = "123456789012"
IMAGE_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:microvm-image:demo-image"
BASE_ARN = "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/demo-build"
EXEC_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/demo-exec"
KMS_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
EGRESS = "arn:aws:lambda:us-east-1:aws:network-connector:aws-network-connector:INTERNET_EGRESS"
INGRESS = "arn:aws:lambda:us-east-1:aws:network-connector:aws-network-connector:HTTP_INGRESS"
VM_ID = "microvm-3f1e7c52-9d4b-4c1e-8a7f-2b6d0e9c1a44"
BUILD_ID = "7c0b2a8e-5d1f-4e3a-9b6c-1f2e3d4c5b6a"
T0 = 1767225600  # 2026-01-01T00:00:00Z
T1 = 1767229200.25

# Sensitive values: they must never appear in logs.
SECRET_ENV_VALUE = "env-value-4f8a-do-not-log"
SECRET_HOOK_PAYLOAD = "hook-payload-91c2-do-not-log"
SECRET_AUTH_TOKEN = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..auth-token-7d3e-do-not-log"
SECRET_SHELL_TOKEN = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..shell-token-2b9f-do-not-log"
SENSITIVE_VALUES = (SECRET_ENV_VALUE, SECRET_HOOK_PAYLOAD, SECRET_AUTH_TOKEN, SECRET_SHELL_TOKEN)

CODE_ARTIFACT = {"uri": "s3://demo-bucket/app/code.zip"}
HOOKS = {
    "port": 8081,
    "microvmHooks": {
        "run": "ENABLED",
        "runTimeoutInSeconds": 30,
        "resume": "ENABLED",
        "resumeTimeoutInSeconds": 10,
        "suspend": "DISABLED",
        "terminate": "ENABLED",
        "terminateTimeoutInSeconds": 60,
    },
    "microvmImageHooks": {"ready": "ENABLED", "readyTimeoutInSeconds": 600, "validate": "DISABLED"},
}
IDLE_POLICY = {
    "maxIdleDurationSeconds": 900,
    "suspendedDurationSeconds": 1800,
    "autoResumeEnabled": True,
}

IMAGE_BODY: dict[str, Any] = {
    "imageArn": IMAGE_ARN,
    "name": "demo-image",
    "state": "CREATING",
    "createdAt": T0,
    "updatedAt": T1,
    "baseImageArn": BASE_ARN,
    "baseImageVersion": "1.0",
    "buildRoleArn": ROLE_ARN,
    "codeArtifact": CODE_ARTIFACT,
    "logging": {"cloudWatch": {"logGroup": "/aws/lambda/demo", "logStream": "build"}},
    "egressNetworkConnectors": [EGRESS],
    "cpuConfigurations": [{"architecture": "ARM_64"}],
    "resources": [{"minimumMemoryInMiB": 2048}],
    "additionalOsCapabilities": ["ALL"],
    "hooks": HOOKS,
    "environmentVariables": {"LOG_LEVEL": "debug", "DB_PASSWORD": SECRET_ENV_VALUE},
    "kmsKeyIdentifier": "alias/demo-key",
    "tags": {"team": "core"},
    "imageVersion": "1.0",
}
IMAGE_EXTRAS: dict[str, Any] = {
    "id": "0f7e2d3c-4b5a-4968-8776-655443322110",
    "buildPhaseOverrides": None,
    "roleConfiguration": None,
    "description": None,
    "latestActiveImageVersion": None,
    "latestFailedImageVersion": None,
}
VERSION_BODY: dict[str, Any] = {
    "baseImageArn": BASE_ARN,
    "baseImageVersion": "1.0",
    "buildRoleArn": ROLE_ARN,
    "description": "first version",
    "codeArtifact": CODE_ARTIFACT,
    "logging": {"disabled": {}},
    "egressNetworkConnectors": [EGRESS],
    "resources": [{"minimumMemoryInMiB": 2048}],
    "environmentVariables": {"DB_PASSWORD": SECRET_ENV_VALUE},
    "imageArn": IMAGE_ARN,
    "imageVersion": "1.0",
    "state": "SUCCESSFUL",
    "status": "ACTIVE",
    "createdAt": T0,
    "updatedAt": T1,
    "tags": {"team": "core"},
}
VERSION_EXTRAS: dict[str, Any] = {
    "additionalOsCapabilities": None,
    "cpuConfigurations": None,
    "hooks": None,
    "stateReason": None,
    "versionStateTimeBucket": "SUCCESSFUL#26073006",
}
VM_BODY: dict[str, Any] = {
    "microvmId": VM_ID,
    "state": "RUNNING",
    "endpoint": "3f1e7c52.lambda-microvm.us-east-1.on.aws",
    "imageArn": IMAGE_ARN,
    "imageVersion": "1.0",
    "executionRoleArn": EXEC_ROLE_ARN,
    "idlePolicy": IDLE_POLICY,
    "maximumDurationInSeconds": 28800,
    "startedAt": T0,
    "kmsKeyIdentifier": KMS_ARN,
    "ingressNetworkConnectors": [INGRESS],
    "egressNetworkConnectors": [EGRESS],
}
VM_EXTRAS: dict[str, Any] = {
    "terminatedAt": None,
    "stateReason": None,
    "terminationReasonCode": None,
}
BUILD_SUMMARY: dict[str, Any] = {
    "imageArn": IMAGE_ARN,
    "imageVersion": "1.0",
    "buildId": BUILD_ID,
    "buildState": "SUCCESSFUL",
    "architecture": "ARM_64",
    "chipset": "GRAVITON",
    "chipsetGeneration": "4",
    "createdAt": T0,
}


@dataclass
class Case:
    operation: str
    params: dict[str, Any]
    response: dict[str, Any] | None  # None: no body (204)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def body(self) -> dict[str, Any] | None:
        """What the server sends."""
        if self.response is None:
            return None
        return {**self.response, **self.extras}


CASES: list[Case] = [
    Case(
        "CreateMicrovmAuthToken",
        {
            "microvmIdentifier": VM_ID,
            "expirationInMinutes": 60,
            "allowedPorts": [
                {"port": 8080},
                {"range": {"startPort": 9000, "endPort": 9010}},
                {"allPorts": {}},
            ],
        },
        {"authToken": {"X-aws-proxy-auth": SECRET_AUTH_TOKEN}},
    ),
    Case(
        "CreateMicrovmImage",
        {
            "name": "demo-image",
            "baseImageArn": BASE_ARN,
            "baseImageVersion": "1.0",
            "buildRoleArn": ROLE_ARN,
            "description": "demo image",
            "codeArtifact": CODE_ARTIFACT,
            "logging": {"cloudWatch": {"logGroup": "/aws/lambda/demo", "logStream": "build"}},
            "egressNetworkConnectors": [EGRESS],
            "cpuConfigurations": [{"architecture": "ARM_64"}],
            "resources": [{"minimumMemoryInMiB": 2048}],
            "additionalOsCapabilities": ["ALL"],
            "hooks": HOOKS,
            "environmentVariables": {"LOG_LEVEL": "debug", "DB_PASSWORD": SECRET_ENV_VALUE},
            "kmsKeyIdentifier": "alias/demo-key",
            "tags": {"team": "core"},
        },
        IMAGE_BODY,
        IMAGE_EXTRAS,
    ),
    Case(
        "CreateMicrovmShellAuthToken",
        {"microvmIdentifier": VM_ID, "expirationInMinutes": 15},
        {"authToken": {"X-aws-proxy-auth": SECRET_SHELL_TOKEN}},
    ),
    Case(
        "DeleteMicrovmImage",
        {"imageIdentifier": IMAGE_ARN},
        {"imageIdentifier": IMAGE_ARN, "state": "DELETING"},
    ),
    Case(
        "DeleteMicrovmImageVersion",
        {"imageIdentifier": IMAGE_ARN, "imageVersion": "1.0"},
        {"imageIdentifier": IMAGE_ARN, "imageVersion": "1.0", "state": "DELETING"},
    ),
    Case("GetMicrovm", {"microvmIdentifier": VM_ID}, VM_BODY, VM_EXTRAS),
    Case(
        "GetMicrovmImage",
        {"imageIdentifier": IMAGE_ARN},
        {
            "imageArn": IMAGE_ARN,
            "name": "demo-image",
            "state": "CREATED",
            "latestActiveImageVersion": "1.0",
            "createdAt": T0,
            "updatedAt": T1,
            "tags": {},
        },
        {"id": "0f7e2d3c-4b5a-4968-8776-655443322110", "latestFailedImageVersion": None},
    ),
    Case(
        "GetMicrovmImageBuild",
        {"imageIdentifier": IMAGE_ARN, "imageVersion": "1.0", "buildId": BUILD_ID},
        {
            **BUILD_SUMMARY,
            "snapshotBuild": {
                "codeInstallSizeInBytes": 186400768,
                "diskSnapshotSizeInBytes": 25600000,
                "memorySnapshotSizeInBytes": 6090874880,
            },
        },
        {"stateReason": None, "terminationReasonCode": None},
    ),
    Case(
        "GetMicrovmImageVersion",
        {"imageIdentifier": IMAGE_ARN, "imageVersion": "1.0"},
        VERSION_BODY,
        VERSION_EXTRAS,
    ),
    Case(
        "ListManagedMicrovmImageVersions",
        {"imageIdentifier": BASE_ARN, "maxResults": 10, "nextToken": "page-2"},
        {
            "items": [
                {
                    "imageArn": BASE_ARN,
                    "imageVersion": "1",
                    "status": "AVAILABLE",
                    "supportedCpuConfigurations": [
                        {"architecture": "ARM_64"},
                        {"architecture": "X86_64"},
                    ],
                    "createdAt": T0,
                    "updatedAt": T1,
                },
                {"imageArn": BASE_ARN, "imageVersion": "0", "status": "RECALLED", "createdAt": T0},
            ],
            "nextToken": "page-3",
        },
    ),
    Case(
        "ListManagedMicrovmImages",
        {"maxResults": 5},
        {"items": [{"imageArn": BASE_ARN, "createdAt": T0, "updatedAt": T1}]},
        {"nextToken": None},
    ),
    Case(
        "ListMicrovmImageBuilds",
        {
            "imageIdentifier": IMAGE_ARN,
            "imageVersion": "1.0",
            "architecture": "X86_64",
            "chipset": "INTEL",
            "chipsetGeneration": "3",
            "maxResults": 50,
            "nextToken": "t/0+k=",
        },
        {
            "items": [
                BUILD_SUMMARY,
                {
                    **BUILD_SUMMARY,
                    "chipsetGeneration": "3",
                    "buildState": "FAILED",
                    "stateReason": "The container image build failed",
                },
            ],
        },
        {"nextToken": None},
    ),
    Case(
        "ListMicrovmImageVersions",
        {"imageIdentifier": IMAGE_ARN, "maxResults": 2},
        {"items": [VERSION_BODY], "nextToken": "v-next"},
    ),
    Case(
        "ListMicrovmImages",
        {"nameFilter": "demo/1+x", "maxResults": 50, "nextToken": "a/b+c=="},
        {
            "items": [
                {
                    "imageArn": IMAGE_ARN,
                    "name": "demo-image",
                    "state": "CREATED",
                    "latestActiveImageVersion": "1.0",
                    "createdAt": T0,
                }
            ]
        },
        {"nextToken": None},
    ),
    Case(
        "ListMicrovms",
        {"imageIdentifier": IMAGE_ARN, "imageVersion": "1.0", "maxResults": 3},
        {
            "items": [
                {
                    "microvmId": VM_ID,
                    "state": "RUNNING",
                    "imageArn": IMAGE_ARN,
                    "imageVersion": "1.0",
                    "startedAt": T0,
                },
                {
                    "microvmId": "microvm-2",
                    "state": "TERMINATED",
                    "imageArn": IMAGE_ARN,
                    "imageVersion": "1.0",
                    "startedAt": T1,
                },
            ],
            "nextToken": "vm-next",
        },
    ),
    Case("ListTags", {"Resource": IMAGE_ARN}, {"Tags": {"team": "core", "cost-center": "42"}}),
    Case("ResumeMicrovm", {"microvmIdentifier": VM_ID}, {}),
    Case(
        "RunMicrovm",
        {
            "imageIdentifier": IMAGE_ARN,
            "imageVersion": "1.0",
            "ingressNetworkConnectors": [INGRESS],
            "egressNetworkConnectors": [EGRESS],
            "executionRoleArn": EXEC_ROLE_ARN,
            "idlePolicy": IDLE_POLICY,
            "logging": {"disabled": {}},
            "kmsKeyIdentifier": KMS_ARN,
            "runHookPayload": SECRET_HOOK_PAYLOAD,
            "maximumDurationInSeconds": 3600,
        },
        {**VM_BODY, "state": "PENDING", "maximumDurationInSeconds": 3600},
        VM_EXTRAS,
    ),
    Case("SuspendMicrovm", {"microvmIdentifier": VM_ID}, {}),
    Case("TagResource", {"Resource": IMAGE_ARN, "Tags": {"team": "core", "env": "dev"}}, None),
    Case("TerminateMicrovm", {"microvmIdentifier": VM_ID}, {}),
    Case("UntagResource", {"Resource": IMAGE_ARN, "TagKeys": ["team", "env"]}, None),
    Case(
        "UpdateMicrovmImage",
        {
            "imageIdentifier": IMAGE_ARN,
            "baseImageArn": BASE_ARN,
            "buildRoleArn": ROLE_ARN,
            "codeArtifact": {"uri": "s3://demo-bucket/app/code-v2.zip"},
            "description": "updated",
            "environmentVariables": {"DB_PASSWORD": SECRET_ENV_VALUE},
            "cpuConfigurations": [{"architecture": "X86_64"}],
        },
        {
            **{k: v for k, v in IMAGE_BODY.items() if k != "tags"},  # not in this output
            "state": "UPDATING",
            "imageVersion": "2.0",
            "latestActiveImageVersion": "1.0",
            "description": "updated",
            "codeArtifact": {"uri": "s3://demo-bucket/app/code-v2.zip"},
        },
        {"id": "0f7e2d3c-4b5a-4968-8776-655443322110", "tags": {"team": "core"}},
    ),
    Case(
        "UpdateMicrovmImageVersion",
        {"imageIdentifier": IMAGE_ARN, "imageVersion": "1.0", "status": "INACTIVE"},
        {**VERSION_BODY, "status": "INACTIVE"},
        VERSION_EXTRAS,
    ),
]

CASES_BY_NAME = {case.operation: case for case in CASES}


def typed_kwargs(case: Case) -> dict[str, Any]:
    """The case's model-name arguments as the typed method's keyword arguments."""
    converter, _, _ = codec_for(SCHEMA)
    operation = SCHEMA.operations[case.operation]
    assert operation.input is not None
    request = converter.input_from_params(case.params, SCHEMA.shapes[operation.input])
    return {
        f.name: getattr(request, f.name)
        for f in attrs.fields(type(request))
        if getattr(request, f.name) is not None
    }
