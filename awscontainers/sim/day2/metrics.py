"""CloudWatch metrics as the simulation keeps them: datapoints by namespace, name and
dimensions, and the statistics ``GetMetricStatistics`` computes over periods.

>>> import datetime as dt
>>> from awscontainers.sim.clock import EPOCH
>>> store = MetricStore()
>>> dims = {"ClusterName": "c", "ServiceName": "s"}
>>> for minute, value in enumerate([10.0, 30.0]):
...     store.put("AWS/ECS", "CPUUtilization", dims, EPOCH + dt.timedelta(minutes=minute), value)
>>> points = store.statistics("AWS/ECS", "CPUUtilization", dims, start=EPOCH,
...     end=EPOCH + dt.timedelta(minutes=2), period=120, statistics=["Average", "Maximum"])
>>> points[0]["Average"], points[0]["Maximum"], points[0]["Unit"]
(20.0, 30.0, 'Percent')
"""

from __future__ import annotations

import bisect
import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import Any

from ...errors import InvalidParameterError

__all__ = ["STATISTICS", "MetricStore"]

#: The statistics GetMetricStatistics offers.
STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
_UNITS = {
    "CPUUtilization": "Percent",
    "MemoryUtilization": "Percent",
    "CapacityProviderReservation": "Percent",
}

Key = tuple[str, str, tuple[tuple[str, str], ...]]


def _key(namespace: str, name: str, dimensions: Mapping[str, str]) -> Key:
    return namespace, name, tuple(sorted(dimensions.items()))


def _error(message: str, hint: str) -> InvalidParameterError:
    return InvalidParameterError(message, code="InvalidParameterValue", hint=hint)


class MetricStore:
    """Every datapoint published in one lab, in time order per metric."""

    def __init__(self) -> None:
        self._times: dict[Key, list[_dt.datetime]] = {}
        self._values: dict[Key, list[float]] = {}

    def put(
        self,
        namespace: str,
        name: str,
        dimensions: Mapping[str, str],
        timestamp: _dt.datetime,
        value: float,
    ) -> None:
        """Record one datapoint (timestamps arrive in order: simulated time only moves on)."""
        key = _key(namespace, name, dimensions)
        self._times.setdefault(key, []).append(timestamp)
        self._values.setdefault(key, []).append(float(value))

    def latest(
        self, namespace: str, name: str, dimensions: Mapping[str, str], count: int
    ) -> list[tuple[_dt.datetime, float]]:
        """The last ``count`` datapoints, oldest first (fewer if fewer were published)."""
        key = _key(namespace, name, dimensions)
        times, values = self._times.get(key, []), self._values.get(key, [])
        return list(zip(times[-count:], values[-count:], strict=True)) if count > 0 else []

    def statistics(
        self,
        namespace: str,
        name: str,
        dimensions: Mapping[str, str],
        *,
        start: _dt.datetime,
        end: _dt.datetime,
        period: int,
        statistics: Iterable[str],
    ) -> list[dict[str, Any]]:
        """Datapoints of ``period`` seconds from ``start`` (inclusive) to ``end``
        (exclusive), as GetMetricStatistics returns them: one dict per period that holds
        data, with ``Timestamp``, each statistic asked for and ``Unit``."""
        wanted = list(statistics)
        if not wanted or any(s not in STATISTICS for s in wanted):
            raise _error(
                f"Statistics must be a non-empty list drawn from {', '.join(STATISTICS)}.",
                "pass e.g. Statistics=['Average'].",
            )
        if isinstance(period, bool) or not isinstance(period, int) or period < 60 or period % 60:
            raise _error(
                f"Period must be a whole multiple of 60 seconds, not {period!r}.",
                "these metrics are published every minute: pass Period=60 or more.",
            )
        if end <= start:
            raise _error(
                "The parameter StartTime must be less than the parameter EndTime.",
                "pass a StartTime before the EndTime.",
            )
        key = _key(namespace, name, dimensions)
        times, values = self._times.get(key, []), self._values.get(key, [])
        lo, hi = bisect.bisect_left(times, start), bisect.bisect_left(times, end)
        buckets: dict[int, list[float]] = {}
        for t, v in zip(times[lo:hi], values[lo:hi], strict=True):
            buckets.setdefault(int((t - start).total_seconds()) // period, []).append(v)
        unit = _UNITS.get(name, "None")
        points = []
        for index in sorted(buckets):
            vs = buckets[index]
            every = {
                "SampleCount": float(len(vs)),
                "Average": sum(vs) / len(vs),
                "Sum": sum(vs),
                "Minimum": min(vs),
                "Maximum": max(vs),
            }
            point: dict[str, Any] = {"Timestamp": start + _dt.timedelta(seconds=index * period)}
            point.update({s: every[s] for s in wanted})
            point["Unit"] = unit
            points.append(point)
        return points
