"""Make the project's virtual environment: ``python scripts/setup_venv.py .venv '.[dev]'``.

With ``--bytecode`` (``make venv``, the developer's set) it then compiles every installed
module's bytecode, in parallel on every core, as pip does by default one module at a time: the
test run's first processes (its workers, the lessons' kernels, the servers it starts) then read
bytecode instead of each compiling the same modules again. ``make lab`` skips it: Python
writes bytecode for the modules the lessons import, when they first import them.

``make`` runs it (the ``.venv`` stamp) with the Python it found. With ``uv`` on PATH it uses
``uv venv`` and ``uv pip install`` (several times faster); otherwise ``venv`` and ``pip``.
It prints one line a step and a running count of packages, never the installers' full
output: that goes to ``VENV/install.log``, and its end is printed only when something fails.
``AWSCONTAINERS_INSTALLER=pip`` (or ``uv``) chooses the installer. Standard library only, and
Python 3.10 compatible: it runs before anything is installed.
"""

from __future__ import annotations

import compileall
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

#: How often a non-interactive run (CI, a log) says it is still busy, in seconds.
HEARTBEAT_SECONDS = 30


class Progress:
    """Reads an installer's output line by line and keeps what is worth showing: the phase
    (resolving, downloading, installing) and how many packages it has met so far.

    >>> p = Progress()
    >>> for line in ["Collecting boto3>=1.35", "  Downloading boto3-1.35.whl (139 kB)",
    ...              "Collecting botocore", "Installing collected packages: botocore, boto3"]:
    ...     p.feed(line)
    >>> p.status()
    'installing 2 packages'
    >>> Progress().status()
    'working'
    >>> q = Progress()
    >>> q.feed("Resolved 151 packages in 1.20s")
    >>> q.status()
    'resolved 151 packages'
    """

    def __init__(self) -> None:
        self.found = 0
        self.downloads = 0
        self.phase = "resolving"
        self.summary: list[str] = []

    def feed(self, line: str) -> None:
        text = line.strip()
        if text.startswith("Collecting ") or text.startswith("Obtaining "):
            self.found += 1
        elif text.startswith("Downloading ") or text.startswith("Using cached "):
            self.downloads += 1
        elif text.startswith("Installing collected packages:"):
            self.phase = "installing"
            self.found = max(self.found, len(text.split(":", 1)[1].split(",")))
        elif text.startswith("Successfully installed"):
            self.phase = "installed"
        # uv's own summary lines ("Resolved 151 packages in 1.2s", "Prepared ...",
        # "Installed ..."): each one is a step done.
        match = re.match(r"(Resolved|Prepared|Installed|Audited) (\d+) packages?", text)
        if match:
            self.phase = match.group(1).lower()
            self.found = int(match.group(2))
            self.summary.append(text)

    def status(self) -> str:
        if self.phase == "resolving" and not self.found:
            return "working"
        if self.phase == "resolving":
            return f"resolving: {self.found} packages so far ({self.downloads} downloaded)"
        return f"{self.phase} {self.found} packages"


def _run(cmd: list[str], log: Path, title: str, interactive: bool) -> None:
    """Run ``cmd`` with its output in ``log``; show a live status line, or on failure the
    log's last lines and exit."""
    progress = Progress()
    started = time.monotonic()
    done = threading.Event()
    shown_text, shown_at = "", started

    def show(final: bool = False) -> None:
        nonlocal shown_text, shown_at
        elapsed = time.monotonic() - started
        status = progress.status()
        if final and status == "working":
            status = "done"
        text = f"  {title}: {status} ({elapsed:.0f} s)"
        if interactive:
            sys.stdout.write("\r" + text.ljust(len(shown_text)) + ("\n" if final else ""))
            sys.stdout.flush()
            shown_text = text
        elif text.split(" (")[0] != shown_text.split(" (")[0]:
            print(text, flush=True)
            shown_text = text
            shown_at = time.monotonic()

    def tick() -> None:
        nonlocal shown_at
        # pip prints nothing while it installs: keep the clock moving so nobody thinks it hung
        # (a line each HEARTBEAT_SECONDS without news, when the output is not a terminal).
        while not done.wait(1.0):
            if interactive:
                show()
            elif time.monotonic() - shown_at >= HEARTBEAT_SECONDS:
                print(
                    f"  {title}: still {progress.status()} ({time.monotonic() - started:.0f} s)",
                    flush=True,
                )
                shown_at = time.monotonic()

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(cmd)}\n")
        out.flush()
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            out.write(line)
            before = progress.phase
            progress.feed(line)
            if not interactive and progress.phase != before:
                show()
        code = proc.wait()
    done.set()
    ticker.join()
    if code != 0:
        if interactive:
            sys.stdout.write("\n")
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        print(f"{title} failed (exit {code}); the end of {log}:", file=sys.stderr)
        print("\n".join("  " + line for line in lines[-40:]), file=sys.stderr)
        sys.exit(code)
    show(final=True)


