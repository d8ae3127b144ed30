"""What every operation of the emulated service shares.

The per-request :class:`Env`, error constructors in the service's wire style, image
ARN parsing, list pagination with opaque tokens and client-token idempotency. How
bodies are laid out on the wire is :mod:`._backend_shapes`' business.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
import random
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from ._backend_config import BehaviourConfig
from ._backend_state import Image, Partition, TokenRecord
from ._errors import EmulatedError
from ._timing import Timing

__all__ = [
    "Env",
    "Handler",
    "conflict",
    "coral_message",
    "image_arn",
    "not_found",
    "paginate",
    "quota_exceeded",
    "ts",
    "validation",
]

Handler = Callable[["Env", dict[str, Any]], "dict[str, Any] | None"]

_ERROR_SHAPES: Mapping[str, tuple[int, tuple[str, ...]]] = {
    "ValidationException": (400, ()),
    "ResourceNotFoundException": (404, ("resourceId", "resourceType")),
    "ConflictException": (409, ("resourceId", "resourceType")),
    "ServiceQuotaExceededException": (
        402,
        ("quotaCode", "resourceId", "resourceType", "serviceCode"),
    ),
    "InternalServerException": (500, ()),
}


def service_error(code: str, message: str) -> EmulatedError:
    """Return the error ``code`` with its status and the modeled members as nulls."""
    status, members = _ERROR_SHAPES[code]
    return EmulatedError(code, status, message, fields=dict.fromkeys(members))


def validation(message: str) -> EmulatedError:
    """Return a 400 ValidationException."""
    return service_error("ValidationException", message)


def not_found(message: str) -> EmulatedError:
    """Return a 404 ResourceNotFoundException (``resourceId``/``resourceType`` null)."""
    return service_error("ResourceNotFoundException", message)


def conflict(message: str) -> EmulatedError:
    """Return a 409 ConflictException."""
    return service_error("ConflictException", message)


def quota_exceeded(message: str) -> EmulatedError:
    """Return a 402 ServiceQuotaExceededException with null detail members."""
    return service_error("ServiceQuotaExceededException", message)


def _coral_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"'{str(value).lower()}'"
    if isinstance(value, str | int | float):
        return f"'{value}'"
    return f"'{json.dumps(value, sort_keys=True)}'"


def coral_message(violations: Sequence[tuple[Any, str, str]]) -> str:
    """Return a validation message in the service's format.

    Args:
        violations: ``(value, path, constraint)`` triples; ``constraint`` follows
            "Member must".
    """
    count = len(violations)
    noun = "error" if count == 1 else "errors"
    parts = [
        f"Value {_coral_value(value)} at '{path}' failed to satisfy constraint: Member must {rule}"
        for value, path, rule in violations
    ]
    return f"{count} validation {noun} detected: " + "; ".join(parts)


def ts(value: float | None) -> float | None:
    """Return a virtual time as a wire timestamp (epoch seconds, millisecond precision)."""
    return None if value is None else round(value, 3)


@attrs.define
class Env:
    """What one request's handler works with, under the backend's lock."""

    part: Partition
    now: float
    timing: Timing
    config: BehaviourConfig
    rng: random.Random

    @property
    def region(self) -> str:
        """The request's region."""
        return self.part.region

    @property
    def account_id(self) -> str:
        """The request's account."""
        return self.part.account_id

    def uuid(self) -> str:
        """Return a random (seedable) UUID4 string."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))


# ---------------------------------------------------------------------------- images

_ARN_FORMAT = re.compile(r"^arn:[^:\s]+:[^:\s]*:[^:\s]*:[^:\s]*:\S+$")
_IMAGE_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-zA-Z-]*):lambda:(?P<region>[a-z0-9-]+):(?P<account>[^:]+)"
    r":microvm-image:(?P<name>[a-zA-Z0-9_-]+)$"
)


def image_arn(region: str, account_id: str, name: str) -> str:
    """Return the ARN of a customer image."""
    return f"arn:aws:lambda:{region}:{account_id}:microvm-image:{name}"


def is_arn(identifier: str) -> bool:
    """Return whether ``identifier`` has the shape of an ARN."""
    return _ARN_FORMAT.match(identifier) is not None


def require_arn(identifier: str) -> None:
    """Raise the recorded 400 for an image identifier that is not an ARN."""
    if not is_arn(identifier):
        raise validation(f"Invalid ARN format: {identifier}")


def find_image(env: Env, identifier: str) -> Image | None:
    """Return the image ``identifier`` names in this partition, or ``None``.

    Raises:
        EmulatedError: 400 "Invalid ARN format" when ``identifier`` is not an ARN (nor,
            with ``accept_image_id``, an image id).
    """
    if not is_arn(identifier):
        if env.config.accept_image_id:
            for image in env.part.images.values():
                if image.image_id == identifier:
                    return image
        raise validation(f"Invalid ARN format: {identifier}")
    match = _IMAGE_ARN.match(identifier)
    if match is None:
        return None
    if match["region"] != env.region or match["account"] != env.account_id:
        return None
    found = env.part.images.get(match["name"])
    if found is None or found.arn != identifier:
        return None
    return found


def image_not_found(identifier: str) -> EmulatedError:
    """Return the recorded 404 for an unknown image."""
    return not_found(f"MicroVMImage not found for MicroVMImageID: {identifier}")


def version_not_found(identifier: str, version: str) -> EmulatedError:
    """Return the recorded 404 for an unknown image or version."""
    return not_found(f"MicroVMImage not found for MicroVMImage: {identifier}, Version: {version}")


# ------------------------------------------------------------------------ pagination

_TOKEN_SALT = b"microvm-sdk-local/page/1"


def _encode_token(payload: Mapping[str, Any]) -> str:
    raw = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256(_TOKEN_SALT + raw).hexdigest()[:16]
    return base64.urlsafe_b64encode(raw).decode().rstrip("=") + "." + digest


def _decode_token(token: str) -> dict[str, Any] | None:
    body, _, digest = token.partition(".")
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return None
    if hashlib.sha256(_TOKEN_SALT + raw).hexdigest()[:16] != digest:
        return None
    try:
        payload = json.loads(raw)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def paginate(
    env: Env,
    operation: str,
    keyed: Iterable[tuple[int, dict[str, Any]]],
    params: Mapping[str, Any],
    scope: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return one page of ``keyed`` as ``{"items": [...], "nextToken": ...}``.

    Items are ``(key, item)`` pairs in list order with increasing keys; a token names
    the last key returned, so a page stays stable when other items come and go.

    Args:
        env: The request's environment.
        operation: The list operation (a token only works for the operation and
            ``scope`` it came from).
        keyed: The items, in order.
        params: The request (``maxResults``, ``nextToken``).
        scope: What the listing depends on (path and filters).

    Raises:
        EmulatedError: 400 ValidationException for a token that is not valid here.
    """
    limit = params.get("maxResults")
    page_size = env.config.default_max_results if limit is None else max(1, min(50, int(limit)))
    scope_digest = hashlib.sha256(
        json.dumps(dict(scope or {}), sort_keys=True, default=str).encode()
    ).hexdigest()[:12]
    after: int | None = None
    token = params.get("nextToken")
    if token is not None:
        payload = _decode_token(str(token))
        if (
            payload is None
            or payload.get("op") != operation
            or payload.get("scope") != scope_digest
            or not isinstance(payload.get("after"), int)
        ):
            raise validation("The provided nextToken is not valid.")
        after = payload["after"]
    remaining = [(key, item) for key, item in keyed if after is None or key > after]
    page = remaining[:page_size]
    next_token = None
    if len(remaining) > page_size:
        next_token = _encode_token({"op": operation, "scope": scope_digest, "after": page[-1][0]})
    return {"items": [item for _, item in page], "nextToken": next_token}


