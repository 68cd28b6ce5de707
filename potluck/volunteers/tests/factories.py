from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from potluck.needs.models import Claim, Need
from potluck.needs.tests.factories import NeedFactory
from potluck.networks.models import Membership, Network, Role
from potluck.networks.tests.factories import MembershipFactory
from potluck.volunteers.models import CheckIn, VolunteerProfile


class VolunteerProfileFactory(factory.django.DjangoModelFactory[VolunteerProfile]):
    """A profile with its volunteer's membership (pass membership= to reuse one)."""

    class Meta:
        model = VolunteerProfile

    membership = factory.SubFactory(MembershipFactory, role=Role.VOLUNTEER)
    network = factory.SelfAttribute("membership.network")
    user = factory.SelfAttribute("membership.user")
    categories = factory.LazyAttribute(lambda profile: list(profile.network.categories[:3]))
    languages = ["en"]
    travel = "bike"
    slots = ["mon-am", "sat-pm"]


class CheckInFactory(factory.django.DjangoModelFactory[CheckIn]):
    class Meta:
        model = CheckIn

    profile = factory.SubFactory(VolunteerProfileFactory)
    network = factory.SelfAttribute("profile.network")
    deliveries = 5


def profile_of(membership: Membership, **fields: Any) -> VolunteerProfile:
    return VolunteerProfileFactory.create(membership=membership, **fields)


def task(
    *,
    network: Network,
    volunteer: Any,
    at: Any = None,
    delivered_at: Any = None,
) -> Claim:
    """A claim `volunteer` made at `at` (now by default), delivered at `delivered_at` if given."""
    at = at or timezone.now()
    need = NeedFactory.create(
        network=network,
        status=Need.Status.DELIVERED if delivered_at else Need.Status.CLAIMED,
        claimant=volunteer,
        delivered_at=delivered_at,
        claim_expires_at=None if delivered_at else at + timedelta(hours=48),
    )
    claim = Claim.objects.create(
        need=need,
        volunteer=volunteer,
        expires_at=at + timedelta(hours=48),
        outcome=Claim.Outcome.DELIVERED if delivered_at else Claim.Outcome.ACTIVE,
        ended_at=delivered_at,
    )
    Claim.objects.filter(pk=claim.pk).update(created_at=at)
    claim.created_at = at
    return claim
