"""PersistentVolumes and PersistentVolumeClaims, statically provisioned.

Enough of Kubernetes storage for EKS on Fargate to tell EFS from EBS: a PersistentVolume
names the storage (``spec.csi.driver`` ``efs.csi.aws.com`` with an EFS file system id as
``volumeHandle``, or ``ebs.csi.aws.com`` / ``awsElasticBlockStore`` for an EBS volume), and a
claim binds to it, by ``spec.volumeName`` or by ``storageClassName``, as the
PersistentVolume controller binds a claim to an available volume. That is the static
provisioning the Amazon EFS CSI driver documents, and the only kind Fargate pods can use.
Nothing here provisions storage dynamically: a claim no volume matches stays ``Pending``.

>>> from awscontainers.sim.kube import Cluster
>>> c = Cluster()
>>> _ = c.apply({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "efs"},
...     "spec": {"storageClassName": "efs-sc", "capacity": {"storage": "5Gi"},
...              "accessModes": ["ReadWriteMany"],
...              "csi": {"driver": "efs.csi.aws.com", "volumeHandle": "fs-0123456789"}}})
>>> _ = c.apply({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
...     "metadata": {"name": "shared"}, "spec": {"storageClassName": "efs-sc",
...     "accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "5Gi"}}}})
>>> c.get("PersistentVolumeClaim", "default", "shared")["status"]["phase"]
'Bound'
>>> volume_driver(c, "default", "shared")
'efs.csi.aws.com'
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from awscontainers.errors import NotFoundError

from .kinds import Kind, check_metadata
from .objects import invalid

if TYPE_CHECKING:
    from .cluster import Cluster

__all__ = ["EFS_CSI_DRIVER", "PERSISTENTVOLUME", "PERSISTENTVOLUMECLAIM", "volume_driver"]

#: The Amazon EFS CSI driver's name (aws-efs-csi-driver; EKS user guide, efs-csi.adoc).
EFS_CSI_DRIVER = "efs.csi.aws.com"
_PV, _PVC = "PersistentVolume", "PersistentVolumeClaim"
_PV_HINT = (
    "Write a statically provisioned volume, e.g. for EFS:\n"
    "    spec:\n      storageClassName: efs-sc\n      capacity: {storage: 5Gi}\n"
    "      accessModes: [ReadWriteMany]\n"
    "      csi: {driver: efs.csi.aws.com, volumeHandle: fs-0123456789abcdef0}"
)


def _driver(pv: Mapping[str, Any]) -> str | None:
    spec = pv.get("spec") or {}
    if "awsElasticBlockStore" in spec:
        return "ebs.csi.aws.com"  # the in-tree EBS plugin, migrated to the EBS CSI driver
    return (spec.get("csi") or {}).get("driver")


def volume_driver(cluster: Cluster, namespace: str, claim: str) -> str | None:
    """The driver of the volume claim ``claim`` is bound to (None when it is not bound)."""
    pvc = cluster._objects.get((_PVC, namespace, claim))
    if pvc is None or pvc["status"]["phase"] != "Bound":
        return None
    return _driver(cluster._objects[(_PV, "", pvc["spec"]["volumeName"])])


def _check_pv(cluster: Cluster, doc: Mapping[str, Any], where: str) -> None:
    where = check_metadata(doc, where)
    spec = doc.get("spec")
    if not isinstance(spec, Mapping) or not (_driver(doc) or "hostPath" in spec):
        raise invalid(f"{where}: spec: Required value: must specify a volume type", _PV_HINT)
    if (spec.get("csi") or {}) and not spec["csi"].get("volumeHandle"):
        raise invalid(f"{where}: spec.csi.volumeHandle: Required value", _PV_HINT)


def _check_pvc(cluster: Cluster, doc: Mapping[str, Any], where: str) -> None:
    where = check_metadata(doc, where)
    if not isinstance(doc.get("spec"), Mapping):
        raise invalid(
            f"{where}: spec: Required value",
            "Give the claim a storageClassName (or the volumeName to bind to), accessModes "
            "and resources.requests.storage.",
        )


def _namespace_of(cluster: Cluster, doc: Mapping[str, Any]) -> str:
    return cluster._namespace_of(doc)


def _apply_pv(cluster: Cluster, doc: dict, ns: str | None, prepared: Any) -> None:
    stored = copy.deepcopy(doc)
    old = cluster._objects.get((_PV, "", doc["metadata"]["name"]))
    stored["status"] = old["status"] if old else {"phase": "Available"}
    cluster._objects[(_PV, "", doc["metadata"]["name"])] = stored
    _bind_claims(cluster)


def _apply_pvc(cluster: Cluster, doc: dict, ns: str | None, prepared: Any) -> None:
    assert ns is not None
    stored = copy.deepcopy(doc)
    stored["metadata"].setdefault("namespace", ns)
    old = cluster._objects.get((_PVC, ns, doc["metadata"]["name"]))
    if old is not None and old["status"]["phase"] == "Bound":
        stored["spec"]["volumeName"] = old["spec"]["volumeName"]
        stored["status"] = old["status"]
    else:
        stored["status"] = {"phase": "Pending"}
    cluster._objects[(_PVC, ns, doc["metadata"]["name"])] = stored
    _bind_claims(cluster)


def _bind_claims(cluster: Cluster) -> None:
    """Bind each pending claim to the volume it names, or to the first available volume of
    its storage class (by name), as the PersistentVolume controller does for static
    provisioning."""
    for (kind, ns, name), pvc in sorted(cluster._objects.items()):
        if kind != _PVC or pvc["status"]["phase"] == "Bound":
            continue
        wanted = pvc["spec"].get("volumeName")
        for (pv_kind, _, pv_name), pv in sorted(cluster._objects.items()):
            if pv_kind != _PV or pv["status"]["phase"] != "Available":
                continue
            same_class = (pv["spec"].get("storageClassName") or "") == (
                pvc["spec"].get("storageClassName") or ""
            )
            if (wanted and pv_name == wanted) or (not wanted and same_class):
                pv["status"] = {"phase": "Bound"}
                pv["spec"]["claimRef"] = {"namespace": ns, "name": name}
                pvc["spec"]["volumeName"] = pv_name
                pvc["status"] = {"phase": "Bound"}
                break


def _items(kind: str):
    def items(cluster: Cluster, namespace: str | None) -> list[dict]:
        return [
            obj
            for (k, ns, _), obj in sorted(cluster._objects.items())
            if k == kind and (kind == _PV or namespace in (None, ns))
        ]

    return items


def _read(kind: str, plural: str):
    def read(cluster: Cluster, namespace: str | None, name: str) -> dict:
        for obj in _items(kind)(cluster, None if kind == _PV else namespace):
            if obj["metadata"]["name"] == name:
                return obj
        raise NotFoundError(f'{plural} "{name}" not found', hint=f"list them with get('{kind}').")

    return read


def _delete(kind: str, plural: str):
    def delete(cluster: Cluster, namespace: str, name: str) -> None:
        key = (kind, "" if kind == _PV else namespace, name)
        if key not in cluster._objects:
            raise NotFoundError(
                f'{plural} "{name}" not found', hint=f"list them with get('{kind}')."
            )
        obj = cluster._objects.pop(key)
        if kind == _PVC and obj["status"]["phase"] == "Bound":
            # The volume keeps its data and stays Released (reclaim policy Retain).
            pv = cluster._objects.get((_PV, "", obj["spec"]["volumeName"]))
            if pv is not None:
                pv["status"] = {"phase": "Released"}

    return delete


PERSISTENTVOLUME = Kind(
    name=_PV,
    api_version="v1",
    plural="persistentvolumes",
    aliases=("pv",),
    namespaced=False,
    read=_read(_PV, "persistentvolumes"),
    items=_items(_PV),
    delete=_delete(_PV, "persistentvolumes"),
    check=_check_pv,
    namespace_of=lambda cluster, doc: None,
    apply=_apply_pv,
)

PERSISTENTVOLUMECLAIM = Kind(
    name=_PVC,
    api_version="v1",
    plural="persistentvolumeclaims",
    aliases=("pvc",),
    read=_read(_PVC, "persistentvolumeclaims"),
    items=_items(_PVC),
    delete=_delete(_PVC, "persistentvolumeclaims"),
    check=_check_pvc,
    namespace_of=_namespace_of,
    apply=_apply_pvc,
)
