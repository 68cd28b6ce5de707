"""Money in: donations recorded by treasurers, typed in, imported or sent through the API."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from potluck.core.audit import audit_record
from potluck.core.errors import DomainError
from potluck.core.models import AuditEvent
from potluck.ledger.accounts import DONATIONS
from potluck.ledger.models import Account, Campaign, Donation, LedgerTransaction
from potluck.ledger.services.books import (
    Posting,
    require_amount,
    system_account,
    transaction_post,
    transaction_reverse,
    transactions_post_many,
)
from potluck.ledger.services.funds import check_fund, require_money_role
from potluck.networks.models import Network

DATE_IN_FUTURE = _("A donation can't be received in the future.")
DATE_TOO_OLD = _("This date is too long ago.")
CAMPAIGN_ELSEWHERE = _("Choose one of this network's open campaigns.")
CAMPAIGN_FUND = _("This campaign raises money for another fund: choose that fund, or no campaign.")
NOT_RECORDED = _("This donation was already reversed.")
EARLIEST = date(2000, 1, 1)


def check_received_on(received_on: date) -> date:
    # A day's grace: a treasurer east of the server's time zone may already be in tomorrow.
    if received_on > timezone.localdate() + timedelta(days=1):
        raise DomainError(DATE_IN_FUTURE, code="date_in_future")
    if received_on < EARLIEST:
        raise DomainError(DATE_TOO_OLD, code="date_too_old")
    return received_on


def _check_campaign(network: Network, campaign: Campaign, fund: Account) -> None:
    if campaign.network_id != network.pk or not campaign.is_open:
        raise DomainError(CAMPAIGN_ELSEWHERE, code="campaign_elsewhere")
    if campaign.fund_id != fund.pk:
        raise DomainError(CAMPAIGN_FUND, code="campaign_fund")


@transaction.atomic
def donation_record(
    *,
    network: Network,
    actor: Any,
    fund: Account,
    amount: int,
    received_on: date,
    method: str,
    donor_name: str = "",
    anonymous: bool = False,
    campaign: Campaign | None = None,
    source: str = Donation.Source.FORM,
    row_hash: str | None = None,
) -> Donation:
    """Money arrives in `fund`: the fund goes up, the network's donations account down."""
    require_money_role(actor, network)
    check_fund(network, fund)
    require_amount(amount)
    check_received_on(received_on)
    if campaign is not None:
        _check_campaign(network, campaign, fund)
    txn = transaction_post(
        network=network,
        kind=LedgerTransaction.Kind.DONATION,
        lines=[(fund, amount), (system_account(network, DONATIONS), -amount)],
        occurred_on=received_on,
        memo=f"donation ({source})",
        actor=actor,
    )
    donation = Donation.objects.create(
        network=network,
        fund=fund,
        campaign=campaign,
        amount=amount,
        received_on=received_on,
        method=method,
        donor_name="" if anonymous else donor_name.strip(),
        anonymous=anonymous,
        source=source,
        row_hash=row_hash,
        recorded_by=actor,
        transaction=txn,
    )
    audit_record(
        actor=actor,
        verb="donation.recorded",
        target=donation,
        data={"amount": amount, "fund": fund.pk, "source": source},
    )
    return donation


@dataclass(frozen=True)
class DonationLine:
    """One donation of a batch (see donations_record_many)."""

    amount: int
    received_on: date
    donor_name: str = ""
    row_hash: str | None = None


@transaction.atomic
def donations_record_many(
    *,
    network: Network,
    actor: Any,
    fund: Account,
    method: str,
    lines: list[DonationLine],
    source: str = Donation.Source.IMPORT,
) -> list[Donation]:
    """donation_record for a whole import in a few queries; a line whose row hash is already
    recorded (by an earlier import, or one running at the same moment) is skipped."""
    require_money_role(actor, network)
    check_fund(network, fund)
    for line in lines:
        require_amount(line.amount)
        check_received_on(line.received_on)
    # Take the fund's row lock first: a concurrent import of the same export waits here, then
    # sees this one's rows below and skips them.
    Account.objects.filter(pk=fund.pk).update(updated_at=timezone.now())
    hashes = [line.row_hash for line in lines if line.row_hash]
    taken = set(
        Donation.objects.filter(network=network, row_hash__in=hashes).values_list(
            "row_hash", flat=True
        )
    )
    lines = [line for line in lines if line.row_hash is None or line.row_hash not in taken]
    if not lines:
        return []
    income = system_account(network, DONATIONS)
    txns = transactions_post_many(
        network=network,
        kind=LedgerTransaction.Kind.DONATION,
        postings=[
            Posting(
                lines=[(fund, line.amount), (income, -line.amount)],
                occurred_on=line.received_on,
                memo=f"donation ({source})",
            )
            for line in lines
        ],
        actor=actor,
    )
    donations = Donation.objects.bulk_create(
        [
            Donation(
                network=network,
                fund=fund,
                amount=line.amount,
                received_on=line.received_on,
                method=method,
                donor_name=line.donor_name.strip(),
                source=source,
                row_hash=line.row_hash,
                recorded_by=actor,
                transaction=txn,
            )
            for line, txn in zip(lines, txns, strict=True)
        ]
    )
    target_type = ContentType.objects.get_for_model(Donation)
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                network=network,
                actor=actor,
                verb="donation.recorded",
                target_type=target_type,
                target_id=donation.pk,
                data={"amount": donation.amount, "fund": fund.pk, "source": source},
            )
            for donation in donations
        ]
    )
    return donations


@transaction.atomic
def donation_reverse(*, donation: Donation, actor: Any) -> Donation:
    """Take back a donation recorded by mistake (or that bounced); refused if it's spent."""
    require_money_role(actor, donation.network)
    if not Donation.objects.filter(pk=donation.pk, status=Donation.Status.RECORDED).update(
        status=Donation.Status.REVERSED, updated_at=timezone.now()
    ):
        raise DomainError(NOT_RECORDED, code="already_reversed", status=409)
    transaction_reverse(txn=donation.transaction, actor=actor)
    donation.status = Donation.Status.REVERSED
    audit_record(actor=actor, verb="donation.reversed", target=donation)
    return donation
