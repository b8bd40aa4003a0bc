"""Fargate's networking: each task gets an ENI of its own in your subnets (awsvpc)."""

from __future__ import annotations

from typing import Any

from ..._aws import call
from ...errors import InvalidParameterError, NotFoundError
from ...moto_state import ec2_backend
from .state import EcsState

_GONE_SUBNET = ("DeleteSubnet", "DeleteVpc")
_GONE_GROUP = ("DeleteSecurityGroup", "DeleteVpc")


class NetworkInterfaces(EcsState):
    """The awsvpc configuration of a task, and its ENI."""

    def _awsvpc(self, network_configuration: dict | None) -> dict:
        """The awsvpc configuration, filled from the lab's network when omitted."""
        if network_configuration and network_configuration.get("awsvpcConfiguration"):
            conf = dict(network_configuration["awsvpcConfiguration"])
            if not conf.get("subnets"):
                raise InvalidParameterError(
                    "subnets can not be empty.",
                    code="InvalidParameterException",
                    hint="give at least one subnet, or leave networkConfiguration out and the "
                    "lab fills in its own.",
                )
            self._check_exist(conf)
        else:
            network = self.account.network()
            # Public subnets with a public IP so that, in a real account, tasks can pull
            # images without a NAT gateway (which would cost money).
            conf = {
                "subnets": network.subnet_ids,
                "securityGroups": [network.security_group_id],
                "assignPublicIp": "ENABLED",
            }
        conf.setdefault("securityGroups", [self.account.network().security_group_id])
        return conf

    def with_default_security_group(self, network_configuration: Any) -> Any:
        """``network_configuration`` with the VPC's default security group filled in when
        an awsvpcConfiguration names none, as ECS does (moto needs one named)."""
        if not isinstance(network_configuration, dict):
            return network_configuration
        conf = network_configuration.get("awsvpcConfiguration")
        if not isinstance(conf, dict) or conf.get("securityGroups"):
            return network_configuration
        group = self.account.network().security_group_id
        return {**network_configuration, "awsvpcConfiguration": {**conf, "securityGroups": [group]}}

    def _check_exist(self, conf: dict) -> None:
        """Check the learner's subnets and security groups exist before any task or ENI is
        made, so a bogus id refuses the whole call instead of failing half-way through."""
        for key in ("subnets", "securityGroups"):
            ids = conf.get(key)
            if ids is None:
                continue
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                raise InvalidParameterError(
                    f"awsvpcConfiguration.{key} must be a list of ids.",
                    code="InvalidParameterException",
                    hint=f"pass {key}=['...'] with ids from lab.network().",
                )
        # One id per call: asked for several, moto names the wrong one when one is missing.
        # Whether they exist: only deleting one changes that (an ENI changes a subnet's
        # free addresses, not its existence).
        for subnet in conf.get("subnets") or []:
            self.account.read("ec2", "describe_subnets", SubnetIds=[subnet], expire_on=_GONE_SUBNET)
        for group in conf.get("securityGroups") or []:
            self.account.read(
                "ec2", "describe_security_groups", GroupIds=[group], expire_on=_GONE_GROUP
            )

    def _create_eni(self, network: dict, task_id: str) -> dict:
        subnets = [s for s in network["subnets"] if s not in self.unavailable_subnets]
        subnets = subnets or network["subnets"]
        # Spread tasks over the given subnets (and so over AZs), as Fargate does.
        in_use = self._tasks_per_subnet()
        used = [in_use.get(s, 0) for s in subnets]
        subnet = subnets[used.index(min(used))]
        attachment = (
            f"{task_id[:8]}-{task_id[8:12]}-{task_id[12:16]}-{task_id[16:20]}-{task_id[20:]}"
        )
        description = self.account.arn("ecs", f"attachment/{attachment}")
        groups = network.get("securityGroups") or []
        if self.account.backend == "moto":
            eni = self._create_eni_in_process(subnet, groups, description)
        else:
            eni = call(
                self.ec2,
                "create_network_interface",
                SubnetId=subnet,
                Groups=groups,
                Description=description,
                TagSpecifications=self.account.ec2_tag_spec("network-interface"),
            )["NetworkInterface"]
        self.account.record("ec2-network-interface", eni["NetworkInterfaceId"])
        eni["attachment"] = attachment
        return {**eni, "SubnetId": subnet}

    def _tasks_per_subnet(self) -> dict[str, int]:
        """How many live tasks have their ENI in each subnet: counted from the tasks once,
        then kept as tasks start and stop (:meth:`_subnet_changed`), so placing a thousand
        tasks does not count a thousand times."""
        counted = self.__dict__.get("_subnet_tasks")
        if counted is None:
            counted = {}
            for alloc in self._alloc.values():
                subnet = alloc.get("subnet")
                if subnet:
                    counted[subnet] = counted.get(subnet, 0) + 1
            self.__dict__["_subnet_tasks"] = counted
        return counted

    def _subnet_changed(self, subnet: str | None, change: int) -> None:
        """A task with its ENI in ``subnet`` started (+1) or stopped (-1)."""
        counted = self.__dict__.get("_subnet_tasks")
        if subnet and counted is not None:
            counted[subnet] = counted.get(subnet, 0) + change

    def _create_eni_in_process(self, subnet: str, groups: list[str], description: str) -> dict:
        """The ENI made on moto's EC2 backend directly (what CreateNetworkInterface does,
        without a request to parse and an answer to serialise): the fields the task's
        attachment shows."""
        backend = ec2_backend(self.account.account_id, self.account.region)
        self.account.wrote("CreateNetworkInterface")
        made = backend.create_network_interface(
            backend.get_subnet(subnet),
            None,
            [],
            groups,
            description,
            {t["Key"]: t["Value"] for t in self.account.tags()},
        )
        return {
            "NetworkInterfaceId": made.id,
            "SubnetId": subnet,
            "AvailabilityZone": made.subnet.availability_zone,
            "MacAddress": made.mac_address,
            "PrivateIpAddress": made.private_ip_address,
        }

    def _delete_eni(self, eni: str) -> None:
        """Delete a task's ENI (Fargate does when the task stops); gone already is fine."""
        if self.account.backend == "moto":
            self.account.wrote("DeleteNetworkInterface")
            ec2_backend(self.account.account_id, self.account.region).enis.pop(eni, None)
            return
        try:
            call(self.ec2, "delete_network_interface", NetworkInterfaceId=eni)
        except NotFoundError:
            pass  # already deleted (by teardown, or by hand)
