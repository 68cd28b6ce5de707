import pytest
from django.urls import reverse

from potluck.conftest import login
from potluck.networks import services
from potluck.networks.models import Membership, Network

pytestmark = pytest.mark.django_db


def test_anyone_sees_a_networks_public_page(client, network):
    response = client.get(network.get_absolute_url())
    assert response.status_code == 200
    assert reverse("needs:ask", args=[network.slug]) in response.content.decode()


def test_unknown_network_is_404(client, db):
    assert client.get(reverse("networks:home", args=["nope"])).status_code == 404


def test_person_asks_to_join_and_coordinator_approves(client, network, user_factory, coordinator):
    person = user_factory()
    client.force_login(person)
    client.post(reverse("networks:join", args=[network.slug]), {"note": "I have a car"})
    membership = Membership.objects.get(user=person)
    assert membership.status == Membership.Status.PENDING
    assert client.get(reverse("needs:board", args=[network.slug])).status_code == 404
    login(client, coordinator)
    assert (
        "I have a car"
        in client.get(reverse("networks:members", args=[network.slug])).content.decode()
    )
    client.post(
        reverse("networks:membership_answer", args=[network.slug, membership.pk]),
        {"answer": "approve"},
    )
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE


def test_open_network_lets_people_straight_in(client, network_factory, user_factory):
    network = network_factory(join_policy=Network.JoinPolicy.OPEN)
    person = user_factory()
    client.force_login(person)
    client.post(reverse("networks:join", args=[network.slug]))
    assert client.get(reverse("needs:board", args=[network.slug])).status_code == 200


def test_member_cannot_manage_members(client, network, member):
    client.force_login(member)
    assert client.get(reverse("networks:members", args=[network.slug])).status_code == 404


def test_stranger_cannot_approve_requests_in_another_network(
    client, network, user_factory, stranger
):
    membership = services.network_join(network=network, user=user_factory())
    client.force_login(stranger)
    response = client.post(
        reverse("networks:membership_answer", args=[network.slug, membership.pk]),
        {"answer": "approve"},
    )
    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.status == Membership.Status.PENDING


def test_coordinator_invites_by_link_and_a_person_joins(client, network, coordinator, user_factory):
    login(client, coordinator)
    client.post(
        reverse("networks:invitation_new", args=[network.slug]),
        {"role": "volunteer", "max_uses": 1},
    )
    invitation = network.invitations.get()
    person = user_factory()
    client.force_login(person)
    assert client.get(invitation.get_absolute_url()).status_code == 200
    client.post(invitation.get_absolute_url())
    assert Membership.objects.get(user=person).role == "volunteer"
    second = user_factory()
    client.force_login(second)
    client.post(invitation.get_absolute_url())
    assert not Membership.objects.filter(user=second).exists()


def test_coordinator_cannot_make_admins(client, network, coordinator, member):
    membership = Membership.objects.get(user=member)
    login(client, coordinator)
    client.post(
        reverse("networks:membership_role", args=[network.slug, membership.pk]), {"role": "admin"}
    )
    membership.refresh_from_db()
    assert membership.role == "member"


def test_invitation_form_with_bad_input_creates_nothing(client, network, coordinator):
    login(client, coordinator)
    client.post(
        reverse("networks:invitation_new", args=[network.slug]),
        {"role": "emperor", "max_uses": "-3"},
    )
    assert not network.invitations.exists()


def test_signed_in_person_can_start_a_network(client, user_factory):
    client.force_login(user_factory())
    response = client.post(
        reverse("networks:new"),
        {
            "name": "Northside Aid",
            "slug": "northside",
            "languages": ["en", "es"],
            "join_policy": "open",
            "categories": ["groceries", "rides"],
            "areas": "North\nHill\n",
        },
    )
    network = Network.objects.get(slug="northside")
    assert response["Location"] == network.get_absolute_url()
    assert network.areas == ["North", "Hill"]
    assert network.memberships.get().role == "admin"


def test_starting_a_network_with_a_taken_slug_shows_an_error(client, network, user_factory):
    client.force_login(user_factory())
    response = client.post(
        reverse("networks:new"),
        {
            "name": "Copy",
            "slug": network.slug,
            "languages": ["en"],
            "join_policy": "open",
            "categories": ["groceries"],
        },
    )
    assert response.status_code == 200
    assert "slug" in response.context["form"].errors
