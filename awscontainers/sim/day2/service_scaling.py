"""ECS Service Auto Scaling, as Application Auto Scaling runs it: scalable targets, target
tracking policies on ``ECSServiceAverageCPUUtilization``, and the per-minute evaluation
that moves a service's ``desiredCount``.

The rules (``data/day2.yaml``, ``service_auto_scaling``, with sources):

* the policy's alarms read the service's 1-minute ``CPUUtilization``: scale out when the
  last 3 datapoints are all above the target, scale in when the last 15 are all below 90 %
  of it;
* the new capacity follows metric/target: ``ceil(desired x metric / target)``, rounded up
  (so a scale-in never goes below what keeps the metric at the target), kept within
  ``[MinCapacity, MaxCapacity]``;
* a scale-in waits for the scale-in cooldown (300 s by default for ECS); a scale-out goes
  ahead during it; a second scale-out waits for the scale-out cooldown;
* it changes the desired count, nothing else: on EC2 the service scheduler still needs
  room for the new tasks (its "unable to place" event says when there is none), on Fargate
  each new task gets its own.

>>> proposed_capacity(current=2, metric=90.0, target=50.0)
4
>>> proposed_capacity(current=10, metric=20.0, target=50.0)
4
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...errors import InvalidParameterError, NotFoundError
from ...rules.data import load_packaged
from .metrics import MetricStore

if TYPE_CHECKING:
    from ..ecs import EcsSimulator

__all__ = ["RULES", "ScalingPolicy", "ServiceAutoScaling", "ScalableTarget", "proposed_capacity"]

RULES = load_packaged("day2.yaml")["service_auto_scaling"]
_DIMENSION = "ecs:service:DesiredCount"
_METRICS = {"ECSServiceAverageCPUUtilization": "CPUUtilization"}
#: Application Auto Scaling's own bound on a target's capacity.
_MAX_CAPACITY = 1_000_000


def proposed_capacity(*, current: int, metric: float, target: float) -> int:
    """The capacity target tracking asks for: proportional to metric/target, rounded up."""
    # round() first: 2 x 75/50 is 3.0000000000000004 in floating point, not a reason for 4.
    return max(0, math.ceil(round(current * metric / target, 9)))


def _error(message: str, hint: str) -> InvalidParameterError:
    return InvalidParameterError(message, code="ValidationException", hint=hint)


@dataclass
class ScalableTarget:
    """A registered ``ecs:service:DesiredCount``."""

    resource_id: str
    cluster: str
    service: str
    min_capacity: int
    max_capacity: int
    created: _dt.datetime

    def describe(self) -> dict[str, Any]:
        return {
            "ServiceNamespace": "ecs",
            "ResourceId": self.resource_id,
            "ScalableDimension": _DIMENSION,
            "MinCapacity": self.min_capacity,
            "MaxCapacity": self.max_capacity,
            "CreationTime": self.created,
        }


@dataclass
class ScalingPolicy:
    """A target tracking policy and what it remembers between evaluations."""

    name: str
    arn: str
    resource_id: str
    target_value: float
    metric_type: str
    scale_out_cooldown: int
    scale_in_cooldown: int
    disable_scale_in: bool
    created: _dt.datetime
    last_scale_out: _dt.datetime | None = None
    last_scale_in: _dt.datetime | None = None
    alarms: list[str] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        return {
            "PolicyARN": self.arn,
            "PolicyName": self.name,
            "ServiceNamespace": "ecs",
            "ResourceId": self.resource_id,
            "ScalableDimension": _DIMENSION,
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": self.target_value,
                "PredefinedMetricSpecification": {"PredefinedMetricType": self.metric_type},
                "ScaleOutCooldown": self.scale_out_cooldown,
                "ScaleInCooldown": self.scale_in_cooldown,
                "DisableScaleIn": self.disable_scale_in,
            },
            "Alarms": [{"AlarmName": a} for a in self.alarms],
            "CreationTime": self.created,
        }


def _whole(value: Any, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _error(
            f"{what} must be a whole number from {low} to {high}, not {value!r}.",
            f"pass e.g. {what}={max(low, 1)}.",
        )
    return value


class ServiceAutoScaling:
    """Application Auto Scaling for ECS services in one lab."""

    def __init__(self, ecs: EcsSimulator, metrics: MetricStore) -> None:
        self.ecs = ecs
        self.metrics = metrics
        self.targets: dict[str, ScalableTarget] = {}
        self.policies: dict[tuple[str, str], ScalingPolicy] = {}
        self.activities: list[dict[str, Any]] = []

    # -- the API --------------------------------------------------------------------------
    def _resource(self, namespace: Any, resource_id: Any, dimension: Any) -> tuple[str, str]:
        if namespace != "ecs":
            raise _error(
                f"ServiceNamespace {namespace!r} is not simulated; the lab scales ECS services.",
                "pass ServiceNamespace='ecs'.",
            )
        if dimension != _DIMENSION:
            raise _error(
                f"ScalableDimension {dimension!r} is not valid for an ECS service.",
                f"pass ScalableDimension={_DIMENSION!r}.",
            )
        parts = resource_id.split("/") if isinstance(resource_id, str) else []
        if len(parts) != 3 or parts[0] != "service" or not parts[1] or not parts[2]:
            raise _error(
                f"ResourceId {resource_id!r} is not an ECS service.",
                "write ResourceId='service/<cluster name>/<service name>'.",
            )
        return parts[1], parts[2]

    def register_scalable_target(
        self,
        now: _dt.datetime,
        *,
        namespace: Any,
        resource_id: Any,
        dimension: Any,
        min_capacity: Any = None,
        max_capacity: Any = None,
    ) -> None:
        """Register (or update) a service's desired count as a scalable target."""
        cluster, service = self._resource(namespace, resource_id, dimension)
        try:
            self.ecs.service(cluster, service)
        except NotFoundError as exc:
            raise _error(
                f"ECS service doesn't exist: {resource_id}",
                "create the service first (lab.ecs.create_service), then register it.",
            ) from exc
        old = self.targets.get(resource_id)
        if old is None and (min_capacity is None or max_capacity is None):
            raise _error(
                "MinCapacity and MaxCapacity are required when registering a new target.",
                "pass e.g. MinCapacity=1, MaxCapacity=10.",
            )
        low = _whole(
            old.min_capacity if min_capacity is None and old else min_capacity,
            "MinCapacity",
            0,
            _MAX_CAPACITY,
        )
        high = _whole(
            old.max_capacity if max_capacity is None and old else max_capacity,
            "MaxCapacity",
            0,
            _MAX_CAPACITY,
        )
        if high < low:
            raise _error(
                f"Minimum capacity ({low}) cannot be greater than maximum capacity ({high}).",
                "pass a MaxCapacity at least as large as MinCapacity.",
            )
        self.targets[resource_id] = ScalableTarget(
            resource_id, cluster, service, low, high, old.created if old else now
        )

    def put_scaling_policy(
        self,
        now: _dt.datetime,
        *,
        name: Any,
        namespace: Any,
        resource_id: Any,
        dimension: Any,
        policy_type: Any,
        configuration: Any,
        arn: str,
    ) -> ScalingPolicy:
        """Create or replace a target tracking policy on a registered target."""
        self._resource(namespace, resource_id, dimension)
        if not isinstance(name, str) or not 1 <= len(name) <= 256:
            raise _error("PolicyName must be 1 to 256 characters.", "pass PolicyName='cpu50'.")
        if resource_id not in self.targets:
            raise InvalidParameterError(
                f"No scalable target registered for service namespace: ecs, resource ID: "
                f"{resource_id}, scalable dimension: {_DIMENSION}",
                code="ObjectNotFoundException",
                hint="call register_scalable_target first.",
            )
        if policy_type != "TargetTrackingScaling":
            raise _error(
                f"PolicyType {policy_type!r} is not simulated.",
                "pass PolicyType='TargetTrackingScaling'.",
            )
        if not isinstance(configuration, dict):
            raise _error(
                "TargetTrackingScalingPolicyConfiguration is required for target tracking.",
                "pass {'TargetValue': 50.0, 'PredefinedMetricSpecification': "
                "{'PredefinedMetricType': 'ECSServiceAverageCPUUtilization'}}.",
            )
        target = configuration.get("TargetValue")
        if (
            isinstance(target, bool)
            or not isinstance(target, (int, float))
            or not 0 < target <= 100
        ):
            raise _error(
                f"TargetValue must be a utilisation in percent, above 0 and at most 100, "
                f"not {target!r}.",
                "pass e.g. TargetValue=50.0 to keep the service's CPU near 50 %.",
            )
        spec = configuration.get("PredefinedMetricSpecification")
        metric = spec.get("PredefinedMetricType") if isinstance(spec, dict) else None
        if metric not in _METRICS:
            raise _error(
                f"PredefinedMetricType {metric!r} is not simulated.",
                "pass PredefinedMetricSpecification={'PredefinedMetricType': "
                "'ECSServiceAverageCPUUtilization'}.",
            )
        out = configuration.get("ScaleOutCooldown", RULES["default_scale_out_cooldown_seconds"])
        in_ = configuration.get("ScaleInCooldown", RULES["default_scale_in_cooldown_seconds"])
        disable = configuration.get("DisableScaleIn", False)
        if not isinstance(disable, bool):
            raise _error("DisableScaleIn must be true or false.", "pass DisableScaleIn=False.")
        policy = ScalingPolicy(
            name=name,
            arn=arn,
            resource_id=resource_id,
            target_value=float(target),
            metric_type=metric,
            scale_out_cooldown=_whole(out, "ScaleOutCooldown", 0, 86400),
            scale_in_cooldown=_whole(in_, "ScaleInCooldown", 0, 86400),
            disable_scale_in=disable,
            created=now,
        )
        prefix = f"TargetTracking-{resource_id}"
        suffix = arn.split(":")[6] if arn.count(":") >= 6 else name
        policy.alarms = [f"{prefix}-AlarmHigh-{suffix}", f"{prefix}-AlarmLow-{suffix}"]
        self.policies[(resource_id, name)] = policy
        return policy

    def deregister_scalable_target(self, resource_id: str) -> None:
        """Remove a target and its policies."""
        if self.targets.pop(resource_id, None) is None:
            raise InvalidParameterError(
                f"No scalable target found for service namespace: ecs, resource ID: "
                f"{resource_id}, scalable dimension: {_DIMENSION}",
                code="ObjectNotFoundException",
                hint="list them with describe_scalable_targets(ServiceNamespace='ecs').",
            )
        for key in [k for k in self.policies if k[0] == resource_id]:
            del self.policies[key]

    # -- the evaluation ---------------------------------------------------------------------
    def evaluate(self, now: _dt.datetime) -> list[dict[str, Any]]:
        """One minute's evaluation of every policy; returns the activities it started."""
        started: list[dict[str, Any]] = []
        for (resource_id, _), policy in list(self.policies.items()):
            target = self.targets.get(resource_id)
            if target is None:
                continue
            try:
                svc = self.ecs.service(target.cluster, target.service)
            except NotFoundError:
                continue
            activity = self._evaluate(now, target, policy, svc.desired)
            if activity is not None:
                # What UpdateService(desiredCount=...) records; the cluster and the service
                # were checked just above, so no second look-up through ECS.
                svc.desired = activity["to"]
                self.ecs.reconcile(target.cluster)
                started.append(activity)
        return started

    def _evaluate(
        self, now: _dt.datetime, target: ScalableTarget, policy: ScalingPolicy, desired: int
    ) -> dict[str, Any] | None:
        if desired < target.min_capacity or desired > target.max_capacity:
            bound = min(max(desired, target.min_capacity), target.max_capacity)
            return self._activity(now, target, bound, desired, "capacity outside min/max")
        dims = {"ClusterName": target.cluster, "ServiceName": target.service}
        metric = _METRICS[policy.metric_type]
        high_n, low_n = int(RULES["scale_out_datapoints"]), int(RULES["scale_in_datapoints"])
        recent = self.metrics.latest("AWS/ECS", metric, dims, max(high_n, low_n))
        if not recent:
            return None
        latest = recent[-1][1]
        high = [v for _, v in recent[-high_n:]]
        if len(high) == high_n and all(v > policy.target_value for v in high):
            wanted = min(
                proposed_capacity(current=desired, metric=latest, target=policy.target_value),
                target.max_capacity,
            )
            cooling = (
                policy.last_scale_out is not None
                and (now - policy.last_scale_out).total_seconds() < policy.scale_out_cooldown
            )
            if wanted > desired and not cooling:
                policy.last_scale_out = now
                policy.last_scale_in = None  # a scale-out ends a scale-in cooldown
                return self._activity(now, target, wanted, desired, policy.alarms[0], policy)
            return None
        threshold = policy.target_value * float(RULES["scale_in_threshold_fraction"])
        low = [v for _, v in recent[-low_n:]]
        if policy.disable_scale_in or len(low) < low_n or not all(v < threshold for v in low):
            return None
        wanted = max(
            proposed_capacity(current=desired, metric=latest, target=policy.target_value),
            target.min_capacity,
        )
        cooling = (
            policy.last_scale_in is not None
            and (now - policy.last_scale_in).total_seconds() < policy.scale_in_cooldown
        )
        if wanted < desired and not cooling:
            policy.last_scale_in = now
            return self._activity(now, target, wanted, desired, policy.alarms[1], policy)
        return None

    def _activity(
        self,
        now: _dt.datetime,
        target: ScalableTarget,
        to: int,
        from_: int,
        alarm: str,
        policy: ScalingPolicy | None = None,
    ) -> dict[str, Any]:
        cause = (
            f"monitor alarm {alarm} in state ALARM triggered policy {policy.name}"
            if policy
            else f"minimum/maximum capacity of the scalable target ({target.min_capacity}.."
            f"{target.max_capacity})"
        )
        record = {
            "ActivityId": f"{len(self.activities) + 1:08d}-0000-4000-8000-000000000000",
            "ServiceNamespace": "ecs",
            "ResourceId": target.resource_id,
            "ScalableDimension": _DIMENSION,
            "Description": f"Setting desired count to {to}.",
            "Cause": f"{now:%Y-%m-%dT%H:%M:%SZ} {cause} changing the desired capacity "
            f"from {from_} to {to}.",
            "StartTime": now,
            "EndTime": now,
            "StatusCode": "Successful",
            "StatusMessage": f"Successfully set desired count to {to}. "
            "Change successfully fulfilled by ecs.",
            "to": to,
        }
        self.activities.append(record)
        return record
