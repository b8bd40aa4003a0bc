"""A workload to cost: a few services, how long they run and what they need.

A person writes it in a few lines of YAML (or JSON, or a dict):

.. code-block:: yaml

    services:
      - {name: web, vcpu: 1, memory_gb: 2, count: 3}
    architecture: x86        # or arm (Graviton)
    needs: {daemonsets: true}
    spot: false              # true: the tasks tolerate interruption, use Spot where possible
    multi_arch: false        # true: the images run on x86 and arm alike
    kubernetes_version: "1.35"   # optional: the EKS cluster's version (prices extended support)

A service may also ask for GPUs: ``{name: train, vcpu: 4, memory_gb: 16, gpus: 1}``.

Instead of a fixed ``count``, a service may give the tasks it needs over a day as a
``load`` (the shapes of :mod:`awscontainers.rules.curves`: constant, step, daily, points):
``{name: web, vcpu: 0.5, memory_gb: 1, load: {daily: {low: 2, high: 12, peak_hour: 14}}}``.
Its ``count`` is then the day's peak (what a fixed fleet must hold), and
:func:`awscontainers.costs.estimate_over_day` prices the day as each mode scales.

>>> w = Workload.from_text("services: [{name: web, vcpu: 1, memory_gb: 2, count: 3}]")
>>> w.services[0].count, w.hours_per_month, w.architecture
(3, 730.0, 'x86')
"""

from __future__ import annotations

import difflib
import json
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import invalid_parameter
from .rules.curves import DayCurve, day_curve
from .rules.data import parse_user_yaml, read_user_file

ARCHITECTURES: tuple[str, ...] = ("x86", "arm")
# The needs a workload can declare; each id is also a feature id in data/modes.yaml, so
# feasibility can read the answer (and its reason) straight from the modes data.
NEEDS: tuple[str, ...] = ("kubernetes_api", "daemonsets", "stateful_ebs", "gpus", "privileged")
# The longest month (31 days × 24 h): more hours than that cannot fit in a monthly bill.
MAX_HOURS_PER_MONTH = 744
#: The lab's limits on one workload, so a typo refuses at once instead of planning for
#: minutes: services (planning grows about linearly with their number: 500 plan in under
#: a second, ``benchmarks/run.py --only compare_services``), tasks over all services, and
#: the size of one task (larger than any EC2 instance: 448 vCPU, 24 TiB).
MAX_SERVICES = 500
MAX_TASKS = 100_000
MAX_TASK_VCPU = 1024
MAX_TASK_MEMORY_GB = 32_768
MAX_TASK_GPUS = 64
DEFAULT_HOURS_PER_MONTH = 730.0

_WORKLOAD_KEYS = (
    "name",
    "services",
    "hours_per_month",
    "architecture",
    "needs",
    "spot",
    "multi_arch",
    "kubernetes_version",
)
_SERVICE_KEYS = ("name", "vcpu", "memory_gb", "count", "gpus", "load")
_EXAMPLE = "services: [{name: web, vcpu: 1, memory_gb: 2, count: 3}]"


def _check_keys(given: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in given:
        if key in allowed:
            continue
        close = difflib.get_close_matches(str(key), allowed, n=1)
        suggestion = f"Did you mean {close[0]!r}? " if close else ""
        raise invalid_parameter(
            f"Unknown key {key!r} in {where}; allowed keys are {', '.join(allowed)}.",
            f"{suggestion}Remove or rename {key!r}.",
        )


def _kubernetes_version(value: Any) -> str:
    # YAML reads 1.30 as the float 1.3: refuse numbers rather than guess which was meant.
    text = value if isinstance(value, str) else None
    if text is None or not re.fullmatch(r"1\.\d{1,3}", text.strip()):
        raise invalid_parameter(
            f'kubernetes_version must be a minor version in quotes, like "1.35", not {value!r}.',
            'Write kubernetes_version: "1.35" (quoted: YAML reads 1.30 as the number 1.3).',
        )
    return text.strip()


def _shown(value: Any) -> str:
    """``repr(value)`` cut short (a 5,000-digit number cannot even be printed in full)."""
    if isinstance(value, int) and abs(value) > 10**40:
        return f"a {value.bit_length()}-bit number"
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:50]}... ({len(text)} characters)"


