"""Tags on MicroVM images, through Lambda's shared ``/2017-03-31/tags`` routes.

TagResource merges (adds and overwrites keys), UntagResource removes keys and ignores
missing ones, ListTags answers ``{"Tags": {...}}``. Both writes answer 204 with no body.
Only image ARNs of the request's account and region name something here; anything else
the ``TaggableResource`` pattern admits (functions, layers...) is not found.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._backend_common import Env, Handler, image_not_found, is_arn, not_found, validation
from ._backend_state import Image

__all__ = ["HANDLERS", "listed_tags"]


def _lookup(env: Env, resource: str) -> Image:
    if not is_arn(resource):
        raise validation(f"Invalid ARN format: {resource}")
    if ":microvm-image:" not in resource:
        raise not_found(f"Resource not found: {resource}")
    name = resource.rsplit(":", 1)[-1]
    image = env.part.images.get(name)
    if image is None or image.arn != resource:
        raise image_not_found(resource)
    return image


def listed_tags(image: Image, now: float, lag: float) -> dict[str, str]:
    """Return the tags ListTags shows: changes appear ``lag`` seconds after they happen."""
    if now < image.tags_changed_at + lag:
        return dict(image.listed_tags)
    return dict(image.tags)


def _change(env: Env, image: Image, new_tags: dict[str, str]) -> None:
    image.listed_tags = listed_tags(image, env.now, env.config.tag_visibility_lag)
    image.tags = new_tags
    image.tags_changed_at = env.now


def tag_resource(env: Env, params: dict[str, Any]) -> None:
    """TagResource: merge the tags; 204."""
    image = _lookup(env, params["Resource"])
    _change(env, image, {**image.tags, **dict(params.get("Tags") or {})})


def untag_resource(env: Env, params: dict[str, Any]) -> None:
    """UntagResource: remove the keys (missing keys are ignored); 204."""
    image = _lookup(env, params["Resource"])
    drop = set(params.get("TagKeys") or [])
    _change(env, image, {k: v for k, v in image.tags.items() if k not in drop})


def list_tags(env: Env, params: dict[str, Any]) -> dict[str, Any]:
    """ListTags: ``{"Tags": {...}}``, ``{}`` when untagged."""
    image = _lookup(env, params["Resource"])
    return {"Tags": listed_tags(image, env.now, env.config.tag_visibility_lag)}


HANDLERS: Mapping[str, Handler] = {
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTags": list_tags,
}
