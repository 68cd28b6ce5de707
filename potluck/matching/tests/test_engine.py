"""The matching engine: hard rules, the objective, determinism, and the LP optimum."""

import itertools
import math
import os
import random
import subprocess
import sys
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from bench.matching import generate_city, lp_optimum, violations
from potluck.matching import engine, flow, rules
from potluck.matching.engine import (
    NO_FEASIBLE_VOLUNTEER,
    OUTRANKED,
    SLOTS,
    NeedIn,
    Result,
    VolunteerIn,
    explain,
    solve,
)


def need(id: int = 1, **fields: object) -> NeedIn:
    values: dict[str, object] = {
        "category": "groceries",
        "urgency": 1,
        "area": "Riverside",
        "point": (0.0, 0.0),
        "language": "en",
        "any_language": False,
        "slots": frozenset(),
        "needs_car": False,
        "waiting_hours": 1.0,
    }
    values.update(fields)
    return NeedIn(id=id, **values)  # type: ignore[arg-type]


def volunteer(id: int = 100, **fields: object) -> VolunteerIn:
    values: dict[str, object] = {
        "categories": frozenset({"groceries"}),
        "languages": frozenset({"en"}),
        "areas": frozenset(),
        "home": (1.0, 0.0),
        "radius_km": None,
        "travel": "bike",
        "slots": frozenset(),
        "capacity": 3,
        "load": 0,
        "paused": False,
    }
    values.update(fields)
    return VolunteerIn(id=id, **values)  # type: ignore[arg-type]


def suggested(result: Result, need_id: int) -> set[int]:
    return {c.volunteer_id for c in result.alternatives[need_id]}


# ------------------------------------------------------------------------------- purity


