"""The workload kinds and their controllers: Deployments keep ``spec.replicas`` pods alive
(through a ReplicaSet named after the pod template's hash), DaemonSets keep one pod on every
EC2 node whose taints and labels let it in.

A controller is a function ``reconcile(cluster, (kind, namespace, name))`` that the cluster
calls until nothing is left to do whenever an object of its kind is marked dirty (applied,
scaled, one of its pods deleted) and, for kinds that ``watches_nodes``, when a node comes or
goes. The :class:`~.kinds.Kind` records at the bottom are registered in
:mod:`awscontainers.sim.kube`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .kinds import Kind, check_metadata, check_spec
from .objects import ALPHABET, PodShape, check_replicas_limit, copy_object, invalid
from .plugins import node_admits

if TYPE_CHECKING:
    from .cluster import Cluster

__all__ = ["DAEMONSET", "DEPLOYMENT", "reconcile_daemonset", "reconcile_deployment"]

_HASH_ANNOTATION = "lab/pod-template-hash"


def _template_hash(template: Mapping[str, Any]) -> str:
    # Same template, same hash: what Kubernetes' pod-template-hash label is for.
    text = json.dumps(template, sort_keys=True, default=str).encode()
    digest = hashlib.blake2b(text).digest()
    return "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:10])


# ------------------------------------------------------------------ manifests


def check_workload(cluster: Cluster, doc: Mapping[str, Any], where: str) -> PodShape:
    """Refuse a Deployment or DaemonSet the API server would refuse; its template's shape."""
    where = check_metadata(doc, where)
    spec = check_spec(doc, where)
    replicas = spec.get("replicas", 1)
    if doc["kind"] == "Deployment" and (
        isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0
    ):
        raise invalid(
            f"{where}: spec.replicas: Invalid value: {replicas!r}: must be greater than "
            "or equal to 0.",
            hint="Set spec.replicas to a whole number such as 3 (0 stops every pod).",
        )
    if doc["kind"] == "Deployment":
        check_replicas_limit(replicas, where)
    template = spec.get("template")
    if not isinstance(template, Mapping) or not isinstance(template.get("spec"), Mapping):
        raise invalid(
            f"{where}: spec.template.spec: Required value.",
            hint="Put the pod inside spec.template: {metadata: {labels: {app: web}}, "
            "spec: {containers: [...]}}.",
        )
    selector = spec.get("selector") or {}
    if not isinstance(selector, Mapping) or not isinstance(
        selector.get("matchLabels") or {}, Mapping
    ):
        raise invalid(
            f"{where}: spec.selector: Invalid value: {selector!r}: must be a label selector "
            "(a map with matchLabels).",
            hint="Write spec.selector: {matchLabels: {app: web}}, the same labels as the "
            "template's.",
        )
    match = selector.get("matchLabels") or {}
    labels = (template.get("metadata") or {}).get("labels") or {}
    if not isinstance(labels, Mapping):
        raise invalid(
            f"{where}: spec.template.metadata.labels: Invalid value: must be a map.",
            hint="Write spec.template.metadata.labels: {app: web}.",
        )
    if not match or any(labels.get(k) != v for k, v in match.items()):
        raise invalid(
            f"{where}: spec.selector: Invalid value: selector does not match template "
            "labels (apps/v1 requires spec.selector.matchLabels).",
            hint="Write spec.selector.matchLabels with the same labels as "
            "spec.template.metadata.labels, e.g. {app: web} in both.",
        )
    return PodShape(template["spec"], where)


def apply_workload(cluster: Cluster, doc: dict, ns: str | None, shape: PodShape) -> None:
    """Store a Deployment or DaemonSet; a new pod template replaces every pod."""
    assert ns is not None
    kind, meta, spec = doc["kind"], doc["metadata"], copy_object(doc["spec"])
    key = (kind, ns, meta["name"])
    if kind == "Deployment":
        spec.setdefault("replicas", 1)
    template_hash = _template_hash(spec["template"])
    old = cluster._objects.get(key)
    if old is None:
        obj = {
            "apiVersion": doc["apiVersion"],
            "kind": kind,
            "metadata": cluster._meta(meta["name"], ns, meta),
            "spec": spec,
            "status": {},
        }
        obj["metadata"]["generation"] = 1
        cluster._objects[key] = obj
        cluster._owned[key] = {}
    else:
        obj = old
        if obj["spec"] != spec:
            obj["metadata"]["generation"] += 1
        obj["metadata"]["labels"] = dict(meta.get("labels") or {})
        if _template_hash(obj["spec"]["template"]) != template_hash:
            # A new pod template replaces every pod (the Recreate strategy; a real
            # Deployment would roll them over gradually).
            for pod_key in list(cluster._owned[key]):
                cluster._delete_pod(cluster._pods[pod_key])
        obj["spec"] = spec
    obj["metadata"]["annotations"][_HASH_ANNOTATION] = template_hash
    cluster._shapes[key] = shape
    cluster._dirty[key] = None


def delete_workload(cluster: Cluster, kind: str, namespace: str, name: str) -> None:
    """Delete the object and, in the foreground for simplicity, every pod it owns."""
    key = (kind, namespace, name)
    if key not in cluster._objects:
        raise cluster._not_found(kind, name, namespace)
    del cluster._objects[key]
    cluster._shapes.pop(key, None)
    cluster._dirty.pop(key, None)
    for pod_key in list(cluster._owned.pop(key)):
        cluster._delete_pod(cluster._pods[pod_key])


