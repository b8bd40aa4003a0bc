"""The ECS simulator of one lab: the agent, tasks and the service scheduler together,
subscribed to the account's events."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import ResourceInUseError
from ..events import CLUSTER_CREATED, CLUSTER_DELETED, INSTANCES_LAUNCHED, INSTANCES_TERMINATED
from .agent import Agent
from .records import cluster_name, task_counts

if TYPE_CHECKING:
    from ..account import Account


class EcsSimulator(Agent):
    """The ECS data plane of one lab."""

    def __init__(self, account: Account) -> None:
        super().__init__(account)
        # The agent boots on every instance launched in the account, however it was launched.
        account.events.subscribe(INSTANCES_LAUNCHED, self._on_instances_launched)
        account.events.subscribe(INSTANCES_TERMINATED, self._on_instances_terminated)
        account.events.subscribe(CLUSTER_CREATED, self._on_cluster_created)

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
