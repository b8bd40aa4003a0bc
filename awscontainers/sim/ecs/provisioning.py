"""Auto Scaling group capacity providers: their records, the clusters they serve, and tasks
that wait in PROVISIONING until an instance of the provider's group has room.

A task launched through such a provider (a ``capacityProviderStrategy``, or the cluster's
default one) is made PROVISIONING first and placed, oldest first, on the container
instances the group's instances became; what does not fit keeps waiting instead of
failing, and starts when an instance with room registers (or room is freed). The rules of
ECS cluster auto scaling over these figures are pure (:mod:`.capacity_providers`); the
controllers that publish the metric and move the group are in
:mod:`awscontainers.sim.day2.ecs_capacity`.
"""

from __future__ import annotations

from typing import Any

from ..._aws import call
from ...errors import AlreadyExistsError, InvalidParameterError, NotFoundError, ResourceInUseError
from ...rules.capacity import registered_resources
from .. import placement
from ..plain import copy_object
from .capacity_providers import (
    FARGATE_PROVIDERS,
    check_capacity_provider,
    check_strategy,
    group_name_of,
    instances_needed,
)
from .records import SimCapacityProvider, SimInstance
from .tasks import Tasks, _require_launch_type

_NOT_ASSOCIATED = (
    "The specified capacity provider strategy cannot contain a capacity provider that is not "
    "associated with the cluster. Associate the capacity provider with the cluster or specify "
    "a valid capacity provider and try again."
)


