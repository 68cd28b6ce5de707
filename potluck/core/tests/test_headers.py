"""HTTP security: production settings, response headers on representative pages, cookies, CSP.

Tests run over plain http with development-like cookies; `PRODUCTION` holds what production
settings come to (checked in a subprocess) and the other tests apply it with override_settings.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from config.env import BASE_DIR
from potluck.accounts.models import User
from potluck.accounts.services import api_token_create
from potluck.accounts.tests.factories import PASSWORD, UserFactory
from potluck.conftest import with_two_factor
from potluck.core.middleware import NoStoreMiddleware
from potluck.core.tests.browser import log_in
from potluck.needs import services as need_services
from potluck.needs.models import Need
from potluck.networks.models import Role
from potluck.networks.tests.factories import MembershipFactory, NetworkFactory

YEAR = 365 * 24 * 3600
CSP = {
    "default-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# What config/settings.py comes to in production (asserted by the subprocess test below).
PRODUCTION: dict[str, Any] = {
    "DEBUG": False,
    "SESSION_COOKIE_NAME": "__Host-sessionid",
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "CSRF_COOKIE_NAME": "__Host-csrftoken",
    "CSRF_COOKIE_SECURE": True,
    "CSRF_COOKIE_HTTPONLY": True,
    "CSRF_COOKIE_SAMESITE": "Lax",
    "LANGUAGE_COOKIE_NAME": "__Host-django_language",
    "LANGUAGE_COOKIE_SECURE": True,
    "LANGUAGE_COOKIE_HTTPONLY": True,
    "LANGUAGE_COOKIE_SAMESITE": "Lax",
    "SECURE_SSL_REDIRECT": True,
    "SECURE_PROXY_SSL_HEADER": None,
    "SECURE_HSTS_SECONDS": YEAR,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "SECURE_CONTENT_TYPE_NOSNIFF": True,
    "SECURE_REFERRER_POLICY": "same-origin",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
    "X_FRAME_OPTIONS": "DENY",
    "SILENCED_SYSTEM_CHECKS": [],
}
# Without the redirect, which would turn every plain-http test request into a 301.
PRODUCTION_OVER_HTTP = PRODUCTION | {"SECURE_SSL_REDIRECT": False}
HOST = "aid.example.org"


def parse_csp(header: str) -> dict[str, str]:
    directives = [part.strip().split(None, 1) for part in header.split(";") if part.strip()]
    return dict(directives)


def assert_security_headers(response: Any) -> None:
    where = f"{response.request['PATH_INFO']} ({response.status_code})"
    assert parse_csp(response["Content-Security-Policy"]) == CSP, where
    for name, value in SECURITY_HEADERS.items():
        assert response.get(name) == value, f"{name} on {where}"
    cache_control = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert "no-store" in cache_control, f"Cache-Control on {where}: {cache_control}"


# ---------------------------------------------------------------------------- production


def production_environment(data_dir: Path) -> dict[str, str]:
    """The environment of a production install: no POTLUCK_DEBUG, real keys, a host name."""
    env = {
        key: value
        for key, value in os.environ.items()
        # DJANGO_*: e.g. DJANGO_ALLOW_ASYNC_UNSAFE, which the browser tests set in this process.
        if not key.startswith(("POTLUCK_", "DJANGO_"))
    }
    return env | {
        "POTLUCK_DEBUG": "0",  # explicit, so a developer's .env can't switch it on
        "POTLUCK_TESTING": "0",
        "POTLUCK_SECRET_KEY": secrets.token_urlsafe(50),
        "POTLUCK_ALLOWED_HOSTS": HOST,
        "POTLUCK_SITE_URL": f"https://{HOST}",
        "POTLUCK_DATA_DIR": str(data_dir),
        "POTLUCK_FIELD_KEYS": Fernet.generate_key().decode(),
        "POTLUCK_HASH_KEY": secrets.token_hex(32),
        # Empty means "the default", which is what is being checked (and beats any .env file).
        "POTLUCK_SECURE_COOKIES": "",
        "POTLUCK_SSL_REDIRECT": "",
        "POTLUCK_PROXY_SSL_HEADER": "",
        "POTLUCK_HSTS_SECONDS": "",
        "POTLUCK_HSTS_INCLUDE_SUBDOMAINS": "",
        "POTLUCK_HSTS_PRELOAD": "",
    }


def run_in_production(
    tmp_path: Path, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=production_environment(tmp_path) | env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deploy_check_with_nothing_silenced(tmp_path):
    result = run_in_production(
        tmp_path, "manage.py", "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout + result.stderr


PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({name: getattr(settings, name) for name in json.loads(input())}))
"""


def production_settings(tmp_path: Path, **env: str) -> dict[str, Any]:
    """The PRODUCTION settings' values in a process started with `env` added."""
    process = run_in_production(
        tmp_path,
        "-c",
        PRINT_SETTINGS,
        stdin=json.dumps(list(PRODUCTION)),
        DJANGO_SETTINGS_MODULE="config.settings",
        **env,
    )
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout)


