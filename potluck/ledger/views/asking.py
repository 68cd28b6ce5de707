"""Asking for money and deciding on it: members ask, volunteers ask to be paid back,
coordinators ask for a need's person, treasurers approve, refuse, pay and reverse."""

import base64
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from potluck.core.errors import DomainError
from potluck.core.http import AuthedRequest
from potluck.core.models import AuditEvent
from potluck.ledger import permissions, selectors, services
from potluck.ledger.forms.asking import AskForm, RefuseForm, ReimburseForm
from potluck.ledger.models import Disbursement, MoneyPolicy, Receipt
from potluck.ledger.receipts import CleanReceipt
from potluck.ledger.services.disbursements import NOT_FOR_THIS_NEED
from potluck.ledger.units import format_amount
from potluck.needs import selectors as need_selectors
from potluck.needs.models import Need
from potluck.networks import selectors as network_selectors
from potluck.networks.categories import Category
from potluck.networks.context import network_context
from potluck.networks.models import Network
from potluck.networks.permissions import VOLUNTEER_ROLES

NOT_A_MONEY_NEED = gettext_lazy(
    "Money can only be asked for here for an open need in the money category."
)
EVENT_LABELS = {
    "disbursement.requested": gettext_lazy("Asked"),
    "disbursement.approved": gettext_lazy("Approved"),
    "disbursement.refused": gettext_lazy("Not approved"),
    "disbursement.paid": gettext_lazy("Paid"),
    "disbursement.reversed": gettext_lazy("Payment reversed"),
    "disbursement.cancelled": gettext_lazy("Cancelled"),
}


# ---------------------------------------------------------------------------- asking


@login_required
def ask(request: AuthedRequest, slug: str) -> HttpResponse:
    """Any member asks for money for themselves: how much, what for, how to pay. Nothing else."""
    network = network_selectors.access_network(user=request.user, slug=slug)
    return _ask_page(request, network, template="ledger/ask.html", form_class=AskForm)


@login_required
def reimburse(request: AuthedRequest, slug: str) -> HttpResponse:
    """A volunteer asks to be paid back for something they bought, with the receipt."""
    network = network_selectors.access_network(user=request.user, slug=slug, roles=VOLUNTEER_ROLES)
    return _ask_page(
        request,
        network,
        template="ledger/reimburse.html",
        form_class=ReimburseForm,
        kind=Disbursement.Kind.REIMBURSEMENT,
    )


@login_required
def need_request(request: AuthedRequest, slug: str, need_id: int) -> HttpResponse:
    """A coordinator or the need's claimant asks the treasurers on the person's behalf."""
    network = network_selectors.access_network(user=request.user, slug=slug)
    need = need_selectors.access_need(user=request.user, network=network, need_id=need_id)
    if not permissions.can_request_for_need(request.user, need):
        money_need = need.category == Category.MONEY and need.status in Need.ACTIVE_STATUSES
        messages.error(request, str(NOT_FOR_THIS_NEED if money_need else NOT_A_MONEY_NEED))
        return redirect(need)
    return _ask_page(
        request,
        network,
        template="ledger/need_request.html",
        form_class=AskForm,
        need=need,
        initial={"category": need.category},
    )


