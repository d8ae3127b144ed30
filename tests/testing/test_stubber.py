"""``microvm_sdk.testing.Stubber``: queued answers checked against the model, for both
clients, with no network and no credentials.

Every test runs with ``Client`` and with ``AsyncClient`` (behind the blocking facade of
``tests/flavours.py``); the stubber itself is the same object for both.
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from flavours import FLAVOURS, ClientFacade

import microvm_sdk
from microvm_sdk import errors, models
from microvm_sdk.config import HttpRequest, HttpResponse
from microvm_sdk.testing import ANY, InvalidStubError, StubAssertionError, Stubber

ARN = "arn:aws:lambda:us-east-1:123456789012:microvm-image:demo"
OTHER_ARN = "arn:aws:lambda:us-east-1:123456789012:microvm-image:other"
BASE_ARN = "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1"
ROLE_ARN = "arn:aws:iam::123456789012:role/build"
VM_ID = "mvm-0123456789abcdef0"
CREATED_AT = datetime.datetime(2025, 6, 1, 12, 30, tzinfo=datetime.UTC)
IMAGE = models.GetMicrovmImageOutput(
    image_arn=ARN, name="demo", state=models.MicrovmImageState.CREATED, created_at=CREATED_AT
)


class NoNetwork:
    """A transport for both clients that fails the test if anything is sent."""

    def __init__(self) -> None:
        self.sent: list[HttpRequest] = []

    def send(self, request: HttpRequest) -> HttpResponse:
        self.sent.append(request)
        raise AssertionError(f"sent {request.method} {request.url}")

    async def send_async(self, request: HttpRequest) -> HttpResponse:
        return self.send(request)

    def close(self) -> None:
        pass

    async def aclose(self) -> None:
        pass


@pytest.fixture(autouse=True)
def no_credentials(isolated_aws_env: None) -> None:
    """No AWS settings at all: a stubbed client must need none but a region."""


@pytest.fixture(params=FLAVOURS)
def flavour(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def network() -> NoNetwork:
    return NoNetwork()


@pytest.fixture
def client(flavour: str, runner: asyncio.Runner, network: NoNetwork) -> Iterator[Any]:
    """A client of the test's flavour (the async one behind a blocking facade)."""
    if flavour == "sync":
        made: Any = microvm_sdk.Client(region_name="us-east-1", transport=network)
    else:
        made = ClientFacade(
            runner, microvm_sdk.AsyncClient(region_name="us-east-1", transport=network)
        )
    yield made
    made.close()


def real(client: Any) -> Any:
    """The client itself, out of its facade."""
    return client.inner if isinstance(client, ClientFacade) else client


@pytest.fixture
def stubber(client: Any, network: NoNetwork) -> Iterator[Stubber]:
    with Stubber(real(client)) as active:
        yield active
    assert network.sent == []


def create(client: Any, **kwargs: Any) -> Any:
    return client.create_microvm_image(
        name="demo",
        base_image_arn=BASE_ARN,
        build_role_arn=ROLE_ARN,
        code_artifact=models.CodeArtifactUri(value="s3://bucket/code.zip"),
        **kwargs,
    )


CREATED = models.CreateMicrovmImageResponse(
    image_arn=ARN,
    name="demo",
    state=models.MicrovmImageState.CREATING,
    image_version="1",
    created_at=CREATED_AT,
    base_image_arn=BASE_ARN,
    build_role_arn=ROLE_ARN,
    code_artifact=models.CodeArtifactUri(value="s3://bucket/code.zip"),
)


# Results --------------------------------------------------------------------------------


def test_a_stubbed_result_comes_back_as_the_client_parses_it(client: Any, stubber: Stubber) -> None:
    stubber.add_response("get_microvm_image", IMAGE, expected_params={"image_identifier": ARN})
    got = client.get_microvm_image(image_identifier=ARN)
    assert got == IMAGE
    assert type(got) is models.GetMicrovmImageOutput
    stubber.assert_no_pending_responses()


def test_results_are_answered_in_order(client: Any, stubber: Stubber) -> None:
    second = attrs.evolve(IMAGE, name="second")
    stubber.add_response("get_microvm_image", IMAGE)
    stubber.add_response("get_microvm_image", second)
    assert client.get_microvm_image(image_identifier=ARN).name == "demo"
    assert client.get_microvm_image(image_identifier=ARN).name == "second"


