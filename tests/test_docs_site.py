"""The docs site (``make docs``): built here into a temporary folder, as ``mkdocs build
--strict``, then read page by page: every link inside the site leads to a page (and anchor)
that exists, and no page loads anything from outside the site, so it works offline."""

import importlib.util
import json
import os
import re
import subprocess
import sys
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.fast_start import server_env

for _tool in ("mkdocs", "material", "mkdocs_jupyter", "mkdocstrings_handlers.python"):
    pytest.importorskip(_tool, reason="the docs extra is not installed: pip install -e '.[docs]'")

ROOT = Path(__file__).resolve().parent.parent
# Attributes that make the browser fetch something while showing the page (a link only
# fetches when followed).
LOADS = {
    ("script", "src"),
    ("link", "href"),
    ("img", "src"),
    ("img", "srcset"),
    ("source", "src"),
    ("source", "srcset"),
    ("iframe", "src"),
    ("embed", "src"),
    ("object", "data"),
    ("video", "src"),
    ("audio", "src"),
    ("image", "href"),
    ("image", "xlink:href"),
    ("use", "href"),
    ("use", "xlink:href"),
}
OUTSIDE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
# In a style sheet or a script: fetching or importing from another host.
OUTSIDE_IN_TEXT = re.compile(
    r"""url\(\s*['"]?(?:https?:)?//|@import\s+['"](?:https?:)?//|import\(\s*['"](?:https?:)?//"""
    r"""|\bsrc\s*=\s*['"](?:https?:)?//""",
    re.IGNORECASE,
)
RAW_REPR = re.compile(r"<Diagram |\bVBox\(children=|\bHTML\(value=")


