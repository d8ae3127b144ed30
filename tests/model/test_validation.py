"""Client-side validation: every constraint kind of the model, and nothing sent on failure."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from schema_strategies import CONVERTER, SCHEMA, VALIDATOR

import microvm_sdk
from microvm_sdk import models
from microvm_sdk._core.errors import ParamValidationError
from microvm_sdk._core.http import HttpRequest, HttpResponse
from microvm_sdk._core.schema import Member, ServiceSchema, Shape
from microvm_sdk._core.validation import Validator

IMAGE_ARN = "arn:aws:lambda:us-east-1:123456789012:microvm-image:demo"
ROLE_ARN = "arn:aws:iam::123456789012:role/build"
SECRET = "hunter2-do-not-print"


def create_image(**overrides: Any) -> models.CreateMicrovmImageRequest:
    fields: dict[str, Any] = {
        "name": "demo",
        "base_image_arn": "arn:aws:lambda:us-east-1:aws:microvm-image:al2023-1",
        "build_role_arn": ROLE_ARN,
        "code_artifact": models.CodeArtifactUri(value="s3://bucket/app.zip"),
    }
    fields.update(overrides)
    return models.CreateMicrovmImageRequest(**fields)


def problems(obj: Any, shape: str | None = None) -> list[str]:
    return VALIDATOR.problems(obj, shape or type(obj).__name__)


def test_a_valid_request_has_no_problems() -> None:
    assert problems(create_image()) == []


# -- required --------------------------------------------------------------------------------


def test_required_members_missing_are_all_reported() -> None:
    request = create_image(name=None, build_role_arn=None)
    with pytest.raises(ParamValidationError) as info:
        VALIDATOR.validate(request, "CreateMicrovmImageRequest", operation="create_microvm_image")
    assert info.value.errors == (
        "build_role_arn: missing required member",
        "name: missing required member",
    )
    assert info.value.operation == "create_microvm_image"
    assert str(info.value).startswith("2 invalid parameters for create_microvm_image:")


def test_required_nested_member() -> None:
    policy = models.IdlePolicy(
        max_idle_duration_seconds=900, suspended_duration_seconds=60, auto_resume_enabled=None
    )
    request = models.RunMicrovmRequest(image_identifier=IMAGE_ARN, idle_policy=policy)
    assert problems(request) == ["idle_policy.auto_resume_enabled: missing required member"]


# -- lengths, ranges, sizes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("", ["name: 0 characters < min 1", "name: '' does not match pattern [a-zA-Z0-9-_]+"]),
        ("n" * 65, ["name: 65 characters > max 64"]),
        ("n" * 64, []),
        ("n", []),
    ],
)
def test_string_length(name: str, expected: list[str]) -> None:
    assert problems(create_image(name=name)) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, ["maximum_duration_in_seconds: 0 < min 1"]),
        (28801, ["maximum_duration_in_seconds: 28801 > max 28800"]),
        (1, []),
        (28800, []),
    ],
)
def test_numeric_range(seconds: int, expected: list[str]) -> None:
    request = models.RunMicrovmRequest(
        image_identifier=IMAGE_ARN, maximum_duration_in_seconds=seconds
    )
    assert problems(request) == expected


def test_numeric_type() -> None:
    request = models.RunMicrovmRequest(
        image_identifier=IMAGE_ARN,
        maximum_duration_in_seconds=True,  # a bool is not an int here
    )
    assert problems(request) == ["maximum_duration_in_seconds: expected int, got bool"]


def test_list_size() -> None:
    two = ("arn:aws:lambda:us-east-1:aws:network-connector:a", "arn:b")
    assert problems(create_image(egress_network_connectors=two)) == [
        "egress_network_connectors: 2 items > max 1"
    ]
    assert problems(create_image(egress_network_connectors=two[:1])) == []
    assert problems(create_image(egress_network_connectors=())) == []
    token = models.CreateMicrovmAuthTokenRequest(
        microvm_identifier="microvm-1", expiration_in_minutes=5, allowed_ports=[]
    )
    assert problems(token) == ["allowed_ports: 0 items < min 1"]


def test_map_size_at_and_over_the_model_limit() -> None:
    limit = SCHEMA.shapes["EnvironmentVariableMap"].max
    assert limit == 100
    at_limit = {f"VAR_{i}": "v" for i in range(100)}
    assert problems(create_image(environment_variables=at_limit)) == []
    over = {**at_limit, "ONE_MORE": "v"}
    assert problems(create_image(environment_variables=over)) == [
        "environment_variables: 101 entries > max 100"
    ]


def test_map_keys_are_checked() -> None:
    assert problems(create_image(environment_variables={"": "v", "A B": "v"})) == [
        "environment_variables key '': 0 characters < min 1",
        "environment_variables key '': '' does not match pattern [^\\s]+",
        "environment_variables key 'A B': 'A B' does not match pattern [^\\s]+",
    ]


# -- patterns --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["café", "東京", "a b", "x_y.z:/=+-@", ""])
def test_tag_patterns_accept_unicode_letters_numbers_and_spaces(text: str) -> None:
    key = text or "k"  # keys need one character
    assert problems(create_image(tags={key: text})) == []


@pytest.mark.parametrize("bad", ["a\tb", "line\nbreak", "semi;colon"])
def test_tag_patterns_reject_other_characters(bad: str) -> None:
    found = problems(create_image(tags={"k": bad}))
    assert found == [
        f"tags['k']: {bad!r} does not match pattern ([\\p{{L}}\\p{{Z}}\\p{{N}}_.:/=+\\-@]*)"
    ]


def test_image_name_pattern_echoes_the_value() -> None:
    assert problems(create_image(name="bad name!")) == [
        "name: 'bad name!' does not match pattern [a-zA-Z0-9-_]+"
    ]


# -- unions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "got"),
    [(["s3://bucket/app.zip"], "list"), ("s3://bucket/app.zip", "str"), ({"uri": "x"}, "dict")],
)
def test_union_of_the_wrong_type(value: Any, got: str) -> None:
    assert problems(create_image(code_artifact=value)) == [
        f"code_artifact: expected one of CodeArtifactUri, got {got}"
    ]


def test_union_unknown_variant_is_refused() -> None:
    unknown = models.CodeArtifactUnknown(tag="ecrImage", value={"repository": "r"})
    found = problems(create_image(code_artifact=unknown))
    assert len(found) == 1
    assert found[0].startswith(
        "code_artifact: CodeArtifactUnknown (member 'ecrImage') was received"
    )
    assert "use one of CodeArtifactUri" in found[0]


def test_union_member_value_is_validated_with_its_path() -> None:
    assert problems(create_image(code_artifact=models.CodeArtifactUri(value=" "))) == [
        "code_artifact.uri: ' ' does not match pattern [^\\s]+"
    ]
    ports = models.CreateMicrovmAuthTokenRequest(
        microvm_identifier="microvm-1",
        expiration_in_minutes=5,
        allowed_ports=[
            models.PortSpecificationPort(value=8080),
            models.PortSpecificationRange(value=models.PortRange(start_port=0, end_port=70000)),
        ],
    )
    assert problems(ports) == [
        "allowed_ports[1].range.start_port: 0 < min 1",
        "allowed_ports[1].range.end_port: 70000 > max 65535",
    ]


# -- nesting, enums, sensitivity ---------------------------------------------------------------


def test_nested_path_message() -> None:
    hooks = models.Hooks(microvm_hooks=models.MicrovmHooks(run_timeout_in_seconds=90))
    with pytest.raises(ParamValidationError) as info:
        VALIDATOR.validate(create_image(hooks=hooks), "CreateMicrovmImageRequest")
    assert info.value.errors == ("hooks.microvm_hooks.run_timeout_in_seconds: 90 > max 60",)
    assert "hooks.microvm_hooks.run_timeout_in_seconds: 90 > max 60" in str(info.value)


def test_unknown_enum_values_in_inputs_are_allowed() -> None:
    request = create_image(
        additional_os_capabilities=[models.Capability("NET_ADMIN")],
        cpu_configurations=[models.CpuConfiguration(architecture=models.Architecture("RISCV_64"))],
    )
    assert problems(request) == []
    status = models.UpdateMicrovmImageVersionRequest(
        image_identifier=IMAGE_ARN,
        image_version="1.0",
        status=models.MicrovmImageVersionStatus("ARCHIVED"),
    )
    assert problems(status) == []


def test_sensitive_values_are_never_echoed() -> None:
    long_secret = SECRET * 300  # > 4096 characters
    request = models.RunMicrovmRequest(image_identifier=IMAGE_ARN, run_hook_payload=long_secret)
    env = create_image(environment_variables={"TOKEN": long_secret})
    with pytest.raises(ParamValidationError) as run_info:
        VALIDATOR.validate(request, "RunMicrovmRequest")
    with pytest.raises(ParamValidationError) as env_info:
        VALIDATOR.validate(env, "CreateMicrovmImageRequest")
    assert run_info.value.errors == ("run_hook_payload: 6000 characters > max 4096",)
    assert env_info.value.errors == ("environment_variables['TOKEN']: 6000 characters > max 4096",)
    for exc in (run_info.value, env_info.value):
        assert SECRET not in str(exc) and SECRET not in repr(exc)


@pytest.mark.parametrize(
    "params",
    [
        {"imageIdentifier": IMAGE_ARN, "runHookPayload": {"token": SECRET}},
        {"imageIdentifier": IMAGE_ARN, "runHookPayload": [SECRET]},
    ],
)
def test_sensitive_values_of_the_wrong_type_are_not_echoed(params: dict[str, Any]) -> None:
    with pytest.raises(ParamValidationError) as info:
        CONVERTER.input_from_params(params, SCHEMA.shapes["RunMicrovmRequest"])
    assert info.value.errors[0].startswith("run_hook_payload: expected a string")
    assert SECRET not in str(info.value)


def test_non_sensitive_values_of_the_wrong_type_are_named() -> None:
    with pytest.raises(ParamValidationError) as info:
        CONVERTER.input_from_params(
            {"imageIdentifier": IMAGE_ARN, "maximumDurationInSeconds": "soon"},
            SCHEMA.shapes["RunMicrovmRequest"],
        )
    assert info.value.errors == ("maximum_duration_in_seconds: expected an integer, got str",)


def test_sensitive_pattern_mismatch_hides_the_value() -> None:
    # The service model has no sensitive member with a pattern, so a schema of one shows
    # that the validator would still keep such a value out of its message.
    @attrs.frozen(kw_only=True)
    class Login:
        password: str

    schema = ServiceSchema(
        service_id="Demo",
        service_name="demo",
        api_version="2020-01-01",
        protocol="rest-json",
        signing_name="demo",
        endpoint_prefix="demo",
        env_name="DEMO",
        shapes={
            "Login": Shape(
                name="Login",
                kind="structure",
                members=(
                    Member(
                        name="password",
                        model_name="password",
                        wire_name="password",
                        target="Password",
                        required=True,
                    ),
                ),
                cls=Login,
            ),
            "Password": Shape(name="Password", kind="string", pattern="[a-z]+", sensitive=True),
        },
        operations={},
    )
    found = Validator(schema).problems(Login(password=SECRET), "Login")
    assert found == ["password: value does not match pattern [a-z]+"]


# -- nothing reaches the network ---------------------------------------------------------------


class RecordingTransport:
    """A transport that records requests and answers with canned responses."""

    def __init__(self, *responses: HttpResponse) -> None:
        self.sent: list[HttpRequest] = []
        self.responses = list(responses)
        self.closed = False

    def send(self, request: HttpRequest) -> HttpResponse:
        self.sent.append(request)
        return self.responses.pop(0)

    def close(self) -> None:
        self.closed = True


def make_client(transport: RecordingTransport) -> microvm_sdk.Client:
    return microvm_sdk.Client(
        region_name="us-east-1",
        aws_access_key_id="AK",
        aws_secret_access_key="SK",
        transport=transport,
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.run_microvm(image_identifier=IMAGE_ARN, maximum_duration_in_seconds=0),
        lambda c: c.run_microvm(image_identifier=IMAGE_ARN, run_hook_payload="x" * 4097),
        lambda c: c.create_microvm_image(
            name="bad name!",
            base_image_arn="a",
            build_role_arn=ROLE_ARN,
            code_artifact="s3://bucket/app.zip",
        ),
        lambda c: c.get_microvm_image(image_identifier=""),
        lambda c: c.untag_resource(resource=IMAGE_ARN, tag_keys=["k\t"]),
    ],
)
def test_invalid_input_never_reaches_the_transport(call: Any) -> None:
    transport = RecordingTransport()
    with make_client(transport) as client, pytest.raises(ParamValidationError):
        call(client)
    assert transport.sent == []


def test_valid_input_does_reach_the_transport() -> None:
    # The control for the test above: the same client does send a valid call.
    transport = RecordingTransport(HttpResponse(200, {}, b"{}"))
    client = make_client(transport)
    assert client.suspend_microvm(microvm_identifier="microvm-1") == (
        models.SuspendMicrovmResponse()
    )
    assert [r.method for r in transport.sent] == ["POST"]
    assert transport.sent[0].url.endswith("/2025-09-09/microvms/microvm-1/suspend")


def test_invalid_dict_input_never_reaches_the_transport() -> None:
    transport = RecordingTransport()
    runtime = make_client(transport)._runtime
    with pytest.raises(ParamValidationError) as info:
        runtime.invoke_wire("RunMicrovm", {"imageIdentifier": IMAGE_ARN, "maxDuration": 5})
    assert info.value.errors[0].startswith("maxDuration: unknown parameter")
    assert transport.sent == []


# -- what the compiled checks remember ---------------------------------------------------


def test_pattern_results_are_remembered_per_value_and_stay_right() -> None:
    """Pattern results are kept for recent short values; each value gets its own answer
    (a valid value never vouches for an invalid one), the table stays bounded, and long
    values are checked every time without being kept."""
    import re

    from microvm_sdk._core import patterns

    validator = Validator(SCHEMA)
    name_pattern = SCHEMA.shapes[
        next(
            m.target for m in SCHEMA.shapes["CreateMicrovmImageRequest"].members if m.name == "name"
        )
    ].pattern
    assert name_pattern is not None
    reference = re.compile(name_pattern)
    names = [f"name-{index}" for index in range(patterns.REMEMBERED_VALUES * 3)]
    names += ["bad name!", "bad/name", "x" * 64, "ok", "bad name!"]
    for name in names * 2:
        found = validator.problems(create_image(name=name), "CreateMicrovmImageRequest")
        mismatch = [p for p in found if "does not match pattern" in p]
        assert bool(mismatch) is (reference.fullmatch(name) is None), name
        assert len(patterns.matcher(name_pattern)._known) <= patterns.REMEMBERED_VALUES
    role = "arn:aws:iam::123456789012:role/" + "r" * 300
    for build_role_arn in (role, role + " with a space", role):
        found = validator.problems(
            create_image(build_role_arn=build_role_arn), "CreateMicrovmImageRequest"
        )
        assert any("does not match pattern" in p for p in found) is (" " in build_role_arn)
    for table in (patterns.matcher(p)._known for p in _patterns_of(SCHEMA)):
        assert all(len(key) <= patterns.REMEMBERED_LENGTH for key in table)


def _patterns_of(schema: ServiceSchema) -> set[str]:
    return {shape.pattern for shape in schema.shapes.values() if shape.pattern}
