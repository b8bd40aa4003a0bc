"""``lab.eks``: boto3's EKS client, with the nodes and pods the simulator plays.

>>> from awscontainers import Lab
>>> lab = Lab()
>>> lab.eks.create_cluster(name="demo")["cluster"]["version"]
'1.35'
>>> _ = lab.eks.create_nodegroup(clusterName="demo", nodegroupName="ng",
...     scalingConfig={"minSize": 1, "desiredSize": 2, "maxSize": 3})
>>> len(lab.kube("demo").get("Node")["items"])
2
>>> lab.close()
"""

from __future__ import annotations

import base64
import copy
import datetime
from typing import TYPE_CHECKING, Any

from ._aws import ServiceClient, call
from .costs import load_prices
from .errors import (
    AlreadyExistsError,
    InvalidParameterError,
    NotFoundError,
    UnsupportedError,
    check_type,
)
from .meter import control_plane_hourly, instance_hourly
from .rules import eks_versions
from .rules.capacity import eks_facts
from .sim.account import TAG_KEY
from .sim.eks import TAINT_EFFECTS, check_compute_config, node_config_user_data
from .tables import Table
from .waits import wait_for

if TYPE_CHECKING:
    from .sim.eks import EksSimulator

DEFAULT_INSTANCE_TYPE = "t3.medium"


def supported_versions(on: datetime.date) -> list[str]:
    """Kubernetes versions EKS offers for a new cluster on the day ``on``, standard support
    first (from the dated version calendar in ``data/eks.yaml``).

    >>> supported_versions(datetime.date(2026, 11, 30))
    ['1.36', '1.35', '1.34', '1.33', '1.32']
    """
    offered = eks_versions.versions_on(on)
    return [*offered["standard"], *offered["extended"]]


