"""awscontainers.collector at a process's exit: once a lab has been made, the process exits
with what it holds frozen out of the cycle collector's reach (Python's last collections
walked moto's and botocore's objects for half a second or more), after every other exit
handler has run; a process that made no lab exits as Python always does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_SCRIPT = """
import atexit, gc, sys
sys.path.insert(0, {root!r})
# Registered first, so it runs last (atexit runs the last registered first).
atexit.register(lambda: print("frozen at the very end:", gc.get_freeze_count() > 0))
{body}
print("frozen while running:", gc.get_freeze_count() > 0)
"""

_LAB = """
from awscontainers import Lab
with Lab() as lab:
    lab.ecs.create_cluster(clusterName="web")
# A handler registered after the lab's: it runs before the freeze, and what it writes is
# written in full.
atexit.register(lambda: open({out!r}, "w").write("written at exit\\n" * 1000))
"""


def _run(body: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT.format(root=str(ROOT), body=body)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout.splitlines()


def test_a_process_that_made_a_lab_exits_with_its_objects_frozen(tmp_path):
    out = tmp_path / "at-exit.txt"
    assert _run(_LAB.format(out=str(out))) == [
        "frozen while running: False",
        "frozen at the very end: True",
    ]
    assert out.read_text() == "written at exit\n" * 1000


def test_a_process_that_made_no_lab_exits_as_python_does():
    assert _run("import awscontainers.costs") == [
        "frozen while running: False",
        "frozen at the very end: False",
    ]
