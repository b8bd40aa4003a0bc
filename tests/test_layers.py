"""The package's layers: no import circle at run time, no import up a layer, and no client
reaching into a simulator's private names.

Both checks read the source with :mod:`ast` (nothing is imported), so they see imports made
inside functions too: those run, later, and a circle through them still ties the modules
together. Imports under ``if TYPE_CHECKING:`` never run and are left out. A package's
``__init__`` running before its submodules is Python's doing, not an edge a module chose, so
only the imports written in the source count.
"""

from __future__ import annotations

import ast

import pytest

from awscontainers.draw.codemap import (
    PACKAGE,
    ROOT,
    find_cycles,
    import_graph,
    layer_of,
    layer_violations,
    modules,
)


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


@pytest.fixture(scope="module")
def graph():
    """The package's import graph, read once for the tests here (they only read it)."""
    return import_graph()


def test_every_module_has_a_layer(graph):
    assert [m for m in graph if layer_of(m) is None] == []


def test_no_import_goes_up_a_layer(graph):
    # The layers (awscontainers/draw/codemap.py, drawn in docs/architecture-layers.svg):
    # apps > facade > clients > simulator > aws > cost > rules.
    assert layer_violations(graph) == []


def test_no_import_circle_at_run_time(graph):
    found = find_cycles(graph)
    assert not found, "import circles:\n" + "\n".join(
        " -> ".join(_one_circle(graph, c)) + f"   (all of: {', '.join(c)})" for c in found
    )


def test_the_graph_sees_function_level_and_relative_imports(graph):
    # lab.py imports its clients inside properties, relatively: the graph must see that.
    assert "awscontainers.ecs" in graph["awscontainers.lab"]
    # A TYPE_CHECKING-only import is not an edge.
    assert "awscontainers.lab" not in graph["awscontainers._aws"]


def test_a_circle_is_found_and_named():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c"]]
    assert _one_circle(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]


# --------------------------------------------------------------------------- private names


def private_simulator_uses() -> list[str]:
    """``x._name`` where ``x`` names a simulator (its source text mentions ``sim``), in
    modules outside ``awscontainers/sim/``: a client reaching into simulator internals."""
    found = []
    for name, path in modules().items():
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
