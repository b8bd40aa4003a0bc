"""Fargate's rules as pure functions: task sizes, forbidden fields, EKS pod sizing.

Nothing here talks to AWS or moto. The figures come from ``awscontainers/data/fargate.yaml``,
which records where each one was read and when, so a learner can check them.

Units used throughout:

* ECS CPU is in *CPU units*: 1024 units = 1 vCPU.
* ECS memory is in MiB. When ECS (and EKS Fargate) write "GB" they mean GiB: "2 GB" = 2048 MiB.
* Kubernetes quantities ("250m", "512Mi") are parsed to vCPU and bytes.

>>> validate_task_size("1 vCPU", "2 GB")
(1024, 2048)
>>> capacity_annotation(*provisioned_capacity(
...     {"spec": {"containers": [{"resources": {"requests": {"cpu": "1", "memory": "8Gi"}}}]}}))
'2vCPU 9GB'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import ROUND_CEILING, Decimal
from functools import lru_cache
from typing import Any

from awscontainers.errors import (
    FargateSizeError,
    FargateUnsupportedError,
    InvalidParameterError,
)
from awscontainers.rules.data import load_packaged
from awscontainers.tables import Table

__all__ = [
    "capacity_annotation",
    "check_task_definition",
    "parse_cpu",
    "parse_memory",
    "parse_quantity_cpu",
    "parse_quantity_memory",
    "provisioned_capacity",
    "smallest_size",
    "valid_memory_for",
    "storage_support",
    "valid_sizes",
    "validate_task_size",
    "windows_sizes",
]

_UNITS_PER_VCPU = 1024
_MIB_PER_GIB = 1024
_BYTES_PER_MIB = 1024 * 1024
# Moving to EC2 is the answer to almost every "Fargate refuses this" error, so say it once.
_EC2_HINT = "or run the task on the EC2 launch type instead (requiresCompatibilities=['EC2'])"


# --------------------------------------------------------------------------- data


def _data() -> dict[str, Any]:
    return load_packaged("fargate.yaml")


def _gb_to_mib(gb: float | int) -> int:
    # Decimal(str(...)) keeps 0.5 exact; AWS's "GB" is GiB, so 1 GB = 1024 MiB.
    mib = Decimal(str(gb)) * _MIB_PER_GIB
    if mib != mib.to_integral_value():
        raise ValueError(f"fargate.yaml: {gb} GB is not a whole number of MiB")
    return int(mib)


def _expand(memory_gb: list | dict) -> list[int]:
    """Turn one row's memory (a list, or {min, max, step} in GB) into a sorted MiB list."""
    if isinstance(memory_gb, dict):
        low, high, step = (_gb_to_mib(memory_gb[k]) for k in ("min", "max", "step"))
        return list(range(low, high + 1, step))
    return sorted(_gb_to_mib(gb) for gb in memory_gb)


@lru_cache(maxsize=1)
def _sizes() -> dict[int, tuple[int, ...]]:
    # Tuples so the cached table cannot be changed by a caller by accident.
    rows = _data()["sizes"]
    return {int(row["cpu"]): tuple(_expand(row["memory_gb"])) for row in rows}


@lru_cache(maxsize=1)
def _windows_sizes() -> dict[int, tuple[int, ...]]:
    rows = _data()["windows"]["sizes"]
    return {int(row["cpu"]): tuple(_expand(row["memory_gb"])) for row in rows}


def _gb_text(mib: int) -> str:
    """512 -> '0.5 GB', the way the AWS docs and console write sizes."""
    return f"{mib / _MIB_PER_GIB:g} GB"


def _vcpu_text(units: int) -> str:
    return f"{units / _UNITS_PER_VCPU:g} vCPU"


def _cpu_choices() -> str:
    return ", ".join(f"{units} ({_vcpu_text(units)})" for units in _sizes())


# --------------------------------------------------------------------------- ECS parsing

_NUMBER = r"(\d+(?:\.\d*)?|\.\d+)"
_DIGITS_RE = re.compile(r"^\s*(\d+)\s*$")
_VCPU_RE = re.compile(rf"^\s*{_NUMBER}\s*vcpus?\s*$", re.IGNORECASE)
_MEMORY_RE = re.compile(rf"^\s*{_NUMBER}\s*(gib|gb|mib|mb)\s*$", re.IGNORECASE)


