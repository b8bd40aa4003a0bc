"""The scheduler's plugins: named filters that judge one pod on one node, and named scores.

Like kube-scheduler, scheduling a pod runs the *filter* plugins on every node, in order,
and keeps the nodes that pass them all; the *score* plugin then ranks those nodes, the
highest wins and ties go to the first node by name. A filter answers, for one pod and one
node, with a :data:`Verdict`:

* ``()`` - the node passes;
* a tuple of reasons in kube-scheduler's words (``("Insufficient cpu",)``) - it fails;
* ``None`` - the plugin does not apply to this pod (a pod that names its node is not
  checked for taints again; a Fargate pod is not placed by kube-scheduler at all).

A node's reasons in a ``FailedScheduling`` message are those of the *first* filter it
fails, counted over all nodes ("0/3 nodes are available: 1 Too many pods, 2 Insufficient
cpu."), exactly as kube-scheduler builds it.

Add a filter by subclassing :class:`FilterPlugin` and calling :func:`register_filter` (the
order of :data:`FILTERS` is the order they run in): every cluster made afterwards runs it,
since the default profile takes every registered filter. Add a score with
:func:`register_score` and choose it, or a subset of filters, with a
:class:`SchedulerProfile`. With exactly the built-in plugins the scheduler keeps a fast path
(cached static filters, an inlined resource check and score); any other profile runs the
plugins one by one.

>>> [p.name for p in FILTERS.values()]
['FargateProfile', 'NodeName', 'TaintToleration', 'NodeAffinity', 'NodeResourcesFit']
>>> list(SCORES)
['NodeResourcesLeastAllocated', 'NodeResourcesMostAllocated']
"""

from __future__ import annotations

from dataclasses import dataclass

from .objects import (
    FARGATE_TAINT,
    REASON_CPU,
    REASON_GPU,
    REASON_MEMORY,
    REASON_PODS,
    REASON_SELECTOR,
    NodeInfo,
    PodInfo,
    PodShape,
    tolerated,
    untolerated_taint,
)

__all__ = [
    "DEFAULT_PROFILE",
    "FILTERS",
    "SCORES",
    "FilterPlugin",
    "ScorePlugin",
    "SchedulerProfile",
    "Verdict",
    "node_admits",
    "register_filter",
    "register_score",
]

#: ``()`` passes, a tuple of reasons fails, ``None`` means the plugin does not apply.
Verdict = tuple[str, ...] | None

PASS: tuple[str, ...] = ()
_FARGATE_REASON = (untolerated_taint(FARGATE_TAINT),)


class FilterPlugin:
    """A filter: ``filter(pod, node)`` returns a :data:`Verdict`. ``name`` is the column
    ``explain`` shows; ``summary`` says in a line what it checks."""

    name = "Filter"
    summary = ""

    def filter(self, pod: PodInfo, node: NodeInfo) -> tuple[str, ...] | None:
        raise NotImplementedError


class ScorePlugin:
    """A score: ``score(pod, node)`` is higher for a better node; ``points`` turns it into
    kube-scheduler's 0-100 scale for display."""

    name = "Score"
    summary = ""

    def score(self, pod: PodInfo, node: NodeInfo) -> float:
        raise NotImplementedError

    def points(self, score: float) -> float:
        return score


class FargateProfile(FilterPlugin):
    """EKS on Fargate: a pod a Fargate profile matched runs alone on a node made for it by
    fargate-scheduler; every other pod keeps off Fargate nodes (their taint)."""

    name = "FargateProfile"
    summary = "Fargate nodes run only the one pod fargate-scheduler made them for"

    def filter(self, pod: PodInfo, node: NodeInfo) -> tuple[str, ...] | None:
        if pod.fargate is None:
            return _FARGATE_REASON if node.fargate else PASS
        if pod.node is node:
            return PASS
        return (
            f"the pod matched Fargate profile {pod.fargate}: fargate-scheduler gives it a "
            "node of its own",
        )


class NodeName(FilterPlugin):
    """A pod that names its node (``spec.nodeName``, or a DaemonSet pod's node affinity on
    ``metadata.name``) fits only there."""

    name = "NodeName"
    summary = "a pod that names its node goes only there"

    def filter(self, pod: PodInfo, node: NodeInfo) -> tuple[str, ...] | None:
        if pod.pinned is None or pod.fargate is not None:
            return None
        # kube-scheduler words it as node affinity: that is how DaemonSet pods name a node.
        return PASS if node.name == pod.pinned else (REASON_SELECTOR,)


class TaintToleration(FilterPlugin):
    """Every ``NoSchedule``/``NoExecute`` taint of the node needs a matching toleration."""

    name = "TaintToleration"
    summary = "the pod tolerates the node's NoSchedule and NoExecute taints"

    @staticmethod
    def reason(shape: PodShape, node: NodeInfo) -> str | None:
        for taint in node.taints:
            if not tolerated(taint, shape.tolerations):
                return untolerated_taint(taint)
        return None

    def filter(self, pod: PodInfo, node: NodeInfo) -> tuple[str, ...] | None:
        if pod.pinned is not None or pod.fargate is not None:
            return None  # kubelet takes a pod that names its node; its controller checked
        reason = self.reason(pod.shape, node)
        return PASS if reason is None else (reason,)


