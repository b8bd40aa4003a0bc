"""The lab's own network and IAM roles: what a learner should not have to write by hand.

A real cluster needs a VPC with subnets in at least two Availability Zones, a security group,
and IAM roles for instances, task execution and EKS. The Lab makes them once, tags them, and
fills them in wherever a call omits them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._aws import call
from .errors import InvalidParameterError, NotFoundError
from .rules.data import load_packaged
from .waits import wait_for

if TYPE_CHECKING:
    from .sim.account import Account

VPC_CIDR = "10.0.0.0/16"
PUBLIC_CIDRS = ("10.0.0.0/24", "10.0.1.0/24")
PRIVATE_CIDRS = ("10.0.10.0/24", "10.0.11.0/24")

# Who may assume each role, and the AWS managed policies it gets (names as AWS publishes them).
ROLES: dict[str, tuple[str, list[str]]] = {
    "ecs-instance": (
        "ec2.amazonaws.com",
        ["arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"],
    ),
    "ecs-task-execution": (
        "ecs-tasks.amazonaws.com",
        ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"],
    ),
    "eks-cluster": ("eks.amazonaws.com", ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]),
    "eks-node": (
        "ec2.amazonaws.com",
        [
            "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
            "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        ],
    ),
    "eks-fargate-pod": (
        "eks-fargate-pods.amazonaws.com",
        ["arn:aws:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy"],
    ),
}


@dataclass
class Network:
    """The lab's own VPC: public and private subnets in two Availability Zones."""

    vpc_id: str
    public_subnets: list[dict]
    private_subnets: list[dict]
    security_group_id: str

    @property
    def subnet_ids(self) -> list[str]:
        return [s["SubnetId"] for s in self.public_subnets]

    @property
    def private_subnet_ids(self) -> list[str]:
        return [s["SubnetId"] for s in self.private_subnets]

    @property
    def availability_zones(self) -> list[str]:
        return [s["AvailabilityZone"] for s in self.public_subnets]

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{s['SubnetId']}</td><td>{s['AvailabilityZone']}</td><td>{kind}</td>"
            f"<td>{s['CidrBlock']}</td></tr>"
            for kind, subnets in (
                ("public", self.public_subnets),
                ("private", self.private_subnets),
            )
            for s in subnets
        )
        return (
            f"<b>VPC {self.vpc_id}</b> (security group {self.security_group_id})"
            "<table><tr><th>subnet</th><th>AZ</th><th>kind</th><th>CIDR</th></tr>"
            f"{rows}</table>"
        )


