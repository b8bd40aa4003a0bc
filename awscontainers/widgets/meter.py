"""The lab's cost meter as a small panel: what the lab holds now, per hour and so far.

>>> from awscontainers import Lab
>>> with Lab(budget_usd=1) as lab:
...     _ = lab.eks.create_cluster(name="demo")
...     meter = CostMeter(lab)
...     "0.1000 USD/hour" in meter.output.value
True
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import ipywidgets as widgets

from .panel import Panel

if TYPE_CHECKING:
    from ..lab import Lab


class CostMeter(Panel):
    """The lab's running cost: a line per billed thing, the hourly rate (against the
    lab's budget, if it has one) and the total so far; Refresh reads it again."""

    title = "Cost meter: what this lab costs now"

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.button = widgets.Button(
            description="Refresh", icon="refresh", layout=widgets.Layout(width="auto")
        )
        self.button.on_click(lambda _: self.refresh())
        self.output = widgets.HTML()
        self.widget = widgets.VBox([self.button, self.output])
        self.refresh()

    def refresh(self) -> None:
        """Price what the lab holds now."""
        from ..errors import LabError

        try:
            self.output.value = self.lab.cost()._repr_html_()
        except LabError as exc:
            self.output.value = (
                f"<p><b>The meter could not read the lab:</b> {html.escape(exc.message)}</p>"
            )
