"""ECS on Fargate: sizes, forbidden fields, ENIs, no instances, FARGATE_SPOT."""

import pytest

from awscontainers import FargateSizeError, FargateUnsupportedError, InvalidParameterError
from tests.conftest import register, register_fargate


@pytest.fixture
def fg(lab):
    lab.ecs.create_cluster(clusterName="fg")
    return "fg"


def test_unit_strings_are_stored_as_ecs_stores_them(lab, fg):
    td = register_fargate(lab, cpu="1 vCPU", memory="2 GB")
    assert (td["cpu"], td["memory"]) == ("1024", "2048")
    assert td["executionRoleArn"].endswith("ecs-task-execution")


@pytest.mark.parametrize("cpu, memory", [("256", "4096"), ("300", "512"), ("abc", "xyz")])
def test_invalid_sizes_are_refused_and_nothing_registered(lab, fg, cpu, memory):
    with pytest.raises(InvalidParameterError):
        register_fargate(lab, cpu=cpu, memory=memory)
    assert lab.ecs.list_task_definitions()["taskDefinitionArns"] == []


def test_size_error_lists_valid_memory(lab, fg):
    with pytest.raises(FargateSizeError) as err:
        register_fargate(lab, cpu="256", memory="4096")
    assert "0.5 GB, 1 GB, 2 GB" in str(err.value)


def test_forbidden_fields_are_refused(lab, fg):
    with pytest.raises(FargateUnsupportedError, match="privileged"):
        lab.ecs.register_task_definition(
            family="bad",
            requiresCompatibilities=["FARGATE"],
            networkMode="awsvpc",
            cpu="256",
            memory="512",
            containerDefinitions=[{"name": "a", "image": "x", "privileged": True}],
        )
    with pytest.raises(FargateUnsupportedError, match="awsvpc"):
        lab.ecs.register_task_definition(
            family="bad",
            requiresCompatibilities=["FARGATE"],
            networkMode="bridge",
            cpu="256",
            memory="512",
            containerDefinitions=[{"name": "a", "image": "x"}],
        )


def test_fargate_tasks_get_an_eni_each_and_no_instance(lab, fg):
    register_fargate(lab)
    tasks = lab.ecs.run_task(cluster="fg", taskDefinition="fg", launchType="FARGATE", count=4)[
        "tasks"
    ]
    assert len(tasks) == 4
    ec2 = lab.client("ec2")
    assert ec2.describe_instances()["Reservations"] == []
    enis = {
        d["value"]
        for t in tasks
        for a in t["attachments"]
        for d in a["details"]
        if d["name"] == "networkInterfaceId"
    }
    assert len(enis) == 4
    described = ec2.describe_network_interfaces(NetworkInterfaceIds=sorted(enis))
    assert len(described["NetworkInterfaces"]) == 4
    assert {t["availabilityZone"] for t in tasks} == {"us-east-1a", "us-east-1b"}
    assert all(t["launchType"] == "FARGATE" and "containerInstanceArn" not in t for t in tasks)
    lab.ecs.stop_task(cluster="fg", task=tasks[0]["taskArn"])
    left = ec2.describe_network_interfaces()["NetworkInterfaces"]
    assert len(left) == 3


def test_a_fargate_tasks_eni_is_what_ec2_shows(lab, fg):
    """The lab makes task ENIs on moto's backend directly (speed); EC2's own API must show
    each exactly as the task's attachment says, tagged with the lab, in its subnet."""
    import ipaddress

    register_fargate(lab)
    (task,) = lab.ecs.run_task(cluster="fg", taskDefinition="fg", launchType="FARGATE")["tasks"]
    details = {d["name"]: d["value"] for d in task["attachments"][0]["details"]}
    ec2 = lab.client("ec2")
    (eni,) = ec2.describe_network_interfaces(NetworkInterfaceIds=[details["networkInterfaceId"]])[
        "NetworkInterfaces"
    ]
    assert eni["SubnetId"] == details["subnetId"]
    assert eni["PrivateIpAddress"] == details["privateIPv4Address"]
    assert eni["MacAddress"] == details["macAddress"]
    assert eni["AvailabilityZone"] == task["availabilityZone"]
    assert eni["Description"].endswith(f"attachment/{task['attachments'][0]['id']}")
    assert {"Key": "awscontainers:lab", "Value": lab.lab_id} in eni["TagSet"]
    assert [g["GroupId"] for g in eni["Groups"]] == [lab.network().security_group_id]
    (subnet,) = ec2.describe_subnets(SubnetIds=[eni["SubnetId"]])["Subnets"]
    assert ipaddress.ip_address(eni["PrivateIpAddress"]) in ipaddress.ip_network(
        subnet["CidrBlock"]
    )
    # The lab's cached reads see the new ENI and its deletion.
    assert lab.account.read("ec2", "describe_network_interfaces")["NetworkInterfaces"]
    lab.ecs.stop_task(cluster="fg", task=task["taskArn"])
    assert lab.account.read("ec2", "describe_network_interfaces")["NetworkInterfaces"] == []


