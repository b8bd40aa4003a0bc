"""ECS cluster auto scaling through the Lab: Auto Scaling group capacity providers, tasks
waiting in PROVISIONING, instances of the group joining after booting, the
CapacityProviderReservation metric and managed scaling moving the group.

Sources (awscontainers/data/day2.yaml, ``ecs_cluster_auto_scaling``): Amazon ECS Developer
Guide, "Automatically manage Amazon ECS capacity with cluster auto scaling" (M / N x 100, 200
with no instances, every minute in AWS/ECS/ManagedScaling, scale-in after 15 datapoints,
scale-out waits for instanceWarmupPeriod, managed termination protection) and "Auto Scaling
group capacity providers" (without managed scaling you scale the group); Amazon ECS API
Reference, ManagedScaling (the ranges and defaults)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awscontainers import Lab
from awscontainers.errors import InvalidParameterError, LabError, ResourceInUseError
from awscontainers.rules.data import load_packaged
from awscontainers.sim import load
from awscontainers.sim.ecs.capacity_providers import (
    capacity_provider_reservation,
    check_capacity_provider,
    check_strategy,
)
from tests.strategies import text

from .conftest import register

FACTS = load_packaged("day2.yaml")["ecs_cluster_auto_scaling"]
JOIN = dt.timedelta(seconds=FACTS["launch_to_registration_seconds"])
MINUTE = dt.timedelta(minutes=1)
ARN = "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x:autoScalingGroupName/g"


def provider(lab, *, managed=True, protect=False, max_size=6, min_size=0, **scaling):
    """Cluster 'web' with group 'web-asg' (t3.medium, empty) behind capacity provider
    'web-cp', the cluster's default strategy; a task definition 'app' of 1 vCPU, 1 GiB (two
    fit on a t3.medium's 2,048 CPU units)."""
    lab.ecs.create_cluster(clusterName="web")
    group = lab.ecs.create_instance_group(
        "web", min_size=min_size, max_size=max_size, protect_from_scale_in=protect
    )
    lab.ecs.create_capacity_provider(
        name="web-cp",
        autoScalingGroupProvider={
            "autoScalingGroupArn": group["AutoScalingGroupARN"],
            "managedScaling": {"status": "ENABLED" if managed else "DISABLED", **scaling},
            "managedTerminationProtection": "ENABLED" if protect else "DISABLED",
        },
    )
    lab.ecs.put_cluster_capacity_providers(
        cluster="web",
        capacityProviders=["web-cp"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "web-cp", "weight": 1}],
    )
    register(lab, "app", cpu=1024, memory=1024)
    return group


def group_of(lab, name="web-asg"):
    return lab.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[name])[
        "AutoScalingGroups"
    ][0]


def statuses(lab, arns):
    tasks = lab.ecs.describe_tasks(cluster="web", tasks=arns)["tasks"]
    by_arn = {t["taskArn"]: t for t in tasks}
    return [by_arn[a]["lastStatus"] for a in arns]


def reservations(lab):
    end = lab.clock.peek() + MINUTE
    points = lab.cloudwatch.get_metric_statistics(
        Namespace="AWS/ECS/ManagedScaling",
        MetricName="CapacityProviderReservation",
        Dimensions=[
            {"Name": "ClusterName", "Value": "web"},
            {"Name": "CapacityProviderName", "Value": "web-cp"},
        ],
        StartTime=end - dt.timedelta(hours=3),
        EndTime=end,
        Period=60,
        Statistics=["Average"],
    )["Datapoints"]
    return [p["Average"] for p in sorted(points, key=lambda p: p["Timestamp"])]


def events(lab):
    return [e["message"] for e in lab.timeline_events()]


# -- PROVISIONING, then RUNNING once an instance of the group has joined -------------------


