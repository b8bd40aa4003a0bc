"""Tests for awscontainers.fargate: the size table, unit parsing, task-definition rules, EKS pods.

The expected table below is typed in by hand from the AWS docs (not computed from the YAML),
so a wrong range or step in ``data/fargate.yaml`` makes these tests fail.
"""

from __future__ import annotations

import copy
import datetime

import pytest

from awscontainers import fargate
from awscontainers.errors import (
    FargateSizeError,
    FargateUnsupportedError,
    InvalidParameterError,
    LabError,
)
from awscontainers.fargate import (
    capacity_annotation,
    check_task_definition,
    parse_cpu,
    parse_memory,
    parse_quantity_cpu,
    parse_quantity_memory,
    provisioned_capacity,
    smallest_size,
    valid_memory_for,
    valid_sizes,
    validate_task_size,
)

GB = 1024  # MiB; ECS's "GB" is GiB
MI = 1024**2
GI = 1024**3

# CPU units -> memory in MiB, from the ECS developer guide / EKS user guide table.
EXPECTED = {
    256: [512, 1 * GB, 2 * GB],
    512: [g * GB for g in range(1, 5)],
    1024: [g * GB for g in range(2, 9)],
    2048: [g * GB for g in range(4, 17)],
    4096: [g * GB for g in range(8, 31)],
    8192: [g * GB for g in range(16, 61, 4)],
    16384: [g * GB for g in range(32, 121, 8)],
}
VALID_PAIRS = [(cpu, mem) for cpu, mems in EXPECTED.items() for mem in mems]


def _neighbours() -> list[tuple[int, int]]:
    """Memory values just outside each row, and off-step values inside the stepped rows."""
    pairs = []
    for cpu, mems in EXPECTED.items():
        pairs += [(cpu, mems[0] - 256), (cpu, mems[-1] + 1 * GB)]
    pairs += [(8192, 18 * GB), (8192, 17 * GB), (16384, 36 * GB), (16384, 128 * GB), (256, 1536)]
    return pairs


# --------------------------------------------------------------------------- table


def test_table_matches_the_docs():
    assert valid_sizes() == EXPECTED
    assert len(VALID_PAIRS) == 3 + 4 + 7 + 13 + 23 + 12 + 12


def test_valid_sizes_returns_a_copy():
    valid_sizes()[256].append(99999)
    assert valid_sizes()[256] == [512, 1024, 2048]


def test_yaml_records_source_and_date():
    data = fargate._data()
    assert data["checked"] == datetime.date(2026, 11, 27)
    assert any("fargate-pod-configuration" in s for s in data["source"])
    assert data["eks"]["pod_overhead_mib"] == 256
    assert data["ephemeral_storage"]["ecs"] == {"default_gib": 20, "min_gib": 21, "max_gib": 200}


@pytest.mark.parametrize(("cpu", "memory"), VALID_PAIRS)
def test_every_valid_pair_is_accepted(cpu, memory):
    assert validate_task_size(cpu, memory) == (cpu, memory)
    assert validate_task_size(str(cpu), str(memory)) == (cpu, memory)


@pytest.mark.parametrize(("cpu", "memory"), _neighbours())
def test_neighbours_are_refused(cpu, memory):
    with pytest.raises(FargateSizeError) as err:
        validate_task_size(cpu, memory)
    assert err.value.code == "ClientException"
    assert err.value.message.startswith(
        f"No Fargate configuration exists for given values: {cpu} CPU, {memory} memory."
    )


@pytest.mark.parametrize("cpu", [300, 128, 1000, 3072, 32768])
def test_cpu_not_in_table_is_refused(cpu):
    with pytest.raises(FargateSizeError, match="valid CPU values are 256 \\(0.25 vCPU\\)"):
        validate_task_size(cpu, 2048)


def test_unparseable_values_are_refused():
    with pytest.raises(InvalidParameterError, match="Invalid 'cpu' setting") as err:
        validate_task_size("abc", "xyz")
    assert "1 vCPU" in err.value.hint
    with pytest.raises(InvalidParameterError, match="Invalid 'memory' setting"):
        validate_task_size("256", "xyz")


