"""Render ``microvm_sdk/_documentation.py``: the model's prose, as data for help text.

The CLI's help and the documentation site's command reference read it; nothing on the
call path imports it. Paragraphs are kept unwrapped (one line each) so every reader can
wrap them to its own width.
"""

from __future__ import annotations

import pprint

from microvm_sdk_codegen.ir import ServiceIR


def unwrap(text: str) -> tuple[str, ...]:
    """Turn the IR's wrapped paragraphs back into one line per paragraph."""
    return tuple(
        " ".join(line.strip() for line in paragraph.splitlines())
        for paragraph in text.split("\n\n")
        if paragraph.strip()
    )


def render(service: ServiceIR) -> str:
    # The model's own prose (wire names, JSON forms): what the command line takes.
    service = service.wire_docs or service
    operations = {name: unwrap(op.doc) for name, op in service.operations.items() if op.doc}
    shapes = {name: unwrap(shape.doc) for name, shape in service.shapes.items() if shape.doc}
    members: dict[str, dict[str, tuple[str, ...]]] = {}
    for name, shape in service.shapes.items():
        documented = {m.model_name: unwrap(m.doc) for m in shape.members if m.doc}
        if documented:
            members[name] = documented
    out = [
        '"""The model\'s documentation as plain-text paragraphs, for help text.\n\n'
        "``OPERATIONS`` and ``SHAPES`` map a name to its paragraphs; ``MEMBERS`` maps a shape\n"
        'name to its members\' paragraphs, by model member name.\n"""\n\n',
        "from __future__ import annotations\n\n",
        f"SERVICE: tuple[str, ...] = {unwrap(service.doc)!r}\n\n",
        f"OPERATIONS: dict[str, tuple[str, ...]] = {pprint.pformat(operations, width=100)}\n\n",
        f"SHAPES: dict[str, tuple[str, ...]] = {pprint.pformat(shapes, width=100)}\n\n",
        f"MEMBERS: dict[str, dict[str, tuple[str, ...]]] = {pprint.pformat(members, width=100)}\n",
    ]
    return "".join(out)
