"""Karpenter on EKS, and EKS Auto Mode (which is Karpenter run by AWS).

Karpenter works only with both halves in place, as on AWS (a missing side is said once in
``lab.timeline_events()``, naming it):

- **Kubernetes side**: its Deployment ``kube-system/karpenter`` has a running pod
  (``lab.kube(c).install_karpenter()``), and NodePools (karpenter.sh/v1) naming an
  EC2NodeClass (karpenter.k8s.aws/v1) say what it may launch
  (:mod:`awscontainers.sim.kube.karpenter`).
- **AWS side**: its controller role may call EC2 (``CreateFleet``/``RunInstances``,
  ``TerminateInstances``, ``Describe*``, ``iam:PassRole``) and the node role has an access
  entry so its nodes may join (``lab.eks.allow_karpenter(c)`` does both).

An EKS Auto Mode cluster (``create_cluster(computeConfig={"enabled": True, ...})``) needs
neither: AWS runs the same controller with the built-in NodePools ``general-purpose`` and
``system`` and the built-in NodeClass ``default``, and replaces every node by 21 days.

At each scan (15 s, the lab's tick) the controller, for each cluster:

1. **joins** the nodes whose launch delay has passed (``node_launch_seconds``): their
   kubelets register with the NodePool's labels and taints;
2. **removes** the nodes of a deleted NodePool, and **expires** nodes older than their
   NodePool's ``expireAfter`` (720 h by default; at most 21 days in Auto Mode): the
   instance is terminated and its pods are placed again (the forceful way Karpenter v1
   expires nodes);
3. **provisions** for pods Pending as unschedulable: pods that will fit a node still
   launching wait for it; the others go to the first NodePool (highest ``weight``, then by
   name) with an instance type whose *template node* the scheduler's own filters admit them
   to (:mod:`awscontainers.sim.kube.template_nodes`: nodeSelector, taints, requests). For
   each NodePool's batch it launches, with EC2 ``RunInstances`` directly (no Auto Scaling
   group), the cheapest instance type and capacity type its requirements allow (prices
   from ``data/prices.yaml`` through :func:`awscontainers.costs.load_prices`; Spot at the
   table's discount; Auto Mode adds its management fee) that takes the whole batch, or
   else the one cheapest per pod it packs, and again for the rest, within the NodePool's
   ``limits``. The pods get Karpenter's ``Nominated`` event; a pod no NodePool takes gets
   its ``FailedScheduling`` ("incompatible with nodepool ...");
4. **consolidates** (only when nothing is pending or launching): a node of a NodePool whose
   pods did not change for ``consolidateAfter`` goes when it is empty, or, with
   ``WhenEmptyOrUnderutilized``, when its pods fit on the other nodes (judged by the same
   filters), up to the disruption budget (10 % of the NodePool's nodes, at least one) per
   scan. A pod annotated ``karpenter.sh/do-not-disrupt: "true"`` keeps its node.

What the lab leaves out: replacing a node by a cheaper one (consolidation only deletes),
drift, Spot interruptions, zones as pod constraints (a NodePool's zone requirement only
picks subnets), and ``minValues``.

Figures: ``data/day2.yaml``, ``karpenter`` and ``auto_mode``.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..._aws import call
from ...errors import InvalidParameterError, NotFoundError
from ...fargate import parse_quantity_memory
from ...rules.data import load_packaged
from ..clock import FOREVER
from ..eks import node_config_user_data
from ..kube.karpenter import parse_duration
from ..kube.objects import NodeInfo, PodInfo, millicores
from ..kube.template_nodes import judge, template_node

if TYPE_CHECKING:
    from ..eks import EksSimulator, SimEksCluster
    from ..kube import Cluster
    from .simulation import Day2

__all__ = [
    "AUTO_MODE",
    "DEPLOYMENT",
    "RULES",
    "NodeClaim",
    "auto_mode",
    "installed",
    "nodeclaims",
    "permit",
    "permitted",
    "quiet",
    "scan",
]

RULES: dict[str, Any] = load_packaged("day2.yaml")["karpenter"]
AUTO_MODE: dict[str, Any] = load_packaged("day2.yaml")["auto_mode"]
#: Where its Deployment runs.
DEPLOYMENT = ("kube-system", "karpenter")
DO_NOT_DISRUPT = "karpenter.sh/do-not-disrupt"
_ZONE = "topology.kubernetes.io/zone"
_CAPACITY = "karpenter.sh/capacity-type"
_TYPE_NAME = re.compile(r"^([a-z]+?)(\d+)([a-z-]*)\.(.+)$")


@dataclass
class NodeClaim:
    """One instance Karpenter launched, and the node it became."""

    name: str
    nodepool: str
    instance_id: str
    instance_type: str
    capacity_type: str
    zone: str
    hourly: float
    vcpu: int
    memory_mib: int
    launched: _dt.datetime
    ready_at: _dt.datetime
    labels: dict[str, str]
    taints: list[dict]
    template: NodeInfo
    booted: bool = False
    node: str | None = None
    pods_seen: tuple = ()
    stable_since: _dt.datetime | None = None


@dataclass
class _State:
    permitted_by: str | None = None
    claims: dict[str, NodeClaim] = field(default_factory=dict)  # instance id -> claim
    last_note: str | None = None
    pod_notes: dict[tuple[str, str], str] = field(default_factory=dict)
    kept: dict[str, tuple] = field(default_factory=dict)  # pool -> cluster when none could go
    # After a consolidation pass that judged nothing: what it saw, and until when the same
    # cluster gives the same pass (see _Settled).
    settled: _Settled | None = None


@dataclass(frozen=True)
class _Settled:
    """A consolidation pass that judged no pool (each had no node eligible yet, or was kept
    as it was): the next pass does the same while the nodes and their pods (the cluster's
    ``_usage``), the claims and their nodes, and the NodePools (applying one stores a new
    object) are the ones seen, and no claim's ``consolidateAfter`` has run out."""

    usage: tuple
    claims: tuple
    pools: tuple
    until: _dt.datetime | None

    def holds(self, kube: Cluster, state: _State, pools: list[dict], when: _dt.datetime) -> bool:
        if self.until is not None and when >= self.until:
            return False
        if self.usage != (kube._usage, id(kube._nodes)) or len(pools) != len(self.pools):
            return False
        if any(a is not b for a, b in zip(pools, self.pools, strict=True)):
            return False
        claims = state.claims
        if len(claims) != len(self.claims):
            return False
        return all(
            c is was and c.node == node
            for c, (was, node) in zip(claims.values(), self.claims, strict=True)
        )


