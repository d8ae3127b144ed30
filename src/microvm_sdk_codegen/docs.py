"""Model documentation (HTML) to plain docstring text, written for the Python API.

- :func:`to_text` turns the model's HTML into wrapped paragraphs.
- :func:`python_docs` completes and corrects the IR's documentation for Python: enum
  docstrings that list every value with its meaning, documentation where the model has
  none (``overrides.json`` ``docs``, or a member's shape's own), and wire JSON in the
  model's prose replaced by the typed Python form (``docs.python_forms``).
- :func:`entry` writes one ``name: text`` entry of an ``Args:`` or ``Raises:`` section so
  that its first line stands alone: editors (pyright, Pylance) show only that line when
  hovering over a parameter.
"""

from __future__ import annotations

import dataclasses
import html.parser
import re
import textwrap
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from microvm_sdk_codegen.ir import MemberIR, ServiceIR, ShapeIR

_PREFIXES = {"-", "Note:"}
_BLOCKS = {"p", "ul", "ol", "note", "important", "para", "dl"}
WIDTH = 88

#: What every enum's docstring ends with.
ENUM_NOTE = (
    "A value the service adds later parses too (its ``is_unknown`` is then true): compare "
    "with members, or ``.value`` with such a value, and end a ``match`` with ``case _``, "
    "never ``assert_never``."
)
#: Prose that shows a JSON object with a quoted key: wire JSON, not the Python form.
WIRE_JSON = re.compile(r"[{\[]\s*\"")
# A sentence ends at . ! or ? (possibly inside a closing parenthesis) before a capital,
# a parenthesis or a code span; "e.g." and "i.e." do not end one.
_SENTENCE_END = re.compile(
    r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<=[.!?])\s+(?=[A-Z(`])|(?<=[.!?]\))\s+(?=[A-Z(`])"
)


class DocsError(ValueError):
    """The documentation overrides are stale, or prose shows wire JSON with no Python form."""


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


