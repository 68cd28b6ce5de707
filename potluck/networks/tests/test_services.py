"""Networks, memberships, roles and invitations, through the services."""

from datetime import timedelta

import pytest
from django.utils import timezone

from potluck.core.errors import DomainError
from potluck.core.models import AuditEvent
from potluck.networks import services
from potluck.networks.models import Invitation, Membership, Network, Role
from potluck.networks.tests.factories import InvitationFactory, MembershipFactory, NetworkFactory

pytestmark = pytest.mark.django_db


def membership_of(user, network) -> Membership:
    return Membership.objects.get(user=user, network=network)


# network_create -----------------------------------------------------------------------------


def test_person_can_start_a_network_as_its_first_admin(user_factory, audit_verbs):
    creator = user_factory()
    network = services.network_create(
        creator=creator, name="Eastgate Aid", slug="eastgate", categories=["meals", "rides"]
    )

    assert (network.slug, network.categories) == ("eastgate", ["meals", "rides"])
    membership = membership_of(creator, network)
    assert (membership.role, membership.status) == (Role.ADMIN, Membership.Status.ACTIVE)
    event = AuditEvent.objects.for_object(network).get()
    assert (event.verb, event.actor, event.network) == ("network.created", creator, network)


def test_person_cannot_start_a_network_with_a_taken_short_name(user_factory, network):
    with pytest.raises(DomainError) as excinfo:
        services.network_create(creator=user_factory(), name="Copy", slug=network.slug)
    assert excinfo.value.message == services.SLUG_TAKEN
    assert Network.objects.count() == 1


def test_person_cannot_start_a_network_with_an_unknown_category(user_factory):
    with pytest.raises(DomainError) as excinfo:
        services.network_create(
            creator=user_factory(), name="X", slug="x", categories=["meals", "bitcoin"]
        )
    assert excinfo.value.message == services.UNKNOWN_CATEGORY
    assert not Network.objects.exists()


# network_join, approve, decline ------------------------------------------------------------


def test_person_can_join_an_open_network_at_once(user_factory, audit_verbs):
    network = NetworkFactory.create(join_policy=Network.JoinPolicy.OPEN)
    membership = services.network_join(network=network, user=user_factory())
    assert (membership.status, membership.role) == (Membership.Status.ACTIVE, Role.MEMBER)
    assert audit_verbs(membership) == ["membership.joined"]


def test_person_can_ask_to_join_a_network_that_needs_approval(network, user_factory, audit_verbs):
    membership = services.network_join(network=network, user=user_factory(), note=" Hi there ")
    assert (membership.status, membership.note) == (Membership.Status.PENDING, "Hi there")
    assert audit_verbs(membership) == ["membership.requested"]


@pytest.mark.parametrize("who", ["member", "pending_member"])
def test_person_cannot_join_a_network_twice(network, who, request):
    with pytest.raises(DomainError) as excinfo:
        services.network_join(network=network, user=request.getfixturevalue(who))
    assert excinfo.value.message == services.ALREADY_MEMBER


@pytest.mark.parametrize("who", ["coordinator", "admin"])
def test_coordinator_can_approve_a_request_to_join(network, pending_member, who, request):
    by = request.getfixturevalue(who)
    membership = membership_of(pending_member, network)
    services.membership_approve(membership=membership, by=by)

    assert membership_of(pending_member, network).status == Membership.Status.ACTIVE
    event = AuditEvent.objects.for_object(membership).get()
    assert (event.verb, event.actor) == ("membership.approved", by)


@pytest.mark.parametrize("who", ["member", "volunteer", "treasurer", "stranger"])
def test_non_coordinator_cannot_approve_a_request_to_join(network, pending_member, who, request):
    membership = membership_of(pending_member, network)
    with pytest.raises(DomainError) as excinfo:
        services.membership_approve(membership=membership, by=request.getfixturevalue(who))
    assert excinfo.value.message == services.NOT_ALLOWED
    assert membership_of(pending_member, network).status == Membership.Status.PENDING


def test_coordinator_cannot_approve_a_request_twice(network, pending_member, coordinator):
    membership = membership_of(pending_member, network)
    services.membership_approve(membership=membership, by=coordinator)
    with pytest.raises(DomainError) as excinfo:
        services.membership_approve(membership=membership, by=coordinator)
    assert excinfo.value.message == services.NOT_PENDING


def test_coordinator_can_decline_a_request_to_join(network, pending_member, coordinator):
    membership = membership_of(pending_member, network)
    services.membership_decline(membership=membership, by=coordinator)

    assert not Membership.objects.filter(pk=membership.pk).exists()
    event = AuditEvent.objects.for_object(membership).get()
    assert (event.verb, event.actor, event.network) == ("membership.declined", coordinator, network)


