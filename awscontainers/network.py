"""The lab's own network and IAM roles: what a learner should not have to write by hand.

A real cluster needs a VPC with subnets in at least two Availability Zones, a security group,
and IAM roles for instances, task execution and EKS. The Lab makes them once, tags them, and
fills them in wherever a call omits them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._aws import call
from .errors import InvalidParameterError, NotFoundError
from .moto_state import as_request
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
    a security group; record each for teardown.

    In process the same calls are made on moto's EC2 backend directly
    (:func:`_network_in_process`, :func:`_made_in_process`): the same resources, ids and
    ledger as the 17 API calls give, in about a tenth of their time."""
    if _made_in_process(lab):
        return _network_in_process(lab)
    return _network_through_api(lab)


def _network_through_api(lab: Account) -> Network:
    """:func:`create_network` through EC2's API (a room, real AWS)."""
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


def _on_moto(lab: Account, service: str, operation: str, /, *args: Any, **kwargs: Any) -> Any:
    """One call of the lab's, made on moto's backend as moto's handler for ``operation``
    makes it (:func:`~awscontainers.moto_state.as_request`); the account hears of it as
    its clients tell it of every call."""
    lab.wrote(operation)
    return as_request(service, lab.account_id, lab.region, operation, *args, **kwargs)


def _tag_list(spec: list[dict]) -> list[dict]:
    """The tags of a one-item ``TagSpecifications``, as moto's handlers read them."""
    return list(spec[0]["Tags"])


def _network_in_process(lab: Account) -> Network:
    """:func:`_network_through_api`'s calls, in the same order with the arguments moto's
    handlers pass its EC2 backend (each drawing the request id moto draws, so every id is
    the API path's): no request to sign, parse, answer and serialise. Tested against the
    API path, ids and describe answers alike (``tests/test_network.py``)."""
    from moto.ec2.responses.security_groups import parse_sg_attributes_from_dict
    from moto.ec2.utils import convert_tag_spec

    vpc = _on_moto(
        lab,
        "ec2",
        "CreateVpc",
        VPC_CIDR,
        "default",
        amazon_provided_ipv6_cidr_block=False,
        ipv6_cidr_block_network_border_group=lab.region,
        tags=_tag_list(lab.ec2_tag_spec("vpc", f"awscontainers-{lab.lab_id}")),
    ).id
    lab.record("ec2-vpc", vpc)
    _on_moto(lab, "ec2", "ModifyVpcAttribute", vpc, "enable_dns_hostnames", True)
    found = _on_moto(lab, "ec2", "DescribeAvailabilityZones", {}, zone_names=[], zone_ids=[])
    zones = [z.name for z in found if getattr(z, "state", "available") == "available"][:2]
    igw = _on_moto(
        lab,
        "ec2",
        "CreateInternetGateway",
        tags=_tag_list(lab.ec2_tag_spec("internet-gateway")),
    ).id
    _on_moto(lab, "ec2", "AttachInternetGateway", igw, vpc)
    lab.record("ec2-internet-gateway", igw, vpc=vpc)
    table = _on_moto(
        lab,
        "ec2",
        "CreateRouteTable",
        vpc,
        _tag_list(lab.ec2_tag_spec("route-table")),
    ).id
    lab.record("ec2-route-table", table)
    unset = dict.fromkeys(
        ("instance_id", "nat_gateway_id", "egress_only_igw_id", "transit_gateway_id")
        + ("interface_id", "vpc_peering_connection_id", "carrier_gateway_id", "vpc_endpoint_id")
    )
    _on_moto(lab, "ec2", "CreateRoute", table, "0.0.0.0/0", None, None, gateway_id=igw, **unset)

    def subnet(cidr: str, zone: str, kind: str) -> dict:
        made = _on_moto(
            lab,
            "ec2",
            "CreateSubnet",
            vpc,
            cidr,
            None,
            zone,
            None,
            ipv6_native=False,
            tags=convert_tag_spec(lab.ec2_tag_spec("subnet", f"awscontainers-{kind}-{zone}")),
        )
        lab.record("ec2-subnet", made.id)
        return {
            "SubnetId": made.id,
            "AvailabilityZone": made.availability_zone,
            "CidrBlock": made.cidr_block,
        }

    public = [subnet(c, z, "public") for c, z in zip(PUBLIC_CIDRS, zones, strict=False)]
    private = [subnet(c, z, "private") for c, z in zip(PRIVATE_CIDRS, zones, strict=False)]
    for sub in public:
        _on_moto(lab, "ec2", "AssociateRouteTable", table, None, sub["SubnetId"])
        _on_moto(
            lab, "ec2", "ModifySubnetAttribute", sub["SubnetId"], "map_public_ip_on_launch", True
        )
    group = _on_moto(
        lab,
        "ec2",
        "CreateSecurityGroup",
        f"awscontainers-{lab.lab_id}",
        "awscontainers lab: traffic within the VPC",
        vpc_id=vpc,
        tags=convert_tag_spec(lab.ec2_tag_spec("security-group")).get("security-group", {}),
    ).id
    lab.record("ec2-security-group", group)
    protocol, from_port, to_port, ranges, sources, prefixes = parse_sg_attributes_from_dict(
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": VPC_CIDR}]}
    )
    _on_moto(
        lab,
        "ec2",
        "AuthorizeSecurityGroupIngress",
        group_name_or_id=group,
        ip_protocol=protocol,
        from_port=from_port,
        to_port=to_port,
        ip_ranges=ranges,
        sgrule_tags={},
        source_groups=sources,
        prefix_list_ids=prefixes,
        security_rule_ids=[],
    )
    return Network(vpc, public, private, group)


