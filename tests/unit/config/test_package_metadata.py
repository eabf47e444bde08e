"""pyproject.toml's dependency ranges agree with the pinned, tested set (requirements*.txt): a
runtime dependency added to requirements.txt only would be missing from an installed package."""
from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[3]
# Pinned for a reproducible install, but pulled in by a dependency rather than imported by us.
TRANSITIVE = {"argon2-cffi-bindings", "cffi"}


def pins(name: str) -> dict[str, str]:
    lines = (ROOT / name).read_text().splitlines()
    found = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if line and not line.startswith("-r"):
            requirement = Requirement(line)
            found[canonicalize_name(requirement.name)] = str(requirement.specifier).removeprefix("==")
    return found


def project() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as source:
        return tomllib.load(source)["project"]


def test_every_runtime_pin_is_a_dependency_whose_range_holds_it():
    runtime = {canonicalize_name(r.name): r for r in map(Requirement, project()["dependencies"])}
    pinned = pins("requirements.txt")
    assert sorted(set(pinned) - set(runtime) - TRANSITIVE) == []
    assert sorted(set(runtime) - set(pinned)) == []
    assert [name for name, r in runtime.items() if not r.specifier.contains(pinned[name])] == []


def test_every_test_pin_is_in_the_test_extra_whose_range_holds_it():
    extra = {canonicalize_name(r.name): r for r in map(Requirement, project()["optional-dependencies"]["test"])}
    pinned = pins("requirements-dev.txt")
    assert sorted(set(pinned) ^ set(extra)) == []
    assert [name for name, r in extra.items() if not r.specifier.contains(pinned[name])] == []


def test_the_three_commands_are_declared():
    assert project()["scripts"] == {"calamari-server": "run:main", "calamari-agent": "run:agent_main",
                                    "calamari": "calamari.cli:main"}
