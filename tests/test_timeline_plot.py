"""Timeline plots (awscontainers/draw/timeline.py): deterministic SVG a notebook stores and
nbval compares, the series a learner reads, and clear refusals."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from awscontainers.costs import hourly_rate, priced_timeline
from awscontainers.draw import TimelinePlot, timeline_comparison, timeline_plot
from awscontainers.errors import InvalidParameterError
from awscontainers.sim import load

from .test_day2_lab import autoscale, fargate_service

T0 = dt.datetime(2026, 11, 30, 9, tzinfo=dt.timezone.utc)
ROOT = Path(__file__).resolve().parents[1]


def rows(target="ecs:web/api", nodes=2, n=12):
    out = []
    for i in range(n):
        desired = 2 + i // 3
        running = min(desired, 2 + i // 4)
        out.append(
            {
                "time": T0 + dt.timedelta(minutes=5 * i),
                "target": target,
                "load_vcpu": 0.5 * desired,
                "desired": desired,
                "running": running,
                "pending": desired - running,
                "nodes": nodes if nodes == "-" else nodes + i // 6,
                "cpu_percent": 60.0,
            }
        )
    return out


def ids(svg: str) -> set[str]:
    return set(re.findall(r'id="([^"]+)"', svg))


# The rows come pickled on stdin: the fresh interpreter imports the plot alone, not this
# module's test helpers (hypothesis, a lab: two seconds more).
_SCRIPT = """
import hashlib, pickle, sys
sys.path.insert(0, {root!r})
from awscontainers.draw import timeline_plot
rows = pickle.loads(sys.stdin.buffer.read())
print(hashlib.sha256(timeline_plot(rows).svg().encode()).hexdigest())
"""


def test_the_svg_is_byte_identical_across_runs_and_processes():
    first = timeline_plot(rows()).svg()
    assert timeline_plot(rows()).svg() == first
    # Another interpreter (other hash seeds, a fresh matplotlib): the same bytes.
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT.format(root=str(ROOT))],
        input=pickle.dumps(rows()),
        capture_output=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    )
    assert done.stdout.decode().strip() == hashlib.sha256(first.encode()).hexdigest()


def test_the_svg_carries_no_date_or_version():
    svg = timeline_plot(rows()).svg()
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg
    assert "awscontainers" in svg  # the fixed creator


def test_each_series_is_drawn_and_named():
    svg = timeline_plot(rows()).svg()
    for series in ("desired", "running", "pending", "nodes"):
        assert f"ecs:web/api {series}" in ids(svg)
    for text in ("ecs:web/api", "tasks / pods", "nodes / instances", "desired", "pending"):
        assert text in svg  # svg.fonttype none keeps text as text
    assert "cost_per_hour" not in svg  # unpriced rows: no cost panel


def test_a_priced_timeline_adds_cost_per_hour_and_its_total():
    priced = priced_timeline(rows(nodes="-"), hourly_rate("ecs-fargate", vcpu=0.5, memory_gb=1))
    svg = timeline_plot(priced).svg()
    assert {"ecs:web/api cost_per_hour", "ecs:web/api cost_usd"} <= ids(svg)
    assert "USD so far" in svg
    assert "no instances: Fargate" in svg  # nodes "-" is a Fargate service


def test_several_targets_are_drawn_side_by_side():
    both = rows() + rows(target="eks:demo/default/web", nodes=3)
    plot = timeline_plot(both)
    assert {"ecs:web/api running", "eks:demo/default/web running"} <= ids(plot.svg())
    assert repr(plot) == "<TimelinePlot ecs:web/api, eks:demo/default/web>"


def test_timeline_comparison_titles_each_lab_by_its_mode():
    plot = timeline_comparison({"ECS on EC2": rows(), "ECS on Fargate": rows(nodes="-")})
    svg = plot.svg()
    assert {"ECS on EC2 running", "ECS on Fargate running"} <= ids(svg)
    with pytest.raises(InvalidParameterError, match="holds 2 targets"):
        timeline_comparison({"mixed": rows() + rows(target="other")})


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ([], "The timeline is empty"),
        ("rows", "list of rows"),
        ([{"time": T0, "target": "a"}], "has no desired, running"),
        ([{"time": "09:00", "target": "a", "desired": 1, "running": 1}], "aware datetime"),
    ],
)
def test_what_cannot_be_drawn_is_refused_with_what_to_do(given, words):
    with pytest.raises(InvalidParameterError) as err:
        timeline_plot(given)
    assert words in str(err.value)
    assert "lab.run" in err.value.hint


def test_it_shows_itself_in_a_notebook_and_saves(tmp_path):
    plot = timeline_plot(rows())
    assert isinstance(plot, TimelinePlot)
    assert plot._repr_svg_().lstrip().startswith("<?xml")
    assert plot.save(tmp_path / "t.svg").read_text() == plot.svg()
    assert plot.save(tmp_path / "t.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(InvalidParameterError, match=".svg or .png"):
        plot.save(tmp_path / "t.pdf")


def _pixels(png: bytes) -> bytes:
    import io

    from PIL import Image

    return Image.open(io.BytesIO(png)).convert("RGB").tobytes()


@pytest.mark.filterwarnings("error")
def test_a_picture_is_the_same_whichever_is_drawn_first():
    """The panels are placed once and kept: the PNG a fresh notebook shows is the same
    picture whether the SVG was drawn before it or not, and so is the SVG. A span of about
    two and a half hours (the second column) draws without a warning."""
    both = [rows("ecs:web/api"), rows("ecs:web/worker", nodes="-", n=30)]
    table = [r for part in both for r in part]
    svg_first = timeline_plot(table)
    svg = svg_first.svg()
    png_first = timeline_plot(table)
    png = png_first.png()
    assert _pixels(svg_first.png()) == _pixels(png)
    assert png_first.svg() == svg


def test_the_hours_on_each_axis_are_those_matplotlib_would_pick():
    """The time ticks are found once per column and fixed; they are the ticks matplotlib's
    own date locator picks for the column's final span, on every panel of it."""
    import matplotlib.dates as mdates

    plot = timeline_comparison({"short": rows(n=4), "long": rows("ecs:x/y", n=40)})
    plot.png()  # drawn: the spans are final
    for axis in plot._figure.axes:
        auto = mdates.AutoDateLocator(minticks=3, maxticks=5, tz=dt.timezone.utc)
        auto.set_axis(axis.xaxis)
        assert list(axis.xaxis.get_majorticklocs()) == list(auto())