def test_the_result_is_what_the_wire_carries(client: Any, stubber: Stubber) -> None:
    """Lists arrive as tuples and timestamps in UTC, as from the service."""
    paris = datetime.timezone(datetime.timedelta(hours=2))
    item = models.MicrovmImageSummary(
        image_arn=ARN,
        name="demo",
        state=models.MicrovmImageState.CREATED,
        created_at=CREATED_AT.astimezone(paris),
    )
    stubber.add_response("list_microvm_images", models.ListMicrovmImagesResponse(items=[item]))
    page = client.list_microvm_images()
    assert page.items == (attrs.evolve(item, created_at=CREATED_AT),)
    assert page.items[0].created_at.tzinfo == datetime.UTC


def test_values_newer_than_the_sdk_are_results_the_service_can_send(
    client: Any, stubber: Stubber
) -> None:
    state = models.MicrovmImageState("ARCHIVED")  # an enum value this SDK does not know
    stubber.add_response("get_microvm_image", attrs.evolve(IMAGE, state=state))
    assert client.get_microvm_image(image_identifier=ARN).state.is_unknown


def test_an_operation_without_output_is_stubbed_with_none(client: Any, stubber: Stubber) -> None:
    stubber.add_response(
        "tag_resource", None, expected_params={"resource": ARN, "tags": {"a": "b"}}
    )
    stubber.add_response("untag_resource", models.EmptyOutput())
    result = client.tag_resource(resource=ARN, tags={"a": "b"})
    assert result == models.EmptyOutput()  # what the real call returns: metadata only
    assert result.response_metadata.http_status == 204  # the modeled success code
    assert result.response_metadata.request_id
    assert client.untag_resource(resource=ARN, tag_keys=["a"]) == models.EmptyOutput()
    with pytest.raises(InvalidStubError, match="stub it with None or EmptyOutput"):
        stubber.add_response("tag_resource", IMAGE)


def test_no_credentials_and_no_network_are_needed(client: Any, stubber: Stubber) -> None:
    """The fixtures removed every credential source; the transport fails if used."""
    stubber.add_response("get_microvm_image", IMAGE)
    client.get_microvm_image(image_identifier=ARN)
    with pytest.raises(errors.ConfigurationError, match="no credentials found"):
        stubber.deactivate()  # now the call is real, and there are no credentials
        client.get_microvm_image(image_identifier=ARN)


def test_paginators_and_waiters_run_on_stubbed_pages(client: Any, stubber: Stubber) -> None:
    vm = models.MicrovmItem(
        microvm_id=VM_ID,
        image_arn=ARN,
        image_version="1",
        state=models.MicrovmState.RUNNING,
        started_at=CREATED_AT,
    )
    stubber.add_response(
        "list_microvms", models.ListMicrovmsResponse(items=[vm], next_token="page-2")
    )
    stubber.add_response(
        "list_microvms",
        models.ListMicrovmsResponse(items=[vm]),
        expected_params={"next_token": "page-2"},
    )
    assert [item.microvm_id for item in client.paginate_list_microvms().items()] == [VM_ID] * 2
    creating = attrs.evolve(IMAGE, state=models.MicrovmImageState.CREATING)
    stubber.add_response("get_microvm_image", creating)
    stubber.add_response("get_microvm_image", IMAGE)
    done = client.wait_until_created(image_identifier=ARN, min_delay=0.01, max_delay=0.01)
    assert done == IMAGE
    stubber.assert_no_pending_responses()


def test_call_wire_is_stubbed_too(client: Any, stubber: Stubber) -> None:
    stubber.add_response("get_microvm_image", IMAGE, expected_params={"image_identifier": ARN})
    wire = client.call_wire("GetMicrovmImage", {"imageIdentifier": ARN})
    assert wire["imageArn"] == ARN
    assert wire["createdAt"] == CREATED_AT.timestamp()


# Results the service could not send ------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "problem"),
    [
        (models.GetMicrovmImageInput(image_identifier=ARN), "expected GetMicrovmImageOutput"),
        (attrs.evolve(IMAGE, name=""), "name: 0 characters < min 1"),
        (attrs.evolve(IMAGE, name="no spaces allowed"), "does not match pattern"),
        (attrs.evolve(IMAGE, created_at=None), "created_at: missing required member"),
        (attrs.evolve(IMAGE, image_arn=7), "image_arn: expected str, got int"),
        (
            attrs.evolve(IMAGE, created_at=datetime.datetime(2025, 1, 1)),
            "created_at: naive datetime",
        ),
        (None, "expected GetMicrovmImageOutput, got NoneType"),
    ],
    ids=["other-class", "too-short", "pattern", "missing", "wrong-type", "naive", "none"],
)
def test_a_result_the_service_could_not_send_is_refused_when_queued(
    stubber: Stubber, result: Any, problem: str
) -> None:
    with pytest.raises(
        InvalidStubError, match="get_microvm_image: the service could not send"
    ) as caught:
        stubber.add_response("get_microvm_image", result)
    assert problem in str(caught.value)
    stubber.assert_no_pending_responses()  # nothing was queued


