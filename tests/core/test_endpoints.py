"""The endpoint rule-set evaluator, checked against botocore's own resolution."""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.endpoint_provider import (  # type: ignore[import-untyped]
    EndpointProvider,
    RuleSetStandardLibrary,
)
from botocore.exceptions import EndpointResolutionError  # type: ignore[import-untyped]
from hypothesis import given
from hypothesis import strategies as st

from microvm_sdk._core.endpoints import (
    Endpoint,
    EndpointResolver,
    Partitions,
    load_partitions,
    parameters_from_builtins,
    resolve_endpoint,
)
from microvm_sdk._core.errors import ConfigurationError

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "service-model" / "lambda-microvms" / "2025-09-09"
RULESET: dict[str, Any] = json.loads((MODEL_DIR / "endpoint-rule-set-1.json").read_text())

import botocore  # type: ignore[import-untyped]  # noqa: E402

BOTOCORE_DATA = Path(botocore.__file__).parent / "data"
PARTITION_DATA: dict[str, Any] = json.loads((BOTOCORE_DATA / "partitions.json").read_text())

BRIEF_REGIONS = [
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "ap-northeast-1",
    "cn-north-1",
    "cn-northwest-1",
    "us-gov-west-1",
    "us-iso-east-1",
]
FLAGS = [(False, False), (True, False), (False, True), (True, True)]


def botocore_resolve(ruleset: dict[str, Any], **params: Any) -> tuple[str, Any]:
    """Resolve with botocore's EndpointProvider: ("ok", endpoint) or ("error", message)."""
    provider = EndpointProvider(
        json.loads(json.dumps(ruleset)), json.loads(json.dumps(PARTITION_DATA))
    )
    try:
        found = provider.resolve_endpoint(**params)
    except EndpointResolutionError as exc:
        return "error", str(exc)
    return "ok", Endpoint(url=found.url, properties=found.properties, headers=found.headers)


def our_resolve(ruleset: dict[str, Any], **params: Any) -> tuple[str, Any]:
    try:
        return "ok", resolve_endpoint(ruleset, params)
    except ConfigurationError as exc:
        return "error", str(exc)


def all_regions() -> list[str]:
    regions = sorted({r for p in PARTITION_DATA["partitions"] for r in p["regions"]})
    # Regions no partition lists: matched by a partition's regex, or by none (-> aws).
    return [*regions, "us-east-9", "cn-south-7", "us-gov-south-3", "us-isob-west-5", "xx-moon-1"]


# The service's rule set, against botocore -------------------------------------------


def test_model_ruleset_is_the_one_botocore_ships() -> None:
    shipped = BOTOCORE_DATA / "lambda-microvms" / "2025-09-09" / "endpoint-rule-set-1.json.gz"
    if not shipped.exists():
        pytest.skip("this botocore does not ship the service")
    assert json.loads(gzip.decompress(shipped.read_bytes())) == RULESET


@pytest.mark.parametrize("region", all_regions())
@pytest.mark.parametrize(("fips", "dualstack"), FLAGS)
def test_every_region_and_variant_matches_botocore(
    region: str, fips: bool, dualstack: bool
) -> None:
    params = {"Region": region, "UseFIPS": fips, "UseDualStack": dualstack}
    assert our_resolve(RULESET, **params) == botocore_resolve(RULESET, **params)


@pytest.mark.parametrize("fips", [False, True])
@pytest.mark.parametrize("dualstack", [False, True])
@pytest.mark.parametrize("region", [None, "us-east-1"])
def test_custom_endpoint_matches_botocore(region: str | None, fips: bool, dualstack: bool) -> None:
    params = {
        "Endpoint": "https://example.com:8443/base",
        "UseFIPS": fips,
        "UseDualStack": dualstack,
    }
    if region:
        params["Region"] = region
    ours = our_resolve(RULESET, **params)
    assert ours == botocore_resolve(RULESET, **params)
    if fips:
        assert ours == (
            "error",
            "Invalid Configuration: FIPS and custom endpoint are not supported",
        )
    elif dualstack:
        assert ours == (
            "error",
            "Invalid Configuration: Dualstack and custom endpoint are not supported",
        )
    else:
        assert ours == ("ok", Endpoint(url="https://example.com:8443/base"))


