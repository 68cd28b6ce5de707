"""The exact solve: a min-cost flow over the candidate graph, with a fast path.

Kept apart from engine.py, which builds the graph; this module only reads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

if TYPE_CHECKING:
    from potluck.matching.engine import CandidateGraph


def exact_flow(graph: CandidateGraph, fast_step: int) -> tuple[NDArray[np.bool_], int]:
    """The optimum of `graph` (penalties and all), found fast in nearly every case.

    The solver is much quicker when costs span a narrower range, so it first runs with an
    urgency step of `fast_step`. If no need could then still come in at the expense of a less
    urgent one (or of nobody), that answer matches as many needs of each urgency as the true
    optimum does (sets of matched needs form a matroid, so such answers are exactly the
    lexicographic optima), and among those it has the least travel, load and waiting, so it
    is the true optimum too. Otherwise, solve again in full.
    """
    fast = fast_step * (graph.level + 1) + graph.waiting
    used, cost = min_cost_flow(graph, fast)
    if not priorities_settled(graph, used):
        return min_cost_flow(graph, graph.penalty)
    unmatched = np.ones(len(graph.needs), dtype=bool)
    unmatched[graph.arc_need[used]] = False
    return used, cost + int((graph.penalty[unmatched] - fast[unmatched]).sum())


def priorities_settled(graph: CandidateGraph, used: NDArray[np.bool_]) -> bool:
    """True unless an alternating path leads from an unmatched need to a volunteer with room
    or to a matched need that is less urgent. Searching from the most urgent down, each need
    and volunteer needs visiting only once."""
    starts = np.searchsorted(graph.arc_need, np.arange(len(graph.needs) + 1)).tolist()
    arc_volunteer = graph.arc_volunteer.tolist()
    level = graph.level.tolist()
    holders: list[list[int]] = [[] for _ in graph.volunteers]
    matched = [False] * len(graph.needs)
    for arc in np.flatnonzero(used).tolist():
        need = int(graph.arc_need[arc])
        holders[arc_volunteer[arc]].append(need)
        matched[need] = True
    room = [v.capacity - len(held) for v, held in zip(graph.volunteers, holders, strict=True)]
    seen_volunteer = [False] * len(graph.volunteers)
    sources = [need for need in range(len(graph.needs)) if not matched[need]]
    for source in sorted(sources, key=lambda need: -level[need]):
        stack = [source]
        while stack:
            need = stack.pop()
            for arc in range(starts[need], starts[need + 1]):
                volunteer = arc_volunteer[arc]
                if seen_volunteer[volunteer]:
                    continue
                seen_volunteer[volunteer] = True
                if room[volunteer] > 0:
                    return False
                for holder in holders[volunteer]:
                    if level[holder] < level[source]:
                        return False
                    stack.append(holder)
    return True


def min_cost_flow(
    graph: CandidateGraph, penalty: NDArray[np.int64]
) -> tuple[NDArray[np.bool_], int]:
    """Solve source → need → volunteer → sink (plus need → sink when left unmatched)."""
    n, m, arcs = len(graph.needs), len(graph.volunteers), len(graph.arc_need)
    if n == 0:
        return np.zeros(0, dtype=bool), 0
    need_node = np.arange(1, n + 1, dtype=np.int64)
    volunteer_node = np.arange(n + 1, n + m + 1, dtype=np.int64)
    source, sink = 0, n + m + 1
    tails = np.concatenate(
        [
            np.zeros(n, np.int64),
            need_node[graph.arc_need],
            volunteer_node[graph.load_volunteer],
            need_node,
        ]
    )
    heads = np.concatenate(
        [
            need_node,
            volunteer_node[graph.arc_volunteer],
            np.full(len(graph.load_volunteer), sink, np.int64),
            np.full(n, sink, np.int64),
        ]
    )
    costs = np.concatenate([np.zeros(n, np.int64), graph.arc_cost, graph.load_cost, penalty])
    flow = SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, np.ones(len(tails), np.int64), costs)
    flow.set_nodes_supplies(np.array([source, sink]), np.array([n, -n]))
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    used = flow.flows(np.arange(n, n + arcs, dtype=np.int64)) > 0
    return used, int(flow.optimal_cost())
