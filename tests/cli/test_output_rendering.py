"""``--output`` and ``--query`` render a response exactly as the AWS CLI renders it.

Both CLIs get the same recorded-style answers from the capture server (explicit nulls,
members the model does not know, epoch-second timestamps, non-ASCII text).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from cli_capture import IMAGE_ARN, CaptureServer, Result, image

MICROVM_ID = "microvm-3f0c2b9e-8a51-4d7f-b6a2-0e4c1d9f7b35"

COMMANDS: dict[str, list[str]] = {
    "create": [
        "create-microvm-image",
        "--name",
        "my-app",
        "--base-image-arn",
        "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-python",
        "--build-role-arn",
        "arn:aws:iam::123456789012:role/build-role",
        "--code-artifact",
        "uri=s3://my-bucket/app.zip",
    ],
    "get-image": ["get-microvm-image", "--image-identifier", IMAGE_ARN],
    "list-images": ["list-microvm-images"],
    "list-images-max-items": ["list-microvm-images", "--max-items", "3"],
    "list-images-no-paginate": ["list-microvm-images", "--no-paginate"],
    "list-builds": [
        "list-microvm-image-builds",
        "--image-identifier",
        IMAGE_ARN,
        "--image-version",
        "1.0",
    ],
    "get-build": [
        "get-microvm-image-build",
        "--image-identifier",
        IMAGE_ARN,
        "--image-version",
        "1.0",
        "--build-id",
        "b-1",
    ],
    "list-versions": ["list-microvm-image-versions", "--image-identifier", IMAGE_ARN],
    "get-microvm": ["get-microvm", "--microvm-identifier", MICROVM_ID],
    "list-microvms": ["list-microvms"],
    "list-managed": ["list-managed-microvm-images"],
    "list-managed-versions": [
        "list-managed-microvm-image-versions",
        "--image-identifier",
        "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-python",
    ],
    "list-tags": ["list-tags", "--resource", IMAGE_ARN],
    "suspend": ["suspend-microvm", "--microvm-identifier", MICROVM_ID],
    "untag": ["untag-resource", "--resource", IMAGE_ARN, "--tag-keys", "a"],
    "auth-token": [
        "create-microvm-shell-auth-token",
        "--microvm-identifier",
        MICROVM_ID,
        "--expiration-in-minutes",
        "5",
    ],
}

QUERIES: dict[str, list[str]] = {
    "create": [
        "imageArn",
        "[name, state, createdAt]",
        "tags",
        "hooks.microvmHooks",
        "{a: name, b: cpuConfigurations[].architecture}",
    ],
    "list-images": [
        "items[].name",
        "items[?state=='CREATED'].[name, createdAt]",
        "length(items)",
        "items[0]",
    ],
    "list-images-max-items": ["items[].name", "NextToken"],
    "list-builds": ["items[].{id: buildId, gen: chipsetGeneration, reason: stateReason}"],
    "get-microvm": ["idlePolicy", "[state, endpoint]", "egressNetworkConnectors"],
}


def _both(
    aws: Callable[..., Result],
    microvm: Callable[..., Result],
    capture: CaptureServer,
    *args: str,
) -> tuple[Result, Result]:
    common = ["--endpoint-url", capture.url, "--region", "us-east-1"]
    theirs = aws(*args, *common)
    ours = microvm(*args, *common)
    assert theirs.code == 0, theirs.stderr
    assert ours.code == 0, ours.stderr
    return theirs, ours


@pytest.mark.parametrize("output", ["json", "text", "table"])
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_output_equals_the_aws_cli(
    name: str,
    output: str,
    capture: CaptureServer,
    aws: Callable[..., Result],
    microvm: Callable[..., Result],
) -> None:
    theirs, ours = _both(aws, microvm, capture, *COMMANDS[name], "--output", output)
    assert ours.stdout == theirs.stdout


@pytest.mark.parametrize("output", ["json", "text", "table"])
@pytest.mark.parametrize(
    ("name", "query"), [(name, query) for name, queries in QUERIES.items() for query in queries]
)
def test_query_equals_the_aws_cli(
    name: str,
    query: str,
    output: str,
    capture: CaptureServer,
    aws: Callable[..., Result],
    microvm: Callable[..., Result],
) -> None:
    theirs, ours = _both(
        aws, microvm, capture, *COMMANDS[name], "--output", output, "--query", query
    )
    assert ours.stdout == theirs.stdout


@pytest.mark.parametrize("timestamp_format", ["wire", "none", "iso8601"])
def test_timestamp_formats_equal_the_aws_cli(
    timestamp_format: str,
    cli_env: object,
    capture: CaptureServer,
    aws: Callable[..., Result],
    microvm: Callable[..., Result],
) -> None:
    cli_env.write_config(cli_timestamp_format=timestamp_format)  # type: ignore[attr-defined]
    for args in (COMMANDS["create"], COMMANDS["list-images"], COMMANDS["get-microvm"]):
        for output in ("json", "text"):
            theirs, ours = _both(aws, microvm, capture, *args, "--output", output)
            assert ours.stdout == theirs.stdout


def test_default_timestamps_are_iso8601(
    cli_env: object, capture: CaptureServer, microvm: Callable[..., Result]
) -> None:
    cli_env.write_config()  # type: ignore[attr-defined]
    result = microvm(*COMMANDS["get-image"], "--endpoint-url", capture.url, "--query", "createdAt")
    assert result.code == 0, result.stderr
    value = json.loads(result.stdout)
    assert value.startswith("2026-01-01T") or value.startswith("2025-12-31T")
    assert value[-6] in "+-" and value[-3] == ":"


def test_yaml_is_the_json_document_with_sorted_keys(
    capture: CaptureServer, aws: Callable[..., Result], microvm: Callable[..., Result]
) -> None:
    yaml = pytest.importorskip("yaml")
    theirs, _ = _both(aws, microvm, capture, *COMMANDS["create"], "--output", "json")
    as_yaml = microvm(*COMMANDS["create"], "--endpoint-url", capture.url, "--output", "yaml")
    assert as_yaml.code == 0
    assert yaml.safe_load(as_yaml.stdout) == json.loads(theirs.stdout)
    top_keys = [line.split(":")[0] for line in as_yaml.stdout.splitlines() if line[:1].isalpha()]
    assert top_keys == sorted(top_keys)
    assert "名前: 値" in as_yaml.stdout  # unicode is written as is


def test_yaml_stream_renders_each_page(
    capture: CaptureServer, aws: Callable[..., Result], microvm: Callable[..., Result]
) -> None:
    yaml = pytest.importorskip("yaml")
    result = microvm(
        "list-microvm-images", "--endpoint-url", capture.url, "--output", "yaml-stream"
    )
    assert result.code == 0, result.stderr
    pages = yaml.safe_load(result.stdout)
    assert [len(page["items"]) for page in pages] == [2, 2, 1]
    assert [page.get("nextToken") for page in pages] == ["tok-2", "tok-3", None]


def test_output_off_prints_nothing(capture: CaptureServer, microvm: Callable[..., Result]) -> None:
    result = microvm(*COMMANDS["list-images"], "--endpoint-url", capture.url, "--output", "off")
    assert result.code == 0
    assert result.stdout == ""
    assert len(capture.requests) == 3


def test_color_on_colours_table_cells(
    capture: CaptureServer, microvm: Callable[..., Result]
) -> None:
    result = microvm(
        *COMMANDS["list-tags"], "--endpoint-url", capture.url, "--output", "table", "--color", "on"
    )
    assert "\x1b[1m\x1b[34mweb\x1b[0m" in result.stdout


def test_output_from_config_file(
    cli_env: object,
    capture: CaptureServer,
    aws: Callable[..., Result],
    microvm: Callable[..., Result],
) -> None:
    cli_env.write_config(output="text", cli_timestamp_format="iso8601")  # type: ignore[attr-defined]
    theirs, ours = _both(aws, microvm, capture, *COMMANDS["get-image"])
    assert ours.stdout == theirs.stdout
    assert "\t" in ours.stdout


def test_shaping_drops_nulls_and_unknown_members(
    capture: CaptureServer, microvm: Callable[..., Result]
) -> None:
    result = microvm(*COMMANDS["create"], "--endpoint-url", capture.url)
    document = json.loads(result.stdout)
    assert "id" not in document and "roleConfiguration" not in document
    assert "latestActiveImageVersion" not in document
    assert document["logging"] == {"cloudWatch": {"logGroup": "/aws/lambda/microvms/my-app"}}
    assert list(document)[:3] == ["imageArn", "name", "state"]
    assert document["description"] == image()["description"]