def test_missing_region_is_the_rule_sets_error() -> None:
    assert our_resolve(RULESET) == botocore_resolve(RULESET)
    assert our_resolve(RULESET) == ("error", "Invalid Configuration: Missing Region")


class _Captured(Exception):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


@pytest.fixture
def quiet_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    yield


@pytest.mark.parametrize("region", BRIEF_REGIONS)
@pytest.mark.parametrize(("fips", "dualstack"), FLAGS)
def test_resolver_matches_a_botocore_client(
    quiet_aws_env: None, region: str, fips: bool, dualstack: bool
) -> None:
    """What a real botocore client for the service sends to, with the same flags."""
    import botocore.config  # type: ignore[import-untyped]
    import botocore.session  # type: ignore[import-untyped]

    if region == "us-iso-east-1" and not any(
        region in p["regions"] for p in PARTITION_DATA["partitions"]
    ):
        pytest.skip("no partition lists us-iso-east-1")
    client = botocore.session.Session().create_client(
        "lambda-microvms",
        region_name=region,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=botocore.config.Config(use_fips_endpoint=fips, use_dualstack_endpoint=dualstack),
    )

    def capture(request: Any, **_: Any) -> None:
        raise _Captured(request.url)

    client.meta.events.register("before-send", capture)
    try:
        client.list_microvm_images()
    except _Captured as sent:
        expected: tuple[str, str] = ("ok", sent.url.split("/2025-09-09/")[0])
    except EndpointResolutionError as exc:
        expected = ("error", str(exc))
    resolver = EndpointResolver(RULESET)
    try:
        ours: tuple[str, str] = (
            "ok",
            resolver.resolve(region=region, use_fips=fips, use_dualstack=dualstack).url,
        )
    except ConfigurationError as exc:
        ours = ("error", str(exc))
    assert ours == expected


def test_endpoint_tests_shipped_with_the_model() -> None:
    """Run the model's endpoint-tests-1.json, when botocore or the model dir ships it."""
    candidates = [
        MODEL_DIR / "endpoint-tests-1.json",
        BOTOCORE_DATA / "lambda-microvms" / "2025-09-09" / "endpoint-tests-1.json",
    ]
    found = [path for path in candidates if path.exists()]
    if not found:
        pytest.skip("no endpoint-tests-1.json is shipped for this service")
    cases = json.loads(found[0].read_text())["testCases"]
    for case in cases:
        expect = case["expect"]
        result = our_resolve(RULESET, **case.get("params", {}))
        if "error" in expect:
            assert result == ("error", expect["error"]), case["documentation"]
        else:
            assert result[0] == "ok", case["documentation"]
            assert result[1].url == expect["endpoint"]["url"], case["documentation"]


# The evaluator on a rule set that uses every feature ---------------------------------

