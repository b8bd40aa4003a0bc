"""The ECS simulator of one lab: the agent, tasks and the service scheduler together,
subscribed to the account's events."""

from __future__ import annotations

import contextlib
import datetime as _dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ...errors import ResourceInUseError
from ...rules.data import load_packaged
from ..events import (
    CLUSTER_CREATED,
    CLUSTER_DELETED,
    GROUP_CHANGED,
    GROUP_DELETED,
    INSTANCES_LAUNCHED,
    INSTANCES_TERMINATED,
)
from .agent import Agent
from .records import SimInstance, cluster_name, task_counts

if TYPE_CHECKING:
    from ..account import Account


_FACTS = load_packaged("day2.yaml")["ecs_cluster_auto_scaling"]


class EcsSimulator(Agent):
    """The ECS data plane of one lab."""

    def __init__(self, account: Account) -> None:
        super().__init__(account)
        # The agent boots on every instance launched in the account, however it was launched.
        account.events.subscribe(INSTANCES_LAUNCHED, self._on_instances_launched)
        account.events.subscribe(INSTANCES_TERMINATED, self._on_instances_terminated)
        account.events.subscribe(CLUSTER_CREATED, self._on_cluster_created)
        # Instances an Auto Scaling group launches (inside AWS, no RunInstances of yours) boot
        # too, after a delay, for the groups ECS watches (a capacity provider's).
        account.events.subscribe(GROUP_CHANGED, self._on_group_changed)
        account.events.subscribe(GROUP_DELETED, self._on_group_deleted)

    def _on_instances_launched(self, instance_ids: list[str]) -> None:
        self.agents_boot(instance_ids)

    def _on_instances_terminated(self, instance_ids: list[str]) -> None:
        self.instances_terminated(instance_ids)

    def _on_cluster_created(self, service: str, name: str) -> None:
        # Agents that were waiting for this cluster register now.
        if service != "ecs":
            return
        waiting = [iid for iid, c in self._pending_agents.items() if c == name]
        if waiting:
            self.agents_boot(waiting)

    # -- Auto Scaling groups behind capacity providers -------------------------------------------
    def _on_group_changed(self, group: str) -> None:
        if group in self._group_members:
            self.sync_group(group)

    def _on_group_deleted(self, group: str) -> None:
        members = self._group_members.pop(group, None)
        if members:
            for iid in members:
                self._booting.pop(iid, None)
            self.instances_terminated(sorted(members))

    def watch_group(self, group: str) -> None:
        """Boot the ECS agent on the instances Auto Scaling group ``group`` launches."""
        self._group_members.setdefault(group, set())
        self.sync_group(group)

    @contextlib.contextmanager
    def acting_at(self, when: _dt.datetime) -> Iterator[None]:
        """While a day-2 controller acts at tick ``when``: instances launched then boot
        from ``when``, not from the clock's reading."""
        before, self._acting_at = self._acting_at, when
        try:
            yield
        finally:
            self._acting_at = before

    def sync_group(self, group: str) -> dict | None:
        """Read a watched group: instances that left it leave their cluster; new ones start
        booting, their agent registering ``launch_to_registration_seconds`` later
        (``data/day2.yaml``). Returns the group as Auto Scaling describes it."""
        record = self.group_record(group)
        # In launch order (not by id), so a run repeats whatever ids moto made up.
        launched = [
            i["InstanceId"]
            for i in (record or {}).get("Instances", [])
            if not str(i.get("LifecycleState", "InService")).startswith(("Terminat", "Detach"))
        ]
        current = set(launched)
        known = self._group_members.get(group, set())
        gone = sorted(known - current)
        for iid in gone:
            self._booting.pop(iid, None)
        if gone:
            self.instances_terminated(gone)
        start = self._acting_at or self.account.clock.peek()
        delay = _dt.timedelta(seconds=_FACTS["launch_to_registration_seconds"])
        for iid in launched:
            if iid in known:
                continue
            if self.container_instance_of(iid) is None and iid not in self._booting:
                self._booting[iid] = start + delay
        self._group_members[group] = current
        return record

    def boot_due(self, when: _dt.datetime) -> list[SimInstance]:
        """The instances whose boot is over by ``when`` start their agent; returns the
        container instances that registered."""
        due = [iid for iid, at in self._booting.items() if at <= when]  # in launch order
        if not due:
            return []
        for iid in due:
            del self._booting[iid]
        self.agents_boot(due)
        return [i for i in map(self.container_instance_of, due) if i is not None]

    def booting(self) -> dict[str, _dt.datetime]:
        """Instances of watched groups still booting, with when their agent registers."""
        return dict(self._booting)

    # -- clusters ----------------------------------------------------------------------------------
    def check_deletable(self, cluster: str | None) -> None:
        """Refuse, as ECS does, to delete a cluster that still has instances, active
        services or live tasks."""
        name = cluster_name(cluster)
        if any(i.cluster == name for i in self._instances.values()):
            raise ResourceInUseError(
                "The Cluster cannot be deleted while Container Instances are active or draining.",
                code="ClusterContainsContainerInstancesException",
                hint="terminate its instances (or deregister them) first.",
            )
        if any(s.cluster == name and s.status == "ACTIVE" for s in self._services.values()):
            raise ResourceInUseError(
                "The Cluster cannot be deleted while Services are active.",
                code="ClusterContainsServicesException",
                hint="delete its services first (delete_service(..., force=True)).",
            )
        if self.live_tasks(name):
            raise ResourceInUseError(
                "The Cluster cannot be deleted while Tasks are active.",
                code="ClusterContainsTasksException",
                hint="stop its tasks first (stop_task).",
            )

    def cluster_deleted(self, name: str, arn: str) -> None:
        """ECS deleted the cluster: it is INACTIVE and no longer listed."""
        self._deleted_clusters.add(arn)
        self._cluster_providers.pop(name, None)  # a deleted cluster uses no capacity provider
        self.account.events.publish(CLUSTER_DELETED, service="ecs", name=name)

    def listed_clusters(self, arns: list[str]) -> list[str]:
        """The cluster ARNs ``list_clusters`` shows: deleted (INACTIVE) ones are left out
        (moto may still list them)."""
        return [a for a in arns if a not in self._deleted_clusters]

    def cluster_counts(self, name: str) -> dict[str, int]:
        """The counts ``describe_clusters`` reports for cluster ``name``."""
        running, pending = task_counts(self.live_tasks(name))
        return {
            "registeredContainerInstancesCount": sum(
                1 for i in self._instances.values() if i.cluster == name
            ),
            "runningTasksCount": running,
            "pendingTasksCount": pending,
            "activeServicesCount": sum(
                1 for s in self._services.values() if s.cluster == name and s.status == "ACTIVE"
            ),
        }

    def summary(self) -> dict[str, int]:
        """What the ECS data plane runs, in counts (the room's census shows them)."""
        live = [t for t in self._tasks.values() if t["lastStatus"] != "STOPPED"]
        return {
            "container_instances": len(self._instances),
            "tasks": len(live),
            "services": sum(1 for s in self._services.values() if s.status == "ACTIVE"),
        }
