"""ECS on EC2: joining, true capacity, placement, services, draining."""

import pytest

from awscontainers import InvalidParameterError, LabError, NotFoundError, ResourceInUseError
from awscontainers.ecs import ecs_user_data
from tests.conftest import register


def resources(ci, key):
    return {r["name"]: r.get("integerValue") for r in ci[key]}


@pytest.mark.parametrize(
    "instance_type, cpu, memory",
    [("t3.medium", 2048, 3992), ("m5.xlarge", 4096, 15970), ("c5.large", 2048, 3992)],
)
def test_agent_registers_the_instance_types_real_cpu_and_memory(lab, instance_type, cpu, memory):
    lab.ecs.create_cluster(clusterName="web")
    lab.ecs.launch_instances("web", count=1, instance_type=instance_type)
    arns = lab.ecs.list_container_instances(cluster="web")["containerInstanceArns"]
    ci = lab.ecs.describe_container_instances(cluster="web", containerInstances=arns)[
        "containerInstances"
    ][0]
    assert resources(ci, "registeredResources")["CPU"] == cpu
    assert resources(ci, "registeredResources")["MEMORY"] == memory
    attrs = {a["name"]: a["value"] for a in ci["attributes"]}
    assert attrs["ecs.instance-type"] == instance_type


def test_instances_spread_over_two_azs_and_join(lab, ec2_cluster):
    rows = lab.ecs.container_instances("web")
    assert {r["az"] for r in rows} == {"us-east-1a", "us-east-1b"}
    assert (
        lab.ecs.describe_clusters(clusters=["web"])["clusters"][0][
            "registeredContainerInstancesCount"
        ]
        == 2
    )


@pytest.mark.parametrize("count", [1, 2, 5])
def test_a_batch_launches_round_robin_each_with_its_role_and_joins(lab, count):
    """One RunInstances per subnet; every instance has the instance profile (moto gives it
    to the first of a call only) and joins; rows come in round-robin order over the AZs."""
    lab.ecs.create_cluster(clusterName="web")
    rows = list(lab.ecs.launch_instances("web", count=count))
    assert [r["az"] for r in rows] == [("us-east-1a", "us-east-1b")[n % 2] for n in range(count)]
    assert all(r["joined"] == "web" for r in rows)
    described = lab.client("ec2").describe_instances(InstanceIds=[r["instance"] for r in rows])
    instances = [i for r in described["Reservations"] for i in r["Instances"]]
    assert len(instances) == count
    assert all(
        i["IamInstanceProfile"]["Arn"].endswith("/" + lab.instance_profile("ecs-instance"))
        for i in instances
    )


def test_user_data_is_what_the_ecs_guide_shows(lab, ec2_cluster):
    iid = lab.ecs.container_instances("web")[0]["instance"]
    import base64

    data = lab.client("ec2").describe_instance_attribute(InstanceId=iid, Attribute="userData")
    text = base64.b64decode(data["UserData"]["Value"]).decode()
    assert text == ecs_user_data("web")
    assert 'echo "ECS_CLUSTER=web" >> /etc/ecs/ecs.config' in text


def test_no_ecs_cluster_in_user_data_joins_default(lab):
    lab.ecs.create_cluster(clusterName="default")
    lab.ecs.create_cluster(clusterName="web")
    rows = lab.ecs.launch_instances(None, count=1)
    assert rows[0]["joined"] == "default"
    assert len(lab.ecs.container_instances("default")) == 1
    assert len(lab.ecs.container_instances("web")) == 0


def test_no_ecs_cluster_and_no_default_cluster_the_agent_creates_default(lab):
    # amazon-ecs-agent, ecs-agent/api/ecs/client/ecs_client.go, RegisterContainerInstance:
    # "If our clusterRef is empty, we should try to create the default": register into
    # "default", and on ClusterNotFound call CreateCluster("default") and register again.
    lab.ecs.create_cluster(clusterName="web")
    rows = lab.ecs.launch_instances(None, count=1)
    assert rows[0]["joined"] == "default"
    assert "created cluster 'default'" in lab.ecs.agent_log()[-2]
    described = lab.ecs.describe_clusters(clusters=["default"])["clusters"][0]
    assert described["status"] == "ACTIVE"
    assert described["registeredContainerInstancesCount"] == 1
    assert any(a.endswith("/default") for a in lab.ecs.list_clusters()["clusterArns"])
    # The lab made it (through the agent), so teardown deletes it too.
    lab.teardown()
    assert lab.ecs.list_clusters()["clusterArns"] == []


