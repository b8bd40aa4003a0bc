"""Which capacity provider (FARGATE or FARGATE_SPOT) each new task goes to, and the rules of
ECS cluster auto scaling for an Auto Scaling group capacity provider (pure)."""

from __future__ import annotations

from typing import Any

from ...errors import InvalidParameterError
from ...rules.data import load_packaged


def split_by_strategy(strategy: list[dict], count: int, existing: list[str]) -> list[str]:
    """Which capacity provider each of ``count`` new tasks goes to, by ``base`` and ``weight``.

    >>> split_by_strategy([{"capacityProvider": "FARGATE", "base": 1, "weight": 1},
    ...                    {"capacityProvider": "FARGATE_SPOT", "weight": 3}], 5, [])
    ['FARGATE', 'FARGATE_SPOT', 'FARGATE', 'FARGATE_SPOT', 'FARGATE_SPOT']
    """
    counts = {s["capacityProvider"]: existing.count(s["capacityProvider"]) for s in strategy}
    out: list[str] = []
    for _ in range(count):
        # The base is met first; then each new task goes where it keeps the weights closest.
        base_due = [s for s in strategy if counts[s["capacityProvider"]] < int(s.get("base", 0))]
        if base_due:
            chosen = base_due[0]["capacityProvider"]
        else:
            weighted = [s for s in strategy if int(s.get("weight", 0)) > 0] or strategy[:1]
            total_weight = sum(int(w.get("weight", 1)) for w in weighted)
            total_after = 1 + sum(
                max(counts[s["capacityProvider"]] - int(s.get("base", 0)), 0) for s in strategy
            )
            deficits = {
                s["capacityProvider"]: max(counts[s["capacityProvider"]] - int(s.get("base", 0)), 0)
                - int(s.get("weight", 1)) / total_weight * total_after
                for s in weighted
            }
            chosen = min(deficits, key=deficits.__getitem__)
        counts[chosen] += 1
        out.append(chosen)
    return out


# -- ECS cluster auto scaling: an Auto Scaling group capacity provider's managed scaling ----


def capacity_provider_reservation(needed: int, running: int) -> float:
    """The ``CapacityProviderReservation`` metric, in percent: ``M / N x 100``, where
    ``running`` (N) is the instances running in the group and ``needed`` (M) the instances
    needed to run every task, PROVISIONING ones included; 200 when N is 0 and M is not, 100
    when both are 0 (to verify; data/day2.yaml, ``ecs_cluster_auto_scaling``).

    >>> capacity_provider_reservation(3, 4), capacity_provider_reservation(2, 0)
    (75.0, 200.0)
    >>> capacity_provider_reservation(0, 0), capacity_provider_reservation(0, 2)
    (100.0, 0.0)
    """
    if running == 0:
        return 200.0 if needed > 0 else 100.0
    return needed / running * 100


def instances_needed(
    busy_instances: int, provisioning: list[tuple[int, int]], instance: tuple[int, int]
) -> int:
    """M: the instances running at least one task, plus the empty instances of shape
    ``instance`` (CPU units, MiB) that the PROVISIONING tasks (each ``(cpu, memory)``) would
    fill, first fit, largest first. A task larger than an instance adds none (it can never
    be placed in this group).

    >>> instances_needed(2, [(512, 1024)] * 5, (2048, 3900))
    4
    """
    cpu, memory = instance
    free: list[list[int]] = []
    for need_cpu, need_mem in sorted(provisioning, reverse=True):
        if need_cpu > cpu or need_mem > memory:
            continue
        for slot in free:
            if slot[0] >= need_cpu and slot[1] >= need_mem:
                slot[0] -= need_cpu
                slot[1] -= need_mem
                break
        else:
            free.append([cpu - need_cpu, memory - need_mem])
    return busy_instances + len(free)


