"""ipywidgets panels for the EKS notebooks: see a cluster's nodes and pods, launch and
authorise self-managed nodes, scale a managed nodegroup, apply the sample workloads, and
ask the scheduler why a pending pod fits on no node.

Every panel talks to the lab only through ``lab.eks`` and ``lab.kube(cluster)``, as a
learner's own code would, so what a panel shows is what the APIs answer. The conventions are
those of :mod:`awscontainers.widgets.ecs`: ``.widget`` (the box), ``.output`` (an ``HTML``
widget with the last result), buttons clickable from code, and a
:class:`~awscontainers.errors.LabError` shown in ``.output`` instead of escaping a click.

>>> from awscontainers import Lab
>>> lab = Lab()
>>> _ = lab.eks.create_cluster(name="demo")
>>> _ = lab.eks.create_nodegroup(clusterName="demo", nodegroupName="ng",
...     scalingConfig={"minSize": 1, "desiredSize": 1, "maxSize": 2})
>>> view = NodeView(lab, "demo")
>>> work = WorkloadPanel(lab, "demo", view=view)
>>> work.replicas.value = 2
>>> work.button.click()
>>> "2 running, 0 pending" in work.output.value
True
>>> "930m of 1930m CPU free" in view.html()
True
>>> lab.close()
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ..errors import AlreadyExistsError, LabError
from ..fargate import parse_quantity_memory
from ..kube import node_kind
from ..manifests import sample_daemonset, sample_deployment
from ..sim.kube import COMPUTE_TYPE_LABEL, millicores
from .ecs import _WIDE, _bar, _call_text, _error_html, _esc, _Panel

if TYPE_CHECKING:
    from ..lab import Lab

__all__ = [
    "COMPUTE_TYPE_LABEL",
    "SELF_MANAGED_INSTANCE_TYPES",
    "ExplainPanel",
    "NodeView",
    "NodegroupPanel",
    "SelfManagedPanel",
    "WorkloadPanel",
]

#: Instance types the self-managed panel offers: two burstable sizes, general purpose and
#: compute optimised, so a learner sees allocatable CPU, memory and pod slots differ.
SELF_MANAGED_INSTANCE_TYPES = ["t3.medium", "t3.large", "m5.large", "c5.large"]

NODEGROUP_LABEL = "eks.amazonaws.com/nodegroup"
_MIB = 2**20


# --------------------------------------------------------------------------- small helpers


def _refresh(view: NodeView | None) -> None:
    if view is not None:
        view.refresh()


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _code_line(expression: str) -> str:
    """A call that is not plain keyword arguments (``lab.kube(...).apply(...)``), shown like
    ``_call_text`` shows the others, so the learner can copy it."""
    return f"<p>Call made: <code>{_esc(expression)}</code></p>"


def pod_requests(pod: Mapping[str, Any]) -> tuple[int, int]:
    """(CPU millicores, memory bytes) a pod requests, counted the way kube-scheduler does:
    the containers' requests added up (a request defaults to the limit), or the largest init
    container's if that is more, since init containers run one at a time first."""

    def one(container: Mapping[str, Any]) -> tuple[int, int]:
        res = container.get("resources") or {}
        requests, limits = res.get("requests") or {}, res.get("limits") or {}
        cpu = requests.get("cpu", limits.get("cpu", 0))
        mem = requests.get("memory", limits.get("memory", 0))
        return millicores(cpu), parse_quantity_memory(mem)

    spec = pod.get("spec") or {}
    sums = [one(c) for c in spec.get("containers") or []]
    inits = [one(c) for c in spec.get("initContainers") or []]
    cpu = max(sum(c for c, _ in sums), max((c for c, _ in inits), default=0))
    mem = max(sum(m for _, m in sums), max((m for _, m in inits), default=0))
    return cpu, mem


def _scheduled_message(pod: Mapping[str, Any]) -> str | None:
    """kube-scheduler's own words for a pod it could not place (PodScheduled=False)."""
    for condition in (pod.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "PodScheduled" and condition.get("status") == "False":
            return condition.get("message") or condition.get("reason") or "not scheduled"
    return None


def _pod_name(pod: Mapping[str, Any]) -> str:
    meta = pod["metadata"]
    return f"{meta.get('namespace', 'default')}/{meta['name']}"


def _by_name(items: Iterable[dict]) -> list[dict]:
    # Sorted so the HTML is the same whatever order the API lists them in.
    return sorted(items, key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))


