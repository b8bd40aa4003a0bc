"""The Lab: one AWS account to learn in, on moto (default), a moto server, or real AWS.

>>> from awscontainers import Lab
>>> lab = Lab()                       # isolated, in-process, no credentials needed
>>> lab.ecs.create_cluster(clusterName="demo")["cluster"]["status"]
'ACTIVE'
>>> lab.close()
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import random
import threading
import time
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from ._aws import call
from .errors import ConfirmationRequiredError, InvalidParameterError, LabError, UnsupportedError
from .network import Network
from .sim.account import TAG_KEY, Account, Record
from .sim.clock import EPOCH, Clock
from .sim.events import (
    CLUSTER_DELETED,
    GROUP_CHANGED,
    GROUP_DELETED,
    INSTANCES_LAUNCHED,
    INSTANCES_TERMINATED,
    EventBus,
)

if TYPE_CHECKING:
    from .autoscaling_apps import ApplicationAutoScalingClient
    from .cloudwatch import CloudWatchClient
    from .ecr import EcrClient
    from .ecs import EcsClient
    from .eks import EksClient
    from .kube import KubeClient
    from .sim.day2 import Day2
    from .sim.ecs import EcsSimulator
    from .sim.eks import EksSimulator
    from .tables import Table

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
CONFIRM_ENV = "AWSCONTAINERS_CONFIRM_ACCOUNT"
# A real-AWS Kubernetes client signs in with a token that lasts 15 minutes: renew before.
_KUBE_TOKEN_SECONDS = 10 * 60

_SERVICES = ("ec2", "ecs", "ecr", "eks", "iam", "autoscaling", "ssm", "sts")


class _InProcessMoto:
    """One ``mock_aws`` for the whole process, shared by every in-process Lab.

    Labs are kept apart by account id (moto reads the ``x-moto-account-id`` header), and an
    account is wiped when its Lab opens so each Lab starts empty."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._mock: Any = None
        self.accounts_in_use: set[str] = set()

    def acquire(self, account_id: str | None, seed: int) -> str:
        with self._lock:
            if self._mock is None:
                from moto import mock_aws
                from moto.moto_api import state_manager

                self._mock = mock_aws()
                self._mock.start()
                # Keep moto's own ECS tasks RUNNING until stopped (a plain boto3 client sees
                # them too); the Lab's simulator owns the data plane either way.
                state_manager.set_transition(
                    model_name="ecs::task", transition={"progression": "manual", "times": 10**9}
                )
            if account_id is None:
                account_id = DEFAULT_ACCOUNT_ID
                n = int(DEFAULT_ACCOUNT_ID)
                while account_id in self.accounts_in_use:
                    n += 1
                    account_id = f"{n:012d}"
            elif account_id in self.accounts_in_use:
                raise LabError(
                    f"Another open Lab already uses account {account_id}.",
                    hint="close it first (lab.close()), or leave account_id out to get a free one.",
                )
            self.accounts_in_use.add(account_id)
            _reset_account(account_id)
            from moto.moto_api._internal import mock_random

            mock_random.seed(seed)
            return account_id

    def release(self, account_id: str) -> None:
        with self._lock:
            self.accounts_in_use.discard(account_id)
            _reset_account(account_id)


def _reset_account(account_id: str) -> None:
    from moto.core.base_backend import BackendDict

    for backend in list(BackendDict._instances):  # type: ignore[misc]
        if account_id in backend:
            backend[account_id].reset()


_IN_PROCESS = _InProcessMoto()


def _remember_group(params: dict, context: dict, **_: Any) -> None:
    if "AutoScalingGroupName" in params:
        context["awscontainers_group"] = params["AutoScalingGroupName"]


def _refuse_network(request: Any, **_: Any) -> None:
    from moto.core.models import botocore_stubber

    from .errors import BackendError

    if botocore_stubber.enabled:
        return  # moto answers this request in-process
    raise BackendError(
        f"Refused to send {request.method} {request.url}: an in-process Lab never leaves "
        "this process.",
        hint="this is a bug in awscontainers (moto was not intercepting); please report it.",
    )


def learner_account_id(learner: str) -> str:
    """A stable 12-digit account id for a learner's name, so a shared moto server keeps each
    learner in an account of their own.

    >>> learner_account_id("alice") == learner_account_id("alice")
    True
    """
    digest = hashlib.sha256(learner.encode()).hexdigest()
    return f"{int(digest, 16) % 10**11 + 2 * 10**11:012d}"


