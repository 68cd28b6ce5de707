"""/api/v1 operations for money: the public summary, donations and requests for money out.

The same services as the pages. Operations that move money accept an `Idempotency-Key` header
(potluck.api.idempotency): a retried request gets the first answer and moves nothing more.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Router, Status
from ninja.params import Query

from potluck.accounts.models import User
from potluck.api.auth import ApiRequest
from potluck.api.errors import ERROR_RESPONSES
from potluck.api.idempotency import KeyHeader, idempotent
from potluck.api.pagination import Page, paginate
from potluck.core.errors import DomainError
from potluck.ledger import selectors, services
from potluck.ledger.models import Account, Campaign, Disbursement, Donation
from potluck.ledger.permissions import can_manage_money
from potluck.ledger.schemas import (
    WAITING,
    DisbursementFilters,
    DisbursementId,
    DisbursementIn,
    DisbursementOut,
    DisbursementPage,
    DonationFilters,
    DonationIn,
    DonationOut,
    DonationPage,
    MoneySummaryOut,
    RefuseIn,
    SummaryQuery,
)
from potluck.ledger.services.donations import CAMPAIGN_ELSEWHERE
from potluck.ledger.services.funds import NOT_A_FUND, require_money_role
from potluck.ledger.transparency import transparency_summary
from potluck.networks.models import Network
from potluck.networks.selectors import (
    access_network,
    access_public_network,
    network_list_for_user,
)

router = Router(tags=["money"])

# Every operation may answer with the one error shape (see potluck.api.errors), 409 and 422
# included.
ERRORS = ERROR_RESPONSES

# ---------------------------------------------------------------------------- helpers


def _access_disbursement(user: User, disbursement_id: int) -> Disbursement:
    """The request through its network, as the pages reach it; 404 if `user` can't see it."""
    network = network_list_for_user(user=user).filter(disbursements__pk=disbursement_id).first()
    if network is None:
        raise Http404
    return selectors.access_disbursement(
        user=user, network=network, disbursement_id=disbursement_id
    )


def _fund(network: Network, fund_id: int | None) -> Account | None:
    """The fund asked for (None if none was); refused if it isn't one of the network's."""
    if fund_id is None:
        return None
    fund = selectors.access_fund(network=network, fund_id=fund_id)
    if fund is None:
        raise DomainError(NOT_A_FUND, code="not_a_fund")
    return fund


def _general_fund(network: Network) -> Account:
    fund = selectors.fund_list(network=network).filter(is_general=True).first()
    if fund is None:
        raise DomainError(NOT_A_FUND, code="not_a_fund")
    return fund


def _campaign(network: Network, campaign_id: int | None) -> Campaign | None:
    if campaign_id is None:
        return None
    try:
        return selectors.access_campaign(network=network, campaign_id=campaign_id)
    except Http404:
        raise DomainError(CAMPAIGN_ELSEWHERE, code="campaign_elsewhere") from None


def _requests_for(user: User, network: Network, status: str | None) -> QuerySet[Disbursement]:
    """Treasurers see every request of the network, members their own; newest first."""
    rows: QuerySet[Disbursement]
    if can_manage_money(user, network.pk):
        rows = Disbursement.objects.filter(network=network)
    else:
        rows = selectors.disbursement_list_for_user(user=user, network=network)
    if status == WAITING:  # as Disbursement.objects.waiting()
        rows = rows.filter(status__in=[Disbursement.Status.REQUESTED, Disbursement.Status.APPROVED])
    elif status:
        rows = rows.filter(status=status)
    return rows.select_related("network", "fund", "requested_by").order_by("-created_at", "-pk")


# ---------------------------------------------------------------------------- summary


@router.get("/money/summary", auth=None, response={200: MoneySummaryOut, **ERRORS})
def money_summary(request: HttpRequest, query: Query[SummaryQuery]) -> dict[str, Any]:
    """Public: what each fund holds, and money in and out by month. Never names anyone."""
    network = access_public_network(slug=query.network)
    summary = transparency_summary(network=network, months=query.months)
    return {
        "network": network.slug,
        "currency": summary.unit,
        "funds": list(selectors.fund_list(network=network)),
        "funds_total": summary.funds_total,
        "total_in": summary.total_in,
        "total_out": summary.total_out,
        "months": summary.months,
    }


# ---------------------------------------------------------------------------- donations


