"""Racing writers in matching: threads released together at a barrier, on real transactions.

Run on SQLite and on PostgreSQL (DATABASE_URL=postgres://…), as CI does.
"""

from datetime import timedelta
from functools import partial

import pytest
from django.core import mail
from django.utils import timezone

from potluck.conftest import run_together
from potluck.core.errors import DomainError
from potluck.matching import follow_up, services
from potluck.matching.models import Dispatch
from potluck.matching.tests.builders import need, person, town, volunteer
from potluck.needs import services as need_services
from potluck.needs.models import Claim, Need
from potluck.networks.models import Role

pytestmark = pytest.mark.django_db(transaction=True)


def fresh(obj):
    """A separate in-memory copy, as a separate request would load."""
    return type(obj).objects.get(pk=obj.pk)


@pytest.mark.parametrize("attempt", range(3))
def test_two_coordinators_dispatching_one_need_at_once_make_one_dispatch(attempt):
    network = town()
    coordinators = [person(network, Role.COORDINATOR) for _ in range(2)]
    helpers = [volunteer(network) for _ in range(2)]
    asked = need(network)

    results = run_together(
        *[
            partial(
                services.match_dispatch,
                network=fresh(network),
                by=coordinator,
                pairs=[(fresh(asked), helper)],
            )
            for coordinator, helper in zip(coordinators, helpers, strict=True)
        ]
    )

    sent = [result for result in results if isinstance(result, list)]
    refused = [result for result in results if isinstance(result, services.DispatchRefused)]
    assert (len(sent), len(refused)) == (1, 1), results
    assert refused[0].refusals == {asked.pk: [services.ALREADY_DISPATCHED]}
    (dispatch,) = Dispatch.objects.all()
    assert dispatch.volunteer == sent[0][0].volunteer
    assert dispatch.status == Dispatch.Status.PENDING


def test_accepting_while_someone_claims_from_the_board_leaves_one_claimant():
    network = town()
    coordinator = person(network, Role.COORDINATOR)
    asked_of, grabber = volunteer(network), volunteer(network)
    asked = need(network)
    (dispatch,) = services.match_dispatch(
        network=network, by=coordinator, pairs=[(asked, asked_of)]
    )

    results = run_together(
        partial(services.dispatch_accept, dispatch=fresh(dispatch), by=asked_of),
        partial(need_services.need_claim, need=fresh(asked), volunteer=grabber),
    )

    errors = [result for result in results if isinstance(result, DomainError)]
    assert len(errors) == 1, results
    assert Claim.objects.count() == 1
    asked.refresh_from_db()
    dispatch.refresh_from_db()
    assert asked.status == Need.Status.CLAIMED
    if asked.claimant == asked_of:
        assert dispatch.status == Dispatch.Status.ACCEPTED
    else:
        assert dispatch.status == Dispatch.Status.CANCELLED
        assert errors[0].message == services.NEED_TAKEN_MEANWHILE


def test_accepting_twice_at_once_claims_once():
    network = town()
    coordinator = person(network, Role.COORDINATOR)
    helper = volunteer(network)
    (dispatch,) = services.match_dispatch(
        network=network, by=coordinator, pairs=[(need(network), helper)]
    )

    results = run_together(
        *[partial(services.dispatch_accept, dispatch=fresh(dispatch), by=helper) for _ in range(2)]
    )

    assert [type(result) for result in results].count(Dispatch) == 1, results
    assert Claim.objects.filter(volunteer=helper).count() == 1


def test_two_follow_up_runs_at_once_remind_each_claim_once():
    network = town(claim_reminder_hours=6)
    helpers = [volunteer(network) for _ in range(3)]
    for helper in helpers:
        need_services.need_claim(need=need(network), volunteer=helper)
    later = timezone.now() + timedelta(hours=43)

    results = run_together(*[partial(follow_up.claims_remind, now=later) for _ in range(2)])

    assert sum(results) == 3, results
    assert sorted(message.to[0] for message in mail.outbox) == sorted(h.email for h in helpers)
    assert Claim.objects.filter(reminded_at=later).count() == 3


def test_two_still_needed_runs_at_once_ask_once():
    network = town(still_needed_days=7)
    asked = need(network, created_at=timezone.now() - timedelta(days=8))

    results = run_together(follow_up.needs_ask_still_needed, follow_up.needs_ask_still_needed)

    assert sum(results) == 1, results
    assert asked.notes.count() == 1
