"""The moto-server backend, against a real moto server started on loopback."""

import pytest

from awscontainers import BackendError, Lab
from awscontainers.server import start_server
from tests.conftest import register, register_fargate

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server():
    with start_server() as running:
        yield running


def test_ecs_on_ec2_and_fargate_through_a_server(server):
    lab = Lab(endpoint_url=server.url, learner="alice")
    assert lab.backend == "server" and server.url in repr(lab)
    lab.ecs.create_cluster(clusterName="web")
    rows = lab.ecs.launch_instances("web", count=2, instance_type="t3.medium")
    assert [r["joined"] for r in rows] == ["web", "web"]
    register(lab, "api", memory=1536)
    result = lab.ecs.run_task(cluster="web", taskDefinition="api", count=6)
    assert len(result["tasks"]) == 4
    assert {f["reason"] for f in result["failures"]} == {"RESOURCE:MEMORY"}
    register_fargate(lab)
    tasks = lab.ecs.run_task(cluster="web", taskDefinition="fg", launchType="FARGATE", count=2)
    assert len(tasks["tasks"]) == 2
    lab.teardown()
    left = lab.ecs.describe_clusters(clusters=["web"])["clusters"]
    assert all(c["status"] == "INACTIVE" for c in left)
    assert (
        lab.client("ec2").describe_vpcs(
            Filters=[{"Name": "tag:awscontainers:lab", "Values": [lab.lab_id]}]
        )["Vpcs"]
        == []
    )


def test_learners_have_accounts_of_their_own(server):
    alice = Lab(endpoint_url=server.url, learner="alice2")
    bob = Lab(endpoint_url=server.url, learner="bob")
    alice.ecs.create_cluster(clusterName="alices")
    assert bob.ecs.list_clusters()["clusterArns"] == []
    assert alice.account_id in alice.ecs.list_clusters()["clusterArns"][0]
    alice.teardown()


def test_moto_server_bugs_are_backend_errors_without_retries(server):
    lab = Lab(endpoint_url=server.url, learner="carol")
    attempts = []
    lab.client("ecs").meta.events.register(
        "before-send.ecs.RegisterContainerInstance", lambda **kw: attempts.append(1)
    )
    with pytest.raises(BackendError, match="inside the moto server"):
        lab.ecs.register_container_instance(
            cluster="nope", instanceIdentityDocument='{"instanceId": "i-1"}'
        )
    assert len(attempts) == 1


def test_eks_three_modes_through_a_server(server):
    from awscontainers.manifests import sample_deployment

    lab = Lab(endpoint_url=server.url, learner="dave")
    lab.eks.create_cluster(name="demo")
    rows = lab.eks.launch_self_managed_nodes("demo", count=1)
    assert rows[0]["node"] is None
    lab.eks.create_access_entry(
        clusterName="demo", principalArn=lab.role_arn("eks-node"), type="EC2_LINUX"
    )
    lab.eks.create_nodegroup(
        clusterName="demo",
        nodegroupName="ng",
        scalingConfig={"minSize": 1, "desiredSize": 1, "maxSize": 2},
    )
    lab.eks.create_fargate_profile(
        clusterName="demo", fargateProfileName="fp", selectors=[{"namespace": "serverless"}]
    )
    k = lab.kube("demo")
    k.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "serverless"}})
    k.apply(sample_deployment(2))
    k.apply(sample_deployment(2, namespace="serverless"))
    kinds = sorted(r["kind"] for r in k.nodes_table())
    assert kinds == ["Fargate", "Fargate", "managed nodegroup", "self-managed"]
    assert all(p["phase"] == "Running" for p in k.pods_table())
    lab.teardown()
    assert lab.eks.list_clusters()["clusters"] == []
