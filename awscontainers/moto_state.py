"""moto's state in this process: forgetting an account, and what moto keeps beside it.

moto keeps one backend per service, account and region (``BackendDict``), and beside them a
class-level list of every model object ever made (``instances_tracked``), kept only for its
dashboard (``/moto-api/data.json``), an ``lru_cache`` of region lists keyed by each account's
backends, and a cache of each subnet's address iterator. Resetting an account rebuilds its
backends (thousands of AMIs and SSM parameters per region) and leaves the old ones held by
those: about 12 MiB per ``Lab()``. Forgetting an account drops its backends, empties the
tracked lists of the services a lab uses and clears those caches, so memory per lab is
bounded.
"""

from __future__ import annotations

import string
import threading
from collections import defaultdict
from typing import Any

from .collector import collection_paused, exit_without_collecting

#: moto services a lab calls (and whose dashboard lists are emptied when an account goes).
LAB_SERVICES = ("ec2", "ecs", "ecr", "eks", "iam", "autoscaling", "ssm", "sts")


def forget_account(account_id: str) -> None:
    """Drop every moto backend of ``account_id``; it is made again, empty, on next use."""
    from moto.core.base_backend import AccountSpecificBackend, BackendDict, backend_lock

    with backend_lock:
        for backends in list(BackendDict._instances):
            # dict's own membership test: BackendDict.__getitem__ would create the account.
            if dict.__contains__(backends, account_id):
                dict.__delitem__(backends, account_id)
        # moto caches each account's region list in an lru_cache keyed by the account's
        # backends object, which keeps the forgotten backends (and their AMIs) alive.
        AccountSpecificBackend._generate_regions.cache_clear()
        # Each subnet's address iterator is cached for good, keeping every subnet (and its
        # backend) alive. Cleared, a live subnet starts a new iterator that skips the
        # addresses in use, so no address is handed out twice.
        from moto.ec2.models.subnets import Subnet

        Subnet._base_avail_ip_iterator.cache_clear()
    release_tracked()


def release_tracked() -> None:
    """Empty moto's dashboard lists of the lab's services (nothing else reads them)."""
    from moto.core.model_instances import model_data

    for service in LAB_SERVICES:
        for model in model_data.get(service, {}).values():
            model.instances_tracked = []


def tracked_count() -> int:
    """How many model objects moto keeps on its dashboard lists of the lab's services."""
    from moto.core.model_instances import model_data

    return sum(
        len(getattr(model, "instances_tracked", []))
        for service in LAB_SERVICES
        for model in model_data.get(service, {}).values()
    )


def account_backends(backends: Any, account_id: str) -> list[Any]:
    """The region backends one account has in a ``BackendDict`` (none made if absent)."""
    account = dict.get(backends, account_id)
    return list(dict.values(account)) if account is not None else []


def ec2_backend(account_id: str, region: str) -> Any:
    """moto's EC2 backend of an in-process account, for the simulator's hottest writes.

    A Fargate task's ENI is made and deleted with every task a service starts or stops:
    through boto3 each is a request moto parses, answers and serialises (about 15 ms);
    straight on the backend, the same model method moto's handler calls, it is a fraction
    of a millisecond. moto is pinned (pyproject.toml), and tests compare the two paths."""
    from moto.ec2.models import ec2_backends

    return ec2_backends[account_id][region]


def _request_backend(service: str, account_id: str, region: str) -> Any:
    """The backend a request of ``service`` in an in-process account reaches, reached as
    moto's dispatch reaches it: first the same service's backend of moto's default account
    (in ``us-east-1``, else the ``aws`` partition), where it finds the request's URL
    patterns, made if it is not there yet (a new one draws random ids); then the account's
    own (by region, or by partition for a global service such as IAM)."""
    from moto.backends import get_backend
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.utilities.utils import get_partition

    backends = get_backend(service)
    default = backends[DEFAULT_ACCOUNT_ID]
    _ = default["us-east-1"] if "us-east-1" in default else default["aws"]
    _counted_as_unauthorised()
    own = backends[account_id]
    return own[region] if region in own else own[get_partition(region)]


def _counted_as_unauthorised() -> bool:
    """What moto's authorisation does for a request while it is off (as in every lab):
    count it; whether it was off. (The labs never turn it on; were it on, a request made
    in process would not be checked.)"""
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin as Mixin

    if Mixin.request_count < settings.INITIAL_NO_AUTH_ACTION_COUNT:
        Mixin.request_count += 1
        return True
    return False


def as_request(
    service: str, account_id: str, region: str, operation: str, /, *args: Any, **kwargs: Any
) -> Any:
    """``service``'s ``operation`` (``"ec2"``, ``"CreateVpc"``) in an in-process account,
    made as moto's handler makes it: its backend's model method of the same name (in
    snake case) called with ``args`` and ``kwargs``, the arguments that handler passes.
    Around that call, moto does two things for every request, and so does this:

    - before it, moto finds the request's URL patterns on the service's backend of its
      default account (in ``us-east-1``, else the ``aws`` partition), making that backend
      if it is not there (a new one draws random ids), and only then the account's own;
    - after it, failed or not, moto draws the answer's request id from its seeded random
      numbers.

    So the ids moto hands out are those the API call would have led to, with no request
    to sign, parse, answer and parse again. A moto error is raised as the lab's own error,
    as :func:`awscontainers._aws.call` raises the API's."""
    from botocore import xform_name
    from botocore.exceptions import ClientError
    from moto.core.exceptions import ServiceException
    from moto.utilities.aws_headers import gen_amzn_requestid_long
    from werkzeug.exceptions import HTTPException

    from ._aws import translate

    method = getattr(_request_backend(service, account_id, region), xform_name(operation))
    try:
        answer = method(*args, **kwargs)
    except ServiceException as exc:
        code, message, status = exc.code, exc.message, 400
    except HTTPException as exc:  # moto's older errors (RESTError)
        code = str(getattr(exc, "error_type", "") or exc.name)
        message, status = str(getattr(exc, "message", exc.description)), exc.code or 400
    else:
        gen_amzn_requestid_long()
        return answer
    gen_amzn_requestid_long()
    error = ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        operation,
    )
    raise translate(error, xform_name(operation)) from error


