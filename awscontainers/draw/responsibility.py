"""Who does what, drawn: one stacked diagram per hosting mode, and all modes side by side.

Everything in these diagrams comes from the modes data (``awscontainers/data/modes.yaml``
through :mod:`awscontainers.modes`); nothing is drawn by hand, so the pictures cannot disagree
with the tables and quizzes. The DOT sources are deterministic (no timestamps, no random ids),
which lets a test compare the committed ``diagrams/*.gv`` with what the code makes now.

Each duty is one table row whose owner cell carries ``PORT="duty_<id>"`` (in the comparison,
``PORT="<mode id>__<duty id>"``) and the owner in words, ``You`` or ``AWS``: colour helps, but
the words are what a colour-blind reader or a test relies on.

>>> d = responsibility_diagram("ecs-fargate")
>>> d.name
'ecs-fargate-responsibility'
>>> 'PORT="duty_os_patching"' in d.source
True
>>> comparison_diagram(["ecs-ec2", "ecs-fargate"]).source.count('PORT="ecs-ec2__')
12
"""

from __future__ import annotations

import html
import importlib
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path

from .. import modes as modes_data
from ..modes import AWS_COLOUR, DUTIES, LAYERS, MODES, YOU_COLOUR, Assignment, Duty, Mode
from .render import Diagram, default_renderer

__all__ = [
    "all_diagrams",
    "comparison_diagram",
    "responsibility_diagram",
    "write_diagrams",
]

FONT = "Helvetica"  # one name: graphviz-pure measures a list as unknown (too narrow)
TEXT_COLOUR = "#000000"  # dark text on the light Okabe-Ito tints keeps contrast high
NEUTRAL_COLOUR = "#EEEEEE"  # for cells that belong to nobody (headers, layer names)
BORDER_COLOUR = "#555555"
# Duty labels run to 90 characters; wrapping keeps the boxes narrow enough for a notebook.
WRAP = 46

OWNER_COLOURS = {"you": YOU_COLOUR, "aws": AWS_COLOUR}
OWNER_WORDS = {"you": "You", "aws": "AWS"}


# --------------------------------------------------------------------------- helpers


def _e(text: object) -> str:
    # Graphviz HTML-like labels are XML: escape &, < and > only. Quotes are plain text there,
    # and numeric entities such as &#x27; are not understood by every renderer.
    return html.escape(str(text), quote=False)


def _wrapped(text: str, width: int = WRAP) -> str:
    """Escape ``text`` and break it into left-aligned lines of at most ``width`` characters."""
    # Not at hyphens: "self-managed" split over two lines reads as two words.
    lines = textwrap.wrap(text, width, break_on_hyphens=False) or [""]
    return '<BR ALIGN="LEFT"/>'.join(_e(line) for line in lines) + '<BR ALIGN="LEFT"/>'


def _small(text: str) -> str:
    return f'<FONT POINT-SIZE="10">{_e(text)}</FONT>'


def _owner_detail(a: Assignment) -> str:
    """The short note under the owner word, when it says more than the owner word itself."""
    word = OWNER_WORDS[a.owner]
    short = a.short.strip()
    # "AWS (you configure)" under a bold "AWS" would say AWS twice; keep only the extra part.
    if short.lower().startswith(word.lower() + " "):
        short = short[len(word) :].strip(" ()")
    if short.lower() in ("you", "aws"):
        short = ""
    if a.configured_by and a.configured_by != a.owner and "configure" not in short:
        short = (short + "; " if short else "") + f"{a.configured_by} configure it"
    return short


def _owner_cell(a: Assignment, port: str) -> str:
    """A coloured cell naming the owner in words, with ``port`` as a stable id for tests."""
    detail = _owner_detail(a)
    extra = f"<BR/>{_small(detail)}" if detail else ""
    return (
        f'<TD PORT="{port}" BGCOLOR="{OWNER_COLOURS[a.owner]}">'
        f"<B>{OWNER_WORDS[a.owner]}</B>{extra}</TD>"
    )


def _legend_cells() -> str:
    return (
        f'<TD BGCOLOR="{YOU_COLOUR}"><B>You</B> = your job</TD>'
        f'<TD BGCOLOR="{AWS_COLOUR}"><B>AWS</B> = AWS\'s job</TD>'
    )


