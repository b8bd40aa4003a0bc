"""Load curves: how much CPU work a service or Deployment is asked for, over simulated time.

**The model.** A load is CPU work demanded, in vCPU (``1.0`` = one vCPU kept busy). It is
shared evenly by the running tasks (ECS) or pods (Kubernetes) of the service or Deployment
it is given to, so each one's utilisation is ``load / running / cpu_request``, as a
percentage of its CPU reservation (ECS task ``cpu``, 1024 units = 1 vCPU) or request
(Kubernetes ``resources.requests.cpu``). An ECS task cannot use more than its task-level
CPU (a hard limit), so its utilisation stops at 100 %; a pod can use up to its CPU limit,
or without one whatever it is asked for. This is the lab's model, not an AWS figure: it is
what makes "the load doubled" turn into "utilisation doubled" the way a CPU-bound web
service would.

A curve is read with :meth:`LoadCurve.at` at a datetime. Times in a curve are offsets
(:class:`~datetime.timedelta`) from the lab's epoch (:data:`awscontainers.sim.clock.EPOCH`,
2026-11-30 09:00 UTC) or absolute datetimes; the daily shape reads the time of day (UTC).

>>> import datetime as dt
>>> from awscontainers.sim.clock import EPOCH
>>> constant(2).at(EPOCH)
2.0
>>> curve = step(1, 4, at=dt.timedelta(minutes=10))
>>> curve.at(EPOCH + dt.timedelta(minutes=9)), curve.at(EPOCH + dt.timedelta(minutes=10))
(1.0, 4.0)
>>> ramp = points([(dt.timedelta(0), 0), (dt.timedelta(hours=1), 6)])
>>> ramp.at(EPOCH + dt.timedelta(minutes=30))
3.0
>>> round(daily(low=1, high=9, peak_hour=14).at(EPOCH.replace(hour=14)), 6)
9.0
>>> utilisation(load_vcpu=1.0, running=4, cpu_request_vcpu=0.5)
50.0
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidParameterError
from ..rules.data import load_packaged
from .clock import EPOCH

__all__ = [
    "MAX_LOAD_VCPU",
    "MAX_POINTS",
    "LoadCurve",
    "constant",
    "daily",
    "points",
    "step",
    "utilisation",
]

_LIMITS = load_packaged("day2.yaml")["load"]
#: The largest load a curve may ask for, in vCPU: far above any lesson, low enough that a
#: typo (a load in millicores, say) is caught instead of launching a million tasks.
MAX_LOAD_VCPU: float = float(_LIMITS["max_vcpu"])
#: The most points a curve of points may have (a day at 15 s steps is 5,760).
MAX_POINTS: int = int(_LIMITS["max_points"])

When = _dt.timedelta | _dt.datetime


def _error(message: str, hint: str) -> InvalidParameterError:
    return InvalidParameterError(message, code="InvalidParameterException", hint=hint)


def _vcpu(value: Any, what: str) -> float:
    """A load value: a finite number of vCPU in [0, MAX_LOAD_VCPU]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _error(
            f"{what} must be a number of vCPU, not {value!r}.",
            "write the load in vCPU, e.g. 2.5 for two and a half vCPU kept busy.",
        )
    if not math.isfinite(value) or value < 0 or value > MAX_LOAD_VCPU:
        raise _error(
            f"{what} must be between 0 and {MAX_LOAD_VCPU:g} vCPU, not {value!r}.",
            "a load is CPU work in vCPU (1.0 = one vCPU busy), not millicores or percent.",
        )
    return float(value)


def _offset(when: Any, what: str) -> float:
    """Seconds from the lab's epoch for a timedelta or an aware datetime."""
    if isinstance(when, _dt.datetime):
        if when.tzinfo is None:
            raise _error(
                f"{what} is a datetime without a time zone.",
                "use an aware datetime (tzinfo=datetime.timezone.utc) or a timedelta.",
            )
        return (when - EPOCH).total_seconds()
    if isinstance(when, _dt.timedelta):
        return when.total_seconds()
    raise _error(
        f"{what} must be a timedelta from the lab's start or a datetime, not {when!r}.",
        "write e.g. datetime.timedelta(minutes=10).",
    )


@dataclass(frozen=True)
class LoadCurve:
    """A load over time: ``at(t)`` is the vCPU demanded at ``t``; ``kind`` and ``describe``
    say what shape it is (for tables). A curve is plain data (its shape's name and numbers),
    so a snapshot of the lab keeps it; make one with :func:`constant`, :func:`step`,
    :func:`daily` or :func:`points`, which check their arguments."""

    kind: str
    describe: str
    params: tuple

    def at(self, when: _dt.datetime) -> float:
        """The load at ``when`` (an aware datetime), in vCPU."""
        return _SHAPES[self.kind](self.params, when)

    def times(self, factor: float) -> LoadCurve:
        """The same shape with every value multiplied by ``factor`` (a bigger service).

        >>> constant(2).times(3).at(EPOCH)
        6.0
        """
        if (
            isinstance(factor, bool)
            or not isinstance(factor, (int, float))
            or not math.isfinite(factor)
            or factor < 0
        ):
            raise _error(
                f"A load's factor must be a number from 0 up, not {factor!r}.",
                "write e.g. curve.times(10) for ten times the load.",
            )
        if self.kind == "points":
            times, values = self.params
            scaled = tuple(_vcpu(v * factor, "A scaled point") for v in values)
            return LoadCurve(self.kind, f"{self.describe} x{factor:g}", (times, scaled))
        edge = self.params[2:] if self.kind in ("step", "daily") else ()
        values = self.params[: len(self.params) - len(edge)]
        scaled = tuple(_vcpu(v * factor, "A scaled load") for v in values)
        return LoadCurve(self.kind, f"{self.describe} x{factor:g}", scaled + edge)


