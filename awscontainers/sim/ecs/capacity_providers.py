"""Which capacity provider (FARGATE or FARGATE_SPOT) each new task goes to, and the rules of
ECS cluster auto scaling for an Auto Scaling group capacity provider (pure)."""

from __future__ import annotations


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