def test_tasks_wait_in_provisioning_and_start_in_order_when_an_instance_joins(lab):
    provider(lab, managed=False)
    tasks = lab.ecs.run_task(cluster="web", taskDefinition="app", count=3)
    assert tasks["failures"] == []
    arns = [t["taskArn"] for t in tasks["tasks"]]
    assert statuses(lab, arns) == ["PROVISIONING"] * 3
    assert {t["capacityProviderName"] for t in tasks["tasks"]} == {"web-cp"}
    assert lab.ecs.describe_clusters(clusters=["web"])["clusters"][0]["pendingTasksCount"] == 3

    # The learner scales the group; the instance boots for the documented delay first.
    lab.client("autoscaling").set_desired_capacity(
        AutoScalingGroupName="web-asg", DesiredCapacity=1
    )
    launched = lab.clock.peek()
    lab.run(until=launched + JOIN - dt.timedelta(seconds=15))
    assert lab.ecs.container_instances("web") == []
    assert statuses(lab, arns) == ["PROVISIONING"] * 3

    lab.run(until=launched + JOIN + dt.timedelta(seconds=15))
    # Room for two 1-vCPU tasks: the two oldest start, the third keeps waiting.
    assert statuses(lab, arns) == ["RUNNING", "RUNNING", "PROVISIONING"]
    described = lab.ecs.describe_tasks(cluster="web", tasks=arns[:1])["tasks"][0]
    assert described["containerInstanceArn"]
    assert described["capacityProviderName"] == "web-cp"
    assert described["createdAt"] < described["startedAt"]
    (instance,) = lab.ecs.container_instances("web")
    assert instance["instance"] == group_of(lab)["Instances"][0]["InstanceId"]
    ci = lab.ecs.describe_container_instances(
        cluster="web",
        containerInstances=lab.ecs.list_container_instances(cluster="web")["containerInstanceArns"],
    )["containerInstances"][0]
    assert ci["capacityProviderName"] == "web-cp"
    assert any("finished booting" in m and "2 task(s) started" in m for m in events(lab))

    # A second instance: the third task starts on it.
    lab.client("autoscaling").set_desired_capacity(
        AutoScalingGroupName="web-asg", DesiredCapacity=2
    )
    lab.run(until=JOIN + dt.timedelta(seconds=15))
    assert statuses(lab, arns) == ["RUNNING"] * 3


def test_a_stopped_provisioning_task_never_starts(lab):
    provider(lab, managed=False)
    arn = lab.ecs.run_task(cluster="web", taskDefinition="app")["tasks"][0]["taskArn"]
    stopped = lab.ecs.stop_task(cluster="web", task=arn)["task"]
    assert stopped["lastStatus"] == "STOPPED"
    lab.client("autoscaling").set_desired_capacity(
        AutoScalingGroupName="web-asg", DesiredCapacity=1
    )
    lab.run(until=JOIN + MINUTE)
    assert statuses(lab, [arn]) == ["STOPPED"]
    assert lab.ecs.container_instances("web")[0]["tasks"] == []


def test_a_service_through_the_provider_waits_instead_of_being_unable_to_place(lab):
    provider(lab, managed=False)
    lab.ecs.create_service(cluster="web", serviceName="api", taskDefinition="app", desiredCount=3)
    svc = lab.ecs.describe_services(cluster="web", services=["api"])["services"][0]
    assert (svc["runningCount"], svc["pendingCount"]) == (0, 3)
    assert not any("unable to place" in m for m in lab.ecs.service_events("web", "api"))
    assert not any("steady state" in m for m in lab.ecs.service_events("web", "api"))
    lab.client("autoscaling").set_desired_capacity(
        AutoScalingGroupName="web-asg", DesiredCapacity=2
    )
    lab.run(until=JOIN + MINUTE)
    svc = lab.ecs.describe_services(cluster="web", services=["api"])["services"][0]
    assert (svc["runningCount"], svc["pendingCount"]) == (3, 0)


def test_launch_type_ec2_still_fails_to_place_without_a_capacity_provider(lab):
    provider(lab, managed=False)
    # Explicitly EC2: the provider's strategy does not apply, and nothing waits.
    with pytest.raises(InvalidParameterError, match="No Container Instances"):
        lab.ecs.run_task(cluster="web", taskDefinition="app", launchType="EC2")
    lab.ecs.launch_instances("web", count=1)
    lab.ecs.run_task(cluster="web", taskDefinition="app", launchType="EC2", count=2)
    result = lab.ecs.run_task(cluster="web", taskDefinition="app", launchType="EC2")
    assert result["tasks"] == []
    assert result["failures"][0]["reason"] == "RESOURCE:CPU"
    lab.ecs.create_service(
        cluster="web", serviceName="ec2", taskDefinition="app", desiredCount=1, launchType="EC2"
    )
    assert any("unable to place" in m for m in lab.ecs.service_events("web", "ec2"))


