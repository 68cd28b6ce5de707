"""Writes for networks, memberships and invitations."""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from potluck.accounts.models import User
from potluck.core.audit import audit_record
from potluck.core.errors import DomainError
from potluck.networks.categories import Category
from potluck.networks.models import Invitation, Membership, Network, Role
from potluck.networks.permissions import can_assign_role, can_manage_members

ALREADY_MEMBER = _("You are already part of this network.")
INVITATION_UNUSABLE = _("This invitation has expired or has already been used.")
NOT_ALLOWED = _("You are not allowed to do that.")
NOT_PENDING = _("This request has already been answered.")
SLUG_TAKEN = _("Another network already uses that short name.")
UNKNOWN_CATEGORY = _("Unknown need category.")
LAST_ADMIN = _("A network needs at least one admin.")


@transaction.atomic
def network_create(*, creator: User, name: str, slug: str, **fields: Any) -> Network:
    """Start a network with `creator` as its first admin."""
    if any(code not in Category.values for code in fields.get("categories", [])):
        raise DomainError(UNKNOWN_CATEGORY)
    try:
        with transaction.atomic():
            network = Network.objects.create(name=name, slug=slug, **fields)
    except IntegrityError as error:
        raise DomainError(SLUG_TAKEN, code="slug_taken") from error
    Membership.objects.create(
        network=network, user=creator, role=Role.ADMIN, status=Membership.Status.ACTIVE
    )
    audit_record(actor=creator, verb="network.created", target=network)
    return network


@transaction.atomic
def network_join(*, network: Network, user: User, note: str = "") -> Membership:
    """Join an open network at once, or ask to join one that needs approval."""
    status = (
        Membership.Status.ACTIVE
        if network.join_policy == Network.JoinPolicy.OPEN
        else Membership.Status.PENDING
    )
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                network=network, user=user, status=status, note=note.strip()
            )
    except IntegrityError as error:
        raise DomainError(ALREADY_MEMBER, code="already_member") from error
    verb = "membership.joined" if status == Membership.Status.ACTIVE else "membership.requested"
    audit_record(actor=user, verb=verb, target=membership)
    return membership


@transaction.atomic
def membership_approve(*, membership: Membership, by: User) -> Membership:
    """Let a person who asked to join in."""
    if not can_manage_members(by, membership.network_id):
        raise DomainError(NOT_ALLOWED, code="forbidden", status=403)
    won = Membership.objects.filter(pk=membership.pk, status=Membership.Status.PENDING).update(
        status=Membership.Status.ACTIVE, updated_at=timezone.now()
    )
    if not won:
        raise DomainError(NOT_PENDING, code="not_pending")
    membership.status = Membership.Status.ACTIVE
    audit_record(actor=by, verb="membership.approved", target=membership)
    return membership


@transaction.atomic
def membership_decline(*, membership: Membership, by: User) -> None:
    """Turn down a request to join; the person may ask again later."""
    if not can_manage_members(by, membership.network_id):
        raise DomainError(NOT_ALLOWED, code="forbidden", status=403)
    audit_record(actor=by, verb="membership.declined", target=membership)
    deleted, _kinds = Membership.objects.filter(
        pk=membership.pk, status=Membership.Status.PENDING
    ).delete()
    if not deleted:
        raise DomainError(NOT_PENDING, code="not_pending")


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str, by: User) -> Membership:
    """Give a member a different role."""
    # Serialise role changes per network so two admins can't demote each other at once
    # (SQLite's IMMEDIATE transactions already do; this row lock does it on PostgreSQL).
    list(Network.objects.select_for_update().filter(pk=membership.network_id).values("pk"))
    membership.refresh_from_db(fields=["role"])
    if (
        role not in Role.values
        or not can_assign_role(by, membership.network_id, role)
        # Only admins may change an admin's role, or coordinators could demote them.
        or not can_assign_role(by, membership.network_id, membership.role)
    ):
        raise DomainError(NOT_ALLOWED, code="forbidden", status=403)
    if membership.role == Role.ADMIN and role != Role.ADMIN and not _other_admin_exists(membership):
        raise DomainError(LAST_ADMIN, code="last_admin")
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    audit_record(
        actor=by, verb="membership.role_changed", target=membership, data={"from": old, "to": role}
    )
    return membership


def _other_admin_exists(membership: Membership) -> bool:
    return (
        Membership.objects.active()
        .filter(network_id=membership.network_id, role=Role.ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def invitation_create(
    *, network: Network, by: User, role: str = Role.MEMBER, max_uses: int = 1
) -> Invitation:
    """A link that lets up to `max_uses` people join with `role`."""
    if role not in Role.values or not can_assign_role(by, network.pk, role):
        raise DomainError(NOT_ALLOWED, code="forbidden", status=403)
    invitation = Invitation.objects.create(
        network=network, role=role, created_by=by, max_uses=max_uses
    )
    audit_record(actor=by, verb="invitation.created", target=invitation, data={"role": role})
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User) -> None:
    if not can_manage_members(by, invitation.network_id):
        raise DomainError(NOT_ALLOWED, code="forbidden", status=403)
    now = timezone.now()
    revoked = Invitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True).update(
        revoked_at=now, updated_at=now
    )
    if revoked:
        invitation.revoked_at = now
        audit_record(actor=by, verb="invitation.revoked", target=invitation)


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Join through an invitation; a pending request is approved by it."""
    used = Invitation.objects.filter(
        pk=invitation.pk,
        revoked_at__isnull=True,
        use_count__lt=F("max_uses"),
        expires_at__gt=timezone.now(),
    ).update(use_count=F("use_count") + 1)
    if not used:
        raise DomainError(INVITATION_UNUSABLE, code="invitation_unusable")
    membership, created = Membership.objects.get_or_create(
        network_id=invitation.network_id,
        user=user,
        defaults={"role": invitation.role, "status": Membership.Status.ACTIVE},
    )
    if not created:
        if membership.status == Membership.Status.ACTIVE:
            raise DomainError(ALREADY_MEMBER, code="already_member")
        membership.status = Membership.Status.ACTIVE
        membership.role = invitation.role
        membership.save(update_fields=["status", "role", "updated_at"])
    audit_record(
        actor=user, verb="membership.invited", target=membership, data={"invitation": invitation.pk}
    )
    return membership
