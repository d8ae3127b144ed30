"""Response metadata on every result and error, checked against boto3's for the same bytes.

``result.response_metadata`` holds request id, status, headers and attempts; an
operation without a modeled output returns an ``EmptyOutput`` that carries it; a service
error carries the same and ``error.response``, shaped like boto3's
``ClientError.response``. boto3 reads the same scripted replies as the oracle.
"""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import attrs
import pytest
from client_cases import CASES, CASES_BY_NAME, IMAGE_ARN, Case
from replay_server import ClientFactory, ReplayServer, Reply
from test_client_operations import IDS, call_boto3, call_typed

import microvm_sdk
from microvm_sdk import errors, models
from microvm_sdk._schema import SCHEMA

REQUEST_ID = "4c6f1a2e-0d3b-4e5f-9a8b-7c6d5e4f3a2b"
GET = CASES_BY_NAME["GetMicrovmImage"]


def reply(case: Case, **headers: str) -> Reply:
    status = SCHEMA.operations[case.operation].success_code
    return Reply.json(status, case.body, {"x-amzn-RequestId": REQUEST_ID, **headers})


def boto3_error(
    make_boto3_client: Any, server: ReplayServer, *replies: Reply, **config: Any
) -> Any:
    import botocore.config  # type: ignore[import-untyped]
    import botocore.exceptions  # type: ignore[import-untyped]

    retries = {"mode": "standard", "total_max_attempts": config.get("max_attempts", 1)}
    client = make_boto3_client(config=botocore.config.Config(retries=retries))
    server.script(*replies)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call_boto3(client, GET)
    return info.value


def our_error(
    make_client: ClientFactory, server: ReplayServer, *replies: Reply, **config: Any
) -> Any:
    client = make_client(config=microvm_sdk.Config(max_attempts=config.get("max_attempts", 1)))
    server.script(*replies)
    with pytest.raises(errors.ServiceError) as info:
        call_typed(client, GET)
    return info.value


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_result_carries_what_boto3_calls_its_response_metadata(
    case: Case, client: microvm_sdk.Client, server: ReplayServer, make_boto3_client: Any
) -> None:
    server.script(reply(case, **{"x-custom": "kept"}))
    output = call_typed(client, case)
    server.script(reply(case, **{"x-custom": "kept"}))
    theirs = call_boto3(make_boto3_client(), case)["ResponseMetadata"]

    metadata = output.response_metadata
    assert metadata.request_id == REQUEST_ID
    assert metadata.http_status == SCHEMA.operations[case.operation].success_code
    assert metadata.http_headers["x-custom"] == "kept"
    assert metadata.attempts == 1
    assert metadata.to_boto3() == theirs
    if SCHEMA.operations[case.operation].output is None:
        assert type(output) is models.EmptyOutput


def test_metadata_is_not_part_of_equality_repr_or_the_fields(
    client: microvm_sdk.Client, server: ReplayServer
) -> None:
    server.script(reply(GET), reply(GET, **{"x-amzn-RequestId": "another-request"}))
    first, second = call_typed(client, GET), call_typed(client, GET)
    assert first.response_metadata.request_id != second.response_metadata.request_id
    assert first == second
    assert repr(first) == repr(second)
    assert "response_metadata" not in {f.name for f in attrs.fields(type(first))}
    assert "response_metadata" not in attrs.asdict(first)
    # A copy made by hand is equal to the result and has empty metadata.
    rebuilt = attrs.evolve(first)
    assert rebuilt == first
    assert rebuilt.response_metadata == models.ResponseMetadata()
    assert rebuilt.response_metadata.request_id is None


def test_metadata_is_read_only(client: microvm_sdk.Client, server: ReplayServer) -> None:
    server.script(reply(GET))
    metadata = call_typed(client, GET).response_metadata
    with pytest.raises(TypeError):
        metadata.http_headers["x-amzn-requestid"] = "forged"  # type: ignore[index]
    with pytest.raises(AttributeError):
        metadata.request_id = "forged"  # type: ignore[misc]
    assert metadata.request_id == REQUEST_ID
    assert REQUEST_ID in repr(metadata)


