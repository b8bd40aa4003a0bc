"""Patch day, in simulated time: new optimized AMIs, who must roll what, and the rollouts.

- :meth:`Patching.release_ami` is an event the learner triggers, dated by the lab's clock:
  AWS publishes a new ECS-optimized or EKS-optimized AMI (a copy of the current one with a
  new date in its name). From then on ``lab.ecs.ecs_optimized_ami()`` and
  ``lab.eks.eks_optimized_ami()`` return it, and :meth:`Patching.status` lists every
  instance still on an older AMI with who must act.
- **ECS on EC2 and EKS self-managed nodes are yours.** ECS: set the container instance
  DRAINING (service tasks move, standalone tasks stay), launch a replacement, terminate.
  Kubernetes: ``k.cordon``/``k.drain`` (PodDisruptionBudgets respected), then terminate; or
  an Auto Scaling **instance refresh** (:meth:`Patching.start_instance_refresh`, for a
  self-managed node group or an ECS instance group), which replaces the group's instances
  in batches that keep the minimum healthy percentage, one batch per tick, without draining
  (Auto Scaling talks to neither Kubernetes nor ECS) and waiting for instances protected
  from scale in.
- **EKS managed nodegroups: you start it, AWS rolls it.** :meth:`Patching.update_nodegroup`
  (``lab.eks.update_nodegroup_version``): surge new nodes, cordon the old ones, drain at most
  ``maxUnavailable`` at a time respecting PDBs, terminate; a drain a PDB blocks for 15 min
  fails the update (``PodEvictionFailure``) unless ``force``. ``describe_update`` shows it.
- **Fargate: AWS patches.** :meth:`Patching.release_fargate_platform`: a notice now (AWS
  Health), and at the retirement date ECS stops the tasks (a service replaces its own,
  standalone tasks just stop) and EKS evicts the pods respecting PDBs (their Deployments
  replace them).

Every step lands in ``lab.timeline_events()`` with who did it. Figures: ``data/day2.yaml``
(``patching``).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..._aws import call
from ...errors import InvalidParameterError, NotFoundError, ResourceInUseError
from ...rules.data import load_packaged
from ...tables import Table
from ..clock import FOREVER
from ..ec2 import terminate_in_group
from ..kube import disruption

if TYPE_CHECKING:
    from ..eks import EksSimulator
    from .simulation import Day2

__all__ = ["FAMILIES", "RULES", "Patching", "replace_in_group"]

RULES: dict[str, Any] = load_packaged("day2.yaml")["patching"]
#: The AMI families a release can be for, and how each is named in messages.
FAMILIES = {"ecs": "ECS-optimized", "eks": "EKS-optimized"}
YOU = "you"
AWS = "AWS"


@dataclass
class Release:
    family: str
    image_id: str
    name: str
    when: _dt.datetime


@dataclass
class NodegroupUpdate:
    """One ``UpdateNodegroupVersion`` in progress (or done), as the lab rolls it."""

    id: str
    cluster: str
    nodegroup: str
    asg: str
    image: str
    max_unavailable: int
    force: bool
    created: _dt.datetime
    old: list[str]  # instance ids still to replace
    original: int  # desired size before the update
    original_max: int
    surge: int
    status: str = "InProgress"
    errors: list[dict] = field(default_factory=list)
    draining: dict[str, _dt.datetime] = field(default_factory=dict)  # iid -> drain started
    blocked_said: set[str] = field(default_factory=set)

    def describe(self) -> dict:
        return {
            "id": self.id,
            "status": self.status,
            "type": "VersionUpdate",
            "params": [
                {"type": "ReleaseVersion", "value": self.image},
                {"type": "MaxUnavailable", "value": str(self.max_unavailable)},
                {"type": "Force", "value": str(self.force).lower()},
            ],
            "createdAt": self.created,
            "errors": [dict(e) for e in self.errors],
        }


@dataclass
class InstanceRefresh:
    id: str
    group: str
    image: str
    min_healthy: int
    start: _dt.datetime
    total: int
    old: list[str]
    status: str = "InProgress"
    end: _dt.datetime | None = None

    def describe(self) -> dict:
        done = self.total - len(self.old)
        out = {
            "InstanceRefreshId": self.id,
            "AutoScalingGroupName": self.group,
            "Status": self.status,
            "PercentageComplete": 100 if not self.total else done * 100 // self.total,
            "InstancesToUpdate": len(self.old),
            "StartTime": self.start,
            "Preferences": {"MinHealthyPercentage": self.min_healthy},
        }
        if self.end is not None:
            out["EndTime"] = self.end
        return out


def _instances(account: Any, ids: list[str]) -> dict[str, dict]:
    if not ids:
        return {}
    found = call(account.client("ec2"), "describe_instances", InstanceIds=sorted(ids))
    return {i["InstanceId"]: i for r in found["Reservations"] for i in r["Instances"]}


def _members(account: Any, group: str) -> list[str]:
    found = account.read(
        "autoscaling", "describe_auto_scaling_groups", AutoScalingGroupNames=[group]
    )["AutoScalingGroups"]
    return sorted(i["InstanceId"] for g in found for i in g["Instances"])


def replace_in_group(eks: EksSimulator, iid: str) -> str | None:
    """Terminate ``iid``; when it belongs to an Auto Scaling group the lab runs, the group
    launches a replacement (in its remaining zones), as Auto Scaling does. Returns the
    group's name, or None for a plain instance."""
    account = eks.account
    group = eks._group_of.get(iid)
    if group is not None and group in eks._groups and iid in _members(account, group):
        size = len(_members(account, group))
        terminate_in_group(account, iid)
        eks.scale_group(group, size)
        return group
    call(account.client("ec2"), "terminate_instances", InstanceIds=[iid])
    return None


