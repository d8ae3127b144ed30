r"""Model regular expressions for Python's ``re``.

Smithy patterns are Java regular expressions; the ones AWS models use are Python-compatible
except for the Unicode property classes ``\p{L}`` (letters), ``\p{N}`` (numbers) and
``\p{Z}`` (separators) inside character classes, which ``re`` lacks. A character class
that holds them is rewritten as an alternation:

    [\p{L}\p{Z}\p{N}_.:/=+\-@]
    ->  (?:[^\W_]|[^\S\t\n\r\f\v\x1c-\x1f\x85]|[_.:/=+\-@])

``[^\W_]`` is a Unicode letter or digit (``\p{L}`` and ``\p{N}`` together, which is how
the models use them), and the second class is whitespace without the control characters,
which is ``\p{Z}``. Patterns match the whole value, as AWS services apply them.
"""

from __future__ import annotations

import functools
import re

_LETTERS_AND_NUMBERS = r"[^\W_]"
_SEPARATORS = r"[^\S\t\n\r\f\v\x1c-\x1f\x85]"
_PROPERTY = {"L": _LETTERS_AND_NUMBERS, "N": _LETTERS_AND_NUMBERS, "Z": _SEPARATORS}
_CLASS = re.compile(r"\[((?:\\.|[^\]\\])*)\]")
_PROPERTY_ESCAPE = re.compile(r"\\p\{(\w+)\}")


def _rewrite_class(match: re.Match[str]) -> str:
    body = match.group(1)
    properties = _PROPERTY_ESCAPE.findall(body)
    if not properties:
        return match.group(0)
    if body.startswith("^"):
        raise ValueError(f"negated class with Unicode properties is not supported: {body}")
    unknown = [p for p in properties if p not in _PROPERTY]
    if unknown:
        raise ValueError(f"unsupported Unicode property class: {unknown}")
    rest = _PROPERTY_ESCAPE.sub("", body)
    options = list(dict.fromkeys(_PROPERTY[p] for p in properties))
    if rest:
        options.append(f"[{rest}]")
    return "(?:" + "|".join(options) + ")"


def translate(pattern: str) -> str:
    """Return a Python ``re`` equivalent of a model pattern."""
    return _CLASS.sub(_rewrite_class, pattern)


@functools.cache
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a model pattern for whole-value matching (cached)."""
    return re.compile(translate(pattern), re.DOTALL)


def matches(pattern: str, value: str) -> bool:
    """Whether ``value`` satisfies the model pattern ``pattern``."""
    return compile_pattern(pattern).fullmatch(value) is not None


#: A :class:`Matcher` remembers this many values, each at most this long.
REMEMBERED_VALUES = 256
REMEMBERED_LENGTH = 256


class Matcher:
    """Whole-value matching of one model pattern, remembering the recent short values.

    The same ARNs and names come back call after call, and a model pattern (an ARN's
    alternation of resource types, say) costs a microsecond or more to run; a value
    seen before costs a dictionary look-up. The table is bounded (it starts again when
    full) and keeps only short values, so neither memory nor a hostile caller's long
    strings accumulate.
    """

    __slots__ = ("_fullmatch", "_known", "pattern")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._fullmatch = compile_pattern(pattern).fullmatch
        self._known: dict[str, bool] = {}

    def __call__(self, value: str) -> bool:
        """Whether ``value`` satisfies the pattern."""
        known = self._known
        found = known.get(value)
        if found is None:
            found = self._fullmatch(value) is not None
            if len(value) <= REMEMBERED_LENGTH:
                if len(known) >= REMEMBERED_VALUES:
                    known.clear()
                known[value] = found
        return found


@functools.cache
def matcher(pattern: str) -> Matcher:
    """The :class:`Matcher` of a model pattern (one per pattern)."""
    return Matcher(pattern)
