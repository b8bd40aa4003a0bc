"""Architecture diagrams: where each hosting mode's pieces live, and who manages them.

Every diagram draws two boundaries side by side: **your AWS account** (your VPC, its two
Availability Zones, the servers you can see, your ECR repositories) and **AWS's side**
(the control plane, and for Fargate the servers your containers really run on, which you
never see). Arrows show how nodes register with or join the control plane and how images
are pulled from ECR. Who does which job comes from :mod:`awscontainers.modes`.

>>> d = architecture_diagram("ecs-fargate")
>>> "Your AWS account" in d.source and "AWS-managed" in d.source
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import modes
from ..modes import AWS_COLOUR, YOU_COLOUR, Mode
from .render import Diagram

FONT = "Helvetica"
# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies; every edge
# also differs by line style and carries words, so colour is never the only cue.
BLUE = "#0072B2"
VERMILLION = "#D55E00"
GREEN = "#009E73"
GREY = "#555555"
VPC_FILL = "#FFFFFF"
AZ_FILL = "#F2F2F2"
ENI_FILL = "#E8E8E8"

AZS = ("A", "B")

# Short words for the task-kind duties, so the "who manages what" notes stay readable.
_DUTY_WORDS = {
    "provision_servers": "create the servers",
    "os_patching": "patch the operating system",
    "container_runtime": "install the container runtime",
    "agent": "install the node agent",
    "join_cluster": "join servers to the cluster",
    "check_capacity": "check there is enough capacity",
    "scale_nodes": "scale the servers",
    "control_plane": "run the control plane",
    "multi_az_replication": "replicate the control plane across AZs",
    "orchestration": "schedule containers",
}


# --------------------------------------------------------------------------- DOT helpers


def q(text: str, left: bool = False) -> str:
    """Quote ``text`` as a DOT string; newlines become centred (or left-aligned) breaks."""
    body = text.replace("\\", "\\\\").replace('"', '\\"')
    if left:
        # "\l" ends a left-justified line; the last line needs one too or it is centred.
        return '"' + body.replace("\n", "\\l") + '\\l"'
    return '"' + body.replace("\n", "\\n") + '"'


def ident(*parts: str) -> str:
    """A DOT identifier built from names, so the same input always gives the same id."""
    return "_".join(re.sub(r"[^A-Za-z0-9]+", "_", p).strip("_") or "x" for p in parts)


def attrs(**kv: str | int | float) -> str:
    return "[" + " ".join(f"{k}={q(str(v))}" for k, v in kv.items()) + "]"


class Dot:
    """A tiny DOT writer: one statement per line, clusters nested by ``open``/``close``."""

    def __init__(self, name: str, title: str):
        self.lines = [
            f"digraph {q(name)} {{",
            f"  graph {attrs(fontname=FONT, fontsize=16, label=title, labelloc='t')}"
            " [rankdir=TB newrank=true nodesep=0.35 ranksep=0.5 pad=0.3]",
            f"  node {attrs(fontname=FONT, fontsize=11, shape='box', style='rounded,filled')}"
            ' [fillcolor="white" margin="0.15,0.08"]',
            f"  edge {attrs(fontname=FONT, fontsize=10, color=GREY, fontcolor=GREY)}",
        ]
        self.depth = 1

    def _add(self, line: str) -> None:
        self.lines.append("  " * self.depth + line)

    def open(self, cid: str, label: str, fill: str, style: str = "rounded,filled", **kv) -> None:
        self._add(f"subgraph cluster_{cid} {{")
        self.depth += 1
        self._add(
            f"graph {attrs(label=label, fillcolor=fill, style=style)}"
            f" {attrs(fontsize=kv.pop('fontsize', 13))}"
            f" {attrs(labeljust='l', color=kv.pop('color', GREY), **kv)}"
        )

    def close(self) -> None:
        self.depth -= 1
        self._add("}")

    def node(self, nid: str, label: str, left: bool = False, **kv: str | int) -> None:
        extra = " " + attrs(**kv) if kv else ""
        self._add(f"{nid} [label={q(label, left)}]{extra}")

    def edge(self, a: str, b: str, label: str = "", **kv: str | int) -> None:
        kv = {"label": label, **kv} if label else kv
        self._add(f"{a} -> {b}" + (" " + attrs(**kv) if kv else ""))

    def source(self) -> str:
        return "\n".join([*self.lines, "}"]) + "\n"


# --------------------------------------------------------------------------- per-mode shapes


@dataclass(frozen=True)
class _Shape:
    """How one mode's capacity looks: the group that makes servers and one server."""

    group: str | None  # the thing in your account that launches servers (None for Fargate)
    worker: str  # one server's label (EC2 modes) or one Fargate task/pod (Fargate modes)
    join: str  # the words on the worker -> control plane arrow
    plane: str  # the control plane's label


