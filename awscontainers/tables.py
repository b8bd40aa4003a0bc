"""A list of rows that shows itself as a table in a notebook and as text in a terminal."""

from __future__ import annotations

import html
from typing import Any


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) if value else "-"
    return str(value)


class Table(list):
    """Rows (dicts) with a title; ``_repr_html_`` for notebooks, ``str`` for terminals.

    >>> print(Table([{"a": 1, "b": [2, 3]}], title="t"))
    t
    a | b
    1 | 2, 3
    """

    def __init__(self, rows: list[dict], title: str = ""):
        super().__init__(rows)
        self.title = title

    @property
    def columns(self) -> list[str]:
        cols: list[str] = []
        for row in self:
            cols.extend(k for k in row if k not in cols)
        return cols

    def _repr_html_(self) -> str:
        cols = self.columns
        head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_cell(r.get(c)))}</td>" for c in cols) + "</tr>"
            for r in self
        )
        caption = f"<caption>{html.escape(self.title)}</caption>" if self.title else ""
        if not self:
            body = "<tr><td>(none)</td></tr>"
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def __str__(self) -> str:
        cols = self.columns
        lines = [self.title] if self.title else []
        if not self:
            return "\n".join([*lines, "(none)"])
        lines.append(" | ".join(cols))
        lines += [" | ".join(_cell(r.get(c)) for c in cols) for r in self]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.__str__()

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))
