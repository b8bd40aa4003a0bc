"""The lab's running cost meter: what the lab holds right now, priced from the dated table.

:func:`lab_cost` walks the ledger (what the lab made, and when) and reads each billed thing's
current size with describe calls: an EKS control plane (standard or extended support, by the
cluster's version), a managed nodegroup's desired instances, the instances of Auto Scaling
groups and of ``launch_instances``, the running Fargate tasks of the lab's ECS clusters, a
NAT gateway and its public IPv4 address, VPC interface endpoints (per Availability Zone).
Each line is priced per hour from ``data/prices.yaml`` and counted since it was made.
What is free (VPCs, subnets, roles, repositories, task definitions, ECS clusters) is not
listed; data processed and transferred is not metered (the table gives the per-GB rates),
nor are EKS Fargate pods yet.

``Lab(..., budget_usd=5)`` gives the lab a ceiling on its hourly rate: :func:`check_budget`
refuses a create that would push the rate past it, before anything is made.

>>> from awscontainers import Lab
>>> with Lab() as lab:
...     _ = lab.eks.create_cluster(name="demo")
...     print(lab.cost().hourly)
0.1
"""

from __future__ import annotations

import datetime as _dt
import html
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._aws import call
from .costs import PriceTable, load_prices
from .errors import BudgetExceededError, InvalidParameterError, NotFoundError
from .fargate import parse_cpu, parse_memory
from .rules import eks_versions
from .tables import Table

if TYPE_CHECKING:
    from .lab import Lab
    from .sim.account import Record


@dataclass(frozen=True)
class MeterLine:
    """One billed thing: ``hourly`` USD an hour now, ``so_far`` USD since ``since``."""

    kind: str
    id: str
    what: str
    hourly: float
    since: _dt.datetime | None
    so_far: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "what": self.what,
            "usd_per_hour": round(self.hourly, 6),
            "since": self.since.strftime("%Y-%m-%d %H:%M") if self.since else None,
            "usd_so_far": round(self.so_far, 4),
        }


@dataclass(frozen=True)
class LabCost:
    """What a lab costs now: its lines, their sum per hour and since each was made."""

    lab_id: str
    at: _dt.datetime
    lines: list[MeterLine]
    prices: str
    budget_usd: float | None = None

    @property
    def hourly(self) -> float:
        """USD an hour for everything the lab holds now."""
        return round(sum(line.hourly for line in self.lines), 6)

    @property
    def so_far(self) -> float:
        """USD since each thing was made, added up."""
        return round(sum(line.so_far for line in self.lines), 4)

    def table(self) -> Table:
        """The lines as a table."""
        return Table(
            [line.to_dict() for line in self.lines],
            title=f"Lab {self.lab_id}: {self.hourly:.4f} USD an hour, {self.so_far:.4f} USD so "
            f"far ({self.prices})",
        )

    def summary(self) -> str:
        """One line: the rate, the total so far and the budget."""
        budget = f" of a {self.budget_usd:g} USD/h budget" if self.budget_usd is not None else ""
        return (
            f"Lab {self.lab_id} costs {self.hourly:.4f} USD an hour{budget} "
            f"({len(self.lines)} billed item{'s' if len(self.lines) != 1 else ''}), "
            f"{self.so_far:.4f} USD so far."
        )

    def __str__(self) -> str:
        return self.summary() + "\n" + str(self.table()) if self.lines else self.summary()

    def _repr_html_(self) -> str:
        used = ""
        if self.budget_usd:
            share = min(self.hourly / self.budget_usd, 1.0)
            colour = "#2e7d32" if share < 0.8 else "#e65100"
            used = (
                f"<div style='background:#eee;width:18em;height:.6em;border-radius:.3em'>"
                f"<div style='background:{colour};width:{share * 100:.0f}%;height:.6em;"
                f"border-radius:.3em'></div></div><small>{self.hourly:.4f} of "
                f"{self.budget_usd:g} USD an hour budget</small>"
            )
        rows = "".join(
            f"<tr><td>{html.escape(line.what)}</td><td><code>{html.escape(line.id)}</code></td>"
            f"<td style='text-align:right'>{line.hourly:.4f}</td>"
            f"<td style='text-align:right'>{line.so_far:.4f}</td></tr>"
            for line in self.lines
        )
        table = (
            "<table><tr><th>what</th><th>id</th><th>USD/hour</th><th>USD so far</th></tr>"
            f"{rows}</table>"
            if self.lines
            else "<p>Nothing billed is running.</p>"
        )
        return (
            "<div class='awsc-meter' style='font-family:sans-serif;border:1px solid #ccc;"
            "border-radius:6px;padding:.6em 1em;display:inline-block'>"
            f"<div style='font-size:1.4em'><b>{self.hourly:.4f} USD/hour</b> &middot; "
            f"{self.so_far:.4f} USD so far</div>"
            f"<div><small>lab {html.escape(self.lab_id)}, at "
            f"{self.at.strftime('%Y-%m-%d %H:%M')} UTC; prices: {html.escape(self.prices)}"
            f"</small></div>{used}{table}</div>"
        )