def create_network(lab: Account) -> Network:
    """Create the VPC, two public and two private subnets (two AZs), an internet gateway and
    a security group; record each for teardown."""
    ec2 = lab.client("ec2")
    vpc = call(
        ec2,
        "create_vpc",
        CidrBlock=VPC_CIDR,
        TagSpecifications=lab.ec2_tag_spec("vpc", f"awscontainers-{lab.lab_id}"),
    )["Vpc"]["VpcId"]
    lab.record("ec2-vpc", vpc)
    call(ec2, "modify_vpc_attribute", VpcId=vpc, EnableDnsHostnames={"Value": True})
    zones = [
        z["ZoneName"]
        for z in call(ec2, "describe_availability_zones")["AvailabilityZones"]
        if z.get("State", "available") == "available"
    ][:2]
    igw = call(
        ec2, "create_internet_gateway", TagSpecifications=lab.ec2_tag_spec("internet-gateway")
    )["InternetGateway"]["InternetGatewayId"]
    call(ec2, "attach_internet_gateway", InternetGatewayId=igw, VpcId=vpc)
    lab.record("ec2-internet-gateway", igw, vpc=vpc)
    table = call(
        ec2, "create_route_table", VpcId=vpc, TagSpecifications=lab.ec2_tag_spec("route-table")
    )["RouteTable"]["RouteTableId"]
    lab.record("ec2-route-table", table)
    call(ec2, "create_route", RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)

    def subnet(cidr: str, zone: str, kind: str) -> dict:
        sub = call(
            ec2,
            "create_subnet",
            VpcId=vpc,
            CidrBlock=cidr,
            AvailabilityZone=zone,
            TagSpecifications=lab.ec2_tag_spec("subnet", f"awscontainers-{kind}-{zone}"),
        )["Subnet"]
        lab.record("ec2-subnet", sub["SubnetId"])
        return {k: sub[k] for k in ("SubnetId", "AvailabilityZone", "CidrBlock")}

    public = [subnet(c, z, "public") for c, z in zip(PUBLIC_CIDRS, zones, strict=False)]
    private = [subnet(c, z, "private") for c, z in zip(PRIVATE_CIDRS, zones, strict=False)]
    for sub in public:
        call(ec2, "associate_route_table", RouteTableId=table, SubnetId=sub["SubnetId"])
        call(
            ec2,
            "modify_subnet_attribute",
            SubnetId=sub["SubnetId"],
            MapPublicIpOnLaunch={"Value": True},
        )
    group = call(
        ec2,
        "create_security_group",
        GroupName=f"awscontainers-{lab.lab_id}",
        Description="awscontainers lab: traffic within the VPC",
        VpcId=vpc,
        TagSpecifications=lab.ec2_tag_spec("security-group"),
    )["GroupId"]
    lab.record("ec2-security-group", group)
    call(
        ec2,
        "authorize_security_group_ingress",
        GroupId=group,
        IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": VPC_CIDR}]}],
    )
    return Network(vpc, public, private, group)


def create_role(lab: Account, purpose: str) -> str:
    """Create one of the lab's IAM roles (and an instance profile for node roles)."""
    if purpose not in ROLES:
        raise InvalidParameterError(
            f"No lab role for {purpose!r}.", hint=f"use one of: {', '.join(ROLES)}."
        )
    principal, policies = ROLES[purpose]
    iam = lab.client("iam")
    name = f"awscontainers-{lab.lab_id}-{purpose}"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole"}
        ],
    }
    arn = call(
        iam,
        "create_role",
        RoleName=name,
        AssumeRolePolicyDocument=json.dumps(trust),
        Tags=lab.tags(),
    )["Role"]["Arn"]
    inline: list[str] = []
    for policy in policies:
        try:
            call(iam, "attach_role_policy", RoleName=name, PolicyArn=policy)
        except NotFoundError:
            if not lab.simulated:
                raise
            # moto does not ship AWS's managed policies: keep a named inline stand-in so the
            # role still shows what it would hold.
            stand_in = policy.rsplit("/", 1)[-1]
            call(
                iam,
                "put_role_policy",
                RoleName=name,
                PolicyName=stand_in,
                PolicyDocument=json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                    }
                ),
            )
            inline.append(stand_in)
    lab.record("iam-role", name, policies=policies, inline=inline)
    if principal == "ec2.amazonaws.com":
        call(iam, "create_instance_profile", InstanceProfileName=name, Tags=lab.tags())
        call(iam, "add_role_to_instance_profile", InstanceProfileName=name, RoleName=name)
        lab.record("iam-instance-profile", name, role=name)
    return arn


EGRESS_CHOICES = ("nat", "endpoints", "none")


def check_egress(how: object) -> str:
    """``private_egress`` as a lab takes it: ``"nat"``, ``"endpoints"`` or ``"none"``."""
    if how not in EGRESS_CHOICES:
        raise InvalidParameterError(
            f"private_egress must be one of {', '.join(EGRESS_CHOICES)}, not {how!r}.",
            code="InvalidParameterException",
            hint="'nat' (one NAT gateway: any registry), 'endpoints' (VPC endpoints: ECR and "
            "S3 only) or 'none' (add your own).",
        )
    return str(how)


def egress_facts() -> dict:
    """Which VPC endpoints the 'endpoints' choice makes (``data/real_aws.yaml``)."""
    return load_packaged("real_aws.yaml")["private_egress"]