def not_joined(lab: Lab, cluster: str) -> dict[str, str]:
    """EC2 instances launched for ``cluster`` that did not become nodes, with the reason.

    Only the simulator knows this (in AWS you read the instance's kubelet log), so on real
    AWS, where ``lab.eks_sim`` is None, this is empty."""
    sim = getattr(lab, "eks_sim", None)
    return sim.not_joined(cluster) if sim is not None else {}


def _pods_summary(pods: list[dict], scope: str) -> str:
    """Running and pending counts, and each distinct pending reason with how many pods."""
    phases = Counter((p.get("status") or {}).get("phase", "Unknown") for p in pods)
    reasons = Counter(
        _scheduled_message(p) or "waiting to be scheduled"
        for p in pods
        if (p.get("status") or {}).get("phase") == "Pending"
    )
    others = sum(n for phase, n in phases.items() if phase not in ("Running", "Pending"))
    other_text = f", {others} in another phase" if others else ""
    text = (
        f"<p>Pods {_esc(scope)}: {phases['Running']} running, {phases['Pending']} pending"
        f"{other_text}.</p>"
    )
    if reasons:
        items = "".join(
            f"<li>{_plural(n, 'pod')}: {_esc(msg)}</li>" for msg, n in sorted(reasons.items())
        )
        text += f"<p>Why pods are pending (kube-scheduler's message):</p><ul>{items}</ul>"
    return text


# --------------------------------------------------------------------------- node view


