"""Tests for awscontainers.widgets: each panel is driven the way a learner drives it (set
widget values, click buttons) against a real in-process Lab, and the outcome is checked in
the lab itself as well as in what the panel shows."""

from __future__ import annotations

import re

import pytest

from awscontainers.widgets import (
    CONSTRAINTS,
    INSTANCE_TYPES,
    PLACEMENT_STRATEGIES,
    ClusterView,
    FargateRunPanel,
    FargateSizePicker,
    LaunchPanel,
    RunTaskPanel,
    ServicePanel,
)

pytestmark = pytest.mark.usefixtures("no_callback_errors")


@pytest.fixture
def web(lab):
    lab.ecs.create_cluster(clusterName="web")
    return lab


def launch(lab, count=2, instance_type="t3.medium", view=None):
    panel = LaunchPanel(lab, "web", view=view)
    panel.instance_type.value = instance_type
    panel.count.value = count
    panel.button.click()
    return panel


def register_ec2(lab, family, cpu, memory):
    lab.ecs.register_task_definition(
        family=family,
        containerDefinitions=[{"name": "app", "image": "nginx", "cpu": cpu, "memory": memory}],
    )


def tasks_per_instance(lab) -> dict[str, list[str]]:
    return {row["instance"]: row["tasks"] for row in lab.ecs.container_instances("web")}


# --------------------------------------------------------------------------- ClusterView


def test_cluster_view_of_an_empty_cluster_says_nothing_has_joined(web):
    view = ClusterView(web, "web")
    assert view.rows == []
    assert "No container instance has joined web yet" in view.html()
    assert "Fargate tasks: none." in view.html()


def test_cluster_view_shows_an_unknown_cluster_as_an_error_not_an_exception(lab):
    view = ClusterView(lab, "nope")
    assert "Error" in view.html()
    assert 'role="alert"' in view.html()


def test_cluster_view_refresh_rereads_and_html_has_no_random_ids(web):
    view = ClusterView(web, "web")
    web.ecs.launch_instances("web", 1, "t3.medium")
    assert "0 container instances" in view.html()  # not re-read yet
    view.refresh()
    assert "1 container instance " in view.html()
    first = view.html()
    view.refresh()
    assert view.html() == first
    # No generated element ids: the HTML depends only on what the lab holds.
    assert ' id="' not in first


def test_panels_display_through_their_widget(web):
    view = ClusterView(web, "web")
    bundle = view._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == view.widget.model_id
    assert callable(view._ipython_display_)


# --------------------------------------------------------------------------- LaunchPanel


def test_launch_panel_instances_join_with_the_types_cpu(web):
    view = ClusterView(web, "web")
    panel = launch(web, count=3, instance_type="c5.xlarge", view=view)
    # c5.xlarge has 4 vCPU: the agent registers 4096 CPU units.
    rows = web.ecs.container_instances("web")
    assert [r["type"] for r in rows] == ["c5.xlarge"] * 3
    assert [r["cpu"] for r in rows] == [4096] * 3
    assert {r["az"] for r in rows} == {"us-east-1a", "us-east-1b"}
    assert "3 joined web" in panel.output.value
    assert len(panel.last_result) == 3
    # The view was refreshed by the click, and says the free CPU in words.
    assert view.html().count("4096 / 4096 CPU units free") == 3
    assert "3 container instances (3 ACTIVE, 0 DRAINING)" in view.html()


def test_launch_panel_offers_the_documented_types():
    assert INSTANCE_TYPES == [
        "t3.medium",
        "t3.large",
        "m5.large",
        "m5.xlarge",
        "c5.large",
        "c5.xlarge",
        "r5.large",
    ]


def test_launch_panel_says_when_instances_do_not_join(lab):
    # No cluster named "web" exists: the agents start but cannot register.
    panel = launch(lab, count=1)
    assert "1 &times; t3.medium: 0 joined web" in panel.output.value
    assert "Not joined" in panel.output.value


