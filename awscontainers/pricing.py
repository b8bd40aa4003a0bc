"""Refreshing the price table from the AWS Price List API (real-AWS backend only).

The packaged table (``data/prices.yaml``) is dated and sourced; prices change. With a real
account, :func:`refresh_prices` asks the Price List API (``pricing.get_products``) for
today's on-demand prices of every instance type in the table, Fargate and the EKS control
plane, and :func:`save_prices` writes the result as a file ``costs.load_prices`` reads.

>>> from awscontainers import Lab, LabError
>>> with Lab() as lab:
...     try:
...         refresh_prices(lab)
...     except LabError as error:
...         print(error.message)
The AWS Price List API needs the real-AWS backend; this lab is simulated.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
from pathlib import Path
from typing import Any

import yaml

from ._aws import call
from .costs import PriceTable, load_prices
from .errors import LabError

#: The Price List API's names for regions, and the prefix of their usage types.
LOCATIONS = {
    "us-east-1": ("US East (N. Virginia)", "USE1"),
    "us-east-2": ("US East (Ohio)", "USE2"),
    "us-west-2": ("US West (Oregon)", "USW2"),
    "eu-west-1": ("EU (Ireland)", "EU"),
    "eu-central-1": ("EU (Frankfurt)", "EUC1"),
}


def _filters(**fields: str) -> list[dict]:
    return [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in fields.items()]


def on_demand_price(price_item: str | dict) -> float | None:
    """The on-demand USD price per unit in one Price List item (JSON text or dict)."""
    item = json.loads(price_item) if isinstance(price_item, str) else price_item
    for term in (item.get("terms", {}).get("OnDemand") or {}).values():
        for dimension in (term.get("priceDimensions") or {}).values():
            usd = (dimension.get("pricePerUnit") or {}).get("USD")
            if usd is not None and float(usd) > 0:
                return float(usd)
    return None


def _first_price(client: Any, service: str, filters: list[dict]) -> float | None:
    found = call(client, "get_products", ServiceCode=service, Filters=filters, MaxResults=10)
    for item in found.get("PriceList", []):
        price = on_demand_price(item)
        if price is not None:
            return price
    return None


def refresh_prices(
    lab: Any = None,
    *,
    client: Any = None,
    prices: PriceTable | None = None,
    today: _dt.date | None = None,
) -> PriceTable:
    """A copy of ``prices`` (default: the packaged table) with every price the Price List API
    returns for the lab's region. Prices it does not return are kept, and listed in the new
    table's ``source``."""
    if client is None:
        if lab is None or getattr(lab, "simulated", True):
            raise LabError(
                "The AWS Price List API needs the real-AWS backend; this lab is simulated.",
                hint='use Lab(backend="aws", confirm=...) to refresh, or load a newer price '
                "file with costs.load_prices(path).",
            )
        # The Price List API answers from us-east-1 whatever region the prices are for.
        client = lab._session.client("pricing", region_name="us-east-1")
    base = prices or load_prices()
    if base.region not in LOCATIONS:
        raise LabError(
            f"No Price List location known for region {base.region}.",
            hint="use one of: " + ", ".join(LOCATIONS) + ".",
        )
    location, prefix = LOCATIONS[base.region]
    kept: list[str] = []
    instances = {name: dict(entry) for name, entry in base.instances.items()}
    for name, entry in instances.items():
        price = _first_price(
            client,
            "AmazonEC2",
            _filters(
                instanceType=name,
                location=location,
                operatingSystem="Linux",
                tenancy="Shared",
                preInstalledSw="NA",
                capacitystatus="Used",
            ),
        )
        if price is None:
            kept.append(f"ec2 {name}")
        else:
            entry["hourly"] = price
    fargate = {arch: dict(v) for arch, v in base.fargate.items()}
    usage = {
        ("x86", "vcpu_hour"): f"{prefix}-Fargate-vCPU-Hours:perCPU",
        ("x86", "gb_hour"): f"{prefix}-Fargate-GB-Hours",
        ("arm", "vcpu_hour"): f"{prefix}-Fargate-ARM-vCPU-Hours:perCPU",
        ("arm", "gb_hour"): f"{prefix}-Fargate-ARM-GB-Hours",
    }
    for (arch, unit), usagetype in usage.items():
        price = _first_price(client, "AmazonECS", _filters(usagetype=usagetype))
        if price is None:
            kept.append(f"fargate {arch} {unit}")
        else:
            fargate[arch][unit] = price
    control_plane = dict(base.control_plane)
    eks = _first_price(
        client, "AmazonEKS", _filters(usagetype=f"{prefix}-AmazonEKS-Hours:perCluster")
    )
    if eks is None:
        kept.append("eks control plane")
    else:
        control_plane["eks_per_cluster_hour_standard"] = eks
    date = (today or _dt.date.today()).isoformat()
    source = f"AWS Price List API (pricing.get_products, {location}), fetched {date}"
    if kept:
        source += f"; not returned, kept from {base.describe()}: " + ", ".join(kept)
    return dataclasses.replace(
        base,
        name=f"AWS Price List API prices for {base.region}",
        date=date,
        source=source,
        fargate=fargate,
        control_plane=control_plane,
        instances=instances,
        path=None,
    )


def save_prices(table: PriceTable, path: str | Path) -> Path:
    """Write ``table`` as a YAML price file that ``costs.load_prices(path)`` reads back."""
    data = {
        "name": table.name,
        "region": table.region,
        "currency": table.currency,
        "date": table.date,
        "source": table.source,
        "hours_per_month": table.hours_per_month,
        "fargate": {**table.fargate, "spot_discount": table.fargate_spot_discount},
        "control_plane": dict(table.control_plane),
        "management_fee": dict(table.management_fee),
        "ec2": {"spot_discount": table.ec2_spot_discount, "instances": table.instances},
        "network": dict(table.network),
    }
    path = Path(path)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path
