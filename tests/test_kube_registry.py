"""The Kubernetes core's seams: the kind registry, the scheduler's named plugins, explain,
and a property test that the plugins place pods exactly where a plain reference check says
they can go."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awscontainers.errors import InvalidParameterError, NotFoundError
from awscontainers.fargate import parse_quantity_memory
from awscontainers.sim.kube import (
    FILTERS,
    KINDS,
    SCORES,
    Cluster,
    FilterPlugin,
    Kind,
    SchedulerProfile,
    failure_message,
    millicores,
    register_filter,
    register_kind,
    unregister_kind,
)

from .test_kube import GI, pod


def three_ways_to_fail() -> Cluster:
    """A tainted node, a node without the wanted label, a node too small."""
    c = Cluster()
    taint = [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]
    ssd = {"disk": "ssd"}
    c.add_node("a-tainted", cpu_millis=4000, memory_bytes=8 * GI, max_pods=10, labels=ssd,
               taints=taint)  # fmt: skip
    c.add_node("b-hdd", cpu_millis=4000, memory_bytes=8 * GI, max_pods=10, labels={"disk": "hdd"})
    c.add_node("c-small", cpu_millis=500, memory_bytes=8 * GI, max_pods=10, labels={"disk": "ssd"})
    return c


# --------------------------------------------------------------------------- registries


def test_the_plugin_registry_has_kube_schedulers_plugins():
    assert list(FILTERS) == [
        "FargateProfile",
        "NodeName",
        "TaintToleration",
        "NodeAffinity",
        "NodeResourcesFit",
    ]
    assert {"NodeResourcesLeastAllocated", "NodeResourcesMostAllocated"} <= set(SCORES)
    assert all(p.summary for p in [*FILTERS.values(), *SCORES.values()])


def test_every_kind_is_registered_once_with_its_spellings():
    assert list(KINDS) == [
        "Namespace",
        "Node",
        "Pod",
        "Deployment",
        "DaemonSet",
        "ConfigMap",
        "PersistentVolume",
        "PersistentVolumeClaim",
        "HorizontalPodAutoscaler",
        "PodMetrics",
        "NodePool",
        "EC2NodeClass",
        "PodDisruptionBudget",
    ]
    c = Cluster()
    for spelling, kind in [
        ("ns", "Namespace"), ("namespaces", "Namespace"), ("no", "Node"), ("nodes", "Node"),
        ("po", "Pod"), ("pods", "Pod"), ("deploy", "Deployment"),
        ("deployments", "Deployment"), ("ds", "DaemonSet"), ("daemonsets", "DaemonSet"),
        ("cm", "ConfigMap"), ("configmaps", "ConfigMap"), ("ConfigMap", "ConfigMap"),
    ]:  # fmt: skip
        assert c.get(spelling)["kind"] == f"{kind}List"
    assert KINDS["Deployment"].controller is not None and KINDS["ConfigMap"].controller is None
    assert not KINDS["Node"].namespaced and KINDS["Pod"].namespaced
    with pytest.raises(InvalidParameterError, match='resource type "svc"'):
        c.get("svc")


@pytest.fixture
def crontab_kind():
    """A new kind with a controller, registered in one place (and taken out afterwards)."""
    seen: list[tuple] = []

    def check(cluster, doc, where):
        if not isinstance((doc.get("spec") or {}).get("schedule"), str):
            raise InvalidParameterError(f"{where}: spec.schedule: Required value.")

    def apply(cluster, doc, ns, prepared):
        cluster._objects[("CronTab", ns, doc["metadata"]["name"])] = dict(doc)
        cluster._dirty[("CronTab", ns, doc["metadata"]["name"])] = None

    def items(cluster, ns):
        return [o for k, o in sorted(cluster._objects.items()) if k[0] == "CronTab"]

    def read(cluster, ns, name):
        return cluster._objects[("CronTab", ns or "default", name)]

    def delete(cluster, ns, name):
        del cluster._objects[("CronTab", ns, name)]

    kind = register_kind(
        Kind(
            name="CronTab",
            api_version="stable.example.com/v1",
            plural="crontabs.stable.example.com",
            aliases=("ct",),
            read=read,
            items=items,
            delete=delete,
            check=check,
            namespace_of=lambda cluster, doc: cluster._namespace_of(doc),
            apply=apply,
            controller=lambda cluster, key: seen.append(key),
            watches_nodes=True,
        )
    )
    yield kind, seen
    unregister_kind("CronTab")


def test_a_new_kind_with_a_controller_is_registered_in_one_place(crontab_kind):
    _, seen = crontab_kind
    c = Cluster()
    doc = {
        "apiVersion": "stable.example.com/v1",
        "kind": "CronTab",
        "metadata": {"name": "nightly"},
        "spec": {"schedule": "0 3 * * *"},
    }
    [stored] = c.apply(doc)
    assert stored["spec"]["schedule"] == "0 3 * * *"
    assert seen == [("CronTab", "default", "nightly")]  # its controller ran
    c.add_node("n", cpu_millis=1000, memory_bytes=GI, max_pods=4, labels={})
    assert len(seen) == 2  # it watches nodes
    assert c.get("ct")["kind"] == "CronTabList"
    with pytest.raises(InvalidParameterError, match="spec.schedule"):
        c.apply({**doc, "spec": {}})
    c.delete("crontabs", "nightly")
    assert c.get("CronTab")["items"] == []


def test_an_unregistered_kind_is_refused_again(crontab_kind):
    unregister_kind("CronTab")
    with pytest.raises(InvalidParameterError, match='no matches for kind "CronTab"'):
        Cluster().apply({"apiVersion": "stable.example.com/v1", "kind": "CronTab",
                         "metadata": {"name": "x"}})  # fmt: skip


def test_config_maps_are_an_ordinary_kind_with_watchers():
    c = Cluster()
    seen = []
    c.on_change("ConfigMap", "kube-system", "aws-auth", seen.append)
    doc = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "aws-auth", "namespace": "kube-system"},
        "data": {"mapRoles": "[]"},
    }
    counter = c._counter
    assert c.apply(doc) == [doc]
    assert c._counter == counter  # a ConfigMap takes no uid, so other names do not move
    assert seen == [doc]
    assert c.get("cm", name="aws-auth") == doc  # without a namespace: found in any
    assert c.get("ConfigMap", "kube-system")["items"] == [doc]
    with pytest.raises(NotFoundError, match='configmaps "nope" not found'):
        c.get("ConfigMap", "default", "nope")
    c.delete("cm", "aws-auth", "kube-system")
    assert seen == [doc, None]
    c.delete("cm", "aws-auth", "kube-system")  # not there: quietly nothing, as before
    with pytest.raises(InvalidParameterError, match="metadata.name: Required value"):
        c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}})


def test_a_watcher_that_raises_refuses_the_change():
    c = Cluster()

    def refuse(obj):
        raise InvalidParameterError("no")

    c.on_change("ConfigMap", "default", "locked", refuse)
    with pytest.raises(InvalidParameterError):
        c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "locked"}})
    assert c.get("ConfigMap")["items"] == []


# --------------------------------------------------------------------------- explain


def test_explain_gives_every_node_each_plugins_verdict():
    c = three_ways_to_fail()
    c.apply(pod("web", cpu="1", nodeSelector={"disk": "ssd"}))
    why = c.explain("web")
    message = "0/3 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node " \
        "affinity/selector, 1 node(s) had untolerated taint {dedicated: gpu}."  # fmt: skip
    assert c.get("Pod", "default", "web")["status"]["conditions"][0]["message"] == message
    assert why.message == message
    assert why.summary == f"Pending: {message}"
    assert why.phase == "Pending" and why.node is None
    assert why.filters == tuple(FILTERS)
    assert [row.node for row in why.nodes] == ["a-tainted", "b-hdd", "c-small"]
    rows = {row.node: row for row in why.nodes}
    assert rows["a-tainted"].verdicts == {
        "FargateProfile": (),
        "NodeName": None,
        "TaintToleration": ("node(s) had untolerated taint {dedicated: gpu}",),
        "NodeAffinity": (),
        "NodeResourcesFit": (),
    }
    assert rows["a-tainted"].first_failure == "TaintToleration"
    assert rows["b-hdd"].verdicts["NodeAffinity"] == (
        "node(s) didn't match Pod's node affinity/selector",
    )
    assert rows["c-small"].verdicts["NodeResourcesFit"] == ("Insufficient cpu",)
    assert all(not row.feasible and row.score is None for row in why.nodes)
    assert failure_message(why.nodes) == message


def test_explain_a_bound_pod_scores_the_nodes_that_fit():
    c = Cluster()
    c.add_node("big", cpu_millis=4000, memory_bytes=8 * GI, max_pods=10, labels={})
    c.add_node("small", cpu_millis=1000, memory_bytes=8 * GI, max_pods=10, labels={})
    c.apply(pod("web", cpu="500m", memory="1Gi"))
    why = c.explain(c.get("Pod", "default", "web"))  # a pod object works too
    assert why.node == "big" and why.message is None
    assert why.summary.startswith("Bound to big by default-scheduler; 2/2 nodes pass")
    big, small = why.nodes
    assert big.feasible and small.feasible
    assert big.score > small.score  # least allocated: more left free on the big node
    assert big.score == pytest.approx(50 * (3500 / 4000 + 7 / 8))


def test_explain_fargate_and_pinned_pods():
    c = Cluster(fargate_matcher=lambda p: "fp" if p["metadata"]["name"] == "f" else None)
    c.add_node("ec2", cpu_millis=1000, memory_bytes=GI, max_pods=4, labels={})
    c.apply(pod("f"))
    fargate_node = c.get("Pod", "default", "f")["spec"]["nodeName"]
    why = c.explain("f")
    assert why.scheduler == "fargate-scheduler" and why.node == fargate_node
    assert "Fargate profile fp" in why.summary
    rows = {row.node: row for row in why.nodes}
    assert rows[fargate_node].feasible
    assert (
        "fargate-scheduler gives it a node of its own" in rows["ec2"].verdicts["FargateProfile"][0]
    )
    c.apply(pod("pinned", cpu="2", nodeName="ec2"))
    why = c.explain("pinned")
    assert why.message == c.get("Pod", "default", "pinned")["status"]["conditions"][0]["message"]
    rows = {row.node: row for row in why.nodes}
    assert rows["ec2"].verdicts["TaintToleration"] is None  # a pod naming its node skips it
    assert rows["ec2"].verdicts["NodeResourcesFit"] == ("Insufficient cpu",)


def test_explain_an_unknown_pod():
    with pytest.raises(NotFoundError, match='pods "ghost" not found') as info:
        Cluster().explain("ghost")
    assert "get(" in info.value.hint


# --------------------------------------------------------------------------- profiles


class ZoneA(FilterPlugin):
    name = "ZoneA"
    summary = "only nodes in zone a"

    def filter(self, pod, node):
        return () if node.labels.get("zone") == "a" else ("node(s) not in zone a",)


@pytest.fixture
def zone_plugin():
    plugin = register_filter(ZoneA(), before="NodeResourcesFit")
    yield plugin
    FILTERS.pop("ZoneA")


def test_a_registered_filter_runs_in_every_cluster_made_after(zone_plugin):
    def make(**kw) -> Cluster:
        c = Cluster(**kw)
        c.add_node("n-a", cpu_millis=1000, memory_bytes=GI, max_pods=1, labels={"zone": "a"})
        c.add_node("n-b", cpu_millis=4000, memory_bytes=GI, max_pods=8, labels={"zone": "b"})
        c.apply(pod("one"))
        c.apply(pod("two"))
        return c

    c = make()
    assert c.get("Pod", "default", "one")["spec"]["nodeName"] == "n-a"
    assert c.get("Pod", "default", "two")["status"]["conditions"][0]["message"] == (
        "0/2 nodes are available: 1 Too many pods, 1 node(s) not in zone a."
    )
    assert c.explain("two").filters == (
        "FargateProfile", "NodeName", "TaintToleration", "NodeAffinity", "ZoneA",
        "NodeResourcesFit",
    )  # fmt: skip
    # A profile that leaves it out does without it.
    without = SchedulerProfile(filters=tuple(n for n in FILTERS if n != "ZoneA"))
    c = make(profile=without)
    assert c.get("Pod", "default", "one")["spec"]["nodeName"] == "n-b"
    assert "ZoneA" not in c.explain("one").filters


def test_most_allocated_packs_pods():
    c = Cluster(profile=SchedulerProfile(score="NodeResourcesMostAllocated"))
    for name in ("n-0", "n-1", "n-2"):
        c.add_node(name, cpu_millis=2000, memory_bytes=4 * GI, max_pods=10, labels={})
    for i in range(3):
        c.apply(pod(f"p{i}", cpu="500m", memory="512Mi"))
    assert {c.get("Pod", "default", f"p{i}")["spec"]["nodeName"] for i in range(3)} == {"n-0"}


# --------------------------------------------------------------------------- property


def _reference_fits(node: dict, pods: list[dict], doc: dict) -> bool:
    """Can ``doc`` go on ``node``, read from plain objects with no scheduler code?"""
    spec = doc["spec"]
    labels = node["metadata"]["labels"]
    if labels.get("eks.amazonaws.com/compute-type") == "fargate":
        return False
    here = [
        p
        for p in pods  # a pending pod may name the node too: only running ones count
        if p["spec"].get("nodeName") == node["metadata"]["name"]
        and p["status"]["phase"] == "Running"
    ]
    alloc = node["status"]["allocatable"]

    def requests(p: dict) -> tuple[int, int]:
        r = p["spec"]["containers"][0]["resources"]["requests"]
        return millicores(r.get("cpu", 0)), parse_quantity_memory(r.get("memory", 0))

    cpu, mem = requests(doc)
    used_cpu = sum(requests(p)[0] for p in here)
    used_mem = sum(requests(p)[1] for p in here)
    room = (
        len(here) < int(alloc["pods"])
        and used_cpu + cpu <= millicores(alloc["cpu"])
        and used_mem + mem <= parse_quantity_memory(alloc["memory"])
    )
    if spec.get("nodeName"):
        return room and spec["nodeName"] == node["metadata"]["name"]
    for taint in node["spec"]["taints"]:
        if taint["effect"] == "PreferNoSchedule":
            continue
        if not any(
            (not t.get("effect") or t["effect"] == taint["effect"])
            and (
                (t.get("operator") == "Exists" and t.get("key", "") in ("", taint["key"]))
                or (t.get("key") == taint["key"] and t.get("value", "") == taint["value"])
            )
            for t in spec.get("tolerations") or []
        ):
            return False
    wanted = spec.get("nodeSelector") or {}
    return room and all(labels.get(k) == v for k, v in wanted.items())


_TAINTS = [[], [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}],
           [{"key": "spot", "value": "", "effect": "NoExecute"}],
           [{"key": "soft", "value": "x", "effect": "PreferNoSchedule"}]]  # fmt: skip
_TOLERATIONS = [None, [{"key": "dedicated", "operator": "Equal", "value": "gpu"}],
                [{"operator": "Exists"}], [{"key": "spot", "operator": "Exists"}]]  # fmt: skip

node_st = st.tuples(
    st.sampled_from([500, 1000, 2000]),
    st.sampled_from([GI, 2 * GI]),
    st.integers(1, 3),
    st.sampled_from(["a", "b"]),
    st.sampled_from(range(len(_TAINTS))),
    st.booleans(),  # a Fargate node
)
pod_st = st.tuples(
    st.sampled_from([None, "100m", "400m", "900m", "3"]),
    st.sampled_from([None, "256Mi", "900Mi", "3Gi"]),
    st.sampled_from([None, "a", "b"]),
    st.sampled_from(range(len(_TOLERATIONS))),
    st.sampled_from([None, 0, 1]),  # index of the node the pod names, if any
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nodes=st.lists(node_st, max_size=5), pods=st.lists(pod_st, min_size=1, max_size=12))
def test_plugins_place_pods_where_a_reference_check_allows(nodes, pods):
    fast, slow = Cluster(), Cluster(profile=SchedulerProfile(fast=False))
    for c in (fast, slow):
        for i, (cpu, mem, slots, zone, taints, fargate) in enumerate(nodes):
            c.add_node(f"n-{i}", cpu_millis=cpu, memory_bytes=mem, max_pods=slots,
                       labels={"zone": zone}, taints=_TAINTS[taints],
                       fargate=fargate and i > 0)  # fmt: skip
    for j, (cpu, mem, zone, tols, pinned) in enumerate(pods):
        spec: dict = {}
        if zone:
            spec["nodeSelector"] = {"zone": zone}
        if _TOLERATIONS[tols]:
            spec["tolerations"] = _TOLERATIONS[tols]
        if pinned is not None and pinned < len(nodes):
            spec["nodeName"] = f"n-{pinned}"
        doc = pod(f"p{j}", cpu=cpu, memory=mem, **spec)
        before_nodes = fast.get("Node")["items"]
        before_pods = fast.get("Pod")["items"]
        feasible = [n["metadata"]["name"] for n in before_nodes
                    if _reference_fits(n, before_pods, doc)]  # fmt: skip
        fast.apply(doc)
        slow.apply(doc)
        placed = fast.get("Pod", "default", f"p{j}")
        # The fast path and the plugins one by one agree on every decision and message.
        assert placed == slow.get("Pod", "default", f"p{j}")
        why = fast.explain(f"p{j}")
        if placed["status"]["phase"] == "Running":
            assert placed["spec"]["nodeName"] in feasible
            chosen = next(r for r in why.nodes if r.node == placed["spec"]["nodeName"])
            assert chosen.feasible
            # Least allocated: no feasible node scores higher; ties go to the first name.
            best = max(r.score for r in why.nodes if r.score is not None)
            assert chosen.score == best
            assert chosen.node == min(r.node for r in why.nodes if r.score == best)
        else:
            assert feasible == []
            assert all(not row.feasible for row in why.nodes)
            assert why.message == placed["status"]["conditions"][0]["message"]
    assert fast.events() == slow.events()
