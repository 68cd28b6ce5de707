import factory

from potluck.accounts.tests.factories import UserFactory
from potluck.networks.models import Invitation, Membership, Network, Role


class NetworkFactory(factory.django.DjangoModelFactory[Network]):
    class Meta:
        model = Network

    name = factory.Sequence(lambda n: f"Riverside Mutual Aid {n}")
    slug = factory.Sequence(lambda n: f"riverside-{n}")
    description = "Neighbours helping neighbours."
    area_served = "Riverside and Eastgate"
    areas = ["Riverside", "Eastgate", "Old Mill"]
    languages = ["en", "es"]
    join_policy = Network.JoinPolicy.APPROVAL


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    network = factory.SubFactory(NetworkFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER
    status = Membership.Status.ACTIVE


class InvitationFactory(factory.django.DjangoModelFactory[Invitation]):
    class Meta:
        model = Invitation

    network = factory.SubFactory(NetworkFactory)
    role = Role.MEMBER
    max_uses = 1
