"""botocore's rest-json protocol test suite, read from botocore's source distribution.

The suite (``tests/unit/protocols/{input,output}/rest-json.json``, Smithy's protocol tests
converted to botocore's model format) is not in botocore's wheel and is not copied into
this repository. The source distribution of the installed botocore version is fetched once
with ``pip download`` into a cache folder, and the files are read from the archive:

- ``MICROVM_SDK_BOTOCORE_SDIST``: the path of a ``botocore-<version>.tar.gz`` to use;
- otherwise ``$XDG_CACHE_HOME/microvm-sdk-tests`` (``~/.cache/microvm-sdk-tests``).

A fetch failure is an error, never a skip. Outside CI, setting
``MICROVM_SDK_SKIP_PROTOCOL_SUITE=1`` skips the suite (offline work); with ``CI`` set that
variable is refused.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import botocore

VERSION = botocore.__version__
SUITE_FILES = {
    "input": "tests/unit/protocols/input/rest-json.json",
    "output": "tests/unit/protocols/output/rest-json.json",
}
IGNORE_LIST = "tests/unit/protocols/protocol-tests-ignore-list.json"


class SuiteUnavailable(RuntimeError):
    """botocore's source distribution could not be fetched or read."""


def skip_requested() -> bool:
    """True when the suite may be skipped (asked for, and not in CI)."""
    if not os.environ.get("MICROVM_SDK_SKIP_PROTOCOL_SUITE"):
        return False
    if os.environ.get("CI"):
        raise SuiteUnavailable("MICROVM_SDK_SKIP_PROTOCOL_SUITE is not honoured in CI")
    return True


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "microvm-sdk-tests"


def sdist() -> Path:
    """The path of botocore's source distribution for the installed version (fetched once)."""
    given = os.environ.get("MICROVM_SDK_BOTOCORE_SDIST")
    if given:
        path = Path(given)
        if not path.is_file():
            raise SuiteUnavailable(f"MICROVM_SDK_BOTOCORE_SDIST={given}: no such file")
        return path
    folder = _cache_dir()
    path = folder / f"botocore-{VERSION}.tar.gz"
    if path.is_file():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    staging = folder / f"download-{os.getpid()}"
    staging.mkdir(exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        f"botocore=={VERSION}",
        "--no-binary",
        ":all:",
        "--no-deps",
        "--disable-pip-version-check",
        "--quiet",
        "-d",
        str(staging),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    fetched = staging / path.name
    if result.returncode != 0 or not fetched.is_file():
        raise SuiteUnavailable(
            f"could not fetch botocore {VERSION}'s source distribution with "
            f"{' '.join(command[2:])}:\n{result.stderr[-2000:]}"
        )
    fetched.replace(path)  # atomic: a concurrent run sees the whole file or none
    for leftover in staging.iterdir():
        leftover.unlink()
    staging.rmdir()
    return path


@functools.cache
def _members() -> dict[str, Any]:
    archive = sdist()
    root = f"botocore-{VERSION}/"
    wanted = {root + name: name for name in (*SUITE_FILES.values(), IGNORE_LIST)}
    found: dict[str, Any] = {}
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                if member.name in wanted:
                    handle = tar.extractfile(member)
                    assert handle is not None
                    found[wanted[member.name]] = json.loads(handle.read())
    except (OSError, tarfile.TarError, ValueError) as exc:
        raise SuiteUnavailable(f"cannot read {archive}: {exc}") from exc
    missing = set(wanted.values()) - set(found)
    if missing:
        raise SuiteUnavailable(f"{archive} lacks {sorted(missing)}")
    return found


def suites(kind: str) -> list[dict[str, Any]]:
    """The suites of ``kind`` (``input`` or ``output``): model, description, cases."""
    data: list[dict[str, Any]] = _members()[SUITE_FILES[kind]]
    return data


def botocore_skips(kind: str, suite: dict[str, Any], case: dict[str, Any]) -> bool:
    """True for the cases botocore's own runner leaves out (its ignore list)."""
    ignore = _members()[IGNORE_LIST]
    general = ignore.get("general", {}).get(kind, {})
    own = ignore.get("protocols", {}).get("rest-json", {}).get(kind, {})
    return (
        suite["description"] in general.get("suites", ())
        or case.get("id") in general.get("cases", ())
        or suite["description"] in own.get("suites", ())
        or case.get("id") in own.get("cases", ())
    )
