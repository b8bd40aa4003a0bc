"""Capacity planner: how many EC2 instances of which types a container workload needs.

For the EC2-based hosting modes (ECS on EC2, EKS managed nodes) you pay per instance, not per
task, so the question is a *bin packing* one: which instances, how many, and which tasks go on
each. This module answers it, and also says how close the answer is to the best possible.

Everything is expressed in the units ECS uses:

* CPU in **CPU units**, 1024 per vCPU. EKS nodes report CPU in millicores (1000 per vCPU);
  :func:`capacity` converts them with ``millis * 1024 // 1000`` (rounding down, so a plan never
  counts on CPU the node does not have). A pod requesting ``500m`` is a task of 512 units.
* memory in **MiB**.
* on EKS, every pod also takes one of the node's pod slots (the VPC CNI's IP limit).
* GPUs in whole GPUs: a task asking for GPUs goes only on an instance type with at least that
  many free (ECS hands out whole GPUs through ``resourceRequirements``, Kubernetes through
  ``nvidia.com/gpu``; neither shares one GPU between tasks by default).

The capacity figures come from the rules the simulator uses too
(:func:`~awscontainers.rules.capacity.registered_resources`,
:func:`~awscontainers.rules.capacity.node_allocatable`,
:func:`~awscontainers.rules.capacity.max_pods`), so a plan that fits here fits in the Lab too.

>>> specs = [capacity(n, e, "ecs") for n, e in _example_instances().items()]
>>> groups = [TaskGroup("web", 512, 1024, 400), TaskGroup("worker", 1024, 2048, 200)]
>>> p = plan(groups, specs)
>>> p.hourly >= p.lower_bound, p.ratio < 1.2
(True, True)
"""

from __future__ import annotations

import functools
import itertools
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from awscontainers.errors import InvalidParameterError
from awscontainers.rules.capacity import max_pods, node_allocatable, registered_resources

__all__ = [
    "InstanceSpec",
    "Optimum",
    "Plan",
    "TaskGroup",
    "capacity",
    "heuristic_plan",
    "lower_bound",
    "naive_plan",
    "optimum",
    "plan",
]

#: CPU units per vCPU, as ECS counts them (EKS millicores are converted to these).
CPU_UNITS_PER_VCPU = 1024

# Relative tolerance for the floating-point LP: a vertex that misses a constraint by less
# than this is rounding noise, not infeasibility.
_EPS = 1e-9


@dataclass(frozen=True)
class InstanceSpec:
    """What one instance type offers to tasks, after the agent's or kubelet's reserves.

    ``cpu`` is in CPU units (1024 per vCPU), ``memory`` in MiB, ``pods`` the EKS pod limit
    (``None`` on ECS, where there is no such limit), ``gpus`` the instance's GPUs.

    >>> InstanceSpec("t3.medium", 0.0416, cpu=2048, memory=3891, pods=None).cpu
    2048
    """

    name: str
    hourly: float
    cpu: int
    memory: int
    pods: int | None = None
    gpus: int = 0


@dataclass(frozen=True)
class TaskGroup:
    """``count`` identical tasks (or pods) of ``cpu`` units, ``memory`` MiB and ``gpus`` GPUs.

    >>> TaskGroup("web", cpu=512, memory=1024, count=10)
    TaskGroup(name='web', cpu=512, memory=1024, count=10, gpus=0)
    """

    name: str
    cpu: int
    memory: int
    count: int
    gpus: int = 0


@dataclass
class Plan:
    """A fleet, the tasks on each instance, and the bound it is measured against.

    The instances are kept compressed as ``patterns``: ``(type, {group: tasks}, how many
    instances)``, because a 10,000-task plan is mostly the same few instance fillings repeated.
    :attr:`bins` expands them to one entry per instance.

    >>> p = Plan({"m5.large": 2}, 0.192, [("m5.large", {"web": 3}, 2)], 0.18, {"m5.large": 1.9})
    >>> p.bins
    [('m5.large', {'web': 3}), ('m5.large', {'web': 3})]
    >>> round(p.ratio, 3)
    1.067
    """

    instances: dict[str, int]
    hourly: float
    patterns: list[tuple[str, dict[str, int], int]]
    lower_bound: float
    lower_bound_mix: dict[str, float]
    strategy: str = ""

    @property
    def bins(self) -> list[tuple[str, dict[str, int]]]:
        """One ``(type, {group: tasks})`` per instance (a fresh dict each, safe to edit)."""
        return [(kind, dict(contents)) for kind, contents, n in self.patterns for _ in range(n)]

    @property
    def ratio(self) -> float:
        """Cost over the LP lower bound: 1.0 is provably optimal, 1.05 is 5% above it."""
        if self.lower_bound <= 0:
            return 1.0 if self.hourly <= 0 else float("inf")
        return self.hourly / self.lower_bound


def clear_caches() -> None:
    """Forget the LP systems and knapsack capacities kept between plans (tests use it to
    plan from nothing; the answers are the same either way)."""
    for cached in (
        _elimination,
        _subset_usable,
        _vertices,
        _dual_vertices,
        _usable,
        _kept_filling,
        _kept_packing,
        _kept_capacity,
    ):
        cached.cache_clear()


# -- capacity -----------------------------------------------------------------------------------


def capacity(name: str, entry: dict, flavour: str) -> InstanceSpec:
    """Usable capacity of instance type ``name`` (its ``prices.yaml`` entry) for ECS or EKS.

    >>> entry = {"hourly": 0.0416, "vcpu": 2, "memory_mib": 4096, "enis": 3, "ipv4_per_eni": 6}
    >>> capacity("t3.medium", entry, "ecs")
    InstanceSpec(name='t3.medium', hourly=0.0416, cpu=2048, memory=3992, pods=None, gpus=0)
    >>> capacity("t3.medium", entry, "eks")   # 1930 millicores -> 1976 units
    InstanceSpec(name='t3.medium', hourly=0.0416, cpu=1976, memory=3554, pods=17, gpus=0)
    >>> capacity("g4dn.xlarge", {**entry, "vcpu": 4, "memory_mib": 16384, "gpus": 1}, "ecs").gpus
    1
    """
    fields = tuple(entry.get(k, _ABSENT) for k in _CAPACITY_FIELDS)
    try:
        return _kept_capacity(name, flavour, fields)
    except TypeError:  # a field that cannot be a key (not from a price table): work it out
        return _capacity(name, entry, flavour)


# What :func:`capacity` reads of a price-table entry, and what stands for a field it lacks.
_CAPACITY_FIELDS = ("vcpu", "memory_mib", "gpus", "hourly", "enis", "ipv4_per_eni")
_ABSENT = object()


@functools.lru_cache(maxsize=1024)
def _kept_capacity(name: str, flavour: str, fields: tuple[Any, ...]) -> InstanceSpec:
    # The chooser asks for every type's capacity on every redraw: keep each.
    entry = {k: v for k, v in zip(_CAPACITY_FIELDS, fields, strict=True) if v is not _ABSENT}
    return _capacity(name, entry, flavour)


