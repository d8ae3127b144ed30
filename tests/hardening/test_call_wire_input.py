"""``call_wire`` refuses what is not an operation and its parameters with typed errors.

Before, an unknown operation name (or a method name) raised a bare ``KeyError`` and a
list of parameters an ``AttributeError``. Now each is a ``ParamValidationError`` (a
``ValueError``) saying what was expected, in both flavours, and nothing is sent.
"""

from __future__ import annotations

from typing import Any

import pytest
from scripted import ScriptedClient

from microvm_sdk import errors


@pytest.mark.parametrize(
    ("name", "line"),
    [
        (
            "ListMicrovmImagez",
            "operation_name: unknown operation 'ListMicrovmImagez' (a name from the model, "
            "like 'ListMicrovms'); did you mean 'ListMicrovmImages'?",
        ),
        (
            "list_microvm_images",
            "operation_name: unknown operation 'list_microvm_images' (a name from the model, "
            "like 'ListMicrovms'); did you mean 'ListMicrovmImages'?",
        ),
        (
            "Nothing",
            "operation_name: unknown operation 'Nothing' (a name from the model, "
            "like 'ListMicrovms')",
        ),
        (5, "operation_name: must be the name of one of the model's operations, got int"),
    ],
)
def test_an_unknown_operation_is_refused_and_the_likely_one_named(
    scripted_client: ScriptedClient, name: Any, line: str
) -> None:
    client, transport = scripted_client([])
    with pytest.raises(errors.ParamValidationError) as caught:
        client.call_wire(name, {})
    assert caught.value.errors == (line,)
    assert transport.requests == []


@pytest.mark.parametrize("params", [[], "maxResults=5", None, 5])
def test_parameters_that_are_not_a_mapping_are_refused(
    scripted_client: ScriptedClient, params: Any
) -> None:
    client, transport = scripted_client([])
    with pytest.raises(errors.ParamValidationError) as caught:
        client.call_wire("ListMicrovmImages", params)
    assert caught.value.errors == (
        "params: must be a mapping of the model's member names to values, "
        f"got {type(params).__name__}",
    )
    assert caught.value.operation == "list_microvm_images"
    assert transport.requests == []


def test_a_mistyped_parameter_names_the_method_as_a_missing_one_does(
    scripted_client: ScriptedClient,
) -> None:
    client, transport = scripted_client([])
    with pytest.raises(errors.ParamValidationError) as mistyped:
        client.call_wire("ListMicrovmImages", {"maxResults": "x"})
    with pytest.raises(errors.ParamValidationError) as missing:
        client.call_wire("GetMicrovmImage", {})
    assert mistyped.value.operation == "list_microvm_images"
    assert mistyped.value.errors == ("max_results: expected an integer, got str",)
    assert missing.value.operation == "get_microvm_image"
    assert transport.requests == []
