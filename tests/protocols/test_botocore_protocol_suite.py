"""botocore's rest-json protocol test suite, run through our generator and runtime.

Each suite of ``tests/unit/protocols/{input,output}/rest-json.json`` (botocore's source
distribution, see ``botocore_suite.py``) is a small model plus cases. For every suite the
generator writes a typed client package (as ``python -m microvm_sdk_codegen --model ...
--package ...`` would); every case then goes through that package:

- input cases: the parameters become the typed input, the validator accepts it, and
  ``RestJsonProtocol.serialize`` must give the expected method, path, query string,
  headers, body and host;
- output cases: ``RestJsonProtocol.parse`` (or ``error``) of the recorded response must
  give the expected result (or error code, message and modeled members).

Outcomes:

- every case must pass, except:
- cases botocore's own runner skips (its ignore list): run all the same; one we do not
  match is an expected failure, with the reason we differ (``DIVERGENCES``);
- a suite the generator refuses: its cases pass only if the refusal names a streaming
  payload or an event stream (the only constructs allowed to stay refused).

The totals are printed at the end of the run (see ``conftest.py``). The comparison
follows botocore's runner, with two normalizations of our own, both about things that
carry no meaning: the query string is compared per parameter name (the order of
different names is not meaningful; ours follows the model, botocore's the caller's
dict), and prefix-header names are compared in lower case (HTTP header names are
case-insensitive and our transport reads them in lower case).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore_suite import SuiteUnavailable, botocore_skips, skip_requested, suites
from generated import Package, generate_package, write_model

from microvm_sdk._core.errors import ServiceError
from microvm_sdk._core.http import HttpResponse
from microvm_sdk_codegen.ir import ModelError

ENDPOINT = "https://example.com"
#: What the suite's models lack that every real model has (the service's identity).
IDENTITY = {"serviceId": "Protocol Tests", "endpointPrefix": "protocoltests"}
#: Constructs that may stay refused; a refusal of anything else fails the case.
MAY_BE_REFUSED = ("streaming payloads are not implemented", "event streams are not implemented")
#: Cases botocore skips where we knowingly give something else than the suite expects.
DIVERGENCES = {
    "MediaTypeHeaderInputBase64": (
        "a jsonvalue header carries JSON: like botocore we send base64 of the JSON text "
        '"\\"true\\"" for the string "true"; the suite sends the raw string'
    ),
    "MediaTypeHeaderOutputBase64": (
        "a jsonvalue header carries JSON: like botocore we read base64 JSON, and the suite's "
        "header holds base64 of a bare word"
    ),
    "RestJsonNullAndEmptyHeaders": (
        "like botocore we send no header for an empty list; the suite sends an empty header"
    ),
    "SDKAppliedContentEncoding_restJson1": (
        "request compression is optional: we send bodies uncompressed"
    ),
    "SDKAppendedGzipAfterProvidedEncoding_restJson1": (
        "request compression is optional: we send bodies uncompressed"
    ),
    "RestJsonHostWithPath": (
        "the suite's host holds the endpoint's path (example.com/custom); our request goes "
        "to host example.com with the path /custom/HostWithPathOperation the suite expects"
    ),
    "RestJsonQueryIdempotencyTokenAutoFill": (
        "the call pipeline fills idempotency tokens with random UUIDs before serializing; "
        "the suite expects a fixed one from serialization itself"
    ),
}


def _suite_cases(kind: str) -> list[Any]:
    try:
        if skip_requested():
            return [pytest.param(None, None, None, marks=pytest.mark.skip("skip requested"))]
        data = suites(kind)
    except SuiteUnavailable as exc:  # a collection error: the run fails, loudly
        raise RuntimeError(f"botocore's protocol test suite is unavailable: {exc}") from exc
    params = []
    for index, suite in enumerate(data):
        for number, case in enumerate(suite["cases"]):
            marks = [pytest.mark.botocore_skips] if botocore_skips(kind, suite, case) else []
            name = case.get("id") or f"{suite['description']}:{number}"
            params.append(pytest.param(kind, index, number, id=f"{kind}:{name}", marks=marks))
    return params


@pytest.fixture(scope="session")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int], Any]:
    """Generated packages by (kind, suite index), or the ModelError of a refused suite."""
    return {}


def _package(
    cache: dict[tuple[str, int], Any], root: Path, kind: str, index: int
) -> Package | ModelError:
    key = (kind, index)
    if key not in cache:
        suite = suites(kind)[index]
        operations = {case["given"]["name"]: case["given"] for case in suite["cases"]}
        model = {
            "metadata": {**IDENTITY, **suite["metadata"]},
            "shapes": suite["shapes"],
            "operations": operations,
        }
        name = f"restjson_{kind}_{index:03d}"
        folder = write_model(root / "models" / name, model)
        try:
            cache[key] = generate_package(folder, root / "packages", name)
        except ModelError as exc:
            cache[key] = exc
    result: Package | ModelError = cache[key]
    return result


@pytest.fixture(scope="session")
def package_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("protocol-suite")


def _run(
    request: pytest.FixtureRequest,
    packages: dict[tuple[str, int], Any],
    root: Path,
    kind: str,
    index: int,
    number: int,
) -> None:
    suite = suites(kind)[index]
    case = suite["cases"][number]
    package = _package(packages, root, kind, index)
    if isinstance(package, ModelError):
        request.node.user_properties.append(("outcome", "refused"))
        message = str(package)
        assert any(reason in message for reason in MAY_BE_REFUSED), message
        return
    skipped = botocore_skips(kind, suite, case)
    try:
        if kind == "input":
            _check_input(package, suite, case)
        else:
            _check_output(package, case)
    except AssertionError as exc:
        if skipped:
            reason = DIVERGENCES.get(case.get("id", ""), "")
            request.node.user_properties.append(("outcome", "botocore skips, we differ"))
            pytest.xfail(f"botocore skips this case; {reason or exc}")
        raise
    if skipped:
        request.node.user_properties.append(("outcome", "botocore skips, we pass"))
        assert case.get("id") not in DIVERGENCES, "a recorded divergence no longer differs"
    else:
        request.node.user_properties.append(("outcome", "passed"))


@pytest.mark.parametrize(
    ("kind", "index", "number"), _suite_cases("input") + _suite_cases("output")
)
def test_case(
    request: pytest.FixtureRequest,
    packages: dict[tuple[str, int], Any],
    package_root: Path,
    kind: str,
    index: int,
    number: int,
) -> None:
    _run(request, packages, package_root, kind, index, number)


# -- input cases ------------------------------------------------------------------------


def _query(query: str) -> dict[str, list[str]]:
    """Raw ``key=value`` tokens by key, in order (encoding compared exactly)."""
    tokens: dict[str, list[str]] = defaultdict(list)
    for token in query.split("&") if query else ():
        tokens[token.split("=", 1)[0]].append(token)
    return dict(tokens)


def _check_input(package: Package, suite: dict[str, Any], case: dict[str, Any]) -> None:
    operation = package.schema.operations[case["given"]["name"]]
    params: Any = None
    if operation.input:
        params = package.values.from_model_dict(case["params"], operation.input)
        package.validator.validate(params, operation.input)
    endpoint = suite.get("clientEndpoint", ENDPOINT)
    request = package.protocol.serialize(operation, params, endpoint)
    expected = case["serialized"]
    url = urlsplit(request.url)
    want_path, _, want_query = expected.get("uri", "").partition("?")
    assert (url.path or "/") == (want_path or "/"), "path"
    assert _query(url.query) == _query(want_query), "query string"
    if "method" in expected:
        assert request.method == expected["method"], "method"
    if "host" in expected:
        assert url.netloc == expected["host"], "host"
    actual_headers = {k.lower(): v for k, v in request.headers.items()}
    input_shape = package.schema.shapes[operation.input] if operation.input else None
    list_headers = {
        m.wire_name.lower()
        for m in (input_shape.members if input_shape else ())
        if m.location == "header" and package.schema.shapes[m.target].kind == "list"
    }
    for header, text in expected.get("headers", {}).items():
        name, value = header.lower(), text
        if name == "content-type" and value != "application/json":
            continue  # botocore sends none for blob and string payloads; its runner skips it
        if name == "content-md5":  # the MD5 of the body, whose JSON spacing is our own
            compact = json.dumps(json.loads(expected["body"]), separators=(",", ":"))
            assert value == _md5(compact.encode("utf-8")), "the suite's MD5 of its body"
            value = _md5(request.body)
        if name in list_headers:  # the suite joins list items with ", ", botocore with ","
            value = value.replace(", ", ",")
            if name in actual_headers:
                actual_headers[name] = actual_headers[name].replace(", ", ",")
        assert actual_headers.get(name) == value, f"header {name}"
    for name in expected.get("forbidHeaders", ()):
        assert name.lower() not in actual_headers, f"forbidden header {name}"
    if "body" in expected:
        want = expected["body"].encode("utf-8")
        try:
            assert json.loads(request.body) == json.loads(want), "body"
        except ValueError:
            assert request.body == want, "body"


def _md5(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode()


# -- output cases -----------------------------------------------------------------------


def _response(case: dict[str, Any]) -> HttpResponse:
    raw = case["response"]
    headers = {k.lower(): v for k, v in raw.get("headers", {}).items()}
    return HttpResponse(raw["status_code"], headers, raw.get("body", "").encode("utf-8"))


def _check_output(package: Package, case: dict[str, Any]) -> None:
    schema = package.schema
    operation = schema.operations[case["given"]["name"]]
    response = _response(case)
    if "error" in case:
        error = package.protocol.error(response)
        assert isinstance(error, ServiceError)
        assert error.code == case.get("errorCode", ""), "error code"
        assert error.message == case.get("errorMessage", ""), "error message"
        shape = next(s for s in schema.shapes.values() if s.cls is type(error))
        fields = error.modeled_fields()
        found: dict[str, Any] = {}
        for member in shape.members:
            is_message = member.name == "message"
            value = (error.message or None) if is_message else fields.get(member.name)
            if value is not None:
                found[member.model_name] = _suite_form(
                    package.values.to_model_dict(value, member.target)
                )
        assert found == case["error"], "modeled error members"
        return
    output_cls = schema.shapes[operation.output].cls if operation.output else None
    result = package.protocol.parse(operation, response, output_cls)
    got = _suite_form(package.values.to_model_dict(result, operation.output)) if result else {}
    want = case["result"]
    if operation.output:
        for member in schema.shapes[operation.output].members:
            if member.location == "headers" and member.model_name in want:
                want = {**want, member.model_name: _lower_keys(want[member.model_name])}
    assert got == want, "result"


def _lower_keys(value: dict[str, Any]) -> dict[str, Any]:
    return {k.lower(): v for k, v in value.items()}


def _suite_form(value: Any) -> Any:
    """A value in botocore's parsed form as the suite writes it: timestamps as epoch
    seconds, blobs as UTF-8 text, non-finite floats by name."""
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: _suite_form(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_suite_form(v) for v in value]
    return value
