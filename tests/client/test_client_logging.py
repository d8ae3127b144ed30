"""Debug logging: one line per attempt, and no secret ever in a log record."""

from __future__ import annotations

import logging
import re

import pytest
from client_cases import CASES_BY_NAME, IMAGE_ARN, SENSITIVE_VALUES, VM_ID, typed_kwargs
from replay_server import ClientFactory, ReplayServer, Reply

from microvm_sdk import errors
from microvm_sdk._schema import SCHEMA

SECRET_KEY = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLE-session-token-c0ffee"
ATTEMPT_LINE = re.compile(
    r"^(?P<op>[A-Za-z]+) attempt (?P<n>\d+): (?P<status>\w+) in (?P<ms>\d+\.\d) ms$"
)


def attempt_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.name == "microvm_sdk" and ATTEMPT_LINE.match(r.getMessage())
    ]


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every logged message, its arguments and extra attributes, as one text."""
    parts = [caplog.text]
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        parts.append(repr(vars(record)))
    return "\n".join(parts)


def test_one_debug_line_per_attempt(
    make_client: ClientFactory, server: ReplayServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="microvm_sdk")
    client = make_client()
    server.script(
        Reply.drop(),  # on the first, fresh connection (a reused one is resent once)
        Reply.error(500, "InternalServerException"),
        Reply.json(200, CASES_BY_NAME["GetMicrovmImage"].body),
    )
    client.get_microvm_image(image_identifier=IMAGE_ARN)
    records = attempt_records(caplog)
    assert len(records) == 3
    parsed = [ATTEMPT_LINE.match(r.getMessage()) for r in records]
    assert [m["op"] for m in parsed if m] == ["GetMicrovmImage"] * 3
    assert [m["n"] for m in parsed if m] == ["1", "2", "3"]
    assert [m["status"] for m in parsed if m] == ["ConnectionError", "500", "200"]
    for record in records:
        assert record.levelno == logging.DEBUG
        assert record.operation == "GetMicrovmImage"  # type: ignore[attr-defined]
        assert float(record.getMessage().split(" in ")[1].split()[0]) >= 0
    assert [r.attempt for r in records] == [1, 2, 3]  # type: ignore[attr-defined]
    assert [r.status for r in records] == ["ConnectionError", 500, 200]  # type: ignore[attr-defined]


def test_nothing_is_logged_above_debug_for_a_normal_call(
    client: object, server: ReplayServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="microvm_sdk")
    server.script(Reply.json(200, CASES_BY_NAME["GetMicrovmImage"].body))
    client.get_microvm_image(image_identifier=IMAGE_ARN)  # type: ignore[attr-defined]
    assert [r for r in caplog.records if r.name.startswith("microvm_sdk")] == []


def _exercise_sensitive_calls(make_client: ClientFactory, server: ReplayServer) -> list[str]:
    """Send and receive every sensitive member; return the Authorization headers sent."""
    client = make_client(aws_secret_access_key=SECRET_KEY, aws_session_token=SESSION_TOKEN)
    for name, status in (
        ("CreateMicrovmImage", 201),
        ("UpdateMicrovmImage", 200),
        ("RunMicrovm", 200),
        ("CreateMicrovmAuthToken", 200),
        ("CreateMicrovmShellAuthToken", 200),
        ("GetMicrovmImageVersion", 200),
    ):
        case = CASES_BY_NAME[name]
        # One failed attempt first, so retry lines are logged too.
        server.script(Reply.error(500, "InternalServerException"), Reply.json(status, case.body))
        method = getattr(client, SCHEMA.operations[name].python_name)
        method(**typed_kwargs(case))
    # And an error path.
    server.script(Reply.error(400, "ValidationException", {"message": "bad"}))
    with pytest.raises(errors.ValidationException):
        client.get_microvm(microvm_identifier=VM_ID)
    return [r.headers["authorization"] for r in server.requests]


def _assert_no_secrets(text: str, authorizations: list[str]) -> None:
    assert SECRET_KEY not in text
    assert SESSION_TOKEN not in text
    for value in SENSITIVE_VALUES:
        assert value not in text, value
    for authorization in authorizations:
        signature = authorization.rsplit("Signature=", 1)[1]
        assert signature not in text
        assert authorization not in text


def test_no_secrets_in_sdk_debug_logs(
    make_client: ClientFactory, server: ReplayServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="microvm_sdk")
    authorizations = _exercise_sensitive_calls(make_client, server)
    assert len(attempt_records(caplog)) == 13  # 6 calls x 2 attempts + 1
    assert len(authorizations) == 13
    _assert_no_secrets(everything_logged(caplog), authorizations)


def test_no_secrets_in_any_debug_logs(
    make_client: ClientFactory, server: ReplayServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: every library's debug output
    authorizations = _exercise_sensitive_calls(make_client, server)
    _assert_no_secrets(everything_logged(caplog), authorizations)