def test_attempts_count_the_retries_as_boto3_counts_them(
    client: microvm_sdk.Client, server: ReplayServer, make_boto3_client: Any
) -> None:
    failure = Reply.error(500, "InternalFailure")
    server.script(failure, failure, reply(GET))
    metadata = call_typed(client, GET).response_metadata
    assert metadata.attempts == 3
    server.script(failure, failure, reply(GET))
    theirs = call_boto3(make_boto3_client(), GET)["ResponseMetadata"]
    assert metadata.to_boto3()["RetryAttempts"] == theirs["RetryAttempts"] == 2


def test_results_pickle_without_their_metadata(
    client: microvm_sdk.Client, server: ReplayServer
) -> None:
    server.script(reply(GET))
    output = call_typed(client, GET)
    assert output.response_metadata.request_id == REQUEST_ID
    restored = pickle.loads(pickle.dumps(output))
    assert restored == output
    assert restored.response_metadata.request_id is None
    assert copy.deepcopy(output) == output


def test_a_trimmed_page_keeps_the_metadata_of_the_page_it_came_from(
    client: microvm_sdk.Client, server: ReplayServer
) -> None:
    case = CASES_BY_NAME["ListMicrovms"]
    server.script(reply(case))
    pages = list(client.paginate_list_microvms(max_items=1).pages())
    assert len(pages) == 1 and len(pages[0].items) == 1
    assert pages[0].response_metadata.request_id == REQUEST_ID


def test_empty_output() -> None:
    assert models.EmptyOutput() == models.EmptyOutput()
    assert repr(models.EmptyOutput()) == "EmptyOutput()"
    assert models.EmptyOutput().response_metadata.http_status == 0
    assert isinstance(models.EmptyOutput(), models.ModelOutput)


# -- errors ---------------------------------------------------------------------------

ERRORS = [
    pytest.param(
        Reply.error(
            404,
            "ResourceNotFoundException",
            {"message": "no such image", "resourceType": "MICROVM_IMAGE", "resourceId": "demo"},
            {"x-amzn-RequestId": REQUEST_ID},
        ),
        id="modeled-with-members",
    ),
    pytest.param(
        Reply.error(
            400,
            "InvalidParameterValueException",
            {"message": "bad", "Type": "User"},
            {"x-amzn-RequestId": REQUEST_ID},
        ),
        id="modeled-capitalized-member",
    ),
    pytest.param(
        Reply.error(
            429,
            "ThrottlingException",
            {"message": "slow down", "quotaCode": "L-1", "serviceCode": "lambda"},
            {"x-amzn-RequestId": REQUEST_ID, "Retry-After": "0"},
        ),
        id="throttling-out-of-attempts",
    ),
    pytest.param(
        Reply.error(400, "ValidationException", {}, {"x-amzn-RequestId": REQUEST_ID}),
        id="no-message",
    ),
    pytest.param(
        Reply.error(418, "SomethingNew", {"message": "new"}, {"x-amzn-RequestId": REQUEST_ID}),
        id="unmodeled-code",
    ),
    pytest.param(
        Reply(400, {"message": "who am I"}, {"x-amzn-RequestId": REQUEST_ID}), id="no-code"
    ),
]


