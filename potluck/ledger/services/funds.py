"""Funds, the money policy and campaigns."""

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from potluck.core.audit import audit_record
from potluck.core.errors import DomainError
from potluck.ledger.accounts import SYSTEM_ACCOUNTS
from potluck.ledger.models import Account, Campaign, Entry, MoneyPolicy
from potluck.ledger.permissions import can_manage_money
from potluck.ledger.services.books import require_amount
from potluck.ledger.units import MAX_AMOUNT
from potluck.needs.models import Need
from potluck.networks.models import Network

NOT_A_TREASURER = _("Only the network's treasurers can do that.")
FUND_NAME_TAKEN = _("There is already a fund with this name.")
NOT_A_FUND = _("Choose one of this network's funds.")
CURRENCY_IN_USE = _("The currency can't change once money has been recorded.")
ENDS_IN_PAST = _("A campaign can't end before today.")
NEED_ELSEWHERE = _("That need is not in this network.")
CAMPAIGN_CLOSED = _("This campaign is closed.")
BAD_LIMIT = _("A limit is zero (no limit) or a positive amount.")
BAD_PLEDGE_DAYS = _("A pledge waits between 1 and 90 days.")
BAD_CURRENCY = _("Enter a three-letter currency code, such as USD or EUR.")
MAX_PLEDGE_DAYS = 90


def require_money_role(user: Any, network: Network) -> None:
    if not can_manage_money(user, network.pk):
        raise DomainError(NOT_A_TREASURER, code="not_a_treasurer", status=403)


def policy_for(network: Network) -> MoneyPolicy:
    """The network's policy; an unsaved default if its books were never opened."""
    return MoneyPolicy.objects.filter(network=network).first() or MoneyPolicy(network=network)


def check_fund(network: Network, fund: Account) -> Account:
    if fund.network_id != network.pk or fund.kind != Account.Kind.FUND:
        raise DomainError(NOT_A_FUND, code="not_a_fund")
    return fund


@transaction.atomic
def fund_create(*, network: Network, actor: Any, name: str, description: str = "") -> Account:
    """A named fund (rent, bail, groceries) in the network's currency, starting at zero."""
    require_money_role(actor, network)
    if Account.objects.filter(network=network, name__iexact=name.strip()).exists():
        raise DomainError(FUND_NAME_TAKEN, code="fund_name_taken")
    slug = _free_slug(network, slugify(name)[:50] or "fund")
    try:
        with transaction.atomic():
            fund = Account.objects.create(
                network=network,
                kind=Account.Kind.FUND,
                name=name.strip(),
                slug=slug,
                description=description,
                unit=policy_for(network).currency,
            )
    except IntegrityError as error:
        raise DomainError(FUND_NAME_TAKEN, code="fund_name_taken") from error
    audit_record(actor=actor, verb="fund.created", target=fund)
    return fund


def _check_policy_values(values: dict[str, Any]) -> None:
    for key in ("max_per_request", "max_per_person_month", "second_approval_above"):
        if key in values and not 0 <= values[key] <= MAX_AMOUNT:
            raise DomainError(BAD_LIMIT, code="bad_limit")
    if "pledge_days" in values and not 1 <= values["pledge_days"] <= MAX_PLEDGE_DAYS:
        raise DomainError(BAD_PLEDGE_DAYS, code="bad_pledge_days")
    currency = values.get("currency")
    if currency is not None and not (len(currency) == 3 and currency.isalpha()):
        raise DomainError(BAD_CURRENCY, code="bad_currency")


def _free_slug(network: Network, base: str) -> str:
    """`base`, or `base-2`, `base-3`…: different names can shorten to the same slug."""
    taken = set(network.accounts.values_list("slug", flat=True)) | set(SYSTEM_ACCOUNTS)
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


@transaction.atomic
def policy_update(*, network: Network, actor: Any, **values: Any) -> MoneyPolicy:
    """Change the limits (in smallest units, 0 for none), the threshold or pledge days."""
    require_money_role(actor, network)
    policy = policy_for(network)
    values = {k: v.upper() if k == "currency" else v for k, v in values.items()}
    _check_policy_values(values)
    currency = values.get("currency", policy.currency)
    # Any entry at all, even one reversed since: its amount is in the old currency's units.
    recorded = Entry.objects.filter(account__network=network).exists()
    if currency != policy.currency and recorded:
        raise DomainError(CURRENCY_IN_USE, code="currency_in_use")
    changed = {key: value for key, value in values.items() if getattr(policy, key) != value}
    for key, value in values.items():
        setattr(policy, key, value)
    policy.save()
    if "currency" in changed:
        network.accounts.update(unit=policy.currency)
    audit_record(
        actor=actor, verb="money_policy.changed", target=policy, data={"changed": sorted(changed)}
    )
    return policy


@transaction.atomic
def campaign_create(
    *,
    network: Network,
    actor: Any,
    title: str,
    description: str,
    goal: int,
    fund: Account,
    need: Need | None = None,
    ends_on: date | None = None,
) -> Campaign:
    """A drive with a public page; its progress is the donations recorded against it."""
    require_money_role(actor, network)
    check_fund(network, fund)
    require_amount(goal)
    if need is not None and need.network_id != network.pk:
        raise DomainError(NEED_ELSEWHERE, code="need_elsewhere")
    if ends_on is not None and ends_on < timezone.localdate():
        raise DomainError(ENDS_IN_PAST, code="ends_in_past")
    campaign = Campaign.objects.create(
        network=network,
        fund=fund,
        need=need,
        title=title,
        description=description,
        goal=goal,
        ends_on=ends_on,
        created_by=actor,
    )
    audit_record(actor=actor, verb="campaign.created", target=campaign)
    return campaign


@transaction.atomic
def campaign_close(*, campaign: Campaign, actor: Any) -> Campaign:
    require_money_role(actor, campaign.network)
    if not Campaign.objects.filter(pk=campaign.pk, is_open=True).update(
        is_open=False, updated_at=timezone.now()
    ):
        raise DomainError(CAMPAIGN_CLOSED, code="campaign_closed", status=409)
    campaign.is_open = False
    audit_record(actor=actor, verb="campaign.closed", target=campaign)
    return campaign
