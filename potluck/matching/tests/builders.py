"""A small town for matching tests: neighbourhoods on a map, volunteers with profiles, needs."""

from typing import Any

from potluck.accounts.models import User
from potluck.conftest import with_two_factor
from potluck.needs.models import Need
from potluck.needs.tests.factories import NeedFactory
from potluck.networks.models import Network, Role
from potluck.networks.permissions import ELEVATED_ROLES
from potluck.networks.tests.factories import MembershipFactory, NetworkFactory
from potluck.volunteers.models import VolunteerProfile

# Riverside and Eastgate are about 2.8 km apart; Old Mill is about 4.4 km north of Riverside.
AREA_LOCATIONS = {
    "Riverside": [51.5000, -0.1200],
    "Eastgate": [51.5000, -0.0800],
    "Old Mill": [51.5400, -0.1200],
}


def town(**fields: Any) -> Network:
    """A network whose neighbourhoods are on the map, working in English and Spanish."""
    defaults: dict[str, Any] = {
        "areas": list(AREA_LOCATIONS),
        "area_locations": AREA_LOCATIONS,
        "languages": ["en", "es"],
    }
    return NetworkFactory.create(**{**defaults, **fields})


def person(network: Network, role: str = Role.VOLUNTEER, **user_fields: Any) -> User:
    """An active member in `role` (coordinators with two-factor on, as they need it)."""
    user_fields = {f"user__{name}": value for name, value in user_fields.items()}
    user = MembershipFactory.create(network=network, role=role, **user_fields).user
    if role in ELEVATED_ROLES:
        with_two_factor(user)
    return user


def volunteer(network: Network, role: str = Role.VOLUNTEER, **profile: Any) -> User:
    """A volunteer who helps with anything, in English, anywhere, any time, three a week."""
    user = person(network, role)
    fields: dict[str, Any] = {
        "categories": list(network.categories),
        "languages": ["en"],
        "travel": "bike",
        **profile,
    }
    VolunteerProfile.objects.create(
        membership=user.memberships.get(network=network), network=network, user=user, **fields
    )
    return user


def need(network: Network, **fields: Any) -> Need:
    defaults: dict[str, Any] = {"area": "Riverside", "language": "en", "urgency": "few_days"}
    return NeedFactory.create(network=network, **{**defaults, **fields})
