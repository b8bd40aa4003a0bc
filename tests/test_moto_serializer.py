"""moto's replies read through moto_state's quick field picking (``_quick_value_picking``)
are the replies moto's own picker gives: every read of a lab holding a bit of everything,
in any order, with the names of its fields known already or not."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from awscontainers import Lab


@pytest.fixture(scope="module")
def busy():
    """One lab with ECS instances, tasks and a service, an EKS cluster with a nodegroup, an
    ECR image, an Auto Scaling group and a VPC peering (whose reply EC2's transformers
    rewrite): only read below."""
    with Lab() as lab:
        lab.network()
        lab.ecs.create_cluster(clusterName="web")
        lab.ecs.launch_instances("web", count=2)
        lab.ecs.register_task_definition(
            family="api",
            containerDefinitions=[{"name": "api", "image": "nginx", "cpu": 256, "memory": 512}],
        )
        lab.ecs.run_task(cluster="web", taskDefinition="api", count=2)
        lab.ecs.create_service(
            cluster="web", serviceName="shop", taskDefinition="api", desiredCount=1
        )
        lab.eks.create_cluster(name="demo")
        lab.eks.create_nodegroup(
            clusterName="demo",
            nodegroupName="workers",
            scalingConfig={"minSize": 1, "desiredSize": 1, "maxSize": 2},
        )
        lab.ecr.create_repository(repositoryName="shop/web")
        lab.ecr.push_image("shop/web", "v1", message="hello")
        ec2 = lab.client("ec2")
        vpcs = [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]
        other = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        ec2.create_vpc_peering_connection(VpcId=vpcs[0], PeerVpcId=other)
        yield lab


def _reads(lab):
    ecs, ec2 = lab.client("ecs"), lab.client("ec2")
    instances = ecs.list_container_instances(cluster="web")["containerInstanceArns"]
    return {
        "ec2.instances": lambda: ec2.describe_instances(),
        "ec2.subnets": lambda: ec2.describe_subnets(),
        "ec2.vpcs": lambda: ec2.describe_vpcs(),
        "ec2.security-groups": lambda: ec2.describe_security_groups(),
        "ec2.route-tables": lambda: ec2.describe_route_tables(),
        "ec2.peering": lambda: ec2.describe_vpc_peering_connections(),
        "ec2.images": lambda: ec2.describe_images(ImageIds=[lab.ecs.ecs_optimized_ami()]),
        "ecs.clusters": lambda: ecs.describe_clusters(clusters=["web"]),
        "ecs.instances": lambda: ecs.describe_container_instances(
            cluster="web", containerInstances=instances
        ),
        "ecs.task-definitions": lambda: ecs.list_task_definitions(),
        "ecs.services": lambda: ecs.describe_services(cluster="web", services=["shop"]),
        "ecs.task-definition": lambda: ecs.describe_task_definition(taskDefinition="api"),
        "eks.cluster": lambda: lab.client("eks").describe_cluster(name="demo"),
        "eks.nodegroup": lambda: lab.client("eks").describe_nodegroup(
            clusterName="demo", nodegroupName="workers"
        ),
        "ecr.images": lambda: lab.client("ecr").describe_images(repositoryName="shop/web"),
        "autoscaling.groups": lambda: lab.client("autoscaling").describe_auto_scaling_groups(),
        "iam.roles": lambda: lab.client("iam").list_roles(),
    }


@contextlib.contextmanager
def _moto_s_own_picking():
    from moto.core.serialize import ResponseSerializer

    quick = ResponseSerializer.get_value
    ResponseSerializer.get_value = quick.original
    try:
        yield
    finally:
        ResponseSerializer.get_value = quick


def _answer(read):
    answer = read()
    answer.pop("ResponseMetadata", None)  # a new request id each call
    return answer


def test_the_quick_picking_is_installed():
    from moto.core.serialize import ResponseSerializer

    with Lab():
        assert getattr(ResponseSerializer.get_value, "quick", False)


@settings(max_examples=4, deadline=None)
@given(order=st.permutations(range(17)), quick_first=st.booleans())
def test_every_read_answers_as_moto_s_own_picking(busy, order, quick_first):
    reads = list(_reads(busy).items())
    assert len(reads) == 17
    for i in order:
        name, read = reads[i]
        if quick_first:
            quick = _answer(read)
            with _moto_s_own_picking():
                own = _answer(read)
        else:
            with _moto_s_own_picking():
                own = _answer(read)
            quick = _answer(read)
        assert quick == own, name
        assert quick, name


_SEGMENTS = st.sampled_from(["Tags", "State", "Instance", "Instances", "Image", "Date", "s", "x"])
_PATHS = st.lists(_SEGMENTS, min_size=1, max_size=4).map(".".join)


@settings(max_examples=200, deadline=None)
@given(
    table=st.lists(_PATHS, max_size=6),
    added=st.lists(_PATHS, max_size=2),
    path=st.lists(_SEGMENTS, max_size=4),
    key=st.one_of(_SEGMENTS, st.sampled_from(["InstanceTags", "CreationDate", "ags", ""])),
)
def test_a_field_skipped_by_the_transformer_check_has_no_transformer(table, added, path, key):
    """moto's picker transforms a field whose path ends with one of the table's paths;
    ``_may_transform`` says no only when none does, and sees paths moto adds later."""
    from awscontainers.moto_state import _may_transform

    transformers = dict.fromkeys(table, str)
    for _ in range(2):
        field_path = f"{'.'.join(path)}.{key}"
        may = _may_transform(transformers, key)
        assert may or not any(field_path.endswith(suffix) for suffix in transformers)
        transformers.update(dict.fromkeys(added, str))  # as _include_in_response does
