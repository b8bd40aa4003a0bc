"""The seams under the Lab: the account object, the event bus and the simulated clock."""

import datetime as dt

import boto3
import pytest
from botocore.config import Config

from awscontainers import InvalidParameterError, Lab, LabError
from awscontainers.rules.capacity import ecs_facts
from awscontainers.sim.account import TAG_KEY, Account
from awscontainers.sim.clock import EPOCH, Clock
from awscontainers.sim.ecs import EcsSimulator
from awscontainers.sim.events import (
    EVENTS,
    INSTANCES_LAUNCHED,
    TIME_ADVANCED,
    EventBus,
)

# --------------------------------------------------------------------------- event bus


def test_subscribers_are_called_in_subscription_order():
    bus = EventBus()
    calls = []
    for name in ("first", "second", "third"):
        bus.subscribe(INSTANCES_LAUNCHED, lambda instance_ids, name=name: calls.append(name))
    bus.publish(INSTANCES_LAUNCHED, instance_ids=["i-1"])
    assert calls == ["first", "second", "third"]


def test_unsubscribe_stops_the_calls():
    bus = EventBus()
    calls = []

    def handler(instance_ids):
        calls.append(instance_ids)

    stop = bus.subscribe(INSTANCES_LAUNCHED, handler)
    bus.publish(INSTANCES_LAUNCHED, instance_ids=["i-1"])
    stop()
    bus.publish(INSTANCES_LAUNCHED, instance_ids=["i-2"])
    assert calls == [["i-1"]]
    bus.unsubscribe(INSTANCES_LAUNCHED, handler)  # a second time does nothing
    assert bus.subscribers(INSTANCES_LAUNCHED) == []


def test_a_handler_may_unsubscribe_while_the_event_is_delivered():
    bus = EventBus()
    calls = []
    stop = bus.subscribe(TIME_ADVANCED, lambda **_: (calls.append("once"), stop()))
    bus.subscribe(TIME_ADVANCED, lambda **_: calls.append("always"))
    bus.publish(TIME_ADVANCED, seconds=1)
    bus.publish(TIME_ADVANCED, seconds=1)
    assert calls == ["once", "always", "always"]


def test_unknown_event_names_are_refused():
    bus = EventBus()
    with pytest.raises(InvalidParameterError, match="No event named 'instance-launched'"):
        bus.subscribe("instance-launched", print)
    with pytest.raises(InvalidParameterError):
        bus.publish("nothing-happened")
    assert "time-advanced" in EVENTS


# --------------------------------------------------------------------------- clock


def test_clock_ticks_one_second_per_reading_from_the_epoch():
    clock = Clock(EventBus())
    assert [clock.now() for _ in range(3)] == [EPOCH + dt.timedelta(seconds=n) for n in (1, 2, 3)]


def test_advance_moves_time_and_publishes_time_advanced():
    bus = EventBus()
    clock = Clock(bus)
    seen = []
    bus.subscribe(TIME_ADVANCED, lambda **event: seen.append(event))
    clock.now()
    end = clock.advance(90, minutes=1)
    assert end == EPOCH + dt.timedelta(seconds=1 + 150)
    assert seen == [{"seconds": 150.0, "start": EPOCH + dt.timedelta(seconds=1), "end": end}]
    # Readings go on ticking from the new time.
    assert clock.now() == end + dt.timedelta(seconds=1)


def test_time_only_moves_forward_and_real_time_cannot_be_moved():
    with pytest.raises(InvalidParameterError, match="only moves forward"):
        Clock(EventBus()).advance(-1)
    real = Clock(EventBus(), simulated=False)
    before = dt.datetime.now(dt.timezone.utc)
    assert real.now() >= before
    with pytest.raises(LabError, match="cannot be moved"):
        real.advance(minutes=1)


def test_lab_clock_ticks_as_before_and_advances(lab):
    assert lab.now() == EPOCH + dt.timedelta(seconds=1)
    assert lab.now() == EPOCH + dt.timedelta(seconds=2)
    seen = []
    lab.events.subscribe(TIME_ADVANCED, lambda seconds, **_: seen.append(seconds))
    assert lab.advance(minutes=5) == EPOCH + dt.timedelta(seconds=302)
    assert seen == [300.0]
    assert lab.now() == EPOCH + dt.timedelta(seconds=303)


# --------------------------------------------------------------------------- account


def test_lab_delegates_to_its_account(lab):
    account = lab.account
    assert (account.region, account.account_id, account.simulated) == (
        lab.region,
        lab.account_id,
        True,
    )
    assert lab.rng is account.rng and lab.events is account.events
    assert lab.arn("ecs", "cluster/x") == account.arn("ecs", "cluster/x")
    lab.record("thing", "t-1", note="n")
    assert lab.ledger is account.ledger and account.created("thing")[0].info == {"note": "n"}
    lab.forget("thing", "t-1")
    assert lab.ledger == []
    assert lab.tags("key") == [{"key": TAG_KEY, "value": lab.lab_id}]
    assert lab.network() is account.network()


