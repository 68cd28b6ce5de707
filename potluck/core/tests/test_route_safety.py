"""Properties every route must have: CSRF on pages, no writes on GET, safe headers, no 500s.

The routes come from the catalogue (routes.py), so a new route is covered the day it appears.
"""

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.utils.crypto import get_random_string

from potluck.core.tests.conftest import (
    api_client,
    changes,
    fingerprint,
    html_client,
    login,
)
from potluck.core.tests.routes import (
    ACTORS,
    CATALOGUE,
    NETWORK_TARGETS,
    Route,
    Side,
    Target,
    World,
    body_for,
    invalid_reset_link,
    signature_headers,
    url_of,
)
from potluck.core.tests.test_access_matrix import LINES, Line, make_target
from potluck.needs.models import Need

# ---------------------------------------------------------------------------- the GET sweep


@dataclass(frozen=True)
class Visit:
    actor: str
    route: Route
    url: str
    status: int
    headers: dict[str, str]
    wrote: list[str]

    def __str__(self) -> str:
        return f"GET {self.url} as {self.actor} ({self.route.name}) -> {self.status}"


def samples(world: World, route: Route) -> Iterator[Any]:
    """The objects of the world a route's URLs point at: in both networks, in every state a
    page shows (one is enough for actions, which refuse a GET whatever the state)."""
    sides = (world.a, world.b) if route.target in NETWORK_TARGETS else (world.a,)
    for side in sides:
        objects = list(_objects(world, side, route.target))
        yield from objects if "GET" in route.methods else objects[:1]


def _objects(world: World, side: Side, target: Target) -> Iterator[Any]:
    match target:
        case Target.SITE:
            yield None
        case Target.NETWORK:
            yield side.network
        case Target.NEED:
            yield from (link.need for link in side.links.values())
        case Target.STATUS_LINK:
            yield from side.links.values()
        case Target.OFFER:
            yield side.offer
        case Target.MATCH:
            yield side.match
        case Target.MEMBERSHIP:
            yield side.waiting
        case Target.INVITATION | Target.INVITE_LINK:
            yield side.invitation
        case Target.API_TOKEN:
            yield side.people["helper"].api_tokens.get()
        case Target.RESET_LINK:
            yield invalid_reset_link(side.people["helper"])
        case Target.LOGIN_LINK:
            yield world.signup
        case Target.API_PATH:
            yield "no/such/operation"
        case Target.DISPATCH:
            yield side.dispatch
        case Target.DISBURSEMENT:
            yield from (side.money["request"], side.money["reimbursement"])
        case Target.CAMPAIGN | Target.DONATION | Target.IMPORT | Target.PLEDGE | Target.PLEDGE_LINK:
            yield side.money[target.value]


@pytest.fixture(scope="module")
def sweep(world: World) -> list[Visit]:
    """GET every URL of every route as anonymous and as each kind of person, once per module."""
    visits: list[Visit] = []
    with transaction.atomic():
        for actor in ACTORS:
            user = world.actor(actor)
            pages, api = html_client(user), api_client(world, user)
            before = fingerprint()
            for route in CATALOGUE:
                for obj in samples(world, route):
                    url = url_of(route, obj)
                    response = (api if route.is_api else pages).get(url)
                    after = fingerprint()
                    headers = {key.lower(): value for key, value in response.items()}
                    wrote = changes(before, after)
                    visits.append(Visit(actor, route, url, response.status_code, headers, wrote))
                    before = after
        transaction.set_rollback(True)
    return visits


SESSIONS = import_module(settings.SESSION_ENGINE).SessionStore.get_model_class()._meta.db_table

# Writes a GET may make, each for a reason; anything else fails test_no_get_changes_data.
GET_WRITES = {
    # Someone who is not logged in lands here: the page says why with a flash message,
    # and flash messages live in the session (settings.MESSAGE_STORAGE), so one is made.
    "accounts:two_factor_code": {SESSIONS},
}


def test_sweep_covers_every_route(sweep: list[Visit], capsys: pytest.CaptureFixture[str]) -> None:
    assert {visit.route.name for visit in sweep} == {route.name for route in CATALOGUE}
    assert {visit.actor for visit in sweep} == set(ACTORS)
    with capsys.disabled():
        print(f"\nGET sweep: {len(sweep)} requests")


def test_no_get_changes_data(sweep: list[Visit]) -> None:
    """Row counts and each table's newest updated_at are the same after every GET."""
    failures = []
    for visit in sweep:
        allowed = GET_WRITES.get(visit.route.name, set())
        unexpected = [change for change in visit.wrote if change.split(": ")[0] not in allowed]
        if unexpected:
            failures.append(f"{visit}: {unexpected}")
    assert not failures, "\n".join(failures)
    needed = {visit.route.name for visit in sweep if visit.wrote}
    assert set(GET_WRITES) <= needed, f"no longer needed, remove: {set(GET_WRITES) - needed}"


def test_no_response_is_a_server_error(sweep: list[Visit]) -> None:
    failures = [str(visit) for visit in sweep if visit.status >= 500]
    assert not failures, "\n".join(failures)


def test_get_is_answered_as_each_route_declares(sweep: list[Visit]) -> None:
    """Routes that take GET never answer 405; the others answer 405 to anyone signed in."""
    # API operations share a path with others (GET /needs lists, POST /needs creates).
    get_paths = {route.pattern for route in CATALOGUE if "GET" in route.methods}
    failures = []
    for visit in sweep:
        takes_get = visit.route.pattern in get_paths
        if takes_get and visit.status == 405:
            failures.append(f"{visit}: the catalogue says it takes GET")
        signed_in = visit.actor != "anonymous" or visit.route.is_api
        if not takes_get and signed_in and visit.status not in (405, 401):
            failures.append(f"{visit}: the catalogue says it refuses GET")
    assert not failures, "\n".join(failures)


