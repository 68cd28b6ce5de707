"""Paging through long lists in real Chromium: "Next page" and "Back to the first page" links,
with and without JavaScript, and axe on every page of the board and the triage queue."""

from typing import Any

import pytest

from potluck.accounts.models import User
from potluck.core.tests.browser import axe_check, log_in, submit
from potluck.core.tests.test_list_queries import seed_needs
from potluck.networks.models import Network

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def needs_listed(page: Any) -> list[str]:
    links = page.locator("main ul.cards a")
    return [links.nth(index).get_attribute("href") for index in range(links.count())]


def test_coordinator_pages_through_the_triage_queue(
    page: Any, live_server: Any, network: Network, coordinator: User, volunteer: User, settings: Any
) -> None:
    settings.POTLUCK_PAGE_SIZE = 2
    seed_needs(network, volunteer, 3)
    log_in(page, coordinator, live_server.url)
    page.goto(f"/n/{network.slug}/queue/")
    axe_check(page)
    stale = page.locator("section[aria-labelledby=q-stale]")
    first = stale.locator("ul.cards a").all_text_contents()  # "Groceries: <area>"
    assert len(first) == 2
    assert page.locator("nav.pager").count() == 4  # each list has more than one page
    submit(page, "section[aria-labelledby=q-stale] a[rel=next]")
    assert page.url.endswith("#q-stale")
    axe_check(page)
    assert len(stale.locator("ul.cards a").all_text_contents()) == 1
    submit(page, "section[aria-labelledby=q-stale] nav.pager a:not([rel])")
    assert stale.locator("ul.cards a").all_text_contents() == first


@pytest.mark.parametrize("page", [{"java_script_enabled": False}], indirect=True)
def test_member_pages_through_the_board_without_javascript(
    page: Any, live_server: Any, network: Network, member: User, volunteer: User, settings: Any
) -> None:
    settings.POTLUCK_PAGE_SIZE = 3
    seed_needs(network, volunteer, 5)  # four open needs for today among ten open ones
    log_in(page, member, live_server.url)
    page.goto(f"/n/{network.slug}/needs/")
    page.select_option("select#id_urgency", "today")  # a filter the pages must keep
    submit(page, "form.filters button[type=submit]")
    first = needs_listed(page)
    submit(page, "nav.pager a[rel=next]")
    assert "urgency=today" in page.url
    second = needs_listed(page)
    assert page.locator("nav.pager a[rel=next]").count() == 0
    assert (len(first), len(second), len({*first, *second})) == (3, 1, 4)
    submit(page, "nav.pager a:not([rel])")
    assert needs_listed(page) == first
    assert "cursor=" not in page.url
