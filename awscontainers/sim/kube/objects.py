"""The vocabulary every part of the Kubernetes core shares: label and reason strings, the one
error helper for a refused manifest, CPU quantities in millicores, and what the scheduler
keeps for each pod (:class:`PodShape`, :class:`PodInfo`) and node (:class:`NodeInfo`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from awscontainers.errors import InvalidParameterError
from awscontainers.fargate import parse_quantity_cpu, parse_quantity_memory
from awscontainers.rules.data import load_packaged
from awscontainers.sim.plain import copy_object  # noqa: F401  (kept here for its users)

#: Label EKS puts on every Fargate node (value ``fargate``).
COMPUTE_TYPE_LABEL = "eks.amazonaws.com/compute-type"
#: What kube-scheduler says when the cluster has no node at all.
NO_NODES_MESSAGE = "no nodes available to schedule pods"

REASON_CPU = "Insufficient cpu"
REASON_MEMORY = "Insufficient memory"
REASON_PODS = "Too many pods"
#: The NVIDIA device plugin's extended resource: one unit per physical GPU.
GPU_RESOURCE = "nvidia.com/gpu"
#: kube-scheduler's NodeResourcesFit words a short extended resource "Insufficient <name>".
REASON_GPU = f"Insufficient {GPU_RESOURCE}"
REASON_SELECTOR = "node(s) didn't match Pod's node affinity/selector"
FARGATE_TAINT = {"key": COMPUTE_TYPE_LABEL, "value": "fargate", "effect": "NoSchedule"}
# kube-scheduler scores a container without requests as if it asked for this much.
SCORE_DEFAULT_CPU = 100
SCORE_DEFAULT_MEMORY = 200 * 1024 * 1024
# The alphabet Kubernetes uses for generated names (no vowels, so no accidental words).
ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)
NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
MANIFEST_HINT = (
    "Write a manifest like:\n"
    "    apiVersion: v1\n    kind: Pod\n    metadata:\n      name: web\n"
    "    spec:\n      containers:\n      - name: web\n        image: nginx"
)


_DRAIN = load_packaged("day2.yaml")["kubernetes_drain"]


def untolerated_taint(taint: Mapping[str, str]) -> str:
    """kube-scheduler's reason for a taint the pod does not tolerate; a cordoned node's
    taint is worded as its NodeUnschedulable plugin words it.

    >>> untolerated_taint({"key": "dedicated", "value": "gpu", "effect": "NoSchedule"})
    'node(s) had untolerated taint {dedicated: gpu}'
    >>> untolerated_taint({"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"})
    'node(s) were unschedulable'
    """
    if taint["key"] == _DRAIN["unschedulable_taint"]:
        return str(_DRAIN["unschedulable_reason"])
    return f"node(s) had untolerated taint {{{taint['key']}: {taint.get('value', '')}}}"


def invalid(message: str, hint: str = MANIFEST_HINT) -> InvalidParameterError:
    """The error for anything the API server would refuse as ``Invalid``."""
    return InvalidParameterError(message, code="Invalid", hint=hint)


#: The most pods one Deployment may ask for in the lab. Kubernetes sets no such cap (etcd and
#: the cluster's nodes are the limits); the lab refuses more so a typo cannot hang a notebook.
MAX_REPLICAS = 10_000


def check_replicas_limit(replicas: int, what: str) -> None:
    """Refuse a replica count above :data:`MAX_REPLICAS`, saying it is the lab's limit."""
    if replicas > MAX_REPLICAS:
        raise invalid(
            f"{what}: spec.replicas: Invalid value: {replicas}: the lab runs at most "
            f"{MAX_REPLICAS:,} pods per Deployment (the lab's limit, not Kubernetes').",
            hint=f"ask for {MAX_REPLICAS:,} replicas or fewer; a lesson seldom needs more than 10.",
        )


def millicores(quantity: Any) -> int:
    """A Kubernetes CPU quantity in whole millicores.

    >>> millicores("250m"), millicores(2), millicores("0.5")
    (250, 2000, 500)
    """
    # parse_quantity_cpu returns whole millicores / 1000, so rounding back is exact.
    return round(parse_quantity_cpu(quantity) * 1000)


