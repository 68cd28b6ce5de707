"""Who may do what to a need or an offer: each predicate is tested as a role x state table."""

from typing import Any

from potluck.needs.models import Match, Need, Offer
from potluck.networks.permissions import (
    COORDINATOR_ROLES,
    VOLUNTEER_ROLES,
    is_coordinator,
    is_volunteer,
    role_in,
)


def _is_claimant(user: Any, need: Need) -> bool:
    return user.is_authenticated and need.claimant_id == user.pk


def can_enter_need_for_someone(user: Any, network_id: int) -> bool:
    """Phone intake: volunteers and coordinators write a need down for a neighbour."""
    return is_volunteer(user, network_id)


def can_claim_need(user: Any, need: Need) -> bool:
    return need.status == Need.Status.OPEN and is_volunteer(user, need.network_id)


def can_release_need(user: Any, need: Need) -> bool:
    return need.status == Need.Status.CLAIMED and (
        _is_claimant(user, need) or is_coordinator(user, need.network_id)
    )


def can_deliver_need(user: Any, need: Need) -> bool:
    return can_release_need(user, need)


def can_close_need(user: Any, need: Need) -> bool:
    """Coordinators close any live need; a claimant closes what they delivered."""
    if need.is_final:
        return False
    if is_coordinator(user, need.network_id):
        return True
    return need.status == Need.Status.DELIVERED and _is_claimant(user, need)


def can_see_contact(user: Any, need: Need) -> bool:
    """Contact details: the current claimant and coordinators, while the need is live."""
    if need.is_final:
        return False
    role = role_in(user, need.network_id)
    if role in COORDINATOR_ROLES:
        return True
    # A claimant demoted or removed by coordinators loses access along with the role.
    return (
        _is_claimant(user, need)
        and need.status in (Need.Status.CLAIMED, Need.Status.DELIVERED)
        and role in VOLUNTEER_ROLES
    )


def can_note_need(user: Any, need: Need) -> bool:
    """Notes hold the requester's messages: like contact details, a demoted claimant loses them."""
    return (_is_claimant(user, need) and is_volunteer(user, need.network_id)) or is_coordinator(
        user, need.network_id
    )


def can_see_history(user: Any, need: Need) -> bool:
    return is_coordinator(user, need.network_id)


def can_respond_to_offer(user: Any, offer: Offer) -> bool:
    return (
        offer.status == Offer.Status.OPEN
        and user.is_authenticated
        and offer.author_id != user.pk
        and role_in(user, offer.network_id) is not None
    )


def can_close_offer(user: Any, offer: Offer) -> bool:
    if offer.status != Offer.Status.OPEN or not user.is_authenticated:
        return False
    # Authenticated first: an anonymous pk (None) would equal a deleted author's author_id.
    return offer.author_id == user.pk or role_in(user, offer.network_id) in COORDINATOR_ROLES


def can_take_part_in_match(user: Any, match: Match) -> bool:
    return user.is_authenticated and user.pk in (match.responder_id, match.offer.author_id)
