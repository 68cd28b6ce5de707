"""Writes for needs and claims: the ask → claim → deliver → close loop."""

from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from potluck.accounts.models import User
from potluck.core.audit import audit_record
from potluck.core.errors import DomainError
from potluck.needs.models import (
    Claim,
    ContactMethod,
    Match,
    MatchMessage,
    Need,
    NeedNote,
    Offer,
    Urgency,
    new_status_token,
)
from potluck.needs.permissions import (
    can_close_need,
    can_close_offer,
    can_deliver_need,
    can_enter_need_for_someone,
    can_note_need,
    can_release_need,
    can_respond_to_offer,
    can_see_contact,
    can_take_part_in_match,
)
from potluck.networks.models import Network
from potluck.networks.permissions import is_volunteer, role_in
from potluck.notifications import events
from potluck.volunteers.services import checkin_after_delivery

NOT_ALLOWED = _("You are not allowed to do that.")
NEED_NOT_OPEN = _("Someone else has already claimed this need, or it is no longer open.")
NEED_NOT_CLAIMED = _("This need is not claimed at the moment.")
NEED_FINISHED = _("This need is already finished.")
UNKNOWN_CATEGORY = _("This network does not use that category.")
UNKNOWN_LANGUAGE = _("Choose one of the languages offered.")
BAD_OUTCOME = _("Choose how the need ended.")
BAD_CHOICE = _("Choose one of the options offered.")
NOTHING_TO_CONFIRM = _("There is nothing to confirm yet: nobody has taken on this need.")

CLOSE_OUTCOMES = (
    Need.Status.CLOSED,
    Need.Status.NO_ANSWER,
    Need.Status.WITHDRAWN,
    Need.Status.DUPLICATE,
    Need.Status.REFERRED,
)


@transaction.atomic
def need_create(
    *,
    network: Network,
    category: str,
    description: str,
    area: str,
    urgency: str,
    contact_method: str,
    contact_value: str,
    language: str,
    contact_times: str = "",
    requester: User | None = None,
    entered_by: User | None = None,
    intake: str = "",
) -> tuple[Need, str]:
    """Record a request for help; returns the need and its requester's status token.
    `intake` says how it came ("sms"); by default "phone" when entered for someone, or "form"."""
    if category not in network.categories:
        raise DomainError(UNKNOWN_CATEGORY, code="unknown_category")
    if language not in network.languages:
        raise DomainError(UNKNOWN_LANGUAGE, code="unknown_language")
    if urgency not in Urgency.values or contact_method not in ContactMethod.values:
        raise DomainError(BAD_CHOICE, code="bad_choice")
    if entered_by is not None and not can_enter_need_for_someone(entered_by, network.pk):
        raise DomainError(NOT_ALLOWED, code="forbidden", status=403)
    token, token_hash = new_status_token()
    need = Need.objects.create(
        network=network,
        category=category,
        description=description.strip(),
        area=area.strip(),
        urgency=urgency,
        contact_method=contact_method,
        contact_value=contact_value.strip(),
        contact_times=contact_times.strip(),
        language=language,
        status_token_hash=token_hash,
        requester=requester,
        entered_by=entered_by,
    )
    audit_record(
        actor=entered_by or requester,
        verb="need.created",
        target=need,
        data={"intake": intake or ("phone" if entered_by else "form")},
    )
    events.need_created(need)
    return need, token


@transaction.atomic
def need_claim(*, need: Need, volunteer: User) -> Claim:
    """Claim an open need for the network's claim length; exactly one concurrent claimant wins."""
    if not is_volunteer(volunteer, need.network_id):
        raise DomainError(NOT_ALLOWED, code="forbidden", status=403)
    now = timezone.now()
    expires_at = now + timedelta(hours=need.network.claim_hours)
    won = Need.objects.filter(pk=need.pk, status=Need.Status.OPEN).update(
        status=Need.Status.CLAIMED, claimant=volunteer, claim_expires_at=expires_at, updated_at=now
    )
    if not won:
        raise DomainError(NEED_NOT_OPEN, code="not_open", status=409)
    need.status, need.claimant, need.claim_expires_at = Need.Status.CLAIMED, volunteer, expires_at
    claim = Claim.objects.create(need=need, volunteer=volunteer, expires_at=expires_at)
    audit_record(actor=volunteer, verb="need.claimed", target=need)
    events.need_claimed(need, claim_id=claim.pk)
    return claim


