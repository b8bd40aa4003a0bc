"""Auto Scaling groups and EC2 instances read off moto's model in process are exactly
what the API answers, through any sequence of changes: moto_state.describe_groups (what the
controllers read at every scan) and moto_state.describe_instances (what an agent or a
kubelet reads when its instance boots)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from awscontainers import Lab
from awscontainers.moto_state import GROUP_FIELDS, INSTANCE_FIELDS, GroupView, InstanceView

_CHANGES = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "desired",
                "bounds",
                "tag",
                "untag",
                "protect",
                "terminate",
                "detach",
                "standby",
                "attach",
                "protect-new",
            ]
        ),
        st.integers(0, 5),
        st.booleans(),
    ),
    max_size=8,
)


def _api(lab, names):
    answer = lab.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=names)
    return answer["AutoScalingGroups"]


def _apply(lab, group, change, n, flag):
    autoscaling = lab.client("autoscaling")
    members = [i["InstanceId"] for i in _api(lab, [group])[0]["Instances"]]
    pick = members[n % len(members)] if members else None
    try:
        if change == "desired":
            autoscaling.set_desired_capacity(AutoScalingGroupName=group, DesiredCapacity=n)
        elif change == "bounds":
            autoscaling.update_auto_scaling_group(
                AutoScalingGroupName=group, MinSize=0, MaxSize=5 + n
            )
        elif change == "tag":
            autoscaling.create_or_update_tags(
                Tags=[
                    {
                        "ResourceId": group,
                        "ResourceType": "auto-scaling-group",
                        "Key": f"k{n}",
                        "Value": f"v{n}",
                        "PropagateAtLaunch": flag,
                    }
                ]
            )
        elif change == "untag":
            autoscaling.delete_tags(
                Tags=[{"ResourceId": group, "ResourceType": "auto-scaling-group", "Key": f"k{n}"}]
            )
        elif change == "protect-new":
            autoscaling.update_auto_scaling_group(
                AutoScalingGroupName=group, NewInstancesProtectedFromScaleIn=flag
            )
        elif pick is None:
            return
        elif change == "protect":
            autoscaling.set_instance_protection(
                AutoScalingGroupName=group, InstanceIds=[pick], ProtectedFromScaleIn=flag
            )
        elif change == "terminate":
            autoscaling.terminate_instance_in_auto_scaling_group(
                InstanceId=pick, ShouldDecrementDesiredCapacity=flag
            )
        elif change == "detach":
            autoscaling.detach_instances(
                AutoScalingGroupName=group, InstanceIds=[pick], ShouldDecrementDesiredCapacity=True
            )
        elif change == "standby":
            autoscaling.enter_standby(
                AutoScalingGroupName=group, InstanceIds=[pick], ShouldDecrementDesiredCapacity=True
            )
        elif change == "attach":
            image = lab.ecs.ecs_optimized_ami()
            made = lab.client("ec2").run_instances(
                ImageId=image, InstanceType="t3.micro", MinCount=1, MaxCount=1
            )["Instances"][0]["InstanceId"]
            autoscaling.attach_instances(AutoScalingGroupName=group, InstanceIds=[made])
    except lab.client("autoscaling").exceptions.ClientError:
        pass  # refused by Auto Scaling (moto): nothing changed, still compared


def _check(lab, names):
    expected = _api(lab, names)
    lab.account._reads.clear()  # a fresh read (a kept one may have been filled below)
    seen = lab.account.read(
        "autoscaling", "describe_auto_scaling_groups", AutoScalingGroupNames=names
    )["AutoScalingGroups"]
    assert len(seen) == len(expected)
    for view, api in zip(seen, expected, strict=True):
        assert isinstance(view, GroupView)
        for key in GROUP_FIELDS:
            assert (key in view) == (key in api), key
            assert view.get(key) == api.get(key), key
        assert not view._whole  # the fields read at every scan cost no API call
        assert dict(view.items()) == api  # and anything else is the API's answer
        assert view._whole


@settings(max_examples=20, deadline=None)
@given(changes=_CHANGES, with_template=st.booleans())
def test_groups_read_in_process_are_what_the_api_answers(changes, with_template):
    with Lab() as lab:
        image = lab.ecs.ecs_optimized_ami()
        net = lab.network()
        autoscaling = lab.client("autoscaling")
        subnets = ",".join(s["SubnetId"] for s in net.private_subnets)
        if with_template:
            lab.client("ec2").create_launch_template(
                LaunchTemplateName="web-lt",
                LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"},
            )
            source = {"LaunchTemplate": {"LaunchTemplateName": "web-lt", "Version": "$Latest"}}
        else:
            autoscaling.create_launch_configuration(
                LaunchConfigurationName="lc", ImageId=image, InstanceType="t3.micro"
            )
            source = {"LaunchConfigurationName": "lc"}
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName="g",
            MinSize=0,
            MaxSize=5,
            DesiredCapacity=2,
            VPCZoneIdentifier=subnets,
            Tags=[{"Key": "team", "Value": "web", "PropagateAtLaunch": True}],
            **source,
        )
        _check(lab, ["g"])
        for change, n, flag in changes:
            _apply(lab, "g", change, n, flag)
            _check(lab, ["g"])
        _check(lab, ["g", "missing"])


def test_a_real_backend_reads_through_the_api():
    """Only the in-process backend reads moto's model; the view is a plain answer
    elsewhere (here: a lab whose backend is not in-process is not built, so the switch is
    checked on the account)."""
    with Lab() as lab:
        lab.account.backend = "server"  # as a room's lab would be
        try:
            answer = lab.account.read(
                "autoscaling", "describe_auto_scaling_groups", AutoScalingGroupNames=["x"]
            )
        finally:
            lab.account.backend = "moto"
        assert answer["AutoScalingGroups"] == []
        assert "ResponseMetadata" in answer


_INSTANCE_CHANGES = st.lists(
    st.tuples(
        st.sampled_from(["stop", "start", "terminate", "tag", "untag", "launch", "bare"]),
        st.integers(0, 5),
    ),
    max_size=8,
)


def _check_instances(lab, ids):
    api = [
        i
        for r in lab.client("ec2").describe_instances(InstanceIds=ids)["Reservations"]
        for i in r["Instances"]
    ]
    seen = lab.account.instances(ids)
    assert [i["InstanceId"] for i in seen] == [i["InstanceId"] for i in api]
    for view, record in zip(seen, api, strict=True):
        assert isinstance(view, InstanceView)
        for key in INSTANCE_FIELDS:
            assert (key in view) == (key in record), key
            assert view.get(key) == record.get(key), key
        assert not view._whole
        assert dict(view.items()) == record
        assert view._whole


@settings(max_examples=15, deadline=None)
@given(changes=_INSTANCE_CHANGES)
def test_instances_read_in_process_are_what_the_api_answers(changes):
    with Lab() as lab:
        ec2 = lab.client("ec2")
        lab.ecs.create_cluster(clusterName="w")
        ids = [r["instance"] for r in lab.ecs.launch_instances("w", count=2)]
        _check_instances(lab, ids)
        for change, n in changes:
            pick = ids[n % len(ids)]
            try:
                if change == "stop":
                    ec2.stop_instances(InstanceIds=[pick])
                elif change == "start":
                    ec2.start_instances(InstanceIds=[pick])
                elif change == "terminate":
                    ec2.terminate_instances(InstanceIds=[pick])
                elif change == "tag":
                    ec2.create_tags(Resources=[pick], Tags=[{"Key": f"k{n}", "Value": "v"}])
                elif change == "untag":
                    ec2.delete_tags(Resources=[pick], Tags=[{"Key": "Name"}])
                elif change == "launch":
                    ids += [r["instance"] for r in lab.ecs.launch_instances("w", count=1)]
                elif change == "bare":  # no subnet, no profile, no tags
                    ids.append(
                        ec2.run_instances(
                            ImageId=lab.ecs.ecs_optimized_ami(),
                            InstanceType="t3.micro",
                            MinCount=1,
                            MaxCount=1,
                        )["Instances"][0]["InstanceId"]
                    )
            except ec2.exceptions.ClientError:
                pass
            _check_instances(lab, ids)
        _check_instances(lab, ids[::-1])  # the API's order, whatever was asked
        assert lab.account.instances([]) == []


def test_an_unknown_instance_is_refused_as_the_api_refuses_it():
    from awscontainers.errors import NotFoundError

    with Lab() as lab, pytest.raises(NotFoundError):
        lab.account.instances(["i-0123456789abcdef0"])


def _masked(value):
    """A describe answer with what differs between any two launches (ids, addresses,
    times, tokens) masked, the rest as it is."""
    import datetime as dt
    import re

    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items() if k != "ClientToken"}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    if isinstance(value, dt.datetime):
        return "<time>"
    if isinstance(value, str):
        value = re.sub(r"\b(i|eni|vol|r|iip-assoc|eni-attach)-[0-9a-f]{8,17}\b", r"\1-<id>", value)
        value = re.sub(r"\d+\.\d+\.\d+\.\d+", "<ip>", value)
        value = re.sub(r"\d+-\d+-\d+-\d+", "<ip>", value)
        value = re.sub(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", "<mac>", value)
    return value


def test_an_in_process_launch_is_what_run_instances_makes():
    """sim.ec2.launch makes on moto's backend what RunInstances makes through the API
    (every field, ids and addresses aside): the same profile on every instance, the same
    tags and user data; the ledger and the account's subscribers hear of both alike."""
    from awscontainers.sim.ec2 import launch
    from awscontainers.sim.events import INSTANCES_LAUNCHED

    with Lab() as lab:
        net = lab.network()
        heard = []
        lab.events.subscribe(INSTANCES_LAUNCHED, lambda instance_ids: heard.append(instance_ids))
        args = dict(
            image=lab.ecs.ecs_optimized_ami(),
            instance_type="m5.large",
            count=3,
            subnet=net.private_subnets[1]["SubnetId"],
            profile=lab.instance_profile("ecs-instance"),
            user_data="#!/bin/bash\necho ECS_CLUSTER=web >> /etc/ecs/ecs.config\n",
            security_groups=[net.security_group_id],
            tags=[{"Key": "Name", "Value": "web"}, {"Key": "team", "Value": "a"}],
        )
        writes = lab.account.writes
        quick = launch(lab.account, **args)
        assert lab.account.writes > writes  # kept reads expire as after any write
        lab.account.backend = "server"  # the API's way (a room's lab takes it)
        try:
            slow = launch(lab.account, **args)
        finally:
            lab.account.backend = "moto"
        assert heard == [quick, slow]
        assert {r.id for r in lab.created("ec2-instance")} >= set(quick + slow)
        ec2 = lab.client("ec2")
        described = {
            i["InstanceId"]: i
            for r in ec2.describe_instances(InstanceIds=quick + slow)["Reservations"]
            for i in r["Instances"]
        }
        for a, b in zip(quick, slow, strict=True):
            assert _masked(described[a]) == _masked(described[b])
            data = [
                ec2.describe_instance_attribute(InstanceId=i, Attribute="userData")["UserData"]
                for i in (a, b)
            ]
            assert data[0] == data[1]