_STATE: weakref.WeakKeyDictionary[Any, _State] = weakref.WeakKeyDictionary()


def _state(kube: Cluster) -> _State:
    found = _STATE.get(kube)
    if found is None:
        found = _STATE[kube] = _State()
    return found


def permit(kube: Cluster, role: str) -> None:
    """Record that Karpenter's controller may call EC2 as ``role`` (the AWS side)."""
    _state(kube).permitted_by = role


def permitted(kube: Cluster) -> bool:
    """Whether the AWS side's permission was given."""
    return _state(kube).permitted_by is not None


def installed(kube: Cluster) -> bool:
    """Whether a Karpenter pod runs in the cluster (the Kubernetes side)."""
    return kube.runs("Deployment", *DEPLOYMENT)


def nodeclaims(kube: Cluster) -> list[NodeClaim]:
    """The instances Karpenter launched in this cluster and has not removed, oldest first."""
    return list(_state(kube).claims.values())


# ------------------------------------------------------------------------- EKS Auto Mode


def auto_mode(sim: SimEksCluster) -> bool:
    """Whether the cluster was created with EKS Auto Mode's compute enabled."""
    return bool((sim.compute_config or {}).get("enabled"))


# ------------------------------------------------------------------------------- the scan


def scan(day2: Day2, when: _dt.datetime) -> None:
    """One scan over every EKS cluster (the controller registered in ``simulation.py``)."""
    eks = day2.eks
    if eks is None:
        return
    for name, sim in list(eks._clusters.items()):
        _scan_cluster(day2, eks, name, sim, when)


def quiet(day2: Day2, when: _dt.datetime) -> _dt.datetime | None:
    """Until when a scan does nothing (see ``simulation.py``): in each cluster with
    Karpenter at work, every node joined, no pod waiting, the last consolidation pass
    settled (:class:`_Settled`); then the first node to expire or become consolidable
    says when (a second early)."""
    eks = day2.eks
    if eks is None:
        return FOREVER
    until = FOREVER
    for sim in eks._clusters.values():
        kube = sim.kube
        state = _STATE.get(kube)
        if not auto_mode(sim):
            has = installed(kube)
            permitted = state is not None and state.permitted_by is not None
            if not has and not permitted:
                continue
            if not has or not permitted:
                if _unschedulable(kube):
                    return None
                continue
        if state is None or state.settled is None or _unschedulable(kube):
            return None
        nodes = kube._nodes
        if not all(
            c.booted and c.node is not None and c.node in nodes for c in state.claims.values()
        ):
            return None
        pools = _node_pools(kube)
        if not state.settled.holds(kube, state, pools, when):
            return None
        names = {p["metadata"]["name"] for p in pools}
        if any(c.nodepool not in names for c in state.claims.values()):
            return None
        if state.settled.until is not None:
            until = min(until, state.settled.until)
        auto = auto_mode(sim)
        lifetimes = {pool["metadata"]["name"]: _lifetime(pool, auto) for pool in pools}
        for claim in state.claims.values():
            lifetime = lifetimes[claim.nodepool][0]
            if lifetime is not None:
                until = min(until, _early(claim.launched, lifetime))
    return until


def _early(start: _dt.datetime, seconds: float) -> _dt.datetime:
    """A second before ``seconds`` after ``start`` (FOREVER past the calendar's end: a
    NodePool may say ``expireAfter: 99999999h``)."""
    try:
        return start + _dt.timedelta(seconds=seconds - 1)
    except OverflowError:
        return FOREVER


def _note_once(day2: Day2, when: _dt.datetime, cluster: str, state: _State, message: str) -> None:
    if state.last_note != message:
        state.last_note = message
        day2.note(when, "karpenter", cluster, message)


def _pod_event(
    kube: Cluster, state: _State, pod: Any, type_: str, reason: str, message: str
) -> None:
    if state.pod_notes.get(pod.key) != message:
        state.pod_notes[pod.key] = message
        kube._event(type_, reason, pod, message, "karpenter")


