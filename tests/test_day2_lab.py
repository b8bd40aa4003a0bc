"""Day 2 through the Lab: simulated time, loads, CloudWatch, ECS Service Auto Scaling and the
HorizontalPodAutoscaler, the timeline. Sources of each figure: awscontainers/data/day2.yaml."""

from __future__ import annotations

import datetime as dt

import pytest

from awscontainers import Lab, manifests
from awscontainers.errors import InvalidParameterError, NotFoundError
from awscontainers.sim import load

from .conftest import register, register_fargate

POLICY = {
    "TargetValue": 50.0,
    "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
}


def fargate_service(lab, desired=2, cpu="512"):
    lab.ecs.create_cluster(clusterName="fg")
    register_fargate(lab, cpu=cpu, memory="1024")
    lab.ecs.create_service(
        cluster="fg",
        serviceName="web",
        taskDefinition="fg",
        desiredCount=desired,
        launchType="FARGATE",
    )


def autoscale(lab, cluster="fg", low=1, high=10, **config):
    aas = lab.application_autoscaling
    rid = f"service/{cluster}/web"
    aas.register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId=rid,
        ScalableDimension="ecs:service:DesiredCount",
        MinCapacity=low,
        MaxCapacity=high,
    )
    return aas.put_scaling_policy(
        PolicyName="cpu50",
        ServiceNamespace="ecs",
        ResourceId=rid,
        ScalableDimension="ecs:service:DesiredCount",
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={**POLICY, **config},
    )


def desired(lab, cluster="fg"):
    return lab.ecs.describe_services(cluster=cluster, services=["web"])["services"][0][
        "desiredCount"
    ]


def test_scale_out_waits_for_three_datapoints_then_follows_metric_over_target(lab):
    fargate_service(lab)
    autoscale(lab)
    # 0.75 vCPU over two 0.5-vCPU tasks: 75 % against a 50 % target.
    lab.day2.load_service("fg", "web", load.constant(0.75))
    lab.run(until=dt.timedelta(minutes=2, seconds=50), step=dt.timedelta(seconds=10))
    assert desired(lab) == 2  # two datapoints so far: AlarmHigh needs 3 of 3
    lab.run(until=dt.timedelta(seconds=60))
    assert desired(lab) == 3  # ceil(2 x 75 / 50)
    activity = lab.application_autoscaling.describe_scaling_activities(ServiceNamespace="ecs")[
        "ScalingActivities"
    ][0]
    assert activity["Description"] == "Setting desired count to 3."
    assert "AlarmHigh" in activity["Cause"]
    service = lab.ecs.describe_services(cluster="fg", services=["web"])["services"][0]
    assert service["runningCount"] == 3  # on Fargate each new task just starts


def test_scale_in_waits_for_fifteen_datapoints_under_ninety_percent_and_its_cooldown(lab):
    fargate_service(lab, desired=8)
    autoscale(lab, low=2)
    lab.day2.load_service("fg", "web", load.constant(1.0))  # 25 % of 8 x 0.5 vCPU
    lab.run(until=dt.timedelta(minutes=14, seconds=30), step=dt.timedelta(seconds=30))
    assert desired(lab) == 8  # 14 datapoints under 45 %: AlarmLow needs 15 of 15
    lab.run(until=dt.timedelta(minutes=1))
    assert desired(lab) == 4  # ceil(8 x 25 / 50)
    # The metric is now 50 %: no further scale-in.
    lab.run(until=dt.timedelta(minutes=30), step=dt.timedelta(minutes=1))
    assert desired(lab) == 4


def test_scale_out_cooldown_and_max_capacity_bound_the_service(lab):
    fargate_service(lab)
    autoscale(lab, high=5, ScaleOutCooldown=300)
    lab.day2.load_service("fg", "web", load.constant(10))  # far beyond any capacity
    lab.run(until=dt.timedelta(minutes=3, seconds=5), step=dt.timedelta(minutes=1))
    assert desired(lab) == 4  # utilisation stops at 100 %: 2 x 100 / 50
    lab.run(until=dt.timedelta(minutes=4), step=dt.timedelta(minutes=1))
    assert desired(lab) == 4  # still in the 300 s scale-out cooldown
    lab.run(until=dt.timedelta(minutes=2), step=dt.timedelta(minutes=1))
    assert desired(lab) == 5  # MaxCapacity


def test_on_ec2_new_tasks_still_need_room_and_the_service_event_says_so(lab):
    lab.ecs.create_cluster(clusterName="ec2")
    lab.ecs.launch_instances("ec2", count=1, instance_type="t3.medium")  # 2048 CPU units
    register(lab, "web", cpu=1024, memory=512)
    lab.ecs.create_service(cluster="ec2", serviceName="web", taskDefinition="web", desiredCount=1)
    autoscale(lab, cluster="ec2")
    lab.day2.load_service("ec2", "web", load.constant(4))
    lab.run(until=dt.timedelta(minutes=10), step=dt.timedelta(minutes=1))
    service = lab.ecs.describe_services(cluster="ec2", services=["web"])["services"][0]
    assert service["desiredCount"] > 2
    assert service["runningCount"] == 2  # one t3.medium holds two 1024-unit tasks
    messages = [e["message"] for e in lab.timeline_events()]
    assert any("unable to place a task" in m for m in messages)
    assert lab.timeline()[-1]["nodes"] == 1


