"""Calling boto3 on behalf of the learner: one place that turns AWS and moto failures into
:mod:`awscontainers.errors` with a next step, and the base of the boto3-shaped clients."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    ProfileNotFound,
)
from botocore.validate import ParamValidator

from .errors import (
    AlreadyExistsError,
    BackendError,
    InvalidParameterError,
    LabError,
    NotFoundError,
    ResourceInUseError,
)

if TYPE_CHECKING:
    from .lab import Lab

_NOT_FOUND = {
    "ClusterNotFoundException",
    "ServiceNotFoundException",
    "RepositoryNotFoundException",
    "ImageNotFoundException",
    "LifecyclePolicyNotFoundException",
    "RepositoryPolicyNotFoundException",
    "ScanNotFoundException",
    "UploadNotFoundException",
    "TargetNotFoundException",
    "ResourceNotFoundException",
    "NoSuchEntity",
    "ParameterNotFound",
}
_EXISTS = {
    "RepositoryAlreadyExistsException",
    "ImageAlreadyExistsException",
    "ImageTagAlreadyExistsException",
    "EntityAlreadyExists",
    "AlreadyExistsException",
    "LayerAlreadyExistsException",
}
_IN_USE = {
    "ClusterContainsContainerInstancesException",
    "ClusterContainsServicesException",
    "ClusterContainsTasksException",
    "RepositoryNotEmptyException",
    "DependencyViolation",
    "DeleteConflict",
    "ResourceInUseException",
    "ServiceNotActiveException",
}
_INVALID = {
    "InvalidParameterException",
    "InvalidParameterValueException",
    "ClientException",
    "ValidationException",
    "ValidationError",
    "InvalidParameterValue",
    "InvalidParameterCombination",
    "MissingParameter",
    "InvalidLayerPartException",
    "InvalidLayerException",
    "LayersNotFoundException",
    "LifecyclePolicyPreviewInProgressException",
    "PlatformUnknownException",
    "UnsupportedFeatureException",
}

# A room (or real AWS) refusing the caller's credential or signature: not a parameter to fix.
_REFUSED = {
    "InvalidClientTokenId": "unknown learner credential",
    "UnrecognizedClientException": "unknown credential",
    "SignatureDoesNotMatch": "signature does not match",
    "IncompleteSignature": "the request's signature is incomplete",
    "MissingAuthenticationToken": "the request is not signed",
    "RequestExpired": "the request's signature has expired",
}

_HINTS = {
    NotFoundError: "check the name or ARN (list_* calls show what exists in this lab).",
    AlreadyExistsError: "pick another name, or use the one that exists.",
    ResourceInUseError: "delete or stop what uses it first (lab.teardown() does it in order).",
    InvalidParameterError: "fix the parameter named in the message and call again.",
}


def translate(exc: BaseException, operation: str, *, endpoint: str | None = None) -> LabError:
    """Turn a boto3/botocore/moto failure into the library's own error, keeping AWS's code."""
    if isinstance(exc, LabError):
        return exc
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code", "Unknown"))
        message = err.get("Message") or str(exc)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        cls: type[LabError]
        if code in _REFUSED:
            return LabError(
                f"{operation} was refused: {_REFUSED[code]} ({message})",
                code=code,
                hint="in a workshop room, open your lab with your own join code: "
                "Lab(join='awsc1-...'), as the instructor gave it; on real AWS, check the "
                "credentials of your profile.",
            )
        if code.endswith(".NotFound") or code in _NOT_FOUND or code.endswith("NotFoundException"):
            cls = NotFoundError
        elif code in _EXISTS or code.endswith(".Duplicate"):
            cls = AlreadyExistsError
        elif code in _IN_USE:
            cls = ResourceInUseError
        elif code in _INVALID or code.startswith("Invalid") or code.endswith(".Malformed"):
            cls = InvalidParameterError
        elif status and status >= 500:
            # A moto server answers its own bugs with HTTP 500: not the learner's mistake.
            return BackendError(
                f"{operation} failed inside the moto server ({code}: {message}).",
                code=code,
                hint="this is a gap in moto, not in your call; try the in-process Lab() "
                "or report it to the awscontainers project.",
            )
        else:
            return LabError(f"{operation}: {code}: {message}", code=code)
        return cls(f"{operation}: {message}", code=code, hint=_HINTS[cls])
    if isinstance(exc, ParamValidationError):
        return InvalidParameterError(
            f"{operation}: {exc}",
            code="ParamValidationError",
            hint="the parameter names and types are boto3's own; see the boto3 documentation "
            f"for {operation}.",
        )
    if isinstance(exc, EndpointConnectionError):
        where = endpoint or exc.kwargs.get("endpoint_url") or ""
        if _is_aws(where):
            return BackendError(
                f"Cannot reach AWS at {where}.",
                hint="check this machine's network connection (and proxy settings), then try "
                "again; or use Lab() for an in-process account.",
            )
        return BackendError(
            f"Cannot reach the workshop room at {where}.",
            hint="check the URL in your join code and that the room is running (`awscontainers "
            "room start`), or use Lab() for an in-process account.",
        )
    if isinstance(exc, NoCredentialsError):
        return LabError(
            "No AWS credentials were found for the real-AWS backend.",
            hint="configure a profile (aws configure) and pass profile_name=..., or use Lab() "
            "which needs no account.",
        )
    if isinstance(exc, ProfileNotFound):
        return LabError(
            f"The AWS profile {exc.kwargs.get('profile')!r} is not in your AWS config.",
            code="ProfileNotFound",
            hint="check AWS_PROFILE and profile_name=... against `aws configure list-profiles`, "
            "or unset AWS_PROFILE to use the default credentials.",
        )
    if isinstance(exc, BotoCoreError):
        return BackendError(f"{operation}: {exc}", hint="check the backend and try again.")
    # moto's own bugs surface as bare KeyError/TypeError/AttributeError/Exception.
    return BackendError(
        f"{operation} hit a gap in the simulated AWS (moto raised {type(exc).__name__}: {exc}).",
        hint="this is not your mistake; the call may not be supported by moto in this form. "
        "Check the parameters against the boto3 docs, or report it to the awscontainers project.",
    )


def _is_aws(url: str) -> bool:
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or ""
    return host.endswith((".amazonaws.com", ".amazonaws.com.cn", ".api.aws"))


def call(client: Any, operation: str, /, **params: Any) -> dict:
    """Call ``client.<operation>(**params)`` and translate any failure."""
    try:
        return getattr(client, operation)(**params)
    except Exception as exc:  # noqa: BLE001 - every failure is translated, none swallowed
        raise translate(exc, operation, endpoint=client.meta.endpoint_url) from exc


def validate_params(
    client: Any, method: str, params: dict, filled: frozenset[str] = frozenset()
) -> None:
    """Check ``params`` for boto3's ``client.<method>`` against botocore's service model, as
    boto3 does before it sends a request: unknown names, missing required ones, wrong types.

    The lab's simulated methods answer without sending a request, so without this check
    ``run_task(cuont=3)`` would quietly run one task; the refusal carries boto3's own report.
    ``filled`` names the parameters the lab fills in or converts itself (an EKS cluster's
    ``roleArn``, a lifecycle policy given as a dict): they may be missing, and the method
    checks their values.
    """
    operation = client.meta.method_to_api_mapping.get(method)
    if operation is None:
        return
    shape = client.meta.service_model.operation_model(operation).input_shape
    checked = {k: v for k, v in params.items() if k not in filled}
    report = ParamValidator().validate(checked, shape)
    if not report.has_errors():
        return
    lines = [
        line
        for line in report.generate_report().splitlines()
        if not any(line == f'Missing required parameter in input: "{name}"' for name in filled)
    ]
    if lines:
        raise translate(ParamValidationError(report="\n".join(lines)), method)


def _validated(method: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a client method named after a boto3 operation so its parameters are checked
    first, before anything in the account changes."""

    name = method.__name__

    @functools.wraps(method)
    def checked(self: ServiceClient, /, **params: Any) -> Any:
        validate_params(self._raw, name, params, self.filled_by_lab.get(name, frozenset()))
        return method(self, **params)

    return checked


