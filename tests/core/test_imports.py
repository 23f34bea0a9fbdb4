"""The core's modules import one another in one direction only: no circles, not even
ones dodged by importing inside a function (imports for type hints alone do not count)."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

CORE = Path(__file__).resolve().parents[2] / "studio" / "core"


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, known: set[str]) -> set[str]:
    """Modules of `known` that `module` imports anywhere except under `if TYPE_CHECKING:`."""
    package = module.rsplit(".", 1)[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in known else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return (found & known) - {module}


def _core_import_graph() -> nx.DiGraph:
    modules = {f"studio.core.{p.stem}": p for p in CORE.glob("*.py") if p.stem != "__init__"}
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        for target in _imports(ast.parse(path.read_text()), name, set(modules)):
            graph.add_edge(name, target)
    return graph


def test_no_core_module_imports_another_in_a_circle():
    cycles = list(nx.simple_cycles(_core_import_graph()))
    assert cycles == []


def test_the_checker_sees_a_circle_dodged_by_a_function_level_import():
    tree = ast.parse("def f():\n    from .workflow import Workflow\n")
    known = {"studio.core.workflow", "studio.core.executor"}
    assert _imports(tree, "studio.core.executor", known) == {"studio.core.workflow"}


def _package_import_graph() -> nx.DiGraph:
    """Every module of studio/ and nodes/; an import of a package means its __init__, and a
    module importing one of its own parent packages (their re-exports) is not counted."""
    root = CORE.parents[1]
    modules = {}
    for top in ("studio", "nodes"):
        for path in (root / top).rglob("*.py"):
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    graph = nx.DiGraph()
    for name, path in modules.items():
        for target in _imports(ast.parse(path.read_text()), name, set(modules)):
            if not name.startswith(f"{target}."):
                graph.add_edge(name, target)
    return graph


def test_no_module_of_studio_or_nodes_imports_another_in_a_circle():
    cycles = [c for c in nx.simple_cycles(_package_import_graph(), length_bound=6)]
    assert cycles == []