# -- the metric and managed scaling ----------------------------------------------------------


def test_reservation_metric_is_m_over_n_and_200_with_no_instances(lab):
    provider(lab)
    lab.ecs.create_service(cluster="web", serviceName="api", taskDefinition="app", desiredCount=5)
    lab.run(until=MINUTE)
    # Five 1-vCPU tasks need 3 t3.medium (M = 3) and the group has none (N = 0).
    assert reservations(lab) == [200.0]
    assert group_of(lab)["DesiredCapacity"] == 3
    lab.run(until=5 * MINUTE, step=MINUTE)
    # Booting instances count in N; once joined the tasks run on all three: M = N = 3.
    assert set(reservations(lab)[1:]) == {capacity_provider_reservation(3, 3)} == {100.0}
    lab.ecs.update_service(cluster="web", service="api", desiredCount=1)
    lab.run(until=2 * MINUTE, step=MINUTE)
    busy = sum(1 for r in lab.ecs.container_instances("web") if r["tasks"])
    assert busy == 1
    assert reservations(lab)[-1] == pytest.approx(capacity_provider_reservation(1, 3))
    assert reservations(lab)[-1] == pytest.approx(100 / 3)


def test_target_capacity_below_100_keeps_spare_instances(lab):
    provider(lab, targetCapacity=50)
    lab.ecs.create_service(cluster="web", serviceName="api", taskDefinition="app", desiredCount=4)
    lab.run(until=10 * MINUTE, step=MINUTE)
    # M = 2 busy instances, target 50 %: N = ceil(2 x 100 / 50) = 4.
    assert group_of(lab)["DesiredCapacity"] == 4
    assert reservations(lab)[-1] == 50.0


def test_managed_scaling_grows_by_its_steps_then_shrinks_within_the_group_size(lab):
    provider(
        lab,
        protect=True,
        min_size=1,
        max_size=3,
        maximumScalingStepSize=1,
        instanceWarmupPeriod=120,
    )
    lab.ecs.create_service(cluster="web", serviceName="api", taskDefinition="app", desiredCount=8)
    sizes = []
    for _ in range(20):
        lab.run(until=MINUTE, step=MINUTE)
        sizes.append(group_of(lab)["DesiredCapacity"])
    # MinSize 1 starts one instance; then one instance a step, the next step only after the
    # 120 s warm-up, never above MaxSize 3 (8 tasks would need 4).
    assert sizes[0] == 2
    assert all(0 <= b - a <= 1 for a, b in zip(sizes, sizes[1:], strict=False))
    assert max(sizes) == 3
    grew = [0] + [i for i in range(1, len(sizes)) if sizes[i] > sizes[i - 1]]
    assert len(grew) == 2 and grew[1] - grew[0] >= 2
    assert any("at its max size" in m for m in events(lab))
    svc = lab.ecs.describe_services(cluster="web", services=["api"])["services"][0]
    assert (svc["runningCount"], svc["pendingCount"]) == (6, 2)

    # Scale the service in: 15 minutes below target, then the group shrinks to what the
    # remaining task needs, never below MinSize; the busy instance is protected and stays.
    lab.ecs.update_service(cluster="web", service="api", desiredCount=1)
    (task,) = lab.ecs.list_tasks(cluster="web", serviceName="api")["taskArns"]
    busy = lab.ecs.describe_tasks(cluster="web", tasks=[task])["tasks"][0]["containerInstanceArn"]
    lab.run(until=14 * MINUTE, step=MINUTE)
    assert group_of(lab)["DesiredCapacity"] == 3
    lab.run(until=3 * MINUTE, step=MINUTE)
    group = group_of(lab)
    assert group["DesiredCapacity"] == 1
    assert len(group["Instances"]) == 1
    assert statuses(lab, [task]) == ["RUNNING"]
    left = lab.ecs.list_container_instances(cluster="web")["containerInstanceArns"]
    assert left == [busy]
    assert any("scaling in" in m and "from 3 to 1" in m for m in events(lab))


