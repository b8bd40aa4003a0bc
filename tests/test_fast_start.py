"""tests/fast_start.py's collection order: on a fresh checkout, every xdist worker but the
first collects only once the first has (so pytest rewrites each test module's asserts once);
on a warm one nobody waits. The hook is driven here as pytest drives it (a hook wrapper:
the code before its ``yield`` runs before collecting, the rest after)."""

import threading
from pathlib import Path
from types import SimpleNamespace

from tests import fast_start


def _session(root: Path, worker: str, run: str):
    config = SimpleNamespace(rootpath=root, workerinput={"workerid": worker, "testrunuid": run})
    return SimpleNamespace(config=config)


def _project(tmp_path: Path, rewritten: bool) -> Path:
    tests = tmp_path / "tests"
    (tests / "__pycache__").mkdir(parents=True)
    for name in ("test_a", "test_b"):
        (tests / f"{name}.py").write_text("def test_one():\n    pass\n")
        if rewritten:
            (tests / "__pycache__" / f"{name}.cpython-311-pytest-9.2.0.pyc").write_bytes(b"")
    return tmp_path


def _collect(session, collected: threading.Event, done: list) -> None:
    hook = fast_start.pytest_collection(session)
    next(hook)  # waits here, if it is to wait
    done.append(session.config.workerinput["workerid"])
    collected.wait(30)  # "collecting" until told to finish
    next(hook, None)


def test_on_a_fresh_checkout_the_second_worker_collects_after_the_first(tmp_path):
    root = _project(tmp_path, rewritten=False)
    run = f"fresh-{id(tmp_path)}"
    done: list[str] = []
    first_done, second_done = threading.Event(), threading.Event()
    second = threading.Thread(target=_collect, args=(_session(root, "gw1", run), second_done, done))
    second.start()
    second.join(0.3)
    assert done == []  # still waiting: the first has not collected
    first = threading.Thread(target=_collect, args=(_session(root, "gw0", run), first_done, done))
    first.start()
    for _ in range(300):  # until the first is collecting (a wait on the thread, not a clock)
        if done:
            break
        first.join(0.1)
    assert done == ["gw0"]  # the first collects; the second still waits for it to finish
    first_done.set()
    first.join(30)
    for _ in range(300):  # the second now collects (a wait on the thread, not a clock)
        if len(done) == 2:
            break
        second.join(0.1)
    assert done == ["gw0", "gw1"]
    second_done.set()
    second.join(30)
    fast_start.pytest_unconfigure(_session(root, "gw0", run).config)
    assert not fast_start._collected_marker(_session(root, "gw0", run).config).exists()


def test_on_a_warm_checkout_nobody_waits(tmp_path):
    root = _project(tmp_path, rewritten=True)
    done: list[str] = []
    never = threading.Event()
    never.set()
    _collect(_session(root, "gw1", f"warm-{id(tmp_path)}"), never, done)
    assert done == ["gw1"]  # collected with no first worker at all


def test_outside_xdist_the_hook_does_nothing(tmp_path):
    session = SimpleNamespace(config=SimpleNamespace(rootpath=_project(tmp_path, False)))
    hook = fast_start.pytest_collection(session)
    next(hook)
    next(hook, None)
    assert fast_start._collected_marker(session.config) is None