def test_launch_panel_shows_lab_errors_in_the_panel(web):
    panel = LaunchPanel(web, "web")
    web.close()
    panel.button.click()  # must not raise
    assert "This Lab is closed." in panel.output.value
    assert "What to do:" in panel.output.value
    assert panel.button.disabled is False


# --------------------------------------------------------------------------- RunTaskPanel


def test_run_task_panel_places_tasks_and_explains_each_failure(web):
    view = ClusterView(web, "web")
    launch(web, count=2, instance_type="t3.medium", view=view)  # 2048 CPU, 3992 MiB each
    register_ec2(web, "big", 512, 1536)
    panel = RunTaskPanel(web, "web", ["big"], view=view)
    panel.count.value = 5
    panel.button.click()

    assert len(panel.last_result["tasks"]) == 4  # two per instance fit in 3992 MiB
    assert [f["reason"] for f in panel.last_result["failures"]] == ["RESOURCE:MEMORY"] * 2
    out = panel.output.value
    assert "Started 4 of 5 tasks" in out
    for iid, tasks in tasks_per_instance(web).items():
        assert len(tasks) == 2
        assert f"RESOURCE:MEMORY — not enough free memory on {iid}" in out
    assert "920 MiB free" in out and "each task needs 512 CPU units and 1536 MiB" in out
    assert view.html().count("920 / 3992 MiB memory free") == 2


def test_run_task_panel_binpack_fills_one_instance_spread_uses_both(web):
    launch(web, count=2, instance_type="t3.large")
    register_ec2(web, "small", 256, 512)
    panel = RunTaskPanel(web, "web", ["small"])
    panel.count.value = 3
    panel.strategy.value = "binpack memory"
    panel.button.click()
    assert sorted(len(t) for t in tasks_per_instance(web).values()) == [0, 3]

    panel.strategy.value = "spread instanceId"
    panel.count.value = 3
    panel.button.click()
    # Spread evens the family's tasks out: 3 + 0 becomes 3 + 3.
    assert sorted(len(t) for t in tasks_per_instance(web).values()) == [3, 3]
    assert "strategy spread instanceId" in panel.output.value


def test_run_task_panel_distinct_instance_refuses_a_second_task_per_instance(web):
    launch(web, count=2)
    register_ec2(web, "one", 256, 256)
    panel = RunTaskPanel(web, "web", ["one"])
    panel.constraint.value = "distinctInstance"
    panel.count.value = 3
    panel.button.click()
    assert len(panel.last_result["tasks"]) == 2
    assert sorted(len(t) for t in tasks_per_instance(web).values()) == [1, 1]
    assert "DistinctInstance placement constraint unsatisfied. — " in panel.output.value
    assert "distinctInstance allows one per instance" in panel.output.value
    assert "placementConstraints=[{&#x27;type&#x27;: &#x27;distinctInstance&#x27;}]" in (
        panel.output.value
    )


def test_run_task_panel_without_instances_shows_ecs_error(web):
    register_ec2(web, "one", 256, 256)
    panel = RunTaskPanel(web, "web", ["one"])
    panel.button.click()
    assert panel.last_result is None
    assert "No Container Instances were found in your cluster." in panel.output.value


def test_run_task_panel_choices_are_the_boto3_shapes():
    assert PLACEMENT_STRATEGIES["binpack memory"] == [{"type": "binpack", "field": "memory"}]
    assert PLACEMENT_STRATEGIES["spread AZ"] == [
        {"type": "spread", "field": "attribute:ecs.availability-zone"}
    ]
    assert list(CONSTRAINTS) == ["none", "distinctInstance"]


# --------------------------------------------------------------------------- ServicePanel


