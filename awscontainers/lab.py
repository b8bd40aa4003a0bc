"""The Lab: one AWS account to learn in, on moto (default), a workshop room, or real AWS.

>>> from awscontainers import Lab
>>> lab = Lab()                       # isolated, in-process, no credentials needed
>>> lab.ecs.create_cluster(clusterName="demo")["cluster"]["status"]
'ACTIVE'
>>> lab.close()
"""

from __future__ import annotations

import datetime as _dt
import os
import random
import threading
import time
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from ._aws import call
from .collector import collection_paused
from .errors import (
    ConfirmationRequiredError,
    InvalidParameterError,
    LabError,
    UnsupportedError,
    check_type,
)
from .moto_state import (
    FIXED_ANSWERS,
    forget_account,
    in_process_signer,
    quicken,
    shared_loader,
)
from .network import Network
from .room.keys import JoinCode, check_learner_name, learner_account_id
from .sim.account import TAG_KEY, Account, Record
from .sim.clock import EPOCH, Clock
from .sim.events import (
    CLUSTER_DELETED,
    GROUP_CHANGED,
    GROUP_DELETED,
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

    Labs are kept apart by account id (moto reads the ``x-moto-account-id`` header). An
    account's moto backends are dropped when its Lab closes (and before one opens), so each
    Lab starts empty and a closed one leaves nothing behind.

    moto's id generator is seeded once, by the first Lab in the process, and never again: ids
    never repeat within a process, and a fresh process (a notebook's kernel) doing the same
    calls gets the same ids."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._mock: Any = None
        self.accounts_in_use: set[str] = set()

    def acquire(self, account_id: str | None, seed: int) -> str:
        with self._lock:
            first = self._mock is None
            if first:
                # Importing moto and reading its data makes a few hundred thousand objects
                # that live as long as the process: the cycle collector, left on, walked
                # them again and again as they came.
                with collection_paused():
                    from moto import mock_aws
                    from moto.moto_api import state_manager

                    quicken()
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
            forget_account(account_id)
            if first:
                from moto.moto_api._internal import mock_random

                mock_random.seed(seed)
            return account_id

    def release(self, account_id: str) -> None:
        with self._lock:
            self.accounts_in_use.discard(account_id)
            forget_account(account_id)


def _check_profile_exists() -> None:
    """moto itself makes default boto3 sessions while it answers (EKS checks role ARNs with
    one), and those fail on an ``AWS_PROFILE`` naming a profile that does not exist: say so
    before the lab opens, rather than in the middle of a lesson."""
    import botocore.session
    from botocore.exceptions import BotoCoreError

    name = os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE")
    if not name:
        return
    try:
        profiles = botocore.session.Session(profile=None).available_profiles
    except BotoCoreError:
        profiles = []
    if name not in profiles:
        raise LabError(
            f"AWS_PROFILE names a profile that does not exist ({name!r}); the in-process "
            "moto reads that variable and would fail part-way through a lesson.",
            hint="unset it for this kernel (os.environ.pop('AWS_PROFILE')) or name an existing "
            "profile. The in-process Lab uses no credentials either way.",
        )


_IN_PROCESS = _InProcessMoto()


def _remember_group(params: dict, context: dict, **_: Any) -> None:
    if "AutoScalingGroupName" in params:
        context["awscontainers_group"] = params["AutoScalingGroupName"]


class _NoNetwork:
    """The HTTP session of an in-process lab's clients: moto's stub answers every request
    before botocore would send it, and anything it did not answer is refused here, so no
    request leaves the process whatever the environment says."""

    def send(self, request: Any) -> Any:
        from .errors import BackendError

        raise BackendError(
            f"Refused to send {request.method} {request.url}: an in-process Lab never leaves "
            "this process.",
            hint="this is a bug in awscontainers (moto did not answer the call); please report it.",
        )

    def close(self) -> None:
        """Nothing to close: no connection was ever opened."""


def _shared_loader(core: Any) -> Any:
    """The data loader of the first session that reads botocore's files from the same
    paths, shared by every later lab session: the files (endpoints, each service's model,
    some MB of JSON for EC2) are the same for every account, so a process parses each once
    rather than once per lab, room lab or real-AWS lab (and their cleanup labs). The paths
    are those of a boto3 session (boto3 adds its own): the session moto's EC2 module lists
    the regions with, as the first lab starts, is one (``moto_state.SHARED_LOADERS``), so
    its reading of EC2's model serves the labs too."""
    own = core.get_component("data_loader")
    extra = os.path.join(os.path.dirname(boto3.__file__), "data")
    paths = tuple(dict.fromkeys([*own.search_paths, extra]))
    return shared_loader(paths, own)


#: Service models and client classes botocore made for the labs' sessions, by service.
_MODELS: dict[tuple[str, Any], Any] = {}
_CLASSES: dict[int, type] = {}


def _share_client_classes() -> None:
    """botocore builds each client's service model and client class afresh: for EC2, 600
    operation models and docstrings (about 40 ms a client, a few clients a lab). The labs'
    sessions are made alike (``_isolated_session``), so theirs are built once per service
    and process and shared; a session of anyone else's is served as botocore serves it.
    Idempotent."""
    from botocore.client import ClientCreator

    if getattr(ClientCreator._create_client_class, "shared", False):
        return
    load_model = ClientCreator._load_service_model
    make_class = ClientCreator._create_client_class

    def _load_service_model(self: Any, service_name: str, api_version: Any = None) -> Any:
        if not getattr(self._event_emitter, "awscontainers_lab", False):
            return load_model(self, service_name, api_version)
        key = (service_name, api_version)
        if key not in _MODELS:
            with collection_paused():  # a model is some MB of JSON, kept for the process
                _MODELS[key] = load_model(self, service_name, api_version)
        return _MODELS[key]

    def _create_client_class(self: Any, service_name: str, service_model: Any) -> type:
        if not getattr(self._event_emitter, "awscontainers_lab", False):
            return make_class(self, service_name, service_model)
        key = id(service_model)  # a shared model, kept alive in _MODELS
        if key not in _CLASSES:
            _CLASSES[key] = make_class(self, service_name, service_model)
        return _CLASSES[key]

    _share_alias_names()
    _kwargs_checked_once()
    _sessions_share_aliases()
    _create_client_class.shared = True  # type: ignore[attr-defined]
    ClientCreator._load_service_model = _load_service_model
    ClientCreator._create_client_class = _create_client_class


def _kwargs_checked_once() -> None:
    """botocore checks that every handler it registers takes ``**kwargs`` by reading its
    signature (``inspect.getfullargspec``): 136 built-in handlers for every lab's session
    and a few hundred for every client, most of a new lab's time. A function's answer
    does not change, and a plain function's comes from its code alone, so it is kept
    per code object (a bound method answers as its function does, closures made anew for
    every session share their code); a function given a ``__signature__``, or any other
    callable, is checked as botocore checks it. Idempotent."""
    import types

    import botocore.hooks as hooks

    if getattr(hooks.accepts_kwargs, "kept", False):
        return
    original = hooks.accepts_kwargs
    kept: dict[types.CodeType, Any] = {}

    def accepts_kwargs(func: Any) -> Any:
        target = getattr(func, "__func__", func)
        if not isinstance(target, types.FunctionType) or "__signature__" in target.__dict__:
            return original(func)
        code = target.__code__
        answer = kept.get(code)
        if answer is None:
            answer = kept[code] = original(func)
        return answer

    accepts_kwargs.kept = True  # type: ignore[attr-defined]
    hooks.accepts_kwargs = accepts_kwargs


#: botocore's event names as aliased for the labs' sessions (all alias alike).
_ALIASED: dict[str, str] = {}


def _default_aliases() -> dict:
    from botocore.hooks import EVENT_ALIASES

    return dict(EVENT_ALIASES)


def _share_alias_names() -> None:
    """botocore aliases every event name it registers or emits (a loop over 30 aliases),
    keeping the answers per emitter; every client copies its session's emitter and starts
    with none, and registers a few hundred handlers. A copy now shares its original's
    answers (same aliases, which botocore never changes), and the labs' sessions share
    one set (:data:`_ALIASED`)."""
    from botocore.hooks import EventAliaser

    if getattr(EventAliaser.__copy__, "shared", False):
        return
    original = EventAliaser.__copy__

    def __copy__(self: Any) -> Any:
        copied = original(self)
        if copied._event_aliases == self._event_aliases:
            copied._alias_name_cache = self._alias_name_cache
        return copied

    __copy__.shared = True  # type: ignore[attr-defined]
    EventAliaser.__copy__ = __copy__


def _share_aliases(core: Any) -> None:
    """A botocore session's emitter answers from :data:`_ALIASED` when its aliases are
    botocore's own (they always are, unless someone changed them)."""
    emitter = core.get_component("event_emitter")
    if emitter._event_aliases == _default_aliases():
        emitter._alias_name_cache = _ALIASED


def _sessions_share_aliases() -> None:
    """Every botocore session whose aliases are botocore's own answers from
    :data:`_ALIASED` as it registers its built-in handlers, not only the labs' sessions:
    moto makes a default boto3 session to check every role ARN an EKS call is given, and
    aliasing its 130 handlers' event names afresh was most of an EKS ``create_cluster``
    (16 of 26 ms). The names are a function of the aliases alone. Idempotent."""
    from botocore.hooks import EventAliaser
    from botocore.session import Session

    original = Session._register_builtin_handlers
    if getattr(original, "shared", False):
        return

    def _register_builtin_handlers(self: Any, events: Any) -> None:
        if isinstance(events, EventAliaser) and events._event_aliases == _default_aliases():
            events._alias_name_cache = _ALIASED
        original(self, events)

    _register_builtin_handlers.shared = True  # type: ignore[attr-defined]
    Session._register_builtin_handlers = _register_builtin_handlers


def _unhook_cell(registered: tuple[Any, Any] | None) -> None:
    """Take a (shell, hook) the lab registered for IPython's ``post_run_cell`` off again."""
    if registered is None:
        return
    shell, hook = registered
    try:
        shell.events.unregister("post_run_cell", hook)
    except ValueError:
        pass  # already gone


def _isolated_session(region: str, access_key: str, secret_key: str) -> boto3.Session:
    """A boto3 session that reads nothing from the environment or ~/.aws: no profile, no
    configured endpoint URL, no FIPS or dual-stack host names, only these credentials."""
    import botocore.session

    # No environment variable names these three: AWS_PROFILE and the ~/.aws files are unread.
    core = botocore.session.Session(
        session_vars={
            "profile": (None, None, None, None),
            "config_file": (None, None, os.devnull, None),
            "credentials_file": (None, None, os.devnull, None),
        },
        include_builtin_handlers=False,  # registered below, with the names aliased once
    )
    # botocore reads each service's model (JSON files) once per session and caches it in
    # the session's loader: one loader for every in-process lab reads each file once.
    core.register_component("data_loader", _shared_loader(core))
    # Made alike, the labs' sessions share their service models and client classes.
    _share_client_classes()
    emitter = core.get_component("event_emitter")
    emitter.awscontainers_lab = True
    _share_aliases(core)
    # botocore's own handlers, as Session() registers them, now that the session shares
    # the aliased names: registering them worked the 140 names out again for every lab.
    core._register_builtin_handlers(emitter)
    for name, value in (
        ("ignore_configured_endpoint_urls", True),
        ("use_fips_endpoint", False),
        ("use_dualstack_endpoint", False),
        ("region", region),
    ):
        core.set_config_variable(name, value)
    session = boto3.Session(
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name=region,
        botocore_session=core,
    )
    # boto3 adds its own data path to the session's (shared) loader every time: keep one
    # of each, or the list grows by one a lab, and every file not yet read is looked for
    # in each copy (and moto_state's answers, kept per list, are worked out again).
    paths = core.get_component("data_loader").search_paths
    paths[:] = dict.fromkeys(paths)
    return session


class Lab:
    """An AWS account for learning, with ECR, ECS and EKS behind boto3-shaped clients.

    - ``Lab()``: an isolated in-process moto account (us-east-1, account 123456789012).
      Nothing leaves the process; no credentials are read.
    - ``Lab(join="awsc1-...")``: a workshop room (``awscontainers room start``); the join
      code the instructor gives each learner opens an account of their own there.
    - ``Lab(backend="aws", confirm="<your 12-digit account id>")``: a real account. Refused
      without ``confirm`` (or the ``AWSCONTAINERS_CONFIRM_ACCOUNT`` variable) matching the
      account the credentials belong to. Everything created is tagged ``awscontainers:lab``
      and ``lab.teardown()`` deletes it.

      There, long waits show progress (``lab.waits``), ``lab.cost()`` meters what the lab
      holds, ``budget_usd=5`` refuses a create that would take the hourly rate past 5 USD,
      the ledger is also kept in a file (``awscontainers teardown --lab LAB_ID`` finds what
      a crashed lab left from its tags), and Fargate in private subnets gets the
      ``private_egress`` it needs (``"nat"``, ``"endpoints"`` or ``"none"``). See
      ``docs/real-aws.md``.

    moto's ids (instances, VPCs, subnets, ...) come from one generator per process, seeded
    by the first lab (with its ``seed``): they never repeat within a process, and a fresh
    process making the same calls gets the same ids. ``seed`` also seeds the lab's own ids
    (tasks, attachments) and random placement.

    Under the facade, ``lab.account`` (:class:`~awscontainers.sim.account.Account`) holds
    the clock, ids, ARNs, the ledger, the network and roles, and ``lab.events`` (an
    :class:`~awscontainers.sim.events.EventBus`) tells subscribers what happened in the
    account; the simulators get the account, never the Lab.
    """

    def __init__(
        self,
        backend: str | None = None,
        *,
        join: str | None = None,
        endpoint_url: str | None = None,
        region: str = DEFAULT_REGION,
        account_id: str | None = None,
        learner: str | None = None,
        seed: int = 7,
        confirm: str | None = None,
        profile_name: str | None = None,
        name: str = "lab",
        budget_usd: float | None = None,
        private_egress: str = "nat",
        _cleanup: str | None = None,
    ):
        from .meter import check_budget_value
        from .network import check_egress

        # Checked before anything is opened or created.
        budget = check_budget_value(budget_usd)
        egress = check_egress(private_egress)
        code = JoinCode.parse(join) if join is not None else None
        if code is not None:
            if endpoint_url and endpoint_url.rstrip("/") != code.url.rstrip("/"):
                raise InvalidParameterError(
                    f"endpoint_url {endpoint_url} is not the room in the join code ({code.url}).",
                    hint="pass the join code alone: Lab(join='awsc1-...').",
                )
            endpoint_url = code.url
        if backend is None:
            backend = "server" if endpoint_url else "moto"
        if backend not in ("moto", "server", "aws"):
            raise InvalidParameterError(
                f"Unknown backend {backend!r}.",
                hint="use 'moto' (default, in-process), 'server' (with join=...) or "
                "'aws' (a real account, with confirm=...).",
            )
        if backend == "server" and not endpoint_url:
            raise InvalidParameterError(
                "The 'server' backend needs endpoint_url: a room's join code gives it, "
                "Lab(join='<your join code>').",
                hint="the instructor gives every learner a join code (`awscontainers room "
                "join <name>`).",
            )
        if backend != "server" and endpoint_url:
            raise InvalidParameterError(
                f"endpoint_url is only for the moto server backend (a workshop room), not "
                f"{backend!r}.",
                hint="drop endpoint_url, or join a room with Lab(join='<your join code>').",
            )
        if backend == "server" and account_id is not None:
            raise InvalidParameterError(
                "A room decides your account from your join code; account_id cannot choose one.",
                hint="drop account_id: Lab(join='<your join code>').",
            )
        if _cleanup is not None and backend != "aws":
            raise InvalidParameterError(
                "A cleanup lab is for the real-AWS backend only.",
                hint="use `awscontainers teardown --lab LAB_ID` from a terminal.",
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
        # A cleanup lab (awscontainers teardown) acts as the lab whose leftovers it deletes.
        self.lab_id = _cleanup or f"{name}-{seed}"
        self.learner: str | None = None
        #: The most the lab may cost an hour (USD), or None: see :meth:`cost`.
        self.budget_usd = budget
        self._meter_hook: Any = None

        if backend == "aws":
            self._session = self._confirmed_session(
                confirm, profile_name, region, cleanup=_cleanup is not None
            )
            self.account_id = self._session_account
            self._config = Config(retries={"max_attempts": 5, "mode": "standard"})
        elif backend == "moto":
            _check_profile_exists()
            # moto must be active before the session exists: it hooks botocore's built-in
            # handlers, which a session copies when it is created.
            self.account_id = _IN_PROCESS.acquire(account_id, seed)
            # Fixed fake credentials, and nothing read from the environment or ~/.aws.
            self._session = _isolated_session(region, "testing", "testing")
            self._config = Config(retries={"total_max_attempts": 1})
        else:
            # A room answers its moto's bugs with HTTP 500; boto3 would retry them.
            self._config = Config(retries={"total_max_attempts": 1})
            self.account_id = self._join_room(code, learner, region)
        self.account = Account(
            self.client,
            region=region,
            account_id=self.account_id,
            backend=backend,
            lab_id=self.lab_id,
            seed=seed,
            events=EventBus(),
        )
        self.account.private_egress = egress
        if backend == "aws" and _cleanup is None:
            self._keep_ledger_in_a_file()
            self._start_meter()
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
        # A room keeps the simulator's state: a restarted kernel finds its lab again.
        self._saved_digest: bytes | None = None
        self._autosave_hook: Any = None
        if backend == "server":
            self._resume_from_room()
            self._start_autosave()

    # -- backends ---------------------------------------------------------------------------
    def _confirmed_session(
        self, confirm: str | None, profile: str | None, region: str, cleanup: bool = False
    ) -> Any:
        """The real account's boto3 session, once ``confirm`` matches the account its
        credentials belong to (a cleanup lab, which only deletes, needs no confirmation)."""
        if cleanup:
            confirm = None
        else:
            confirm = confirm or os.environ.get(CONFIRM_ENV)
            self._check_confirmation(confirm)
        from botocore.exceptions import BotoCoreError

        from ._aws import translate

        try:
            session = boto3.Session(profile_name=profile, region_name=region)
            # Read botocore's files once per process, and alias its event names once: the
            # same for every lab (and cleanup lab) the process opens.
            core = session._session
            core.register_component("data_loader", _shared_loader(core))
            _share_aliases(core)
            sts = session.client("sts")
        except BotoCoreError as exc:  # a missing profile, a broken config file
            raise translate(exc, "boto3.Session") from exc
        identity = call(sts, "get_caller_identity")
        if confirm is not None and identity["Account"] != confirm:
            raise ConfirmationRequiredError(
                f"Your credentials belong to account {identity['Account']}, not {confirm}.",
                hint="pick the profile for the account you confirmed, or confirm that account.",
            )
        self._session_account = identity["Account"]
        return session

    @staticmethod
    def _check_confirmation(confirm: str | None) -> None:
        if not confirm:
            raise ConfirmationRequiredError(
                "The real-AWS backend creates resources that cost money in a real account, "
                "so it needs your explicit confirmation.",
                hint="pass confirm='<your 12-digit account id>' (or set "
                f"{CONFIRM_ENV}); or use Lab() to learn with no account at all.",
            )
        if not (isinstance(confirm, str) and len(confirm) == 12 and confirm.isdigit()):
            raise ConfirmationRequiredError(
                f"confirm={confirm!r} is not a 12-digit AWS account id.",
                hint="pass the id of the account you mean to use, as `aws sts "
                "get-caller-identity` prints it.",
            )

    def _join_room(self, code: JoinCode | None, learner: str | None, region: str) -> str:
        """Check the room answers (its constant-time health check), then that it knows
        this learner's credential; returns the learner's account id."""
        from .server import room_health

        url = self.endpoint_url or ""  # a room backend always has one
        room_health(url)
        if code is None:
            if learner is not None:
                check_learner_name(learner)
            raise LabError(
                f"The room at {url} is secured: a learner name alone does not open an account "
                "there.",
                hint="ask the instructor for your join code and open Lab(join='awsc1-...').",
            )
        if learner is not None and learner != code.learner:
            raise InvalidParameterError(
                f"The join code is for learner {code.learner!r}, not {learner!r}.",
                hint="pass the join code alone: Lab(join='awsc1-...').",
            )
        self.learner = code.learner
        self._session = _isolated_session(region, code.access_key, code.secret_key)
        sts = self._session.client("sts", endpoint_url=url, config=self._config)
        return call(sts, "get_caller_identity")["Account"]

    @property
    def simulated(self) -> bool:
        """True when the data plane is played by the simulator (moto backends)."""
        return self.backend != "aws"

    def describe_backend(self) -> str:
        where = {
            "moto": "moto, in-process (nothing leaves this process)",
            "server": f"room at {self.endpoint_url} (learner {self.learner})",
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
            # A closed lab's clients refuse too, even one a caller kept.
            client.meta.events.register("before-call", self._refuse_if_closed)
            # Every call that may write tells the account, whose cached reads then expire.
            client.meta.events.register("before-call", self._count_write)
            if self.backend != "aws":
                if self.backend == "moto":
                    account = self.account_id

                    def add_account_header(request: Any, **_: Any) -> None:
                        request.headers["x-moto-account-id"] = account

                    client.meta.events.register("before-sign", add_account_header)
                    # moto here checks no signature: SigV4's headers, a placeholder one.
                    client.meta.events.register("choose-signer", in_process_signer)
                    # botocore's own HTTP session is replaced by one that sends nothing.
                    # (A room sets the account from the verified credential, not a header.)
                    client._endpoint.http_session = _NoNetwork()
                    # Reads of moto's fixed data are answered once per process.
                    FIXED_ANSWERS.register(client, service, account, self.region)
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
            elif service == "ec2":
                # Real AWS: every instance launched through the lab goes in the ledger (and
                # its file), so teardown terminates it.
                client.meta.events.register(
                    "after-call.ec2.RunInstances", self._on_instances_launched
                )
            self._clients[service] = client
        return self._clients[service]

    # boto3's after-call hooks tell the account's subscribers what happened, whoever called.
    def _on_instances_launched(self, parsed: dict, **_: Any) -> None:
        if "Instances" in parsed:
            self.account.instances_launched([i["InstanceId"] for i in parsed["Instances"]])

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
        self._ensure_open()
        if "ecr" not in self._services:
            from .ecr import EcrClient

            self._services["ecr"] = EcrClient(self)
        return self._services["ecr"]

    @property
    def ecs(self) -> EcsClient:
        """boto3-shaped ECS client, plus ``launch_instances`` and ``container_instances``."""
        self._ensure_open()
        if "ecs" not in self._services:
            from .ecs import EcsClient

            self._services["ecs"] = EcsClient(self)
        return self._services["ecs"]

    @property
    def eks(self) -> EksClient:
        """boto3-shaped EKS client, plus ``launch_self_managed_nodes`` and ``node_config``."""
        self._ensure_open()
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

    # -- patch day and interruptions (sim/day2/patching.py, interruptions.py) -----------------
    def release_ami(self, family: str) -> dict:
        """AWS publishes a new ECS-optimized (``family="ecs"``) or EKS-optimized (``"eks"``)
        AMI now, by the lab's clock; ``patch_status()`` then shows what is on an older one."""
        check_type(family, str, "family", "pass family='ecs' or family='eks'.")
        day2 = self._day2()
        return day2.patching.release_ami(family, self.account.clock.peek())

    def patch_status(self) -> Table:
        """Every instance, Fargate task and Fargate pod: its AMI, whether it is outdated and
        for how long, and who must act (you, or AWS)."""
        return self._day2().patching.status(self.account.clock.peek())

    def start_instance_refresh(self, group: str, min_healthy_percentage: int | None = None) -> dict:
        """Auto Scaling instance refresh of a self-managed node group onto the newest EKS
        AMI, in batches keeping ``min_healthy_percentage`` (90 by default) in service, as
        simulated time passes. Nodes are not drained."""
        check_type(group, str, "group", "pass the Auto Scaling group's name.")
        return self._day2().patching.start_instance_refresh(
            group, min_healthy_percentage, self.account.clock.peek()
        )

    def describe_instance_refreshes(self, group: str) -> dict:
        """The group's instance refreshes, newest first (boto3's shape)."""
        check_type(group, str, "group", "pass the Auto Scaling group's name.")
        return {"InstanceRefreshes": self._day2().patching.describe_instance_refreshes(group)}

    def release_fargate_platform(self, wait_days: int | None = None) -> dict:
        """AWS releases a Fargate platform revision: running ECS Fargate tasks are retired
        and EKS Fargate pods evicted ``wait_days`` (0, 7 or 14; 7 by default) after the
        notice it sends now."""
        return self._day2().patching.release_fargate_platform(wait_days, self.account.clock.peek())

    def interrupt_spot(self, instance_id: str) -> dict:
        """EC2 reclaims a Spot Instance: the two-minute notice now, termination after it."""
        check_type(instance_id, str, "instance_id", "pass an instance id, 'i-...'.")
        return self._day2().interruptions.interrupt_spot(instance_id, self.account.clock.peek())

    def stop_fargate_spot_tasks(
        self, cluster: str, tasks: list[str] | None = None, count: int | None = None
    ) -> list[str]:
        """Fargate Spot reclaims capacity: SIGTERM to the given FARGATE_SPOT tasks (or the
        first ``count``, or all), which stop two minutes later; services replace theirs."""
        check_type(cluster, str, "cluster", "pass the cluster's name.")
        check_type(tasks, (list, type(None)), "tasks", "pass a list of task ARNs or ids.")
        for ref in tasks or []:
            check_type(ref, str, "tasks[...]", "pass a list of task ARNs or ids.")
        if count is not None and (
            isinstance(count, bool) or not isinstance(count, int) or count < 1
        ):
            raise InvalidParameterError(
                f"count must be a whole number >= 1, not {count!r}.",
                hint="pass count=1, or leave it out to interrupt every FARGATE_SPOT task.",
            )
        return self._day2().interruptions.stop_fargate_spot_tasks(
            cluster, tasks, count, self.account.clock.peek()
        )

    def lose_zone(self, zone: str) -> dict:
        """Availability Zone ``zone`` fails now: its instances, tasks and Fargate pods go;
        groups, services and Deployments recover in the other zones where there is room."""
        check_type(zone, str, "zone", "pass a zone name, e.g. 'us-east-1a'.")
        return self._day2().interruptions.lose_zone(zone, self.account.clock.peek())

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

        self._ensure_open()
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
        self._ensure_open()  # (in process they are made on moto directly)
        return self.account.network()

    def role_arn(self, purpose: str) -> str:
        """ARN of one of the lab's IAM roles (created on first use): ``ecs-instance``,
        ``ecs-task-execution``, ``eks-cluster``, ``eks-node``, ``eks-fargate-pod``."""
        self._ensure_open()  # (in process they are made on moto directly)
        return self.account.role_arn(purpose)

    def instance_profile(self, purpose: str = "ecs-instance") -> str:
        """Name of the instance profile holding the role for ``purpose``."""
        self._ensure_open()  # (in process they are made on moto directly)
        return self.account.instance_profile(purpose)

    # -- state that outlives the kernel (a room keeps it) ---------------------------------
    def _sim_wires(self) -> dict[str, Any]:
        """The objects a new lab makes afresh, which a snapshot refers to by name."""
        return {
            "lab": self,
            "account": self.account,
            "events": self.events,
            "clock": self.clock,
            "ecs": self.ecs_sim,
            "eks": self.eks_sim,
            "day2": self.day2,
        }

    def snapshot(self) -> dict:
        """The simulator's state (agents, tasks, services, nodes, pods, Kubernetes objects,
        loads, autoscalers, the clock and seeded ids) as JSON-ready data: what a room keeps
        for this learner. See :mod:`awscontainers.sim.snapshot`."""
        from .sim.snapshot import encode, state_of

        self._ensure_open()
        self._require_simulated("snapshot")
        wires = self._sim_wires()
        return encode({n: state_of(w) for n, w in wires.items() if n != "lab"}, wires)

    def restore(self, snapshot: dict) -> None:
        """Put the simulator back to ``snapshot`` (from :meth:`snapshot`, of this account).

        The control plane stays as moto has it: restore a snapshot of the same account,
        taken since it last changed (a room's saved state is)."""
        from .sim.snapshot import SnapshotError, read

        self._ensure_open()
        self._require_simulated("restore")
        wires = self._sim_wires()
        roots = snapshot.get("roots") if isinstance(snapshot, dict) else None
        if not isinstance(roots, dict) or set(roots) != set(wires) - {"lab"}:
            raise SnapshotError(
                "Not a snapshot of a lab.", hint="pass what lab.snapshot() returned."
            )
        state = read(snapshot, wires)
        account = state.roots["account"]
        if not isinstance(account, dict) or account.get("account_id") != self.account_id:
            found = account.get("account_id") if isinstance(account, dict) else None
            raise SnapshotError(
                f"That snapshot is of account {found}, not {self.account_id}.",
                hint="restore a snapshot of this lab's own account.",
            )
        state.apply()
        self._kube.clear()  # Kubernetes clients held the simulator's old clusters

    def running_summary(self) -> dict[str, int]:
        """Counts of what the simulator runs (tasks, services, instances, nodes, pods)."""
        self._require_simulated("running_summary")
        assert self.ecs_sim is not None and self.eks_sim is not None
        return {**self.ecs_sim.summary(), **self.eks_sim.summary()}

    def save(self) -> bool:
        """Keep the simulator's state in the room now (a room lab also saves after every
        notebook cell and when it closes); True if something changed since the last save.

        An in-process lab has nothing to save to: its moto account lives in this process."""
        import hashlib

        from .room.saved import save_state, snapshot_bytes

        self._ensure_open()
        if self.backend != "server":
            raise UnsupportedError(
                f"Only a room lab keeps its state across kernel restarts, not a {self.backend!r} "
                "one.",
                hint="in-process labs start again with the kernel; a room "
                "(Lab(join='awsc1-...')) keeps both its records and the simulator's state.",
            )
        text = snapshot_bytes(self.snapshot())
        digest = hashlib.blake2b(text).digest()
        if digest == self._saved_digest:
            return False
        save_state(
            self.endpoint_url or "",
            self._session.get_credentials(),
            self.region,
            text,
            self.running_summary(),
        )
        self._saved_digest = digest
        return True

    def _resume_from_room(self) -> None:
        """Read back what this learner's lab last saved in the room, if anything."""
        from .room.saved import load_state

        saved = load_state(self.endpoint_url or "", self._session.get_credentials(), self.region)
        if saved is None:
            return
        try:
            self.restore(saved)
        except LabError as exc:
            import warnings

            warnings.warn(
                f"The lab's saved state could not be read back ({exc.message}); the "
                "simulator starts empty, the room's records (clusters, instances) are kept.",
                stacklevel=3,
            )
            return
        print(f"Resumed your lab from the room: {_running_line(self.running_summary())}.")

    def _start_autosave(self) -> None:
        """Save after every notebook cell (IPython's post_run_cell) and at exit."""
        import atexit
        import sys
        import weakref

        ref = weakref.ref(self)

        def autosave(*_: Any) -> None:
            lab = ref()
            if lab is not None and not lab._closed:
                lab._save_quietly()

        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython is not None else None
        if shell is not None:
            shell.events.register("post_run_cell", autosave)
            self._autosave_hook = (shell, autosave)
        atexit.register(autosave)

    def _save_quietly(self) -> None:
        try:
            self.save()
        except LabError as exc:
            import warnings

            warnings.warn(f"Could not save the lab's state in the room: {exc}", stacklevel=2)

    def _require_simulated(self, what: str) -> None:
        if not self.simulated:
            raise UnsupportedError(
                f"{what} is for the simulation: in real AWS the state is AWS's own.",
                hint="real AWS keeps everything: open the lab again and describe it.",
            )

    # -- the real account: waits, the meter, crash-proof ledger, private egress -------------
    @property
    def waits(self) -> Any:
        """How the lab waits on AWS (:class:`~awscontainers.waits.WaitSettings`): tests set
        ``sleep``/``clock``/``display`` so nothing really sleeps."""
        return self.account.waits

    def wait(self, service: str, waiter: str, **params: Any) -> dict:
        """Wait (again) for one of boto3's waiters, with progress: after an interrupted
        wait, ``lab.wait('eks', 'cluster_active', name='demo')``."""
        from .waits import wait_for

        check_type(service, str, "service", "pass the boto3 service name, e.g. 'eks'.")
        check_type(waiter, str, "waiter", "pass a boto3 waiter name, e.g. 'cluster_active'.")
        client = self.client(service)
        if waiter not in client.waiter_names:
            raise InvalidParameterError(
                f"{service} has no waiter {waiter!r}.",
                hint="use one of " + ", ".join(client.waiter_names) + ".",
            )
        return wait_for(
            client,
            waiter,
            what=", ".join(f"{k}={v}" for k, v in params.items()),
            resume=f"wait again with lab.wait({service!r}, {waiter!r}, ...), or lab.teardown().",
            settings=self.waits,
            **params,
        )

    def cost(self) -> Any:
        """What the lab holds now, priced from the dated price table: per hour, and so far
        since each thing was made (:class:`~awscontainers.meter.LabCost`; shows itself as a
        small meter in a notebook)."""
        from .meter import lab_cost

        self._ensure_open()
        return lab_cost(self)

    def check_budget(self, adding: Any, what: str) -> None:
        """Refuse ``what`` (adding ``adding`` USD an hour, or a function giving it) if it
        would take the lab past ``budget_usd``; does nothing without a budget."""
        from .meter import check_budget

        check_budget(self, adding, what)

    def add_private_egress(self, how: str | None = None) -> list[str]:
        """Let the private subnets pull images: ``"nat"`` (a NAT gateway) or ``"endpoints"``
        (VPC endpoints for ECR, S3 and CloudWatch Logs); default: the lab's
        ``private_egress``. Priced on the meter; returns what was made."""
        from .costs import load_prices
        from .meter import endpoints_hourly, nat_gateway_hourly
        from .network import add_private_egress, check_egress, egress_facts

        self._ensure_open()
        how = check_egress(how or self.account.private_egress)
        if how == "none" or self.account.egress_added:
            return []
        prices = load_prices()
        zones = len(self.network().private_subnet_ids)
        hourly = (
            nat_gateway_hourly(prices)
            if how == "nat"
            else endpoints_hourly(prices, len(egress_facts()["interface_endpoints"]), zones)
        )
        self.check_budget(
            hourly, "private egress " + ("(a NAT gateway)" if how == "nat" else "(VPC endpoints)")
        )
        made = add_private_egress(self.account, how)
        self.account.egress_added = how
        return made

    def ensure_private_egress(self, reason: str) -> None:
        """On real AWS, give the private subnets a way to pull images once (the lab's
        ``private_egress`` choice), and say so and what it costs."""
        if self.simulated or self.account.egress_added or self.account.private_egress == "none":
            return
        from .costs import load_prices
        from .meter import endpoints_hourly, nat_gateway_hourly
        from .network import egress_facts

        how = self.account.private_egress
        made = self.add_private_egress(how)
        prices = load_prices()
        if how == "nat":
            rate = nat_gateway_hourly(prices)
            other = "Lab(..., private_egress='endpoints') uses VPC endpoints instead (ECR only)"
        else:
            zones = len(self.network().private_subnet_ids)
            rate = endpoints_hourly(prices, len(egress_facts()["interface_endpoints"]), zones)
            other = "Lab(..., private_egress='nat') uses one NAT gateway instead (any registry)"
        print(
            f"{reason}, which have no route to the internet: added {', '.join(made[1:])} so "
            f"they can pull images ({rate:.4f} USD an hour on the meter). {other}; "
            "private_egress='none' adds nothing."
        )

    def _keep_ledger_in_a_file(self) -> None:
        """Real AWS: keep the ledger in a file too (it outlives the kernel), take back what
        a crashed lab of the same id left, and point at what other labs left."""
        import warnings

        from . import saved_ledger

        path = saved_ledger.ledger_path(self.account_id, self.region, self.lab_id)
        opened = _dt.datetime.now(_dt.timezone.utc).isoformat()
        others = []
        for saved in saved_ledger.read_all(self.account_id, self.region):
            if saved.get("lab_id") == self.lab_id:
                for r in saved["records"]:
                    self.account.ledger.append(
                        Record(r["kind"], r["id"], dict(r.get("info") or {}), r.get("since", ""))
                    )
                warnings.warn(
                    f"Lab {self.lab_id} was left with {len(saved['records'])} resources in "
                    f"account {self.account_id} (saved {saved.get('saved', '?')}); they are "
                    "in this lab's ledger again: lab.cost() prices them, lab.teardown() "
                    f"deletes them (or `awscontainers teardown --lab {self.lab_id}`).",
                    stacklevel=3,
                )
            else:
                others.append(saved)
        for saved in others:
            warnings.warn(
                f"Lab {saved.get('lab_id')} left {len(saved['records'])} resources in account "
                f"{self.account_id} ({self.region}). Delete them with `awscontainers teardown "
                f"--lab {saved.get('lab_id')}` (awscontainers.leftovers() lists them).",
                stacklevel=3,
            )

        def save() -> None:
            saved_ledger.write(
                path,
                {
                    "lab_id": self.lab_id,
                    "account_id": self.account_id,
                    "region": self.region,
                    "opened": opened,
                    "saved": _dt.datetime.now(_dt.timezone.utc).isoformat(),
                    "pid": os.getpid(),
                    "records": [
                        {"kind": r.kind, "id": r.id, "info": r.info, "since": r.since}
                        for r in self.account.ledger
                    ],
                },
            )

        self.account.ledger_listeners.append(save)
        if self.account.ledger:
            save()

    def _start_meter(self) -> None:
        """In a notebook on real AWS, one line after every cell: what the lab costs now."""
        import sys
        import weakref

        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython is not None else None
        if shell is None:
            return
        ref = weakref.ref(self)

        def show(*_: Any) -> None:
            lab = ref()
            if lab is None or lab._closed or not lab.ledger:
                return
            try:
                print(lab.cost().summary())
            except LabError as exc:
                print(f"(the cost meter could not read the lab: {exc.message})")

        shell.events.register("post_run_cell", show)
        self._meter_hook = (shell, show)

    # -- teardown --------------------------------------------------------------------------
    def teardown(self) -> list[str]:
        """Delete everything this lab created, in dependency order. Safe to call again.

        Returns one line per deleted resource."""
        from .teardown import teardown

        self._ensure_open()
        return teardown(self)

    def close(self) -> None:
        """Release the lab; an in-process account is wiped. Does not delete in real AWS
        (call ``teardown()`` for that)."""
        if self._closed:
            return
        if self.backend == "server":
            self._save_quietly()
            _unhook_cell(self._autosave_hook)
            self._autosave_hook = None
        _unhook_cell(self._meter_hook)
        self._meter_hook = None
        self._closed = True
        if self.backend == "moto":
            _IN_PROCESS.release(self.account_id)

    def _ensure_open(self) -> None:
        if self._closed:
            raise LabError(
                "This Lab is closed.",
                hint="a closed lab acts on nothing any more; create a new one: lab = Lab().",
            )

    def _count_write(self, model: Any = None, **_: Any) -> None:
        if model is not None:
            self.account.wrote(model.name)

    def _refuse_if_closed(self, **_: Any) -> None:
        self._ensure_open()

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _running_line(summary: dict[str, int]) -> str:
    shown = [f"{n} {what.replace('_', ' ')}" for what, n in summary.items() if n]
    return ", ".join(shown) or "nothing running yet"


__all__ = ["EPOCH", "TAG_KEY", "Lab", "Network", "Record", "learner_account_id"]
