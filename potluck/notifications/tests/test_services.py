from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from potluck.core import sms
from potluck.notifications import services
from potluck.notifications.models import Message, Preference
from potluck.notifications.selectors import preference_for
from potluck.notifications.tests.helpers import Rollback, notify_then_fail

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo(settings.TIME_ZONE)


def email_to(recipient, **kwargs):
    """One pending email message, as notify leaves it before the caller commits."""
    kwargs.setdefault("context", {"need_id": 7})
    [message] = services.notify(
        recipient=recipient, kind="need.claimed", channels=["email"], **kwargs
    )
    return message


def test_recipients_get_the_email_in_their_own_language(
    smtp_server, network, user_factory, django_capture_on_commit_callbacks
):
    spanish = user_factory(language="es")
    english = user_factory(language="en")
    with django_capture_on_commit_callbacks(execute=True):
        email_to(spanish, network=network)
        email_to(english, network=network)

    subjects = {mail["To"]: mail["Subject"] for mail in smtp_server.received}
    assert subjects == {
        spanish.email: "Una persona voluntaria se encarga",
        english.email: "A volunteer is on it",
    }
    spanish_mail = next(mail for mail in smtp_server.received if mail["To"] == spanish.email)
    assert f"de {network.name} se ha encargado de la solicitud n.º 7" in spanish_mail.get_content()


def test_a_sent_message_keeps_what_went_out(smtp_server, network, volunteer):
    message = services.message_deliver(message_id=email_to(volunteer, network=network).pk)

    assert message.status == Message.Status.SENT
    assert message.sent_at is not None
    assert message.attempts == 1
    assert message.address == volunteer.email
    assert message.subject == "A volunteer is on it"
    assert "request #7" in message.body
    assert message.language == volunteer.language


def test_nothing_is_sent_before_the_causing_transaction_commits(
    smtp_server, volunteer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        email_to(volunteer)
        assert smtp_server.received == []
    assert len(callbacks) == 1
    assert len(smtp_server.received) == 1


def test_a_rolled_back_notify_leaves_no_row_and_schedules_nothing(
    smtp_server, volunteer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Rollback):
        notify_then_fail(volunteer)
    assert callbacks == []
    assert not Message.objects.exists()
    assert smtp_server.received == []


def test_a_refusing_server_gets_retried_with_backoff_until_the_message_fails(
    smtp_server, volunteer
):
    smtp_server.reply = "451 4.3.0 try later"
    message = email_to(volunteer)
    now = timezone.now()
    waits = [1, 5, 30, 120]

    for attempt, minutes in enumerate(waits, start=1):
        message = services.message_deliver(message_id=message.pk, now=now)
        assert (message.status, message.attempts) == (Message.Status.PENDING, attempt)
        assert message.next_attempt_at == now + timedelta(minutes=minutes)
        assert message.last_error == "SMTPDataError 451"
        assert services.messages_deliver_due(now=now + timedelta(minutes=minutes - 0.5)) == 0
        now = message.next_attempt_at

    assert services.messages_deliver_due(now=now) == 0
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.FAILED, 5)
    assert volunteer.email not in message.last_error
    assert services.messages_deliver_due(now=now + timedelta(days=2)) == 0
    assert Message.objects.get(pk=message.pk).attempts == 5  # kept, and never tried again
    assert smtp_server.received == []


def test_a_retried_message_is_sent_exactly_once_when_the_server_recovers(smtp_server, volunteer):
    smtp_server.reply = "451 4.3.0 try later"
    message = services.message_deliver(message_id=email_to(volunteer).pk)
    smtp_server.reply = None

    assert services.messages_deliver_due(now=message.next_attempt_at) == 1
    again = services.message_deliver(message_id=message.pk, now=message.next_attempt_at)
    assert services.messages_deliver_due(now=message.next_attempt_at + timedelta(days=1)) == 0

    assert (again.status, again.attempts, again.last_error) == (Message.Status.SENT, 2, "")
    assert len(smtp_server.received) == 1


def test_a_send_interrupted_by_a_crash_is_retried_after_the_lease(smtp_server, volunteer):
    message = email_to(volunteer)
    now = timezone.now()
    # A worker claimed it and died before it could record the outcome.
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.SENDING, attempts=1, next_attempt_at=now + services.LEASE
    )

    assert services.messages_deliver_due(now=now + timedelta(minutes=14)) == 0
    assert services.messages_deliver_due(now=now + timedelta(minutes=15)) == 1
    assert len(smtp_server.received) == 1


def test_a_send_interrupted_on_its_last_attempt_ends_failed_not_stuck(volunteer):
    message = email_to(volunteer)
    now = timezone.now()
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.SENDING, attempts=services.MAX_ATTEMPTS, next_attempt_at=now
    )

    services.messages_deliver_due(now=now)

    message.refresh_from_db()
    assert (message.status, message.last_error) == (Message.Status.FAILED, "Interrupted")


