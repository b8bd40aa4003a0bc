"""``lab.kube(cluster)``: a small Kubernetes API for an EKS cluster.

In the moto backends it is the simulator's (:mod:`awscontainers.sim.kube`); in real AWS the
same calls go through the official ``kubernetes`` client, signed in with a token made the
way ``aws eks get-token`` makes it.

>>> from awscontainers import Lab
>>> lab = Lab()
>>> _ = lab.eks.create_cluster(name="demo")
>>> k = lab.kube("demo")
>>> _ = k.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
...              "spec": {"containers": [{"name": "web", "image": "nginx"}]}})
>>> k.get("Pod", "default", "web")["status"]["conditions"][0]["message"]
'no nodes available to schedule pods'
>>> print(k.explain("web"))
explain default/web: Pending: no nodes available to schedule pods
(none)
>>> lab.close()
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

import yaml

from .errors import InvalidParameterError, LabError, UnsupportedError, check_type
from .sim.kube import COMPUTE_TYPE_LABEL, Explanation, disruption
from .tables import Table

if TYPE_CHECKING:
    from .lab import Lab
    from .sim.eks import SimEksCluster

TOKEN_PREFIX = "k8s-aws-v1."


def eks_token(session: Any, cluster: str, region: str) -> str:
    """A bearer token for an EKS cluster: a presigned STS ``GetCallerIdentity`` URL carrying
    the cluster name in the ``x-k8s-aws-id`` header, valid 60 seconds (as the AWS CLI makes
    it). Works offline: signing needs credentials, not a network.
    """
    from botocore.signers import RequestSigner

    sts = session.client("sts", region_name=region)
    signer = RequestSigner(
        sts.meta.service_model.service_id,
        region,
        "sts",
        "v4",
        session.get_credentials(),
        session.events,
    )
    request = {
        "method": "GET",
        "url": f"https://sts.{region}.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
        "body": {},
        "headers": {"x-k8s-aws-id": cluster},
        "context": {},
    }
    url = signer.generate_presigned_url(
        request, region_name=region, expires_in=60, operation_name=""
    )
    return TOKEN_PREFIX + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def _manifests(manifest: dict | str) -> list[dict]:
    if isinstance(manifest, dict):
        return [manifest]
    if not isinstance(manifest, str):
        raise InvalidParameterError(
            f"A manifest is a dict or YAML text, not {type(manifest).__name__}.",
            hint="pass {'apiVersion': 'v1', 'kind': 'Pod', ...} or the YAML text of one.",
        )
    try:
        docs = [d for d in yaml.safe_load_all(manifest) if d is not None]
    except (yaml.YAMLError, ValueError, RecursionError) as exc:  # ValueError: a 5,000-digit int
        raise InvalidParameterError(
            f"The manifest is not valid YAML: {exc}",
            hint="check the indentation; kubectl would refuse it too.",
        ) from exc
    for doc in docs:
        if not isinstance(doc, dict):
            raise InvalidParameterError(
                "Each YAML document must be a mapping with apiVersion, kind and metadata.",
                hint="start the document with 'apiVersion: v1' and 'kind: Pod'.",
            )
    return docs


def _check_names(**names: Any) -> None:
    """Kinds, namespaces and names are text (a namespace or name may be None where the call
    lists); anything else is refused before it reaches the API."""
    for what, value in names.items():
        allowed = str if what == "kind" else (str, type(None))
        check_type(value, allowed, what, f"pass {what} as text, e.g. {what}='web'.")


class KubeClient:
    """``apply``, ``get``, ``delete``, ``scale``, ``events`` on one EKS cluster, returning
    Kubernetes-shaped dicts; ``nodes_table``, ``pods_table`` and ``explain`` (why a pod is
    Pending, node by node) for notebooks."""

    def __init__(self, lab: Lab, cluster: str):
        self._lab = lab
        self.cluster = cluster
        self._sim: SimEksCluster | None
        if lab.eks_sim is not None:
            self._sim = lab.eks_sim.cluster(cluster)
            self._api: Any = None
        else:
            self._sim = None
            self._api = self._real_client()

    # -- real AWS ----------------------------------------------------------------------------
    def _real_client(self) -> Any:
        try:
            from kubernetes import client, dynamic
        except ImportError as exc:
            raise LabError(
                "The real-AWS backend talks to Kubernetes through the official client, which "
                "is not installed.",
                hint="pip install 'awscontainers[aws]' (or pip install kubernetes).",
            ) from exc
        import tempfile

        info = self._lab.eks.describe_cluster(name=self.cluster)["cluster"]
        # The client reads the CA from a file; it must outlive this call.
        with tempfile.NamedTemporaryFile(suffix=".crt", delete=False) as ca:
            ca.write(base64.b64decode(info["certificateAuthority"]["data"]))
        config = client.Configuration()
        config.host = info["endpoint"]
        config.ssl_ca_cert = ca.name
        config.api_key = {
            "authorization": "Bearer "
            + eks_token(self._lab._session, self.cluster, self._lab.region)
        }
        return dynamic.DynamicClient(client.ApiClient(config))

    def _resource(self, kind: str | None, api_version: str | None = None) -> Any:
        return self._api.resources.get(kind=kind, api_version=api_version)

    # -- the API -------------------------------------------------------------------------------
    def apply(self, manifest: dict | str) -> list[dict]:
        """Create or update the objects in ``manifest`` (a dict, or YAML text with one or
        more documents). Returns them as stored."""
        docs = _manifests(manifest)
        if self._sim is None:
            out = []
            for doc in docs:
                res = self._resource(doc.get("kind"), doc.get("apiVersion"))
                ns = (doc.get("metadata") or {}).get("namespace", "default")
                out.append(
                    res.server_side_apply(
                        body=doc, namespace=ns, field_manager="awscontainers"
                    ).to_dict()
                )
            return out
        # All or nothing: every document is checked before the first is applied.
        self._sim.kube.check(docs)
        applied: list[dict] = []
        for doc in docs:
            applied.extend(self._sim.kube.apply(doc))
        return applied

    def get(self, kind: str, namespace: str | None = None, name: str | None = None) -> Any:
        """One object (with ``name``) or a Kubernetes list (``{"kind": "PodList",
        "items": [...]}``); ``namespace=None`` lists every namespace."""
        _check_names(kind=kind, namespace=namespace, name=name)
        if self._sim is None:
            res = self._resource(kind)
            return res.get(name=name, namespace=namespace).to_dict()
        return self._sim.kube.get(kind, namespace=namespace, name=name)

    def delete(self, kind: str, name: str, namespace: str = "default") -> None:
        """Delete one object (``kubectl delete <kind> <name>``)."""
        _check_names(kind=kind, namespace=namespace, name=name)
        if self._sim is None:
            self._resource(kind).delete(name=name, namespace=namespace)
            return
        self._sim.kube.delete(kind, name, namespace)

    def scale(self, name: str, replicas: int, namespace: str = "default") -> dict:
        """Set a Deployment's replica count (``kubectl scale``)."""
        _check_names(namespace=namespace, name=name)
        if self._sim is None:
            res = self._resource("Deployment", "apps/v1")
            body = {"spec": {"replicas": replicas}}
            return res.patch(
                name=name,
                namespace=namespace,
                body=body,
                content_type="application/merge-patch+json",
            ).to_dict()
        return self._sim.kube.scale(name, replicas, namespace)

    def events(self) -> list[dict]:
        """Scheduling events, oldest first (reason ``Scheduled`` / ``FailedScheduling``)."""
        if self._sim is None:
            return self._resource("Event").get().to_dict().get("items", [])
        return self._sim.kube.events()

    def explain(self, pod: str | dict, namespace: str = "default") -> ExplainTable:
        """Why a pod is Pending, or why it runs where it does: one row per node, one column
        per scheduler filter plugin (``✓``, the reason it fails, or ``-`` where it does not
        apply), and a ``result`` column with the score of each node that fits. The title
        is the one-line summary; ``.explanation`` keeps the verdicts as data.

        ``pod`` is a pod's name (in ``namespace``) or a pod object from ``get``. Only the
        simulation can answer: real kube-scheduler keeps its per-node verdicts to itself.
        """
        if self._sim is None:
            name = pod.get("metadata", {}).get("name") if isinstance(pod, dict) else pod
            raise UnsupportedError(
                "explain shows the simulated scheduler's verdict on every node; on real AWS "
                "kube-scheduler does not publish them.",
                hint=f"read its FailedScheduling events: kubectl describe pod {name} "
                f"-n {namespace} (or k.events()), which give the counts per reason.",
            )
        return explain_table(self._sim.kube.explain(pod, namespace))

    def cordon(self, node: str) -> dict:
        """``kubectl cordon``: nothing new is scheduled on ``node``; its pods stay."""
        return self._set_unschedulable(node, True)

    def uncordon(self, node: str) -> dict:
        """``kubectl uncordon``: ``node`` takes new pods again."""
        return self._set_unschedulable(node, False)

    def _set_unschedulable(self, node: str, value: bool) -> dict:
        _check_names(name=node)
        if self._sim is None:
            res = self._resource("Node", "v1")
            body = {"spec": {"unschedulable": value or None}}
            return res.patch(
                name=node, body=body, content_type="application/merge-patch+json"
            ).to_dict()
        if value:
            return disruption.cordon(self._sim.kube, node)
        return disruption.uncordon(self._sim.kube, node)

    def drain(self, node: str, force: bool = False) -> Table:
        """``kubectl drain <node> --ignore-daemonsets``: cordon, then evict its pods through
        the Eviction API, respecting PodDisruptionBudgets (a refused pod stays, with the
        reason); ``force=True`` also deletes pods no controller would replace. One row per
        pod: evicted, blocked (and why) or ignored (DaemonSet pods)."""
        _check_names(name=node)
        check_type(force, bool, "force", "pass force=True or force=False.")
        if self._sim is None:
            raise UnsupportedError(
                "drain is simulated only; on real AWS kubectl does it.",
                hint=f"run: kubectl drain {node} --ignore-daemonsets",
            )
        result = disruption.drain(self._sim.kube, node, force=force)
        rows = (
            [{"pod": p, "result": "evicted", "why": ""} for p in result.evicted]
            + [{"pod": p, "result": "blocked", "why": w} for p, w in result.blocked.items()]
            + [{"pod": p, "result": "ignored", "why": "DaemonSet pod"} for p in result.ignored]
        )
        return Table(rows, title=f"drain {node}: " + ("done" if result.done else "not done"))

    def install_metrics_server(self) -> list[dict]:
        """Apply the Metrics Server (EKS does not install it): what ``top_pods`` and the
        HorizontalPodAutoscaler read."""
        from .manifests import metrics_server

        return self.apply(metrics_server())

    def install_cluster_autoscaler(self) -> list[dict]:
        """Apply the Cluster Autoscaler (its Kubernetes side; EKS does not install it). It
        scales nothing until its AWS side is done too: ``lab.eks.allow_cluster_autoscaler``
        and the discovery tags on self-managed groups."""
        from .manifests import cluster_autoscaler

        return self.apply(cluster_autoscaler(self.cluster))

    def install_karpenter(self) -> list[dict]:
        """Apply Karpenter's controller (its Kubernetes side; EKS does not install it). It
        launches nothing until its AWS side is done too (``lab.eks.allow_karpenter``) and a
        NodePool and an EC2NodeClass exist. An EKS Auto Mode cluster needs none of this."""
        from .manifests import karpenter

        return self.apply(karpenter(self.cluster))

    def top_pods(self, namespace: str | None = None) -> Table:
        """``kubectl top pods``: each running pod's CPU use (needs the Metrics Server)."""
        rows = [
            {
                "pod": m["metadata"]["name"],
                "namespace": m["metadata"]["namespace"],
                "cpu": ", ".join(c["usage"]["cpu"] for c in m["containers"]),
            }
            for m in self.get("PodMetrics", namespace=namespace)["items"]
        ]
        return Table(rows, title=f"Pod CPU in {self.cluster}")

    # -- tables for notebooks ----------------------------------------------------------------
    def nodes_table(self) -> Table:
        """Each node with its allocatable resources, what its pods request, and its pods."""
        nodes = self.get("Node")["items"]
        pods = self.get("Pod")["items"]
        rows = []
        for node in nodes:
            name = node["metadata"]["name"]
            labels = node["metadata"].get("labels", {})
            here = [p for p in pods if p["spec"].get("nodeName") == name]
            alloc = node["status"]["allocatable"]
            row = {
                "node": name,
                "kind": node_kind(labels),
                "type": labels.get("node.kubernetes.io/instance-type", "-"),
                "zone": labels.get("topology.kubernetes.io/zone", "-"),
                "cpu": alloc.get("cpu"),
                "memory": alloc.get("memory"),
            }
            if "nvidia.com/gpu" in alloc:  # a GPU node (what the NVIDIA device plugin advertises)
                row["nvidia.com/gpu"] = alloc["nvidia.com/gpu"]
            row["pods"] = f"{len(here)}/{alloc.get('pods')}"
            row["running"] = [p["metadata"]["name"] for p in here]
            rows.append(row)
        return Table(rows, title=f"Nodes of {self.cluster}")

    def pods_table(self, namespace: str | None = None) -> Table:
        """Each pod with its phase, node, and why it is pending if it is."""
        rows = []
        for pod in self.get("Pod", namespace=namespace)["items"]:
            conditions = {c["type"]: c for c in pod.get("status", {}).get("conditions", [])}
            scheduled = conditions.get("PodScheduled", {})
            annotations = pod["metadata"].get("annotations", {})
            rows.append(
                {
                    "pod": pod["metadata"]["name"],
                    "namespace": pod["metadata"].get("namespace"),
                    "phase": pod.get("status", {}).get("phase"),
                    "node": pod["spec"].get("nodeName"),
                    "fargate size": annotations.get("CapacityProvisioned"),
                    "why pending": scheduled.get("message")
                    if scheduled.get("status") == "False"
                    else None,
                }
            )
        return Table(rows, title=f"Pods in {self.cluster}")


