"""Sample Kubernetes manifests every EKS lesson applies, so the three hosting modes compare
like with like: the same Deployment and the same DaemonSet.

(What a team describes to *cost* is a different thing: :mod:`awscontainers.workload`.)

>>> sample_deployment(replicas=3)["spec"]["replicas"]
3
"""

from __future__ import annotations

from .errors import InvalidParameterError

SAMPLE_IMAGE = "public.ecr.aws/nginx/nginx:1.27"
AGENT_IMAGE = "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable"
GPU_IMAGE = "nvidia/cuda:12.4.1-base-ubuntu22.04"


def _workload(
    kind: str,
    name: str,
    namespace: str,
    container: dict,
    *,
    selector: dict[str, str],
    labels: dict[str, str] | None = None,
    pod_labels: dict[str, str] | None = None,
    replicas: int | None = None,
) -> dict:
    """An apps/v1 Deployment or DaemonSet of one container: the shape every manifest here
    shares (``labels`` on the object, ``pod_labels`` on its pods, the selector by default)."""
    metadata: dict = {"name": name, "namespace": namespace}
    if labels is not None:
        metadata["labels"] = labels
    spec: dict = {} if replicas is None else {"replicas": replicas}
    spec["selector"] = {"matchLabels": selector}
    spec["template"] = {
        "metadata": {"labels": pod_labels or selector},
        "spec": {"containers": [container]},
    }
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": metadata, "spec": spec}


def sample_deployment(
    replicas: int = 4,
    *,
    name: str = "web",
    namespace: str = "default",
    cpu: str = "500m",
    memory: str = "512Mi",
    labels: dict[str, str] | None = None,
) -> dict:
    """A Deployment of ``replicas`` nginx pods, each requesting ``cpu`` and ``memory``."""
    if not isinstance(replicas, int) or replicas < 0:
        raise InvalidParameterError(
            f"replicas must be a whole number, 0 or more, not {replicas!r}.",
            hint="sample_deployment(replicas=4)",
        )
    container = {
        "name": name,
        "image": SAMPLE_IMAGE,
        "ports": [{"containerPort": 80}],
        "resources": {"requests": {"cpu": cpu, "memory": memory}},
    }
    return _workload(
        "Deployment",
        name,
        namespace,
        container,
        selector={"app": name},
        labels={"app": name},
        pod_labels={"app": name, **(labels or {})},
        replicas=replicas,
    )


def sample_daemonset(*, name: str = "log-agent", namespace: str = "kube-system") -> dict:
    """A DaemonSet (one log agent per node), the kind of workload Fargate cannot run."""
    container = {
        "name": name,
        "image": AGENT_IMAGE,
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
    }
    return _workload("DaemonSet", name, namespace, container, selector={"app": name})


def sample_gpu_pod(name: str = "train", *, gpus: int = 1, namespace: str = "default") -> dict:
    """A Pod asking for ``gpus`` NVIDIA GPUs. GPUs are asked for under ``limits`` (the
    request follows the limit); a node offers them as ``nvidia.com/gpu`` once the NVIDIA
    device plugin runs on it.

    >>> sample_gpu_pod("train-1")["spec"]["containers"][0]["resources"]
    {'limits': {'nvidia.com/gpu': 1}}
    """
    if isinstance(gpus, bool) or not isinstance(gpus, int) or gpus < 1:
        raise InvalidParameterError(
            f"gpus must be a whole number, 1 or more, not {gpus!r}.",
            hint="sample_gpu_pod('train-1', gpus=1)",
        )
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "containers": [
                {
                    "name": "cuda",
                    "image": GPU_IMAGE,
                    "resources": {"limits": {"nvidia.com/gpu": gpus}},
                }
            ]
        },
    }


def cluster_autoscaler(cluster: str) -> dict:
    """The Cluster Autoscaler's Deployment in ``kube-system`` for EKS cluster ``cluster``,
    finding its Auto Scaling groups by tag (its AWS example, cluster-autoscaler-autodiscover).
    This is its Kubernetes side; the AWS side (IAM permissions, group tags) is yours too.
    ``lab.kube(cluster).install_cluster_autoscaler()`` applies this."""
    from .rules.data import load_packaged

    labels = {"app": "cluster-autoscaler"}
    image = load_packaged("day2.yaml")["cluster_autoscaler"]["image"]
    container = {
        "name": "cluster-autoscaler",
        "image": image,
        "command": [
            "./cluster-autoscaler",
            "--cloud-provider=aws",
            "--node-group-auto-discovery=asg:tag="
            f"k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/{cluster}",
        ],
        "resources": {"requests": {"cpu": "100m", "memory": "600Mi"}},
    }
    return _workload(
        "Deployment",
        "cluster-autoscaler",
        "kube-system",
        container,
        selector=labels,
        labels=labels,
        replicas=1,
    )


def karpenter(cluster: str) -> dict:
    """Karpenter's controller Deployment in ``kube-system`` for EKS cluster ``cluster`` (its
    Kubernetes side; it requests one vCPU, ``CPU_REQUESTS``' default). Its AWS side (the
    controller's EC2 permissions, the node role's access entry) is yours too:
    ``lab.eks.allow_karpenter``. ``lab.kube(cluster).install_karpenter()`` applies this."""
    from .rules.data import load_packaged

    facts = load_packaged("day2.yaml")["karpenter"]
    labels = {"app.kubernetes.io/name": "karpenter"}
    container = {
        "name": "controller",
        "image": facts["image"],
        "env": [{"name": "CLUSTER_NAME", "value": cluster}],
        "resources": {"requests": dict(facts["controller_requests"])},
    }
    return _workload(
        "Deployment", "karpenter", "kube-system", container, selector=labels, labels=labels,
        replicas=1,
    )  # fmt: skip


def metrics_server() -> dict:
    """The Metrics Server's Deployment in ``kube-system``, as its release manifest
    (components.yaml) runs it: what ``kubectl top`` and the HorizontalPodAutoscaler read.
    EKS does not install it; in the lab ``lab.kube(cluster).install_metrics_server()``
    applies this."""
    labels = {"k8s-app": "metrics-server"}
    container = {
        "name": "metrics-server",
        "image": "registry.k8s.io/metrics-server/metrics-server:v0.7.2",
        "args": ["--metric-resolution=15s"],
        "resources": {"requests": {"cpu": "100m", "memory": "200Mi"}},
    }
    return _workload(
        "Deployment",
        "metrics-server",
        "kube-system",
        container,
        selector=labels,
        labels=labels,
        replicas=1,
    )
