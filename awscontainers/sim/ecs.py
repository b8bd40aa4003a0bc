"""What the ECS agent and the ECS scheduler do, played for a moto account.

moto keeps the control-plane records (clusters, task definitions, container instances,
services). This simulator plays the rest, as the real system would:

- the **agent** on each EC2 instance reads ``ECS_CLUSTER`` from the user data (``default``
  when absent) and registers the instance with its type's real CPU and memory;
- **placement** (``awscontainers.sim.placement``) decides where each task runs and why one
  cannot;
- the **service scheduler** keeps ``desiredCount`` tasks running, replaces stopped ones,
  moves tasks off draining instances and writes the service events ECS writes;
- **Fargate** gives each task its own ENI and no instance in the account.

Tasks live here, not in moto (moto's tasks ignore resources and advance their status on
every describe), and are returned in the shapes boto3 returns.
"""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from .._aws import call
from ..arns import short_name
from ..errors import InvalidParameterError, NotFoundError, ResourceInUseError
from . import placement
from .events import CLUSTER_CREATED, CLUSTER_DELETED, INSTANCES_LAUNCHED, INSTANCES_TERMINATED

if TYPE_CHECKING:
    from .account import Account


@functools.cache
def ecs_facts() -> dict:
    """The agent and ECS facts from ``data/ecs.yaml``."""
    return yaml.safe_load(resources.files("awscontainers.data").joinpath("ecs.yaml").read_text())


