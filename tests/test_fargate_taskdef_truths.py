"""Issue 9, point 1: three things ECS refuses that the Fargate checks used to accept.

Each test names the AWS document it follows. The expected values are typed in from those
documents, not read back from ``data/fargate.yaml``.
"""

from __future__ import annotations

import pytest

from awscontainers import fargate
from awscontainers.errors import FargateSizeError, FargateUnsupportedError, InvalidParameterError
from awscontainers.fargate import check_task_definition


def _taskdef(**overrides):
    base = {
        "family": "web",
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [
            {"name": "web", "image": "nginx:1.27", "portMappings": [{"containerPort": 80}]}
        ],
    }
    base.update(overrides)
    return base


def _ports(*mappings, **overrides):
    taskdef = _taskdef(**overrides)
    taskdef["containerDefinitions"][0]["portMappings"] = list(mappings)
    return taskdef


# --------------------------------------------------------------------------- hostPort
# ECS API reference, PortMapping
# (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_PortMapping.html): "If you use
# containers in a task with the awsvpc or host network mode, specify the exposed ports using
# containerPort. The hostPort can be left blank or it must be the same value as the
# containerPort." ECS's ClientException text: "When networkMode=awsvpc, the host ports and
# container ports in port mappings must match."


def test_awsvpc_host_port_left_out_or_equal_is_accepted():
    assert check_task_definition(_ports({"containerPort": 80})) is None
    assert check_task_definition(_ports({"containerPort": 80, "hostPort": 80})) is None


def test_awsvpc_host_port_different_from_container_port_is_refused_in_ecs_words():
    with pytest.raises(InvalidParameterError) as info:
        check_task_definition(_ports({"containerPort": 80, "hostPort": 8080}))
    error = info.value
    assert error.code == "ClientException"
    assert error.message.startswith(
        "When networkMode=awsvpc, the host ports and container ports in port mappings must match."
    )
    assert "hostPort 8080" in error.message and "containerPort 80" in error.message
    assert "Leave hostPort out (or set it to 80)" in error.hint


def test_the_port_rule_holds_on_every_launch_type_in_awsvpc_and_host_mode():
    # PortMapping applies to the network mode, whatever the launch type.
    ec2 = {"requiresCompatibilities": ["EC2"]}
    with pytest.raises(InvalidParameterError, match="networkMode=awsvpc"):
        check_task_definition(_ports({"containerPort": 80, "hostPort": 81}, **ec2))
    with pytest.raises(InvalidParameterError, match="networkMode=host"):
        check_task_definition(
            _ports({"containerPort": 80, "hostPort": 81}, networkMode="host", **ec2)
        )
    # bridge mode maps host ports to other container ports: that is what it is for.
    bridge = _ports({"containerPort": 80, "hostPort": 8080}, networkMode="bridge", **ec2)
    assert check_task_definition(bridge) is None


# --------------------------------------------------------------------------- pidMode
# ECS API reference, RegisterTaskDefinition, pidMode: "On Fargate for Linux containers, the
# only valid value is task." ... "This isn't supported for Windows containers on Fargate."
# ECS's ClientException text (quoted in aws/aws-cdk issue #29619): "Tasks using the Fargate
# launch type do not support pidMode 'host'. The supported value for pidMode is 'task'."


def test_pid_mode_task_is_accepted_on_fargate_linux():
    assert check_task_definition(_taskdef(pidMode="task")) is None


def test_pid_mode_host_is_refused_on_fargate_in_ecs_words():
    with pytest.raises(FargateUnsupportedError) as info:
        check_task_definition(_taskdef(pidMode="host"))
    error = info.value
    assert error.code == "ClientException"
    assert error.message == (
        "Tasks using the Fargate launch type do not support pidMode 'host'. "
        "The supported value for pidMode is 'task'."
    )
    assert "pidMode='task'" in error.hint and "EC2 launch type" in error.hint


def test_pid_mode_host_stays_allowed_on_ec2():
    ec2 = _taskdef(requiresCompatibilities=["EC2"], pidMode="host")
    assert check_task_definition(ec2) is None


def _windows(cpu, memory, **overrides):
    platform = {"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE", "cpuArchitecture": "X86_64"}
    return _taskdef(cpu=cpu, memory=memory, runtimePlatform=platform, **overrides)


def test_pid_mode_of_any_kind_is_refused_for_windows_on_fargate():
    with pytest.raises(FargateUnsupportedError, match="do not support pidMode"):
        check_task_definition(_windows("1024", "2048", pidMode="task"))


# --------------------------------------------------------------------------- Windows sizes
# ECS developer guide, "Troubleshoot Amazon ECS task definition invalid CPU or memory errors"
# (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html): the
# size table lists Windows only for 1024 (2-8 GB), 2048 (4-16 GB) and 4096 (8-30 GB); the API
# reference: "The CPU units cannot be less than 1 vCPU when you use Windows containers on
# Fargate."

WINDOWS_TABLE = {
    1024: [g * 1024 for g in range(2, 9)],
    2048: [g * 1024 for g in range(4, 17)],
    4096: [g * 1024 for g in range(8, 31)],
}


def test_windows_size_table_matches_the_docs():
    assert fargate.windows_sizes() == WINDOWS_TABLE


@pytest.mark.parametrize("cpu, memory", [("1024", "2048"), ("2 vCPU", "16 GB"), ("4096", "30720")])
def test_windows_sizes_in_the_table_are_accepted(cpu, memory):
    assert check_task_definition(_windows(cpu, memory)) is None


@pytest.mark.parametrize("cpu, memory", [("256", "512"), ("512", "1024"), ("8192", "16384")])
def test_windows_sizes_outside_its_table_are_refused(cpu, memory):
    with pytest.raises(FargateSizeError) as info:
        check_task_definition(_windows(cpu, memory))
    error = info.value
    assert error.code == "ClientException"
    assert error.message.startswith("No Fargate configuration exists for given values:")
    assert "cannot be less than 1 vCPU when you use Windows containers on Fargate" in error.message


def test_a_small_windows_task_is_pointed_at_the_smallest_windows_size():
    with pytest.raises(FargateSizeError) as info:
        check_task_definition(_windows("512", "1024"))
    assert "cpu '1024' (1 vCPU) with memory '2048' (2 GB)" in info.value.hint


def test_the_same_small_size_is_fine_on_linux():
    assert check_task_definition(_taskdef(cpu="512", memory="1024")) is None


def test_windows_on_arm_is_refused():
    # ECS API reference, RuntimePlatform: cpuArchitecture "must be set to X86_64 for Windows
    # containers".
    taskdef = _windows("1024", "2048")
    taskdef["runtimePlatform"]["cpuArchitecture"] = "ARM64"
    with pytest.raises(FargateUnsupportedError, match="X86_64 only"):
        check_task_definition(taskdef)


# --------------------------------------------------------------------------- storage (point 7)
# ECS developer guide, "Use Amazon EBS volumes with Amazon ECS": one EBS volume per task,
# configured at launch (Fargate included, since January 2024). EKS user guide, "AWS Fargate
# considerations": no EBS for Fargate pods; EFS with static provisioning.


def test_fargate_storage_differs_between_ecs_and_eks():
    ecs, eks = fargate.storage_support("ECS"), fargate.storage_support("eks")
    assert ecs["ebs_volumes_per_task"] == 1 and ecs["efs"] is True
    assert eks["ebs_volumes_per_task"] == 0 and eks["efs"] == "static provisioning only"
    with pytest.raises(InvalidParameterError):
        fargate.storage_support("nomad")