def test_service_panel_scales_the_service_and_shows_its_events(web):
    view = ClusterView(web, "web")
    launch(web, count=2, instance_type="t3.large")
    register_ec2(web, "api", 256, 512)
    web.ecs.create_service(cluster="web", serviceName="api", taskDefinition="api", desiredCount=1)
    panel = ServicePanel(web, "web", "api", view=view)
    assert panel.desired.value == 1
    assert "desired 1, running 1" in panel.output.value

    panel.desired.value = 4
    panel.button.click()
    service = web.ecs.describe_services(cluster="web", services=["api"])["services"][0]
    assert (service["desiredCount"], service["runningCount"]) == (4, 4)
    assert "desired 4, running 4" in panel.output.value
    assert "(service api) has started 3 tasks" in panel.output.value
    assert "4 tasks on EC2" in view.html()

    panel.desired.value = 0
    panel.apply_button.click()
    assert web.ecs.list_tasks(cluster="web")["taskArns"] == []
    assert "(service api) has stopped 4 running tasks" in panel.output.value


def test_service_panel_drain_moves_the_service_tasks(web):
    view = ClusterView(web, "web")
    launch(web, count=2, instance_type="t3.large")
    register_ec2(web, "api", 256, 512)
    web.ecs.create_service(cluster="web", serviceName="api", taskDefinition="api", desiredCount=4)
    panel = ServicePanel(web, "web", "api", view=view)
    labels = [label for label, _ in panel.instance.options]
    assert len(labels) == 2 and all("ACTIVE, 2 tasks" in label for label in labels)

    target = labels[1].split()[0]
    panel.instance.value = panel.instance.options[1][1]
    panel.drain_button.click()

    rows = {r["instance"]: r for r in web.ecs.container_instances("web")}
    assert rows[target]["status"] == "DRAINING"
    assert rows[target]["tasks"] == []
    other = next(r for iid, r in rows.items() if iid != target)
    assert len(other["tasks"]) == 4
    assert f"{target} is now DRAINING" in panel.output.value
    assert "Tasks left on it: 0" in panel.output.value
    assert "has stopped 2 running tasks" in panel.output.value
    # The dropdown shows the new status and keeps the choice; the view shows it in words.
    assert panel.instance.label.startswith(f"{target} (")
    assert "DRAINING, 0 tasks" in panel.instance.label
    assert "1 ACTIVE, 1 DRAINING" in view.html()
    assert "status <b>DRAINING</b> (no new tasks" in view.html()


def test_service_panel_for_a_missing_service_shows_the_error(web):
    panel = ServicePanel(web, "web", "ghost")
    assert "not found" in panel.output.value.lower()
    panel.button.click()  # updating a missing service: error shown, not raised
    assert "Error" in panel.output.value


def test_service_panel_drain_with_no_instances_says_so(web):
    register_ec2(web, "api", 256, 512)
    web.ecs.create_service(cluster="web", serviceName="api", taskDefinition="api", desiredCount=0)
    panel = ServicePanel(web, "web", "api")
    panel.drain_button.click()
    assert "No container instance to drain" in panel.output.value


# --------------------------------------------------------------------------- Fargate size


def test_size_picker_offers_every_cpu_and_every_memory_value():
    picker = FargateSizePicker()
    assert [value for _, value in picker.cpu.options] == [256, 512, 1024, 2048, 4096, 8192, 16384]
    assert picker.cpu.options[0][0] == "0.25 vCPU (256)"
    memories = [value for _, value in picker.memory.options]
    assert memories[0] == 512 and memories[-1] == 120 * 1024
    # Every GB from 1 to 30, then the 8- and 16-vCPU steps: 0.5 GB .. 120 GB, all offered.
    assert {g * 1024 for g in range(1, 31)} <= set(memories)
    assert 34 * 1024 not in memories  # no size has 34 GB
    assert picker.value == (256, 512)


