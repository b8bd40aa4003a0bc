"""The :class:`Cluster`: one EKS cluster's Kubernetes objects, the scheduler and the
controllers, and the core kinds it cannot do without (Namespace, Node, Pod)."""

from __future__ import annotations

import hashlib
from bisect import insort
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, cast

import yaml

from awscontainers.errors import AlreadyExistsError, InvalidParameterError, NotFoundError

from ...collector import collection_paused
from .fargate import schedule_fargate
from .kinds import KINDS, Kind, applicable_kind, check_metadata, check_spec, resolve_kind
from .objects import (
    ALPHABET,
    COMPUTE_TYPE_LABEL,
    EPOCH,
    FARGATE_TAINT,
    GPU_RESOURCE,
    NAME_RE,
    NodeInfo,
    PodInfo,
    PodShape,
    check_replicas_limit,
    copy_object,
    invalid,
)
from .plugins import SchedulerProfile
from .scheduler import Explanation, Scheduler

__all__ = ["NAMESPACE", "NODE", "POD", "Cluster", "FargateMatcher"]

#: Decides whether a pod runs on Fargate: a truthy value (ideally the profile name) means yes.
FargateMatcher = Callable[[dict[str, Any]], "bool | str | None"]
#: Called with the object as applied (a copy), or None when it is deleted.
Watcher = Callable[["dict | None"], None]

_BUILT_IN_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")


