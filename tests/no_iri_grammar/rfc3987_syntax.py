"""Stands in for the optional ``rfc3987_syntax`` package in the servers the tests start
(JupyterLab, Voila, Jupyter Server, mkdocs; see tests/fast_start.py): importing it fails,
as jsonschema allows, so each server skips building an RFC 3987 grammar it never uses."""

raise ImportError("rfc3987_syntax is left out of the servers the tests start")