def _number(value: Any, where: str, *, minimum: float, strict: bool, maximum: float) -> float:
    # bool is an int in Python, but "vcpu: true" is a mistake, not 1 vCPU.
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    # A huge whole number overflows a float: refuse it before asking math about it.
    ok = ok and not (isinstance(value, int) and abs(value) > 10**18) and math.isfinite(value)
    if ok:
        ok = (value > minimum if strict else value >= minimum) and value <= maximum
    if not ok:
        low = f"more than {minimum:g}" if strict else f"at least {minimum:g}"
        high = "" if math.isinf(maximum) else f" and at most {maximum:g}"
        raise invalid_parameter(
            f"{where} must be a number {low}{high}, not {_shown(value)}.",
            f"Write a plain number, e.g. {_EXAMPLE}",
        )
    return float(value)


@dataclass(frozen=True)
class Service:
    """One service: ``count`` copies of a task (or pod) asking for ``vcpu`` and ``memory_gb``.

    >>> Service("web", vcpu=0.5, memory_gb=1, count=2).cpu_units
    512
    """

    name: str
    vcpu: float
    memory_gb: float
    count: int = 1
    #: GPUs each task (or pod) needs: ECS ``resourceRequirements`` type GPU, Kubernetes
    #: ``nvidia.com/gpu``. Whole GPUs only: neither ECS nor the NVIDIA device plugin splits one.
    gpus: int = 0
    #: The tasks needed over a day, when given instead of a fixed count (``count`` is then
    #: the day's peak).
    load: DayCurve | None = None

    @property
    def cpu_units(self) -> int:
        """The request in ECS CPU units (1024 per vCPU), rounded up to a whole unit.

        >>> Service("a", 0.25, 0.5).cpu_units
        256
        """
        return math.ceil(round(self.vcpu * 1024, 6))

    @property
    def memory_mib(self) -> int:
        """The request in MiB (1024 per GB), rounded up to a whole MiB.

        >>> Service("a", 0.25, 0.5).memory_mib
        512
        """
        return math.ceil(round(self.memory_gb * 1024, 6))

    @classmethod
    def from_dict(cls, data: Any, where: str = "service") -> Service:
        """Build and check one service.

        >>> Service.from_dict({"name": "api", "vcpu": 2, "memory_gb": 4}).count
        1
        """
        if not isinstance(data, dict):
            raise invalid_parameter(
                f"{where} must be a mapping with name, vcpu, memory_gb and count, not {data!r}.",
                f"For example: {_EXAMPLE}",
            )
        _check_keys(data, _SERVICE_KEYS, where)
        missing = [k for k in ("name", "vcpu", "memory_gb") if k not in data]
        if missing:
            raise invalid_parameter(
                f"{where} is missing {', '.join(missing)}.",
                f"Every service needs name, vcpu and memory_gb, e.g. {_EXAMPLE}",
            )
        name = data["name"]
        if not isinstance(name, str) or not name.strip():
            raise invalid_parameter(
                f"{where}.name must be a non-empty text, not {name!r}.",
                "Name the service, e.g. name: web",
            )
        where = f"service {name!r}"
        vcpu = _number(data["vcpu"], f"{where} vcpu", minimum=0, strict=True, maximum=MAX_TASK_VCPU)
        memory = _number(
            data["memory_gb"],
            f"{where} memory_gb",
            minimum=0,
            strict=True,
            maximum=MAX_TASK_MEMORY_GB,
        )
        if "load" in data:
            if "count" in data:
                raise invalid_parameter(
                    f"{where} gives both count and load.",
                    "Give count (the same number of tasks all day) or load (the tasks needed "
                    "over the day), not both.",
                )
            load = day_curve(data["load"], f"{where} load")
            data = {**data, "count": load.peak()}
        else:
            load = None
        count = data.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_TASKS:
            raise invalid_parameter(
                f"{where} count must be a whole number from 0 to {MAX_TASKS:,} (the lab's "
                f"limit), not {_shown(count)}.",
                "count is how many copies of the task run at once, e.g. count: 3",
            )
        gpus = data.get("gpus", 0)
        if isinstance(gpus, bool) or not isinstance(gpus, int) or not 0 <= gpus <= MAX_TASK_GPUS:
            raise invalid_parameter(
                f"{where} gpus must be a whole number, 0 or more (at most {MAX_TASK_GPUS}, the "
                f"lab's limit), not {_shown(gpus)}.",
                "gpus is how many whole GPUs each task needs (ECS and Kubernetes hand out "
                "whole GPUs), e.g. gpus: 1",
            )
        return cls(
            name=name.strip(), vcpu=vcpu, memory_gb=memory, count=count, gpus=gpus, load=load
        )

    def to_dict(self) -> dict[str, Any]:
        """The service as plain data.

        >>> Service("a", 1, 2, 3).to_dict()
        {'name': 'a', 'vcpu': 1, 'memory_gb': 2, 'count': 3}
        """
        data: dict[str, Any] = {
            "name": self.name,
            "vcpu": self.vcpu,
            "memory_gb": self.memory_gb,
            "count": self.count,
        }
        if self.load is not None:  # the curve, not its peak: from_dict gives it back
            del data["count"]
            data["load"] = self.load.to_dict()
        if self.gpus:  # only when asked for, so GPU-free workloads read as before
            data["gpus"] = self.gpus
        return data