def test_valid_memory_for():
    assert valid_memory_for(256) == [512, 1024, 2048]
    assert valid_memory_for("1 vCPU") == [2048, 3072, 4096, 5120, 6144, 7168, 8192]
    assert valid_memory_for(8192)[:3] == [16384, 20480, 24576]
    with pytest.raises(FargateSizeError, match="16384 \\(16 vCPU\\)"):
        valid_memory_for(300)


# --------------------------------------------------------------------------- units


@pytest.mark.parametrize(
    ("text", "units"),
    [
        (1024, 1024),
        ("1024", 1024),
        (" 256 ", 256),
        ("1 vCPU", 1024),
        ("1vcpu", 1024),
        ("0.25 vCPU", 256),
        (".5 vcpu", 512),
        ("2 VCPU", 2048),
        ("16 vCPU", 16384),
    ],
)
def test_parse_cpu(text, units):
    assert parse_cpu(text) == units


@pytest.mark.parametrize(
    "bad", ["abc", "", "1 core", "-256", 0, -1, 0.5, 1024.0, True, None, "0.1 vCPU"]
)
def test_parse_cpu_refuses(bad):
    with pytest.raises(InvalidParameterError) as err:
        parse_cpu(bad)
    assert err.value.code == "ClientException"
    assert "'0.25 vCPU'" in err.value.hint


@pytest.mark.parametrize(
    ("text", "mib"),
    [
        (2048, 2048),
        ("2048", 2048),
        ("2 GB", 2048),
        ("2GB", 2048),
        ("0.5 GB", 512),
        ("512 MiB", 512),
        ("2 GiB", 2048),
        ("1.5gb", 1536),
        ("120 GB", 122880),
    ],
)
def test_parse_memory(text, mib):
    assert parse_memory(text) == mib


@pytest.mark.parametrize("bad", ["xyz", "2 TB", "", 0, 2048.0, False, "0.0001 GB"])
def test_parse_memory_refuses(bad):
    with pytest.raises(InvalidParameterError, match="Invalid 'memory' setting"):
        parse_memory(bad)


def test_text_units_work_in_validate():
    assert validate_task_size("0.25 vCPU", "0.5 GB") == (256, 512)
    assert validate_task_size("8 vCPU", "60 GB") == (8192, 61440)


# --------------------------------------------------------------------------- messages


def test_memory_error_lists_valid_memory_in_gb():
    with pytest.raises(FargateSizeError) as err:
        validate_task_size(256, 4096)
    text = str(err.value)
    assert "No Fargate configuration exists for given values: 256 CPU, 4096 memory." in text
    assert "0.5 GB, 1 GB, 2 GB." in text
    # The hint points at the smallest size that would hold 4 GB.
    assert "cpu '512'" in err.value.hint and "memory '4096'" in err.value.hint


def test_off_step_error_lists_the_steps():
    with pytest.raises(FargateSizeError) as err:
        validate_task_size(8192, "18 GB")
    assert "16 GB, 20 GB, 24 GB" in str(err.value)
    assert "memory '20480'" in err.value.hint


def test_too_big_error_says_nothing_fits():
    with pytest.raises(FargateSizeError) as err:
        validate_task_size(16384, "128 GB")
    assert "32 GB, 40 GB" in str(err.value) and "120 GB." in str(err.value)
    assert "No Fargate size holds" in err.value.hint
    assert "EC2" in err.value.hint


def test_every_error_is_a_lab_error_with_a_hint():
    for call in (lambda: validate_task_size(300, 512), lambda: parse_cpu("abc")):
        with pytest.raises(LabError) as err:
            call()
        assert err.value.hint and "What to do:" in str(err.value)


# --------------------------------------------------------------------------- smallest_size


