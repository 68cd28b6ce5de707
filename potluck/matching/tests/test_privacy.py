"""Matching rows follow the privacy rules: gone with the need, the person, or after retention."""

from datetime import timedelta

import pytest
from django.utils import timezone

from potluck.accounts.tests.factories import PASSWORD
from potluck.matching import services
from potluck.matching.models import Dispatch, MatchRun, Suggestion
from potluck.matching.tests.builders import need, person, town, volunteer
from potluck.needs import services as need_services
from potluck.networks.models import Role
from potluck.privacy import services as privacy
from potluck.privacy.selectors import account_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def network():
    return town()


@pytest.fixture
def coordinator(network):
    return person(network, Role.COORDINATOR)


def test_erasing_a_need_deletes_who_was_suggested_for_it_and_asked_to_take_it(network, coordinator):
    helper, kept_helper = volunteer(network), volunteer(network)
    asked, other = need(network), need(network)
    services.match_suggest(network=network, by=coordinator)
    services.match_dispatch(network=network, by=coordinator, pairs=[(asked, helper)])
    services.match_dispatch(network=network, by=coordinator, pairs=[(other, kept_helper)])
    need_services.need_close(need=asked, by=coordinator)
    asked.refresh_from_db()
    assert asked.closed_at is not None

    later = asked.closed_at + timedelta(days=network.retention_days, seconds=1)
    privacy.needs_erase_expired(now=later)

    assert not Suggestion.objects.filter(need=asked).exists()
    assert not Dispatch.objects.filter(need=asked).exists()
    assert Suggestion.objects.filter(need=other).exists()
    assert Dispatch.objects.filter(need=other).exists()


def test_deleting_an_account_leaves_no_matching_row_pointing_at_it(network):
    leaving = person(network, Role.COORDINATOR)
    leaving_helper = volunteer(network)
    staying = volunteer(network)
    first, second = need(network), need(network)
    run = services.match_suggest(network=network, by=leaving)
    services.match_dispatch(
        network=network, by=leaving, pairs=[(first, leaving_helper), (second, staying)]
    )
    assert "needs_sent_to_you" in account_data(user=leaving_helper)

    privacy.account_delete(user=leaving, password=PASSWORD)
    privacy.account_delete(user=leaving_helper, password=PASSWORD)

    run.refresh_from_db()
    assert run.started_by is None
    assert not Suggestion.objects.filter(volunteer_id=leaving_helper.pk).exists()
    assert not Dispatch.objects.filter(volunteer_id=leaving_helper.pk).exists()
    (left,) = Dispatch.objects.all()
    assert (left.volunteer, left.dispatched_by) == (staying, None)
    # The need sent to the person who left waits for someone else.
    assert services.match_suggest(network=network).needs_count == 1


def test_matching_runs_are_deleted_after_retention_with_their_suggestions(network, coordinator):
    volunteer(network)
    need(network)
    old = services.match_suggest(network=network, by=coordinator)
    MatchRun.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    recent = services.match_suggest(network=network, by=coordinator)

    counts = privacy.retention_enforce(now=timezone.now() + timedelta(days=1))

    assert counts["match_runs"] == 1
    assert list(MatchRun.objects.all()) == [recent]
    assert not Suggestion.objects.filter(run_id=old.pk).exists()
    assert Suggestion.objects.filter(run=recent).exists()
