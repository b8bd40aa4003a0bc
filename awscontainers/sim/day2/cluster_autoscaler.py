"""The Kubernetes Cluster Autoscaler on EKS with EC2 nodes, configured on both sides.

It works only when both halves are there, as on AWS:

- **Kubernetes side**: its Deployment ``kube-system/cluster-autoscaler`` has a running pod
  (``manifests.cluster_autoscaler(cluster)``; ``lab.kube(c).install_cluster_autoscaler()``).
- **AWS side**: it may call Auto Scaling (``autoscaling:SetDesiredCapacity``,
  ``TerminateInstanceInAutoScalingGroup``, ``Describe*``), given to the node role or a pod
  identity (``lab.eks.allow_cluster_autoscaler(c)`` records it), and it finds the groups it
  may scale by their tags ``k8s.io/cluster-autoscaler/enabled`` and
  ``k8s.io/cluster-autoscaler/<cluster>``: EKS puts them on a managed nodegroup's group; a
  self-managed group needs them added (``create_or_update_tags``).

Missing a side, nothing scales and the timeline says which side is missing (once, until it
changes). Configured, at each scan it:

- **scales up** a group whose *template node* would take pods that are Pending as
  unschedulable, by as many nodes as they need (first fit), within the group's max size
  (groups tried by name, one per scan: the lab's stand-in for CA's default ``random``
  expander). The template is what a new node of the group would register as: its launch
  template's instance type, and for a managed nodegroup its labels and taints; the
  scheduler's own filter plugins judge it (:mod:`awscontainers.sim.kube.template_nodes`),
  so ``nodeSelector``, taints and tolerations count as they will on the real node. A pod no
  group takes gets CA's ``NotTriggerScaleUp`` event ("pod didn't trigger scale-up: 1
  node(s) didn't match Pod's node affinity/selector, 1 max node group size reached");
- **scales down** one node at a time whose requested CPU and memory are both under 50 % of
  allocatable for 10 minutes, no sooner than 10 minutes after a scale-up, within the group's
  min size, when its pods fit on the other nodes and none of them blocks it (a pod with no
  controller, or a kube-system pod that is not a DaemonSet's, as CA's defaults say). The
  node's pods are evicted with it and their Deployments place them again.

Figures: ``data/day2.yaml``, ``cluster_autoscaler``. New nodes join at once in the lab (no
launch delay is modelled yet).
"""

from __future__ import annotations

import datetime as _dt
import weakref
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...rules.data import load_packaged
from ..clock import FOREVER
from ..ec2 import terminate_in_group
from ..kube.objects import NodeInfo
from ..kube.template_nodes import judge, judged_alike, template_node

if TYPE_CHECKING:
    from ..eks import EksSimulator, SimEksCluster
    from ..kube import Cluster
    from .simulation import Day2

__all__ = [
    "DEPLOYMENT",
    "ENABLED_TAG",
    "MAX_SIZE_REACHED",
    "RULES",
    "cluster_tag",
    "installed",
    "not_trigger_message",
    "permit",
    "permitted",
    "scan",
]

RULES: dict[str, Any] = load_packaged("day2.yaml")["cluster_autoscaler"]
#: Where its Deployment runs.
DEPLOYMENT = ("kube-system", "cluster-autoscaler")
ENABLED_TAG = "k8s.io/cluster-autoscaler/enabled"


def cluster_tag(cluster: str) -> str:
    """The tag naming the cluster a group belongs to, for auto-discovery."""
    return f"k8s.io/cluster-autoscaler/{cluster}"


@dataclass
class _State:
    permitted_by: str | None = None  # the role the learner gave the permission to
    unneeded_since: dict[str, _dt.datetime] = field(default_factory=dict)  # node -> since
    last_scale_up: _dt.datetime | None = None
    last_note: str | None = None
    # node -> what the cluster looked like when it could not go: not tried again (nor the
    # Auto Scaling API called) until that changes
    kept: dict[str, tuple] = field(default_factory=dict)
    pod_notes: dict[tuple[str, str], str] = field(default_factory=dict)  # NotTriggerScaleUp said
    # what the cluster's nodes and their use were at the last utilisation pass
    usage: tuple | None = None


