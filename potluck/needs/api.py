"""/api/v1 operations for needs and offers: parse input, call one service or selector, answer."""

import operator
from functools import reduce
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from ninja import Router, Status
from ninja.params import Query

from potluck.accounts.models import User
from potluck.api.auth import ApiRequest
from potluck.api.errors import ERROR_RESPONSES
from potluck.api.pagination import Page, paginate
from potluck.core.errors import DomainError
from potluck.needs import selectors, services
from potluck.needs.models import Claim, Match, Need, Offer
from potluck.needs.permissions import can_enter_need_for_someone
from potluck.needs.schemas import (
    ANY_STATUS,
    ClaimOut,
    CloseIn,
    ContactOut,
    MatchOut,
    NeedCreatedOut,
    NeedFilters,
    NeedId,
    NeedIn,
    NeedOut,
    NeedPage,
    OfferFilters,
    OfferId,
    OfferIn,
    OfferOut,
    OfferPage,
    ReleaseIn,
    RespondIn,
)
from potluck.networks.models import Network
from potluck.networks.selectors import access_network, network_list_for_user

router = Router()

# Every operation may answer with the one error shape (see potluck.api.errors).
ERRORS = ERROR_RESPONSES

# ---------------------------------------------------------------------------- helpers


def _access_need(user: User, need_id: int) -> Need:
    """The need through its network, as the pages reach it; 404 if `user` can't see it."""
    visible = Need.objects.visible_to(user).filter(pk=need_id)
    network = Network.objects.filter(needs__in=visible).first()
    if network is None:
        raise Http404
    return selectors.access_need(user=user, network=network, need_id=need_id)


def _access_offer(user: User, offer_id: int) -> Offer:
    visible = Offer.objects.visible_to(user).filter(pk=offer_id)
    network = Network.objects.filter(offers__in=visible).first()
    if network is None:
        raise Http404
    return selectors.access_offer(user=user, network=network, offer_id=offer_id)


def _status_url(token: str) -> str:
    try:
        path = reverse("status:detail", args=[token])
    except NoReverseMatch:
        path = f"/s/{token}/"  # the status page's address, before its view is wired up
    return settings.SITE_URL + path


def _board_filters(filters: NeedFilters) -> selectors.BoardFilters:
    return selectors.BoardFilters(
        category=filters.category or "",
        area=filters.area,
        urgency=filters.urgency or "",
        language=filters.language,
        status="" if filters.status == ANY_STATUS else filters.status,
    )


def _networks(user: User, slug: str | None) -> list[Network]:
    """The one network asked for (404 unless a member), or all of `user`'s networks."""
    if slug:
        return [access_network(user=user, slug=slug)]
    return list(network_list_for_user(user=user))


def _either(boards: list[QuerySet[Any]], empty: QuerySet[Any]) -> QuerySet[Any]:
    return reduce(operator.or_, boards) if boards else empty


# ---------------------------------------------------------------------------- needs


@router.get("/needs", response={200: NeedPage, **ERRORS}, tags=["needs"])
def list_needs(request: ApiRequest, filters: Query[NeedFilters]) -> Page[Need]:
    """Needs on the boards of your networks (or of one), most urgent and longest waiting first."""
    board = _board_filters(filters)
    boards = [
        selectors.need_list_for_board(network=network, filters=board)
        for network in _networks(request.auth, filters.network)
    ]
    needs = _either(boards, Need.objects.none()).select_related("network")
    return paginate(needs, cursor=filters.cursor, limit=filters.limit, salt="api.needs")


@router.post("/needs", response={201: NeedCreatedOut, **ERRORS}, tags=["needs"])
def create_need(request: ApiRequest, payload: NeedIn) -> Status[dict[str, Any]]:
    """Ask for help; a volunteer or coordinator asking is writing it down for someone."""
    user = request.auth
    network = access_network(user=user, slug=payload.network)
    if payload.language not in network.languages:
        raise DomainError(services.UNKNOWN_LANGUAGE, code="unknown_language")
    phone_intake = can_enter_need_for_someone(user, network.pk)
    need, token = services.need_create(
        network=network,
        category=payload.category,
        description=payload.description,
        area=payload.area,
        urgency=payload.urgency,
        contact_method=payload.contact_method,
        contact_value=payload.contact_value,
        contact_times=payload.contact_times,
        language=payload.language,
        requester=None if phone_intake else user,
        entered_by=user if phone_intake else None,
    )
    return Status(201, {"need": need, "status_url": _status_url(token)})


