"""The generated types: frozen keyword-only structures, unions, enums, redaction, round trips."""

from __future__ import annotations

import copy
import datetime
import json
import pickle
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from schema_strategies import (
    CONVERTER,
    OUTPUT_CLASSES,
    SCHEMA,
    holds_sensitive,
    objects,
    shape,
)

from microvm_sdk import errors, models
from microvm_sdk._core.enums import ModelEnum

STRUCTURES = sorted(
    n for n, s in SCHEMA.shapes.items() if s.kind == "structure" and s.error is None
)
UNIONS = sorted(n for n, s in SCHEMA.shapes.items() if s.kind == "union")
ENUMS = sorted(n for n, s in SCHEMA.shapes.items() if s.enum)
SENSITIVE_HOLDERS = [n for n in STRUCTURES if holds_sensitive(n)]


def cls_of(name: str) -> type[Any]:
    cls = shape(name).cls
    assert cls is not None
    return cls


# -- structures ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", STRUCTURES)
def test_structure_fields_follow_the_model(name: str) -> None:
    cls = cls_of(name)
    assert cls is getattr(models, name)
    assert attrs.has(cls)
    fields = {f.name: f for f in attrs.fields(cls)}
    assert list(fields) == [m.name for m in shape(name).members]
    for member in shape(name).members:
        field = fields[member.name]
        assert field.kw_only, member.name
        if member.required:
            assert field.default is attrs.NOTHING, member.name
        else:
            assert field.default is None, member.name


@pytest.mark.parametrize("name", STRUCTURES)
def test_structures_reject_positional_arguments(name: str) -> None:
    with pytest.raises(TypeError):
        cls_of(name)("positional")


@given(data=st.data())
def test_structures_are_frozen(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from([n for n in STRUCTURES if shape(n).members]))
    obj = data.draw(objects(name))
    member = data.draw(st.sampled_from(shape(name).members))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(obj, member.name, None)
    assert attrs.evolve(obj) == obj


def test_required_members_have_no_default_and_optional_default_none() -> None:
    with pytest.raises(TypeError, match="image_identifier"):
        models.RunMicrovmRequest()  # type: ignore[call-arg]
    request = models.RunMicrovmRequest(image_identifier="arn")
    assert request.idle_policy is None and request.run_hook_payload is None


# -- unions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", UNIONS)
def test_union_variant_naming_and_fields(name: str) -> None:
    union = shape(name)
    for member in union.members:
        variant = member.variant
        assert variant is not None
        plain = name + member.model_name[0].upper() + member.model_name[1:]
        expected = plain + "Member" if plain in SCHEMA.shapes else plain
        assert variant.__name__ == expected
        assert getattr(models, expected) is variant
        (field,) = attrs.fields(variant)
        assert field.name == "value" and field.kw_only
        target = shape(member.target)
        if target.kind == "structure" and not target.members:
            assert isinstance(field.default, attrs.Factory)  # a unit member needs no value
            assert variant().value == target.cls()
        else:
            assert field.default is attrs.NOTHING
    unknown = union.unknown_cls
    assert unknown is not None and unknown.__name__ == f"{name}Unknown"
    assert [f.name for f in attrs.fields(unknown)] == ["tag", "value"]


def test_logging_disabled_collision_rule() -> None:
    # ``Logging.disabled`` would be ``LoggingDisabled``, but that is the model's name for
    # the (empty) structure the member holds, so the member class gets ``Member``.
    assert SCHEMA.shapes["LoggingDisabled"].kind == "structure"
    assert models.LoggingDisabledMember().value == models.LoggingDisabled()
    assert models.LoggingCloudWatch.__name__ == "LoggingCloudWatch"  # no collision, no suffix
    assert not hasattr(models, "LoggingCloudWatchMember")
    assert CONVERTER.value_to_wire(models.LoggingDisabledMember()) == {"disabled": {}}


def test_union_variants_reject_positional_value() -> None:
    with pytest.raises(TypeError):
        models.CodeArtifactUri("s3://bucket/app.zip")  # type: ignore[call-arg]


