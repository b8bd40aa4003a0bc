"""What a workload costs a month in each hosting mode, explained line by line.

Prices come from a dated, sourced price table (``data/prices.yaml``); pass your own file of
the same shape when prices change. Every estimate says which table and date it used.
Before pricing a mode, :func:`feasibility` says whether the mode can run the workload at all
(from the modes data, the Fargate sizes and the priced instance types); a mode that cannot
gets its reasons instead of a total. :mod:`awscontainers.chooser` builds on these estimates.

>>> from awscontainers.workload import Workload
>>> w = Workload.from_dict({"services": [{"name": "web", "vcpu": 1, "memory_gb": 2}]})
>>> e = estimate(w, "ecs-fargate")
>>> e.monthly, e.prices
(36.04, 'awscontainers default price table, us-east-1, 2026-11-30')
>>> estimate(w, "eks-fargate").monthly  # 2 GB + 256 MB -> 3 GB, plus the control plane
112.28
"""

from __future__ import annotations

import copy
import datetime as _dt
import html
import math
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import fargate, modes, planner
from .errors import FargateSizeError, InvalidParameterError, invalid_parameter
from .rules import eks_versions
from .rules.capacity import eks_facts
from .rules.curves import DAY_SECONDS, SAMPLE_SECONDS
from .rules.data import load_packaged, parse_user_yaml, read_user_file
from .tables import Table
from .workload import ARCHITECTURES, NEEDS, Service, Workload

_DEFAULT_FILE = "prices.yaml"

# How each EC2-backed mode packs tasks: ECS instances reserve memory for the agent, EKS
# nodes reserve it for the kubelet and cap pods by ENI addresses (the planner knows how).
FLAVOURS: dict[str, str] = {
    "ecs-ec2": "ecs",
    "eks-ec2": "eks",
    "eks-nodegroup": "eks",
    "ecs-managed-instances": "ecs",
    "eks-auto-mode": "eks",
}


# --------------------------------------------------------------------------- price table


@dataclass(frozen=True)
class PriceTable:
    """A dated price table: Fargate, control planes and EC2 instances, in one region.

    >>> t = load_prices()
    >>> t.fargate["x86"]["vcpu_hour"], t.control_plane["eks_per_cluster_hour_standard"]
    (0.04048, 0.1)
    """

    name: str
    region: str
    currency: str
    date: str
    source: str
    hours_per_month: float
    fargate: dict[str, dict[str, float]]
    fargate_spot_discount: float
    control_plane: dict[str, float]
    #: Per mode: None (fee unknown), one fee for every instance type, or a fee per type.
    management_fee: dict[str, float | dict[str, float] | None]
    ec2_spot_discount: float
    instances: dict[str, dict[str, Any]]
    path: str | None = None
    #: What a lab's network adds (NAT gateway, public IPv4, VPC endpoints): USD per hour or GB.
    network: dict[str, float] = field(default_factory=dict)

    def describe(self) -> str:
        """Name, region and date: what every estimate quotes.

        >>> load_prices().describe()
        'awscontainers default price table, us-east-1, 2026-11-30'
        """
        return f"{self.name}, {self.region}, {self.date}"

    def management_fee_for(self, mode_id: str, instance_type: str) -> float | None:
        """The mode's management fee for one instance-hour of ``instance_type`` (None: unknown).

        >>> load_prices().management_fee_for("eks-auto-mode", "m5.large")
        0.01152
        >>> load_prices().management_fee_for("ecs-ec2", "m5.large") is None
        True
        """
        fee = self.management_fee.get(mode_id)
        if isinstance(fee, dict):
            return fee.get(instance_type)
        return fee

    def instances_for(self, architecture: str) -> dict[str, dict[str, Any]]:
        """The instance types of one architecture (``"x86"`` or ``"arm"``).

        >>> list(load_prices().instances_for("arm"))
        ['m7g.large']
        """
        return {n: e for n, e in self.instances.items() if e["arch"] == architecture}

    def gpu_instances_for(self, architecture: str) -> dict[str, dict[str, Any]]:
        """The instance types of one architecture that have GPUs (``gpus: N`` in the table).

        >>> list(load_prices().gpu_instances_for("x86"))
        ['g4dn.xlarge', 'g5.xlarge', 'g6.xlarge', 'p4d.24xlarge']
        """
        return {n: e for n, e in self.instances_for(architecture).items() if e.get("gpus")}


def _table_error(path: str, problem: str) -> InvalidParameterError:
    return invalid_parameter(
        f"Price table {path}: {problem}",
        "Copy awscontainers/data/prices.yaml and change only the numbers; keep its shape.",
    )


def _get(data: dict[str, Any], key: str, where: str, path: str) -> Any:
    if not isinstance(data, dict) or key not in data:
        raise _table_error(path, f"missing {where}{key}.")
    return data[key]