def installer(env: dict[str, str] | None = None) -> str:
    """``"uv"`` when uv is on PATH (or asked for), else ``"pip"``.

    >>> installer({"AWSCONTAINERS_INSTALLER": "pip"})
    'pip'
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    wanted = environ.get("AWSCONTAINERS_INSTALLER", "").strip().lower()
    if wanted in ("pip", "uv"):
        return wanted
    return "uv" if shutil.which("uv", path=environ.get("PATH")) else "pip"


def commands(tool: str, python: str, venv: Path, spec: str) -> list[tuple[str, list[str]]]:
    """The steps that make ``venv`` and install ``spec`` into it, titled.

    >>> [title for title, _ in commands("uv", "python3", Path(".venv"), ".[dev]")]
    ['uv venv', 'uv pip install']
    >>> commands("pip", "python3", Path(".venv"), ".[dev]")[1][1][-2:]
    ['-e', '.[dev]']
    """
    venv_python = str(venv / "bin" / "python")
    if tool == "uv":
        return [
            # --seed puts pip in the venv too, so `.venv/bin/pip install ...` works later.
            (
                "uv venv",
                ["uv", "venv", "--seed", "--allow-existing", "--python", python, str(venv)],
            ),
            ("uv pip install", ["uv", "pip", "install", "--python", venv_python, "-e", spec]),
        ]
    return [
        ("venv", [python, "-m", "venv", str(venv)]),
        (
            "pip install",
            # --no-compile: no bytecode now for every module of every package (as uv does);
            # Python writes it for the modules a command imports, when it first imports them.
            [
                *(venv_python, "-m", "pip", "install", "--disable-pip-version-check"),
                *("--no-compile", "-e", spec),
            ],
        ),
    ]


def compile_bytecode(venv: Path) -> bool:
    """Write the bytecode of every module under ``venv/lib`` (its site-packages), on every
    core. Best effort: a module that does not compile (a package's template or test data
    written for another Python) is left to Python, which reports it if it is ever imported.
    This interpreter made ``venv``, so the bytecode is for the venv's Python."""
    return compileall.compile_dir(venv / "lib", quiet=2, workers=0)


def main(argv: list[str]) -> int:
    flags = {a for a in argv[1:] if a.startswith("--")}
    args = [argv[0], *(a for a in argv[1:] if not a.startswith("--"))]
    unknown = flags - {"--bytecode"}
    if unknown:
        print(f"setup_venv.py: unknown option {sorted(unknown)[0]}; the one option is --bytecode")
        return 2
    venv = Path(args[1] if len(args) > 1 else ".venv")
    spec = args[2] if len(args) > 2 else ".[dev]"
    tool = installer()
    started = time.monotonic()
    version = ".".join(map(str, sys.version_info[:3]))
    print(
        f"Setting up {venv} with Python {version} ({sys.executable}) and {tool}; "
        f"the installers' output goes to {venv}/install.log",
        flush=True,
    )
    venv.mkdir(parents=True, exist_ok=True)
    log = venv / "install.log"
    log.write_text("", encoding="utf-8")
    interactive = sys.stdout.isatty()
    for title, cmd in commands(tool, sys.executable, venv, spec):
        _run(cmd, log, title, interactive)
    if "--bytecode" in flags:
        begun = time.monotonic()
        compile_bytecode(venv)
        print(f"  bytecode: done ({time.monotonic() - begun:.0f} s)", flush=True)
    hint = "" if tool == "uv" else " (with uv on PATH it is several times faster)"
    print(f"{venv} is ready in {time.monotonic() - started:.0f} s{hint}.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
