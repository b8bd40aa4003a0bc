"""A learner's side of ``/awscontainers/state``: save the simulator's snapshot in the room,
and read it back when a restarted kernel joins again.

Requests are signed with the learner's own credential (SigV4, as every call to the room is),
so only the learner who saved a state can read or replace it. The snapshot travels
compressed; a small summary of counts rides along in a header for the instructor's census.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import zlib
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ..errors import BackendError
from .front import MAX_STATE, STATE_PATH, SUMMARY_HEADER

#: How long saving or reading a state may take before the lab gives up (it goes on unsaved).
TIMEOUT = 30.0
#: The most a saved state may expand to when read back.
MAX_EXPANDED = 256 * 2**20


def _send(
    url: str,
    credentials: Credentials,
    region: str,
    method: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    request = AWSRequest(
        method=method, url=f"{url.rstrip('/')}{STATE_PATH}", data=body, headers=dict(headers or {})
    )
    SigV4Auth(credentials, "awscontainers", region).add_auth(request)
    prepared = request.prepare()
    http = urllib.request.Request(
        prepared.url,
        data=body if method == "PUT" else None,
        method=method,
        headers=dict(prepared.headers.items()),
    )
    try:
        with urllib.request.urlopen(http, timeout=TIMEOUT) as reply:
            return reply.status, reply.read(MAX_STATE + 1)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(4096)
    except (urllib.error.URLError, OSError) as exc:
        raise BackendError(
            f"The room at {url} did not answer ({exc}).",
            hint="is the room still running? Ask the instructor; your lab goes on meanwhile.",
        ) from exc


def snapshot_bytes(snapshot: dict) -> bytes:
    """A snapshot as the JSON the room keeps (the same state gives the same bytes)."""
    return json.dumps(snapshot, separators=(",", ":")).encode()


def save_state(
    url: str,
    credentials: Credentials,
    region: str,
    snapshot: dict | bytes,
    summary: dict[str, int],
) -> int:
    """Keep ``snapshot`` (or its :func:`snapshot_bytes`) in the room for this learner;
    returns the bytes sent."""
    text = snapshot if isinstance(snapshot, bytes) else snapshot_bytes(snapshot)
    body = zlib.compress(text, 6)
    if len(body) > MAX_STATE:
        raise BackendError(
            f"The lab's state is too large to keep in the room ({len(body) // 2**20} MiB).",
            hint="delete what you no longer need (lab.teardown()); the lab works on unsaved.",
        )
    status, reply = _send(
        url,
        credentials,
        region,
        "PUT",
        body,
        {SUMMARY_HEADER: json.dumps(summary, separators=(",", ":"))},
    )
    if status != 200:
        raise BackendError(
            f"The room refused to keep the lab's state ({status}: {reply[:200]!r}).",
            hint="check your join code with the instructor; the lab works on unsaved.",
        )
    return len(body)


def load_state(url: str, credentials: Credentials, region: str) -> Any:
    """This learner's saved snapshot (parsed JSON), or None if nothing is saved."""
    status, reply = _send(url, credentials, region, "GET")
    if status == 404:
        return None
    if status != 200:
        raise BackendError(
            f"The room did not give back the lab's state ({status}: {reply[:200]!r}).",
            hint="check your join code with the instructor.",
        )
    try:
        inflate = zlib.decompressobj()
        text = inflate.decompress(reply, MAX_EXPANDED)
        if inflate.unconsumed_tail:
            raise ValueError(f"it expands to more than {MAX_EXPANDED // 2**20} MiB")
        return json.loads(text)
    except (zlib.error, ValueError) as exc:
        raise BackendError(
            f"The saved state is damaged ({exc}).",
            hint="the lab starts from the room's records; ask the instructor to reset you "
            "if it looks wrong.",
        ) from exc
