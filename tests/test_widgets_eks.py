"""Tests for the EKS panels: each panel is driven as a learner drives it (set widget values,
click buttons) against a real in-process Lab, and the outcome is checked in the cluster
itself (``lab.kube``) as well as in what the panel shows."""

from __future__ import annotations

import re

import pytest

from awscontainers import Lab
from awscontainers.widgets import (
    SELF_MANAGED_INSTANCE_TYPES,
    NodegroupPanel,
    NodeView,
    SelfManagedPanel,
    WorkloadPanel,
)
from awscontainers.widgets.eks import node_kind, pod_requests

pytestmark = pytest.mark.usefixtures("no_callback_errors")


def _nodes(lab: Lab, cluster: str) -> list[dict]:
    return lab.kube(cluster).get("Node")["items"]


def _pods(lab: Lab, cluster: str, namespace: str | None = None) -> list[dict]:
    return lab.kube(cluster).get("Pod", namespace=namespace)["items"]


def _phases(pods: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for pod in pods:
        phase = pod["status"]["phase"]
        out[phase] = out.get(phase, 0) + 1
    return out


def _node_cards(view: NodeView) -> int:
    return view.html().count('class="awscontainers-node"')


def _cluster_with_nodegroup(lab: Lab, desired: int, maximum: int) -> None:
    lab.eks.create_cluster(name="demo")
    lab.eks.create_nodegroup(
        clusterName="demo",
        nodegroupName="ng",
        scalingConfig={"minSize": 1, "desiredSize": desired, "maxSize": maximum},
    )


# --------------------------------------------------------------------------- helpers


def test_node_kind_reads_the_eks_labels():
    assert node_kind({"eks.amazonaws.com/compute-type": "fargate"}) == "Fargate"
    assert node_kind({"eks.amazonaws.com/nodegroup": "ng"}) == "managed nodegroup"
    assert node_kind({"kubernetes.io/os": "linux"}) == "self-managed"


def test_pod_requests_add_containers_and_take_the_larger_init():
    pod = {
        "spec": {
            "containers": [
                {"resources": {"requests": {"cpu": "250m", "memory": "256Mi"}}},
                {"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}},  # request = limit
            ],
            "initContainers": [{"resources": {"requests": {"cpu": "2", "memory": "64Mi"}}}],
        }
    }
    assert pod_requests(pod) == (2000, 256 * 2**20 + 2**30)


# --------------------------------------------------------------------------- self-managed


def test_self_managed_nodes_join_only_after_the_role_is_authorised(lab):
    lab.eks.create_cluster(name="demo")
    view = NodeView(lab, "demo")
    panel = SelfManagedPanel(lab, "demo", view=view)
    assert list(panel.instance_type.options) == SELF_MANAGED_INSTANCE_TYPES
    assert (panel.count.value, panel.count.min, panel.count.max) == (2, 1, 5)

    panel.instance_type.value = "m5.large"
    panel.button.click()
    # The instances run but are no nodes: the kubelet is refused.
    assert _nodes(lab, "demo") == []
    assert len(lab.eks_sim.not_joined("demo")) == 2
    assert "0 of 2 instances joined" in panel.output.value
    assert "Unauthorized" in panel.output.value
    assert "launch_self_managed_nodes(cluster=&#x27;demo&#x27;, count=2" in panel.output.value
    html = view.html()
    assert "Instances that did not join" in html and "Unauthorized" in html
    assert _node_cards(view) == 0
    for iid in lab.eks_sim.not_joined("demo"):
        assert iid in html

    panel.authorise_button.click()
    nodes = _nodes(lab, "demo")
    assert len(nodes) == 2
    assert {n["metadata"]["labels"]["node.kubernetes.io/instance-type"] for n in nodes} == {
        "m5.large"
    }
    assert "2 of 2 instances joined" in panel.output.value
    assert "create_access_entry" in panel.output.value
    html = view.html()
    assert "did not join" not in html
    assert _node_cards(view) == 2
    assert html.count("self-managed &middot; m5.large") == 2
    # m5.large: 29 pod slots (3 ENIs x 10 addresses), none used yet.
    assert html.count("0 of 29 pod slots used") == 2

    panel.authorise_button.click()  # a second time: the entry exists, said calmly
    assert "already authorised" in panel.output.value
    assert "Error" not in panel.output.value


def test_self_managed_launch_twice_resizes_the_group(lab):
    lab.eks.create_cluster(name="demo")
    view = NodeView(lab, "demo")
    panel = SelfManagedPanel(lab, "demo", view=view)
    panel.authorise_button.click()  # before any instance: nothing to show yet
    assert "No self-managed instances launched yet" in panel.output.value
    panel.count.value = 1
    panel.button.click()
    assert len(_nodes(lab, "demo")) == 1
    panel.count.value = 3
    panel.button.click()
    assert "scale_self_managed_nodes(cluster=&#x27;demo&#x27;, desired=3)" in panel.output.value
    assert len(_nodes(lab, "demo")) == 3
    assert _node_cards(view) == 3
    assert "3 of 3 instances joined" in panel.output.value


def test_self_managed_errors_are_shown_not_raised(lab):
    panel = SelfManagedPanel(lab, "missing")
    panel.button.click()
    assert 'role="alert"' in panel.output.value
    assert "missing" in panel.output.value
    assert not panel.button.disabled


# --------------------------------------------------------------------------- nodegroups


def test_nodegroup_scale_out_schedules_pending_pods(lab):
    _cluster_with_nodegroup(lab, desired=1, maximum=2)
    view = NodeView(lab, "demo")
    work = WorkloadPanel(lab, "demo", view=view)
    work.replicas.value = 8  # 8 x 500m; a t3.medium node has 1930m allocatable: 3 fit
    work.button.click()
    assert _phases(_pods(lab, "demo")) == {"Running": 3, "Pending": 5}
    html = view.html()
    assert "Pending pods" in html
    assert "0/1 nodes are available: 1 Insufficient cpu." in html
    assert "430m of 1930m CPU free" in html
    assert "3 of 17 pod slots used" in html
    assert "2018 MiB of 3554 MiB memory free" in html  # 3 x 512Mi requested
    assert "managed nodegroup ng &middot; t3.medium" in html

    panel = NodegroupPanel(lab, "demo", "ng", view=view)
    assert panel.desired.value == 1
    assert "1 node in the cluster" in panel.output.value
    panel.desired.value = 3
    panel.button.click()
    scaling = lab.eks.describe_nodegroup(clusterName="demo", nodegroupName="ng")["nodegroup"][
        "scalingConfig"
    ]
    assert scaling == {"minSize": 1, "maxSize": 3, "desiredSize": 3}  # max widened to fit
    assert len(_nodes(lab, "demo")) == 3
    assert _phases(_pods(lab, "demo")) == {"Running": 8}
    assert "3 nodes in the cluster" in panel.output.value
    assert "8 running, 0 pending" in panel.output.value
    assert "update_nodegroup_config" in panel.output.value
    assert _node_cards(view) == 3
    assert "<p>None: every pod has a node.</p>" in view.html()

    panel.desired.value = 0
    panel.button.click()
    scaling = lab.eks.describe_nodegroup(clusterName="demo", nodegroupName="ng")["nodegroup"][
        "scalingConfig"
    ]
    assert scaling == {"minSize": 0, "maxSize": 3, "desiredSize": 0}  # min lowered to fit
    assert _nodes(lab, "demo") == []
    assert _phases(_pods(lab, "demo")) == {"Pending": 8}
    assert "0 nodes in the cluster" in panel.output.value
    assert "no nodes available to schedule pods" in panel.output.value


def test_nodegroup_panel_shows_errors(lab):
    lab.eks.create_cluster(name="demo")
    panel = NodegroupPanel(lab, "demo", "nope")
    assert 'role="alert"' in panel.output.value
    panel.desired.value = 2
    panel.button.click()
    assert 'role="alert"' in panel.output.value and "nope" in panel.output.value


# --------------------------------------------------------------------------- workloads


def test_workload_replicas_set_the_pod_count(lab):
    _cluster_with_nodegroup(lab, desired=2, maximum=2)
    panel = WorkloadPanel(lab, "demo", labels={"tier": "front"})
    assert (panel.replicas.value, panel.replicas.min, panel.replicas.max) == (4, 0, 20)
    panel.replicas.value = 3
    panel.button.click()
    pods = _pods(lab, "demo", "default")
    assert _phases(pods) == {"Running": 3}
    assert all(p["metadata"]["labels"]["tier"] == "front" for p in pods)
    assert "3 running, 0 pending" in panel.output.value
    assert "sample_deployment(3, namespace=&#x27;default&#x27;" in panel.output.value

    panel.replicas.value = 0
    panel.button.click()
    assert _pods(lab, "demo", "default") == []
    assert "0 running, 0 pending" in panel.output.value


def test_workload_panel_shows_errors(lab):
    panel = WorkloadPanel(lab, "missing")
    panel.button.click()
    assert 'role="alert"' in panel.output.value and "missing" in panel.output.value
    panel.daemonset_button.click()
    assert 'role="alert"' in panel.output.value


def test_daemonset_runs_on_ec2_nodes_only_and_fargate_nodes_show_their_size(lab):
    _cluster_with_nodegroup(lab, desired=2, maximum=2)
    lab.eks.create_fargate_profile(
        clusterName="demo", fargateProfileName="fp", selectors=[{"namespace": "serverless"}]
    )
    lab.kube("demo").apply(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "serverless"}}
    )
    view = NodeView(lab, "demo")
    serverless = WorkloadPanel(lab, "demo", view=view, namespace="serverless")
    serverless.replicas.value = 2
    serverless.button.click()
    assert "2 running, 0 pending" in serverless.output.value

    serverless.daemonset_button.click()
    nodes = _nodes(lab, "demo")
    fargate = {
        n["metadata"]["name"] for n in nodes if node_kind(n["metadata"]["labels"]) == "Fargate"
    }
    ec2 = {n["metadata"]["name"] for n in nodes} - fargate
    assert len(fargate) == 2 and len(ec2) == 2
    agents = [
        p
        for p in _pods(lab, "demo", "kube-system")
        if p["metadata"]["name"].startswith("log-agent")
    ]
    assert sorted(p["spec"]["nodeName"] for p in agents) == sorted(ec2)  # one per EC2 node
    assert "2 running, 0 pending" in serverless.output.value

    html = view.html()
    assert html.count("Fargate (profile fp)") == 2
    assert "no instance in your account" in html
    for pod in _pods(lab, "demo", "serverless"):
        size = pod["metadata"]["annotations"]["CapacityProvisioned"]
        assert re.fullmatch(r"[\d.]+vCPU [\d.]+GB", size)
        assert f"serverless/{pod['metadata']['name']} (CapacityProvisioned: {size})" in html
    # The Fargate node is the pod's own: one slot, used.
    assert html.count("1 of 1 pod slots used") == 2