def test_without_managed_scaling_nothing_grows_and_the_timeline_says_whose_job_it_is(lab):
    provider(lab, managed=False)
    lab.ecs.create_service(cluster="web", serviceName="api", taskDefinition="app", desiredCount=2)
    lab.run(until=30 * MINUTE, step=MINUTE)
    group = group_of(lab)
    assert (group["DesiredCapacity"], group["Instances"]) == (0, [])
    svc = lab.ecs.describe_services(cluster="web", services=["api"])["services"][0]
    assert (svc["runningCount"], svc["pendingCount"]) == (0, 2)
    said = [m for m in events(lab) if "managed scaling is DISABLED" in m]
    assert len(said) == 1  # said once, not every minute
    assert "2 task(s) wait in PROVISIONING" in said[0]
    assert "set_desired_capacity" in said[0]
    assert reservations(lab) == []  # ECS publishes the metric only with managed scaling

    # The learner turns managed scaling on (a bad target first: refused, nothing changes).
    with pytest.raises(InvalidParameterError, match="targetCapacity"):
        lab.ecs.update_capacity_provider(
            name="web-cp", autoScalingGroupProvider={"managedScaling": {"targetCapacity": 0}}
        )
    lab.ecs.update_capacity_provider(
        name="web-cp", autoScalingGroupProvider={"managedScaling": {"status": "ENABLED"}}
    )
    lab.run(until=5 * MINUTE, step=MINUTE)
    assert group_of(lab)["DesiredCapacity"] == 1
    svc = lab.ecs.describe_services(cluster="web", services=["api"])["services"][0]
    assert (svc["runningCount"], svc["pendingCount"]) == (2, 0)


def test_the_same_inputs_give_the_same_timeline():
    def day() -> list:
        with Lab() as lab:
            provider(lab, protect=True)
            lab.ecs.create_service(
                cluster="web", serviceName="api", taskDefinition="app", desiredCount=5
            )
            lab.run(until=10 * MINUTE, step=MINUTE)
            lab.ecs.update_service(cluster="web", service="api", desiredCount=0)
            lab.run(until=20 * MINUTE, step=MINUTE)
            # moto's instance ids never repeat in a process: compare times and kinds of event.
            return [(e["time"], e["message"]) for e in lab.timeline_events()]

    first, second = day(), day()
    assert any("scaling in" in m for _, m in first)

    def same(rows: list) -> list:
        return [(t, re.sub(r"i-[0-9a-f]+|[0-9a-f]{8}-[0-9a-f-]{27}", "<id>", m)) for t, m in rows]

    assert same(first) == same(second)


# -- what ECS refuses, before anything is made ---------------------------------------------


def test_managed_termination_protection_needs_a_protected_group_and_managed_scaling(lab):
    lab.ecs.create_cluster(clusterName="web")
    group = lab.ecs.create_instance_group("web")
    spec = {
        "autoScalingGroupArn": group["AutoScalingGroupARN"],
        "managedScaling": {"status": "ENABLED"},
        "managedTerminationProtection": "ENABLED",
    }
    with pytest.raises(InvalidParameterError, match="instance protection from scale in"):
        lab.ecs.create_capacity_provider(name="cp", autoScalingGroupProvider=spec)
    spec["managedScaling"] = {"status": "DISABLED"}
    with pytest.raises(InvalidParameterError, match="managed scaling"):
        lab.ecs.create_capacity_provider(name="cp", autoScalingGroupProvider=spec)
    assert lab.ecs.describe_capacity_providers()["capacityProviders"] == []


