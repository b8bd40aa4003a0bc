"""What the chooser keeps between changes gives the answers computing afresh gives.

Plans are kept by their exact inputs, the LP's vertex systems are eliminated once and
replayed, day curves and charts are kept: each is checked here against the same
computation with every cache emptied first, over generated workloads.
"""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awscontainers import costs, planner
from awscontainers.costs import held
from awscontainers.rules.curves import day_curve
from awscontainers.widgets.chooser import ChooserPanel
from awscontainers.workload import Workload

pytestmark = pytest.mark.usefixtures("no_callback_errors")

SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def workloads(draw, loads: bool = True) -> Workload:
    """Workloads the chooser could describe: 1-3 services of its sizes, any needs."""
    n = draw(st.integers(1, 3))
    services = []
    for i in range(n):
        service = {
            "name": f"s{i}",
            "vcpu": draw(st.sampled_from([0.25, 0.5, 1.0, 2.0, 4.0])),
            "memory_gb": draw(st.sampled_from([0.5, 1.0, 2.0, 4.0, 8.0])),
        }
        count = draw(st.integers(0 if i else 1, 60))
        if loads and count and draw(st.booleans()):
            low = draw(st.integers(0, count))
            service["load"] = {"daily": {"low": low, "high": count, "peak_hour": 14}}
        else:
            service["count"] = count
        services.append(service)
    return Workload.from_dict(
        {
            "services": services,
            "hours_per_month": draw(st.sampled_from([100, 365, 730])),
            "architecture": draw(st.sampled_from(["x86", "x86", "arm"])),
            "needs": {
                "kubernetes_api": draw(st.booleans()),
                "daemonsets": draw(st.booleans()),
            },
            "spot": draw(st.booleans()),
        }
    )


def _plans(comparison) -> list:
    # Everything a plan holds, not only the instance counts to_dict() shows.
    return [None if e.plan is None else vars(e.plan) for e in comparison]


@SLOW
@given(workloads())
def test_a_comparison_from_the_caches_equals_one_from_nothing(workload):
    costs.compare(workload)  # the plans are now cached, if they were not already
    warm = costs.compare(workload)
    warm_day = costs.compare_over_day(workload) if workload.has_load else None
    costs.clear_caches()
    cold = costs.compare(workload)
    assert warm.to_dict() == cold.to_dict()
    assert _plans(warm) == _plans(cold)
    if warm_day is not None:
        costs.clear_caches()
        assert warm_day.to_dict() == costs.compare_over_day(workload).to_dict()


@SLOW
@given(workloads(loads=False), st.lists(st.integers(1, 6), min_size=1, max_size=3))
def test_cost_curves_from_the_caches_equal_ones_from_nothing(workload, factors):
    mode_ids = ["ecs-ec2", "eks-nodegroup", "ecs-fargate"]
    warm = costs.cost_curve(workload, mode_ids, factors)
    costs.clear_caches()
    assert costs.cost_curve(workload, mode_ids, factors) == warm


def test_a_cached_plan_is_a_copy():
    w = Workload.from_dict({"services": [{"name": "web", "vcpu": 1, "memory_gb": 2, "count": 9}]})
    first = costs.estimate(w, "ecs-ec2").plan
    first.instances.clear()
    first.patterns[0][1].clear()
    again = costs.estimate(w, "ecs-ec2").plan
    assert again.instances and again.patterns[0][1]


def test_the_plan_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(costs, "PLAN_CACHE_SIZE", 3)
    costs.clear_caches()  # what earlier tests in this process cached is not this test's
    for count in range(1, 8):
        w = Workload.from_dict(
            {"services": [{"name": "web", "vcpu": 1, "memory_gb": 2, "count": count}]}
        )
        costs.estimate(w, "ecs-ec2")
        assert len(costs._PLAN_CACHE) <= 3


# --------------------------------------------------------------------------- planner