def _unschedulable(kube: Cluster) -> list[Any]:
    out = []
    for key in kube._pending:
        pod = kube._pods.get(key)
        if pod is None or pod.node is not None or pod.fargate is not None or pod.pinned:
            continue
        conditions = pod.obj["status"].get("conditions") or []
        if any(c.get("reason") == "Unschedulable" for c in conditions):
            out.append(pod)
    # Largest first: packs better, and the order does not depend on arrival.
    return sorted(out, key=lambda p: (-p.shape.cpu, -p.shape.mem, p.key))


def _scan_cluster(
    day2: Day2, eks: EksSimulator, name: str, sim: SimEksCluster, when: _dt.datetime
) -> None:
    kube = sim.kube
    state = _state(kube)
    auto = auto_mode(sim)
    if not auto:
        has = installed(kube)
        if not has and state.permitted_by is None:
            return  # nothing configured on either side: no Karpenter, nothing to say
        if not has or state.permitted_by is None:
            if _unschedulable(kube):
                _note_once(day2, when, name, state, _missing_side(name, has))
            return
    _join_ready(day2, eks, name, sim, state, when)
    pools = _node_pools(kube)
    _orphans(day2, eks, name, state, pools, when)
    _expire(day2, eks, name, sim, state, pools, auto, when)
    pending = _unschedulable(kube)
    if pending:
        if not pools:
            _note_once(
                day2,
                when,
                name,
                state,
                "karpenter found no NodePool: it launches nothing until one exists; apply a "
                "NodePool and an EC2NodeClass (see awscontainers.sim.kube.karpenter."
                "sample_node_pool).",
            )
            return
        _provision(day2, eks, name, sim, state, pools, pending, auto, when)
    elif all(c.node is not None for c in state.claims.values()):
        _consolidate(day2, eks, name, sim, state, pools, when)


def _missing_side(cluster: str, has: bool) -> str:
    if not has:
        return (
            "karpenter is not installed: the AWS side is ready but no Karpenter controller "
            "runs in kube-system, so Pending pods stay Pending; install it: "
            f"lab.kube({cluster!r}).install_karpenter()."
        )
    return (
        "karpenter is not permitted to call ec2:CreateFleet / ec2:RunInstances "
        "(AccessDenied): give its controller role the EC2 permissions and its nodes' role "
        f"an access entry: lab.eks.allow_karpenter({cluster!r})."
    )


def _node_pools(kube: Cluster) -> list[dict]:
    pools = [obj for (kind, _, _), obj in kube._objects.items() if kind == "NodePool"]
    return sorted(pools, key=lambda p: (-int(p["spec"].get("weight", 0)), p["metadata"]["name"]))


# ------------------------------------------------------------------------- joining


def _join_ready(
    day2: Day2,
    eks: EksSimulator,
    cluster: str,
    sim: SimEksCluster,
    state: _State,
    when: _dt.datetime,
) -> None:
    for iid, claim in list(state.claims.items()):
        if claim.booted:
            if claim.node is not None and claim.node not in sim.kube._nodes:
                del state.claims[iid]  # terminated by someone else: its node is gone
            elif claim.node is None and iid in sim.nodes:
                claim.node = sim.nodes[iid]
            continue
        if claim.ready_at > when:
            continue
        claim.booted = True
        eks.boot(iid, claim.labels, claim.taints)
        claim.node = sim.nodes.get(iid)
        if claim.node is None:
            why = sim.pending.get(iid, "its instance is not running")
            day2.note(
                when,
                "karpenter",
                cluster,
                f"NodeClaim {claim.name} launched {iid} but its node did not register: {why}.",
            )
        else:
            claim.stable_since = when
            day2.note(
                when,
                "karpenter",
                cluster,
                f"NodeClaim {claim.name} registered node {claim.node} "
                f"({claim.instance_type}, {claim.capacity_type}).",
            )


# ------------------------------------------------------------------------- offerings


@dataclass
class _Offering:
    instance_type: str
    capacity_type: str
    hourly: float
    vcpu: int
    memory_mib: int
    labels: dict[str, str]
    template: NodeInfo


def _satisfies(labels: Mapping[str, str], req: Mapping[str, Any]) -> bool:
    value = labels.get(req["key"])
    values = req.get("values") or []
    op = req["operator"]
    if op == "In":
        return value in values
    if op == "NotIn":
        return value not in values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    if value is None or not value.lstrip("-").isdigit():
        return False
    return int(value) > int(values[0]) if op == "Gt" else int(value) < int(values[0])


