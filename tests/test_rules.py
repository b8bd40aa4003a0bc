"""The pure rules layer: cost code loads no AWS SDK, one loader reads every data file, and the
capacity formulas are the ones the simulator uses."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from awscontainers import costs, data
from awscontainers.errors import InvalidParameterError, NotFoundError
from awscontainers.rules import capacity
from awscontainers.rules.data import (
    load_packaged,
    packaged_files,
    parse_user_yaml,
    read_user_file,
)

# The modules that cost, plan and choose: none may need boto3, botocore or moto.
PURE = [
    "awscontainers.rules",
    "awscontainers.rules.data",
    "awscontainers.rules.capacity",
    "awscontainers.errors",
    "awscontainers.tables",
    "awscontainers.fargate",
    "awscontainers.modes",
    "awscontainers.workload",
    "awscontainers.planner",
    "awscontainers.milp",
    "awscontainers.costs",
    "awscontainers.chooser",
]
AWS_SDK = ["boto3", "botocore", "moto"]
# The layers above the rules: the simulator, the Lab and the boto3-shaped clients.
AWS_LAYERS = ["awscontainers.sim", "awscontainers.lab", "awscontainers._aws"]
AWS_LAYERS += ["awscontainers.ecs", "awscontainers.eks", "awscontainers.kube"]


def _loaded_after(statement: str) -> list[str]:
    """The modules a fresh Python has loaded after running ``statement``."""
    code = f"{statement}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(done.stdout.splitlines()[-1])


def _hits(loaded: list[str], roots: list[str]) -> list[str]:
    return [m for m in loaded if any(m == r or m.startswith(r + ".") for r in roots)]


@pytest.mark.parametrize("module", PURE)
def test_pure_module_loads_no_aws_code(module):
    loaded = _loaded_after(f"import {module}")
    assert module in loaded  # the probe really imported it
    assert _hits(loaded, AWS_SDK) == []
    assert _hits(loaded, AWS_LAYERS) == []


def test_a_cost_estimate_loads_no_aws_code():
    # Estimating an EC2 mode runs the planner and the capacity formulas, not only imports.
    loaded = _loaded_after(
        "from awscontainers.costs import compare\n"
        "from awscontainers.chooser import recommend\n"
        "from awscontainers.workload import Workload\n"
        "w = Workload.from_dict({'services': [{'name': 'a', 'vcpu': 1, 'memory_gb': 2}]})\n"
        "assert compare(w).get('eks-nodegroup').feasible\n"
        "assert recommend(w).choice"
    )
    assert _hits(loaded, AWS_SDK) == []
    assert _hits(loaded, AWS_LAYERS) == []


def test_the_probe_sees_botocore_when_it_is_loaded():
    # The check above can fail: a module that pulls in the SDK is caught.
    loaded = _loaded_after("import awscontainers.sim.ecs")
    assert "botocore" in loaded


def test_costs_does_not_import_the_chooser():
    # One direction only: the chooser builds on costs, never the other way round.
    assert "awscontainers.chooser" not in _loaded_after("import awscontainers.costs")


def test_feasibility_is_one_function_reachable_from_both():
    from awscontainers import chooser

    assert chooser.feasibility is costs.feasibility


# --------------------------------------------------------------------------- data loader


def test_every_packaged_file_loads_once():
    assert packaged_files() == [
        "day2.yaml",
        "ecs.yaml",
        "eks.yaml",
        "fargate.yaml",
        "modes.yaml",
        "prices.yaml",
        "real_aws.yaml",
    ]
    for name in packaged_files():
        assert isinstance(load_packaged(name), dict)
        assert load_packaged(name) is load_packaged(name)


@pytest.mark.parametrize("name", packaged_files())
def test_libyaml_reads_each_packaged_file_as_pyyaml_does(name):
    """The packaged files are parsed by libyaml (when PyYAML has it) for speed; what it gives
    must be what the pure-Python loader a person's files go through gives."""
    from awscontainers.rules.data import _load

    text = (Path(data.__file__).parent / name).read_text(encoding="utf-8")
    assert load_packaged(name) == _load(text)


@pytest.mark.parametrize("loader", ["_PackagedLoader", "_UniqueKeyLoader"])
def test_both_loaders_refuse_a_key_written_twice(loader):
    import yaml

    from awscontainers.rules import data as module

    with pytest.raises(yaml.constructor.ConstructorError, match="found the key 'cpu' twice"):
        yaml.load("a:\n  cpu: 1\n  cpu: 2\n", Loader=getattr(module, loader))  # noqa: S506


def test_unknown_packaged_file_is_not_found():
    with pytest.raises(NotFoundError, match="No packaged data file 'nope.yaml'") as err:
        load_packaged("nope.yaml")
    assert "prices.yaml" in err.value.hint


def test_user_file_errors_name_the_file(tmp_path):
    with pytest.raises(NotFoundError, match="No price table at"):
        read_user_file(tmp_path / "missing.yaml", "price table", "Check the path.")
    path = tmp_path / "w.yaml"
    path.write_text("a: [1, 2\n", encoding="utf-8")
    text = read_user_file(path, "workload file", "Check the path.")
    with pytest.raises(InvalidParameterError, match="^bad: ") as err:
        parse_user_yaml(text, lambda detail: InvalidParameterError(f"bad: {detail}"))
    assert err.value.__cause__ is not None  # the parser's own error stays attached


# --------------------------------------------------------------------------- capacity


INSTANCE_TYPES = costs.load_prices().instances


@pytest.mark.parametrize("name", sorted(INSTANCE_TYPES))
def test_capacity_formulas_match_the_simulator(name):
    # The simulator registers instances and nodes with these same figures, so a plan that
    # fits on paper fits in the Lab.
    from awscontainers.sim import ecs, eks, kube

    e = INSTANCE_TYPES[name]
    vcpus, memory = int(e["vcpu"]), int(e["memory_mib"])
    config = {"ECS_RESERVED_MEMORY": "256"}
    assert capacity.registered_resources(vcpus, memory, config) == ecs.registered_resources(
        vcpus, memory, config
    )
    pods = capacity.max_pods(int(e["enis"]), int(e["ipv4_per_eni"]))
    assert pods == kube.max_pods(int(e["enis"]), int(e["ipv4_per_eni"]))
    assert capacity.node_allocatable(vcpus, memory, pods) == eks.node_allocatable(
        vcpus, memory, pods
    )


def test_ecs_config_is_read_from_raw_or_base64_user_data():
    script = '#!/bin/bash\necho "ECS_CLUSTER=web" >> /etc/ecs/ecs.config'
    assert capacity.parse_ecs_config(script)["ECS_CLUSTER"] == "web"
    encoded = base64.b64encode(script.encode()).decode()
    assert capacity.parse_ecs_config(encoded)["ECS_CLUSTER"] == "web"
    assert capacity.parse_ecs_config("not a config") == {}


@pytest.mark.parametrize("bad", [0, -1, True, 2.5, "3"])
def test_max_pods_refuses_what_is_not_a_count(bad):
    with pytest.raises(InvalidParameterError, match="whole number of at least 1"):
        capacity.max_pods(bad, 10)
