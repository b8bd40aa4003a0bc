"""A shared moto server for a workshop room.

One person starts it; every learner connects with their own name and gets an account of
their own on it:

    $ awscontainers server --host 0.0.0.0 --port 5000
    >>> lab = Lab(endpoint_url="http://<host>:5000", learner="alice")   # doctest: +SKIP
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from .errors import BackendError


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@dataclass
class MotoServer:
    """A running moto server (a separate process); ``stop()`` ends it."""

    url: str
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def __enter__(self) -> MotoServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_server(
    port: int | None = None, host: str = "127.0.0.1", timeout: float = 30
) -> MotoServer:
    """Start a moto server in its own process and wait until it answers.

    >>> server = start_server()           # doctest: +SKIP
    >>> lab = Lab(endpoint_url=server.url, learner="alice")   # doctest: +SKIP
    """
    port = port or free_port(host)
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", host, "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    connect = "127.0.0.1" if host in ("0.0.0.0", "") else host
    url = f"http://{connect}:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BackendError(
                f"The moto server exited at once (code {process.returncode}).",
                hint=f"is port {port} already in use? Try another with --port.",
            )
        try:
            urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=1).read(1)
            return MotoServer(url, process)
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    process.kill()
    raise BackendError(
        f"The moto server did not answer within {timeout:.0f} s.",
        hint="check that moto[server] is installed (pip install 'moto[server]').",
    )


def post(url: str, path: str, body: dict | None = None) -> None:
    """POST to the moto server's own API (``/moto-api/...``)."""
    data = json.dumps(body).encode() if body is not None else b""
    request = urllib.request.Request(f"{url}{path}", data=data, method="POST")
    urllib.request.urlopen(request, timeout=10).read()
