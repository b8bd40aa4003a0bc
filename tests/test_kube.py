"""Tests for the pure Kubernetes core behind the EKS simulation (awscontainers.sim.kube)."""

from __future__ import annotations

import pytest

from awscontainers.errors import InvalidParameterError, NotFoundError
from awscontainers.sim.kube import COMPUTE_TYPE_LABEL, NO_NODES_MESSAGE, Cluster, max_pods

GI = 2**30


def pod(name: str, cpu: str | None = None, memory: str | None = None, **spec) -> dict:
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    container = {"name": "app", "image": "nginx", "resources": {"requests": requests}}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [container], **spec},
    }


def deployment(name: str, replicas: int = 3, cpu: str = "100m", **spec) -> dict:
    template_spec = {
        "containers": [{"name": "app", "image": "nginx", "resources": {"requests": {"cpu": cpu}}}],
        **spec,
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": template_spec},
        },
    }


def daemonset(name: str, **spec) -> dict:
    doc = deployment(name, **spec)
    doc["kind"] = "DaemonSet"
    del doc["spec"]["replicas"]
    return doc


def cluster(n: int = 3, cpu: int = 2000, mem: int = 4 * GI, pods: int = 17, **kw) -> Cluster:
    c = Cluster(**kw)
    for i in range(n):
        c.add_node(f"node-{i}", cpu_millis=cpu, memory_bytes=mem, max_pods=pods, labels={})
    return c


def condition(c: Cluster, name: str) -> dict:
    return c.get("Pod", "default", name)["status"]["conditions"][0]


def test_max_pods_examples():
    assert max_pods(3, 10) == 29  # m5.large
    assert max_pods(3, 6) == 17  # t3.medium
    with pytest.raises(InvalidParameterError):
        max_pods(0, 10)


def test_pod_is_scheduled_and_running():
    c = cluster()
    c.apply(pod("web", cpu="500m", memory="256Mi"))
    p = c.get("Pod", "default", "web")
    assert p["spec"]["nodeName"] == "node-0"  # all equal: first by name
    assert p["status"]["phase"] == "Running"
    assert p["status"]["conditions"][0] == {"type": "PodScheduled", "status": "True"}
    assert p["status"]["podIP"].startswith("10.0.")
    assert c.events()[-1]["reason"] == "Scheduled"


def test_least_allocated_spreads_pods():
    c = cluster()
    for i in range(3):
        c.apply(pod(f"p{i}", cpu="500m"))
    nodes = {c.get("Pod", "default", f"p{i}")["spec"]["nodeName"] for i in range(3)}
    assert nodes == {"node-0", "node-1", "node-2"}


def test_insufficient_cpu_message():
    c = cluster()
    c.apply(pod("big", cpu="3"))
    p = c.get("Pod", "default", "big")
    assert p["status"]["phase"] == "Pending"
    assert condition(c, "big") == {
        "type": "PodScheduled",
        "status": "False",
        "reason": "Unschedulable",
        "message": "0/3 nodes are available: 3 Insufficient cpu.",
    }
    assert c.events()[-1]["reason"] == "FailedScheduling"


def test_mixed_reasons_sorted_like_kube_scheduler():
    c = Cluster()
    c.add_node("a", cpu_millis=500, memory_bytes=8 * GI, max_pods=10, labels={})
    c.add_node("b", cpu_millis=500, memory_bytes=8 * GI, max_pods=10, labels={})
    c.add_node("c", cpu_millis=4000, memory_bytes=1 * GI, max_pods=10, labels={})
    c.apply(pod("p", cpu="1", memory="2Gi"))
    assert condition(c, "p")["message"] == (
        "0/3 nodes are available: 1 Insufficient memory, 2 Insufficient cpu."
    )


def test_no_nodes_and_pending_pod_scheduled_when_node_added():
    c = Cluster()
    c.apply(pod("p", cpu="1"))
    assert condition(c, "p")["message"] == NO_NODES_MESSAGE
    c.add_node("n", cpu_millis=2000, memory_bytes=GI, max_pods=5, labels={})
    assert c.get("Pod", "default", "p")["spec"]["nodeName"] == "n"


