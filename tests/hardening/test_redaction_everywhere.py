"""No secret in any repr, log record or error message.

Every secret below carries the marker ``QXZJVK``, which nothing else prints, so a leak of
any of them is found by one search. The test covers:

- the ``repr``/``str`` of every public object of ``microvm_sdk``, ``microvm_sdk.config``
  and ``microvm_sdk.local`` built or used with secrets (a completeness check makes a new
  public class fail until it is listed here); the models' sensitive members are covered
  class by class in ``tests/model/test_models.py``;
- every error the SDK raises where a secret was given (bad proxies, credentials in an
  endpoint URL, half-given credentials, a proxy that refuses, a wrong secret key, a
  sensitive value that breaks a constraint), with the whole traceback, causes included;
- every log record written meanwhile, at DEBUG, by any library;
- what the emulator serves on its unauthenticated paths.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import re
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import microvm_sdk
import microvm_sdk.config
import microvm_sdk.local
from microvm_sdk import AsyncClient, Client, Config, errors, models
from microvm_sdk.config import HttpRequest, HttpResponse
from microvm_sdk.local import LocalServer

MARK = "QXZJVK"
SECRET_KEY = f"wJalrXUtnFEMI/{MARK}/bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = f"FwoGZXIvYXdz-{MARK}-session"
PROXY_PASSWORD = f"pr0xy-{MARK}-pass"
PROXY_TOKEN_USER = f"ghp{MARK}token"
ENV_VALUE = f"db-password-{MARK}"
ADMIN_TOKEN = f"admin-{MARK}-token"
HOOK_PAYLOAD = f"payload-{MARK}"
LEAK = re.compile(MARK)

BASE_ARN = "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1"
ROLE_ARN = "arn:aws:iam::000000000000:role/build"


def assert_clean(text: str) -> None:
    match = LEAK.search(text)
    assert match is None, text[max(0, match.start() - 120) : match.end() + 40]


def everything_about(exc: BaseException) -> str:
    return "\n".join([str(exc), repr(exc), *traceback.format_exception(exc)])


@pytest.fixture(autouse=True)
def _isolated_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.upper().startswith("AWS_") or name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))


@pytest.fixture(autouse=True)
def _every_log_record(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)  # the root logger: every library's debug output
    yield
    for record in caplog.records:
        assert_clean(record.getMessage())
        assert_clean(repr(record.args))
        if record.exc_info and record.exc_info[1] is not None:
            assert_clean(everything_about(record.exc_info[1]))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    with LocalServer(
        secret_key=SECRET_KEY, admin_token=ADMIN_TOKEN, state_file=tmp_path / "state.json"
    ) as running:
        yield running


def secret_options(server: LocalServer, **overrides: Any) -> dict[str, Any]:
    return {
        "endpoint_url": server.endpoint_url,
        "region_name": "us-east-1",
        "aws_access_key_id": server.access_key,
        "aws_secret_access_key": SECRET_KEY,
        "aws_session_token": SESSION_TOKEN,
        "config": Config(
            max_attempts=1,
            proxies={"http": f"http://user:{PROXY_PASSWORD}@proxy.invalid:3128"},
        ),
        **overrides,
    }


def secret_client(server: LocalServer, **overrides: Any) -> Client:
    return Client(**secret_options(server, **overrides))


def signed_request(server: LocalServer) -> HttpRequest:
    """A request as a transport sees it: signed with the session token, a secret body."""
    from botocore.credentials import ReadOnlyCredentials

    from microvm_sdk._core.signing import SigV4Signer

    body = json.dumps({"environmentVariables": {"DB_PASSWORD": ENV_VALUE}}).encode()
    request = HttpRequest("POST", f"{server.endpoint_url}/2025-09-09/microvm-images", {}, body)
    credentials = ReadOnlyCredentials(server.access_key, SECRET_KEY, SESSION_TOKEN)
    SigV4Signer("lambda").sign(request, region="us-east-1", credentials=credentials)
    assert request.headers["X-Amz-Security-Token"] == SESSION_TOKEN
    return request


# -- every public object ------------------------------------------------------------------

PUBLIC_MODULES = (microvm_sdk, microvm_sdk.config, microvm_sdk.local)

#: Public classes that are given no secret and hold none, with the reason.
HOLDS_NO_SECRET = {
    "BackendProtocol": "a typing Protocol, never instantiated",
    "BehaviourConfig": "behaviour switches (booleans and numbers)",
    "BuildRule": "a build outcome rule: a name pattern and an outcome",
    "FaultDecision": "what a fault rule decided: an error, a delay, a drop",
    "RequestContext": "region, account, request id and the access key id (not secret)",
    "Timing": "durations",
    "VirtualClock": "a clock",
    "EmulatedError": "a service error the backend raises; covered by the error flows",
    "StateFileError": "names a file; covered by the durability tests",
    "Transport": "a typing Protocol, never instantiated",
    "AsyncTransport": "a typing Protocol, never instantiated",
    "Credentials": "a TypedDict of the emulator's own keys, which are not secrets",
    "ClientKwargs": "a TypedDict of the emulator's own keys and endpoint, not secrets",
}


def public_classes() -> dict[str, type]:
    found: dict[str, type] = {}
    for module in PUBLIC_MODULES:
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            if inspect.isclass(value) and not issubclass(value, BaseException | type):
                found[name] = value
    return found


def objects_with_secrets(server: LocalServer) -> dict[str, list[Any]]:
    """Every public class, instantiated or used with secrets."""
    client = secret_client(server, config=None)
    with client:
        created = client.create_microvm_image(
            name="secret-app",
            base_image_arn=BASE_ARN,
            build_role_arn=ROLE_ARN,
            code_artifact=models.CodeArtifactUri(value="s3://bucket/code.zip"),
            environment_variables={"DB_PASSWORD": ENV_VALUE},
            hooks=models.Hooks(
                port=8081,
                microvm_hooks=models.MicrovmHooks(run=models.HookState.ENABLED),
                microvm_image_hooks=models.MicrovmImageHooks(ready=models.HookState.ENABLED),
            ),
        )
        client.wait_until_created(
            image_identifier=created.image_arn, min_delay=0.01, max_delay=0.05, timeout=30
        )
        microvm = client.run_microvm(
            image_identifier=created.image_arn, run_hook_payload=HOOK_PAYLOAD
        )
        token = client.create_microvm_auth_token(
            microvm_identifier=microvm.microvm_id,
            expiration_in_minutes=5,
            allowed_ports=[models.PortSpecificationPort(value=8080)],
        )
        server.faults.throttle("ListMicrovms", count=1)
        return {
            "Client": [client, secret_client(server)],
            "AsyncClient": [AsyncClient(**secret_options(server))],
            "HttpRequest": [signed_request(server)],
            "HttpResponse": [
                HttpResponse(
                    status=201,
                    headers={"x-amzn-requestid": "r"},
                    body=json.dumps({"authToken": token.auth_token}).encode(),
                )
            ],
            "Config": [Config(proxies={"https": f"http://user:{PROXY_PASSWORD}@proxy:3128"})],
            "LocalServer": [server],
            "Backend": [server.backend],
            "FaultInjector": [server.faults],
            "FaultRule": list(server.faults.rules),
            "results": [created, microvm, token],
        }


def test_every_public_class_is_covered() -> None:
    listed = set(HOLDS_NO_SECRET) | {"Client", "AsyncClient", "Config", "LocalServer", "Backend"}
    listed |= {"HttpRequest", "HttpResponse"}
    listed |= {"FaultInjector", "FaultRule"}
    assert set(public_classes()) <= listed, set(public_classes()) - listed


def test_no_secret_in_any_repr_or_str(server: LocalServer) -> None:
    objects = objects_with_secrets(server)
    assert objects["results"][2].auth_token is not None  # the token really came back
    for name, instances in objects.items():
        for instance in instances:
            assert_clean(repr(instance))
            assert_clean(str(instance))
            if name == "Client":
                # After a call the client holds its runtime (signer, transport, credentials).
                assert_clean(repr(vars(instance)))


# -- every error message ----------------------------------------------------------------------


def _bad_proxy_type() -> None:
    Config(proxies={"https": 12, "http": f"http://u:{PROXY_PASSWORD}@h:1"})  # type: ignore[dict-item]


def _bad_proxy_key() -> None:
    Config(proxies={3: f"http://u:{PROXY_PASSWORD}@h:1"})  # type: ignore[dict-item]


def _proxy_scheme(scheme: str) -> Callable[[LocalServer], None]:
    def call(server: LocalServer) -> None:
        config = Config(max_attempts=1, proxies={"https": f"{scheme}://u:{PROXY_PASSWORD}@h:1"})
        with Client(region_name="us-east-1", config=config) as client:
            client.list_microvms()

    return call


def _refusing_proxy(server: LocalServer) -> None:
    proxy = f"http://user:{PROXY_PASSWORD}@127.0.0.1:9"
    config = Config(max_attempts=1, connect_timeout=5, proxies={"http": proxy, "https": proxy})
    with secret_client(server, config=config) as client:
        client.list_microvms()


def _credentials_in_endpoint(server: LocalServer) -> None:
    Client(
        region_name="us-east-1",
        endpoint_url=f"http://user:{PROXY_PASSWORD}@127.0.0.1:{server.port}",
    )


def _secret_without_key_id(server: LocalServer) -> None:
    Client(region_name="us-east-1", aws_secret_access_key=SECRET_KEY)


def _token_without_keys(server: LocalServer) -> None:
    Client(region_name="us-east-1", aws_session_token=SESSION_TOKEN)


def _wrong_secret(server: LocalServer) -> None:
    with secret_client(
        server, aws_secret_access_key=f"not-{SECRET_KEY}", config=Config(max_attempts=1)
    ) as client:
        client.list_microvms()


def _sensitive_value_too_long(server: LocalServer) -> None:
    with secret_client(server, config=Config(max_attempts=1)) as client:
        client.create_microvm_image(
            name="app",
            base_image_arn=BASE_ARN,
            build_role_arn=ROLE_ARN,
            code_artifact=models.CodeArtifactUri(value="s3://bucket/code.zip"),
            environment_variables={"KEY": ENV_VALUE * 400},
        )


def _server_refuses_a_sensitive_value(server: LocalServer) -> None:
    body = {
        "name": "app",
        "baseImageArn": BASE_ARN,
        "buildRoleArn": ROLE_ARN,
        "codeArtifact": {"uri": "s3://bucket/code.zip"},
        "environmentVariables": {"KEY": ENV_VALUE * 400},
    }
    with secret_client(server, config=Config(max_attempts=1)) as client:
        client.call_wire("CreateMicrovmImage", {**body, "environmentVariables": {"K": 5}})


FLOWS: dict[str, Callable[[LocalServer], None]] = {
    "proxy-not-a-string": lambda server: _bad_proxy_type(),
    "proxy-key-not-a-string": lambda server: _bad_proxy_key(),
    "https-proxy-url": _proxy_scheme("https"),
    "socks-proxy-url": _proxy_scheme("socks5"),
    "broken-proxy-url": _proxy_scheme("http["),
    "proxy-refuses": _refusing_proxy,
    "credentials-in-endpoint-url": _credentials_in_endpoint,
    "secret-without-key-id": _secret_without_key_id,
    "token-without-keys": _token_without_keys,
    "wrong-secret-key": _wrong_secret,
    "sensitive-value-breaks-a-constraint": _sensitive_value_too_long,
    "sensitive-value-of-the-wrong-type": _server_refuses_a_sensitive_value,
}


@pytest.mark.parametrize("flow", sorted(FLOWS))
def test_no_secret_in_any_error(server: LocalServer, flow: str) -> None:
    with pytest.raises(errors.MicrovmError) as caught:
        FLOWS[flow](server)
    assert_clean(everything_about(caught.value))


def test_a_token_as_proxy_user_name_is_hidden_in_transport_errors(server: LocalServer) -> None:
    config = Config(max_attempts=1, proxies={"https": f"https://{PROXY_TOKEN_USER}@h:1"})
    with pytest.raises(errors.ConfigurationError) as caught:  # noqa: SIM117
        with Client(region_name="us-east-1", config=config) as client:
            client.list_microvms()
    assert_clean(everything_about(caught.value))


# -- the emulator's unauthenticated paths ------------------------------------------------------


def test_nothing_secret_on_paths_without_authentication(server: LocalServer) -> None:
    import http.client

    objects_with_secrets(server)
    for path in (
        "/_microvm_local/state",
        "/_microvm_local/health",
        "/_microvm_local/faults",
        "/_microvm_local/clock",
    ):
        # Without the token every admin path is refused (a token was given), and even
        # the refusal must not show anything secret; unsigned service calls likewise.
        connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
        connection.request("GET", path)
        response = connection.getresponse()
        assert response.status == 401
        assert_clean(response.read().decode())
        connection.close()
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        connection.request("GET", "/2025-09-09/microvm-images")
        response = connection.getresponse()
        assert response.status == 403
        assert_clean(response.read().decode())
        assert_clean(json.dumps(dict(response.getheaders())))
    finally:
        connection.close()