def test_providers_and_strategies_are_checked_against_the_cluster(lab):
    group = provider(lab, managed=True)
    with pytest.raises(LabError, match="already"):
        lab.ecs.create_capacity_provider(
            name="web-cp2",
            autoScalingGroupProvider={"autoScalingGroupArn": group["AutoScalingGroupARN"]},
        )
    with pytest.raises(LabError, match="not found"):
        lab.ecs.put_cluster_capacity_providers(
            cluster="web", capacityProviders=["nope"], defaultCapacityProviderStrategy=[]
        )
    with pytest.raises(InvalidParameterError, match="not associated"):
        lab.ecs.put_cluster_capacity_providers(
            cluster="web",
            capacityProviders=[],
            defaultCapacityProviderStrategy=[{"capacityProvider": "web-cp", "weight": 1}],
        )
    with pytest.raises(InvalidParameterError, match="cannot mix"):
        lab.ecs.run_task(
            cluster="web",
            taskDefinition="app",
            capacityProviderStrategy=[
                {"capacityProvider": "web-cp", "weight": 1},
                {"capacityProvider": "FARGATE", "weight": 1},
            ],
        )
    # Managed scaling: one cluster per provider.
    lab.ecs.create_cluster(clusterName="other")
    with pytest.raises(ResourceInUseError, match="serves cluster 'web'"):
        lab.ecs.put_cluster_capacity_providers(
            cluster="other", capacityProviders=["web-cp"], defaultCapacityProviderStrategy=[]
        )
    # In use: a waiting task keeps the provider on the cluster, and the cluster on it.
    lab.ecs.run_task(cluster="web", taskDefinition="app")
    with pytest.raises(ResourceInUseError, match="in use"):
        lab.ecs.put_cluster_capacity_providers(
            cluster="web", capacityProviders=[], defaultCapacityProviderStrategy=[]
        )
    with pytest.raises(ResourceInUseError, match="associated with cluster"):
        lab.ecs.delete_capacity_provider(capacityProvider="web-cp")
    cluster = lab.ecs.describe_clusters(clusters=["web"])["clusters"][0]
    assert cluster["capacityProviders"] == ["web-cp"]


def test_teardown_removes_the_provider_and_its_group(lab):
    provider(lab)
    lab.ecs.create_service(cluster="web", serviceName="api", taskDefinition="app", desiredCount=3)
    lab.run(until=5 * MINUTE, step=MINUTE)
    assert lab.ecs.container_instances("web")
    lab.teardown()
    assert lab.ecs.describe_capacity_providers()["capacityProviders"] == []
    groups = lab.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]
    assert groups == []
    assert lab.ledger == []


# -- properties of the checks ------------------------------------------------------------------

_numbers = st.one_of(st.integers(-5, 12000), st.booleans(), text(max_size=3), st.none())


@given(
    target=_numbers,
    step_min=_numbers,
    step_max=_numbers,
    warmup=_numbers,
    status=st.sampled_from(["ENABLED", "DISABLED", "enabled", 1]),
    protection=st.sampled_from(["ENABLED", "DISABLED", "yes"]),
)
def test_a_capacity_provider_is_accepted_exactly_when_ecs_would_accept_it(
    target, step_min, step_max, warmup, status, protection
):
    scaling = {"status": status}
    for key, value in (
        ("targetCapacity", target),
        ("minimumScalingStepSize", step_min),
        ("maximumScalingStepSize", step_max),
        ("instanceWarmupPeriod", warmup),
    ):
        if value is not None:
            scaling[key] = value
    spec = {
        "autoScalingGroupArn": ARN,
        "managedScaling": scaling,
        "managedTerminationProtection": protection,
    }

    def whole(v, low, high, default):
        v = default if v is None else v
        return isinstance(v, int) and not isinstance(v, bool) and low <= v <= high

    valid = (
        status in ("ENABLED", "DISABLED")
        and whole(target, 1, 100, 100)
        and whole(step_min, 1, 10000, 1)
        and whole(step_max, 1, 10000, 10000)
        and (1 if step_min is None else step_min) <= (10000 if step_max is None else step_max)
        and whole(warmup, 0, 10000, 300)
        and protection in ("ENABLED", "DISABLED")
        and not (protection == "ENABLED" and status != "ENABLED")
    )
    if valid:
        settings_ = check_capacity_provider("web-cp", spec)["managedScaling"]
        assert 1 <= settings_["targetCapacity"] <= 100
        assert settings_["minimumScalingStepSize"] <= settings_["maximumScalingStepSize"]
    else:
        with pytest.raises(InvalidParameterError):
            check_capacity_provider("web-cp", spec)


