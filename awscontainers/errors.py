"""The errors a learner can meet, named after what went wrong.

Every error the Lab raises is a :class:`LabError`. Where AWS has its own error code
(``InvalidParameterException``, ``ClientException``, ``RepositoryNotFoundException``...), it
is kept in ``.code`` so a learner can match it to what the real service would say, and the
message always ends with what to do next.
"""

from __future__ import annotations


class LabError(Exception):
    """Base class for every error the library raises.

    ``code`` is the AWS error code when the error mirrors one (else ``None``); ``hint`` is the
    next step for the learner, already included in ``str(error)``.
    """

    def __init__(self, message: str, *, code: str | None = None, hint: str | None = None):
        self.code = code
        self.hint = hint
        self.message = message
        text = message if not hint else f"{message}\n  What to do: {hint}"
        super().__init__(text)


class InvalidParameterError(LabError):
    """A parameter AWS would refuse (``InvalidParameterException`` / ``ClientException``)."""


def invalid_parameter(message: str, hint: str) -> InvalidParameterError:
    """An :class:`InvalidParameterError` carrying AWS's ``InvalidParameterException`` code.

    >>> error = invalid_parameter("vcpu must be a number.", "Write vcpu: 1")
    >>> error.code, error.hint
    ('InvalidParameterException', 'Write vcpu: 1')
    """
    return InvalidParameterError(message, code="InvalidParameterException", hint=hint)


class NotFoundError(LabError):
    """The named resource does not exist (cluster, repository, task definition, instance...)."""


class AlreadyExistsError(LabError):
    """A resource with that name already exists."""


class ResourceInUseError(LabError):
    """The resource cannot be changed or deleted while something still uses it."""


class FargateSizeError(InvalidParameterError):
    """A task or pod size that Fargate does not offer."""


class FargateUnsupportedError(InvalidParameterError):
    """A task-definition field or pod feature that Fargate does not allow."""


class ConfirmationRequiredError(LabError):
    """The real-AWS backend was asked for without an explicit confirmation."""


class BackendError(LabError):
    """The backend failed: a moto server is unreachable, or moto itself raised a bug."""


class WaitInterruptedError(LabError, KeyboardInterrupt):
    """The learner interrupted a long wait on AWS (Ctrl-C, or the notebook's stop button).

    AWS goes on with what it was doing and the lab's ledger still holds the resource; the
    hint says how to wait again or clean up. It is a ``KeyboardInterrupt`` too, so code that
    stops on an interrupt still stops."""


class BudgetExceededError(LabError):
    """A create would push the lab's hourly rate past the budget it was opened with."""


class UnsupportedError(LabError):
    """What was asked has no counterpart in this backend (for example the simulated
    scheduler's per-node verdicts, which real kube-scheduler keeps to itself)."""


def check_type(value: object, expected: type | tuple[type, ...], what: str, hint: str) -> None:
    """Refuse ``value`` unless it is an ``expected`` type, naming the argument, before a lab
    helper changes anything (``True`` is not a count, though Python calls it an ``int``).

    >>> check_type("web", str, "cluster", "pass cluster='web'.")
    >>> try:
    ...     check_type(5, str, "cluster", "pass cluster='web'.")
    ... except InvalidParameterError as err:
    ...     print(err.message)
    cluster must be a str, not int (5).
    """
    kinds = expected if isinstance(expected, tuple) else (expected,)
    if isinstance(value, bool) and bool not in kinds:
        ok = False
    else:
        ok = isinstance(value, kinds)
    if not ok:
        names = " or ".join("None" if k is type(None) else k.__name__ for k in kinds)
        raise InvalidParameterError(
            f"{what} must be a {names}, not {type(value).__name__} ({str(value)[:40]}).",
            code="InvalidParameterException",
            hint=hint,
        )