def test_engine_imports_without_django() -> None:
    code = (
        "import sys, potluck.matching.engine; "
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run([sys.executable, "-c", code], env=env, check=False, timeout=60)
    assert done.returncode == 0


# ---------------------------------------------------------------------------- hard rules


def test_a_volunteer_at_their_weekly_cap_is_never_suggested() -> None:
    result = solve([need()], [volunteer(capacity=0, load=3)])
    assert result.assignment == {}
    assert result.unmatched == {1: NO_FEASIBLE_VOLUNTEER}
    assert result.alternatives[1] == []
    assert "no_capacity" in explain(need(), volunteer(capacity=0)).failures


def test_a_paused_volunteer_is_never_suggested() -> None:
    near_but_resting = volunteer(100, home=(0.1, 0.0), paused=True)
    result = solve([need()], [near_but_resting, volunteer(101, home=(2.0, 0.0))])
    assert result.assignment == {1: 101}
    assert suggested(result, 1) == {101}
    assert explain(need(), near_but_resting).failures == ("paused",)


def test_a_spanish_only_requester_is_matched_only_to_spanish_speakers() -> None:
    spanish = need(language="es")
    english_next_door = volunteer(100, home=(0.1, 0.0), languages=frozenset({"en"}))
    bilingual_further = volunteer(101, home=(2.5, 0.0), languages=frozenset({"en", "es"}))
    result = solve([spanish], [english_next_door, bilingual_further])
    assert result.assignment == {1: 101}
    assert suggested(result, 1) == {101}
    assert result.alternatives[1][0].reasons[0] == "speaks es"
    assert solve([spanish], [english_next_door]).unmatched == {1: NO_FEASIBLE_VOLUNTEER}


def test_any_language_lets_anyone_match() -> None:
    result = solve([need(language="es", any_language=True)], [volunteer()])
    assert result.assignment == {1: 100}
    assert result.alternatives[1][0].reasons[0] == "any language"


def test_a_volunteer_must_do_that_kind_of_help() -> None:
    result = solve([need(category="rides")], [volunteer(categories=frozenset({"meals"}))])
    assert result.unmatched == {1: NO_FEASIBLE_VOLUNTEER}


def test_a_need_for_a_car_goes_only_to_a_driver() -> None:
    cyclist, driver = volunteer(100, travel="bike"), volunteer(101, travel="car")
    result = solve([need(needs_car=True)], [cyclist, driver])
    assert result.assignment == {1: 101}
    assert suggested(result, 1) == {101}
    assert explain(need(needs_car=True), cyclist).failures == ("needs_car",)


@pytest.mark.parametrize(
    ("travel", "radius_km", "distance", "reaches"),
    [
        ("foot", None, 2.9, True),
        ("foot", None, 3.1, False),
        ("foot", 25.0, 3.1, False),  # a radius never stretches past what the mode allows
        ("bike", None, 7.9, True),
        ("bike", None, 8.1, False),
        ("car", None, 29.0, True),
        ("car", None, 31.0, False),
        ("car", 5.0, 6.0, False),  # nor past the volunteer's own radius
        ("car", 5.0, 5.0, True),
    ],
)
def test_travel_radius_depends_on_how_the_volunteer_travels(
    travel: str, radius_km: float | None, distance: float, reaches: bool
) -> None:
    somebody = volunteer(travel=travel, radius_km=radius_km, home=(distance, 0.0))
    assert (solve([need()], [somebody]).assignment == {1: 100}) is reaches
    assert explain(need(), somebody).feasible is reaches


def test_a_volunteer_with_areas_serves_those_neighbourhoods_only() -> None:
    local = volunteer(areas=frozenset({"Eastgate"}), home=(0.0, 0.0))
    assert solve([need(area="Riverside")], [local]).assignment == {}
    assert explain(need(area="Riverside"), local).failures == ("area",)
    far_but_serving = replace(local, home=(50.0, 0.0), areas=frozenset({"Riverside"}))
    assert solve([need(area="Riverside")], [far_but_serving]).assignment == {1: 100}


def test_a_home_and_radius_needs_a_known_place_but_no_home_serves_anywhere() -> None:
    somewhere = need(point=None)
    assert explain(somewhere, volunteer()).failures == ("location_unknown",)
    anywhere = volunteer(home=None)
    result = solve([somewhere], [anywhere])
    assert result.assignment == {1: 100}
    assert result.alternatives[1][0].distance_km is None
    assert "distance unknown" in result.alternatives[1][0].reasons


def test_time_slots_must_overlap_unless_either_side_is_any_time() -> None:
    mornings = need(slots=frozenset({"mon-am", "tue-am"}))
    assert not explain(mornings, volunteer(slots=frozenset({"mon-pm"}))).feasible
    assert explain(mornings, volunteer(slots=frozenset({"tue-am", "sun-pm"}))).feasible
    assert explain(mornings, volunteer(slots=frozenset())).feasible
    assert explain(need(), volunteer(slots=frozenset({"sat-pm"}))).feasible
    fits = explain(mornings, volunteer(slots=frozenset({"tue-am", "mon-am"})))
    assert "free mon-am" in fits.reasons


def test_explain_lists_every_broken_rule_and_the_reasons_a_fit_fits() -> None:
    nothing_fits = volunteer(
        categories=frozenset({"meals"}),
        languages=frozenset({"fr"}),
        home=(9.0, 0.0),
        travel="foot",
        slots=frozenset({"sun-pm"}),
        capacity=0,
        paused=True,
    )
    picky = need(language="es", needs_car=True, slots=frozenset({"mon-am"}))
    assert explain(picky, nothing_fits).failures == (
        "category",
        "language",
        "too_far",
        "needs_car",
        "slots",
        "no_capacity",
        "paused",
    )
    fits = explain(need(language="es"), volunteer(languages=frozenset({"es"}), load=1))
    assert fits.feasible
    assert fits.reasons == ("speaks es", "1.0 km", "load 1/4")
    assert fits.cost == 10 + rules.LOAD_STEP_COST


# ---------------------------------------------------------------------------- objective


def test_an_urgent_need_beats_a_flexible_one_for_a_single_volunteer() -> None:
    today_far = need(1, urgency=0, point=(7.0, 0.0))
    flexible_near = need(2, urgency=3, point=(0.9, 0.0), waiting_hours=300.0)
    result = solve([flexible_near, today_far], [volunteer(capacity=1)])
    assert result.assignment == {1: 100}
    assert result.unmatched == {2: OUTRANKED}
    assert result.alternatives[2][0].volunteer_id == 100  # still shown as an alternative


def test_the_need_that_waited_longer_goes_first_within_an_urgency() -> None:
    waited_five_days_5_km_away = need(1, point=(6.0, 0.0), waiting_hours=5 * 24 + 1)
    new_next_door = need(2, point=(1.0, 0.0), waiting_hours=2.0)
    result = solve([waited_five_days_5_km_away, new_next_door], [volunteer(capacity=1)])
    assert result.assignment == {1: 100}


def test_a_day_of_waiting_counts_as_two_km_of_travel() -> None:
    waited_a_day_5_km_away = need(1, point=(6.0, 0.0), waiting_hours=25.0)
    new_next_door = need(2, point=(1.0, 0.0), waiting_hours=2.0)
    result = solve([waited_a_day_5_km_away, new_next_door], [volunteer(capacity=1)])
    assert result.assignment == {2: 100}


def test_shorter_travel_wins_between_equal_needs() -> None:
    near, far = volunteer(100, home=(0.5, 0.0)), volunteer(101, home=(4.0, 0.0))
    assert solve([need()], [far, near]).assignment == {1: 100}


def test_a_volunteer_with_fewer_tasks_this_week_is_preferred() -> None:
    busy = volunteer(100, home=(1.0, 0.0), load=2, capacity=1)
    rested = volunteer(101, home=(1.5, 0.0), load=0, capacity=3)
    assert solve([need()], [busy, rested]).assignment == {1: 101}


def test_load_is_spread_rather_than_piled_on_the_nearest_volunteer() -> None:
    needs = [need(1, point=(0.0, 0.0)), need(2, point=(0.0, 0.2)), need(3, point=(0.2, 0.0))]
    nearest = volunteer(100, home=(0.5, 0.0), capacity=3)
    others = [volunteer(101, home=(1.0, 0.0)), volunteer(102, home=(0.0, 1.0))]
    result = solve(needs, [nearest, *others])
    assert len(result.assignment) == 3
    assert Counter(result.assignment.values()) == {100: 1, 101: 1, 102: 1}


def test_a_need_is_not_left_unmatched_while_a_feasible_volunteer_has_room() -> None:
    # Twenty needs on one corner and twenty volunteers with room for one each spread out:
    # the nearest few are contested, the far ones must be found too.
    needs = [need(i, point=(0.0, i * 0.01)) for i in range(1, 21)]
    volunteers = [
        volunteer(100 + j, home=(j * 0.9, 0.0), capacity=1, travel="car") for j in range(20)
    ]
    result = solve(needs, volunteers)
    assert len(result.assignment) == 20


def test_alternatives_are_ranked_with_the_assigned_volunteer_first() -> None:
    volunteers = [volunteer(100 + j, home=(0.5 + j, 0.0)) for j in range(8)]
    busy = [need(2, point=(0.5, 0.0), urgency=0)]
    result = solve([need(1), *busy], volunteers, max_alternatives=4)
    first, *rest = result.alternatives[1]
    assert first.volunteer_id == result.assignment[1]
    assert [c.cost for c in rest] == sorted(c.cost for c in rest)
    assert len(result.alternatives[1]) == 4


def test_the_fast_solve_gives_the_same_answer_as_the_full_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    city = generate_city(300, seed=7)
    expected = solve(city.needs, city.volunteers)
    monkeypatch.setattr(engine, "FAST_STEP", 1)  # priorities all but ignored: must fall back
    again = solve(city.needs, city.volunteers)
    assert again.objective == expected.objective  # ties aside, the same assignment
    assert violations(city, again.assignment) == []


# ------------------------------------------------------------------------- determinism


def test_the_same_input_gives_the_same_answer_in_any_order() -> None:
    city = generate_city(400, seed=3)
    first = solve(city.needs, city.volunteers)
    again = solve(city.needs, city.volunteers)
    needs, volunteers = list(city.needs), list(city.volunteers)
    random.Random(5).shuffle(needs)
    random.Random(6).shuffle(volunteers)
    shuffled = solve(needs, volunteers)
    for other in (again, shuffled):
        assert other.assignment == first.assignment
        assert other.unmatched == first.unmatched
        assert other.objective == first.objective
        assert other.alternatives == first.alternatives


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="two needs have id 1"):
        solve([need(1), need(1)], [])
    with pytest.raises(ValueError, match="unknown travel mode"):
        solve([need()], [volunteer(travel="boat")])
    with pytest.raises(ValueError, match="urgency"):
        solve([need(urgency=7)], [volunteer()])