def _price(value: Any, where: str, path: str, *, upper: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= upper:
        limit = "between 0 and 1" if upper == 1 else "0 or more"
        raise _table_error(path, f"{where} must be a number {limit}, not {value!r}.")
    return float(value)


def parse_prices(data: Any, path: str = "<dict>") -> PriceTable:
    """Check a parsed price table and build a :class:`PriceTable` (errors name the field).

    >>> parse_prices({"name": "x"})
    Traceback (most recent call last):
    ...
    awscontainers.errors.InvalidParameterError: Price table <dict>: missing region.
      What to do: Copy awscontainers/data/prices.yaml and change only the numbers; keep its shape.
    """
    if not isinstance(data, dict):
        raise _table_error(path, "the file must hold a mapping (name, region, date, fargate, ...).")
    for key in ("name", "region", "currency", "date"):
        _get(data, key, "", path)
    hours = _price(_get(data, "hours_per_month", "", path), "hours_per_month", path)
    fg = _get(data, "fargate", "", path)
    fargate_prices = {}
    for arch in ARCHITECTURES:
        entry = _get(fg, arch, "fargate.", path)
        fargate_prices[arch] = {
            unit: _price(
                _get(entry, unit, f"fargate.{arch}.", path), f"fargate.{arch}.{unit}", path
            )
            for unit in ("vcpu_hour", "gb_hour")
        }
    fg_spot = _price(
        _get(fg, "spot_discount", "fargate.", path), "fargate.spot_discount", path, upper=1
    )
    cp = _get(data, "control_plane", "", path)
    control = {
        key: _price(_get(cp, key, "control_plane.", path), f"control_plane.{key}", path)
        for key in ("ecs_per_cluster_hour", "eks_per_cluster_hour_standard")
    }
    if isinstance(cp, dict) and cp.get("eks_per_cluster_hour_extended") is not None:
        key = "eks_per_cluster_hour_extended"
        control[key] = _price(cp[key], f"control_plane.{key}", path)
    fees_raw = data.get("management_fee") or {}
    fees: dict[str, float | dict[str, float] | None] = {}
    for mode_id, fee in fees_raw.items():
        where = f"management_fee.{mode_id}"
        if isinstance(fee, dict):
            # {per_instance_hour: {type: fee}} as in the packaged table, or {type: fee}.
            per_type = fee.get("per_instance_hour", fee)
            if not isinstance(per_type, dict):
                raise _table_error(path, f"{where}.per_instance_hour must map types to fees.")
            fees[mode_id] = {str(t): _price(v, f"{where}.{t}", path) for t, v in per_type.items()}
        else:
            fees[mode_id] = None if fee is None else _price(fee, where, path)
    ec2 = _get(data, "ec2", "", path)
    ec2_spot = _price(_get(ec2, "spot_discount", "ec2.", path), "ec2.spot_discount", path, upper=1)
    instances_raw = _get(ec2, "instances", "ec2.", path)
    if not isinstance(instances_raw, dict) or not instances_raw:
        raise _table_error(path, "ec2.instances must map instance type names to their shapes.")
    instances: dict[str, dict[str, Any]] = {}
    for name, entry in instances_raw.items():
        where = f"ec2.instances.{name}."
        for key in ("hourly", "vcpu", "memory_mib"):
            _price(_get(entry, key, where, path), where + key, path)
        arch = _get(entry, "arch", where, path)
        if arch not in ARCHITECTURES:
            raise _table_error(
                path, f"{where}arch must be one of {', '.join(ARCHITECTURES)}, not {arch!r}."
            )
        instances[str(name)] = dict(entry)
    network = _network_prices(data, path)
    return PriceTable(
        name=str(data["name"]),
        region=str(data["region"]),
        currency=str(data["currency"]),
        # YAML reads 2026-11-30 as a date; the table quotes plain ISO text.
        date=str(data["date"]),
        source=str(data.get("source", "")),
        hours_per_month=hours,
        fargate=fargate_prices,
        fargate_spot_discount=fg_spot,
        control_plane=control,
        management_fee=fees,
        ec2_spot_discount=ec2_spot,
        instances=instances,
        path=None if path == "<dict>" else path,
        network=network,
    )


NETWORK_PRICES = (
    "nat_gateway_hour",
    "nat_gateway_gb",
    "public_ipv4_hour",
    "interface_endpoint_hour",
    "interface_endpoint_gb",
    "gateway_endpoint_hour",
)


def _network_prices(data: dict[str, Any], path: str) -> dict[str, float]:
    """The table's ``network`` prices; a table written before they were added (no
    ``network`` section) gets the packaged table's, so an older file still loads."""
    raw = data.get("network")
    if raw is None:
        if path == f"awscontainers/data/{_DEFAULT_FILE}":
            raise _table_error(path, "missing network.")
        return dict(_default_prices().network)
    return {
        key: _price(_get(raw, key, "network.", path), f"network.{key}", path)
        for key in NETWORK_PRICES
    }


@lru_cache(maxsize=1)
def _default_prices() -> PriceTable:
    # Checked once: package data does not change while Python runs.
    return parse_prices(load_packaged(_DEFAULT_FILE), f"awscontainers/data/{_DEFAULT_FILE}")


def load_prices(path: str | Path | None = None) -> PriceTable:
    """The packaged price table, or a newer file of the same shape at ``path``.

    >>> load_prices().date
    '2026-11-30'
    """
    if path is None:
        return _default_prices()
    where = str(Path(path))
    text = read_user_file(
        path, "price table", "Check the path, or leave it out to use the packaged table."
    )
    data = parse_user_yaml(
        text, lambda detail: _table_error(where, f"not valid YAML: {detail}"), where
    )
    return parse_prices(data, where)


def _prices(prices: PriceTable | str | Path | None) -> PriceTable:
    return prices if isinstance(prices, PriceTable) else load_prices(prices)


# --------------------------------------------------------------------------- estimates and lines


@dataclass(frozen=True)
class Line:
    """One line of a bill: ``quantity`` ``unit`` at ``unit_price`` = ``monthly`` (rounded to cents).

    >>> print(Line("EKS control plane", 730, "cluster-hour", 0.10, 73.0))
    EKS control plane: 730 cluster-hour × 0.1 = 73.00
    """

    item: str
    quantity: float
    unit: str
    unit_price: float
    monthly: float

    def __str__(self) -> str:
        return (
            f"{self.item}: {self.quantity:g} {self.unit} × {self.unit_price:g} = {self.monthly:.2f}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "quantity": self.quantity,
            "unit": self.unit,
            "unit_price": self.unit_price,
            "monthly": self.monthly,
        }


def _line(item: str, quantity: float, unit: str, unit_price: float) -> Line:
    # Round quantities and prices to kill float noise (0.04048 × 0.3 = 0.012143999...), and
    # each line to cents so the lines add up exactly to the total a learner sees.
    quantity = round(quantity, 6)
    unit_price = round(unit_price, 8)
    return Line(item, quantity, unit, unit_price, round(quantity * unit_price, 2))


@dataclass
class Estimate:
    """What one workload costs a month in one mode, or why the mode cannot run it.

    ``monthly`` is None when the mode is not feasible (``reasons`` say why).
    """

    mode: str
    name: str
    feasible: bool
    monthly: float | None
    lines: list[Line] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    plan: Any = None
    prices: str = ""
    currency: str = "USD"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (the plan as instance counts)."""
        plan = None
        if self.plan is not None:
            plan = {
                "instances": dict(self.plan.instances),
                "hourly": self.plan.hourly,
                "lower_bound": self.plan.lower_bound,
            }
        return {
            "mode": self.mode,
            "name": self.name,
            "feasible": self.feasible,
            "monthly": self.monthly,
            "currency": self.currency,
            "lines": [line.to_dict() for line in self.lines],
            "reasons": list(self.reasons),
            "notes": list(self.notes),
            "plan": plan,
            "prices": self.prices,
        }

    def __str__(self) -> str:
        head = f"{self.name} ({self.mode})"
        if not self.feasible:
            return f"{head}: not possible: " + "; ".join(self.reasons)
        out = [f"{head}: {self.monthly:.2f} {self.currency} a month ({self.prices})"]
        out += [f"  {line}" for line in self.lines]
        out += [f"  note: {note}" for note in self.notes]
        return "\n".join(out)

    def _repr_html_(self) -> str:
        e = html.escape
        if not self.feasible:
            return f"<p><b>{e(self.name)}</b>: not possible: {e('; '.join(self.reasons))}</p>"
        rows = "".join(
            f"<tr><td>{e(line.item)}</td><td>{line.quantity:g} {e(line.unit)}</td>"
            f"<td>{line.unit_price:g}</td><td>{line.monthly:.2f}</td></tr>"
            for line in self.lines
        )
        notes = "".join(f"<li>{e(n)}</li>" for n in self.notes)
        return (
            f"<table><caption>{e(self.name)}: {self.monthly:.2f} {e(self.currency)} a month "
            f"({e(self.prices)})</caption><thead><tr><th>item</th><th>quantity</th>"
            f"<th>unit price</th><th>monthly</th></tr></thead><tbody>{rows}</tbody></table>"
            + (f"<ul>{notes}</ul>" if notes else "")
        )


def _gb(mib: float) -> str:
    return f"{mib / 1024:g} GB"


def _judged_on(prices: PriceTable, on: _dt.date | None) -> _dt.date:
    """The day a Kubernetes version's support is judged on: ``on``, else the table's date."""
    if on is not None:
        return on
    try:
        return _dt.date.fromisoformat(prices.date)
    except ValueError as err:
        raise invalid_parameter(
            f"The price table's date {prices.date!r} is not a YYYY-MM-DD date, so a "
            "Kubernetes version's support cannot be judged from it.",
            "Pass on=datetime.date(...) to estimate or compare, or date the table.",
        ) from err


def _version_reasons(workload: Workload, mode: modes.Mode, day: _dt.date) -> list[str]:
    version = workload.kubernetes_version
    if mode.orchestrator != "EKS" or version is None:
        return []
    try:
        eks_versions.check_cluster_version(version, day)
    except InvalidParameterError as err:
        return [f"{err.message} (judged on {day}; {err.hint})"]
    return []


def _control_plane(
    mode: modes.Mode,
    prices: PriceTable,
    workload: Workload | None = None,
    day: _dt.date | None = None,
) -> tuple[Line, str | None]:
    hours = prices.hours_per_month
    if mode.orchestrator == "EKS":
        version = workload.kubernetes_version if workload is not None else None
        if version is None or day is None:
            price = prices.control_plane["eks_per_cluster_hour_standard"]
            line = _line("EKS control plane (1 cluster, always on)", hours, "cluster-hour", price)
            return line, None
        return _versioned_control_plane(version, day, prices)
    price = prices.control_plane["ecs_per_cluster_hour"]
    line = _line("ECS control plane (free: AWS runs it at no charge)", hours, "cluster-hour", price)
    return line, None


def _versioned_control_plane(
    version: str, day: _dt.date, prices: PriceTable
) -> tuple[Line, str | None]:
    """The EKS control-plane line for a named Kubernetes version, and a note on its dates."""
    hours = prices.hours_per_month
    status = eks_versions.support_status(version, day)
    dates = eks_versions.calendar()[version]
    # The table's own extended price when it has one, else EKS's figure (data/eks.yaml).
    extended = prices.control_plane.get(
        "eks_per_cluster_hour_extended", eks_facts()["control_plane"]["price_per_hour_extended"]
    )
    if status == "extended":
        item = (
            f"EKS control plane (1 cluster, always on; Kubernetes {version} is in extended "
            f"support until {dates.end_of_extended_support})"
        )
        note: str | None = (
            f"Kubernetes {version} left standard support on {dates.end_of_standard_support}: "
            f"EKS bills extended support, {extended:g} instead of "
            f"{prices.control_plane['eks_per_cluster_hour_standard']:g} "
            f"{prices.currency} per cluster-hour. Upgrade the cluster to pay the standard price."
        )
        return _line(item, hours, "cluster-hour", extended), note
    price = prices.control_plane["eks_per_cluster_hour_standard"]
    ends = dates.end_of_standard_support
    until = f" until {ends}" if ends else ""
    item = (
        f"EKS control plane (1 cluster, always on; Kubernetes {version}, standard support{until})"
    )
    note = None
    if ends is not None:
        note = (
            f"Kubernetes {version} leaves standard support on {ends}; from then the control "
            f"plane costs {extended:g} {prices.currency} per cluster-hour (extended support) "
            "until you upgrade."
        )
    return _line(item, hours, "cluster-hour", price), note


def eks_pod(service: Service) -> dict[str, Any]:
    """The pod manifest EKS would see for one copy of ``service`` (its requests only).

    Costs go through :func:`fargate.provisioned_capacity` on this manifest, so the 256 MB
    overhead and the rounding are the documented ones, not a copy of them.

    >>> from awscontainers.workload import Service
    >>> eks_pod(Service("web", 0.5, 1))["spec"]["containers"][0]["resources"]
    {'requests': {'cpu': '500m', 'memory': '1024Mi'}}
    """
    requests = {
        "cpu": f"{math.ceil(round(service.vcpu * 1000, 6))}m",
        "memory": f"{service.memory_mib}Mi",
    }
    container = {"name": service.name, "resources": {"requests": requests}}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": service.name},
        "spec": {"containers": [container]},
    }


def _pod_size(service: Service) -> tuple[float, float]:
    """:func:`fargate.provisioned_capacity` of :func:`eks_pod`, kept by the pod's requests
    (all it reads of the pod); a pod too big for Fargate raises every time."""
    requests = eks_pod(service)["spec"]["containers"][0]["resources"]["requests"]
    return _kept_pod_size(requests["cpu"], requests["memory"])


@lru_cache(maxsize=1024)
def _kept_pod_size(cpu: str, memory: str) -> tuple[float, float]:
    resources = {"requests": {"cpu": cpu, "memory": memory}}
    pod = {"spec": {"containers": [{"name": "pod", "resources": resources}]}}
    return fargate.provisioned_capacity(pod)


def _fargate_market(
    workload: Workload, mode: modes.Mode, prices: PriceTable
) -> tuple[str, bool, list[str]]:
    """The architecture and market Fargate bills: ``(arch, spot, notes)``.

    Fargate Spot runs Linux x86_64 tasks only (ECS developer guide, "Fargate capacity
    providers"): an Arm workload that tolerates Spot is priced On-Demand on Arm, or Spot on
    x86 when its images also run there (``multi_arch``) and that is cheaper.
    """
    arch = workload.architecture
    wants_spot = workload.spot and mode.orchestrator != "EKS"
    if not wants_spot or arch in _SPOT_ARCHITECTURES:
        return arch, wants_spot, []
    spot_arch = _SPOT_ARCHITECTURES[0]
    arm = prices.fargate[arch]
    x86 = prices.fargate[spot_arch]
    discount = 1 - prices.fargate_spot_discount
    # Compare the whole hourly bill at the sizes Fargate bills, not the per-unit rates.
    sizes = [fargate.smallest_size(s.cpu_units, s.memory_mib) for s in workload.services]
    work = [(s.count, fit) for s, fit in zip(workload.services, sizes, strict=True) if fit]

    def hourly(rates: dict[str, float]) -> float:
        return sum(
            n * (c / 1024 * rates["vcpu_hour"] + m / 1024 * rates["gb_hour"]) for n, (c, m) in work
        )

    cost_arm, cost_x86 = hourly(arm), hourly(x86) * discount
    why = "Fargate Spot runs Linux x86_64 tasks only (no Arm, no Windows)"
    if workload.multi_arch and cost_x86 < cost_arm:
        return (
            spot_arch,
            True,
            [
                f"{why}: this Arm workload's images also run on x86 (multi_arch), and FARGATE_SPOT "
                f"on x86 ({cost_x86:.4f} {prices.currency}/h) is cheaper than On-Demand Arm "
                f"({cost_arm:.4f} {prices.currency}/h), so it is priced as x86 Spot."
            ],
        )
    if workload.multi_arch:
        return (
            arch,
            False,
            [
                f"{why}: On-Demand Arm ({cost_arm:.4f} {prices.currency}/h) is cheaper than "
                f"FARGATE_SPOT on x86 ({cost_x86:.4f} {prices.currency}/h), so it is priced "
                "On-Demand Arm."
            ],
        )
    return (
        arch,
        False,
        [
            f"{why}: this Arm workload is priced On-Demand Arm. If its images also run on x86, "
            "set multi_arch: true to compare with FARGATE_SPOT on x86."
        ],
    )


# Fargate Spot's architectures, as the price table names them (data/prices.yaml).
_SPOT_ARCHITECTURES: tuple[str, ...] = ("x86",)


def _fargate_lines(
    workload: Workload,
    mode: modes.Mode,
    prices: PriceTable,
    task_hours: dict[str, float] | None = None,
) -> tuple[list, list]:
    """Fargate's lines: each service's ``count`` for the month's hours, or, given
    ``task_hours`` (service name -> task-hours a month), those hours."""
    lines: list[Line] = []
    notes: list[str] = []
    eks = mode.orchestrator == "EKS"
    billed_arch, spot, market_notes = _fargate_market(workload, mode, prices)
    rates = prices.fargate[billed_arch]
    factor = 1 - prices.fargate_spot_discount if spot else 1.0
    label = "FARGATE_SPOT" if spot else "Fargate"
    arch = " Arm" if billed_arch == "arm" else ""
    if billed_arch != workload.architecture:
        # Said in the line itself: this Arm workload's Spot capacity is x86.
        arch = " x86 (Fargate Spot has no Arm)"
    hours = workload.hours_per_month
    for s in workload.services:
        if s.count == 0:
            continue
        if eks:
            # Build the pod EKS would see, so the 256 MB overhead and rounding are the
            # documented ones in fargate.provisioned_capacity, not a copy of them.
            vcpu, gb = _pod_size(s)
            notes.append(
                f"{s.name}: EKS adds 256 MB to every pod (kubelet, kube-proxy, containerd) "
                f"before rounding: {s.vcpu:g} vCPU / {s.memory_gb:g} GB is billed as "
                f"{vcpu:g} vCPU / {gb:g} GB."
            )
        else:
            fit = fargate.smallest_size(s.cpu_units, s.memory_mib)
            assert fit is not None  # feasibility() refused tasks larger than any size
            vcpu, gb = fit[0] / 1024, fit[1] / 1024
            if fit != (s.cpu_units, s.memory_mib):
                notes.append(
                    f"{s.name}: {s.vcpu:g} vCPU / {s.memory_gb:g} GB is not a Fargate size; "
                    f"Fargate bills the smallest size holding it, {vcpu:g} vCPU / {gb:g} GB."
                )
        if task_hours is None:
            used = s.count * hours
            what_cpu = f"{s.name}, {s.count} × {vcpu:g} vCPU × {hours:g} h"
            what_gb = f"{s.name}, {s.count} × {gb:g} GB × {hours:g} h"
        else:
            used = task_hours[s.name]
            what_cpu = f"{s.name}, {used:,.6g} task-hours following its load × {vcpu:g} vCPU"
            what_gb = f"{s.name}, {used:,.6g} task-hours following its load × {gb:g} GB"
        lines.append(
            _line(
                f"{label}{arch} vCPU-hours ({what_cpu})",
                used * vcpu,
                "vCPU-hour",
                rates["vcpu_hour"] * factor,
            )
        )
        lines.append(
            _line(
                f"{label}{arch} GB-hours ({what_gb})",
                used * gb,
                "GB-hour",
                rates["gb_hour"] * factor,
            )
        )
    notes += market_notes
    if spot:
        notes.append(
            f"FARGATE_SPOT: the table's {prices.fargate_spot_discount:.0%} discount off "
            "On-Demand (Spot prices move with spare capacity; tasks can be interrupted)."
        )
    if workload.spot and eks:
        notes.append(f"{mode.supports['spot'].reason.strip().rstrip('.')}: priced On-Demand.")
    return lines, notes


def instance_specs(
    prices: PriceTable, architecture: str, flavour: str, *, gpus: bool = False
) -> list[planner.InstanceSpec]:
    """The planner's view of the priced instance types of one architecture.

    GPU instance types are left out unless ``gpus`` is true: nobody buys a GPU instance for
    CPU-only work, and leaving them out keeps CPU-only plans as they were.

    >>> [s.name for s in instance_specs(load_prices(), "arm", "ecs")]
    ['m7g.large']
    >>> [s.name for s in instance_specs(load_prices(), "x86", "ecs", gpus=True)][-2:]
    ['g6.xlarge', 'p4d.24xlarge']
    """
    key = (id(prices.instances), architecture, flavour, gpus)
    kept = _SPECS.get(key)
    # Kept while the table's instances are the same object and still equal to a copy taken
    # then (so an edited table is worked out again).
    if kept is not None and kept[0] is prices.instances and kept[1] == prices.instances:
        return list(kept[2])
    specs = [
        planner.capacity(name, entry, flavour)
        for name, entry in prices.instances_for(architecture).items()
        if gpus or not entry.get("gpus")
    ]
    if len(_SPECS) >= 64:
        _SPECS.clear()
    _SPECS[key] = (prices.instances, copy.deepcopy(prices.instances), specs)
    return list(specs)


# instance_specs' answers, by price table and question: the chooser asks for them for every
# mode of every point of its chart.
_SPECS: dict[tuple[int, str, str, bool], tuple[Any, Any, list[planner.InstanceSpec]]] = {}


def task_groups(workload: Workload) -> list[planner.TaskGroup]:
    """The workload's services as planner task groups (CPU units, MiB and GPUs per task)."""
    return [
        planner.TaskGroup(s.name, s.cpu_units, s.memory_mib, s.count, s.gpus)
        for s in workload.services
        if s.count > 0
    ]


def _counts_gpus(workload: Workload) -> bool:
    # Services that say how many GPUs they need are planned with GPUs as a resource.
    return any(s.gpus for s in workload.services)


def _ec2_specs(workload: Workload, prices: PriceTable, flavour: str) -> list[Any]:
    """The instance types a plan may use for this workload."""
    arch = workload.architecture
    if _counts_gpus(workload):
        # GPU tasks go on GPU types (the planner sees to it); the others may share those or
        # take the cheaper general-purpose types.
        return instance_specs(prices, arch, flavour, gpus=True)
    if workload.needs["gpus"]:
        # "needs: {gpus: true}" without a count per service: every task goes on a GPU type.
        gpu = set(prices.gpu_instances_for(arch))
        return [x for x in instance_specs(prices, arch, flavour, gpus=True) if x.name in gpu]
    return instance_specs(prices, arch, flavour)


def _fits(group: Any, spec: Any) -> bool:
    return (
        group.cpu <= spec.cpu
        and group.memory <= spec.memory
        and spec.pods != 0
        and group.gpus <= spec.gpus
    )


def _naive(groups: list[Any], specs: list[Any]) -> Any:
    """The single instance type with the cheapest first-fit fleet (cheapest per task)."""
    best = None
    for spec in specs:
        if not all(_fits(g, spec) for g in groups):
            continue
        candidate = planner.naive_plan(groups, spec)
        if best is None or candidate.hourly < best.hourly:
            best = candidate
    return best


def _fleet(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} × {t}" for t, n in sorted(counts.items()))


#: How many fleets :func:`_planned` keeps (the least recently used is dropped first).
PLAN_CACHE_SIZE = 512
_PLAN_CACHE: OrderedDict[tuple[Any, ...], tuple[Any, Any]] = OrderedDict()


def clear_caches() -> None:
    """Forget every fleet planned so far and the planner's LP systems, so the next estimate
    plans from nothing. Only tests and benchmarks need this: a cached plan is the plan the
    same inputs would make again."""
    _PLAN_CACHE.clear()
    _SPECS.clear()
    _kept_pod_size.cache_clear()
    planner.clear_caches()


def _copied(plan: Any) -> Any:
    # Each estimate gets its own copy, so editing one plan never changes a cached one.
    return planner.Plan(
        dict(plan.instances),
        plan.hourly,
        [(kind, dict(contents), n) for kind, contents, n in plan.patterns],
        plan.lower_bound,
        dict(plan.lower_bound_mix),
        plan.strategy,
    )


def _planned(
    workload: Workload,
    groups: list[planner.TaskGroup],
    flavour: str,
    prices: PriceTable,
    plans: dict | None,
    *,
    quick: bool = False,
) -> tuple[Any, Any]:
    """The best fleet for ``groups`` (and the naive one, unless quick or ``plans`` says
    ``quick``).

    A plan is a function of the task groups and the instance types on offer (their
    capacities and prices) alone, so it is kept under exactly those, with ``quick``: the
    chooser re-plans only when a count, a size, the architecture or the price table changed.
    """
    quick = quick or bool(plans is not None and plans.get("quick"))
    specs = _ec2_specs(workload, prices, flavour)
    key = (tuple(groups), tuple(specs), quick)
    if key in _PLAN_CACHE:
        _PLAN_CACHE.move_to_end(key)
        best, naive = _PLAN_CACHE[key]
    else:
        best = planner.plan(groups, specs, quick=quick)
        # Curves need totals only: they skip the naive plan shown for contrast.
        naive = None if quick else _naive(groups, specs)
        _PLAN_CACHE[key] = (best, naive)
        while len(_PLAN_CACHE) > PLAN_CACHE_SIZE:
            _PLAN_CACHE.popitem(last=False)
    return _copied(best), None if naive is None else _copied(naive)


def _ec2_lines(
    workload: Workload, mode: modes.Mode, prices: PriceTable, plans: dict | None
) -> tuple[list[Line], list[str], Any]:
    flavour = FLAVOURS[mode.id]
    groups = task_groups(workload)
    if not groups:
        return [], ["No tasks to run: no instances are needed."], None
    best, naive = _planned(workload, groups, flavour, prices, plans)
    hours = workload.hours_per_month
    factor = 1 - prices.ec2_spot_discount if workload.spot else 1.0
    market = "Spot" if workload.spot else "On-Demand"
    lines: list[Line] = []
    notes: list[str] = []
    unpriced: list[str] = []
    for itype, count in sorted(best.instances.items()):
        hourly = prices.instances[itype]["hourly"]
        lines.append(
            _line(
                f"{itype} instances ({count} × {hours:g} h, {market})",
                count * hours,
                "instance-hour",
                hourly * factor,
            )
        )
        fee = prices.management_fee_for(mode.id, itype)
        if fee is not None:
            # The fee is per instance-hour of the type, Spot or not: its own line, so the
            # learner sees what the managed mode adds on top of EC2.
            lines.append(
                _line(
                    f"{mode.name} management fee ({itype}, {count} × {hours:g} h)",
                    count * hours,
                    "instance-hour",
                    fee,
                )
            )
        elif mode.id in prices.management_fee:
            unpriced.append(itype)
    if workload.needs["gpus"] and not _counts_gpus(workload):
        notes.append(
            "needs GPUs without a count per service: every task is placed on a GPU instance "
            "type and GPUs are not counted; write gpus: N on the services that use GPUs."
        )
    month = hours * factor
    if best.lower_bound > 0:
        gap = best.hourly / best.lower_bound - 1
        notes.append(
            f"Fleet {_fleet(best.instances)} ({flavour.upper()} packing) costs "
            f"{best.hourly * month:.2f} {prices.currency} a month, "
            f"{gap:.1%} above the lower bound of {best.lower_bound * month:.2f} (the best "
            "mix if tasks could be split across instances; no packing can cost less)."
        )
    if naive is not None:
        extra = naive.hourly / best.hourly - 1 if best.hourly else 0.0
        notes.append(
            f"Naive plan for comparison (one instance type, the cheapest per task, first fit): "
            f"{_fleet(naive.instances)} = {naive.hourly * month:.2f} {prices.currency} a "
            f"month ({extra:+.1%})."
        )
    if workload.spot:
        notes.append(
            f"EC2 Spot: the table's {prices.ec2_spot_discount:.0%} discount off On-Demand "
            "(Spot prices move with spare capacity; instances can be reclaimed)."
        )
    if mode.newer and unpriced:
        what = "null" if prices.management_fee.get(mode.id) is None else (
            "no fee for " + ", ".join(unpriced)
        )  # fmt: skip
        notes.append(
            f"The {mode.name} management fee is not in the price table (management_fee: "
            f"{what}): this total is EC2 only and understates the real bill."
        )
    return lines, notes, best


# --------------------------------------------------------------------------- feasibility


#: How a need reads after "needs" where the feature's label alone reads badly there.
_NEED_WORDS = {
    "kubernetes_api": "the Kubernetes API",
    "stateful_ebs": "stateful apps on EBS volumes",
    "privileged": "privileged containers",
}


def _offered_by(feature: str) -> str:
    """Which modes offer ``feature``, in words, from the modes data ("only the EKS modes")."""
    every = list(modes.MODES.values())
    givers = [m for m in every if m.supports[feature].value]
    if not givers:
        return "no mode offers"
    for value in sorted({m.orchestrator for m in givers}):
        if givers == [m for m in every if m.orchestrator == value]:
            return f"only the {value} modes offer"
    for value in sorted({m.compute for m in givers}):
        if givers == [m for m in every if m.compute == value]:
            where = "EC2 instances" if value == "EC2" else value
            return f"only the modes on {where} offer"
    if len(givers) == len(every) - 1:
        (lacking,) = [m for m in every if m not in givers]
        return f"every mode but {lacking.name} offers"
    names = [m.name for m in givers]
    return "only " + ", ".join(names[:-1]) + " and " + names[-1] + " offer"


def _support_reason(mode: modes.Mode, feature: str, what: str) -> str:
    # Plain words for the app and the CLI: what the workload asks for, which modes give it,
    # and why this one does not (the reason written in the modes data).
    reason = mode.supports[feature].reason.strip().rstrip(".")
    return f"{what}, which {_offered_by(feature)}: {reason}"


def _fargate_words(mode: modes.Mode, need: str) -> str:
    """Plain words after the modes data's reason, where Fargate's "no" needs them."""
    if mode.compute != "Fargate":
        return ""
    if need == "gpus":
        return (
            "; Fargate has no GPUs at all: every task or pod runs on CPU-only capacity that AWS "
            "chooses, so GPU work needs ECS or EKS on EC2 GPU instances"
        )
    if need == "stateful_ebs":
        storage = fargate.storage_support(mode.orchestrator)
        if storage["ebs_volumes_per_task"]:
            return (
                f"; ECS on Fargate can attach {storage['ebs_volumes_per_task']} EBS volume per "
                f"task at launch (since {storage['ebs_since']}), but it lives and dies with that "
                "task: use EFS for state that must outlive it"
            )
        return f"; EKS on Fargate mounts no EBS volumes at all; EFS works ({storage['efs']})"
    return ""


def _fargate_size_reasons(workload: Workload, mode: modes.Mode) -> list[str]:
    reasons = []
    for s in workload.services:
        if mode.orchestrator == "EKS":
            try:
                _pod_size(s)
            except FargateSizeError:
                reasons.append(
                    f"service {s.name}: {s.vcpu:g} vCPU / {s.memory_gb:g} GB plus the 256 MB "
                    "EKS adds to every pod is larger than the largest Fargate size "
                    "(16 vCPU, 120 GB)"
                )
        elif fargate.smallest_size(s.cpu_units, s.memory_mib) is None:
            reasons.append(
                f"service {s.name}: a {s.vcpu:g} vCPU / {s.memory_gb:g} GB task is larger than "
                "the largest Fargate size (16 vCPU, 120 GB)"
            )
    return reasons


def _ec2_reasons(workload: Workload, mode: modes.Mode, prices: PriceTable) -> list[str]:
    arch = workload.architecture
    gpu_types = prices.gpu_instances_for(arch)
    if workload.needs["gpus"] and not gpu_types:
        return [
            f"needs GPUs: not priced: add a GPU instance type to the price table "
            f"({prices.describe()} has no {arch} instance type with gpus; the mode itself "
            f"supports them: {mode.supports['gpus'].reason})"
        ]
    specs = _ec2_specs(workload, prices, FLAVOURS[mode.id])
    if not specs:
        return [f"no {arch} instance type in the price table ({prices.describe()})"]
    reasons = []
    for s in workload.services:
        fits = [x for x in specs if s.cpu_units <= x.cpu and s.memory_mib <= x.memory]
        if s.gpus and not any(x.gpus >= s.gpus for x in fits):
            most = max(specs, key=lambda x: (x.gpus, x.cpu, x.memory))
            reasons.append(
                f"service {s.name}: a {s.vcpu:g} vCPU / {s.memory_gb:g} GB task with "
                f"{s.gpus} GPU(s) does not fit on any {arch} GPU instance type in the price "
                f"table (the most GPUs: {most.name}, {most.gpus} GPU(s), "
                f"{most.cpu / 1024:g} vCPU / {most.memory / 1024:.2f} GB usable)"
            )
        elif not fits:
            biggest = max(specs, key=lambda x: (x.cpu, x.memory))
            reasons.append(
                f"service {s.name}: a {s.vcpu:g} vCPU / {s.memory_gb:g} GB task does not fit "
                f"on any {arch} instance type in the price table (largest usable: "
                f"{biggest.name}, {biggest.cpu / 1024:g} vCPU / {biggest.memory / 1024:.2f} GB)"
            )
    return reasons


def feasibility(
    workload: Workload,
    mode_id: str,
    prices: PriceTable | str | Path | None = None,
    *,
    on: _dt.date | None = None,
) -> list[str]:
    """Why ``mode_id`` cannot run ``workload`` (an empty list when it can).

    Every "no" says, in plain words, which modes offer what the workload needs and why
    this one does not (the reason written in the modes data, ``Mode.supports``), or the
    Fargate size or priced instance type it runs into. A workload
    that names a ``kubernetes_version`` past EKS's extended support on ``on`` (default: the
    price table's date) cannot run on the EKS modes.

    >>> from awscontainers.workload import Workload
    >>> w = Workload.from_dict({"services": [{"name": "big", "vcpu": 32, "memory_gb": 64}]})
    >>> print(feasibility(w, "ecs-fargate")[0])
    service big: a 32 vCPU / 64 GB task is larger than the largest Fargate size (16 vCPU, 120 GB)
    """
    mode = modes.get(mode_id)
    reasons = [
        _support_reason(mode, need, f"needs {_NEED_WORDS.get(need, modes.FEATURES[need].label)}")
        + _fargate_words(mode, need)
        for need in NEEDS
        if workload.needs[need] and not mode.supports[need].value
    ]
    if workload.architecture == "arm" and not mode.supports["arm"].value:
        reasons.append(_support_reason(mode, "arm", "runs on Arm (Graviton)"))
    table = _prices(prices)
    if workload.kubernetes_version is not None:
        reasons += _version_reasons(workload, mode, _judged_on(table, on))
    if mode.compute == "Fargate":
        reasons += _fargate_size_reasons(workload, mode)
    else:
        reasons += _ec2_reasons(workload, mode, table)
    return reasons


# --------------------------------------------------------------------------- one mode


def estimate(
    workload: Workload,
    mode_id: str,
    prices: PriceTable | str | Path | None = None,
    *,
    on: _dt.date | None = None,
    _plans: dict | None = None,
) -> Estimate:
    """The monthly cost of ``workload`` in one mode, line by line, or why it cannot run there.

    ``on`` is the day a named ``kubernetes_version`` is judged on (standard or extended
    support, and so the EKS control plane's price); it defaults to the price table's date.

    >>> from awscontainers.workload import Workload
    >>> w = Workload.from_dict({"services": [{"name": "web", "vcpu": 1, "memory_gb": 2}]})
    >>> print(estimate(w, "ecs-fargate").lines[1])
    Fargate vCPU-hours (web, 1 × 1 vCPU × 730 h): 730 vCPU-hour × 0.04048 = 29.55
    """
    table = _prices(prices)
    mode = modes.get(mode_id)
    description = table.describe()
    day = _judged_on(table, on) if workload.kubernetes_version is not None else None
    reasons = feasibility(workload, mode.id, table, on=day)
    if reasons:
        return Estimate(
            mode.id,
            mode.name,
            False,
            None,
            reasons=reasons,
            prices=description,
            currency=table.currency,
        )
    control, version_note = _control_plane(mode, table, workload, day)
    lines = [control]
    plan = None
    if mode.compute == "Fargate":
        more, notes = _fargate_lines(workload, mode, table)
    else:
        more, notes, plan = _ec2_lines(workload, mode, table, _plans)
    lines += more
    if mode.orchestrator == "EKS":
        notes.insert(
            0,
            f"The EKS control plane is billed for every hour of the month "
            f"({table.hours_per_month:g} h), whatever hours the tasks run.",
        )
        if version_note:
            notes.insert(1, version_note)
    notes.append(f"Prices: {description}.")
    total = round(sum(line.monthly for line in lines), 2)
    return Estimate(
        mode.id, mode.name, True, total, lines, [], notes, plan, description, table.currency
    )


# --------------------------------------------------------------------------- comparison


@dataclass
class Comparison:
    """One estimate per mode, in ``modes.MODES`` order. ``over_day`` says the estimates
    follow each service's load over the day (:func:`compare_over_day`)."""

    workload: Workload
    estimates: list[Estimate]
    prices: str
    over_day: bool = False

    @property
    def basis(self) -> str:
        """What the monthly figures assume, in words.

        >>> from awscontainers.workload import Workload
        >>> w = Workload.from_dict({"services": [{"name": "a", "vcpu": 1, "memory_gb": 2}]})
        >>> compare(w).basis
        'the same tasks all month'
        """
        if self.over_day:
            return "each service following its load over the day, each mode scaling with it"
        return "the same tasks all month"

    def __iter__(self):
        return iter(self.estimates)

    def get(self, mode_id: str) -> Estimate:
        """The estimate for one mode.

        >>> from awscontainers.workload import Workload
        >>> w = Workload.from_dict({"services": [{"name": "a", "vcpu": 1, "memory_gb": 2}]})
        >>> compare(w).get("ecs-fargate").monthly
        36.04
        """
        wanted = modes.get(mode_id).id
        return next(e for e in self.estimates if e.mode == wanted)

    def rows(self) -> list[dict[str, Any]]:
        """One dict per mode: mode, name, feasible, monthly and its lines (as text)."""
        return [
            {
                "mode": e.mode,
                "name": e.name,
                "feasible": e.feasible,
                "monthly": e.monthly,
                "lines": [str(line) for line in e.lines] if e.feasible else [],
                "reasons": list(e.reasons),
            }
            for e in self.estimates
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: the workload, the price table and every estimate."""
        return {
            "workload": self.workload.to_dict(),
            "prices": self.prices,
            "estimates": [e.to_dict() for e in self.estimates],
        }

    def table(self) -> Table:
        """A :class:`Table` of monthly cost per mode (text in a terminal)."""
        rows = []
        for e in self.estimates:
            cost = f"{e.monthly:.2f}" if e.feasible else "not possible: " + "; ".join(e.reasons)
            rows.append(
                {
                    "mode": e.name,
                    f"monthly ({e.currency})": cost,
                    "line items": [f"{line.item} {line.monthly:.2f}" for line in e.lines],
                }
            )
        return Table(rows, title=f"Monthly cost per hosting mode ({self.prices})")

    def _repr_html_(self) -> str:
        e = html.escape
        body = []
        for est in self.estimates:
            if est.feasible:
                cost = f"{est.monthly:.2f} {e(est.currency)}"
                items = "".join(
                    f"<li>{e(line.item)}: {line.quantity:g} {e(line.unit)} × "
                    f"{line.unit_price:g} = {line.monthly:.2f}</li>"
                    for line in est.lines
                )
                detail = f"<ul>{items}</ul>"
            else:
                cost = "not possible"
                detail = e("not possible: " + "; ".join(est.reasons))
            body.append(
                f'<tr><td>{e(est.name)}</td><td style="text-align:right">{cost}</td>'
                f"<td>{detail}</td></tr>"
            )
        return (
            '<table class="awscontainers-costs">'
            f"<caption>Monthly cost per hosting mode ({e(self.prices)})</caption>"
            "<thead><tr><th>mode</th><th>monthly</th><th>line items</th></tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>"
        )

    def __str__(self) -> str:
        return str(self.table())


def _check_workload(workload: Any) -> None:
    if not isinstance(workload, Workload):
        raise invalid_parameter(
            f"compare() takes a Workload, not {type(workload).__name__}.",
            "read one first: Workload.from_file('examples/workload.yaml') (or from_dict / "
            "from_text).",
        )


def compare(
    workload: Workload,
    prices: PriceTable | str | Path | None = None,
    *,
    on: _dt.date | None = None,
) -> Comparison:
    """Estimate ``workload`` in every mode, in ``modes.MODES`` order (``on``: see estimate).

    >>> from awscontainers.workload import Workload
    >>> w = Workload.from_dict({"services": [{"name": "a", "vcpu": 1, "memory_gb": 2}]})
    >>> [e.mode for e in compare(w)][:2]
    ['ecs-ec2', 'ecs-fargate']
    """
    _check_workload(workload)
    table = _prices(prices)
    # Modes of the same packing flavour share one fleet: plan it once.
    plans: dict = {}
    estimates = [estimate(workload, m, table, on=on, _plans=plans) for m in modes.MODES]
    return Comparison(workload, estimates, table.describe())


def cost_curve(
    workload: Workload,
    mode_ids: list[str],
    counts: list[int],
    prices: PriceTable | str | Path | None = None,
) -> dict[str, list[float]]:
    """Monthly cost per mode as every service's count is multiplied by each of ``counts``.

    Infeasible points are ``nan`` (plotting libraries leave a gap there).

    >>> from awscontainers.workload import Workload
    >>> w = Workload.from_dict({"services": [{"name": "a", "vcpu": 1, "memory_gb": 2}]})
    >>> cost_curve(w, ["ecs-fargate"], [1, 2])
    {'ecs-fargate': [36.04, 72.08]}
    """
    table = _prices(prices)
    curve: dict[str, list[float]] = {modes.get(m).id: [] for m in mode_ids}
    for factor in counts:
        scaled = workload.scaled(factor)
        plans: dict = {"quick": True}
        for mode_id, values in curve.items():
            e = estimate(scaled, mode_id, table, _plans=plans)
            values.append(e.monthly if e.monthly is not None else math.nan)
    return curve


# --------------------------------------------------------------------------- a day of load


@dataclass(frozen=True)
class Scaling:
    """How an EC2-backed mode's instances follow the load (``data/day2.yaml``,
    ``cost_over_time.ec2``): the share of instance capacity tasks may fill (headroom), how
    long before the need instances are launched, and how long after it they are kept.

    >>> s = scaling("eks-nodegroup")
    >>> s.target_utilisation, s.launch_ahead_seconds, s.keep_after_seconds
    (1.0, 0, 600)
    """

    mode: str
    scaler: str
    target_utilisation: float
    launch_ahead_seconds: int
    keep_after_seconds: int
    source: str


def _day2_figure(value: Any, where: str) -> float:
    """A figure written as a number, or as the dotted path of another figure in day2.yaml."""
    if isinstance(value, str):
        node: Any = load_packaged("day2.yaml")
        for part in value.split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(f"data/day2.yaml {where}: no figure at {value!r}")
            node = node[part]
        value = node
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"data/day2.yaml {where}: {value!r} is not a number")
    return float(value)


@lru_cache(maxsize=16)
def scaling(mode_id: str) -> Scaling:
    """The scaling figures of an EC2-backed mode (Fargate modes have none: no instances).

    >>> scaling("ecs-ec2").scaler
    'ECS cluster auto scaling (Auto Scaling group capacity provider, managed scaling)'
    """
    mode = modes.get(mode_id)
    entries = load_packaged("day2.yaml")["cost_over_time"]["ec2"]
    if mode.id not in entries:
        raise invalid_parameter(
            f"{mode.name} runs on Fargate: it has no instances to scale.",
            "ask for the scaling of an EC2-backed mode (" + ", ".join(entries) + ").",
        )
    e = entries[mode.id]
    where = f"cost_over_time.ec2.{mode.id}"
    return Scaling(
        mode.id,
        str(e["scaler"]),
        _day2_figure(e["target_utilisation_percent"], where) / 100,
        int(_day2_figure(e["launch_ahead_seconds"], where)),
        int(_day2_figure(e["keep_after_seconds"], where)),
        " ".join(str(e["source"]).split()),
    )


def tasks_over_day(workload: Workload, step_seconds: int = SAMPLE_SECONDS) -> list[tuple[int, ...]]:
    """The tasks each service needs at each sample of the day, in service order (a service
    without a load needs its ``count`` all day).

    >>> w = Workload.from_text("services: [{name: a, vcpu: 1, memory_gb: 2, count: 2}, "
    ...     "{name: b, vcpu: 1, memory_gb: 2, load: {step: {before: 1, after: 3, at: '12:00'}}}]")
    >>> needs = tasks_over_day(w, 6 * 3600)
    >>> needs
    [(2, 1), (2, 1), (2, 3), (2, 3)]
    """
    samples = DAY_SECONDS // step_seconds
    columns = [
        s.load.needed(step_seconds) if s.load is not None else [s.count] * samples
        for s in workload.services
    ]
    return list(zip(*columns, strict=True))


def held(series: list[int], *, ahead: int, after: int) -> list[int]:
    """What is paid for at each sample when capacity is bought ``ahead`` samples before it is
    needed and kept ``after`` samples after: the most needed in that window. The day
    repeats, so the window wraps around midnight.

    >>> held([0, 0, 3, 0, 0, 0], ahead=0, after=2)
    [0, 0, 3, 3, 3, 0]
    >>> held([0, 0, 3, 0, 0, 0], ahead=1, after=0)
    [0, 3, 3, 0, 0, 0]
    """
    n = len(series)
    if ahead == 0 and after == 0:
        return list(series)
    if ahead + after + 1 >= n:
        return [max(series)] * n
    # The day laid out from ``after`` samples before midnight to ``ahead`` after the next
    # one; a sliding window's maximum over it, each sample entering and leaving it once.
    ext = list(series[n - after :]) + list(series) + list(series[:ahead])
    width = after + ahead + 1
    out: list[int] = []
    window: deque[int] = deque()  # indexes into ext, their values falling
    for j, value in enumerate(ext):
        while window and ext[window[-1]] <= value:
            window.pop()
        window.append(j)
        if window[0] <= j - width:
            window.popleft()
        if j >= width - 1:
            out.append(ext[window[0]])
    return out


def _fleets_over_day(
    workload: Workload,
    needs: list[tuple[int, ...]],
    flavour: str,
    prices: PriceTable,
    plans: dict | None,
) -> tuple[dict[tuple[int, ...], dict[str, int]], Any]:
    """The fleet each distinct need of the day takes, and the peak's plan.

    The peak (the steady-state workload) is planned in full, as :func:`estimate` does. An
    Auto Scaling group grows and shrinks one instance type, so at other times each service
    runs on its home type, the peak fleet's most used type that holds its tasks, on instances
    of its own (``planner.per_instance``); the peak fleet instead when that costs less (it
    holds any smaller need)."""
    peak = tuple(s.count for s in workload.services)
    fleets: dict[tuple[int, ...], dict[str, int]] = {}
    if not any(peak):
        return {need: {} for need in set(needs)}, None
    groups = [
        planner.TaskGroup(s.name, s.cpu_units, s.memory_mib, n, s.gpus)
        for s, n in zip(workload.services, peak, strict=True)
        if n > 0
    ]
    peak_plan, _ = _planned(workload, groups, flavour, prices, plans)
    by_name = {x.name: x for x in _ec2_specs(workload, prices, flavour)}
    order = sorted(peak_plan.instances, key=lambda t: (-peak_plan.instances[t], by_name[t].hourly))
    # Each service's home type and how many of its tasks one instance of it holds.
    homes: list[tuple[str, int] | None] = []
    for s in workload.services:
        one = planner.TaskGroup(s.name, s.cpu_units, s.memory_mib, 1, s.gpus)
        fits = [(t, planner.per_instance(one, by_name[t])) for t in order]
        homes.append(next(((t, k) for t, k in fits if k > 0), None))
    for need in set(needs):
        fleet: dict[str, int] = {}
        for n, home in zip(need, homes, strict=True):
            if n:
                assert home is not None  # the peak fleet holds every service that runs
                fleet[home[0]] = fleet.get(home[0], 0) + -(-n // home[1])
        hourly = sum(by_name[t].hourly * c for t, c in fleet.items())
        fleets[need] = fleet if hourly < peak_plan.hourly else dict(peak_plan.instances)
    fleets[peak] = dict(peak_plan.instances)
    return fleets, peak_plan


def _day_needs(workload: Workload, plans: dict | None) -> list[tuple[int, ...]]:
    """:func:`tasks_over_day`, worked out once for all the modes of one comparison."""
    if plans is None:
        return tasks_over_day(workload)
    if "needs" not in plans:
        plans["needs"] = tasks_over_day(workload)
    return plans["needs"]


def _instance_hours_a_day(
    fleets: dict[tuple[int, ...], dict[str, int]],
    needs: list[tuple[int, ...]],
    target: float,
    ahead: int,
    after: int,
) -> dict[str, float]:
    """Each instance type's instance-hours over the day, in type order: the instances each
    sample's need takes with ``target`` headroom, held ``ahead`` and ``after`` samples."""
    out = {}
    for itype in sorted({t for fleet in fleets.values() for t in fleet}):
        # Headroom: the tasks may fill only target_utilisation of the instances. The day
        # has few distinct needs: work out each one's instances once.
        bought = {
            need: math.ceil(round(fleet.get(itype, 0) / target, 6))
            for need, fleet in fleets.items()
        }
        counts = held([bought[need] for need in needs], ahead=ahead, after=after)
        out[itype] = sum(counts) * SAMPLE_SECONDS / 3600
    return out


def _ec2_day_lines(
    workload: Workload, mode: modes.Mode, prices: PriceTable, plans: dict | None
) -> tuple[list[Line], list[str], Any]:
    needs = _day_needs(workload, plans)
    step = SAMPLE_SECONDS
    flavour = FLAVOURS[mode.id]
    # Modes of one packing flavour share the day's fleets, and those with the same scaling
    # rule the instance-hours too: within one comparison, each is worked out once.
    kept: dict = plans if plans is not None else {}
    if ("fleets", flavour) not in kept:
        kept["fleets", flavour] = _fleets_over_day(workload, needs, flavour, prices, plans)
    fleets, peak_plan = kept["fleets", flavour]
    peak_plan = None if peak_plan is None else _copied(peak_plan)
    rule = scaling(mode.id)
    ahead = math.ceil(rule.launch_ahead_seconds / step)
    after = math.ceil(rule.keep_after_seconds / step)
    if ("hours", flavour, rule.target_utilisation, ahead, after) not in kept:
        kept["hours", flavour, rule.target_utilisation, ahead, after] = _instance_hours_a_day(
            fleets, needs, rule.target_utilisation, ahead, after
        )
    hours_a_day = kept["hours", flavour, rule.target_utilisation, ahead, after]
    days = workload.hours_per_month / 24
    factor = 1 - prices.ec2_spot_discount if workload.spot else 1.0
    market = "Spot" if workload.spot else "On-Demand"
    lines: list[Line] = []
    for itype, per_day in hours_a_day.items():
        if not per_day:
            continue
        lines.append(
            _line(
                f"{itype} instances (following the load: {per_day:,.6g} instance-hours a day "
                f"× {days:.6g} days, {market})",
                per_day * days,
                "instance-hour",
                prices.instances[itype]["hourly"] * factor,
            )
        )
        fee = prices.management_fee_for(mode.id, itype)
        if fee is not None:
            lines.append(
                _line(
                    f"{mode.name} management fee ({itype}, {per_day:,.6g} instance-hours a day "
                    f"× {days:.6g} days)",
                    per_day * days,
                    "instance-hour",
                    fee,
                )
            )
    notes = [
        f"Instances follow the load as {rule.scaler} moves them: tasks fill at most "
        f"{rule.target_utilisation:.0%} of the instances, which are launched "
        f"{rule.launch_ahead_seconds} s before they are needed and kept "
        f"{rule.keep_after_seconds} s after the need falls (data/day2.yaml, "
        f"cost_over_time; source: {rule.source})."
    ]
    if peak_plan is not None:
        notes.append(
            f"At the day's peak the fleet is {_fleet(peak_plan.instances)}; at other times "
            "each service runs on its home type in it, on instances of its own, as many as "
            "the load needs."
        )
    if workload.spot:
        notes.append(
            f"EC2 Spot: the table's {prices.ec2_spot_discount:.0%} discount off On-Demand."
        )
    return lines, notes, peak_plan


def estimate_over_day(
    workload: Workload,
    mode_id: str,
    prices: PriceTable | str | Path | None = None,
    *,
    on: _dt.date | None = None,
    _plans: dict | None = None,
) -> Estimate:
    """The monthly cost of ``workload`` in one mode when each service follows its ``load``
    over the day and the mode scales with it; the day repeats for ``hours_per_month / 24``
    days. A service without a load needs its count all day, so a workload without loads
    costs what :func:`estimate` says.

    Fargate pays per task-second for the tasks the load needs at each minute
    (``data/day2.yaml``, ``cost_over_time.fargate``). EC2-backed modes pay for the peak's
    planned fleet, each service's type in it grown and shrunk to each minute's tasks (an
    Auto Scaling group scales one type), with the headroom and the lag of the mode's scaler
    (:func:`scaling`). EKS modes add the control plane, always on.

    >>> w = Workload.from_text("services: [{name: web, vcpu: 1, memory_gb: 2, "
    ...                        "load: {daily: {low: 1, high: 4}}}]")
    >>> estimate(w, "ecs-fargate").monthly  # sized for the peak, 4 tasks all month
    144.16
    >>> estimate_over_day(w, "ecs-fargate").monthly  # 1 to 4 tasks as the day goes
    108.09
    """
    table = _prices(prices)
    steady = estimate(workload, mode_id, table, on=on, _plans=_plans)
    if not steady.feasible:
        return steady
    mode = modes.get(mode_id)
    lines = [steady.lines[0]]  # the control plane, billed every hour whatever the load
    if mode.compute == "Fargate":
        days = workload.hours_per_month / 24
        needs = _day_needs(workload, _plans)
        task_hours = {
            s.name: sum(n[i] for n in needs) * SAMPLE_SECONDS / 3600 * days
            for i, s in enumerate(workload.services)
        }
        more, notes = _fargate_lines(workload, mode, table, task_hours)
        facts = load_packaged("day2.yaml")["cost_over_time"]["fargate"]
        notes.append(
            "Fargate bills each task or pod per second (at least "
            f"{facts['minimum_seconds']} s) for the tasks the load needs at each minute "
            f"(source: {' '.join(str(facts['source']).split())})."
        )
        plan = None
    else:
        more, notes, plan = _ec2_day_lines(workload, mode, table, _plans)
    lines += more
    # What the steady estimate says about the mode itself still holds over the day: the
    # control plane, the Kubernetes version, a management fee missing from the table (the
    # chooser never picks such a mode on cost), GPUs without a count.
    kept = (
        "The EKS control plane is billed",
        "Kubernetes ",
        "needs GPUs without a count",
        "management fee is not in the price table",
    )
    notes = [n for n in steady.notes if any(k in n for k in kept)] + notes
    notes.append(
        f"The day repeats for {workload.hours_per_month / 24:.6g} days "
        f"({workload.hours_per_month:g} h a month); prices: {steady.prices}."
    )
    total = round(sum(line.monthly for line in lines), 2)
    return Estimate(
        mode.id, mode.name, True, total, lines, [], notes, plan, steady.prices, table.currency
    )


def compare_over_day(
    workload: Workload,
    prices: PriceTable | str | Path | None = None,
    *,
    on: _dt.date | None = None,
) -> Comparison:
    """:func:`estimate_over_day` in every mode, in ``modes.MODES`` order.

    >>> w = Workload.from_text("services: [{name: web, vcpu: 1, memory_gb: 2, "
    ...                        "load: {daily: {low: 1, high: 4}}}]")
    >>> compare_over_day(w).get("ecs-fargate").monthly
    108.09
    """
    _check_workload(workload)
    table = _prices(prices)
    plans: dict = {}
    estimates = [estimate_over_day(workload, m, table, on=on, _plans=plans) for m in modes.MODES]
    return Comparison(workload, estimates, table.describe(), over_day=True)


def steady_and_over_day(steady: Comparison, over_day: Comparison) -> Table:
    """One row per mode: the steady-state monthly figure (the peak's tasks all month) and
    the one that follows the load, side by side.

    >>> w = Workload.from_text("services: [{name: web, vcpu: 1, memory_gb: 2, "
    ...                        "load: {daily: {low: 1, high: 4}}}]")
    >>> row = steady_and_over_day(compare(w), compare_over_day(w))[1]
    >>> list(row.values())
    ['ECS on Fargate', '144.16', '108.09', '25.0%']
    """
    rows = []
    for a, b in zip(steady.estimates, over_day.estimates, strict=True):
        cur = a.currency
        if a.monthly is None or b.monthly is None:
            rows.append(
                {
                    "mode": a.name,
                    f"steady state ({cur}/month)": "not possible",
                    f"following the load ({cur}/month)": "not possible",
                    "saved": None,
                }
            )
            continue
        saved = 1 - b.monthly / a.monthly if a.monthly else 0.0
        rows.append(
            {
                "mode": a.name,
                f"steady state ({cur}/month)": f"{a.monthly:.2f}",
                f"following the load ({cur}/month)": f"{b.monthly:.2f}",
                "saved": f"{saved:.1%}",
            }
        )
    return Table(
        rows,
        title=f"Monthly cost: sized for the peak all month, or following the load "
        f"({steady.prices})",
    )


# --------------------------------------------------------------------------- a timeline, priced


@dataclass(frozen=True)
class HourlyRate:
    """What one mode costs an hour for one service: ``fixed`` (the control plane) plus
    ``per_task`` for each running task or pod (Fargate) plus ``per_node`` for each node or
    instance (EC2). ``describe`` says where the figures came from.

    >>> r = hourly_rate("ecs-fargate", vcpu=1, memory_gb=2)
    >>> r.fixed, r.per_task, r.per_node
    (0.0, 0.04937, 0.0)
    """

    mode: str
    fixed: float
    per_task: float
    per_node: float
    describe: str

    def at(self, running: int, nodes: int | None) -> float:
        """USD (or the table's currency) an hour with ``running`` tasks and ``nodes``."""
        return self.fixed + self.per_task * running + self.per_node * (nodes or 0)


def hourly_rate(
    mode_id: str,
    *,
    vcpu: float,
    memory_gb: float,
    instance_type: str | None = None,
    architecture: str = "x86",
    prices: PriceTable | str | Path | None = None,
) -> HourlyRate:
    """The hourly rate of a service of ``vcpu`` / ``memory_gb`` tasks in one mode, On-Demand:
    Fargate modes bill each task at the Fargate size that holds it (EKS adds 256 MB per pod
    first); EC2 modes bill each ``instance_type`` instance (and the mode's management fee);
    EKS modes add the control plane.

    >>> hourly_rate("eks-nodegroup", vcpu=1, memory_gb=2, instance_type="m5.large").per_node
    0.096
    """
    table = _prices(prices)
    mode = modes.get(mode_id)
    service = Service.from_dict({"name": "rate", "vcpu": vcpu, "memory_gb": memory_gb})
    if architecture not in ARCHITECTURES:
        raise invalid_parameter(
            f"architecture must be one of {', '.join(ARCHITECTURES)}, not {architecture!r}.",
            "use x86 or arm.",
        )
    fixed = (
        table.control_plane["eks_per_cluster_hour_standard"]
        if mode.orchestrator == "EKS"
        else table.control_plane["ecs_per_cluster_hour"]
    )
    if mode.compute == "Fargate":
        if mode.orchestrator == "EKS":
            v, gb = _pod_size(service)
        else:
            fit = fargate.smallest_size(service.cpu_units, service.memory_mib)
            if fit is None:
                raise FargateSizeError(
                    f"A {vcpu:g} vCPU / {memory_gb:g} GB task is larger than any Fargate size.",
                    code="InvalidParameterException",
                    hint="use at most 16 vCPU and 120 GB.",
                )
            v, gb = fit[0] / 1024, fit[1] / 1024
        rates = table.fargate[architecture]
        per_task = round(v * rates["vcpu_hour"] + gb * rates["gb_hour"], 8)
        what = f"Fargate {v:g} vCPU / {gb:g} GB per task"
        return HourlyRate(
            mode.id, fixed, per_task, 0.0, f"{mode.name}: {what} ({table.describe()})"
        )
    if instance_type not in table.instances:
        raise invalid_parameter(
            f"{mode.name} bills instances: instance_type must be one in the price table, "
            f"not {instance_type!r}.",
            "pass instance_type= one of " + ", ".join(table.instances_for(architecture)) + ".",
        )
    fee = table.management_fee_for(mode.id, instance_type) or 0.0
    per_node = round(table.instances[instance_type]["hourly"] + fee, 8)
    return HourlyRate(
        mode.id,
        fixed,
        0.0,
        per_node,
        f"{mode.name}: {instance_type} per node{' with its management fee' if fee else ''} "
        f"({table.describe()})",
    )


def priced_timeline(rows: Any, rates: HourlyRate | dict[str, HourlyRate]) -> Table:
    """A timeline (``lab.timeline()``) with what each row costs: ``cost_per_hour`` at that
    step and ``cost_usd``, accumulated since the target's first row. ``rates`` is one
    :class:`HourlyRate` for every target, or one per target name. Pure: it reads the rows.

    >>> import datetime as dt
    >>> t0 = dt.datetime(2026, 11, 30, 9, tzinfo=dt.timezone.utc)
    >>> rows = [{"time": t0 + dt.timedelta(hours=h), "target": "ecs:a/b", "running": 2,
    ...          "nodes": "-"} for h in range(3)]
    >>> [r["cost_usd"] for r in priced_timeline(rows, hourly_rate("ecs-fargate", vcpu=1,
    ...                                                              memory_gb=2))]
    [0.0, 0.09874, 0.19748]
    """
    if isinstance(rows, str | bytes | dict) or not isinstance(rows, list):
        raise invalid_parameter(
            f"priced_timeline takes the rows of lab.timeline(), not {type(rows).__name__}.",
            "pass lab.timeline().",
        )
    targets = list(dict.fromkeys(str(r.get("target")) for r in rows if isinstance(r, dict)))
    if isinstance(rates, dict):
        missing = [t for t in targets if t not in rates]
        if missing or not all(isinstance(r, HourlyRate) for r in rates.values()):
            raise invalid_parameter(
                f"No hourly rate for {', '.join(missing) or 'some targets'}.",
                "give rates={target: hourly_rate(mode, ...)} for every target: "
                + ", ".join(targets),
            )
    elif not isinstance(rates, HourlyRate):
        raise invalid_parameter(
            f"rates must be an HourlyRate or a dict of them, not {type(rates).__name__}.",
            "build one with hourly_rate('ecs-fargate', vcpu=1, memory_gb=2).",
        )
    out: list[dict[str, Any]] = []
    last: dict[str, tuple[_dt.datetime, float, float]] = {}
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or not isinstance(row.get("time"), _dt.datetime):
            raise invalid_parameter(
                f"Timeline row {i} is not a row with a time.", "pass lab.timeline()."
            )
        target = str(row.get("target"))
        rate = rates[target] if isinstance(rates, dict) else rates
        running = row.get("running")
        nodes = row.get("nodes")
        per_hour = rate.at(
            running if isinstance(running, int) and not isinstance(running, bool) else 0,
            nodes if isinstance(nodes, int) and not isinstance(nodes, bool) else None,
        )
        total = 0.0
        if target in last:
            when, before, so_far = last[target]
            # What was paid since the last row, at the rate in force then.
            total = so_far + before * (row["time"] - when).total_seconds() / 3600
        last[target] = (row["time"], per_hour, total)
        out.append({**row, "cost_per_hour": round(per_hour, 6), "cost_usd": round(total, 6)})
    return Table(out, title="Timeline, priced")
