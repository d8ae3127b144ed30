"""Clients generated for three other AWS services agree with botocore, request and response.

The generator writes a typed package for each service below from botocore's own data
folder (``botocore/data/<service>/<version>``, ``.json.gz`` files as botocore ships
them), through the public interface (``generate(..., package=..., overrides=...)``,
formatted as ``python -m microvm_sdk_codegen`` does). Then, for every operation and
Hypothesis-drawn values:

- the request ``RestJsonProtocol.serialize`` builds for a drawn input equals botocore's
  ``RestJSONSerializer`` output (with botocore's parameter validation on): method, host
  (host prefixes), path, query string, headers and body;
- the output ``RestJsonProtocol.parse`` reads from a drawn response (status code,
  headers and body, or a payload) equals botocore's ``RestJSONParser`` result.

The services were chosen for the constructs they use: ``lambda`` (header members in and
out, ``statusCode``, blob and structure payloads, literal query strings, query
timestamps; two streaming operations excluded), ``dataexchange`` (a host prefix, prefix
headers in and out, string payloads, a query map, ``locationName`` and ISO 8601
timestamps in bodies), ``bedrock-runtime`` (documents, unions, floats, structure and blob
payloads; three event-stream operations excluded).

Where botocore is knowingly not followed (docs/codegen.md, "Where we differ from
botocore"), the draws avoid the difference or the comparison undoes it, each place
marked in the code: an empty blob or string payload reads as unset, a named query member
wins over a query-map entry, lists of quoted strings and of http-dates in response
headers. botocore returns a non-streaming blob payload as text, so payload blobs are
drawn as UTF-8.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import string
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import botocore
import botocore.session
import pytest
from botocore.awsrequest import HeadersDict, prepare_request_dict
from botocore.model import ServiceModel
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from generated import Package, generate_package
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from schema_values import json_bytes, normalize, strings

from microvm_sdk._core import text_values
from microvm_sdk._core.http import HttpResponse
from microvm_sdk._core.schema import Member, Operation

BOTOCORE_DATA = Path(botocore.__file__).parent / "data"
ENDPOINT = "https://service.us-east-1.amazonaws.com"
SERVICES: dict[str, tuple[str, dict[str, str]]] = {
    "lambda": (
        "2015-03-31",
        {
            "InvokeAsync": "streaming request payloads are not implemented",
            "InvokeWithResponseStream": "event streams are not implemented",
        },
    ),
    "dataexchange": ("2017-07-25", {}),
    "bedrock-runtime": (
        "2023-09-30",
        {
            "ConverseStream": "event streams are not implemented",
            "InvokeModelWithBidirectionalStream": "event streams are not implemented",
            "InvokeModelWithResponseStream": "event streams are not implemented",
        },
    ),
}
# Per operation and direction (about 140 operations): a quarter of the profile's count,
# so 15 by default, 25 in CI and 250 when exploring.
EXAMPLES = max(10, settings().max_examples // 4)
SERIALIZER = create_serializer("rest-json", include_validation=True)
PARSER = create_parser("rest-json")
#: Header text both parsers read alike: printable ASCII, no list separators or quotes.
HEADER_CHARS = st.sampled_from(string.ascii_letters + string.digits + "-_./:;=+ ")
SETTINGS = settings(
    max_examples=EXAMPLES,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


@functools.cache
def botocore_model(service: str) -> ServiceModel:
    version = SERVICES[service][0]
    return botocore.session.get_session().get_service_model(service, api_version=version)


def _operations(*, with_output: bool = False) -> list[Any]:
    return [
        pytest.param(service, name, id=f"{service}:{name}")
        for service, (_, excluded) in SERVICES.items()
        for name in botocore_model(service).operation_names
        if name not in excluded
        and not (with_output and botocore_model(service).operation_model(name).output_shape is None)
    ]


class Packages:
    """The generated package of each service, generated once, on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._packages: dict[str, Package] = {}

    def __call__(self, service: str) -> Package:
        if service not in self._packages:
            version, excluded = SERVICES[service]
            overrides = self.root / f"{service}-overrides.json"
            exclusions = {name: {"reason": reason} for name, reason in excluded.items()}
            overrides.write_text(json.dumps({"exclude_operations": exclusions}))
            name = "generated_" + service.replace("-", "_")
            model_dir = BOTOCORE_DATA / service / version
            self._packages[service] = generate_package(
                model_dir, self.root, name, overrides=overrides
            )
        return self._packages[service]


@pytest.fixture(scope="session")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Packages:
    return Packages(tmp_path_factory.mktemp("services"))


def test_the_packages_generate_and_name_what_they_leave_out(
    packages: Packages,
) -> None:
    for service, (_, excluded) in SERVICES.items():
        package = packages(service)
        model = botocore_model(service)
        assert set(package.schema.operations) == set(model.operation_names) - set(excluded)
        schema_module = __import__(package.name + "._schema", fromlist=["_"])
        assert getattr(schema_module, "EXCLUDED_OPERATIONS", {}) == excluded
        for name in excluded:
            assert f"``{name}``: {excluded[name]}" in (package.module.__doc__ or "")
        env_name = model.service_id.upper().replace(" ", "_").replace("-", "_")
        assert env_name == package.client_module.Client.SERVICE_ENV_NAME


