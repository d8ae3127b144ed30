"""Find the fenced code blocks of the Markdown documentation, and the rule for each.

The rule (written for authors in ``docs/writing-docs.md``):

- ```` ```python ```` blocks are executed, each in a fresh namespace, against a fresh
  local emulator (see ``test_code_blocks.py``);
- shell blocks (``sh``, ``bash``, ``shell``, ``console``) are executed when every
  command in them is a ``microvm`` command (in a ``console`` block, the lines starting
  with ``$ ``); a command may end with ``> file``. Any other shell block runs something
  the test cannot (``pip``, ``export``, pipes, ``$VARIABLES``) and must be marked;
- every other block (``text``, ``json``, ``ini``, ``yaml``, ``mermaid``, no language)
  is output or file contents, and is not executed;
- a block whose previous non-blank line is ``<!-- not-run: <reason> -->`` is skipped;
  the reason must not be empty.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = frozenset({"python", "py", "python3"})
SHELL = frozenset({"sh", "bash", "shell", "console"})
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
_MARKER = re.compile(r"^\s*<!--\s*not-run:(?P<reason>.*?)-->\s*$")
_SHELL_SYNTAX = re.compile(r"[|;&$`<]|\(\)")


@dataclass(frozen=True)
class Block:
    """One fenced block: where it is, its language, its text and its marker."""

    path: Path
    line: int
    language: str
    source: str
    not_run: str | None

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT).as_posix()}:{self.line}"


def documents() -> list[Path]:
    """README.md and every Markdown file under docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def blocks(path: Path) -> list[Block]:
    """The fenced blocks of one Markdown file, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, indent = opening["fence"], opening["indent"]
        language = opening["info"].strip().split(" ")[0].lower() if opening["info"] else ""
        body: list[str] = []
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            body.append(lines[end][len(indent) :] if lines[end].startswith(indent) else lines[end])
            end += 1
        previous = next((lines[i] for i in range(index - 1, -1, -1) if lines[i].strip()), "")
        marker = _MARKER.match(previous)
        found.append(
            Block(
                path=path,
                line=index + 1,
                language=language,
                source="\n".join(body) + "\n",
                not_run=marker["reason"].strip() if marker else None,
            )
        )
        index = end + 1
    return found


def all_blocks() -> list[Block]:
    """Every fenced block of the documentation."""
    return [block for path in documents() for block in blocks(path)]


def markers_without_blocks(path: Path) -> list[int]:
    """Lines holding a not-run marker that no fenced block follows."""
    lines = path.read_text(encoding="utf-8").splitlines()
    orphans = []
    for number, line in enumerate(lines):
        if _MARKER.match(line):
            following = next((text for text in lines[number + 1 :] if text.strip()), "")
            if not _FENCE.match(following):
                orphans.append(number + 1)
    return orphans


@dataclass(frozen=True)
class ShellCommand:
    """A ``microvm`` command of a shell block: its arguments and optional ``> file``."""

    words: tuple[str, ...]
    redirect: str | None


def shell_commands(block: Block) -> list[ShellCommand] | str:
    """The block's commands, or why the test cannot run them."""
    logical: list[str] = []
    pending = ""
    for raw in block.source.splitlines():
        text = raw
        if block.language == "console" and not pending:
            if not text.startswith("$ "):
                continue  # output
            text = text[2:]
        line = pending + text
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        pending = ""
        if line.strip() and not line.lstrip().startswith("#"):
            logical.append(line)
    commands = []
    for line in logical:
        try:
            words = shlex.split(line, comments=True)
        except ValueError as exc:
            return f"cannot split {line!r}: {exc}"
        redirect = None
        if len(words) >= 2 and words[-2] == ">":
            redirect, words = words[-1], words[:-2]
        elif words and words[-1].startswith(">") and len(words[-1]) > 1:
            redirect, words = words[-1][1:], words[:-1]
        if not words or words[0] != "microvm":
            return f"runs {words[0] if words else line!r}, not microvm"
        if any(_SHELL_SYNTAX.search(word) for word in words[1:] if not _quoted(line, word)):
            return f"uses shell syntax the test does not run: {line!r}"
        if "..." in words:
            return f"has a placeholder (...): {line!r}"
        commands.append(ShellCommand(tuple(words), redirect))
    if not commands:
        return "no command"
    return commands


def _quoted(line: str, word: str) -> bool:
    """Whether ``word`` appears in ``line`` in single quotes (its $ or | is literal)."""
    return f"'{word}'" in line
