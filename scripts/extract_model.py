"""Copy the lambda-microvms service model out of an installed botocore.

The files under ``service-model/lambda-microvms/2025-09-09/`` are byte-for-byte
what botocore ships (decompressed where botocore gzips them). They are never
edited by hand: corrections go to ``overrides.json`` beside them, and our own
``waiters-2.json`` lives there too because AWS ships no waiters for this service.

Usage::

    python scripts/extract_model.py           # write the files
    python scripts/extract_model.py --check   # exit 1 when the repo copy differs
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

SERVICE = "lambda-microvms"
API_VERSION = "2025-09-09"
FILES = ("service-2.json", "paginators-1.json", "endpoint-rule-set-1.json")
REPO_DIR = Path(__file__).resolve().parent.parent / "service-model" / SERVICE / API_VERSION


def botocore_bytes(name: str) -> bytes:
    """Return one model file as botocore ships it, decompressed."""
    import botocore

    folder = Path(botocore.__file__).parent / "data" / SERVICE / API_VERSION
    plain, packed = folder / name, folder / f"{name}.gz"
    if plain.exists():
        return plain.read_bytes()
    if packed.exists():
        return gzip.decompress(packed.read_bytes())
    raise SystemExit(f"botocore {botocore.__version__} has no {SERVICE}/{API_VERSION}/{name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the repo copy differs")
    args = parser.parse_args(argv)
    stale = []
    for name in FILES:
        data = botocore_bytes(name)
        target = REPO_DIR / name
        if args.check:
            if not target.exists() or target.read_bytes() != data:
                stale.append(name)
        else:
            REPO_DIR.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    if stale:
        import botocore

        print(
            f"service-model differs from botocore {botocore.__version__}: {', '.join(stale)}; "
            "run python scripts/extract_model.py",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
