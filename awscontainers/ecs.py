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

import base64
import re
from typing import TYPE_CHECKING, Any

from ._aws import ServiceClient, call
from .arns import short_name
from .costs import load_prices
from .errors import InvalidParameterError, LabError, NotFoundError, check_type
from .fargate import check_task_definition, parse_cpu, parse_memory
from .meter import fargate_hourly, instance_hourly
from .rules.capacity import ecs_facts
from .sim.ec2 import launch
from .sim.ecs import cluster_name, container_gpus
from .sim.ecs.capacity_providers import check_capacity_provider
from .tables import Table

if TYPE_CHECKING:
    from .sim.ecs import EcsSimulator

DEFAULT_INSTANCE_TYPE = "t3.medium"
_NAME = re.compile(r"[A-Za-z0-9_-]{1,200}")
#: The lab's limit on an instance group's max_size (as for launch_instances' count).
INSTANCE_GROUP_MAX = 50


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
    def _sim(self) -> EcsSimulator | None:
        return self._lab.ecs_sim

    # -- clusters --------------------------------------------------------------------------
    def create_cluster(self, **params: Any) -> dict:
        """boto3 ``create_cluster``; the lab's tag is added, and the lab's VPC (two AZs) is
        created if it does not exist yet, ready for instances and Fargate tasks."""
        params["tags"] = [*params.get("tags", []), *self._lab.tags("key")]
        given = "capacityProviders" in params or "defaultCapacityProviderStrategy" in params
        if self._sim and given:
            providers, strategy = self._sim.check_cluster_providers(
                cluster_name(params.get("clusterName")),
                params.get("capacityProviders") or [],
                params.get("defaultCapacityProviderStrategy") or [],
            )
        response = self._call("create_cluster", **params)
        name = response["cluster"]["clusterName"]
        self._lab.record("ecs-cluster", name)
        self._lab.network()
        if self._sim:
            if given:
                self._sim.cluster_providers_set(name, providers, strategy)
            self._sim.cluster_created(name, response["cluster"]["clusterArn"])
        return response

    def delete_cluster(self, **params: Any) -> dict:
        """boto3 ``delete_cluster``; refused, as ECS does, while instances, active services
        or tasks remain."""
        if self._sim:
            self._sim.check_deletable(params.get("cluster"))
        response = self._call("delete_cluster", **params)
        cluster = response["cluster"]
        self._lab.forget("ecs-cluster", cluster["clusterName"])
        if self._sim:
            self._sim.cluster_deleted(cluster["clusterName"], cluster["clusterArn"])
        return response

    def list_clusters(self, **params: Any) -> dict:
        """boto3 ``list_clusters``: like ECS, deleted (INACTIVE) clusters are not listed."""
        response = self._call("list_clusters", **params)
        if self._sim:
            response["clusterArns"] = self._sim.listed_clusters(response["clusterArns"])
        return response

    def describe_clusters(self, **params: Any) -> dict:
        """boto3 ``describe_clusters``, with the simulator's counts of instances, tasks and
        services."""
        response = self._call("describe_clusters", **params)
        if self._sim:
            for c in response.get("clusters", []):
                c.update(self._sim.cluster_counts(c["clusterName"]))
        return response

    # -- capacity providers (Auto Scaling groups) --------------------------------------------
    def create_instance_group(
        self,
        cluster: str,
        *,
        name: str | None = None,
        instance_type: str = DEFAULT_INSTANCE_TYPE,
        min_size: int = 0,
        max_size: int = 4,
        desired: int | None = None,
        protect_from_scale_in: bool = False,
    ) -> dict:
        """An Auto Scaling group whose instances join ``cluster``: a launch template with
        the ECS-optimized AMI, the lab's instance role and user data ``ECS_CLUSTER=<cluster>``,
        over the lab's subnets; ``desired`` defaults to ``min_size`` (empty by default, as
        ECS recommends for a capacity provider).
        ``protect_from_scale_in`` sets ``NewInstancesProtectedFromScaleIn`` (managed
        termination protection needs it). Returns the group's name and ARN.

        In the simulation, an instance the group launches registers
        ``launch_to_registration_seconds`` (``data/day2.yaml``) of simulated time later."""
        check_type(cluster, str, "cluster", "pass the ECS cluster's name, cluster='web'.")
        check_type(name, (str, type(None)), "name", "pass the group's name, or leave it out.")
        check_type(instance_type, str, "instance_type", "pass instance_type='t3.medium'.")
        check_type(protect_from_scale_in, bool, "protect_from_scale_in", "pass True or False.")
        check_type(min_size, int, "min_size", "pass min_size as a whole number.")
        desired = min_size if desired is None else desired
        for what, value in (("min_size", min_size), ("max_size", max_size), ("desired", desired)):
            check_type(value, int, what, f"pass {what} as a whole number.")
        if not 0 <= min_size <= desired <= max_size <= INSTANCE_GROUP_MAX:
            raise InvalidParameterError(
                f"Sizes must keep 0 <= min_size <= desired <= max_size <= "
                f"{INSTANCE_GROUP_MAX}, not {min_size}, {desired}, {max_size}.",
                hint="e.g. min_size=0, desired=0, max_size=4 (the lab's limit is "
                f"{INSTANCE_GROUP_MAX} instances a group).",
            )
        group = name or f"{cluster_name(cluster)}-asg"
        if not _NAME.fullmatch(cluster) or not _NAME.fullmatch(group):
            raise InvalidParameterError(
                f"Invalid cluster or group name ({cluster[:40]!r}, {group[:40]!r}).",
                hint="use up to 200 letters, digits, hyphens and underscores, e.g. 'web'.",
            )
        if any(r.id == group for r in self._lab.created("ecs-instance-group")):
            raise InvalidParameterError(
                f"The Auto Scaling group {group!r} already exists.",
                code="AlreadyExists",
                hint="pass name=... for another group.",
            )
        ec2 = self._lab.client("ec2")
        try:
            info = call(ec2, "describe_instance_types", InstanceTypes=[instance_type])
        except InvalidParameterError as exc:
            raise InvalidParameterError(
                f"{instance_type!r} is not an EC2 instance type.",
                code="InvalidInstanceType",
                hint="use a name such as 't3.medium', 'm5.large' or 'c5.xlarge'.",
            ) from exc
        gpus = bool((info["InstanceTypes"][0].get("GpuInfo") or {}).get("Gpus"))
        network = self._lab.network()
        template = f"{group}-lt"
        user_data = ecs_user_data(cluster_name(cluster)).encode()
        call(
            ec2,
            "create_launch_template",
            LaunchTemplateName=template,
            LaunchTemplateData={
                "ImageId": self.ecs_optimized_ami(gpu=gpus),
                "InstanceType": instance_type,
                "IamInstanceProfile": {"Name": self._lab.instance_profile("ecs-instance")},
                "UserData": base64.b64encode(user_data).decode(),
                "SecurityGroupIds": [network.security_group_id],
            },
            TagSpecifications=self._lab.ec2_tag_spec("launch-template"),
        )
        autoscaling = self._lab.client("autoscaling")
        try:
            call(
                autoscaling,
                "create_auto_scaling_group",
                AutoScalingGroupName=group,
                LaunchTemplate={"LaunchTemplateName": template, "Version": "$Latest"},
                MinSize=min_size,
                MaxSize=max_size,
                DesiredCapacity=desired,
                VPCZoneIdentifier=",".join(network.subnet_ids),
                NewInstancesProtectedFromScaleIn=protect_from_scale_in,
                Tags=[
                    {"Key": t["Key"], "Value": t["Value"], "PropagateAtLaunch": True}
                    for t in self._lab.tags("Key")
                ],
            )
        except LabError:
            # Nothing half-made: the launch template goes with the refused group.
            call(ec2, "delete_launch_template", LaunchTemplateName=template)
            raise
        self._lab.record("ecs-instance-group", group, template=template)
        found = call(autoscaling, "describe_auto_scaling_groups", AutoScalingGroupNames=[group])
        if self._sim:
            self._sim.watch_group(group)
        return {
            "AutoScalingGroupName": group,
            "AutoScalingGroupARN": found["AutoScalingGroups"][0]["AutoScalingGroupARN"],
        }

    def create_capacity_provider(self, **params: Any) -> dict:
        """boto3 ``create_capacity_provider`` for an Auto Scaling group: the settings are
        checked as ECS checks them (``targetCapacity`` 1-100, step sizes 1-10,000,
        ``instanceWarmupPeriod`` 0-10,000, managed termination protection only with managed
        scaling and a group protected from scale in) before anything is made. In the
        simulation, tasks launched through it wait in PROVISIONING until an instance of the
        group has room, and with managed scaling ECS moves the group (``lab.run``)."""
        settings = check_capacity_provider(
            params.get("name"), params.get("autoScalingGroupProvider")
        )
        params["tags"] = [*params.get("tags", []), *self._lab.tags("key")]
        if not self._sim:
            response = self._call("create_capacity_provider", **params)
            self._lab.record("ecs-capacity-provider", response["capacityProvider"]["name"])
            return response
        self._sim.check_new_capacity_provider(params["name"], params["autoScalingGroupProvider"])
        params["autoScalingGroupProvider"] = settings
        response = self._call("create_capacity_provider", **params)
        record = response["capacityProvider"]
        self._lab.record("ecs-capacity-provider", record["name"])
        self._sim.capacity_provider_created(record["name"], record["capacityProviderArn"], settings)
        return response

    def update_capacity_provider(self, **params: Any) -> dict:
        """boto3 ``update_capacity_provider``: change managed scaling (turn it on or off,
        ``targetCapacity``, step sizes, warm-up) or managed termination protection, checked
        as a new provider is."""
        if not self._sim:
            return self._call("update_capacity_provider", **params)
        name = str(params.get("name"))
        settings = self._sim.check_capacity_provider_update(
            name, params.get("autoScalingGroupProvider")
        )
        response = self._call("update_capacity_provider", **params)
        self._sim.capacity_provider_updated(name, settings)
        return response

    def describe_capacity_providers(self, **params: Any) -> dict:
        """boto3 ``describe_capacity_providers``; without names, the lab's capacity
        providers."""
        if self._sim and not params.get("capacityProviders"):
            names = self._sim.capacity_provider_names()
            if not names:
                return {"capacityProviders": [], "failures": []}
            params["capacityProviders"] = names
        return self._call("describe_capacity_providers", **params)

    def put_cluster_capacity_providers(self, **params: Any) -> dict:
        """boto3 ``put_cluster_capacity_providers``: the providers must exist, the default
        strategy may name only them (Fargate and Auto Scaling group providers not mixed), a
        provider with managed scaling serves one cluster, and one still in use cannot be
        removed."""
        if not self._sim:
            return self._call("put_cluster_capacity_providers", **params)
        name = cluster_name(params.get("cluster"))
        providers, strategy = self._sim.check_cluster_providers(
            name, params.get("capacityProviders"), params.get("defaultCapacityProviderStrategy")
        )
        response = self._call("put_cluster_capacity_providers", **params)
        self._sim.cluster_providers_set(name, providers, strategy)
        return response

    def delete_capacity_provider(self, **params: Any) -> dict:
        """boto3 ``delete_capacity_provider``; refused while a cluster uses it."""
        if not self._sim:
            response = self._call("delete_capacity_provider", **params)
            self._lab.forget("ecs-capacity-provider", response["capacityProvider"]["name"])
            return response
        name = short_name(params.get("capacityProvider") or "")
        self._sim.check_deletable_provider(name)
        response = self._call("delete_capacity_provider", **params)
        self._lab.forget("ecs-capacity-provider", name)
        self._sim.capacity_provider_deleted(name)
        return response

    # -- task definitions ------------------------------------------------------------------
    def register_task_definition(self, **params: Any) -> dict:
        """boto3 ``register_task_definition``. Fargate task definitions are checked against
        Fargate's rules (sizes, awsvpc, forbidden fields) and get the lab's execution role
        when ``executionRoleArn`` is omitted; every task definition gets the checks ECS makes
        on all launch types (in awsvpc or host mode a hostPort equals its containerPort)."""
        check_task_definition(params)
        # ECS stores "1 vCPU" / "2 GB" as units and MiB ("1024" / "2048"), and so does the lab.
        if params.get("cpu"):
            params["cpu"] = str(parse_cpu(params["cpu"]))
        if params.get("memory"):
            params["memory"] = str(parse_memory(params["memory"]))
        if "FARGATE" in (params.get("requiresCompatibilities") or []):
            params.setdefault("executionRoleArn", self._lab.role_arn("ecs-task-execution"))
        else:
            for c in params.get("containerDefinitions", []):
                container_gpus(c)  # a GPU count must be a whole number
                if not (params.get("memory") or c.get("memory") or c.get("memoryReservation")):
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
    def ecs_optimized_ami(self, gpu: bool = False) -> str:
        """The recommended ECS-optimized Amazon Linux 2023 AMI, read from SSM as AWS
        documents (it ships Docker and the ECS agent); ``gpu=True`` gives its GPU variant
        (NVIDIA driver, GPU support turned on in the agent)."""
        released = self._lab.day2.patching.recommended("ecs") if self._lab.day2 else None
        if released and not gpu:
            return released  # a release the learner triggered (lab.release_ami("ecs"))
        facts = ecs_facts()
        name = facts["gpu" if gpu else "ecs_optimized_ami"]["ssm_parameter"]
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
        """Launch EC2 instances meant to join ``cluster``: the ECS-optimized AMI (its GPU
        variant for a GPU instance type), the lab's instance role, and user data
        ``ECS_CLUSTER=<cluster>``, spread over two AZs.

        Pass ``cluster=None`` to leave ECS_CLUSTER out (the agent then joins ``default``), or
        your own ``user_data``/``image_id`` to see what happens when they are wrong.
        Returns one row per instance, with the container instance it became (if it joined).
        """
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 50:
            raise InvalidParameterError(
                f"count must be a whole number from 1 to 50, not {count!r}.",
                hint="launch a few at a time; a lab seldom needs more than 10.",
            )
        check_type(cluster, (str, type(None)), "cluster", "pass the cluster's name, or None.")
        check_type(instance_type, str, "instance_type", "pass instance_type='t3.medium'.")
        check_type(image_id, (str, type(None)), "image_id", "pass an AMI id, or leave it out.")
        check_type(user_data, (str, type(None)), "user_data", "pass the user data as text.")
        check_type(subnet_ids, (list, type(None)), "subnet_ids", "pass a list of subnet ids.")
        ec2 = self._lab.client("ec2")
        # Check the learner's image and subnets exist before launching anything: EC2 refuses
        # the whole call, so no instance of a half-done batch is left running.
        if image_id is not None:
            call(ec2, "describe_images", ImageIds=[image_id])
        if subnet_ids:
            for subnet in subnet_ids:  # one per call, so the error names the missing one
                check_type(subnet, str, "subnet_ids[...]", "pass a list of subnet ids.")
                call(ec2, "describe_subnets", SubnetIds=[subnet])
        try:
            info = call(ec2, "describe_instance_types", InstanceTypes=[instance_type])
        except InvalidParameterError as exc:
            raise InvalidParameterError(
                f"{instance_type!r} is not an EC2 instance type.",
                code="InvalidInstanceType",
                hint="use a name such as 't3.medium', 'm5.large' or 'c5.xlarge'.",
            ) from exc
        if user_data is None and cluster is not None:
            user_data = ecs_user_data(cluster_name(cluster))
        self._lab.check_budget(
            lambda: count * instance_hourly(load_prices(), instance_type),
            f"{count} x {instance_type} instance(s)",
        )
        subnets = subnet_ids or self._lab.network().subnet_ids
        gpus = bool((info["InstanceTypes"][0].get("GpuInfo") or {}).get("Gpus"))
        image = image_id or self.ecs_optimized_ami(gpu=gpus)
        profile = self._lab.instance_profile("ecs-instance")
        # Round robin over the subnets (two AZs), one RunInstances per subnet: EC2 checks the
        # image and type once a call, so a batch launches in a few calls, not one each.
        per_subnet = [len(range(i, count, len(subnets))) for i in range(min(count, len(subnets)))]
        batches: list[list[str]] = []
        tags = self._lab.ec2_tag_spec("instance", f"ecs-{cluster_name(cluster)}")[0]["Tags"]
        for i, n in enumerate(per_subnet):
            # RunInstances (made on moto's backend in the simulation), each instance with
            # the profile; the account tells the simulated agent on each to boot.
            batches.append(
                launch(
                    self._lab.account,
                    image=image,
                    instance_type=instance_type,
                    count=n,
                    subnet=subnets[i],
                    profile=profile,
                    tags=tags,
                    user_data=user_data or None,
                )
            )
        # In the round robin's order: the first of each subnet, then the second, ...
        launched = [b[k] for k in range(max(per_subnet)) for b in batches if k < len(b)]
        rows = []
        for iid in launched:
            inst = self._sim.container_instance_of(iid) if self._sim else None
            rows.append(
                {
                    "instance": iid,
                    "type": instance_type,
                    "az": inst.az if inst else None,
                    "joined": inst.cluster if inst else None,
                    "containerInstance": short_name(inst.arn) if inst else None,
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
            response["containerInstances"] = self._sim.describe_container_instances(
                response.get("containerInstances", [])
            )
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
        described = self._sim.deregister_container_instance(
            params.get("cluster"), params.get("containerInstance", ""), params.get("force", False)
        )
        return {"containerInstance": described}

    # -- tasks -----------------------------------------------------------------------------
    def _fargate(self, params: dict) -> bool:
        """Whether a run_task or create_service launches on Fargate (or Fargate Spot)."""
        if params.get("launchType") == "FARGATE":
            return True
        strategy = params.get("capacityProviderStrategy") or []
        return any(str(i.get("capacityProvider", "")).startswith("FARGATE") for i in strategy)

    def _before_fargate(self, params: dict, count: int, what: str) -> None:
        """Before Fargate tasks start: the budget, and on real AWS a way for tasks in the
        lab's private subnets (without a public IP) to pull their image."""
        if not self._fargate(params):
            return

        def hourly() -> float:
            definition = self._call(
                "describe_task_definition", taskDefinition=params.get("taskDefinition", "")
            )["taskDefinition"]
            # Billed at the task's size (a task definition without one is refused by Fargate).
            rate = fargate_hourly(
                load_prices(),
                parse_cpu(definition.get("cpu") or 256),
                parse_memory(definition.get("memory") or 512),
            )
            return count * rate

        self._lab.check_budget(hourly, what)
        if self._lab.simulated:
            return
        vpc = (params.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
        private = set(self._lab.network().private_subnet_ids)
        subnets = set(vpc.get("subnets") or [])
        if subnets and subnets <= private and vpc.get("assignPublicIp") != "ENABLED":
            self._lab.ensure_private_egress("these Fargate tasks run in private subnets")

    def run_task(self, **params: Any) -> dict:
        """boto3 ``run_task``. On EC2 the simulator places tasks with ECS's strategies and
        constraints and returns what could not be placed in ``failures``; on Fargate each
        task gets its own ENI in your VPC and no instance appears in your account."""
        count = params.get("count", 1)
        self._before_fargate(
            params, count if isinstance(count, int) else 1, f"{count} Fargate task(s)"
        )
        if not self._sim:
            params["tags"] = [*params.get("tags", []), *self._lab.tags("key")]
            return self._call("run_task", **params)
        tasks, failures = self._sim.run_task(
            params.get("cluster"),
            task_definition=params.get("taskDefinition"),
            count=params.get("count", 1),
            group=params.get("group"),
            launch_type=params.get("launchType"),
            capacity_provider_strategy=params.get("capacityProviderStrategy"),
            placement_strategy=params.get("placementStrategy"),
            placement_constraints=params.get("placementConstraints"),
            network_configuration=params.get("networkConfiguration"),
            started_by=params.get("startedBy"),
            tags=params.get("tags"),
        )
        return {"tasks": tasks, "failures": failures}

    def start_task(self, **params: Any) -> dict:
        """boto3 ``start_task``: run on the container instances you name; a task that does
        not fit comes back in ``failures`` instead of overcommitting the instance."""
        if not self._sim:
            return self._call("start_task", **params)
        tasks, failures = self._sim.start_task(
            params.get("cluster"),
            task_definition=params.get("taskDefinition", ""),
            container_instances=params.get("containerInstances") or [],
            group=params.get("group"),
            started_by=params.get("startedBy"),
            tags=params.get("tags"),
        )
        return {"tasks": tasks, "failures": failures}

    def stop_task(self, **params: Any) -> dict:
        if not self._sim:
            return self._call("stop_task", **params)
        name = self._sim.require_cluster(params.get("cluster"))
        return {"task": self._sim.stop_task(name, params.get("task", ""), params.get("reason"))}

    def describe_tasks(self, **params: Any) -> dict:
        if not self._sim:
            return self._call("describe_tasks", **params)
        tasks, failures = self._sim.describe_tasks(params.get("cluster"), params.get("tasks") or [])
        return {"tasks": tasks, "failures": failures}

    def list_tasks(self, **params: Any) -> dict:
        if not self._sim:
            return self._call("list_tasks", **params)
        arns = self._sim.list_tasks(
            params.get("cluster"),
            desired_status=params.get("desiredStatus", "RUNNING"),
            family=params.get("family"),
            service_name=params.get("serviceName"),
            launch_type=params.get("launchType"),
            started_by=params.get("startedBy"),
            container_instance=params.get("containerInstance"),
        )
        return {"taskArns": arns}

    def tasks_table(self, cluster: str | None = None) -> Table:
        """Running tasks with where they run (instance or Fargate) and their size."""
        name = cluster_name(cluster)
        arns = self.list_tasks(cluster=name)["taskArns"]
        tasks = self.describe_tasks(cluster=name, tasks=arns)["tasks"] if arns else []
        sim = self._sim
        rows = [
            {
                "task": short_name(t["taskArn"])[:8],
                "definition": short_name(t["taskDefinitionArn"]),
                "group": t.get("group"),
                "runs on": (sim.ec2_instance_id(t.get("containerInstanceArn", "")) if sim else None)
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
        desired = params.get("desiredCount", 0)
        self._before_fargate(
            params,
            desired if isinstance(desired, int) else 0,
            f"the service {params.get('serviceName')!r} ({desired} Fargate task(s))",
        )
        if not self._sim:
            params["tags"] = [*params.get("tags", []), *self._lab.tags("key")]
            response = self._call("create_service", **params)
            service = response["service"]
            self._lab.record(
                "ecs-service", service["serviceArn"], cluster=cluster_name(params.get("cluster"))
            )
            return response
        spec = {
            "desired": params.get("desiredCount", 0),
            "launch_type": params.get("launchType"),
            "capacity_provider_strategy": params.get("capacityProviderStrategy"),
            "placement_strategy": params.get("placementStrategy"),
            "placement_constraints": params.get("placementConstraints"),
        }
        name, definition = self._sim.check_service(
            params.get("cluster"), task_definition=params.get("taskDefinition", ""), **spec
        )
        if "networkConfiguration" in params:
            # No security group named: ECS uses the VPC's default one.
            params["networkConfiguration"] = self._sim.with_default_security_group(
                params["networkConfiguration"]
            )
        params["tags"] = [*params.get("tags", []), *self._lab.tags("key")]
        response = self._call("create_service", **params)
        self._lab.record("ecs-service", response["service"]["serviceArn"], cluster=name)
        response["service"] = self._sim.service_created(
            name,
            response["service"],
            task_definition_arn=definition,
            network_configuration=params.get("networkConfiguration"),
            **spec,
        )
        return response

    def update_service(self, **params: Any) -> dict:
        """boto3 ``update_service``: a new desired count or task definition, and the
        scheduler starts, stops or replaces tasks."""
        if not self._sim:
            return self._call("update_service", **params)
        name = self._sim.update_service(
            params.get("cluster"),
            params.get("service", ""),
            task_definition=params.get("taskDefinition"),
            desired=params.get("desiredCount"),
        )
        response = self._call("update_service", **params)
        self._sim.reconcile(name)
        response["service"] = self._sim.service_record(response["service"])
        return response

    def delete_service(self, **params: Any) -> dict:
        """boto3 ``delete_service``; refused while the service is scaled above 0 unless
        ``force=True``."""
        if not self._sim:
            return self._call("delete_service", **params)
        arn = self._sim.delete_service(
            params.get("cluster"), params.get("service", ""), params.get("force", False)
        )
        response = self._call("delete_service", **params)
        self._lab.forget("ecs-service", arn)
        response["service"] = self._sim.service_record(response["service"])
        return response

    def describe_services(self, **params: Any) -> dict:
        """boto3 ``describe_services``, with the scheduler's counts, events and deployment."""
        response = self._call("describe_services", **params)
        if self._sim:
            response["services"] = [
                self._sim.service_record(s) for s in response.get("services", [])
            ]
        return response

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
