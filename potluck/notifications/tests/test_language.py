"""Messages arrive in the reader's language, through a real SMTP server on loopback."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from potluck.core import sms
from potluck.matching import follow_up
from potluck.matching.tests.builders import need, town, volunteer
from potluck.needs import services as need_services
from potluck.notifications import alerts

pytestmark = pytest.mark.django_db


@pytest.fixture
def sends(django_capture_on_commit_callbacks):
    def run(call, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(**kwargs)

    return run


def spanish_volunteer(network):
    helper = volunteer(network, languages=["en", "es"])
    helper.language = "es"
    helper.save()
    return helper


def test_a_spanish_speaking_volunteer_gets_alerts_and_reminders_in_spanish(smtp_server, sends):
    network = town(claim_reminder_hours=6)
    helper = spanish_volunteer(network)
    urgent = need(network, urgency="today")

    sends(alerts.need_alert_volunteers, need=urgent)
    need_services.need_claim(need=urgent, volunteer=helper)
    sends(follow_up.claims_remind, now=timezone.now() + timedelta(hours=43))

    alert, reminder = smtp_server.received
    assert alert["To"] == reminder["To"] == helper.email
    text = alert.get_content()
    assert "Comestibles" in text  # the category, in Spanish
    assert "Hoy" in text  # how soon
    assert "Groceries" not in text
    assert reminder["Subject"] == "Lo que tomaste vence pronto"
    assert "Si ya la entregaste, márcala como entregada." in reminder.get_content()


def test_a_spanish_requester_by_sms_is_told_to_reply_listo(sends):
    network = town()
    helper = volunteer(network, categories=["meals"])
    asked = need(network, language="es", contact_method="sms", contact_value="+15550106060")

    sends(need_services.need_claim, need=asked, volunteer=helper)

    (text,) = sms.outbox
    assert "LISTO" in text.body
    assert "DONE" not in text.body
    assert re.search(rf"(#|n\.º ){asked.pk}\b", text.body)  # their reference
