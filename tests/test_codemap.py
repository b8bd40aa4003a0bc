"""The code map reads imports as Python runs them, finds circles and imports that go up a
layer, and docs/ holds the layers picture the code draws now (the package's own layering is
checked in test_layers.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from awscontainers.draw import codemap

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.fixture(scope="module")
def graph():
    return codemap.import_graph()


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "awscontainers"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def test_reads_relative_absolute_and_function_level_imports(tmp_path):
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from . import b\nfrom .sub import c\n",
            "b.py": "def f():\n    import awscontainers.a\n",
            "sub/__init__.py": "",
            "sub/c.py": "from ..b import f\nfrom . import d\n",
            "sub/d.py": "",
        },
    )
    graph = codemap.import_graph(root)
    assert graph["awscontainers.a"] == {"awscontainers.b", "awscontainers.sub.c"}
    assert graph["awscontainers.b"] == {"awscontainers.a"}
    assert graph["awscontainers.sub.c"] == {"awscontainers.b", "awscontainers.sub.d"}
    # a -> b -> a, and a -> sub.c -> b -> a: one group of three.
    assert codemap.find_cycles(graph) == [
        ["awscontainers.a", "awscontainers.b", "awscontainers.sub.c"]
    ]


def test_type_checking_imports_do_not_count(tmp_path):
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import b\n",
            "b.py": "from . import a\n",
        },
    )
    graph = codemap.import_graph(root)
    assert graph["awscontainers.a"] == set()
    assert codemap.find_cycles(graph) == []


def test_a_violation_is_found():
    graph = {"awscontainers.sim.ecs": {"awscontainers.lab"}, "awscontainers.lab": set()}
    assert codemap.layer_violations(graph) == [("awscontainers.sim.ecs", "awscontainers.lab")]
    assert 'color="#D55E00"' in codemap.layers_diagram(graph).source


def test_docs_hold_the_layers_the_code_draws_now(graph):
    committed = (DOCS / "architecture-layers.gv").read_text()
    assert committed == codemap.layers_diagram(graph).source, (
        "docs/architecture-layers.gv is stale: run `make diagrams` and commit the result."
    )
    assert (DOCS / "architecture-layers.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