def test_an_explicit_ecs_cluster_default_is_not_created_by_the_agent(lab):
    # The agent creates "default" only when ECS_CLUSTER is empty (ecs_client.go checks
    # clusterRef == ""); a cluster named in the user data, even "default", is waited for.
    rows = lab.ecs.launch_instances("default", count=1)
    assert rows[0]["joined"] is None
    assert "not found" in lab.ecs.agent_log()[-1]
    assert lab.ecs.list_clusters()["clusterArns"] == []


def test_agent_waits_for_a_cluster_that_does_not_exist_yet(lab):
    # A named cluster that does not exist: RegisterContainerInstance fails with
    # ClusterNotFoundException, not a terminal error for the agent (agent/app/agent.go
    # returns ExitError, not ExitTerminal), so ecs-init restarts it "essentially forever"
    # (ecs-init/engine/engine.go StartSupervised) and it registers once the cluster exists.
    rows = lab.ecs.launch_instances("later", count=1)
    assert rows[0]["joined"] is None
    assert "not found" in lab.ecs.agent_log()[-1]
    lab.ecs.create_cluster(clusterName="later")
    assert len(lab.ecs.container_instances("later")) == 1


def test_an_ami_without_the_agent_never_joins(lab):
    lab.ecs.create_cluster(clusterName="web")
    plain = lab.client("ec2").describe_images(
        Owners=["amazon"], Filters=[{"Name": "name", "Values": ["al2023-ami-2023*x86_64"]}]
    )["Images"][0]["ImageId"]
    rows = lab.ecs.launch_instances("web", count=1, image_id=plain)
    assert rows[0]["joined"] is None
    assert "no ECS agent" in lab.ecs.agent_log()[-1]
    assert lab.ecs.container_instances("web") == []


def test_instances_launched_with_a_plain_ec2_client_join_too(lab, ec2_cluster):
    ec2 = lab.client("ec2")
    ec2.run_instances(
        ImageId=lab.ecs.ecs_optimized_ami(),
        InstanceType="m5.large",
        MinCount=1,
        MaxCount=1,
        UserData=ecs_user_data("web"),
        SubnetId=lab.network().subnet_ids[0],
    )
    types = sorted(r["type"] for r in lab.ecs.container_instances("web"))
    assert types == ["m5.large", "t3.medium", "t3.medium"]


def test_bad_instance_type_and_count_are_refused(lab):
    lab.ecs.create_cluster(clusterName="web")
    with pytest.raises(InvalidParameterError, match="not an EC2 instance type"):
        lab.ecs.launch_instances("web", instance_type="t3.gigantic")
    with pytest.raises(InvalidParameterError, match="count"):
        lab.ecs.launch_instances("web", count=0)
    assert lab.client("ec2").describe_instances()["Reservations"] == []


def test_run_task_without_instances_gives_ecs_error(lab):
    lab.ecs.create_cluster(clusterName="empty")
    register(lab, "api")
    with pytest.raises(InvalidParameterError, match="No Container Instances were found"):
        lab.ecs.run_task(cluster="empty", taskDefinition="api")


def test_unknown_cluster_and_task_definition(lab, ec2_cluster):
    with pytest.raises(NotFoundError, match="Cluster not found"):
        lab.ecs.run_task(cluster="nope", taskDefinition="api")
    with pytest.raises(InvalidParameterError, match="Unable to describe task definition"):
        lab.ecs.run_task(cluster="web", taskDefinition="never-registered")


