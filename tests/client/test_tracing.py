"""OpenTelemetry spans through both clients, read back from the SDK's in-memory exporter.

A call, a retried call, failed calls, a waiter and a paginator: span names, kinds,
attributes, status, exception events, and who is whose parent. No sensitive member value
appears in any span. The tracer comes from a ``TracerProvider`` of each test's own (the
client asks ``microvm_sdk._core.tracing`` for it), so no global provider is installed in
the test process; ``test_tracing_process.py`` covers the global one, in fresh interpreters.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk.trace")

from client_cases import CASES, CASES_BY_NAME, IMAGE_ARN, SENSITIVE_VALUES, T0, Case
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from replay_server import ClientFactory, ReplayServer, Reply, async_client_for
from test_client_operations import IDS, call_typed
from test_client_paginators import three_pages

import microvm_sdk
from microvm_sdk import errors, models
from microvm_sdk._core import tracing
from microvm_sdk._version import __version__

SERVICE = "Lambda Microvms"
REQUEST_ID = "0b7c6d5e-4f3a-4b2c-9d8e-7f6a5b4c3d2e"
GET = CASES_BY_NAME["GetMicrovmImage"]
QUICK = {"min_delay": 0.001, "max_delay": 0.002, "timeout": 30}


@pytest.fixture
def exporter(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    """Spans of this test's clients, recorded by a provider of this test's own."""
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    monkeypatch.setattr(
        tracing, "_tracers", {__version__: provider.get_tracer(tracing.SCOPE, __version__)}
    )
    yield memory
    provider.shutdown()


def ok(case: Case = GET) -> Reply:
    status = microvm_sdk._schema.SCHEMA.operations[case.operation].success_code  # type: ignore[attr-defined]
    return Reply.json(status, case.body, {"x-amzn-RequestId": REQUEST_ID})


def spans(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return list(exporter.get_finished_spans())


def children(of: ReadableSpan, among: list[ReadableSpan]) -> list[ReadableSpan]:
    assert of.context is not None
    return [s for s in among if s.parent is not None and s.parent.span_id == of.context.span_id]


def the(name: str, among: list[ReadableSpan]) -> ReadableSpan:
    found = [s for s in among if s.name == name]
    assert len(found) == 1, [s.name for s in among]
    return found[0]


def test_a_call_is_one_client_span_named_after_service_and_operation(
    client: microvm_sdk.Client, server: ReplayServer, exporter: InMemorySpanExporter
) -> None:
    server.script(ok())
    client.get_microvm_image(image_identifier=IMAGE_ARN)

    [span] = spans(exporter)
    assert span.name == f"{SERVICE}.GetMicrovmImage"
    assert span.kind is SpanKind.CLIENT
    assert dict(span.attributes or {}) == {
        "rpc.system": "aws-api",
        "rpc.service": SERVICE,
        "rpc.method": "GetMicrovmImage",
        "cloud.region": "us-east-1",
        "server.address": "127.0.0.1",
        "server.port": server.port,
        "aws.request_id": REQUEST_ID,
        "http.response.status_code": 200,
    }
    assert span.status.status_code is StatusCode.UNSET
    assert span.parent is None
    assert not span.events
    assert span.instrumentation_scope is not None
    assert span.instrumentation_scope.name == "microvm_sdk"


def test_the_call_span_is_a_child_of_the_callers_span_and_current_in_hooks(
    sync_client: microvm_sdk.Client, server: ReplayServer, exporter: InMemorySpanExporter
) -> None:
    seen: list[Any] = []
    sync_client.hooks.after_response(lambda event: seen.append(trace.get_current_span()))
    tracer = tracing._tracers[__version__]
    server.script(ok())
    with tracer.start_as_current_span("handler"):
        sync_client.get_microvm_image(image_identifier=IMAGE_ARN)
    recorded = spans(exporter)
    handler, call = the("handler", recorded), the(f"{SERVICE}.GetMicrovmImage", recorded)
    assert children(handler, recorded) == [call]
    assert [s.get_span_context().span_id for s in seen] == [call.context.span_id]  # type: ignore[union-attr]
    # The caller's span is current again afterwards.
    assert trace.get_current_span() is trace.INVALID_SPAN


def test_async_calls_are_children_of_their_tasks_current_span(
    server: ReplayServer, exporter: InMemorySpanExporter
) -> None:
    tracer = tracing._tracers[__version__]
    seen: list[Any] = []

    async def main() -> None:
        async with async_client_for(server) as client:

            async def hook(event: Any) -> None:
                seen.append(trace.get_current_span())

            client.hooks.after_response(hook)

            async def handler(name: str) -> None:
                with tracer.start_as_current_span(name):
                    await client.get_microvm_image(image_identifier=IMAGE_ARN)

            await asyncio.gather(handler("first"), handler("second"))

    server.script(ok(), ok())
    asyncio.run(main())
    recorded = spans(exporter)
    calls = [s for s in recorded if s.name == f"{SERVICE}.GetMicrovmImage"]
    for name in ("first", "second"):
        [call] = children(the(name, recorded), recorded)
        assert call in calls
    assert sorted(s.get_span_context().span_id for s in seen) == sorted(
        s.context.span_id  # type: ignore[union-attr]
        for s in calls
    )


def test_a_retried_call_has_one_child_span_per_attempt(
    client: microvm_sdk.Client, server: ReplayServer, exporter: InMemorySpanExporter
) -> None:
    server.script(Reply.error(500, "InternalFailure"), Reply(503, b"", {}), ok())
    client.get_microvm_image(image_identifier=IMAGE_ARN)

    recorded = spans(exporter)
    call = the(f"{SERVICE}.GetMicrovmImage", recorded)
    attempts = sorted(children(call, recorded), key=lambda s: s.start_time or 0)
    assert len(recorded) == 4
    assert [s.name for s in attempts] == [f"{SERVICE}.GetMicrovmImage attempt"] * 3
    assert all(s.kind is SpanKind.INTERNAL for s in attempts)
    first, second, third = (dict(s.attributes or {}) for s in attempts)
    assert first["http.response.status_code"] == 500
    assert first["error.type"] == "InternalFailure"
    assert "http.request.resend_count" not in first
    assert second["error.type"] == "HTTP503"
    assert second["http.request.resend_count"] == 1
    assert third["http.response.status_code"] == 200
    assert third["aws.request_id"] == REQUEST_ID
    assert third["http.request.resend_count"] == 2
    assert [s.status.status_code for s in attempts] == [
        StatusCode.ERROR,
        StatusCode.ERROR,
        StatusCode.UNSET,
    ]
    assert call.status.status_code is StatusCode.UNSET
    assert dict(call.attributes or {})["http.request.resend_count"] == 2
    # Attempts follow each other inside the call's span.
    assert call.start_time is not None and call.end_time is not None
    for earlier, later in itertools.pairwise(attempts):
        assert earlier.end_time is not None and later.start_time is not None
        assert earlier.end_time <= later.start_time
    assert call.start_time <= (attempts[0].start_time or 0)
    assert (attempts[-1].end_time or 0) <= call.end_time


def test_a_failed_call_has_error_status_and_an_exception_event(
    make_client: ClientFactory, server: ReplayServer, exporter: InMemorySpanExporter
) -> None:
    client = make_client(config=microvm_sdk.Config(max_attempts=2))
    throttled = Reply.error(
        429, "ThrottlingException", {"message": "slow down"}, {"x-amzn-RequestId": REQUEST_ID}
    )
    server.script(throttled, throttled)
    with pytest.raises(errors.ThrottlingException):
        client.get_microvm_image(image_identifier=IMAGE_ARN)

    recorded = spans(exporter)
    call = the(f"{SERVICE}.GetMicrovmImage", recorded)
    attributes = dict(call.attributes or {})
    assert call.status.status_code is StatusCode.ERROR
    assert "ThrottlingException: slow down" in (call.status.description or "")
    assert attributes["error.type"] == "ThrottlingException"
    assert attributes["http.response.status_code"] == 429
    assert attributes["aws.request_id"] == REQUEST_ID
    [event] = call.events
    assert event.name == "exception"
    assert dict(event.attributes or {})["exception.type"].endswith("ThrottlingException")
    assert len(children(call, recorded)) == 2  # both attempts: the call retried


def test_a_call_without_an_answer_names_the_transport_error(
    make_client: ClientFactory, exporter: InMemorySpanExporter
) -> None:
    import socket

    with socket.socket() as unused:  # a port nothing listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    client = make_client(
        endpoint_url=f"http://127.0.0.1:{port}", config=microvm_sdk.Config(max_attempts=1)
    )
    with pytest.raises(errors.ConnectionError):
        client.get_microvm_image(image_identifier=IMAGE_ARN)
    [call] = spans(exporter)
    attributes = dict(call.attributes or {})
    assert attributes["error.type"] == "microvm_sdk.errors.ConnectionError"
    assert attributes["server.port"] == port
    assert "http.response.status_code" not in attributes
    assert call.status.status_code is StatusCode.ERROR


def test_a_call_that_fails_without_retrying_has_no_attempt_spans(
    client: microvm_sdk.Client, server: ReplayServer, exporter: InMemorySpanExporter
) -> None:
    server.script(Reply.error(404, "ResourceNotFoundException", {"message": "gone"}))
    with pytest.raises(errors.ResourceNotFoundException):
        client.get_microvm_image(image_identifier=IMAGE_ARN)
    [call] = spans(exporter)
    assert dict(call.attributes or {})["error.type"] == "ResourceNotFoundException"


def test_a_call_refused_before_sending_is_a_failed_span_too(
    client: microvm_sdk.Client, server: ReplayServer, exporter: InMemorySpanExporter
) -> None:
    with pytest.raises(errors.ParamValidationError):
        client.get_microvm_image(image_identifier="")
    [call] = spans(exporter)
    assert call.status.status_code is StatusCode.ERROR
    attributes = dict(call.attributes or {})
    assert attributes["error.type"] == "microvm_sdk.errors.ParamValidationError"
    assert "server.address" not in attributes
    assert not server.requests


def test_a_waiter_is_the_parent_of_its_polls(
    client: microvm_sdk.Client, server: ReplayServer, exporter: InMemorySpanExporter
) -> None:
    creating = Reply.json(200, {**GET.body, "state": "CREATING"})
    server.script(creating, creating, Reply.json(200, {**GET.body, "state": "CREATED"}))
    client.wait_until_created(image_identifier=IMAGE_ARN, **QUICK)

    recorded = spans(exporter)
    waiter = the(f"{SERVICE}.wait_until_created", recorded)
    assert waiter.kind is SpanKind.INTERNAL
    assert dict(waiter.attributes or {}) == {
        "cloud.region": "us-east-1",
        "code.function.name": "wait_until_created",
        "microvm_sdk.waiter": "MicrovmImageCreated",
        "microvm_sdk.operation": "GetMicrovmImage",
    }
    polls = children(waiter, recorded)
    assert [s.name for s in polls] == [f"{SERVICE}.GetMicrovmImage"] * 3
    assert len(recorded) == 4
    assert waiter.status.status_code is StatusCode.UNSET


def test_a_failed_waiter_has_error_status(
    client: microvm_sdk.Client, server: ReplayServer, exporter: InMemorySpanExporter
) -> None:
    server.script(Reply.json(200, {**GET.body, "state": "DELETING"}))
    with pytest.raises(errors.WaiterFailureError):
        client.wait_until_created(image_identifier=IMAGE_ARN, **QUICK)
    waiter = the(f"{SERVICE}.wait_until_created", spans(exporter))
    assert waiter.status.status_code is StatusCode.ERROR
    assert dict(waiter.attributes or {})["error.type"] == "microvm_sdk.errors.WaiterFailureError"


def test_a_paginator_is_the_parent_of_its_pages_only(
    client: microvm_sdk.Client, server: ReplayServer, exporter: InMemorySpanExporter
) -> None:
    server.handler = three_pages
    tracer = tracing._tracers[__version__]
    for _ in client.paginate_list_microvm_images().pages():
        with tracer.start_as_current_span("loop body"):
            pass

    recorded = spans(exporter)
    walk = the(f"{SERVICE}.paginate_list_microvm_images", recorded)
    assert walk.kind is SpanKind.INTERNAL
    assert dict(walk.attributes or {})["microvm_sdk.pages"] == 3
    assert dict(walk.attributes or {})["microvm_sdk.operation"] == "ListMicrovmImages"
    pages = children(walk, recorded)
    assert [s.name for s in pages] == [f"{SERVICE}.ListMicrovmImages"] * 3
    # The caller's code between pages is not inside the paginator's span.
    assert [s.parent for s in recorded if s.name == "loop body"] == [None] * 3
    assert walk.end_time is not None
    assert max(s.end_time or 0 for s in pages) <= walk.end_time


def test_leaving_a_paginator_early_ends_its_span_without_error(
    sync_client: microvm_sdk.Client, server: ReplayServer, exporter: InMemorySpanExporter
) -> None:
    server.handler = three_pages
    for _ in sync_client.paginate_list_microvm_images().items():
        break
    walk = the(f"{SERVICE}.paginate_list_microvm_images", spans(exporter))
    assert walk.status.status_code is StatusCode.UNSET
    assert dict(walk.attributes or {})["microvm_sdk.pages"] == 1


def test_leaving_an_async_paginator_early_ends_its_span_when_it_is_closed(
    server: ReplayServer, exporter: InMemorySpanExporter
) -> None:
    # An async generator left by ``break`` is closed when it is collected (PEP 525);
    # ``contextlib.aclosing`` closes it at once.
    server.handler = three_pages

    async def main() -> None:
        async with async_client_for(server) as client:
            async with contextlib.aclosing(client.paginate_list_microvm_images().items()) as items:
                async for _ in items:
                    break
            assert [s.name for s in spans(exporter)][-1].endswith("paginate_list_microvm_images")

    asyncio.run(main())
    walk = the(f"{SERVICE}.paginate_list_microvm_images", spans(exporter))
    assert walk.status.status_code is StatusCode.UNSET


def test_tracing_false_records_nothing(
    make_client: ClientFactory, server: ReplayServer, exporter: InMemorySpanExporter
) -> None:
    client = make_client(config=microvm_sdk.Config(tracing=False))
    server.handler = three_pages
    list(client.paginate_list_microvm_images().items())
    server.handler = None
    server.script(Reply.json(200, {**GET.body, "state": "CREATED"}))
    client.wait_until_created(image_identifier=IMAGE_ARN, **QUICK)
    assert spans(exporter) == []


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_no_sensitive_value_ends_up_in_a_span(
    case: Case, client: microvm_sdk.Client, server: ReplayServer, exporter: InMemorySpanExporter
) -> None:
    # Every operation, answered first with an error that quotes the request back, then
    # with its (sensitive) output.
    echo = Reply.error(500, "InternalFailure", {"message": "retry me"})
    server.script(echo, ok(case))
    call_typed(client, case)
    recorded = spans(exporter)
    assert recorded
    for span in recorded:
        texts = [span.name, str(span.status.description)]
        texts += [str(v) for v in (span.attributes or {}).values()]
        for event in span.events:
            texts += [str(v) for v in (event.attributes or {}).values()]
        for secret in SENSITIVE_VALUES:
            assert not any(secret in text for text in texts), (span.name, secret)


def test_validation_errors_in_spans_do_not_show_sensitive_input(
    client: microvm_sdk.Client, exporter: InMemorySpanExporter
) -> None:
    with pytest.raises(errors.ParamValidationError):
        client.run_microvm(
            image_identifier=IMAGE_ARN,
            run_hook_payload=SENSITIVE_VALUES[1] * 10_000,  # too long: refused
        )
    [span] = spans(exporter)
    texts = [str(span.status.description)]
    for event in span.events:
        texts += [str(v) for v in (event.attributes or {}).values()]
    assert not any(SENSITIVE_VALUES[1] in text for text in texts)


def test_hooks_and_metadata_agree_with_the_span(
    client: microvm_sdk.Client, server: ReplayServer, exporter: InMemorySpanExporter
) -> None:
    server.script(ok())
    image = client.get_microvm_image(image_identifier=IMAGE_ARN)
    [span] = spans(exporter)
    attributes = dict(span.attributes or {})
    assert image.response_metadata.request_id == attributes["aws.request_id"]
    assert image.created_at.timestamp() == T0
    assert isinstance(image, models.ModelOutput)


def test_without_an_sdk_a_call_does_no_tracing_work_after_starting_its_span(
    sync_client: microvm_sdk.Client, server: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The API alone (no SDK): its no-op tracer hands out invalid non-recording spans.
    monkeypatch.setattr(tracing, "_tracers", {__version__: trace.NoOpTracer()})
    server.script(ok())
    sync_client.get_microvm_image(image_identifier=IMAGE_ARN)  # runs as without tracing
    assert sync_client._runtime.trace_call("GetMicrovmImage") is None


def test_a_call_dropped_by_the_sampler_still_passes_its_trace_on(
    sync_client: microvm_sdk.Client, server: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

    memory = InMemorySpanExporter()
    provider = TracerProvider(sampler=ALWAYS_OFF)
    provider.add_span_processor(SimpleSpanProcessor(memory))
    monkeypatch.setattr(tracing, "_tracers", {__version__: provider.get_tracer("microvm_sdk")})
    seen: list[Any] = []
    sync_client.hooks.after_response(lambda event: seen.append(trace.get_current_span()))
    server.script(ok())
    sync_client.get_microvm_image(image_identifier=IMAGE_ARN)
    assert memory.get_finished_spans() == ()
    [current] = seen
    assert not current.is_recording()
    assert current.get_span_context().is_valid  # children join the same (dropped) trace


@pytest.mark.parametrize("value", ["no", 0, None])
def test_tracing_takes_only_a_bool(value: Any) -> None:
    with pytest.raises(errors.ConfigurationError, match="tracing must be True or False"):
        microvm_sdk.Config(tracing=value)