#: Far above any size ECS offers (its largest task is 192 vCPU and 1,536 GiB), yet small enough
#: that no later arithmetic overflows: a cpu or memory setting above it is refused outright.
_LARGEST_SETTING = 10**9
#: The longest quantity text the lab reads (the API server's own limit is a 64-bit number).
_LONGEST_QUANTITY = 64


def _shown(value: object) -> str:
    """``repr(value)``, cut short so a 5,000-digit mistake does not fill the screen."""
    if isinstance(value, int) and abs(value) > 10**40:
        return f"a {value.bit_length()}-bit number"
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:30]}... ({len(text)} characters)"


def parse_cpu(value: int | str) -> int:
    """Read an ECS ``cpu`` value and return CPU units (1024 units = 1 vCPU).

    Whole numbers (``1024`` or ``"1024"``) are units; text with ``vCPU`` is vCPU. A bare
    float such as ``0.5`` is refused, because it could mean units or vCPU.

    >>> parse_cpu("1024"), parse_cpu("0.25 vCPU"), parse_cpu(".5vcpu"), parse_cpu(2048)
    (1024, 256, 512, 2048)
    """
    hint = (
        "Give CPU units as a whole number (256, '1024') or vCPU as text "
        "('0.25 vCPU', '1 vCPU'); 1024 units = 1 vCPU."
    )
    units: Decimal | None = None
    # bool is a subclass of int: True must not quietly become 1 CPU unit.
    if isinstance(value, int) and not isinstance(value, bool):
        units = Decimal(value)
    elif isinstance(value, str):
        if match := _DIGITS_RE.match(value):
            units = Decimal(match[1])
        elif match := _VCPU_RE.match(value):
            units = Decimal(match[1]) * _UNITS_PER_VCPU
    if (
        units is None
        or units <= 0
        or units > _LARGEST_SETTING
        or units != units.to_integral_value()
    ):
        raise InvalidParameterError(
            f"Invalid 'cpu' setting for task: {_shown(value)}.",
            code="ClientException",
            hint=hint,
        )
    return int(units)


def parse_memory(value: int | str) -> int:
    """Read an ECS ``memory`` value and return MiB.

    Whole numbers are MiB. Text may use GB/GiB or MB/MiB; like ECS, "GB" means GiB, so
    ``"2 GB"`` is 2048 MiB.

    >>> parse_memory("2 GB"), parse_memory("0.5GB"), parse_memory("512 MiB"), parse_memory(2048)
    (2048, 512, 512, 2048)
    """
    hint = (
        "Give memory in MiB as a whole number (512, '2048') or as text with a unit "
        "('0.5 GB', '2 GB', '512 MiB'); ECS counts 1 GB as 1024 MiB."
    )
    mib: Decimal | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        mib = Decimal(value)
    elif isinstance(value, str):
        if match := _DIGITS_RE.match(value):
            mib = Decimal(match[1])
        elif match := _MEMORY_RE.match(value):
            scale = _MIB_PER_GIB if match[2].lower() in ("gb", "gib") else 1
            mib = Decimal(match[1]) * scale
    if mib is None or mib <= 0 or mib > _LARGEST_SETTING or mib != mib.to_integral_value():
        raise InvalidParameterError(
            f"Invalid 'memory' setting for task: {_shown(value)}.",
            code="ClientException",
            hint=hint,
        )
    return int(mib)


# --------------------------------------------------------------------------- sizes


def valid_sizes() -> dict[int, list[int]]:
    """Every Fargate size: CPU units -> the memory values (MiB) allowed with it.

    >>> valid_sizes()[256]
    [512, 1024, 2048]
    """
    # Fresh lists each call, so a caller editing the result cannot corrupt the table.
    return {cpu: list(memory) for cpu, memory in _sizes().items()}


def windows_sizes() -> dict[int, list[int]]:
    """Every Fargate size a Windows task may use: CPU units -> memory values (MiB).

    Windows on Fargate needs at least 1 vCPU and stops at 4 vCPU (ECS developer guide,
    task-size table).

    >>> sorted(windows_sizes()), windows_sizes()[1024][0]
    ([1024, 2048, 4096], 2048)
    """
    return {cpu: list(memory) for cpu, memory in _windows_sizes().items()}


