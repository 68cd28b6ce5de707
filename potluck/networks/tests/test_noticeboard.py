"""The printable offers board: what is offered and roughly where, never by whom."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from potluck.conftest import login
from potluck.needs.models import Offer
from potluck.needs.tests.factories import OfferFactory
from potluck.networks.reach_views import NOTICEBOARD_SIZE
from potluck.networks.tests.factories import NetworkFactory

pytestmark = pytest.mark.django_db

CANARY = {
    "name": "CanaryAuthor-7f3e",
    "email": "canary-7f3e@example.org",
    "details": "CanaryDetails-7f3e call me on 07700 900123",
}


def board_url(network) -> str:
    return reverse("networks:noticeboard", args=[network.slug])


@pytest.fixture
def canary_offer(network, user_factory):
    author = user_factory(display_name=CANARY["name"], email=CANARY["email"])
    return OfferFactory.create(
        network=network,
        author=author,
        kind="goods",
        title="A pram and baby clothes",
        description=CANARY["details"],
        area="Old Mill",
    )


def test_member_sees_open_offers_without_names_or_contacts(client, network, member, canary_offer):
    closed = OfferFactory.create(network=network, title="A closed offer", status="closed")
    elsewhere = OfferFactory.create(title="Another network's offer")
    login(client, member)
    response = client.get(board_url(network))
    assert response.status_code == 200
    page = response.content.decode()
    assert "A pram and baby clothes" in page
    assert "Old Mill" in page
    assert str(Offer.Kind.GOODS.label) in page
    for secret in CANARY.values():
        assert secret not in page
    assert closed.title not in page
    assert elsewhere.title not in page


def test_board_tells_people_how_to_answer(client, network, member):
    network.phone_number, network.sms_number, network.sms_keyword = (
        "+15550100100",
        "+15550100200",
        "RIVER",
    )
    network.save()
    login(client, member)
    page = client.get(board_url(network)).content.decode()
    offers_url = settings.SITE_URL + reverse("needs:offers", args=[network.slug])
    assert "+15550100100" in page
    assert "RIVER" in page
    assert "+15550100200" in page
    assert offers_url in page
    assert '<svg role="img"' in page  # the QR code, drawn on the server
    assert "networks/noticeboard.css" in page


def test_board_without_numbers_leaves_those_lines_out(client, network, member):
    login(client, member)
    page = client.get(board_url(network)).content.decode()
    assert 'class="big"' not in page


def test_board_shows_the_newest_offers_in_constant_queries(client, network, member):
    login(client, member)
    now = timezone.now()
    for number in range(NOTICEBOARD_SIZE + 5):
        offer = OfferFactory.create(network=network, title=f"Offer number {number:02d}")
        Offer.objects.filter(pk=offer.pk).update(created_at=now - timedelta(minutes=number))
    client.get(board_url(network))  # warm up: sessions, content types
    with CaptureQueriesContext(connection) as many:
        page = client.get(board_url(network)).content.decode()
    assert "Offer number 00" in page
    assert f"Offer number {NOTICEBOARD_SIZE - 1:02d}" in page
    assert f"Offer number {NOTICEBOARD_SIZE:02d}" not in page
    Offer.objects.filter(network=network).exclude(title="Offer number 00").delete()
    with CaptureQueriesContext(connection) as one:
        client.get(board_url(network))
    assert len(many) == len(one)


def test_board_with_no_offers_says_so(client, network, member):
    login(client, member)
    response = client.get(board_url(network))
    assert response.status_code == 200
    assert response.context["offers"].count() == 0


@pytest.mark.parametrize("who", ["stranger", "pending_member"])
def test_people_outside_the_network_get_404(client, network, who, request, canary_offer):
    login(client, request.getfixturevalue(who))
    assert client.get(board_url(network)).status_code == 404


def test_anonymous_people_are_asked_to_log_in(client, network, canary_offer):
    response = client.get(board_url(network))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_home_page_links_members_to_the_board(client, network, member):
    assert board_url(network) not in client.get(network.get_absolute_url()).content.decode()
    login(client, member)
    assert board_url(network) in client.get(network.get_absolute_url()).content.decode()


def test_another_networks_board_is_404_for_a_member_here(client, member):
    other = NetworkFactory.create()
    login(client, member)
    assert client.get(board_url(other)).status_code == 404
