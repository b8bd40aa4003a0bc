"""Running a room: moto and the room's front in one process, on one port.

``python -m awscontainers.room`` runs :func:`serve` with the room key from the
``AWSCONTAINERS_ROOM_KEY`` variable (never on the command line, where ``ps`` shows it). The
process prints ``READY <url>`` once it listens, and stops cleanly on SIGTERM or Ctrl-C: there
is no child process left holding the port.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from typing import Any

from .keys import RoomKeys

ROOM_KEY_ENV = "AWSCONTAINERS_ROOM_KEY"
#: moto's id generator is seeded once, when the room starts: ids never repeat in a room.
ROOM_SEED = 7


def prepare_moto(seed: int = ROOM_SEED) -> None:
    """moto as a room needs it: seeded once, and its own ECS tasks kept RUNNING until
    stopped (the learners' simulators own the data plane)."""
    from moto.moto_api import state_manager
    from moto.moto_api._internal import mock_random

    from ..moto_state import quicken

    quicken()
    mock_random.seed(seed)
    state_manager.set_transition(
        model_name="ecs::task", transition={"progression": "manual", "times": 10**9}
    )


def build_app(keys: RoomKeys) -> Any:
    """The room's WSGI application: the front, moto behind it, the census and reset."""
    from .census import reset_accounts, room_census
    from .front import RoomFront

    return RoomFront(keys, census=room_census, reset=reset_accounts)


def serve(host: str, port: int, keys: RoomKeys, *, seed: int = ROOM_SEED) -> None:
    """Serve a room on ``host:port`` (0 picks a free port) until SIGTERM or Ctrl-C."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    prepare_moto(seed)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # werkzeug's own handler drops headers spelled with '_' (one cannot pose as another).
    server = make_server(
        host, port, build_app(keys), threaded=True, request_handler=WSGIRequestHandler
    )
    os.environ["MOTO_PORT"] = str(server.server_port)

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    print(f"READY http://{shown}:{server.server_port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    """``python -m awscontainers.room --host H --port P``, with the key in the environment."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m awscontainers.room")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    key = os.environ.get(ROOM_KEY_ENV)
    if not key:
        print(f"set {ROOM_KEY_ENV} to the room key", file=sys.stderr)
        return 2
    serve(args.host, args.port, RoomKeys(key))
    return 0
