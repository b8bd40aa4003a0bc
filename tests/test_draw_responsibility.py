"""The responsibility diagrams say the same as the modes data, and the committed ones are fresh."""

from __future__ import annotations

import html
import re
import shutil
import stat
import sys
from pathlib import Path

import pytest

from awscontainers import modes
from awscontainers.draw import render
from awscontainers.draw.responsibility import (
    all_diagrams,
    comparison_diagram,
    responsibility_diagram,
    write_diagrams,
)

DIAGRAMS = Path(__file__).resolve().parents[1] / "diagrams"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _row(source: str, port: str) -> str:
    """The one DOT line (a table row) holding the cell with ``PORT="<port>"``."""
    lines = [line for line in source.splitlines() if f'PORT="{port}"' in line]
    assert len(lines) == 1, f"expected one row with port {port}, found {len(lines)}"
    return lines[0]


def _owner_at(source: str, port: str) -> str:
    """The owner word ("You" or "AWS") written in the cell with ``PORT="<port>"``."""
    found = re.search(rf'<TD PORT="{re.escape(port)}"[^>]*><B>(You|AWS)</B>', source)
    assert found, f"no owner word in cell {port}"
    return found.group(1)


def _plain(markup: str) -> str:
    """The text a reader sees in some HTML-like label markup, on one line."""
    text = re.sub(r"<BR[^>]*/>", " ", markup)
    text = re.sub(r"<[^>]+>", "", text)
    return " ".join(html.unescape(text).split())


def _word(owner: str) -> str:
    return {"you": "You", "aws": "AWS"}[owner]


# --------------------------------------------------------------------------- content


@pytest.mark.parametrize("mode_id", list(modes.MODES))
def test_every_duty_appears_with_its_owner(mode_id):
    mode = modes.get(mode_id)
    source = responsibility_diagram(mode_id).source
    assert mode.name in source and mode.management in source
    for duty in modes.DUTIES:
        port = f"duty_{duty.id}"
        # The label and the owner are in the same row, so the picture pairs them the same way.
        assert duty.label in _plain(_row(source, port))
        assert _owner_at(source, port) == _word(mode.owner_of(duty.id))


def test_stack_has_hardware_at_the_bottom():
    source = responsibility_diagram("ecs-ec2").source
    layer_rank = {layer.id: rank for rank, layer in enumerate(modes.LAYERS)}
    rows = sorted(modes.DUTIES, key=lambda d: source.index(f'PORT="duty_{d.id}"'))
    # LAYERS go from the hardware up; DOT tables are drawn top row first, so ranks fall.
    ranks = [layer_rank[d.layer] for d in rows]
    assert ranks == sorted(ranks, reverse=True)
    assert rows[-1].layer == modes.LAYERS[0].id
    assert source.index("Your application") < source.index(f'PORT="duty_{rows[0].id}"')


def test_legend_and_colours_are_present():
    source = responsibility_diagram("eks-nodegroup").source
    assert modes.YOU_COLOUR in source and modes.AWS_COLOUR in source
    assert "= your job" in source and "= AWS's job" in source


def test_comparison_has_a_column_per_mode_and_the_right_owners():
    source = comparison_diagram().source
    names = [m.name for m in modes.MODES.values()]
    header = _plain(next(line for line in source.splitlines() if "<B>Layer</B>" in line))
    # Columns in MODES order: classic first, newer after.
    assert [header.index(name) for name in names] == sorted(header.index(n) for n in names)
    assert header.count("newer") == len(modes.newer())
    for mode in modes.MODES.values():
        for duty in modes.DUTIES:
            port = f"{mode.id}__{duty.id}"
            assert duty.label in _plain(_row(source, port))
            assert _owner_at(source, port) == _word(mode.owner_of(duty.id))


def test_comparison_of_chosen_modes():
    source = comparison_diagram(["ecs-fargate", "ecs-ec2"]).source
    assert source.index('PORT="ecs-fargate__agent"') < source.index('PORT="ecs-ec2__agent"')
    assert "eks-ec2__" not in source


def test_sources_are_deterministic():
    assert (
        responsibility_diagram("eks-fargate").source == responsibility_diagram("eks-fargate").source
    )
    assert comparison_diagram().source == comparison_diagram().source


# --------------------------------------------------------------------------- files


def test_committed_diagrams_match_the_code():
    """Drift test: run ``awscontainers diagrams`` when this fails, and commit the result."""
    assert DIAGRAMS.is_dir(), "diagrams/ is missing: run `awscontainers diagrams`"
    generated = all_diagrams()
    committed = {path.stem: path for path in sorted(DIAGRAMS.glob("*.gv"))}
    for stem in [s for s in generated if not s.endswith("-architecture")]:
        assert stem in committed, f"diagrams/{stem}.gv is missing"
    for stem, path in committed.items():
        if stem not in generated:
            continue  # its generator (e.g. architecture diagrams) is not importable here
        assert path.read_text() == generated[stem].source, f"diagrams/{stem}.gv is stale"