FEATURES: dict[str, Any] = {
    "version": "1.0",
    "parameters": {
        "Region": {"type": "String", "builtIn": "AWS::Region"},
        "Bucket": {"type": "String"},
        "Arn": {"type": "String"},
        "Endpoint": {"type": "String", "builtIn": "SDK::Endpoint"},
        "Flag": {"type": "Boolean", "default": False, "required": True},
    },
    "rules": [
        {
            "conditions": [
                {"fn": "isSet", "argv": [{"ref": "Endpoint"}]},
                {"fn": "parseURL", "argv": [{"ref": "Endpoint"}], "assign": "Url"},
            ],
            "rules": [
                {
                    "conditions": [
                        {
                            "fn": "booleanEquals",
                            "argv": [{"fn": "getAttr", "argv": [{"ref": "Url"}, "isIp"]}, True],
                        }
                    ],
                    "error": "IP endpoints not allowed: {Url#authority}",
                    "type": "error",
                },
                {
                    "conditions": [],
                    "endpoint": {
                        "url": "{Url#scheme}://{Url#authority}{Url#normalizedPath}x",
                        "properties": {
                            "note": "from {Endpoint}",
                            "list": ["{Url#scheme}", 1, True],
                        },
                        "headers": {"x-path": ["{Url#path}"]},
                    },
                    "type": "endpoint",
                },
            ],
            "type": "tree",
        },
        {
            "conditions": [
                {"fn": "isSet", "argv": [{"ref": "Arn"}]},
                {"fn": "aws.parseArn", "argv": [{"ref": "Arn"}], "assign": "ParsedArn"},
                {
                    "fn": "getAttr",
                    "argv": [{"ref": "ParsedArn"}, "resourceId[1]"],
                    "assign": "Name",
                },
                {"fn": "uriEncode", "argv": [{"ref": "Name"}], "assign": "EncodedName"},
                {
                    "fn": "getAttr",
                    "argv": [{"ref": "ParsedArn"}, "resourceId[0]"],
                    "assign": "Kind",
                },
            ],
            "endpoint": {
                "url": "https://{ParsedArn#service}.{ParsedArn#region}.example/{EncodedName}/{Kind}",
                "properties": {},
                "headers": {},
            },
            "type": "endpoint",
        },
        {
            "conditions": [
                {"fn": "isSet", "argv": [{"ref": "Bucket"}]},
                {"fn": "aws.isVirtualHostableS3Bucket", "argv": [{"ref": "Bucket"}, False]},
                {"fn": "substring", "argv": [{"ref": "Bucket"}, 0, 3, True], "assign": "Tail"},
            ],
            "endpoint": {
                "url": "https://{Bucket}.s3.example/{Tail}",
                "properties": {},
                "headers": {},
            },
            "type": "endpoint",
        },
        {
            "conditions": [
                {"fn": "isSet", "argv": [{"ref": "Region"}]},
                {
                    "fn": "not",
                    "argv": [{"fn": "isValidHostLabel", "argv": [{"ref": "Region"}, True]}],
                },
            ],
            "error": "Invalid region {Region}",
            "type": "error",
        },
        {
            "conditions": [
                {"fn": "isSet", "argv": [{"ref": "Region"}]},
                {"fn": "aws.partition", "argv": [{"ref": "Region"}], "assign": "P"},
                {
                    "fn": "stringEquals",
                    "argv": [{"fn": "getAttr", "argv": [{"ref": "P"}, "name"]}, "aws-cn"],
                },
            ],
            "endpoint": {
                "url": "https://svc.{Region}.{P#dnsSuffix}",
                "properties": {"partition": "{P#name}"},
                "headers": {},
            },
            "type": "endpoint",
        },
        {
            "conditions": [
                {"fn": "isSet", "argv": [{"ref": "Region"}]},
                {"fn": "booleanEquals", "argv": [{"ref": "Flag"}, True]},
            ],
            "rules": [
                # A tree whose rules all miss falls through to the next rule (as botocore does).
                {
                    "conditions": [
                        {"fn": "stringEquals", "argv": [{"ref": "Region"}, "nowhere-1"]}
                    ],
                    "error": "never",
                    "type": "error",
                }
            ],
            "type": "tree",
        },
        {
            "conditions": [{"fn": "isSet", "argv": [{"ref": "Region"}]}],
            "endpoint": {"url": "https://svc.{Region}.example", "properties": {}, "headers": {}},
            "type": "endpoint",
        },
        {"conditions": [], "error": "Nothing set", "type": "error"},
    ],
}

