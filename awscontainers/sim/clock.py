"""The lab's clock: a fixed, ticking clock in the simulation, real time on AWS.

In the simulation every reading moves the clock one second, so a lesson prints the same
times on every run; :meth:`Clock.advance` moves it further (minutes of simulated time in
one call) and publishes ``time-advanced`` so controllers can do what their period asks.

>>> from awscontainers.sim.events import EventBus
>>> bus = EventBus()
>>> clock = Clock(bus)
>>> clock.now().isoformat()
'2026-11-30T09:00:01+00:00'
>>> seen = []
>>> _ = bus.subscribe("time-advanced", lambda **event: seen.append(event["seconds"]))
>>> clock.advance(minutes=5).isoformat()
'2026-11-30T09:05:01+00:00'
>>> seen
[300.0]
>>> clock.now().isoformat()
'2026-11-30T09:05:02+00:00'
"""

from __future__ import annotations

import datetime as _dt
import math

from ..errors import InvalidParameterError, LabError
from .events import TIME_ADVANCED, EventBus

#: The simulated clock starts here so that notebooks print the same times on every run: the
#: morning of the day the package's facts and prices were last checked, so what the lab says
#: is supported (EKS versions, prices) is what AWS said that day.
EPOCH = _dt.datetime(2026, 11, 30, 9, 0, 0, tzinfo=_dt.timezone.utc)
#: Later than any time the clock reaches (a day-2 controller idle until something changes
#: says so with it).
FOREVER = _dt.datetime.max.replace(tzinfo=_dt.timezone.utc)
#: The furthest the clock moves in one advance (the lab's limit): ten years, far beyond any
#: lesson, and far from the end of Python's calendar.
MAX_ADVANCE = _dt.timedelta(days=3653)


class Clock:
    """What time it is in one lab. ``simulated=False`` reads the real clock (AWS)."""

    def __init__(self, events: EventBus, *, simulated: bool = True) -> None:
        self.events = events
        self.simulated = simulated
        self._ticks = 0  # readings so far: one second each
        self._advanced = _dt.timedelta()  # time moved on by advance()

    def now(self) -> _dt.datetime:
        """The time now; in the simulation each reading is one second after the last."""
        if not self.simulated:
            return _dt.datetime.now(_dt.timezone.utc)
        self._ticks += 1
        return self.peek()

    def peek(self) -> _dt.datetime:
        """The time of the last reading, without moving the clock (the simulation only)."""
        return EPOCH + _dt.timedelta(seconds=self._ticks) + self._advanced

    def today(self) -> _dt.date:
        """The lab's date (UTC), without moving the clock: what EKS judges a Kubernetes
        version's support by."""
        if not self.simulated:
            return _dt.datetime.now(_dt.timezone.utc).date()
        return self.peek().date()

    def advance(self, seconds: float = 0, *, minutes: float = 0, hours: float = 0) -> _dt.datetime:
        """Move simulated time on and publish ``time-advanced`` (with ``seconds``, ``start``
        and ``end``) so controllers can act on their period. Returns the new time."""
        if not self.simulated:
            raise LabError(
                "The real AWS clock cannot be moved on.",
                hint="in real AWS, wait (time.sleep) for what you want to see happen.",
            )
        for what, amount in (("seconds", seconds), ("minutes", minutes), ("hours", hours)):
            if (
                isinstance(amount, bool)
                or not isinstance(amount, int | float)
                or not math.isfinite(amount)
                or abs(amount) > MAX_ADVANCE.total_seconds()
            ):
                raise InvalidParameterError(
                    f"{what} must be a number, at most ten years' worth, not {str(amount)[:40]!r}.",
                    hint="pass a duration such as advance(minutes=5) or advance(hours=24).",
                )
        step = _dt.timedelta(seconds=seconds, minutes=minutes, hours=hours)
        if step > MAX_ADVANCE:
            raise InvalidParameterError(
                f"The lab's clock moves on at most {MAX_ADVANCE.days} days at a time, not "
                f"{step.days} days (the lab's limit).",
                hint="advance in smaller steps; a year is advance(hours=24 * 365).",
            )
        if step < _dt.timedelta():
            raise InvalidParameterError(
                f"Time only moves forward, not by {step.total_seconds():g} seconds.",
                hint="pass a positive duration, e.g. advance(minutes=5).",
            )
        return self.move(step)

    def move(self, step: _dt.timedelta) -> _dt.datetime:
        """:meth:`advance` by a step already checked (a positive timedelta within
        :data:`MAX_ADVANCE`): the simulation's own loop moves the clock so 5,760 times a
        simulated day."""
        start = EPOCH + _dt.timedelta(seconds=self._ticks) + self._advanced
        self._advanced += step
        end = start + step
        self.events.publish(TIME_ADVANCED, seconds=step.total_seconds(), start=start, end=end)
        return end
