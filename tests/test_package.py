"""The package's shape: data flows one way between its modules, and no module hides a public name."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import ianaports

PACKAGE_DIR = Path(ianaports.__file__).resolve().parent
#: The packages (folders with an ``__init__.py``), against which ``from . import`` resolves.
PACKAGES = {".".join(path.parent.relative_to(PACKAGE_DIR.parent).parts) for path in PACKAGE_DIR.rglob("__init__.py")}


def module_names() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its ``__init__.py``)."""
    names = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def is_type_checking_block(node: ast.AST) -> bool:
    """True for ``if TYPE_CHECKING:`` and ``if typing.TYPE_CHECKING:``."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth (functions included), outside TYPE_CHECKING blocks."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        if is_type_checking_block(node):
            assert isinstance(node, ast.If)
            pending.extend(node.orelse)  # the else branch runs
            continue
        pending.extend(ast.iter_child_nodes(node))
    return found


def targets(module: str, node: ast.Import | ast.ImportFrom, known: set[str]) -> set[str]:
    """The package modules one import statement loads."""
    is_package = module in PACKAGES
    if isinstance(node, ast.Import):
        bases = [alias.name for alias in node.names]
        names: list[str] = []
    else:
        if node.level:
            anchor = module.split(".") if is_package else module.split(".")[:-1]
            anchor = anchor[: len(anchor) - (node.level - 1)]
            bases = [".".join([*anchor, *([node.module] if node.module else [])])]
        else:
            bases = [node.module or ""]
        names = [alias.name for alias in node.names]
    found = set()
    for base in bases:
        submodules = {f"{base}.{name}" for name in names if f"{base}.{name}" in known}
        found.update(submodules)
        # `from . import sibling` needs the sibling, not what the package's __init__ defines.
        if base in known and len(submodules) < len(names):
            found.add(base)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports anywhere except under TYPE_CHECKING."""
    modules = module_names()
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        edges: set[str] = set()
        for node in imports_of(tree):
            edges |= targets(module, node, known)
        graph[module] = edges - {module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


class TestImportGraph:
    def test_no_import_cycle(self):
        """No module imports itself back, directly or round a loop, function-local imports included."""
        assert cycles(import_graph()) == []

    def test_the_checker_sees_a_cycle(self):
        """The cycle finder reports a loop of three modules and leaves a one-way chain alone."""
        assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
        assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []

    def test_function_local_imports_count_and_type_checking_does_not(self):
        """An import inside a function is an edge; one under ``if TYPE_CHECKING:`` is not."""
        tree = ast.parse(
            textwrap.dedent(
                """
                from typing import TYPE_CHECKING
                from .model import PortRange
                if TYPE_CHECKING:
                    from .registry import Registry
                def later():
                    from .parser import parse
                """
            )
        )
        known = {"ianaports", "ianaports.model", "ianaports.registry", "ianaports.parser"}
        found = set().union(*(targets("ianaports.x", node, known) for node in imports_of(tree)))
        assert found == {"ianaports.model", "ianaports.parser"}

    def test_model_and_errors_import_nothing_else(self):
        """The shared bottom of the graph (errors, model) depends on no other module of the package."""
        graph = import_graph()
        assert graph["ianaports.errors"] == set()
        assert graph["ianaports.model"] <= {"ianaports.errors"}


class TestPublicNames:
    def test_no_module_shares_a_public_name(self):
        """No submodule is named like a name of ianaports.__all__, so importing it never hides that name."""
        submodules = {name.split(".")[1] for name in module_names() if name.count(".") >= 1}
        assert sorted(submodules & set(ianaports.__all__)) == []

    def test_public_names_survive_every_import(self):
        """Each name in ianaports.__all__ is the same object before and after every submodule is imported."""
        code = textwrap.dedent(
            """
            import importlib, pkgutil, ianaports
            before = {name: getattr(ianaports, name) for name in ianaports.__all__}
            for info in pkgutil.walk_packages(ianaports.__path__, "ianaports."):
                if info.name != "ianaports.__main__":
                    importlib.import_module(info.name)
            print(sorted(name for name, value in before.items() if getattr(ianaports, name) is not value))
            """
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
        assert result.stdout.strip() == "[]"
