"""The ECS agent on each EC2 instance: it joins the cluster its user data names (or
``default``), registers the instance's CPU and memory, and leaves when the instance goes.
Also the container-instance API (describe, drain, deregister)."""

from __future__ import annotations

import copy
import json

from ..._aws import call
from ...arns import short_name
from ...errors import InvalidParameterError, ResourceInUseError
from ...moto_state import ec2_backend
from ...rules.capacity import ecs_facts, parse_ecs_config, registered_resources
from ..ec2 import user_data
from ..events import CLUSTER_CREATED
from .records import SimInstance, task_counts
from .services import Services


class Agent(Services):
    """The agents of a lab's instances, and the container instances they registered."""

    def agents_boot(self, instance_ids: list[str]) -> None:
        """Each launched instance boots; where the ECS agent is installed, it registers."""
        instance_ids = self._not_eks_nodes(instance_ids)
        if not instance_ids:
            return
        for inst in self.account.instances(instance_ids):
            self._agent_start(inst)

    def _not_eks_nodes(self, instance_ids: list[str]) -> list[str]:
        """The instances whose AMI is not an EKS node image: on the others no ECS agent
        runs (:meth:`_agent_start` leaves them to the kubelet). In process, the AMI is read
        off moto's instance, so an EKS node group growing costs the ECS side no call."""
        if self.account.backend != "moto" or not instance_ids:
            return instance_ids
        backend = ec2_backend(self.account.account_id, self.account.region)
        keep = []
        for iid in instance_ids:
            try:
                image = backend.get_instance(iid).image_id
            except Exception:  # noqa: BLE001 - unknown here: the describe call will say
                keep.append(iid)
                continue
            if "eks" not in self._image(image).get("Name", ""):
                keep.append(iid)
        return keep

    def _agent_start(self, inst: dict) -> None:
        iid = inst["InstanceId"]
        image = self._image(inst["ImageId"])
        marker = ecs_facts()["ecs_optimized_ami"]["name_marker"]
        if "eks" in image.get("Name", ""):
            return  # an EKS node: nodeadm and the kubelet boot there (sim/eks.py), not ECS
        if marker not in image.get("Name", ""):
            self.agent_log.append(
                f"{iid}: AMI {inst['ImageId']} ({image.get('Name', 'unknown')}) has no ECS agent "
                "and no container runtime: the instance runs but never joins a cluster."
            )
            return
        config = parse_ecs_config(user_data(self.account, iid))
        named = config.get("ECS_CLUSTER")
        cluster = named or ecs_facts()["agent"]["default_cluster"]
        # One describe call, as before: moto draws request ids from its seeded random, so an
        # extra call would change every id the lab prints after it.
        exists = self.cluster_exists(cluster)
        if not exists and named is None:
            # No ECS_CLUSTER: the agent registers into "default" and, when ECS answers
            # ClusterNotFoundException, creates "default" and registers again
            # (amazon-ecs-agent, ecs_client.go RegisterContainerInstance).
            self._create_default_cluster(iid, cluster)
            exists = True
        if not exists:
            # A cluster named in ECS_CLUSTER is never created by the agent: registration
            # fails, the agent exits and ecs-init restarts it until the cluster exists.
            self._pending_agents[iid] = cluster
            self.agent_log.append(
                f"{iid}: ECS agent cannot register: cluster {cluster!r} not found; it keeps "
                "retrying until the cluster exists."
            )
            return
        self._register(inst, cluster, config, image)

    def _create_default_cluster(self, iid: str, name: str) -> None:
        """CreateCluster as the agent calls it: only a name, so no tags (the lab records it
        in its ledger so teardown still deletes it)."""
        arn = call(self.ecs, "create_cluster", clusterName=name)["cluster"]["clusterArn"]
        self.account.record("ecs-cluster", name)
        self.agent_log.append(
            f"{iid}: ECS agent found no ECS_CLUSTER in the user data and no cluster {name!r}: "
            f"it created cluster {name!r} and registers there."
        )
        self.cluster_created(name, arn)

    def cluster_created(self, name: str, arn: str) -> None:
        """ECS created (or re-created) cluster ``name``: it is listed again, and agents
        waiting for it register (they hear ``cluster-created``)."""
        self._deleted_clusters.discard(arn)
        self.account.events.publish(CLUSTER_CREATED, service="ecs", name=name)

    def _register(self, inst: dict, cluster: str, config: dict, image: dict) -> None:
        iid = inst["InstanceId"]
        itype = self.instance_type(inst["InstanceType"])
        cpu, memory = registered_resources(
            itype["VCpuInfo"]["DefaultVCpus"], itype["MemoryInfo"]["SizeInMiB"], config
        )
        gpu_ids = self._gpus_found(iid, itype, config, image)
        doc = {
            "instanceId": iid,
            "instanceType": inst["InstanceType"],
            "availabilityZone": inst["Placement"]["AvailabilityZone"],
            "region": self.account.region,
            "imageId": inst["ImageId"],
            "accountId": self.account.account_id,
        }
        reg = call(
            self.ecs,
            "register_container_instance",
            cluster=cluster,
            instanceIdentityDocument=json.dumps(doc),
        )["containerInstance"]
        arn = reg["containerInstanceArn"]
        self.instance_changes = getattr(self, "instance_changes", 0) + 1
        self._instances[arn] = SimInstance(
            arn=arn,
            instance_id=iid,
            cluster=cluster,
            instance_type=inst["InstanceType"],
            az=inst["Placement"]["AvailabilityZone"],
            ami=inst["ImageId"],
            cpu_total=cpu,
            memory_total=memory,
            registered_at=self.account.now(),
            architecture=image.get("Architecture", "x86_64"),
            gpu_ids=gpu_ids,
            gpu_free=list(gpu_ids),
            capacity_provider=self._provider_of(inst),
        )
        self._pending_agents.pop(iid, None)
        gpus = f", {len(gpu_ids)} GPU(s)" if gpu_ids else ""
        self.agent_log.append(
            f"{iid}: ECS agent registered in cluster {cluster!r} as container instance "
            f"{short_name(arn)} with {cpu} CPU units{gpus} and {memory} MiB."
        )
        self.reconcile(cluster)

    def _provider_of(self, inst: dict) -> str | None:
        """The capacity provider whose Auto Scaling group launched this instance."""
        tags = {t["Key"]: t["Value"] for t in inst.get("Tags", [])}
        group = tags.get("aws:autoscaling:groupName")
        return next((p.name for p in self._capacity_providers.values() if p.group == group), None)

    def _gpus_found(self, iid: str, itype: dict, config: dict, image: dict) -> list[str]:
        """The GPU ids the agent registers: the instance type's NVIDIA GPUs, when the AMI
        has the NVIDIA driver (the ECS GPU-optimized AMI, which also sets
        ``ECS_ENABLE_GPU_SUPPORT=true``); none otherwise."""
        count = sum(g.get("Count", 0) for g in (itype.get("GpuInfo") or {}).get("Gpus", []))
        facts = ecs_facts()["gpu"]
        gpu_ami = facts["ami_name_marker"] in image.get("Name", "")
        if not count:
            return []
        if not gpu_ami:
            asked = config.get(facts["config_key"], "").lower() == "true"
            self.agent_log.append(
                f"{iid}: the instance has {count} NVIDIA GPU(s), but its AMI has no NVIDIA "
                "driver"
                + (
                    ": ECS_ENABLE_GPU_SUPPORT is on, yet the agent finds no GPU information "
                    "and continues without it"
                    if asked
                    else ""
                )
                + "; no GPU is registered (use the ECS GPU-optimized AMI)."
            )
            return []
        # NVML names each GPU by a UUID ("GPU-xxxxxxxx-xxxx-..."); the agent registers those.
        ids = []
        for _ in range(count):
            h = self.account.new_id()
            ids.append(f"GPU-{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
        return ids

    def instances_terminated(self, instance_ids: list[str]) -> None:
        """A terminated instance leaves its cluster; its tasks stop, services replace them."""
        for iid in instance_ids:
            self._pending_agents.pop(iid, None)
            for inst in [i for i in self._instances.values() if i.instance_id == iid]:
                for task_arn in list(inst.tasks):
                    self._stop(
                        task_arn,
                        f"Host EC2 (instance {iid}) terminated.",
                        "TerminationNotice",
                    )
                self._deregister(inst)
                self.reconcile(inst.cluster)

    def empty_cluster(self, cluster: str) -> None:
        """Stop every task and deregister every instance of a cluster (before deleting it)."""
        for task in self.live_tasks(cluster):
            self._stop(task["taskArn"], "Lab teardown.", "UserInitiated")
        for inst in [i for i in self._instances.values() if i.cluster == cluster]:
            self._deregister(inst)

    def _deregister(self, inst: SimInstance) -> None:
        call(
            self.ecs,
            "deregister_container_instance",
            cluster=inst.cluster,
            containerInstance=inst.arn,
            force=True,
        )
        del self._instances[inst.arn]
        self.instance_changes = getattr(self, "instance_changes", 0) + 1

    def container_instance_of(self, instance_id: str) -> SimInstance | None:
        """The container instance EC2 instance ``instance_id`` became, if it joined."""
        return next((i for i in self._instances.values() if i.instance_id == instance_id), None)

    def ec2_instance_id(self, container_instance_arn: str) -> str | None:
        """The EC2 instance behind a container instance (None if it is not registered)."""
        inst = self._instances.get(container_instance_arn)
        return inst.instance_id if inst else None

    # -- container instances, as ECS describes them ------------------------------------------------
    def describe_container_instances(self, records: list[dict]) -> list[dict]:
        """moto's container-instance records with what the agent reports (resources used,
        tasks, attributes); records of instances the simulator does not know stay as they
        are."""
        out = []
        for ci in records:
            inst = self._instances.get(ci["containerInstanceArn"])
            out.append(self.describe_instance(inst, ci) if inst else ci)
        return out

    def describe_instance(self, inst: SimInstance, moto_record: dict | None = None) -> dict:
        """A container instance in ``describe_container_instances``'s shape."""
        record = copy.deepcopy(moto_record) if moto_record else {}
        ports = sorted(str(p) for p in inst.ports)
        running, pending = task_counts([self._tasks[t] for t in inst.tasks])
        record.update(
            {
                "containerInstanceArn": inst.arn,
                "ec2InstanceId": inst.instance_id,
                "status": inst.status,
                "agentConnected": True,
                "runningTasksCount": running,
                "pendingTasksCount": pending,
                "registeredAt": inst.registered_at,
                "registeredResources": _resources(
                    inst.cpu_total, inst.memory_total, [], inst.gpu_ids or None
                ),
                "remainingResources": _resources(
                    inst.cpu_total - inst.cpu_used,
                    inst.memory_total - inst.memory_used,
                    ports,
                    inst.gpu_free if inst.gpu_ids else None,
                ),
                "attributes": [{"name": k, "value": v} for k, v in inst.attributes.items()],
                "versionInfo": {"agentVersion": "1.89.0", "dockerVersion": "DockerVersion: 25.0.8"},
            }
        )
        if inst.capacity_provider:
            record["capacityProviderName"] = inst.capacity_provider
        return record

    def container_instance_rows(self, cluster: str) -> list[dict]:
        rows = []
        for inst in self._instances.values():
            if inst.cluster != cluster:
                continue
            row = {
                "instance": inst.instance_id,
                "type": inst.instance_type,
                "az": inst.az,
                "status": inst.status,
                "cpu": inst.cpu_total,
                "cpu_free": inst.cpu_total - inst.cpu_used,
                "memory": inst.memory_total,
                "memory_free": inst.memory_total - inst.memory_used,
            }
            if inst.gpu_ids:
                row.update(gpus=len(inst.gpu_ids), gpus_free=len(inst.gpu_free))
            row["tasks"] = [self._task_label(t) for t in inst.tasks]
            rows.append(row)
        return rows

    def drain(self, cluster: str, refs: list[str], status: str) -> list[SimInstance]:
        if status not in ("ACTIVE", "DRAINING"):
            raise InvalidParameterError(
                f"Invalid status {status!r}.",
                code="InvalidParameterException",
                hint="use 'DRAINING' to empty an instance or 'ACTIVE' to bring it back.",
            )
        changed = [self.instance(cluster, r) for r in refs]
        for inst in changed:
            inst.status = status
        self.reconcile(cluster)
        return changed

    def deregister_container_instance(self, cluster: str | None, ref: str, force: bool) -> dict:
        """DeregisterContainerInstance: refused while tasks run unless ``force`` (then they
        stop); returns the instance as ECS describes it, now INACTIVE."""
        cluster = self.require_cluster(cluster)
        inst = self.instance(cluster, ref)
        if inst.tasks and not force:
            raise ResourceInUseError(
                f"Container instance {short_name(inst.arn)} still has {len(inst.tasks)} running "
                "tasks.",
                code="InvalidParameterException",
                hint="drain it first (lab.ecs.update_container_instances_state(..., "
                "status='DRAINING')), or pass force=True.",
            )
        for task_arn in list(inst.tasks):
            self._stop(task_arn, "Container instance deregistered.", "ServiceSchedulerInitiated")
        self._deregister(inst)
        self.reconcile(cluster)
        described = self.describe_instance(inst)
        described["status"] = "INACTIVE"
        return described


def _resources(cpu: int, memory: int, ports: list[str], gpus: list[str] | None) -> list[dict]:
    out: list[dict] = [
        {"name": "CPU", "type": "INTEGER", "integerValue": cpu},
        {"name": "MEMORY", "type": "INTEGER", "integerValue": memory},
        {"name": "PORTS", "type": "STRINGSET", "stringSetValue": ports},
        {"name": "PORTS_UDP", "type": "STRINGSET", "stringSetValue": []},
    ]
    if gpus is not None:
        # A GPU instance: the GPU ids the agent registered (or those still free).
        out.append({"name": "GPU", "type": "STRINGSET", "stringSetValue": list(gpus)})
    return out