class Page(HTMLParser):
    """The ids, the links, the fetched resources and the inline styles and scripts of a page."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.loads: list[str] = []
        self.inline: list[str] = []
        self._in: str | None = None
        self._text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name") and tag != "meta":
                self.ids.add(value)
            if (tag, name) in LOADS:
                self.loads.append(value)
            if tag == "a" and name == "href":
                self.links.append(value)
            if tag == "link" and name == "href":
                self.links.append(value)
            if tag in ("script", "img") and name == "src":
                self.links.append(value)
            if name == "style":
                self.inline.append(value)
        if tag in ("style", "script"):
            self._in = tag

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in:
            self.inline.append(data)
        else:
            self._text.append(data)

    @property
    def text(self) -> str:
        return "".join(self._text)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", "mkdocs.yml", "-d", out],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=server_env({**os.environ, "NO_MKDOCS_2_WARNING": "1"}),
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return out


@pytest.fixture(scope="module")
def pages(site) -> dict[Path, Page]:
    return {p: Page(p.read_text(encoding="utf-8")) for p in sorted(site.rglob("*.html"))}


def _target(site: Path, page: Path, link: str) -> tuple[Path, str] | None:
    """The file and anchor a link inside the site leads to; None for one that leaves it."""
    parts = urllib.parse.urlsplit(link)
    if parts.scheme or parts.netloc:
        return None
    path = urllib.parse.unquote(parts.path)
    if not path:
        return page, parts.fragment
    file = (site / path.lstrip("/")) if path.startswith("/") else (page.parent / path)
    file = file.resolve()
    if file.is_dir():
        file = file / "index.html"
    return file, parts.fragment


def test_every_page_is_there(site):
    lessons = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert lessons and sorted(p.stem for p in (site / "lessons").glob("*.html")) == lessons
    for guide in (ROOT / "docs").glob("*.md"):
        assert (site / guide.with_suffix(".html").name).is_file(), guide.name
    assert (site / "modes.html").is_file() and (site / "diagrams" / "comparison.svg").is_file()
    comparison = (site / "comparison.html").read_text(encoding="utf-8")
    assert "awscontainers-costs" in comparison and "Recommended:" in comparison
    lab = (site / "reference" / "lab.html").read_text(encoding="utf-8")
    assert "teardown" in lab and "Lab" in lab
    for page in ("clients", "load-curves", "one-day-in-each-mode", "errors"):
        assert (site / "reference" / f"{page}.html").is_file(), page


def test_every_link_inside_the_site_resolves(site, pages):
    broken = []
    for page, parsed in pages.items():
        for link in parsed.links:
            if link.startswith(("mailto:", "javascript:", "data:")):
                continue
            target = _target(site, page, link)
            if target is None:
                continue
            file, anchor = target
            if not file.is_file() or site.resolve() not in file.parents:
                broken.append(f"{page.relative_to(site)}: {link} (no such file)")
            elif anchor and file.suffix == ".html":
                other = pages.get(file) or Page(file.read_text(encoding="utf-8"))
                if urllib.parse.unquote(anchor) not in other.ids:
                    broken.append(f"{page.relative_to(site)}: {link} (no such anchor)")
    assert broken == []


def _outside(text: str) -> list[str]:
    return [m.group(0) for m in OUTSIDE_IN_TEXT.finditer(text)]


def test_no_page_loads_anything_from_outside(site, pages):
    outside = []
    for page, parsed in pages.items():
        where = page.relative_to(site)
        # An empty src loads the page itself as a script or an image.
        outside += [f"{where}: {v!r}" for v in parsed.loads if OUTSIDE.match(v) or not v.strip()]
        outside += [f"{where}: {hit}" for text in parsed.inline for hit in _outside(text)]
    for css in site.rglob("*.css"):
        outside += [f"{css.relative_to(site)}: {hit}" for hit in _outside(css.read_text())]
    assert outside == []


def test_the_checks_catch_what_they_look_for():
    page = Page(
        '<link rel="stylesheet" href="https://fonts.example/x.css"><script src=""></script>'
        '<img src="//cdn.example/a.png"><a href="https://example.com/">a link</a>'
        '<script type="module">await import("https://cdn.example/m.mjs")</script>'
        '<p id="here">text</p>'
    )
    assert page.loads == ["https://fonts.example/x.css", "", "//cdn.example/a.png"]
    assert [v for v in page.loads if OUTSIDE.match(v) or not v.strip()] == page.loads
    assert _outside(" ".join(page.inline)) == ['import("https://']
    assert page.ids == {"here"} and "https://example.com/" in page.links


def test_the_lessons_show_their_stored_outputs_and_no_raw_reprs(site, pages):
    for notebook_path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        notebook = json.loads(notebook_path.read_text(encoding="utf-8"))
        outputs = [o for c in notebook["cells"] for o in c.get("outputs", [])]
        results = sum(o["output_type"] == "execute_result" for o in outputs)
        page = pages[(site / "lessons" / f"{notebook_path.stem}.html").resolve()]
        assert len(re.findall(r"Out\[\d+\]:", page.text)) == results, notebook_path.name
        assert not RAW_REPR.search(page.text), (notebook_path.name, RAW_REPR.search(page.text))


def test_the_lessons_share_their_style_sheets(site):
    """nbconvert's style sheets (0.6 MB, the same in every lesson) are files of their own,
    linked from each lesson, not copied into it."""
    shared = {p.name for p in (site / "assets" / "lessons").glob("*.css")}
    assert shared
    for lesson in (site / "lessons").glob("*.html"):
        html = lesson.read_text(encoding="utf-8")
        assert '<style type="text/css">' not in html, lesson.name
        linked = set(re.findall(r'href="\.\./assets/lessons/([0-9a-f]+\.css)"', html))
        assert linked == shared, lesson.name


def _docsite():
    spec = importlib.util.spec_from_file_location("docsite", ROOT / "scripts" / "docsite.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docstring_examples_become_code_and_roles_plain_names():
    docsite = _docsite()
    text = "Add.\n\n>>> 1 + 1\n2\n\nSee :class:`~awscontainers.lab.Lab` and :mod:`.plugins`."
    assert docsite.fence_doctests(docsite._plain_roles(text)).splitlines() == [
        "Add.",
        "",
        "```pycon",
        ">>> 1 + 1",
        "2",
        "```",
        "",
        "See `Lab` and `plugins`.",
    ]


def test_the_lessons_converters_share_compiled_templates_by_source():
    from jinja2 import DictLoader, Environment

    cache = _docsite()._Compiled()
    compiled: list[str] = []

    class Counting(Environment):
        def compile(self, source, *args, **kwargs):
            compiled.append(source)
            return super().compile(source, *args, **kwargs)

    same = DictLoader({"page": "{{ x }}!"})
    for _ in range(3):
        assert Counting(loader=same, bytecode_cache=cache).get_template("page").render(x=1) == "1!"
    assert compiled == ["{{ x }}!"]
    # Another source under the same name is compiled, never taken for the first.
    changed = Counting(loader=DictLoader({"page": "{{ x }}?"}), bytecode_cache=cache)
    assert changed.get_template("page").render(x=1) == "1?"
    assert compiled == ["{{ x }}!", "{{ x }}?"]