class Provisioning(Tasks):
    """Auto Scaling group capacity providers and the tasks waiting for their instances."""

    # -- capacity providers ----------------------------------------------------------------------
    def check_new_capacity_provider(self, name: Any, provider: Any) -> dict:
        """Check a CreateCapacityProvider before ECS records it (the settings' ranges, the
        name, the group exists and no other provider uses it, scale-in protection for
        managed termination protection); returns the settings with ECS's defaults."""
        settings = check_capacity_provider(name, provider)
        if name in self._capacity_providers or name in FARGATE_PROVIDERS:
            raise AlreadyExistsError(
                f"A capacity provider named {name!r} already exists.",
                code="ClientException",
                hint="pick another name, or describe it: lab.ecs.describe_capacity_providers"
                f"(capacityProviders=[{name!r}]).",
            )
        group = self.group_record(group_name_of(settings["autoScalingGroupArn"]))
        if group is None or group["AutoScalingGroupARN"] != settings["autoScalingGroupArn"]:
            raise InvalidParameterError(
                "The specified Auto Scaling group ARN does not exist.",
                code="ClientException",
                hint="create the group first (lab.ecs.create_instance_group(...)) and pass its "
                "AutoScalingGroupARN.",
            )
        for other in self._capacity_providers.values():
            if other.group == group["AutoScalingGroupName"]:
                raise InvalidParameterError(
                    f"The specified Auto Scaling group is already used by capacity provider "
                    f"{other.name!r}.",
                    code="ClientException",
                    hint="one group backs one capacity provider: make another group.",
                )
        _check_protected(settings, group)
        return settings

    def check_capacity_provider_update(self, name: str, changes: Any) -> dict:
        """Check an UpdateCapacityProvider: the provider's settings with ``changes``
        (``managedScaling`` fields, ``managedTerminationProtection``) must pass the same
        checks as a new one; returns them."""
        cp = self.capacity_provider(name)
        if not isinstance(changes, dict):
            raise InvalidParameterError(
                "autoScalingGroupProvider must be a dict of the settings to change.",
                code="InvalidParameterException",
                hint="pass autoScalingGroupProvider={'managedScaling': {'status': 'ENABLED'}}.",
            )
        scaling = changes.get("managedScaling") or {}
        merged = {
            "autoScalingGroupArn": cp.settings["autoScalingGroupArn"],
            "managedScaling": {**cp.scaling, **(scaling if isinstance(scaling, dict) else {})},
            "managedTerminationProtection": changes.get(
                "managedTerminationProtection", cp.settings["managedTerminationProtection"]
            ),
        }
        settings = check_capacity_provider(name, merged)
        group = self.group_record(cp.group)
        if group is not None:
            _check_protected(settings, group)
        clusters = [c for c, (ps, _) in self._cluster_providers.items() if name in ps]
        if settings["managedScaling"]["status"] == "ENABLED" and len(clusters) > 1:
            raise ResourceInUseError(
                f"The capacity provider {name!r} serves clusters {', '.join(clusters)}: with "
                "managed scaling on it may serve one.",
                code="ResourceInUseException",
                hint="remove it from all clusters but one first.",
            )
        return settings

    def capacity_provider_updated(self, name: str, settings: dict) -> None:
        self._capacity_providers[name].settings = settings

    def capacity_provider_created(self, name: str, arn: str, settings: dict) -> None:
        """ECS recorded the capacity provider: watch its group's instances."""
        group = group_name_of(settings["autoScalingGroupArn"])
        self._capacity_providers[name] = SimCapacityProvider(name, arn, group, settings)
        self.watch_group(group)

    def capacity_provider(self, name: str) -> SimCapacityProvider:
        if name not in self._capacity_providers:
            raise NotFoundError(
                f"Capacity provider {name!r} not found.",
                code="ClientException",
                hint="create it with lab.ecs.create_capacity_provider(name=..., "
                "autoScalingGroupProvider={...}).",
            )
        return self._capacity_providers[name]

    def capacity_provider_names(self) -> list[str]:
        return list(self._capacity_providers)

    def group_record(self, group: str) -> dict | None:
        """The Auto Scaling group as ``describe_auto_scaling_groups`` shows it (None if gone)."""
        found = self.account.read(
            "autoscaling", "describe_auto_scaling_groups", AutoScalingGroupNames=[group]
        )["AutoScalingGroups"]
        return found[0] if found else None

    def check_deletable_provider(self, name: str) -> None:
        """ECS refuses to delete a capacity provider a cluster still uses."""
        self.capacity_provider(name)
        for cluster, (providers, _) in self._cluster_providers.items():
            if name in providers:
                raise ResourceInUseError(
                    f"The capacity provider {name!r} is associated with cluster {cluster!r}.",
                    code="ResourceInUseException",
                    hint=f"remove it first: lab.ecs.put_cluster_capacity_providers(cluster="
                    f"{cluster!r}, capacityProviders=[...without it...], "
                    "defaultCapacityProviderStrategy=[...]).",
                )

    def capacity_provider_deleted(self, name: str) -> None:
        self._capacity_providers.pop(name, None)

    # -- clusters ----------------------------------------------------------------------------------
    def check_cluster_providers(
        self, cluster: str, providers: Any, strategy: Any
    ) -> tuple[list[str], list[dict]]:
        """Check a PutClusterCapacityProviders before ECS records it; returns the providers
        and the default strategy."""
        if not isinstance(providers, list) or not all(isinstance(p, str) for p in providers):
            raise InvalidParameterError(
                "capacityProviders must be a list of capacity provider names.",
                code="InvalidParameterException",
                hint="pass capacityProviders=['web-cp'] (or [] to remove them all).",
            )
        if len(set(providers)) != len(providers):
            raise InvalidParameterError(
                "capacityProviders names a capacity provider twice.",
                code="InvalidParameterException",
                hint="name each capacity provider once.",
            )
        strategy = check_strategy(strategy)
        for name in providers:
            if name not in FARGATE_PROVIDERS:
                self.capacity_provider(name)
        for item in strategy:
            if item["capacityProvider"] not in providers:
                raise InvalidParameterError(
                    _NOT_ASSOCIATED,
                    code="InvalidParameterException",
                    hint="list every provider of defaultCapacityProviderStrategy in "
                    "capacityProviders too.",
                )
        for name in providers:
            cp = self._capacity_providers.get(name)
            if cp is None or not cp.managed:
                continue
            for other, (theirs, _) in self._cluster_providers.items():
                if other != cluster and name in theirs:
                    raise ResourceInUseError(
                        f"The capacity provider {name!r} has managed scaling on and already "
                        f"serves cluster {other!r}.",
                        code="ResourceInUseException",
                        hint="a capacity provider with managed scaling serves one cluster: "
                        "make another group and provider for this cluster.",
                    )
        old = self._cluster_providers.get(cluster, ([], []))[0]
        for name in set(old) - set(providers):
            in_use = any(t.get("capacityProviderName") == name for t in self.live_tasks(cluster))
            in_use = in_use or any(
                s.cluster == cluster
                and s.status == "ACTIVE"
                and any(i["capacityProvider"] == name for i in s.capacity_provider_strategy)
                for s in self._services.values()
            )
            if in_use:
                raise ResourceInUseError(
                    f"The specified capacity provider {name!r} is in use and cannot be removed.",
                    code="ResourceInUseException",
                    hint="stop its tasks and delete the services that use it first.",
                )
        return list(providers), strategy

    def cluster_providers_set(self, cluster: str, providers: list[str], strategy: list) -> None:
        """ECS recorded the cluster's capacity providers and default strategy."""
        self._cluster_providers[cluster] = (list(providers), [dict(i) for i in strategy])

    def default_strategy(self, cluster: str) -> list[dict]:
        """The cluster's default capacity provider strategy ([] if none)."""
        return [dict(i) for i in self._cluster_providers.get(cluster, ([], []))[1]]

    def clusters_of(self, provider: str) -> list[str]:
        """The clusters a capacity provider is associated with."""
        return [c for c, (ps, _) in self._cluster_providers.items() if provider in ps]

    def check_group_strategy(self, cluster: str, strategy: list[dict]) -> None:
        associated = self._cluster_providers.get(cluster, ([], []))[0]
        for item in strategy:
            name = item["capacityProvider"]
            self.capacity_provider(name)
            if name not in associated:
                raise InvalidParameterError(
                    _NOT_ASSOCIATED,
                    code="InvalidParameterException",
                    hint=f"lab.ecs.put_cluster_capacity_providers(cluster={cluster!r}, "
                    f"capacityProviders=[{name!r}], defaultCapacityProviderStrategy="
                    f"[{{'capacityProvider': {name!r}, 'weight': 1}}])",
                )

    # -- tasks -------------------------------------------------------------------------------------
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
        """One task per entry of ``providers``: each starts PROVISIONING and runs at once
        where an instance of its provider has room; the rest wait. Returns the tasks."""
        _require_launch_type(
            td,
            "EC2",
            "register it with requiresCompatibilities=['EC2'] (or use FARGATE).",
        )
        constraints = list(td.get("placementConstraints") or []) + list(constraints or [])
        placement.validate_placement(strategy or [], constraints)
        shape = self.shape(td, group)
        arns = []
        for provider in providers:
            arn = self._provision(cluster, td, provider, group, started_by, tags)
            self._provisioning[arn] = {
                "cluster": cluster,
                "provider": provider,
                "td": td["taskDefinitionArn"],
                "group": group,
                "shape": shape,
                "strategy": strategy,
                "constraints": constraints,
                "key": repr((provider, td["taskDefinitionArn"], group, strategy, constraints)),
            }
            arns.append(arn)
        self.start_provisioning(cluster)
        return [copy_object(self._tasks[a]) for a in arns]

    def _provision(
        self,
        cluster: str,
        td: dict,
        provider: str,
        group: str,
        started_by: str | None,
        tags: list[dict] | None,
    ) -> str:
        task_id = self.account.new_id()
        arn = self.account.arn("ecs", f"task/{cluster}/{task_id}")
        shape = self.shape(td, group)
        task = {
            "taskArn": arn,
            "clusterArn": self.cluster_arn(cluster),
            "taskDefinitionArn": td["taskDefinitionArn"],
            "lastStatus": "PROVISIONING",
            "desiredStatus": "RUNNING",
            "launchType": "EC2",
            "capacityProviderName": provider,
            "cpu": str(shape.cpu),
            "memory": str(shape.memory),
            "containers": [
                {
                    "containerArn": self.account.arn(
                        "ecs", f"container/{cluster}/{task_id}/{c['name']}"
                    ),
                    "taskArn": arn,
                    "name": c["name"],
                    "image": c.get("image", ""),
                    "lastStatus": "PENDING",
                }
                for c in td.get("containerDefinitions", [])
            ],
            "group": group,
            "version": 1,
            "createdAt": self.account.now(),
            "attachments": [],
            "tags": tags or [],
        }
        if started_by:
            task["startedBy"] = started_by
        self._tasks[arn] = task
        self._task_live(task, True)
        self._alloc[arn] = {}
        return arn

    def start_provisioning(self, cluster: str) -> list[dict]:
        """Place the cluster's PROVISIONING tasks on their providers' instances, oldest
        first, where they fit; returns the tasks that started."""
        waiting = [
            a
            for a, w in self._provisioning.items()
            if w["cluster"] == cluster and self._tasks[a]["lastStatus"] == "PROVISIONING"
        ]
        for arn in [a for a, w in self._provisioning.items() if w["cluster"] == cluster]:
            if arn not in waiting:
                del self._provisioning[arn]  # stopped while it waited
        started: list[dict] = []
        i = 0
        while i < len(waiting):
            first = self._provisioning[waiting[i]]
            j = i
            while j < len(waiting) and self._provisioning[waiting[j]]["key"] == first["key"]:
                j += 1
            run, i = waiting[i:j], j
            candidates = [
                c
                for c in self.candidates(cluster)
                if self._instances[c.arn].capacity_provider == first["provider"]
            ]
            if not any(c.status == "ACTIVE" for c in candidates):
                continue
            result = placement.place(
                candidates,
                first["shape"],
                len(run),
                first["strategy"],
                first["constraints"],
                self.account.rng,
            )
            for arn, instance_arn in zip(run, result.placements, strict=False):
                started.append(self._run_waiting(arn, instance_arn))
        self.task_starts += len(started)
        return started

    def _run_waiting(self, arn: str, instance_arn: str) -> dict:
        waiting = self._provisioning.pop(arn)
        old = self._tasks[arn]
        return self._start(
            waiting["cluster"],
            self.task_definition(waiting["td"]),
            "EC2",
            waiting["group"],
            old.get("startedBy"),
            old.get("tags"),
            instance_arn=instance_arn,
            shape=waiting["shape"],
            provider=waiting["provider"],
            task_id=arn.rsplit("/", 1)[1],
            created_at=old["createdAt"],
        )

    def provisioning_count(self, provider: str) -> int:
        """How many tasks wait in PROVISIONING for ``provider``'s instances."""
        return sum(
            1
            for a, w in self._provisioning.items()
            if w["provider"] == provider and self._tasks[a]["lastStatus"] == "PROVISIONING"
        )

    # -- what cluster auto scaling reads -----------------------------------------------------------
    def provider_instances(self, provider: str) -> list[SimInstance]:
        """The container instances a provider's group's instances became."""
        return [i for i in self._instances.values() if i.capacity_provider == provider]

    def instances_needed(self, provider: str, group: dict) -> int:
        """M for ``provider``: its instances running a task, plus the empty instances its
        PROVISIONING tasks would fill, first fit (see :func:`.instances_needed`)."""
        busy = sum(1 for i in self.provider_instances(provider) if i.tasks)
        shapes = [
            (w["shape"].cpu, w["shape"].memory)
            for a, w in self._provisioning.items()
            if w["provider"] == provider and self._tasks[a]["lastStatus"] == "PROVISIONING"
        ]
        if not shapes:
            return busy
        size = self._instance_shape(self._capacity_providers[provider], group)
        return instances_needed(busy, shapes, size) if size else busy

    def _instance_shape(self, cp: SimCapacityProvider, group: dict) -> tuple[int, int] | None:
        """The CPU units and MiB one of the group's instances registers: read from a joined
        instance, else from the launch template's instance type."""
        if cp.instance_shape is None:
            joined = self.provider_instances(cp.name)
            if joined:
                cp.instance_shape = (joined[0].cpu_total, joined[0].memory_total)
            else:
                itype = self._template_instance_type(group)
                if itype:
                    info = self.instance_type(itype)
                    cp.instance_shape = registered_resources(
                        info["VCpuInfo"]["DefaultVCpus"], info["MemoryInfo"]["SizeInMiB"], {}
                    )
        return cp.instance_shape

    def _template_instance_type(self, group: dict) -> str | None:
        template = group.get("LaunchTemplate") or {}
        name = template.get("LaunchTemplateName")
        if name:
            versions = call(
                self.ec2,
                "describe_launch_template_versions",
                LaunchTemplateName=name,
                Versions=[template.get("Version") or "$Latest"],
            )["LaunchTemplateVersions"]
            return versions[0]["LaunchTemplateData"].get("InstanceType") if versions else None
        config = group.get("LaunchConfigurationName")
        if config:
            found = call(
                self.account.client("autoscaling"),
                "describe_launch_configurations",
                LaunchConfigurationNames=[config],
            )["LaunchConfigurations"]
            return found[0].get("InstanceType") if found else None
        return None


def _check_protected(settings: dict, group: dict) -> None:
    """Managed termination protection needs a group whose new instances are protected from
    scale in."""
    if settings["managedTerminationProtection"] == "ENABLED" and not group.get(
        "NewInstancesProtectedFromScaleIn"
    ):
        raise InvalidParameterError(
            "The managed termination protection setting for the capacity provider is "
            "invalid. To enable managed termination protection for a capacity provider, "
            "the Auto Scaling group must have instance protection from scale in enabled.",
            code="ClientException",
            hint="create the group with NewInstancesProtectedFromScaleIn=True "
            "(create_instance_group(..., protect_from_scale_in=True)), or pass "
            "managedTerminationProtection='DISABLED'.",
        )