_STATE: weakref.WeakKeyDictionary[Any, _State] = weakref.WeakKeyDictionary()


def _state(kube: Cluster) -> _State:
    found = _STATE.get(kube)
    if found is None:
        found = _STATE[kube] = _State()
    return found


def permit(kube: Cluster, role: str) -> None:
    """Record that the Cluster Autoscaler of this cluster may call Auto Scaling as ``role``
    (the AWS side's IAM policy)."""
    _state(kube).permitted_by = role


def permitted(kube: Cluster) -> bool:
    """Whether the AWS side's permission was given."""
    return _state(kube).permitted_by is not None


def installed(kube: Cluster) -> bool:
    """Whether a Cluster Autoscaler pod runs in the cluster (the Kubernetes side)."""
    return kube.runs("Deployment", *DEPLOYMENT)


# ------------------------------------------------------------------------------- the scan


def scan(day2: Day2, when: _dt.datetime) -> None:
    """One scan over every EKS cluster (the controller registered in ``simulation.py``)."""
    eks = day2.eks
    if eks is None:
        return
    for name, sim in list(eks._clusters.items()):
        _scan_cluster(day2, eks, name, sim, when)


def quiet(day2: Day2, when: _dt.datetime) -> _dt.datetime | None:
    """FOREVER while no cluster has both halves of the Cluster Autoscaler, and none with
    one half has a pod it would speak of (a scan then does nothing)."""
    eks = day2.eks
    if eks is None:
        return FOREVER
    for sim in eks._clusters.values():
        kube = sim.kube
        state = _STATE.get(kube)
        permitted = state is not None and state.permitted_by is not None
        has_ca = installed(kube)
        if has_ca and permitted:
            return None
        if (has_ca or permitted) and _unschedulable(kube):
            return None
    return FOREVER


def _note_once(day2: Day2, when: _dt.datetime, cluster: str, state: _State, message: str) -> None:
    if state.last_note != message:
        state.last_note = message
        day2.note(when, "cluster-autoscaler", cluster, message)


def _unschedulable(kube: Cluster) -> list[Any]:
    out = []
    for key in kube._pending:
        pod = kube._pods.get(key)
        if pod is None or pod.node is not None or pod.fargate is not None or pod.pinned:
            continue
        conditions = pod.obj["status"].get("conditions") or []
        if any(c.get("reason") == "Unschedulable" for c in conditions):
            out.append(pod)
    return out


def _scan_cluster(
    day2: Day2, eks: EksSimulator, name: str, sim: SimEksCluster, when: _dt.datetime
) -> None:
    kube = sim.kube
    state = _state(kube)
    has_ca = installed(kube)
    if not has_ca and state.permitted_by is None:
        return  # nothing configured on either side: no autoscaler, nothing to say
    pending = _unschedulable(kube)
    if not has_ca:
        if pending:
            _note_once(
                day2,
                when,
                name,
                state,
                "cluster-autoscaler is not installed: the AWS side is ready but no "
                "Cluster Autoscaler runs in kube-system, so Pending pods stay Pending; "
                f"install it: lab.kube({name!r}).install_cluster_autoscaler().",
            )
        return
    if state.permitted_by is None:
        if pending:
            _note_once(
                day2,
                when,
                name,
                state,
                "cluster-autoscaler is not permitted to call autoscaling:SetDesiredCapacity "
                "(AccessDenied): give its role the Auto Scaling permissions: "
                f"lab.eks.allow_cluster_autoscaler({name!r}).",
            )
        return
    if pending:
        _scale_up(day2, eks, name, sim, state, _groups(eks, name, sim), pending, when)
    else:
        _scale_down(day2, eks, name, sim, state, when)


#: The calls that change what describe_nodegroup says of a nodegroup's sizes (nothing
#: else does: Auto Scaling changes to its group leave the nodegroup's minSize as it was).
_NODEGROUP_WRITES = (
    "CreateCluster",
    "DeleteCluster",
    "CreateNodegroup",
    "UpdateNodegroupConfig",
    "UpdateNodegroupVersion",
    "DeleteNodegroup",
)


