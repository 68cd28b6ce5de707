"""Money out: requests, approvals (two treasurers above the threshold), payment, refusal, reversal.

Every step is a compare-and-set on the request's status (and its approval count), so two
treasurers acting at once can't both win; paying moves the fund with a conditional update, so
racing payments never take it below zero.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from potluck.core.audit import audit_record
from potluck.core.errors import DomainError
from potluck.ledger.accounts import AID, REIMBURSEMENTS
from potluck.ledger.models import Account, Approval, Disbursement, LedgerTransaction, Receipt
from potluck.ledger.permissions import (
    can_manage_money,
    can_request_for_need,
    can_request_money,
    can_request_reimbursement,
    is_party_to,
)
from potluck.ledger.receipts import CleanReceipt
from potluck.ledger.services.books import (
    require_amount,
    system_account,
    transaction_post,
    transaction_reverse,
)
from potluck.ledger.services.funds import check_fund, policy_for
from potluck.ledger.units import format_amount
from potluck.needs.models import Need
from potluck.networks.models import Network

NOT_A_MEMBER = _("Only members of this network can ask for money here.")
NOT_A_VOLUNTEER = _("Only volunteers can ask to be paid back.")
NOT_FOR_THIS_NEED = _(
    "Only the volunteer helping with this need, or a coordinator, can ask for it."
)
UNKNOWN_CATEGORY = _("Choose one of this network's categories.")
OVER_REQUEST_LIMIT = _("This network gives at most %(limit)s at a time.")
OVER_MONTH_LIMIT = _(
    "This network gives at most %(limit)s per person each month; %(left)s is left this month."
)
RECEIPT_NEEDED = _("Add a photo or PDF of the receipt.")
OWN_REQUEST = _("You can't approve or pay money you asked for or would receive.")
ALREADY_APPROVED_BY_YOU = _("You have already approved this; another treasurer must too.")
NOT_WAITING = _("This request is no longer waiting for approval.")
NOT_APPROVED = _("This request isn't approved, so it can't be paid.")
NOT_PAID = _("Only a paid request can be reversed.")
CANT_CANCEL = _("Only a request still waiting for approval can be cancelled.")
NOT_YOURS = _("Only the person who asked can cancel this request.")
NOT_A_TREASURER = _("Only the network's treasurers can do that.")

# Concurrent approvals of a two-approval request: a loser tries again this many times.
APPROVE_ATTEMPTS = 3


# ---------------------------------------------------------------------------- asking


@transaction.atomic
def disbursement_request(
    *,
    network: Network,
    requested_by: Any,
    amount: int,
    category: str,
    payout_method: str,
    payout_handle: str = "",
    purpose: str = "",
    fund: Account | None = None,
    need: Need | None = None,
    kind: str = Disbursement.Kind.AID,
    receipt: CleanReceipt | None = None,
) -> Disbursement:
    """Ask the treasurers for money: for oneself, for a need's person, or paying back a
    volunteer (with a receipt). Limits are the network's policy; nobody is asked to qualify."""
    _check_asker(network, requested_by, kind=kind, need=need)
    if category not in network.categories:
        raise DomainError(UNKNOWN_CATEGORY, code="unknown_category")
    require_amount(amount)
    fund = check_fund(network, fund or network.accounts.get(is_general=True))
    if kind == Disbursement.Kind.REIMBURSEMENT and receipt is None:
        raise DomainError(RECEIPT_NEEDED, code="receipt_needed")
    recipient = None if need is not None else requested_by
    policy = policy_for(network)
    _check_limits(network, amount=amount, recipient=recipient, need=need, policy=policy, kind=kind)
    disbursement = Disbursement.objects.create(
        network=network,
        kind=kind,
        fund=fund,
        amount=amount,
        category=category,
        purpose=purpose.strip(),
        requested_by=requested_by,
        recipient=recipient,
        need=need,
        payout_method=payout_method,
        payout_handle=payout_handle.strip(),
        approvals_needed=2 if amount > policy.second_approval_above else 1,
    )
    if receipt is not None:
        Receipt.objects.create(
            disbursement=disbursement,
            content_type=receipt.content_type,
            size=len(receipt.data),
            data=receipt.encoded(),
        )
    audit_record(
        actor=requested_by,
        verb="disbursement.requested",
        target=disbursement,
        data={"amount": amount, "kind": kind, "approvals_needed": disbursement.approvals_needed},
    )
    return disbursement


