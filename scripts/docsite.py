"""MkDocs hooks for the docs site (``make docs``; mkdocs.yml names this file).

The site is built from what the repository already holds, nothing is copied into docs/:

- docs/*.md are the guides; links in them that climb out of docs/ (``../notebooks/X.ipynb``,
  ``../diagrams/X.svg``) are pointed at the site's copies, and links to other repository files,
  which the site does not carry, become plain text;
- notebooks/*.ipynb become lessons/*, rendered from their stored outputs (never re-run); a
  panel, which needs a running kernel, is replaced by a note saying so, and links between
  lessons point at the lessons' pages; the style sheets nbconvert writes into every lesson
  (0.6 MB, the same in each) are served once, as assets/lessons/*.css;
- diagrams/*.svg are served as diagrams/*, and the page modes.md shows them mode by mode, with
  each mode's summary from the modes data;
- the page comparison.md is the cost comparison of examples/workload.yaml, worked out at build
  time from the packaged price table;
- the API reference pages are written from the ``api_reference`` list in mkdocs.yml;
- the navigation is laid out here, so a new guide or lesson shows up without editing it.

It is also a griffe extension (mkdocs.yml names it under mkdocstrings): the examples in the
docstrings, written as doctests, are shown as code, and Sphinx roles (``:class:`~a.B` ``) as the
name in code.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from griffe import Extension
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
DIAGRAMS = ROOT / "diagrams"
EXAMPLE = ROOT / "examples" / "workload.yaml"
# Where each repository folder outside docs/ lives on the site.
ON_SITE = {"notebooks": "lessons", "diagrams": "diagrams"}
WIDGET = "application/vnd.jupyter.widget-view+json"
PANEL_NOTE = (
    '<p class="awscontainers-panel-note"><em>An interactive panel is here in the notebook. '
    "Open the lesson in JupyterLab (<code>make lab</code>) and run it to use the panel.</em></p>"
)
# Guides first in this order; any other docs/*.md follows, by name.
GUIDE_ORDER = ["chooser.md", "workshop.md", "architecture.md", "real-aws.md"]
LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")
NOTEBOOK_HREF = re.compile(r'href="([\w.-]+)\.ipynb(#[^"]*)?"')
# What nbconvert puts in a page that a static, offline page must not have: a script with an
# empty src (the browser would load the page itself as a script), MathJax's configuration
# (the lessons have no formulas, and MathJax would read prices like $5 as maths), and scripts
# that import code from a CDN (Mermaid, loaded when a notebook has Mermaid diagrams).
NOT_OFFLINE = re.compile(
    r'<script[^>]*\bsrc=""[^>]*>\s*</script>'
    r'|<script type="text/x-mathjax-config">.*?</script>'
    r"|<script\b[^>]*>(?:(?!</script>).)*?\bimport\(\s*\"https?://.*?</script>",
    re.DOTALL,
)

# A style sheet nbconvert writes into a lesson's page.
INLINE_CSS = re.compile(r'<style type="text/css">(.*?)</style>', re.DOTALL)
LESSON_CSS = "assets/lessons"

SPHINX_ROLE = re.compile(r":(?:class|func|meth|mod|attr|exc|obj|data):`(~?)([\w.]+)(\(\))?`")

_scratch: Path | None = None
# The lessons' style sheets, by file name (from their content), written after the build.
_lesson_css: dict[str, str] = {}


class _Compiled(BytecodeCache):
    """Compiled templates kept in memory, by name and source: mkdocs-jupyter makes two
    nbconvert exporters a lesson, each with a Jinja environment of its own that would compile
    the same templates again (a third of a first build's time)."""

    def __init__(self) -> None:
        self._code: dict[str, tuple[str | None, Any]] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        checksum, code = self._code.get(bucket.key, (None, None))
        if code is not None and checksum == bucket.checksum:
            bucket.code = code

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = (bucket.checksum, bucket.code)


def _share_compiled_lesson_templates() -> None:
    """Every nbconvert exporter in this build reads its compiled templates from one cache
    (one a kind of environment: a template compiles differently for async rendering)."""
    from nbconvert.exporters.templateexporter import TemplateExporter

    create = TemplateExporter._create_environment
    if getattr(create, "shares_compiled", False):
        return
    caches: dict[bool, _Compiled] = {}

    def shared(self: Any) -> Any:
        environment = create(self)
        environment.bytecode_cache = caches.setdefault(environment.is_async, _Compiled())
        return environment

    shared.shares_compiled = True  # type: ignore[attr-defined]
    TemplateExporter._create_environment = shared  # type: ignore[method-assign]


def _title(notebook: dict, fallback: str) -> str:
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def _for_the_site(notebook: dict) -> dict:
    """The notebook as a static page shows it: no widget state (it would need scripts from a
    CDN) and, instead of each panel, its stored HTML or a note."""
    notebook["metadata"].pop("widgets", None)
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET not in data:
                continue
            del data[WIDGET]
            if "text/html" not in data and "image/png" not in data and "image/svg+xml" not in data:
                data.clear()
                data["text/html"] = PANEL_NOTE
    return notebook


def _lessons() -> list[tuple[str, str]]:
    """(site path, title) of every lesson, in order."""
    out = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        out.append((f"lessons/{path.name}", _title(notebook, path.stem)))
    return out


def on_config(config: Any) -> Any:
    """Lay out the navigation from what is there."""
    _share_compiled_lesson_templates()
    docs = Path(config["docs_dir"])
    guides = sorted(p.name for p in docs.glob("*.md") if p.name != "index.md")
    guides.sort(key=lambda n: (GUIDE_ORDER.index(n) if n in GUIDE_ORDER else len(GUIDE_ORDER), n))
    reference = config["extra"].get("api_reference", {})
    config["nav"] = [
        {"Home": "index.md"},
        {"Hosting modes": "modes.md"},
        {"Cost comparison": "comparison.md"},
        {"Lessons": [{title: path} for path, title in _lessons()]},
        {"Guides": guides},
        {"API reference": [{name: f"reference/{_slug(name)}.md"} for name in reference]},
    ]
    return config


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


@event_priority(100)  # before mkdocs-jupyter looks for notebooks among the files
def on_files(files: Files, config: Any) -> Files:
    """Add the lessons (copies prepared for a static page), the diagrams and the API pages."""
    global _scratch
    _scratch = Path(tempfile.mkdtemp(prefix="awscontainers-docs-"))
    (_scratch / "lessons").mkdir()
    urls = config["use_directory_urls"]
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = _for_the_site(json.loads(path.read_text(encoding="utf-8")))
        (_scratch / "lessons" / path.name).write_text(json.dumps(notebook), encoding="utf-8")
        # A file in a source folder (not File.generated): mkdocs-jupyter reads it from there.
        files.append(File(f"lessons/{path.name}", str(_scratch), config["site_dir"], urls))
    for path in sorted(DIAGRAMS.glob("*.svg")):
        files.append(File(f"diagrams/{path.name}", str(ROOT), config["site_dir"], urls))
    files.append(File.generated(config, "modes.md", content=_modes_page()))
    files.append(File.generated(config, "comparison.md", content=_comparison_page()))
    for name, objects in config["extra"].get("api_reference", {}).items():
        text = f"# {name}\n\n" + "\n\n".join(f"::: {o}" for o in objects) + "\n"
        files.append(File.generated(config, f"reference/{_slug(name)}.md", content=text))
    return files


def _modes_page() -> str:
    """Every hosting mode: its summary, who does what, and how its parts fit together."""
    from awscontainers import modes

    out = [
        "# Hosting modes\n",
        "Who does what in each mode, side by side:\n",
        "![Who does what in each hosting mode](diagrams/comparison.svg)\n",
    ]
    for mode in modes.MODES.values():
        out += [
            f"## {mode.name}\n",
            f"{mode.summary} ({mode.management}.)\n",
            f"![Who does what: {mode.name}](diagrams/{mode.id}-responsibility.svg)\n",
            f"![How the parts fit: {mode.name}](diagrams/{mode.id}-architecture.svg)\n",
        ]
    return "\n".join(out)


def _comparison_page() -> str:
    """What ``awscontainers compare examples/workload.yaml`` says, as tables."""
    from awscontainers.chooser import recommend
    from awscontainers.costs import compare, load_prices
    from awscontainers.workload import Workload

    workload = Workload.from_file(EXAMPLE)
    prices = load_prices()
    comparison = compare(workload, prices)
    recommendation = recommend(workload, prices, comparison=comparison)
    services = ", ".join(
        f"{s.name} ({s.count} × {s.vcpu:g} vCPU, {s.memory_gb:g} GB)" for s in workload.services
    )
    return "\n".join(
        [
            "# Cost comparison\n",
            f"Every hosting mode's monthly cost for the example workload "
            f"(`{EXAMPLE.relative_to(ROOT)}`: {services}; {workload.hours_per_month:g} hours a "
            f"month, {workload.architecture}), line by line, then the recommendation with its "
            "reasons. It is what `awscontainers compare` prints for that file, worked out when "
            "this site was built. For your own workload, see [the chooser](chooser.md).\n",
            '<div class="awscontainers-comparison">',
            comparison._repr_html_(),
            "</div>\n",
            "## The recommendation\n",
            '<div class="awscontainers-recommendation">',
            recommendation._repr_html_(),
            "</div>\n",
        ]
    )


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    """Point links that leave docs/ at the site's copy, or make them plain text."""
    here = posixpath.dirname(page.file.src_uri)

    def relink(match: re.Match) -> str:
        bang, text, target = match.groups()
        if "://" in target or target.startswith(("#", "mailto:")):
            return match.group(0)
        path, _, fragment = target.partition("#")
        repo_path = posixpath.normpath(posixpath.join("docs", here, path))
        if not repo_path.startswith("../") and not repo_path.startswith("docs/"):
            top, _, rest = repo_path.partition("/")
            if top in ON_SITE:
                site_path = f"{ON_SITE[top]}/{rest}"
                new = posixpath.relpath(site_path, here or ".")
                return f"{bang}[{text}]({new}{'#' + fragment if fragment else ''})"
            if not bang:
                return f"{text} (`{repo_path}`)" if text.strip("`") != repo_path else text
        return match.group(0)

    return LINK.sub(relink, markdown)


def on_page_content(html: str, page: Any, config: Any, files: Files) -> str:
    """In a lesson, a link to another lesson goes to that lesson's page, nothing is loaded
    from outside the site, and the style sheets are links to shared files."""
    if not page.file.src_uri.startswith("lessons/"):
        return html
    html = NOT_OFFLINE.sub("", html)

    def relink(match: re.Match) -> str:
        name, fragment = match.group(1), match.group(2) or ""
        target = files.get_file_from_path(f"lessons/{name}.ipynb")
        if target is None:
            return match.group(0)
        return f'href="{target.url_relative_to(page.file)}{fragment}"'

    def shared(match: re.Match) -> str:
        css = match.group(1).strip() + "\n"
        name = hashlib.sha256(css.encode()).hexdigest()[:16] + ".css"
        _lesson_css[name] = css
        href = posixpath.relpath(f"{LESSON_CSS}/{name}", posixpath.dirname(page.file.dest_uri))
        return f'<link rel="stylesheet" href="{href}">'

    return INLINE_CSS.sub(shared, NOTEBOOK_HREF.sub(relink, html))


def on_build_error(error: Exception) -> None:
    on_post_build({})


def on_post_build(config: Any) -> None:
    """Write the lessons' style sheets; remove the lessons' copies."""
    global _scratch
    if config.get("site_dir"):
        folder = Path(config["site_dir"]) / LESSON_CSS
        folder.mkdir(parents=True, exist_ok=True)
        for name, css in _lesson_css.items():
            (folder / name).write_text(css, encoding="utf-8")
    _lesson_css.clear()
    if _scratch is not None:
        shutil.rmtree(_scratch, ignore_errors=True)
        _scratch = None


def fence_doctests(text: str) -> str:
    """Put each run of doctest lines (from ``>>>`` to the next blank line) in a code block."""
    out: list[str] = []
    fence = ""
    for line in text.splitlines():
        stripped = line.lstrip()
        if not fence and stripped.startswith(">>>"):
            fence = line[: len(line) - len(stripped)] + "```"
            out.append(fence + "pycon")
        elif fence and not stripped:
            out.append(fence)
            fence = ""
        out.append(line)
    if fence:
        out.append(fence)
    return "\n".join(out)


class Docstrings(Extension):
    """Griffe: doctest examples become code blocks, Sphinx roles plain code names."""

    def on_object(self, *, obj: Any, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(_plain_roles(obj.docstring.value))


def _plain_roles(text: str) -> str:
    """``:class:`~a.b.C` `` as `` `C` ``, ``:mod:`a.b` `` as `` `a.b` ``."""

    def plain(match: re.Match) -> str:
        short, name, call = match.groups()
        return f"`{name.rsplit('.', 1)[-1] if short else name.lstrip('.')}{call or ''}`"

    return SPHINX_ROLE.sub(plain, text)
