"""Every HTTP binding on one generated client, against botocore and end to end.

``MODEL`` uses every rest-json binding the runtime implements. The generator writes a
package for it (``bindings_demo``); the tests pin the exact request, compare it with
botocore's serializer, check the validation rules of bindings, read responses with
header, prefix-header and status-code members, feed the parser hostile headers, and call
the generated ``Client`` through a fake transport.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import json
import logging
import math
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.awsrequest import prepare_request_dict
from botocore.model import ServiceModel
from botocore.serialize import create_serializer
from generated import Package, generate_package, write_model
from hypothesis import given
from hypothesis import strategies as st

from microvm_sdk._core.errors import (
    DeserializationError,
    ParamValidationError,
    SerializationError,
    ServiceError,
)
from microvm_sdk._core.http import HttpRequest, HttpResponse

UTC = datetime.UTC
WHEN = datetime.datetime(2019, 12, 16, 23, 48, 18, 520000, tzinfo=UTC)
ENDPOINT = "https://demo.us-east-1.amazonaws.com"
MODEL: dict[str, Any] = {
    "version": "2.0",
    "metadata": {
        "apiVersion": "2020-01-01",
        "endpointPrefix": "demo",
        "protocol": "rest-json",
        "protocols": ["rest-json"],
        "serviceFullName": "Bindings Demo",
        "serviceId": "Bindings Demo",
        "signatureVersion": "v4",
        "signingName": "demo",
        "uid": "demo-2020-01-01",
    },
    "operations": {
        "PutThing": {
            "name": "PutThing",
            "http": {"method": "PUT", "requestUri": "/things/{Name}/{Path+}?versioning"},
            "input": {"shape": "PutThingRequest"},
            "output": {"shape": "PutThingResponse"},
            "errors": [{"shape": "Boom"}],
            "endpoint": {"hostPrefix": "data-{Account}."},
            "httpChecksumRequired": True,
        },
        "Upload": {
            "name": "Upload",
            "http": {"method": "POST", "requestUri": "/upload", "responseCode": 201},
            "input": {"shape": "UploadRequest"},
            "output": {"shape": "UploadResponse"},
        },
    },
    "shapes": {
        "PutThingRequest": {
            "type": "structure",
            "required": ["Name", "Path", "Account"],
            "members": {
                "Name": {"shape": "String", "location": "uri", "locationName": "Name"},
                "Path": {"shape": "String", "location": "uri", "locationName": "Path"},
                "Account": {"shape": "String", "hostLabel": True},
                "Tags": {"shape": "Strings", "location": "querystring", "locationName": "tag"},
                "Filters": {"shape": "QueryMap", "location": "querystring"},
                "Since": {"shape": "Stamp", "location": "header", "locationName": "X-Since"},
                "Labels": {"shape": "Strings", "location": "header", "locationName": "X-Labels"},
                "Meta": {"shape": "StringMap", "location": "headers", "locationName": "x-meta-"},
                "Attributes": {
                    "shape": "String",
                    "location": "header",
                    "locationName": "X-Attributes",
                    "jsonvalue": True,
                },
                "Ratio": {"shape": "Double", "locationName": "ratio"},
                "Doc": {"shape": "Document"},
                "When": {"shape": "Stamp", "timestampFormat": "iso8601"},
                "Data": {"shape": "Bytes"},
            },
        },
        "PutThingResponse": {
            "type": "structure",
            "required": ["ETag"],
            "members": {
                "Status": {"shape": "Integer", "location": "statusCode"},
                "ETag": {"shape": "String", "location": "header", "locationName": "ETag"},
                "Counts": {"shape": "Integers", "location": "header", "locationName": "X-Counts"},
                "Meta": {"shape": "StringMap", "location": "headers", "locationName": "x-meta-"},
                "Created": {"shape": "HttpDate"},
                "Choice": {"shape": "Choice"},
            },
        },
        "UploadRequest": {
            "type": "structure",
            "members": {
                "Kind": {"shape": "String", "location": "header", "locationName": "Content-Type"},
                "Body": {"shape": "Bytes"},
            },
            "payload": "Body",
        },
        "UploadResponse": {
            "type": "structure",
            "members": {"Result": {"shape": "Choice"}},
            "payload": "Result",
        },
        "Boom": {
            "type": "structure",
            "members": {
                "message": {"shape": "String"},
                "RetryAfterSeconds": {
                    "shape": "Integer",
                    "location": "header",
                    "locationName": "Retry-After",
                },
            },
            "error": {"httpStatusCode": 500},
            "exception": True,
            "fault": True,
        },
        "Choice": {
            "type": "structure",
            "members": {"text": {"shape": "String"}, "when": {"shape": "HttpDate"}},
            "union": True,
        },
        "Document": {"type": "structure", "members": {}, "document": True},
        "QueryMap": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "Strings"}},
        "StringMap": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "String"}},
        "Strings": {"type": "list", "member": {"shape": "String"}},
        "Integers": {"type": "list", "member": {"shape": "Integer"}},
        "Stamp": {"type": "timestamp"},
        "HttpDate": {"type": "timestamp", "timestampFormat": "rfc822"},
        "Bytes": {"type": "blob"},
        "Double": {"type": "double"},
        "Integer": {"type": "integer"},
        "String": {"type": "string"},
    },
}
RULESET = {
    "version": "1.0",
    "parameters": {
        "Region": {"builtIn": "AWS::Region", "required": False, "type": "String"},
        "Endpoint": {"builtIn": "SDK::Endpoint", "required": False, "type": "String"},
    },
    "rules": [
        {
            "conditions": [{"fn": "isSet", "argv": [{"ref": "Endpoint"}]}],
            "endpoint": {"url": {"ref": "Endpoint"}},
            "type": "endpoint",
        },
        {
            "conditions": [],
            "endpoint": {"url": "https://demo.{Region}.amazonaws.com"},
            "type": "endpoint",
        },
    ],
}


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Package:
    root = tmp_path_factory.mktemp("bindings")
    folder = write_model(root / "model", MODEL, **{"endpoint-rule-set-1.json": RULESET})
    return generate_package(folder, root / "packages", "bindings_demo")


def put_thing(package: Package, **changes: Any) -> Any:
    models = package.models
    values: dict[str, Any] = {
        "name": "a b/c",
        "path": "x/y z",
        "account": "acct-1",
        "tags": ("t1", "t&2"),
        "filters": {"k": ("v1", "v2"), "tag": ("shadowed",)},
        "since": WHEN,
        "labels": ("plain", "with,comma", 'with "quote"'),
        "meta": {"trace": "abc"},
        "attributes": {"shard": [1, 2]},
        "ratio": math.inf,
        "doc": {"nested": [True, None, 1.5]},
        "when": WHEN,
        "data": b"\x00\x01",
    }
    values.update(changes)
    return models.PutThingRequest(**values)


def test_every_request_binding_is_written_as_expected(package: Package) -> None:
    params = put_thing(package)
    package.validator.validate(params, "PutThingRequest")
    request = package.protocol.serialize(package.schema.operations["PutThing"], params, ENDPOINT)

    assert request.method == "PUT"
    assert request.url == (
        "https://data-acct-1.demo.us-east-1.amazonaws.com/things/a%20b%2Fc/x/y%20z"
        "?versioning&tag=t1&tag=t%262&k=v1&k=v2"  # the map's "tag" entry loses to the member
    )
    body = json.loads(request.body)
    assert body == {
        "Account": "acct-1",  # a host label also travels in the body, as botocore sends it
        "ratio": "Infinity",
        "Doc": {"nested": [True, None, 1.5]},
        "When": "2019-12-16T23:48:18.520000Z",
        "Data": "AAE=",
    }
    assert request.headers == {
        "X-Since": "Mon, 16 Dec 2019 23:48:18 GMT",
        "X-Labels": 'plain,"with,comma","with \\"quote\\""',
        "x-meta-trace": "abc",
        "X-Attributes": base64.b64encode(b'{"shard":[1,2]}').decode(),
        "Content-Type": "application/json",
        "Content-MD5": base64.b64encode(hashlib.md5(request.body).digest()).decode(),
    }


def test_the_request_equals_botocores(package: Package) -> None:
    params = put_thing(package, filters={"k": ("v1", "v2")})
    ours = package.protocol.serialize(package.schema.operations["PutThing"], params, ENDPOINT)
    model = ServiceModel(MODEL, "demo")
    theirs = create_serializer("rest-json").serialize_to_request(
        package.values.to_model_dict(params, "PutThingRequest"), model.operation_model("PutThing")
    )
    prepare_request_dict(theirs, endpoint_url=ENDPOINT)
    assert urlsplit(ours.url) == urlsplit(theirs["url"])
    assert json.loads(ours.body) == json.loads(theirs["body"])
    without_md5 = {k: v for k, v in ours.headers.items() if k != "Content-MD5"}
    assert without_md5 == theirs["headers"]  # botocore adds its checksum in a handler


def test_a_blob_payload_is_the_body_and_a_content_type_member_is_kept(package: Package) -> None:
    models = package.models
    op = package.schema.operations["Upload"]
    request = package.protocol.serialize(
        op, models.UploadRequest(kind="image/png", body=b"\x89PNG"), ENDPOINT
    )
    assert (request.body, request.headers) == (b"\x89PNG", {"Content-Type": "image/png"})
    empty = package.protocol.serialize(op, models.UploadRequest(), ENDPOINT)
    assert (empty.body, empty.headers) == (b"", {})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"account": "bad label!"}, "account: must hold only letters, digits, '-' and '.'"),
        ({"name": ""}, "name: must not be empty (it is a URI path segment)"),
        ({"labels": ("a\r\nInjected: 1",)}, "labels: must not contain a line break"),
        ({"meta": {"k": "v\n"}}, "meta: must not contain a line break"),
        ({"doc": {"x": math.nan}}, "doc: document holds nan, which JSON cannot carry"),
        ({"doc": {1: "x"}}, "doc: document object keys must be strings"),
        ({"doc": {"x": {1, 2}}}, "doc: document holds a set, which is not JSON"),
        ({"since": datetime.datetime(2020, 1, 1)}, "since: naive datetime"),
    ],
)
def test_binding_rules_are_checked_before_anything_is_sent(
    package: Package, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ParamValidationError) as refused:
        package.validator.validate(put_thing(package, **changes), "PutThingRequest")
    assert any(line.startswith(message) for line in refused.value.errors), refused.value.errors


def test_a_line_break_inside_a_jsonvalue_header_is_fine(package: Package) -> None:
    params = put_thing(package, attributes={"text": "two\nlines"})
    package.validator.validate(params, "PutThingRequest")
    request = package.protocol.serialize(package.schema.operations["PutThing"], params, ENDPOINT)
    assert base64.b64decode(request.headers["X-Attributes"]) == b'{"text":"two\\nlines"}'


def test_a_deep_document_is_refused_without_recursion(package: Package) -> None:
    deep: Any = []
    for _ in range(10_000):
        deep = [deep]
    with pytest.raises(ParamValidationError, match="document nested deeper than 100 levels"):
        package.validator.validate(put_thing(package, doc=deep), "PutThingRequest")


def test_serialize_itself_refuses_what_cannot_be_written(package: Package) -> None:
    op = package.schema.operations["PutThing"]
    with pytest.raises(SerializationError, match="no time zone"):
        package.protocol.serialize(
            op, put_thing(package, since=datetime.datetime(2020, 1, 1)), ENDPOINT
        )
    with pytest.raises(SerializationError, match="cannot write the request body as JSON"):
        package.protocol.serialize(op, put_thing(package, doc=math.nan), ENDPOINT)


# -- responses ----------------------------------------------------------------------------

HEADERS = {
    "etag": '"abc"',
    "x-counts": "1, 2,3",
    "x-meta-a": "1",
    "x-meta-b": "2",
    "x-amzn-requestid": "r-1",
}
BODY = b'{"Created": "Mon, 16 Dec 2019 23:48:18 GMT", "Choice": {"when": 1576540098}}'


def parse(package: Package, status: int, headers: dict[str, str], body: bytes) -> Any:
    op = package.schema.operations["PutThing"]
    return package.protocol.parse(
        op, HttpResponse(status, headers, body), package.models.PutThingResponse
    )


def test_headers_prefix_headers_and_the_status_code_are_read(package: Package) -> None:
    output = parse(package, 202, HEADERS, BODY)
    models = package.models
    assert output == models.PutThingResponse(
        status=202,
        e_tag='"abc"',
        counts=(1, 2, 3),
        meta={"a": "1", "b": "2"},
        created=WHEN.replace(microsecond=0),
        choice=models.ChoiceWhen(value=WHEN.replace(microsecond=0)),
    )
    # The wire form for waiters and tools: body members by JSON name, the others by model
    # name, timestamps in their format.
    assert package.converter.to_wire(output) == {
        "Status": 202,
        "ETag": '"abc"',
        "Counts": [1, 2, 3],
        "Meta": {"a": "1", "b": "2"},
        "Created": "Mon, 16 Dec 2019 23:48:18 GMT",
        "Choice": {"when": "Mon, 16 Dec 2019 23:48:18 GMT"},
    }


def test_a_body_member_cannot_pose_as_a_header_member(package: Package) -> None:
    sneaky = b'{"@header:ETag": "from-the-body", "ETag": "also-not"}'
    output = parse(package, 200, {"etag": "real"}, sneaky)
    assert output.e_tag == "real"


def test_a_missing_required_header_gets_a_zero_value_and_a_warning(
    package: Package, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="microvm_sdk"):
        output = parse(package, 200, {}, b"{}")
    assert output.e_tag == ""
    assert "PutThingResponse.e_tag; using a zero value" in caplog.text


def test_a_malformed_header_is_a_deserialization_error_naming_it(package: Package) -> None:
    with pytest.raises(DeserializationError, match=r"cannot read header X-Counts \(counts\)"):
        parse(package, 200, {"etag": "x", "x-counts": "1, two"}, b"{}")


@given(
    headers=st.dictionaries(
        st.sampled_from(["etag", "x-counts", "x-meta-a", "retry-after"]), st.text(max_size=40)
    ),
    body=st.binary(max_size=40) | st.just(BODY),
    status=st.sampled_from([200, 201, 500, 503]),
)
def test_hostile_responses_raise_only_our_errors(
    package: Package, headers: dict[str, str], body: bytes, status: int
) -> None:
    with contextlib.suppress(ServiceError, DeserializationError):
        parse(package, status, headers, body)


def test_a_union_payload_and_a_modeled_error_with_a_header(package: Package) -> None:
    op = package.schema.operations["Upload"]
    output = package.protocol.parse(
        op, HttpResponse(201, {}, b'{"text": "hi"}'), package.models.UploadResponse
    )
    assert output.result == package.models.ChoiceText(value="hi")
    unset = package.protocol.parse(op, HttpResponse(201, {}, b""), package.models.UploadResponse)
    assert unset.result is None
    error = package.protocol.error(
        HttpResponse(500, {"x-amzn-errortype": "Boom", "retry-after": "7"}, b'{"message": "no"}')
    )
    assert type(error).__name__ == "Boom"
    assert (error.message, error.retry_after) == ("no", 7)
    ignored = package.protocol.error(
        HttpResponse(500, {"x-amzn-errortype": "Boom", "retry-after": "x"}, b"")
    )
    assert type(ignored).__name__ == "Boom" and ignored.retry_after is None


# -- the generated client, end to end -------------------------------------------------------


class RecordingTransport:
    def __init__(self) -> None:
        self.requests: list[HttpRequest] = []

    def send(self, request: HttpRequest) -> HttpResponse:
        self.requests.append(request)
        return HttpResponse(200, {"etag": "e-1", "x-meta-z": "26"}, b"{}")

    def close(self) -> None:
        pass


def test_the_generated_client_loads_its_own_schema_and_sends(package: Package) -> None:
    transport = RecordingTransport()
    client = package.client_module.Client(
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        transport=transport,
    )
    output = client.put_thing(name="n", path="p", account="a1", ratio=0.5)
    assert output.e_tag == "e-1" and output.meta == {"z": "26"} and output.status == 200
    (request,) = transport.requests
    assert request.url.startswith("https://data-a1.demo.us-east-1.amazonaws.com/things/n/p?")
    assert "Content-MD5" in request.headers and "Authorization" in request.headers
    with pytest.raises(ParamValidationError, match="account: must hold only letters"):
        client.put_thing(name="n", path="p", account="a/1")
    assert len(transport.requests) == 1  # nothing was sent for the invalid call
    assert type(client).SERVICE_ENV_NAME == "BINDINGS_DEMO"


def test_generated_packages_are_checked_by_mypy(package: Package, tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    from mypy import api

    usage = tmp_path / "use_bindings.py"
    usage.write_text(
        "from bindings_demo import Client, models\n"
        "client = Client(region_name='us-east-1')\n"
        "out: models.PutThingResponse = client.put_thing(name='n', path='p', account='a')\n"
        "status: int | None = out.status\n"
        "doc: models.Document = {'a': [1]}\n"
    )
    package_dir = Path(package.module.__file__ or "").parent
    stdout, stderr, status = api.run(
        [
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / "cache"),
            str(usage),
            str(package_dir),
        ]
    )
    assert status == 0, stdout + stderr
