"""EKS in three hosting modes: control plane, self-managed nodes, managed nodegroups,
Fargate profiles, and the Kubernetes API on top."""

import base64
import urllib.parse

import boto3
import pytest

from awscontainers import AlreadyExistsError, InvalidParameterError
from awscontainers.kube import eks_token
from awscontainers.manifests import sample_daemonset, sample_deployment
from awscontainers.sim.eks import node_config_user_data


@pytest.fixture
def eks(lab):
    lab.eks.create_cluster(name="demo")
    return "demo"


def node_names(lab, cluster="demo"):
    return sorted(n["metadata"]["name"] for n in lab.kube(cluster).get("Node")["items"])


def authorise(lab, cluster="demo"):
    lab.eks.create_access_entry(
        clusterName=cluster, principalArn=lab.role_arn("eks-node"), type="EC2_LINUX"
    )


def test_cluster_defaults_are_filled_and_versions_checked(lab, eks):
    cluster = lab.eks.describe_cluster(name="demo")["cluster"]
    assert cluster["version"] == "1.35"
    assert cluster["roleArn"] == lab.role_arn("eks-cluster")
    subnets = cluster["resourcesVpcConfig"]["subnetIds"]
    zones = {
        s["AvailabilityZone"]
        for s in lab.client("ec2").describe_subnets(SubnetIds=subnets)["Subnets"]
    }
    assert len(zones) == 2
    with pytest.raises(InvalidParameterError, match="unsupported Kubernetes version 1.29"):
        lab.eks.create_cluster(name="old", version="1.29")
    assert lab.eks.list_clusters()["clusters"] == ["demo"]


def test_control_plane_price_and_replication(lab, eks):
    rows = {r["item"]: r["value"] for r in lab.eks.control_plane("demo")}
    assert rows["price"].startswith("0.10 USD per hour = 73.00 USD per month")
    assert "3 Availability Zones" in rows["runs in"]
    lab.eks.create_cluster(name="legacy", version="1.32")
    rows = {r["item"]: r["value"] for r in lab.eks.control_plane("legacy")}
    assert rows["price"].startswith("0.60 USD per hour")
    assert "extended support" in rows["Kubernetes version"]


def test_self_managed_nodes_join_only_once_authorised(lab, eks):
    rows = lab.eks.launch_self_managed_nodes("demo", count=2)
    assert [r["node"] for r in rows] == [None, None]
    assert all(r["why not"].startswith("Unauthorized") for r in rows)
    assert {r["az"] for r in rows} == {"us-east-1a", "us-east-1b"}
    assert node_names(lab) == []
    authorise(lab)
    rows = lab.eks.group_instances("demo", "demo-self-managed")
    assert all(r["node"] for r in rows)
    assert len(node_names(lab)) == 2


def test_aws_auth_config_map_also_authorises(lab, eks):
    lab.eks.launch_self_managed_nodes("demo", count=1)
    lab.kube("demo").apply(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "aws-auth", "namespace": "kube-system"},
            "data": {
                "mapRoles": f"- rolearn: {lab.role_arn('eks-node')}\n"
                "  username: system:node:{{EC2PrivateDNSName}}\n"
                "  groups: [system:bootstrappers, system:nodes]\n"
            },
        }
    )
    assert len(node_names(lab)) == 1


def test_user_data_for_another_cluster_never_joins(lab, eks):
    wrong = node_config_user_data("demo", "https://elsewhere.example", "Q0E=", "172.20.0.0/16")
    authorise(lab)
    rows = lab.eks.launch_self_managed_nodes("demo", count=1, user_data=wrong)
    assert rows[0]["node"] is None
    assert "cannot reach the API server" in rows[0]["why not"]
    rows = lab.eks.launch_self_managed_nodes("demo", count=1, name="plain", user_data="#!/bin/bash")
    assert rows[0]["node"] is None
    assert "no NodeConfig" in lab.eks.kubelet_log()[-1]


def test_node_config_is_a_real_nodeadm_document(lab, eks):
    text = lab.eks.node_config("demo")
    cluster = lab.eks.describe_cluster(name="demo")["cluster"]
    assert "apiVersion: node.eks.aws/v1alpha1" in text and "kind: NodeConfig" in text
    assert f"apiServerEndpoint: {cluster['endpoint']}" in text
    assert f"certificateAuthority: {cluster['certificateAuthority']['data']}" in text
    assert "cidr: 172.20.0.0/16" in text