def test_placement_runs_until_memory_runs_out_with_reasons(lab, ec2_cluster):
    register(lab, "big", cpu=256, memory=1536)
    started = 0
    failures = []
    for _ in range(3):
        result = lab.ecs.run_task(cluster="web", taskDefinition="big", count=2)
        started += len(result["tasks"])
        failures = result["failures"]
    # 3992 MiB per instance holds two 1536 MiB tasks: 4 in all.
    assert started == 4
    assert {f["reason"] for f in failures} == {"RESOURCE:MEMORY"}
    assert len(failures) == 2
    for row in lab.ecs.container_instances("web"):
        assert row["memory_free"] == 3992 - 2 * 1536


def test_cpu_and_port_reasons(lab, ec2_cluster):
    register(lab, "hungry", cpu=2048, memory=256)
    result = lab.ecs.run_task(cluster="web", taskDefinition="hungry", count=3)
    assert len(result["tasks"]) == 2
    assert {f["reason"] for f in result["failures"]} == {"RESOURCE:CPU"}
    register(lab, "port80", cpu=0, memory=128, host_port=80)
    lab.ecs.stop_task(cluster="web", task=result["tasks"][0]["taskArn"])
    lab.ecs.stop_task(cluster="web", task=result["tasks"][1]["taskArn"])
    result = lab.ecs.run_task(cluster="web", taskDefinition="port80", count=3)
    assert len(result["tasks"]) == 2
    assert {f["reason"] for f in result["failures"]} == {"RESOURCE:PORTS"}


def test_binpack_fills_one_instance_first(lab, ec2_cluster):
    register(lab, "small", cpu=256, memory=512)
    result = lab.ecs.run_task(
        cluster="web",
        taskDefinition="small",
        count=4,
        placementStrategy=[{"type": "binpack", "field": "memory"}],
    )
    hosts = {t["containerInstanceArn"] for t in result["tasks"]}
    assert len(hosts) == 1


def test_spread_over_az_alternates(lab, ec2_cluster):
    register(lab, "small", cpu=256, memory=512)
    result = lab.ecs.run_task(
        cluster="web",
        taskDefinition="small",
        count=4,
        placementStrategy=[{"type": "spread", "field": "attribute:ecs.availability-zone"}],
    )
    azs = [t["availabilityZone"] for t in result["tasks"]]
    assert sorted(azs) == ["us-east-1a", "us-east-1a", "us-east-1b", "us-east-1b"]


def test_distinct_instance_places_one_per_instance(lab, ec2_cluster):
    register(lab, "solo", cpu=256, memory=256)
    result = lab.ecs.run_task(
        cluster="web",
        taskDefinition="solo",
        count=3,
        placementConstraints=[{"type": "distinctInstance"}],
    )
    assert len(result["tasks"]) == 2
    assert len({t["containerInstanceArn"] for t in result["tasks"]}) == 2
    assert {f["reason"] for f in result["failures"]} == {
        "DistinctInstance placement constraint unsatisfied."
    }


def test_member_of_instance_type_and_az(lab, ec2_cluster):
    lab.ecs.launch_instances("web", count=1, instance_type="m5.large")
    register(lab, "small", cpu=256, memory=256)
    result = lab.ecs.run_task(
        cluster="web",
        taskDefinition="small",
        count=3,
        placementConstraints=[
            {"type": "memberOf", "expression": "attribute:ecs.instance-type == m5.large"}
        ],
    )
    instance_of = {r["instance"]: r["type"] for r in lab.ecs.container_instances("web")}
    hosts = lab.ecs.describe_container_instances(
        cluster="web", containerInstances=[t["containerInstanceArn"] for t in result["tasks"]]
    )["containerInstances"]
    assert {instance_of[h["ec2InstanceId"]] for h in hosts} == {"m5.large"}
    result = lab.ecs.run_task(
        cluster="web",
        taskDefinition="small",
        count=2,
        placementConstraints=[
            {"type": "memberOf", "expression": "attribute:ecs.availability-zone == us-east-1b"}
        ],
    )
    assert {t["availabilityZone"] for t in result["tasks"]} == {"us-east-1b"}
    result = lab.ecs.run_task(
        cluster="web",
        taskDefinition="small",
        placementConstraints=[
            {"type": "memberOf", "expression": "attribute:ecs.instance-type == p4d.24xlarge"}
        ],
    )
    assert result["tasks"] == []
    assert {f["reason"] for f in result["failures"]} == {
        "MemberOf placement constraint unsatisfied."
    }


