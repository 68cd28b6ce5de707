from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from potluck.networks.models import Membership, Network, Role
from potluck.networks.tests.factories import MembershipFactory, NetworkFactory
from potluck.volunteers import selectors
from potluck.volunteers.models import CheckIn, VolunteerProfile
from potluck.volunteers.tests.factories import CheckInFactory, profile_of, task

pytestmark = pytest.mark.django_db

# A Thursday afternoon, so "this week" began three days ago.
THURSDAY = timezone.make_aware(datetime(2026, 3, 12, 15, 0))


def volunteer_in(network: Network, **profile: Any) -> Membership:
    membership = MembershipFactory.create(network=network, role=Role.VOLUNTEER)
    if profile:
        profile_of(membership, **profile)
    return membership


def test_profile_for_someone_without_one_is_an_unsaved_default(network, volunteer):
    profile = selectors.profile_for(user=volunteer, network=network)

    assert profile.pk is None
    assert (profile.weekly_cap, profile.travel, profile.languages) == (3, "foot", ["en"])
    assert not VolunteerProfile.objects.exists()


def test_profile_for_someone_with_one_is_theirs(network, volunteer):
    saved = profile_of(Membership.objects.get(user=volunteer))
    assert selectors.profile_for(user=volunteer, network=network) == saved


def test_week_starts_on_monday_at_midnight():
    assert selectors.week_start(THURSDAY) == timezone.make_aware(datetime(2026, 3, 9))
    assert selectors.week_start(timezone.make_aware(datetime(2026, 3, 9))) == (
        timezone.make_aware(datetime(2026, 3, 9))
    )


def test_week_load_counts_this_weeks_claims_in_this_network_only(network):
    membership = volunteer_in(network, weekly_cap=3)
    profile, user = membership.volunteer_profile, membership.user
    task(network=network, volunteer=user, at=THURSDAY - timedelta(days=1))
    task(network=network, volunteer=user, at=THURSDAY, delivered_at=THURSDAY)
    task(network=network, volunteer=user, at=THURSDAY - timedelta(days=4))  # last week
    task(network=NetworkFactory.create(), volunteer=user, at=THURSDAY)  # elsewhere

    assert selectors.volunteer_week_load(profile, now=THURSDAY) == 2
    assert selectors.volunteer_week_loads(network=network, now=THURSDAY) == {user.pk: 2}
    assert selectors.remaining_capacity(profile, now=THURSDAY) == 1


def test_remaining_capacity_is_never_negative_and_nothing_while_paused(network):
    membership = volunteer_in(network, weekly_cap=1)
    profile = membership.volunteer_profile
    for _ in range(2):
        task(network=network, volunteer=membership.user, at=THURSDAY)
    assert selectors.remaining_capacity(profile, now=THURSDAY) == 0

    profile.weekly_cap, profile.paused_until = 5, THURSDAY + timedelta(days=1)
    assert selectors.remaining_capacity(profile, now=THURSDAY) == 0
    assert selectors.remaining_capacity(profile, now=THURSDAY + timedelta(days=2)) == 3


def test_workload_shows_load_rest_and_breaks_needing_care_first(network):
    busy = volunteer_in(network, weekly_cap=3)
    resting = volunteer_in(network, weekly_cap=5, paused_until=THURSDAY + timedelta(days=2))
    no_profile = volunteer_in(network)
    MembershipFactory.create(network=network, role=Role.MEMBER)  # not a volunteer
    for days_ago in range(3):
        task(network=network, volunteer=busy.user, at=THURSDAY - timedelta(days=days_ago))
    task(network=network, volunteer=resting.user, at=THURSDAY, delivered_at=THURSDAY)
    checkin = CheckInFactory.create(profile=resting.volunteer_profile)
    CheckIn.objects.filter(pk=checkin.pk).update(answer="break", answered_at=THURSDAY)

    rows = {
        row.membership.pk: row
        for row in selectors.workload_for_network(network=network, now=THURSDAY)
    }
    ordered = selectors.workload_for_network(network=network, now=THURSDAY)

    assert set(rows) == {busy.pk, resting.pk, no_profile.pk}
    assert ordered[0].membership == busy
    assert (rows[busy.pk].week_tasks, rows[busy.pk].weekly_cap, rows[busy.pk].near_cap) == (
        3,
        3,
        True,
    )
    assert rows[busy.pk].last_active == THURSDAY
    assert rows[resting.pk].paused_until == THURSDAY + timedelta(days=2)
    assert rows[resting.pk].asked_break_at == THURSDAY
    assert rows[resting.pk].near_cap is False
    no = rows[no_profile.pk]
    assert (no.week_tasks, no.weekly_cap, no.last_active, no.paused_until) == (0, 3, None, None)
    assert not no.needs_attention


