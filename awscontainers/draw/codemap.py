"""The package's own layers, read from its imports, checked and drawn.

``docs/architecture.md`` describes the layers; this module is where they are written down
once, so the picture beside that text and the test that keeps the layering true read the same
list. Imports are read from the source with :mod:`ast` (nothing is imported), counting
imports inside functions too (they run, just later) and skipping those under
``if TYPE_CHECKING:`` (they never run).

>>> layer_of("awscontainers.sim.kube")
'simulator'
>>> layer_of("awscontainers.costs")
'cost'
>>> find_cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}})
[['a', 'b']]
"""

from __future__ import annotations

import ast
import fnmatch
import html
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .render import Diagram

PACKAGE = "awscontainers"
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Layer:
    """A layer of the package: a name, what it owns, and which modules belong to it."""

    name: str
    owns: str
    modules: tuple[str, ...]  # fnmatch patterns over dotted module names


# Top to bottom. A module may import modules of its own layer or of any layer below it,
# never above: the simulator does not know the Lab, and cost code does not know AWS.
LAYERS: tuple[Layer, ...] = (
    Layer(
        "apps",
        "what learners touch: the package entry, panels, the CLI",
        (
            "awscontainers",
            "awscontainers.__main__",
            "awscontainers.cli",
            "awscontainers.oneday",
            "awscontainers.leftovers",
            "awscontainers.widgets",
            "awscontainers.widgets.*",
            "awscontainers.draw",
            "awscontainers.draw.codemap",
        ),
    ),
    Layer(
        "facade",
        "the Lab: one account on moto, a moto server or real AWS; builds the account",
        ("awscontainers.lab",),
    ),
    Layer(
        "clients",
        "boto3-shaped clients: parameters in, one simulator or moto call, AWS's shape out",
        (
            "awscontainers.ecr",
            "awscontainers.ecs",
            "awscontainers.eks",
            "awscontainers.kube",
            "awscontainers.teardown",
            "awscontainers.meter",
            "awscontainers.pricing",
            "awscontainers.cloudwatch",
            "awscontainers.autoscaling_apps",
            "awscontainers.draw.live",
        ),
    ),
    Layer(
        "simulator",
        "the data plane: agents, placement, services, kubelets, the Kubernetes core; "
        "the account, its clock and its events",
        ("awscontainers.sim", "awscontainers.sim.*", "awscontainers.network"),
    ),
    Layer(
        "aws",
        "calling boto3 and turning its errors into the lab's own; moto's state, its XML "
        "answers written in one pass, botocore's data files kept as pickles and Python's "
        "cycle collector in this process; the workshop room (moto behind a front that "
        "checks every signature)",
        (
            "awscontainers._aws",
            "awscontainers.waits",
            "awscontainers.saved_ledger",
            "awscontainers.server",
            "awscontainers.moto_state",
            "awscontainers.collector",
            "awscontainers.datacache",
            "awscontainers.quickxml",
            "awscontainers.room",
            "awscontainers.room.*",
        ),
    ),
    Layer(
        "cost",
        "workloads, prices, the capacity planner and the chooser (no AWS code)",
        (
            "awscontainers.workload",
            "awscontainers.costs",
            "awscontainers.planner",
            "awscontainers.milp",
            "awscontainers.chooser",
        ),
    ),
    Layer(
        "rules",
        "facts as data and pure rules: capacity formulas, Fargate sizes, the hosting modes, "
        "sample manifests, images, tables, errors, and drawing them",
        (
            "awscontainers.rules",
            "awscontainers.rules.*",
            "awscontainers.data",
            "awscontainers.fargate",
            "awscontainers.modes",
            "awscontainers.manifests",
            "awscontainers.images",
            "awscontainers.tables",
            "awscontainers.errors",
            "awscontainers.arns",
            "awscontainers.draw.render",
            "awscontainers.draw.responsibility",
            "awscontainers.draw.architecture",
            "awscontainers.draw.chart",
            "awscontainers.draw.timeline",
        ),
    ),
)

LAYER_NAMES = tuple(layer.name for layer in LAYERS)
MODULES_PER_ROW = 6


