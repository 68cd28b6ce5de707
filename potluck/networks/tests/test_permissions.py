"""Every predicate in networks/permissions.py as a role x state table."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

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


def test_roles_remembered_reads_each_role_once_and_forgets_it_after(
    django_assert_num_queries, volunteer, network
):
    with permissions.roles_remembered(), django_assert_num_queries(1):
        assert permissions.is_volunteer(volunteer, network.pk)
        assert permissions.is_member(volunteer, network.pk)
        assert not permissions.is_coordinator(volunteer, network.pk)
    network.memberships.filter(user=volunteer).update(role=Role.MEMBER)
    # Outside the block every question reads the role afresh.
    assert not permissions.is_volunteer(volunteer, network.pk)


def test_roles_remembered_keeps_people_and_networks_apart(
    django_assert_num_queries, volunteer, member, network
):
    other = NetworkFactory.create()
    with permissions.roles_remembered(), django_assert_num_queries(3):
        assert permissions.role_in(volunteer, network.pk) == Role.VOLUNTEER
        assert permissions.role_in(member, network.pk) == Role.MEMBER
        assert permissions.role_in(volunteer, other.pk) is None
        assert permissions.role_in(volunteer, other.pk) is None


def test_a_page_view_reads_the_role_once_and_a_write_reads_it_afresh(client, volunteer, need):
    """RolesRememberedMiddleware: a need's page asks a dozen questions of one role."""
    client.force_login(volunteer)
    with CaptureQueriesContext(connection) as page:
        assert client.get(need.get_absolute_url()).status_code == 200
    assert len([q for q in page.captured_queries if reads_role(q["sql"])]) == 1
    with CaptureQueriesContext(connection) as claim:
        client.post(reverse("needs:claim", args=[need.network.slug, need.pk]))
    assert any(reads_role(q["sql"]) for q in claim.captured_queries)


def reads_role(sql: str) -> bool:
    """Whether a query reads a role: alone (held_role) or beside its network (access_network)."""
    return bool(re.search(r'SELECT (U0|"networks_membership")\."role"', sql))
