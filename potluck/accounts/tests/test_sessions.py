"""Sessions: new ids at login, ended server-side at logout, everywhere at once, on
deactivation; idle and absolute timeouts; re-entering the password before changing a login."""

import time
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from potluck.accounts import services
from potluck.accounts.models import LoginVerification, User, UserSession
from potluck.accounts.sessions import LOGIN_AT, REAUTH_AT, SEEN_AT, SessionStore
from potluck.accounts.tests.factories import PASSWORD
from potluck.core import sms
from potluck.core.errors import DomainError

pytestmark = pytest.mark.django_db


def log_in(client: Client, user: User) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302


def session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def set_clock(client: Client, **values: int) -> None:
    session = client.session
    for name, value in values.items():
        session[name] = value
    session.save()


def link_in(body: Any) -> str:
    return "/accounts/verify/" + body.split("/accounts/verify/", 1)[1].split()[0]


# Session ids and the session table ------------------------------------------------------


def test_logging_in_gives_a_new_session_id(client, user_factory):
    user = user_factory()
    session = client.session
    session["before"] = "login"
    session.save()
    before = session.session_key
    log_in(client, user)
    assert session_key(client) != before
    assert not UserSession.objects.filter(session_key=before).exists()


def test_session_rows_record_whose_session_it_is(client, user_factory):
    user = user_factory()
    log_in(client, user)
    row = UserSession.objects.get(session_key=session_key(client))
    assert row.user_id == user.pk
    assert settings.SESSION_ENGINE == "potluck.accounts.sessions"
    assert isinstance(SessionStore(), SessionBase)


def test_logging_out_deletes_the_session_on_the_server(client, user_factory):
    user = user_factory()
    log_in(client, user)
    old = session_key(client)
    client.post(reverse("accounts:logout"))
    assert not UserSession.objects.filter(session_key=old).exists()
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old
    assert replay.get(reverse("accounts:account")).status_code == 302


def test_log_out_everywhere_ends_every_session_of_that_person_only(
    client, user_factory, audit_verbs
):
    user, other = user_factory(), user_factory()
    phone, laptop, someone_else = Client(), Client(), Client()
    for device in (phone, laptop, client):
        log_in(device, user)
    log_in(someone_else, other)

    response = client.post(reverse("accounts:log_out_everywhere"))

    assert response["Location"] == reverse("accounts:login")
    assert not UserSession.objects.filter(user_id=user.pk).exists()
    for device in (phone, laptop, client):
        assert device.get(reverse("accounts:account")).status_code == 302
    assert someone_else.get(reverse("accounts:account")).status_code == 200
    assert audit_verbs(user) == ["user.logged_out_everywhere"]


def test_deactivating_an_account_ends_its_sessions(client, user_factory, audit_verbs):
    user = user_factory()
    log_in(client, user)
    services.user_deactivate(user=user)
    assert not UserSession.objects.filter(user_id=user.pk).exists()
    assert client.get(reverse("accounts:account")).status_code == 302
    assert user.is_active is False
    assert audit_verbs(user) == ["user.deactivated"]
    assert (
        client.post(
            reverse("accounts:login"), {"username": user.email, "password": PASSWORD}
        ).status_code
        == 200
    )


def test_making_an_account_inactive_any_other_way_ends_its_sessions(client, user_factory):
    user = user_factory()
    log_in(client, user)
    user.is_active = False
    user.save()
    assert not UserSession.objects.filter(user_id=user.pk).exists()


def test_deleting_an_account_ends_its_sessions(client, user_factory):
    user = user_factory()
    log_in(client, user)
    user_id = user.pk
    user.delete()
    assert not UserSession.objects.filter(user_id=user_id).exists()


# Timeouts -------------------------------------------------------------------------------


def test_login_starts_the_clocks(client, user_factory):
    log_in(client, user_factory())
    session = client.session
    assert abs(session[LOGIN_AT] - time.time()) < 5
    assert session[SEEN_AT] == session[LOGIN_AT] == session[REAUTH_AT]