def storage_support(orchestrator: str) -> dict[str, Any]:
    """What Fargate storage an ECS task or an EKS pod can have (``"ECS"`` or ``"EKS"``).

    ECS on Fargate attaches one EBS volume per task at launch (since January 2024); EKS on
    Fargate attaches none and mounts EFS through static provisioning only.

    >>> storage_support("ECS")["ebs_volumes_per_task"], storage_support("EKS")["efs"]
    (1, 'static provisioning only')
    """
    key = str(orchestrator).lower()
    storage = _data()["storage"]
    if key not in ("ecs", "eks"):
        raise InvalidParameterError(
            f"orchestrator must be 'ECS' or 'EKS', not {orchestrator!r}.",
            hint="Ask storage_support('ECS') or storage_support('EKS').",
        )
    return dict(storage[key])


def valid_memory_for(cpu_units: int | str) -> list[int]:
    """The memory values (MiB) Fargate allows with this CPU (units, or text like "1 vCPU").

    >>> valid_memory_for(512)
    [1024, 2048, 3072, 4096]
    """
    cpu = parse_cpu(cpu_units)
    if cpu not in _sizes():
        raise FargateSizeError(
            f"No Fargate configuration exists for CPU value {cpu}.",
            code="ClientException",
            hint=f"Use one of the Fargate CPU values: {_cpu_choices()}.",
        )
    return list(_sizes()[cpu])


def smallest_size(cpu_units: int, memory_mib: int) -> tuple[int, int] | None:
    """The smallest Fargate size with at least this CPU and memory, or None if none is big enough.

    Sizes are tried by CPU, then memory, which is how Fargate rounds a request up.

    >>> smallest_size(1024, 8448)  # 1 vCPU + 8.25 GB: no 1-vCPU size has 9 GB
    (2048, 9216)
    >>> smallest_size(16384, 123000) is None
    True
    """
    for name, amount in (("cpu_units", cpu_units), ("memory_mib", memory_mib)):
        if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
            raise InvalidParameterError(
                f"{name} must be a number of at least 0, not {amount!r}.",
                hint="Pass CPU units (1024 = 1 vCPU) and memory in MiB (1024 = 1 GB).",
            )
    for cpu, memories in _sizes().items():  # the YAML lists CPU values in rising order
        if cpu < cpu_units:
            continue
        for memory in memories:
            if memory >= memory_mib:
                return cpu, memory
    return None


def _size_hint(cpu: int, memory: int) -> str:
    """What to pick instead, based on the smallest size that holds what was asked for."""
    fit = smallest_size(cpu, memory)
    if fit is None:
        return (
            f"No Fargate size holds {_vcpu_text(cpu)} and {_gb_text(memory)} (the largest is "
            f"16 vCPU with 120 GB). Ask for less, {_EC2_HINT}."
        )
    return (
        f"The smallest Fargate size holding at least what you asked for is cpu '{fit[0]}' "
        f"({_vcpu_text(fit[0])}) with memory '{fit[1]}' ({_gb_text(fit[1])})."
    )


def validate_task_size(cpu: int | str, memory: int | str) -> tuple[int, int]:
    """Check a task-level cpu/memory pair against the Fargate table.

    Returns ``(cpu_units, memory_mib)``. Raises :class:`FargateSizeError` (code
    ``ClientException``, worded like ECS) listing the values that would be accepted.

    >>> validate_task_size("256", "0.5 GB")
    (256, 512)
    """
    cpu_units = parse_cpu(cpu)
    memory_mib = parse_memory(memory)
    sizes = _sizes()
    # The first sentence is what ECS itself answers, so learners can search for it.
    ecs_says = (
        f"No Fargate configuration exists for given values: {cpu_units} CPU, {memory_mib} memory."
    )
    if cpu_units not in sizes:
        raise FargateSizeError(
            f"{ecs_says} {cpu_units} is not a Fargate CPU value; valid CPU values are "
            f"{_cpu_choices()}.",
            code="ClientException",
            hint=_size_hint(cpu_units, memory_mib),
        )
    _check_memory(sizes, cpu_units, memory_mib, ecs_says, _size_hint(cpu_units, memory_mib))
    return cpu_units, memory_mib


def _check_memory(
    sizes: Mapping[int, Any], cpu_units: int, memory_mib: int, ecs_says: str, more: str = ""
) -> None:
    """ECS's refusal of a memory value the CPU value does not offer (Linux or Windows)."""
    if memory_mib not in sizes[cpu_units]:
        allowed = ", ".join(_gb_text(mib) for mib in sizes[cpu_units])
        raise FargateSizeError(
            f"{ecs_says} With {cpu_units} CPU ({_vcpu_text(cpu_units)}) the valid memory "
            f"values are {allowed}.",
            code="ClientException",
            hint=("Pick one of those memory values. " + more).strip(),
        )


