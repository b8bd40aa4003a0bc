"""What each learner in a room has running, read from the room's moto backends.

The census reads moto's backends in the room server's own process, account by account, so
it costs what the learners hold, not a dump of the whole server. It counts the control plane
the room holds (clusters, container instances, EC2 instances, EKS nodegroups and Fargate
profiles, network interfaces). Tasks, services and pods are played by the simulator in each
learner's own kernel; the room knows them from the summary each learner's lab sends with its
saved state (``simulated``: counts as of the learner's last save).
"""

from __future__ import annotations

import time
from typing import Any

from ..moto_state import account_backends, forget_account
from .front import Visitor


def _hourly_prices() -> tuple[dict[str, float], float]:
    from ..costs import load_prices

    prices = load_prices()
    per_type = {name: float(entry["hourly"]) for name, entry in prices.instances.items()}
    return per_type, float(prices.control_plane.get("eks_per_cluster_hour_standard", 0.0))


def account_census(account_id: str) -> dict[str, Any]:
    """Counts of what one account holds in the room, and its on-demand cost per hour."""
    from moto.ec2.models import ec2_backends
    from moto.ecs.models import ecs_backends
    from moto.eks.models import eks_backends

    per_type, eks_hour = _hourly_prices()
    found = {
        "ecs_clusters": 0,
        "container_instances": 0,
        "instances": 0,
        "eks_clusters": 0,
        "nodegroups": 0,
        "fargate_profiles": 0,
        "network_interfaces": 0,
    }
    hourly = 0.0
    unpriced: set[str] = set()
    for ecs in account_backends(ecs_backends, account_id):
        found["ecs_clusters"] += sum(
            1 for c in list(ecs.clusters.values()) if getattr(c, "status", "") == "ACTIVE"
        )
        found["container_instances"] += sum(
            len(by_arn) for by_arn in list(ecs.container_instances.values())
        )
    for ec2 in account_backends(ec2_backends, account_id):
        for reservation in list(ec2.reservations.values()):
            for instance in list(reservation.instances):
                if instance.state == "running":
                    found["instances"] += 1
                    price = per_type.get(instance.instance_type)
                    if price is None:
                        unpriced.add(instance.instance_type)
                    hourly += price or 0.0
        found["network_interfaces"] += len(getattr(ec2, "enis", {}))
    for eks in account_backends(eks_backends, account_id):
        for cluster in list(eks.clusters.values()):
            found["eks_clusters"] += 1
            found["nodegroups"] += len(cluster.nodegroups)
            found["fargate_profiles"] += len(cluster.fargate_profiles)
            hourly += eks_hour
    return {**found, "hourly_usd": round(hourly, 4), "unpriced_types": sorted(unpriced)}


def room_census(visitors: dict[str, Visitor]) -> dict[str, Any]:
    """The census of every learner the room has seen, by name."""
    now = time.time()
    learners = {}
    for name, visitor in sorted(visitors.items()):
        learners[name] = {
            "account_id": visitor.account_id,
            "calls": visitor.calls,
            "idle_seconds": round(now - visitor.last_seen, 1),
            **account_census(visitor.account_id),
            "simulated": dict(visitor.running),
        }
    total = round(sum(row["hourly_usd"] for row in learners.values()), 4)
    return {"learners": learners, "hourly_usd": total}


def reset_accounts(account_ids: list[str]) -> None:
    """Forget these accounts' moto backends: their learners start again from empty."""
    for account_id in account_ids:
        forget_account(account_id)
