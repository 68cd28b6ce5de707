"""Reads for needs and offers: the board, the triage queue and the access helpers."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from potluck.conftest import make_actor
from potluck.needs import selectors, services
from potluck.needs.models import Need, Offer
from potluck.needs.selectors import BoardFilters
from potluck.needs.tests.factories import MatchFactory, NeedFactory, OfferFactory
from potluck.networks.tests.factories import NetworkFactory

pytestmark = pytest.mark.django_db


def ago(**delta: float):
    return timezone.now() - timedelta(**delta)


def pks(needs) -> list[int]:
    return [need.pk for need in needs]


# the board ------------------------------------------------------------------------------


@pytest.fixture
def board(network):
    """One need per distinguishing value, plus a need in another network."""
    needs = {
        "groceries": NeedFactory.create(network=network, category="groceries", area="Riverside"),
        "rides": NeedFactory.create(network=network, category="rides", area="Old Mill Road"),
        "today": NeedFactory.create(network=network, category="meals", urgency="today", area="x"),
        "spanish": NeedFactory.create(network=network, category="meals", language="es", area="y"),
        "claimed": NeedFactory.create(
            network=network, status="claimed", claimant=make_actor("volunteer", network)
        ),
        "delivered": NeedFactory.create(network=network, status="delivered"),
        "closed": NeedFactory.create(network=network, status="closed"),
        "withdrawn": NeedFactory.create(network=network, status="withdrawn"),
    }
    NeedFactory.create(network=NetworkFactory.create(), category="rides", area="Riverside")
    return needs


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (BoardFilters(), ["groceries", "rides", "today", "spanish"]),
        (BoardFilters(category="rides"), ["rides"]),
        (BoardFilters(area="mill"), ["rides"]),
        (BoardFilters(urgency="today"), ["today"]),
        (BoardFilters(language="es"), ["spanish"]),
        (BoardFilters(category="meals", language="es"), ["spanish"]),
        (BoardFilters(status="claimed"), ["claimed"]),
        (BoardFilters(status="closed"), ["closed"]),
        (
            BoardFilters(status="active"),
            ["groceries", "rides", "today", "spanish", "claimed", "delivered"],
        ),
        (
            BoardFilters(status=""),
            [
                "groceries",
                "rides",
                "today",
                "spanish",
                "claimed",
                "delivered",
                "closed",
                "withdrawn",
            ],
        ),
        (BoardFilters(category="housing"), []),
    ],
    ids=[
        "default-open",
        "category",
        "area",
        "urgency",
        "language",
        "combined",
        "claimed",
        "closed",
        "active",
        "any-status",
        "no-match",
    ],
)
def test_coordinator_can_filter_the_board(network, board, filters, expected):
    found = selectors.need_list_for_board(network=network, filters=filters)
    assert sorted(pks(found)) == sorted(board[name].pk for name in expected)


def test_board_shows_the_most_urgent_first_then_the_longest_waiting(network):
    flexible_old = NeedFactory.create(network=network, urgency="flexible", created_at=ago(days=9))
    today_new = NeedFactory.create(network=network, urgency="today", created_at=ago(hours=1))
    today_old = NeedFactory.create(network=network, urgency="today", created_at=ago(days=2))
    week = NeedFactory.create(network=network, urgency="this_week", created_at=ago(days=1))
    few_days = NeedFactory.create(network=network, urgency="few_days", created_at=ago(minutes=5))

    found = selectors.need_list_for_board(network=network, filters=BoardFilters())

    assert pks(found) == pks([today_old, today_new, few_days, week, flexible_old])


def test_offer_board_lists_open_offers_of_this_network(network):
    ride = OfferFactory.create(network=network, kind="rides", area="Eastgate")
    goods = OfferFactory.create(network=network, kind="goods", area="Riverside")
    OfferFactory.create(network=network, status=Offer.Status.CLOSED)
    OfferFactory.create()

    assert set(selectors.offer_list_for_board(network=network)) == {ride, goods}
    assert list(selectors.offer_list_for_board(network=network, kind="goods")) == [goods]
    assert list(selectors.offer_list_for_board(network=network, area="east")) == [ride]


# the triage queue ------------------------------------------------------------------------


def test_coordinator_sees_new_stale_expiring_and_delivered_needs_in_the_queue(network):
    volunteer = make_actor("volunteer", network)
    now = timezone.now()
    new = NeedFactory.create(network=network, created_at=now - timedelta(hours=2))
    newer = NeedFactory.create(network=network, created_at=now - timedelta(minutes=5))
    middling = NeedFactory.create(network=network, created_at=now - timedelta(days=2))
    stale = NeedFactory.create(network=network, created_at=now - timedelta(days=4))
    staler = NeedFactory.create(network=network, created_at=now - timedelta(days=10))
    expiring = NeedFactory.create(
        network=network,
        status="claimed",
        claimant=volunteer,
        claim_expires_at=now + timedelta(hours=2),
    )
    overdue = NeedFactory.create(
        network=network,
        status="claimed",
        claimant=volunteer,
        claim_expires_at=now - timedelta(hours=1),
    )
    lasting = NeedFactory.create(
        network=network,
        status="claimed",
        claimant=volunteer,
        claim_expires_at=now + timedelta(days=1),
    )
    delivered = NeedFactory.create(
        network=network, status="delivered", delivered_at=now, claimant=volunteer
    )
    NeedFactory.create(network=network, status="closed", created_at=now)
    NeedFactory.create(network=NetworkFactory.create(), created_at=now)

    queue = selectors.need_list_for_triage(network=network)

    assert pks(queue.new) == pks([new, newer])
    assert pks(queue.stale) == pks([staler, stale])
    assert pks(queue.expiring) == pks([overdue, expiring])
    assert pks(queue.delivered) == pks([delivered])
    listed = {*pks(queue.new), *pks(queue.stale), *pks(queue.expiring), *pks(queue.delivered)}
    assert middling.pk not in listed
    assert lasting.pk not in listed


def test_volunteer_sees_their_claims_and_deliveries_awaiting_closing(network, volunteer):
    mine = NeedFactory.create(network=network)
    services.need_claim(need=mine, volunteer=volunteer)
    delivered = NeedFactory.create(network=network, status="delivered", claimant=volunteer)
    NeedFactory.create(network=network, status="closed", claimant=volunteer)
    NeedFactory.create(
        network=network,
        status="claimed",
        claimant=make_actor("volunteer", network),
        claim_expires_at=timezone.now(),
    )

    found = selectors.need_list_for_volunteer(user=volunteer, network=network)

    assert set(pks(found)) == {mine.pk, delivered.pk}


# visibility and access -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "sees"),
    [
        ("member", True),
        ("volunteer", True),
        ("coordinator", True),
        ("pending", False),
        ("stranger", False),
        ("anonymous", False),
    ],
)
def test_only_active_members_see_a_networks_needs_and_offers(network, actor, sees):
    need = NeedFactory.create(network=network)
    offer = OfferFactory.create(network=network)
    NeedFactory.create(network=NetworkFactory.create())
    OfferFactory.create()
    user = make_actor(actor, network)

    assert list(Need.objects.visible_to(user)) == ([need] if sees else [])
    assert list(Offer.objects.visible_to(user)) == ([offer] if sees else [])


def test_member_can_open_a_need_of_their_network(network, need, member):
    assert selectors.access_need(user=member, network=network, need_id=need.pk) == need


@pytest.mark.parametrize("actor", ["pending", "stranger", "anonymous"])
def test_outsider_gets_not_found_for_a_need(network, need, actor):
    with pytest.raises(Http404):
        selectors.access_need(user=make_actor(actor, network), network=network, need_id=need.pk)


def test_member_cannot_reach_another_networks_need_through_their_own_network(network, member):
    elsewhere = NeedFactory.create(network=NetworkFactory.create())
    with pytest.raises(Http404):
        selectors.access_need(user=member, network=network, need_id=elsewhere.pk)


def test_member_cannot_reach_their_need_under_another_networks_address(network, need, member):
    other = NetworkFactory.create()
    make_actor("member", other)
    with pytest.raises(Http404):
        selectors.access_need(user=member, network=other, need_id=need.pk)


@pytest.mark.parametrize("token", ["", "x" * 65, "wrong"])
def test_requester_link_with_a_bad_token_is_not_found(need, token):
    with pytest.raises(Http404):
        selectors.access_need_by_token(token=token)


def test_member_can_open_an_offer_but_outsider_cannot(network, offer, member, stranger):
    assert selectors.access_offer(user=member, network=network, offer_id=offer.pk) == offer
    with pytest.raises(Http404):
        selectors.access_offer(user=stranger, network=network, offer_id=offer.pk)


def test_only_the_two_people_in_a_match_can_open_it(network, offer, member, volunteer, coordinator):
    match = services.offer_respond(offer=offer, responder=volunteer, message="Hi")
    for user in (member, volunteer):
        assert selectors.access_match(user=user, network=network, match_id=match.pk) == match
    for user in (coordinator, AnonymousUser()):
        with pytest.raises(Http404):
            selectors.access_match(user=user, network=network, match_id=match.pk)
    with pytest.raises(Http404):
        selectors.access_match(user=member, network=NetworkFactory.create(), match_id=match.pk)


def test_member_sees_their_open_conversations_from_both_sides(network, offer, member, volunteer):
    answered = services.offer_respond(offer=offer, responder=volunteer, message="Hi")
    theirs = OfferFactory.create(network=network, author=volunteer)
    asked = services.offer_respond(offer=theirs, responder=member, message="Hello")
    MatchFactory.create(offer=OfferFactory.create(network=network))  # someone else's
    closed = MatchFactory.create(
        offer=theirs, responder=make_actor("member", network), status="closed"
    )

    found = set(selectors.match_list_for_user(user=member, network=network))

    assert found == {answered, asked}
    assert closed not in found


def test_coordinator_sees_notes_and_history_of_a_need(claimed_need, volunteer):
    services.need_add_note(need=claimed_need, author=volunteer, body="Called")
    services.need_add_requester_message(need=claimed_need, body="Thanks")

    assert [note.body for note in selectors.need_notes(need=claimed_need)] == ["Called", "Thanks"]
    assert [event.verb for event in selectors.need_history(need=claimed_need)] == [
        "need.claimed",
        "need.noted",
        "need.requester_message",
    ]
