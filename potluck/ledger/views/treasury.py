"""The treasurers' pages (dashboard, donations, funds, policy, campaigns) and the public page
of a campaign. Treasurers and admins only, except the campaign page, which anyone may read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from potluck.core.errors import DomainError
from potluck.core.http import AuthedRequest, Request
from potluck.core.keyset import page_for_request
from potluck.ledger import selectors, services
from potluck.ledger.forms.treasury import (
    CampaignForm,
    DonationForm,
    FundForm,
    PolicyForm,
    add_domain_error,
)
from potluck.ledger.models import Campaign, Donation
from potluck.ledger.permissions import MONEY_ROLES, can_manage_money
from potluck.ledger.units import format_amount
from potluck.networks import selectors as network_selectors
from potluck.networks.context import network_context
from potluck.networks.models import Network

DONATIONS_PER_PAGE = 50
RECENT_DONATIONS = 10


def _money_network(request: AuthedRequest, slug: str) -> Network:
    """The network if the person keeps its books (two-factor verified); otherwise 404."""
    return network_selectors.access_network(user=request.user, slug=slug, roles=MONEY_ROLES)


def _currency(network: Network) -> str:
    return services.policy_for(network).currency


def _with_raised(campaigns: QuerySet[Campaign]) -> QuerySet[Campaign]:
    """Each campaign with what it raised and from how many donations, in one query."""
    recorded = Q(donations__status=Donation.Status.RECORDED)
    return campaigns.annotate(
        raised=Sum("donations__amount", filter=recorded, default=0),
        donation_count=Count("donations", filter=recorded),
    )


@login_required
def treasury(request: AuthedRequest, slug: str) -> HttpResponse:
    network = _money_network(request, slug)
    context = network_context(user=request.user, network=network)
    context.update(
        funds=selectors.fund_list(network=network),
        waiting=selectors.disbursement_list_waiting(network=network),
        donations=selectors.donation_list(network=network)[:RECENT_DONATIONS],
        campaigns=_with_raised(selectors.campaign_list(network=network, open_only=True)),
        currency=_currency(network),
    )
    return render(request, "ledger/treasury.html", context)


@login_required
def donations(request: AuthedRequest, slug: str) -> HttpResponse:
    """Every donation, newest first; donors' names are for treasurers' eyes only."""
    network = _money_network(request, slug)
    donation_list = selectors.donation_list(network=network)
    pager = page_for_request(
        request, donation_list, salt="ledger.donations", limit=DONATIONS_PER_PAGE
    )
    context = network_context(user=request.user, network=network)
    context["pager"] = pager
    return render(request, "ledger/donations.html", context)


@login_required
def donation_new(request: AuthedRequest, slug: str) -> HttpResponse:
    network = _money_network(request, slug)
    currency = _currency(network)
    form = DonationForm(request.POST or None, network=network, currency=currency)
    if request.method == "POST" and form.is_valid():
        try:
            donation = services.donation_record(
                network=network, actor=request.user, **form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            amount = format_amount(donation.amount, donation.fund.unit)
            messages.success(request, _("Donation of %(amount)s recorded.") % {"amount": amount})
            return redirect("ledger:donations", network.slug)
    context = network_context(user=request.user, network=network)
    context["form"] = form
    return render(request, "ledger/donation_new.html", context)


@login_required
@require_POST
def donation_reverse(request: AuthedRequest, slug: str, donation_id: int) -> HttpResponse:
    network = _money_network(request, slug)
    donation = selectors.access_donation(
        user=request.user, network=network, donation_id=donation_id
    )
    try:
        services.donation_reverse(donation=donation, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The donation was reversed: the fund no longer counts it."))
    return redirect("ledger:donations", network.slug)


@login_required
def fund_new(request: AuthedRequest, slug: str) -> HttpResponse:
    network = _money_network(request, slug)
    form = FundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            fund = services.fund_create(network=network, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The fund “%(name)s” is ready.") % {"name": fund.name})
            return redirect("ledger:treasury", network.slug)
    context = network_context(user=request.user, network=network)
    context["form"] = form
    return render(request, "ledger/fund_new.html", context)


@login_required
def policy(request: AuthedRequest, slug: str) -> HttpResponse:
    network = _money_network(request, slug)
    current = services.policy_for(network)
    form = PolicyForm(request.POST or None, policy=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_update(network=network, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The money policy is saved."))
            return redirect("ledger:policy", network.slug)
    context = network_context(user=request.user, network=network)
    context["form"] = form
    return render(request, "ledger/policy.html", context)


@login_required
def campaign_new(request: AuthedRequest, slug: str) -> HttpResponse:
    network = _money_network(request, slug)
    form = CampaignForm(request.POST or None, network=network, currency=_currency(network))
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(
                network=network, actor=request.user, **form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error, amount_field="goal")
        else:
            messages.success(request, _("The campaign is open. Share this page."))
            return redirect(campaign)
    context = network_context(user=request.user, network=network)
    context["form"] = form
    return render(request, "ledger/campaign_new.html", context)


@login_required
@require_POST
def campaign_close(request: AuthedRequest, slug: str, campaign_id: int) -> HttpResponse:
    network = _money_network(request, slug)
    campaign = selectors.access_campaign(network=network, campaign_id=campaign_id)
    try:
        services.campaign_close(campaign=campaign, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The campaign is closed."))
    return redirect(campaign)


def campaign(request: Request, slug: str, campaign_id: int) -> HttpResponse:
    """A campaign's public page: its goal and progress, never who gave."""
    network = network_selectors.access_public_network(slug=slug)
    found = selectors.access_campaign(network=network, campaign_id=campaign_id)
    shown = _with_raised(Campaign.objects.filter(pk=found.pk).select_related("fund")).get()
    context = network_context(user=request.user, network=network)
    context.update(
        campaign=shown,
        can_close=shown.is_open and can_manage_money(request.user, network.pk),
    )
    return render(request, "ledger/campaign.html", context)