def _ask_page(
    request: AuthedRequest,
    network: Network,
    *,
    template: str,
    form_class: type[AskForm],
    kind: str = Disbursement.Kind.AID,
    need: Need | None = None,
    initial: dict[str, Any] | None = None,
) -> HttpResponse:
    """The form; on success the new request's page. A refusal (limits) shows the form again."""
    policy = services.policy_for(network)
    form = form_class(
        request.POST or None,
        request.FILES or None,
        network=network,
        currency=policy.currency,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            disbursement = services.disbursement_request(
                network=network,
                requested_by=request.user,
                kind=kind,
                need=need,
                **form.cleaned_data,
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your request is with the treasurers."))
            return redirect(disbursement)
    context = network_context(user=request.user, network=network)
    context.update(form=form, need=need, limits=_limits(policy, kind))
    return render(request, template, context)


def _limits(policy: MoneyPolicy, kind: str) -> list[str]:
    """The network's rules for money out, in plain words."""
    unit = policy.currency
    limits = []
    if policy.max_per_request:
        limit = format_amount(policy.max_per_request, unit)
        limits.append(_("You can ask for up to %(limit)s at a time.") % {"limit": limit})
    # Paying a volunteer back is not aid to them: the monthly limit is for aid only.
    if policy.max_per_person_month and kind == Disbursement.Kind.AID:
        limit = format_amount(policy.max_per_person_month, unit)
        limits.append(_("Each person can receive up to %(limit)s a month.") % {"limit": limit})
    if policy.second_approval_above:
        limit = format_amount(policy.second_approval_above, unit)
        limits.append(_("Above %(limit)s, two treasurers approve the request.") % {"limit": limit})
    else:
        limits.append(_("Two treasurers approve every request."))
    return limits


@login_required
def mine(request: AuthedRequest, slug: str) -> HttpResponse:
    """What I asked for or receive, with where each request stands."""
    network = network_selectors.access_network(user=request.user, slug=slug)
    rows = list(selectors.disbursement_list_for_user(user=request.user, network=network))
    for disbursement in rows:
        _describe(disbursement)
    context = network_context(user=request.user, network=network)
    context["requests"] = rows
    return render(request, "ledger/mine.html", context)


# ---------------------------------------------------------------------------- one request


@login_required
def request_detail(request: AuthedRequest, slug: str, disbursement_id: int) -> HttpResponse:
    network = network_selectors.access_network(user=request.user, slug=slug)
    disbursement = selectors.access_disbursement(
        user=request.user, network=network, disbursement_id=disbursement_id
    )
    context = network_context(user=request.user, network=network)
    context.update(_detail_context(request, disbursement))
    return render(request, "ledger/request_detail.html", context)


def _detail_context(request: AuthedRequest, disbursement: Disbursement) -> dict[str, Any]:
    user = request.user
    status, states = disbursement.status, Disbursement.Status
    can_decide = permissions.can_decide_disbursement(user, disbursement)
    is_party = permissions.is_party_to(
        user, requested_by_id=disbursement.requested_by_id, recipient_id=disbursement.recipient_id
    )
    waiting = status == states.REQUESTED
    is_treasurer = permissions.can_manage_money(user, disbursement.network_id)
    approved_by_me = can_decide and disbursement.approvals.filter(treasurer=user).exists()
    return {
        "disbursement": _describe(disbursement),
        "history": _history(disbursement),
        # How and where to pay are for the person and the treasurers deciding, nobody else.
        "show_payout": is_party or can_decide,
        "approved_by_me": approved_by_me,
        "can_approve": can_decide and waiting and not approved_by_me,
        "can_refuse": can_decide and status in (states.REQUESTED, states.APPROVED),
        "can_pay": can_decide and status == states.APPROVED,
        "can_reverse": is_treasurer and status == states.PAID,
        "is_treasurer": is_treasurer,
        "can_cancel": waiting and disbursement.requested_by_id == user.pk,
        "has_receipt": Receipt.objects.filter(disbursement=disbursement).exists(),
        "refuse_form": RefuseForm(),
    }


def _describe(disbursement: Disbursement) -> Disbursement:
    """Give a request the words its pages show: amount, what it is for, approvals so far."""
    labels = dict(Category.choices)
    disbursement.amount_text = format_amount(  # type: ignore[attr-defined]
        disbursement.amount, disbursement.fund.unit
    )
    disbursement.category_text = labels.get(  # type: ignore[attr-defined]
        disbursement.category, disbursement.category
    )
    needed = disbursement.approvals_needed
    disbursement.approvals_text = ngettext(  # type: ignore[attr-defined]
        "%(count)s of %(needed)s approval", "%(count)s of %(needed)s approvals", needed
    ) % {"count": disbursement.approval_count, "needed": needed}
    return disbursement


def _history(disbursement: Disbursement) -> list[AuditEvent]:
    events = list(AuditEvent.objects.for_object(disbursement).select_related("actor"))
    for event in events:
        label = str(EVENT_LABELS.get(event.verb, event.verb))
        if event.verb == "disbursement.approved" and event.data.get("of", 1) > 1:
            label = _("Approved (%(count)s of %(needed)s)") % {
                "count": event.data.get("approval"),
                "needed": event.data.get("of"),
            }
        event.label = label  # type: ignore[attr-defined]
    return events


@login_required
def receipt(request: AuthedRequest, slug: str, disbursement_id: int) -> HttpResponse:
    """The receipt as Potluck keeps it (without metadata), as a download, never inline."""
    network = network_selectors.access_network(user=request.user, slug=slug)
    disbursement = selectors.access_disbursement(
        user=request.user, network=network, disbursement_id=disbursement_id
    )
    stored = Receipt.objects.filter(disbursement=disbursement).first()
    if stored is None or not stored.data:
        raise Http404
    clean = CleanReceipt(base64.b64decode(stored.data), stored.content_type)
    response = HttpResponse(clean.data, content_type=clean.content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="receipt-{disbursement.pk}.{clean.extension}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------- deciding


def _act(
    request: AuthedRequest,
    slug: str,
    disbursement_id: int,
    action: Callable[[Disbursement], str],
) -> HttpResponse:
    """Run one service on a request the person can see; say how it went; back to its page."""
    network = network_selectors.access_network(user=request.user, slug=slug)
    disbursement = selectors.access_disbursement(
        user=request.user, network=network, disbursement_id=disbursement_id
    )
    try:
        done = action(disbursement)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect(disbursement)


@login_required
@require_POST
def approve(request: AuthedRequest, slug: str, disbursement_id: int) -> HttpResponse:
    def run(disbursement: Disbursement) -> str:
        services.disbursement_approve(disbursement=disbursement, treasurer=request.user)
        if disbursement.status == Disbursement.Status.APPROVED:
            return _("Approved. It can be paid now.")
        return _("Your approval is recorded. Another treasurer needs to approve it too.")

    return _act(request, slug, disbursement_id, run)


@login_required
@require_POST
def refuse(request: AuthedRequest, slug: str, disbursement_id: int) -> HttpResponse:
    form = RefuseForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else None

    def run(disbursement: Disbursement) -> str:
        if reason is None:  # too long: refuse nothing rather than drop what they wrote
            raise DomainError(str(form.errors["reason"][0]))
        services.disbursement_refuse(
            disbursement=disbursement, treasurer=request.user, reason=reason
        )
        return _("The request was not approved.")

    return _act(request, slug, disbursement_id, run)


@login_required
@require_POST
def pay(request: AuthedRequest, slug: str, disbursement_id: int) -> HttpResponse:
    def run(disbursement: Disbursement) -> str:
        services.disbursement_pay(disbursement=disbursement, treasurer=request.user)
        return _("Marked as paid. The money has left the fund.")

    return _act(request, slug, disbursement_id, run)


@login_required
@require_POST
def reverse_payment(request: AuthedRequest, slug: str, disbursement_id: int) -> HttpResponse:
    def run(disbursement: Disbursement) -> str:
        services.disbursement_reverse(disbursement=disbursement, treasurer=request.user)
        return _("The payment was reversed. The money is back in the fund.")

    return _act(request, slug, disbursement_id, run)


@login_required
@require_POST
def cancel(request: AuthedRequest, slug: str, disbursement_id: int) -> HttpResponse:
    def run(disbursement: Disbursement) -> str:
        services.disbursement_cancel(disbursement=disbursement, user=request.user)
        return _("Your request is cancelled.")

    return _act(request, slug, disbursement_id, run)
