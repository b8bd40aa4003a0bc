"""A workshop room server: start one, join it, and ask it what the room holds.

The instructor starts a room (``awscontainers room start``, or :func:`start_server` from
Python); it runs moto behind the room's own front in one process (see
:mod:`awscontainers.room`). Every learner gets a join code from the instructor and opens a
lab on their own account; nobody but the instructor can read or reset other accounts:

    >>> room = start_server()                              # doctest: +SKIP
    >>> lab = Lab(join=room.join_code("alice"))            # doctest: +SKIP
    >>> room.census()["learners"]["alice"]["instances"]    # doctest: +SKIP
    0
"""

from __future__ import annotations

import json
import os
import selectors
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from .errors import BackendError, InvalidParameterError, LabError
from .room.front import INSTRUCTOR_HEADER
from .room.keys import JoinCode, RoomKeys
from .room.serve import ROOM_KEY_ENV

#: How long a learner waits for the room's health check (it answers in constant time).
HEALTH_TIMEOUT = 5.0


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def check_port(port: object) -> int:
    """``port`` if it is a TCP port number (0 picks a free one), else InvalidParameterError."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise InvalidParameterError(
            f"{port!r} is not a TCP port.", hint="use a number from 1 to 65535 (0: any free one)."
        )
    return port


def room_health(url: str, timeout: float = HEALTH_TIMEOUT) -> dict:
    """What the room at ``url`` says about itself; BackendError if no room answers there."""
    try:
        with urllib.request.urlopen(f"{url}/awscontainers/health", timeout=timeout) as reply:
            health = json.loads(reply.read(4096))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise BackendError(
            f"No awscontainers room answers at {url} ({exc}).",
            hint="check the URL in your join code with the instructor (they start the room "
            "with `awscontainers room start`), or use Lab() in-process.",
        ) from exc
    if not isinstance(health, dict) or health.get("service") != "awscontainers-room":
        raise BackendError(
            f"{url} answers, but it is not an awscontainers room.",
            hint="a plain moto server cannot keep learners apart; ask for the room's URL.",
        )
    return health


@dataclass
class RoomAdmin:
    """The instructor's side of a room: the census and resets, over HTTP."""

    url: str
    token: str

    def _request(self, path: str, body: dict | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=data,
            method="POST" if data is not None else "GET",
            headers={INSTRUCTOR_HEADER: self.token, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                return json.loads(reply.read())
        except urllib.error.HTTPError as exc:
            raise LabError(
                f"The room refused: {exc.code} {exc.read(2000).decode(errors='replace')}",
                hint="check the room file (the instructor token) and the URL.",
            ) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise BackendError(
                f"No room answers at {self.url} ({exc}).",
                hint="is the room running? `awscontainers room start`.",
            ) from exc

    def census(self) -> dict:
        """Every learner the room has seen, with what they have running and its cost."""
        return self._request("/awscontainers/room")

    def reset(self, learner: str | None = None) -> list[str]:
        """Empty one learner's account (or every learner's, with no name)."""
        body = {"learner": learner} if learner else {"all": True}
        return self._request("/awscontainers/reset", body)["reset"]


@dataclass
class RoomServer:
    """A running room (a separate process); ``stop()`` ends it."""

    url: str
    process: subprocess.Popen
    keys: RoomKeys

    @property
    def admin(self) -> RoomAdmin:
        """The instructor's handle on this room."""
        return RoomAdmin(self.url, self.keys.instructor_token())

    def join_code(self, learner: str, url: str | None = None) -> str:
        """The join code for ``learner`` (``url``: the address learners reach the room at)."""
        credential = self.keys.credential(learner)
        return JoinCode(url or self.url, credential.access_key, credential.secret_key).encode()

    def census(self) -> dict:
        """See :meth:`RoomAdmin.census`."""
        return self.admin.census()

    def reset(self, learner: str | None = None) -> list[str]:
        """See :meth:`RoomAdmin.reset`."""
        return self.admin.reset(learner)

    def stop(self) -> None:
        """Stop the room (SIGTERM; it closes its port before it exits)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> RoomServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_server(
    port: int | None = None,
    host: str = "127.0.0.1",
    timeout: float = 60,
    keys: RoomKeys | None = None,
) -> RoomServer:
    """Start a room in its own process and wait until it listens.

    ``port`` None or 0 picks a free port; ``keys`` default to a new room key."""
    port = check_port(port or 0)
    keys = keys or RoomKeys.new()
    env = {**os.environ, ROOM_KEY_ENV: keys.room_key}
    # stderr goes to a file (the room keeps its own handle on it): a pipe nobody reads would
    # stall the room once it filled up.
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "awscontainers.room", "--host", host, "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=errors,
            env=env,
        )
        line = _ready_line(process, timeout)
        if line.startswith(b"READY "):
            return RoomServer(line.split()[1].decode(), process, keys)
        process.kill()
        process.wait()
        errors.seek(0)
        err = errors.read()[-4000:].decode(errors="replace")
    detail = err.strip().splitlines()[-1:] or ["no output"]
    raise BackendError(
        f"The room did not start ({detail[0]}).",
        hint=f"is port {port} already in use? Try another with --port; check that "
        "moto[server] is installed.",
    )


def _ready_line(process: subprocess.Popen, timeout: float) -> bytes:
    """The room's first line of output (``READY <url>``), or b"" if none came in time.
    Waiting on the pipe, not polling a clock: a busy machine only waits longer."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=timeout):
            return b""
    return process.stdout.readline()


#: The old name of a running room.
MotoServer = RoomServer
