"""Every lesson in a real browser, as a workshop participant meets it.

JupyterLab is started by the test (fresh settings, a copy of notebooks/, nothing trusted),
and Debian's Chromium is driven by Playwright. One JupyterLab tab opens each lesson in turn
(File > Open from Path), fresh: its stored outputs must render (no diagram or widget code as
text). Then Run All: no error output. Then one click on each panel: something visible
changes. Then the lesson is closed and its kernel shut down (File > Close and Shut Down).
Screenshots land in build/screenshots/notebooks/ (kept as test artefacts).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from awscontainers.server import free_port
from tests.fast_start import server_env

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = ROOT / "build" / "screenshots" / "notebooks"
LESSONS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: What a fresh notebook must never show: stored outputs that did not render.
NOT_RENDERED = (
    "<Diagram",
    "VBox(children",
    "Error displaying widget",
    "HBox(children",
    "<IPython.core.display",
    "<TimelinePlot",
)
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)


def _settings(root: Path) -> None:
    """JupyterLab user settings for the test: every cell in the page (no windowing), so
    the whole notebook can be read, and no news pop-up over the cells."""
    for plugin, values in {
        "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
        "@jupyterlab/apputils-extension/notification": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
    }.items():
        path = root / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    work = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", work / "notebooks")
    _settings(work / "settings")
    port = free_port()
    env = server_env(
        {
            **os.environ,
            "JUPYTER_DATA_DIR": str(work / "data"),
            "JUPYTER_CONFIG_DIR": str(work / "config"),
            "JUPYTERLAB_SETTINGS_DIR": str(work / "settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(work / "workspaces"),
            "PYTHONPATH": str(ROOT),
        }
    )
    log = (work / "lab.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            f"--notebook-dir={work / 'notebooks'}",
            f"--port={port}",
            "--no-browser",
            "--allow-root",
            "--ServerApp.token=",
            "--ServerApp.password=",
            "--ServerApp.ip=127.0.0.1",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):  # waits on the server answering, not on a clock's reading
        try:
            urllib.request.urlopen(f"{url}/lab", timeout=2).read(1)
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"jupyter lab exited: {(work / 'lab.log').read_text()[-2000:]}")
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("jupyter lab did not answer")
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield url
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    """One Chromium and one browsing context for the module: the lessons share its HTTP cache,
    so JupyterLab's scripts are fetched and compiled once. Nothing a lesson shows comes from
    the context (the notebook and its outputs are read from the server each time)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        yield context
        context.close()
        chromium.close()


@pytest.fixture(scope="module")
def lab_page(jupyterlab, browser):
    """One JupyterLab tab for every lesson, as a learner keeps one open: each lesson is
    opened from it (File > Open from Path) and closed with its kernel shut down (File >
    Close and Shut Down Notebook) before the next. JupyterLab itself loads once (about 3 s of
    Chromium's time, not once a lesson)."""
    page = browser.new_page()
    # On a busy machine JupyterLab may ask which kernel to start (the notebook names
    # python3, which is there): answer as a learner would, with the one offered.
    page.add_locator_handler(
        page.locator(".jp-Dialog", has_text="Select Kernel"),
        lambda dialog: dialog.locator("button", has_text="Select").click(),
    )
    _load_lab(page, jupyterlab)
    yield page
    page.close()


def _load_lab(page, url: str) -> None:
    """JupyterLab in its own workspace, emptied (nothing restored from an earlier load)."""
    page.goto(f"{url}/lab/workspaces/browser-test?reset", timeout=120_000)
    page.locator(".lm-MenuBar-itemLabel", has_text="File").first.wait_for(timeout=120_000)


def _open(page, name: str) -> None:
    """Open a lesson as a learner can: File > Open from Path, its name, Enter."""
    _menu(page, "File", "Open from Path")
    page.locator(".jp-Dialog input").fill(name)
    page.keyboard.press("Enter")


def _close(page, url: str, name: str) -> None:
    """Close the lesson and shut its kernel down (JupyterLab leaves a kernel running when
    only its tab closes), so the lessons after it do not share the machine with idle labs.
    A page left broken by a failure is loaded again, so the next lesson starts clean."""
    from playwright.sync_api import Error

    try:
        page.keyboard.press("Escape")  # a menu or dialog a failure left open
        _menu(page, "File", "Close and Shut Down Notebook")
        page.locator(".jp-Dialog", has_text="Shut down the notebook").locator(
            "button.jp-mod-accept"
        ).click(timeout=30_000)
        page.wait_for_function(
            "() => document.querySelectorAll('.jp-NotebookPanel').length === 0",
            timeout=60_000,
        )
    except Error:  # a page that broke keeps the test's own failure
        _shut_down_kernel(page, name)
        _load_lab(page, url)


def _notebook_text(page) -> str:
    return page.locator(f"{PANEL} .jp-Notebook").inner_text()


