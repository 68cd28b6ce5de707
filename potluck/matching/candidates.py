"""Each need's k cheapest feasible volunteers, found with numpy a block of needs at a time.

Pure arrays, no domain objects: engine.py turns needs and volunteers into `NeedArrays` and
`VolunteerArrays` and groups needs with the volunteers they may use (same category and
language). Within a group, needs are sorted along a Z-order curve and cut into blocks, so a
block covers a small part of the city and volunteers who cannot reach any of it are skipped
before any pair is looked at.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

ANY_TIME: Final = -1  # a slot mask that overlaps every other
_CELL_KM: Final = 0.5  # resolution of the Z-order sort
_BLOCK_PAIRS: Final = 1 << 16  # need x volunteer pairs evaluated at once
_MIN_ROWS, _MAX_ROWS = 16, 1024
_WIDEN: Final = 32  # columns tried first, per arc wanted
_INFEASIBLE: Final = np.iinfo(np.int64).max

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]
_Found = tuple[Ints, Ints, Ints, Ints, Floats]  # need, volunteer, travel, rank, distance


@dataclass(frozen=True)
class NeedArrays:
    x: Floats  # NaN when the point is unknown
    y: Floats
    area: Ints  # row of VolunteerArrays.serves
    car: Bools
    slots: Ints  # bit mask, ANY_TIME when unrestricted
    tie: Ints  # where this need starts among volunteers when costs are equal


@dataclass(frozen=True)
class VolunteerArrays:
    x: Floats  # home; NaN when unknown
    y: Floats
    anywhere: Bools  # no location rule at all
    reach: Floats  # km from home they serve; -inf when they serve areas, or anywhere
    serves: NDArray[np.bool_]  # [area, volunteer]: serves that area by name
    car: Bools
    slots: Ints
    first_load: Ints  # load cost of their next task


@dataclass(frozen=True)
class TravelCosts:
    per_km: int
    maximum: int
    unknown: int


@dataclass(frozen=True)
class Arcs:
    """Feasible (need, volunteer) pairs sorted by need, then rank cost, then volunteer."""

    need: Ints
    volunteer: Ints
    travel: Ints
    rank: Ints
    distance: Floats

    def merged(self, other: Arcs) -> Arcs:
        """Both sets of arcs, in the same order, each pair once."""
        need, volunteer, travel, rank, distance = (
            np.concatenate(pair) for pair in zip(self.fields(), other.fields(), strict=True)
        )
        return _sorted(need, volunteer, travel, rank, distance)

    def fields(self) -> tuple[Ints, Ints, Ints, Ints, Floats]:
        return self.need, self.volunteer, self.travel, self.rank, self.distance


def _sorted(need: Ints, volunteer: Ints, travel: Ints, rank: Ints, distance: Floats) -> Arcs:
    if not len(need):
        return Arcs(need, volunteer, travel, rank, distance)
    volunteers = int(volunteer.max()) + 1
    per_need = (int(rank.max()) + 1) * volunteers
    if (int(need.max()) + 1) * per_need >= 1 << 62:
        raise ValueError("too many needs and volunteers for one run")
    # One key, sorted stably: merging runs that are already sorted is then about linear.
    key = need * per_need + rank * volunteers + volunteer
    order = np.argsort(key, kind="stable")
    # A pair found twice has the same key both times, so the copies sit side by side.
    first = np.ones(len(order), dtype=bool)
    first[1:] = key[order[1:]] != key[order[:-1]]
    order = order[first]
    return Arcs(need[order], volunteer[order], travel[order], rank[order], distance[order])


def find_arcs(
    needs: NeedArrays,
    volunteers: VolunteerArrays,
    groups: Iterable[tuple[Ints, Ints]],
    *,
    k: int,
    costs: TravelCosts,
    floors: tuple[Ints, Ints] | None = None,
) -> Arcs:
    """Up to k arcs per need, cheapest first (travel + next task's load cost), each ordered
    by need, cost and volunteer.

    `groups` pairs needs with the volunteers whose category and language fit them. With
    `floors` (one per need, one per volunteer), a pair also needs the volunteer's floor below
    the need's.
    """
    search = _Search(needs, volunteers, k, costs, floors)
    parts = [
        search.block(rows, columns) for group in groups for rows, columns in _blocks(needs, *group)
    ]
    parts = [part for part in parts if len(part[0])]
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Arcs(empty, empty, empty, empty, np.zeros(0, dtype=np.float64))
    need, volunteer, travel, rank, distance = (np.concatenate(p) for p in zip(*parts, strict=True))
    return _sorted(need, volunteer, travel, rank, distance)


def _blocks(needs: NeedArrays, rows: Ints, columns: Ints) -> Iterable[tuple[Ints, Ints]]:
    """Cut a group's needs into spatially compact blocks (unknown points on their own)."""
    if not len(columns):
        return
    known = ~np.isnan(needs.x[rows])
    placed = rows[known]
    placed = placed[np.argsort(_z_order(needs.x[placed], needs.y[placed]), kind="stable")]
    size = min(max(_BLOCK_PAIRS // len(columns), _MIN_ROWS), _MAX_ROWS)
    for part in (placed, rows[~known]):
        for start in range(0, len(part), size):
            yield part[start : start + size], columns


def _z_order(x: Floats, y: Floats) -> Ints:
    if not len(x):
        return np.zeros(0, dtype=np.int64)
    cell_x = np.clip(((x - x.min()) / _CELL_KM).astype(np.int64), 0, (1 << 16) - 1)
    cell_y = np.clip(((y - y.min()) / _CELL_KM).astype(np.int64), 0, (1 << 16) - 1)
    return _spread_bits(cell_x) | (_spread_bits(cell_y) << 1)


def _spread_bits(value: Ints) -> Ints:
    value = (value | (value << 8)) & 0x00FF00FF
    value = (value | (value << 4)) & 0x0F0F0F0F
    value = (value | (value << 2)) & 0x33333333
    return (value | (value << 1)) & 0x55555555


class _Search:
    """One search: the arrays, how many arcs per need, and what a trip costs."""

    def __init__(
        self,
        needs: NeedArrays,
        volunteers: VolunteerArrays,
        k: int,
        costs: TravelCosts,
        floors: tuple[Ints, Ints] | None,
    ) -> None:
        self.needs, self.volunteers, self.k, self.costs = needs, volunteers, k, costs
        self.floors = floors
        self.by_area: Bools = np.asarray(volunteers.serves.any(axis=0))

    def block(self, rows: Ints, columns: Ints) -> _Found:
        """The k cheapest feasible columns for each row (skipping those that reach none).

        Columns are tried in order of a lower bound on their cost (from the rows' bounding
        box): a row is settled once its k-th best beats the bound of every column left out;
        only unsettled rows go on to see every column.
        """
        v = self.volunteers
        gap = self._gap(rows, columns)
        reachable = (
            v.anywhere[columns]
            | v.serves[np.ix_(np.unique(self.needs.area[rows]), columns)].any(axis=0)
            | (gap <= v.reach[columns])
        )
        columns, gap = columns[reachable], gap[reachable]
        head = _WIDEN * self.k
        if len(columns) <= 2 * head:
            found, _ = self._dense(rows, columns)
            return (rows[found[0]], *found[1:])
        bound = self._travel(gap) + v.first_load[columns]
        order = np.lexsort((columns, bound))
        columns, bound = columns[order], bound[order]
        found, kth = self._dense(rows, columns[:head])
        settled = kth < bound[head] * len(v.first_load)
        if not settled.all():
            rest = np.flatnonzero(~settled)
            more, _ = self._dense(rows[rest], columns)
            keep = settled[found[0]]
            found = tuple(  # type: ignore[assignment]
                np.concatenate([mine[keep], theirs])
                for mine, theirs in zip(found, (rest[more[0]], *more[1:]), strict=True)
            )
        return (rows[found[0]], *found[1:])

    def _gap(self, rows: Ints, columns: Ints) -> Floats:
        """Distance from the rows' bounding box to each home: NaN when either is unknown."""
        x, y = self.needs.x[rows], self.needs.y[rows]
        home_x, home_y = self.volunteers.x[columns], self.volunteers.y[columns]
        if np.isnan(x).all():
            return np.full(len(columns), np.nan)
        gap_x = np.maximum(np.maximum(x.min() - home_x, home_x - x.max()), 0.0)
        gap_y = np.maximum(np.maximum(y.min() - home_y, home_y - y.max()), 0.0)
        return np.sqrt(gap_x * gap_x + gap_y * gap_y)

    def _travel(self, distance: Floats) -> Ints:
        scaled = np.rint(distance * self.costs.per_km)
        np.minimum(scaled, self.costs.maximum, out=scaled)
        np.copyto(scaled, self.costs.unknown, where=np.isnan(scaled))
        return scaled.astype(np.int64)

    def _dense(self, rows: Ints, columns: Ints) -> tuple[_Found, Ints]:
        """Every pair at once: the k best per row, by position in `rows`, and each row's k-th
        best key (_INFEASIBLE when it has fewer than k)."""
        n, v = self.needs, self.volunteers
        dx = n.x[rows, None] - v.x[None, columns]
        dy = n.y[rows, None] - v.y[None, columns]
        # sqrt(dx*dx + dy*dy), never hypot: it must round exactly as rules.distance_km does.
        distance = np.sqrt(dx * dx + dy * dy)
        feasible = v.anywhere[None, columns] | (distance <= v.reach[None, columns])
        if self.by_area[columns].any():
            feasible |= v.serves[np.ix_(n.area[rows], columns)]
        if n.car[rows].any():
            feasible &= ~n.car[rows, None] | v.car[None, columns]
        feasible &= (n.slots[rows, None] & v.slots[None, columns]) != 0
        if self.floors is not None:
            feasible &= self.floors[1][None, columns] < self.floors[0][rows, None]
        travel = self._travel(distance)
        rank = travel + v.first_load[None, columns]
        # Unique per row. Ties go round the volunteers from a point that differs per need, so
        # needs at one place (often a neighbourhood's centre) don't all list the same few.
        count = len(v.first_load)
        key = rank * count + (columns[None, :] + n.tie[rows, None]) % count
        key[~feasible] = _INFEASIBLE
        pick = _smallest(key, self.k)
        picked = np.take_along_axis(key, pick, axis=1)
        kth = picked.max(axis=1) if pick.shape[1] == self.k else np.full(len(rows), _INFEASIBLE)
        found = picked != _INFEASIBLE
        row_at = np.broadcast_to(np.arange(len(rows))[:, None], pick.shape)[found]
        column_at = pick[found]
        return (
            row_at,
            columns[column_at],
            travel[row_at, column_at],
            rank[row_at, column_at],
            distance[row_at, column_at],
        ), kth


def _smallest(key: Ints, k: int) -> Ints:
    """Column indices of the k smallest keys in each row, in no particular order."""
    if key.shape[1] <= k:
        return np.broadcast_to(np.arange(key.shape[1]), key.shape).copy()
    return np.argpartition(key, k - 1, axis=1)[:, :k]
