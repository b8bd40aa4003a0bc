"""The account a simulator works in: what it may use of the lab, and nothing more.

A simulator gets an :class:`Account` instead of the whole ``Lab``: the clock, seeded ids,
ARNs, boto3 clients on the account, the ledger of what the lab created (for teardown), the
lab's tags, network and roles, and the event bus. ``Lab`` builds one and delegates to it;
a test can build one around any client factory.
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..waits import WaitSettings
from .clock import Clock
from .events import EventBus

if TYPE_CHECKING:
    from ..network import Network

#: The tag on everything a lab creates; its value is the lab's id.
TAG_KEY = "awscontainers:lab"
#: Operations that only read (by their name's first word): they leave the account as it was.
READ_PREFIXES = ("Describe", "List", "Get", "BatchGet")


@dataclass
class Record:
    """Something the lab created, kept so teardown deletes exactly that."""

    kind: str
    id: str
    info: dict = field(default_factory=dict)
    #: When the lab made it (ISO 8601, the lab's clock): the cost meter counts from here.
    since: str = ""


class Account:
    """One lab's account, as the simulators see it.

    ``clients`` makes a boto3 client for a service name (the Lab's, with its hooks);
    ``backend`` is ``moto``, ``server`` or ``aws``."""

    # Wiring of this process (callbacks, the real clock's sleep), not simulator state.
    # Kept beside the state, not state: rebuilt on first use after a snapshot is read back.
    _snapshot_exclude = ("ledger_listeners", "waits", "_ledger_keys", "_reads", "_writes_of")

    def __init__(
        self,
        clients: Callable[[str], Any],
        *,
        region: str,
        account_id: str,
        backend: str = "moto",
        lab_id: str = "lab-7",
        seed: int = 7,
        events: EventBus | None = None,
    ) -> None:
        self._clients = clients
        self.region = region
        self.account_id = account_id
        self.backend = backend
        self.lab_id = lab_id
        self.seed = seed
        self.rng = random.Random(seed)
        self.events = events or EventBus()
        self.clock = Clock(self.events, simulated=backend != "aws")
        self.ledger: list[Record] = []
        #: Called after every change to the ledger (the real backend saves it to a file).
        self.ledger_listeners: list[Callable[[], None]] = []
        #: How long waits on AWS sleep, poll and show themselves (the real backend).
        self.waits = WaitSettings()
        #: How private subnets reach image registries when Fargate runs there on real AWS:
        #: "nat", "endpoints" or "none" (see network.add_private_egress).
        self.private_egress = "nat"
        #: What the private subnets were given ("nat" or "endpoints"), once they were.
        self.egress_added: str | None = None
        self._network: Network | None = None
        self._roles: dict[str, str] = {}
        #: Calls that may have changed the account (the lab's clients count every one that
        #: is not a read); :meth:`read` answers from memory while it stays the same.
        self.writes = 0
        self._writes_of: dict[str, int] = {}  # per operation name
        self._reads: dict[tuple, tuple[int, dict]] = {}

    @property
    def simulated(self) -> bool:
        """True when the data plane is played by the simulator (moto backends)."""
        return self.backend != "aws"

    # -- time and identity -------------------------------------------------------------------
    def now(self) -> _dt.datetime:
        """The lab's clock (see :class:`~awscontainers.sim.clock.Clock`)."""
        return self.clock.now()

    def new_id(self, length: int = 32) -> str:
        """A hex id from the lab's seeded generator (task ids, attachment ids)."""
        return f"{self.rng.getrandbits(length * 4):0{length}x}"

    def arn(self, service: str, resource: str) -> str:
        """An ARN in this account and region."""
        return f"arn:aws:{service}:{self.region}:{self.account_id}:{resource}"

    def client(self, service: str) -> Any:
        """A boto3 client on the account."""
        return self._clients(service)

    def wrote(self, operation: str) -> None:
        """A call named ``operation`` went to the account (the lab's clients tell it)."""
        if not operation.startswith(READ_PREFIXES):
            self.writes += 1
            counts = self.__dict__.setdefault("_writes_of", {})
            counts[operation] = counts.get(operation, 0) + 1

    def read(
        self,
        service: str,
        operation: str,
        /,
        *,
        expire_on: tuple[str, ...] | None = None,
        **params: Any,
    ) -> dict:
        """``client(service).<operation>(**params)`` (a read, errors translated), answered
        from memory when nothing was written to the account since the same read.

        The simulators' controllers read the same records every tick (an Auto Scaling
        group every minute); in the simulated backends nothing changes an account but
        the lab's own calls, so an unchanged write count means an unchanged answer. The
        answer is shared between readers: read it, never change it. On real AWS, every
        read is sent.

        ``expire_on`` narrows what expires the answer to the writes named (say
        ``("DeleteSubnet",)`` for a reader that only asks whether a subnet exists, which a
        new ENI does not change)."""
        from .._aws import call

        if not self.simulated:
            return call(self.client(service), operation, **params)
        key = (service, operation, repr(sorted(params.items())), expire_on)
        stamp = (
            self.writes
            if expire_on is None
            else sum(self.__dict__.setdefault("_writes_of", {}).get(op, 0) for op in expire_on)
        )
        reads = self.__dict__.setdefault("_reads", {})
        kept = reads.get(key)
        if kept is None or kept[0] != stamp:
            if (
                self.backend == "moto"
                and (service, operation) == ("autoscaling", "describe_auto_scaling_groups")
                and list(params) == ["AutoScalingGroupNames"]
                and isinstance(params["AutoScalingGroupNames"], list)
            ):
                answer = self._groups_in_process(params["AutoScalingGroupNames"])
            else:
                answer = call(self.client(service), operation, **params)
            # botocore's ResponseMetadata differs per call; nothing reads it here.
            kept = (stamp, answer)
            reads[key] = kept
        return kept[1]

    def _groups_in_process(self, names: list[str]) -> dict:
        """Auto Scaling groups read off the in-process moto account (see
        :func:`awscontainers.moto_state.describe_groups`): the controllers read their
        groups at every scan, and through the API each read serialises every instance."""
        from .._aws import call
        from ..moto_state import describe_groups

        def fetch(name: str) -> dict:
            found = call(
                self.client("autoscaling"),
                "describe_auto_scaling_groups",
                AutoScalingGroupNames=[name],
            )["AutoScalingGroups"]
            return dict(found[0]) if found else {}

        return describe_groups(self.account_id, self.region, names, fetch)

    def instances(self, ids: list[str]) -> list[dict]:
        """The instances of ``describe_instances(InstanceIds=ids)``, in the API's order
        (errors translated; no ids, no instances). In process they are read off moto's model (see
        :func:`awscontainers.moto_state.describe_instances`): an instance that boots is read
        by its agent or kubelet, and through the API each read serialises every field."""
        from .._aws import call

        if not ids:
            return []  # (the API would answer every instance)
        if self.backend == "moto":
            from ..moto_state import describe_instances

            def fetch(iid: str) -> dict:
                found = call(self.client("ec2"), "describe_instances", InstanceIds=[iid])
                return next((dict(i) for r in found["Reservations"] for i in r["Instances"]), {})

            seen = describe_instances(self.account_id, self.region, list(ids), fetch)
            if seen is not None:
                return seen
        found = call(self.client("ec2"), "describe_instances", InstanceIds=list(ids))
        return [i for r in found["Reservations"] for i in r["Instances"]]

    def instances_launched(self, ids: list[str]) -> None:
        """Instances were launched in the account (by anyone): they go in the ledger, for
        teardown, and the account's subscribers (ECS agents, kubelets) hear of them."""
        from .events import INSTANCES_LAUNCHED

        for iid in ids:
            self.record("ec2-instance", iid)
        self.events.publish(INSTANCES_LAUNCHED, instance_ids=ids)

    # -- tagging and the ledger ---------------------------------------------------------------
    def tags(self, style: str = "Key") -> list[dict]:
        """The lab's tag in the casing each API wants (EC2/ECR/IAM ``Key``, ECS ``key``)."""
        if style == "key":
            return [{"key": TAG_KEY, "value": self.lab_id}]
        return [{"Key": TAG_KEY, "Value": self.lab_id}]

    def tag_map(self) -> dict[str, str]:
        """The lab's tag as EKS and Auto Scaling want it (a name -> value mapping)."""
        return {TAG_KEY: self.lab_id}

    def ec2_tag_spec(self, resource_type: str, name: str | None = None) -> list[dict]:
        """EC2's ``TagSpecifications`` with the lab's tag (and a ``Name`` when given)."""
        tags = self.tags()
        if name:
            tags = [*tags, {"Key": "Name", "Value": name}]
        return [{"ResourceType": resource_type, "Tags": tags}]

    def _in_ledger(self) -> set[tuple[str, str]]:
        """The ledger's (kind, id) pairs, kept beside it (rebuilt if the list was changed
        directly), so recording and forgetting stay quick with thousands of entries."""
        kept = self.__dict__.get("_ledger_keys")
        if kept is None or kept[0] is not self.ledger or len(kept[1]) != len(self.ledger):
            kept = (self.ledger, {(r.kind, r.id) for r in self.ledger})
            self.__dict__["_ledger_keys"] = kept
        return kept[1]

    def record(self, kind: str, id_: str, **info: Any) -> None:
        """Remember something the lab created, for teardown (once per kind and id)."""
        keys = self._in_ledger()
        if (kind, id_) not in keys:
            keys.add((kind, id_))
            # peek: reading the simulated clock would move it.
            when = self.clock.peek() if self.simulated else self.clock.now()
            self.ledger.append(Record(kind, id_, info, when.isoformat()))
            self._ledger_changed()

    def forget(self, kind: str, id_: str) -> None:
        """Drop a ledger entry (the resource is gone)."""
        keys = self._in_ledger()
        if (kind, id_) not in keys:
            return
        keys.discard((kind, id_))
        for i in range(len(self.ledger) - 1, -1, -1):  # the newest entries go soonest
            r = self.ledger[i]
            if r.kind == kind and r.id == id_:
                del self.ledger[i]
                break  # each kind and id is recorded once
        self._ledger_changed()

    def _ledger_changed(self) -> None:
        for listener in self.ledger_listeners:
            listener()

    def created(self, kind: str) -> list[Record]:
        """The ledger's entries of one kind, oldest first."""
        return [r for r in self.ledger if r.kind == kind]

    # -- the lab's network and roles --------------------------------------------------------
    def network(self) -> Network:
        """The lab's VPC with public and private subnets in two AZs, created on first use."""
        if self._network is None:
            from ..network import create_network

            self._network = create_network(self)
        return self._network

    def role_arn(self, purpose: str) -> str:
        """ARN of one of the lab's IAM roles (created on first use)."""
        if purpose not in self._roles:
            from ..network import create_role

            self._roles[purpose] = create_role(self, purpose)
        return self._roles[purpose]

    def instance_profile(self, purpose: str = "ecs-instance") -> str:
        """Name of the instance profile holding the role for ``purpose``."""
        self.role_arn(purpose)
        return f"awscontainers-{self.lab_id}-{purpose}"

    def network_deleted(self) -> None:
        """The VPC is gone (teardown): the next :meth:`network` makes a new one."""
        self._network = None
        self.egress_added = None

    def roles_deleted(self) -> None:
        """The roles are gone (teardown): the next :meth:`role_arn` makes them again."""
        self._roles.clear()