class EksClient(ServiceClient):
    """boto3-shaped EKS, plus lab helpers: :meth:`launch_self_managed_nodes`,
    :meth:`node_config`, :meth:`control_plane`, :meth:`kubelet_log`."""

    service_name = "eks"
    filled_by_lab = {
        "create_cluster": frozenset({"roleArn", "resourcesVpcConfig"}),
        "create_nodegroup": frozenset({"nodeRole", "subnets"}),
        "create_fargate_profile": frozenset({"podExecutionRoleArn"}),
    }

    @property
    def _sim(self) -> EksSimulator | None:
        return self._lab.eks_sim

    # -- control plane -----------------------------------------------------------------------
    def create_cluster(self, **params: Any) -> dict:
        """boto3 ``create_cluster``. The IAM role and a VPC with subnets in two AZs are filled
        in when omitted; the Kubernetes version must be one EKS supports today."""
        version = str(params.get("version") or eks_facts()["versions"]["default"])
        today = self._lab.clock.today()
        if version not in supported_versions(today):
            # EKS's own refusal, judged on the lab's date: past extended support, not yet
            # released, or not a version at all.
            raise InvalidParameterError(
                f"unsupported Kubernetes version {version}",
                code="InvalidParameterException",
                hint="use one of " + ", ".join(supported_versions(today)) + " on "
                f"{today} (the first ones have standard support; the last ones cost more, "
                "in extended support).",
            )
        if not params.get("name"):
            raise InvalidParameterError(
                "name is required.", code="ParamValidationError", hint="pass name='demo'."
            )
        params["version"] = version
        params.setdefault("roleArn", self._lab.role_arn("eks-cluster"))
        if not params.get("resourcesVpcConfig"):
            network = self._lab.network()
            params["resourcesVpcConfig"] = {
                "subnetIds": network.subnet_ids + network.private_subnet_ids,
                "securityGroupIds": [network.security_group_id],
            }
        if self._lab.simulated:
            params.setdefault(
                "kubernetesNetworkConfig", {"serviceIpv4Cidr": eks_facts()["service_ipv4_cidr"]}
            )
        params["tags"] = {**(params.get("tags") or {}), TAG_KEY: self._lab.lab_id}
        check_compute_config(params)
        self._lab.check_budget(
            control_plane_hourly(version, today), f"the EKS control plane {params['name']!r}"
        )
        response = self._call("create_cluster", **params)
        cluster = response["cluster"]
        self._lab.record("eks-cluster", cluster["name"])
        if self._sim:
            if params.get("computeConfig") and "computeConfig" not in cluster:
                # moto keeps no EKS Auto Mode settings; the simulator plays them.
                cluster["computeConfig"] = copy.deepcopy(params["computeConfig"])
            self._sim.cluster_created(cluster)
        else:
            self._wait(
                "cluster_active",
                f"cluster {cluster['name']}",
                f"wait again with lab.wait('eks', 'cluster_active', name={cluster['name']!r})",
                name=cluster["name"],
            )
        return response

    def _wait(self, waiter: str, what: str, again: str, **params: Any) -> dict:
        """Wait on real AWS with progress (see :mod:`awscontainers.waits`)."""
        return wait_for(
            self._raw,
            waiter,
            what=what,
            resume=f"{again}; or delete what the lab made with lab.teardown() (from a new "
            f"kernel: awscontainers teardown --lab {self._lab.lab_id}).",
            settings=self._lab.waits,
            **params,
        )

    def describe_cluster(self, **params: Any) -> dict:
        """boto3 ``describe_cluster``; in the simulation it also shows the EKS Auto Mode
        ``computeConfig`` the cluster was created with (moto keeps none)."""
        response = self._call("describe_cluster", **params)
        if self._sim:
            compute = self._sim.compute_config(response["cluster"]["name"])
            if compute and "computeConfig" not in response["cluster"]:
                response["cluster"]["computeConfig"] = compute
        return response

    def delete_cluster(self, **params: Any) -> dict:
        """boto3 ``delete_cluster``; on real AWS it waits (with progress) until the cluster
        is gone, and the ledger keeps it until then."""
        response = self._call("delete_cluster", **params)
        name = params.get("name", "")
        if not self._sim:
            self._wait(
                "cluster_deleted",
                f"cluster {name}",
                f"wait again with lab.wait('eks', 'cluster_deleted', name={name!r})",
                name=name,
            )
        self._lab.forget("eks-cluster", name)
        if self._sim:
            self._sim.cluster_deleted(params.get("name", ""))
        return response

    def control_plane(self, name: str) -> Table:
        """What you get and pay for with the control plane of cluster ``name``."""
        cluster = self._call("describe_cluster", name=name)["cluster"]
        facts = eks_facts()
        today = self._lab.clock.today()
        extended = eks_versions.support_status(cluster["version"], today) == "extended"
        price = eks_versions.control_plane_hourly(cluster["version"], today)
        dates = eks_versions.calendar()[cluster["version"]]
        ends = dates.end_of_extended_support if extended else dates.end_of_standard_support
        support = "extended support" if extended else "standard support"
        rows = [
            {
                "item": "Kubernetes version",
                "value": f"{cluster['version']} ({support}" + (f" until {ends})" if ends else ")"),
            },
            {"item": "API server endpoint", "value": cluster["endpoint"]},
            {
                "item": "runs in",
                "value": f"AWS's account, replicated across "
                f"{facts['control_plane']['availability_zones']} Availability Zones",
            },
            {
                "item": "price",
                "value": f"{price:.2f} USD per hour = {price * 730:.2f} USD per "
                "month (730 h), whether or not anything runs on it",
            },
            {"item": "status", "value": cluster["status"]},
        ]
        return Table(rows, title=f"EKS control plane of {name}")

    # -- access ------------------------------------------------------------------------------
    def create_access_entry(self, **params: Any) -> dict:
        """boto3 ``create_access_entry``; type ``EC2_LINUX`` lets a node role's kubelets
        register (moto lacks access entries; the simulator keeps them)."""
        if not self._sim:
            return self._call("create_access_entry", **params)
        return {"accessEntry": copy.deepcopy(self._sim.create_access_entry(params))}

    def describe_access_entry(self, **params: Any) -> dict:
        if not self._sim:
            return self._call("describe_access_entry", **params)
        entry = self._sim.describe_access_entry(
            params.get("clusterName", ""), params.get("principalArn", "")
        )
        return {"accessEntry": entry}

    def list_access_entries(self, **params: Any) -> dict:
        if not self._sim:
            return self._call("list_access_entries", **params)
        return {"accessEntries": self._sim.list_access_entries(params.get("clusterName", ""))}

    def delete_access_entry(self, **params: Any) -> dict:
        if not self._sim:
            return self._call("delete_access_entry", **params)
        self._sim.delete_access_entry(params.get("clusterName", ""), params.get("principalArn", ""))
        return {}

    # -- self-managed nodes (eks-ec2) ------------------------------------------------------------
    def node_config(self, cluster: str) -> str:
        """The nodeadm ``NodeConfig`` user data for ``cluster`` (name, endpoint, CA, CIDR)."""
        info = self._call("describe_cluster", name=cluster)["cluster"]
        cidr = (info.get("kubernetesNetworkConfig") or {}).get("serviceIpv4Cidr") or eks_facts()[
            "service_ipv4_cidr"
        ]
        return node_config_user_data(
            info["name"], info["endpoint"], info["certificateAuthority"]["data"], cidr
        )

    def eks_optimized_ami(self, version: str) -> str:
        """The EKS-optimized AL2023 AMI for ``version`` (from SSM, as AWS documents; moto has
        no such parameter, so the simulation falls back to moto's EKS node image)."""
        released = self._lab.day2.patching.recommended("eks") if self._lab.day2 else None
        if released:
            return released  # a release the learner triggered (lab.release_ami("eks"))
        name = eks_facts()["ami"]["ssm_parameter"].format(version=version)
        try:
            return call(self._lab.client("ssm"), "get_parameter", Name=name)["Parameter"]["Value"]
        except NotFoundError:
            if not self._lab.simulated:
                raise
        images = call(
            self._lab.client("ec2"),
            "describe_images",
            Owners=["amazon"],
            Filters=[{"Name": "name", "Values": ["amazon-eks-node*"]}],
        )["Images"]
        return sorted(images, key=lambda i: i["Name"])[-1]["ImageId"]

    def launch_self_managed_nodes(
        self,
        cluster: str,
        count: int = 2,
        instance_type: str = DEFAULT_INSTANCE_TYPE,
        *,
        name: str | None = None,
        user_data: str | None = None,
    ) -> Table:
        """Launch your own nodes: a launch template (EKS-optimized AMI, the lab's node role,
        nodeadm ``NodeConfig`` user data) and an Auto Scaling group across two AZs.

        The node role is NOT authorised for you: until you add an access entry of type
        ``EC2_LINUX`` (or an aws-auth ``mapRoles`` entry) the instances run and no node
        appears, as in AWS."""
        _check_node_count(count, "count")
        check_type(cluster, str, "cluster", "pass the EKS cluster's name, cluster='demo'.")
        check_type(instance_type, str, "instance_type", "pass instance_type='t3.medium'.")
        check_type(name, (str, type(None)), "name", "pass name='my-nodes', or leave it out.")
        check_type(user_data, (str, type(None)), "user_data", "pass the user data as text.")
        info = self._call("describe_cluster", name=cluster)["cluster"]
        self._check_instance_type(instance_type)
        group = name or f"{cluster}-self-managed"
        if any(r.id == group for r in self._lab.created("eks-self-managed")):
            raise AlreadyExistsError(
                f"The Auto Scaling group {group!r} already exists.",
                code="AlreadyExists",
                hint=f"scale it with lab.eks.scale_self_managed_nodes({cluster!r}, desired=...), "
                "or pass name=... for a second group.",
            )
        self._lab.check_budget(
            lambda: count * instance_hourly(load_prices(), instance_type),
            f"{count} self-managed {instance_type} nodes",
        )
        image = self.eks_optimized_ami(info["version"])
        template = self._launch_template(
            group, image, instance_type, user_data or self.node_config(cluster)
        )
        self._lab.record("eks-self-managed", group, cluster=cluster, template=template)
        self._create_group(
            group,
            template,
            image=image,
            instance_type=instance_type,
            user_data=user_data or self.node_config(cluster),
            subnets=self._lab.network().public_subnets,
            sizes=(0, count, max(count, 1) * 2),
            tags={f"kubernetes.io/cluster/{cluster}": "owned", "Name": group},
        )
        return self.group_instances(cluster, group)

    def group_instances(self, cluster: str, group: str) -> Table:
        """The instances of an Auto Scaling group and whether each became a node."""
        check_type(cluster, str, "cluster", "pass the EKS cluster's name, cluster='demo'.")
        check_type(group, str, "group", "pass the Auto Scaling group's name.")
        found = call(
            self._lab.client("autoscaling"),
            "describe_auto_scaling_groups",
            AutoScalingGroupNames=[group],
        )["AutoScalingGroups"]
        nodes = self._sim.joined(cluster) if self._sim else {}
        pending = self._sim.not_joined(cluster) if self._sim else {}
        rows = []
        for g in found:
            for inst in sorted(g["Instances"], key=lambda i: i["InstanceId"]):
                iid = inst["InstanceId"]
                rows.append(
                    {
                        "instance": iid,
                        "type": inst.get("InstanceType"),
                        "az": inst.get("AvailabilityZone"),
                        "node": nodes.get(iid),
                        "why not": pending.get(iid),
                    }
                )
        return Table(rows, title=f"Instances of {group}")

    def scale_self_managed_nodes(
        self, cluster: str, desired: int, name: str | None = None
    ) -> Table:
        """Scaling self-managed nodes is yours: set the Auto Scaling group's capacity."""
        _check_node_count(desired, "desired")
        check_type(cluster, str, "cluster", "pass the EKS cluster's name, cluster='demo'.")
        check_type(name, (str, type(None)), "name", "pass the group's name, or leave it out.")
        group = name or f"{cluster}-self-managed"
        self._resize_group(group, (0, desired, max(desired, 1) * 2))
        return self.group_instances(cluster, group)

    def _create_group(
        self,
        group: str,
        template: str,
        *,
        image: str,
        instance_type: str,
        user_data: str,
        subnets: list[dict],
        sizes: tuple[int, int, int],
        tags: dict[str, str],
    ) -> None:
        """An Auto Scaling group from the launch template; in the simulation its instances
        are launched balanced across AZs by :meth:`EksSimulator.scale_group`."""
        low, want, high = sizes
        tags = {**tags, TAG_KEY: self._lab.lab_id}
        call(
            self._lab.client("autoscaling"),
            "create_auto_scaling_group",
            AutoScalingGroupName=group,
            LaunchTemplate={"LaunchTemplateName": template, "Version": "$Latest"},
            MinSize=0 if self._sim else low,
            MaxSize=high,
            DesiredCapacity=0 if self._sim else want,
            VPCZoneIdentifier=",".join(s["SubnetId"] for s in subnets),
            Tags=[{"Key": k, "Value": v, "PropagateAtLaunch": True} for k, v in tags.items()],
        )
        if self._sim:
            self._sim.manage_group(
                group,
                image=image,
                instance_type=instance_type,
                profile=self._lab.instance_profile("eks-node"),
                user_data=user_data,
                subnets=subnets,
                security_groups=[self._lab.network().security_group_id],
                tags=[{"Key": k, "Value": v} for k, v in tags.items()],
            )
            self._sim.scale_group(group, want)

    def _resize_group(self, group: str, sizes: tuple[int, int, int]) -> None:
        low, want, high = sizes
        call(
            self._lab.client("autoscaling"),
            "update_auto_scaling_group",
            AutoScalingGroupName=group,
            MinSize=low,
            MaxSize=high,
            **({} if self._sim else {"DesiredCapacity": want}),
        )
        if self._sim:
            self._sim.scale_group(group, want)

    def delete_self_managed_nodes(self, cluster: str, name: str | None = None) -> None:
        """Delete a self-managed node group: its Auto Scaling group (terminating the
        instances) and its launch template; the nodes leave the cluster."""
        group = name or f"{cluster}-self-managed"
        record = next((r for r in self._lab.created("eks-self-managed") if r.id == group), None)
        template = record.info.get("template") if record else f"{group}-lt"
        self._delete_group(group, template)
        if self._sim:
            self._sim.sync_gone(cluster)
        self._lab.forget("eks-self-managed", group)

    def _delete_group(self, asg: str, template: str | None) -> None:
        autoscaling = self._lab.client("autoscaling")
        try:
            call(
                autoscaling, "delete_auto_scaling_group", AutoScalingGroupName=asg, ForceDelete=True
            )
        except (NotFoundError, InvalidParameterError):
            pass
        if template:
            try:
                call(self._lab.client("ec2"), "delete_launch_template", LaunchTemplateName=template)
            except (NotFoundError, InvalidParameterError):
                pass

    def _check_instance_type(self, instance_type: str) -> None:
        try:
            call(self._lab.client("ec2"), "describe_instance_types", InstanceTypes=[instance_type])
        except InvalidParameterError as exc:
            raise InvalidParameterError(
                f"{instance_type!r} is not an EC2 instance type.",
                code="InvalidParameterException",
                hint="use a name such as 't3.medium', 'm5.large' or 'c5.xlarge'.",
            ) from exc

    def _launch_template(self, name: str, image: str, instance_type: str, user_data: str) -> str:
        template = f"{name}-lt"
        call(
            self._lab.client("ec2"),
            "create_launch_template",
            LaunchTemplateName=template,
            LaunchTemplateData={
                "ImageId": image,
                "InstanceType": instance_type,
                "IamInstanceProfile": {"Name": self._lab.instance_profile("eks-node")},
                "UserData": base64.b64encode(user_data.encode()).decode(),
                "SecurityGroupIds": [self._lab.network().security_group_id],
            },
            TagSpecifications=self._lab.ec2_tag_spec("launch-template"),
        )
        return template

    # -- managed nodegroups (eks-nodegroup) ----------------------------------------------------
    def create_nodegroup(self, **params: Any) -> dict:
        """boto3 ``create_nodegroup``. EKS makes the launch template, the Auto Scaling group
        and the instances, authorises the node role, and the nodes join by themselves."""
        cluster = params.get("clusterName", "")
        scaling = dict(
            params.get("scalingConfig") or {"minSize": 1, "maxSize": 2, "desiredSize": 2}
        )
        _check_scaling(scaling)
        params["scalingConfig"] = scaling
        types = params.setdefault("instanceTypes", [DEFAULT_INSTANCE_TYPE])
        if not types:
            raise InvalidParameterError(
                "instanceTypes must name at least one instance type.",
                code="InvalidParameterException",
                hint="pass instanceTypes=['t3.medium'], or leave it out for the default.",
            )
        for t in types:
            self._check_instance_type(t)
        _check_taints(params.get("taints"))
        self._lab.check_budget(
            lambda: int(scaling.get("desiredSize", 0)) * instance_hourly(load_prices(), types[0]),
            f"the nodegroup {params.get('nodegroupName')!r} ({scaling.get('desiredSize')} x "
            f"{types[0]})",
        )
        params.setdefault("nodeRole", self._lab.role_arn("eks-node"))
        params.setdefault("subnets", self._lab.network().subnet_ids)
        params["tags"] = {**(params.get("tags") or {}), TAG_KEY: self._lab.lab_id}
        if self._sim:
            self._sim.cluster(cluster)
        if self._sim and self._lab.day2 is not None and params.get("updateConfig"):
            # Checked before anything is made; moto keeps no updateConfig, the lab does.
            self._lab.day2.patching.set_update_config(
                cluster, params.get("nodegroupName", ""), params["updateConfig"]
            )
        response = self._call("create_nodegroup", **params)
        group = response["nodegroup"]
        self._lab.record("eks-nodegroup", group["nodegroupName"], cluster=cluster)
        if not self._sim:
            name = group["nodegroupName"]
            self._wait(
                "nodegroup_active",
                f"nodegroup {name} of {cluster}",
                f"wait again with lab.wait('eks', 'nodegroup_active', clusterName={cluster!r}, "
                f"nodegroupName={name!r})",
                clusterName=cluster,
                nodegroupName=name,
            )
            return response
        asg = group["resources"]["autoScalingGroups"][0]["name"]
        self._sim.nodegroup_created(
            cluster,
            group["nodegroupName"],
            asg=asg,
            node_role=params["nodeRole"],
            capacity_type=params.get("capacityType", "ON_DEMAND"),
            labels=params.get("labels"),
            taints=params.get("taints"),
        )
        info = self._call("describe_cluster", name=cluster)["cluster"]
        template = self._launch_template(
            asg, self.eks_optimized_ami(info["version"]), types[0], self.node_config(cluster)
        )
        self._sim.set_nodegroup_template(cluster, group["nodegroupName"], template)
        network = self._lab.network()
        self._create_group(
            asg,
            template,
            image=self.eks_optimized_ami(info["version"]),
            instance_type=types[0],
            user_data=self.node_config(cluster),
            subnets=[
                s
                for s in network.public_subnets + network.private_subnets
                if s["SubnetId"] in params["subnets"]
            ],
            sizes=(scaling["minSize"], scaling["desiredSize"], scaling["maxSize"]),
            tags={
                "eks:cluster-name": cluster,
                "eks:nodegroup-name": group["nodegroupName"],
                f"kubernetes.io/cluster/{cluster}": "owned",
            },
        )
        return response

    def update_nodegroup_config(self, **params: Any) -> dict:
        """boto3 ``update_nodegroup_config``: scaling a managed nodegroup is one call."""
        if "scalingConfig" in params:
            current = self._call(
                "describe_nodegroup",
                clusterName=params.get("clusterName", ""),
                nodegroupName=params.get("nodegroupName", ""),
            )["nodegroup"]["scalingConfig"]
            merged = {**current, **params["scalingConfig"]}
            _check_scaling(merged)
        response = self._call("update_nodegroup_config", **params)
        if self._sim and "scalingConfig" in params:
            group = self._sim.nodegroup(params["clusterName"], params["nodegroupName"])
            self._resize_group(
                group["asg"], (merged["minSize"], merged["desiredSize"], merged["maxSize"])
            )
        return response

    def update_nodegroup_version(self, **params: Any) -> dict:
        """boto3 ``update_nodegroup_version``: you start it, EKS rolls the nodes onto the
        newest EKS-optimized AMI as simulated time passes (surge, cordon, drain respecting
        PodDisruptionBudgets, at most ``updateConfig.maxUnavailable`` at a time; a drain
        blocked for 15 min fails it unless ``force=True``). Follow it with
        ``describe_update``."""
        if not self._sim or self._lab.day2 is None:
            return self._call("update_nodegroup_version", **params)
        cluster, name = params["clusterName"], params["nodegroupName"]
        self._sim.cluster(cluster)
        config = (
            self._call("describe_nodegroup", clusterName=cluster, nodegroupName=name)[
                "nodegroup"
            ].get("updateConfig")
            or self._lab.day2.patching.update_configs.get((cluster, name))
            or {}
        )
        update = self._lab.day2.patching.update_nodegroup(
            cluster,
            name,
            max_unavailable=config.get("maxUnavailable"),
            max_unavailable_percentage=config.get("maxUnavailablePercentage"),
            force=bool(params.get("force", False)),
            when=self._lab.account.clock.peek(),
        )
        return {"update": update}

    def describe_update(self, **params: Any) -> dict:
        """boto3 ``describe_update``: a nodegroup version update's status and errors."""
        if not self._sim or self._lab.day2 is None:
            return self._call("describe_update", **params)
        # moto has no updates: the lab answers for the nodegroup updates it runs.
        update = self._lab.day2.patching.describe_update(
            params["updateId"], params["name"], params.get("nodegroupName")
        )
        return {"update": update}

    def delete_nodegroup(self, **params: Any) -> dict:
        cluster, name = params.get("clusterName", ""), params.get("nodegroupName", "")
        if self._sim:
            group = self._sim.nodegroup_deleted(cluster, name)
            if group:
                self._delete_group(group["asg"], group.get("template"))
                self._sim.sync_gone(cluster)
        response = self._call("delete_nodegroup", **params)
        if not self._sim:
            self._wait(
                "nodegroup_deleted",
                f"nodegroup {name} of {cluster}",
                f"wait again with lab.wait('eks', 'nodegroup_deleted', clusterName={cluster!r}, "
                f"nodegroupName={name!r})",
                clusterName=cluster,
                nodegroupName=name,
            )
        self._lab.forget("eks-nodegroup", name)
        return response

    # -- Fargate profiles (eks-fargate) --------------------------------------------------------
    def create_fargate_profile(self, **params: Any) -> dict:
        """boto3 ``create_fargate_profile``: pods matching a selector (namespace plus
        labels; at most five selectors) run on Fargate, one node each. Private subnets only;
        the lab fills in its private subnets and the pod execution role."""
        selectors = params.get("selectors") or []
        limit = eks_facts()["fargate_profile"]["max_selectors"]
        if not selectors or len(selectors) > limit:
            raise InvalidParameterError(
                f"A Fargate profile needs 1 to {limit} selectors, not {len(selectors)}.",
                code="InvalidParameterException",
                hint="selectors=[{'namespace': 'default', 'labels': {'compute': 'fargate'}}]",
            )
        for s in selectors:
            if not s.get("namespace"):
                raise InvalidParameterError(
                    "Each Fargate profile selector needs a namespace.",
                    code="InvalidParameterException",
                    hint="add 'namespace': 'default' (labels are optional).",
                )
        network = self._lab.network()
        subnets = params.setdefault("subnets", network.private_subnet_ids)
        public = [s for s in subnets if s in network.subnet_ids]
        if public:
            raise InvalidParameterError(
                f"Subnet {public[0]} provided in Fargate Profile is not a private subnet.",
                code="InvalidParameterException",
                hint="Fargate pods need private subnets: use lab.network().private_subnet_ids.",
            )
        params.setdefault("podExecutionRoleArn", self._lab.role_arn("eks-fargate-pod"))
        params["tags"] = {**(params.get("tags") or {}), TAG_KEY: self._lab.lab_id}
        if not self._sim:
            # Fargate pods run in private subnets only: on real AWS they need a way to pull.
            self._lab.ensure_private_egress("Fargate pods on EKS run in private subnets")
        response = self._call("create_fargate_profile", **params)
        profile = response["fargateProfile"]
        cluster = params["clusterName"]
        self._lab.record("eks-fargate-profile", profile["fargateProfileName"], cluster=cluster)
        if self._sim:
            self._sim.fargate_profile_created(cluster, profile)
        else:
            name = profile["fargateProfileName"]
            self._wait(
                "fargate_profile_active",
                f"Fargate profile {name} of {cluster}",
                f"wait again with lab.wait('eks', 'fargate_profile_active', "
                f"clusterName={cluster!r}, fargateProfileName={name!r})",
                clusterName=cluster,
                fargateProfileName=name,
            )
        return response

    def delete_fargate_profile(self, **params: Any) -> dict:
        """boto3 ``delete_fargate_profile``; on real AWS it waits (with progress) until the
        profile is gone: EKS deletes one at a time and refuses the cluster until then."""
        response = self._call("delete_fargate_profile", **params)
        cluster, name = params.get("clusterName", ""), params.get("fargateProfileName", "")
        if not self._sim:
            self._wait(
                "fargate_profile_deleted",
                f"Fargate profile {name} of {cluster}",
                f"wait again with lab.wait('eks', 'fargate_profile_deleted', "
                f"clusterName={cluster!r}, fargateProfileName={name!r})",
                clusterName=cluster,
                fargateProfileName=name,
            )
        self._lab.forget("eks-fargate-profile", name)
        if self._sim:
            self._sim.fargate_profile_deleted(
                params.get("clusterName", ""), params.get("fargateProfileName", "")
            )
        return response

    def allow_cluster_autoscaler(self, cluster: str, role: str | None = None) -> dict:
        """The Cluster Autoscaler's AWS side: let it call Auto Scaling
        (``autoscaling:SetDesiredCapacity``, ``TerminateInstanceInAutoScalingGroup`` and the
        ``Describe*`` calls) as ``role`` (the node role unless you name an IRSA or Pod
        Identity role). Returns the policy given; the lab records it for the simulated
        Cluster Autoscaler rather than writing it to IAM."""
        check_type(cluster, str, "cluster", "pass the EKS cluster's name, cluster='demo'.")
        check_type(role, (str, type(None)), "role", "pass a role ARN, or leave it out.")
        if not self._sim:
            raise UnsupportedError(
                "allow_cluster_autoscaler records the permission for the simulation only.",
                hint="on AWS, attach the policy this returns in a Lab() to the role of the "
                "cluster-autoscaler service account (IRSA or EKS Pod Identity).",
            )
        from .rules.data import load_packaged
        from .sim.day2 import cluster_autoscaler

        sim = self._sim.cluster(cluster)
        role = role or self._lab.role_arn("eks-node")
        cluster_autoscaler.permit(sim.kube, role)
        actions = load_packaged("day2.yaml")["cluster_autoscaler"]["iam_actions"]
        return {
            "role": role,
            "policy": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
            },
        }

    def allow_karpenter(
        self, cluster: str, role: str | None = None, node_role: str | None = None
    ) -> dict:
        """Karpenter's AWS side: let its controller call EC2 (``CreateFleet``,
        ``RunInstances``, ``TerminateInstances``, ``Describe*``, ``iam:PassRole``, ...) as
        ``role`` (an IRSA or Pod Identity role; the node role unless named), and give the
        nodes' role (``node_role``, the lab's node role by default) an ``EC2_LINUX`` access
        entry so the nodes it launches may join. Returns the policy, and the node role's
        name to put in your EC2NodeClass's ``spec.role``."""
        check_type(cluster, str, "cluster", "pass the EKS cluster's name, cluster='demo'.")
        check_type(role, (str, type(None)), "role", "pass a role ARN, or leave it out.")
        check_type(node_role, (str, type(None)), "node_role", "pass a role ARN, or leave it out.")
        if not self._sim:
            raise UnsupportedError(
                "allow_karpenter records the permission for the simulation only.",
                hint="on AWS, follow Karpenter's getting-started CloudFormation: the "
                "KarpenterControllerPolicy on the controller's role, and an access entry of "
                "type EC2_LINUX for the KarpenterNodeRole.",
            )
        from .rules.data import load_packaged
        from .sim.day2 import karpenter

        sim = self._sim.cluster(cluster)
        node_role = node_role or self._lab.role_arn("eks-node")
        role = role or node_role
        karpenter.permit(sim.kube, role)
        if node_role not in sim.access_entries:
            self._sim.create_access_entry(
                {"clusterName": cluster, "principalArn": node_role, "type": "EC2_LINUX"}
            )
        actions = load_packaged("day2.yaml")["karpenter"]["iam_actions"]
        return {
            "role": role,
            "node_role": node_role,
            "node_role_name": node_role.rsplit("/", 1)[-1],
            "policy": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
            },
        }

    def kubelet_log(self) -> list[str]:
        """What the simulated nodeadm and kubelets did (joined, or why not)."""
        return list(self._sim.kubelet_log) if self._sim else []


