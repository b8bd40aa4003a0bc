"""Property-based fuzzing of the public entry points (issue 10): whatever a learner passes,
only the library's own :class:`LabError` escapes, a refused call leaves the account as it
was, and inputs too large to simulate are refused up front (deterministically, by size: no
timing asserts, which would flake on a busy machine).

The example counts are bounded so the module runs in well under a minute; CI loads the
``ci`` profile (``HYPOTHESIS_PROFILE=ci``, registered in ``conftest.py``), which is
derandomized so a CI run is repeatable.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awscontainers import Lab, costs, fargate
from awscontainers.cli import main as cli_main
from awscontainers.errors import LabError
from awscontainers.workload import Workload
from tests.strategies import text

# -- strategies ------------------------------------------------------------------------------

#: Scalars a learner (or a typo) might pass anywhere: wrong types, huge and odd numbers.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, -1, 1, 10, 11, 5000, 5001, 10**6, 10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
    text(max_size=20),
    st.sampled_from(["", "web", "demo", "fg", "api", "FARGATE", "EC2", "9" * 5000, "1e999999999"]),
)
#: Any JSON-like value, nested a little.
garbage = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def only_lab_errors(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``fn``; a LabError is a fine answer, any other exception fails the test."""
    try:
        return fn(*args, **kwargs)
    except LabError as err:
        return err


# -- one lab for the module (the calls below only add, or are refused) -----------------------


@pytest.fixture(scope="module")
def shared() -> Any:
    lab = Lab()
    lab.ecs.create_cluster(clusterName="web")
    lab.ecs.register_task_definition(
        family="fg",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "app", "image": "nginx"}],
    )
    lab.ecs.register_task_definition(
        family="api2",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "app", "image": "nginx"}],
    )
    lab.ecs.create_service(
        cluster="web", serviceName="api", taskDefinition="fg", desiredCount=1, launchType="FARGATE"
    )
    lab.eks.create_cluster(name="demo")
    lab.ecr.create_repository(repositoryName="web")
    yield lab
    lab.close()


def snapshot(lab: Lab) -> tuple:
    """What the refused calls must not change."""
    ec2 = lab.client("ec2")
    return (
        sorted(lab.ecs.list_clusters()["clusterArns"]),
        sorted(lab.ecs.list_tasks(cluster="web")["taskArns"]),
        lab.ecs.describe_services(cluster="web", services=["api"])["services"][0]["taskDefinition"],
        lab.ecs.describe_services(cluster="web", services=["api"])["services"][0]["desiredCount"],
        len(ec2.describe_network_interfaces()["NetworkInterfaces"]),
        sum(len(r["Instances"]) for r in ec2.describe_instances()["Reservations"]),
        sorted(lab.eks.list_nodegroups(clusterName="demo")["nodegroups"]),
        len(ec2.describe_launch_templates()["LaunchTemplates"]),
        sorted(p["name"] for p in lab.ecs.describe_capacity_providers()["capacityProviders"]),
        len(lab.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]),
        sorted(r["repositoryName"] for r in lab.ecr.describe_repositories()["repositories"]),
    )


# -- boto3-shaped clients ----------------------------------------------------------------------