# -- requests ---------------------------------------------------------------------------


def _query(query: str) -> dict[str, list[str]]:
    """Raw ``key=value`` tokens by key, in order (encoding compared exactly)."""
    tokens: dict[str, list[str]] = defaultdict(list)
    for token in query.split("&") if query else ():
        tokens[token.split("=", 1)[0]].append(token)
    return dict(tokens)


def _body(body: bytes) -> Any:
    try:
        return normalize(json.loads(body))
    except ValueError:
        return body


def _view(method: str, url: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    parts = urlsplit(url)
    return {
        "method": method,
        "host": parts.netloc,
        "path": parts.path,
        "query": _query(parts.query),
        "headers": headers,
        "body": _body(body),
    }


def _named_query_keys(package: Package, operation: Operation, params: Any) -> set[str]:
    shape = package.schema.shapes[operation.input or ""]
    return {
        m.wire_name
        for m in shape.members
        if m.location == "querystring"
        and package.schema.shapes[m.target].kind != "map"
        and getattr(params, m.name) is not None
    }


def _query_map_keys(package: Package, operation: Operation, params: Any) -> set[str]:
    shape = package.schema.shapes[operation.input or ""]
    keys: set[str] = set()
    for m in shape.members:
        if m.location == "querystring" and package.schema.shapes[m.target].kind == "map":
            keys |= set(getattr(params, m.name) or ())
    return keys


@pytest.mark.parametrize(("service", "operation_name"), _operations())
@SETTINGS
@given(data=st.data())
def test_request_equals_botocore(
    packages: Packages,
    service: str,
    operation_name: str,
    data: st.DataObject,
) -> None:
    package = packages(service)
    operation = package.schema.operations[operation_name]
    params: Any = None
    model_params: dict[str, Any] = {}
    if operation.input:
        params = data.draw(package.values.objects(operation.input), label="input")
        model_params = package.values.to_model_dict(params, operation.input)
        # A named query member wins over a map entry with its name; botocore lets the map win.
        assume(
            not _named_query_keys(package, operation, params)
            & _query_map_keys(package, operation, params)
        )

    request = package.protocol.serialize(operation, params, ENDPOINT)
    ours_headers = dict(request.headers)
    if operation.checksum_required:  # botocore adds its checksum outside the serializer
        md5 = ours_headers.pop("Content-MD5")
        assert md5 == base64.b64encode(hashlib.md5(request.body).digest()).decode()
    ours = _view(request.method, request.url, ours_headers, request.body)

    op_model = botocore_model(service).operation_model(operation_name)
    theirs_request = SERIALIZER.serialize_to_request(model_params, op_model)
    prepare_request_dict(theirs_request, endpoint_url=ENDPOINT)
    theirs = _view(
        theirs_request["method"],
        theirs_request["url"],
        dict(theirs_request["headers"]),
        theirs_request["body"],
    )
    assert ours == theirs


# -- responses --------------------------------------------------------------------------


def _header_text(package: Package, member: Member) -> st.SearchStrategy[str] | None:
    """Text of a response header member, in a form both parsers read alike (``None``:
    a member this comparison leaves out)."""
    schema = package.schema
    target = schema.shapes[member.target]
    item = schema.shapes[target.member or ""] if target.kind == "list" else target
    if target.kind == "list" and item.kind == "timestamp":
        return None  # botocore splits http-date lists on every comma
    if item.kind == "string" and not item.enum:
        text = strings(item, HEADER_CHARS).map(str.strip)
        values = st.lists(text, min_size=1, max_size=3) if target.kind == "list" else text
    else:
        values = package.values.objects(member.target)
    encode = text_values.header_encoder(schema, member)
    return values.map(encode).filter(lambda text: text == text.strip())


def _prefix_headers(member: Member) -> st.SearchStrategy[dict[str, str]]:
    names = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)
    values = st.text(HEADER_CHARS, max_size=10).map(str.strip)
    prefix = member.wire_name.lower()
    return st.dictionaries(names.map(lambda n: prefix + n), values, max_size=3)


def _response(package: Package, operation: Operation) -> st.SearchStrategy[Any]:
    """``(status, headers, body)`` of a success response of ``operation``."""
    shape = package.schema.shapes[operation.output or ""]
    statuses = [operation.success_code]
    if any(m.location == "statusCode" for m in shape.members):
        statuses += [200, 201, 202, 206]
    headers: dict[str, st.SearchStrategy[str]] = {}
    required: dict[str, st.SearchStrategy[str]] = {}
    prefixes = []
    for member in shape.members:
        if member.location == "header":
            text = _header_text(package, member)
            if text is not None:
                (required if member.required else headers)[member.wire_name.lower()] = text
        elif member.location == "headers":
            prefixes.append(_prefix_headers(member))
    payload = next((m for m in shape.members if m.name == shape.payload), None)
    body: st.SearchStrategy[bytes]
    if payload is None:
        body = package.values.wire(shape.name).map(json_bytes)
    else:
        kind = package.schema.shapes[payload.target].kind
        if kind in ("blob", "string"):  # botocore hands these back as text
            body = st.text(max_size=20).map(lambda t: t.encode("utf-8"))
        else:
            body = package.values.wire(payload.target).map(json_bytes)
    merged = st.fixed_dictionaries(required, optional=headers)
    for prefix in prefixes:
        merged = st.tuples(merged, prefix).map(lambda pair: {**pair[1], **pair[0]})
    return st.tuples(st.sampled_from(statuses), merged, body)


