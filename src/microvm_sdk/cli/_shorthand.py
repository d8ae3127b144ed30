r"""The AWS CLI shorthand syntax: ``key=value,key2={a=b},key3=[x,y]``.

:class:`ShorthandParser` works on the text alone and returns dicts, lists and strings,
accepting exactly the grammar the AWS CLI accepts::

    parameter     = keyval *("," keyval)
    keyval        = key ["@"] "=" [value]          ; "@=" reads file:// values
    value         = csv-value / explicit-list / hash-literal
    csv-value     = first-value *("," next-value)  ; "a=b,c" gives a list ["b", "c"]
    explicit-list = "[" [item *("," item)] "]"
    hash-literal  = "{" [key ["@"] "=" item *("," key ["@"] "=" item)] "}"
    item          = explicit-list / hash-literal / first-value

A value may be single- or double-quoted; outside quotes ``\,`` is a literal comma and
trailing blanks are dropped. :func:`coerce` then turns strings into the types the model
asks for (integers, booleans, one-element lists), as the AWS CLI does after parsing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from microvm_sdk._core.schema import Shape
from microvm_sdk.cli._input_errors import mask, pointer
from microvm_sdk.cli._paramfile import load_paramfile

__all__ = ["ShorthandError", "ShorthandParser", "coerce"]

ShapeLookup = Callable[[str], Shape]

_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.#/:")
_BLANKS = " \t\n\r\x0b\x0c"

# Characters that may start an unquoted value: anything printable except the quotes,
# ",", "=", "[" and "{".
_START = r"!#-&(-+\--<>-Z\\-z|-\U0010ffff"
# After the first character of a value that follows "key=": also blanks, "=", "[" and
# "{", but no "]" or "}" (which close an enclosing list or hash).
_FIRST_FOLLOW = r"\s!#-&(-+\--\\^-|~-\U0010ffff"
# After the first character of a later comma-separated value: no "=" (a "=" means the
# text is the next key), but "]" and "}" are allowed.
_NEXT_FOLLOW = r"\s!#-&(-+\--<>-\U0010ffff"
_ESCAPED_COMMA = r"\\,"

_FIRST_VALUE = re.compile(f"(?:{_ESCAPED_COMMA}|[{_START}])(?:{_ESCAPED_COMMA}|[{_FIRST_FOLLOW}])*")
_NEXT_VALUE = re.compile(f"(?:{_ESCAPED_COMMA}|[{_START}])(?:{_ESCAPED_COMMA}|[{_NEXT_FOLLOW}])*")
_SINGLE_QUOTED = re.compile(r"'(?:\\'|[^'])*'")
_DOUBLE_QUOTED = re.compile(r'"(?:\\"|[^"])*"')


class ShorthandError(ValueError):
    """The text is not valid shorthand syntax (or a coerced value has the wrong form).

    ``str()`` is the AWS CLI's message, which repeats the input;
    :meth:`describe` with ``hide=True`` gives the same message with the input masked,
    for options whose values may be sensitive.

    Attributes:
        reason: What is wrong (``Expected: '=', received: 'EOF'``).
        text: The input, or ``None`` when the error is not about a position in it.
        position: Where in ``text`` the error is.
        hint: A last line of advice, or ``""``.
    """

    def __init__(
        self,
        reason: str,
        *,
        text: str | None = None,
        position: int = 0,
        hint: str = "",
        hidden_reason: str | None = None,
    ) -> None:
        self.reason = reason
        self.text = text
        self.position = position
        self.hint = hint
        self._hidden_reason = reason if hidden_reason is None else hidden_reason
        super().__init__(self.describe(hide=False))

    def describe(self, *, hide: bool) -> str:
        """The message; with ``hide``, no character of a value is repeated."""
        reason = self._hidden_reason if hide else self.reason
        if self.text is None:
            return reason
        message = f"{reason} for input:\n{pointer(self.text, self.position, hide=hide)}"
        return f"{message}\n{self.hint}" if self.hint else message


class _Backtrack(Exception):
    """Internal: a comma-separated value turned out to be the next ``key=``."""


class ShorthandParser:
    """Parse shorthand text into dicts, lists and strings (see the module docs)."""

    def __init__(self) -> None:
        self._text = ""
        self._pos = 0
        self._read_files = False

    def parse(self, text: str) -> dict[str, Any]:
        """Parse ``text`` and return the top-level mapping.

        Raises:
            ShorthandError: ``text`` is not valid shorthand; the message shows where.
        """
        self._text = text
        self._pos = 0
        result: dict[str, Any] = {}
        key, value = self._keyval()
        result[key] = value
        previous_end = self._pos
        while self._pos < len(self._text):
            self._expect(",", skip_blanks=True)
            key, value = self._keyval()
            if key in result:
                raise ShorthandError(
                    f'Second instance of key "{key}" encountered',
                    text=self._text,
                    position=previous_end + 1,
                    hint='This is often because there is a preceding "," instead of a space.',
                )
            result[key] = value
            previous_end = self._pos
        return result

    # -- grammar ---------------------------------------------------------------

    def _keyval(self) -> tuple[str, Any]:
        key = self._key()
        self._read_files = self._accept_at()
        self._expect("=", skip_blanks=True)
        return key, self._value()

    def _key(self) -> str:
        start = self._pos
        while self._pos < len(self._text) and self._text[self._pos] in _KEY_CHARS:
            self._pos += 1
        return self._text[start : self._pos]

    def _accept_at(self) -> bool:
        saved = self._pos
        self._skip_blanks()
        if self._peek() == "@":
            self._pos += 1
            self._skip_blanks()
            return True
        self._pos = saved
        return False

    def _value(self) -> Any:
        if self._pos >= len(self._text):
            return ""
        char = self._text[self._pos]
        if char == "[":
            return self._list()
        if char == "{":
            return self._hash()
        return self._csv_value()

    def _csv_value(self) -> Any:
        first = self._first_value()
        self._skip_blanks()
        if self._pos >= len(self._text) or self._text[self._pos] != ",":
            return first
        self._expect(",", skip_blanks=True)
        values = [first]
        while True:
            try:
                candidate = self._next_value()
                self._skip_blanks()
                if self._pos >= len(self._text):
                    values.append(candidate)
                    break
                self._expect(",", skip_blanks=True)
                values.append(candidate)
            except ShorthandError:
                # "a=b,c=d": "c" is the next key, not a second value of "a". Go back
                # to the comma before it and let the caller read the next keyval.
                if self._pos >= len(self._text):
                    raise
                while self._pos >= 0 and self._text[self._pos] != ",":
                    self._pos -= 1
                break
        return first if len(values) == 1 else values

    def _list(self) -> list[Any]:
        self._expect("[", skip_blanks=True)
        items: list[Any] = []
        while self._peek() != "]":
            items.append(self._item())
            self._skip_blanks()
            if self._peek() != "]":
                self._expect(",")
                self._skip_blanks()
        self._expect("]")
        return items

    def _hash(self) -> dict[str, Any]:
        self._expect("{", skip_blanks=True)
        result: dict[str, Any] = {}
        while self._peek() != "}":
            key = self._key()
            self._read_files = self._accept_at()
            self._expect("=", skip_blanks=True)
            value = self._item()
            self._skip_blanks()
            if self._peek() != "}":
                self._expect(",")
                self._skip_blanks()
            result[key] = value
        self._expect("}")
        return result

    def _item(self) -> Any:
        char = self._peek()
        if char == "[":
            return self._list()
        if char == "{":
            return self._hash()
        return self._first_value()

    def _first_value(self) -> Any:
        char = self._peek()
        if char == "'":
            return self._quoted(_SINGLE_QUOTED, "'")
        if char == '"':
            return self._quoted(_DOUBLE_QUOTED, '"')
        match = _FIRST_VALUE.match(self._text, self._pos)
        if match is None:
            return ""
        self._pos = match.end()
        return self._resolve(match.group().replace("\\,", ",").rstrip())

    def _next_value(self) -> Any:
        char = self._peek()
        if char == "'":
            return self._quoted(_SINGLE_QUOTED, "'")
        if char == '"':
            return self._quoted(_DOUBLE_QUOTED, '"')
        match = _NEXT_VALUE.match(self._text, self._pos)
        if match is None:
            raise self._syntax_error("<second>", "<none>")
        self._pos = match.end()
        return self._resolve(match.group().replace("\\,", ",").rstrip())

    def _quoted(self, pattern: re.Pattern[str], quote: str) -> Any:
        match = pattern.match(self._text, self._pos)
        if match is None:
            name = "singled quoted" if quote == "'" else "double quoted"
            raise self._syntax_error(f"<{name}>", "<none>")
        self._pos = match.end()
        inner = match.group()[1:-1].replace("\\" + quote, quote).replace("\\\\", "\\")
        return self._resolve(inner)

    def _resolve(self, value: str) -> Any:
        if self._read_files:
            loaded = load_paramfile(value)
            if loaded is not None:
                return loaded
        return value

    # -- low level -------------------------------------------------------------

    def _peek(self) -> str | None:
        return self._text[self._pos] if self._pos < len(self._text) else None

    def _skip_blanks(self) -> None:
        while self._pos < len(self._text) and self._text[self._pos] in _BLANKS:
            self._pos += 1

    def _expect(self, char: str, *, skip_blanks: bool = False) -> None:
        if skip_blanks:
            self._skip_blanks()
        if self._pos >= len(self._text):
            raise self._syntax_error(char, "EOF")
        actual = self._text[self._pos]
        if actual != char:
            raise self._syntax_error(char, actual)
        self._pos += 1
        if skip_blanks:
            self._skip_blanks()

    def _syntax_error(self, expected: str, actual: str) -> ShorthandError:
        # "EOF" and "<none>" are not input; a received character is, and is masked.
        shown = actual if actual in ("EOF", "<none>") else mask(actual)
        return ShorthandError(
            f"Expected: '{expected}', received: '{actual}'",
            text=self._text,
            position=self._pos,
            hidden_reason=f"Expected: '{expected}', received: '{shown}'",
        )


def coerce(value: Any, shape: Shape, lookup: ShapeLookup) -> Any:
    """Give parsed shorthand the types ``shape`` asks for, as the AWS CLI does.

    Strings become integers, floats and booleans (``true``/``false`` only) where the
    model says so, and a single value where a list is expected becomes a one-element
    list. Anything else is left for validation to report.

    Raises:
        ShorthandError: A value that should be a number is not one.
    """
    kind = shape.kind
    if kind in ("structure", "union"):
        if isinstance(value, dict):
            for member in shape.members:
                if member.model_name in value and value[member.model_name] is not None:
                    value[member.model_name] = coerce(
                        value[member.model_name], lookup(member.target), lookup
                    )
        return value
    if kind == "list":
        assert shape.member is not None
        element = lookup(shape.member)
        if not isinstance(value, list):
            return [coerce(value, element, lookup)]
        return [coerce(item, element, lookup) for item in value]
    if kind == "map":
        assert shape.value is not None
        if isinstance(value, dict):
            value_shape = lookup(shape.value)
            return {key: coerce(item, value_shape, lookup) for key, item in value.items()}
        return value
    return _coerce_scalar(value, shape)


def _coerce_scalar(value: Any, shape: Shape) -> Any:
    if not isinstance(value, str):
        return value
    kind = shape.kind
    shown = "(sensitive, not shown)" if shape.sensitive else repr(value)
    if kind in ("integer", "long"):
        try:
            return int(value)
        except ValueError:
            raise ShorthandError(f"invalid integer value {shown}") from None
    if kind in ("float", "double"):
        try:
            return float(value)
        except ValueError:
            raise ShorthandError(f"invalid number {shown}") from None
    if kind == "boolean":
        lowered = value.lower()
        if lowered == "true":
            return True
        if lowered == "false":
            return False
    return value
