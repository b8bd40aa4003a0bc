"""Timeline plots: what a day did to each service or Deployment, drawn with matplotlib.

:func:`timeline_plot` takes the rows of ``lab.timeline()`` (or any list of dicts of that
shape: ``time``, ``target``, ``desired``, ``running``, ``pending``, ``nodes``) and draws one
column per target, side by side, with three panels each: desired against running tasks or
pods with the pending ones, the nodes or instances, and the cost per hour with the cost
accumulated so far (when the rows carry ``cost_per_hour``, as
:func:`awscontainers.costs.priced_timeline` adds). :func:`timeline_comparison` puts the
timelines of several labs (five modes through one day, say) side by side.

The SVG is deterministic, so a notebook's stored output compares strictly: fixed figure
size, fixed ids (``svg.hashsalt``), text kept as text (``svg.fonttype`` none), no date or
version in the metadata. Each line carries an id naming its series (``<target> running``...).

>>> import datetime as dt
>>> t0 = dt.datetime(2026, 11, 30, 9, tzinfo=dt.timezone.utc)
>>> rows = [{"time": t0 + dt.timedelta(minutes=m), "target": "ecs:web/api", "desired": d,
...          "running": r, "pending": d - r, "nodes": 2} for m, d, r in [(0, 2, 2), (1, 4, 2)]]
>>> plot = timeline_plot(rows)
>>> plot
<TimelinePlot ecs:web/api>
>>> plot.svg() == timeline_plot(rows).svg()
True
"""

from __future__ import annotations

import datetime as _dt
import io
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import InvalidParameterError

__all__ = ["PANEL_HEIGHT", "TimelinePlot", "load_plot", "timeline_comparison", "timeline_plot"]

#: Inches: every figure is this wide per target and this tall per panel, whatever the data.
COLUMN_WIDTH = 4.2
PANEL_HEIGHT = 2.2
MAX_COLUMNS = 8
#: Okabe-Ito, as in :mod:`awscontainers.draw.chart`: told apart with the common colour-vision
#: deficiencies; each series also has its own line style.
_STYLE: dict[str, dict[str, Any]] = {
    # Desired is drawn last and on top, dashed, so it shows where running equals it.
    "desired": {"color": "#000000", "linestyle": "--", "label": "desired", "zorder": 3},
    "running": {"color": "#0072B2", "linestyle": "-", "label": "running"},
    "pending": {"color": "#D55E00", "linestyle": ":", "label": "pending"},
    "nodes": {"color": "#009E73", "linestyle": "-", "label": "nodes / instances"},
    "cost_per_hour": {"color": "#CC79A7", "linestyle": "-", "label": "USD per hour"},
    "cost_usd": {"color": "#E69F00", "linestyle": "--", "label": "USD so far"},
}
_RC: Any = {  # matplotlib types rc keys as literals; these are checked by matplotlib
    "svg.hashsalt": "awscontainers",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "path.simplify": False,
}
_METADATA: Any = {"Date": None, "Creator": "awscontainers", "Format": None, "Type": None}


def _error(message: str) -> InvalidParameterError:
    return InvalidParameterError(
        message,
        code="InvalidParameterException",
        hint="give a load and run the lab first: lab.day2.load_service(cluster, service, "
        "curve), then lab.run(until=datetime.timedelta(hours=1)), then "
        "timeline_plot(lab.timeline()).",
    )


