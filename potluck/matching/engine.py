"""The matching engine: which volunteer should meet which need.

Plain Python, numpy and OR-Tools, no Django: services turn rows into `NeedIn` and
`VolunteerIn`, call `solve()` and store what it suggests. The rules and costs are in
rules.py, the candidate search in candidates.py, the exact solve in flow.py; this module
puts them together. docs/matching.md explains the objective in plain words.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, TypeVar

import numpy as np
from numpy.typing import NDArray

from potluck.matching.candidates import (
    ANY_TIME,
    Arcs,
    NeedArrays,
    TravelCosts,
    VolunteerArrays,
    find_arcs,
)
from potluck.matching.flow import exact_flow
from potluck.matching.rules import (
    COST_PER_KM,
    DAYS,
    LOAD_STEP_COST,
    MAX_LOAD_COST,
    MAX_RADIUS_KM,
    MAX_TRAVEL_COST,
    MAX_WAIT_COST,
    PRIORITY_LEVELS,
    SLOTS,
    UNKNOWN_DISTANCE_COST,
    URGENCY_LABELS,
    Explanation,
    NeedIn,
    VolunteerIn,
    check_need,
    check_volunteer,
    effective_radius,
    explain,
    load_cost,
    priority_level,
    priority_step,
    reasons,
    waiting_cost,
)

__all__ = [  # the engine's public face; the rest of rules.py is imported from there
    "DAYS",
    "K_CANDIDATES",
    "MAX_ALTERNATIVES",
    "MAX_RADIUS_KM",
    "NO_FEASIBLE_VOLUNTEER",
    "OUTRANKED",
    "SLOTS",
    "URGENCY_LABELS",
    "Candidate",
    "CandidateGraph",
    "Explanation",
    "NeedIn",
    "Result",
    "VolunteerIn",
    "candidate_graph",
    "explain",
    "reasons",
    "solve",
]


K_CANDIDATES: Final = 12  # arcs per need to its cheapest feasible volunteers
K_SPARE: Final = 8  # arcs per need and round, to volunteers it could take from others
MAX_ROUNDS: Final = 10
MAX_ALTERNATIVES: Final = 3  # candidates reported per need: the pick and two more
FAST_STEP: Final = 64 * MAX_TRAVEL_COST + 2 * MAX_LOAD_COST + MAX_WAIT_COST + 1  # see flow.py

NO_FEASIBLE_VOLUNTEER: Final = "no_feasible_volunteer"
OUTRANKED: Final = "outranked"

_Item = TypeVar("_Item", "NeedIn", "VolunteerIn")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A volunteer who could meet a need; `cost` is travel plus their next task's load cost."""

    volunteer_id: int
    cost: int
    distance_km: float | None
    need: NeedIn = field(repr=False, compare=False)
    volunteer: VolunteerIn = field(repr=False, compare=False)

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why they fit, e.g. ("speaks es", "2.1 km", "load 1/3"); see `reasons()`."""
        return reasons(self.need, self.volunteer, self.distance_km)


@dataclass(frozen=True)
class Result:
    """The suggested assignment, ranked alternatives, and why needs stay unmatched."""

    assignment: dict[int, int]
    alternatives: dict[int, list[Candidate]]
    unmatched: dict[int, str]
    objective: int
    graph: CandidateGraph = field(repr=False, compare=False)


@dataclass(frozen=True)
class CandidateGraph:
    """The flow network solve() optimises, so a checker (the LP bound) can use the same one.

    Needs and volunteers are sorted by id; arcs are grouped by need, cheapest first.
    Volunteer v's unit arcs to the sink (one per task it may still take) cost `load_cost`.
    """

    needs: tuple[NeedIn, ...]
    volunteers: tuple[VolunteerIn, ...]
    arc_need: NDArray[np.int64]
    arc_volunteer: NDArray[np.int64]
    arc_cost: NDArray[np.int64]
    arc_rank_cost: NDArray[np.int64]
    arc_distance: NDArray[np.float64]
    penalty: NDArray[np.int64]
    level: NDArray[np.int64]  # priority_level() of each need
    waiting: NDArray[np.int64]  # waiting_cost() of each need
    load_volunteer: NDArray[np.int64]
    load_cost: NDArray[np.int64]
    rounds: int  # how many times the flow was solved while adding arcs


def _sorted_unique(items: Sequence[_Item], what: str) -> list[_Item]:
    ordered = sorted(items, key=lambda item: item.id)
    for before, after in itertools.pairwise(ordered):
        if before.id == after.id:
            raise ValueError(f"two {what} have id {after.id}")
    return ordered


def solve(
    needs: Sequence[NeedIn],
    volunteers: Sequence[VolunteerIn],
    *,
    k: int = K_CANDIDATES,
    max_alternatives: int = MAX_ALTERNATIVES,
) -> Result:
    """The assignment of least total cost on `candidate_graph()`, exactly; deterministic
    whatever the order of the input."""
    graph, used, objective = _optimise(needs, volunteers, k)
    return _result(graph, used, objective, max_alternatives)


def candidate_graph(
    needs: Sequence[NeedIn],
    volunteers: Sequence[VolunteerIn],
    *,
    k: int = K_CANDIDATES,
    refine: bool = True,
) -> CandidateGraph:
    """The graph solve() optimises: each need's k cheapest feasible volunteers (among equal
    costs, an order that starts somewhere different for each need); then, when refining,
    arcs from needs left unmatched to volunteers who fit them and have room or hold a less
    urgent need, added and solved again until there are none (at most MAX_ROUNDS solves)."""
    if not refine:
        problem = _Problem(needs, volunteers)
        return problem.graph(problem.arcs(k), rounds=0)
    return _optimise(needs, volunteers, k)[0]


def _optimise(
    needs: Sequence[NeedIn], volunteers: Sequence[VolunteerIn], k: int
) -> tuple[CandidateGraph, NDArray[np.bool_], int]:
    problem = _Problem(needs, volunteers)
    arcs = problem.arcs(k)
    # A quick greedy guesses who will be left with room: needs it leaves unmatched get arcs
    # to them until it can place nobody more, then every need gets a few, so that the exact
    # solve below nearly always has every arc it needs the first time.
    greedy = _Greedy(problem)
    greedy.place(arcs)
    for _ in range(MAX_ROUNDS):
        more = arcs.merged(problem.refining_arcs(greedy.chosen, displace=False))
        if len(more.need) == len(arcs.need):
            break
        arcs = more
        greedy.place(arcs)
    arcs = arcs.merged(problem.refining_arcs(greedy.chosen, every_need=True))
    for rounds in range(1, MAX_ROUNDS + 1):
        graph = problem.graph(arcs, rounds)
        used, objective = exact_flow(graph, FAST_STEP)
        chosen = np.full(len(problem.needs), -1, dtype=np.int64)
        chosen[arcs.need[used]] = arcs.volunteer[used]
        more = arcs.merged(problem.refining_arcs(chosen))
        if len(more.need) == len(arcs.need) or rounds == MAX_ROUNDS:
            break
        arcs = more
    return graph, used, objective


class _Greedy:
    """Most urgent first, each need takes the cheapest volunteer on its list with room left;
    placing again after arcs were added carries on with the needs still unplaced."""

    def __init__(self, problem: _Problem) -> None:
        self.order = np.argsort(-problem.level, kind="stable")
        self.room = problem.capacity.tolist()
        self.chosen = np.full(len(problem.needs), -1, dtype=np.int64)

    def place(self, arcs: Arcs) -> None:
        starts = np.searchsorted(arcs.need, np.arange(len(self.chosen) + 1)).tolist()
        volunteer = arcs.volunteer.tolist()
        room = self.room
        for need in self.order[self.chosen[self.order] < 0].tolist():
            for arc in range(starts[need], starts[need + 1]):
                if room[volunteer[arc]] > 0:
                    room[volunteer[arc]] -= 1
                    self.chosen[need] = volunteer[arc]
                    break


class _Problem:
    """Validated, sorted input as arrays, with needs grouped by category and language."""

    def __init__(self, needs: Sequence[NeedIn], volunteers: Sequence[VolunteerIn]) -> None:
        self.needs = _sorted_unique(needs, "needs")
        for need in self.needs:
            check_need(need)
        for volunteer in volunteers:
            check_volunteer(volunteer)
        self.volunteers = [v for v in _sorted_unique(volunteers, "volunteers") if _available(v)]
        self.capacity = np.array([v.capacity for v in self.volunteers], dtype=np.int64)
        areas = {area: index for index, area in enumerate(sorted({n.area for n in self.needs}))}
        bits = _slot_bits(self.needs, self.volunteers)
        self.need_arrays = _need_arrays(self.needs, areas, bits)
        self.volunteer_arrays = _volunteer_arrays(self.volunteers, areas, bits)
        self.groups = _groups(self.needs, self.volunteers)
        self.level = np.array([priority_level(need) for need in self.needs], dtype=np.int64)
        self.waiting = np.array([waiting_cost(need) for need in self.needs], dtype=np.int64)
        self.penalty = priority_step(len(self.needs)) * (self.level + 1) + self.waiting

    def refining_arcs(
        self, chosen: NDArray[np.int64], *, displace: bool = True, every_need: bool = False
    ) -> Arcs:
        """Arcs that could improve on `chosen` (each need's volunteer index, or -1).

        From each need left unmatched to the volunteers who fit it and have room or (with
        `displace`) hold a less urgent need; with `every_need`, from every need to those
        with room.
        """
        matched = chosen >= 0
        taken = np.bincount(chosen[matched], minlength=len(self.volunteers))
        room = self.capacity > taken
        if every_need:
            return self.arcs(K_SPARE, columns=room)
        if not displace:
            return self.arcs(K_SPARE, rows=~matched, columns=room)
        least_urgent = np.full(len(self.volunteers), PRIORITY_LEVELS, dtype=np.int64)
        np.minimum.at(least_urgent, chosen[matched], self.level[matched])
        floor = np.where(room, -1, least_urgent)
        return self.arcs(
            K_SPARE, rows=~matched, columns=floor < PRIORITY_LEVELS, floors=(self.level, floor)
        )

    def arcs(
        self,
        k: int,
        *,
        rows: NDArray[np.bool_] | None = None,
        columns: NDArray[np.bool_] | None = None,
        floors: tuple[NDArray[np.int64], NDArray[np.int64]] | None = None,
    ) -> Arcs:
        """Each need's k cheapest feasible volunteers, among those `rows` and `columns` keep
        (and, given `floors`, only where the volunteer's floor is below the need's)."""
        groups = [
            (
                group_rows if rows is None else group_rows[rows[group_rows]],
                group_columns if columns is None else group_columns[columns[group_columns]],
            )
            for group_rows, group_columns in self.groups
        ]
        return find_arcs(
            self.need_arrays,
            self.volunteer_arrays,
            [(r, c) for r, c in groups if len(r) and len(c)],
            k=k,
            costs=TravelCosts(COST_PER_KM, MAX_TRAVEL_COST, UNKNOWN_DISTANCE_COST),
            floors=floors,
        )

    def graph(self, arcs: Arcs, rounds: int) -> CandidateGraph:
        used, arc_volunteer = np.unique(arcs.volunteer, return_inverse=True)
        kept = [self.volunteers[int(index)] for index in used]
        return CandidateGraph(
            needs=tuple(self.needs),
            volunteers=tuple(kept),
            arc_need=arcs.need,
            arc_volunteer=arc_volunteer.astype(np.int64),
            arc_cost=arcs.travel,
            arc_rank_cost=arcs.rank,
            arc_distance=arcs.distance,
            penalty=self.penalty,
            level=self.level,
            waiting=self.waiting,
            rounds=rounds,
            **_load_arcs(kept, np.bincount(arc_volunteer, minlength=len(kept))),
        )


def _available(volunteer: VolunteerIn) -> bool:
    return volunteer.capacity > 0 and not volunteer.paused


def _load_arcs(
    volunteers: Sequence[VolunteerIn], degree: NDArray[np.int64]
) -> dict[str, NDArray[np.int64]]:
    """One unit arc per task a volunteer may still take (no more than needs point at them)."""
    capacity = np.array([v.capacity for v in volunteers], dtype=np.int64)
    load = np.array([v.load for v in volunteers], dtype=np.int64)
    units = np.minimum(capacity, degree)
    owner = np.repeat(np.arange(len(volunteers), dtype=np.int64), units)
    nth_new = np.arange(len(owner), dtype=np.int64) - np.repeat(np.cumsum(units) - units, units)
    cost = np.minimum(LOAD_STEP_COST * (load[owner] + nth_new), MAX_LOAD_COST)
    return {"load_volunteer": owner, "load_cost": cost.astype(np.int64)}


def _need_arrays(
    needs: Sequence[NeedIn], areas: dict[str, int], bits: dict[str, int]
) -> NeedArrays:
    x, y = _coordinates([need.point for need in needs])
    return NeedArrays(
        x=x,
        y=y,
        area=np.array([areas[need.area] for need in needs], dtype=np.int64),
        car=np.array([need.needs_car for need in needs], dtype=bool),
        slots=_masks([need.slots for need in needs], bits),
        tie=np.array([_tie(need.id) for need in needs], dtype=np.int64),
    )


def _tie(need_id: int) -> int:
    """A fixed, well-spread number from a need's id (Knuth's multiplicative hash)."""
    return (need_id * 2654435761) % (1 << 32)


def _volunteer_arrays(
    volunteers: Sequence[VolunteerIn], areas: dict[str, int], bits: dict[str, int]
) -> VolunteerArrays:
    x, y = _coordinates([volunteer.home for volunteer in volunteers])
    serves = np.zeros((len(areas), len(volunteers)), dtype=bool)
    for index, volunteer in enumerate(volunteers):
        for area in volunteer.areas & areas.keys():
            serves[areas[area], index] = True
    by_radius = [not v.areas and v.home is not None for v in volunteers]
    return VolunteerArrays(
        x=x,
        y=y,
        anywhere=np.array([not v.areas and v.home is None for v in volunteers], dtype=bool),
        reach=np.array(
            [
                effective_radius(v) if radius else -math.inf
                for v, radius in zip(volunteers, by_radius, strict=True)
            ],
            dtype=np.float64,
        ),
        serves=serves,
        car=np.array([v.travel == "car" for v in volunteers], dtype=bool),
        slots=_masks([v.slots for v in volunteers], bits),
        first_load=np.array([load_cost(v.load + 1) for v in volunteers], dtype=np.int64),
    )


def _groups(
    needs: Sequence[NeedIn], volunteers: Sequence[VolunteerIn]
) -> list[tuple[NDArray[np.int64], NDArray[np.int64]]]:
    """Needs by (category, language) with the volunteers who do that and speak it."""
    rows: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    for index, need in enumerate(needs):
        rows[(need.category, None if need.any_language else need.language)].append(index)
    by_category: dict[str, list[int]] = defaultdict(list)
    by_language: dict[str, set[int]] = defaultdict(set)
    for index, volunteer in enumerate(volunteers):
        for category in volunteer.categories:
            by_category[category].append(index)
        for spoken in volunteer.languages:
            by_language[spoken].add(index)
    groups = []
    for (category, language), members in rows.items():
        columns = by_category.get(category, [])
        if language is not None:
            speakers = by_language.get(language, set())
            columns = [index for index in columns if index in speakers]
        groups.append((np.array(members, dtype=np.int64), np.array(columns, dtype=np.int64)))
    return groups


def _coordinates(
    points: Sequence[tuple[float, float] | None],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    xy = np.array([p if p is not None else (np.nan, np.nan) for p in points], dtype=np.float64)
    xy = xy.reshape(len(points), 2)
    return xy[:, 0].copy(), xy[:, 1].copy()


def _slot_bits(needs: Sequence[NeedIn], volunteers: Sequence[VolunteerIn]) -> dict[str, int]:
    seen = set().union(*(n.slots for n in needs), *(v.slots for v in volunteers))
    names = [s for s in SLOTS if s in seen] + sorted(seen - set(SLOTS))
    if len(names) > 62:
        raise ValueError("at most 62 different time slots are supported")
    return {name: 1 << bit for bit, name in enumerate(names)}


def _masks(slot_sets: Sequence[frozenset[str]], bits: dict[str, int]) -> NDArray[np.int64]:
    masks = [sum(bits[s] for s in slots) if slots else ANY_TIME for slots in slot_sets]
    return np.array(masks, dtype=np.int64)


def _result(
    graph: CandidateGraph, used: NDArray[np.bool_], objective: int, max_alternatives: int
) -> Result:
    starts = np.searchsorted(graph.arc_need, np.arange(len(graph.needs) + 1)).tolist()
    chosen = np.full(len(graph.needs), -1, dtype=np.int64)
    chosen[graph.arc_need[used]] = np.flatnonzero(used)
    volunteers = [graph.volunteers[index] for index in graph.arc_volunteer.tolist()]
    costs = graph.arc_rank_cost.tolist()
    distances = [None if math.isnan(d) else d for d in graph.arc_distance.tolist()]
    assignment: dict[int, int] = {}
    alternatives: dict[int, list[Candidate]] = {}
    unmatched: dict[int, str] = {}
    for index, (need, arc) in enumerate(zip(graph.needs, chosen.tolist(), strict=True)):
        ranked = [a for a in range(starts[index], starts[index + 1]) if a != arc]
        if arc >= 0:
            assignment[need.id] = volunteers[arc].id
            ranked.insert(0, arc)
        else:
            unmatched[need.id] = OUTRANKED if ranked else NO_FEASIBLE_VOLUNTEER
        alternatives[need.id] = [
            Candidate(volunteers[a].id, costs[a], distances[a], need, volunteers[a])
            for a in ranked[:max_alternatives]
        ]
    return Result(assignment, alternatives, unmatched, objective, graph)
