"""The two clients every conformance scenario runs through, behind one ``call`` method.

- :class:`Boto3Api`: boto3, with botocore's serializer and parser. Client-side
  parameter validation is off, so the server's validation is what answers. The raw
  bytes of every answer are captured from botocore's ``after-call`` event, so members
  sent as ``null`` can be told from members left out (boto3 drops both), and each
  success is checked to parse into exactly the modeled members that had a value.
- :class:`HttpApi`: a request built here from the model (URI labels with raw colons,
  query strings, JSON body), signed with botocore's ``SigV4Auth`` and sent with
  ``http.client``. It shares no serializer with boto3 or with this SDK.

Both answer a :class:`Reply`. Scenarios pass the model's member names, which are
boto3's parameter names too.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from microvm_sdk.local import LocalServer

MODEL = json.loads(
    (
        Path(__file__).resolve().parents[2]
        / "service-model/lambda-microvms/2025-09-09/service-2.json"
    ).read_text()
)


@dataclass
class Reply:
    """One answer, as either client saw it.

    Attributes:
        status: The HTTP status.
        error: The error type (``X-Amzn-ErrorType``), ``None`` on success.
        message: The error message, ``None`` on success.
        body: The JSON body exactly as sent (``None`` when empty), nulls included.
        headers: The response headers, names in lower case.
    """

    status: int
    error: str | None
    message: str | None
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return self.error is None


class Api(Protocol):
    """What a scenario calls: ``api.call("GetMicrovm", microvmIdentifier=...)``."""

    name: str

    def call(self, operation: str, **params: Any) -> Reply: ...


def _json_or_none(raw: bytes) -> Any:
    return json.loads(raw) if raw else None


class Boto3Api:
    """Calls through a boto3 client pointed at ``server``."""

    name = "boto3"

    def __init__(
        self, server: LocalServer, *, secret_key: str | None = None, access_key: str | None = None
    ) -> None:
        self._client = boto3.client(
            "lambda-microvms",
            endpoint_url=server.endpoint_url,
            region_name=server.region,
            aws_access_key_id=access_key or server.access_key,
            aws_secret_access_key=secret_key or server.secret_key,
            config=Config(
                retries={"total_max_attempts": 1, "mode": "standard"},
                parameter_validation=False,
                connect_timeout=5,
                read_timeout=15,
            ),
        )
        self._methods = {
            api: method for method, api in self._client.meta.method_to_api_mapping.items()
        }
        self._last: dict[str, Any] = {}
        self._client.meta.events.register("after-call", self._capture)

    def _capture(self, http_response: Any, parsed: Any, model: Any, **_: Any) -> None:
        self._last = {"http": http_response, "parsed": parsed, "model": model}

    def call(self, operation: str, **params: Any) -> Reply:
        self._last = {}
        method = getattr(self._client, self._methods[operation])
        try:
            method(**params)
        except ClientError as failure:
            response: Any = failure.response
            raw = self._last["http"]
            return Reply(
                status=response["ResponseMetadata"]["HTTPStatusCode"],
                error=response["Error"]["Code"],
                message=response["Error"].get("Message"),
                body=_json_or_none(raw.content),
                headers={k.lower(): v for k, v in raw.headers.items()},
            )
        raw, parsed, model = self._last["http"], self._last["parsed"], self._last["model"]
        body = _json_or_none(raw.content)
        _check_parsed(operation, body, parsed, model)
        return Reply(
            status=raw.status_code,
            error=None,
            message=None,
            body=body,
            headers={k.lower(): v for k, v in raw.headers.items()},
        )

    def close(self) -> None:
        self._client.close()


def _check_parsed(operation: str, body: Any, parsed: Mapping[str, Any], model: Any) -> None:
    """boto3 took in the live shape: every modeled member with a value, nothing else."""
    output = model.output_shape
    if output is None or not isinstance(body, dict):
        return
    wire = {member.serialization.get("name", name): name for name, member in output.members.items()}
    expected = {wire[key] for key, value in body.items() if key in wire and value is not None}
    got = set(parsed) - {"ResponseMetadata"}
    assert got == expected, f"{operation}: boto3 parsed {sorted(got)}, sent {sorted(expected)}"


class HttpApi:
    """Calls with requests built from the model and signed with botocore's SigV4Auth."""

    name = "http"

    def __init__(
        self, server: LocalServer, *, secret_key: str | None = None, access_key: str | None = None
    ) -> None:
        self._server = server
        self._credentials = Credentials(
            access_key or server.access_key, secret_key or server.secret_key
        )

    def call(self, operation: str, **params: Any) -> Reply:
        spec = MODEL["operations"][operation]
        members = MODEL["shapes"][spec["input"]["shape"]]["members"] if "input" in spec else {}
        path = spec["http"]["requestUri"]
        query: list[tuple[str, str]] = []
        body: dict[str, Any] = {}
        for name, value in params.items():
            member = members[name]
            location = member.get("location")
            wire = member.get("locationName", name)
            if location == "uri":
                # Raw colons, as the live service was recorded to accept them.
                label = urllib.parse.quote(str(value), safe=":")
                path = path.replace("{" + wire + "}", label)
            elif location == "querystring":
                values = value if isinstance(value, list) else [value]
                query.extend((wire, str(item)) for item in values)
            else:
                body[wire] = value
        return self.send(spec["http"]["method"], path, query=query, body=body or None)

    def send(
        self,
        method: str,
        path: str,
        *,
        query: list[tuple[str, str]] | None = None,
        body: Any = None,
    ) -> Reply:
        """Send one signed request (``body`` as JSON, or bytes as they are)."""
        if body is None:
            data = b""
        elif isinstance(body, bytes):
            data = body
        else:
            data = json.dumps(body).encode()
        target = path
        if query:
            target += "?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
        server = self._server
        request = AWSRequest(
            method=method,
            url=server.endpoint_url + target,
            data=data,
            headers={"Content-Type": "application/json"},
        )
        SigV4Auth(self._credentials, "lambda", server.region).add_auth(request)
        connection = http.client.HTTPConnection(server.host, server.port, timeout=15)
        try:
            connection.request(method, target, body=data, headers=dict(request.headers.items()))
            response = connection.getresponse()
            raw = response.read()
            headers = {k.lower(): v for k, v in response.getheaders()}
        finally:
            connection.close()
        parsed = _json_or_none(raw)
        error_type = headers.get("x-amzn-errortype")
        if error_type is None:
            return Reply(response.status, None, None, parsed, headers)
        error = error_type.split(":")[0]
        message = None
        if isinstance(parsed, dict):
            message = parsed.get("message", parsed.get("Message"))
        return Reply(response.status, error, message, parsed, headers)

    def close(self) -> None:
        """Nothing to release: every call uses its own connection."""