def test_a_result_for_an_operation_without_output_is_refused(stubber: Stubber) -> None:
    with pytest.raises(InvalidStubError, match="tag_resource: the operation has no output"):
        stubber.add_response("tag_resource", IMAGE)


def test_an_unknown_method_is_refused_with_a_suggestion(stubber: Stubber) -> None:
    with pytest.raises(InvalidStubError, match="did you mean 'get_microvm_image'"):
        stubber.add_response("GetMicrovmImage", IMAGE)
    with pytest.raises(InvalidStubError, match="did you mean 'get_microvm_image'"):
        stubber.add_response("get_microvm_imag", IMAGE)


# Expected parameters ---------------------------------------------------------------------


def test_other_parameters_than_expected_fail_the_call(client: Any, stubber: Stubber) -> None:
    stubber.add_response("get_microvm_image", IMAGE, expected_params={"image_identifier": ARN})
    with pytest.raises(StubAssertionError) as caught:
        client.get_microvm_image(image_identifier=OTHER_ARN)
    assert f"image_identifier: expected {ARN!r}, got {OTHER_ARN!r}" in str(caught.value)
    # The response stays queued for the call that was meant.
    assert client.get_microvm_image(image_identifier=ARN) == IMAGE


def test_expected_params_as_the_typed_input(client: Any, stubber: Stubber) -> None:
    stubber.add_response(
        "get_microvm_image",
        IMAGE,
        expected_params=models.GetMicrovmImageInput(image_identifier=ARN),
    )
    client.get_microvm_image(image_identifier=ARN)


def test_a_parameter_left_out_of_expected_must_not_be_passed(client: Any, stubber: Stubber) -> None:
    stubber.add_response(
        "list_microvm_images", models.ListMicrovmImagesResponse(items=[]), expected_params={}
    )
    with pytest.raises(StubAssertionError, match="max_results: expected None, got 5"):
        client.list_microvm_images(max_results=5)


def test_any_matches_every_value_and_sequences_compare_by_content(
    client: Any, stubber: Stubber
) -> None:
    ports = [models.PortSpecificationPort(value=8080)]
    stubber.add_response(
        "create_microvm_auth_token",
        models.CreateMicrovmAuthTokenResponse(auth_token={"token": "secret-token"}),
        expected_params={
            "microvm_identifier": ANY,
            "expiration_in_minutes": 30,
            "allowed_ports": tuple(ports),  # a tuple expected, a list passed
        },
    )
    token = client.create_microvm_auth_token(
        microvm_identifier=VM_ID, expiration_in_minutes=30, allowed_ports=ports
    )
    assert token.auth_token == {"token": "secret-token"}


def test_sdk_made_idempotency_tokens_are_compared_only_when_named(
    client: Any, stubber: Stubber
) -> None:
    stubber.add_response("create_microvm_image", CREATED, expected_params=_create_params())
    create(client)  # the SDK fills in a client token: not compared
    stubber.add_response(
        "create_microvm_image", CREATED, expected_params=_create_params(client_token="deploy-1")
    )
    # the token the SDK made for this call is what the mismatch shows
    made = r"client_token: expected 'deploy-1', got '[0-9a-f]{8}-[0-9a-f-]{27}'"
    with pytest.raises(StubAssertionError, match=made):
        create(client)
    create(client, client_token="deploy-1")


def _create_params(**extra: Any) -> dict[str, Any]:
    return {
        "name": "demo",
        "base_image_arn": BASE_ARN,
        "build_role_arn": ROLE_ARN,
        "code_artifact": models.CodeArtifactUri(value="s3://bucket/code.zip"),
        **extra,
    }