@pytest.mark.parametrize(
    ("asked", "fit"),
    [
        ((256, 512), (256, 512)),
        ((0, 0), (256, 512)),
        ((256, 600), (256, 1024)),
        ((256, 3000), (512, 3072)),
        ((300, 512), (512, 1024)),
        ((1024, 8448), (2048, 9216)),
        ((2048, 17 * GB), (4096, 17 * GB)),
        ((4096, 31 * GB), (8192, 32 * GB)),
        ((8192, 61 * GB), (16384, 64 * GB)),
        ((16384, 120 * GB), (16384, 120 * GB)),
    ],
)
def test_smallest_size(asked, fit):
    assert smallest_size(*asked) == fit


def test_smallest_size_none_when_too_big():
    assert smallest_size(16384, 120 * GB + 1) is None
    assert smallest_size(16385, 512) is None


def test_smallest_size_refuses_negative():
    with pytest.raises(InvalidParameterError):
        smallest_size(-1, 512)


# --------------------------------------------------------------------------- task definitions


def _taskdef(**overrides):
    base = {
        "family": "web",
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [
            {
                "name": "web",
                "image": "nginx:1.27",
                "essential": True,
                "portMappings": [{"containerPort": 80}],
                # Falsy values of forbidden fields are allowed: they ask for nothing.
                "privileged": False,
                "links": [],
                "dnsServers": None,
                "linuxParameters": {
                    "initProcessEnabled": True,
                    "capabilities": {"add": ["SYS_PTRACE"], "drop": ["NET_RAW"]},
                },
            }
        ],
        "volumes": [
            {"name": "scratch"},
            {"name": "bind", "host": {}},
            {"name": "shared", "efsVolumeConfiguration": {"fileSystemId": "fs-12345678"}},
        ],
        "ephemeralStorage": {"sizeInGiB": 21},
    }
    base.update(overrides)
    return base


def _with_container(**fields):
    taskdef = _taskdef()
    taskdef["containerDefinitions"][0].update(fields)
    return taskdef


def _with_linux(**fields):
    taskdef = _taskdef()
    taskdef["containerDefinitions"][0]["linuxParameters"].update(fields)
    return taskdef


def test_valid_fargate_taskdef_passes():
    assert check_task_definition(_taskdef()) is None
    assert check_task_definition(_taskdef(cpu="1 vCPU", memory="2 GB")) is None
    assert check_task_definition(_taskdef(ephemeralStorage={"sizeInGiB": 200})) is None


def test_ec2_only_taskdef_is_not_checked():
    taskdef = _with_container(privileged=True)
    taskdef.update(requiresCompatibilities=["EC2"], networkMode="bridge")
    del taskdef["cpu"], taskdef["memory"]
    assert check_task_definition(taskdef) is None
    taskdef.pop("requiresCompatibilities")
    assert check_task_definition(taskdef) is None


def test_taskdef_is_not_changed():
    taskdef = _taskdef()
    before = copy.deepcopy(taskdef)
    check_task_definition(taskdef)
    assert taskdef == before


@pytest.mark.parametrize("mode", ["bridge", "host", "none", None])
def test_network_mode_must_be_awsvpc(mode):
    taskdef = _taskdef(networkMode=mode)
    if mode is None:
        del taskdef["networkMode"]
    with pytest.raises(FargateUnsupportedError) as err:
        check_task_definition(taskdef)
    assert err.value.message == "Fargate only supports network mode 'awsvpc'."
    assert err.value.code == "ClientException"
    assert "networkMode='awsvpc'" in err.value.hint


@pytest.mark.parametrize("field", ["cpu", "memory"])
def test_task_level_cpu_and_memory_required(field):
    taskdef = _taskdef()
    del taskdef[field]
    with pytest.raises(FargateUnsupportedError) as err:
        check_task_definition(taskdef)
    assert err.value.message == f"Fargate requires that '{field}' be defined at the task level."


def test_invalid_size_in_taskdef():
    with pytest.raises(FargateSizeError, match="256 CPU, 4096 memory"):
        check_task_definition(_taskdef(memory="4096"))


