"""moto's state in this process: forgetting an account, and what moto keeps beside it.

moto keeps one backend per service, account and region (``BackendDict``), and beside them a
class-level list of every model object ever made (``instances_tracked``), kept only for its
dashboard (``/moto-api/data.json``). Resetting an account rebuilds its backends (thousands of
AMIs and SSM parameters per region) and leaves the old objects on those lists: about 12 MiB
per ``Lab()``. Forgetting an account drops its backends instead, and the tracked lists of the
services a lab uses are emptied, so memory per lab is bounded.
"""

from __future__ import annotations

from typing import Any

#: moto services a lab calls (and whose dashboard lists are emptied when an account goes).
LAB_SERVICES = ("ec2", "ecs", "ecr", "eks", "iam", "autoscaling", "ssm", "sts")


def forget_account(account_id: str) -> None:
    """Drop every moto backend of ``account_id``; it is made again, empty, on next use."""
    from moto.core.base_backend import BackendDict, backend_lock

    with backend_lock:
        for backends in list(BackendDict._instances):  # type: ignore[misc]
            # dict's own membership test: BackendDict.__getitem__ would create the account.
            if dict.__contains__(backends, account_id):
                dict.__delitem__(backends, account_id)
    release_tracked()


def release_tracked() -> None:
    """Empty moto's dashboard lists of the lab's services (nothing else reads them)."""
    from moto.core.model_instances import model_data

    for service in LAB_SERVICES:
        for model in model_data.get(service, {}).values():
            model.instances_tracked = []  # type: ignore[attr-defined]


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