def _resources(res: Any, where: str) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """A container's (requests, limits), refused as the API server would unless maps."""
    if not isinstance(res, Mapping):
        raise invalid(
            f"{where}: resources: Invalid value: {type(res).__name__}: must be a map with "
            "requests and limits.",
            hint="resources: {requests: {cpu: 250m, memory: 256Mi}}",
        )
    parts = []
    for field in ("requests", "limits"):
        part = res.get(field) or {}
        if not isinstance(part, Mapping):
            raise invalid(
                f"{where}: resources.{field}: Invalid value: {type(part).__name__}: must be a "
                "map of resource name: quantity.",
                hint=f"resources: {{{field}: {{cpu: 250m, memory: 256Mi}}}}",
            )
        parts.append(part)
    return parts[0], parts[1]


class PodShape:
    """What the scheduler needs from a pod spec, computed once per spec (or template)."""

    __slots__ = ("cpu", "mem", "gpu", "score_cpu", "score_mem", "selector", "tolerations", "sig")

    def __init__(self, spec: Mapping[str, Any], where: str):
        containers = spec.get("containers")
        if not isinstance(containers, list) or not containers:
            raise invalid(f"{where}: spec.containers: Required value: at least one container.")
        inits = spec.get("initContainers") or []
        sums = [0, 0, 0, 0]
        init_max = [0, 0, 0, 0]
        gpu_sum = gpu_init = 0
        for group, target, add in ((containers, sums, True), (inits, init_max, False)):
            for i, container in enumerate(group):
                if not isinstance(container, Mapping) or not container.get("name"):
                    raise invalid(f"{where}: container #{i} needs a 'name' and an 'image'.")
                if not container.get("image"):
                    raise invalid(f"{where}: container '{container['name']}': image: Required.")
                res = container.get("resources") or {}
                requests, limits = _resources(res, f"{where}: container '{container['name']}'")
                # A request defaults to the limit, as the API server does when defaulting.
                cpu = millicores(requests.get("cpu", limits.get("cpu", 0)))
                mem = parse_quantity_memory(requests.get("memory", limits.get("memory", 0)))
                values = (cpu, mem, cpu or SCORE_DEFAULT_CPU, mem or SCORE_DEFAULT_MEMORY)
                for j, amount in enumerate(values):
                    target[j] = target[j] + amount if add else max(target[j], amount)
                gpus = _gpus(requests, limits, f"{where}: container '{container['name']}'")
                gpu_sum, gpu_init = (
                    (gpu_sum + gpus, gpu_init) if add else (gpu_sum, max(gpu_init, gpus))
                )
        # Init containers run one at a time before the others: the pod needs the larger.
        self.cpu, self.mem, self.score_cpu, self.score_mem = (
            max(a, b) for a, b in zip(sums, init_max, strict=True)
        )
        self.gpu = max(gpu_sum, gpu_init)
        selector = spec.get("nodeSelector") or {}
        if not isinstance(selector, Mapping):
            raise invalid(f"{where}: spec.nodeSelector must be a map of label: value.")
        self.selector = tuple(sorted((str(k), str(v)) for k, v in selector.items()))
        tolerations = spec.get("tolerations") or []
        if not isinstance(tolerations, list):
            raise invalid(f"{where}: spec.tolerations must be a list.")
        tols = []
        for tol in tolerations:
            if not isinstance(tol, Mapping):
                raise invalid(f"{where}: each toleration is a map (key, operator, value, effect).")
            operator = tol.get("operator", "Equal")
            key, value = str(tol.get("key", "")), str(tol.get("value", ""))
            if operator not in ("Equal", "Exists"):
                raise invalid(
                    f"{where}: toleration operator {operator!r} is not supported.",
                    hint="Use operator: Equal (with a value) or Exists (without one).",
                )
            if operator == "Exists" and value:
                raise invalid(
                    f"{where}: a toleration with operator Exists must not have a value.",
                    hint="Remove the value, or use operator: Equal.",
                )
            if operator == "Equal" and not key:
                raise invalid(
                    f"{where}: a toleration with an empty key must use operator Exists.",
                    hint="Set a key, or write {operator: Exists} to tolerate every taint.",
                )
            tols.append((key, operator, value, str(tol.get("effect", ""))))
        self.tolerations = tuple(tols)
        # Everything the static filters read: pods with the same sig pass the same nodes.
        self.sig = (self.selector, self.tolerations)