def test_size_picker_refuses_256_with_4096_and_lists_the_valid_memory():
    picker = FargateSizePicker()
    picker.memory.value = 4096
    assert picker.value is None
    out = picker.output.value
    assert "No Fargate configuration exists for given values: 256 CPU, 4096 memory." in out
    assert "valid memory values are 0.5 GB, 1 GB, 2 GB" in out
    assert "✓" not in out


def test_size_picker_accepts_1024_with_2048_and_calls_on_valid():
    seen = []
    picker = FargateSizePicker(on_valid=lambda cpu, memory: seen.append((cpu, memory)))
    picker.cpu.value = 1024  # 1 vCPU with 0.5 GB: invalid, on_valid not called
    assert picker.value is None
    picker.memory.value = 2048
    assert picker.value == (1024, 2048)
    assert "✓ 1 vCPU / 2 GB is a Fargate size" in picker.output.value
    assert seen == [(256, 512), (1024, 2048)]


# --------------------------------------------------------------------------- Fargate run


def test_fargate_run_panel_runs_tasks_with_enis_and_no_instances(web):
    view = ClusterView(web, "web")
    panel = FargateRunPanel(web, "web", view=view)
    panel.picker.cpu.value = 1024
    panel.picker.memory.value = 2048
    panel.count.value = 3
    panel.button.click()

    tasks = panel.last_result["tasks"]
    assert len(tasks) == 3
    assert {(t["launchType"], t["cpu"], t["memory"]) for t in tasks} == {
        ("FARGATE", "1024", "2048")
    }
    td = web.ecs.describe_task_definition(taskDefinition="fargate-demo")["taskDefinition"]
    assert td["networkMode"] == "awsvpc" and td["requiresCompatibilities"] == ["FARGATE"]
    assert td["containerDefinitions"][0]["image"] == "public.ecr.aws/nginx/nginx:latest"
    out = panel.output.value
    assert "EC2 instances in your account: 0" in out
    assert web.client("ec2").describe_instances()["Reservations"] == []
    for task in tasks:
        eni = next(
            d["value"]
            for d in task["attachments"][0]["details"]
            if d["name"] == "networkInterfaceId"
        )
        assert f"<td>{task['availabilityZone']}</td><td>{eni}</td>" in out
    assert {t["availabilityZone"] for t in tasks} == {"us-east-1a", "us-east-1b"}
    assert "Fargate tasks: 3" in view.html()
    assert "no EC2 instance in your account for these" in view.html()
    assert len(re.findall(r"ENI eni-[0-9a-f]+", view.html())) == 3


def test_fargate_run_panel_refuses_an_invalid_size(web):
    panel = FargateRunPanel(web, "web")
    panel.picker.memory.value = 4096  # 0.25 vCPU with 4 GB
    panel.button.click()
    assert "Pick a valid Fargate size first" in panel.output.value
    assert web.ecs.list_task_definitions()["taskDefinitionArns"] == []


def test_fargate_spot_needs_the_capacity_provider_on_the_cluster(web):
    panel = FargateRunPanel(web, "web")
    panel.spot.value = True
    panel.count.value = 2
    panel.button.click()
    assert panel.last_result is None
    assert "not associated with the cluster" in panel.output.value
    assert "put_cluster_capacity_providers" in panel.output.value
    assert web.ecs.list_tasks(cluster="web")["taskArns"] == []

    web.ecs.put_cluster_capacity_providers(
        cluster="web",
        capacityProviders=["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategy=[],
    )
    panel.button.click()
    tasks = panel.last_result["tasks"]
    assert [t["capacityProviderName"] for t in tasks] == ["FARGATE_SPOT"] * 2
    assert "on FARGATE_SPOT" in panel.output.value
    assert "EC2 instances in your account: 0" in panel.output.value


def test_fargate_count_shows_ec2_instances_when_there_are_some(web):
    launch(web, count=2)
    panel = FargateRunPanel(web, "web")
    panel.button.click()
    assert len(panel.last_result["tasks"]) == 1
    assert "EC2 instances in your account: 2" in panel.output.value
