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
RUNTIME = {"botocore", "attrs", "cattrs", "jmespath"}


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


def test_runtime_dependencies_are_exactly_the_documented_four() -> None:
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


def test_the_package_imports_only_declared_distributions() -> None:
    """typing-extensions is not a dependency (Python 3.11's typing has what we use), so
    nothing may import it; the same holds for any other undeclared distribution."""
    declared = {canonicalize_name(Requirement(r).name) for r in project()["dependencies"]}
    third_party = {"botocore": "botocore", "attrs": "attrs", "cattrs": "cattrs"}
    third_party |= {"jmespath": "jmespath", "typing_extensions": "typing-extensions"}
    third_party |= {"yaml": "pyyaml", "orjson": "orjson", "opentelemetry": "opentelemetry-api"}
    found: dict[str, str] = {}
    for path in (ROOT / "src" / "microvm_sdk").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                top = name.split(".")[0]
                if top in third_party:
                    found.setdefault(third_party[top], str(path.relative_to(ROOT)))
    # yaml, orjson and opentelemetry are the optional extras' (imported only where YAML
    # is asked for, where orjson is installed, and once the application has imported
    # OpenTelemetry itself).
    optional = {"pyyaml", "orjson", "opentelemetry-api"}
    undeclared = {name: where for name, where in found.items() if name not in declared | optional}
    assert undeclared == {}
