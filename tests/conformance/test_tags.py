"""Conformance: tags on images through Lambda's ``/2017-03-31/tags`` routes, as recorded.

Every test runs twice, through boto3 and through raw signed HTTP (the ``api`` fixture).
"""

from __future__ import annotations

from conformance_clients import Api
from scenario_support import built_image, create_image, expect_ok, image_arn

from microvm_sdk.local import LocalServer


def test_tag_list_untag(server: LocalServer, api: Api) -> None:
    arn = built_image(server, api, "conf-tags")
    assert expect_ok(api.call("ListTags", Resource=arn)) == {"Tags": {}}

    tagged = api.call("TagResource", Resource=arn, Tags={"m80": "conformance", "team": "sdk"})
    assert (tagged.status, tagged.body) == (204, None)  # a zero-byte body
    assert expect_ok(api.call("ListTags", Resource=arn)) == {
        "Tags": {"m80": "conformance", "team": "sdk"}
    }
    image = expect_ok(api.call("GetMicrovmImage", imageIdentifier=arn))
    assert image["tags"] == {"m80": "conformance", "team": "sdk"}

    # Merge: new keys are added, existing ones overwritten.
    assert api.call("TagResource", Resource=arn, Tags={"team": "core"}).status == 204
    assert expect_ok(api.call("ListTags", Resource=arn))["Tags"] == {
        "m80": "conformance",
        "team": "core",
    }
    untagged = api.call("UntagResource", Resource=arn, TagKeys=["m80", "absent"])
    assert (untagged.status, untagged.body) == (204, None)
    assert expect_ok(api.call("ListTags", Resource=arn)) == {"Tags": {"team": "core"}}


def test_tags_given_at_create(api: Api) -> None:
    created = expect_ok(create_image(api, "conf-created-tags", tags={"stage": "test"}), 201)
    assert created["tags"] == {"stage": "test"}
    listed = expect_ok(api.call("ListTags", Resource=image_arn("conf-created-tags")))
    assert listed == {"Tags": {"stage": "test"}}


def test_tags_of_an_unknown_image(api: Api) -> None:
    reply = api.call("ListTags", Resource=image_arn("conf-never-created"))
    assert (reply.status, reply.error) == (404, "ResourceNotFoundException")
