"""An evaluator for Smithy endpoint rule sets (``endpoint-rule-set-1.json``).

The rule set arrives as data (the parsed JSON); this module knows no service.
:func:`resolve_endpoint` is a pure function of the rule set, the parameters and the
partition data, so callers may cache its result; :class:`EndpointResolver` does that
for the built-in parameters a client sets (region, FIPS, dual-stack, endpoint).

Supported: ``endpoint``, ``error`` and ``tree`` rules; conditions with ``assign``;
references; template strings (``"https://svc.{Region}.{PartitionResult#dnsSuffix}"``,
with ``{{``/``}}`` escapes); the functions ``isSet``, ``not``, ``booleanEquals``,
``stringEquals``, ``getAttr``, ``substring``, ``uriEncode``, ``parseURL``,
``isValidHostLabel``, ``aws.partition``, ``aws.parseArn`` and
``aws.isVirtualHostableS3Bucket``.

Partition data (``aws.partition``) is botocore's ``data/partitions.json``, read from the
installed botocore on first use, without importing botocore.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from microvm_sdk._core.errors import ConfigurationError
from microvm_sdk._core.records import EMPTY_MAPPING, Record, set_once

__all__ = [
    "Endpoint",
    "EndpointResolver",
    "Partitions",
    "load_partitions",
    "parameters_from_builtins",
    "resolve_endpoint",
]

_TEMPLATE_RE = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_ATTR_INDEX_RE = re.compile(r"^(.*)\[(\d+)\]$")
_HOST_LABEL_RE = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?")
_IPV4_RE = re.compile(r"(?:[0-9]{1,3}\.){3}[0-9]{1,3}")
_UNRESERVED = "-_.~"


class Endpoint(Record):
    """A resolved endpoint.

    Attributes:
        url: The endpoint URL (scheme, host, optional port and base path).
        properties: The rule's endpoint properties (for example ``authSchemes``).
        headers: Headers the rule asks to add to each request (name to values).
    """

    __slots__ = ("headers", "properties", "url")
    _FIELDS = ("url", "properties", "headers")

    url: str
    properties: Mapping[str, Any]
    headers: Mapping[str, Sequence[str]]

    def __init__(
        self,
        url: str,
        properties: Mapping[str, Any] = EMPTY_MAPPING,
        headers: Mapping[str, Sequence[str]] = EMPTY_MAPPING,
    ) -> None:
        set_once(self, "url", url)
        set_once(self, "properties", properties)
        set_once(self, "headers", headers)


class Partitions:
    """Partition data (``partitions.json`` format) indexed for ``aws.partition``.

    Args:
        data: The parsed ``partitions.json`` document.
    """

    def __init__(self, data: Mapping[str, Any]) -> None:
        partitions: list[Mapping[str, Any]] = list(data.get("partitions", ()))
        if not partitions:
            raise ConfigurationError("partition data lists no partitions")
        self._by_region: dict[str, dict[str, Any]] = {}
        self._by_regex: list[tuple[re.Pattern[str], dict[str, Any]]] = []
        default: dict[str, Any] | None = None
        for partition in partitions:
            outputs = {**partition.get("outputs", {}), "name": partition["id"]}
            if default is None or partition["id"] == "aws":
                default = outputs
            for region, overrides in partition.get("regions", {}).items():
                # A region entry may override the partition's outputs; only keys the
                # outputs already carry count (``description`` is documentation).
                specific = {k: v for k, v in overrides.items() if k in outputs}
                self._by_region.setdefault(region, {**outputs, **specific})
            self._by_regex.append((re.compile(partition["regionRegex"]), outputs))
        assert default is not None
        self._default = default

    def lookup(self, region: str) -> dict[str, Any]:
        """Return the outputs of the partition that ``region`` belongs to.

        A region listed by a partition wins; then the first partition whose region
        regex matches; then the ``aws`` partition.
        """
        found = self._by_region.get(region)
        if found is None:
            for regex, outputs in self._by_regex:
                if regex.match(region):
                    found = outputs
                    break
            else:
                found = self._default
        return dict(found)


@functools.cache
def load_partitions() -> Partitions:
    """Return botocore's partition data, read once from the installed package.

    Raises:
        ConfigurationError: botocore or its ``data/partitions.json`` is missing.
    """
    import importlib.util

    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigurationError("botocore is not installed; its partition data is needed")
    for location in spec.submodule_search_locations:
        path = Path(location) / "data" / "partitions.json"
        if path.is_file():
            return Partitions(json.loads(path.read_text(encoding="utf-8")))
    raise ConfigurationError("botocore's data/partitions.json was not found")


def parameters_from_builtins(
    ruleset: Mapping[str, Any], builtins: Mapping[str, object]
) -> dict[str, object]:
    """Map built-in values (``"AWS::Region"``, ``"SDK::Endpoint"`` ...) to parameter names.

    Args:
        ruleset: The parsed rule set.
        builtins: Values by built-in name; ``None`` values are left out.

    Returns:
        Parameter values by the rule set's parameter names.
    """
    params: dict[str, object] = {}
    for name, spec in ruleset.get("parameters", {}).items():
        builtin = spec.get("builtIn")
        if builtin is not None and builtins.get(builtin) is not None:
            params[name] = builtins[builtin]
    return params


def resolve_endpoint(
    ruleset: Mapping[str, Any],
    parameters: Mapping[str, object],
    *,
    partitions: Partitions | None = None,
) -> Endpoint:
    """Evaluate ``ruleset`` for ``parameters`` and return the endpoint it yields.

    The function is pure: equal inputs give equal results.

    Args:
        ruleset: The parsed ``endpoint-rule-set-1.json``.
        parameters: Values by parameter name (``{"Region": "us-east-1"}``); missing or
            ``None`` values take the parameter's default.
        partitions: Partition data for ``aws.partition``; botocore's by default.

    Returns:
        The endpoint of the first rule that matches.

    Raises:
        ConfigurationError: An error rule matched (the message is the rule's), no rule
            matched, a required parameter is missing or a value has the wrong type.
    """
    scope = _bind_parameters(ruleset.get("parameters", {}), parameters)
    evaluator = _Evaluator(partitions)
    result = evaluator.rules(ruleset.get("rules", ()), scope)
    if result is None:
        shown = ", ".join(f"{key}={value!r}" for key, value in sorted(scope.items()))
        raise ConfigurationError(f"no endpoint rule matched the parameters ({shown})")
    return result


class EndpointResolver:
    """Resolves and caches endpoints of one rule set by its AWS built-in parameters.

    Thread-safe (the cache is a dict written whole entries at a time). Errors are not
    cached.

    Args:
        ruleset: The parsed rule set.
        partitions: Partition data; botocore's (loaded on first use) by default.
    """

    def __init__(self, ruleset: Mapping[str, Any], *, partitions: Partitions | None = None) -> None:
        self._ruleset = ruleset
        self._partitions = partitions
        self._cache: dict[tuple[str | None, bool, bool, str | None], Endpoint] = {}

    def resolve(
        self,
        *,
        region: str | None,
        use_fips: bool = False,
        use_dualstack: bool = False,
        endpoint: str | None = None,
    ) -> Endpoint:
        """Return the endpoint for these built-in values (cached).

        Args:
            region: ``AWS::Region``.
            use_fips: ``AWS::UseFIPS``.
            use_dualstack: ``AWS::UseDualStack``.
            endpoint: ``SDK::Endpoint``, a custom endpoint URL.

        Raises:
            ConfigurationError: The rule set refuses the combination.
        """
        key = (region, use_fips, use_dualstack, endpoint)
        found = self._cache.get(key)
        if found is not None:
            return found
        params = parameters_from_builtins(
            self._ruleset,
            {
                "AWS::Region": region,
                "AWS::UseFIPS": use_fips,
                "AWS::UseDualStack": use_dualstack,
                "SDK::Endpoint": endpoint,
            },
        )
        result = resolve_endpoint(self._ruleset, params, partitions=self._partitions)
        self._cache[key] = result
        return result


_PARAMETER_TYPES: dict[str, Callable[[object], bool]] = {
    "string": lambda value: isinstance(value, str),
    "boolean": lambda value: isinstance(value, bool),
    "stringarray": lambda value: (
        isinstance(value, list | tuple) and all(isinstance(item, str) for item in value)
    ),
}


def _bind_parameters(
    specs: Mapping[str, Mapping[str, Any]], given: Mapping[str, object]
) -> dict[str, object]:
    scope: dict[str, object] = {}
    for name, spec in specs.items():
        value = given.get(name)
        if value is None:
            value = spec.get("default")
        if value is None:
            if spec.get("required"):
                raise ConfigurationError(f"endpoint parameter {name} is required but not set")
            continue
        kind = str(spec.get("type", "")).lower()
        check = _PARAMETER_TYPES.get(kind)
        if check is None:
            raise ConfigurationError(f"endpoint parameter {name} has unknown type {kind!r}")
        if not check(value):
            raise ConfigurationError(
                f"endpoint parameter {name} must be of type {spec.get('type')}, got {value!r}"
            )
        scope[name] = value
    return scope


class _Evaluator:
    """One evaluation; holds the partition data and the function table."""

    def __init__(self, partitions: Partitions | None) -> None:
        self._partitions = partitions
        self._functions: dict[str, Callable[..., Any]] = {
            "isSet": lambda value: value is not None,
            "not": _not,
            "booleanEquals": _boolean_equals,
            "stringEquals": _string_equals,
            "getAttr": _get_attr,
            "substring": _substring,
            "uriEncode": _uri_encode,
            "parseURL": _parse_url,
            "isValidHostLabel": _is_valid_host_label,
            "aws.partition": self._partition,
            "aws.parseArn": _parse_arn,
            "aws.isVirtualHostableS3Bucket": _is_virtual_hostable_s3_bucket,
        }

    # Rules --------------------------------------------------------------------------

    def rules(
        self, rules: Sequence[Mapping[str, Any]], scope: dict[str, object]
    ) -> Endpoint | None:
        for rule in rules:
            # Assignments made by a rule's conditions are visible to that rule only.
            result = self.rule(rule, dict(scope))
            if result is not None:
                return result
        return None

    def rule(self, rule: Mapping[str, Any], scope: dict[str, object]) -> Endpoint | None:
        for condition in rule.get("conditions", ()):
            if not self.condition(condition, scope):
                return None
        kind = rule.get("type")
        if kind == "endpoint":
            return self.endpoint(rule["endpoint"], scope)
        if kind == "error":
            raise ConfigurationError(str(self.value(rule["error"], scope)))
        if kind == "tree":
            return self.rules(rule.get("rules", ()), scope)
        raise ConfigurationError(f"endpoint rule has unknown type {kind!r}")

    def condition(self, condition: Mapping[str, Any], scope: dict[str, object]) -> bool:
        if "fn" not in condition:
            raise ConfigurationError(f"endpoint rule condition is not a function: {condition!r}")
        result = self.call(condition, scope)
        assign = condition.get("assign")
        if assign is not None:
            if assign in scope:
                raise ConfigurationError(
                    f"endpoint rule assigns {assign!r}, which is already defined"
                )
            scope[assign] = result
        return result is not None and result is not False

    def endpoint(self, spec: Mapping[str, Any], scope: dict[str, object]) -> Endpoint:
        url = self.value(spec["url"], scope)
        if not isinstance(url, str):
            raise ConfigurationError(f"endpoint rule produced a non-string URL: {url!r}")
        properties = self.literal(spec.get("properties", {}), scope)
        headers = {
            name: [str(self.value(item, scope)) for item in values]
            for name, values in spec.get("headers", {}).items()
        }
        return Endpoint(url=url, properties=properties, headers=headers)

    # Values -------------------------------------------------------------------------

    def value(self, expr: object, scope: Mapping[str, object]) -> Any:
        if isinstance(expr, Mapping):
            if "fn" in expr:
                return self.call(expr, scope)
            if "ref" in expr:
                return scope.get(expr["ref"])
            return self.literal(expr, scope)
        if isinstance(expr, str):
            return self.template(expr, scope)
        return expr

    def literal(self, expr: object, scope: Mapping[str, object]) -> Any:
        """Resolve templates inside a literal (endpoint properties): maps, lists, strings."""
        if isinstance(expr, Mapping):
            return {key: self.literal(item, scope) for key, item in expr.items()}
        if isinstance(expr, list):
            return [self.literal(item, scope) for item in expr]
        if isinstance(expr, str):
            return self.template(expr, scope)
        return expr

    def template(self, text: str, scope: Mapping[str, object]) -> str:
        if "{" not in text and "}" not in text:
            return text

        def replace(match: re.Match[str]) -> str:
            token = match.group(0)
            if token == "{{":
                return "{"
            if token == "}}":
                return "}"
            name, _, path = match.group(1).partition("#")
            value = scope.get(name)
            if path:
                value = _get_attr(value, path)
            if value is None:
                raise ConfigurationError(
                    f"endpoint template {text!r} refers to unset value {match.group(1)!r}"
                )
            return str(value)

        return _TEMPLATE_RE.sub(replace, text)

    def call(self, expr: Mapping[str, Any], scope: Mapping[str, object]) -> Any:
        name = expr["fn"]
        function = self._functions.get(name)
        if function is None:
            raise ConfigurationError(f"endpoint rule set uses unsupported function {name!r}")
        args = [self.value(arg, scope) for arg in expr.get("argv", ())]
        return function(*args)

    def _partition(self, region: object) -> dict[str, Any] | None:
        if not isinstance(region, str):
            return None
        partitions = self._partitions if self._partitions is not None else load_partitions()
        return partitions.lookup(region)


# Functions --------------------------------------------------------------------------


def _not(value: object) -> bool:
    return not value


def _boolean_equals(left: object, right: object) -> bool:
    if not isinstance(left, bool) or not isinstance(right, bool):
        raise ConfigurationError(f"booleanEquals needs two booleans, got {left!r} and {right!r}")
    return left is right


def _string_equals(left: object, right: object) -> bool:
    if not isinstance(left, str) or not isinstance(right, str):
        raise ConfigurationError(f"stringEquals needs two strings, got {left!r} and {right!r}")
    return left == right


def _get_attr(value: object, path: str) -> Any:
    """``getAttr``: ``"a.b"`` walks maps, ``"a[2]"`` indexes a list; unset gives None."""
    for segment in path.split("."):
        name, index = segment, None
        match = _ATTR_INDEX_RE.match(segment)
        if match is not None:
            name, index = match.group(1), int(match.group(2))
        if name:
            if not isinstance(value, Mapping):
                return None
            value = value.get(name)
        if index is not None:
            if not isinstance(value, list | tuple) or index >= len(value):
                return None
            value = value[index]
    return value


def _substring(value: object, start: int, stop: int, reverse: bool) -> str | None:
    if not isinstance(value, str) or start >= stop or len(value) < stop or not value.isascii():
        return None
    if reverse:
        return value[len(value) - stop : len(value) - start]
    return value[start:stop]


def _uri_encode(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    from urllib.parse import quote

    return quote(value, safe=_UNRESERVED)


def _parse_url(value: object) -> dict[str, Any] | None:
    if not isinstance(value, str):
        return None
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
        _ = parts.port  # raises on a non-numeric or out-of-range port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or parts.query or not parts.netloc:
        return None
    path = parts.path
    normalized = path if path.startswith("/") else "/" + path
    if not normalized.endswith("/"):
        normalized += "/"
    return {
        "scheme": parts.scheme,
        "authority": parts.netloc,
        "path": path,
        "normalizedPath": normalized,
        "isIp": _is_ip(parts.netloc, parts.hostname),
    }


def _is_ip(netloc: str, hostname: str | None) -> bool:
    if hostname is None:
        return False
    if netloc.startswith("["):
        import ipaddress

        try:
            ipaddress.IPv6Address(hostname.split("%", 1)[0])
        except ValueError:
            return False
        return True
    return _IPV4_RE.fullmatch(hostname) is not None


def _is_valid_host_label(value: object, allow_subdomains: bool) -> bool:
    if not isinstance(value, str):
        return False
    labels = value.split(".") if allow_subdomains else [value]
    return all(_HOST_LABEL_RE.fullmatch(label) is not None for label in labels)


def _parse_arn(value: object) -> dict[str, Any] | None:
    if not isinstance(value, str) or not value.startswith("arn:"):
        return None
    parts = value.split(":", 5)
    if len(parts) != 6:
        return None
    _, partition, service, region, account_id, resource = parts
    if not partition or not service or not resource:
        return None
    return {
        "partition": partition,
        "service": service,
        "region": region,
        "accountId": account_id,
        "resourceId": resource.replace(":", "/").split("/"),
    }


def _is_virtual_hostable_s3_bucket(value: object, allow_subdomains: bool) -> bool:
    if (
        not isinstance(value, str)
        or len(value) < 3
        or value.lower() != value
        or _IPV4_RE.fullmatch(value) is not None
    ):
        return False
    return _is_valid_host_label(value, allow_subdomains)
