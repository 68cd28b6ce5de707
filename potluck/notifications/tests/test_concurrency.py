"""Delivery on real transactions: racing workers, commit and rollback."""

from functools import partial

import pytest
from django.db import transaction

from potluck.conftest import run_together
from potluck.notifications import services
from potluck.notifications.models import Message
from potluck.notifications.tests.helpers import Rollback, notify_then_fail

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_workers_delivering_one_message_at_once_send_one_email(smtp_server, user_factory):
    person = user_factory()
    message = Message.objects.create(recipient=person, channel="email", kind="need.claimed")

    results = run_together(*[partial(services.message_deliver, message_id=message.pk)] * 2)

    assert not [result for result in results if isinstance(result, Exception)]
    assert len(smtp_server.received) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.SENT, 1)


def test_a_committed_notify_is_delivered_after_the_commit(smtp_server, user_factory):
    person = user_factory()
    with transaction.atomic():
        services.notify(recipient=person, kind="need.claimed", context={}, channels=["email"])
        assert smtp_server.received == []

    assert len(smtp_server.received) == 1
    assert Message.objects.get().status == Message.Status.SENT


def test_a_rolled_back_notify_leaves_no_row_and_sends_no_mail(smtp_server, user_factory):
    person = user_factory()
    with pytest.raises(Rollback):
        notify_then_fail(person)

    assert not Message.objects.exists()
    assert smtp_server.received == []