def test_union_narrowing_by_pattern() -> None:
    def describe(artifact: models.CodeArtifact) -> str:
        match artifact:
            case models.CodeArtifactUri(value=uri):
                return f"uri {uri}"
            case models.CodeArtifactUnknown(tag=tag):
                return f"unknown {tag}"
        raise AssertionError(artifact)

    assert describe(models.CodeArtifactUri(value="s3://b/k")) == "uri s3://b/k"
    assert describe(models.CodeArtifactUnknown(tag="ecr", value=None)) == "unknown ecr"


# -- enums -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ENUMS)
def test_enums_list_the_model_values(name: str) -> None:
    cls = cls_of(name)
    assert issubclass(cls, ModelEnum)
    assert [m.value for m in cls] == list(shape(name).enum)
    for value in shape(name).enum:
        assert cls(value) is getattr(cls, value.upper().replace("-", "_"))
        assert not cls(value).is_unknown


def test_unknown_enum_values_are_pseudo_members() -> None:
    state = models.MicrovmState("HIBERNATING")
    assert isinstance(state, models.MicrovmState) and isinstance(state, str)
    assert state.is_unknown
    assert state == "HIBERNATING" and state.value == "HIBERNATING" and str(state) == "HIBERNATING"
    assert state not in list(models.MicrovmState)
    assert models.MicrovmState("HIBERNATING") == state
    assert models.MicrovmState.RUNNING == "RUNNING" and not models.MicrovmState.RUNNING.is_unknown
    # a value spelled like a member name but not a value of the enum is unknown too
    assert models.MicrovmImageState("created").is_unknown
    with pytest.raises(ValueError):
        models.MicrovmState(42)


# -- timestamps ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        (1767225600.123456, datetime.datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=datetime.UTC)),
        (1767225600.5, datetime.datetime(2026, 1, 1, 0, 0, 0, 500000, tzinfo=datetime.UTC)),
        (0, datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)),
        (
            "2026-01-01T02:00:00.25+02:00",
            datetime.datetime(2026, 1, 1, 0, 0, 0, 250000, tzinfo=datetime.UTC),
        ),
    ],
)
def test_timestamps_are_aware_utc_with_fractions(wire: Any, expected: datetime.datetime) -> None:
    value = CONVERTER.value_from_wire(wire, "Timestamp")
    assert value == expected
    assert value.tzinfo is not None and value.utcoffset() == datetime.timedelta(0)
    assert value.microsecond == expected.microsecond


# -- sensitive values ------------------------------------------------------------------------


def test_sensitive_members_are_redacted_in_repr_and_str() -> None:
    run = models.RunMicrovmRequest(image_identifier="arn", run_hook_payload="payload-secret")
    token = models.CreateMicrovmAuthTokenResponse(auth_token={"X-aws-proxy-auth": "jwe-secret"})
    image = models.CreateMicrovmImageRequest(
        name="n",
        base_image_arn="a",
        build_role_arn="r",
        code_artifact=models.CodeArtifactUri(value="s3://b/k"),
        environment_variables={"DB_PASSWORD": "env-secret"},
    )
    for obj, secret, shown in [
        (run, "payload-secret", "run_hook_payload=***"),
        (token, "jwe-secret", "auth_token={'X-aws-proxy-auth': ***}"),
        (image, "env-secret", "environment_variables={'DB_PASSWORD': ***}"),
    ]:
        assert secret not in repr(obj) and secret not in str(obj)
        assert shown in repr(obj)
    unset = models.RunMicrovmRequest(image_identifier="arn")
    assert "run_hook_payload=None" in repr(unset)


def sensitive_values(value: Any, name: str) -> list[str]:
    """Every value of a sensitive shape inside ``value``."""
    s = shape(name)
    if value is None:
        return []
    if s.sensitive:
        return [value]
    found: list[str] = []
    if s.kind == "structure":
        for member in s.members:
            found += sensitive_values(getattr(value, member.name), member.target)
    elif s.kind == "union":
        for member in s.members:
            if member.variant is not None and isinstance(value, member.variant):
                found += sensitive_values(value.value, member.target)
    elif s.kind == "list" and s.member:
        for item in value:
            found += sensitive_values(item, s.member)
    elif s.kind == "map" and s.value:
        for item in value.values():
            found += sensitive_values(item, s.value)
    return found


def test_some_classes_hold_sensitive_values() -> None:
    assert {
        "RunMicrovmRequest",
        "CreateMicrovmImageRequest",
        "CreateMicrovmAuthTokenResponse",
        "GetMicrovmImageVersionOutput",
    } <= set(SENSITIVE_HOLDERS)


