"""Reads for matching: the latest run as a coordinator reviews it, and a volunteer's tasks."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from potluck.accounts.models import User
from potluck.matching.inputs import URGENCY_RANKS, places_for
from potluck.matching.labels import reason_label, unmatched_label
from potluck.matching.models import Dispatch, MatchRun, Suggestion
from potluck.needs.models import Need
from potluck.needs.selectors import by_priority
from potluck.networks.models import Membership, Network


def access_dispatch(*, user: Any, network: Network, dispatch_id: int) -> Dispatch:
    """A need sent to `user` in `network`; 404 for anyone else's."""
    return get_object_or_404(
        Dispatch.objects.select_related("need__network", "volunteer"),
        network=network,
        volunteer_id=user.pk,
        pk=dispatch_id,
    )


def run_latest(*, network: Network) -> MatchRun | None:
    return MatchRun.objects.filter(network=network).select_related("started_by").first()


# ---------------------------------------------------------------------------- the review table


@dataclass
class Choice:
    """A volunteer the coordinator may pick for a need, with the engine's reasons in words."""

    volunteer: User
    rank: int
    distance_km: float | None
    reasons: list[str]


@dataclass
class RunRow:
    """One need of a run: the volunteers suggested, the one chosen, and whether it goes."""

    need: Need
    choices: list[Choice]
    chosen_id: int | None
    included: bool
    unmatched: str = ""
    waiting_for: Dispatch | None = None
    errors: list[str] = field(default_factory=list)


def run_needs(*, run: MatchRun, network: Network) -> QuerySet[Need]:
    """The run's needs that are still open, most urgent and longest waiting first (the
    board's order and indexes, so the review pages by cursor like the board)."""
    unmatched = [int(need_id) for need_id in run.unmatched]
    suggested = Suggestion.objects.filter(run=run, need=OuterRef("pk"))
    return by_priority(
        Need.objects.filter(network=network, status=Need.Status.OPEN).filter(
            Q(Exists(suggested)) | Q(pk__in=unmatched)
        )
    ).defer("description", "contact_value", "contact_times")


def run_rows(*, run: MatchRun, needs: list[Need]) -> list[RunRow]:
    """Each of `needs` (of `run`) as a RunRow preset to the engine's pick."""
    unmatched = {int(need_id): code for need_id, code in run.unmatched.items()}
    return _rows(run, needs, unmatched)


def _rows(run: MatchRun, needs: list[Need], unmatched: dict[int, str]) -> list[RunRow]:
    ids = [need.pk for need in needs]
    choices: dict[int, list[Choice]] = defaultdict(list)
    areas = places_for(run.network).names
    suggestions = Suggestion.objects.filter(run=run, need_id__in=ids).select_related("volunteer")
    for suggestion in suggestions.order_by("need_id", "rank"):
        choices[suggestion.need_id].append(
            Choice(
                volunteer=suggestion.volunteer,
                rank=suggestion.rank,
                distance_km=suggestion.distance_km,
                reasons=[reason_label(reason, areas) for reason in suggestion.reasons],
            )
        )
    waiting = {
        dispatch.need_id: dispatch
        for dispatch in Dispatch.objects.filter(
            need_id__in=ids, status=Dispatch.Status.PENDING
        ).select_related("volunteer")
    }
    rows = []
    for need in needs:
        options = choices.get(need.pk, [])
        pick = options[0].volunteer.pk if options and options[0].rank == 0 else None
        rows.append(
            RunRow(
                need=need,
                choices=options,
                chosen_id=pick or (options[0].volunteer.pk if options else None),
                included=pick is not None and need.pk not in waiting,
                unmatched=unmatched_label(unmatched[need.pk]) if need.pk in unmatched else "",
                waiting_for=waiting.get(need.pk),
            )
        )
    return rows


def dispatch_pairs(
    *, network: Network, chosen: Iterable[tuple[int, int]]
) -> list[tuple[Need, User]]:
    """(need id, volunteer id) pairs from the review form as objects; 404 unless each need is
    the network's and each volunteer one of its members (the service checks the rest)."""
    chosen = list(chosen)
    needs = Need.objects.select_related("network").in_bulk(
        {need_id for need_id, _v in chosen}, field_name="pk"
    )
    members = Membership.objects.filter(network=network).values("user_id")
    people = User.objects.filter(pk__in=members).in_bulk({v for _n, v in chosen})
    pairs = []
    for need_id, volunteer_id in chosen:
        need, person = needs.get(need_id), people.get(volunteer_id)
        if need is None or need.network_id != network.pk or person is None:
            raise Http404
        pairs.append((need, person))
    return pairs


def dispatch_list_for_network(*, network: Network) -> QuerySet[Dispatch]:
    """Needs waiting for a volunteer's answer in the network, soonest to run out first."""
    return (
        Dispatch.objects.filter(network=network, status=Dispatch.Status.PENDING)
        .select_related("need", "volunteer")
        .order_by("expires_at", "pk")
    )


# ---------------------------------------------------------------------------- a volunteer's tasks


def dispatch_list_for_volunteer(*, user: Any, network: Network) -> list[Dispatch]:
    """Needs sent to `user` that still wait for their answer, most urgent first."""
    waiting = Dispatch.objects.filter(
        network=network,
        volunteer_id=user.pk,
        status=Dispatch.Status.PENDING,
        expires_at__gt=timezone.now(),
        need__status=Need.Status.OPEN,
    ).select_related("need__network")
    return sorted(waiting, key=lambda dispatch: _priority(dispatch.need))


def suggestion_list_for_volunteer(*, user: Any, network: Network) -> list[Suggestion]:
    """Needs "suggested for you": the latest run put `user` forward for them, and they are
    still open and not sent to anyone; most urgent and longest waiting first."""
    run = MatchRun.objects.filter(network=network).order_by("-created_at", "-pk").first()
    if run is None:
        return []
    suggestions = (
        Suggestion.objects.filter(run=run, volunteer_id=user.pk, need__status=Need.Status.OPEN)
        .exclude(
            Exists(Dispatch.objects.filter(need=OuterRef("need"), status=Dispatch.Status.PENDING))
        )
        .select_related("need__network")
    )
    return sorted(suggestions, key=lambda suggestion: _priority(suggestion.need))


def _priority(need: Need) -> tuple[int, Any, int]:
    return (URGENCY_RANKS.get(need.urgency, len(URGENCY_RANKS)), need.created_at, need.pk)