def quicken() -> None:
    """Answer every moto request without listing its handler class's methods again.

    moto's dispatcher asks ``inspect.getmembers`` for the response class's method names on
    every request (about 2 ms, more than half of a simple call); the names of a class do
    not change, so they are listed once per class. The rest below each say what they
    spare; the last lets the process exit without Python's last cycle collections
    (:func:`~awscontainers.collector.exit_without_collecting`). Idempotent."""
    import functools

    import moto.core.responses as responses
    from moto.core.utils import method_names_from_class

    if getattr(responses.method_names_from_class, "cache_info", None) is None:
        responses.method_names_from_class = functools.lru_cache(maxsize=None)(
            method_names_from_class
        )
    _regions_listed_once()
    _service_models_read_by_one_loader()
    _error_tables_kept()
    _authorisation_imported_when_on()
    _lazy_offerings()
    _lazy_images()
    _quick_attribute_names()
    _quick_value_picking()
    _lazy_public_parameters()
    _quick_random_draws()
    _quick_xml()
    exit_without_collecting()


def _quick_random_draws() -> None:
    """moto draws every id and every answer's request id (52 characters) one character at
    a time through ``Random.choice``, two Python calls a character: about 3 million calls
    in a run of the tests. Here ``choice``, ``get_random_string`` and ``get_random_hex`` of
    moto's random source, and EC2's ``random_resource_id``, draw exactly as they did (the
    same ``getrandbits`` calls, so the same characters and the same state after: ids stay
    what a seed gives), in one loop. Idempotent."""
    from moto.moto_api._internal.moto_random import HEX_CHARS, MotoRandom

    if getattr(MotoRandom.choice, "quick", False):
        return
    originals = {
        name: getattr(MotoRandom, name)
        for name in ("choice", "get_random_string", "get_random_hex")
    }

    def draws(rng: Any, pool: Any, length: int) -> list:
        # Random._randbelow_with_getrandbits for each character, inlined.
        n = len(pool)
        if not n:
            raise IndexError("Cannot choose from an empty sequence")
        bits = n.bit_length()
        getrandbits = rng.getrandbits
        out = []
        for _ in range(length):
            r = getrandbits(bits)
            while r >= n:
                r = getrandbits(bits)
            out.append(pool[r])
        return out

    def choice(self: Any, seq: Any) -> Any:
        return draws(self, seq, 1)[0]

    def get_random_string(
        self: Any, length: int = 20, include_digits: bool = True, lower_case: bool = False
    ) -> str:
        pool = string.ascii_letters + (string.digits if include_digits else "")
        drawn = "".join(draws(self, pool, length))
        return drawn.lower() if lower_case else drawn

    def get_random_hex(self: Any, length: int = 8) -> str:
        return "".join(str(c) for c in draws(self, HEX_CHARS, length))

    quicker: dict[str, Any] = {
        "choice": choice,
        "get_random_string": get_random_string,
        "get_random_hex": get_random_hex,
    }
    for name, quick in quicker.items():
        quick.quick = True
        quick.original = originals[name]
        setattr(MotoRandom, name, quick)

    # EC2's ids (an instance's, each public image's snapshot and volume: 2,600 ids a
    # region's images) are drawn by their own helper, a ``choice`` a character from moto's
    # shared random source, read at each call (a reseed applies).
    import moto.ec2.utils as ec2_utils

    def random_resource_id(size: int = 8) -> str:
        return "".join(draws(ec2_utils.random, ec2_utils.HEX_CHARS, size))

    random_resource_id.quick = True  # type: ignore[attr-defined]
    random_resource_id.original = ec2_utils.random_resource_id  # type: ignore[attr-defined]
    ec2_utils.random_resource_id = random_resource_id


class _QuickXmltodict:
    """``xmltodict`` as moto's serializer sees it: its ``unparse`` is
    :func:`awscontainers.quickxml.unparse` (the same text, in one pass); anything else is
    xmltodict's own."""

    quick = True

    def __init__(self, real: Any):
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    @staticmethod
    def unparse(*args: Any, **kwargs: Any) -> Any:
        from .quickxml import unparse

        return unparse(*args, **kwargs)


def _quick_xml() -> None:
    """moto writes every answer of an XML protocol (EC2, IAM, Auto Scaling, CloudWatch)
    with ``xmltodict.unparse``, about a quarter of an in-process ``DescribeInstances``; its
    serializer gets :mod:`awscontainers.quickxml`'s instead (same text). Idempotent."""
    import moto.core.serialize as serialize

    if not getattr(serialize.xmltodict, "quick", False):
        serialize.xmltodict = _QuickXmltodict(serialize.xmltodict)


#: The signature version the in-process labs' clients sign with (:func:`in_process_signer`).
IN_PROCESS_SIGNATURE = "awscontainers-in-process"


def in_process_signer(signature_version: Any = None, **_: Any) -> str | None:
    """A ``choose-signer`` handler for a client of an in-process lab: what botocore would
    sign with SigV4 is signed as SigV4 does but with a placeholder signature (anything
    else, an unsigned call among them, is left as it is).

    moto in this process never checks a signature (a lab never turns its authorisation
    on), yet botocore spends about a tenth of a simple call on one: the canonical request,
    the hashes and five HMACs. The request keeps every header SigV4 gives it (the date,
    a session token, ``Authorization`` with the same credential, scope and signed
    headers, which moto reads for the access key and region); only the signature is
    zeros. A room or a real account still gets a real signature: only in-process clients
    register this. Idempotent."""
    import botocore.auth as auth

    if signature_version != "v4":
        return None
    if IN_PROCESS_SIGNATURE not in auth.AUTH_TYPE_MAPS:

        class InProcessSigV4Auth(auth.SigV4Auth):
            def canonical_request(self, request: Any) -> str:
                return ""

            def string_to_sign(self, request: Any, canonical_request: str) -> str:
                return ""

            def signature(self, string_to_sign: str, request: Any) -> str:
                return "0" * 64

        auth.AUTH_TYPE_MAPS[IN_PROCESS_SIGNATURE] = InProcessSigV4Auth
    return IN_PROCESS_SIGNATURE


