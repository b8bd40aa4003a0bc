"""How long each lesson takes to run, and how much memory its kernel needs at most.

    .venv/bin/python benchmarks/lesson_times.py            # every notebook in notebooks/
    .venv/bin/python benchmarks/lesson_times.py 02 07      # those whose names start so

Runs each notebook top to bottom in a fresh kernel with nbclient (as Run All does, and as
``jupyter nbconvert --execute`` would), and prints the kernel's start, the cells' run time and
the kernel's peak resident memory (Linux's VmHWM): the figures docs/workshop.md plans a
session and sizes a JupyterHub learner's server with. Nothing is written back.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident set size so far, in MiB (Linux only; NaN elsewhere)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return float("nan")
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(path: Path) -> tuple[float, float, float, int]:
    """Kernel start seconds, cells seconds, kernel peak MiB, code cells run."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    started = time.perf_counter()
    with client.setup_kernel():
        ready = time.perf_counter()
        code = 0
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                client.execute_cell(cell, index)
                code += 1
        done = time.perf_counter()
        pid = client.km.provisioner.process.pid
        peak = peak_rss_mib(pid)
    return ready - started, done - ready, peak, code


def main(prefixes: list[str]) -> int:
    paths = sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))
    if prefixes:
        paths = [p for p in paths if any(p.name.startswith(x) for x in prefixes)]
    print("| notebook | code cells | kernel start (s) | Run All (s) | kernel peak RSS (MiB) |")
    print("|---|---|---|---|---|")
    for path in paths:
        start, cells, peak, code = run(path)
        print(f"| {path.stem} | {code} | {start:.1f} | {cells:.1f} | {peak:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