def test_access_entry_rules(lab, eks):
    role = lab.role_arn("eks-node")
    with pytest.raises(InvalidParameterError, match="type"):
        lab.eks.create_access_entry(clusterName="demo", principalArn=role, type="EC2_MAC")
    with pytest.raises(InvalidParameterError, match="kubernetesGroups"):
        lab.eks.create_access_entry(
            clusterName="demo", principalArn=role, type="EC2_LINUX", kubernetesGroups=["x"]
        )
    authorise(lab)
    with pytest.raises(AlreadyExistsError):
        authorise(lab)
    assert lab.eks.list_access_entries(clusterName="demo")["accessEntries"] == [role]
    entry = lab.eks.describe_access_entry(clusterName="demo", principalArn=role)["accessEntry"]
    assert entry["type"] == "EC2_LINUX"


def test_managed_nodegroup_creates_labelled_instances_that_join(lab, eks):
    lab.eks.create_nodegroup(
        clusterName="demo",
        nodegroupName="ng",
        scalingConfig={"minSize": 1, "desiredSize": 2, "maxSize": 4},
        instanceTypes=["m5.large"],
    )
    nodes = lab.kube("demo").get("Node")["items"]
    assert len(nodes) == 2
    for node in nodes:
        labels = node["metadata"]["labels"]
        assert labels["eks.amazonaws.com/nodegroup"] == "ng"
        assert labels["eks.amazonaws.com/capacityType"] == "ON_DEMAND"
        assert labels["node.kubernetes.io/instance-type"] == "m5.large"
        assert node["status"]["allocatable"]["pods"] == "29"
    reservations = lab.client("ec2").describe_instances(
        Filters=[{"Name": "tag:eks:nodegroup-name", "Values": ["ng"]}]
    )["Reservations"]
    assert sum(len(r["Instances"]) for r in reservations) == 2


def test_every_instance_a_nodegroup_launches_at_once_has_its_profile(lab, eks):
    """A group grows by several instances in one RunInstances per zone; each gets the
    instance profile (AWS gives it to all, moto to the first only) and joins."""
    lab.eks.create_nodegroup(
        clusterName="demo",
        nodegroupName="ng",
        scalingConfig={"minSize": 1, "desiredSize": 1, "maxSize": 9},
    )
    group = lab.eks.describe_nodegroup(clusterName="demo", nodegroupName="ng")["nodegroup"]
    lab.eks_sim.scale_group(group["resources"]["autoScalingGroups"][0]["name"], 9)
    instances = [
        i
        for r in lab.client("ec2").describe_instances(
            Filters=[{"Name": "tag:eks:nodegroup-name", "Values": ["ng"]}]
        )["Reservations"]
        for i in r["Instances"]
    ]
    assert len(instances) == 9
    assert all(i["IamInstanceProfile"]["Arn"].endswith("/" + lab.instance_profile("eks-node"))
               for i in instances)  # fmt: skip
    assert {i["Placement"]["AvailabilityZone"] for i in instances} == {"us-east-1a", "us-east-1b"}
    assert len(lab.kube("demo").get("Node")["items"]) == 9


@pytest.mark.parametrize(
    "scaling",
    [
        {"minSize": 3, "desiredSize": 2, "maxSize": 4},
        {"minSize": 0, "desiredSize": 5, "maxSize": 4},
        {"minSize": 0, "desiredSize": 0, "maxSize": 0},
        {"minSize": -1, "desiredSize": 1, "maxSize": 2},
    ],
)
def test_nodegroup_sizes_are_validated(lab, eks, scaling):
    with pytest.raises(InvalidParameterError, match="scalingConfig"):
        lab.eks.create_nodegroup(clusterName="demo", nodegroupName="bad", scalingConfig=scaling)
    assert lab.eks.list_nodegroups(clusterName="demo")["nodegroups"] == []


def test_pending_pods_wait_until_the_learner_scales(lab, eks):
    lab.eks.create_nodegroup(
        clusterName="demo",
        nodegroupName="ng",
        scalingConfig={"minSize": 1, "desiredSize": 1, "maxSize": 4},
    )
    k = lab.kube("demo")
    k.apply(sample_deployment(6, cpu="500m"))
    pending = [p for p in k.pods_table() if p["phase"] == "Pending"]
    assert len(pending) == 3  # 1930m allocatable holds three 500m pods
    assert pending[0]["why pending"] == "0/1 nodes are available: 1 Insufficient cpu."
    lab.eks.update_nodegroup_config(
        clusterName="demo", nodegroupName="ng", scalingConfig={"desiredSize": 2}
    )
    assert all(p["phase"] == "Running" for p in k.pods_table())
    lab.eks.update_nodegroup_config(
        clusterName="demo", nodegroupName="ng", scalingConfig={"desiredSize": 1}
    )
    assert len(node_names(lab)) == 1