def test_node_selector():
    c = cluster(2)
    c.add_node("gpu-0", cpu_millis=2000, memory_bytes=GI, max_pods=5, labels={"gpu": "yes"})
    c.apply(pod("ok", nodeSelector={"gpu": "yes"}))
    assert c.get("Pod", "default", "ok")["spec"]["nodeName"] == "gpu-0"
    c.apply(pod("nope", nodeSelector={"gpu": "no"}))
    assert condition(c, "nope")["message"] == (
        "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."
    )


def test_taints_and_tolerations():
    c = Cluster()
    taint = [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]
    c.add_node("t", cpu_millis=1000, memory_bytes=GI, max_pods=5, labels={}, taints=taint)
    c.apply(pod("plain"))
    assert condition(c, "plain")["message"] == (
        "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}."
    )
    tol = [{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}]
    c.apply(pod("equal", tolerations=tol))
    c.apply(pod("exists", tolerations=[{"key": "dedicated", "operator": "Exists"}]))
    c.apply(pod("all", tolerations=[{"operator": "Exists"}]))
    for name in ("equal", "exists", "all"):
        assert c.get("Pod", "default", name)["spec"]["nodeName"] == "t"
    c.apply(pod("wrong", tolerations=[{"key": "dedicated", "value": "cpu"}]))
    assert c.get("Pod", "default", "wrong")["status"]["phase"] == "Pending"


def test_prefer_no_schedule_taint_does_not_block():
    c = Cluster()
    taint = [{"key": "k", "value": "v", "effect": "PreferNoSchedule"}]
    c.add_node("t", cpu_millis=1000, memory_bytes=GI, max_pods=5, labels={}, taints=taint)
    c.apply(pod("p"))
    assert c.get("Pod", "default", "p")["spec"]["nodeName"] == "t"


def test_max_pods_limit():
    c = cluster(1, pods=2)
    for i in range(3):
        c.apply(pod(f"p{i}"))
    assert condition(c, "p2")["message"] == "0/1 nodes are available: 1 Too many pods."
    c.delete("Pod", "p0")
    assert c.get("Pod", "default", "p2")["status"]["phase"] == "Running"


