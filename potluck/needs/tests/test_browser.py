"""The ask → claim → deliver → confirm loop in real Chromium, with axe on every page.

Elements are found by ids, names and form actions, never by visible text, so the tests hold
whatever the translation catalogues say.
"""

import re
from collections.abc import Callable
from typing import Any

import pytest

from potluck.accounts.tests.factories import PASSWORD
from potluck.core.tests.browser import axe_check, log_in, submit
from potluck.needs import services
from potluck.needs.models import Need
from potluck.needs.tests.factories import NeedFactory, OfferFactory
from potluck.networks.models import Membership, Role
from potluck.networks.tests.factories import InvitationFactory, MembershipFactory, NetworkFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "+1 555 010 2030"
PHONE_SAVED = "+15550102030"
NO_JS = {"java_script_enabled": False}
MAX_BOARD_BYTES = 100 * 1024


def no_check(page: Any) -> None:
    """Stands in for axe_check where the page runs without JavaScript."""


def ask_for_groceries_in_spanish(page: Any, slug: str, check: Callable[[Any], None]) -> str:
    """A neighbour without an account asks for help in Spanish; returns their status link."""
    page.goto(f"/n/{slug}/ask/")
    check(page)
    page.select_option("select#language-switch", "es")
    submit(page, "form:has(select#language-switch) button[type=submit]")
    assert page.get_attribute("html", "lang") == "es"
    assert re.search(rf"/n/{slug}/ask/$", page.url)
    check(page)

    page.select_option("select#id_category", "groceries")
    page.fill("textarea#id_description", "Arroz, frijoles y leche para dos personas, por favor.")
    page.fill("input#id_area", "Eastgate, cerca de la biblioteca")
    page.check("input[name=urgency][value=today]")
    page.check("input[name=contact_method][value=sms]")
    page.fill("input#id_contact_value", PHONE)
    page.select_option("select#id_language", "es")
    submit(page, "main form.stack button[type=submit]")

    assert re.search(r"/s/[^/]+/\?new=1$", page.url), page.url
    assert page.get_attribute("html", "lang") == "es"
    status_link = page.locator("main .notice code").text_content().strip()
    assert page.url == status_link + "?new=1"
    check(page)
    return status_link


def press(page: Any, button: str, path: str, *, js: bool) -> None:
    """Press a need action: htmx swaps the status section in place, or the form posts."""
    if not js:
        submit(page, button)
        return
    url_before = page.url
    with page.expect_response(lambda response: response.url.endswith(path)) as info:
        page.locator(button).click()
    response = info.value
    assert response.ok, f"{path} answered {response.status}"
    assert response.request.headers.get("hx-request") == "true"
    assert page.url == url_before
    # The pressed button is gone after the swap; keyboard users must not be sent back to the top.
    # (A locator, not wait_for_function: the strict CSP forbids evaluating strings.)
    page.locator("#need-status :focus").wait_for()


def volunteer_claims_and_delivers(
    page: Any, slug: str, need: Need, volunteer: Any, check: Callable[[Any], None], *, js: bool
) -> None:
    page.goto("/accounts/login/")
    check(page)
    page.fill("input[name=username]", volunteer.email)
    page.fill("input[name=password]", PASSWORD)
    submit(page, "main form button[type=submit]")
    assert page.locator("header form[action='/accounts/logout/']").count() == 1
    check(page)

    submit(page, f"main a[href='/n/{slug}/'] >> nth=0")
    check(page)
    submit(page, f"nav a[href='/n/{slug}/needs/']")
    check(page)
    detail = f"/n/{slug}/needs/{need.pk}/"
    submit(page, f"main a[href='{detail}']")
    assert page.url.endswith(detail)
    check(page)

    press(page, "#need-status form[action$='/claim/'] button", f"{detail}claim/", js=js)
    page.locator("#need-status form[action$='/deliver/']").wait_for()
    need.refresh_from_db()
    assert (need.status, need.claimant) == (Need.Status.CLAIMED, volunteer)
    check(page)

    press(page, "#contact form[action$='/contact/'] button", f"{detail}contact/", js=js)
    phone = page.locator(f"#contact a[href='sms:{PHONE_SAVED}']")
    assert phone.text_content().strip() == PHONE_SAVED
    check(page)

    press(page, "#need-status form[action$='/deliver/'] button", f"{detail}deliver/", js=js)
    page.locator("#need-status form[action$='/deliver/']").wait_for(state="detached")
    need.refresh_from_db()
    assert need.status == Need.Status.DELIVERED
    check(page)


def neighbour_confirms(page: Any, status_link: str, check: Callable[[Any], None]) -> None:
    page.goto(status_link)
    assert page.get_attribute("html", "lang") == "es"
    check(page)
    submit(page, "main form[action$='/confirm/'] button[type=submit]")
    assert page.url == status_link
    assert page.locator("main form[action$='/confirm/']").count() == 0
    check(page)


