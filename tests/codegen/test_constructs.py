"""The generator refuses every construct the runtime does not implement, by name.

``BASE`` is a small model that uses every rest-json binding the runtime implements; it
generates (the control). Each case of ``REFUSED`` changes one thing in it to a construct
the runtime does not implement, and the generator must stop with a message that names
the operation, shape or member and the construct. Operations that use a refused
construct can be left out with ``exclude_operations`` (with a reason); the rest of the
model then generates.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from microvm_sdk_codegen import (
    constructs,
    ir,
    render_errors,
    render_models,
    render_package,
    render_schema,
)
from microvm_sdk_codegen.__main__ import generate

ROOT = Path(__file__).resolve().parents[2]

BASE: dict[str, Any] = {
    "version": "2.0",
    "metadata": {
        "apiVersion": "2020-01-01",
        "endpointPrefix": "demo",
        "protocol": "rest-json",
        "protocols": ["rest-json"],
        "serviceFullName": "Demo Service",
        "serviceId": "Demo",
        "signatureVersion": "v4",
        "signingName": "demo",
        "auth": ["aws.auth#sigv4"],
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
            "idempotent": True,
            "documentation": "<p>Puts a thing.</p>",
        },
        "Upload": {
            "name": "Upload",
            "http": {"method": "POST", "requestUri": "/upload"},
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
                "Doc": {"shape": "Document", "jsonName": "doc"},
                "When": {"shape": "Stamp", "timestampFormat": "iso8601"},
                "Data": {"shape": "Bytes"},
                "Token": {"shape": "String", "idempotencyToken": True},
                "Policy": {"shape": "String", "jsonvalue": True},
                "Mode": {"shape": "String", "enum": ["A", "B"]},
            },
        },
        "PutThingResponse": {
            "type": "structure",
            "members": {
                "Status": {"shape": "Integer", "location": "statusCode"},
                "ETag": {"shape": "String", "location": "header", "locationName": "ETag"},
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
                "RetrySeconds": {
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
            "members": {"text": {"shape": "String"}, "number": {"shape": "Integer"}},
            "union": True,
        },
        "Document": {"type": "structure", "members": {}, "document": True},
        "QueryMap": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "Strings"}},
        "StringMap": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "String"}},
        "Strings": {"type": "list", "member": {"shape": "String"}},
        "Stamp": {"type": "timestamp"},
        "HttpDate": {"type": "timestamp", "timestampFormat": "rfc822"},
        "Bytes": {"type": "blob"},
        "Double": {"type": "double", "box": True},
        "Integer": {"type": "integer"},
        "String": {"type": "string"},
    },
}
RULESET: dict[str, Any] = {
    "version": "1.0",
    "parameters": {
        "Region": {"builtIn": "AWS::Region", "required": False, "type": "String"},
        "Endpoint": {"builtIn": "SDK::Endpoint", "required": False, "type": "String"},
    },
    "rules": [],
}

Mutation = Callable[[dict[str, Any]], None]


def load(
    tmp_path: Path,
    mutate: Mutation | None = None,
    overrides: dict[str, Any] | None = None,
    ruleset: dict[str, Any] | None = None,
    **files: Any,
) -> ir.ServiceIR:
    model = copy.deepcopy(BASE)
    if mutate:
        mutate(model)
    folder = tmp_path / "model"
    folder.mkdir(exist_ok=True)
    (folder / "service-2.json").write_text(json.dumps(model))
    (folder / "endpoint-rule-set-1.json").write_text(json.dumps(ruleset or RULESET))
    if overrides is not None:
        (folder / "overrides.json").write_text(json.dumps(overrides))
    for name, data in files.items():
        (folder / (name.replace("_", "-") + ".json")).write_text(json.dumps(data))
    return ir.load(folder, "model")


def test_the_base_model_with_every_implemented_binding_generates(tmp_path: Path) -> None:
    service = load(tmp_path)
    put = service.shapes["PutThingRequest"]
    members = {m.model_name: m for m in put.members}
    assert members["Ratio"].wire_name == "ratio"  # locationName on a body member
    assert members["Doc"].wire_name == "doc"  # jsonName
    assert members["When"].timestamp_format == "iso8601"
    assert members["Account"].host_label
    assert members["Attributes"].target == "String.jsonvalue"
    assert members["Policy"].target == "String"  # a jsonvalue body member stays a string
    assert service.shapes["String.jsonvalue"].kind == "document"
    assert service.shapes["Document"].kind == "document"
    assert service.shapes["UploadRequest"].payload == "body"
    operation = service.operations["PutThing"]
    assert operation.host_prefix == "data-{Account}."
    assert operation.checksum_required
    schema_source = render_schema.render(service)
    assert "host_prefix='data-{Account}.'" in schema_source
    assert "payload='body'" in schema_source


def _set(path: str, value: Any) -> Mutation:
    """A mutation setting ``value`` at a ``/``-separated path of the model."""

    def mutate(model: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        node = model
        for key in parents:
            node = node[key]
        node[last] = value

    return mutate


def _both(*mutations: Mutation) -> Mutation:
    def mutate(model: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(model)

    return mutate


PUT = "operations/PutThing"
REQ = "shapes/PutThingRequest/members"
RESP = "shapes/PutThingResponse/members"

REFUSED: list[tuple[str, Mutation, str]] = [
    # streaming and event streams: the constructs allowed to stay refused
    (
        "streaming blob",
        _set("shapes/Bytes/streaming", True),
        "shape Bytes: 'streaming': streaming payloads are not implemented (used by PutThing, "
        "Upload)",
    ),
    (
        "requiresLength",
        _set("shapes/Bytes/requiresLength", True),
        "shape Bytes: 'requiresLength': streaming payloads are not implemented",
    ),
    (
        "event stream",
        _set("shapes/Choice/eventstream", True),
        "shape Choice: 'eventstream': event streams are not implemented (used by PutThing, Upload)",
    ),
    ("event", _set("shapes/Choice/event", True), "shape Choice: 'event': event streams"),
    (
        "event payload",
        _set("shapes/Choice/members/text/eventpayload", True),
        "Choice.text: 'eventpayload': event streams are not implemented",
    ),
    (
        "event header",
        _set("shapes/Choice/members/text/eventheader", True),
        "Choice.text: 'eventheader': event streams are not implemented",
    ),
    # other traits
    (
        "sparse list",
        _set("shapes/Strings/sparse", True),
        "shape Strings: 'sparse': sparse lists and maps (null items kept) are not implemented",
    ),
    (
        "context parameter",
        _set(f"{REQ}/Name/contextParam", {"name": "Bucket"}),
        "PutThingRequest.Name: 'contextParam': endpoint context parameters are not implemented",
    ),
    (
        "static context parameters",
        _set(f"{PUT}/staticContextParams", {"UseS3": {"value": True}}),
        "operation PutThing: 'staticContextParams': endpoint context parameters",
    ),
    (
        "flexible checksums",
        _set(f"{PUT}/httpChecksum", {"requestChecksumRequired": True}),
        "operation PutThing: 'httpChecksum': flexible checksums are not implemented",
    ),
    (
        "unsigned payload",
        _set(f"{PUT}/unsignedPayload", True),
        "operation PutThing: 'unsignedPayload': unsigned payloads are not implemented",
    ),
    (
        "endpoint discovery",
        _set(f"{PUT}/endpointdiscovery", {"required": True}),
        "operation PutThing: 'endpointdiscovery': endpoint discovery is not implemented",
    ),
    ("authtype none", _set(f"{PUT}/authtype", "none"), "operation PutThing: authtype 'none'"),
    (
        "operation auth",
        _set(f"{PUT}/auth", ["smithy.api#noAuth"]),
        "operation PutThing: auth ['smithy.api#noAuth']: only aws.auth#sigv4 is implemented",
    ),
    (
        "endpoint trait keys",
        _set(f"{PUT}/endpoint/other", "x"),
        "operation PutThing: endpoint ['other']: only hostPrefix is implemented",
    ),
    (
        "unknown operation key",
        _set(f"{PUT}/newTrait", True),
        "operation PutThing: 'newTrait': not a construct this generator knows",
    ),
    (
        "unknown http key",
        _set(f"{PUT}/http/authPath", "/x"),
        "operation PutThing http: 'authPath': not a construct this generator knows",
    ),
    (
        "unknown reference key",
        _set(f"{PUT}/input/locationName", "Root"),
        "operation PutThing input: 'locationName': not a construct this generator knows",
    ),
    (
        "format on a list member reference",
        _set("shapes/Strings/member/timestampFormat", "iso8601"),
        "shape Strings member: 'timestampFormat': not a construct this generator knows",
    ),
    # the service
    ("protocol", _set("metadata/protocol", "json"), "metadata: protocol 'json'"),
    (
        "protocols",
        _set("metadata/protocols", ["smithy-rpc-v2-cbor", "rest-json"]),
        "metadata: protocols ['smithy-rpc-v2-cbor', 'rest-json']: rest-json must come first",
    ),
    (
        "signature version",
        _set("metadata/signatureVersion", "s3"),
        "metadata: signatureVersion 's3': only v4 is implemented",
    ),
    (
        "sigv4a",
        _set("metadata/auth", ["aws.auth#sigv4a"]),
        "metadata: auth ['aws.auth#sigv4a']: only aws.auth#sigv4 is implemented",
    ),
    (
        "protocol settings",
        _set("metadata/protocolSettings", {"h2": "required"}),
        "metadata: protocolSettings {'h2': 'required'}: not implemented",
    ),
    (
        "query compatible",
        _set("metadata/awsQueryCompatible", {}),
        "metadata: 'awsQueryCompatible': query-compatible errors are not implemented",
    ),
    (
        "checksum format",
        _set("metadata/checksumFormat", "sha256"),
        "metadata: 'checksumFormat': service-specific checksums are not implemented",
    ),
    ("missing service id", _set("metadata/serviceId", ""), "metadata: serviceId is missing"),
    (
        "unknown top-level key",
        _set("examples", {}),
        "the model file: 'examples': not a construct this generator knows",
    ),
    # shapes and members
    ("big decimal", _set("shapes/Double/type", "bigDecimal"), "shape Double: type 'bigDecimal'"),
    ("byte", _set("shapes/Integer/type", "byte"), "shape Integer: type 'byte': not implemented"),
    (
        "unknown shape trait",
        _set("shapes/String/xmlNamespace", {"uri": "x"}),
        "shape String: 'xmlNamespace': not a construct this generator knows",
    ),
    (
        "unknown member trait",
        _set(f"{REQ}/Ratio/xmlAttribute", True),
        "PutThingRequest.Ratio: 'xmlAttribute': not a construct this generator knows",
    ),
    (
        "timestamp format of a shape",
        _set("shapes/Stamp/timestampFormat", "epoch-millis"),
        "shape Stamp: timestampFormat 'epoch-millis': not implemented",
    ),
    (
        "timestamp format of a member",
        _set(f"{REQ}/When/timestampFormat", "date"),
        "PutThingRequest.When: timestampFormat 'date': not implemented",
    ),
    (
        "map keys",
        _set("shapes/StringMap/key", {"shape": "Integer"}),
        "shape StringMap: map keys must be strings",
    ),
    (
        "jsonvalue on a number",
        _set(f"{REQ}/Ratio/jsonvalue", True),
        "PutThingRequest.Ratio: jsonvalue is implemented for string headers and body members",
    ),
    (
        "jsonvalue in a query string",
        _both(
            _set(f"{REQ}/Tags/shape", "String"),
            _set(f"{REQ}/Tags/jsonvalue", True),
        ),
        "PutThingRequest.Tags: jsonvalue is implemented for string headers and body members",
    ),
    (
        "jsonName and locationName differ",
        _set(f"{REQ}/Doc/locationName", "document"),
        "PutThingRequest.Doc: jsonName and locationName differ",
    ),
    # HTTP bindings
    (
        "unknown location",
        _set(f"{REQ}/Ratio/location", "cookie"),
        "PutThingRequest.Ratio: location 'cookie': not implemented",
    ),
    (
        "status code in an input",
        _set(f"{REQ}/Ratio/location", "statusCode"),
        "PutThingRequest.Ratio: location 'statusCode' in an input",
    ),
    (
        "status code on a string",
        _set(f"{RESP}/ETag/location", "statusCode"),
        "PutThingResponse.ETag: statusCode on a string",
    ),
    (
        "structure in a header",
        _set(f"{REQ}/Labels/shape", "PutThingResponse"),
        "PutThingRequest.Labels: a structure bound to 'header' is not implemented",
    ),
    (
        "document in a query string",
        _set(f"{REQ}/Doc/location", "querystring"),
        "PutThingRequest.Doc: a document bound to 'querystring' is not implemented",
    ),
    (
        "header list of blobs",
        _set("shapes/Strings/member/shape", "Bytes"),
        "PutThingRequest.Labels: a header list of blob is not implemented",
    ),
    (
        "query map of integers",
        _set("shapes/QueryMap/value/shape", "Integer"),
        "PutThingRequest.Filters: a query map of integer values is not implemented",
    ),
    (
        "prefix headers of integers",
        _set("shapes/StringMap/value/shape", "Integer"),
        "PutThingRequest.Meta: prefix headers must be a map of strings",
    ),
    (
        "payload of a list",
        _set("shapes/UploadRequest/members/Body/shape", "Strings"),
        "shape UploadRequest: payload 'Body' is a list: not implemented",
    ),
    (
        "payload next to body members",
        _set("shapes/UploadRequest/members/Extra", {"shape": "String"}),
        "shape UploadRequest: payload 'Body' next to body members ['Extra']",
    ),
    (
        "payload that is not a member",
        _set("shapes/UploadRequest/payload", "Missing"),
        "shape UploadRequest: payload 'Missing' is not a member",
    ),
    (
        "payload bound to a header",
        _both(
            _set("shapes/UploadRequest/members/Body/location", "header"),
            _set("shapes/UploadRequest/members/Body/locationName", "X-Body"),
        ),
        "shape UploadRequest: payload 'Body' also bound to a location",
    ),
    (
        "binding used inside another structure",
        _set("shapes/Choice/members/nested", {"shape": "PutThingResponse"}),
        "shape PutThingResponse: binds Status to location 'statusCode' but is also used inside "
        "Choice, where that binding cannot apply",
    ),
    # URIs and host prefixes
    (
        "uri label without a member",
        _set(f"{PUT}/http/requestUri", "/things/{Name}/{Path+}/{Other}"),
        "operation PutThing: uri labels ['Name', 'Other', 'Path'] != uri members ['Name', 'Path']",
    ),
    (
        "label in the literal query",
        _set(f"{PUT}/http/requestUri", "/things/{Name}/{Path+}?v={Name}"),
        "operation PutThing: requestUri '/things/{Name}/{Path+}?v={Name}': labels in the query",
    ),
    (
        "two greedy labels",
        _set(f"{PUT}/http/requestUri", "/things/{Name+}/{Path+}"),
        "more than one greedy label",
    ),
    (
        "label inside a segment",
        _set(f"{PUT}/http/requestUri", "/things/x{Name}/{Path+}"),
        "a label must be a whole segment",
    ),
    (
        "host prefix label without a member",
        _set(f"{PUT}/endpoint/hostPrefix", "{Account}.{Region}."),
        "operation PutThing: hostPrefix labels ['Account', 'Region'] != hostLabel members "
        "['Account']",
    ),
    (
        "host label on a number",
        _set(f"{REQ}/Account/shape", "Integer"),
        "PutThingRequest.Account: hostLabel on a non-string member",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "message"), [pytest.param(m, msg, id=name) for name, m, msg in REFUSED]
)
def test_each_unimplemented_construct_is_refused_by_name(
    tmp_path: Path, mutate: Mutation, message: str
) -> None:
    with pytest.raises(ir.ModelError) as refused:
        load(tmp_path, mutate)
    text = str(refused.value)
    assert message in text
    assert text.startswith("the model uses constructs the runtime does not implement:\n")
    assert text.endswith(
        "leave the operations that use them out (exclude_operations in overrides.json, with a "
        "reason)."
    )


@pytest.mark.parametrize(
    ("built_in", "message"),
    [
        (
            {"builtIn": "AWS::S3::Accelerate", "required": False, "type": "Boolean"},
            "endpoint rule set: parameter Accelerate (built-in AWS::S3::Accelerate): only "
            "AWS::Region, AWS::UseFIPS, AWS::UseDualStack and SDK::Endpoint are implemented",
        ),
        (
            {"required": True, "type": "String"},
            "endpoint rule set: required parameter Accelerate has no value: endpoint context "
            "parameters are not implemented",
        ),
    ],
)
def test_endpoint_parameters_the_resolver_cannot_fill_are_refused(
    tmp_path: Path, built_in: dict[str, Any], message: str
) -> None:
    ruleset = copy.deepcopy(RULESET)
    ruleset["parameters"]["Accelerate"] = built_in
    with pytest.raises(ir.ModelError, match=re.escape(message)):
        load(tmp_path, ruleset=ruleset)


def test_an_error_member_named_like_an_error_attribute_gets_a_trailing_underscore(
    tmp_path: Path,
) -> None:
    clash = _set("shapes/Boom/members/RetryAfter", {"shape": "Integer"})
    service = load(tmp_path, clash)
    assert [m.name for m in service.shapes["Boom"].members] == [
        "message",
        "retry_seconds",
        "retry_after_",
    ]
    errors_module = render_errors.render(service)
    assert "        retry_after_: int | None = None,\n" in errors_module


def test_shapes_named_like_keywords_or_imports_get_a_trailing_underscore(tmp_path: Path) -> None:
    def names(model: dict[str, Any]) -> None:
        model["shapes"]["None"] = {"type": "structure", "members": {}}
        model["shapes"]["Sequence"] = {"type": "list", "member": {"shape": "String"}}
        model["shapes"]["ServiceError"] = {
            "type": "structure",
            "members": {},
            "exception": True,
            "error": {"httpStatusCode": 400},
        }
        model["shapes"]["Choice"]["members"]["nothing"] = {"shape": "None"}
        model["shapes"]["PutThingResponse"]["members"]["Items"] = {"shape": "Sequence"}
        model["operations"]["PutThing"]["errors"].append({"shape": "ServiceError"})

    service = load(tmp_path, names)
    assert service.shapes["None"].class_name == "None_"
    assert service.shapes["ServiceError"].class_name == "ServiceError_"
    models_source = render_models.render(service)
    assert "class None_:" in models_source
    assert "class ChoiceNothing:\n" in models_source
    assert "    value: None_ = attrs.field(factory=None_)\n" in models_source
    assert "    items: Sequence[str] | None = None\n" in models_source  # a list: no class
    assert "class ServiceError_(ServiceError):" in render_errors.render(service)
    assert "cls=models.None_" in render_schema.render(service)


PAGES = {"input_token": "Token", "output_token": "Next", "result_key": "Items"}


def _pageable(model: dict[str, Any]) -> None:
    model["shapes"]["PutThingRequest"]["members"]["Token"] = {
        "shape": "String",
        "location": "querystring",
        "locationName": "token",
    }
    model["shapes"]["PutThingResponse"]["members"]["Next"] = {"shape": "String"}
    model["shapes"]["PutThingResponse"]["members"]["Items"] = {"shape": "Strings"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"result_key": "Next"}, "result_key 'Next' is not a list member of the output"),
        ({"result_key": ["Items", "Next"]}, "only single result_key is supported"),
        ({"more_results": "More"}, "more_results/non_aggregate_keys unsupported"),
        ({"input_token": "Name"}, "input member 'page_size' has the name of a paginator"),
    ],
)
def test_paginators_the_engine_cannot_run_stop_generation_unless_excluded(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    def mutate(model: dict[str, Any]) -> None:
        _pageable(model)
        model["shapes"]["PutThingRequest"]["members"]["PageSize"] = {"shape": "Integer"}
        model["shapes"]["PutThingRequest"]["members"]["Token"]["shape"] = "String"

    spec = {**PAGES, "limit_key": "PageSize", **change}
    if change.get("input_token") == "Name":
        spec.pop("limit_key")
    pages = {"pagination": {"PutThing": spec}}
    with pytest.raises(ir.ModelError, match=re.escape(message)) as refused:
        load(tmp_path, mutate, paginators_1=pages)
    assert "exclude_paginators in overrides.json leaves it out" in str(refused.value)
    skip = {"exclude_paginators": {"PutThing": {"reason": "not runnable"}}}
    service = load(tmp_path, mutate, overrides=skip, paginators_1=pages)
    assert service.paginators == {}
    assert service.excluded_paginators == {"PutThing": "not runnable"}
    assert "- ``PutThing``: not runnable" in render_package.render(service)


def test_a_runnable_paginator_is_kept(tmp_path: Path) -> None:
    pages = {"pagination": {"PutThing": PAGES}}
    service = load(tmp_path, _pageable, paginators_1=pages)
    assert set(service.paginators) == {"PutThing"}


def test_every_refusal_is_reported_at_once(tmp_path: Path) -> None:
    mutate = _both(_set("shapes/Bytes/streaming", True), _set("shapes/Strings/sparse", True))
    with pytest.raises(ir.ModelError) as refused:
        load(tmp_path, mutate)
    lines = [line for line in str(refused.value).splitlines() if line.startswith("  - ")]
    assert len(lines) == 2


# -- leaving operations out -------------------------------------------------------------


def _stream_upload(model: dict[str, Any]) -> None:
    model["shapes"]["Stream"] = {"type": "blob", "streaming": True}
    model["shapes"]["UploadRequest"]["members"]["Body"]["shape"] = "Stream"


EXCLUDE_UPLOAD = {"exclude_operations": {"Upload": {"reason": "streaming is not implemented"}}}


def test_excluded_operations_and_their_shapes_are_left_out(tmp_path: Path) -> None:
    with pytest.raises(ir.ModelError, match="used by Upload"):
        load(tmp_path, _stream_upload)
    service = load(tmp_path, _stream_upload, overrides=EXCLUDE_UPLOAD)
    assert set(service.operations) == {"PutThing"}
    assert service.excluded == {"Upload": "streaming is not implemented"}
    assert "Stream" not in service.shapes and "UploadRequest" not in service.shapes
    assert "Choice" in service.shapes  # still used by PutThing
    schema_source = render_schema.render(service)
    assert "EXCLUDED_OPERATIONS: dict[str, str] = {\n    'Upload': 'streaming is not" in (
        schema_source
    )
    assert "- ``Upload``: streaming is not implemented" in render_package.render(service)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"exclude_operations": {"Nope": {"reason": "x"}}},
            "exclude_operations names unknown operation 'Nope'",
        ),
        ({"exclude_operations": {"Upload": {}}}, "exclude_operations: Upload has no reason"),
        ({"exclude_operations": {"Upload": "why"}}, "exclude_operations: Upload has no reason"),
        ({"exclude_paginators": {"Upload": {}}}, "exclude_paginators: Upload has no reason"),
    ],
)
def test_exclusions_must_name_real_operations_and_give_reasons(
    tmp_path: Path, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ir.ModelError, match=message):
        load(tmp_path, overrides=overrides)


def test_paginators_of_excluded_operations_go_and_waiters_may_not_poll_them(
    tmp_path: Path,
) -> None:
    pages = {"pagination": {"Upload": {"input_token": "A", "output_token": "B", "result_key": "C"}}}
    service = load(tmp_path, overrides=EXCLUDE_UPLOAD, paginators_1=pages)
    assert service.paginators == {}
    waiters = {
        "version": 2,
        "waiters": {
            "Uploaded": {
                "operation": "Upload",
                "delay": 1,
                "maxAttempts": 2,
                "acceptors": [{"state": "success", "matcher": "status", "expected": 200}],
            }
        },
    }
    with pytest.raises(ir.ModelError, match="polls unknown or excluded operation 'Upload'"):
        load(tmp_path, overrides=EXCLUDE_UPLOAD, waiters_2=waiters)


def test_a_standalone_package_is_generated_and_names_what_it_left_out(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    model = copy.deepcopy(BASE)
    _stream_upload(model)
    (folder / "service-2.json").write_text(json.dumps(model))
    (folder / "endpoint-rule-set-1.json").write_text(json.dumps(RULESET))
    overrides = tmp_path / "demo-overrides.json"
    overrides.write_text(json.dumps(EXCLUDE_UPLOAD))
    outputs = generate(folder, package="demo_client", out=tmp_path / "out", overrides=overrides)
    assert set(outputs) == {
        "__init__.py",
        "client.py",
        "async_client.py",
        "models.py",
        "errors.py",
        "_schema.py",
        "_endpoint_rules.py",
        "py.typed",
    }
    assert "from demo_client import errors, models\n" in outputs["_schema.py"]
    for client in ("client.py", "async_client.py"):
        source = outputs[client].replace('"', "'")
        assert "    _PACKAGE: ClassVar[str] = 'demo_client'\n" in source
        # the runtime's public modules stay microvm_sdk's, the models are the package's
        assert "    from microvm_sdk import paginators, waiters\n" in source
        assert "from microvm_sdk import models" not in source
        assert "LazyModule('demo_client.models')" in source
        assert "def upload(" not in source
    assert '"""Every exception ``demo_client`` raises' in outputs["errors.py"]
    assert "Typed models of the Demo Service API" in outputs["models.py"]


# -- the documentation lists every construct ---------------------------------------------


def test_docs_list_every_construct_and_every_refusal() -> None:
    text = (ROOT / "docs" / "codegen.md").read_text()
    tables = {
        "the model file": constructs.TOP_LEVEL,
        "metadata": constructs.METADATA,
        "operation": constructs.OPERATION,
        "http": constructs.HTTP,
        "shape": constructs.SHAPE,
        "member": constructs.MEMBER,
        "reference": constructs.REFERENCE,
        "refused": constructs.REFUSED,
    }
    for table, keys in tables.items():
        for key in keys:
            assert f"`{key}`" in text, f"docs/codegen.md does not mention {table} key {key}"
    for kind in constructs.SHAPE_TYPES | constructs.LOCATIONS | constructs.TIMESTAMP_FORMATS:
        assert f"`{kind}`" in text, f"docs/codegen.md does not mention {kind}"