class Lab:
    """An AWS account for learning, with ECR, ECS and EKS behind boto3-shaped clients.

    - ``Lab()``: an isolated in-process moto account (us-east-1, account 123456789012).
      Nothing leaves the process; no credentials are read.
    - ``Lab(endpoint_url="http://127.0.0.1:5000", learner="alice")``: a shared moto server;
      each learner gets an account of their own.
    - ``Lab(backend="aws", confirm="<your 12-digit account id>")``: a real account. Refused
      without ``confirm`` (or the ``AWSCONTAINERS_CONFIRM_ACCOUNT`` variable) matching the
      account the credentials belong to. Everything created is tagged ``awscontainers:lab``
      and ``lab.teardown()`` deletes it.

    Under the facade, ``lab.account`` (:class:`~awscontainers.sim.account.Account`) holds
    the clock, ids, ARNs, the ledger, the network and roles, and ``lab.events`` (an
    :class:`~awscontainers.sim.events.EventBus`) tells subscribers what happened in the
    account; the simulators get the account, never the Lab.
    """

    def __init__(
        self,
        backend: str | None = None,
        *,
        endpoint_url: str | None = None,
        region: str = DEFAULT_REGION,
        account_id: str | None = None,
        learner: str | None = None,
        seed: int = 7,
        confirm: str | None = None,
        profile_name: str | None = None,
        name: str = "lab",
    ):
        if backend is None:
            backend = "server" if endpoint_url else "moto"
        if backend not in ("moto", "server", "aws"):
            raise InvalidParameterError(
                f"Unknown backend {backend!r}.",
                hint="use 'moto' (default, in-process), 'server' (with endpoint_url=...) or "
                "'aws' (a real account, with confirm=...).",
            )
        if backend == "server" and not endpoint_url:
            raise InvalidParameterError(
                "The 'server' backend needs endpoint_url.",
                hint="pass endpoint_url='http://127.0.0.1:5000' (start one with "
                "`awscontainers server`).",
            )
        if backend != "server" and endpoint_url:
            raise InvalidParameterError(
                f"endpoint_url is only for the moto server backend, not {backend!r}.",
                hint="drop endpoint_url, or use backend='server'.",
            )
        self.backend = backend
        self.region = region
        self.endpoint_url = endpoint_url
        self.name = name
        self.seed = seed
        self._clients: dict[str, Any] = {}
        self._services: dict[str, Any] = {}
        self._kube: dict[str, tuple[KubeClient, float]] = {}
        self._closed = False
        self.lab_id = f"{name}-{seed}"

        if backend == "aws":
            self._session = self._confirmed_session(confirm, profile_name, region)
            self.account_id = self._session_account
            self._config = Config(retries={"max_attempts": 5, "mode": "standard"})
        else:
            if backend == "moto":
                # moto must be active before the session exists: it hooks botocore's
                # built-in handlers, which a session copies when it is created.
                self.account_id = _IN_PROCESS.acquire(account_id, seed)
            # Fixed fake credentials: a simulated Lab never reads the user's real ones.
            self._session = boto3.Session(
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                aws_session_token="testing",
                region_name=region,
            )
            if backend == "moto":
                self._config = Config(retries={"total_max_attempts": 1})
            else:
                self.account_id = account_id or (
                    learner_account_id(learner) if learner else DEFAULT_ACCOUNT_ID
                )
                # A moto server answers its own bugs with HTTP 500; boto3 would retry them.
                self._config = Config(retries={"total_max_attempts": 1})
                self._check_server()
        self.account = Account(
            self.client,
            region=region,
            account_id=self.account_id,
            backend=backend,
            lab_id=self.lab_id,
            seed=seed,
            events=EventBus(),
        )
        # A deleted EKS cluster's Kubernetes client goes with it (a new one of the same name
        # is another cluster).
        self.events.subscribe(CLUSTER_DELETED, self._forget_kube)
        self.ecs_sim: EcsSimulator | None = None
        self.eks_sim: EksSimulator | None = None
        if backend != "aws":
            # The simulators subscribe to the account's events in their constructors.
            from .sim.ecs import EcsSimulator
            from .sim.eks import EksSimulator

            self.ecs_sim = EcsSimulator(self.account)
            self.eks_sim = EksSimulator(self.account)
        # Day 2: loads, metrics and autoscalers, driven by the clock (the simulation only).
        self.day2: Day2 | None = None
        if backend != "aws":
            from .sim.day2 import Day2

            self.day2 = Day2(self.account, self.ecs_sim, self.eks_sim)

    # -- backends ---------------------------------------------------------------------------
    def _confirmed_session(self, confirm: str | None, profile: str | None, region: str) -> Any:
        confirm = confirm or os.environ.get(CONFIRM_ENV)
        if not confirm:
            raise ConfirmationRequiredError(
                "The real-AWS backend creates resources that cost money in a real account, "
                "so it needs your explicit confirmation.",
                hint="pass confirm='<your 12-digit account id>' (or set "
                f"{CONFIRM_ENV}); or use Lab() to learn with no account at all.",
            )
        if not (len(confirm) == 12 and confirm.isdigit()):
            raise ConfirmationRequiredError(
                f"confirm={confirm!r} is not a 12-digit AWS account id.",
                hint="pass the id of the account you mean to use, as `aws sts "
                "get-caller-identity` prints it.",
            )
        session = boto3.Session(profile_name=profile, region_name=region)
        identity = call(session.client("sts"), "get_caller_identity")
        if identity["Account"] != confirm:
            raise ConfirmationRequiredError(
                f"Your credentials belong to account {identity['Account']}, not {confirm}.",
                hint="pick the profile for the account you confirmed, or confirm that account.",
            )
        self._session_account = identity["Account"]
        return session

    def _check_server(self) -> None:
        import urllib.error
        import urllib.request

        from .server import post

        url = self.endpoint_url or ""  # the server backend always has one
        try:
            urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=5).read(1)
            # Deterministic ids, and moto's own ECS tasks kept RUNNING, as in-process.
            post(url, f"/moto-api/seed?a={self.seed}")
            post(
                url,
                "/moto-api/state-manager/set-transition",
                {
                    "model_name": "ecs::task",
                    "transition": {"progression": "manual", "times": 10**9},
                },
            )
        except (urllib.error.URLError, OSError) as exc:
            from .errors import BackendError

            raise BackendError(
                f"No moto server answers at {self.endpoint_url} ({exc}).",
                hint="start one with `awscontainers server --port 5000` (or "
                "awscontainers.server.start_server()), or use Lab() in-process.",
            ) from exc

    @property
    def simulated(self) -> bool:
        """True when the data plane is played by the simulator (moto backends)."""
        return self.backend != "aws"

    def describe_backend(self) -> str:
        where = {
            "moto": "moto, in-process (nothing leaves this process)",
            "server": f"moto server at {self.endpoint_url}",
            "aws": "REAL AWS",
        }[self.backend]
        return f"{where}, account {self.account_id}, {self.region}"

    def __repr__(self) -> str:
        return f"<Lab {self.describe_backend()}>"

    def client(self, service: str) -> Any:
        """A plain boto3 client on the lab's account (errors are boto3's own here)."""
        self._ensure_open()
        if service not in self._clients:
            kwargs: dict[str, Any] = {"config": self._config}
            if self.endpoint_url:
                kwargs["endpoint_url"] = self.endpoint_url
            client = self._session.client(service, **kwargs)
            if self.backend != "aws":
                account = self.account_id

                def add_account_header(request: Any, **_: Any) -> None:
                    request.headers["x-moto-account-id"] = account

                client.meta.events.register("before-sign", add_account_header)
                if self.backend == "moto":
                    # If moto were ever not intercepting, refuse rather than let a request
                    # leave the process.
                    client.meta.events.register("before-send", _refuse_network)
                if service == "autoscaling":
                    # Auto Scaling launches and terminates instances inside moto; the
                    # kubelets on them boot when a group changes.
                    client.meta.events.register(
                        "provide-client-params.autoscaling.*", _remember_group
                    )
                    client.meta.events.register("after-call.autoscaling.*", self._on_group_changed)
                if service == "ec2":
                    # The simulated ECS agent boots on every instance launched in the lab,
                    # however it was launched, as the real agent would.
                    client.meta.events.register(
                        "after-call.ec2.RunInstances", self._on_instances_launched
                    )
                    client.meta.events.register(
                        "after-call.ec2.TerminateInstances", self._on_instances_terminated
                    )
            self._clients[service] = client
        return self._clients[service]

    # boto3's after-call hooks tell the account's subscribers what happened, whoever called.
    def _on_instances_launched(self, parsed: dict, **_: Any) -> None:
        if "Instances" in parsed:
            ids = [i["InstanceId"] for i in parsed["Instances"]]
            for iid in ids:
                self.record("ec2-instance", iid)
            self.events.publish(INSTANCES_LAUNCHED, instance_ids=ids)

    def _on_instances_terminated(self, parsed: dict, **_: Any) -> None:
        ids = [i["InstanceId"] for i in parsed.get("TerminatingInstances", [])]
        self.events.publish(INSTANCES_TERMINATED, instance_ids=ids)

    def _on_group_changed(self, parsed: dict, context: dict, event_name: str, **_: Any) -> None:
        group = context.get("awscontainers_group")
        if not group or "Error" in parsed:
            return
        if event_name.endswith("DeleteAutoScalingGroup"):
            self.events.publish(GROUP_DELETED, group=group)
        elif not event_name.endswith(".DescribeAutoScalingGroups"):
            self.events.publish(GROUP_CHANGED, group=group)

    # -- the service clients ---------------------------------------------------------------
    @property
    def ecr(self) -> EcrClient:
        """boto3-shaped ECR client, plus ``push_image`` and lifecycle helpers."""
        if "ecr" not in self._services:
            from .ecr import EcrClient

            self._services["ecr"] = EcrClient(self)
        return self._services["ecr"]

    @property
    def ecs(self) -> EcsClient:
        """boto3-shaped ECS client, plus ``launch_instances`` and ``container_instances``."""
        if "ecs" not in self._services:
            from .ecs import EcsClient

            self._services["ecs"] = EcsClient(self)
        return self._services["ecs"]

    @property
    def eks(self) -> EksClient:
        """boto3-shaped EKS client, plus ``launch_self_managed_nodes`` and ``node_config``."""
        if "eks" not in self._services:
            from .eks import EksClient

            self._services["eks"] = EksClient(self)
        return self._services["eks"]

    @property
    def cloudwatch(self) -> CloudWatchClient:
        """boto3-shaped CloudWatch client: ``get_metric_statistics`` (day 2)."""
        if "cloudwatch" not in self._services:
            from .cloudwatch import CloudWatchClient

            self._services["cloudwatch"] = CloudWatchClient(self)
        return self._services["cloudwatch"]

    @property
    def application_autoscaling(self) -> ApplicationAutoScalingClient:
        """boto3-shaped Application Auto Scaling client: ECS Service Auto Scaling (day 2)."""
        if "application-autoscaling" not in self._services:
            from .autoscaling_apps import ApplicationAutoScalingClient

            self._services["application-autoscaling"] = ApplicationAutoScalingClient(self)
        return self._services["application-autoscaling"]

    def run(self, until: Any, step: _dt.timedelta = _dt.timedelta(seconds=15)) -> Table:
        """Move simulated time on to ``until`` (a datetime, or a timedelta from now) in
        ``step``s while the day-2 controllers act; returns the timeline rows it added."""
        return self._day2().run(until, step)

    def timeline(self) -> Table:
        """Per-step rows for every loaded service and Deployment (see :meth:`run`)."""
        return self._day2().timeline()

    def timeline_events(self) -> Table:
        """ECS service events, Kubernetes events and scaling activities, with their times."""
        return self._day2().timeline_events()

    def _day2(self) -> Day2:
        if self.day2 is None:
            raise UnsupportedError(
                "Simulated time runs only in the simulation.",
                hint="in real AWS, wait for the time to pass and read CloudWatch.",
            )
        return self.day2

    def kube(self, cluster: str) -> KubeClient:
        """A small Kubernetes API for EKS cluster ``cluster``: ``apply``, ``get``,
        ``delete``, ``events`` (the official client with an EKS token in real AWS).

        The same client comes back for the same cluster (in real AWS, until its token is
        due for renewal)."""
        from .kube import KubeClient

        cached = self._kube.get(cluster)
        if cached is not None and (
            self.simulated or time.monotonic() - cached[1] < _KUBE_TOKEN_SECONDS
        ):
            return cached[0]
        client = KubeClient(self, cluster)
        self._kube[cluster] = (client, time.monotonic())
        return client

    def _forget_kube(self, service: str, name: str) -> None:
        if service == "eks":
            self._kube.pop(name, None)

    def diagram(self, cluster: str | None = None) -> Any:
        """A picture of what exists in this lab now (repositories, clusters, instances or
        nodes, tasks or pods), read from describe/list calls; ``cluster`` narrows it."""
        from .draw.live import live_diagram

        return live_diagram(self, cluster)

    # -- the account: time, identity, tags, the ledger, network and roles -------------------
    # Lab keeps these names; the account (what simulators get instead of the Lab) does the work.
    @property
    def events(self) -> EventBus:
        """The lab's event bus (see :mod:`awscontainers.sim.events`)."""
        return self.account.events

    @property
    def clock(self) -> Clock:
        """The lab's clock (see :mod:`awscontainers.sim.clock`)."""
        return self.account.clock

    @property
    def rng(self) -> random.Random:
        """The lab's seeded random generator (ids, random placement)."""
        return self.account.rng

    @property
    def ledger(self) -> list[Record]:
        """What the lab created, oldest first: what ``teardown()`` deletes."""
        return self.account.ledger

    def now(self) -> _dt.datetime:
        """The lab's clock: real time on AWS, a ticking fixed clock in the simulation so
        that every run prints the same times."""
        return self.account.now()

    def advance(self, seconds: float = 0, *, minutes: float = 0, hours: float = 0) -> _dt.datetime:
        """Move the simulated clock on (publishing ``time-advanced``); returns the new time."""
        return self.account.clock.advance(seconds, minutes=minutes, hours=hours)

    def new_id(self, length: int = 32) -> str:
        """A hex id from the lab's seeded generator (task ids, attachment ids)."""
        return self.account.new_id(length)

    def arn(self, service: str, resource: str) -> str:
        """An ARN in the lab's account and region."""
        return self.account.arn(service, resource)

    def tags(self, style: str = "Key") -> list[dict]:
        """The lab's tag in the casing each API wants (EC2/ECR/IAM ``Key``, ECS ``key``)."""
        return self.account.tags(style)

    def ec2_tag_spec(self, resource_type: str, name: str | None = None) -> list[dict]:
        """EC2's ``TagSpecifications`` with the lab's tag (and a ``Name`` when given)."""
        return self.account.ec2_tag_spec(resource_type, name)

    def record(self, kind: str, id_: str, **info: Any) -> None:
        """Remember something the lab created, for teardown."""
        self.account.record(kind, id_, **info)

    def forget(self, kind: str, id_: str) -> None:
        """Drop a ledger entry (the resource is gone)."""
        self.account.forget(kind, id_)

    def created(self, kind: str) -> list[Record]:
        """The ledger's entries of one kind, oldest first."""
        return self.account.created(kind)

    def network(self) -> Network:
        """The lab's VPC with public and private subnets in two AZs, created on first use."""
        return self.account.network()

    def role_arn(self, purpose: str) -> str:
        """ARN of one of the lab's IAM roles (created on first use): ``ecs-instance``,
        ``ecs-task-execution``, ``eks-cluster``, ``eks-node``, ``eks-fargate-pod``."""
        return self.account.role_arn(purpose)

    def instance_profile(self, purpose: str = "ecs-instance") -> str:
        """Name of the instance profile holding the role for ``purpose``."""
        return self.account.instance_profile(purpose)

    # -- teardown --------------------------------------------------------------------------
    def teardown(self) -> list[str]:
        """Delete everything this lab created, in dependency order. Safe to call again.

        Returns one line per deleted resource."""
        from .teardown import teardown

        return teardown(self)

    def close(self) -> None:
        """Release the lab; an in-process account is wiped. Does not delete in real AWS
        (call ``teardown()`` for that)."""
        if self._closed:
            return
        self._closed = True
        if self.backend == "moto":
            _IN_PROCESS.release(self.account_id)

    def _ensure_open(self) -> None:
        if self._closed:
            raise LabError("This Lab is closed.", hint="create a new one: lab = Lab().")

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


__all__ = ["EPOCH", "TAG_KEY", "Lab", "Network", "Record", "learner_account_id"]
