"""The outbox sending SMS through TwilioBackend to a Twilio-speaking server: failures are
retried with backoff and recorded, a success is never sent again, opted-out numbers skipped."""

import threading
import time
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from potluck.core import sms
from potluck.notifications import services
from potluck.notifications.models import Message
from potluck.sms.models import OptOut
from potluck.sms.selectors import OPT_OUT_CONFIRMATION
from potluck.sms.tests.conftest import DEFAULT_FROM
from potluck.sms.tests.helpers import ASKER, NUMBER, sms_network

pytestmark = pytest.mark.django_db


def queue(network, *, kind="sms.reply", context=None):
    message = services.notify_address(
        channel="sms",
        address=ASKER,
        language="es",
        kind=kind,
        context=context or {"reply": "ask_urgency"},
        network=network,
    )
    assert message is not None
    return message


def test_a_failing_twilio_is_retried_with_backoff_and_sent_once(twilio_server, network_factory):
    network = sms_network(network_factory)
    message = queue(network)
    twilio_server.fail_next(2, status=500)
    now = timezone.now()

    assert services.messages_deliver_due(now=now) == 0
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.PENDING, 1)
    assert message.last_error == "SmsSendError"
    assert message.next_attempt_at == now + services.BACKOFF[0]

    # Not due before its backoff is over.
    assert services.messages_deliver_due(now=now + services.BACKOFF[0] / 2) == 0
    assert len(twilio_server.requests) == 1

    now += services.BACKOFF[0]
    assert services.messages_deliver_due(now=now) == 0
    message.refresh_from_db()
    assert message.next_attempt_at == now + services.BACKOFF[1]

    now += services.BACKOFF[1]
    assert services.messages_deliver_due(now=now) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (Message.Status.SENT, 3, "")

    # Later sweeps never send it again.
    for hours in (1, 24, 24 * 30):
        assert services.messages_deliver_due(now=now + timedelta(hours=hours)) == 0
    assert len(twilio_server.requests) == 3
    assert len(twilio_server.messages) == 1
    [sent] = twilio_server.messages
    assert (sent["To"], sent["From"]) == (ASKER, NUMBER)
    assert sent["Body"] == message.body


def test_twilio_failing_every_time_ends_in_a_recorded_failure(twilio_server, network_factory):
    network = sms_network(network_factory)
    message = queue(network)
    twilio_server.fail_next(services.MAX_ATTEMPTS + 3, status=429)
    now = timezone.now()

    for attempt in range(services.MAX_ATTEMPTS):
        services.messages_deliver_due(now=now)
        message.refresh_from_db()
        assert message.attempts == attempt + 1
        if attempt < len(services.BACKOFF):
            now = message.next_attempt_at

    assert message.status == Message.Status.FAILED
    assert message.last_error == "SmsSendError"
    assert services.messages_deliver_due(now=now + timedelta(days=1)) == 0
    assert len(twilio_server.requests) == services.MAX_ATTEMPTS
    assert twilio_server.messages == []


def test_an_unreachable_twilio_is_retried(twilio_server, network_factory):
    network = sms_network(network_factory)
    message = queue(network)
    with override_settings(POTLUCK_TWILIO_BASE_URL="http://127.0.0.1:9"):  # nothing listens
        services.messages_deliver_due()
    message.refresh_from_db()
    assert message.status == Message.Status.PENDING
    assert message.last_error == "ConnectionError"

    services.messages_deliver_due(now=message.next_attempt_at)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert len(twilio_server.messages) == 1


def test_a_twilio_that_does_not_answer_in_time_is_retried(
    twilio_server, network_factory, monkeypatch
):
    network = sms_network(network_factory)
    message = queue(network)
    monkeypatch.setattr(sms, "TWILIO_TIMEOUT", 0.2)
    released = threading.Event()
    twilio_server.hold = released  # the next request waits until released
    started = time.monotonic()

    services.messages_deliver_due()
    released.set()

    message.refresh_from_db()
    assert time.monotonic() - started < 5
    assert message.status == Message.Status.PENDING
    assert message.last_error == "ReadTimeout"


def test_messages_without_a_network_number_come_from_the_default_sender(twilio_server):
    message = queue(None, context={"reply": "not_in_use"})
    services.messages_deliver_due()
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert twilio_server.messages[0]["From"] == DEFAULT_FROM


def test_nothing_is_texted_to_a_number_that_opted_out(twilio_server, network_factory):
    from potluck.accounts.models import phone_hash

    network = sms_network(network_factory)
    OptOut.objects.create(phone_hash=phone_hash(ASKER))
    skipped = queue(network)
    confirmation = queue(network, kind=OPT_OUT_CONFIRMATION, context={})

    services.messages_deliver_due()

    skipped.refresh_from_db()
    confirmation.refresh_from_db()
    assert (skipped.status, skipped.last_error) == (Message.Status.SKIPPED, "OptedOut")
    assert confirmation.status == Message.Status.SENT
    assert twilio_server.to(ASKER) == [confirmation.body]