#: botocore data loaders by the paths they read from (a loader keeps what it parsed): the
#: one moto's region listing reads with, and the labs' sessions (``lab._shared_loader``).
SHARED_LOADERS: dict[tuple, Any] = {}


def shared_loader(paths: tuple, loader: Any) -> Any:
    """The data loader kept for ``paths`` (``loader`` if none is kept yet), reading its
    files through the pickles a later process reads them from (:mod:`.datacache`)."""
    from .datacache import read_through_cache

    return read_through_cache(SHARED_LOADERS.setdefault(paths, loader))


def _regions_listed_once() -> None:
    """List a service's regions (and the partitions) once per process rather than once per
    boto3 session.

    moto's EC2 module asks three new sessions for EC2's regions (one per partition) as it
    is imported, and each new session reads botocore's endpoint files again: 0.35 s of every
    process's first lab (a kernel's, a test worker's) went there. The answer depends only on
    those files, so it is kept per service, partition and the data paths they are read from,
    and one session per data paths reads them. Idempotent."""
    from boto3.session import Session

    if getattr(Session.get_available_regions, "listed_once", False):
        return
    original = Session.get_available_regions
    answers: dict[tuple, list[str]] = {}
    #: The first session seen per data paths answers for all: it has read the files.
    readers: dict[tuple, Any] = {}

    def get_available_regions(
        self: Any,
        service_name: str,
        partition_name: str = "aws",
        allow_non_regional: bool = False,
    ) -> list[str]:
        paths = tuple(self._session.get_component("data_loader").search_paths)
        key = (service_name, partition_name, allow_non_regional, paths)
        if key not in answers:
            reader = readers.setdefault(paths, self)
            # Its loader, shared with the labs' sessions (lab._shared_loader): the service
            # model read here (EC2's, 4 MB of JSON) is the one their clients read next.
            core = reader._session
            loader = shared_loader(paths, core.get_component("data_loader"))
            core.register_component("data_loader", loader)
            answers[key] = original(reader, service_name, partition_name, allow_non_regional)
        return list(answers[key])

    get_available_regions.listed_once = True  # type: ignore[attr-defined]
    Session.get_available_regions = get_available_regions

    # moto's EKS checks every role ARN it is given (create_cluster, create_nodegroup, ...)
    # against the partitions a new boto3 session lists: the endpoint files read again,
    # 20-100 ms a call. Those too depend only on the files.
    original_partitions = Session.get_available_partitions
    partitions: dict[tuple, list[str]] = {}

    def get_available_partitions(self: Any) -> list[str]:
        paths = tuple(self._session.get_component("data_loader").search_paths)
        if paths not in partitions:
            partitions[paths] = original_partitions(readers.setdefault(paths, self))
        return list(partitions[paths])

    Session.get_available_partitions = get_available_partitions


class FixedAnswers:
    """Answers of reads that give moto's fixed data (the same in every account: today
    ``ec2.DescribeInstanceTypes``), kept per process and request, given again by the
    in-process labs' clients without asking moto.

    The simulators and the lab's clients ask for an instance type's sizes whenever a
    node or an instance boots, in every new lab (about 6 ms a call through moto's
    serializer and botocore's parser). A kept answer is given as moto would give it:
    the backends the request would reach are reached, a new request id is drawn from
    moto's random numbers (so every later id is the same as through moto) and stands in
    the answer's metadata, with the date. Errors are never kept."""

    OPERATIONS: dict[str, tuple[str, ...]] = {"ec2": ("DescribeInstanceTypes",)}

    def __init__(self) -> None:
        self._kept: dict[tuple, dict] = {}

    def register(self, client: Any, service: str, account_id: str, region: str) -> None:
        """Answer ``client``'s fixed reads (a lab's client on ``account_id``)."""
        for operation in self.OPERATIONS.get(service, ()):
            handlers = _KeptReadHandlers(self, service, account_id, region)
            client.meta.events.register(f"before-call.{service}.{operation}", handlers.before)
            client.meta.events.register(f"after-call.{service}.{operation}", handlers.after)

    def clear(self) -> None:
        """Forget every kept answer (tests)."""
        self._kept.clear()

    def __len__(self) -> int:
        return len(self._kept)


class _KeptReadHandlers:
    """botocore handlers of one client for :class:`FixedAnswers`."""

    def __init__(self, answers: FixedAnswers, service: str, account_id: str, region: str):
        self.answers = answers
        self.service = service
        self.account_id = account_id
        self.region = region

    def _key(self, model: Any, params: dict) -> tuple:
        body = params.get("body")
        body = tuple(sorted(body.items())) if isinstance(body, dict) else body
        return (self.service, self.region, model.name, params.get("url_path"), body)

    def before(self, model: Any, params: dict, context: dict, **_: Any) -> Any:
        import copy

        from botocore.awsrequest import AWSResponse
        from moto.core.utils import utcnow
        from moto.utilities.aws_headers import gen_amzn_requestid_long
        from werkzeug.http import http_date

        key = self._key(model, params)
        kept = self.answers._kept.get(key)
        if kept is None:
            context["awscontainers_kept"] = key
            return None
        _request_backend(self.service, self.account_id, self.region)
        request_id = gen_amzn_requestid_long()
        answer = copy.deepcopy(kept)
        headers = answer["ResponseMetadata"]["HTTPHeaders"]
        headers["x-amzn-requestid"] = request_id
        if "date" in headers:
            headers["date"] = http_date(utcnow())
        return AWSResponse(params.get("url", ""), 200, dict(headers), None), answer

    def after(self, http_response: Any, parsed: dict, context: dict, **_: Any) -> None:
        import copy

        key = context.pop("awscontainers_kept", None)
        if key is not None and http_response.status_code == 200:
            self.answers._kept[key] = copy.deepcopy(parsed)


#: The fixed answers every in-process lab's clients share.
FIXED_ANSWERS = FixedAnswers()