def test_limits_count_as_requests():
    c = cluster(1, cpu=1000)
    doc = pod("p")
    doc["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "2"}}
    c.apply(doc)
    assert condition(c, "p")["message"] == "0/1 nodes are available: 1 Insufficient cpu."


def test_deployment_replicas_scale_and_self_heal():
    c = cluster()
    [dep] = c.apply(deployment("web", replicas=3))
    assert dep["status"]["readyReplicas"] == 3
    pods = c.get("Pod", "default")["items"]
    assert len(pods) == 3
    name = pods[0]["metadata"]["name"]
    prefix, hash10, suffix = name.rsplit("-", 2)
    assert prefix == "web" and len(hash10) == 10 and len(suffix) == 5
    assert pods[0]["metadata"]["labels"] == {"app": "web", "pod-template-hash": hash10}
    assert pods[0]["metadata"]["ownerReferences"][0]["name"] == f"web-{hash10}"
    assert c.scale("web", 5)["status"]["replicas"] == 5
    c.apply(deployment("web", replicas=2))
    assert len(c.get("Pod")["items"]) == 2
    victim = c.get("Pod")["items"][0]["metadata"]["name"]
    c.delete("Pod", victim)
    names = [p["metadata"]["name"] for p in c.get("Pod")["items"]]
    assert len(names) == 2 and victim not in names
    c.delete("Deployment", "web")
    assert c.get("Pod")["items"] == []


def test_deployment_names_are_deterministic():
    def names() -> list[str]:
        c = cluster()
        c.apply(deployment("web", replicas=4))
        return [p["metadata"]["name"] for p in c.get("Pod")["items"]]

    assert names() == names()


def test_daemonset_every_node_but_fargate():
    c = cluster(2, fargate_matcher=lambda p: "fp" if p["metadata"]["name"] == "f" else None)
    c.apply(pod("f"))
    [ds] = c.apply(daemonset("agent", cpu="10m"))
    assert ds["status"]["desiredNumberScheduled"] == 2
    on = {p["spec"]["nodeName"] for p in c.get("Pod")["items"] if p["metadata"]["name"] != "f"}
    assert on == {"node-0", "node-1"}
    c.add_node("node-9", cpu_millis=1000, memory_bytes=GI, max_pods=5, labels={})
    c.add_node("ft", cpu_millis=1000, memory_bytes=GI, max_pods=5, labels={}, fargate=True)
    assert c.get("DaemonSet", "default", "agent")["status"]["numberReady"] == 3
    c.remove_node("node-0")
    on = {p["spec"]["nodeName"] for p in c.get("Pod")["items"] if p["metadata"]["name"] != "f"}
    assert on == {"node-1", "node-9"}


def test_fargate_pod_gets_its_own_node():
    c = cluster(1, fargate_matcher=lambda p: "fp-default")
    c.apply(pod("a", cpu="1", memory="8Gi"))
    c.apply(pod("b"))
    a, b = c.get("Pod", "default", "a"), c.get("Pod", "default", "b")
    assert a["metadata"]["annotations"]["CapacityProvisioned"] == "2vCPU 9GB"
    assert b["metadata"]["annotations"]["CapacityProvisioned"] == "0.25vCPU 0.5GB"
    assert a["spec"]["nodeName"].startswith("fargate-ip-10-0-")
    assert a["spec"]["nodeName"].endswith(".ec2.internal")
    assert a["spec"]["nodeName"] != b["spec"]["nodeName"]
    node = c.get("Node", name=a["spec"]["nodeName"])
    assert node["metadata"]["labels"][COMPUTE_TYPE_LABEL] == "fargate"
    assert len(c.get("Node")["items"]) == 3
    c.delete("Pod", "a")
    assert len(c.get("Node")["items"]) == 2


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"hostNetwork": True}, "hostNetwork"),
        ({"volumes": [{"name": "d", "awsElasticBlockStore": {"volumeID": "vol-1"}}]}, "EBS"),
        ({"volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "c"}}]}, "EFS"),
    ],
)
def test_fargate_refuses_unsupported_pods(spec, words):
    c = cluster(1, fargate_matcher=lambda p: True)
    c.apply(pod("p", **spec))
    cond = condition(c, "p")
    assert cond["status"] == "False"
    assert cond["message"].startswith("Pod not supported on Fargate:")
    assert words in cond["message"]
    assert c.events()[-1]["reason"] == "FailedScheduling"
    assert len(c.get("Node")["items"]) == 1


def test_fargate_refuses_privileged_hostport_and_huge():
    c = Cluster(fargate_matcher=lambda p: True)
    doc = pod("priv")
    doc["spec"]["containers"][0]["securityContext"] = {"privileged": True}
    doc["spec"]["containers"][0]["ports"] = [{"containerPort": 80, "hostPort": 80}]
    c.apply(doc)
    message = condition(c, "priv")["message"]
    assert "privileged" in message and "hostPort 80" in message
    c.apply(pod("huge", cpu="32"))
    assert "No Fargate size holds this pod" in condition(c, "huge")["message"]


@pytest.mark.parametrize(
    ("doc", "words"),
    [
        ({"apiVersion": "v1", "metadata": {"name": "x"}}, "'Kind' is missing"),
        ({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}}, "no matches"),
        ({"apiVersion": "v1", "kind": "Pod", "metadata": {}}, "name is required"),
        ({"apiVersion": "apps/v1", "kind": "Pod", "metadata": {"name": "x"}}, "version"),
    ],
)
def test_bad_manifests(doc, words):
    with pytest.raises(InvalidParameterError, match=words) as info:
        Cluster().apply(doc)
    assert info.value.hint


