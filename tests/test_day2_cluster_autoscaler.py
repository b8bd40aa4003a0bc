"""The Cluster Autoscaler on EKS with EC2 nodes, configured on both sides (Kubernetes and
AWS). Figures: awscontainers/data/day2.yaml, ``cluster_autoscaler``; source: the
cluster-autoscaler FAQ (scan-interval 10s, scale-down-utilization-threshold 0.5,
scale-down-unneeded-time 10m, scale-down-delay-after-add 10m,
https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/FAQ.md) and its AWS
README (IAM actions, auto-discovery tags k8s.io/cluster-autoscaler/enabled and
k8s.io/cluster-autoscaler/<cluster>)."""

from __future__ import annotations

import datetime as dt

from awscontainers import manifests
from awscontainers.sim.day2 import cluster_autoscaler

GROUP = "demo-self-managed"


def self_managed(lab, count=1):
    lab.eks.create_cluster(name="demo")
    lab.eks.create_access_entry(
        clusterName="demo", principalArn=lab.role_arn("eks-node"), type="EC2_LINUX"
    )
    lab.eks.launch_self_managed_nodes("demo", count=count)  # t3.medium, max 2 x count
    return lab.kube("demo")


def tag(lab, group=GROUP):
    lab.client("autoscaling").create_or_update_tags(
        Tags=[
            {
                "ResourceId": group,
                "ResourceType": "auto-scaling-group",
                "Key": key,
                "Value": "true",
                "PropagateAtLaunch": False,
            }
            for key in (cluster_autoscaler.ENABLED_TAG, cluster_autoscaler.cluster_tag("demo"))
        ]
    )


def messages(lab):
    return [e["message"] for e in lab.timeline_events() if e["source"] == "cluster-autoscaler"]


def group_size(lab, group=GROUP):
    found = lab.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[group])
    return len(found["AutoScalingGroups"][0]["Instances"])


def test_figures_are_the_documented_defaults():
    rules = cluster_autoscaler.RULES
    assert rules["scan_interval_seconds"] == 10
    assert rules["scale_down_utilization_threshold"] == 0.5
    assert rules["scale_down_unneeded_time_seconds"] == 600
    assert rules["scale_down_delay_after_add_seconds"] == 600
    assert "autoscaling:SetDesiredCapacity" in rules["iam_actions"]
    assert "source" in rules and "checked" in rules


def test_nothing_configured_nothing_scales_and_nothing_is_said(lab):
    k = self_managed(lab)
    k.apply(manifests.sample_deployment(replicas=6, cpu="500m"))
    lab.advance(minutes=2)
    assert group_size(lab) == 1
    assert messages(lab) == []


def test_kubernetes_side_alone_says_the_permission_is_missing(lab):
    k = self_managed(lab)
    k.install_cluster_autoscaler()
    tag(lab)
    k.apply(manifests.sample_deployment(replicas=6, cpu="500m"))
    lab.advance(minutes=2)
    assert group_size(lab) == 1
    assert len(messages(lab)) == 1  # said once, not at every scan
    assert "not permitted to call autoscaling:SetDesiredCapacity" in messages(lab)[0]


def test_aws_side_alone_says_it_is_not_installed(lab):
    k = self_managed(lab)
    policy = lab.eks.allow_cluster_autoscaler("demo")
    assert "autoscaling:SetDesiredCapacity" in policy["policy"]["Statement"][0]["Action"]
    tag(lab)
    k.apply(manifests.sample_deployment(replicas=6, cpu="500m"))
    lab.advance(minutes=1)
    assert group_size(lab) == 1
    assert messages(lab) == [
        "cluster-autoscaler is not installed: the AWS side is ready but no Cluster Autoscaler "
        "runs in kube-system, so Pending pods stay Pending; install it: "
        "lab.kube('demo').install_cluster_autoscaler()."
    ]


def test_a_self_managed_group_needs_the_discovery_tags(lab):
    k = self_managed(lab)
    k.install_cluster_autoscaler()
    lab.eks.allow_cluster_autoscaler("demo")
    k.apply(manifests.sample_deployment(replicas=6, cpu="500m"))
    lab.advance(minutes=1)
    assert group_size(lab) == 1
    assert messages(lab)[-1].startswith(f"node group {GROUP} is not tagged for cluster-autoscaler")
    tag(lab)
    lab.advance(seconds=15)
    assert group_size(lab) == 2


