"""The audit log: one row per state change, tied to its network and object."""

import pytest
from django.contrib.auth.models import AnonymousUser

from potluck.core.audit import audit_record
from potluck.core.models import AuditEvent
from potluck.needs.tests.factories import NeedFactory

pytestmark = pytest.mark.django_db


def test_event_takes_its_network_from_the_target(need, coordinator):
    event = audit_record(actor=coordinator, verb="need.noted", target=need, data={"x": 1})
    assert (event.network, event.actor, event.verb, event.data) == (
        need.network,
        coordinator,
        "need.noted",
        {"x": 1},
    )
    assert (event.target_type.model, event.target_id) == ("need", need.pk)


def test_event_about_a_network_belongs_to_that_network(network):
    assert audit_record(actor=None, verb="network.created", target=network).network == network


def test_event_about_something_outside_any_network_has_no_network(member):
    assert audit_record(actor=member, verb="user.x", target=member).network is None


@pytest.mark.parametrize("actor", [None, AnonymousUser()])
def test_system_and_anonymous_events_have_no_actor(need, actor):
    event = audit_record(actor=actor, verb="need.withdrawn", target=need)
    assert event.actor is None
    assert event.data == {}


def test_events_for_an_object_come_oldest_first_and_only_for_it(network):
    need, other = NeedFactory.create(network=network), NeedFactory.create(network=network)
    for verb in ("need.created", "need.claimed", "need.released"):
        audit_record(actor=None, verb=verb, target=need)
    audit_record(actor=None, verb="need.created", target=other)
    audit_record(actor=None, verb="network.created", target=network)  # same pk space, other type

    verbs = list(AuditEvent.objects.for_object(need).values_list("verb", flat=True))
    assert verbs == ["need.created", "need.claimed", "need.released"]
    assert str(AuditEvent.objects.for_object(need).first()).startswith("need.created ")