def _gpus(requests: Mapping[str, Any], limits: Mapping[str, Any], where: str) -> int:
    """The GPUs a container asks for, refused as the API server refuses them
    (pkg/apis/core/validation, ``validateResourceRequirements``): an extended resource is a
    whole number, cannot be overcommitted, so it needs a limit, and a request must equal it;
    a limit alone makes the request the same."""
    request, limit = requests.get(GPU_RESOURCE), limits.get(GPU_RESOURCE)
    if request is None and limit is None:
        return 0
    values = {}
    for part, value in (("requests", request), ("limits", limit)):
        if value is None:
            continue
        text = str(value).strip()
        if not text.isdigit():
            raise invalid(
                f"{where}: resources.{part}[{GPU_RESOURCE}]: Invalid value: {value!r}: must be "
                "an integer",
                hint=f"ask for whole GPUs: limits: {{{GPU_RESOURCE}: 1}}.",
            )
        values[part] = int(text)
    if "limits" not in values:
        raise invalid(
            f"{where}: resources.limits[{GPU_RESOURCE}]: Required value: Limit must be set for "
            "non overcommitable resources",
            hint=f"put the GPU count under limits (the request is copied from it): "
            f"limits: {{{GPU_RESOURCE}: {values['requests']}}}.",
        )
    if "requests" in values and values["requests"] != values["limits"]:
        raise invalid(
            f"{where}: resources.requests[{GPU_RESOURCE}]: Invalid value: "
            f'"{values["requests"]}": must be equal to {GPU_RESOURCE} limit of '
            f"{values['limits']}",
            hint="set only the limit, or the same number in both.",
        )
    return values["limits"]


def tolerated(taint: Mapping[str, str], tolerations: tuple) -> bool:
    """Whether one of a pod's tolerations (as kept in :class:`PodShape`) matches ``taint``."""
    for key, operator, value, effect in tolerations:
        if effect and effect != taint["effect"]:
            continue
        if operator == "Exists":
            if not key or key == taint["key"]:
                return True
        elif key == taint["key"] and value == taint.get("value", ""):
            return True
    return False


class NodeInfo:
    """A node's object plus the running totals the scheduler reads in its hot loop."""

    __slots__ = (
        "name", "obj", "labels", "taints", "fargate", "cpu_free", "mem_free", "pods_free",
        "score_cpu_free", "score_mem_free", "inv_cpu", "inv_mem", "pods", "gpu_free",
    )  # fmt: skip

    def __init__(
        self, name: str, obj: dict, cpu: int, mem: int, pods: int, fargate: bool, gpus: int = 0
    ):
        self.name, self.obj, self.fargate = name, obj, fargate
        self.gpu_free = gpus
        self.labels: dict[str, str] = obj["metadata"]["labels"]
        # Only these two effects keep new pods away; PreferNoSchedule is a mere preference.
        self.taints = [t for t in obj["spec"]["taints"] if t["effect"] != "PreferNoSchedule"]
        self.cpu_free, self.mem_free, self.pods_free = cpu, mem, pods
        self.score_cpu_free, self.score_mem_free = cpu, mem
        self.inv_cpu = 1 / cpu if cpu else 0.0
        self.inv_mem = 1 / mem if mem else 0.0
        self.pods: dict[tuple[str, str], None] = {}

    def take(self, shape: PodShape, sign: int = 1) -> None:
        """Count a pod's requests against the node (``sign=-1`` gives them back)."""
        self.cpu_free -= sign * shape.cpu
        self.mem_free -= sign * shape.mem
        self.pods_free -= sign
        self.gpu_free -= sign * shape.gpu
        self.score_cpu_free -= sign * shape.score_cpu
        self.score_mem_free -= sign * shape.score_mem


class PodInfo:
    """Bookkeeping for one pod; ``obj`` is what ``get`` returns (a copy of)."""

    __slots__ = ("key", "obj", "shape", "node", "owner", "pinned", "fargate", "tried")

    def __init__(self, key: tuple[str, str], obj: dict, shape: PodShape, owner: tuple | None):
        self.key, self.obj, self.shape, self.owner = key, obj, shape, owner
        self.node: NodeInfo | None = None
        self.pinned: str | None = None  # the only node allowed (DaemonSet pods, spec.nodeName)
        self.fargate: str | None = None  # Fargate profile name when the matcher chose Fargate
        self.tried = -1  # capacity generation of the last failed attempt
