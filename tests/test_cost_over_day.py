"""Cost over a day: a workload's load curve (rules/curves.py), each mode priced as it scales
(costs.estimate_over_day), a timeline priced row by row, the CLI and the chooser showing both
figures. Figures: awscontainers/data/day2.yaml, cost_over_time."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from awscontainers import costs, modes
from awscontainers.cli import main
from awscontainers.errors import InvalidParameterError, LabError
from awscontainers.rules import curves
from awscontainers.rules.data import load_packaged
from awscontainers.workload import Workload
from tests.strategies import text

DAY2 = load_packaged("day2.yaml")


def workload(*services, **extra):
    return Workload.from_dict({"services": list(services), **extra})


def web(**extra):
    return {"name": "web", "vcpu": 0.5, "memory_gb": 1, **extra}


# --------------------------------------------------------------------------- the curve


def test_the_four_shapes_read_as_the_simulator_reads_them():
    daily = curves.day_curve({"daily": {"low": 2, "high": 10, "peak_hour": 14}})
    assert daily.at(14 * 3600) == pytest.approx(10)
    assert daily.at(2 * 3600) == pytest.approx(2)  # twelve hours from the peak
    assert daily.at(8 * 3600) == pytest.approx(6)  # halfway
    step = curves.day_curve({"step": {"before": 1, "after": 5, "at": "12:30"}})
    assert step.at(12 * 3600 + 29 * 60) == 1 and step.at(12 * 3600 + 30 * 60) == 5
    pts = curves.day_curve({"points": [["06:00", 0], [8, 10]]})
    assert [pts.at(h * 3600) for h in (0, 7, 12)] == [0, 5, 10]  # flat, straight, flat
    assert curves.day_curve({"constant": 3}).needed(3600) == [3] * 24


def test_needed_rounds_up_to_whole_tasks_and_peak_is_the_most():
    curve = curves.day_curve({"points": [["00:00", 0.2], ["12:00", 2.1], ["23:59", 0]]})
    needed = curve.needed(3600)
    assert needed[0] == 1 and max(needed) == 3 == curve.peak(3600)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"hourly": 3}, "no shape 'hourly'"),
        ({"constant": -1}, "from 0 to 100,000"),
        ({"constant": True}, "number of tasks"),
        ({"daily": {"low": 5, "high": 2}}, "below its low"),
        ({"daily": {"low": 1}}, "missing high"),
        ({"step": {"before": 1, "after": 2, "at": 720}}, "Quote the time"),  # YAML's 12:00
        ({"step": {"before": 1, "after": 2, "at": "25:00"}}, "time of day"),
        ({"points": [["10:00", 1], ["09:00", 2]]}, "not later than"),
        ({"points": []}, "non-empty list"),
        ({"constant": 1, "daily": {}}, "one shape"),
    ],
)
def test_a_bad_curve_is_refused_with_what_to_write(data, words):
    with pytest.raises(InvalidParameterError) as err:
        curves.day_curve(data)
    assert words in str(err.value) and err.value.hint


@settings(max_examples=80, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | text(),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(["constant", "step", "daily", "points",
                                                       "low", "high", "at", "before"]),
                                      inner, max_size=3),
                    max_leaves=8))  # fmt: skip
def test_any_curve_is_built_or_refused_with_the_labs_own_error(data):
    try:
        curve = curves.day_curve(data)
    except LabError:
        return
    assert all(0 <= n <= curves.MAX_TASKS for n in curve.needed(3600))


def test_yaml_reads_an_unquoted_time_as_minutes_and_the_error_says_to_quote_it():
    text = (
        "services: [{name: web, vcpu: 1, memory_gb: 2, "
        "load: {step: {before: 1, after: 2, at: 12:00}}}]"
    )
    with pytest.raises(InvalidParameterError, match="Quote the time"):
        Workload.from_text(text)


# --------------------------------------------------------------------------- the workload


def test_a_service_with_a_load_counts_its_peak_and_writes_the_curve_back():
    w = workload(web(load={"daily": {"low": 2, "high": 12}}))
    assert w.services[0].count == 12 and w.has_load
    assert Workload.from_dict(w.to_dict()) == w
    assert "count" not in w.to_dict()["services"][0]
    assert not workload(web(count=3)).has_load


def test_count_and_load_together_are_refused():
    with pytest.raises(InvalidParameterError, match="both count and load"):
        workload(web(count=3, load={"constant": 3}))


def test_scaling_a_workload_scales_its_curve():
    w = workload(web(load={"daily": {"low": 1, "high": 4}})).scaled(3)
    assert w.services[0].count == 12 and w.services[0].load.spec == {"low": 3, "high": 12}


def test_tasks_over_day_puts_a_fixed_count_beside_the_curve():
    w = workload(web(count=2), {**web(load={"constant": 5}), "name": "api"})
    needs = costs.tasks_over_day(w)
    assert len(needs) == 86_400 // DAY2["cost_over_time"]["sample_seconds"]
    assert set(needs) == {(2, 5)}


# --------------------------------------------------------------------------- the cost


def test_scaling_figures_come_from_day2_yaml():
    ca = DAY2["cluster_autoscaler"]
    for mode_id in ("eks-ec2", "eks-nodegroup"):
        rule = costs.scaling(mode_id)
        assert rule.keep_after_seconds == ca["scale_down_unneeded_time_seconds"]
        assert "cluster-autoscaler/FAQ.md" in rule.source
    ecs = costs.scaling("ecs-ec2")
    target = DAY2["ecs_cluster_auto_scaling"]["default_target_capacity_percent"]
    assert ecs.target_utilisation == target / 100
    assert ecs.keep_after_seconds == DAY2["cost_over_time"]["ec2"]["ecs-ec2"]["keep_after_seconds"]
    with pytest.raises(InvalidParameterError, match="no instances to scale"):
        costs.scaling("ecs-fargate")


def test_fargate_pays_for_the_task_minutes_the_curve_needs():
    # 2 tasks until 12:00, then 6: 12 h x 2 + 12 h x 6 = 96 task-hours a day.
    w = workload(web(load={"step": {"before": 2, "after": 6, "at": "12:00"}}))
    e = costs.estimate_over_day(w, "ecs-fargate")
    rates = costs.load_prices().fargate["x86"]
    days = 730 / 24
    expected = round(96 * days * 0.5 * rates["vcpu_hour"], 2) + round(
        96 * days * 1 * rates["gb_hour"], 2
    )
    assert e.monthly == pytest.approx(expected, abs=0.01)
    assert e.lines[1].quantity == pytest.approx(96 * days * 0.5)


def test_eks_modes_keep_the_control_plane_all_month_whatever_the_load():
    w = workload(web(load={"points": [["00:00", 0], ["23:00", 0]]}))
    for mode_id in ("eks-fargate", "eks-nodegroup"):
        e = costs.estimate_over_day(w, mode_id)
        assert e.lines[0].item.startswith("EKS control plane") and e.monthly == 73.0


def test_ec2_instances_are_kept_after_the_need_falls():
    # One hour of 4 tasks a day, none otherwise: the instances stay keep_after longer.
    w = workload(
        web(load={"points": [["10:00", 0], ["10:00:01", 4], ["11:00", 4], ["11:00:01", 0]]})
    )
    step = DAY2["cost_over_time"]["sample_seconds"]
    for mode_id in ("ecs-ec2", "eks-nodegroup"):
        rule = costs.scaling(mode_id)
        e = costs.estimate_over_day(w, mode_id)
        fleet = sum(e.plan.instances.values())
        hours = [line.quantity / (730 / 24) for line in e.lines if line.unit == "instance-hour"]
        needed_minutes = 60 + rule.keep_after_seconds / 60
        assert sum(hours) == pytest.approx(fleet * needed_minutes / 60, abs=fleet * step / 3600)


def test_a_workload_without_a_load_costs_the_same_both_ways():
    w = Workload.from_file("examples/workload.yaml")
    steady, day = costs.compare(w), costs.compare_over_day(w)
    assert [e.monthly for e in steady] == [e.monthly for e in day]


@settings(max_examples=25, deadline=None)
@given(
    counts=st.lists(st.integers(0, 40), min_size=1, max_size=3),
    vcpu=st.sampled_from([0.25, 0.5, 1, 2]),
    spot=st.booleans(),
)
def test_a_constant_curve_costs_the_steady_state_in_every_mode(counts, vcpu, spot):
    services = [
        {"name": f"s{i}", "vcpu": vcpu, "memory_gb": 2 * vcpu, "load": {"constant": n}}
        for i, n in enumerate(counts)
    ]
    w = workload(*services, spot=spot)
    for steady, day in zip(costs.compare(w), costs.compare_over_day(w), strict=True):
        if steady.monthly is None:
            assert day.monthly is None
            continue
        # Each line is rounded to cents on its own: a cent per line at most.
        assert day.monthly == pytest.approx(steady.monthly, abs=0.01 * len(steady.lines))


@settings(max_examples=40, deadline=None)
@given(
    low=st.floats(0, 50),
    extra=st.floats(0, 50),
    more=st.floats(0, 20),
    mode_id=st.sampled_from(["ecs-fargate", "eks-fargate"]),
)
def test_fargate_cost_grows_with_the_load_and_never_passes_the_peaks(low, extra, more, mode_id):
    small = workload(web(load={"daily": {"low": low, "high": low + extra}}))
    large = workload(web(load={"daily": {"low": low + more, "high": low + extra + more}}))
    a, b = costs.estimate_over_day(small, mode_id), costs.estimate_over_day(large, mode_id)
    assert a.monthly <= b.monthly + 0.01
    # Following the load never costs more than the peak's tasks all month.
    assert a.monthly <= costs.estimate(small, mode_id).monthly + 0.01


@settings(max_examples=60, deadline=None)
@given(
    series=st.lists(st.integers(0, 9), min_size=1, max_size=40),
    ahead=st.integers(0, 5),
    after=st.integers(0, 5),
)
def test_held_capacity_covers_the_need_and_adds_nothing_above_its_peak(series, ahead, after):
    kept = costs.held(series, ahead=ahead, after=after)
    assert len(kept) == len(series)
    assert all(k >= s for k, s in zip(kept, series, strict=True))
    assert max(kept) == max(series)
    assert costs.held(series, ahead=0, after=0) == series


def test_an_infeasible_mode_stays_infeasible_over_the_day():
    w = workload(web(load={"constant": 2}), needs={"daemonsets": True})
    e = costs.estimate_over_day(w, "eks-fargate")
    assert not e.feasible and e.monthly is None and e.reasons


def test_steady_and_over_day_table_names_both_figures():
    w = workload(web(load={"daily": {"low": 1, "high": 8}}))
    table = costs.steady_and_over_day(costs.compare(w), costs.compare_over_day(w))
    assert [r["mode"] for r in table] == [m.name for m in modes.MODES.values()]
    row = table[1]
    assert float(row["following the load (USD/month)"]) < float(row["steady state (USD/month)"])


# --------------------------------------------------------------------------- a timeline, priced


def rows(running, nodes="-", target="ecs:c/web", minutes=60):
    t0 = dt.datetime(2026, 11, 30, 9, tzinfo=dt.timezone.utc)
    return [
        {"time": t0 + dt.timedelta(minutes=minutes * i), "target": target, "running": n,
         "nodes": nodes}
        for i, n in enumerate(running)
    ]  # fmt: skip


def test_a_fargate_timeline_pays_per_running_task_an_hour():
    rate = costs.hourly_rate("ecs-fargate", vcpu=0.5, memory_gb=1)
    table = costs.load_prices().fargate["x86"]
    assert rate.per_task == pytest.approx(0.5 * table["vcpu_hour"] + table["gb_hour"])
    priced = costs.priced_timeline(rows([2, 4, 4]), rate)
    assert [r["cost_per_hour"] for r in priced] == pytest.approx(
        [2 * rate.per_task, 4 * rate.per_task, 4 * rate.per_task]
    )
    # The first hour at 2 tasks, the second at 4: the rate in force during each hour.
    assert priced[-1]["cost_usd"] == pytest.approx(6 * rate.per_task)


def test_an_eks_ec2_timeline_pays_per_node_and_the_control_plane():
    rate = costs.hourly_rate("eks-nodegroup", vcpu=0.5, memory_gb=1, instance_type="m5.large")
    assert rate.fixed == 0.1 and rate.per_task == 0
    priced = costs.priced_timeline(rows([10, 10], nodes=3, target="eks:c/default/web"), rate)
    assert priced[0]["cost_per_hour"] == pytest.approx(0.1 + 3 * 0.096)


def test_pricing_a_timeline_refuses_what_it_cannot_price():
    rate = costs.hourly_rate("ecs-fargate", vcpu=0.5, memory_gb=1)
    with pytest.raises(InvalidParameterError, match="No hourly rate for ecs:c/web"):
        costs.priced_timeline(rows([1]), {"other": rate})
    with pytest.raises(InvalidParameterError, match="instance_type"):
        costs.hourly_rate("ecs-ec2", vcpu=1, memory_gb=2)
    with pytest.raises(InvalidParameterError, match="lab.timeline"):
        costs.priced_timeline("rows", rate)


# --------------------------------------------------------------------------- CLI and chooser


def write(tmp_path, data):
    path = tmp_path / "day.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def test_cli_compare_shows_steady_state_and_following_the_load(tmp_path, capsys):
    path = write(tmp_path, {"services": [web(load={"daily": {"low": 2, "high": 12}})]})
    assert main(["compare", path]) == 0
    out = capsys.readouterr().out
    assert "sized for the peak all month, or following the load" in out
    assert "Recommended on the monthly cost following the load" in out
    assert main(["compare", path, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    day = {e["mode"]: e["monthly"] for e in data["over_day"]}
    steady = {e["mode"]: e["monthly"] for e in data["estimates"]}
    assert day["ecs-fargate"] < steady["ecs-fargate"]


def test_cli_compare_without_a_load_prints_as_before(tmp_path, capsys):
    assert main(["compare", write(tmp_path, {"services": [web(count=2)]})]) == 0
    assert "following the load" not in capsys.readouterr().out


def test_cli_compare_refuses_a_bad_load_with_its_hint(tmp_path, capsys):
    path = write(tmp_path, {"services": [web(load={"daily": {"low": 9, "high": 2}})]})
    assert main(["compare", path]) == 2
    assert "below its low" in capsys.readouterr().err


def test_chooser_panel_prices_a_daily_load_beside_the_steady_state():
    from awscontainers.widgets.chooser import ChooserPanel

    panel = ChooserPanel()
    assert panel.over_day is None and panel.over_day_table.value == ""
    assert panel.night.disabled
    panel.load_shape.value = "daily"
    assert not panel.night.disabled
    assert panel.workload.has_load
    assert "following the load" in panel.over_day_table.value
    fargate = panel.over_day.get("ecs-fargate").monthly
    assert fargate < panel.comparison.get("ecs-fargate").monthly
    assert panel.recommendation.comparison is panel.over_day
    panel.night.value = 100  # the night as busy as the peak: the same as steady state
    assert panel.over_day.get("ecs-fargate").monthly == panel.comparison.get("ecs-fargate").monthly
    assert not math.isnan(panel.last_update_ms)


def test_the_example_day_workload_runs_through_compare(capsys):
    w = Workload.from_file("examples/workload-day.yaml")
    assert w.has_load and [s.count for s in w.services] == [12, 3, 4]
    assert main(["compare", "examples/workload-day.yaml"]) == 0
    assert "following the load" in capsys.readouterr().out


def test_every_cost_over_time_figure_has_a_source_and_a_date():
    section = DAY2["cost_over_time"]
    entries = [section["fargate"], *section["ec2"].values()]
    for entry in entries:
        assert "https://" in entry["source"]
        assert str(entry["checked"]) == "2026-11-30"
    assert set(section["ec2"]) == set(costs.FLAVOURS)  # every EC2-backed mode has figures


loads = st.one_of(
    st.builds(lambda n: {"constant": n}, st.floats(0, 30)),
    st.builds(
        lambda a, b, h: {"step": {"before": a, "after": b, "at": h}},
        st.integers(0, 30),
        st.integers(0, 30),
        st.integers(0, 24),
    ),
    st.builds(
        lambda lo, extra, h: {"daily": {"low": lo, "high": lo + extra, "peak_hour": h}},
        st.integers(0, 20),
        st.integers(0, 20),
        st.floats(0, 23.9),
    ),
    st.none() | text(max_size=3) | st.integers(-5, 5),  # garbage
)


@settings(max_examples=25, deadline=None)
@given(
    load=loads,
    vcpu=st.sampled_from([0.25, 1, 4]),
    arch=st.sampled_from(["x86", "arm"]),
    spot=st.booleans(),
)
def test_any_load_is_priced_in_every_mode_or_refused_with_a_lab_error(load, vcpu, arch, spot):
    try:
        w = workload(
            {"name": "s", "vcpu": vcpu, "memory_gb": 2 * vcpu, "load": load},
            architecture=arch,
            spot=spot,
        )
    except LabError:
        return
    for steady, day in zip(costs.compare(w), costs.compare_over_day(w), strict=True):
        assert steady.feasible == day.feasible
        if day.feasible:
            assert math.isfinite(day.monthly) and day.monthly >= 0


def test_a_missing_management_fee_is_said_over_the_day_too_so_it_is_never_chosen():
    import copy

    data = copy.deepcopy(load_packaged("prices.yaml"))
    data["management_fee"]["ecs-managed-instances"] = None
    table = costs.parse_prices(data)
    w = workload(web(load={"daily": {"low": 1, "high": 6}}))
    e = costs.estimate_over_day(w, "ecs-managed-instances", table)
    assert any("management fee is not in the price table" in n for n in e.notes)
    from awscontainers.chooser import recommend

    choice = recommend(w, table, comparison=costs.compare_over_day(w, table)).choice
    assert choice != "ecs-managed-instances"


def test_a_recommendation_on_the_day_says_what_its_figures_assume():
    from awscontainers.chooser import recommend

    w = workload(web(load={"daily": {"low": 1, "high": 6}}))
    day = costs.compare_over_day(w)
    assert day.over_day and not costs.compare(w).over_day
    reasons = recommend(w, comparison=day).reasons
    assert any(r.startswith("Monthly figures: each service following its load") for r in reasons)
    assert not any("Monthly figures" in r for r in recommend(w).reasons)


def test_ec2_over_the_day_uses_only_the_peak_fleets_types():
    # The worker needs 4 GB, more than the web tasks' usual type holds: each service keeps
    # to a type of the peak's fleet that holds it.
    w = Workload.from_file("examples/workload-day.yaml")
    for mode_id in ("ecs-ec2", "eks-nodegroup"):
        e = costs.estimate_over_day(w, mode_id)
        types = {line.item.split(" ")[0] for line in e.lines if line.unit == "instance-hour"}
        assert types <= set(e.plan.instances)
        assert e.monthly <= costs.estimate(w, mode_id).monthly
