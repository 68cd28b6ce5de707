"""Every predicate in networks/permissions.py as a role x state table."""

import pytest

from potluck.conftest import ACTORS, make_actor, table
from potluck.networks import permissions
from potluck.networks.models import Role
from potluck.networks.tests.factories import NetworkFactory

pytestmark = pytest.mark.django_db

ROLE_IN = {
    "anonymous": None,
    "stranger": None,
    "pending": None,
    "member": Role.MEMBER,
    "volunteer": Role.VOLUNTEER,
    "treasurer": Role.TREASURER,
    "coordinator": Role.COORDINATOR,
    "admin": Role.ADMIN,
}


@pytest.mark.parametrize(("actor", "role"), ROLE_IN.items())
def test_role_in_is_the_active_role_held_in_that_network(actor, role):
    network = NetworkFactory.create()
    assert permissions.role_in(make_actor(actor, network), network.pk) == role


def test_role_in_is_none_for_nobody():
    assert permissions.role_in(None, NetworkFactory.create().pk) is None


MEMBERSHIP = table("""
            is_member is_volunteer is_coordinator can_manage_members
anonymous   .         .            .              .
stranger    .         .            .              .
pending     .         .            .              .
member      Y         .            .              .
volunteer   Y         Y            .              .
treasurer   Y         Y            .              .
coordinator Y         Y            Y              Y
admin       Y         Y            Y              Y
""")


@pytest.mark.parametrize(("actor", "predicate", "allowed"), MEMBERSHIP)
def test_each_role_is_member_volunteer_or_coordinator(actor, predicate, allowed):
    network = NetworkFactory.create()
    assert getattr(permissions, predicate)(make_actor(actor, network), network.pk) is allowed


ASSIGN_ROLE = table("""
            member volunteer treasurer coordinator admin
anonymous   .      .         .         .           .
stranger    .      .         .         .           .
pending     .      .         .         .           .
member      .      .         .         .           .
volunteer   .      .         .         .           .
treasurer   .      .         .         .           .
coordinator Y      Y         Y         Y           .
admin       Y      Y         Y         Y           Y
""")


@pytest.mark.parametrize(("actor", "role", "allowed"), ASSIGN_ROLE)
def test_coordinators_hand_out_any_role_but_admin_and_admins_any(actor, role, allowed):
    network = NetworkFactory.create()
    assert permissions.can_assign_role(make_actor(actor, network), network.pk, role) is allowed


def test_tables_cover_every_actor_and_role():
    assert {actor for actor, _col, _ok in MEMBERSHIP} == set(ACTORS)
    assert {actor for actor, _col, _ok in ASSIGN_ROLE} == set(ACTORS)
    assert {role for _actor, role, _ok in ASSIGN_ROLE} == set(Role.values)
