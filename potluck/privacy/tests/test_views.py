"""The "your data" pages over HTTP: download, delete, and what others see afterwards."""

import json

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from potluck.accounts.models import User
from potluck.accounts.tests.factories import PASSWORD
from potluck.conftest import login
from potluck.core.models import AuditEvent
from potluck.privacy import services
from potluck.privacy.tests.builders import lived_need, offer_conversation

pytestmark = pytest.mark.django_db

DATA, EXPORT, DELETE = "privacy:data", "privacy:export", "privacy:delete"


@pytest.mark.parametrize(("name", "method"), [(DATA, "get"), (EXPORT, "post"), (DELETE, "get")])
def test_anonymous_visitor_is_sent_to_log_in(client, name, method):
    response = getattr(client, method)(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_member_finds_the_data_page_from_their_account(client, member):
    login(client, member)
    assert reverse(DATA) in client.get(reverse("accounts:account")).content.decode()


def test_data_page_says_how_long_each_network_keeps_details(client, member, network):
    network.retention_days = 21
    network.save()
    login(client, member)
    page = client.get(reverse(DATA)).content.decode()
    assert network.name in page
    assert "21" in page
    assert reverse(EXPORT) in page
    assert reverse(DELETE) in page


def test_export_is_a_post_only_download_that_no_cache_keeps(client, member):
    login(client, member)
    assert client.get(reverse(EXPORT)).status_code == 405

    response = client.post(reverse(EXPORT))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="potluck-data-')
    data = json.loads(response.content)
    assert data["profile"]["email"] == member.email
    assert data["profile"]["display_name"] == member.display_name


def test_delete_page_asks_for_the_password(client, member):
    login(client, member)
    page = client.get(reverse(DELETE)).content.decode()
    assert 'type="password"' in page
    assert 'autocomplete="current-password"' in page


def test_wrong_password_shows_an_error_and_keeps_the_account(client, member):
    login(client, member)
    response = client.post(reverse(DELETE), {"password": "guess"})
    assert response.status_code == 200
    assert str(services.WRONG_PASSWORD) in response.content.decode()
    assert User.objects.filter(pk=member.pk).exists()


def test_empty_password_deletes_nothing(client, member):
    login(client, member)
    response = client.post(reverse(DELETE), {"password": ""})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert User.objects.filter(pk=member.pk).exists()


def test_member_can_delete_their_account_and_is_logged_out(client, member):
    login(client, member)

    response = client.post(reverse(DELETE), {"password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("home")
    assert not User.objects.filter(pk=member.pk).exists()
    assert "Your account has been deleted." in response.content.decode()
    assert client.get(reverse("accounts:account")).status_code == 302
    assert AuditEvent.objects.filter(verb="account.deleted").count() == 1


def test_last_admin_is_told_why_they_cannot_delete_yet(client, network, admin, member):
    login(client, admin)
    response = client.post(reverse(DELETE), {"password": PASSWORD})
    assert response.status_code == 200
    assert network.name in response.content.decode()
    assert User.objects.filter(pk=admin.pk).exists()


# What others see once someone has left -----------------------------------------------------------


def test_need_history_credits_a_deleted_volunteer_to_a_former_member(client, network):
    lived = lived_need(network, close=False)
    volunteer_name = lived.volunteer.display_name
    services.account_delete(user=lived.volunteer, password=PASSWORD)
    login(client, lived.coordinator)

    page = client.get(lived.need.get_absolute_url()).content.decode()

    assert volunteer_name not in page
    assert "A former member" in page


def test_offer_pages_show_a_former_member_for_a_deleted_partner(client, network):
    match = offer_conversation(network, close=False)
    assert match.responder is not None
    assert match.offer.author is not None
    services.account_delete(user=match.responder, password=PASSWORD)
    login(client, match.offer.author)

    offer = client.get(match.offer.get_absolute_url()).content.decode()
    conversation = client.get(match.get_absolute_url()).content.decode()

    assert "A former member" in offer
    assert "A former member" in conversation


def test_password_guesses_on_the_delete_page_are_throttled(client, member, settings):
    settings.POTLUCK_LOGIN_MAX_FAILURES = 2
    login(client, member)
    for _guess in range(2):
        assert client.post(reverse(DELETE), {"password": "guess"}).status_code == 200

    response = client.post(reverse(DELETE), {"password": PASSWORD})

    assert response.status_code == 429
    assert User.objects.filter(pk=member.pk).exists()


def test_with_two_factor_on_a_session_without_a_code_is_asked_for_one(client, member):
    TOTPDevice.objects.create(user=member, name="phone", confirmed=True)
    client.force_login(member)  # the password, but no code yet

    response = client.post(reverse(DELETE), {"password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor_code"))
    assert User.objects.filter(pk=member.pk).exists()
