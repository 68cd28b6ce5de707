"""Reads for needs and offers, and the access helpers that answer 404 for hidden objects."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from potluck.core.models import AuditEvent
from potluck.needs.models import (
    NEED_EVENT_LABELS,
    Match,
    Need,
    NeedNote,
    Offer,
    hash_status_token,
)
from potluck.needs.permissions import can_take_part_in_match
from potluck.networks.models import Network

STALE_AFTER = timedelta(days=3)
NEW_WITHIN = timedelta(days=1)
EXPIRING_WITHIN = timedelta(hours=12)


def access_need(*, user: Any, network: Network, need_id: int) -> Need:
    """The need if `user` may see it; otherwise 404."""
    return get_object_or_404(
        Need.objects.visible_to(user).select_related("network", "claimant"),
        network=network,
        pk=need_id,
    )


def access_need_by_token(*, token: str) -> Need:
    """The need behind a requester's private status link; otherwise 404."""
    if not token or len(token) > 64:
        raise Http404
    return get_object_or_404(
        Need.objects.select_related("network"), status_token_hash=hash_status_token(token)
    )


def access_offer(*, user: Any, network: Network, offer_id: int) -> Offer:
    return get_object_or_404(
        Offer.objects.visible_to(user).select_related("network", "author"),
        network=network,
        pk=offer_id,
    )


def access_match(*, user: Any, network: Network, match_id: int) -> Match:
    """A conversation only its two people can open; otherwise 404."""
    match = get_object_or_404(
        Match.objects.select_related("offer__author", "responder", "network"),
        network=network,
        pk=match_id,
    )
    if not can_take_part_in_match(user, match):
        raise Http404
    return match


# What a list of needs leaves out: how to reach the person who asked.
CONTACT_FIELDS = ("contact_value", "contact_times")


def by_priority(needs: QuerySet[Need]) -> QuerySet[Need]:
    """Most urgent first, then longest waiting: the order of every list of needs.

    The order is total (it ends on the primary key) and matches the needs' board indexes, so
    keyset pagination can follow it and a page reads only the rows it shows.
    """
    return needs.order_by("urgency_rank", "created_at", "pk")


@dataclass(frozen=True)
class BoardFilters:
    category: str = ""
    area: str = ""
    urgency: str = ""
    language: str = ""
    status: str = "open"


def need_list_for_board(*, network: Network, filters: BoardFilters) -> QuerySet[Need]:
    """The network's needs, most urgent and longest waiting first. Lists never show how to
    reach the person, so their contact details are neither read nor decrypted."""
    needs = Need.objects.filter(network=network).defer(*CONTACT_FIELDS)
    if filters.status == "active":
        needs = needs.active()
    elif filters.status:
        needs = needs.filter(status=filters.status)
    for field in ("category", "urgency", "language"):
        if value := getattr(filters, field):
            needs = needs.filter(**{field: value})
    if filters.area:
        needs = needs.filter(area__icontains=filters.area)
    return by_priority(needs)


def offer_list_for_board(*, network: Network, kind: str = "", area: str = "") -> QuerySet[Offer]:
    """The network's open offers, newest first (walking offer_board_key_idx)."""
    offers = (
        Offer.objects.filter(network=network)
        .open()
        .select_related("author")
        .order_by("-created_at", "-pk")
    )
    if kind:
        offers = offers.filter(kind=kind)
    if area:
        offers = offers.filter(area__icontains=area)
    return offers


@dataclass(frozen=True)
class TriageQueue:
    """The four lists of the triage page, each unevaluated so that it can be paged."""

    new: QuerySet[Need]
    stale: QuerySet[Need]
    expiring: QuerySet[Need]
    delivered: QuerySet[Need]


def need_list_for_triage(*, network: Network) -> TriageQueue:
    """What a coordinator should look at: new asks, needs waiting too long, claims running out.
    Open needs come most urgent first, then longest waiting; each list ends on the primary key
    and walks an index of needs (see Need.Meta.indexes)."""
    now = timezone.now()
    needs = Need.objects.filter(network=network)
    return TriageQueue(
        new=by_priority(needs.open().filter(created_at__gte=now - NEW_WITHIN)),
        stale=by_priority(needs.open().filter(created_at__lt=now - STALE_AFTER)),
        expiring=needs.filter(
            status=Need.Status.CLAIMED, claim_expires_at__lt=now + EXPIRING_WITHIN
        ).order_by("claim_expires_at", "pk"),
        # need_mark_delivered is the only way in, and it always sets delivered_at.
        delivered=needs.filter(status=Need.Status.DELIVERED).order_by("delivered_at", "pk"),
    )


def need_list_for_volunteer(*, user: Any, network: Network) -> QuerySet[Need]:
    """A volunteer's current claims and delivered needs awaiting closing, the claim that runs
    out first at the top (a delivered need without a claim end counts from its delivery)."""
    return (
        Need.objects.filter(
            network=network,
            claimant=user,
            status__in=(Need.Status.CLAIMED, Need.Status.DELIVERED),
        )
        .annotate(until=Coalesce("claim_expires_at", "delivered_at", "created_at"))
        .order_by("until", "pk")
    )


def need_notes(*, need: Need) -> QuerySet[NeedNote]:
    return need.notes.select_related("author")


def need_history(*, need: Need) -> list[AuditEvent]:
    """The need's audit trail, each event with a readable `label`."""
    events = list(AuditEvent.objects.for_object(need).select_related("actor"))
    for event in events:
        event.label = NEED_EVENT_LABELS.get(event.verb, event.verb)  # type: ignore[attr-defined]
    return events


def match_list_for_user(*, user: Any, network: Network) -> QuerySet[Match]:
    return (
        Match.objects.filter(network=network, status=Match.Status.OPEN)
        .filter(Q(responder=user) | Q(offer__author=user))
        .select_related("offer", "responder", "offer__author", "network")
    )
