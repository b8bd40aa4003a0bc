"""kube-scheduler for the simulated cluster: bind pending pods with the filter and score
plugins of :mod:`.plugins`, say why a pod fits nowhere, and ``explain`` a pod's verdicts.

The built-in profile takes a fast path that gives the same answers as running the plugins
one by one (``tests/test_kube_scheduler_scale.py`` checks it against a plain reference and
against bindings recorded before the fast path existed):

* the static filters (Fargate nodes, taints, node selector) depend only on the pod's
  selector and tolerations, so their verdicts are cached per such *shape* (the pods of one
  Deployment share one) until a node comes or goes or is cordoned;
* the nodes that pass them are grouped by *state*: free CPU, memory, pod slots and GPUs,
  the free amounts the score reads, and the allocatable the score divides by. Every node
  of one state passes NodeResourcesFit alike and gets the same least-allocated score (the
  same float sum, computed once), and of those the first by name wins a tie, so the
  scheduler checks one node per state instead of every node. Binding or deleting a pod
  moves its node to its new state (:meth:`Scheduler.node_changed`). A cluster of
  1,000 nodes of one type holds a handful of states, so placing 10,000 pods costs about
  10,000 small steps rather than 10 million.

A per-plugin table is built only when :func:`explain` is asked for one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from heapq import heappop, heappush
from typing import TYPE_CHECKING

from .objects import (
    COMPUTE_TYPE_LABEL,
    NO_NODES_MESSAGE,
    REASON_CPU,
    REASON_GPU,
    REASON_MEMORY,
    REASON_PODS,
    REASON_SELECTOR,
    NodeInfo,
    PodInfo,
)
from .plugins import DEFAULT_PROFILE, NodeAffinity, SchedulerProfile, TaintToleration

if TYPE_CHECKING:
    from .cluster import Cluster

__all__ = ["Explanation", "NodeVerdicts", "Scheduler", "failure_message"]

_FARGATE_TAINT_REASON = f"node(s) had untolerated taint {{{COMPUTE_TYPE_LABEL}: fargate}}"


@dataclass(frozen=True)
class NodeVerdicts:
    """One node as the scheduler sees it for one pod.

    ``verdicts`` maps each filter plugin to ``()`` (passes), its reasons (fails) or None
    (does not apply); ``score`` is the score plugin's points when every filter passes."""

    node: str
    verdicts: dict[str, tuple[str, ...] | None]
    score: float | None

    @property
    def feasible(self) -> bool:
        """Whether every filter passes (or does not apply)."""
        return not any(self.verdicts.values())

    @property
    def first_failure(self) -> str | None:
        """The first filter that fails here: the one kube-scheduler reports for this node."""
        return next((name for name, v in self.verdicts.items() if v), None)


@dataclass(frozen=True)
class Explanation:
    """Why a pod is where it is: every node with each filter plugin's verdict.

    ``summary`` is one line (``Pending: 0/3 nodes are available: ...`` or ``Bound to
    node-1 by default-scheduler; ...``); ``message`` is the FailedScheduling message the
    verdicts add up to (None when some node fits)."""

    pod: str
    phase: str
    node: str | None
    scheduler: str
    summary: str
    message: str | None
    filters: tuple[str, ...]
    score: str
    nodes: tuple[NodeVerdicts, ...]


def failure_message(rows: list[NodeVerdicts] | tuple[NodeVerdicts, ...]) -> str:
    """The FailedScheduling message the verdicts add up to: each node counts the reasons of
    the first filter it fails, and the ``<count> <reason>`` parts are sorted as
    kube-scheduler sorts them."""
    if not rows:
        return NO_NODES_MESSAGE
    reasons: Counter = Counter()
    for row in rows:
        first = row.first_failure
        if first is not None:
            reasons.update(row.verdicts[first])
    parts = sorted(f"{count} {reason}" for reason, count in reasons.items())
    return f"0/{len(rows)} nodes are available: {', '.join(parts)}."


def _state(node: NodeInfo) -> tuple:
    """Everything NodeResourcesFit and the least-allocated score read from a node."""
    return (
        node.cpu_free,
        node.mem_free,
        node.pods_free,
        node.gpu_free,
        node.score_cpu_free,
        node.score_mem_free,
        node.inv_cpu,
        node.inv_mem,
    )


