"""The chooser as a Voila app (``make app``), in a real browser: headless Debian Chromium
driven by Playwright, with the Voila server started by the test itself.

The app is ``app/chooser.ipynb``: the panel and the text that explains it, no stored outputs,
served with the ``awscontainers`` template in ``app/share`` (nothing loaded from a CDN).
Screenshots go to ``build/screenshots/`` (or ``$AWSCONTAINERS_SCREENSHOTS``)."""

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from awscontainers.server import free_port
from tests.conftest import wait_for_line
from tests.fast_start import server_env

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "app" / "chooser.ipynb"
TEMPLATES = ROOT / "app" / "share"
TEMPLATE = "awscontainers"
SCREENSHOTS = Path(os.environ.get("AWSCONTAINERS_SCREENSHOTS", ROOT / "build" / "screenshots"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# What must never reach a learner: a Python repr of a tuple or a list, a widget's or a
# diagram's repr, a traceback.
RAW_PYTHON = re.compile(r"""\(['"]|\bVBox\(|<Diagram |Traceback \(most recent""")
RECOMMENDED = "Recommended:"
# Text for the package's developers, not for the app's readers: a timing, the modes data's
# field names.
DEVELOPER_TEXT = ("Updated in", "modes data", "supports.", "= false")

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)


def test_the_app_page_is_the_panel_and_its_explanations_only():
    nb = json.loads(NOTEBOOK.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert len(code) == 1, "one code cell: the panel"
    assert "ChooserPanel()" in "".join(code[0]["source"])
    assert not code[0]["outputs"] and code[0]["execution_count"] is None, "no stored output"
    markdown = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "](" not in markdown, "no links: the app is served alone"
    developer = re.compile(r"`awscontainers|\bmake (app|lab|test|docs)\b|\.ipynb\b|\.py\b|import ")
    assert not developer.search(markdown), developer.search(markdown)


def test_make_app_serves_this_page_with_this_template():
    makefile = (ROOT / "Makefile").read_text()
    assert f"JUPYTER_PATH=$(CURDIR)/{TEMPLATES.relative_to(ROOT)}" in makefile
    assert f"voila {NOTEBOOK.relative_to(ROOT)} --template={TEMPLATE}" in makefile


@pytest.fixture(scope="module")
def app_url():
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "voila",
            str(NOTEBOOK),
            f"--template={TEMPLATE}",
            "--no-browser",
            f"--port={port}",
            "--Voila.ip=127.0.0.1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=server_env({**os.environ, "PYTHONUNBUFFERED": "1", "JUPYTER_PATH": str(TEMPLATES)}),
    )
    url = f"http://127.0.0.1:{port}/"
    # Voila says where it listens once it does ("Voila is running at:", then the URL);
    # asking for the page instead would run the notebook in a kernel of its own first.
    if wait_for_line(process, url) is None:
        process.kill()
        pytest.fail(f"voila did not start (exit code {process.poll()})")
    yield url
    process.terminate()
    process.wait(timeout=10)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _recommendation(page) -> str:
    return page.get_by_text(RECOMMENDED).inner_text()


@needs_chromium
def test_one_live_recommendation_that_follows_the_inputs(app_url):
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    host = urllib.parse.urlsplit(app_url).netloc
    outside: list[str] = []

    def offline(route):
        outside.append(route.request.url)
        route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 3000})
            page.route(lambda url: urllib.parse.urlsplit(url).netloc != host, offline)
            page.goto(app_url, timeout=90_000)
            page.get_by_text(RECOMMENDED).first.wait_for(timeout=90_000)
            page.screenshot(path=SCREENSHOTS / "app-opened.png")

            text = page.inner_text("body")
            assert text.count(RECOMMENDED) == 1, "one recommendation, no stale copy"
            assert page.locator("table.awscontainers-costs").count() == 1, "one cost table"
            assert not RAW_PYTHON.search(text), RAW_PYTHON.search(text)
            assert "Prices: " in text  # the panel ran in this page's kernel
            for developer_text in DEVELOPER_TEXT:
                assert developer_text not in text, developer_text
            before = _recommendation(page)
            table = page.locator("table.awscontainers-costs").inner_text()
            assert "not possible" not in table

            page.get_by_text("needs the Kubernetes API").click()
            page.wait_for_function(
                "([label, before]) => [...document.querySelectorAll('b')]"
                ".some(b => b.innerText.startsWith(label) && b.innerText !== before)",
                arg=[RECOMMENDED, before],
                timeout=30_000,
            )
            page.screenshot(path=SCREENSHOTS / "app-kubernetes.png")
            after = _recommendation(page)
            assert after != before and "EKS" in after and "EKS" not in before
            assert "not possible" in page.locator("table.awscontainers-costs").inner_text()
            text = page.inner_text("body")
            assert text.count(RECOMMENDED) == 1 and not RAW_PYTHON.search(text)
            assert "needs the Kubernetes API, which only the EKS modes offer" in text
            for developer_text in DEVELOPER_TEXT:
                assert developer_text not in text, developer_text

            links = page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
            for link in links:
                if urllib.parse.urlsplit(link)._replace(fragment="").geturl() in ("", app_url):
                    continue  # an anchor on this page
                assert urllib.parse.urlsplit(link).netloc == host, f"a link away: {link}"
                assert _status(link) < 400, f"{link} answers {_status(link)}"
            assert outside == [], "the app loads nothing from outside this server"
        finally:
            browser.close()
