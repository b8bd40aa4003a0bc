"""What the ECS agent reads and registers: ECS facts from ``data/ecs.yaml``, the
``ecs.config`` settings in user data, and the resources an instance registers with."""

from __future__ import annotations

import base64
import binascii
import functools
import re
from importlib import resources

import yaml


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
