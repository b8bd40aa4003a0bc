"""Loaded first by `make test` and `make unit` (``-p tests.fast_start``), in the test
process and each xdist worker, before any other plugin.

jsonschema (nbval imports it, through nbformat) imports the optional ``rfc3987_syntax``,
which builds a Lark parser for RFC 3987 at import: about 1.8 CPU-s in every process that
imports jsonschema, three per `make test`. It is only for checking the "iri" and
"iri-reference" string formats, which nothing the tests run asks for: here it reads as
absent, as jsonschema allows (those two formats then go unchecked). The servers the tests
start (JupyterLab, Voila, Jupyter Server, mkdocs) get the same through :func:`server_env`;
lesson kernels and command-line runs import what they always do (none imports jsonschema)."""

import os
import sys
from pathlib import Path

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

#: A folder whose ``rfc3987_syntax`` fails to import (see that file).
NO_IRI_GRAMMAR = Path(__file__).resolve().parent / "no_iri_grammar"


def server_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` for a server a test starts: the folder above first on its PYTHONPATH, so the
    server skips jsonschema's IRI grammar as the test processes do (about 2 CPU-s of its
    start)."""
    paths = [str(NO_IRI_GRAMMAR), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    return {**env, "PYTHONPATH": os.pathsep.join(paths)}
