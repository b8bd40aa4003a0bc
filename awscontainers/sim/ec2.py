"""What EC2 does that moto leaves undone.

When an instance terminates, AWS deletes its primary network interface (its
``DeleteOnTermination`` is always true) and any other attached with ``DeleteOnTermination``.
moto keeps them, still ``in-use`` by an instance that no longer exists, so a subnet (and with
it the lab's VPC) could not be deleted on AWS's terms, and teardown would leave them behind.

A ``RunInstances`` of several instances with an ``IamInstanceProfile`` gives every one of
them the profile on AWS; moto associates it with the first only (:func:`give_profile`).

The instances an Auto Scaling group launches for the simulator (:func:`launch`) are made on
moto's backend in process, with the model method moto's own handler calls, and the account
hears of them as it hears of any ``RunInstances``.
"""

from __future__ import annotations

from typing import Any

from .._aws import call

__all__ = [
    "delete_terminated_interfaces",
    "give_profile",
    "launch",
    "terminate_in_group",
    "user_data",
]


def user_data(account: Any, instance_id: str) -> str | None:
    """An instance's user data, base64-encoded, as ``DescribeInstanceAttribute`` gives it
    (what the ECS agent and nodeadm read at boot). In process it is read off moto's
    instance, with no request; elsewhere, or for an instance moto does not know here, EC2
    is asked (and says why)."""
    if account.backend == "moto":
        from ..moto_state import instance_user_data

        try:
            return instance_user_data(account.account_id, account.region, instance_id)
        except KeyError:
            pass
    data = call(
        account.client("ec2"), "describe_instance_attribute", InstanceId=instance_id,
        Attribute="userData",
    )  # fmt: skip
    value = data.get("UserData", {}).get("Value")
    return str(value) if value is not None else None


def launch(
    account: Any,
    *,
    image: str,
    instance_type: str,
    count: int,
    subnet: str,
    profile: str,
    tags: list[dict],
    user_data: str | None = None,
    security_groups: list[str] | None = None,
) -> list[str]:
    """Launch ``count`` instances in ``subnet``, each with instance profile ``profile``, as
    ``RunInstances`` would (the account records them and tells its subscribers); returns
    their ids in launch order.

    In process they are made straight on moto's EC2 backend, with the arguments moto's
    ``RunInstances`` handler passes it: through the API, each launch serialises and parses
    every field of every instance (about 10 ms for a group's two or three), and a busy day
    grows its groups dozens of times. Elsewhere it is the API call."""
    if account.backend != "moto":
        params: dict[str, Any] = {
            "ImageId": image,
            "InstanceType": instance_type,
            "MinCount": count,
            "MaxCount": count,
            "SubnetId": subnet,
            "IamInstanceProfile": {"Name": profile},
            "TagSpecifications": [{"ResourceType": "instance", "Tags": tags}],
        }
        if user_data:
            params["UserData"] = user_data
        if security_groups:
            params["SecurityGroupIds"] = security_groups
        made = call(account.client("ec2"), "run_instances", **params)["Instances"]
        ids = [i["InstanceId"] for i in made]
        give_profile(account, ids, profile)
        return ids
    import base64

    from moto.ec2.utils import convert_tag_spec, parse_user_data
    from moto.moto_api._internal import mock_random

    from ..moto_state import ec2_backend

    backend = ec2_backend(account.account_id, account.region)
    account.wrote("RunInstances")
    reservation = backend.run_instances(
        image,
        count,
        parse_user_data(base64.b64encode(user_data.encode()).decode()) if user_data else None,
        [],
        instance_type=instance_type,
        is_instance_type_default=False,
        placement=None,
        placement_hostid=None,
        region_name=account.region,
        subnet_id=subnet,
        key_name=None,
        security_group_ids=list(security_groups or []),
        nics=[],
        private_ip=None,
        associate_public_ip=None,
        tags=convert_tag_spec([{"ResourceType": "instance", "Tags": tags}]),
        ebs_optimized=False,
        disable_api_stop=False,
        instance_market_options={},
        instance_initiated_shutdown_behavior=None,
        launch_template={},
        hibernation_options={},
        iam_instance_profile_name=profile,
        iam_instance_profile_arn=None,
        monitoring_state="disabled",
        ipv6_address_count=None,
        metadata_options={},
        client_token=str(mock_random.uuid4()),  # boto3 sends a fresh one each call
    )
    ids = [i.id for i in reservation.instances]
    for iid in ids:  # every one, as AWS does (moto's handler gives the first only)
        backend.associate_iam_instance_profile(instance_id=iid, iam_instance_profile_name=profile)
    account.instances_launched(ids)
    return ids


