"""The README's Binder badges, written from one place: ``[tool.awscontainers.binder]`` in
pyproject.toml (the GitHub repository, the branch or tag, the first lesson, the app).

    python scripts/binder_badge.py                         # rewrite the badges from pyproject
    python scripts/binder_badge.py --repository me/awsc    # set the repository, then rewrite
    python scripts/binder_badge.py --check                 # exit 1 if the README is stale

``make binder REPO=owner/name`` runs the second. The badges sit between the README's
``<!-- binder-badges -->`` and ``<!-- /binder-badges -->`` lines.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- binder-badges -->", "<!-- /binder-badges -->"
BADGE = "https://mybinder.org/badge_logo.svg"
REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$")
REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


def config(pyproject: Path) -> dict[str, Any]:
    """The ``[tool.awscontainers.binder]`` table: ``key = "text"`` lines, read without a TOML
    library so that any Python 3.10+ runs this before .venv exists (tomllib is 3.11+).

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "pyproject.toml"
    >>> _ = path.write_text('[tool.awscontainers.binder]\\nrepository = "me/a"  # mine\\n[x]\\n')
    >>> config(path)
    {'repository': 'me/a'}
    """
    found: dict[str, Any] = {}
    inside = False
    for line in pyproject.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            inside = line.strip() == "[tool.awscontainers.binder]"
        elif inside and (match := re.match(r'^(\w+) = "([^"]*)"', line)):
            found[match.group(1)] = match.group(2)
    return found


def urls(binder: dict[str, Any]) -> dict[str, str]:
    """Binder's launch URLs: JupyterLab at the first lesson, and the app in Voila.

    >>> urls({"repository": "me/awsc", "ref": "main", "lab": "a.ipynb", "app": "b.ipynb"})["app"]
    'https://mybinder.org/v2/gh/me/awsc/main?urlpath=voila/render/b.ipynb'
    """
    base = f"https://mybinder.org/v2/gh/{binder['repository']}/{binder['ref']}"
    return {
        "lab": f"{base}?urlpath=lab/tree/{binder['lab']}",
        "app": f"{base}?urlpath=voila/render/{binder['app']}",
    }


def badges(binder: dict[str, Any]) -> str:
    """The README block, markers included."""
    link = urls(binder)
    return "\n".join(
        [
            START,
            f"[![Binder: the lessons in JupyterLab]({BADGE})]({link['lab']}) the lessons in "
            f"JupyterLab, [![Binder: the chooser app]({BADGE})]({link['app']}) the chooser app "
            f"(Binder builds `{binder['repository']}`; see *Publish it for Binder*)",
            END,
        ]
    )


def rewrite(readme: str, block: str) -> str:
    """``readme`` with its badge block replaced by ``block``."""
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(readme):
        raise SystemExit(f"README has no {START} ... {END} block")
    return pattern.sub(lambda _: block, readme, count=1)


def set_repository(pyproject: Path, repository: str, ref: str | None) -> None:
    """Write ``repository`` (and ``ref``) into pyproject's binder table, nothing else."""
    if not REPOSITORY.match(repository):
        raise SystemExit(f"{repository!r} is not a GitHub owner/name, e.g. alice/awscontainers")
    text = pyproject.read_text(encoding="utf-8")
    head, sep, table = text.partition("[tool.awscontainers.binder]\n")
    if not sep:
        raise SystemExit("pyproject.toml has no [tool.awscontainers.binder] table")
    if ref is not None and not REF.match(ref):
        raise SystemExit(f"{ref!r} is not a branch, tag or commit name, e.g. main")
    line = f'repository = "{repository}"'
    table = re.sub(r'(?m)^repository = "[^"]*".*$', line, table, count=1)
    if ref:
        table = re.sub(r'(?m)^ref = "[^"]*"', f'ref = "{ref}"', table, count=1)
    pyproject.write_text(head + sep + table, encoding="utf-8")


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repository", help="the public GitHub repository, owner/name")
    parser.add_argument("--ref", help="branch, tag or commit Binder builds (default HEAD)")
    parser.add_argument("--check", action="store_true", help="exit 1 if the README is stale")
    args = parser.parse_args(argv)
    pyproject, readme = root / "pyproject.toml", root / "README.md"
    if args.repository:
        set_repository(pyproject, args.repository, args.ref)
    text = readme.read_text(encoding="utf-8")
    wanted = rewrite(text, badges(config(pyproject)))
    if args.check:
        if wanted != text:
            print(
                "README's Binder badges differ from pyproject's [tool.awscontainers.binder]; "
                "run: python scripts/binder_badge.py",
                file=sys.stderr,
            )
            return 1
        return 0
    if wanted != text:
        readme.write_text(wanted, encoding="utf-8")
    print(f"Binder badges: {urls(config(pyproject))['lab']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