def test_fargate_task_definition_cannot_run_on_ec2_and_back(lab, fg):
    register_fargate(lab)
    lab.ecs.launch_instances("fg", count=1)
    with pytest.raises(InvalidParameterError, match="does not support launch_type EC2"):
        lab.ecs.run_task(cluster="fg", taskDefinition="fg", launchType="EC2")
    register(lab, "ec2only")
    with pytest.raises(InvalidParameterError, match="does not support launch_type FARGATE"):
        lab.ecs.run_task(cluster="fg", taskDefinition="ec2only", launchType="FARGATE")


def test_fargate_spot_needs_the_provider_on_the_cluster(lab, fg):
    register_fargate(lab)
    spot = [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]
    with pytest.raises(InvalidParameterError, match="not associated with the cluster"):
        lab.ecs.run_task(cluster="fg", taskDefinition="fg", capacityProviderStrategy=spot)
    lab.ecs.put_cluster_capacity_providers(
        cluster="fg",
        capacityProviders=["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategy=[],
    )
    tasks = lab.ecs.run_task(cluster="fg", taskDefinition="fg", capacityProviderStrategy=spot)[
        "tasks"
    ]
    assert tasks[0]["capacityProviderName"] == "FARGATE_SPOT"
    mixed = [
        {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
        {"capacityProvider": "FARGATE_SPOT", "weight": 3},
    ]
    tasks = lab.ecs.run_task(
        cluster="fg", taskDefinition="fg", capacityProviderStrategy=mixed, count=5
    )["tasks"]
    names = [t["capacityProviderName"] for t in tasks]
    assert names.count("FARGATE") == 2 and names.count("FARGATE_SPOT") == 3


def test_launch_type_and_strategy_together_are_refused(lab, fg):
    register_fargate(lab)
    with pytest.raises(InvalidParameterError, match="both a launch type"):
        lab.ecs.run_task(
            cluster="fg",
            taskDefinition="fg",
            launchType="FARGATE",
            capacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}],
        )


def test_fargate_service_keeps_desired_count(lab, fg):
    register_fargate(lab)
    svc = lab.ecs.create_service(
        cluster="fg", serviceName="web", taskDefinition="fg", desiredCount=3, launchType="FARGATE"
    )["service"]
    assert svc["runningCount"] == 3
    svc = lab.ecs.update_service(cluster="fg", service="web", desiredCount=1)["service"]
    assert svc["runningCount"] == 1
    assert len(lab.client("ec2").describe_network_interfaces()["NetworkInterfaces"]) == 1


def test_given_network_configuration_is_used(lab, fg):
    register_fargate(lab)
    subnet = lab.network().private_subnet_ids[1]
    task = lab.ecs.run_task(
        cluster="fg",
        taskDefinition="fg",
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}},
    )["tasks"][0]
    details = {d["name"]: d["value"] for d in task["attachments"][0]["details"]}
    assert details["subnetId"] == subnet


def test_run_task_hands_out_copies_of_the_simulator_s_records(lab, fg):
    """The simulator keeps its own task records; what run_task answers may be changed by
    the learner without changing what describe_tasks says."""
    register_fargate(lab)
    (task,) = lab.ecs.run_task(cluster="fg", taskDefinition="fg", launchType="FARGATE")["tasks"]
    task["lastStatus"] = "CHANGED"
    task["containers"][0]["name"] = "changed"
    (again,) = lab.ecs.describe_tasks(cluster="fg", tasks=[task["taskArn"]])["tasks"]
    assert again["lastStatus"] == "RUNNING"
    assert again["containers"][0]["name"] != "changed"
