"""Events people hear about: the right rows to the right people, and nobody else."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from potluck.core import sms
from potluck.matching import follow_up
from potluck.matching.tests.builders import need as need_in
from potluck.matching.tests.builders import person, town, volunteer
from potluck.needs import services as need_services
from potluck.needs.models import Need
from potluck.networks.models import Membership, Role
from potluck.notifications import alerts
from potluck.notifications.models import Message, Preference
from potluck.notifications.tests.helpers import Rollback

pytestmark = pytest.mark.django_db

DESCRIPTION = "Rice for my kids; I live at 12 Elm Street, ring twice"
EMAIL = "asker@example.org"
PHONE = "+15550104242"


@pytest.fixture
def network():
    return town()


@pytest.fixture
def sends(django_capture_on_commit_callbacks):
    """sends(call, **kwargs): call it, then run what it left for after commit, as a commit
    would (the outbox delivers then)."""

    def run(call, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(**kwargs)

    return run


def ask(network, **fields):
    values = {
        "network": network,
        "category": "groceries",
        "description": DESCRIPTION,
        "area": "Riverside",
        "urgency": "few_days",
        "contact_method": "phone",
        "contact_value": "+15550100000",
        "language": "en",
        **fields,
    }
    need, _token = need_services.need_create(**values)
    return need


def alerted(need):
    return set(
        Message.objects.filter(kind="need.alert", context__need_id=need.pk).values_list(
            "recipient_id", flat=True
        )
    )


# ---------------------------------------------------------------------------- new needs


def test_a_new_need_alerts_exactly_the_volunteers_it_suits(network, sends):
    fits = volunteer(network)
    by_area = volunteer(network, areas=["Riverside", "Eastgate"])
    near_home = volunteer(network, home_area="Eastgate", radius_km=5)  # 2.8 km away
    coordinator = volunteer(network, role=Role.COORDINATOR)
    other_category = volunteer(network, categories=["meals"])
    other_area = volunteer(network, areas=["Eastgate"])
    too_far = volunteer(network, home_area="Old Mill", radius_km=3)  # 4.4 km away
    spanish_only = volunteer(network, languages=["es"])
    paused = volunteer(network, paused_until=timezone.now() + timedelta(days=2))
    plain_member = volunteer(network, role=Role.MEMBER)
    waiting = volunteer(network)
    Membership.objects.filter(user=waiting).update(status=Membership.Status.PENDING)
    elsewhere = town()
    volunteer(elsewhere)

    need = sends(ask, network=network)

    assert alerted(need) == {fits.pk, by_area.pk, near_home.pk, coordinator.pk}
    outsiders = (other_category, other_area, too_far, spanish_only, paused, plain_member, waiting)
    for outsider in outsiders:
        assert not Message.objects.filter(recipient=outsider).exists()
    # Each by the channels they chose (email and in Potluck by default), sent after commit.
    assert Message.objects.filter(recipient=fits).count() == 2
    assert {m.to[0] for m in mail.outbox} == {
        u.email for u in (fits, by_area, near_home, coordinator)
    }


def test_a_need_open_to_any_language_alerts_those_who_speak_another(network):
    spanish_only = volunteer(network, languages=["es"])
    strict = need_in(network, language="en")
    relaxed = need_in(network, language="en", any_language=True)
    alerts.need_alert_volunteers(strict)
    alerts.need_alert_volunteers(relaxed)
    assert alerted(strict) == set()
    assert alerted(relaxed) == {spanish_only.pk}


def test_the_alert_shows_what_the_board_shows_and_no_personal_details(network, sends):
    fits = volunteer(network)
    need = sends(ask, network=network, contact_method="email", contact_value=EMAIL)

    (email,) = [m for m in mail.outbox if m.to == [fits.email]]
    assert email.subject == f"New need #{need.pk}: Groceries"
    assert f"need #{need.pk}, Groceries in Riverside. How soon: In the next few days." in email.body
    assert f"/n/{network.slug}/needs/{need.pk}/" in email.body
    assert "TAKE" not in email.body  # only text messages can be answered
    for secret in (DESCRIPTION, "Elm", EMAIL):
        assert secret not in email.body
        assert secret not in str(Message.objects.filter(recipient=fits).values("context")[0])


def test_an_sms_alert_says_how_to_take_the_need_by_reply(network, sends):
    fits = volunteer(network)
    fits.phone = "+15550109999"
    fits.save()
    Preference.objects.create(user=fits, channels=["sms"])

    need = sends(ask, network=network)

    (text,) = sms.outbox
    assert text.to == fits.phone
    assert f"Reply TAKE {need.pk} to take it on." in text.body
    assert f"#{need.pk}" in text.body
    assert len(text.body) <= 320


def test_the_person_entering_a_need_for_someone_is_not_alerted_about_it(network, sends):
    coordinator = volunteer(network, role=Role.COORDINATOR)
    other = volunteer(network)
    need = sends(ask, network=network, entered_by=coordinator)
    assert alerted(need) == {other.pk}


def test_a_need_created_in_a_transaction_that_rolls_back_writes_and_sends_nothing(network, sends):
    volunteer(network)

    def create_then_fail():
        with transaction.atomic():
            ask(network)
            raise Rollback

    with pytest.raises(Rollback):
        sends(create_then_fail)

    assert not Message.objects.exists()
    assert not mail.outbox


def test_alerting_again_never_doubles(network, sends):
    volunteer(network)
    need = sends(ask, network=network)
    sends(alerts.need_alert_volunteers, need=need)
    assert Message.objects.filter(kind="need.alert").count() == 2  # email and in Potluck
    assert len(mail.outbox) == 1


# ---------------------------------------------------------------------------- the person who asked


def test_a_requester_with_an_email_hears_of_each_change(network, sends):
    helper = volunteer(network, categories=["meals"])  # no alert emails in the way
    need = ask(network, contact_method="email", contact_value=EMAIL)

    sends(need_services.need_claim, need=need, volunteer=helper)
    sends(need_services.need_release, need=need, by=helper)
    sends(need_services.need_claim, need=need, volunteer=helper)
    sends(need_services.need_mark_delivered, need=need, by=helper)
    sends(need_services.need_confirm_by_requester, need=need)

    to_asker = [m for m in mail.outbox if m.to == [EMAIL]]
    assert [m.subject for m in to_asker] == [
        "A volunteer is on it",
        "Your request is waiting for a new helper",
        "A volunteer is on it",
        "Did help arrive?",
        f"Request #{need.pk} is closed",
    ]
    for message in to_asker:
        assert f"#{need.pk}" in message.body
        assert "/s/" not in message.body  # the status link isn't kept, so it is never sent
        assert "DONE" not in message.body  # that is for text messages
    assert "now closed: Closed" in to_asker[-1].body
    rows = Message.objects.filter(recipient=None, channel="email")
    assert rows.count() == 5
    assert all(m.language == "en" for m in rows)


def test_a_requester_by_sms_hears_how_to_reply_and_say_done(network, sends):
    helper = volunteer(network, categories=["meals"])
    need = ask(network, contact_method="sms", contact_value=PHONE)

    sends(need_services.need_claim, need=need, volunteer=helper)
    sends(need_services.need_mark_delivered, need=need, by=helper)

    claimed, delivered = sms.outbox
    assert claimed.to == delivered.to == PHONE
    assert claimed.sender == network.sms_number
    assert f"request #{need.pk}" in claimed.body
    assert "Reply to this message to write to your helper. Reply DONE" in claimed.body
    assert "Reply DONE if help arrived" in delivered.body
    assert all(len(text.body) <= 320 for text in sms.outbox)


def test_a_requester_reached_by_phone_gets_no_message(network, sends):
    helper = volunteer(network, categories=["meals"])
    need = ask(network, contact_method="phone", contact_value=PHONE)
    sends(need_services.need_claim, need=need, volunteer=helper)
    sends(need_services.need_close, need=need, by=person(network, Role.COORDINATOR))
    assert not Message.objects.filter(recipient=None).exists()
    assert not sms.outbox


def test_a_requester_with_an_account_hears_through_it(network, sends):
    asker = person(network, Role.MEMBER)
    helper = volunteer(network, categories=["meals"])
    need = ask(network, requester=asker, contact_method="sms", contact_value=PHONE)
    sends(need_services.need_claim, need=need, volunteer=helper)

    assert set(Message.objects.filter(kind="need.claimed").values_list("recipient", "channel")) == {
        (asker.pk, "email"),
        (asker.pk, "web"),
    }
    assert not sms.outbox


def test_an_expired_claim_tells_the_requester_once(network, sends):
    helper = volunteer(network, categories=["meals"])
    need = ask(network, contact_method="email", contact_value=EMAIL)
    need_services.need_claim(need=need, volunteer=helper)
    later = timezone.now() + timedelta(hours=network.claim_hours + 1)

    assert sends(need_services.claims_expire, now=later) == 1
    assert sends(need_services.claims_expire, now=later) == 0

    assert Message.objects.filter(kind="need.reopened").count() == 1


def test_a_coordinator_closing_tells_the_requester_the_outcome_but_not_the_helper(network, sends):
    helper = volunteer(network, categories=["meals"])
    need = ask(network, contact_method="email", contact_value=EMAIL)
    need_services.need_claim(need=need, volunteer=helper)
    sends(
        need_services.need_close,
        need=need,
        by=person(network, Role.COORDINATOR),
        outcome=Need.Status.REFERRED,
    )
    (closed,) = [m for m in mail.outbox if m.to == [EMAIL]]
    assert "now closed: Referred elsewhere" in closed.body
    assert not Message.objects.filter(recipient=helper).exists()


# ---------------------------------------------------------------------------- the helper


@pytest.mark.parametrize(
    ("finish", "subject"),
    [
        (need_services.need_confirm_by_requester, "Need #{pk}: help arrived"),
        (need_services.need_withdraw_by_requester, "Need #{pk} was withdrawn"),
    ],
)
def test_the_helper_hears_when_the_requester_confirms_or_withdraws(network, sends, finish, subject):
    helper = volunteer(network, categories=["meals"])
    bystander = volunteer(network, categories=["meals"])
    need = ask(network)
    need_services.need_claim(need=need, volunteer=helper)

    sends(finish, need=need)

    (email,) = mail.outbox
    assert email.to == [helper.email]
    assert email.subject == subject.format(pk=need.pk)
    assert f"/n/{network.slug}/needs/{need.pk}/" in email.body
    assert not Message.objects.filter(recipient=bystander).exists()


def test_a_requester_withdrawing_an_open_need_tells_no_volunteer(network, sends):
    volunteer(network, categories=["meals"])
    need = ask(network)
    sends(need_services.need_withdraw_by_requester, need=need)
    assert not Message.objects.filter(recipient__isnull=False).exists()


# ---------------------------------------------------------------------------- follow-through


def test_claim_reminders_go_by_the_volunteers_channels_once(network, sends):
    network.claim_reminder_hours = 6
    network.save()
    helper = volunteer(network)
    helper.phone = "+15550108888"
    helper.save()
    Preference.objects.create(user=helper, channels=["sms", "web"])
    claimed = need_in(network)
    need_services.need_claim(need=claimed, volunteer=helper)
    later = timezone.now() + timedelta(hours=43)

    assert sends(follow_up.claims_remind, now=later) == 1
    assert sends(follow_up.claims_remind, now=later) == 0

    (text,) = sms.outbox
    assert text.to == helper.phone
    assert f"/n/{network.slug}/needs/{claimed.pk}/" in text.body
    assert Message.objects.filter(kind="claim.reminder", channel="web").count() == 1
