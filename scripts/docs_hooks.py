"""MkDocs hooks: add the pages generated from the model to the site at build time.

Nothing generated is committed: the command reference, the lifecycle diagrams and the
decisions index are written from the model (and ``docs/decisions/``) on every build,
so they cannot go stale. See ``docs_pages.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

sys.path.insert(0, str(Path(__file__).resolve().parent))

import docs_pages


def on_files(files: Files, config: Any) -> Files:
    """Add the generated pages to the site's files."""
    pages = dict(docs_pages.cli_pages())
    pages["lifecycles.md"] = docs_pages.lifecycle_page()
    pages["decisions/index.md"] = docs_pages.decisions_index(Path(config["docs_dir"]))
    for path, content in pages.items():
        files.append(File.generated(config, path, content=content))
    return files