class _Eligible:
    """The EC2 nodes one pod shape's static filters let in, grouped by state.

    ``nodes`` keeps name order (the tie-break order) and ``state_at`` each one's state;
    ``states`` maps each state to a heap of positions in ``nodes`` whose smallest is always
    a node in that state (the first by name), and ``count`` how many nodes are in it;
    ``reasons`` counts why the other EC2 nodes were refused. A node that leaves a state
    leaves its position in that heap behind until it comes to the top (a lazy delete), so
    a move costs O(log n), not a search."""

    __slots__ = ("nodes", "reasons", "position", "state_at", "states", "count")

    def __init__(self, nodes: list[NodeInfo], reasons: Counter):
        self.nodes, self.reasons = nodes, reasons
        self.position = {node.name: i for i, node in enumerate(nodes)}
        self.state_at = [_state(node) for node in nodes]
        self.states: dict[tuple, list[int]] = {}
        self.count: dict[tuple, int] = {}
        for i, state in enumerate(self.state_at):
            self.states.setdefault(state, []).append(i)  # i grows: a sorted list is a heap
            self.count[state] = self.count.get(state, 0) + 1

    def move(self, node: NodeInfo) -> None:
        """Put ``node`` under its current state."""
        i = self.position[node.name]
        old, new = self.state_at[i], _state(node)
        if new == old:
            return
        self.state_at[i] = new
        left = self.count[old] - 1
        if left:
            self.count[old] = left
            heap = self.states[old]
            state_at = self.state_at
            while state_at[heap[0]] != old:  # drop positions of nodes that moved away
                heappop(heap)
            if len(heap) > 2 * left + 16:  # too many left behind: keep only the members
                heap[:] = sorted({j for j in heap if state_at[j] == old})
        else:
            del self.count[old], self.states[old]
        joined = self.states.get(new)
        if joined is None:
            self.states[new] = [i]
            self.count[new] = 1
        else:
            heappush(joined, i)
            self.count[new] += 1


