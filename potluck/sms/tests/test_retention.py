"""What the SMS conversation keeps is deleted on schedule by the privacy retention job."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from potluck.accounts.models import phone_hash
from potluck.needs import services as need_services
from potluck.needs.models import Need
from potluck.privacy.services import retention_enforce
from potluck.sms.models import Conversation, OptOut, ReceivedMessage, Step
from potluck.sms.services import sms_delete_expired

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def conversation(network, phone, **fields):
    return Conversation.objects.create(
        number="+15550002000", phone=phone, network=network, **fields
    )


def age(obj, days):
    """Make `obj` look untouched for `days` (updated_at is set on every save)."""
    type(obj).objects.filter(pk=obj.pk).update(updated_at=timezone.now() - days * DAY)


def test_conversations_go_once_quiet_and_their_need_is_over(network, need_factory, coordinator):
    days = network.retention_days
    closed = need_factory(network=network)
    need_services.need_close(need=closed, by=coordinator)
    Need.objects.filter(pk=closed.pk).update(closed_at=timezone.now() - (days + 1) * DAY)
    live = need_factory(network=network)
    finished = conversation(network, "+15550000001", step=Step.ASKED, need=closed)
    abandoned = conversation(network, "+15550000002", step=Step.AREA, description="Rent")
    waiting = conversation(network, "+15550000003", step=Step.ASKED, need=live)
    recent = conversation(network, "+15550000004", step=Step.WHAT)
    for old in (finished, abandoned, waiting):
        age(old, days + 1)

    counts = retention_enforce()

    assert counts["sms_conversations"] == 2
    assert set(Conversation.objects.values_list("pk", flat=True)) == {waiting.pk, recent.pk}


def test_a_conversation_stays_while_its_closed_need_is_recent(network, need_factory, coordinator):
    need = need_factory(network=network)
    need_services.need_close(need=need, by=coordinator)
    kept = conversation(network, "+15550000001", step=Step.ASKED, need=need)
    age(kept, network.retention_days + 1)  # quiet, but the need closed just now

    assert sms_delete_expired(now=timezone.now()) == 0
    assert Conversation.objects.filter(pk=kept.pk).exists()


def test_conversations_follow_their_networks_retention(network_factory):
    short = network_factory(retention_days=3)
    long = network_factory(retention_days=60)
    gone = conversation(short, "+15550000001")
    kept = conversation(long, "+15550000002")
    unplaced = conversation(None, "+15550000003", step=Step.NETWORK)  # the default retention
    waiting = conversation(None, "+15550000004", step=Step.NETWORK)
    for row in (gone, kept, waiting):
        age(row, 10)
    age(unplaced, settings.POTLUCK_DEFAULT_RETENTION_DAYS + 1)

    sms_delete_expired(now=timezone.now())

    assert set(Conversation.objects.values_list("pk", flat=True)) == {kept.pk, waiting.pk}


def test_handled_message_sids_go_after_a_day_and_opt_outs_stay(db):
    old = ReceivedMessage.objects.create(sid="SMold", received_at=timezone.now() - 2 * DAY)
    new = ReceivedMessage.objects.create(sid="SMnew")
    OptOut.objects.create(
        phone_hash=phone_hash("+15550000001"), created_at=timezone.now() - 900 * DAY
    )

    sms_delete_expired(now=timezone.now())

    assert list(ReceivedMessage.objects.values_list("pk", flat=True)) == [new.pk]
    assert not ReceivedMessage.objects.filter(pk=old.pk).exists()
    assert OptOut.objects.count() == 1