@dataclass
class _Group:
    name: str
    tagged: bool
    instances: list[str]
    min_size: int
    max_size: int
    template: NodeInfo  # an empty node of the group: its labels, taints and allocatable


def _groups(eks: EksSimulator, cluster: str, sim: SimEksCluster) -> list[_Group]:
    """The lab-made Auto Scaling groups whose nodes join this cluster, by name."""
    mine = sorted(
        g
        for g, spec in eks._groups.items()
        if any(t["Key"] == f"kubernetes.io/cluster/{cluster}" for t in spec["tags"])
    )
    if not mine:
        return []
    found = eks.account.read(
        "autoscaling", "describe_auto_scaling_groups", AutoScalingGroupNames=mine
    )["AutoScalingGroups"]
    managed = {ng["asg"]: ng["name"] for ng in sim.nodegroups.values()}
    out = []
    for group in sorted(found, key=lambda g: g["AutoScalingGroupName"]):
        gname = group["AutoScalingGroupName"]
        keys = {t["Key"] for t in group.get("Tags", [])}
        low = int(group["MinSize"])
        if gname in managed:
            # EKS tags a managed nodegroup's group for auto-discovery itself, and its min
            # size is the nodegroup's.
            tagged = True
            low = int(
                eks.account.read(
                    "eks",
                    "describe_nodegroup",
                    clusterName=cluster,
                    nodegroupName=managed[gname],
                    expire_on=_NODEGROUP_WRITES,
                )["nodegroup"]["scalingConfig"]["minSize"]
            )
        else:
            tagged = {ENABLED_TAG, cluster_tag(cluster)} <= keys
        out.append(
            _Group(
                gname,
                tagged,
                [i["InstanceId"] for i in group["Instances"]],
                low,
                int(group["MaxSize"]),
                _template(eks, sim, gname, managed.get(gname, "")),
            )
        )
    return out


def _template(eks: EksSimulator, sim: SimEksCluster, group: str, nodegroup: str) -> NodeInfo:
    """The node a new instance of the group would register as: its launch template's
    instance type, and the labels and taints EKS gives a managed nodegroup's nodes (CA's
    ``TemplateNodeInfo``)."""
    instance_type = eks._groups[group]["instance_type"]
    labels, taints = eks.node_labels(sim, instance_type, nodegroup)
    cpu, mem, pods, gpus = eks.node_shape(instance_type)
    return template_node(
        f"template-node-for-{group}", labels=labels, taints=taints, cpu=cpu, mem=mem,
        pods=pods, gpus=gpus,
    )  # fmt: skip


def _nodes_needed(template: NodeInfo, pods: list[Any]) -> int:
    """How many new nodes like ``template`` the pods need (first fit; each pod fits an
    empty one)."""
    cpu, mem, count, gpu = (
        template.cpu_free,
        template.mem_free,
        template.pods_free,
        template.gpu_free,
    )
    nodes: list[list[int]] = []
    for pod in pods:
        need_cpu, need_mem, need_gpu = pod.shape.cpu, pod.shape.mem, pod.shape.gpu
        for free in nodes:
            if free[0] >= need_cpu and free[1] >= need_mem and free[2] >= 1 and free[3] >= need_gpu:
                free[0] -= need_cpu
                free[1] -= need_mem
                free[2] -= 1
                free[3] -= need_gpu
                break
        else:
            nodes.append([cpu - need_cpu, mem - need_mem, count - 1, gpu - need_gpu])
    return len(nodes)