def _service_models_read_by_one_loader() -> None:
    """moto reads a service's model (to parse requests and serialise answers) with a new
    botocore loader each time, which first lists every service's folder: about 20 ms of
    each service's first request in a process, beside reading the model itself. One
    loader per process, made as moto makes each (moto's ``create_loader()``),
    lists them once. The model (EC2's is 4 MB of JSON, kept for the process) is read with
    the cycle collector paused, which would only walk it, and all before it, again.
    Idempotent."""
    import moto.core.utils as utils
    from moto.core.loaders import create_loader

    from .datacache import read_through_cache

    if getattr(utils._load_service_model, "quick", False):
        return
    loader = read_through_cache(create_loader())

    def _load_service_model(service_name: str, model_name: str) -> dict[str, Any]:
        with collection_paused():
            return dict(loader.load_service_model(service_name, model_name))

    _load_service_model.quick = True  # type: ignore[attr-defined]
    utils._load_service_model = _load_service_model


def _authorisation_imported_when_on() -> None:
    """moto imports its IAM access control for the first request of a process even while
    authorisation is off (as in every lab), and that imports all of moto's S3 (about
    0.15 s, which the process's first request paid: a lesson's first ``get_parameter``
    took 0.2 s). While it is off, a request is only counted, as moto counts it, and
    nothing is imported; once on, moto checks it as it always does. Idempotent."""
    from moto.core.authorization import ActionAuthenticatorMixin as Mixin

    original = Mixin._authenticate_and_authorize_normal_action
    if getattr(original, "quick", False):
        return

    def _authenticate_and_authorize_normal_action(self: Any, resource: str = "*") -> None:
        if not _counted_as_unauthorised():
            original(self, resource)

    _authenticate_and_authorize_normal_action.quick = True  # type: ignore[attr-defined]
    Mixin._authenticate_and_authorize_normal_action = _authenticate_and_authorize_normal_action


def _error_tables_kept() -> None:
    """moto answers an error by looking its code up in a table of the service's error
    shapes, kept per service by an ``ErrorLookupFactory``, but it makes a new factory for
    every error, so the table was built again each time (about 6 ms for SSM: a
    ``get_parameter`` of a name moto does not have, as every EKS-optimized AMI lookup is,
    cost 4-28 ms). Every factory now shares one cache, under moto's own key (the service
    id). Idempotent."""
    from moto.core.errors import ErrorLookupFactory

    if getattr(ErrorLookupFactory.__init__, "shared", False):
        return
    tables: dict[str, Any] = {}

    def __init__(self: Any) -> None:
        self._error_lut_cache = tables

    __init__.shared = True  # type: ignore[attr-defined]
    ErrorLookupFactory.__init__ = __init__


#: The public parameters of one tree moto ships (name -> value), read once per process.
_TREES: dict[str, dict[str, str]] = {}
#: The tree of the ECS-optimized AMIs' public parameters, by region.
_ECS_AMIS = "/aws/service/ecs/optimized-ami"


def _public_tree(path: str) -> dict[str, str]:
    if path not in _TREES:
        import os

        from moto.ssm.utils import convert_to_params
        from moto.utilities.utils import load_resource

        try:
            params = convert_to_params(load_resource(os.path.join("ssm", "resources", path)))
        except FileNotFoundError:
            params = []
        _TREES[path] = {p["Name"]: p["Value"] for p in params}
    return _TREES[path]


def _lazy_public_parameters() -> None:
    """moto makes all 5,500 of a region's ECS-optimized AMI parameters (``/aws/service/
    ecs/optimized-ami/...``) the first time a lab asks for one of them (about 0.15 s a lab,
    each lab a new account). Asked by its exact name, a parameter is now made alone, as moto
    makes it; asked by a path (``get_parameters_by_path``), the rest are made as moto makes
    them. Other trees load as moto loads them. Idempotent."""
    from moto.ssm.models import ParameterDict

    original = ParameterDict._check_loading_status
    if getattr(original, "quick", False):
        return

    def _check_loading_status(self: Any, key: str) -> None:
        key = str(key or "")
        if key.startswith(_ECS_AMIS) and not self.latest_ecs_amis_loaded:
            path = f"ecs/optimized_amis/{self.region_name}.json"
            tree = _public_tree(path)
            made = self.__dict__.setdefault("_public_made", set())
            if key in tree:
                if key not in made:
                    made.add(key)
                    _make_parameter(self, key, tree[key])
                return
            for name, value in tree.items():  # a path: the whole tree, as moto loads it
                if name not in made:
                    _make_parameter(self, name, value)
            if made:
                _tree_in_place(self, tree, made)
            made.update(tree)
            self.latest_ecs_amis_loaded = True
            return
        original(self, key)

    _check_loading_status.quick = True  # type: ignore[attr-defined]
    _check_loading_status.original = original  # type: ignore[attr-defined]
    ParameterDict._check_loading_status = _check_loading_status


def _tree_in_place(params: Any, tree: dict[str, str], made: set[str]) -> None:
    """Put a tree's parameters where moto would have: all of them, in the tree's order,
    where the first one made alone stands (moto loads the tree when the first is asked)."""
    items = list(dict.items(params))
    by_name = dict(items)
    dict.clear(params)
    placed = False
    for name, versions in items:
        if name in tree:
            if not placed and name in made:
                placed = True
                for tree_name in tree:
                    dict.__setitem__(params, tree_name, by_name[tree_name])
            continue
        dict.__setitem__(params, name, versions)


def _make_parameter(params: Any, name: str, value: str) -> None:
    """One public parameter, as moto's ``_load_tree_parameters`` makes it."""
    from moto.core.utils import utcnow
    from moto.ssm.models import Parameter

    defaultdict.__getitem__(params, name).append(
        Parameter(
            account_id=params.account_id,
            name=name,
            value=value,
            parameter_type="String",
            description=None,
            allowed_pattern=None,
            keyid=None,
            last_modified_date=utcnow(),
            version=1,
            data_type="text",
        )
    )