class TimelinePlot:
    """A drawn timeline: shows itself in a notebook (SVG) and saves as ``.svg`` or ``.png``."""

    def __init__(self, figure: Any, name: str):
        self._figure = figure
        self.name = name
        self._svg: str | None = None
        self._laid_out = False

    def _lay_out(self) -> None:
        """Place the panels once (matplotlib's constrained layout), then keep them there:
        left to the layout engine, each save (the SVG, then the PNG a fresh notebook shows)
        measured every label and placed everything again, about half of each save's time."""
        if self._laid_out:
            return
        import matplotlib

        with matplotlib.rc_context(_RC):
            self._figure.get_layout_engine().execute(self._figure)
        self._figure.set_layout_engine("none")
        self._laid_out = True

    def svg(self) -> str:
        """The figure as SVG text, the same bytes for the same rows."""
        if self._svg is None:
            import matplotlib

            buffer = io.StringIO()
            self._lay_out()
            with matplotlib.rc_context(_RC):
                self._figure.savefig(buffer, format="svg", metadata=_METADATA)
            self._svg = buffer.getvalue()
        return self._svg

    def png(self, dpi: int = 100) -> bytes:
        """The figure as PNG bytes."""
        import matplotlib

        buffer = io.BytesIO()
        self._lay_out()
        with matplotlib.rc_context(_RC):
            self._figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
        return buffer.getvalue()

    def _repr_svg_(self) -> str:
        from .render import fit_width

        return fit_width(self.svg())

    def _repr_png_(self) -> bytes | None:
        """What a fresh, untrusted notebook shows (it draws no SVG), where notebooks are
        stored (:func:`~awscontainers.draw.render.stored_png`); None elsewhere."""
        from .render import compact_png, stored_png

        return compact_png(self.png(dpi=72)) if stored_png() else None

    def save(self, path: str | Path) -> Path:
        """Write ``.svg`` or ``.png`` according to the suffix."""
        path = Path(path)
        if path.suffix == ".png":
            path.write_bytes(self.png())
        elif path.suffix in (".svg", ""):
            path.write_text(self.svg())
        else:
            raise InvalidParameterError(
                f"Cannot save a timeline plot as {path.suffix!r}.",
                hint="save as .svg or .png.",
            )
        return path

    def __repr__(self) -> str:
        # Only the name: notebooks store this text.
        return f"<TimelinePlot {self.name}>"


def _check_rows(rows: Any) -> list[dict[str, Any]]:
    if isinstance(rows, str | bytes | Mapping) or not isinstance(rows, Sequence):
        raise _error(f"A timeline is a list of rows (lab.timeline()), not {type(rows).__name__}.")
    if not rows:
        raise _error(
            "The timeline is empty: nothing was run with a load, so there is nothing to plot."
        )
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise _error(f"Timeline row {i} is a {type(row).__name__}, not a row (a dict).")
        missing = [k for k in ("time", "target", "desired", "running") if k not in row]
        if missing:
            raise _error(f"Timeline row {i} has no {', '.join(missing)}.")
        if not isinstance(row["time"], _dt.datetime) or row["time"].tzinfo is None:
            raise _error(f"Timeline row {i}'s time must be an aware datetime, not {row['time']!r}.")
    return list(rows)


