"""Tasks: placing them on EC2 or Fargate, starting and stopping them, and the task API
(RunTask, StartTask, StopTask, DescribeTasks, ListTasks)."""

from __future__ import annotations

from typing import Any

from ...arns import short_name
from ...errors import InvalidParameterError
from ...rules.capacity import ecs_facts
from .. import placement
from ..plain import copy_object
from .capacity_providers import FARGATE_PROVIDERS, check_strategy, split_by_strategy
from .network_interfaces import NetworkInterfaces


def container_gpus(container: dict) -> int:
    """The GPUs one container definition asks for (``resourceRequirements`` of type GPU).

    >>> container_gpus({"resourceRequirements": [{"type": "GPU", "value": "2"}]})
    2
    """
    total = 0
    for requirement in container.get("resourceRequirements") or []:
        if str(requirement.get("type", "")).upper() != "GPU":
            continue
        value = str(requirement.get("value", "")).strip()
        if not value.isdigit() or int(value) < 1:
            raise InvalidParameterError(
                f"Invalid GPU value {value!r} for container '{container.get('name')}'.",
                code="ClientException",
                hint="give a whole number of GPUs, e.g. {'type': 'GPU', 'value': '1'} (ECS "
                "also knows 'ALL' and GPU sharing; this lab models whole GPUs only).",
            )
        total += int(value)
    return total


def _require_launch_type(td: dict, launch_type: str, hint: str) -> None:
    """ECS's refusal of a launch type the task definition was not registered for."""
    if launch_type not in (td.get("requiresCompatibilities") or ["EC2"]):
        raise InvalidParameterError(
            f"Task definition does not support launch_type {launch_type}.",
            code="InvalidParameterException",
            hint=hint,
        )


