"""Paginators over real HTTP: typed items, laziness, page size, limits, resume tokens."""

from __future__ import annotations

from typing import Any

import pytest
from client_cases import ACCOUNT, T0
from replay_server import Recorded, ReplayServer, Reply

import microvm_sdk
from microvm_sdk import errors, models

NAMES = ["img-a", "img-b", "img-c", "img-d", "img-e"]
# token sent -> (items of the page, next token)
PAGES: dict[str | None, tuple[list[str], str | None]] = {
    None: (NAMES[0:2], "tok-2"),
    "tok-2": (NAMES[2:4], "tok-3"),
    "tok-3": (NAMES[4:5], None),
}


def summary(name: str) -> dict[str, Any]:
    return {
        "imageArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:microvm-image:{name}",
        "name": name,
        "state": "CREATED",
        "createdAt": T0,
        "latestFailedImageVersion": None,
    }


def three_pages(request: Recorded) -> Reply:
    token = request.query.get("nextToken", [None])[0]
    names, next_token = PAGES[token]
    return Reply.json(200, {"items": [summary(n) for n in names], "nextToken": next_token})


@pytest.fixture
def paged(server: ReplayServer) -> ReplayServer:
    server.handler = three_pages
    return server


def sent_tokens(server: ReplayServer) -> list[str | None]:
    return [r.query.get("nextToken", [None])[0] for r in server.requests]


def test_items_are_typed_and_lazy(client: microvm_sdk.Client, paged: ReplayServer) -> None:
    paginator = client.paginate_list_microvm_images(name_filter="img", page_size=2)
    assert paged.requests == []  # nothing is sent before iteration
    items = paginator.items()
    assert paged.requests == []
    first = next(items)
    assert len(paged.requests) == 1
    assert isinstance(first, models.MicrovmImageSummary)
    assert first.state is models.MicrovmImageState.CREATED
    rest = list(items)
    assert [i.name for i in [first, *rest]] == NAMES
    assert sent_tokens(paged) == [None, "tok-2", "tok-3"]
    for request in paged.requests:
        assert request.query["maxResults"] == ["2"]
        assert request.query["nameFilter"] == ["img"]
        assert request.path == "/2025-09-09/microvm-images"
    assert paginator.resume_token is None


def test_pages_are_typed(client: microvm_sdk.Client, paged: ReplayServer) -> None:
    pages = list(client.paginate_list_microvm_images())
    assert [type(p) for p in pages] == [models.ListMicrovmImagesResponse] * 3
    assert [len(p.items) for p in pages] == [2, 2, 1]
    assert [p.next_token for p in pages] == ["tok-2", "tok-3", None]
    assert all("maxResults" not in r.query for r in paged.requests)


def test_pages_are_fetched_one_at_a_time(client: microvm_sdk.Client, paged: ReplayServer) -> None:
    pages = iter(client.paginate_list_microvm_images())
    next(pages)
    assert len(paged.requests) == 1
    next(pages)
    assert len(paged.requests) == 2


def test_max_items_and_resume_token(client: microvm_sdk.Client, paged: ReplayServer) -> None:
    paginator = client.paginate_list_microvm_images(page_size=2, max_items=3)
    assert [i.name for i in paginator.items()] == NAMES[:3]
    assert sent_tokens(paged) == [None, "tok-2"]  # no request beyond what max_items needs
    token = paginator.resume_token
    assert token is not None

    paged.clear()
    resumed = client.paginate_list_microvm_images(page_size=2, starting_token=token)
    assert [i.name for i in resumed.items()] == NAMES[3:]
    # The second page is fetched again (same token) and its first item skipped.
    assert sent_tokens(paged) == ["tok-2", "tok-3"]


def test_max_items_on_pages_trims_the_last_page(
    client: microvm_sdk.Client, paged: ReplayServer
) -> None:
    pages = list(client.paginate_list_microvm_images(max_items=3))
    assert [[i.name for i in p.items] for p in pages] == [NAMES[:2], NAMES[2:3]]


def test_break_out_and_continue(client: microvm_sdk.Client, paged: ReplayServer) -> None:
    paginator = client.paginate_list_microvm_images(page_size=2)
    taken = []
    for item in paginator.items():
        taken.append(item.name)
        if len(taken) == 2:
            break
    token = paginator.resume_token
    assert token is not None
    rest = [
        i.name
        for i in client.paginate_list_microvm_images(page_size=2, starting_token=token).items()
    ]
    assert taken + rest == NAMES


def test_service_token_as_starting_token(client: microvm_sdk.Client, paged: ReplayServer) -> None:
    names = [i.name for i in client.paginate_list_microvm_images(starting_token="tok-3").items()]
    assert names == NAMES[4:]
    assert sent_tokens(paged) == ["tok-3"]


def test_repeated_token_raises_pagination_error(
    client: microvm_sdk.Client, server: ReplayServer
) -> None:
    def stuck(request: Recorded) -> Reply:
        return Reply.json(200, {"items": [summary("img-a")], "nextToken": "same"})

    server.handler = stuck
    with pytest.raises(errors.PaginationError) as caught:
        list(client.paginate_list_microvm_images().items())
    assert "same" in str(caught.value)
    assert isinstance(caught.value, errors.MicrovmError)
    assert len(server.requests) == 2  # the repeat is caught on the second page


def test_page_size_is_validated_before_sending(
    client: microvm_sdk.Client, paged: ReplayServer
) -> None:
    with pytest.raises(errors.ParamValidationError):
        list(client.paginate_list_microvm_images(page_size=500))
    assert paged.requests == []


def test_errors_propagate_from_a_later_page(
    client: microvm_sdk.Client, server: ReplayServer
) -> None:
    server.script(
        Reply.json(200, {"items": [summary("img-a")], "nextToken": "tok-2"}),
        Reply.error(400, "ValidationException", {"message": "Invalid pagination token"}),
    )
    items = client.paginate_list_microvm_images().items()
    assert next(items).name == "img-a"
    with pytest.raises(errors.ValidationException):
        next(items)
