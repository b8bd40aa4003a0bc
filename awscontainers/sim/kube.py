"""A tiny in-memory Kubernetes API for one EKS cluster: objects, scheduler and controllers.

This is the pure core behind the EKS simulation: no boto3 and no moto. It keeps Namespaces,
Nodes, Pods, Deployments and DaemonSets as Kubernetes-shaped dicts and runs, after every
change, what a real control plane runs in the background:

* the **Deployment controller** keeps ``spec.replicas`` pods alive;
* the **DaemonSet controller** keeps one pod on every eligible node;
* the **scheduler** binds pending pods to nodes, in two steps like kube-scheduler:

  1. *Filter*: the node is not a Fargate node, its ``NoSchedule``/``NoExecute`` taints are
     tolerated, its labels match ``nodeSelector``, and it has room for one more pod and for
     the pod's CPU and memory *requests*.
  2. *Score* (``LeastAllocated``): the node with the largest share of CPU plus memory left
     free after placing the pod wins; ties go to the first node by name. Like kube-scheduler,
     scoring counts a container without requests as 100m CPU / 200Mi so such pods spread out
     instead of piling onto one node (the filter still counts them as 0).

* the **Fargate scheduler**: with a ``fargate_matcher``, a pod that matches a Fargate profile
  gets its own ``fargate-ip-...`` node, sized by :func:`awscontainers.fargate.provisioned_capacity`.

Everything is deterministic: names, IPs, UIDs and timestamps come from counters.

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

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import yaml

from awscontainers.errors import (
    AlreadyExistsError,
    FargateSizeError,
    InvalidParameterError,
    NotFoundError,
)
from awscontainers.fargate import (
    capacity_annotation,
    parse_quantity_cpu,
    parse_quantity_memory,
    provisioned_capacity,
)

__all__ = [
    "COMPUTE_TYPE_LABEL",
    "NO_NODES_MESSAGE",
    "Cluster",
    "FargateMatcher",
    "max_pods",
]

#: Label EKS puts on every Fargate node (value ``fargate``).
COMPUTE_TYPE_LABEL = "eks.amazonaws.com/compute-type"
#: What kube-scheduler says when the cluster has no node at all.
NO_NODES_MESSAGE = "no nodes available to schedule pods"

#: Decides whether a pod runs on Fargate: a truthy value (ideally the profile name) means yes.
FargateMatcher = Callable[[dict[str, Any]], "bool | str | None"]

_REASON_CPU = "Insufficient cpu"
_REASON_MEMORY = "Insufficient memory"
_REASON_PODS = "Too many pods"
_REASON_SELECTOR = "node(s) didn't match Pod's node affinity/selector"
_FARGATE_TAINT = {"key": COMPUTE_TYPE_LABEL, "value": "fargate", "effect": "NoSchedule"}
# kube-scheduler scores a container without requests as if it asked for this much.
_SCORE_DEFAULT_CPU = 100
_SCORE_DEFAULT_MEMORY = 200 * 1024 * 1024
# The alphabet Kubernetes uses for generated names (no vowels, so no accidental words).
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)
_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_API_VERSIONS = {"Namespace": "v1", "Pod": "v1", "Deployment": "apps/v1", "DaemonSet": "apps/v1"}
# Every spelling `kubectl get` accepts for the kinds modelled here.
_KIND_ALIASES = {
    alias: kind
    for kind, aliases in {
        "Namespace": ("namespace", "namespaces", "ns"),
        "Node": ("node", "nodes", "no"),
        "Pod": ("pod", "pods", "po"),
        "Deployment": ("deployment", "deployments", "deploy"),
        "DaemonSet": ("daemonset", "daemonsets", "ds"),
    }.items()
    for alias in aliases
}
_PLURALS = {
    "Namespace": "namespaces",
    "Node": "nodes",
    "Pod": "pods",
    "Deployment": "deployments.apps",
    "DaemonSet": "daemonsets.apps",
}
_MANIFEST_HINT = (
    "Write a manifest like:\n"
    "    apiVersion: v1\n    kind: Pod\n    metadata:\n      name: web\n"
    "    spec:\n      containers:\n      - name: web\n        image: nginx"
)


def max_pods(enis: int, ipv4_per_eni: int) -> int:
    """How many pods the Amazon VPC CNI lets an EC2 node run (no prefix delegation).

    Each ENI keeps its primary address for itself; every secondary address is one pod IP;
    the ``+ 2`` are pods on the host network (aws-node and kube-proxy), which need no IP.

    >>> max_pods(3, 10), max_pods(3, 6)  # m5.large, t3.medium
    (29, 17)
    """
    for name, value in (("enis", enis), ("ipv4_per_eni", ipv4_per_eni)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidParameterError(
                f"{name} must be a whole number of at least 1, not {value!r}.",
                hint="Read both numbers for the instance type in the EC2 docs "
                "('Maximum IP addresses per network interface'), e.g. max_pods(3, 10).",
            )
    return enis * (ipv4_per_eni - 1) + 2


def _copy(value: Any) -> Any:
    # Objects are plain JSON-like data: this is several times faster than copy.deepcopy,
    # which matters when a learner lists 10,000 pods.
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _bad(message: str, hint: str = _MANIFEST_HINT) -> InvalidParameterError:
    return InvalidParameterError(message, code="Invalid", hint=hint)


def _kind(kind: str) -> str:
    found = _KIND_ALIASES.get(str(kind).lower())
    if found is None:
        raise InvalidParameterError(
            f'the server doesn\'t have a resource type "{kind}"',
            code="NotFound",
            hint="Use one of: Namespace, Node, Pod, Deployment, DaemonSet.",
        )
    return found


def _millis(quantity: Any) -> int:
    # parse_quantity_cpu returns whole millicores / 1000, so rounding back is exact.
    return round(parse_quantity_cpu(quantity) * 1000)


class _Shape:
    """What the scheduler needs from a pod spec, computed once per spec (or template)."""

    __slots__ = ("cpu", "mem", "score_cpu", "score_mem", "selector", "tolerations", "sig")

    def __init__(self, spec: Mapping[str, Any], where: str):
        containers = spec.get("containers")
        if not isinstance(containers, list) or not containers:
            raise _bad(f"{where}: spec.containers: Required value: at least one container.")
        inits = spec.get("initContainers") or []
        sums = [0, 0, 0, 0]
        init_max = [0, 0, 0, 0]
        for group, target, add in ((containers, sums, True), (inits, init_max, False)):
            for i, container in enumerate(group):
                if not isinstance(container, Mapping) or not container.get("name"):
                    raise _bad(f"{where}: container #{i} needs a 'name' and an 'image'.")
                if not container.get("image"):
                    raise _bad(f"{where}: container '{container['name']}': image: Required.")
                res = container.get("resources") or {}
                requests, limits = res.get("requests") or {}, res.get("limits") or {}
                # A request defaults to the limit, as the API server does when defaulting.
                cpu = _millis(requests.get("cpu", limits.get("cpu", 0)))
                mem = parse_quantity_memory(requests.get("memory", limits.get("memory", 0)))
                values = (cpu, mem, cpu or _SCORE_DEFAULT_CPU, mem or _SCORE_DEFAULT_MEMORY)
                for j, value in enumerate(values):
                    target[j] = target[j] + value if add else max(target[j], value)
        # Init containers run one at a time before the others: the pod needs the larger.
        self.cpu, self.mem, self.score_cpu, self.score_mem = (
            max(a, b) for a, b in zip(sums, init_max, strict=True)
        )
        selector = spec.get("nodeSelector") or {}
        if not isinstance(selector, Mapping):
            raise _bad(f"{where}: spec.nodeSelector must be a map of label: value.")
        self.selector = tuple(sorted((str(k), str(v)) for k, v in selector.items()))
        tolerations = spec.get("tolerations") or []
        if not isinstance(tolerations, list):
            raise _bad(f"{where}: spec.tolerations must be a list.")
        tols = []
        for tol in tolerations:
            if not isinstance(tol, Mapping):
                raise _bad(f"{where}: each toleration is a map (key, operator, value, effect).")
            operator = tol.get("operator", "Equal")
            key, value = str(tol.get("key", "")), str(tol.get("value", ""))
            if operator not in ("Equal", "Exists"):
                raise _bad(
                    f"{where}: toleration operator {operator!r} is not supported.",
                    hint="Use operator: Equal (with a value) or Exists (without one).",
                )
            if operator == "Exists" and value:
                raise _bad(
                    f"{where}: a toleration with operator Exists must not have a value.",
                    hint="Remove the value, or use operator: Equal.",
                )
            if operator == "Equal" and not key:
                raise _bad(
                    f"{where}: a toleration with an empty key must use operator Exists.",
                    hint="Set a key, or write {operator: Exists} to tolerate every taint.",
                )
            tols.append((key, operator, value, str(tol.get("effect", ""))))
        self.tolerations = tuple(tols)
        self.sig = (self.selector, self.tolerations)


def _tolerated(taint: Mapping[str, str], tolerations: tuple) -> bool:
    for key, operator, value, effect in tolerations:
        if effect and effect != taint["effect"]:
            continue
        if operator == "Exists":
            if not key or key == taint["key"]:
                return True
        elif key == taint["key"] and value == taint.get("value", ""):
            return True
    return False


class _Node:
    """A node's object plus the running totals the scheduler reads in its hot loop."""

    __slots__ = (
        "name", "obj", "labels", "taints", "fargate", "cpu_free", "mem_free", "pods_free",
        "score_cpu_free", "score_mem_free", "inv_cpu", "inv_mem", "pods",
    )  # fmt: skip

    def __init__(self, name: str, obj: dict, cpu: int, mem: int, pods: int, fargate: bool):
        self.name, self.obj, self.fargate = name, obj, fargate
        self.labels: dict[str, str] = obj["metadata"]["labels"]
        # Only these two effects keep new pods away; PreferNoSchedule is a mere preference.
        self.taints = [t for t in obj["spec"]["taints"] if t["effect"] != "PreferNoSchedule"]
        self.cpu_free, self.mem_free, self.pods_free = cpu, mem, pods
        self.score_cpu_free, self.score_mem_free = cpu, mem
        self.inv_cpu = 1 / cpu if cpu else 0.0
        self.inv_mem = 1 / mem if mem else 0.0
        self.pods: dict[tuple[str, str], None] = {}

    def rejects(self, shape: _Shape) -> str | None:
        """The filter reason for taints or selector, in kube-scheduler's order, or None."""
        for taint in self.taints:
            if not _tolerated(taint, shape.tolerations):
                return f"node(s) had untolerated taint {{{taint['key']}: {taint.get('value', '')}}}"
        for key, value in shape.selector:
            if self.labels.get(key) != value:
                return _REASON_SELECTOR
        return None


