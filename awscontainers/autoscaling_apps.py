"""``lab.application_autoscaling``: boto3's Application Auto Scaling client for ECS
services (Service Auto Scaling): ``register_scalable_target``, ``put_scaling_policy``
(target tracking on ``ECSServiceAverageCPUUtilization``), their ``describe_*`` calls and
``describe_scaling_activities``. In the simulation the policies act as the clock moves
(:mod:`awscontainers.sim.day2.service_scaling`); against real AWS, boto3 unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._aws import call

if TYPE_CHECKING:
    from .lab import Lab
    from .sim.day2 import ServiceAutoScaling

__all__ = ["ApplicationAutoScalingClient"]


class ApplicationAutoScalingClient:
    """boto3-shaped Application Auto Scaling client (ECS service desired counts)."""

    def __init__(self, lab: Lab):
        self._lab = lab

    @property
    def _sim(self) -> ServiceAutoScaling | None:
        day2 = self._lab.day2
        return day2.service_scaling if day2 is not None else None

    def _real(self, operation: str, params: dict) -> dict:
        return call(self._lab.client("application-autoscaling"), operation, **params)

    def register_scalable_target(self, **params: Any) -> dict:
        """Register ``service/<cluster>/<service>``'s ``ecs:service:DesiredCount`` with
        ``MinCapacity`` and ``MaxCapacity``."""
        sim = self._sim
        if sim is None:
            return self._real("register_scalable_target", params)
        sim.register_scalable_target(
            self._lab.clock.peek(),
            namespace=params.get("ServiceNamespace"),
            resource_id=params.get("ResourceId"),
            dimension=params.get("ScalableDimension"),
            min_capacity=params.get("MinCapacity"),
            max_capacity=params.get("MaxCapacity"),
        )
        target = sim.targets[params["ResourceId"]]
        return {
            "ScalableTargetARN": self._lab.arn(
                "application-autoscaling", f"scalable-target/{target.resource_id}"
            )
        }

    def put_scaling_policy(self, **params: Any) -> dict:
        """A ``TargetTrackingScaling`` policy on a registered target."""
        sim = self._sim
        if sim is None:
            return self._real("put_scaling_policy", params)
        resource_id = params.get("ResourceId")
        arn = (
            f"arn:aws:autoscaling:{self._lab.region}:{self._lab.account_id}:scalingPolicy:"
            f"{self._lab.new_id(36)}:resource/ecs/{resource_id}:policyName/"
            f"{params.get('PolicyName')}"
        )
        policy = sim.put_scaling_policy(
            self._lab.clock.peek(),
            name=params.get("PolicyName"),
            namespace=params.get("ServiceNamespace"),
            resource_id=resource_id,
            dimension=params.get("ScalableDimension"),
            policy_type=params.get("PolicyType"),
            configuration=params.get("TargetTrackingScalingPolicyConfiguration"),
            arn=arn,
        )
        return {"PolicyARN": policy.arn, "Alarms": [{"AlarmName": a} for a in policy.alarms]}

    def deregister_scalable_target(self, **params: Any) -> dict:
        """Remove a scalable target and its policies."""
        sim = self._sim
        if sim is None:
            return self._real("deregister_scalable_target", params)
        sim.deregister_scalable_target(str(params.get("ResourceId")))
        return {}

    def describe_scalable_targets(self, **params: Any) -> dict:
        """The registered targets (``ResourceIds`` filters them)."""
        sim = self._sim
        if sim is None:
            return self._real("describe_scalable_targets", params)
        wanted = params.get("ResourceIds")
        return {
            "ScalableTargets": [
                t.describe() for rid, t in sim.targets.items() if not wanted or rid in wanted
            ]
        }

    def describe_scaling_policies(self, **params: Any) -> dict:
        """The policies (``ResourceId`` filters them)."""
        sim = self._sim
        if sim is None:
            return self._real("describe_scaling_policies", params)
        rid = params.get("ResourceId")
        return {
            "ScalingPolicies": [
                p.describe() for (r, _), p in sim.policies.items() if rid in (None, r)
            ]
        }

    def describe_scaling_activities(self, **params: Any) -> dict:
        """What the policies did, newest first (``ResourceId`` filters them)."""
        sim = self._sim
        if sim is None:
            return self._real("describe_scaling_activities", params)
        rid = params.get("ResourceId")
        rows = [
            {k: v for k, v in a.items() if k != "to"}
            for a in reversed(sim.activities)
            if rid in (None, a["ResourceId"])
        ]
        return {"ScalingActivities": rows}
