"""A day's load for a workload: how many tasks (or pods) a service needs at each time of day.

The shapes are the simulator's load curves (:mod:`awscontainers.sim.load`): ``constant``,
``step``, ``daily`` and ``points``, with the same parameters and the same meaning, but here
over one day of the clock (UTC, repeating every day) and counted in **tasks needed**, which
is what a team knows when it describes a workload. A workload file gives one as a service's
``load`` instead of a fixed ``count``:

.. code-block:: yaml

    load: {constant: 4}
    load: {step: {before: 2, after: 8, at: "12:00"}}
    load: {daily: {low: 2, high: 12, peak_hour: 14}}
    load: {points: [["00:00", 2], ["08:00", 10], ["20:00", 3]]}

Times are ``"HH:MM"`` text or hours of the day as a number. The cost layer
(:func:`awscontainers.costs.estimate_over_day`) reads ``needed()``: the whole tasks needed
at each sample of the day (the curve rounded up).

>>> curve = day_curve({"daily": {"low": 2, "high": 12, "peak_hour": 14}})
>>> curve.at(14 * 3600), curve.at(2 * 3600), curve.peak()
(12.0, 2.0, 12)
>>> day_curve({"step": {"before": 2, "after": 8, "at": "12:00"}}).needed(6 * 3600)
[2, 2, 8, 8]
>>> day_curve({"points": [["06:00", 0], ["08:00", 10]]}).at(7 * 3600)
5.0
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidParameterError, invalid_parameter
from .data import load_packaged

__all__ = [
    "DAY_SECONDS",
    "MAX_POINTS",
    "MAX_TASKS",
    "SAMPLE_SECONDS",
    "SHAPES",
    "DayCurve",
    "day_curve",
]

DAY_SECONDS = 86_400
#: The shapes a workload's ``load`` may take (the simulator's, by the same names).
SHAPES: tuple[str, ...] = ("constant", "step", "daily", "points")
#: The most points a curve of points may have (the simulator's limit, ``data/day2.yaml``).
MAX_POINTS: int = int(load_packaged("day2.yaml")["load"]["max_points"])
#: The most tasks a curve may ask for at once (the workload's own limit).
MAX_TASKS = 100_000
#: How often the day is read when costing it (``data/day2.yaml``, ``cost_over_time``).
SAMPLE_SECONDS: int = int(load_packaged("day2.yaml")["cost_over_time"]["sample_seconds"])

_EXAMPLE = "load: {daily: {low: 2, high: 12, peak_hour: 14}}   # tasks needed, peak at 14:00 UTC"


def _error(message: str) -> InvalidParameterError:
    return invalid_parameter(message, f"Write the load as one shape, e.g. {_EXAMPLE}")


def _tasks(value: Any, what: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (isinstance(value, int) and abs(value) > 10**18)
        or not math.isfinite(value)
        or not 0 <= value <= MAX_TASKS
    ):
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        raise invalid_parameter(
            f"{what} must be a number of tasks from 0 to {MAX_TASKS:,}, not {shown}.",
            "A workload's load counts the tasks (or pods) needed at that time, e.g. 4.",
        )
    return float(value)


def _seconds_of_day(value: Any, what: str) -> float:
    """``"HH:MM"`` (or ``"HH:MM:SS"``) or a number of hours, as seconds into the day."""
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*", value)
        if match:
            h, m, s = int(match[1]), int(match[2]), int(match[3] or 0)
            if m < 60 and s < 60 and (h, m, s) <= (24, 0, 0):
                return float(h * 3600 + m * 60 + s)
    elif (
        not isinstance(value, bool)
        and isinstance(value, int | float)
        and math.isfinite(value)
        and 0 <= value <= 24
    ):
        return float(value) * 3600
    raise invalid_parameter(
        f'{what} must be a time of day, "HH:MM" from "00:00" to "24:00" or hours from 0 to '
        f"24, not {value!r}.",
        'Quote the time, e.g. at: "12:30" (YAML reads 12:30 unquoted as a number of minutes).',
    )


def _mapping(value: Any, keys: tuple[str, ...], required: tuple[str, ...], shape: str) -> dict:
    if not isinstance(value, dict):
        raise _error(f"The {shape} load needs a mapping of {', '.join(keys)}, not {value!r}.")
    unknown = [k for k in value if k not in keys]
    if unknown:
        raise _error(
            f"Unknown key {unknown[0]!r} in the {shape} load; its keys are {', '.join(keys)}."
        )
    missing = [k for k in required if k not in value]
    if missing:
        raise _error(f"The {shape} load is missing {', '.join(missing)}.")
    return value


def _constant_at(params: tuple, s: float) -> float:
    return params[0]


def _step_at(params: tuple, s: float) -> float:
    low, high, edge = params
    return high if s >= edge else low


def _daily_at(params: tuple, s: float) -> float:
    # The simulator's daily shape: the high at the peak, the low twelve hours away.
    lo, hi, peak = params
    return lo + (hi - lo) * (1 + math.cos(2 * math.pi * (s - peak) / DAY_SECONDS)) / 2


def _points_at(params: tuple, s: float) -> float:
    # Straight lines between points, flat before the first and after the last.
    times, values = params
    if s <= times[0]:
        return values[0]
    if s >= times[-1]:
        return values[-1]
    lo, hi = 0, len(times) - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if times[mid] <= s:
            lo = mid
        else:
            hi = mid
    share = (s - times[lo]) / (times[hi] - times[lo])
    return values[lo] + (values[hi] - values[lo]) * share


_AT: dict[str, Callable[[tuple, float], float]] = {
    "constant": _constant_at,
    "step": _step_at,
    "daily": _daily_at,
    "points": _points_at,
}


@functools.lru_cache(maxsize=256)
def _needed(kind: str, params: tuple, step_seconds: int) -> tuple[int, ...]:
    # A curve is its kind and numbers: the chooser asks for the same day on every redraw.
    at = _AT[kind]
    return tuple(
        math.ceil(round(at(params, (i * step_seconds) % DAY_SECONDS), 6))
        for i in range(DAY_SECONDS // step_seconds)
    )


@dataclass(frozen=True)
class DayCurve:
    """Tasks needed over one day: ``at(seconds into the day)``. Plain data, as the
    simulator's load curves are: ``spec`` is the shape as written (a workload writes it
    back), ``params`` its checked numbers (seconds into the day, tasks), which equality
    and hashing compare."""

    kind: str
    spec: Any = field(compare=False)
    describe: str = field(compare=False)
    params: tuple = ()

    def at(self, seconds: float) -> float:
        """Tasks needed at ``seconds`` into the day (UTC), before rounding up."""
        return _AT[self.kind](self.params, seconds % DAY_SECONDS)

    def needed(self, step_seconds: int = SAMPLE_SECONDS) -> list[int]:
        """Whole tasks needed at the start of each ``step_seconds`` of the day (rounded up:
        2.1 tasks' worth of work needs 3 tasks)."""
        if step_seconds <= 0 or DAY_SECONDS % step_seconds:
            raise invalid_parameter(
                f"step_seconds must divide a day evenly, not {step_seconds!r}.",
                "use 60 (a minute), 300 or 900.",
            )
        return list(_needed(self.kind, self.params, step_seconds))

    def peak(self, step_seconds: int = SAMPLE_SECONDS) -> int:
        """The most whole tasks needed at once during the day."""
        return max(_needed(self.kind, self.params, step_seconds))

    def scaled(self, factor: float) -> DayCurve:
        """The same shape with every count multiplied by ``factor``."""
        spec = self.spec
        if self.kind == "constant":
            return day_curve({"constant": spec * factor})
        if self.kind == "points":
            return day_curve({"points": [[t, v * factor] for t, v in spec]})
        keys = ("low", "high") if self.kind == "daily" else ("before", "after")
        return day_curve(
            {self.kind: {k: (v * factor if k in keys else v) for k, v in spec.items()}}
        )

    def to_dict(self) -> dict[str, Any]:
        """The curve as written in a workload file."""
        return {self.kind: self.spec}


def day_curve(data: Any, where: str = "load") -> DayCurve:
    """Build and check a curve from its written form, ``{shape: parameters}``.

    >>> day_curve({"constant": 3}).describe
    '3 tasks all day'
    >>> day_curve({"hourly": 3})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    awscontainers.errors.InvalidParameterError: load has no shape 'hourly'; the shapes are ...
    """
    if not isinstance(data, dict) or len(data) != 1:
        raise _error(f"{where} must be a mapping with one shape ({', '.join(SHAPES)}), not "
                     f"{data!r}.")  # fmt: skip
    ((kind, params),) = data.items()
    if kind not in SHAPES:
        raise _error(f"{where} has no shape {kind!r}; the shapes are {', '.join(SHAPES)}.")
    if kind == "constant":
        value = _tasks(params, f"{where}'s constant")
        return DayCurve(kind, params, f"{value:g} tasks all day", (value,))
    if kind == "step":
        p = _mapping(params, ("before", "after", "at"), ("before", "after", "at"), kind)
        low = _tasks(p["before"], f"{where}'s count before the step")
        high = _tasks(p["after"], f"{where}'s count after the step")
        edge = _seconds_of_day(p["at"], f"{where}'s step time")
        return DayCurve(
            kind,
            dict(p),
            f"{low:g} tasks, then {high:g} from {_clock(edge)} UTC",
            (low, high, edge),
        )
    if kind == "daily":
        p = _mapping(params, ("low", "high", "peak_hour"), ("low", "high"), kind)
        lo = _tasks(p["low"], f"{where}'s daily low")
        hi = _tasks(p["high"], f"{where}'s daily high")
        if hi < lo:
            raise _error(f"{where}'s daily high ({hi:g}) is below its low ({lo:g}).")
        peak = _seconds_of_day(p.get("peak_hour", 14), f"{where}'s peak_hour") % DAY_SECONDS
        describe = f"{lo:g} to {hi:g} tasks, peak at {_clock(peak)} UTC"
        return DayCurve(kind, dict(p), describe, (lo, hi, peak))
    return _points(params, where)


def _points(params: Any, where: str) -> DayCurve:
    if isinstance(params, str | bytes) or not isinstance(params, list) or not params:
        raise _error(f"{where}'s points must be a non-empty list of [time, tasks] pairs.")
    if len(params) > MAX_POINTS:
        raise _error(f"{where} has {len(params)} points; at most {MAX_POINTS} are allowed.")
    times: list[float] = []
    values: list[float] = []
    for i, pair in enumerate(params):
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise _error(f"{where}'s point {i} must be a [time, tasks] pair, not {pair!r}.")
        t = _seconds_of_day(pair[0], f"{where}'s point {i} time")
        if times and t <= times[-1]:
            raise _error(f"{where}'s point {i} is not later than point {i - 1}.")
        times.append(t)
        values.append(_tasks(pair[1], f"{where}'s point {i} count"))

    spec = [[t, v] for t, v in params]
    describe = f"{len(times)} points over the day"
    return DayCurve("points", spec, describe, (tuple(times), tuple(values)))


def _clock(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