# --------------------------------------------------------------------------- prices


def instance_hourly(prices: PriceTable, instance_type: str) -> float:
    """On-Demand USD an hour for one instance; a type not in the table is refused."""
    entry = prices.instances.get(instance_type)
    if entry is None:
        raise InvalidParameterError(
            f"{instance_type!r} is not in the price table, so the lab cannot meter it.",
            hint="use one of " + ", ".join(prices.instances) + ", or load a price table "
            "that has it (awscontainers.costs.load_prices(path)).",
        )
    return float(entry["hourly"])


def fargate_hourly(
    prices: PriceTable,
    cpu_units: float,
    memory_mib: float,
    *,
    arch: str = "x86",
    spot: bool = False,
) -> float:
    """USD an hour for one Fargate task of ``cpu_units`` (1024 = 1 vCPU) and ``memory_mib``."""
    rates = prices.fargate[arch]
    rate = cpu_units / 1024 * rates["vcpu_hour"] + memory_mib / 1024 * rates["gb_hour"]
    if spot:
        rate *= 1 - prices.fargate_spot_discount
    return round(rate, 8)


def nat_gateway_hourly(prices: PriceTable) -> float:
    """A NAT gateway an hour, with its Elastic IP (public IPv4) address."""
    return prices.network["nat_gateway_hour"] + prices.network["public_ipv4_hour"]


def endpoints_hourly(prices: PriceTable, interface: int, zones: int) -> float:
    """``interface`` interface endpoints in ``zones`` Availability Zones an hour (gateway
    endpoints are free)."""
    return interface * zones * prices.network["interface_endpoint_hour"]


def control_plane_hourly(version: str, today: _dt.date) -> float:
    """An EKS control plane an hour: standard or extended support, by version and date."""
    return eks_versions.control_plane_hourly(version, today)


# --------------------------------------------------------------------------- the meter


def _since(record: Record) -> _dt.datetime | None:
    return _dt.datetime.fromisoformat(record.since) if record.since else None


