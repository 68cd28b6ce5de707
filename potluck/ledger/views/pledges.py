"""Direct aid: a member pledges to pay the person behind a money need; both sides confirm.

The donor and coordinators use the network's pages; the person uses their private status link
(no account), so the last two views find the need by its token, like the status page does.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from potluck.core.errors import DomainError
from potluck.core.http import AuthedRequest, Request
from potluck.ledger import selectors, services
from potluck.ledger.forms.pledges import PayoutHandleForm, PledgeForm
from potluck.ledger.models import Pledge
from potluck.ledger.permissions import can_confirm_pledge_for_recipient
from potluck.needs import selectors as need_selectors
from potluck.needs.models import Need
from potluck.networks import selectors as network_selectors
from potluck.networks.context import network_context


def _no_store(response: HttpResponse) -> HttpResponse:
    # Pledge pages can show how to pay someone: keep them out of every cache.
    response["Cache-Control"] = "no-store"
    return response


def _first_error(form: Any) -> str:
    return next(str(error) for errors in form.errors.values() for error in errors)


@login_required
@require_POST
def pledge_new(request: AuthedRequest, slug: str, need_id: int) -> HttpResponse:
    network = network_selectors.access_network(user=request.user, slug=slug)
    need = need_selectors.access_need(user=request.user, network=network, need_id=need_id)
    form = PledgeForm(request.POST, currency=services.policy_for(network).currency)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(need)
    try:
        pledge = services.pledge_make(
            need=need, donor=request.user, amount=form.cleaned_data["amount"]
        )
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(need)
    messages.success(
        request,
        _("Thank you! Once they tell us how they'd like to be paid, you will see it here."),
    )
    return redirect(pledge)


@login_required
def pledge_detail(request: AuthedRequest, slug: str, pledge_id: int) -> HttpResponse:
    network = network_selectors.access_network(user=request.user, slug=slug)
    pledge = selectors.access_pledge(user=request.user, network=network, pledge_id=pledge_id)
    waiting = pledge.status == Pledge.Status.PLEDGED and pledge.expires_at > timezone.now()
    context = network_context(user=request.user, network=network)
    context.update(
        pledge=pledge,
        unit=services.policy_for(network).currency,
        is_donor=pledge.donor_id == request.user.pk,
        waiting=waiting,
        can_confirm_for_them=waiting
        and pledge.recipient_confirmed_at is None
        and can_confirm_pledge_for_recipient(request.user, pledge),
    )
    return _no_store(render(request, "ledger/pledge.html", context))


def _act(
    request: AuthedRequest, slug: str, pledge_id: int, action: Callable[[Pledge], Any], done: str
) -> HttpResponse:
    network = network_selectors.access_network(user=request.user, slug=slug)
    pledge = selectors.access_pledge(user=request.user, network=network, pledge_id=pledge_id)
    try:
        action(pledge)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect(pledge)


@login_required
@require_POST
def pledge_paid(request: AuthedRequest, slug: str, pledge_id: int) -> HttpResponse:
    return _act(
        request,
        slug,
        pledge_id,
        lambda pledge: services.pledge_confirm_paid(pledge=pledge, donor=request.user),
        _("Thank you for paying. It is recorded once they confirm it arrived."),
    )


@login_required
@require_POST
def pledge_received(request: AuthedRequest, slug: str, pledge_id: int) -> HttpResponse:
    return _act(
        request,
        slug,
        pledge_id,
        lambda pledge: services.pledge_confirm_received(pledge=pledge, actor=request.user),
        _("Noted: they told us the money arrived."),
    )


@login_required
@require_POST
def pledge_cancel(request: AuthedRequest, slug: str, pledge_id: int) -> HttpResponse:
    return _act(
        request,
        slug,
        pledge_id,
        lambda pledge: services.pledge_cancel(pledge=pledge, donor=request.user),
        _("Your pledge is cancelled."),
    )


def _status_pledge(token: str, pledge_id: int) -> tuple[Need, Pledge]:
    """The need behind a status link and one of its pledges; otherwise 404."""
    need = need_selectors.access_need_by_token(token=token)
    pledge = get_object_or_404(selectors.pledge_list_for_need(need=need), pk=pledge_id)
    return need, pledge


def _status_act(request: Request, token: str, action: Callable[[], Any], done: str) -> HttpResponse:
    try:
        action()
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return _no_store(redirect("status:detail", token))


@require_POST
def status_pledge_handle(request: Request, token: str, pledge_id: int) -> HttpResponse:
    """The person says how they'd like the donor to pay them."""
    need, pledge = _status_pledge(token, pledge_id)
    with translation.override(need.language):
        form = PayoutHandleForm(request.POST)
        if not form.is_valid():
            messages.error(request, _first_error(form))
            return _no_store(redirect("status:detail", token))
        handle = form.cleaned_data["payout_handle"]
        return _status_act(
            request,
            token,
            lambda: services.pledge_handle_give(pledge=pledge, payout_handle=handle),
            _("Thank you. The donor can now see how to pay you."),
        )


@require_POST
def status_pledge_received(request: Request, token: str, pledge_id: int) -> HttpResponse:
    """The person says the donor's money arrived."""
    need, pledge = _status_pledge(token, pledge_id)
    with translation.override(need.language):
        return _status_act(
            request,
            token,
            lambda: services.pledge_confirm_received(pledge=pledge, actor=None),
            _("Thank you for letting us know the money arrived."),
        )
