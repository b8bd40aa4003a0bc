"""The stored notebooks are in step with their sources in lessons/.

A lesson is edited in lessons/NN-name.py and `python scripts/build_notebooks.py NN` writes and
runs notebooks/NN-name.ipynb. These tests compare cells only (type and source, in order), so
they are fast and fail when a lesson was edited but its notebook not rebuilt, or the reverse.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"
NOTEBOOKS = ROOT / "notebooks"
LESSON_NAMES = sorted(p.stem for p in LESSONS.glob("[0-9][0-9]-*.py"))


# jupytext and nbformat are imported where used: nbformat loads jsonschema, whose format
# checkers take about 2 s to import, and every pytest-xdist worker collects this module.


def cells_of_lesson(path: Path) -> list[tuple[str, str]]:
    import jupytext

    return [(c.cell_type, c.source) for c in jupytext.read(path, fmt="py:percent").cells]


def cells_of_notebook(path: Path) -> list[tuple[str, str]]:
    import nbformat

    return [(c.cell_type, c.source) for c in nbformat.read(path, as_version=4).cells]


def differences(lesson: Path, notebook: Path) -> list[str]:
    """How the notebook's cells differ from the lesson's: empty when they are in step."""
    want, got = cells_of_lesson(lesson), cells_of_notebook(notebook)
    found = []
    if len(want) != len(got):
        found.append(f"{len(want)} cells in {lesson.name}, {len(got)} in {notebook.name}")
    for i, (w, g) in enumerate(zip(want, got, strict=False)):
        if w != g:
            found.append(f"cell {i}: lesson has {w[0]} {w[1][:60]!r}, stored {g[0]} {g[1][:60]!r}")
    return found


def test_every_lesson_has_a_notebook_and_every_notebook_a_lesson():
    assert LESSON_NAMES, "no lessons found"
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == LESSON_NAMES


@pytest.mark.parametrize("name", LESSON_NAMES)
def test_stored_notebook_has_the_cells_of_its_lesson(name):
    found = differences(LESSONS / f"{name}.py", NOTEBOOKS / f"{name}.ipynb")
    assert not found, (
        f"notebooks/{name}.ipynb is out of date with lessons/{name}.py; rebuild it with "
        f"`python scripts/build_notebooks.py {name[:2]}`:\n" + "\n".join(found)
    )


def test_an_edited_lesson_no_longer_matches_its_notebook(tmp_path):
    name = LESSON_NAMES[0]
    lesson = shutil.copy(LESSONS / f"{name}.py", tmp_path / f"{name}.py")
    notebook = shutil.copy(NOTEBOOKS / f"{name}.ipynb", tmp_path / f"{name}.ipynb")
    assert differences(lesson, notebook) == []

    text = lesson.read_text()
    lesson.write_text(text.replace("\n# %%\n", "\n# %%\nprint('edited')\n", 1))
    assert any("cell" in d and "edited" in d for d in differences(lesson, notebook))

    lesson.write_text(text + "\n# %%\n1 + 1\n")
    stored_count = len(cells_of_notebook(notebook))
    assert differences(lesson, notebook)[0].startswith(f"{stored_count + 1} cells in")


def test_a_notebook_with_a_changed_cell_type_no_longer_matches(tmp_path):
    name = LESSON_NAMES[0]
    notebook = tmp_path / f"{name}.ipynb"
    stored = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())
    first_code = next(c for c in stored["cells"] if c["cell_type"] == "code")
    first_code.update(cell_type="markdown")
    del first_code["outputs"], first_code["execution_count"]
    notebook.write_text(json.dumps(stored))
    assert differences(LESSONS / f"{name}.py", notebook)


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]-*.ipynb")))
def test_every_stored_picture_has_a_png_a_fresh_notebook_shows(name):
    """An untrusted notebook (a clone, Binder) draws no SVG: every stored SVG output has a
    PNG beside it (scripts/build_notebooks.py stores them; a running kernel makes none)."""
    cells = json.loads((NOTEBOOKS / name).read_text())["cells"]
    outputs = [o.get("data", {}) for c in cells for o in c.get("outputs", [])]
    pictures = [d for d in outputs if "image/svg+xml" in d]
    assert all("image/png" in d for d in pictures), name