class NodeAffinity(FilterPlugin):
    """The node's labels carry every ``nodeSelector`` label with the same value."""

    name = "NodeAffinity"
    summary = "the node's labels match the pod's nodeSelector"

    @staticmethod
    def reason(shape: PodShape, node: NodeInfo) -> str | None:
        labels = node.labels
        for key, value in shape.selector:
            if labels.get(key) != value:
                return REASON_SELECTOR
        return None

    def filter(self, pod: PodInfo, node: NodeInfo) -> tuple[str, ...] | None:
        if pod.pinned is not None or pod.fargate is not None:
            return None
        reason = self.reason(pod.shape, node)
        return PASS if reason is None else (reason,)


class NodeResourcesFit(FilterPlugin):
    """The node has a free pod slot (max pods) and room for the pod's CPU, memory and
    ``nvidia.com/gpu`` *requests*; like kube-scheduler it reports every resource that is
    short ("Insufficient nvidia.com/gpu" for GPUs, as for any extended resource)."""

    name = "NodeResourcesFit"
    summary = "a free pod slot and room for the CPU, memory and GPU requests"

    def filter(self, pod: PodInfo, node: NodeInfo) -> tuple[str, ...] | None:
        if pod.fargate is not None:
            return None
        shape = pod.shape
        reasons = []
        if node.pods_free <= 0:
            reasons.append(REASON_PODS)
        if node.cpu_free < shape.cpu:
            reasons.append(REASON_CPU)
        if node.mem_free < shape.mem:
            reasons.append(REASON_MEMORY)
        if node.gpu_free < shape.gpu:
            reasons.append(REASON_GPU)
        return tuple(reasons)


class LeastAllocated(ScorePlugin):
    """The largest share of CPU plus memory left free after placing the pod wins (spreads
    pods). A container without requests counts as 100m CPU / 200Mi here, as in
    kube-scheduler, so such pods spread out too."""

    name = "NodeResourcesLeastAllocated"
    summary = "most CPU and memory left free after placing the pod"

    def score(self, pod: PodInfo, node: NodeInfo) -> float:
        shape = pod.shape
        return (node.score_cpu_free - shape.score_cpu) * node.inv_cpu + (
            node.score_mem_free - shape.score_mem
        ) * node.inv_mem

    def points(self, score: float) -> float:
        return score * 50  # two resources, each 0-100, averaged


class MostAllocated(ScorePlugin):
    """The fullest node that still fits wins (packs pods, so empty nodes can go away)."""

    name = "NodeResourcesMostAllocated"
    summary = "least CPU and memory left free after placing the pod"

    def score(self, pod: PodInfo, node: NodeInfo) -> float:
        shape = pod.shape
        cpu = 1 - (node.score_cpu_free - shape.score_cpu) * node.inv_cpu if node.inv_cpu else 0
        mem = 1 - (node.score_mem_free - shape.score_mem) * node.inv_mem if node.inv_mem else 0
        return cpu + mem

    def points(self, score: float) -> float:
        return score * 50


#: Filter plugins by name, in the order they run.
FILTERS: dict[str, FilterPlugin] = {}
#: Score plugins by name.
SCORES: dict[str, ScorePlugin] = {}


def register_filter(plugin: FilterPlugin, *, before: str | None = None) -> FilterPlugin:
    """Add a filter plugin, last or just before the plugin named ``before``."""
    FILTERS.pop(plugin.name, None)
    if before is None:
        FILTERS[plugin.name] = plugin
    else:
        items = list(FILTERS.items())
        at = [n for n, _ in items].index(before)
        items.insert(at, (plugin.name, plugin))
        FILTERS.clear()
        FILTERS.update(items)
    return plugin


def register_score(plugin: ScorePlugin) -> ScorePlugin:
    """Add a score plugin."""
    SCORES[plugin.name] = plugin
    return plugin


# The order kube-scheduler runs them in; a node is reported under the first one it fails.
for _filter in (
    FargateProfile(),
    NodeName(),
    TaintToleration(),
    NodeAffinity(),
    NodeResourcesFit(),
):
    register_filter(_filter)
for _score in (LeastAllocated(), MostAllocated()):
    register_score(_score)

_BUILTIN = (tuple(FILTERS.values()), SCORES["NodeResourcesLeastAllocated"])


@dataclass(frozen=True)
class SchedulerProfile:
    """Which filters run (by name, in order) and which score ranks the survivors, like a
    kube-scheduler profile. ``None`` for ``filters`` means every registered filter.
    ``fast=False`` runs the plugins one by one even where the fast path could (to check one
    against the other)."""

    filters: tuple[str, ...] | None = None
    score: str = "NodeResourcesLeastAllocated"
    fast: bool = True

    def plugins(self) -> tuple[tuple[FilterPlugin, ...], ScorePlugin]:
        """The plugin objects, looked up in the registries."""
        names = tuple(FILTERS) if self.filters is None else self.filters
        return tuple(FILTERS[n] for n in names), SCORES[self.score]

    def is_builtin(self) -> bool:
        """Whether these are exactly the built-in plugins, so the fast path may run."""
        filters, score = self.plugins()
        return (
            self.fast
            and len(filters) == len(_BUILTIN[0])
            and all(a is b for a, b in zip(filters, _BUILTIN[0], strict=True))
            and score is _BUILTIN[1]
        )


#: kube-scheduler's default profile as this lab models it.
DEFAULT_PROFILE = SchedulerProfile()


def node_admits(shape: PodShape, node: NodeInfo) -> bool:
    """Whether the node's taints and labels let a pod of this shape in (what the DaemonSet
    controller asks before it makes a pod for the node)."""
    return TaintToleration.reason(shape, node) is None and NodeAffinity.reason(shape, node) is None