def _takes_boto3_params(function: Any) -> bool:
    if not inspect.isfunction(function) or function.__name__.startswith("_"):
        return False
    kinds = [p.kind for p in inspect.signature(function).parameters.values()]
    return kinds == [inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.VAR_KEYWORD]


class ServiceClient:
    """Base of ``lab.ecr``/``lab.ecs``/``lab.eks``: boto3's method names, parameters and
    response shapes; methods not overridden go straight to boto3, with errors translated.

    Every method a subclass defines as ``name(self, **params)`` is checked against
    botocore's model for the operation of that name before it runs (see
    :func:`validate_params`), whichever backend answers it.
    """

    service_name = ""
    #: per method, the boto3 parameters the lab fills in or converts (see validate_params)
    filled_by_lab: dict[str, frozenset[str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, attr in list(vars(cls).items()):
            if _takes_boto3_params(attr):
                setattr(cls, name, _validated(attr))

    def __init__(self, lab: Lab):
        self._lab = lab
        self._raw = lab.client(self.service_name)

    def _call(self, operation: str, /, **params: Any) -> dict:
        return call(self._raw, operation, **params)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if not hasattr(self._raw, name):
            raise AttributeError(
                f"{self.service_name} has no operation {name!r}; boto3's names are snake_case "
                f"(for example {self.service_name}.list_tags_for_resource)."
            )
        method = getattr(self._raw, name)

        @functools.wraps(method)
        def passthrough(**params: Any) -> dict:
            return self._call(name, **params)

        # Cache so the next call skips __getattr__ (this is the hot path for pass-through calls).
        self.__dict__[name] = passthrough
        return passthrough

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | {n for n in dir(self._raw) if not n.startswith("_")})

    def __repr__(self) -> str:
        return f"<lab.{self.service_name} on {self._lab.describe_backend()}>"
