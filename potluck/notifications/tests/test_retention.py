from datetime import timedelta

import pytest
from django.utils import timezone

from potluck.accounts.models import User
from potluck.notifications.models import Message
from potluck.privacy.services import retention_enforce

pytestmark = pytest.mark.django_db


def test_finished_messages_are_deleted_after_retention_and_waiting_ones_kept(
    member: User,
) -> None:
    for status in (Message.Status.SENT, Message.Status.FAILED, Message.Status.PENDING):
        Message.objects.create(
            recipient=member,
            channel="email",
            kind="need.claimed",
            status=status,
            address="canary@example.org",
            body="A volunteer is on it",
        )

    retention_enforce(now=timezone.now() + timedelta(days=366))

    assert list(Message.objects.values_list("status", flat=True)) == [Message.Status.PENDING]
