"""Diagrams: who runs what in each hosting mode, how the pieces fit, and what the lab holds
now. Each is a :class:`Diagram` that shows itself in a notebook and saves as SVG or PNG.
Timelines of a simulated day are drawn with matplotlib (:func:`timeline_plot`).

>>> from awscontainers.draw import responsibility_diagram
>>> responsibility_diagram("ecs-fargate").name
'ecs-fargate-responsibility'
"""

from .architecture import architecture_diagram
from .live import live_diagram
from .render import Diagram, default_renderer, find_renderer
from .responsibility import comparison_diagram, responsibility_diagram
from .timeline import TimelinePlot, timeline_comparison, timeline_plot

__all__ = [
    "Diagram",
    "TimelinePlot",
    "architecture_diagram",
    "comparison_diagram",
    "default_renderer",
    "find_renderer",
    "live_diagram",
    "responsibility_diagram",
    "timeline_comparison",
    "timeline_plot",
]
