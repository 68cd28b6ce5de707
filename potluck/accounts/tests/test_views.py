from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from potluck.accounts.models import ApiToken, User
from potluck.accounts.tests.factories import PASSWORD
from potluck.core import sms

pytestmark = pytest.mark.django_db


def signup(client, **overrides):
    data = {
        "display_name": "Sunflower",
        "login": "sun@example.org",
        "password": "a long enough pass",
        "language": "es",
    }
    data.update(overrides)
    return client.post(reverse("accounts:signup"), data)


def link_in(body: Any) -> str:
    """The path of the /accounts/verify/ link in a message."""
    return "/accounts/verify/" + body.split("/accounts/verify/", 1)[1].split()[0]


def test_person_can_sign_up_with_email_and_finish_through_the_link(client):
    response = signup(client)
    user = User.objects.get()
    assert response["Location"] == reverse("accounts:signup_sent")
    assert (user.display_name, user.email, user.phone, user.language) == (
        "Sunflower",
        "sun@example.org",
        None,
        "es",
    )
    assert not user.is_active
    assert client.get(reverse("accounts:account")).status_code == 302  # not logged in yet

    link = link_in(mail.outbox[0].body)
    assert client.get(link).status_code == 200  # a button: mail scanners can't use it up
    response = client.post(link)
    assert response["Location"] == reverse("home")
    user.refresh_from_db()
    assert user.is_active
    assert user.verified_at is not None
    assert client.get(reverse("accounts:account")).status_code == 200


def test_person_can_sign_up_with_a_phone_number_and_log_in_with_it(client):
    signup(client, login="(555) 010-9999")
    assert User.objects.get().phone == "5550109999"
    client.post(link_in(sms.outbox[0].body))
    client.logout()
    response = client.post(
        reverse("accounts:login"), {"username": "555 010 9999", "password": "a long enough pass"}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"login": "not-an-email@"}, "login"),
        ({"login": "12"}, "login"),
        ({"password": "short"}, "password"),
        ({"password": "password123"}, "password"),
        ({"password": "x" * 129}, "password"),
        ({"display_name": ""}, "display_name"),
        ({"language": "klingon"}, "language"),
    ],
)
def test_signup_with_bad_input_shows_an_error(client, overrides, field):
    response = signup(client, **overrides)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not User.objects.exists()


def test_signup_with_a_taken_login_answers_the_same_and_tells_the_owner(client, user_factory):
    user_factory(email="sun@example.org")
    taken = signup(client)
    fresh = signup(client, login="new@example.org")
    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"] == reverse("accounts:signup_sent")
    assert User.objects.count() == 2
    notice, link = mail.outbox
    assert notice.to == ["sun@example.org"]
    assert "/accounts/verify/" not in notice.body
    assert "/accounts/password/reset/" in notice.body
    assert link.to == ["new@example.org"]


def test_wrong_password_does_not_log_in(client, user_factory):
    user = user_factory()
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": "wrong password"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_login_and_logout(client, user_factory):
    user = user_factory()
    client.post(reverse("accounts:login"), {"username": user.email.upper(), "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_an_email_only_to_real_accounts_and_answers_the_same(
    client, user_factory
):
    user = user_factory()
    known = client.post(reverse("accounts:password_reset"), {"email": user.email})
    unknown = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/" in mail.outbox[0].body


def test_member_can_create_and_revoke_an_api_token(client, user_factory):
    user = user_factory()
    client.force_login(user)
    client.post(reverse("accounts:token_new"), {"name": "phone line"})
    page = client.get(reverse("accounts:account")).content.decode()
    token = ApiToken.objects.get()
    assert "pl_" in page
    assert "pl_" not in client.get(reverse("accounts:account")).content.decode()
    client.post(reverse("accounts:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_person_cannot_revoke_someone_elses_token(client, user_factory):
    owner, other = user_factory(), user_factory()
    client.force_login(owner)
    client.post(reverse("accounts:token_new"), {"name": "mine"})
    token = ApiToken.objects.get()
    client.force_login(other)
    client.post(reverse("accounts:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is None


def test_language_switcher_saves_the_choice_on_the_account(client, user_factory):
    user = user_factory()
    client.force_login(user)
    response = client.post(
        reverse("set_language"), {"language": "es", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    user.refresh_from_db()
    assert user.language == "es"
    assert client.get("/").content.decode().startswith('<!doctype html>\n\n<html lang="es"')


def test_anonymous_language_choice_is_a_cookie(client, db):
    client.post(reverse("set_language"), {"language": "es", "next": "/"})
    assert 'lang="es"' in client.get("/").content.decode()
    client.post(reverse("set_language"), {"language": "zz", "next": "/"})
    assert 'lang="es"' in client.get("/").content.decode()
