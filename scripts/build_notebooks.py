"""Write the lesson notebooks from their sources in lessons/ and run them, storing their outputs.

    python scripts/build_notebooks.py            # all
    python scripts/build_notebooks.py 02         # those whose name starts with 02

Each lesson is a jupytext percent-format script, lessons/NN-name.py, edited as text (or as a
notebook, through jupytext) and reviewed as a diff. Its cells, nav links included, become
notebooks/NN-name.ipynb as they are; the stored outputs are what nbval compares on every
`make test`, and tests/test_lessons.py fails when a stored notebook's cells differ from its
lesson's.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

from awscontainers.draw.render import PNG_ENV

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"
NOTEBOOKS = ROOT / "notebooks"
NEW_CELL = {
    "markdown": nbformat.v4.new_markdown_cell,
    "code": nbformat.v4.new_code_cell,
    "raw": nbformat.v4.new_raw_cell,
}


def lesson_paths() -> list[Path]:
    """The lesson sources, in lesson order (their names start with the lesson number)."""
    return sorted(LESSONS.glob("[0-9][0-9]-*.py"))


def read_lesson(path: Path) -> nbformat.NotebookNode:
    """A lesson source as a notebook: its cells, with no outputs and no notebook metadata."""
    return jupytext.read(path, fmt="py:percent")


def _widget_ids(nb: nbformat.NotebookNode, prefix: int) -> dict[str, str]:
    state = nb.metadata.get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}
    ).get("state", {})
    order: list[str] = []
    queue = [
        out["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in out.get("data", {})
    ]
    while queue:
        model = queue.pop(0)
        if model in order:
            continue
        order.append(model)
        body = json.dumps(state.get(model, {}), sort_keys=True)
        queue.extend(re.findall(r"IPY_MODEL_([0-9a-f]{32})", body))
    rest = sorted(
        (m for m in state if m not in order), key=lambda m: json.dumps(state[m], sort_keys=True)
    )
    return {m: f"{prefix:04d}{i:028x}" for i, m in enumerate(order + rest)}


def build(source: Path) -> Path:
    """Write and run the notebook for one lesson source; returns the notebook's path."""
    name = source.stem
    lesson = read_lesson(source)
    nb = nbformat.v4.new_notebook(
        cells=[NEW_CELL[c.cell_type](c.source, metadata=c.metadata) for c in lesson.cells]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3", "language": "python"
    }
    nb.metadata["language_info"] = {"name": "python"}
    resources = {"metadata": {"path": str(NOTEBOOKS)}}  # lessons run from notebooks/
    # Stored pictures carry a PNG beside their SVG, for a fresh, untrusted notebook
    # (awscontainers.draw.render.stored_png); the kernel inherits this environment.
    os.environ[PNG_ENV] = "1"
    NotebookClient(nb, timeout=120, kernel_name="python3", resources=resources).execute()
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{name[:2]}-{i:02d}"  # stable ids keep diffs small
        cell.get("metadata", {}).pop("execution", None)
    path = NOTEBOOKS / f"{name}.ipynb"
    text = nbformat.writes(nb)
    # Widget model ids are random uuids; renumber them by the structure (outputs in cell
    # order, then the models each refers to) so a rebuild changes only what really changed.
    for old_id, new_id in _widget_ids(nb, int(name[:2])).items():
        text = text.replace(old_id, new_id)
    text = nbformat.writes(nbformat.reads(text, as_version=4))  # re-sorts the renamed keys
    path.write_text(text + ("" if text.endswith("\n") else "\n"))
    return path


if __name__ == "__main__":
    prefixes = sys.argv[1:]
    wanted = [p for p in lesson_paths() if not prefixes or p.stem.startswith(tuple(prefixes))]
    if not wanted:
        sys.exit(f"no lesson in {LESSONS} starts with {' or '.join(prefixes)}")
    for source in wanted:
        print("built", build(source))
