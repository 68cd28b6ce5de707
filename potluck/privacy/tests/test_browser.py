"""Downloading one's data and deleting one's account in real Chromium, with axe on every page.

Elements are found by ids, names and form actions, never by visible text.
"""

import json
from pathlib import Path
from typing import Any

import pytest

from potluck.accounts.models import User
from potluck.accounts.tests.factories import PASSWORD
from potluck.core.tests.browser import axe_check, log_in, submit
from potluck.networks.models import Role
from potluck.networks.tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_downloads_their_data_then_deletes_their_account(page: Any, live_server: Any):
    person = MembershipFactory.create(role=Role.VOLUNTEER).user
    log_in(page, person, live_server.url)

    page.goto("/accounts/me/")
    submit(page, "main a[href='/accounts/me/data/']")
    axe_check(page)

    with page.expect_download() as download_info:
        page.locator("#export-data").click()
    download = download_info.value
    assert download.suggested_filename.startswith("potluck-data-")
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["profile"]["email"] == person.email

    submit(page, "#delete-link")
    axe_check(page)
    page.fill("input[name=password]", "not my password")
    submit(page, "main form.stack button[type=submit]")
    assert page.locator("input[name=password][aria-invalid=true]").count() == 1
    axe_check(page)
    assert User.objects.filter(pk=person.pk).exists()

    page.fill("input[name=password]", PASSWORD)
    submit(page, "main form.stack button[type=submit]")
    assert page.url == live_server.url + "/"
    assert page.locator("header form[action='/accounts/logout/']").count() == 0
    axe_check(page)
    assert not User.objects.filter(pk=person.pk).exists()


@pytest.mark.parametrize("page", [{"java_script_enabled": False}], indirect=True)
def test_deleting_an_account_works_without_javascript(page: Any, live_server: Any):
    person = MembershipFactory.create().user
    log_in(page, person, live_server.url)

    page.goto("/accounts/me/data/delete/")
    page.fill("input[name=password]", PASSWORD)
    submit(page, "main form.stack button[type=submit]")

    assert not User.objects.filter(pk=person.pk).exists()