def test_nothing_to_match_is_fine() -> None:
    assert solve([], [volunteer()]).assignment == {}
    assert solve([need()], []).unmatched == {1: NO_FEASIBLE_VOLUNTEER}


# ------------------------------------------------------------------------ properties

CATEGORIES = ("groceries", "rides", "meals")
LANGUAGES = ("en", "es")
AREAS = ("North", "South", "East")
SOME_SLOTS = SLOTS[:4]
coordinate = st.floats(min_value=0.0, max_value=6.0).map(lambda v: round(v, 1))
place = st.one_of(st.none(), st.tuples(coordinate, coordinate))
slot_set = st.frozensets(st.sampled_from(SOME_SLOTS), max_size=3)


@st.composite
def instances(draw: st.DrawFn, max_needs: int = 8) -> tuple[list[NeedIn], list[VolunteerIn]]:
    needs = [
        NeedIn(
            id=i,
            category=draw(st.sampled_from(CATEGORIES)),
            urgency=draw(st.integers(0, 3)),
            area=draw(st.sampled_from(AREAS)),
            point=draw(place),
            language=draw(st.sampled_from(LANGUAGES)),
            any_language=draw(st.booleans()),
            slots=draw(slot_set),
            needs_car=draw(st.booleans()),
            waiting_hours=draw(st.sampled_from([0.0, 30.0, 100.0, 500.0])),
        )
        for i in range(1, draw(st.integers(0, max_needs)) + 1)
    ]
    volunteers = [
        VolunteerIn(
            id=100 + j,
            categories=draw(st.frozensets(st.sampled_from(CATEGORIES), min_size=1)),
            languages=draw(st.frozensets(st.sampled_from(LANGUAGES), min_size=1)),
            areas=draw(st.frozensets(st.sampled_from(AREAS), max_size=2)),
            home=draw(place),
            radius_km=draw(st.one_of(st.none(), st.sampled_from([1.0, 2.5, 5.0]))),
            travel=draw(st.sampled_from(["foot", "bike", "car"])),
            slots=draw(slot_set),
            capacity=draw(st.integers(-1, 3)),
            load=draw(st.integers(0, 3)),
            paused=draw(st.booleans()),
        )
        for j in range(draw(st.integers(0, 6)))
    ]
    return needs, volunteers


