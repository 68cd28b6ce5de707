"""Follow-through with a shifted clock: claim reminders and "still needed?" questions."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from potluck.core.errors import DomainError
from potluck.matching import follow_up
from potluck.matching.tests.builders import need, town, volunteer
from potluck.needs import services as need_services
from potluck.needs.models import Claim, Need, NeedNote
from potluck.needs.selectors import need_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def network():
    return town(claim_reminder_hours=6, still_needed_days=7, claim_hours=48)


@pytest.fixture
def sends(django_capture_on_commit_callbacks):
    """sends(call, **kwargs): call it, then run what it left for after commit (emails), as a
    real commit would."""

    def run(call, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(**kwargs)

    return run


def claimed_by(network, helper):
    asked = need(network)
    return need_services.need_claim(need=asked, volunteer=helper)


# ---------------------------------------------------------------------------- reminders


def test_volunteer_is_reminded_once_before_their_claim_runs_out(network, sends):
    helper = volunteer(network)
    claim = claimed_by(network, helper)
    now = timezone.now()

    assert sends(follow_up.claims_remind, now=now + timedelta(hours=41)) == 0  # 7 hours left
    assert sends(follow_up.claims_remind, now=now + timedelta(hours=43)) == 1  # 5 hours left
    assert sends(follow_up.claims_remind, now=now + timedelta(hours=44)) == 0  # once only

    claim.refresh_from_db()
    assert claim.reminded_at == now + timedelta(hours=43)
    (email,) = mail.outbox
    assert email.to == [helper.email]
    assert email.subject == str(follow_up.REMINDER_SUBJECT)
    assert f"/n/{network.slug}/needs/{claim.need_id}/" in email.body
    assert claim.need.description not in email.body  # the need's details stay on the site


def test_claims_already_ended_or_run_out_are_not_reminded(network, sends):
    helper = volunteer(network)
    released = claimed_by(network, helper)
    need_services.need_release(need=released.need, by=helper)
    expired = claimed_by(network, helper)
    now = timezone.now()

    assert sends(follow_up.claims_remind, now=now + timedelta(hours=43)) == 1
    assert sends(follow_up.claims_remind, now=now + timedelta(hours=49)) == 0
    assert Claim.objects.get(pk=released.pk).reminded_at is None
    assert Claim.objects.get(pk=expired.pk).reminded_at is not None


def test_a_network_with_reminders_off_sends_none(sends):
    quiet = town(claim_reminder_hours=0)
    claimed_by(quiet, volunteer(quiet))
    assert sends(follow_up.claims_remind, now=timezone.now() + timedelta(hours=47)) == 0
    assert not mail.outbox


def test_a_volunteer_without_an_email_is_marked_reminded_without_one(network, sends):
    helper = volunteer(network)
    helper.email, helper.phone = None, "+15550104444"
    helper.save()
    claim = claimed_by(network, helper)

    assert sends(follow_up.claims_remind, now=timezone.now() + timedelta(hours=43)) == 1
    claim.refresh_from_db()
    assert claim.reminded_at is not None
    assert not mail.outbox


# ---------------------------------------------------------------------------- still needed?


def asked_days_ago(network, days, **fields):
    return need(network, created_at=timezone.now() - timedelta(days=days), **fields)


def test_a_need_open_too_long_is_asked_once_whether_it_is_still_needed(network, sends):
    old = asked_days_ago(network, 8, contact_method="email", contact_value="asker@example.org")
    young = asked_days_ago(network, 6)
    claimed = asked_days_ago(network, 8)
    need_services.need_claim(need=claimed, volunteer=volunteer(network))

    assert sends(follow_up.needs_ask_still_needed) == 1
    assert sends(follow_up.needs_ask_still_needed) == 0

    old.refresh_from_db()
    assert old.still_needed_asked_at is not None
    (note,) = NeedNote.objects.filter(need=old)
    assert (note.kind, note.body) == (NeedNote.Kind.SYSTEM, follow_up.STILL_NEEDED_ASKED)
    assert note.text == str(follow_up.STILL_NEEDED_TEXTS[follow_up.STILL_NEEDED_ASKED])
    history = [str(getattr(event, "label", "")) for event in need_history(need=old)]
    assert "asked the person who asked" in history[-1]
    for other in (young, claimed):
        other.refresh_from_db()
        assert other.still_needed_asked_at is None
    (email,) = mail.outbox
    assert email.to == ["asker@example.org"]
    assert "Open the link you got when you asked" in email.body
    assert "/s/" not in email.body


def test_requesters_reached_by_phone_get_no_email(network, sends):
    asked_days_ago(network, 10, contact_method="sms", contact_value="+15550106666")
    assert sends(follow_up.needs_ask_still_needed) == 1
    assert not mail.outbox


def test_a_requester_says_it_is_still_needed_once(network, audit_verbs):
    old = asked_days_ago(network, 8)
    follow_up.needs_ask_still_needed()
    old.refresh_from_db()
    assert not follow_up.still_needed_answered(need=old)

    follow_up.need_confirm_still_needed(need=old)
    follow_up.need_confirm_still_needed(need=old)  # a second click says nothing new

    assert follow_up.still_needed_answered(need=old)
    bodies = [note.body for note in NeedNote.objects.filter(need=old)]
    assert bodies == [follow_up.STILL_NEEDED_ASKED, follow_up.STILL_NEEDED_YES]
    assert audit_verbs(old) == ["need.still_needed_asked", "need.still_needed_confirmed"]


def test_a_need_no_longer_open_cannot_be_confirmed_as_still_needed(network):
    closed = need(network, status=Need.Status.WITHDRAWN)
    with pytest.raises(DomainError) as excinfo:
        follow_up.need_confirm_still_needed(need=closed)
    assert excinfo.value.message == follow_up.NOT_OPEN


def test_status_page_asks_and_takes_the_answer(client, network):
    asked, token = need_services.need_create(
        network=network,
        category="groceries",
        description="Rice and beans",
        area="Riverside",
        urgency="few_days",
        contact_method="phone",
        contact_value="+15550107777",
        language="en",
    )
    page = reverse("status:detail", args=[token])
    assert b'id="still-needed"' not in client.get(page).content

    Need.objects.filter(pk=asked.pk).update(created_at=timezone.now() - timedelta(days=8))
    follow_up.needs_ask_still_needed()
    shown = client.get(page).content.decode()
    assert 'id="still-needed"' in shown
    assert reverse("status:still_needed", args=[token]) in shown
    assert reverse("status:withdraw", args=[token]) in shown

    response = client.post(reverse("status:still_needed", args=[token]))
    assert response.status_code == 302
    assert b'id="still-needed"' not in client.get(page).content
    asked.refresh_from_db()
    assert asked.status == Need.Status.OPEN

    client.post(reverse("status:withdraw", args=[token]))
    asked.refresh_from_db()
    assert asked.status == Need.Status.WITHDRAWN


# ---------------------------------------------------------------------------- the command


def test_follow_up_command_runs_every_step(network, capsys, sends):
    claimed_by(network, volunteer(network))
    asked_days_ago(network, 9)
    Claim.objects.update(expires_at=timezone.now() + timedelta(hours=2))

    sends(call_command, command_name="follow_up")

    out = capsys.readouterr().out
    assert "1 claim(s) reminded, 0 dispatch(es) ended, 1 need(s) asked" in out


def test_match_auto_command_reports_each_network(network, capsys):
    network.auto_match_minutes = 15
    network.save()
    volunteer(network)
    need(network)

    call_command("match_auto")

    assert f"{network.slug}: 1 of 1 need(s) matched." in capsys.readouterr().out