def test_bad_placement_expression_is_refused(lab, ec2_cluster):
    register(lab, "small")
    with pytest.raises(InvalidParameterError):
        lab.ecs.run_task(
            cluster="web",
            taskDefinition="small",
            placementConstraints=[{"type": "memberOf", "expression": "attribute:== =="}],
        )


def test_start_task_never_overcommits(lab, ec2_cluster):
    register(lab, "big", cpu=256, memory=3000)
    arn = lab.ecs.list_container_instances(cluster="web")["containerInstanceArns"][0]
    first = lab.ecs.start_task(cluster="web", taskDefinition="big", containerInstances=[arn])
    second = lab.ecs.start_task(cluster="web", taskDefinition="big", containerInstances=[arn])
    assert len(first["tasks"]) == 1
    assert second["tasks"] == []
    assert second["failures"] == [{"arn": arn, "reason": "RESOURCE:MEMORY"}]
    ci = lab.ecs.describe_container_instances(cluster="web", containerInstances=[arn])[
        "containerInstances"
    ][0]
    assert resources(ci, "remainingResources")["MEMORY"] == 992


def test_tasks_stay_running_until_stopped(lab, ec2_cluster):
    register(lab, "api")
    arn = lab.ecs.run_task(cluster="web", taskDefinition="api")["tasks"][0]["taskArn"]
    for _ in range(5):
        task = lab.ecs.describe_tasks(cluster="web", tasks=[arn])["tasks"][0]
        assert task["lastStatus"] == "RUNNING"
    stopped = lab.ecs.stop_task(cluster="web", task=arn, reason="done")["task"]
    assert stopped["lastStatus"] == "STOPPED" and stopped["stoppedReason"] == "done"
    assert lab.ecs.list_tasks(cluster="web")["taskArns"] == []
    assert lab.ecs.list_tasks(cluster="web", desiredStatus="STOPPED")["taskArns"] == [arn]
    missing = lab.ecs.describe_tasks(cluster="web", tasks=["0" * 32])
    assert missing["failures"] == [{"arn": "0" * 32, "reason": "MISSING"}]


def test_ec2_task_definition_needs_memory(lab):
    with pytest.raises(InvalidParameterError, match="memoryReservation"):
        lab.ecs.register_task_definition(
            family="nomem", containerDefinitions=[{"name": "a", "image": "nginx"}]
        )
    assert lab.ecs.list_task_definitions()["taskDefinitionArns"] == []


def test_service_runs_desired_count_and_records_events(lab, ec2_cluster):
    register(lab, "api")
    svc = lab.ecs.create_service(
        cluster="web", serviceName="api", taskDefinition="api", desiredCount=4
    )["service"]
    assert svc["runningCount"] == 4
    azs = sorted(
        t["availabilityZone"]
        for t in lab.ecs.describe_tasks(
            cluster="web", tasks=lab.ecs.list_tasks(cluster="web", serviceName="api")["taskArns"]
        )["tasks"]
    )
    assert azs == ["us-east-1a", "us-east-1a", "us-east-1b", "us-east-1b"]
    events = lab.ecs.service_events("web", "api")
    assert events[0] == "(service api) has reached a steady state."
    assert events[1].startswith("(service api) has started 4 tasks:")