@pytest.mark.parametrize("answer", ERRORS)
def test_error_response_is_what_boto3_gives(
    answer: Reply, make_client: ClientFactory, server: ReplayServer, make_boto3_client: Any
) -> None:
    ours = our_error(make_client, server, answer)
    theirs = boto3_error(make_boto3_client, server, answer)
    assert ours.response == theirs.response
    assert ours.request_id == ours.response_metadata.request_id == REQUEST_ID
    assert ours.response_metadata.http_status == answer.status
    assert ours.response_metadata.http_headers == theirs.response["ResponseMetadata"]["HTTPHeaders"]
    assert ours.code  # error.code stays


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(Reply(502, b"<html><body>Bad Gateway</body></html>", {}), id="html"),
        pytest.param(Reply(503, b"", {}), id="empty"),
    ],
)
def test_a_generic_5xx_reads_as_boto3_reads_it_but_keeps_its_request_id(
    answer: Reply, make_client: ClientFactory, server: ReplayServer, make_boto3_client: Any
) -> None:
    ours = our_error(make_client, server, answer, answer, max_attempts=2)
    theirs = boto3_error(make_boto3_client, server, answer, answer, max_attempts=2)
    response = dict(ours.response)
    metadata = dict(response.pop("ResponseMetadata"))
    assert metadata.pop("RequestId").startswith("req-")  # boto3 drops it for these
    their_metadata = dict(theirs.response["ResponseMetadata"])
    their_metadata["HTTPHeaders"] = dict(their_metadata["HTTPHeaders"])
    their_metadata["HTTPHeaders"].pop("x-amzn-requestid")
    metadata["HTTPHeaders"] = dict(metadata["HTTPHeaders"])
    metadata["HTTPHeaders"].pop("x-amzn-requestid")
    assert metadata == their_metadata
    assert response == {k: v for k, v in theirs.response.items() if k != "ResponseMetadata"}
    assert metadata["MaxAttemptsReached"] is True
    assert metadata["RetryAttempts"] == 1


def test_error_response_is_read_only_and_serializable(
    make_client: ClientFactory, server: ReplayServer
) -> None:
    error = our_error(
        make_client,
        server,
        Reply.error(404, "ResourceNotFoundException", {"message": "gone"}),
    )
    response = error.response
    with pytest.raises(TypeError):
        response["Error"]["Code"] = "Other"
    with pytest.raises(TypeError):
        response["ResponseMetadata"]["HTTPHeaders"]["x"] = "y"
    with pytest.raises(TypeError):
        response.update({})  # type: ignore[attr-defined]
    assert json.loads(json.dumps(response)) == response
    changed = copy.deepcopy(response)
    changed["Error"]["Code"] = "Other"
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert response.get("ResponseMetadata", {}).get("RequestId") == error.request_id
    with pytest.raises(TypeError):
        error.http_headers["x"] = "y"  # type: ignore[index]


def test_errors_pickle_with_their_metadata(
    make_client: ClientFactory, server: ReplayServer
) -> None:
    error = our_error(
        make_client,
        server,
        Reply.error(404, "ResourceNotFoundException", {"message": "gone", "resourceId": "x"}),
    )
    restored = pickle.loads(pickle.dumps(error))
    assert type(restored) is type(error)
    assert restored.response == error.response
    assert restored.response_metadata == error.response_metadata


def test_an_error_built_by_hand_has_a_response_too() -> None:
    error = errors.ResourceNotFoundException(
        "gone",
        resource_id="img",
        http_status=404,
        request_id="r-1",
        http_headers={"x-amzn-requestid": "r-1"},
    )
    assert error.response == {
        "Error": {"Code": "ResourceNotFoundException", "Message": "gone"},
        "ResponseMetadata": {
            "RequestId": "r-1",
            "HTTPStatusCode": 404,
            "HTTPHeaders": {"x-amzn-requestid": "r-1"},
            "RetryAttempts": 0,
        },
        "message": "gone",
        "resourceId": "img",
    }
    assert error.response_metadata.attempts == 1
    assert IMAGE_ARN  # the cases module's constants stay importable from here


def test_attach_hangs_metadata_on_an_output_and_leaves_anything_else() -> None:
    from microvm_sdk._core.metadata import attach

    page = models.ListMicrovmsResponse(items=())
    assert attach(page, 200, {"x-amzn-requestid": "r-9"}, 2) is page
    assert page.response_metadata == models.ResponseMetadata(
        request_id="r-9", http_status=200, http_headers={"x-amzn-requestid": "r-9"}, attempts=2
    )
    assert attach(None, 200, {}, 1) is None
    plain = {"not": "an output"}
    assert attach(plain, 200, {}, 1) is plain
