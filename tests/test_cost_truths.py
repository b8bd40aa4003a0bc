"""Issue 9 in the cost model, the planner and the chooser: each test cites the AWS page it
follows. Expected figures are worked out by hand from ``data/prices.yaml`` (2026-11-30).
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import yaml

from awscontainers import chooser, costs, modes
from awscontainers.errors import InvalidParameterError
from awscontainers.planner import InstanceSpec, TaskGroup, naive_plan, plan
from awscontainers.rules import eks_versions
from awscontainers.rules.capacity import ecs_facts, eks_facts
from awscontainers.workload import Workload

PRICES = Path(costs.__file__).parent / "data" / "prices.yaml"


def one(**extra) -> Workload:
    service = {"name": "web", "vcpu": 1, "memory_gb": 2}
    service.update(extra.pop("service", {}))
    return Workload.from_dict({"services": [service], **extra})


# --------------------------------------------------------------------------- point 3
# ECS developer guide, "AWS Fargate capacity providers": "Linux tasks with the ARM64
# architecture don't support the Fargate Spot capacity provider. Fargate Spot only supports
# Linux tasks with the X86_64 architecture."


def test_arm_spot_is_never_priced_as_fargate_spot_arm():
    e = costs.estimate(one(architecture="arm", spot=True), "ecs-fargate")
    assert not any("FARGATE_SPOT" in line.item for line in e.lines)
    # On-Demand Arm, as without spot: 730 × 0.03238 = 23.64; 1460 × 0.00356 = 5.20
    assert e.monthly == 28.84 == costs.estimate(one(architecture="arm"), "ecs-fargate").monthly
    assert any("Fargate Spot runs Linux x86_64 tasks only" in n for n in e.notes)
    assert any("set multi_arch: true" in n for n in e.notes)


def test_a_multi_arch_spot_workload_is_priced_as_x86_spot_when_cheaper_and_says_so():
    e = costs.estimate(one(architecture="arm", spot=True, multi_arch=True), "ecs-fargate")
    # x86 Spot: 0.04048 × 0.3 = 0.012144 × 730 = 8.87; 0.004445 × 0.3 × 1460 = 1.95
    assert e.monthly == 10.82
    assert e.lines[1].item.startswith("FARGATE_SPOT x86 (Fargate Spot has no Arm) vCPU-hours")
    assert any("priced as x86 Spot" in n for n in e.notes)
    # Every line that says Spot says x86.
    assert all("Arm" not in line.item or "no Arm" in line.item for line in e.lines)


def test_multi_arch_keeps_arm_on_demand_when_x86_spot_is_dearer(tmp_path):
    data = yaml.safe_load(PRICES.read_text())
    data["fargate"]["spot_discount"] = 0.05  # a thin discount: x86 Spot costs more than Arm
    path = tmp_path / "prices.yaml"
    path.write_text(yaml.safe_dump(data))
    w = one(architecture="arm", spot=True, multi_arch=True)
    e = costs.estimate(w, "ecs-fargate", prices=path)
    assert e.monthly == 28.84 and e.lines[1].item.startswith("Fargate Arm")
    assert any("priced On-Demand Arm" in n for n in e.notes)


def test_x86_spot_is_unchanged():
    e = costs.estimate(one(spot=True), "ecs-fargate")
    assert e.monthly == 10.82 and e.lines[1].item.startswith("FARGATE_SPOT vCPU-hours")


def test_multi_arch_must_be_true_or_false_and_round_trips():
    with pytest.raises(InvalidParameterError, match="multi_arch must be true or false"):
        one(multi_arch="yes")
    w = one(architecture="arm", multi_arch=True)
    assert Workload.from_dict(w.to_dict()) == w
    assert "multi_arch" not in one().to_dict()  # older workloads print as before


# --------------------------------------------------------------------------- point 6
# ECS pricing page (Managed Instances: a management fee per instance-hour, by instance type,
# on top of EC2; example c6a.2xlarge 0.037 USD) and EKS pricing page (Auto Mode: a fee per
# instance-hour by instance type, on top of EC2).


def test_management_fees_are_in_the_table_with_their_source():
    table = costs.load_prices()
    assert table.management_fee_for("eks-auto-mode", "m5.large") == 0.01152  # 12% of 0.096
    assert table.management_fee_for("ecs-managed-instances", "t3.medium") == 0.004992
    raw = yaml.safe_load(PRICES.read_text())
    assert "aws.amazon.com/ecs/pricing" in PRICES.read_text()
    assert "12%" in raw["management_fee_source"]
    # Every priced instance type has a fee in both newer modes.
    for mode_id in ("ecs-managed-instances", "eks-auto-mode"):
        assert set(raw["management_fee"][mode_id]["per_instance_hour"]) == set(table.instances)


def test_the_fee_is_its_own_line_in_the_estimate():
    for mode_id, base in (("ecs-managed-instances", 30.37), ("eks-auto-mode", 103.37)):
        e = costs.estimate(one(), mode_id)
        (fee,) = [line for line in e.lines if "management fee" in line.item]
        assert fee.item == f"{modes.get(mode_id).name} management fee (t3.medium, 1 × 730 h)"
        assert fee.unit_price == 0.004992 and fee.monthly == 3.64  # 730 × 0.004992
        assert e.monthly == round(base + 3.64, 2)
        assert not any("not in the price table" in n for n in e.notes)


def test_the_fee_is_charged_on_spot_instances_too():
    e = costs.estimate(one(spot=True), "eks-auto-mode")
    fee = next(line for line in e.lines if "management fee" in line.item)
    assert fee.unit_price == 0.004992  # not discounted


def test_newer_modes_are_no_longer_first_by_cost_for_the_wrong_reason():
    rec = chooser.recommend(one(needs={"kubernetes_api": True}))
    by_cost = rec.by_cost
    assert by_cost.index("eks-nodegroup") < by_cost.index("eks-auto-mode")
    ecs = chooser.recommend(one())
    assert ecs.by_cost.index("ecs-ec2") < ecs.by_cost.index("ecs-managed-instances")


def test_a_fee_per_type_or_flat_fee_or_null_all_load(tmp_path):
    data = yaml.safe_load(PRICES.read_text())
    data["management_fee"] = {
        "ecs-managed-instances": 0.01,
        "eks-auto-mode": {"m5.large": 0.02},  # no fee for t3.medium: the estimate says so
    }
    path = tmp_path / "prices.yaml"
    path.write_text(yaml.safe_dump(data))
    table = costs.load_prices(path)
    assert table.management_fee_for("ecs-managed-instances", "t3.medium") == 0.01
    e = costs.estimate(one(), "eks-auto-mode", prices=table)
    assert any("no fee for t3.medium" in n for n in e.notes)
    data["management_fee"] = {"eks-auto-mode": {"per_instance_hour": "cheap"}}
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(InvalidParameterError, match="per_instance_hour"):
        costs.load_prices(path)


# --------------------------------------------------------------------------- point 4
# EC2 accelerated instances (describe_instance_types GpuInfo); ECS developer guide, "Amazon
# ECS task definitions for GPU workloads" (resourceRequirements type GPU, whole GPUs); EKS
# user guide (nvidia.com/gpu); ECS "task definition differences for Fargate" (no GPUs).

GPU_TYPES = {
    # name: (GPUs, GPU memory MiB, vCPU, memory MiB, hourly)
    "g4dn.xlarge": (1, 16384, 4, 16384, 0.526),
    "g5.xlarge": (1, 22888, 4, 16384, 1.006),
    "g6.xlarge": (1, 22888, 4, 16384, 0.8048),
    "p4d.24xlarge": (8, 327680, 96, 1179648, 32.7726),
}


def test_gpu_instance_types_are_priced_with_their_gpus():
    table = costs.load_prices()
    for name, (gpus, gpu_mem, vcpu, mem, hourly) in GPU_TYPES.items():
        e = table.instances[name]
        assert (e["gpus"], e["gpu_memory_mib"], e["vcpu"], e["memory_mib"], e["hourly"]) == (
            gpus,
            gpu_mem,
            vcpu,
            mem,
            hourly,
        )
    assert list(table.gpu_instances_for("x86")) == list(GPU_TYPES)
    assert "aws.amazon.com/ec2/pricing" in PRICES.read_text()


def test_gpu_counts_match_what_ec2_reports_to_the_simulator():
    # The simulator reads instance shapes from ec2.describe_instance_types (moto's data).
    import boto3
    from moto import mock_aws

    with mock_aws():
        ec2 = boto3.client("ec2", region_name="us-east-1")
        info = ec2.describe_instance_types(InstanceTypes=list(GPU_TYPES))["InstanceTypes"]
    for item in info:
        gpus, gpu_mem, vcpu, mem, _ = GPU_TYPES[item["InstanceType"]]
        assert sum(g["Count"] for g in item["GpuInfo"]["Gpus"]) == gpus
        assert item["GpuInfo"]["TotalGpuMemoryInMiB"] == gpu_mem
        assert (item["VCpuInfo"]["DefaultVCpus"], item["MemoryInfo"]["SizeInMiB"]) == (vcpu, mem)


def test_gpu_resource_names_are_data():
    assert ecs_facts()["gpu"]["requirement_type"] == "GPU"
    assert eks_facts()["gpu_resource"] == "nvidia.com/gpu"


@pytest.mark.parametrize("value", [-1, 0.5, "1", True])
def test_gpus_must_be_a_whole_number(value):
    with pytest.raises(InvalidParameterError, match="gpus must be a whole number, 0 or more"):
        one(service={"gpus": value})


def test_a_service_with_gpus_makes_the_workload_need_gpus_and_round_trips():
    w = one(service={"gpus": 2})
    assert w.services[0].gpus == 2 and w.needs["gpus"] is True
    assert Workload.from_dict(w.to_dict()) == w
    assert "gpus" not in one().services[0].to_dict()


def test_the_planner_puts_gpu_tasks_only_on_gpu_instances_and_counts_gpus():
    specs = [
        InstanceSpec("m5.xlarge", 0.192, 4096, 15564),
        InstanceSpec("g4dn.xlarge", 0.526, 4096, 15564, gpus=1),
        InstanceSpec("p4d.24xlarge", 32.7726, 98304, 1100000, gpus=8),
    ]
    groups = [TaskGroup("infer", 1024, 4096, 3, gpus=1), TaskGroup("web", 512, 1024, 8)]
    p = plan(groups, specs)
    # One GPU each: 3 g4dn.xlarge (a p4d would cost far more); each has 3 vCPU left over,
    # where the web tasks fit (6 half-vCPU tasks per instance's spare room).
    assert p.instances == {"g4dn.xlarge": 3}
    for kind, contents in p.bins:
        gpus = sum(n * (1 if g == "infer" else 0) for g, n in contents.items())
        assert gpus <= {"m5.xlarge": 0, "g4dn.xlarge": 1, "p4d.24xlarge": 8}[kind]
    assert p.hourly >= p.lower_bound - 1e-9
    # Two GPUs per task never land on a one-GPU type.
    p2 = plan([TaskGroup("train", 4096, 16384, 2, gpus=2)], specs)
    assert p2.instances == {"p4d.24xlarge": 1}
    with pytest.raises(InvalidParameterError, match="GPU"):
        naive_plan(groups, specs[0])


@pytest.mark.parametrize("flavour", ["ecs", "eks"])
def test_random_gpu_mixes_are_valid_plans_above_the_bound(flavour):
    import random

    specs = costs.instance_specs(costs.load_prices(), "x86", flavour, gpus=True)
    by_name = {s.name: s for s in specs}
    for seed in range(6):
        rng = random.Random(seed)
        groups = [
            TaskGroup(
                f"g{i}",
                rng.choice([256, 512, 1024, 2048]),
                rng.choice([512, 1024, 2048, 4096, 8192]),
                rng.randint(0, 40),
                rng.choice([0, 0, 1, 2]),
            )
            for i in range(rng.randint(1, 4))
        ]
        size = {g.name: g for g in groups}
        p = plan(groups, specs)
        placed: dict[str, int] = {}
        for kind, contents in p.bins:
            spec = by_name[kind]
            assert sum(size[k].gpus * n for k, n in contents.items()) <= spec.gpus
            assert sum(size[k].cpu * n for k, n in contents.items()) <= spec.cpu
            assert sum(size[k].memory * n for k, n in contents.items()) <= spec.memory
            for k, n in contents.items():
                placed[k] = placed.get(k, 0) + n
        assert placed == {g.name: g.count for g in groups if g.count}
        assert p.hourly >= p.lower_bound * (1 - 1e-9)


def test_a_gpu_workload_gets_a_plan_and_an_ec2_based_recommendation():
    w = Workload.from_dict(
        {
            "services": [
                {"name": "infer", "vcpu": 2, "memory_gb": 8, "count": 3, "gpus": 1},
                {"name": "web", "vcpu": 0.5, "memory_gb": 1, "count": 4},
            ]
        }
    )
    e = costs.estimate(w, "ecs-ec2")
    assert e.feasible and e.plan.instances == {"g4dn.xlarge": 3}
    assert e.monthly == 1151.94  # 3 × 730 × 0.526; the web tasks share the GPU instances
    rec = chooser.recommend(w)
    assert rec.choice is not None and modes.get(rec.choice).compute == "EC2"
    for fargate_mode in ("ecs-fargate", "eks-fargate"):
        (reason,) = costs.feasibility(w, fargate_mode)
        assert "Fargate has no GPUs at all" in reason
        assert any(r.startswith(modes.get(fargate_mode).name) for r in rec.reasons)


def test_a_gpu_task_larger_than_every_gpu_type_is_not_possible():
    w = one(service={"gpus": 16})
    (reason,) = costs.feasibility(w, "ecs-ec2")
    assert "with 16 GPU(s) does not fit on any x86 GPU instance type" in reason
    assert "p4d.24xlarge, 8 GPU(s)" in reason


def test_cpu_only_workloads_never_buy_gpu_instances():
    e = costs.estimate(one(service={"count": 40}), "ecs-ec2")
    assert not set(e.plan.instances) & set(GPU_TYPES)


# --------------------------------------------------------------------------- point 5
# EKS user guide, "Understand the Kubernetes version lifecycle on EKS": 14 months of standard
# support, 12 of extended; the release calendar's dates; extended support billed from the
# start of the end-of-standard day (UTC); no new clusters after end of extended support. EKS
# pricing: 0.10 USD per cluster-hour in standard, 0.60 in extended support.

CALENDAR = {  # version: (EKS release, end of standard, end of extended), from the guide
    "1.29": ("2024-01-23", "2025-03-23", "2026-03-23"),
    "1.30": ("2024-05-23", "2025-07-23", "2026-07-23"),
    "1.31": ("2024-09-26", "2025-11-26", "2026-11-26"),
    "1.32": ("2025-01-23", "2026-03-23", "2027-03-23"),
    "1.33": ("2025-05-29", "2026-07-29", "2027-07-29"),
    "1.34": ("2025-10-02", "2026-12-02", "2027-12-02"),
    "1.35": ("2026-01-27", "2027-03-27", "2028-03-27"),
}


def test_the_calendar_is_the_guides():
    rows = eks_versions.calendar()
    for version, dates in CALENDAR.items():
        row = rows[version]
        got = (row.eks_release, row.end_of_standard_support, row.end_of_extended_support)
        assert got == tuple(datetime.date.fromisoformat(d) for d in dates)


def test_status_changes_on_the_documented_days():
    d = datetime.date
    assert eks_versions.support_status("1.34", d(2026, 12, 1)) == "standard"
    assert eks_versions.support_status("1.34", d(2026, 12, 2)) == "extended"
    assert eks_versions.support_status("1.34", d(2027, 12, 1)) == "extended"
    assert eks_versions.support_status("1.34", d(2027, 12, 2)) == "unsupported"
    assert eks_versions.support_status("1.20", d(2026, 1, 1)) == "unsupported"
    assert eks_versions.control_plane_hourly("1.34", d(2026, 12, 1)) == 0.10
    assert eks_versions.control_plane_hourly("1.34", d(2026, 12, 2)) == 0.60
    with pytest.raises(InvalidParameterError, match="not yet on EKS"):
        eks_versions.support_status("1.35", d(2026, 1, 1))
    with pytest.raises(InvalidParameterError, match="not in EKS's calendar"):
        eks_versions.support_status("1.99", d(2026, 1, 1))


def test_a_version_past_extended_support_is_refused_as_eks_refuses_it():
    with pytest.raises(InvalidParameterError) as info:
        eks_versions.check_cluster_version("1.31", datetime.date(2026, 11, 30))
    assert info.value.code == "InvalidParameterException"
    assert info.value.message.startswith("unsupported Kubernetes version 1.31")
    with pytest.raises(InvalidParameterError):
        eks_versions.control_plane_hourly("1.31", datetime.date(2026, 11, 30))


def test_the_lab_offers_the_versions_eks_offers_on_its_date():
    # The lab's clock starts on the day the facts were checked (2026-11-30): 1.31 left
    # extended support on 2026-11-26, so EKS refuses it; 1.32 and 1.33 cost extended prices.
    from awscontainers import Lab
    from awscontainers.eks import supported_versions

    with Lab() as lab:
        assert lab.clock.today() == datetime.date(2026, 11, 30)
        assert supported_versions(lab.clock.today()) == ["1.36", "1.35", "1.34", "1.33", "1.32"]
        with pytest.raises(InvalidParameterError, match="unsupported Kubernetes version 1.31"):
            lab.eks.create_cluster(name="old", version="1.31")
        assert lab.eks.list_clusters()["clusters"] == []


def test_a_version_ages_on_the_labs_clock():
    # 1.34 leaves standard support on 2026-12-02: three simulated days on, its control plane
    # costs the extended price (billing starts at the start of that day, UTC).
    from awscontainers import Lab

    with Lab() as lab:
        lab.eks.create_cluster(name="demo", version="1.34")
        rows = {r["item"]: r["value"] for r in lab.eks.control_plane("demo")}
        assert rows["Kubernetes version"] == "1.34 (standard support until 2026-12-02)"
        assert rows["price"].startswith("0.10 USD per hour")
        lab.advance(hours=72)
        rows = {r["item"]: r["value"] for r in lab.eks.control_plane("demo")}
        assert rows["Kubernetes version"] == "1.34 (extended support until 2027-12-02)"
        assert rows["price"].startswith("0.60 USD per hour")


def test_costs_price_extended_support_and_say_so():
    w = one(kubernetes_version="1.32")
    e = costs.estimate(w, "eks-fargate")  # judged on the price table's date, 2026-11-30
    control = e.lines[0]
    assert "Kubernetes 1.32 is in extended support until 2027-03-23" in control.item
    assert control.unit_price == 0.6 and control.monthly == 438.0  # 730 × 0.60
    assert e.monthly == 477.28  # 112.28 - 73.00 + 438.00
    assert any("left standard support on 2026-03-23" in n for n in e.notes)
    # ECS has no Kubernetes version: unchanged.
    assert costs.estimate(w, "ecs-fargate").monthly == costs.estimate(one(), "ecs-fargate").monthly


def test_costs_judge_the_version_on_the_day_given():
    w = one(kubernetes_version="1.34")
    before = costs.estimate(w, "eks-fargate", on=datetime.date(2026, 12, 1))
    after = costs.estimate(w, "eks-fargate", on=datetime.date(2026, 12, 2))
    assert before.monthly == 112.28 and after.monthly == 477.28
    assert any("leaves standard support on 2026-12-02" in n for n in before.notes)
    comparison = costs.compare(w, on=datetime.date(2026, 12, 2))
    assert comparison.get("eks-nodegroup").lines[0].unit_price == 0.6


def test_a_version_past_extended_support_makes_the_eks_modes_not_possible():
    w = one(kubernetes_version="1.31")
    e = costs.estimate(w, "eks-nodegroup")
    assert not e.feasible and "unsupported Kubernetes version 1.31" in e.reasons[0]
    assert costs.estimate(w, "ecs-ec2").feasible


def test_without_a_version_the_control_plane_line_is_as_before():
    e = costs.estimate(one(), "eks-fargate")
    assert e.lines[0].item == "EKS control plane (1 cluster, always on)"


@pytest.mark.parametrize("value", [1.3, 135, "1.35.2", "v1.35"])
def test_kubernetes_version_is_a_quoted_minor_version(value):
    with pytest.raises(InvalidParameterError, match="kubernetes_version must be a minor version"):
        one(kubernetes_version=value)


# --------------------------------------------------------------------------- point 7
# ECS developer guide, "Use Amazon EBS volumes with Amazon ECS" (one EBS volume per task,
# Fargate included, since January 2024); EKS user guide, "AWS Fargate considerations" (no EBS;
# EFS with static provisioning). EKS API, CreateAccessEntry (type HYBRID_LINUX).


def test_the_stateful_reason_tells_ecs_on_fargate_from_eks_on_fargate():
    w = one(needs={"stateful_ebs": True})
    (ecs,) = costs.feasibility(w, "ecs-fargate")
    (eks,) = costs.feasibility(w, "eks-fargate")
    assert "can attach 1 EBS volume per task at launch (since January 2024)" in ecs
    assert "mounts no EBS volumes at all" in eks and "static provisioning only" in eks


def test_access_entry_types_include_hybrid_linux():
    types = eks_facts()["access_entry_types"]
    assert {"STANDARD", "EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX"} <= set(types)
    assert {"EC2", "HYBRID_LINUX", "HYPERPOD_LINUX"} <= set(types)


# --------------------------------------------------------------------------- point 8


def test_chooser_reasons_show_the_duties_words_not_their_keys():
    rec = chooser.recommend(one())
    text = "\n".join(rec.reasons)
    assert "modes data: provision_servers" not in text and "provision_servers" not in text
    assert modes.get_duty("provision_servers").label in text
    # The newer modes' fee is named in the words too.
    assert rec.reasons[0].startswith(
        "ECS Managed Instances costs 34.01 USD a month, 3.64 of it the management fee (line: "
    )
    cheapest = chooser.recommend(one(), premium=0.0)
    assert (
        "leaves 8 duties to you: Provision servers (create the EC2 instances)"
        in (cheapest.reasons[0])
    )
