"""Daily digests: coordinators' queue summary, people's held messages folded into one, quiet
hours, and never twice."""

from datetime import datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from potluck.conftest import run_together
from potluck.matching import follow_up
from potluck.matching.tests.builders import need, person, town, volunteer
from potluck.needs import services as need_services
from potluck.networks.models import Role
from potluck.notifications import alerts, digests, services
from potluck.notifications.models import Message, Preference

LOCAL = ZoneInfo(settings.TIME_ZONE)


def at(day_offset: int, hour: int, minute: int = 0) -> datetime:
    day = timezone.now().astimezone(LOCAL).date() + timedelta(days=day_offset)
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL)


@pytest.fixture
def sends(django_capture_on_commit_callbacks):
    def run(call, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(**kwargs)

    return run


# ---------------------------------------------------------------------------- coordinators


@pytest.mark.django_db
def test_coordinators_get_one_summary_of_the_queue_a_day(sends):
    network = town()
    coordinator = person(network, Role.COORDINATOR)
    admin = person(network, Role.ADMIN)
    helper = volunteer(network, categories=["meals"])
    elsewhere = town()
    other_coordinator = person(elsewhere, Role.COORDINATOR)
    morning = at(0, settings.POTLUCK_DIGEST_HOUR, 5)
    need(network, urgency="today", created_at=morning - timedelta(days=5))
    need(network, urgency="today")
    need(network, urgency="this_week")
    claimed = need(network)
    need_services.need_claim(need=claimed, volunteer=helper)
    claimed.claims.update(expires_at=morning + timedelta(hours=3))
    need(network, status="closed")
    mail.outbox.clear()

    assert sends(digests.queue_digests_send, now=morning) == 2
    assert sends(digests.queue_digests_send, now=morning + timedelta(hours=1)) == 0

    assert sorted(m.to[0] for m in mail.outbox) == sorted([coordinator.email, admin.email])
    body = mail.outbox[0].body
    assert mail.outbox[0].subject == f"The queue in {network.name} today"
    assert "Open needs: 3." in body
    assert "Needed today: 2. In the next few days: 0. This week: 1." in body
    assert "The oldest has waited 5 day(s)." in body
    assert f"Waiting more than {settings.POTLUCK_DIGEST_STALE_DAYS} day(s): 1." in body
    assert "Claims running out in the next day: 1." in body
    assert f"/n/{network.slug}/queue/" in body
    assert not Message.objects.filter(recipient__in=[helper, other_coordinator]).exists()

    # The next day, another.
    assert sends(digests.queue_digests_send, now=morning + timedelta(days=1)) == 2


@pytest.mark.django_db
def test_no_queue_summary_before_the_digest_hour_or_for_an_empty_queue(sends):
    busy, quiet = town(), town()
    person(busy, Role.COORDINATOR)
    person(quiet, Role.COORDINATOR)
    need(busy)
    early = at(0, settings.POTLUCK_DIGEST_HOUR - 1)

    assert sends(digests.queue_digests_send, now=early) == 0
    assert sends(digests.queue_digests_send, now=early + timedelta(hours=1)) == 1
    assert not Message.objects.filter(network=quiet).exists()


@pytest.mark.django_db
def test_the_command_sends_digests_once(capsys, sends):
    network = town()
    person(network, Role.COORDINATOR)
    need(network)
    local = timezone.now().astimezone(LOCAL)
    expected = 1 if local.hour >= settings.POTLUCK_DIGEST_HOUR else 0

    sends(call_command, command_name="send_digests")
    sends(call_command, command_name="send_digests")

    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{expected} queue digest(s) and 0 daily digest(s) written.",
        "0 queue digest(s) and 0 daily digest(s) written.",
    ]


# ---------------------------------------------------------------------------- digest mode


def digest_reader(network, **profile):
    reader = volunteer(network, **profile)
    Preference.objects.create(user=reader, channels=["email", "web"], mode="digest")
    return reader


