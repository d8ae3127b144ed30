"""Input that cannot be parsed is never echoed when it may hold sensitive values.

The AWS CLI repeats malformed JSON and shorthand in its error message. For an option
whose value may contain a sensitive member (``--environment-variables``) and for the
input document of a command that takes one (``--cli-input-json``/``--cli-input-yaml`` of
``create-microvm-image``), the message points at the error (line, column, a caret
under a masked copy of the line) without repeating any value.

The secrets below are drawn from an alphabet (``QXZJVK``) that no message of the CLI
uses, so *any* run of three of its letters in the output is a leak, even of a piece of
a secret that the malformation cut in two.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from cli_capture import BASE_ARN, ROLE_ARN, CaptureServer, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
SECRET_ALPHABET = "QXZJVK"
LEAK = re.compile(f"[{SECRET_ALPHABET}]{{3,}}")
SECRETS = st.text(SECRET_ALPHABET, min_size=6, max_size=24)
KEYS = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
ENVIRONMENTS = st.dictionaries(KEYS, SECRETS, min_size=1, max_size=4)
FIXTURES_OK = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

Run = Callable[..., Result]


def run_parse_error(microvm: Run, capture: CaptureServer, *args: str) -> Result:
    sent = len(capture.requests)
    result = microvm(*args, "--endpoint-url", capture.url, "--region", "us-east-1")
    assert result.code == 252, result
    assert "Error parsing parameter" in result.stderr, result.stderr
    assert len(capture.requests) == sent
    return result


def assert_no_leak(result: Result) -> None:
    for stream in (result.stdout, result.stderr):
        assert LEAK.search(stream) is None, stream


def cut_inside_a_secret(text: str, secrets: dict[str, str], data: st.DataObject) -> str:
    """Cut ``text`` somewhere after the start of its first secret: never valid JSON."""
    first = min(text.index(value) for value in secrets.values())
    return text[: data.draw(st.integers(first, len(text) - 1), label="cut")]


@FIXTURES_OK
@given(env=ENVIRONMENTS, data=st.data())
def test_malformed_json_for_a_sensitive_option(
    microvm: Run, capture: CaptureServer, env: dict[str, str], data: st.DataObject
) -> None:
    text = cut_inside_a_secret(json.dumps(env), env, data)
    result = run_parse_error(microvm, capture, *CREATE, "--environment-variables", text)
    assert_no_leak(result)
    assert "values hidden" in result.stderr and "^" in result.stderr


BREAKERS = st.sampled_from(["{", "[", "'", '"', "={", ",{", "=[a", "}", "@", "=''x"])


@FIXTURES_OK
@given(env=ENVIRONMENTS, breaker=BREAKERS, data=st.data())
def test_malformed_shorthand_for_a_sensitive_option(
    microvm: Run,
    capture: CaptureServer,
    env: dict[str, str],
    breaker: str,
    data: st.DataObject,
) -> None:
    pairs = [f"{key}={value}" for key, value in env.items()]
    # Open a quote or a bracket inside one value and never close it.
    index = data.draw(st.integers(0, len(pairs) - 1), label="pair")
    key, _, value = pairs[index].partition("=")
    split = data.draw(st.integers(0, len(value)), label="split")
    pairs[index] = f"{key}={value[:split]}{breaker}{value[split:]}"
    text = ",".join(pairs)
    # Some of these are still valid shorthand ("a=QX{ZJ" is a value with a brace): those
    # are sent, and the output must not show the values either.
    result = microvm(*CREATE, "--environment-variables", text, "--endpoint-url", capture.url)
    assert_no_leak(result)


@FIXTURES_OK
@given(env=ENVIRONMENTS, data=st.data())
def test_malformed_cli_input_json(
    microvm: Run, capture: CaptureServer, env: dict[str, str], data: st.DataObject
) -> None:
    document: dict[str, Any] = {"name": "my-app", "environmentVariables": env}
    text = cut_inside_a_secret(json.dumps(document, indent=2), env, data)
    result = run_parse_error(microvm, capture, *CREATE, "--cli-input-json", text)
    assert_no_leak(result)
    assert re.search(r"line \d+ column \d+", result.stderr)


YAML_BREAKERS = st.sampled_from(['"', "'", "[", "{", "\n  - x", ": :", "\t", "*x", "&"])


@FIXTURES_OK
@given(env=ENVIRONMENTS, breaker=YAML_BREAKERS, data=st.data())
def test_malformed_cli_input_yaml(
    microvm: Run,
    capture: CaptureServer,
    env: dict[str, str],
    breaker: str,
    data: st.DataObject,
) -> None:
    document: dict[str, Any] = {"name": "my-app", "environmentVariables": env}
    text = yaml.safe_dump(document, default_flow_style=False)
    secret = data.draw(st.sampled_from(sorted(env.values())), label="secret")
    at = text.index(secret) + data.draw(st.integers(0, len(secret)), label="at")
    broken = text[:at] + breaker + text[at:]
    try:
        yaml.safe_load(broken)
    except yaml.YAMLError:
        pass
    else:
        return  # still valid YAML: not a parse error (validation hides values itself)
    result = run_parse_error(microvm, capture, *CREATE, "--cli-input-yaml", broken)
    assert_no_leak(result)


def test_options_without_sensitive_values_still_echo_like_the_aws_cli(
    microvm: Run, capture: CaptureServer
) -> None:
    result = run_parse_error(microvm, capture, *CREATE, "--hooks", '{"port": QXZ')
    assert 'JSON received: {"port": QXZ' in result.stderr
    result = run_parse_error(microvm, capture, *CREATE, "--tags", "a='QXZ")
    assert "a='QXZ\n" in result.stderr


def test_the_reported_examples(microvm: Run, capture: CaptureServer) -> None:
    secret = "QXZJVKQXZJVK"
    for args in (
        [*CREATE, "--environment-variables", f'{{"API_KEY": "{secret}"'],
        [*CREATE, "--environment-variables", f"API_KEY='{secret}"],
        [*CREATE, "--environment-variables", f"API_KEY={secret},{{"],
        [*CREATE, "--cli-input-json", f'{{"environmentVariables": {{"API_KEY": "{secret}"}}'],
    ):
        result = run_parse_error(microvm, capture, *args)
        assert secret not in result.stderr
        assert_no_leak(result)


@pytest.mark.parametrize("option", ["--cli-read-timeout", "--cli-connect-timeout"])
def test_timeouts_beyond_a_year_are_a_usage_error(
    microvm: Run, capture: CaptureServer, option: str
) -> None:
    result = microvm(
        "list-microvms",
        option,
        "99999999999",
        "--endpoint-url",
        capture.url,
        "--region",
        "us-east-1",
    )
    assert result.code == 252, result
    assert f"argument {option}: at most 31536000 seconds (0: no limit)" in result.stderr
    assert capture.requests == []


def test_a_huge_value_is_cut_to_a_window_around_the_error(
    microvm: Run, capture: CaptureServer
) -> None:
    text = '{"a": "' + "Q" * 200_000 + '", "b": }'
    result = run_parse_error(microvm, capture, *CREATE, "--environment-variables", text)
    assert_no_leak(result)
    assert len(result.stderr) < 1000
    masked, caret = result.stderr.splitlines()[-2:]
    assert masked.startswith("...") and caret.index("^") == masked.index("}")