# --------------------------------------------------------------------------- task definitions

# Extra advice for fields where there is a Fargate-friendly way to get the same result.
_FIELD_TIPS = {
    "links": "Containers in one awsvpc task share localhost: reach the other one at "
    "localhost:<port>.",
    "extraHosts": "Name resolution comes from the VPC: add a record to a Route 53 private "
    "hosted zone.",
    "dnsServers": "DNS comes from the VPC's DHCP options set and Route 53 Resolver.",
    "dnsSearchDomains": "DNS comes from the VPC's DHCP options set and Route 53 Resolver.",
    "placementConstraints": "Fargate chooses the host itself; pick subnets (and so Availability "
    "Zones) in the service's network configuration instead.",
}


def _is_set(value: Any) -> bool:
    # False, None and empty values mean "not used"; 0 is a real setting (e.g. maxSwap=0).
    if value is None or value is False:
        return False
    return not (isinstance(value, str | list | tuple | dict) and len(value) == 0)


def _refuse(where: str, field: str, what_to_do: str | None = None) -> FargateUnsupportedError:
    tip = _FIELD_TIPS.get(field.split(".")[-1], "")
    action = what_to_do or f"Remove '{field}' from {where}, {_EC2_HINT}."
    return FargateUnsupportedError(
        f"{where[0].upper()}{where[1:]} sets '{field}', which Fargate does not support.",
        code="ClientException",
        hint=f"{action} {tip}".strip(),
    )


def _requires_fargate(taskdef: Mapping[str, Any]) -> bool:
    compat = taskdef.get("requiresCompatibilities") or []
    if isinstance(compat, str):  # a lone string is a common slip for a one-item list
        compat = [compat]
    return "FARGATE" in {str(item).upper() for item in compat}


def _check_containers(containers: Iterable[Mapping[str, Any]]) -> None:
    forbidden = _data()["forbidden"]
    allowed_caps = {cap.upper() for cap in forbidden["allowed_capabilities_add"]}
    for index, container in enumerate(containers):
        where = f"container '{container.get('name') or f'#{index}'}'"
        for field in forbidden["container"]:
            if _is_set(container.get(field)):
                raise _refuse(where, field)
        # There is no 'gpu' key in the API: a GPU is asked for through resourceRequirements.
        for requirement in container.get("resourceRequirements") or []:
            if str(requirement.get("type", "")).upper() == "GPU":
                raise _refuse(
                    where,
                    "resourceRequirements type GPU",
                    "Fargate has no GPUs: remove the GPU requirement, or run the task on the EC2 "
                    "launch type with a GPU instance type (requiresCompatibilities=['EC2']).",
                )
        linux = container.get("linuxParameters") or {}
        for field in forbidden["linux_parameters"]:
            if _is_set(linux.get(field)):
                raise _refuse(where, f"linuxParameters.{field}")
        added = (linux.get("capabilities") or {}).get("add") or []
        extra = [cap for cap in added if str(cap).upper() not in allowed_caps]
        if extra:
            raise _refuse(
                where,
                f"linuxParameters.capabilities.add: {', '.join(map(str, extra))}",
                "On Fargate the only capability you may add is SYS_PTRACE: remove the "
                f"others, {_EC2_HINT}.",
            )


def _check_volumes(volumes: Iterable[Mapping[str, Any]]) -> None:
    forbidden = _data()["forbidden"]
    action = (
        "Fargate volumes are bind mounts (just a name, or 'host' without 'sourcePath') or EFS "
        f"(efsVolumeConfiguration): use one of those, {_EC2_HINT}."
    )
    for volume in volumes:
        where = f"volume '{volume.get('name', '?')}'"
        for field in forbidden["volume_keys"]:
            if _is_set(volume.get(field)):
                raise _refuse(where, field, action)
        host = volume.get("host") or {}
        for field in forbidden["volume_host_keys"]:
            if _is_set(host.get(field)):
                raise _refuse(where, f"host.{field}", action)


