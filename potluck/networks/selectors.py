"""Reads for networks and memberships, and the access helpers views call."""

from typing import Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django_otp.plugins.otp_totp.models import TOTPDevice

from potluck.accounts.twofactor import two_factor_require
from potluck.networks.models import Invitation, Membership, Network
from potluck.networks.permissions import (
    COORDINATOR_ROLES,
    ELEVATED_ROLES,
    held_role,
    held_role_query,
    remember_role,
    usable_role,
)


def access_public_network(*, slug: str) -> Network:
    """A network's public face (landing page, ask-for-help form); 404 if unknown."""
    return get_object_or_404(Network, slug=slug)


def access_network(*, user: Any, slug: str, roles: frozenset[str] | None = None) -> Network:
    """The network if `user` is an active member (holding one of `roles`); otherwise 404.

    A page that only elevated roles may use (every one of `roles` is elevated) also needs
    two-factor: TwoFactorRequired sends the person to set it up or to enter a code.
    """
    if user is None or not user.is_authenticated:
        raise Http404
    # The network and the role held in it, in one query.
    network = get_object_or_404(
        Network.objects.annotate(held_role=held_role_query(user)), slug=slug
    )
    role: str | None = network.held_role  # type: ignore[attr-defined]
    remember_role(user, network.pk, role)
    if role is None or (roles is not None and role not in roles):
        raise Http404
    if roles is not None and roles <= ELEVATED_ROLES:
        two_factor_require(user=user)
    # What the pages offer follows the role usable now (see permissions.role_in).
    network.viewer_role = usable_role(user, role)  # type: ignore[attr-defined]
    return network


def holds_elevated_role(*, user: Any) -> bool:
    """Whether `user` is an active coordinator, treasurer or admin anywhere."""
    return Membership.objects.active().filter(user_id=user.pk, role__in=ELEVATED_ROLES).exists()


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
    """Everyone in the network; `role_waits_for_two_factor` marks an elevated role its holder
    can't use until they turn on two-factor authentication."""
    has_two_factor = Exists(TOTPDevice.objects.filter(user_id=OuterRef("user_id"), confirmed=True))
    waits = ExpressionWrapper(
        Q(role__in=ELEVATED_ROLES) & ~Q(has_two_factor), output_field=BooleanField()
    )
    return (
        network.memberships.select_related("user")
        .annotate(role_waits_for_two_factor=waits)
        .order_by("status", "user__display_name")
    )


def access_membership(*, user: Any, slug: str, membership_id: int) -> Membership:
    """A membership a coordinator of its network may manage; otherwise 404."""
    membership = get_object_or_404(
        Membership.objects.select_related("network", "user"),
        pk=membership_id,
        network__slug=slug,
    )
    if held_role(user, membership.network_id) not in COORDINATOR_ROLES:
        raise Http404
    two_factor_require(user=user)
    return membership


def invitation_list_for_network(*, network: Network) -> QuerySet[Invitation]:
    return network.invitations.filter(revoked_at__isnull=True)


def access_invitation(*, token: str) -> Invitation:
    return get_object_or_404(Invitation.objects.select_related("network"), token=token)


def access_network_invitation(*, network: Network, invitation_id: int) -> Invitation:
    return get_object_or_404(Invitation, network=network, pk=invitation_id)
