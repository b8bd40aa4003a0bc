"""The hosting-mode chooser: describe a workload, see every mode's monthly cost line by
line, where EC2 overtakes Fargate, who does what, and a recommendation with its reasons.
With the load set to a daily curve, each mode is also priced following it (the steady-state
and the curve-based monthly figures side by side), and the recommendation weighs the latter.

The same panel is the notebook ``07-compare-and-choose`` and the Voila app.

>>> panel = ChooserPanel()
>>> panel.recommendation.choice in {"ecs-ec2", "ecs-fargate", "ecs-managed-instances"}
True
"""

from __future__ import annotations

import html
import json
import time
from collections import OrderedDict
from typing import Any

import ipywidgets as widgets

from .. import modes
from ..chooser import recommend
from ..costs import compare, compare_over_day, estimate, load_prices, steady_and_over_day
from ..draw.chart import line_chart
from ..errors import LabError
from ..workload import Workload
from .panel import Panel

VCPU_CHOICES = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0]
NEEDS = {
    "kubernetes_api": "needs the Kubernetes API",
    "daemonsets": "runs DaemonSets",
    "stateful_ebs": "stateful, on EBS volumes",
    "gpus": "needs GPUs",
    "privileged": "privileged containers",
}
DEFAULT_SERVICES: list[dict[str, Any]] = [
    {"name": "web", "vcpu": 0.5, "memory_gb": 1.0, "count": 4},
    {"name": "api", "vcpu": 1.0, "memory_gb": 2.0, "count": 2},
    {"name": "worker", "vcpu": 2.0, "memory_gb": 4.0, "count": 0},
]
CURVE_POINTS = 5
#: How many charts a panel keeps, so going back to an earlier workload redraws nothing.
CHARTS_KEPT = 32
#: The load over the day: each service's count all day, or a daily curve peaking at
#: PEAK_HOUR (UTC) with the night at a share of the count.
LOAD_SHAPES = [("the same count all day", "steady"), ("a daily curve (peak 14:00 UTC)", "daily")]
PEAK_HOUR = 14


