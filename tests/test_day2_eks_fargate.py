"""EKS on Fargate on day 2: the HorizontalPodAutoscaler is the only scaling to configure; each
new pod gets a Fargate node of its own, with no node autoscaler at all (EKS User Guide,
"Simplify compute management with AWS Fargate": one pod per Fargate node)."""

from __future__ import annotations

from awscontainers import manifests
from awscontainers.sim import load


def test_hpa_alone_scales_and_every_new_pod_gets_its_own_fargate_node(lab):
    lab.eks.create_cluster(name="demo")
    for name, namespace in (("default", "default"), ("system", "kube-system")):
        lab.eks.create_fargate_profile(
            clusterName="demo", fargateProfileName=name, selectors=[{"namespace": namespace}]
        )
    k = lab.kube("demo")
    k.install_metrics_server()  # on Fargate too (kube-system profile)
    k.apply(manifests.sample_deployment(replicas=2, cpu="250m"))
    k.apply(
        {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web"},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                "minReplicas": 2,
                "maxReplicas": 8,
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
    lab.day2.load_deployment("demo", "web", load.constant(1.5))  # 6 pods' worth at 50 %
    lab.advance(minutes=2)
    replicas = k.get("Deployment", "default", "web")["spec"]["replicas"]
    assert replicas == 8  # 1.5 vCPU / (0.25 x 50 %) = 12, capped at maxReplicas
    pods = [p for p in k.get("Pod")["items"] if p["metadata"]["namespace"] == "default"]
    assert len(pods) == replicas and all(p["spec"].get("nodeName") for p in pods)
    nodes = {n["metadata"]["name"]: n for n in k.get("Node")["items"]}
    # One Fargate node per pod, the metrics server's included; no EC2 node anywhere.
    assert len(nodes) == len(k.get("Pod")["items"])
    assert len({p["spec"]["nodeName"] for p in pods}) == replicas
    assert all(
        n["metadata"]["labels"]["eks.amazonaws.com/compute-type"] == "fargate"
        for n in nodes.values()
    )
    scaling = [
        e for e in lab.timeline_events() if e["source"] in ("cluster-autoscaler", "karpenter")
    ]
    assert scaling == []
