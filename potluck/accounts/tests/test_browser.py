"""Two-factor authentication in real Chromium: set it up, log out, log in with a code from the
device; axe on every page of it; and the same login with JavaScript off.

Elements are found by ids, names and form actions, never by visible text.
"""

from base64 import b32decode
from typing import Any

import pytest
from django.core import mail
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from potluck.accounts.tests.factories import PASSWORD, UserFactory
from potluck.core.tests.browser import axe_check, submit
from potluck.networks.models import Role
from potluck.networks.tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_JS = {"java_script_enabled": False}


def shown_device(page: Any) -> TOTPDevice:
    """The authenticator as the person's app would add it: from the key shown on the page."""
    key = page.locator("#totp-key").text_content().replace(" ", "")
    return TOTPDevice(key=b32decode(key + "=" * (-len(key) % 8)).hex())


def code_for(device: TOTPDevice, *, ahead: int = 0) -> str:
    """The code an authenticator app shows (`ahead` steps on: each code is accepted once)."""
    if device.pk:
        device.refresh_from_db()
    t0 = device.t0 - ahead * device.step
    return f"{totp(device.bin_key, device.step, t0, device.digits):0{device.digits}d}"


def log_in_with_password(page: Any, user: Any, *, next_path: str = "") -> None:
    page.goto("/accounts/login/" + (f"?next={next_path}" if next_path else ""))
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    submit(page, "main form[action='/accounts/login/'] button[type=submit]")


def test_person_sets_up_two_factor_and_logs_in_with_a_code(page, live_server):
    user = UserFactory.create()
    log_in_with_password(page, user)
    axe_check(page)

    page.goto("/accounts/me/")
    axe_check(page)
    submit(page, "main a[href='/accounts/2fa/']")
    axe_check(page)
    submit(page, "main a[href='/accounts/2fa/setup/']")
    assert page.locator("main .qr svg[role=img]").count() == 1
    assert page.locator("#totp-key").text_content().strip()
    axe_check(page)

    device = shown_device(page)
    page.fill("input[name=code]", code_for(device))
    submit(page, "main form[action='/accounts/2fa/setup/'] button[type=submit]")
    assert page.url.endswith("/accounts/2fa/recovery/")
    assert page.locator("#recovery-codes li").count() == 10
    axe_check(page)

    submit(page, "header form[action='/accounts/logout/'] button[type=submit]")
    log_in_with_password(page, user, next_path="/accounts/me/")
    assert "/accounts/2fa/code/" in page.url
    axe_check(page)
    page.fill("input[name=code]", code_for(device, ahead=1))
    submit(page, "main form[action='/accounts/2fa/code/'] button[type=submit]")
    assert page.url.endswith("/accounts/me/")
    assert page.locator("header form[action='/accounts/logout/']").count() == 1


def test_a_coordinator_without_two_factor_is_sent_to_set_it_up(page, live_server):
    coordinator = MembershipFactory.create(role=Role.COORDINATOR).user
    slug = coordinator.memberships.get().network.slug
    log_in_with_password(page, coordinator, next_path=f"/n/{slug}/queue/")
    assert "/accounts/2fa/setup/" in page.url
    assert page.locator("main .messages .message.warning").count() == 1
    axe_check(page)

    page.fill("input[name=code]", code_for(shown_device(page)))
    submit(page, "main form[action='/accounts/2fa/setup/'] button[type=submit]")
    submit(page, "main a.button.primary")  # "I have saved them": on to the queue
    assert page.url.endswith(f"/n/{slug}/queue/")


@pytest.mark.parametrize("page", [NO_JS], indirect=True)
def test_logging_in_with_a_code_works_without_javascript(page, live_server):
    user = UserFactory.create()
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    log_in_with_password(page, user)
    page.fill("input[name=code]", code_for(device))
    submit(page, "main form[action='/accounts/2fa/code/'] button[type=submit]")
    page.goto("/accounts/2fa/")
    assert page.locator("#two-factor-status.notice").count() == 1


def test_person_signs_up_finishes_through_the_link_and_changes_their_email(page, live_server):
    page.goto("/accounts/signup/")
    axe_check(page)
    page.fill("input[name=display_name]", "Heron")
    page.fill("input[name=login]", "heron@example.org")
    page.fill("input[name=password]", PASSWORD)
    honeypot = page.locator("input[name=homepage]").bounding_box()
    assert honeypot is not None
    assert honeypot["x"] + honeypot["width"] <= 0  # off screen: people never see it
    submit(page, "main form.stack button[type=submit]")
    assert page.url.endswith("/accounts/signup/sent/")
    axe_check(page)

    page.goto(link_path(mail.outbox[-1].body))
    axe_check(page)
    submit(page, "main form button[type=submit]")
    assert page.locator("header form[action='/accounts/logout/']").count() == 1

    page.goto("/accounts/me/login/")
    axe_check(page)
    page.fill("input[name=login]", "heron@example.net")
    submit(page, "main form.stack button[type=submit]")
    page.goto(link_path(mail.outbox[-1].body))
    submit(page, "main form button[type=submit]")
    assert page.url.endswith("/accounts/me/")
    assert "heron@example.net" in page.locator("main").text_content()


def test_the_confirm_page_passes_axe(page, live_server):
    user = UserFactory.create()
    log_in_with_password(page, user)
    page.goto("/accounts/confirm/?next=/accounts/me/")
    axe_check(page)
    page.fill("input[name=password]", PASSWORD)
    submit(page, "main form[action='/accounts/confirm/'] button[type=submit]")
    assert page.url.endswith("/accounts/me/")


def link_path(body: Any) -> str:
    """The path of the /accounts/verify/ link in a message (its host is settings.SITE_URL)."""
    return "/accounts/verify/" + body.split("/accounts/verify/", 1)[1].split()[0]