def test_an_in_process_termination_is_what_the_two_calls_do():
    """sim.ec2.terminate_in_group leaves the group, the instance and the account's
    subscribers as TerminateInstanceInAutoScalingGroup and TerminateInstances do."""
    from awscontainers.sim.ec2 import terminate_in_group
    from awscontainers.sim.events import GROUP_CHANGED, INSTANCES_TERMINATED

    outcomes = []
    for backend in ("moto", "server"):
        with Lab() as lab:
            heard = []
            for topic in (INSTANCES_TERMINATED, GROUP_CHANGED):
                lab.events.subscribe(
                    topic, lambda topic=topic, heard=heard, **e: heard.append((topic, e))
                )
            image = lab.ecs.ecs_optimized_ami()
            autoscaling = lab.client("autoscaling")
            autoscaling.create_launch_configuration(
                LaunchConfigurationName="lc", ImageId=image, InstanceType="t3.micro"
            )
            autoscaling.create_auto_scaling_group(
                AutoScalingGroupName="g",
                LaunchConfigurationName="lc",
                MinSize=0,
                MaxSize=5,
                DesiredCapacity=3,
                VPCZoneIdentifier=lab.network().private_subnets[0]["SubnetId"],
            )
            members = [i["InstanceId"] for i in _api(lab, ["g"])[0]["Instances"]]
            heard.clear()
            writes = lab.account.writes
            lab.account.backend = backend
            try:
                terminate_in_group(lab.account, members[0])
                terminate_in_group(lab.account, members[1], decrement=False)
            finally:
                lab.account.backend = "moto"
            assert lab.account.writes >= writes + 4
            group = _api(lab, ["g"])[0]
            states = {
                i["InstanceId"]: i["State"]["Name"]
                for r in lab.client("ec2").describe_instances(InstanceIds=members)["Reservations"]
                for i in r["Instances"]
            }
            outcomes.append(
                (
                    group["DesiredCapacity"],
                    len(group["Instances"]),
                    [states[i] for i in members],
                    [(t, {k: [members.index(i) for i in v] for k, v in e.items()})
                     for t, e in heard],
                )
            )  # fmt: skip
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][2][:2] == ["terminated", "terminated"]