def _offerings(eks: EksSimulator, sim: SimEksCluster, pool: dict, auto: bool) -> list[_Offering]:
    """Every (instance type, capacity type) the NodePool's requirements allow, priced, with
    the template node it would register as; cheapest first."""
    from ...costs import load_prices  # here: the cost model loads only once Karpenter works

    prices = load_prices()
    tspec = pool["spec"]["template"]["spec"]
    reqs = [r for r in tspec.get("requirements") or [] if r["key"] != _ZONE]
    given = (pool["spec"]["template"].get("metadata") or {}).get("labels") or {}
    pool_labels = {str(k): str(v) for k, v in given.items()}
    # A requirement on a label no instance has (team: a) becomes a label of the node.
    for req in reqs:
        if req["operator"] == "In" and req["key"] not in _WELL_KNOWN:
            pool_labels.setdefault(req["key"], req["values"][0])
    capacity_req = [r for r in reqs if r["key"] == _CAPACITY]
    capacity_types = ["on-demand", "spot"] if capacity_req else [RULES["default_capacity_type"]]
    prefix = "eks.amazonaws.com" if auto else "karpenter.k8s.aws"
    out = []
    for itype, entry in prices.instances.items():
        match = _TYPE_NAME.match(itype)
        if match is None:
            continue
        category, generation, _, size = match.groups()
        try:
            base, _ = eks.node_labels(sim, itype)
            cpu, mem, pods, gpus = eks.node_shape(itype)
        except (NotFoundError, InvalidParameterError, IndexError, KeyError):
            continue  # a type this region's EC2 does not offer
        for capacity in capacity_types:
            labels = {
                **base,
                f"{prefix}/instance-category": category,
                f"{prefix}/instance-family": itype.split(".")[0],
                f"{prefix}/instance-generation": generation,
                f"{prefix}/instance-size": size,
                f"{prefix}/instance-cpu": str(entry["vcpu"]),
                f"{prefix}/instance-memory": str(entry["memory_mib"]),
                _CAPACITY: capacity,
                "karpenter.sh/nodepool": pool["metadata"]["name"],
                **pool_labels,
            }
            if auto:
                labels["eks.amazonaws.com/compute-type"] = "auto"
            if not all(_satisfies(labels, r) for r in reqs):
                continue
            hourly = float(entry["hourly"])
            if capacity == "spot":
                hourly *= 1 - prices.ec2_spot_discount
            if auto:  # EKS Auto Mode's management fee per instance-hour, whatever the option
                hourly += prices.management_fee_for("eks-auto-mode", itype) or 0.0
            template = template_node(
                f"nodeclaim-template-{itype}",
                labels=labels,
                taints=list(tspec.get("taints") or []),
                cpu=cpu,
                mem=mem,
                pods=pods,
                gpus=gpus,
            )
            out.append(
                _Offering(
                    itype,
                    capacity,
                    hourly,
                    int(entry["vcpu"]),
                    int(entry["memory_mib"]),
                    labels,
                    template,
                )  # fmt: skip
            )
    return sorted(out, key=lambda o: (o.hourly, o.instance_type, o.capacity_type))


_WELL_KNOWN = {
    "kubernetes.io/arch",
    "kubernetes.io/os",
    "node.kubernetes.io/instance-type",
    "topology.kubernetes.io/region",
    _ZONE,
    _CAPACITY,
} | {
    f"{p}/instance-{n}"
    for p in ("karpenter.k8s.aws", "eks.amazonaws.com")
    for n in ("category", "family", "generation", "size", "cpu", "memory")
}


def _fits(shape: Any, free: list[int]) -> bool:
    return free[2] >= 1 and free[0] >= shape.cpu and free[1] >= shape.mem and free[3] >= shape.gpu


def _take(shape: Any, free: list[int]) -> None:
    free[0] -= shape.cpu
    free[1] -= shape.mem
    free[2] -= 1
    free[3] -= shape.gpu


def _empty(template: NodeInfo) -> list[int]:
    return [template.cpu_free, template.mem_free, template.pods_free, template.gpu_free]


# ------------------------------------------------------------------------- provisioning


def _provision(
    day2: Day2,
    eks: EksSimulator,
    cluster: str,
    sim: SimEksCluster,
    state: _State,
    pools: list[dict],
    pending: list[Any],
    auto: bool,
    when: _dt.datetime,
) -> None:
    kube = sim.kube
    # Pods that fit a node still launching wait for it (Karpenter counts in-flight capacity).
    waiting = []
    # A node that booted but could not register (its role has no access entry) counts as
    # launching too: Karpenter does not launch more for the same pods.
    in_flight = [(c, _empty(c.template)) for c in state.claims.values() if c.node is None]
    for pod in pending:
        for claim, free in in_flight:
            if _fits(pod.shape, free) and not judge(pod, claim.template):
                _take(pod.shape, free)
                break
        else:
            waiting.append(pod)
    if not waiting:
        return
    offerings = {p["metadata"]["name"]: _offerings(eks, sim, p, auto) for p in pools}
    batches: dict[str, list[Any]] = {}
    for pod in waiting:
        reasons = []
        for pool in pools:
            pname = pool["metadata"]["name"]
            refused = None
            for offer in offerings[pname]:
                verdict = judge(pod, offer.template)
                if not verdict:
                    batches.setdefault(pname, []).append(pod)
                    break
                refused = refused or verdict
            else:
                why = refused[0] if refused else "no instance type meets its requirements"
                reasons.append(f'incompatible with nodepool "{pname}", {why}')
                continue
            break
        else:
            _pod_event(
                kube, state, pod, "Warning", "FailedScheduling",
                "Failed to schedule pod, " + "; ".join(reasons),
            )  # fmt: skip
    for pool in pools:
        pname = pool["metadata"]["name"]
        if pname in batches:
            _launch_batch(day2, eks, cluster, sim, state, pool, offerings[pname], batches[pname],
                          auto, when)  # fmt: skip