def _quick_attribute_names() -> None:
    """moto's response serializer finds each field of a reply on its model object by trying
    names its alias providers suggest (``AttributePicker.get_possible_keys``): six
    providers asked again for every field of every object of every reply (a third of a
    large reply's time). Their suggestions depend only on the picker's providers, the
    object's class, the field's name and its shape, so each list is kept under those; an
    object carrying its own ``Meta`` is asked as moto asks. Idempotent."""
    from moto.core import serialize

    for cls in (serialize.AttributePicker, serialize.XFormedAttributePicker):
        original = cls.__dict__["get_possible_keys"]
        if getattr(original, "quick", False):
            continue
        cls.get_possible_keys = _kept_names(original)


#: The names each picker tries, by (picker class, its providers, the object's class, the
#: field, the shape's id), with the shape (so its id is not another's) and whether every
#: name is a plain one (no dotted path).
_KEPT_NAMES: dict[tuple, tuple[Any, tuple[str, ...], bool]] = {}


def _names_key(picker: Any, obj: Any, field: str, shape: Any) -> tuple | None:
    """Where the names ``picker`` tries for ``field`` of ``obj`` are kept in
    :data:`_KEPT_NAMES`; None for an object carrying its own ``Meta`` (asked as moto asks)."""
    if "Meta" in getattr(obj, "__dict__", ()):
        return None
    return (type(picker), tuple(picker.alias_providers), type(obj), field, id(shape))


def _kept_names(original: Any) -> Any:
    kept = _KEPT_NAMES

    def get_possible_keys(self: Any, context: Any) -> Any:
        key = _names_key(self, context.obj, context.key, context.shape)
        if key is None:
            return original(self, context)
        found = kept.get(key)
        if found is None or found[0] is not context.shape:
            # The shape is kept with its names, so its id is not another's.
            names = tuple(original(self, context))
            found = (context.shape, names, all("." not in name for name in names))
            kept[key] = found
        return found[1]

    get_possible_keys.quick = True  # type: ignore[attr-defined]
    return get_possible_keys


#: For each of moto's response transformer tables (a response class's
#: ``RESPONSE_KEY_PATH_TO_TRANSFORMER``, which moto only ever adds to): the table, its size
#: when read, the last names of its paths, and which field names may end one.
_TRANSFORMED: dict[int, tuple[Any, int, tuple[str, ...], dict[str, bool]]] = {}


def _may_transform(transformers: Any, key: str) -> bool:
    """Whether a field named ``key`` may be transformed by one of ``transformers`` (paths
    that a field's path ends with): only if ``key`` ends with the last name of one of them,
    as a path ending with ``X.name`` (or with ``name``) ends with the field's own name. A
    field no path can end on is not looked for at all (about 20 comparisons a field, and
    its path joined, for every field of every reply)."""
    kept = _TRANSFORMED.get(id(transformers))
    if kept is None or kept[0] is not transformers or kept[1] != len(transformers):
        lasts = tuple({path.rsplit(".", 1)[-1] for path in transformers})
        kept = (transformers, len(transformers), lasts, {})
        _TRANSFORMED[id(transformers)] = kept
    answers = kept[3]
    may = answers.get(key)
    if may is None:
        may = answers[key] = any(key.endswith(last) for last in kept[2])
    return may


def _quick_value_picking() -> None:
    """moto's serializer reads each field of a reply through its picker
    (``ResponseSerializer.get_value``): a context object made and the serializer's path
    joined into a string for every field, then the names the picker tries. Once a field's
    names are kept (:func:`_kept_names`), the same lookups are made here directly: the
    names in order, the first found wins (None if none), then the picker's response
    transformer for the field's path, if it has one, exactly as ``AttributePicker``
    does (moto's ``get_value`` inlined for plain names: an item of what has items, else an
    attribute). A picker of another class, an object carrying its own ``Meta``, or a field
    met for the first time is read as moto reads it. Idempotent."""
    from moto.core import serialize
    from moto.core.utils import MISSING

    serializer = serialize.ResponseSerializer
    original = serializer.__dict__["get_value"]
    if getattr(original, "quick", False):
        return
    pick = serialize.get_value
    plain = {serialize.AttributePicker, serialize.XFormedAttributePicker}
    kept = _KEPT_NAMES

    def get_value(self: Any, value: Any, key: str, shape: Any) -> Any:
        picker = self._value_picker
        names = _names_key(picker, value, key, shape) if type(picker) in plain else None
        found = None if names is None else kept.get(names)
        if found is None or found[0] is not shape:
            return original(self, value, key, shape)  # keeps the names for next time
        if found[2] and hasattr(value, "__getitem__"):  # moto's get_value, inlined
            for name in found[1]:
                try:
                    got = value[name]
                    break
                except (KeyError, IndexError, TypeError, AttributeError):
                    continue
            else:
                got = None
        else:  # an attribute for plain names (moto's get_value, inlined), else moto's
            read = getattr if found[2] else pick
            for name in found[1]:
                got = read(value, name, MISSING)
                if got is not MISSING:
                    break
            else:
                got = None
        transformers = picker.response_transformers
        if transformers and _may_transform(transformers, key):
            path = f"{'.'.join(self.path)}.{key}"
            for suffix, transform in transformers.items():
                if path.endswith(suffix):
                    return transform(got)
        return got

    get_value.quick = True  # type: ignore[attr-defined]
    get_value.original = original  # type: ignore[attr-defined]
    serializer.get_value = get_value


class _Completing(dict):
    """A dict some of whose entries are made on demand (moto's public images, an answer
    read in process): whatever lists it (iteration, ``keys``, ``values``, ``items``,
    pickling) first completes it with :meth:`_complete`."""

    def _complete(self) -> None:
        raise NotImplementedError

    def __iter__(self) -> Any:
        self._complete()
        return dict.__iter__(self)

    def keys(self) -> Any:
        self._complete()
        return dict.keys(self)

    def values(self) -> Any:
        self._complete()
        return dict.values(self)

    def items(self) -> Any:
        self._complete()
        return dict.items(self)

    def __reduce__(self) -> Any:
        self._complete()
        return (dict, (dict(dict.items(self)),))


