"""Delete what a lab created, in dependency order, and nothing else.

The ledger (``lab.ledger``) lists every resource the lab made. Teardown walks it from the
things that depend on others (services, tasks, instances) down to what they stand on
(clusters, repositories, roles, the VPC). Something already gone counts as deleted, so
teardown can be run again after a failure."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._aws import call
from .errors import LabError, NotFoundError, WaitInterruptedError
from .sim.ec2 import delete_terminated_interfaces
from .waits import wait_for

if TYPE_CHECKING:
    from .lab import Lab
    from .sim.account import Record


def _ecs_service(lab: Lab, r: Record) -> None:
    lab.ecs.delete_service(cluster=r.info["cluster"], service=r.id, force=True)


def _ecs_capacity_provider(lab: Lab, r: Record) -> None:
    # ECS refuses to delete a capacity provider a cluster still lists: take it off first
    # (in the simulation, the cluster's tasks stop first: the cluster is going anyway).
    for cluster in lab.created("ecs-cluster"):
        found = lab.ecs.describe_clusters(clusters=[cluster.id])["clusters"]
        if not found or r.id not in (found[0].get("capacityProviders") or []):
            continue
        if lab.ecs_sim is not None:
            lab.ecs_sim.empty_cluster(cluster.id)
        lab.ecs.put_cluster_capacity_providers(
            cluster=cluster.id,
            capacityProviders=[p for p in found[0]["capacityProviders"] if p != r.id],
            defaultCapacityProviderStrategy=[
                i
                for i in found[0].get("defaultCapacityProviderStrategy") or []
                if i["capacityProvider"] != r.id
            ],
        )
    lab.ecs.delete_capacity_provider(capacityProvider=r.id)


def _ecs_instance_group(lab: Lab, r: Record) -> None:
    # Deleting the group terminates its instances; their container instances leave.
    try:
        call(
            lab.client("autoscaling"),
            "delete_auto_scaling_group",
            AutoScalingGroupName=r.id,
            ForceDelete=True,
        )
    except NotFoundError:
        pass
    if r.info.get("template"):
        call(lab.client("ec2"), "delete_launch_template", LaunchTemplateName=r.info["template"])


def _launch_template(lab: Lab, r: Record) -> None:
    call(lab.client("ec2"), "delete_launch_template", LaunchTemplateName=r.id)


def _ec2_instances(lab: Lab, records: list[Record]) -> None:
    ids = [r.id for r in records]
    ec2 = lab.client("ec2")
    live = []
    for reservation in call(ec2, "describe_instances", InstanceIds=ids)["Reservations"]:
        live += [
            i["InstanceId"]
            for i in reservation["Instances"]
            if i["State"]["Name"] not in ("terminated", "shutting-down")
        ]
    if live:
        call(ec2, "terminate_instances", InstanceIds=live)
        if not lab.simulated:
            wait_for(
                ec2,
                "instance_terminated",
                what=f"{len(live)} instance(s)",
                resume=_AGAIN,
                settings=lab.account.waits,
                InstanceIds=live,
            )


def _ecs_cluster(lab: Lab, r: Record) -> None:
    if lab.ecs_sim is not None:
        lab.ecs_sim.empty_cluster(r.id)
    else:
        # ECS refuses to delete a cluster with running tasks (a crashed lab's Fargate tasks,
        # or ones a service started): stop them first.
        ecs = lab.client("ecs")
        for arn in call(ecs, "list_tasks", cluster=r.id)["taskArns"]:
            call(ecs, "stop_task", cluster=r.id, task=arn, reason="awscontainers teardown")
    lab.ecs.delete_cluster(cluster=r.id)


def _ecs_task_definition(lab: Lab, r: Record) -> None:
    call(lab.client("ecs"), "deregister_task_definition", taskDefinition=r.id)


def _ecr_repository(lab: Lab, r: Record) -> None:
    call(lab.client("ecr"), "delete_repository", repositoryName=r.id, force=True)


def _eni(lab: Lab, r: Record) -> None:
    call(lab.client("ec2"), "delete_network_interface", NetworkInterfaceId=r.id)


def _instance_profile(lab: Lab, r: Record) -> None:
    iam = lab.client("iam")
    try:
        call(
            iam,
            "remove_role_from_instance_profile",
            InstanceProfileName=r.id,
            RoleName=r.info["role"],
        )
    except NotFoundError:
        pass
    call(iam, "delete_instance_profile", InstanceProfileName=r.id)


def _role(lab: Lab, r: Record) -> None:
    iam = lab.client("iam")
    for policy in r.info.get("policies", []):
        try:
            call(iam, "detach_role_policy", RoleName=r.id, PolicyArn=policy)
        except NotFoundError:
            pass
    for name in r.info.get("inline", []):
        try:
            call(iam, "delete_role_policy", RoleName=r.id, PolicyName=name)
        except NotFoundError:
            pass
    call(iam, "delete_role", RoleName=r.id)


def _security_group(lab: Lab, r: Record) -> None:
    call(lab.client("ec2"), "delete_security_group", GroupId=r.id)


def _subnet(lab: Lab, r: Record) -> None:
    if lab.simulated:
        # AWS deleted the interfaces of instances that terminated; moto kept them.
        delete_terminated_interfaces(lab.client("ec2"), r.id)
    call(lab.client("ec2"), "delete_subnet", SubnetId=r.id)


def _route_table(lab: Lab, r: Record) -> None:
    ec2 = lab.client("ec2")
    tables = call(ec2, "describe_route_tables", RouteTableIds=[r.id])["RouteTables"]
    for table in tables:
        for assoc in table.get("Associations", []):
            if not assoc.get("Main"):
                call(
                    ec2, "disassociate_route_table", AssociationId=assoc["RouteTableAssociationId"]
                )
    call(ec2, "delete_route_table", RouteTableId=r.id)


def _igw(lab: Lab, r: Record) -> None:
    ec2 = lab.client("ec2")
    try:
        call(ec2, "detach_internet_gateway", InternetGatewayId=r.id, VpcId=r.info["vpc"])
    except (NotFoundError, LabError):
        pass
    call(ec2, "delete_internet_gateway", InternetGatewayId=r.id)


def _vpc(lab: Lab, r: Record) -> None:
    call(lab.client("ec2"), "delete_vpc", VpcId=r.id)
    lab.account.network_deleted()


def _eks_fargate_profile(lab: Lab, r: Record) -> None:
    # On real AWS the client waits until it is gone (EKS deletes profiles one at a time and
    # refuses the cluster until they are).
    lab.eks.delete_fargate_profile(clusterName=r.info["cluster"], fargateProfileName=r.id)


def _eks_nodegroup(lab: Lab, r: Record) -> None:
    lab.eks.delete_nodegroup(clusterName=r.info["cluster"], nodegroupName=r.id)


def _eks_self_managed(lab: Lab, r: Record) -> None:
    lab.eks.delete_self_managed_nodes(r.info["cluster"], r.id)


def _eks_cluster(lab: Lab, r: Record) -> None:
    # On real AWS the client waits: the cluster's ENIs and security group hold the VPC
    # until the cluster is gone.
    lab.eks.delete_cluster(name=r.id)


def _vpc_endpoint(lab: Lab, r: Record) -> None:
    ec2 = lab.client("ec2")
    found = call(ec2, "describe_vpc_endpoints", VpcEndpointIds=[r.id])["VpcEndpoints"]
    if found and found[0].get("State", "").lower() not in ("deleted", "deleting"):
        call(ec2, "delete_vpc_endpoints", VpcEndpointIds=[r.id])


def _nat_gateway(lab: Lab, r: Record) -> None:
    ec2 = lab.client("ec2")
    found = call(ec2, "describe_nat_gateways", NatGatewayIds=[r.id])["NatGateways"]
    if not found or found[0]["State"] == "deleted":
        return
    if found[0]["State"] != "deleting":
        call(ec2, "delete_nat_gateway", NatGatewayId=r.id)
    if not lab.simulated:
        # Its Elastic IP and subnet stay in use until it is gone.
        wait_for(
            ec2,
            "nat_gateway_deleted",
            what=f"NAT gateway {r.id}",
            resume=_AGAIN,
            settings=lab.account.waits,
            NatGatewayIds=[r.id],
        )


def _elastic_ip(lab: Lab, r: Record) -> None:
    call(lab.client("ec2"), "release_address", AllocationId=r.id)


#: (ledger kind, how to delete one) in the order teardown runs. Other modules add their
#: kinds with :func:`register` (EKS nodegroups before clusters, and so on).
STEPS: list[tuple[str, Callable[[Any, Any], None]]] = [
    ("eks-fargate-profile", _eks_fargate_profile),
    ("eks-nodegroup", _eks_nodegroup),
    ("eks-self-managed", _eks_self_managed),
    ("ecs-service", _ecs_service),
    ("ecs-capacity-provider", _ecs_capacity_provider),
    ("ecs-instance-group", _ecs_instance_group),
    ("ec2-launch-template", _launch_template),
    ("ec2-instance", lambda lab, records: _ec2_instances(lab, records)),
    ("ecs-cluster", _ecs_cluster),
    ("eks-cluster", _eks_cluster),
    ("ec2-network-interface", _eni),
    ("ecs-task-definition", _ecs_task_definition),
    ("ecr-repository", _ecr_repository),
    ("iam-instance-profile", _instance_profile),
    ("iam-role", _role),
    ("ec2-vpc-endpoint", _vpc_endpoint),
    ("ec2-nat-gateway", _nat_gateway),
    ("ec2-elastic-ip", _elastic_ip),
    ("ec2-security-group", _security_group),
    ("ec2-subnet", _subnet),
    ("ec2-route-table", _route_table),
    ("ec2-internet-gateway", _igw),
    ("ec2-vpc", _vpc),
]
_BATCHED = {"ec2-instance"}
_AGAIN = (
    "run lab.teardown() again to carry on (what is left is still in lab.ledger), or "
    "`awscontainers teardown --lab LAB_ID` from a terminal."
)


def register(kind: str, delete: Callable[[Any, Any], None], before: str) -> None:
    """Add a kind of resource to teardown, deleted just before ``before``."""
    if any(k == kind for k, _ in STEPS):
        return
    index = next(i for i, (k, _) in enumerate(STEPS) if k == before)
    STEPS.insert(index, (kind, delete))


def teardown(lab: Lab) -> list[str]:
    """Delete every recorded resource; returns what was deleted. Raises :class:`LabError`
    listing what could not be deleted (the rest is still deleted)."""
    done: list[str] = []
    problems: list[str] = []
    for kind, delete in STEPS:
        records = lab.created(kind)
        if not records:
            continue
        if kind in _BATCHED:
            try:
                delete(lab, records)
            except NotFoundError:
                pass
            except WaitInterruptedError:
                raise
            except LabError as exc:
                problems.append(f"{kind}: {exc.message}")
                continue
            for r in records:
                lab.forget(kind, r.id)
                done.append(f"{kind} {r.id}")
            continue
        for r in reversed(records):
            try:
                delete(lab, r)
            except NotFoundError:
                pass  # already gone: nothing to do, and teardown stays repeatable
            except WaitInterruptedError:
                raise  # the learner stopped it: what is left stays in the ledger
            except LabError as exc:
                problems.append(f"{kind} {r.id}: {exc.message}")
                continue
            lab.forget(kind, r.id)
            done.append(f"{kind} {r.id}")
    lab.account.roles_deleted()
    if problems:
        raise LabError(
            "Teardown could not delete everything:\n  " + "\n  ".join(problems),
            hint="run lab.teardown() again; what is left is still in lab.ledger.",
        )
    return done