# -- fixed answers: instance types ----------------------------------------------------------------
_TYPES = ("t3.medium", "m5.large", "c5.xlarge", "g4dn.xlarge", "r6g.large", "m7i.2xlarge")


@settings(max_examples=15, deadline=None)
@given(names=st.lists(st.sampled_from(_TYPES), min_size=1, max_size=3, unique=True))
def test_a_kept_instance_type_answer_is_moto_s_and_draws_what_moto_draws(names):
    from moto.moto_api._internal import mock_random

    from awscontainers.moto_state import FIXED_ANSWERS

    with Lab(name="types") as lab:
        ec2 = lab.client("ec2")
        ec2.describe_instance_types(InstanceTypes=names)  # kept from now on
        start = mock_random.getstate()
        kept = ec2.describe_instance_types(InstanceTypes=names)
        after = mock_random.getstate()
        FIXED_ANSWERS.clear()
        mock_random.setstate(start)
        asked = ec2.describe_instance_types(InstanceTypes=names)  # moto answers again
        assert mock_random.getstate() == after
        for answer in (kept, asked):
            answer["ResponseMetadata"]["HTTPHeaders"].pop("date")  # the wall clock's
        assert kept == asked  # the request id included
        kept["InstanceTypes"].clear()  # a reader's change stays its own
        assert ec2.describe_instance_types(InstanceTypes=names)["InstanceTypes"]


def test_an_unknown_instance_type_is_refused_every_time_and_never_kept():
    from botocore.exceptions import ClientError

    from awscontainers.moto_state import FIXED_ANSWERS

    with Lab(name="types") as lab:
        ec2 = lab.client("ec2")
        before = len(FIXED_ANSWERS)
        for _ in range(2):
            with pytest.raises(ClientError, match="InvalidInstanceType"):
                ec2.describe_instance_types(InstanceTypes=["t3.galactic"])
        assert len(FIXED_ANSWERS) == before
