"""The hard rules and the costs that make up the matching objective.

What the engine reads (`NeedIn`, `VolunteerIn`), which pairs may be matched (`explain`), and
what each choice costs: docs/matching.md says the same in plain words. Costs are whole
numbers; one unit is 100 m of travel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SLOTS: Final = tuple(f"{day}-{half}" for day in DAYS for half in ("am", "pm"))
MAX_RADIUS_KM: Final = {"foot": 3.0, "bike": 8.0, "car": 30.0}
URGENCY_LABELS: Final = ("today", "few_days", "this_week", "flexible")
COST_PER_KM: Final = 10
MAX_TRAVEL_COST: Final = 300  # 30 km: travel never counts for more
UNKNOWN_DISTANCE_COST: Final = 50  # an unknown distance counts as 5 km
LOAD_STEP_COST: Final = 15  # each task a volunteer already has this week adds 1.5 km
MAX_LOAD_COST: Final = 200
WAIT_COST_PER_DAY: Final = 20  # within an urgency, each day waited counts as 2 km of travel
MAX_WAIT_DAYS: Final = 14
MAX_WAIT_COST: Final = WAIT_COST_PER_DAY * MAX_WAIT_DAYS
PRIORITY_LEVELS: Final = len(URGENCY_LABELS)


@dataclass(frozen=True, slots=True)
class NeedIn:
    """An open need as the engine sees it; `point` is (x, y) in km on a local grid."""

    id: int
    category: str
    urgency: int  # 0 today, 1 in a few days, 2 this week, 3 flexible
    area: str
    point: tuple[float, float] | None
    language: str
    any_language: bool
    slots: frozenset[str]  # empty: any time
    needs_car: bool
    waiting_hours: float


@dataclass(frozen=True, slots=True)
class VolunteerIn:
    """A volunteer as the engine sees it; `capacity` is what is left of this week's cap."""

    id: int
    categories: frozenset[str]
    languages: frozenset[str]
    areas: frozenset[str]  # empty: home and radius, or anywhere without a home
    home: tuple[float, float] | None
    radius_km: float | None
    travel: str  # "foot", "bike" or "car"
    slots: frozenset[str]  # empty: any time
    capacity: int
    load: int  # tasks already this week
    paused: bool


@dataclass(frozen=True, slots=True)
class Explanation:
    """Whether a volunteer could meet a need: broken rules, or the reasons it fits."""

    feasible: bool
    failures: tuple[str, ...]
    reasons: tuple[str, ...]
    distance_km: float | None
    cost: int | None


def travel_cost(distance_km: float | None) -> int:
    """Cost of a trip: 10 a km up to 30 km, or a fixed 5 km when the distance is unknown."""
    if distance_km is None:
        return UNKNOWN_DISTANCE_COST
    return min(round(distance_km * COST_PER_KM), MAX_TRAVEL_COST)


def load_cost(task_number: int) -> int:
    """Cost of a volunteer's `task_number`-th task this week: each one costs more (convex)."""
    return min(LOAD_STEP_COST * (task_number - 1), MAX_LOAD_COST)


def priority_level(need: NeedIn) -> int:
    """How urgent a need is: 0 (flexible) to 3 (today)."""
    return len(URGENCY_LABELS) - 1 - need.urgency


