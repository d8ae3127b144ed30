"""Tags on images in the emulated service (TagResource, UntagResource, ListTags)."""

from __future__ import annotations

from typing import Any

from backend_support import ACCOUNT, BASE, REGION, ROLE, call, fails, new_backend

from microvm_sdk.local._backend import Backend
from microvm_sdk.local._backend_config import BehaviourConfig
from microvm_sdk.local._clock import VirtualClock


def make(**kwargs: Any) -> tuple[Backend, VirtualClock]:
    kwargs.setdefault("profile", "instant")
    return new_backend(**kwargs)


def create(backend: Backend, name: str = "img", **extra: Any) -> str:
    params = {
        "name": name,
        "baseImageArn": BASE,
        "buildRoleArn": ROLE,
        "codeArtifact": {"uri": "s3://b/c.zip"},
    }
    params.update(extra)
    arn: str = call(backend, "CreateMicrovmImage", **params)["imageArn"]
    return arn


def test_untagged_image_lists_empty_tags() -> None:
    backend, _ = make(live_fidelity=True)
    body = call(
        backend,
        "CreateMicrovmImage",
        name="img",
        baseImageArn=BASE,
        buildRoleArn=ROLE,
        codeArtifact={"uri": "s3://b/c"},
    )
    assert body["tags"] is None  # the create response echoes null when none were given
    arn = body["imageArn"]
    assert call(backend, "ListTags", Resource=arn) == {"Tags": {}}
    assert call(backend, "GetMicrovmImage", imageIdentifier=arn)["tags"] == {}


def test_tags_given_on_create_are_echoed_and_listed() -> None:
    backend, _ = make()
    body = call(
        backend,
        "CreateMicrovmImage",
        name="img",
        baseImageArn=BASE,
        buildRoleArn=ROLE,
        codeArtifact={"uri": "s3://b/c"},
        tags={"team": "x"},
    )
    assert body["tags"] == {"team": "x"}
    assert call(backend, "ListTags", Resource=body["imageArn"]) == {"Tags": {"team": "x"}}


def test_tag_merges_and_untag_is_idempotent() -> None:
    backend, _ = make()
    arn = create(backend, tags={"a": "1", "b": "2"})
    assert call(backend, "TagResource", Resource=arn, Tags={"b": "20", "c": "3"}) is None
    assert call(backend, "ListTags", Resource=arn) == {"Tags": {"a": "1", "b": "20", "c": "3"}}
    assert call(backend, "UntagResource", Resource=arn, TagKeys=["a", "missing"]) is None
    assert call(backend, "UntagResource", Resource=arn, TagKeys=["a"]) is None
    assert call(backend, "ListTags", Resource=arn) == {"Tags": {"b": "20", "c": "3"}}
    assert call(backend, "GetMicrovmImage", imageIdentifier=arn)["tags"] == {"b": "20", "c": "3"}


def test_tag_keys_named_like_unmodeled_members_survive() -> None:
    backend, _ = make()
    arn = create(backend)
    call(backend, "TagResource", Resource=arn, Tags={"id": "1", "terminationReasonCode": "x"})
    assert call(backend, "GetMicrovmImage", imageIdentifier=arn)["tags"] == {
        "id": "1",
        "terminationReasonCode": "x",
    }


def test_unknown_resources_are_not_found() -> None:
    backend, _ = make()
    missing = f"arn:aws:lambda:{REGION}:{ACCOUNT}:microvm-image:ghost"
    for operation, extra in (
        ("ListTags", {}),
        ("TagResource", {"Tags": {"a": "b"}}),
        ("UntagResource", {"TagKeys": ["a"]}),
    ):
        error = fails(backend, operation, Resource=missing, **extra)
        assert (error.code, error.status) == ("ResourceNotFoundException", 404)
        assert error.message == f"MicroVMImage not found for MicroVMImageID: {missing}"
        assert error.fields == {"resourceId": None, "resourceType": None}
    create(backend)
    elsewhere = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:microvm-image:img"
    assert fails(backend, "ListTags", Resource=elsewhere).status == 404
    function = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:fn"
    assert fails(backend, "ListTags", Resource=function).status == 404


def test_tags_follow_the_image_through_deletion() -> None:
    backend, clock = make(profile="realistic")
    arn = create(backend, tags={"a": "1"})
    clock.advance(60)
    call(backend, "DeleteMicrovmImage", imageIdentifier=arn)
    assert call(backend, "ListTags", Resource=arn) == {"Tags": {"a": "1"}}  # DELETING
    clock.advance(60)
    assert fails(backend, "ListTags", Resource=arn).status == 404


def test_tag_visibility_lag() -> None:
    backend, clock = make(config=BehaviourConfig(tag_visibility_lag=10))
    arn = create(backend, tags={"a": "1"})
    clock.advance(10)
    call(backend, "TagResource", Resource=arn, Tags={"b": "2"})
    assert call(backend, "ListTags", Resource=arn) == {"Tags": {"a": "1"}}
    clock.advance(5)
    call(backend, "UntagResource", Resource=arn, TagKeys=["a"])
    assert call(backend, "ListTags", Resource=arn) == {"Tags": {"a": "1"}}
    clock.advance(10)
    assert call(backend, "ListTags", Resource=arn) == {"Tags": {"b": "2"}}
    assert call(backend, "GetMicrovmImage", imageIdentifier=arn)["tags"] == {"b": "2"}
