"""``--output table``: boxes drawn with ``-``, ``+`` and ``|``, as the AWS CLI draws them.

A response becomes a list of sections. A structure gives a section whose header row
holds its scalar keys (sorted) and whose one row holds their values; its lists and
structures become indented sub-sections. A list of structures gives one section with a
row per element. When the widest section does not fit the terminal, single-row sections
are turned on their side (one ``key | value`` row per column).
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping, Sequence
from typing import IO, Any

__all__ = ["TableBuilder", "render_table", "terminal_width", "text_width"]

_BRIGHT_BLUE = "\x1b[1m\x1b[34m"
_DIM_YELLOW = "\x1b[2m\x1b[33m"
_RESET = "\x1b[0m"


def text_width(text: object) -> int:
    """Columns ``text`` takes on a terminal (wide East Asian characters count twice)."""
    return sum(2 if unicodedata.east_asian_width(char) in "WFA" else 1 for char in str(text))


def terminal_width(stream: IO[str], default: int = 80) -> int:
    """The width of the terminal ``stream`` writes to, or ``default``."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return default


class _Section:
    def __init__(self, title: str | None = "", indent: int = 0) -> None:
        self.title = title
        self.indent = indent
        self.headers: list[str] = []
        self.rows: list[list[str]] = []
        self._columns: int | None = None
        self._widths: list[int] = []

    def add_header(self, headers: Sequence[Any]) -> None:
        self._track_widths(headers)
        if self._columns is None:
            self._columns = len(headers)
        self.headers = [str(header) for header in headers]

    def add_row(self, row: Sequence[Any]) -> None:
        if self._columns is None:
            self._columns = len(row)
        if len(row) != self._columns:
            raise ValueError(f"Row should have {self._columns} elements, instead it has {len(row)}")
        cells = [str(cell) for cell in row]
        self.rows.append(cells)
        self._track_widths(cells)

    def _track_widths(self, cells: Sequence[Any]) -> None:
        if not self._widths:
            self._widths = [text_width(cell) for cell in cells]
            return
        for index, cell in enumerate(cells):
            self._widths[index] = max(text_width(cell), self._widths[index])

    def column_widths(self, padding: int = 0, total: int | None = None) -> list[int]:
        """Column widths with ``padding`` added, scaled to sum to ``total`` if given."""
        widths = [width + padding for width in self._widths]
        if total is None or not widths:
            return widths
        factor = total / float(sum(widths))
        scaled = [round(factor * width) for width in widths]
        excess = sum(scaled) - total
        while excess != 0:
            order = range(len(scaled)) if excess > 0 else reversed(range(len(scaled)))
            for index in order:
                if excess > 0:
                    scaled[index] -= 1
                    excess -= 1
                else:
                    scaled[index] += 1
                    excess += 1
                if excess == 0:
                    break
        return scaled

    def width(self) -> int:
        """The width this section needs, borders and indentation included."""
        cells = sum(width + 4 for width in self._widths) + 2 + 2 * self.indent
        return max(text_width(self.title) + 2 + 2 * self.indent, cells)


def _centered(text: str, width: int, left: str, right: str, shown: int) -> str:
    start = width // 2 - shown // 2 - 1
    used = text_width(left) + start + shown
    return left + " " * start + text + " " * (width - text_width(right) - used) + right


def _left_aligned(text: str, width: int, left: str, right: str, shown: int) -> str:
    padding = 2 if width - (shown + 2 + text_width(left) + text_width(right)) >= 0 else 0
    used = len(left) + padding + shown
    return left + " " * padding + text + " " * (width - used - len(right)) + right