#: Calls that must never change the account when refused, with near-valid parameters.
ECS_CALLS: dict[str, dict[str, Any]] = {
    "run_task": {"cluster": "web", "taskDefinition": "fg", "launchType": "FARGATE"},
    "update_service": {"cluster": "web", "service": "api"},
    "create_service": {"cluster": "web", "serviceName": "other", "taskDefinition": "fg"},
    "stop_task": {"cluster": "web", "task": "nope"},
    "describe_tasks": {"cluster": "web", "tasks": ["nope"]},
    "list_tasks": {"cluster": "web"},
    "describe_services": {"cluster": "web", "services": ["api"]},
    "register_task_definition": {"family": "x", "containerDefinitions": []},
    "delete_service": {"cluster": "web", "service": "nope"},
    "describe_clusters": {"clusters": ["web"]},
    "update_container_instances_state": {"cluster": "web", "containerInstances": []},
    # The group's ARN carries an id moto makes up: this near-valid one names no real group.
    "create_capacity_provider": {
        "name": "cp",
        "autoScalingGroupProvider": {
            "autoScalingGroupArn": "arn:aws:autoscaling:us-east-1:123456789012:"
            "autoScalingGroup:x:autoScalingGroupName/web-asg",
            "managedScaling": {"status": "ENABLED", "targetCapacity": 90},
        },
    },
    "update_capacity_provider": {
        "name": "nope",
        "autoScalingGroupProvider": {"managedScaling": {"status": "ENABLED"}},
    },
    "put_cluster_capacity_providers": {
        "cluster": "web",
        "capacityProviders": ["FARGATE"],
        "defaultCapacityProviderStrategy": [],
    },
    "describe_capacity_providers": {"capacityProviders": ["nope"]},
}
EKS_CALLS: dict[str, dict[str, Any]] = {
    "create_nodegroup": {"clusterName": "demo", "nodegroupName": "ng"},
    "update_nodegroup_config": {"clusterName": "demo", "nodegroupName": "nope"},
    "create_fargate_profile": {"clusterName": "demo", "fargateProfileName": "fp"},
    "create_access_entry": {"clusterName": "demo", "principalArn": "nope"},
}
ECR_CALLS: dict[str, dict[str, Any]] = {
    "put_image": {"repositoryName": "web", "imageManifest": "{}"},
    "describe_images": {"repositoryName": "web"},
    "batch_delete_image": {"repositoryName": "web", "imageIds": []},
    "put_lifecycle_policy": {"repositoryName": "web"},
    "start_image_scan": {"repositoryName": "web", "imageId": {}},
}


