from datetime import timedelta

import factory
from django.utils import timezone

from potluck.accounts.tests.factories import UserFactory
from potluck.needs.models import Claim, Match, Need, Offer, new_status_token
from potluck.networks.tests.factories import NetworkFactory


class NeedFactory(factory.django.DjangoModelFactory[Need]):
    """A need made directly; use services.need_create when the status token matters."""

    class Meta:
        model = Need

    network = factory.SubFactory(NetworkFactory)
    category = "groceries"
    description = "Groceries for a family of four, no pork please."
    area = "Riverside, near Elm & 3rd"
    urgency = "few_days"
    language = "en"
    contact_method = "phone"
    contact_value = "+15550100001"
    contact_times = "Evenings after 6"
    status_token_hash = factory.LazyFunction(lambda: new_status_token()[1])


class OfferFactory(factory.django.DjangoModelFactory[Offer]):
    class Meta:
        model = Offer

    network = factory.SubFactory(NetworkFactory)
    author = factory.SubFactory(UserFactory)
    kind = "rides"
    title = "Rides to appointments on weekdays"
    description = "I have a car and free mornings."
    area = "Eastgate"


class ClaimFactory(factory.django.DjangoModelFactory[Claim]):
    """A claim row only; use services.need_claim to claim a need for real."""

    class Meta:
        model = Claim

    need = factory.SubFactory(NeedFactory)
    volunteer = factory.SubFactory(UserFactory)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=48))


class MatchFactory(factory.django.DjangoModelFactory[Match]):
    class Meta:
        model = Match

    offer = factory.SubFactory(OfferFactory)
    network = factory.SelfAttribute("offer.network")
    responder = factory.SubFactory(UserFactory)
