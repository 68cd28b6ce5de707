"""Text zoomed to 200% on a desktop screen, and a 320px-wide screen (the width of 1280px at
400% zoom, WCAG 1.4.10 reflow): no sideways scrolling, no clipped text, and the main form
still works.
"""

from typing import Any

import pytest

from potluck.core.tests.access import overflow, zoom_text
from potluck.core.tests.browser import log_in, submit
from potluck.core.tests.test_access_targets import world
from potluck.needs.models import Need

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP_200 = ({"viewport": {"width": 1280, "height": 800}}, 200)
NARROW = ({"viewport": {"width": 320, "height": 640}}, 100)
NARROW_ARABIC = ({"viewport": {"width": 320, "height": 640}, "locale": "ar"}, 100)
SETTINGS = pytest.mark.parametrize(
    ("page", "zoom"),
    [DESKTOP_200, NARROW, NARROW_ARABIC],
    indirect=["page"],
    ids=["1280px-text-200%", "320px", "320px-arabic"],
)


def assert_fits(page: Any, path: str, zoom: int) -> None:
    response = page.goto(path)
    assert response.ok, f"{path} answered {response.status}"
    zoom_text(page, zoom)
    found = overflow(page)
    assert found["scrollWidth"] <= found["innerWidth"] + 1, f"{path} scrolls sideways: {found}"
    assert not found["clipped"], f"{path} clips text in {found['clipped']}"


@SETTINGS
def test_pages_reflow_without_sideways_scrolling(page, live_server, zoom):
    w = world()
    slug = w["slug"]
    for path in (
        "/",
        f"/n/{slug}/",
        f"/n/{slug}/ask/",
        w["status"],
        "/accounts/signup/",
        "/accounts/login/",
        f"/n/{slug}/money/",
    ):
        assert_fits(page, path, zoom)
    log_in(page, w["volunteer"], live_server.url)
    for path in (
        f"/n/{slug}/needs/",
        f"/n/{slug}/needs/{w['claimed'].pk}/",
        f"/n/{slug}/needs/{w['open'].pk}/",
        "/accounts/me/",
        f"/n/{slug}/money/mine/",
    ):
        assert_fits(page, path, zoom)


@SETTINGS
def test_the_ask_form_still_works_zoomed(page, zoom):
    w = world()
    assert_fits(page, f"/n/{w['slug']}/ask/", zoom)
    page.select_option("select#id_category", "meals")
    page.fill("textarea#id_description", "A hot meal for one, " + "please " * 30)
    page.fill("input#id_area", "Eastgate")
    page.check("input[name=urgency][value=today]")
    page.check("input[name=contact_method][value=email]")
    page.fill("input#id_contact_value", "someone.with.a.very.long.address@example.org")
    submit(page, "main form.stack button[type=submit]")
    zoom_text(page, zoom)
    found = overflow(page)
    assert found["scrollWidth"] <= found["innerWidth"] + 1, found  # the long status link wraps
    assert Need.objects.filter(network=w["network"], category="meals").exists()


@pytest.mark.parametrize("page", [NARROW[0]], indirect=True)
def test_the_checks_catch_sideways_scrolling_and_clipped_text(page):
    """The measure itself: a fixed-width box makes the page scroll sideways, and a box that
    hides its overflow clips its text."""
    page.goto("/accounts/login/")
    assert overflow(page)["scrollWidth"] <= 321
    page.locator("main").evaluate(
        """main => {
          main.insertAdjacentHTML('beforeend', '<p id="wide">wide</p><p id="clip">'
            + 'words '.repeat(40) + '</p>');
          document.getElementById('wide').style.width = '30rem';
          const clip = document.getElementById('clip');
          clip.style.height = '1rem'; clip.style.overflow = 'hidden';
        }"""
    )
    found = overflow(page)
    assert found["scrollWidth"] > found["innerWidth"] + 1
    assert found["clipped"] == ["p"]
