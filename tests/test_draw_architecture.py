"""Architecture diagrams per hosting mode, and live diagrams of the lab account."""

import re

import pytest

import awscontainers.manifests as manifests
from awscontainers import modes
from awscontainers.draw.architecture import architecture_diagram
from awscontainers.draw.live import MAX_PER_NODE, live_diagram
from tests.conftest import register, register_fargate

MODE_IDS = [
    "ecs-ec2",
    "ecs-fargate",
    "eks-ec2",
    "eks-nodegroup",
    "eks-fargate",
    "ecs-managed-instances",
    "eks-auto-mode",
]


def where(source: str) -> dict[str, list[str]]:
    """Each node id -> the chain of clusters it is drawn in (outermost first)."""
    stack: list[str] = []
    found: dict[str, list[str]] = {}
    for line in source.splitlines():
        line = line.strip()
        opened = re.match(r"subgraph cluster_(\w+) \{", line)
        if opened:
            stack.append(opened.group(1))
        elif line == "}":
            if stack:
                stack.pop()
        else:
            node = re.match(r"(\w+) \[label=", line)
            if node:
                found[node.group(1)] = list(stack)
    return found


def test_there_are_seven_modes_to_draw():
    assert sorted(modes.MODES) == sorted(MODE_IDS)


@pytest.mark.parametrize("mode_id", MODE_IDS)
def test_every_mode_has_both_boundaries_and_control_plane_on_aws_side(mode_id):
    src = architecture_diagram(mode_id).source
    assert "Your AWS account" in src and "AWS-managed" in src
    places = where(src)
    assert places["control_plane"] == ["aws"]
    assert places["ecr"] == ["you"]
    # two AZs inside the VPC inside your account
    assert {c[2] for c in places.values() if c[:2] == ["you", "vpc"] and len(c) > 2} == {
        "az_A",
        "az_B",
    }
    workers = [n for n in places if n.startswith(("worker_", "fargate_"))]
    assert len(workers) == 2
    for w in workers:
        assert re.search(rf"^\s*ecr -> {w} .*#D55E00", src, re.M), "no image pull edge"
    assert "image pull" in src
    assert 'fontname="Helvetica"' in src
    sizes = [int(s) for s in re.findall(r'fontsize="(\d+)"', src)]
    assert sizes and min(sizes) >= 10


@pytest.mark.parametrize("mode_id", MODE_IDS)
def test_capacity_sits_where_the_modes_data_says(mode_id):
    mode = modes.get(mode_id)
    places = where(architecture_diagram(mode_id).source)
    if mode.servers_in_your_account:
        assert places["worker_A"] == ["you", "vpc", "az_A"]
        assert places["worker_B"] == ["you", "vpc", "az_B"]
        assert not any(n.startswith("fargate_") for n in places)
    else:
        assert places["fargate_A"] == ["aws", "fargate"]
        assert places["fargate_B"] == ["aws", "fargate"]
        # only the network interfaces are in your subnets
        assert places["eni_A"] == ["you", "vpc", "az_A"]
        assert not any(n.startswith("worker_") for n in places)


def test_agent_or_kubelet_named_per_orchestrator():
    assert "ECS agent" in architecture_diagram("ecs-ec2").source
    for mode_id in ("eks-ec2", "eks-nodegroup", "eks-auto-mode"):
        src = architecture_diagram(mode_id).source
        assert "kubelet" in src and "containerd" in src
    assert "Managed nodegroup" in architecture_diagram("eks-nodegroup").source
    assert "Auto Scaling group" in architecture_diagram("eks-ec2").source


def test_who_manages_what_comes_from_the_modes_data():
    src = architecture_diagram("ecs-ec2").source
    you_note = re.search(r"you_manage \[label=\"([^\"]*)\"", src).group(1)
    aws_note = re.search(r"aws_manage \[label=\"([^\"]*)\"", src).group(1)
    assert "patch the operating system" in you_note
    assert "patch the operating system" not in aws_note
    assert "run the control plane" in aws_note
    fargate_aws = re.search(
        r"aws_manage \[label=\"([^\"]*)\"", architecture_diagram("ecs-fargate").source
    ).group(1)
    assert "patch the operating system" in fargate_aws


