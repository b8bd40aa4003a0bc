"""Turning Graphviz sources into SVG and PNG, wherever the notebooks run.

The ``graphviz`` Python package only writes DOT; drawing needs a Graphviz executable, which
pip cannot install. The renderer used is, in this order:

1. the program named by ``AWSCONTAINERS_DOT`` (a path, or ``dot`` / ``graphviz-pure``);
2. the system's Graphviz ``dot`` on PATH;
3. the pip-installed ``graphviz-pure`` (a Rust port of Graphviz; SVG and PNG, no PDF), looked
   for next to ``sys.executable`` too, since a kernel started from ``.venv/bin`` without
   activating the venv does not have ``.venv/bin`` on PATH.

>>> Diagram('digraph { a -> b }').source
'digraph { a -> b }'
"""

from __future__ import annotations

import functools
import io
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import LabError

ENV = "AWSCONTAINERS_DOT"
FORMATS = ("svg", "png")
#: Set (to anything but "" or "0") where notebooks are stored: scripts/build_notebooks.py.
PNG_ENV = "AWSCONTAINERS_STORED_PNG"


def stored_png() -> bool:
    """Whether a picture shown in a notebook carries a PNG beside its SVG.

    A notebook opened fresh, untrusted (a clone, Binder), shows no SVG: the lessons' stored
    outputs need the PNG, so the script that stores them sets ``AWSCONTAINERS_STORED_PNG``.
    A picture drawn in a running notebook is shown as SVG (JupyterLab trusts what its own
    kernel sends, and signs the notebook it saves), so elsewhere the PNG is not made: about
    0.2 s of a kernel's time for each diagram (another Graphviz run and the palette) and
    0.6 s for the day-2 chart."""
    return os.environ.get(PNG_ENV, "") not in ("", "0")


@dataclass(frozen=True)
class Renderer:
    """A Graphviz executable and where it came from."""

    path: str
    kind: str  # "graphviz" (system dot) or "graphviz-pure"
    origin: str  # "AWSCONTAINERS_DOT", "PATH" or "next to Python"

    def describe(self) -> str:
        return f"{self.kind} ({self.path}, found via {self.origin})"


class RendererNotFoundError(LabError):
    """No Graphviz executable could be found."""


def _kind(path: str) -> str:
    return "graphviz-pure" if "graphviz-pure" in Path(path).name else "graphviz"


def find_renderer(env: dict[str, str] | None = None) -> Renderer:
    """Find the executable to draw with (see the module docstring for the order)."""
    env = dict(os.environ if env is None else env)
    path_var = env.get("PATH", "")
    wanted = env.get(ENV)
    if wanted:
        found = shutil.which(wanted, path=path_var) or (wanted if Path(wanted).is_file() else None)
        if not found:
            raise RendererNotFoundError(
                f"{ENV}={wanted!r} does not name a program that exists.",
                hint=f"set {ENV} to 'dot', 'graphviz-pure' or a full path, or unset it.",
            )
        return Renderer(found, _kind(found), ENV)
    dot = shutil.which("dot", path=path_var)
    if dot:
        return Renderer(dot, "graphviz", "PATH")
    pure = shutil.which("graphviz-pure", path=path_var)
    if pure:
        return Renderer(pure, "graphviz-pure", "PATH")
    beside = Path(sys.executable).parent / "graphviz-pure"
    if beside.is_file():
        return Renderer(str(beside), "graphviz-pure", "next to Python")
    raise RendererNotFoundError(
        "No Graphviz renderer found: neither 'dot' nor 'graphviz-pure'.",
        hint="pip install graphviz-pure (make lab does it), or install Graphviz "
        "(apt install graphviz / brew install graphviz).",
    )


@functools.cache
def default_renderer() -> Renderer:
    return find_renderer()


