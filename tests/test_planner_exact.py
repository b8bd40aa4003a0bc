"""The planner against the true integer optimum (HiGHS, awscontainers.milp), on tiny inputs.

Every test is deterministic: hypothesis draws with ``derandomize``, HiGHS runs
single-threaded with a fixed seed, and nothing depends on time.
"""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from awscontainers.milp import cover, how_many
from awscontainers.planner import (
    InstanceSpec,
    Plan,
    TaskGroup,
    heuristic_plan,
    lower_bound,
    naive_plan,
    optimum,
    plan,
)

# Small types (ECS and EKS capacities), so tiny workloads need several instances.
ECS = [
    InstanceSpec("t3.medium", 0.0416, 2048, 3891),
    InstanceSpec("c5.large", 0.085, 2048, 3891),
    InstanceSpec("r5.large", 0.126, 2048, 15564),
    InstanceSpec("m5.xlarge", 0.192, 4096, 15564),
]
EKS = [
    InstanceSpec("t3.medium", 0.0416, 1976, 3554, pods=17),
    InstanceSpec("c5.large", 0.085, 1976, 3554, pods=29),
    InstanceSpec("r5.large", 0.126, 1976, 15080, pods=29),
    InstanceSpec("m5.xlarge", 0.192, 4014, 14900, pods=58),
]
CPUS = [128, 256, 512, 1024, 1536, 2048]
MEMS = [256, 512, 1024, 2048, 3072, 4096, 8192]
TINY = settings(max_examples=40, deadline=None, derandomize=True)


def valid(p: Plan, groups: list[TaskGroup], table: list[InstanceSpec]) -> None:
    """Every task placed once, no instance over capacity, the cost adds up."""
    by_spec = {s.name: s for s in table}
    by_group = {g.name: g for g in groups}
    placed: Counter[str] = Counter()
    for kind, contents in p.bins:
        spec = by_spec[kind]
        placed.update(contents)
        assert sum(by_group[k].cpu * n for k, n in contents.items()) <= spec.cpu
        assert sum(by_group[k].memory * n for k, n in contents.items()) <= spec.memory
        if spec.pods is not None:
            assert sum(contents.values()) <= spec.pods
    assert dict(placed) == {g.name: g.count for g in groups if g.count}
    assert p.hourly == pytest.approx(sum(by_spec[k].hourly * n for k, n in p.instances.items()))


@st.composite
def workloads(draw, most_groups: int = 3, most_count: int = 4):
    table = draw(st.sampled_from([ECS, EKS]))
    n = draw(st.integers(1, most_groups))
    groups = [
        TaskGroup(
            f"g{i}",
            draw(st.sampled_from(CPUS)),
            draw(st.sampled_from(MEMS)),
            draw(st.integers(1, most_count)),
        )
        for i in range(n)
    ]
    return groups, table


def brute_force(groups: list[TaskGroup], table: list[InstanceSpec]) -> float:
    """The cheapest fleet by trying every way to split the tasks into instances."""
    tasks = [(g.cpu, g.memory) for g in groups for _ in range(g.count)]

    def price(part: tuple[int, ...]) -> float:
        cpu = sum(tasks[i][0] for i in part)
        memory = sum(tasks[i][1] for i in part)
        return min(
            (
                s.hourly
                for s in table
                if cpu <= s.cpu and memory <= s.memory and (s.pods is None or len(part) <= s.pods)
            ),
            default=float("inf"),
        )

    def partitions(items: list[int]):
        if not items:
            yield []
            return
        first, rest = items[0], items[1:]
        for p in partitions(rest):
            yield [(first,), *p]
            for k in range(len(p)):
                yield [*p[:k], (first, *p[k]), *p[k + 1 :]]

    return min(sum(price(part) for part in parts) for parts in partitions(list(range(len(tasks)))))


@TINY
@given(workloads(most_groups=3, most_count=2))
def test_the_solver_matches_brute_force_on_tiny_workloads(case) -> None:
    groups, table = case
    if sum(g.count for g in groups) > 6:  # Bell(7) partitions is plenty
        groups = groups[:2]
    best = optimum(groups, table)
    assert best is not None and best.proven
    valid(best.plan, groups, table)
    assert best.plan.hourly == pytest.approx(brute_force(groups, table))


@settings(max_examples=20, deadline=None, derandomize=True)
@given(workloads(most_groups=4, most_count=12))
def test_heuristic_and_planner_never_beat_the_optimum(case) -> None:
    groups, table = case
    best = optimum(groups, table)
    assert best is not None and best.proven and best.gap == pytest.approx(1.0)
    heuristic = heuristic_plan(groups, table)
    planned = plan(groups, table)
    for p in (heuristic, planned):
        valid(p, groups, table)
        assert p.hourly >= best.plan.hourly * (1 - 1e-9)
    assert best.bound >= lower_bound(groups, table)[0] * (1 - 1e-9)
    # Few tasks per group: the planner's solver solves the whole integer program.
    assert planned.hourly == pytest.approx(best.plan.hourly)
    assert planned.strategy.startswith("HiGHS")


@TINY
@given(workloads(most_groups=3, most_count=400))
def test_fast_mode_is_within_a_few_instances_of_the_optimum(case) -> None:
    groups, table = case
    best = optimum(groups, table)
    planned = plan(groups, table)
    assert best is not None
    valid(planned, groups, table)
    # Rounding the LP down leaves at most one instance's worth of each group to the exact
    # integer program: the waste is bounded by a few of the dearest instances.
    dearest = max(s.hourly for s in table)
    assert best.plan.hourly * (1 - 1e-9) <= planned.hourly
    assert planned.hourly <= best.plan.hourly + len(groups) * dearest + 1e-9