def test_service_scales_and_replaces_stopped_tasks(lab, ec2_cluster):
    register(lab, "api")
    lab.ecs.create_service(cluster="web", serviceName="api", taskDefinition="api", desiredCount=2)
    svc = lab.ecs.update_service(cluster="web", service="api", desiredCount=5)["service"]
    assert svc["runningCount"] == 5
    svc = lab.ecs.update_service(cluster="web", service="api", desiredCount=1)["service"]
    assert svc["runningCount"] == 1
    assert "has stopped 4 running tasks" in lab.ecs.service_events("web", "api")[1]
    (only,) = lab.ecs.list_tasks(cluster="web", serviceName="api")["taskArns"]
    lab.ecs.stop_task(cluster="web", task=only)
    (replacement,) = lab.ecs.list_tasks(cluster="web", serviceName="api")["taskArns"]
    assert replacement != only


def test_service_reports_why_it_cannot_place(lab, ec2_cluster):
    register(lab, "huge", cpu=256, memory=3800)
    svc = lab.ecs.create_service(
        cluster="web", serviceName="huge", taskDefinition="huge", desiredCount=3
    )["service"]
    assert svc["runningCount"] == 2
    message = lab.ecs.service_events("web", "huge")[0]
    assert message.startswith("(service huge) was unable to place a task")
    assert "insufficient memory available" in message
    # More capacity arrives: the scheduler places the missing task.
    lab.ecs.launch_instances("web", count=1)
    assert (
        lab.ecs.describe_services(cluster="web", services=["huge"])["services"][0]["runningCount"]
        == 3
    )


def test_draining_moves_service_tasks_but_not_standalone_ones(lab, ec2_cluster):
    register(lab, "api")
    lab.ecs.create_service(cluster="web", serviceName="api", taskDefinition="api", desiredCount=4)
    standalone = lab.ecs.run_task(
        cluster="web",
        taskDefinition="api",
        placementConstraints=[
            {"type": "memberOf", "expression": "attribute:ecs.availability-zone == us-east-1a"}
        ],
    )["tasks"][0]
    arns = lab.ecs.list_container_instances(cluster="web")["containerInstanceArns"]
    drained = next(a for a in arns if a == standalone["containerInstanceArn"])
    out = lab.ecs.update_container_instances_state(
        cluster="web", containerInstances=[drained], status="DRAINING"
    )
    assert out["containerInstances"][0]["status"] == "DRAINING"
    service_tasks = lab.ecs.describe_tasks(
        cluster="web", tasks=lab.ecs.list_tasks(cluster="web", serviceName="api")["taskArns"]
    )["tasks"]
    assert len(service_tasks) == 4
    assert all(t["containerInstanceArn"] != drained for t in service_tasks)
    still = lab.ecs.describe_tasks(cluster="web", tasks=[standalone["taskArn"]])["tasks"][0]
    assert still["lastStatus"] == "RUNNING"
    assert "has stopped" in " ".join(lab.ecs.service_events("web", "api"))


def test_deregister_and_delete_rules(lab, ec2_cluster):
    register(lab, "api")
    task = lab.ecs.run_task(cluster="web", taskDefinition="api")["tasks"][0]
    with pytest.raises(ResourceInUseError, match="drain it first"):
        lab.ecs.deregister_container_instance(
            cluster="web", containerInstance=task["containerInstanceArn"]
        )
    with pytest.raises(ResourceInUseError):
        lab.ecs.delete_cluster(cluster="web")
    out = lab.ecs.deregister_container_instance(
        cluster="web", containerInstance=task["containerInstanceArn"], force=True
    )
    assert out["containerInstance"]["status"] == "INACTIVE"
    assert len(lab.ecs.container_instances("web")) == 1


def test_delete_service_needs_zero_or_force(lab, ec2_cluster):
    register(lab, "api")
    lab.ecs.create_service(cluster="web", serviceName="api", taskDefinition="api", desiredCount=2)
    with pytest.raises(InvalidParameterError, match="scaled above 0"):
        lab.ecs.delete_service(cluster="web", service="api")
    lab.ecs.delete_service(cluster="web", service="api", force=True)
    assert lab.ecs.list_tasks(cluster="web")["taskArns"] == []