def render(source: str, fmt: str = "svg", renderer: Renderer | None = None) -> bytes:
    """Render DOT ``source`` to ``svg`` or ``png`` bytes."""
    if fmt not in FORMATS:
        raise LabError(
            f"Cannot render to {fmt!r}.",
            hint="use 'svg' or 'png' (graphviz-pure has no PDF; convert the SVG if you need one).",
        )
    renderer = renderer or default_renderer()
    done = subprocess.run(
        [renderer.path, f"-T{fmt}"], input=source.encode(), capture_output=True, timeout=60
    )
    if done.returncode != 0 or not done.stdout:
        raise LabError(
            f"{renderer.describe()} failed: {done.stderr.decode(errors='replace').strip()}",
            hint=f"try the other renderer by setting {ENV}.",
        )
    return done.stdout


#: Wider than this (CSS px) and a diagram's SVG scales to the width it is shown in: a
#: notebook's output area is about 970 px wide.
FIT_WIDTH_PX = 900
_SVG_TAG = re.compile(r"<svg\b[^>]*>")
_SIZE_ATTR = re.compile(r'\s(width|height)="([\d.]+)(pt|px)?"')


def fit_width(svg: str, limit_px: float = FIT_WIDTH_PX) -> str:
    """``svg`` made to scale down to the width it is shown in, when it is wider than
    ``limit_px`` (its viewBox keeps the proportions); narrower drawings keep their size.

    >>> fit_width('<svg width="1200pt" height="600pt" viewBox="0 0 1200 600"></svg>')
    '<svg width="100%" viewBox="0 0 1200 600"></svg>'
    >>> fit_width('<svg x="1" width="300pt" height="200pt" viewBox="0 0 300 200"></svg>')[:26]
    '<svg x="1" width="300pt" h'
    """
    tag = _SVG_TAG.search(svg)
    if tag is None or "viewBox" not in tag[0]:
        return svg
    sizes = {m[1]: (float(m[2]), m[3] or "px") for m in _SIZE_ATTR.finditer(tag[0])}
    if "width" not in sizes:
        return svg
    value, unit = sizes["width"]
    if value * (4 / 3 if unit == "pt" else 1) <= limit_px:
        return svg
    opened = _SIZE_ATTR.sub(lambda m: ' width="100%"' if m[1] == "width" else "", tag[0])
    return svg[: tag.start()] + opened + svg[tag.end() :]


def compact_png(data: bytes) -> bytes:
    """A PNG with its colours reduced to a palette (diagrams use a handful), about a third
    of the size; unchanged when Pillow is not installed. The palette is found by Pillow's
    fast octree (a third of the time of its median cut, which took 0.13 s a diagram)."""
    try:
        from PIL import Image
    except ImportError:
        return data
    with Image.open(io.BytesIO(data)) as image:
        small = image.convert("RGB").quantize(
            colors=64, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
        )
        out = io.BytesIO()
        small.save(out, format="PNG", optimize=True)
    return out.getvalue() if out.tell() < len(data) else data


class Diagram:
    """A Graphviz source that shows itself in a notebook and saves as SVG or PNG.

    A notebook stores it three ways: an SVG that fits the output area (shown when the
    notebook is trusted, after it runs), a PNG (what a fresh, untrusted notebook shows; made
    only where notebooks are stored, :func:`stored_png`) and a line of text."""

    def __init__(self, source: str, name: str = "diagram"):
        self.source = source
        self.name = name

    def svg(self) -> str:
        return render(self.source, "svg").decode()

    def _repr_svg_(self) -> str:
        return fit_width(self.svg())

    def _repr_png_(self) -> bytes | None:
        """The PNG a fresh, untrusted notebook shows, where notebooks are stored
        (:func:`stored_png`); None elsewhere (no PNG in the output)."""
        return compact_png(render(self.source, "png")) if stored_png() else None

    def save(self, path: str | Path, fmt: str | None = None) -> Path:
        """Write ``.svg``, ``.png`` or ``.gv`` (the source) according to the suffix."""
        path = Path(path)
        fmt = fmt or path.suffix.lstrip(".") or "svg"
        if fmt in ("gv", "dot"):
            path.write_text(self.source)
        else:
            path.write_bytes(render(self.source, fmt))
        return path

    def __repr__(self) -> str:
        # Only the name: notebooks store this text, and it should not change with the drawing
        # (the DOT sources are checked against diagrams/ by their own test).
        return f"<Diagram {self.name}: run the cell to draw it>"