# --------------------------------------------------------------------------- display


def test_node_view_is_deterministic_and_displayable(lab):
    _cluster_with_nodegroup(lab, desired=1, maximum=1)
    view = NodeView(lab, "demo")
    first = view.html()
    view.refresh()
    assert view.html() == first
    assert "1 node (1 managed nodegroup)" in first
    assert 'role="progressbar"' in first and 'aria-valuemax="1930"' in first
    bundle = view._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    view.refresh_button.click()
    assert view.html() == first


def test_node_view_of_a_missing_cluster_shows_the_error(lab):
    view = NodeView(lab, "missing")
    assert 'role="alert"' in view.html()


def test_node_view_without_the_simulator_has_no_not_joined_section(lab, monkeypatch):
    # Real AWS has no eks_sim; the view must not rely on it for what it can still show.
    from awscontainers.widgets import eks as eks_widgets

    lab.eks.create_cluster(name="demo")
    lab.eks.launch_self_managed_nodes("demo", 1)
    assert "did not join" in NodeView(lab, "demo").html()
    monkeypatch.setattr(lab, "eks_sim", None, raising=False)
    assert eks_widgets.not_joined(lab, "demo") == {}


# --------------------------------------------------------------------------- explain


def test_explain_panel_shows_why_a_pending_pod_fits_nowhere(lab):
    from awscontainers.widgets import ExplainPanel

    _cluster_with_nodegroup(lab, desired=1, maximum=1)
    panel = ExplainPanel(lab, "demo")
    assert panel.pod.options == ()
    assert "No pod is pending" in panel.output.value
    panel.button.click()  # nothing to explain: said calmly
    assert "No pod is pending" in panel.output.value

    work = WorkloadPanel(lab, "demo")
    work.replicas.value = 5  # 3 fit on the t3.medium node
    work.button.click()
    panel.refresh_button.click()
    pending = sorted(
        f"default/{p['metadata']['name']}"
        for p in _pods(lab, "demo")
        if p["status"]["phase"] == "Pending"
    )
    assert list(panel.pod.options) == pending and len(pending) == 2
    assert "2 pods pending" in panel.output.value
    panel.pod.value = pending[1]
    panel.button.click()
    html = panel.output.value
    assert "0/1 nodes are available: 1 Insufficient cpu." in html
    assert "<th>NodeResourcesFit</th>" in html and "<td>Insufficient cpu</td>" in html
    assert "filtered out by NodeResourcesFit" in html
    name = pending[1].split("/")[1]
    assert f"explain(&#x27;{name}&#x27;, namespace=&#x27;default&#x27;)" in html
    assert panel.last_result.explanation.pod == pending[1]

    panel.refresh()  # the chosen pod is still pending, so it stays chosen
    assert panel.pod.value == pending[1]
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_explain_panel_shows_errors(lab):
    from awscontainers.widgets import ExplainPanel

    panel = ExplainPanel(lab, "missing")
    assert 'role="alert"' in panel.output.value
    panel.refresh_button.click()
    assert 'role="alert"' in panel.output.value and not panel.refresh_button.disabled
