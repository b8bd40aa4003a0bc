"""Idle ticks skipped: when every day-2 controller says it has nothing to do until a time
(``Controller.quiet``), the ticks before it are skipped. The lab must then be the same as
with every tick taken: same events, same nodes, same claims, same ledger."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from awscontainers import Lab, manifests
from awscontainers.sim.day2 import karpenter, simulation
from awscontainers.sim.kube.karpenter import sample_node_pool

from .test_day2_auto_mode import auto_cluster, auto_pool
from .test_day2_karpenter import cluster

AMD64 = [
    {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["on-demand"]},
    {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]},
]


def _karpenter(lab: Lab) -> None:
    """Karpenter nodes that launch, consolidate, then expire every 5 h."""
    pool = sample_node_pool(requirements=AMD64, expire_after="5h", consolidate_after="10m")
    k = cluster(lab, pool=pool)
    k.apply(manifests.sample_deployment(replicas=7, cpu="500m"))
    lab.advance(seconds=75)
    k.apply(manifests.sample_deployment(replicas=3, cpu="500m", name="more"))
    lab.advance(minutes=3, seconds=7)
    k.scale("web", 2)
    lab.advance(hours=7, seconds=4)
    k.scale("more", 0)
    lab.advance(hours=13)


def _auto_mode(lab: Lab) -> None:
    """An Auto Mode cluster with a NodePool of its own whose nodes expire after 3 h, run for
    8 h in steps of 25 min and a tick."""
    _, k = auto_cluster(lab, pools=("system",))
    k.apply(auto_pool("short", expire_after="3h", consolidate_after="5m"))
    k.apply(manifests.sample_deployment(replicas=2, cpu="500m"))
    lab.run(until=dt.timedelta(hours=4), step=dt.timedelta(minutes=25, seconds=15))
    k.scale("web", 5)
    lab.run(until=dt.timedelta(hours=4), step=dt.timedelta(minutes=25, seconds=15))


def _seen(lab: Lab) -> str:
    """What the lab did, with resource ids and node names named by first appearance."""
    day2 = lab._day2()
    assert day2.eks is not None
    kubes = {name: sim.kube for name, sim in day2.eks._clusters.items()}
    seen = {
        "events": list(lab.timeline_events()),
        "rows": list(lab.timeline()),
        "nodes": {c: list(k._nodes) for c, k in kubes.items()},
        "pods": {
            c: sorted((p.key, p.node and p.node.name) for p in k._pods.values())
            for c, k in kubes.items()
        },
        "claims": {
            c: [(n.name, n.instance_id, n.launched, n.node) for n in karpenter.nodeclaims(k)]
            for c, k in kubes.items()
        },
        "ledger": [(r.kind, r.id, r.since) for r in lab.account.ledger],
        "now": lab.account.clock.peek(),
    }
    names: dict[str, str] = {}
    return _ID.sub(
        lambda m: names.setdefault(m.group(0), f"<{len(names)}>"), json.dumps(seen, default=str)
    )


#: moto's random ids, and node names from addresses (a second lab's subnets may differ).
_ID = re.compile(r"\b[a-z]+-[0-9a-f]{8,}\b|\bip-10-\d+-\d+-\d+\b")


def _run(scenario):
    """What ``scenario`` leaves seen in a new lab of its own."""
    with Lab() as lab:
        scenario(lab)
        return _seen(lab)


@pytest.mark.parametrize(
    ("scenario", "words"),
    [
        (_karpenter, ["(Underutilized)", "expireAfter 5h"]),
        (_auto_mode, ["expireAfter 3h", "registered node"]),
    ],
)
def test_skipping_idle_ticks_changes_nothing(scenario, words, monkeypatch):
    scans = []
    real = karpenter._scan_cluster
    monkeypatch.setattr(karpenter, "_scan_cluster", lambda *a: scans.append(a[-1]) or real(*a))
    fast = _run(scenario)
    few = len(scans)
    monkeypatch.setattr(simulation, "_quiets", lambda: None)  # every tick taken
    slow = _run(scenario)
    assert fast == slow
    assert all(word in fast for word in words)
    assert few < (len(scans) - few) / 10  # most ticks were skipped


def test_durations_past_the_calendars_end_are_never_reached(lab):
    """expireAfter and consolidateAfter may be any number of hours: a node that can never
    expire or be consolidated lets the clock jump without overflowing a date."""
    _, k = auto_cluster(lab, pools=("system",))
    k.apply(auto_pool("far", expire_after="99999999h", consolidate_after="99999999h"))
    k.apply(manifests.sample_deployment(replicas=2, cpu="500m"))
    lab.advance(hours=24 * 20)
    messages = [e["message"] for e in lab.timeline_events() if e["source"] == "karpenter"]
    assert len(messages) == 2 and "registered node" in messages[1]