def _check_ephemeral_storage(storage: Mapping[str, Any] | None) -> None:
    if not storage or storage.get("sizeInGiB") is None:
        return
    size = storage["sizeInGiB"]
    limits = _data()["ephemeral_storage"]["ecs"]
    low, high = limits["min_gib"], limits["max_gib"]
    if isinstance(size, bool) or not isinstance(size, int):
        raise InvalidParameterError(
            f"ephemeralStorage.sizeInGiB must be a whole number, not {size!r}.",
            code="ClientException",
            hint=f"Set sizeInGiB to an integer from {low} to {high}.",
        )
    if not low <= size <= high:
        raise FargateUnsupportedError(
            f"ephemeralStorage.sizeInGiB is {size}, but Fargate accepts {low} to {high} GiB.",
            code="ClientException",
            hint=(
                f"Leave ephemeralStorage out to get the default {limits['default_gib']} GiB, "
                f"or set sizeInGiB between {low} and {high}."
            ),
        )


def _check_port_mappings(taskdef: Mapping[str, Any]) -> None:
    mode = taskdef.get("networkMode")
    if mode not in _data()["port_mappings"]["same_port_modes"]:
        return
    for index, container in enumerate(taskdef.get("containerDefinitions") or []):
        name = container.get("name") or f"#{index}"
        for mapping in container.get("portMappings") or []:
            host, inside = mapping.get("hostPort"), mapping.get("containerPort")
            # Left out (or 0, which the API reads as "not set") is fine: ECS copies the
            # container port.
            if host in (None, 0) or host == inside:
                continue
            raise InvalidParameterError(
                f"When networkMode={mode}, the host ports and container ports in port "
                f"mappings must match. Container '{name}' maps hostPort {host} to "
                f"containerPort {inside}.",
                code="ClientException",
                hint=(
                    f"Leave hostPort out (or set it to {inside}): in {mode} mode the task has "
                    "its own network interface, so the container's port is the task's port. "
                    "To reach it on another port, put a load balancer listener or a Service "
                    "Connect alias in front; only bridge mode remaps ports on the host."
                ),
            )


def _windows_family(taskdef: Mapping[str, Any]) -> str | None:
    platform = taskdef.get("runtimePlatform") or {}
    family = str(platform.get("operatingSystemFamily") or "")
    prefix = _data()["windows"]["operating_system_prefix"]
    return family if family.upper().startswith(prefix) else None


def _windows_choices() -> str:
    return ", ".join(f"{units} ({_vcpu_text(units)})" for units in _windows_sizes())


def _check_windows(taskdef: Mapping[str, Any], family: str) -> None:
    """Windows on Fargate: at least 1 vCPU, its own size table, x86_64 only."""
    windows = _data()["windows"]
    arch = str((taskdef.get("runtimePlatform") or {}).get("cpuArchitecture") or "X86_64")
    if arch.upper() != windows["cpu_architecture"]:
        raise FargateUnsupportedError(
            f"Windows containers on Fargate run on {windows['cpu_architecture']} only; this "
            f"task definition asks for {family} on {arch}.",
            code="ClientException",
            hint="Set runtimePlatform.cpuArchitecture='X86_64' (or leave it out), or run the "
            "task on Linux to use ARM64 (Graviton).",
        )
    cpu_units, memory_mib = parse_cpu(taskdef["cpu"]), parse_memory(taskdef["memory"])
    sizes = _windows_sizes()
    ecs_says = (
        f"No Fargate configuration exists for given values: {cpu_units} CPU, {memory_mib} memory."
    )
    if cpu_units not in sizes:
        fit = next(
            ((c, m) for c, ms in sizes.items() if c >= cpu_units for m in ms if m >= memory_mib),
            None,
        )
        nearest = (
            f"The smallest Windows size holding what you asked for is cpu '{fit[0]}' "
            f"({_vcpu_text(fit[0])}) with memory '{fit[1]}' ({_gb_text(fit[1])})."
            if fit
            else f"No Windows size holds it (the largest is 4 vCPU with 30 GB), {_EC2_HINT}."
        )
        raise FargateSizeError(
            f"{ecs_says} The CPU units cannot be less than 1 vCPU when you use Windows "
            f"containers on Fargate ({family}); valid Windows CPU values are "
            f"{_windows_choices()}.",
            code="ClientException",
            hint=nearest,
        )
    _check_memory(sizes, cpu_units, memory_mib, ecs_says)


