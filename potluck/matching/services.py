"""Writes for matching: suggesting matches, dispatching needs, and volunteers answering.

Suggesting never assigns anyone: a coordinator reviews the suggestions, adjusts them and
dispatches; each volunteer then accepts (which claims the need through the needs service) or
declines, and a need nobody answers for returns to the pool when its dispatch expires.
"""

import dataclasses
import time
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from potluck.accounts.models import User
from potluck.core.audit import audit_record
from potluck.core.errors import DomainError
from potluck.matching import engine
from potluck.matching.inputs import (
    NEED_FIELDS,
    need_in,
    needs_to_match,
    places_for,
    volunteers_to_match,
)
from potluck.matching.labels import failure_label
from potluck.matching.models import Dispatch, MatchRun, Suggestion
from potluck.needs import services as need_services
from potluck.needs.models import Need
from potluck.networks.models import Network
from potluck.networks.permissions import is_coordinator
from potluck.notifications import events

NOT_ALLOWED = _("You are not allowed to do that.")
NOTHING_CHOSEN = _("Choose at least one need to send to a volunteer.")
DISPATCH_REFUSED = _(
    "Nothing was sent: some of your choices no longer work. Change them and send again."
)
NEED_NOT_OPEN = _("This need is no longer open.")
ALREADY_DISPATCHED = _("This need is already waiting for a volunteer's answer.")
NOT_A_VOLUNTEER = _("This person is not a volunteer here, or has not filled in what they can do.")
CHOSEN_TWICE = _("This need is in the list twice.")
DISPATCH_NOT_PENDING = _("This request is no longer waiting for your answer.")
NEED_TAKEN_MEANWHILE = _(
    "Someone else took on this need in the meantime, so the request to you is cancelled."
)
DISPATCH_SUBJECT = _("A coordinator asked you to take on a need")

BULK_BATCH = 1000


class DispatchRefused(DomainError):
    """Some pairs of a dispatch can't be sent; `refusals` says why, per need id."""

    def __init__(self, refusals: dict[int, list[str | Promise]]) -> None:
        super().__init__(DISPATCH_REFUSED, code="dispatch_refused", status=409)
        self.refusals = refusals


# ---------------------------------------------------------------------------- suggesting


def match_suggest(*, network: Network, by: User | None = None) -> MatchRun:
    """Run the engine over the open needs nobody was asked to take yet; store what it suggests.

    `by` is the coordinator who asked; None for an automatic run. Nothing is assigned.
    """
    if by is not None and not is_coordinator(by, network.pk):
        raise DomainError(NOT_ALLOWED, code="forbidden", status=403)
    now = timezone.now()
    places = places_for(network)
    needs = needs_to_match(network, places, now)
    volunteers = volunteers_to_match(network, places, now)
    started = time.perf_counter()
    result = engine.solve(needs, volunteers)
    duration_ms = round((time.perf_counter() - started) * 1000)
    with transaction.atomic():
        run = MatchRun.objects.create(
            network=network,
            started_by=by,
            kind=MatchRun.Kind.MANUAL if by is not None else MatchRun.Kind.AUTO,
            needs_count=len(needs),
            volunteers_count=len(volunteers),
            matched_count=len(result.assignment),
            objective=result.objective,
            duration_ms=duration_ms,
            unmatched={str(need_id): code for need_id, code in result.unmatched.items()},
        )
        Suggestion.objects.bulk_create(_suggestions(run, result), batch_size=BULK_BATCH)
    return run


def _suggestions(run: MatchRun, result: engine.Result) -> list[Suggestion]:
    """Rank 0 is the engine's pick; a need left unmatched has alternatives from rank 1."""
    rows = []
    for need_id, candidates in result.alternatives.items():
        first = 0 if need_id in result.assignment else 1
        rows += [
            Suggestion(
                run=run,
                need_id=need_id,
                volunteer_id=candidate.volunteer_id,
                rank=first + index,
                cost=candidate.cost,
                distance_km=candidate.distance_km,
                reasons=list(candidate.reasons),
            )
            for index, candidate in enumerate(candidates)
        ]
    return rows