# ------------------------------------------------------------------ status on read


def _pod_counts(cluster: Cluster, key: tuple[str, str, str]) -> tuple[int, int]:
    # Status is derived on read: cheaper than keeping counters in step with every pod.
    pods = [cluster._pods[k] for k in cluster._owned[key]]
    return len(pods), sum(1 for p in pods if p.node is not None)


def deployment_status(cluster: Cluster, key: tuple[str, str, str], obj: dict) -> dict:
    total, ready = _pod_counts(cluster, key)
    obj["status"] = {
        "observedGeneration": obj["metadata"]["generation"],
        "replicas": total,
        "updatedReplicas": total,
        "readyReplicas": ready,
        "availableReplicas": ready,
        "unavailableReplicas": total - ready,
    }
    return obj


def daemonset_status(cluster: Cluster, key: tuple[str, str, str], obj: dict) -> dict:
    total, ready = _pod_counts(cluster, key)
    obj["status"] = {
        "observedGeneration": obj["metadata"]["generation"],
        "desiredNumberScheduled": total,
        "currentNumberScheduled": ready,
        "numberReady": ready,
        "numberAvailable": ready,
        "numberMisscheduled": 0,
    }
    return obj


# ------------------------------------------------------------------ controllers


def reconcile_deployment(cluster: Cluster, key: tuple[str, str, str]) -> None:
    """Make or remove pods until ``spec.replicas`` of them exist."""
    obj, shape = cluster._objects[key], cluster._shapes[key]
    ns = key[1]
    template = obj["spec"]["template"]
    owned = cluster._owned[key]
    missing = obj["spec"]["replicas"] - len(owned)
    template_hash = obj["metadata"]["annotations"][_HASH_ANNOTATION]
    prefix = f"{key[2]}-{template_hash}-"
    owner_ref = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "name": f"{key[2]}-{template_hash}",
        "uid": obj["metadata"]["uid"],
        "controller": True,
    }
    for _ in range(missing):
        cluster._new_pod(
            ns,
            cluster._unique(ns, prefix),
            template.get("metadata") or {},
            copy_object(template["spec"]),
            shape,
            key,
            owner_ref=owner_ref,
            labels={"pod-template-hash": template_hash},
        )
    if missing < 0:
        # Like a ReplicaSet: remove unscheduled pods first, then the newest ones.
        pods = [cluster._pods[k] for k in owned]
        pods.sort(key=lambda p: (p.node is not None, -int(p.obj["metadata"]["uid"][-12:], 16)))
        for pod in pods[:-missing]:
            cluster._delete_pod(pod)


def reconcile_daemonset(cluster: Cluster, key: tuple[str, str, str]) -> None:
    """One pod per EC2 node that admits the template; none on Fargate nodes, which run
    exactly one pod per micro-VM and do not support DaemonSets at all."""
    obj, shape = cluster._objects[key], cluster._shapes[key]
    ns = key[1]
    template = obj["spec"]["template"]
    owned = cluster._owned[key]
    owner_ref = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "name": key[2],
        "uid": obj["metadata"]["uid"],
        "controller": True,
    }
    by_node = {cluster._pods[k].pinned: cluster._pods[k] for k in owned}
    for node in cluster._ec2_nodes:
        if node.name not in by_node and node_admits(shape, node):
            pod = cluster._new_pod(
                ns,
                cluster._unique(ns, f"{key[2]}-"),
                template.get("metadata") or {},
                copy_object(template["spec"]),
                shape,
                key,
                owner_ref=owner_ref,
                fargate=False,
            )
            pod.pinned = node.name
            # Real DaemonSet pods carry this affinity, which is how they reach one node.
            match = {"key": "metadata.name", "operator": "In", "values": [node.name]}
            pod.obj["spec"]["affinity"] = {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [{"matchFields": [match]}]
                    }
                }
            }
    for node_name, pod in by_node.items():
        if node_name not in cluster._nodes:
            cluster._delete_pod(pod)


# ------------------------------------------------------------------ the kinds


def _workload_kind(name: str, plural: str, alias: str, status: Any, controller: Any,
                   watches_nodes: bool) -> Kind:  # fmt: skip
    def read(cluster: Cluster, namespace: str | None, obj_name: str) -> dict:
        key = (name, namespace or "default", obj_name)
        obj = cluster._objects.get(key)
        if obj is None:
            raise cluster._not_found(name, obj_name, key[1])
        return status(cluster, key, obj)

    def items(cluster: Cluster, namespace: str | None) -> list[dict]:
        return [
            status(cluster, k, o)
            for k, o in sorted(cluster._objects.items())
            if k[0] == name and namespace in (None, k[1])
        ]

    return Kind(
        name=name,
        api_version="apps/v1",
        plural=f"{plural}.apps",
        aliases=(plural, alias),
        read=read,
        items=items,
        delete=lambda cluster, ns, obj_name: delete_workload(cluster, name, ns, obj_name),
        check=check_workload,
        namespace_of=lambda cluster, doc: cluster._namespace_of(doc),
        apply=apply_workload,
        controller=controller,
        watches_nodes=watches_nodes,
    )


DEPLOYMENT = _workload_kind(
    "Deployment", "deployments", "deploy", deployment_status, reconcile_deployment, False
)
DAEMONSET = _workload_kind(
    "DaemonSet", "daemonsets", "ds", daemonset_status, reconcile_daemonset, True
)
