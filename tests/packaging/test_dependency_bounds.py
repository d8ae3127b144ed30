"""The declared dependency bounds are the ones CI tests: constraints-oldest.txt pins each
runtime dependency at exactly its lower bound, and the running environment satisfies them.

CI runs this file in both virtualenvs: with the pinned newest tools and with the oldest
allowed releases.
"""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = {"botocore", "attrs", "cattrs", "typing-extensions", "jmespath"}


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def lower_bound(requirement: Requirement) -> Version:
    floors = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
    assert len(floors) == 1, f"{requirement}: exactly one >= bound expected"
    return floors[0]


def oldest_pins() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for raw in (ROOT / "constraints-oldest.txt").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = Version(version)
    return pins


def test_runtime_dependencies_are_exactly_the_documented_five() -> None:
    names = {canonicalize_name(Requirement(r).name) for r in project()["dependencies"]}
    assert names == RUNTIME


def test_every_runtime_dependency_has_a_lower_bound_and_no_cap() -> None:
    for text in project()["dependencies"]:
        requirement = Requirement(text)
        lower_bound(requirement)
        assert not any(s.operator in ("<", "<=", "==", "~=") for s in requirement.specifier), (
            f"{text}: caps make installs next to other libraries fail; CI tests the newest"
        )


def test_oldest_constraints_pin_every_lower_bound() -> None:
    pins = oldest_pins()
    requirements = [Requirement(r) for r in project()["dependencies"]]
    for extra in project()["optional-dependencies"].values():
        requirements += [Requirement(r) for r in extra]
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"constraints-oldest.txt does not pin {name}"
        assert pins[name] == lower_bound(requirement), (
            f"{name}: pyproject.toml allows >= {lower_bound(requirement)} but CI tests {pins[name]}"
        )


def test_installed_versions_satisfy_the_declared_bounds() -> None:
    for text in project()["dependencies"]:
        requirement = Requirement(text)
        installed = importlib.metadata.version(requirement.name)
        assert requirement.specifier.contains(installed, prereleases=True), (
            f"{requirement.name} {installed} does not satisfy {requirement}"
        )


def test_names_taken_from_typing_extensions_exist_in_the_installed_release() -> None:
    """Run in the oldest virtualenv, this proves the typing-extensions floor."""
    typing_extensions = importlib.import_module("typing_extensions")
    used: set[str] = set()
    for path in (ROOT / "src" / "microvm_sdk").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module == "typing_extensions":
                used.update(alias.name for alias in node.names)
    assert used, "the package no longer uses typing_extensions: drop the dependency"
    missing = sorted(name for name in used if not hasattr(typing_extensions, name))
    installed = importlib.metadata.version("typing-extensions")
    assert not missing, f"typing_extensions {installed} lacks {missing}"