def match_auto(*, now: datetime | None = None) -> list[MatchRun]:
    """Suggest matches in every network that asks for automatic runs and is due one.

    It only suggests: nothing is dispatched or assigned without a coordinator.
    """
    now = now or timezone.now()
    latest = MatchRun.objects.filter(network=OuterRef("pk")).order_by("-created_at", "-pk")
    networks = Network.objects.filter(auto_match_minutes__gt=0).annotate(
        last_run=Subquery(latest.values("created_at")[:1])
    )
    due = [
        network
        for network in networks
        if network.last_run is None  # type: ignore[attr-defined]
        or network.last_run <= now - timedelta(minutes=network.auto_match_minutes)  # type: ignore[attr-defined]
    ]
    return [match_suggest(network=network) for network in due]


# ---------------------------------------------------------------------------- dispatching


def match_dispatch(
    *, network: Network, by: User, pairs: Sequence[tuple[Need, User]]
) -> list[Dispatch]:
    """Ask each chosen volunteer to take on their need, all in one go or not at all.

    Every pair is checked again against the hard rules (engine.explain) and weekly limits,
    counting the other pairs sent with it; DispatchRefused says what is wrong with which.
    """
    if not is_coordinator(by, network.pk):
        raise DomainError(NOT_ALLOWED, code="forbidden", status=403)
    if not pairs:
        raise DomainError(NOTHING_CHOSEN, code="nothing_chosen")
    now = timezone.now()
    with transaction.atomic():
        refusals = _refusals(network, pairs, now)
        if refusals:
            raise DispatchRefused(refusals)
        dispatches = [_dispatch_one(network, need, volunteer, by, now) for need, volunteer in pairs]
        refusals = {
            need.pk: [reason]
            for (need, _volunteer), reason in zip(pairs, dispatches, strict=True)
            if not isinstance(reason, Dispatch)
        }
        if refusals:
            raise DispatchRefused(refusals)
        sent = [dispatch for dispatch in dispatches if isinstance(dispatch, Dispatch)]
        for dispatch in sent:
            _email_dispatched(dispatch, network)
    return sent


def _refusals(
    network: Network, pairs: Sequence[tuple[Need, User]], now: datetime
) -> dict[int, list[str | Promise]]:
    """What breaks a rule in each pair, read fresh from the database in a few queries."""
    places = places_for(network)
    need_ids = [need.pk for need, _volunteer in pairs]
    rows = Need.objects.filter(network=network, pk__in=need_ids).values(*NEED_FIELDS, "status")
    needs = {row["pk"]: row for row in rows}
    waiting = set(
        Dispatch.objects.filter(need_id__in=need_ids, status=Dispatch.Status.PENDING).values_list(
            "need_id", flat=True
        )
    )
    volunteers = {
        v.id: v
        for v in volunteers_to_match(
            network, places, now, only={volunteer.pk for _need, volunteer in pairs}
        )
    }
    counts = Counter(need_ids)
    refusals: dict[int, list[str | Promise]] = {}
    for need, volunteer in pairs:
        row, candidate = needs.get(need.pk), volunteers.get(volunteer.pk)
        problems: list[str | Promise] = []
        if counts[need.pk] > 1:
            problems.append(CHOSEN_TWICE)
        if row is None or row["status"] != Need.Status.OPEN:
            problems.append(NEED_NOT_OPEN)
        elif need.pk in waiting:
            problems.append(ALREADY_DISPATCHED)
        if candidate is None:
            problems.append(NOT_A_VOLUNTEER)
        elif row is not None:
            verdict = engine.explain(need_in(row, places, now), candidate)
            problems += [failure_label(code) for code in verdict.failures]
            # Each need sent to them in this batch uses up one more of their week.
            volunteers[volunteer.pk] = dataclasses.replace(
                candidate, capacity=candidate.capacity - 1, load=candidate.load + 1
            )
        if problems:
            refusals[need.pk] = problems
    return refusals


def _dispatch_one(
    network: Network, need: Need, volunteer: User, by: User, now: datetime
) -> Dispatch | Promise:
    """Send one need, or say why it can't go; a racing dispatch of the same need loses here."""
    # Touching the row re-checks it is open and, on PostgreSQL, queues a racing dispatcher.
    still_open = Need.objects.filter(pk=need.pk, status=Need.Status.OPEN).update(updated_at=now)
    if not still_open:
        return NEED_NOT_OPEN
    try:
        with transaction.atomic():
            dispatch = Dispatch.objects.create(
                network=network,
                need=need,
                volunteer=volunteer,
                dispatched_by=by,
                expires_at=now + timedelta(hours=network.dispatch_answer_hours),
            )
    except IntegrityError:  # another coordinator's dispatch of this need got there first
        return ALREADY_DISPATCHED
    audit_record(actor=by, verb="need.dispatched", target=need, data={"volunteer": volunteer.pk})
    return dispatch


