"""What an EC2 instance offers to ECS tasks and EKS pods: the capacity formulas.

The figures come from ``data/ecs.yaml`` and ``data/eks.yaml``. The simulator registers
instances and nodes with these formulas and the planner sizes fleets with them, so a plan
that fits on paper fits in the Lab too.

>>> registered_resources(2, 4096, {})            # t3.medium as an ECS container instance
(2048, 3992)
>>> pods = max_pods(3, 6)                        # t3.medium as an EKS node
>>> pods, node_allocatable(2, 4096, pods)
(17, (1930, 3726639104))
"""

from __future__ import annotations

import base64
import binascii
import re

from awscontainers.errors import InvalidParameterError
from awscontainers.rules.data import load_packaged

__all__ = [
    "ecs_facts",
    "eks_facts",
    "max_pods",
    "node_allocatable",
    "parse_ecs_config",
    "registered_resources",
]


def ecs_facts() -> dict:
    """The agent and ECS facts from ``data/ecs.yaml``.

    >>> ecs_facts()["agent"]["default_cluster"]
    'default'
    """
    return load_packaged("ecs.yaml")


def eks_facts() -> dict:
    """The EKS facts from ``data/eks.yaml``.

    >>> eks_facts()["nodeadm"]["kind"]
    'NodeConfig'
    """
    return load_packaged("eks.yaml")


# --------------------------------------------------------------------------- ECS


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
    """CPU units and MiB the agent registers for an instance: every vCPU as 1024 units, and
    the memory the OS reports (AWS's m4.large example: 8192 MiB installed, 7985 registered)
    less ``ECS_RESERVED_MEMORY``.

    >>> registered_resources(2, 8192, {})   # m4.large, as AWS documents it
    (2048, 7985)
    >>> registered_resources(2, 4096, {"ECS_RESERVED_MEMORY": "256"})   # t3.medium
    (2048, 3736)
    """
    facts = ecs_facts()["registered_resources"]
    cpu = vcpus * facts["cpu_units_per_vcpu"]
    example = facts["os_visible_example"]
    memory = memory_mib * example["registered_mib"] // example["installed_mib"]
    reserved = config.get("ECS_RESERVED_MEMORY", "0")
    memory -= int(reserved) if reserved.isdigit() else 0
    return cpu, max(memory, 0)


# --------------------------------------------------------------------------- EKS


def max_pods(enis: int, ipv4_per_eni: int) -> int:
    """How many pods the Amazon VPC CNI lets an EC2 node run (no prefix delegation).

    Each ENI keeps its primary address for itself; every secondary address is one pod IP;
    the ``+ 2`` are pods on the host network (aws-node and kube-proxy), which need no IP.

    >>> max_pods(3, 10), max_pods(3, 6)  # m5.large, t3.medium
    (29, 17)
    """
    for name, value in (("enis", enis), ("ipv4_per_eni", ipv4_per_eni)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidParameterError(
                f"{name} must be a whole number of at least 1, not {value!r}.",
                hint="Read both numbers for the instance type in the EC2 docs "
                "('Maximum IP addresses per network interface'), e.g. max_pods(3, 10).",
            )
    return enis * (ipv4_per_eni - 1) + 2


def node_allocatable(vcpus: int, memory_mib: int, pods: int) -> tuple[int, int]:
    """CPU millicores and memory bytes left for pods after kube-reserved and eviction.

    >>> node_allocatable(2, 4096, 17)   # t3.medium
    (1930, 3726639104)
    """
    facts = eks_facts()["kube_reserved"]
    reserved_cpu = 0.0
    for core in range(vcpus):
        fractions = facts["cpu_fractions"]
        reserved_cpu += fractions[core] if core < len(fractions) else facts["cpu_fraction_rest"]
    cpu = vcpus * 1000 - round(reserved_cpu * 1000)
    reserved_mib = facts["memory_per_pod_mib"] * pods + facts["memory_base_mib"]
    memory = (memory_mib - reserved_mib - facts["eviction_hard_mib"]) * 2**20
    return cpu, memory
