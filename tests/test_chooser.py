"""Feasibility (from the modes data) and the recommendation (cost vs duties left to you)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from awscontainers import chooser, costs, modes
from awscontainers.errors import InvalidParameterError, NotFoundError
from awscontainers.workload import Workload


def one(vcpu=1, memory_gb=2, count=1, **extra) -> Workload:
    services = [{"name": "web", "vcpu": vcpu, "memory_gb": memory_gb, "count": count}]
    return Workload.from_dict({"services": services, **extra})


# --------------------------------------------------------------------------- workloads


def test_workload_from_yaml_and_json_agree():
    text = "services: [{name: web, vcpu: 0.5, memory_gb: 1, count: 2}]\nspot: true\n"
    w = Workload.from_text(text)
    assert w == Workload.from_text(w.to_json())
    assert w.services[0].cpu_units == 512 and w.services[0].memory_mib == 1024
    assert w.hours_per_month == 730 and w.needs["gpus"] is False and w.spot is True


@pytest.mark.parametrize(
    "data, words",
    [
        ({"services": [{"name": "a", "vcpu": 1, "memory_gb": 2, "count": -1}]}, "count"),
        ({"services": [{"name": "a", "vcpu": 0, "memory_gb": 2}]}, "vcpu"),
        ({"services": [{"name": "a", "vcpu": 1, "memory": 2}]}, "'memory_gb'"),
        ({"servics": []}, "Did you mean 'services'"),
        ({"services": [{"name": "a", "vcpu": 1, "memory_gb": 2}], "hours_per_month": 745}, "744"),
        ({"services": [{"name": "a", "vcpu": 1, "memory_gb": 2}], "architecture": "arm64"}, "arm"),
        ({"services": [{"name": "a", "vcpu": 1, "memory_gb": 2}], "needs": {"gpu": True}}, "gpus"),
        ({"services": [{"name": "a", "vcpu": 1, "memory_gb": 2}], "spot": "yes"}, "spot"),
        ({"services": []}, "services"),
        (
            {"services": [{"name": "a", "vcpu": 1, "memory_gb": 2}] * 2},
            "unique",
        ),
    ],
)
def test_invalid_workloads_are_refused_with_a_hint(data, words):
    with pytest.raises(InvalidParameterError) as err:
        Workload.from_dict(data)
    assert words in str(err.value)
    assert err.value.hint


def test_bad_yaml_and_missing_file(tmp_path):
    with pytest.raises(InvalidParameterError):
        Workload.from_text("services: [")
    with pytest.raises(NotFoundError):
        Workload.from_file(tmp_path / "missing.yaml")


# --------------------------------------------------------------------------- feasibility


def test_daemonsets_are_not_possible_on_fargate_modes():
    w = one(needs={"daemonsets": True})
    for mode_id in ("ecs-fargate", "eks-fargate"):
        (reason,) = chooser.feasibility(w, mode_id)
        # Plain words: what is needed, which modes offer it, and the modes data's reason.
        assert modes.get(mode_id).supports["daemonsets"].reason.rstrip(".") in reason
        assert reason.startswith("needs DaemonSets (one copy on every node), which only the ")
        assert "modes data" not in reason and "supports." not in reason
    assert chooser.feasibility(w, "ecs-ec2") == []


def test_kubernetes_api_is_not_possible_on_ecs_modes():
    w = one(needs={"kubernetes_api": True})
    ecs = [m.id for m in modes.MODES.values() if m.orchestrator == "ECS"]
    assert ecs == ["ecs-ec2", "ecs-fargate", "ecs-managed-instances"]
    for mode_id in ecs:
        (reason,) = chooser.feasibility(w, mode_id)
        assert reason.startswith("needs the Kubernetes API, which only the EKS modes offer: ")
        assert "not Kubernetes" in reason
    assert chooser.feasibility(w, "eks-nodegroup") == []
    rec = chooser.recommend(w)
    assert "ECS on EC2 is not possible: needs the Kubernetes API" in "\n".join(rec.reasons)
    assert not any(r.endswith("..") for r in rec.reasons)


def test_arm_reads_which_modes_run_it():
    w = one(architecture="arm")
    (reason,) = chooser.feasibility(w, "eks-fargate")
    assert reason.startswith("runs on Arm (Graviton), which every mode but EKS on Fargate offers")


def test_a_32_vcpu_task_is_too_big_for_fargate_and_for_the_priced_instances():
    w = one(vcpu=32, memory_gb=64)
    assert "largest Fargate size (16 vCPU, 120 GB)" in chooser.feasibility(w, "ecs-fargate")[0]
    assert "does not fit on any x86 instance" in chooser.feasibility(w, "ecs-ec2")[0]
    rec = chooser.recommend(w)
    assert rec.choice is None and "No mode can run" in rec.reasons[0]


def test_the_256_mb_eks_adds_can_push_a_pod_past_the_largest_size():
    w = one(vcpu=16, memory_gb=119.9)  # 122,778 MiB fits 120 GB; + 256 MiB does not
    assert chooser.feasibility(w, "ecs-fargate") == []
    assert "256 MB" in chooser.feasibility(w, "eks-fargate")[0]


def test_arm_is_not_possible_on_eks_fargate():
    (reason,) = chooser.feasibility(one(architecture="arm"), "eks-fargate")
    assert "Arm processors are not supported" in reason
    assert chooser.feasibility(one(architecture="arm"), "ecs-fargate") == []


def test_gpus_need_a_priced_gpu_instance_type(tmp_path):
    w = one(needs={"gpus": True})
    assert "is not a valid" in chooser.feasibility(w, "ecs-fargate")[0]  # modes data: Fargate
    # A user's table without GPU types (the packaged one has some since issue 9).
    path = Path(costs.__file__).parent / "data" / "prices.yaml"
    data = yaml.safe_load(path.read_text())
    data["ec2"]["instances"] = {
        n: e for n, e in data["ec2"]["instances"].items() if not e.get("gpus")
    }
    no_gpus = tmp_path / "no-gpu.yaml"
    no_gpus.write_text(yaml.safe_dump(data))
    reason = chooser.feasibility(w, "ecs-ec2", no_gpus)[0]
    assert "not priced: add a GPU instance type to the price table" in reason
    # With a GPU type in the user's table the EC2 modes become possible and use only it.
    data["ec2"]["instances"]["g4dn.xlarge"] = {
        "hourly": 0.526,
        "vcpu": 4,
        "memory_mib": 16384,
        "enis": 3,
        "ipv4_per_eni": 10,
        "arch": "x86",
        "gpus": 1,
    }
    prices = tmp_path / "gpu.yaml"
    prices.write_text(yaml.safe_dump(data))
    e = costs.estimate(w, "ecs-ec2", prices=prices)
    assert e.feasible and e.plan.instances == {"g4dn.xlarge": 1}
    assert e.monthly == 383.98  # 730 × 0.526 = 383.98


# --------------------------------------------------------------------------- recommendation


def test_cheapest_wins_when_the_lighter_mode_costs_more_than_the_premium():
    rec = chooser.recommend(one(), premium=0.10)
    # ECS on EC2 30.37 (t3.medium, 8 duties); ECS Managed Instances 30.37 + its fee
    # 730 × 0.004992 = 3.64 -> 34.01 (1 duty), 12.0% more; ECS on Fargate 36.04 (0 duties),
    # 18.7% more. Both above a 10% premium.
    assert rec.choice == "ecs-ec2"
    assert any(
        r.startswith("ECS Managed Instances leaves 1 duty")
        and "12.0% more" in r
        and "above the 10% premium" in r
        for r in rec.reasons
    )
    assert any("18.7% more" in r and "above the 10% premium" in r for r in rec.reasons)
    assert chooser.recommend(one(), premium=0.2).choice == "ecs-fargate"


def test_managed_instances_win_when_their_priced_fee_stays_within_the_premium():
    # Issue 9, point 6: with the fee priced (ECS pricing page: a fee per instance-hour on top
    # of EC2), ECS Managed Instances is chosen only because 12.0% more is within 15%.
    rec = chooser.recommend(one())
    assert rec.choice == "ecs-managed-instances"
    assert rec.estimate.monthly == 34.01
    assert rec.reasons[0].startswith("ECS Managed Instances costs 34.01 USD a month")
    assert "12.0% more than ECS on EC2" in rec.reasons[0]
    assert not any("not recommended on cost" in r for r in rec.reasons)


def test_fewer_duties_win_within_the_premium():
    rec = chooser.recommend(one(needs={"kubernetes_api": True}))
    # EKS EC2 modes: 73.00 + 30.37 = 103.37; EKS Auto Mode adds its fee, 730 × 0.004992 =
    # 3.64 -> 107.01 (+3.5%); EKS on Fargate 112.28 (+8.6%), 1 duty instead of 5 for managed
    # nodegroups (servers_visible, os_patching, check_capacity, scale_nodes,
    # control_plane_cost).
    assert rec.choice == "eks-fargate"
    first = rec.reasons[0]
    assert first.startswith("EKS on Fargate costs 112.28 USD a month")
    assert "8.6% more than EKS on managed nodegroups" in first
    assert "leaves 1 duty to you instead of 5" in first
    assert any("ECS on EC2 is not possible" in r for r in rec.reasons)
    assert rec.by_cost[0] == "eks-nodegroup" and rec.by_duties[0] == "eks-fargate"
    # Within 5% only Auto Mode (3.5% more, fewer duties than managed nodegroups) qualifies.
    assert chooser.recommend(one(needs={"kubernetes_api": True}), premium=0.05).choice == (
        "eks-auto-mode"
    )
    assert chooser.recommend(one(needs={"kubernetes_api": True}), premium=0.03).choice == (
        "eks-nodegroup"
    )


def test_reasons_quote_numbers_from_the_estimate_lines():
    w = Workload.from_file(Path(__file__).parent.parent / "examples" / "workload.yaml")
    rec = chooser.recommend(w, premium=0.5)
    lines = {str(line) for e in rec.comparison for line in e.lines}
    totals = {f"{e.monthly:.2f}" for e in rec.comparison if e.feasible}
    quoted = [r for r in rec.reasons if "(line: " in r]
    assert quoted
    for reason in quoted:
        for line in re.findall(r"\(line: (.*?=\s[\d.]+)\)", reason):
            assert line in lines
        cost = re.search(r"([\d.]+) USD a month", reason).group(1)
        assert cost in totals


def test_recommendation_html_and_json():
    rec = chooser.recommend(one(), premium=0.10)
    page = rec._repr_html_()
    assert page == chooser.recommend(one(), premium=0.10)._repr_html_()
    assert "Recommended: ECS on EC2" in page
    data = json.loads(json.dumps(rec.to_dict()))
    assert data["choice"] == "ecs-ec2"
    assert data["ranking"][0]["monthly"] == 30.37


def test_premium_must_be_a_positive_number():
    with pytest.raises(InvalidParameterError):
        chooser.recommend(one(), premium=-0.1)
