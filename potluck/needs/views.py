"""Pages for needs: asking, the board, one need and its actions, triage, my claims."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from potluck.accounts import throttle
from potluck.core.errors import DomainError
from potluck.core.http import AuthedRequest, Request
from potluck.core.keyset import page_for_request
from potluck.needs import permissions, selectors, services
from potluck.needs.forms import AskForm, BoardFilterForm, CloseForm, NoteForm, ReleaseForm
from potluck.needs.models import Need
from potluck.networks import selectors as network_selectors
from potluck.networks.context import filters_cache_key, network_context
from potluck.networks.models import Network
from potluck.networks.permissions import COORDINATOR_ROLES, VOLUNTEER_ROLES


def status_url(request: Request, token: str) -> str:
    return request.build_absolute_uri(reverse("status:detail", args=[token]))


def need_ask(request: Request, slug: str) -> HttpResponse:
    """The public ask-for-help form: no account, nothing asked beyond what helping needs."""
    network = network_selectors.access_public_network(slug=slug)
    form = AskForm(request.POST or None, network=network, language=get_language())
    if request.method == "POST" and form.is_valid():
        if not throttle.public_form_allowed(request=request, form="ask"):
            # Refused, never dropped: the form comes back filled in, saying why.
            form.add_error(None, str(throttle.TOO_MANY_SUBMISSIONS))
            return _ask_page(request, network, form, status=429)
        requester = request.user if request.user.is_authenticated else None
        try:
            _need, token = services.need_create(
                network=network, requester=requester, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            return redirect(reverse("status:detail", args=[token]) + "?new=1")
    return _ask_page(request, network, form, status=200)


def _ask_page(request: Request, network: Network, form: AskForm, *, status: int) -> HttpResponse:
    context = network_context(user=request.user, network=network)
    context["form"] = form
    return render(request, "needs/ask.html", context, status=status)


@login_required
def need_intake(request: AuthedRequest, slug: str) -> HttpResponse:
    """Phone intake: a volunteer writes down a neighbour's need on their behalf."""
    network = network_selectors.access_network(user=request.user, slug=slug, roles=VOLUNTEER_ROLES)
    form = AskForm(request.POST or None, network=network)
    if request.method == "POST" and form.is_valid():
        try:
            need, token = services.need_create(
                network=network, entered_by=request.user, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            # The link is shown once, on the next page, so it can be read out or texted.
            request.session[f"status-link-{need.pk}"] = status_url(request, token)
            return redirect(need)
    context = network_context(user=request.user, network=network)
    context.update(form=form, intake=True)
    return render(request, "needs/ask.html", context)


@login_required
def need_board(request: AuthedRequest, slug: str) -> HttpResponse:
    network = network_selectors.access_network(user=request.user, slug=slug)
    # The cursor is not a filter: a board reached by "Next page" alone is still the open needs.
    filters_given = request.GET.copy()
    filters_given.pop("cursor", None)
    form = BoardFilterForm(filters_given or None, network=network, initial={"status": "open"})
    filters = (
        selectors.BoardFilters(**form.cleaned_data)
        if form.is_valid()
        else (selectors.BoardFilters())
    )
    needs = selectors.need_list_for_board(network=network, filters=filters)
    pager = page_for_request(request, needs, salt="needs.board", limit=settings.POTLUCK_PAGE_SIZE)
    context = network_context(user=request.user, network=network)
    context.update(form=form, pager=pager, filters_key=filters_cache_key(request, network))
    return render(request, "needs/board.html", context)


def _detail_context(request: Request, need: Need, **extra: Any) -> dict[str, Any]:
    user = request.user
    context = network_context(user=user, network=need.network)
    context.update(
        need=need,
        notes=selectors.need_notes(need=need),
        can_claim=permissions.can_claim_need(user, need),
        can_release=permissions.can_release_need(user, need),
        can_deliver=permissions.can_deliver_need(user, need),
        can_close=permissions.can_close_need(user, need),
        can_see_contact=permissions.can_see_contact(user, need),
        can_note=permissions.can_note_need(user, need),
        history=selectors.need_history(need=need)
        if permissions.can_see_history(user, need)
        else None,
        release_form=ReleaseForm(),
        close_form=CloseForm(),
        note_form=NoteForm(),
        status_link=request.session.pop(f"status-link-{need.pk}", None),
    )
    context.update(extra)
    return context


@login_required
def need_detail(request: AuthedRequest, slug: str, need_id: int) -> HttpResponse:
    network = network_selectors.access_network(user=request.user, slug=slug)
    need = selectors.access_need(user=request.user, network=network, need_id=need_id)
    return render(request, "needs/need_detail.html", _detail_context(request, need))


def _act(request: Request, slug: str, need_id: int, action: Any, success: str) -> HttpResponse:
    """Run one state change on a need, then show the need (a partial for htmx)."""
    network = network_selectors.access_network(user=request.user, slug=slug)
    need = selectors.access_need(user=request.user, network=network, need_id=need_id)
    try:
        action(need)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    if request.htmx:
        need = selectors.access_need(user=request.user, network=network, need_id=need_id)
        return render(request, "needs/need_detail.html#status", _detail_context(request, need))
    return redirect(need)


@login_required
@require_POST
def need_claim(request: AuthedRequest, slug: str, need_id: int) -> HttpResponse:
    return _act(
        request,
        slug,
        need_id,
        lambda need: services.need_claim(need=need, volunteer=request.user),
        _("You claimed this need. Reach out to the person soon."),
    )


@login_required
@require_POST
def need_release(request: AuthedRequest, slug: str, need_id: int) -> HttpResponse:
    form = ReleaseForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _act(
        request,
        slug,
        need_id,
        lambda need: services.need_release(need=need, by=request.user, reason=reason),
        _("The need is back in the queue for someone else."),
    )


@login_required
@require_POST
def need_deliver(request: AuthedRequest, slug: str, need_id: int) -> HttpResponse:
    return _act(
        request,
        slug,
        need_id,
        lambda need: services.need_mark_delivered(need=need, by=request.user),
        _("Marked as delivered. Thank you!"),
    )


@login_required
@require_POST
def need_close(request: AuthedRequest, slug: str, need_id: int) -> HttpResponse:
    form = CloseForm(request.POST)
    outcome = form.cleaned_data["outcome"] if form.is_valid() else ""
    return _act(
        request,
        slug,
        need_id,
        lambda need: services.need_close(need=need, by=request.user, outcome=outcome),
        _("The need is closed."),
    )


@login_required
@require_POST
def need_note(request: AuthedRequest, slug: str, need_id: int) -> HttpResponse:
    form = NoteForm(request.POST)
    if not form.is_valid():
        network = network_selectors.access_network(user=request.user, slug=slug)
        need = selectors.access_need(user=request.user, network=network, need_id=need_id)
        messages.error(request, _("Write something before adding a note."))
        return redirect(need)
    body = form.cleaned_data["body"]
    return _act(
        request,
        slug,
        need_id,
        lambda need: services.need_add_note(need=need, author=request.user, body=body),
        _("Note added."),
    )


@login_required
@require_POST
def need_reveal(request: AuthedRequest, slug: str, need_id: int) -> HttpResponse:
    """Show contact details; a POST so that every reveal is a deliberate, logged act."""
    network = network_selectors.access_network(user=request.user, slug=slug)
    need = selectors.access_need(user=request.user, network=network, need_id=need_id)
    try:
        contact = services.need_reveal_contact(need=need, by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(need)
    template = "needs/need_detail.html#contact" if request.htmx else "needs/need_detail.html"
    response = render(request, template, _detail_context(request, need, contact=contact))
    response["Cache-Control"] = "no-store"
    return response


@login_required
def need_triage(request: AuthedRequest, slug: str) -> HttpResponse:
    network = network_selectors.access_network(
        user=request.user, slug=slug, roles=COORDINATOR_ROLES
    )
    queue = selectors.need_list_for_triage(network=network)
    # Each list pages on its own, with its own cursor in the address (?stale=…).
    size = settings.POTLUCK_PAGE_SIZE
    context = network_context(user=request.user, network=network)
    context.update(
        {
            f"{name}_page": page_for_request(
                request, getattr(queue, name), salt=f"needs.triage.{name}", limit=size, param=name
            )
            for name in TRIAGE_LISTS
        }
    )
    return render(request, "needs/triage.html", context)


TRIAGE_LISTS = ("new", "stale", "expiring", "delivered")


@login_required
def my_claims(request: AuthedRequest, slug: str) -> HttpResponse:
    network = network_selectors.access_network(user=request.user, slug=slug)
    needs = selectors.need_list_for_volunteer(user=request.user, network=network)
    context = network_context(user=request.user, network=network)
    context["pager"] = page_for_request(
        request, needs, salt="needs.my_claims", limit=settings.POTLUCK_PAGE_SIZE
    )
    return render(request, "needs/my_claims.html", context)