def _check_pid_mode(pid_mode: Any, windows: str | None) -> None:
    if pid_mode in (None, ""):
        return
    rules = _data()["pid_mode"]
    if windows:
        raise FargateUnsupportedError(
            f"Tasks using the Fargate launch type with {windows} do not support pidMode: "
            "pidMode isn't supported for Windows containers on Fargate.",
            code="ClientException",
            hint="Remove pidMode from the task definition.",
        )
    if pid_mode not in rules["linux_allowed"]:
        allowed = ", ".join(repr(v) for v in rules["linux_allowed"])
        raise FargateUnsupportedError(
            f"Tasks using the Fargate launch type do not support pidMode {pid_mode!r}. "
            f"The supported value for pidMode is {allowed}.",
            code="ClientException",
            hint=(
                "Set pidMode='task' to share one process namespace between the task's "
                "containers (a monitoring sidecar can then see the app's processes), or "
                "remove it. Sharing the host's namespace (pidMode='host') needs the EC2 "
                "launch type: on Fargate the host is AWS's, not yours."
            ),
        )


def check_task_definition(taskdef: Mapping[str, Any]) -> None:
    """Refuse what ECS would refuse when registering a FARGATE task definition.

    ``taskdef`` is the keyword arguments of boto3's ``ecs.register_task_definition``. Task
    definitions that do not list ``FARGATE`` in ``requiresCompatibilities`` get only the check
    ECS makes on every launch type: in ``awsvpc`` or ``host`` network mode a ``hostPort`` must be
    left out or equal its ``containerPort``.
    The first problem found is raised, as ECS does: :class:`FargateUnsupportedError` or
    :class:`FargateSizeError`, both with code ``ClientException``.

    >>> check_task_definition({"family": "web", "requiresCompatibilities": ["FARGATE"],
    ...     "networkMode": "awsvpc", "cpu": "256", "memory": "512",
    ...     "containerDefinitions": [{"name": "web", "image": "nginx", "privileged": False}]})
    """
    if not isinstance(taskdef, Mapping):
        raise InvalidParameterError(
            f"A task definition is a dict of register_task_definition arguments, not "
            f"{type(taskdef).__name__}.",
            hint="Pass the same dict you would give ecs.register_task_definition(**taskdef).",
        )
    # ECS refuses a hostPort that differs from its containerPort in awsvpc (and host) mode
    # on every launch type, so this check comes before the Fargate-only ones.
    _check_port_mappings(taskdef)
    if not _requires_fargate(taskdef):
        return
    mode = taskdef.get("networkMode")
    if mode != _data()["defaults"]["network_mode"]:
        raise FargateUnsupportedError(
            "Fargate only supports network mode 'awsvpc'.",
            code="ClientException",
            hint=(
                f"Set networkMode='awsvpc' (you gave {mode!r}; without it ECS uses 'bridge'), "
                f"{_EC2_HINT}."
            ),
        )
    for field in ("cpu", "memory"):
        if not _is_set(taskdef.get(field)):
            raise FargateUnsupportedError(
                f"Fargate requires that '{field}' be defined at the task level.",
                code="ClientException",
                hint="Add task-level cpu and memory as a Fargate pair, e.g. cpu='256', "
                "memory='512' (valid_sizes() lists every pair).",
            )
    windows = _windows_family(taskdef)
    if windows:
        _check_windows(taskdef, windows)
    validate_task_size(taskdef["cpu"], taskdef["memory"])
    _check_pid_mode(taskdef.get("pidMode"), windows)
    for field in _data()["forbidden"]["task"]:
        if _is_set(taskdef.get(field)):
            raise _refuse("the task definition", field)
    _check_ephemeral_storage(taskdef.get("ephemeralStorage"))
    _check_volumes(taskdef.get("volumes") or [])
    _check_containers(taskdef.get("containerDefinitions") or [])


# --------------------------------------------------------------------------- Kubernetes

_QUANTITY_RE = re.compile(rf"^\s*\+?{_NUMBER}([eE][+-]?\d+|[a-zA-Z]*)\s*$")
_EXPONENT_RE = re.compile(r"^[eE][+-]?\d+$")
_MEMORY_SUFFIXES = {
    "": 1,
    "k": 1000,
    "M": 1000**2,
    "G": 1000**3,
    "T": 1000**4,
    "P": 1000**5,
    "E": 1000**6,
    "Ki": 1024,
    "Mi": 1024**2,
    "Gi": 1024**3,
    "Ti": 1024**4,
    "Pi": 1024**5,
    "Ei": 1024**6,
}