def _end_claim(need: Need, outcome: str, now: datetime) -> int | None:
    """End the need's active claim; returns its id (None if there was none)."""
    active = Claim.objects.filter(need=need, outcome=Claim.Outcome.ACTIVE)
    claim_id = active.values_list("pk", flat=True).first()
    active.update(outcome=outcome, ended_at=now, updated_at=now)
    return claim_id


def _reopen(
    need: Need, *, expected_claimant_id: int | None, now: datetime, expired_only: bool = False
) -> bool:
    """Put a claimed need back in the queue, if it is still claimed by the same person."""
    still_claimed = Need.objects.filter(
        pk=need.pk, status=Need.Status.CLAIMED, claimant_id=expected_claimant_id
    )
    if expired_only:
        # The need may have been released and claimed again since we looked.
        still_claimed = still_claimed.filter(claim_expires_at__lt=now)
    return bool(
        still_claimed.update(
            status=Need.Status.OPEN, claimant=None, claim_expires_at=None, updated_at=now
        )
    )


@transaction.atomic
def need_release(*, need: Need, by: User, reason: str = "") -> Need:
    """Give a claimed need back to the queue."""
    if need.status != Need.Status.CLAIMED:
        raise DomainError(NEED_NOT_CLAIMED, code="not_claimed", status=409)
    if not can_release_need(by, need):
        raise DomainError(NOT_ALLOWED, code="forbidden", status=403)
    now = timezone.now()
    if not _reopen(need, expected_claimant_id=need.claimant_id, now=now):
        raise DomainError(NEED_NOT_CLAIMED, code="not_claimed", status=409)
    claim_id = _end_claim(need, Claim.Outcome.RELEASED, now)
    need.status, need.claimant, need.claim_expires_at = Need.Status.OPEN, None, None
    if reason.strip():
        NeedNote.objects.create(need=need, author=by, kind=NeedNote.Kind.NOTE, body=reason.strip())
    audit_record(actor=by, verb="need.released", target=need)
    events.need_reopened(need, claim_id=claim_id)
    return need


@transaction.atomic
def need_mark_delivered(*, need: Need, by: User) -> Need:
    """The claimant (or a coordinator) says help has been delivered."""
    if need.status != Need.Status.CLAIMED:
        raise DomainError(NEED_NOT_CLAIMED, code="not_claimed", status=409)
    if not can_deliver_need(by, need):
        raise DomainError(NOT_ALLOWED, code="forbidden", status=403)
    now = timezone.now()
    # A stale copy must not deliver a need that was released and claimed by someone else.
    won = Need.objects.filter(
        pk=need.pk, status=Need.Status.CLAIMED, claimant_id=need.claimant_id
    ).update(status=Need.Status.DELIVERED, delivered_at=now, updated_at=now)
    if not won:
        raise DomainError(NEED_NOT_CLAIMED, code="not_claimed", status=409)
    _end_claim(need, Claim.Outcome.DELIVERED, now)
    need.status, need.delivered_at = Need.Status.DELIVERED, now
    audit_record(actor=by, verb="need.delivered", target=need)
    events.need_delivered(need)
    if need.claimant_id is not None:
        # After commit, and robust: asking how the volunteer is must never undo a delivery.
        ask = partial(
            checkin_after_delivery, network_id=need.network_id, volunteer_id=need.claimant_id
        )
        transaction.on_commit(ask, robust=True)
    return need


def _finish(need: Need, *, outcome: str, actor: User | None, verb: str) -> Need:
    now = timezone.now()
    won = Need.objects.filter(pk=need.pk, status__in=Need.ACTIVE_STATUSES).update(
        status=outcome, closed_at=now, claim_expires_at=None, updated_at=now
    )
    if not won:
        raise DomainError(NEED_FINISHED, code="finished", status=409)
    _end_claim(need, Claim.Outcome.CLOSED, now)
    need.status, need.closed_at = outcome, now
    audit_record(actor=actor, verb=verb, target=need, data={"outcome": outcome})
    events.need_finished(need, by_requester=actor is None)
    return need