def at(hour: int, minute: int = 0, days: int = 0) -> datetime:
    """A moment at local `hour` (settings.TIME_ZONE) tomorrow, or `days` after that."""
    day = timezone.localtime(timezone.now(), LOCAL).date() + timedelta(days=1 + days)
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL)


@pytest.fixture
def night_owl(volunteer):
    """Quiet from 22:00 to 07:00."""
    Preference.objects.create(user=volunteer, quiet_start=22, quiet_end=7)
    return volunteer


def test_quiet_hours_postpone_a_message_to_the_end_of_the_window(smtp_server, night_owl):
    message = services.message_deliver(message_id=email_to(night_owl).pk, now=at(23, 30))

    assert (message.status, message.attempts) == (Message.Status.PENDING, 0)
    assert message.next_attempt_at == at(7, days=1)
    assert services.messages_deliver_due(now=at(6, 59, days=1)) == 0
    assert smtp_server.received == []
    assert services.messages_deliver_due(now=at(7, days=1)) == 1


def test_quiet_hours_end_the_same_morning_when_it_is_already_past_midnight(night_owl):
    message = services.message_deliver(message_id=email_to(night_owl).pk, now=at(3))

    assert message.next_attempt_at == at(7)


def test_an_urgent_message_is_sent_during_quiet_hours(smtp_server, night_owl):
    message = email_to(night_owl, context={"need_id": 7, "urgent": True})

    assert services.message_deliver(message_id=message.pk, now=at(23, 30)).status == "sent"
    assert len(smtp_server.received) == 1


@pytest.mark.parametrize(
    ("start", "end", "hour", "quiet"),
    [
        (22, 7, 21, False),
        (22, 7, 22, True),
        (22, 7, 0, True),
        (22, 7, 6, True),
        (22, 7, 7, False),
        (13, 15, 14, True),
        (13, 15, 15, False),
        (13, 15, 12, False),
        (None, 7, 3, False),
        (8, 8, 8, False),
    ],
)
def test_quiet_hours_may_wrap_past_midnight(start, end, hour, quiet):
    assert Preference(quiet_start=start, quiet_end=end).is_quiet_at(hour) is quiet


def test_reading_a_preference_never_writes_one(volunteer):
    preference = preference_for(volunteer)

    assert preference.pk is None
    assert preference.channels == ["email", "web"]
    assert preference.mode == Preference.Mode.IMMEDIATE
    assert not Preference.objects.exists()


def test_notify_writes_one_message_per_chosen_channel(volunteer):
    messages = services.notify(recipient=volunteer, kind="need.status", context={"need_id": 7})

    assert sorted(message.channel for message in messages) == ["email", "web"]
    assert {message.status for message in messages} == {Message.Status.PENDING}


def test_notify_only_uses_channels_both_the_caller_and_the_recipient_allow(volunteer):
    Preference.objects.create(user=volunteer, channels=["sms", "web"])

    messages = services.notify(
        recipient=volunteer, kind="need.status", context={}, channels=["email", "web"]
    )

    assert [message.channel for message in messages] == ["web"]


def test_the_same_event_never_makes_two_messages(volunteer):
    first = services.notify(recipient=volunteer, kind="need.status", context={}, dedupe_key="n7")
    second = services.notify(recipient=volunteer, kind="need.status", context={}, dedupe_key="n7")

    assert len(first) == 2
    assert second == []
    assert Message.objects.count() == 2


def test_a_web_message_is_marked_sent_without_sending_anything(smtp_server, network, volunteer):
    [message] = services.notify(
        recipient=volunteer,
        kind="need.status",
        context={"need_id": 7},
        network=network,
        channels=["web"],
    )

    message = services.message_deliver(message_id=message.pk)

    assert (message.status, message.address) == (Message.Status.SENT, "")
    assert message.subject == "News about your request"
    assert smtp_server.received == []


def test_a_text_message_carries_the_body_only_within_320_characters(user_factory, network):
    person = user_factory(phone="+34600000001")
    Preference.objects.create(user=person, channels=["sms"])
    network.name = "N" * 120
    network.save(update_fields=["name"])
    [message] = services.notify(
        recipient=person,
        kind="need.claimed",
        network=network,
        context={"need_id": 7, "path": "/s/" + "x" * 200},
    )

    message = services.message_deliver(message_id=message.pk)

    [text] = sms.outbox
    assert text.to == "+34600000001"
    assert len(text.body) <= 320
    assert text.body.startswith("A volunteer from NNN")
    assert (message.status, message.subject, message.body) == ("sent", "", text.body)


def test_a_message_without_an_address_is_skipped(user_factory):
    person = user_factory(email=None, phone="+34600000002")
    message = services.message_deliver(message_id=email_to(person).pk)

    assert (message.status, message.last_error) == (Message.Status.SKIPPED, "NoAddress")