class LazyImages(_Completing):
    """A region's images (moto's ``AmiBackend.amis``), each made when first asked for.

    moto makes all 1,300 of a region's public images when an account's EC2 backend is made:
    an ``Ami`` each, with a volume and a snapshot named by random ids (about 0.15 s per
    ``Lab()``, most of a new lab's first call). Here the images wait as moto's own
    specifications and are made, exactly as moto makes them, when something asks for one
    by id or lists them. The dict holds the images made so far; listing makes the rest and
    puts all of them back in moto's order (the defaults first, in moto's loading order,
    then the account's own). ``describe_images`` first makes the waiting images its ids or
    its ``image-id`` / ``name`` filters can match and then answers from those
    (:meth:`copy`): the same images in the same order as with all of them made."""

    def __init__(self, backend: Any, pending: dict[str, dict]) -> None:
        super().__init__()
        self._backend = backend
        self._pending = pending
        self._rank = {ami_id: i for i, ami_id in enumerate(pending)}

    # -- making images ---------------------------------------------------------------------
    def _make(self, ami_id: str) -> None:
        spec = self._pending.pop(ami_id, None)
        if spec is not None:
            from moto.ec2.models.amis import Ami

            dict.__setitem__(self, ami_id, Ami(self._backend, **spec))
            if not self._pending:
                self.make(())  # the last one: put them in order

    def make(self, ids: Any) -> None:
        """Make the waiting images among ``ids``, in moto's order (once none waits, the
        dict itself is in moto's order)."""
        for ami_id in sorted((i for i in ids if i in self._pending), key=self._rank.__getitem__):
            self._make(ami_id)
        if not self._pending and not self.__dict__.get("_in_order"):
            ordered = self.ordered()
            dict.clear(self)
            dict.update(self, ordered)
            self._in_order = True

    def make_all(self) -> None:
        """Make every waiting image and put all in moto's order."""
        if self._pending:
            self.make(list(self._pending))

    def ordered(self) -> dict:
        """The images made so far, in the order moto would list them."""
        last = len(self._rank)
        items = list(dict.items(self))
        keys = {k: (self._rank.get(k, last), n) for n, (k, _) in enumerate(items)}
        return dict(sorted(items, key=lambda kv: keys[kv[0]]))

    def pending_matching(self, field: str, patterns: Any) -> list[str]:
        """Waiting images whose ``field`` (``ami_id`` or ``name``) a filter value could
        match: the glob patterns of moto's ``is_filter_matching`` (an image whose field is
        not text might match otherwise, so it is included)."""
        import fnmatch

        if isinstance(patterns, str):
            patterns = [patterns]
        out = []
        for ami_id, spec in self._pending.items():
            value = spec.get(field)
            if not isinstance(value, str) or any(
                fnmatch.fnmatch(value, str(p)) for p in patterns or []
            ):
                out.append(ami_id)
        return out

    # -- the dict moto sees ---------------------------------------------------------------------
    def __getitem__(self, key: Any) -> Any:
        if key in self._pending:
            self._make(key)
        return dict.__getitem__(self, key)

    def get(self, key: Any, default: Any = None) -> Any:
        if key in self._pending:
            self._make(key)
        return dict.get(self, key, default)

    def __contains__(self, key: Any) -> bool:
        return key in self._pending or dict.__contains__(self, key)

    def pop(self, key: Any, *default: Any) -> Any:
        if key in self._pending:
            self._make(key)
        return dict.pop(self, key, *default)

    def __delitem__(self, key: Any) -> None:
        if key in self._pending:
            self._make(key)
        dict.__delitem__(self, key)

    def __len__(self) -> int:
        return dict.__len__(self) + len(self._pending)

    def _complete(self) -> None:
        self.make_all()

    def copy(self) -> dict:
        if getattr(_VIEW, "on", False):
            return self.ordered()  # describe_images made what it can match
        self.make_all()
        return dict(dict.items(self))


class LazyOfferings(_Completing):
    """Which instance types one kind of location (``region``, ``availability-zone``...)
    offers, per region (moto's ``INSTANCE_TYPE_OFFERINGS[kind]``), each region's file read
    when that region is first asked for.

    moto reads and parses all 95 files of every region as its EC2 module is imported: about
    0.3 CPU-s of every new process's first lab (each lesson's kernel, each test worker, each
    CLI run), for the one or two regions a lab uses. A region read here is the same list
    moto makes: the file's records, each with its ``LocationType``."""

    def __init__(self, kind: str, files: dict[str, str]) -> None:
        super().__init__()
        self._kind = kind
        self._files = dict(files)

    def _read(self, region: str) -> None:
        path = self._files.pop(region, None)
        if path is not None:
            from moto.utilities.utils import load_resource

            records = load_resource(path)
            for record in records:
                record["LocationType"] = self._kind
            dict.__setitem__(self, region, records)

    def __getitem__(self, key: Any) -> Any:
        self._read(key)
        return dict.__getitem__(self, key)

    def get(self, key: Any, default: Any = None) -> Any:
        self._read(key)
        return dict.get(self, key, default)

    def __contains__(self, key: Any) -> bool:
        return key in self._files or dict.__contains__(self, key)

    def __len__(self) -> int:
        return dict.__len__(self) + len(self._files)

    def _complete(self) -> None:
        for region in list(self._files):
            self._read(region)


def _lazy_offerings() -> None:
    """Import moto's instance types with each region's offerings left to be read on first
    use (:class:`LazyOfferings`). Only when this process has not imported that module yet
    (otherwise moto has read them all already, and they stay as they are)."""
    import sys

    if "moto.ec2.models.instance_types" in sys.modules:
        return
    from moto.utilities import utils

    load_resource = utils.load_resource
    files: dict[str, dict[str, str]] = {}

    def deferred(resource: str) -> Any:
        parts = resource.split("/")
        if len(parts) == 5 and parts[2] == "instance_type_offerings":
            files.setdefault(parts[3], {})[parts[4].split(".")[0]] = resource
            return []  # read later, by LazyOfferings
        return load_resource(resource)

    utils.load_resource = deferred
    try:
        from moto.ec2.models import instance_types
    finally:
        utils.load_resource = load_resource
        # Modules imported meanwhile took the name from utils: give them moto's own back.
        for module in list(sys.modules.values()):
            if getattr(module, "load_resource", None) is deferred:
                module.load_resource = load_resource  # type: ignore[attr-defined]
    offerings = instance_types.INSTANCE_TYPE_OFFERINGS
    for kind in list(offerings):
        offerings[kind] = LazyOfferings(kind, files.get(kind, {}))