def layer_of(module: str) -> str | None:
    """The name of the layer ``module`` belongs to (exact names win over patterns)."""
    for layer in LAYERS:
        if module in layer.modules:
            return layer.name
    for layer in LAYERS:
        if any(fnmatch.fnmatchcase(module, p) for p in layer.modules if "*" in p):
            return layer.name
    return None


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the package by dotted name."""
    found: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The package modules that ``tree`` imports at run time."""
    package = module if is_package else module.rpartition(".")[0]
    out: set[str] = set()

    def resolve(name: str) -> str | None:
        # "from x import y" may name a module (x.y) or something inside x.
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for branch in node.orelse:
                visit(branch)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE and (found := resolve(alias.name)):
                    out.add(found)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if target.split(".")[0] == PACKAGE:
                for alias in node.names:
                    found = resolve(f"{target}.{alias.name}")
                    if found:
                        out.add(found)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    out.discard(module)
    return out


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> the package modules it imports at run time (function-level imports
    included, ``if TYPE_CHECKING:`` imports left out)."""
    found = modules(root)
    known = set(found)
    return {
        name: _imports(ast.parse(path.read_text()), name, path.name == "__init__.py", known)
        for name, path in found.items()
    }


def find_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Every group of modules that import each other, directly or round a circle
    (strongly connected components of more than one module), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(node: str) -> None:
        # Tarjan's algorithm; recursion depth is bounded by the package's size.
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(groups)


def layer_violations(graph: Mapping[str, Iterable[str]]) -> list[tuple[str, str]]:
    """Imports that go up the layers (or touch a module no layer claims)."""
    rank = {name: i for i, name in enumerate(LAYER_NAMES)}
    bad = []
    for src in sorted(graph):
        for dst in sorted(graph[src]):
            a, b = layer_of(src), layer_of(dst)
            if a is None or b is None or rank[b] < rank[a]:
                bad.append((src, dst))
    return bad


def _short(module: str) -> str:
    return module.removeprefix(f"{PACKAGE}.") if module != PACKAGE else PACKAGE


def _label(layer: Layer, members: list[str]) -> str:
    rows = [members[i : i + MODULES_PER_ROW] for i in range(0, len(members), MODULES_PER_ROW)]
    cells = "".join(
        '<TR><TD ALIGN="LEFT">'
        + html.escape("  ".join(_short(m) for m in row), quote=False)
        + "</TD></TR>"
        for row in rows
    )
    return (
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">'
        f'<TR><TD ALIGN="LEFT"><B>{layer.name}</B></TD></TR>'
        f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="9">{html.escape(layer.owns, quote=False)}'
        "</FONT></TD></TR>"
        f"{cells}</TABLE>>"
    )


def layers_diagram(graph: Mapping[str, Iterable[str]] | None = None) -> Diagram:
    """The layers top to bottom, each box listing its modules, and an arrow where one layer
    imports another (an import that goes up would be drawn in orange, and fails the layering
    test).

    >>> d = layers_diagram({"awscontainers.lab": {"awscontainers.ecs"}, "awscontainers.ecs": set()})
    >>> '"facade" -> "clients";' in d.source
    True
    """
    graph = import_graph() if graph is None else graph
    members: dict[str, list[str]] = {name: [] for name in LAYER_NAMES}
    for module in sorted(graph):
        owner = layer_of(module)
        if owner is not None and not module.endswith("__main__"):
            members[owner].append(module)
    between: Counter[tuple[str, str]] = Counter()
    for src, dsts in graph.items():
        for dst in dsts:
            a, b = layer_of(src), layer_of(dst)
            if a and b and a != b:
                between[(a, b)] += 1
    rank = {name: i for i, name in enumerate(LAYER_NAMES)}
    lines = [
        "digraph layers {",
        '  graph [rankdir=TB, nodesep=0.3, ranksep=0.35, fontname="Helvetica"];',
        '  node [shape=box, style="rounded,filled", fillcolor="#F4F4F4", color="#777777", '
        'fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9, color="#555555", fontcolor="#555555"];',
    ]
    for layer in LAYERS:
        lines.append(f'  "{layer.name}" [label={_label(layer, members[layer.name])}];')
    for upper, lower in zip(LAYER_NAMES, LAYER_NAMES[1:], strict=False):
        # Keeps the boxes stacked in order even where no import joins two neighbours.
        lines.append(f'  "{upper}" -> "{lower}" [style=invis, weight=10];')
    for a, b in sorted(between, key=lambda k: (rank[k[0]], rank[k[1]])):
        up = rank[b] < rank[a]
        # No counts on the arrows: the picture changes when a module or a dependency between
        # layers appears, not with every import inside a layer pair.
        style = ' [color="#D55E00", constraint=false]' if up else ""
        lines.append(f'  "{a}" -> "{b}"{style};')
    lines.append("}")
    return Diagram("\n".join(lines) + "\n", name="layers")


def write_layers(folder: Path) -> list[Path]:
    """Write the layers picture as ``architecture-layers.gv`` and ``.svg`` into ``folder``
    (``make diagrams`` writes it into ``docs/``)."""
    folder = Path(folder)
    diagram = layers_diagram()
    return [diagram.save(folder / f"architecture-layers.{ext}") for ext in ("gv", "svg")]


if __name__ == "__main__":
    import sys

    for written in write_layers(Path(sys.argv[1] if len(sys.argv) > 1 else "docs")):
        print(written)


__all__ = [
    "LAYERS",
    "Layer",
    "find_cycles",
    "import_graph",
    "layer_of",
    "layer_violations",
    "layers_diagram",
    "write_layers",
]