def test_a_simulator_works_with_an_account_and_no_lab(lab):
    """Anything that makes boto3 clients on a moto account will do; here a plain session
    on the lab's (moto) account, with no Lab in the simulator's hands."""
    session = boto3.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    clients: dict = {}

    def client(service):
        if service not in clients:
            clients[service] = session.client(
                service, config=Config(retries={"total_max_attempts": 1})
            )
            clients[service].meta.events.register(
                "before-sign",
                lambda request, **_: request.headers.__setitem__(
                    "x-moto-account-id", lab.account_id
                ),
            )
        return clients[service]

    account = Account(client, region="us-east-1", account_id=lab.account_id)
    sim = EcsSimulator(account)
    ecs = account.client("ecs")
    ecs.create_cluster(clusterName="bare")
    sim.cluster_created("bare", account.arn("ecs", "cluster/bare"))
    ec2 = account.client("ec2")
    # The ECS-optimized AMI as AWS documents finding it, from its public SSM parameter
    # (listing Amazon's images means serializing over a thousand of them: seconds).
    parameter = ecs_facts()["ecs_optimized_ami"]["ssm_parameter"]
    ami = account.client("ssm").get_parameter(Name=parameter)["Parameter"]["Value"]
    (image,) = ec2.describe_images(ImageIds=[ami])["Images"]
    assert "ecs" in image["Name"] and "eks" not in image["Name"]
    launched = ec2.run_instances(
        ImageId=ami,
        InstanceType="t3.medium",
        MinCount=1,
        MaxCount=1,
        UserData='#!/bin/bash\necho "ECS_CLUSTER=bare" >> /etc/ecs/ecs.config',
    )["Instances"]
    # Nothing hooks this plain client: tell the account's subscribers, as the Lab would.
    account.events.publish(INSTANCES_LAUNCHED, instance_ids=[i["InstanceId"] for i in launched])
    assert sim.cluster_counts("bare")["registeredContainerInstancesCount"] == 1
    assert "registered in cluster 'bare'" in sim.agent_log[-1]


def test_a_new_subscriber_hears_instances_launched_by_lab_ecs(lab):
    lab.ecs.create_cluster(clusterName="web")
    heard = []
    lab.events.subscribe(INSTANCES_LAUNCHED, lambda instance_ids: heard.append(instance_ids))
    rows = lab.ecs.launch_instances("web", count=2)
    assert heard == [[rows[0]["instance"]], [rows[1]["instance"]]]
    # The simulator subscribed first, so the agents had registered before we heard.
    assert all(r["joined"] == "web" for r in rows)


def test_lab_kube_is_one_client_per_cluster(lab):
    lab.eks.create_cluster(name="demo")
    assert lab.kube("demo") is lab.kube("demo")
    first = lab.kube("demo")
    lab.eks.delete_cluster(name="demo")
    lab.eks.create_cluster(name="demo")
    # A new cluster of the same name is another cluster, with its own client.
    assert lab.kube("demo") is not first


def test_closed_lab_still_refuses_through_the_account():
    lab = Lab()
    lab.close()
    with pytest.raises(LabError, match="closed"):
        lab.account.client("ecs")


# --------------------------------------------------------------------------- cached reads


def test_account_reads_are_kept_until_any_write_through_the_lab():
    """The simulators' repeated reads are answered from memory only while nothing was
    written: a write through any of the lab's clients (any service) expires them."""
    with Lab() as lab:
        ec2 = lab.client("ec2")
        first = lab.account.read("ec2", "describe_vpcs")
        assert lab.account.read("ec2", "describe_vpcs") is first  # kept: nothing written
        writes = lab.account.writes
        ec2.describe_subnets()  # a read through a client: still kept
        assert lab.account.writes == writes
        assert lab.account.read("ec2", "describe_vpcs") is first
        ec2.create_vpc(CidrBlock="10.9.0.0/16")  # a write: expired
        assert lab.account.writes == writes + 1
        after = lab.account.read("ec2", "describe_vpcs")
        assert len(after["Vpcs"]) == len(first["Vpcs"]) + 1
        lab.client("iam").create_role(RoleName="x", AssumeRolePolicyDocument="{}")
        assert lab.account.read("ec2", "describe_vpcs") is not after  # any service's write
        # Different parameters are different reads.
        one = lab.account.read("ec2", "describe_vpcs", VpcIds=[after["Vpcs"][0]["VpcId"]])
        assert len(one["Vpcs"]) == 1


@pytest.mark.parametrize(
    "operation, reads",
    [
        ("DescribeInstances", True),
        ("ListClusters", True),
        ("GetMetricStatistics", True),
        ("BatchGetImage", True),
        ("RunInstances", False),
        ("CreateNetworkInterface", False),
        ("PutScalingPolicy", False),
        ("UpdateAutoScalingGroup", False),
    ],
)
def test_only_reads_leave_the_write_count(operation, reads):
    account = Account(lambda service: None, region="us-east-1", account_id="123456789012")
    account.wrote(operation)
    assert account.writes == (0 if reads else 1)


def test_a_read_may_expire_only_on_the_writes_that_change_it():
    with Lab() as lab:
        subnet = lab.network().subnet_ids[0]
        first = lab.account.read(
            "ec2", "describe_subnets", SubnetIds=[subnet], expire_on=("DeleteSubnet",)
        )
        lab.client("ec2").create_vpc(CidrBlock="10.9.0.0/16")  # not a DeleteSubnet
        assert (
            lab.account.read(
                "ec2", "describe_subnets", SubnetIds=[subnet], expire_on=("DeleteSubnet",)
            )
            is first
        )
        vpc = lab.client("ec2").create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
        spare = lab.client("ec2").create_subnet(VpcId=vpc, CidrBlock="10.8.0.0/24")
        lab.client("ec2").delete_subnet(SubnetId=spare["Subnet"]["SubnetId"])
        assert (
            lab.account.read(
                "ec2", "describe_subnets", SubnetIds=[subnet], expire_on=("DeleteSubnet",)
            )
            is not first
        )
