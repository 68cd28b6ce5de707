"""Reads for networks and memberships, and the access helpers views call."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from potluck.networks.models import Invitation, Membership, Network
from potluck.networks.permissions import COORDINATOR_ROLES, role_in


def access_public_network(*, slug: str) -> Network:
    """A network's public face (landing page, ask-for-help form); 404 if unknown."""
    return get_object_or_404(Network, slug=slug)


def access_network(*, user: Any, slug: str, roles: frozenset[str] | None = None) -> Network:
    """The network if `user` is an active member (holding one of `roles`); otherwise 404."""
    network = get_object_or_404(Network, slug=slug)
    role = role_in(user, network.pk)
    if role is None or (roles is not None and role not in roles):
        raise Http404
    network.viewer_role = role  # type: ignore[attr-defined]
    return network


def network_list_public() -> QuerySet[Network]:
    return Network.objects.filter(is_listed=True)


def network_list_for_user(*, user: Any) -> QuerySet[Network]:
    if not user.is_authenticated:
        return Network.objects.none()
    return Network.objects.filter(
        memberships__user=user, memberships__status=Membership.Status.ACTIVE
    )


def membership_for(*, user: Any, network: Network) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, network=network).first()


def membership_list_for_network(*, network: Network) -> QuerySet[Membership]:
    return network.memberships.select_related("user").order_by("status", "user__display_name")


def access_membership(*, user: Any, slug: str, membership_id: int) -> Membership:
    """A membership a coordinator of its network may manage; otherwise 404."""
    membership = get_object_or_404(
        Membership.objects.select_related("network", "user"),
        pk=membership_id,
        network__slug=slug,
    )
    if role_in(user, membership.network_id) not in COORDINATOR_ROLES:
        raise Http404
    return membership


def invitation_list_for_network(*, network: Network) -> QuerySet[Invitation]:
    return network.invitations.filter(revoked_at__isnull=True)


def access_invitation(*, token: str) -> Invitation:
    return get_object_or_404(Invitation.objects.select_related("network"), token=token)


def access_network_invitation(*, network: Network, invitation_id: int) -> Invitation:
    return get_object_or_404(Invitation, network=network, pk=invitation_id)
