"""Field-local rules of networks, memberships and invitations."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone, translation

from potluck.networks.models import Network
from potluck.networks.tests.factories import InvitationFactory, MembershipFactory, NetworkFactory

pytestmark = pytest.mark.django_db


def test_person_cannot_hold_two_memberships_in_one_network(member, network):
    with pytest.raises(IntegrityError):
        MembershipFactory.create(network=network, user=member)


def test_network_offers_only_known_categories_and_its_languages():
    network = NetworkFactory.create(categories=["meals", "not-a-category"], languages=["es", "xx"])
    with translation.override("en"):
        assert network.category_choices() == [("meals", "Meals")]
        assert network.language_choices() == [("es", "Spanish"), ("xx", "xx")]


def test_new_network_needs_approval_and_uses_every_category_by_default():
    network = Network.objects.create(name="N", slug="n")
    assert network.join_policy == Network.JoinPolicy.APPROVAL
    assert "groceries" in network.categories
    assert network.languages == ["en"]


@pytest.mark.parametrize(
    ("state", "usable"),
    [
        ({}, True),
        ({"max_uses": 2, "use_count": 1}, True),
        ({"use_count": 1}, False),
        ({"expires_at": timezone.now() - timedelta(seconds=1)}, False),
        ({"revoked_at": timezone.now()}, False),
    ],
    ids=["fresh", "one-use-left", "used-up", "expired", "revoked"],
)
def test_invitation_is_usable_until_used_up_expired_or_revoked(state, usable):
    assert InvitationFactory.create(**state).is_usable is usable


def test_invitation_tokens_are_unique_and_last_two_weeks():
    first, second = InvitationFactory.create(), InvitationFactory.create()
    assert first.token != second.token
    assert timedelta(days=13) < first.expires_at - timezone.now() <= timedelta(days=14)
