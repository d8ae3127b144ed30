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
