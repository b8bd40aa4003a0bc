"""ConfigMaps: data the cluster stores and serves, with no controller.

EKS reads one of them, ``aws-auth`` in ``kube-system``, to learn which IAM roles may join
as nodes; it does so by watching it (:meth:`~.cluster.Cluster.on_change`), as
aws-iam-authenticator watches the real one, so nothing here knows about it.

A ConfigMap is stored as it was applied (only ``metadata.namespace`` filled in): it gets no
uid or resourceVersion, so applying one never moves the counters that name other objects.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from awscontainers.errors import InvalidParameterError, NotFoundError

from .kinds import Kind

if TYPE_CHECKING:
    from .cluster import Cluster

__all__ = ["CONFIGMAP"]


def _check(cluster: Cluster, doc: Mapping[str, Any], where: str) -> None:
    if not (doc.get("metadata") or {}).get("name"):
        raise InvalidParameterError(
            "ConfigMap: metadata.name: Required value.", hint="give the ConfigMap a name."
        )


def _namespace_of(cluster: Cluster, doc: Mapping[str, Any]) -> str:
    return (doc.get("metadata") or {}).get("namespace", "default")


def _apply(cluster: Cluster, doc: dict, ns: str | None, prepared: Any) -> None:
    assert ns is not None
    stored = copy.deepcopy(doc)
    stored.setdefault("metadata", {}).setdefault("namespace", ns)
    cluster._objects[("ConfigMap", ns, doc["metadata"]["name"])] = stored


def _items(cluster: Cluster, namespace: str | None) -> list[dict]:
    return [
        obj
        for (kind, ns, _), obj in sorted(cluster._objects.items())
        if kind == "ConfigMap" and namespace in (None, ns)
    ]


def _read(cluster: Cluster, namespace: str | None, name: str) -> dict:
    # Without a namespace the name is looked up in every namespace.
    for obj in _items(cluster, namespace):
        if obj["metadata"]["name"] == name:
            return obj
    raise NotFoundError(f'configmaps "{name}" not found', hint="list them with get('ConfigMap').")


def _delete(cluster: Cluster, namespace: str, name: str) -> None:
    # Deleting a ConfigMap that is not there is quietly nothing, as it always was here.
    cluster._objects.pop(("ConfigMap", namespace, name), None)


CONFIGMAP = Kind(
    name="ConfigMap",
    api_version="v1",
    plural="configmaps",
    aliases=("configmaps", "cm"),
    read=_read,
    items=_items,
    delete=_delete,
    check=_check,
    namespace_of=_namespace_of,
    apply=_apply,
    strict_version=False,
)