def node_kind(labels: dict) -> str:
    """How a node is hosted, read from the labels EKS puts on it.

    >>> node_kind({"eks.amazonaws.com/nodegroup": "ng"})
    'managed nodegroup'
    """
    if labels.get(COMPUTE_TYPE_LABEL) == "fargate":
        return "Fargate"
    if "eks.amazonaws.com/nodegroup" in labels:
        return "managed nodegroup"
    return "self-managed"


class ExplainTable(Table):
    """The table ``explain`` returns; ``.explanation`` keeps the verdicts as data."""

    def __init__(self, rows: list[dict], title: str, explanation: Explanation):
        super().__init__(rows, title=title)
        self.explanation = explanation


def explain_table(why: Explanation) -> ExplainTable:
    """An :class:`~awscontainers.sim.kube.Explanation` as a table: a row per node, a column
    per filter plugin, then ``result``."""
    rows = []
    for row in why.nodes:
        cells: dict[str, Any] = {"node": row.node}
        for plugin in why.filters:
            verdict = row.verdicts[plugin]
            cells[plugin] = "-" if verdict is None else ", ".join(verdict) if verdict else "✓"
        score = f"score {row.score:.1f}" if row.score is not None else None
        if row.node == why.node:
            cells["result"] = "bound here" + (f" ({score})" if score else "")
        elif row.feasible:
            cells["result"] = f"fits ({score})" if score else "fits"
        else:
            cells["result"] = f"filtered out by {row.first_failure}"
        rows.append(cells)
    return ExplainTable(rows, title=f"explain {why.pod}: {why.summary}", explanation=why)
