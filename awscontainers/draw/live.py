"""A diagram of what the lab account holds right now, read from describe/list calls.

It draws ECR repositories, ECS clusters (container instances grouped by Availability Zone,
with their free CPU and memory and the tasks on each), Fargate tasks and pods on AWS's side,
and EKS clusters (nodes by kind and zone, the pods on each, pending pods apart). Only the
lab's public boto3-shaped calls are used, so the same code draws a real account.

>>> from awscontainers import Lab
>>> with Lab() as lab:
...     "nothing created yet" in live_diagram(lab).source.lower()
True
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..arns import short_name
from ..errors import LabError
from ..kube import node_kind
from ..modes import AWS_COLOUR, YOU_COLOUR
from .architecture import AZ_FILL, BLUE, GREY, VPC_FILL, Dot, ident
from .render import Diagram

# More than this many tasks or pods on one box would make it taller than the screen.
MAX_PER_NODE = 8
_FARGATE_FILL = "#FFFFFF"


def _listed(items: list[str], unit: str, cap: int = MAX_PER_NODE) -> str:
    """``items`` one per line, capped at ``cap`` with a "+N more" line."""
    if not items:
        return f"(no {unit})"
    shown = [f"- {i}" for i in items[:cap]]
    if len(items) > cap:
        shown.append(f"+{len(items) - cap} more {unit}")
    return "\n".join(shown)


def _task_word(task: dict) -> str:
    family = task["taskDefinitionArn"].rsplit("/", 1)[-1]
    return f"{family} {short_name(task['taskArn'])[:8]}"


# --------------------------------------------------------------------------- reading the lab


def _ecr_repositories(lab: Any) -> list[tuple[str, int]]:
    repos = lab.ecr.describe_repositories().get("repositories", [])
    out = []
    for repo in sorted(repos, key=lambda r: r["repositoryName"]):
        name = repo["repositoryName"]
        images = lab.ecr.list_images(repositoryName=name).get("imageIds", [])
        out.append((name, len({i.get("imageDigest") for i in images})))
    return out


def _ecs_clusters(lab: Any) -> list[str]:
    arns = lab.ecs.list_clusters().get("clusterArns", [])
    if not arns:
        return []
    described = lab.ecs.describe_clusters(clusters=arns).get("clusters", [])
    return sorted(c["clusterName"] for c in described if c.get("status") == "ACTIVE")


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _ecs_state(lab: Any, cluster: str) -> tuple[list[dict], list[dict]]:
    """The cluster's container instances and running tasks, as ECS describes them."""
    ci_arns = lab.ecs.list_container_instances(cluster=cluster).get("containerInstanceArns", [])
    instances: list[dict] = []
    for chunk in _chunks(ci_arns, 100):  # describe_* take at most 100 ids
        instances += lab.ecs.describe_container_instances(
            cluster=cluster, containerInstances=chunk
        ).get("containerInstances", [])
    task_arns = lab.ecs.list_tasks(cluster=cluster).get("taskArns", [])
    tasks: list[dict] = []
    for chunk in _chunks(task_arns, 100):
        tasks += lab.ecs.describe_tasks(cluster=cluster, tasks=chunk).get("tasks", [])
    return instances, sorted(tasks, key=lambda t: t["taskArn"])


def _resource(resources: list[dict], name: str) -> int:
    return next((r.get("integerValue", 0) for r in resources if r.get("name") == name), 0)


def _instance_label(ci: dict, tasks: list[dict]) -> tuple[str, str]:
    """(AZ, label) for one container instance."""
    attrs = {a["name"]: a.get("value") for a in ci.get("attributes", [])}
    az = attrs.get("ecs.availability-zone") or "unknown AZ"
    reg, rem = ci.get("registeredResources", []), ci.get("remainingResources", [])
    header = (
        f"{ci.get('ec2InstanceId', short_name(ci['containerInstanceArn']))} "
        f"({attrs.get('ecs.instance-type', '?')})\n"
        f"ECS agent: {'connected' if ci.get('agentConnected', True) else 'DISCONNECTED'}"
        f", {ci.get('status', '?')}\n"
        f"free CPU {_resource(rem, 'CPU')}/{_resource(reg, 'CPU')} units\n"
        f"free memory {_resource(rem, 'MEMORY')}/{_resource(reg, 'MEMORY')} MiB\n"
        f"tasks ({len(tasks)}):\n"
    )
    return az, header + _listed([_task_word(t) for t in tasks], "tasks")


def _eks_clusters(lab: Any) -> list[str]:
    return sorted(lab.eks.list_clusters().get("clusters", []))


def _node_kind(labels: dict) -> str:
    kind = node_kind(labels)
    if kind == "managed nodegroup":
        return f"nodegroup {labels['eks.amazonaws.com/nodegroup']}"
    return kind


