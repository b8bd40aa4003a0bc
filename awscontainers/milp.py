"""Exact bin packing with several bin types, as an integer program solved by HiGHS.

:func:`awscontainers.planner.plan` asks this module for fleets, and
:func:`awscontainers.planner.optimum` for the true optimum to measure plans against. It
works on plain numbers: each task group is a size vector (CPU, memory, pod slot, GPUs) and a
count, each instance type a room vector and an hourly price.

The model is the configuration (pattern) form. A *filling* is one instance type with
``a_g`` tasks of each group ``g`` that fit its room in every dimension. With ``x_p``
instances bought of filling ``p``::

    minimise  sum_p price(p) * x_p
    such that sum_p a_gp * x_p >= count_g   for every group g
              x_p >= 0, integer

Covering with ``>=`` loses nothing: taking surplus tasks out of a filling keeps it
feasible (:func:`cover` takes them out). When every maximal filling of every type can be
listed, the integer program over all of them is exact. Otherwise the fillings are generated
(column generation): solve the LP over the fillings known so far, read each group's shadow
price, and ask every type for its most valuable filling at those prices (a small knapsack
integer program per type, also solved by HiGHS). When no type has a filling worth more than
its price, the LP is optimal over *all* fillings, and its value bounds every plan from below
(the Gilmore-Gomory bound); stopped early, Farley's bound (LP value over the best ratio of
filling worth to price) is still valid.

HiGHS runs single-threaded with a fixed seed and, in ``fast`` mode, a node limit: the same
input gives the same fleet on every machine. The time limit is only a safety net.

>>> fleet = cover([(1024, 1024, 0, 0), (256, 6144, 0, 0)], [10, 4],
...               [(2048, 3891, 0, 0), (2048, 15564, 0, 0)], [0.085, 0.126])
>>> sorted(fleet.fleet), round(fleet.cost, 3), fleet.proven
([(0, (2, 0), 4), (1, (1, 2), 2)], 0.592, True)
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Cover", "cover", "how_many"]

# Most fillings listed outright (every maximal filling of every type) before switching to
# column generation; a list this short solves exactly in well under a second.
_ENUMERATE = 3000
# Most groups whose fillings are listed (past it, column generation).
_LIST_GROUPS = 6
# Steps the listing may take per filling allowed, before it gives up.
_WALK = 8
# Branch-and-bound nodes one pricing knapsack may use (fast mode: a better filling is
# usually found at once, and only proving there is none takes long).
_KNAPSACK_NODES = 50_000
_FAST_KNAPSACK_NODES = 500
# Column generation stops after this many rounds (each prices every type once).
_ROUNDS = 60
# In fast mode, past this many tasks per group on average, the LP is rounded down first.
_ROUND_FROM = 20
# Branch-and-bound nodes fast mode may use (a work limit, unlike time, gives the same
# answer on every machine).
_NODES = 2_000
# HiGHS settings: quiet, and single-threaded so answers do not depend on the machine.
_QUIET = {"output_flag": False, "threads": 1, "random_seed": 0}

Filling = tuple[int, ...]


@dataclass
class Cover:
    """A fleet ``[(type, filling, instances)]`` holding exactly the counts, and a bound.

    ``bound`` is a lower bound on the cost of *every* fleet; ``proven`` says this one costs
    no more than it (up to rounding), i.e. it is an optimum.
    """

    fleet: list[tuple[int, Filling, int]]
    cost: float
    bound: float
    method: str

    @property
    def proven(self) -> bool:
        return self.cost <= self.bound * (1 + 1e-7) + 1e-12


def how_many(size: Sequence[int], room: Sequence[int]) -> int:
    """How many tasks of ``size`` fit in ``room`` (0 if none; ``size`` not all zero).

    >>> how_many((512, 1024, 1, 0), (2048, 3891, 17, 0))
    3
    """
    return min(r // d for d, r in zip(size, room, strict=True) if d)


# -- HiGHS --------------------------------------------------------------------------------------


def _highs() -> Any:
    # The bare core object: highspy.Highs() prints a banner on creation, this one is quiet.
    from highspy import _core

    h = _core._Highs()
    for key, value in _QUIET.items():
        h.setOptionValue(key, value)
    return h


def _solve(
    cost: Sequence[float],
    columns: Sequence[dict[int, float]],
    lower: Sequence[float],
    upper: Sequence[float],
    col_upper: Sequence[float] | None = None,
    *,
    integer: bool,
    time_limit: float,
    nodes: int | None = None,
) -> tuple[bool, float, list[float], list[float], float]:
    """Minimise ``cost . x`` with ``lower <= A x <= upper`` and ``0 <= x <= col_upper``.

    ``columns[j]`` maps row to coefficient. Returns (solved, objective, x, row duals, the
    solver's dual bound). ``solved`` is false when HiGHS found no feasible point in time.
    """
    import highspy
    import numpy as np

    n, m = len(cost), len(lower)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, m
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.asarray(
        col_upper if col_upper is not None else [highspy.kHighsInf] * n, dtype=float
    )
    lp.row_lower_ = np.asarray(lower, dtype=float)
    lp.row_upper_ = np.asarray(
        [u if u < math.inf else highspy.kHighsInf for u in upper], dtype=float
    )
    starts, index, value = [0], [], []
    for col in columns:
        for row, v in sorted(col.items()):
            index.append(row)
            value.append(v)
        starts.append(len(index))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.asarray(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.asarray(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.asarray(value, dtype=float)
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    h = _highs()
    h.setOptionValue("time_limit", max(time_limit, 0.001))
    if integer:
        # Fast mode's integer program is the few tasks left over: 0.1% of that is far less
        # than one instance, so stopping there loses nothing and saves the proof's nodes.
        h.setOptionValue("mip_rel_gap", 1e-9 if nodes is None else 1e-3)
        if nodes is not None:
            h.setOptionValue("mip_max_nodes", nodes)
            # On these small covering programs HiGHS's root restarts and sub-MIP searches
            # (RINS, RENS) cost most of the time and, measured, never found a cheaper fleet.
            h.setOptionValue("mip_allow_restart", False)
            h.setOptionValue("mip_heuristic_run_rins", False)
            h.setOptionValue("mip_heuristic_run_rens", False)
    h.passModel(lp)
    h.run()
    info = h.getInfo()
    solution = h.getSolution()
    if integer:
        solved = info.primal_solution_status == 2  # kSolutionStatusFeasible
        bound = info.mip_dual_bound
    else:
        solved = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        bound = info.objective_function_value
    if not solved:
        return False, math.inf, [], [], bound
    return (
        True,
        info.objective_function_value,
        list(solution.col_value),
        list(solution.row_dual),
        bound,
    )


# -- fillings -----------------------------------------------------------------------------------


def _enumerate(
    sizes: Sequence[Sequence[int]], caps: Sequence[int], room: Sequence[int], limit: int
) -> list[Filling] | None:
    """Every non-empty maximal filling of ``room`` (no further task fits, or its group has
    no more); ``None`` past ``limit`` fillings (or ``_WALK`` times that many steps).
    Maximal fillings are enough: any filling is part of one."""
    out: list[Filling] = []
    last = len(sizes) - 1
    steps = [limit * _WALK]

    def walk(i: int, free: list[int], taken: list[int]) -> bool:
        steps[0] -= 1
        most = min(caps[i], how_many(sizes[i], free)) if caps[i] else 0
        if i == last:
            # The last group only as many as fit: fewer would leave room for one more.
            done = [*taken, most]
            free = [f - most * d for f, d in zip(free, sizes[i], strict=True)]
            if any(done) and all(
                t >= c or any(d > f for d, f in zip(sz, free, strict=True))
                for t, c, sz in zip(done, caps, sizes, strict=True)
            ):
                out.append(tuple(done))
            return len(out) <= limit and steps[0] > 0
        for n in range(most, -1, -1):
            taken.append(n)
            ok = walk(i + 1, [f - n * d for f, d in zip(free, sizes[i], strict=True)], taken)
            taken.pop()
            if not ok:
                return False
        return True

    return out if walk(0, list(room), []) else None


def _best_filling(
    sizes: Sequence[Sequence[int]],
    caps: Sequence[int],
    room: Sequence[int],
    worth: Sequence[float],
    floor: float = 0.0,
    limit: int = 0,
) -> tuple[float, Filling, bool]:
    """The filling of ``room`` with the most total ``worth``: a bounded knapsack in a few
    dimensions, by depth-first branch and bound.

    Items go most valuable per share of the room first; a branch is cut when even the
    fractional knapsack in its tightest single dimension cannot beat the best filling found.
    Only fillings worth more than ``floor`` are sought (column generation needs no others,
    and the search is far shorter): none found gives worth 0 and an empty filling.
    Returns (worth, filling, exact): ``exact`` is false if the ``limit`` of nodes (default
    ``_KNAPSACK_NODES``) ran out first (the filling is then only the best found).
    """
    n = len(sizes)
    dims = range(len(room))
    use = [i for i in range(n) if worth[i] > 1e-12 and caps[i]]

    def share(i: int) -> float:
        return max(sizes[i][r] / room[r] for r in dims if sizes[i][r])

    use.sort(key=lambda i: -worth[i] / share(i))
    # Per dimension, the items by worth per unit of it (for the fractional bounds), as
    # (position in ``use``, size in the dimension, worth, cap).
    orders = [
        (
            r,
            sorted(
                ((k, sizes[i][r], worth[i], caps[i]) for k, i in enumerate(use) if sizes[i][r]),
                key=lambda item: -item[2] / item[1],
            ),
        )
        for r in dims
        if any(sizes[i][r] for i in use)
    ]
    # Items that use no dimension at all (none in practice) add their whole cap.
    free_worth = [0.0] * (len(use) + 1)
    for k in range(len(use) - 1, -1, -1):
        i = use[k]
        free_worth[k] = free_worth[k + 1] + (0.0 if any(sizes[i]) else caps[i] * worth[i])
    best: list = [floor, [0] * n]
    taken = [0] * n
    nodes = [limit or _KNAPSACK_NODES]

    def bound(k: int, free: list[int]) -> float:
        # The most the items from position k on could add, one dimension at a time.
        most = math.inf
        for r, order in orders:
            cap, value = free[r], 0.0
            for pos, d, w, c in order:
                if pos < k:
                    continue
                if c * d >= cap:
                    value += cap / d * w
                    break
                value += c * w
                cap -= c * d
            if value < most:
                most = value
        return most + free_worth[k]

    def walk(k: int, free: list[int], value: float) -> None:
        if value > best[0] + 1e-12:
            best[0], best[1] = value, taken[:]
        if k == len(use) or nodes[0] <= 0:
            return
        nodes[0] -= 1
        if value + bound(k, free) <= best[0] + 1e-12:
            return
        i = use[k]
        most = min(caps[i], how_many(sizes[i], free))
        for m in range(most, -1, -1):
            taken[i] = m
            walk(
                k + 1,
                [f - m * d for f, d in zip(free, sizes[i], strict=True)],
                value + m * worth[i],
            )
        taken[i] = 0

    walk(0, list(room), 0.0)
    if not any(best[1]):
        return 0.0, tuple(best[1]), nodes[0] > 0
    return best[0], tuple(best[1]), nodes[0] > 0


# -- the solver ---------------------------------------------------------------------------------


def cover(
    sizes: Sequence[Sequence[int]],
    counts: Sequence[int],
    rooms: Sequence[Sequence[int]],
    prices: Sequence[float],
    *,
    bound: float = 0.0,
    seeds: Sequence[tuple[int, Filling]] = (),
    fast: bool = False,
    time_limit: float = 30.0,
) -> Cover | None:
    """The cheapest fleet HiGHS finds for ``counts`` tasks of ``sizes`` on types ``rooms``.

    Every group must fit some type. ``bound`` is a known lower bound to start from,
    ``seeds`` fillings ``(type, filling)`` to include (a plan to improve on). ``fast`` buys
    the LP solution rounded down outright and solves only the rest of the tasks as an
    integer program: a few instances of waste at most, in milliseconds whatever the counts.
    ``None`` if HiGHS finds no integer fleet within ``time_limit`` seconds.
    """
    started = time.perf_counter()
    deadline = started + time_limit
    caps = [
        [min(c, how_many(sz, room)) for sz, c in zip(sizes, counts, strict=True)] for room in rooms
    ]
    columns: list[tuple[int, Filling]] = []
    # Past a few groups the fillings are too many to list, and trying costs time.
    listed = len(sizes) <= _LIST_GROUPS
    for t, room in enumerate(rooms if listed else ()):
        fillings = _enumerate(sizes, caps[t], room, _ENUMERATE - len(columns))
        if fillings is None:
            listed = False
            break
        columns += [(t, f) for f in fillings]
    if listed:
        method = "every filling listed"
    else:
        columns, bound = _generate(sizes, counts, rooms, prices, caps, seeds, deadline, bound, fast)
        method = "fillings by column generation"
    columns = list(dict.fromkeys(columns))
    ok, x, settled = _integer(columns, counts, prices, deadline, fast)
    if not ok:
        return None
    if listed:
        # With every filling listed, the LP (fast) or the integer program's own dual bound
        # bounds every fleet.
        bound = max(bound, settled)
    fleet = [(t, f, round(v)) for (t, f), v in zip(columns, x, strict=True) if v > 0.5]
    fleet = _trim(fleet, counts)
    cost = sum(prices[t] * k for t, _, k in fleet)
    how = "LP rounded down, the rest as an integer program" if fast else "integer program"
    return Cover(fleet, cost, bound, f"{method}, {how}")


def _integer(
    columns: list[tuple[int, Filling]],
    counts: Sequence[int],
    prices: Sequence[float],
    deadline: float,
    fast: bool,
) -> tuple[bool, list[float], float]:
    """The integer program over ``columns``: instances per filling, and a bound.

    ``fast`` with many tasks per group: the LP's solution rounded down is bought outright
    and only the rest of the tasks (a few instances' worth per group) go to the integer
    program, which is then small whatever the counts; the bound returned is the LP's.
    Otherwise it is the integer program's dual bound.
    """
    cost = [prices[t] for t, _ in columns]
    matrix = [{g: float(n) for g, n in enumerate(f) if n} for _, f in columns]
    need = [float(c) for c in counts]
    fixed = [0.0] * len(columns)
    lp_value = -math.inf
    if fast and sum(need) > _ROUND_FROM * len(need):
        ok, lp_value, x, _, _ = _solve(
            cost,
            matrix,
            need,
            [math.inf] * len(need),
            integer=False,
            time_limit=max(deadline - time.perf_counter(), 0.05),
        )
        if ok:
            fixed = [float(math.floor(v + 1e-9)) for v in x]
            for col, k in zip(matrix, fixed, strict=True):
                for g, n in col.items():
                    need[g] -= n * k
            need = [max(v, 0.0) for v in need]
    ok, _, x, _, dual = _solve(
        cost,
        matrix,
        need,
        [math.inf] * len(need),
        integer=True,
        time_limit=max(deadline - time.perf_counter(), 0.05),
        nodes=_NODES if fast else None,
    )
    if not ok:
        return False, [], -math.inf
    if any(fixed):  # the integer program's bound is for the rest only
        dual = lp_value
    return True, [a + b for a, b in zip(fixed, x, strict=True)], dual


def _generate(
    sizes: Sequence[Sequence[int]],
    counts: Sequence[int],
    rooms: Sequence[Sequence[int]],
    prices: Sequence[float],
    caps: Sequence[Sequence[int]],
    seeds: Sequence[tuple[int, Filling]],
    deadline: float,
    bound: float,
    fast: bool,
) -> tuple[list[tuple[int, Filling]], float]:
    """Column generation: the fillings worth trying, and a proven lower bound (``fast``:
    shorter knapsack searches, so the bound may stay the one given)."""
    n = len(sizes)
    columns = list(seeds)
    for t in range(len(rooms)):  # each group alone, as full as it goes: always feasible
        for i in range(n):
            if caps[t][i]:
                columns.append((t, tuple(caps[t][i] if j == i else 0 for j in range(n))))
    for _ in range(_ROUNDS):
        if time.perf_counter() > deadline:
            break
        columns = list(dict.fromkeys(columns))
        ok, value, _, duals, _ = _solve(
            [prices[t] for t, _ in columns],
            [{g: float(k) for g, k in enumerate(f) if k} for _, f in columns],
            [float(c) for c in counts],
            [math.inf] * n,
            integer=False,
            time_limit=max(deadline - time.perf_counter(), 0.05),
        )
        if not ok:
            break
        worth = [max(d, 0.0) for d in duals]
        added = False
        most = 0.0  # the best worth-to-price ratio of any filling (Farley's bound)
        exact = True
        for t, room in enumerate(rooms):
            best, filling, solved = _best_filling(
                sizes,
                caps[t],
                room,
                worth,
                prices[t] * (1 + 1e-9) + 1e-12,
                _FAST_KNAPSACK_NODES if fast else _KNAPSACK_NODES,
            )
            exact = exact and solved
            if prices[t] > 0:
                most = max(most, best / prices[t])
            if best > prices[t] * (1 + 1e-9) + 1e-12:
                columns.append((t, filling))
                added = True
        if exact and most > 0:  # bounds hold only if every knapsack was solved exactly
            bound = max(bound, value / max(most, 1.0))
        if not added:
            if exact:
                bound = max(bound, value)
            break
    return columns, bound


def _trim(
    fleet: list[tuple[int, Filling, int]], counts: Sequence[int]
) -> list[tuple[int, Filling, int]]:
    """The fleet with the covering's surplus tasks taken out (from the last instances)."""
    surplus = [-c for c in counts]
    for _, f, k in fleet:
        for i, n in enumerate(f):
            surplus[i] += n * k
    runs: list[tuple[int, list[int], int]] = [(t, list(f), k) for t, f, k in fleet]
    for i in range(len(counts)):
        j = len(runs) - 1
        while surplus[i] > 0 and j >= 0:
            kind, row, k = runs[j]
            if row[i]:
                # Whole instances' worth first, then part of one more.
                whole = min(k, surplus[i] // row[i])
                pieces: list[tuple[int, list[int], int]] = []
                if whole < k and surplus[i] - whole * row[i] > 0:
                    part = surplus[i] - whole * row[i]
                    if k - whole - 1:
                        pieces.append((kind, row, k - whole - 1))
                    pieces.append((kind, [*row[:i], row[i] - part, *row[i + 1 :]], 1))
                    surplus[i] -= part
                elif whole < k:
                    pieces.append((kind, row, k - whole))
                if whole:
                    pieces.append((kind, [*row[:i], 0, *row[i + 1 :]], whole))
                    surplus[i] -= whole * row[i]
                runs[j : j + 1] = pieces
            j -= 1
    return [(t, tuple(row), k) for t, row, k in runs if k and any(row)]