def _capacity(name: str, entry: dict, flavour: str) -> InstanceSpec:
    """:func:`capacity`'s work."""
    vcpus, memory_mib = int(entry["vcpu"]), int(entry["memory_mib"])
    # Every GPU is offered whole: the ECS agent registers each as a GPU resource, the NVIDIA
    # device plugin as one nvidia.com/gpu.
    gpus = int(entry.get("gpus") or 0)
    if flavour == "ecs":
        cpu, memory = registered_resources(vcpus, memory_mib, {})
        return InstanceSpec(name, float(entry["hourly"]), cpu, memory, None, gpus)
    if flavour == "eks":
        pods = max_pods(int(entry["enis"]), int(entry["ipv4_per_eni"]))
        millis, memory_bytes = node_allocatable(vcpus, memory_mib, pods)
        # Round down: a plan must never count on CPU the node does not have.
        cpu = millis * CPU_UNITS_PER_VCPU // 1000
        return InstanceSpec(name, float(entry["hourly"]), cpu, memory_bytes // 2**20, pods, gpus)
    raise InvalidParameterError(
        f"Unknown flavour {flavour!r} for instance type {name}.",
        hint="Use 'ecs' (ECS container instances) or 'eks' (EKS worker nodes).",
    )


# -- validation ---------------------------------------------------------------------------------


def _check(groups: Sequence[TaskGroup], specs: Sequence[InstanceSpec]) -> None:
    if not specs:
        raise InvalidParameterError(
            "No instance types to plan with.",
            hint="Pass at least one InstanceSpec, e.g. capacity('m5.large', entry, 'ecs').",
        )
    if len({s.pods is None for s in specs}) > 1:
        raise InvalidParameterError(
            "The instance specs mix ECS (pods=None) and EKS (pods set) capacities.",
            hint="Build every spec with the same flavour: capacity(name, entry, 'ecs' or 'eks').",
        )
    for s in specs:
        if s.cpu <= 0 or s.memory <= 0 or (s.pods is not None and s.pods <= 0) or s.hourly < 0:
            raise InvalidParameterError(
                f"Instance type {s.name} has no usable capacity or a negative price: {s}.",
                hint="Check its entry in prices.yaml (vcpu, memory_mib, enis, hourly).",
            )
    seen: set[str] = set()
    for g in groups:
        if g.name in seen:
            raise InvalidParameterError(
                f"Two task groups are named {g.name!r}.",
                hint="Give every group its own name, or add their counts together.",
            )
        seen.add(g.name)
        if g.cpu < 0 or g.memory < 0 or g.count < 0 or g.gpus < 0:
            raise InvalidParameterError(
                f"Task group {g.name!r} has a negative size or count: {g}.",
                hint="Use CPU units (1024 = 1 vCPU), MiB and a count of 0 or more.",
            )
        if g.cpu == 0 and g.memory == 0 and specs[0].pods is None:
            # On ECS nothing would limit how many such tasks fit on one instance.
            raise InvalidParameterError(
                f"Task group {g.name!r} asks for no CPU and no memory.",
                hint="Give the task a size, e.g. cpu=256, memory=512 (ECS needs memory).",
            )
    for g in groups:
        if g.count and g.gpus and not any(s.gpus >= g.gpus for s in specs):
            most = max(s.gpus for s in specs)
            raise InvalidParameterError(
                f"Task group {g.name!r} needs {g.gpus} GPU(s) per task, but no instance type "
                f"offers that many (the most is {most}).",
                hint="Add a GPU instance type to the price table (a g4dn, g5, g6 or p4d size "
                "with gpus: N), or ask for fewer GPUs per task. Fargate has no GPUs.",
            )
        if g.count and not any(_fits_one(g, s) for s in specs):
            by_cpu = max(specs, key=lambda s: (s.cpu, s.memory))
            by_mem = max(specs, key=lambda s: (s.memory, s.cpu))
            largest = f"{by_cpu.name} ({by_cpu.cpu} CPU units, {by_cpu.memory} MiB)"
            if by_mem is not by_cpu:
                largest += f" / {by_mem.name} ({by_mem.cpu} CPU units, {by_mem.memory} MiB)"
            raise InvalidParameterError(
                f"Task group {g.name!r} needs {g.cpu} CPU units and {g.memory} MiB per task, "
                f"more than any instance type offers; the largest usable capacity is {largest}.",
                hint="Add a bigger instance type to the price table, shrink the task, or run "
                "it on Fargate (up to 16 vCPU and 120 GB per task).",
            )


def _fits_one(g: TaskGroup, s: InstanceSpec) -> bool:
    return (
        g.cpu <= s.cpu
        and g.memory <= s.memory
        and (s.pods is None or s.pods >= 1)
        and g.gpus <= s.gpus
    )


# -- lower bound --------------------------------------------------------------------------------


def _solve(matrix: list[list[float]], rhs: list[float]) -> list[float] | None:
    """Solve a tiny square system by Gaussian elimination; ``None`` if singular."""
    steps = _elimination(tuple(map(tuple, matrix)))
    return None if steps is None else _replay(steps, rhs)


# The row operations of one elimination, then the pivots left on the diagonal.
_Steps = tuple[tuple[tuple[int, int, tuple[tuple[int, float], ...]], ...], tuple[float, ...]]


@functools.lru_cache(maxsize=1 << 16)
def _elimination(matrix: tuple[tuple[float, ...], ...]) -> _Steps | None:
    """Gaussian elimination with partial pivoting of ``matrix`` alone: the row swaps and
    multipliers, then the diagonal, or ``None`` if singular.

    They depend on the matrix only, so a system with the same matrix and another right side
    (the LP's vertices when only the task counts change) replays them (:func:`_replay`),
    the same floating-point operations in the same order as eliminating the two together.
    """
    n = len(matrix)
    a = [list(row) for row in matrix]
    ops = []
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        if abs(a[pivot][col]) < 1e-12:
            return None
        a[col], a[pivot] = a[pivot], a[col]
        rows = []
        for r in range(n):
            if r != col and a[r][col]:
                f = a[r][col] / a[col][col]
                a[r] = [x - f * y for x, y in zip(a[r], a[col], strict=True)]
                rows.append((r, f))
        ops.append((col, pivot, tuple(rows)))
    # Types with identical capacities make some systems singular in a way rounding can hide
    # until here: treat an exactly vanished pivot as singular too.
    if any(a[i][i] == 0 for i in range(n)):
        return None
    return tuple(ops), tuple(a[i][i] for i in range(n))


def _replay(steps: _Steps, rhs: Sequence[float]) -> list[float]:
    """The solution for ``rhs`` of the system whose elimination is ``steps``."""
    ops, diagonal = steps
    b = list(rhs)
    for col, pivot, rows in ops:
        b[col], b[pivot] = b[pivot], b[col]
        for r, f in rows:
            b[r] = b[r] - f * b[col]
    return [v / d for v, d in zip(b, diagonal, strict=True)]


def lower_bound(
    groups: list[TaskGroup], specs: list[InstanceSpec]
) -> tuple[float, dict[str, float]]:
    """The cheapest fleet if instances could be bought in fractions (the LP relaxation).

    Minimise ``sum(hourly_t * x_t)`` so that the fleet's total CPU, memory (on EKS pod
    slots, and GPUs when tasks ask for them) cover the workload's totals. Each type's CPU and
    memory are first rounded down to a multiple of the greatest common divisor of the task
    sizes, the most whole tasks could use (3891 MiB holds at most 3072 MiB of 1024 MiB
    tasks). No real plan can cost less, so it is the yardstick for :attr:`Plan.ratio`.

    With only 2 or 3 constraints an optimal vertex uses at most 2 or 3 types, so every vertex
    is tried: each set of up to 3 types with each set of binding constraints, one small
    linear system apiece.

    Memory-only work is cheapest on memory-optimised instances:

    >>> specs = [InstanceSpec("c5.large", 0.085, 2048, 3891),
    ...          InstanceSpec("r5.large", 0.126, 2048, 15564)]
    >>> cost, mix = lower_bound([TaskGroup("cache", 256, 4096, 38)], specs)
    >>> {k: round(v, 3) for k, v in mix.items()}, round(cost, 4)
    ({'r5.large': 12.667}, 1.596)
    """
    _check(groups, specs)
    return _cut_lp(groups, specs)


# Subsets of task groups whose own cover rows are added to the bound's LP (all of them up to
# this many groups; beyond it only each group alone and all groups together).
_CUT_GROUPS = 6


def _cut_lp(
    groups: Sequence[TaskGroup], specs: Sequence[InstanceSpec]
) -> tuple[float, dict[str, float]]:
    """The LP bound with a cover row for every resource and every subset of the groups.

    For a subset S of the groups, an instance of type t can give S's tasks at most
    ``_usable(shapes of S, t)`` of each resource (the most any filling of t with S's shapes
    alone uses), so in any plan ``sum_t n_t * usable_t(S) >= need(S)`` holds for every S and
    every resource: each row is valid, and so is the LP with all of them. S = every group is
    the plain bound; smaller S see, for example, that 4 GiB tasks cannot use a t3.medium at
    all, however much spare CPU and memory it adds to the totals.
    """
    eks = specs[0].pods is not None
    active = [g for g in groups if g.count]
    if not active:
        return 0.0, {}
    if len(active) <= _CUT_GROUPS:
        subsets = [
            sub for k in range(1, len(active) + 1) for sub in itertools.combinations(active, k)
        ]
    else:
        subsets = [(g,) for g in active] + [tuple(active)]
    rows: list[list[float]] = []  # each row divided by its need, so the right side is 1
    for sub in subsets:
        usable = _subset_usable(tuple((g.cpu, g.memory, g.gpus) for g in sub), tuple(specs))
        need = [sum(g.cpu * g.count for g in sub), sum(g.memory * g.count for g in sub)]
        need.append(sum(g.count for g in sub) if eks else 0)
        need.append(sum(g.gpus * g.count for g in sub))
        for r, total in enumerate(need):
            if total:
                rows.append([u[r] / total for u in usable])
    x = _simplex_cover(rows, [sp.hourly for sp in specs])
    if x is None:
        return float("inf"), {}
    cost = sum(sp.hourly * v for sp, v in zip(specs, x, strict=True))
    return cost, {sp.name: v for sp, v in zip(specs, x, strict=True) if v > 1e-12}


@functools.lru_cache(maxsize=1024)
def _subset_usable(
    sub: tuple[tuple[int, int, int], ...], specs: tuple[InstanceSpec, ...]
) -> tuple[tuple[int, int, int, int], ...]:
    """What each type can give the tasks of shapes ``sub`` ((CPU, memory, GPUs) each): the
    most CPU, memory, tasks and GPUs. It depends on the shapes, not the counts, so a bound
    for new counts finds it here."""
    usable = []
    for sp in specs:
        # An instance of type t holds only the tasks of S with enough GPUs on t (GPU tasks
        # need GPU instances), so only their shapes count towards what t can give S.
        shapes = tuple(sorted({(cpu, memory) for cpu, memory, gpus in sub if gpus <= sp.gpus}))
        cap = _usable(shapes, sp.cpu, sp.memory, sp.pods) if shapes else (0, 0, 0)
        usable.append((*cap, sp.gpus if shapes else 0))
    return tuple(usable)


def _simplex_cover(rows: list[list[float]], prices: list[float]) -> list[float] | None:
    """Minimise ``prices . x`` subject to ``row . x >= 1`` for every row, ``x >= 0``.

    Solved through its dual, max ``sum(y)`` subject to ``sum_r y_r * row_r[t] <= prices[t]``,
    ``y >= 0``, whose origin is feasible (prices are >= 0): a plain tableau simplex with
    Bland's rule (no cycling), the primal ``x`` read off the slacks' reduced costs. ``None``
    if some row cannot be covered (dual unbounded).
    """
    m, n = len(rows), len(prices)
    # Tableau rows: one per type t, columns y_0..y_{m-1}, slacks s_0..s_{n-1}, right side.
    tab = [
        [rows[r][t] for r in range(m)] + [1.0 if q == t else 0.0 for q in range(n)] + [prices[t]]
        for t in range(n)
    ]
    obj = [1.0] * m + [0.0] * n + [0.0]
    basis = [m + t for t in range(n)]
    for _ in range(10_000):
        enter = next((j for j in range(m + n) if obj[j] > 1e-12), None)
        if enter is None:
            break
        leave, best = None, 0.0
        for i in range(n):
            a = tab[i][enter]
            if a > 1e-12:
                ratio = tab[i][-1] / a
                if (
                    leave is None
                    or ratio < best - 1e-15
                    or (ratio <= best + 1e-15 and basis[i] < basis[leave])
                ):
                    leave, best = i, ratio
        if leave is None:
            return None
        row = tab[leave]
        piv = row[enter]
        row[:] = [v / piv for v in row]
        for i in range(n):
            if i != leave and tab[i][enter]:
                f = tab[i][enter]
                tab[i] = [v - f * w for v, w in zip(tab[i], row, strict=True)]
        f = obj[enter]
        obj = [v - f * w for v, w in zip(obj, row, strict=True)]
        basis[leave] = enter
    return [max(-obj[m + t], 0.0) for t in range(n)]


def _lp(
    groups: Sequence[TaskGroup], specs: Sequence[InstanceSpec], exact: bool = True
) -> tuple[float, dict[str, float]]:
    """The aggregate LP (totals only), for :func:`plan`'s type mixes; see :func:`_lp_data`.

    Every vertex is tried: each set of up to ``len(need)`` types with each set of as many
    binding rows, in that order, the first cheapest kept.
    """
    need, columns = _lp_data(groups, specs, exact)
    return _lp_over(need, columns, specs)


def _lp_over(
    need: list[float], columns: Sequence[Sequence[float]], specs: Sequence[InstanceSpec]
) -> tuple[float, dict[str, float]]:
    """:func:`_lp` from its data; ``columns[t]`` is ``specs[t]``'s (each type's column is
    its own, so :func:`plan` works them out once and passes any subset of the types).

    A set of types is skipped when, for some row, every one of them costs at least the best
    found so far for that row alone (``least[r]`` units at ``hourly / capacity`` each):
    prices and capacities are never negative, so any vertex on those types that passes
    the cover test costs at least that much, and could not replace the best (the margin
    covers the rounding of the sums). The answer is the one trying them all gives.
    """
    if not any(need):
        return 0.0, {}
    rows = range(len(need))
    least = [need[r] * (1 - _EPS) for r in rows]
    # What each row alone costs at least on each type (infinite where the type gives none).
    floors = [
        [least[r] * (s.hourly / c[r] if c[r] > 0 else math.inf) for r in rows if least[r] > 0]
        for s, c in zip(specs, columns, strict=True)
    ]
    best: tuple[float, dict[str, float]] | None = None
    cheap: list[int] = []  # per row, the types whose floor for it is below the best
    for support, mask, systems in _vertices(tuple(map(tuple, columns))):
        if best is not None and not all(mask & row for row in cheap):
            continue  # some row costs at least the best on every one of these types
        for system in systems:
            binding, steps = system
            if steps is _UNSOLVED:  # eliminated when first needed, then kept
                steps = system[1] = _elimination(
                    tuple(tuple(columns[t][r] for t in support) for r in binding)
                )
            if steps is None:
                continue  # singular
            x = _replay(steps, [need[r] for r in binding])
            if any(v < -_EPS for v in x):
                continue
            x = [max(v, 0.0) for v in x]
            covered = all(
                sum(columns[t][r] * v for t, v in zip(support, x, strict=True)) >= least[r]
                for r in rows
            )
            if not covered:
                continue
            cost = sum(specs[t].hourly * v for t, v in zip(support, x, strict=True))
            if best is None or cost < best[0] - 1e-12:
                mix = {specs[t].name: v for t, v in zip(support, x, strict=True) if v > 1e-12}
                best = (cost, mix)
                cheap = [
                    sum(1 << t for t, f in enumerate(floors) if f[i] * (1 - 1e-12) < cost)
                    for i in range(len(floors[0]))
                ]
    # None only when these types cannot hold the tasks at all (checked for all types).
    return best if best is not None else (float("inf"), {})


# A vertex system not eliminated yet (its slot in _vertices' answer is filled when needed).
_UNSOLVED: Any = object()


@functools.lru_cache(maxsize=256)
def _vertices(
    columns: tuple[tuple[float, ...], ...],
) -> tuple[tuple[tuple[int, ...], int, list[list[Any]]], ...]:
    """The LP's vertex systems for these capacity columns, in :func:`_lp_over`'s order: each
    set of types (and its bitmask) with its ``[binding rows, elimination]`` pairs, the
    elimination filled in by :func:`_lp_over` the first time it is needed (most sets are
    skipped) and ``None`` when the system is singular.

    The columns depend on the task shapes and the instance types, not on the counts, so
    the chooser's redraws as counts change find them here.
    """
    rows = range(len(columns[0])) if columns else range(0)
    combos = itertools.combinations
    return tuple(
        (support, sum(1 << t for t in support), [[b, _UNSOLVED] for b in combos(rows, k)])
        for k in range(1, len(rows) + 1)
        for support in combos(range(len(columns)), k)
    )


def _lp_data(
    groups: Sequence[TaskGroup], specs: Sequence[InstanceSpec], exact: bool = True
) -> tuple[list[float], list[list[float]]]:
    """The LP's right-hand side (workload totals) and one capacity column per type.

    ``exact`` uses the knapsack capacities of :func:`_usable`, else the type's capacities
    rounded down to the gcd of the task sizes (a looser view whose mixes :func:`plan` also
    tries: they sometimes pack better).
    """
    eks = specs[0].pods is not None
    gpu = _gpu_row(groups)
    need = [
        float(sum(g.cpu * g.count for g in groups)),
        float(sum(g.memory * g.count for g in groups)),
    ]
    # Tighten each type's capacity to what whole tasks can use: the most CPU, memory and tasks
    # any feasible filling of one instance with the workload's shapes reaches (see _usable).
    shapes = tuple(sorted({(g.cpu, g.memory) for g in groups if g.count}))
    columns = []
    for s in specs:
        if exact:
            cpu, memory, tasks = _usable(shapes, s.cpu, s.memory, s.pods)
        else:
            cpu_step = math.gcd(*(c for c, _ in shapes)) or 1
            mem_step = math.gcd(*(m for _, m in shapes)) or 1
            cpu, memory = s.cpu // cpu_step * cpu_step, s.memory // mem_step * mem_step
            tasks = s.pods or 0
        columns.append(
            [float(cpu), float(memory)]
            + ([float(tasks)] if eks else [])
            + ([float(s.gpus)] if gpu else [])
        )
    if eks:
        need.append(float(sum(g.count for g in groups)))
    if gpu:
        need.append(float(sum(g.gpus * g.count for g in groups)))
    return need, columns


def _gpu_row(groups: Iterable[TaskGroup]) -> bool:
    # The LPs get a GPU row only when some task asks for GPUs, so GPU-free plans are the
    # same as before GPUs were modelled.
    return any(g.gpus and g.count for g in groups)


def _lp_size(g: TaskGroup, eks: bool, gpu: bool) -> list[int]:
    """A task's demand in the LP's rows (CPU, memory, [pod slot], [GPUs])."""
    return [g.cpu, g.memory] + ([1] if eks else []) + ([g.gpus] if gpu else [])


# Most grid cells (capacity in gcd steps, CPU x memory) the exact per-type knapsack may use;
# above it the capacities are only rounded down to the gcd steps.
_KNAPSACK_CELLS = 1 << 20


@functools.lru_cache(maxsize=4096)
def _usable(
    shapes: tuple[tuple[int, int], ...], cpu: int, memory: int, pods: int | None
) -> tuple[int, int, int]:
    """The most CPU, the most memory and the most tasks one instance can hold of ``shapes``.

    Each maximum is taken separately over every feasible filling (any number of tasks of
    each ``(cpu, memory)`` shape with total CPU <= ``cpu``, memory <= ``memory`` and at most
    ``pods`` tasks), so they may come from different fillings. Why the LP stays a valid lower
    bound with these as capacities: in *any* feasible plan every instance of this type holds
    such a filling, so it uses at most these amounts of each resource; the plan's instance
    counts therefore cover the workload's totals with these columns too, i.e. they are a
    feasible LP point and the LP optimum can only be cheaper. (Ignoring the group counts,
    i.e. allowing unbounded copies of each shape, only makes the maxima larger: still valid.)

    Exact 2-D knapsack over the gcd-scaled grid, one bitset per task count: bit
    ``c * width + m`` of layer k says k tasks can use exactly c CPU steps and m memory steps.
    If the grid is too large, the capacities are rounded down to multiples of the gcd of the
    task sizes (also valid, looser). The task count is unbounded on ECS (``pods`` None), so
    it is reported as 0 there and not used.

    >>> _usable(((512, 1024), (1024, 2048), (256, 4096)), 2048, 3891, None)[:2]
    (1536, 3072)
    """
    cpu_step = math.gcd(*(c for c, _ in shapes)) or 1
    mem_step = math.gcd(*(m for _, m in shapes)) or 1
    rows, width = cpu // cpu_step + 1, memory // mem_step + 1
    moving = [(c // cpu_step, m // mem_step) for c, m in shapes if c or m]
    limit = pods if pods is not None else rows + width  # a moving task takes >= 1 step
    if not moving or rows * width > _KNAPSACK_CELLS:
        tasks = pods or 0
        if moving and pods is not None:
            tasks = min(
                pods,
                min(min(cpu // c if c else pods, memory // m if m else pods) for c, m in shapes),
            )
        if len(moving) < len(shapes):  # zero-sized pods: only the pod limit binds
            tasks = pods or 0
        return (rows - 1) * cpu_step, (width - 1) * mem_step, tasks
    row_mask = (1 << width) - 1
    steps = []
    for c, m in moving:
        if c >= rows or m >= width:
            continue
        # Cells a task of this shape can be added to without leaving the grid.
        mask = 0
        for r in range(rows - c):
            mask |= ((1 << (width - m)) - 1) << (r * width)
        steps.append((c * width + m, mask))
    layer, reach, count = 1, 1, 0
    while count < limit:
        nxt = 0
        for shift, mask in steps:
            nxt |= (layer & mask) << shift
        if not nxt:
            break
        layer, count = nxt, count + 1
        reach |= layer
    columns = 0
    for r in range(rows):
        columns |= (reach >> (r * width)) & row_mask
    most_cpu = (reach.bit_length() - 1) // width
    most_mem = columns.bit_length() - 1
    tasks = count if pods is not None else 0
    if len(moving) < len(shapes):  # zero-sized pods fill every pod slot left
        tasks = pods or 0
    return most_cpu * cpu_step, most_mem * mem_step, tasks


def _duals(
    groups: Sequence[TaskGroup], specs: Sequence[InstanceSpec], exact: bool = True
) -> list[float]:
    """Shadow prices of the LP (dollars per hour per CPU unit, MiB and pod slot).

    They solve the dual LP, max need . price with every type's capacity worth at most its
    hourly price, found like the primal by trying every vertex of a 2-3 dimensional space.
    A task's worth at these prices is what the cheapest fractional fleet pays for it.
    """
    need, columns = _lp_data(groups, specs, exact)
    best, best_value = [0.0] * len(need), -1.0
    hourly = tuple(s.hourly for s in specs)
    for price in _dual_vertices(tuple(map(tuple, columns)), hourly, len(need)):
        value = sum(n * v for n, v in zip(need, price, strict=True))
        if value > best_value:
            best, best_value = price, value
    return list(best)


@functools.lru_cache(maxsize=256)
def _dual_vertices(
    columns: tuple[tuple[float, ...], ...], hourly: tuple[float, ...], m: int
) -> tuple[list[float], ...]:
    """The dual LP's feasible vertices, in :func:`_duals`' order: they depend on the
    capacities and prices only, so a new need just picks the best of them again."""
    # Candidate tight constraints: "type t is worth exactly its price", or "price r is 0".
    tight = [(list(col), h) for col, h in zip(columns, hourly, strict=True)]
    tight += [([1.0 if r == q else 0.0 for r in range(m)], 0.0) for q in range(m)]
    out = []
    for chosen in itertools.combinations(tight, m):
        price = _solve([list(col) for col, _ in chosen], [h for _, h in chosen])
        if price is None or any(v < -_EPS for v in price):
            continue
        price = [max(v, 0.0) for v in price]
        if any(
            sum(c * v for c, v in zip(col, price, strict=True)) > h * (1 + 1e-7) + 1e-12
            for col, h in tight[: len(columns)]
        ):
            continue
        out.append(price)
    return tuple(out)


# -- packing by shape counts --------------------------------------------------------------------

# A pattern is (instance type, {group: tasks}, how many instances).
_Pattern = tuple[str, dict[str, int], int]


def _size(g: TaskGroup, eks: bool) -> tuple[int, int, int, int]:
    return (g.cpu, g.memory, 1 if eks else 0, g.gpus)


def _room(s: InstanceSpec) -> tuple[int, int, int, int]:
    return (s.cpu, s.memory, s.pods or 0, s.gpus)


def _how_many(size: Sequence[int], free: Sequence[int]) -> int:
    """How many tasks of ``size`` fit in ``free`` (at least one dimension is non-zero)."""
    return min(f // d for d, f in zip(size, free, strict=True) if d)


def per_instance(group: TaskGroup, spec: InstanceSpec) -> int:
    """How many tasks of ``group`` one empty ``spec`` instance holds (0: none fits).

    >>> per_instance(TaskGroup("web", 512, 1024, 1), InstanceSpec("t3.medium", 0.0416, 2048, 3891))
    3
    """
    return _how_many(_size(group, spec.pods is not None), _room(spec))


def _build_pattern(
    counts: dict[str, int],
    order: list[TaskGroup],
    spec: InstanceSpec,
    eks: bool,
    proportional: bool,
) -> dict[str, int]:
    """Fill one instance of ``spec`` from the remaining ``counts`` (see :func:`_fill`).

    A filling is a function of its arguments alone, and the strategies of one plan (and the
    plans of one chooser) ask for the same ones again and again: each is worked out once.
    """
    kept = _kept_filling(tuple(counts.items()), tuple(order), spec, eks, proportional)
    return dict(kept)


@functools.lru_cache(maxsize=1 << 14)
def _kept_filling(
    counts: tuple[tuple[str, int], ...],
    order: tuple[TaskGroup, ...],
    spec: InstanceSpec,
    eks: bool,
    proportional: bool,
) -> tuple[tuple[str, int], ...]:
    return tuple(_fill(dict(counts), list(order), spec, eks, proportional).items())


def _fill(
    counts: dict[str, int],
    order: list[TaskGroup],
    spec: InstanceSpec,
    eks: bool,
    proportional: bool,
) -> dict[str, int]:
    """Fill one instance of ``spec`` from the remaining ``counts``.

    ``proportional`` first takes the same fraction of every group (so the instance has the
    workload's CPU:memory mix and no resource is stranded), then tops up largest-first; else
    it is plain largest-first, as many of each shape as fit.
    """
    free = list(_room(spec))
    order = [g for g in order if g.name in counts]  # groups already used up drop out
    taken = dict.fromkeys(counts, 0)
    if proportional:
        dims = range(len(free))
        demand = [sum(_size(g, eks)[r] * counts[g.name] for g in order) for r in dims]
        share = min((free[r] / demand[r] for r in dims if demand[r]), default=1.0)
        if share >= 1:
            return {name: n for name, n in counts.items() if n}
        for g in order:
            n = int(share * counts[g.name])
            if n:
                taken[g.name] = n
                free = [f - n * d for f, d in zip(free, _size(g, eks), strict=True)]
    for g in order:
        left = counts[g.name] - taken[g.name]
        if left:
            n = min(left, _how_many(_size(g, eks), free))
            if n:
                taken[g.name] += n
                free = [f - n * d for f, d in zip(free, _size(g, eks), strict=True)]
    return {name: n for name, n in taken.items() if n}


def _pack(
    counts: dict[str, int],
    by_name: dict[str, TaskGroup],
    spec: InstanceSpec,
    eks: bool,
    proportional: bool,
) -> list[_Pattern]:
    """Pack every task of ``counts`` on instances of ``spec`` (each must fit one instance).

    Worked out once per distinct pool (the candidates of a plan share many)."""
    groups = tuple(by_name[name] for name in counts)
    kept = _kept_packing(tuple(counts.items()), groups, spec, eks, proportional)
    return [(kind, dict(contents), n) for kind, contents, n in kept]


@functools.lru_cache(maxsize=1 << 12)
def _kept_packing(
    counts: tuple[tuple[str, int], ...],
    groups: tuple[TaskGroup, ...],
    spec: InstanceSpec,
    eks: bool,
    proportional: bool,
) -> tuple[tuple[str, tuple[tuple[str, int], ...], int], ...]:
    by_name = {g.name: g for g in groups}
    patterns = _pack_all(dict(counts), by_name, spec, eks, proportional)
    return tuple((kind, tuple(contents.items()), n) for kind, contents, n in patterns)


def _pack_all(
    counts: dict[str, int],
    by_name: dict[str, TaskGroup],
    spec: InstanceSpec,
    eks: bool,
    proportional: bool,
) -> list[_Pattern]:
    """:func:`_pack`'s work."""
    counts = {k: v for k, v in counts.items() if v}
    # Largest first, measured by the share of the instance the task takes in its tightest
    # dimension: big tasks placed late are the ones that fail to find room.
    room = _room(spec)
    order = sorted(
        (by_name[name] for name in counts),
        key=lambda g: -max(d / r for d, r in zip(_size(g, eks), room, strict=True) if r),
    )
    patterns: list[_Pattern] = []
    while counts:
        contents = _build_pattern(counts, order, spec, eks, proportional)
        # Repeat the filling as often as every shape in it can still supply: O(1) for what
        # would otherwise be hundreds of identical instances.
        repeat = min(counts[name] // n for name, n in contents.items())
        patterns.append((spec.name, contents, repeat))
        for name, n in contents.items():
            counts[name] -= n * repeat
        counts = {k: v for k, v in counts.items() if v}
    return patterns


def _needs_of(contents: dict[str, int], by_name: dict[str, TaskGroup]) -> tuple[int, int, int, int]:
    """The CPU, memory, GPUs and pod slots a filling takes."""
    cpu = sum(by_name[k].cpu * n for k, n in contents.items())
    memory = sum(by_name[k].memory * n for k, n in contents.items())
    gpus = sum(by_name[k].gpus * n for k, n in contents.items())
    return cpu, memory, gpus, sum(contents.values())


def _downsize(
    patterns: list[_Pattern],
    by_name: dict[str, TaskGroup],
    specs: Sequence[InstanceSpec],
    moves: dict[tuple[str, tuple[tuple[str, int], ...]], str] | None = None,
) -> list[_Pattern]:
    """Move each filling to the cheapest type that holds it (mostly the part-empty tail).

    ``moves`` keeps where each filling went, for the next call with the same groups and
    types (the strategies of one plan move the same fillings many times)."""
    price = {s.name: s.hourly for s in specs}
    cheapest = sorted(specs, key=lambda s: s.hourly)
    merged: dict[tuple[str, tuple[tuple[str, int], ...]], int] = {}
    for kind, contents, n in patterns:
        items = tuple(sorted(contents.items()))
        if moves is not None and (kind, items) in moves:
            moved = moves[kind, items]
        else:
            moved = kind
            cpu, memory, gpus, pods = _needs_of(contents, by_name)
            for s in cheapest:
                if s.hourly >= price[kind]:
                    break
                if (
                    cpu <= s.cpu
                    and memory <= s.memory
                    and (s.pods is None or pods <= s.pods)
                    and gpus <= s.gpus
                ):  # the filling fits on s
                    moved = s.name
                    break
            if moves is not None:
                moves[kind, items] = moved
        key = (moved, items)
        merged[key] = merged.get(key, 0) + n
    return [(kind, dict(items), n) for (kind, items), n in merged.items()]


def _value_greedy(
    counts: dict[str, int],
    by_name: dict[str, TaskGroup],
    specs: Sequence[InstanceSpec],
    eks: bool,
    price: Sequence[float],
    anchored: bool = False,
) -> list[_Pattern]:
    """Repeatedly buy the instance filling with the most LP-priced work per dollar.

    Each task is worth its resources at the LP's shadow prices; for every type a few fillings
    are tried (proportional, then largest-, CPU-, memory- and worth-first) and the one whose
    worth per hourly dollar is highest is repeated as often as the counts allow. Unlike the
    per-pool packing this sees integer waste: a type that strands memory loses here.

    ``anchored`` places the hardest group first (the one that fits the fewest types, then the
    largest): every filling must hold its tasks first, the rest of the instance is topped up
    from the other groups. Small tasks then fill the gaps big ones leave on big instances
    instead of being used up on cheap small ones first (on EKS, 3 batch pods + 1 api + 2
    sidecars on a c5.2xlarge rather than the api pods each alone on a t3.medium).
    """

    gpu = _gpu_row(by_name.values())
    worths: dict[str, float] = {}
    shares: dict[tuple[int, str], float] = {}
    kept_orders: dict[tuple[int, tuple[str, ...], str | None], list[list[TaskGroup]]] = {}

    def worth(g: TaskGroup) -> float:
        if g.name not in worths:
            # The tiny size term keeps tasks that use only free resources from being worth 0.
            size = _lp_size(g, eks, gpu)
            worths[g.name] = sum(p * d for p, d in zip(price, size, strict=True)) + 1e-12 * (
                g.cpu + g.memory
            )
        return worths[g.name]

    def hardness(g: TaskGroup) -> tuple[int, float]:
        fits = sum(_fits_one(g, s) for s in specs)
        return fits, -sum(d / r for d, r in zip(_size(g, eks), top, strict=True) if r)

    def orders_for(
        t: int, todo: list[TaskGroup], anchor: TaskGroup | None
    ) -> list[list[TaskGroup]]:
        # The same groups left on the same type sort the same way: sort them once.
        key = (t, tuple(g.name for g in todo), None if anchor is None else anchor.name)
        if key in kept_orders:
            return kept_orders[key]
        room = _room(specs[t])

        def share(g: TaskGroup) -> float:
            if (t, g.name) not in shares:
                shares[t, g.name] = max(
                    d / r for d, r in zip(_size(g, eks), room, strict=True) if r
                )
            return shares[t, g.name]

        orders = [
            sorted(todo, key=lambda g: -share(g)),
            sorted(todo, key=lambda g: -g.cpu / (g.memory or 0.5)),
            sorted(todo, key=lambda g: -g.memory / (g.cpu or 0.5)),
            sorted(todo, key=lambda g: -worth(g) / share(g)),
        ]
        if anchor is not None:  # the anchor's tasks first, then the others' in each order
            orders = [[anchor] + [g for g in order if g is not anchor] for order in orders]
        kept_orders[key] = orders
        return orders

    top = [max(r) for r in zip(*(_room(s) for s in specs), strict=True)]
    counts = {k: v for k, v in counts.items() if v}
    patterns: list[_Pattern] = []
    while counts:
        todo = [by_name[k] for k in counts]
        anchor = min(todo, key=hardness) if anchored else None
        best: tuple[float, InstanceSpec, dict[str, int]] | None = None
        for t, spec in enumerate(specs):
            if anchor is not None and not _fits_one(anchor, spec):
                continue
            orders = orders_for(t, todo, anchor)
            if anchor is not None:
                fillings = [_build_pattern(counts, order, spec, eks, False) for order in orders]
            else:
                fillings = [_build_pattern(counts, orders[0], spec, eks, True)]
                fillings += [_build_pattern(counts, order, spec, eks, False) for order in orders]
            for contents in fillings:
                if not contents or (anchor is not None and anchor.name not in contents):
                    continue
                value = sum(worth(by_name[k]) * n for k, n in contents.items())
                gain = value / spec.hourly if spec.hourly else float("inf")
                if best is None or gain > best[0]:
                    best = (gain, spec, contents)
        assert best is not None  # every task fits some type (checked up front)
        _, spec, contents = best
        repeat = min(counts[name] // n for name, n in contents.items())
        patterns.append((spec.name, contents, repeat))
        for name, n in contents.items():
            counts[name] -= n * repeat
        counts = {k: v for k, v in counts.items() if v}
    return patterns


def _split(
    groups: list[TaskGroup],
    mix: dict[str, float],
    specs: dict[str, InstanceSpec],
    eks: bool,
) -> list[tuple[InstanceSpec, dict[str, int]]]:
    """Share the tasks between the LP's types so each pool matches its type's shape.

    Types are taken from the most CPU-heavy (CPU per MiB) to the most memory-heavy, groups in
    the same order; each type takes tasks until its LP share of some resource is used up, the
    next type continues (a group may be split), and the last type takes the rest.
    """
    kinds = sorted(mix, key=lambda k: -specs[k].cpu / specs[k].memory)
    todo = sorted(
        (g for g in groups if g.count),
        key=lambda g: -(g.cpu / g.memory if g.memory else float("inf")),
    )
    left = {g.name: g.count for g in todo}
    pools = []
    for i, kind in enumerate(kinds):
        spec = specs[kind]
        if i == len(kinds) - 1:
            pools.append((spec, {k: v for k, v in left.items() if v}))
            break
        budget = [mix[kind] * r for r in _room(spec)]
        pool: dict[str, int] = {}
        for g in todo:
            if not left[g.name] or not _fits_one(g, spec):
                continue
            size = _size(g, eks)
            n = min(
                left[g.name], min((int(b // d) for d, b in zip(size, budget, strict=True) if d))
            )
            if n > 0:
                pool[g.name] = n
                left[g.name] -= n
                budget = [b - n * d for b, d in zip(budget, size, strict=True)]
            if left[g.name]:
                break  # this type's share of some resource is used up
        pools.append((spec, pool))
    return pools


def _route(
    pools: Iterable[tuple[InstanceSpec, dict[str, int]]],
    by_name: dict[str, TaskGroup],
    specs: Sequence[InstanceSpec],
) -> list[tuple[InstanceSpec, dict[str, int]]]:
    """Move groups that do not fit their pool's type to the cheapest type they fit."""
    out: dict[str, tuple[InstanceSpec, dict[str, int]]] = {}
    for spec, pool in pools:
        for name, n in pool.items():
            target = spec
            if not _fits_one(by_name[name], spec):
                target = min((s for s in specs if _fits_one(by_name[name], s)), key=_unit_price)
            entry = out.setdefault(target.name, (target, {}))
            entry[1][name] = entry[1].get(name, 0) + n
    return list(out.values())


def _unit_price(s: InstanceSpec) -> float:
    # Price per "normalised size": a rough guide for where to send tasks that fit few types.
    return s.hourly / (s.cpu * s.memory) ** 0.5


def _make_plan(
    patterns: list[_Pattern],
    specs: Sequence[InstanceSpec],
    bound: tuple[float, dict[str, float]],
    strategy: str,
) -> Plan:
    price = {s.name: s.hourly for s in specs}
    totals: dict[str, int] = {}
    for kind, _, count in patterns:
        totals[kind] = totals.get(kind, 0) + count
    instances: dict[str, int] = {}
    for s in specs:  # price-table order, so plans read the same way every time
        n = totals.get(s.name, 0)
        if n:
            instances[s.name] = n
    hourly = sum(price[k] * n for k, n in instances.items())
    return Plan(instances, hourly, patterns, bound[0], bound[1], strategy)


def plan(groups: list[TaskGroup], specs: list[InstanceSpec], *, quick: bool = False) -> Plan:
    """A cheap fleet that holds every task, and the tasks on each instance.

    Groups of the same shape are planned as one (tasks of one shape are interchangeable),
    so the time grows with the shapes, not the services. Up to :data:`SOLVER_GROUPS`
    shapes, the HiGHS MILP solver plans (:func:`optimum` in fast mode: the LP over instance
    fillings rounded down, the rest solved as an integer program), measured within 1% of
    the true optimum, mostly within 0.1%. ``quick`` (cost curves redrawn on every keystroke), more
    shapes, or no plan from the solver: :func:`heuristic_plan`. :attr:`Plan.strategy` says
    which planned.

    >>> specs = [InstanceSpec("c5.large", 0.085, 2048, 3891),
    ...          InstanceSpec("r5.large", 0.126, 2048, 15564)]
    >>> p = plan([TaskGroup("api", 1024, 1024, 10), TaskGroup("cache", 256, 6144, 4)], specs)
    >>> p.instances, round(p.hourly, 3)
    ({'c5.large': 4, 'r5.large': 2}, 0.592)
    """
    _check(groups, specs)
    merged, members = _merge_shapes(groups)
    if not members:
        return _plan(groups, specs, quick)
    best = _plan(merged, specs, quick)
    best.patterns = _unmerge(best.patterns, members)
    return best


def _plan(groups: list[TaskGroup], specs: list[InstanceSpec], quick: bool) -> Plan:
    """:func:`plan` for groups of distinct shapes: the solver, else the heuristics."""
    bound = lower_bound(groups, specs)
    counts = {g.name: g.count for g in groups if g.count}
    if not counts:
        return _make_plan([], specs, bound, "empty workload: no instances needed")
    if not quick and len(counts) <= SOLVER_GROUPS:
        exact = _solver_plan(groups, specs, bound)
        if exact is not None:
            return exact
    return heuristic_plan(groups, specs, quick=quick, _bound=bound)


def heuristic_plan(
    groups: list[TaskGroup],
    specs: list[InstanceSpec],
    *,
    quick: bool = False,
    _bound: tuple[float, dict[str, float]] | None = None,
) -> Plan:
    """The hand-written planner alone: :func:`plan`'s fallback, and its yardstick.

    Several strategies are tried and the cheapest kept: each type alone; the LP optimum's
    mix of types (and the best mix of every pair of types) with the task groups shared out
    by CPU:memory ratio; and a greedy that buys the filling with the most LP-priced work per
    dollar. The part-empty instances are then moved to the cheapest type that still holds
    them.

    >>> specs = [InstanceSpec("c5.large", 0.085, 2048, 3891),
    ...          InstanceSpec("r5.large", 0.126, 2048, 15564)]
    >>> p = heuristic_plan([TaskGroup("api", 1024, 1024, 10), TaskGroup("cache", 256, 6144, 4)],
    ...                    specs)
    >>> p.instances, round(p.hourly, 3)
    ({'c5.large': 4, 'r5.large': 2}, 0.592)
    """
    if _bound is None:
        _check(groups, specs)
    bound = _bound if _bound is not None else lower_bound(groups, specs)
    eks = specs[0].pods is not None
    by_name = {g.name: g for g in groups}
    counts = {g.name: g.count for g in groups if g.count}
    if not counts:
        return _make_plan([], specs, bound, "empty workload: no instances needed")
    # Many shapes: the quick strategies only (the others grow with the square of the shapes).
    quick = quick or len(counts) > _FULL_HEURISTIC_GROUPS
    by_spec = {s.name: s for s in specs}

    # The LP's data for every type, both views, once: each type's column is its own, so
    # the LP of any subset of the types reads its columns from these.
    data = {exact: _lp_data(groups, specs, exact) for exact in (True, False)}

    def lp(subset: Sequence[int], exact: bool = True) -> tuple[float, dict[str, float]]:
        need, columns = data[exact]
        return _lp_over(need, [columns[t] for t in subset], [specs[t] for t in subset])

    # ``quick`` (cost curves redrawn on every keystroke) tries only the three types that are
    # cheapest alone by the LP, and skips the pairs and the greedy.
    alone = sorted(range(len(specs)), key=lambda t: (lp([t])[0], specs[t].name))
    candidates: list[tuple[str, list[tuple[InstanceSpec, dict[str, int]]]]] = []
    for s in [specs[t] for t in alone[:3]] if quick else specs:
        candidates.append((f"{s.name} alone", _route([(s, counts)], by_name, specs)))
    # The LP optimum's own mix, and the LP optimum of every pair of types: integer packing
    # wastes different amounts on different types, so the LP's favourite is not always best.
    every = range(len(specs))
    mixes = [bound[1], lp(every)[1], lp(every, False)[1]]
    for pair in itertools.combinations([] if quick else alone, 2):
        mixes += [lp(pair)[1], lp(pair, False)[1]]
    seen: set[tuple[tuple[str, float], ...]] = set()
    for mix in mixes:
        key = tuple(sorted(mix.items()))
        if len(mix) < 2 or key in seen:
            continue
        seen.add(key)
        kinds = " + ".join(sorted(mix))
        pools = _route(_split(groups, mix, by_spec, eks), by_name, specs)
        candidates.append((f"LP mix {kinds}, groups split by CPU:memory ratio", pools))

    best: Plan | None = None
    moves: dict[tuple[str, tuple[tuple[str, int], ...]], str] = {}
    # Shadow prices of both capacity views, and the exact ones with the hardest group first.
    for exact, anchored in () if quick else ((True, False), (False, False), (True, True)):
        price = _duals(groups, specs, exact)
        patterns = _value_greedy(counts, by_name, specs, eks, price, anchored)
        patterns = _downsize(patterns, by_name, specs, moves)
        candidate = _make_plan(
            patterns,
            specs,
            bound,
            "greedy by LP shadow prices: repeatedly the instance filling with the most work "
            "per dollar"
            + (", hardest-to-place group first" if anchored else "")
            + ", repeated as the shape counts allow, then part-empty instances downsized",
        )
        if best is None or (candidate.hourly, _total(candidate)) < (best.hourly, _total(best)):
            best = candidate
    for label, pools in candidates:
        for proportional in (True, False):
            patterns = []
            for spec, pool in pools:
                patterns += _pack(pool, by_name, spec, eks, proportional)
            patterns = _downsize(patterns, by_name, specs, moves)
            how = "proportional fill" if proportional else "largest-first fill"
            strategy = (
                f"{label}; packed by shape counts ({how}, each instance filling repeated), "
                "part-empty instances moved to the cheapest type that holds them"
            )
            candidate = _make_plan(patterns, specs, bound, strategy)
            if best is None or (candidate.hourly, _total(candidate)) < (best.hourly, _total(best)):
                best = candidate
    assert best is not None
    return best


#: Most task shapes :func:`plan` hands to the MILP solver (:mod:`awscontainers.milp`); past
#: it, or when the solver cannot settle the plan, the heuristics plan alone.
SOLVER_GROUPS = 12
# Past this many shapes the heuristics try only their quick strategies.
_FULL_HEURISTIC_GROUPS = 40
# The solver's wall-clock safety net (seconds): the work limits in awscontainers.milp end it
# long before on every input the planner sees, so plans do not depend on the machine's speed.
_SOLVER_SECONDS = 5.0


def _solver_plan(
    groups: list[TaskGroup], specs: list[InstanceSpec], bound: tuple[float, dict[str, float]]
) -> Plan | None:
    """The solver's plan (``None`` if HiGHS is not installed or could not settle one)."""
    try:
        found = optimum(groups, specs, fast=True, time_limit=_SOLVER_SECONDS, _bound=bound)
    except ImportError:  # pragma: no cover - highspy is a dependency
        return None
    return found.plan if found is not None else None


@dataclass
class Optimum:
    """The solver's best plan, and a lower bound on *every* plan's hourly cost.

    ``proven`` says the plan costs no more than the bound (up to rounding): it is an
    integer optimum.
    """

    plan: Plan
    bound: float
    proven: bool
    seconds: float
    method: str

    @property
    def gap(self) -> float:
        """The plan's cost over the bound (1.0: provably optimal)."""
        if self.bound <= 0:
            return 1.0 if self.plan.hourly <= 0 else math.inf
        return self.plan.hourly / self.bound


def optimum(
    groups: list[TaskGroup],
    specs: list[InstanceSpec],
    *,
    fast: bool = False,
    time_limit: float = 30.0,
    start: Plan | None = None,
    _bound: tuple[float, dict[str, float]] | None = None,
) -> Optimum | None:
    """The cheapest plan the HiGHS MILP solver finds, and a proven lower bound.

    The bin packing is solved in its configuration form (see :mod:`awscontainers.milp`):
    when every filling of every type can be listed (EKS's pod limit keeps the lists short),
    the answer is the true integer optimum; otherwise the fillings come from column
    generation, seeded with ``start``'s (the answer then never costs more than ``start``),
    and the bound is column generation's. ``fast`` rounds the LP down first and solves only
    the rest exactly (what :func:`plan` uses). ``None`` if no plan was found in time.

    >>> specs = [InstanceSpec("c5.large", 0.085, 2048, 3891),
    ...          InstanceSpec("r5.large", 0.126, 2048, 15564)]
    >>> best = optimum([TaskGroup("api", 1024, 1024, 10), TaskGroup("cache", 256, 6144, 4)], specs)
    >>> best.plan.instances, round(best.plan.hourly, 3), best.proven
    ({'c5.large': 4, 'r5.large': 2}, 0.592, True)
    """
    from awscontainers import milp

    started = time.perf_counter()
    if _bound is None:
        _check(groups, specs)
    bound = _bound if _bound is not None else lower_bound(groups, specs)
    eks = specs[0].pods is not None
    active = [g for g in groups if g.count]
    if not active:
        empty = _make_plan([], specs, bound, "empty workload: no instances needed")
        return Optimum(empty, 0.0, True, time.perf_counter() - started, "empty")
    index = {g.name: i for i, g in enumerate(active)}
    kinds = {s.name: t for t, s in enumerate(specs)}
    seeds = []
    for kind, contents, _ in start.patterns if start is not None else ():
        filling = [0] * len(active)
        for name, n in contents.items():
            filling[index[name]] = n
        seeds.append((kinds[kind], tuple(filling)))
    found = milp.cover(
        [_size(g, eks) for g in active],
        [g.count for g in active],
        [_room(s) for s in specs],
        [s.hourly for s in specs],
        bound=bound[0],
        seeds=seeds,
        fast=fast,
        time_limit=time_limit,
    )
    if found is None:
        if start is None:
            return None
        return Optimum(start, bound[0], False, time.perf_counter() - started, "start plan")
    patterns = [
        (specs[t].name, {g.name: n for g, n in zip(active, f, strict=True) if n}, k)
        for t, f, k in found.fleet
    ]
    patterns = _downsize(patterns, {g.name: g for g in active}, specs)
    best = _make_plan(patterns, specs, bound, f"HiGHS MILP over instance fillings: {found.method}")
    if start is not None and start.hourly < best.hourly:
        best = start
    proven = best.hourly <= found.bound * (1 + 1e-7) + 1e-12
    return Optimum(best, found.bound, proven, time.perf_counter() - started, found.method)


def _merge_shapes(
    groups: list[TaskGroup],
) -> tuple[list[TaskGroup], dict[str, list[tuple[str, int]]]]:
    """Groups of one shape (CPU, memory, GPUs) as one group each, and who is in it.

    Tasks of one shape are interchangeable, so a plan for the merged groups is a plan for
    the originals: planning time then grows with the shapes, not the services. ``members``
    is empty when every shape is already one group's.
    """
    by_shape: dict[tuple[int, int, int], list[TaskGroup]] = {}
    for g in groups:
        if g.count:
            by_shape.setdefault((g.cpu, g.memory, g.gpus), []).append(g)
    if all(len(same) == 1 for same in by_shape.values()):
        return groups, {}
    merged, members = [], {}
    for i, ((cpu, memory, gpus), same) in enumerate(by_shape.items()):
        name = f"shape {i}: " + same[0].name
        merged.append(TaskGroup(name, cpu, memory, sum(g.count for g in same), gpus))
        members[name] = [(g.name, g.count) for g in same]
    return merged, members


def _unmerge(patterns: list[_Pattern], members: dict[str, list[tuple[str, int]]]) -> list[_Pattern]:
    """Patterns of merged groups shared back out to their groups, in order.

    Each merged group's tasks are handed out group by group as the instances come; a run
    of identical instances splits only where one group's tasks run out.
    """
    queues = {name: [member for member, _ in same] for name, same in members.items()}
    left = {member: n for same in members.values() for member, n in same}

    def use(name: str, n: int) -> str:
        member = queues[name][0]
        left[member] -= n
        if not left[member]:
            queues[name].pop(0)
        return member

    def take(name: str, n: int) -> dict[str, int]:
        out: dict[str, int] = {}
        while n:
            got = min(n, left[queues[name][0]])
            member = use(name, got)
            out[member] = out.get(member, 0) + got
            n -= got
        return out

    def split(
        kind: str, done: dict[str, int], rest: list[tuple[str, int]], k: int
    ) -> list[_Pattern]:
        if not rest:
            return [(kind, done, k)]
        (name, n), more = rest[0], rest[1:]
        if name not in queues:  # a group that was not merged
            return split(kind, {**done, name: n}, more, k)
        out: list[_Pattern] = []
        while k:
            whole = min(k, left[queues[name][0]] // n)
            if whole:
                member = use(name, whole * n)
                out += split(kind, {**done, member: n}, more, whole)
                k -= whole
            else:  # one instance takes the last tasks of one group and the first of the next
                out += split(kind, {**done, **take(name, n)}, more, 1)
                k -= 1
        return out

    result: list[_Pattern] = []
    for kind, contents, k in patterns:
        result += split(kind, {}, list(contents.items()), k)
    return result


def _total(p: Plan) -> int:
    return sum(p.instances.values())


def naive_plan(groups: list[TaskGroup], spec: InstanceSpec) -> Plan:
    """First fit with one instance type, tasks in the order given, no sorting.

    What a simple scheduler does: each task goes on the first instance with room, else on a
    new one. Compare its cost with :func:`plan` to see what sorting and mixing types buys.

    >>> spec = InstanceSpec("c5.large", 0.085, 2048, 3891)
    >>> naive_plan([TaskGroup("api", 1024, 1024, 10), TaskGroup("cache", 256, 6144, 0)],
    ...            spec).instances
    {'c5.large': 5}
    """
    _check(groups, [spec])
    bound = lower_bound(groups, [spec])
    eks = spec.pods is not None
    # Identical tasks placed one by one with first fit fill each open instance in turn as far
    # as it goes, so a group is placed in one pass over the instances. The instances are kept
    # as runs of identical ones ``(free room, contents, how many)``: a group fills a whole run
    # at once and splits it at most in three (full, one part-filled, untouched), so the pass
    # is over runs, not instances. A run with no room for even the smallest task still to
    # come is closed (kept aside), so each pass is over the few runs still open. Each run
    # carries its position (a tuple: pieces of a split run sort where the run was).
    sizes = [_size(g, eks) for g in groups]
    # Per position, the smallest of every dimension among the groups from there on.
    smallest = [list(_room(spec))] * (len(groups) + 1)
    for j in range(len(groups) - 1, -1, -1):
        smallest[j] = [min(a, b) for a, b in zip(smallest[j + 1], sizes[j], strict=True)]
    Run = tuple[tuple[int, ...], list[int], dict[str, int], int]
    active: list[Run] = []
    closed: list[Run] = []
    made = 0
    for j, g in enumerate(groups):
        left, size = g.count, sizes[j]
        i = 0
        while left and i < len(active):
            key, free, contents, k = active[i]
            each = _how_many(size, free)
            if not each:
                i += 1
                continue
            full = min(k, left // each)
            pieces = []
            if full:
                pieces.append((key + (0,), *_add(free, contents, g.name, size, each, full)))
                left -= each * full
            if full < k and left:
                pieces.append((key + (1,), *_add(free, contents, g.name, size, left, 1)))
                left = 0
            used = sum(piece[3] for piece in pieces)
            if used < k:
                pieces.append((key + (2,), free, contents, k - used))
            active[i : i + 1] = pieces
            i += len(pieces)
        if left:
            per_bin = _how_many(size, _room(spec))
            for n, k in ((per_bin, left // per_bin), (left % per_bin, 1 if left % per_bin else 0)):
                if k:
                    made += 1
                    active.append(((made,), *_add(list(_room(spec)), {}, g.name, size, n, k)))
        low = smallest[j + 1]
        if any(low):
            still: list[Run] = []
            for run in active:
                fits = all(f >= d for f, d in zip(run[1], low, strict=True))
                (still if fits else closed).append(run)
            active = still
    runs = [(free, contents, k) for _, free, contents, k in sorted(closed + active)]
    patterns: list[_Pattern] = []
    for _, contents, k in runs:  # merge neighbouring runs of identical instances
        if patterns and patterns[-1][1] == contents:
            patterns[-1] = (spec.name, contents, patterns[-1][2] + k)
        else:
            patterns.append((spec.name, contents, k))
    return _make_plan(patterns, [spec], bound, f"naive: first fit on {spec.name}, tasks unsorted")


def _add(
    free: list[int], contents: dict[str, int], name: str, size: Sequence[int], n: int, k: int
) -> tuple[list[int], dict[str, int], int]:
    """A run of ``k`` instances like ``(free, contents)`` with ``n`` more tasks of ``name``."""
    more = {**contents, name: contents.get(name, 0) + n}
    return [f - n * d for f, d in zip(free, size, strict=True)], more, k


def _example_instances() -> dict[str, dict]:
    """A few prices.yaml-style entries for the examples in this module's docstrings."""
    return {
        "c5.large": {"hourly": 0.085, "vcpu": 2, "memory_mib": 4096, "enis": 3, "ipv4_per_eni": 10},
        "m5.xlarge": {
            "hourly": 0.192,
            "vcpu": 4,
            "memory_mib": 16384,
            "enis": 4,
            "ipv4_per_eni": 15,
        },
        "r5.large": {
            "hourly": 0.126,
            "vcpu": 2,
            "memory_mib": 16384,
            "enis": 3,
            "ipv4_per_eni": 10,
        },
    }