def test_a_start_plan_is_never_made_worse() -> None:
    groups = [TaskGroup("web", 512, 1024, 30), TaskGroup("cache", 256, 4096, 9)]
    start = heuristic_plan(groups, ECS)
    best = optimum(groups, ECS, start=start)
    assert best is not None and best.plan.hourly <= start.hourly
    assert best.gap >= 1.0 - 1e-9


def test_services_of_one_shape_are_planned_together_and_shared_back() -> None:
    # Nine services of three shapes: planned as three groups, every service's tasks placed.
    groups = [
        TaskGroup(f"svc{i}", [512, 1024, 256][i % 3], [1024, 2048, 4096][i % 3], 5 + i)
        for i in range(9)
    ]
    together = [
        TaskGroup(f"shape{k}", groups[k].cpu, groups[k].memory, sum(g.count for g in groups[k::3]))
        for k in range(3)
    ]
    for table in (ECS, EKS):
        p = plan(groups, table)
        valid(p, groups, table)
        assert p.hourly == pytest.approx(plan(together, table).hourly)


def first_fit_one_by_one(groups: list[TaskGroup], spec: InstanceSpec) -> list[dict[str, int]]:
    """The naive plan's definition: each task in turn on the first instance with room."""
    eks = spec.pods is not None
    bins: list[tuple[list[int], dict[str, int]]] = []
    for g in groups:
        size = (g.cpu, g.memory, 1 if eks else 0, g.gpus)
        for _ in range(g.count):
            room = next((b for b in bins if how_many(size, b[0])), None)
            if room is None:
                room = ([spec.cpu, spec.memory, spec.pods or 0, spec.gpus], {})
                bins.append(room)
            free, contents = room
            free[:] = [f - d for f, d in zip(free, size, strict=True)]
            contents[g.name] = contents.get(g.name, 0) + 1
    return [contents for _, contents in bins]


@TINY
@given(workloads(most_groups=4, most_count=40), st.integers(0, 3))
def test_naive_plan_is_first_fit_task_by_task(case, which: int) -> None:
    groups, table = case
    spec = table[which]
    if not all(g.cpu <= spec.cpu and g.memory <= spec.memory for g in groups):
        spec = table[-1]
        groups = [g for g in groups if g.cpu <= spec.cpu and g.memory <= spec.memory]
    got = [contents for _, contents in naive_plan(groups, spec).bins]
    assert got == first_fit_one_by_one(groups, spec)


def test_cover_takes_out_surplus_tasks() -> None:
    # Two fillings of one type, each of 3 tasks: 7 tasks need 3 instances, the last partial.
    fleet = cover([(1, 1)], [7], [(3, 3)], [1.0])
    assert fleet is not None and fleet.proven
    assert sorted(fleet.fleet) == [(0, (1,), 1), (0, (3,), 2)]
    assert sum(f[0] * k for _, f, k in fleet.fleet) == 7


def test_every_listed_filling_is_maximal_and_fits() -> None:
    from awscontainers.milp import _enumerate

    sizes = [(512, 1024, 1, 0), (1024, 512, 1, 0), (256, 4096, 1, 0)]
    room = (2048, 4096, 5, 0)
    caps = [9, 9, 9]
    listed = _enumerate(sizes, caps, room, 10_000)
    assert listed is not None
    every = [
        f
        for f in itertools.product(range(5), repeat=3)
        if any(f)
        and all(sum(n * s[r] for n, s in zip(f, sizes, strict=True)) <= room[r] for r in range(4))
    ]
    maximal = [
        f
        for f in every
        if not any(f2 != f and all(a >= b for a, b in zip(f2, f, strict=True)) for f2 in every)
    ]
    assert sorted(listed) == sorted(maximal)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(workloads(most_groups=3, most_count=30))
def test_column_generation_bounds_the_listed_optimum(case) -> None:
    # The same workload solved twice: every filling listed (the true optimum), and with the
    # fillings generated instead. Column generation's bound must not pass the optimum, and
    # its plan must not beat it.
    import awscontainers.milp as milp

    groups, table = case
    exact = optimum(groups, table)
    listed, milp._LIST_GROUPS = milp._LIST_GROUPS, 0
    try:
        generated = optimum(groups, table)
    finally:
        milp._LIST_GROUPS = listed
    assert exact is not None and exact.proven and generated is not None
    assert "column generation" in generated.method
    valid(generated.plan, groups, table)
    assert generated.bound <= exact.plan.hourly * (1 + 1e-9)
    assert generated.plan.hourly >= exact.plan.hourly * (1 - 1e-9)


def test_seven_to_twelve_shapes_go_to_column_generation() -> None:
    shapes = [
        (256, 512),
        (512, 1024),
        (1024, 2048),
        (2048, 4096),
        (1024, 4096),
        (256, 2048),
        (512, 4096),
        (1536, 3072),
        (128, 256),
    ]
    groups = [TaskGroup(f"s{i}", c, m, 40 + 7 * i) for i, (c, m) in enumerate(shapes)]
    for table in (ECS, EKS):
        p = plan(groups, table)
        valid(p, groups, table)
        assert "column generation" in p.strategy
        best = optimum(groups, table)
        assert best is not None
        assert best.bound * (1 - 1e-9) <= p.hourly
        assert p.hourly == plan(groups, table).hourly  # the same plan every time