@given(
    weights=st.lists(st.integers(-2, 1100), min_size=1, max_size=3),
    bases=st.lists(st.integers(-1, 100010), min_size=1, max_size=3),
    fargate=st.booleans(),
)
def test_a_strategy_is_accepted_exactly_when_ecs_would_accept_it(weights, bases, fargate):
    names = ["FARGATE", "FARGATE_SPOT", "web-cp"] if fargate else ["a", "b", "c"]
    strategy = [
        {"capacityProvider": names[i], "weight": w, "base": b}
        for i, (w, b) in enumerate(zip(weights, bases, strict=False))
    ]
    valid = (
        all(0 <= i["weight"] <= 1000 and 0 <= i["base"] <= 100000 for i in strategy)
        and sum(1 for i in strategy if i["base"]) <= 1
        and not (fargate and len(strategy) == 3)  # FARGATE, FARGATE_SPOT and web-cp mixed
    )
    if valid:
        assert check_strategy(strategy) == strategy
    else:
        with pytest.raises(InvalidParameterError):
            check_strategy(strategy)


@pytest.fixture(scope="module")
def shared():
    lab = Lab()
    lab.ecs.create_cluster(clusterName="web")
    group = lab.ecs.create_instance_group("web", protect_from_scale_in=True)
    yield lab, group["AutoScalingGroupARN"]
    lab.close()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(target=st.integers(-3, 130), step_max=st.integers(-1, 10002), warmup=st.integers(-2, 10002))
def test_a_refused_create_capacity_provider_makes_nothing(shared, target, step_max, warmup):
    lab, arn = shared
    params = {
        "name": "web-cp",
        "autoScalingGroupProvider": {
            "autoScalingGroupArn": arn,
            "managedScaling": {
                "status": "ENABLED",
                "targetCapacity": target,
                "maximumScalingStepSize": step_max,
                "instanceWarmupPeriod": warmup,
            },
            "managedTerminationProtection": "ENABLED",
        },
    }
    valid = 1 <= target <= 100 and 1 <= step_max <= 10000 and 0 <= warmup <= 10000
    try:
        lab.ecs.create_capacity_provider(**params)
    except LabError:
        assert not valid
        assert lab.ecs.describe_capacity_providers()["capacityProviders"] == []
        assert not lab.created("ecs-capacity-provider")
    else:
        assert valid
        (made,) = lab.ecs.describe_capacity_providers()["capacityProviders"]
        assert made["autoScalingGroupProvider"]["managedScaling"]["targetCapacity"] == target
        lab.ecs.delete_capacity_provider(capacityProvider="web-cp")


def test_service_auto_scaling_and_cluster_auto_scaling_work_together(lab):
    """Application Auto Scaling raises the desired count; the new tasks wait in PROVISIONING
    until managed scaling has added instances, never "unable to place"."""
    provider(lab, protect=True, max_size=10)
    lab.ecs.create_service(cluster="web", serviceName="api", taskDefinition="app", desiredCount=2)
    aas = lab.application_autoscaling
    aas.register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId="service/web/api",
        ScalableDimension="ecs:service:DesiredCount",
        MinCapacity=1,
        MaxCapacity=10,
    )
    aas.put_scaling_policy(
        PolicyName="cpu50",
        ServiceNamespace="ecs",
        ResourceId="service/web/api",
        ScalableDimension="ecs:service:DesiredCount",
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 50.0,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
            },
        },
    )
    # 3 vCPU of work on 1-vCPU tasks at a 50 % target: six tasks, three t3.medium.
    lab.day2.load_service("web", "api", load.constant(3))
    rows = lab.run(until=30 * MINUTE, step=MINUTE)
    assert max(r["pending"] for r in rows) > 0
    last = rows[-1]
    assert (last["desired"], last["running"], last["pending"], last["nodes"]) == (6, 6, 0, 3)
    assert group_of(lab)["DesiredCapacity"] == 3
    assert not any("unable to place" in m for m in lab.ecs.service_events("web", "api", 50))
