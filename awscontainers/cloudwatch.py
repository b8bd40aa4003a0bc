"""``lab.cloudwatch``: boto3's CloudWatch ``get_metric_statistics`` over the metrics the
simulation publishes (``AWS/ECS`` ``CPUUtilization`` per service, one datapoint a minute
while the clock moves: :mod:`awscontainers.sim.day2`); against real AWS, boto3 unchanged.

>>> from awscontainers import Lab
>>> lab = Lab()
>>> import datetime as dt
>>> lab.cloudwatch.get_metric_statistics(Namespace="AWS/ECS", MetricName="CPUUtilization",
...     Dimensions=[{"Name": "ClusterName", "Value": "web"}], StartTime=lab.clock.peek(),
...     EndTime=lab.clock.peek() + dt.timedelta(hours=1), Period=60,
...     Statistics=["Average"])["Datapoints"]
[]
>>> lab.close()
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

from ._aws import call
from .errors import InvalidParameterError

if TYPE_CHECKING:
    from .lab import Lab

__all__ = ["CloudWatchClient"]


def _error(message: str, hint: str) -> InvalidParameterError:
    return InvalidParameterError(message, code="InvalidParameterValue", hint=hint)


def _time(value: Any, name: str) -> _dt.datetime:
    if not isinstance(value, _dt.datetime):
        raise _error(f"{name} must be a datetime, not {value!r}.", f"pass {name}=lab.clock.peek().")
    # boto3 reads a naive datetime as UTC.
    return value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)


class CloudWatchClient:
    """boto3-shaped CloudWatch client (the metric statistics the lab's autoscalers read)."""

    def __init__(self, lab: Lab):
        self._lab = lab

    def get_metric_statistics(
        self,
        *,
        Namespace: str,
        MetricName: str,
        StartTime: _dt.datetime,
        EndTime: _dt.datetime,
        Period: int,
        Statistics: list[str],
        Dimensions: list[dict] | None = None,
        **rest: Any,
    ) -> dict:
        """Statistics of one metric over ``Period``-second buckets, as boto3 returns them."""
        params = dict(
            Namespace=Namespace,
            MetricName=MetricName,
            StartTime=StartTime,
            EndTime=EndTime,
            Period=Period,
            Statistics=Statistics,
            Dimensions=Dimensions or [],
            **rest,
        )
        day2 = self._lab.day2
        if day2 is None:
            return call(self._lab.client("cloudwatch"), "get_metric_statistics", **params)
        if rest:
            raise _error(
                f"The simulation does not take {', '.join(sorted(rest))}.",
                "pass Namespace, MetricName, Dimensions, StartTime, EndTime, Period, Statistics.",
            )
        dims: dict[str, str] = {}
        for d in Dimensions or []:
            if (
                not isinstance(d, dict)
                or not isinstance(d.get("Name"), str)
                or not isinstance(d.get("Value"), str)
            ):
                raise _error(
                    f"Each dimension must be {{'Name': str, 'Value': str}}, not {d!r}.",
                    "pass Dimensions=[{'Name': 'ClusterName', 'Value': 'web'}, "
                    "{'Name': 'ServiceName', 'Value': 'api'}].",
                )
            dims[d["Name"]] = d["Value"]
        if not isinstance(Statistics, list):
            raise _error("Statistics must be a list.", "pass Statistics=['Average'].")
        points = day2.metrics.statistics(
            str(Namespace),
            str(MetricName),
            dims,
            start=_time(StartTime, "StartTime"),
            end=_time(EndTime, "EndTime"),
            period=Period,
            statistics=Statistics,
        )
        return {"Label": MetricName, "Datapoints": points}
