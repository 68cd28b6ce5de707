"""Small predicates: may this person do this in this network?"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db.models import OuterRef, Subquery

from potluck.accounts.twofactor import two_factor_satisfied
from potluck.networks.models import Membership, Role

VOLUNTEER_ROLES = frozenset({Role.VOLUNTEER, Role.COORDINATOR, Role.TREASURER, Role.ADMIN})
COORDINATOR_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN})
# Roles that see people's details or move money: they need two-factor authentication.
ELEVATED_ROLES = frozenset({Role.COORDINATOR, Role.TREASURER, Role.ADMIN})


# Roles already read in this block (see roles_remembered), by (person, network).
_remembered: ContextVar[dict[tuple[int, int], str | None] | None] = ContextVar(
    "potluck_roles_remembered", default=None
)


@contextmanager
def roles_remembered() -> Iterator[None]:
    """Within the block, each person's role in a network is read from the database once.

    A need's page asks about a dozen questions (may they claim, release, see the contact…),
    each of the same role. RolesRememberedMiddleware opens this block around requests that
    change nothing (GET and HEAD), so a page is drawn with one role throughout; requests
    that write always read the role afresh.
    """
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


def held_role(user: Any, network_id: int) -> str | None:
    """The active role `user` holds in the network, or None for outsiders."""
    if user is None or not user.is_authenticated:
        return None
    remembered = _remembered.get()
    key = (user.pk, network_id)
    if remembered is not None and key in remembered:
        return remembered[key]
    role: str | None = (
        Membership.objects.active()
        .filter(user_id=user.pk, network_id=network_id)
        .values_list("role", flat=True)
        # One membership per person and network: no need for Meta.ordering's join.
        .order_by("pk")
        .first()
    )
    if remembered is not None:
        remembered[key] = role
    return role


def held_role_query(user: Any) -> Subquery:
    """The role `user` holds in the network of the outer query (OuterRef("pk")), so that a
    network and its viewer's role come in one query; tell remember_role what it found."""
    return Subquery(
        Membership.objects.active()
        .filter(user_id=user.pk, network_id=OuterRef("pk"))
        .order_by("pk")
        .values("role")[:1]
    )


def remember_role(user: Any, network_id: int, role: str | None) -> None:
    """Inside roles_remembered, note a role read by other means (held_role_query)."""
    remembered = _remembered.get()
    if remembered is not None and user is not None and user.is_authenticated:
        remembered[(user.pk, network_id)] = role


def role_in(user: Any, network_id: int) -> str | None:
    """The role `user` may act in now: an elevated role counts only with two-factor on (and
    the session verified); until then its holder acts as a volunteer. Every predicate below
    goes through here, so no coordinator power is reachable without two-factor."""
    return usable_role(user, held_role(user, network_id))


def usable_role(user: Any, role: str | None) -> str | None:
    """The role `user` may act in, of the role they hold (see role_in)."""
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