def _graph(name: str, title: str, subtitle: str, table: str) -> str:
    """Wrap one HTML-like table in a digraph with a title; the whole picture is one node."""
    return "\n".join(
        [
            f'digraph "{name}" {{',
            f'  graph [rankdir=TB, ranksep=0.1, nodesep=0.2, fontname="{FONT}", '
            f'labelloc=t, label=<<FONT POINT-SIZE="18"><B>{_e(title)}</B></FONT>'
            f"<BR/>{_e(subtitle)}>];",
            f'  node [shape=plaintext, margin=0, fontname="{FONT}", fontsize=12, '
            f'fontcolor="{TEXT_COLOUR}"];',
            f"  table [label=<\n{table}\n>];",
            "}",
            "",
        ]
    )


def _duties_by_layer() -> list[tuple[str, list[Duty]]]:
    """(layer label, its duties) from the top of the stack down, skipping empty layers."""
    stack = []
    for layer in reversed(LAYERS):
        duties = [d for d in DUTIES if d.layer == layer.id]
        if duties:
            stack.append((layer.label, duties))
    return stack


def _mode_of(mode: str | Mode) -> Mode:
    return modes_data.get(mode)


# --------------------------------------------------------------------------- diagrams


def responsibility_diagram(mode_id: str | Mode) -> Diagram:
    """The hosting stack of one mode, hardware at the bottom, each duty saying who does it.

    >>> "<B>You</B>" in responsibility_diagram("ecs-ec2").source
    True
    """
    mode = _mode_of(mode_id)
    rows = [
        '<TABLE BORDER="1" CELLBORDER="1" CELLSPACING="0" CELLPADDING="6" '
        f'COLOR="{BORDER_COLOUR}">',
        f'<TR><TD COLSPAN="3" BGCOLOR="{NEUTRAL_COLOUR}"><B>Your application</B>'
        f"<BR/>{_small('your containers run on the stack below')}</TD></TR>",
        f'<TR><TD BGCOLOR="{NEUTRAL_COLOUR}"><B>Layer</B></TD>'
        f'<TD BGCOLOR="{NEUTRAL_COLOUR}"><B>Duty</B></TD>'
        f'<TD BGCOLOR="{NEUTRAL_COLOUR}"><B>Who</B></TD></TR>',
    ]
    for layer_label, duties in _duties_by_layer():
        for index, duty in enumerate(duties):
            a = mode.duties[duty.id]
            # The layer name spans its duties, so each layer reads as one block of the stack.
            layer_cell = (
                f'<TD ROWSPAN="{len(duties)}" ALIGN="LEFT" BALIGN="LEFT">'
                f"<B>{_wrapped(layer_label, 20)}</B></TD>"
                if index == 0
                else ""
            )
            rows.append(
                f"<TR>{layer_cell}"
                f'<TD ALIGN="LEFT" BALIGN="LEFT" BGCOLOR="{OWNER_COLOURS[a.owner]}">'
                f"{_wrapped(duty.label)}</TD>"
                f"{_owner_cell(a, f'duty_{duty.id}')}</TR>"
            )
    rows.append(
        '<TR><TD BORDER="0" ALIGN="RIGHT"><B>Legend</B></TD>'
        '<TD BORDER="0" COLSPAN="2"><TABLE BORDER="0" CELLSPACING="4" CELLPADDING="4">'
        f"<TR>{_legend_cells()}</TR></TABLE></TD></TR>"
    )
    rows.append("</TABLE>")
    subtitle = f"{mode.orchestrator} on {mode.compute}: {mode.management}"
    if mode.newer:
        subtitle += " (newer mode)"
    return Diagram(
        _graph(f"{mode.id}-responsibility", mode.name, subtitle, "\n".join(rows)),
        name=f"{mode.id}-responsibility",
    )


def _mode_header(mode: Mode) -> str:
    newer = "<BR/><I>newer</I>" if mode.newer else ""
    return (
        f'<TD BGCOLOR="{NEUTRAL_COLOUR}" VALIGN="BOTTOM"><B>{_wrapped(mode.name, 14)}</B>'
        f"{_small(mode.management)}{newer}</TD>"
    )


