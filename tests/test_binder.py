"""Binder, checked without Docker: repo2docker (the builder Binder runs) reads binder/ and
writes the build it would run (``--no-build``), which must install the package with Voila and
the widgets extension; and the README's badges come from pyproject's one binder table."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.fast_start import server_env

ROOT = Path(__file__).resolve().parent.parent
REPO2DOCKER = shutil.which("repo2docker") or str(Path(sys.executable).parent / "repo2docker")


def _badge_module():
    spec = importlib.util.spec_from_file_location(
        "binder_badge", ROOT / "scripts" / "binder_badge.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def dockerfile() -> str:
    """What repo2docker would build for this repository, as Binder does it (user jovyan,
    uid 1000); no Docker daemon is needed with --no-build."""
    assert Path(REPO2DOCKER).exists(), "repo2docker is a dev dependency: make venv installs it"
    done = subprocess.run(
        [
            REPO2DOCKER,
            "--no-build",
            "--no-run",
            "--debug",
            "--user-id",
            "1000",
            "--user-name",
            "jovyan",
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout + done.stderr


def test_repo2docker_picks_up_binder_and_its_python(dockerfile):
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    version = runtime.removeprefix("python-")
    assert f"Building conda environment for python={version}" in dockerfile
    assert "FROM " in dockerfile and "ENTRYPOINT" in dockerfile


def test_the_build_installs_binder_requirements_from_the_repository_root(dockerfile):
    installs = re.findall(r"^RUN .*pip install.*$", dockerfile, re.MULTILINE)
    # One pip step, and it is ours: binder/ wins over anything at the root.
    assert installs == [
        'RUN ${KERNEL_PYTHON_PREFIX}/bin/pip install --no-cache-dir -r "binder/requirements.txt"'
    ]
    assert "WORKDIR ${REPO_DIR}" in dockerfile
    # The repository is copied owned by the learner, so `-e .` can write its metadata.
    assert "COPY --chown=1000:1000 src/ ${REPO_DIR}/" in dockerfile


def _requirement_lines() -> list[str]:
    lines = (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _closure(root: Requirement) -> set[str]:
    """The distributions a requirement installs, from this environment's metadata (the
    packages Binder's pip would resolve for it)."""
    seen: set[str] = set()
    todo = [(root, set(root.extras))]
    while todo:
        req, extras = todo.pop()
        name = req.name.lower().replace("_", "-")
        key = name + "[" + ",".join(sorted(extras)) + "]"
        if key in seen:
            continue
        seen.add(key)
        for text in metadata.requires(req.name) or []:
            child = Requirement(text)
            if child.marker is None or any(
                child.marker.evaluate({"extra": extra}) for extra in (extras or {""})
            ):
                todo.append((child, set(child.extras)))
    return {key.split("[")[0] for key in seen}


def test_binder_installs_the_package_with_voila_and_the_widgets_extension():
    lines = _requirement_lines()
    assert lines == ["-e .[lab,app]"]
    package = Requirement("awscontainers" + lines[0].removeprefix("-e ."))
    assert {"lab", "app"} <= package.extras
    installed = _closure(package)
    assert {"awscontainers", "voila", "jupyterlab", "ipywidgets", "jupyterlab-widgets"} <= installed
    # jupyterlab_widgets is the JupyterLab extension that draws the panels.
    files = [str(f) for f in metadata.files("jupyterlab_widgets") or []]
    assert any("labextensions/@jupyter-widgets/jupyterlab-manager/package.json" in f for f in files)


def test_readme_badges_come_from_pyproject():
    badge = _badge_module()
    assert badge.main(["--check"]) == 0
    binder = badge.config(ROOT / "pyproject.toml")
    if sys.version_info >= (3, 11):
        import tomllib

        data = tomllib.loads((ROOT / "pyproject.toml").read_text())
        assert binder == data["tool"]["awscontainers"]["binder"]
    readme = (ROOT / "README.md").read_text()
    assert badge.urls(binder)["lab"] in readme and badge.urls(binder)["app"] in readme
    for key in ("lab", "app"):
        assert (ROOT / binder[key]).exists(), binder[key]


def test_setting_the_repository_rewrites_pyproject_and_the_badges(tmp_path):
    badge = _badge_module()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    assert badge.main(["--repository", "alice/aws-lab", "--ref", "main"], root=tmp_path) == 0
    binder = badge.config(tmp_path / "pyproject.toml")
    assert binder["repository"] == "alice/aws-lab" and binder["ref"] == "main"
    readme = (tmp_path / "README.md").read_text()
    assert "mybinder.org/v2/gh/alice/aws-lab/main?urlpath=lab/tree/notebooks/" in readme
    assert "mybinder.org/v2/gh/alice/aws-lab/main?urlpath=voila/render/app/chooser.ipynb" in readme
    assert "awscontainers/awscontainers" not in readme.split("<!-- binder-badges -->")[1][:600]
    # Everything else in pyproject is as it was.
    before = (ROOT / "pyproject.toml").read_text().splitlines()
    after = (tmp_path / "pyproject.toml").read_text().splitlines()
    assert [a for a, b in zip(before, after, strict=True) if a != b] == [
        'repository = "awscontainers/awscontainers"  # a placeholder until the repository is '
        "published",
        'ref = "HEAD"',
    ]
    assert badge.main(["--check"], root=tmp_path) == 0


@pytest.mark.parametrize(
    "args",
    [
        ["--repository", "alice"],
        ["--repository", "alice/aws lab"],
        ["--repository", "/x"],
        ["--repository", "a/b/c"],
        ["--repository", "a/b\nrepository"],
        ["--repository", "a/b", "--ref", 'main"'],
        ["--repository", "a/b", "--ref", "-x"],
    ],
)
def test_a_bad_repository_or_ref_changes_nothing(tmp_path, args):
    badge = _badge_module()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    with pytest.raises(SystemExit):
        badge.main(args, root=tmp_path)
    assert (tmp_path / "pyproject.toml").read_text() == (ROOT / "pyproject.toml").read_text()


def test_repo2docker_runs_binder_start_first(dockerfile):
    assert 'ENV R2D_ENTRYPOINT="${REPO_DIR}/binder/start"' in dockerfile


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_binder_serves_the_app_with_its_own_template():
    """Through binder/start, as Binder starts the server: Voila renders app/chooser.ipynb with
    the app's template (as `make app` does), which loads no stylesheet from a CDN."""
    import os
    import time
    import urllib.request

    port = _free_port()
    jupyter = str(Path(sys.executable).parent / "jupyter")
    env = server_env({**os.environ, "REPO_DIR": str(ROOT), "PYTHONPATH": str(ROOT)})
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    server = subprocess.Popen(
        [
            "bash",
            str(ROOT / "binder" / "start"),
            jupyter,
            "server",
            "--no-browser",
            f"--port={port}",
            "--ip=127.0.0.1",
            "--allow-root",
            "--IdentityProvider.token=t",
            f"--ServerApp.root_dir={ROOT}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/voila/render/app/chooser.ipynb?token=t"
        page = None
        for _ in range(240):  # the server starts, then Voila runs the notebook
            try:
                with urllib.request.urlopen(url, timeout=120) as response:
                    page = response.read().decode()
                break
            except OSError:
                time.sleep(0.5)
        assert page is not None, "no Voila page from the server binder/start started"
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    assert "Which way to run your containers on AWS?" in page  # the app's first heading
    # Voila's default template would fetch its icon font's stylesheets from a CDN.
    assert not re.findall(r"<link[^>]*://", page)