def _email_dispatched(dispatch: Dispatch, network: Network) -> None:
    """Tell the volunteer, by their chosen channels, once the dispatch commits."""
    events.dispatch_asked(
        dispatch.need,
        volunteer=dispatch.volunteer,
        dispatch_id=dispatch.pk,
        until=dispatch.expires_at.isoformat(),
        path=reverse("matching:my_tasks", args=[network.slug]),
    )


# ---------------------------------------------------------------------------- answering


def dispatch_accept(*, dispatch: Dispatch, by: User) -> Dispatch:
    """The volunteer takes on the need sent to them: it becomes their claim.

    If the need was claimed or closed meanwhile, the dispatch is cancelled and they are told.
    """
    if dispatch.volunteer_id != by.pk:
        raise DomainError(NOT_ALLOWED, code="forbidden", status=403)
    now = timezone.now()
    with transaction.atomic():
        won = Dispatch.objects.filter(
            pk=dispatch.pk, status=Dispatch.Status.PENDING, expires_at__gt=now
        ).update(status=Dispatch.Status.ACCEPTED, answered_at=now, updated_at=now)
        if not won:
            raise DomainError(DISPATCH_NOT_PENDING, code="not_pending", status=409)
        need = Need.objects.select_related("network").get(pk=dispatch.need_id)
        try:
            need_services.need_claim(need=need, volunteer=by)
        except DomainError as error:
            failure = error
        else:
            dispatch.status, dispatch.answered_at = Dispatch.Status.ACCEPTED, now
            audit_record(
                actor=by, verb="need.dispatch_accepted", target=need, data={"volunteer": by.pk}
            )
            return dispatch
        Dispatch.objects.filter(pk=dispatch.pk).update(
            status=Dispatch.Status.CANCELLED, updated_at=now
        )
        audit_record(
            actor=by, verb="need.dispatch_cancelled", target=need, data={"volunteer": by.pk}
        )
    dispatch.status, dispatch.answered_at = Dispatch.Status.CANCELLED, now
    if failure.code == "not_open":
        raise DomainError(NEED_TAKEN_MEANWHILE, code="need_taken", status=409)
    raise failure


@transaction.atomic
def dispatch_decline(*, dispatch: Dispatch, by: User) -> Dispatch:
    """The volunteer can't take on the need sent to them; it goes back to the pool."""
    if dispatch.volunteer_id != by.pk:
        raise DomainError(NOT_ALLOWED, code="forbidden", status=403)
    now = timezone.now()
    won = Dispatch.objects.filter(pk=dispatch.pk, status=Dispatch.Status.PENDING).update(
        status=Dispatch.Status.DECLINED, answered_at=now, updated_at=now
    )
    if not won:
        raise DomainError(DISPATCH_NOT_PENDING, code="not_pending", status=409)
    dispatch.status, dispatch.answered_at = Dispatch.Status.DECLINED, now
    audit_record(
        actor=by, verb="need.dispatch_declined", target=dispatch.need, data={"volunteer": by.pk}
    )
    return dispatch


def dispatches_expire(*, now: datetime | None = None) -> int:
    """End dispatches nobody answered in time (their needs return to the pool), and those
    whose need was claimed or closed some other way; returns how many ended."""
    now = now or timezone.now()
    pending = Dispatch.objects.filter(status=Dispatch.Status.PENDING).select_related("need")
    late = list(pending.filter(expires_at__lte=now))
    moot = list(pending.filter(expires_at__gt=now).exclude(need__status=Need.Status.OPEN))
    ended = sum(_end(dispatch, Dispatch.Status.EXPIRED, now) for dispatch in late)
    return ended + sum(_end(dispatch, Dispatch.Status.CANCELLED, now) for dispatch in moot)


def _end(dispatch: Dispatch, status: str, now: datetime) -> bool:
    with transaction.atomic():
        won = Dispatch.objects.filter(pk=dispatch.pk, status=Dispatch.Status.PENDING).update(
            status=status, updated_at=now
        )
        if won:
            audit_record(
                actor=None,
                verb=f"need.dispatch_{status}",
                target=dispatch.need,
                data={"volunteer": dispatch.volunteer_id},
            )
    return bool(won)
