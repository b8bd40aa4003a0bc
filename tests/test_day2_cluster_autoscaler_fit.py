"""Cluster Autoscaler scale-up that honours the pending pods' nodeSelector, taints and
tolerations: it grows only a group whose template node (instance type, the managed
nodegroup's labels and taints) the scheduler's own filters would let the pod onto, and tells
a pod no group takes why, in CA's NotTriggerScaleUp words. Source: cluster-autoscaler FAQ
("How does scale-up work?": CA simulates scheduling on a template node of each group;
"pod didn't trigger scale-up" events), data/day2.yaml ``cluster_autoscaler``."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from awscontainers import manifests
from awscontainers.sim.day2 import cluster_autoscaler
from awscontainers.sim.day2.cluster_autoscaler import MAX_SIZE_REACHED, not_trigger_message
from awscontainers.sim.kube.objects import PodInfo, PodShape
from awscontainers.sim.kube.template_nodes import judge, template_node

BATCH_TAINT = {"key": "dedicated", "value": "batch", "effect": "NO_SCHEDULE"}


def two_groups(lab):
    """A general nodegroup and a batch one (labelled workload=batch, tainted
    dedicated=batch:NoSchedule), one node each, max 3; CA configured on both sides."""
    lab.eks.create_cluster(name="demo")
    for name, extra in (
        ("general", {}),
        ("batch", {"labels": {"workload": "batch"}, "taints": [BATCH_TAINT]}),
    ):
        lab.eks.create_nodegroup(
            clusterName="demo",
            nodegroupName=name,
            scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 1},
            **extra,
        )
    k = lab.kube("demo")
    k.install_cluster_autoscaler()
    lab.eks.allow_cluster_autoscaler("demo")
    return k


def deployment(name, replicas, *, selector=None, tolerate=False, cpu="1500m"):
    doc = manifests.sample_deployment(replicas=replicas, name=name, cpu=cpu)
    spec = doc["spec"]["template"]["spec"]
    if selector:
        spec["nodeSelector"] = selector
    if tolerate:
        spec["tolerations"] = [
            {"key": "dedicated", "operator": "Equal", "value": "batch", "effect": "NoSchedule"}
        ]
    return doc


def nodes_of(k, nodegroup):
    return [
        n
        for n in k.get("Node")["items"]
        if n["metadata"]["labels"].get("eks.amazonaws.com/nodegroup") == nodegroup
    ]


def pods_of(k, app):
    return [p for p in k.get("Pod")["items"] if p["metadata"]["labels"].get("app") == app]


def test_a_tolerating_pod_with_the_selector_grows_only_the_batch_group(lab):
    k = two_groups(lab)
    k.apply(deployment("jobs", 2, selector={"workload": "batch"}, tolerate=True))
    assert sum(1 for p in pods_of(k, "jobs") if not p["spec"].get("nodeName")) == 1
    lab.advance(seconds=15)
    assert len(nodes_of(k, "batch")) == 2
    assert len(nodes_of(k, "general")) == 1
    assert all(p["spec"].get("nodeName") for p in pods_of(k, "jobs"))
    for pod in pods_of(k, "jobs"):
        node = next(
            n for n in k.get("Node")["items"] if n["metadata"]["name"] == pod["spec"]["nodeName"]
        )
        assert node["metadata"]["labels"]["workload"] == "batch"


def test_a_plain_pod_never_grows_the_tainted_group(lab):
    k = two_groups(lab)
    # Each t3.medium takes one 1500m pod; the general node is busy with the first (and CA).
    k.apply(deployment("web", 3))
    lab.advance(seconds=45)
    assert len(nodes_of(k, "batch")) == 1
    assert len(nodes_of(k, "general")) == 3
    assert all(p["spec"].get("nodeName") for p in pods_of(k, "web"))
    batch_nodes = {n["metadata"]["name"] for n in nodes_of(k, "batch")}
    assert not {p["spec"]["nodeName"] for p in pods_of(k, "web")} & batch_nodes


def test_a_pod_no_group_takes_gets_not_trigger_scale_up_with_each_groups_reason(lab):
    k = two_groups(lab)
    # The batch label without the toleration: general lacks the label, batch has the taint.
    k.apply(deployment("stuck", 1, selector={"workload": "batch"}))
    lab.advance(seconds=30)
    assert len(nodes_of(k, "batch")) == 1 and len(nodes_of(k, "general")) == 1
    events = [e for e in k.events() if e["reason"] == "NotTriggerScaleUp"]
    assert len(events) == 1  # said once, not at every scan
    assert events[0]["type"] == "Normal"
    assert events[0]["source"]["component"] == "cluster-autoscaler"
    assert events[0]["message"] == (
        "pod didn't trigger scale-up: 1 node(s) didn't match Pod's node affinity/selector, "
        "1 node(s) had untolerated taint {dedicated: batch}"
    )
    notes = [e["message"] for e in lab.timeline_events() if e["source"] == "cluster-autoscaler"]
    assert notes[-1].startswith("NotTriggerScaleUp: pod didn't trigger scale-up")


def test_a_pod_too_big_for_every_group_says_insufficient_cpu(lab):
    k = two_groups(lab)
    k.apply(deployment("huge", 1, cpu="3"))  # a t3.medium has 1930m allocatable
    lab.advance(seconds=15)
    event = next(e for e in k.events() if e["reason"] == "NotTriggerScaleUp")
    assert event["message"] == (
        "pod didn't trigger scale-up: 1 Insufficient cpu, "
        "1 node(s) had untolerated taint {dedicated: batch}"
    )


def test_a_group_at_its_max_is_named_as_such(lab):
    k = two_groups(lab)
    k.apply(deployment("web", 6))
    lab.advance(minutes=2)
    assert len(nodes_of(k, "general")) == 3
    messages = {e["message"] for e in k.events() if e["reason"] == "NotTriggerScaleUp"}
    assert (
        "pod didn't trigger scale-up: 1 max node group size reached, "
        "1 node(s) had untolerated taint {dedicated: batch}"
    ) in messages


# ------------------------------------------------------------------ pure parts


def test_template_nodes_are_judged_by_the_schedulers_filters():
    spec = {
        "containers": [{"name": "c", "image": "i", "resources": {"requests": {"cpu": "1"}}}],
        "nodeSelector": {"workload": "batch"},
        "tolerations": [{"key": "dedicated", "operator": "Exists"}],
    }
    pod = PodInfo(("default", "p"), {}, PodShape(spec, "pod"), None)
    taint = {"key": "dedicated", "value": "batch", "effect": "NoSchedule"}
    fits = template_node(
        "t", labels={"workload": "batch"}, taints=[taint], cpu=2000, mem=2**31, pods=10
    )
    assert judge(pod, fits) == ()
    small = template_node("t", labels={"workload": "batch"}, cpu=500, mem=2**31, pods=10)
    assert judge(pod, small) == ("Insufficient cpu",)


@given(
    st.dictionaries(
        st.sampled_from(["Insufficient cpu", MAX_SIZE_REACHED, "x"]), st.integers(1, 9), min_size=1
    )
)
def test_not_trigger_message_counts_each_reason_once_sorted(reasons):
    message = not_trigger_message(Counter(reasons))
    assert message.startswith("pod didn't trigger scale-up: ")
    parts = message.removeprefix("pod didn't trigger scale-up: ").split(", ")
    assert parts == sorted(parts)
    assert len(parts) == len(reasons)


def test_figures_still_come_from_data():
    assert cluster_autoscaler.RULES["scan_interval_seconds"] == 10


def test_a_deployment_s_pending_pods_are_judged_once_unless_a_filter_reads_more():
    """Pending pods sharing a template's shape get one verdict per template node from the
    built-in filters (which read nothing else of them); a filter registered from outside
    may read anything, so then each pod is judged on its own, and what CA decides follows
    that filter pod by pod."""
    from awscontainers.sim.kube import plugins
    from awscontainers.sim.kube.template_nodes import judged_alike

    spec = {"containers": [{"name": "c", "image": "i", "resources": {"requests": {"cpu": 1}}}]}
    shape = PodShape(spec, "pod")
    pods = [
        PodInfo(("default", f"p{i}"), {}, shape, ("ReplicaSet", "default", "rs")) for i in range(3)
    ]
    assert {id(judged_alike(p)) for p in pods} == {id(shape)}
    pods[2].pinned = "node-1"  # a pod for one node: judged on its own
    assert judged_alike(pods[2]) is pods[2]

    class OddOnly(plugins.FilterPlugin):
        name = "OddOnly"

        def filter(self, pod, node):
            return () if pod.key[1][-1] in "13579" else ("even pods stay out",)

    plugins.register_filter(OddOnly())
    try:
        assert [judged_alike(p) for p in pods[:2]] == pods[:2]
        node = template_node("t", labels={}, cpu=4000, mem=2**33, pods=17)
        assert [judge(p, node) for p in pods[:2]] == [("even pods stay out",), ()]
    finally:
        plugins.FILTERS.pop("OddOnly")