def _pool_usage(state: _State, pool: str) -> tuple[int, int]:
    claims = [c for c in state.claims.values() if c.nodepool == pool]
    return sum(c.vcpu for c in claims) * 1000, sum(c.memory_mib for c in claims) * 2**20


def _within_limits(pool: dict, state: _State, offer: _Offering) -> bool:
    limits = pool["spec"].get("limits") or {}
    cpu, mem = _pool_usage(state, pool["metadata"]["name"])
    if "cpu" in limits and cpu + offer.vcpu * 1000 > millicores(limits["cpu"]):
        return False
    return not (
        "memory" in limits
        and mem + offer.memory_mib * 2**20 > parse_quantity_memory(limits["memory"])
    )


def _kind_of(pod: Any) -> tuple:
    """What the filters read of a pod on an empty template node: pods alike are judged alike."""
    shape = pod.shape
    return (shape.cpu, shape.mem, shape.gpu, shape.sig)


def _pack(offer: _Offering, pods: list[Any], admitted: dict) -> list[Any]:
    """The pods (in order, first fit) one new node of ``offer`` takes."""
    free = _empty(offer.template)
    packed = []
    for pod in pods:
        key = (_kind_of(pod), offer.instance_type, offer.capacity_type)
        if key not in admitted:
            admitted[key] = not judge(pod, offer.template)
        if admitted[key] and _fits(pod.shape, free):
            _take(pod.shape, free)
            packed.append(pod)
    return packed


def _launch_batch(
    day2: Day2,
    eks: EksSimulator,
    cluster: str,
    sim: SimEksCluster,
    state: _State,
    pool: dict,
    offerings: list[_Offering],
    batch: list[Any],
    auto: bool,
    when: _dt.datetime,
) -> None:
    kube = sim.kube
    pname = pool["metadata"]["name"]
    try:
        where = _node_class(eks, sim, pool, auto)
    except _NotReady as exc:
        _note_once(day2, when, cluster, state, f"NodePool {pname}: {exc}")
        return
    admitted: dict = {}
    remaining = list(batch)
    while remaining:
        options = [o for o in offerings if _within_limits(pool, state, o)]
        if not options:
            for pod in remaining:
                _pod_event(
                    kube, state, pod, "Warning", "FailedScheduling",
                    "Failed to schedule pod, all available instance types exceed limits for "
                    f'nodepool: "{pname}"',
                )  # fmt: skip
            _note_once(
                day2, when, cluster, state,
                f"NodePool {pname} reached its limits ({pool['spec'].get('limits')}): "
                f"{len(remaining)} pod(s) stay Pending; raise spec.limits.",
            )  # fmt: skip
            return
        best: tuple | None = None
        for offer in options:
            packed = _pack(offer, remaining, admitted)
            if not packed:
                continue
            # The cheapest type that takes every pod left; else the cheapest per pod.
            whole = len(packed) == len(remaining)
            rank = (0, offer.hourly) if whole else (1, offer.hourly / len(packed))
            if best is None or rank < best[0]:
                best = (rank, offer, packed)
        if best is None:
            return
        _, offer, packed = best
        uniform = len({_kind_of(p) for p in remaining})
        nodes = (
            len(remaining) // len(packed) if uniform == 1 and len(packed) < len(remaining) else 1
        )
        for _ in range(max(nodes, 1)):
            if not _within_limits(pool, state, offer):
                break
            group, remaining = remaining[: len(packed)], remaining[len(packed) :]
            _launch(day2, eks, cluster, sim, state, pool, offer, where, group, when)


class _NotReady(Exception):
    """The NodePool's node class cannot launch anything (its message says why)."""


@dataclass
class _Where:
    image: str
    profile: str
    subnets: list[dict]
    security_groups: list[str]
    node_class: str


def _node_class(eks: EksSimulator, sim: SimEksCluster, pool: dict, auto: bool) -> _Where:
    ref = pool["spec"]["template"]["spec"]["nodeClassRef"]
    ec2 = eks.account.client("ec2")
    info = call(eks.account.client("eks"), "describe_cluster", name=sim.name)["cluster"]
    image = _eks_image(eks, info["version"])
    if ref["group"] == "eks.amazonaws.com":
        if not auto or ref["name"] != "default":
            raise _NotReady(
                f"NodeClass {ref['name']} ({ref['group']}) is not available: only an EKS Auto "
                "Mode cluster has the built-in NodeClass 'default'."
            )
        vpc = info.get("resourcesVpcConfig") or {}
        found = call(ec2, "describe_subnets", SubnetIds=list(vpc.get("subnetIds") or []))
        role = str((sim.compute_config or {}).get("nodeRoleArn") or "").rsplit("/", 1)[-1]
        return _Where(
            image,
            _instance_profile(eks, sim, role),
            _subnet_rows(found["Subnets"]),
            list(vpc.get("securityGroupIds") or []),
            "default",
        )
    node_class = sim.kube._objects.get(("EC2NodeClass", "", ref["name"]))
    if node_class is None:
        raise _NotReady(
            f"EC2NodeClass {ref['name']!r} not found: apply it (see "
            "awscontainers.sim.kube.karpenter.sample_node_class)."
        )
    spec = node_class["spec"]
    subnets = _select(ec2, "describe_subnets", "Subnets", "SubnetIds", spec["subnetSelectorTerms"])
    groups = _select(
        ec2, "describe_security_groups", "SecurityGroups", "GroupIds",
        spec["securityGroupSelectorTerms"],
    )  # fmt: skip
    if not subnets:
        raise _NotReady(
            f"EC2NodeClass {ref['name']}: no subnet matches subnetSelectorTerms "
            f"{spec['subnetSelectorTerms']} (tag your subnets, e.g. karpenter.sh/discovery)."
        )
    if not groups:
        raise _NotReady(
            f"EC2NodeClass {ref['name']}: no security group matches securityGroupSelectorTerms "
            f"{spec['securityGroupSelectorTerms']}."
        )
    ami = next((t["id"] for t in spec["amiSelectorTerms"] if t.get("id")), None)
    profile = spec.get("instanceProfile") or _instance_profile(eks, sim, spec["role"])
    return _Where(
        ami or image,
        profile,
        _subnet_rows(subnets),
        sorted(g["GroupId"] for g in groups),
        ref["name"],
    )