def test_architecture_dot_is_deterministic_and_renders():
    for mode_id in MODE_IDS:
        assert architecture_diagram(mode_id).source == architecture_diagram(mode_id).source
    assert "<svg" in architecture_diagram("eks-fargate").svg()


# --------------------------------------------------------------------------- live


def test_empty_lab_says_nothing_created_yet(lab):
    d = live_diagram(lab)
    assert "nothing created yet" in d.source.lower()
    assert "<svg" in d.svg()


def test_live_ecs_changes_after_create_launch_run_and_teardown(lab):
    lab.ecs.create_cluster(clusterName="web")
    after_create = live_diagram(lab).source
    assert "ECS cluster web" in after_create and "nothing created yet" not in after_create.lower()
    assert "no container instances" in after_create

    lab.ecs.launch_instances("web", 2)
    after_launch = live_diagram(lab).source
    instances = [i["instance"] for i in lab.ecs.container_instances("web")]
    assert len(instances) == 2 and all(i in after_launch for i in instances)
    assert "us-east-1a" in after_launch and "us-east-1b" in after_launch
    places = where(after_launch)
    ci_nodes = [n for n in places if n.startswith("ci_")]
    assert len(ci_nodes) == 2 and all(places[n][0] == "you" for n in ci_nodes)

    register(lab, "web", memory=256)
    lab.ecs.run_task(cluster="web", taskDefinition="web", count=2)
    after_run = live_diagram(lab).source
    assert after_run.count("- web:1 ") == 2
    assert live_diagram(lab).source == after_run  # deterministic

    lab.teardown()
    assert "nothing created yet" in live_diagram(lab).source.lower()


def test_live_fargate_tasks_are_on_aws_side(lab):
    lab.ecs.create_cluster(clusterName="fg")
    register_fargate(lab)
    lab.ecs.run_task(cluster="fg", taskDefinition="fg", launchType="FARGATE", count=2)
    src = live_diagram(lab).source
    places = where(src)
    fg = [n for n in places if n.startswith("fgtask_")]
    assert len(fg) == 2 and all(places[n] == ["aws", "fargate"] for n in fg)
    assert not any(n.startswith("ci_") for n in places)


def test_live_caps_tasks_per_instance(lab):
    lab.ecs.create_cluster(clusterName="web")
    lab.ecs.launch_instances("web", 1, instance_type="t3.xlarge")
    register(lab, "small", cpu=64, memory=64)
    lab.ecs.run_task(cluster="web", taskDefinition="small", count=MAX_PER_NODE)
    lab.ecs.run_task(cluster="web", taskDefinition="small", count=3)
    src = live_diagram(lab).source
    assert "+3 more tasks" in src
    assert src.count("- small:1 ") == MAX_PER_NODE


def test_live_eks_nodes_pods_and_pending(lab):
    lab.eks.create_cluster(name="demo")
    assert "EKS cluster demo" in live_diagram(lab).source
    lab.eks.create_nodegroup(
        clusterName="demo",
        nodegroupName="ng",
        scalingConfig={"minSize": 1, "desiredSize": 2, "maxSize": 3},
    )
    lab.kube("demo").apply(manifests.sample_deployment(3))
    src = live_diagram(lab).source
    places = where(src)
    nodes = [n for n in places if n.startswith("node_")]
    assert len(nodes) == 2 and all(places[n][0] == "you" for n in nodes)
    assert "nodegroup ng" in src
    pods = [p["metadata"]["name"] for p in lab.kube("demo").get("Pod")["items"]]
    assert len(pods) == 3 and all(p in src for p in pods)
    lab.kube("demo").scale("web", 30)
    busy = live_diagram(lab).source
    assert "Pending pods in demo" in busy and "more pods" in busy
    assert "<svg" in live_diagram(lab).svg()


def test_live_cluster_filter_and_ecr(lab):
    lab.ecr.create_repository(repositoryName="web")
    lab.ecr.push_image("web", "v1")
    lab.ecs.create_cluster(clusterName="one")
    lab.ecs.create_cluster(clusterName="two")
    full = live_diagram(lab).source
    assert "web\\n1 image" in full and "ECS cluster one" in full and "ECS cluster two" in full
    only = live_diagram(lab, cluster="two").source
    assert "ECS cluster two" in only and "ECS cluster one" not in only
    with pytest.raises(Exception, match="No ECS or EKS cluster"):
        live_diagram(lab, cluster="nope")