def _pods_by_node(pods: list[dict]) -> tuple[dict[str, list[str]], list[str]]:
    on: dict[str, list[str]] = defaultdict(list)
    pending: list[str] = []
    for pod in sorted(
        pods, key=lambda p: (p["metadata"].get("namespace", ""), p["metadata"]["name"])
    ):
        meta = pod["metadata"]
        name = (
            meta["name"]
            if meta.get("namespace", "default") == "default"
            else (f"{meta['namespace']}/{meta['name']}")
        )
        node = pod.get("spec", {}).get("nodeName")
        if node:
            on[node].append(name)
        elif pod.get("status", {}).get("phase", "Pending") == "Pending":
            pending.append(name)
    return on, pending


# --------------------------------------------------------------------------- drawing


def _clip(text: str, most: int) -> str:
    """``text`` cut to ``most`` characters, with an ellipsis when it was longer."""
    return text if len(text) <= most else text[: most - 1] + "…"


def live_diagram(lab: Any, cluster: str | None = None) -> Diagram:
    """What exists in ``lab``'s account now; ``cluster`` limits it to one ECS or EKS cluster.

    Drawn from ``lab.ecr``/``lab.ecs``/``lab.eks``/``lab.kube`` calls only, so it works
    against real AWS too (where Fargate's servers are invisible, exactly as drawn).
    """
    repos = _ecr_repositories(lab) if cluster is None else []
    ecs_names = _ecs_clusters(lab)
    eks_names = _eks_clusters(lab)
    if cluster is not None:
        if cluster not in ecs_names and cluster not in eks_names:
            from ..errors import NotFoundError

            raise NotFoundError(
                f"No ECS or EKS cluster named {cluster!r} in this lab.",
                hint=f"ECS clusters: {ecs_names or 'none'}; EKS clusters: {eks_names or 'none'}.",
            )
        ecs_names = [n for n in ecs_names if n == cluster]
        eks_names = [n for n in eks_names if n == cluster]

    title = f"Lab account {lab.account_id} ({lab.region}) now"
    if cluster:
        title += f": cluster {cluster}"
    dot = Dot("live", title)
    dot.open("you", "Your AWS account", YOU_COLOUR, color="#E69F00", penwidth=2, fontsize=15)
    if not (repos or ecs_names or eks_names):
        dot.node(
            "nothing",
            "Nothing created yet:\nno ECR repositories, ECS clusters or EKS clusters.",
            shape="note",
        )
        dot.close()
        return Diagram(dot.source(), name="live")

    # AWS's side is collected while your side is drawn, then drawn after it.
    aws_nodes: list[tuple[str, str, dict]] = []  # (id, label, attrs) for control planes
    fargate: list[tuple[str, str]] = []  # (id, label) for Fargate tasks and pods
    edges: list[tuple[str, str, str, dict]] = []

    if repos:
        dot.open("ecr", "Amazon ECR (private repositories)", VPC_FILL, fontsize=12)
        for name, count in repos:
            s = "" if count == 1 else "s"
            dot.node(ident("repo", name), f"{name}\n{count} image{s}", shape="cylinder")
        dot.close()

    for name in ecs_names:
        instances, tasks = _ecs_state(lab, name)
        plane = ident("ecs_plane", name)
        aws_nodes.append(
            (plane, f"ECS control plane\ncluster {name}\n{len(tasks)} running task(s)", {})
        )
        dot.open(ident("ecs", name), f"ECS cluster {name}: container instances", VPC_FILL)
        by_instance: dict[str, list[dict]] = defaultdict(list)
        for task in tasks:
            if task.get("containerInstanceArn"):
                by_instance[task["containerInstanceArn"]].append(task)
        by_az: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for ci in sorted(instances, key=lambda c: c.get("ec2InstanceId", "")):
            az, label = _instance_label(ci, by_instance[ci["containerInstanceArn"]])
            by_az[az].append((ident("ci", name, short_name(ci["containerInstanceArn"])), label))
        if not by_az:
            dot.node(
                ident("ecs_empty", name),
                "no container instances\n(EC2 capacity: none)",
                shape="note",
            )
        for az in sorted(by_az):
            dot.open(ident("ecs", name, az), f"Availability Zone {az}", AZ_FILL, fontsize=11)
            for nid, label in by_az[az]:
                dot.node(nid, label, left=True)
                edges.append((nid, plane, "", {"color": BLUE}))
            dot.close()
        dot.close()
        on_fargate = [
            t
            for t in tasks
            if t.get("launchType") == "FARGATE" or not t.get("containerInstanceArn")
        ]
        for task in on_fargate:
            nid = ident("fgtask", name, short_name(task["taskArn"]))
            fargate.append(
                (
                    nid,
                    f"ECS task {_task_word(task)}\ncluster {name}, "
                    f"{task.get('availabilityZone', '?')}\n"
                    f"{task.get('cpu', '?')} CPU / {task.get('memory', '?')} MiB",
                )
            )
            edges.append((plane, nid, "", {"color": BLUE, "style": "dashed"}))

    for name in eks_names:
        plane = ident("eks_plane", name)
        try:
            kube = lab.kube(name)
            nodes = kube.get("Node").get("items", [])
            pods = kube.get("Pod").get("items", [])
        except LabError as exc:  # a real cluster may refuse us (no access entry yet)
            aws_nodes.append(
                (
                    plane,
                    f"EKS control plane\ncluster {name}\n(Kubernetes API not readable:\n{exc})",
                    {},
                )
            )
            continue
        on, pending = _pods_by_node(pods)
        plane_label = f"EKS control plane\ncluster {name}\n{len(nodes)} node(s), {len(pods)} pod(s)"
        aws_nodes.append((plane, plane_label, {}))
        if pending:
            pid = ident("pending", name)
            aws_nodes.append(
                (
                    pid,
                    f"Pending pods in {name} ({len(pending)}):\n"
                    "not placed on any node yet\n" + _listed(pending, "pods"),
                    {"shape": "note"},
                )
            )
            edges.append((plane, pid, "cannot place", {"style": "dotted"}))
        ec2_nodes = [n for n in nodes if _node_kind(n["metadata"].get("labels", {})) != "Fargate"]
        dot.open(ident("eks", name), f"EKS cluster {name}: worker nodes", VPC_FILL)
        by_az = defaultdict(list)
        for node in sorted(nodes, key=lambda n: n["metadata"]["name"]):
            meta = node["metadata"]
            labels = meta.get("labels", {})
            kind = _node_kind(labels)
            zone = labels.get("topology.kubernetes.io/zone", "unknown AZ")
            here = on.get(meta["name"], [])
            nid = ident("node", name, meta["name"])
            if kind == "Fargate":
                fargate.append(
                    (
                        nid,
                        f"Fargate node {_clip(meta['name'], 28)}\ncluster {name}, {zone}\n"
                        + _listed(here, "pods"),
                    )
                )
                edges.append((nid, plane, "", {"color": BLUE}))
                continue
            ready = any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for c in node.get("status", {}).get("conditions", [])
            )
            alloc = node.get("status", {}).get("allocatable", {})
            label = (
                f"{meta['name']}\n{kind}, "
                f"{labels.get('node.kubernetes.io/instance-type', '?')}\n"
                f"kubelet: {'Ready' if ready else 'NotReady'}\n"
                f"pods {len(here)}/{alloc.get('pods', '?')}:\n" + _listed(here, "pods")
            )
            by_az[zone].append((nid, label))
        if not ec2_nodes:
            dot.node(ident("eks_empty", name), "no EC2 nodes", shape="note")
        for az in sorted(by_az):
            dot.open(ident("eks", name, az), f"Availability Zone {az}", AZ_FILL, fontsize=11)
            for nid, label in by_az[az]:
                dot.node(nid, label, left=True)
                edges.append((nid, plane, "", {"color": BLUE}))
            dot.close()
        dot.close()
    dot.close()  # your account

    dot.open(
        "aws",
        "AWS-managed (AWS's side, not in your account)",
        AWS_COLOUR,
        color=BLUE,
        penwidth=2,
        fontsize=15,
    )
    for nid, label, kv in aws_nodes:
        dot.node(nid, label, left=kv.get("shape") == "note", fillcolor="#FFFFFF", **kv)
    if fargate:
        dot.open(
            "fargate",
            f"AWS Fargate ({len(fargate)} task(s)/pod(s) on AWS's servers)",
            _FARGATE_FILL,
            fontsize=12,
        )
        for nid, label in fargate[: MAX_PER_NODE * 2]:
            dot.node(nid, label, left=True)
        if len(fargate) > MAX_PER_NODE * 2:
            dot.node(
                "fargate_more", f"+{len(fargate) - MAX_PER_NODE * 2} more on Fargate", shape="note"
            )
        dot.close()
    dot.close()

    drawn = {nid for nid, _ in fargate[: MAX_PER_NODE * 2]}
    fargate_ids = {nid for nid, _ in fargate}
    for a, b, label, kv in edges:
        if (a in fargate_ids and a not in drawn) or (b in fargate_ids and b not in drawn):
            continue  # that Fargate box was folded into "+N more"
        dot.edge(a, b, label, **kv)
    dot.node(
        "legend",
        "blue arrows: registered with / managed by\nits control plane",
        shape="plaintext",
        style="",
        fontcolor=GREY,
    )
    return Diagram(dot.source(), name="live")


__all__ = ["live_diagram", "MAX_PER_NODE"]
