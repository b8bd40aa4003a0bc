"""The README's setup (``make lab`` / ``make test`` make ``.venv`` first), run for real with a
stand-in ``uv`` on PATH, so no package is downloaded: the Python probe is quiet under pyenv's
shims, uv is used when present, the installers' output goes to a log, a failure shows that
log's end and leaves no stamp, and ``make lab`` opens the first lesson."""

from __future__ import annotations

import importlib.util
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _setup_module():
    spec = importlib.util.spec_from_file_location("setup_venv", ROOT / "scripts" / "setup_venv.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _script(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


# What pyenv's shim prints for a version that is installed but not selected.
PYENV_NOISE = 'echo "pyenv: $(basename "$0"): command not found" >&2; exit 127\n'


@pytest.fixture
def fake_path(tmp_path):
    """A PATH whose python3 and python3.13 are pyenv shims that fail noisily, whose
    python3.12 is this interpreter, and whose uv records its calls and makes the venv."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _script(bin_dir / "python3", PYENV_NOISE)
    _script(bin_dir / "python3.13", PYENV_NOISE)
    (bin_dir / "python3.12").symlink_to(sys.executable)
    calls = tmp_path / "uv-calls.txt"
    _script(
        bin_dir / "uv",
        f'echo "$*" >> {calls}\n'
        'if [ "$1" = venv ]; then for last; do :; done; mkdir -p "$last/bin"; fi\n'
        'if [ "$1" = pip ]; then echo "Resolved 3 packages in 10ms"; '
        'echo " + boto3==1.35.0"; echo "Installed 3 packages in 5ms"; '
        # The installed `jupyter` says how it was called.
        'bin="$(dirname "$4")"; printf \'#!/bin/sh\\necho jupyter "$@"\\n\' > "$bin/jupyter"; '
        'chmod +x "$bin/jupyter"; '
        # ... and two installed modules, one of them not Python this interpreter compiles.
        'site="$bin/../lib/site-packages"; mkdir -p "$site"; echo "x = 1" > "$site/made.py"; '
        'echo "def (" > "$site/template.py"; fi\n'
        '[ -n "$UV_FAIL" ] && { echo "error: no solution for moto"; exit 1; }\n'
        "exit 0\n",
    )
    # Only the tools the recipe and the stand-ins use: no other Python on this PATH.
    tools = tmp_path / "tools"
    tools.mkdir()
    for tool in ("sh", "bash", "mkdir", "basename", "dirname", "chmod", "touch", "make", "id"):
        found = shutil.which(tool)
        assert found, tool
        (tools / tool).symlink_to(found)
    return bin_dir, calls, f"{bin_dir}:{tools}"


def _make(target: str, venv: Path, path: str, **env: str) -> subprocess.CompletedProcess:
    # Not the calling make's flags either (`make test` runs these tests).
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWSCONTAINERS_") and k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")
    }
    environ.update(PATH=path, **env)
    environ.pop("PYTHON", None)
    return subprocess.run(
        [str(shutil.which("make")), "--no-print-directory", target, f"VENV={venv}"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_make_venv_uses_uv_quietly_under_pyenv(tmp_path, fake_path):
    _, calls, path = fake_path
    venv = tmp_path / "venv"
    done = _make("venv", venv, path)
    assert done.returncode == 0, done.stdout + done.stderr
    # The probe skipped the failing shims without letting them speak.
    assert "pyenv" not in done.stdout + done.stderr
    assert done.stderr == ""
    version = ".".join(map(str, sys.version_info[:3]))
    assert f"with Python {version}" in done.stdout and "and uv" in done.stdout
    assert "uv pip install: installed 3 packages" in done.stdout
    # The installer's own lines go to the log, not the screen.
    assert "boto3==1.35.0" not in done.stdout
    assert "boto3==1.35.0" in (venv / "install.log").read_text()
    venv_call, install_call = calls.read_text().splitlines()
    assert venv_call.startswith("venv --seed --allow-existing --python ")
    assert venv_call.endswith(str(venv))
    assert install_call == f"pip install --python {venv}/bin/python -e .[dev]"
    assert (venv / ".installed-stamp").exists()
    # The developer's set is compiled to bytecode in setup; a module that does not compile
    # is left to Python, and setup still succeeds.
    assert "bytecode: done" in done.stdout
    cache = venv / "lib" / "site-packages" / "__pycache__"
    assert [p.name.split(".")[0] for p in cache.glob("*.pyc")] == ["made"]
    # Nothing to do the second time: make says nothing at all.
    again = _make("venv", venv, path)
    assert again.returncode == 0 and again.stdout.strip() == "" and again.stderr == ""
    assert len(calls.read_text().splitlines()) == 2


def test_a_failed_install_shows_the_logs_end_and_leaves_no_stamp(tmp_path, fake_path):
    _, _, path = fake_path
    venv = tmp_path / "venv"
    done = _make("venv", venv, path, UV_FAIL="1")
    assert done.returncode != 0
    assert "uv venv failed (exit 1)" in done.stderr
    assert "error: no solution for moto" in done.stderr
    assert not (venv / ".installed-stamp").exists()


def test_no_python_says_what_to_install(tmp_path, fake_path):
    bin_dir, _, path = fake_path
    (bin_dir / "python3.12").unlink()
    done = _make("venv", tmp_path / "venv", path)
    assert done.returncode != 0
    assert "needs Python 3.10 or newer" in done.stdout
    assert "pyenv" not in done.stdout + done.stderr


def test_make_lab_installs_the_lab_set_and_opens_the_first_lesson(tmp_path, fake_path):
    _, calls, path = fake_path
    venv = tmp_path / "venv"
    done = _make("lab", venv, path, LAB_ARGS="--no-browser")
    assert done.returncode == 0, done.stdout + done.stderr
    assert calls.read_text().splitlines()[1] == f"pip install --python {venv}/bin/python -e .[lab]"
    assert "bytecode" not in done.stdout  # the lab set is not compiled ahead
    jupyter = done.stdout.splitlines()[-1]
    assert jupyter.startswith("jupyter lab --notebook-dir=notebooks")
    assert "--LabApp.default_url=/lab/tree/00-start-here.ipynb --no-browser" in jupyter
    # Without the classic-notebook shim, which warns at every start.
    assert "--ServerApp.jpserver_extensions={'notebook_shim': False}" in jupyter
    assert (ROOT / "notebooks" / "00-start-here.ipynb").exists()
    # The developer's set comes on top when a developer's target needs it.
    assert _make("venv", venv, path).returncode == 0
    assert calls.read_text().splitlines()[3] == f"pip install --python {venv}/bin/python -e .[dev]"
    # ... after which `make lab` installs nothing more.
    again = _make("lab", venv, path, LAB_ARGS="--no-browser")
    assert again.returncode == 0 and "Setting up" not in again.stdout
    assert len(calls.read_text().splitlines()) == 4


def test_pip_is_the_fallback_without_uv(tmp_path):
    setup = _setup_module()
    assert setup.installer({"PATH": str(tmp_path)}) == "pip"
    steps = setup.commands("pip", "python3", Path(".venv"), ".[dev]")
    assert [title for title, _ in steps] == ["venv", "pip install"]
    assert "-q" not in steps[1][1]


def test_setup_refuses_an_unknown_option(tmp_path, capsys):
    setup = _setup_module()
    assert setup.main(["setup_venv.py", str(tmp_path / "v"), ".[dev]", "--bytcode"]) == 2
    assert "unknown option --bytcode" in capsys.readouterr().out
    assert not (tmp_path / "v").exists()  # refused before anything was made


def test_progress_follows_pips_output():
    setup = _setup_module()
    progress = setup.Progress()
    assert progress.status() == "working"
    for line in [
        "Obtaining file:///work/awscontainers",
        "Collecting boto3>=1.35",
        "  Downloading boto3-1.35.0-py3-none-any.whl (139 kB)",
        "Collecting moto==5.2.5",
        "  Using cached moto-5.2.5-py3-none-any.whl (4.5 MB)",
    ]:
        progress.feed(line)
    assert progress.status() == "resolving: 3 packages so far (2 downloaded)"
    progress.feed("Installing collected packages: boto3, moto, awscontainers")
    assert progress.status() == "installing 3 packages"
    progress.feed("Successfully installed awscontainers-0.1.0 boto3-1.35.0 moto-5.2.5")
    assert progress.status() == "installed 3 packages"


def _ci_python(tmp_path: Path, **env: str) -> str:
    """What .ci/python prints (the Python .ci/run makes .venv with), in ``env`` alone."""
    done = subprocess.run(
        [str(ROOT / ".ci" / "python")],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout.strip()


def test_ci_makes_its_venv_with_the_system_python_when_it_can(tmp_path):
    # A system Python of 3.10 or newer that can make a venv (this one) is chosen.
    assert _ci_python(tmp_path, SYSTEM_PYTHON=sys.executable) == sys.executable
    # The caller's PYTHON always wins.
    assert _ci_python(tmp_path, SYSTEM_PYTHON=sys.executable, PYTHON="python3.12") == "python3.12"
    # No system Python, one too old, or one without venv (Debian's without python3-venv):
    # nothing, so make finds one on PATH. The stand-ins run the probe in this Python, as 3.9
    # or with ensurepip missing.
    old, no_venv = tmp_path / "python3.9", tmp_path / "python3-no-venv"
    for stand_in, before in (
        (old, "sys.version_info = (3, 9, 18)"),
        (no_venv, "sys.modules['ensurepip'] = None"),
    ):
        _script(
            stand_in, f'exec "{sys.executable}" -c "import sys; {before}; exec(sys.argv[1])" "$2"\n'
        )
    for system in (tmp_path / "missing", old, no_venv):
        assert _ci_python(tmp_path, SYSTEM_PYTHON=str(system)) == ""
