"""The day-2 panel (lesson 08), clicked as a learner would."""

import pytest

from awscontainers.oneday import STEPS
from awscontainers.widgets.day2 import LOADS, DayPanel

pytestmark = pytest.mark.usefixtures("no_callback_errors")


def test_running_the_day_fills_the_table_the_chart_and_whats_undone():
    panel = DayPanel(hours=1)
    for mode in ("ecs-ec2", "eks-ec2", "eks-nodegroup"):
        panel.modes[mode].value = False
    panel.load.value = "a spike at 09:30 that fades by 11:00"
    panel.steps["eks-fargate"].value = ("metrics-server",)
    panel.run_button.click()
    assert [d.mode for d in panel.days] == ["ecs-fargate", "eks-fargate"]
    assert "ECS on Fargate" in panel.table.value and "EKS on Fargate" in panel.table.value
    assert "<svg" in panel.chart.value and "EKS on Fargate" in panel.chart.value
    assert "hpa (Kubernetes)" in panel.undone.value
    fargate, eks = panel.days
    assert fargate.peak("desired") > eks.peak("desired")  # the HPA was left out on EKS


def test_every_step_taken_says_so():
    panel = DayPanel(hours=1)
    for mode in panel.modes:
        panel.modes[mode].value = mode == "ecs-fargate"
    panel.run_button.click()
    assert "Every scaling step was taken" in panel.undone.value


def test_no_mode_ticked_asks_for_one():
    panel = DayPanel(hours=1)
    for box in panel.modes.values():
        box.value = False
    panel.run_button.click()
    assert "Tick at least one mode" in panel.status.value and panel.days == []


def test_the_panel_offers_each_modes_steps_and_every_load():
    panel = DayPanel()
    for mode, steps in STEPS.items():
        assert [v for _, v in panel.steps[mode].options] == [s.id for s in steps]
    assert list(panel.load.options) == list(LOADS)


def test_the_panel_draws_the_day_the_lesson_draws():
    """With every step taken, the panel shows the table and the chart of lesson 08's own
    call for the modes ticked: rows every five minutes."""
    import datetime as dt

    from awscontainers.oneday import WORKING_DAY, compare_day, plot_days, side_by_side

    panel = DayPanel(hours=1)
    for mode, box in panel.modes.items():
        box.value = mode in ("ecs-fargate", "eks-fargate")
    panel.run_button.click()
    days = compare_day(
        WORKING_DAY, ["ecs-fargate", "eks-fargate"], hours=1, step=dt.timedelta(minutes=5)
    )
    assert panel.table.value == side_by_side(days)._repr_html_()
    assert panel.chart.value == plot_days(days)._repr_svg_()
    assert [len(d.timeline) for d in panel.days] == [12, 12]  # 0:05 to 1:00