def _check_asker(network: Network, user: Any, *, kind: str, need: Need | None) -> None:
    if need is not None:
        if need.network_id != network.pk or not can_request_for_need(user, need):
            raise DomainError(NOT_FOR_THIS_NEED, code="not_for_this_need", status=403)
    elif kind == Disbursement.Kind.REIMBURSEMENT:
        if not can_request_reimbursement(user, network.pk):
            raise DomainError(NOT_A_VOLUNTEER, code="not_a_volunteer", status=403)
    elif not can_request_money(user, network.pk):
        raise DomainError(NOT_A_MEMBER, code="not_a_member", status=403)


def _check_limits(
    network: Network, *, amount: int, recipient: Any, need: Need | None, policy: Any, kind: str
) -> None:
    unit = policy.currency
    if policy.max_per_request and amount > policy.max_per_request:
        limit = format_amount(policy.max_per_request, unit)
        raise DomainError(OVER_REQUEST_LIMIT % {"limit": limit}, code="over_request_limit")
    # The monthly limit is on aid; paying a volunteer back is not aid to them (_month_total).
    if not policy.max_per_person_month or kind != Disbursement.Kind.AID:
        return
    statuses: list[str] = [Disbursement.Status.REQUESTED, Disbursement.Status.APPROVED]
    used = _month_total(network, recipient=recipient, need=need, statuses=statuses)
    if used + amount > policy.max_per_person_month:
        _refuse_over_month(policy, used)


def _month_total(
    network: Network, *, recipient: Any, need: Need | None, statuses: Sequence[str]
) -> int:
    """What the person has asked for or received this calendar month, in smallest units.

    Aid only: paying a volunteer back for groceries they bought is not aid to them.
    """
    start = _month_start(timezone.now())
    rows = Disbursement.objects.filter(network=network, kind=Disbursement.Kind.AID)
    rows = rows.filter(recipient=recipient) if recipient is not None else rows.filter(need=need)
    asked = rows.filter(status__in=statuses, created_at__gte=start)
    paid = rows.filter(status=Disbursement.Status.PAID, paid_at__gte=start)
    total = 0
    for part in (asked, paid):
        total += part.aggregate(total=Sum("amount"))["total"] or 0
    return total