class Cluster:
    """The in-memory Kubernetes state of one EKS cluster.

    Every change (``apply``, ``delete``, ``scale``, ``add_node``, ``remove_node``) runs the
    controllers and the scheduler until nothing more changes, so ``get`` always shows the
    settled state, as ``kubectl get`` would a few seconds later.

    ``profile`` chooses the scheduler's plugins (:mod:`.plugins`); the default is
    kube-scheduler's own filters and least-allocated scoring.

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
        profile: SchedulerProfile | None = None,
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
        self._usage = 0  # bumped whenever a node comes, goes, or takes or frees a pod
        self._scheduler = Scheduler(self, profile)
        self._namespaces: dict[str, dict] = {}
        self._nodes: dict[str, NodeInfo] = {}
        self._ec2_nodes: list[NodeInfo] = []  # sorted by name: scan order = tie-break order
        self._pods: dict[tuple[str, str], PodInfo] = {}
        self._pending: dict[tuple[str, str], None] = {}  # an ordered set, oldest first
        # Every other object, (kind, namespace, name) -> object, in the order applied.
        self._objects: dict[tuple[str, str, str], dict] = {}
        self._shapes: dict[tuple[str, str, str], PodShape] = {}  # pod templates
        self._owned: dict[tuple[str, str, str], dict[tuple[str, str], None]] = {}
        self._dirty: dict[tuple[str, str, str], None] = {}  # waiting for their controller
        self._watchers: dict[tuple[str, str | None, str], list[Watcher]] = {}
        self._events: list[dict] = []
        for ns in _BUILT_IN_NAMESPACES:
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
        meta["creationTimestamp"] = (EPOCH + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
        meta["ownerReferences"] = []
        return meta

    def _random(self, length: int, salt: str) -> str:
        # A seeded counter through a hash: looks random, is the same on every run.
        self._name_counter += 1
        digest = hashlib.blake2b(f"{self._seed}:{salt}:{self._name_counter}".encode()).digest()
        return "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:length])

    def _next_ip(self) -> tuple[int, int]:
        n = self._ip_counter
        self._ip_counter += 1
        return 1 + (n // 254) % 254, 1 + n % 254

    def _event(self, type_: str, reason: str, pod: PodInfo, message: str, source: str) -> None:
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

    def _unique(self, ns: str, prefix: str) -> str:
        while True:
            name = prefix + self._random(5, prefix)
            if (ns, name) not in self._pods:
                return name

    def _not_found(self, kind: str, name: str, namespace: str | None) -> NotFoundError:
        where = f' in namespace "{namespace}"' if namespace else ""
        listing = f'get("{kind}", "{namespace}")' if namespace else f'get("{kind}")'
        return NotFoundError(
            f'{KINDS[kind].plural} "{name}" not found{where}',
            hint=f"List what exists with {listing} and check the name and namespace.",
        )

    # ------------------------------------------------------------------ watching

    def on_change(self, kind: str, namespace: str | None, name: str, callback: Watcher) -> None:
        """Call ``callback`` whenever that object is applied (with a copy of the manifest)
        or deleted (with None).

        The call comes as the change is admitted, before it is stored, so a watcher that
        raises refuses the change (as a validating admission webhook would). This is how
        EKS follows the ``aws-auth`` ConfigMap.

        >>> c, seen = Cluster(), []
        >>> c.on_change("cm", "default", "app", lambda obj: seen.append(obj and obj["data"]))
        >>> _ = c.apply({"apiVersion": "v1", "kind": "ConfigMap",
        ...              "metadata": {"name": "app"}, "data": {"a": "1"}})
        >>> c.delete("ConfigMap", "app"); seen
        [{'a': '1'}, None]
        """
        key = (resolve_kind(kind).name, namespace, name)
        self._watchers.setdefault(key, []).append(callback)

    def _notify(self, kind: str, namespace: str | None, name: str, obj: Any) -> None:
        for callback in self._watchers.get((kind, namespace, name), ()):
            callback(copy_object(obj) if obj is not None else None)

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
        gpus: int = 0,
    ) -> dict:
        """Register a node with this much allocatable CPU, memory and pod slots.

        ``taints`` use the Kubernetes shape ``{"key", "value", "effect"}``. A node added with
        ``fargate=True`` gets the Fargate label and taint, so only Fargate pods would fit.
        ``gpus`` is what the NVIDIA device plugin advertises as ``nvidia.com/gpu`` in the
        node's capacity and allocatable (one per physical GPU).

        >>> Cluster().add_node("n1", cpu_millis=1930, memory_bytes=2**31, max_pods=17,
        ...                    labels={"role": "web"})["status"]["allocatable"]["pods"]
        '17'
        """
        if name in self._nodes:
            raise AlreadyExistsError(
                f'nodes "{name}" already exists',
                hint="Pick another node name, or remove_node() the old one first.",
            )
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise invalid(
                f"Invalid node name {name!r}.",
                hint="Use lowercase letters, digits, '-' and '.', like ip-10-0-1-23.ec2.internal.",
            )
        for field, value in (("cpu_millis", cpu_millis), ("memory_bytes", memory_bytes)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise invalid(f"{field} must be a whole number >= 0, not {value!r}.", hint=(
                    "Give allocatable CPU in millicores (1 vCPU = 1000) and memory in bytes."
                ))  # fmt: skip
        if isinstance(gpus, bool) or not isinstance(gpus, int) or gpus < 0:
            raise invalid(f"gpus must be a whole number >= 0, not {gpus!r}.", hint=(
                "Give the number of physical GPUs, e.g. 1 for g4dn.xlarge."
            ))  # fmt: skip
        if isinstance(max_pods, bool) or not isinstance(max_pods, int) or max_pods < 0:
            raise invalid(
                f"max_pods must be a whole number >= 0, not {max_pods!r}.",
                hint="Compute it with max_pods(enis, ipv4_per_eni), e.g. 29 for m5.large.",
            )
        clean_taints = []
        for taint in taints or []:
            effect = taint.get("effect") if isinstance(taint, Mapping) else None
            if effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute") or not taint.get(
                "key"
            ):
                raise invalid(
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
            if FARGATE_TAINT not in clean_taints:
                clean_taints.append(dict(FARGATE_TAINT))
        self._add_node(name, cpu_millis, memory_bytes, max_pods, labels, clean_taints, gpus=gpus)
        self.schedule()
        return cast(dict, self.get("Node", name=name))

    def _add_node(
        self,
        name: str,
        cpu: int,
        mem: int,
        pods: int,
        labels: dict,
        taints: list,
        ip=None,
        gpus: int = 0,
    ) -> NodeInfo:
        resources = {"cpu": f"{cpu}m", "memory": f"{mem // 1024}Ki", "pods": str(pods)}
        if gpus:
            resources[GPU_RESOURCE] = str(gpus)
        obj: dict[str, Any] = {
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
        fargate = labels.get(COMPUTE_TYPE_LABEL) == "fargate"
        node = NodeInfo(name, obj, cpu, mem, pods, fargate, gpus)
        self._nodes[name] = node
        self._usage += 1
        if not node.fargate:
            insort(self._ec2_nodes, node, key=_node_name)  # names are unique: stays sorted
            self._scheduler.nodes_changed()
            self._gen += 1
            self._nodes_changed()
        return node

    def _nodes_changed(self) -> None:
        # Controllers of kinds that watch nodes (DaemonSets) look again.
        watching = {k.name for k in KINDS.values() if k.watches_nodes}
        for key in self._objects:
            if key[0] in watching:
                self._dirty[key] = None

    def remove_node(self, name: str) -> None:
        """Remove a node; its pods are deleted (controllers recreate theirs elsewhere).

        >>> c = Cluster(); _ = c.add_node("n1", cpu_millis=1000, memory_bytes=2**30,
        ...                                max_pods=4, labels={})
        >>> c.remove_node("n1"); c.get("Node")["items"]
        []
        """
        self._remove_node(name)
        self.schedule()

    def _remove_node(self, name: str) -> None:
        node = self._nodes.get(name)
        if node is None:
            raise NotFoundError(
                f'nodes "{name}" not found',
                hint='List the nodes with get("Node") and use one of their names.',
            )
        self._drop_node(node)

    def _drop_node(self, node: NodeInfo) -> None:
        del self._nodes[node.name]
        self._usage += 1
        if not node.fargate:
            self._ec2_nodes.remove(node)
            self._scheduler.nodes_changed()
            self._nodes_changed()
        # The pod garbage collector deletes pods bound to a node that no longer exists.
        for key in list(node.pods):
            self._delete_pod(self._pods[key], drop_fargate_node=False)

    def _sorted_nodes(self) -> list[NodeInfo]:
        return sorted(self._nodes.values(), key=lambda n: n.name)

    # ------------------------------------------------------------------ manifests

    def apply(self, manifest: dict | str | list[dict]) -> list[dict]:
        """Create or update the objects in a manifest (a dict, a list of them, or YAML with one
        or more docs).

        Every document is checked before any is applied, so a bad one changes nothing.
        Returns the applied objects as the API server would store them.

        >>> c = Cluster()
        >>> [o["kind"] for o in c.apply("kind: Namespace\\napiVersion: v1\\nmetadata: {name: a}")]
        ['Namespace']
        """
        if isinstance(manifest, str):
            try:
                docs = [d for d in yaml.safe_load_all(manifest) if d is not None]
            except (
                yaml.YAMLError,
                ValueError,
                RecursionError,
            ) as exc:  # ValueError: a 5,000-digit int
                raise invalid(f"The manifest is not valid YAML: {exc}") from exc
        elif isinstance(manifest, list):
            docs = list(manifest)
        else:
            docs = [manifest]
        if not docs:
            raise invalid("The manifest is empty.")
        checked = [self._check(doc, i) for i, doc in enumerate(docs)]
        # A Deployment of 10,000 replicas makes tens of thousands of small dicts at once;
        # Python's cycle collector would scan the growing heap again and again as they come
        # (making the time grow faster than the pods). They hold no cycles: collection
        # waits until the batch is made.
        with collection_paused():
            results = [self._apply_one(kind, doc, prepared) for kind, doc, prepared in checked]
            self.schedule()
        return [cast(dict, self.get(kind, ns, name)) for kind, ns, name in results]

    def check(self, docs: list[Any]) -> None:
        """Check every document as :meth:`apply` would, changing nothing: a client that
        applies documents one by one checks them all first, so a bad one changes nothing."""
        for i, doc in enumerate(docs):
            self._check(doc, i)

    def _check(self, doc: Any, index: int) -> tuple[Kind, dict, Any]:
        where = f"document #{index + 1}"
        if not isinstance(doc, Mapping):
            raise invalid(f"{where} is a {type(doc).__name__}, not a Kubernetes object (a map).")
        kind = applicable_kind(doc, where)
        assert kind.check is not None
        try:
            return kind, dict(doc), kind.check(self, doc, where)
        except InvalidParameterError as exc:
            # A quantity the shared parser refuses is, from the API server, an Invalid object.
            if exc.code is None:
                exc.code = "Invalid"
            raise
        except (
            AttributeError,
            TypeError,
            KeyError,
            IndexError,
            ValueError,
            ArithmeticError,
        ) as exc:
            # A field of the wrong type deep inside the object (a list where a map belongs, a
            # number where text does): the API server refuses the object, it does not crash.
            raise invalid(
                f"{where} ({doc.get('kind')}): a field has the wrong type or shape "
                f"({type(exc).__name__}: {str(exc)[:120]}).",
                hint="compare the object with `kubectl explain <kind>.spec`: maps, lists and "
                "text each where Kubernetes expects them.",
            ) from exc

    def _apply_one(self, kind: Kind, doc: dict, prepared: Any) -> tuple[str, str | None, str]:
        ns = kind.namespace_of(self, doc) if kind.namespace_of is not None else None
        name = doc["metadata"]["name"]
        self._notify(kind.name, ns, name, doc)
        assert kind.apply is not None
        kind.apply(self, doc, ns, prepared)
        return kind.name, ns, name

    def _namespace_of(self, doc: Mapping[str, Any]) -> str:
        ns = doc["metadata"].get("namespace") or "default"
        if ns not in self._namespaces:
            raise NotFoundError(
                f'namespaces "{ns}" not found',
                hint=f"Create it first: apply a Namespace named {ns!r}, or use 'default'.",
            )
        return ns

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
        if key not in self._objects:
            raise self._not_found("Deployment", name, namespace)
        if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
            raise invalid(
                f"spec.replicas: Invalid value: {replicas!r}: must be greater than or equal to 0.",
                hint="Pass a whole number such as 3 (0 stops every pod).",
            )
        check_replicas_limit(replicas, f"Deployment {name!r}")
        obj = self._objects[key]
        if obj["spec"]["replicas"] != replicas:
            obj["spec"]["replicas"] = replicas
            obj["metadata"]["generation"] += 1
        self._dirty[key] = None
        self.schedule()
        return cast(dict, self.get("Deployment", namespace, name))

    def delete(self, kind: str, name: str, namespace: str = "default") -> None:
        """Delete an object; Deployments and DaemonSets take their pods with them.

        >>> c = Cluster(); _ = c.apply({"apiVersion": "v1", "kind": "Namespace",
        ...                            "metadata": {"name": "lab"}})
        >>> c.delete("ns", "lab"); "lab" in [n["metadata"]["name"] for n in c.get("ns")["items"]]
        False
        """
        found = resolve_kind(kind)
        found.delete(self, namespace, name)
        self._notify(found.name, namespace if found.namespaced else None, name, None)
        self.schedule()

    # ------------------------------------------------------------------ pods

    def _new_pod(
        self,
        ns: str,
        name: str,
        meta: Mapping[str, Any],
        spec: dict,
        shape: PodShape,
        owner: tuple[str, str, str] | None,
        *,
        owner_ref: dict | None = None,
        labels: dict[str, str] | None = None,
        fargate: bool = True,
    ) -> PodInfo:
        """A new pending pod; ``owner`` is the controller's object, ``fargate`` False keeps
        Fargate profiles from taking it (DaemonSet pods belong to one EC2 node each)."""
        obj: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": self._meta(name, ns, meta),
            "spec": spec,
            "status": {"phase": "Pending", "conditions": [], "qosClass": _qos(shape)},
        }
        pod = PodInfo((ns, name), obj, shape, owner)
        if labels:
            obj["metadata"]["labels"].update(labels)
        if owner_ref is not None:
            obj["metadata"]["ownerReferences"].append(dict(owner_ref))
        if owner is not None:
            self._owned[owner][pod.key] = None
        if self.fargate_matcher is not None and fargate:
            matched = self.fargate_matcher(copy_object(obj))
            if matched:
                pod.fargate = matched if isinstance(matched, str) else "fargate"
                # The Fargate profile webhook hands the pod to AWS's own scheduler.
                spec["schedulerName"] = "fargate-scheduler"
        self._pods[pod.key] = pod
        self._pending[pod.key] = None
        return pod

    def _delete_pod(self, pod: PodInfo, drop_fargate_node: bool = True) -> None:
        del self._pods[pod.key]
        self._pending.pop(pod.key, None)
        node = pod.node
        if node is not None:
            del node.pods[pod.key]
            node.take(pod.shape, -1)
            self._scheduler.node_changed(node)
            self._gen += 1
            self._usage += 1
            if node.fargate and drop_fargate_node and node.name in self._nodes:
                # A Fargate node exists for exactly one pod and goes away with it.
                self._drop_node(node)
        if pod.owner is not None and pod.owner in self._owned:
            self._owned[pod.owner].pop(pod.key, None)
            self._dirty[pod.owner] = None

    # ------------------------------------------------------------------ scheduling

    def schedule(self) -> None:
        """Run the controllers, then try every pending pod, until nothing changes.

        Called by every change, so a learner rarely needs it. Only pending pods are looked
        at, and a pod that failed is retried only after capacity appeared (a node was added
        or a pod left a node), like kube-scheduler's unschedulable queue.

        >>> Cluster().schedule()
        """
        scheduler = self._scheduler
        while True:
            while self._dirty:
                dirty = next(iter(self._dirty))
                del self._dirty[dirty]
                if dirty in self._objects:
                    controller = KINDS[dirty[0]].controller
                    if controller is not None:
                        controller(self, dirty)
            failed_cache: dict[tuple, str] = {}
            for key in list(self._pending):
                pod = self._pods.get(key)
                if pod is None or pod.tried == self._gen:
                    continue
                if pod.fargate is not None:
                    schedule_fargate(self, pod)
                elif scheduler.schedule_one(pod, failed_cache):
                    failed_cache.clear()
            if not self._dirty:
                return

    def _unschedulable(self, pod: PodInfo, message: str, source: str = "default-scheduler") -> None:
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

    def _bind(self, pod: PodInfo, node: NodeInfo, source: str, ip: str | None = None) -> None:
        shape = pod.shape  # NodeInfo.take, inlined: this runs once per pod placed
        node.cpu_free -= shape.cpu
        node.mem_free -= shape.mem
        node.pods_free -= 1
        node.gpu_free -= shape.gpu
        node.score_cpu_free -= shape.score_cpu
        node.score_mem_free -= shape.score_mem
        self._scheduler.node_changed(node)
        self._usage += 1
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

    def explain(self, pod: str | Mapping[str, Any], namespace: str | None = None) -> Explanation:
        """Why a pod is Pending, or why it runs where it does: every node with each filter
        plugin's verdict, the score where all pass, and a one-line summary.

        ``pod`` is a name (in ``namespace``, default "default") or a pod object.

        >>> c = Cluster()
        >>> _ = c.add_node("small", cpu_millis=500, memory_bytes=2**30, max_pods=5, labels={})
        >>> _ = c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "big"},
        ...     "spec": {"containers": [{"name": "a", "image": "nginx",
        ...              "resources": {"requests": {"cpu": "1"}}}]}})
        >>> why = c.explain("big")
        >>> why.summary
        'Pending: 0/1 nodes are available: 1 Insufficient cpu.'
        >>> why.nodes[0].verdicts["NodeResourcesFit"]
        ('Insufficient cpu',)
        """
        if isinstance(pod, Mapping):
            meta = pod.get("metadata") or {}
            name, namespace = str(meta.get("name", "")), meta.get("namespace", namespace)
        else:
            name = str(pod)
        ns = namespace or "default"
        found = self._pods.get((ns, name))
        if found is None:
            raise self._not_found("Pod", name, ns)
        return self._scheduler.explain(found)

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
        found = resolve_kind(kind)
        if name is not None:
            return copy_object(found.read(self, namespace, name))
        return {
            "apiVersion": found.api_version,
            "kind": f"{found.name}List",
            "metadata": {"resourceVersion": str(self._counter)},
            "items": [copy_object(o) for o in found.items(self, namespace)],
        }

    def runs(self, kind: str, namespace: str, name: str) -> bool:
        """Whether object ``kind`` ``namespace/name`` exists and one of its pods is bound to
        a node (an add-on that is installed *and* running)."""
        key = (kind, namespace, name)
        if key not in self._objects:
            return False
        return any(self._pods[k].node is not None for k in self._owned.get(key, {}))

    def events(self) -> list[dict]:
        """Every event so far, oldest first (``kubectl get events``), as Event dicts.

        >>> Cluster().events()
        []
        """
        return copy_object(self._events)


def _node_name(node: NodeInfo) -> str:
    return node.name


def _qos(shape: PodShape) -> str:
    return "BestEffort" if shape.cpu == 0 and shape.mem == 0 else "Burstable"


def _spec_without_node(spec: Mapping[str, Any]) -> dict:
    return {k: v for k, v in spec.items() if k not in ("nodeName", "schedulerName")}


# ------------------------------------------------------------------ Namespace


def _check_namespace(cluster: Cluster, doc: Mapping[str, Any], where: str) -> None:
    check_metadata(doc, where)


def _apply_namespace(cluster: Cluster, doc: dict, ns: str | None, prepared: Any) -> None:
    meta = doc["metadata"]
    name = meta["name"]
    if name not in cluster._namespaces:
        cluster._namespaces[name] = cluster._new_namespace(name, meta)
    else:
        cluster._namespaces[name]["metadata"]["labels"] = dict(meta.get("labels") or {})


def _read_namespace(cluster: Cluster, namespace: str | None, name: str) -> dict:
    found = cluster._namespaces.get(name)
    if found is None:
        raise cluster._not_found("Namespace", name, None)
    return found


def _delete_namespace(cluster: Cluster, namespace: str, name: str) -> None:
    if name not in cluster._namespaces:
        raise cluster._not_found("Namespace", name, None)
    if name in _BUILT_IN_NAMESPACES:
        raise InvalidParameterError(
            f'namespaces "{name}" is forbidden: this namespace may not be deleted',
            code="Forbidden",
            hint="Delete the objects inside it instead, or use your own namespace.",
        )
    for kind, ns, obj_name in [k for k in cluster._objects if k[1] == name]:
        KINDS[kind].delete(cluster, ns, obj_name)
        cluster._notify(kind, ns, obj_name, None)
    for pod in [p for k, p in cluster._pods.items() if k[0] == name]:
        cluster._delete_pod(pod)
    del cluster._namespaces[name]


NAMESPACE = Kind(
    name="Namespace",
    api_version="v1",
    plural="namespaces",
    aliases=("ns",),
    namespaced=False,
    read=_read_namespace,
    items=lambda cluster, ns: [cluster._namespaces[n] for n in sorted(cluster._namespaces)],
    delete=_delete_namespace,
    check=_check_namespace,
    apply=_apply_namespace,
)


# ------------------------------------------------------------------ Node


def _read_node(cluster: Cluster, namespace: str | None, name: str) -> dict:
    node = cluster._nodes.get(name)
    if node is None:
        raise cluster._not_found("Node", name, None)
    return node.obj


NODE = Kind(
    name="Node",
    api_version="v1",
    plural="nodes",
    aliases=("no",),
    namespaced=False,
    read=_read_node,
    items=lambda cluster, ns: [cluster._nodes[n].obj for n in sorted(cluster._nodes)],
    delete=lambda cluster, ns, name: cluster._remove_node(name),
)  # no check: kubelets register nodes (add_node), apply does not


# ------------------------------------------------------------------ Pod


def _check_pod(cluster: Cluster, doc: Mapping[str, Any], where: str) -> PodShape:
    where = check_metadata(doc, where)
    return PodShape(check_spec(doc, where), where)


def _apply_pod(cluster: Cluster, doc: dict, ns: str | None, shape: PodShape) -> None:
    assert ns is not None
    meta = doc["metadata"]
    name = meta["name"]
    existing = cluster._pods.get((ns, name))
    if existing is None:
        pod = cluster._new_pod(ns, name, meta, copy_object(doc["spec"]), shape, None)
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


def _read_pod(cluster: Cluster, namespace: str | None, name: str) -> dict:
    ns = namespace or "default"
    pod = cluster._pods.get((ns, name))
    if pod is None:
        raise cluster._not_found("Pod", name, ns)
    return pod.obj


def _delete_pod(cluster: Cluster, namespace: str, name: str) -> None:
    pod = cluster._pods.get((namespace, name))
    if pod is None:
        raise cluster._not_found("Pod", name, namespace)
    cluster._delete_pod(pod)


POD = Kind(
    name="Pod",
    api_version="v1",
    plural="pods",
    aliases=("po",),
    read=_read_pod,
    items=lambda cluster, ns: [
        p.obj for k, p in sorted(cluster._pods.items()) if ns in (None, k[0])
    ],
    delete=_delete_pod,
    check=_check_pod,
    namespace_of=lambda cluster, doc: cluster._namespace_of(doc),
    apply=_apply_pod,
)
