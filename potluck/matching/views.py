"""Pages for matching: the coordinator's review of suggestions, and a volunteer's tasks."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from potluck.core.errors import DomainError
from potluck.core.http import AuthedRequest
from potluck.core.keyset import WebPage, page_at
from potluck.matching import selectors, services
from potluck.matching.models import Dispatch, MatchRun
from potluck.needs import selectors as need_selectors
from potluck.networks import selectors as network_selectors
from potluck.networks.context import network_context
from potluck.networks.models import Network
from potluck.networks.permissions import COORDINATOR_ROLES, VOLUNTEER_ROLES


def _coordinated(request: AuthedRequest, slug: str) -> Network:
    return network_selectors.access_network(user=request.user, slug=slug, roles=COORDINATOR_ROLES)


def _review(
    request: AuthedRequest,
    network: Network,
    *,
    cursor: str,
    posted: dict[int, int] | None = None,
    errors: dict[int, list[str]] | None = None,
) -> HttpResponse:
    """The review page; after a refused dispatch, with the rows as they were sent."""
    run = selectors.run_latest(network=network)
    pager: WebPage[selectors.RunRow] | None = None
    if run is not None:
        needs = page_at(
            selectors.run_needs(run=run, network=network),
            cursor=cursor,
            salt="matching.review",
            limit=settings.POTLUCK_PAGE_SIZE,
            path=reverse("matching:review", args=[network.slug]),
        )
        rows = selectors.run_rows(run=run, needs=needs.items)
        if posted is not None:
            _as_posted(rows, posted, errors or {})
        pager = WebPage(items=rows, next_url=needs.next_url, first_url=needs.first_url)
    context = network_context(user=request.user, network=network)
    context.update(
        run=run,
        pager=pager,
        cursor=cursor,
        waiting=selectors.dispatch_list_for_network(network=network),
    )
    return render(request, "matching/review.html", context)


def _as_posted(
    rows: list[selectors.RunRow], posted: dict[int, int], errors: dict[int, list[str]]
) -> None:
    for row in rows:
        row.included = row.need.pk in posted
        row.chosen_id = posted.get(row.need.pk, row.chosen_id)
        row.errors = errors.get(row.need.pk, [])


@login_required
def matching_review(request: AuthedRequest, slug: str) -> HttpResponse:
    """The latest suggestions as a table to review, adjust and dispatch."""
    network = _coordinated(request, slug)
    return _review(request, network, cursor=request.GET.get("cursor", ""))


@login_required
@require_POST
def matching_suggest(request: AuthedRequest, slug: str) -> HttpResponse:
    network = _coordinated(request, slug)
    try:
        run = services.match_suggest(network=network, by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _summary(run))
    return redirect("matching:review", network.slug)


def _summary(run: MatchRun) -> str:
    return _(
        "Suggestions made. Needs with a suggested volunteer: %(matched)s of %(needs)s. "
        "Check them, change any you like, then send."
    ) % {"matched": run.matched_count, "needs": run.needs_count}


def _chosen(data: QueryDict) -> list[tuple[int, int]]:
    """(need id, volunteer id) for each ticked row of the review form."""
    try:
        return [
            (int(need_id), int(data.get(f"volunteer-{need_id}", "")))
            for need_id in data.getlist("include")
        ]
    except ValueError as error:
        raise Http404 from error  # not something the form sends


@login_required
@require_POST
def matching_dispatch(request: AuthedRequest, slug: str) -> HttpResponse:
    """Send the ticked needs to the chosen volunteers, all at once."""
    network = _coordinated(request, slug)
    chosen = _chosen(request.POST)
    pairs = selectors.dispatch_pairs(network=network, chosen=chosen)
    cursor = request.POST.get("cursor", "")
    try:
        sent = services.match_dispatch(network=network, by=request.user, pairs=pairs)
    except services.DispatchRefused as refused:
        # The form comes back as the coordinator left it, each problem beside its need.
        messages.error(request, str(refused))
        errors = {need_id: [str(m) for m in found] for need_id, found in refused.refusals.items()}
        return _review(request, network, cursor=cursor, posted=dict(chosen), errors=errors)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Needs sent: %(count)s. Each volunteer is asked to accept.") % {"count": len(sent)},
        )
    return redirect("matching:review", network.slug)


# ---------------------------------------------------------------------------- my tasks


@login_required
def my_tasks(request: AuthedRequest, slug: str) -> HttpResponse:
    """Needs sent to me to accept or decline, needs suggested for me, and my claims."""
    network = network_selectors.access_network(user=request.user, slug=slug, roles=VOLUNTEER_ROLES)
    context = network_context(user=request.user, network=network)
    context.update(
        dispatches=selectors.dispatch_list_for_volunteer(user=request.user, network=network),
        suggestions=selectors.suggestion_list_for_volunteer(user=request.user, network=network),
        claims=need_selectors.need_list_for_volunteer(user=request.user, network=network),
    )
    return render(request, "matching/my_tasks.html", context)


def _sent_to_me(request: AuthedRequest, slug: str, dispatch_id: int) -> tuple[Network, Dispatch]:
    user = request.user
    network = network_selectors.access_network(user=user, slug=slug, roles=VOLUNTEER_ROLES)
    return network, selectors.access_dispatch(user=user, network=network, dispatch_id=dispatch_id)


@login_required
@require_POST
def dispatch_accept(request: AuthedRequest, slug: str, dispatch_id: int) -> HttpResponse:
    network, dispatch = _sent_to_me(request, slug, dispatch_id)
    try:
        services.dispatch_accept(dispatch=dispatch, by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("matching:my_tasks", network.slug)
    messages.success(request, _("It's yours now. Reach out to the person soon."))
    return redirect(dispatch.need)


@login_required
@require_POST
def dispatch_decline(request: AuthedRequest, slug: str, dispatch_id: int) -> HttpResponse:
    network, dispatch = _sent_to_me(request, slug, dispatch_id)
    try:
        services.dispatch_decline(dispatch=dispatch, by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Thank you for saying so. Someone else will be asked."))
    return redirect("matching:my_tasks", network.slug)