def _subnet_rows(subnets: list[dict]) -> list[dict]:
    return sorted(
        ({"SubnetId": s["SubnetId"], "AvailabilityZone": s["AvailabilityZone"]} for s in subnets),
        key=lambda s: (s["AvailabilityZone"], s["SubnetId"]),
    )


def _select(ec2: Any, operation: str, key: str, ids_param: str, terms: list[dict]) -> list[dict]:
    """Everything any selector term matches (terms are ORed; a term's fields ANDed)."""
    found: dict[str, dict] = {}
    id_key = "SubnetId" if key == "Subnets" else "GroupId"
    for term in terms:
        params: dict[str, Any] = {}
        if term.get("id"):
            params[ids_param] = [term["id"]]
        filters = [
            {"Name": f"tag:{k}", "Values": [str(v)]} for k, v in (term.get("tags") or {}).items()
        ]
        if term.get("name"):
            filters.append({"Name": "group-name", "Values": [term["name"]]})
        if filters:
            params["Filters"] = filters
        try:
            for item in call(ec2, operation, **params)[key]:
                found[item[id_key]] = item
        except (NotFoundError, InvalidParameterError):
            continue
    return list(found.values())


def _instance_profile(eks: EksSimulator, sim: SimEksCluster, role: str) -> str:
    """The instance profile for the node role: one of the same name if it exists (the
    lab's roles have one), else one Karpenter makes for it, as it does on AWS."""
    iam = eks.account.client("iam")
    try:
        call(iam, "get_instance_profile", InstanceProfileName=role)
        return role
    except NotFoundError:
        pass
    try:
        call(iam, "get_role", RoleName=role)
    except NotFoundError as exc:
        raise _NotReady(f"the node role {role!r} does not exist in IAM.") from exc
    name = f"{sim.name}_karpenter_{role}"[:128]
    try:
        call(iam, "get_instance_profile", InstanceProfileName=name)
    except NotFoundError:
        call(iam, "create_instance_profile", InstanceProfileName=name)
        call(iam, "add_role_to_instance_profile", InstanceProfileName=name, RoleName=role)
        eks.account.record("iam-instance-profile", name, role=role)
    return name


def _eks_image(eks: EksSimulator, version: str) -> str:
    """The EKS-optimized AMI (SSM's parameter, else moto's EKS node image)."""
    from ...rules.capacity import eks_facts

    name = eks_facts()["ami"]["ssm_parameter"].format(version=version)
    try:
        return str(
            call(eks.account.client("ssm"), "get_parameter", Name=name)["Parameter"]["Value"]
        )
    except NotFoundError:
        images = call(
            eks.account.client("ec2"),
            "describe_images",
            Owners=["amazon"],
            Filters=[{"Name": "name", "Values": ["amazon-eks-node*"]}],
        )["Images"]
        return str(sorted(images, key=lambda i: i["Name"])[-1]["ImageId"])


