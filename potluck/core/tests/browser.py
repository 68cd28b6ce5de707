"""Shared pieces for browser tests: one Chromium per session, one context per test, axe checks.

Tests use the `page` fixture (registered in potluck/conftest.py) together with pytest-django's
`live_server`; mark them `@pytest.mark.browser` and `@pytest.mark.django_db(transaction=True)`.
Pass context options with `@pytest.mark.parametrize("page", [{...}], indirect=True)`.
"""

import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
TIMEOUT_MS = 10_000

_axe = Axe()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Debian Chromium for the whole test session (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread from here on, and
    # Django would otherwise refuse database access from the tests ("async unsafe").
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(request: pytest.FixtureRequest, browser: Any, live_server: Any) -> Iterator[Any]:
    """A fresh page in its own context; fails the test if it asked any other host for anything."""
    options = {"locale": "en-GB", **getattr(request, "param", {})}
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(TIMEOUT_MS)
    origin = urlsplit(live_server.url)
    seen: list[str] = []
    context.on("request", lambda req: seen.append(req.url))
    new_page = context.new_page()
    yield new_page
    context.close()
    foreign = [url for url in seen if not _same_origin(url, origin)]
    assert not foreign, "The pages asked other hosts for:\n" + "\n".join(foreign)


def _same_origin(url: str, origin: Any) -> bool:
    if url.startswith("data:"):
        return True
    parts = urlsplit(url)
    return (parts.scheme, parts.netloc) == (origin.scheme, origin.netloc)


def axe_check(page: Any) -> None:
    """Assert that axe finds no WCAG 2.2 A/AA violations on the page as it is now."""
    results = _axe.run(page, options=AXE_OPTIONS)
    violations = results.response["violations"]
    if violations:
        raise AssertionError(f"axe on {page.url}:\n" + _describe(violations))


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    at {target}: {summary}")
    return "\n".join(lines)


def log_in(page: Any, user: Any, base_url: str) -> None:
    """Sign `user` in by giving the browser a session cookie for a session that passed the
    password and, for coordinators, treasurers and admins (who get two-factor on if they have
    not got it), the code step. The login pages have their own browser test."""
    from potluck.conftest import login, with_two_factor
    from potluck.networks.selectors import holds_elevated_role

    if holds_elevated_role(user=user):
        with_two_factor(user)
    client = login(Client(), user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


def submit(page: Any, selector: str) -> None:
    """Click a link or a button that submits a form the ordinary way; wait for the next page."""
    with page.expect_navigation() as navigation:
        page.locator(selector).click()
    response = navigation.value
    assert response is not None, f"{selector} led nowhere"
    assert response.ok, f"{selector} led to {page.url}, which answered {response.status}"