def waiting_cost(need: NeedIn) -> int:
    """What waiting longer adds to leaving a need unmatched: 2 km a whole day, up to 14."""
    return WAIT_COST_PER_DAY * min(int(max(need.waiting_hours, 0.0) // 24), MAX_WAIT_DAYS)


def priority_step(need_count: int) -> int:
    """Worth of one urgency level: more than all travel, load and waiting in a run combined.

    Moving from one assignment to another goes round cycles; one cycle touches each need at
    most once, so its travel changes by at most need_count * MAX_TRAVEL_COST, its load by at
    most 2 * MAX_LOAD_COST and its waiting cost by at most MAX_WAIT_COST. A step above all
    that puts urgency strictly first.
    """
    return need_count * MAX_TRAVEL_COST + 2 * MAX_LOAD_COST + MAX_WAIT_COST + 1


def unmatched_cost(need: NeedIn, need_count: int) -> int:
    """The cost of leaving `need` unmatched in a run of `need_count` needs."""
    return priority_step(need_count) * (priority_level(need) + 1) + waiting_cost(need)


def effective_radius(volunteer: VolunteerIn) -> float:
    """The radius a home-based volunteer serves: theirs, capped by how they travel."""
    mode_limit = MAX_RADIUS_KM[volunteer.travel]
    return mode_limit if volunteer.radius_km is None else min(volunteer.radius_km, mode_limit)


def distance_km(
    point: tuple[float, float] | None, home: tuple[float, float] | None
) -> float | None:
    """Straight-line distance in km, or None when either end is unknown."""
    if point is None or home is None:
        return None
    dx, dy = point[0] - home[0], point[1] - home[1]
    return math.sqrt(dx * dx + dy * dy)  # rounds exactly as the vectorised search does


def explain(need: NeedIn, volunteer: VolunteerIn) -> Explanation:
    """Why `volunteer` could or could not meet `need`, rule by rule."""
    check_volunteer(volunteer)
    distance = distance_km(need.point, volunteer.home)
    failures = tuple(code for code in _failures(need, volunteer, distance) if code)
    if failures:
        return Explanation(False, failures, (), distance, None)
    cost = travel_cost(distance) + load_cost(volunteer.load + 1)
    return Explanation(True, (), reasons(need, volunteer, distance), distance, cost)


def _failures(need: NeedIn, volunteer: VolunteerIn, distance: float | None) -> list[str]:
    return [
        "category" if need.category not in volunteer.categories else "",
        "language" if not need.any_language and need.language not in volunteer.languages else "",
        _location_failure(need, volunteer, distance),
        "needs_car" if need.needs_car and volunteer.travel != "car" else "",
        "slots" if need.slots and volunteer.slots and not need.slots & volunteer.slots else "",
        "no_capacity" if volunteer.capacity <= 0 else "",
        "paused" if volunteer.paused else "",
    ]


def _location_failure(need: NeedIn, volunteer: VolunteerIn, distance: float | None) -> str:
    if volunteer.areas:
        return "" if need.area in volunteer.areas else "area"
    if volunteer.home is None:
        return ""
    if distance is None:
        return "location_unknown"
    return "" if distance <= effective_radius(volunteer) else "too_far"


def reasons(need: NeedIn, volunteer: VolunteerIn, distance: float | None) -> tuple[str, ...]:
    """Short machine-readable reasons a feasible volunteer fits, e.g. ("speaks es", "2.1 km")."""
    found = ["any language" if need.any_language else f"speaks {need.language}"]
    if volunteer.areas:
        found.append(f"serves {need.area}")
    found.append("distance unknown" if distance is None else f"{distance:.1f} km")
    if need.needs_car:
        found.append("has a car")
    if need.slots and volunteer.slots:
        found.append("free " + min(need.slots & volunteer.slots, key=_slot_order))
    found.append(f"load {volunteer.load}/{volunteer.load + volunteer.capacity}")
    return tuple(found)


def _slot_order(slot: str) -> tuple[int, str]:
    return (SLOTS.index(slot) if slot in SLOTS else len(SLOTS), slot)


def check_volunteer(volunteer: VolunteerIn) -> None:
    if volunteer.travel not in MAX_RADIUS_KM:
        raise ValueError(f"volunteer {volunteer.id}: unknown travel mode {volunteer.travel!r}")


def check_need(need: NeedIn) -> None:
    if not 0 <= need.urgency < len(URGENCY_LABELS):
        raise ValueError(f"need {need.id}: urgency must be 0 to 3, not {need.urgency}")