CONTAINER_FIELDS = [
    ("privileged", True),
    ("links", ["db:db"]),
    ("dockerSecurityOptions", ["no-new-privileges"]),
    ("extraHosts", [{"hostname": "db", "ipAddress": "10.0.0.5"}]),
    ("dnsServers", ["10.0.0.2"]),
    ("dnsSearchDomains", ["corp.example"]),
    ("disableNetworking", True),
]


@pytest.mark.parametrize(("field", "value"), CONTAINER_FIELDS)
def test_forbidden_container_fields(field, value):
    with pytest.raises(FargateUnsupportedError) as err:
        check_task_definition(_with_container(**{field: value}))
    assert err.value.message == f"Container 'web' sets '{field}', which Fargate does not support."
    assert err.value.code == "ClientException"
    assert "EC2 launch type" in err.value.hint


def test_gpu_requirement_refused():
    taskdef = _with_container(resourceRequirements=[{"type": "GPU", "value": "1"}])
    with pytest.raises(FargateUnsupportedError, match="'resourceRequirements type GPU'") as err:
        check_task_definition(taskdef)
    assert "GPU instance type" in err.value.hint


def test_non_gpu_resource_requirement_allowed():
    taskdef = _with_container(
        resourceRequirements=[{"type": "InferenceAccelerator", "value": "device_1"}]
    )
    assert check_task_definition(taskdef) is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("maxSwap", 0),  # 0 is a real setting (no swap), not "unset"
        ("maxSwap", 1024),
        ("swappiness", 60),
        ("devices", [{"hostPath": "/dev/fuse"}]),
        ("sharedMemorySize", 256),
        ("tmpfs", [{"containerPath": "/tmp", "size": 64}]),
    ],
)
def test_forbidden_linux_parameters(field, value):
    with pytest.raises(FargateUnsupportedError) as err:
        check_task_definition(_with_linux(**{field: value}))
    assert f"'linuxParameters.{field}'" in err.value.message
    assert "Container 'web'" in err.value.message


@pytest.mark.parametrize("caps", [["SYS_PTRACE"], ["CAP_SYS_PTRACE"], []])
def test_sys_ptrace_is_the_only_capability_allowed(caps):
    assert check_task_definition(_with_linux(capabilities={"add": caps})) is None


def test_other_capabilities_refused():
    taskdef = _with_linux(capabilities={"add": ["SYS_PTRACE", "NET_ADMIN"]})
    with pytest.raises(FargateUnsupportedError) as err:
        check_task_definition(taskdef)
    assert "NET_ADMIN" in err.value.message and "SYS_PTRACE" not in err.value.message
    assert "only capability you may add is SYS_PTRACE" in err.value.hint


@pytest.mark.parametrize(
    ("field", "value"),
    [("ipcMode", "host"), ("ipcMode", "task"), ("placementConstraints", [{"type": "memberOf"}])],
)
def test_forbidden_task_fields(field, value):
    with pytest.raises(FargateUnsupportedError) as err:
        check_task_definition(_taskdef(**{field: value}))
    assert (
        err.value.message == f"The task definition sets '{field}', which Fargate does not support."
    )


def test_placement_constraints_hint_offers_an_alternative():
    with pytest.raises(FargateUnsupportedError) as err:
        check_task_definition(_taskdef(placementConstraints=[{"type": "memberOf"}]))
    assert "subnets" in err.value.hint


@pytest.mark.parametrize(
    ("volume", "field"),
    [
        ({"name": "logs", "host": {"sourcePath": "/var/log"}}, "host.sourcePath"),
        (
            {"name": "data", "dockerVolumeConfiguration": {"scope": "task", "driver": "local"}},
            "dockerVolumeConfiguration",
        ),
    ],
)
def test_only_bind_mount_and_efs_volumes(volume, field):
    with pytest.raises(FargateUnsupportedError) as err:
        check_task_definition(_taskdef(volumes=[volume]))
    assert err.value.message == (
        f"Volume '{volume['name']}' sets '{field}', which Fargate does not support."
    )
    assert "efsVolumeConfiguration" in err.value.hint


