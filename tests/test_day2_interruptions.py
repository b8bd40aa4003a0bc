"""Interruptions in simulated time: EC2 Spot (two-minute notice, ECS draining when
configured), Fargate Spot task stops, a lost Availability Zone. Sources of each figure:
awscontainers/data/day2.yaml (``interruptions``)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awscontainers import Lab
from awscontainers.ecs import ecs_user_data
from awscontainers.errors import (
    InvalidParameterError,
    LabError,
    NotFoundError,
    ResourceInUseError,
)
from awscontainers.manifests import sample_deployment
from awscontainers.rules.data import load_packaged
from tests.strategies import text

from .conftest import register, register_fargate

RULES = load_packaged("day2.yaml")["interruptions"]
NOTICE = dt.timedelta(seconds=RULES["spot_notice_seconds"])


def spot_instance(lab, user_data, profile="ecs-instance", image=None):
    inst = lab.client("ec2").run_instances(
        ImageId=image or lab.ecs.ecs_optimized_ami(),
        InstanceType="t3.medium",
        MinCount=1,
        MaxCount=1,
        InstanceMarketOptions={"MarketType": "spot"},
        IamInstanceProfile={"Name": lab.instance_profile(profile)},
        SubnetId=lab.network().subnet_ids[0],
        UserData=user_data,
    )["Instances"][0]
    return inst["InstanceId"]


def ecs_with_spot(lab, draining):
    lab.ecs.create_cluster(clusterName="web")
    lab.ecs.launch_instances("web", count=1, instance_type="t3.medium")
    data = ecs_user_data("web")
    if draining:
        data += "\necho ECS_ENABLE_SPOT_INSTANCE_DRAINING=true >> /etc/ecs/ecs.config\n"
    spot = spot_instance(lab, data)
    register(lab, "app", cpu=256, memory=256)
    lab.ecs.create_service(cluster="web", serviceName="svc", taskDefinition="app", desiredCount=4)
    return spot


def on(lab, instance, cluster="web"):
    return [t for t in lab.ecs.tasks_table(cluster) if t["runs on"] == instance]


def state(lab, iid):
    found = lab.client("ec2").describe_instances(InstanceIds=[iid])["Reservations"]
    return found[0]["Instances"][0]["State"]["Name"]


# -- EC2 Spot -------------------------------------------------------------------------------------


def test_spot_notice_drains_an_ecs_instance_when_configured_then_it_terminates(lab):
    spot = ecs_with_spot(lab, draining=True)
    assert on(lab, spot)  # the service spread tasks onto it
    answer = lab.interrupt_spot(spot)
    assert answer["ecs_draining"] and answer["terminates_at"] - lab.now() <= NOTICE
    # DRAINING at the notice: its service tasks moved at once.
    assert not on(lab, spot) and len(lab.ecs.tasks_table("web")) == 4
    lab.run(NOTICE - dt.timedelta(seconds=15))
    assert state(lab, spot) == "running"
    lab.run(dt.timedelta(seconds=30))
    assert state(lab, spot) == "terminated"
    assert len(lab.ecs.tasks_table("web")) == 4
    whos = {e["who"] for e in lab.timeline_events()}
    assert "AWS (ECS agent, as you configured)" in whos


def test_without_spot_draining_tasks_run_until_the_instance_dies(lab):
    spot = ecs_with_spot(lab, draining=False)
    count = len(on(lab, spot))
    assert count and not lab.interrupt_spot(spot)["ecs_draining"]
    lab.run(NOTICE - dt.timedelta(seconds=15))
    assert len(on(lab, spot)) == count  # nobody moved them
    lab.run(dt.timedelta(seconds=30))
    assert state(lab, spot) == "terminated"
    assert len(lab.ecs.tasks_table("web")) == 4  # the service replaced them afterwards
    events = lab.timeline_events()
    assert any(e["who"].startswith("nobody") and "ECS_ENABLE_SPOT" in e["message"] for e in events)


def test_spot_interruption_refuses_what_cannot_be_interrupted(lab):
    lab.ecs.create_cluster(clusterName="web")
    on_demand = lab.ecs.launch_instances("web", count=1, instance_type="t3.medium")[0]["instance"]
    with pytest.raises(InvalidParameterError, match="On-Demand") as info:
        lab.interrupt_spot(on_demand)
    assert "InstanceMarketOptions" in info.value.hint
    with pytest.raises(NotFoundError):
        lab.interrupt_spot("i-00000000000000000")
    spot = spot_instance(lab, ecs_user_data("web"))
    lab.interrupt_spot(spot)
    with pytest.raises(ResourceInUseError, match="already"):
        lab.interrupt_spot(spot)
    lab.run(NOTICE + dt.timedelta(seconds=15))
    with pytest.raises(InvalidParameterError, match="not running"):
        lab.interrupt_spot(spot)


def test_a_spot_kubernetes_node_is_not_drained_its_pods_go_at_termination(lab):
    lab.eks.create_cluster(name="demo")
    lab.eks.create_access_entry(
        clusterName="demo", principalArn=lab.role_arn("eks-node"), type="EC2_LINUX"
    )
    lab.eks.launch_self_managed_nodes("demo", count=1)
    k = lab.kube("demo")
    spot = spot_instance(
        lab,
        lab.eks.node_config("demo"),
        profile="eks-node",
        image=lab.eks.eks_optimized_ami("1.35"),
    )
    node = lab.eks_sim.joined("demo")[spot]
    k.apply(sample_deployment(6, cpu="100m", memory="64Mi"))
    on_spot = [p for p in k.get("Pod")["items"] if p["spec"]["nodeName"] == node]
    assert on_spot
    lab.interrupt_spot(spot)
    lab.run(NOTICE - dt.timedelta(seconds=15))
    assert [p for p in k.get("Pod")["items"] if p["spec"]["nodeName"] == node] == on_spot
    lab.run(dt.timedelta(seconds=30))
    pods = k.get("Pod")["items"]
    assert spot not in lab.eks_sim.joined("demo")
    assert len(pods) == 6 and all(p["spec"]["nodeName"] != node for p in pods)
    assert any("not drained" in e["message"] for e in lab.timeline_events())


def test_a_managed_spot_nodegroup_is_drained_by_eks_at_the_notice(lab):
    lab.eks.create_cluster(name="demo")
    for name, capacity in (("spot", "SPOT"), ("od", "ON_DEMAND")):
        lab.eks.create_nodegroup(
            clusterName="demo",
            nodegroupName=name,
            capacityType=capacity,
            scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 2},
        )
    k = lab.kube("demo")
    k.apply(sample_deployment(6, cpu="100m", memory="64Mi"))
    labels = {
        n["metadata"]["name"]: n["metadata"]["labels"]["eks.amazonaws.com/nodegroup"]
        for n in k.get("Node")["items"]
    }
    joined = lab.eks_sim.joined("demo")
    spot = next(i for i, n in sorted(joined.items()) if labels[n] == "spot")
    on_demand = next(i for i, n in sorted(joined.items()) if labels[n] == "od")
    with pytest.raises(InvalidParameterError, match="On-Demand"):
        lab.interrupt_spot(on_demand)
    node = joined[spot]
    lab.interrupt_spot(spot)
    # At the notice: a replacement joined, the Spot node is cordoned and empty.
    assert len(lab.eks_sim.joined("demo")) == 5
    assert k.get("Node", name=node)["spec"]["unschedulable"] is True
    assert not [p for p in k.get("Pod")["items"] if p["spec"]["nodeName"] == node]
    assert len(running_pods(k)) == 6
    lab.run(NOTICE + dt.timedelta(seconds=15))
    assert spot not in lab.eks_sim.joined("demo") and len(lab.eks_sim.joined("demo")) == 4
    assert len(running_pods(k)) == 6
    assert "AWS (EKS managed nodegroup)" in {e["who"] for e in lab.timeline_events()}


def running_pods(k):
    return [p for p in k.get("Pod")["items"] if p["status"]["phase"] == "Running"]


# -- Fargate Spot ---------------------------------------------------------------------------------


def fargate_spot(lab, desired=3):
    lab.ecs.create_cluster(clusterName="fg")
    lab.ecs.put_cluster_capacity_providers(
        cluster="fg",
        capacityProviders=["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategy=[],
    )
    register_fargate(lab)
    lab.ecs.create_service(
        cluster="fg",
        serviceName="web",
        taskDefinition="fg",
        desiredCount=desired,
        capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
    )


def test_fargate_spot_tasks_stop_two_minutes_after_sigterm_and_the_service_replaces_them(lab):
    fargate_spot(lab)
    lab.ecs.run_task(cluster="fg", taskDefinition="fg", launchType="FARGATE")
    stopped = lab.stop_fargate_spot_tasks("fg", count=2)
    assert len(stopped) == 2
    lab.run(NOTICE - dt.timedelta(seconds=15))
    live = {t["task"] for t in lab.ecs.tasks_table("fg")}
    assert all(arn.rsplit("/", 1)[-1][:8] in live for arn in stopped)
    lab.run(dt.timedelta(seconds=30))
    tasks = lab.ecs.describe_tasks(cluster="fg", tasks=stopped)["tasks"]
    assert {t["stopCode"] for t in tasks} == {RULES["fargate_spot_stop_code"]}
    assert {t["stoppedReason"] for t in tasks} == {RULES["fargate_spot_stopped_reason"]}
    table = lab.ecs.tasks_table("fg")
    assert sum(t["runs on"] == "FARGATE_SPOT" for t in table) == 3
    assert sum(t["runs on"] == "FARGATE" for t in table) == 1  # on-demand is never reclaimed
    # The service was never loaded, yet its events show: the interruption watches it.
    started = [e for e in lab.timeline_events() if e["target"] == "fg/web"]
    assert any("has started 2 tasks" in e["message"] for e in started)
    assert {e["who"] for e in started} == {"AWS (ECS)"}


def test_fargate_spot_refuses_tasks_that_are_not_spot(lab):
    lab.ecs.create_cluster(clusterName="fg")
    register_fargate(lab)
    arn = lab.ecs.run_task(cluster="fg", taskDefinition="fg", launchType="FARGATE")["tasks"][0][
        "taskArn"
    ]
    with pytest.raises(InvalidParameterError, match="no running FARGATE_SPOT") as info:
        lab.stop_fargate_spot_tasks("fg")
    assert "FARGATE_SPOT" in info.value.hint
    with pytest.raises(InvalidParameterError, match="not a running FARGATE_SPOT"):
        lab.stop_fargate_spot_tasks("fg", tasks=[arn])
    with pytest.raises(NotFoundError):
        lab.stop_fargate_spot_tasks("nope")
    with pytest.raises(InvalidParameterError, match="count"):
        lab.stop_fargate_spot_tasks("fg", count=0)


# -- a lost Availability Zone --------------------------------------------------------------------


def test_losing_a_zone_moves_ecs_services_and_kubernetes_pods_to_the_other_zone(lab):
    lab.ecs.create_cluster(clusterName="web")
    lab.ecs.launch_instances("web", count=2, instance_type="t3.medium")
    register(lab, "app", cpu=256, memory=256)
    lab.ecs.create_service(cluster="web", serviceName="svc", taskDefinition="app", desiredCount=4)
    fargate_spot(lab, desired=2)
    lab.eks.create_cluster(name="demo")
    lab.eks.create_nodegroup(
        clusterName="demo",
        nodegroupName="ng",
        scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 2},
    )
    k = lab.kube("demo")
    k.apply(sample_deployment(4, cpu="100m", memory="64Mi"))
    zones = lab.network().availability_zones
    assert {t["az"] for t in lab.ecs.tasks_table("web")} == set(zones)
    lost = lab.lose_zone(zones[0])
    assert len(lost["instances"]) == 2 and lost["tasks"] >= 3  # one ECS instance, one node
    lab.run(dt.timedelta(seconds=15))
    assert {t["az"] for t in lab.ecs.tasks_table("web")} == {zones[1]}
    assert len(lab.ecs.tasks_table("web")) == 4
    assert {t["az"] for t in lab.ecs.tasks_table("fg")} == {zones[1]}
    assert len(lab.ecs.tasks_table("fg")) == 2
    nodes = k.get("Node")["items"]
    assert len(nodes) == 2
    assert {n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in nodes} == {zones[1]}
    assert len([p for p in k.get("Pod")["items"] if p["status"]["phase"] == "Running"]) == 4
    with pytest.raises(ResourceInUseError, match="already lost"):
        lab.lose_zone(zones[0])
    with pytest.raises(InvalidParameterError, match="not one of the lab's") as info:
        lab.lose_zone("eu-west-1a")
    assert zones[1] in info.value.hint or zones[0] in info.value.hint


def test_a_lost_zone_takes_eks_fargate_pods_and_their_deployment_recreates_them(lab):
    lab.eks.create_cluster(name="demo")
    lab.eks.create_fargate_profile(
        clusterName="demo", fargateProfileName="fp", selectors=[{"namespace": "default"}]
    )
    k = lab.kube("demo")
    k.apply(sample_deployment(4, cpu="250m", memory="512Mi"))
    zones = lab.network().availability_zones
    assert lab.lose_zone(zones[0])["pods"] == 2
    nodes = k.get("Node")["items"]
    assert len(nodes) == 4
    assert {n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in nodes} == {zones[1]}


# -- determinism and edge checks ----------------------------------------------------------------


def day(lab):
    spot = ecs_with_spot(lab, draining=True)
    lab.interrupt_spot(spot)
    lab.run(dt.timedelta(minutes=3))
    lab.release_ami("ecs")
    lab.lose_zone(lab.network().availability_zones[1])
    lab.run(dt.timedelta(minutes=1))
    return [(e["time"], e["source"], e["who"]) for e in lab.timeline_events()]


def test_the_same_interruptions_give_the_same_timeline():
    first, second = Lab(), Lab()
    try:
        assert day(first) == day(second)
    finally:
        first.close()
        second.close()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.one_of(text(max_size=20), st.integers(), st.none(), st.lists(text(max_size=3))))
def test_interruption_entry_points_answer_bad_input_with_lab_errors(lab, value):
    for call in (
        lambda: lab.interrupt_spot(value),
        lambda: lab.lose_zone(value),
        lambda: lab.stop_fargate_spot_tasks(value),
        lambda: lab.stop_fargate_spot_tasks("web", tasks=value),
    ):
        with pytest.raises(LabError) as info:
            call()
        assert info.value.hint