def test_terminating_an_instance_reschedules_service_tasks(lab, ec2_cluster):
    register(lab, "api")
    lab.ecs.create_service(cluster="web", serviceName="api", taskDefinition="api", desiredCount=2)
    victim = lab.ecs.container_instances("web")[0]["instance"]
    lab.client("ec2").terminate_instances(InstanceIds=[victim])
    rows = lab.ecs.container_instances("web")
    assert [r["instance"] for r in rows] != [victim] and len(rows) == 1
    assert len(rows[0]["tasks"]) == 2


def test_draining_without_room_elsewhere_keeps_the_task_and_is_not_steady(lab):
    lab.ecs.create_cluster(clusterName="one")
    lab.ecs.launch_instances("one", count=1)
    register(lab, "api")
    lab.ecs.create_service(cluster="one", serviceName="api", taskDefinition="api", desiredCount=1)
    (arn,) = lab.ecs.list_container_instances(cluster="one")["containerInstanceArns"]
    lab.ecs.update_container_instances_state(
        cluster="one", containerInstances=[arn], status="DRAINING"
    )
    events = lab.ecs.service_events("one", "api")
    assert events[0].startswith("(service api) was unable to place a task")
    assert len(lab.ecs.list_tasks(cluster="one", serviceName="api")["taskArns"]) == 1


# -- GPUs ------------------------------------------------------------------------------------


def _gpu_taskdef(lab, family="train", gpus="1"):
    # The shape of the ECS guide's example ("Specifying GPUs in an Amazon ECS task
    # definition"): resourceRequirements [{"type": "GPU", "value": "N"}] on a container.
    return lab.ecs.register_task_definition(
        family=family,
        containerDefinitions=[
            {
                "name": "gpu",
                "image": "nvidia/cuda:12.4.1-base",
                "cpu": 256,
                "memory": 512,
                "resourceRequirements": [{"type": "GPU", "value": gpus}],
            }
        ],
    )


def _ci(lab, cluster):
    arns = lab.ecs.list_container_instances(cluster=cluster)["containerInstanceArns"]
    return lab.ecs.describe_container_instances(cluster=cluster, containerInstances=arns)[
        "containerInstances"
    ]


def test_a_gpu_instance_on_the_gpu_ami_registers_its_gpus(lab):
    # amazon-ecs-agent agent/app/agent.go: with GPUSupportEnabled (ECS_ENABLE_GPU_SUPPORT,
    # set by the ECS GPU-optimized AMI: aws/amazon-ecs-ami
    # scripts/al2023/gpu/enable-ecs-agent-gpu-support-al2023.sh) the agent registers the GPU
    # ids from NVML as platform devices; ECS reports them as the STRINGSET resource "GPU".
    # g4dn.xlarge has 1 NVIDIA T4 (EC2 DescribeInstanceTypes GpuInfo).
    lab.ecs.create_cluster(clusterName="ml")
    lab.ecs.launch_instances("ml", count=1, instance_type="g4dn.xlarge")
    image = lab.client("ec2").describe_images(
        ImageIds=[
            lab.client("ec2").describe_instances()["Reservations"][0]["Instances"][0]["ImageId"]
        ]
    )["Images"][0]
    assert "-ecs-gpu-" in image["Name"]
    ci = _ci(lab, "ml")[0]
    gpu = next(r for r in ci["registeredResources"] if r["name"] == "GPU")
    assert gpu["type"] == "STRINGSET"
    assert len(gpu["stringSetValue"]) == 1 and gpu["stringSetValue"][0].startswith("GPU-")
    assert lab.ecs.container_instances("ml")[0]["gpus"] == 1


def test_a_gpu_instance_without_the_gpu_ami_registers_no_gpu(lab):
    # agent/gpu/nvidia_gpu_manager_unix.go: without the GPU information the NVIDIA driver
    # provides, "GPU information is not found; continuing without it".
    lab.ecs.create_cluster(clusterName="ml")
    lab.ecs.launch_instances(
        "ml", count=1, instance_type="g4dn.xlarge", image_id=lab.ecs.ecs_optimized_ami()
    )
    assert "no NVIDIA driver" in lab.ecs.agent_log()[-2]
    ci = _ci(lab, "ml")[0]
    assert "GPU" not in {r["name"] for r in ci["registeredResources"]}


