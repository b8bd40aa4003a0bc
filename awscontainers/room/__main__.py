"""``python -m awscontainers.room``: run a room server (see :mod:`awscontainers.room.serve`)."""

import os
import sys

from .serve import main

try:
    code = main()
except SystemExit as stop:  # SIGTERM or Ctrl-C (the port is closed by then), or --help
    code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
# The room's state lives only in this process: once its port is closed, exit without
# freeing moto's objects one by one (a busy room took up to a second to finish).
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
