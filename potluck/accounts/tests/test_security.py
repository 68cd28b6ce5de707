"""Passwords, answers that don't reveal who has an account, login throttling, and the limits
and honeypot on public forms."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from potluck.accounts import throttle
from potluck.accounts.forms import NO_SMS
from potluck.accounts.honeypot import HONEYPOT_FIELD, HONEYPOT_FILLED
from potluck.accounts.models import Attempt, User
from potluck.accounts.tests.factories import PASSWORD
from potluck.conftest import run_together
from potluck.needs.models import Need

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many attempts: try again in a few minutes."


def log_in(client: Client, login: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post(
        reverse("accounts:login"), {"username": login, "password": password}, **extra
    )


def fail(client: Client, login: str, times: int = 5, **extra: Any) -> None:
    for _ in range(times):
        assert log_in(client, login, "wrong password", **extra).status_code == 200


# Passwords --------------------------------------------------------------------------------


@pytest.mark.parametrize(("length", "ok"), [(7, False), (8, True), (128, True), (129, False)])
def test_passwords_are_8_to_128_characters(length, ok):
    password = "correct horse battery staple " * 5
    if ok:
        validate_password(password[:length])
    else:
        with pytest.raises(ValidationError):
            validate_password(password[:length])


def test_common_passwords_are_refused():
    with pytest.raises(ValidationError):
        validate_password("password123")


def test_passwords_are_hashed_with_argon2(user_factory):
    user = user_factory(password="a brand new secret")
    assert user.password.startswith("argon2")


@pytest.mark.parametrize("url_name", ["accounts:login", "accounts:signup", "accounts:reauth"])
def test_password_fields_allow_pasting_and_password_managers(client, user_factory, url_name):
    client.force_login(user_factory())
    if url_name != "accounts:reauth":
        client.logout()
    page = client.get(reverse(url_name)).content.decode()
    assert 'type="password"' in page
    assert "paste" not in page.lower()
    assert 'autocomplete="off"' not in page.split('name="password"')[1].split(">")[0]


# Answers that don't tell who has an account -----------------------------------------------


def test_login_gives_one_message_whether_or_not_the_account_exists(client, user_factory):
    user = user_factory()
    wrong = log_in(client, user.email, "wrong password")
    missing = log_in(client, "nobody@example.org", "wrong password")
    assert wrong.status_code == missing.status_code == 200
    assert wrong.context["form"].errors == missing.context["form"].errors


def test_login_hashes_the_password_even_for_a_missing_account(client, monkeypatch):
    # Same work either way, so timing can't tell whether an account exists.
    calls: list[str] = []

    def encode(self: Any, *args: Any) -> str:
        calls.append("encode")
        return "x"

    monkeypatch.setattr(Argon2PasswordHasher, "encode", encode)
    log_in(client, "nobody@example.org", "wrong password")
    assert calls == ["encode"]


def test_an_unfinished_signup_cannot_log_in_yet(client):
    client.post(
        reverse("accounts:signup"),
        {"display_name": "A", "login": "a@example.org", "password": PASSWORD, "language": "en"},
    )
    response = log_in(client, "a@example.org")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_password_reset_answers_the_same_for_unknown_addresses(client, user_factory):
    user = user_factory()
    known = client.post(reverse("accounts:password_reset"), {"email": user.email})
    unknown = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert [message.to for message in mail.outbox] == [[user.email]]


def test_password_reset_proves_the_address_and_finishes_an_unfinished_signup(client):
    client.post(
        reverse("accounts:signup"),
        {"display_name": "A", "login": "a@example.org", "password": PASSWORD, "language": "en"},
    )
    mail.outbox.clear()
    client.post(reverse("accounts:password_reset"), {"email": "a@example.org"})
    body = mail.outbox[0].body
    path = "/accounts/password/reset/" + body.split("/accounts/password/reset/")[1].split()[0]
    form_page = client.get(path, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a whole new secret", "new_password2": "a whole new secret"},
    )
    user = User.objects.get()
    assert user.is_active
    assert not user.signup_pending
    assert log_in(client, "a@example.org", "a whole new secret").status_code == 302


def test_a_deactivated_account_gets_no_reset_link(client, user_factory):
    from potluck.accounts.services import user_deactivate

    user = user_factory()
    user_deactivate(user=user)
    client.post(reverse("accounts:password_reset"), {"email": user.email})
    assert not mail.outbox


def test_reset_refuses_a_new_password_over_128_characters(client, user_factory):
    user = user_factory()
    client.post(reverse("accounts:password_reset"), {"email": user.email})
    path = (
        "/accounts/password/reset/"
        + mail.outbox[0].body.split("/accounts/password/reset/")[1].split()[0]
    )
    form_url = client.get(path, follow=True).redirect_chain[-1][0]
    long = "x" * 129
    response = client.post(form_url, {"new_password1": long, "new_password2": long})
    assert "new_password2" in response.context["form"].errors


# Login throttling ---------------------------------------------------------------------


def test_sixth_login_within_15_minutes_is_refused_even_with_the_right_password(
    client, user_factory
):
    user = user_factory()
    fail(client, user.email)
    response = log_in(client, user.email)
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_account_limit_holds_from_any_address(client, user_factory):
    user = user_factory()
    fail(client, user.email, REMOTE_ADDR="10.0.0.1")
    assert log_in(Client(), user.email.upper(), REMOTE_ADDR="10.0.0.2").status_code == 429


def test_the_address_limit_holds_for_any_account(client, user_factory):
    fail(client, "one@example.org", times=3)
    fail(client, "two@example.org", times=2)
    other = user_factory()
    assert log_in(client, other.email).status_code == 429
    assert log_in(Client(), other.email, REMOTE_ADDR="10.0.0.9").status_code == 302


def test_phone_number_spellings_share_one_counter(client):
    for spelling in [
        "+1 555 010 2030",
        "(555) 010-2030",
        "+15550102030",
        "5550102030",
        "555.010.2030",
    ]:
        log_in(Client(), spelling, "wrong", REMOTE_ADDR=f"10.0.0.{len(spelling)}")
    # "+1 555…" and "+1555…" normalise alike, the others alike: each spelling family counts.
    assert Attempt.objects.filter(key_hash=throttle.login_key("+15550102030")).count() == 2
    assert Attempt.objects.filter(key_hash=throttle.login_key("555 010 2030")).count() == 3


def test_failures_leave_the_window_after_15_minutes(client, user_factory):
    user = user_factory()
    fail(client, user.email)
    Attempt.objects.update(created_at=timezone.now() - timedelta(minutes=16))
    assert log_in(client, user.email).status_code == 302


def test_logging_in_forgives_the_accounts_failures_but_not_the_addresses(client, user_factory):
    user = user_factory()
    fail(client, user.email, times=4)
    assert log_in(client, user.email).status_code == 302
    assert not Attempt.objects.filter(key_hash=throttle.login_key(user.email)).exists()
    address = throttle.address_key("127.0.0.1")
    assert Attempt.objects.filter(key_hash=address).count() == 4


def test_attempts_store_only_keyed_hashes_never_a_login_or_address(client, user_factory):
    user = user_factory()
    fail(client, user.email, times=2, REMOTE_ADDR="203.0.113.7")
    stored = " ".join(f"{a.scope} {a.key_hash}" for a in Attempt.objects.all())
    assert Attempt.objects.count() == 4
    assert "203.0.113" not in stored
    assert user.email not in stored
    assert "person" not in stored


def test_old_attempts_are_pruned(client):
    Attempt.objects.create(scope="login", key_hash="x" * 64)
    Attempt.objects.update(created_at=timezone.now() - timedelta(days=2))
    log_in(client, "someone@example.org", "wrong")
    assert not Attempt.objects.filter(key_hash="x" * 64).exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_wrong_passwords_get_at_most_five_tries(user_factory):
    user = user_factory()
    results = run_together(
        *[lambda: log_in(Client(), user.email, "wrong password").status_code for _ in range(8)]
    )
    assert sorted(results) == [200] * 5 + [429] * 3, results
    assert log_in(Client(), user.email).status_code == 429


def test_client_address_comes_from_the_trusted_proxy_header_when_set(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4")
    assert throttle.client_address(request) == "10.0.0.1"
    settings.POTLUCK_CLIENT_IP_HEADER = "X-Forwarded-For"
    assert throttle.client_address(request) == "198.51.100.4"


def test_ipv6_addresses_count_by_their_64_network():
    same = throttle.address_key("2001:db8:1:2::1") == throttle.address_key("2001:db8:1:2:ffff::9")
    other = throttle.address_key("2001:db8:1:3::1")
    assert same
    assert other != throttle.address_key("2001:db8:1:2::1")
    assert throttle.address_key("::ffff:192.0.2.1") == throttle.address_key("192.0.2.1")


# Public forms: rate limit and honeypot -------------------------------------------------


def ask(client: Client, network, **overrides: str):
    data = {
        "category": "groceries",
        "description": "Rice and beans, please.",
        "area": "Riverside",
        "urgency": "few_days",
        "contact_method": "phone",
        "contact_value": "555 010 2030",
        "language": "en",
        **overrides,
    }
    return client.post(reverse("needs:ask", args=[network.slug]), data)


def sign_up(client: Client, n: int, **overrides: str):
    data = {
        "display_name": "A",
        "login": f"a{n}@example.org",
        "password": PASSWORD,
        "language": "en",
        **overrides,
    }
    return client.post(reverse("accounts:signup"), data)


def test_the_ask_form_takes_10_requests_an_hour_from_one_address_then_explains(client, network):
    for _ in range(10):
        assert ask(client, network).status_code == 302
    response = ask(client, network, description="An eleventh request")
    assert response.status_code == 429
    page = response.content.decode()
    assert str(throttle.TOO_MANY_SUBMISSIONS).split(",")[0] in page
    assert "An eleventh request" in page  # nothing typed is lost
    assert Need.objects.count() == 10
    assert ask(Client(REMOTE_ADDR="10.1.1.1"), network).status_code == 302


def test_signup_takes_10_an_hour_from_one_address(client):
    for n in range(10):
        assert sign_up(client, n).status_code == 302
    assert sign_up(client, 10).status_code == 429
    assert User.objects.count() == 10


def test_the_form_limit_is_a_setting(client, network, settings):
    settings.POTLUCK_PUBLIC_FORM_LIMIT = 1
    assert ask(client, network).status_code == 302
    assert ask(client, network).status_code == 429


@pytest.mark.parametrize("form", ["ask", "signup"])
def test_a_filled_honeypot_is_refused_with_an_explanation(client, network, form):
    if form == "ask":
        response = ask(client, network, **{HONEYPOT_FIELD: "http://spam.example"})
    else:
        response = sign_up(client, 1, **{HONEYPOT_FIELD: "http://spam.example"})
    assert response.status_code == 200
    page = response.content.decode()
    assert str(HONEYPOT_FILLED).split(",")[0] in page
    assert "spam.example" not in page  # sent back empty, so a person can just send again
    assert not Need.objects.exists()
    assert not User.objects.exists()


@pytest.mark.parametrize("url_name", ["needs:ask", "accounts:signup"])
def test_the_honeypot_is_hidden_from_people_and_screen_readers(client, network, url_name):
    args = [network.slug] if url_name == "needs:ask" else []
    page = client.get(reverse(url_name, args=args)).content.decode()
    wrapper = page.split('class="hp"')[1].split("</div>")[0]
    assert 'aria-hidden="true"' in wrapper
    assert 'tabindex="-1"' in wrapper
    assert 'autocomplete="off"' in wrapper
    assert f'name="{HONEYPOT_FIELD}"' in wrapper
    assert "Leave this field empty" in wrapper


def test_without_an_sms_provider_phone_sign_ups_ask_for_an_email_instead(client, settings):
    settings.POTLUCK_SMS_BACKEND = "potluck.core.sms.DisabledBackend"
    response = sign_up(client, 1, login="+1 555 010 7788")
    assert response.status_code == 200
    assert response.context["form"].errors["login"] == [str(NO_SMS)]
    assert not User.objects.exists()
    assert sign_up(client, 2).status_code == 302  # an email address still works


def test_password_reset_is_rate_limited_per_address(client, user_factory, settings):
    settings.POTLUCK_PUBLIC_FORM_LIMIT = 3
    user = user_factory()
    url = reverse("accounts:password_reset")
    answers = [client.post(url, {"email": user.email}).status_code for _ in range(4)]
    assert answers == [302, 302, 302, 429]
    assert len(mail.outbox) == 3
    refused = client.post(url, {"email": "someone-else@example.org"})
    assert refused.status_code == 429
    assert escape(str(throttle.TOO_MANY_SUBMISSIONS)) in refused.content.decode()
