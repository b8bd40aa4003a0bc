"""What EKS, nodeadm and the kubelet do, played for a moto account.

moto's EKS keeps only records: clusters are ACTIVE at once, nodegroups create no instances,
access entries do not exist, and there is no Kubernetes API. This simulator adds:

- **access entries** and the **aws-auth ConfigMap**, the two ways to authorise a node role;
- **nodeadm + kubelet** on each EC2 instance: the node registers only when the user data's
  ``NodeConfig`` points at this cluster (name, endpoint, CA, service CIDR) and the
  instance's role is authorised; until then the instance runs and no node appears;
- **managed nodegroups**: a launch template and an Auto Scaling group as EKS makes them,
  the node role authorised by EKS itself, nodes labelled as AWS labels them;
- **Fargate profiles**: a pod that matches one gets a node of its own
  (:mod:`awscontainers.sim.kube` does the sizing and the refusals);
- each node's allocatable CPU, memory and pod slots, from the instance type, and its
  NVIDIA GPUs as ``nvidia.com/gpu``.

What the lab simplifies about GPUs: on EKS a GPU node needs the EKS-optimized accelerated
AMI (AL2023 NVIDIA: driver and container toolkit) and, on AL2023, the NVIDIA Kubernetes
device plugin DaemonSet, which is what advertises ``nvidia.com/gpu`` in the node's capacity
and allocatable (Bottlerocket's NVIDIA variant and EKS Auto Mode include the plugin). The lab
has no such AMI in moto and runs no DaemonSet for it: a node of a GPU instance type is
treated as if both were in place, and advertises one ``nvidia.com/gpu`` per physical GPU
from the moment it registers.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from .._aws import call
from ..errors import AlreadyExistsError, InvalidParameterError, NotFoundError
from ..rules.capacity import eks_facts, node_allocatable
from . import kube
from .ec2 import launch, terminate_in_group, user_data
from .events import (
    CLUSTER_CREATED,
    CLUSTER_DELETED,
    GROUP_CHANGED,
    GROUP_DELETED,
    INSTANCES_LAUNCHED,
    INSTANCES_TERMINATED,
)
from .kube.karpenter import AUTO_MODE, built_in_node_pools

if TYPE_CHECKING:
    from .account import Account

#: How EKS's taint effects (the API's enum) appear on Kubernetes nodes.
TAINT_EFFECTS = {
    "NO_SCHEDULE": "NoSchedule",
    "NO_EXECUTE": "NoExecute",
    "PREFER_NO_SCHEDULE": "PreferNoSchedule",
}


def node_config_user_data(name: str, endpoint: str, ca: str, cidr: str) -> str:
    """The MIME multi-part user data an AL2023 node needs: a nodeadm ``NodeConfig``.

    >>> print(node_config_user_data("demo", "https://x.eks", "Q0E=", "172.20.0.0/16"))
    ... # doctest: +ELLIPSIS
    MIME-Version: 1.0
    Content-Type: multipart/mixed; boundary="//"
    <BLANKLINE>
    --//
    Content-Type: application/node.eks.aws
    <BLANKLINE>
    ---
    apiVersion: node.eks.aws/v1alpha1
    kind: NodeConfig
    spec:
      cluster:
        name: demo
    ...
    """
    facts = eks_facts()["nodeadm"]
    return (
        'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="//"\n\n'
        f"--//\nContent-Type: {facts['mime_type']}\n\n"
        f"---\napiVersion: {facts['api_version']}\nkind: {facts['kind']}\nspec:\n"
        f"  cluster:\n    name: {name}\n    apiServerEndpoint: {endpoint}\n"
        f"    certificateAuthority: {ca}\n    cidr: {cidr}\n\n--//--\n"
    )


def parse_node_config(user_data: str | bytes | None) -> dict | None:
    """The ``spec.cluster`` of the NodeConfig in user data (MIME or plain YAML, raw or
    base64), or None when there is none.

    >>> data = node_config_user_data("demo", "https://x", "Q0E=", "10.1.0.0/16")
    >>> config = parse_node_config(data)
    >>> config["name"], config["cidr"]
    ('demo', '10.1.0.0/16')
    """
    if not user_data:
        return None
    text = user_data.decode("utf-8", "replace") if isinstance(user_data, bytes) else user_data
    found = _node_config(text)
    return None if found is None else dict(found)


@functools.lru_cache(maxsize=64)
def _node_config(text: str) -> dict | None:
    """:func:`parse_node_config` of one text, kept: every node of a group boots on the
    same user data (a copy goes out each time)."""
    if "NodeConfig" not in text:
        try:
            text = base64.b64decode(text, validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return None
    facts = eks_facts()["nodeadm"]
    for part in re.split(r"^--\S*\s*$", text, flags=re.M):
        if "NodeConfig" not in part:
            continue
        body = part.split("\n\n", 1)[1] if part.lstrip().startswith("Content-Type") else part
        try:
            docs = [d for d in yaml.safe_load_all(body) if isinstance(d, dict)]
        except (yaml.YAMLError, ValueError, RecursionError):
            continue
        for doc in docs:
            if doc.get("kind") == facts["kind"] and doc.get("apiVersion") == facts["api_version"]:
                return dict((doc.get("spec") or {}).get("cluster") or {})
    return None


def check_compute_config(params: Mapping[str, Any]) -> None:
    """Refuse a ``create_cluster`` whose EKS Auto Mode settings EKS refuses, before anything
    is made: compute, block storage and load balancing are enabled together; the built-in
    NodePools are ``general-purpose`` and ``system``; naming any needs a node role."""
    compute = params.get("computeConfig")
    if compute is None:
        return
    if not isinstance(compute, Mapping):
        raise InvalidParameterError(
            "computeConfig must be a map.",
            code="InvalidParameterException",
            hint="computeConfig={'enabled': True, 'nodePools': ['general-purpose', 'system'], "
            "'nodeRoleArn': lab.role_arn('eks-node')}",
        )
    enabled = bool(compute.get("enabled"))
    storage = bool(((params.get("storageConfig") or {}).get("blockStorage") or {}).get("enabled"))
    network = params.get("kubernetesNetworkConfig") or {}
    balancing = bool((network.get("elasticLoadBalancing") or {}).get("enabled"))
    if not enabled == storage == balancing:
        raise InvalidParameterError(
            "For EKS Auto Mode, computeConfig.enabled, storageConfig.blockStorage.enabled and "
            "kubernetesNetworkConfig.elasticLoadBalancing.enabled must all be true, or all "
            "false.",
            code="InvalidParameterException",
            hint="pass storageConfig={'blockStorage': {'enabled': True}} and "
            "kubernetesNetworkConfig={'elasticLoadBalancing': {'enabled': True}} too.",
        )
    pools = compute.get("nodePools") or []
    unknown = [p for p in pools if p not in AUTO_MODE["built_in_node_pools"]]
    if unknown:
        raise InvalidParameterError(
            f"Unknown built-in node pool(s): {', '.join(map(str, unknown))}.",
            code="InvalidParameterException",
            hint="nodePools may hold 'general-purpose' and 'system'; create your own "
            "NodePool in the cluster for anything else.",
        )
    if pools and not compute.get("nodeRoleArn"):
        raise InvalidParameterError(
            "computeConfig.nodeRoleArn is required when nodePools are given.",
            code="InvalidParameterException",
            hint="computeConfig={..., 'nodeRoleArn': lab.role_arn('eks-node')}",
        )


@dataclass
class SimEksCluster:
    name: str
    arn: str
    version: str
    endpoint: str
    ca: str
    cidr: str
    kube: kube.Cluster
    access_entries: dict[str, dict] = field(default_factory=dict)
    aws_auth_roles: list[dict] = field(default_factory=list)
    fargate_profiles: dict[str, dict] = field(default_factory=dict)
    nodes: dict[str, str] = field(default_factory=dict)  # instance id -> node name
    pending: dict[str, str] = field(default_factory=dict)  # instance id -> why not joined
    nodegroups: dict[str, dict] = field(default_factory=dict)
    compute_config: dict | None = None  # EKS Auto Mode's computeConfig, when given


class FargateProfileMatcher:
    """Which of an EKS cluster's Fargate profiles selects a pod (by namespace and labels,
    profiles in name order), or None: the cluster's ``fargate_matcher``.

    An object rather than a closure, so a snapshot of the simulator can keep it."""

    def __init__(self, eks: EksSimulator, cluster_name: str) -> None:
        self.eks = eks
        self.cluster_name = cluster_name

    def __call__(self, pod: dict) -> str | None:
        cluster = self.eks._clusters.get(self.cluster_name)
        if cluster is None:
            return None
        meta = pod.get("metadata") or {}
        namespace = meta.get("namespace", "default")
        labels = meta.get("labels") or {}
        for name, profile in sorted(cluster.fargate_profiles.items()):
            for selector in profile.get("selectors", []):
                wanted = selector.get("labels") or {}
                if selector.get("namespace") == namespace and all(
                    labels.get(k) == v for k, v in wanted.items()
                ):
                    return name
        return None


class EksSimulator:
    """The EKS data plane of one lab."""

    def __init__(self, account: Account):
        self.account = account
        self._clusters: dict[str, SimEksCluster] = {}
        self.kubelet_log: list[str] = []
        self._types: dict[str, dict] = {}
        self._roles_by_profile: dict[str, str] = {}
        self._groups: dict[str, dict] = {}  # Auto Scaling group -> how its instances launch
        self._group_of: dict[str, str] = {}  # instance id -> its Auto Scaling group
        self.lost_zones: set[str] = set()  # Availability Zones that failed (lab.lose_zone)
        self._holding: list[list[str]] = []  # held_boot blocks, innermost last
        self._node_extras: dict[str, tuple[dict, list]] = {}  # instance id -> labels, taints
        # nodeadm and the kubelet boot on every instance launched in the account; Auto
        # Scaling changes (from any client) add and remove nodes.
        account.events.subscribe(INSTANCES_LAUNCHED, self._on_instances_launched)
        account.events.subscribe(INSTANCES_TERMINATED, self._on_instances_terminated)
        account.events.subscribe(GROUP_CHANGED, self._on_group_changed)
        account.events.subscribe(GROUP_DELETED, self._on_group_deleted)

    def _on_instances_launched(self, instance_ids: list[str]) -> None:
        self.instances_launched(instance_ids)

    def _on_instances_terminated(self, instance_ids: list[str]) -> None:
        self.instances_terminated(instance_ids)

    def _on_group_changed(self, group: str) -> None:
        self.sync_group(group)

    def _on_group_deleted(self, group: str) -> None:
        for cluster in list(self._clusters):
            self.sync_gone(cluster)

    # -- clusters ------------------------------------------------------------------------------
    def cluster_created(self, record: dict) -> SimEksCluster:
        name = record["name"]
        cidr = (record.get("kubernetesNetworkConfig") or {}).get("serviceIpv4Cidr") or eks_facts()[
            "service_ipv4_cidr"
        ]
        sim = SimEksCluster(
            name=name,
            arn=record["arn"],
            version=record.get("version", ""),
            endpoint=record.get("endpoint", ""),
            ca=(record.get("certificateAuthority") or {}).get("data", ""),
            cidr=cidr,
            kube=kube.Cluster(
                fargate_matcher=self._matcher(name),
                seed=self.account.seed,
                fargate_subnets=[
                    (s["CidrBlock"].rsplit(".", 1)[0], s["AvailabilityZone"])
                    for s in self.account.network().private_subnets
                ],
            ),
        )
        compute = record.get("computeConfig")
        if isinstance(compute, dict) and compute.get("enabled"):
            self._auto_mode(sim, compute)
        # The aws-auth ConfigMap is an ordinary object of the cluster; EKS follows it.
        sim.kube.on_change(
            "ConfigMap", "kube-system", "aws-auth", functools.partial(self._aws_auth_changed, sim)
        )
        self._clusters[name] = sim
        self.account.events.publish(CLUSTER_CREATED, service="eks", name=name)
        return sim

    def _auto_mode(self, sim: SimEksCluster, compute: dict) -> None:
        """EKS Auto Mode: AWS runs Karpenter for the cluster (:mod:`.day2.karpenter`), with
        its built-in NodePools in the cluster and its node role allowed to join."""
        sim.compute_config = copy.deepcopy(compute)
        pools = list(compute.get("nodePools") or [])
        if pools:
            sim.kube.apply(built_in_node_pools(pools))
        role = compute.get("nodeRoleArn")
        if role:
            sim.access_entries[role] = {
                "clusterName": sim.name,
                "principalArn": role,
                "kubernetesGroups": [],
                "type": "EC2_LINUX",  # EKS makes an access entry of type EC2 for Auto Mode
                "username": "system:node:{{EC2PrivateDNSName}}",
            }

    def compute_config(self, name: str) -> dict | None:
        """The EKS Auto Mode ``computeConfig`` cluster ``name`` was created with (a copy),
        or None."""
        found = self._clusters.get(name)
        return copy.deepcopy(found.compute_config) if found and found.compute_config else None

    def cluster(self, name: str) -> SimEksCluster:
        if name not in self._clusters:
            raise NotFoundError(
                f"No cluster found for name: {name}.",
                code="ResourceNotFoundException",
                hint=f"create it first: lab.eks.create_cluster(name={name!r}).",
            )
        return self._clusters[name]

    def cluster_deleted(self, name: str) -> None:
        """EKS deleted cluster ``name``: its nodes and Kubernetes objects go with it."""
        if self._clusters.pop(name, None) is not None:
            self.account.events.publish(CLUSTER_DELETED, service="eks", name=name)

    # -- instances and nodes ---------------------------------------------------------------
    def joined(self, cluster: str) -> dict[str, str]:
        """Instance id -> node name, for the instances that became nodes of ``cluster``."""
        state = self._clusters.get(cluster)
        return dict(state.nodes) if state is not None else {}

    def not_joined(self, cluster: str) -> dict[str, str]:
        """Instance id -> why not, for instances meant for ``cluster`` that did not become
        nodes (only the simulator knows; in AWS you read the kubelet's log)."""
        state = self._clusters.get(cluster)
        return dict(sorted(state.pending.items())) if state is not None else {}

    # -- managed nodegroups and Fargate profiles ----------------------------------------------
    def nodegroup_created(
        self,
        cluster: str,
        name: str,
        *,
        asg: str,
        node_role: str,
        capacity_type: str = "ON_DEMAND",
        labels: dict | None = None,
        taints: list[dict] | None = None,
    ) -> None:
        """EKS recorded a managed nodegroup: remember how its nodes are labelled and
        tainted, and authorise its role (EKS adds an EC2_LINUX access entry itself)."""
        state = self.cluster(cluster)
        state.nodegroups[name] = {
            "name": name,
            "asg": asg,
            "capacity_type": capacity_type,
            "labels": dict(labels or {}),
            "taints": [
                {"key": t["key"], "value": t.get("value", ""), "effect": TAINT_EFFECTS[t["effect"]]}
                for t in taints or []
            ],
        }
        if node_role not in state.access_entries:
            self.create_access_entry(
                {"clusterName": cluster, "principalArn": node_role, "type": "EC2_LINUX"}
            )

    def nodegroup(self, cluster: str, name: str) -> dict:
        """What the simulator knows of a managed nodegroup (its ``asg``, ``template``, ...)."""
        return copy.deepcopy(self.cluster(cluster).nodegroups[name])

    def set_nodegroup_template(self, cluster: str, name: str, template: str) -> None:
        """The launch template EKS made for the nodegroup (deleted with it)."""
        self.cluster(cluster).nodegroups[name]["template"] = template

    def nodegroup_deleted(self, cluster: str, name: str) -> dict | None:
        """Forget a managed nodegroup; returns what was known of it (None if nothing)."""
        return self.cluster(cluster).nodegroups.pop(name, None)

    def fargate_profile_created(self, cluster: str, profile: dict) -> None:
        """EKS recorded a Fargate profile: matching pods now get a Fargate node each."""
        self.cluster(cluster).fargate_profiles[profile["fargateProfileName"]] = copy.deepcopy(
            profile
        )

    def fargate_profile_deleted(self, cluster: str, name: str) -> None:
        """Forget a Fargate profile (pods already on Fargate stay)."""
        self.cluster(cluster).fargate_profiles.pop(name, None)

    # -- who may join ------------------------------------------------------------------------
    def create_access_entry(self, params: dict) -> dict:
        cluster = self.cluster(params.get("clusterName", ""))
        principal = params.get("principalArn") or ""
        kind = params.get("type", "STANDARD")
        if kind not in eks_facts()["access_entry_types"]:
            raise InvalidParameterError(
                f"The type {kind} is not valid.",
                code="InvalidParameterException",
                hint="use one of: " + ", ".join(eks_facts()["access_entry_types"]) + ".",
            )
        if not re.match(r"^arn:aws[\w-]*:(iam|sts)::\d{12}:(role|user|assumed-role)/", principal):
            raise InvalidParameterError(
                f"The principalArn {principal!r} is not a valid IAM principal ARN.",
                code="InvalidParameterException",
                hint="pass the role's ARN, e.g. lab.role_arn('eks-node').",
            )
        if principal in cluster.access_entries:
            raise AlreadyExistsError(
                f"The specified access entry resource is already in use on this cluster: "
                f"{principal}.",
                code="ResourceInUseException",
                hint="it exists already; describe_access_entry shows it.",
            )
        if kind.startswith("EC2") and params.get("kubernetesGroups"):
            raise InvalidParameterError(
                f"kubernetesGroups cannot be specified for access entries of type {kind}.",
                code="InvalidParameterException",
                hint="EKS puts nodes in system:nodes itself; leave kubernetesGroups out.",
            )
        now = self.account.now()
        entry = {
            "clusterName": cluster.name,
            "principalArn": principal,
            "kubernetesGroups": list(params.get("kubernetesGroups") or []),
            "accessEntryArn": self.account.arn(
                "eks", f"access-entry/{cluster.name}/role/{principal.rsplit('/', 1)[-1]}"
            ),
            "createdAt": now,
            "modifiedAt": now,
            "tags": dict(params.get("tags") or {}),
            "username": eks_facts()["access_entry_node_usernames"].get(kind)
            or params.get("username", principal),
            "type": kind,
        }
        cluster.access_entries[principal] = entry
        self.retry_pending(cluster)
        return entry

    def describe_access_entry(self, cluster_name: str, principal: str) -> dict:
        """An access entry as ``describe_access_entry`` returns it."""
        entry = self.cluster(cluster_name).access_entries.get(principal)
        if entry is None:
            raise NotFoundError(
                f"The specified principalArn could not be found: {principal}.",
                code="ResourceNotFoundException",
                hint="list_access_entries shows the ones that exist.",
            )
        return copy.deepcopy(entry)

    def list_access_entries(self, cluster_name: str) -> list[str]:
        """The principal ARNs with an access entry, sorted."""
        return sorted(self.cluster(cluster_name).access_entries)

    def delete_access_entry(self, cluster_name: str, principal: str) -> None:
        cluster = self.cluster(cluster_name)
        if principal not in cluster.access_entries:
            raise NotFoundError(
                f"The specified principalArn could not be found: {principal}.",
                code="ResourceNotFoundException",
                hint="list_access_entries shows the ones that exist.",
            )
        del cluster.access_entries[principal]

    def _aws_auth_changed(self, cluster: SimEksCluster, config_map: dict | None) -> None:
        if config_map is None:
            cluster.aws_auth_roles = []  # deleted: no role is mapped any more
        else:
            self.set_aws_auth(cluster, config_map)

    def set_aws_auth(self, cluster: SimEksCluster, config_map: dict) -> None:
        """Read ``mapRoles`` from the aws-auth ConfigMap (the older way to authorise nodes)."""
        text = (config_map.get("data") or {}).get("mapRoles") or "[]"
        try:
            roles = yaml.safe_load(text) or []
        except (yaml.YAMLError, ValueError, RecursionError) as exc:  # ValueError: a 5,000-digit int
            raise InvalidParameterError(
                f"aws-auth mapRoles is not valid YAML: {exc}.",
                hint="mapRoles is a YAML list of {rolearn, username, groups} entries.",
            ) from exc
        if not isinstance(roles, list) or not all(isinstance(r, dict) for r in roles):
            raise InvalidParameterError(
                "aws-auth mapRoles must be a list of entries with rolearn, username, groups.",
                hint="- rolearn: arn:aws:iam::123456789012:role/node\n"
                "  username: system:node:{{EC2PrivateDNSName}}\n"
                "  groups: [system:bootstrappers, system:nodes]",
            )
        cluster.aws_auth_roles = roles
        self.retry_pending(cluster)

    def authorised(self, cluster: SimEksCluster, role_arn: str | None) -> str | None:
        """None when the role may register nodes; else why not."""
        if not role_arn:
            return "the instance has no IAM role (instance profile), so kubelet cannot sign in"
        entry = cluster.access_entries.get(role_arn)
        if entry and entry["type"] == "EC2_LINUX":
            return None
        needed = set(eks_facts()["node_groups"])
        for role in cluster.aws_auth_roles:
            if role.get("rolearn") == role_arn and needed <= set(role.get("groups") or []):
                return None
        return (
            f"Unauthorized: the node role {role_arn} has no access entry of type EC2_LINUX and "
            "no mapRoles entry in the aws-auth ConfigMap"
        )

    # -- nodes joining ---------------------------------------------------------------------
    def instance_type(self, name: str) -> dict:
        if name not in self._types:
            info = call(self.account.client("ec2"), "describe_instance_types", InstanceTypes=[name])
            self._types[name] = info["InstanceTypes"][0]
        return self._types[name]

    def _role_of(self, inst: dict) -> str | None:
        profile_arn = (inst.get("IamInstanceProfile") or {}).get("Arn")
        name = profile_arn.rsplit("/", 1)[-1] if profile_arn else self._template_profile(inst)
        if not name:
            return None
        if name not in self._roles_by_profile:
            try:
                roles = call(
                    self.account.client("iam"), "get_instance_profile", InstanceProfileName=name
                )
            except NotFoundError:
                return None
            found = roles["InstanceProfile"]["Roles"]
            self._roles_by_profile[name] = found[0]["Arn"] if found else ""
        return self._roles_by_profile[name] or None

    def kubelets_boot(self, instances: list[dict]) -> None:
        """Each instance from an EKS-optimized AMI runs nodeadm, then kubelet tries to join."""
        for inst in instances:
            if inst["State"]["Name"] in ("terminated", "shutting-down"):
                continue
            if any(
                inst["InstanceId"] in c.nodes or inst["InstanceId"] in c.pending
                for c in self._clusters.values()
            ):
                continue
            self._kubelet_start(inst)

    def _template_profile(self, inst: dict) -> str | None:
        """moto's Auto Scaling launches instances without the launch template's instance
        profile; read it from the template, as EC2 would have applied it."""
        tags = {t["Key"]: t["Value"] for t in inst.get("Tags", [])}
        group = tags.get("aws:autoscaling:groupName")
        if not group:
            return None
        found = self.account.read(
            "autoscaling", "describe_auto_scaling_groups", AutoScalingGroupNames=[group]
        )["AutoScalingGroups"]
        template = (found[0].get("LaunchTemplate") or {}) if found else {}
        if not template.get("LaunchTemplateName"):
            return None
        versions = self.account.read(
            "ec2",
            "describe_launch_template_versions",
            LaunchTemplateName=template["LaunchTemplateName"],
            Versions=["$Latest"],
        )["LaunchTemplateVersions"]
        data = versions[0]["LaunchTemplateData"] if versions else {}
        profile = data.get("IamInstanceProfile") or {}
        return profile.get("Name") or (profile.get("Arn") or "").rsplit("/", 1)[-1] or None

    def manage_group(
        self,
        group: str,
        *,
        image: str,
        instance_type: str,
        profile: str,
        user_data: str,
        subnets: list[dict],
        security_groups: list[str],
        tags: list[dict],
    ) -> None:
        """Launch the instances of Auto Scaling group ``group`` as its launch template says
        (see :meth:`scale_group`)."""
        self._groups[group] = {
            "image": image,
            "instance_type": instance_type,
            "profile": profile,
            "user_data": user_data,
            "subnets": subnets,
            "security_groups": security_groups,
            "tags": tags,
        }

    def scale_group(self, group: str, desired: int) -> None:
        """Bring an Auto Scaling group to ``desired`` instances, balanced across its
        Availability Zones, as Auto Scaling does (moto would put them all in one subnet)."""
        spec = self._groups[group]
        autoscaling = self.account.client("autoscaling")
        found = self.account.read(
            "autoscaling", "describe_auto_scaling_groups", AutoScalingGroupNames=[group]
        )
        members = [i for g in found["AutoScalingGroups"] for i in g["Instances"]]
        by_zone: dict[str, list[str]] = {s["AvailabilityZone"]: [] for s in spec["subnets"]}
        for inst in members:
            by_zone.setdefault(inst["AvailabilityZone"], []).append(inst["InstanceId"])
        while sum(map(len, by_zone.values())) > desired:
            zone = max(sorted(by_zone), key=lambda z: len(by_zone[z]))
            victim = sorted(by_zone[zone])[-1]
            by_zone[zone].remove(victim)
            terminate_in_group(self.account, victim)
        # New instances go to the group's own zones that still work, fewest first: count
        # them per zone, then launch each zone's in one call and boot them all together.
        usable = sorted({s["AvailabilityZone"] for s in spec["subnets"]} - self.lost_zones)
        per_zone: dict[str, int] = {}
        total = sum(map(len, by_zone.values()))
        while usable and total < desired:
            zone = min(usable, key=lambda z: len(by_zone.get(z, [])) + per_zone.get(z, 0))
            per_zone[zone] = per_zone.get(zone, 0) + 1
            total += 1
        launched: list[str] = []
        with self.held_boot() as held:
            for zone in sorted(per_zone, key=usable.index):
                subnet = next(
                    s["SubnetId"] for s in spec["subnets"] if s["AvailabilityZone"] == zone
                )
                launched.extend(
                    launch(
                        self.account,
                        image=spec["image"],
                        instance_type=spec["instance_type"],
                        count=per_zone[zone],
                        subnet=subnet,
                        profile=spec["profile"],
                        user_data=spec["user_data"],
                        security_groups=spec["security_groups"],
                        tags=spec["tags"],
                    )
                )
            if launched:
                call(
                    autoscaling,
                    "attach_instances",
                    AutoScalingGroupName=group,
                    InstanceIds=launched,
                )
        if held:
            self.instances_launched(list(dict.fromkeys(held)))

    def _kubelet_start(self, inst: dict) -> None:
        iid = inst["InstanceId"]
        config = parse_node_config(user_data(self.account, iid))
        if config is None:
            self.kubelet_log.append(
                f"{iid}: nodeadm found no NodeConfig in the user data; kubelet was not started."
            )
            return
        missing = [k for k in eks_facts()["nodeadm"]["required"] if not config.get(k)]
        if missing:
            self.kubelet_log.append(
                f"{iid}: nodeadm: NodeConfig is missing spec.cluster.{', '.join(missing)}; "
                "kubelet was not started."
            )
            return
        cluster = self._clusters.get(str(config["name"]))
        if cluster is None:
            self.kubelet_log.append(
                f"{iid}: kubelet cannot find cluster {config['name']!r}: no such EKS cluster."
            )
            return
        why: str | None
        if config["apiServerEndpoint"] != cluster.endpoint:
            why = (
                f"cannot reach the API server at {config['apiServerEndpoint']} "
                "(not this cluster's endpoint)"
            )
        elif config["certificateAuthority"] != cluster.ca:
            why = "x509: certificate signed by unknown authority (the CA is not this cluster's)"
        elif config["cidr"] != cluster.cidr:
            why = f"service CIDR {config['cidr']} does not match the cluster's {cluster.cidr}"
        else:
            why = self.authorised(cluster, self._role_of(inst))
        if why:
            cluster.pending[iid] = why
            self.kubelet_log.append(
                f"{iid}: kubelet could not register with {cluster.name}: {why}."
            )
            return
        self._register(cluster, inst)

    def _register(self, cluster: SimEksCluster, inst: dict) -> None:
        iid = inst["InstanceId"]
        cpu, memory, pods, gpus = self.node_shape(inst["InstanceType"])
        name = inst.get("PrivateDnsName") or f"ip-{iid}.ec2.internal"
        tags = {t["Key"]: t["Value"] for t in inst.get("Tags", [])}
        labels, taints = self.node_labels(
            cluster, inst["InstanceType"], tags.get("eks:nodegroup-name", "")
        )
        labels["kubernetes.io/hostname"] = name
        labels["topology.kubernetes.io/zone"] = inst["Placement"]["AvailabilityZone"]
        given = self._node_extras.pop(iid, None)
        if given is not None:  # what the launcher (Karpenter) told the kubelet to register
            labels.update(given[0])
            taints = taints + list(given[1])
        cluster.kube.add_node(
            name,
            cpu_millis=cpu,
            memory_bytes=memory,
            max_pods=pods,
            labels=labels,
            taints=taints,
            gpus=gpus,
        )
        cluster.nodes[iid] = name
        cluster.pending.pop(iid, None)
        extra = f", {gpus} nvidia.com/gpu" if gpus else ""
        self.kubelet_log.append(
            f"{iid}: kubelet registered node {name} in {cluster.name} "
            f"({cpu}m CPU, {memory // 2**20} MiB, {pods} pods{extra} allocatable)."
        )

    def node_labels(
        self, cluster: SimEksCluster, instance_type: str, nodegroup: str = ""
    ) -> tuple[dict[str, str], list[dict]]:
        """The labels (but the host name and zone) and taints a node of ``instance_type``
        registers with, in ``nodegroup`` if it is a managed nodegroup's: what a node
        template (an autoscaler's "would a new node take this pod?") is made of."""
        itype = self.instance_type(instance_type)
        arch = itype.get("ProcessorInfo", {}).get("SupportedArchitectures", ["x86_64"])[0]
        labels = {
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "arm64" if "arm" in arch else "amd64",
            "node.kubernetes.io/instance-type": instance_type,
            "topology.kubernetes.io/region": self.account.region,
        }
        taints: list[dict] = []
        group = cluster.nodegroups.get(nodegroup)
        if group:
            labels["eks.amazonaws.com/nodegroup"] = group["name"]
            labels["eks.amazonaws.com/capacityType"] = group["capacity_type"]
            labels.update(group["labels"])
            taints = list(group["taints"])
        return labels, taints

    def node_shape(self, instance_type: str) -> tuple[int, int, int, int]:
        """Allocatable CPU millicores, memory bytes, pod slots and NVIDIA GPUs of a node of
        ``instance_type`` (what its kubelet registers)."""
        itype = self.instance_type(instance_type)
        network = itype["NetworkInfo"]
        pods = kube.max_pods(
            network["MaximumNetworkInterfaces"], network["Ipv4AddressesPerInterface"]
        )
        cpu, memory = node_allocatable(
            itype["VCpuInfo"]["DefaultVCpus"], itype["MemoryInfo"]["SizeInMiB"], pods
        )
        gpus = sum(
            g.get("Count", 0)
            for g in (itype.get("GpuInfo") or {}).get("Gpus", [])
            if g.get("Manufacturer") == "NVIDIA"
        )
        return cpu, memory, pods, gpus

    # -- launches whose kubelet joins later ----------------------------------------------
    @contextlib.contextmanager
    def held_boot(self) -> Iterator[list[str]]:
        """Instances launched inside this block do not boot yet: their ids are collected in
        the list it yields, and each joins when :meth:`boot` is called for it (Karpenter's
        nodes join after a launch delay, on the day-2 clock)."""
        held: list[str] = []
        self._holding.append(held)
        try:
            yield held
        finally:
            self._holding.remove(held)

    def boot(
        self, instance_id: str, labels: dict[str, str] | None = None, taints: list | None = None
    ) -> None:
        """Boot a held instance now; its node registers with these extra labels and taints
        (the kubelet flags a launcher such as Karpenter writes into the user data)."""
        self._node_extras[instance_id] = (dict(labels or {}), list(taints or []))
        self.instances_launched([instance_id])

    def retry_pending(self, cluster: SimEksCluster) -> None:
        """Kubelets keep retrying; after an authorisation change they may now get in."""
        if not cluster.pending:
            return
        reservations = call(
            self.account.client("ec2"), "describe_instances", InstanceIds=list(cluster.pending)
        )["Reservations"]
        for reservation in reservations:
            for inst in reservation["Instances"]:
                if inst["State"]["Name"] == "running":
                    cluster.pending.pop(inst["InstanceId"], None)
                    self._kubelet_start(inst)

    def instances_launched(self, instance_ids: list[str]) -> None:
        if self._holding:
            self._holding[-1].extend(instance_ids)
            return
        if not instance_ids or not self._clusters:
            return
        self.kubelets_boot(self.account.instances(instance_ids))

    def instances_terminated(self, instance_ids: list[str]) -> None:
        for cluster in self._clusters.values():
            for iid in instance_ids:
                self._node_extras.pop(iid, None)
                cluster.pending.pop(iid, None)
                name = cluster.nodes.pop(iid, None)
                if name:
                    cluster.kube.remove_node(name)
                    self.kubelet_log.append(f"{iid}: instance terminated; node {name} removed.")

    def sync_group(self, asg_name: str) -> None:
        """Join new instances of an Auto Scaling group, drop the ones that went away."""
        found = self.account.read(
            "autoscaling", "describe_auto_scaling_groups", AutoScalingGroupNames=[asg_name]
        )["AutoScalingGroups"]
        current = {i["InstanceId"] for g in found for i in g["Instances"]}
        for cluster in self._clusters.values():
            gone = [
                iid
                for iid in list(cluster.nodes) + list(cluster.pending)
                if iid not in current and self._group_of.get(iid) == asg_name
            ]
            if gone:
                self.instances_terminated(gone)
        for iid in current:
            self._group_of[iid] = asg_name
        # Only the new ones boot a kubelet (the others are nodes, or joining, already).
        joined = {iid for c in self._clusters.values() for iid in (*c.nodes, *c.pending)}
        new = sorted(current - joined)
        if new:
            self.instances_launched(new)

    # -- Fargate ---------------------------------------------------------------------------------
    def summary(self) -> dict[str, int]:
        """What the EKS data plane runs, in counts (the room's census shows them)."""
        clusters = list(self._clusters.values())
        return {
            "nodes": sum(len(c.kube._nodes) for c in clusters),
            "pods": sum(len(c.kube._pods) for c in clusters),
        }

    def _matcher(self, cluster_name: str) -> kube.FargateMatcher:
        return FargateProfileMatcher(self, cluster_name)

    def sync_gone(self, cluster_name: str) -> None:
        """Drop the nodes whose instances are no longer running."""
        cluster = self._clusters.get(cluster_name)
        if cluster is None or not (cluster.nodes or cluster.pending):
            return
        ids = list(cluster.nodes) + list(cluster.pending)
        reservations = call(self.account.client("ec2"), "describe_instances", InstanceIds=ids)
        running = {
            i["InstanceId"]
            for r in reservations["Reservations"]
            for i in r["Instances"]
            if i["State"]["Name"] == "running"
        }
        gone = [iid for iid in ids if iid not in running]
        if gone:
            self.instances_terminated(gone)
