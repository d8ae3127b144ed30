"""Exit codes, errors, configuration, debug, paging, pager, prompting and import cost."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_capture import IMAGE_ARN, Captured, CaptureServer, Result

from microvm_sdk.cli import main
from microvm_sdk.cli._app import run

CREATE = [
    "create-microvm-image",
    "--name",
    "my-app",
    "--base-image-arn",
    "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-python",
    "--build-role-arn",
    "arn:aws:iam::123456789012:role/build-role",
    "--code-artifact",
    "uri=s3://my-bucket/app.zip",
]


def _not_found(request: Captured) -> tuple[int, Any]:
    return 404, {
        "__type": "ResourceNotFoundException",
        "message": "MicroVM image not found",
        "resourceType": "MicrovmImage",
        "resourceId": "my-app",
    }


# -- exit codes and error formats ---------------------------------------------------------


def test_service_error_exit_code_and_legacy_message(
    capture: CaptureServer, aws: Callable[..., Result], microvm: Callable[..., Result]
) -> None:
    capture.responder = _not_found
    args = ["get-microvm-image", "--image-identifier", IMAGE_ARN, "--endpoint-url", capture.url]
    theirs = aws(*args)
    ours = microvm(*args, "--cli-error-format", "legacy")
    assert ours.code == 254  # the AWS CLI v2 code (v1 uses 255)
    assert ours.stderr == theirs.stderr
    assert ours.stdout == ""


@pytest.mark.parametrize(
    ("error_format", "expected"),
    [
        (
            "enhanced",
            "microvm: [ERROR]: An error occurred (ResourceNotFoundException) when calling the "
            "GetMicrovmImage operation: MicroVM image not found\n",
        ),
        ("json", '"Code": "ResourceNotFoundException"'),
        ("yaml", "Code: ResourceNotFoundException\n"),
        ("text", "ResourceNotFoundException\tMicroVM image not found"),
        ("table", "|  ResourceNotFoundException  |"),
    ],
)
def test_cli_error_formats(
    error_format: str, expected: str, capture: CaptureServer, microvm: Callable[..., Result]
) -> None:
    capture.responder = _not_found
    result = microvm(
        "get-microvm-image",
        "--image-identifier",
        IMAGE_ARN,
        "--endpoint-url",
        capture.url,
        "--cli-error-format",
        error_format,
    )
    assert result.code == 254
    assert expected in result.stderr


def test_enhanced_error_lists_modeled_details(
    capture: CaptureServer, microvm: Callable[..., Result]
) -> None:
    capture.responder = _not_found
    result = microvm(
        "get-microvm-image", "--image-identifier", IMAGE_ARN, "--endpoint-url", capture.url
    )
    assert result.stderr.endswith(
        "\nAdditional error details:\nresourceType: MicrovmImage\nresourceId: my-app\n"
    )


def test_error_format_from_environment(
    capture: CaptureServer, microvm: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    capture.responder = _not_found
    monkeypatch.setenv("AWS_CLI_ERROR_FORMAT", "json")
    result = microvm(
        "get-microvm-image", "--image-identifier", IMAGE_ARN, "--endpoint-url", capture.url
    )
    assert json.loads(result.stderr)["Code"] == "ResourceNotFoundException"


def test_missing_region_is_a_configuration_error(
    cli_env: Any, capture: CaptureServer, microvm: Callable[..., Result]
) -> None:
    cli_env.config.write_text("[default]\n", encoding="utf-8")
    result = microvm("list-microvms", "--endpoint-url", capture.url)
    assert result.code == 253
    assert "region" in result.stderr.lower()
    assert capture.requests == []


def test_unknown_profile_is_a_configuration_error(
    capture: CaptureServer, microvm: Callable[..., Result]
) -> None:
    result = microvm("list-microvms", "--endpoint-url", capture.url, "--profile", "nope")
    assert result.code == 253
    assert capture.requests == []


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (("--region", "us east 1"), "region 'us east 1' (from --region) is not a valid"),
        (("--endpoint-url", "notaurl"), "endpoint URL 'notaurl' (from --endpoint-url) is not"),
        (("--profile", "nope"), "profile 'nope' (from --profile) was not found"),
    ],
)
def test_configuration_errors_name_the_option_not_the_sdk_argument(
    capture: CaptureServer, microvm: Callable[..., Result], options: tuple[str, ...], said: str
) -> None:
    endpoint = () if "--endpoint-url" in options else ("--endpoint-url", capture.url)
    result = microvm("list-microvms", *endpoint, *options)
    assert result.code == 253
    assert said in result.stderr
    assert "argument" not in result.stderr
    assert capture.requests == []


def test_connection_refused_exit_code(microvm: Callable[..., Result]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = microvm(
        "list-microvms",
        "--endpoint-url",
        f"http://127.0.0.1:{port}",
        "--cli-connect-timeout",
        "2",
        "--cli-read-timeout",
        "2",
    )
    assert result.code == 255
    assert "microvm: error:" in result.stderr


def test_interrupted_exit_code(cli_env: Any) -> None:
    def factory(context: Any) -> Any:
        raise KeyboardInterrupt

    code = run(
        ["list-microvms"],
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        environ=dict(os.environ),
        client_factory=factory,
    )
    assert code == 130


def test_sdk_validation_errors_name_the_option() -> None:
    from microvm_sdk.cli._app import _translate_validation

    lines = _translate_validation(
        ("hooks.microvm_hooks.run_timeout_in_seconds: 90 > max 60", "name: too long"),
        "CreateMicrovmImage",
    )
    assert lines == [
        "--hooks: microvmHooks.runTimeoutInSeconds: 90 > max 60",
        "--name: too long",
    ]


# -- global options -----------------------------------------------------------------------


def test_no_sign_request_sends_no_signature(
    capture: CaptureServer, microvm: Callable[..., Result]
) -> None:
    result = microvm("list-microvms", "--endpoint-url", capture.url, "--no-sign-request")
    assert result.code == 0, result.stderr
    assert "authorization" not in capture.requests[0].headers
    signed = microvm("list-microvms", "--endpoint-url", capture.url)
    assert signed.code == 0
    assert capture.requests[1].headers["authorization"].startswith("AWS4-HMAC-SHA256")


def test_timeouts_ca_bundle_and_binary_format_are_accepted(
    capture: CaptureServer, microvm: Callable[..., Result], tmp_path: Path
) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("", encoding="utf-8")
    result = microvm(
        "list-microvms",
        "--endpoint-url",
        capture.url,
        "--cli-read-timeout",
        "0",
        "--cli-connect-timeout",
        "5",
        "--ca-bundle",
        str(bundle),
        "--cli-binary-format",
        "raw-in-base64-out",
        "--no-verify-ssl",
        "--color",
        "off",
        "--no-cli-pager",
    )
    assert result.code == 0, result.stderr


def test_profile_settings_are_used(
    cli_env: Any, capture: CaptureServer, microvm: Callable[..., Result]
) -> None:
    cli_env.config.write_text(
        "[default]\nregion = us-east-1\n\n[profile work]\nregion = eu-west-1\noutput = text\n",
        encoding="utf-8",
    )
    # With an explicit profile the credentials come from that profile, not the environment.
    (cli_env.home / "credentials").write_text(
        "[work]\naws_access_key_id = work-key\naws_secret_access_key = work-secret\n",
        encoding="utf-8",
    )
    result = microvm(
        "list-tags", "--resource", IMAGE_ARN, "--endpoint-url", capture.url, "--profile", "work"
    )
    assert result.code == 0, result.stderr
    assert result.stdout == "TAGS\tprod\tweb\n"
    assert "eu-west-1" in capture.requests[0].headers["authorization"]


def test_global_options_before_the_command(
    capture: CaptureServer, microvm: Callable[..., Result]
) -> None:
    result = microvm(
        "--output", "text", "--endpoint-url", capture.url, "list-tags", "--resource", IMAGE_ARN
    )
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("TAGS")


def test_debug_logs_without_secrets(
    capture: CaptureServer, microvm: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "very-secret-key")
    result = microvm(
        *CREATE,
        "--environment-variables",
        "PASSWORD=hunter2",
        "--run-hook",
        "x",
        "--endpoint-url",
        capture.url,
        "--debug",
    )
    assert result.code == 252  # --run-hook is not an option of this command
    result = microvm(
        *CREATE,
        "--environment-variables",
        "PASSWORD=hunter2",
        "--endpoint-url",
        capture.url,
        "--debug",
    )
    assert result.code == 0, result.stderr
    assert "DEBUG" in result.stderr and "CreateMicrovmImage" in result.stderr
    for secret in ("hunter2", "very-secret-key", "grüß dich", "Signature="):
        assert secret not in result.stderr
    token = microvm(
        "create-microvm-shell-auth-token",
        "--microvm-identifier",
        "m",
        "--expiration-in-minutes",
        "5",
        "--endpoint-url",
        capture.url,
        "--debug",
    )
    assert "secret-token-value" not in token.stderr
    assert "secret-token-value" in token.stdout


def test_version_and_help(microvm: Callable[..., Result]) -> None:
    version = microvm("--version")
    assert version.code == 0
    assert version.stdout.startswith("microvm-sdk/")
    top = microvm("help")
    assert top.code == 0 and "create-microvm-image" in top.stdout and "demo" in top.stdout
    assert microvm("--help").stdout == top.stdout
    command = microvm("create-microvm-image", "help")
    assert command.code == 0
    assert "--hooks (structure)" in command.stdout
    assert "uri=string" in command.stdout
    assert "disabled={},cloudWatch={logGroup=string,logStream=string}" in command.stdout
    assert "architecture=string ..." in command.stdout
    assert "KeyName1=string,KeyName2=string" in command.stdout
    assert microvm("create-microvm-image", "--help").stdout == command.stdout


def test_every_command_has_help(microvm: Callable[..., Result]) -> None:
    from microvm_sdk.cli._model import load_service_model

    for name, command in load_service_model().commands.items():
        result = microvm(name, "help")
        assert result.code == 0
        for argument in command.arguments:
            assert argument.option in result.stdout


def test_console_entry_point_and_import_cost() -> None:
    probe = (
        "import sys\n"
        "from microvm_sdk.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "heavy = [m for m in ('botocore.session', 'botocore.client', 'botocore.credentials',"
        " 'urllib3', 'cattrs', 'http.client', 'ssl', 'jmespath') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
        "sys.exit(code)\n"
    )
    for args in (["--version"], ["--help"], ["create-microvm-image", "help"]):
        completed = subprocess.run(
            [sys.executable, "-c", probe, *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr
        assert "HEAVY []" in completed.stdout
    module = subprocess.run(
        [sys.executable, "-m", "microvm_sdk.cli", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert module.returncode == 0 and module.stdout.startswith("microvm-sdk/")


def test_main_returns_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("microvm-sdk/")


# -- inputs ---------------------------------------------------------------------------------


def test_cli_input_yaml_equals_cli_input_json(
    capture: CaptureServer, microvm: Callable[..., Result], tmp_path: Path
) -> None:
    pytest.importorskip("yaml")
    document = {
        "name": "from-doc",
        "baseImageArn": "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-python",
        "buildRoleArn": "arn:aws:iam::123456789012:role/build-role",
        "codeArtifact": {"uri": "s3://b/app.zip"},
        "tags": {"k": "v"},
    }
    (tmp_path / "in.yaml").write_text(
        "name: from-doc\n"
        "baseImageArn: arn:aws:lambda:us-east-1:aws:microvm-image:al2023-python\n"
        "buildRoleArn: arn:aws:iam::123456789012:role/build-role\n"
        "codeArtifact:\n  uri: s3://b/app.zip\n"
        "tags:\n  k: v\n",
        encoding="utf-8",
    )
    for option, value in (
        ("--cli-input-json", json.dumps(document)),
        ("--cli-input-yaml", f"file://{tmp_path}/in.yaml"),
    ):
        result = microvm(
            "create-microvm-image",
            option,
            value,
            "--name",
            "override",
            "--endpoint-url",
            capture.url,
        )
        assert result.code == 0, result.stderr
    json_request, yaml_request = capture.take()
    for request in (json_request, yaml_request):
        request.body.pop("clientToken")
    assert json_request.body == yaml_request.body
    assert json_request.body["name"] == "override"


def test_auto_prompt_asks_for_missing_required_options(
    capture: CaptureServer, cli_env: Any
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stdin = Terminal(f"{IMAGE_ARN}\nteam env\n")
    stderr = io.StringIO()
    code = run(
        ["untag-resource", "--cli-auto-prompt", "--endpoint-url", capture.url],
        stdin=stdin,
        stdout=io.StringIO(),
        stderr=stderr,
        environ=dict(os.environ),
    )
    assert code == 0, stderr.getvalue()
    assert "--resource (string): " in stderr.getvalue()
    (request,) = capture.requests
    assert request.query == [("tagKeys", "env"), ("tagKeys", "team")]


def test_no_prompt_without_a_terminal(
    capture: CaptureServer, microvm: Callable[..., Result]
) -> None:
    result = microvm("untag-resource", "--cli-auto-prompt", "--endpoint-url", capture.url)
    assert result.code == 252
    assert "--resource, --tag-keys" in result.stderr


# -- pagination -------------------------------------------------------------------------------


def test_starting_token_resumes_like_the_aws_cli(
    capture: CaptureServer, aws: Callable[..., Result], microvm: Callable[..., Result]
) -> None:
    common = ["--endpoint-url", capture.url, "--output", "json"]
    first = aws("list-microvm-images", "--max-items", "3", *common)
    token = json.loads(first.stdout)["NextToken"]
    assert (
        json.loads(microvm("list-microvm-images", "--max-items", "3", *common).stdout)["NextToken"]
        == token
    )
    capture.take()
    for page_size in ([], ["--page-size", "2"]):
        theirs = aws("list-microvm-images", "--starting-token", token, *page_size, *common)
        their_requests = [(r.path, r.query) for r in capture.take()]
        ours = microvm("list-microvm-images", "--starting-token", token, *page_size, *common)
        our_requests = [(r.path, r.query) for r in capture.take()]
        assert ours.stdout == theirs.stdout
        assert our_requests == their_requests
    text_theirs = aws("list-microvm-images", "--max-items", "1", *common[:2], "--output", "text")
    text_ours = microvm("list-microvm-images", "--max-items", "1", *common[:2], "--output", "text")
    assert text_ours.stdout == text_theirs.stdout
    assert "NEXTTOKEN" in text_ours.stdout


def test_repeated_next_token_stops_pagination(
    capture: CaptureServer, microvm: Callable[..., Result]
) -> None:
    capture.responder = lambda request: (200, {"items": [], "nextToken": "same"})
    result = microvm("list-microvm-images", "--endpoint-url", capture.url)
    assert result.code == 255
    assert "same next token" in result.stderr


# -- pager --------------------------------------------------------------------------------------


def test_pager_is_used_on_a_terminal(
    capture: CaptureServer, cli_env: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    paged = tmp_path / "paged.txt"
    script = tmp_path / "pager.py"
    script.write_text(
        f"import sys\nopen({str(paged)!r}, 'w').write(sys.stdin.read())\n", encoding="utf-8"
    )
    monkeypatch.setenv("AWS_PAGER", f"{sys.executable} {script}")
    for extra, expect_paged in (([], True), (["--no-cli-pager"], False)):
        stdout = Terminal()
        paged.unlink(missing_ok=True)
        code = run(
            ["list-tags", "--resource", IMAGE_ARN, "--endpoint-url", capture.url, *extra],
            stdout=stdout,
            stderr=io.StringIO(),
            environ=dict(os.environ),
        )
        assert code == 0
        if expect_paged:
            assert json.loads(paged.read_text("utf-8")) == {"Tags": {"team": "web", "env": "prod"}}
            assert stdout.getvalue() == ""
        else:
            assert not paged.exists()
            assert json.loads(stdout.getvalue())["Tags"]["team"] == "web"


def test_yaml_output_without_pyyaml_fails_before_sending(
    capture: CaptureServer, microvm: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)
    result = microvm(
        "list-tags", "--resource", IMAGE_ARN, "--endpoint-url", capture.url, "--output", "yaml"
    )
    assert result.code == 252
    assert "pip install 'microvm-sdk[yaml]'" in result.stderr
    assert capture.requests == []


def test_local_serve_runs_the_emulator(cli_env: Any, microvm: Callable[..., Result]) -> None:
    import signal
    import time

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**cli_env.env, "PYTHONPATH": os.pathsep.join(sys.path)}
    server = subprocess.Popen(
        [sys.executable, "-m", "microvm_sdk.cli", "local", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the emulator did not start"
                time.sleep(0.1)
        result = microvm(
            "list-managed-microvm-images",
            "--endpoint-url",
            f"http://127.0.0.1:{port}",
            "--query",
            "length(items)",
        )
        assert result.code == 0, result.stderr
        assert int(result.stdout) >= 1
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=30) == 0


def test_local_serve_help(
    microvm: Callable[..., Result], capsys: pytest.CaptureFixture[str]
) -> None:
    result = microvm("local", "serve", "--help")
    assert result.code == 0
    out = capsys.readouterr().out
    assert "--port" in out
    assert out.startswith("usage: microvm local serve ")


def test_local_serve_gets_its_own_options(monkeypatch: pytest.MonkeyPatch) -> None:
    import microvm_sdk.local.__main__ as local_main

    seen: list[tuple[list[str], str]] = []
    monkeypatch.setattr(local_main, "serve_main", lambda argv, prog: seen.append((argv, prog)) or 0)
    out = io.StringIO()
    code = run(
        ["--profile", "local", "local", "serve", "--profile", "fast", "--region", "eu-west-1"],
        stdout=out,
        stderr=io.StringIO(),
        environ={},
    )
    assert code == 0
    assert seen == [(["--profile", "fast", "--region", "eu-west-1"], "microvm local serve")]