class NodeView(_Panel):
    """A live picture of an EKS cluster's nodes: one card per node (how it is hosted, its
    instance type and zone, CPU, memory and pod slots requested against allocatable, and its
    pods), the pods no node could take and why, and EC2 instances that did not join.

    ``refresh()`` re-reads through ``lab.kube(cluster)`` (the other panels call it after
    acting); ``html()`` is the HTML shown, with no random ids, the same on every run."""

    def __init__(self, lab: Lab, cluster: str):
        self.lab = lab
        self.cluster = cluster
        self.nodes: list[dict] = []
        self.pods: list[dict] = []
        self.not_joined: dict[str, str] = {}
        self.output = widgets.HTML()
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.widget = widgets.VBox([self.output, self.refresh_button])
        self.refresh()

    def refresh(self) -> None:
        """Re-read nodes, pods and instances that did not join, and redraw."""
        try:
            kube = self.lab.kube(self.cluster)
            self.nodes = _by_name(kube.get("Node")["items"])
            self.pods = _by_name(kube.get("Pod")["items"])
            self.not_joined = not_joined(self.lab, self.cluster)
        except LabError as exc:
            self.output.value = f"<h4>Cluster {_esc(self.cluster)}</h4>" + _error_html(exc)
            return
        self.output.value = self._render()

    def html(self) -> str:
        """The HTML currently shown (as of the last ``refresh()``)."""
        return self.output.value

    def _render(self) -> str:
        kinds = Counter(node_kind(n["metadata"].get("labels") or {}) for n in self.nodes)
        pending = [p for p in self.pods if (p.get("status") or {}).get("phase") == "Pending"]
        running = sum(1 for p in self.pods if (p.get("status") or {}).get("phase") == "Running")
        by_kind = ", ".join(
            f"{kinds[k]} {k}" for k in ("managed nodegroup", "self-managed", "Fargate") if kinds[k]
        )
        parts = [
            f"<h4>Cluster {_esc(self.cluster)}: {_plural(len(self.nodes), 'node')}"
            + (f" ({by_kind})" if by_kind else "")
            + f", {running} pod{'' if running == 1 else 's'} running, {len(pending)} pending</h4>"
        ]
        if not self.nodes:
            parts.append(
                "<p>No node has joined yet, so pods have nowhere to run. Add a managed "
                "nodegroup, launch and authorise self-managed nodes, or create a Fargate "
                "profile.</p>"
            )
        for node in self.nodes:
            name = node["metadata"]["name"]
            here = [p for p in self.pods if (p.get("spec") or {}).get("nodeName") == name]
            parts.append(self._card(node, here))
        parts.append(self._pending_section(pending))
        parts.append(self._not_joined_section())
        return '<div class="awscontainers-eks-nodes">' + "".join(parts) + "</div>"

    @staticmethod
    def _card(node: dict, pods: list[dict]) -> str:
        name = node["metadata"]["name"]
        labels = node["metadata"].get("labels") or {}
        kind = node_kind(labels)
        alloc = (node.get("status") or {}).get("allocatable") or {}
        cpu_total = millicores(alloc.get("cpu", 0))
        mem_total = parse_quantity_memory(alloc.get("memory", 0)) // _MIB
        slots = int(alloc.get("pods", 0))
        requested = [pod_requests(p) for p in pods]
        cpu_used = sum(c for c, _ in requested)
        mem_used = -(-sum(m for _, m in requested) // _MIB)  # rounded up: never over-promise
        where = kind
        if kind == "managed nodegroup":
            where += f" {labels[NODEGROUP_LABEL]}"
        elif kind == "Fargate" and labels.get("eks.amazonaws.com/fargate-profile"):
            where += f" (profile {labels['eks.amazonaws.com/fargate-profile']})"
        itype = labels.get("node.kubernetes.io/instance-type")
        if itype is None and kind == "Fargate":
            itype = "no instance in your account"  # Fargate capacity is AWS's, not an EC2 type
        zone = labels.get("topology.kubernetes.io/zone", "zone not labelled")
        pod_items = []
        for pod in pods:
            item = _esc(_pod_name(pod))
            size = (pod["metadata"].get("annotations") or {}).get("CapacityProvisioned")
            if size:
                item += f" (CapacityProvisioned: {_esc(size)})"
            pod_items.append(f"<li>{item}</li>")
        pod_text = f"<ul>{''.join(pod_items)}</ul>" if pod_items else " none"
        # Fargate gets a dashed border as well as the word, never colour alone.
        border = "dashed" if kind == "Fargate" else "solid"
        return (
            f'<div class="awscontainers-node" style="border:1px {border} #888;padding:4px 8px;'
            f'margin:4px 0"><b>{_esc(name)}</b> &middot; {_esc(where)} &middot; {_esc(itype)}'
            f" &middot; {_esc(zone)}"
            f"<br>CPU {_bar(f'CPU requested on {name}', cpu_used, cpu_total)} "
            f"{cpu_total - cpu_used}m of {cpu_total}m CPU free"
            f"<br>Memory {_bar(f'Memory requested on {name}', mem_used, mem_total)} "
            f"{mem_total - mem_used} MiB of {mem_total} MiB memory free"
            f"<br>Pods {_bar(f'Pod slots used on {name}', len(pods), slots)} "
            f"{len(pods)} of {slots} pod slots used"
            f"<br>Pods on it:{pod_text}</div>"
        )

    @staticmethod
    def _pending_section(pending: list[dict]) -> str:
        if not pending:
            return "<h5>Pending pods</h5><p>None: every pod has a node.</p>"
        items = "".join(
            f"<li>{_esc(_pod_name(p))}: {_esc(_scheduled_message(p) or 'not tried yet')}</li>"
            for p in pending
        )
        return (
            f"<h5>Pending pods</h5><p>{_plural(len(pending), 'pod')} no node could take; "
            f"kube-scheduler says why:</p><ul>{items}</ul>"
        )

    def _not_joined_section(self) -> str:
        if not self.not_joined:
            return ""
        items = "".join(
            f"<li>{_esc(iid)}: {_esc(reason)}</li>" for iid, reason in self.not_joined.items()
        )
        return (
            "<h5>Instances that did not join</h5><p>These EC2 instances run (and cost money) "
            "but their kubelet could not register, so they are not nodes:</p>"
            f"<ul>{items}</ul>"
        )


# --------------------------------------------------------------------------- self-managed


class SelfManagedPanel(_Panel):
    """Launch self-managed nodes (an Auto Scaling group you own), authorise their IAM role
    with an ``EC2_LINUX`` access entry, and see which instances became nodes and why not.

    ``button`` is the Launch button (the same object as ``launch_button``); the first
    launch creates the group, later ones resize it."""

    log_lines = 5

    def __init__(self, lab: Lab, cluster: str, view: NodeView | None = None):
        self.lab = lab
        self.cluster = cluster
        self.view = view
        self.group = f"{cluster}-self-managed"  # the name launch_self_managed_nodes uses
        self.last_result: Any = None
        self.instance_type = widgets.Dropdown(
            options=SELF_MANAGED_INSTANCE_TYPES, value="t3.medium", description="Instance type"
        )
        self.count = widgets.IntSlider(value=2, min=1, max=5, description="Count", style=_WIDE)
        self.launch_button = widgets.Button(description="Launch", button_style="primary")
        self.button = self.launch_button
        self.authorise_button = widgets.Button(
            description="Authorise node role", button_style="warning"
        )
        self.output = widgets.HTML()
        self.launch_button.on_click(lambda _: self._run(self.launch_button, self._launch))
        self.authorise_button.on_click(lambda _: self._run(self.authorise_button, self._authorise))
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.instance_type, self.count, self.launch_button]),
                self.authorise_button,
                self.output,
            ]
        )

    def _group_exists(self) -> bool:
        """Whether the group exists already (launched by this panel or by the learner's
        own code), which decides between creating it and resizing it."""
        from .._aws import call

        found = call(
            self.lab.client("autoscaling"),
            "describe_auto_scaling_groups",
            AutoScalingGroupNames=[self.group],
        )
        return bool(found.get("AutoScalingGroups"))

    def _launch(self) -> str:
        if self._group_exists():
            params: dict[str, Any] = {"cluster": self.cluster, "desired": self.count.value}
            method = "lab.eks.scale_self_managed_nodes"
            table = self.lab.eks.scale_self_managed_nodes(**params)
            note = (
                f"<p>Resized {_esc(self.group)} to {self.count.value}. New instances use the "
                "launch template of the first launch, so its instance type, not the dropdown's.</p>"
            )
        else:
            params = {
                "cluster": self.cluster,
                "count": self.count.value,
                "instance_type": self.instance_type.value,
            }
            method = "lab.eks.launch_self_managed_nodes"
            table = self.lab.eks.launch_self_managed_nodes(**params)
            note = (
                f"<p>Launched {_plural(self.count.value, 'instance')} of "
                f"{_esc(self.instance_type.value)} in Auto Scaling group "
                f"{_esc(self.group)}.</p>"
            )
        self.last_result = table
        _refresh(self.view)
        return note + self._status(table) + _call_text(method, params)

    def _authorise(self) -> str:
        params = {
            "clusterName": self.cluster,
            "principalArn": self.lab.role_arn("eks-node"),
            "type": "EC2_LINUX",
        }
        try:
            self.last_result = self.lab.eks.create_access_entry(**params)
            text = (
                "<p>Authorised: the node role now has an EC2_LINUX access entry, so its "
                "kubelets may register as nodes.</p>"
            )
        except AlreadyExistsError:
            text = (
                "<p>The node role is already authorised (it has an access entry; a managed "
                "nodegroup with the same role makes one itself).</p>"
            )
        _refresh(self.view)
        table = (
            self.lab.eks.group_instances(self.cluster, self.group) if self._group_exists() else None
        )
        return text + self._status(table) + _call_text("lab.eks.create_access_entry", params)

    def _status(self, table: list[dict] | None) -> str:
        if table is None:
            return "<p>No self-managed instances launched yet.</p>"
        rows = "".join(
            f"<tr><td>{_esc(r.get('instance'))}</td><td>{_esc(r.get('type'))}</td>"
            f"<td>{_esc(r.get('az'))}</td><td>{_esc(r.get('node') or '-')}</td>"
            f"<td>{_esc(r.get('why not') or '-')}</td></tr>"
            for r in table
        )
        joined = sum(1 for r in table if r.get("node"))
        log = self.lab.eks.kubelet_log()[-self.log_lines :]
        log_items = "".join(f"<li><code>{_esc(line)}</code></li>" for line in log)
        return (
            f"<p>{joined} of {_plural(len(table), 'instance')} joined as nodes.</p>"
            "<table><thead><tr><th>instance</th><th>type</th><th>AZ</th><th>node</th>"
            f"<th>why not</th></tr></thead><tbody>{rows}</tbody></table>"
            + (f"<p>Last kubelet log lines:</p><ol>{log_items}</ol>" if log else "")
        )