def test_cloudwatch_serves_the_service_cpu_per_minute(lab):
    fargate_service(lab)
    lab.day2.load_service("fg", "web", load.step(0.5, 1.0, at=dt.timedelta(minutes=5)))
    start = lab.clock.peek()
    lab.run(until=dt.timedelta(minutes=10), step=dt.timedelta(minutes=1))
    points = lab.cloudwatch.get_metric_statistics(
        Namespace="AWS/ECS",
        MetricName="CPUUtilization",
        Dimensions=[
            {"Name": "ClusterName", "Value": "fg"},
            {"Name": "ServiceName", "Value": "web"},
        ],
        StartTime=start,
        EndTime=lab.clock.peek(),
        Period=60,
        Statistics=["Average"],
    )["Datapoints"]
    assert len(points) == 10  # one a minute
    assert [p["Average"] for p in points] == [50.0] * 4 + [100.0] * 6
    assert {p["Unit"] for p in points} == {"Percent"}
    with pytest.raises(InvalidParameterError, match="dimension"):
        lab.cloudwatch.get_metric_statistics(
            Namespace="AWS/ECS",
            MetricName="CPUUtilization",
            Dimensions=["fg"],
            StartTime=start,
            EndTime=lab.clock.peek(),
            Period=60,
            Statistics=["Average"],
        )


@pytest.mark.parametrize(
    "target, config, match",
    [
        ({"ResourceId": "service/fg/nope"}, None, "ECS service doesn't exist"),
        ({"ResourceId": "fg/web"}, None, "not an ECS service"),
        ({"ScalableDimension": "ecs:service:Memory"}, None, "not valid"),
        ({"MinCapacity": 5, "MaxCapacity": 2}, None, "cannot be greater"),
        ({"MinCapacity": -1}, None, "whole number"),
        ({}, {"TargetValue": 0}, "TargetValue"),
        ({}, {"TargetValue": "50"}, "TargetValue"),
        ({}, {"PredefinedMetricSpecification": {"PredefinedMetricType": "X"}}, "not simulated"),
        ({}, {"ScaleInCooldown": -5}, "ScaleInCooldown"),
    ],
)
def test_application_auto_scaling_refuses_bad_calls(lab, target, config, match):
    fargate_service(lab)
    params = {
        "ServiceNamespace": "ecs",
        "ResourceId": "service/fg/web",
        "ScalableDimension": "ecs:service:DesiredCount",
        "MinCapacity": 1,
        "MaxCapacity": 4,
        **target,
    }
    with pytest.raises(InvalidParameterError, match=match):
        lab.application_autoscaling.register_scalable_target(**params)
        lab.application_autoscaling.put_scaling_policy(
            PolicyName="p",
            ServiceNamespace="ecs",
            ResourceId="service/fg/web",
            ScalableDimension="ecs:service:DesiredCount",
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={**POLICY, **(config or {})},
        )


def test_describe_calls_show_targets_and_policies(lab):
    fargate_service(lab)
    autoscale(lab)
    aas = lab.application_autoscaling
    target = aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"][0]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (1, 10)
    policy = aas.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"][0]
    config = policy["TargetTrackingScalingPolicyConfiguration"]
    assert (config["ScaleOutCooldown"], config["ScaleInCooldown"]) == (300, 300)
    aas.deregister_scalable_target(
        ServiceNamespace="ecs",
        ResourceId="service/fg/web",
        ScalableDimension="ecs:service:DesiredCount",
    )
    assert aas.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"] == []


# -- EKS ----------------------------------------------------------------------------------------


def eks_with_hpa(lab, metrics_server=True):
    lab.eks.create_cluster(name="demo")
    lab.eks.create_access_entry(
        clusterName="demo", principalArn=lab.role_arn("eks-node"), type="EC2_LINUX"
    )
    lab.eks.launch_self_managed_nodes("demo", count=3)
    k = lab.kube("demo")
    if metrics_server:
        k.install_metrics_server()
    k.apply(manifests.sample_deployment(replicas=2, cpu="250m"))
    k.apply(
        {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web"},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                "minReplicas": 1,
                "maxReplicas": 12,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "averageUtilization": 50},
                        },
                    }
                ],
            },
        }
    )
    return k