def test_sensitive_parameters_are_not_shown_in_a_mismatch(client: Any, stubber: Stubber) -> None:
    stubber.add_response(
        "run_microvm",
        models.RunMicrovmResponse(
            microvm_id=VM_ID,
            state=models.MicrovmState.PENDING,
            endpoint="https://vm.example",
            image_arn=ARN,
            image_version="1",
            maximum_duration_in_seconds=3600,
            started_at=CREATED_AT,
        ),
        expected_params={"image_identifier": ARN, "run_hook_payload": "expected-secret"},
    )
    with pytest.raises(StubAssertionError) as caught:
        client.run_microvm(image_identifier=ARN, run_hook_payload="actual-secret")
    message = str(caught.value)
    assert "run_hook_payload: expected <sensitive>, got <sensitive>" in message
    assert "secret" not in message.replace("<sensitive>", "")


@pytest.mark.parametrize(
    ("expected", "problem"),
    [
        (
            {"imageIdentifier": ARN},
            "Python names are used: 'imageIdentifier' is 'image_identifier'",
        ),
        ({"image_identifer": ARN}, "did you mean 'image_identifier'?"),
        ({"image_identifier": 42}, "image_identifier: expected str, got int"),
        ({}, "image_identifier: missing required member"),
        (models.ListMicrovmsRequest(), "must be a GetMicrovmImageInput or a mapping"),
        (["image_identifier"], "must be a GetMicrovmImageInput or a mapping"),
    ],
    ids=["model-name", "typo", "wrong-type", "missing", "other-input", "list"],
)
def test_expected_params_are_checked_against_the_model(
    stubber: Stubber, expected: Any, problem: str
) -> None:
    with pytest.raises(InvalidStubError, match="get_microvm_image: expected_params") as caught:
        stubber.add_response("get_microvm_image", IMAGE, expected_params=expected)
    assert problem in str(caught.value)


# Errors ----------------------------------------------------------------------------------


def test_a_modeled_error_raises_its_class_with_its_fields(client: Any, stubber: Stubber) -> None:
    stubber.add_client_error(
        "get_microvm_image",
        "ResourceNotFoundException",
        "no such image",
        modeled_fields={"resource_id": ARN, "resource_type": "MicrovmImage"},
        response_meta={"RequestId": "req-1"},
    )
    with pytest.raises(errors.ResourceNotFoundException) as caught:
        client.get_microvm_image(image_identifier=ARN)
    error = caught.value
    assert (error.code, error.message, error.http_status) == (
        "ResourceNotFoundException",
        "no such image",
        404,  # the model's status by default
    )
    assert (error.resource_id, error.resource_type, error.request_id) == (
        ARN,
        "MicrovmImage",
        "req-1",
    )
    assert (error.attempts, error.is_retryable) == (1, False)


def test_a_stubbed_throttle_is_not_retried(client: Any, stubber: Stubber) -> None:
    stubber.add_client_error(
        "get_microvm_image",
        "ThrottlingException",
        "Rate exceeded",
        modeled_fields={"retry_after_seconds": 2},
    )
    stubber.add_response("get_microvm_image", IMAGE)
    with pytest.raises(errors.ThrottlingException) as caught:
        client.get_microvm_image(image_identifier=ARN)
    error = caught.value
    assert (error.attempts, error.is_retryable, error.is_throttling) == (1, True, True)
    assert (error.retry_after_seconds, error.retry_after, error.http_status) == (2, 2.0, 429)
    assert client.get_microvm_image(image_identifier=ARN) == IMAGE  # the next one is intact


