"""What every panel shares: how it shows in a notebook, before and after it runs.

A panel is ipywidgets, which draw only in a running notebook. A lesson opened fresh (on
Binder, after a clone: an *untrusted* notebook) cannot draw stored widgets, so a panel's
display carries two fallbacks beside the widget: an HTML picture of the panel as the lesson
left it (what JupyterLab shows until the cell runs again) and a sentence of plain text.

>>> from awscontainers import Lab
>>> lab = Lab()
>>> bundle = CleanupPanel(lab)._repr_mimebundle_()
>>> sorted(k for k in bundle if k != "application/vnd.jupyter.widget-view+json")
['text/html', 'text/plain']
>>> lab.close()
"""

from __future__ import annotations

import html
from collections import Counter
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

if TYPE_CHECKING:
    from ..lab import Lab

#: Shown above a stored panel's picture: it is not live until the notebook runs.
SNAPSHOT_NOTE = (
    '<p style="color:#555;font-style:italic;margin:2px 0">A picture of this panel as the '
    "lesson left it: run the notebook (Run &gt; Run All Cells) to use its controls.</p>"
)


class Panel:
    """Base of the notebooks' panels: ``.widget`` to display, and the fallbacks a
    notebook stores with it (see the module docstring)."""

    widget: widgets.Box
    #: what the panel is, for the plain-text fallback (default: its docstring's first
    #: sentence)
    title = ""

    def snapshot_parts(self) -> list[widgets.HTML]:
        """The HTML widgets whose current content pictures the panel (default: its
        ``output``); nothing time- or machine-dependent, so stored notebooks compare."""
        output = getattr(self, "output", None)
        return [output] if isinstance(output, widgets.HTML) else []

    def snapshot_html(self) -> str:
        """The panel as it is now, as plain HTML (no widgets)."""
        return (
            '<div class="awscontainers-snapshot">'
            + SNAPSHOT_NOTE
            + "".join(part.value for part in self.snapshot_parts())
            + "</div>"
        )

    def describe(self) -> str:
        """One line of plain text for where widgets cannot draw."""
        title = self.title
        if not title:
            doc = " ".join((type(self).__doc__ or "An interactive panel.").split())
            title = doc.split(". ")[0].split(": ")[0].rstrip(".")
        return f"[{title}: an interactive panel; run this cell to use it.]"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = self.describe()
        bundle["text/html"] = self.snapshot_html()
        return bundle

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)


class CleanupPanel(Panel):
    """Delete everything a lab made (``lab.teardown()``), when you choose to.

    Lessons end with this panel rather than a teardown that runs with the rest, so after
    Run All every panel above still works; clicking empties the account (in the
    simulation) or stops what costs money (on AWS). The lab stays open."""

    title = "Clean up: delete everything this lab made"

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.button = widgets.Button(
            description="Delete everything",
            button_style="danger",
            icon="trash",
            layout=widgets.Layout(width="auto"),
        )
        self.button.on_click(lambda _: self.clean())
        self.output = widgets.HTML(self._preview())
        self.deleted: list[str] = []
        self.widget = widgets.VBox([self.button, self.output])

    def _preview(self) -> str:
        made = Counter(record.kind for record in self.lab.ledger)
        if not made:
            return "<p>This lab has made nothing that needs deleting.</p>"
        listed = ", ".join(f"{n} {html.escape(kind)}" for kind, n in sorted(made.items()))
        return f"<p>The button deletes what this lab made: {listed}.</p>"

    def clean(self) -> list[str]:
        """Tear the lab down and show what went, in the order it was deleted."""
        from ..errors import LabError

        self.button.disabled = True
        try:
            self.deleted = self.lab.teardown()
        except LabError as exc:
            self.output.value = (
                f"<p><b>Error:</b> {html.escape(exc.message)}<br>"
                f"<b>What to do:</b> {html.escape(exc.hint or '')}</p>"
            )
            return []
        finally:
            self.button.disabled = False
        items = "".join(f"<li>{html.escape(line)}</li>" for line in self.deleted)
        self.output.value = (
            f"<p>Deleted {len(self.deleted)} resources, in dependency order:</p><ul>{items}</ul>"
            "<p>The lab stays open: the panels above now show an empty account.</p>"
        )
        return self.deleted
