"""Money on other apps' pages: amounts, the money panel of a need, pledges on a status page.

Tags only read: whatever they offer to do is a form posting to a ledger view.
"""

from typing import Any

from django import template
from django.utils import timezone

from potluck.ledger.forms.pledges import PayoutHandleForm, PledgeForm
from potluck.ledger.models import Pledge
from potluck.ledger.permissions import MONEY_ROLES, can_pledge, can_request_for_need
from potluck.ledger.selectors import campaign_list_for_need, campaign_raised, pledge_list_for_need
from potluck.ledger.services import policy_for
from potluck.ledger.units import format_amount
from potluck.needs.models import Need
from potluck.networks.categories import Category
from potluck.networks.permissions import COORDINATOR_ROLES, role_in

register = template.Library()

# A need's panel lists its latest pledges; older ones stay on their own pages.
PANEL_PLEDGES = 20


@register.filter
def money(amount: int | None, unit: str) -> str:
    """{{ fund.balance|money:fund.unit }} -> "$12.50"."""
    return format_amount(int(amount or 0), unit)


@register.inclusion_tag("ledger/pledge_panel.html", takes_context=True)
def need_money_panel(context: template.Context, need: Need) -> dict[str, Any]:
    """On a money need's page: its pledges, a form to pledge, a way to ask the treasurers."""
    request = context.get("request")
    if request is None or need.category != Category.MONEY:
        return {"show": False}
    user = request.user
    # The rule of permissions.can_see_pledge, worked out once for the whole list.
    role = role_in(user, need.network_id)
    sees_every = role in COORDINATOR_ROLES or role in MONEY_ROLES
    unit = policy_for(need.network).currency
    pledges = [
        (pledge, sees_every or pledge.donor_id == user.pk)
        for pledge in pledge_list_for_need(need=need)[:PANEL_PLEDGES]
    ]
    return {
        "show": True,
        "need": need,
        "network": need.network,
        "user": user,
        "pledges": pledges,
        "unit": unit,
        "can_pledge": can_pledge(user, need),
        "campaigns": [
            (campaign, campaign_raised(campaign)) for campaign in campaign_list_for_need(need=need)
        ],
        "can_ask": can_request_for_need(user, need),
        "pledge_form": PledgeForm(currency=unit, auto_id="id_pledge_%s"),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("ledger/pledge_status.html", takes_context=True)
def status_pledges(context: template.Context, need: Need, token: str) -> dict[str, Any]:
    """On the person's status page: each pledge waiting for them, and what they can say."""
    waiting = pledge_list_for_need(need=need).filter(
        status=Pledge.Status.PLEDGED, expires_at__gt=timezone.now()
    )
    rows = [
        (
            pledge,
            PayoutHandleForm(pledge_id=pledge.pk, initial={"payout_handle": pledge.payout_handle}),
        )
        for pledge in waiting
    ]
    return {
        "rows": rows,
        "token": token,
        "unit": policy_for(need.network).currency if rows else "",
        "csrf_token": context.get("csrf_token"),
    }
