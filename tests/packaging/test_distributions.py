"""The sdist and the wheel, built as a release would build them.

Both are built once (``python -m build --no-isolation``, so no network is needed) and
checked with ``twine check --strict``; then their contents and metadata are checked, and
the sdist is unpacked to show that a packager can regenerate the code and run the tests
from it.
"""

from __future__ import annotations

import email.parser
import os
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(600)


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | env
    result = subprocess.run(
        args, cwd=cwd, env=environment, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{args}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out)], ROOT)
    yield out


@pytest.fixture(scope="module")
def wheel(dist: Path) -> zipfile.ZipFile:
    (path,) = dist.glob("microvm_sdk-*.whl")
    return zipfile.ZipFile(path)


@pytest.fixture(scope="module")
def sdist_names(dist: Path) -> list[str]:
    (path,) = dist.glob("microvm_sdk-*.tar.gz")
    with tarfile.open(path) as archive:
        return [name.split("/", 1)[1] for name in archive.getnames() if "/" in name]


@pytest.fixture(scope="module")
def metadata(wheel: zipfile.ZipFile) -> Message:
    (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    return email.parser.Parser().parsestr(wheel.read(name).decode("utf-8"))


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_twine_check_strict_passes(dist: Path) -> None:
    files = sorted(str(p) for p in dist.iterdir())
    assert len(files) == 2
    result = run([sys.executable, "-m", "twine", "check", "--strict", *files], ROOT)
    assert result.stdout.count("PASSED") == 2, result.stdout


def test_wheel_contents(wheel: zipfile.ZipFile) -> None:
    names = wheel.namelist()
    top = {name.split("/", 1)[0] for name in names}
    assert {n for n in top if not n.endswith(".dist-info")} == {"microvm_sdk"}, top
    assert "microvm_sdk/py.typed" in names
    licence = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
    assert licence, names
    text = wheel.read(licence[0]).decode("utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
    assert not any(n.startswith(("tests/", "microvm_sdk_codegen/", "benchmarks/")) for n in names)
    assert not any("/tests/" in n or n.endswith((".pyc", ".md")) for n in names)
    # Every module of the package is shipped.
    source = {
        p.relative_to(ROOT / "src").as_posix()
        for p in (ROOT / "src" / "microvm_sdk").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert source <= set(names)


def test_wheel_metadata(metadata: Message) -> None:
    assert metadata["Name"] == "microvm-sdk"
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert metadata["Requires-Python"] == ">=3.11"
    assert metadata["Author"]
    classifiers = metadata.get_all("Classifier") or []
    assert "Typing :: Typed" in classifiers
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert not [c for c in classifiers if c.startswith("License ::")], "use License-Expression"
    urls = dict(u.split(", ", 1) for u in metadata.get_all("Project-URL") or [])
    assert set(urls) >= {"Homepage", "Documentation", "Repository", "Issues", "Changelog"}
    assert all(url.startswith("https://") for url in urls.values())


def test_wheel_dependencies_are_the_declared_bounds(metadata: Message) -> None:
    requires = [Requirement(r) for r in metadata.get_all("Requires-Dist") or []]
    runtime = {r.name.lower(): str(r.specifier) for r in requires if r.marker is None}
    declared = {
        Requirement(r).name.lower(): str(Requirement(r).specifier)
        for r in project()["dependencies"]
    }
    assert runtime == declared
    assert set(runtime) == {"botocore", "attrs", "cattrs", "jmespath"}
    assert all(spec.startswith(">=") for spec in runtime.values())
    # Development tools stay out of the published metadata.
    assert set(metadata.get_all("Provides-Extra") or []) == {"cli", "otel", "yaml", "speedups"}
    extras = {str(r.marker): r.name.lower() for r in requires if r.marker is not None}
    assert extras and all(
        "cli" in m or "yaml" in m or "speedups" in m or "otel" in m for m in extras
    )
    # The speedups extra is orjson alone; the standard library is its fallback.
    assert {name for marker, name in extras.items() if "speedups" in marker} == {"orjson"}
    assert {name for marker, name in extras.items() if "otel" in marker} == {"opentelemetry-api"}


def test_readme_links_work_on_the_package_index(metadata: Message) -> None:
    description = metadata.get_payload()
    assert isinstance(description, str) and description.startswith("# microvm-sdk")
    links = re.findall(r"\]\(([^)\s]+)\)", description)
    assert links, "the README links to the documentation"
    homes = tuple(u.split(", ", 1)[1] for u in metadata.get_all("Project-URL") or [])
    for link in links:
        assert link.startswith(homes), f"README link {link!r} is not absolute under {homes}"


def test_sdist_has_what_a_packager_needs(sdist_names: list[str]) -> None:
    names = set(sdist_names)
    for needed in (
        "LICENSE",
        "README.md",
        "CHANGELOG.md",
        "pyproject.toml",
        "constraints-dev.txt",
        "constraints-oldest.txt",
        "mkdocs.yml",
        "src/microvm_sdk/py.typed",
        "src/microvm_sdk_codegen/__main__.py",
        "service-model/lambda-microvms/2025-09-09/service-2.json",
        "scripts/extract_model.py",
        "tests/conftest.py",
        "tests/packaging/test_distributions.py",
        "docs/index.md",
    ):
        assert needed in names, needed
    assert not any(n.startswith(("benchmarks/", ".ci/", ".venv")) for n in names)
    assert not any("__pycache__" in n or ".hypothesis" in n for n in names)


def test_tests_run_from_the_unpacked_sdist(dist: Path, tmp_path: Path) -> None:
    (path,) = dist.glob("microvm_sdk-*.tar.gz")
    with tarfile.open(path) as archive:
        archive.extractall(tmp_path, filter="data")
    (tree,) = tmp_path.iterdir()
    source = str(tree / "src")
    # The generator and its model are there: the generated code is current.
    run([sys.executable, "-m", "microvm_sdk_codegen", "--check"], tree, PYTHONPATH=source)
    # The tests run against the unpacked package, not the one in this checkout.
    result = run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/model/test_models.py",
            "tests/packaging/test_dependency_bounds.py",
        ],
        tree,
        PYTHONPATH=source,
    )
    assert re.search(r"\d+ passed", result.stdout), result.stdout
    where = run(
        [sys.executable, "-c", "import microvm_sdk; print(microvm_sdk.__file__)"],
        tree,
        PYTHONPATH=source,
    )
    assert Path(where.stdout.strip()).is_relative_to(tree)
