"""Who may do what with a network's money."""

from typing import Any

from potluck.needs.models import Need
from potluck.networks.categories import Category
from potluck.networks.models import Role
from potluck.networks.permissions import COORDINATOR_ROLES, VOLUNTEER_ROLES, role_in

# Treasurers keep the books; admins may stand in for one. Both need two-factor (role_in).
MONEY_ROLES = frozenset({Role.TREASURER, Role.ADMIN})


def can_manage_money(user: Any, network_id: int) -> bool:
    """Record donations, approve, pay, refuse and reverse, run campaigns, set the policy."""
    return role_in(user, network_id) in MONEY_ROLES


def can_request_money(user: Any, network_id: int) -> bool:
    """Any member may ask for money for themselves; nobody is asked why."""
    return role_in(user, network_id) is not None


def can_request_reimbursement(user: Any, network_id: int) -> bool:
    return role_in(user, network_id) in VOLUNTEER_ROLES


def can_request_for_need(user: Any, need: Need) -> bool:
    """A money need's claimant or a coordinator asks the treasurers on its person's behalf."""
    if need.category != Category.MONEY or need.status not in Need.ACTIVE_STATUSES:
        return False
    role = role_in(user, need.network_id)
    return role in COORDINATOR_ROLES or (role is not None and need.claimant_id == user.pk)


def is_party_to(user: Any, *, requested_by_id: int | None, recipient_id: int | None) -> bool:
    """Whether `user` asked for this money or would receive it."""
    return user.pk is not None and user.pk in (requested_by_id, recipient_id)


def can_decide_disbursement(user: Any, disbursement: Any) -> bool:
    """Approve, refuse or pay: a money role, and never one's own request."""
    return can_manage_money(user, disbursement.network_id) and not is_party_to(
        user, requested_by_id=disbursement.requested_by_id, recipient_id=disbursement.recipient_id
    )


def can_see_disbursement(user: Any, disbursement: Any) -> bool:
    return can_manage_money(user, disbursement.network_id) or (
        role_in(user, disbursement.network_id) is not None
        and is_party_to(
            user,
            requested_by_id=disbursement.requested_by_id,
            recipient_id=disbursement.recipient_id,
        )
    )


def can_pledge(user: Any, need: Need) -> bool:
    """Any member may promise to pay the person behind an open money need directly."""
    return (
        need.category == Category.MONEY
        and need.status in Need.ACTIVE_STATUSES
        and role_in(user, need.network_id) is not None
    )


def can_see_pledge(user: Any, pledge: Any) -> bool:
    role = role_in(user, pledge.network_id)
    return (
        role in COORDINATOR_ROLES
        or role in MONEY_ROLES
        or (role is not None and pledge.donor_id == user.pk)
    )


def can_confirm_pledge_for_recipient(user: Any, pledge: Any) -> bool:
    """A coordinator may confirm on the person's behalf, e.g. after a phone call."""
    return role_in(user, pledge.network_id) in COORDINATOR_ROLES
