"""Refreshing prices from the AWS Price List API: the parsing and the refusal. The API
itself needs a real account, so a client that answers like it stands in for it here."""

import json

import pytest

from awscontainers import Lab, LabError
from awscontainers.costs import estimate, load_prices
from awscontainers.pricing import on_demand_price, refresh_prices, save_prices
from awscontainers.workload import Workload


def item(usd: str) -> str:
    # The shape of one PriceList entry (trimmed): terms.OnDemand.<sku.term>.priceDimensions.
    return json.dumps(
        {
            "product": {"sku": "X"},
            "terms": {
                "OnDemand": {
                    "X.JRTCKXETXF": {
                        "priceDimensions": {
                            "X.JRTCKXETXF.6YS6EN2CT7": {
                                "unit": "Hrs",
                                "pricePerUnit": {"USD": usd},
                            }
                        }
                    }
                }
            },
        }
    )


class PriceListClient:
    """Answers get_products like the Price List API, from a table of known prices."""

    def __init__(self, prices):
        self.prices = prices
        self.calls = []
        self.meta = type("meta", (), {"endpoint_url": "https://api.pricing.us-east-1"})()

    def get_products(self, ServiceCode, Filters, MaxResults):
        fields = {f["Field"]: f["Value"] for f in Filters}
        self.calls.append((ServiceCode, fields))
        key = fields.get("instanceType") or fields.get("usagetype")
        usd = self.prices.get((ServiceCode, key))
        return {"PriceList": [item(usd)] if usd else []}


def test_on_demand_price_reads_the_price_dimension():
    assert on_demand_price(item("0.0960000000")) == 0.096
    assert on_demand_price(json.dumps({"terms": {}})) is None


def test_refresh_updates_what_the_api_returns_and_keeps_the_rest():
    client = PriceListClient(
        {
            ("AmazonEC2", "m5.large"): "0.1010000000",
            ("AmazonECS", "USE1-Fargate-vCPU-Hours:perCPU"): "0.0450000000",
            ("AmazonECS", "USE1-Fargate-GB-Hours"): "0.0050000000",
            ("AmazonEKS", "USE1-AmazonEKS-Hours:perCluster"): "0.1000000000",
        }
    )
    base = load_prices()
    fresh = refresh_prices(client=client, today=__import__("datetime").date(2027, 1, 2))
    assert fresh.instances["m5.large"]["hourly"] == 0.101
    assert fresh.instances["c5.large"]["hourly"] == base.instances["c5.large"]["hourly"]
    assert fresh.fargate["x86"] == {"vcpu_hour": 0.045, "gb_hour": 0.005}
    assert fresh.fargate["arm"] == base.fargate["arm"]
    assert fresh.date == "2027-01-02"
    assert "kept from awscontainers default price table" in fresh.source
    assert "ec2 c5.large" in fresh.source and "ec2 m5.large" not in fresh.source
    ec2_call = next(
        f for s, f in client.calls if s == "AmazonEC2" and f["instanceType"] == "m5.large"
    )
    assert (
        ec2_call["location"] == "US East (N. Virginia)" and ec2_call["operatingSystem"] == "Linux"
    )
    # The estimate uses the new table and says so.
    one = Workload.from_dict({"services": [{"name": "a", "vcpu": 1, "memory_gb": 2}]})
    e = estimate(one, "ecs-fargate", fresh)
    assert e.monthly == round(730 * 0.045, 2) + round(730 * 2 * 0.005, 2)
    assert "2027-01-02" in e.prices


def test_saved_prices_load_back(tmp_path):
    client = PriceListClient({("AmazonEC2", "t3.medium"): "0.0500000000"})
    fresh = refresh_prices(client=client)
    loaded = load_prices(save_prices(fresh, tmp_path / "prices.yaml"))
    assert loaded.instances["t3.medium"]["hourly"] == 0.05
    assert loaded.describe() == fresh.describe()


def test_simulated_labs_refuse_to_refresh():
    with Lab() as lab, pytest.raises(LabError, match="needs the real-AWS backend"):
        refresh_prices(lab)