class Tasks(NetworkInterfaces):
    """Where tasks run and what they hold; tasks are kept in boto3's shape."""

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
        gpus = sum(container_gpus(c) for c in containers)
        return placement.TaskShape(
            cpu=cpu, memory=memory, host_ports=tuple(ports), group=group, gpus=gpus
        )

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
                    gpus=len(inst.gpu_free),
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
        _require_launch_type(
            td,
            "EC2",
            "run it with launchType='FARGATE', or register it with "
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
        _require_launch_type(
            td,
            "FARGATE",
            "register it with requiresCompatibilities=['FARGATE'], networkMode='awsvpc' and "
            "task-level cpu and memory.",
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
        task_id: str | None = None,
        created_at: Any = None,
    ) -> dict:
        # A task that waited in PROVISIONING keeps its id and creation time.
        task_id = task_id or self.account.new_id()
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
            # The agent pins whole physical GPUs to the task's containers, in order.
            alloc["gpus"] = inst.gpu_free[: shape.gpus]
            del inst.gpu_free[: shape.gpus]
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
        gpus_left = list(alloc.get("gpus", []))
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
            wanted = container_gpus(c) if gpus_left else 0
            if wanted:
                container["gpuIds"], gpus_left = gpus_left[:wanted], gpus_left[wanted:]
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
            "createdAt": created_at or now,
            "startedAt": now,
            "availabilityZone": az,
            "attachments": attachments,
            "overrides": {"containerOverrides": [{"name": c["name"]} for c in containers]},
            "tags": tags or [],
        }
        if instance_arn:
            task["containerInstanceArn"] = instance_arn
            if provider:
                task["capacityProviderName"] = provider
        if launch_type == "FARGATE":
            task["platformVersion"] = "1.4.0"
            task["platformFamily"] = "Linux"
            task["capacityProviderName"] = provider or "FARGATE"
            task["cpu"] = str(td.get("cpu"))
            task["memory"] = str(td.get("memory"))
        if started_by:
            task["startedBy"] = started_by
        self._tasks[arn] = task
        self._task_live(task, True)
        self._alloc[arn] = alloc
        self._subnet_changed(alloc.get("subnet"), +1)
        return task  # the simulator's own record: the task API hands out copies

    def _stop(self, task_arn: str, reason: str, code: str = "UserInitiated") -> dict:
        """Stop a task (the simulator's own record: copy it before handing it out)."""
        task = self._tasks[task_arn]
        if task["lastStatus"] == "STOPPED":
            return task
        now = self.account.now()
        self._task_live(task, False)
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
        self._subnet_changed(alloc.get("subnet"), -1)
        inst = self._instances.get(alloc.get("instance", ""))
        if inst is not None:
            inst.cpu_used -= alloc["cpu"]
            inst.memory_used -= alloc["memory"]
            inst.ports.difference_update(alloc.get("ports", ()))
            freed = set(inst.gpu_free) | set(alloc.get("gpus", ()))
            inst.gpu_free = [g for g in inst.gpu_ids if g in freed]
            inst.tasks.remove(task_arn)
        if alloc.get("eni"):
            # Fargate deletes the task's ENI when the task stops.
            self._delete_eni(alloc["eni"])
            self.account.forget("ec2-network-interface", alloc["eni"])
            for att in task["attachments"]:
                att["status"] = "DELETED"
        return task

    def stop_task(self, cluster: str, ref: str, reason: str | None) -> dict:
        arn = self.find_task(cluster, ref)
        task = copy_object(self._stop(arn, reason or "Task stopped by user"))
        self.reconcile(cluster)
        return task

    def _task_label(self, task_arn: str) -> str:
        task = self._tasks[task_arn]
        family = short_name(task["taskDefinitionArn"])
        return f"{family} {short_name(task_arn)[:8]}"

    # -- the task API, as ECS answers it -----------------------------------------------------------
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
        if providers and providers[0] in self._capacity_providers:
            # An Auto Scaling group capacity provider: what does not fit waits in PROVISIONING.
            tasks = self.run_through_providers(
                name,
                td,
                providers,
                group=group,
                strategy=placement_strategy,
                constraints=placement_constraints,
                started_by=started_by,
                tags=tags,
            )
            return copy_object(tasks), []
        if providers is None:
            placed, failures = self.run_on_ec2(
                name,
                td,
                count,
                group=group,
                strategy=placement_strategy,
                constraints=placement_constraints,
                started_by=started_by,
                tags=tags,
            )
            return copy_object(placed), failures
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
        return copy_object(tasks), []

    def capacity_providers(
        self,
        cluster: str,
        launch_type: str | None,
        strategy: list[dict] | None,
        count: int,
    ) -> list[str] | None:
        """None for EC2; else the capacity provider of each of ``count`` new tasks (the
        cluster's default strategy when neither a launch type nor a strategy is given).
        Checks the launch type and that each provider exists and is associated with the
        cluster."""
        if launch_type and strategy:
            raise InvalidParameterError(
                "Specifying both a launch type and capacity provider strategy is not supported.",
                code="InvalidParameterException",
                hint="pass launchType='FARGATE' or capacityProviderStrategy=[...], not both.",
            )
        if not launch_type and not strategy:
            strategy = self.default_strategy(cluster)
        if strategy:
            check_strategy(strategy)
            if strategy[0]["capacityProvider"] not in FARGATE_PROVIDERS:
                self.check_group_strategy(cluster, strategy)
                return split_by_strategy(strategy, count, [])
            associated = self._associated_providers(cluster)
            for item in strategy:
                provider = item.get("capacityProvider")
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
        found = self.account.read("ecs", "describe_clusters", clusters=[cluster])["clusters"]
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
        return copy_object(tasks), failures

    def describe_tasks(self, cluster: str | None, refs: list[str]) -> tuple[list[dict], list[dict]]:
        """DescribeTasks: (tasks, failures), a task not found failing as ``MISSING``."""
        name = self.require_cluster(cluster)
        tasks, failures = [], []
        for ref in refs:
            try:
                tasks.append(copy_object(self._tasks[self.find_task(name, ref)]))
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
            if family and short_name(task["taskDefinitionArn"]).split(":")[0] != family:
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
                short_name(task.get("containerInstanceArn", "")),
            ):
                continue
            out.append(arn)
        return out
