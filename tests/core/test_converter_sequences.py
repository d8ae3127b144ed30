"""Lists in responses are tuples, whichever cattrs release is installed.

cattrs 24.1 and newer structure ``Sequence[T]`` into tuples of their own accord; older
releases (the project allows cattrs 23.2) give lists. The converter decides instead of
cattrs, so this file runs in the oldest-dependencies job too.
"""

from __future__ import annotations

from typing import Any

import pytest

from microvm_sdk import models
from microvm_sdk._core.pipeline import codec_for
from microvm_sdk._schema import SCHEMA

CREATED: dict[str, Any] = {
    "imageArn": "arn:aws:lambda:us-east-1:123456789012:microvm-image:demo",
    "imageId": "demo",
    "name": "demo",
    "state": "CREATING",
    "latestImageVersion": "1",
    "createdAt": 1_700_000_000,
}


def parse(wire: dict[str, Any], cls: type[Any]) -> Any:
    converter, _, _ = codec_for(SCHEMA)
    return converter.from_wire(wire, cls)


@pytest.mark.parametrize("items", [[], ["connector-a", "connector-b"]])
def test_a_list_of_strings_is_a_tuple(items: list[str]) -> None:
    out = parse({**CREATED, "egressNetworkConnectors": items}, models.CreateMicrovmImageResponse)
    assert type(out.egress_network_connectors) is tuple
    assert out.egress_network_connectors == tuple(items)


def test_lists_of_structures_and_enums_are_tuples() -> None:
    wire = {
        **CREATED,
        "cpuConfigurations": [{"architecture": "ARM_64"}],
        "additionalOsCapabilities": ["ALL", "SOMETHING_NEW"],
    }
    out = parse(wire, models.CreateMicrovmImageResponse)
    assert type(out.cpu_configurations) is tuple
    assert out.cpu_configurations == (
        models.CpuConfiguration(architecture=models.Architecture.ARM_64),
    )
    assert type(out.additional_os_capabilities) is tuple
    assert out.additional_os_capabilities[0] is models.Capability.ALL
    assert out.additional_os_capabilities[1].is_unknown


def test_an_empty_page_is_an_empty_tuple() -> None:
    out = parse({"items": [], "nextToken": None}, models.ListMicrovmsResponse)
    assert out.items == ()
    assert type(out.items) is tuple


def test_null_optional_list_stays_none() -> None:
    out = parse({**CREATED, "egressNetworkConnectors": None}, models.CreateMicrovmImageResponse)
    assert out.egress_network_connectors is None
