"""ECS cluster auto scaling rules (Auto Scaling group capacity provider, managed scaling).

Source (awscontainers/data/day2.yaml, ``ecs_cluster_auto_scaling``): Amazon ECS Developer
Guide, "Automatically manage Amazon ECS capacity with cluster auto scaling"
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-auto-scaling.html):
CapacityProviderReservation = M / N x 100, 200 when N = 0 and M > 0; Amazon ECS API Reference,
ManagedScaling (step sizes bound scale-out only; defaults 1, 10000; warm-up 300 s)."""

from __future__ import annotations

import pytest

from awscontainers.rules.data import load_packaged
from awscontainers.sim.ecs.capacity_providers import (
    capacity_provider_reservation,
    instances_needed,
    managed_scaling_desired,
)

FACTS = load_packaged("day2.yaml")["ecs_cluster_auto_scaling"]


@pytest.mark.parametrize(
    ("m", "n", "metric"),
    [(3, 4, 75.0), (4, 4, 100.0), (6, 4, 150.0), (0, 3, 0.0), (5, 0, 200.0), (0, 0, 100.0)],
)
def test_reservation_is_m_over_n_times_100(m, n, metric):
    assert capacity_provider_reservation(m, n) == metric


def test_no_instances_and_work_waiting_is_200():
    assert FACTS["reservation_when_no_instances_percent"] == 200
    assert capacity_provider_reservation(1, 0) == 200


def test_needed_counts_busy_instances_and_the_provisioning_tasks_first_fit():
    t3_medium = (2048, 3900)  # CPU units and MiB an ECS agent registers
    assert instances_needed(0, [], t3_medium) == 0
    assert instances_needed(3, [], t3_medium) == 3
    # 1,024 MiB each: three per instance by memory.
    assert instances_needed(1, [(256, 1024)] * 7, t3_medium) == 1 + 3
    # A task larger than the instance type never fits: it adds no instance.
    assert instances_needed(0, [(4096, 1024)], t3_medium) == 0


def test_desired_capacity_tracks_target_capacity_within_steps_and_group_size():
    assert FACTS["default_target_capacity_percent"] == 100
    assert FACTS["default_minimum_scaling_step_size"] == 1
    assert FACTS["default_maximum_scaling_step_size"] == 10000
    # At 100 % target, N follows M.
    assert managed_scaling_desired(5, 2, target_capacity=100, max_size=10) == 5
    # Below 100 %, spare instances: least N with M / N x 100 <= target.
    assert managed_scaling_desired(9, 9, target_capacity=90, max_size=20) == 10
    # Scale-out step bounded by min and max step size.
    assert managed_scaling_desired(3, 2, target_capacity=100, minimum_step=4, max_size=10) == 6
    assert managed_scaling_desired(50, 0, target_capacity=100, maximum_step=10, max_size=99) == 10
    # Scale-in is not bounded by the step sizes; the group's min and max still hold.
    assert managed_scaling_desired(1, 8, target_capacity=100, maximum_step=2, max_size=10) == 1
    assert managed_scaling_desired(0, 3, target_capacity=100, min_size=2, max_size=10) == 2
    assert managed_scaling_desired(40, 3, target_capacity=100, max_size=6) == 6
    # Reaching the target: the metric at the new N is at or under targetCapacity.
    for m in range(1, 30):
        for target in (50, 75, 100):
            n = managed_scaling_desired(m, m, target_capacity=target, max_size=1000)
            assert capacity_provider_reservation(m, n) <= target
            assert n == 1 or capacity_provider_reservation(m, n - 1) > target