def _number(value: Any) -> float | None:
    """A plotted value: numbers as they are; "-" or None (no such thing here) as a gap."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _kept(values: list[float | None]) -> list[int]:
    """The rows a step line needs: the first, each where the value changes, the last. A day
    at 15 s steps is 5,760 rows; the corners are a few dozen, and the SVG stays small."""
    last = len(values) - 1
    return [i for i, v in enumerate(values) if i in (0, last) or v != values[i - 1]]


def _corners(times: list[Any], values: list[float | None]) -> tuple[list[Any], list[Any]]:
    keep = _kept(values)
    return [times[i] for i in keep], [values[i] for i in keep]


def _by_target(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    targets: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        targets.setdefault(str(row["target"]), []).append(row)
    if len(targets) > MAX_COLUMNS:
        raise InvalidParameterError(
            f"The timeline holds {len(targets)} targets; a plot shows at most {MAX_COLUMNS} "
            "side by side.",
            code="InvalidParameterException",
            hint="pick some: timeline_plot([r for r in rows if r['target'] in wanted]).",
        )
    return targets


def _fix_ticks(grid: Any, utc: _dt.tzinfo) -> None:
    """Each column's hours, found once: the ticks matplotlib's AutoDateLocator picks for the
    column's final span, then fixed. Left automatic, the locator runs again for each panel
    each time the layout measures or draws the figure (hundreds of times a figure), and
    the ticks it finds are these."""
    import matplotlib.dates as mdates
    from matplotlib.ticker import FixedLocator

    for col in range(grid.shape[1]):
        locator = mdates.AutoDateLocator(minticks=3, maxticks=5, tz=utc)
        locator.set_axis(grid[0][col].xaxis)
        with warnings.catch_warnings():
            # Spans of two to three hours fit none of its intervals: it says so in a
            # UserWarning (which a notebook shows in red) and ticks every 30 minutes.
            warnings.filterwarnings("ignore", "AutoDateLocator was unable", UserWarning)
            ticks = list(locator())
        for axis in grid[:, col]:
            axis.xaxis.set_major_locator(FixedLocator(ticks))


def _draw(targets: dict[str, list[dict[str, Any]]], name: str) -> TimelinePlot:
    import matplotlib
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure

    priced = any("cost_per_hour" in r for rows in targets.values() for r in rows)
    panels = 3 if priced else 2
    columns = len(targets)
    with matplotlib.rc_context(_RC):
        figure = Figure(
            figsize=(COLUMN_WIDTH * columns, PANEL_HEIGHT * panels + 0.6), layout="constrained"
        )
        grid = figure.subplots(panels, columns, squeeze=False, sharex="col", sharey="row")
        utc = _dt.timezone.utc
        hours = mdates.DateFormatter("%H:%M", tz=utc)
        has_nodes = any(
            _number(r.get("nodes")) is not None for rows in targets.values() for r in rows
        )
        most = max(
            (_number(r.get("cost_usd")) or 0.0 for rows in targets.values() for r in rows),
            default=0.0,
        )
        legend: dict[str, Any] = {}  # one entry per series, in the order first drawn
        for col, (target, rows) in enumerate(targets.items()):
            times = [r["time"] for r in rows]
            tasks, nodes = grid[0][col], grid[1][col]
            tasks.set_title(target)
            for key in ("running", "pending", "desired"):
                values = [_number(r.get(key)) for r in rows]
                if all(v is None for v in values):
                    continue
                (line,) = tasks.step(*_corners(times, values), where="post", **_STYLE[key])
                line.set_gid(f"{target} {key}")
                legend.setdefault(key, line)
            values = [_number(r.get("nodes")) for r in rows]
            if all(v is None for v in values):
                nodes.text(
                    0.5,
                    0.5,
                    "no instances: Fargate",
                    ha="center",
                    va="center",
                    transform=nodes.transAxes,
                )
            else:
                (line,) = nodes.step(*_corners(times, values), where="post", **_STYLE["nodes"])
                line.set_gid(f"{target} nodes")
                legend.setdefault("nodes", line)
            if col == 0:
                tasks.set_ylabel("tasks / pods")
                nodes.set_ylabel("nodes / instances")
            if priced:
                cost = grid[2][col]
                per_hour = [_number(r.get("cost_per_hour")) for r in rows]
                (line,) = cost.step(
                    *_corners(times, per_hour), where="post", **_STYLE["cost_per_hour"]
                )
                line.set_gid(f"{target} cost_per_hour")
                legend.setdefault("cost_per_hour", line)
                total_axis = cost.twinx()
                total = [_number(r.get("cost_usd")) for r in rows]
                # The total grows in straight lines between changes of the rate.
                keep = _kept(per_hour)
                (line,) = total_axis.plot(
                    [times[i] for i in keep], [total[i] for i in keep], **_STYLE["cost_usd"]
                )
                line.set_gid(f"{target} cost_usd")
                legend.setdefault("cost_usd", line)
                # One scale for every column, so the modes' totals compare at a glance.
                total_axis.set_ylim(0, most * 1.05 or 1.0)
                if col == 0:
                    cost.set_ylabel("USD per hour")
                if col == columns - 1:
                    total_axis.set_ylabel("USD so far")
            for axis in (row[col] for row in grid):
                axis.grid(True, color="#dddddd", linewidth=0.6)
                axis.xaxis.set_major_formatter(hours)
            if not has_nodes:
                nodes.tick_params(left=False, labelleft=False)
            grid[-1][col].set_xlabel("time (UTC)")
        # Each row shares one scale across the columns; fix its floor at 0 only now that
        # every column's data is in (fixing it earlier would freeze the top at column 0's).
        for axis in grid[:, 0]:
            axis.relim()
            axis.autoscale_view()
            axis.set_ylim(bottom=0)
        _fix_ticks(grid, utc)
        figure.legend(
            handles=list(legend.values()),
            loc="outside lower center",
            ncols=min(len(legend), 3 * columns),
            frameon=False,
        )
    return TimelinePlot(figure, name)


def timeline_plot(
    rows: Sequence[Mapping[str, Any]], titles: Mapping[str, str] | None = None
) -> TimelinePlot:
    """Draw a timeline (``lab.timeline()``, or rows priced by
    :func:`awscontainers.costs.priced_timeline`): one column per target, side by side,
    titled by the target or by ``titles[target]`` (a mode's name, say).

    >>> timeline_plot([])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    awscontainers.errors.InvalidParameterError: The timeline is empty: nothing was run ...
    """
    checked = _check_rows(rows)
    targets = _by_target(checked)
    if titles is not None:
        if not isinstance(titles, Mapping):
            raise _error(f"titles must map targets to titles, not {type(titles).__name__}.")
        unknown = [t for t in titles if t not in targets]
        named = [str(titles.get(t, t)) for t in targets]
        if unknown or len(set(named)) < len(named):
            raise InvalidParameterError(
                f"titles name {', '.join(map(str, unknown)) or 'two targets alike'}; the "
                f"timeline's targets are {', '.join(targets)}.",
                code="InvalidParameterException",
                hint="give each target of the timeline its own title, e.g. "
                "titles={'ecs:web/api': 'ECS on Fargate'}.",
            )
        targets = {name: targets[t] for name, t in zip(named, targets, strict=True)}
    return _draw(targets, ", ".join(targets))


def timeline_comparison(timelines: Mapping[str, Sequence[Mapping[str, Any]]]) -> TimelinePlot:
    """Several timelines side by side, one column each, titled by their key (a mode's name,
    say): for labs that each ran one mode through the same day. Each timeline must hold one
    target."""
    if not isinstance(timelines, Mapping) or not timelines:
        raise _error("timeline_comparison needs a mapping of title -> timeline, not "
                     f"{timelines!r}.")  # fmt: skip
    targets: dict[str, list[dict[str, Any]]] = {}
    for title, rows in timelines.items():
        checked = _check_rows(rows)
        names = {str(r["target"]) for r in checked}
        if len(names) > 1:
            raise InvalidParameterError(
                f"The timeline titled {title!r} holds {len(names)} targets "
                f"({', '.join(sorted(names))}).",
                code="InvalidParameterException",
                hint="give one target per title, or draw it with timeline_plot (one column "
                "per target).",
            )
        targets[str(title)] = checked
    if len(targets) > MAX_COLUMNS:
        raise InvalidParameterError(
            f"{len(targets)} timelines; a plot shows at most {MAX_COLUMNS} side by side.",
            code="InvalidParameterException",
            hint="compare fewer modes at once.",
        )
    return _draw(targets, ", ".join(targets))


def load_plot(points: Sequence[tuple[float, float]], title: str = "The day's load") -> TimelinePlot:
    """A load curve drawn as (hours from the start, vCPU) points: one line, the same bytes
    every time, an SVG that fits the notebook and a PNG for fresh notebooks."""
    import matplotlib
    from matplotlib.figure import Figure

    if not points:
        raise InvalidParameterError(
            "A load plot needs at least one (hour, vCPU) point.",
            hint="sample the curve: [(h, curve.at(start + timedelta(hours=h))) for h in ...].",
        )
    with matplotlib.rc_context(_RC):
        figure = Figure(figsize=(COLUMN_WIDTH * 2, PANEL_HEIGHT + 0.6), layout="constrained")
        axes = figure.subplots()
        axes.plot([p[0] for p in points], [p[1] for p in points], color="#0072B2")
        axes.set_xlabel("hours from the start")
        axes.set_ylabel("vCPU of work")
        axes.set_title(title)
        axes.set_ylim(bottom=0)
        axes.grid(True, linewidth=0.3)
    return TimelinePlot(figure, title)
