"""The core flows with the keyboard alone, with JavaScript on and with it off: ask for help,
sign up, claim, deliver and confirm. Only key presses move focus, choose and submit (no clicks,
no `fill`); at every stop the focused element must show a visible focus indicator.

Pages are opened by address only where a person would arrive from outside: a flyer's link,
the link in a message, their saved status link.
"""

import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail

from potluck.accounts.models import User, email_hash
from potluck.accounts.tests.factories import PASSWORD
from potluck.core.tests.access import (
    assert_focus_visible,
    choose_option,
    choose_radio,
    focused_state,
    is_focused,
    press_enter_and_wait,
    tab_to,
    type_into,
)
from potluck.core.tests.browser import axe_check
from potluck.core.tests.test_access_rtl import box
from potluck.needs.models import Need
from potluck.networks.models import Role
from potluck.networks.tests.factories import MembershipFactory, NetworkFactory

NO_JS = {"java_script_enabled": False}
MODES = pytest.mark.parametrize(
    ("page", "js"), [({}, True), (NO_JS, False)], indirect=["page"], ids=["js", "no-js"]
)
CSS = Path(__file__).resolve().parents[2] / "static" / "potluck.css"


def test_the_stylesheet_draws_a_focus_ring_for_keyboard_users():
    css = CSS.read_text()
    rule = re.search(r":focus-visible\s*\{([^}]*)\}", css)
    assert rule
    assert re.search(r"outline:\s*[2-9]px solid", rule.group(1)), rule
    assert "outline: none" not in css.replace("main:focus { outline: none; }", "")


def the_skip_link_comes_first(page: Any) -> None:
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    assert is_focused(skip)
    assert_focus_visible(page)
    skip_box = box(page, "a.skip")
    assert skip_box["x"] >= 0
    assert skip_box["y"] >= 0
    page.keyboard.press("Enter")
    assert is_focused(page.locator("main#main"))


def ask_for_help(page: Any, slug: str) -> str:
    """A neighbour arrives from a flyer's link and asks for help; returns the status link."""
    page.goto(f"/n/{slug}/")
    the_skip_link_comes_first(page)
    tab_to(page, page.locator(f"main a[href='/n/{slug}/ask/']"))
    press_enter_and_wait(page)
    assert page.url.endswith(f"/n/{slug}/ask/")

    tab_to(page, page.locator("main form.stack button[type=submit]"))
    press_enter_and_wait(page)  # sent empty: the errors come back, focus starts again
    assert page.locator("main .errorlist").count() > 0

    choose_option(page, page.locator("select#id_category"), "groceries")
    type_into(page, page.locator("textarea#id_description"), "Rice and milk for two, please.")
    type_into(page, page.locator("input#id_area"), "Eastgate")
    choose_radio(page, "urgency", "today")
    choose_radio(page, "contact_method", "sms")
    type_into(page, page.locator("input#id_contact_value"), "+1 555 010 2030")
    tab_to(page, page.locator("main form.stack button[type=submit]"))
    press_enter_and_wait(page)
    assert re.search(r"/s/[^/]+/\?new=1$", page.url), page.url
    return page.url.removesuffix("?new=1")


def sign_up(page: Any) -> User:
    """Someone new signs up from the header's link and finishes through the emailed link."""
    page.goto("/")
    tab_to(page, page.locator("header a[href='/accounts/signup/']"))
    press_enter_and_wait(page)
    type_into(page, page.locator("input[name=display_name]"), "Heron")
    type_into(page, page.locator("input[name=login]"), "heron@example.org")
    type_into(page, page.locator("input[name=password]"), PASSWORD)
    choose_option(page, page.locator("main select[name=language]"), "es")
    tab_to(page, page.locator("main form.stack button[type=submit]"))
    press_enter_and_wait(page)
    assert page.url.endswith("/accounts/signup/sent/")

    body = mail.outbox[-1].body
    page.goto("/accounts/verify/" + body.split("/accounts/verify/", 1)[1].split()[0])
    tab_to(page, page.locator("main form button[type=submit]"))
    press_enter_and_wait(page)
    assert page.locator("header form[action='/accounts/logout/']").count() == 1
    return User.objects.get(email_hash=email_hash("heron@example.org"))


