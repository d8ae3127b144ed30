"""Frozen records behave as the frozen attrs classes they replace."""

from __future__ import annotations

import pickle

import attrs
import pytest

from microvm_sdk._core.endpoints import Endpoint
from microvm_sdk._core.schema import Member, Shape
from microvm_sdk._core.steps import Sleep


@attrs.frozen
class _AttrsEndpoint:
    url: str
    properties: dict[str, object] = attrs.field(factory=dict)
    headers: dict[str, object] = attrs.field(factory=dict)


def test_equality_and_hash_go_by_the_attributes() -> None:
    a = Member(name="n", model_name="N", wire_name="n", target="String")
    b = Member(name="n", model_name="N", wire_name="n", target="String")
    c = Member(name="n", model_name="N", wire_name="n", target="String", required=True)
    assert a == b and hash(a) == hash(b)
    assert a != c
    assert Sleep(1.0) == Sleep(1.0) and Sleep(1.0) != Sleep(2.0)
    assert len({Sleep(1.0), Sleep(1.0), Sleep(2.0)}) == 2


def test_records_of_different_classes_are_unequal() -> None:
    assert Sleep(1.0) != 1.0
    assert Sleep(1.0).__eq__(1.0) is NotImplemented
    assert Shape(name="S", kind="string") != Member(
        name="S", model_name="S", wire_name="S", target="x"
    )


def test_repr_is_the_one_attrs_gives() -> None:
    record = Endpoint(url="https://x", properties={"a": 1}, headers={})
    twin = _AttrsEndpoint(url="https://x", properties={"a": 1}, headers={})
    assert repr(record) == repr(twin).replace("_AttrsEndpoint", "Endpoint")


def test_records_are_frozen() -> None:
    sleep = Sleep(1.0)
    with pytest.raises(AttributeError, match="frozen"):
        sleep.seconds = 2.0
    with pytest.raises(AttributeError, match="frozen"):
        del sleep.seconds
    with pytest.raises(AttributeError):
        sleep.other = 1
    assert sleep.seconds == 1.0


def test_defaults_are_empty_and_cannot_be_changed() -> None:
    endpoint = Endpoint(url="https://x")
    assert dict(endpoint.properties) == {} and dict(endpoint.headers) == {}
    with pytest.raises(TypeError):
        endpoint.properties["k"] = 1  # type: ignore[index]


def test_arguments_are_keyword_only_where_attrs_had_kw_only() -> None:
    with pytest.raises(TypeError):
        Member("n", "N", "n", "String")  # type: ignore[call-arg]


def test_records_pickle() -> None:
    shape = Shape(name="S", kind="list", member="String", min=1)
    assert pickle.loads(pickle.dumps(shape)) == shape


def test_attributes_hidden_from_repr_and_from_equality_as_attrs_hid_them() -> None:
    from microvm_sdk._core.aws_config import AwsSettings, FrozenCredentials

    keys = FrozenCredentials("AKID", "S3CRET-KEY", None)
    one = AwsSettings(region="us-east-1", static_credentials=keys, botocore_session=object())
    two = AwsSettings(region="us-east-1", static_credentials=keys, botocore_session=object())
    assert "S3CRET" not in repr(one) and "botocore_session" not in repr(one)
    assert "region='us-east-1'" in repr(one)
    assert one == two and hash(one) == hash(two)  # the session is not compared
    assert one != AwsSettings(region="us-east-1")  # the credentials are