def test_a_lab_run_is_drawn_from_its_timeline(lab):
    fargate_service(lab)
    autoscale(lab)
    lab.day2.load_service("fg", "web", load.step(0.4, 2.0, at=dt.timedelta(minutes=5)))
    lab.run(until=dt.timedelta(minutes=20), step=dt.timedelta(minutes=1))
    timeline = lab.timeline()
    priced = priced_timeline(list(timeline), hourly_rate("ecs-fargate", vcpu=0.5, memory_gb=1))
    assert priced[-1]["cost_usd"] > 0
    svg = timeline_plot(priced).svg()
    assert "ecs:fg/web running" in ids(svg)
    # The same run again in a new lab: the same picture.
    from awscontainers import Lab

    again = Lab()
    try:
        fargate_service(again)
        autoscale(again)
        again.day2.load_service("fg", "web", load.step(0.4, 2.0, at=dt.timedelta(minutes=5)))
        again.run(until=dt.timedelta(minutes=20), step=dt.timedelta(minutes=1))
        rate = hourly_rate("ecs-fargate", vcpu=0.5, memory_gb=1)
        assert timeline_plot(priced_timeline(list(again.timeline()), rate)).svg() == svg
    finally:
        again.close()


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from([0.0, 1.0, 2.0, None]), min_size=1, max_size=60))
def test_the_corners_kept_redraw_the_same_steps(values):
    from awscontainers.draw.timeline import _kept

    keep = _kept(values)
    assert keep[0] == 0 and keep[-1] == len(values) - 1
    # A step line through the kept rows holds each row's value until the next kept row.
    for i, value in enumerate(values):
        corner = max(k for k in keep if k <= i)
        assert values[corner] == value


def test_a_day_at_fifteen_second_steps_draws_a_small_svg():
    day = [
        {
            "time": T0 + dt.timedelta(seconds=15 * i),
            "target": "eks:day/default/web",
            "desired": 100 + (i // 720) * 10,
            "running": 100 + (i // 720) * 10,
            "pending": 0,
            "nodes": 5 + i // 1440,
        }
        for i in range(5760)
    ]
    rate = hourly_rate("eks-nodegroup", vcpu=0.25, memory_gb=0.5, instance_type="m5.large")
    svg = timeline_plot(priced_timeline(day, rate)).svg()
    assert len(svg) < 150_000  # the corners, not 5,760 points per series


def test_titles_name_the_columns_by_mode():
    both = rows() + rows(target="eks:demo/default/web", nodes=3)
    plot = timeline_plot(both, titles={"ecs:web/api": "ECS on EC2"})
    assert {"ECS on EC2 running", "eks:demo/default/web running"} <= ids(plot.svg())
    with pytest.raises(InvalidParameterError, match="targets are ecs:web/api"):
        timeline_plot(both, titles={"ecs:nope": "x"})
    with pytest.raises(InvalidParameterError, match="two targets alike"):
        timeline_plot(both, titles={"ecs:web/api": "eks:demo/default/web"})


def test_each_row_scales_to_every_columns_data():
    # Column 0 has 2 nodes, column 1 grows to 12: the shared nodes row must show both.
    plot = timeline_plot(rows(nodes=2) + rows(target="eks:big/default/web", nodes=10))
    tasks, _, nodes, _ = plot._figure.axes[:4]
    assert nodes.get_ylim()[0] == 0 and nodes.get_ylim()[1] >= 11
    assert tasks.get_ylim()[1] >= max(r["desired"] for r in rows())


def test_a_oneday_run_is_drawn_with_its_costs():
    from awscontainers.oneday import run_day

    curve = load.step(0.5, 2, at=dt.timedelta(minutes=10))
    day = run_day("ecs-fargate", curve, hours=0.5, step=dt.timedelta(minutes=5))
    svg = timeline_comparison({"ECS on Fargate": day.timeline}).svg()
    assert {"ECS on Fargate running", "ECS on Fargate cost_per_hour"} <= ids(svg)
    assert "ECS on Fargate cost_usd" in ids(svg)


@pytest.mark.parametrize("stored", ["", "1"])
def test_the_chart_carries_a_png_only_where_notebooks_are_stored(monkeypatch, stored):
    """As a kernel shows it (IPython's formatter): the SVG always, the PNG for a fresh,
    untrusted notebook only where notebooks are stored (AWSCONTAINERS_STORED_PNG)."""
    from IPython.core.formatters import DisplayFormatter

    from awscontainers.draw.render import PNG_ENV

    monkeypatch.setenv(PNG_ENV, stored)
    shown, _ = DisplayFormatter().format(timeline_plot(rows()))
    assert "<svg" in shown["image/svg+xml"]
    assert ("image/png" in shown) is bool(stored)
    if stored:
        assert shown["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
