from django_tasks import task

from potluck.notifications import services


@task()
def deliver_message(message_id: int) -> str:
    """Deliver one outbox message; returns its status afterwards."""
    return services.message_deliver(message_id=message_id).status


@task()
def deliver_due_messages() -> int:
    """Background form of `potluck deliver_messages`: the retry sweep."""
    return services.messages_deliver_due()


@task()
def send_digests() -> dict[str, int]:
    """Background form of `potluck send_digests`: coordinators' queue digests, and the daily
    digest of people who chose one."""
    from potluck.notifications.digests import digests_send  # digests imports this module

    counts = digests_send()
    return {"queue_digests": counts.queue_digests, "digests": counts.digests}
