"""``python -m awscontainers.room``: run a room server (see :mod:`awscontainers.room.serve`)."""

import sys

from .serve import main

sys.exit(main())