def test_daemonset_runs_on_every_ec2_node_including_later_ones(lab, eks):
    lab.eks.create_nodegroup(
        clusterName="demo",
        nodegroupName="ng",
        scalingConfig={"minSize": 1, "desiredSize": 2, "maxSize": 4},
    )
    k = lab.kube("demo")
    k.apply(sample_daemonset())
    assert len(k.get("Pod", "kube-system")["items"]) == 2
    lab.eks.update_nodegroup_config(
        clusterName="demo", nodegroupName="ng", scalingConfig={"desiredSize": 3}
    )
    pods = k.get("Pod", "kube-system")["items"]
    assert sorted(p["spec"]["nodeName"] for p in pods) == node_names(lab)


def test_fargate_profile_gives_each_pod_its_own_node(lab, eks):
    lab.eks.create_fargate_profile(
        clusterName="demo", fargateProfileName="fp", selectors=[{"namespace": "serverless"}]
    )
    k = lab.kube("demo")
    k.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "serverless"}})
    k.apply(sample_deployment(3, namespace="serverless", cpu="1", memory="8Gi"))
    pods = k.get("Pod", "serverless")["items"]
    nodes = {p["spec"]["nodeName"] for p in pods}
    assert len(nodes) == 3 and all(n.startswith("fargate-ip-") for n in nodes)
    assert {p["metadata"]["annotations"]["CapacityProvisioned"] for p in pods} == {"2vCPU 9GB"}
    k.apply(sample_daemonset())
    assert k.get("Pod", "kube-system")["items"] == []
    # No instance in your account for these nodes.
    assert lab.client("ec2").describe_instances()["Reservations"] == []


def test_fargate_profile_rules(lab, eks):
    network = lab.network()
    with pytest.raises(InvalidParameterError, match="not a private subnet"):
        lab.eks.create_fargate_profile(
            clusterName="demo",
            fargateProfileName="pub",
            selectors=[{"namespace": "default"}],
            subnets=network.subnet_ids,
        )
    with pytest.raises(InvalidParameterError, match="1 to 5 selectors"):
        lab.eks.create_fargate_profile(
            clusterName="demo",
            fargateProfileName="many",
            selectors=[{"namespace": f"ns{i}"} for i in range(6)],
        )
    assert lab.eks.list_fargate_profiles(clusterName="demo")["fargateProfileNames"] == []


def test_pods_fargate_cannot_run_stay_pending_with_a_reason(lab, eks):
    lab.eks.create_fargate_profile(
        clusterName="demo", fargateProfileName="fp", selectors=[{"namespace": "default"}]
    )
    k = lab.kube("demo")
    k.apply(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "root"},
            "spec": {
                "containers": [{"name": "a", "image": "x", "securityContext": {"privileged": True}}]
            },
        }
    )
    pod = k.get("Pod", "default", "root")
    assert pod["status"]["phase"] == "Pending"
    assert "privileged" in pod["status"]["conditions"][0]["message"]


def test_bad_manifests_are_refused_clearly(lab, eks):
    k = lab.kube("demo")
    with pytest.raises(InvalidParameterError, match="kind"):
        k.apply({"apiVersion": "v1", "metadata": {"name": "x"}})
    with pytest.raises(InvalidParameterError, match="YAML"):
        k.apply("kind: Pod\n  bad: [indent")
    negative = sample_deployment(2)
    negative["spec"]["replicas"] = -2
    with pytest.raises(InvalidParameterError, match="replicas"):
        k.apply(negative)
    with pytest.raises(InvalidParameterError, match="replicas"):
        sample_deployment(-1)
    assert k.get("Deployment")["items"] == []


def test_teardown_removes_every_eks_resource(lab, eks):
    lab.eks.create_nodegroup(clusterName="demo", nodegroupName="ng")
    lab.eks.launch_self_managed_nodes("demo", count=1)
    lab.eks.create_fargate_profile(
        clusterName="demo", fargateProfileName="fp", selectors=[{"namespace": "serverless"}]
    )
    lab.teardown()
    assert lab.eks.list_clusters()["clusters"] == []
    assert lab.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"] == []
    states = {
        i["State"]["Name"]
        for r in lab.client("ec2").describe_instances()["Reservations"]
        for i in r["Instances"]
    }
    assert states <= {"terminated"}
    assert lab.client("ec2").describe_launch_templates()["LaunchTemplates"] == []