#: Kubernetes holds a quantity in a signed 64-bit number (at most about 9.2 * 10**18): a
#: number with more digits than that is refused, before any arithmetic on it.
_QUANTITY_DIGITS = 18


def _quantity(q: str | int | float, kind: str, hint: str) -> tuple[Decimal, str]:
    """Split a Kubernetes quantity into (number, suffix); exponents like 1e3 are applied."""

    def bad() -> InvalidParameterError:
        return InvalidParameterError(f"Invalid {kind} quantity: {q!r}.", hint=hint)

    if isinstance(q, bool) or not isinstance(q, str | int | float):
        raise bad()
    if not isinstance(q, str):
        number = Decimal(str(q))
        if not number.is_finite() or number < 0 or number.adjusted() > _QUANTITY_DIGITS:
            raise bad()
        return number, ""
    if len(q) > _LONGEST_QUANTITY:
        raise InvalidParameterError(
            f"Invalid {kind} quantity: {q[:30]!r}... is {len(q)} characters long.", hint=hint
        )
    match = _QUANTITY_RE.match(q)
    if match is None:
        raise bad()
    number, suffix = Decimal(match[1]), match[2]
    # "1e3" is an exponent (1000); a lone "E" is the exa suffix, handled by the caller.
    if _EXPONENT_RE.match(suffix):
        exponent = int(suffix[1:])
        if number and number.adjusted() + exponent > _QUANTITY_DIGITS:
            raise bad()
        return number.scaleb(max(exponent, -_QUANTITY_DIGITS)), ""
    if number.adjusted() > _QUANTITY_DIGITS:
        raise bad()
    return number, suffix


def _millicores(q: str | int | float) -> int:
    hint = "Write CPU as cores ('0.5', '2', 1) or millicores ('250m'); 1000m = 1 vCPU."
    number, suffix = _quantity(q, "cpu", hint)
    if suffix not in ("", "m"):
        raise InvalidParameterError(f"Invalid cpu quantity: {q!r}.", hint=hint)
    millis = number if suffix == "m" else number * 1000
    # Kubernetes keeps CPU to the millicore and rounds any finer fraction up.
    return int(millis.to_integral_value(rounding=ROUND_CEILING))


def parse_quantity_cpu(q: str | int | float) -> float:
    """A Kubernetes CPU quantity in vCPU: ``"250m"`` -> 0.25, ``"2"`` -> 2.0.

    >>> parse_quantity_cpu("250m"), parse_quantity_cpu("0.5"), parse_quantity_cpu(2)
    (0.25, 0.5, 2.0)
    """
    return _millicores(q) / 1000


def parse_quantity_memory(q: str | int | float) -> int:
    """A Kubernetes memory quantity in bytes: ``"1Gi"`` -> 1073741824, ``"1G"`` -> 10**9.

    >>> parse_quantity_memory("512Mi"), parse_quantity_memory("500M"), parse_quantity_memory(64)
    (536870912, 500000000, 64)
    """
    hint = (
        "Write memory as bytes (67108864) or with a case-sensitive suffix: Ki, Mi, Gi "
        "(powers of 1024) or k, M, G (powers of 1000), e.g. '512Mi', '1Gi', '1G'."
    )
    number, suffix = _quantity(q, "memory", hint)
    if suffix == "m":
        # Valid Kubernetes, but 'm' is milli: "500m" is half a byte, never what anyone meant.
        raise InvalidParameterError(
            f"Memory quantity {q!r} is in millibytes ('m' means 1/1000).",
            hint=f"Did you mean '{number}Mi' or '{number}M'? " + hint,
        )
    if suffix not in _MEMORY_SUFFIXES:
        raise InvalidParameterError(f"Invalid memory quantity: {q!r}.", hint=hint)
    # A fraction of a byte is rounded up, as Kubernetes does.
    return int((number * _MEMORY_SUFFIXES[suffix]).to_integral_value(rounding=ROUND_CEILING))


def _pod_spec(pod: Mapping[str, Any]) -> Mapping[str, Any]:
    if not isinstance(pod, Mapping):
        raise InvalidParameterError(
            f"A pod is a dict (a parsed manifest), not {type(pod).__name__}.",
            hint="Pass the manifest as a dict, e.g. yaml.safe_load(text).",
        )
    spec = pod.get("spec", pod if "containers" in pod else None)
    # Deployments, Jobs and friends wrap the pod spec in spec.template.spec.
    if isinstance(spec, Mapping) and "template" in spec:
        spec = (spec.get("template") or {}).get("spec")
    if not isinstance(spec, Mapping):
        raise InvalidParameterError(
            "The manifest has no pod spec.",
            hint="Pass a Pod manifest (with spec.containers) or a workload with "
            "spec.template.spec.",
        )
    return spec


