"""Seconds from a fresh clone to JupyterLab serving the first lesson, as a participant does it.

    python benchmarks/fresh_clone.py --installer pip          # venv + pip
    python benchmarks/fresh_clone.py --installer uv           # uv (must be on PATH)
    python benchmarks/fresh_clone.py --installer uv --warm    # with the installer's cache

Clones this repository (its committed HEAD, or --branch) into a temporary folder, runs
``make lab`` there, and stops the clock when JupyterLab answers for
``notebooks/00-start-here.ipynb`` (the contents API and the lab page, with the server's token).
By default the installer's download cache starts empty, as on a fresh machine. Then it stops
JupyterLab and removes the clone (unless --keep).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LESSON = "00-start-here.ipynb"
TIMEOUT_SECONDS = 900


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--installer", choices=("pip", "uv"), required=True)
    parser.add_argument("--branch", default=None, help="branch to clone (default: HEAD's)")
    parser.add_argument("--source", default=str(ROOT), help="repository to clone")
    parser.add_argument("--warm", action="store_true", help="keep the installer's cache")
    parser.add_argument("--keep", action="store_true", help="keep the clone")
    args = parser.parse_args()
    branch = (
        args.branch
        or subprocess.run(
            ["git", "-C", args.source, "rev-parse", "--abbrev-ref", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    where = Path(tempfile.mkdtemp(prefix="awsc-clone-"))
    env = dict(os.environ, AWSCONTAINERS_INSTALLER=args.installer)
    if not args.warm:
        # An empty download cache of its own, as on a machine that never installed these.
        cache = Path(tempfile.mkdtemp(prefix="awsc-cache-"))
        env["PIP_CACHE_DIR"] = str(cache / "pip")
        env["UV_CACHE_DIR"] = str(cache / "uv")
    port = free_port()
    log = where.with_suffix(".log")
    started = time.monotonic()
    subprocess.run(["git", "clone", "-q", "--branch", branch, args.source, str(where)], check=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["make", "lab", f"PORT={port}", "LAB_ARGS=--no-browser"],
            cwd=where,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    installed = None
    try:
        while True:
            if proc.poll() is not None:
                print(log.read_text()[-3000:])
                print(f"make lab exited with {proc.returncode}", file=sys.stderr)
                return 1
            if time.monotonic() - started > TIMEOUT_SECONDS:
                print(f"no lab after {TIMEOUT_SECONDS} s; see {log}", file=sys.stderr)
                return 1
            text = log.read_text(errors="replace")
            if installed is None and "is ready in" in text:
                installed = time.monotonic() - started
            token = re.search(rf"127\.0\.0\.1:{port}/\S*token=(\w+)", text)
            if token:
                base = f"http://127.0.0.1:{port}"
                query = f"?token={token.group(1)}"
                if answers(f"{base}/api/contents/{LESSON}{query}") and answers(
                    f"{base}/lab/tree/{LESSON}{query}"
                ):
                    break
            time.sleep(0.5)
        total = time.monotonic() - started
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    how = "warm cache" if args.warm else "empty cache"
    setup = [line for line in log.read_text().splitlines() if not line.startswith("[")]
    # Cleaned up before printing, so that a closed pipe (`| head -1`) leaves nothing behind.
    if not args.keep:
        subprocess.run(["rm", "-rf", str(where), str(log)], check=False)
    if not args.warm:
        subprocess.run(["rm", "-rf", str(Path(env["PIP_CACHE_DIR"]).parent)], check=False)
    print(
        f"{args.installer} ({how}): {total:.0f} s from clone to JupyterLab serving {LESSON}"
        f" (environment ready at {installed or float('nan'):.0f} s)"
    )
    print("setup output:")
    print("\n".join("  " + line for line in setup[:12]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