def test_declined_person_can_ask_again(network, pending_member, coordinator):
    services.membership_decline(membership=membership_of(pending_member, network), by=coordinator)
    again = services.network_join(network=network, user=pending_member)
    assert again.status == Membership.Status.PENDING


def test_coordinator_cannot_decline_an_active_member(network, member, coordinator):
    membership = membership_of(member, network)
    with pytest.raises(DomainError) as excinfo:
        services.membership_decline(membership=membership, by=coordinator)
    assert excinfo.value.message == services.NOT_PENDING
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert not AuditEvent.objects.for_object(membership).exists()


@pytest.mark.parametrize("who", ["member", "volunteer", "stranger"])
def test_non_coordinator_cannot_decline_a_request(network, pending_member, who, request):
    membership = membership_of(pending_member, network)
    with pytest.raises(DomainError) as excinfo:
        services.membership_decline(membership=membership, by=request.getfixturevalue(who))
    assert excinfo.value.message == services.NOT_ALLOWED
    assert Membership.objects.filter(pk=membership.pk).exists()


# membership_set_role ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "role"),
    [
        ("admin", Role.ADMIN),
        ("admin", Role.COORDINATOR),
        ("coordinator", Role.VOLUNTEER),
        ("coordinator", Role.TREASURER),
        ("coordinator", Role.COORDINATOR),
    ],
)
def test_coordinator_or_admin_can_give_a_member_a_role(network, member, who, role, request):
    by = request.getfixturevalue(who)
    membership = services.membership_set_role(
        membership=membership_of(member, network), role=role, by=by
    )
    assert membership_of(member, network).role == role
    event = AuditEvent.objects.for_object(membership).get()
    assert (event.verb, event.actor, event.data) == (
        "membership.role_changed",
        by,
        {"from": "member", "to": role},
    )


def test_coordinator_cannot_make_someone_an_admin(network, member, coordinator):
    with pytest.raises(DomainError) as excinfo:
        services.membership_set_role(
            membership=membership_of(member, network), role=Role.ADMIN, by=coordinator
        )
    assert excinfo.value.message == services.NOT_ALLOWED
    assert membership_of(member, network).role == Role.MEMBER


def test_coordinator_cannot_demote_an_admin(network, admin, coordinator, actor_factory):
    actor_factory("admin", network)  # so the admin being demoted is not the last one
    with pytest.raises(DomainError) as excinfo:
        services.membership_set_role(
            membership=membership_of(admin, network), role=Role.MEMBER, by=coordinator
        )
    assert excinfo.value.message == services.NOT_ALLOWED
    assert membership_of(admin, network).role == Role.ADMIN


@pytest.mark.parametrize("who", ["member", "volunteer", "treasurer", "pending_member", "stranger"])
def test_non_coordinator_cannot_change_roles(network, member, who, request):
    with pytest.raises(DomainError) as excinfo:
        services.membership_set_role(
            membership=membership_of(member, network),
            role=Role.VOLUNTEER,
            by=request.getfixturevalue(who),
        )
    assert excinfo.value.message == services.NOT_ALLOWED


def test_admin_cannot_give_an_unknown_role(network, member, admin):
    with pytest.raises(DomainError) as excinfo:
        services.membership_set_role(
            membership=membership_of(member, network), role="king", by=admin
        )
    assert excinfo.value.message == services.NOT_ALLOWED


def test_last_admin_cannot_step_down(network, admin):
    with pytest.raises(DomainError) as excinfo:
        services.membership_set_role(
            membership=membership_of(admin, network), role=Role.COORDINATOR, by=admin
        )
    assert excinfo.value.message == services.LAST_ADMIN
    assert membership_of(admin, network).role == Role.ADMIN


def test_pending_admin_does_not_count_as_another_admin(network, admin):
    MembershipFactory.create(network=network, role=Role.ADMIN, status=Membership.Status.PENDING)
    with pytest.raises(DomainError) as excinfo:
        services.membership_set_role(
            membership=membership_of(admin, network), role=Role.MEMBER, by=admin
        )
    assert excinfo.value.message == services.LAST_ADMIN


def test_admin_can_step_down_when_another_admin_remains(network, admin, actor_factory):
    actor_factory("admin", network)
    services.membership_set_role(
        membership=membership_of(admin, network), role=Role.MEMBER, by=admin
    )
    assert membership_of(admin, network).role == Role.MEMBER


# invitations ----------------------------------------------------------------------------------


def test_coordinator_can_create_an_invitation(network, coordinator, audit_verbs):
    invitation = services.invitation_create(
        network=network, by=coordinator, role=Role.VOLUNTEER, max_uses=5
    )
    assert (invitation.role, invitation.max_uses, invitation.use_count) == ("volunteer", 5, 0)
    assert invitation.is_usable
    event = AuditEvent.objects.for_object(invitation).get()
    assert (event.verb, event.data, event.network) == (
        "invitation.created",
        {"role": "volunteer"},
        network,
    )


