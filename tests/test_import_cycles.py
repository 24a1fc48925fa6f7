"""No import cycles between the project's files, counting imports inside functions too
(they hide a cycle from Python but not from a reader). import-linter (``lint-imports``, run by
bin/test) keeps the layers between apps; this test keeps the files inside each app acyclic."""

import ast
import importlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("aims_portal", "registry", "assessments", "controls", "audits", "integrity")

# Cycles that are still to be broken, each with why it is still there. When one is broken,
# delete it here: the test fails while the list names a cycle that no longer exists.
KNOWN: set[frozenset[str]] = set()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    }


def imported(name: str, path: Path, node, modules) -> list[str]:
    """The project modules an import statement names (a submodule rather than its package
    when ``from package import submodule``)."""
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
            package = package[: len(package) - node.level + 1]
            base = ".".join([*package, base] if base else package)
        targets = [
            f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
            for alias in node.names
        ]
    found = []
    for target in targets:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.append(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {
        name: {
            target
            for node in ast.walk(ast.parse(path.read_text(), str(path)))
            if isinstance(node, ast.Import | ast.ImportFrom)
            for target in imported(name, path, node, modules)
        }
        for name, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), set()

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = set()
            while True:
                other = stack.pop()
                on_stack.discard(other)
                group.add(other)
                if other == node:
                    break
            if len(group) > 1:
                found.add(frozenset(group))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_sees_a_function_level_import():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == {frozenset({"a", "b", "c"})}
    source = "def f():\n    from .views import x\n"
    modules = {"app.views": None, "app.exports": None}
    node = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom))
    assert imported("app.exports", Path("app/exports.py"), node, modules) == ["app.views"]


def test_no_import_cycles_beyond_the_known_ones():
    found = cycles(import_graph())
    assert sorted(map(sorted, found - KNOWN)) == [], "new import cycles"
    assert sorted(map(sorted, KNOWN - found)) == [], "broken cycles still listed in KNOWN"


def test_every_module_imports():
    """A moved module leaves no stale import behind (management commands, tasks and demo
    modules included, which no page loads)."""
    for name in sorted(project_modules()):
        importlib.import_module(name)
