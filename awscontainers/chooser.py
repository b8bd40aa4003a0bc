"""Which hosting modes can run a workload, and which one to pick.

Feasibility (:func:`awscontainers.costs.feasibility`, also importable from here) reads the
modes data (``Mode.supports``), so every "no" says which modes offer what is needed and
carries the reason written there. The recommendation weighs two things: the monthly cost (from
:mod:`awscontainers.costs`) and how many duties the mode leaves to you (from the modes data).

>>> from awscontainers.workload import Workload
>>> w = Workload.from_dict({"services": [{"name": "web", "vcpu": 1, "memory_gb": 2}],
...                         "needs": {"daemonsets": True}})
>>> feasibility(w, "ecs-ec2")
[]
>>> feasibility(w, "eks-fargate")[0][:40]
'needs DaemonSets (one copy on every node'
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import modes
from .costs import Comparison, Estimate, PriceTable, compare, feasibility
from .errors import InvalidParameterError
from .workload import Workload

__all__ = ["Recommendation", "feasibility", "recommend"]


# --------------------------------------------------------------------------- recommendation


def _duties(mode_id: str) -> list[str]:
    return [d.id for d in modes.get(mode_id).duties_of("you")]


def _monthly(e: Estimate) -> float:
    """The monthly cost of a feasible estimate (only an infeasible one has none)."""
    if e.monthly is None:
        raise ValueError(f"{e.mode} has no monthly cost: it is not feasible")
    return e.monthly


def _main_line(e: Estimate) -> str:
    # The biggest line is the one that explains most of the bill.
    line = max(e.lines, key=lambda x: x.monthly)
    return f"line: {line}"


def _duty_words(duty_ids: list[str]) -> str:
    """The duties as a learner reads them (their labels), not the modes data's keys."""
    return "; ".join(modes.get_duty(d).label for d in duty_ids)


def _word(n: int) -> str:
    return f"{n} duty" if n == 1 else f"{n} duties"


def _fee_caveat(e: Estimate) -> str | None:
    # The newer modes' fee is missing from the price table: a choice based on their total
    # must say it is understated.
    for note in e.notes:
        if "management fee is not in the price table" in note:
            return (
                f"Caution: {e.name}'s total is EC2 only; its management fee is not in the "
                "price table, so the real bill is higher than shown."
            )
    return None


def _usd(e: Estimate) -> str:
    total = f"{e.monthly:.2f} {e.currency} a month"
    # The newer modes' fee is part of why they cost what they do: say how much of the total.
    fee = sum(line.monthly for line in e.lines if "management fee" in line.item)
    return f"{total}, {fee:.2f} of it the management fee" if fee else total


