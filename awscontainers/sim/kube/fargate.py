"""fargate-scheduler: a pod a Fargate profile matched gets a node of its own, sized by
:func:`awscontainers.fargate.provisioned_capacity`, or is refused for good with the reasons
Fargate gives (privileged containers, GPUs, host ports, host network, EBS volumes, no
size)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from awscontainers.errors import FargateSizeError
from awscontainers.fargate import capacity_annotation, provisioned_capacity

from .objects import COMPUTE_TYPE_LABEL, FARGATE_TAINT, GPU_RESOURCE, PodInfo
from .volumes import EFS_CSI_DRIVER, volume_driver

if TYPE_CHECKING:
    from .cluster import Cluster

__all__ = ["fargate_problems", "schedule_fargate"]


def schedule_fargate(cluster: Cluster, pod: PodInfo) -> None:
    """Give ``pod`` its Fargate node and bind it there, or mark it unschedulable."""
    namespace = pod.key[0]
    problems = fargate_problems(
        pod.obj["spec"], lambda claim: volume_driver(cluster, namespace, claim)
    )
    size: tuple[float, float] | None = None
    if not problems:
        try:
            size = provisioned_capacity(pod.obj)
        except FargateSizeError as exc:
            problems = [exc.message]
    if problems or size is None:
        message = "Pod not supported on Fargate: " + "; ".join(problems)
        cluster._unschedulable(pod, message, "fargate-scheduler")
        # Nothing a node change can fix: take it out of the queue for good.
        del cluster._pending[pod.key]
        return
    vcpu, memory_gb = size
    labels = {
        COMPUTE_TYPE_LABEL: "fargate",
        "eks.amazonaws.com/fargate-profile": pod.fargate or "fargate",
    }
    if cluster.fargate_subnets:
        n = cluster._ip_counter
        cluster._ip_counter += 1
        prefix, zone = cluster.fargate_subnets[n % len(cluster.fargate_subnets)]
        ip = f"{prefix}.{4 + n // len(cluster.fargate_subnets)}"
        labels["topology.kubernetes.io/zone"] = zone
    else:
        a, b = cluster._next_ip()
        ip = f"10.0.{a}.{b}"
    node = cluster._add_node(
        f"fargate-ip-{ip.replace('.', '-')}.ec2.internal",
        round(vcpu * 1000),
        round(memory_gb * 2**30),
        1,
        labels,
        [dict(FARGATE_TAINT)],
        ip,
    )
    pod.obj["metadata"]["annotations"]["CapacityProvisioned"] = capacity_annotation(vcpu, memory_gb)
    cluster._bind(pod, node, "fargate-scheduler", ip)


def fargate_problems(
    spec: Mapping[str, Any], claim_driver: Callable[[str], str | None] | None = None
) -> list[str]:
    """Why Fargate would refuse this pod spec (empty list: it can run it).

    ``claim_driver`` names the CSI driver of the volume a claim is bound to (None when it
    is not bound); a claim bound to an EFS volume (static provisioning) is the one kind of
    persistent volume Fargate mounts (EKS user guide, fargate.adoc: "Amazon EFS ... static
    provisioning"; EBS volumes cannot be mounted).

    >>> fargate_problems({"containers": [{"name": "a"}], "hostNetwork": True})
    ['hostNetwork: true is not supported; each Fargate pod has its own ENI']
    """
    problems = []
    containers = list(spec.get("initContainers") or []) + list(spec.get("containers") or [])
    for c in containers:
        name = c.get("name", "?")
        if (c.get("securityContext") or {}).get("privileged"):
            problems.append(
                f"container '{name}' is privileged (securityContext.privileged: true); "
                "Fargate does not run privileged containers"
            )
        resources = c.get("resources") or {}
        if GPU_RESOURCE in (resources.get("limits") or {}) or GPU_RESOURCE in (
            resources.get("requests") or {}
        ):
            problems.append(
                f"container '{name}' asks for {GPU_RESOURCE}; Fargate has no GPUs (run the pod "
                "on EC2 nodes of a GPU instance type)"
            )
        for port in c.get("ports") or []:
            if port.get("hostPort"):
                problems.append(
                    f"container '{name}' uses hostPort {port['hostPort']}; Fargate pods have "
                    "no host ports (expose the port with a Service instead)"
                )
    if spec.get("hostNetwork"):
        problems.append("hostNetwork: true is not supported; each Fargate pod has its own ENI")
    efs_only = (
        "Fargate cannot mount EBS volumes, only Amazon EFS with static provisioning (a "
        f"PersistentVolume with csi driver {EFS_CSI_DRIVER} and the file system id as "
        "volumeHandle, and a claim bound to it), or run the pod on EC2 nodes"
    )
    for volume in spec.get("volumes") or []:
        vname = volume.get("name", "?")
        if "awsElasticBlockStore" in volume:
            problems.append(f"volume '{vname}' uses awsElasticBlockStore; {efs_only}")
        elif "persistentVolumeClaim" in volume:
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName", "")
            driver = claim_driver(claim) if claim_driver else None
            if driver == EFS_CSI_DRIVER:
                continue
            what = (
                f"is bound to a volume of driver {driver}"
                if driver
                else "is not bound to a statically provisioned volume (Fargate cannot wait "
                "for dynamic provisioning)"
            )
            problems.append(
                f"volume '{vname}' uses persistentVolumeClaim {claim!r}, which {what}; {efs_only}"
            )
        elif (volume.get("csi") or {}).get("driver", EFS_CSI_DRIVER) != EFS_CSI_DRIVER:
            problems.append(
                f"volume '{vname}' uses the CSI driver {volume['csi']['driver']}; {efs_only}"
            )
    return problems
