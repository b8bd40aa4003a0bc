"""What the ECS simulator keeps: container instances and services, and how tasks count."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...arns import short_name
from ...errors import InvalidParameterError


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
    gpu_ids: list[str] = field(default_factory=list)  # what the agent registered
    gpu_free: list[str] = field(default_factory=list)  # not pinned to a task
    capacity_provider: str | None = None  # the Auto Scaling group capacity provider's

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


@dataclass
class SimCapacityProvider:
    """An Auto Scaling group capacity provider: its group and its settings (ECS's defaults
    filled in), and the CPU and MiB one of the group's instances registers."""

    name: str
    arn: str
    group: str
    settings: dict
    instance_shape: tuple[int, int] | None = None

    @property
    def scaling(self) -> dict:
        return self.settings["managedScaling"]

    @property
    def managed(self) -> bool:
        return bool(self.scaling["status"] == "ENABLED")

    @property
    def protects(self) -> bool:
        return bool(self.settings["managedTerminationProtection"] == "ENABLED")


def cluster_name(cluster: str | None) -> str:
    """``default`` when omitted, the name from an ARN, or the name itself."""
    if cluster is not None and not isinstance(cluster, str):
        raise InvalidParameterError(
            f"cluster must be a cluster name or ARN, not {type(cluster).__name__}.",
            code="InvalidParameterException",
            hint="pass cluster='web' (or leave it out for the default cluster).",
        )
    return short_name(cluster or "default")


def task_counts(tasks: list[dict]) -> tuple[int, int]:
    """(running, pending) among live tasks, as ECS counts them for clusters, instances and
    services. The simulator starts a placed task RUNNING at once; a task waiting in
    PROVISIONING for a capacity provider's instance counts as pending."""
    pending = sum(1 for t in tasks if t["lastStatus"] in ("PENDING", "PROVISIONING"))
    return len(tasks) - pending, pending