# --------------------------------------------------------------------------- nodegroups


class NodegroupPanel(_Panel):
    """Scale a managed nodegroup with one call: a desired size and Apply. The minimum and
    maximum are widened when needed, since EKS refuses a desired size outside them.

    ``button`` is the Apply button (the same object as ``apply_button``)."""

    def __init__(self, lab: Lab, cluster: str, nodegroup: str, view: NodeView | None = None):
        self.lab = lab
        self.cluster = cluster
        self.nodegroup = nodegroup
        self.view = view
        self.last_result: dict | None = None
        self.desired = widgets.IntSlider(
            value=0, min=0, max=10, description="Desired size", style=_WIDE
        )
        self.apply_button = widgets.Button(description="Apply", button_style="primary")
        self.button = self.apply_button
        self.output = widgets.HTML()
        self.apply_button.on_click(lambda _: self._run(self.apply_button, self._apply))
        self.widget = widgets.VBox([widgets.HBox([self.desired, self.apply_button]), self.output])
        try:
            scaling = self._scaling()
            self.desired.value = max(0, min(10, int(scaling.get("desiredSize", 0))))
            self.output.value = self._status(scaling)
        except LabError as exc:
            self.output.value = _error_html(exc)

    def _scaling(self) -> dict:
        found = self.lab.eks.describe_nodegroup(
            clusterName=self.cluster, nodegroupName=self.nodegroup
        )
        return dict(found["nodegroup"].get("scalingConfig") or {})

    def _node_count(self) -> int:
        nodes = self.lab.kube(self.cluster).get("Node")["items"]
        return sum(
            1
            for n in nodes
            if (n["metadata"].get("labels") or {}).get(NODEGROUP_LABEL) == self.nodegroup
        )

    def _status(self, scaling: dict) -> str:
        return (
            f"<p>Nodegroup <b>{_esc(self.nodegroup)}</b>: minSize {scaling.get('minSize')}, "
            f"desiredSize {scaling.get('desiredSize')}, maxSize {scaling.get('maxSize')}; "
            f"{_plural(self._node_count(), 'node')} in the cluster.</p>"
        )

    def _apply(self) -> str:
        current = self._scaling()
        desired = self.desired.value
        scaling = {
            "minSize": min(int(current.get("minSize", 0)), desired),
            "maxSize": max(int(current.get("maxSize", 1)), desired, 1),
            "desiredSize": desired,
        }
        params = {
            "clusterName": self.cluster,
            "nodegroupName": self.nodegroup,
            "scalingConfig": scaling,
        }
        self.last_result = self.lab.eks.update_nodegroup_config(**params)
        _refresh(self.view)
        pods = self.lab.kube(self.cluster).get("Pod")["items"]
        return (
            self._status(self._scaling())
            + _pods_summary(pods, "in the cluster")
            + _call_text("lab.eks.update_nodegroup_config", params)
        )


