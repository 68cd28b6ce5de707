"""Writes for follow-through: reminding volunteers before a claim runs out, and asking the
person who asked whether they still need help. Both run from `potluck follow_up` (cron) or
the `follow_up` task, and are safe to run twice at once: each row is marked by a conditional
update, and only the run that marked it sends anything.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from potluck.core.audit import audit_record
from potluck.core.errors import DomainError
from potluck.core.models import AuditEvent
from potluck.needs.models import Claim, Need, NeedNote
from potluck.networks.models import Network
from potluck.notifications import events

# System notes (NeedNote.body holds the code; potluck.matching.apps registers their texts).
STILL_NEEDED_ASKED = "still_needed_asked"
STILL_NEEDED_YES = "still_needed_yes"
STILL_NEEDED_TEXTS = {
    STILL_NEEDED_ASKED: _(
        "Potluck asked the person who asked whether they still need help. They can answer on "
        "their status page."
    ),
    STILL_NEEDED_YES: _("The person who asked says they still need help."),
}
STILL_NEEDED_CONFIRMED = "need.still_needed_confirmed"

REMINDER_SUBJECT = _("Your claim runs out soon")
STILL_NEEDED_SUBJECT = _("Do you still need help?")
NOT_OPEN = _("This request is not waiting for a volunteer, so there is nothing to confirm.")


def _per_setting(field: str) -> Iterator[int]:
    """Each value networks use for a follow-through setting (0 means off)."""
    values = Network.objects.filter(**{f"{field}__gt": 0}).order_by()
    yield from values.values_list(field, flat=True).distinct()


# ---------------------------------------------------------------------------- claims


def claims_remind(*, now: datetime | None = None) -> int:
    """Remind each volunteer whose claim runs out within their network's reminder window, by
    their chosen channels, once per claim; returns how many claims were reminded."""
    now = now or timezone.now()
    count = 0
    for hours in _per_setting("claim_reminder_hours"):
        due = Claim.objects.filter(
            outcome=Claim.Outcome.ACTIVE,
            reminded_at__isnull=True,
            expires_at__gt=now,
            expires_at__lte=now + timedelta(hours=hours),
            need__status=Need.Status.CLAIMED,
            need__network__claim_reminder_hours=hours,
        ).select_related("need__network", "volunteer")
        count += sum(_remind(claim, now) for claim in list(due))
    return count


def _remind(claim: Claim, now: datetime) -> bool:
    with transaction.atomic():
        won = Claim.objects.filter(
            pk=claim.pk, reminded_at__isnull=True, outcome=Claim.Outcome.ACTIVE
        ).update(reminded_at=now)
        if won and claim.volunteer is not None:
            events.claim_reminder(
                claim.need,
                volunteer=claim.volunteer,
                claim_id=claim.pk,
                until=claim.expires_at.isoformat(),
            )
    return bool(won)


# ---------------------------------------------------------------------------- "still needed?"


def needs_ask_still_needed(*, now: datetime | None = None) -> int:
    """Ask, once, about each need open for longer than its network's still_needed_days: a
    note the person who asked sees on their status page, and an email if they gave one."""
    now = now or timezone.now()
    count = 0
    for days in _per_setting("still_needed_days"):
        due = Need.objects.filter(
            status=Need.Status.OPEN,
            still_needed_asked_at__isnull=True,
            created_at__lt=now - timedelta(days=days),
            network__still_needed_days=days,
        ).select_related("network")
        count += sum(_ask(need, now) for need in list(due))
    return count


def _ask(need: Need, now: datetime) -> bool:
    with transaction.atomic():
        won = Need.objects.filter(
            pk=need.pk, status=Need.Status.OPEN, still_needed_asked_at__isnull=True
        ).update(still_needed_asked_at=now)
        if not won:
            return False
        NeedNote.objects.create(need=need, kind=NeedNote.Kind.SYSTEM, body=STILL_NEEDED_ASKED)
        audit_record(actor=None, verb="need.still_needed_asked", target=need)
        events.need_ask_still_needed(need)
    return True


def still_needed_answered(*, need: Need) -> bool:
    """Whether the person who asked has said they still need help since they were asked."""
    answers = AuditEvent.objects.for_object(need).filter(verb=STILL_NEEDED_CONFIRMED)
    if need.still_needed_asked_at is not None:
        answers = answers.filter(created_at__gte=need.still_needed_asked_at)
    return answers.exists()


@transaction.atomic
def need_confirm_still_needed(*, need: Need) -> Need:
    """The person who asked says, from their status link, that they still need help."""
    # Touching the row re-checks it is open and, on PostgreSQL, queues a double click.
    still_open = Need.objects.filter(pk=need.pk, status=Need.Status.OPEN).update(
        updated_at=timezone.now()
    )
    if not still_open:
        raise DomainError(NOT_OPEN, code="not_open", status=409)
    if still_needed_answered(need=need):
        return need  # a second click says nothing new
    NeedNote.objects.create(need=need, kind=NeedNote.Kind.SYSTEM, body=STILL_NEEDED_YES)
    audit_record(actor=None, verb=STILL_NEEDED_CONFIRMED, target=need)
    return need