FEATURE_CASES: list[dict[str, Any]] = [
    {},
    {"Region": "us-west-2"},
    {"Region": "us-west-2", "Flag": True},
    {"Region": "cn-north-1"},
    {"Region": "bad region"},
    {"Region": "a.b"},
    {"Endpoint": "https://example.com"},
    {"Endpoint": "http://example.com:8080/a/b"},
    {"Endpoint": "https://10.0.0.1:443/x"},
    {"Endpoint": "https://[::1]/x"},
    {"Endpoint": "https://example.com?q=1"},
    {"Endpoint": "ftp://example.com"},
    {"Arn": "arn:aws:lambda:us-east-1:123456789012:microvm-image:my image"},
    {"Arn": "arn:aws:lambda:us-east-1:123456789012:microvm-image/one/two"},
    {"Arn": "arn:aws:lambda:us-east-1:123456789012:single", "Region": "us-east-1"},
    {"Arn": "not-an-arn", "Region": "us-east-1"},
    {"Bucket": "my-bucket"},
    {"Bucket": "My-Bucket", "Region": "us-east-1"},
    {"Bucket": "ab", "Region": "us-east-1"},
    {"Bucket": "192.168.1.1", "Region": "us-east-1"},
]


@pytest.mark.parametrize("params", FEATURE_CASES, ids=lambda p: json.dumps(p, sort_keys=True))
def test_every_feature_matches_botocore(params: dict[str, Any]) -> None:
    assert our_resolve(FEATURES, **params) == botocore_resolve(FEATURES, **params)


def test_feature_results_spelled_out() -> None:
    assert resolve_endpoint(FEATURES, {"Endpoint": "http://example.com:8080/a/b"}) == Endpoint(
        url="http://example.com:8080/a/b/x",
        properties={"note": "from http://example.com:8080/a/b", "list": ["http", 1, True]},
        headers={"x-path": ["/a/b"]},
    )
    ok = resolve_endpoint(FEATURES, {"Region": "cn-north-1"})
    assert ok == Endpoint(
        url="https://svc.cn-north-1.amazonaws.com.cn", properties={"partition": "aws-cn"}
    )
    arn = resolve_endpoint(FEATURES, {"Arn": "arn:aws:lambda:us-east-1:1:img:a b"})
    assert arn.url == "https://lambda.us-east-1.example/a%20b/img"
    with pytest.raises(ConfigurationError, match=r"^IP endpoints not allowed: 10\.0\.0\.1$"):
        resolve_endpoint(FEATURES, {"Endpoint": "https://10.0.0.1"})
    with pytest.raises(ConfigurationError, match=r"^Invalid region bad region$"):
        resolve_endpoint(FEATURES, {"Region": "bad region"})


def test_template_escapes() -> None:
    ruleset = {
        "version": "1.0",
        "parameters": {"Region": {"type": "String"}},
        "rules": [
            {
                "conditions": [],
                "endpoint": {
                    "url": "https://{Region}.example/{{literal}}",
                    "properties": {},
                    "headers": {},
                },
                "type": "endpoint",
            }
        ],
    }
    assert resolve_endpoint(ruleset, {"Region": "r-1"}).url == "https://r-1.example/{literal}"


def test_template_attribute_paths_with_an_index() -> None:
    """``{Ref#path[0]}`` is getAttr shorthand in the Smithy spec (botocore lacks it)."""
    ruleset: dict[str, Any] = {
        "version": "1.0",
        "parameters": {"Arn": {"type": "String", "required": True}},
        "rules": [
            {
                "conditions": [{"fn": "aws.parseArn", "argv": [{"ref": "Arn"}], "assign": "A"}],
                "endpoint": {"url": "https://{A#resourceId[1]}.{A#region}.example"},
                "type": "endpoint",
            }
        ],
    }
    found = resolve_endpoint(ruleset, {"Arn": "arn:aws:svc:eu-west-1:1:thing/name"})
    assert found.url == "https://name.eu-west-1.example"
    with pytest.raises(ConfigurationError, match="refers to unset value 'A#resourceId\\[5\\]'"):
        resolve_endpoint(
            {
                **ruleset,
                "rules": [
                    {**ruleset["rules"][0], "endpoint": {"url": "https://{A#resourceId[5]}"}}
                ],
            },
            {"Arn": "arn:aws:svc:eu-west-1:1:thing/name"},
        )