@pytest.mark.parametrize("name", SENSITIVE_HOLDERS)
@given(data=st.data())
def test_sensitive_values_never_appear_in_repr(name: str, data: st.DataObject) -> None:
    obj = data.draw(objects(name, sensitive_markers=True))
    secrets = sensitive_values(obj, name)
    text = repr(obj)
    for secret in secrets:
        assert secret not in text
        assert secret not in str(obj)
    if secrets:
        assert "***" in text


# -- round trips -----------------------------------------------------------------------------


def test_round_trip_covers_the_output_classes() -> None:
    assert "GetMicrovmImageVersionOutput" in OUTPUT_CLASSES
    assert "PortRange" not in OUTPUT_CLASSES  # input-only shapes are not reachable
    assert {"Hooks", "MicrovmHooks", "IdlePolicy", "LoggingDisabled"} <= set(OUTPUT_CLASSES)


@pytest.mark.parametrize("name", OUTPUT_CLASSES)
@given(data=st.data())
def test_from_wire_to_wire_round_trip(name: str, data: st.DataObject) -> None:
    obj = data.draw(objects(name, unknown_variants=True))
    wire = json.loads(json.dumps(CONVERTER.to_wire(obj)))
    assert CONVERTER.from_wire(wire, cls_of(name)) == obj


def test_error_classes_are_service_errors() -> None:
    for name, s in SCHEMA.shapes.items():
        if s.error is not None:
            assert s.cls is getattr(errors, name)
            assert issubclass(s.cls, errors.ServiceError)
            assert s.error.code == s.cls.CODE


# -- the generated __repr__, __eq__ and __hash__ are attrs' ----------------------------------

MODEL_CLASSES = sorted(
    {
        cls
        for s in SCHEMA.shapes.values()
        for cls in (
            [s.cls] if s.kind == "structure" and s.error is None and s.cls is not None else []
        )
        + (
            [m.variant for m in s.members if m.variant] + [s.unknown_cls]
            if s.kind == "union"
            else []
        )
        if cls is not None
    },
    key=lambda c: c.__name__,
)


def attrs_twin(cls: type[Any]) -> type[Any]:
    """The class attrs builds from the same fields, with attrs' own repr, eq and hash."""
    return attrs.make_class(
        cls.__name__,
        {
            f.name: attrs.field(default=f.default, repr=f.repr, kw_only=True)
            for f in attrs.fields(cls)
        },
        frozen=True,
    )


def twin_of(obj: Any, twins: dict[type[Any], type[Any]]) -> Any:
    """``obj`` rebuilt from attrs twins, all the way down (nested models too)."""
    if attrs.has(type(obj)):
        twin = twins.setdefault(type(obj), attrs_twin(type(obj)))
        return twin(
            **{f.name: twin_of(getattr(obj, f.name), twins) for f in attrs.fields(type(obj))}
        )
    if isinstance(obj, (list, tuple)):
        return type(obj)(twin_of(item, twins) for item in obj)
    if isinstance(obj, dict):
        return {key: twin_of(value, twins) for key, value in obj.items()}
    return obj


def hash_or_error(obj: Any) -> int | str:
    try:
        return hash(obj)
    except TypeError as exc:
        return f"TypeError: {exc}"


def test_every_model_class_has_the_generated_methods() -> None:
    assert len(MODEL_CLASSES) > 60
    for cls in MODEL_CLASSES:
        assert attrs.has(cls)
        for method in ("__repr__", "__eq__", "__hash__"):
            # Written in models.py, not compiled by attrs at import time.
            assert getattr(cls, method).__code__.co_filename.endswith("models.py"), (cls, method)


@given(data=st.data())
def test_repr_eq_and_hash_are_what_attrs_builds(data: st.DataObject) -> None:
    names = [n for n in (*STRUCTURES, *UNIONS)]
    name = data.draw(st.sampled_from(names))
    obj = data.draw(objects(name, unknown_variants=True, sensitive_markers=True))
    other = data.draw(objects(name, unknown_variants=True))
    twins: dict[type[Any], type[Any]] = {}
    twin, other_twin = twin_of(obj, twins), twin_of(other, twins)
    assert repr(obj) == repr(twin)
    assert (obj == other) is (twin == other_twin)
    assert (obj != other) is (twin != other_twin)
    assert (obj == attrs.evolve(obj)) is (twin == attrs.evolve(twin))
    assert (obj != attrs.evolve(obj)) is (twin != attrs.evolve(twin))
    assert (obj == twin) is False  # another class: never equal, as attrs has it
    assert obj.__eq__(twin) is NotImplemented
    assert obj != None  # noqa: E711 - the comparison itself is under test
    ours, theirs = hash_or_error(obj), hash_or_error(twin)
    assert isinstance(ours, int) is isinstance(theirs, int)
    if isinstance(ours, int):
        assert hash(attrs.evolve(obj)) == ours


