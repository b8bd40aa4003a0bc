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
    pod_labels = {"app": name, **(labels or {})}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": pod_labels},
                "spec": {
                    "containers": [
                        {
                            "name": name,
                            "image": SAMPLE_IMAGE,
                            "ports": [{"containerPort": 80}],
                            "resources": {"requests": {"cpu": cpu, "memory": memory}},
                        }
                    ]
                },
            },
        },
    }


def sample_daemonset(*, name: str = "log-agent", namespace: str = "kube-system") -> dict:
    """A DaemonSet (one log agent per node), the kind of workload Fargate cannot run."""
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "containers": [
                        {
                            "name": name,
                            "image": AGENT_IMAGE,
                            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                        }
                    ]
                },
            },
        },
    }