def breaks_a_rule(need: NeedIn, volunteer: VolunteerIn) -> bool:
    """The hard rules, written out again here so the engine is not checked against itself."""
    if volunteer.areas:
        placed = need.area in volunteer.areas
    elif volunteer.home is None:
        placed = True
    else:
        limit = {"foot": 3.0, "bike": 8.0, "car": 30.0}[volunteer.travel]
        limit = min(limit, volunteer.radius_km or math.inf)
        placed = need.point is not None and distance(need.point, volunteer.home) <= limit
    return not (
        placed
        and need.category in volunteer.categories
        and (need.any_language or need.language in volunteer.languages)
        and (not need.needs_car or volunteer.travel == "car")
        and (not need.slots or not volunteer.slots or bool(need.slots & volunteer.slots))
        and volunteer.capacity > 0
        and not volunteer.paused
    )


def distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Written as the engine writes it, so both round alike at the edge of a radius."""
    dx, dy = a[0] - b[0], a[1] - b[1]
    return math.sqrt(dx * dx + dy * dy)


PROPERTY = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY
@given(instances())
def test_no_hard_rule_is_ever_broken(instance: tuple[list[NeedIn], list[VolunteerIn]]) -> None:
    needs, volunteers = instance
    result = solve(needs, volunteers)
    by_id = {v.id: v for v in volunteers}
    for n in needs:
        for candidate in result.alternatives[n.id]:
            assert not breaks_a_rule(n, by_id[candidate.volunteer_id])
    for volunteer_id, tasks in Counter(result.assignment.values()).items():
        assert tasks <= by_id[volunteer_id].capacity
    assert set(result.assignment) | set(result.unmatched) == {n.id for n in needs}
    assert not set(result.assignment) & set(result.unmatched)


@PROPERTY
@given(instances())
def test_the_search_finds_exactly_the_pairs_explain_allows(
    instance: tuple[list[NeedIn], list[VolunteerIn]],
) -> None:
    needs, volunteers = instance
    graph = engine.candidate_graph(needs, volunteers, k=len(volunteers) + 1, refine=False)
    found = {
        (graph.needs[i].id, graph.volunteers[j].id)
        for i, j in zip(graph.arc_need.tolist(), graph.arc_volunteer.tolist(), strict=True)
    }
    allowed = {(n.id, v.id) for n in needs for v in volunteers if explain(n, v).feasible}
    assert found == allowed
    assert allowed == {(n.id, v.id) for n in needs for v in volunteers if not breaks_a_rule(n, v)}


@PROPERTY
@given(instances())
def test_the_objective_equals_the_lp_optimum(
    instance: tuple[list[NeedIn], list[VolunteerIn]],
) -> None:
    needs, volunteers = instance
    result = solve(needs, volunteers)
    assert round(lp_optimum(result.graph)) == result.objective


@PROPERTY
@given(instances(max_needs=12), st.integers(1, 3))
def test_no_need_waits_while_one_who_fits_has_room_or_a_less_urgent_task(
    instance: tuple[list[NeedIn], list[VolunteerIn]], k: int
) -> None:
    needs, volunteers = instance
    result = solve(needs, volunteers, k=k)
    assert round(lp_optimum(result.graph)) == result.objective
    urgency = {n.id: n.urgency for n in needs}
    held: dict[int, list[int]] = {}
    for need_id, volunteer_id in result.assignment.items():
        held.setdefault(volunteer_id, []).append(urgency[need_id])
    for n in needs:
        if n.id not in result.unmatched:
            continue
        for v in volunteers:
            if not breaks_a_rule(n, v):
                assert len(held.get(v.id, [])) >= v.capacity  # full,
                assert max(held[v.id]) <= n.urgency  # with needs at least as urgent


@PROPERTY
@given(instances(max_needs=12), st.integers(1, 3), st.sampled_from([1, 40, engine.FAST_STEP]))
def test_a_fast_solve_that_settles_priorities_is_the_full_optimum(
    instance: tuple[list[NeedIn], list[VolunteerIn]], k: int, step: int
) -> None:
    graph = engine.candidate_graph(*instance, k=k, refine=False)
    best = flow.min_cost_flow(graph, graph.penalty)[1]
    used, _ = flow.min_cost_flow(graph, step * (graph.level + 1) + graph.waiting)
    if flow.priorities_settled(graph, used):
        assert full_cost(graph, used) == best
    else:
        event("priorities unsettled: solved again")
    assert flow.exact_flow(graph, engine.FAST_STEP)[1] == best


def full_cost(graph: engine.CandidateGraph, used: NDArray[np.bool_]) -> int:
    """The true objective of a flow: travel, load (cheapest units first) and penalties."""
    tasks = Counter(graph.arc_volunteer[used].tolist())
    load = sum(
        sum(sorted(graph.load_cost[graph.load_volunteer == j].tolist())[:count])
        for j, count in tasks.items()
    )
    unmatched = np.ones(len(graph.needs), dtype=bool)
    unmatched[graph.arc_need[used]] = False
    return int(graph.arc_cost[used].sum()) + load + int(graph.penalty[unmatched].sum())


@settings(max_examples=80, deadline=None, database=None)
@given(instances(max_needs=5))
def test_the_assignment_is_the_best_of_every_possible_one(
    instance: tuple[list[NeedIn], list[VolunteerIn]],
) -> None:
    """Brute force over every assignment, costed straight from the documented objective."""
    needs, volunteers = instance
    volunteers = volunteers[:3]
    result = solve(needs, volunteers, k=len(volunteers) + 1)
    assert result.objective == min(
        documented_cost(needs, volunteers, choice)
        for choice in itertools.product([None, *volunteers], repeat=len(needs))
    )


def documented_cost(
    needs: list[NeedIn], volunteers: list[VolunteerIn], choice: tuple[VolunteerIn | None, ...]
) -> float:
    total = 0
    tasks: Counter[int] = Counter()
    for n, v in zip(needs, choice, strict=True):
        if v is None:
            total += rules.unmatched_cost(n, len(needs))
            continue
        if breaks_a_rule(n, v):
            return math.inf
        tasks[v.id] += 1
        total += rules.travel_cost(rules.distance_km(n.point, v.home))
    for v in volunteers:
        if tasks[v.id] > max(v.capacity, 0):
            return math.inf
        total += sum(rules.load_cost(v.load + t) for t in range(1, tasks[v.id] + 1))
    return total


# ------------------------------------------------------------------- a city of 1,000


def test_a_city_of_a_thousand_needs_is_solved_to_the_lp_optimum() -> None:
    city = generate_city(1000, seed=11)
    result = solve(city.needs, city.volunteers)
    assert violations(city, result.assignment) == []
    assert round(lp_optimum(result.graph)) == result.objective
    assert 0.5 < len(result.assignment) / len(city.needs) < 1.0
