"""Reads for networks and memberships, and the access helpers that answer 404."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from potluck.conftest import make_actor
from potluck.networks import selectors
from potluck.networks.models import Membership, Role
from potluck.networks.permissions import COORDINATOR_ROLES
from potluck.networks.tests.factories import InvitationFactory, MembershipFactory, NetworkFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("actor", ["member", "volunteer", "coordinator", "admin"])
def test_active_member_can_open_their_network(network, actor):
    found = selectors.access_network(user=make_actor(actor, network), slug=network.slug)
    assert found == network
    assert getattr(found, "viewer_role", None) == actor


@pytest.mark.parametrize("actor", ["pending", "stranger", "anonymous"])
def test_outsider_gets_not_found_for_a_network(network, actor):
    with pytest.raises(Http404):
        selectors.access_network(user=make_actor(actor, network), slug=network.slug)


@pytest.mark.parametrize(("actor", "allowed"), [("member", False), ("coordinator", True)])
def test_network_pages_for_some_roles_are_not_found_for_others(network, actor, allowed):
    user = make_actor(actor, network)
    if allowed:
        assert selectors.access_network(user=user, slug=network.slug, roles=COORDINATOR_ROLES)
    else:
        with pytest.raises(Http404):
            selectors.access_network(user=user, slug=network.slug, roles=COORDINATOR_ROLES)


def test_anyone_can_open_a_networks_public_page_but_not_an_unknown_one(network):
    assert selectors.access_public_network(slug=network.slug) == network
    with pytest.raises(Http404):
        selectors.access_public_network(slug="nowhere")


def test_home_page_lists_only_listed_networks(network):
    NetworkFactory.create(is_listed=False)
    assert list(selectors.network_list_public()) == [network]


def test_person_sees_only_the_networks_they_are_active_in(network, member):
    MembershipFactory.create(user=member, status=Membership.Status.PENDING)
    NetworkFactory.create()
    assert list(selectors.network_list_for_user(user=member)) == [network]
    assert list(selectors.network_list_for_user(user=AnonymousUser())) == []


def test_membership_for_finds_pending_requests_too(network, pending_member):
    membership = selectors.membership_for(user=pending_member, network=network)
    assert membership is not None
    assert membership.status == "pending"
    assert selectors.membership_for(user=AnonymousUser(), network=network) is None
    assert selectors.membership_for(user=make_actor("stranger", network), network=network) is None


def test_member_list_shows_active_before_pending(network, member, pending_member):
    statuses = [m.status for m in selectors.membership_list_for_network(network=network)]
    assert statuses == ["active", "pending"]


@pytest.mark.parametrize("actor", ["coordinator", "admin"])
def test_coordinator_can_open_a_membership_of_their_network(network, member, actor):
    membership = Membership.objects.get(user=member)
    found = selectors.access_membership(
        user=make_actor(actor, network), slug=network.slug, membership_id=membership.pk
    )
    assert found == membership


@pytest.mark.parametrize("actor", ["member", "volunteer", "treasurer", "pending", "stranger"])
def test_non_coordinator_gets_not_found_for_a_membership(network, member, actor):
    membership = Membership.objects.get(user=member)
    with pytest.raises(Http404):
        selectors.access_membership(
            user=make_actor(actor, network), slug=network.slug, membership_id=membership.pk
        )


def test_coordinator_cannot_open_another_networks_membership(network, coordinator):
    elsewhere = MembershipFactory.create(role=Role.MEMBER)
    for slug in (network.slug, elsewhere.network.slug):
        with pytest.raises(Http404):
            selectors.access_membership(user=coordinator, slug=slug, membership_id=elsewhere.pk)


def test_invitation_list_leaves_out_revoked_ones(network):
    live = InvitationFactory.create(network=network)
    InvitationFactory.create(network=network, revoked_at=timezone.now())
    InvitationFactory.create()
    assert list(selectors.invitation_list_for_network(network=network)) == [live]


def test_anyone_with_the_link_can_open_an_invitation(network):
    invitation = InvitationFactory.create(network=network)
    assert selectors.access_invitation(token=invitation.token) == invitation
    with pytest.raises(Http404):
        selectors.access_invitation(token="guess")
