"""The ECS simulator's state and its reads of moto: what every part of it stands on."""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

from ..._aws import call
from ...arns import short_name
from ...errors import InvalidParameterError, NotFoundError
from .records import SimCapacityProvider, SimInstance, SimService, cluster_name

if TYPE_CHECKING:
    from ..account import Account


class EcsState:
    """The ECS data plane's records (instances, tasks, services), and moto for the rest."""

    # Kept indexes (live tasks per cluster, tasks per subnet), rebuilt from the tasks when
    # first read after a snapshot is read back.
    _snapshot_exclude = ("_live", "_subnet_tasks")

    def __init__(self, account: Account) -> None:
        self.account = account
        self._instances: dict[str, SimInstance] = {}  # by container instance ARN
        self._pending_agents: dict[str, str] = {}  # instance id -> cluster it waits for
        self.agent_log: list[str] = []
        self._tasks: dict[str, dict] = {}  # by task ARN, boto3 shape
        self._services: dict[str, SimService] = {}  # by service ARN
        self._deleted_clusters: set[str] = set()  # ARNs; moto may still list them
        self._alloc: dict[str, dict] = {}  # task ARN -> what it holds
        self._taskdefs: dict[str, dict] = {}
        self._types: dict[str, dict] = {}
        self._amis: dict[str, dict] = {}
        # Auto Scaling group capacity providers (sim/ecs/provisioning.py).
        self._capacity_providers: dict[str, SimCapacityProvider] = {}  # by name
        self._cluster_providers: dict[str, tuple[list[str], list[dict]]] = {}  # by cluster
        self._group_members: dict[str, set[str]] = {}  # watched group -> its instance ids
        self._booting: dict[str, _dt.datetime] = {}  # instance id -> when its agent registers
        # task ARN -> how to place it, for tasks in PROVISIONING, oldest first
        self._provisioning: dict[str, dict[str, Any]] = {}
        self._acting_at: _dt.datetime | None = None  # a controller's tick, while it acts
        self.task_starts = 0  # PROVISIONING tasks started so far (day 2 recounts on change)
        self.instance_changes = 0  # container instances registered or gone so far
        # Subnets of a lost Availability Zone: Fargate places no task there (sim/day2).
        self.unavailable_subnets: set[str] = set()

    # -- moto access -------------------------------------------------------------------------------
    @property
    def ec2(self) -> Any:
        return self.account.client("ec2")

    @property
    def ecs(self) -> Any:
        return self.account.client("ecs")

    def instance_type(self, name: str) -> dict:
        if name not in self._types:
            info = call(self.ec2, "describe_instance_types", InstanceTypes=[name])
            self._types[name] = info["InstanceTypes"][0]
        return self._types[name]

    def _image(self, image_id: str) -> dict:
        if image_id not in self._amis:
            images = call(self.ec2, "describe_images", ImageIds=[image_id]).get("Images", [])
            self._amis[image_id] = images[0] if images else {}
        return self._amis[image_id]

    def cluster_arn(self, name: str) -> str:
        return self.account.arn("ecs", f"cluster/{name}")

    def cluster_exists(self, name: str) -> bool:
        # Only creating or deleting a cluster changes whether it is ACTIVE.
        found = self.account.read(
            "ecs",
            "describe_clusters",
            clusters=[name],
            expire_on=("CreateCluster", "DeleteCluster"),
        ).get("clusters", [])
        return any(c.get("status") == "ACTIVE" for c in found)

    def require_cluster(self, cluster: str | None) -> str:
        name = cluster_name(cluster)
        if not self.cluster_exists(name):
            raise NotFoundError(
                "Cluster not found.",
                code="ClusterNotFoundException",
                hint=f"create it first: lab.ecs.create_cluster(clusterName={name!r}).",
            )
        return name

    def task_definition(self, ref: str) -> dict:
        """The task definition for a family, family:revision or ARN (cached per revision)."""
        if ref in self._taskdefs:
            return self._taskdefs[ref]
        try:
            td = call(self.ecs, "describe_task_definition", taskDefinition=ref)["taskDefinition"]
        except NotFoundError as exc:
            raise InvalidParameterError(
                "Unable to describe task definition.",
                code="ClientException",
                hint=f"register {ref!r} first with lab.ecs.register_task_definition(...).",
            ) from exc
        except InvalidParameterError as exc:
            raise InvalidParameterError(
                "Unable to describe task definition.",
                code="ClientException",
                hint=f"register {ref!r} first with lab.ecs.register_task_definition(...).",
            ) from exc
        if ":" in short_name(ref):
            self._taskdefs[ref] = td
        return td

    # -- lookups -----------------------------------------------------------------------------------
    def instance(self, cluster: str, ref: str) -> SimInstance:
        for inst in self._instances.values():
            if inst.cluster == cluster and ref in (
                inst.arn,
                short_name(inst.arn),
                inst.instance_id,
            ):
                return inst
        raise InvalidParameterError(
            f"Container instance {ref} not found in cluster {cluster}.",
            code="InvalidParameterException",
            hint="list them with lab.ecs.list_container_instances(cluster=...).",
        )

    def find_task(self, cluster: str, ref: str) -> str:
        for arn, task in self._tasks.items():
            if cluster_name(task["clusterArn"]) == cluster and ref in (arn, short_name(arn)):
                return arn
        raise InvalidParameterError(
            "The referenced task was not found.",
            code="InvalidParameterException",
            hint="list tasks with lab.ecs.list_tasks(cluster=...).",
        )

    def live_tasks(self, cluster: str, group: str | None = None) -> list[dict]:
        """The cluster's tasks that have not stopped (of ``group`` if given), oldest first."""
        arns = self._live_index().get(cluster, {})
        tasks = [self._tasks[a] for a in arns]
        return tasks if group is None else [t for t in tasks if t.get("group") == group]

    def _live_index(self) -> dict[str, dict[str, None]]:
        """Per cluster, the ARNs of its tasks that have not stopped, in the order they were
        made: built from the tasks once, then kept by :meth:`_task_live` (stopped tasks stay
        listed for describe_tasks, and a day makes thousands)."""
        index = self.__dict__.get("_live")
        if index is None:
            index = {}
            for arn, t in self._tasks.items():
                if t["lastStatus"] != "STOPPED":
                    index.setdefault(cluster_name(t["clusterArn"]), {})[arn] = None
            self.__dict__["_live"] = index
        return index

    def _task_live(self, task: dict, live: bool) -> None:
        """``task`` was recorded (or started), or it stopped."""
        index = self.__dict__.get("_live")
        if index is None:
            return  # built from the tasks when first read
        arns = index.setdefault(cluster_name(task["clusterArn"]), {})
        if live:
            arns[task["taskArn"]] = None
        else:
            arns.pop(task["taskArn"], None)

    def reconcile(self, cluster: str) -> None:
        """Run the service scheduler for the cluster (see :mod:`.services`)."""
        raise NotImplementedError

    # Auto Scaling group capacity providers: see :mod:`.provisioning`.
    def start_provisioning(self, cluster: str) -> list[dict]:
        raise NotImplementedError

    def default_strategy(self, cluster: str) -> list[dict]:
        raise NotImplementedError

    def watch_group(self, group: str) -> None:
        raise NotImplementedError

    def check_group_strategy(self, cluster: str, strategy: list[dict]) -> None:
        raise NotImplementedError

    def run_through_providers(
        self,
        cluster: str,
        td: dict,
        providers: list[str],
        *,
        group: str,
        strategy: list[dict] | None,
        constraints: list[dict] | None,
        started_by: str | None,
        tags: list[dict] | None,
    ) -> list[dict]:
        raise NotImplementedError