# --------------------------------------------------------------------------- workloads


class WorkloadPanel(_Panel):
    """Apply the sample Deployment (a replica count) or the sample DaemonSet (one log agent
    per node), then see how many pods run and why the others are pending.

    ``button`` is the Apply Deployment button (the same object as ``deploy_button``)."""

    def __init__(
        self,
        lab: Lab,
        cluster: str,
        view: NodeView | None = None,
        namespace: str = "default",
        labels: dict[str, str] | None = None,
    ):
        self.lab = lab
        self.cluster = cluster
        self.view = view
        self.namespace = namespace
        self.labels = dict(labels) if labels else None
        self.last_result: list[dict] | None = None
        self.replicas = widgets.IntSlider(
            value=4, min=0, max=20, description="Replicas", style=_WIDE
        )
        self.deploy_button = widgets.Button(description="Apply Deployment", button_style="primary")
        self.button = self.deploy_button
        self.daemonset_button = widgets.Button(description="Apply DaemonSet")
        self.output = widgets.HTML()
        self.deploy_button.on_click(lambda _: self._run(self.deploy_button, self._deploy))
        self.daemonset_button.on_click(lambda _: self._run(self.daemonset_button, self._daemonset))
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.replicas, self.deploy_button, self.daemonset_button]),
                self.output,
            ]
        )

    def _deploy(self) -> str:
        replicas = self.replicas.value
        manifest = sample_deployment(replicas, namespace=self.namespace, labels=self.labels)
        self.last_result = self.lab.kube(self.cluster).apply(manifest)
        _refresh(self.view)
        name = manifest["metadata"]["name"]
        mine = self._pods(self.namespace, name)
        return (
            f"<p>Deployment {_esc(self.namespace)}/{_esc(name)} asks for "
            f"{_plural(replicas, 'replica')}.</p>"
            + _pods_summary(mine, f"of {self.namespace}/{name}")
            + _pods_summary(self._pods(None, None), "in the whole cluster")
            + _code_line(
                f"lab.kube({self.cluster!r}).apply(sample_deployment({replicas}, "
                f"namespace={self.namespace!r}, labels={self.labels!r}))"
            )
        )

    def _daemonset(self) -> str:
        manifest = sample_daemonset()
        self.last_result = self.lab.kube(self.cluster).apply(manifest)
        _refresh(self.view)
        meta = manifest["metadata"]
        mine = self._pods(meta["namespace"], meta["name"])
        return (
            f"<p>DaemonSet {_esc(meta['namespace'])}/{_esc(meta['name'])}: one pod per EC2 "
            "node; Fargate nodes get none (Fargate runs one pod per node and no DaemonSets).</p>"
            + _pods_summary(mine, f"of {meta['namespace']}/{meta['name']}")
            + _code_line(f"lab.kube({self.cluster!r}).apply(sample_daemonset())")
        )

    def _pods(self, namespace: str | None, app: str | None) -> list[dict]:
        """The pods of ``namespace`` (all when None) whose ``app`` label is ``app`` (any when
        None): the sample workloads label their pods ``app: <name>``."""
        pods = self.lab.kube(self.cluster).get("Pod", namespace=namespace)["items"]
        if app is None:
            return pods
        return [p for p in pods if (p["metadata"].get("labels") or {}).get("app") == app]


