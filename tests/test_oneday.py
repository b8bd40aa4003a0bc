"""One day in each hosting mode: the same load, the configuration you chose, what happened."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from awscontainers.errors import InvalidParameterError
from awscontainers.oneday import (
    SEED_MODES,
    START_INSTANCES,
    START_TASKS,
    STEPS,
    compare_day,
    run_day,
    side_by_side,
)
from awscontainers.sim.load import constant, step
from tests.strategies import text

#: A quarter vCPU (the two starting tasks or pods at the 50 % target), then three.
SPIKE = step(0.25, 3, at=dt.timedelta(minutes=10))


def messages(day, source):
    return [e["message"] for e in day.events if e["source"] == source]


@pytest.mark.parametrize("mode", SEED_MODES)
def test_with_every_step_taken_each_mode_scales_out(mode):
    day = run_day(mode, SPIKE, hours=1.5)
    assert day.steps == tuple(s.id for s in STEPS[mode]) and day.undone == []
    assert day.timeline[0]["desired"] == START_TASKS
    assert day.peak("desired") >= 3 * START_TASKS
    assert day.cost > 0 and day.timeline[-1]["cost_usd"] >= day.timeline[0]["cost_usd"]


@pytest.mark.parametrize("mode", SEED_MODES)
def test_with_no_step_taken_nothing_scales_and_the_day_says_what_was_left(mode):
    day = run_day(mode, SPIKE, hours=1, steps=[])
    assert {r["desired"] for r in day.timeline} == {START_TASKS}
    # Every step but the patch rollout (no patch release today).
    assert len(day.undone) == len([s for s in STEPS[mode] if s.id != "patch-rollout"])
    assert all(row["cpu_percent"] >= 100 for row in day.timeline[-5:])


def test_an_hpa_without_the_metrics_server_says_why_it_does_not_scale():
    day = run_day("eks-nodegroup", SPIKE, hours=0.5, steps=["hpa"])
    assert any("FailedGetResourceMetric" in m for m in messages(day, "kubernetes")) or any(
        "FailedGetResourceMetric" in m for m in messages(day, "horizontal-pod-autoscaler")
    )
    assert day.peak("desired") == START_TASKS


def test_pods_wait_without_the_cluster_autoscaler_and_nodes_come_with_it():
    without = run_day("eks-nodegroup", SPIKE, hours=1, steps=["metrics-server", "hpa"])
    assert without.peak("pending") > 0
    assert {r["nodes"] for r in without.timeline} == {START_INSTANCES}
    with_ca = run_day("eks-nodegroup", SPIKE, hours=1)
    assert with_ca.peak("nodes") > START_INSTANCES
    assert with_ca.timeline[-1]["pending"] == 0


def test_a_self_managed_group_without_its_tags_is_not_found_by_the_cluster_autoscaler():
    day = run_day(
        "eks-ec2",
        SPIKE,
        hours=1,
        steps=["metrics-server", "hpa", "cluster-autoscaler", "cluster-autoscaler-permission"],
    )
    assert {r["nodes"] for r in day.timeline} == {START_INSTANCES}
    assert day.undone and day.undone[0].startswith("cluster-autoscaler-tags")


def test_fargate_pays_per_task_and_ec2_per_instance():
    fargate = run_day("ecs-fargate", constant(0.25), hours=1, steps=[])
    ec2 = run_day("ecs-ec2", constant(0.25), hours=1, steps=[])
    assert fargate.timeline[-1]["cost_per_hour"] < ec2.timeline[-1]["cost_per_hour"]
    eks = run_day("eks-fargate", constant(0.25), hours=1, steps=[])
    # The same two pods' worth of Fargate (each a size up: EKS adds 256 MB per pod), plus
    # the EKS control plane's 0.10 an hour.
    assert eks.timeline[-1]["cost_per_hour"] >= fargate.timeline[-1]["cost_per_hour"] + 0.10


def test_the_same_day_twice_is_the_same_day():
    one = compare_day(SPIKE, ["ecs-fargate", "eks-fargate"], hours=0.5)
    two = compare_day(SPIKE, ["ecs-fargate", "eks-fargate"], hours=0.5)
    assert [list(d.timeline) for d in one] == [list(d.timeline) for d in two]
    assert [list(d.events) for d in one] == [list(d.events) for d in two]
    table = side_by_side(one)
    assert [r["mode"] for r in table] == ["ECS on Fargate", "EKS on Fargate"]


@settings(max_examples=40, deadline=None)
@given(
    mode=st.one_of(st.sampled_from(SEED_MODES), text(max_size=12), st.integers()),
    hours=st.one_of(st.floats(allow_nan=True), st.integers(-5, 10**6), st.none()),
    steps=st.one_of(st.none(), text(max_size=5), st.lists(text(max_size=12), max_size=3)),
    every=st.one_of(st.timedeltas(), st.integers()),
)
def test_bad_arguments_are_refused_before_a_lab_opens(mode, hours, steps, every):
    try:
        from awscontainers.oneday import _check

        _check(mode, SPIKE, hours, every, steps)
    except InvalidParameterError:
        return
    # Whatever passed the check is a real mode, a sane length, a sane step and known steps.
    assert mode in STEPS and 0 < hours <= 72
    assert dt.timedelta(seconds=15) <= every <= dt.timedelta(hours=1)


def test_a_load_that_is_not_a_curve_is_refused():
    with pytest.raises(InvalidParameterError, match="load curve"):
        run_day("ecs-fargate", 3)


def test_ecs_on_ec2_tasks_wait_in_provisioning_until_cluster_auto_scaling_adds_instances():
    service_only = run_day("ecs-ec2", SPIKE, hours=1.5, steps=["service-auto-scaling"])
    assert service_only.timeline[-1]["pending"] > 0
    assert max(r["nodes"] for r in service_only.timeline) == START_INSTANCES
    assert any(
        "managed scaling is DISABLED" in m
        for m in messages(service_only, "ecs-cluster-auto-scaling")
    ) or any("DISABLED" in e["message"] for e in service_only.events)
    both = run_day("ecs-ec2", SPIKE, hours=1.5)
    assert both.timeline[-1]["pending"] == 0
    assert both.peak("nodes") > START_INSTANCES


PATCH = dt.timedelta(minutes=30)


@pytest.mark.parametrize("mode", ["eks-ec2", "eks-nodegroup"])
def test_a_patch_release_is_yours_to_roll_out_on_ec2_nodes(mode):
    left = run_day(mode, constant(0.25), hours=1.5, steps=[], patch_at=PATCH)
    assert left.outdated == START_INSTANCES
    assert any(line.startswith("patch-rollout") for line in left.undone)
    rolled = run_day(mode, constant(0.25), hours=1.5, steps=["patch-rollout"], patch_at=PATCH)
    assert rolled.outdated == 0
    assert any(e["who"] == "you" for e in rolled.events)


@pytest.mark.parametrize("mode", ["ecs-fargate", "eks-fargate"])
def test_on_fargate_aws_retires_and_replaces_with_no_step_of_yours(mode):
    day = run_day(mode, constant(0.25), hours=1.5, steps=[], patch_at=PATCH)
    assert day.outdated == 0
    assert not any(line.startswith("patch-rollout") for line in day.undone)
    assert day.timeline[-1]["running"] == START_TASKS


def test_without_a_patch_release_there_is_no_patch_step_left_undone():
    day = run_day("eks-nodegroup", constant(0.25), hours=0.5, steps=[])
    assert not any(line.startswith("patch-rollout") for line in day.undone)


def test_a_moment_outside_the_day_is_refused():
    with pytest.raises(InvalidParameterError, match="within the day"):
        run_day("ecs-fargate", constant(0.25), hours=1, patch_at=dt.timedelta(hours=2))


def test_spot_draining_moves_the_tasks_before_the_instance_goes():
    from awscontainers.oneday import spot_interruption

    drained = spot_interruption(True)
    whos = [r["who"] for r in drained]
    assert "AWS (ECS agent, as you configured)" in whos
    started = [r for r in drained if "has started" in r["what"]]
    terminated = [r for r in drained if r["what"].endswith("terminated.")]
    assert started and terminated and started[0]["after"] < terminated[0]["after"]
    plain = spot_interruption(False)
    assert any(r["who"].startswith("nobody") for r in plain)
    started = [r for r in plain if "has started" in r["what"]]
    terminated = [r for r in plain if r["what"].endswith("terminated.")]
    assert started[0]["after"] > terminated[0]["after"]


@settings(max_examples=25, deadline=None)
@given(
    st.one_of(
        st.integers(max_value=0),
        st.integers(min_value=26),
        st.floats(allow_nan=True),
        st.booleans(),
        text(max_size=3),
        st.none(),
    )
)
def test_a_scale_outside_1_to_25_is_refused_before_any_lab(scale):
    with pytest.raises(InvalidParameterError, match="scale must be a whole number from 1 to 25"):
        run_day("ecs-fargate", constant(1), hours=1, scale=scale)


def test_at_scale_the_service_bounds_capacity_and_load_grow_together():
    from awscontainers.oneday import MAX_TASKS, MIN_TASKS, Size

    big = Size(25)
    assert (big.min_tasks, big.max_tasks) == (25 * MIN_TASKS, 25 * MAX_TASKS)
    # Above scale 6 an instance is an m5.2xlarge (4 m5.large), so the group stays within 50.
    assert big.instance_type == "m5.2xlarge" and big.max_instances == 50
    assert Size(6).instance_type == "m5.large" and Size(6).max_instances == 48
    day = run_day(
        "ecs-fargate",
        constant(1),
        hours=0.25,
        step=dt.timedelta(minutes=1),
        steps=["service-auto-scaling"],
        scale=10,
    )
    assert day.timeline[0]["desired"] == 10 * START_TASKS
    # Ten times the load on ten times the tasks: the same utilisation as at scale 1.
    small = run_day("ecs-fargate", constant(1), hours=0.25, step=dt.timedelta(minutes=1), steps=[])
    assert day.timeline[0]["cpu_percent"] == small.timeline[0]["cpu_percent"]
    assert set(day.seconds) == {"setup", "day", "setup_cpu", "day_cpu"}