@pytest.mark.parametrize(
    ("who", "role"),
    [
        ("member", Role.MEMBER),
        ("volunteer", Role.MEMBER),
        ("coordinator", Role.ADMIN),
        ("stranger", Role.MEMBER),
        ("admin", "king"),
    ],
)
def test_person_cannot_create_an_invitation_they_may_not_hand_out(network, who, role, request):
    with pytest.raises(DomainError) as excinfo:
        services.invitation_create(network=network, by=request.getfixturevalue(who), role=role)
    assert excinfo.value.message == services.NOT_ALLOWED
    assert not Invitation.objects.exists()


def test_person_can_join_through_an_invitation(network, user_factory, audit_verbs):
    invitation = InvitationFactory.create(network=network, role=Role.VOLUNTEER)
    person = user_factory()
    membership = services.invitation_accept(invitation=invitation, user=person)

    assert (membership.status, membership.role) == (Membership.Status.ACTIVE, Role.VOLUNTEER)
    invitation.refresh_from_db()
    assert invitation.use_count == 1
    assert not invitation.is_usable
    event = AuditEvent.objects.for_object(membership).get()
    assert (event.verb, event.actor, event.data) == (
        "membership.invited",
        person,
        {"invitation": invitation.pk},
    )


def test_invitation_approves_a_pending_request(network, pending_member):
    invitation = InvitationFactory.create(network=network, role=Role.MEMBER)
    membership = services.invitation_accept(invitation=invitation, user=pending_member)
    assert membership.pk == membership_of(pending_member, network).pk
    assert membership_of(pending_member, network).status == Membership.Status.ACTIVE
    assert membership_of(pending_member, network).role == Role.MEMBER


def test_member_cannot_use_an_invitation_to_a_network_they_are_in(network, member):
    invitation = InvitationFactory.create(network=network, role=Role.COORDINATOR)
    with pytest.raises(DomainError) as excinfo:
        services.invitation_accept(invitation=invitation, user=member)
    assert excinfo.value.message == services.ALREADY_MEMBER
    invitation.refresh_from_db()
    assert invitation.use_count == 0
    assert membership_of(member, network).role == Role.MEMBER


@pytest.mark.parametrize(
    "state",
    [
        {"expires_at": timezone.now() - timedelta(minutes=1)},
        {"use_count": 1, "max_uses": 1},
        {"use_count": 3, "max_uses": 3},
        {"revoked_at": timezone.now()},
    ],
    ids=["expired", "used-up", "used-up-multi", "revoked"],
)
def test_person_cannot_join_through_an_unusable_invitation(network, user_factory, state):
    invitation = InvitationFactory.create(network=network, **state)
    person = user_factory()
    with pytest.raises(DomainError) as excinfo:
        services.invitation_accept(invitation=invitation, user=person)
    assert excinfo.value.message == services.INVITATION_UNUSABLE
    assert not Membership.objects.filter(user=person).exists()


def test_invitation_with_several_uses_lets_that_many_people_in(network, user_factory):
    invitation = InvitationFactory.create(network=network, max_uses=2)
    services.invitation_accept(invitation=invitation, user=user_factory())
    services.invitation_accept(invitation=invitation, user=user_factory())
    with pytest.raises(DomainError) as excinfo:
        services.invitation_accept(invitation=invitation, user=user_factory())
    assert excinfo.value.message == services.INVITATION_UNUSABLE
    assert network.memberships.count() == 2


def test_coordinator_can_revoke_an_invitation(network, coordinator, user_factory, audit_verbs):
    invitation = InvitationFactory.create(network=network)
    services.invitation_revoke(invitation=invitation, by=coordinator)

    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert audit_verbs(invitation) == ["invitation.revoked"]
    with pytest.raises(DomainError) as excinfo:
        services.invitation_accept(invitation=invitation, user=user_factory())
    assert excinfo.value.message == services.INVITATION_UNUSABLE


@pytest.mark.parametrize("who", ["member", "volunteer", "stranger"])
def test_non_coordinator_cannot_revoke_an_invitation(network, who, request):
    invitation = InvitationFactory.create(network=network)
    with pytest.raises(DomainError) as excinfo:
        services.invitation_revoke(invitation=invitation, by=request.getfixturevalue(who))
    assert excinfo.value.message == services.NOT_ALLOWED
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_revoking_an_invitation_twice_records_it_once(network, coordinator):
    invitation = services.invitation_create(network=network, by=coordinator)
    services.invitation_revoke(invitation=invitation, by=coordinator)
    services.invitation_revoke(invitation=invitation, by=coordinator)
    assert AuditEvent.objects.filter(verb="invitation.revoked").count() == 1
