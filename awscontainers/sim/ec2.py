"""What EC2 does that moto leaves undone.

When an instance terminates, AWS deletes its primary network interface (its
``DeleteOnTermination`` is always true) and any other attached with ``DeleteOnTermination``.
moto keeps them, still ``in-use`` by an instance that no longer exists, so a subnet (and with
it the lab's VPC) could not be deleted on AWS's terms, and teardown would leave them behind.

A ``RunInstances`` of several instances with an ``IamInstanceProfile`` gives every one of
them the profile on AWS; moto associates it with the first only (:func:`give_profile`).
"""

from __future__ import annotations

from typing import Any

from .._aws import call

__all__ = ["delete_terminated_interfaces", "give_profile", "user_data"]


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


def give_profile(account: Any, instance_ids: list[str], profile: str) -> None:
    """Associate instance profile ``profile`` with the instances one ``RunInstances`` call
    launched, after the first (the one moto gave it to), as AWS would have."""
    if not account.simulated:
        return
    rest = instance_ids[1:]
    if not rest:
        return
    if account.backend == "moto":
        from ..moto_state import ec2_backend

        backend = ec2_backend(account.account_id, account.region)
        account.wrote("AssociateIamInstanceProfile")
        for iid in rest:
            backend.associate_iam_instance_profile(
                instance_id=iid, iam_instance_profile_name=profile
            )
        return
    for iid in rest:
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
