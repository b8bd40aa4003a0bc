"""Voluntary disruptions: PodDisruptionBudgets (``policy/v1``), cordon, evict and drain.

- A **PodDisruptionBudget** selects pods by ``spec.selector.matchLabels`` in its namespace
  and says how many must stay up (``minAvailable``) or may be down (``maxUnavailable``), as
  a whole number or a percentage. Its status counts the healthy (Running) pods and the
  ``disruptionsAllowed``.
- **cordon** marks a node unschedulable: ``spec.unschedulable`` and the
  ``node.kubernetes.io/unschedulable:NoSchedule`` taint the node lifecycle controller adds,
  so the scheduler places nothing new there (DaemonSet pods, pinned to their node, stay).
- **evict** is the Eviction API: refused while a budget covering the pod allows no
  disruption, else the pod is deleted and its Deployment makes a replacement elsewhere.
- **drain** is ``kubectl drain --ignore-daemonsets``: cordon, then evict every pod but
  DaemonSet pods; a pod with no controller is refused unless ``force``.

In the lab a replacement pod is Running as soon as it is bound, so a budget blocks only
when the replacement cannot be placed, or when it asks every pod to stay (``minAvailable``
equal to the replicas). Figures and wording: ``data/day2.yaml``, ``kubernetes_drain``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from awscontainers.errors import NotFoundError
from awscontainers.rules.data import load_packaged

from .kinds import Kind, check_metadata, check_spec
from .objects import invalid

if TYPE_CHECKING:
    from .cluster import Cluster
    from .objects import PodInfo

__all__ = ["PDB", "DrainResult", "cordon", "disruptions_allowed", "drain", "evict", "uncordon"]

RULES: dict[str, Any] = load_packaged("day2.yaml")["kubernetes_drain"]
UNSCHEDULABLE_TAINT = {"key": RULES["unschedulable_taint"], "value": "", "effect": "NoSchedule"}
_KIND = "PodDisruptionBudget"


# ------------------------------------------------------------------ the kind


def _amount(value: Any, where: str, name: str) -> None:
    if isinstance(value, bool):
        ok = False
    elif isinstance(value, int):
        ok = value >= 0
    elif isinstance(value, str) and value.endswith("%"):
        digits = value[:-1]
        ok = digits.isdigit() and 0 <= int(digits) <= 100
    else:
        ok = False
    if not ok:
        raise invalid(
            f"{where}: spec.{name}: Invalid value: {value!r}: must be a whole number >= 0 or "
            "a percentage such as '50%'.",
            hint=f"Write spec.{name}: 1, or spec.{name}: '50%'.",
        )


def _check(cluster: Cluster, doc: Mapping[str, Any], where: str) -> None:
    where = check_metadata(doc, where)
    spec = check_spec(doc, where)
    given = [k for k in ("minAvailable", "maxUnavailable") if k in spec]
    if len(given) != 1:
        raise invalid(
            f"{where}: spec: set exactly one of minAvailable and maxUnavailable"
            + (" (both are set)." if given else "."),
            hint="Write spec.minAvailable: 1 (or spec.maxUnavailable: 1).",
        )
    _amount(spec[given[0]], where, given[0])
    selector = spec.get("selector")
    labels = selector.get("matchLabels") if isinstance(selector, Mapping) else None
    if not isinstance(labels, Mapping) or not labels:
        raise invalid(
            f"{where}: spec.selector.matchLabels: Required value (a map of labels).",
            hint="Write spec.selector: {matchLabels: {app: web}}, the labels of the pods.",
        )


def _namespace_of(cluster: Cluster, doc: Mapping[str, Any]) -> str:
    return cluster._namespace_of(doc)


def _apply(cluster: Cluster, doc: dict, ns: str | None, prepared: Any) -> None:
    assert ns is not None
    key = (_KIND, ns, doc["metadata"]["name"])
    old = cluster._objects.get(key)
    cluster._objects[key] = {
        "apiVersion": "policy/v1",
        "kind": _KIND,
        "metadata": old["metadata"] if old else cluster._meta(key[2], ns, doc["metadata"]),
        "spec": copy.deepcopy(doc["spec"]),
        "status": {},
    }


def _items(cluster: Cluster, namespace: str | None) -> list[dict]:
    out = []
    for (kind, ns, _), obj in cluster._objects.items():
        if kind == _KIND and namespace in (None, ns):
            obj["status"] = _status(cluster, obj)
            out.append(obj)
    return out


def _read(cluster: Cluster, namespace: str | None, name: str) -> dict:
    found = cluster._objects.get((_KIND, namespace or "default", name))
    if found is None:
        raise NotFoundError(
            f'poddisruptionbudgets.policy "{name}" not found', hint="list them with get('pdb')."
        )
    found["status"] = _status(cluster, found)
    return found


def _delete(cluster: Cluster, namespace: str, name: str) -> None:
    _read(cluster, namespace, name)
    del cluster._objects[(_KIND, namespace, name)]


PDB = Kind(
    name=_KIND,
    api_version="policy/v1",
    plural="poddisruptionbudgets",
    aliases=("pdb",),
    read=_read,
    items=_items,
    delete=_delete,
    check=_check,
    namespace_of=_namespace_of,
    apply=_apply,
)


# ------------------------------------------------------------------ budgets


def _selected(cluster: Cluster, pdb: dict) -> list[PodInfo]:
    ns = pdb["metadata"]["namespace"]
    wanted = pdb["spec"]["selector"]["matchLabels"]
    return [
        p
        for (pns, _), p in cluster._pods.items()
        if pns == ns
        and all((p.obj["metadata"].get("labels") or {}).get(k) == v for k, v in wanted.items())
    ]


def _expected(cluster: Cluster, pods: list[PodInfo]) -> int:
    """The pods the budget expects: the replicas of the Deployments owning them (as the
    disruption controller reads their scale), else the pods themselves."""
    owners = {p.owner for p in pods if p.owner is not None and p.owner[0] == "Deployment"}
    if owners and all(p.owner in owners for p in pods):
        return sum(int(cluster._objects[o]["spec"]["replicas"]) for o in owners)
    return len(pods)


def _resolve(value: Any, expected: int, round_up: bool) -> int:
    if isinstance(value, str):
        exact = int(value[:-1]) * expected / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    return int(value)


def _status(cluster: Cluster, pdb: dict) -> dict:
    pods = _selected(cluster, pdb)
    healthy = sum(1 for p in pods if p.node is not None)
    expected = _expected(cluster, pods)
    spec = pdb["spec"]
    if "minAvailable" in spec:
        desired = _resolve(spec["minAvailable"], expected, round_up=True)
    else:
        desired = expected - _resolve(spec["maxUnavailable"], expected, round_up=True)
    return {
        "currentHealthy": healthy,
        "desiredHealthy": max(desired, 0),
        "expectedPods": expected,
        "disruptionsAllowed": max(healthy - max(desired, 0), 0),
    }


def disruptions_allowed(cluster: Cluster, pod: PodInfo) -> tuple[int, str | None]:
    """The fewest disruptions any budget covering ``pod`` allows now, and that budget's name
    (``(a large number, None)`` when no budget covers it)."""
    fewest, name = 1 << 30, None
    for (kind, ns, pdb_name), obj in cluster._objects.items():
        if kind != _KIND or ns != pod.key[0]:
            continue
        if pod not in _selected(cluster, obj):
            continue
        allowed = _status(cluster, obj)["disruptionsAllowed"]
        if allowed < fewest:
            fewest, name = allowed, pdb_name
    return fewest, name


# ------------------------------------------------------------------ cordon, evict, drain


def _node(cluster: Cluster, name: str) -> Any:
    node = cluster._nodes.get(name)
    if node is None:
        raise NotFoundError(
            f'nodes "{name}" not found',
            hint='List the nodes with get("Node") (or nodes_table()) and use one of their names.',
        )
    return node


def cordon(cluster: Cluster, name: str) -> dict:
    """``kubectl cordon``: nothing new is scheduled on node ``name``; its pods stay."""
    node = _node(cluster, name)
    node.obj["spec"]["unschedulable"] = True
    if UNSCHEDULABLE_TAINT not in node.obj["spec"]["taints"]:
        node.obj["spec"]["taints"].append(dict(UNSCHEDULABLE_TAINT))
        node.taints.append(dict(UNSCHEDULABLE_TAINT))
        cluster._scheduler.nodes_changed()
    return copy.deepcopy(node.obj)


def uncordon(cluster: Cluster, name: str) -> dict:
    """``kubectl uncordon``: the node takes new pods again."""
    node = _node(cluster, name)
    node.obj["spec"].pop("unschedulable", None)
    node.obj["spec"]["taints"] = [t for t in node.obj["spec"]["taints"] if t != UNSCHEDULABLE_TAINT]
    node.taints = [t for t in node.taints if t != UNSCHEDULABLE_TAINT]
    cluster._scheduler.nodes_changed()
    cluster._gen += 1
    cluster.schedule()
    return copy.deepcopy(node.obj)


def is_cordoned(cluster: Cluster, name: str) -> bool:
    node = cluster._nodes.get(name)
    return bool(node is not None and node.obj["spec"].get("unschedulable"))


def evict(cluster: Cluster, namespace: str, name: str, *, force: bool = False) -> str | None:
    """The Eviction API for one pod: None when it was evicted (deleted; its controller
    replaces it), else why it was refused. ``force`` deletes it whatever the budgets say
    (what EKS does to a forced nodegroup update)."""
    pod = cluster._pods.get((namespace, name))
    if pod is None:
        raise NotFoundError(
            f'pods "{name}" not found in namespace "{namespace}"',
            hint='List the pods with get("Pod", namespace).',
        )
    if not force:
        allowed, budget = disruptions_allowed(cluster, pod)
        if allowed < 1:
            return f"{RULES['eviction_refused_message']} (PodDisruptionBudget {budget})"
    cluster._delete_pod(pod)
    cluster.schedule()
    return None


@dataclass
class DrainResult:
    """What a drain did: pods evicted, pods refused (with why), pods left (DaemonSets')."""

    node: str
    evicted: list[str] = field(default_factory=list)
    blocked: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    @property
    def done(self) -> bool:
        """True when nothing but DaemonSet pods is left on the node."""
        return not self.blocked


def drain(cluster: Cluster, name: str, *, force: bool = False) -> DrainResult:
    """``kubectl drain --ignore-daemonsets [--force]``: cordon, then evict every pod on the
    node but DaemonSet pods, in name order, respecting PodDisruptionBudgets (``force`` also
    deletes pods no controller would replace, and pods a budget protects)."""
    node = _node(cluster, name)
    cordon(cluster, name)
    result = DrainResult(name)
    for key in sorted(node.pods):
        pod = cluster._pods.get(key)
        if pod is None:
            continue
        label = f"{key[0]}/{key[1]}"
        if pod.owner is not None and pod.owner[0] == "DaemonSet":
            result.ignored.append(label)
            continue
        if pod.owner is None and not force:
            result.blocked[label] = (
                "cannot delete Pods that declare no controller (use --force to override)"
            )
            continue
        why = evict(cluster, key[0], key[1], force=force)
        if why is None:
            result.evicted.append(label)
        else:
            result.blocked[label] = why
    return result
