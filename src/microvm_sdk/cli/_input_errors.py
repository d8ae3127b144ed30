r"""How a value that cannot be parsed is shown in the error: never its sensitive parts.

The AWS CLI repeats the whole input when JSON or shorthand cannot be parsed. For an
option whose value may hold sensitive members (``--environment-variables``, or an input
document of a command that has such an option) the input is shown *masked* instead:
every character except blanks and the punctuation that makes up JSON, YAML and
shorthand (``{}[]:,="'@\``) becomes ``*``, so the structure, the quoting and a caret
under the error stay visible while no value is repeated. Only the line of the error is
shown, cut to a window around the caret. The masked text keeps the input's length.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["json_error", "mask", "pointer", "yaml_error"]

_KEPT = frozenset("{}[]:,=\"'@\\")
_WINDOW_BEFORE = 60
_WINDOW_AFTER = 20
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


def mask(text: str) -> str:
    """Replace every character but blanks and structural punctuation with ``*``."""
    return "".join(char if char.isspace() or char in _KEPT else "*" for char in text)


def pointer(text: str, index: int, *, hide: bool) -> str:
    """Show ``text`` with a caret under position ``index``.

    Unhidden, the whole text is shown (as the AWS CLI does). Hidden, only the masked
    line of the error is shown, cut to a window around the caret.
    """
    index = max(0, min(index, len(text)))
    line_start = text.rfind("\n", 0, index) + 1
    line_end = text.find("\n", index)
    if not hide:
        column = index - line_start
        head, tail = (text, "") if line_end < 0 else (text[:line_end], text[line_end:])
        return f"{head}\n{' ' * column}^{tail}"
    line_end = len(text) if line_end < 0 else line_end
    start = max(line_start, index - _WINDOW_BEFORE)
    end = min(line_end, index + _WINDOW_AFTER)
    prefix = "..." if start > line_start else ""
    suffix = "..." if end < line_end else ""
    shown = prefix + mask(text[start:end]).replace("\t", " ") + suffix
    return f"{shown}\n{' ' * (len(prefix) + index - start)}^"


def json_error(exc: json.JSONDecodeError, text: str, *, hide: bool) -> str:
    """The message for JSON that cannot be parsed (after ``Invalid JSON: ``)."""
    if not hide:
        return f"{exc}\nJSON received: {text}"
    where = f"line {exc.lineno} column {exc.colno} (char {exc.pos})"
    shown = pointer(text, exc.pos, hide=True)
    return f"{exc.msg}: {where}\nJSON received (values hidden, they may be sensitive):\n{shown}"


def yaml_error(exc: Any, text: str, *, hide: bool) -> str:
    """The message for YAML that cannot be parsed (after ``Invalid YAML: ``).

    PyYAML's own message quotes the lines around the error; hidden, only its problem
    (quoted parts masked) and a masked pointer are shown.
    """
    if not hide:
        return str(exc)
    problem = str(getattr(exc, "problem", None) or "cannot be parsed")
    problem = _QUOTED.sub(lambda found: found.group()[0] + "***" + found.group()[-1], problem)
    mark = getattr(exc, "problem_mark", None)
    if mark is None or not isinstance(getattr(mark, "index", None), int):
        return f"{problem} (the input may be sensitive and is not shown)"
    where = f"line {mark.line + 1} column {mark.column + 1}"
    return (
        f"{problem}: {where}\n"
        f"YAML received (values hidden, they may be sensitive):\n"
        f"{pointer(text, mark.index, hide=True)}"
    )