def log_in(page: Any, user: User) -> None:
    page.goto("/accounts/login/")
    username = page.locator("input[name=username]")
    assert is_focused(username)  # autofocus: the one field people come here for
    page.keyboard.type(user.email)
    type_into(page, page.locator("input[name=password]"), PASSWORD)
    press_enter_and_wait(page)  # Enter in a field submits its form
    assert not page.url.endswith("/accounts/login/"), page.url
    assert page.locator("header form[action='/accounts/logout/']").count() == 1


def press_need_action(page: Any, action: str, *, js: bool) -> None:
    """Tab to a need's action button and press Enter: htmx swaps the status in place (focus
    lands on its heading), or without JavaScript the form posts and the page reloads."""
    tab_to(page, page.locator(f"#need-status form[action$='/{action}/'] button"))
    if not js:
        press_enter_and_wait(page)
        return
    with page.expect_response(lambda response: response.url.endswith(f"/{action}/")) as info:
        page.keyboard.press("Enter")
    assert info.value.ok
    page.locator("#need-status :focus").wait_for()
    assert_focus_visible(page)


def claim_and_deliver(page: Any, slug: str, need: Need, volunteer: User, *, js: bool) -> None:
    log_in(page, volunteer)
    tab_to(page, page.locator(f"main a[href='/n/{slug}/']"))
    press_enter_and_wait(page)
    tab_to(page, page.locator(f"header nav a[href='/n/{slug}/needs/']"))
    press_enter_and_wait(page)
    tab_to(page, page.locator(f"main a[href='/n/{slug}/needs/{need.pk}/']"))
    press_enter_and_wait(page)

    press_need_action(page, "claim", js=js)
    need.refresh_from_db()
    assert (need.status, need.claimant) == (Need.Status.CLAIMED, volunteer)
    press_need_action(page, "deliver", js=js)
    need.refresh_from_db()
    assert need.status == Need.Status.DELIVERED


def confirm(page: Any, status_link: str) -> None:
    page.goto(status_link)
    tab_to(page, page.locator("main form[action$='/confirm/'] button"))
    press_enter_and_wait(page)
    assert page.locator("main form[action$='/confirm/']").count() == 0


@MODES
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_core_flows_work_with_the_keyboard_alone(page, js):
    network = NetworkFactory.create()
    volunteer = MembershipFactory.create(network=network, role=Role.VOLUNTEER).user

    status_link = ask_for_help(page, network.slug)
    need = Need.objects.get(network=network)
    assert (need.category, need.urgency, need.contact_method) == ("groceries", "today", "sms")
    if js:
        axe_check(page)

    page.context.clear_cookies()
    heron = sign_up(page)
    assert (heron.display_name, heron.language) == ("Heron", "es")
    assert page.get_attribute("html", "lang") == "es"

    page.context.clear_cookies()
    claim_and_deliver(page, network.slug, need, volunteer, js=js)

    page.context.clear_cookies()
    confirm(page, status_link)
    need.refresh_from_db()
    assert need.status == Need.Status.CLOSED


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_tab_order_goes_backwards_too_and_never_loses_focus(page):
    """Shift+Tab walks the same stops in reverse, and every stop shows its focus."""
    network = NetworkFactory.create()
    page.goto(f"/n/{network.slug}/ask/")
    forwards: list[tuple[str, str]] = []
    for _press in range(40):
        page.keyboard.press("Tab")
        state = focused_state(page)
        assert state is not None, f"focus fell off the page after {len(forwards)} stops"
        assert state["indicator"], state
        assert state["onScreen"], state
        forwards.append((state["tag"], state["text"]))
        if state["tag"] == "button" and len(forwards) > 5:
            break
    backwards: list[tuple[str, str]] = []
    for _press in range(len(forwards) - 1):
        page.keyboard.press("Shift+Tab")
        state = focused_state(page)
        assert state is not None
        assert state["indicator"], state
        assert state["onScreen"], state
        backwards.append((state["tag"], state["text"]))
    assert backwards == forwards[-2::-1]
