"""A real-AWS lab's ledger, kept in a file that outlives the kernel.

The resources' own tags (``awscontainers:lab=<lab id>``) are the source of truth for what a
lab left behind (``awscontainers teardown`` finds them); this file is a cache, written after
every change to the ledger, so that a reopened lab can say at once what an earlier one left
and when it made it. One JSON file per lab and account, under the user's cache directory
(``$XDG_CACHE_HOME/awscontainers/labs``, ``~/.cache/awscontainers/labs`` by default), or
``$AWSCONTAINERS_STATE_DIR`` when set (tests use a temporary one).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

STATE_ENV = "AWSCONTAINERS_STATE_DIR"


def state_dir() -> Path:
    """Where the ledgers are kept (not created until one is written)."""
    if os.environ.get(STATE_ENV):
        return Path(os.environ[STATE_ENV])
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "awscontainers" / "labs"


def ledger_path(account_id: str, region: str, lab_id: str) -> Path:
    """The file of one lab's ledger.

    >>> ledger_path("123456789012", "us-east-1", "lab-7").name
    '123456789012-us-east-1-lab-7.json'
    """
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", lab_id)
    return state_dir() / f"{account_id}-{region}-{safe}.json"


def write(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` atomically (a crash mid-write leaves the previous file), readable by
    the user only; an empty ledger removes the file."""
    if not data.get("records"):
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + f".{os.getpid()}.tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=1, default=str)
    os.replace(partial, path)


def read_all(account_id: str | None = None, region: str | None = None) -> list[dict[str, Any]]:
    """Every saved ledger (of one account and region when given), oldest file first;
    unreadable files are skipped."""
    found = []
    folder = state_dir()
    if not folder.is_dir():
        return []
    for path in sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict) or not isinstance(data.get("records"), list):
            continue
        if account_id and data.get("account_id") != account_id:
            continue
        if region and data.get("region") != region:
            continue
        data["path"] = str(path)
        found.append(data)
    return found