_ECS_PLANE = "Amazon ECS control plane\n(scheduler, cluster state)\nfree, run by AWS"
_EKS_PLANE = (
    "Amazon EKS control plane\n(Kubernetes API server, etcd,\nscheduler; spread over AZs)\n"
    "$0.10 per cluster-hour"
)

_SHAPES: dict[str, _Shape] = {
    "ecs-ec2": _Shape(
        group="EC2 instances you launch\n(often an Auto Scaling group\nyou create and scale)",
        worker="EC2 instance (ECS-optimized AMI)\nECS agent + Docker/containerd\n"
        "you patch and replace it",
        join="ECS agent registers\n(ECS_CLUSTER in user data)",
        plane=_ECS_PLANE,
    ),
    "ecs-fargate": _Shape(
        group=None,
        worker="Fargate task\n(its own micro-VM on AWS's server;\nAWS patches and scales it)",
        join="ECS starts the task\non Fargate",
        plane=_ECS_PLANE,
    ),
    "eks-ec2": _Shape(
        group="Auto Scaling group you create\n(launch template with\nnodeadm user data)",
        worker="EC2 node (EKS-optimized AMI)\nkubelet + kube-proxy + containerd\n"
        "you patch and replace it",
        join="kubelet joins\n(node role needs an\naccess entry)",
        plane=_EKS_PLANE,
    ),
    "eks-nodegroup": _Shape(
        group="Managed nodegroup\n(EKS creates the Auto Scaling\ngroup; you set its size)",
        worker="EC2 node (nodegroup)\nkubelet + kube-proxy + containerd\n"
        "installed by EKS; you start updates",
        join="kubelet joins\n(EKS authorises the role)",
        plane=_EKS_PLANE,
    ),
    "eks-fargate": _Shape(
        group=None,
        worker="Fargate pod\n(one pod per Fargate node,\nkubelet run by AWS)",
        join="scheduler places the pod;\nits Fargate node registers",
        plane=_EKS_PLANE,
    ),
    "ecs-managed-instances": _Shape(
        group="ECS Managed Instances\ncapacity provider\n(AWS launches, patches, scales)",
        worker="Managed instance (EC2)\nECS agent + container runtime\nmanaged by AWS",
        join="ECS registers it\nitself",
        plane=_ECS_PLANE,
    ),
    "eks-auto-mode": _Shape(
        group="Auto Mode NodePool\n(managed Karpenter: AWS launches\nand replaces nodes)",
        worker="Auto Mode node (EC2)\nkubelet + containerd\nmanaged by AWS",
        join="EKS joins the\nnode itself",
        plane=_EKS_PLANE,
    ),
}


def _duty_words(mode: Mode, owner: str) -> list[str]:
    """The task-kind duties ``owner`` has in ``mode``, in plain words (from the modes data)."""
    words = []
    for duty in mode.duties_of(owner):
        if duty.kind != "task":
            continue
        assignment = mode.duties[duty.id]
        word = _DUTY_WORDS.get(duty.id, duty.label)
        if assignment.configured_by == "you" and owner == "aws":
            word += " (you configure)"
        words.append(word)
    return words


def _manages_note(mode: Mode, owner: str) -> str:
    who = "You manage" if owner == "you" else "AWS manages"
    words = _duty_words(mode, owner)
    if owner == "you" and mode.owner_of("control_plane_cost") == "you":
        # After looking at the drawings: "no servers at all" hid that the EKS control
        # plane is still yours to pay for.
        words.append("pay for the control plane (per hour)")
    if not words:
        return f"{who}:\n  no servers at all:\n  only your tasks/pods and images"
    if owner == "you" and not _duty_words(mode, owner):
        words.insert(0, "no servers at all")
    return f"{who}:\n" + "\n".join(f"  - {w}" for w in words)


# --------------------------------------------------------------------------- the diagram


