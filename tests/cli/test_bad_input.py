"""Bad command lines fail before any request: exit code 252 and a message naming the option."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_capture import BASE_ARN, IMAGE_ARN, ROLE_ARN, CaptureServer, Result

CREATE = [
    "create-microvm-image",
    "--name",
    "my-app",
    "--base-image-arn",
    BASE_ARN,
    "--build-role-arn",
    ROLE_ARN,
    "--code-artifact",
    "uri=s3://b/app.zip",
]

#: (command line, text that must appear in stderr)
CASES: dict[str, tuple[list[str], str]] = {
    "unknown-option": (
        ["get-microvm-image", "--image-identifier", IMAGE_ARN, "--bogus", "1"],
        "Unknown options: --bogus, 1",
    ),
    "unknown-command": (["create-microvm-imag"], "maybe you meant: create-microvm-image"),
    "shorthand-missing-equals": (
        [*CREATE[:-1], "uri"],
        "Error parsing parameter '--code-artifact': Expected: '=', received: 'EOF'",
    ),
    "shorthand-unclosed-brace": (
        [*CREATE, "--hooks", "microvmHooks={run=ENABLED"],
        "Error parsing parameter '--hooks': Expected: ',', received: 'EOF'",
    ),
    "shorthand-duplicate-key": (
        [*CREATE, "--tags", "a=1,a=2"],
        "Error parsing parameter '--tags': Second instance of key \"a\"",
    ),
    "shorthand-not-an-integer": (
        [*CREATE, "--hooks", "port=eighty"],
        "Error parsing parameter '--hooks': invalid integer value 'eighty'",
    ),
    "json-malformed": (
        [*CREATE, "--hooks", '{"port": }'],
        "Error parsing parameter '--hooks': Invalid JSON",
    ),
    "structure-given-a-list": ([*CREATE, "--hooks", "[1, 2]"], "--hooks': Invalid JSON"),
    "integer-option-not-a-number": (
        [
            "create-microvm-shell-auth-token",
            "--microvm-identifier",
            "m",
            "--expiration-in-minutes",
            "abc",
        ],
        "Error parsing parameter '--expiration-in-minutes': invalid integer value 'abc'",
    ),
    "hook-timeout-above-maximum": (
        [*CREATE, "--hooks", "microvmHooks={run=ENABLED,runTimeoutInSeconds=90}"],
        "--hooks: microvmHooks.runTimeoutInSeconds: 90 is greater than the maximum 60",
    ),
    "port-below-minimum": (
        [*CREATE, "--hooks", "port=0"],
        "--hooks: port: 0 is less than the minimum 1",
    ),
    "name-pattern": (
        [*CREATE[:1], "--name", "bad name!", *CREATE[3:]],
        "--name: 'bad name!' does not match the pattern [a-zA-Z0-9-_]+",
    ),
    "name-too-long": (
        [*CREATE[:1], "--name", "n" * 65, *CREATE[3:]],
        "--name: ",
    ),
    "role-arn-pattern": (
        [*CREATE[:5], "--build-role-arn", "arn:aws:iam::12:role/x", *CREATE[7:]],
        "--build-role-arn: 'arn:aws:iam::12:role/x' does not match the pattern arn:aws",
    ),
    "too-many-environment-variables": (
        [*CREATE, "--environment-variables", ",".join(f"K{i}=v" for i in range(101))],
        "--environment-variables: 101 entries is greater than the maximum 100",
    ),
    "environment-variable-value-hidden": (
        [*CREATE, "--environment-variables", "SECRET=" + "s" * 4097],
        "--environment-variables: SECRET: the value (sensitive, not shown)",
    ),
    "too-many-egress-connectors": (
        [*CREATE, "--egress-network-connectors", "a", "b"],
        "--egress-network-connectors: 2 items is greater than the maximum 1",
    ),
    "union-two-members": (
        [*CREATE, "--logging", "disabled={},cloudWatch={logGroup=g}"],
        "--logging: exactly one of the following keys must be set",
    ),
    "union-empty": ([*CREATE[:-1], "{}"], "--code-artifact: exactly one of the following keys"),
    "enum-value": (
        [*CREATE, "--cpu-configurations", "architecture=MIPS"],
        "--cpu-configurations: [0].architecture: 'MIPS' is not one of the valid values: "
        "ARM_64, X86_64",
    ),
    "missing-required-key-in-list": (
        [*CREATE, "--resources", '[{"memory": 1}]'],
        '--resources: [0]: unknown key "memory"',
    ),
    "unknown-key-in-structure": (
        [*CREATE, "--hooks", "porty=1"],
        '--hooks: unknown key "porty", must be one of: port, microvmHooks, microvmImageHooks',
    ),
    "tag-with-emoji": (
        [*CREATE, "--tags", '{"launch": "🚀"}'],
        "--tags: launch: '🚀' does not match the pattern",
    ),
    "max-duration-above-maximum": (
        ["run-microvm", "--image-identifier", IMAGE_ARN, "--maximum-duration-in-seconds", "28801"],
        "--maximum-duration-in-seconds: 28801 is greater than the maximum 28800",
    ),
    "max-results-above-maximum": (
        ["list-microvm-images", "--max-results", "51"],
        "--max-results: 51 is greater than the maximum 50",
    ),
    "untag-without-keys": (
        ["untag-resource", "--resource", IMAGE_ARN],
        "the following arguments are required: --tag-keys",
    ),
    "missing-required-options": (
        ["create-microvm-image", "--name", "x"],
        "the following arguments are required: --base-image-arn, --build-role-arn, --code-artifact",
    ),
    "missing-required-in-input-json": (
        ["create-microvm-image", "--cli-input-json", json.dumps({"name": "x"})],
        "--base-image-arn: missing required parameter",
    ),
    "unknown-key-in-input-json": (
        [*CREATE, "--cli-input-json", json.dumps({"nmae": "x"})],
        '--cli-input-json: unknown parameter "nmae"',
    ),
    "wrong-type-in-input-json": (
        [*CREATE, "--cli-input-json", json.dumps({"resources": "big"})],
        "--resources: expected a list, got 'big'",
    ),
    "input-json-not-an-object": (
        [*CREATE, "--cli-input-json", "[1]"],
        "Error parsing parameter '--cli-input-json'",
    ),
    "input-json-malformed": (
        [*CREATE, "--cli-input-json", "{nope"],
        "Error parsing parameter '--cli-input-json': Invalid JSON",
    ),
    "input-json-and-yaml": (
        [*CREATE, "--cli-input-json", "{}", "--cli-input-yaml", "{}"],
        "not allowed with argument --cli-input-json",
    ),
    "missing-param-file": (
        [*CREATE, "--description", "file:///nonexistent/desc.txt"],
        "Error parsing parameter '--description': unable to load paramfile",
    ),
    "bad-output-format": (
        ["list-microvms", "--output", "xml"],
        "argument --output: invalid choice: 'xml'",
    ),
    "bad-query": (["list-microvms", "--query", "items[?"], "Bad value for --query items[?"),
    "no-paginate-with-max-items": (
        ["list-microvm-images", "--no-paginate", "--max-items", "3"],
        "Cannot specify --no-paginate along with pagination arguments: --max-items",
    ),
    "bad-starting-token": (
        ["list-microvm-images", "--starting-token", "eyJmb28iOiAxfQ=="],
        "Bad starting token",
    ),
    "generate-skeleton-bad-value": (
        ["list-microvms", "--generate-cli-skeleton", "xml"],
        "argument --generate-cli-skeleton: invalid choice: 'xml'",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_fails_before_sending(
    case: str, capture: CaptureServer, microvm: Callable[..., Result]
) -> None:
    args, expected = CASES[case]
    result = microvm(*args, "--endpoint-url", capture.url, "--region", "us-east-1")
    assert result.code == 252, result
    assert expected in result.stderr
    assert result.stdout == ""
    assert capture.requests == []


def test_every_constraint_error_names_the_option(
    capture: CaptureServer, microvm: Callable[..., Result]
) -> None:
    result = microvm(
        *CREATE[:1],
        "--name",
        "bad name!",
        *CREATE[3:],
        "--hooks",
        "port=0,microvmHooks={runTimeoutInSeconds=61}",
        "--resources",
        "minimumMemoryInMiB=1",
        "minimumMemoryInMiB=2",
        "--tags",
        '{"": "x"}',
        "--endpoint-url",
        capture.url,
    )
    assert result.code == 252
    lines = result.stderr.splitlines()
    assert len(lines) == 5
    assert all(line.startswith("microvm: error: --") for line in lines)
    assert capture.requests == []


def test_missing_file_for_cli_input_json(tmp_path: Path, microvm: Callable[..., Result]) -> None:
    result = microvm("list-microvms", "--cli-input-json", f"file://{tmp_path}/missing.json")
    assert result.code == 252
    assert "--cli-input-json" in result.stderr


def test_yaml_input_needs_pyyaml_message(
    monkeypatch: pytest.MonkeyPatch, microvm: Callable[..., Result]
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "yaml", None)
    result = microvm("list-microvms", "--cli-input-yaml", "{}")
    assert result.code == 252
    assert "pip install 'microvm-sdk[yaml]'" in result.stderr


def test_no_arguments_is_a_usage_error(microvm: Callable[..., Result]) -> None:
    result = microvm()
    assert result.code == 252
    assert "usage: microvm" in result.stderr
