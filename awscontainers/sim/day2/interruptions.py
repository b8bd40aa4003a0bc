"""Interruptions, in simulated time: Spot reclaims, Fargate Spot stops, a lost zone.

- **EC2 Spot** (:meth:`Interruptions.interrupt_spot`): the two-minute interruption notice,
  then the instance terminates. An ECS container instance whose user data sets
  ``ECS_ENABLE_SPOT_INSTANCE_DRAINING=true`` is set DRAINING at the notice, so its service
  tasks move in time; without it the tasks die with the instance. A node of an EKS managed
  nodegroup of capacity type SPOT is handled by EKS (Capacity Rebalancing): a replacement
  node is launched and the Spot node cordoned and drained at the notice. A self-managed node
  is not told (no Node Termination Handler in the lab): its pods are deleted at termination
  and their Deployments place them again. An instance of an Auto Scaling group is replaced.
- **Fargate Spot** (:meth:`Interruptions.stop_fargate_spot_tasks`): SIGTERM at the notice,
  the task stops two minutes later (stop code ``SpotInterruption``), and its service starts
  a replacement.
- **A lost Availability Zone** (:meth:`Interruptions.lose_zone`): every instance, Fargate
  task and Fargate pod there goes at once; groups relaunch in the other zones, services and
  Deployments reschedule where there is room, and Fargate uses only the other zones' subnets.

Figures: ``data/day2.yaml`` (``interruptions``).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..._aws import call
from ...errors import InvalidParameterError, NotFoundError, ResourceInUseError
from ...rules.capacity import parse_ecs_config
from ...rules.data import load_packaged
from ..clock import FOREVER
from ..ec2 import terminate_in_group
from ..kube import disruption
from .patching import AWS, replace_in_group

if TYPE_CHECKING:
    from .simulation import Day2

__all__ = ["RULES", "Interruptions"]

RULES: dict[str, Any] = load_packaged("day2.yaml")["interruptions"]


@dataclass
class _Due:
    when: _dt.datetime
    kind: str  # "spot" or "fargate-spot"
    target: str  # instance id or task ARN
    cluster: str = ""


class Interruptions:
    """What AWS takes away, announced and then done at the tick it is due."""

    def __init__(self, day2: Day2) -> None:
        self.day2 = day2
        self.account = day2.account
        self._due: list[_Due] = []
        self.lost_zones: list[str] = []
        self._replaced_early: set[str] = set()  # managed Spot nodes replaced at the notice

    # -- EC2 Spot --------------------------------------------------------------------------------
    def interrupt_spot(self, instance_id: str, when: _dt.datetime) -> dict:
        """EC2 reclaims Spot Instance ``instance_id``: the notice now, termination in two
        minutes."""
        try:
            found = call(
                self.account.client("ec2"), "describe_instances", InstanceIds=[instance_id]
            )["Reservations"]
        except (NotFoundError, InvalidParameterError) as exc:
            raise NotFoundError(
                f"The instance ID {instance_id!r} does not exist.",
                code="InvalidInstanceID.NotFound",
                hint="pass the id of a running instance (lab.ecs.container_instances_table or "
                "lab.eks.group_instances show them).",
            ) from exc
        inst = found[0]["Instances"][0]
        if inst["State"]["Name"] != "running":
            raise InvalidParameterError(
                f"Instance {instance_id} is {inst['State']['Name']}, not running.",
                hint="only a running Spot Instance can be interrupted.",
            )
        managed = self._managed_spot_group(instance_id)
        if inst.get("InstanceLifecycle") != "spot" and managed is None:
            raise InvalidParameterError(
                f"Instance {instance_id} is an On-Demand instance: EC2 never reclaims it.",
                hint="launch a Spot Instance (run_instances with InstanceMarketOptions="
                "{'MarketType': 'spot'}) to see an interruption.",
            )
        if any(d.target == instance_id for d in self._due):
            raise ResourceInUseError(
                f"Instance {instance_id} already has an interruption notice.",
                hint="advance the lab's time (lab.run(...)) to see it terminate.",
            )
        notice = int(RULES["spot_notice_seconds"])
        at = when + _dt.timedelta(seconds=notice)
        self.day2.watch_all()
        self._due.append(_Due(at, "spot", instance_id))
        self.day2.note(
            when, "ec2", instance_id,
            f"EC2 Spot Instance Interruption Warning: {instance_id} will be terminated at "
            f"{at:%H:%M:%S} ({notice // 60} minutes' notice).",
            who=AWS,
        )  # fmt: skip
        drained = self._ecs_notice(instance_id, when)
        if managed is not None:
            self._managed_spot_notice(instance_id, managed, when)
        else:
            self._eks_notice(instance_id, when)
        return {"InstanceId": instance_id, "terminates_at": at, "ecs_draining": drained}

    def _ecs_notice(self, iid: str, when: _dt.datetime) -> bool:
        ecs = self.day2.ecs
        inst = ecs.container_instance_of(iid) if ecs is not None else None
        if ecs is None or inst is None:
            return False
        data = call(
            self.account.client("ec2"), "describe_instance_attribute",
            InstanceId=iid, Attribute="userData",
        )  # fmt: skip
        config = parse_ecs_config(data.get("UserData", {}).get("Value"))
        key = str(RULES["ecs_spot_draining_key"])
        if str(config.get(key, "")).lower() == "true":
            ecs.drain(inst.cluster, [inst.arn], "DRAINING")
            self.day2.note(
                when, "ecs", inst.cluster,
                f"The ECS agent on {iid} saw the notice ({key}=true): the container instance "
                "is DRAINING, its service tasks are moving to other instances now.",
                who="AWS (ECS agent, as you configured)",
            )  # fmt: skip
            return True
        self.day2.note(
            when, "ecs", inst.cluster,
            f"{key} is not true in {iid}'s user data: ECS does not drain it; its "
            f"{len(inst.tasks)} task(s) stop when the instance terminates.",
            who="nobody (you did not configure draining)",
        )  # fmt: skip
        return False

    def _managed_spot_group(self, iid: str) -> tuple[str, str, str] | None:
        """(cluster, nodegroup, Auto Scaling group) when ``iid`` is a node of a managed
        nodegroup of capacity type SPOT (the lab launches its instances On-Demand in moto,
        so the nodegroup is what says Spot)."""
        eks = self.day2.eks
        group = eks._group_of.get(iid) if eks is not None else None
        if eks is None or group is None:
            return None
        for cname, sim in sorted(eks._clusters.items()):
            for name, ng in sorted(sim.nodegroups.items()):
                if ng["asg"] == group and ng["capacity_type"] == "SPOT" and iid in sim.nodes:
                    return cname, name, group
        return None

    def _managed_spot_notice(
        self, iid: str, managed: tuple[str, str, str], when: _dt.datetime
    ) -> None:
        """EKS (Capacity Rebalancing) launches a replacement node, then cordons and drains
        the Spot node, respecting PodDisruptionBudgets."""
        eks = self.day2.eks
        assert eks is not None and RULES["eks_managed_spot_drains"]
        cname, ng, group = managed
        sim = eks.cluster(cname)
        node = sim.nodes[iid]
        found = self.account.read(
            "autoscaling", "describe_auto_scaling_groups", AutoScalingGroupNames=[group]
        )["AutoScalingGroups"][0]  # fmt: skip
        size = len(found["Instances"])
        replaced = size + 1 <= int(found["MaxSize"])
        if replaced:
            eks.scale_group(group, size + 1)
            self._replaced_early.add(iid)
        result = disruption.drain(sim.kube, node)
        blocked = (
            f"; {len(result.blocked)} pod(s) kept by a PodDisruptionBudget"
            if result.blocked
            else ""
        )
        self.day2.note(
            when, "eks", f"{cname}/{ng}",
            ("Replacement node launched; " if replaced else "No room above maxSize for a "
             "replacement yet; ")
            + f"Spot node {node} cordoned and drained ({len(result.evicted)} pod(s) evicted"
            + f"{blocked}) before the interruption.",
            who="AWS (EKS managed nodegroup)",
        )  # fmt: skip

    def _eks_notice(self, iid: str, when: _dt.datetime) -> None:
        eks = self.day2.eks
        if eks is None:
            return
        for cname, sim in eks._clusters.items():
            node = sim.nodes.get(iid)
            if node:
                self.day2.note(
                    when, "kubernetes", f"{cname}/{node}",
                    f"Node {node} is not drained: nothing in the cluster watches Spot notices "
                    "(install a termination handler); its pods are deleted at termination.",
                    who="nobody (you did not install a handler)",
                )  # fmt: skip

    # -- Fargate Spot ---------------------------------------------------------------------------
    def stop_fargate_spot_tasks(
        self, cluster: str, tasks: list[str] | None, count: int | None, when: _dt.datetime
    ) -> list[str]:
        """Fargate reclaims Spot capacity: SIGTERM to ``tasks`` (ARNs or ids; else the
        first ``count`` FARGATE_SPOT tasks of the cluster, all by default), stopped two
        minutes later. Returns the ARNs."""
        ecs = self.day2.ecs
        if ecs is None:
            raise InvalidParameterError("Fargate Spot is simulated only.", hint="use Lab().")
        name = ecs.require_cluster(cluster)
        noticed = {d.target for d in self._due}
        spot = [
            t["taskArn"]
            for t in ecs.live_tasks(name)
            if t.get("capacityProviderName") == "FARGATE_SPOT" and t["taskArn"] not in noticed
        ]
        if tasks is not None:
            chosen = []
            for ref in tasks:
                arn = ecs.find_task(name, ref)
                if arn not in spot:
                    raise InvalidParameterError(
                        f"Task {ref} is not a running FARGATE_SPOT task without a notice.",
                        hint="only tasks placed by the FARGATE_SPOT capacity provider are "
                        "interrupted; list them with lab.ecs.tasks_table(cluster).",
                    )
                chosen.append(arn)
        else:
            chosen = spot if count is None else spot[:count]
        if not chosen:
            raise InvalidParameterError(
                f"Cluster {name} has no running FARGATE_SPOT task to interrupt.",
                hint="run tasks with capacityProviderStrategy=[{'capacityProvider': "
                "'FARGATE_SPOT', 'weight': 1}] first.",
            )
        notice = int(RULES["fargate_spot_notice_seconds"])
        at = when + _dt.timedelta(seconds=notice)
        self.day2.watch_ecs_cluster(name)
        for arn in chosen:
            self._due.append(_Due(at, "fargate-spot", arn, name))
        self.day2.note(
            when, "ecs", name,
            f"Fargate Spot capacity reclaimed: SIGTERM sent to {len(chosen)} task(s); they "
            f"stop at {at:%H:%M:%S} ({notice // 60} minutes).",
            who=AWS,
        )  # fmt: skip
        return chosen

    # -- a lost Availability Zone --------------------------------------------------------------
    def lose_zone(self, zone: str, when: _dt.datetime) -> dict:
        """Availability Zone ``zone`` fails: what runs there goes; the rest recovers where
        there is room."""
        zones = self.account.network().availability_zones
        if zone not in zones:
            raise InvalidParameterError(
                f"{zone!r} is not one of the lab's Availability Zones ({', '.join(zones)}).",
                hint=f"pass one of them, e.g. lab.lose_zone({zones[0]!r}).",
            )
        if zone in self.lost_zones:
            raise ResourceInUseError(
                f"Availability Zone {zone} is already lost.", hint="lose another zone."
            )
        self.lost_zones.append(zone)
        self.day2.watch_all()
        network = self.account.network()
        lost_subnets = {
            s["SubnetId"]
            for s in network.public_subnets + network.private_subnets
            if s["AvailabilityZone"] == zone
        }
        self.day2.note(when, "aws-health", zone,
                       f"Availability Zone {zone} is unavailable.", who=AWS)  # fmt: skip
        ecs, eks = self.day2.ecs, self.day2.eks
        # Groups relaunch only in the zones left.
        if eks is not None:
            for spec in eks._groups.values():
                spec["subnets"] = [s for s in spec["subnets"] if s["AvailabilityZone"] != zone]
            for sim in eks._clusters.values():
                sim.kube.fargate_subnets = [s for s in sim.kube.fargate_subnets if s[1] != zone]
        if ecs is not None:
            ecs.unavailable_subnets.update(lost_subnets)
        if eks is not None:
            eks.lost_zones.add(zone)
        found = call(
            self.account.client("ec2"), "describe_instances",
            Filters=[{"Name": "availability-zone", "Values": [zone]},
                     {"Name": "instance-state-name", "Values": ["running"]}],
        )["Reservations"]  # fmt: skip
        instances = sorted(i["InstanceId"] for r in found for i in r["Instances"])
        # Counted before the instances go (their tasks stop with them).
        tasks = (
            sum(
                1
                for t in ecs._tasks.values()
                if t["lastStatus"] != "STOPPED" and t.get("availabilityZone") == zone
            )
            if ecs is not None
            else 0
        )
        for iid in instances:
            if eks is not None:
                replace_in_group(eks, iid)
            else:
                call(self.account.client("ec2"), "terminate_instances", InstanceIds=[iid])
        if ecs is not None:
            clusters = set()
            for arn, task in list(ecs._tasks.items()):
                if task["lastStatus"] != "STOPPED" and task.get("availabilityZone") == zone:
                    ecs._stop(arn, f"Availability Zone {zone} is unavailable.", "TerminationNotice")
                    clusters.add(task["clusterArn"].rsplit("/", 1)[-1])
            for cluster in sorted(clusters):
                ecs.reconcile(cluster)
        pods = 0
        if eks is not None:
            for sim in eks._clusters.values():
                gone = [
                    n.name
                    for n in sim.kube._nodes.values()
                    if n.fargate and n.labels.get("topology.kubernetes.io/zone") == zone
                ]
                for name in gone:
                    pods += len(sim.kube._nodes[name].pods)
                    sim.kube.remove_node(name)
        self.day2.note(
            when, "aws", zone,
            f"Lost with {zone}: {len(instances)} instance(s), {tasks} ECS task(s), {pods} "
            "Fargate pod(s). Auto Scaling groups relaunch in the other zones; ECS services "
            "and Deployments reschedule where there is room.",
            who=AWS,
        )  # fmt: skip
        return {"zone": zone, "instances": instances, "tasks": tasks, "pods": pods}

    # -- the controller --------------------------------------------------------------------------
    def step(self, when: _dt.datetime) -> None:
        """Carry out every notice that is due."""
        due = [d for d in self._due if d.when <= when]
        if not due:
            return
        self._due = [d for d in self._due if d.when > when]
        clusters: set[str] = set()
        for item in due:
            if item.kind == "spot":
                self._terminate_spot(item.target, when)
            else:
                ecs = self.day2.ecs
                assert ecs is not None
                task = ecs._tasks.get(item.target)
                if task is None or task["lastStatus"] == "STOPPED":
                    continue
                ecs._stop(
                    item.target,
                    str(RULES["fargate_spot_stopped_reason"]),
                    str(RULES["fargate_spot_stop_code"]),
                )
                clusters.add(item.cluster)
                self.day2.note(
                    when, "ecs", item.cluster,
                    f"Fargate Spot task {item.target.rsplit('/', 1)[-1][:8]} stopped "
                    f"({RULES['fargate_spot_stop_code']}).",
                    who=AWS,
                )  # fmt: skip
        for cluster in sorted(clusters):
            assert self.day2.ecs is not None
            self.day2.ecs.reconcile(cluster)

    def _terminate_spot(self, iid: str, when: _dt.datetime) -> None:
        state = call(self.account.client("ec2"), "describe_instances", InstanceIds=[iid])
        inst = state["Reservations"][0]["Instances"][0]
        if inst["State"]["Name"] != "running":
            return
        eks = self.day2.eks
        if iid in self._replaced_early and eks is not None:
            # Its replacement is already running: the group shrinks back as it goes.
            self._replaced_early.discard(iid)
            group = eks._group_of.get(iid)
            terminate_in_group(self.account, iid)
        elif eks is not None:
            group = replace_in_group(eks, iid)
        else:
            group = None
            call(self.account.client("ec2"), "terminate_instances", InstanceIds=[iid])
        self.day2.note(
            when, "ec2", iid,
            f"Spot Instance {iid} terminated"
            + (f" (Auto Scaling group {group} keeps its capacity)." if group else "."),
            who=AWS,
        )  # fmt: skip


def act(day2: Day2, when: _dt.datetime) -> None:
    """The ``interruptions`` controller."""
    day2.interruptions.step(when)


def quiet(day2: Day2, when: _dt.datetime) -> _dt.datetime | None:
    """When the next notice falls due (FOREVER if none is pending)."""
    return min((d.when for d in day2.interruptions._due), default=FOREVER)