def _launch(
    day2: Day2,
    eks: EksSimulator,
    cluster: str,
    sim: SimEksCluster,
    state: _State,
    pool: dict,
    offer: _Offering,
    where: _Where,
    pods: list[Any],
    when: _dt.datetime,
) -> None:
    kube = sim.kube
    pname = pool["metadata"]["name"]
    wanted = next(
        (r["values"] for r in pool["spec"]["template"]["spec"].get("requirements") or []
         if r["key"] == _ZONE and r["operator"] == "In"),
        None,
    )  # fmt: skip
    subnets = [s for s in where.subnets if wanted is None or s["AvailabilityZone"] in wanted]
    if not subnets:
        _note_once(day2, when, cluster, state, f"NodePool {pname}: no subnet in zones {wanted}.")
        return
    # Spread over zones: the one with the fewest of this cluster's claims, then by name.
    used = {z: 0 for z in (s["AvailabilityZone"] for s in subnets)}
    for claim in state.claims.values():
        if claim.zone in used:
            used[claim.zone] += 1
    subnet = min(subnets, key=lambda s: (used[s["AvailabilityZone"]], s["AvailabilityZone"]))
    name = f"{pname}-{kube._random(5, 'nodeclaim')}"
    tags = {
        "karpenter.sh/nodepool": pname,
        "karpenter.sh/nodeclaim": name,
        "karpenter.k8s.aws/ec2nodeclass": where.node_class,
        f"kubernetes.io/cluster/{cluster}": "owned",
        "eks:eks-cluster-name": cluster,
        "Name": f"{pname}/{name}",
        **eks.account.tag_map(),
    }
    params: dict[str, Any] = {
        "ImageId": where.image,
        "InstanceType": offer.instance_type,
        "MinCount": 1,
        "MaxCount": 1,
        "SubnetId": subnet["SubnetId"],
        "IamInstanceProfile": {"Name": where.profile},
        "UserData": node_config_user_data(sim.name, sim.endpoint, sim.ca, sim.cidr),
        "TagSpecifications": [
            {"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
        ],
    }
    if where.security_groups:
        params["SecurityGroupIds"] = where.security_groups
    if offer.capacity_type == "spot":
        params["InstanceMarketOptions"] = {"MarketType": "spot"}
    with eks.held_boot():
        inst = call(eks.account.client("ec2"), "run_instances", **params)["Instances"][0]
    delay = _dt.timedelta(seconds=int(RULES["node_launch_seconds"]))
    labels = {k: v for k, v in offer.labels.items() if k not in ("kubernetes.io/hostname",)}
    claim = NodeClaim(
        name=name,
        nodepool=pname,
        instance_id=inst["InstanceId"],
        instance_type=offer.instance_type,
        capacity_type=offer.capacity_type,
        zone=subnet["AvailabilityZone"],
        hourly=offer.hourly,
        vcpu=offer.vcpu,
        memory_mib=offer.memory_mib,
        launched=when,
        ready_at=when + delay,
        labels=labels,
        taints=list(pool["spec"]["template"]["spec"].get("taints") or []),
        template=offer.template,
    )
    state.claims[claim.instance_id] = claim
    state.last_note = None
    day2.note(
        when,
        "karpenter",
        cluster,
        f"Launched NodeClaim {name}: {offer.instance_type} {offer.capacity_type} in "
        f"{claim.zone} ({offer.hourly:.4f} USD/h) for {len(pods)} pod(s) of NodePool {pname}; "
        f"its node joins in {delay.total_seconds():.0f} s.",
    )
    for pod in pods:
        _pod_event(
            kube, state, pod, "Normal", "Nominated", f"Pod should schedule on: nodeclaim/{name}"
        )


# ------------------------------------------------------------------------- disruption


def _lifetime(pool: dict | None, auto: bool) -> tuple[float | None, str]:
    """How long a node of the pool may live, in seconds (None: for ever), and why."""
    expire = RULES["default_expire_after"]
    if pool is not None:
        expire = pool["spec"]["template"]["spec"].get("expireAfter", expire)
    if isinstance(expire, str):
        key = (expire, AUTO_MODE["max_node_lifetime_hours"] if auto else None)
        found = _LIFETIMES.get(key)
        if found is None:
            found = _LIFETIMES[key] = _lifetime_of(expire, auto)
        return found
    return _lifetime_of(expire, auto)


#: Lifetimes by (expireAfter, Auto Mode's cap or None): asked for at every tick.
_LIFETIMES: dict[tuple[str, Any], tuple[float | None, str]] = {}


def _lifetime_of(expire: Any, auto: bool) -> tuple[float | None, str]:
    seconds = parse_duration(expire)
    if auto:
        cap = float(AUTO_MODE["max_node_lifetime_hours"]) * 3600
        if seconds is None or cap < seconds:
            return cap, "EKS Auto Mode's 21-day maximum node lifetime"
    return seconds, f"expireAfter {expire}"


def _terminate(eks: EksSimulator, state: _State, claim: NodeClaim) -> None:
    state.claims.pop(claim.instance_id, None)
    try:
        call(eks.account.client("ec2"), "terminate_instances", InstanceIds=[claim.instance_id])
    except NotFoundError:
        pass


def _expire(
    day2: Day2,
    eks: EksSimulator,
    cluster: str,
    sim: SimEksCluster,
    state: _State,
    pools: list[dict],
    auto: bool,
    when: _dt.datetime,
) -> None:
    lifetimes: dict[str, tuple[float | None, str]] | None = None
    for claim in list(state.claims.values()):
        if not claim.booted:
            continue
        if lifetimes is None:  # every pool's expireAfter was checked when it was applied
            lifetimes = {pool["metadata"]["name"]: _lifetime(pool, auto) for pool in pools}
        lifetime, why = lifetimes.get(claim.nodepool) or _lifetime(None, auto)
        if lifetime is None or (when - claim.launched).total_seconds() < lifetime:
            continue
        _terminate(eks, state, claim)
        day2.note(
            when,
            "karpenter",
            cluster,
            f"Disrupting NodeClaim {claim.name} (Expired): node {claim.node} lived "
            f"{lifetime / 3600:.0f} h ({why}); its pods are placed again and new nodes "
            "launched for those that do not fit.",
        )


def _orphans(
    day2: Day2, eks: EksSimulator, cluster: str, state: _State, pools: list[dict],
    when: _dt.datetime,
) -> None:  # fmt: skip
    """A deleted NodePool takes its nodes with it (Karpenter's finalizer)."""
    names = {p["metadata"]["name"] for p in pools}
    for claim in list(state.claims.values()):
        if claim.nodepool not in names:
            _terminate(eks, state, claim)
            day2.note(
                when,
                "karpenter",
                cluster,
                f"NodePool {claim.nodepool} was deleted: NodeClaim {claim.name} and its node "
                f"{claim.node or '(not joined)'} go with it.",
            )


def _budget(pool: dict, nodes: int) -> int:
    budgets = [
        b for b in pool["spec"].get("disruption", {}).get("budgets") or [] if "schedule" not in b
    ]
    allowed = nodes
    for budget in budgets:
        text = str(budget.get("nodes", "10%"))
        value = math.ceil(nodes * float(text[:-1]) / 100) if text.endswith("%") else int(text)
        allowed = min(allowed, value)
    return max(allowed, 0)


def _consolidate(
    day2: Day2,
    eks: EksSimulator,
    cluster: str,
    sim: SimEksCluster,
    state: _State,
    pools: list[dict],
    when: _dt.datetime,
) -> None:
    kube = sim.kube
    settled = state.settled
    if settled is not None and settled.holds(kube, state, pools, when):
        return
    usage = (kube._usage, id(kube._nodes))
    until: _dt.datetime | None = None
    judged = False
    # What the cluster looks like: a pool whose candidates could not go is not judged again
    # (nor its pods fitted onto every node) until this or its candidates change.
    looks = None
    for pool in pools:
        pname = pool["metadata"]["name"]
        disruption = pool["spec"].get("disruption") or {}
        after = parse_duration(
            disruption.get("consolidateAfter", RULES["default_consolidate_after"])
        )
        mine = [c for c in state.claims.values() if c.nodepool == pname and c.node in kube._nodes]
        eligible = []
        for claim in mine:
            node = kube._nodes[claim.node]  # type: ignore[index]
            seen = tuple(node.pods)
            if seen != claim.pods_seen or claim.stable_since is None:
                claim.pods_seen, claim.stable_since = seen, when
            if after is not None and (when - claim.stable_since).total_seconds() >= after:
                eligible.append(claim)
            elif after is not None:  # eligible from then on (a second early, to be safe)
                due = _early(claim.stable_since, after)
                until = due if until is None else min(until, due)
        if not eligible:
            continue
        if looks is None:
            looks = _looks(kube)
        key = (tuple(c.name for c in eligible), looks, repr(disruption))
        if state.kept.get(pname) == key:
            continue
        judged = True
        candidates = []
        for claim in eligible:
            pods = [kube._pods[k] for k in kube._nodes[claim.node].pods]  # type: ignore[index]
            if any(
                (p.obj["metadata"].get("annotations") or {}).get(DO_NOT_DISRUPT) == "true"
                for p in pods
            ):
                continue
            movable = [p for p in pods if not (p.owner and p.owner[0] == "DaemonSet")]
            candidates.append(
                (len(movable) > 0, len(movable), -claim.hourly, claim.name, claim, movable)
            )
        budget = _budget(pool, len(mine))
        removed = 0
        for busy, _, _, _, claim, movable in sorted(candidates, key=lambda c: c[:4]):
            if removed >= budget:
                break
            if busy and disruption.get("consolidationPolicy") == "WhenEmpty":
                continue
            if busy and not _fit_elsewhere(kube, claim.node, movable):
                continue
            _terminate(eks, state, claim)
            removed += 1
            reason = "Underutilized" if busy else "Empty"
            day2.note(
                when,
                "karpenter",
                cluster,
                f"Disrupting NodeClaim {claim.name} ({reason}): node {claim.node} removed"
                + (f"; its {len(movable)} pod(s) fit on the other nodes." if busy else ".")
                + f" Saves {claim.hourly:.4f} USD/h.",
            )
        if not removed:
            state.kept[pname] = key
    state.settled = (
        None
        if judged
        else _Settled(usage, tuple((c, c.node) for c in state.claims.values()), tuple(pools), until)
    )


def _looks(kube: Cluster) -> tuple:
    """Each EC2 node's room, kept until a node comes or goes or a pod is placed or leaves
    (the cluster's ``_usage`` counts those)."""
    marker = (kube._usage, id(kube._nodes), len(kube._ec2_nodes))
    kept = _LOOKS.get(kube)
    if kept is None or kept[0] != marker:
        looks = tuple((n.name, n.cpu_free, n.mem_free, n.pods_free) for n in kube._ec2_nodes)
        kept = _LOOKS[kube] = (marker, looks)
    return kept[1]


_LOOKS: weakref.WeakKeyDictionary[Any, tuple[tuple, tuple]] = weakref.WeakKeyDictionary()


def _fit_elsewhere(kube: Cluster, leaving: str | None, pods: list[Any]) -> bool:
    """Whether every pod fits on the other nodes, judged by the scheduler's filters (their
    requests are counted onto the nodes while judging, then given back)."""
    others = [
        n for n in kube._ec2_nodes if n.name != leaving and not n.obj["spec"].get("unschedulable")
    ]
    taken: list[tuple[NodeInfo, Any]] = []
    try:
        for pod in sorted(pods, key=lambda p: (-p.shape.cpu, -p.shape.mem, p.key)):
            for node in others:
                if not judge(PodInfo(pod.key, pod.obj, pod.shape, pod.owner), node):
                    node.take(pod.shape)
                    taken.append((node, pod.shape))
                    break
            else:
                return False
        return True
    finally:
        for node, shape in taken:
            node.take(shape, -1)
