"""What labs left in a real account, found from the resources' own tags, and removed.

A lab's ledger lives in its Python process (and in a file cache, :mod:`saved_ledger`); the
tag ``awscontainers:lab=<lab id>`` on every resource is the source of truth. :func:`find`
asks the Resource Groups Tagging API (EC2, ECS, Auto Scaling) and the services' own list
calls (EKS clusters, nodegroups and Fargate profiles, ECR repositories, IAM roles and
instance profiles, VPC endpoints, Elastic IPs, NAT gateways, launch templates) for every
resource carrying the tag, and turns each into a ledger record of the kind teardown knows,
so :func:`remove` deletes them in the same dependency order as ``lab.teardown()``.

``awscontainers teardown --lab LAB_ID`` (or ``--all-mine``) is the command; a reopened
``Lab`` warns with it, and ``awscontainers.leftovers()`` lists what is left.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ._aws import call
from .errors import LabError, NotFoundError
from .sim.account import TAG_KEY, Record
from .tables import Table

if TYPE_CHECKING:
    from .lab import Lab

#: Tagging API resource types (service:type) and the ledger kind each becomes.
_ARN_KINDS = {
    "ec2:instance": "ec2-instance",
    "ec2:vpc": "ec2-vpc",
    "ec2:subnet": "ec2-subnet",
    "ec2:security-group": "ec2-security-group",
    "ec2:route-table": "ec2-route-table",
    "ec2:internet-gateway": "ec2-internet-gateway",
    "ec2:natgateway": "ec2-nat-gateway",
    "ec2:vpc-endpoint": "ec2-vpc-endpoint",
    "ec2:elastic-ip": "ec2-elastic-ip",
    "ec2:launch-template": "ec2-launch-template",
    "ecs:cluster": "ecs-cluster",
    "ecs:service": "ecs-service",
    "ecs:task-definition": "ecs-task-definition",
    "ecs:capacity-provider": "ecs-capacity-provider",
}


def _pages(client: Any, operation: str, key: str, **params: Any) -> Iterator[Any]:
    """Every item of a paginated list call (EC2 and Auto Scaling ``NextToken``, ECS, EKS
    and ECR ``nextToken``, IAM ``Marker``)."""
    while True:
        page = call(client, operation, **params)
        yield from page.get(key, [])
        if page.get("nextToken"):
            params["nextToken"] = page["nextToken"]
        elif page.get("NextToken"):
            params["NextToken"] = page["NextToken"]
        elif page.get("IsTruncated") and page.get("Marker"):
            params["Marker"] = page["Marker"]
        else:
            return


def _tag_value(tags: Any) -> str | None:
    """The lab id in a tag list ([{Key, Value}] or [{key, value}]) or map ({key: value})."""
    if isinstance(tags, dict):
        return tags.get(TAG_KEY)
    for tag in tags or []:
        if (tag.get("Key") or tag.get("key")) == TAG_KEY:
            return tag.get("Value", tag.get("value"))
    return None


class _Found:
    """Records by lab id, without duplicates."""

    def __init__(self, wanted: str | None) -> None:
        self.wanted = wanted
        self.records: dict[str, dict[tuple[str, str], Record]] = {}

    def add(self, lab_id: str | None, kind: str, id_: str, **info: Any) -> None:
        if lab_id is None or (self.wanted is not None and lab_id != self.wanted):
            return
        known = self.records.setdefault(lab_id, {})
        if (kind, id_) in known:
            known[(kind, id_)].info.update({k: v for k, v in info.items() if v is not None})
        else:
            known[(kind, id_)] = Record(kind, id_, dict(info))


def _tagged(lab: Lab, found: _Found) -> None:
    """The Resource Groups Tagging API: EC2, ECS and Auto Scaling resources."""
    tagging = lab.client("resourcegroupstaggingapi")
    filters = [{"Key": TAG_KEY, **({"Values": [found.wanted]} if found.wanted else {})}]
    token = ""
    while True:
        page = call(tagging, "get_resources", TagFilters=filters, PaginationToken=token)
        for item in page.get("ResourceTagMappingList", []):
            arn = item["ResourceARN"]
            lab_id = _tag_value(item.get("Tags"))
            service, resource = arn.split(":")[2], arn.split(":", 5)[5]
            if service == "autoscaling":
                found.add(lab_id, "ecs-instance-group", resource.rsplit("/", 1)[-1])
                continue
            type_, _, rest = resource.partition("/")
            kind = _ARN_KINDS.get(f"{service}:{type_}")
            if kind is None:
                continue
            if kind == "ecs-service":
                cluster, _, name = rest.partition("/")
                found.add(lab_id, kind, arn, cluster=cluster if name else None)
            elif kind == "ecs-task-definition":
                found.add(lab_id, kind, arn)
            else:
                found.add(lab_id, kind, rest.rsplit("/", 1)[-1])
        token = page.get("PaginationToken") or ""
        if not token:
            return


def _ec2(lab: Lab, found: _Found) -> None:
    """EC2's own describe calls, filtered by the tag: what the Tagging API may not list,
    and the details teardown needs (an internet gateway's VPC, a NAT gateway's address)."""
    ec2 = lab.client("ec2")
    value = [found.wanted] if found.wanted else None
    filters = (
        [{"Name": f"tag:{TAG_KEY}", "Values": value}]
        if value
        else [{"Name": "tag-key", "Values": [TAG_KEY]}]
    )
    for gw in _pages(ec2, "describe_internet_gateways", "InternetGateways", Filters=filters):
        vpc = next((a["VpcId"] for a in gw.get("Attachments", [])), None)
        found.add(
            _tag_value(gw.get("Tags")), "ec2-internet-gateway", gw["InternetGatewayId"], vpc=vpc
        )
    for nat in _pages(ec2, "describe_nat_gateways", "NatGateways", Filter=filters):
        if nat.get("State") in ("deleted",):
            continue
        allocation = next((a.get("AllocationId") for a in nat.get("NatGatewayAddresses", [])), None)
        found.add(
            _tag_value(nat.get("Tags")),
            "ec2-nat-gateway",
            nat["NatGatewayId"],
            allocation=allocation,
        )
    for endpoint in _pages(ec2, "describe_vpc_endpoints", "VpcEndpoints", Filters=filters):
        if str(endpoint.get("State", "")).lower() in ("deleted", "deleting"):
            continue
        found.add(
            _tag_value(endpoint.get("Tags")),
            "ec2-vpc-endpoint",
            endpoint["VpcEndpointId"],
            type=endpoint.get("VpcEndpointType"),
            service=endpoint.get("ServiceName", "").rsplit(".", 1)[-1],
            zones=len(endpoint.get("SubnetIds") or []) or None,
        )
    for address in call(ec2, "describe_addresses", Filters=filters)["Addresses"]:
        found.add(_tag_value(address.get("Tags")), "ec2-elastic-ip", address["AllocationId"])
    for template in _pages(ec2, "describe_launch_templates", "LaunchTemplates", Filters=filters):
        found.add(
            _tag_value(template.get("Tags")), "ec2-launch-template", template["LaunchTemplateName"]
        )
    for reservation in _pages(ec2, "describe_instances", "Reservations", Filters=filters):
        for inst in reservation["Instances"]:
            grouped = any(t["Key"] == "aws:autoscaling:groupName" for t in inst.get("Tags", []))
            if inst["State"]["Name"] != "terminated" and not grouped:  # a group owns those
                found.add(_tag_value(inst.get("Tags")), "ec2-instance", inst["InstanceId"])


def _autoscaling(lab: Lab, found: _Found) -> None:
    groups = _pages(
        lab.client("autoscaling"),
        "describe_auto_scaling_groups",
        "AutoScalingGroups",
        Filters=[{"Name": "tag-key", "Values": [TAG_KEY]}],
    )
    for group in groups:
        tags = {t["Key"]: t.get("Value") for t in group.get("Tags", [])}
        if "eks:nodegroup-name" in tags:
            continue  # EKS's own group for a managed nodegroup: deleting the nodegroup does it
        template = (group.get("LaunchTemplate") or {}).get("LaunchTemplateName")
        found.add(
            tags.get(TAG_KEY),
            "ecs-instance-group",
            group["AutoScalingGroupName"],
            template=template,
        )


def _eks(lab: Lab, found: _Found) -> None:
    eks = lab.client("eks")
    for name in _pages(eks, "list_clusters", "clusters"):
        try:
            cluster = call(eks, "describe_cluster", name=name)["cluster"]
        except NotFoundError:
            continue
        lab_id = _tag_value(cluster.get("tags"))
        found.add(lab_id, "eks-cluster", name)
        for group in _pages(eks, "list_nodegroups", "nodegroups", clusterName=name):
            tags = call(eks, "describe_nodegroup", clusterName=name, nodegroupName=group)[
                "nodegroup"
            ].get("tags")
            found.add(_tag_value(tags) or lab_id, "eks-nodegroup", group, cluster=name)
        for profile in _pages(
            eks, "list_fargate_profiles", "fargateProfileNames", clusterName=name
        ):
            tags = call(
                eks, "describe_fargate_profile", clusterName=name, fargateProfileName=profile
            )["fargateProfile"].get("tags")
            found.add(_tag_value(tags) or lab_id, "eks-fargate-profile", profile, cluster=name)


def _ecr(lab: Lab, found: _Found) -> None:
    ecr = lab.client("ecr")
    for repo in _pages(ecr, "describe_repositories", "repositories"):
        tags = call(ecr, "list_tags_for_resource", resourceArn=repo["repositoryArn"])["tags"]
        found.add(_tag_value(tags), "ecr-repository", repo["repositoryName"])


def _iam(lab: Lab, found: _Found) -> None:
    """The lab's roles and instance profiles: named ``awscontainers-<lab id>-...`` and
    tagged (IAM is global, so only those names are read)."""
    iam = lab.client("iam")
    role_labs: dict[str, str] = {}
    for role in _pages(iam, "list_roles", "Roles"):
        name = role["RoleName"]
        if not name.startswith("awscontainers-"):
            continue
        lab_id = _tag_value(call(iam, "list_role_tags", RoleName=name)["Tags"])
        if lab_id is None:
            continue
        role_labs[name] = lab_id
        policies = [
            p["PolicyArn"]
            for p in call(iam, "list_attached_role_policies", RoleName=name)["AttachedPolicies"]
        ]
        inline = call(iam, "list_role_policies", RoleName=name)["PolicyNames"]
        found.add(lab_id, "iam-role", name, policies=policies, inline=inline)
    for profile in _pages(iam, "list_instance_profiles", "InstanceProfiles"):
        name = profile["InstanceProfileName"]
        if not name.startswith("awscontainers-"):
            continue
        role = next((r["RoleName"] for r in profile.get("Roles", [])), None)
        # The profile's own tags, else its role's (a lab names both alike and tags both).
        lab_id = _tag_value(profile.get("Tags")) or role_labs.get(role or "")
        found.add(lab_id, "iam-instance-profile", name, role=role)


def _ecs_services(lab: Lab, found: _Found) -> None:
    """A service's cluster, where the Tagging API's ARN has none (old-format ARNs)."""
    ecs = lab.client("ecs")
    for records in found.records.values():
        for cluster in [r.id for r in records.values() if r.kind == "ecs-cluster"]:
            for arn in _pages(ecs, "list_services", "serviceArns", cluster=cluster):
                record = records.get(("ecs-service", arn))
                if record is not None and not record.info.get("cluster"):
                    record.info["cluster"] = cluster


def _alive(lab: Lab, r: Record) -> bool:
    """Whether a tagged resource still exists: the Tagging API (like AWS's consoles for a
    while) still lists deleted ECS clusters, deregistered task definitions, deleted NAT
    gateways and terminated instances."""
    try:
        if r.kind == "ecs-cluster":
            found = call(lab.client("ecs"), "describe_clusters", clusters=[r.id])["clusters"]
            return bool(found) and found[0].get("status") != "INACTIVE"
        if r.kind == "ecs-task-definition":
            found = call(lab.client("ecs"), "describe_task_definition", taskDefinition=r.id)
            return found["taskDefinition"].get("status") == "ACTIVE"
        if r.kind == "ecs-service":
            found = call(
                lab.client("ecs"),
                "describe_services",
                cluster=r.info.get("cluster", ""),
                services=[r.id],
            )["services"]
            return bool(found) and found[0].get("status") != "INACTIVE"
        if r.kind == "ecs-capacity-provider":
            found = call(
                lab.client("ecs"), "describe_capacity_providers", capacityProviders=[r.id]
            )["capacityProviders"]
            return bool(found) and found[0].get("status") == "ACTIVE"
        if r.kind == "ec2-nat-gateway":
            found = call(lab.client("ec2"), "describe_nat_gateways", NatGatewayIds=[r.id])
            return any(n["State"] != "deleted" for n in found["NatGateways"])
        if r.kind == "ec2-instance":
            found = call(lab.client("ec2"), "describe_instances", InstanceIds=[r.id])
            return any(
                i["State"]["Name"] != "terminated"
                for res in found["Reservations"]
                for i in res["Instances"]
            )
    except NotFoundError:
        return False
    return True


#: Each source of records, in the order asked.
SOURCES: list[Callable[[Any, _Found], None]] = [_tagged, _ec2, _autoscaling, _eks, _ecr, _iam]


def find(lab: Lab, lab_id: str | None = None) -> dict[str, list[Record]]:
    """Every resource tagged by this package in ``lab``'s account and region (of lab
    ``lab_id`` only, when given), as ledger records grouped by lab id."""
    found = _Found(lab_id)
    for source in SOURCES:
        source(lab, found)
    _ecs_services(lab, found)
    left = {
        lab_id: [
            r
            for r in records.values()
            if (r.kind != "ecs-service" or r.info.get("cluster")) and _alive(lab, r)
        ]
        for lab_id, records in sorted(found.records.items())
    }
    return {lab_id: records for lab_id, records in left.items() if records}


def cleanup_lab(lab_id: str, *, profile_name: str | None = None, region: str | None = None) -> Lab:
    """A real-backend ``Lab`` on the caller's own account acting as lab ``lab_id``, for
    deleting what that lab left (it creates nothing)."""
    from .lab import DEFAULT_REGION, Lab

    return Lab(
        backend="aws",
        profile_name=profile_name,
        region=region or DEFAULT_REGION,
        _cleanup=lab_id,
    )


def priced(lab: Lab, records: list[Record]) -> Table:
    """The records with what each costs an hour now (free things show 0)."""
    from .meter import lab_cost

    lab.account.ledger = list(records)
    hourly: dict[tuple[str, str], float] = {}
    for line in lab_cost(lab).lines:
        key = (line.kind, line.id)
        hourly[key] = hourly.get(key, 0.0) + line.hourly
    rows = [
        {
            "lab": lab.lab_id,
            "kind": r.kind,
            "id": r.id,
            "usd_per_hour": round(hourly.get((r.kind, r.id), 0.0), 4),
        }
        for r in records
    ]
    # Fargate tasks are billed in their cluster's name: add them to its row.
    tasks = sum(v for (kind, _), v in hourly.items() if kind == "ecs-task")
    if tasks:
        rows.append(
            {
                "lab": lab.lab_id,
                "kind": "ecs-task",
                "id": "(running Fargate tasks)",
                "usd_per_hour": round(tasks, 4),
            }
        )
    return Table(rows, title=f"Left by lab {lab.lab_id}")


def remove(lab: Lab, records: list[Record]) -> tuple[list[str], list[str]]:
    """Delete ``records`` in dependency order (``lab.teardown()``'s); returns what was
    deleted and the problems met (what is left is found again next time)."""
    from .teardown import teardown

    lab.account.ledger = list(records)
    try:
        return teardown(lab), []
    except LabError as exc:
        done = [f"{r.kind} {r.id}" for r in records if r not in lab.account.ledger]
        return done, [exc.message]


def leftovers(
    *, profile_name: str | None = None, region: str | None = None, lab_id: str | None = None
) -> Table:
    """What labs left in your real account (found from their tags), with what each costs
    an hour; delete them with ``awscontainers teardown --lab LAB_ID`` (or ``--all-mine``)."""
    rows: list[dict] = []
    finder = cleanup_lab("-", profile_name=profile_name, region=region)
    for found_id, records in find(finder, lab_id).items():
        rows += priced(cleanup_lab(found_id, profile_name=profile_name, region=region), records)
    title = "Left in your account by awscontainers labs" if rows else "Nothing left"
    return Table(rows, title=title)
