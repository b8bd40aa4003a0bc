"""Nodes that do not exist yet: what a node an autoscaler could add would look like, judged
by the scheduler's own filter plugins.

The Cluster Autoscaler asks, for each node group, "would a new node of this group take this
pod?"; Karpenter asks it for each NodePool and instance type. Both build a *template node*
(the labels, taints and allocatable resources the new node would register with) and run
kube-scheduler's filters on it, so nodeSelector, taints and tolerations, and requests are
judged exactly as the scheduler will judge the real node, with no rule written twice.

>>> from awscontainers.sim.kube.objects import PodInfo, PodShape
>>> spec = {"containers": [{"name": "c", "image": "i", "resources": {"requests": {"cpu": 1}}}],
...         "nodeSelector": {"disk": "ssd"}}
>>> pod = PodInfo(("default", "p"), {}, PodShape(spec, "pod"), None)
>>> node = template_node("t", labels={"disk": "ssd"}, cpu=1930, mem=2**31, pods=17)
>>> judge(pod, node)
()
>>> judge(pod, template_node("t", labels={}, cpu=1930, mem=2**31, pods=17))
("node(s) didn't match Pod's node affinity/selector",)
"""

from __future__ import annotations

from collections.abc import Mapping

from .objects import NodeInfo, PodInfo
from .plugins import FILTERS, FilterPlugin

__all__ = ["judge", "judged_alike", "template_node"]


def template_node(
    name: str,
    *,
    labels: Mapping[str, str],
    taints: list[dict] | None = None,
    cpu: int,
    mem: int,
    pods: int,
    gpus: int = 0,
) -> NodeInfo:
    """An empty node with these labels, taints (Kubernetes shape) and allocatable
    resources, known to no cluster."""
    obj = {
        "metadata": {"name": name, "labels": {str(k): str(v) for k, v in labels.items()}},
        "spec": {"taints": [dict(t) for t in taints or []]},
    }
    return NodeInfo(name, obj, cpu, mem, pods, False, gpus)


def judge(pod: PodInfo, node: NodeInfo) -> tuple[str, ...]:
    """The reasons of the first registered filter that refuses ``pod`` on ``node`` (as
    kube-scheduler reports a node), or ``()`` when every filter lets it in."""
    for plugin in FILTERS.values():
        verdict = plugin.filter(pod, node)
        if verdict:
            return verdict
    return ()


def judged_alike(pod: PodInfo) -> object:
    """A key under which pods get the same :func:`judge` verdict on any node: for a pending
    pod (no node, not Fargate's, not pinned) judged by the built-in filters, which read
    nothing else of it, its shape, shared by the pods of one template; with a filter
    registered from elsewhere, the pod itself. Lets an autoscaler judge a Deployment's
    hundred pending pods once per template node."""
    builtin = all(type(p).__module__ == _BUILTIN for p in FILTERS.values())
    if builtin and pod.node is None and pod.fargate is None and pod.pinned is None:
        return pod.shape
    return pod


#: The module the built-in filter plugins are defined in.
_BUILTIN = FilterPlugin.__module__