class ChooserPanel(Panel):
    """Widgets for a workload and the live comparison of every hosting mode."""

    def __init__(self, prices: Any = None, services: list[dict] | None = None):
        self.prices = load_prices(prices) if prices is None or isinstance(prices, str) else prices
        self.rows = []
        for spec in services or DEFAULT_SERVICES:
            row = {
                "name": widgets.Text(
                    value=spec["name"], description="Service", layout=widgets.Layout(width="220px")
                ),
                "vcpu": widgets.Dropdown(
                    options=VCPU_CHOICES,
                    value=float(spec["vcpu"]),
                    description="vCPU",
                    layout=widgets.Layout(width="160px"),
                ),
                "memory_gb": widgets.BoundedFloatText(
                    value=spec["memory_gb"],
                    min=0.5,
                    max=120,
                    step=0.5,
                    description="GB",
                    layout=widgets.Layout(width="160px"),
                ),
                "count": widgets.BoundedIntText(
                    value=spec["count"],
                    min=0,
                    max=10_000,
                    description="tasks",
                    layout=widgets.Layout(width="170px"),
                ),
            }
            self.rows.append(row)
        self.hours = widgets.IntSlider(
            value=730,
            min=1,
            max=744,
            description="hours/month",
            style={"description_width": "initial"},
        )
        self.architecture = widgets.ToggleButtons(
            options=["x86", "arm"], value="x86", description="CPU"
        )
        self.needs = {
            k: widgets.Checkbox(value=False, description=v, indent=False) for k, v in NEEDS.items()
        }
        self.spot = widgets.Checkbox(
            value=False, indent=False, description="tolerates interruption (use Spot)"
        )
        self.premium = widgets.IntSlider(
            value=15,
            min=0,
            max=50,
            step=5,
            description="pay up to %",
            tooltip="extra cost accepted for fewer duties",
        )
        self.load_shape = widgets.Dropdown(
            options=LOAD_SHAPES,
            value="steady",
            description="load",
            style={"description_width": "40px"},
        )
        self.night = widgets.IntSlider(
            value=25,
            min=0,
            max=100,
            step=5,
            description="night %",
            tooltip="the night's tasks, as a share of each service's count (the peak)",
        )
        self.status = widgets.HTML()
        self.table = widgets.HTML()
        self.over_day_table = widgets.HTML()
        self.chart = widgets.HTML()
        self.advice = widgets.HTML()
        self.last_update_ms = 0.0
        self._charts: OrderedDict[str, str] = OrderedDict()
        self.comparison: Any = None
        self.over_day: Any = None
        self.recommendation: Any = None
        for control in self._controls():
            control.observe(self._changed, names="value")
        inputs = widgets.VBox(
            [widgets.HBox(list(r.values())) for r in self.rows]
            + [
                widgets.HBox([self.hours, self.architecture]),
                widgets.HBox(list(self.needs.values())),
                widgets.HBox([self.spot, self.premium]),
                widgets.HBox([self.load_shape, self.night]),
            ]
        )
        self.widget = widgets.VBox(
            [inputs, self.status, self.table, self.over_day_table, self.chart, self.advice]
        )
        self.update()

    def _controls(self) -> list[Any]:
        rows = [w for r in self.rows for w in r.values()]
        return [
            *rows,
            self.hours,
            self.architecture,
            *self.needs.values(),
            self.spot,
            self.premium,
            self.load_shape,
            self.night,
        ]

    # -- the workload ---------------------------------------------------------------------
    @property
    def workload(self) -> Workload:
        """The workload the widgets describe (refused with a LabError when invalid)."""
        services = [
            {k: (w.value.strip() if k == "name" else w.value) for k, w in r.items()}
            for r in self.rows
        ]
        if self.load_shape.value == "daily":
            for service in services:
                peak = service.pop("count")
                low = peak * self.night.value / 100
                service["load"] = {"daily": {"low": low, "high": peak, "peak_hour": PEAK_HOUR}}
        return Workload.from_dict(
            {
                "name": "chooser",
                "services": services,
                "hours_per_month": self.hours.value,
                "architecture": self.architecture.value,
                "needs": {k: w.value for k, w in self.needs.items()},
                "spot": self.spot.value,
            }
        )

    def _changed(self, _change: dict) -> None:
        self.update()

    # -- recomputing --------------------------------------------------------------------------
    def update(self) -> None:
        """Recompute costs, the curve and the recommendation; time it (``last_update_ms``)."""
        started = time.perf_counter()
        self.night.disabled = self.load_shape.value != "daily"  # a night only in a day's curve
        try:
            workload = self.workload
            if workload.task_count == 0:
                raise LabError("The workload has no tasks.", hint="give a service 1 task or more.")
            self.comparison = compare(workload, self.prices)
            self.over_day = compare_over_day(workload, self.prices) if workload.has_load else None
            # With a load over the day, the bill that follows it is the one to choose on.
            self.recommendation = recommend(
                workload,
                self.prices,
                self.premium.value / 100,
                comparison=self.over_day or self.comparison,
            )
            self.table.value = self.comparison._repr_html_()
            self.over_day_table.value = (
                steady_and_over_day(self.comparison, self.over_day)._repr_html_()
                if self.over_day is not None
                else ""
            )
            self.chart.value = self._chart(workload)
            self.advice.value = self.recommendation._repr_html_()
            problem = ""
        except LabError as error:
            problem = (
                f'<p style="color:#8a1c00"><b>Not a valid workload:</b> '
                f"{html.escape(str(error))}</p>"
            )
        self.status.value = (
            problem + f"<small>Prices: {html.escape(self.prices.describe())}.</small>"
        )
        # How long the change took: for the benchmark, not shown to the learner.
        self.last_update_ms = (time.perf_counter() - started) * 1000

    def _chart(self, workload: Workload) -> str:
        """The chart for ``workload``, drawn again only when something it shows changed (it
        sizes for each service's peak, so the load's shape and the premium leave it as is)."""
        data = workload.to_dict()
        for service, spec in zip(data["services"], workload.services, strict=True):
            service.pop("load", None)
            service["count"] = spec.count
        key = json.dumps(data, sort_keys=True)
        if key not in self._charts:
            self._charts[key] = self._draw_chart(workload)
            while len(self._charts) > CHARTS_KEPT:
                self._charts.popitem(last=False)
        self._charts.move_to_end(key)
        return self._charts[key]

    def _draw_chart(self, workload: Workload) -> str:
        """Cost of every mode as the whole mix grows or shrinks in proportion, from one task
        to four times today's size, so the point where EC2 overtakes Fargate shows."""
        total = workload.task_count
        top = max(8, 4 * total)
        points = sorted({max(1, round(top * i / CURVE_POINTS)) for i in range(CURVE_POINTS + 1)})
        series: dict[str, list[tuple[float, float]]] = {modes.get(m).name: [] for m in modes.MODES}
        ec2: dict[int, float] = {}
        fargate: dict[int, float] = {}
        for tasks in points:
            scaled = _rescaled(workload, tasks)
            plans: dict = {"quick": True}  # plans shared by the modes of one point
            for mode_id in modes.MODES:
                e = estimate(scaled, mode_id, self.prices, _plans=plans)
                if e.monthly is None:
                    continue
                series[modes.get(mode_id).name].append((scaled.task_count, e.monthly))
                if mode_id == "ecs-ec2":
                    ec2[tasks] = e.monthly
                elif mode_id == "ecs-fargate":
                    fargate[tasks] = e.monthly
        marker = None
        for tasks in points:
            if tasks in ec2 and tasks in fargate and ec2[tasks] < fargate[tasks]:
                marker = (tasks, f"ECS on EC2 cheaper than Fargate from about {tasks} tasks")
                break
        return line_chart(
            series,
            x_label=f"tasks (this mix, scaled; now {total})",
            y_label=f"{self.prices.currency} per month",
            title="Monthly cost against number of tasks",
            marker=marker,
        )

    # -- display ------------------------------------------------------------------------------
    title = "The hosting-mode chooser"

    def snapshot_parts(self) -> list[widgets.HTML]:
        """The cost table, the chart and the recommendation (not the prices line)."""
        return [self.table, self.chart, self.advice]


def _rescaled(workload: Workload, tasks: int) -> Workload:
    """The same mix with about ``tasks`` tasks in all (each service in proportion, at least
    one task in all)."""
    total = workload.task_count
    data = workload.to_dict()
    for service, spec in zip(data["services"], workload.services, strict=True):
        service.pop("load", None)  # the chart sizes for the peak: counts only
        service["count"] = round(spec.count * tasks / total)
    if not any(s["count"] for s in data["services"]):
        biggest = max(data["services"], key=lambda s: s["count"] if total else 0)
        biggest["count"] = 1
    return Workload.from_dict(data)