class Scheduler:
    """The default-scheduler of one cluster, with one profile of plugins."""

    def __init__(self, cluster: Cluster, profile: SchedulerProfile | None = None):
        self.cluster = cluster
        self.profile = profile or DEFAULT_PROFILE
        self.filters, self.scorer = self.profile.plugins()
        self.fast = self.profile.is_builtin()
        # shape.sig -> the EC2 nodes passing the static filters, by state
        self._eligible: dict[tuple, _Eligible] = {}

    #: A cache, not state: a snapshot leaves it out (see :mod:`awscontainers.sim.snapshot`).
    _snapshot_exclude = ("_eligible",)

    def _snapshot_restored(self, wires: dict) -> None:
        self._eligible = {}

    def nodes_changed(self) -> None:
        """Forget cached verdicts: a node came or went, or its taints or labels changed."""
        self._eligible.clear()

    def node_changed(self, node: NodeInfo) -> None:
        """A pod was bound to ``node`` or left it: file the node under its new state.
        Whatever changes a node's free resources for good calls this (``Cluster._bind``
        and ``Cluster._delete_pod`` do); a change undone before the next decision (what
        ``explain`` and Karpenter's "would it fit elsewhere?" do) need not."""
        name = node.name
        for eligible in self._eligible.values():
            if name in eligible.position:
                eligible.move(node)

    # ------------------------------------------------------------------ binding

    def schedule_one(self, pod: PodInfo, failed_cache: dict[tuple, str]) -> bool:
        """Try to bind one pending pod; True when it was bound."""
        if not self.fast:
            return self._schedule_by_plugins(pod)
        shape = pod.shape
        cpu, mem, score_cpu, score_mem = shape.cpu, shape.mem, shape.score_cpu, shape.score_mem
        gpu = shape.gpu
        best: NodeInfo | None = None
        if pod.pinned is not None:
            node = self.cluster._nodes.get(pod.pinned)
            if (
                node is not None
                and not node.fargate
                and node.pods_free > 0
                and node.cpu_free >= cpu
                and node.mem_free >= mem
                and node.gpu_free >= gpu
            ):
                best = node
        else:
            cache_key = (shape.sig, cpu, mem, gpu)
            if cache_key in failed_cache:
                self.cluster._unschedulable(pod, failed_cache[cache_key])
                return False
            eligible = self._eligible_for(pod)
            best_score = -1e300
            best_at = -1
            # The hot loop: NodeResourcesFit, then NodeResourcesLeastAllocated, inlined,
            # once per state; the first node by name (the lowest position) wins ties.
            for state, positions in eligible.states.items():
                cpu_free, mem_free, pods_free, gpu_free, scf, smf, inv_cpu, inv_mem = state
                if pods_free > 0 and cpu_free >= cpu and mem_free >= mem and gpu_free >= gpu:
                    score = (scf - score_cpu) * inv_cpu + (smf - score_mem) * inv_mem
                    if score > best_score or (score == best_score and positions[0] < best_at):
                        best_score, best_at = score, positions[0]
            if best_at >= 0:
                best = eligible.nodes[best_at]
        if best is None:
            message = self._fast_failure_message(pod)
            if pod.pinned is None:
                failed_cache[(shape.sig, shape.cpu, shape.mem, shape.gpu)] = message
            self.cluster._unschedulable(pod, message)
            return False
        self.cluster._bind(pod, best, "default-scheduler")
        return True

    def _schedule_by_plugins(self, pod: PodInfo) -> bool:
        best: NodeInfo | None = None
        best_score = -1e300
        for node in self.cluster._sorted_nodes():
            if all(not plugin.filter(pod, node) for plugin in self.filters):
                score = self.scorer.score(pod, node)
                if score > best_score:
                    best, best_score = node, score
        if best is None:
            rows = [self._verdicts(pod, node, False) for node in self.cluster._sorted_nodes()]
            self.cluster._unschedulable(pod, failure_message(rows))
            return False
        self.cluster._bind(pod, best, "default-scheduler")
        return True

    def _eligible_for(self, pod: PodInfo) -> _Eligible:
        # FargateProfile rejects every Fargate node and NodeName does not apply (the pod
        # names no node), so only TaintToleration and NodeAffinity remain, on EC2 nodes.
        shape = pod.shape
        found = self._eligible.get(shape.sig)
        if found is None:
            nodes: list[NodeInfo] = []
            reasons: Counter = Counter()
            taints, affinity = TaintToleration.reason, NodeAffinity.reason
            for node in self.cluster._ec2_nodes:
                reason = taints(shape, node) or affinity(shape, node)
                if reason is None:
                    nodes.append(node)
                else:
                    reasons[reason] += 1
            found = self._eligible[shape.sig] = _Eligible(nodes, reasons)
        return found

    def _fast_failure_message(self, pod: PodInfo) -> str:
        """:func:`failure_message` of the built-in plugins, from the cached counts."""
        cluster = self.cluster
        total = len(cluster._nodes)
        if total == 0:
            return NO_NODES_MESSAGE
        shape = pod.shape
        reasons: Counter = Counter()
        fargate_nodes = total - len(cluster._ec2_nodes)
        if fargate_nodes:
            reasons[_FARGATE_TAINT_REASON] += fargate_nodes
        if pod.pinned is not None:
            node = cluster._nodes.get(pod.pinned)
            others = len(cluster._ec2_nodes) - (node is not None and not node.fargate)
            if others:
                reasons[REASON_SELECTOR] += others
            candidates = [node] if node is not None and not node.fargate else []
        else:
            eligible = self._eligible_for(pod)
            candidates = eligible.nodes
            reasons.update(eligible.reasons)
        for node in candidates:
            # NodeResourcesFit reports every resource that is short on the node.
            if node.pods_free <= 0:
                reasons[REASON_PODS] += 1
            if node.cpu_free < shape.cpu:
                reasons[REASON_CPU] += 1
            if node.mem_free < shape.mem:
                reasons[REASON_MEMORY] += 1
            if node.gpu_free < shape.gpu:
                reasons[REASON_GPU] += 1
        # kube-scheduler sorts the "<count> <reason>" strings themselves.
        parts = sorted(f"{count} {reason}" for reason, count in reasons.items())
        return f"0/{total} nodes are available: {', '.join(parts)}."

    # ------------------------------------------------------------------ explaining

    def _verdicts(self, pod: PodInfo, node: NodeInfo, scored: bool) -> NodeVerdicts:
        verdicts = {plugin.name: plugin.filter(pod, node) for plugin in self.filters}
        score = None
        if scored and pod.fargate is None and not any(verdicts.values()):
            score = self.scorer.points(self.scorer.score(pod, node))
        return NodeVerdicts(node.name, verdicts, score)

    def explain(self, pod: PodInfo) -> Explanation:
        """Every node with each filter's verdict for ``pod`` and, where all pass, its score.

        A bound pod is judged as if it were being scheduled now, with its own requests
        taken off its node first."""
        node = pod.node
        if node is not None:
            node.take(pod.shape, -1)
        try:
            rows = tuple(self._verdicts(pod, n, True) for n in self.cluster._sorted_nodes())
        finally:
            if node is not None:
                node.take(pod.shape)
        status = pod.obj["status"]
        scheduler = "fargate-scheduler" if pod.fargate is not None else "default-scheduler"
        fits = [r for r in rows if r.feasible]
        message = None if fits else failure_message(rows)
        if node is not None:
            if pod.fargate is not None:
                summary = (
                    f"Bound to {node.name} by fargate-scheduler: Fargate profile "
                    f"{pod.fargate} matched the pod, so it got a node of its own."
                )
            else:
                summary = (
                    f"Bound to {node.name} by default-scheduler; {len(fits)}/{len(rows)} "
                    "nodes pass every filter now (with this pod's own requests freed)."
                )
        else:
            conditions = status.get("conditions") or [{}]
            said = conditions[0].get("message") or "not tried yet"
            summary = f"Pending: {said}"
        ns, name = pod.key
        return Explanation(
            pod=f"{ns}/{name}",
            phase=status["phase"],
            node=node.name if node is not None else None,
            scheduler=scheduler,
            summary=summary,
            message=message,
            filters=tuple(p.name for p in self.filters),
            score=self.scorer.name,
            nodes=rows,
        )