def test_bad_replicas_selector_and_yaml():
    c = Cluster()
    with pytest.raises(InvalidParameterError, match="greater than or equal to 0"):
        c.apply(deployment("web", replicas=-1))
    doc = deployment("web")
    doc["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    with pytest.raises(InvalidParameterError, match="selector"):
        c.apply(doc)
    with pytest.raises(InvalidParameterError, match="YAML"):
        c.apply("kind: [")
    with pytest.raises(InvalidParameterError, match="cpu"):
        c.apply(pod("p", cpu="lots"))


def test_yaml_multi_document_and_namespaces():
    c = cluster(1)
    text = """
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: cart, namespace: shop}
spec:
  containers: [{name: cart, image: nginx}]
"""
    assert [o["kind"] for o in c.apply(text)] == ["Namespace", "Pod"]
    assert c.get("pods", "shop", "cart")["metadata"]["namespace"] == "shop"
    assert c.get("Pod", "default")["items"] == []
    assert c.get("po")["kind"] == "PodList"
    with pytest.raises(NotFoundError):
        c.apply({**pod("x"), "metadata": {"name": "x", "namespace": "missing"}})
    c.delete("Namespace", "shop")
    assert c.get("Pod")["items"] == []
    with pytest.raises(NotFoundError, match="not found"):
        c.delete("Pod", "cart", "default")


def test_ten_thousand_pods_on_a_thousand_nodes():
    c = Cluster()
    for i in range(1000):
        c.add_node(f"n-{i:04d}", cpu_millis=2000, memory_bytes=8 * GI, max_pods=29, labels={})
    c.apply(deployment("big", replicas=10_000, cpu="150m"))
    pods = c.get("Pod")["items"]
    assert len(pods) == 10_000
    assert all(p["status"]["phase"] == "Running" for p in pods)
    per_node: dict[str, int] = {}
    for p in pods:
        per_node[p["spec"]["nodeName"]] = per_node.get(p["spec"]["nodeName"], 0) + 1
    assert max(per_node.values()) * 150 <= 2000
    assert max(per_node.values()) <= 29
    assert len(per_node) == 1000


# -- GPUs: nvidia.com/gpu, an extended resource ---------------------------------------------

GPU = "nvidia.com/gpu"


def gpu_pod(name: str, limits=None, requests=None) -> dict:
    doc = pod(name, cpu="100m")
    resources = doc["spec"]["containers"][0]["resources"]
    if limits is not None:
        resources["limits"] = {GPU: limits}
    if requests is not None:
        resources["requests"][GPU] = requests
    return doc


def test_gpu_pods_go_only_to_nodes_with_free_gpus():
    # kube-scheduler NodeResourcesFit (pkg/scheduler/framework/plugins/noderesources/fit.go):
    # an extended resource short on a node is reported as "Insufficient <resource name>".
    # Kubernetes docs, "Schedule GPUs": GPUs are asked for under limits; each pod gets whole
    # GPUs, never shared.
    c = cluster(1)
    c.add_node("gpu-0", cpu_millis=3920, memory_bytes=15 * GI, max_pods=29, labels={}, gpus=1)
    node = c.get("Node", name="gpu-0")
    assert node["status"]["capacity"][GPU] == "1"
    assert node["status"]["allocatable"][GPU] == "1"
    assert GPU not in c.get("Node", name="node-0")["status"]["allocatable"]
    c.apply(gpu_pod("train", limits=1))
    assert c.get("Pod", "default", "train")["spec"]["nodeName"] == "gpu-0"
    c.apply(gpu_pod("second", limits=1))
    cond = condition(c, "second")
    assert cond["message"] == "0/2 nodes are available: 2 Insufficient nvidia.com/gpu."
    why = c.explain("second")
    verdicts = {row.node: row.verdicts["NodeResourcesFit"] for row in why.nodes}
    assert verdicts == {"gpu-0": ("Insufficient nvidia.com/gpu",), "node-0": (
        "Insufficient nvidia.com/gpu",
    )}  # fmt: skip
    # A pod without GPUs still fits on the GPU node.
    c.apply(pod("web", cpu="100m"))
    assert c.get("Pod", "default", "web")["status"]["phase"] == "Running"
    # The GPU comes back when its pod goes, and the waiting pod gets it.
    c.delete("Pod", "train")
    assert c.get("Pod", "default", "second")["spec"]["nodeName"] == "gpu-0"


def test_gpu_requests_are_validated_as_the_api_server_does():
    # kubernetes pkg/apis/core/validation/validation.go, validateResourceRequirements: a
    # non-overcommitable resource needs a limit, and a request must equal it; extended
    # resources are integers. A limit alone sets the request to the same value.
    c = cluster(1)
    with pytest.raises(InvalidParameterError, match="Limit must be set for non overcommitable"):
        c.apply(gpu_pod("a", requests=1))
    with pytest.raises(InvalidParameterError, match="must be equal to nvidia.com/gpu limit of 2"):
        c.apply(gpu_pod("b", limits=2, requests=1))
    with pytest.raises(InvalidParameterError, match="must be an integer"):
        c.apply(gpu_pod("c", limits="0.5"))
    c.apply(gpu_pod("d", limits=1, requests=1))
    assert "Insufficient nvidia.com/gpu" in condition(c, "d")["message"]


def test_fargate_refuses_gpu_pods():
    # EKS user guide, fargate.adoc: GPUs are not available on Fargate.
    c = cluster(1, fargate_matcher=lambda p: True)
    c.apply(gpu_pod("g", limits=1))
    message = condition(c, "g")["message"]
    assert message.startswith("Pod not supported on Fargate:")
    assert "nvidia.com/gpu" in message and "no GPUs" in message


def efs_volume(name="efs-pv", handle="fs-0123456789abcdef0", driver="efs.csi.aws.com") -> dict:
    # The static-provisioning example of the Amazon EFS CSI driver (aws-efs-csi-driver
    # examples/kubernetes/static_provisioning): a PersistentVolume with csi driver
    # efs.csi.aws.com and the file system id as volumeHandle, storageClassName efs-sc.
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name},
        "spec": {
            "capacity": {"storage": "5Gi"},
            "volumeMode": "Filesystem",
            "accessModes": ["ReadWriteMany"],
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": "efs-sc",
            "csi": {"driver": driver, "volumeHandle": handle},
        },
    }


