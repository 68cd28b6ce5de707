from django_tasks import task

from potluck.ledger.services import pledges_expire


@task()
def expire_pledges() -> int:
    """Background form of `potluck pledges_expire`, for schedulers that enqueue tasks."""
    return pledges_expire()
