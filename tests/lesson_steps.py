"""Lessons the tests run, in a module light enough for a Jupyter kernel to import (no
pytest, no hypothesis): tests/test_room_resume.py runs one in a real kernel, twice."""

from __future__ import annotations

from typing import TYPE_CHECKING

from awscontainers.manifests import sample_deployment

if TYPE_CHECKING:
    from awscontainers import Lab


def register(lab, family, cpu=256, memory=512, host_port=None, **extra):
    container = {"name": family, "image": "nginx", "cpu": cpu, "memory": memory}
    if host_port:
        container["portMappings"] = [{"containerPort": 80, "hostPort": host_port}]
    return lab.ecs.register_task_definition(
        family=family, containerDefinitions=[container], **extra
    )["taskDefinition"]


def register_fargate(lab, family="fg", cpu="256", memory="512", **extra):
    return lab.ecs.register_task_definition(
        family=family,
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu=cpu,
        memory=memory,
        containerDefinitions=[{"name": "app", "image": "nginx"}],
        **extra,
    )["taskDefinition"]


def lesson(lab: Lab) -> None:
    lab.ecs.create_cluster(clusterName="web")
    lab.ecs.launch_instances("web", count=2, instance_type="t3.medium")
    register(lab, "api")
    lab.ecs.run_task(cluster="web", taskDefinition="api", count=3)
    lab.ecs.create_service(cluster="web", serviceName="svc", taskDefinition="api", desiredCount=2)
    lab.eks.create_cluster(name="demo")
    lab.eks.create_nodegroup(
        clusterName="demo",
        nodegroupName="ng",
        scalingConfig={"minSize": 2, "desiredSize": 2, "maxSize": 3},
    )
    lab.kube("demo").apply(sample_deployment(3))


def what_is_there(lab: Lab) -> dict:
    k = lab.kube("demo")
    return {
        "tasks": sorted(lab.ecs.list_tasks(cluster="web")["taskArns"]),
        "instances": lab.ecs.container_instances("web"),
        "service": lab.ecs.describe_services(cluster="web", services=["svc"])["services"][0][
            "runningCount"
        ],
        "nodes": sorted(n["metadata"]["name"] for n in k.get("Node")["items"]),
        "pods": sorted(
            (p["metadata"]["name"], p["spec"].get("nodeName")) for p in k.get("Pod")["items"]
        ),
        "now": lab.clock.peek().isoformat(),
    }
