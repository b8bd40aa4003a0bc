"""What the ECS agent and the ECS scheduler do, played for a moto account.

moto keeps the control-plane records (clusters, task definitions, container instances,
services). This simulator plays the rest, as the real system would:

- the **agent** on each EC2 instance reads ``ECS_CLUSTER`` from the user data (``default``
  when absent, created by the agent if it does not exist) and registers the instance with
  its type's real CPU and memory, and its GPUs on the ECS GPU-optimized AMI;
- **placement** (``awscontainers.sim.placement``) decides where each task runs and why one
  cannot;
- the **service scheduler** keeps ``desiredCount`` tasks running, replaces stopped ones,
  moves tasks off draining instances and writes the service events ECS writes;
- **Fargate** gives each task its own ENI and no instance in the account;
- an **Auto Scaling group capacity provider** keeps its tasks PROVISIONING until one of
  its group's instances, booted and registered, has room.

Tasks live here, not in moto (moto's tasks ignore resources and advance their status on
every describe), and are returned in the shapes boto3 returns.

The parts, by concern: :mod:`.config` (what the agent reads and registers), :mod:`.agent`,
:mod:`.tasks`, :mod:`.network_interfaces` (Fargate ENIs), :mod:`.services` (the
scheduler), :mod:`.capacity_providers` (the strategy split and the pure rules and checks of
ECS cluster auto scaling), :mod:`.provisioning` (Auto Scaling group capacity providers and
tasks waiting in PROVISIONING), and :mod:`.simulator`, which puts them together.
"""

from __future__ import annotations

from ...rules.capacity import ecs_facts, parse_ecs_config, registered_resources
from .capacity_providers import split_by_strategy
from .records import SimInstance, SimService, cluster_name, task_counts
from .simulator import EcsSimulator
from .tasks import container_gpus

__all__ = [
    "EcsSimulator",
    "SimInstance",
    "SimService",
    "cluster_name",
    "container_gpus",
    "ecs_facts",
    "parse_ecs_config",
    "registered_resources",
    "split_by_strategy",
    "task_counts",
]
