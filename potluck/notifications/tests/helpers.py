from django.db import transaction

from potluck.accounts.models import User
from potluck.notifications import services


class Rollback(Exception):
    pass


def notify_then_fail(person: User) -> None:
    """Notify inside a transaction that then fails: the whole transaction rolls back."""
    with transaction.atomic():
        services.notify(recipient=person, kind="need.claimed", context={}, channels=["email"])
        raise Rollback