def _scale_up(
    day2: Day2,
    eks: EksSimulator,
    cluster: str,
    sim: SimEksCluster,
    state: _State,
    groups: list[_Group],
    pending: list[Any],
    when: _dt.datetime,
) -> None:
    tagged = [g for g in groups if g.tagged]
    if not tagged:
        untagged = ", ".join(g.name for g in groups) or "(none)"
        _note_once(
            day2,
            when,
            cluster,
            state,
            f"node group {untagged} is not tagged for cluster-autoscaler: it discovers "
            f"groups by the tags {ENABLED_TAG} and {cluster_tag(cluster)}; add them with "
            "lab.autoscaling.create_or_update_tags(...).",
        )
        return
    # Which groups would take which pod: the scheduler's own filters on each group's
    # template node (nodeSelector, taints and tolerations, requests on an empty node),
    # once for each kind of pod that is judged alike (a Deployment's pods).
    kinds = {p.key: judged_alike(p) for p in pending}
    first: dict[object, Any] = {}
    for pod in pending:
        first.setdefault(kinds[pod.key], pod)
    refused: dict[object, Counter] = {kind: Counter() for kind in first}
    handled: set[tuple[str, str]] = set()
    scaled = False
    for group in tagged:
        takes = {}
        for kind, pod in first.items():
            reasons = judge(pod, group.template)
            takes[kind] = not reasons
            if reasons:
                refused[kind].update(reasons)
        admitted = [p for p in pending if takes[kinds[p.key]]]
        if not admitted:
            continue
        current = len(group.instances)
        if scaled:  # one group per scan: these wait for the next one
            handled.update(p.key for p in admitted)
            continue
        if current >= group.max_size:
            for kind, took in takes.items():
                if took:
                    refused[kind][MAX_SIZE_REACHED] += 1
            continue
        needed = _nodes_needed(group.template, admitted)
        target = min(group.max_size, current + needed)
        _set_size(eks, group.name, target)
        scaled = True
        state.last_scale_up = when
        state.last_note = None
        day2.note(
            when,
            "cluster-autoscaler",
            cluster,
            f"TriggeredScaleUp: pod triggered scale-up: [{{{group.name} {current}->{target} "
            f"(max: {group.max_size})}}] for {len(admitted)} pending pod(s).",
        )
        handled.update(p.key for p in admitted)
    # The pods no group takes: CA's NotTriggerScaleUp event on each, with why per group.
    left = [p for p in pending if p.key not in handled and p.key in sim.kube._pods]
    messages = {kind: not_trigger_message(reasons) for kind, reasons in refused.items()}
    for pod in left:
        message = messages[kinds[pod.key]]
        if state.pod_notes.get(pod.key) != message:
            state.pod_notes[pod.key] = message
            sim.kube._event("Normal", "NotTriggerScaleUp", pod, message, "cluster-autoscaler")
    if left and not scaled:
        _note_once(
            day2,
            when,
            cluster,
            state,
            f"NotTriggerScaleUp: {messages[kinds[left[0].key]]} "
            f"({len(left)} pending pod(s); raise a group's max size, or add a group whose "
            "nodes take them: labels for their nodeSelector, tolerated taints, a larger "
            "instance type).",
        )


#: CA's reason for a group that would take the pod but is at its max size.
MAX_SIZE_REACHED = "max node group size reached"


def not_trigger_message(reasons: Counter) -> str:
    """CA's NotTriggerScaleUp message: each reason with the number of groups it came from,
    sorted as CA sorts them.

    >>> not_trigger_message(Counter({"Insufficient cpu": 1, MAX_SIZE_REACHED: 2}))
    "pod didn't trigger scale-up: 1 Insufficient cpu, 2 max node group size reached"
    """
    parts = sorted(f"{n} {reason}" for reason, n in reasons.items())
    return "pod didn't trigger scale-up: " + (", ".join(parts) or "no node group fits")


def _set_size(eks: EksSimulator, group: str, desired: int) -> None:
    # The lab's groups launch their instances balanced across zones (EksSimulator.scale_group,
    # through the Auto Scaling and EC2 APIs); the kubelets on them join as they do today.
    eks.scale_group(group, desired)


def _mark_unneeded(
    kube: Any, node_names: Any, state: _State, when: _dt.datetime, threshold: float
) -> None:
    """Note since when each node has been under ``threshold`` of its allocatable CPU and
    memory requested; forget the others. (Run again only when a node came, went, or took or
    freed a pod: otherwise the answer is the same.)"""
    seen = set()
    nodes = kube._nodes
    for name in sorted(node_names):
        node = nodes.get(name)
        if node is None:
            continue
        # Allocatable, as the node registered it (the scheduler keeps its inverse).
        cpu = round(1 / node.inv_cpu) if node.inv_cpu else 0
        mem = round(1 / node.inv_mem) if node.inv_mem else 0
        used_cpu = (cpu - node.cpu_free) / cpu if cpu else 1.0
        used_mem = (mem - node.mem_free) / mem if mem else 1.0
        if max(used_cpu, used_mem) < threshold:
            seen.add(name)
            state.unneeded_since.setdefault(name, when)
    for name in list(state.unneeded_since):
        if name not in seen:
            del state.unneeded_since[name]


