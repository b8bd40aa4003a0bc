"""Loaded first by `make test` and `make unit` (``-p tests.fast_start``), in the test
process and each xdist worker, before any other plugin.

jsonschema (nbval imports it, through nbformat) imports the optional ``rfc3987_syntax``,
which builds a Lark parser for RFC 3987 at import: about 1.8 CPU-s in every process that
imports jsonschema, three per `make test`. It is only for checking the "iri" and
"iri-reference" string formats, which nothing the tests run asks for: here it reads as
absent, as jsonschema allows (those two formats then go unchecked). The servers the tests
start (JupyterLab, Voila, Jupyter Server, mkdocs) get the same through :func:`server_env`;
lesson kernels and command-line runs import what they always do (none imports jsonschema).

It also has every xdist worker but the first collect after the first (``pytest_collection``
below), so a fresh checkout's test modules are rewritten for their asserts once."""

import os
import sys
from pathlib import Path

import pytest

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

#: A folder whose ``rfc3987_syntax`` fails to import (see that file).
NO_IRI_GRAMMAR = Path(__file__).resolve().parent / "no_iri_grammar"


def server_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` for a server a test starts: the folder above first on its PYTHONPATH, so the
    server skips jsonschema's IRI grammar as the test processes do (about 2 CPU-s of its
    start)."""
    paths = [str(NO_IRI_GRAMMAR), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    return {**env, "PYTHONPATH": os.pathsep.join(paths)}


#: How long a worker waits for the first one's collection (a first worker that fails to
#: collect, or never starts, holds the others no longer than this).
FIRST_COLLECTION_WAIT_S = 120.0


def _collected_marker(config) -> Path | None:
    """The file the first xdist worker writes once it has collected, or None outside xdist."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None:
        return None
    import tempfile

    return Path(tempfile.gettempdir()) / f"awscontainers-collected-{workerinput['testrunuid']}"


def _first_worker(config) -> bool:
    return config.workerinput["workerid"] == "gw0"


def _rewritten_already(folder: Path) -> bool:
    """Whether every test module in ``folder`` has pytest's rewritten file beside it (a
    warm checkout: nothing to wait for)."""
    kept = {p.name.split(".")[0] for p in (folder / "__pycache__").glob("test_*-pytest-*.pyc")}
    return all(p.stem in kept for p in folder.glob("test_*.py"))


@pytest.hookimpl(hookwrapper=True)
def pytest_collection(session):
    """Every worker but the first collects once the first has: collecting imports each test
    module, and on a fresh checkout pytest rewrites its asserts and writes the result for
    the next import (2.7 CPU-s). Both workers rewriting at once did it twice; the second
    now reads what the first wrote (a fresh checkout's collection, both workers: 11.7 ->
    8.9 CPU-s), while mypy's background run takes the idle core. A warm checkout, every
    module rewritten already, waits for nothing."""
    marker = _collected_marker(session.config)
    tests = session.config.rootpath / "tests"
    fresh = marker is not None and not _rewritten_already(tests)
    if fresh and not _first_worker(session.config):
        import time

        deadline = time.monotonic() + FIRST_COLLECTION_WAIT_S
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    try:
        yield
    finally:
        if marker is not None and _first_worker(session.config):
            marker.touch()


def pytest_unconfigure(config):
    marker = _collected_marker(config)
    if marker is not None and _first_worker(config):
        marker.unlink(missing_ok=True)
