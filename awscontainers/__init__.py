"""awscontainers: learn and compare the ways AWS runs containers, with no AWS account.

>>> from awscontainers import Lab
>>> with Lab() as lab:
...     lab.ecs.create_cluster(clusterName="demo")["cluster"]["clusterName"]
'demo'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    AlreadyExistsError,
    BackendError,
    BudgetExceededError,
    ConfirmationRequiredError,
    FargateSizeError,
    FargateUnsupportedError,
    InvalidParameterError,
    LabError,
    NotFoundError,
    ResourceInUseError,
    WaitInterruptedError,
)

if TYPE_CHECKING:
    from .lab import Lab

__version__ = "0.1.0"

__all__ = [
    "Lab",
    "LabError",
    "InvalidParameterError",
    "NotFoundError",
    "AlreadyExistsError",
    "ResourceInUseError",
    "FargateSizeError",
    "FargateUnsupportedError",
    "ConfirmationRequiredError",
    "BackendError",
    "WaitInterruptedError",
    "BudgetExceededError",
    "leftovers",
    "modes",
    "fargate",
]


def __getattr__(name: str) -> Any:
    # Imported on first use: boto3 and moto take a few hundred ms to load, and the modes
    # data or Fargate rules do not need them.
    if name == "Lab":
        from .lab import Lab

        return Lab
    if name == "leftovers":
        from .leftovers import leftovers

        # Importing the module of the same name made it the package's attribute: the
        # function takes its place, so a second awscontainers.leftovers() works too.
        globals()["leftovers"] = leftovers
        return leftovers
    if name in ("modes", "fargate"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'awscontainers' has no attribute {name!r}")