def _menu(page, menu: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=menu).first.click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


def _run_all(page, timeout_s: float = 900) -> None:
    """Clear every output, Run All, and wait until every code cell shows its number again
    (none waiting "[ ]" or running "[*]")."""
    _menu(page, "Edit", "Clear Outputs of All Cells")
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll(
            '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-prompt'))
            .every(p => !/\\d/.test(p.textContent))""",
        timeout=60_000,
    )
    _menu(page, "Run", "Run All Cells")
    # Done when every code cell with code shows its number, or as soon as an error shows
    # (Run All stops there; the caller reports it). Read as textContent, which needs no
    # layout (innerText lays the notebook out at each poll).
    page.wait_for_function(
        """() => {
            const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            if (Array.from(panel.querySelectorAll(
                    '.jp-OutputArea-output[data-mime-type*="stderr"]'))
                    .some(o => o.textContent.includes('Traceback'))) return true;
            const cells = Array.from(panel.querySelectorAll('.jp-CodeCell'))
                .filter(c => c.querySelector('.jp-InputArea-editor').textContent.trim() !== '');
            return cells.length > 0 && cells.every(c => /\\[\\d+\\]/.test(
                c.querySelector('.jp-InputArea-prompt').textContent));
        }""",
        timeout=timeout_s * 1000,
        polling=100,
    )


def _errors(page) -> list[str]:
    found = page.locator(f"{PANEL} .jp-OutputArea-output[data-mime-type*='stderr']")
    texts = [found.nth(i).inner_text() for i in range(found.count())]
    return [t for t in texts if "Traceback" in t or "Error" in t]


def _watch_kernel(page, panel) -> None:
    """Start watching the notebook's kernel status (JupyterLab's toolbar indicator): once it
    has gone busy and back to idle, the kernel has handled what was sent since."""
    page.evaluate(
        """(panel) => {
            window.__kernelSettled = false;
            let busy = false;
            const notebook = panel.closest('.jp-NotebookPanel');
            if (window.__kernelWatch) window.__kernelWatch.disconnect();
            window.__kernelWatch = new MutationObserver(() => {
                const status = notebook.querySelector('.jp-Notebook-ExecutionIndicator');
                const now = status && status.getAttribute('data-status');
                if (now === 'busy') busy = true;
                if (busy && now === 'idle') window.__kernelSettled = true;
            });
            window.__kernelWatch.observe(notebook, {
                attributes: true, attributeFilter: ['data-status'], subtree: true,
                childList: true});
        }""",
        panel.element_handle(),
    )


def _changed(page, panel, before: str, timeout_ms: int, settle: bool = False) -> bool:
    """Whether the panel's text differs from ``before`` within ``timeout_ms``. With
    ``settle`` (after _watch_kernel), stop waiting once the kernel has handled the click and
    say whether the text changed by then: a click answered with the same view (Launch at the
    count already running) need not wait out the whole limit."""
    try:
        page.wait_for_function(
            """([el, before, settle]) => el.innerText !== before ||
                (settle && window.__kernelSettled === true)""",
            arg=[panel.element_handle(), before, settle],
            timeout=timeout_ms,
            polling=100,
        )
    except Exception:  # Playwright's TimeoutError
        return False
    # Settled: changed only if the text differs now (the kernel may have answered the click
    # with the very same view).
    return not settle or panel.inner_text() != before


def _settled(page, timeout_ms: int) -> bool:
    """Whether the kernel went back to idle (after _watch_kernel) within ``timeout_ms``."""
    try:
        page.wait_for_function("() => window.__kernelSettled === true", timeout=timeout_ms)
    except Exception:  # Playwright's TimeoutError
        return False
    return True


def _click_panels(page, name: str) -> tuple[int, list[str]]:
    """Click each panel's buttons (not Refresh) in turn, at most three, until one changes
    what it shows; a panel without buttons gets its first checkbox ticked. Returns how many
    panels were clicked and those that showed no change."""
    panels = page.locator(f"{PANEL} .jp-OutputArea-output:has(.jupyter-widgets)")
    unchanged: list[str] = []
    clicked = 0
    for i in range(panels.count()):
        panel = panels.nth(i)
        panel.scroll_into_view_if_needed()
        buttons = panel.locator("button.jupyter-button")
        labels = [buttons.nth(j).inner_text().strip() for j in range(buttons.count())]
        tries = [j for j, label in enumerate(labels) if label != "Refresh"][:3]
        if not tries and panel.locator("input[type=checkbox]").count() == 0:
            continue
        clicked += 1
        before = panel.inner_text()
        changed = False
        for n, j in enumerate(tries):
            last = n == len(tries) - 1
            _watch_kernel(page, panel)
            buttons.nth(j).click()
            # A click in the simulation answers in a second or two; the last try may run a
            # whole simulated day (lesson 08's panel), so it gets longer and waits for a
            # change, then for the kernel to finish (the panel's final view, not a "Running"
            # line). An earlier try moves on once the kernel has handled the click.
            if _changed(page, panel, before, 240_000 if last else 45_000, settle=not last):
                changed = not last or _settled(page, 240_000)
                break
        if not tries:
            panel.locator("input[type=checkbox]").first.click(force=True)
            changed = _changed(page, panel, before, 60_000)
        if not changed:
            unchanged.append(f"{name} panel {i}: {before[:120]!r}")
    return clicked, unchanged


def _shown_outputs(cells: list[dict]) -> int:
    """How many outputs JupyterLab shows for these stored cells: one per output, with a run
    of stream outputs to the same stream (stdout, stderr) shown as one."""
    shown = 0
    for cell in cells:
        stream = None
        for out in cell.get("outputs", []):
            if out["output_type"] == "stream" and out["name"] == stream:
                continue
            shown += 1
            stream = out["name"] if out["output_type"] == "stream" else None
    return shown


def _shut_down_kernel(page, name: str) -> None:
    """Shut the lesson's kernel down through the server's API (when the page cannot)."""
    from playwright.sync_api import Error

    with contextlib.suppress(Error):  # a page that broke keeps the test's own failure
        page.evaluate(
            """async (name) => {
                const xsrf = (document.cookie.match(/(?:^|; )_xsrf=([^;]*)/) || [])[1];
                const headers = xsrf ? {'X-XSRFToken': decodeURIComponent(xsrf)} : {};
                const sessions = await (await fetch('/api/sessions')).json();
                for (const s of sessions.filter(s => s.path === name || s.name === name)) {
                    await fetch(`/api/sessions/${s.id}`, {method: 'DELETE', headers});
                }
            }""",
            name,
        )


@pytest.mark.parametrize("name", LESSONS)
def test_a_lesson_renders_fresh_runs_clean_and_its_panels_answer(jupyterlab, lab_page, name):
    page = lab_page
    stem = name.removesuffix(".ipynb")
    try:
        _open(page, name)
        stored = json.loads((ROOT / "notebooks" / name).read_text())["cells"]
        # JupyterLab adds a notebook's cells a few at a time; wait until every stored cell
        # and output is on the page, then for the stored pictures (diagrams, plots) to
        # load as images, then read the page.
        page.wait_for_function(
            """([cells, outputs]) => {
                const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
                return panel !== null &&
                    panel.querySelectorAll('.jp-Cell').length >= cells &&
                    panel.querySelectorAll('.jp-Cell-outputArea > .jp-OutputArea-child' +
                        ' > .jp-OutputArea-output').length >= outputs;
            }""",
            arg=[len(stored), _shown_outputs(stored)],
            timeout=120_000,
            polling=100,
        )
        pictures = sum(
            "image/png" in out.get("data", {}) for c in stored for out in c.get("outputs", [])
        )
        if pictures:
            page.locator(f"{PANEL} .jp-OutputArea-output img").nth(pictures - 1).wait_for(
                timeout=120_000
            )
        page.screenshot(path=str(SHOTS / f"{stem}-fresh.png"))
        fresh = _notebook_text(page)
        shown = [s for s in NOT_RENDERED if s in fresh]
        assert not shown, f"{name} opened fresh shows {shown}"
        _run_all(page)
        page.screenshot(path=str(SHOTS / f"{stem}-run.png"))
        assert _errors(page) == [], f"{name}: error output after Run All"
        # Every picture fits the output area it is shown in (no sideways scrolling).
        too_wide = page.evaluate(
            """() => Array.from(document.querySelectorAll(
                '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output img'))
                .filter(i => i.getBoundingClientRect().width >
                             i.closest('.jp-OutputArea-output').clientWidth + 1)
                .map(i => decodeURIComponent(i.src).slice(0, 300))"""
        )
        assert too_wide == [], f"{name}: pictures wider than the notebook: {too_wide}"
        # Every stored picture is drawn again by the run (as SVG: a running kernel sends no
        # PNG), the panels' own pictures aside.
        drawn = page.locator(f"{PANEL} .jp-OutputArea-output.jp-RenderedSVG img").count()
        assert drawn >= pictures, f"{name}: {drawn} of {pictures} pictures drawn after Run All"
        after = _notebook_text(page)
        assert "This Lab is closed" not in after
        clicked, unchanged = _click_panels(page, name)
        page.screenshot(path=str(SHOTS / f"{stem}-clicked.png"), full_page=False)
        assert unchanged == [], unchanged
        stored = (ROOT / "notebooks" / name).read_text()
        if "application/vnd.jupyter.widget-view+json" in stored:
            assert clicked > 0, f"{name}: no panel found to click"
        assert "This Lab is closed" not in _notebook_text(page)
    finally:
        _close(page, jupyterlab, name)