def fill(paragraph: str, width: int = WIDTH) -> str:
    """Wrap one paragraph; a list item (``- ...``) continues two spaces in."""
    indent = "  " if paragraph.startswith("- ") else ""
    return textwrap.fill(
        paragraph,
        width=width,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def to_text(html_doc: str | None, width: int = WIDTH) -> str:
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
        paragraphs.append(fill(paragraph, width))
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


def sentences(text: str) -> list[str]:
    """Split ``text`` (one paragraph, any line breaks) into sentences."""
    return [s for s in _SENTENCE_END.split(" ".join(text.split())) if s]


def entry(text: str, indent: str, width: int = WIDTH) -> str:
    """Format one ``name: description`` entry of an ``Args:`` or ``Raises:`` section.

    The first line holds whole sentences only, at least the first one however long, so
    that it stands alone where an editor shows just that line; the rest wraps below it,
    four spaces further in.
    """
    parts = sentences(text)
    first = indent + parts.pop(0)
    while parts and len(first) + 1 + len(parts[0]) <= width:
        first += " " + parts.pop(0)
    if not parts:
        return first
    more = indent + "    "
    rest = textwrap.fill(
        " ".join(parts),
        width=width,
        initial_indent=more,
        subsequent_indent=more,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return f"{first}\n{rest}"


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]


def _refill(text: str) -> str:
    return "\n\n".join(fill(p) for p in _paragraphs(text))


def _python_forms(
    text: str, forms: dict[str, str], used: set[str], where: str, *, strict: bool = True
) -> str:
    """Replace wire JSON in ``text`` by the Python forms; with ``strict``, fail on any left.

    Not strict where JSON in the prose is content rather than a form the typed API
    rejects: the documentation of a blob or string member (a payload such as
    ``'{ "key": "value" }'``).
    """
    if not WIRE_JSON.search(text):
        return text
    flat = "\n\n".join(_paragraphs(text))
    for wire, python in forms.items():
        if wire in flat:
            flat = flat.replace(wire, python)
            used.add(wire)
    left = WIRE_JSON.search(flat)
    if left and not strict:
        return _refill(flat)
    if left:
        snippet = flat[left.start() : left.start() + 60]
        raise DocsError(
            f"{where}: the documentation shows wire JSON ({snippet!r}); add its typed "
            "Python form to overrides.json docs.python_forms"
        )
    return _refill(flat)


def _enum_doc(shape: ShapeIR, override: dict[str, Any]) -> str:
    meanings: dict[str, str] = override.get("values", {})
    stale = set(meanings) - set(shape.enum)
    if stale:
        raise DocsError(f"overrides.json docs: {shape.name} has no values {sorted(stale)}")
    head = override.get("doc") or shape.doc
    items = [f"- ``{v}``: {meanings[v]}" if v in meanings else f"- ``{v}``" for v in shape.enum]
    values = "\n".join(fill(i) for i in items)
    return "\n\n".join([_refill(head), values, fill(ENUM_NOTE)])


def enum_value_docs(shape: ShapeIR) -> dict[str, str]:
    """The meaning of each value, read back from the list :func:`python_docs` wrote into
    an enum's documentation (for the members' own docstrings, which editors show)."""
    found: dict[str, str] = {}
    for item in re.finditer(r"^- ``([^`]+)``: (.+?)(?=\n- |\n\n|\Z)", shape.doc, re.M | re.S):
        found[item.group(1)] = fill(" ".join(item.group(2).split()))
    return found


def _takes_structures(service: ServiceIR, member: MemberIR) -> bool:
    """Whether a member's value is, or holds, structures or unions: then wire JSON in its
    documentation teaches a dict form the typed API rejects."""
    seen: set[str] = set()
    pending = [member.target]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = service.shapes[name]
        if shape.kind in {"structure", "union"}:
            return True
        pending.extend(n for n in (shape.member, shape.key, shape.value) if n)
    return False


def _member_doc(service: ServiceIR, member: MemberIR, override: str | None) -> str:
    if override:
        return _refill(override)
    if member.doc:
        return member.doc
    # An undocumented member says what its shape is (``hooks``: the Hooks structure).
    target = service.shapes[member.target]
    return target.doc.split("\n\n")[0] if target.is_class else ""


def python_docs(service: ServiceIR, overrides: dict[str, Any]) -> ServiceIR:
    """Return ``service`` with its documentation written for the Python API.

    ``overrides`` is the ``docs`` section of ``overrides.json``: ``shapes`` maps a shape
    name to a ``doc`` replacing (or supplying) its documentation, ``values`` (enum value
    meanings) and ``members`` (member documentation by Python name); ``python_forms``
    maps a wire JSON snippet of the model's prose to the Python form shown instead.

    Raises:
        DocsError: An override names a shape, member or value the model does not have,
            a Python form is never used, or (when ``overrides`` is not empty) prose about
            structures shows wire JSON without a Python form.
    """
    # A model whose overrides curate its documentation (this SDK's) is held to it: wire
    # JSON left in prose about structures stops generation. Another service's model
    # (``--package``) gets the forms it has and keeps the rest of its prose as written.
    gate = bool(overrides)
    shape_overrides: dict[str, dict[str, Any]] = overrides.get("shapes", {})
    forms: dict[str, str] = overrides.get("python_forms", {})
    unknown = set(shape_overrides) - set(service.shapes)
    if unknown:
        raise DocsError(f"overrides.json docs: no shapes {sorted(unknown)} in the model")
    used: set[str] = set()
    shapes = {}
    for name, shape in service.shapes.items():
        override = shape_overrides.get(name, {})
        member_docs: dict[str, str] = override.get("members", {})
        stale = set(member_docs) - {m.name for m in shape.members}
        if stale:
            raise DocsError(f"overrides.json docs: {name} has no members {sorted(stale)}")
        if shape.enum:
            doc = _enum_doc(shape, override)
        else:
            doc = _refill(override["doc"]) if override.get("doc") else shape.doc
        members = tuple(
            dataclasses.replace(
                m,
                doc=_python_forms(
                    _member_doc(service, m, member_docs.get(m.name)),
                    forms,
                    used,
                    f"{name}.{m.model_name}",
                    strict=gate and _takes_structures(service, m),
                ),
            )
            for m in shape.members
        )
        shapes[name] = dataclasses.replace(
            shape, doc=_python_forms(doc, forms, used, name, strict=gate), members=members
        )
    operations = {
        name: dataclasses.replace(op, doc=_python_forms(op.doc, forms, used, name, strict=gate))
        for name, op in service.operations.items()
    }
    service_doc = _python_forms(service.doc, forms, used, "service", strict=gate)
    unused = set(forms) - used
    if unused:
        raise DocsError(f"overrides.json docs.python_forms: never used: {sorted(unused)}")
    return dataclasses.replace(
        service, doc=service_doc, shapes=shapes, operations=operations, wire_docs=service
    )
