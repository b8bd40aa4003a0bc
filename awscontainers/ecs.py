"""``lab.ecs``: boto3's ECS client, with the data plane the simulator plays.

Every method takes boto3's parameters and returns boto3's response shapes. In the moto
backends, tasks, services and container-instance resources come from the simulator
(:mod:`awscontainers.sim.ecs`); against real AWS every call goes to AWS unchanged.

>>> from awscontainers import Lab
>>> lab = Lab()
>>> _ = lab.ecs.create_cluster(clusterName="web")
>>> [i["type"] for i in lab.ecs.launch_instances("web", count=2, instance_type="t3.medium")]
['t3.medium', 't3.medium']
>>> lab.ecs.container_instances("web")[0]["cpu"]
2048
>>> lab.close()
"""

from __future__ import annotations

import copy
from typing import Any

from ._aws import ServiceClient, call
from .errors import InvalidParameterError, NotFoundError, ResourceInUseError
from .sim.ecs import cluster_name, ecs_facts, split_by_strategy
from .tables import Table

DEFAULT_INSTANCE_TYPE = "t3.medium"


def ecs_user_data(cluster: str) -> str:
    """The user data that makes the ECS agent join ``cluster`` (as the ECS guide shows).

    >>> print(ecs_user_data("web"))
    #!/bin/bash
    echo "ECS_CLUSTER=web" >> /etc/ecs/ecs.config
    """
    return f'#!/bin/bash\necho "ECS_CLUSTER={cluster}" >> /etc/ecs/ecs.config'