def comparison_diagram(modes: Iterable[str | Mode] | None = None) -> Diagram:
    """All modes side by side (columns in ``MODES`` order), duties as rows, hardware at the
    bottom as in the stacked diagrams; "You" gives way to "AWS" from left to right.

    >>> 'PORT="eks-fargate__control_plane"' in comparison_diagram().source
    True
    """
    chosen = list(MODES.values()) if modes is None else [_mode_of(m) for m in modes]
    width = 2 + len(chosen)
    rows = [
        '<TABLE BORDER="1" CELLBORDER="1" CELLSPACING="0" CELLPADDING="5" '
        f'COLOR="{BORDER_COLOUR}">',
        f'<TR><TD BGCOLOR="{NEUTRAL_COLOUR}" VALIGN="BOTTOM"><B>Layer</B></TD>'
        f'<TD BGCOLOR="{NEUTRAL_COLOUR}" VALIGN="BOTTOM"><B>Duty</B></TD>'
        + "".join(_mode_header(m) for m in chosen)
        + "</TR>",
        # A count per mode sums each column up, so the trend is visible without reading cells.
        f'<TR><TD COLSPAN="2" ALIGN="RIGHT"><B>Duties that are yours (of {len(DUTIES)})</B></TD>'
        + "".join(f"<TD><B>{len(m.duties_of('you'))}</B></TD>" for m in chosen)
        + "</TR>",
    ]
    for layer_label, duties in _duties_by_layer():
        for index, duty in enumerate(duties):
            layer_cell = (
                f'<TD ROWSPAN="{len(duties)}" ALIGN="LEFT" BALIGN="LEFT">'
                f"<B>{_wrapped(layer_label, 20)}</B></TD>"
                if index == 0
                else ""
            )
            cells = "".join(_owner_cell(m.duties[duty.id], f"{m.id}__{duty.id}") for m in chosen)
            rows.append(
                f'<TR>{layer_cell}<TD ALIGN="LEFT" BALIGN="LEFT">{_wrapped(duty.label, 30)}</TD>'
                f"{cells}</TR>"
            )
    rows.append(
        f'<TR><TD BORDER="0" COLSPAN="{width}"><TABLE BORDER="0" CELLSPACING="4" '
        f'CELLPADDING="4"><TR><TD BORDER="0"><B>Legend</B></TD>{_legend_cells()}</TR>'
        "</TABLE></TD></TR>"
    )
    rows.append("</TABLE>")
    return Diagram(
        _graph(
            "comparison",
            "Who does what in each hosting mode",
            "Hardware at the bottom, your application on top; duties move from you to AWS "
            "left to right.",
            "\n".join(rows),
        ),
        name="comparison",
    )


# --------------------------------------------------------------------------- writing files


def _architecture_generator() -> Callable[[str], Diagram] | None:
    """``architecture_diagram`` from :mod:`awscontainers.draw.architecture`, if it exists yet."""
    try:
        module = importlib.import_module("awscontainers.draw.architecture")
    except ImportError:
        return None
    return getattr(module, "architecture_diagram", None)


def all_diagrams() -> dict[str, Diagram]:
    """Every generated diagram by file stem, in a stable order (per mode, then comparison).

    >>> list(all_diagrams())[:1]
    ['ecs-ec2-responsibility']
    """
    architecture = _architecture_generator()
    found: dict[str, Diagram] = {}
    for mode_id in MODES:
        found[f"{mode_id}-responsibility"] = responsibility_diagram(mode_id)
        if architecture is not None:
            found[f"{mode_id}-architecture"] = architecture(mode_id)
    found["comparison"] = comparison_diagram()
    return found


def _readme(stems: list[str], renderer_kind: str) -> str:
    lines = [
        "# Diagrams",
        "",
        "Generated by `awscontainers diagrams` from the modes data "
        "(`awscontainers/data/modes.yaml`); do not edit by hand.",
        "`tests/test_draw_responsibility.py` fails when a `.gv` source here no longer matches "
        "what the code generates: run `awscontainers diagrams` again and commit the result.",
        "",
        f"SVGs drawn with **{renderer_kind}**. Other Graphviz renderers lay text out slightly "
        "differently, so only the `.gv` sources are compared.",
        "",
        "| Diagram | Picture | Source |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {stem} | [{stem}.svg]({stem}.svg) | [{stem}.gv]({stem}.gv) |" for stem in stems]
    return "\n".join(lines) + "\n"


def write_diagrams(folder: Path) -> list[Path]:
    """Write every diagram as ``.gv`` and ``.svg`` into ``folder``, plus a ``README.md`` index.

    Architecture diagrams are included once :mod:`awscontainers.draw.architecture` exists.
    Returns the paths written, README last.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    diagrams = all_diagrams()
    for stem, diagram in diagrams.items():
        written.append(diagram.save(folder / f"{stem}.gv"))
        written.append(diagram.save(folder / f"{stem}.svg"))
    # Only the renderer's kind goes in the README: its path differs from machine to machine.
    readme = folder / "README.md"
    readme.write_text(_readme(list(diagrams), default_renderer().kind), encoding="utf-8")
    written.append(readme)
    return written
