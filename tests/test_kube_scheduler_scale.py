"""The scheduler's decisions do not depend on how fast it finds them.

Two checks on the same replayable scenarios (nodes of a few types, labels and taints,
Deployments of mixed shapes, nodeSelectors, tolerations, GPUs, bare and pinned pods,
DaemonSets, scale up and down, pods deleted and re-created, nodes removed, cordoned,
drained, and ``explain`` in between):

* ``test_golden_bindings``: the scenarios in ``data/kube_bindings.json`` were recorded with
  the scheduler as it was *before* it indexed nodes by state; replaying them gives the same
  pod -> node bindings, messages and events.
* ``test_fast_path_matches_a_reference``: hypothesis builds scenarios and runs each on the
  cluster's own scheduler and on :class:`ReferenceScheduler`, a few lines that run every
  filter plugin on every node and take the best least-allocated score, first name on ties.

Regenerate the golden file (only when a decision is *meant* to change) with
``python -m tests.test_kube_scheduler_scale``.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awscontainers.sim.kube import Cluster
from awscontainers.sim.kube.disruption import cordon, drain, uncordon
from awscontainers.sim.kube.objects import NodeInfo, PodInfo
from awscontainers.sim.kube.plugins import FILTERS
from awscontainers.sim.kube.scheduler import Scheduler, _Eligible, failure_message
from awscontainers.sim.kube.template_nodes import template_node

GI = 2**30
GOLDEN = Path(__file__).parent / "data" / "kube_bindings.json"

# (allocatable millicores, memory bytes, max pods, GPUs)
NODE_TYPES = [(1930, 7 * GI, 29, 0), (3920, 15 * GI, 58, 0), (940, 3 * GI, 11, 0),
              (3920, 15 * GI, 29, 1)]  # fmt: skip
TAINTS: list[list[dict]] = [
    [],
    [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}],
    [{"key": "spot", "value": "true", "effect": "PreferNoSchedule"}],
    [{"key": "batch", "value": "only", "effect": "NoExecute"}],
]
ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"]


def _container(cpu: str | None, mem: str | None, gpu: int = 0) -> dict:
    requests = {k: v for k, v in (("cpu", cpu), ("memory", mem)) if v is not None}
    resources: dict[str, Any] = {"requests": requests}
    if gpu:
        resources["limits"] = {"nvidia.com/gpu": gpu}
    return {"name": "app", "image": "nginx", "resources": resources}


# Pod template specs: requests (or none), selectors, tolerations, GPUs, init containers.
SHAPES: list[dict] = [
    {"containers": [_container("250m", "256Mi")]},
    {"containers": [_container("500m", "1Gi")]},
    {"containers": [_container(None, None)]},
    {"containers": [_container("100m", None)]},
    {"containers": [_container("1", "2Gi")], "nodeSelector": {"disk": "ssd"}},
    {"containers": [_container("250m", "512Mi")],
     "nodeSelector": {"topology.kubernetes.io/zone": "us-east-1b"}},
    {"containers": [_container("200m", "256Mi")],
     "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "gpu",
                      "effect": "NoSchedule"}]},
    {"containers": [_container("100m", "128Mi")], "tolerations": [{"operator": "Exists"}]},
    {"containers": [_container("500m", "1Gi", gpu=1)],
     "tolerations": [{"key": "dedicated", "operator": "Exists"}]},
    {"containers": [_container("100m", "64Mi")],
     "initContainers": [{"name": "init", "image": "busybox",
                         "resources": {"requests": {"cpu": "1500m", "memory": "3Gi"}}}]},
    {"containers": [_container("3", "12Gi")]},
    {"containers": [_container("50m", "64Mi")], "metadata_labels": {"fargate": "yes"}},
]  # fmt: skip


def fargate_matcher(pod: dict) -> str | None:
    """Pods labelled ``fargate: yes`` match a Fargate profile."""
    return "fp" if pod["metadata"]["labels"].get("fargate") == "yes" else None


def _template(shape: int) -> tuple[dict, dict]:
    spec = dict(SHAPES[shape])
    extra = spec.pop("metadata_labels", {})
    return spec, extra


def _workload(kind: str, name: str, shape: int, replicas: int | None = None) -> dict:
    spec, extra = _template(shape)
    doc: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name, **extra}}, "spec": spec},
        },
    }
    if replicas is not None:
        doc["spec"]["replicas"] = replicas
    return doc


def _pick(items: list, index: int) -> Any:
    return items[index % len(items)] if items else None


def run_op(c: Cluster, op: list) -> None:
    """Apply one scenario step (plain JSON data, so scenarios can be stored)."""
    kind = op[0]
    nodes = sorted(n.name for n in c._ec2_nodes)
    if kind == "node":
        _, name, typ, zone, taints, ssd = op
        cpu, mem, pods, gpus = NODE_TYPES[typ]
        labels = {"topology.kubernetes.io/zone": ZONES[zone]}
        if ssd:
            labels["disk"] = "ssd"
        if name not in c._nodes:
            c.add_node(name, cpu_millis=cpu, memory_bytes=mem, max_pods=pods, labels=labels,
                       taints=TAINTS[taints], gpus=gpus)  # fmt: skip
    elif kind == "deploy":
        _, name, shape, replicas = op
        c.apply(_workload("Deployment", name, shape, replicas))
    elif kind == "scale":
        _, name, replicas = op
        if ("Deployment", "default", name) in c._objects:
            c.scale(name, replicas)
    elif kind == "delete_deploy":
        if ("Deployment", "default", op[1]) in c._objects:
            c.delete("Deployment", op[1])
    elif kind == "daemonset":
        _, name, shape = op
        c.apply(_workload("DaemonSet", name, shape))
    elif kind == "pod":
        _, name, shape, pin = op
        spec, extra = _template(shape)
        spec = dict(spec)
        if pin is not None and nodes:
            spec["nodeName"] = _pick(nodes, pin)
        if ("default", name) not in c._pods:
            c.apply({"apiVersion": "v1", "kind": "Pod",
                     "metadata": {"name": name, "labels": extra}, "spec": spec})  # fmt: skip
    elif kind == "delete_pods":
        # Delete every k-th pod (controllers re-create theirs, the scheduler places them).
        _, step, offset = op
        for ns, name in sorted(c._pods)[offset::step]:
            if (ns, name) in c._pods:
                c.delete("Pod", name, ns)
    elif kind == "remove_node" and nodes:
        c.remove_node(_pick(nodes, op[1]))
    elif kind == "cordon" and nodes:
        cordon(c, _pick(nodes, op[1]))
    elif kind == "uncordon" and nodes:
        uncordon(c, _pick(nodes, op[1]))
    elif kind == "drain" and nodes:
        drain(c, _pick(nodes, op[1]), force=True)
    elif kind == "explain" and c._pods:
        c.explain(_pick(sorted(c._pods), op[1])[1])


def outcome(c: Cluster) -> dict:
    """Where every pod is (or why it waits), and a digest of every event in order."""
    pods = {}
    for p in c.get("Pod")["items"]:
        meta, status = p["metadata"], p["status"]
        message = (status.get("conditions") or [{}])[0].get("message")
        pods[f"{meta['namespace']}/{meta['name']}"] = [p["spec"].get("nodeName"), message]
    events = json.dumps(c.events(), sort_keys=True).encode()
    return {"pods": pods, "events": hashlib.sha256(events).hexdigest()}


def replay(ops: list[list], scheduler: type[Scheduler] | None = None) -> Cluster:
    c = Cluster(fargate_matcher=fargate_matcher)
    if scheduler is not None:
        c._scheduler = scheduler(c)
    for op in ops:
        run_op(c, op)
    return c


class ReferenceScheduler(Scheduler):
    """kube-scheduler's loop, written plainly: every filter plugin on every node in name
    order; the best NodeResourcesLeastAllocated score wins, the first name on ties."""

    def schedule_one(self, pod: PodInfo, failed_cache: dict[tuple, str]) -> bool:
        cluster, shape = self.cluster, pod.shape
        best: NodeInfo | None = None
        best_score = None
        for node in sorted(cluster._nodes.values(), key=lambda n: n.name):
            if any(plugin.filter(pod, node) for plugin in FILTERS.values()):
                continue
            score = (node.score_cpu_free - shape.score_cpu) * node.inv_cpu + (
                node.score_mem_free - shape.score_mem
            ) * node.inv_mem
            if best_score is None or score > best_score:
                best, best_score = node, score
        if best is None:
            # Pods alike fail alike until something binds (the cluster then clears the cache).
            key = ("reference", shape.sig, shape.cpu, shape.mem, shape.gpu, pod.pinned)
            if key not in failed_cache:
                nodes = sorted(cluster._nodes.values(), key=lambda n: n.name)
                failed_cache[key] = failure_message([self._verdicts(pod, n, False) for n in nodes])
            cluster._unschedulable(pod, failed_cache[key])
            return False
        cluster._bind(pod, best, "default-scheduler")
        return True


# ------------------------------------------------------------------ scenarios


def random_scenario(seed: int, nodes: int, steps: int) -> list[list]:
    """A seeded mix of every kind of step (the golden file stores the steps themselves)."""
    rng = random.Random(seed)
    ops: list[list] = []
    for i in range(nodes):
        ops.append(["node", f"node-{i:03d}", rng.choice([0, 0, 1, 1, 2, 3]), rng.randrange(3),
                    rng.choice([0, 0, 0, 1, 2, 3]), rng.random() < 0.3])  # fmt: skip
    names = [f"app{i}" for i in range(6)]
    for step in range(steps):
        r = rng.random()
        if r < 0.30:
            ops.append(["deploy", rng.choice(names), rng.randrange(len(SHAPES)),
                        rng.randrange(1, nodes * 3)])  # fmt: skip
        elif r < 0.42:
            ops.append(["scale", rng.choice(names), rng.randrange(0, nodes * 4)])
        elif r < 0.48:
            ops.append(["pod", f"bare{step}", rng.randrange(len(SHAPES)),
                        rng.choice([None, None, rng.randrange(nodes)])])  # fmt: skip
        elif r < 0.56:
            ops.append(["delete_pods", rng.randrange(2, 6), rng.randrange(3)])
        elif r < 0.60:
            ops.append(["daemonset", f"ds{rng.randrange(2)}", rng.randrange(len(SHAPES) - 1)])
        elif r < 0.66:
            ops.append(["node", f"late-{step}", rng.randrange(len(NODE_TYPES)), rng.randrange(3),
                        rng.choice([0, 0, 1, 2]), rng.random() < 0.3])  # fmt: skip
        elif r < 0.71:
            ops.append(["remove_node", rng.randrange(nodes)])
        elif r < 0.78:
            ops.append(["cordon", rng.randrange(nodes)])
        elif r < 0.84:
            ops.append(["uncordon", rng.randrange(nodes)])
        elif r < 0.88:
            ops.append(["drain", rng.randrange(nodes)])
        elif r < 0.93:
            ops.append(["delete_deploy", rng.choice(names)])
        else:
            ops.append(["explain", rng.randrange(1000)])
    return ops


def golden_scenarios() -> dict[str, list[list]]:
    uniform = [["node", f"node-{i:03d}", 1, i % 3, 0, False] for i in range(60)]
    uniform.append(["deploy", "web", 0, 500])
    uniform.append(["delete_pods", 7, 1])
    uniform.append(["scale", "web", 300])
    uniform.append(["deploy", "api", 1, 200])
    uniform.append(["cordon", 5])
    uniform.append(["scale", "web", 600])
    scenarios = {"uniform-60-nodes": uniform}
    for seed in range(8):
        scenarios[f"mixed-{seed}"] = random_scenario(seed, nodes=6 + seed * 3, steps=40)
    scenarios["mixed-large"] = random_scenario(99, nodes=80, steps=60)
    return scenarios


def test_golden_bindings():
    recorded = json.loads(GOLDEN.read_text())
    assert set(recorded) == set(golden_scenarios())
    for name, case in recorded.items():
        got = outcome(replay(case["ops"]))
        assert got["pods"] == case["outcome"]["pods"], name
        assert got["events"] == case["outcome"]["events"], name


step_st = st.one_of(
    st.tuples(st.just("deploy"), st.sampled_from(["a", "b", "c"]),
              st.integers(0, len(SHAPES) - 1), st.integers(0, 25)),
    st.tuples(st.just("scale"), st.sampled_from(["a", "b", "c"]), st.integers(0, 30)),
    st.tuples(st.just("pod"), st.sampled_from(["p1", "p2", "p3"]),
              st.integers(0, len(SHAPES) - 1), st.one_of(st.none(), st.integers(0, 9))),
    st.tuples(st.just("delete_pods"), st.integers(2, 5), st.integers(0, 2)),
    st.tuples(st.just("daemonset"), st.sampled_from(["d1", "d2"]),
              st.integers(0, len(SHAPES) - 2)),
    st.tuples(st.just("node"), st.sampled_from([f"x-{i}" for i in range(6)]),
              st.integers(0, len(NODE_TYPES) - 1), st.integers(0, 2),
              st.integers(0, len(TAINTS) - 1), st.booleans()),
    st.tuples(st.sampled_from(["remove_node", "cordon", "uncordon", "drain", "explain"]),
              st.integers(0, 20)),
    st.tuples(st.just("delete_deploy"), st.sampled_from(["a", "b", "c"])),
)  # fmt: skip
first_nodes_st = st.lists(
    st.tuples(st.integers(0, len(NODE_TYPES) - 1), st.integers(0, 2),
              st.sampled_from([0, 0, 1, 2, 3]), st.booleans()),
    min_size=1, max_size=10,
)  # fmt: skip


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first_nodes=first_nodes_st, steps=st.lists(step_st, min_size=1, max_size=20))
def test_fast_path_matches_a_reference(first_nodes, steps):
    ops = [["node", f"n-{i:02d}", *node] for i, node in enumerate(first_nodes)]
    ops += [list(step) for step in steps]
    fast, reference = replay(ops), replay(ops, ReferenceScheduler)
    assert fast.get("Pod") == reference.get("Pod")
    assert fast.events() == reference.events()


def test_reference_replays_the_golden_scenarios():
    # The reference agrees with the recorded (pre-index) decisions too.
    recorded = json.loads(GOLDEN.read_text())
    for name in ("uniform-60-nodes", "mixed-1", "mixed-3", "mixed-4"):
        got = outcome(replay(recorded[name]["ops"], ReferenceScheduler))
        assert got == recorded[name]["outcome"], name


def _record() -> None:
    GOLDEN.parent.mkdir(exist_ok=True)
    data = {name: {"ops": ops, "outcome": outcome(replay(ops))}
            for name, ops in golden_scenarios().items()}  # fmt: skip
    GOLDEN.write_text(json.dumps(data, indent=None, sort_keys=True) + "\n")


if __name__ == "__main__":
    _record()


@settings(max_examples=60, deadline=None)
@given(
    start=st.lists(st.integers(0, 3), min_size=1, max_size=30),
    moves=st.lists(st.tuples(st.integers(0, 29), st.integers(0, 3)), max_size=400),
)
def test_nodes_by_state_always_know_the_first_node_of_each_state(start, moves):
    # The index the fast path reads: for every state, the first node (by position) in it,
    # and how many nodes are in it, whatever order nodes move in (many moves among few
    # states also exercise dropping the positions nodes left behind).
    nodes = [
        template_node(f"n{i:02d}", labels={}, cpu=1000, mem=GI, pods=10) for i in range(len(start))
    ]
    for node, slots in zip(nodes, start, strict=True):
        node.pods_free = slots
    index = _Eligible(nodes, Counter())
    for which, slots in moves:
        node = nodes[which % len(nodes)]
        node.pods_free = slots
        index.move(node)
        members: dict[int, list[int]] = {}
        for i, n in enumerate(nodes):
            members.setdefault(n.pods_free, []).append(i)
        assert {state[2]: heap[0] for state, heap in index.states.items()} == {
            slots: at[0] for slots, at in members.items()
        }
        assert {state[2]: n for state, n in index.count.items()} == {
            slots: len(at) for slots, at in members.items()
        }


@pytest.mark.parametrize("enabled", [True, False])
def test_apply_leaves_the_cycle_collector_as_it_found_it(enabled):
    """Bulk applies pause Python's cycle collector; after a good or a refused apply it is
    back as it was."""
    import gc

    from awscontainers.errors import LabError
    from awscontainers.manifests import sample_deployment
    from awscontainers.sim.kube import Cluster

    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        cluster = Cluster()
        cluster.apply(sample_deployment(3, cpu="100m", memory="64Mi"))
        assert gc.isenabled() is enabled
        with pytest.raises(LabError):
            cluster.apply(
                {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}, "spec": {}}
            )
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