def _eliminate(matrix: list[list[float]], rhs: list[float]) -> list[float] | None:
    """Gaussian elimination with partial pivoting on the augmented matrix, in one go."""
    n = len(rhs)
    a = [row[:] + [b] for row, b in zip(matrix, rhs, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        if abs(a[pivot][col]) < 1e-12:
            return None
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(n):
            if r != col and a[r][col]:
                f = a[r][col] / a[col][col]
                a[r] = [x - f * y for x, y in zip(a[r], a[col], strict=True)]
    if any(a[i][i] == 0 for i in range(n)):
        return None
    return [a[i][n] / a[i][i] for i in range(n)]


entries = st.one_of(
    st.sampled_from([0.0, 1.0, 2.0, 3891.0, 4096.0, 29.0]),
    st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=300)
@given(st.integers(1, 3).flatmap(lambda n: st.tuples(
    st.lists(st.lists(entries, min_size=n, max_size=n), min_size=n, max_size=n),
    st.lists(entries, min_size=n, max_size=n),
)))  # fmt: skip
def test_replaying_an_elimination_is_the_same_arithmetic(system):
    matrix, rhs = system
    steps = planner._elimination(tuple(map(tuple, matrix)))
    expected = _eliminate(matrix, rhs)
    if expected is None:
        assert steps is None
    else:
        assert steps is not None
        assert planner._replay(steps, rhs) == expected  # bit for bit, not approximately


@st.composite
def task_groups(draw) -> list[planner.TaskGroup]:
    sizes = st.sampled_from([(256, 512), (512, 1024), (1024, 2048), (2048, 4096), (256, 3072)])
    n = draw(st.integers(1, 3))
    return [
        planner.TaskGroup(f"g{i}", *draw(sizes), draw(st.integers(0 if i else 1, 80)))
        for i in range(n)
    ]


@SLOW
@given(task_groups(), st.sampled_from(["ecs", "eks"]), st.booleans())
def test_plans_with_the_planners_caches_equal_plans_without(groups, flavour, quick):
    specs = costs.instance_specs(costs.load_prices(), "x86", flavour)
    warm = planner.plan(groups, specs, quick=quick)
    planner.clear_caches()
    assert vars(planner.plan(groups, specs, quick=quick)) == vars(warm)


def _lp_trying_every_vertex(groups, specs, exact):
    """The aggregate LP as the planner first solved it: every vertex, none skipped."""
    need, columns = planner._lp_data(groups, specs, exact)
    if not any(need):
        return 0.0, {}
    rows = range(len(need))
    best = None
    for k in range(1, len(need) + 1):
        for support in itertools.combinations(range(len(specs)), k):
            for binding in itertools.combinations(rows, k):
                x = planner._solve(
                    [[columns[t][r] for t in support] for r in binding], [need[r] for r in binding]
                )
                if x is None or any(v < -planner._EPS for v in x):
                    continue
                x = [max(v, 0.0) for v in x]
                if not all(
                    sum(columns[t][r] * v for t, v in zip(support, x, strict=True))
                    >= need[r] * (1 - planner._EPS)
                    for r in rows
                ):
                    continue
                cost = sum(specs[t].hourly * v for t, v in zip(support, x, strict=True))
                if best is None or cost < best[0] - 1e-12:
                    mix = {specs[t].name: v for t, v in zip(support, x, strict=True) if v > 1e-12}
                    best = (cost, mix)
    return best if best is not None else (float("inf"), {})


@settings(max_examples=200, deadline=None)
@given(
    task_groups(),
    st.sampled_from(["ecs", "eks"]),
    st.sampled_from(["x86", "arm"]),
    st.booleans(),
    st.randoms(use_true_random=False),
)
def test_skipping_types_that_cannot_beat_the_best_changes_no_lp(groups, flavour, arch, exact, rnd):
    every = costs.instance_specs(costs.load_prices(), arch, flavour, gpus=True)
    specs = rnd.sample(every, rnd.randint(1, len(every)))
    assert planner._lp(groups, specs, exact) == _lp_trying_every_vertex(groups, specs, exact)


# --------------------------------------------------------------------------- the day


def _held(series: list[int], ahead: int, after: int) -> list[int]:
    """The window's maximum, sample by sample (what held() computes in one pass)."""
    n = len(series)
    if ahead == 0 and after == 0:
        return list(series)
    if ahead + after + 1 >= n:
        return [max(series)] * n
    return [max(series[(i + k) % n] for k in range(-after, ahead + 1)) for i in range(n)]


@given(st.lists(st.integers(0, 9), min_size=1, max_size=40), st.integers(0, 15), st.integers(0, 15))
def test_held_is_the_windows_maximum(series, ahead, after):
    assert held(series, ahead=ahead, after=after) == _held(series, ahead, after)


@given(st.integers(0, 50), st.integers(0, 50), st.integers(0, 23))
def test_a_kept_day_curve_is_the_curve(low, high, peak):
    curve = day_curve({"daily": {"low": min(low, high), "high": max(low, high), "peak_hour": peak}})
    first = curve.needed(900)
    first.append(-1)  # the caller's list is its own
    assert curve.needed(900) == [math.ceil(round(curve.at(i * 900), 6)) for i in range(96)]


# --------------------------------------------------------------------------- the panel

CHANGES = st.lists(
    st.one_of(
        st.tuples(st.just("count"), st.integers(0, 2), st.integers(0, 40)),
        st.tuples(st.just("vcpu"), st.integers(0, 2), st.sampled_from([0.5, 1.0, 2.0])),
        st.tuples(st.just("hours"), st.just(0), st.sampled_from([100, 365, 730])),
        st.tuples(st.just("architecture"), st.just(0), st.sampled_from(["x86", "arm"])),
        st.tuples(st.just("kubernetes_api"), st.just(0), st.booleans()),
        st.tuples(st.just("spot"), st.just(0), st.booleans()),
        st.tuples(st.just("premium"), st.just(0), st.sampled_from([0, 15, 30])),
        st.tuples(st.just("load_shape"), st.just(0), st.sampled_from(["steady", "daily"])),
        st.tuples(st.just("night"), st.just(0), st.sampled_from([10, 50])),
    ),
    min_size=1,
    max_size=6,
)


def _control(panel: ChooserPanel, what: str, row: int):
    if what in ("count", "vcpu"):
        return panel.rows[row][what]
    if what == "kubernetes_api":
        return panel.needs[what]
    return getattr(panel, what)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CHANGES)
def test_a_panel_after_changes_shows_what_a_fresh_one_shows(changes):
    panel = ChooserPanel()
    for what, row, value in changes:
        _control(panel, what, row).value = value
    if "Not a valid workload" in panel.status.value:
        return  # the last good figures stay on screen: nothing fresh to compare with
    costs.clear_caches()
    fresh = ChooserPanel()
    for control in fresh._controls():
        control.unobserve(fresh._changed, names="value")
    for what, row, value in changes:  # the same inputs, set without redrawing
        _control(fresh, what, row).value = value
    fresh.update()  # once, from nothing
    for part in ("table", "over_day_table", "chart", "advice", "status"):
        assert getattr(panel, part).value == getattr(fresh, part).value, part
