"""ECS cluster auto scaling in simulated time: instances an Auto Scaling group launched join
their cluster after booting, and ECS target-tracks each capacity provider's group.

Two controllers (registered in :mod:`.simulation`):

- ``ecs-instance-join`` (every tick): an instance launched by a watched group (a capacity
  provider's) registers ``launch_to_registration_seconds`` after its launch; PROVISIONING
  tasks that fit start on it at once.
- ``ecs-cluster-auto-scaling`` (every minute): for each Auto Scaling group capacity
  provider associated with a cluster and with managed scaling ENABLED, publish
  ``CapacityProviderReservation`` (M / N x 100) to ``AWS/ECS/ManagedScaling`` and move the
  group's desired capacity toward ``targetCapacity``: out on a datapoint above it, once the
  instances the last scale-out launched are past ``instanceWarmupPeriod``, by at least
  ``minimumScalingStepSize`` and at most ``maximumScalingStepSize``; in after 15 datapoints
  below it; always within the group's min and max. With managed termination protection, ECS
  keeps scale-in protection on instances running tasks and takes it off empty ones, so a
  scale-in terminates only empty instances. With managed scaling DISABLED nothing scales:
  the timeline says tasks are waiting and that the group is yours to scale.

Every figure is in ``data/day2.yaml`` (``ecs_cluster_auto_scaling``), with its source.
"""

from __future__ import annotations

import datetime as _dt
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..._aws import call
from ...arns import short_name
from ...rules.data import load_packaged
from ..clock import FOREVER
from ..ecs.capacity_providers import capacity_provider_reservation, managed_scaling_desired

if TYPE_CHECKING:
    from ..ecs import EcsSimulator
    from ..ecs.records import SimCapacityProvider
    from .simulation import Day2

__all__ = ["RULES", "join_instances", "scale"]

RULES: dict[str, Any] = load_packaged("day2.yaml")["ecs_cluster_auto_scaling"]


@dataclass
class _Provider:
    """What ECS's target tracking remembers of one capacity provider between minutes."""

    below: int = 0  # consecutive datapoints below targetCapacity
    last_scale_out: _dt.datetime | None = None
    told: str | None = None  # the last "nothing scales" message, said once


_STATE: weakref.WeakKeyDictionary[Any, dict[str, _Provider]] = weakref.WeakKeyDictionary()


def join_instances(day2: Day2, when: _dt.datetime) -> None:
    """Instances whose boot is over register; say so on the timeline."""
    ecs = day2.ecs
    if ecs is None or not ecs.booting():
        return
    for inst in ecs.boot_due(when):
        started = len(inst.tasks)
        provider = (
            f" for capacity provider {inst.capacity_provider}" if inst.capacity_provider else ""
        )
        day2.note(
            when,
            "ecs",
            inst.cluster,
            f"Instance {inst.instance_id} ({inst.instance_type}) finished booting: its ECS "
            f"agent registered it in cluster {inst.cluster}{provider} as container instance "
            f"{short_name(inst.arn)}; {started} task(s) started on it.",
        )


def join_quiet(day2: Day2, when: _dt.datetime) -> _dt.datetime | None:
    """FOREVER while no instance is booting (``ecs-instance-join`` has nothing to do)."""
    return None if day2.ecs is not None and day2.ecs.booting() else FOREVER


def scale_quiet(day2: Day2, when: _dt.datetime) -> _dt.datetime | None:
    """FOREVER while no capacity provider is associated with a cluster."""
    ecs = day2.ecs
    if ecs is not None and any(ecs.clusters_of(n) for n in ecs.capacity_provider_names()):
        return None
    return FOREVER


def scale(day2: Day2, when: _dt.datetime) -> None:
    """Every minute: each capacity provider's metric, and ECS moving its group."""
    ecs = day2.ecs
    if ecs is None:
        return
    names = ecs.capacity_provider_names()
    if not names:
        return
    states = _STATE.setdefault(ecs, {})
    for name in names:
        clusters = ecs.clusters_of(name)
        if not clusters:
            continue  # ECS scales a provider's group only once a cluster uses it
        with ecs.acting_at(when):
            _provider(day2, ecs, ecs.capacity_provider(name), clusters[0], states, when)