def parse_ecs_config(user_data: str | bytes | None) -> dict[str, str]:
    """The ``KEY=value`` settings a user-data script writes to ``/etc/ecs/ecs.config``.

    Accepts raw or base64 text (EC2 returns user data base64-encoded).

    >>> parse_ecs_config('#!/bin/bash\\necho "ECS_CLUSTER=web" >> /etc/ecs/ecs.config')
    {'ECS_CLUSTER': 'web'}
    """
    if not user_data:
        return {}
    if isinstance(user_data, bytes):
        user_data = user_data.decode("utf-8", "replace")
    text = user_data
    if "ECS_" not in text:
        try:
            text = base64.b64decode(user_data, validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return {}
    found = dict(re.findall(r"\b(ECS_[A-Z_]+)=([^\s\"'>]+)", text))
    return found


def registered_resources(vcpus: int, memory_mib: int, config: dict[str, str]) -> tuple[int, int]:
    """CPU units and MiB the agent registers for an instance.

    >>> registered_resources(2, 4096, {})
    (2048, 3891)
    """
    facts = ecs_facts()["registered_resources"]
    cpu = vcpus * facts["cpu_units_per_vcpu"]
    memory = int(memory_mib * (1 - facts["os_reserve_fraction"]))
    reserved = config.get("ECS_RESERVED_MEMORY", "0")
    memory -= int(reserved) if reserved.isdigit() else 0
    return cpu, max(memory, 0)


@dataclass
class SimInstance:
    """A registered container instance, with what is used on it."""

    arn: str
    instance_id: str
    cluster: str
    instance_type: str
    az: str
    ami: str
    cpu_total: int
    memory_total: int
    registered_at: Any
    architecture: str = "x86_64"
    status: str = "ACTIVE"
    cpu_used: int = 0
    memory_used: int = 0
    ports: set[int] = field(default_factory=set)
    tasks: list[str] = field(default_factory=list)

    @property
    def attributes(self) -> dict[str, str]:
        return {
            "ecs.instance-type": self.instance_type,
            "ecs.availability-zone": self.az,
            "ecs.ami-id": self.ami,
            "ecs.os-type": "linux",
            "ecs.cpu-architecture": "arm64" if self.architecture == "arm64" else "x86_64",
        }


@dataclass
class SimService:
    arn: str
    name: str
    cluster: str
    task_definition: str
    desired: int
    launch_type: str | None
    capacity_provider_strategy: list[dict]
    strategy: list[dict]
    constraints: list[dict]
    network_configuration: dict | None
    created_at: Any
    events: list[dict] = field(default_factory=list)
    status: str = "ACTIVE"
    pending_message: str | None = None

    @property
    def group(self) -> str:
        return f"service:{self.name}"


def cluster_name(cluster: str | None) -> str:
    """``default`` when omitted, the name from an ARN, or the name itself."""
    return (cluster or "default").split("/")[-1]


def task_counts(tasks: list[dict]) -> tuple[int, int]:
    """(running, pending) among live tasks, as ECS counts them for clusters, instances and
    services. The simulator starts a task RUNNING at once, so none is PENDING today."""
    pending = sum(1 for t in tasks if t["lastStatus"] == "PENDING")
    return len(tasks) - pending, pending


class EcsSimulator:
    """The ECS data plane of one lab."""

    def __init__(self, account: Account):
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

    # -- moto access ---------------------------------------------------------------------------
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
        found = call(self.ecs, "describe_clusters", clusters=[name]).get("clusters", [])
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
        if ":" in ref.split("/")[-1]:
            self._taskdefs[ref] = td
        return td

    # -- the agent ---------------------------------------------------------------------------
    def agents_boot(self, instance_ids: list[str]) -> None:
        """Each launched instance boots; where the ECS agent is installed, it registers."""
        if not instance_ids:
            return
        reservations = call(self.ec2, "describe_instances", InstanceIds=instance_ids)
        for reservation in reservations["Reservations"]:
            for inst in reservation["Instances"]:
                self._agent_start(inst)

    def _agent_start(self, inst: dict) -> None:
        iid = inst["InstanceId"]
        image = self._image(inst["ImageId"])
        marker = ecs_facts()["ecs_optimized_ami"]["name_marker"]
        if "eks" in image.get("Name", ""):
            return  # an EKS node: nodeadm and the kubelet boot there (sim/eks.py), not ECS
        if marker not in image.get("Name", ""):
            self.agent_log.append(
                f"{iid}: AMI {inst['ImageId']} ({image.get('Name', 'unknown')}) has no ECS agent "
                "and no container runtime: the instance runs but never joins a cluster."
            )
            return
        data = call(self.ec2, "describe_instance_attribute", InstanceId=iid, Attribute="userData")
        config = parse_ecs_config(data.get("UserData", {}).get("Value"))
        cluster = config.get("ECS_CLUSTER", ecs_facts()["agent"]["default_cluster"])
        if not self.cluster_exists(cluster):
            self._pending_agents[iid] = cluster
            self.agent_log.append(
                f"{iid}: ECS agent cannot register: cluster {cluster!r} not found; it keeps "
                "retrying until the cluster exists."
            )
            return
        self._register(inst, cluster, config, image)

    def _register(self, inst: dict, cluster: str, config: dict, image: dict) -> None:
        iid = inst["InstanceId"]
        itype = self.instance_type(inst["InstanceType"])
        cpu, memory = registered_resources(
            itype["VCpuInfo"]["DefaultVCpus"], itype["MemoryInfo"]["SizeInMiB"], config
        )
        doc = {
            "instanceId": iid,
            "instanceType": inst["InstanceType"],
            "availabilityZone": inst["Placement"]["AvailabilityZone"],
            "region": self.account.region,
            "imageId": inst["ImageId"],
            "accountId": self.account.account_id,
        }
        reg = call(
            self.ecs,
            "register_container_instance",
            cluster=cluster,
            instanceIdentityDocument=json.dumps(doc),
        )["containerInstance"]
        arn = reg["containerInstanceArn"]
        self._instances[arn] = SimInstance(
            arn=arn,
            instance_id=iid,
            cluster=cluster,
            instance_type=inst["InstanceType"],
            az=inst["Placement"]["AvailabilityZone"],
            ami=inst["ImageId"],
            cpu_total=cpu,
            memory_total=memory,
            registered_at=self.account.now(),
            architecture=image.get("Architecture", "x86_64"),
        )
        self._pending_agents.pop(iid, None)
        self.agent_log.append(
            f"{iid}: ECS agent registered in cluster {cluster!r} as container instance "
            f"{short_name(arn)} with {cpu} CPU units and {memory} MiB."
        )
        self.reconcile(cluster)

    # -- clusters ----------------------------------------------------------------------------
    def cluster_created(self, name: str, arn: str) -> None:
        """ECS created (or re-created) cluster ``name``: it is listed again, and agents
        waiting for it register (they hear ``cluster-created``)."""
        self._deleted_clusters.discard(arn)
        self.account.events.publish(CLUSTER_CREATED, service="ecs", name=name)

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

    def instances_terminated(self, instance_ids: list[str]) -> None:
        """A terminated instance leaves its cluster; its tasks stop, services replace them."""
        for iid in instance_ids:
            self._pending_agents.pop(iid, None)
            for inst in [i for i in self._instances.values() if i.instance_id == iid]:
                for task_arn in list(inst.tasks):
                    self._stop(
                        task_arn,
                        f"Host EC2 (instance {iid}) terminated.",
                        "TerminationNotice",
                    )
                self._deregister(inst)
                self.reconcile(inst.cluster)

    def empty_cluster(self, cluster: str) -> None:
        """Stop every task and deregister every instance of a cluster (before deleting it)."""
        for task in self.live_tasks(cluster):
            self._stop(task["taskArn"], "Lab teardown.", "UserInitiated")
        for inst in [i for i in self._instances.values() if i.cluster == cluster]:
            self._deregister(inst)

    def _deregister(self, inst: SimInstance) -> None:
        call(
            self.ecs,
            "deregister_container_instance",
            cluster=inst.cluster,
            containerInstance=inst.arn,
            force=True,
        )
        del self._instances[inst.arn]

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

    def container_instance_of(self, instance_id: str) -> SimInstance | None:
        """The container instance EC2 instance ``instance_id`` became, if it joined."""
        return next((i for i in self._instances.values() if i.instance_id == instance_id), None)

    def ec2_instance_id(self, container_instance_arn: str) -> str | None:
        """The EC2 instance behind a container instance (None if it is not registered)."""
        inst = self._instances.get(container_instance_arn)
        return inst.instance_id if inst else None

    # -- container instances, as ECS describes them --------------------------------------
    def describe_container_instances(self, records: list[dict]) -> list[dict]:
        """moto's container-instance records with what the agent reports (resources used,
        tasks, attributes); records of instances the simulator does not know stay as they
        are."""
        out = []
        for ci in records:
            inst = self._instances.get(ci["containerInstanceArn"])
            out.append(self.describe_instance(inst, ci) if inst else ci)
        return out

    def describe_instance(self, inst: SimInstance, moto_record: dict | None = None) -> dict:
        """A container instance in ``describe_container_instances``'s shape."""
        record = copy.deepcopy(moto_record) if moto_record else {}
        ports = sorted(str(p) for p in inst.ports)
        running, pending = task_counts([self._tasks[t] for t in inst.tasks])
        record.update(
            {
                "containerInstanceArn": inst.arn,
                "ec2InstanceId": inst.instance_id,
                "status": inst.status,
                "agentConnected": True,
                "runningTasksCount": running,
                "pendingTasksCount": pending,
                "registeredAt": inst.registered_at,
                "registeredResources": _resources(inst.cpu_total, inst.memory_total, []),
                "remainingResources": _resources(
                    inst.cpu_total - inst.cpu_used, inst.memory_total - inst.memory_used, ports
                ),
                "attributes": [{"name": k, "value": v} for k, v in inst.attributes.items()],
                "versionInfo": {"agentVersion": "1.89.0", "dockerVersion": "DockerVersion: 25.0.8"},
            }
        )
        return record

    def container_instance_rows(self, cluster: str) -> list[dict]:
        rows = []
        for inst in self._instances.values():
            if inst.cluster != cluster:
                continue
            rows.append(
                {
                    "instance": inst.instance_id,
                    "type": inst.instance_type,
                    "az": inst.az,
                    "status": inst.status,
                    "cpu": inst.cpu_total,
                    "cpu_free": inst.cpu_total - inst.cpu_used,
                    "memory": inst.memory_total,
                    "memory_free": inst.memory_total - inst.memory_used,
                    "tasks": [self._task_label(t) for t in inst.tasks],
                }
            )
        return rows

    def _task_label(self, task_arn: str) -> str:
        task = self._tasks[task_arn]
        family = task["taskDefinitionArn"].split("/")[-1]
        return f"{family} {short_name(task_arn)[:8]}"

    # -- tasks -----------------------------------------------------------------------------
    def shape(self, td: dict, group: str) -> placement.TaskShape:
        containers = td.get("containerDefinitions", [])
        cpu = int(td["cpu"]) if td.get("cpu") else sum(int(c.get("cpu", 0)) for c in containers)
        if td.get("memory"):
            memory = int(td["memory"])
        else:
            memory = sum(
                int(c.get("memory") or c.get("memoryReservation") or 0) for c in containers
            )
        ports: list[int] = []
        mode = td.get("networkMode", "bridge")
        if mode in ("bridge", "host"):
            for c in containers:
                for m in c.get("portMappings", []):
                    port = m.get("hostPort") if mode == "bridge" else m.get("containerPort")
                    if port:
                        ports.append(int(port))
        return placement.TaskShape(cpu=cpu, memory=memory, host_ports=tuple(ports), group=group)

    def candidates(self, cluster: str) -> list[placement.Candidate]:
        out = []
        for inst in self._instances.values():
            if inst.cluster != cluster:
                continue
            groups: dict[str, int] = {}
            for t in inst.tasks:
                g = self._tasks[t].get("group", "")
                groups[g] = groups.get(g, 0) + 1
            out.append(
                placement.Candidate(
                    inst.arn,
                    inst.instance_id,
                    inst.attributes,
                    cpu=inst.cpu_total - inst.cpu_used,
                    memory=inst.memory_total - inst.memory_used,
                    ports=set(inst.ports),
                    status=inst.status,
                    groups=groups,
                )
            )
        return out

    def run_on_ec2(
        self,
        cluster: str,
        td: dict,
        count: int,
        *,
        group: str,
        strategy: list[dict] | None,
        constraints: list[dict] | None,
        started_by: str | None = None,
        tags: list[dict] | None = None,
    ) -> tuple[list[dict], list[dict]]:
        """Place ``count`` tasks with ECS's rules; returns (tasks, failures)."""
        compat = td.get("requiresCompatibilities") or ["EC2"]
        if "EC2" not in compat:
            raise InvalidParameterError(
                "Task definition does not support launch_type EC2.",
                code="InvalidParameterException",
                hint="run it with launchType='FARGATE', or register it with "
                "requiresCompatibilities=['EC2'].",
            )
        constraints = list(td.get("placementConstraints") or []) + list(constraints or [])
        candidates = self.candidates(cluster)
        if not any(c.status == "ACTIVE" for c in candidates):
            raise InvalidParameterError(
                placement.NO_INSTANCES_MESSAGE,
                code="InvalidParameterException",
                hint="launch instances that join it: "
                f"lab.ecs.launch_instances({cluster!r}, count=2) (or use Fargate).",
            )
        shape = self.shape(td, group)
        result = placement.place(candidates, shape, count, strategy, constraints, self.account.rng)
        tasks = [
            self._start(cluster, td, "EC2", group, started_by, tags, instance_arn=arn, shape=shape)
            for arn in result.placements
        ]
        return tasks, result.failures

    def run_on_fargate(
        self,
        cluster: str,
        td: dict,
        count: int,
        *,
        group: str,
        providers: list[str],
        network_configuration: dict | None,
        started_by: str | None = None,
        tags: list[dict] | None = None,
    ) -> list[dict]:
        compat = td.get("requiresCompatibilities") or ["EC2"]
        if "FARGATE" not in compat:
            raise InvalidParameterError(
                "Task definition does not support launch_type FARGATE.",
                code="InvalidParameterException",
                hint="register it with requiresCompatibilities=['FARGATE'], networkMode="
                "'awsvpc' and task-level cpu and memory.",
            )
        net = self._awsvpc(network_configuration)
        tasks = []
        for provider in providers[:count]:
            tasks.append(
                self._start(
                    cluster,
                    td,
                    "FARGATE",
                    group,
                    started_by,
                    tags,
                    provider=provider,
                    network=net,
                )
            )
        return tasks

    def _awsvpc(self, network_configuration: dict | None) -> dict:
        """The awsvpc configuration, filled from the lab's network when omitted."""
        if network_configuration and network_configuration.get("awsvpcConfiguration"):
            conf = dict(network_configuration["awsvpcConfiguration"])
            if not conf.get("subnets"):
                raise InvalidParameterError(
                    "subnets can not be empty.",
                    code="InvalidParameterException",
                    hint="give at least one subnet, or leave networkConfiguration out and the "
                    "lab fills in its own.",
                )
        else:
            network = self.account.network()
            # Public subnets with a public IP so that, in a real account, tasks can pull
            # images without a NAT gateway (which would cost money).
            conf = {
                "subnets": network.subnet_ids,
                "securityGroups": [network.security_group_id],
                "assignPublicIp": "ENABLED",
            }
        conf.setdefault("securityGroups", [self.account.network().security_group_id])
        return conf

    def _start(
        self,
        cluster: str,
        td: dict,
        launch_type: str,
        group: str,
        started_by: str | None,
        tags: list[dict] | None,
        *,
        instance_arn: str | None = None,
        shape: placement.TaskShape | None = None,
        provider: str | None = None,
        network: dict | None = None,
    ) -> dict:
        task_id = self.account.new_id()
        arn = self.account.arn("ecs", f"task/{cluster}/{task_id}")
        now = self.account.now()
        alloc: dict[str, Any] = {}
        attachments: list[dict] = []
        containers = []
        az = None
        if instance_arn:
            inst = self._instances[instance_arn]
            assert shape is not None
            inst.cpu_used += shape.cpu
            inst.memory_used += shape.memory
            inst.ports.update(shape.host_ports)
            inst.tasks.append(arn)
            alloc.update(instance=instance_arn, cpu=shape.cpu, memory=shape.memory)
            alloc["ports"] = shape.host_ports
            az = inst.az
        if network is not None:
            eni = self._create_eni(network, task_id)
            alloc["eni"] = eni["NetworkInterfaceId"]
            alloc["subnet"] = eni["SubnetId"]
            az = eni["AvailabilityZone"]
            attachments.append(
                {
                    "id": eni["attachment"],
                    "type": "ElasticNetworkInterface",
                    "status": "ATTACHED",
                    "details": [
                        {"name": "subnetId", "value": eni["SubnetId"]},
                        {"name": "networkInterfaceId", "value": eni["NetworkInterfaceId"]},
                        {"name": "macAddress", "value": eni.get("MacAddress", "")},
                        {"name": "privateIPv4Address", "value": eni["PrivateIpAddress"]},
                    ],
                }
            )
        for c in td.get("containerDefinitions", []):
            container = {
                "containerArn": self.account.arn(
                    "ecs", f"container/{cluster}/{task_id}/{c['name']}"
                ),
                "taskArn": arn,
                "name": c["name"],
                "image": c.get("image", ""),
                "lastStatus": "RUNNING",
                "healthStatus": "UNKNOWN",
                "cpu": str(c.get("cpu", 0)),
            }
            if c.get("memory"):
                container["memory"] = str(c["memory"])
            if instance_arn and td.get("networkMode", "bridge") == "bridge":
                container["networkBindings"] = [
                    {
                        "bindIP": "0.0.0.0",
                        "containerPort": m.get("containerPort"),
                        "hostPort": m.get("hostPort") or m.get("containerPort"),
                        "protocol": m.get("protocol", "tcp"),
                    }
                    for m in c.get("portMappings", [])
                ]
            containers.append(container)
        task = {
            "taskArn": arn,
            "clusterArn": self.cluster_arn(cluster),
            "taskDefinitionArn": td["taskDefinitionArn"],
            "lastStatus": "RUNNING",
            "desiredStatus": "RUNNING",
            "launchType": launch_type,
            "cpu": str(shape.cpu if shape else td.get("cpu", "")),
            "memory": str(shape.memory if shape else td.get("memory", "")),
            "containers": containers,
            "group": group,
            "version": 2,
            "connectivity": "CONNECTED",
            "createdAt": now,
            "startedAt": now,
            "availabilityZone": az,
            "attachments": attachments,
            "overrides": {"containerOverrides": [{"name": c["name"]} for c in containers]},
            "tags": tags or [],
        }
        if instance_arn:
            task["containerInstanceArn"] = instance_arn
        if launch_type == "FARGATE":
            task["platformVersion"] = "1.4.0"
            task["platformFamily"] = "Linux"
            task["capacityProviderName"] = provider or "FARGATE"
            task["cpu"] = str(td.get("cpu"))
            task["memory"] = str(td.get("memory"))
        if started_by:
            task["startedBy"] = started_by
        self._tasks[arn] = task
        self._alloc[arn] = alloc
        return copy.deepcopy(task)

    def _create_eni(self, network: dict, task_id: str) -> dict:
        subnets = network["subnets"]
        # Spread tasks over the given subnets (and so over AZs), as Fargate does.
        used = [0] * len(subnets)
        for alloc in self._alloc.values():
            if alloc.get("subnet") in subnets:
                used[subnets.index(alloc["subnet"])] += 1
        subnet = subnets[used.index(min(used))]
        attachment = (
            f"{task_id[:8]}-{task_id[8:12]}-{task_id[12:16]}-{task_id[16:20]}-{task_id[20:]}"
        )
        eni = call(
            self.ec2,
            "create_network_interface",
            SubnetId=subnet,
            Groups=network.get("securityGroups") or [],
            Description=self.account.arn("ecs", f"attachment/{attachment}"),
            TagSpecifications=self.account.ec2_tag_spec("network-interface"),
        )["NetworkInterface"]
        self.account.record("ec2-network-interface", eni["NetworkInterfaceId"])
        eni["attachment"] = attachment
        return {**eni, "SubnetId": subnet}

    def _stop(self, task_arn: str, reason: str, code: str = "UserInitiated") -> dict:
        task = self._tasks[task_arn]
        if task["lastStatus"] == "STOPPED":
            return copy.deepcopy(task)
        now = self.account.now()
        task.update(
            lastStatus="STOPPED",
            desiredStatus="STOPPED",
            stoppedReason=reason,
            stopCode=code,
            stoppingAt=now,
            stoppedAt=now,
            executionStoppedAt=now,
        )
        for c in task["containers"]:
            c["lastStatus"] = "STOPPED"
            c["exitCode"] = 0 if code == "UserInitiated" else 143
        alloc = self._alloc.pop(task_arn, {})
        inst = self._instances.get(alloc.get("instance", ""))
        if inst is not None:
            inst.cpu_used -= alloc["cpu"]
            inst.memory_used -= alloc["memory"]
            inst.ports.difference_update(alloc.get("ports", ()))
            inst.tasks.remove(task_arn)
        if alloc.get("eni"):
            # Fargate deletes the task's ENI when the task stops.
            try:
                call(self.ec2, "delete_network_interface", NetworkInterfaceId=alloc["eni"])
            except NotFoundError:
                pass  # already deleted (by teardown, or by hand)
            self.account.forget("ec2-network-interface", alloc["eni"])
            for att in task["attachments"]:
                att["status"] = "DELETED"
        return copy.deepcopy(task)

    def stop_task(self, cluster: str, ref: str, reason: str | None) -> dict:
        arn = self.find_task(cluster, ref)
        task = self._stop(arn, reason or "Task stopped by user")
        self.reconcile(cluster)
        return task

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
        return [
            t
            for t in self._tasks.values()
            if cluster_name(t["clusterArn"]) == cluster
            and t["lastStatus"] != "STOPPED"
            and (group is None or t.get("group") == group)
        ]

    # -- the task API, as ECS answers it ---------------------------------------------------------
    def run_task(
        self,
        cluster: str | None,
        *,
        task_definition: str | None,
        count: Any = 1,
        group: str | None = None,
        launch_type: str | None = None,
        capacity_provider_strategy: list[dict] | None = None,
        placement_strategy: list[dict] | None = None,
        placement_constraints: list[dict] | None = None,
        network_configuration: dict | None = None,
        started_by: str | None = None,
        tags: list[dict] | None = None,
    ) -> tuple[list[dict], list[dict]]:
        """RunTask: (tasks, failures). On EC2 placement decides and reports what did not
        fit; on Fargate each task gets its own ENI, by capacity provider."""
        name = self.require_cluster(cluster)
        limit = ecs_facts()["limits"]["run_task_max_count"]
        if not isinstance(count, int) or not 1 <= count <= limit:
            raise InvalidParameterError(
                f"count must be between 1 and {limit}.",
                code="InvalidParameterException",
                hint="call run_task again for more, or create a service with desiredCount.",
            )
        if not task_definition:
            raise InvalidParameterError(
                "taskDefinition is required.",
                code="ParamValidationError",
                hint="pass taskDefinition='family' or 'family:revision'.",
            )
        td = self.task_definition(task_definition)
        group = group or f"family:{td['family']}"
        providers = self.capacity_providers(name, launch_type, capacity_provider_strategy, count)
        if providers is None:
            return self.run_on_ec2(
                name,
                td,
                count,
                group=group,
                strategy=placement_strategy,
                constraints=placement_constraints,
                started_by=started_by,
                tags=tags,
            )
        tasks = self.run_on_fargate(
            name,
            td,
            count,
            group=group,
            providers=providers,
            network_configuration=network_configuration,
            started_by=started_by,
            tags=tags,
        )
        return tasks, []

    def capacity_providers(
        self,
        cluster: str,
        launch_type: str | None,
        strategy: list[dict] | None,
        count: int,
    ) -> list[str] | None:
        """None for EC2; else the capacity provider of each of ``count`` new tasks. Checks
        the launch type and that each provider is FARGATE or FARGATE_SPOT and associated
        with the cluster."""
        if launch_type and strategy:
            raise InvalidParameterError(
                "Specifying both a launch type and capacity provider strategy is not supported.",
                code="InvalidParameterException",
                hint="pass launchType='FARGATE' or capacityProviderStrategy=[...], not both.",
            )
        if strategy:
            associated = self._associated_providers(cluster)
            for item in strategy:
                provider = item.get("capacityProvider")
                if provider not in ("FARGATE", "FARGATE_SPOT"):
                    raise InvalidParameterError(
                        f"Capacity provider {provider!r} is not supported by this lab.",
                        code="InvalidParameterException",
                        hint="use FARGATE or FARGATE_SPOT (or launchType='EC2').",
                    )
                if provider not in associated:
                    raise InvalidParameterError(
                        "The specified capacity provider strategy cannot contain a capacity "
                        "provider that is not associated with the cluster. Associate the "
                        "capacity provider with the cluster or specify a valid capacity "
                        "provider and try again.",
                        code="InvalidParameterException",
                        hint=f"lab.ecs.put_cluster_capacity_providers(cluster={cluster!r}, "
                        "capacityProviders=['FARGATE', 'FARGATE_SPOT'], "
                        "defaultCapacityProviderStrategy=[])",
                    )
            return split_by_strategy(strategy, count, [])
        if launch_type in (None, "EC2"):
            return None
        if launch_type == "FARGATE":
            return ["FARGATE"] * count
        raise InvalidParameterError(
            f"launchType {launch_type!r} is not valid.",
            code="InvalidParameterException",
            hint="use 'EC2' or 'FARGATE' (or a capacityProviderStrategy for FARGATE_SPOT).",
        )

    def _associated_providers(self, cluster: str) -> list[str]:
        found = call(self.ecs, "describe_clusters", clusters=[cluster])["clusters"]
        return found[0].get("capacityProviders", []) if found else []

    def start_task(
        self,
        cluster: str | None,
        *,
        task_definition: str,
        container_instances: list[str],
        group: str | None = None,
        started_by: str | None = None,
        tags: list[dict] | None = None,
    ) -> tuple[list[dict], list[dict]]:
        """StartTask on the named container instances: (tasks, failures); a task that does
        not fit fails instead of overcommitting the instance."""
        name = self.require_cluster(cluster)
        td = self.task_definition(task_definition)
        group = group or f"family:{td['family']}"
        tasks: list[dict] = []
        failures: list[dict] = []
        for ref in container_instances:
            inst = self.instance(name, ref)
            candidates = [c for c in self.candidates(name) if c.arn == inst.arn]
            result = placement.place(
                candidates, self.shape(td, group), 1, None, None, self.account.rng
            )
            if result.placements:
                tasks.append(
                    self._start(
                        name,
                        td,
                        "EC2",
                        group,
                        started_by,
                        tags,
                        instance_arn=inst.arn,
                        shape=self.shape(td, group),
                    )
                )
            failures.extend(result.failures)
        return tasks, failures

    def describe_tasks(self, cluster: str | None, refs: list[str]) -> tuple[list[dict], list[dict]]:
        """DescribeTasks: (tasks, failures), a task not found failing as ``MISSING``."""
        name = self.require_cluster(cluster)
        tasks, failures = [], []
        for ref in refs:
            try:
                tasks.append(copy.deepcopy(self._tasks[self.find_task(name, ref)]))
            except InvalidParameterError:
                failures.append({"arn": ref, "reason": "MISSING"})
        return tasks, failures

    def list_tasks(
        self,
        cluster: str | None,
        *,
        desired_status: str = "RUNNING",
        family: str | None = None,
        service_name: str | None = None,
        launch_type: str | None = None,
        started_by: str | None = None,
        container_instance: str | None = None,
    ) -> list[str]:
        """ListTasks: the ARNs of the cluster's tasks that match every filter given."""
        name = self.require_cluster(cluster)
        out = []
        for arn, task in self._tasks.items():
            if (
                task["clusterArn"] != self.cluster_arn(name)
                or task["desiredStatus"] != desired_status
            ):
                continue
            if family and task["taskDefinitionArn"].split("/")[-1].split(":")[0] != family:
                continue
            if service_name and task.get("group") != f"service:{service_name}":
                continue
            if launch_type and task["launchType"] != launch_type:
                continue
            if started_by and task.get("startedBy") != started_by:
                continue
            ci = container_instance
            if ci and ci not in (
                task.get("containerInstanceArn", ""),
                task.get("containerInstanceArn", "").split("/")[-1],
            ):
                continue
            out.append(arn)
        return out

    # -- services ------------------------------------------------------------------------------
    def check_service(
        self,
        cluster: str | None,
        *,
        task_definition: str,
        desired: Any,
        launch_type: str | None,
        capacity_provider_strategy: list[dict] | None,
        placement_strategy: list[dict] | None,
        placement_constraints: list[dict] | None,
    ) -> tuple[str, str]:
        """Check a CreateService before ECS records it; returns the cluster's name and the
        task definition's ARN."""
        name = self.require_cluster(cluster)
        td = self.task_definition(task_definition)
        if not isinstance(desired, int) or desired < 0:
            raise InvalidParameterError(
                "desiredCount must be a whole number, 0 or more.",
                code="InvalidParameterException",
                hint="pass desiredCount=2 for two tasks.",
            )
        strategy = placement_strategy or placement.SERVICE_DEFAULT_STRATEGY
        # Validate the placement inputs before anything is created.
        placement.validate_placement(strategy, placement_constraints or [])
        if launch_type == "FARGATE" or capacity_provider_strategy:
            # Checks the launch type and capacity providers before anything is created.
            self.capacity_providers(name, launch_type, capacity_provider_strategy, 1)
            if "FARGATE" not in (td.get("requiresCompatibilities") or []):
                raise InvalidParameterError(
                    "Task definition does not support launch_type FARGATE.",
                    code="InvalidParameterException",
                    hint="register it with requiresCompatibilities=['FARGATE'].",
                )
        return name, td["taskDefinitionArn"]

    def service_created(
        self,
        cluster: str,
        record: dict,
        *,
        task_definition_arn: str,
        desired: int,
        launch_type: str | None,
        capacity_provider_strategy: list[dict] | None,
        placement_strategy: list[dict] | None,
        placement_constraints: list[dict] | None,
        network_configuration: dict | None,
    ) -> dict:
        """ECS recorded a service (checked by :meth:`check_service`): the scheduler starts
        its tasks. Returns the service record with the scheduler's view."""
        strategy = placement_strategy or placement.SERVICE_DEFAULT_STRATEGY
        svc = SimService(
            arn=record["serviceArn"],
            name=record["serviceName"],
            cluster=cluster,
            task_definition=task_definition_arn,
            desired=desired,
            launch_type=launch_type,
            capacity_provider_strategy=capacity_provider_strategy or [],
            strategy=strategy if launch_type != "FARGATE" else [],
            constraints=placement_constraints or [],
            network_configuration=network_configuration,
            created_at=self.account.now(),
        )
        self._services[svc.arn] = svc
        self.reconcile(cluster)
        return self.service_record(record)

    def update_service(
        self,
        cluster: str | None,
        ref: str,
        *,
        task_definition: str | None = None,
        desired: Any = None,
    ) -> str:
        """Change a service's task definition and/or desired count (the scheduler acts on
        :meth:`reconcile`); returns the cluster's name."""
        name = self.require_cluster(cluster)
        svc = self.service(name, ref)
        if task_definition is not None:
            svc.task_definition = self.task_definition(task_definition)["taskDefinitionArn"]
        if desired is not None:
            if not isinstance(desired, int) or desired < 0:
                raise InvalidParameterError(
                    "desiredCount must be a whole number, 0 or more.",
                    code="InvalidParameterException",
                    hint="pass desiredCount=0 to stop every task of the service.",
                )
            svc.desired = desired
        return name

    def delete_service(self, cluster: str | None, ref: str, force: bool) -> str:
        """Stop a service's tasks and mark it DRAINING (refused while it is scaled above 0,
        unless ``force``); returns its ARN."""
        name = self.require_cluster(cluster)
        svc = self.service(name, ref)
        if svc.desired > 0 and not force:
            raise InvalidParameterError(
                "The service cannot be stopped while it is scaled above 0.",
                code="InvalidParameterException",
                hint="update_service(..., desiredCount=0) first, or pass force=True.",
            )
        svc.desired = 0
        self.reconcile(name)
        svc.status = "DRAINING"
        return svc.arn

    def service_record(self, record: dict) -> dict:
        """moto's service record with the scheduler's view (counts, events, deployment);
        a service the simulator does not know comes back as it is."""
        svc = self._services.get(record["serviceArn"])
        if svc is None:
            return record
        running, pending = task_counts(self.live_tasks(svc.cluster, svc.group))
        record = dict(record)
        record.update(
            desiredCount=svc.desired,
            runningCount=running,
            pendingCount=pending,
            status=svc.status,
            events=copy.deepcopy(svc.events),
            placementStrategy=svc.strategy,
            placementConstraints=svc.constraints,
            deployments=[
                {
                    "id": "ecs-svc/" + svc.arn[-19:],
                    "status": "PRIMARY",
                    "taskDefinition": svc.task_definition,
                    "desiredCount": svc.desired,
                    "pendingCount": pending,
                    "runningCount": running,
                    "rolloutState": "COMPLETED" if running == svc.desired else "IN_PROGRESS",
                    "createdAt": svc.created_at,
                }
            ],
        )
        if svc.launch_type:
            record["launchType"] = svc.launch_type
        return record

    def service(self, cluster: str, ref: str) -> SimService:
        for svc in self._services.values():
            if svc.cluster == cluster and ref in (svc.arn, svc.name) and svc.status == "ACTIVE":
                return svc
        raise NotFoundError(
            "Service not found.",
            code="ServiceNotFoundException",
            hint="list services with lab.ecs.list_services(cluster=...).",
        )

    def event(self, svc: SimService, message: str) -> None:
        svc.events.insert(
            0, {"id": self.account.new_id(8), "createdAt": self.account.now(), "message": message}
        )

    def reconcile(self, cluster: str) -> None:
        """Run the service scheduler for every service in the cluster until it settles."""
        for svc in list(self._services.values()):
            if svc.cluster == cluster and svc.status == "ACTIVE":
                self._reconcile_service(svc)

    def _reconcile_service(self, svc: SimService) -> None:
        live = self.live_tasks(svc.cluster, svc.group)
        td = self.task_definition(svc.task_definition)
        current = [t for t in live if t["taskDefinitionArn"] == td["taskDefinitionArn"]]
        outdated = [t for t in live if t["taskDefinitionArn"] != td["taskDefinitionArn"]]
        stopped: list[str] = []
        # Tasks on a draining instance are replaced elsewhere first; with the default
        # minimumHealthyPercent of 100 a draining task stops only once its replacement runs.
        draining = [t for t in current if self._on_draining(t["taskArn"])]
        keep = [t for t in current if t not in draining]
        started: list[dict] = []
        if svc.desired - len(keep) > 0:
            started = self._service_place(svc, td, svc.desired - len(keep))
        running = keep + started
        retire = [*draining, *outdated]
        stoppable = max(0, len(running) + len(retire) - svc.desired)
        for t in retire[:stoppable]:
            why = (
                "container instance is being drained"
                if t in draining
                else "replaced by a new deployment"
            )
            self._stop(t["taskArn"], f"Service {svc.name}: {why}.", "ServiceSchedulerInitiated")
            stopped.append(t["taskArn"])
        # Scale in: stop tasks from the Availability Zone with the most, keeping the spread.
        while len(running) > svc.desired:
            victim = self._scale_in_victim(running)
            running.remove(victim)
            self._stop(
                victim["taskArn"],
                f"Service {svc.name}: scaling in (desired count lowered).",
                "ServiceSchedulerInitiated",
            )
            stopped.append(victim["taskArn"])
        unable = svc.pending_message
        svc.pending_message = None
        if started:
            ids = " ".join(f"(task {short_name(t['taskArn'])})" for t in started)
            self.event(svc, f"(service {svc.name}) has started {len(started)} tasks: {ids}.")
        if stopped:
            ids = " ".join(f"(task {short_name(a)})" for a in stopped)
            self.event(
                svc, f"(service {svc.name}) has stopped {len(stopped)} running tasks: {ids}."
            )
        if unable and (not svc.events or svc.events[0]["message"] != unable):
            self.event(svc, unable)
        live = self.live_tasks(svc.cluster, svc.group)
        steady = (
            len(live) == svc.desired
            and not any(self._on_draining(t["taskArn"]) for t in live)
            and all(t["taskDefinitionArn"] == td["taskDefinitionArn"] for t in live)
        )
        last = svc.events[0]["message"] if svc.events else ""
        if steady and (started or stopped or "steady state" not in last):
            self.event(svc, f"(service {svc.name}) has reached a steady state.")

    def _on_draining(self, task_arn: str) -> bool:
        inst = self._instances.get(self._alloc.get(task_arn, {}).get("instance", ""))
        return inst is not None and inst.status == "DRAINING"

    def _scale_in_victim(self, running: list[dict]) -> dict:
        by_az: dict[str, int] = {}
        for t in running:
            by_az[t.get("availabilityZone") or ""] = (
                by_az.get(t.get("availabilityZone") or "", 0) + 1
            )
        busiest = max(by_az.values())
        return [t for t in running if by_az[t.get("availabilityZone") or ""] == busiest][-1]

    def _service_place(self, svc: SimService, td: dict, missing: int) -> list[dict]:
        if svc.launch_type == "FARGATE" or svc.capacity_provider_strategy:
            providers = split_by_strategy(
                svc.capacity_provider_strategy or [{"capacityProvider": "FARGATE", "weight": 1}],
                missing,
                [
                    t.get("capacityProviderName", "")
                    for t in self.live_tasks(svc.cluster, svc.group)
                ],
            )
            return self.run_on_fargate(
                svc.cluster,
                td,
                missing,
                group=svc.group,
                providers=providers,
                network_configuration=svc.network_configuration,
                started_by=f"ecs-svc/{svc.arn[-19:]}",
            )
        candidates = self.candidates(svc.cluster)
        shape = self.shape(td, svc.group)
        constraints = list(td.get("placementConstraints") or []) + svc.constraints
        if not any(c.status == "ACTIVE" for c in candidates):
            svc.pending_message = placement.unable_to_place_event(svc.name, None)
            return []
        result = placement.place(
            candidates, shape, missing, svc.strategy, constraints, self.account.rng
        )
        started = [
            self._start(
                svc.cluster,
                td,
                "EC2",
                svc.group,
                f"ecs-svc/{svc.arn[-19:]}",
                None,
                instance_arn=arn,
                shape=shape,
            )
            for arn in result.placements
        ]
        if len(started) < missing:
            closest = placement.closest_match(self.candidates(svc.cluster), shape)
            svc.pending_message = placement.unable_to_place_event(svc.name, closest)
        return started

    def drain(self, cluster: str, refs: list[str], status: str) -> list[SimInstance]:
        if status not in ("ACTIVE", "DRAINING"):
            raise InvalidParameterError(
                f"Invalid status {status!r}.",
                code="InvalidParameterException",
                hint="use 'DRAINING' to empty an instance or 'ACTIVE' to bring it back.",
            )
        changed = [self.instance(cluster, r) for r in refs]
        for inst in changed:
            inst.status = status
        self.reconcile(cluster)
        return changed

    def deregister_container_instance(self, cluster: str | None, ref: str, force: bool) -> dict:
        """DeregisterContainerInstance: refused while tasks run unless ``force`` (then they
        stop); returns the instance as ECS describes it, now INACTIVE."""
        cluster = self.require_cluster(cluster)
        inst = self.instance(cluster, ref)
        if inst.tasks and not force:
            raise ResourceInUseError(
                f"Container instance {short_name(inst.arn)} still has {len(inst.tasks)} running "
                "tasks.",
                code="InvalidParameterException",
                hint="drain it first (lab.ecs.update_container_instances_state(..., "
                "status='DRAINING')), or pass force=True.",
            )
        for task_arn in list(inst.tasks):
            self._stop(task_arn, "Container instance deregistered.", "ServiceSchedulerInitiated")
        self._deregister(inst)
        self.reconcile(cluster)
        described = self.describe_instance(inst)
        described["status"] = "INACTIVE"
        return described


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


def _resources(cpu: int, memory: int, ports: list[str]) -> list[dict]:
    return [
        {"name": "CPU", "type": "INTEGER", "integerValue": cpu},
        {"name": "MEMORY", "type": "INTEGER", "integerValue": memory},
        {"name": "PORTS", "type": "STRINGSET", "stringSetValue": ports},
        {"name": "PORTS_UDP", "type": "STRINGSET", "stringSetValue": []},
    ]
