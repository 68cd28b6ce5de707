"""Pages for offers and the conversations they open."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from potluck.core.errors import DomainError
from potluck.core.http import AuthedRequest
from potluck.core.keyset import page_for_request
from potluck.needs import permissions, selectors, services
from potluck.needs.forms import MessageForm, OfferFilterForm, OfferForm
from potluck.networks import selectors as network_selectors
from potluck.networks.context import filters_cache_key, network_context


@login_required
def offer_board(request: AuthedRequest, slug: str) -> HttpResponse:
    network = network_selectors.access_network(user=request.user, slug=slug)
    form = OfferFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    offers = selectors.offer_list_for_board(network=network, **filters)
    pager = page_for_request(request, offers, salt="needs.offers", limit=settings.POTLUCK_PAGE_SIZE)
    context = network_context(user=request.user, network=network)
    context.update(
        form=form,
        filters_key=filters_cache_key(request, network),
        pager=pager,
        my_matches=selectors.match_list_for_user(user=request.user, network=network),
    )
    return render(request, "needs/offer_board.html", context)


@login_required
def offer_new(request: AuthedRequest, slug: str) -> HttpResponse:
    network = network_selectors.access_network(user=request.user, slug=slug)
    form = OfferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            offer = services.offer_create(network=network, author=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your offer is on the board. Thank you!"))
            return redirect(offer)
    context = network_context(user=request.user, network=network)
    context["form"] = form
    return render(request, "needs/offer_new.html", context)


@login_required
def offer_detail(request: AuthedRequest, slug: str, offer_id: int) -> HttpResponse:
    network = network_selectors.access_network(user=request.user, slug=slug)
    offer = selectors.access_offer(user=request.user, network=network, offer_id=offer_id)
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            match = services.offer_respond(
                offer=offer, responder=request.user, message=form.cleaned_data["body"]
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your answer was sent. Continue the conversation here."))
            return redirect(match)
    context = network_context(user=request.user, network=network)
    context.update(
        offer=offer,
        form=form,
        can_respond=permissions.can_respond_to_offer(request.user, offer),
        can_close=permissions.can_close_offer(request.user, offer),
        matches=offer.matches.select_related("responder")
        if offer.author_id == request.user.pk
        else None,
    )
    return render(request, "needs/offer_detail.html", context)


@login_required
@require_POST
def offer_close(request: AuthedRequest, slug: str, offer_id: int) -> HttpResponse:
    network = network_selectors.access_network(user=request.user, slug=slug)
    offer = selectors.access_offer(user=request.user, network=network, offer_id=offer_id)
    try:
        services.offer_close(offer=offer, by=request.user)
        messages.success(request, _("The offer is off the board."))
    except DomainError as error:
        messages.error(request, str(error))
    return redirect(offer)


@login_required
def match_detail(request: AuthedRequest, slug: str, match_id: int) -> HttpResponse:
    network = network_selectors.access_network(user=request.user, slug=slug)
    match = selectors.access_match(user=request.user, network=network, match_id=match_id)
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.match_message_add(
                match=match, author=request.user, body=form.cleaned_data["body"]
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            return redirect(match)
    context = network_context(user=request.user, network=network)
    context.update(match=match, form=form, thread=match.messages.select_related("author"))
    return render(request, "needs/match_detail.html", context)


@login_required
@require_POST
def match_close(request: AuthedRequest, slug: str, match_id: int) -> HttpResponse:
    network = network_selectors.access_network(user=request.user, slug=slug)
    match = selectors.access_match(user=request.user, network=network, match_id=match_id)
    try:
        services.match_close(match=match, by=request.user)
        messages.success(request, _("The conversation is closed."))
    except DomainError as error:
        messages.error(request, str(error))
    return redirect(match)
