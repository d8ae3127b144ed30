"""A 2xx whose body is absent or not a JSON object is an error, not an empty success.

Before, a ``201`` with no body to ``create_microvm_image`` returned an image whose ARN,
name and state were zero values (``""``): the call looked successful. Now a success
response of an operation whose output has required body members must carry a JSON
object; otherwise the call raises ``DeserializationError`` with the HTTP status and the
request id (the call may have taken effect). A JSON object that lacks some required
members still gets the documented error correction (zero values and a warning), and an
operation whose output requires nothing still accepts an empty body, as botocore does.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scripted import ScriptedClient

from microvm_sdk import errors, models
from microvm_sdk._core.http import HttpResponse
from microvm_sdk._core.pipeline import codec_for
from microvm_sdk._schema import SCHEMA

_, _, PROTOCOL = codec_for(SCHEMA)
REQUEST_ID = {"x-amzn-requestid": "4c9b1f3e-req"}
BASE_ARN = "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1"
ROLE_ARN = "arn:aws:iam::123456789012:role/build"


def outputs(required: bool) -> list[str]:
    """Operations whose output has (or has not) required members in the body."""
    found = []
    for name, operation in SCHEMA.operations.items():
        if not operation.output:
            continue
        shape = SCHEMA.shapes[operation.output]
        if any(m.required and m.location == "body" for m in shape.members) == required:
            found.append(name)
    return sorted(found)


def test_the_model_has_both_kinds_of_output() -> None:
    assert "CreateMicrovmImage" in outputs(required=True)
    assert "ListTags" in outputs(required=False)


def create(client: Any) -> Any:
    return client.create_microvm_image(
        name="demo",
        base_image_arn=BASE_ARN,
        build_role_arn=ROLE_ARN,
        code_artifact=models.CodeArtifactUri(value="s3://bucket/app.zip"),
    )


@pytest.mark.parametrize("body", [b"", b"  \r\n\t "])
def test_a_create_answered_with_no_body_is_an_error_with_the_request_id(
    scripted_client: ScriptedClient, body: bytes
) -> None:
    client, transport = scripted_client([HttpResponse(201, dict(REQUEST_ID), body)])
    with pytest.raises(errors.DeserializationError) as caught:
        create(client)
    error = caught.value
    assert (error.http_status, error.request_id) == (201, "4c9b1f3e-req")
    message = str(error)
    assert message.startswith("CreateMicrovmImage: the response has no body")
    assert "image_arn" in message and "request id 4c9b1f3e-req" in message
    assert len(transport.requests) == 1  # not retried: the create may have happened


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"[]", "array"),
        (b'[{"imageArn": "x"}]', "array"),
        (b'"created"', "string"),
        (b"null", "null"),
        (b"true", "boolean"),
        (b"201", "number"),
    ],
)
def test_a_body_that_is_json_but_not_an_object_is_an_error(
    scripted_client: ScriptedClient, body: bytes, kind: str
) -> None:
    client, _ = scripted_client([HttpResponse(201, dict(REQUEST_ID), body)])
    with pytest.raises(errors.DeserializationError) as caught:
        create(client)
    assert f"the response body is JSON {kind}, not an object" in str(caught.value)
    assert caught.value.request_id == "4c9b1f3e-req"


def test_a_body_that_is_not_json_is_an_error_with_an_excerpt(
    scripted_client: ScriptedClient,
) -> None:
    page = b"<html><body><h1>Created</h1></body></html>"
    client, _ = scripted_client([HttpResponse(200, dict(REQUEST_ID), page)])
    with pytest.raises(errors.DeserializationError) as caught:
        client.get_microvm(microvm_identifier="microvm-1")
    assert "the response body is not JSON: 'Created'" in str(caught.value)
    assert caught.value.http_status == 200


def test_a_missing_required_member_is_still_corrected(
    scripted_client: ScriptedClient, caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = scripted_client([HttpResponse(200, {}, b'{"microvmId": "microvm-1"}')])
    with caplog.at_level(logging.WARNING, logger="microvm_sdk"):
        microvm = client.get_microvm(microvm_identifier="microvm-1")
    assert microvm.microvm_id == "microvm-1"
    assert microvm.image_arn == ""
    assert "missing required member GetMicrovmResponse.image_arn" in caplog.text


def test_an_empty_object_is_corrected_too(scripted_client: ScriptedClient) -> None:
    client, _ = scripted_client([HttpResponse(200, {}, b"{}")])
    assert client.get_microvm(microvm_identifier="microvm-1").microvm_id == ""


def test_an_output_that_requires_nothing_accepts_an_empty_body(
    scripted_client: ScriptedClient,
) -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:microvm-image:demo"
    client, _ = scripted_client([HttpResponse(200, {}, b"")])
    assert client.list_tags(resource=arn).tags is None


def test_a_wrong_type_carries_the_request_id(scripted_client: ScriptedClient) -> None:
    body = b'{"microvmId": 7, "state": "RUNNING"}'
    client, _ = scripted_client([HttpResponse(200, dict(REQUEST_ID), body)])
    with pytest.raises(errors.DeserializationError) as caught:
        client.get_microvm(microvm_identifier="microvm-1")
    assert caught.value.request_id == "4c9b1f3e-req"
    assert str(caught.value).startswith("GetMicrovm: cannot read the response")


# -- every operation, through the protocol ---------------------------------------------

NOT_OBJECTS = st.one_of(
    st.just(b""),
    st.text(" \t\r\n", max_size=5).map(str.encode),
    st.sampled_from([b"[]", b"null", b"0", b'"x"', b"false", b"[{}]"]),
)


@pytest.mark.parametrize("name", outputs(required=True))
@given(body=NOT_OBJECTS, status=st.sampled_from([200, 201, 202, 204]))
def test_every_operation_with_required_members_refuses_a_body_without_an_object(
    name: str, body: bytes, status: int
) -> None:
    operation = SCHEMA.operations[name]
    output = SCHEMA.shapes[operation.output or ""].cls
    with pytest.raises(errors.DeserializationError) as caught:
        PROTOCOL.parse(operation, HttpResponse(status, dict(REQUEST_ID), body), output)
    assert str(caught.value).startswith(f"{name}: ")
    assert caught.value.request_id == "4c9b1f3e-req"


@pytest.mark.parametrize("name", outputs(required=False))
def test_every_operation_without_required_members_accepts_an_empty_body(name: str) -> None:
    operation = SCHEMA.operations[name]
    output = SCHEMA.shapes[operation.output or ""].cls
    assert output is not None
    assert isinstance(PROTOCOL.parse(operation, HttpResponse(200, {}, b""), output), output)


def test_the_error_keeps_its_attributes_through_pickle() -> None:
    import pickle

    error = errors.DeserializationError("GetMicrovm: x", http_status=200, request_id="r-1")
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.http_status, copy.request_id) == (str(error), 200, "r-1")