@pytest.mark.parametrize("size", [20, 0, 201, 500])
def test_ephemeral_storage_range(size):
    with pytest.raises(FargateUnsupportedError) as err:
        check_task_definition(_taskdef(ephemeralStorage={"sizeInGiB": size}))
    assert err.value.message == (
        f"ephemeralStorage.sizeInGiB is {size}, but Fargate accepts 21 to 200 GiB."
    )
    assert "default 20 GiB" in err.value.hint


def test_error_names_the_right_container():
    taskdef = _taskdef()
    taskdef["containerDefinitions"].append({"name": "sidecar", "image": "envoy", "links": ["web"]})
    with pytest.raises(FargateUnsupportedError, match="Container 'sidecar' sets 'links'"):
        check_task_definition(taskdef)


def test_taskdef_must_be_a_dict():
    with pytest.raises(InvalidParameterError):
        check_task_definition(["FARGATE"])


# --------------------------------------------------------------------------- Kubernetes quantities


@pytest.mark.parametrize(
    ("q", "vcpu"),
    [("250m", 0.25), ("0.5", 0.5), ("2", 2.0), (2, 2.0), (0.5, 0.5), ("100m", 0.1), ("1.5", 1.5)],
)
def test_parse_quantity_cpu(q, vcpu):
    assert parse_quantity_cpu(q) == vcpu


@pytest.mark.parametrize("bad", ["abc", "1 vCPU", "2k", "-1", "", True, None, "250 m"])
def test_parse_quantity_cpu_refuses(bad):
    with pytest.raises(InvalidParameterError, match="Invalid cpu quantity"):
        parse_quantity_cpu(bad)


@pytest.mark.parametrize(
    ("q", "nbytes"),
    [
        ("512Mi", 512 * MI),
        ("1Gi", GI),
        ("1G", 10**9),
        ("500M", 500 * 10**6),
        ("1024Ki", MI),
        ("1k", 1000),
        ("134217728", 128 * MI),
        (134217728, 128 * MI),
        ("1.5Gi", 1536 * MI),
        ("1e3", 1000),
    ],
)
def test_parse_quantity_memory(q, nbytes):
    assert parse_quantity_memory(q) == nbytes


@pytest.mark.parametrize("bad", ["1GB", "512mi", "1 Gi", "abc", "-1Gi", "", False])
def test_parse_quantity_memory_refuses(bad):
    with pytest.raises(InvalidParameterError, match="Invalid memory quantity") as err:
        parse_quantity_memory(bad)
    assert "Mi" in err.value.hint


def test_millibyte_memory_gets_a_pointed_hint():
    with pytest.raises(InvalidParameterError, match="millibytes") as err:
        parse_quantity_memory("500m")
    assert "'500Mi'" in err.value.hint


# --------------------------------------------------------------------------- EKS pod sizing


def _pod(*containers, init=()):
    spec = {"containers": [_container(*c) for c in containers]}
    if init:
        spec["initContainers"] = [_container(*c) for c in init]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}


def _container(cpu=None, memory=None, where="requests"):
    resources = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    return {"name": "c", "image": "busybox", "resources": {where: resources} if resources else {}}


def test_guide_example_1_vcpu_8_gb():
    # EKS user guide: 1 vCPU + 8 GB -> 8.25 GB does not fit 1 vCPU -> 2 vCPU, 9 GB.
    assert provisioned_capacity(_pod(("1", "8Gi"))) == (2.0, 9.0)


def test_no_requests_gets_the_smallest_size():
    # 0 requested + 256 MiB overhead fits 0.25 vCPU / 0.5 GB, the documented default and the
    # annotation kubectl shows for such pods.
    assert provisioned_capacity(_pod(())) == (0.25, 0.5)
    assert provisioned_capacity({"spec": {"containers": [{"name": "c", "image": "x"}]}}) == (
        0.25,
        0.5,
    )


