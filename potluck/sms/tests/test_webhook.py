"""Only Twilio gets in: forged, missing or replayed calls change nothing; each text once."""

import uuid

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from potluck.conftest import run_together
from potluck.notifications.models import Message
from potluck.sms.models import Conversation, ReceivedMessage
from potluck.sms.tests.conftest import AUTH_TOKEN, sign, text_in
from potluck.sms.tests.helpers import ASKER, NUMBER, Phone, sms_network

pytestmark = pytest.mark.django_db


def nothing_happened(server) -> bool:
    return (
        not ReceivedMessage.objects.exists()
        and not Conversation.objects.exists()
        and not Message.objects.exists()
        and server.requests == []
    )


@pytest.mark.parametrize(
    "signature",
    [
        "",  # none at all
        "bm90IGEgc2lnbmF0dXJl",  # made up
        "forged with another token",  # replaced below by a real signature under a wrong token
    ],
    ids=["missing", "made-up", "wrong-token"],
)
def test_a_call_without_twilios_signature_is_refused(
    client, twilio_server, network_factory, signature
):
    sms_network(network_factory)
    path = reverse("sms:twilio")
    params = {"MessageSid": "SM1", "From": ASKER, "To": NUMBER, "Body": "Hola"}
    if signature.startswith("forged"):
        signature = sign(settings.SITE_URL + path, params, token="not-" + AUTH_TOKEN)
    headers = {"X-Twilio-Signature": signature} if signature else {}

    response = client.post(path, params, headers=headers)

    assert response.status_code == 403
    assert nothing_happened(twilio_server)


def test_a_signature_for_other_fields_or_another_address_is_refused(
    client, twilio_server, network_factory
):
    sms_network(network_factory)
    path = reverse("sms:twilio")
    params = {"MessageSid": "SM1", "From": ASKER, "To": NUMBER, "Body": "Hola"}
    signed_for_other_text = sign(settings.SITE_URL + path, {**params, "Body": "Hello"})
    signed_for_other_site = sign("https://elsewhere.example" + path, params)

    for signature in (signed_for_other_text, signed_for_other_site):
        response = client.post(path, params, headers={"X-Twilio-Signature": signature})
        assert response.status_code == 403

    assert nothing_happened(twilio_server)


def test_without_an_auth_token_every_call_is_refused(client, twilio_server, settings):
    path = reverse("sms:twilio")
    params = {"MessageSid": "SM1", "From": ASKER, "To": NUMBER, "Body": "Hola"}
    signature = sign(settings.SITE_URL + path, params, token=AUTH_TOKEN)
    settings.POTLUCK_TWILIO_AUTH_TOKEN = ""

    assert client.post(path, params, headers={"X-Twilio-Signature": signature}).status_code == 403
    assert nothing_happened(twilio_server)


def test_the_webhook_takes_posts_only(client):
    assert client.get(reverse("sms:twilio")).status_code == 405


def test_a_signed_call_missing_its_fields_is_a_bad_request(client, twilio_server):
    response = text_in(client, sender="", to=NUMBER, body="Hola")
    assert response.status_code == 400
    assert nothing_happened(twilio_server)


def test_a_replayed_message_sid_is_handled_once(client, twilio_server, network_factory):
    sms_network(network_factory)
    phone = Phone(client, twilio_server, ASKER)

    first = phone.text("Hola", sid="SMreplayed")
    again = phone.text("Hola", sid="SMreplayed")  # Twilio retrying the same text

    assert len(first) == 1
    assert again == []
    assert ReceivedMessage.objects.filter(sid="SMreplayed").count() == 1
    assert Message.objects.count() == 1
    assert len(twilio_server.requests) == 1


@pytest.mark.parametrize("signature", ["", "garbage"])
def test_a_refused_call_never_marks_its_sid_handled(
    client, twilio_server, network_factory, signature
):
    """A forged call carrying a real text's sid must not stop the real one."""
    sms_network(network_factory)
    assert (
        text_in(
            client, sender=ASKER, to=NUMBER, body="x", sid="SMreal", signature=signature
        ).status_code
        == 403
    )

    assert len(Phone(client, twilio_server, ASKER).text("Hola", sid="SMreal")) == 1


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_of_one_text_at_once_are_handled_once(twilio_server, network_factory):
    sms_network(network_factory)
    sid = f"SM{uuid.uuid4().hex}"

    def deliver():
        return text_in(Client(), sender=ASKER, to=NUMBER, body="Hola", sid=sid).status_code

    results = run_together(deliver, deliver)

    assert results == [200, 200]
    assert ReceivedMessage.objects.filter(sid=sid).count() == 1
    assert Conversation.objects.count() == 1
    # Delivered right after the winner committed (tasks run at once in tests): one text out.
    assert Message.objects.count() == 1
    assert Message.objects.get().status == Message.Status.SENT
    assert len(twilio_server.requests) == 1
