"""Matching in real Chromium: a coordinator suggests, adjusts one row and dispatches; a
volunteer accepts from "my tasks". axe on every page; the same again without JavaScript.

Elements are found by ids, names and form actions, never by visible text.
"""

from collections.abc import Callable
from typing import Any

import pytest

from potluck.core.tests.browser import axe_check, log_in, submit
from potluck.matching.models import Dispatch, MatchRun
from potluck.matching.tests.builders import need, person, town, volunteer
from potluck.needs.models import Need
from potluck.networks.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_JS = {"java_script_enabled": False}


def no_check(page: Any) -> None:
    """Stands in for axe_check where the page runs without JavaScript."""


def run_matching(page: Any, live_server: Any, check: Callable[[Any], None]) -> None:
    network = town()
    slug = network.slug
    coordinator = person(network, Role.COORDINATOR)
    ana = volunteer(network, languages=["en", "es"], home_area="Riverside", radius_km=5)
    ben = volunteer(network, languages=["en", "es"], home_area="Eastgate", radius_km=5)
    groceries = need(network, area="Riverside", language="es", urgency="today")
    ride = need(network, area="Riverside, by the bridge", category="rides")

    log_in(page, coordinator, live_server.url)
    page.goto(f"/n/{slug}/matching/")
    check(page)
    submit(page, "main #suggest-form button[type=submit]")
    assert page.url.endswith(f"/n/{slug}/matching/")
    assert MatchRun.objects.filter(network=network, started_by=coordinator).count() == 1
    choice = page.locator(f"select#volunteer-{groceries.pk}")
    assert choice.input_value() == str(ana.pk)  # nearest: the engine's pick
    assert page.locator(f"input#include-{groceries.pk}").is_checked()
    check(page)
    page.locator(f"#row-{groceries.pk} details summary").click()
    check(page)

    # The coordinator knows better for one need, and keeps the other for later.
    choice.select_option(str(ben.pk))
    page.locator(f"input#include-{ride.pk}").uncheck()
    submit(page, "main #dispatch-form button[type=submit]")
    (dispatch,) = Dispatch.objects.all()
    assert (dispatch.need, dispatch.volunteer) == (groceries, ben)
    assert dispatch.dispatched_by == coordinator
    assert page.locator(f"input#include-{groceries.pk}").count() == 0  # now waiting for Ben
    check(page)

    page.context.clear_cookies()  # Ben, on his own phone
    log_in(page, ben, live_server.url)
    page.goto(f"/n/{slug}/needs/")
    submit(page, f"nav a[href='/n/{slug}/my-tasks/']")
    check(page)
    submit(page, f"main form[action='/n/{slug}/my-tasks/{dispatch.pk}/accept/'] button")
    assert page.url.endswith(f"/n/{slug}/needs/{groceries.pk}/")
    check(page)

    groceries.refresh_from_db()
    dispatch.refresh_from_db()
    assert (groceries.status, groceries.claimant) == (Need.Status.CLAIMED, ben)
    assert dispatch.status == Dispatch.Status.ACCEPTED
    page.goto(f"/n/{slug}/my-tasks/")
    assert page.locator(f"main a[href='/n/{slug}/needs/{groceries.pk}/']").count() == 1
    check(page)


def test_coordinator_dispatches_suggestions_and_a_volunteer_accepts(page, live_server):
    run_matching(page, live_server, axe_check)


@pytest.mark.parametrize("page", [NO_JS], indirect=True)
def test_matching_works_without_javascript(page, live_server):
    run_matching(page, live_server, no_check)
