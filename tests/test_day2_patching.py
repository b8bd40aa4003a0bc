"""Patch day in simulated time: AMI releases, who must act, PodDisruptionBudgets with cordon
and drain, managed nodegroup version updates, instance refresh, Fargate retirement.
Sources of each figure: awscontainers/data/day2.yaml (``patching``, ``kubernetes_drain``)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awscontainers.errors import (
    InvalidParameterError,
    LabError,
    NotFoundError,
    ResourceInUseError,
)
from awscontainers.manifests import sample_daemonset, sample_deployment
from awscontainers.rules.data import load_packaged
from awscontainers.sim.kube import Cluster
from tests.strategies import text

from .conftest import register, register_fargate

FACTS = load_packaged("day2.yaml")
NG = FACTS["patching"]["managed_nodegroup"]


def pdb(name="web", **spec):
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, **spec},
    }


def managed(lab, desired=2, **extra):
    lab.eks.create_cluster(name="demo")
    lab.eks.create_nodegroup(
        clusterName="demo",
        nodegroupName="ng",
        scalingConfig={"minSize": 1, "maxSize": desired + 1, "desiredSize": desired},
        **extra,
    )
    k = lab.kube("demo")
    k.apply(sample_deployment(3, cpu="100m", memory="128Mi"))
    return k


def running(k, app="web"):
    return [
        p
        for p in k.get("Pod", "default")["items"]
        if p["status"]["phase"] == "Running" and p["metadata"]["labels"].get("app") == app
    ]


def status_of(lab, update_id):
    return lab.eks.describe_update(name="demo", nodegroupName="ng", updateId=update_id)["update"]


def messages(lab, who=None):
    return [e["message"] for e in lab.timeline_events() if who is None or e["who"] == who]


def test_every_patch_and_interruption_fact_has_a_source_and_a_date():
    for section in (
        FACTS["patching"]["managed_nodegroup"],
        FACTS["patching"]["instance_refresh"],
        FACTS["patching"]["fargate_task_retirement"],
        FACTS["patching"]["eks_fargate_patching"],
        FACTS["kubernetes_drain"],
        FACTS["interruptions"],
    ):
        assert "https://" in section["source"]
        assert str(section["checked"]) == "2026-11-30"
    # The documented defaults the lab runs on.
    assert NG["default_max_unavailable"] == 1 and NG["pod_eviction_timeout_seconds"] == 15 * 60
    assert FACTS["patching"]["instance_refresh"]["default_min_healthy_percentage"] == 90
    assert FACTS["patching"]["fargate_task_retirement"]["default_wait_days"] == 7
    assert FACTS["interruptions"]["spot_notice_seconds"] == 120


# -- AMI releases and who must act ---------------------------------------------------------------


def test_release_makes_a_dated_ami_the_recommended_one_and_lists_your_duty(lab):
    lab.ecs.create_cluster(clusterName="web")
    lab.ecs.launch_instances("web", count=2, instance_type="t3.medium")
    before = lab.ecs.ecs_optimized_ami()
    assert all(not r["outdated"] for r in lab.patch_status())
    lab.advance(hours=2)
    release = lab.release_ami("ecs")
    assert lab.ecs.ecs_optimized_ami() == release["ImageId"] != before
    assert "20261130" in release["Name"] and "-ecs-" in release["Name"]
    rows = [r for r in lab.patch_status() if r["mode"] == "ecs-ec2"]
    assert len(rows) == 2 and all(r["outdated"] and r["ami"] == before for r in rows)
    assert all(r["who_acts"].startswith("you:") for r in rows)
    lab.advance(hours=3)
    assert {r["outdated_for"] for r in lab.patch_status()} == {"3:00:00"}
    # A new instance gets the new AMI: it is up to date, and still joins (the ECS agent is
    # on the copy).
    table = lab.ecs.launch_instances("web", count=1, instance_type="t3.medium")
    new = table[0]["instance"]
    row = next(r for r in lab.patch_status() if r["resource"] == new)
    assert not row["outdated"] and row["who_acts"] == "-"
    event = next(e for e in lab.timeline_events() if e["source"] == "ec2")
    assert event["who"] == "AWS" and "yours to replace" in event["message"]
    with pytest.raises(InvalidParameterError, match="family"):
        lab.release_ami("windows")


def test_ecs_roll_by_hand_drain_moves_service_tasks_and_standalone_tasks_stay(lab):
    lab.ecs.create_cluster(clusterName="web")
    lab.ecs.launch_instances("web", count=1, instance_type="t3.medium")
    old = lab.ecs.container_instances("web")[0]["instance"]
    register(lab, "app", cpu=256, memory=256)
    lab.ecs.create_service(cluster="web", serviceName="svc", taskDefinition="app", desiredCount=2)
    lab.ecs.run_task(cluster="web", taskDefinition="app")
    lab.release_ami("ecs")
    lab.ecs.launch_instances("web", count=1, instance_type="t3.medium")
    old_arn = lab.ecs_sim.container_instance_of(old).arn
    lab.ecs.update_container_instances_state(
        cluster="web", containerInstances=[old_arn], status="DRAINING"
    )
    where = {t["group"]: [] for t in lab.ecs.tasks_table("web")}
    for t in lab.ecs.tasks_table("web"):
        where[t["group"]].append(t["runs on"])
    assert old not in where["service:svc"] and len(where["service:svc"]) == 2
    assert where["family:app"] == [old]  # a standalone task stays: stopping it is yours


def test_pdb_status_and_its_checks():
    c = Cluster()
    c.add_node("n1", cpu_millis=4000, memory_bytes=8 * 2**30, max_pods=20, labels={})
    c.apply(sample_deployment(4, cpu="100m", memory="64Mi"))
    c.apply(pdb(minAvailable="50%"))
    assert c.get("pdb", "default", "web")["status"] == {
        "currentHealthy": 4,
        "desiredHealthy": 2,
        "expectedPods": 4,
        "disruptionsAllowed": 2,
    }
    c.apply(pdb(maxUnavailable=1))
    assert c.get("pdb", "default", "web")["status"]["disruptionsAllowed"] == 1
    c.apply(pdb(minAvailable=4))
    assert c.get("pdb", "default", "web")["status"]["disruptionsAllowed"] == 0
    with pytest.raises(InvalidParameterError, match="exactly one"):
        c.apply(pdb(minAvailable=1, maxUnavailable=1))
    with pytest.raises(InvalidParameterError, match="exactly one"):
        c.apply(pdb())
    with pytest.raises(InvalidParameterError, match="matchLabels"):
        c.apply({**pdb(minAvailable=1), "spec": {"minAvailable": 1}})


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(
        st.integers(max_value=-1),
        st.floats(allow_nan=True),
        text(max_size=6).filter(lambda s: not (s.endswith("%") and s[:-1].isdigit())),
        st.integers(min_value=101, max_value=10**6).map(lambda n: f"{n}%"),
        st.booleans(),
        st.none(),
    ),
    st.sampled_from(["minAvailable", "maxUnavailable"]),
)
def test_pdb_refuses_amounts_that_are_not_counts_or_percentages(value, field):
    c = Cluster()
    with pytest.raises(InvalidParameterError):
        c.apply(pdb(**{field: value}))
    assert c.get("pdb")["items"] == []


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 12), st.integers(0, 100), st.booleans())
def test_pdb_allows_what_the_budget_leaves(replicas, percent, use_min):
    c = Cluster()
    c.add_node("n1", cpu_millis=64000, memory_bytes=64 * 2**30, max_pods=110, labels={})
    c.apply(sample_deployment(replicas, cpu="10m", memory="16Mi"))
    spec = {"minAvailable": f"{percent}%"} if use_min else {"maxUnavailable": f"{percent}%"}
    c.apply(pdb(**spec))
    status = c.get("pdb", "default", "web")["status"]
    assert 0 <= status["disruptionsAllowed"] <= replicas
    assert status["currentHealthy"] - status["disruptionsAllowed"] >= min(
        status["desiredHealthy"], replicas
    )


def test_cordon_and_drain_respect_budgets_and_daemonsets(lab):
    lab.eks.create_cluster(name="demo")
    lab.eks.create_access_entry(
        clusterName="demo", principalArn=lab.role_arn("eks-node"), type="EC2_LINUX"
    )
    lab.eks.launch_self_managed_nodes("demo", count=2)
    k = lab.kube("demo")
    k.apply(sample_daemonset())
    k.apply(sample_deployment(2, cpu="100m", memory="64Mi"))
    first = sorted(n["metadata"]["name"] for n in k.get("Node")["items"])[0]
    node = k.cordon(first)
    assert node["spec"]["unschedulable"] is True
    k.apply({**sample_deployment(1, name="late", cpu="100m", memory="64Mi")})
    late = [p for p in k.get("Pod")["items"] if p["metadata"]["name"].startswith("late-")]
    assert late[0]["spec"]["nodeName"] != first
    assert k.explain(late[0]["metadata"]["name"]).explanation.nodes  # both nodes judged
    verdicts = {
        row.node: row.verdicts["TaintToleration"]
        for row in k.explain(late[0]["metadata"]["name"]).explanation.nodes
    }
    assert verdicts[first] == ("node(s) were unschedulable",)
    k.delete("Deployment", "late")
    k.scale("web", 4)
    on_first = [p for p in running(k) if p["spec"]["nodeName"] == first]
    k.apply(pdb(minAvailable=4))
    table = k.drain(first)
    assert table.title.endswith("not done")
    assert {r["result"] for r in table} == {"blocked", "ignored"}
    assert all("disruption budget" in r["why"] for r in table if r["result"] == "blocked")
    assert len([p for p in running(k) if p["spec"]["nodeName"] == first]) == len(on_first)
    k.apply(pdb(maxUnavailable=1))
    table = k.drain(first)
    assert table.title.endswith("done") and "ignored" in {r["result"] for r in table}
    assert not [p for p in running(k) if p["spec"]["nodeName"] == first]
    assert len(running(k)) == 4  # the Deployment placed them on the other node
    # The DaemonSet's pod is still on the drained node.
    ds = [p for p in k.get("Pod", "kube-system")["items"] if p["spec"]["nodeName"] == first]
    assert len(ds) == 1
    k.uncordon(first)
    assert not k.get("Node", name=first)["spec"].get("unschedulable")


def test_drain_refuses_a_pod_without_a_controller_unless_forced():
    from awscontainers.sim.kube import disruption

    c = Cluster()
    c.add_node("n1", cpu_millis=2000, memory_bytes=2**31, max_pods=10, labels={})
    c.apply(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "solo"},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        }
    )
    result = disruption.drain(c, "n1")
    assert not result.done and "no controller" in result.blocked["default/solo"]
    assert disruption.drain(c, "n1", force=True).evicted == ["default/solo"]
    assert c.get("Pod")["items"] == []
    with pytest.raises(NotFoundError):
        disruption.cordon(c, "nope")


def test_self_managed_nodes_rolled_by_hand_new_group_then_cordon_drain_delete(lab):
    lab.eks.create_cluster(name="demo")
    lab.eks.create_access_entry(
        clusterName="demo", principalArn=lab.role_arn("eks-node"), type="EC2_LINUX"
    )
    lab.eks.launch_self_managed_nodes("demo", count=2)
    k = lab.kube("demo")
    k.apply(sample_deployment(4, cpu="100m", memory="64Mi"))
    k.apply(pdb(minAvailable=3))
    old = dict(lab.eks_sim.joined("demo"))
    lab.release_ami("eks")
    lab.eks.launch_self_managed_nodes("demo", count=2, name="nodes-v2")  # the new AMI
    for node in sorted(old.values()):
        k.cordon(node)
    for node in sorted(old.values()):
        assert k.drain(node).title.endswith("done")
        assert len(running(k)) >= 3
    lab.eks.delete_self_managed_nodes("demo")
    assert not set(old) & set(lab.eks_sim.joined("demo"))
    assert len(running(k)) == 4
    rows = [r for r in lab.patch_status() if r["mode"] == "eks-ec2"]
    assert len(rows) == 2 and not any(r["outdated"] for r in rows)


# -- managed nodegroup version updates -----------------------------------------------------------


def test_nodegroup_update_surges_then_replaces_one_node_per_tick_keeping_the_budget(lab):
    k = managed(lab)
    k.apply(pdb(minAvailable=2))
    lab.release_ami("eks")
    old = set(lab.eks_sim.joined("demo"))
    update = lab.eks.update_nodegroup_version(clusterName="demo", nodegroupName="ng")["update"]
    assert update["status"] == "InProgress" and update["type"] == "VersionUpdate"
    assert {"type": "MaxUnavailable", "value": "1"} in update["params"]
    # Surge: one new node before any old one goes, and the old ones are cordoned.
    assert len(lab.eks_sim.joined("demo")) == 3
    cordoned = [n for n in k.get("Node")["items"] if n["spec"].get("unschedulable")]
    assert len(cordoned) == 2
    left = []
    for _ in range(4):
        lab.run(dt.timedelta(seconds=15))
        assert len(running(k)) >= 2  # never below the budget's minAvailable
        left.append(len(old & set(lab.eks_sim.joined("demo"))))
    assert left[:2] == [1, 0]  # maxUnavailable 1: one old node per tick
    assert status_of(lab, update["id"])["status"] == "Successful"
    assert len(lab.eks_sim.joined("demo")) == 2 and len(running(k)) == 3
    assert all(not r["outdated"] for r in lab.patch_status())
    whos = {e["who"] for e in lab.timeline_events() if e["source"] == "eks"}
    assert whos == {"you", "AWS"}


def test_nodegroup_update_max_unavailable_comes_from_update_config(lab):
    managed(lab, desired=4, updateConfig={"maxUnavailable": 2})
    update = lab.eks.update_nodegroup_version(clusterName="demo", nodegroupName="ng")["update"]
    assert {"type": "MaxUnavailable", "value": "2"} in update["params"]
    assert len(lab.eks_sim.joined("demo")) == 6  # a surge of two
    lab.run(dt.timedelta(seconds=15))
    assert status_of(lab, update["id"])["status"] == "InProgress"
    lab.run(dt.timedelta(seconds=15))
    assert status_of(lab, update["id"])["status"] == "Successful"
    assert len(lab.eks_sim.joined("demo")) == 4
    with pytest.raises(InvalidParameterError, match="from 1 to 100"):
        lab.eks.create_nodegroup(
            clusterName="demo", nodegroupName="ng2", updateConfig={"maxUnavailable": 101}
        )
    assert "ng2" not in lab.eks.list_nodegroups(clusterName="demo")["nodegroups"]


def test_a_blocking_budget_fails_the_update_after_15_minutes_unless_forced(lab):
    k = managed(lab)
    k.apply(pdb(minAvailable=3))  # every pod must stay: nothing may be evicted
    update = lab.eks.update_nodegroup_version(clusterName="demo", nodegroupName="ng")["update"]
    lab.run(dt.timedelta(minutes=14, seconds=30))
    assert status_of(lab, update["id"])["status"] == "InProgress"
    with pytest.raises(ResourceInUseError, match="being updated"):
        lab.eks.update_nodegroup_version(clusterName="demo", nodegroupName="ng")
    lab.run(dt.timedelta(seconds=45))
    failed = status_of(lab, update["id"])
    assert failed["status"] == "Failed"
    assert failed["errors"][0]["errorCode"] == "PodEvictionFailure"
    assert any("PodEvictionFailure" in m for m in messages(lab, who="AWS"))
    forced = lab.eks.update_nodegroup_version(clusterName="demo", nodegroupName="ng", force=True)[
        "update"
    ]
    lab.run(dt.timedelta(minutes=1))
    assert status_of(lab, forced["id"])["status"] == "Successful"
    assert len(running(k)) == 3
    with pytest.raises(NotFoundError, match="No update"):
        status_of(lab, "00000000-0000-0000-0000-000000000000")
    with pytest.raises(NotFoundError, match="node group"):
        lab.eks.update_nodegroup_version(clusterName="demo", nodegroupName="nope")


# -- instance refresh of a self-managed group ----------------------------------------------------


def test_instance_refresh_replaces_in_batches_keeping_90_percent_and_does_not_drain(lab):
    lab.eks.create_cluster(name="demo")
    lab.eks.create_access_entry(
        clusterName="demo", principalArn=lab.role_arn("eks-node"), type="EC2_LINUX"
    )
    lab.eks.launch_self_managed_nodes("demo", count=2)
    k = lab.kube("demo")
    k.apply(sample_deployment(2, cpu="100m", memory="64Mi"))
    lab.release_ami("eks")
    rows = [r for r in lab.patch_status() if r["mode"] == "eks-ec2"]
    assert len(rows) == 2 and all(r["outdated"] and "cordon" in r["who_acts"] for r in rows)
    group = "demo-self-managed"
    started = lab.start_instance_refresh(group)
    refresh = lab.describe_instance_refreshes(group)["InstanceRefreshes"][0]
    assert refresh["InstanceRefreshId"] == started["InstanceRefreshId"]
    assert refresh["Preferences"] == {"MinHealthyPercentage": 90}
    with pytest.raises(ResourceInUseError):
        lab.start_instance_refresh(group)
    lab.run(dt.timedelta(seconds=15))  # 2 instances at 90 %: one at a time
    assert (
        lab.describe_instance_refreshes(group)["InstanceRefreshes"][0]["PercentageComplete"] == 50
    )
    lab.run(dt.timedelta(seconds=15))
    refresh = lab.describe_instance_refreshes(group)["InstanceRefreshes"][0]
    assert refresh["Status"] == "Successful" and refresh["InstancesToUpdate"] == 0
    assert all(not r["outdated"] for r in lab.patch_status())
    assert len(running(k)) == 2
    assert any("not drained" in m for m in messages(lab))
    with pytest.raises(NotFoundError, match="not one the lab"):
        lab.start_instance_refresh("nope")


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.one_of(st.integers(max_value=-1), st.integers(min_value=101), st.booleans()))
def test_instance_refresh_refuses_a_bad_percentage_before_changing_anything(lab, value):
    if "demo-self-managed" not in lab.eks_sim._groups:
        lab.eks.create_cluster(name="demo")
        lab.eks.launch_self_managed_nodes("demo", count=1)
    with pytest.raises(InvalidParameterError, match="MinHealthyPercentage"):
        lab.start_instance_refresh("demo-self-managed", value)
    assert lab.describe_instance_refreshes("demo-self-managed")["InstanceRefreshes"] == []


# -- Fargate: AWS patches -------------------------------------------------------------------------


def test_fargate_retirement_notice_then_services_replace_and_standalone_tasks_stop(lab):
    lab.ecs.create_cluster(clusterName="fg")
    register_fargate(lab)
    lab.ecs.create_service(
        cluster="fg", serviceName="web", taskDefinition="fg", desiredCount=2, launchType="FARGATE"
    )
    lab.ecs.run_task(cluster="fg", taskDefinition="fg", launchType="FARGATE")
    now = lab.now()
    notice = lab.release_fargate_platform()
    assert notice["tasks"] == 3 and notice["retire_at"] - now == dt.timedelta(days=7)
    assert any("2026-12-07" in m for m in messages(lab))
    lab.release_fargate_platform(wait_days=0)
    before = {t["task"] for t in lab.ecs.tasks_table("fg")}
    lab.run(dt.timedelta(seconds=15))
    after = lab.ecs.tasks_table("fg")
    assert {t["group"] for t in after} == {"service:web"} and len(after) == 2
    assert not before & {t["task"] for t in after}
    stopped = lab.ecs.list_tasks(cluster="fg", desiredStatus="STOPPED")["taskArns"]
    codes = {t["stopCode"] for t in lab.ecs.describe_tasks(cluster="fg", tasks=stopped)["tasks"]}
    assert codes == {FACTS["patching"]["fargate_task_retirement"]["stop_code"]}
    with pytest.raises(InvalidParameterError, match="0, 7, 14"):
        lab.release_fargate_platform(wait_days=3)


def test_eks_fargate_pods_are_evicted_respecting_budgets(lab):
    lab.eks.create_cluster(name="demo")
    lab.eks.create_fargate_profile(
        clusterName="demo", fargateProfileName="fp", selectors=[{"namespace": "default"}]
    )
    k = lab.kube("demo")
    k.apply(sample_deployment(2, cpu="250m", memory="512Mi"))
    k.apply(pdb(minAvailable=2))
    rows = [r for r in lab.patch_status() if r["mode"] == "eks-fargate"]
    assert len(rows) == 2 and all(r["who_acts"].startswith("AWS") for r in rows)
    lab.release_fargate_platform(wait_days=0)
    old = {p["metadata"]["name"] for p in running(k)}
    lab.run(dt.timedelta(seconds=30))
    assert {p["metadata"]["name"] for p in running(k)} == old  # the budget blocks
    assert sum("eviction failed" in m for m in messages(lab)) == 2  # said once per pod
    k.apply(pdb(maxUnavailable=1))
    lab.run(dt.timedelta(seconds=15))
    assert len(running(k)) == 2 and not old & {p["metadata"]["name"] for p in running(k)}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.one_of(st.integers(), text(max_size=8), st.none(), st.floats(allow_nan=False), st.booleans())
)
def test_patch_entry_points_refuse_bad_input_with_lab_errors(lab, value):
    for call in (
        lambda: lab.release_ami(value),
        lambda: lab.start_instance_refresh(value),
        lambda: lab.release_fargate_platform(wait_days=value if value is not None else 3),
    ):
        try:
            call()
        except LabError as exc:
            assert exc.hint
        else:
            assert value in ("ecs", "eks", 0, 7, 14)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.sampled_from(["clusterName", "nodegroupName", "force", "updateId", "name", "cuont"]),
        st.one_of(st.sampled_from(["demo", "ng", "nope"]), st.integers(), st.none(), st.booleans()),
        max_size=4,
    )
)
def test_nodegroup_update_calls_raise_only_lab_errors_and_refusals_change_nothing(lab, params):
    if lab.day2.eks is None or "demo" not in lab.eks_sim._clusters:
        managed(lab)
    before = (len(lab.day2.patching.updates), sorted(lab.eks_sim.joined("demo")))
    for call in (lab.eks.update_nodegroup_version, lab.eks.describe_update):
        try:
            call(**params)
        except LabError as exc:
            assert exc.hint
            assert (len(lab.day2.patching.updates), sorted(lab.eks_sim.joined("demo"))) == before
        else:
            before = (len(lab.day2.patching.updates), sorted(lab.eks_sim.joined("demo")))


@settings(max_examples=6, deadline=None)
@given(
    nodes=st.integers(1, 4),
    max_unavailable=st.integers(1, 3),
    replicas=st.integers(1, 6),
    keep=st.integers(0, 6),
)
def test_a_nodegroup_update_never_goes_below_the_budget_and_ends(
    nodes, max_unavailable, replicas, keep
):
    from awscontainers import Lab

    keep = min(keep, replicas - 1)  # a budget that lets at least one pod go
    with Lab() as lab:
        lab.eks.create_cluster(name="demo")
        lab.eks.create_nodegroup(
            clusterName="demo",
            nodegroupName="ng",
            scalingConfig={"minSize": 1, "maxSize": nodes, "desiredSize": nodes},
            updateConfig={"maxUnavailable": max_unavailable},
        )
        k = lab.kube("demo")
        k.apply(sample_deployment(replicas, cpu="100m", memory="64Mi"))
        k.apply(pdb(minAvailable=keep))
        lab.release_ami("eks")
        update = lab.eks.update_nodegroup_version(clusterName="demo", nodegroupName="ng")
        ticks = 0
        while status_of(lab, update["update"]["id"])["status"] == "InProgress":
            lab.run(dt.timedelta(seconds=15))
            ticks += 1
            assert len(running(k)) >= keep
            assert ticks <= nodes  # at least one old node goes per tick
        assert status_of(lab, update["update"]["id"])["status"] == "Successful"
        assert len(lab.eks_sim.joined("demo")) == nodes and len(running(k)) == replicas
        assert all(not r["outdated"] for r in lab.patch_status())


def ecs_group(lab, size=2, protect=False):
    lab.ecs.create_cluster(clusterName="web")
    group = lab.ecs.create_instance_group(
        "web", min_size=0, max_size=size + 1, protect_from_scale_in=protect
    )
    lab.ecs.create_capacity_provider(
        name="web-cp",
        autoScalingGroupProvider={
            "autoScalingGroupArn": group["AutoScalingGroupARN"],
            "managedScaling": {"status": "ENABLED"},
            "managedTerminationProtection": "ENABLED" if protect else "DISABLED",
        },
    )
    lab.ecs.put_cluster_capacity_providers(
        cluster="web",
        capacityProviders=["web-cp"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "web-cp", "weight": 1}],
    )
    register(lab, "app", cpu=512, memory=512)
    lab.client("autoscaling").set_desired_capacity(
        AutoScalingGroupName=group["AutoScalingGroupName"], DesiredCapacity=size
    )
    lab.run(dt.timedelta(minutes=3))  # the instances boot and join
    lab.ecs.create_service(cluster="web", serviceName="svc", taskDefinition="app", desiredCount=2)
    return group["AutoScalingGroupName"]


def test_instance_refresh_of_an_ecs_group_replaces_instances_onto_the_new_ami(lab):
    group = ecs_group(lab)
    assert len(lab.ecs.container_instances("web")) == 2
    release = lab.release_ami("ecs")
    assert all(r["outdated"] for r in lab.patch_status() if r["mode"] == "ecs-ec2")
    lab.start_instance_refresh(group, min_healthy_percentage=50)
    lab.run(dt.timedelta(minutes=5))
    refresh = lab.describe_instance_refreshes(group)["InstanceRefreshes"][0]
    assert refresh["Status"] == "Successful"
    rows = [r for r in lab.patch_status() if r["mode"] == "ecs-ec2"]
    assert len(rows) == 2 and {r["ami"] for r in rows} == {release["ImageId"]}
    assert len(lab.ecs.tasks_table("web")) == 2  # the service ran its tasks again
    assert any("not drained" in m for m in messages(lab, who="AWS"))
    lab.teardown()  # the group's new launch template goes with it
    assert lab.client("ec2").describe_launch_templates()["LaunchTemplates"] == []


def test_instance_refresh_waits_for_instances_protected_from_scale_in(lab):
    group = ecs_group(lab, protect=True)
    lab.run(dt.timedelta(minutes=2))  # ECS protects the instances that run tasks
    found = lab.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[group])
    assert all(i["ProtectedFromScaleIn"] for i in found["AutoScalingGroups"][0]["Instances"])
    lab.release_ami("ecs")
    lab.start_instance_refresh(group)
    lab.run(dt.timedelta(minutes=2))
    refresh = lab.describe_instance_refreshes(group)["InstanceRefreshes"][0]
    assert refresh["Status"] == "InProgress"
    assert sum("protected from scale in" in m for m in messages(lab)) == 1
