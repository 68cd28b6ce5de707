"""Arabic, the right-to-left interface language: pages say dir="rtl" and lang="ar", read in
Arabic, mirror their layout, pass axe, and a neighbour can ask for help in Arabic end to end.

Elements are found by ids, names and form actions; the Arabic text is checked by script
(Arabic letters), not by exact wording, so translators may improve it freely.
"""

import re
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation

from potluck.core.tests.browser import axe_check, log_in, submit
from potluck.needs.models import Need
from potluck.needs.tests.factories import NeedFactory
from potluck.networks.models import Role
from potluck.networks.tests.factories import MembershipFactory, NetworkFactory

ARABIC = re.compile(r"[\u0600-\u06ff]")
LATIN_WORD = re.compile(r"\b[A-Za-z]{4,}\b")


def arabic_share(text: str) -> float:
    """How much of the text's letters are Arabic (names and codes stay Latin)."""
    arabic = len(ARABIC.findall(text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return arabic / max(arabic + latin, 1)


def test_arabic_is_an_interface_language_written_right_to_left():
    assert "ar" in dict(settings.LANGUAGES)
    assert translation.get_language_info("ar")["bidi"]
    with translation.override("ar"):
        assert ARABIC.search(translation.gettext("Ask for help"))
        assert translation.get_language_bidi()


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "direction"), [("ar", "rtl"), ("en", "ltr"), ("es", "ltr")])
def test_pages_declare_their_language_and_direction(client, language, direction):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<html lang="{language}" dir="{direction}">' in html


@pytest.mark.django_db
def test_the_language_switcher_offers_arabic_in_arabic(client):
    html = client.get("/").content.decode()
    assert '<option value="ar" lang="ar">العربيّة</option>' in html
    response = client.post("/language/", {"language": "ar", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="ar" dir="rtl">' in client.get("/").content.decode()


def box(page: Any, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, f"{selector} is not on the page"
    return dict(found)


def assert_arabic_rtl(page: Any) -> None:
    assert page.get_attribute("html", "lang") == "ar"
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.locator("body").evaluate("el => getComputedStyle(el).direction") == "rtl"
    heading = page.locator("main h1").text_content() or ""
    assert ARABIC.search(heading), heading
    # The switcher names each language in itself; everything else in the header is Arabic.
    words = page.locator(
        "header nav :is(a:not(.brand, .network-name), button, label)"
    ).all_inner_texts()
    assert words
    assert all(arabic_share(text) > 0.9 for text in words), words


def assert_nav_mirrored(page: Any) -> None:
    """The first nav item sits at the right, and the items run leftwards from it."""
    width = page.viewport_size["width"]
    brand = box(page, "header nav a.brand")
    second = box(page, "header nav.bar > :nth-child(2)")
    assert brand["x"] + brand["width"] > width * 0.75, brand
    assert second["x"] + second["width"] <= brand["x"] + 1, (brand, second)
    switcher = box(page, "header form.language")
    assert switcher["x"] < width / 2, switcher  # margin-inline-start: auto pushes it left


def assert_labels_start_at_the_right(page: Any) -> None:
    """Labels and their fields line up on the right edge (the start of a line in Arabic)."""
    for field in ("id_description", "id_area"):
        label, control = box(page, f"label[for={field}]"), box(page, f"#{field}")
        assert abs((label["x"] + label["width"]) - (control["x"] + control["width"])) < 2
        text_align = page.locator(f"#{field}").evaluate("el => getComputedStyle(el).textAlign")
        assert text_align in ("start", "right"), text_align


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_neighbour_asks_for_help_in_arabic_and_the_board_reads_right_to_left(page, live_server):
    network = NetworkFactory.create(languages=["en", "es", "ar"])
    page.goto("/")
    assert page.get_attribute("html", "dir") == "ltr"
    page.select_option("select#language-switch", "ar")
    submit(page, "form:has(select#language-switch) button[type=submit]")
    assert_arabic_rtl(page)
    assert_nav_mirrored(page)
    axe_check(page)

    submit(page, f"main a[href='/n/{network.slug}/ask/']")
    assert_arabic_rtl(page)
    assert_labels_start_at_the_right(page)
    assert page.locator("select#id_language").input_value() == "ar"
    axe_check(page)

    submit(page, "main form.stack button[type=submit]")  # empty: errors come back in Arabic
    errors = page.locator("main .errorlist").all_inner_texts()
    assert errors
    assert all(ARABIC.search(text) for text in errors), errors
    axe_check(page)

    page.select_option("select#id_category", "meals")
    page.fill("textarea#id_description", "وجبات ساخنة لشخصين، من فضلكم.")
    page.fill("input#id_area", "Eastgate")
    page.check("input[name=urgency][value=today]")
    page.check("input[name=contact_method][value=phone]")
    page.fill("input#id_contact_value", "+1 555 010 4040")
    submit(page, "main form.stack button[type=submit]")

    assert re.search(r"/s/[^/]+/\?new=1$", page.url), page.url
    assert_arabic_rtl(page)
    notice = page.locator("main .notice").inner_text()
    assert ARABIC.search(notice), notice
    axe_check(page)
    need = Need.objects.get(network=network)
    assert (need.language, need.category, need.urgency) == ("ar", "meals", "today")

    volunteer = MembershipFactory.create(network=network, role=Role.VOLUNTEER).user
    volunteer.language = "ar"
    volunteer.save(update_fields=["language"])
    NeedFactory.create_batch(3, network=network)
    page.context.clear_cookies()
    log_in(page, volunteer, live_server.url)
    page.goto(f"/n/{network.slug}/needs/")
    assert_arabic_rtl(page)
    assert page.locator("main .card").count() == 4
    card, link = box(page, "main .card"), box(page, "main .card h2 a")
    assert card["x"] + card["width"] - (link["x"] + link["width"]) < 40, (card, link)
    accent = page.locator("main .card.urgency-today").evaluate(
        "el => getComputedStyle(el).borderRightWidth"
    )
    assert accent == "6px"  # border-inline-start: on the right in Arabic
    axe_check(page)

    submit(page, f"main a[href='/n/{network.slug}/needs/{need.pk}/']")
    assert_arabic_rtl(page)
    axe_check(page)


CSS = settings.BASE_DIR / "potluck" / "static" / "potluck.css"
MAX_CSS_BYTES = 10 * 1024


def test_the_stylesheet_is_small_and_direction_agnostic():
    css = CSS.read_text(encoding="utf-8")
    assert len(css.encode()) < MAX_CSS_BYTES
    rules = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    physical = re.findall(
        r"[^{};]*\b(?:left|right)\b[^;}]*|[^{};]*\bfloat\s*:[^;}]*", rules, flags=re.I
    )
    assert not physical, f"use logical properties (inline-start/end) instead: {physical}"
