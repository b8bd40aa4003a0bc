"""Which capacity provider (FARGATE or FARGATE_SPOT) each new task goes to (pure)."""

from __future__ import annotations


def split_by_strategy(strategy: list[dict], count: int, existing: list[str]) -> list[str]:
    """Which capacity provider each of ``count`` new tasks goes to, by ``base`` and ``weight``.

    >>> split_by_strategy([{"capacityProvider": "FARGATE", "base": 1, "weight": 1},
    ...                    {"capacityProvider": "FARGATE_SPOT", "weight": 3}], 5, [])
    ['FARGATE', 'FARGATE_SPOT', 'FARGATE', 'FARGATE_SPOT', 'FARGATE_SPOT']
    """
    counts = {s["capacityProvider"]: existing.count(s["capacityProvider"]) for s in strategy}
    out: list[str] = []
    for _ in range(count):
        # The base is met first; then each new task goes where it keeps the weights closest.
        base_due = [s for s in strategy if counts[s["capacityProvider"]] < int(s.get("base", 0))]
        if base_due:
            chosen = base_due[0]["capacityProvider"]
        else:
            weighted = [s for s in strategy if int(s.get("weight", 0)) > 0] or strategy[:1]
            total_weight = sum(int(w.get("weight", 1)) for w in weighted)
            total_after = 1 + sum(
                max(counts[s["capacityProvider"]] - int(s.get("base", 0)), 0) for s in strategy
            )
            deficits = {
                s["capacityProvider"]: max(counts[s["capacityProvider"]] - int(s.get("base", 0)), 0)
                - int(s.get("weight", 1)) / total_weight * total_after
                for s in weighted
            }
            chosen = min(deficits, key=deficits.__getitem__)
        counts[chosen] += 1
        out.append(chosen)
    return out