def _installed_attrs_compares_members_one_by_one() -> bool:
    """Whether the installed attrs builds ``__eq__`` member by member (attrs 24.1 and newer).

    Older releases compared tuples of the members, and a tuple comparison takes an object
    as equal to itself before asking ``==``: the same NaN object made two instances equal.
    """
    nan = float("nan")
    twin = attrs_twin(models.PortRange)
    return bool(twin(start_port=nan, end_port=2) != twin(start_port=nan, end_port=2))


def test_a_member_holding_nan_makes_a_model_unequal_to_itself() -> None:
    # The generated __eq__ compares member by member with ``==`` whichever attrs is
    # installed (decision 0030): NaN is unequal to itself, even as the same object.
    nan = float("nan")
    ours = models.PortRange(start_port=1, end_port=2)
    with_nan = attrs.evolve(ours, start_port=nan)
    assert (with_nan == attrs.evolve(ours, start_port=nan)) is False
    assert (with_nan != attrs.evolve(ours, start_port=nan)) is True
    assert (with_nan == with_nan) is False
    assert (attrs.evolve(ours, start_port=3) == attrs.evolve(ours, start_port=3)) is True


@pytest.mark.skipif(
    not _installed_attrs_compares_members_one_by_one(),
    reason="attrs before 24.1 compares members as tuples: the same NaN object equals itself",
)
def test_nan_equality_is_the_one_attrs_builds() -> None:
    ours = models.PortRange(start_port=1, end_port=2)
    twin = attrs_twin(models.PortRange)(start_port=1, end_port=2)
    nan = float("nan")
    assert (attrs.evolve(ours, start_port=nan) == attrs.evolve(ours, start_port=nan)) is (
        attrs.evolve(twin, start_port=nan) == attrs.evolve(twin, start_port=nan)
    )


def test_repr_of_a_model_that_holds_itself_stops_as_attrs_does() -> None:
    ports: list[Any] = []
    auth = models.CreateMicrovmAuthTokenRequest(
        microvm_identifier="vm", expiration_in_minutes=5, allowed_ports=ports
    )
    ports.append(auth)
    twin_ports: list[Any] = []
    twin = attrs_twin(models.CreateMicrovmAuthTokenRequest)(
        microvm_identifier="vm", expiration_in_minutes=5, allowed_ports=twin_ports
    )
    twin_ports.append(twin)
    assert repr(auth) == repr(twin)
    assert "allowed_ports=[...]" in repr(auth)
    # The guard is per object and released afterwards: a second repr is the same.
    assert repr(auth) == repr(twin)


def test_subclass_repr_names_the_subclass_as_attrs_does() -> None:
    class Mine(models.PortRange):
        pass

    twin = attrs_twin(models.PortRange)

    class TwinMine(twin):  # type: ignore[misc, valid-type]
        pass

    TwinMine.__qualname__ = "Mine"
    assert repr(Mine(start_port=1, end_port=2)) == repr(TwinMine(start_port=1, end_port=2))


@given(data=st.data())
def test_models_pickle_and_copy_to_the_same_frozen_object(data: st.DataObject) -> None:
    """Pickling, ``copy`` and ``deepcopy`` keep the class, the values and the frozenness."""
    name = data.draw(st.sampled_from([*STRUCTURES, *UNIONS]))
    obj = data.draw(objects(name, unknown_variants=True))
    for copied in (pickle.loads(pickle.dumps(obj)), copy.copy(obj), copy.deepcopy(obj)):
        assert type(copied) is type(obj)
        # Compared as pickles: a NaN member makes == false even for the same object.
        assert pickle.dumps(copied) == pickle.dumps(obj)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            copied.value = None  # type: ignore[misc, union-attr]