#: The most instances one self-managed group may have in the lab (the lab's own limit: a
#: simulated account has no EC2 quota to stop a runaway loop).
SELF_MANAGED_MAX_NODES = 50


def _check_node_count(count: Any, what: str) -> None:
    if (
        isinstance(count, bool)
        or not isinstance(count, int)
        or not 0 <= count <= SELF_MANAGED_MAX_NODES
    ):
        raise InvalidParameterError(
            f"{what} must be a whole number from 0 to {SELF_MANAGED_MAX_NODES}, not {count!r} "
            "(the lab's limit for a self-managed group).",
            code="InvalidParameterException",
            hint="a lab seldom needs more than 10 nodes.",
        )


def _check_taints(taints: Any) -> None:
    """Refuse taints EKS refuses, in EKS's own validation wording, before anything is made."""
    if taints is None:
        return
    for n, taint in enumerate(taints, start=1):
        effect = taint.get("effect")
        if effect not in TAINT_EFFECTS:
            raise InvalidParameterError(
                f"1 validation error detected: Value {effect!r} at 'taints.{n}.member.effect' "
                "failed to satisfy constraint: Member must satisfy enum value set: "
                f"[{', '.join(TAINT_EFFECTS)}]",
                code="InvalidParameterException",
                hint="use effect='NO_SCHEDULE', 'NO_EXECUTE' or 'PREFER_NO_SCHEDULE' (EKS's "
                "names for Kubernetes' NoSchedule, NoExecute and PreferNoSchedule).",
            )
        if not taint.get("key"):
            raise InvalidParameterError(
                f"Taint {n} needs a key.",
                code="InvalidParameterException",
                hint="taints=[{'key': 'gpu', 'value': 'true', 'effect': 'NO_SCHEDULE'}]",
            )