@pytest.mark.parametrize(("service", "operation_name"), _operations(with_output=True))
@SETTINGS
@given(data=st.data())
def test_response_equals_botocore(
    packages: Packages,
    service: str,
    operation_name: str,
    data: st.DataObject,
) -> None:
    package = packages(service)
    operation = package.schema.operations[operation_name]
    assert operation.output is not None
    status, headers, body = data.draw(_response(package, operation), label="response")
    shape = package.schema.shapes[operation.output]
    assert shape.cls is not None

    parsed = package.protocol.parse(operation, HttpResponse(status, headers, body), shape.cls)
    ours = normalize(package.values.to_model_dict(parsed, operation.output))

    output_shape = botocore_model(service).operation_model(operation_name).output_shape
    raw = {"status_code": status, "headers": HeadersDict(headers), "body": body}
    theirs = PARSER.parse(raw, output_shape)
    theirs.pop("ResponseMetadata", None)
    payload = next((m for m in shape.members if m.name == shape.payload), None)
    if payload is not None and isinstance(theirs.get(payload.model_name), str):
        text = theirs.pop(payload.model_name)
        if text or payload.required:  # an empty optional payload is unset for us
            kind = package.schema.shapes[payload.target].kind
            theirs[payload.model_name] = text.encode("utf-8") if kind == "blob" else text
    assert ours == normalize(theirs)


# -- cases worth pinning (they also show the comparisons are not vacuous) ----------------


def _request(package: Package, service: str, operation: str, params: dict[str, Any]) -> Any:
    op = package.schema.operations[operation]
    typed = package.values.from_model_dict(params, op.input or "")
    package.validator.validate(typed, op.input or "")
    request = package.protocol.serialize(op, typed, ENDPOINT)
    theirs = SERIALIZER.serialize_to_request(
        params, botocore_model(service).operation_model(operation)
    )
    prepare_request_dict(theirs, endpoint_url=ENDPOINT)
    ours = _view(request.method, request.url, dict(request.headers), request.body)
    assert ours == _view(theirs["method"], theirs["url"], dict(theirs["headers"]), theirs["body"])
    return request


def test_host_prefix_prefix_headers_and_string_payload(
    packages: Packages,
) -> None:
    package = packages("dataexchange")
    params = {
        "AssetId": "a1",
        "DataSetId": "d1",
        "RevisionId": "r1",
        "Body": '{"q": 1}',
        "RequestHeaders": {"trace": "t-1"},
        "QueryStringParameters": {"page": "2", "a b": "c&d"},
    }
    request = _request(package, "dataexchange", "SendApiAsset", params)
    assert request.url == (
        "https://api-fulfill.service.us-east-1.amazonaws.com/v1?page=2&a%20b=c%26d"
    )
    assert request.headers["x-amzn-dataexchange-header-trace"] == "t-1"
    assert request.body == b'{"q": 1}'
    assert "Content-Type" not in request.headers


def test_literal_query_status_code_headers_and_blob_payload(
    packages: Packages,
) -> None:
    package = packages("lambda")
    request = _request(
        package,
        "lambda",
        "ListProvisionedConcurrencyConfigs",
        {"FunctionName": "my-function", "Marker": "m/1"},
    )
    assert request.url.endswith("/provisioned-concurrency?List=ALL&Marker=m%2F1")
    op = package.schema.operations["Invoke"]
    response = HttpResponse(
        202, {"x-amz-function-error": "Unhandled", "x-amz-executed-version": "7"}, b"\x00\xff"
    )
    output = package.protocol.parse(op, response, package.schema.shapes[op.output or ""].cls)
    assert (output.status_code, output.function_error, output.executed_version) == (
        202,
        "Unhandled",
        "7",
    )
    assert output.payload == b"\x00\xff"


def test_documents_unions_and_floats(packages: Packages) -> None:
    package = packages("bedrock-runtime")
    params = {
        "modelId": "m",
        "messages": [{"role": "user", "content": [{"text": "hi"}]}],
        "inferenceConfig": {"temperature": 0.5, "topP": float("nan")},
        "additionalModelRequestFields": {"k": [1, "two", None, {"x": True}]},
    }
    request = _request(package, "bedrock-runtime", "Converse", params)
    body = json.loads(request.body)
    assert body["messages"] == [{"role": "user", "content": [{"text": "hi"}]}]
    assert body["inferenceConfig"] == {"temperature": 0.5, "topP": "NaN"}
    assert body["additionalModelRequestFields"] == {"k": [1, "two", None, {"x": True}]}
