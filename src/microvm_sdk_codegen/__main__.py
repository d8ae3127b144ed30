"""``python -m microvm_sdk_codegen [--check]``: regenerate the typed modules."""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Callable
from pathlib import Path

from microvm_sdk_codegen import (
    ir,
    render_client,
    render_docs,
    render_errors,
    render_models,
    render_schema,
    render_waiters,
    writer,
)

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "service-model" / "lambda-microvms" / "2025-09-09"
PACKAGE = ROOT / "src" / "microvm_sdk"

RENDERERS: dict[str, Callable[[ir.ServiceIR], str]] = {
    "models.py": render_models.render,
    "errors.py": render_errors.render,
    "_schema.py": render_schema.render,
    "_endpoint_rules.py": render_schema.render_rules,
    "_waiters.py": render_waiters.render,
    "client.py": render_client.render,
    "_documentation.py": render_docs.render,
}


def generate(model_dir: Path = MODEL_DIR) -> dict[str, str]:
    """Return ``{file name: source}`` for every generated module."""
    service = ir.load(model_dir, model_dir.relative_to(ROOT).as_posix())
    return {
        name: writer.finish(
            render(service),
            source=service.source_dir,
            digest=service.source_hash,
            filename=str(PACKAGE / name),
            config=ROOT / "pyproject.toml",
        )
        for name, render in RENDERERS.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m microvm_sdk_codegen",
        description="Regenerate microvm_sdk's generated modules.",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if the committed modules differ from fresh output",
    )
    args = parser.parse_args(argv)
    outputs = generate()
    stale = []
    for name, source in outputs.items():
        path = PACKAGE / name
        current = path.read_text() if path.exists() else ""
        if current == source:
            continue
        stale.append(name)
        if args.check:
            diff = difflib.unified_diff(
                current.splitlines(),
                source.splitlines(),
                f"committed/{name}",
                f"generated/{name}",
                lineterm="",
                n=1,
            )
            print("\n".join(list(diff)[:40]), file=sys.stderr)
        else:
            path.write_text(source)
    if args.check and stale:
        print(
            f"stale generated modules: {', '.join(stale)}; run python -m microvm_sdk_codegen",
            file=sys.stderr,
        )
        return 1
    if not args.check:
        print(f"wrote {len(stale)} of {len(outputs)} generated modules")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