# --------------------------------------------------------------------------- explain


class ExplainPanel(_Panel):
    """Why is this pod Pending? Choose a pending pod and see every node with each scheduler
    filter plugin's verdict (``✓``, or the reason it fails), from
    ``lab.kube(cluster).explain``: kube-scheduler-simulator's "why not this node?".

    ``pod`` lists the pending pods as ``namespace/name`` (``refresh()`` re-reads them);
    ``button`` is the Explain button (the same object as ``explain_button``).

    >>> from awscontainers import Lab
    >>> lab = Lab()
    >>> _ = lab.eks.create_cluster(name="demo")
    >>> _ = lab.kube("demo").apply({"apiVersion": "v1", "kind": "Pod",
    ...     "metadata": {"name": "web"}, "spec": {"containers": [{"name": "web",
    ...     "image": "nginx"}]}})
    >>> panel = ExplainPanel(lab, "demo")
    >>> panel.pod.options
    ('default/web',)
    >>> panel.button.click()
    >>> "no nodes available to schedule pods" in panel.output.value
    True
    >>> lab.close()
    """

    def __init__(self, lab: Lab, cluster: str):
        self.lab = lab
        self.cluster = cluster
        self.last_result: Any = None
        self.pod = widgets.Dropdown(options=[], description="Pending pod", style=_WIDE)
        self.explain_button = widgets.Button(
            description="Why not this node?", button_style="primary"
        )
        self.button = self.explain_button
        self.refresh_button = widgets.Button(description="Refresh list", icon="refresh")
        self.output = widgets.HTML()
        self.explain_button.on_click(lambda _: self._run(self.explain_button, self._explain))
        self.refresh_button.on_click(lambda _: self._run(self.refresh_button, self._refresh))
        self.widget = widgets.VBox(
            [widgets.HBox([self.pod, self.explain_button, self.refresh_button]), self.output]
        )
        try:
            self.output.value = self._refresh()
        except LabError as exc:
            self.output.value = _error_html(exc)

    def refresh(self) -> None:
        """Re-read which pods are pending (keeping the chosen one if it still is)."""
        self._run(self.refresh_button, self._refresh)

    def _refresh(self) -> str:
        pods = _by_name(self.lab.kube(self.cluster).get("Pod")["items"])
        pending = [_pod_name(p) for p in pods if (p.get("status") or {}).get("phase") == "Pending"]
        chosen = self.pod.value
        self.pod.options = pending
        self.pod.value = chosen if chosen in pending else (pending[0] if pending else None)
        if not pending:
            return "<p>No pod is pending: every pod has a node.</p>"
        return (
            f"<p>{_plural(len(pending), 'pod')} pending. Choose one and ask why no node "
            "takes it.</p>"
        )

    def _explain(self) -> str:
        if not self.pod.value:
            return self._refresh()
        namespace, name = self.pod.value.split("/", 1)
        table = self.lab.kube(self.cluster).explain(name, namespace=namespace)
        self.last_result = table
        why = table.explanation
        legend = (
            "<p>One row per node, one column per filter plugin in the order kube-scheduler "
            "runs them: &#x2713; passes, otherwise the reason it fails; - where the plugin "
            "does not apply. The message counts each node once, under the first plugin it "
            "fails.</p>"
        )
        return (
            f"<p><b>{_esc(why.pod)}</b>: {_esc(why.summary)}</p>"
            + legend
            + table._repr_html_()
            + _code_line(f"lab.kube({self.cluster!r}).explain({name!r}, namespace={namespace!r})")
        )