def terminate_in_group(account: Any, instance_id: str, *, decrement: bool = True) -> None:
    """``TerminateInstanceInAutoScalingGroup`` (``ShouldDecrementDesiredCapacity`` as
    ``decrement`` says), then ``TerminateInstances`` of the same instance, which tells the
    account's subscribers (agents, kubelets) it is gone: how the simulator's autoscalers
    and rollouts remove a group's instance.

    In process both are done on moto's backends with the model methods moto's handlers
    call, and the subscribers hear what the second call's hook would have told them; an
    instance in no group, or any other backend, goes through the API."""
    from ..errors import NotFoundError

    if account.backend == "moto":
        from moto.autoscaling.models import autoscaling_backends
        from moto.elbv2.models import elbv2_backends

        from ..moto_state import ec2_backend
        from .events import INSTANCES_TERMINATED

        groups = autoscaling_backends[account.account_id][account.region]
        if any(
            state.instance.id == instance_id
            for group in groups.autoscaling_groups.values()
            for state in group.instance_states
        ):
            account.wrote("TerminateInstanceInAutoScalingGroup")
            groups.terminate_instance(instance_id, decrement)
            account.wrote("TerminateInstances")
            ec2_backend(account.account_id, account.region).terminate_instances([instance_id])
            groups.notify_terminate_instances([instance_id])
            elbv2_backends[account.account_id][account.region].notify_terminate_instances(
                [instance_id]
            )
            account.events.publish(INSTANCES_TERMINATED, instance_ids=[instance_id])
            return
    call(
        account.client("autoscaling"),
        "terminate_instance_in_auto_scaling_group",
        InstanceId=instance_id,
        ShouldDecrementDesiredCapacity=decrement,
    )
    try:
        call(account.client("ec2"), "terminate_instances", InstanceIds=[instance_id])
    except NotFoundError:
        pass  # gone already


def give_profile(account: Any, instance_ids: list[str], profile: str) -> None:
    """Associate instance profile ``profile`` with the instances one ``RunInstances`` call
    launched, after the first (the one moto gave it to), as AWS would have."""
    if not account.simulated:
        return
    for iid in instance_ids[1:]:  # (in process, launch gives it to every one itself)
        call(
            account.client("ec2"),
            "associate_iam_instance_profile",
            IamInstanceProfile={"Name": profile},
            InstanceId=iid,
        )


def delete_terminated_interfaces(ec2: Any, subnet_id: str) -> list[str]:
    """Delete the network interfaces in ``subnet_id`` still attached to terminated instances,
    as AWS would have on termination. Returns their ids."""
    interfaces = call(
        ec2,
        "describe_network_interfaces",
        Filters=[{"Name": "subnet-id", "Values": [subnet_id]}],
    )["NetworkInterfaces"]
    attached = {
        eni["NetworkInterfaceId"]: eni["Attachment"]["InstanceId"]
        for eni in interfaces
        if (eni.get("Attachment") or {}).get("InstanceId")
    }
    if not attached:
        return []
    states = {
        inst["InstanceId"]: inst["State"]["Name"]
        for reservation in call(
            ec2, "describe_instances", InstanceIds=sorted(set(attached.values()))
        )["Reservations"]
        for inst in reservation["Instances"]
    }
    gone = [eni for eni, iid in sorted(attached.items()) if states.get(iid) == "terminated"]
    for eni in gone:
        call(ec2, "delete_network_interface", NetworkInterfaceId=eni)
    return gone