def test_an_idle_session_ends_and_the_person_is_asked_to_log_in(client, user_factory):
    log_in(client, user_factory())
    old = session_key(client)
    set_clock(client, **{SEEN_AT: int(time.time()) - settings.POTLUCK_SESSION_IDLE_SECONDS - 5})
    response = client.get(reverse("accounts:account"), follow=True)
    assert response.redirect_chain[0][0] == reverse("accounts:login") + "?next=%2Faccounts%2Fme%2F"
    assert "You were logged out after a while without activity" in response.content.decode()
    assert not UserSession.objects.filter(session_key=old).exists()


def test_a_session_ends_a_week_after_login_however_active(client, user_factory):
    log_in(client, user_factory())
    now = int(time.time())
    set_clock(client, **{LOGIN_AT: now - settings.POTLUCK_SESSION_MAX_SECONDS - 5, SEEN_AT: now})
    response = client.get(reverse("accounts:account"))
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_timeouts_are_settings(client, user_factory, settings):
    settings.POTLUCK_SESSION_IDLE_SECONDS = 10
    log_in(client, user_factory())
    set_clock(client, **{SEEN_AT: int(time.time()) - 11})
    assert client.get(reverse("accounts:account")).status_code == 302


def test_htmx_requests_of_an_ended_session_reload_the_login_page(client, user_factory):
    log_in(client, user_factory())
    set_clock(client, **{SEEN_AT: 0})
    response = client.get(reverse("accounts:account"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"].startswith(reverse("accounts:login"))


def test_last_seen_is_written_at_most_once_a_minute(client, user_factory):
    log_in(client, user_factory())
    recent = int(time.time()) - 30
    set_clock(client, **{SEEN_AT: recent})
    row = UserSession.objects.get(session_key=session_key(client))
    client.get(reverse("accounts:account"))
    assert client.session[SEEN_AT] == recent
    assert UserSession.objects.get(pk=row.pk).session_data == row.session_data  # no write

    set_clock(client, **{SEEN_AT: recent - 60})
    client.get(reverse("accounts:account"))
    assert client.session[SEEN_AT] >= int(time.time()) - 2


def test_anonymous_visitors_have_no_clock(client, db):
    client.get("/")
    assert SEEN_AT not in client.session


# Changing the login ---------------------------------------------------------------------


def test_changing_email_needs_the_password_again_after_ten_minutes(client, user_factory):
    user = user_factory()
    log_in(client, user)
    set_clock(client, **{REAUTH_AT: int(time.time()) - 601})
    response = client.get(reverse("accounts:login_change"))
    assert response["Location"] == reverse("accounts:reauth") + "?next=%2Faccounts%2Fme%2Flogin%2F"
    wrong = client.post(response["Location"], {"password": "not it"})
    assert wrong.status_code == 200
    ok = client.post(
        reverse("accounts:reauth"), {"password": PASSWORD, "next": "/accounts/me/login/"}
    )
    assert ok["Location"] == "/accounts/me/login/"
    assert client.get(reverse("accounts:login_change")).status_code == 200


def test_person_changes_their_email_through_a_link_sent_to_the_new_one(
    client, user_factory, audit_verbs
):
    user = user_factory(email="old@example.org")
    log_in(client, user)
    client.post(reverse("accounts:login_change"), {"login": "new@example.org"})
    user.refresh_from_db()
    assert user.email == "old@example.org"  # not until the link is opened
    [message] = mail.outbox
    assert message.to == ["new@example.org"]
    link = link_in(message.body)

    client.post(link)
    user.refresh_from_db()
    assert user.email == "new@example.org"
    assert User.objects.with_email("new@example.org").get() == user
    assert audit_verbs(user) == ["user.login_change_requested", "user.login_changed"]
    assert client.post(link).status_code == 404  # one use


def test_person_adds_or_changes_a_phone_number_through_a_text(client, user_factory):
    user = user_factory()
    log_in(client, user)
    client.post(reverse("accounts:login_change"), {"login": "+1 555 010 7777"})
    [text] = sms.outbox
    assert text.to == "+15550107777"
    Client().post(link_in(text.body))  # from the phone's own browser
    user.refresh_from_db()
    assert (user.phone, user.email is not None) == ("+15550107777", True)


def test_changing_to_an_address_someone_uses_looks_the_same_and_tells_its_owner(
    client, user_factory
):
    owner = user_factory(email="taken@example.org")
    user = user_factory()
    log_in(client, user)
    response = client.post(reverse("accounts:login_change"), {"login": "taken@example.org"})
    assert response["Location"] == reverse("accounts:account")
    [notice] = mail.outbox
    assert notice.to == [owner.email]
    assert "/accounts/verify/" not in notice.body
    assert not LoginVerification.objects.exists()


def test_changing_to_the_same_login_is_refused(user_factory):
    user = user_factory()
    with pytest.raises(DomainError) as excinfo:
        services.login_change_request(user=user, email=user.email.upper())
    assert excinfo.value.message == services.SAME_LOGIN


def test_a_change_link_fails_if_someone_took_the_address_meanwhile(client, user_factory):
    user = user_factory()
    log_in(client, user)
    client.post(reverse("accounts:login_change"), {"login": "new@example.org"})
    user_factory(email="new@example.org")
    token = link_in(mail.outbox[0].body).split("/")[-2]
    with pytest.raises(DomainError) as excinfo:
        services.login_link_use(token=token)
    assert excinfo.value.message == services.LOGIN_TAKEN


# Signup links ---------------------------------------------------------------------------


def sign_up(client: Client, login: str = "sun@example.org"):
    return client.post(
        reverse("accounts:signup"),
        {"display_name": "Sun", "login": login, "password": PASSWORD, "language": "en"},
    )


def test_a_signup_link_works_once(client):
    sign_up(client)
    link = link_in(mail.outbox[0].body)
    assert client.post(link).status_code == 302
    client.logout()
    assert client.get(link).status_code == 404
    response = client.post(link)
    assert response.status_code == 404
    assert "_auth_user_id" not in client.session


def test_a_signup_link_stops_working_after_its_hours(client):
    sign_up(client)
    LoginVerification.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.post(link_in(mail.outbox[0].body)).status_code == 404
    assert not User.objects.get().is_active


def test_a_made_up_link_does_not_work(client, db):
    assert client.get("/accounts/verify/not-a-real-token/").status_code == 404
    with pytest.raises(DomainError) as excinfo:
        services.login_link_use(token="not-a-real-token")
    assert excinfo.value.message == services.LINK_BROKEN


def test_only_a_hash_of_the_link_is_stored(client):
    sign_up(client)
    token = link_in(mail.outbox[0].body).split("/")[-2]
    assert not LoginVerification.objects.filter(token_hash__contains=token).exists()


def test_an_unfinished_signup_whose_link_ran_out_makes_way_for_a_new_one(client):
    sign_up(client)
    User.objects.update(date_joined=timezone.now() - timedelta(hours=73))
    mail.outbox.clear()
    sign_up(client)
    assert User.objects.count() == 1
    assert "/accounts/verify/" in mail.outbox[0].body


def test_a_deactivated_signup_cannot_be_finished(client):
    sign_up(client)
    services.user_deactivate(user=User.objects.get())
    assert client.post(link_in(mail.outbox[0].body)).status_code == 404
    assert not User.objects.get().is_active


def test_sms_console_backend_prints_the_message(capsys, settings):
    settings.POTLUCK_SMS_BACKEND = "potluck.core.sms.ConsoleBackend"
    assert sms.send_sms(to="+15550100000", body="hello") == 1
    assert "SMS to +15550100000\nhello" in capsys.readouterr().out
    assert sms.outbox == []
