"""A small, fast SVG line chart (a few milliseconds, no plotting library), for the cost
curves in the chooser. Deterministic output, Okabe-Ito colours and a dash pattern per line so
lines differ without colour too, and every line named in the legend.

>>> svg = line_chart({"a": [(0, 0.0), (10, 5.0)]}, x_label="tasks", y_label="USD")
>>> svg.startswith("<svg") and "tasks" in svg
True
"""

from __future__ import annotations

import html
import math

#: Okabe-Ito: distinguishable with the common colour-vision deficiencies.
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000"]
DASHES = ["", "6 3", "2 3", "8 3 2 3", "1 2", "10 4", "4 2 1 2"]


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = span / max(ticks, 1)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def line_chart(
    series: dict[str, list[tuple[float, float]]],
    *,
    x_label: str,
    y_label: str,
    title: str = "",
    marker: tuple[float, str] | None = None,
    width: int = 820,
    height: int = 360,
) -> str:
    """An SVG line chart of ``series`` (name -> points). ``marker`` draws a labelled
    vertical line at an x value (for example where one option overtakes another)."""
    left, right, top, bottom = 70, 250, 34 if title else 14, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    points = [p for pts in series.values() for p in pts]
    x_max = max((p[0] for p in points), default=1) or 1
    y_max = max((p[1] for p in points), default=1) or 1
    y_step = _nice_step(y_max)
    y_top = math.ceil(y_max / y_step) * y_step
    x_step = _nice_step(x_max)

    def sx(x: float) -> float:
        return left + plot_w * x / x_max

    def sy(y: float) -> float:
        return top + plot_h * (1 - y / y_top)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" '
        'font-size="12">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="white"/>',
    ]
    if title:
        out.append(
            f'<text x="{left}" y="20" font-size="14" font-weight="bold">{html.escape(title)}</text>'
        )
    # Grid and axes.
    y = 0.0
    while y <= y_top + 1e-9:
        out.append(
            f'<line x1="{left}" y1="{sy(y):.1f}" x2="{left + plot_w}" y2="{sy(y):.1f}" '
            'stroke="#dddddd"/>'
        )
        out.append(f'<text x="{left - 6}" y="{sy(y) + 4:.1f}" text-anchor="end">{y:,.0f}</text>')
        y += y_step
    x = 0.0
    while x <= x_max + 1e-9:
        out.append(
            f'<text x="{sx(x):.1f}" y="{top + plot_h + 16}" text-anchor="middle">{x:,.0f}</text>'
        )
        x += x_step
    out.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#333333"/>'
    )
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#333333"/>')
    out.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 8}" text-anchor="middle">'
        f"{html.escape(x_label)}</text>"
    )
    out.append(
        f'<text x="16" y="{top + plot_h / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 16 {top + plot_h / 2:.1f})">{html.escape(y_label)}</text>'
    )
    if marker is not None:
        mx, label = marker
        out.append(
            f'<line x1="{sx(mx):.1f}" y1="{top}" x2="{sx(mx):.1f}" y2="{top + plot_h}" '
            'stroke="#555555" stroke-dasharray="4 4"/>'
        )
        out.append(
            f'<text x="{sx(mx) + 4:.1f}" y="{top + 12}" fill="#333333">{html.escape(label)}</text>'
        )
    # Lines and the legend.
    for i, (name, pts) in enumerate(series.items()):
        colour, dash = COLOURS[i % len(COLOURS)], DASHES[i % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if pts:
            path = " ".join(f"{sx(px):.1f},{sy(py):.1f}" for px, py in pts)
            out.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"'
                f"{dash_attr}><title>{html.escape(name)}</title></polyline>"
            )
        ly = top + 14 + 18 * i
        lx = left + plot_w + 14
        out.append(
            f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 26}" y2="{ly - 4}" stroke="{colour}" '
            f'stroke-width="2"{dash_attr}/>'
        )
        out.append(f'<text x="{lx + 32}" y="{ly}">{html.escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out)
