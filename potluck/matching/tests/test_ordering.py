"""Needs waiting longest rise in every list: most urgent first, then longest waiting."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from potluck.accounts.services import api_token_create
from potluck.conftest import login
from potluck.matching import selectors, services
from potluck.matching.tests.builders import need, person, town, volunteer
from potluck.needs.selectors import BoardFilters, need_list_for_board, need_list_for_triage
from potluck.networks.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def network():
    return town()


@pytest.fixture
def needs(network):
    """Made newest first, so no list gets the order right by accident."""
    now = timezone.now()
    return {
        "new flexible": need(network, urgency="flexible", created_at=now - timedelta(hours=1)),
        "old flexible": need(network, urgency="flexible", created_at=now - timedelta(days=5)),
        "new today": need(network, urgency="today", created_at=now - timedelta(hours=2)),
        "older today": need(network, urgency="today", created_at=now - timedelta(hours=20)),
        "oldest today": need(network, urgency="today", created_at=now - timedelta(days=6)),
    }


EXPECTED = ["oldest today", "older today", "new today", "old flexible", "new flexible"]


def names(needs, listed):
    by_pk = {n.pk: name for name, n in needs.items()}
    return [by_pk[item.pk if hasattr(item, "pk") else item] for item in listed]


def test_the_board_lists_urgent_then_longest_waiting_first(network, needs):
    listed = need_list_for_board(network=network, filters=BoardFilters())
    assert names(needs, listed) == EXPECTED


def test_the_triage_queue_lists_urgent_then_longest_waiting_first(network, needs):
    queue = need_list_for_triage(network=network)
    assert names(needs, queue.new) == ["older today", "new today", "new flexible"]
    assert names(needs, queue.stale) == ["oldest today", "old flexible"]


def test_the_api_pages_in_the_same_order_with_a_cursor(network, needs):
    member = person(network, Role.MEMBER)
    _token, key = api_token_create(user=member, name="tests")
    client = Client(headers={"Authorization": f"Bearer {key}"})
    seen, query = [], {"limit": 2, "network": network.slug}
    while True:
        body = client.get("/api/v1/needs", query).json()
        seen += [item["id"] for item in body["items"]]
        if not body["next"]:
            break
        query["cursor"] = body["next"]
    assert names(needs, seen) == EXPECTED


def test_matching_review_and_my_tasks_list_urgent_then_longest_waiting_first(
    client, network, needs
):
    coordinator = person(network, Role.COORDINATOR)
    helper = volunteer(network, weekly_cap=9)
    run = services.match_suggest(network=network, by=coordinator)

    rows = selectors.run_rows(run=run, needs=list(selectors.run_needs(run=run, network=network)))
    assert names(needs, [row.need for row in rows]) == EXPECTED
    suggested = selectors.suggestion_list_for_volunteer(user=helper, network=network)
    assert names(needs, [s.need for s in suggested]) == EXPECTED

    pairs = [(needs[name], helper) for name in reversed(EXPECTED)]
    services.match_dispatch(network=network, by=coordinator, pairs=pairs)
    waiting = selectors.dispatch_list_for_volunteer(user=helper, network=network)
    assert names(needs, [d.need for d in waiting]) == EXPECTED
    login(client, helper)
    assert client.get(f"/n/{network.slug}/my-tasks/").status_code == 200
