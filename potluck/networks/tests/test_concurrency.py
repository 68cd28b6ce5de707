"""Racing writers on memberships and invitations: threads released together at a barrier."""

from functools import partial

import pytest

from potluck.conftest import make_actor, run_together, with_two_factor
from potluck.core.errors import DomainError
from potluck.core.models import AuditEvent
from potluck.networks import services
from potluck.networks.models import Invitation, Membership, Role
from potluck.networks.tests.factories import InvitationFactory, MembershipFactory, NetworkFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_ten_people_racing_for_a_three_use_invitation_lets_exactly_three_in(user_factory):
    network = NetworkFactory.create()
    invitation = InvitationFactory.create(network=network, max_uses=3)
    people = [user_factory() for _ in range(10)]

    results = run_together(
        *[
            partial(
                services.invitation_accept,
                invitation=Invitation.objects.get(pk=invitation.pk),
                user=person,
            )
            for person in people
        ]
    )

    joined = [result for result in results if isinstance(result, Membership)]
    refused = [result for result in results if isinstance(result, DomainError)]
    assert len(joined) == 3, results
    assert len(refused) == 7, results
    assert {error.message for error in refused} == {services.INVITATION_UNUSABLE}
    assert network.memberships.active().count() == 3
    invitation.refresh_from_db()
    assert invitation.use_count == 3
    assert AuditEvent.objects.filter(verb="membership.invited").count() == 3


def test_two_coordinators_approving_the_same_request_at_once_approve_it_once():
    network = NetworkFactory.create()
    pending = MembershipFactory.create(network=network, status=Membership.Status.PENDING)
    coordinators = [make_actor("coordinator", network) for _ in range(2)]

    results = run_together(
        *[
            partial(
                services.membership_approve,
                membership=Membership.objects.get(pk=pending.pk),
                by=coordinator,
            )
            for coordinator in coordinators
        ]
    )

    assert len([result for result in results if isinstance(result, Membership)]) == 1, results
    assert [error.message for error in results if isinstance(error, DomainError)] == [
        services.NOT_PENDING
    ]
    assert AuditEvent.objects.filter(verb="membership.approved").count() == 1


@pytest.mark.parametrize("attempt", range(10))
def test_two_admins_demoting_each_other_at_once_leave_one_admin(attempt):
    network = NetworkFactory.create()
    first, second = (MembershipFactory.create(network=network, role=Role.ADMIN) for _ in range(2))
    for admin in (first.user, second.user):
        with_two_factor(admin)  # admins act as admins only with two-factor on

    results = run_together(
        partial(
            services.membership_set_role,
            membership=Membership.objects.get(pk=second.pk),
            role=Role.MEMBER,
            by=first.user,
        ),
        partial(
            services.membership_set_role,
            membership=Membership.objects.get(pk=first.pk),
            role=Role.MEMBER,
            by=second.user,
        ),
    )

    assert network.memberships.active().filter(role=Role.ADMIN).count() == 1, results
    refused = [result for result in results if isinstance(result, DomainError)]
    # The loser was either no longer an admin, or the last one left.
    assert len(refused) == 1, results
    assert refused[0].message in (services.NOT_ALLOWED, services.LAST_ADMIN)