# Parameters and malformed rule sets --------------------------------------------------


def test_parameters_from_builtins() -> None:
    params = parameters_from_builtins(
        RULESET,
        {
            "AWS::Region": "eu-west-1",
            "AWS::UseFIPS": True,
            "AWS::UseDualStack": False,
            "SDK::Endpoint": None,
        },
    )
    assert params == {"Region": "eu-west-1", "UseFIPS": True, "UseDualStack": False}


def test_required_parameter_and_types() -> None:
    ruleset = {
        "version": "1.0",
        "parameters": {"Needed": {"type": "String", "required": True}, "B": {"type": "Boolean"}},
        "rules": [{"conditions": [], "endpoint": {"url": "https://x"}, "type": "endpoint"}],
    }
    with pytest.raises(ConfigurationError, match="Needed is required"):
        resolve_endpoint(ruleset, {})
    with pytest.raises(ConfigurationError, match="B must be of type Boolean"):
        resolve_endpoint(ruleset, {"Needed": "x", "B": "true"})
    with pytest.raises(ConfigurationError, match="Needed must be of type String"):
        resolve_endpoint(ruleset, {"Needed": 3})


def test_malformed_rule_sets_fail_clearly() -> None:
    def single(rule: dict[str, Any]) -> dict[str, Any]:
        return {"version": "1.0", "parameters": {"R": {"type": "String"}}, "rules": [rule]}

    unknown_fn = single(
        {
            "conditions": [{"fn": "coalesce", "argv": []}],
            "endpoint": {"url": "https://x"},
            "type": "endpoint",
        }
    )
    with pytest.raises(ConfigurationError, match="unsupported function 'coalesce'"):
        resolve_endpoint(unknown_fn, {})
    reassign = single(
        {
            "conditions": [{"fn": "isSet", "argv": [{"ref": "R"}], "assign": "R"}],
            "endpoint": {"url": "https://x"},
            "type": "endpoint",
        }
    )
    with pytest.raises(ConfigurationError, match="already defined"):
        resolve_endpoint(reassign, {"R": "v"})
    with pytest.raises(ConfigurationError, match="unknown type 'bogus'"):
        resolve_endpoint(single({"conditions": [], "type": "bogus"}), {})
    no_match = single(
        {
            "conditions": [{"fn": "isSet", "argv": [{"ref": "R"}]}],
            "endpoint": {"url": "https://x"},
            "type": "endpoint",
        }
    )
    with pytest.raises(ConfigurationError, match="no endpoint rule matched"):
        resolve_endpoint(no_match, {})
    with pytest.raises(ConfigurationError, match="booleanEquals needs two booleans"):
        resolve_endpoint(
            single(
                {
                    "conditions": [{"fn": "booleanEquals", "argv": ["x", True]}],
                    "endpoint": {"url": "https://x"},
                    "type": "endpoint",
                }
            ),
            {},
        )


# Resolver cache ----------------------------------------------------------------------


def test_resolver_caches_results_but_not_errors() -> None:
    resolver = EndpointResolver(RULESET)
    first = resolver.resolve(region="eu-west-1", use_dualstack=True)
    assert first.url == "https://lambda.eu-west-1.api.aws"
    assert resolver.resolve(region="eu-west-1", use_dualstack=True) is first
    for _ in range(2):
        with pytest.raises(ConfigurationError, match="FIPS and custom endpoint"):
            resolver.resolve(region="eu-west-1", use_fips=True, endpoint="https://x.example")


# Partitions --------------------------------------------------------------------------


