"""Small predicates: may this person do this in this network?"""

from typing import Any

from potluck.accounts.twofactor import two_factor_satisfied
from potluck.networks.models import Membership, Role

VOLUNTEER_ROLES = frozenset({Role.VOLUNTEER, Role.COORDINATOR, Role.TREASURER, Role.ADMIN})
COORDINATOR_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN})
# Roles that see people's details or move money: they need two-factor authentication.
ELEVATED_ROLES = frozenset({Role.COORDINATOR, Role.TREASURER, Role.ADMIN})


def held_role(user: Any, network_id: int) -> str | None:
    """The active role `user` holds in the network, or None for outsiders."""
    if user is None or not user.is_authenticated:
        return None
    role: str | None = (
        Membership.objects.active()
        .filter(user_id=user.pk, network_id=network_id)
        .values_list("role", flat=True)
        .first()
    )
    return role


def role_in(user: Any, network_id: int) -> str | None:
    """The role `user` may act in now: an elevated role counts only with two-factor on (and
    the session verified); until then its holder acts as a volunteer. Every predicate below
    goes through here, so no coordinator power is reachable without two-factor."""
    role = held_role(user, network_id)
    if role in ELEVATED_ROLES and not two_factor_satisfied(user):
        return Role.VOLUNTEER
    return role


def is_member(user: Any, network_id: int) -> bool:
    return role_in(user, network_id) is not None


def is_volunteer(user: Any, network_id: int) -> bool:
    return role_in(user, network_id) in VOLUNTEER_ROLES


def is_coordinator(user: Any, network_id: int) -> bool:
    return role_in(user, network_id) in COORDINATOR_ROLES


def can_manage_members(user: Any, network_id: int) -> bool:
    return is_coordinator(user, network_id)


def can_assign_role(user: Any, network_id: int, role: str) -> bool:
    """Coordinators hand out any role but admin; only admins make admins."""
    current = role_in(user, network_id)
    if current == Role.ADMIN:
        return True
    return current == Role.COORDINATOR and role != Role.ADMIN
