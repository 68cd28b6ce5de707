"""Targets are at least 24 by 24 CSS pixels (WCAG 2.2, 2.5.8 AA) on the pages people use most,
as the people who use them, on a desktop and a phone screen.

The criterion's exceptions are applied as written: a link inside a sentence (its size is set
by the line of text) and a small target with room around it (a 24px circle on its centre
touches no other target and no other small target's circle). See access.small_targets.
"""

from typing import Any

import pytest

from potluck.core.tests.access import MIN_TARGET, small_targets
from potluck.core.tests.browser import log_in
from potluck.needs import services
from potluck.needs.models import new_status_token
from potluck.needs.tests.factories import NeedFactory, OfferFactory
from potluck.networks.models import Role
from potluck.networks.tests.factories import MembershipFactory, NetworkFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 360, "height": 740}, "has_touch": True, "is_mobile": True}
SCREENS = pytest.mark.parametrize("page", [{}, PHONE], indirect=True, ids=["desktop", "phone"])


def world() -> dict[str, Any]:
    network = NetworkFactory.create(join_policy="open")
    volunteer = MembershipFactory.create(network=network, role=Role.VOLUNTEER).user
    treasurer = MembershipFactory.create(network=network, role=Role.TREASURER).user
    token, hashed = new_status_token()
    mine = NeedFactory.create(network=network, status_token_hash=hashed, urgency="today")
    services.need_claim(need=mine, volunteer=volunteer)
    open_need = NeedFactory.create(network=network)
    NeedFactory.create_batch(3, network=network)
    OfferFactory.create(network=network)
    return {
        "network": network,
        "slug": network.slug,
        "volunteer": volunteer,
        "treasurer": treasurer,
        "status": f"/s/{token}/",
        "claimed": mine,
        "open": open_need,
    }


def check_pages(page: Any, paths: list[str]) -> None:
    problems = []
    for path in paths:
        response = page.goto(path)
        assert response.ok, f"{path} answered {response.status}"
        count, small = small_targets(page)
        assert count > 3, f"{path}: only {count} targets found; is the page empty?"
        problems += [f"{path}: {target}" for target in small]
    assert not problems, f"targets under {MIN_TARGET} by {MIN_TARGET} px:\n" + "\n".join(problems)


@SCREENS
def test_public_pages_have_big_enough_targets(page):
    w = world()
    slug = w["slug"]
    check_pages(
        page,
        [
            "/",
            f"/n/{slug}/",
            f"/n/{slug}/ask/",
            w["status"],
            "/accounts/signup/",
            "/accounts/login/",
            f"/n/{slug}/money/",
        ],
    )


@SCREENS
def test_volunteer_pages_have_big_enough_targets(page, live_server):
    w = world()
    slug = w["slug"]
    log_in(page, w["volunteer"], live_server.url)
    check_pages(
        page,
        [
            "/",
            f"/n/{slug}/",
            f"/n/{slug}/needs/",
            f"/n/{slug}/needs/{w['open'].pk}/",
            f"/n/{slug}/needs/{w['claimed'].pk}/",
            f"/n/{slug}/my-claims/",
            f"/n/{slug}/offers/",
            "/accounts/me/",
            f"/n/{slug}/money/mine/",
            f"/n/{slug}/money/ask/",
            f"/n/{slug}/money/reimburse/",
        ],
    )


@SCREENS
def test_treasurer_pages_have_big_enough_targets(page, live_server):
    w = world()
    slug = w["slug"]
    log_in(page, w["treasurer"], live_server.url)
    check_pages(
        page,
        [
            f"/n/{slug}/money/treasury/",
            f"/n/{slug}/money/donations/",
            f"/n/{slug}/money/donations/new/",
        ],
    )


def test_the_measure_catches_a_small_target_and_honours_the_exceptions(page):
    """The check itself: a lone 16px button between others fails; a link in a sentence and a
    small button with room around it pass."""
    NetworkFactory.create()
    page.goto("/accounts/login/")  # any page of ours; its own targets are measured too
    page.locator("main").evaluate(
        """main => {
          main.insertAdjacentHTML('beforeend',
            '<div id="probe"><p>Read <a href="#a">the rules</a> before you start.</p>'
            + '<div><button id="lonely">x</button></div>'
            + '<div><button id="crowded">y</button><button id="neighbour">z</button></div>'
            + '</div>');
          for (const id of ['lonely', 'crowded', 'neighbour']) {
            const b = document.getElementById(id);
            b.style.minHeight = '0'; b.style.width = '16px'; b.style.height = '16px';
            b.style.padding = '0'; b.style.border = '0'; b.style.margin = '0';
          }
          document.getElementById('lonely').parentElement.style.margin = '2rem';
        }"""
    )
    _count, small = small_targets(page)
    assert [problem.split(" ")[0] for problem in small] == ["button#crowded", "button#neighbour"]