class TableBuilder:
    """Turns a response into table sections and renders them."""

    def __init__(self, *, color: bool, width: int) -> None:
        self._sections: list[_Section] = []
        self._current: _Section | None = None
        self._color = color
        self._terminal_width = width

    # -- building ------------------------------------------------------------------

    def build(self, title: str | None, value: Any, indent: int = 0) -> bool:
        """Add ``value`` under ``title``; return False when there is nothing to show."""
        if not value:
            return False
        if title is not None:
            self._new_section(title, indent)
        if isinstance(value, list):
            if isinstance(value[0], Mapping):
                self._from_list(value, indent, title)
            else:
                for item in value:
                    if _scalar(item):
                        self._row([item])
                    elif all(_scalar(element) for element in item):
                        self._row(list(item))
                    else:
                        self.build(None, item)
        if isinstance(value, Mapping):
            self._from_mapping(value, indent)
        return True

    def _from_mapping(self, value: Mapping[str, Any], indent: int) -> None:
        scalars, nested = _split_keys(value)
        if len(scalars) == 1:
            self._row([scalars[0], value[scalars[0]]])
        elif scalars:
            self._header(scalars)
            self._row([value[key] for key in scalars])
        for key in nested:
            self.build(key, value[key], indent + 1)

    def _from_list(self, items: list[Any], indent: int, title: str | None) -> None:
        scalar_keys: set[str] = set()
        nested_keys: set[str] = set()
        for item in items:
            scalars, nested = _split_keys(item)
            scalar_keys.update(scalars)
            nested_keys.update(nested)
        headers = sorted(scalar_keys)
        nested = sorted(nested_keys)
        self._header(headers)
        for position, item in enumerate(items):
            if position and nested:
                self._new_section(title, indent)
                self._header(headers)
            self._row([item.get(header, "") for header in headers])
            for key in nested:
                if key in item:
                    self.build(key, item[key], indent + 1)

    def _new_section(self, title: str | None, indent: int) -> None:
        self._current = _Section(title, indent)
        self._sections.append(self._current)

    def _header(self, headers: Sequence[Any]) -> None:
        assert self._current is not None
        self._current.add_header(headers)

    def _row(self, row: Sequence[Any]) -> None:
        assert self._current is not None
        self._current.add_row(row)

    # -- rendering -----------------------------------------------------------------

    def render(self, stream: IO[str]) -> None:
        """Write the table."""
        total = max(section.width() for section in self._sections)
        if total > self._terminal_width:
            self._sections = [_on_its_side(section) for section in self._sections]
            total = max(section.width() for section in self._sections)
        stream.write("-" * total + "\n")
        for section in self._sections:
            self._render_section(section, total, stream)

    def _element(self, text: str) -> str:
        return f"{_BRIGHT_BLUE}{text}{_RESET}" if self._color else text

    def _bar(self) -> str:
        return f"{_DIM_YELLOW}|{_RESET}" if self._color else "|"

    def _render_section(self, section: _Section, total: int, stream: IO[str]) -> None:
        margin = self._bar() * section.indent

        def line(text: str) -> None:
            stream.write(margin + text + margin + "\n")

        width = total - section.indent * 2
        if section.title:
            title = section.title
            line(_centered(title, width, "|", "|", text_width(title)))
            if not section.headers and not section.rows:
                line("+" + "-" * (width - 2) + "+")
        if section.headers:
            widths = section.column_widths(4, width)
            cells = "".join(
                _centered(header, col, "|" if i == 0 else "", "|", text_width(header))
                for i, (col, header) in enumerate(zip(widths, section.headers, strict=False))
            )
            line(_rule(widths))
            line(cells)
        if section.rows:
            widths = section.column_widths(4, width)
            if not widths:
                return
            line(_rule(widths))
            for row in section.rows:
                line(
                    "".join(
                        _left_aligned(
                            self._element(cell), col, "|" if i == 0 else "", "|", text_width(cell)
                        )
                        for i, (col, cell) in enumerate(zip(widths, row, strict=False))
                    )
                )
            line(_rule(widths))


def _rule(widths: Sequence[int]) -> str:
    parts = []
    for index, width in enumerate(widths):
        parts.append("+" + "-" * (width - 2) + "+" if index == 0 else "-" * (width - 1) + "+")
    return "".join(parts)


def _on_its_side(section: _Section) -> _Section:
    if len(section.rows) != 1 or not section.headers:
        return section
    turned = _Section(section.title, section.indent)
    for header, cell in zip(section.headers, section.rows[0], strict=False):
        turned.add_row([header, cell])
    return turned


def _scalar(value: Any) -> bool:
    return not isinstance(value, list | Mapping)


def _split_keys(value: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    scalars = sorted(key for key in value if _scalar(value[key]))
    nested = sorted(key for key in value if not _scalar(value[key]))
    return scalars, nested


def render_table(title: str, value: Any, stream: IO[str], *, color: bool, width: int) -> None:
    """Render ``value`` as a table titled ``title`` (nothing when it is empty)."""
    builder = TableBuilder(color=color, width=width)
    if builder.build(title, value):
        builder.render(stream)