@pytest.mark.parametrize(
    ("tasks", "cap", "near"), [(2, 3, False), (3, 3, True), (4, 5, False), (5, 6, True)]
)
def test_near_cap_means_over_80_percent(tasks, cap, near):
    row = selectors.WorkloadRow(
        membership=Membership(),
        week_tasks=tasks,
        weekly_cap=cap,
        last_active=None,
        paused_until=None,
        asked_break_at=None,
        days_in_a_row=0,
    )
    assert row.near_cap is near


@pytest.mark.parametrize(
    ("days_ago", "no_rest"),
    [
        ([0, 1, 2, 3, 4, 5], True),  # six days up to today
        ([1, 2, 3, 4, 5, 6], True),  # six days up to yesterday: today isn't over yet
        ([0, 1, 2, 3, 4], False),
        ([0, 1, 2, 4, 5, 6], False),  # a day off three days ago
        ([2, 3, 4, 5, 6, 7], False),  # nothing since the day before yesterday
    ],
)
def test_no_day_off_means_active_on_each_of_the_last_six_days(network, days_ago, no_rest):
    membership = volunteer_in(network)
    for days in days_ago:
        at = THURSDAY - timedelta(days=days)
        # A claim made long ago that was delivered that day counts too.
        task(
            network=network, volunteer=membership.user, at=at - timedelta(days=30), delivered_at=at
        )

    (row,) = selectors.workload_for_network(network=network, now=THURSDAY)

    assert row.no_rest is no_rest


def test_an_old_break_is_not_shown(network):
    membership = volunteer_in(network, weekly_cap=3)
    checkin = CheckInFactory.create(profile=membership.volunteer_profile)
    answered = THURSDAY - timedelta(days=network.checkin_period_days + 1)
    CheckIn.objects.filter(pk=checkin.pk).update(answer="break", answered_at=answered)
    (row,) = selectors.workload_for_network(network=network, now=THURSDAY)
    assert row.asked_break_at is None


def test_workload_takes_the_same_queries_for_two_volunteers_or_twenty(network):
    def measure() -> int:
        with CaptureQueriesContext(connection) as queries:
            rows = selectors.workload_for_network(network=network)
            # Everything the page shows, without a query per row.
            shown = [(r.membership.user.display_name, r.needs_attention) for r in rows]
        assert len(shown) == len(rows)
        return len(queries)

    for _ in range(2):
        busy = volunteer_in(network, weekly_cap=4)
        task(network=network, volunteer=busy.user, delivered_at=timezone.now())
    few = measure()
    for _ in range(18):
        busy = volunteer_in(network, weekly_cap=4)
        task(network=network, volunteer=busy.user, delivered_at=timezone.now())
        CheckInFactory.create(profile=busy.volunteer_profile)

    assert measure() == few == 2


def test_pending_checkin_is_found_for_its_volunteer_only(network, volunteer, anonymous):
    assert selectors.checkin_pending_for(user=anonymous, network=network) is None
    checkin = CheckInFactory.create(profile=profile_of(Membership.objects.get(user=volunteer)))
    assert selectors.checkin_pending_for(user=volunteer, network=network) == checkin
    assert selectors.checkin_pending_for(user=volunteer, network=NetworkFactory.create()) is None
