"""Loaded first by `make test` and `make unit` (``-p tests.fast_start``), in the test
process and each xdist worker, before any other plugin.

jsonschema (nbval imports it, through nbformat) imports the optional ``rfc3987_syntax``,
which builds a Lark parser for RFC 3987 at import: about 1.8 CPU-s in every process that
imports jsonschema, three per `make test`. It is only for checking the "iri" and
"iri-reference" string formats, which nothing the tests run asks for: here it reads as
absent, as jsonschema allows (those two formats then go unchecked). Processes the tests
start (JupyterLab, Voila, mkdocs, lesson kernels) import what they always do."""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
