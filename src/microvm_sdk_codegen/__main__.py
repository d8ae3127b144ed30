"""``python -m microvm_sdk_codegen``: regenerate microvm_sdk, or generate a client package.

Without ``--model`` it regenerates this SDK's modules from
``service-model/lambda-microvms/2025-09-09`` (``--check`` only compares). With
``--model DIR --package NAME --out DIR`` it writes a standalone typed client package for
any botocore-format rest-json model folder, importing the runtime from
``microvm_sdk._core``::

    python -m microvm_sdk_codegen --model path/to/lambda/2015-03-31 \\
        --package lambda_client --out build/

writes ``build/lambda_client/`` (``__init__.py``, ``client.py``, ``models.py``,
``errors.py``, ``_schema.py``, ``_endpoint_rules.py``, ``_waiters.py`` when the folder
has waiters, ``py.typed``).
"""

from __future__ import annotations

import argparse
import difflib
import keyword
import sys
from collections.abc import Callable
from pathlib import Path

from microvm_sdk_codegen import (
    ir,
    render_client,
    render_docs,
    render_errors,
    render_models,
    render_package,
    render_schema,
    render_testing,
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
    "async_client.py": render_client.render_async,
    "_documentation.py": render_docs.render,
    "testing/_stubber.py": render_testing.render,
}


def _label(folder: Path) -> str:
    try:
        return folder.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return folder.as_posix()


def generate(
    model_dir: Path = MODEL_DIR,
    *,
    package: str = "microvm_sdk",
    out: Path | None = None,
    overrides: Path | None = None,
    formatted: bool = True,
) -> dict[str, str]:
    """Return ``{file name: source}`` for every module of the package.

    Args:
        model_dir: The model folder (botocore's files, plain or ``.gz``).
        package: The package name; anything but ``microvm_sdk`` gives a standalone
            package (with its own ``__init__.py`` and ``py.typed``).
        out: The package's folder, for the formatter's file names (this SDK's by default).
        overrides: An overrides file to use instead of ``model_dir/overrides.json``.
        formatted: Run the formatter (``False`` gives the same code, unformatted).

    Raises:
        ModelError: The model is inconsistent or uses a construct the runtime does not
            implement.
    """
    service = ir.load(model_dir, _label(model_dir), overrides=overrides, package=package)
    folder = out if out is not None else PACKAGE
    renderers = dict(RENDERERS)
    standalone = package != "microvm_sdk"
    if standalone:
        renderers["__init__.py"] = render_package.render
        del renderers["_documentation.py"]  # the prose the microvm CLI's help reads
        del renderers["testing/_stubber.py"]  # microvm_sdk.testing is this SDK's
        if not service.waiters.get("waiters"):
            del renderers["_waiters.py"]
    outputs = {
        name: writer.finish(
            render(service),
            source=service.source_dir,
            digest=service.source_hash,
            filename=str(folder / name),
            config=ROOT / "pyproject.toml",
            formatted=formatted,
        )
        for name, render in renderers.items()
    }
    if standalone:
        outputs["py.typed"] = ""
    return outputs


def _sync(outputs: dict[str, str], folder: Path, *, check: bool) -> list[str]:
    """Write (or with ``check`` only compare) the modules; return the names that differed."""
    stale = []
    for name, source in outputs.items():
        path = folder / name
        current = path.read_text() if path.exists() else None
        if current == source:
            continue
        stale.append(name)
        if check:
            diff = difflib.unified_diff(
                (current or "").splitlines(),
                source.splitlines(),
                f"committed/{name}",
                f"generated/{name}",
                lineterm="",
                n=1,
            )
            print("\n".join(list(diff)[:40]), file=sys.stderr)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(source)
    return stale


def _package_name(value: str) -> str:
    if not value.isidentifier() or keyword.iskeyword(value) or value == "microvm_sdk":
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a valid package name (a Python identifier other than microvm_sdk)"
        )
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m microvm_sdk_codegen",
        description=(
            "Regenerate microvm_sdk's generated modules, or, with --model, --package and "
            "--out, generate a typed client package for a botocore rest-json model."
        ),
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if the modules on disk differ from fresh output (writes nothing)",
    )
    parser.add_argument(
        "--model",
        type=Path,
        help="a model folder: service-2.json(.gz) with paginators-1, waiters-2 and "
        "endpoint-rule-set-1 as botocore ships them",
    )
    parser.add_argument("--package", type=_package_name, help="the package name to generate")
    parser.add_argument("--out", type=Path, help="the folder to write the package folder into")
    parser.add_argument(
        "--overrides",
        type=Path,
        help="an overrides.json (Python names, excluded operations); default: the one in "
        "the model folder, if any",
    )
    args = parser.parse_args(argv)
    standalone = (args.model, args.package, args.out)
    if any(value is not None for value in standalone) or args.overrides is not None:
        if not all(value is not None for value in standalone):
            parser.error("--model, --package and --out go together")
        if (
            not (args.model / "service-2.json").exists()
            and not (args.model / "service-2.json.gz").exists()
        ):
            parser.error(f"--model {args.model}: no service-2.json or service-2.json.gz there")
        folder = args.out / args.package
        where = str(folder)
    else:
        folder = PACKAGE
        where = "microvm_sdk"
    try:
        if args.model is not None:
            outputs = generate(
                args.model, package=args.package, out=folder, overrides=args.overrides
            )
        else:
            outputs = generate()
    except ir.ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stale = _sync(outputs, folder, check=args.check)
    if args.check and stale:
        print(
            f"stale generated modules: {', '.join(stale)} in {where}; "
            "run python -m microvm_sdk_codegen",
            file=sys.stderr,
        )
        return 1
    if not args.check:
        print(f"wrote {len(stale)} of {len(outputs)} generated modules in {where}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
