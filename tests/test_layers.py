"""The package's layers: no import circle at run time, and no client reaching into a
simulator's private names.

Both checks read the source with :mod:`ast` (nothing is imported), so they see imports made
inside functions too: those run, later, and a circle through them still ties the modules
together. Imports under ``if TYPE_CHECKING:`` never run and are left out. A package's
``__init__`` running before its submodules is Python's doing, not an edge a module chose, so
only the imports written in the source count.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "awscontainers"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _run_time_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement except those under ``if TYPE_CHECKING:``."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports at run time."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        for node in _run_time_imports(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = _resolve(name, path, node)
                for alias in node.names:
                    # "from . import placement" imports a module; "from .x import f" a name.
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in modules else base)
            for target in targets:
                # "import awscontainers.sim.ecs" names the deepest module that exists.
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target.startswith(PACKAGE) and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted,
    with one concrete circle through it appended for reading."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0

    def connect(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
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
                components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return components


def _one_circle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    members = set(component)
    start = component[0]
    # Breadth-first from start back to start, inside the component.
    paths = {w: [start, w] for w in sorted(graph[start] & members)}
    frontier = list(paths)
    while frontier and start not in paths:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & members):
                if w not in paths:
                    paths[w] = [*paths[v], w]
                    nxt.append(w)
        frontier = nxt
    return paths.get(start, component)


def test_no_import_circle_at_run_time():
    graph = import_graph()
    found = cycles(graph)
    assert not found, "import circles:\n" + "\n".join(
        " -> ".join(_one_circle(graph, c)) + f"   (all of: {', '.join(c)})" for c in found
    )


def test_the_graph_sees_function_level_and_relative_imports():
    graph = import_graph()
    # lab.py imports its clients inside properties, relatively: the graph must see that.
    assert "awscontainers.ecs" in graph["awscontainers.lab"]
    # A TYPE_CHECKING-only import is not an edge.
    assert "awscontainers.lab" not in graph["awscontainers._aws"]


def test_a_circle_is_found_and_named():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert _one_circle(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]


# --------------------------------------------------------------------------- private names


def private_simulator_uses() -> list[str]:
    """``x._name`` where ``x`` names a simulator (its source text mentions ``sim``), in
    modules outside ``awscontainers/sim/``: a client reaching into simulator internals."""
    found = []
    for name, path in _modules().items():
        if name.startswith(f"{PACKAGE}.sim"):
            continue
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute) or not node.attr.startswith("_"):
                continue
            if node.attr.startswith("__"):
                continue  # dunders (__dict__, __name__) are public protocol
            owner = ast.unparse(node.value)
            if "sim" in owner.lower():
                found.append(f"{path.relative_to(ROOT.parent)}:{node.lineno}: {owner}.{node.attr}")
    return found


def test_no_client_touches_a_simulators_private_names():
    found = private_simulator_uses()
    assert not found, "private simulator names used outside awscontainers/sim/:\n" + "\n".join(
        found
    )


def test_the_private_name_check_would_catch_one(tmp_path):
    tree = ast.parse("def f(self):\n    return self._sim._start(1)\n")
    owners = [
        ast.unparse(n.value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and n.attr.startswith("_") and "sim" in ast.unparse(n.value)
    ]
    assert owners == ["self._sim"]