@dataclass(frozen=True)
class Workload:
    """Services plus how long they run, on which processor, and what they need.

    ``needs`` maps each of :data:`NEEDS` to True/False; ``spot`` says the tasks tolerate
    interruption, so Spot capacity is used where the mode offers it.

    >>> w = Workload([Service("web", 1, 2, 1)], needs={"daemonsets": True})
    >>> w.needs["daemonsets"], w.needs["gpus"], w.task_count
    (True, False, 1)
    """

    services: list[Service]
    hours_per_month: float = DEFAULT_HOURS_PER_MONTH
    architecture: str = "x86"
    needs: dict[str, bool] = field(default_factory=dict)
    spot: bool = False
    name: str = "workload"
    #: The images run on both x86 and arm, so the cost model may pick either.
    multi_arch: bool = False
    #: The EKS cluster's Kubernetes minor version ("1.35"), or None for "a current one".
    kubernetes_version: str | None = None

    def __post_init__(self) -> None:
        # Fill in every need so callers can index needs[...] without .get(). A service that
        # asks for GPUs makes the workload need them.
        full = {need: bool(self.needs.get(need, False)) for need in NEEDS}
        if any(s.gpus for s in self.services):
            full["gpus"] = True
        object.__setattr__(self, "needs", full)

    @property
    def task_count(self) -> int:
        """How many tasks run at once, over all services.

        >>> Workload([Service("a", 1, 1, 2), Service("b", 1, 1, 3)]).task_count
        5
        """
        return sum(s.count for s in self.services)

    @property
    def has_load(self) -> bool:
        """Whether any service gives a load over the day instead of a fixed count.

        >>> Workload.from_text("services: [{name: a, vcpu: 1, memory_gb: 2, "
        ...                    "load: {daily: {low: 1, high: 4}}}]").has_load
        True
        """
        return any(s.load is not None for s in self.services)

    def scaled(self, factor: int) -> Workload:
        """The same workload with every service's count (and load) multiplied by ``factor``.

        >>> Workload([Service("a", 1, 1, 2)]).scaled(3).task_count
        6
        """
        services = []
        for s in self.services:
            if s.load is None:
                services.append(replace(s, count=s.count * factor))
            else:
                load = s.load.scaled(factor)
                services.append(replace(s, count=load.peak(), load=load))
        return replace(self, services=services)

    @classmethod
    def from_dict(cls, data: Any) -> Workload:
        """Build and check a workload from plain data (what YAML or JSON parse to).

        >>> Workload.from_dict({"services": [{"name": "a", "vcpu": 1, "memory_gb": 2}],
        ...                     "architecture": "arm", "spot": True}).architecture
        'arm'
        """
        if not isinstance(data, dict):
            raise invalid_parameter(
                f"A workload is a mapping with a 'services' list, not {type(data).__name__}.",
                f"For example: {_EXAMPLE}",
            )
        _check_keys(data, _WORKLOAD_KEYS, "the workload")
        services_data = data.get("services")
        if not isinstance(services_data, list) or not services_data:
            raise invalid_parameter(
                "The workload needs a non-empty 'services' list.",
                f"For example: {_EXAMPLE}",
            )
        if len(services_data) > MAX_SERVICES:
            raise invalid_parameter(
                f"The workload has {len(services_data)} services; the lab compares at most "
                f"{MAX_SERVICES} (the lab's limit, to keep an answer within seconds).",
                "Merge services of the same size into one with a larger count.",
            )
        services = [Service.from_dict(s, f"services[{i}]") for i, s in enumerate(services_data)]
        tasks = sum(s.count for s in services)
        if tasks > MAX_TASKS:
            raise invalid_parameter(
                f"The workload runs {tasks:,} tasks in all; the lab plans at most "
                f"{MAX_TASKS:,} (the lab's limit).",
                "Compare a slice of the fleet: costs grow in proportion to the count.",
            )
        names = [s.name for s in services]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise invalid_parameter(
                f"Service names must be unique; repeated: {', '.join(duplicates)}.",
                "Give each service its own name, or add the counts together.",
            )
        hours = _number(
            data.get("hours_per_month", DEFAULT_HOURS_PER_MONTH),
            "hours_per_month",
            minimum=0,
            strict=True,
            maximum=MAX_HOURS_PER_MONTH,
        )
        architecture = data.get("architecture", "x86")
        if not isinstance(architecture, str) or architecture.lower() not in ARCHITECTURES:
            raise invalid_parameter(
                f"architecture must be one of {', '.join(ARCHITECTURES)}, not {architecture!r}.",
                "Use x86 for Intel/AMD (x86_64, amd64) and arm for Graviton (arm64).",
            )
        needs = data.get("needs") or {}
        if not isinstance(needs, dict):
            raise invalid_parameter(
                f"needs must be a mapping of need: true/false, not {needs!r}.",
                f"For example: needs: {{daemonsets: true}}; needs are {', '.join(NEEDS)}.",
            )
        _check_keys(needs, NEEDS, "needs")
        for key, value in needs.items():
            if not isinstance(value, bool):
                raise invalid_parameter(
                    f"needs.{key} must be true or false, not {value!r}.",
                    f"Write needs: {{{key}: true}}",
                )
        spot = data.get("spot", False)
        if not isinstance(spot, bool):
            raise invalid_parameter(
                f"spot must be true or false, not {spot!r}.",
                "spot: true means the tasks tolerate interruption (Spot capacity is used).",
            )
        multi_arch = data.get("multi_arch", False)
        if not isinstance(multi_arch, bool):
            raise invalid_parameter(
                f"multi_arch must be true or false, not {multi_arch!r}.",
                "multi_arch: true means the images are built for both x86_64 and arm64.",
            )
        version = data.get("kubernetes_version")
        if version is not None:
            version = _kubernetes_version(version)
        name = data.get("name", "workload")
        if not isinstance(name, str) or not name.strip():
            raise invalid_parameter(
                f"name must be a non-empty text, not {name!r}.",
                "name: my-shop",
            )
        return cls(
            services=services,
            hours_per_month=hours,
            architecture=architecture.lower(),
            needs=dict(needs),
            spot=spot,
            name=name.strip(),
            multi_arch=multi_arch,
            kubernetes_version=version,
        )

    @classmethod
    def from_text(cls, text: str, source: str | None = None) -> Workload:
        """Parse YAML or JSON text (JSON is valid YAML, so one parser reads both); a syntax
        error names ``source``, the file the text came from, when given.

        >>> Workload.from_text('{"services": [{"name": "a", "vcpu": 1, "memory_gb": 2}]}').name
        'workload'
        """
        data = parse_user_yaml(
            text,
            lambda detail: invalid_parameter(
                f"The workload is not valid YAML or JSON: {detail}",
                f"Check indentation and brackets; a minimal workload is {_EXAMPLE}",
            ),
            source,
        )
        return cls.from_dict(data)

    @classmethod
    def from_file(cls, path: str | Path) -> Workload:
        """Read a workload from a YAML or JSON file (see ``examples/workload.yaml``)."""
        text = read_user_file(
            path,
            "workload file",
            "Check the path; examples/workload.yaml in the repository is a start.",
        )
        return cls.from_text(text, source=str(path))

    def to_dict(self) -> dict[str, Any]:
        """The workload as plain data (``from_dict(w.to_dict())`` gives it back).

        >>> w = Workload([Service("a", 1, 2, 3)])
        >>> Workload.from_dict(w.to_dict()) == w
        True
        """
        data: dict[str, Any] = {
            "name": self.name,
            "services": [s.to_dict() for s in self.services],
            "hours_per_month": self.hours_per_month,
            "architecture": self.architecture,
            "needs": dict(self.needs),
            "spot": self.spot,
        }
        # The newer keys appear only when set, so older workloads read (and print) as before.
        if self.multi_arch:
            data["multi_arch"] = True
        if self.kubernetes_version is not None:
            data["kubernetes_version"] = self.kubernetes_version
        return data

    def to_json(self) -> str:
        """The workload as JSON text."""
        return json.dumps(self.to_dict(), indent=2)