def test_an_error_the_model_does_not_name(client: Any, stubber: Stubber) -> None:
    stubber.add_client_error(
        "get_microvm_image", "InternalFailure", "oops", 500, service_error_meta={"Type": "Server"}
    )
    stubber.add_client_error("get_microvm_image", "UnrecognizedClientException", "bad token")
    with pytest.raises(errors.UnknownServiceError) as caught:
        client.get_microvm_image(image_identifier=ARN)
    assert (caught.value.code, caught.value.http_status, caught.value.is_retryable) == (
        "InternalFailure",
        500,
        True,  # a 500 is retryable, as the retry policy classifies it
    )
    assert b'"Type": "Server"' in caught.value.body
    with pytest.raises(errors.UnknownServiceError) as caught:
        client.get_microvm_image(image_identifier=ARN)
    assert caught.value.http_status == 400  # boto3's Stubber's default


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        (
            {"service_error_code": "ResourceNotFoundException", "http_status_code": 400},
            "the service sends it with HTTP 404, not 400",
        ),
        (
            {
                "service_error_code": "ResourceNotFoundException",
                "modeled_fields": {"resourceId": "x"},
            },
            "Python names are used: 'resourceId' is 'resource_id'",
        ),
        (
            {"service_error_code": "ThrottlingException", "modeled_fields": {"quota_code": 5}},
            "quota_code: expected str, got int",
        ),
        (
            {"service_error_code": "InternalFailure", "modeled_fields": {"a": 1}},
            "is not an error of the model",
        ),
        ({"service_error_code": "Teapot", "http_status_code": 200}, "must be 400-599"),
        (
            {"service_error_code": "Teapot", "response_meta": {"Request": "x"}},
            "response_meta takes",
        ),
    ],
    ids=["status", "model-name", "field-type", "unmodeled-fields", "success-status", "meta"],
)
def test_an_error_the_service_could_not_send_is_refused_when_queued(
    stubber: Stubber, kwargs: dict[str, Any], problem: str
) -> None:
    with pytest.raises(InvalidStubError) as caught:
        stubber.add_client_error("get_microvm_image", **kwargs)
    assert problem in str(caught.value)


# Unexpected calls ---------------------------------------------------------------------------


def test_a_call_with_nothing_queued_fails(client: Any, stubber: Stubber) -> None:
    with pytest.raises(StubAssertionError, match="unexpected call of get_microvm_image"):
        client.get_microvm_image(image_identifier=ARN)


def test_a_call_of_another_method_than_queued_fails_and_keeps_the_queue(
    client: Any, stubber: Stubber
) -> None:
    stubber.add_response("list_microvm_images", models.ListMicrovmImagesResponse(items=[]))
    with pytest.raises(
        StubAssertionError,
        match="get_microvm_image was called, but the next queued response is for list_microvm_",
    ):
        client.get_microvm_image(image_identifier=ARN)
    with pytest.raises(StubAssertionError, match="1 queued response"):
        stubber.assert_no_pending_responses()
    client.list_microvm_images()
    stubber.assert_no_pending_responses()


def test_invalid_arguments_fail_before_the_stub_is_asked(client: Any, stubber: Stubber) -> None:
    stubber.add_response("get_microvm_image", IMAGE)
    with pytest.raises(errors.ParamValidationError):
        client.get_microvm_image(image_identifier="")
    assert client.get_microvm_image(image_identifier=ARN) == IMAGE


# Life cycle -----------------------------------------------------------------------------------


def test_outside_the_with_block_calls_go_to_the_network(
    client: Any, network: NoNetwork, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AK")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "SK")
    stubber = Stubber(real(client))
    stubber.add_response("get_microvm_image", IMAGE)  # queued before activation
    with stubber:
        assert client.get_microvm_image(image_identifier=ARN) == IMAGE
    with pytest.raises(AssertionError, match="sent GET"):
        client.get_microvm_image(image_identifier=ARN)
    assert len(network.sent) == 1
    network.sent.clear()


def test_one_stubber_at_a_time(client: Any, stubber: Stubber) -> None:
    with pytest.raises(StubAssertionError, match="another Stubber is already active"):
        Stubber(real(client)).activate()
    stubber.activate()  # the active one again: fine


def test_a_stubber_works_from_many_threads(flavour: str, stubber: Stubber, client: Any) -> None:
    if flavour == "async":
        pytest.skip("threads: the blocking client")
    import threading

    for _ in range(40):
        stubber.add_response("get_microvm_image", IMAGE)
    results: list[Any] = []

    def call() -> None:
        for _ in range(10):
            results.append(client.get_microvm_image(image_identifier=ARN))

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [IMAGE] * 40
    stubber.assert_no_pending_responses()


def test_the_async_client_is_stubbed_inside_a_coroutine(network: NoNetwork) -> None:
    async def main() -> models.GetMicrovmImageOutput:
        async with microvm_sdk.AsyncClient(region_name="us-east-1", transport=network) as client:
            with Stubber(client) as stubber:
                stubber.add_response("get_microvm_image", IMAGE)
                results = await asyncio.gather(
                    client.get_microvm_image(image_identifier=ARN),
                    client.get_microvm_image(image_identifier=ARN),
                    return_exceptions=True,
                )
                stubber.assert_no_pending_responses()
        assert isinstance(results[1], StubAssertionError)
        assert isinstance(results[0], models.GetMicrovmImageOutput)
        return results[0]

    assert asyncio.run(main()) == IMAGE
    assert network.sent == []