#: Set while describe_images answers from the images it made (LazyImages.copy).
_VIEW = threading.local()


#: Each region's public images as moto lists them (id -> what moto makes the image from),
#: read once per process: every lab's EC2 backend starts from a copy of its region's.
_REGION_IMAGES: dict[str, dict[str, dict]] = {}


def _region_images(region: str) -> dict[str, dict]:
    """The public images moto loads into a new backend of ``region``, in moto's order: its
    built-in list, then the region's latest and ECS-optimized AMIs. Read once per region and
    process (a lab's backend read and parsed the files again: about 20 ms a lab). Nothing
    changes these specifications: an image is made from one (``LazyImages._make``)."""
    if region not in _REGION_IMAGES:
        from moto.core.parse import default_timestamp_parser as parse_timestamp
        from moto.ec2.models import amis as moto_amis
        from moto.utilities.utils import load_resource

        pending: dict[str, dict] = {}
        sources = [moto_amis.AMIS]
        for path in ("latest_amis", "ecs/optimized_amis"):
            try:
                sources.append(load_resource(f"ec2/resources/{path}/{region}.json"))
            except FileNotFoundError:
                pass  # a region moto has no list for
        for source in sources:
            for spec in source:
                spec = dict(spec, owner_alias="amazon")
                if isinstance(spec.get("creation_date"), str) and spec["creation_date"]:
                    spec["creation_date"] = parse_timestamp(spec["creation_date"])
                pending[spec["ami_id"]] = spec
        _REGION_IMAGES[region] = pending
    return _REGION_IMAGES[region]


def _lazy_images() -> None:
    """Patch moto's ``AmiBackend`` once: images made on first use (:class:`LazyImages`),
    and ``describe_images`` making only what it can match; an image looked up by its id
    alone (every new instance's) is found in the dict. With ``MOTO_AMIS_PATH`` set, moto
    loads as it always does."""
    import os

    from moto.ec2.models.amis import AmiBackend

    original_describe = AmiBackend.describe_images
    if getattr(original_describe, "quick", False):
        return
    original_load = AmiBackend._load_amis

    def _load_amis(self: Any) -> None:
        from moto import settings

        if "MOTO_AMIS_PATH" in os.environ or not settings.ec2_load_default_amis():
            original_load(self)
            return
        self.amis = LazyImages(self, dict(_region_images(self.region_name)))

    def describe_images(
        self: Any,
        ami_ids: Any = None,
        filters: Any = None,
        exec_users: Any = None,
        owners: Any = None,
    ) -> Any:
        wanted = (filters or {}).get("image-id") if isinstance(filters, dict) else None
        if (
            not ami_ids
            and not exec_users
            and not owners
            and isinstance(filters, dict)
            and len(filters) == 1
            and isinstance(wanted, str)
            and not any(c in wanted for c in "*?[")
        ):
            # Every new instance looks its AMI up so: one id, no wildcard, one image.
            image = self.amis.get(wanted)
            return [image] if image is not None else []
        images = self.amis
        if not isinstance(images, LazyImages) or not images._pending:
            return original_describe(self, ami_ids, filters, exec_users, owners)
        given = filters if isinstance(filters, dict) else {}
        if ami_ids:
            images.make(ami_ids)  # moto matches ids only, filters aside
        elif "image-id" in given:
            images.make(images.pending_matching("ami_id", given["image-id"]))
        elif "name" in given:
            images.make(images.pending_matching("name", given["name"]))
        else:
            images.make_all()
        _VIEW.on = True
        try:
            return original_describe(self, ami_ids, filters, exec_users, owners)
        finally:
            _VIEW.on = False

    describe_images.quick = True  # type: ignore[attr-defined]
    AmiBackend.describe_images = describe_images
    _load_amis.original = original_load  # type: ignore[attr-defined]
    AmiBackend._load_amis = _load_amis


def instance_user_data(account_id: str, region: str, instance_id: str) -> str | None:
    """An in-process instance's user data, base64-encoded as ``DescribeInstanceAttribute``
    gives it (``None`` if it has none); raises ``KeyError`` for an unknown instance.

    The ECS agent and nodeadm read their configuration from it once per instance: read off
    moto's instance, that costs no request."""
    from moto.ec2.exceptions import InvalidInstanceIdError

    try:
        data = ec2_backend(account_id, region).get_instance(instance_id).user_data
    except InvalidInstanceIdError as exc:
        raise KeyError(instance_id) from exc
    if data is None or isinstance(data, str):
        return data
    return str(data.as_bytes().decode("ascii"))


# -- Auto Scaling groups read in process -------------------------------------------------------
#: What :func:`describe_groups` fills in at once, for each group: the fields the simulators
#: read at every scan. Any other field is fetched through the API on first use.
GROUP_FIELDS = (
    "AutoScalingGroupName",
    "AutoScalingGroupARN",
    "MinSize",
    "MaxSize",
    "DesiredCapacity",
    "Instances",
    "Tags",
    "LaunchTemplate",
    "LaunchConfigurationName",
    "NewInstancesProtectedFromScaleIn",
)


