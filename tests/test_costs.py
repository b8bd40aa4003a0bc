"""Cost estimates checked by hand against awscontainers/data/prices.yaml (2026-11-30).

Prices used below: Fargate x86 0.04048 per vCPU-hour and 0.004445 per GB-hour; Arm 0.03238
and 0.00356; FARGATE_SPOT and EC2 Spot 70% off; EKS control plane 0.10 per cluster-hour;
t3.medium 0.0416 an hour; 730 hours a month. Each line is rounded to cents.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from awscontainers import costs, modes
from awscontainers.cli import main
from awscontainers.errors import InvalidParameterError, NotFoundError
from awscontainers.workload import Workload

DEFAULT = "awscontainers default price table, us-east-1, 2026-11-30"


def one(vcpu=1, memory_gb=2, count=1, **extra) -> Workload:
    services = [{"name": "web", "vcpu": vcpu, "memory_gb": memory_gb, "count": count}]
    return Workload.from_dict({"services": services, **extra})


def items(e: costs.Estimate) -> dict[str, float]:
    return {line.item: line.monthly for line in e.lines}


# --------------------------------------------------------------------------- price table


def test_default_price_table_is_described_with_its_date():
    prices = costs.load_prices()
    assert prices.describe() == DEFAULT
    assert prices.fargate["arm"] == {"vcpu_hour": 0.03238, "gb_hour": 0.00356}


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda d: d["fargate"].pop("arm"), "fargate.arm"),
        (lambda d: d["fargate"]["x86"].update(vcpu_hour=-1), "fargate.x86.vcpu_hour"),
        (lambda d: d["ec2"].update(spot_discount=1.5), "ec2.spot_discount"),
        (lambda d: d["ec2"]["instances"]["t3.medium"].update(arch="sparc"), "t3.medium.arch"),
    ],
)
def test_broken_price_table_is_refused_naming_the_field(tmp_path, change, field):
    data = _default_data()
    change(data)
    path = tmp_path / "prices.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(InvalidParameterError) as err:
        costs.load_prices(path)
    assert field in str(err.value)
    assert err.value.hint


def test_missing_price_file_is_not_found(tmp_path):
    with pytest.raises(NotFoundError):
        costs.load_prices(tmp_path / "nope.yaml")


def _default_data() -> dict:
    path = Path(costs.__file__).parent / "data" / "prices.yaml"
    return yaml.safe_load(path.read_text())


# --------------------------------------------------------------------------- Fargate


def test_ecs_fargate_one_always_on_task():
    e = costs.estimate(one(), "ecs-fargate")
    # 730 × (1 × 0.04048 + 2 × 0.004445) = 730 × 0.04937 = 36.04
    # line by line: 730 × 0.04048 = 29.5504 -> 29.55; 1460 × 0.004445 = 6.4897 -> 6.49
    assert e.feasible and e.monthly == 36.04
    assert [line.monthly for line in e.lines] == [0.0, 29.55, 6.49]
    assert "free" in e.lines[0].item  # the ECS control plane costs nothing, and says so
    assert e.lines[2].quantity == 1460 and e.lines[2].unit == "GB-hour"
    assert e.prices == DEFAULT


def test_eks_fargate_adds_256_mb_before_rounding_and_the_control_plane():
    e = costs.estimate(one(), "eks-fargate")
    # 2 GB + 256 MB -> 3 GB: 730 × (0.04048 + 3 × 0.004445) = 29.55 + 9.73 = 39.28
    # control plane 730 × 0.10 = 73.00 -> 112.28
    assert e.monthly == 112.28
    assert e.lines[0].monthly == 73.0 and e.lines[0].unit_price == 0.10
    assert e.lines[2].quantity == 3 * 730  # billed as 3 GB, not 2
    assert any("256 MB" in n for n in e.notes)


def test_eks_control_plane_alone_when_no_tasks_run():
    e = costs.estimate(one(count=0), "eks-fargate")
    assert e.monthly == 73.0  # 730 × 0.10
    assert [line.item for line in e.lines] == ["EKS control plane (1 cluster, always on)"]


def test_control_plane_is_always_on_even_for_short_months():
    e = costs.estimate(one(hours_per_month=100), "eks-fargate")
    # tasks 100 h: 100 × 0.04048 = 4.048 -> 4.05; 300 GB-h × 0.004445 = 1.3335 -> 1.33
    # control plane still 730 × 0.10 = 73.00
    assert e.monthly == 78.38


def test_arm_prices():
    e = costs.estimate(one(architecture="arm"), "ecs-fargate")
    # 730 × 0.03238 = 23.6374 -> 23.64; 1460 × 0.00356 = 5.1976 -> 5.20; total 28.84
    assert e.monthly == 28.84
    assert "Arm" in e.lines[1].item


def test_fargate_spot_discount():
    e = costs.estimate(one(spot=True), "ecs-fargate")
    # 0.04048 × 0.3 = 0.012144 × 730 = 8.865 -> 8.87; 0.004445 × 0.3 × 1460 = 1.947 -> 1.95
    assert e.monthly == 10.82
    assert e.lines[1].item.startswith("FARGATE_SPOT")
    assert e.lines[1].unit_price == pytest.approx(0.012144)


def test_eks_fargate_has_no_spot_and_says_so():
    e = costs.estimate(one(spot=True), "eks-fargate")
    assert e.monthly == 112.28  # On-Demand, as without spot
    assert any("Fargate Spot is not available for EKS" in n for n in e.notes)


def test_task_rounds_up_to_a_valid_fargate_size():
    e = costs.estimate(one(vcpu=0.25, memory_gb=3), "ecs-fargate")
    # 0.25 vCPU allows at most 2 GB, so 0.5 vCPU / 3 GB:
    # 730 × 0.5 × 0.04048 = 14.7752 -> 14.78; 730 × 3 × 0.004445 = 9.73455 -> 9.73
    assert e.lines[1].quantity == 365 and e.lines[2].quantity == 2190
    assert e.monthly == 24.51
    assert any("0.5 vCPU / 3 GB" in n for n in e.notes)


# --------------------------------------------------------------------------- EC2 modes


def test_ecs_on_ec2_uses_the_planner_fleet():
    e = costs.estimate(one(), "ecs-ec2")
    # one 1 vCPU / 2 GB task fits one t3.medium: 730 × 0.0416 = 30.368 -> 30.37
    assert e.plan.instances == {"t3.medium": 1}
    assert items(e)["t3.medium instances (1 × 730 h, On-Demand)"] == 30.37
    assert e.monthly == 30.37
    assert any("above the lower bound" in n for n in e.notes)
    assert any("Naive plan" in n for n in e.notes)


def test_ec2_spot_discount():
    e = costs.estimate(one(spot=True), "ecs-ec2")
    # 0.0416 × 0.3 = 0.01248 × 730 = 9.1104 -> 9.11
    assert e.monthly == 9.11


def test_arm_uses_only_arm_instance_types():
    e = costs.estimate(one(architecture="arm"), "eks-nodegroup")
    assert set(e.plan.instances) == {"m7g.large"}
    # 73.00 + 730 × 0.0816 = 73.00 + 59.568 -> 59.57
    assert e.monthly == 132.57


def test_newer_modes_say_the_management_fee_is_missing(tmp_path):
    # A price table whose fees are unknown (null), as the packaged one was before issue 9.
    data = _default_data()
    data["management_fee"] = {"ecs-managed-instances": None, "eks-auto-mode": None}
    path = tmp_path / "prices.yaml"
    path.write_text(yaml.safe_dump(data))
    for mode_id in ("ecs-managed-instances", "eks-auto-mode"):
        e = costs.estimate(one(), mode_id, prices=path)
        assert any("management fee is not in the price table" in n for n in e.notes)
    assert not any("management fee" in n for n in costs.estimate(one(), "ecs-ec2").notes)


def test_lines_add_up_to_the_total():
    w = Workload.from_file(Path(__file__).parent.parent / "examples" / "workload.yaml")
    for e in costs.compare(w):
        assert e.feasible
        assert e.monthly == pytest.approx(sum(line.monthly for line in e.lines), abs=1e-9)


# --------------------------------------------------------------------------- user prices


def test_user_price_file_overrides_and_is_named(tmp_path):
    data = _default_data()
    data["name"] = "my prices"
    data["date"] = "2027-01-15"
    data["fargate"]["x86"]["vcpu_hour"] = 0.05
    path = tmp_path / "prices.yaml"
    path.write_text(yaml.safe_dump(data))
    e = costs.estimate(one(), "ecs-fargate", prices=path)
    # 730 × 0.05 = 36.50, plus 6.49 for memory = 42.99 (was 36.04)
    assert e.monthly == 42.99
    assert e.prices == "my prices, us-east-1, 2027-01-15"
    assert any("my prices" in n for n in e.notes)


# --------------------------------------------------------------------------- comparison


def test_compare_covers_every_mode_in_order():
    c = costs.compare(one(needs={"daemonsets": True}))
    assert [e.mode for e in c] == list(modes.MODES)
    assert c.get("ecs-fargate").feasible is False
    rows = {r["mode"]: r for r in c.rows()}
    assert rows["ecs-ec2"]["monthly"] == 30.37
    assert rows["eks-fargate"]["feasible"] is False
    data = json.loads(json.dumps(c.to_dict()))
    assert data["prices"] == DEFAULT and len(data["estimates"]) == len(modes.MODES)


def test_comparison_html_is_deterministic_and_shows_infeasible_reasons():
    c = costs.compare(one(needs={"daemonsets": True}))
    page = c._repr_html_()
    assert page == costs.compare(one(needs={"daemonsets": True}))._repr_html_()
    assert "not possible: needs DaemonSets" in page
    assert "36.04" not in page and "30.37" in page
    assert " id=" not in page
    text = str(c.table())
    assert "not possible" in text and DEFAULT in text


def test_cost_curve_scales_every_service():
    curve = costs.cost_curve(one(), ["ecs-fargate", "eks-fargate"], [1, 2, 10])
    # ECS: n × 730 h × 0.04048 + n × 1460 GB-h × 0.004445, each line rounded to cents:
    #   n=2: 59.10 + 12.98 = 72.08; n=10: 295.50 + 64.90 = 360.40
    assert curve["ecs-fargate"] == [36.04, 72.08, 360.4]
    # EKS: 3 GB per pod; n=2: 59.10 + 4380 × 0.004445 = 19.4691 -> 19.47, + 73.00 = 151.57
    #   n=10: 295.50 + 21900 × 0.004445 = 97.3455 -> 97.35, + 73.00 = 465.85
    assert curve["eks-fargate"] == [112.28, 151.57, 465.85]
    arm = costs.cost_curve(one(architecture="arm"), ["eks-fargate"], [1])
    assert math.isnan(arm["eks-fargate"][0])


# --------------------------------------------------------------------------- CLI


def _write_workload(tmp_path, **extra) -> str:
    path = tmp_path / "w.yaml"
    services = [{"name": "web", "vcpu": 1, "memory_gb": 2, "count": 1}]
    path.write_text(yaml.safe_dump({"services": services, **extra}))
    return str(path)


def test_cli_compare_table(tmp_path, capsys):
    assert main(["compare", _write_workload(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "ECS on Fargate | 36.04" in out
    assert "EKS on Fargate | 112.28" in out
    assert "Recommended:" in out and DEFAULT in out


def test_cli_compare_json(tmp_path, capsys):
    assert main(["compare", _write_workload(tmp_path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_mode = {e["mode"]: e for e in data["estimates"]}
    assert by_mode["ecs-fargate"]["monthly"] == 36.04
    assert by_mode["eks-fargate"]["lines"][0]["monthly"] == 73.0
    assert data["recommendation"]["choice"] in modes.MODES


def test_cli_compare_with_user_prices(tmp_path, capsys):
    data = _default_data()
    data["name"] = "my prices"
    data["fargate"]["x86"]["vcpu_hour"] = 0.05
    prices = tmp_path / "p.yaml"
    prices.write_text(yaml.safe_dump(data))
    args = ["compare", _write_workload(tmp_path), "--format", "json", "--prices", str(prices)]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["prices"].startswith("my prices")
    assert {e["mode"]: e["monthly"] for e in out["estimates"]}["ecs-fargate"] == 42.99


def test_cli_refuses_a_bad_workload_with_a_hint(tmp_path, capsys):
    assert main(["compare", _write_workload(tmp_path, architecture="sparc")]) == 2
    err = capsys.readouterr().err
    assert "architecture must be one of x86, arm" in err and "What to do" in err


def test_example_workload_runs(capsys):
    example = Path(__file__).parent.parent / "examples" / "workload.yaml"
    assert main(["compare", str(example)]) == 0
    assert "Recommended:" in capsys.readouterr().out