def test_production_gets_host_only_secure_cookies_hsts_and_https_redirect(tmp_path):
    assert production_settings(tmp_path) == PRODUCTION


def test_production_behind_a_proxy_trusts_its_https_header_only_when_told(tmp_path):
    proxied = production_settings(tmp_path, POTLUCK_PROXY_SSL_HEADER="X-Forwarded-Proto")
    assert proxied["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_settings_silence_no_checks():
    assert settings.SILENCED_SYSTEM_CHECKS == []


# ---------------------------------------------------------------------------- pages


@pytest.fixture
def scene(db: Any) -> dict[str, Any]:
    """A network with a coordinator, a volunteer and a need asked through the public form."""
    network = NetworkFactory.create()
    coordinator = MembershipFactory.create(network=network, role=Role.COORDINATOR).user
    with_two_factor(coordinator)
    volunteer = MembershipFactory.create(network=network, role=Role.VOLUNTEER).user
    need, token = need_services.need_create(
        network=network,
        category="groceries",
        description="Rice and beans for two",
        area="Eastgate",
        urgency="few_days",
        contact_method="sms",
        contact_value="+15550102030",
        language="en",
    )
    _, key = api_token_create(user=coordinator, name="headers")
    return {
        "network": network,
        "coordinator": coordinator,
        "volunteer": volunteer,
        "need": need,
        "token": token,
        "key": key,
    }


def as_user(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


PAGES: dict[str, Callable[[dict[str, Any]], Any]] = {
    "home": lambda s: as_user(None).get("/"),
    "home, signed in": lambda s: as_user(s["coordinator"]).get("/"),
    "login": lambda s: as_user(None).get(reverse("accounts:login")),
    "signup": lambda s: as_user(None).get(reverse("accounts:signup")),
    "ask form": lambda s: as_user(None).get(reverse("needs:ask", args=[s["network"].slug])),
    "need page, coordinator": lambda s: as_user(s["coordinator"]).get(
        reverse("needs:detail", args=[s["network"].slug, s["need"].pk])
    ),
    "claim through htmx": lambda s: as_user(s["volunteer"]).post(
        reverse("needs:claim", args=[s["network"].slug, s["need"].pk]),
        headers={"HX-Request": "true"},
    ),
    "status page": lambda s: as_user(None).get(f"/s/{s['token']}/"),
    "api json": lambda s: as_user(None).get(
        f"/api/v1/needs/{s['need'].pk}", headers={"Authorization": f"Bearer {s['key']}"}
    ),
    "api error": lambda s: as_user(None).get("/api/v1/needs"),
    "404 page": lambda s: as_user(None).get("/no/such/page/"),
    "redirect": lambda s: as_user(None).get(reverse("accounts:account")),
}
STATUS = {"api error": 401, "404 page": 404, "redirect": 302}


@pytest.mark.parametrize("name", list(PAGES))
def test_pages_send_csp_and_security_headers_and_are_never_stored(scene, name):
    response = PAGES[name](scene)
    assert response.status_code == STATUS.get(name, 200), response.content[:500]
    assert_security_headers(response)


def test_an_api_answer_with_contact_details_is_never_stored(scene):
    response = as_user(None).post(
        f"/api/v1/needs/{scene['need'].pk}/contact",
        headers={"Authorization": f"Bearer {scene['key']}"},
    )
    assert response.json()["value"] == "+15550102030"  # personal data: never cached
    assert "no-store" in response["Cache-Control"]


def test_static_files_stay_cacheable(client):
    response = client.get("/static/potluck.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_a_view_that_chose_caching_keeps_its_choice():
    def cached(request: HttpRequest) -> HttpResponse:
        response = HttpResponse("public")
        response["Cache-Control"] = "public, max-age=60"
        return response

    request = RequestFactory().get("/")
    assert NoStoreMiddleware(cached)(request)["Cache-Control"] == "public, max-age=60"
    plain = NoStoreMiddleware(lambda request: HttpResponse("mine"))(request)
    assert set(plain["Cache-Control"].split(", ")) == {"no-store", "private"}


def test_no_template_has_inline_script_style_or_event_handlers():
    forbidden = re.compile(
        r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\shx-on|\bon[a-z]+=|javascript:", re.IGNORECASE
    )
    templates = list((BASE_DIR / "potluck").rglob("templates/**/*.html"))
    assert templates
    found = [
        f"{path.relative_to(BASE_DIR)}:{number}: {line.strip()}"
        for path in templates
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if forbidden.search(line)
    ]
    assert not found, "\n".join(found)


# ---------------------------------------------------------------------------- production-like


@override_settings(**PRODUCTION)
def test_https_responses_carry_hsts(db):
    response = Client().get("/", secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == f"max-age={YEAR}; includeSubDomains; preload"
    assert_security_headers(response)


@override_settings(**PRODUCTION)
def test_plain_http_is_redirected_to_https():
    response = Client().get("/accounts/login/?next=/n/", secure=False)
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/?next=/n/"
    assert "Strict-Transport-Security" not in response


@override_settings(**PRODUCTION | {"SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https")})
def test_behind_a_proxy_its_https_header_counts_as_https(db):
    response = Client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert "Strict-Transport-Security" in response
    assert Client().get("/", headers={"X-Forwarded-Proto": "http"}).status_code == 301


def assert_host_cookie(cookie: Any) -> None:
    assert cookie.key.startswith("__Host-")
    assert cookie["secure"] is True, cookie.key
    assert cookie["httponly"] is True, cookie.key
    assert cookie["samesite"] == "Lax", cookie.key
    assert cookie["path"] == "/", cookie.key
    assert cookie["domain"] == "", cookie.key


@override_settings(**PRODUCTION)
def test_login_sets_host_only_secure_httponly_lax_cookies(db):
    user = UserFactory.create()
    client = Client(enforce_csrf_checks=True)
    origin = {"Origin": "https://testserver"}  # what a browser sends with a POST

    page = client.get(reverse("accounts:login"), secure=True)
    assert_host_cookie(page.cookies["__Host-csrftoken"])
    csrf = client.cookies["__Host-csrftoken"].value
    response = client.post(
        reverse("accounts:login"),
        {"username": user.email, "password": PASSWORD, "csrfmiddlewaretoken": csrf},
        secure=True,
        headers=origin,
    )
    assert response.status_code == 302, response.content[:500]
    assert_host_cookie(response.cookies["__Host-sessionid"])
    assert "sessionid" not in response.cookies

    response = client.post(
        reverse("set_language"),
        {
            "language": "es",
            "next": "/",
            "csrfmiddlewaretoken": client.cookies["__Host-csrftoken"].value,
        },
        secure=True,
        headers=origin,
    )
    assert response.status_code == 302
    assert_host_cookie(response.cookies["__Host-django_language"])
    home = client.get("/", secure=True)
    assert home.status_code == 200
    assert home.wsgi_request.user == user


@override_settings(**PRODUCTION_OVER_HTTP)
def test_a_page_posted_without_the_csrf_token_is_refused(db):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("accounts:login"))
    response = client.post(reverse("accounts:login"), {"username": "a", "password": "b"})
    assert response.status_code == 403


# ---------------------------------------------------------------------------- browser

CSP_MESSAGE = "Content Security Policy"


@pytest.fixture
def csp_reports(page: Any) -> list[str]:
    """Console messages about Content Security Policy violations on `page`, as they come."""
    reports: list[str] = []
    page.on("console", lambda message: reports.append(message.text))
    return reports


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_and_an_htmx_claim_cause_no_csp_violations(page, live_server, csp_reports):
    network = NetworkFactory.create()
    volunteer = MembershipFactory.create(network=network, role=Role.VOLUNTEER).user
    need, token = need_services.need_create(
        network=network,
        category="groceries",
        description="Rice and beans for two",
        area="Eastgate",
        urgency="few_days",
        contact_method="phone",
        contact_value="+15550102030",
        language="en",
    )
    for path in ("/", "/accounts/login/", f"/n/{network.slug}/ask/", f"/s/{token}/"):
        response = page.goto(path)
        assert response.ok, f"{path} answered {response.status}"
        assert parse_csp(response.headers["content-security-policy"]) == CSP

    log_in(page, volunteer, live_server.url)
    detail = f"/n/{network.slug}/needs/{need.pk}/"
    page.goto(detail)
    page.wait_for_load_state("networkidle")  # htmx has read its config and is ready
    with page.expect_response(lambda response: response.url.endswith(f"{detail}claim/")) as info:
        page.locator("#need-status form[action$='/claim/'] button").click()
    assert info.value.ok
    assert info.value.request.headers.get("hx-request") == "true"
    page.locator("#need-status form[action$='/deliver/']").wait_for()
    assert page.url.endswith(detail)  # swapped in place, no navigation
    # Focus follows the swap. (Waiting with a selector: page.wait_for_function evaluates a
    # string in the page, which this CSP rightly refuses.)
    page.locator("#need-status :focus").wait_for()
    need.refresh_from_db()
    assert (need.status, need.claimant_id) == (Need.Status.CLAIMED, volunteer.pk)

    violations = [text for text in csp_reports if CSP_MESSAGE in text]
    assert not violations, "\n".join(violations)

    # The listener does hear violations: an inline style is refused and reported.
    with page.expect_console_message(lambda message: CSP_MESSAGE in message.text):
        page.evaluate("document.head.insertAdjacentHTML('beforeend', '<style>p {}</style>')")