@router.post("/donations", response={201: DonationOut, **ERRORS})
def create_donation(
    request: ApiRequest, payload: DonationIn, idempotency_key: KeyHeader = None
) -> HttpResponse | Status[Any]:
    """Treasurers: record money that arrived. The donor's name is kept private and never sent
    back."""

    def record() -> Donation:
        user = request.auth
        network = access_network(user=user, slug=payload.network)
        require_money_role(user, network)
        return services.donation_record(
            network=network,
            actor=user,
            fund=_fund(network, payload.fund) or _general_fund(network),
            amount=payload.amount,
            received_on=payload.received_on,
            method=payload.method,
            donor_name=payload.donor_name,
            anonymous=payload.anonymous,
            campaign=_campaign(network, payload.campaign),
            source=Donation.Source.API,
        )

    return idempotent(request, key=idempotency_key, status=201, out=DonationOut, act=record)


@router.get("/donations", response={200: DonationPage, **ERRORS})
def list_donations(request: ApiRequest, filters: Query[DonationFilters]) -> Page[Donation]:
    """Treasurers: the network's donations, most recently recorded first."""
    network = access_network(user=request.auth, slug=filters.network)
    require_money_role(request.auth, network)
    # By when recorded, not when received: a late-recorded gift can't slip in behind a cursor.
    rows = selectors.donation_list(network=network).select_related("network")
    rows = rows.order_by("-created_at", "-pk")
    return paginate(rows, cursor=filters.cursor, limit=filters.limit, salt="api.donations")


# ---------------------------------------------------------------------------- requests


@router.post("/disbursements", response={201: DisbursementOut, **ERRORS})
def create_disbursement(
    request: ApiRequest, payload: DisbursementIn, idempotency_key: KeyHeader = None
) -> HttpResponse | Status[Any]:
    """Members: ask the treasurers for money for yourself. Limits are the network's policy;
    nobody is asked why."""

    def ask() -> Disbursement:
        network = access_network(user=request.auth, slug=payload.network)
        return services.disbursement_request(
            network=network,
            requested_by=request.auth,
            amount=payload.amount,
            category=payload.category,
            payout_method=payload.payout_method,
            payout_handle=payload.payout_handle,
            purpose=payload.purpose,
            fund=_fund(network, payload.fund),
        )

    return idempotent(request, key=idempotency_key, status=201, out=DisbursementOut, act=ask)


@router.get("/disbursements", response={200: DisbursementPage, **ERRORS})
def list_disbursements(
    request: ApiRequest, filters: Query[DisbursementFilters]
) -> Page[Disbursement]:
    """Treasurers: every request of the network; members: their own. Newest first."""
    network = access_network(user=request.auth, slug=filters.network)
    rows = _requests_for(request.auth, network, filters.status)
    return paginate(rows, cursor=filters.cursor, limit=filters.limit, salt="api.disbursements")


@router.get("/disbursements/{disbursement_id}", response={200: DisbursementOut, **ERRORS})
def get_disbursement(request: ApiRequest, disbursement_id: DisbursementId) -> Disbursement:
    """One request, for the person who asked or receives it and the treasurers."""
    return _access_disbursement(request.auth, disbursement_id)


@router.post("/disbursements/{disbursement_id}/approve", response={200: DisbursementOut, **ERRORS})
def approve_disbursement(request: ApiRequest, disbursement_id: DisbursementId) -> Disbursement:
    """Treasurers: say yes; above the policy's threshold two different treasurers must."""
    disbursement = _access_disbursement(request.auth, disbursement_id)
    return services.disbursement_approve(disbursement=disbursement, treasurer=request.auth)


@router.post("/disbursements/{disbursement_id}/refuse", response={200: DisbursementOut, **ERRORS})
def refuse_disbursement(
    request: ApiRequest, disbursement_id: DisbursementId, payload: RefuseIn
) -> Disbursement:
    """Treasurers: say no, and kindly why (the person sees it)."""
    disbursement = _access_disbursement(request.auth, disbursement_id)
    return services.disbursement_refuse(
        disbursement=disbursement, treasurer=request.auth, reason=payload.reason
    )


@router.post("/disbursements/{disbursement_id}/pay", response={200: DisbursementOut, **ERRORS})
def pay_disbursement(
    request: ApiRequest, disbursement_id: DisbursementId, idempotency_key: KeyHeader = None
) -> HttpResponse | Status[Any]:
    """Treasurers: the money was sent. It leaves the fund, never below zero."""

    def pay() -> Disbursement:
        disbursement = _access_disbursement(request.auth, disbursement_id)
        return services.disbursement_pay(disbursement=disbursement, treasurer=request.auth)

    return idempotent(request, key=idempotency_key, status=200, out=DisbursementOut, act=pay)


@router.post("/disbursements/{disbursement_id}/reverse", response={200: DisbursementOut, **ERRORS})
def reverse_disbursement(request: ApiRequest, disbursement_id: DisbursementId) -> Disbursement:
    """Treasurers: the payment didn't go through; the money goes back into the fund."""
    disbursement = _access_disbursement(request.auth, disbursement_id)
    return services.disbursement_reverse(disbursement=disbursement, treasurer=request.auth)