def test_partition_lookup_order_and_overrides() -> None:
    data = {
        "partitions": [
            {
                "id": "aws",
                "regionRegex": "^(us|eu)\\-\\w+\\-\\d+$",
                "regions": {"us-east-1": {"description": "x"}},
                "outputs": {"dnsSuffix": "amazonaws.com", "supportsFIPS": True},
            },
            {
                "id": "other",
                "regionRegex": "^xx\\-odd\\-\\d+$",
                "regions": {"eu-special-1": {"dnsSuffix": "special.example", "unknownKey": 1}},
                "outputs": {"dnsSuffix": "other.example", "supportsFIPS": False},
            },
        ]
    }
    partitions = Partitions(data)
    # A listed region wins over an earlier partition's regex; its overrides apply.
    assert partitions.lookup("eu-special-1") == {
        "dnsSuffix": "special.example",
        "supportsFIPS": False,
        "name": "other",
    }
    assert partitions.lookup("eu-west-1")["name"] == "aws"
    assert partitions.lookup("xx-odd-1")["name"] == "other"
    assert partitions.lookup("mars-1")["name"] == "aws"
    with pytest.raises(ConfigurationError, match="no partitions"):
        Partitions({"partitions": []})


def test_partitions_match_botocore_for_every_region() -> None:
    lib = RuleSetStandardLibrary(json.loads(json.dumps(PARTITION_DATA)))
    ours = load_partitions()
    for region in all_regions():
        assert ours.lookup(region) == lib.aws_partition(region), region
    assert load_partitions() is ours


# Functions against botocore's standard library ---------------------------------------

LIB = RuleSetStandardLibrary(PARTITION_DATA)
LABELISH = st.text(alphabet="abcXYZ019-.", max_size=70)


def _direct(name: str, *args: Any) -> Any:
    from microvm_sdk._core import endpoints

    evaluator = endpoints._Evaluator(None)
    return evaluator.call({"fn": name, "argv": list(args)}, {})


@given(LABELISH, st.booleans())
def test_is_valid_host_label_matches_botocore(value: str, subdomains: bool) -> None:
    assert _direct("isValidHostLabel", value, subdomains) == LIB.is_valid_host_label(
        value, subdomains
    )


@given(LABELISH, st.booleans())
def test_is_virtual_hostable_s3_bucket_matches_botocore(value: str, subdomains: bool) -> None:
    assert _direct(
        "aws.isVirtualHostableS3Bucket", value, subdomains
    ) == LIB.aws_is_virtual_hostable_s3_bucket(value, subdomains)


@given(st.text(max_size=20), st.integers(0, 25), st.integers(0, 25), st.booleans())
def test_substring_matches_botocore(value: str, start: int, stop: int, reverse: bool) -> None:
    assert _direct("substring", value, start, stop, reverse) == LIB.substring(
        value, start, stop, reverse
    )


@given(st.text(max_size=30))
def test_uri_encode_matches_botocore(value: str) -> None:
    assert _direct("uriEncode", value) == LIB.uri_encode(value)


@given(st.lists(st.text(alphabet="abc:/*-", max_size=6), min_size=1, max_size=8).map(":".join))
def test_parse_arn_matches_botocore(tail: str) -> None:
    value = "arn:" + tail
    assert _direct("aws.parseArn", value) == LIB.aws_parse_arn(value)


@given(
    st.sampled_from(["http", "https", "ftp"]),
    st.sampled_from(
        ["example.com", "example.com:8080", "10.1.2.3", "[::1]", "[fe80::1]:99", "a.b.c"]
    ),
    st.sampled_from(["", "/", "/a", "/a/b/", "/a/b"]),
    st.sampled_from(["", "?x=1"]),
)
def test_parse_url_matches_botocore(scheme: str, authority: str, path: str, query: str) -> None:
    value = f"{scheme}://{authority}{path}{query}"
    assert _direct("parseURL", value) == LIB.parse_url(value)


def test_get_attr() -> None:
    value = {"a": {"b": [10, 20]}, "list": ["x", "y"]}
    assert _direct("getAttr", value, "a.b[1]") == 20
    assert _direct("getAttr", value, "list[0]") == "x"
    assert _direct("getAttr", value, "list[5]") is None
    assert _direct("getAttr", value, "missing.b") is None
    assert _direct("isSet", "x") is True
    assert _direct("isSet", None) is False