def params_for(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Near-valid parameters: the base with some values replaced by garbage, some keys
    dropped, and now and then a misspelled or unknown key."""
    keys = sorted(base) + ["count", "desiredCount", "taints", "scalingConfig", "cuont", "tags"]
    return st.builds(
        lambda changes, dropped: {
            **{k: v for k, v in base.items() if k not in dropped},
            **changes,
        },
        st.dictionaries(st.sampled_from(keys), garbage, max_size=3),
        st.sets(st.sampled_from(sorted(base)), max_size=1),
    )


#: The account as the last refused call left it: (lab, the test running, its snapshot).
_LEFT: list[tuple[int, str, tuple]] = []


def fuzz_client(lab: Lab, client: Any, calls: dict[str, dict[str, Any]], data: Any) -> None:
    name = data.draw(st.sampled_from(sorted(calls)))
    params = data.draw(params_for(calls[name]))
    # The account before this call is the one the previous example's refused call was
    # checked to have left (same lab, same test, nothing else ran between): it is read
    # again only when the previous call was accepted, failed, or belonged to another test.
    test = os.environ.get("PYTEST_CURRENT_TEST", "")
    left = _LEFT.pop() if _LEFT else None
    before = left[2] if left and left[:2] == (id(lab), test) else snapshot(lab)
    result = only_lab_errors(getattr(client, name), **params)
    if isinstance(result, LabError):
        after = snapshot(lab)
        assert after == before, f"{name}({params!r}) was refused but changed the account"
        _LEFT.append((id(lab), test, after))


@FUZZ
@given(data=st.data())
def test_ecs_calls_raise_only_lab_errors_and_refusals_change_nothing(shared, data):
    fuzz_client(shared, shared.ecs, ECS_CALLS, data)


@FUZZ
@given(data=st.data())
def test_eks_calls_raise_only_lab_errors_and_refusals_change_nothing(shared, data):
    fuzz_client(shared, shared.eks, EKS_CALLS, data)


@settings(FUZZ, max_examples=25)
@given(data=st.data())
def test_ecr_calls_raise_only_lab_errors_and_refusals_change_nothing(shared, data):
    fuzz_client(shared, shared.ecr, ECR_CALLS, data)


#: The lab's own helpers and how many positional arguments each takes (fewest, most): a call
#: with the wrong number is Python's TypeError, not a value the helper must check.
HELPERS = {
    "launch_instances": (1, 3),
    "launch_self_managed_nodes": (1, 3),
    "scale_self_managed_nodes": (2, 3),
    "node_config": (1, 1),
    "container_instances": (0, 1),
    "tasks_table": (0, 1),
    "service_events": (2, 3),
    "control_plane": (1, 1),
    "group_instances": (2, 2),
    "images_table": (1, 1),
    "push_image": (1, 3),
    "create_instance_group": (1, 1),
}
ECS_HELPERS = {
    "launch_instances",
    "container_instances",
    "tasks_table",
    "service_events",
    "create_instance_group",
}
ECR_HELPERS = {"images_table", "push_image"}


@settings(FUZZ, max_examples=30)
@given(data=st.data())
def test_lab_helpers_check_their_arguments(shared, data):
    helper = data.draw(st.sampled_from(sorted(HELPERS)))
    low, high = HELPERS[helper]
    args = data.draw(st.lists(garbage, min_size=low, max_size=high))
    client = (
        shared.ecs if helper in ECS_HELPERS else shared.ecr if helper in ECR_HELPERS else shared.eks
    )
    before = snapshot(shared)
    result = only_lab_errors(getattr(client, helper), *args)
    if isinstance(result, LabError):
        assert snapshot(shared) == before, f"{helper}{tuple(args)!r} was refused but changed things"


@settings(FUZZ, max_examples=20)
@given(amounts=st.dictionaries(st.sampled_from(["seconds", "minutes", "hours"]), garbage))
def test_clock_advance_raises_only_lab_errors(shared, amounts):
    before = shared.now()
    result = only_lab_errors(shared.advance, **amounts)
    if isinstance(result, LabError):
        assert shared.now() - before < _dt.timedelta(minutes=1)  # only now()'s own tick


def test_a_missing_aws_profile_is_a_lab_error():
    from botocore.exceptions import ProfileNotFound

    from awscontainers._aws import translate

    error = translate(ProfileNotFound(profile="nope"), "Session")
    assert isinstance(error, LabError) and "'nope'" in str(error) and error.hint


# -- the examples from issue 10, one by one ----------------------------------------------------


def test_boto3_validation_applies_to_simulated_calls(shared):
    with pytest.raises(LabError, match='Unknown parameter in input: "cuont"'):
        shared.ecs.run_task(cluster="web", taskDefinition="fg", launchType="FARGATE", cuont=3)
    with pytest.raises(LabError, match="Invalid type for parameter cluster"):
        shared.ecs.run_task(cluster=5, taskDefinition="fg")
    with pytest.raises(LabError, match="containerDefinitions"):
        shared.ecs.register_task_definition(family="x", containerDefinitions=None)
    with pytest.raises(LabError, match="tags"):
        shared.ecs.create_cluster(clusterName="x", tags=None)


def test_refused_calls_leave_nothing_half_made(shared):
    before = snapshot(shared)
    good = shared.network().subnet_ids[0]
    bad_subnets = {"awsvpcConfiguration": {"subnets": [good, "subnet-bogus"]}}
    with pytest.raises(LabError, match="subnet-bogus"):
        shared.ecs.run_task(
            cluster="web",
            taskDefinition="fg",
            count=2,
            launchType="FARGATE",
            networkConfiguration=bad_subnets,
        )
    with pytest.raises(LabError, match="subnet-bogus"):
        shared.ecs.launch_instances("web", subnet_ids=["subnet-bogus"])
    with pytest.raises(LabError, match="ami-bogus"):
        shared.ecs.launch_instances("web", image_id="ami-bogus")
    with pytest.raises(LabError, match="desiredCount"):
        shared.ecs.update_service(
            cluster="web", service="api", taskDefinition="api2", desiredCount=-1
        )
    with pytest.raises(LabError, match="BOGUS"):
        shared.eks.create_nodegroup(
            clusterName="demo",
            nodegroupName="tainted",
            taints=[{"key": "a", "value": "b", "effect": "BOGUS"}],
        )
    with pytest.raises(LabError, match="instanceTypes"):
        shared.eks.create_nodegroup(clusterName="demo", nodegroupName="none", instanceTypes=[])
    assert snapshot(shared) == before


def test_multi_document_apply_is_all_or_nothing(shared):
    k = shared.kube("demo")
    manifest = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first}\ndata: {a: b}\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec: 5\n"
    )
    with pytest.raises(LabError):
        k.apply(manifest)
    assert "first" not in [c["metadata"]["name"] for c in k.get("configmaps")["items"]]


def deployment(name: str, replicas: Any = 1, **spec: Any) -> dict:
    body = {
        "replicas": replicas,
        "selector": {"matchLabels": {"app": name}},
        "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        },
    }
    body.update(spec)
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name}, "spec": body}


def pod(name: str, **container: Any) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "c", "image": "nginx", **container}]},
    }


@pytest.mark.parametrize(
    "manifest",
    [
        deployment("sel", selector=5),
        pod("res", resources=[1]),
        pod("cpu", resources={"requests": {"cpu": "1e999999999"}}),
        pod("mem", resources={"limits": {"memory": "9" * 5000}}),
        deployment("many", replicas=10**6),
    ],
    ids=["selector-5", "resources-list", "cpu-1e999999999", "memory-5000-digits", "replicas-1e6"],
)
def test_bad_manifests_are_refused_as_invalid(shared, manifest):
    with pytest.raises(LabError) as info:
        shared.kube("demo").apply(manifest)
    assert info.value.code == "Invalid"


def test_upper_bounds_refuse_up_front(shared):
    k = shared.kube("demo")
    k.apply(deployment("small"))
    with pytest.raises(LabError, match="lab's limit"):
        k.scale("small", 10**7)
    with pytest.raises(LabError, match="450 nodes per managed node group"):
        shared.eks.create_nodegroup(
            clusterName="demo",
            nodegroupName="big",
            scalingConfig={"minSize": 1, "maxSize": 500, "desiredSize": 500},
        )
    with pytest.raises(LabError, match="5,000 tasks per service"):
        shared.ecs.create_service(
            cluster="web",
            serviceName="big",
            taskDefinition="fg",
            desiredCount=10**5,
            launchType="FARGATE",
        )
    for desired in (10**6, -5):
        with pytest.raises(LabError, match="lab's limit"):
            shared.eks.scale_self_managed_nodes("demo", desired)
    with pytest.raises(LabError, match="between 1 and 10"):
        shared.ecs.run_task(cluster="web", taskDefinition="fg", launchType="FARGATE", count=11)
    with pytest.raises(LabError):
        fargate.validate_task_size("9" * 5000, "512")


# -- Kubernetes manifests ----------------------------------------------------------------------

container = st.fixed_dictionaries(
    {"name": st.one_of(st.just("c"), garbage), "image": st.one_of(st.just("nginx"), garbage)},
    optional={"resources": garbage, "ports": garbage, "env": garbage},
)
manifests = st.one_of(
    garbage,
    st.builds(
        lambda name, replicas, spec: deployment(name, replicas, **spec),
        st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=8),
        st.one_of(st.integers(min_value=-3, max_value=5), garbage),
        st.dictionaries(st.sampled_from(["selector", "template", "strategy"]), garbage, max_size=1),
    ),
    st.builds(
        lambda name, c, extra: {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name},
            "spec": {"containers": [c], **extra},
        },
        st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=8),
        container,
        st.dictionaries(
            st.sampled_from(["nodeSelector", "tolerations", "initContainers", "volumes"]),
            garbage,
            max_size=2,
        ),
    ),
    text(max_size=200),
)


@settings(FUZZ, max_examples=60)
@given(manifest=manifests)
def test_kube_apply_raises_only_lab_errors(shared, manifest):
    k = shared.kube("demo")
    only_lab_errors(k.apply, manifest)


@settings(FUZZ, max_examples=30)
@given(name=garbage, replicas=garbage)
def test_kube_scale_raises_only_lab_errors(shared, name, replicas):
    only_lab_errors(shared.kube("demo").scale, name, replicas)


# -- pure rules, costs and the CLI -------------------------------------------------------------


@settings(FUZZ, max_examples=100)
@given(cpu=garbage, memory=garbage)
def test_fargate_sizes_raise_only_lab_errors(cpu, memory):
    only_lab_errors(fargate.validate_task_size, cpu, memory)
    only_lab_errors(fargate.parse_quantity_cpu, cpu)
    only_lab_errors(fargate.parse_quantity_memory, memory)


service = st.fixed_dictionaries(
    {
        "name": st.one_of(
            st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=5), garbage
        ),
        "vcpu": st.one_of(st.sampled_from([0.25, 1, 2, 1e308, 10**400]), garbage),
        "memory_gb": st.one_of(st.sampled_from([0.5, 2, 8, 1e308]), garbage),
    },
    optional={"count": st.one_of(st.integers(0, 20), garbage), "gpus": garbage},
)
workloads = st.one_of(
    garbage,
    st.fixed_dictionaries(
        {"services": st.lists(service, min_size=1, max_size=3)},
        optional={
            "architecture": garbage,
            "spot": garbage,
            "needs": garbage,
            "hours_per_month": garbage,
            "kubernetes_version": garbage,
        },
    ),
)


@settings(FUZZ, max_examples=60)
@given(data=workloads)
def test_workload_and_compare_raise_only_lab_errors(data):
    workload = only_lab_errors(Workload.from_dict, data)
    if isinstance(workload, Workload):
        comparison = only_lab_errors(costs.compare, workload)
        if not isinstance(comparison, LabError):
            assert all(math.isfinite(e.monthly) for e in comparison if e.feasible)


@settings(FUZZ, max_examples=40)
@given(text=st.one_of(text(max_size=300), st.binary(max_size=300).map(repr)))
def test_workload_text_raises_only_lab_errors(text):
    only_lab_errors(Workload.from_text, text)


def test_limits_refuse_large_workloads_up_front():
    from awscontainers.workload import MAX_SERVICES

    many = [{"name": f"s{i}", "vcpu": 1, "memory_gb": 2} for i in range(MAX_SERVICES + 1)]
    with pytest.raises(LabError, match="lab's limit"):
        Workload.from_dict({"services": many})
    assert len(Workload.from_dict({"services": many[:MAX_SERVICES]}).services) == MAX_SERVICES
    tasks = {"services": [{"name": "a", "vcpu": 1, "memory_gb": 2, "count": 10**6}]}
    with pytest.raises(LabError, match="lab's limit"):
        Workload.from_dict(tasks)
    with pytest.raises(LabError, match="vcpu"):
        Workload.from_dict({"services": [{"name": "a", "vcpu": 1e308, "memory_gb": 2}]})
    with pytest.raises(LabError, match="takes a Workload"):
        costs.compare("/tmp")


@pytest.mark.parametrize("kind", ["directory", "binary", "latin-1", "bad-yaml", "big", "fifo"])
def test_cli_compare_never_prints_a_traceback(tmp_path, capsys, kind):
    import os

    path = tmp_path / "w.yaml"
    if kind == "directory":
        path.mkdir()
    elif kind == "binary":
        path.write_bytes(bytes(range(256)))
    elif kind == "latin-1":
        path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    elif kind == "bad-yaml":
        path.write_text("services: [\n")
    elif kind == "big":
        with path.open("wb") as f:
            f.truncate(50 * 1024 * 1024)  # sparse: 50 MB on paper, nothing on disk
    elif kind == "fifo":
        os.mkfifo(path)
    assert cli_main(["compare", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "What to do" in err
    with pytest.raises(LabError):
        Workload.from_file(path)


@settings(FUZZ, max_examples=30)
@given(text=text(max_size=200))
def test_cli_compare_on_any_text_exits_cleanly(tmp_path_factory, capsys, text):
    path = tmp_path_factory.mktemp("fuzz") / "w.yaml"
    path.write_text(text, encoding="utf-8")
    assert cli_main(["compare", str(path)]) in (0, 2)
    assert "Traceback" not in capsys.readouterr().err
