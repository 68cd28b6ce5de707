"""Reads for the money side, and the access helpers views and the API call."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404

from potluck.ledger.models import Account, Campaign, Disbursement, Donation, Entry, Pledge
from potluck.ledger.permissions import can_manage_money, can_see_disbursement, can_see_pledge
from potluck.needs.models import Need
from potluck.networks.categories import Category
from potluck.networks.models import Network


def access_disbursement(*, user: Any, network: Network, disbursement_id: int) -> Disbursement:
    """A request the person asked for, receives, or (as a treasurer) decides; otherwise 404."""
    disbursement = get_object_or_404(
        Disbursement.objects.select_related("network", "fund", "requested_by", "recipient"),
        pk=disbursement_id,
        network=network,
    )
    if not can_see_disbursement(user, disbursement):
        raise Http404
    return disbursement


def access_pledge(*, user: Any, network: Network, pledge_id: int) -> Pledge:
    pledge = get_object_or_404(
        Pledge.objects.select_related("network", "need", "donor"), pk=pledge_id, network=network
    )
    if not can_see_pledge(user, pledge):
        raise Http404
    return pledge


def access_campaign(*, network: Network, campaign_id: int) -> Campaign:
    """Campaign pages are public: anyone may see one, open or closed."""
    return get_object_or_404(
        Campaign.objects.select_related("network", "fund"), pk=campaign_id, network=network
    )


def access_donation(*, user: Any, network: Network, donation_id: int) -> Donation:
    if not can_manage_money(user, network.pk):
        raise Http404
    return get_object_or_404(
        Donation.objects.select_related("network"), pk=donation_id, network=network
    )


def fund_list(*, network: Network) -> QuerySet[Account]:
    return network.accounts.filter(kind=Account.Kind.FUND).order_by("-is_general", "name")


def access_fund(*, network: Network, fund_id: int | str | None) -> Account | None:
    """One of the network's funds by id, or None when it isn't one."""
    try:
        return fund_list(network=network).get(pk=int(fund_id or 0))
    except (Account.DoesNotExist, ValueError, TypeError):
        return None


def campaign_list(*, network: Network, open_only: bool = False) -> QuerySet[Campaign]:
    campaigns = network.campaigns.select_related("fund")
    return campaigns.filter(is_open=True) if open_only else campaigns


def campaign_raised(campaign: Campaign) -> int:
    """What the campaign has brought in: its donations, less any reversed."""
    total = campaign.donations.filter(status=Donation.Status.RECORDED).aggregate(
        total=Sum("amount")
    )["total"]
    return int(total or 0)


def disbursement_list_waiting(*, network: Network) -> QuerySet[Disbursement]:
    """Requests for the treasurers: waiting for approval or payment, oldest first."""
    return (
        Disbursement.objects.filter(network=network)
        .waiting()
        .select_related("requested_by", "recipient", "fund")
        .order_by("created_at", "pk")
    )


def disbursement_list_for_user(*, user: Any, network: Network) -> QuerySet[Disbursement]:
    """What `user` asked for or receives in `network`, newest first."""
    return Disbursement.objects.filter(
        Q(requested_by_id=user.pk) | Q(recipient_id=user.pk), network=network
    ).select_related("fund")


def donation_list(*, network: Network) -> QuerySet[Donation]:
    return Donation.objects.filter(network=network).select_related("fund", "campaign")


def money_needs(*, network: Network) -> QuerySet[Need]:
    """The network's live needs in the money category, oldest first."""
    return Need.objects.filter(
        network=network, category=Category.MONEY, status__in=Need.ACTIVE_STATUSES
    ).order_by("created_at", "pk")


def campaign_list_for_need(*, need: Any) -> QuerySet[Campaign]:
    return need.campaigns.select_related("fund").filter(is_open=True)


def pledge_list_for_need(*, need: Any) -> QuerySet[Pledge]:
    return Pledge.objects.filter(need=need).select_related("donor")


@dataclass(frozen=True)
class BalanceCheck:
    account: Account
    sum_of_entries: int

    @property
    def ok(self) -> bool:
        return self.account.balance == self.sum_of_entries


def balance_check(*, network: Network) -> list[BalanceCheck]:
    """Each account's kept balance beside the sum of its entries: they must be equal."""
    sums = dict(
        Entry.objects.filter(account__network=network)
        .values("account")
        .annotate(total=Sum("amount"))
        .values_list("account", "total")
    )
    return [
        BalanceCheck(account, int(sums.get(account.pk) or 0))
        for account in network.accounts.order_by("kind", "-is_general", "name")
    ]


def ledger_entries(*, network: Network) -> QuerySet[Entry]:
    """Every entry of the network's ledger, in the order it was written."""
    return (
        Entry.objects.filter(account__network=network)
        .select_related("transaction", "account", "transaction__created_by")
        .order_by("transaction__occurred_on", "transaction_id", "pk")
    )