def create_role(lab: Account, purpose: str) -> str:
    """Create one of the lab's IAM roles (and an instance profile for node roles)."""
    if purpose not in ROLES:
        raise InvalidParameterError(
            f"No lab role for {purpose!r}.", hint=f"use one of: {', '.join(ROLES)}."
        )
    if _made_in_process(lab):
        return _role_in_process(lab, purpose)
    return _role_through_api(lab, purpose)


def _made_in_process(lab: Account) -> bool:
    """Whether the network and roles are made on moto's backends directly: in the
    in-process backend, where moto files the requests under the lab's region and its
    partition. moto reads them from the request's host: the region's own in the commercial
    and China partitions (tested both ways), but ``iam.us-gov.amazonaws.com`` reads as
    the commercial partition, so GovCloud and the other partitions keep the API calls."""
    if lab.backend != "moto":
        return False
    from moto.utilities.utils import get_partition

    return get_partition(lab.region) in ("aws", "aws-cn")


def _trust(principal: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole"}
            ],
        }
    )


#: The inline stand-in for a managed policy moto does not ship: every action allowed.
_STAND_IN = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


def _role_through_api(lab: Account, purpose: str) -> str:
    """:func:`create_role` through IAM's API (a room, real AWS)."""
    principal, policies = ROLES[purpose]
    iam = lab.client("iam")
    name = f"awscontainers-{lab.lab_id}-{purpose}"
    arn = call(
        iam,
        "create_role",
        RoleName=name,
        AssumeRolePolicyDocument=_trust(principal),
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
                PolicyDocument=_STAND_IN,
            )
            inline.append(stand_in)
    lab.record("iam-role", name, policies=policies, inline=inline)
    if principal == "ec2.amazonaws.com":
        call(iam, "create_instance_profile", InstanceProfileName=name, Tags=lab.tags())
        call(iam, "add_role_to_instance_profile", InstanceProfileName=name, RoleName=name)
        lab.record("iam-instance-profile", name, role=name)
    return arn


def _role_in_process(lab: Account, purpose: str) -> str:
    """:func:`_role_through_api`'s calls made on moto's IAM backend as moto's handlers make
    them (see :func:`_network_in_process`)."""
    principal, policies = ROLES[purpose]
    name = f"awscontainers-{lab.lab_id}-{purpose}"
    # (name, trust policy, path, permissions boundary, description, tags, max session)
    made = _on_moto(
        lab, "iam", "CreateRole", name, _trust(principal), None, None, None, lab.tags(), 3600
    )
    arn = made.arn
    inline: list[str] = []
    for policy in policies:
        try:
            _on_moto(lab, "iam", "AttachRolePolicy", policy, name)
        except NotFoundError:
            # moto does not ship AWS's managed policies (see _role_through_api).
            stand_in = policy.rsplit("/", 1)[-1]
            _on_moto(lab, "iam", "PutRolePolicy", name, stand_in, _STAND_IN)
            inline.append(stand_in)
    lab.record("iam-role", name, policies=policies, inline=inline)
    if principal == "ec2.amazonaws.com":
        profile = (name, "/")  # (name, path)
        _on_moto(lab, "iam", "CreateInstanceProfile", *profile, role_names=[], tags=lab.tags())
        _on_moto(lab, "iam", "AddRoleToInstanceProfile", name, name)
        lab.record("iam-instance-profile", name, role=name)
    return str(arn)


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
