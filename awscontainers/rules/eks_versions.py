"""EKS's Kubernetes version calendar: a version's support status and price on a date.

A minor version is in *standard support* for 14 months after its EKS release, then in
*extended support* for 12 more months at a higher control-plane price, then *unsupported*:
EKS no longer creates clusters on it and upgrades existing ones. The dates live in
``data/eks.yaml`` (``version_calendar``), copied from the EKS user guide's release calendar;
every function takes the date to judge by, so the answer never depends on when it runs.

>>> import datetime
>>> day = datetime.date(2026, 11, 30)
>>> support_status("1.34", day), support_status("1.32", day), support_status("1.31", day)
('standard', 'extended', 'unsupported')
>>> control_plane_hourly("1.32", day)
0.6
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from awscontainers.errors import InvalidParameterError
from awscontainers.rules.capacity import eks_facts

__all__ = [
    "STATUSES",
    "VersionDates",
    "calendar",
    "check_cluster_version",
    "control_plane_hourly",
    "support_status",
    "versions_on",
]

#: What :func:`support_status` answers, in the order a version passes through them.
STATUSES: tuple[str, ...] = ("standard", "extended", "unsupported")


@dataclass(frozen=True)
class VersionDates:
    """One row of the calendar. Dates are None where our sources do not give them.

    >>> calendar()["1.34"].end_of_standard_support
    datetime.date(2026, 12, 2)
    """

    version: str
    upstream_release: _dt.date | None
    eks_release: _dt.date | None
    end_of_standard_support: _dt.date | None
    end_of_extended_support: _dt.date | None


def calendar() -> dict[str, VersionDates]:
    """Every version in the calendar, oldest first.

    >>> list(calendar())[:2]
    ['1.29', '1.30']
    """
    return {
        str(row["version"]): VersionDates(
            str(row["version"]),
            row.get("upstream_release"),
            row.get("eks_release"),
            row.get("end_of_standard_support"),
            row.get("end_of_extended_support"),
        )
        for row in eks_facts()["version_calendar"]
    }


def _minor(version: str) -> tuple[int, int]:
    major, minor = version.split(".")
    return int(major), int(minor)


def _check_date(on: object) -> _dt.date:
    # datetime is a date subclass: a timestamp counts by its (UTC) day, as EKS bills.
    if isinstance(on, _dt.datetime):
        return on.date()
    if isinstance(on, _dt.date):
        return on
    raise InvalidParameterError(
        f"on must be a date, not {on!r}.",
        hint="Pass datetime.date(2026, 11, 30), or the lab's clock: lab.now().date().",
    )


def _dates(version: object) -> VersionDates:
    rows = calendar()
    text = version if isinstance(version, str) else ""
    if text in rows:
        return rows[text]
    known = ", ".join(rows)
    valid = text.count(".") == 1 and all(p.isdigit() for p in text.split("."))
    if valid and _minor(text) < _minor(next(iter(rows))):
        # Older than the calendar's first row: long past extended support.
        return VersionDates(text, None, None, _dt.date.min, _dt.date.min)
    raise InvalidParameterError(
        f"Kubernetes version {version!r} is not in EKS's calendar ({known}).",
        hint='Write the minor version as text, e.g. "1.35" (quoted in YAML).',
    )


def support_status(version: str, on: _dt.date) -> str:
    """``"standard"``, ``"extended"`` or ``"unsupported"`` for ``version`` on the day ``on``.

    Extended support starts on the day standard support ends (EKS bills it "from the
    beginning of the day", UTC); a version is unsupported from its end-of-extended-support
    day on.

    >>> import datetime
    >>> support_status("1.34", datetime.date(2026, 12, 1)), support_status(
    ...     "1.34", datetime.date(2026, 12, 2))
    ('standard', 'extended')
    """
    day = _check_date(on)
    dates = _dates(version)
    if dates.eks_release is not None and day < dates.eks_release:
        raise InvalidParameterError(
            f"Kubernetes {version} was not yet on EKS on {day}: EKS released it on "
            f"{dates.eks_release}.",
            hint="Pick a version EKS had released by that date, or a later date.",
        )
    if dates.end_of_standard_support is None or day < dates.end_of_standard_support:
        return "standard"
    if dates.end_of_extended_support is None or day < dates.end_of_extended_support:
        return "extended"
    return "unsupported"


def control_plane_hourly(version: str, on: _dt.date) -> float:
    """The EKS control plane's USD price per cluster-hour for ``version`` on ``on``.

    0.10 in standard support, 0.60 in extended support (``data/eks.yaml``). An unsupported
    version has no price: EKS does not run clusters on it (:func:`check_cluster_version`).

    >>> import datetime
    >>> control_plane_hourly("1.35", datetime.date(2026, 11, 30))
    0.1
    """
    status = support_status(version, on)
    if status == "unsupported":
        check_cluster_version(version, on)
    prices = eks_facts()["control_plane"]
    return float(prices[f"price_per_hour_{status}"])


def check_cluster_version(version: str, on: _dt.date) -> str:
    """Refuse a version EKS would refuse for a new cluster on ``on``; else its status.

    What the simulator's ``create_cluster`` should call with the lab's clock. EKS answers an
    unsupported version with ``InvalidParameterException`` ("unsupported Kubernetes
    version").

    >>> import datetime
    >>> check_cluster_version("1.33", datetime.date(2026, 11, 30))
    'extended'
    >>> check_cluster_version("1.31", datetime.date(2026, 11, 30))
    Traceback (most recent call last):
    ...
    awscontainers.errors.InvalidParameterError: unsupported Kubernetes version 1.31: its extended support ended on 2026-11-26, and EKS no longer creates clusters on it.
      What to do: Use a version in standard support (1.36, 1.35, 1.34 on 2026-11-30), or one in extended support at 0.60 USD per cluster-hour (1.33, 1.32).
    """  # noqa: E501 - a doctest shows the error as one line
    day = _check_date(on)
    status = support_status(version, day)
    if status != "unsupported":
        return status
    ended = _dates(version).end_of_extended_support
    when = f"its extended support ended on {ended}" if ended != _dt.date.min else (
        "it is older than every version in EKS's calendar"
    )  # fmt: skip
    by_status: dict[str, list[str]] = {s: [] for s in STATUSES}
    for name in reversed(list(calendar())):
        by_status[support_status(name, day)].append(name)
    extended_price = eks_facts()["control_plane"]["price_per_hour_extended"]
    raise InvalidParameterError(
        f"unsupported Kubernetes version {version}: {when}, and EKS no longer creates "
        "clusters on it.",
        code="InvalidParameterException",
        hint=(
            f"Use a version in standard support ({', '.join(by_status['standard'])} on {day}), "
            f"or one in extended support at {extended_price:.2f} USD per cluster-hour "
            f"({', '.join(by_status['extended'])})."
        ),
    )


def versions_on(on: _dt.date) -> dict[str, list[str]]:
    """The versions EKS offers for a new cluster on ``on``, newest first, by status
    (``"standard"``, ``"extended"``); versions not yet released or past extended support are
    left out.

    >>> import datetime
    >>> versions_on(datetime.date(2026, 11, 30))
    {'standard': ['1.36', '1.35', '1.34'], 'extended': ['1.33', '1.32']}
    """
    day = _check_date(on)
    found: dict[str, list[str]] = {"standard": [], "extended": []}
    for version, dates in reversed(list(calendar().items())):
        if dates.eks_release is not None and day < dates.eks_release:
            continue
        status = support_status(version, day)
        if status in found:
            found[status].append(version)
    return found