class _Pod:
    """Bookkeeping for one pod; ``obj`` is what ``get`` returns (a copy of)."""

    __slots__ = ("key", "obj", "shape", "node", "owner", "pinned", "fargate", "tried")

    def __init__(self, key: tuple[str, str], obj: dict, shape: _Shape, owner: tuple | None):
        self.key, self.obj, self.shape, self.owner = key, obj, shape, owner
        self.node: _Node | None = None
        self.pinned: str | None = None  # the only node allowed (DaemonSet pods, spec.nodeName)
        self.fargate: str | None = None  # Fargate profile name when the matcher chose Fargate
        self.tried = -1  # capacity generation of the last failed attempt


class Cluster:
    """The in-memory Kubernetes state of one EKS cluster.

    Every change (``apply``, ``delete``, ``scale``, ``add_node``, ``remove_node``) runs the
    controllers and the scheduler until nothing more changes, so ``get`` always shows the
    settled state, as ``kubectl get`` would a few seconds later.

    >>> c = Cluster(fargate_matcher=lambda pod: "fp-default")
    >>> _ = c.apply("apiVersion: v1\\nkind: Pod\\nmetadata: {name: p}\\n"
    ...             "spec: {containers: [{name: c, image: nginx}]}")
    >>> c.get("Pod", "default", "p")["metadata"]["annotations"]["CapacityProvisioned"]
    '0.25vCPU 0.5GB'
    """

    def __init__(
        self,
        fargate_matcher: FargateMatcher | None = None,
        *,
        seed: int = 0,
        fargate_subnets: list[tuple[str, str]] | None = None,
    ):
        self.fargate_matcher = fargate_matcher
        # (first three octets, zone) of the subnets Fargate pods land in, used in turn, so
        # each Fargate node has an address and a zone as it would in the profile's subnets.
        self.fargate_subnets = list(fargate_subnets or [])
        self._seed = seed
        self._counter = 0  # uids, resourceVersions and timestamps
        self._name_counter = 0
        self._ip_counter = 0
        self._gen = 0  # bumped whenever capacity appears, so blocked pods are retried
        self._namespaces: dict[str, dict] = {}
        self._nodes: dict[str, _Node] = {}
        self._ec2_nodes: list[_Node] = []  # sorted by name: scan order = tie-break order
        self._eligible: dict[tuple, tuple[list[_Node], Counter]] = {}
        self._pods: dict[tuple[str, str], _Pod] = {}
        self._pending: dict[tuple[str, str], None] = {}  # an ordered set, oldest first
        self._workloads: dict[tuple[str, str, str], dict] = {}  # (kind, ns, name) -> object
        self._shapes: dict[tuple[str, str, str], _Shape] = {}
        self._owned: dict[tuple[str, str, str], dict[tuple[str, str], None]] = {}
        self._dirty: dict[tuple[str, str, str], None] = {}
        self._events: list[dict] = []
        for ns in ("default", "kube-node-lease", "kube-public", "kube-system"):
            self._namespaces[ns] = self._new_namespace(ns, {})

    # ------------------------------------------------------------------ small helpers

    def _tick(self) -> int:
        self._counter += 1
        return self._counter

    def _meta(self, name: str, namespace: str | None, source: Mapping[str, Any]) -> dict:
        n = self._tick()
        meta: dict[str, Any] = {"name": name}
        if namespace is not None:
            meta["namespace"] = namespace
        meta["labels"] = dict(source.get("labels") or {})
        meta["annotations"] = dict(source.get("annotations") or {})
        meta["uid"] = f"00000000-0000-4000-8000-{n:012x}"
        meta["resourceVersion"] = str(n)
        meta["creationTimestamp"] = (_EPOCH + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
        meta["ownerReferences"] = []
        return meta

    def _random(self, length: int, salt: str) -> str:
        # A seeded counter through a hash: looks random, is the same on every run.
        self._name_counter += 1
        digest = hashlib.blake2b(f"{self._seed}:{salt}:{self._name_counter}".encode()).digest()
        return "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:length])

    def _next_ip(self) -> tuple[int, int]:
        n = self._ip_counter
        self._ip_counter += 1
        return 1 + (n // 254) % 254, 1 + n % 254

    def _event(self, type_: str, reason: str, pod: _Pod, message: str, source: str) -> None:
        ns, name = pod.key
        self._events.append(
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"name": f"{name}.{self._tick():x}", "namespace": ns},
                "type": type_,
                "reason": reason,
                "message": message,
                "involvedObject": {"kind": "Pod", "namespace": ns, "name": name},
                "source": {"component": source},
            }
        )

    def _new_namespace(self, name: str, meta: Mapping[str, Any]) -> dict:
        return {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": self._meta(name, None, meta),
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        }

    # ------------------------------------------------------------------ nodes

    def add_node(
        self,
        name: str,
        *,
        cpu_millis: int,
        memory_bytes: int,
        max_pods: int,
        labels: dict[str, str],
        taints: list[dict] | None = None,
        fargate: bool = False,
    ) -> dict:
        """Register a node with this much allocatable CPU, memory and pod slots.

        ``taints`` use the Kubernetes shape ``{"key", "value", "effect"}``. A node added with
        ``fargate=True`` gets the Fargate label and taint, so only Fargate pods would fit.

        >>> Cluster().add_node("n1", cpu_millis=1930, memory_bytes=2**31, max_pods=17,
        ...                    labels={"role": "web"})["status"]["allocatable"]["pods"]
        '17'
        """
        if name in self._nodes:
            raise AlreadyExistsError(
                f'nodes "{name}" already exists',
                hint="Pick another node name, or remove_node() the old one first.",
            )
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise _bad(
                f"Invalid node name {name!r}.",
                hint="Use lowercase letters, digits, '-' and '.', like ip-10-0-1-23.ec2.internal.",
            )
        for field, value in (("cpu_millis", cpu_millis), ("memory_bytes", memory_bytes)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise _bad(f"{field} must be a whole number >= 0, not {value!r}.", hint=(
                    "Give allocatable CPU in millicores (1 vCPU = 1000) and memory in bytes."
                ))  # fmt: skip
        if isinstance(max_pods, bool) or not isinstance(max_pods, int) or max_pods < 0:
            raise _bad(
                f"max_pods must be a whole number >= 0, not {max_pods!r}.",
                hint="Compute it with max_pods(enis, ipv4_per_eni), e.g. 29 for m5.large.",
            )
        clean_taints = []
        for taint in taints or []:
            effect = taint.get("effect") if isinstance(taint, Mapping) else None
            if effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute") or not taint.get(
                "key"
            ):
                raise _bad(
                    f"Invalid taint {taint!r}.",
                    hint="Write {'key': 'dedicated', 'value': 'gpu', 'effect': 'NoSchedule'}; "
                    "effect is NoSchedule, PreferNoSchedule or NoExecute.",
                )
            clean_taints.append(
                {"key": str(taint["key"]), "value": str(taint.get("value", "")), "effect": effect}
            )
        labels = {str(k): str(v) for k, v in (labels or {}).items()}
        labels.setdefault("kubernetes.io/hostname", name)
        if fargate:
            labels[COMPUTE_TYPE_LABEL] = "fargate"
            if _FARGATE_TAINT not in clean_taints:
                clean_taints.append(dict(_FARGATE_TAINT))
        self._add_node(name, cpu_millis, memory_bytes, max_pods, labels, clean_taints)
        self.schedule()
        return self.get("Node", name=name)

    def _add_node(
        self, name: str, cpu: int, mem: int, pods: int, labels: dict, taints: list, ip=None
    ) -> _Node:
        resources = {"cpu": f"{cpu}m", "memory": f"{mem // 1024}Ki", "pods": str(pods)}
        obj = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": self._meta(name, None, {"labels": labels}),
            "spec": {"taints": taints},
            "status": {
                "capacity": dict(resources),
                "allocatable": resources,
                "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
            },
        }
        if ip is not None:
            obj["status"]["addresses"] = [{"type": "InternalIP", "address": ip}]
        node = _Node(name, obj, cpu, mem, pods, labels.get(COMPUTE_TYPE_LABEL) == "fargate")
        self._nodes[name] = node
        if not node.fargate:
            self._ec2_nodes.append(node)
            self._ec2_nodes.sort(key=lambda n: n.name)
            self._eligible.clear()
            self._gen += 1
            for key in self._workloads:
                if key[0] == "DaemonSet":
                    self._dirty[key] = None
        return node

    def remove_node(self, name: str) -> None:
        """Remove a node; its pods are deleted (controllers recreate theirs elsewhere).

        >>> c = Cluster(); _ = c.add_node("n1", cpu_millis=1000, memory_bytes=2**30,
        ...                                max_pods=4, labels={})
        >>> c.remove_node("n1"); c.get("Node")["items"]
        []
        """
        node = self._nodes.get(name)
        if node is None:
            raise NotFoundError(
                f'nodes "{name}" not found',
                hint='List the nodes with get("Node") and use one of their names.',
            )
        self._drop_node(node)
        self.schedule()

    def _drop_node(self, node: _Node) -> None:
        del self._nodes[node.name]
        if not node.fargate:
            self._ec2_nodes.remove(node)
            self._eligible.clear()
            for key in self._workloads:
                if key[0] == "DaemonSet":
                    self._dirty[key] = None
        # The pod garbage collector deletes pods bound to a node that no longer exists.
        for key in list(node.pods):
            self._delete_pod(self._pods[key], drop_fargate_node=False)

    # ------------------------------------------------------------------ manifests

    def apply(self, manifest: dict | str) -> list[dict]:
        """Create or update the objects in a manifest (a dict, or YAML with one or more docs).

        Every document is checked before any is applied, so a bad one changes nothing.
        Returns the applied objects as the API server would store them.

        >>> c = Cluster()
        >>> [o["kind"] for o in c.apply("kind: Namespace\\napiVersion: v1\\nmetadata: {name: a}")]
        ['Namespace']
        """
        if isinstance(manifest, str):
            try:
                docs = [d for d in yaml.safe_load_all(manifest) if d is not None]
            except yaml.YAMLError as exc:
                raise _bad(f"The manifest is not valid YAML: {exc}") from exc
        else:
            docs = [manifest]
        if not docs:
            raise _bad("The manifest is empty.")
        checked = [self._check(doc, i) for i, doc in enumerate(docs)]
        results = [self._apply_one(doc, shape) for doc, shape in checked]
        self.schedule()
        return [self.get(kind, ns, name) for kind, ns, name in results]

    def _check(self, doc: Any, index: int) -> tuple[dict, _Shape | None]:
        where = f"document #{index + 1}"
        if not isinstance(doc, Mapping):
            raise _bad(f"{where} is a {type(doc).__name__}, not a Kubernetes object (a map).")
        kind = doc.get("kind")
        if not kind:
            raise _bad(f"{where}: Object 'Kind' is missing.")
        if kind not in _API_VERSIONS:
            raise _bad(
                f'{where}: no matches for kind "{kind}".',
                hint="This lab knows kind Namespace, Pod (apiVersion v1), Deployment and "
                "DaemonSet (apiVersion apps/v1).",
            )
        if doc.get("apiVersion") != _API_VERSIONS[kind]:
            raise _bad(
                f'{where}: no matches for kind "{kind}" in version "{doc.get("apiVersion")}".',
                hint=f"Write apiVersion: {_API_VERSIONS[kind]} for kind {kind}.",
            )
        meta = doc.get("metadata")
        name = meta.get("name") if isinstance(meta, Mapping) else None
        if not name:
            raise _bad(f"{where}: {kind}: metadata.name: Required value: name is required.")
        if not isinstance(name, str) or len(name) > 253 or not _NAME_RE.match(name):
            raise _bad(
                f"{where}: {kind} name {name!r} is invalid: use lowercase letters, digits, "
                "'-' and '.', starting and ending with a letter or digit.",
                hint="For example metadata: {name: web-1}.",
            )
        where = f"{kind} {name!r}"
        for field in ("labels", "annotations"):
            if not isinstance(meta.get(field) or {}, Mapping):
                raise _bad(f"{where}: metadata.{field} must be a map of key: value.")
        spec = doc.get("spec")
        if kind == "Namespace":
            return dict(doc), None
        if not isinstance(spec, Mapping):
            raise _bad(f"{where}: spec: Required value.")
        if kind == "Pod":
            return dict(doc), _Shape(spec, where)
        replicas = spec.get("replicas", 1)
        if kind == "Deployment" and (
            isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0
        ):
            raise _bad(
                f"{where}: spec.replicas: Invalid value: {replicas!r}: must be greater than "
                "or equal to 0.",
                hint="Set spec.replicas to a whole number such as 3 (0 stops every pod).",
            )
        template = spec.get("template")
        if not isinstance(template, Mapping) or not isinstance(template.get("spec"), Mapping):
            raise _bad(
                f"{where}: spec.template.spec: Required value.",
                hint="Put the pod inside spec.template: {metadata: {labels: {app: web}}, "
                "spec: {containers: [...]}}.",
            )
        match = (spec.get("selector") or {}).get("matchLabels") or {}
        labels = (template.get("metadata") or {}).get("labels") or {}
        if not match or any(labels.get(k) != v for k, v in match.items()):
            raise _bad(
                f"{where}: spec.selector: Invalid value: selector does not match template "
                "labels (apps/v1 requires spec.selector.matchLabels).",
                hint="Write spec.selector.matchLabels with the same labels as "
                "spec.template.metadata.labels, e.g. {app: web} in both.",
            )
        return dict(doc), _Shape(template["spec"], where)

    def _namespace_of(self, doc: Mapping[str, Any]) -> str:
        ns = doc["metadata"].get("namespace") or "default"
        if ns not in self._namespaces:
            raise NotFoundError(
                f'namespaces "{ns}" not found',
                hint=f"Create it first: apply a Namespace named {ns!r}, or use 'default'.",
            )
        return ns

    def _apply_one(self, doc: dict, shape: _Shape | None) -> tuple[str, str | None, str]:
        kind, meta = doc["kind"], doc["metadata"]
        name = meta["name"]
        if kind == "Namespace":
            if name not in self._namespaces:
                self._namespaces[name] = self._new_namespace(name, meta)
            else:
                self._namespaces[name]["metadata"]["labels"] = dict(meta.get("labels") or {})
            return kind, None, name
        ns = self._namespace_of(doc)
        assert shape is not None
        if kind == "Pod":
            existing = self._pods.get((ns, name))
            if existing is None:
                pod = self._new_pod(ns, name, meta, _copy(doc["spec"]), shape, None)
                if doc["spec"].get("nodeName"):
                    pod.pinned = doc["spec"]["nodeName"]
            elif _spec_without_node(existing.obj["spec"]) != _spec_without_node(doc["spec"]):
                raise InvalidParameterError(
                    f'Pod "{name}" is invalid: spec: Forbidden: pod updates may not change '
                    "fields other than image and a few others.",
                    code="Invalid",
                    hint=f'Delete the pod first (delete("Pod", "{name}")), then apply again.',
                )
            else:
                existing.obj["metadata"]["labels"] = dict(meta.get("labels") or {})
            return kind, ns, name
        return self._apply_workload(doc, ns, shape)

    def _apply_workload(self, doc: dict, ns: str, shape: _Shape) -> tuple[str, str, str]:
        kind, meta, spec = doc["kind"], doc["metadata"], _copy(doc["spec"])
        key = (kind, ns, meta["name"])
        if kind == "Deployment":
            spec.setdefault("replicas", 1)
        template_hash = _template_hash(spec["template"])
        old = self._workloads.get(key)
        if old is None:
            obj = {
                "apiVersion": doc["apiVersion"],
                "kind": kind,
                "metadata": self._meta(meta["name"], ns, meta),
                "spec": spec,
                "status": {},
            }
            obj["metadata"]["generation"] = 1
            self._workloads[key] = obj
            self._owned[key] = {}
        else:
            obj = old
            if obj["spec"] != spec:
                obj["metadata"]["generation"] += 1
            obj["metadata"]["labels"] = dict(meta.get("labels") or {})
            if _template_hash(obj["spec"]["template"]) != template_hash:
                # A new pod template replaces every pod (the Recreate strategy; a real
                # Deployment would roll them over gradually).
                for pod_key in list(self._owned[key]):
                    self._delete_pod(self._pods[pod_key])
            obj["spec"] = spec
        obj["metadata"]["annotations"]["lab/pod-template-hash"] = template_hash
        self._shapes[key] = shape
        self._dirty[key] = None
        return kind, ns, meta["name"]

    def scale(self, name: str, replicas: int, namespace: str = "default") -> dict:
        """Set a Deployment's replica count, like ``kubectl scale --replicas``.

        >>> c = Cluster()
        >>> _ = c.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w"},
        ...     "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "w"}},
        ...     "template": {"metadata": {"labels": {"app": "w"}},
        ...                  "spec": {"containers": [{"name": "w", "image": "nginx"}]}}}})
        >>> c.scale("w", 3)["spec"]["replicas"]
        3
        """
        key = ("Deployment", namespace, name)
        if key not in self._workloads:
            raise self._not_found("Deployment", name, namespace)
        if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
            raise _bad(
                f"spec.replicas: Invalid value: {replicas!r}: must be greater than or equal to 0.",
                hint="Pass a whole number such as 3 (0 stops every pod).",
            )
        obj = self._workloads[key]
        if obj["spec"]["replicas"] != replicas:
            obj["spec"]["replicas"] = replicas
            obj["metadata"]["generation"] += 1
        self._dirty[key] = None
        self.schedule()
        return self.get("Deployment", namespace, name)

    # ------------------------------------------------------------------ pods

    def _new_pod(
        self,
        ns: str,
        name: str,
        meta: Mapping[str, Any],
        spec: dict,
        shape: _Shape,
        owner: tuple[str, str, str] | None,
    ) -> _Pod:
        obj = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": self._meta(name, ns, meta),
            "spec": spec,
            "status": {"phase": "Pending", "conditions": [], "qosClass": _qos(shape)},
        }
        pod = _Pod((ns, name), obj, shape, owner)
        if owner is not None:
            owner_obj = self._workloads[owner]
            kind = "DaemonSet" if owner[0] == "DaemonSet" else "ReplicaSet"
            owner_name = owner[2]
            if kind == "ReplicaSet":
                template_hash = owner_obj["metadata"]["annotations"]["lab/pod-template-hash"]
                owner_name += "-" + template_hash
                obj["metadata"]["labels"]["pod-template-hash"] = template_hash
            obj["metadata"]["ownerReferences"].append(
                {
                    "apiVersion": "apps/v1",
                    "kind": kind,
                    "name": owner_name,
                    "uid": owner_obj["metadata"]["uid"],
                    "controller": True,
                }
            )
            self._owned[owner][pod.key] = None
        # DaemonSet pods belong to one EC2 node each, so no Fargate profile may take them.
        if self.fargate_matcher is not None and (owner is None or owner[0] != "DaemonSet"):
            matched = self.fargate_matcher(_copy(obj))
            if matched:
                pod.fargate = matched if isinstance(matched, str) else "fargate"
                # The Fargate profile webhook hands the pod to AWS's own scheduler.
                spec["schedulerName"] = "fargate-scheduler"
        self._pods[pod.key] = pod
        self._pending[pod.key] = None
        return pod

    def _delete_pod(self, pod: _Pod, drop_fargate_node: bool = True) -> None:
        del self._pods[pod.key]
        self._pending.pop(pod.key, None)
        node = pod.node
        if node is not None:
            del node.pods[pod.key]
            shape = pod.shape
            node.cpu_free += shape.cpu
            node.mem_free += shape.mem
            node.pods_free += 1
            node.score_cpu_free += shape.score_cpu
            node.score_mem_free += shape.score_mem
            self._gen += 1
            if node.fargate and drop_fargate_node and node.name in self._nodes:
                # A Fargate node exists for exactly one pod and goes away with it.
                self._drop_node(node)
        if pod.owner is not None and pod.owner in self._owned:
            self._owned[pod.owner].pop(pod.key, None)
            self._dirty[pod.owner] = None

    def delete(self, kind: str, name: str, namespace: str = "default") -> None:
        """Delete an object; Deployments and DaemonSets take their pods with them.

        >>> c = Cluster(); _ = c.apply({"apiVersion": "v1", "kind": "Namespace",
        ...                            "metadata": {"name": "lab"}})
        >>> c.delete("ns", "lab"); "lab" in [n["metadata"]["name"] for n in c.get("ns")["items"]]
        False
        """
        kind = _kind(kind)
        if kind == "Node":
            self.remove_node(name)
            return
        if kind == "Namespace":
            if name not in self._namespaces:
                raise self._not_found(kind, name, None)
            if name in ("default", "kube-system", "kube-public", "kube-node-lease"):
                raise InvalidParameterError(
                    f'namespaces "{name}" is forbidden: this namespace may not be deleted',
                    code="Forbidden",
                    hint="Delete the objects inside it instead, or use your own namespace.",
                )
            for key in [k for k in self._workloads if k[1] == name]:
                self._delete_workload(key)
            for pod in [p for k, p in self._pods.items() if k[0] == name]:
                self._delete_pod(pod)
            del self._namespaces[name]
        elif kind == "Pod":
            pod = self._pods.get((namespace, name))
            if pod is None:
                raise self._not_found(kind, name, namespace)
            self._delete_pod(pod)
        else:
            key = (kind, namespace, name)
            if key not in self._workloads:
                raise self._not_found(kind, name, namespace)
            self._delete_workload(key)
        self.schedule()

    def _delete_workload(self, key: tuple[str, str, str]) -> None:
        del self._workloads[key]
        self._shapes.pop(key, None)
        self._dirty.pop(key, None)
        # Garbage collection of the dependents, done in the foreground for simplicity.
        for pod_key in list(self._owned.pop(key)):
            self._delete_pod(self._pods[pod_key])

    def _not_found(self, kind: str, name: str, namespace: str | None) -> NotFoundError:
        where = f' in namespace "{namespace}"' if namespace else ""
        listing = f'get("{kind}", "{namespace}")' if namespace else f'get("{kind}")'
        return NotFoundError(
            f'{_PLURALS[kind]} "{name}" not found{where}',
            hint=f"List what exists with {listing} and check the name and namespace.",
        )

    # ------------------------------------------------------------------ controllers

    def _reconcile(self, key: tuple[str, str, str]) -> None:
        if key not in self._workloads:
            return
        obj, shape = self._workloads[key], self._shapes[key]
        ns = key[1]
        template = obj["spec"]["template"]
        owned = self._owned[key]
        if key[0] == "Deployment":
            want = obj["spec"]["replicas"]
            missing = want - len(owned)
            prefix = f"{key[2]}-{obj['metadata']['annotations']['lab/pod-template-hash']}-"
            for _ in range(missing):
                self._new_pod(ns, self._unique(ns, prefix), template.get("metadata") or {},
                              _copy(template["spec"]), shape, key)  # fmt: skip
            if missing < 0:
                # Like a ReplicaSet: remove unscheduled pods first, then the newest ones.
                pods = [self._pods[k] for k in owned]
                pods.sort(
                    key=lambda p: (p.node is not None, -int(p.obj["metadata"]["uid"][-12:], 16))
                )
                for pod in pods[:-missing]:
                    self._delete_pod(pod)
            return
        # DaemonSet: one pod per eligible EC2 node. Fargate nodes never get one: Fargate
        # runs exactly one pod per micro-VM and does not support DaemonSets at all.
        by_node = {self._pods[k].pinned: self._pods[k] for k in owned}
        for node in self._ec2_nodes:
            if node.name not in by_node and node.rejects(shape) is None:
                pod = self._new_pod(ns, self._unique(ns, f"{key[2]}-"),
                                    template.get("metadata") or {}, _copy(template["spec"]),
                                    shape, key)  # fmt: skip
                pod.pinned = node.name
                # Real DaemonSet pods carry this affinity, which is how they reach one node.
                pod.obj["spec"]["affinity"] = {
                    "nodeAffinity": {
                        "requiredDuringSchedulingIgnoredDuringExecution": {
                            "nodeSelectorTerms": [
                                {
                                    "matchFields": [
                                        {
                                            "key": "metadata.name",
                                            "operator": "In",
                                            "values": [node.name],
                                        }
                                    ]
                                }  # fmt: skip
                            ]
                        }
                    }
                }
        for node_name, pod in by_node.items():
            if node_name not in self._nodes:
                self._delete_pod(pod)

    def _unique(self, ns: str, prefix: str) -> str:
        while True:
            name = prefix + self._random(5, prefix)
            if (ns, name) not in self._pods:
                return name

    # ------------------------------------------------------------------ scheduler

    def schedule(self) -> None:
        """Run the controllers, then try every pending pod, until nothing changes.

        Called by every change, so a learner rarely needs it. Only pending pods are looked
        at, and a pod that failed is retried only after capacity appeared (a node was added
        or a pod left a node), like kube-scheduler's unschedulable queue.

        >>> Cluster().schedule()
        """
        while True:
            while self._dirty:
                key = next(iter(self._dirty))
                del self._dirty[key]
                self._reconcile(key)
            failed_cache: dict[tuple, str] = {}
            for key in list(self._pending):
                pod = self._pods.get(key)
                if pod is None or pod.tried == self._gen:
                    continue
                if pod.fargate is not None:
                    self._schedule_fargate(pod)
                elif self._schedule_one(pod, failed_cache):
                    failed_cache.clear()
            if not self._dirty:
                return

    def _schedule_one(self, pod: _Pod, failed_cache: dict[tuple, str]) -> bool:
        shape = pod.shape
        if pod.pinned is not None:
            node = self._nodes.get(pod.pinned)
            candidates = [node] if node is not None and not node.fargate else []
        else:
            cache_key = (shape.sig, shape.cpu, shape.mem)
            if cache_key in failed_cache:
                self._unschedulable(pod, failed_cache[cache_key])
                return False
            candidates = self._eligible_for(shape)[0]
        cpu, mem, score_cpu, score_mem = shape.cpu, shape.mem, shape.score_cpu, shape.score_mem
        best: _Node | None = None
        best_score = -1e300
        # The hot loop: filter on resources, score by least-allocated, first name wins ties.
        for node in candidates:
            if node.pods_free > 0 and node.cpu_free >= cpu and node.mem_free >= mem:
                score = (node.score_cpu_free - score_cpu) * node.inv_cpu + (
                    node.score_mem_free - score_mem
                ) * node.inv_mem
                if score > best_score:
                    best, best_score = node, score
        if best is None:
            message = self._failure_message(pod)
            if pod.pinned is None:
                failed_cache[(shape.sig, shape.cpu, shape.mem)] = message
            self._unschedulable(pod, message)
            return False
        self._bind(pod, best, "default-scheduler")
        return True

    def _eligible_for(self, shape: _Shape) -> tuple[list[_Node], Counter]:
        found = self._eligible.get(shape.sig)
        if found is None:
            nodes: list[_Node] = []
            reasons: Counter = Counter()
            for node in self._ec2_nodes:
                reason = node.rejects(shape)
                if reason is None:
                    nodes.append(node)
                else:
                    reasons[reason] += 1
            found = self._eligible[shape.sig] = (nodes, reasons)
        return found

    def _failure_message(self, pod: _Pod) -> str:
        total = len(self._nodes)
        if total == 0:
            return NO_NODES_MESSAGE
        shape = pod.shape
        reasons: Counter = Counter()
        fargate_nodes = total - len(self._ec2_nodes)
        if fargate_nodes:
            taint = f"node(s) had untolerated taint {{{COMPUTE_TYPE_LABEL}: fargate}}"
            reasons[taint] += fargate_nodes
        if pod.pinned is not None:
            node = self._nodes.get(pod.pinned)
            others = len(self._ec2_nodes) - (node is not None and not node.fargate)
            if others:
                reasons[_REASON_SELECTOR] += others
            candidates = [node] if node is not None and not node.fargate else []
        else:
            candidates, ineligible = self._eligible_for(shape)
            reasons.update(ineligible)
        for node in candidates:
            # NodeResourcesFit reports every resource that is short on the node.
            if node.pods_free <= 0:
                reasons[_REASON_PODS] += 1
            if node.cpu_free < shape.cpu:
                reasons[_REASON_CPU] += 1
            if node.mem_free < shape.mem:
                reasons[_REASON_MEMORY] += 1
        # kube-scheduler sorts the "<count> <reason>" strings themselves.
        parts = sorted(f"{count} {reason}" for reason, count in reasons.items())
        return f"0/{total} nodes are available: {', '.join(parts)}."

    def _unschedulable(self, pod: _Pod, message: str, source: str = "default-scheduler") -> None:
        pod.tried = self._gen
        status = pod.obj["status"]
        condition = {
            "type": "PodScheduled",
            "status": "False",
            "reason": "Unschedulable",
            "message": message,
        }
        # One event per new reason, not one per retry, to keep events() readable.
        if status["conditions"] != [condition]:
            status["conditions"] = [condition]
            self._event("Warning", "FailedScheduling", pod, message, source)

    def _bind(self, pod: _Pod, node: _Node, source: str, ip: str | None = None) -> None:
        shape = pod.shape
        node.cpu_free -= shape.cpu
        node.mem_free -= shape.mem
        node.pods_free -= 1
        node.score_cpu_free -= shape.score_cpu
        node.score_mem_free -= shape.score_mem
        node.pods[pod.key] = None
        pod.node = node
        del self._pending[pod.key]
        if ip is None:
            a, b = self._next_ip()
            ip = f"10.0.{a}.{b}"
        pod.obj["spec"]["nodeName"] = node.name
        pod.obj["status"] = {
            "phase": "Running",
            "conditions": [
                {"type": "PodScheduled", "status": "True"},
                {"type": "Ready", "status": "True"},
            ],
            "podIP": ip,
            "qosClass": pod.obj["status"]["qosClass"],
        }
        ns, name = pod.key
        message = f"Successfully assigned {ns}/{name} to {node.name}"
        self._event("Normal", "Scheduled", pod, message, source)

    def _schedule_fargate(self, pod: _Pod) -> None:
        problems = _fargate_problems(pod.obj["spec"])
        size: tuple[float, float] | None = None
        if not problems:
            try:
                size = provisioned_capacity(pod.obj)
            except FargateSizeError as exc:
                problems = [exc.message]
        if problems or size is None:
            message = "Pod not supported on Fargate: " + "; ".join(problems)
            self._unschedulable(pod, message, "fargate-scheduler")
            # Nothing a node change can fix: take it out of the queue for good.
            del self._pending[pod.key]
            return
        vcpu, memory_gb = size
        labels = {
            COMPUTE_TYPE_LABEL: "fargate",
            "eks.amazonaws.com/fargate-profile": pod.fargate or "fargate",
        }
        if self.fargate_subnets:
            n = self._ip_counter
            self._ip_counter += 1
            prefix, zone = self.fargate_subnets[n % len(self.fargate_subnets)]
            ip = f"{prefix}.{4 + n // len(self.fargate_subnets)}"
            labels["topology.kubernetes.io/zone"] = zone
        else:
            a, b = self._next_ip()
            ip = f"10.0.{a}.{b}"
        node = self._add_node(
            f"fargate-ip-{ip.replace('.', '-')}.ec2.internal",
            round(vcpu * 1000),
            round(memory_gb * 2**30),
            1,
            labels,
            [dict(_FARGATE_TAINT)],
            ip,
        )
        pod.obj["metadata"]["annotations"]["CapacityProvisioned"] = capacity_annotation(
            vcpu, memory_gb
        )
        self._bind(pod, node, "fargate-scheduler", ip)

    # ------------------------------------------------------------------ reading

    def get(
        self, kind: str, namespace: str | None = None, name: str | None = None
    ) -> dict | list[dict]:
        """One object (with ``name``) or a Kubernetes list ``{"kind": "PodList", "items"}``.

        ``kind`` accepts kubectl spellings ("pods", "po", "deploy", "ds"...). Without a
        name, ``namespace=None`` lists every namespace (``kubectl get -A``); with a name it
        means "default".

        >>> Cluster().get("pods")["kind"]
        'PodList'
        """
        kind = _kind(kind)
        if name is not None:
            return _copy(self._lookup(kind, namespace or "default", name))
        if kind == "Namespace":
            objs = [self._namespaces[n] for n in sorted(self._namespaces)]
        elif kind == "Node":
            objs = [self._nodes[n].obj for n in sorted(self._nodes)]
        elif kind == "Pod":
            objs = [p.obj for k, p in sorted(self._pods.items()) if namespace in (None, k[0])]
        else:
            objs = [
                self._with_status(k, o)
                for k, o in sorted(self._workloads.items())
                if k[0] == kind and namespace in (None, k[1])
            ]
        api_version = _API_VERSIONS.get(kind, "v1")
        return {
            "apiVersion": api_version,
            "kind": f"{kind}List",
            "metadata": {"resourceVersion": str(self._counter)},
            "items": [_copy(o) for o in objs],
        }

    def _lookup(self, kind: str, namespace: str, name: str) -> dict:
        if kind == "Namespace":
            found = self._namespaces.get(name)
        elif kind == "Node":
            node = self._nodes.get(name)
            found = node.obj if node else None
        elif kind == "Pod":
            pod = self._pods.get((namespace, name))
            found = pod.obj if pod else None
        else:
            key = (kind, namespace, name)
            found = self._with_status(key, self._workloads[key]) if key in self._workloads else None
        if found is None:
            raise self._not_found(kind, name, None if kind in ("Namespace", "Node") else namespace)
        return found

    def _with_status(self, key: tuple[str, str, str], obj: dict) -> dict:
        # Status is derived on read: cheaper than keeping counters in step with every pod.
        pods = [self._pods[k] for k in self._owned[key]]
        ready = sum(1 for p in pods if p.node is not None)
        gen = obj["metadata"]["generation"]
        if key[0] == "Deployment":
            obj["status"] = {
                "observedGeneration": gen,
                "replicas": len(pods),
                "updatedReplicas": len(pods),
                "readyReplicas": ready,
                "availableReplicas": ready,
                "unavailableReplicas": len(pods) - ready,
            }
        else:
            obj["status"] = {
                "observedGeneration": gen,
                "desiredNumberScheduled": len(pods),
                "currentNumberScheduled": ready,
                "numberReady": ready,
                "numberAvailable": ready,
                "numberMisscheduled": 0,
            }
        return obj

    def events(self) -> list[dict]:
        """Every event so far, oldest first (``kubectl get events``), as Event dicts.

        >>> Cluster().events()
        []
        """
        return _copy(self._events)