def managed_scaling_desired(
    needed: int,
    running: int,
    *,
    target_capacity: int,
    minimum_step: int = 1,
    maximum_step: int = 10000,
    min_size: int = 0,
    max_size: int,
) -> int:
    """The group's desired capacity that ECS's target tracking policy moves toward: the
    least N with ``M / N x 100 <= targetCapacity``; a scale-out moves at least
    ``minimumScalingStepSize`` and at most ``maximumScalingStepSize`` instances (the step
    sizes do not bound a scale-in); always within the group's min and max size.

    >>> managed_scaling_desired(4, 2, target_capacity=100, max_size=10)
    4
    >>> managed_scaling_desired(4, 2, target_capacity=80, max_size=10)  # ceil(4 x 100 / 80)
    5
    >>> managed_scaling_desired(30, 0, target_capacity=100, maximum_step=5, max_size=100)
    5
    >>> managed_scaling_desired(1, 4, target_capacity=100, max_size=10)
    1
    """
    want = -(-needed * 100 // target_capacity) if needed else 0
    if want > running:
        step = min(max(want - running, minimum_step), maximum_step)
        want = running + step
    return max(min_size, min(max_size, want))


# -- the checks ECS makes on a capacity provider and a strategy (every backend) -------------

FARGATE_PROVIDERS = ("FARGATE", "FARGATE_SPOT")
_RESERVED_PREFIXES = ("aws", "ecs", "fargate")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def _facts() -> dict[str, Any]:
    return load_packaged("day2.yaml")["ecs_cluster_auto_scaling"]


def _refuse(message: str, hint: str, code: str = "ClientException") -> InvalidParameterError:
    return InvalidParameterError(message, code=code, hint=hint)


def _whole(value: Any, what: str, low: int, high: int, hint: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _refuse(
            f"{what} must be a whole number from {low} to {high}, not {str(value)[:40]!r}.",
            hint,
        )
    return value


def group_name_of(arn: Any) -> str:
    """The Auto Scaling group's name in its ARN (``...:autoScalingGroupName/<name>``).

    >>> group_name_of("arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:"
    ...               "0b1c:autoScalingGroupName/web-asg")
    'web-asg'
    """
    marker = ":autoScalingGroupName/"
    if not isinstance(arn, str) or not arn.startswith("arn:") or marker not in arn:
        raise _refuse(
            f"autoScalingGroupArn must be an Auto Scaling group's ARN, not {str(arn)[:60]!r}.",
            "pass the AutoScalingGroupARN that describe_auto_scaling_groups shows "
            "(arn:aws:autoscaling:...:autoScalingGroupName/<name>).",
            "InvalidParameterException",
        )
    name = arn.split(marker, 1)[1]
    if not name:
        raise _refuse(
            "autoScalingGroupArn names no group.",
            "pass the group's full ARN, ending in autoScalingGroupName/<name>.",
            "InvalidParameterException",
        )
    return name


def check_capacity_provider(name: Any, provider: Any) -> dict[str, Any]:
    """Check a CreateCapacityProvider as ECS does, before anything is made; returns the
    ``autoScalingGroupProvider`` with ECS's defaults filled in.

    >>> settings = check_capacity_provider("web-cp", {"autoScalingGroupArn":
    ...     "arn:aws:autoscaling:us-east-1:1:autoScalingGroup:x:autoScalingGroupName/web"})
    >>> settings["managedScaling"]["targetCapacity"], settings["managedTerminationProtection"]
    (100, 'DISABLED')
    """
    facts = _facts()
    if not isinstance(name, str) or not 1 <= len(name) <= 255 or set(name) - _NAME_CHARS:
        raise _refuse(
            f"Invalid capacity provider name {str(name)[:60]!r}.",
            "use up to 255 letters, digits, hyphens and underscores, e.g. name='web-instances'.",
        )
    if name.lower().startswith(_RESERVED_PREFIXES):
        raise _refuse(
            f"The capacity provider name {name!r} cannot begin with 'aws', 'ecs' or 'fargate'.",
            "pick another name, e.g. 'web-instances' (FARGATE and FARGATE_SPOT exist already).",
        )
    if not isinstance(provider, dict):
        raise _refuse(
            "autoScalingGroupProvider is required: this lab makes Auto Scaling group capacity "
            "providers.",
            "pass autoScalingGroupProvider={'autoScalingGroupArn': ..., 'managedScaling': "
            "{'status': 'ENABLED', 'targetCapacity': 100}}.",
            "InvalidParameterException",
        )
    group_name_of(provider.get("autoScalingGroupArn"))
    scaling = dict(provider.get("managedScaling") or {})
    status = scaling.get("status", "DISABLED")
    if status not in ("ENABLED", "DISABLED"):
        raise _refuse(
            f"managedScaling status must be ENABLED or DISABLED, not {str(status)[:40]!r}.",
            "pass managedScaling={'status': 'ENABLED', ...} to let ECS scale the group.",
        )
    low, high = facts["target_capacity_range"]
    target = _whole(
        scaling.get("targetCapacity", facts["default_target_capacity_percent"]),
        "targetCapacity",
        low,
        high,
        "give the percentage of the group's instances to keep busy, e.g. 100 (no spare) or 80.",
    )
    low, high = facts["scaling_step_size_range"]
    step_min = _whole(
        scaling.get("minimumScalingStepSize", facts["default_minimum_scaling_step_size"]),
        "minimumScalingStepSize",
        low,
        high,
        "give the fewest instances to add in one scale-out, e.g. 1.",
    )
    step_max = _whole(
        scaling.get("maximumScalingStepSize", facts["default_maximum_scaling_step_size"]),
        "maximumScalingStepSize",
        low,
        high,
        "give the most instances to add in one scale-out, e.g. 10.",
    )
    if step_min > step_max:
        raise _refuse(
            f"minimumScalingStepSize ({step_min}) is above maximumScalingStepSize ({step_max}).",
            "make the minimum step at most the maximum step.",
        )
    low, high = facts["instance_warmup_period_range"]
    warmup = _whole(
        scaling.get("instanceWarmupPeriod", facts["default_instance_warmup_period_seconds"]),
        "instanceWarmupPeriod",
        low,
        high,
        "give the seconds a new instance needs before it counts, e.g. 300.",
    )
    protection = provider.get("managedTerminationProtection", "DISABLED")
    if protection not in ("ENABLED", "DISABLED"):
        raise _refuse(
            f"managedTerminationProtection must be ENABLED or DISABLED, not "
            f"{str(protection)[:40]!r}.",
            "pass managedTerminationProtection='ENABLED' to keep instances with tasks.",
        )
    if protection == "ENABLED" and status != "ENABLED":
        raise _refuse(
            "The managed termination protection setting for the capacity provider is invalid: "
            "it works only with managed scaling.",
            "turn managed scaling on (managedScaling={'status': 'ENABLED'}) or pass "
            "managedTerminationProtection='DISABLED'.",
        )
    return {
        "autoScalingGroupArn": provider["autoScalingGroupArn"],
        "managedScaling": {
            "status": status,
            "targetCapacity": target,
            "minimumScalingStepSize": step_min,
            "maximumScalingStepSize": step_max,
            "instanceWarmupPeriod": warmup,
        },
        "managedTerminationProtection": protection,
    }


def check_strategy(strategy: Any) -> list[dict]:
    """Check a capacity provider strategy's shape as ECS does: each item names a provider
    once, ``weight`` 0-1000, ``base`` 0-100,000 and on one item at most, and Fargate and
    Auto Scaling group providers are not mixed.

    >>> check_strategy([{"capacityProvider": "web-cp", "weight": 1, "base": 2}])
    [{'capacityProvider': 'web-cp', 'weight': 1, 'base': 2}]
    """
    hint = "pass e.g. [{'capacityProvider': 'web-cp', 'weight': 1}]."
    if not isinstance(strategy, list):
        raise _refuse("A capacity provider strategy must be a list.", hint)
    names: list[str] = []
    for item in strategy:
        if not isinstance(item, dict) or not isinstance(item.get("capacityProvider"), str):
            raise _refuse("Each strategy item needs a capacityProvider name.", hint)
        names.append(item["capacityProvider"])
        _whole(item.get("weight", 0), "weight", 0, 1000, "give a weight from 0 to 1000.")
        _whole(item.get("base", 0), "base", 0, 100000, "give a base from 0 to 100,000.")
    if len(set(names)) != len(names):
        raise _refuse(
            "A capacity provider strategy names each capacity provider at most once.",
            "merge the items that name the same provider.",
            "InvalidParameterException",
        )
    if sum(1 for item in strategy if item.get("base", 0)) > 1:
        raise _refuse(
            "Only one capacity provider in a strategy can have a base.",
            "give base to one provider and weights to the others.",
            "InvalidParameterException",
        )
    fargate = [n for n in names if n in FARGATE_PROVIDERS]
    if fargate and len(fargate) != len(names):
        raise _refuse(
            "A capacity provider strategy cannot mix Fargate capacity providers with Auto "
            "Scaling group capacity providers.",
            "use FARGATE/FARGATE_SPOT in one strategy, your Auto Scaling group providers in "
            "another.",
            "InvalidParameterException",
        )
    return [dict(item) for item in strategy]