def test_gpu_tasks_go_only_where_gpus_are_free_and_get_pinned_gpus(lab):
    # ECS guide: "The number of GPUs reserved for all containers in a task can't exceed the
    # number of available GPUs on the container instance"; the agent pins physical GPUs to
    # the container (task containers' gpuIds, ECS API Container type).
    lab.ecs.create_cluster(clusterName="ml")
    lab.ecs.launch_instances("ml", count=1, instance_type="t3.large")
    lab.ecs.launch_instances("ml", count=1, instance_type="g4dn.xlarge")
    _gpu_taskdef(lab)
    result = lab.ecs.run_task(cluster="ml", taskDefinition="train", count=2)
    assert len(result["tasks"]) == 1
    task = result["tasks"][0]
    gpu_row = next(r for r in lab.ecs.container_instances("ml") if r["type"] == "g4dn.xlarge")
    registered = next(
        r["stringSetValue"]
        for ci in _ci(lab, "ml")
        for r in ci["registeredResources"]
        if r["name"] == "GPU"
    )
    assert task["containers"][0]["gpuIds"] == registered
    assert gpu_row["gpus_free"] == 0
    # Every instance said why it could not take the second task: the t3 has no GPU, the
    # g4dn's one GPU is pinned to the first task.
    assert {f["reason"] for f in result["failures"]} == {"RESOURCE:GPU"}
    assert len(result["failures"]) == 2
    lab.ecs.stop_task(cluster="ml", task=task["taskArn"])
    again = lab.ecs.run_task(cluster="ml", taskDefinition="train")
    assert again["tasks"][0]["containers"][0]["gpuIds"] == registered


def test_a_gpu_count_must_be_whole_and_fargate_refuses_gpus(lab):
    with pytest.raises(InvalidParameterError, match="Invalid GPU value"):
        _gpu_taskdef(lab, gpus="half")
    # Fargate has no GPUs (ECS guide, "Amazon ECS task definition differences for Fargate":
    # GPU resource requirements are not supported); a task definition that needs one is EC2
    # only, so RunTask on FARGATE is refused as ECS refuses an incompatible launch type.
    with pytest.raises(InvalidParameterError, match="GPU"):
        lab.ecs.register_task_definition(
            family="gpu-fargate",
            requiresCompatibilities=["FARGATE"],
            networkMode="awsvpc",
            cpu="1024",
            memory="2048",
            containerDefinitions=[
                {
                    "name": "gpu",
                    "image": "nvidia/cuda",
                    "resourceRequirements": [{"type": "GPU", "value": "1"}],
                }
            ],
        )
    lab.ecs.create_cluster(clusterName="ml")
    _gpu_taskdef(lab)
    with pytest.raises(InvalidParameterError, match="does not support launch_type FARGATE"):
        lab.ecs.run_task(
            cluster="ml",
            taskDefinition="train",
            launchType="FARGATE",
            networkConfiguration={
                "awsvpcConfiguration": {"subnets": lab.network().private_subnet_ids}
            },
        )


def test_an_ec2_task_definition_in_awsvpc_mode_needs_matching_ports(lab):
    # API_PortMapping: "If you use containers in a task with the awsvpc or host network mode,
    # the hostPort can either be left blank or set to the same value as the containerPort."
    # ECS checks it for every launch type, not only Fargate.
    container = {
        "name": "web",
        "image": "nginx",
        "memory": 512,
        "portMappings": [{"containerPort": 80, "hostPort": 8080}],
    }
    with pytest.raises(LabError, match="host ports and container ports in port mappings must"):
        lab.ecs.register_task_definition(
            family="web", networkMode="awsvpc", containerDefinitions=[container]
        )
    assert lab.ecs.list_task_definitions()["taskDefinitionArns"] == []
    container["portMappings"] = [{"containerPort": 80, "hostPort": 8080}]
    lab.ecs.register_task_definition(
        family="web", networkMode="bridge", containerDefinitions=[container]
    )  # bridge mode maps ports freely