@transaction.atomic
def need_close(*, need: Need, by: User, outcome: str = Need.Status.CLOSED) -> Need:
    """End a need: met, or no answer, withdrawn, a duplicate, referred elsewhere."""
    if outcome not in CLOSE_OUTCOMES:
        raise DomainError(BAD_OUTCOME, code="bad_outcome")
    if need.is_final:
        raise DomainError(NEED_FINISHED, code="finished", status=409)
    if not can_close_need(by, need):
        raise DomainError(NOT_ALLOWED, code="forbidden", status=403)
    return _finish(need, outcome=outcome, actor=by, verb="need.closed")


@transaction.atomic
def need_confirm_by_requester(*, need: Need) -> Need:
    """The person who asked confirms help arrived, from their status link."""
    if need.status == Need.Status.OPEN:
        raise DomainError(NOTHING_TO_CONFIRM, code="nothing_to_confirm", status=409)
    return _finish(need, outcome=Need.Status.CLOSED, actor=None, verb="need.confirmed")


@transaction.atomic
def need_withdraw_by_requester(*, need: Need) -> Need:
    """The person who asked no longer needs help."""
    return _finish(need, outcome=Need.Status.WITHDRAWN, actor=None, verb="need.withdrawn")


@transaction.atomic
def need_add_requester_message(*, need: Need, body: str) -> NeedNote:
    """A message from the person who asked, seen by the claimant and coordinators."""
    if need.is_final:
        raise DomainError(NEED_FINISHED, code="finished", status=409)
    note = NeedNote.objects.create(need=need, kind=NeedNote.Kind.REQUESTER, body=body.strip())
    audit_record(actor=None, verb="need.requester_message", target=need)
    return note


@transaction.atomic
def need_add_note(*, need: Need, author: User, body: str) -> NeedNote:
    """A note from the claimant or a coordinator, e.g. "left a voicemail"."""
    if not can_note_need(author, need):
        raise DomainError(NOT_ALLOWED, code="forbidden", status=403)
    note = NeedNote.objects.create(
        need=need, author=author, kind=NeedNote.Kind.NOTE, body=body.strip()
    )
    audit_record(actor=author, verb="need.noted", target=need)
    return note


def need_set_language(*, need: Need, language: str) -> Need:
    """The requester picks the language of their status page and messages."""
    if language not in need.network.languages and language not in dict(settings.LANGUAGES):
        raise DomainError(UNKNOWN_LANGUAGE, code="unknown_language")
    need.language = language
    need.save(update_fields=["language", "updated_at"])
    return need


@transaction.atomic
def need_reveal_contact(*, need: Need, by: User) -> dict[str, Any]:
    """Show contact details to someone allowed to see them, and log that they looked."""
    if not can_see_contact(by, need):
        raise DomainError(NOT_ALLOWED, code="forbidden", status=403)
    audit_record(actor=by, verb="need.contact_revealed", target=need)
    return {
        "method": need.contact_method,
        "method_label": need.get_contact_method_display(),
        "value": need.contact_value,
        "times": need.contact_times,
    }


def claims_expire(*, now: datetime | None = None) -> int:
    """Return needs whose claim ran out to the queue, each with a note; returns how many."""
    now = now or timezone.now()
    expired = Need.objects.filter(status=Need.Status.CLAIMED, claim_expires_at__lt=now)
    count = 0
    # Read every candidate first: on SQLite, writing while a chunked .iterator() still holds
    # its read open (past 2000 rows) fails with "database is locked" once others write too.
    for need in list(expired.select_related("network", "claimant")):
        with transaction.atomic():
            if not _reopen(need, expected_claimant_id=need.claimant_id, now=now, expired_only=True):
                continue
            claim_id = _end_claim(need, Claim.Outcome.EXPIRED, now)
            NeedNote.objects.create(
                need=need, kind=NeedNote.Kind.SYSTEM, body=NeedNote.CLAIM_EXPIRED
            )
            audit_record(
                actor=None,
                verb="need.claim_expired",
                target=need,
                data={"volunteer": need.claimant_id},
            )
            events.need_reopened(need, claim_id=claim_id)
            count += 1
    return count