def test_scale_up_fits_pending_pods_within_max_and_they_run(lab):
    k = self_managed(lab, count=2)  # max 4 nodes
    k.install_cluster_autoscaler()
    lab.eks.allow_cluster_autoscaler("demo")
    tag(lab)
    # A t3.medium has 1930m allocatable: three 500m pods per node.
    k.apply(manifests.sample_deployment(replicas=9, cpu="500m"))
    pending = [p for p in k.get("Pod")["items"] if not p["spec"].get("nodeName")]
    # Two nodes hold six (one also runs the autoscaler's 100m): three pending, one node's worth.
    assert len(pending) == 3
    lab.advance(seconds=15)  # one scan
    assert group_size(lab) == 3
    assert messages(lab)[-1].startswith(
        f"TriggeredScaleUp: pod triggered scale-up: [{{{GROUP} 2->3"
    )
    assert all(p["spec"].get("nodeName") for p in k.get("Pod")["items"])
    # More pods than the max allows: the group stays at its max and CA says so.
    k.scale("web", 30)
    lab.advance(seconds=15)
    assert group_size(lab) == 4  # the max: 2 x the 2 launched
    assert messages(lab)[-1].startswith(
        f"TriggeredScaleUp: pod triggered scale-up: [{{{GROUP} 3->4"
    )
    lab.advance(seconds=15)
    assert group_size(lab) == 4
    assert messages(lab)[-1].startswith("NotTriggerScaleUp")


def test_a_managed_nodegroup_is_already_tagged(lab):
    lab.eks.create_cluster(name="demo")
    lab.eks.create_nodegroup(
        clusterName="demo",
        nodegroupName="ng",
        scalingConfig={"minSize": 1, "maxSize": 5, "desiredSize": 1},
    )
    k = lab.kube("demo")
    k.install_cluster_autoscaler()
    lab.eks.allow_cluster_autoscaler("demo")
    k.apply(manifests.sample_deployment(replicas=6, cpu="500m"))
    lab.advance(seconds=15)
    assert len(k.get("Node")["items"]) > 1
    assert all(p["spec"].get("nodeName") for p in k.get("Pod")["items"])


def test_scale_down_after_ten_minutes_under_half_and_not_within_ten_after_a_scale_up(lab):
    k = self_managed(lab, count=1)  # max 2
    k.install_cluster_autoscaler()
    lab.eks.allow_cluster_autoscaler("demo")
    tag(lab)
    k.apply(manifests.sample_deployment(replicas=5, cpu="500m"))
    lab.advance(seconds=15)
    assert group_size(lab) == 2
    up = lab.day2.timeline_events()[-1]["time"]
    k.scale("web", 1)  # now both nodes are under 50 % requested
    # Unneeded for 10 min and 10 min after the scale-up: the same span here. Just before it
    # ends, nothing goes.
    lab.run(until=up + dt.timedelta(minutes=10) - dt.timedelta(seconds=15))
    assert group_size(lab) == 2
    lab.run(until=dt.timedelta(seconds=30))
    assert group_size(lab) == 1
    removed = [m for m in messages(lab) if m.startswith("ScaleDown")]
    assert len(removed) == 1 and "under 50% requested for 10 min" in removed[0]
    # The kube-system pod (the autoscaler's) kept its node; the web pod runs.
    assert all(p["spec"].get("nodeName") for p in k.get("Pod")["items"])


def test_scale_down_respects_the_groups_min_size(lab):
    k = self_managed(lab, count=2)
    lab.eks.scale_self_managed_nodes("demo", desired=2)  # min 0 ... keep this group at 2
    lab.client("autoscaling").update_auto_scaling_group(AutoScalingGroupName=GROUP, MinSize=2)
    k.install_cluster_autoscaler()
    lab.eks.allow_cluster_autoscaler("demo")
    tag(lab)
    lab.advance(minutes=25)
    assert group_size(lab) == 2
