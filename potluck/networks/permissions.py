"""Small predicates: may this person do this in this network?"""

from typing import Any

from potluck.networks.models import Membership, Role

VOLUNTEER_ROLES = frozenset({Role.VOLUNTEER, Role.COORDINATOR, Role.TREASURER, Role.ADMIN})
COORDINATOR_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN})


def role_in(user: Any, network_id: int) -> str | None:
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
