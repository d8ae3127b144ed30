"""Property tests: our shorthand parser, text and table output behave as the AWS CLI's.

The AWS CLI's own modules (a dev dependency) serve as the oracle, in-process: random
inputs are given to both implementations and the results must be identical.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

awscli_shorthand = pytest.importorskip("awscli.shorthand")
awscli_text = pytest.importorskip("awscli.text")
awscli_table = pytest.importorskip("awscli.table")
awscli_formatter = pytest.importorskip("awscli.formatter")

from microvm_sdk.cli._output import OutputSettings, write_document  # noqa: E402
from microvm_sdk.cli._shorthand import ShorthandError, ShorthandParser  # noqa: E402
from microvm_sdk.cli._table import render_table  # noqa: E402

# -- shorthand -------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "a",
        "b",
        "key",
        "Key_1",
        "x.y",
        "=",
        ",",
        " ",
        "{",
        "}",
        "[",
        "]",
        "'",
        '"',
        "\\,",
        "\\",
        "@",
        "@=",
        "é",
        "名",
        "-",
        ":",
        "/",
        "#",
        "\t",
        "v a l",
        "==",
        "{}",
        "[]",
        "0",
        "42",
    ]
)
_SHORTHAND = st.lists(_PIECES, max_size=14).map("".join)
_STRUCTURED = st.recursive(
    st.sampled_from(["v", "x y", "é", "42", "a=b", "'q,r'", '"s t"', "", "\\,c"]),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda items: "[" + ",".join(items) + "]"),
        st.lists(st.tuples(st.sampled_from(["k", "k2", "K_3"]), inner), max_size=3).map(
            lambda pairs: "{" + ",".join(f"{k}={v}" for k, v in pairs) + "}"
        ),
    ),
    max_leaves=6,
)
_KEYVALS = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c", "Name", "x-y"]), _STRUCTURED), min_size=1, max_size=4
).map(lambda pairs: ",".join(f"{k}={v}" for k, v in pairs))


def _theirs(text: str) -> tuple[str, Any]:
    try:
        return "ok", awscli_shorthand.ShorthandParser().parse(text)
    except awscli_shorthand.ShorthandParseError as exc:
        return "error", str(exc)


def _ours(text: str) -> tuple[str, Any]:
    try:
        return "ok", ShorthandParser().parse(text)
    except ShorthandError as exc:
        return "error", str(exc)


@given(st.one_of(_SHORTHAND, _KEYVALS))
def test_shorthand_parses_as_the_aws_cli(text: str) -> None:
    assert _ours(text) == _theirs(text)


@pytest.mark.parametrize(
    "text",
    [
        "uri=s3://bucket/key.zip",
        "disabled={},cloudWatch={logGroup=string,logStream=string}",
        "port=8080,microvmHooks={run=ENABLED,runTimeoutInSeconds=30}",
        "KeyName1=string,KeyName2=string",
        "a=b,c,d=e",
        "a=[b,c],d={e=[f,{g=h}]}",
        "a='x,y',b=\"z w\"",
        "a=x\\,y",
        "a=1,a=2",
        "a",
        "",
        "a=b c=d",
    ],
)
def test_documented_shorthand_forms(text: str) -> None:
    assert _ours(text) == _theirs(text)


# -- text and table output ---------------------------------------------------------------

_SCALARS = st.one_of(
    st.text(alphabet="abcé名 -_:1", max_size=8),
    st.integers(-5, 10**6),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)
_KEYS = st.sampled_from(["name", "state", "items", "Arn", "id", "名前", "tags", "x"])
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(_KEYS, inner, max_size=4),
    ),
    max_leaves=12,
)
_DOCUMENTS = st.dictionaries(_KEYS, _VALUES, max_size=5)
_TABLE_DOCUMENTS = st.dictionaries(
    _KEYS,
    st.recursive(
        _SCALARS,
        lambda inner: st.one_of(
            st.lists(st.dictionaries(_KEYS, inner, min_size=1, max_size=3), min_size=1, max_size=3),
            st.dictionaries(_KEYS, inner, max_size=3),
        ),
        max_leaves=10,
    ),
    max_size=5,
)


def _outcome(render: Any) -> tuple[str, str]:
    stream = io.StringIO()
    try:
        render(stream)
    except (ValueError, IndexError, TypeError, AttributeError, KeyError) as exc:
        return "error", type(exc).__name__
    return "ok", stream.getvalue()


@given(st.one_of(_DOCUMENTS, _VALUES))
def test_text_output_equals_the_aws_cli(value: Any) -> None:
    ours = _outcome(lambda s: write_document(value, OutputSettings(output="text"), s, title="T"))
    theirs = _outcome(lambda s: awscli_text.format_text(value, s))
    assert ours == theirs


@pytest.mark.parametrize("width", [80, 40, 200])
@given(value=_TABLE_DOCUMENTS)
def test_table_output_equals_the_aws_cli(width: int, value: Any) -> None:
    class Args:
        color = "off"
        query = None

    def theirs(stream: io.StringIO) -> None:
        formatter = awscli_formatter.TableFormatter(Args())
        formatter._format_response("ListThings", value, stream)

    ours = _outcome(lambda s: render_table("ListThings", value, s, color=False, width=width))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(awscli_table, "determine_terminal_width", lambda default_width=80: width)
        expected = _outcome(theirs)
    assert ours == expected