class Patching:
    """Patch day for one lab: AMI releases, rollouts in progress, Fargate retirements."""

    def __init__(self, day2: Day2) -> None:
        self.day2 = day2
        self.account = day2.account
        self.releases: list[Release] = []
        self.updates: dict[str, NodegroupUpdate] = {}
        self.refreshes: dict[str, InstanceRefresh] = {}
        self._retire_tasks: list[tuple[_dt.datetime, str, str]] = []  # (when, cluster, arn)
        self._evict_pods: list[tuple[_dt.datetime, str, str, str]] = []  # (when, c, ns, pod)
        self._failed_evictions: set[tuple[str, str, str]] = set()
        #: (cluster, nodegroup) -> its updateConfig (moto keeps none)
        self.update_configs: dict[tuple[str, str], dict] = {}
        self._said_waiting: set[str] = set()  # refreshes that said they wait

    # -- AMI releases ------------------------------------------------------------------------
    def recommended(self, family: str) -> str | None:
        """The newest AMI released in the lab for ``family`` (None before any release)."""
        found = [r for r in self.releases if r.family == family]
        return found[-1].image_id if found else None

    def release_ami(self, family: str, when: _dt.datetime) -> dict:
        """AWS publishes a new optimized AMI for ``family`` ("ecs" or "eks") on ``when``."""
        if family not in FAMILIES:
            raise InvalidParameterError(
                f"family must be one of {', '.join(map(repr, FAMILIES))}, not {family!r}.",
                hint="pass family='ecs' (ECS-optimized AMI) or family='eks' (EKS-optimized).",
            )
        ec2 = self.account.client("ec2")
        source = self.recommended(family) or self._current_image(family)
        old = call(ec2, "describe_images", ImageIds=[source])["Images"][0]
        stamp = when.strftime("%Y%m%d")
        name = re.sub(r"20\d{6}", stamp, old["Name"], count=1)
        if name == old["Name"] or any(r.name == name for r in self.releases):
            name = f"{name}-r{len(self.releases) + 1}"
        new = call(
            ec2,
            "copy_image",
            SourceImageId=source,
            SourceRegion=self.account.region,
            Name=name,
            Description=f"{old.get('Description', '')} (released {when:%Y-%m-%d %H:%M} UTC)",
        )["ImageId"]
        self.day2.watch_all()
        release = Release(family, new, name, when)
        self.releases.append(release)
        duty = (
            "ECS on EC2 instances on older AMIs are yours to replace (drain, launch, "
            "terminate); Fargate is patched by AWS."
            if family == "ecs"
            else "self-managed nodes are yours to replace (cordon, drain, terminate, or an "
            "instance refresh); managed nodegroups roll when you call "
            "update_nodegroup_version; Fargate is patched by AWS."
        )
        self.day2.note(
            when,
            "ec2",
            name,
            f"New {FAMILIES[family]} AMI released: {new} ({name}). {duty}",
            who=AWS,
        )
        return {"family": family, "ImageId": new, "Name": name, "released": when}

    def _current_image(self, family: str) -> str:
        if family == "ecs":
            from ...rules.capacity import ecs_facts

            param = ecs_facts()["ecs_optimized_ami"]["ssm_parameter"]
            return str(
                call(self.account.client("ssm"), "get_parameter", Name=param)["Parameter"]["Value"]
            )
        images = call(
            self.account.client("ec2"),
            "describe_images",
            Owners=["amazon"],
            Filters=[{"Name": "name", "Values": ["amazon-eks-node*"]}],
        )["Images"]
        return str(sorted(images, key=lambda i: i["Name"])[-1]["ImageId"])

    def _released_at(self, family: str) -> _dt.datetime | None:
        found = [r for r in self.releases if r.family == family]
        return found[-1].when if found else None

    # -- who must act ---------------------------------------------------------------------
    def status(self, when: _dt.datetime) -> Table:
        """Every instance, task and pod with its AMI and who must act for patch day."""
        rows: list[dict] = []
        ecs, eks = self.day2.ecs, self.day2.eks
        if ecs is not None:
            latest = self.recommended("ecs")
            for inst in sorted(ecs._instances.values(), key=lambda i: i.instance_id):
                duty = "you: set DRAINING and replace it (or refresh its group)"
                row = self._row(when, "ecs-ec2", inst.cluster, inst.instance_id, inst.ami,
                                "ecs", latest, duty)  # fmt: skip
                rows.append(row)
            for cluster in sorted(
                {i.cluster for i in ecs._instances.values()} | self._ecs_fargate_clusters()
            ):
                for task in ecs.live_tasks(cluster):
                    if task.get("launchType") != "FARGATE":
                        continue
                    rows.append(
                        {
                            "mode": "ecs-fargate",
                            "cluster": cluster,
                            "resource": "task " + task["taskArn"].rsplit("/", 1)[-1][:8],
                            "ami": "(AWS platform)",
                            "outdated": False,
                            "outdated_for": "-",
                            "who_acts": "AWS: retires and replaces it (notice first)",
                        }
                    )
        if eks is not None:
            latest = self.recommended("eks")
            for cname, sim in sorted(eks._clusters.items()):
                asg_to_ng = {ng["asg"]: name for name, ng in sim.nodegroups.items()}
                found = _instances(self.account, list(sim.nodes))
                for iid in sorted(sim.nodes):
                    described = found.get(iid)
                    if described is None:
                        continue
                    ng = asg_to_ng.get(eks._group_of.get(iid, ""))
                    if ng:
                        mode = "eks-managed"
                        duty = f"you: update_nodegroup_version({ng!r}); AWS rolls the nodes"
                    else:
                        mode = "eks-ec2"
                        duty = "you: cordon, drain, replace (or an instance refresh)"
                    rows.append(self._row(when, mode, cname, iid, described["ImageId"], "eks",
                                          latest, duty))  # fmt: skip
                for node in sorted(sim.kube._nodes.values(), key=lambda n: n.name):
                    if node.fargate:
                        rows.append(
                            {
                                "mode": "eks-fargate",
                                "cluster": cname,
                                "resource": "pod " + "/".join(next(iter(node.pods), ("", "?"))),
                                "ami": "(AWS platform)",
                                "outdated": False,
                                "outdated_for": "-",
                                "who_acts": "AWS: evicts it (PDBs respected); its Deployment "
                                "replaces it",
                            }
                        )
        return Table(rows, title="Patch status")

    def _ecs_fargate_clusters(self) -> set[str]:
        ecs = self.day2.ecs
        assert ecs is not None
        return {
            t["clusterArn"].rsplit("/", 1)[-1]
            for t in ecs._tasks.values()
            if t["lastStatus"] != "STOPPED" and t.get("launchType") == "FARGATE"
        }

    def _row(self, when: _dt.datetime, mode: str, cluster: str, iid: str, ami: str,
             family: str, latest: str | None, duty: str) -> dict:  # fmt: skip
        outdated = latest is not None and ami != latest
        released = self._released_at(family)
        return {
            "mode": mode,
            "cluster": cluster,
            "resource": iid,
            "ami": ami,
            "outdated": outdated,
            "outdated_for": str(when - released) if outdated and released else "-",
            "who_acts": duty if outdated else "-",
        }

    # -- instance refresh (self-managed groups) --------------------------------------------
    def start_instance_refresh(
        self, group: str, min_healthy_percentage: int | None, when: _dt.datetime
    ) -> dict:
        """Auto Scaling replaces the group's instances that are not on the newest optimized
        AMI (EKS for a self-managed node group, ECS for a group made with
        ``lab.ecs.create_instance_group``), keeping ``min_healthy_percentage`` of the
        desired capacity in service (90 by default): one batch per tick, no draining, and
        instances protected from scale in are waited for."""
        family = self._group_family(group)
        if family is None:
            raise NotFoundError(
                f"Auto Scaling group {group!r} is not one the lab launches instances for.",
                code="ValidationError",
                hint="pass a self-managed node group's name (lab.eks.launch_self_managed_nodes"
                "(..., name=...)) or an ECS instance group's (lab.ecs.create_instance_group); "
                "ECS instances launched with launch_instances are not in a group: drain and "
                "replace them yourself.",
            )
        if min_healthy_percentage is None:
            min_healthy_percentage = int(
                RULES["instance_refresh"]["default_min_healthy_percentage"]
            )
        if (
            isinstance(min_healthy_percentage, bool)
            or not isinstance(min_healthy_percentage, int)
            or not 0 <= min_healthy_percentage <= 100
        ):
            raise InvalidParameterError(
                f"MinHealthyPercentage must be a whole number from 0 to 100, not "
                f"{min_healthy_percentage!r}.",
                code="ValidationError",
                hint="pass min_healthy_percentage=90 (the default), or lower to go faster.",
            )
        running = [
            r for r in self.refreshes.values() if r.group == group and r.status == "InProgress"
        ]
        if running:
            raise ResourceInUseError(
                f"An instance refresh is already in progress for group {group!r}.",
                code="InstanceRefreshInProgress",
                hint="wait for it (lab.run(...)) and check describe_instance_refreshes.",
            )
        self.day2.watch_all()
        image = self.recommended(family) or self._template_image(group)
        self._set_group_image(group, image)
        members = _members(self.account, group)
        found = _instances(self.account, members)
        old = [i for i in members if found.get(i, {}).get("ImageId") != image]
        refresh = InstanceRefresh(
            id=self._uuid(), group=group, image=image, min_healthy=min_healthy_percentage,
            start=when, total=len(members), old=old,
        )  # fmt: skip
        self.refreshes[refresh.id] = refresh
        self.day2.note(
            when,
            "autoscaling",
            group,
            f"Instance refresh {refresh.id[:8]} started: {len(old)} of {len(members)} "
            f"instance(s) to replace with {image}, keeping {min_healthy_percentage}% healthy.",
            who=YOU,
        )
        if not old:
            self._finish_refresh(refresh, when)
        return {"InstanceRefreshId": refresh.id}

    def describe_instance_refreshes(self, group: str) -> list[dict]:
        return [r.describe() for r in self.refreshes.values() if r.group == group][::-1]

    def _group_family(self, group: str) -> str | None:
        """ "eks" for a node group the EKS simulator launches, "ecs" for a group the ECS
        simulator watches, None for any other."""
        if self.day2.eks is not None and group in self.day2.eks._groups:
            return "eks"
        if self.day2.ecs is not None and group in self.day2.ecs._group_members:
            return "ecs"
        return None

    def _template_image(self, group: str) -> str:
        found = self.account.read(
            "autoscaling", "describe_auto_scaling_groups", AutoScalingGroupNames=[group]
        )["AutoScalingGroups"]
        template = (found[0].get("LaunchTemplate") or {}).get("LaunchTemplateName")
        versions = call(
            self.account.client("ec2"),
            "describe_launch_template_versions",
            LaunchTemplateName=template,
            Versions=["$Latest"],
        )["LaunchTemplateVersions"]
        return str(versions[0]["LaunchTemplateData"]["ImageId"])

    def _set_group_image(self, group: str, image: str) -> None:
        eks = self.day2.eks
        if eks is not None and group in eks._groups:
            eks._groups[group]["image"] = image
        found = self.account.read(
            "autoscaling", "describe_auto_scaling_groups", AutoScalingGroupNames=[group]
        )["AutoScalingGroups"]
        template = (
            (found[0].get("LaunchTemplate") or {}).get("LaunchTemplateName") if found else None
        )
        if not template:
            return
        ec2 = self.account.client("ec2")
        if self._group_family(group) == "eks":
            # The lab launches these itself (EksSimulator.scale_group); the template
            # records the image, as a new version would on AWS.
            call(
                ec2,
                "create_launch_template_version",
                LaunchTemplateName=template,
                SourceVersion="$Latest",
                LaunchTemplateData={"ImageId": image},
            )
            return
        # An ECS group's instances are launched by Auto Scaling from the template. moto
        # neither merges a source version's data into a new version nor reads user data
        # given to one, so the group moves to a new template with the new image (the old
        # template is deleted, the ledger follows for teardown).
        latest = call(
            ec2, "describe_launch_template_versions", LaunchTemplateName=template,
            Versions=["$Latest"],
        )["LaunchTemplateVersions"][0]["LaunchTemplateData"]  # fmt: skip
        base = re.sub(r"-ami-[0-9a-f]+$", "", template)
        new = f"{base}-{image}"
        if new == template:
            return
        call(
            ec2, "create_launch_template", LaunchTemplateName=new,
            LaunchTemplateData={**latest, "ImageId": image},
            TagSpecifications=self.account.ec2_tag_spec("launch-template"),
        )  # fmt: skip
        call(
            self.account.client("autoscaling"), "update_auto_scaling_group",
            AutoScalingGroupName=group,
            LaunchTemplate={"LaunchTemplateName": new, "Version": "$Latest"},
        )  # fmt: skip
        call(ec2, "delete_launch_template", LaunchTemplateName=template)
        for record in self.account.created("ecs-instance-group"):
            if record.id == group:
                record.info["template"] = new

    def _finish_refresh(self, refresh: InstanceRefresh, when: _dt.datetime) -> None:
        refresh.status, refresh.end = "Successful", when
        self.day2.note(
            when, "autoscaling", refresh.group,
            f"Instance refresh {refresh.id[:8]} successful: every instance runs {refresh.image}.",
            who=AWS,
        )  # fmt: skip

    def _step_refresh(self, refresh: InstanceRefresh, when: _dt.datetime) -> None:
        eks, ecs = self.day2.eks, self.day2.ecs
        members = _members(self.account, refresh.group)
        refresh.old = [i for i in refresh.old if i in members]
        desired = len(members)
        batch = max(1, desired - math.ceil(desired * refresh.min_healthy / 100))
        if self._group_family(refresh.group) == "ecs":
            assert ecs is not None
            self._step_ecs_refresh(refresh, batch, when)
            return
        assert eks is not None
        for iid in refresh.old[:batch]:
            replace_in_group(eks, iid)
            self.day2.note(
                when, "autoscaling", refresh.group,
                f"Instance refresh terminated {iid} (old AMI; its pods were not drained) and "
                "launched a replacement.",
                who=AWS,
            )  # fmt: skip
        refresh.old = refresh.old[batch:]
        if not refresh.old:
            self._finish_refresh(refresh, when)

    def _step_ecs_refresh(self, refresh: InstanceRefresh, batch: int, when: _dt.datetime) -> None:
        """An ECS instance group: Auto Scaling terminates old instances (their tasks stop;
        services start them again elsewhere) and launches replacements from the new launch
        template version, which join ECS once booted. Instances protected from scale in
        (managed termination protection keeps those running tasks) are waited for."""
        ecs = self.day2.ecs
        assert ecs is not None
        found = self.account.read(
            "autoscaling", "describe_auto_scaling_groups", AutoScalingGroupNames=[refresh.group]
        )["AutoScalingGroups"][0]["Instances"]  # fmt: skip
        protected = {i["InstanceId"] for i in found if i.get("ProtectedFromScaleIn")}
        ready = [i for i in refresh.old if i not in protected]
        if not ready and refresh.old and refresh.id not in self._said_waiting:
            self._said_waiting.add(refresh.id)
            self.day2.note(
                when, "autoscaling", refresh.group,
                f"Instance refresh {refresh.id[:8]} waits: {len(refresh.old)} old instance(s) "
                "are protected from scale in (they run tasks); drain them (DRAINING) so ECS "
                "lifts the protection.",
                who=AWS,
            )  # fmt: skip
        with ecs.acting_at(when):
            for iid in ready[:batch]:
                call(
                    self.account.client("autoscaling"), "terminate_instance_in_auto_scaling_group",
                    InstanceId=iid, ShouldDecrementDesiredCapacity=False,
                )  # fmt: skip
                refresh.old.remove(iid)
                self.day2.note(
                    when, "autoscaling", refresh.group,
                    f"Instance refresh terminated {iid} (old AMI; not drained: its tasks "
                    "stopped) and launched a replacement from the new launch template.",
                    who=AWS,
                )  # fmt: skip
        if not refresh.old:
            self._finish_refresh(refresh, when)

    # -- managed nodegroup updates ------------------------------------------------------------
    def update_nodegroup(
        self, cluster: str, nodegroup: str, *, max_unavailable: int | None,
        max_unavailable_percentage: int | None, force: bool, when: _dt.datetime,
    ) -> dict:  # fmt: skip
        """Start rolling a managed nodegroup onto the newest EKS AMI (see the module)."""
        eks = self.day2.eks
        assert eks is not None
        sim = eks.cluster(cluster)
        if nodegroup not in sim.nodegroups:
            raise NotFoundError(
                f"No node group found for name: {nodegroup}.",
                code="ResourceNotFoundException",
                hint="list them with lab.eks.list_nodegroups(clusterName=...).",
            )
        for update in self.updates.values():
            if (update.cluster, update.nodegroup, update.status) == (
                cluster,
                nodegroup,
                "InProgress",
            ):
                raise ResourceInUseError(
                    f"Nodegroup {nodegroup} is currently being updated ({update.id}).",
                    code="ResourceInUseException",
                    hint="wait for it: lab.run(...), then lab.eks.describe_update(...).",
                )
        self.day2.watch_all()
        asg = sim.nodegroups[nodegroup]["asg"]
        members = _members(self.account, asg)
        if max_unavailable is None:
            if max_unavailable_percentage is not None:
                max_unavailable = max(1, len(members) * max_unavailable_percentage // 100)
            else:
                max_unavailable = int(RULES["managed_nodegroup"]["default_max_unavailable"])
        max_unavailable = min(
            max_unavailable, int(RULES["managed_nodegroup"]["max_unavailable_quota"])
        )
        image = self.recommended("eks") or eks._groups[asg]["image"]
        found = self.account.read(
            "autoscaling", "describe_auto_scaling_groups", AutoScalingGroupNames=[asg]
        )["AutoScalingGroups"][0]  # fmt: skip
        update = NodegroupUpdate(
            id=self._uuid(), cluster=cluster, nodegroup=nodegroup, asg=asg, image=image,
            max_unavailable=max_unavailable, force=force, created=when, old=list(members),
            original=len(members), original_max=int(found["MaxSize"]),
            surge=min(max_unavailable, len(members)),
        )  # fmt: skip
        self.updates[update.id] = update
        self.day2.note(
            when, "eks", f"{cluster}/{nodegroup}",
            f"UpdateNodegroupVersion {update.id[:8]} started to {image} (maxUnavailable "
            f"{max_unavailable}{', force' if force else ''}).",
            who=YOU,
        )  # fmt: skip
        self._set_group_image(asg, image)
        if update.surge:
            call(
                self.account.client("autoscaling"), "update_auto_scaling_group",
                AutoScalingGroupName=asg, MaxSize=update.original_max + update.surge,
            )  # fmt: skip
            eks.scale_group(asg, len(members) + update.surge)
        for iid in update.old:
            node = sim.nodes.get(iid)
            if node:
                disruption.cordon(sim.kube, node)
        self.day2.note(
            when, "eks", f"{cluster}/{nodegroup}",
            f"Scale up: {update.surge} new node(s) launched; {len(update.old)} old node(s) "
            "cordoned (unschedulable).",
            who=AWS,
        )  # fmt: skip
        if not update.old:
            self._finish_update(update, when)
        return update.describe()

    def set_update_config(self, cluster: str, nodegroup: str, config: dict) -> None:
        """Remember a nodegroup's ``updateConfig`` (checked: one of ``maxUnavailable`` 1 to
        100 or ``maxUnavailablePercentage`` 1 to 100)."""
        quota = int(RULES["managed_nodegroup"]["max_unavailable_quota"])
        given = [k for k in ("maxUnavailable", "maxUnavailablePercentage") if k in config]
        if len(given) != 1:
            raise InvalidParameterError(
                "updateConfig takes exactly one of maxUnavailable and maxUnavailablePercentage.",
                code="InvalidParameterException",
                hint="pass updateConfig={'maxUnavailable': 1} (the default).",
            )
        value = config[given[0]]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= quota:
            raise InvalidParameterError(
                f"updateConfig.{given[0]} must be a whole number from 1 to {quota}, not {value!r}.",
                code="InvalidParameterException",
                hint="pass updateConfig={'maxUnavailable': 1} (the default).",
            )
        self.update_configs[(cluster, nodegroup)] = {given[0]: value}

    def describe_update(
        self, update_id: str, cluster: str | None = None, nodegroup: str | None = None
    ) -> dict:
        """A nodegroup update as ``describe_update`` shows it (of that cluster and nodegroup
        when they are given)."""
        found = self.updates.get(update_id)
        if found is None or (cluster, nodegroup) not in (
            (None, None),
            (found.cluster, found.nodegroup),
        ):
            raise NotFoundError(
                f"No update found for ID: {update_id}.",
                code="ResourceNotFoundException",
                hint="use the id update_nodegroup_version returned (update['id']).",
            )
        return self.updates[update_id].describe()

    def _finish_update(self, update: NodegroupUpdate, when: _dt.datetime) -> None:
        eks = self.day2.eks
        assert eks is not None
        update.status = "Successful"
        call(
            self.account.client("autoscaling"), "update_auto_scaling_group",
            AutoScalingGroupName=update.asg, MaxSize=update.original_max,
        )  # fmt: skip
        self.day2.note(
            when, "eks", f"{update.cluster}/{update.nodegroup}",
            f"Update {update.id[:8]} successful: {update.original} node(s) on {update.image}.",
            who=AWS,
        )  # fmt: skip

    def _step_update(self, update: NodegroupUpdate, when: _dt.datetime) -> None:
        eks = self.day2.eks
        assert eks is not None
        try:
            sim = eks.cluster(update.cluster)
        except NotFoundError:
            update.status = "Cancelled"
            return
        members = set(_members(self.account, update.asg))
        update.old = [i for i in update.old if i in members]
        timeout = float(RULES["managed_nodegroup"]["pod_eviction_timeout_seconds"])
        for iid in update.old[: update.max_unavailable]:
            started = update.draining.setdefault(iid, when)
            node = sim.nodes.get(iid)
            result = disruption.drain(sim.kube, node, force=update.force) if node else None
            where = f"{update.cluster}/{update.nodegroup}"
            if result is not None and not result.done:
                if (when - started).total_seconds() >= timeout:
                    update.status = "Failed"
                    update.errors.append(
                        {
                            "errorCode": "PodEvictionFailure",
                            "errorMessage": "Reached max retries while trying to evict pods "
                            f"from nodes in node group {update.nodegroup}",
                            "resourceIds": [node],
                        }
                    )
                    self.day2.note(
                        when, "eks", where,
                        f"Update {update.id[:8]} failed: PodEvictionFailure on {node} after "
                        f"{timeout / 60:.0f} min ({'; '.join(result.blocked.values())}). Fix the "
                        "PodDisruptionBudget, or update again with force=True.",
                        who=AWS,
                    )  # fmt: skip
                    return
                if iid not in update.blocked_said:
                    update.blocked_said.add(iid)
                    self.day2.note(
                        when, "eks", where,
                        f"Draining {node}: {len(result.blocked)} pod(s) cannot be evicted yet "
                        f"({next(iter(result.blocked.values()))}); retrying until "
                        f"{timeout / 60:.0f} min.",
                        who=AWS,
                    )  # fmt: skip
                continue
            moved = len(result.evicted) if result else 0
            call(
                self.account.client("autoscaling"), "terminate_instance_in_auto_scaling_group",
                InstanceId=iid, ShouldDecrementDesiredCapacity=True,
            )  # fmt: skip
            call(self.account.client("ec2"), "terminate_instances", InstanceIds=[iid])
            update.old.remove(iid)
            remaining = len(update.old)
            want = min(update.original + update.surge, remaining + update.original)
            current = len(_members(self.account, update.asg))
            if want > current:
                eks.scale_group(update.asg, want)
            self.day2.note(
                when, "eks", where,
                f"Node {node} drained ({moved} pod(s) evicted) and terminated; {remaining} old "
                "node(s) left.",
                who=AWS,
            )  # fmt: skip
        if not update.old and update.status == "InProgress":
            self._finish_update(update, when)

    # -- Fargate platform patching ---------------------------------------------------------------
    def release_fargate_platform(self, wait_days: int | None, when: _dt.datetime) -> dict:
        """AWS releases a new Fargate platform revision: every running ECS Fargate task is
        scheduled for retirement and every EKS Fargate pod for eviction, ``wait_days``
        after the notice (the account's ``fargateTaskRetirementWaitPeriod``, 7 by default)."""
        rules = RULES["fargate_task_retirement"]
        if wait_days is not None and (
            isinstance(wait_days, bool) or wait_days not in rules["allowed_wait_days"]
        ):
            raise InvalidParameterError(
                f"wait_days must be one of {rules['allowed_wait_days']} (the values of the "
                f"fargateTaskRetirementWaitPeriod account setting), not {wait_days!r}.",
                hint="pass wait_days=0 (retire at once), 7 (the default) or 14.",
            )
        # Without wait_days each side uses its own default; with it, both use it.
        due = when + _dt.timedelta(
            days=int(rules["default_wait_days"]) if wait_days is None else wait_days
        )
        pod_due = when + _dt.timedelta(
            days=int(RULES["eks_fargate_patching"]["default_wait_days"])
            if wait_days is None
            else wait_days
        )
        self.day2.watch_all()
        tasks = pods = 0
        ecs, eks = self.day2.ecs, self.day2.eks
        if ecs is not None:
            for cluster in sorted(self._ecs_fargate_clusters()):
                arns = [
                    t["taskArn"]
                    for t in ecs.live_tasks(cluster)
                    if t.get("launchType") == "FARGATE"
                ]
                for arn in arns:
                    self._retire_tasks.append((due, cluster, arn))
                tasks += len(arns)
                self.day2.note(
                    when, "aws-health", cluster,
                    f"AWS Health: {len(arns)} Fargate task(s) scheduled for retirement on "
                    f"{due:%Y-%m-%d %H:%M} UTC (platform revision update). Services replace "
                    "their tasks; standalone tasks just stop: restart them earlier if you want.",
                    who=AWS,
                )  # fmt: skip
        if eks is not None:
            for cname, sim in sorted(eks._clusters.items()):
                found = [
                    (cname, pod_key[0], pod_key[1])
                    for node in sim.kube._nodes.values()
                    if node.fargate
                    for pod_key in node.pods
                ]
                if not found:
                    continue
                for c, ns, name in sorted(found):
                    self._evict_pods.append((pod_due, c, ns, name))
                pods += len(found)
                self.day2.note(
                    when, "aws-health", cname,
                    f"AWS Health: {len(found)} Fargate pod(s) will be evicted on "
                    f"{pod_due:%Y-%m-%d %H:%M} UTC for OS patching, respecting "
                    "PodDisruptionBudgets; their Deployments replace them.",
                    who=AWS,
                )  # fmt: skip
        return {"tasks": tasks, "pods": pods, "retire_at": due}

    def _step_fargate(self, when: _dt.datetime) -> None:
        ecs, eks = self.day2.ecs, self.day2.eks
        due = [r for r in self._retire_tasks if r[0] <= when]
        self._retire_tasks = [r for r in self._retire_tasks if r[0] > when]
        clusters: set[str] = set()
        for _, cluster, arn in due:
            assert ecs is not None
            task = ecs._tasks.get(arn)
            if task is None or task["lastStatus"] == "STOPPED":
                continue
            ecs._stop(
                arn,
                "Task retired: AWS Fargate platform maintenance (a newer platform revision).",
                str(RULES["fargate_task_retirement"]["stop_code"]),
            )
            clusters.add(cluster)
            kind = "service task, replaced" if task.get("group", "").startswith("service:") else (
                "standalone task, not replaced"
            )  # fmt: skip
            self.day2.note(
                when, "ecs", cluster,
                f"Fargate retired task {arn.rsplit('/', 1)[-1][:8]} ({kind}).",
                who=AWS,
            )  # fmt: skip
        for cluster in sorted(clusters):
            assert ecs is not None
            ecs.reconcile(cluster)
        pending = [r for r in self._evict_pods if r[0] <= when]
        keep = [r for r in self._evict_pods if r[0] > when]
        for entry in pending:
            _, cname, ns, name = entry
            assert eks is not None
            try:
                kube = eks.cluster(cname).kube
            except NotFoundError:
                continue
            if (ns, name) not in kube._pods:
                continue
            why = disruption.evict(kube, ns, name)
            if why is None:
                self.day2.note(
                    when, "eks", f"{cname}/{ns}/{name}",
                    "Fargate pod evicted for OS patching; its controller makes a new one.",
                    who=AWS,
                )  # fmt: skip
                continue
            keep.append(entry)
            if (cname, ns, name) not in self._failed_evictions:
                self._failed_evictions.add((cname, ns, name))
                self.day2.note(
                    when, "eks", f"{cname}/{ns}/{name}",
                    f"Fargate patching: eviction failed ({why}); AWS retries.",
                    who=AWS,
                )  # fmt: skip
        self._evict_pods = keep

    def _uuid(self) -> str:
        h = self.account.new_id()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"

    # -- the controller --------------------------------------------------------------------------
    def step(self, when: _dt.datetime) -> None:
        """One tick of every rollout in progress."""
        for refresh in list(self.refreshes.values()):
            if refresh.status == "InProgress":
                self._step_refresh(refresh, when)
        for update in list(self.updates.values()):
            if update.status == "InProgress":
                self._step_update(update, when)
        if self._retire_tasks or self._evict_pods:
            self._step_fargate(when)


def act(day2: Day2, when: _dt.datetime) -> None:
    """The ``patch-rollouts`` controller."""
    day2.patching.step(when)


def quiet(day2: Day2, when: _dt.datetime) -> _dt.datetime | None:
    """FOREVER while no rollout is in progress and no Fargate task or pod waits to be
    patched (``step`` has nothing to do)."""
    patching = day2.patching
    if patching._retire_tasks or patching._evict_pods:
        return None
    if any(r.status == "InProgress" for r in patching.refreshes.values()):
        return None
    if any(u.status == "InProgress" for u in patching.updates.values()):
        return None
    return FOREVER
