"""The day-2 panel of lesson 08: pick a load and the hosting modes, choose which scaling
steps you take in each, run the day, and see them side by side.

Each run builds fresh labs (one per mode, closed when done), so the panel keeps working after
the notebook's other cells have closed theirs.

>>> panel = DayPanel(hours=1)
>>> panel.modes["ecs-fargate"].value = False
>>> sorted(panel.chosen_modes())
['ecs-ec2', 'eks-ec2', 'eks-fargate', 'eks-nodegroup']
"""

from __future__ import annotations

import datetime as _dt
import html
from typing import Any

import ipywidgets as widgets

from .. import modes
from ..errors import LabError
from ..oneday import SEED_MODES, STEPS, WORKING_DAY, DayRun, compare_day, plot_days, side_by_side
from ..sim.load import LoadCurve, constant, daily, points
from .panel import Panel

#: The loads a learner picks from: name -> curve (vCPU over the lab's day, from 09:00 UTC).
LOADS: dict[str, LoadCurve] = {
    "a working day (morning ramp, a spike at 14:00, night low)": WORKING_DAY,
    "a smooth day (night low, afternoon peak)": daily(low=0.5, high=4, peak_hour=15),
    "a spike at 09:30 that fades by 11:00": points(
        [
            (_dt.timedelta(0), 0.5),
            (_dt.timedelta(minutes=25), 0.5),
            (_dt.timedelta(minutes=30), 4),
            (_dt.timedelta(hours=1), 4),
            (_dt.timedelta(hours=2), 0.5),
        ]
    ),
    "steady (1 vCPU all day)": constant(1),
}


#: When the panel's patch release comes: 01:00, sixteen hours into the lab's day.
PATCH_AT = _dt.timedelta(hours=16)
#: A timeline row every 5 simulated minutes, as lesson 08's own chart: the controllers still
#: act every 15 s; a 1-minute row (the default of compare_day) drew five times the points
#: for the same picture, 0.5 s more a run.
ROW_STEP = _dt.timedelta(minutes=5)


class DayPanel(Panel):
    """Widgets to run the same day in several hosting modes and compare them."""

    def __init__(self, hours: int = 24) -> None:
        self.load = widgets.Dropdown(options=list(LOADS), description="Load")
        self.hours = widgets.IntSlider(value=hours, min=1, max=24, description="hours")
        self.patch = widgets.Checkbox(
            value=True, indent=False, description="patch release at 01:00 (16 h in)"
        )
        self.modes = {
            m: widgets.Checkbox(value=True, description=modes.get(m).name, indent=False)
            for m in SEED_MODES
        }
        self.steps = {
            m: widgets.SelectMultiple(
                options=[(f"{s.side}: {s.id}", s.id) for s in STEPS[m]],
                value=[s.id for s in STEPS[m]],
                rows=len(STEPS[m]),
                layout=widgets.Layout(width="330px"),
            )
            for m in SEED_MODES
        }
        self.run_button = widgets.Button(description="Run the day", button_style="primary")
        self.run_button.on_click(self._clicked)
        self.status = widgets.HTML()
        self.table = widgets.HTML()
        self.chart = widgets.HTML()
        self.undone = widgets.HTML()
        self.days: list[DayRun] = []
        columns = [
            widgets.VBox([self.modes[m], self.steps[m]], layout=widgets.Layout(width="340px"))
            for m in SEED_MODES
        ]
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.load, self.hours, self.patch, self.run_button]),
                widgets.HTML(
                    "<b>Modes, and the scaling steps you take in each</b> "
                    "(ctrl-click to leave a step out):"
                ),
                widgets.GridBox(
                    columns, layout=widgets.Layout(grid_template_columns="repeat(3, 345px)")
                ),
                self.status,
                self.table,
                self.chart,
                self.undone,
            ]
        )

    def chosen_modes(self) -> list[str]:
        """The modes ticked, in the lessons' order."""
        return [m for m in SEED_MODES if self.modes[m].value]

    def _clicked(self, _button: Any) -> None:
        self.run()

    def run(self) -> list[DayRun]:
        """Run the chosen modes through the chosen load and show the results."""
        chosen = self.chosen_modes()
        if not chosen:
            self.status.value = "<p>Tick at least one mode.</p>"
            return []
        self.status.value = f"<p>Running {len(chosen)} mode(s) through the day...</p>"
        try:
            self.days = compare_day(
                LOADS[self.load.value],
                chosen,
                hours=self.hours.value,
                step=ROW_STEP,
                steps={m: list(self.steps[m].value) for m in chosen},
                patch_at=PATCH_AT if self.patch.value and self.hours.value > 16 else None,
            )
        except LabError as error:
            self.status.value = f'<p style="color:#8a1c00">{html.escape(str(error))}</p>'
            return []
        self.status.value = ""
        self.table.value = side_by_side(self.days)._repr_html_()
        self.chart.value = plot_days(self.days)._repr_svg_()
        self.undone.value = undone_html(self.days)
        return self.days

    title = "The same day in each hosting mode"

    def snapshot_parts(self) -> list[widgets.HTML]:
        """The side-by-side table, the chart and what was left undone."""
        return [self.table, self.chart, self.undone]


def undone_html(days: list[DayRun]) -> str:
    """What each mode's day shows for the steps left out (nothing when all were taken)."""
    items = [
        f"<li><b>{html.escape(modes.get(d.mode).name)}</b>: {html.escape(line)}</li>"
        for d in days
        for line in d.undone
    ]
    if not items:
        return "<p>Every scaling step was taken in every mode.</p>"
    return (
        "<p><b>Left undone, and what the day shows for it:</b></p><ul>" + "".join(items) + "</ul>"
    )