def _month_start(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _refuse_over_month(policy: Any, used: int) -> None:
    left = max(policy.max_per_person_month - used, 0)
    raise DomainError(
        OVER_MONTH_LIMIT
        % {
            "limit": format_amount(policy.max_per_person_month, policy.currency),
            "left": format_amount(left, policy.currency),
        },
        code="over_month_limit",
    )


@transaction.atomic
def disbursement_cancel(*, disbursement: Disbursement, user: Any) -> Disbursement:
    """The person who asked takes it back while it still waits for approval."""
    if disbursement.requested_by_id != user.pk:
        raise DomainError(NOT_YOURS, code="not_yours", status=403)
    _move(disbursement, Disbursement.Status.REQUESTED, Disbursement.Status.CANCELLED, CANT_CANCEL)
    audit_record(actor=user, verb="disbursement.cancelled", target=disbursement)
    return disbursement


# ---------------------------------------------------------------------------- deciding


def _require_decider(user: Any, disbursement: Disbursement) -> None:
    if not can_manage_money(user, disbursement.network_id):
        raise DomainError(NOT_A_TREASURER, code="not_a_treasurer", status=403)
    if is_party_to(
        user, requested_by_id=disbursement.requested_by_id, recipient_id=disbursement.recipient_id
    ):
        raise DomainError(OWN_REQUEST, code="own_request", status=403)


@transaction.atomic
def disbursement_approve(*, disbursement: Disbursement, treasurer: Any) -> Disbursement:
    """One treasurer's yes; the request is approved once it has as many as it needs."""
    _require_decider(treasurer, disbursement)
    for _attempt in range(APPROVE_ATTEMPTS):
        current = Disbursement.objects.get(pk=disbursement.pk)
        if current.status != Disbursement.Status.REQUESTED:
            raise DomainError(NOT_WAITING, code="not_waiting", status=409)
        if current.approvals.filter(treasurer=treasurer).exists():
            raise DomainError(ALREADY_APPROVED_BY_YOU, code="already_approved", status=409)
        count = current.approval_count + 1
        done = count >= current.approvals_needed
        won = Disbursement.objects.filter(
            pk=current.pk,
            status=Disbursement.Status.REQUESTED,
            approval_count=current.approval_count,
        ).update(
            approval_count=count,
            status=Disbursement.Status.APPROVED if done else Disbursement.Status.REQUESTED,
            decided_at=timezone.now() if done else None,
            updated_at=timezone.now(),
        )
        if won:
            break
    else:
        raise DomainError(NOT_WAITING, code="not_waiting", status=409)
    try:
        with transaction.atomic():
            Approval.objects.create(disbursement=current, treasurer=treasurer)
    except IntegrityError as error:  # the same treasurer, twice at once
        raise DomainError(ALREADY_APPROVED_BY_YOU, code="already_approved", status=409) from error
    disbursement.refresh_from_db()
    audit_record(
        actor=treasurer,
        verb="disbursement.approved",
        target=disbursement,
        data={"approval": count, "of": current.approvals_needed},
    )
    return disbursement


@transaction.atomic
def disbursement_refuse(
    *, disbursement: Disbursement, treasurer: Any, reason: str = ""
) -> Disbursement:
    """Say no (say why, kindly: the person who asked sees it)."""
    _require_decider(treasurer, disbursement)
    waiting = [Disbursement.Status.REQUESTED, Disbursement.Status.APPROVED]
    if not Disbursement.objects.filter(pk=disbursement.pk, status__in=waiting).update(
        status=Disbursement.Status.REFUSED,
        refusal_reason=reason.strip(),
        decided_at=timezone.now(),
        updated_at=timezone.now(),
    ):
        raise DomainError(NOT_WAITING, code="not_waiting", status=409)
    disbursement.refresh_from_db()
    audit_record(actor=treasurer, verb="disbursement.refused", target=disbursement)
    return disbursement


@transaction.atomic
def disbursement_pay(*, disbursement: Disbursement, treasurer: Any) -> Disbursement:
    """The money was sent: out of the fund (never below zero), into the ledger."""
    _require_decider(treasurer, disbursement)
    now = timezone.now()
    _move(disbursement, Disbursement.Status.APPROVED, Disbursement.Status.PAID, NOT_APPROVED)
    network = disbursement.network
    expense = REIMBURSEMENTS if disbursement.kind == Disbursement.Kind.REIMBURSEMENT else AID
    txn = transaction_post(
        network=network,
        kind=(
            LedgerTransaction.Kind.REIMBURSEMENT
            if disbursement.kind == Disbursement.Kind.REIMBURSEMENT
            else LedgerTransaction.Kind.DISBURSEMENT
        ),
        lines=[
            (disbursement.fund, -disbursement.amount),
            (system_account(network, expense), disbursement.amount),
        ],
        category=disbursement.category,
        memo=f"request {disbursement.pk}",
        actor=treasurer,
    )
    # The fund's row is locked now, so this month's total can't change under us.
    if disbursement.kind == Disbursement.Kind.AID:
        _check_month_paid(disbursement)
    Disbursement.objects.filter(pk=disbursement.pk).update(transaction=txn, paid_at=now)
    disbursement.refresh_from_db()
    audit_record(
        actor=treasurer,
        verb="disbursement.paid",
        target=disbursement,
        data={"amount": disbursement.amount, "transaction": txn.pk},
    )
    return disbursement


def _check_month_paid(disbursement: Disbursement) -> None:
    policy = policy_for(disbursement.network)
    if not policy.max_per_person_month:
        return
    recipient = disbursement.recipient
    paid = _month_total(
        disbursement.network, recipient=recipient, need=disbursement.need, statuses=[]
    )
    if paid + disbursement.amount > policy.max_per_person_month:
        _refuse_over_month(policy, paid)


@transaction.atomic
def disbursement_reverse(*, disbursement: Disbursement, treasurer: Any) -> Disbursement:
    """The payment didn't go through (or went wrong): the money goes back into the fund.

    Never by whoever asked or received it: that would erase a payment made to oneself."""
    _require_decider(treasurer, disbursement)
    _move(disbursement, Disbursement.Status.PAID, Disbursement.Status.REVERSED, NOT_PAID)
    disbursement.refresh_from_db()
    assert disbursement.transaction is not None
    txn = transaction_reverse(txn=disbursement.transaction, actor=treasurer)
    audit_record(
        actor=treasurer,
        verb="disbursement.reversed",
        target=disbursement,
        data={"transaction": txn.pk},
    )
    return disbursement


def _move(disbursement: Disbursement, before: str, after: str, refusal: Any) -> None:
    """Compare-and-set the status; exactly one of several racing callers gets through."""
    if not Disbursement.objects.filter(pk=disbursement.pk, status=before).update(
        status=after, updated_at=timezone.now()
    ):
        raise DomainError(refusal, code="wrong_status", status=409)
    disbursement.status = after
