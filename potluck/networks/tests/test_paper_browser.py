"""Paper and phone in real Chromium: the reach settings form and the printable offers board.

Elements are found by ids, names and form actions, never by visible text.
"""

import io
from typing import Any

import pytest
from pypdf import PdfReader

from potluck.core.tests.browser import axe_check, log_in, submit
from potluck.needs.tests.factories import OfferFactory
from potluck.networks.models import Network, Role
from potluck.networks.reach_views import NOTICEBOARD_SIZE
from potluck.networks.tests.factories import MembershipFactory, NetworkFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_JS = {"java_script_enabled": False}
SAVE = "main form.stack button[type=submit]"


def coordinator_of(network: Network) -> Any:
    return MembershipFactory.create(network=network, role=Role.COORDINATOR).user


def fill_reach(page: Any, *, phone: str, sms: str, word: str) -> None:
    page.fill("input#id_phone_number", phone)
    page.fill("input#id_sms_number", sms)
    page.fill("input#id_sms_keyword", word)


def test_coordinator_sets_the_numbers_and_fixes_a_mistake(page: Any, live_server: Any) -> None:
    network = NetworkFactory.create()
    log_in(page, coordinator_of(network), live_server.url)
    page.goto(f"/n/{network.slug}/")
    submit(page, f"main a[href='/n/{network.slug}/reach/']")
    axe_check(page)

    fill_reach(page, phone="555", sms="+1 555 010 0200", word="stop")
    submit(page, SAVE)
    assert page.locator("main .error-summary").count() == 1
    assert page.locator("main .errorlist").count() == 2  # the phone line and the word
    axe_check(page)

    fill_reach(page, phone="+1 555 010 0100", sms="+1 555 010 0200", word="riverside")
    submit(page, SAVE)
    assert page.url.endswith(f"/n/{network.slug}/reach/")
    assert page.locator("main .messages .message").count() == 1
    assert page.input_value("input#id_sms_keyword") == "RIVERSIDE"
    axe_check(page)
    network.refresh_from_db()
    assert (network.phone_number, network.sms_number, network.sms_keyword) == (
        "+15550100100",
        "+15550100200",
        "RIVERSIDE",
    )
    # The flyer the page links to is a PDF.
    flyer = page.request.get(page.locator("main a[href$='/flyer.pdf']").get_attribute("href"))
    assert flyer.headers["content-type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(flyer.body())).pages) == len(network.languages)


@pytest.mark.parametrize("page", [NO_JS], indirect=True)
def test_reach_settings_work_without_javascript(page: Any, live_server: Any) -> None:
    network = NetworkFactory.create()
    log_in(page, coordinator_of(network), live_server.url)
    page.goto(f"/n/{network.slug}/reach/")
    fill_reach(page, phone="+44 20 7946 0000", sms="", word="")
    submit(page, SAVE)
    network.refresh_from_db()
    assert network.phone_number == "+442079460000"


def test_member_prints_the_offers_board_on_one_sheet(page: Any, live_server: Any) -> None:
    network = NetworkFactory.create(
        phone_number="+15550100100", sms_number="+15550100200", sms_keyword="RIVER"
    )
    author = MembershipFactory.create(network=network, user__display_name="CanaryAuthor-1b2c").user
    for number in range(NOTICEBOARD_SIZE):
        OfferFactory.create(
            network=network,
            author=author,
            # As long as a title may be: clipped to three lines on paper.
            title=(f"Offer {number:02d}: " + "help with a long title " * 6)[:120],
        )
    member = MembershipFactory.create(network=network).user
    log_in(page, member, live_server.url)
    page.goto(f"/n/{network.slug}/")
    submit(page, f"main a[href='/n/{network.slug}/noticeboard/']")
    axe_check(page)
    assert page.locator("main .board li").count() == NOTICEBOARD_SIZE
    assert "CanaryAuthor-1b2c" not in page.content()

    page.emulate_media(media="print")
    assert not page.locator("header.site").is_visible()
    assert not page.locator("main .no-print").is_visible()
    assert page.locator("main .noticeboard .respond").is_visible()
    for paper in ("A4", "Letter"):
        sheets = PdfReader(io.BytesIO(page.pdf(format=paper, print_background=True))).pages
        assert len(sheets) == 1, paper
        assert "+15550100100" in sheets[0].extract_text()
