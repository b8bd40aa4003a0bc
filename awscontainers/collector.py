"""Python's cycle collector, kept out of the simulator's hot loops and a process's start.

The simulator makes many small objects in bursts (a Deployment's 1,000 pods, a simulated
day's 5,760 ticks) while moto and botocore keep hundreds of thousands of long-lived ones;
a process's first lab imports moto and parses some MB of botocore's JSON models, which stay
for the whole process. A full collection walks all of them (tens of milliseconds each
time), so:

- :func:`collection_paused` pauses the collector for one bulk of allocations;
- :func:`full_collections_deferred` lets the young generations be collected as usual but
  holds full collections until the outermost caller is done (a run of simulated time);
- :func:`exit_without_collecting` leaves what the process holds to the operating system
  when it exits, instead of to Python's last collections.

Both restore the collector as they found it, also when several labs' threads use them.

>>> import gc
>>> before = gc.get_threshold()
>>> with full_collections_deferred():
...     gc.get_threshold()[2] > before[2]
True
>>> gc.get_threshold() == before
True
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import threading
from collections.abc import Iterator

__all__ = ["collection_paused", "exit_without_collecting", "full_collections_deferred"]

_LOCK = threading.Lock()


class _Deferring:
    inside = 0  # callers inside
    found: tuple[int, ...] | None = None  # the thresholds the first one found


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """Pause Python's cycle collector for a bulk of allocations, then restore it as it was
    (a collection runs as usual on the next allocations after)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextlib.contextmanager
def full_collections_deferred() -> Iterator[None]:
    """Collect the young generations as usual, but no full collection until the outermost
    caller leaves (its thresholds are then restored, and the next allocations collect)."""
    with _LOCK:
        if _Deferring.inside == 0:
            found = gc.get_threshold()
            _Deferring.found = found
            gc.set_threshold(found[0], found[1], 2**30)
        _Deferring.inside += 1
    try:
        yield
    finally:
        with _LOCK:
            _Deferring.inside -= 1
            if _Deferring.inside == 0 and _Deferring.found is not None:
                gc.set_threshold(*_Deferring.found)
                _Deferring.found = None


_EXIT = {"registered": False}


def exit_without_collecting() -> None:
    """When this process exits, move every object it holds out of the cycle collector's
    reach (``gc.freeze``) once the other exit handlers have run.

    As Python shuts down it clears each module and collects cycles several times, walking
    everything still alive: moto's accounts, botocore's models, the simulators. That took
    0.5-0.7 CPU-s at the end of every process that ran a lesson (a kernel that is shut
    down, a command-line run), more than the lesson's own steps. Frozen, those objects are
    left to the operating system, which frees a process's memory at once. The exit
    handlers registered after this one (a real-AWS lab's clean-up) run before it, as
    ``atexit`` runs the last registered first; what the collector would only have found
    as garbage at exit is not finalized, as Python never promises at exit. Idempotent.

    >>> exit_without_collecting()
    >>> exit_without_collecting()  # registered once
    """
    with _LOCK:
        if _EXIT["registered"]:
            return
        _EXIT["registered"] = True
    atexit.register(gc.freeze)