@dataclass
class Recommendation:
    """The mode to pick, the ranking behind it and the reasons, each tied to a fact.

    ``choice`` is a mode id, or None when no mode can run the workload.
    """

    choice: str | None
    comparison: Comparison
    ranking: list[dict[str, Any]]
    reasons: list[str]
    premium: float
    by_cost: list[str] = field(default_factory=list)
    by_duties: list[str] = field(default_factory=list)

    @property
    def estimate(self) -> Estimate | None:
        """The chosen mode's estimate."""
        return None if self.choice is None else self.comparison.get(self.choice)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "choice": self.choice,
            "premium": self.premium,
            "by_cost": list(self.by_cost),
            "by_duties": list(self.by_duties),
            "ranking": [dict(r) for r in self.ranking],
            "reasons": list(self.reasons),
            "prices": self.comparison.prices,
        }

    def __str__(self) -> str:
        name = modes.get(self.choice).name if self.choice else "none (no mode can run it)"
        return "\n".join([f"Recommended: {name}", *(f"- {r}" for r in self.reasons)])

    def _repr_html_(self) -> str:
        e = html.escape
        name = modes.get(self.choice).name if self.choice else "none (no mode can run it)"
        reasons = "".join(f"<li>{e(r)}</li>" for r in self.reasons)
        rows = "".join(
            f"<tr><td>{e(r['name'])}</td><td>{r['monthly']:.2f}</td><td>{r['duties_you']}</td>"
            f"<td>{r['rank_by_cost']}</td><td>{r['rank_by_duties']}</td></tr>"
            for r in self.ranking
        )
        return (
            f"<p><b>Recommended: {e(name)}</b></p><ul>{reasons}</ul>"
            "<table><thead><tr><th>mode</th><th>monthly</th><th>duties left to you</th>"
            "<th>rank by cost</th><th>rank by duties</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )


def recommend(
    workload: Workload,
    prices: PriceTable | str | Path | None = None,
    premium: float = 0.15,
    *,
    comparison: Comparison | None = None,
) -> Recommendation:
    """Pick a mode: the cheapest feasible one, unless a feasible mode that leaves fewer duties
    to you costs at most ``premium`` (0.15 = 15%) more; then the one with fewest duties.

    >>> from awscontainers.workload import Workload
    >>> w = Workload.from_dict({"services": [{"name": "web", "vcpu": 1, "memory_gb": 2}]})
    >>> recommend(w, premium=0.10).choice  # 30.37 USD on ECS on EC2; the others 12%+ more
    'ecs-ec2'
    >>> recommend(w).choice  # ECS Managed Instances, EC2 + its fee: 34.01, +12.0%, 1 duty
    'ecs-managed-instances'
    >>> recommend(w, premium=0.20).choice  # paying 18.7% more for 0 duties is now accepted
    'ecs-fargate'

    Modes whose price is incomplete (a management fee missing from the price table) are
    ranked but never chosen: their total is only a floor.
    """
    if isinstance(premium, bool) or not isinstance(premium, int | float) or premium < 0:
        raise InvalidParameterError(
            f"premium must be a number of 0 or more, not {premium!r}.",
            hint="premium=0.15 accepts paying up to 15% more for fewer duties.",
        )
    comp = comparison if comparison is not None else compare(workload, prices)
    order = list(modes.MODES)
    feasible = [e for e in comp.estimates if e.feasible]
    duties = {e.mode: _duties(e.mode) for e in feasible}
    by_cost = sorted(feasible, key=lambda e: (e.monthly, len(duties[e.mode]), order.index(e.mode)))
    by_duties = sorted(
        feasible, key=lambda e: (len(duties[e.mode]), e.monthly, order.index(e.mode))
    )
    ranking = [
        {
            "mode": e.mode,
            "name": e.name,
            "monthly": e.monthly,
            "duties_you": len(duties[e.mode]),
            "duties": duties[e.mode],
            "rank_by_cost": by_cost.index(e) + 1,
            "rank_by_duties": by_duties.index(e) + 1,
        }
        for e in by_cost
    ]
    reasons: list[str] = []
    choice = None
    priced = [e for e in by_cost if _fee_caveat(e) is None]
    if priced:
        cheapest = priced[0]
        limit = _monthly(cheapest) * (1 + premium)
        lighter = [
            e
            for e in by_duties
            if e in priced
            and len(duties[e.mode]) < len(duties[cheapest.mode])
            and _monthly(e) <= limit + 1e-9
        ]
        chosen = lighter[0] if lighter else cheapest
        choice = chosen.mode
        reasons += _choice_reasons(chosen, cheapest, duties, premium)
        for e in by_cost:
            if _fee_caveat(e) is not None:
                reasons.append(
                    f"{e.name} is not recommended on cost: its {_usd(e)} is EC2 only, because "
                    "its management fee is not in the price table (add it to compare fairly)."
                )
        # Say why each mode that leaves you less work was not taken.
        for e in by_duties:
            if e is chosen or len(duties[e.mode]) >= len(duties[chosen.mode]) or e not in priced:
                continue  # unpriced modes were explained above
            extra = _monthly(e) / _monthly(cheapest) - 1 if cheapest.monthly else float("inf")
            reasons.append(
                f"{e.name} leaves {_word(len(duties[e.mode]))} to you instead of "
                f"{len(duties[chosen.mode])} but costs {_usd(e)} ({_main_line(e)}), "
                f"{extra:.1%} more than {cheapest.name}, above the {premium:.0%} premium."
            )
    else:
        reasons.append("No mode can run this workload as written; see the reasons below.")
    for e in comp.estimates:
        if not e.feasible:
            reasons.append(f"{e.name} is not possible: " + "; ".join(e.reasons).rstrip(".") + ".")
    if comp.over_day:
        reasons.append(f"Monthly figures: {comp.basis} (the steady state sizes for the peak).")
    reasons.append(f"Prices: {comp.prices}.")
    return Recommendation(
        choice,
        comp,
        ranking,
        reasons,
        premium,
        [e.mode for e in by_cost],
        [e.mode for e in by_duties],
    )


def _choice_reasons(
    chosen: Estimate, cheapest: Estimate, duties: dict[str, list[str]], premium: float
) -> list[str]:
    mine = duties[chosen.mode]
    if chosen is cheapest:
        listed = f": {_duty_words(mine)}" if mine else ""
        return [
            f"{chosen.name} is the cheapest feasible mode at {_usd(chosen)} "
            f"({_main_line(chosen)}) and leaves {_word(len(mine))} to you{listed}."
        ]
    spared = [d for d in duties[cheapest.mode] if d not in mine]
    extra = _monthly(chosen) / _monthly(cheapest) - 1 if cheapest.monthly else 0.0
    return [
        f"{chosen.name} costs {_usd(chosen)} ({_main_line(chosen)}), {extra:.1%} more than "
        f"{cheapest.name}, and leaves {_word(len(mine))} to you instead of "
        f"{len(duties[cheapest.mode])}; it takes these off you: {_duty_words(spared)}.",
        f"{cheapest.name} is the cheapest feasible mode at {_usd(cheapest)} "
        f"({_main_line(cheapest)}); {chosen.name} is within the {premium:.0%} premium, "
        "so the mode with fewer duties wins.",
    ]
