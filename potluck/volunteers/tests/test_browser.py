"""A volunteer fills in their profile, answers a check-in and rests; a coordinator sees the
workload. Real Chromium, axe on every page; elements found by names, ids and form actions."""

from typing import Any

import pytest
from django.utils import timezone

from potluck.core.tests.browser import axe_check, log_in, submit
from potluck.networks.models import Membership, Role
from potluck.networks.tests.factories import MembershipFactory, NetworkFactory
from potluck.volunteers.models import CheckIn, VolunteerProfile
from potluck.volunteers.tests.factories import CheckInFactory, profile_of, task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_SCREEN = {"viewport": {"width": 360, "height": 740}, "has_touch": True, "is_mobile": True}


@pytest.mark.parametrize("page", [{}, PHONE_SCREEN], indirect=True, ids=["desktop", "phone"])
def test_volunteer_profile_and_workload_pages_work_and_pass_axe(page: Any, live_server: Any):
    network = NetworkFactory.create()
    volunteer = MembershipFactory.create(network=network, role=Role.VOLUNTEER).user
    slug = network.slug

    log_in(page, volunteer, live_server.url)
    page.goto(f"/n/{slug}/")
    submit(page, f"nav a[href='/n/{slug}/volunteer/']")
    axe_check(page)

    page.check("input[name=categories][value=groceries]")
    page.check("input[name=languages][value=es]")
    page.fill("input[name=skills]", "first aid, cooking")
    page.check("input[name=where][value=home]")
    page.select_option("select[name=home_area]", "Eastgate")
    page.fill("input[name=radius_km]", "4")
    page.check("input[name=travel][value=bike]")
    page.locator("label[for='id_slot_sat-am']").click()  # the whole cell is the target
    page.check("input[name=slots][value=mon-pm]")
    submit(page, "main form[action$='/volunteer/'] button[type=submit]")
    axe_check(page)
    profile = VolunteerProfile.objects.get(user=volunteer)
    assert profile.slots == ["mon-pm", "sat-am"]
    assert (profile.home_area, profile.radius_km, profile.travel) == ("Eastgate", 4, "bike")
    assert page.locator("input[name=slots][value=sat-am]").is_checked()

    page.fill("input[name=skills]", "x" * 50)
    submit(page, "main form[action$='/volunteer/'] button[type=submit]")
    assert page.locator("main .error-summary").count() == 1
    axe_check(page)

    # A run of deliveries later, Potluck asks how they are, on any page of the network.
    CheckInFactory.create(profile=profile)
    page.goto(f"/n/{slug}/needs/")
    axe_check(page)
    submit(page, "#checkin button[value=fine]")
    assert page.url.endswith(f"/n/{slug}/needs/")
    assert CheckIn.objects.get().answer == CheckIn.Answer.FINE
    assert page.locator("#checkin").count() == 0

    page.goto(f"/n/{slug}/volunteer/")
    submit(page, "#rest button[name=week]")
    axe_check(page)
    profile.refresh_from_db()
    assert profile.is_paused()

    coordinator = MembershipFactory.create(network=network, role=Role.COORDINATOR).user
    task(network=network, volunteer=volunteer, delivered_at=timezone.now())
    busy = profile_of(MembershipFactory.create(network=network, role=Role.VOLUNTEER), weekly_cap=1)
    task(network=network, volunteer=busy.user)
    assert Membership.objects.filter(network=network).count() == 3
    page.context.clear_cookies()
    log_in(page, coordinator, live_server.url)
    page.goto(f"/n/{slug}/")
    submit(page, f"nav a[href='/n/{slug}/volunteers/']")
    assert page.locator("main tr.attention").count() == 1
    assert page.locator("main tr.attention .flag").count() == 1
    axe_check(page)
