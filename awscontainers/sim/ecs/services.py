"""The ECS service scheduler: desired count, replacing stopped tasks, draining, scale-in
keeping the AZ spread, and the service events ECS writes."""

from __future__ import annotations

import copy
from typing import Any

from ...arns import short_name
from ...errors import InvalidParameterError, NotFoundError
from ...rules.capacity import ecs_facts
from .. import placement
from .capacity_providers import split_by_strategy
from .provisioning import Provisioning
from .records import SimService, task_counts


def check_desired_count(desired: Any, *, hint: str) -> None:
    """Refuse a service's ``desiredCount`` ECS would refuse: not a whole number, below 0, or
    above ECS's quota of tasks per service (5,000), which the lab holds as a hard limit."""
    limit = ecs_facts()["limits"]["service_max_desired_count"]
    if isinstance(desired, bool) or not isinstance(desired, int) or desired < 0:
        raise InvalidParameterError(
            "desiredCount must be a whole number, 0 or more.",
            code="InvalidParameterException",
            hint=hint,
        )
    if desired > limit:
        raise InvalidParameterError(
            f"desiredCount {desired} is above the quota of {limit:,} tasks per service.",
            code="InvalidParameterException",
            hint=f"keep desiredCount at {limit:,} or below (ECS's default quota, the lab's "
            "limit); split a bigger fleet over several services.",
        )


class Services(Provisioning):
    """Services and the scheduler that keeps them at their desired count."""

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
        check_desired_count(desired, hint="pass desiredCount=2 for two tasks.")
        strategy = placement_strategy or placement.SERVICE_DEFAULT_STRATEGY
        # Validate the placement inputs before anything is created.
        placement.validate_placement(strategy, placement_constraints or [])
        # Checks the launch type and capacity providers before anything is created.
        providers = self.capacity_providers(name, launch_type, capacity_provider_strategy, 1)
        if providers and providers[0] in self._capacity_providers:
            if "EC2" not in (td.get("requiresCompatibilities") or ["EC2"]):
                raise InvalidParameterError(
                    "Task definition does not support launch_type EC2.",
                    code="InvalidParameterException",
                    hint="register it with requiresCompatibilities=['EC2'] to run it on a "
                    "capacity provider's instances.",
                )
        elif providers and "FARGATE" not in (td.get("requiresCompatibilities") or []):
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
        if not launch_type and not capacity_provider_strategy:
            # ECS gives the service the cluster's default capacity provider strategy.
            capacity_provider_strategy = self.default_strategy(cluster)
        fargate = launch_type == "FARGATE" or any(
            i["capacityProvider"] in ("FARGATE", "FARGATE_SPOT")
            for i in capacity_provider_strategy or []
        )
        svc = SimService(
            arn=record["serviceArn"],
            name=record["serviceName"],
            cluster=cluster,
            task_definition=task_definition_arn,
            desired=desired,
            launch_type=launch_type,
            capacity_provider_strategy=capacity_provider_strategy or [],
            strategy=[] if fargate else strategy,
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
        # Check everything before changing anything: a refused call leaves the service as it was.
        if desired is not None:
            check_desired_count(
                desired, hint="pass desiredCount=0 to stop every task of the service."
            )
        arn = (
            self.task_definition(task_definition)["taskDefinitionArn"] if task_definition else None
        )
        if arn is not None:
            svc.task_definition = arn
        if desired is not None:
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
        """Run the service scheduler for every service in the cluster until it settles
        (PROVISIONING tasks that now fit start first)."""
        if self._provisioning:
            self.start_provisioning(cluster)
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
        on_draining = self._draining_instances()
        draining = [t for t in current if on_draining and self._on_draining(t["taskArn"])]
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
        victims = self._scale_in_victims(running, len(running) - svc.desired)
        if victims:
            gone = {id(t) for t in victims}
            running = [t for t in running if id(t) not in gone]
        for victim in victims:
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
            and all(t["lastStatus"] == "RUNNING" for t in live)
            and not (
                self._draining_instances() and any(self._on_draining(t["taskArn"]) for t in live)
            )
            and all(t["taskDefinitionArn"] == td["taskDefinitionArn"] for t in live)
        )
        last = svc.events[0]["message"] if svc.events else ""
        if steady and (started or stopped or "steady state" not in last):
            self.event(svc, f"(service {svc.name}) has reached a steady state.")

    def uses_group_providers(self, svc: SimService) -> bool:
        """True when the service runs through Auto Scaling group capacity providers."""
        return any(
            i["capacityProvider"] in self._capacity_providers
            for i in svc.capacity_provider_strategy
        )

    def _draining_instances(self) -> bool:
        """Whether any container instance is DRAINING (most of a day, none is: then no
        task need be looked at)."""
        return any(i.status == "DRAINING" for i in self._instances.values())

    def _on_draining(self, task_arn: str) -> bool:
        inst = self._instances.get(self._alloc.get(task_arn, {}).get("instance", ""))
        return inst is not None and inst.status == "DRAINING"

    def _scale_in_victims(self, running: list[dict], count: int) -> list[dict]:
        """The ``count`` tasks a scale-in stops, in order: tasks still waiting for an
        instance (PROVISIONING) first, newest first; then, one at a time, the newest task
        of the Availability Zone with the most (of the zones tied for most, the one whose
        newest task is newest), keeping the spread."""
        victims: list[dict] = []
        if count <= 0:
            return victims
        waiting = [t for t in running if t["lastStatus"] == "PROVISIONING"]
        while waiting and len(victims) < count:
            victims.append(waiting.pop())
        taken = {id(t) for t in victims}
        position = {id(t): i for i, t in enumerate(running)}
        by_az: dict[str, list[dict]] = {}
        for t in running:
            if id(t) not in taken:
                by_az.setdefault(t.get("availabilityZone") or "", []).append(t)
        while len(victims) < count:
            busiest = max(len(tasks) for tasks in by_az.values())
            zone = max(
                (z for z, tasks in by_az.items() if len(tasks) == busiest),
                key=lambda z: position[id(by_az[z][-1])],
            )
            victims.append(by_az[zone].pop())
        return victims

    def _service_place(self, svc: SimService, td: dict, missing: int) -> list[dict]:
        if self.uses_group_providers(svc):
            # Through Auto Scaling group capacity providers: what does not fit waits in
            # PROVISIONING (the cluster auto scaling brings instances), no "unable to place".
            providers = split_by_strategy(
                svc.capacity_provider_strategy,
                missing,
                [
                    t.get("capacityProviderName", "")
                    for t in self.live_tasks(svc.cluster, svc.group)
                ],
            )
            return self.run_through_providers(
                svc.cluster,
                td,
                providers,
                group=svc.group,
                strategy=svc.strategy,
                constraints=svc.constraints,
                started_by=f"ecs-svc/{svc.arn[-19:]}",
                tags=None,
            )
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