def header_problems(headers: dict[str, str]) -> list[str]:
    """What is missing or wrong in one response's security headers."""
    problems = []
    csp = headers.get("content-security-policy", "")
    for directive in ("default-src 'self'", "frame-ancestors 'none'"):
        if directive not in csp:
            problems.append(f"Content-Security-Policy without {directive}")
    for unsafe in ("'unsafe-inline'", "'unsafe-eval'"):
        if unsafe in csp:
            problems.append(f"Content-Security-Policy allows {unsafe}")
    if headers.get("x-content-type-options") != "nosniff":
        problems.append("X-Content-Type-Options is not nosniff")
    if not headers.get("referrer-policy"):
        problems.append("no Referrer-Policy")
    if headers.get("x-frame-options") != "DENY":
        problems.append("X-Frame-Options is not DENY")
    if "no-store" not in headers.get("cache-control", ""):
        problems.append("Cache-Control without no-store")
    return problems


def test_every_response_has_security_headers(sweep: list[Visit]) -> None:
    routes_by_problem: dict[str, set[str]] = defaultdict(set)
    for visit in sweep:
        for problem in header_problems(visit.headers):
            routes_by_problem[problem].add(f"{visit.route.name} ({visit.status})")
    assert not routes_by_problem, "\n".join(
        f"{problem}: {len(routes)} routes: {', '.join(sorted(routes))}"
        for problem, routes in sorted(routes_by_problem.items())
    )


# ---------------------------------------------------------------------------- CSRF


def csrf_case(route: Route) -> tuple[Line, str, bool]:
    """A policy line for `route`, someone it allows (if anyone), and whether it allows them:
    the POST would work but for the missing token."""
    lines = [line for line in LINES if line.route == route]
    posts = [line for line in lines if line.method == "POST"] or lines
    for line in posts:
        for actor, allowed in line.allowed.items():
            if allowed in ("Y", "C"):
                return line, actor, True
    return posts[0], "coordinator", False


PAGES = [route for route in CATALOGUE if not route.is_api]
API_POSTS = [route for route in CATALOGUE if route.is_api and "POST" in route.methods]


def post(
    client: Client, route: Route, url: str, body: dict[str, Any], *, signed: bool = False
) -> HttpResponse:
    if route.is_api:
        return client.post(url, json.dumps(body), content_type="application/json")  # type: ignore[return-value]
    headers = signature_headers(route, url, body) if signed else {}
    return client.post(url, body, headers=headers)  # type: ignore[return-value]


@pytest.mark.django_db
@pytest.mark.parametrize("route", PAGES, ids=lambda route: route.name)
def test_pages_refuse_a_post_without_a_csrf_token(world: World, route: Route) -> None:
    line, actor, works = csrf_case(route)
    user = world.actor(actor)
    owner = user if line.whose != "-" else None
    target = make_target(line, world.a, owner=owner)
    url, body = url_of(route, target), body_for(route, target, user)
    client = html_client(user, enforce_csrf_checks=True)
    with transaction.atomic():
        before = fingerprint(sessions=False)
        refused = post(client, route, url, body)
        assert refused.status_code == 403, f"{actor}: POST {url} -> {refused.status_code}"
        assert changes(before, fingerprint(sessions=False)) == []
        transaction.set_rollback(True)
    # The same POST with a token gets past the check, so the 403 above was the CSRF check (or,
    # on a route a provider signs instead, the signature check: with one, it gets past too).
    token = get_random_string(32)
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    with transaction.atomic():
        before = fingerprint(sessions=False)
        # A fresh body: an uploaded file in the first one has been read already.
        again = {**body_for(route, target, user), "csrfmiddlewaretoken": token}
        allowed = post(client, route, url, again, signed=True)
        assert allowed.status_code != 403, f"{actor}: POST {url} with a token -> 403"
        if line.method == "POST" and works and not route.quiet:
            assert changes(before, fingerprint(sessions=False)), f"{actor}: POST {url} did nothing"
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.parametrize("route", API_POSTS, ids=lambda route: route.name)
def test_api_ignores_session_cookies(world: World, route: Route) -> None:
    """The API takes Bearer tokens only, which a browser never sends on its own: that is why
    it needs no CSRF token. A signed-in browser's cookie alone gets 401 and changes nothing."""
    line, actor, _works = csrf_case(route)
    user = world.actor(actor)
    assert user is not None
    target = make_target(line, world.a, owner=user if line.whose != "-" else None)
    url, body = url_of(route, target), body_for(route, target, user)
    browser = html_client(None, enforce_csrf_checks=True)
    login(browser, user)
    expected = 404 if route.name == "api:not_found" else 401  # no operation, no auth to ask
    with transaction.atomic():
        before = fingerprint(sessions=False)
        assert post(browser, route, url, body).status_code == expected
        assert changes(before, fingerprint(sessions=False)) == []
        transaction.set_rollback(True)
    # The same request with the person's token works without any CSRF token.
    bearer = api_client(world, user, enforce_csrf_checks=True)
    with transaction.atomic():
        answer = post(bearer, route, url, body)
        assert answer.status_code in ((404,) if expected == 404 else (200, 201)), answer.content
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_api_reads_no_session_cookie_on_get(world: World) -> None:
    browser = html_client(world.a.people["coordinator"])
    need = world.a.need(Need.Status.OPEN)
    for route in CATALOGUE:
        if route.is_api and route.target == Target.NEED and "GET" in route.methods:
            assert browser.get(url_of(route, need)).status_code == 401, route.name