def test_hpa_does_nothing_until_a_metrics_server_is_installed(lab):
    k = eks_with_hpa(lab, metrics_server=False)
    lab.day2.load_deployment("demo", "web", load.constant(1.0))
    lab.run(until=dt.timedelta(minutes=2))
    assert k.get("Deployment", "default", "web")["spec"]["replicas"] == 2
    with pytest.raises(NotFoundError, match="pods.metrics.k8s.io"):
        k.top_pods()
    warnings = [e for e in k.events() if e["reason"] == "FailedGetResourceMetric"]
    assert len(warnings) == 1 and warnings[0]["count"] == 8  # every 15 s, one event
    k.install_metrics_server()
    lab.run(until=dt.timedelta(seconds=30))
    assert k.get("Deployment", "default", "web")["spec"]["replicas"] == 8  # ceil(2 x 200/50)
    # The Metrics Server scraped before the last rescale; its next scrape sees 8 pods.
    assert {row["cpu"] for row in k.top_pods("default")} == {"167m"}  # 1 vCPU / 6
    lab.run(until=dt.timedelta(seconds=15))
    assert {row["cpu"] for row in k.top_pods("default")} == {"125m"}  # 1 vCPU / 8


def test_the_timeline_rows_and_events_for_a_deployment(lab):
    eks_with_hpa(lab)
    lab.day2.load_deployment("demo", "web", load.step(0.25, 1.0, at=dt.timedelta(minutes=1)))
    rows = lab.run(until=dt.timedelta(minutes=2), step=dt.timedelta(seconds=30))
    assert [r["desired"] for r in rows] == [2, 6, 8, 8]
    assert rows[-1]["cpu_percent"] == 50.0
    assert set(rows[0]) == {
        "time",
        "target",
        "load_vcpu",
        "desired",
        "running",
        "pending",
        "nodes",
        "cpu_percent",
    }
    assert rows[0]["nodes"] == 3
    events = lab.timeline_events()
    assert [e["message"].split(";")[0] for e in events] == [
        "SuccessfulRescale: New size: 6",
        "SuccessfulRescale: New size: 8",
    ]


def test_run_refuses_bad_times_and_real_time_is_never_waited_on(lab):
    with pytest.raises(InvalidParameterError, match="until"):
        lab.run(until=5)
    with pytest.raises(InvalidParameterError, match="step"):
        lab.run(until=dt.timedelta(minutes=1), step=dt.timedelta(0))
    with pytest.raises(InvalidParameterError, match="before the lab's time"):
        lab.run(until=lab.clock.peek() - dt.timedelta(minutes=1))
    before = lab.clock.peek()
    lab.run(until=dt.timedelta(hours=6), step=dt.timedelta(hours=1))
    assert lab.clock.peek() - before == dt.timedelta(hours=6)
    with pytest.raises(InvalidParameterError, match="LoadCurve"):
        lab.day2.load_service("fg", "web", 3)


def day_of(seed):
    with Lab(seed=seed) as lab:
        fargate_service(lab)
        autoscale(lab)
        lab.day2.load_service("fg", "web", load.daily(low=0.2, high=3, peak_hour=12))
        eks_with_hpa(lab)
        lab.day2.load_deployment(
            "demo",
            "web",
            load.points(
                [(dt.timedelta(0), 0.2), (dt.timedelta(hours=1), 2.0), (dt.timedelta(hours=2), 0.1)]
            ),
        )
        lab.run(until=dt.timedelta(hours=3), step=dt.timedelta(minutes=1))
        return str(lab.timeline()), str(lab.timeline_events())


def test_same_inputs_give_the_same_timeline():
    first, again = day_of(7), day_of(7)
    assert first == again
    assert "SuccessfulRescale" in first[1] and "Setting desired count" in first[1]


def test_advance_alone_drives_the_hpa_and_pods_without_room_stay_pending(lab):
    lab.eks.create_cluster(name="demo")
    lab.eks.create_access_entry(
        clusterName="demo", principalArn=lab.role_arn("eks-node"), type="EC2_LINUX"
    )
    lab.eks.launch_self_managed_nodes("demo", count=1)  # one t3.medium: room for a few pods
    k = lab.kube("demo")
    k.install_metrics_server()
    k.apply(manifests.sample_deployment(replicas=1, cpu="500m"))
    k.apply(
        {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web"},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                "maxReplicas": 10,
            },  # no metrics: autoscaling/v2's default, 80 % CPU
        }
    )
    assert k.get("hpa", "default", "web")["spec"]["metrics"][0]["resource"]["target"] == {
        "type": "Utilization",
        "averageUtilization": 80,
    }
    lab.day2.load_deployment("demo", "web", load.constant(4))
    lab.advance(minutes=1)  # no run(): the controllers act all the same
    assert k.get("Deployment", "default", "web")["spec"]["replicas"] == 10
    rows = lab.run(until=dt.timedelta(seconds=15))
    assert rows[-1]["pending"] > 0 and rows[-1]["running"] + rows[-1]["pending"] == 10
    reasons = {e["message"].split(":")[0] for e in lab.timeline_events()}
    assert "FailedScheduling" in reasons