OFFER_CLOSED = _("This offer is no longer open.")
ALREADY_RESPONDED = _("You have already answered this offer; continue in your conversation.")
MATCH_CLOSED = _("This conversation has ended.")


@transaction.atomic
def offer_create(
    *, network: Network, author: User, kind: str, title: str, description: str = "", area: str = ""
) -> Offer:
    """A member offers something to the network."""
    if role_in(author, network.pk) is None:
        raise DomainError(NOT_ALLOWED, code="forbidden", status=403)
    if kind not in Offer.Kind.values:
        raise DomainError(BAD_CHOICE, code="bad_choice")
    offer = Offer.objects.create(
        network=network,
        author=author,
        kind=kind,
        title=title.strip(),
        description=description.strip(),
        area=area.strip(),
    )
    audit_record(actor=author, verb="offer.created", target=offer)
    return offer


@transaction.atomic
def offer_close(*, offer: Offer, by: User) -> Offer:
    """Take an offer off the board."""
    if offer.status != Offer.Status.OPEN:
        raise DomainError(OFFER_CLOSED, code="offer_closed", status=409)
    if not can_close_offer(by, offer):
        raise DomainError(NOT_ALLOWED, code="forbidden", status=403)
    won = Offer.objects.filter(pk=offer.pk, status=Offer.Status.OPEN).update(
        status=Offer.Status.CLOSED, updated_at=timezone.now()
    )
    if not won:
        raise DomainError(OFFER_CLOSED, code="offer_closed", status=409)
    offer.status = Offer.Status.CLOSED
    audit_record(actor=by, verb="offer.closed", target=offer)
    return offer


@transaction.atomic
def offer_respond(*, offer: Offer, responder: User, message: str) -> Match:
    """Answer an offer, which opens a private conversation with the person offering."""
    if offer.status != Offer.Status.OPEN:
        raise DomainError(OFFER_CLOSED, code="offer_closed", status=409)
    if not can_respond_to_offer(responder, offer):
        raise DomainError(NOT_ALLOWED, code="forbidden", status=403)
    # Touching the row re-checks it is open and, on PostgreSQL, holds it against a racing close.
    still_open = Offer.objects.filter(pk=offer.pk, status=Offer.Status.OPEN).update(
        updated_at=timezone.now()
    )
    if not still_open:
        raise DomainError(OFFER_CLOSED, code="offer_closed", status=409)
    try:
        with transaction.atomic():
            match = Match.objects.create(
                offer=offer, network_id=offer.network_id, responder=responder
            )
    except IntegrityError as error:
        raise DomainError(ALREADY_RESPONDED, code="already_responded", status=409) from error
    MatchMessage.objects.create(match=match, author=responder, body=message.strip())
    audit_record(actor=responder, verb="offer.responded", target=offer, data={"match": match.pk})
    return match


@transaction.atomic
def match_message_add(*, match: Match, author: User, body: str) -> MatchMessage:
    """Write in an offer conversation."""
    if not can_take_part_in_match(author, match):
        raise DomainError(NOT_ALLOWED, code="forbidden", status=403)
    if match.status != Match.Status.OPEN:
        raise DomainError(MATCH_CLOSED, code="match_closed", status=409)
    return MatchMessage.objects.create(match=match, author=author, body=body.strip())


@transaction.atomic
def match_close(*, match: Match, by: User) -> Match:
    """Either side ends the conversation."""
    if not can_take_part_in_match(by, match):
        raise DomainError(NOT_ALLOWED, code="forbidden", status=403)
    won = Match.objects.filter(pk=match.pk, status=Match.Status.OPEN).update(
        status=Match.Status.CLOSED, updated_at=timezone.now()
    )
    if not won:
        raise DomainError(MATCH_CLOSED, code="match_closed", status=409)
    match.status = Match.Status.CLOSED
    audit_record(actor=by, verb="match.closed", target=match)
    return match