def test_write_diagrams(tmp_path):
    written = write_diagrams(tmp_path / "out")
    names = {p.name for p in written}
    for mode_id in modes.MODES:
        assert {f"{mode_id}-responsibility.gv", f"{mode_id}-responsibility.svg"} <= names
    assert {"comparison.gv", "comparison.svg", "README.md"} <= names
    assert "<svg" in (tmp_path / "out" / "comparison.svg").read_text()
    readme = (tmp_path / "out" / "README.md").read_text()
    assert render.default_renderer().kind in readme
    assert all(f"({p.name})" in readme for p in written if p.suffix in (".gv", ".svg"))


def test_cli_diagrams(tmp_path, capsys):
    from awscontainers.cli import main

    assert main(["diagrams", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "comparison.svg" in out and render.default_renderer().describe() in out


# --------------------------------------------------------------------------- rendering


def test_renders_to_svg_with_the_renderer_found():
    assert "<svg" in responsibility_diagram("ecs-ec2").svg()


def test_graphviz_pure_renders_png(tmp_path):
    beside = Path(sys.executable).parent / "graphviz-pure"
    path = str(beside) if beside.is_file() else shutil.which("graphviz-pure")
    if not path:
        pytest.skip("graphviz-pure is not installed")
    renderer = render.Renderer(path, "graphviz-pure", "test")
    png = render.render(comparison_diagram().source, "png", renderer)
    assert png.startswith(PNG_SIGNATURE)


def test_the_stored_png_is_a_small_palette_image_that_looks_the_same():
    """What a fresh notebook shows: a palette PNG, a fraction of the renderer's bytes, the
    same size, and no pixel far from the drawing's own colour."""
    import io

    from PIL import Image, ImageChops

    full = render.render(responsibility_diagram("eks-nodegroup").source, "png")
    small = render.compact_png(full)
    assert small.startswith(PNG_SIGNATURE) and len(small) < len(full) / 2
    with Image.open(io.BytesIO(full)) as a, Image.open(io.BytesIO(small)) as b:
        assert b.mode == "P" and a.size == b.size
        diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB")).convert("L")
        histogram = diff.histogram()
        far = sum(histogram[48:])  # pixels more than 48 levels off, in grey
        assert far <= a.size[0] * a.size[1] * 0.002, far


def test_find_renderer_falls_back_to_graphviz_pure_next_to_python():
    if not (Path(sys.executable).parent / "graphviz-pure").is_file():
        pytest.skip("graphviz-pure is not next to this Python")
    found = render.find_renderer(env={"PATH": "/nonexistent"})
    assert found.kind == "graphviz-pure"
    assert found.origin == "next to Python"
    assert Path(found.path).parent == Path(sys.executable).parent


def test_find_renderer_rejects_a_missing_override(tmp_path):
    missing = str(tmp_path / "no-such-dot")
    with pytest.raises(render.RendererNotFoundError):
        render.find_renderer(env={"PATH": "/nonexistent", render.ENV: missing})


def test_find_renderer_prefers_dot_on_path(tmp_path):
    # A stand-in `dot` that echoes its input, so the test needs no system Graphviz.
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\ncat\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    found = render.find_renderer(env={"PATH": str(tmp_path)})
    assert found == render.Renderer(str(fake), "graphviz", "PATH")
    assert render.render("digraph {}", "svg", found) == b"digraph {}"


@pytest.mark.skipif(shutil.which("dot") is None, reason="system Graphviz not installed")
def test_system_dot_is_preferred_and_renders():
    from awscontainers.draw.render import find_renderer as discover
    from awscontainers.draw.responsibility import comparison_diagram as table

    found = discover()
    assert found.kind == "graphviz" and found.origin == "PATH"
    svg = render.render(table().source, "svg", found)
    assert b"<svg" in svg and b"Who does what" in svg


@pytest.mark.parametrize("stored", ["", "0", "1"])
def test_a_png_rides_beside_the_svg_only_where_notebooks_are_stored(monkeypatch, stored):
    """IPython's own formatter, as a kernel shows a diagram: the SVG always; the PNG (what a
    fresh, untrusted notebook shows) only with AWSCONTAINERS_STORED_PNG set, as
    scripts/build_notebooks.py sets it for the kernels whose outputs it stores."""
    from IPython.core.formatters import DisplayFormatter

    monkeypatch.setenv(render.PNG_ENV, stored)
    shown, _ = DisplayFormatter().format(responsibility_diagram("ecs-fargate"))
    assert "<svg" in shown["image/svg+xml"]
    assert ("image/png" in shown) is (stored == "1")
    if stored == "1":
        assert shown["image/png"].startswith(PNG_SIGNATURE)
