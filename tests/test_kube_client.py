"""The kube client (``lab.kube``) as a thin layer: ConfigMaps and aws-auth go through the
core like any kind, and ``explain`` comes back as a table."""

from __future__ import annotations

import pytest

from awscontainers.errors import InvalidParameterError, LabError, NotFoundError, UnsupportedError
from awscontainers.kube import KubeClient
from awscontainers.manifests import sample_deployment
from awscontainers.sim.kube import FILTERS


def _aws_auth(lab, roles: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "aws-auth", "namespace": "kube-system"},
        "data": {"mapRoles": roles},
    }


def _mapping(lab) -> str:
    return (
        f"- rolearn: {lab.role_arn('eks-node')}\n"
        "  username: system:node:{{EC2PrivateDNSName}}\n"
        "  groups: [system:bootstrappers, system:nodes]\n"
    )


def test_aws_auth_is_an_ordinary_config_map_that_eks_watches(lab):
    lab.eks.create_cluster(name="demo")
    k = lab.kube("demo")
    [row] = lab.eks.launch_self_managed_nodes("demo", count=1)
    assert row["node"] is None and row["why not"].startswith("Unauthorized")
    with pytest.raises(InvalidParameterError, match="mapRoles is not valid YAML"):
        k.apply(_aws_auth(lab, "- [unclosed"))
    assert k.get("ConfigMap")["items"] == []  # refused, so not stored
    [stored] = k.apply(_aws_auth(lab, _mapping(lab)))
    assert k.get("cm", name="aws-auth") == stored
    assert len(k.get("Node")["items"]) == 1  # the waiting kubelet got in
    k.delete("ConfigMap", "aws-auth", "kube-system")
    with pytest.raises(NotFoundError, match='configmaps "aws-auth" not found'):
        k.get("ConfigMap", "kube-system", "aws-auth")
    rows = lab.eks.scale_self_managed_nodes("demo", desired=2)
    assert sum(1 for r in rows if r["node"]) == 1  # the new one is refused again
    assert len(k.get("Node")["items"]) == 1


def test_explain_is_a_table_of_nodes_and_plugins(lab):
    lab.eks.create_cluster(name="demo")
    lab.eks.create_nodegroup(
        clusterName="demo",
        nodegroupName="ng",
        scalingConfig={"minSize": 1, "desiredSize": 2, "maxSize": 2},
    )
    k = lab.kube("demo")
    k.apply(sample_deployment(8))  # 500m each; a t3.medium node has 1930m: 3 fit per node
    pods = k.get("Pod")["items"]
    pending = next(p for p in pods if p["status"]["phase"] == "Pending")
    running = next(p for p in pods if p["status"]["phase"] == "Running")
    name = pending["metadata"]["name"]

    table = k.explain(name)
    message = pending["status"]["conditions"][0]["message"]
    assert message == "0/2 nodes are available: 2 Insufficient cpu."
    assert table.title == f"explain default/{name}: Pending: {message}"
    assert table.columns == ["node", *FILTERS, "result"]
    assert len(table) == 2
    for row in table:
        assert row["NodeResourcesFit"] == "Insufficient cpu"
        assert row["TaintToleration"] == "✓" and row["NodeName"] == "-"
        assert row["result"] == "filtered out by NodeResourcesFit"
    assert table.explanation.message == message
    assert "<table>" in table._repr_html_() and "Insufficient cpu" in str(table)

    bound = k.explain(running)  # a pod object works as well as a name
    here = [r for r in bound if r["result"].startswith("bound here")]
    assert [r["node"] for r in here] == [running["spec"]["nodeName"]]
    assert "score" in here[0]["result"]

    with pytest.raises(NotFoundError) as info:
        k.explain("ghost")
    assert info.value.hint


def test_explain_on_real_aws_says_what_to_read_instead(lab):
    k = KubeClient.__new__(KubeClient)  # as the real-AWS backend builds it: no simulator
    k._lab, k.cluster, k._sim = lab, "demo", None
    with pytest.raises(UnsupportedError) as info:
        k.explain("web", namespace="shop")
    assert isinstance(info.value, LabError)
    assert "kubectl describe pod web -n shop" in info.value.hint