def test_eks_token_is_made_like_aws_eks_get_token():
    session = boto3.Session(
        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret", region_name="us-east-1"
    )
    token = eks_token(session, "demo", "us-east-1")
    assert token.startswith("k8s-aws-v1.")
    encoded = token[len("k8s-aws-v1.") :]
    url = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    query = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
    assert url.startswith("https://sts.us-east-1.amazonaws.com/?")
    assert query["Action"] == ["GetCallerIdentity"]
    assert query["X-Amz-Expires"] == ["60"]
    assert "x-k8s-aws-id" in query["X-Amz-SignedHeaders"][0]


def test_launching_the_same_self_managed_group_twice_says_how_to_scale(lab, eks):
    lab.eks.launch_self_managed_nodes("demo", count=1)
    with pytest.raises(AlreadyExistsError, match="scale_self_managed_nodes"):
        lab.eks.launch_self_managed_nodes("demo", count=1)
    authorise(lab)
    rows = lab.eks.scale_self_managed_nodes("demo", 3)
    assert len(rows) == 3 and all(r["node"] for r in rows)


def test_access_entry_types_include_hybrid_linux(lab, eks):
    # EKS API reference, CreateAccessEntry: type is one of STANDARD, FARGATE_LINUX,
    # EC2_LINUX, EC2_WINDOWS, EC2 (Auto Mode), HYBRID_LINUX, HYPERPOD_LINUX. Hybrid nodes
    # sign in as system:node:{{SessionName}} (EKS user guide, hybrid-nodes-creds.adoc).
    account = lab.role_arn("eks-node").split(":")[4]
    role = f"arn:aws:iam::{account}:role/hybrid-nodes"
    entry = lab.eks.create_access_entry(clusterName="demo", principalArn=role, type="HYBRID_LINUX")
    assert entry["accessEntry"]["type"] == "HYBRID_LINUX"
    assert entry["accessEntry"]["username"] == "system:node:{{SessionName}}"
    with pytest.raises(InvalidParameterError, match="HYPERPOD_LINUX"):
        lab.eks.create_access_entry(clusterName="demo", principalArn=role, type="EC2_MAC")


def test_a_gpu_nodegroup_advertises_nvidia_gpus_and_gpu_pods_land_there(lab, eks):
    # EKS user guide, ml-eks-k8s-device-plugin.adoc: on GPU nodes the NVIDIA device plugin
    # advertises nvidia.com/gpu (the lab treats GPU nodes as having it installed);
    # g4dn.xlarge has 1 NVIDIA T4 (EC2 DescribeInstanceTypes GpuInfo). kube-scheduler
    # reports a node without one as "Insufficient nvidia.com/gpu".
    for name, itype in (("cpu", "t3.medium"), ("gpu", "g4dn.xlarge")):
        lab.eks.create_nodegroup(
            clusterName="demo",
            nodegroupName=name,
            instanceTypes=[itype],
            scalingConfig={"minSize": 1, "desiredSize": 1, "maxSize": 1},
        )
    k = lab.kube("demo")
    gpus = {
        n["metadata"]["labels"]["node.kubernetes.io/instance-type"]: n["status"]["allocatable"].get(
            "nvidia.com/gpu"
        )
        for n in k.get("Node")["items"]
    }
    assert gpus == {"t3.medium": None, "g4dn.xlarge": "1"}
    table = {r["type"]: r.get("nvidia.com/gpu") for r in k.nodes_table()}
    assert table == {"t3.medium": None, "g4dn.xlarge": "1"}
    assert "1 nvidia.com/gpu" in lab.eks.kubelet_log()[-1]
    train = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "train"},
        "spec": {
            "containers": [
                {
                    "name": "cuda",
                    "image": "nvidia/cuda:12.4.1-base",
                    "resources": {"limits": {"nvidia.com/gpu": 1}},
                }
            ]
        },
    }
    k.apply(train)
    node = k.get("Pod", "default", "train")["spec"]["nodeName"]
    assert k.get("Node", name=node)["metadata"]["labels"]["eks.amazonaws.com/nodegroup"] == "gpu"
    k.apply({**train, "metadata": {"name": "train-2"}})
    table = k.explain("train-2")
    assert {row["NodeResourcesFit"] for row in table} == {"Insufficient nvidia.com/gpu"}
