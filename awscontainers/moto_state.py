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

from typing import Any

#: moto services a lab calls (and whose dashboard lists are emptied when an account goes).
LAB_SERVICES = ("ec2", "ecs", "ecr", "eks", "iam", "autoscaling", "ssm", "sts")


def forget_account(account_id: str) -> None:
    """Drop every moto backend of ``account_id``; it is made again, empty, on next use."""
    from moto.core.base_backend import AccountSpecificBackend, BackendDict, backend_lock

    with backend_lock:
        for backends in list(BackendDict._instances):  # type: ignore[misc]
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


def ec2_backend(account_id: str, region: str) -> Any:
    """moto's EC2 backend of an in-process account, for the simulator's hottest writes.

    A Fargate task's ENI is made and deleted with every task a service starts or stops:
    through boto3 each is a request moto parses, answers and serialises (about 15 ms);
    straight on the backend, the same model method moto's handler calls, it is a fraction
    of a millisecond. moto is pinned (pyproject.toml), and tests compare the two paths."""
    from moto.ec2.models import ec2_backends

    return ec2_backends[account_id][region]


def quicken() -> None:
    """Answer every moto request without listing its handler class's methods again.

    moto's dispatcher asks ``inspect.getmembers`` for the response class's method names on
    every request (about 2 ms, more than half of a simple call); the names of a class do
    not change, so they are listed once per class. Idempotent."""
    import functools

    import moto.core.responses as responses
    from moto.core.utils import method_names_from_class

    if getattr(responses.method_names_from_class, "cache_info", None) is None:
        responses.method_names_from_class = functools.lru_cache(maxsize=None)(
            method_names_from_class
        )
    _quick_image_lookup()


def _quick_image_lookup() -> None:
    """Every instance moto makes looks its AMI up with ``describe_images(filters={"image-id":
    id})``: a wildcard match against each of the region's 1,300 images (about 4 ms an
    instance). An id with no wildcard matches only the image of that id, so it is looked up
    in moto's own dict of images instead; any other call goes to moto unchanged."""
    from moto.ec2.models.amis import AmiBackend

    original = AmiBackend.describe_images
    if getattr(original, "quick", False):
        return

    def describe_images(
        self: Any,
        ami_ids: Any = None,
        filters: Any = None,
        exec_users: Any = None,
        owners: Any = None,
    ) -> Any:
        wanted = (filters or {}).get("image-id")
        if (
            not ami_ids
            and not exec_users
            and not owners
            and isinstance(filters, dict)
            and len(filters) == 1
            and isinstance(wanted, str)
            and not any(c in wanted for c in "*?[")
        ):
            image = self.amis.get(wanted)
            return [image] if image is not None else []
        return original(self, ami_ids, filters, exec_users, owners)

    describe_images.quick = True  # type: ignore[attr-defined]
    AmiBackend.describe_images = describe_images  # type: ignore[method-assign]


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