@pytest.mark.django_db
def test_a_digest_reader_gets_non_urgent_news_folded_into_one_email_a_day(sends):
    network = town()
    reader = digest_reader(network)
    first, second = need(network), need(network, category="meals")

    sends(alerts.need_alert_volunteers, need=first)
    sends(alerts.need_alert_volunteers, need=second)

    held = Message.objects.filter(recipient=reader, channel="email", kind="need.alert")
    assert set(held.values_list("status", flat=True)) == {Message.Status.HELD}
    digest_time = services.next_digest_at(timezone.now())
    assert set(held.values_list("next_attempt_at", flat=True)) == {digest_time}
    # In Potluck they show at once; nothing is emailed, and the sweep leaves them alone.
    assert Message.objects.filter(recipient=reader, channel="web", status="sent").count() == 2
    assert services.messages_deliver_due(now=digest_time + timedelta(hours=1)) == 0
    assert not mail.outbox

    assert sends(digests.digests_fold, now=digest_time - timedelta(minutes=1)) == 0
    assert sends(digests.digests_fold, now=digest_time) == 1
    assert sends(digests.digests_fold, now=digest_time + timedelta(hours=1)) == 0

    (email,) = mail.outbox
    assert email.to == [reader.email]
    assert email.subject == "Your daily digest from Potluck"
    assert f"New need #{first.pk}: Groceries" in email.body
    assert f"New need #{second.pk}: Meals" in email.body
    assert "/notifications/settings/" in email.body
    digest = Message.objects.get(kind="digest")
    assert (digest.status, digest.network) == (Message.Status.SENT, network)
    assert set(held.values_list("status", "digest")) == {(Message.Status.FOLDED, digest.pk)}


@pytest.mark.django_db
def test_urgent_needs_and_claim_reminders_skip_the_digest(sends):
    network = town(claim_reminder_hours=6)
    reader = digest_reader(network)
    urgent = need(network, urgency="today")
    sends(alerts.need_alert_volunteers, need=urgent)
    need_services.need_claim(need=need(network), volunteer=reader)
    sends(follow_up.claims_remind, now=timezone.now() + timedelta(hours=43))

    assert [m.subject for m in mail.outbox] == [
        f"New need #{urgent.pk}: Groceries",
        "Your claim runs out soon",
    ]
    assert not Message.objects.filter(status=Message.Status.HELD).exists()


@pytest.mark.django_db
def test_a_digest_is_an_sms_list_when_texts_are_the_chosen_channel(sends):
    network = town()
    reader = volunteer(network)
    reader.phone = "+15550107070"
    reader.save()
    Preference.objects.create(user=reader, channels=["sms"], mode="digest")
    alert = need(network)
    sends(alerts.need_alert_volunteers, need=alert)

    assert sends(digests.digests_fold, now=services.next_digest_at(timezone.now())) == 1

    from potluck.core import sms

    (text,) = sms.outbox
    assert text.to == reader.phone
    assert f"- New need #{alert.pk}: Groceries" in text.body


@pytest.mark.django_db(transaction=True)
def test_two_digest_runs_at_once_fold_each_message_once():
    network = town()
    reader = digest_reader(network)
    for _ in range(3):
        alerts.need_alert_volunteers(need(network))
    digest_time = services.next_digest_at(timezone.now())

    results = run_together(*[partial(digests.digests_fold, now=digest_time) for _ in range(2)])

    assert sorted(results) == [0, 1], results
    assert Message.objects.filter(kind="digest").count() == 1
    assert Message.objects.filter(recipient=reader, status=Message.Status.FOLDED).count() == 3
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_queue_digest_runs_at_once_tell_each_coordinator_once():
    network = town()
    person(network, Role.COORDINATOR)
    need(network)
    morning = at(0, settings.POTLUCK_DIGEST_HOUR, 10)

    results = run_together(*[partial(digests.queue_digests_send, now=morning) for _ in range(2)])

    assert sorted(results) == [0, 1], results
    assert Message.objects.filter(kind="queue.digest").count() == 2  # email and in Potluck
    assert len(mail.outbox) == 1


# ---------------------------------------------------------------------------- quiet hours


@pytest.mark.django_db
def test_alerts_wait_out_quiet_hours_unless_the_need_is_urgent(sends):
    network = town()
    sleeper = volunteer(network)
    hour = timezone.now().astimezone(LOCAL).hour
    Preference.objects.create(
        user=sleeper, channels=["email"], quiet_start=hour, quiet_end=(hour + 2) % 24
    )
    calm, urgent = need(network), need(network, urgency="today")

    sends(alerts.need_alert_volunteers, need=calm)
    sends(alerts.need_alert_volunteers, need=urgent)

    assert [m.subject for m in mail.outbox] == [f"New need #{urgent.pk}: Groceries"]
    waiting = Message.objects.get(context__need_id=calm.pk)
    assert waiting.status == Message.Status.PENDING
    assert waiting.next_attempt_at.astimezone(LOCAL).hour == (hour + 2) % 24
    assert services.messages_deliver_due(now=waiting.next_attempt_at) == 1
    assert len(mail.outbox) == 2
