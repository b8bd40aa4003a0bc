"""Karpenter on EKS: NodePool and EC2NodeClass kinds, both sides configured, nodes launched
directly with EC2 RunInstances (no Auto Scaling group) of the cheapest instance type that fits,
joining after a launch delay, consolidation and expiry. Figures: data/day2.yaml ``karpenter``
(karpenter.sh docs: NodePools, Disruption, Settings)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from awscontainers import manifests
from awscontainers.errors import InvalidParameterError
from awscontainers.sim.day2 import karpenter
from awscontainers.sim.kube import Cluster
from awscontainers.sim.kube.karpenter import parse_duration, sample_node_class, sample_node_pool
from tests.strategies import text

AMD64 = [
    {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["on-demand"]},
    {"key": "karpenter.k8s.aws/instance-category", "operator": "In", "values": ["c", "m", "r"]},
    {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]},
]


def cluster(lab, *, install=True, allow=True, pool=None, node_class=True):
    """EKS cluster 'demo' with one m5.large managed node (where Karpenter's pod runs),
    discovery tags on the private subnets and the security group."""
    lab.eks.create_cluster(name="demo")
    lab.eks.create_nodegroup(
        clusterName="demo",
        nodegroupName="system",
        instanceTypes=["m5.large"],
        scalingConfig={"minSize": 1, "maxSize": 1, "desiredSize": 1},
    )
    k = lab.kube("demo")
    net = lab.network()
    lab.client("ec2").create_tags(
        Resources=[*net.private_subnet_ids, net.security_group_id],
        Tags=[{"Key": "karpenter.sh/discovery", "Value": "demo"}],
    )
    if install:
        k.install_karpenter()
    if allow:
        lab.eks.allow_karpenter("demo")
    if node_class:
        k.apply(sample_node_class(lab.role_arn("eks-node").rsplit("/", 1)[-1]))
    if pool is not False:
        k.apply(pool or sample_node_pool(requirements=AMD64))
    return k


def notes(lab):
    return [e["message"] for e in lab.timeline_events() if e["source"] == "karpenter"]


def karpenter_nodes(k):
    return [n for n in k.get("Node")["items"] if "karpenter.sh/nodepool" in n["metadata"]["labels"]]


def pending(k):
    return [p for p in k.get("Pod")["items"] if not p["spec"].get("nodeName")]


def test_figures_are_the_documented_defaults():
    rules = karpenter.RULES
    assert rules["default_expire_after"] == "720h"
    assert rules["default_consolidation_policy"] == "WhenEmptyOrUnderutilized"
    assert rules["default_consolidate_after"] == "0s"
    assert rules["default_budget_nodes_percent"] == 10
    assert rules["batch_idle_seconds"] == 1 and rules["batch_max_seconds"] == 10
    assert rules["node_launch_seconds"] % 15 == 0
    assert "source" in rules and "checked" in rules
    assert karpenter.AUTO_MODE["max_node_lifetime_hours"] == 21 * 24


# ------------------------------------------------------------------ the kinds


def test_node_pool_is_stored_with_its_defaults():
    c = Cluster()
    c.apply(sample_node_pool())
    pool = c.get("nodepools", name="default")
    assert pool["apiVersion"] == "karpenter.sh/v1"
    assert pool["spec"]["template"]["spec"]["expireAfter"] == "720h"
    assert pool["spec"]["disruption"] == {
        "consolidationPolicy": "WhenEmptyOrUnderutilized",
        "consolidateAfter": "0s",
        "budgets": [{"nodes": "10%"}],
    }


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda s: s["template"]["spec"].pop("nodeClassRef"), "nodeClassRef: Required"),
        (
            lambda s: s["template"]["spec"]["requirements"].append(
                {"key": "x", "operator": "Near", "values": []}
            ),
            "operator 'Near'",
        ),
        (
            lambda s: s["template"]["spec"]["requirements"].append(
                {"key": "x", "operator": "Gt", "values": ["a"]}
            ),
            "one integer value",
        ),
        (lambda s: s["template"]["spec"].update(expireAfter="30 days"), "Invalid duration"),
        (lambda s: s.update(disruption={"consolidationPolicy": "Always"}), "consolidationPolicy"),
        (lambda s: s.update(limits={"cpu": "lots"}), "spec.limits"),
        (lambda s: s.update(weight=101), "spec.weight"),
    ],
)
def test_a_bad_node_pool_is_refused_as_invalid(change, words):
    doc = sample_node_pool()
    change(doc["spec"])
    with pytest.raises(InvalidParameterError, match=words) as info:
        Cluster().apply(doc)
    assert info.value.code == "Invalid"


def test_an_ec2_node_class_needs_a_role_and_its_selector_terms():
    c = Cluster()
    c.apply(sample_node_class("node-role"))
    assert c.get("ec2nodeclasses", name="default")["spec"]["role"] == "node-role"
    doc = sample_node_class("node-role")
    del doc["spec"]["subnetSelectorTerms"]
    with pytest.raises(InvalidParameterError, match="subnetSelectorTerms: Required"):
        c.apply(doc)
    doc = sample_node_class("node-role")
    doc["spec"]["instanceProfile"] = "p"
    with pytest.raises(InvalidParameterError, match="exactly one of spec.role"):
        c.apply(doc)
    doc = sample_node_class("node-role")
    doc["apiVersion"] = "karpenter.k8s.aws/v1beta1"
    with pytest.raises(InvalidParameterError, match="apiVersion: karpenter.k8s.aws/v1"):
        c.apply(doc)


@given(st.integers(0, 999), st.integers(0, 59), st.integers(0, 59))
def test_durations_read_as_go_writes_them(h, m, s):
    text = (f"{h}h" if h else "") + (f"{m}m" if m else "") + (f"{s}s" if s or not (h or m) else "")
    assert parse_duration(text) == h * 3600 + m * 60 + s


@given(text(max_size=12))
def test_any_other_duration_is_refused_not_crashed(text):
    try:
        value = parse_duration(text)
    except InvalidParameterError:
        return
    assert value is None or value >= 0


# ------------------------------------------------------------------ both sides


def test_nothing_configured_nothing_happens(lab):
    k = cluster(lab, install=False, allow=False)
    k.apply(manifests.sample_deployment(replicas=4, cpu="1"))
    lab.advance(minutes=2)
    assert karpenter_nodes(k) == [] and notes(lab) == []


def test_kubernetes_side_alone_names_the_missing_permission(lab):
    k = cluster(lab, allow=False)
    k.apply(manifests.sample_deployment(replicas=4, cpu="1"))
    lab.advance(minutes=2)
    assert karpenter_nodes(k) == []
    assert notes(lab) == [
        "karpenter is not permitted to call ec2:CreateFleet / ec2:RunInstances (AccessDenied): "
        "give its controller role the EC2 permissions and its nodes' role an access entry: "
        "lab.eks.allow_karpenter('demo')."
    ]


def test_aws_side_alone_says_it_is_not_installed(lab):
    k = cluster(lab, install=False)
    k.apply(manifests.sample_deployment(replicas=4, cpu="1"))
    lab.advance(minutes=1)
    assert karpenter_nodes(k) == []
    assert notes(lab)[0].startswith("karpenter is not installed")
    assert "install_karpenter()" in notes(lab)[0]


def test_no_node_pool_no_nodes(lab):
    k = cluster(lab, pool=False)
    k.apply(manifests.sample_deployment(replicas=4, cpu="1"))
    lab.advance(seconds=30)
    assert karpenter_nodes(k) == []
    assert notes(lab) == [notes(lab)[0]] and "no NodePool" in notes(lab)[0]


# ------------------------------------------------------------------ provisioning


def test_the_cheapest_fitting_type_is_launched_directly_and_joins_after_the_delay(lab):
    k = cluster(lab)
    groups_before = lab.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]
    # One 500m pod fits the m5.large beside Karpenter's 1-vCPU pod; three wait. A c5.large
    # (0.085 USD/h, 1930m allocatable) takes all three: the cheapest c/m/r amd64 type.
    k.apply(manifests.sample_deployment(replicas=4, cpu="500m"))
    assert len(pending(k)) == 3
    lab.advance(seconds=15)
    assert notes(lab)[-1].startswith("Launched NodeClaim default-")
    assert "c5.large on-demand" in notes(lab)[-1] and "for 3 pod(s)" in notes(lab)[-1]
    claims = karpenter.nodeclaims(lab.eks_sim.cluster("demo").kube)
    assert len(claims) == 1
    # Launched with RunInstances, in no Auto Scaling group.
    groups = lab.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]
    assert groups == groups_before
    inst = lab.client("ec2").describe_instances(InstanceIds=[claims[0].instance_id])
    tags = {t["Key"]: t["Value"] for t in inst["Reservations"][0]["Instances"][0]["Tags"]}
    assert tags["karpenter.sh/nodepool"] == "default"
    assert "aws:autoscaling:groupName" not in tags
    nominated = [e for e in k.events() if e["reason"] == "Nominated"]
    assert len(nominated) == 3
    # Until the launch delay is over the pods wait.
    delay = karpenter.RULES["node_launch_seconds"]
    lab.advance(seconds=delay - 15)
    assert len(pending(k)) == 3 and karpenter_nodes(k) == []
    lab.advance(seconds=15)
    (node,) = karpenter_nodes(k)
    labels = node["metadata"]["labels"]
    assert labels["node.kubernetes.io/instance-type"] == "c5.large"
    assert labels["karpenter.sh/capacity-type"] == "on-demand"
    assert labels["karpenter.k8s.aws/instance-category"] == "c"
    assert pending(k) == []


def test_one_type_for_the_whole_batch_when_one_takes_it(lab):
    k = cluster(lab)
    k.apply(manifests.sample_deployment(replicas=7, cpu="500m"))  # six wait
    lab.advance(seconds=15)
    # c5.xlarge (0.17 USD/h) takes all six; two c5.large would cost the same and make two.
    assert "c5.xlarge on-demand" in notes(lab)[-1] and "for 6 pod(s)" in notes(lab)[-1]


def test_spot_is_chosen_when_allowed_since_it_is_cheaper(lab):
    reqs = [dict(r) for r in AMD64]
    reqs[0] = {
        "key": "karpenter.sh/capacity-type",
        "operator": "In",
        "values": ["spot", "on-demand"],
    }
    k = cluster(lab, pool=sample_node_pool(requirements=reqs))
    k.apply(manifests.sample_deployment(replicas=4, cpu="500m"))
    lab.advance(seconds=75)
    (node,) = karpenter_nodes(k)
    assert node["metadata"]["labels"]["karpenter.sh/capacity-type"] == "spot"


def test_a_tainted_pool_takes_only_tolerating_pods(lab):
    taint = {"key": "dedicated", "value": "batch", "effect": "NoSchedule"}
    k = cluster(lab, pool=sample_node_pool(requirements=AMD64, taints=[taint]))
    k.apply(manifests.sample_deployment(replicas=2, cpu="1500m"))
    lab.advance(seconds=30)
    assert karpenter_nodes(k) == []
    failed = [
        e
        for e in k.events()
        if e["reason"] == "FailedScheduling" and e["source"]["component"] == "karpenter"
    ]
    assert failed and failed[0]["message"] == (
        'Failed to schedule pod, incompatible with nodepool "default", '
        "node(s) had untolerated taint {dedicated: batch}"
    )
    doc = manifests.sample_deployment(replicas=2, cpu="1500m", name="jobs")
    doc["spec"]["template"]["spec"]["tolerations"] = [{"key": "dedicated", "operator": "Exists"}]
    k.apply(doc)
    lab.advance(seconds=75)
    nodes = karpenter_nodes(k)
    assert nodes and all(n["spec"]["taints"] == [taint] for n in nodes)
    jobs = [p for p in k.get("Pod")["items"] if p["metadata"]["labels"].get("app") == "jobs"]
    assert all(p["spec"].get("nodeName") for p in jobs)


def test_a_node_selector_picks_the_instance_family(lab):
    k = cluster(lab)
    doc = manifests.sample_deployment(replicas=2, cpu="500m")
    doc["spec"]["template"]["spec"]["nodeSelector"] = {"karpenter.k8s.aws/instance-family": "r5"}
    k.apply(doc)
    lab.advance(seconds=75)
    (node,) = karpenter_nodes(k)
    assert node["metadata"]["labels"]["node.kubernetes.io/instance-type"] == "r5.large"


def test_limits_cpu_is_respected(lab):
    k = cluster(lab, pool=sample_node_pool(requirements=AMD64, cpu_limit=4))
    k.apply(manifests.sample_deployment(replicas=30, cpu="500m"))
    lab.advance(minutes=3)
    claims = karpenter.nodeclaims(lab.eks_sim.cluster("demo").kube)
    assert sum(c.vcpu for c in claims) <= 4
    assert pending(k)
    limited = [e for e in k.events() if "exceed limits" in e["message"]]
    assert limited[0]["message"] == (
        'Failed to schedule pod, all available instance types exceed limits for nodepool: "default"'
    )


def test_a_node_role_without_access_entry_launches_but_never_joins(lab):
    k = cluster(lab, node_class=False)
    # A node role no access entry names (the managed nodegroup's role has one, from EKS).
    other = lab.role_arn("ecs-instance").rsplit("/", 1)[-1]
    k.apply(sample_node_class(other))
    k.apply(manifests.sample_deployment(replicas=4, cpu="500m"))
    lab.advance(seconds=75)
    assert karpenter_nodes(k) == []
    assert any("did not register: Unauthorized" in m for m in notes(lab))
    lab.advance(minutes=5)  # no more instances for the same pods
    assert len(karpenter.nodeclaims(lab.eks_sim.cluster("demo").kube)) == 1
    # Once the role may join, the kubelet (still retrying) registers, labelled by its pool.
    lab.eks.create_access_entry(
        clusterName="demo", principalArn=lab.role_arn("ecs-instance"), type="EC2_LINUX"
    )
    (node,) = karpenter_nodes(k)
    assert node["metadata"]["labels"]["karpenter.sh/nodepool"] == "default"
    assert pending(k) == []


# ------------------------------------------------------------------ disruption


def test_an_empty_node_goes_after_consolidate_after(lab):
    k = cluster(lab, pool=sample_node_pool(requirements=AMD64, consolidate_after="5m"))
    k.apply(manifests.sample_deployment(replicas=4, cpu="500m"))
    lab.advance(seconds=75)
    assert len(karpenter_nodes(k)) == 1
    k.scale("web", 0)  # the Karpenter node is empty
    lab.advance(minutes=4, seconds=30)
    assert len(karpenter_nodes(k)) == 1
    lab.advance(seconds=45)
    assert karpenter_nodes(k) == []
    assert notes(lab)[-1].startswith("Disrupting NodeClaim default-")
    assert "(Empty)" in notes(lab)[-1]


def test_an_underused_node_goes_when_its_pods_fit_elsewhere(lab):
    k = cluster(lab)
    k.apply(manifests.sample_deployment(replicas=7, cpu="500m"))  # one c5.xlarge for six
    lab.advance(seconds=75)
    assert len(karpenter_nodes(k)) == 1
    k.apply(manifests.sample_deployment(replicas=3, cpu="500m", name="more"))  # a c5.large
    lab.advance(seconds=75)
    assert len(karpenter_nodes(k)) == 2
    k.scale("web", 2)  # now the c5.xlarge holds at most one web pod: it fits beside "more"
    lab.advance(seconds=30)
    assert len(karpenter_nodes(k)) == 1
    assert any("(Underutilized)" in m for m in notes(lab))
    assert pending(k) == []


def test_when_empty_keeps_an_underused_node(lab):
    k = cluster(lab, pool=sample_node_pool(requirements=AMD64, policy="WhenEmpty"))
    k.apply(manifests.sample_deployment(replicas=7, cpu="500m"))
    lab.advance(seconds=75)
    k.apply(manifests.sample_deployment(replicas=3, cpu="500m", name="more"))
    lab.advance(seconds=75)
    k.scale("web", 2)
    lab.advance(minutes=5)
    assert len(karpenter_nodes(k)) == 2


def test_do_not_disrupt_keeps_the_node(lab):
    k = cluster(lab)
    doc = manifests.sample_deployment(replicas=4, cpu="500m")
    doc["spec"]["template"]["metadata"]["annotations"] = {"karpenter.sh/do-not-disrupt": "true"}
    k.apply(doc)
    lab.advance(seconds=75)
    k.scale("web", 2)
    lab.advance(minutes=5)
    assert len(karpenter_nodes(k)) == 1


def test_nodes_expire_after_expire_after_and_are_replaced(lab):
    k = cluster(lab, pool=sample_node_pool(requirements=AMD64, expire_after="2h"))
    k.apply(manifests.sample_deployment(replicas=4, cpu="500m"))
    lab.advance(seconds=75)
    (first,) = karpenter_nodes(k)
    lab.advance(hours=2)
    assert any("(Expired)" in m and "expireAfter 2h" in m for m in notes(lab))
    lab.advance(seconds=75)
    (second,) = karpenter_nodes(k)
    assert second["metadata"]["name"] != first["metadata"]["name"]
    assert pending(k) == []


def test_the_default_expiry_is_720_hours(lab):
    k = cluster(lab)
    k.apply(manifests.sample_deployment(replicas=4, cpu="500m"))
    lab.advance(seconds=75)
    lab.advance(hours=719, minutes=58)
    assert not any("(Expired)" in m for m in notes(lab))
    lab.advance(minutes=2)
    assert any("(Expired)" in m and "expireAfter 720h" in m for m in notes(lab))


# ------------------------------------------------------------------ properties

LABEL_VALUES = st.sampled_from(["1", "5", "7", "c", "m", "amd64"])


@given(st.one_of(st.none(), LABEL_VALUES), st.lists(LABEL_VALUES, min_size=1, max_size=3))
def test_in_and_not_in_are_complements(value, values):
    from awscontainers.sim.day2.karpenter import _satisfies

    labels = {} if value is None else {"k": value}
    yes = _satisfies(labels, {"key": "k", "operator": "In", "values": values})
    no = _satisfies(labels, {"key": "k", "operator": "NotIn", "values": values})
    assert yes != no
    exists = _satisfies(labels, {"key": "k", "operator": "Exists"})
    assert exists != _satisfies(labels, {"key": "k", "operator": "DoesNotExist"})
    assert exists == (value is not None)


@given(st.integers(-5, 20), st.integers(-5, 20))
def test_gt_and_lt_compare_as_integers(value, bound):
    from awscontainers.sim.day2.karpenter import _satisfies

    labels = {"k": str(value)}
    assert _satisfies(labels, {"key": "k", "operator": "Gt", "values": [str(bound)]}) == (
        value > bound
    )
    assert _satisfies(labels, {"key": "k", "operator": "Lt", "values": [str(bound)]}) == (
        value < bound
    )


@settings(max_examples=6, deadline=None)
@given(
    replicas=st.integers(1, 24),
    cpu=st.sampled_from(["250m", "500m", "1", "1500m"]),
    limit=st.integers(2, 16),
)
def test_every_pod_runs_or_waits_on_the_limit_and_the_limit_holds(replicas, cpu, limit):
    from awscontainers import Lab

    lab = Lab()
    try:
        k = cluster(lab, pool=sample_node_pool(requirements=AMD64, cpu_limit=limit))
        k.apply(manifests.sample_deployment(replicas=replicas, cpu=cpu))
        lab.advance(seconds=15 + karpenter.RULES["node_launch_seconds"])
        claims = karpenter.nodeclaims(lab.eks_sim.cluster("demo").kube)
        assert sum(c.vcpu for c in claims) <= limit
        for node in karpenter_nodes(k):
            labels = node["metadata"]["labels"]
            assert labels["kubernetes.io/arch"] == "amd64"
            assert labels["karpenter.k8s.aws/instance-category"] in ("c", "m", "r")
            assert labels["karpenter.sh/capacity-type"] == "on-demand"
        waiting = {p["metadata"]["name"] for p in pending(k)}
        limited = {
            e["involvedObject"]["name"] for e in k.events() if "exceed limits" in e["message"]
        }
        assert waiting <= limited
    finally:
        lab.close()


_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**6), text(max_size=10),
    st.sampled_from(["In", "Gt", "720h", "Never", "10%", "karpenter.k8s.aws", "EC2NodeClass"]),
)  # fmt: skip
_GARBAGE = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
_POOL_PATHS = [
    ("template", "spec", "nodeClassRef"),
    ("template", "spec", "requirements"),
    ("template", "spec", "taints"),
    ("template", "spec", "expireAfter"),
    ("template", "metadata"),
    ("template",),
    ("disruption",),
    ("limits",),
    ("weight",),
]
_CLASS_PATHS = ["role", "instanceProfile", "subnetSelectorTerms", "amiSelectorTerms", "tags"]


def _set(doc: dict, path: tuple, value) -> None:
    for key in path[:-1]:
        doc = doc.setdefault(key, {}) if isinstance(doc.get(key, {}), dict) else {}
    doc[path[-1]] = value


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_POOL_PATHS), _GARBAGE), min_size=1, max_size=3))
def test_any_node_pool_is_stored_or_refused_as_invalid(changes):
    doc = sample_node_pool()
    for path, value in changes:
        _set(doc["spec"], path, value)
    try:
        Cluster().apply(doc)
    except InvalidParameterError as exc:
        assert exc.code == "Invalid"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_CLASS_PATHS), _GARBAGE), min_size=1, max_size=3))
def test_any_ec2_node_class_is_stored_or_refused_as_invalid(changes):
    doc = sample_node_class("role")
    for key, value in changes:
        doc["spec"][key] = value
    try:
        Cluster().apply(doc)
    except InvalidParameterError as exc:
        assert exc.code == "Invalid"


def test_deleting_a_node_pool_removes_its_nodes(lab):
    k = cluster(lab)
    k.apply(manifests.sample_deployment(replicas=4, cpu="500m"))
    lab.advance(seconds=75)
    assert len(karpenter_nodes(k)) == 1
    k.delete("NodePool", "default")
    lab.advance(seconds=15)
    assert karpenter_nodes(k) == []
    assert any("NodePool default was deleted" in m for m in notes(lab))
    assert karpenter.nodeclaims(lab.eks_sim.cluster("demo").kube) == []


def test_teardown_terminates_what_karpenter_launched(lab):
    k = cluster(lab)
    k.apply(manifests.sample_deployment(replicas=4, cpu="500m"))
    lab.advance(seconds=75)
    (claim,) = karpenter.nodeclaims(lab.eks_sim.cluster("demo").kube)
    lab.teardown()
    found = lab.client("ec2").describe_instances(InstanceIds=[claim.instance_id])
    assert found["Reservations"][0]["Instances"][0]["State"]["Name"] == "terminated"
