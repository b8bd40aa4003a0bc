"""The chooser as a Voila app, in a real browser: headless Debian Chromium driven by
Playwright, with the Voila server started by the test itself."""

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from awscontainers.server import free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "07-compare-and-choose.ipynb"
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

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)


@pytest.fixture(scope="module")
def app_url():
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "voila",
            str(NOTEBOOK),
            "--no-browser",
            f"--port={port}",
            "--Voila.ip=127.0.0.1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read(1)
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"voila exited with {process.returncode}")
            time.sleep(0.25)
    else:
        process.kill()
        pytest.fail("voila did not answer within 60 s")
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_changing_the_workload_changes_the_cost_table(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page()
            page.goto(app_url, timeout=90_000)
            table = page.locator("table.awscontainers-costs").first
            table.wait_for(timeout=90_000)
            before = table.inner_text()
            assert "ECS on Fargate" in before and "not possible" not in before
            page.get_by_text("needs the Kubernetes API").first.click()
            page.wait_for_function(
                "() => document.querySelector('table.awscontainers-costs')"
                ".innerText.includes('not possible')",
                timeout=30_000,
            )
            after = table.inner_text()
            assert after != before
            assert "not possible" in after
        finally:
            browser.close()