def run_the_loop(page: Any, *, js: bool) -> None:
    check = axe_check if js else no_check
    network = NetworkFactory.create(languages=["en", "es"])
    volunteer = MembershipFactory.create(network=network, role=Role.VOLUNTEER).user

    status_link = ask_for_groceries_in_spanish(page, network.slug, check)
    need = Need.objects.get(network=network)
    assert (need.language, need.contact_method, need.contact_value) == ("es", "sms", PHONE_SAVED)

    page.context.clear_cookies()  # the volunteer is someone else, on another device
    volunteer_claims_and_delivers(page, network.slug, need, volunteer, check, js=js)

    page.context.clear_cookies()
    neighbour_confirms(page, status_link, check)
    need.refresh_from_db()
    assert need.status == Need.Status.CLOSED
    assert need.closed_at is not None


def test_neighbour_asks_in_spanish_and_a_volunteer_delivers(page):
    run_the_loop(page, js=True)


@pytest.mark.parametrize("page", [NO_JS], indirect=True)
def test_the_loop_works_without_javascript(page):
    run_the_loop(page, js=False)


def test_board_with_a_full_page_of_needs_weighs_under_100_kb(page, live_server):
    network = NetworkFactory.create()
    volunteer = MembershipFactory.create(network=network, role=Role.VOLUNTEER).user
    NeedFactory.create_batch(25, network=network)
    log_in(page, volunteer, live_server.url)
    responses: list[Any] = []
    page.on("response", lambda response: responses.append(response))

    page.goto(f"/n/{network.slug}/needs/")  # a fresh context: nothing is cached yet
    page.wait_for_load_state("networkidle")

    assert page.locator("main .card").count() == 25
    sizes = {response.url: len(response.body()) for response in responses}
    assert any(url.endswith(".css") for url in sizes)
    assert any(url.endswith(".js") for url in sizes)
    total = sum(sizes.values())
    assert total < MAX_BOARD_BYTES, f"{total} bytes: {sizes}"
    axe_check(page)


PHONE_SCREEN = {"viewport": {"width": 360, "height": 740}, "has_touch": True, "is_mobile": True}


@pytest.mark.parametrize("page", [{}, PHONE_SCREEN], indirect=True, ids=["desktop", "phone"])
def test_public_pages_pass_axe(page):
    network = NetworkFactory.create()
    invitation = InvitationFactory.create(network=network)
    for path in (
        "/",
        f"/n/{network.slug}/",
        invitation.get_absolute_url(),
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/reset/sent/",
        "/accounts/login/",
    ):
        response = page.goto(path)
        assert response.ok, f"{path} answered {response.status}"
        axe_check(page)

    page.fill("input[name=username]", "nobody@example.org")
    page.fill("input[name=password]", "wrong password")
    submit(page, "main form button[type=submit]")
    assert page.locator("main .error-summary").count() == 1
    axe_check(page)

    page.goto("/accounts/signup/")
    page.fill("input[name=password]", "short")
    submit(page, "main form.stack button[type=submit]")
    assert page.locator("main .errorlist").count() > 0
    axe_check(page)

    page.goto(f"/n/{network.slug}/ask/")
    axe_check(page)
    submit(page, "main form.stack button[type=submit]")  # everything left empty
    assert page.locator("main .errorlist").count() > 0
    axe_check(page)


def test_coordinator_pages_pass_axe(page, live_server):
    network = NetworkFactory.create()
    coordinator = MembershipFactory.create(network=network, role=Role.COORDINATOR).user
    volunteer = MembershipFactory.create(network=network, role=Role.VOLUNTEER).user
    MembershipFactory.create(network=network, status=Membership.Status.PENDING, note="I can drive.")
    InvitationFactory.create(network=network, created_by=coordinator)
    offer = OfferFactory.create(network=network, author=volunteer)
    open_need = NeedFactory.create(network=network, urgency="today")
    claimed = NeedFactory.create(network=network)
    services.need_claim(need=claimed, volunteer=coordinator)
    services.need_add_note(need=claimed, author=coordinator, body="Left a voicemail.")
    delivered = NeedFactory.create(network=network)
    services.need_claim(need=delivered, volunteer=volunteer)
    services.need_mark_delivered(need=delivered, by=volunteer)
    other_offer = OfferFactory.create(network=network, author=coordinator, kind="goods")
    match = services.offer_respond(offer=other_offer, responder=volunteer, message="I'd love it.")
    log_in(page, coordinator, live_server.url)

    slug = network.slug
    for path in (
        "/",
        f"/n/{slug}/",
        f"/n/{slug}/needs/",
        f"/n/{slug}/needs/{open_need.pk}/",
        f"/n/{slug}/needs/{claimed.pk}/",
        f"/n/{slug}/needs/{delivered.pk}/",
        f"/n/{slug}/needs/intake/",
        f"/n/{slug}/offers/",
        f"/n/{slug}/offers/new/",
        f"/n/{slug}/offers/{offer.pk}/",
        f"/n/{slug}/offers/{other_offer.pk}/",
        f"/n/{slug}/matches/{match.pk}/",
        f"/n/{slug}/queue/",
        f"/n/{slug}/members/",
        f"/n/{slug}/my-claims/",
        "/accounts/me/",
        "/n/new/",
    ):
        response = page.goto(path)
        assert response.ok, f"{path} answered {response.status}"
        axe_check(page)