def architecture_diagram(mode_id: str) -> Diagram:
    """Where ``mode_id``'s pieces live (your account or AWS's side) and who manages them.

    >>> architecture_diagram("eks-nodegroup").name
    'architecture-eks-nodegroup'
    """
    mode = modes.get(mode_id)
    shape = _SHAPES[mode.id]
    ecs = mode.orchestrator == "ECS"
    on_fargate = not mode.servers_in_your_account
    dot = Dot(f"architecture-{mode.id}", f"{mode.name}: {mode.management}")

    # -- your account: ECR, the capacity group, the VPC with two AZs --------------------------
    you_label = "Your AWS account\n(you see and pay for everything in here)"
    dot.open("you", you_label, YOU_COLOUR, color="#E69F00", penwidth=2, fontsize=15)
    dot.node("ecr", "Amazon ECR repository\n(private registry;\nyour images)", shape="cylinder")
    dot.node("you_manage", _manages_note(mode, "you"), left=True, shape="note")
    if shape.group:
        dot.node("capacity_group", shape.group)
    dot.open("vpc", "VPC (your network)", VPC_FILL)
    workers: list[str] = []
    enis: list[str] = []
    for az in AZS:
        dot.open(f"az_{az}", f"Availability Zone {az}\nsubnet {az}", AZ_FILL, fontsize=12)
        if on_fargate:
            eni = f"eni_{az}"
            dot.node(
                eni,
                f"ENI (private IP)\nof a Fargate {'task' if ecs else 'pod'}",
                fillcolor=ENI_FILL,
            )
            enis.append(eni)
        else:
            worker = f"worker_{az}"
            dot.node(worker, shape.worker)
            workers.append(worker)
        dot.close()
    dot.close()  # vpc
    dot.close()  # you

    # -- AWS's side: the control plane, and Fargate's servers ---------------------------------
    aws_label = "AWS-managed (AWS's side)\nnot in your account: you never see these servers"
    dot.open("aws", aws_label, AWS_COLOUR, color=BLUE, penwidth=2, fontsize=15)
    dot.node("control_plane", shape.plane, fillcolor="#FFFFFF", penwidth=2)
    dot.node("aws_manage", _manages_note(mode, "aws"), left=True, shape="note")
    if on_fargate:
        dot.open("fargate", "AWS Fargate capacity\n(AWS's servers)", "#FFFFFF", fontsize=12)
        for az in AZS:
            worker = f"fargate_{az}"
            dot.node(worker, f"{shape.worker}\nAZ {az}")
            workers.append(worker)
        dot.close()
        # After looking at graphviz-pure's drawing: it sized AWS's boundary without the
        # nested Fargate box, which then stuck out below. An invisible node under the box
        # makes the boundary hold it (system dot draws the same either way).
        dot.node("aws_floor", "", shape="point", style="invis", width=0, height=0)
        dot.edge("fargate_A", "aws_floor", style="invis")
    dot.close()  # aws

    # -- arrows ---------------------------------------------------------------------------------
    for i, worker in enumerate(workers):
        # Label one arrow of each kind: the second says the same thing and only adds clutter.
        first = i == 0
        dot.edge(
            "ecr",
            worker,
            "image pull" if first else "",
            color=VERMILLION,
            fontcolor=VERMILLION,
            style="dashed",
            penwidth="1.5",
        )
        if on_fargate:
            dot.edge(
                "control_plane",
                worker,
                shape.join if first else "",
                color=BLUE,
                fontcolor=BLUE,
                penwidth="1.5",
            )
            dot.edge(
                worker,
                enis[i],
                "network interface\nin your subnet" if first else "",
                style="dotted",
                color=GREEN,
                fontcolor=GREEN,
                penwidth="1.5",
            )
        else:
            dot.edge(
                worker,
                "control_plane",
                shape.join if first else "",
                color=BLUE,
                fontcolor=BLUE,
                penwidth="1.5",
            )
            if shape.group:
                dot.edge("capacity_group", worker, "launches" if first else "", style="dotted")
    return Diagram(dot.source(), name=f"architecture-{mode.id}")


def all_architecture_diagrams() -> dict[str, Diagram]:
    """One architecture diagram per hosting mode, keyed by mode id."""
    return {mode_id: architecture_diagram(mode_id) for mode_id in modes.MODES}


__all__ = ["architecture_diagram", "all_architecture_diagrams"]
