"""Model documentation (HTML) to plain docstring text."""

from __future__ import annotations

import html.parser
import re
import textwrap

_PREFIXES = {"-", "Note:"}
_BLOCKS = {"p", "ul", "ol", "note", "important", "para", "dl"}


class _Collector(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.current: list[str] = []
        self.href: str | None = None
        self.pending = ""
        self.link_text: list[str] = []

    def flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self.current)).strip()
        self.current = []
        if text in _PREFIXES:
            # A list item or note whose text sits in a nested block (<li><p>...</p>):
            # keep its prefix for that block's paragraph.
            self.pending = text + " "
            return
        if text:
            self.paragraphs.append(self.pending + text)
            self.pending = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.flush()
            if tag in {"note", "important"}:
                self.current.append("Note: ")
        elif tag == "li":
            self.flush()
            self.current.append("- ")
        elif tag == "code":
            self.current.append("``")
        elif tag == "a":
            self.href = dict(attrs).get("href")
            self.link_text = []
        elif tag == "br":
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS or tag == "li":
            self.flush()
        elif tag == "code":
            self.current.append("``")
        elif tag == "a":
            text = "".join(self.link_text).strip()
            if self.href and self.href.startswith("http") and self.href not in text:
                self.current.append(f" ({self.href})")
            self.href = None

    def handle_data(self, data: str) -> None:
        self.current.append(data)
        if self.href is not None:
            self.link_text.append(data)


def to_text(html_doc: str | None, width: int = 88) -> str:
    """Convert model documentation HTML to wrapped plain text paragraphs."""
    if not html_doc:
        return ""
    collector = _Collector()
    collector.feed(html_doc)
    collector.close()
    collector.flush()
    paragraphs = []
    for raw in collector.paragraphs:
        paragraph = raw.replace("`` ``", " ").replace("````", "")
        indent = "  " if paragraph.startswith("- ") else ""
        paragraphs.append(
            textwrap.fill(
                paragraph,
                width=width,
                subsequent_indent=indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return "\n\n".join(paragraphs)


def docstring(text: str, indent: str) -> str:
    """Render ``text`` as a triple-quoted docstring indented by ``indent``."""
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if not text:
        return ""
    if text.endswith('"'):  # it would run into the closing quotes
        text = text[:-1] + '\\"'
    lines = text.splitlines()
    if len(lines) == 1 and len(lines[0]) + len(indent) + 6 <= 100:
        return f'{indent}"""{lines[0]}"""\n'
    body = "\n".join((indent + line) if line else "" for line in lines)
    return f'{indent}"""\n{body}\n{indent}"""\n'