def _constant_at(params: tuple, t: _dt.datetime) -> float:
    return params[0]


def _step_at(params: tuple, t: _dt.datetime) -> float:
    low, high, edge = params
    return high if (t - EPOCH).total_seconds() >= edge else low


def _daily_at(params: tuple, t: _dt.datetime) -> float:
    lo, hi, peak = params
    hours = t.hour + t.minute / 60 + t.second / 3600
    phase = 2 * math.pi * (hours - peak) / 24
    return lo + (hi - lo) * (1 + math.cos(phase)) / 2


def _points_at(params: tuple, t: _dt.datetime) -> float:
    times, values = params
    x = (t - EPOCH).total_seconds()
    if x <= times[0]:
        return values[0]
    if x >= times[-1]:
        return values[-1]
    lo, hi = 0, len(times) - 1
    while hi - lo > 1:  # bisect: the segment holding x
        mid = (lo + hi) // 2
        if times[mid] <= x:
            lo = mid
        else:
            hi = mid
    share = (x - times[lo]) / (times[hi] - times[lo])
    return values[lo] + (values[hi] - values[lo]) * share


_SHAPES: dict[str, Callable[[tuple, _dt.datetime], float]] = {
    "constant": _constant_at,
    "step": _step_at,
    "daily": _daily_at,
    "points": _points_at,
}


def constant(vcpu: float) -> LoadCurve:
    """The same load all the time."""
    value = _vcpu(vcpu, "A constant load")
    return LoadCurve("constant", f"{value:g} vCPU", (value,))


def step(before: float, after: float, *, at: When) -> LoadCurve:
    """``before`` until ``at``, then ``after`` (a spike, or a release that doubles the work)."""
    low = _vcpu(before, "The load before the step")
    high = _vcpu(after, "The load after the step")
    edge = _offset(at, "The step's time")
    return LoadCurve("step", f"{low:g} -> {high:g} vCPU at +{edge:g} s", (low, high, edge))


def daily(*, low: float, high: float, peak_hour: float = 14.0) -> LoadCurve:
    """A day's shape: ``high`` at ``peak_hour`` (UTC), ``low`` twelve hours away, a cosine
    between them (a morning ramp, an afternoon peak, a night low)."""
    lo = _vcpu(low, "The daily low")
    hi = _vcpu(high, "The daily high")
    if hi < lo:
        raise _error(
            f"The daily high ({hi:g}) is below the low ({lo:g}).",
            "pass low= the night's load and high= the peak's.",
        )
    if (
        isinstance(peak_hour, bool)
        or not isinstance(peak_hour, (int, float))
        or not 0 <= peak_hour < 24
    ):
        raise _error(
            f"peak_hour must be an hour of the day in [0, 24), not {peak_hour!r}.",
            "write e.g. peak_hour=14 for a peak at 14:00 UTC.",
        )
    peak = float(peak_hour)
    return LoadCurve("daily", f"{lo:g}..{hi:g} vCPU, peak {peak:g}:00 UTC", (lo, hi, peak))


def points(series: Sequence[tuple[When, float]]) -> LoadCurve:
    """A load through given points, straight lines between them, flat before the first
    and after the last. Times must increase."""
    if isinstance(series, (str, bytes)) or not isinstance(series, Sequence) or not series:
        raise _error(
            "A load of points needs a non-empty list of (time, vCPU) pairs.",
            "write e.g. [(timedelta(0), 1), (timedelta(hours=1), 4)].",
        )
    if len(series) > MAX_POINTS:
        raise _error(
            f"A load of points may have at most {MAX_POINTS} points, not {len(series)}.",
            "sample the curve more coarsely; the lab draws straight lines between points.",
        )
    times: list[float] = []
    values: list[float] = []
    for i, pair in enumerate(series):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise _error(
                f"Point {i} must be a (time, vCPU) pair, not {pair!r}.",
                "write e.g. (timedelta(minutes=5), 2.0).",
            )
        offset = _offset(pair[0], f"Point {i}'s time")
        if times and offset <= times[-1]:
            raise _error(
                f"Point {i}'s time is not after point {i - 1}'s.",
                "list the points in time order, each later than the one before.",
            )
        times.append(offset)
        values.append(_vcpu(pair[1], f"Point {i}'s load"))
    return LoadCurve("points", f"{len(times)} points", (tuple(times), tuple(values)))


def utilisation(
    *, load_vcpu: float, running: int, cpu_request_vcpu: float, cap: float | None = 100.0
) -> float | None:
    """Each running task's or pod's CPU utilisation in percent of its request, when the
    load is shared evenly; ``None`` when nothing runs or nothing was requested (no metric
    to report). ``cap`` is where it stops (100 for a hard limit at the request, None for
    no limit)."""
    if running <= 0 or cpu_request_vcpu <= 0:
        return None
    value = 100.0 * load_vcpu / running / cpu_request_vcpu
    return value if cap is None else min(value, cap)