def test_overhead_pushes_memory_to_the_next_step():
    # 0.5 GB + 256 MiB = 768 MiB -> 1 GB; 2 GB + 256 MiB does not fit 0.25 vCPU -> 0.5 vCPU, 3 GB.
    assert provisioned_capacity(_pod(("250m", "512Mi"))) == (0.25, 1.0)
    assert provisioned_capacity(_pod(("250m", "2Gi"))) == (0.5, 3.0)


def test_containers_are_summed():
    pod = _pod(("500m", "1Gi"), ("500m", "1Gi"), ("250m", "512Mi"))
    # 1.25 vCPU, 2.5 GiB + 256 MiB -> 2 vCPU (rounds up), memory minimum for 2 vCPU is 4 GB.
    assert provisioned_capacity(pod) == (2.0, 4.0)


def test_init_container_larger_than_sum_wins():
    pod = _pod(("250m", "256Mi"), ("250m", "256Mi"), init=[("2", "6Gi"), ("100m", "64Mi")])
    # Long-running sum: 0.5 vCPU, 512 MiB. Largest init: 2 vCPU, 6 GiB -> +256 MiB -> 7 GB.
    assert provisioned_capacity(pod) == (2.0, 7.0)


def test_cpu_and_memory_maxima_are_taken_separately():
    # CPU from the init container, memory from the long-running sum.
    pod = _pod(("250m", "3Gi"), ("250m", "3Gi"), init=[("4", "1Gi")])
    assert provisioned_capacity(pod) == (4.0, 8.0)  # 6.25 GiB, but 4 vCPU starts at 8 GB


def test_limits_stand_in_for_missing_requests():
    assert provisioned_capacity(_pod(("1", "2Gi", "limits"))) == (1.0, 3.0)
    pod = _pod(())
    pod["spec"]["containers"][0]["resources"] = {
        "requests": {"cpu": "500m"},
        "limits": {"cpu": "4", "memory": "4Gi"},
    }
    # The cpu request wins over its limit; memory falls back to its limit.
    assert provisioned_capacity(pod) == (1.0, 5.0)


def test_deployment_manifest_is_understood():
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "spec": {"replicas": 3, "template": _pod(("1", "8Gi"))},
    }
    assert provisioned_capacity(deployment) == (2.0, 9.0)


def test_largest_pod_that_fits():
    assert provisioned_capacity(_pod(("16", "119Gi"))) == (16.0, 120.0)


def test_pod_too_big_after_overhead_is_refused():
    with pytest.raises(FargateSizeError) as err:
        provisioned_capacity(_pod(("16", "120Gi")))
    assert "120.25 GB" in err.value.message and "256 MB" in err.value.message
    assert "node group" in err.value.hint


def test_pod_with_too_much_cpu_is_refused():
    with pytest.raises(FargateSizeError):
        provisioned_capacity(_pod(("17", "1Gi")))


def test_pod_without_spec_is_refused():
    with pytest.raises(InvalidParameterError, match="no pod spec"):
        provisioned_capacity({"kind": "Pod"})


@pytest.mark.parametrize(
    ("vcpu", "gb", "text"),
    [
        (0.25, 0.5, "0.25vCPU 0.5GB"),
        (1, 2, "1vCPU 2GB"),
        (2.0, 9.0, "2vCPU 9GB"),
        (0.5, 4, "0.5vCPU 4GB"),
        (16, 120, "16vCPU 120GB"),
    ],
)
def test_capacity_annotation(vcpu, gb, text):
    assert capacity_annotation(vcpu, gb) == text


def test_capacity_annotation_round_trip():
    assert capacity_annotation(*provisioned_capacity(_pod(("1", "8Gi")))) == "2vCPU 9GB"


def test_capacity_annotation_refuses_sizes_fargate_lacks():
    with pytest.raises(FargateSizeError):
        capacity_annotation(1, 9)