def _request(container: Mapping[str, Any], resource: str) -> Any:
    resources_ = container.get("resources") or {}
    requests = resources_.get("requests") or {}
    limits = resources_.get("limits") or {}
    # Kubernetes sets a missing request to the limit, so a limit alone sizes the pod.
    return requests.get(resource, limits.get(resource, 0))


def provisioned_capacity(pod: Mapping[str, Any]) -> tuple[float, float]:
    """The Fargate size EKS gives a pod, as ``(vcpu, memory_gb)``; this is what is billed.

    Follows the EKS user guide: per resource, the larger of the sum of the containers'
    requests and the largest init container's request; plus 256 MB for kubelet, kube-proxy
    and containerd; rounded up to the smallest Fargate size holding both.

    >>> provisioned_capacity({"spec": {"containers": [
    ...     {"name": "app", "resources": {"requests": {"cpu": "1", "memory": "8Gi"}}}]}})
    (2.0, 9.0)
    """
    spec = _pod_spec(pod)
    containers = spec.get("containers") or []
    inits = spec.get("initContainers") or []
    cpu_m = max(
        sum(_millicores(_request(c, "cpu")) for c in containers),
        max((_millicores(_request(c, "cpu")) for c in inits), default=0),
    )
    memory_b = max(
        sum(parse_quantity_memory(_request(c, "memory")) for c in containers),
        max((parse_quantity_memory(_request(c, "memory")) for c in inits), default=0),
    )
    data = _data()
    # Assumption: the guide's "256 MB" and table "GB" are binary units (MiB, GiB), as in
    # ECS. The 256 is added to the *request*; a pod asking for nothing is 0 + 256 MiB,
    # which rounds to the documented default 0.25 vCPU / 0.5 GB (the annotation the guide
    # and kubectl show for pods without requests), not to 1 GB.
    cpu_units = -(-cpu_m * _UNITS_PER_VCPU // 1000)  # ceiling division, in whole units
    memory_mib = -(-memory_b // _BYTES_PER_MIB) + data["eks"]["pod_overhead_mib"]
    cpu_units = max(cpu_units, data["defaults"]["eks_pod_cpu_units"])
    memory_mib = max(memory_mib, data["defaults"]["eks_pod_memory_mib"])
    fit = smallest_size(cpu_units, memory_mib)
    if fit is None:
        raise FargateSizeError(
            f"No Fargate size holds this pod: it needs {cpu_m / 1000:g} vCPU and "
            f"{memory_mib / _MIB_PER_GIB:g} GB (its requests plus the 256 MB Fargate adds), "
            "but the largest size is 16 vCPU with 120 GB.",
            hint="Lower the pod's requests, split it into smaller pods, or run it on EC2 "
            "nodes (a managed node group) instead of a Fargate profile.",
        )
    return fit[0] / _UNITS_PER_VCPU, fit[1] / _MIB_PER_GIB


def capacity_annotation(vcpu: float, memory_gb: float) -> str:
    """The ``CapacityProvisioned`` annotation EKS puts on a Fargate pod of this size.

    >>> capacity_annotation(0.25, 0.5), capacity_annotation(2, 9)
    ('0.25vCPU 0.5GB', '2vCPU 9GB')
    """
    # Checking the size first means the function never prints an annotation EKS could not.
    validate_task_size(f"{vcpu} vCPU", f"{memory_gb} GB")
    return f"{vcpu:g}vCPU {memory_gb:g}GB"


def size_table() -> Table:
    """Every Fargate size as a table: one row per CPU value with its memory choices.

    >>> size_table()[0]
    {'vCPU': '0.25 vCPU', 'CPU units': 256, 'memory': '0.5 GB, 1 GB, 2 GB'}
    """
    rows = [
        {
            "vCPU": _vcpu_text(cpu),
            "CPU units": cpu,
            "memory": ", ".join(_gb_text(m) for m in memory),
        }
        for cpu, memory in _sizes().items()
    ]
    return Table(rows, title="Fargate task and pod sizes")
