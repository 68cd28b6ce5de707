"""Notification settings and the inbox in real Chromium: axe on every page, and with JavaScript
off."""

from typing import Any

import pytest

from potluck.accounts.tests.factories import UserFactory
from potluck.core.tests.browser import axe_check, log_in, submit
from potluck.notifications.models import Message, Preference

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAVE = "main form[action='/notifications/settings/'] button[type=submit]"


def fill_in(page: Any) -> None:
    page.uncheck("input[name=channels][value=email]")
    page.check("input[name=channels][value=web]")
    page.check("input[name=mode][value=digest]")
    page.select_option("select[name=quiet_start]", "22")
    page.select_option("select[name=quiet_end]", "7")


def test_a_person_sets_their_notifications_and_reads_their_messages(page: Any, live_server: Any):
    person = UserFactory.create()
    Message.objects.create(
        recipient=person, channel="web", kind="need.claimed", context={"need_id": 31}
    )
    log_in(page, person, live_server.url)

    page.goto("/accounts/me/")
    submit(page, "main a[href='/notifications/settings/']")
    axe_check(page)
    assert page.locator("input[name=channels][value=sms]").is_disabled()

    page.select_option("select[name=quiet_start]", "22")  # no end: refused, explained
    with page.expect_navigation():
        page.locator(SAVE).click()
    assert page.locator("main .error-summary").count() == 1
    axe_check(page)

    fill_in(page)
    page.select_option("main select[name=language]", "es")
    submit(page, SAVE)
    axe_check(page)
    assert page.locator("html").get_attribute("lang") == "es"
    saved = Preference.objects.get(user=person)
    assert (saved.channels, saved.mode, saved.quiet_start, saved.quiet_end) == (
        ["web"],
        "digest",
        22,
        7,
    )

    submit(page, "header a[href='/notifications/']")
    axe_check(page)
    entry = page.locator("main li").text_content()
    assert "Una persona voluntaria se encarga" in entry  # in their new language
    assert "n.º 31" in entry


@pytest.mark.parametrize("page", [{"java_script_enabled": False}], indirect=True)
def test_settings_and_inbox_work_without_javascript(page: Any, live_server: Any):
    person = UserFactory.create()
    log_in(page, person, live_server.url)

    page.goto("/notifications/settings/")
    fill_in(page)
    submit(page, SAVE)
    assert Preference.objects.get(user=person).mode == "digest"
    assert page.locator("select[name=quiet_end]").input_value() == "7"

    submit(page, "main a[href='/notifications/']")
    assert page.locator("main h1").text_content() == "Your messages"