def _check_scaling(scaling: dict) -> None:
    if any(isinstance(scaling.get(k), bool) for k in ("minSize", "desiredSize", "maxSize")):
        scaling = {}  # True is not a size: refused below like any other non-number
    try:
        low, want, high = (int(scaling[k]) for k in ("minSize", "desiredSize", "maxSize"))
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidParameterError(
            "scalingConfig needs whole numbers minSize, desiredSize and maxSize.",
            code="InvalidParameterException",
            hint="scalingConfig={'minSize': 1, 'desiredSize': 2, 'maxSize': 3}",
        ) from exc
    limit = eks_facts()["managed_nodegroup"]["max_nodes"]
    if high > limit:
        raise InvalidParameterError(
            f"maxSize {high} is above the quota of {limit} nodes per managed node group.",
            code="InvalidParameterException",
            hint=f"keep maxSize at {limit} or below (EKS's default quota, the lab's limit), "
            "or spread the nodes over several nodegroups.",
        )
    if low < 0 or high < 1 or not low <= want <= high:
        raise InvalidParameterError(
            f"Invalid scalingConfig: minSize {low}, desiredSize {want}, maxSize {high}: need "
            "0 <= minSize <= desiredSize <= maxSize and maxSize >= 1.",
            code="InvalidParameterException",
            hint="for example minSize=1, desiredSize=2, maxSize=3.",
        )
