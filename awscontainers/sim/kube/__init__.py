"""A tiny in-memory Kubernetes API for one EKS cluster: objects, scheduler and controllers.

This is the pure core behind the EKS simulation: no boto3 and no moto. It keeps Namespaces,
Nodes, Pods, Deployments, DaemonSets, ConfigMaps, PersistentVolumes and their claims
(statically provisioned: :mod:`.volumes`) as Kubernetes-shaped dicts and runs,
after every change, what a real control plane runs in the background:

* the **Deployment controller** keeps ``spec.replicas`` pods alive;
* the **DaemonSet controller** keeps one pod on every eligible node;
* the **scheduler** binds pending pods to nodes, in two steps like kube-scheduler:

  1. *Filter*: named plugins judge each node - ``FargateProfile`` (not a Fargate node),
     ``NodeName`` (the node a pod names), ``TaintToleration`` (its ``NoSchedule``/
     ``NoExecute`` taints are tolerated), ``NodeAffinity`` (its labels match
     ``nodeSelector``) and ``NodeResourcesFit`` (room for one more pod and for the pod's
     CPU, memory and ``nvidia.com/gpu`` *requests*).
  2. *Score* (``NodeResourcesLeastAllocated``): the node with the largest share of CPU plus
     memory left free after placing the pod wins; ties go to the first node by name. Like
     kube-scheduler, scoring counts a container without requests as 100m CPU / 200Mi so
     such pods spread out instead of piling onto one node (the filter still counts them
     as 0).

  :meth:`Cluster.explain` shows every node with each plugin's verdict for one pod: the
  "why not this node?" that no AWS console shows.

* the **Fargate scheduler**: with a ``fargate_matcher``, a pod that matches a Fargate profile
  gets its own ``fargate-ip-...`` node, sized by :func:`awscontainers.fargate.provisioned_capacity`.

Everything is deterministic: names, IPs, UIDs and timestamps come from counters.

Where things go (each has one home):

* **a kind** - a :class:`~.kinds.Kind` record (apiVersion, plural, aliases, namespaced,
  ``check``, ``apply``/``read``/``items``/``delete``, ``controller``), written in its own
  module and added to the ``register_kind`` loop at the bottom of this file. ConfigMaps
  (:mod:`.configmaps`) are the smallest example.
* **a controller** (HPA, Cluster Autoscaler, Karpenter) - a module with a
  ``reconcile(cluster, (kind, namespace, name))`` function set as its kind's
  ``controller``, registered in that same loop; :mod:`.controllers` holds Deployments and
  DaemonSets. Set ``watches_nodes`` to be called when nodes come and go.
* **a scheduler plugin** - a :class:`~.plugins.FilterPlugin` or
  :class:`~.plugins.ScorePlugin` subclass, registered with
  :func:`~.plugins.register_filter` / :func:`~.plugins.register_score` in
  :mod:`.plugins`; a :class:`~.plugins.SchedulerProfile` picks which ones a cluster runs.
* **a reaction to an object** elsewhere in the simulator - :meth:`Cluster.on_change`
  (EKS watches the ``aws-auth`` ConfigMap this way).

Modules: :mod:`.objects` (shared vocabulary), :mod:`.kinds` (the kind registry),
:mod:`.cluster` (the Cluster and the core kinds), :mod:`.controllers`, :mod:`.configmaps`,
:mod:`.plugins`, :mod:`.scheduler`, :mod:`.fargate` (fargate-scheduler).

>>> c = Cluster()
>>> _ = c.add_node("node-a", cpu_millis=2000, memory_bytes=4 * 2**30, max_pods=17, labels={})
>>> _ = c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
...     "spec": {"containers": [{"name": "web", "image": "nginx",
...              "resources": {"requests": {"cpu": "500m"}}}]}})
>>> pod = c.get("Pod", "default", "web")
>>> pod["spec"]["nodeName"], pod["status"]["phase"]
('node-a', 'Running')
"""

from __future__ import annotations

from awscontainers.rules.capacity import max_pods

from .cluster import NAMESPACE, NODE, POD, Cluster, FargateMatcher
from .configmaps import CONFIGMAP
from .controllers import DAEMONSET, DEPLOYMENT
from .disruption import PDB
from .hpa import HPA
from .karpenter import EC2NODECLASS, NODEPOOL
from .kinds import KINDS, Kind, register_kind, resolve_kind, unregister_kind
from .objects import COMPUTE_TYPE_LABEL, NO_NODES_MESSAGE, millicores
from .plugins import (
    DEFAULT_PROFILE,
    FILTERS,
    SCORES,
    FilterPlugin,
    SchedulerProfile,
    ScorePlugin,
    register_filter,
    register_score,
)
from .podmetrics import PODMETRICS
from .scheduler import Explanation, NodeVerdicts, failure_message
from .volumes import PERSISTENTVOLUME, PERSISTENTVOLUMECLAIM

__all__ = [
    "COMPUTE_TYPE_LABEL",
    "DEFAULT_PROFILE",
    "FILTERS",
    "KINDS",
    "NO_NODES_MESSAGE",
    "SCORES",
    "Cluster",
    "Explanation",
    "FargateMatcher",
    "FilterPlugin",
    "Kind",
    "NodeVerdicts",
    "SchedulerProfile",
    "ScorePlugin",
    "failure_message",
    "max_pods",
    "millicores",
    "register_filter",
    "register_kind",
    "register_score",
    "resolve_kind",
    "unregister_kind",
]

# The one place kinds (and with them their controllers) are registered. The order is the
# order error hints list them in.
for _kind in (
    NAMESPACE,
    NODE,
    POD,
    DEPLOYMENT,
    DAEMONSET,
    CONFIGMAP,
    PERSISTENTVOLUME,
    PERSISTENTVOLUMECLAIM,
    HPA,
    PODMETRICS,
    NODEPOOL,
    EC2NODECLASS,
    PDB,
):
    register_kind(_kind)
