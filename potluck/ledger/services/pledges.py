"""Direct aid: a donor pays the person behind a money need themselves; both sides confirm."""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from potluck.core.audit import audit_record
from potluck.core.errors import DomainError
from potluck.ledger.accounts import DIRECT_AID, DIRECT_AID_DONORS
from potluck.ledger.models import LedgerTransaction, Pledge
from potluck.ledger.permissions import can_confirm_pledge_for_recipient, can_pledge
from potluck.ledger.services.books import require_amount, system_account, transaction_post
from potluck.ledger.services.funds import policy_for
from potluck.needs.models import Need

CANT_PLEDGE = _("You can pledge only to an open money need in your network.")
NOT_PLEDGED = _("This pledge is no longer waiting to be confirmed.")
NOT_YOUR_PLEDGE = _("Only the donor who pledged can do that.")
NOT_FOR_YOU = _("Only a coordinator other than the donor can confirm on the person's behalf.")


@transaction.atomic
def pledge_make(*, need: Need, donor: Any, amount: int) -> Pledge:
    """Promise to pay the need's person `amount` directly; it waits `pledge_days` for both
    sides to confirm."""
    if not can_pledge(donor, need):
        raise DomainError(CANT_PLEDGE, code="cant_pledge", status=403)
    require_amount(amount)
    days = policy_for(need.network).pledge_days
    pledge = Pledge.objects.create(
        network=need.network,
        need=need,
        donor=donor,
        amount=amount,
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_record(actor=donor, verb="pledge.made", target=pledge, data={"amount": amount})
    return pledge


@transaction.atomic
def pledge_handle_give(*, pledge: Pledge, payout_handle: str) -> Pledge:
    """The person (on their status page) says how they'd like to be paid."""
    if not Pledge.objects.filter(pk=pledge.pk, status=Pledge.Status.PLEDGED).update(
        payout_handle=payout_handle.strip(), updated_at=timezone.now()
    ):
        raise DomainError(NOT_PLEDGED, code="not_pledged", status=409)
    pledge.refresh_from_db()
    audit_record(actor=None, verb="pledge.handle_given", target=pledge)
    return pledge


@transaction.atomic
def pledge_confirm_paid(*, pledge: Pledge, donor: Any) -> Pledge:
    """The donor says they paid."""
    if pledge.donor_id != donor.pk:
        raise DomainError(NOT_YOUR_PLEDGE, code="not_your_pledge", status=403)
    return _confirm(pledge, field="donor_confirmed_at", actor=donor, verb="pledge.paid")


@transaction.atomic
def pledge_confirm_received(*, pledge: Pledge, actor: Any = None) -> Pledge:
    """The person says the money arrived: on their status page (no account: `actor` None),
    or a coordinator on their behalf."""
    on_behalf = actor is not None and actor.is_authenticated
    # A donor who coordinates still can't confirm both sides of their own pledge.
    if on_behalf and (
        actor.pk == pledge.donor_id or not can_confirm_pledge_for_recipient(actor, pledge)
    ):
        raise DomainError(NOT_FOR_YOU, code="not_for_you", status=403)
    return _confirm(pledge, field="recipient_confirmed_at", actor=actor, verb="pledge.received")


def _confirm(pledge: Pledge, *, field: str, actor: Any, verb: str) -> Pledge:
    now = timezone.now()
    waiting = Q(pk=pledge.pk, status=Pledge.Status.PLEDGED, expires_at__gt=now)
    if not Pledge.objects.filter(waiting, **{f"{field}__isnull": True}).update(
        **{field: now, "updated_at": now}
    ):
        raise DomainError(NOT_PLEDGED, code="not_pledged", status=409)
    pledge.refresh_from_db()
    audit_record(actor=actor, verb=verb, target=pledge)
    if pledge.donor_confirmed_at and pledge.recipient_confirmed_at:
        _record(pledge, actor)
    return pledge


def _record(pledge: Pledge, actor: Any) -> None:
    """Both sides confirmed: the ledger shows money given directly, outside every fund."""
    if not Pledge.objects.filter(pk=pledge.pk, status=Pledge.Status.PLEDGED).update(
        status=Pledge.Status.CONFIRMED, updated_at=timezone.now()
    ):
        return  # the other side's confirmation recorded it a moment ago
    network = pledge.network
    txn = transaction_post(
        network=network,
        kind=LedgerTransaction.Kind.DIRECT_AID,
        lines=[
            (system_account(network, DIRECT_AID), pledge.amount),
            (system_account(network, DIRECT_AID_DONORS), -pledge.amount),
        ],
        category=pledge.need.category,
        memo=f"pledge {pledge.pk}",
        actor=actor,
    )
    Pledge.objects.filter(pk=pledge.pk).update(transaction=txn)
    pledge.refresh_from_db()
    audit_record(actor=actor, verb="pledge.confirmed", target=pledge, data={"transaction": txn.pk})


@transaction.atomic
def pledge_cancel(*, pledge: Pledge, donor: Any) -> Pledge:
    if pledge.donor_id != donor.pk:
        raise DomainError(NOT_YOUR_PLEDGE, code="not_your_pledge", status=403)
    if not Pledge.objects.filter(pk=pledge.pk, status=Pledge.Status.PLEDGED).update(
        status=Pledge.Status.CANCELLED, updated_at=timezone.now()
    ):
        raise DomainError(NOT_PLEDGED, code="not_pledged", status=409)
    pledge.status = Pledge.Status.CANCELLED
    audit_record(actor=donor, verb="pledge.cancelled", target=pledge)
    return pledge


def pledges_expire(*, now: datetime | None = None) -> int:
    """Pledges nobody finished confirming in time run out; each is logged."""
    now = now or timezone.now()
    expired = 0
    due = Pledge.objects.filter(status=Pledge.Status.PLEDGED, expires_at__lte=now)
    for pledge in due.select_related("network").iterator():
        with transaction.atomic():
            if Pledge.objects.filter(pk=pledge.pk, status=Pledge.Status.PLEDGED).update(
                status=Pledge.Status.EXPIRED, updated_at=now
            ):
                pledge.status = Pledge.Status.EXPIRED
                audit_record(actor=None, verb="pledge.expired", target=pledge)
                expired += 1
    return expired