def add_private_egress(lab: Account, how: str) -> list[str]:
    """Give the lab's private subnets a way to pull images: a route table of their own and
    either a NAT gateway (with an Elastic IP, in the first public subnet) or the VPC
    endpoints ECR and S3 pulls need (``ecr.api``, ``ecr.dkr``, ``logs`` interface endpoints
    and the ``s3`` gateway endpoint). Everything is tagged and recorded for teardown;
    returns what was made. Waits (with progress) for the NAT gateway on real AWS."""
    check_egress(how)
    if how == "none":
        return []
    network = lab.network()
    ec2 = lab.client("ec2")
    made: list[str] = []
    table = call(
        ec2,
        "create_route_table",
        VpcId=network.vpc_id,
        TagSpecifications=lab.ec2_tag_spec("route-table", f"awscontainers-{lab.lab_id}-private"),
    )["RouteTable"]["RouteTableId"]
    lab.record("ec2-route-table", table)
    made.append(f"route table {table} for the private subnets")
    for subnet in network.private_subnet_ids:
        call(ec2, "associate_route_table", RouteTableId=table, SubnetId=subnet)
    if how == "nat":
        allocation = call(
            ec2,
            "allocate_address",
            Domain="vpc",
            TagSpecifications=lab.ec2_tag_spec("elastic-ip", f"awscontainers-{lab.lab_id}-nat"),
        )["AllocationId"]
        lab.record("ec2-elastic-ip", allocation)
        nat = call(
            ec2,
            "create_nat_gateway",
            SubnetId=network.subnet_ids[0],
            AllocationId=allocation,
            TagSpecifications=lab.ec2_tag_spec("natgateway", f"awscontainers-{lab.lab_id}"),
        )["NatGateway"]["NatGatewayId"]
        lab.record("ec2-nat-gateway", nat, allocation=allocation)
        made += [f"Elastic IP {allocation}", f"NAT gateway {nat}"]
        if not lab.simulated:
            wait_for(
                ec2,
                "nat_gateway_available",
                what=f"NAT gateway {nat}",
                resume="the lab's ledger holds the NAT gateway: lab.teardown() deletes it.",
                settings=lab.waits,
                NatGatewayIds=[nat],
            )
        call(
            ec2,
            "create_route",
            RouteTableId=table,
            DestinationCidrBlock="0.0.0.0/0",
            NatGatewayId=nat,
        )
    else:
        facts = egress_facts()
        for service in facts["interface_endpoints"]:
            endpoint = call(
                ec2,
                "create_vpc_endpoint",
                VpcEndpointType="Interface",
                VpcId=network.vpc_id,
                ServiceName=f"com.amazonaws.{lab.region}.{service}",
                SubnetIds=network.private_subnet_ids,
                SecurityGroupIds=[network.security_group_id],
                PrivateDnsEnabled=True,
                TagSpecifications=lab.ec2_tag_spec("vpc-endpoint", f"awscontainers-{service}"),
            )["VpcEndpoint"]["VpcEndpointId"]
            lab.record(
                "ec2-vpc-endpoint",
                endpoint,
                type="Interface",
                service=service,
                zones=len(network.private_subnet_ids),
            )
            made.append(f"interface endpoint {endpoint} ({service})")
        for service in facts["gateway_endpoints"]:
            endpoint = call(
                ec2,
                "create_vpc_endpoint",
                VpcEndpointType="Gateway",
                VpcId=network.vpc_id,
                ServiceName=f"com.amazonaws.{lab.region}.{service}",
                RouteTableIds=[table],
                TagSpecifications=lab.ec2_tag_spec("vpc-endpoint", f"awscontainers-{service}"),
            )["VpcEndpoint"]["VpcEndpointId"]
            lab.record("ec2-vpc-endpoint", endpoint, type="Gateway", service=service)
            made.append(f"gateway endpoint {endpoint} ({service})")
    return made