def _spec_without_node(spec: Mapping[str, Any]) -> dict:
    return {k: v for k, v in spec.items() if k not in ("nodeName", "schedulerName")}


def _template_hash(template: Mapping[str, Any]) -> str:
    # Same template, same hash: what Kubernetes' pod-template-hash label is for.
    text = json.dumps(template, sort_keys=True, default=str).encode()
    digest = hashlib.blake2b(text).digest()
    return "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:10])


def _qos(shape: _Shape) -> str:
    return "BestEffort" if shape.cpu == 0 and shape.mem == 0 else "Burstable"


def _fargate_problems(spec: Mapping[str, Any]) -> list[str]:
    """Why Fargate would refuse this pod spec (empty list: it can run it)."""
    problems = []
    containers = list(spec.get("initContainers") or []) + list(spec.get("containers") or [])
    for c in containers:
        name = c.get("name", "?")
        if (c.get("securityContext") or {}).get("privileged"):
            problems.append(
                f"container '{name}' is privileged (securityContext.privileged: true); "
                "Fargate does not run privileged containers"
            )
        for port in c.get("ports") or []:
            if port.get("hostPort"):
                problems.append(
                    f"container '{name}' uses hostPort {port['hostPort']}; Fargate pods have "
                    "no host ports (expose the port with a Service instead)"
                )
    if spec.get("hostNetwork"):
        problems.append("hostNetwork: true is not supported; each Fargate pod has its own ENI")
    for volume in spec.get("volumes") or []:
        vname = volume.get("name", "?")
        if "awsElasticBlockStore" in volume or "persistentVolumeClaim" in volume:
            what = "awsElasticBlockStore" if "awsElasticBlockStore" in volume else (
                "persistentVolumeClaim (this lab treats claims as EBS-backed)"
            )  # fmt: skip
            problems.append(
                f"volume '{vname}' uses {what}; Fargate cannot mount EBS volumes, only Amazon "
                "EFS with static provisioning (a csi volume with driver efs.csi.aws.com), "
                "or run the pod on EC2 nodes"
            )
    return problems