def _blocks(pod: Any) -> bool:
    """A pod CA will not move: one without a controller, or a kube-system pod that is not a
    DaemonSet's (``--skip-nodes-with-system-pods``, true by default)."""
    if pod.owner is None:
        return True
    return pod.key[0] == "kube-system" and pod.owner[0] != "DaemonSet"


def _scale_down(
    day2: Day2,
    eks: EksSimulator,
    cluster: str,
    sim: SimEksCluster,
    state: _State,
    when: _dt.datetime,
) -> None:
    kube = sim.kube
    threshold = float(RULES["scale_down_utilization_threshold"])
    unneeded_time = float(RULES["scale_down_unneeded_time_seconds"])
    delay_after_add = float(RULES["scale_down_delay_after_add_seconds"])
    # Utilisation is read from the cluster at every scan; the groups (Auto Scaling calls)
    # only when a node has been unneeded long enough, so a quiet day costs no API calls.
    usage = (getattr(kube, "_usage", None), id(kube._nodes), tuple(sim.nodes.values()))
    if usage[0] is None or state.usage != usage:
        state.usage = usage
        _mark_unneeded(kube, sim.nodes.values(), state, when, threshold)
    if state.last_scale_up is not None and (
        (when - state.last_scale_up).total_seconds() < delay_after_add
    ):
        return
    due = [
        n
        for n in sorted(state.unneeded_since, key=lambda n: (state.unneeded_since[n], n))
        if (when - state.unneeded_since[n]).total_seconds() >= unneeded_time
    ]
    if not due:
        return
    looks = (
        len(kube._pods),
        tuple((n.name, n.cpu_free, n.mem_free) for n in kube._ec2_nodes),
    )
    due = [n for n in due if state.kept.get(n) != looks]
    if not due:
        return
    node_instance = {node: iid for iid, node in sim.nodes.items()}
    groups = _groups(eks, cluster, sim)
    by_instance = {g_iid: g for g in groups if g.tagged for g_iid in g.instances}
    for name in due:
        state.kept[name] = looks  # cleared below if it goes
        iid = node_instance[name]
        group = by_instance.get(iid)
        if group is None:
            continue
        if len(group.instances) <= group.min_size:
            continue
        node = kube._nodes[name]
        movable = [kube._pods[k] for k in node.pods]
        if any(_blocks(p) for p in movable):
            continue
        to_move = [p for p in movable if p.owner and p.owner[0] != "DaemonSet"]
        if not _fit_elsewhere(kube, name, to_move):
            continue
        terminate_in_group(eks.account, iid)
        state.unneeded_since.pop(name, None)
        state.kept.pop(name, None)
        day2.note(
            when,
            "cluster-autoscaler",
            cluster,
            f"ScaleDown: node {name} removed ({group.name} {len(group.instances)}->"
            f"{len(group.instances) - 1}): under {threshold:.0%} requested for "
            f"{unneeded_time / 60:.0f} min; {len(to_move)} pod(s) evicted to other nodes.",
        )
        return  # one node per scan


def _fit_elsewhere(kube: Cluster, leaving: str, pods: list[Any]) -> bool:
    free = [
        [n.cpu_free, n.mem_free, n.pods_free]
        for n in kube._ec2_nodes
        if n.name != leaving and not n.obj["spec"].get("unschedulable")
    ]
    for pod in sorted(pods, key=lambda p: (-p.shape.cpu, -p.shape.mem)):
        for slot in free:
            if slot[0] >= pod.shape.cpu and slot[1] >= pod.shape.mem and slot[2] >= 1:
                slot[0] -= pod.shape.cpu
                slot[1] -= pod.shape.mem
                slot[2] -= 1
                break
        else:
            return False
    return True
