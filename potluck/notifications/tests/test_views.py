"""The notification settings page and the in-Potluck inbox, over HTTP."""

import re

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from potluck.conftest import login
from potluck.notifications import preferences
from potluck.notifications.models import Message, Preference

pytestmark = pytest.mark.django_db

SETTINGS = reverse("notifications:settings")
INBOX = reverse("notifications:inbox")
DISABLED_SMS = "potluck.core.sms.DisabledBackend"


def valid(**changes):
    return {
        "channels": ["email", "web"],
        "mode": "digest",
        "quiet_start": "22",
        "quiet_end": "7",
        "language": "es",
        **changes,
    }


@pytest.mark.parametrize("url", [SETTINGS, INBOX])
def test_anonymous_people_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_person_saves_channels_digest_quiet_hours_and_language(client, volunteer):
    login(client, volunteer)
    page = client.get(SETTINGS).content.decode()
    assert 'name="channels" value="sms"' in page
    # No phone on the account: text messages are shown but can't be chosen.
    assert "Add a phone number to your account to get text messages." in page

    response = client.post(SETTINGS, valid())

    assert response.status_code == 302
    saved = Preference.objects.get(user=volunteer)
    assert (saved.channels, saved.mode, saved.quiet_start, saved.quiet_end) == (
        ["email", "web"],
        "digest",
        22,
        7,
    )
    volunteer.refresh_from_db()
    assert volunteer.language == "es"
    shown = client.get(SETTINGS).content.decode()
    assert 'lang="es"' in shown
    assert re.search(r'<input type="radio" name="mode" value="digest"[^>]* checked', shown)
    assert re.search(r'<option value="22" selected>', shown)


def test_text_messages_can_be_chosen_with_a_phone_and_a_provider(client, volunteer):
    volunteer.phone = "+15550101234"
    volunteer.save()
    login(client, volunteer)
    assert client.post(SETTINGS, valid(channels=["sms"])).status_code == 302
    assert Preference.objects.get(user=volunteer).channels == ["sms"]


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"quiet_start": "25"}, preferences.BAD_HOUR),
        ({"quiet_end": "-1"}, preferences.BAD_HOUR),
        ({"quiet_start": "abc"}, preferences.BAD_HOUR),
        ({"quiet_end": ""}, preferences.HALF_QUIET),
        ({"channels": ["sms"]}, preferences.NO_PHONE),
        ({"channels": []}, preferences.NO_CHANNEL),
        ({"channels": ["webhook"]}, preferences.BAD_CHOICE),
        ({"mode": "hourly"}, preferences.BAD_CHOICE),
        ({"language": "xx"}, preferences.BAD_CHOICE),
    ],
)
def test_bad_input_gets_a_clear_error_and_saves_nothing(client, volunteer, changes, error):
    login(client, volunteer)
    response = client.post(SETTINGS, valid(**changes))
    assert response.status_code == 400
    assert str(error) in response.content.decode()
    assert not Preference.objects.filter(user=volunteer).exists()


def test_an_email_channel_needs_an_email_address(client, volunteer):
    volunteer.email, volunteer.phone = None, "+15550101235"
    volunteer.save()
    login(client, volunteer)
    response = client.post(SETTINGS, valid(channels=["email"]))
    assert str(preferences.NO_EMAIL) in response.content.decode()


@override_settings(POTLUCK_SMS_BACKEND=DISABLED_SMS)
def test_text_messages_cannot_be_chosen_where_the_site_cannot_send_them(client, volunteer):
    volunteer.phone = "+15550101236"
    volunteer.save()
    login(client, volunteer)
    assert str(preferences.SMS_OFF) in client.get(SETTINGS).content.decode()
    response = client.post(SETTINGS, valid(channels=["sms"]))
    assert str(preferences.SMS_OFF) in response.content.decode()


def test_errors_come_in_the_persons_language(client, volunteer):
    volunteer.language = "es"
    volunteer.save()
    login(client, volunteer)
    response = client.post(SETTINGS, valid(channels=[]))
    assert response.status_code == 400
    assert 'lang="es"' in response.content.decode()
    assert "corrige los problemas marcados abajo" in response.content.decode()
    response = client.post(SETTINGS, valid(quiet_start="25"))
    assert "Elige una hora de 0 a 23." in response.content.decode()


def test_the_account_page_links_to_settings_and_inbox(client, volunteer):
    login(client, volunteer)
    page = client.get(reverse("accounts:account")).content.decode()
    assert f'href="{SETTINGS}"' in page
    assert f'href="{INBOX}"' in page


# ---------------------------------------------------------------------------- the inbox


def web_message(person, need_id, network=None):
    return Message.objects.create(
        recipient=person,
        network=network,
        channel="web",
        kind="need.claimed",
        context={"need_id": need_id},
        status=Message.Status.SENT,
    )


def test_the_inbox_lists_ones_own_in_potluck_messages_newest_first(
    client, volunteer, member, network
):
    web_message(volunteer, 1, network)
    web_message(volunteer, 2, network)
    web_message(member, 3, network)  # someone else's
    Message.objects.create(recipient=volunteer, channel="email", kind="need.claimed")
    login(client, volunteer)

    page = client.get(INBOX).content.decode()

    assert page.index("request #2") < page.index("request #1")
    assert "request #3" not in page
    assert page.count("A volunteer is on it") == 2


def test_the_inbox_speaks_the_readers_language_now(client, volunteer, network):
    web_message(volunteer, 9, network)  # written while they read English
    volunteer.language = "es"
    volunteer.save()
    login(client, volunteer)
    page = client.get(INBOX).content.decode()
    assert "Una persona voluntaria se encarga" in page


def test_the_inbox_pages_by_keyset_in_a_constant_number_of_queries(client, volunteer):
    login(client, volunteer)
    web_message(volunteer, 0)
    client.get(INBOX)  # warm up the session and content types
    with CaptureQueriesContext(connection) as few:
        client.get(INBOX)
    for need_id in range(1, 40):
        web_message(volunteer, need_id)
    with CaptureQueriesContext(connection) as many:
        first = client.get(INBOX).content.decode()
    assert len(many) == len(few)

    assert "request #39" in first
    assert "request #9 " not in first
    older = first.split('href="?before=')[1].split('"')[0]
    second = client.get(f"{INBOX}?before={older}").content.decode()
    assert "request #9 " in second
    assert "request #39" not in second
    assert 'href="?before=' not in second
    assert client.get(f"{INBOX}?before=junk").status_code == 200