# ----------------------------------------------------------------------- idempotency


def _fingerprint(operation: str, params: Mapping[str, Any]) -> str:
    relevant = {k: v for k, v in params.items() if k != "clientToken" and v is not None}
    return hashlib.sha256(
        json.dumps([operation, relevant], sort_keys=True, default=str).encode()
    ).hexdigest()


def replay(env: Env, operation: str, params: Mapping[str, Any]) -> dict[str, Any] | None:
    """Return the remembered answer for a repeated ``clientToken``, if any.

    Raises:
        EmulatedError: 409 ConflictException when the token came with other parameters.
    """
    token = params.get("clientToken")
    if not token:
        return None
    key = f"{operation}\n{token}"
    record = env.part.tokens.get(key)
    if record is None:
        return None
    if env.now - record.created_at > env.config.client_token_ttl:
        del env.part.tokens[key]
        return None
    if record.fingerprint != _fingerprint(operation, params):
        raise conflict(
            f"The client token {token} has already been used with different request parameters."
        )
    return copy.deepcopy(record.response)


def remember(env: Env, operation: str, params: Mapping[str, Any], response: dict[str, Any]) -> None:
    """Remember ``response`` as the answer to this request's ``clientToken``."""
    token = params.get("clientToken")
    if not token:
        return
    ttl = env.config.client_token_ttl
    tokens = env.part.tokens
    # Tokens are kept in the order they were remembered, so the expired ones are at the
    # front: drop them from there instead of scanning every token on every call.
    while tokens:
        oldest = next(iter(tokens))
        if env.now - tokens[oldest].created_at <= ttl:
            break
        del tokens[oldest]
    key = f"{operation}\n{token}"
    tokens.pop(key, None)
    tokens[key] = TokenRecord(
        fingerprint=_fingerprint(operation, params),
        created_at=env.now,
        response=copy.deepcopy(response),
    )


def version_bucket(state: str, when: float) -> str:
    """Return a ``versionStateTimeBucket`` value: the state and its UTC hour."""
    return f"{state}#{time.strftime('%y%m%d%H', time.gmtime(when))}"
