"""EKS Auto Mode: a cluster created with computeConfig enabled runs Karpenter for you (no
install, no permissions), with the built-in NodePools general-purpose and system, and
replaces every node by 21 days. Figures: data/day2.yaml ``auto_mode`` (EKS User Guide:
"Enable or Disable Built-in NodePools", "Automate cluster infrastructure with EKS Auto Mode")."""

from __future__ import annotations

import pytest

from awscontainers import manifests
from awscontainers.errors import InvalidParameterError
from awscontainers.sim.day2 import karpenter

ON = {"enabled": True}


def auto_cluster(lab, pools=("general-purpose", "system")):
    role = lab.role_arn("eks-node")
    response = lab.eks.create_cluster(
        name="auto",
        computeConfig={"enabled": True, "nodePools": list(pools), "nodeRoleArn": role},
        storageConfig={"blockStorage": ON},
        kubernetesNetworkConfig={"elasticLoadBalancing": ON},
    )
    return response, lab.kube("auto")


def auto_pool(name, **kwargs):
    """A NodePool of one's own on Auto Mode's built-in NodeClass, with no requirements of its
    own (``kwargs`` as for ``sample_node_pool``)."""
    from awscontainers.sim.kube.karpenter import sample_node_pool

    pool = sample_node_pool(name, **kwargs)
    pool["spec"]["template"]["spec"]["nodeClassRef"] = {
        "group": "eks.amazonaws.com",
        "kind": "NodeClass",
        "name": "default",
    }
    pool["spec"]["template"]["spec"]["requirements"] = []
    return pool


def notes(lab):
    return [e["message"] for e in lab.timeline_events() if e["source"] == "karpenter"]


def test_the_built_in_node_pools_are_there(lab):
    response, k = auto_cluster(lab)
    assert response["cluster"]["computeConfig"]["nodePools"] == ["general-purpose", "system"]
    described = lab.eks.describe_cluster(name="auto")["cluster"]
    assert described["computeConfig"]["enabled"] is True
    pools = {p["metadata"]["name"]: p for p in k.get("NodePool")["items"]}
    assert sorted(pools) == ["general-purpose", "system"]
    system = pools["system"]["spec"]["template"]["spec"]
    assert system["taints"] == [{"key": "CriticalAddonsOnly", "effect": "NoSchedule"}]
    reqs = {
        r["key"]: r for r in pools["general-purpose"]["spec"]["template"]["spec"]["requirements"]
    }
    assert reqs["karpenter.sh/capacity-type"]["values"] == ["on-demand"]
    assert reqs["eks.amazonaws.com/instance-category"]["values"] == ["c", "m", "r"]
    assert reqs["eks.amazonaws.com/instance-generation"] == {
        "key": "eks.amazonaws.com/instance-generation",
        "operator": "Gt",
        "values": ["4"],
    }
    assert reqs["kubernetes.io/arch"]["values"] == ["amd64"]


def test_pods_get_nodes_with_nothing_installed(lab):
    _, k = auto_cluster(lab)
    k.apply(manifests.sample_deployment(replicas=4, cpu="500m"))
    lab.advance(seconds=15)
    assert notes(lab)[-1].startswith("Launched NodeClaim general-purpose-")
    assert "c5.xlarge on-demand" in notes(lab)[-1]  # the cheapest C/M/R gen >= 5 for all four
    assert "(0.1904 USD/h)" in notes(lab)[-1]  # 0.17 EC2 + 0.0204 Auto Mode fee (prices.yaml)
    assert all(not p["spec"].get("nodeName") for p in k.get("Pod")["items"])
    lab.advance(seconds=karpenter.RULES["node_launch_seconds"])
    (node,) = k.get("Node")["items"]
    labels = node["metadata"]["labels"]
    assert labels["eks.amazonaws.com/compute-type"] == "auto"
    assert labels["karpenter.sh/nodepool"] == "general-purpose"
    assert labels["eks.amazonaws.com/instance-category"] == "c"
    assert all(p["spec"].get("nodeName") for p in k.get("Pod")["items"])


def test_only_pods_tolerating_critical_addons_only_go_to_the_system_pool(lab):
    _, k = auto_cluster(lab, pools=("system",))
    k.apply(manifests.sample_deployment(replicas=1, cpu="500m"))
    lab.advance(seconds=30)
    assert k.get("Node")["items"] == []
    failed = [e for e in k.events() if e["source"]["component"] == "karpenter"]
    assert failed[0]["message"] == (
        'Failed to schedule pod, incompatible with nodepool "system", '
        "node(s) had untolerated taint {CriticalAddonsOnly: }"
    )


def test_nodes_are_replaced_after_the_built_in_pools_expire_after(lab):
    _, k = auto_cluster(lab)
    k.apply(manifests.sample_deployment(replicas=2, cpu="500m"))
    lab.advance(seconds=75)
    (first,) = k.get("Node")["items"]
    lab.advance(hours=336)
    expired = [m for m in notes(lab) if "(Expired)" in m]
    assert len(expired) == 1 and "expireAfter 336h" in expired[0]
    lab.advance(seconds=75)
    (second,) = k.get("Node")["items"]
    assert second["metadata"]["name"] != first["metadata"]["name"]


def test_no_node_lives_past_21_days_even_if_its_pool_says_so(lab):
    _, k = auto_cluster(lab, pools=("system",))
    k.apply(auto_pool("long", expire_after="720h"))
    k.apply(manifests.sample_deployment(replicas=1, cpu="500m"))
    lab.advance(seconds=75)
    assert len(k.get("Node")["items"]) == 1
    lab.advance(hours=21 * 24 - 1)
    assert not any("(Expired)" in m for m in notes(lab))
    lab.advance(hours=1)
    expired = [m for m in notes(lab) if "(Expired)" in m]
    assert len(expired) == 1 and "21-day maximum" in expired[0]


@pytest.mark.parametrize(
    ("params", "words"),
    [
        (
            {"computeConfig": {"enabled": True, "nodePools": ["system"], "nodeRoleArn": "r"}},
            "must all be true",
        ),
        (
            {
                "computeConfig": {"enabled": True, "nodePools": ["gpu"], "nodeRoleArn": "r"},
                "storageConfig": {"blockStorage": ON},
                "kubernetesNetworkConfig": {"elasticLoadBalancing": ON},
            },
            "Unknown built-in node pool",
        ),
        (
            {
                "computeConfig": {"enabled": True, "nodePools": ["system"]},
                "storageConfig": {"blockStorage": ON},
                "kubernetesNetworkConfig": {"elasticLoadBalancing": ON},
            },
            "nodeRoleArn is required",
        ),
    ],
)
def test_auto_mode_settings_eks_refuses_are_refused_before_anything_is_made(lab, params, words):
    with pytest.raises(InvalidParameterError, match=words):
        lab.eks.create_cluster(name="auto", **params)
    assert lab.client("eks").list_clusters()["clusters"] == []
