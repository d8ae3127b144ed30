"""Our rest-json requests equal botocore's, for every operation, with the same model.

For inputs drawn from the schema, ``RestJsonProtocol.serialize`` and botocore's
``RestJSONSerializer`` (with its parameter validation on, so botocore also accepts every
input we consider valid) must agree on the method, the percent-encoded path, the query
string (as a multimap, repeated keys in order), the headers and the JSON body.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from botocore.awsrequest import prepare_request_dict
from botocore.serialize import create_serializer
from hypothesis import given
from hypothesis import strategies as st
from schema_strategies import (
    OPERATIONS,
    PROTOCOL,
    SCHEMA,
    objects,
    service_model,
    to_model_dict,
)

from microvm_sdk import models

ENDPOINT = "https://lambda.us-east-1.amazonaws.com"
SERIALIZER = create_serializer("rest-json", include_validation=True)


def multimap(query: str) -> dict[str, list[str]]:
    result: dict[str, list[str]] = defaultdict(list)
    for key, value in parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)):
        result[key].append(value)
    return dict(result)


def ours(operation: str, params: Any) -> dict[str, Any]:
    request = PROTOCOL.serialize(SCHEMA.operations[operation], params, ENDPOINT)
    url = urlsplit(request.url)
    return {
        "method": request.method,
        "path": url.path,
        "query": multimap(url.query),
        "headers": dict(request.headers),
        "body": json.loads(request.body) if request.body else None,
    }


def botocores(operation: str, params: Any) -> dict[str, Any]:
    op_model = service_model().operation_model(operation)
    model_params = to_model_dict(params, SCHEMA.operations[operation].input or "")
    request = SERIALIZER.serialize_to_request(model_params, op_model)
    prepare_request_dict(request, endpoint_url=ENDPOINT)
    url = urlsplit(request["url"])
    return {
        "method": request["method"],
        "path": url.path,
        "query": multimap(url.query),
        "headers": dict(request["headers"]),
        "body": json.loads(request["body"]) if request["body"] else None,
    }


def test_every_operation_is_covered() -> None:
    assert len(OPERATIONS) == 24
    assert set(OPERATIONS) == set(service_model().operation_names)


@pytest.mark.parametrize("operation", OPERATIONS)
@given(data=st.data())
def test_request_equals_botocore(operation: str, data: st.DataObject) -> None:
    input_shape = SCHEMA.operations[operation].input
    assert input_shape is not None
    params = data.draw(objects(input_shape), label="input")
    assert ours(operation, params) == botocores(operation, params)


# -- cases worth pinning (they also show the comparison is not vacuous) --------------------

IMAGE_ARN = "arn:aws:lambda:us-east-1:123456789012:microvm-image:my image/ü"


def test_uri_labels_are_percent_encoded_like_botocore() -> None:
    params = models.DeleteMicrovmImageVersionInput(image_identifier=IMAGE_ARN, image_version="1.0")
    mine = ours("DeleteMicrovmImageVersion", params)
    assert mine == botocores("DeleteMicrovmImageVersion", params)
    assert mine["path"] == (
        "/2025-09-09/microvm-images/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012"
        "%3Amicrovm-image%3Amy%20image%2F%C3%BC/versions/1.0"
    )


def test_remembered_label_values_stay_correct_and_bounded() -> None:
    """Escaped label values are remembered per label: a table that forgets when full."""
    from microvm_sdk._core.protocol import MAX_REMEMBERED_LABELS

    operation = SCHEMA.operations["GetMicrovmImage"]
    values = [f"{IMAGE_ARN}-{index}:{'%' * (index % 3)}" for index in range(40)]
    values += [f"image-{index}" for index in range(MAX_REMEMBERED_LABELS * 2)]
    for rounds in range(2):  # the second round's early values were forgotten, later kept
        for value in values[:: 7 if rounds else 1]:
            params = models.GetMicrovmImageInput(image_identifier=value)
            assert ours("GetMicrovmImage", params) == botocores("GetMicrovmImage", params)
    plan = PROTOCOL._plan(operation)
    tables = [part[3] for part in plan.path_parts if not isinstance(part, str)]
    assert len(tables) == 1
    assert 0 < len(tables[0]) <= MAX_REMEMBERED_LABELS


def test_query_lists_repeat_their_key_in_order() -> None:
    params = models.UntagResourceRequest(resource=IMAGE_ARN, tag_keys=("b", "a", "a&b=c"))
    mine = ours("UntagResource", params)
    assert mine == botocores("UntagResource", params)
    assert mine["query"] == {"tagKeys": ["b", "a", "a&b=c"]}
    assert mine["body"] is None


def test_no_body_members_means_no_body_and_no_content_type() -> None:
    params = models.SuspendMicrovmRequest(microvm_identifier="microvm-1")
    request = PROTOCOL.serialize(SCHEMA.operations["SuspendMicrovm"], params, ENDPOINT)
    assert request.body == b""
    assert "Content-Type" not in request.headers
    assert ours("SuspendMicrovm", params) == botocores("SuspendMicrovm", params)


def test_empty_collections_are_sent_not_dropped() -> None:
    params = models.TagResourceRequest(resource=IMAGE_ARN, tags={})
    mine = ours("TagResource", params)
    assert mine == botocores("TagResource", params)
    assert mine["body"] == {"Tags": {}}
    assert mine["headers"] == {"Content-Type": "application/json"}


def test_a_difference_would_be_seen() -> None:
    params = models.ListMicrovmsRequest(max_results=5, next_token="t/1")
    expected = botocores("ListMicrovms", params)
    assert ours("ListMicrovms", params) == expected
    assert expected["query"] == {"maxResults": ["5"], "nextToken": ["t/1"]}
    changed = models.ListMicrovmsRequest(max_results=6, next_token="t/1")
    assert ours("ListMicrovms", changed) != expected