def claim(name="efs-claim", storage_class="efs-sc") -> dict:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name},
        "spec": {
            "accessModes": ["ReadWriteMany"],
            "storageClassName": storage_class,
            "resources": {"requests": {"storage": "5Gi"}},
        },
    }


def test_fargate_mounts_an_efs_volume_statically_provisioned():
    # EKS user guide, fargate.adoc: Fargate pods can use Amazon EFS (static provisioning
    # only) and cannot mount EBS volumes.
    c = cluster(0, fargate_matcher=lambda p: True)
    c.apply(efs_volume())
    c.apply(claim())
    assert c.get("pvc", "default", "efs-claim")["status"]["phase"] == "Bound"
    assert c.get("pv", name="efs-pv")["spec"]["claimRef"]["name"] == "efs-claim"
    c.apply(
        pod("app", volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "efs-claim"}}])
    )
    got = c.get("Pod", "default", "app")
    assert got["status"]["phase"] == "Running"
    assert got["spec"]["nodeName"].startswith("fargate-ip-")


def test_fargate_refuses_ebs_and_unbound_claims_with_the_reason():
    c = cluster(0, fargate_matcher=lambda p: True)
    c.apply(efs_volume("ebs-pv", handle="vol-0abc", driver="ebs.csi.aws.com"))
    c.apply(claim("ebs-claim"))
    c.apply(claim("nothing", storage_class="gp3"))
    for name, claim_name, words in (
        ("on-ebs", "ebs-claim", "bound to a volume of driver ebs.csi.aws.com"),
        ("unbound", "nothing", "not bound to a statically provisioned volume"),
    ):
        c.apply(
            pod(name, volumes=[{"name": "d", "persistentVolumeClaim": {"claimName": claim_name}}])
        )
        message = condition(c, name)["message"]
        assert message.startswith("Pod not supported on Fargate:")
        assert words in message and "Fargate cannot mount EBS volumes" in message
        assert "efs.csi.aws.com" in message


def test_volumes_are_checked_and_listed():
    c = Cluster()
    with pytest.raises(InvalidParameterError, match="must specify a volume type"):
        c.apply(
            {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "x"}, "spec": {}}
        )
    c.apply(efs_volume())
    assert [v["metadata"]["name"] for v in c.get("PersistentVolume")["items"]] == ["efs-pv"]
    assert c.get("pv", name="efs-pv")["status"]["phase"] == "Available"
    c.apply(claim())
    c.delete("pvc", "efs-claim")
    assert c.get("pv", name="efs-pv")["status"]["phase"] == "Released"
