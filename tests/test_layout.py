"""The import graph of the product code (built with ast, nothing imported): no circle between
files, and nothing below the web tier imports back up into web/, run.py or bench/.

A circle makes "what does this module need?" unanswerable and import order fragile; an import
from actors/ or store/ into web/ would tie the core to one front end. Imports inside functions
count too: they are still a dependency, only a deferred one.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("actors", "agent", "bus", "calamari", "config", "deploy", "ha", "metrics", "sim", "store", "web", "bench")
TOP_ONLY = ("web", "run", "bench", "config", "calamari")   # what nothing else may import


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def product_modules() -> dict[str, Path]:
    found = {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    found["run"] = ROOT / "run.py"
    return found


def imports_of(path: Path, known: dict[str, Path]) -> set[str]:
    """The product modules a file imports (`from a.b import c` is a.b.c when that is a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def graph() -> dict[str, set[str]]:
    known = product_modules()
    return {name: imports_of(path, known) - {name} for name, path in known.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_circle_between_files():
    assert circles(graph()) == []


def test_nothing_below_the_web_tier_imports_back_up():
    upward = sorted((source, target) for source, targets in graph().items() for target in targets
                    if target.split(".")[0] in TOP_ONLY and source.split(".")[0] not in TOP_ONLY)
    assert upward == []


def test_the_checker_sees_a_circle_and_an_upward_import():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    edges = graph()      # and reads the real tree: an import inside a function counts too
    assert {"actors.fields", "web.base"} <= edges["web.resources.agents"]
    assert "store.db" in edges["actors.storage.actor"] and "sim.commands.cli" in edges["sim.model"]


MAX_MODULES = 16           # "about 15" per folder, __init__.py included
MAX_ACTORS_TOP = 12        # actors/ itself: shared vocabulary and the composition only


def modules_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.py"))


def test_every_folder_can_be_scanned_at_a_glance():
    folders = [p for package in (*PACKAGES, "tests/unit") for p in [ROOT / package, *(ROOT / package).rglob("*")]
               if p.is_dir() and "__pycache__" not in p.parts]
    crowded = {str(f.relative_to(ROOT)): len(modules_in(f)) for f in folders if len(modules_in(f)) > MAX_MODULES}
    assert crowded == {}
    assert len(modules_in(ROOT / "actors")) <= MAX_ACTORS_TOP, modules_in(ROOT / "actors")


# Helpers shared between tests live in helper modules (tests/helpers.py, tests/system/cluster_helpers.py,
# tests/unit/store/schema_helpers.py, ...), never in a test module: importing one runs its tests'
# module-level code and ties two test files together.


def test_no_test_module_imports_another():
    tests = {module_name(p): p for p in (ROOT / "tests").rglob("*.py")}
    found = {(name, target) for name, path in tests.items() for target in imports_of(path, tests)
             if target.rpartition(".")[2].startswith("test_") and target != name}
    assert found == set()