class LazyAnswer(_Completing):
    """One record of an API answer read off moto's model in process: the class's
    ``FIELDS`` at once, exactly as the API gives them; anything else (asked by key,
    ``get``, ``in`` or listing) makes the API call once and fills in the rest, so a reader
    sees the API's answer either way."""

    FIELDS: tuple[str, ...] = ()

    def __init__(self, fields: dict, fetch: Any) -> None:
        super().__init__(fields)
        self._fetch = fetch
        self._whole = False

    def _complete(self) -> None:
        if not self._whole:
            self._whole = True
            full = self._fetch()
            dict.clear(self)
            dict.update(self, full)

    def __missing__(self, key: Any) -> Any:
        if self._whole:
            raise KeyError(key)
        self._complete()
        return dict.__getitem__(self, key)

    def get(self, key: Any, default: Any = None) -> Any:
        if not self._whole and key not in self.FIELDS:
            self._complete()
        return dict.get(self, key, default)

    def __contains__(self, key: Any) -> bool:
        if not self._whole and key not in self.FIELDS:
            self._complete()
        return dict.__contains__(self, key)

    def __len__(self) -> int:
        self._complete()
        return dict.__len__(self)

    def __bool__(self) -> bool:
        return True  # a record always has its id

    def __eq__(self, other: object) -> bool:
        self._complete()
        return dict.__eq__(self, other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        self._complete()
        return dict.__repr__(self)


class GroupView(LazyAnswer):
    """A group of ``describe_auto_scaling_groups``'s answer (see :func:`describe_groups`)."""

    FIELDS = GROUP_FIELDS


def _flag(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() == "true"


def _group_fields(group: Any) -> dict:
    """:data:`GROUP_FIELDS` of one of moto's groups, shaped as botocore parses moto's reply
    (fields moto leaves out when empty are left out here too)."""
    instances = []
    for state in group.instance_states:
        inst: dict[str, Any] = {
            "InstanceId": state.instance_id,
            "InstanceType": state.instance_type,
            "AvailabilityZone": state.availability_zone,
            "LifecycleState": state.lifecycle_state,
            "HealthStatus": state.health_status,
        }
        config = getattr(state, "launch_configuration_name", None)
        if config is not None:
            inst["LaunchConfigurationName"] = config
        template = state.launch_template
        if template is not None:
            inst["LaunchTemplate"] = {k: str(v) for k, v in template.items()}
        if state.protected_from_scale_in is not None:
            inst["ProtectedFromScaleIn"] = _flag(state.protected_from_scale_in)
        instances.append(inst)
    fields: dict[str, Any] = {
        "AutoScalingGroupName": group.name,
        "AutoScalingGroupARN": group.arn,
    }
    template = group.launch_template
    if template is not None:
        fields["LaunchTemplate"] = {k: str(v) for k, v in template.items() if v is not None}
    config = getattr(group, "launch_configuration_name", None)
    if config is not None:
        fields["LaunchConfigurationName"] = config
    fields.update(
        MinSize=int(group.min_size),
        MaxSize=int(group.max_size),
        DesiredCapacity=int(group.desired_capacity),
        Instances=instances,
        Tags=[
            {
                "ResourceId": str(tag["ResourceId"]),
                "ResourceType": str(tag["ResourceType"]),
                "Key": str(tag["Key"]),
                "Value": str(tag.get("Value", "")),
                "PropagateAtLaunch": _flag(tag.get("PropagateAtLaunch", False)),
            }
            for tag in group.tags
        ],
    )
    if group.new_instances_protected_from_scale_in is not None:
        fields["NewInstancesProtectedFromScaleIn"] = _flag(
            group.new_instances_protected_from_scale_in
        )
    return fields


def describe_groups(account_id: str, region: str, names: list[str], fetch: Any) -> dict:
    """``describe_auto_scaling_groups(AutoScalingGroupNames=names)`` of an in-process
    account, read off moto's model: about 0.1 ms where the API call serialises and parses
    every instance of every group (6-10 ms for a group of 40). Each group is a
    :class:`GroupView`; ``fetch(name)`` gives the API's answer for one group when a reader
    asks for a field beyond :data:`GROUP_FIELDS`."""
    from moto.autoscaling.models import autoscaling_backends

    backend = autoscaling_backends[account_id][region]
    groups = backend.describe_auto_scaling_groups(list(names))
    return {
        "AutoScalingGroups": [
            GroupView(_group_fields(g), lambda name=g.name: fetch(name)) for g in groups
        ]
    }


# -- EC2 instances read in process ---------------------------------------------------------------
#: What :func:`describe_instances` fills in at once: what the ECS agent and the kubelet read
#: when an instance boots. Any other field is fetched through the API on first use.
INSTANCE_FIELDS = (
    "InstanceId",
    "ImageId",
    "InstanceType",
    "State",
    "PrivateDnsName",
    "PrivateIpAddress",
    "Placement",
    "SubnetId",
    "VpcId",
    "IamInstanceProfile",
    "Tags",
)


class InstanceView(LazyAnswer):
    """An instance of ``describe_instances``'s answer (see :func:`describe_instances`)."""

    FIELDS = INSTANCE_FIELDS


def _instance_fields(inst: Any) -> dict:
    """:data:`INSTANCE_FIELDS` of one of moto's instances, as botocore parses moto's reply
    (a field moto leaves out when empty is left out here too)."""
    placement = {
        k: v
        for k, v in (
            ("GroupName", inst.placement.group_name),
            ("Tenancy", inst.placement.tenancy),
            ("AvailabilityZone", inst.placement.zone),
            ("HostId", inst.placement.host_id),
        )
        if v is not None
    }
    fields: dict[str, Any] = {
        "InstanceId": inst.id,
        "ImageId": inst.image_id,
        "InstanceType": inst.instance_type,
        "State": {"Code": int(inst.state_code), "Name": inst.state},
        "PrivateDnsName": inst.private_dns_name,
        "PrivateIpAddress": inst.private_ip,
        "Placement": placement,
        "SubnetId": inst.subnet_id,
        "VpcId": inst.vpc_id,
        "IamInstanceProfile": dict(inst.iam_instance_profile)
        if inst.iam_instance_profile
        else None,
        "Tags": [{"Key": t["key"], "Value": t["value"]} for t in inst.get_tags()],
    }
    return {k: v for k, v in fields.items() if v not in (None, [])}


def describe_instances(account_id: str, region: str, ids: list[str], fetch: Any) -> list | None:
    """The instances of ``describe_instances(InstanceIds=ids)`` of an in-process account, in
    the API's order, each an :class:`InstanceView` (``fetch(id)`` gives the API's record
    when a reader asks for more); ``None`` when an id is unknown (the API call then says
    so, as it would)."""
    backend = ec2_backend(account_id, region)
    wanted = set(ids)
    found = [
        inst
        for reservation in backend.reservations.values()
        for inst in reservation.instances
        if inst.id in wanted
    ]
    if {inst.id for inst in found} != wanted:
        return None
    return [InstanceView(_instance_fields(i), lambda iid=i.id: fetch(iid)) for i in found]