def _provider(
    day2: Day2,
    ecs: EcsSimulator,
    cp: SimCapacityProvider,
    cluster: str,
    states: dict[str, _Provider],
    when: _dt.datetime,
) -> None:
    state = states.setdefault(cp.name, _Provider())
    group = ecs.sync_group(cp.group)
    if group is None:
        return
    target = f"{cluster}/{cp.name}"
    if not cp.managed:
        waiting = ecs.provisioning_count(cp.name)
        message = (
            f"{waiting} task(s) wait in PROVISIONING for capacity provider {cp.name}, whose "
            f"managed scaling is DISABLED: ECS does not scale Auto Scaling group {cp.group} "
            f"({len(group['Instances'])} instance(s), max {group['MaxSize']}). Scaling the "
            "group is yours: set its desired capacity (autoscaling set_desired_capacity), or "
            "turn managed scaling on (lab.ecs.update_capacity_provider(name=..., "
            "autoScalingGroupProvider={'managedScaling': {'status': 'ENABLED'}}))."
            if waiting
            else None
        )
        if message and state.told is None:
            day2.note(when, "ecs", target, message)
        state.told = message
        return
    instances = len(group["Instances"])
    needed = ecs.instances_needed(cp.name, group)
    value = capacity_provider_reservation(needed, instances)
    day2.metrics.put(
        RULES["metric_namespace"],
        RULES["metric_name"],
        {"ClusterName": cluster, "CapacityProviderName": cp.name},
        when,
        value,
    )
    if cp.protects:
        _keep_busy_instances(day2, ecs, cp, group)
    scaling = cp.scaling
    desired = int(group["DesiredCapacity"])
    want = managed_scaling_desired(
        needed,
        instances,
        target_capacity=scaling["targetCapacity"],
        minimum_step=scaling["minimumScalingStepSize"],
        maximum_step=scaling["maximumScalingStepSize"],
        min_size=int(group["MinSize"]),
        max_size=int(group["MaxSize"]),
    )
    if value > scaling["targetCapacity"]:
        state.below = 0
        warm_until = (
            state.last_scale_out + _dt.timedelta(seconds=scaling["instanceWarmupPeriod"])
            if state.last_scale_out
            else None
        )
        if warm_until is not None and when < warm_until:
            return  # the instances it launched last are still warming up
        if want > desired:
            _set_desired(day2, ecs, cp, desired, want, when, target, value, needed, instances)
            state.last_scale_out = when
        elif desired >= int(group["MaxSize"]) and state.told is None:
            state.told = (
                f"Auto Scaling group {cp.group} is at its max size ({group['MaxSize']}): "
                f"CapacityProviderReservation {value:.0f} % stays above targetCapacity "
                f"{scaling['targetCapacity']} % and tasks wait in PROVISIONING. Raise the "
                "group's MaxSize to let ECS add instances."
            )
            day2.note(when, "ecs", target, state.told)
        return
    state.told = None
    if value < scaling["targetCapacity"]:
        state.below += 1
        if state.below >= int(RULES["scale_in_datapoints"]) and want < desired:
            _set_desired(day2, ecs, cp, desired, want, when, target, value, needed, instances)
            state.below = 0
    else:
        state.below = 0


def _set_desired(
    day2: Day2,
    ecs: EcsSimulator,
    cp: SimCapacityProvider,
    desired: int,
    want: int,
    when: _dt.datetime,
    target: str,
    value: float,
    needed: int,
    instances: int,
) -> None:
    call(
        day2.account.client("autoscaling"),
        "set_desired_capacity",
        AutoScalingGroupName=cp.group,
        DesiredCapacity=want,
        HonorCooldown=False,
    )
    how = "out" if want > desired else "in"
    day2.note(
        when,
        "ecs",
        target,
        f"ECS managed scaling: CapacityProviderReservation {value:.0f} % (M={needed}, "
        f"N={instances}) vs targetCapacity {cp.scaling['targetCapacity']} %: scaling {how} "
        f"Auto Scaling group {cp.group} from {desired} to {want} instance(s).",
    )


def _keep_busy_instances(
    day2: Day2, ecs: EcsSimulator, cp: SimCapacityProvider, group: dict
) -> None:
    """Managed termination protection: scale-in protection on for instances running a task
    (and those still booting), off for empty ones."""
    joined = {i.instance_id: bool(i.tasks) for i in ecs.provider_instances(cp.name)}
    change: dict[bool, list[str]] = {True: [], False: []}
    for inst in group["Instances"]:
        iid = inst["InstanceId"]
        keep = joined.get(iid, True)
        if keep != bool(inst.get("ProtectedFromScaleIn")):
            change[keep].append(iid)
    for protect, ids in change.items():
        if ids:
            call(
                day2.account.client("autoscaling"),
                "set_instance_protection",
                AutoScalingGroupName=cp.group,
                InstanceIds=sorted(ids),
                ProtectedFromScaleIn=protect,
            )