class EcsClient(ServiceClient):
    """boto3-shaped ECS, plus lab helpers: :meth:`launch_instances`,
    :meth:`container_instances`, :meth:`tasks_table`, :meth:`agent_log`."""

    service_name = "ecs"

    @property
    def _sim(self) -> Any:
        return self._lab.ecs_sim

    # -- clusters --------------------------------------------------------------------------
    def create_cluster(self, **params: Any) -> dict:
        """boto3 ``create_cluster``; the lab's tag is added, and the lab's VPC (two AZs) is
        created if it does not exist yet, ready for instances and Fargate tasks."""
        params["tags"] = [*params.get("tags", []), *self._lab.tags("key")]
        response = self._call("create_cluster", **params)
        name = response["cluster"]["clusterName"]
        self._lab.record("ecs-cluster", name)
        if self._sim:
            self._sim.deleted_clusters.discard(response["cluster"]["clusterArn"])
        self._lab.network()
        if self._sim:
            self._sim.cluster_created(name)
        return response

    def delete_cluster(self, **params: Any) -> dict:
        if self._sim:
            name = cluster_name(params.get("cluster"))
            sim = self._sim
            if any(i.cluster == name for i in sim.instances.values()):
                raise ResourceInUseError(
                    "The Cluster cannot be deleted while Container Instances are active or "
                    "draining.",
                    code="ClusterContainsContainerInstancesException",
                    hint="terminate its instances (or deregister them) first.",
                )
            if any(s.cluster == name and s.status == "ACTIVE" for s in sim.services.values()):
                raise ResourceInUseError(
                    "The Cluster cannot be deleted while Services are active.",
                    code="ClusterContainsServicesException",
                    hint="delete its services first (delete_service(..., force=True)).",
                )
            if sim.live_tasks(name):
                raise ResourceInUseError(
                    "The Cluster cannot be deleted while Tasks are active.",
                    code="ClusterContainsTasksException",
                    hint="stop its tasks first (stop_task).",
                )
        response = self._call("delete_cluster", **params)
        self._lab.forget("ecs-cluster", response["cluster"]["clusterName"])
        if self._sim:
            self._sim.deleted_clusters.add(response["cluster"]["clusterArn"])
        return response

    def list_clusters(self, **params: Any) -> dict:
        """boto3 ``list_clusters``: like ECS, deleted (INACTIVE) clusters are not listed."""
        response = self._call("list_clusters", **params)
        if self._sim and self._sim.deleted_clusters:
            gone = self._sim.deleted_clusters
            response["clusterArns"] = [a for a in response["clusterArns"] if a not in gone]
        return response

    def describe_clusters(self, **params: Any) -> dict:
        response = self._call("describe_clusters", **params)
        if self._sim:
            for c in response.get("clusters", []):
                name = c["clusterName"]
                c["registeredContainerInstancesCount"] = sum(
                    1 for i in self._sim.instances.values() if i.cluster == name
                )
                live = self._sim.live_tasks(name)
                c["runningTasksCount"] = len(live)
                c["pendingTasksCount"] = 0
                c["activeServicesCount"] = sum(
                    1
                    for s in self._sim.services.values()
                    if s.cluster == name and s.status == "ACTIVE"
                )
        return response

    # -- task definitions ------------------------------------------------------------------
    def register_task_definition(self, **params: Any) -> dict:
        """boto3 ``register_task_definition``. Fargate task definitions are checked against
        Fargate's rules (sizes, awsvpc, forbidden fields) and get the lab's execution role
        when ``executionRoleArn`` is omitted."""
        from .fargate import check_task_definition, parse_cpu, parse_memory

        if "FARGATE" in (params.get("requiresCompatibilities") or []):
            check_task_definition(params)
        # ECS stores "1 vCPU" / "2 GB" as units and MiB ("1024" / "2048"), and so does the lab.
        if params.get("cpu"):
            params["cpu"] = str(parse_cpu(params["cpu"]))
        if params.get("memory"):
            params["memory"] = str(parse_memory(params["memory"]))
        if "FARGATE" in (params.get("requiresCompatibilities") or []):
            params.setdefault("executionRoleArn", self._lab.role_arn("ecs-task-execution"))
        elif not params.get("memory"):
            for c in params.get("containerDefinitions", []):
                if not (c.get("memory") or c.get("memoryReservation")):
                    raise InvalidParameterError(
                        f"Invalid setting for container '{c.get('name')}'. At least one of "
                        "'memory' or 'memoryReservation' must be specified.",
                        code="ClientException",
                        hint="give the container memory (MiB), or the task a task-level memory.",
                    )
        if not params.get("containerDefinitions"):
            raise InvalidParameterError(
                "Container list cannot be empty.",
                code="ClientException",
                hint="give at least one container: [{'name': 'web', 'image': 'nginx', ...}].",
            )
        params["tags"] = [*params.get("tags", []), *self._lab.tags("key")]
        response = self._call("register_task_definition", **params)
        self._lab.record("ecs-task-definition", response["taskDefinition"]["taskDefinitionArn"])
        return response

    # -- instances joining ---------------------------------------------------------------------
    def ecs_optimized_ami(self) -> str:
        """The recommended ECS-optimized Amazon Linux 2023 AMI, read from SSM as AWS
        documents (it ships Docker and the ECS agent)."""
        name = ecs_facts()["ecs_optimized_ami"]["ssm_parameter"]
        return call(self._lab.client("ssm"), "get_parameter", Name=name)["Parameter"]["Value"]

    def launch_instances(
        self,
        cluster: str | None,
        count: int = 1,
        instance_type: str = DEFAULT_INSTANCE_TYPE,
        *,
        image_id: str | None = None,
        user_data: str | None = None,
        subnet_ids: list[str] | None = None,
    ) -> Table:
        """Launch EC2 instances meant to join ``cluster``: the ECS-optimized AMI, the lab's
        instance role, and user data ``ECS_CLUSTER=<cluster>``, spread over two AZs.

        Pass ``cluster=None`` to leave ECS_CLUSTER out (the agent then joins ``default``), or
        your own ``user_data``/``image_id`` to see what happens when they are wrong.
        Returns one row per instance, with the container instance it became (if it joined).
        """
        if not isinstance(count, int) or not 1 <= count <= 50:
            raise InvalidParameterError(
                f"count must be a whole number from 1 to 50, not {count!r}.",
                hint="launch a few at a time; a lab seldom needs more than 10.",
            )
        ec2 = self._lab.client("ec2")
        try:
            call(ec2, "describe_instance_types", InstanceTypes=[instance_type])
        except InvalidParameterError as exc:
            raise InvalidParameterError(
                f"{instance_type!r} is not an EC2 instance type.",
                code="InvalidInstanceType",
                hint="use a name such as 't3.medium', 'm5.large' or 'c5.xlarge'.",
            ) from exc
        if user_data is None and cluster is not None:
            user_data = ecs_user_data(cluster_name(cluster))
        subnets = subnet_ids or self._lab.network().subnet_ids
        image = image_id or self.ecs_optimized_ami()
        profile = self._lab.instance_profile("ecs-instance")
        launched: list[str] = []
        for n in range(count):
            params: dict[str, Any] = {
                "ImageId": image,
                "InstanceType": instance_type,
                "MinCount": 1,
                "MaxCount": 1,
                "SubnetId": subnets[n % len(subnets)],
                "IamInstanceProfile": {"Name": profile},
                "TagSpecifications": self._lab.ec2_tag_spec(
                    "instance", f"ecs-{cluster_name(cluster)}"
                ),
            }
            if user_data:
                params["UserData"] = user_data
            # The lab's run_instances hook boots the simulated agent on each instance.
            inst = call(ec2, "run_instances", **params)["Instances"][0]
            launched.append(inst["InstanceId"])
        rows = []
        joined = {i.instance_id: i for i in self._sim.instances.values()} if self._sim else {}
        for iid in launched:
            inst = joined.get(iid)
            rows.append(
                {
                    "instance": iid,
                    "type": instance_type,
                    "az": inst.az if inst else None,
                    "joined": inst.cluster if inst else None,
                    "containerInstance": inst.arn.split("/")[-1] if inst else None,
                }
            )
        return Table(rows, title=f"Launched {count} x {instance_type}")

    def container_instances(self, cluster: str | None = None) -> Table:
        """The cluster's container instances with registered and free CPU and memory and
        their tasks (a table that shows itself in a notebook)."""
        name = cluster_name(cluster)
        if self._sim:
            rows = self._sim.container_instance_rows(name)
        else:
            arns = self._call("list_container_instances", cluster=name)["containerInstanceArns"]
            described = (
                self._call("describe_container_instances", cluster=name, containerInstances=arns)
                if arns
                else {"containerInstances": []}
            )
            rows = [_row_from_aws(ci) for ci in described["containerInstances"]]
        return Table(rows, title=f"Container instances in {name}")

    def agent_log(self) -> list[str]:
        """What the simulated ECS agents did (joined, or why they did not)."""
        return list(self._sim.agent_log) if self._sim else []

    def describe_container_instances(self, **params: Any) -> dict:
        response = self._call("describe_container_instances", **params)
        if self._sim:
            out = []
            for ci in response.get("containerInstances", []):
                inst = self._sim.instances.get(ci["containerInstanceArn"])
                out.append(self._sim.describe_instance(inst, ci) if inst else ci)
            response["containerInstances"] = out
            response.setdefault("failures", [])
        return response

    def update_container_instances_state(self, **params: Any) -> dict:
        """boto3 ``update_container_instances_state``; ``DRAINING`` moves service tasks to
        other instances (standalone tasks stay until you stop them)."""
        if not self._sim:
            return self._call("update_container_instances_state", **params)
        name = cluster_name(params.get("cluster"))
        self._sim.require_cluster(name)
        refs = params.get("containerInstances") or []
        status = params.get("status", "")
        instances = self._sim.drain(name, refs, status)
        self._call("update_container_instances_state", **params)
        return {
            "containerInstances": [self._sim.describe_instance(i) for i in instances],
            "failures": [],
        }

    def deregister_container_instance(self, **params: Any) -> dict:
        if not self._sim:
            return self._call("deregister_container_instance", **params)
        name = self._sim.require_cluster(params.get("cluster"))
        inst = self._sim.deregister(
            name, params.get("containerInstance", ""), params.get("force", False)
        )
        described = self._sim.describe_instance(inst)
        described["status"] = "INACTIVE"
        return {"containerInstance": described}

    # -- tasks -----------------------------------------------------------------------------
    def run_task(self, **params: Any) -> dict:
        """boto3 ``run_task``. On EC2 the simulator places tasks with ECS's strategies and
        constraints and returns what could not be placed in ``failures``; on Fargate each
        task gets its own ENI in your VPC and no instance appears in your account."""
        if not self._sim:
            return self._call("run_task", **params)
        name = self._sim.require_cluster(params.get("cluster"))
        count = params.get("count", 1)
        limit = ecs_facts()["limits"]["run_task_max_count"]
        if not isinstance(count, int) or not 1 <= count <= limit:
            raise InvalidParameterError(
                f"count must be between 1 and {limit}.",
                code="InvalidParameterException",
                hint="call run_task again for more, or create a service with desiredCount.",
            )
        if not params.get("taskDefinition"):
            raise InvalidParameterError(
                "taskDefinition is required.",
                code="ParamValidationError",
                hint="pass taskDefinition='family' or 'family:revision'.",
            )
        td = self._sim.task_definition(params["taskDefinition"])
        group = params.get("group") or f"family:{td['family']}"
        providers = self._fargate_providers(name, params)
        if providers is None:
            tasks, failures = self._sim.run_on_ec2(
                name,
                td,
                count,
                group=group,
                strategy=params.get("placementStrategy"),
                constraints=params.get("placementConstraints"),
                started_by=params.get("startedBy"),
                tags=params.get("tags"),
            )
        else:
            tasks = self._sim.run_on_fargate(
                name,
                td,
                count,
                group=group,
                providers=providers,
                network_configuration=params.get("networkConfiguration"),
                started_by=params.get("startedBy"),
                tags=params.get("tags"),
            )
            failures = []
        return {"tasks": tasks, "failures": failures}

    def _fargate_providers(self, cluster: str, params: dict) -> list[str] | None:
        """None for EC2; else the capacity provider of each new task."""
        launch_type = params.get("launchType")
        strategy = params.get("capacityProviderStrategy")
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
            return split_by_strategy(strategy, params.get("count", 1), [])
        if launch_type in (None, "EC2"):
            return None
        if launch_type == "FARGATE":
            return ["FARGATE"] * params.get("count", 1)
        raise InvalidParameterError(
            f"launchType {launch_type!r} is not valid.",
            code="InvalidParameterException",
            hint="use 'EC2' or 'FARGATE' (or a capacityProviderStrategy for FARGATE_SPOT).",
        )

    def _associated_providers(self, cluster: str) -> list[str]:
        found = self._call("describe_clusters", clusters=[cluster])["clusters"]
        return found[0].get("capacityProviders", []) if found else []

    def start_task(self, **params: Any) -> dict:
        """boto3 ``start_task``: run on the container instances you name; a task that does
        not fit comes back in ``failures`` instead of overcommitting the instance."""
        if not self._sim:
            return self._call("start_task", **params)
        from .sim import placement

        name = self._sim.require_cluster(params.get("cluster"))
        td = self._sim.task_definition(params.get("taskDefinition", ""))
        group = params.get("group") or f"family:{td['family']}"
        tasks: list[dict] = []
        failures: list[dict] = []
        for ref in params.get("containerInstances") or []:
            inst = self._sim.instance(name, ref)
            candidates = [c for c in self._sim.candidates(name) if c.arn == inst.arn]
            result = placement.place(
                candidates, self._sim.shape(td, group), 1, None, None, self._lab.rng
            )
            if result.placements:
                tasks.append(
                    self._sim._start(
                        name,
                        td,
                        "EC2",
                        group,
                        params.get("startedBy"),
                        params.get("tags"),
                        instance_arn=inst.arn,
                        shape=self._sim.shape(td, group),
                    )
                )
            failures.extend(result.failures)
        return {"tasks": tasks, "failures": failures}

    def stop_task(self, **params: Any) -> dict:
        if not self._sim:
            return self._call("stop_task", **params)
        name = self._sim.require_cluster(params.get("cluster"))
        return {"task": self._sim.stop_task(name, params.get("task", ""), params.get("reason"))}

    def describe_tasks(self, **params: Any) -> dict:
        if not self._sim:
            return self._call("describe_tasks", **params)
        name = self._sim.require_cluster(params.get("cluster"))
        tasks, failures = [], []
        for ref in params.get("tasks") or []:
            try:
                tasks.append(copy.deepcopy(self._sim.tasks[self._sim.find_task(name, ref)]))
            except InvalidParameterError:
                failures.append({"arn": ref, "reason": "MISSING"})
        return {"tasks": tasks, "failures": failures}

    def list_tasks(self, **params: Any) -> dict:
        if not self._sim:
            return self._call("list_tasks", **params)
        name = self._sim.require_cluster(params.get("cluster"))
        desired = params.get("desiredStatus", "RUNNING")
        out = []
        for arn, task in self._sim.tasks.items():
            if (
                task["clusterArn"] != self._sim.cluster_arn(name)
                or task["desiredStatus"] != desired
            ):
                continue
            if (
                params.get("family")
                and task["taskDefinitionArn"].split("/")[-1].split(":")[0] != params["family"]
            ):
                continue
            if (
                params.get("serviceName")
                and task.get("group") != f"service:{params['serviceName']}"
            ):
                continue
            if params.get("launchType") and task["launchType"] != params["launchType"]:
                continue
            if params.get("startedBy") and task.get("startedBy") != params["startedBy"]:
                continue
            ci = params.get("containerInstance")
            if ci and ci not in (
                task.get("containerInstanceArn", ""),
                task.get("containerInstanceArn", "").split("/")[-1],
            ):
                continue
            out.append(arn)
        return {"taskArns": out}

    def tasks_table(self, cluster: str | None = None) -> Table:
        """Running tasks with where they run (instance or Fargate) and their size."""
        name = cluster_name(cluster)
        arns = self.list_tasks(cluster=name)["taskArns"]
        tasks = self.describe_tasks(cluster=name, tasks=arns)["tasks"] if arns else []
        instance_of = (
            {i.arn: i.instance_id for i in self._sim.instances.values()} if self._sim else {}
        )
        rows = [
            {
                "task": t["taskArn"].split("/")[-1][:8],
                "definition": t["taskDefinitionArn"].split("/")[-1],
                "group": t.get("group"),
                "runs on": instance_of.get(t.get("containerInstanceArn", ""))
                or t.get("capacityProviderName")
                or t["launchType"],
                "az": t.get("availabilityZone"),
                "cpu": t.get("cpu"),
                "memory": t.get("memory"),
            }
            for t in tasks
        ]
        return Table(rows, title=f"Running tasks in {name}")

    # -- services --------------------------------------------------------------------------
    def create_service(self, **params: Any) -> dict:
        """boto3 ``create_service``; the simulated scheduler then starts ``desiredCount``
        tasks (spread across AZs, then instances, unless you give a placementStrategy)."""
        if not self._sim:
            return self._call("create_service", **params)
        from .sim import placement
        from .sim.ecs import SimService

        name = self._sim.require_cluster(params.get("cluster"))
        td = self._sim.task_definition(params.get("taskDefinition", ""))
        desired = params.get("desiredCount", 0)
        if not isinstance(desired, int) or desired < 0:
            raise InvalidParameterError(
                "desiredCount must be a whole number, 0 or more.",
                code="InvalidParameterException",
                hint="pass desiredCount=2 for two tasks.",
            )
        strategy = params.get("placementStrategy") or placement.SERVICE_DEFAULT_STRATEGY
        constraints = params.get("placementConstraints") or []
        # Validate the placement inputs before anything is created.
        placement.validate_placement(strategy, constraints)
        if params.get("launchType") == "FARGATE" or params.get("capacityProviderStrategy"):
            # Checks the launch type and capacity providers before anything is created.
            self._fargate_providers(name, {**params, "count": 1})
            if "FARGATE" not in (td.get("requiresCompatibilities") or []):
                raise InvalidParameterError(
                    "Task definition does not support launch_type FARGATE.",
                    code="InvalidParameterException",
                    hint="register it with requiresCompatibilities=['FARGATE'].",
                )
        params["tags"] = [*params.get("tags", []), *self._lab.tags("key")]
        response = self._call("create_service", **params)
        arn = response["service"]["serviceArn"]
        svc = SimService(
            arn=arn,
            name=response["service"]["serviceName"],
            cluster=name,
            task_definition=td["taskDefinitionArn"],
            desired=desired,
            launch_type=params.get("launchType"),
            capacity_provider_strategy=params.get("capacityProviderStrategy") or [],
            strategy=strategy if params.get("launchType") != "FARGATE" else [],
            constraints=constraints,
            network_configuration=params.get("networkConfiguration"),
            created_at=self._lab.now(),
        )
        self._sim.services[arn] = svc
        self._lab.record("ecs-service", arn, cluster=name)
        self._sim.reconcile(name)
        response["service"] = self._merge_service(response["service"], svc)
        return response

    def update_service(self, **params: Any) -> dict:
        if not self._sim:
            return self._call("update_service", **params)
        name = self._sim.require_cluster(params.get("cluster"))
        svc = self._sim.service(name, params.get("service", ""))
        if "taskDefinition" in params:
            svc.task_definition = self._sim.task_definition(params["taskDefinition"])[
                "taskDefinitionArn"
            ]
        if "desiredCount" in params:
            desired = params["desiredCount"]
            if not isinstance(desired, int) or desired < 0:
                raise InvalidParameterError(
                    "desiredCount must be a whole number, 0 or more.",
                    code="InvalidParameterException",
                    hint="pass desiredCount=0 to stop every task of the service.",
                )
            svc.desired = desired
        response = self._call("update_service", **params)
        self._sim.reconcile(name)
        response["service"] = self._merge_service(response["service"], svc)
        return response

    def delete_service(self, **params: Any) -> dict:
        if not self._sim:
            return self._call("delete_service", **params)
        name = self._sim.require_cluster(params.get("cluster"))
        svc = self._sim.service(name, params.get("service", ""))
        if svc.desired > 0 and not params.get("force"):
            raise InvalidParameterError(
                "The service cannot be stopped while it is scaled above 0.",
                code="InvalidParameterException",
                hint="update_service(..., desiredCount=0) first, or pass force=True.",
            )
        svc.desired = 0
        self._sim.reconcile(name)
        svc.status = "DRAINING"
        response = self._call("delete_service", **params)
        self._lab.forget("ecs-service", svc.arn)
        response["service"] = self._merge_service(response["service"], svc)
        return response

    def describe_services(self, **params: Any) -> dict:
        response = self._call("describe_services", **params)
        if self._sim:
            merged = []
            for s in response.get("services", []):
                svc = self._sim.services.get(s["serviceArn"])
                merged.append(self._merge_service(s, svc) if svc else s)
            response["services"] = merged
        return response

    def _merge_service(self, record: dict, svc: Any) -> dict:
        running, pending = self._sim.service_counts(svc)
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

    def service_events(self, cluster: str, service: str, limit: int = 10) -> list[str]:
        """The newest service events, as the console shows them."""
        described = self.describe_services(cluster=cluster, services=[service])["services"]
        if not described:
            raise NotFoundError(
                f"Service {service!r} not found in {cluster!r}.",
                code="ServiceNotFoundException",
                hint="list services with lab.ecs.list_services(cluster=...).",
            )
        return [e["message"] for e in described[0].get("events", [])[:limit]]


def _row_from_aws(ci: dict) -> dict:
    def value(resources: list[dict], name: str) -> int:
        return next((r.get("integerValue", 0) for r in resources if r["name"] == name), 0)

    attrs = {a["name"]: a.get("value") for a in ci.get("attributes", [])}
    return {
        "instance": ci.get("ec2InstanceId"),
        "type": attrs.get("ecs.instance-type"),
        "az": attrs.get("ecs.availability-zone"),
        "status": ci.get("status"),
        "cpu": value(ci.get("registeredResources", []), "CPU"),
        "cpu_free": value(ci.get("remainingResources", []), "CPU"),
        "memory": value(ci.get("registeredResources", []), "MEMORY"),
        "memory_free": value(ci.get("remainingResources", []), "MEMORY"),
        "tasks": ci.get("runningTasksCount", 0),
    }
