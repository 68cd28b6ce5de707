"""A whole case in real Chromium with canary details: nothing leaks to logs, mail or errors."""

import logging
from typing import Any

import pytest
from django.core import mail

from potluck.core.tests.browser import log_in, submit
from potluck.needs.models import Need
from potluck.needs.tests.test_browser import press
from potluck.networks.models import Role
from potluck.networks.tests.factories import MembershipFactory, NetworkFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CANARIES = {
    "description": "LeakCanaryNeed-91c2 medicine for my son",
    "contact": "leak-canary-91c2@example.org",
    "times": "LeakCanaryTimes-91c2 before 8",
    "message": "LeakCanaryMessage-91c2 my new address is 12 Elm",
    "note": "LeakCanaryNote-91c2 left it with the neighbour",
}


def test_a_case_leaves_no_sensitive_value_in_logs_mail_or_error_pages(
    page: Any, live_server: Any, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    network = NetworkFactory.create()
    volunteer = MembershipFactory.create(network=network, role=Role.VOLUNTEER).user
    slug = network.slug

    page.goto(f"/n/{slug}/ask/")
    page.select_option("select#id_category", network.categories[0])
    page.fill("textarea#id_description", CANARIES["description"])
    page.fill("input#id_area", "Riverside")
    page.check("input[name=urgency][value=today]")
    page.check("input[name=contact_method][value=email]")
    page.fill("input#id_contact_value", CANARIES["contact"])
    page.fill("input#id_contact_times", CANARIES["times"])
    submit(page, "main form.stack button[type=submit]")
    status_link = page.locator("main .notice code").text_content().strip()
    page.fill("textarea[name=body]", CANARIES["message"])
    submit(page, "main form:has(textarea[name=body]) button[type=submit]")

    need = Need.objects.get(network=network)
    page.context.clear_cookies()
    log_in(page, volunteer, live_server.url)
    detail = f"/n/{slug}/needs/{need.pk}/"
    page.goto(detail)
    press(page, "#need-status form[action$='/claim/'] button", f"{detail}claim/", js=True)
    press(page, "#contact form[action$='/contact/'] button", f"{detail}contact/", js=True)
    assert CANARIES["contact"] in page.locator("#contact").text_content()
    page.goto(detail)  # the notes form appears for the claimant
    page.fill("textarea[name=body]", CANARIES["note"])
    submit(page, f"main form[action='{detail}note/'] button[type=submit]")
    assert CANARIES["note"] in page.content()

    # Error pages: a wrong status link, a missing need, a forged form post.
    error_pages = []
    for url in [status_link[:-5] + "XXXX/", f"/n/{slug}/needs/{need.pk + 99}/"]:
        response = page.goto(url)
        assert response is not None
        assert response.status == 404
        error_pages.append(page.content())
    forged = page.request.post(f"{live_server.url}{detail}note/", form={"body": CANARIES["note"]})
    assert forged.status == 403
    error_pages.append(forged.text())

    output = capfd.readouterr()
    places = {
        "log records": caplog.text,
        "stdout": output.out,
        "stderr": output.err,
        "mail": "\n".join(
            f"{m.subject}\n{m.body}\n{getattr(m, 'alternatives', '')}" for m in mail.outbox
        ),
        "error pages": "\n".join(error_pages),
    }
    assert "Not Found" in caplog.text  # positive control: the 404s were logged
    token = status_link.rstrip("/").rsplit("/", 1)[-1]
    hits = [
        (place, name)
        for place, text in places.items()
        for name, canary in [*CANARIES.items(), ("status token", token[:20])]
        if canary in text
    ]
    assert hits == []