def _gone(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except NotFoundError:
        return None


def _eks_cluster(lab: Lab, r: Record, prices: PriceTable) -> Iterator[tuple[str, float]]:
    cluster = _gone(lambda: lab.eks.describe_cluster(name=r.id)["cluster"])
    if cluster:
        version = cluster["version"]
        yield (
            f"EKS control plane (Kubernetes {version})",
            control_plane_hourly(version, lab.clock.today()),
        )


def _rate(prices: PriceTable, instance_type: str) -> tuple[float, str]:
    """An instance's rate for the meter: a type the table lacks is shown, priced 0."""
    if instance_type in prices.instances:
        return float(prices.instances[instance_type]["hourly"]), instance_type
    return 0.0, f"{instance_type} (not in the price table)"


def _eks_nodegroup(lab: Lab, r: Record, prices: PriceTable) -> Iterator[tuple[str, float]]:
    group = _gone(
        lambda: lab.eks.describe_nodegroup(
            clusterName=r.info.get("cluster", ""), nodegroupName=r.id
        )["nodegroup"]
    )
    if group:
        count = int(group["scalingConfig"].get("desiredSize", 0))
        rate, kind = _rate(prices, (group.get("instanceTypes") or ["t3.medium"])[0])
        yield f"nodegroup: {count} x {kind}", count * rate


def _group_instances(lab: Lab, r: Record, prices: PriceTable) -> Iterator[tuple[str, float]]:
    found = call(
        lab.client("autoscaling"), "describe_auto_scaling_groups", AutoScalingGroupNames=[r.id]
    )["AutoScalingGroups"]
    for group in found:
        types = [i.get("InstanceType") for i in group["Instances"] if i.get("InstanceType")]
        if types:
            summary = ", ".join(f"{types.count(t)} x {t}" for t in sorted(set(types)))
            yield f"Auto Scaling group: {summary}", sum(_rate(prices, t)[0] for t in types)


def _ecs_fargate_tasks(
    lab: Lab, r: Record, prices: PriceTable
) -> Iterator[tuple[str, float, _dt.datetime | None, str]]:
    arns = _gone(lambda: lab.ecs.list_tasks(cluster=r.id, desiredStatus="RUNNING")["taskArns"])
    if not arns:
        return
    sizes: dict[str, tuple[int, int]] = {}
    for task in lab.ecs.describe_tasks(cluster=r.id, tasks=arns[:100])["tasks"]:
        provider = task.get("capacityProviderName") or ""
        if task.get("launchType") != "FARGATE" and not provider.startswith("FARGATE"):
            continue
        spot = provider == "FARGATE_SPOT"
        arch = "arm" if (task.get("platformFamily") or "").upper().endswith("ARM64") else "x86"
        cpu, memory = _task_size(lab, task, sizes)
        rate = fargate_hourly(prices, cpu, memory, arch=arch, spot=spot)
        what = (
            f"Fargate{' Spot' if spot else ''} task: {cpu / 1024:g} vCPU / "
            f"{memory / 1024:g} GB in cluster {r.id}"
        )
        yield what, rate, task.get("startedAt") or task.get("createdAt"), task["taskArn"]


def _task_size(lab: Lab, task: dict, known: dict[str, tuple[int, int]]) -> tuple[int, int]:
    """A task's CPU units and MiB: its own, else its task definition's (moto leaves them
    out of describe_tasks)."""
    if task.get("cpu") and task.get("memory"):
        return parse_cpu(task["cpu"]), parse_memory(task["memory"])
    arn = task["taskDefinitionArn"]
    if arn not in known:
        definition = call(lab.client("ecs"), "describe_task_definition", taskDefinition=arn)[
            "taskDefinition"
        ]
        known[arn] = (
            parse_cpu(definition.get("cpu") or 256),
            parse_memory(definition.get("memory") or 512),
        )
    return known[arn]


def _instances(lab: Lab, records: list[Record], prices: PriceTable) -> list[MeterLine]:
    ids = [r.id for r in records]
    since = {r.id: _since(r) for r in records}
    lines = []
    reservations = call(lab.client("ec2"), "describe_instances", InstanceIds=ids)["Reservations"]
    for reservation in reservations:
        for inst in reservation["Instances"]:
            if inst["State"]["Name"] in ("terminated", "shutting-down", "stopped"):
                continue
            if any(t["Key"] == "aws:autoscaling:groupName" for t in inst.get("Tags", [])):
                continue  # priced with its group (a nodegroup or an Auto Scaling group)
            rate, kind = _rate(prices, inst["InstanceType"])
            lines.append((inst["InstanceId"], f"EC2 instance {kind}", rate))
    now = _now(lab)
    return [_line("ec2-instance", i, what, rate, since.get(i), now) for i, what, rate in lines]


def _now(lab: Lab) -> _dt.datetime:
    # The simulated clock moves on every reading: peek, so metering changes nothing.
    return lab.clock.peek() if lab.simulated else lab.clock.now()


def _line(
    kind: str, id_: str, what: str, hourly: float, since: _dt.datetime | None, now: _dt.datetime
) -> MeterLine:
    hours = max((now - since).total_seconds(), 0.0) / 3600 if since else 0.0
    return MeterLine(kind, id_, what, round(hourly, 8), since, round(hourly * hours, 6))


#: Per ledger kind, how to read what one record bills now: (what, USD an hour) pairs.
PRICED: dict[str, Callable[[Any, Any, PriceTable], Iterator[tuple[str, float]]]] = {
    "eks-cluster": _eks_cluster,
    "eks-nodegroup": _eks_nodegroup,
    "eks-self-managed": _group_instances,
    "ecs-instance-group": _group_instances,
}


def _fixed(kind: str, r: Record, prices: PriceTable) -> tuple[str, float] | None:
    """What a network record bills, from the record alone."""
    if kind == "ec2-nat-gateway":
        return "NAT gateway", prices.network["nat_gateway_hour"]
    if kind == "ec2-elastic-ip":
        return "public IPv4 address (Elastic IP)", prices.network["public_ipv4_hour"]
    if kind == "ec2-vpc-endpoint":
        if r.info.get("type") == "Interface":
            zones = int(r.info.get("zones", 1))
            return (
                f"VPC interface endpoint {r.info.get('service', '')} in {zones} AZs",
                endpoints_hourly(prices, 1, zones),
            )
        return None
    return None


def lab_cost(lab: Lab, prices: PriceTable | None = None) -> LabCost:
    """Price what ``lab`` holds now (see the module's docstring)."""
    table = prices or load_prices()
    now = _now(lab)
    lines: list[MeterLine] = []
    for r in list(lab.ledger):
        since = _since(r)
        fixed = _fixed(r.kind, r, table)
        if fixed is not None:
            lines.append(_line(r.kind, r.id, fixed[0], fixed[1], since, now))
        elif r.kind in PRICED:
            for what, rate in PRICED[r.kind](lab, r, table):
                lines.append(_line(r.kind, r.id, what, rate, since, now))
        elif r.kind == "ecs-cluster":
            for what, rate, started, arn in _ecs_fargate_tasks(lab, r, table):
                lines.append(_line("ecs-task", arn.rsplit("/", 1)[-1], what, rate, started, now))
    instances = lab.created("ec2-instance")
    if instances:
        lines += _instances(lab, instances, table)
    return LabCost(lab.lab_id, now, lines, table.describe(), lab.budget_usd)


def check_budget(lab: Lab, adding: float | Callable[[], float], what: str) -> None:
    """Refuse ``what`` (which would add ``adding`` USD an hour; a function is called only
    when the lab has a budget) when it would push the lab's hourly rate past its budget;
    nothing has been created yet when this refuses."""
    budget = lab.budget_usd
    if budget is None:
        return
    if callable(adding):
        adding = adding()
    if adding <= 0:
        return
    now = lab_cost(lab).hourly
    if now + adding > budget + 1e-9:
        raise BudgetExceededError(
            f"Refused: {what} would add {adding:.4f} USD an hour, taking the lab from "
            f"{now:.4f} to {now + adding:.4f} USD an hour, past its budget of {budget:g} USD "
            "an hour.",
            code="BudgetExceeded",
            hint="delete what you no longer need first (lab.cost() lists what is billed; "
            "lab.teardown() removes everything), make it smaller, or open the lab with a "
            "larger budget: Lab(..., budget_usd=...).",
        )


def check_budget_value(value: Any) -> float | None:
    """``budget_usd`` as given to ``Lab``: None, or a positive number of USD an hour."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1e6:
        raise InvalidParameterError(
            f"budget_usd must be a positive number of USD an hour, not {value!r}.",
            code="InvalidParameterException",
            hint="pass budget_usd=5 for at most 5 USD an hour, or leave it out for no budget.",
        )
    return float(value)