@router.get("/needs/{need_id}", response={200: NeedOut, **ERRORS}, tags=["needs"])
def get_need(request: ApiRequest, need_id: NeedId) -> Need:
    """One need, without contact details (see reveal_need_contact)."""
    return _access_need(request.auth, need_id)


@router.post("/needs/{need_id}/contact", response={200: ContactOut, **ERRORS}, tags=["needs"])
def reveal_need_contact(request: ApiRequest, need_id: NeedId) -> dict[str, Any]:
    """The requester's contact details, for the claimant and coordinators only. A POST,
    because every look is logged in the need's history."""
    need = _access_need(request.auth, need_id)
    return services.need_reveal_contact(need=need, by=request.auth)


@router.post("/needs/{need_id}/claim", response={201: ClaimOut, **ERRORS}, tags=["needs"])
def claim_need(request: ApiRequest, need_id: NeedId) -> Status[Claim]:
    """Take on an open need; if two volunteers try at once, one gets 409 "not_open"."""
    need = _access_need(request.auth, need_id)
    return Status(201, services.need_claim(need=need, volunteer=request.auth))


@router.post("/needs/{need_id}/release", response={200: NeedOut, **ERRORS}, tags=["needs"])
def release_need(request: ApiRequest, need_id: NeedId, payload: ReleaseIn) -> Need:
    """Give a claimed need back to the queue."""
    need = _access_need(request.auth, need_id)
    return services.need_release(need=need, by=request.auth, reason=payload.reason)


@router.post("/needs/{need_id}/deliver", response={200: NeedOut, **ERRORS}, tags=["needs"])
def deliver_need(request: ApiRequest, need_id: NeedId) -> Need:
    """Say help was delivered."""
    need = _access_need(request.auth, need_id)
    return services.need_mark_delivered(need=need, by=request.auth)


@router.post("/needs/{need_id}/close", response={200: NeedOut, **ERRORS}, tags=["needs"])
def close_need(request: ApiRequest, need_id: NeedId, payload: CloseIn) -> Need:
    """End a need: "closed" (met), "no_answer", "withdrawn", "duplicate" or "referred"."""
    need = _access_need(request.auth, need_id)
    return services.need_close(need=need, by=request.auth, outcome=payload.outcome)


# ---------------------------------------------------------------------------- offers


@router.get("/offers", response={200: OfferPage, **ERRORS}, tags=["offers"])
def list_offers(request: ApiRequest, filters: Query[OfferFilters]) -> Page[Offer]:
    """Open offers in your networks (or in one), newest first."""
    boards = [
        selectors.offer_list_for_board(network=network, kind=filters.kind or "", area=filters.area)
        for network in _networks(request.auth, filters.network)
    ]
    offers = _either(boards, Offer.objects.none()).select_related("network", "author")
    return paginate(offers, cursor=filters.cursor, limit=filters.limit, salt="api.offers")


@router.post("/offers", response={201: OfferOut, **ERRORS}, tags=["offers"])
def create_offer(request: ApiRequest, payload: OfferIn) -> Status[Offer]:
    """Offer something to a network."""
    network = access_network(user=request.auth, slug=payload.network)
    offer = services.offer_create(
        network=network,
        author=request.auth,
        kind=payload.kind,
        title=payload.title,
        description=payload.description,
        area=payload.area,
    )
    return Status(201, offer)


@router.get("/offers/{offer_id}", response={200: OfferOut, **ERRORS}, tags=["offers"])
def get_offer(request: ApiRequest, offer_id: OfferId) -> Offer:
    """One offer."""
    return _access_offer(request.auth, offer_id)


@router.post("/offers/{offer_id}/respond", response={201: MatchOut, **ERRORS}, tags=["offers"])
def respond_to_offer(request: ApiRequest, offer_id: OfferId, payload: RespondIn) -> Status[Match]:
    """Answer an offer: opens a private conversation with the person offering."""
    offer = _access_offer(request.auth, offer_id)
    match = services.offer_respond(offer=offer, responder=request.auth, message=payload.message)
    return Status(201, match)
